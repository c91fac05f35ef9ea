/* awk_run.c: the awk interpreter: walks the tree awk_parse.c built, with gawk's value rules
 * (strnum input, CONVFMT/OFMT, uninitialized values), lazy field splitting, arrays (and
 * gawk's arrays of arrays), user functions, builtins, printf, getline, output redirections to
 * files and VM commands, -i inplace. Every loop iteration, call and record counts against the
 * VM's step budget; memory comes from the process arena, so limits end a runaway program
 * cleanly. Not here: gawk's namespaces, two-way pipes (|&), dynamic extensions, MPFR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/awk.h"
#include "lib/timefmt.h"

enum { X_NORMAL = 0, X_BREAK, X_CONTINUE, X_NEXT, X_NEXTFILE, X_EXIT, X_RETURN };
enum { FS_SPACE, FS_CHAR, FS_REGEX, FS_EMPTY, FS_WIDTHS, FS_FPAT };
enum { RS_CHAR, RS_PARA, RS_REGEX };

typedef struct reader {
    int fd;
    bool close_fd, eof;
    char *buf;
    size_t pos, len, cap;
} reader;

typedef struct stream {
    struct stream *next;
    aw_str *name;
    int kind; /* R_FILE, R_APPEND, R_PIPE (output), R_CMD (input pipe), R_MAIN (input file) */
    int fd;
    int pid;
    vl_buf out;
    reader *in;
} stream;

typedef struct recache {
    aw_str *src;
    bool icase;
    vl_re *re;
} recache;

#define RECACHE 32

typedef struct interp {
    vl_ctx *c;
    aw_prog *prog;
    const char **srcnames; /* by source index: "cmd. line" or the -f file */
    aw_var *g;
    int ng;          /* slots in g */
    /* the record: $0 and the fields 1..nf (f[0] unused) */
    aw_val rec;
    aw_val *f;
    size_t *fofs;      /* TY_LAZY fields: offset in lazy_src (their length is in num) */
    aw_str *lazy_src;  /* the string the lazy fields point into ($0's, borrowed) */
    aw_str *rt_cache;  /* RT for a one-character RS, shared by the records */
    aw_str *spare;     /* a record string no longer used, reused by the next record */
    size_t nf, fcap;
    bool split_ok, rec_ok;
    /* settings cached from the special variables */
    int fs_mode;
    char fs_char;
    vl_re *fs_re;
    int *widths;
    size_t nwidths;
    int rs_mode;
    char rs_char;
    vl_re *rs_re;
    aw_str *ofs, *ors, *subsep, *convfmt, *ofmt;
    bool icase;
    double nr, fnr;
    /* input */
    reader *main_in;
    int argi;        /* next ARGV index */
    bool used_file;  /* a file operand was seen */
    bool main_done;
    stream *streams;
    recache cache[RECACHE];
    int cache_next;
    /* functions */
    int depth;
    aw_var *frame;
    aw_func *fn;     /* the function running (for messages) */
    aw_val retval;
    jmp_buf *jb;     /* next/exit from inside a function land here */
    int line, src;
    uint64_t ticks;
    int exit_code;
    int ip_saved;     /* -i inplace: our real stdout while a file's output goes to ip_tmp */
    char *ip_tmp, *ip_name;
    bool last_printf; /* the last output statement was printf (messages) */
    bool quiet_close; /* closing on the way out after an error: no more messages */
    bool skip_file;  /* BEGINFILE ran nextfile */
    bool in_end, in_begin, exiting;
    double seed, prev_seed;
    uint32_t rstate[63];
    int rf, rr;
} interp;

static aw_val eval(interp *I, aw_node *n);
static int exec(interp *I, aw_node *n);
static void inplace_warn(interp *I, const char *msg);
static void inplace_begin(interp *I, const char *name, int fd);
static void set_special(interp *I, int idx);
static aw_str *tostr(interp *I, aw_val *v, aw_str *fmt);
static aw_str *format_num(interp *I, aw_str *fmt, double d);

/* ---- errors ---- */

/* gawk's message prefix: "awk: SRC:LINE: (FILENAME=f FNR=n) " */
static void where_prefix(interp *I, char *out, size_t n)
{
    int k;
    if (I->line > 0) k = snprintf(out, n, "%s: %s:%d: ", I->c->name, I->srcnames[I->src], I->line);
    else k = snprintf(out, n, "%s: ", I->c->name);
    if (k < 0 || (size_t)k >= n) return;
    aw_var *fv = &I->g[V_FNR];
    double fnr = fv->kind == VK_SCALAR && fv->v.ty == TY_NUM ? fv->v.num : I->fnr;
    if (fnr > 0 && !I->in_begin) {
        aw_var *fn = &I->g[V_FILENAME];
        const char *name = fn->kind == VK_SCALAR && fn->v.s && fn->v.s->len ? fn->v.s->s : "-";
        snprintf(out + k, n - (size_t)k, "(FILENAME=%s FNR=%.0f) ", name, fnr);
    }
}

static _Noreturn void fatal(interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void fatal(interp *I, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_flush(I->c);
    char where[600];
    where_prefix(I, where, sizeof where);
    vl_eprintf(I->c, "%sfatal: %s\n", where, msg);
    vl_exit(I->c, 2);
}

static void warning(interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warning(interp *I, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_flush(I->c);
    char where[600];
    where_prefix(I, where, sizeof where);
    vl_eprintf(I->c, "%swarning: %s\n", where, msg);
}

/* count interpreter work against the VM's step budget and interrupts */
static inline void tick(interp *I)
{
    if (++I->ticks & 1023) return;
    int rc = vk_steps(I->c->p, 1024);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(I->c->p);
        vl_exit(I->c, w ? VK_WSHELL(w) : 2);
    }
}

/* ---- conversions that C leaves undefined out of range: clamped ---- */

static int64_t to_i64(double d)
{
    if (isnan(d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return (int64_t)d;
}

static int to_int(double d)
{
    if (isnan(d)) return 0;
    if (d >= 2147483647.0) return 2147483647;
    if (d <= -2147483648.0) return -2147483647 - 1;
    return (int)d;
}

/* gawk's bit functions take non-negative integers */
static uint64_t to_u64(double d)
{
    if (isnan(d) || d <= 0) return 0;
    if (d >= 1.8e19) return UINT64_MAX;
    return (uint64_t)d;
}

/* ---- strings and values ---- */

static inline void sref(aw_str *s) { if (s) s->ref++; }
static inline void sunref(interp *I, aw_str *s)
{
    if (s && --s->ref == 0) aw_free(I->c, s);
}
static inline void vfree(interp *I, aw_val *v)
{
    sunref(I, v->s);
    v->s = NULL;
    v->ty = TY_UNINIT;
    v->numok = false;
}
static inline aw_val vnum(double d) { return (aw_val){.ty = TY_NUM, .num = d}; }
static inline aw_val vstr(aw_str *s) { return (aw_val){.ty = TY_STR, .s = s}; }
static inline aw_val vinput(aw_str *s) { return (aw_val){.ty = TY_INPUT, .s = s}; }
static inline aw_val vcopy(aw_val *v)
{
    sref(v->s);
    return *v;
}
static aw_str *snew(interp *I, const char *s, size_t n) { return aw_str_new(I->c, s, n); }
static aw_str *empty_str(interp *I) { return snew(I, "", 0); }

static bool is_blank(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; }

/* gawk's string to number: leading blanks, no hex, "+inf" "-nan" magic values; *whole says
 * whether the number took the whole string (trailing blanks allowed): a strnum */
static double str2num(const char *s, size_t n, bool *whole)
{
    const char *p = s, *e = s + n;
    *whole = false;
    while (p < e && is_blank((unsigned char)*p)) p++;
    if (p == e) return 0;
    int ch = (unsigned char)*p;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) return 0;
    if (e - p >= 4 && (p[0] == '+' || p[0] == '-')) {
        bool magic = false;
        double v = 0;
        if (!strncasecmp(p + 1, "inf", 3)) { magic = true; v = INFINITY; }
        else if (!strncasecmp(p + 1, "nan", 3)) { magic = true; v = NAN; }
        if (magic) {
            const char *q = p + 4;
            while (q < e && is_blank((unsigned char)*q)) q++;
            if (q == e) {
                *whole = true;
                return p[0] == '-' ? -v : v;
            }
            if (e - p == 4) return p[0] == '-' ? -v : v;
        }
    }
    {
        const char *q = p;
        if (*q == '+' || *q == '-') q++;
        if (q + 1 < e && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) return 0;
        if (q < e && ((*q | 32) == 'i' || (*q | 32) == 'n')) return 0;
    }
    if (e - p == 1) {
        if (ch >= '0' && ch <= '9') {
            *whole = true;
            return ch - '0';
        }
        return 0;
    }
    char tmp[64];
    char *end;
    double v;
    if (s[n] == 0) {
        v = strtod(p, &end);
    } else {
        size_t k = (size_t)(e - p) < sizeof tmp - 1 ? (size_t)(e - p) : sizeof tmp - 1;
        memcpy(tmp, p, k);
        tmp[k] = 0;
        v = strtod(tmp, &end);
        end = (char *)p + (end - tmp);
    }
    if (end == p) return 0;
    while (end < e && is_blank((unsigned char)*end)) end++;
    *whole = end == e;
    return v;
}

static double tonum(interp *I, aw_val *v)
{
    (void)I;
    switch (v->ty) {
    case TY_NUM: return v->num;
    case TY_UNINIT: return 0;
    default:
        if (!v->numok) {
            bool whole;
            v->num = str2num(v->s->s, v->s->len, &whole);
            v->numok = true;
            if (v->ty == TY_INPUT) v->ty = whole ? TY_STRNUM : TY_INSTR;
        }
        return v->num;
    }
}

/* decide an input value's type */
static inline void check_input(interp *I, aw_val *v)
{
    if (v->ty == TY_INPUT) {
        v->numok = false;
        tonum(I, v);
    }
}

/* format a number as gawk does: integral values as integers, others with fmt */
static aw_str *num2str(interp *I, double d, aw_str *fmt)
{
    char buf[64];
    if (isnan(d)) return snew(I, signbit(d) ? "-nan" : "+nan", 4);
    if (isinf(d)) return snew(I, d < 0 ? "-inf" : "+inf", 4);
    if (fabs(d) < 9.2e18 && d == (double)(int64_t)d) {
        int64_t k = (int64_t)d;
        char *p = buf + sizeof buf;
        bool neg = k < 0;
        uint64_t u = neg ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (neg) *--p = '-';
        return snew(I, p, (size_t)(buf + sizeof buf - p));
    }
    if (d == floor(d)) {
        int n = snprintf(buf, sizeof buf, "%.0f", d);
        if (n < (int)sizeof buf) return snew(I, buf, (size_t)n);
        vl_buf b = {0};
        vl_buf_printf(I->c, &b, "%.0f", d);
        aw_str *r = snew(I, b.data, b.len);
        vl_buf_free(I->c, &b);
        return r;
    }
    /* CONVFMT/OFMT is a user string: format it through our printf */
    if (!strcmp(fmt->s, "%.6g")) {
        int n = snprintf(buf, sizeof buf, "%.6g", d);
        return snew(I, buf, (size_t)n);
    }
    return format_num(I, fmt, d);
}

/* the string value (a new reference) */
static aw_str *tostr(interp *I, aw_val *v, aw_str *fmt)
{
    switch (v->ty) {
    case TY_UNINIT: return empty_str(I);
    case TY_NUM: return num2str(I, v->num, fmt ? fmt : I->convfmt);
    default: sref(v->s); return v->s;
    }
}

static bool truth(interp *I, aw_val *v)
{
    switch (v->ty) {
    case TY_UNINIT: return false;
    case TY_NUM: return v->num != 0;
    case TY_STR: return v->s->len > 0;
    default:
        check_input(I, v);
        if (v->ty == TY_STRNUM) return v->num != 0;
        return v->s->len > 0;
    }
}

static int cmp_str(aw_str *a, aw_str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->s, b->s, n);
    if (r) return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_vals(interp *I, aw_val *a, aw_val *b)
{
    check_input(I, a);
    check_input(I, b);
    bool an = a->ty == TY_NUM || a->ty == TY_STRNUM || a->ty == TY_UNINIT;
    bool bn = b->ty == TY_NUM || b->ty == TY_STRNUM || b->ty == TY_UNINIT;
    if (an && bn) {
        double x = tonum(I, a), y = tonum(I, b);
        if (isnan(x) || isnan(y)) {
            /* gawk orders NaN like this for its comparisons */
            if (isnan(x) && isnan(y)) return 0;
            return isnan(x) ? 1 : -1;
        }
        return x < y ? -1 : x > y;
    }
    aw_str *x = tostr(I, a, NULL), *y = tostr(I, b, NULL);
    int r;
    if (I->icase) {
        size_t n = x->len < y->len ? x->len : y->len;
        r = strncasecmp(x->s, y->s, n);
        if (!r) r = x->len < y->len ? -1 : x->len > y->len;
    } else {
        r = cmp_str(x, y);
    }
    sunref(I, x);
    sunref(I, y);
    return r;
}

/* ---- arrays ---- */

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static aw_array *arr_new(interp *I)
{
    aw_array *a = vl_xcalloc(I->c, 1, sizeof *a);
    return a;
}

static aw_elem *arr_find(aw_array *a, const char *k, size_t n, uint64_t h)
{
    if (!a->cap) return NULL;
    for (aw_elem *e = a->tab[h & (a->cap - 1)]; e; e = e->hnext)
        if (e->hash == h && e->key->len == n && !memcmp(e->key->s, k, n)) return e;
    return NULL;
}

static aw_elem *arr_insert(interp *I, aw_array *a, const char *k, size_t n, uint64_t h, aw_str *key)
{
    if (a->n >= a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 16;
        aw_elem **nt = vl_xcalloc(I->c, ncap, sizeof *nt);
        for (aw_elem *e = a->first; e; e = e->next) {
            size_t b = e->hash & (ncap - 1);
            e->hnext = nt[b];
            nt[b] = e;
        }
        vl_xfree(I->c, a->tab);
        a->tab = nt;
        a->cap = ncap;
    }
    aw_elem *e = aw_alloc(I->c, sizeof *e);
    memset(e, 0, sizeof *e);
    e->hash = h;
    if (key) {
        sref(key);
        e->key = key;
    } else {
        e->key = snew(I, k, n);
    }
    size_t b = h & (a->cap - 1);
    e->hnext = a->tab[b];
    a->tab[b] = e;
    e->prev = a->last;
    if (a->last) a->last->next = e;
    else a->first = e;
    a->last = e;
    a->n++;
    return e;
}

static aw_elem *arr_get(interp *I, aw_array *a, aw_str *key)
{
    uint64_t h = hash(key->s, key->len);
    aw_elem *e = arr_find(a, key->s, key->len, h);
    if (!e) e = arr_insert(I, a, key->s, key->len, h, key);
    return e;
}

static void arr_clear(interp *I, aw_array *a);

static void free_sub(interp *I, aw_elem *e)
{
    if (!e->sub) return;
    arr_clear(I, e->sub);
    vl_xfree(I->c, e->sub);
    e->sub = NULL;
}

static void arr_delete(interp *I, aw_array *a, const char *k, size_t n)
{
    uint64_t h = hash(k, n);
    if (!a->cap) return;
    aw_elem **pp = &a->tab[h & (a->cap - 1)];
    for (; *pp; pp = &(*pp)->hnext) {
        aw_elem *e = *pp;
        if (e->hash == h && e->key->len == n && !memcmp(e->key->s, k, n)) {
            *pp = e->hnext;
            if (e->prev) e->prev->next = e->next;
            else a->first = e->next;
            if (e->next) e->next->prev = e->prev;
            else a->last = e->prev;
            a->n--;
            sunref(I, e->key);
            vfree(I, &e->v);
            free_sub(I, e);
            aw_free(I->c, e);
            return;
        }
    }
}

static void arr_clear(interp *I, aw_array *a)
{
    aw_elem *e = a->first;
    while (e) {
        aw_elem *nx = e->next;
        sunref(I, e->key);
        vfree(I, &e->v);
        free_sub(I, e);
        aw_free(I->c, e);
        e = nx;
    }
    vl_xfree(I->c, a->tab);
    a->tab = NULL;
    a->cap = a->n = 0;
    a->first = a->last = NULL;
}

static void arr_set_str(interp *I, aw_array *a, const char *k, aw_val v)
{
    aw_str *key = snew(I, k, strlen(k));
    aw_elem *e = arr_get(I, a, key);
    sunref(I, key);
    vfree(I, &e->v);
    e->v = v;
}

static void arr_set_num(interp *I, aw_array *a, double idx, aw_val v)
{
    aw_str *key = num2str(I, idx, I->convfmt);
    aw_elem *e = arr_get(I, a, key);
    sunref(I, key);
    vfree(I, &e->v);
    e->v = v;
}

/* ---- variables ---- */

static const char *var_name(interp *I, aw_node *n)
{
    if (n->type == N_GLOBAL) return I->prog->gnames[n->idx];
    aw_var *v = &I->frame[n->idx];
    const char *pn = I->fn && n->idx < I->fn->nparams ? I->fn->params[n->idx] : "?";
    if (v->kind == VK_REF && v->refname) {
        size_t len = strlen(pn) + strlen(v->refname) + 16;
        char *s = vl_xmalloc(I->c, len);
        snprintf(s, len, "%s (from %s)", pn, v->refname);
        return s;
    }
    return pn;
}

static aw_var *var_of(interp *I, aw_node *n)
{
    if (n->type == N_GLOBAL) return &I->g[n->idx];
    return &I->frame[n->idx];
}

static aw_var *root(aw_var *v)
{
    while (v->kind == VK_REF) v = v->ref;
    return v;
}

static aw_str *subscript(interp *I, aw_node *l);

/* gawk's name for an element in messages: a["x"]["y"] (only on error paths: subscripts of
 * nested elements are evaluated again) */
static const char *elem_name(interp *I, aw_node *base, aw_str *key)
{
    vl_buf b = {0};
    aw_node *chain[64];
    int nc = 0;
    aw_node *x = base;
    while (x->type == N_INDEX && nc < 64) {
        chain[nc++] = x;
        x = x->a;
    }
    vl_buf_adds(I->c, &b, var_name(I, x));
    while (nc-- > 0) {
        aw_str *k = subscript(I, chain[nc]->b);
        vl_buf_printf(I->c, &b, "[\"%s\"]", k->s);
        sunref(I, k);
    }
    vl_buf_printf(I->c, &b, "[\"%s\"]", key->s);
    vl_buf_addc(I->c, &b, 0);
    return b.data;
}

static aw_array *get_array(interp *I, aw_node *n)
{
    if (n->type == N_INDEX) {
        /* a subarray: made when the element is new or untouched */
        aw_array *base = get_array(I, n->a);
        aw_str *k = subscript(I, n->b);
        aw_elem *e = arr_get(I, base, k);
        sunref(I, k);
        if (e->sub) return e->sub;
        if (e->v.ty != TY_UNINIT) fatal(I, "attempt to use scalar `%s' as an array", elem_name(I, n->a, e->key));
        e->sub = arr_new(I);
        return e->sub;
    }
    if (n->type != N_GLOBAL && n->type != N_LOCAL) fatal(I, "attempt to use a non-array as an array");
    aw_var *v = root(var_of(I, n));
    if (v->kind == VK_ARRAY) return v->arr;
    if (v->kind == VK_UNSET) {
        v->kind = VK_ARRAY;
        v->arr = arr_new(I);
        return v->arr;
    }
    fatal(I, "attempt to use scalar `%s' as an array", var_name(I, n));
}

/* the scalar cell of a variable node */
static aw_val *scalar_of(interp *I, aw_node *n)
{
    aw_var *v = n->type == N_GLOBAL ? &I->g[n->idx] : &I->frame[n->idx];
    if (v->kind == VK_SCALAR) return &v->v;
    if (v->kind == VK_REF) {
        /* an untyped argument used as a scalar: a local scalar from now on */
        aw_var *r = root(v);
        if (r->kind == VK_ARRAY) fatal(I, "attempt to use array `%s' in a scalar context", var_name(I, n));
        v->kind = VK_SCALAR;
        v->v = (aw_val){0};
        return &v->v;
    }
    if (v->kind == VK_ARRAY) fatal(I, "attempt to use array `%s' in a scalar context", var_name(I, n));
    v->kind = VK_SCALAR;
    return &v->v;
}

/* the subscript string of a list of subscript expressions (a new reference) */
static aw_str *subscript(interp *I, aw_node *l)
{
    if (!l->next) {
        aw_val v = eval(I, l);
        aw_str *s;
        if (v.ty == TY_NUM) {
            s = num2str(I, v.num, I->convfmt);
        } else {
            s = tostr(I, &v, NULL);
        }
        vfree(I, &v);
        return s;
    }
    vl_buf b = {0};
    for (aw_node *x = l; x; x = x->next) {
        aw_val v = eval(I, x);
        aw_str *s = tostr(I, &v, NULL);
        vfree(I, &v);
        if (x != l) vl_buf_add(I->c, &b, I->subsep->s, I->subsep->len);
        vl_buf_add(I->c, &b, s->s, s->len);
        sunref(I, s);
    }
    aw_str *r = snew(I, b.data ? b.data : "", b.len);
    vl_buf_free(I->c, &b);
    return r;
}

/* ---- the record and fields ---- */

static void grow_fields(interp *I, size_t n)
{
    if (n + 1 <= I->fcap) return;
    size_t ncap = I->fcap ? I->fcap : 16;
    while (ncap < n + 1) ncap *= 2;
    I->f = vl_xrealloc(I->c, I->f, ncap * sizeof *I->f);
    memset(I->f + I->fcap, 0, (ncap - I->fcap) * sizeof *I->f);
    I->fofs = vl_xrealloc(I->c, I->fofs, ncap * sizeof *I->fofs);
    I->fcap = ncap;
}

static void clear_fields(interp *I)
{
    for (size_t i = 1; i <= I->nf; i++) vfree(I, &I->f[i]);
    I->nf = 0;
}

static void add_field(interp *I, const char *s, size_t n)
{
    grow_fields(I, I->nf + 1);
    I->nf++;
    /* cut out only when used: most programs read a few fields of many */
    I->f[I->nf] = (aw_val){.ty = TY_LAZY, .num = (double)n};
    I->fofs[I->nf] = (size_t)(s - I->lazy_src->s);
}

static inline aw_val *field_cell(interp *I, size_t i)
{
    aw_val *v = &I->f[i];
    if (v->ty == TY_LAZY) *v = vinput(snew(I, I->lazy_src->s + I->fofs[i], (size_t)v->num));
    return v;
}

static void set_nf_var(interp *I)
{
    aw_var *v = &I->g[V_NF];
    vfree(I, &v->v);
    v->v = vnum((double)I->nf);
}

static int search(interp *I, vl_re *re, const char *s, size_t n, size_t start, vl_re_span *m, size_t nm)
{
    int rc = vl_re_search(re, s, n, start, 0, m, nm);
    if (rc < 0) {
        if (rc == VL_RE_ECOMPLEX) fatal(I, "%s", vl_re_strerror(rc));
        int w = vk_dying(I->c->p);
        vl_exit(I->c, w ? VK_WSHELL(w) : 2);
    }
    return rc;
}

/* split s into fields per the current FS (or FIELDWIDTHS/FPAT) */
static void split_record(interp *I, const char *s, size_t n)
{
    clear_fields(I);
    bool para = I->rs_mode == RS_PARA;
    switch (I->fs_mode) {
    case FS_SPACE: {
        size_t i = 0;
        for (;;) {
            while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) i++;
            if (i >= n) break;
            size_t st = i;
            while (i < n && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) i++;
            add_field(I, s + st, i - st);
        }
        break;
    }
    case FS_CHAR: {
        if (!n) break;
        size_t st = 0;
        char fc = I->fs_char;
        /* a one-character FS ignores IGNORECASE, as gawk */
        for (size_t i = 0; i < n; i++) {
            char ch = s[i];
            if (ch == fc || (para && ch == '\n')) {
                add_field(I, s + st, i - st);
                st = i + 1;
            }
        }
        add_field(I, s + st, n - st);
        break;
    }
    case FS_EMPTY:
        for (size_t i = 0; i < n; i++) add_field(I, s + i, 1);
        break;
    case FS_REGEX: {
        if (!n) break;
        size_t st = 0, pos = 0;
        vl_re_span m;
        while (pos <= n) {
            int rc = search(I, I->fs_re, s, n, pos, &m, 1);
            /* a paragraph-mode record also splits at newlines */
            if (para) {
                const char *nl = memchr(s + pos, '\n', n - pos);
                if (nl && (rc != 1 || (size_t)(nl - s) < (size_t)m.so)) {
                    m.so = nl - s;
                    m.eo = m.so + 1;
                    rc = 1;
                }
            }
            if (rc != 1) break;
            if (m.eo == m.so) {
                /* an empty match separates nothing */
                if ((size_t)m.so >= n) break;
                pos = (size_t)m.so + 1;
                continue;
            }
            add_field(I, s + st, (size_t)m.so - st);
            st = pos = (size_t)m.eo;
        }
        add_field(I, s + st, n - st);
        break;
    }
    case FS_WIDTHS: {
        size_t pos = 0;
        for (size_t k = 0; k < I->nwidths && pos < n; k++) {
            int w = I->widths[2 * k + 1];
            pos += (size_t)I->widths[2 * k];
            if (pos >= n) break;
            size_t len = w < 0 ? n - pos : (size_t)w;
            if (pos + len > n) len = n - pos;
            add_field(I, s + pos, len);
            pos += len;
        }
        break;
    }
    case FS_FPAT: {
        size_t pos = 0;
        vl_re_span m;
        bool last_nonempty = false;
        while (pos <= n) {
            int rc = search(I, I->fs_re, s, n, pos, &m, 1);
            if (rc != 1) break;
            if (m.eo == m.so) {
                if (last_nonempty && (size_t)m.so == pos) {
                    last_nonempty = false;
                    if (pos >= n) break;
                    pos++;
                    continue;
                }
                add_field(I, s + m.so, 0);
                if ((size_t)m.so >= n) break;
                pos = (size_t)m.so + 1;
                last_nonempty = false;
                continue;
            }
            add_field(I, s + m.so, (size_t)(m.eo - m.so));
            pos = (size_t)m.eo;
            last_nonempty = true;
        }
        break;
    }
    }
}

static void ensure_split(interp *I)
{
    if (I->split_ok) return;
    I->split_ok = true;
    if (I->rec.ty == TY_NUM) {
        /* the lazy fields point into a string */
        aw_str *s = tostr(I, &I->rec, NULL);
        vfree(I, &I->rec);
        I->rec = vstr(s);
    }
    if (I->rec.ty != TY_UNINIT) {
        I->lazy_src = I->rec.s;
        split_record(I, I->rec.s->s, I->rec.s->len);
    } else {
        clear_fields(I);
    }
    set_nf_var(I);
}

static void rebuild_record(interp *I)
{
    if (I->rec_ok) return;
    I->rec_ok = true;
    vl_buf b = {0};
    for (size_t i = 1; i <= I->nf; i++) {
        if (i > 1) vl_buf_add(I->c, &b, I->ofs->s, I->ofs->len);
        aw_str *s = tostr(I, field_cell(I, i), NULL);
        vl_buf_add(I->c, &b, s->s, s->len);
        sunref(I, s);
    }
    vfree(I, &I->rec);
    I->rec = vstr(snew(I, b.data ? b.data : "", b.len));
    vl_buf_free(I->c, &b);
}

/* a new record: $0 = s (taken), typed as input */
static void set_record(interp *I, aw_str *s)
{
    aw_str *old = I->rec.s;
    if (old && old->ref == 1 && old->cap && (!I->spare || I->spare->cap < old->cap)) {
        /* nothing else holds the old record: its memory takes the next one */
        if (I->spare) aw_free(I->c, I->spare);
        I->spare = old;
        I->rec.s = NULL;
    }
    vfree(I, &I->rec);
    I->rec = vinput(s);
    I->rec_ok = true;
    I->split_ok = false;
}

static void set_nf(interp *I, double d)
{
    ensure_split(I);
    if (d < 0) fatal(I, "NF set to negative value");
    size_t n = (size_t)d;
    if (n > 10000000) fatal(I, "NF set to a too large value");
    grow_fields(I, n);
    for (size_t i = n + 1; i <= I->nf; i++) vfree(I, &I->f[i]);
    for (size_t i = I->nf + 1; i <= n; i++) I->f[i] = (aw_val){0};
    I->nf = n;
    set_nf_var(I);
    I->rec_ok = false;
}

static long field_index(interp *I, aw_node *e)
{
    aw_val v = eval(I, e);
    double d = tonum(I, &v);
    vfree(I, &v);
    if (d < 0 || isnan(d) || d > 100000000) {
        /* gawk's conversion to a C long: out of range is LONG_MIN */
        long long k = (isnan(d) || d >= 9.2e18 || d <= -9.2e18) ? INT64_MIN : (long long)d;
        fatal(I, "attempt to access field %lld", k);
    }
    return (long)d;
}

/* value of $i (a new reference) */
static aw_val get_field(interp *I, long i)
{
    if (i == 0) {
        rebuild_record(I);
        return vcopy(&I->rec);
    }
    ensure_split(I);
    /* a field past NF is the empty string (not an uninitialized value: "" != 0) */
    if ((size_t)i > I->nf) return vstr(snew(I, "", 0));
    return vcopy(field_cell(I, (size_t)i));
}

/* store v (taken) into $i */
static void set_field(interp *I, long i, aw_val v)
{
    if (i == 0) {
        aw_str *s = tostr(I, &v, NULL);
        vfree(I, &v);
        set_record(I, s);
        return;
    }
    ensure_split(I);
    if ((size_t)i > I->nf) {
        grow_fields(I, (size_t)i);
        for (size_t k = I->nf + 1; k <= (size_t)i; k++) I->f[k] = (aw_val){0};
        I->nf = (size_t)i;
        set_nf_var(I);
    }
    vfree(I, &I->f[i]);
    I->f[i] = v;
    I->rec_ok = false;
}

/* ---- regexes ---- */

static void free_regexes(void *arg)
{
    interp *I = arg;
    for (size_t i = 0; i < I->prog->nres; i++) vl_re_free(I->prog->res[i]);
    I->prog->nres = 0;
    for (int i = 0; i < RECACHE; i++) {
        vl_re_free(I->cache[i].re);
        I->cache[i].re = NULL;
    }
    vl_re_free(I->fs_re);
    I->fs_re = NULL;
    vl_re_free(I->rs_re);
    I->rs_re = NULL;
}

/* a compiled regex for a dynamic string (cached) */
static vl_re *dyn_regex(interp *I, aw_str *s)
{
    for (int i = 0; i < RECACHE; i++) {
        recache *e = &I->cache[i];
        if (e->re && e->icase == I->icase && e->src->len == s->len && !memcmp(e->src->s, s->s, s->len))
            return e->re;
    }
    bool err = false;
    char msg[300];
    vl_re *re = aw_regex_compile(I->c, NULL, s->s, s->len, I->icase, &err, msg, sizeof msg);
    if (err) fatal(I, "invalid regexp: %s: /%s/", msg, s->s);
    recache *e = &I->cache[I->cache_next];
    I->cache_next = (I->cache_next + 1) % RECACHE;
    if (e->re) {
        vl_re_free(e->re);
        sunref(I, e->src);
    }
    sref(s);
    e->src = s;
    e->icase = I->icase;
    e->re = re;
    return re;
}

static vl_re *const_regex(interp *I, aw_node *n)
{
    if (!I->icase) return n->re;
    if (!n->rei) {
        bool err = false;
        char msg[300];
        n->rei = aw_regex_compile(I->c, I->prog, n->str->s, n->str->len, true, &err, msg, sizeof msg);
        if (err) fatal(I, "%s", msg);
    }
    return n->rei;
}

/* the regex an argument stands for: a regex constant, or its string value */
static vl_re *regex_of(interp *I, aw_node *n)
{
    if (n->type == N_REGEX) return const_regex(I, n);
    aw_val v = eval(I, n);
    aw_str *s = tostr(I, &v, NULL);
    vfree(I, &v);
    vl_re *re = dyn_regex(I, s);
    sunref(I, s);
    return re;
}

static bool match_str(interp *I, vl_re *re, aw_str *s)
{
    return search(I, re, s->s, s->len, 0, NULL, 0) == 1;
}

/* ---- input ---- */

static reader *reader_new(interp *I, int fd, bool close_fd)
{
    reader *r = vl_xcalloc(I->c, 1, sizeof *r);
    r->fd = fd;
    r->close_fd = close_fd;
    return r;
}

static void reader_free(interp *I, reader *r)
{
    if (!r) return;
    if (r->close_fd && r->fd >= 0) vk_close(I->c->p, r->fd);
    vl_xfree(I->c, r->buf);
    vl_xfree(I->c, r);
}

/* read more input into r; false at end */
static bool fill(interp *I, reader *r)
{
    if (r->eof) return false;
    if (r->pos > 0 && r->pos == r->len) r->pos = r->len = 0;
    if (r->pos > 0 && r->len - r->pos < r->cap / 2) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < 32768) {
        size_t ncap = r->cap ? r->cap * 2 : 65536;
        r->buf = vl_xrealloc(I->c, r->buf, ncap);
        r->cap = ncap;
    }
    for (;;) {
        ssize_t n = vk_read(I->c->p, r->fd, r->buf + r->len, r->cap - r->len);
        if (n == VOS_EINTR) continue;
        if (n < 0) {
            int rc = vk_check(I->c->p);
            if (rc < 0 && rc != VOS_EINTR) {
                int w = vk_dying(I->c->p);
                vl_exit(I->c, w ? VK_WSHELL(w) : 2);
            }
            r->eof = true;
            return false;
        }
        if (n == 0) {
            r->eof = true;
            return false;
        }
        r->len += (size_t)n;
        return true;
    }
}

/* a record's string: the spare one when it is big enough (one allocation less per record) */
static aw_str *rec_new(interp *I, const char *d, size_t n)
{
    aw_str *r = I->spare;
    if (r && r->cap >= n + 1) {
        I->spare = NULL;
    } else {
        /* no slack beyond malloc's own rounding: the string may end up kept in an array */
        size_t cap = (n + 1 + 15) & ~(size_t)15;
        if (cap > UINT32_MAX) return snew(I, d, n);
        r = aw_alloc(I->c, sizeof *r + cap);
        r->cap = (uint32_t)cap;
    }
    r->ref = 1;
    r->len = n;
    if (n) memcpy(r->s, d, n);
    r->s[n] = 0;
    return r;
}

/* The next record of r per RS: a new string, or NULL at the end. *rt gets RT. */
static aw_str *read_record(interp *I, reader *r, aw_str **rt)
{
    *rt = NULL;
    if (I->rs_mode == RS_CHAR) {
        size_t scan = r->pos;
        for (;;) {
            char *nl = r->len > scan ? memchr(r->buf + scan, I->rs_char, r->len - scan) : NULL;
            if (nl) {
                size_t end = (size_t)(nl - r->buf);
                aw_str *s = rec_new(I, r->buf + r->pos, end - r->pos);
                r->pos = end + 1;
                if (!I->rt_cache || I->rt_cache->s[0] != I->rs_char) {
                    sunref(I, I->rt_cache);
                    I->rt_cache = snew(I, &I->rs_char, 1);
                }
                sref(I->rt_cache);
                *rt = I->rt_cache;
                return s;
            }
            size_t off = r->len - r->pos;
            if (!fill(I, r)) break;
            scan = r->pos + off;
        }
        if (r->pos >= r->len) return NULL;
        aw_str *s = snew(I, r->buf + r->pos, r->len - r->pos);
        r->pos = r->len;
        *rt = snew(I, "", 0);
        return s;
    }
    if (I->rs_mode == RS_PARA) {
        /* skip leading newlines */
        for (;;) {
            while (r->pos < r->len && r->buf[r->pos] == '\n') r->pos++;
            if (r->pos < r->len) break;
            if (!fill(I, r)) return NULL;
        }
        size_t scan = r->pos;
        for (;;) {
            char *p = r->buf + scan, *e = r->buf + r->len;
            char *hit = NULL;
            while ((p = memchr(p, '\n', (size_t)(e - p)))) {
                if (p + 1 < e && p[1] == '\n') {
                    hit = p;
                    break;
                }
                if (p + 1 == e) break;
                p++;
            }
            if (hit) {
                /* the separator is the whole run of newlines, which must be complete */
                char *q = hit;
                while (q < e && *q == '\n') q++;
                if (q == e && !r->eof) {
                    size_t off = (size_t)(hit - r->buf) - r->pos;
                    if (fill(I, r)) {
                        scan = r->pos + off;
                        continue;
                    }
                    e = r->buf + r->len;
                    hit = r->buf + r->pos + off;
                    q = hit;
                    while (q < e && *q == '\n') q++;
                }
                aw_str *s = snew(I, r->buf + r->pos, (size_t)(hit - (r->buf + r->pos)));
                *rt = snew(I, hit, (size_t)(q - hit));
                r->pos = (size_t)(q - r->buf);
                return s;
            }
            size_t off = r->len - r->pos;
            if (off) off--;
            if (!fill(I, r)) break;
            scan = r->pos + off;
        }
        if (r->pos >= r->len) return NULL;
        size_t end = r->len;
        size_t tail = end;
        while (tail > r->pos && r->buf[tail - 1] == '\n') tail--;
        aw_str *s = snew(I, r->buf + r->pos, tail - r->pos);
        *rt = snew(I, r->buf + tail, end - tail);
        r->pos = r->len;
        return s;
    }
    /* regex RS */
    for (;;) {
        vl_re_span m;
        int rc = r->pos < r->len ? search(I, I->rs_re, r->buf + r->pos, r->len - r->pos, 0, &m, 1) : 0;
        if (rc == 1 && m.eo > m.so && (r->eof || (size_t)m.eo < r->len - r->pos)) {
            aw_str *s = snew(I, r->buf + r->pos, (size_t)m.so);
            *rt = snew(I, r->buf + r->pos + m.so, (size_t)(m.eo - m.so));
            r->pos += (size_t)m.eo;
            return s;
        }
        if (!fill(I, r)) {
            if (r->pos >= r->len) return NULL;
            rc = search(I, I->rs_re, r->buf + r->pos, r->len - r->pos, 0, &m, 1);
            if (rc == 1 && m.eo > m.so) {
                aw_str *s = snew(I, r->buf + r->pos, (size_t)m.so);
                *rt = snew(I, r->buf + r->pos + m.so, (size_t)(m.eo - m.so));
                r->pos += (size_t)m.eo;
                return s;
            }
            aw_str *s = snew(I, r->buf + r->pos, r->len - r->pos);
            r->pos = r->len;
            *rt = snew(I, "", 0);
            return s;
        }
    }
}

static void set_rt(interp *I, aw_str *rt)
{
    aw_var *v = &I->g[V_RT];
    vfree(I, &v->v);
    v->kind = VK_SCALAR;
    v->v = rt ? vstr(rt) : vstr(snew(I, "", 0));
}

static void set_counter(interp *I, int idx, double d)
{
    aw_var *v = &I->g[idx];
    if (v->v.s) vfree(I, &v->v);
    v->kind = VK_SCALAR;
    v->v.ty = TY_NUM;
    v->v.num = d;
}

/* ---- processes ---- */

typedef struct spawn_arg {
    char *argv[4];
    char **envp;       /* from ENVIRON: changes to it reach the commands (gawk 4.2+) */
    int in_fd, out_fd; /* become the child's 0 / 1 (-1: inherit) */
    int other;         /* the parent's end of the pipe: closed in the child */
} spawn_arg;

static int child_entry(vk_proc *p, void *arg)
{
    spawn_arg *sa = arg;
    if (sa->other >= 0) vk_close(p, sa->other);
    if (sa->in_fd >= 0) {
        vk_dup2(p, sa->in_fd, 0);
        vk_close(p, sa->in_fd);
    }
    if (sa->out_fd >= 0) {
        vk_dup2(p, sa->out_fd, 1);
        vk_close(p, sa->out_fd);
    }
    int rc = vk_execve(p, "sh", sa->argv, sa->envp ? sa->envp : vk_environ(p));
    (void)rc;
    return 127;
}

static void flush_all(interp *I);

/* run "sh -c cmd" with the given fds; returns the pid or a negative code. The child's
 * arguments live in its own arena: they outlive awk if awk ends (killed, out of time) before
 * it could wait for the child. */
static int spawn(interp *I, const char *cmd, int in_fd, int out_fd, int other)
{
    vk_proc *child;
    int rc = vk_proc_new(I->c->p, &child);
    if (rc < 0) return rc;
    spawn_arg *sa = vk_calloc(child, 1, sizeof *sa);
    if (!sa || !(sa->argv[2] = vk_strdup(child, cmd))) goto nomem;
    sa->argv[0] = "sh";
    sa->argv[1] = "-c";
    sa->in_fd = in_fd;
    sa->out_fd = out_fd;
    sa->other = other;
    aw_var *ev = &I->g[V_ENVIRON];
    if (ev->kind == VK_ARRAY) {
        sa->envp = vk_calloc(child, ev->arr->n + 1, sizeof *sa->envp);
        if (!sa->envp) goto nomem;
        size_t k = 0;
        for (aw_elem *e = ev->arr->first; e; e = e->next) {
            if (e->sub) continue;
            aw_str *v = tostr(I, &e->v, NULL);
            size_t len = e->key->len + v->len + 2;
            char *kv = vk_malloc(child, len);
            if (kv) snprintf(kv, len, "%s=%s", e->key->s, v->s);
            sunref(I, v);
            if (!kv) goto nomem;
            sa->envp[k++] = kv;
        }
    }
    return vk_proc_start(child, child_entry, sa);
nomem:
    vk_proc_discard(child);
    return VOS_ENOMEM;
}

static int wait_child(interp *I, int pid)
{
    int ws = 0;
    for (;;) {
        int rc = vk_waitpid(I->c->p, pid, &ws, 0);
        if (rc == VOS_EINTR) continue;
        if (rc < 0) return -1;
        break;
    }
    if (VK_WIFEXITED(ws)) return VK_WEXITSTATUS(ws);
    return 256 + VK_WTERMSIG(ws);
}

/* ---- output ---- */

static void stream_flush(interp *I, stream *s)
{
    if (s->out.len && s->fd >= 0) {
        /* a command that stopped reading is an error, not a SIGPIPE (gawk ignores it there) */
        int old = s->kind == R_PIPE ? vk_signal(I->c->p, VOS_SIGPIPE, VK_SIG_IGN) : -1;
        int rc = vl_write_fd(I->c, s->fd, s->out.data, s->out.len);
        if (old >= 0) vk_signal(I->c->p, VOS_SIGPIPE, old);
        s->out.len = 0;
        if (rc < 0 && !I->quiet_close) {
            int fd = s->fd;
            s->fd = -1;
            vk_close(I->c->p, fd);
            fatal(I, "%s to \"%s\" failed: %s", I->last_printf ? "printf" : "print", s->name->s,
                  vl_strerror(rc));
        }
    }
    s->out.len = 0;
}

static void flush_all(interp *I)
{
    vl_flush(I->c);
    for (stream *s = I->streams; s; s = s->next)
        if (s->kind == R_FILE || s->kind == R_APPEND || s->kind == R_PIPE) stream_flush(I, s);
}

static int close_stream(interp *I, stream *s)
{
    int r = 0;
    if (s->kind == R_FILE || s->kind == R_APPEND || s->kind == R_PIPE) {
        stream_flush(I, s);
        vl_buf_free(I->c, &s->out);
    }
    if (s->in) {
        reader_free(I, s->in);
        s->in = NULL;
        s->fd = -1;
    }
    if (s->fd >= 0) vk_close(I->c->p, s->fd);
    s->fd = -1;
    if (s->pid > 0) {
        r = wait_child(I, s->pid);
        s->pid = 0;
    }
    return r;
}

static void close_all(void *arg)
{
    interp *I = arg;
    if (I->streams == NULL) return;
    /* pipes are closed (and waited for) before our own stdout is flushed, as gawk */
    stream *s = I->streams;
    I->streams = NULL;
    while (s) {
        stream *nx = s->next;
        close_stream(I, s);
        sunref(I, s->name);
        vl_xfree(I->c, s);
        s = nx;
    }
}

static bool is_output(stream *s) { return s->kind == R_FILE || s->kind == R_APPEND || s->kind == R_PIPE; }

/* the open stream of that name and direction */
static void close_all_quiet(void *arg)
{
    interp *I = arg;
    I->quiet_close = true;
    close_all(I);
}

static stream *find_stream(interp *I, aw_str *name, bool output)
{
    for (stream *s = I->streams; s; s = s->next)
        if (is_output(s) == output && s->name->len == name->len && !memcmp(s->name->s, name->s, name->len))
            return s;
    return NULL;
}

static stream *add_stream(interp *I, aw_str *name, int kind)
{
    stream *s = vl_xcalloc(I->c, 1, sizeof *s);
    sref(name);
    s->name = name;
    s->kind = kind;
    s->fd = -1;
    s->next = I->streams;
    I->streams = s;
    return s;
}

static stream *out_stream(interp *I, int kind, aw_str *name)
{
    stream *s = find_stream(I, name, true);
    if (s) return s;
    s = add_stream(I, name, kind);
    if (kind == R_PIPE) {
        int fds[2];
        int rc = vk_pipe(I->c->p, fds);
        if (rc < 0) fatal(I, "cannot open pipe `%s': %s", name->s, vl_strerror(rc));
        vk_set_cloexec(I->c->p, fds[1], true);
        flush_all(I);
        int pid = spawn(I, name->s, fds[0], -1, fds[1]);
        vk_close(I->c->p, fds[0]);
        if (pid < 0) {
            vk_close(I->c->p, fds[1]);
            fatal(I, "cannot open pipe `%s': %s", name->s, vl_strerror(pid));
        }
        s->fd = fds[1];
        s->pid = pid;
        return s;
    }
    if (!strcmp(name->s, "/dev/stdout") || !strcmp(name->s, "-")) {
        s->fd = -2; /* our stdout */
        return s;
    }
    if (!strcmp(name->s, "/dev/stderr")) {
        s->fd = vk_dup(I->c->p, 2);
        return s;
    }
    int fd = vk_open(I->c->p, name->s,
                     VK_O_WRONLY | VK_O_CREAT | (kind == R_APPEND ? VK_O_APPEND : VK_O_TRUNC), 0666);
    if (fd < 0) {
        s->kind = -1;
        fatal(I, "cannot redirect to `%s': %s", name->s, vl_strerror(fd));
    }
    vk_set_cloexec(I->c->p, fd, true);
    s->fd = fd;
    return s;
}

static void out_write(interp *I, stream *s, const char *d, size_t n)
{
    if (!s || s->fd == -2) {
        vl_write(I->c, d, n);
        return;
    }
    vl_buf_add(I->c, &s->out, d, n);
    if (s->out.len >= 65536 || !strcmp(s->name->s, "/dev/stderr")) stream_flush(I, s);
}

/* ---- printf ---- */

static aw_str *arg_str(interp *I, aw_val *v) { return tostr(I, v, NULL); }

/* an integer conversion of inf or nan: gawk prints "+inf" "-nan"... in the field */
static void nonfinite(interp *I, vl_buf *b, double d, int width, const char *flags)
{
    /* gawk prints these whole, whatever the width */
    (void)width;
    (void)flags;
    const char *t = isnan(d) ? (signbit(d) ? "-nan" : "+nan") : d < 0 ? "-inf" : "+inf";
    vl_buf_adds(I->c, b, t);
}

/* format with fmt and the values args[0..n) into b, as gawk's printf */
static void format(interp *I, vl_buf *b, const char *fmt, size_t flen, aw_val *args, size_t n)
{
    size_t ai = 0;
    for (size_t i = 0; i < flen; i++) {
        char ch = fmt[i];
        if (ch != '%') {
            vl_buf_addc(I->c, b, ch);
            continue;
        }
        size_t st = i++;
        if (i >= flen) {
            vl_buf_addc(I->c, b, '%');
            break;
        }
        if (fmt[i] == '%') {
            vl_buf_addc(I->c, b, '%');
            continue;
        }
        /* %N$...: the Nth argument (gawk's positional specifiers) */
        size_t argpos = 0;
        {
            size_t k = i, v = 0;
            while (k < flen && fmt[k] >= '0' && fmt[k] <= '9' && v < 100000) v = v * 10 + (size_t)(fmt[k++] - '0');
            if (k > i && k < flen && fmt[k] == '$' && v > 0) {
                argpos = v;
                i = k + 1;
            }
        }
        char flags[8];
        int nfl = 0;
        while (i < flen && strchr("-+ #0'", fmt[i])) {
            if (nfl < 6 && fmt[i] != '\'' && !memchr(flags, fmt[i], (size_t)nfl)) flags[nfl++] = fmt[i];
            i++;
        }
        flags[nfl] = 0;
        int width = -1, prec = -1;
        if (i < flen && fmt[i] == '*') {
            if (ai >= n) fatal(I, "not enough arguments to satisfy format string");
            width = to_int(tonum(I, &args[ai++]));
            if (width < 0) {
                if (!strchr(flags, '-') && nfl < 6) flags[nfl++] = '-', flags[nfl] = 0;
                width = width < -100000000 ? 100000000 : -width;
            }
            if (width > 100000000) width = 100000000;
            i++;
        } else {
            while (i < flen && fmt[i] >= '0' && fmt[i] <= '9') {
                width = (width < 0 ? 0 : width) * 10 + (fmt[i] - '0');
                if (width > 100000000) width = 100000000;
                i++;
            }
        }
        if (i < flen && fmt[i] == '.') {
            i++;
            prec = 0;
            if (i < flen && fmt[i] == '*') {
                if (ai >= n) fatal(I, "not enough arguments to satisfy format string");
                prec = to_int(tonum(I, &args[ai++]));
                if (prec < 0) prec = -1;
                if (prec > 100000000) prec = 100000000;
                i++;
            } else {
                while (i < flen && fmt[i] >= '0' && fmt[i] <= '9') {
                    prec = prec * 10 + (fmt[i] - '0');
                    if (prec > 100000000) prec = 100000000;
                    i++;
                }
            }
        }
        /* length modifiers are accepted and ignored */
        while (i < flen && strchr("hlLqjzt", fmt[i])) i++;
        if (i >= flen) {
            vl_buf_add(I->c, b, fmt + st, flen - st);
            break;
        }
        char conv = fmt[i];
        if (conv == '%') {
            /* "%5%" is a percent sign */
            vl_buf_addc(I->c, b, '%');
            continue;
        }
        if (!strchr("cdiouxXeEfFgGaAs", conv)) {
            /* not a conversion: printed as written */
            vl_buf_add(I->c, b, fmt + st, i - st + 1);
            continue;
        }
        if (argpos) {
            if (argpos > n) fatal(I, "argument index %zu greater than total number of supplied arguments", argpos);
        } else if (ai >= n) {
            vl_flush(I->c);
            fatal(I, "not enough arguments to satisfy format string\n\t`%.*s'\n\t%*s^ ran out for this one",
                  (int)flen, fmt, (int)(i - 0), "");
        }
        aw_val *v = argpos ? &args[argpos - 1] : &args[ai++];
        char spec[64];
        int sl = 0;
        spec[sl++] = '%';
        for (int k = 0; flags[k]; k++) spec[sl++] = flags[k];
        if (width >= 0) sl += snprintf(spec + sl, sizeof spec - (size_t)sl, "%d", width);
        if (prec >= 0) sl += snprintf(spec + sl, sizeof spec - (size_t)sl, ".%d", prec);
        spec[sl] = 0;
        char tmp[512];
        switch (conv) {
        case 'c': {
            char cb[8];
            size_t cl;
            if (v->ty == TY_NUM || (check_input(I, v), v->ty == TY_STRNUM)) {
                double d = tonum(I, v);
                unsigned u = (unsigned)to_i64(d);
                cb[0] = (char)(u & 0xff);
                cl = 1;
            } else {
                aw_str *s = arg_str(I, v);
                /* an empty string prints a NUL, as gawk */
                cl = 1;
                cb[0] = s->len ? s->s[0] : 0;
                sunref(I, s);
            }
            int w = width < 0 ? 0 : width;
            bool left = strchr(flags, '-') != NULL;
            if (!left)
                for (int k = (int)cl; k < w; k++) vl_buf_addc(I->c, b, ' ');
            vl_buf_add(I->c, b, cb, cl);
            if (left)
                for (int k = (int)cl; k < w; k++) vl_buf_addc(I->c, b, ' ');
            break;
        }
        case 's': {
            aw_str *s = arg_str(I, v);
            size_t len = s->len;
            if (prec >= 0 && (size_t)prec < len) len = (size_t)prec;
            int w = width < 0 ? 0 : width;
            bool left = strchr(flags, '-') != NULL;
            if (!left)
                for (size_t k = len; k < (size_t)w; k++) vl_buf_addc(I->c, b, ' ');
            vl_buf_add(I->c, b, s->s, len);
            if (left)
                for (size_t k = len; k < (size_t)w; k++) vl_buf_addc(I->c, b, ' ');
            sunref(I, s);
            break;
        }
        case 'd':
        case 'i': {
            double d = tonum(I, v);
            if (isnan(d) || isinf(d)) {
                nonfinite(I, b, d, width, flags);
                break;
            }
            d = trunc(d);
            if (fabs(d) < 9.2e18) {
                spec[sl++] = 'l';
                spec[sl++] = 'l';
                spec[sl++] = 'd';
                spec[sl] = 0;
                vl_buf_printf(I->c, b, spec, (long long)d);
            } else {
                /* beyond 64 bits: the integer digits of the double */
                char s2[64];
                int k = 0;
                s2[k++] = '%';
                for (int q = 0; flags[q]; q++) s2[k++] = flags[q];
                if (width >= 0) k += snprintf(s2 + k, sizeof s2 - (size_t)k, "%d", width);
                s2[k++] = '.';
                s2[k++] = '0';
                s2[k++] = 'f';
                s2[k] = 0;
                vl_buf_printf(I->c, b, s2, d);
            }
            break;
        }
        case 'o':
        case 'u':
        case 'x':
        case 'X': {
            double d = tonum(I, v);
            if (isnan(d) || isinf(d)) {
                nonfinite(I, b, d, width, flags);
                break;
            }
            d = trunc(d);
            unsigned long long u;
            if (d < -9.2e18 || d >= 1.8446744073709552e19) {
                /* out of the integers' range: gawk prints the value as %g would */
                spec[sl++] = 'g';
                spec[sl] = 0;
                vl_buf_printf(I->c, b, spec, d);
                break;
            }
            if (d < 0) u = (unsigned long long)(long long)d;
            else u = (unsigned long long)d;
            spec[sl++] = 'l';
            spec[sl++] = 'l';
            spec[sl++] = conv;
            spec[sl] = 0;
            vl_buf_printf(I->c, b, spec, u);
            break;
        }
        default: {
            double d = tonum(I, v);
            if (isnan(d) || isinf(d)) {
                nonfinite(I, b, d, width, flags);
                break;
            }
            spec[sl++] = conv;
            spec[sl] = 0;
            int k = snprintf(tmp, sizeof tmp, spec, d);
            if (k >= 0 && (size_t)k < sizeof tmp) vl_buf_add(I->c, b, tmp, (size_t)k);
            else vl_buf_printf(I->c, b, spec, d);
            break;
        }
        }
    }
}

static aw_str *format_num(interp *I, aw_str *fmt, double d)
{
    vl_buf b = {0};
    aw_val v = vnum(d);
    format(I, &b, fmt->s, fmt->len, &v, 1);
    aw_str *r = snew(I, b.data ? b.data : "", b.len);
    vl_buf_free(I->c, &b);
    return r;
}

/* ---- special variables ---- */

static aw_str *var_str(interp *I, int idx)
{
    aw_var *v = &I->g[idx];
    if (v->kind != VK_SCALAR) return snew(I, "", 0);
    return tostr(I, &v->v, NULL);
}

static void set_fs(interp *I)
{
    aw_str *fs = var_str(I, V_FS);
    vl_re_free(I->fs_re);
    I->fs_re = NULL;
    if (fs->len == 1 && fs->s[0] == ' ') {
        I->fs_mode = FS_SPACE;
    } else if (fs->len == 0) {
        I->fs_mode = FS_EMPTY;
    } else if (fs->len == 1) {
        /* any other single character, a backslash too, is itself */
        I->fs_mode = FS_CHAR;
        I->fs_char = fs->s[0];
    } else if (fs->len == 2 && fs->s[0] == '\\' && !strchr("yBsSwW<>`'", fs->s[1])) {
        /* "\\|" is the character | */
        I->fs_mode = FS_CHAR;
        I->fs_char = fs->s[1];
    } else {
        I->fs_mode = FS_REGEX;
        bool err = false;
        char msg[300];
        const char *pat = fs->s;
        size_t plen = fs->len;
        /* FS="\t+" etc.; a single blank-led regex " " is handled above */
        I->fs_re = aw_regex_compile(I->c, NULL, pat, plen, I->icase, &err, msg, sizeof msg);
        if (err) fatal(I, "%s: /%s/", msg, fs->s);
    }
    sunref(I, fs);
}

static void set_fpat(interp *I)
{
    aw_str *fp = var_str(I, V_FPAT);
    vl_re_free(I->fs_re);
    I->fs_re = NULL;
    bool err = false;
    char msg[300];
    I->fs_re = aw_regex_compile(I->c, NULL, fp->s, fp->len, I->icase, &err, msg, sizeof msg);
    if (err) fatal(I, "%s: /%s/", msg, fp->s);
    I->fs_mode = FS_FPAT;
    sunref(I, fp);
}

static void set_widths(interp *I)
{
    aw_str *w = var_str(I, V_FIELDWIDTHS);
    vl_xfree(I->c, I->widths);
    I->widths = NULL;
    I->nwidths = 0;
    size_t cap = 0;
    const char *p = w->s;
    for (;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        int skip = 0, width;
        const char *fstart = p;
        if (*p == '*') {
            width = -1;
            p++;
        } else {
            if (*p < '0' || *p > '9') fatal(I, "invalid FIELDWIDTHS value, for field %zu, near `%s'", I->nwidths + 1, p);
            long v = strtol(p, (char **)&p, 10);
            if (*p == ':') {
                skip = (int)v;
                p++;
                if (*p == '*') { width = -1; p++; }
                else width = (int)strtol(p, (char **)&p, 10);
            } else {
                width = (int)v;
            }
            if (*p && *p != ' ' && *p != '\t')
                fatal(I, "invalid FIELDWIDTHS value, for field %zu, near `%s'", I->nwidths + 1, fstart);
        }
        if (I->nwidths == cap) {
            cap = cap ? cap * 2 : 16;
            I->widths = vl_xrealloc(I->c, I->widths, cap * 2 * sizeof *I->widths);
        }
        I->widths[2 * I->nwidths] = skip;
        I->widths[2 * I->nwidths + 1] = width;
        I->nwidths++;
    }
    I->fs_mode = FS_WIDTHS;
    sunref(I, w);
}

static void set_rs(interp *I)
{
    aw_str *rs = var_str(I, V_RS);
    vl_re_free(I->rs_re);
    I->rs_re = NULL;
    if (rs->len == 0) {
        I->rs_mode = RS_PARA;
    } else if (rs->len == 1) {
        I->rs_mode = RS_CHAR;
        I->rs_char = rs->s[0];
    } else {
        I->rs_mode = RS_REGEX;
        bool err = false;
        char msg[300];
        I->rs_re = aw_regex_compile(I->c, NULL, rs->s, rs->len, I->icase, &err, msg, sizeof msg);
        if (err) fatal(I, "%s: /%s/", msg, rs->s);
    }
    sunref(I, rs);
}

/* after an assignment to global slot idx */
static void set_special(interp *I, int idx)
{
    switch (idx) {
    case V_NF: set_nf(I, tonum(I, &I->g[V_NF].v)); break;
    case V_NR: I->nr = tonum(I, &I->g[V_NR].v); break;
    case V_FNR: I->fnr = tonum(I, &I->g[V_FNR].v); break;
    case V_FS: set_fs(I); break;
    case V_FPAT: set_fpat(I); break;
    case V_FIELDWIDTHS: set_widths(I); break;
    case V_RS: set_rs(I); break;
    case V_OFS:
        sunref(I, I->ofs);
        I->ofs = var_str(I, V_OFS);
        /* $0 is rebuilt with the new OFS only when a field changes */
        break;
    case V_ORS: sunref(I, I->ors); I->ors = var_str(I, V_ORS); break;
    case V_SUBSEP: sunref(I, I->subsep); I->subsep = var_str(I, V_SUBSEP); break;
    case V_CONVFMT: sunref(I, I->convfmt); I->convfmt = var_str(I, V_CONVFMT); break;
    case V_OFMT: sunref(I, I->ofmt); I->ofmt = var_str(I, V_OFMT); break;
    case V_IGNORECASE: {
        bool ic = truth(I, &I->g[V_IGNORECASE].v);
        if (ic != I->icase) {
            I->icase = ic;
            if (I->fs_mode == FS_REGEX) set_fs(I);
            if (I->rs_mode == RS_REGEX) set_rs(I);
        }
        break;
    }
    default: break;
    }
}

/* the special variables a record split changes must be split first: FS, NF... */
static void before_special(interp *I, int idx)
{
    if (idx == V_FS || idx == V_FPAT || idx == V_FIELDWIDTHS) {
        if (I->rec.ty != TY_UNINIT) ensure_split(I);
    }
}

/* ---- assignment ---- */

/* store v (taken) into the lvalue node n */
static void assign(interp *I, aw_node *n, aw_val v)
{
    switch (n->type) {
    case N_GLOBAL: {
        int idx = n->idx;
        if (idx < V__NSPECIAL) before_special(I, idx);
        aw_val *cell = scalar_of(I, n);
        vfree(I, cell);
        *cell = v;
        if (idx < V__NSPECIAL) set_special(I, idx);
        return;
    }
    case N_LOCAL: {
        aw_val *cell = scalar_of(I, n);
        vfree(I, cell);
        *cell = v;
        return;
    }
    case N_FIELD: {
        long i = field_index(I, n->a);
        set_field(I, i, v);
        return;
    }
    case N_INDEX: {
        aw_array *a = get_array(I, n->a);
        aw_str *k = subscript(I, n->b);
        aw_elem *e = arr_get(I, a, k);
        sunref(I, k);
        if (e->sub) {
            vfree(I, &v);
            fatal(I, "attempt to use array `%s' in a scalar context", elem_name(I, n->a, e->key));
        }
        vfree(I, &e->v);
        e->v = v;
        return;
    }
    default:
        vfree(I, &v);
        fatal(I, "assignment to a non-lvalue");
    }
}

/* for ++ -- op=: read the current value, compute, store; returns the new value (and *old) */
static double modify(interp *I, aw_node *n, int op, double rhs, double *old)
{
    aw_val *cell = NULL;
    long fi = -1;
    aw_elem *e = NULL;
    switch (n->type) {
    case N_GLOBAL:
        if (n->idx == V_NF) ensure_split(I);
        /* fallthrough */
    case N_LOCAL: cell = scalar_of(I, n); break;
    case N_INDEX: {
        aw_array *a = get_array(I, n->a);
        aw_str *k = subscript(I, n->b);
        e = arr_get(I, a, k);
        sunref(I, k);
        if (e->sub) fatal(I, "attempt to use array `%s' in a scalar context", elem_name(I, n->a, e->key));
        cell = &e->v;
        break;
    }
    case N_FIELD: {
        fi = field_index(I, n->a);
        aw_val cur = get_field(I, fi);
        double o = tonum(I, &cur);
        vfree(I, &cur);
        *old = o;
        break;
    }
    default: fatal(I, "assignment to a non-lvalue");
    }
    double o = cell ? tonum(I, cell) : *old;
    double r;
    switch (op) {
    case '+': r = o + rhs; break;
    case '-': r = o - rhs; break;
    case '*': r = o * rhs; break;
    case '/':
        if (rhs == 0) fatal(I, "division by zero attempted in `/='");
        r = o / rhs;
        break;
    case '%':
        if (rhs == 0) fatal(I, "division by zero attempted in `%%='");
        r = fmod(o, rhs);
        break;
    case '^': r = pow(o, rhs); break;
    default: r = rhs; break;
    }
    *old = o;
    if (cell) {
        if (n->type == N_GLOBAL && n->idx < V__NSPECIAL) before_special(I, n->idx);
        vfree(I, cell);
        *cell = vnum(r);
        if (n->type == N_GLOBAL && n->idx < V__NSPECIAL) set_special(I, n->idx);
    } else {
        set_field(I, fi, vnum(r));
    }
    return r;
}

/* ---- main input ---- */

static void run_rules(interp *I, int kind);

static bool is_assignment(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    const char *p = s;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9')) p++;
    return *p == '=';
}

/* process escapes of a command-line assignment's value, as a string constant's */
static aw_str *unescape(interp *I, const char *s)
{
    vl_buf b = {0};
    for (const char *p = s; *p; p++) {
        if (*p != '\\' || !p[1]) {
            vl_buf_addc(I->c, &b, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 'n': vl_buf_addc(I->c, &b, '\n'); break;
        case 't': vl_buf_addc(I->c, &b, '\t'); break;
        case 'r': vl_buf_addc(I->c, &b, '\r'); break;
        case 'a': vl_buf_addc(I->c, &b, '\a'); break;
        case 'b': vl_buf_addc(I->c, &b, '\b'); break;
        case 'f': vl_buf_addc(I->c, &b, '\f'); break;
        case 'v': vl_buf_addc(I->c, &b, '\v'); break;
        case '\\': vl_buf_addc(I->c, &b, '\\'); break;
        case '"': vl_buf_addc(I->c, &b, '"'); break;
        case '/': vl_buf_addc(I->c, &b, '/'); break;
        default:
            if (*p >= '0' && *p <= '7') {
                int v = 0, k = 0;
                while (k < 3 && *p >= '0' && *p <= '7') v = v * 8 + (*p++ - '0'), k++;
                p--;
                vl_buf_addc(I->c, &b, v);
            } else {
                vl_buf_addc(I->c, &b, '\\');
                vl_buf_addc(I->c, &b, *p);
            }
        }
    }
    aw_str *r = snew(I, b.data ? b.data : "", b.len);
    vl_buf_free(I->c, &b);
    return r;
}

static void cmdline_assign(interp *I, const char *s)
{
    const char *eq = strchr(s, '=');
    char name[256];
    size_t n = (size_t)(eq - s) < sizeof name - 1 ? (size_t)(eq - s) : sizeof name - 1;
    memcpy(name, s, n);
    name[n] = 0;
    int idx = aw_global(I->c, I->prog, name);
    if (idx >= I->ng) {
        /* a name the program never uses (an operand put into ARGV at run time) */
        I->g = vl_xrealloc(I->c, I->g, ((size_t)idx + 1) * sizeof *I->g);
        memset(I->g + I->ng, 0, ((size_t)idx + 1 - (size_t)I->ng) * sizeof *I->g);
        I->ng = idx + 1;
    }
    aw_node tmp = {.type = N_GLOBAL, .idx = idx};
    assign(I, &tmp, vinput(unescape(I, eq + 1)));
}

static aw_val argv_elem(interp *I, int i)
{
    aw_var *av = &I->g[V_ARGV];
    if (av->kind != VK_ARRAY) return (aw_val){0};
    char k[32];
    snprintf(k, sizeof k, "%d", i);
    aw_elem *e = arr_find(av->arr, k, strlen(k), hash(k, strlen(k)));
    return e ? vcopy(&e->v) : (aw_val){0};
}

static void set_filename(interp *I, const char *s)
{
    aw_var *v = &I->g[V_FILENAME];
    vfree(I, &v->v);
    v->kind = VK_SCALAR;
    v->v = vstr(snew(I, s, strlen(s)));
}

/* open the next main input file; false when none is left */
static bool open_next(interp *I)
{
    for (;;) {
        aw_val ac = vcopy(&I->g[V_ARGC].v);
        int argc = to_int(tonum(I, &ac));
        vfree(I, &ac);
        if (I->argi >= argc) {
            if (I->used_file) return false;
            I->used_file = true;
            set_filename(I, "-");
            if (I->prog->inplace) inplace_warn(I, "disabling in-place editing for invalid FILENAME `-'");
            I->main_in = reader_new(I, 0, false);
            I->fnr = 0;
            set_counter(I, V_FNR, 0);
            if (I->prog->has_beginfile) {
                I->skip_file = false;
                run_rules(I, P_BEGINFILE);
                if (I->skip_file) {
                    reader_free(I, I->main_in);
                    I->main_in = NULL;
                    return false;
                }
            }
            return true;
        }
        aw_val a = argv_elem(I, I->argi++);
        aw_str *s = tostr(I, &a, NULL);
        vfree(I, &a);
        if (!s->len) {
            sunref(I, s);
            continue;
        }
        if (is_assignment(s->s)) {
            cmdline_assign(I, s->s);
            sunref(I, s);
            continue;
        }
        I->used_file = true;
        int fd;
        if (!strcmp(s->s, "-") || !strcmp(s->s, "/dev/stdin")) {
            fd = 0;
        } else {
            fd = vk_open(I->c->p, s->s, VK_O_RDONLY, 0);
            if (fd >= 0) {
                struct vk_stat st;
                if (vk_fstat(I->c->p, fd, &st) == 0 && VK_S_ISDIR(st.mode)) {
                    vk_close(I->c->p, fd);
                    int ln = I->line;
                    /* as for a file that cannot be opened: the last line run */
                    warning(I, "command line argument `%s' is a directory: skipped", s->s);
                    I->line = ln;
                    sunref(I, s);
                    continue;
                }
                vk_set_cloexec(I->c->p, fd, true);
            }
        }
        set_filename(I, s->s);
        if (fd < 0) {
            if (I->prog->has_beginfile) {
                /* BEGINFILE sees ERRNO and may skip the file with nextfile */
                aw_var *ev = &I->g[V_ERRNO];
                vfree(I, &ev->v);
                ev->kind = VK_SCALAR;
                ev->v = vstr(snew(I, vl_strerror(fd), strlen(vl_strerror(fd))));
                I->fnr = 0;
                set_counter(I, V_FNR, 0);
                I->skip_file = false;
                run_rules(I, P_BEGINFILE);
                vfree(I, &ev->v);
                ev->v = vstr(snew(I, "", 0));
                if (I->skip_file) {
                    sunref(I, s);
                    continue;
                }
            }
            if (I->prog->inplace) {
                char msg[600];
                snprintf(msg, sizeof msg, "Cannot stat `%s' (%s)", s->s, vl_strerror(fd));
                inplace_warn(I, msg);
                /* gawk is then in inplace.awk's BEGINFILE, line 59 */
                vl_flush(I->c);
                vl_eprintf(I->c, "%s: inplace:59: fatal: cannot open file `%s' for reading: %s\n",
                           I->c->name, s->s, vl_strerror(fd));
                vl_exit(I->c, 2);
            }
            /* gawk names the last line it ran (none before the first rule) */
            fatal(I, "cannot open file `%s' for reading: %s", s->s, vl_strerror(fd));
        }
        I->main_in = reader_new(I, fd, fd != 0);
        I->fnr = 0;
        set_counter(I, V_FNR, 0);
        if (I->prog->inplace) inplace_begin(I, s->s, fd);
        sunref(I, s);
        if (I->prog->has_beginfile) {
            I->skip_file = false;
            run_rules(I, P_BEGINFILE);
            if (I->skip_file) {
                /* nextfile in BEGINFILE: the file is skipped, ENDFILE does not run */
                reader_free(I, I->main_in);
                I->main_in = NULL;
                continue;
            }
        }
        return true;
    }
}

/* ---- -i inplace: stdout goes to a temporary file that replaces each input file ---- */

static const char *inplace_suffix(interp *I)
{
    const char *names[] = {"inplace::suffix", "INPLACE_SUFFIX"};
    for (int k = 0; k < 2; k++)
        for (int g = 0; g < I->prog->nglobals && g < I->ng; g++)
            if (!strcmp(I->prog->gnames[g], names[k]) && I->g[g].kind == VK_SCALAR) {
                aw_str *sv = tostr(I, &I->g[g].v, NULL);
                const char *r = sv->len ? vl_xstrdup(I->c, sv->s) : NULL;
                sunref(I, sv);
                if (r) return r;
            }
    return NULL;
}

static void inplace_warn(interp *I, const char *msg)
{
    vl_flush(I->c);
    vl_eprintf(I->c, "%s: inplace:59: warning: inplace::begin: %s\n", I->c->name, msg);
}

static void inplace_begin(interp *I, const char *name, int fd)
{
    struct vk_stat st;
    if (vk_fstat(I->c->p, fd, &st) < 0 || !VK_S_ISREG(st.mode)) {
        char msg[600];
        snprintf(msg, sizeof msg, "disabling in-place editing for invalid FILENAME `%s'", name);
        inplace_warn(I, msg);
        return;
    }
    vl_flush(I->c);
    char *tmp = NULL;
    int tfd = -1;
    for (int tries = 0; tries < 100 && tfd < 0; tries++) {
        size_t len = strlen(name) + 32;
        vl_xfree(I->c, tmp);
        tmp = vl_xmalloc(I->c, len);
        snprintf(tmp, len, "%s.gawk.%06llx", name, (unsigned long long)(vk_random(I->c->p) & 0xffffff));
        tfd = vk_open(I->c->p, tmp, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, st.mode & 07777);
        if (tfd != VOS_EEXIST && tfd < 0) break;
    }
    if (tfd < 0) fatal(I, "inplace::begin: mkstemp(`%s') failed (%s)", tmp, vl_strerror(tfd));
    vk_chmod(I->c->p, tmp, st.mode & 07777);
    I->ip_saved = vk_dup(I->c->p, 1);
    vk_dup2(I->c->p, tfd, 1);
    vk_close(I->c->p, tfd);
    I->ip_tmp = tmp;
    I->ip_name = vl_xstrdup(I->c, name);
}

static void inplace_end(interp *I)
{
    if (!I->ip_tmp) return;
    vl_flush(I->c);
    vk_dup2(I->c->p, I->ip_saved, 1);
    vk_close(I->c->p, I->ip_saved);
    const char *suffix = inplace_suffix(I);
    if (suffix) {
        size_t len = strlen(I->ip_name) + strlen(suffix) + 1;
        char *bak = vl_xmalloc(I->c, len);
        snprintf(bak, len, "%s%s", I->ip_name, suffix);
        vk_unlink(I->c->p, bak);
        vk_link(I->c->p, I->ip_name, bak);
        vl_xfree(I->c, bak);
    }
    int rc = vk_rename(I->c->p, I->ip_tmp, I->ip_name);
    char *tmp = I->ip_tmp;
    I->ip_tmp = NULL;
    if (rc < 0) {
        vk_unlink(I->c->p, tmp);
        fatal(I, "inplace::end: rename(`%s', `%s') failed (%s)", tmp, I->ip_name, vl_strerror(rc));
    }
    vl_xfree(I->c, tmp);
    vl_xfree(I->c, I->ip_name);
    I->ip_name = NULL;
}

/* on the way out after an error: the input file stays as it was */
static void inplace_abort(void *arg)
{
    interp *I = arg;
    if (!I->ip_tmp) return;
    vk_dup2(I->c->p, I->ip_saved, 1);
    vk_close(I->c->p, I->ip_saved);
    vk_unlink(I->c->p, I->ip_tmp);
    I->ip_tmp = NULL;
}

static void end_file(interp *I)
{
    if (!I->main_in) return;
    /* the file's ENDFILE output still goes into it */
    if (I->prog->has_endfile) run_rules(I, P_ENDFILE);
    inplace_end(I);
    reader_free(I, I->main_in);
    I->main_in = NULL;
}

/* the next main input record (new string) or NULL */
static aw_str *next_main(interp *I)
{
    if (I->main_done) return NULL;
    for (;;) {
        if (!I->main_in && !open_next(I)) {
            I->main_done = true;
            return NULL;
        }
        aw_str *rt;
        aw_str *s = read_record(I, I->main_in, &rt);
        if (s) {
            set_rt(I, rt);
            I->nr++;
            I->fnr++;
            set_counter(I, V_NR, I->nr);
            set_counter(I, V_FNR, I->fnr);
            return s;
        }
        end_file(I);
    }
}

/* ---- getline ---- */

/* ERRNO after a failed getline or close: the system's message */
static void set_errno(interp *I, int code)
{
    aw_var *ev = &I->g[V_ERRNO];
    vfree(I, &ev->v);
    ev->kind = VK_SCALAR;
    const char *m = vl_strerror(code);
    ev->v = vstr(snew(I, m, strlen(m)));
}

/* read the record getline n asks for: 1 and *out, 0 at the end, -1 when it cannot be opened */
static int getline_fetch(interp *I, aw_node *n, aw_str **out)
{
    aw_str *rec = NULL, *rt = NULL;
    if (n->op == R_MAIN) {
        if (I->in_end) return 0;
        rec = next_main(I);
        if (!rec) return 0;
    } else {
        aw_val nv = eval(I, n->b);
        aw_str *name = tostr(I, &nv, NULL);
        vfree(I, &nv);
        if (!name->len) {
            sunref(I, name);
            fatal(I, "expression for `%s' redirection has null string value", n->op == R_CMD ? "|" : "<");
        }
        stream *s = find_stream(I, name, false);
        if (s && (s->kind == R_CMD) != (n->op == R_CMD)) s = NULL;
        if (!s) {
            if (n->op == R_FILE) {
                int fd;
                if (!strcmp(name->s, "-") || !strcmp(name->s, "/dev/stdin")) fd = vk_dup(I->c->p, 0);
                else fd = vk_open(I->c->p, name->s, VK_O_RDONLY, 0);
                if (fd < 0) {
                    set_errno(I, fd);
                    sunref(I, name);
                    return -1;
                }
                struct vk_stat st;
                if (vk_fstat(I->c->p, fd, &st) == 0 && VK_S_ISDIR(st.mode)) {
                    vk_close(I->c->p, fd);
                    set_errno(I, VOS_EISDIR);
                    sunref(I, name);
                    return -1;
                }
                vk_set_cloexec(I->c->p, fd, true);
                s = add_stream(I, name, R_MAIN);
                s->fd = fd;
                s->in = reader_new(I, fd, true);
            } else {
                int fds[2];
                int rc = vk_pipe(I->c->p, fds);
                if (rc < 0) {
                    sunref(I, name);
                    return -1;
                }
                vk_set_cloexec(I->c->p, fds[0], true);
                flush_all(I);
                int pid = spawn(I, name->s, -1, fds[1], fds[0]);
                vk_close(I->c->p, fds[1]);
                if (pid < 0) {
                    vk_close(I->c->p, fds[0]);
                    sunref(I, name);
                    return -1;
                }
                s = add_stream(I, name, R_CMD);
                s->fd = fds[0];
                s->pid = pid;
                s->in = reader_new(I, fds[0], true);
            }
        }
        sunref(I, name);
        rec = read_record(I, s->in, &rt);
        if (!rec) return 0;
        set_rt(I, rt);
    }
    *out = rec;
    return 1;
}

__attribute__((noinline)) static aw_val do_getline(interp *I, aw_node *n)
{
    /* the variable is evaluated first, whether a record comes or not (gawk): getline a[++n]
     * moves n at the end of the file too, and a[1] exists afterwards */
    aw_array *ta = NULL;
    aw_str *tk = NULL;
    long tf = -1;
    if (n->a && n->a->type == N_INDEX) {
        ta = get_array(I, n->a->a);
        tk = subscript(I, n->a->b);
        aw_elem *te = arr_get(I, ta, tk);
        if (te->sub) fatal(I, "attempt to use array `%s' in a scalar context", elem_name(I, n->a->a, te->key));
        /* the key is kept, not the element: reading may run BEGINFILE rules that delete it */
    } else if (n->a && n->a->type == N_FIELD) {
        tf = field_index(I, n->a->a);
    }
    aw_str *rec = NULL;
    int st = getline_fetch(I, n, &rec);
    if (st <= 0) {
        sunref(I, tk);
        return vnum(st);
    }
    if (ta) {
        aw_elem *te = arr_get(I, ta, tk);
        sunref(I, tk);
        vfree(I, &te->v);
        te->v = vinput(rec);
    } else if (tf >= 0) {
        set_field(I, tf, vinput(rec));
    } else if (n->a) {
        assign(I, n->a, vinput(rec));
    } else {
        set_record(I, rec);
    }
    return vnum(1);
}

/* ---- builtins ---- */

static aw_node *arg(aw_node *n, int i)
{
    aw_node *a = n->a;
    while (a && i--) a = a->next;
    return a;
}

static double eval_num(interp *I, aw_node *n);

static double num_arg(interp *I, aw_node *n, int i) { return eval_num(I, arg(n, i)); }

static aw_str *str_arg(interp *I, aw_node *n, int i)
{
    aw_val v = eval(I, arg(n, i));
    aw_str *s = tostr(I, &v, NULL);
    vfree(I, &v);
    return s;
}

/* the array a node names, or NULL when it is not one (nothing is created) */
static aw_array *array_if(interp *I, aw_node *a)
{
    if (!a) return NULL;
    if (a->type == N_INDEX) {
        aw_array *base = array_if(I, a->a);
        if (!base) return NULL;
        aw_str *k = subscript(I, a->b);
        aw_elem *e = arr_find(base, k->s, k->len, hash(k->s, k->len));
        sunref(I, k);
        return e ? e->sub : NULL;
    }
    if (a->type != N_GLOBAL && a->type != N_LOCAL) return NULL;
    aw_var *r = root(var_of(I, a));
    return r->kind == VK_ARRAY ? r->arr : NULL;
}

static bool is_array_node(interp *I, aw_node *a) { return array_if(I, a) != NULL; }

/* split s into a with separator sep per gawk's split(); returns the count */
static size_t split_into(interp *I, aw_str *s, aw_array *a, aw_array *seps, int mode, char ch, vl_re *re)
{
    arr_clear(I, a);
    if (seps) arr_clear(I, seps);
    size_t n = 0;
    const char *p = s->s;
    size_t len = s->len;
    if (mode == FS_SPACE) {
        size_t i = 0;
        if (seps) {
            size_t st = 0;
            while (i < len && is_blank((unsigned char)p[i]) && p[i] != '\r' && p[i] != '\f' && p[i] != '\v') i++;
            if (i > st) arr_set_num(I, seps, 0, vstr(snew(I, p, i)));
        }
        for (;;) {
            while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n')) i++;
            if (i >= len) break;
            size_t st = i;
            while (i < len && !(p[i] == ' ' || p[i] == '\t' || p[i] == '\n')) i++;
            arr_set_num(I, a, (double)++n, vinput(snew(I, p + st, i - st)));
            size_t ss = i;
            while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n')) i++;
            if (seps && i > ss) arr_set_num(I, seps, (double)n, vstr(snew(I, p + ss, i - ss)));
            i = ss;
        }
        return n;
    }
    if (!len) return 0;
    if (mode == FS_EMPTY) {
        for (size_t i = 0; i < len; i++) arr_set_num(I, a, (double)++n, vinput(snew(I, p + i, 1)));
        return n;
    }
    if (mode == FS_CHAR) {
        size_t st = 0;
        for (size_t i = 0; i < len; i++)
            if (p[i] == ch) {
                arr_set_num(I, a, (double)++n, vinput(snew(I, p + st, i - st)));
                if (seps) arr_set_num(I, seps, (double)n, vstr(snew(I, p + i, 1)));
                st = i + 1;
            }
        arr_set_num(I, a, (double)++n, vinput(snew(I, p + st, len - st)));
        return n;
    }
    size_t st = 0, pos = 0;
    vl_re_span m;
    while (pos <= len) {
        int rc = search(I, re, p, len, pos, &m, 1);
        if (rc != 1) break;
        if (m.eo == m.so) {
            if ((size_t)m.so >= len) break;
            pos = (size_t)m.so + 1;
            continue;
        }
        arr_set_num(I, a, (double)++n, vinput(snew(I, p + st, (size_t)m.so - st)));
        if (seps) arr_set_num(I, seps, (double)n, vstr(snew(I, p + m.so, (size_t)(m.eo - m.so))));
        st = pos = (size_t)m.eo;
    }
    arr_set_num(I, a, (double)++n, vinput(snew(I, p + st, len - st)));
    return n;
}

static double bi_split(interp *I, aw_node *n)
{
    aw_node *an = arg(n, 1);
    if (an->type != N_GLOBAL && an->type != N_LOCAL && an->type != N_INDEX)
        fatal(I, "split: second argument is not an array");
    aw_str *s = str_arg(I, n, 0);
    aw_array *a = get_array(I, arg(n, 1));
    aw_array *seps = n->idx > 3 ? get_array(I, arg(n, 3)) : NULL;
    size_t cnt;
    if (n->idx < 3) {
        if (I->fs_mode == FS_REGEX) cnt = split_into(I, s, a, seps, FS_REGEX, 0, I->fs_re);
        else if (I->fs_mode == FS_CHAR || I->fs_mode == FS_EMPTY) cnt = split_into(I, s, a, seps, I->fs_mode, I->fs_char, NULL);
        else cnt = split_into(I, s, a, seps, FS_SPACE, 0, NULL);
    } else {
        aw_node *sn = arg(n, 2);
        if (sn->type == N_REGEX) {
            cnt = split_into(I, s, a, seps, FS_REGEX, 0, const_regex(I, sn));
        } else {
            aw_str *sep = str_arg(I, n, 2);
            if (sep->len == 1 && sep->s[0] == ' ') cnt = split_into(I, s, a, seps, FS_SPACE, 0, NULL);
            else if (sep->len == 0) cnt = split_into(I, s, a, seps, FS_EMPTY, 0, NULL);
            else if (sep->len == 1 && sep->s[0] != '\\') cnt = split_into(I, s, a, seps, FS_CHAR, sep->s[0], NULL);
            else cnt = split_into(I, s, a, seps, FS_REGEX, 0, dyn_regex(I, sep));
            sunref(I, sep);
        }
    }
    sunref(I, s);
    return (double)cnt;
}

/* sub, gsub, gensub: replace in s; returns the new string (or NULL when nothing matched) */
static aw_str *substitute(interp *I, vl_re *re, aw_str *repl, aw_str *s, long which, bool gensub, double *count)
{
    vl_buf b = {0};
    size_t pos = 0, copied = 0;
    long seen = 0;
    ptrdiff_t last_end = -1;
    size_t ng = gensub ? vl_re_ngroups(re) : 0;
    if (ng > 9) ng = 9;
    vl_re_span m[10];
    *count = 0;
    while (pos <= s->len) {
        int rc = search(I, re, s->s, s->len, pos, m, gensub ? ng + 1 : 1);
        if (rc != 1) break;
        if (m[0].so == m[0].eo && m[0].so == last_end) {
            /* no empty match right after a match */
            if ((size_t)m[0].so >= s->len) break;
            pos = (size_t)m[0].so + 1;
            continue;
        }
        seen++;
        bool doit = which == 0 || seen == which;
        if (doit) {
            vl_buf_add(I->c, &b, s->s + copied, (size_t)m[0].so - copied);
            for (size_t k = 0; k < repl->len; k++) {
                char ch = repl->s[k];
                if (ch == '\\' && k + 1 < repl->len) {
                    char nx = repl->s[k + 1];
                    if (!gensub) {
                        /* gawk's table: \& is a backslash then the match, \\\& is \&,
                         * \& is &, any other backslash is itself */
                        if (nx == '&') {
                            vl_buf_addc(I->c, &b, '&');
                            k++;
                        } else if (nx == '\\' && k + 2 < repl->len && repl->s[k + 2] == '&') {
                            vl_buf_addc(I->c, &b, '\\');
                            vl_buf_add(I->c, &b, s->s + m[0].so, (size_t)(m[0].eo - m[0].so));
                            k += 2;
                        } else if (nx == '\\' && k + 3 < repl->len && repl->s[k + 2] == '\\' &&
                                   repl->s[k + 3] == '&') {
                            vl_buf_adds(I->c, &b, "\\&");
                            k += 3;
                        } else {
                            vl_buf_addc(I->c, &b, '\\');
                        }
                    } else {
                        if (nx == '&') {
                            vl_buf_addc(I->c, &b, '&');
                            k++;
                        } else if (nx >= '0' && nx <= '9') {
                            size_t g = (size_t)(nx - '0');
                            if (g <= ng && m[g].so >= 0) vl_buf_add(I->c, &b, s->s + m[g].so, (size_t)(m[g].eo - m[g].so));
                            k++;
                        } else {
                            /* gensub: \q is q */
                            vl_buf_addc(I->c, &b, nx);
                            k++;
                        }
                    }
                } else if (ch == '&') {
                    vl_buf_add(I->c, &b, s->s + m[0].so, (size_t)(m[0].eo - m[0].so));
                } else {
                    vl_buf_addc(I->c, &b, ch);
                }
            }
            copied = (size_t)m[0].eo;
            *count += 1;
        }
        last_end = m[0].eo;
        if (m[0].eo == m[0].so) {
            if ((size_t)m[0].so >= s->len) break;
            pos = (size_t)m[0].so + 1;
        } else {
            pos = (size_t)m[0].eo;
        }
        if (which > 0 && seen >= which) break;
        tick(I);
    }
    if (*count == 0) {
        vl_buf_free(I->c, &b);
        return NULL;
    }
    vl_buf_add(I->c, &b, s->s + copied, s->len - copied);
    aw_str *r = snew(I, b.data ? b.data : "", b.len);
    vl_buf_free(I->c, &b);
    return r;
}

static aw_val bi_sub(interp *I, aw_node *n, bool global)
{
    vl_re *re = regex_of(I, arg(n, 0));
    aw_str *repl = str_arg(I, n, 1);
    aw_node *target = n->idx > 2 ? arg(n, 2) : NULL;
    aw_val tv;
    if (target) {
        aw_node *t = target;
        while (t->type == N_GROUP) t = t->a;
        target = t;
        tv = eval(I, target);
    } else {
        tv = get_field(I, 0);
    }
    aw_str *s = tostr(I, &tv, NULL);
    vfree(I, &tv);
    double cnt;
    aw_str *r = substitute(I, re, repl, s, global ? 0 : 1, false, &cnt);
    sunref(I, repl);
    sunref(I, s);
    if (r) {
        if (!target) set_field(I, 0, vstr(r));
        else if (target->type == N_GLOBAL || target->type == N_LOCAL || target->type == N_FIELD || target->type == N_INDEX)
            assign(I, target, vstr(r));
        else
            sunref(I, r);
    }
    return vnum(cnt);
}

static aw_val bi_gensub(interp *I, aw_node *n)
{
    vl_re *re = regex_of(I, arg(n, 0));
    aw_str *repl = str_arg(I, n, 1);
    aw_val hv = eval(I, arg(n, 2));
    long which;
    check_input(I, &hv);
    if (hv.ty != TY_NUM && hv.ty != TY_STRNUM && hv.s && hv.s->len && (hv.s->s[0] == 'g' || hv.s->s[0] == 'G')) {
        which = 0;
    } else {
        double d = tonum(I, &hv);
        which = d < 1 ? 1 : (long)d;
        if (d < 1) warning(I, "gensub: third argument `%s' treated as 1", hv.s ? hv.s->s : "0");
    }
    vfree(I, &hv);
    aw_str *s = n->idx > 3 ? str_arg(I, n, 3) : (rebuild_record(I), tostr(I, &I->rec, NULL));
    double cnt;
    aw_str *r = substitute(I, re, repl, s, which, true, &cnt);
    sunref(I, repl);
    if (!r) return vstr(s);
    sunref(I, s);
    return vstr(r);
}

static aw_val bi_match(interp *I, aw_node *n)
{
    aw_str *s = str_arg(I, n, 0);
    vl_re *re = regex_of(I, arg(n, 1));
    aw_array *a = n->idx > 2 ? get_array(I, arg(n, 2)) : NULL;
    size_t ng = a ? vl_re_ngroups(re) : 0;
    if (ng > 99) ng = 99;
    vl_re_span m[100];
    int rc = search(I, re, s->s, s->len, 0, m, ng + 1);
    double rstart = 0, rlen = -1;
    if (a) arr_clear(I, a);
    if (rc == 1) {
        rstart = (double)m[0].so + 1;
        rlen = (double)(m[0].eo - m[0].so);
        if (a) {
            for (size_t g = 0; g <= ng; g++) {
                if (m[g].so < 0) continue;
                arr_set_num(I, a, (double)g, vinput(snew(I, s->s + m[g].so, (size_t)(m[g].eo - m[g].so))));
                char k[64];
                snprintf(k, sizeof k, "%zu%sstart", g, I->subsep->s);
                arr_set_str(I, a, k, vnum((double)m[g].so + 1));
                snprintf(k, sizeof k, "%zu%slength", g, I->subsep->s);
                arr_set_str(I, a, k, vnum((double)(m[g].eo - m[g].so)));
            }
        }
    }
    sunref(I, s);
    set_counter(I, V_RSTART, rstart);
    set_counter(I, V_RLENGTH, rlen);
    return vnum(rstart);
}

static aw_val bi_substr(interp *I, aw_node *n)
{
    aw_str *s = str_arg(I, n, 0);
    double m = num_arg(I, n, 1);
    double len = s->len;
    /* gawk rounds the start and length */
    /* gawk truncates both, and a start before 1 counts as 1 (the length is kept) */
    double st = isnan(m) ? 1 : trunc(m);
    if (st < 1) st = 1;
    double end;
    if (n->idx > 2) {
        double l = num_arg(I, n, 2);
        if (isnan(l) || trunc(l) <= 0) {
            sunref(I, s);
            return vstr(snew(I, "", 0));
        }
        end = st + trunc(l);
    } else {
        end = len + 1;
    }
    if (end > len + 1) end = len + 1;
    if (end <= st) {
        sunref(I, s);
        return vstr(snew(I, "", 0));
    }
    aw_str *r = snew(I, s->s + (size_t)st - 1, (size_t)(end - st));
    sunref(I, s);
    return vstr(r);
}

static int index_of(aw_str *s, aw_str *t, bool icase)
{
    if (!t->len) return 1;
    if (t->len > s->len) return 0;
    for (size_t i = 0; i + t->len <= s->len; i++) {
        if (icase ? !strncasecmp(s->s + i, t->s, t->len) : !memcmp(s->s + i, t->s, t->len)) return (int)i + 1;
    }
    return 0;
}

/* ---- sorting (asort, asorti, PROCINFO["sorted_in"]) ---- */

typedef struct sortent {
    aw_str *key;
    aw_val *val;
} sortent;

typedef struct sortctx {
    interp *I;
    int how; /* bit 0: by value; bit 1: numeric; bit 2: descending */
    aw_node *fn;
} sortctx;

static long rand_next(interp *I)
{
    uint32_t *t = I->rstate;
    t[I->rf] += t[I->rr];
    long r = (long)((t[I->rf] >> 1) & 0x7fffffff);
    if (++I->rf >= 63) {
        I->rf = 0;
        I->rr++;
    } else if (++I->rr >= 63) {
        I->rr = 0;
    }
    return r;
}

static _Thread_local interp *sort_I; /* qsort has no context argument; processes are threads */
static _Thread_local int sort_how;

static int cmp_num_str(interp *I, aw_val *a, aw_val *b)
{
    /* gawk's value order: numbers before strings, numbers by value, strings by bytes */
    check_input(I, a);
    check_input(I, b);
    bool an = a->ty == TY_NUM || a->ty == TY_STRNUM, bn = b->ty == TY_NUM || b->ty == TY_STRNUM;
    if (a->ty == TY_UNINIT) an = true;
    if (b->ty == TY_UNINIT) bn = true;
    if (an && bn) {
        double x = tonum(I, a), y = tonum(I, b);
        return x < y ? -1 : x > y;
    }
    if (an) return -1;
    if (bn) return 1;
    return cmp_str(a->s, b->s);
}

static _Thread_local aw_func *sort_fn;
static aw_val call_with(interp *I, aw_func *f, aw_val *args, int nargs);

static int sort_cmp(const void *pa, const void *pb)
{
    const sortent *a = pa, *b = pb;
    interp *I = sort_I;
    int r;
    if (sort_fn) {
        aw_val args[4];
        sref(a->key);
        sref(b->key);
        args[0] = vinput(a->key);
        args[1] = vcopy(a->val);
        args[2] = vinput(b->key);
        args[3] = vcopy(b->val);
        aw_val rv = call_with(I, sort_fn, args, 4);
        double d = tonum(I, &rv);
        vfree(I, &rv);
        return d < 0 ? -1 : d > 0;
    }
    if (sort_how & 1) {
        if (sort_how & 2) {
            double x = tonum(I, a->val), y = tonum(I, b->val);
            r = x < y ? -1 : x > y;
            if (!r) r = cmp_str(a->key, b->key);
        } else if (sort_how & 8) {
            r = cmp_num_str(I, a->val, b->val);
            if (!r) r = cmp_str(a->key, b->key);
        } else {
            aw_str *x = tostr(I, a->val, NULL), *y = tostr(I, b->val, NULL);
            r = cmp_str(x, y);
            sunref(I, x);
            sunref(I, y);
            if (!r) r = cmp_str(a->key, b->key);
        }
    } else if (sort_how & 2) {
        bool w1, w2;
        double x = str2num(a->key->s, a->key->len, &w1), y = str2num(b->key->s, b->key->len, &w2);
        r = x < y ? -1 : x > y;
        if (!r) r = cmp_str(a->key, b->key);
    } else {
        r = cmp_str(a->key, b->key);
    }
    return (sort_how & 4) ? -r : r;
}

static sortent *snapshot(interp *I, aw_array *a, size_t *n)
{
    sortent *v = vl_xmalloc(I->c, (a->n ? a->n : 1) * sizeof *v);
    size_t k = 0;
    for (aw_elem *e = a->first; e; e = e->next) {
        sref(e->key);
        v[k].key = e->key;
        v[k].val = &e->v;
        k++;
    }
    *n = k;
    return v;
}

/* the order PROCINFO["sorted_in"] asks for: -1 none */
static int sorted_in(interp *I)
{
    sort_fn = NULL;
    aw_var *pv = &I->g[V_PROCINFO];
    if (pv->kind != VK_ARRAY) return -1;
    aw_elem *e = arr_find(pv->arr, "sorted_in", 9, hash("sorted_in", 9));
    if (!e) return -1;
    aw_str *s = tostr(I, &e->v, NULL);
    static const struct {
        const char *name;
        int how;
    } tab[] = {
        {"@ind_str_asc", 0}, {"@ind_num_asc", 2}, {"@val_str_asc", 1}, {"@val_num_asc", 3},
        {"@ind_str_desc", 4}, {"@ind_num_desc", 6}, {"@val_str_desc", 5}, {"@val_num_desc", 7},
        {"@val_type_asc", 9}, {"@val_type_desc", 13}, {"@unsorted", -1},
    };
    int how = -1;
    sort_fn = NULL;
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (!strcmp(s->s, tab[i].name)) how = tab[i].how;
    if (how < 0 && s->s[0] != '@')
        for (int i = 0; i < I->prog->nfuncs; i++)
            if (I->prog->funcs[i]->defined && !strcmp(I->prog->funcs[i]->name, s->s)) {
                sort_fn = I->prog->funcs[i];
                how = 0;
            }
    sunref(I, s);
    return how;
}

static aw_val bi_asort(interp *I, aw_node *n, bool indices)
{
    aw_array *src = get_array(I, arg(n, 0));
    aw_array *dst = n->idx > 1 ? get_array(I, arg(n, 1)) : src;
    int how = indices ? 0 : 8 | 1;
    if (n->idx > 2) {
        aw_str *h = str_arg(I, n, 2);
        int k = -1;
        static const struct {
            const char *name;
            int how;
        } tab[] = {
            {"@ind_str_asc", 0}, {"@ind_num_asc", 2}, {"@val_str_asc", 1}, {"@val_num_asc", 3},
            {"@ind_str_desc", 4}, {"@ind_num_desc", 6}, {"@val_str_desc", 5}, {"@val_num_desc", 7},
            {"@val_type_asc", 9}, {"@val_type_desc", 13},
        };
        for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
            if (!strcmp(h->s, tab[i].name)) k = tab[i].how;
        sunref(I, h);
        if (k >= 0) how = k;
    }
    size_t cnt;
    sortent *v = snapshot(I, src, &cnt);
    sort_I = I;
    sort_how = how;
    sort_fn = NULL;
    qsort(v, cnt, sizeof *v, sort_cmp);
    /* the results, before the source (maybe the destination) is cleared */
    aw_val *res = vl_xmalloc(I->c, (cnt ? cnt : 1) * sizeof *res);
    for (size_t i = 0; i < cnt; i++) {
        if (indices) {
            sref(v[i].key);
            res[i] = vstr(v[i].key);
        } else {
            res[i] = vcopy(v[i].val);
        }
    }
    for (size_t i = 0; i < cnt; i++) sunref(I, v[i].key);
    vl_xfree(I->c, v);
    arr_clear(I, dst);
    for (size_t i = 0; i < cnt; i++) arr_set_num(I, dst, (double)(i + 1), res[i]);
    vl_xfree(I->c, res);
    return vnum((double)cnt);
}

static aw_val bi_patsplit(interp *I, aw_node *n)
{
    aw_str *s = str_arg(I, n, 0);
    aw_array *a = get_array(I, arg(n, 1));
    vl_re *re;
    if (n->idx > 2) {
        re = regex_of(I, arg(n, 2));
    } else {
        aw_str *fp = var_str(I, V_FPAT);
        re = dyn_regex(I, fp);
        sunref(I, fp);
    }
    aw_array *seps = n->idx > 3 ? get_array(I, arg(n, 3)) : NULL;
    arr_clear(I, a);
    if (seps) arr_clear(I, seps);
    size_t pos = 0, cnt = 0, prev_end = 0;
    vl_re_span m;
    while (pos <= s->len) {
        int rc = search(I, re, s->s, s->len, pos, &m, 1);
        if (rc != 1) break;
        if (m.eo == m.so) {
            if ((size_t)m.so >= s->len) break;
            pos = (size_t)m.so + 1;
            continue;
        }
        if (seps) arr_set_num(I, seps, (double)cnt, vstr(snew(I, s->s + prev_end, (size_t)m.so - prev_end)));
        arr_set_num(I, a, (double)++cnt, vinput(snew(I, s->s + m.so, (size_t)(m.eo - m.so))));
        pos = prev_end = (size_t)m.eo;
    }
    if (seps && prev_end < s->len) arr_set_num(I, seps, (double)cnt, vstr(snew(I, s->s + prev_end, s->len - prev_end)));
    sunref(I, s);
    return vnum((double)cnt);
}

/* gawk's rand() draws from its own copy of BSD random(3), state of 63 words (TYPE_4), seeded
 * with srandom(seed): the same sequences as gawk */
static void rand_seed(interp *I, uint32_t seed)
{
    uint32_t *st = I->rstate;
    int32_t x = (int32_t)seed;
    if (x == 0) x = 123459876;
    st[0] = (uint32_t)x;
    for (int i = 1; i < 63; i++) {
        int32_t hi = x / 127773, lo = x % 127773;
        x = 16807 * lo - 2836 * hi;
        if (x < 0) x += 0x7fffffff;
        st[i] = (uint32_t)x;
    }
    I->rf = 1;
    I->rr = 0;
    for (int i = 0; i < 630; i++) rand_next(I);
}

static double bi_rand(interp *I)
{
    double r;
    do {
        long d1 = rand_next(I), d2 = rand_next(I);
        r = 0.5 + ((d1 / 2147483648.0 + d2) / 2147483648.0);
        r -= 0.5;
    } while (r == 1.0);
    return r;
}

static aw_val bi_strftime(interp *I, aw_node *n)
{
    aw_str *fmt = n->idx > 0 ? str_arg(I, n, 0) : snew(I, "%a %b %e %H:%M:%S %Z %Y", 23);
    int64_t t = n->idx > 1 ? to_i64(num_arg(I, n, 1)) : vk_time_ns(I->c->p) / 1000000000;
    bool utc = n->idx > 2 ? num_arg(I, n, 2) != 0 : false;
    vl_tz tz;
    if (utc) tz = vl_tz_utc;
    else vl_tz_from_env(I->c, &tz);
    vl_tm tm;
    vl_buf b = {0};
    if (vl_time_split(t, 0, &tz, &tm)) vl_strftime_buf(I->c, &b, fmt->s, &tm);
    aw_str *r = snew(I, b.data ? b.data : "", b.len);
    vl_buf_free(I->c, &b);
    sunref(I, fmt);
    return vstr(r);
}

static aw_val bi_mktime(interp *I, aw_node *n)
{
    aw_str *s = str_arg(I, n, 0);
    long long f[7] = {0, 0, 0, 0, 0, 0, -1};
    int k = 0;
    const char *p = s->s;
    while (k < 7) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        char *e;
        f[k] = strtoll(p, &e, 10);
        if (e == p) break;
        p = e;
        k++;
    }
    bool utc = n->idx > 1 ? num_arg(I, n, 1) != 0 : false;
    sunref(I, s);
    if (k < 6) return vnum(-1);
    vl_tz tz;
    if (utc) tz = vl_tz_utc;
    else vl_tz_from_env(I->c, &tz);
    vl_tm tm = {0};
    tm.year = f[0];
    tm.mon = (int)f[1];
    tm.mday = (int)f[2];
    tm.hour = (int)f[3];
    tm.min = (int)f[4];
    tm.sec = (int)f[5];
    int64_t t;
    if (!vl_time_make(&tm, &tz, &t)) return vnum(-1);
    return vnum((double)t);
}

__attribute__((noinline)) static aw_val call_builtin(interp *I, aw_node *n)
{
    switch (n->op) {
    case B_LENGTH: {
        aw_node *a = arg(n, 0);
        if (!a) {
            rebuild_record(I);
            aw_str *s = tostr(I, &I->rec, NULL);
            double l = (double)s->len;
            sunref(I, s);
            return vnum(l);
        }
        aw_array *arr = array_if(I, a);
        if (arr) return vnum((double)arr->n);
        aw_str *s = str_arg(I, n, 0);
        double l = (double)s->len;
        sunref(I, s);
        return vnum(l);
    }
    case B_SUBSTR: return bi_substr(I, n);
    case B_INDEX: {
        aw_str *s = str_arg(I, n, 0);
        aw_str *t;
        aw_node *ta = arg(n, 1);
        if (ta && ta->type == N_REGEX) fatal(I, "index: regexp constant as second argument is not allowed");
        t = str_arg(I, n, 1);
        int r = index_of(s, t, I->icase);
        sunref(I, s);
        sunref(I, t);
        return vnum(r);
    }
    case B_SPLIT: return vnum(bi_split(I, n));
    case B_SUB: return bi_sub(I, n, false);
    case B_GSUB: return bi_sub(I, n, true);
    case B_GENSUB: return bi_gensub(I, n);
    case B_MATCH: return bi_match(I, n);
    case B_SPRINTF: {
        size_t na = (size_t)n->idx;
        aw_val *vals = vl_xmalloc(I->c, (na ? na : 1) * sizeof *vals);
        size_t k = 0;
        for (aw_node *a = n->a; a; a = a->next) vals[k++] = eval(I, a);
        aw_str *fmt = tostr(I, &vals[0], NULL);
        vl_buf b = {0};
        format(I, &b, fmt->s, fmt->len, vals + 1, na - 1);
        sunref(I, fmt);
        for (size_t i = 0; i < k; i++) vfree(I, &vals[i]);
        vl_xfree(I->c, vals);
        aw_str *r = snew(I, b.data ? b.data : "", b.len);
        vl_buf_free(I->c, &b);
        return vstr(r);
    }
    case B_SIN: return vnum(sin(num_arg(I, n, 0)));
    case B_COS: return vnum(cos(num_arg(I, n, 0)));
    case B_ATAN2: {
        double y = num_arg(I, n, 0), x = num_arg(I, n, 1);
        return vnum(atan2(y, x));
    }
    case B_EXP: return vnum(exp(num_arg(I, n, 0)));
    case B_LOG: {
        double d = num_arg(I, n, 0);
        if (d < 0) warning(I, "log: received negative argument %g", d);
        return vnum(log(d));
    }
    case B_SQRT: {
        double d = num_arg(I, n, 0);
        if (d < 0) warning(I, "sqrt: called with negative argument %g", d);
        return vnum(sqrt(d));
    }
    case B_INT: return vnum(trunc(num_arg(I, n, 0)));
    case B_RAND: return vnum(bi_rand(I));
    case B_SRAND: {
        double prev = I->seed;
        double s = n->idx > 0 ? num_arg(I, n, 0) : (double)(vk_time_ns(I->c->p) / 1000000000);
        I->seed = s;
        rand_seed(I, (uint32_t)to_i64(s));
        return vnum(prev);
    }
    case B_TOLOWER:
    case B_TOUPPER: {
        aw_str *s = str_arg(I, n, 0);
        aw_str *r = snew(I, s->s, s->len);
        for (size_t i = 0; i < r->len; i++) {
            char ch = r->s[i];
            if (n->op == B_TOLOWER && ch >= 'A' && ch <= 'Z') r->s[i] = (char)(ch + 32);
            if (n->op == B_TOUPPER && ch >= 'a' && ch <= 'z') r->s[i] = (char)(ch - 32);
        }
        sunref(I, s);
        return vstr(r);
    }
    case B_SYSTEM: {
        aw_str *cmd = str_arg(I, n, 0);
        flush_all(I);
        int pid = spawn(I, cmd->s, -1, -1, -1);
        sunref(I, cmd);
        if (pid < 0) return vnum(-1);
        return vnum(wait_child(I, pid));
    }
    case B_CLOSE: {
        aw_str *name = str_arg(I, n, 0);
        stream **pp = &I->streams;
        while (*pp && !((*pp)->name->len == name->len && !memcmp((*pp)->name->s, name->s, name->len)))
            pp = &(*pp)->next;
        sunref(I, name);
        if (!*pp) return vnum(-1);
        stream *s = *pp;
        *pp = s->next;
        int r = close_stream(I, s);
        sunref(I, s->name);
        vl_xfree(I->c, s);
        return vnum(r);
    }
    case B_FFLUSH: {
        if (n->idx == 0) {
            flush_all(I);
            return vnum(0);
        }
        aw_str *name = str_arg(I, n, 0);
        stream *s = find_stream(I, name, true);
        int r = -1;
        if (!strcmp(name->s, "/dev/stdout")) {
            vl_flush(I->c);
            r = 0;
        } else if (s && (s->kind == R_FILE || s->kind == R_APPEND || s->kind == R_PIPE)) {
            stream_flush(I, s);
            r = 0;
        } else {
            warning(I, "fflush: `%s' is not an open file, pipe or co-process", name->s);
        }
        sunref(I, name);
        return vnum(r);
    }
    case B_SYSTIME: return vnum((double)(vk_time_ns(I->c->p) / 1000000000));
    case B_STRFTIME: return bi_strftime(I, n);
    case B_MKTIME: return bi_mktime(I, n);
    case B_ASORT: return bi_asort(I, n, false);
    case B_ASORTI: return bi_asort(I, n, true);
    case B_PATSPLIT: return bi_patsplit(I, n);
    case B_TYPEOF: {
        aw_node *a = arg(n, 0);
        const char *t;
        if (is_array_node(I, a)) {
            t = "array";
        } else if ((a->type == N_GLOBAL || a->type == N_LOCAL) && root(var_of(I, a))->kind == VK_UNSET) {
            t = "untyped";
        } else if (a->type == N_REGEX) {
            t = "regexp";
        } else {
            aw_val v = eval(I, a);
            check_input(I, &v);
            t = v.ty == TY_NUM ? "number" : v.ty == TY_STRNUM ? "strnum" : v.ty == TY_UNINIT ? "unassigned" : "string";
            vfree(I, &v);
        }
        return vstr(snew(I, t, strlen(t)));
    }
    case B_ISARRAY: return vnum(is_array_node(I, arg(n, 0)));

    case B_AND:
    case B_OR:
    case B_XOR: {
        uint64_t r = to_u64(num_arg(I, n, 0));
        for (int i = 1; i < n->idx; i++) {
            uint64_t x = to_u64(num_arg(I, n, i));
            r = n->op == B_AND ? r & x : n->op == B_OR ? r | x : r ^ x;
        }
        return vnum((double)r);
    }
    case B_COMPL: return vnum((double)(~to_u64(num_arg(I, n, 0)) & ((1ull << 53) - 1)));
    case B_LSHIFT: {
        uint64_t x = to_u64(num_arg(I, n, 0));
        int s = to_int(num_arg(I, n, 1));
        return vnum((double)(s < 0 || s >= 64 ? 0 : x << s));
    }
    case B_RSHIFT: {
        uint64_t x = to_u64(num_arg(I, n, 0));
        int s = to_int(num_arg(I, n, 1));
        return vnum((double)(s < 0 || s >= 64 ? 0 : x >> s));
    }
    case B_STRTONUM: {
        aw_val v = eval(I, arg(n, 0));
        double d;
        if (v.ty == TY_NUM) {
            d = v.num;
        } else {
            aw_str *s = tostr(I, &v, NULL);
            const char *p = s->s;
            while (is_blank((unsigned char)*p)) p++;
            bool neg = false;
            const char *q = p;
            if (*q == '-' || *q == '+') neg = *q++ == '-';
            if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) d = (double)strtoull(q + 2, NULL, 16);
            else if (q[0] == '0' && q[1] >= '0' && q[1] <= '7') d = (double)strtoull(q, NULL, 8);
            else {
                bool w;
                d = str2num(p, strlen(p), &w);
                neg = false;
            }
            if (neg) d = -d;
            sunref(I, s);
        }
        vfree(I, &v);
        return vnum(d);
    }
    }
    fatal(I, "unknown builtin");
}

/* ---- user functions ---- */

static aw_val call_user(interp *I, aw_node *n)
{
    aw_func *f = I->prog->funcs[n->idx];
    if (!f->defined) fatal(I, "function `%s' not defined", f->name);
    int nargs = 0;
    for (aw_node *a = n->a; a; a = a->next) nargs++;
    if (nargs > f->nparams)
        fatal(I, "function `%s' called with more arguments than declared", f->name);
    if (I->depth >= 20000 || vk_stack_low())
        fatal(I, "function call nesting too deep (function `%s')", f->name);
    tick(I);
    aw_var *fr = vl_xcalloc(I->c, f->nparams ? (size_t)f->nparams : 1, sizeof *fr);
    int k = 0;
    for (aw_node *a = n->a; a; a = a->next, k++) {
        if (a->type == N_INDEX) {
            aw_array *sub = array_if(I, a);
            if (sub) {
                fr[k].kind = VK_ARRAY;
                fr[k].arr = sub;
                fr[k].borrowed = true;
                continue;
            }
        }
        if (a->type == N_GLOBAL || a->type == N_LOCAL) {
            aw_var *v = var_of(I, a);
            aw_var *r = root(v);
            if (r->kind == VK_ARRAY || r->kind == VK_UNSET) {
                fr[k].kind = VK_REF;
                fr[k].ref = r;
                /* messages name the variable the caller's caller... passed: no allocation */
                if (a->type == N_GLOBAL) fr[k].refname = I->prog->gnames[a->idx];
                else if (v->kind == VK_REF) fr[k].refname = v->refname;
                else fr[k].refname = I->fn && a->idx < I->fn->nparams ? I->fn->params[a->idx] : "?";
                continue;
            }
        }
        fr[k].kind = VK_SCALAR;
        fr[k].v = eval(I, a);
    }
    aw_var *saved = I->frame;
    aw_func *savedfn = I->fn;
    int sline = I->line, ssrc = I->src;
    I->frame = fr;
    I->fn = f;
    I->depth++;
    int rc = exec(I, f->body);
    I->depth--;
    I->frame = saved;
    I->fn = savedfn;
    I->line = sline;
    I->src = ssrc;
    aw_val ret = (aw_val){0};
    if (rc == X_RETURN) {
        ret = I->retval;
        I->retval = (aw_val){0};
    }
    for (int i = 0; i < f->nparams; i++) {
        if (fr[i].kind == VK_SCALAR) vfree(I, &fr[i].v);
        else if (fr[i].kind == VK_ARRAY && !fr[i].borrowed) {
            arr_clear(I, fr[i].arr);
            vl_xfree(I->c, fr[i].arr);
        }
    }
    vl_xfree(I->c, fr);
    if (rc == X_NEXT || rc == X_NEXTFILE || rc == X_EXIT) {
        vfree(I, &ret);
        if (!I->jb || I->in_begin || I->in_end)
            fatal(I, "`%s' cannot be called from a `%s' rule", rc == X_EXIT ? "exit" : rc == X_NEXT ? "next" : "nextfile",
                  I->in_begin ? "BEGIN" : "END");
        longjmp(*I->jb, rc);
    }
    return ret;
}

/* call f with the values args[0..nargs) (taken): for sorted_in's comparison function */
static aw_val call_with(interp *I, aw_func *f, aw_val *args, int nargs)
{
    if (I->depth >= 20000 || vk_stack_low()) fatal(I, "function call nesting too deep (function `%s')", f->name);
    aw_var *fr = vl_xcalloc(I->c, f->nparams ? (size_t)f->nparams : 1, sizeof *fr);
    for (int k = 0; k < nargs; k++) {
        if (k < f->nparams) {
            fr[k].kind = VK_SCALAR;
            fr[k].v = args[k];
        } else {
            vfree(I, &args[k]);
        }
    }
    aw_var *saved = I->frame;
    aw_func *savedfn = I->fn;
    int sline = I->line, ssrc = I->src;
    I->frame = fr;
    I->fn = f;
    I->depth++;
    int rc = exec(I, f->body);
    I->depth--;
    I->frame = saved;
    I->fn = savedfn;
    I->line = sline;
    I->src = ssrc;
    aw_val ret = (aw_val){0};
    if (rc == X_RETURN) {
        ret = I->retval;
        I->retval = (aw_val){0};
    }
    for (int i = 0; i < f->nparams; i++) {
        if (fr[i].kind == VK_SCALAR) vfree(I, &fr[i].v);
        else if (fr[i].kind == VK_ARRAY) {
            arr_clear(I, fr[i].arr);
            vl_xfree(I->c, fr[i].arr);
        }
    }
    vl_xfree(I->c, fr);
    return ret;
}

/* ---- expressions ---- */

static aw_val concat_vals(interp *I, aw_val *a, aw_val *b)
{
    aw_str *x = tostr(I, a, NULL), *y = tostr(I, b, NULL);
    aw_str *r = aw_alloc(I->c, sizeof *r + x->len + y->len + 1);
    r->ref = 1;
    r->cap = 0;
    r->len = x->len + y->len;
    memcpy(r->s, x->s, x->len);
    memcpy(r->s + x->len, y->s, y->len);
    r->s[r->len] = 0;
    sunref(I, x);
    sunref(I, y);
    return vstr(r);
}

/* the numeric value of n: like tonum(eval(n)), without cutting a field out of $0 */
static double eval_num(interp *I, aw_node *n)
{
    if (n->type == N_NUM) return n->num;
    if (n->type == N_FIELD) {
        long i = field_index(I, n->a);
        if (i > 0) {
            ensure_split(I);
            if ((size_t)i > I->nf) return 0;
            aw_val *f = &I->f[i];
            if (f->ty == TY_LAZY) {
                bool whole;
                return str2num(I->lazy_src->s + I->fofs[i], (size_t)f->num, &whole);
            }
            return tonum(I, f);
        }
    }
    aw_val v = eval(I, n);
    double d = tonum(I, &v);
    vfree(I, &v);
    return d;
}

static aw_val eval(interp *I, aw_node *n)
{
    /* a left-deep chain (a b c ... or 1+1+1...) recurses here as deep as it is long */
    if (vk_stack_low()) {
        if (I->depth > 100) fatal(I, "function call nesting too deep (function `%s')", I->fn ? I->fn->name : "?");
        fatal(I, "expression nested too deeply");
    }
    switch (n->type) {
    case N_NUM: return vnum(n->num);
    case N_STR: sref(n->str); return vstr(n->str);
    case N_REGEX: {
        rebuild_record(I);
        aw_str *s = tostr(I, &I->rec, NULL);
        bool m = match_str(I, const_regex(I, n), s);
        sunref(I, s);
        return vnum(m);
    }
    case N_GROUP: return eval(I, n->a);
    case N_GLOBAL: {
        aw_var *v = &I->g[n->idx];
        if (n->idx == V_NF) ensure_split(I);
        if (v->kind == VK_SCALAR) return vcopy(&v->v);
        if (v->kind == VK_UNSET) {
            /* used as a value: a scalar from now on (gawk) */
            v->kind = VK_SCALAR;
            return (aw_val){0};
        }
        return vcopy(scalar_of(I, n));
    }
    case N_LOCAL: {
        aw_var *v = &I->frame[n->idx];
        if (v->kind == VK_SCALAR) return vcopy(&v->v);
        if (v->kind == VK_UNSET) {
            v->kind = VK_SCALAR;
            return (aw_val){0};
        }
        if (v->kind == VK_REF && root(v)->kind == VK_UNSET) {
            /* the caller's untyped variable, used as a value: a scalar now, there too */
            root(v)->kind = VK_SCALAR;
            return (aw_val){0};
        }
        return vcopy(scalar_of(I, n));
    }
    case N_FIELD: return get_field(I, field_index(I, n->a));
    case N_INDEX: {
        aw_array *a = get_array(I, n->a);
        aw_str *k = subscript(I, n->b);
        aw_elem *e = arr_get(I, a, k);
        sunref(I, k);
        if (e->sub) fatal(I, "attempt to use array `%s' in a scalar context", elem_name(I, n->a, e->key));
        return vcopy(&e->v);
    }
    case N_ASSIGN: {
        aw_val v = eval(I, n->b);
        if (v.ty == TY_INPUT) check_input(I, &v);
        aw_val r = vcopy(&v);
        assign(I, n->a, v);
        return r;
    }
    case N_OPASSIGN: {
        double rhs = eval_num(I, n->b);
        double old;
        return vnum(modify(I, n->a, n->op, rhs, &old));
    }
    case N_PREINC:
    case N_PREDEC: {
        double old;
        return vnum(modify(I, n->a, n->type == N_PREINC ? '+' : '-', 1, &old));
    }
    case N_POSTINC:
    case N_POSTDEC: {
        double old;
        modify(I, n->a, n->type == N_POSTINC ? '+' : '-', 1, &old);
        return vnum(old);
    }
    case N_COND: {
        aw_val c = eval(I, n->a);
        bool t = truth(I, &c);
        vfree(I, &c);
        return eval(I, t ? n->b : n->c);
    }
    case N_AND: {
        aw_val a = eval(I, n->a);
        bool t = truth(I, &a);
        vfree(I, &a);
        if (!t) return vnum(0);
        aw_val b = eval(I, n->b);
        t = truth(I, &b);
        vfree(I, &b);
        return vnum(t);
    }
    case N_OR: {
        aw_val a = eval(I, n->a);
        bool t = truth(I, &a);
        vfree(I, &a);
        if (t) return vnum(1);
        aw_val b = eval(I, n->b);
        t = truth(I, &b);
        vfree(I, &b);
        return vnum(t);
    }
    case N_NOT: {
        aw_val a = eval(I, n->a);
        bool t = truth(I, &a);
        vfree(I, &a);
        return vnum(!t);
    }
    case N_NEG: return vnum(-eval_num(I, n->a));
    case N_PLUS: return vnum(eval_num(I, n->a));
    case N_BINOP: {
        double x = eval_num(I, n->a);
        double y = eval_num(I, n->b);
        switch (n->op) {
        case '+': return vnum(x + y);
        case '-': return vnum(x - y);
        case '*': return vnum(x * y);
        case '/':
            if (y == 0) fatal(I, "division by zero attempted");
            return vnum(x / y);
        case '%':
            if (y == 0) fatal(I, "division by zero attempted in `%%'");
            return vnum(fmod(x, y));
        case '^': {
            /* integer powers by repeated multiplication, as gawk */
            if (y == (double)(long)y && fabs(y) < 1024) {
                long e = (long)y;
                bool neg = e < 0;
                if (neg) e = -e;
                double r = 1, base = x;
                while (e) {
                    if (e & 1) r *= base;
                    base *= base;
                    e >>= 1;
                }
                return vnum(neg ? 1 / r : r);
            }
            return vnum(pow(x, y));
        }
        }
        return vnum(0);
    }
    case N_CMP: {
        aw_val a = eval(I, n->a);
        aw_val b = eval(I, n->b);
        int r = cmp_vals(I, &a, &b);
        vfree(I, &a);
        vfree(I, &b);
        bool t;
        switch (n->op) {
        case '<': t = r < 0; break;
        case 'l': t = r <= 0; break;
        case '=': t = r == 0; break;
        case '!': t = r != 0; break;
        case 'g': t = r >= 0; break;
        default: t = r > 0; break;
        }
        return vnum(t);
    }
    case N_MATCH: {
        aw_val a = eval(I, n->a);
        aw_str *s = tostr(I, &a, NULL);
        vfree(I, &a);
        vl_re *re = regex_of(I, n->b);
        bool m = match_str(I, re, s);
        sunref(I, s);
        return vnum(n->op ? !m : m);
    }
    case N_CONCAT: {
        aw_val a = eval(I, n->a);
        aw_val b = eval(I, n->b);
        aw_val r = concat_vals(I, &a, &b);
        vfree(I, &a);
        vfree(I, &b);
        return r;
    }
    case N_IN: {
        aw_array *a = get_array(I, n->b);
        aw_str *k = subscript(I, n->a);
        bool r = arr_find(a, k->s, k->len, hash(k->s, k->len)) != NULL;
        sunref(I, k);
        return vnum(r);
    }
    case N_CALL: return call_user(I, n);
    case N_BUILTIN: return call_builtin(I, n);
    case N_GETLINE: return do_getline(I, n);
    default: fatal(I, "internal error: node %d", n->type);
    }
}

/* ---- statements ---- */

/* Kept out of exec and eval (noinline): their locals would otherwise grow every frame of a
 * recursion through user functions. */
__attribute__((noinline)) static void do_print(interp *I, aw_node *n)
{
    stream *s = NULL;
    I->last_printf = n->type == S_PRINTF;
    if (n->op != R_NONE) {
        aw_val nv = eval(I, n->b);
        aw_str *name = tostr(I, &nv, NULL);
        vfree(I, &nv);
        if (!name->len) {
            sunref(I, name);
            fatal(I, "expression for `%s' redirection has null string value", n->op == R_PIPE ? "|" : n->op == R_APPEND ? ">>" : ">");
        }
        s = out_stream(I, n->op, name);
        sunref(I, name);
    }
    if (n->type == S_PRINTF) {
        if (!n->a) fatal(I, "printf: no arguments");
        size_t na = 0;
        for (aw_node *a = n->a; a; a = a->next) na++;
        aw_val vals[32];
        aw_val *vp = na <= 32 ? vals : vl_xmalloc(I->c, na * sizeof *vp);
        size_t k = 0;
        for (aw_node *a = n->a; a; a = a->next) vp[k++] = eval(I, a);
        aw_str *fmt = tostr(I, &vp[0], NULL);
        vl_buf b = {0};
        format(I, &b, fmt->s, fmt->len, vp + 1, na - 1);
        sunref(I, fmt);
        for (size_t i = 0; i < k; i++) vfree(I, &vp[i]);
        if (vp != vals) vl_xfree(I->c, vp);
        if (b.len) out_write(I, s, b.data, b.len);
        vl_buf_free(I->c, &b);
        return;
    }
    if (!n->a) {
        rebuild_record(I);
        aw_str *r = tostr(I, &I->rec, NULL);
        out_write(I, s, r->s, r->len);
        sunref(I, r);
    } else {
        /* every expression is evaluated before anything is written (a fatal error in one
         * prints nothing) */
        size_t na = 0;
        for (aw_node *a = n->a; a; a = a->next) na++;
        aw_str *strs[32];
        aw_str **sp = na <= 32 ? strs : vl_xmalloc(I->c, na * sizeof *sp);
        size_t k = 0;
        for (aw_node *a = n->a; a; a = a->next) {
            aw_val v = eval(I, a);
            sp[k++] = v.ty == TY_NUM ? num2str(I, v.num, I->ofmt) : tostr(I, &v, NULL);
            vfree(I, &v);
        }
        for (size_t i = 0; i < k; i++) {
            if (i) out_write(I, s, I->ofs->s, I->ofs->len);
            out_write(I, s, sp[i]->s, sp[i]->len);
            sunref(I, sp[i]);
        }
        if (sp != strs) vl_xfree(I->c, sp);
    }
    out_write(I, s, I->ors->s, I->ors->len);
}

__attribute__((noinline)) static int exec_forin(interp *I, aw_node *n)
{
        aw_array *a = get_array(I, n->b);
        size_t cnt;
        sortent *keys = snapshot(I, a, &cnt);
        int how = sorted_in(I);
        if (how >= 0) {
            sort_I = I;
            sort_how = how == 9 || how == 13 ? (how | 8) & ~0 : how;
            qsort(keys, cnt, sizeof *keys, sort_cmp);
            sort_fn = NULL;
        }
        int result = X_NORMAL;
        size_t i;
        for (i = 0; i < cnt; i++) {
            tick(I);
            sref(keys[i].key);
            assign(I, n->a, vinput(keys[i].key));
            int rc = exec(I, n->c);
            if (rc == X_BREAK) break;
            if (rc && rc != X_CONTINUE) {
                result = rc;
                break;
            }
        }
        for (size_t k = 0; k < cnt; k++) sunref(I, keys[k].key);
        vl_xfree(I->c, keys);
        return result;
    }

static int exec(interp *I, aw_node *n);
static int exec_list(interp *I, aw_node *n);

/* switch: the first case whose constant equals the value (a regex case matches it), else
 * default; statements run from there on through the next cases until break */
__attribute__((noinline)) static int exec_switch(interp *I, aw_node *n)
{
    aw_val v = eval(I, n->a);
    aw_node *start = NULL, *dflt = NULL;
    for (aw_node *cs = n->b; cs && !start; cs = cs->next) {
        if (!cs->a) {
            dflt = cs;
            continue;
        }
        bool m;
        if (cs->a->type == N_REGEX) {
            aw_str *s = tostr(I, &v, NULL);
            m = match_str(I, const_regex(I, cs->a), s);
            sunref(I, s);
        } else if (cs->a->type == N_NUM) {
            aw_val c = vnum(cs->a->num);
            m = cmp_vals(I, &v, &c) == 0;
        } else {
            /* a string case compares as strings */
            aw_str *s = tostr(I, &v, NULL);
            m = cmp_str(s, cs->a->str) == 0;
            sunref(I, s);
        }
        if (m) start = cs;
    }
    vfree(I, &v);
    if (!start) start = dflt;
    for (aw_node *cs = start; cs; cs = cs->next) {
        int rc = exec_list(I, cs->b);
        if (rc == X_BREAK) return X_NORMAL;
        if (rc) return rc;
    }
    return X_NORMAL;
}

static int exec_list(interp *I, aw_node *n)
{
    for (; n; n = n->next) {
        int rc = exec(I, n);
        if (rc) return rc;
    }
    return X_NORMAL;
}

static int exec(interp *I, aw_node *n)
{
    I->line = n->line;
    I->src = n->src;
    switch (n->type) {
    case S_BLOCK: return exec_list(I, n->a);
    case S_EXPR: {
        aw_val v = eval(I, n->a);
        vfree(I, &v);
        return X_NORMAL;
    }
    case S_PRINT:
    case S_PRINTF: do_print(I, n); return X_NORMAL;
    case S_IF: {
        aw_val c = eval(I, n->a);
        bool t = truth(I, &c);
        vfree(I, &c);
        if (t) return exec(I, n->b);
        if (n->c) return exec(I, n->c);
        return X_NORMAL;
    }
    case S_WHILE:
        for (;;) {
            tick(I);
            aw_val c = eval(I, n->a);
            bool t = truth(I, &c);
            vfree(I, &c);
            if (!t) break;
            int rc = exec(I, n->b);
            if (rc == X_BREAK) break;
            if (rc == X_CONTINUE) continue;
            if (rc) return rc;
        }
        return X_NORMAL;
    case S_DO:
        for (;;) {
            tick(I);
            int rc = exec(I, n->b);
            if (rc == X_BREAK) break;
            if (rc && rc != X_CONTINUE) return rc;
            aw_val c = eval(I, n->a);
            bool t = truth(I, &c);
            vfree(I, &c);
            if (!t) break;
        }
        return X_NORMAL;
    case S_FOR:
        if (n->a) exec(I, n->a);
        for (;;) {
            tick(I);
            if (n->b) {
                aw_val c = eval(I, n->b);
                bool t = truth(I, &c);
                vfree(I, &c);
                if (!t) break;
            }
            int rc = exec(I, n->d);
            if (rc == X_BREAK) break;
            if (rc && rc != X_CONTINUE) return rc;
            if (n->c) exec(I, n->c);
        }
        return X_NORMAL;
    case S_FORIN: return exec_forin(I, n);
    case S_SWITCH: return exec_switch(I, n);
    case S_NEXT:
        if ((I->in_begin || I->in_end) && I->depth > 0)
            fatal(I, "`next' cannot be called from a `%s' rule", I->in_begin ? "BEGIN" : "END");
        return X_NEXT;
    case S_NEXTFILE: return X_NEXTFILE;
    case S_EXIT:
        if (n->a) {
            aw_val v = eval(I, n->a);
            I->exit_code = (int)(to_i64(tonum(I, &v)) & 0xff);
            vfree(I, &v);
        }
        return X_EXIT;
    case S_RETURN:
        vfree(I, &I->retval);
        if (n->a) {
            I->retval = eval(I, n->a);
        }
        return X_RETURN;
    case S_BREAK: return X_BREAK;
    case S_CONTINUE: return X_CONTINUE;
    case S_DELETE: {
        aw_array *a = get_array(I, n->a);
        aw_str *k = subscript(I, n->b);
        arr_delete(I, a, k->s, k->len);
        sunref(I, k);
        return X_NORMAL;
    }
    case S_DELALL: arr_clear(I, get_array(I, n->a)); return X_NORMAL;
    default: {
        aw_val v = eval(I, n);
        vfree(I, &v);
        return X_NORMAL;
    }
    }
}

/* run the BEGIN / END / BEGINFILE / ENDFILE rules of a kind */
static int run_special(interp *I, int kind)
{
    for (aw_rule *r = I->prog->rules; r; r = r->next) {
        if (r->kind != kind) continue;
        int rc = exec(I, r->action);
        if (rc == X_EXIT) return rc;
        if (rc == X_NEXTFILE && kind == P_BEGINFILE) {
            I->skip_file = true;
            return rc;
        }
    }
    return X_NORMAL;
}

static void run_rules(interp *I, int kind)
{
    int rc;
    jmp_buf jb, *saved = I->jb;
    aw_var *frame = I->frame;
    aw_func *fn = I->fn;
    int depth = I->depth;
    I->jb = &jb;
    if ((rc = setjmp(jb)) == 0) {
        rc = run_special(I, kind);
    } else {
        /* next/exit from inside functions: their frames were left behind */
        I->frame = frame;
        I->depth = depth;
        I->fn = fn;
    }
    I->jb = saved;
    if (rc == X_EXIT) {
        I->exiting = true;
        if (saved) longjmp(*saved, X_EXIT);
    }
}

/* the main rules for the current record */
static int run_main(interp *I)
{
    for (aw_rule *r = I->prog->rules; r; r = r->next) {
        if (r->kind != P_MAIN) continue;
        bool sel;
        if (!r->pat) {
            sel = true;
        } else if (r->pat2) {
            if (!r->in_range) {
                aw_val v = eval(I, r->pat);
                sel = truth(I, &v);
                vfree(I, &v);
                if (sel) {
                    aw_val w = eval(I, r->pat2);
                    r->in_range = !truth(I, &w);
                    vfree(I, &w);
                }
            } else {
                sel = true;
                aw_val w = eval(I, r->pat2);
                if (truth(I, &w)) r->in_range = false;
                vfree(I, &w);
            }
        } else {
            I->line = r->pat->line;
            aw_val v = eval(I, r->pat);
            sel = truth(I, &v);
            vfree(I, &v);
        }
        if (!sel) continue;
        if (!r->action) {
            rebuild_record(I);
            aw_str *s = tostr(I, &I->rec, NULL);
            vl_write(I->c, s->s, s->len);
            vl_write(I->c, I->ors->s, I->ors->len);
            sunref(I, s);
            continue;
        }
        int rc = exec(I, r->action);
        if (rc == X_NEXT) return X_NORMAL;
        if (rc == X_NEXTFILE || rc == X_EXIT) return rc;
    }
    return X_NORMAL;
}

static void main_loop(interp *I)
{
    jmp_buf jb;
    volatile int rc;
    I->jb = &jb;
    rc = setjmp(jb);
    I->frame = NULL;
    I->fn = NULL;
    I->depth = 0;
    if (rc == X_EXIT || I->exiting) {
        I->exiting = true;
        return;
    }
    if (rc == X_NEXTFILE) end_file(I);
    for (;;) {
        aw_str *s = next_main(I);
        if (!s) break;
        set_record(I, s);
        tick(I);
        int r = run_main(I);
        if (r == X_EXIT) {
            I->exiting = true;
            return;
        }
        if (r == X_NEXTFILE) end_file(I);
    }
}

static void init_var_str(interp *I, int idx, const char *s)
{
    aw_var *v = &I->g[idx];
    v->kind = VK_SCALAR;
    v->v = vstr(snew(I, s, strlen(s)));
}

int aw_run(vl_ctx *c, aw_prog *prog, const aw_src *srcs, int nsrc, int argc, char **argv,
           char **assigns, int nassign)
{
    interp *I = vl_xcalloc(c, 1, sizeof *I);
    I->c = c;
    I->prog = prog;
    I->srcnames = vl_xcalloc(c, (size_t)nsrc + 1, sizeof *I->srcnames);
    for (int k = 0; k < nsrc; k++) I->srcnames[k] = srcs[k].name;
    /* -v and operand assignments may name new globals: their slots exist before g is made
     * (ARGV changed at run time can still add some: cmdline_assign grows g) */
    for (int i = 0; i < nassign; i++) {
        const char *eq = strchr(assigns[i], '=');
        char name[256];
        size_t n = (size_t)(eq - assigns[i]) < 255 ? (size_t)(eq - assigns[i]) : 255;
        memcpy(name, assigns[i], n);
        name[n] = 0;
        aw_global(c, prog, name);
    }
    for (int i = 0; i < argc; i++)
        if (is_assignment(argv[i])) {
            const char *eq = strchr(argv[i], '=');
            char name[256];
            size_t n = (size_t)(eq - argv[i]) < 255 ? (size_t)(eq - argv[i]) : 255;
            memcpy(name, argv[i], n);
            name[n] = 0;
            aw_global(c, prog, name);
        }
    I->ng = prog->nglobals;
    I->g = vl_xcalloc(c, (size_t)I->ng + 1, sizeof *I->g);
    vl_defer(c, free_regexes, I);
    vl_defer(c, close_all_quiet, I);
    vl_defer(c, inplace_abort, I);
    init_var_str(I, V_FS, " ");
    init_var_str(I, V_OFS, " ");
    init_var_str(I, V_ORS, "\n");
    init_var_str(I, V_RS, "\n");
    init_var_str(I, V_SUBSEP, "\034");
    init_var_str(I, V_CONVFMT, "%.6g");
    init_var_str(I, V_OFMT, "%.6g");
    init_var_str(I, V_FILENAME, "");
    init_var_str(I, V_FIELDWIDTHS, "");
    init_var_str(I, V_FPAT, "[^[:space:]]+");
    init_var_str(I, V_RT, "");
    init_var_str(I, V_TEXTDOMAIN, "messages");
    init_var_str(I, V_ERRNO, "");
    set_counter(I, V_NF, 0);
    set_counter(I, V_NR, 0);
    set_counter(I, V_FNR, 0);
    set_counter(I, V_RSTART, 0);
    set_counter(I, V_RLENGTH, -1);
    set_counter(I, V_IGNORECASE, 0);
    set_counter(I, V_BINMODE, 0);
    set_counter(I, V_LINT, 0);
    I->ofs = snew(I, " ", 1);
    I->ors = snew(I, "\n", 1);
    I->subsep = snew(I, "\034", 1);
    I->convfmt = snew(I, "%.6g", 4);
    I->ofmt = snew(I, "%.6g", 4);
    I->fs_mode = FS_SPACE;
    I->rs_mode = RS_CHAR;
    I->rs_char = '\n';
    rand_seed(I, 1);
    I->seed = 1;
    /* ENVIRON, ARGV, ARGC, PROCINFO */
    aw_var *env = &I->g[V_ENVIRON];
    env->kind = VK_ARRAY;
    env->arr = arr_new(I);
    for (char *const *e = vk_environ(c->p); e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        aw_str *k = snew(I, *e, (size_t)(eq - *e));
        aw_elem *el = arr_get(I, env->arr, k);
        sunref(I, k);
        vfree(I, &el->v);
        el->v = vinput(snew(I, eq + 1, strlen(eq + 1)));
    }
    aw_var *av = &I->g[V_ARGV];
    av->kind = VK_ARRAY;
    av->arr = arr_new(I);
    arr_set_num(I, av->arr, 0, vstr(snew(I, c->name, strlen(c->name))));
    for (int i = 0; i < argc; i++) arr_set_num(I, av->arr, i + 1, vinput(snew(I, argv[i], strlen(argv[i]))));
    set_counter(I, V_ARGC, argc + 1);
    aw_var *pi = &I->g[V_PROCINFO];
    pi->kind = VK_ARRAY;
    pi->arr = arr_new(I);
    arr_set_str(I, pi->arr, "version", vstr(snew(I, "5.2.1", 5)));
    arr_set_str(I, pi->arr, "pid", vnum(vk_getpid(c->p)));
    arr_set_str(I, pi->arr, "ppid", vnum(vk_getppid(c->p)));
    arr_set_str(I, pi->arr, "uid", vnum(vk_getuid(c->p)));
    arr_set_str(I, pi->arr, "gid", vnum(vk_getgid(c->p)));
    arr_set_str(I, pi->arr, "euid", vnum(vk_getuid(c->p)));
    arr_set_str(I, pi->arr, "egid", vnum(vk_getgid(c->p)));
    arr_set_str(I, pi->arr, "FS", vstr(snew(I, "FS", 2)));
    arr_set_str(I, pi->arr, "strftime", vstr(snew(I, "%a %b %e %H:%M:%S %Z %Y", 23)));
    I->argi = 1;
    for (int i = 0; i < nassign; i++) cmdline_assign(I, assigns[i]);

    /* BEGIN */
    I->in_begin = true;
    run_rules(I, P_BEGIN);
    I->in_begin = false;
    if (!I->exiting && (prog->has_main || prog->has_end || prog->has_beginfile || prog->has_endfile))
        main_loop(I);
    I->jb = NULL;
    if (prog->has_end && !I->in_end) {
        /* exit in BEGIN or a main rule still runs END; exit in END stops */
        I->in_end = true;
        I->exiting = false;
        if (I->main_in) {
            /* leaving the input early: the ENDFILE rules are not run (gawk) */
            inplace_end(I);
            reader_free(I, I->main_in);
            I->main_in = NULL;
        }
        run_rules(I, P_END);
    }
    inplace_end(I);
    close_all(I);
    int code = I->exit_code;
    return code;
}
