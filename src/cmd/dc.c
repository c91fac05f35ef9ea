/* dc: the reverse-polish desk calculator, GNU dc 1.4.1 compatible, on bc's number library
 * (bc_num.c). Macros run from a stack of input frames, not C recursion; a macro whose last
 * command executes another one is replaced by it (GNU's tail call), so register loops run in
 * constant space; every command counts a step. Not here: '!' (running a shell command). */
#include "cmd/bc.h"
#include "lib/enc.h"

#include <stdlib.h>
#include <string.h>

static const vl_opt dc_opts[] = {
    {'e', "expression", VL_ARG, "SCRIPT", "evaluate expression"},
    {'f', "file", VL_ARG, "FILE", "evaluate contents of file"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct dstr {
    int refs;
    size_t len;
    char s[];
} dstr;

typedef struct dv {
    bn *n;   /* a number, or */
    dstr *s; /* a string */
} dv;

typedef struct dstack {
    dv *v;
    size_t n, cap;
} dstack;

typedef struct reg {
    dstack st;
    dv *arr;
    size_t narr;
} reg;

typedef struct frame {
    const char *p, *end;
    dstr *hold;
} frame;

#define MAX_DEPTH 100000

typedef struct dcs {
    vl_ctx *c;
    dstack st;
    reg regs[256];
    frame *fr;
    size_t nfr, capfr;
    int ibase, obase, scale;
    int out_col, line_size;
    bool quit;
    int quit_status;
    bool stdin_prog; /* the program being run is standard input */
    vl_in *in; /* stdin, for ? */
} dcs;

static void out_ch(void *arg, int ch)
{
    dcs *d = arg;
    if (ch == '\n') {
        d->out_col = 0;
        vl_putc(d->c, '\n');
        return;
    }
    d->out_col++;
    if (d->out_col == d->line_size && d->line_size != 0) {
        vl_putc(d->c, '\\');
        vl_putc(d->c, '\n');
        d->out_col = 1;
    }
    vl_putc(d->c, ch);
}

static void err(dcs *d, const char *msg) { vl_eprintf(d->c, "dc: %s\n", msg); }

static dstr *str_new(dcs *d, const char *s, size_t n)
{
    dstr *x = vl_xmalloc(d->c, sizeof *x + n + 1);
    x->refs = 1;
    x->len = n;
    memcpy(x->s, s, n);
    x->s[n] = 0;
    return x;
}

static void dv_free(dcs *d, dv v)
{
    if (v.n) bn_unref(d->c, v.n);
    if (v.s && --v.s->refs == 0) vl_xfree(d->c, v.s);
}

static dv dv_ref(dv v)
{
    if (v.n) bn_ref(v.n);
    if (v.s) v.s->refs++;
    return v;
}

static void spush(dcs *d, dstack *s, dv v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = vl_xrealloc(d->c, s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = v;
}

static void push_num(dcs *d, bn *n) { spush(d, &d->st, (dv){n, NULL}); }

/* need k values on the stack, else "stack empty" */
static bool need(dcs *d, size_t k)
{
    if (d->st.n >= k) return true;
    err(d, "stack empty");
    return false;
}

static dv pop(dcs *d) { return d->st.v[--d->st.n]; }

static void print_val(dcs *d, dv v, bool nl)
{
    if (v.s) {
        for (size_t i = 0; i < v.s->len; i++) vl_putc(d->c, v.s->s[i]);
        d->out_col = 0;
    } else {
        bn_print(d->c, v.n, d->obase, out_ch, d);
    }
    if (nl) out_ch(d, '\n');
}

static void push_frame(dcs *d, dstr *s)
{
    /* tail call: the current macro has nothing left, replace it */
    if (d->nfr > 1 && d->fr[d->nfr - 1].p >= d->fr[d->nfr - 1].end) {
        frame *f = &d->fr[d->nfr - 1];
        if (f->hold && --f->hold->refs == 0) vl_xfree(d->c, f->hold);
        d->nfr--;
    }
    if (d->nfr >= MAX_DEPTH) {
        err(d, "macro nesting too deep");
        return;
    }
    if (d->nfr == d->capfr) {
        d->capfr = d->capfr ? d->capfr * 2 : 16;
        d->fr = vl_xrealloc(d->c, d->fr, d->capfr * sizeof *d->fr);
    }
    s->refs++;
    d->fr[d->nfr++] = (frame){s->s, s->s + s->len, s};
}

static void pop_frame(dcs *d)
{
    frame *f = &d->fr[--d->nfr];
    if (f->hold && --f->hold->refs == 0) vl_xfree(d->c, f->hold);
}

static bn *read_num(dcs *d, const char **pp, const char *end)
{
    const char *p = *pp;
    bool neg = false;
    if (p < end && *p == '_') neg = true, p++;
    if (d->ibase == 10) { /* the common case: digits copied as they are */
        signed char buf[256];
        int n = 0;
        bool dot = false;
        const char *q = p;
        while (q < end && n < (int)sizeof buf &&
               ((*q >= '0' && *q <= '9') || (*q == '.' && !dot))) {
            if (*q == '.') dot = true;
            buf[n++] = (signed char)(*q == '.' ? -1 : *q - '0');
            q++;
        }
        bool more = q < end && ((*q >= 'A' && *q <= 'F') || (*q >= '0' && *q <= '9') || (*q == '.' && !dot));
        if (n > 0 && !more) {
            *pp = q;
            return bn_from_digits(d->c, buf, n, 10, neg);
        }
    }
    bn *base = bn_from_long(d->c, d->ibase);
    bn *r = bn_zero(d->c);
    while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F'))) {
        int v = *p <= '9' ? *p - '0' : *p - 'A' + 10;
        bn *t = bn_mul(d->c, r, base, 0);
        bn *dv_ = bn_from_long(d->c, v);
        bn_unref(d->c, r);
        r = bn_add(d->c, t, dv_, 0);
        bn_unref(d->c, t);
        bn_unref(d->c, dv_);
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        bn *f = bn_zero(d->c), *div = bn_one(d->c);
        int digits = 0;
        while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F'))) {
            int v = *p <= '9' ? *p - '0' : *p - 'A' + 10;
            bn *t = bn_mul(d->c, f, base, 0);
            bn *dv_ = bn_from_long(d->c, v);
            bn_unref(d->c, f);
            f = bn_add(d->c, t, dv_, 0);
            bn_unref(d->c, t);
            bn_unref(d->c, dv_);
            t = bn_mul(d->c, div, base, 0);
            bn_unref(d->c, div);
            div = t;
            digits++;
            p++;
        }
        bn *q = bn_div(d->c, f, div, digits);
        bn *t = bn_add(d->c, r, q, 0);
        bn_unref(d->c, r);
        bn_unref(d->c, q);
        bn_unref(d->c, f);
        bn_unref(d->c, div);
        r = t;
    }
    bn_unref(d->c, base);
    if (neg) {
        bn *z = bn_zero(d->c);
        bn *t = bn_sub(d->c, z, r, 0);
        bn_unref(d->c, z);
        bn_unref(d->c, r);
        r = t;
    }
    *pp = p;
    return r;
}

static void binop(dcs *d, int op)
{
    if (!need(d, 2)) return;
    dv b = pop(d), a = pop(d);
    if (a.s || b.s) {
        err(d, "non-numeric value");
        spush(d, &d->st, a);
        spush(d, &d->st, b);
        return;
    }
    bn *r = NULL, *r2 = NULL;
    const char *e = NULL;
    switch (op) {
    case '+': r = bn_add(d->c, a.n, b.n, 0); break;
    case '-': r = bn_sub(d->c, a.n, b.n, 0); break;
    case '*': r = bn_mul(d->c, a.n, b.n, d->scale); break;
    case '/':
        r = bn_div(d->c, a.n, b.n, d->scale);
        if (!r) e = "divide by zero";
        break;
    case '%':
        r = bn_mod(d->c, a.n, b.n, d->scale);
        if (!r) e = "remainder by zero";
        break;
    case '~':
        if (!bn_divmod(d->c, a.n, b.n, d->scale, &r, &r2)) e = "divide by zero";
        break;
    case '^': {
        bool warn = false;
        if (b.n->scale) vl_eprintf(d->c, "Runtime warning: non-zero scale in exponent\n");
        r = bn_raise(d->c, a.n, b.n, d->scale, &warn, &e);
        if (e && strcmp(e, "divide by zero") == 0) { /* 0^-n: GNU dc gives 0, silently */
            e = NULL;
            r = bn_zero(d->c);
        }
        break;
    }
    }
    if (e) {
        err(d, e);
        spush(d, &d->st, a);
        spush(d, &d->st, b);
        return;
    }
    dv_free(d, a);
    dv_free(d, b);
    push_num(d, r);
    if (r2) push_num(d, r2);
}

static long pop_long(dcs *d, bool *ok, bool *isnum)
{
    dv v = pop(d);
    *isnum = v.n != NULL;
    long r = v.n ? bn_to_long(v.n, ok) : 0;
    if (!v.n) *ok = false;
    dv_free(d, v);
    return r;
}

static void exec_val(dcs *d, dv v)
{
    if (v.s) push_frame(d, v.s);
    dv_free(d, v);
}

static void run(dcs *d, dstr *prog)
{
    vl_ctx *c = d->c;
    d->nfr = 0;
    push_frame(d, prog);
    size_t base = d->nfr;
    uint64_t steps = 0;
    while (d->nfr >= base && !d->quit) {
        frame *f = &d->fr[d->nfr - 1];
        if (f->p >= f->end) {
            pop_frame(d);
            continue;
        }
        if (++steps >= 256) {
            bn_work(c, steps * 256);
            steps = 0;
        }
        int ch = (unsigned char)*f->p++;
        switch (ch) {
        case ' ': case '\t': case '\n': /* GNU: \r \f \v are unimplemented commands */
            break;
        case '_': case '.':
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        case '8': case '9': case 'A': case 'B': case 'C': case 'D': case 'E': case 'F':
            f->p--;
            push_num(d, read_num(d, &f->p, f->end));
            break;
        case '[': {
            const char *s = f->p;
            int depth = 1;
            while (f->p < f->end) {
                if (*f->p == '[') depth++;
                else if (*f->p == ']' && --depth == 0) break;
                f->p++;
            }
            spush(d, &d->st, (dv){NULL, str_new(d, s, (size_t)(f->p - s))});
            if (f->p < f->end) f->p++;
            break;
        }
        case '#':
            while (f->p < f->end && *f->p != '\n') f->p++;
            break;
        case 'p':
            if (need(d, 1)) print_val(d, d->st.v[d->st.n - 1], true);
            break;
        case 'n':
            if (need(d, 1)) {
                dv v = pop(d);
                print_val(d, v, false);
                dv_free(d, v);
            }
            break;
        case 'f':
            for (size_t i = d->st.n; i-- > 0;) print_val(d, d->st.v[i], true);
            break;
        case 'P':
            if (need(d, 1)) {
                dv v = pop(d);
                if (v.s) print_val(d, v, false);
                else {
                    /* the integer part as bytes, base 256 */
                    bn *one = bn_one(c), *b256 = bn_from_long(c, 256);
                    bn *x = bn_div(c, v.n, one, 0);
                    x->neg = false;
                    vl_buf bytes = {0};
                    while (!bn_is_zero(x)) {
                        bn *q, *r;
                        bn_divmod(c, x, b256, 0, &q, &r);
                        bool ok;
                        vl_buf_addc(c, &bytes, (int)bn_to_long(r, &ok));
                        bn_unref(c, r);
                        bn_unref(c, x);
                        x = q;
                    }
                    for (size_t i = bytes.len; i-- > 0;) vl_putc(c, bytes.data[i]);
                    vl_buf_free(c, &bytes);
                    bn_unref(c, x);
                    bn_unref(c, one);
                    bn_unref(c, b256);
                }
                dv_free(d, v);
            }
            break;
        case '+': case '-': case '*': case '/': case '%': case '~': case '^':
            binop(d, ch);
            break;
        case '|':
            if (need(d, 3)) {
                dv m = pop(d), e = pop(d), a = pop(d);
                const char *er = NULL;
                bn *r = NULL;
                if (a.s || e.s || m.s) er = "non-numeric value";
                else r = bn_modexp(c, a.n, e.n, m.n, d->scale, &er);
                if (er) {
                    err(d, strcmp(er, "Divide by zero") == 0 ? "remainder by zero" : er);
                    spush(d, &d->st, a);
                    spush(d, &d->st, e);
                    spush(d, &d->st, m);
                } else {
                    dv_free(d, a);
                    dv_free(d, e);
                    dv_free(d, m);
                    push_num(d, r);
                }
            }
            break;
        case 'v':
            if (need(d, 1)) {
                dv v = pop(d);
                if (v.s) {
                    err(d, "square root of nonnumeric attempted");
                    spush(d, &d->st, v);
                    break;
                }
                bn *r = bn_sqrt(c, v.n, d->scale);
                if (!r) err(d, "square root of negative number");
                else push_num(d, r);
                dv_free(d, v);
            }
            break;
        case 'c':
            while (d->st.n) dv_free(d, pop(d));
            break;
        case 'd':
            if (need(d, 1)) spush(d, &d->st, dv_ref(d->st.v[d->st.n - 1]));
            break;
        case 'r':
            if (d->st.n < 2) break; /* GNU: no message, nothing changes */
            {
                dv t = d->st.v[d->st.n - 1];
                d->st.v[d->st.n - 1] = d->st.v[d->st.n - 2];
                d->st.v[d->st.n - 2] = t;
            }
            break;
        case 'R':
            if (need(d, 1)) {
                bool ok, isnum;
                long n = pop_long(d, &ok, &isnum);
                long an = n < 0 ? -n : n;
                if (!ok || an <= 1 || (size_t)an > d->st.n) break;
                dv *v = d->st.v + d->st.n - an;
                if (n > 0) { /* the n-th from the top comes to the top */
                    dv t = v[0];
                    memmove(v, v + 1, (size_t)(an - 1) * sizeof *v);
                    v[an - 1] = t;
                } else { /* the top goes down to the n-th place */
                    dv t = v[an - 1];
                    memmove(v + 1, v, (size_t)(an - 1) * sizeof *v);
                    v[0] = t;
                }
            }
            break;
        case 's': case 'S': case 'l': case 'L': case ':': case ';':
        case '<': case '>': case '=': {
            if (f->p >= f->end) {
                err(d, "stack empty");
                break;
            }
            int r = (unsigned char)*f->p++;
            reg *g = &d->regs[r];
            if (ch == 's') {
                if (!need(d, 1)) break;
                if (g->st.n) dv_free(d, g->st.v[--g->st.n]);
                spush(d, &g->st, pop(d));
            } else if (ch == 'S') {
                if (need(d, 1)) spush(d, &g->st, pop(d));
            } else if (ch == 'l') {
                if (g->st.n) spush(d, &d->st, dv_ref(g->st.v[g->st.n - 1]));
                else push_num(d, bn_zero(c));
            } else if (ch == 'L') {
                if (!g->st.n) {
                    vl_eprintf(c, "dc: stack register '%c' (0%o) is empty\n", r, r);
                    break;
                }
                spush(d, &d->st, g->st.v[--g->st.n]);
            } else if (ch == ':') {
                if (!need(d, 2)) break;
                bool ok, isnum;
                long ix = pop_long(d, &ok, &isnum);
                dv v = pop(d);
                if (!ok || ix < 0 || ix > 2048 * 1024) {
                    err(d, "array index must be a nonnegative integer");
                    dv_free(d, v);
                    break;
                }
                if ((size_t)ix >= g->narr) {
                    size_t nn = (size_t)ix + 16;
                    g->arr = vl_xrealloc(c, g->arr, nn * sizeof *g->arr);
                    memset(g->arr + g->narr, 0, (nn - g->narr) * sizeof *g->arr);
                    g->narr = nn;
                }
                dv_free(d, g->arr[ix]);
                g->arr[ix] = v;
            } else if (ch == ';') {
                if (!need(d, 1)) break;
                bool ok, isnum;
                long ix = pop_long(d, &ok, &isnum);
                if (!ok || ix < 0) {
                    err(d, "array index must be a nonnegative integer");
                    break;
                }
                if ((size_t)ix < g->narr && (g->arr[ix].n || g->arr[ix].s))
                    spush(d, &d->st, dv_ref(g->arr[ix]));
                else push_num(d, bn_zero(c));
            } else { /* < > = */
                if (!need(d, 2)) break;
                dv a = pop(d), b = pop(d);
                bool run_it = false;
                if (a.s || b.s) err(d, "non-numeric value");
                else {
                    int cmp = bn_cmp(a.n, b.n);
                    run_it = ch == '<' ? cmp < 0 : ch == '>' ? cmp > 0 : cmp == 0;
                }
                dv_free(d, a);
                dv_free(d, b);
                if (run_it && g->st.n) exec_val(d, dv_ref(g->st.v[g->st.n - 1]));
            }
            break;
        }
        case '!': {
            if (f->p >= f->end) break;
            int op = (unsigned char)*f->p;
            if (op != '<' && op != '>' && op != '=') {
                /* a shell command: not available in the VM */
                while (f->p < f->end && *f->p != '\n') f->p++;
                err(d, "running commands ('!') is not supported");
                break;
            }
            f->p++;
            if (f->p >= f->end) break;
            int r = (unsigned char)*f->p++;
            if (!need(d, 2)) break;
            dv a = pop(d), b = pop(d);
            bool run_it = false;
            if (a.s || b.s) err(d, "non-numeric value");
            else {
                int cmp = bn_cmp(a.n, b.n);
                run_it = op == '<' ? cmp >= 0 : op == '>' ? cmp <= 0 : cmp != 0;
            }
            dv_free(d, a);
            dv_free(d, b);
            reg *g = &d->regs[r];
            if (run_it && g->st.n) exec_val(d, dv_ref(g->st.v[g->st.n - 1]));
            break;
        }
        case 'x':
            if (need(d, 1)) {
                dv v = pop(d);
                if (v.s) exec_val(d, v);
                else spush(d, &d->st, v);
            }
            break;
        case 'i': case 'o': case 'k':
            if (need(d, 1)) {
                bool ok, isnum;
                long v = pop_long(d, &ok, &isnum);
                if (ch == 'i') {
                    if (!ok || v < 2 || v > 16)
                        err(d, "input base must be a number between 2 and 16 (inclusive)");
                    else d->ibase = (int)v;
                } else if (ch == 'o') {
                    if (!ok || v < 2) err(d, "output base must be a number greater than 1");
                    else d->obase = (int)(v > 2147483647 ? 2147483647 : v);
                } else {
                    if (!ok || v < 0) err(d, "scale must be a nonnegative number");
                    else d->scale = (int)(v > 2147483647 ? 2147483647 : v);
                }
            }
            break;
        case 'I': push_num(d, bn_from_long(c, d->ibase)); break;
        case 'O': push_num(d, bn_from_long(c, d->obase)); break;
        case 'K': push_num(d, bn_from_long(c, d->scale)); break;
        case 'z': push_num(d, bn_from_long(c, (long)d->st.n)); break;
        case 'Z':
        case 'X':
            if (need(d, 1)) {
                dv v = pop(d);
                long r;
                if (ch == 'X') r = v.n ? v.n->scale : 0;
                else if (v.s) r = (long)v.s->len;
                else {
                    r = v.n->len + v.n->scale;
                    if (v.n->d[0] == 0 && r > 1) r--;
                }
                dv_free(d, v);
                push_num(d, bn_from_long(c, r));
            }
            break;
        case 'a':
            if (need(d, 1)) {
                dv v = pop(d);
                char ch1 = 0;
                size_t n1 = 1;
                if (v.s) {
                    n1 = v.s->len ? 1 : 0;
                    ch1 = n1 ? v.s->s[0] : 0;
                } else {
                    bn *one = bn_one(c), *b256 = bn_from_long(c, 256);
                    bn *x = bn_div(c, v.n, one, 0);
                    bn *r = bn_mod(c, x, b256, 0);
                    bool ok;
                    long l = bn_to_long(r, &ok);
                    ch1 = (char)(l < 0 ? -l : l);
                    bn_unref(c, one);
                    bn_unref(c, b256);
                    bn_unref(c, x);
                    bn_unref(c, r);
                }
                dv_free(d, v);
                spush(d, &d->st, (dv){NULL, str_new(d, &ch1, n1)});
            }
            break;
        case '?': {
            if (d->stdin_prog) {
                /* the program is standard input: GNU reads the rest of its current line */
                frame *b0 = &d->fr[base - 1];
                const char *s0 = b0->p, *e0 = s0;
                while (e0 < b0->end && *e0 != '\n') e0++;
                if (e0 < b0->end) e0++;
                b0->p = e0;
                if (e0 > s0) {
                    dstr *s = str_new(d, s0, (size_t)(e0 - s0));
                    push_frame(d, s);
                    if (--s->refs == 0) vl_xfree(c, s);
                }
                break;
            }
            if (!d->in) d->in = vl_in_fd(c, 0, "-");
            char *line;
            ssize_t n = vl_in_getdelim(c, d->in, '\n', &line);
            if (n > 0) {
                dstr *s = str_new(d, line, (size_t)n);
                push_frame(d, s);
                if (--s->refs == 0) vl_xfree(c, s);
            }
            break;
        }
        case 'q':
            if (d->nfr - base <= 1) {
                d->quit = true;
                d->quit_status = 1;
            } else {
                pop_frame(d);
                pop_frame(d);
            }
            break;
        case 'Q':
            if (need(d, 1)) {
                bool ok, isnum;
                long n = pop_long(d, &ok, &isnum);
                if (!ok || n < 0) {
                    err(d, "Q command requires a number >= 1");
                    break;
                }
                if ((size_t)n > d->nfr - base) {
                    err(d, "Q command argument exceeded string execution depth");
                    break;
                }
                /* GNU dc 1.4.1 leaves no level for 1Q (observed) */
                if (n >= 2)
                    while (n-- > 0) pop_frame(d);
            }
            break;
        default:
            /* GNU writes the "dc: " on stderr and the rest on stdout */
            vl_eprintf(c, "dc: ");
            if (ch >= 0x20 && ch < 0x7f) vl_printf(c, "'%c' (0%o) unimplemented\n", ch, ch);
            else vl_printf(c, "0%o unimplemented\n", ch);
            break;
        }
    }
    while (d->nfr) pop_frame(d);
}

static void run_text(dcs *d, const char *s, size_t n)
{
    dstr *p = str_new(d, s, n);
    run(d, p);
    if (--p->refs == 0) vl_xfree(d->c, p);
}

/* Run a program from in as it comes: whole lines, gathered until no string ('[...]') is left
 * open and no register name is still due, run one group at a time (the stacks and registers
 * carry over), so input of any size streams. */
static void run_stream(dcs *d, vl_in *in)
{
    vl_buf chunk = {0};
    int depth = 0;     /* '[' nesting: inside a string when > 0 */
    int want_reg = 0;  /* a register name comes next (after s l S L : ; < > = and !< !> !=) */
    bool bang = false; /* after '!', outside a string */
    char *line;
    ssize_t n;
    while (!d->quit && (n = vl_in_getdelim(d->c, in, '\n', &line)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            char ch = line[i];
            if (want_reg) {
                want_reg = 0;
                continue;
            }
            if (depth > 0) {
                if (ch == '[') depth++;
                else if (ch == ']') depth--;
                continue;
            }
            if (bang) {
                bang = false;
                if (ch == '<' || ch == '>' || ch == '=') {
                    want_reg = 1;
                    continue;
                }
            }
            if (ch == '[') depth++;
            else if (ch == '#') break; /* a comment to the end of the line */
            else if (strchr("sSlL:;<>=", ch)) want_reg = 1;
            else if (ch == '!') bang = true;
        }
        vl_buf_add(d->c, &chunk, line, (size_t)n);
        if (depth == 0 && !want_reg && !bang) {
            run_text(d, chunk.data, chunk.len);
            chunk.len = 0;
        }
    }
    if (chunk.len && !d->quit) run_text(d, chunk.data, chunk.len);
    vl_buf_free(d->c, &chunk);
}

static void dc_usage(vl_ctx *c, bool to_err)
{
    static const char u[] = "Usage: dc [OPTION] [file ...]\n"
                            "  -e, --expression=EXPR    evaluate expression\n"
                            "  -f, --file=FILE          evaluate contents of file\n"
                            "  -h, --help               display this help and exit\n"
                            "  -V, --version            output version information and exit\n"
                            "\n";
    /* GNU dc writes the usage of an error on stderr, but its last line on stdout */
    if (to_err) vl_eprintf(c, "%s", u);
    else vl_puts(c, u);
    vl_puts(c, "Email bug reports to:  bug-dc@gnu.org .\n");
}

/* GNU dc's options (getopt_long over "e:f:hV"), in order: each -e/-f is a job (kind 'e' or
 * 'f' in jobs[i].id), the operands move to argv[1..n]. */
static int dc_options(vl_ctx *c, int argc, char **argv, vl_optocc **jobs, int *njobs)
{
    static const char *const longs[] = {"expression", "file", "help", "version"};
    static const char shorts[] = "efhV";
    *jobs = vl_xcalloc(c, (size_t)argc + 1, sizeof **jobs);
    *njobs = 0;
    int n = 0;
    bool only_operands = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_operands || a[0] != '-' || a[1] == 0) {
            argv[++n] = a;
            continue;
        }
        if (a[1] == '-') {
            if (a[2] == 0) {
                only_operands = true;
                continue;
            }
            char *eq = strchr(a + 2, '=');
            size_t l = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            int found = -1, matches = 0;
            for (int k = 0; k < 4; k++) {
                if (strlen(longs[k]) == l && strncmp(longs[k], a + 2, l) == 0) {
                    found = k;
                    matches = 1;
                    break;
                }
                if (strncmp(longs[k], a + 2, l) == 0) found = k, matches++;
            }
            if (matches != 1) {
                vl_eprintf(c, matches ? "dc: option '%s' is ambiguous\n"
                                      : "dc: unrecognized option '%s'\n", a);
                dc_usage(c, true);
                vl_exit(c, 1);
            }
            int o = shorts[found];
            if (o == 'h') {
                dc_usage(c, false);
                vl_exit(c, 0);
            }
            if (o == 'V') goto version;
            const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                vl_eprintf(c, "dc: option '--%s' requires an argument\n", longs[found]);
                dc_usage(c, true);
                vl_exit(c, 1);
            }
            (*jobs)[(*njobs)++] = (vl_optocc){o, val};
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            if (!strchr(shorts, *q)) {
                vl_eprintf(c, "dc: invalid option -- '%c'\n", *q);
                dc_usage(c, true);
                vl_exit(c, 1);
            }
            if (*q == 'h') {
                dc_usage(c, false);
                vl_exit(c, 0);
            }
            if (*q == 'V') goto version;
            const char *val = q[1] ? q + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                vl_eprintf(c, "dc: option requires an argument -- '%c'\n", *q);
                dc_usage(c, true);
                vl_exit(c, 1);
            }
            (*jobs)[(*njobs)++] = (vl_optocc){*q, val};
            break;
        }
    }
    argv[n + 1] = NULL;
    return n;
version:
    vl_puts(c, "dc (GNU bc 1.07.1) 1.4.1\n\nCopyright 1994, 1997, 1998, 2000, 2001, 2003-2006, "
               "2008, 2010, 2012-2017 Free Software Foundation, Inc.\nThis is free software; see "
               "the source for copying conditions.  There is NO\nwarranty; not even for "
               "MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE,\nto the extent permitted "
               "by law.\n");
    vl_exit(c, 0);
}

static int dc_main(vl_ctx *c, int argc, char **argv)
{
    vl_optocc *jobs;
    int njobs;
    int n = dc_options(c, argc, argv, &jobs, &njobs);
    bn_init(c);
    dcs *d = vl_xcalloc(c, 1, sizeof *d);
    d->c = c;
    d->ibase = d->obase = 10;
    d->line_size = 70;
    const char *ll = vk_getenv(c->p, "DC_LINE_LENGTH");
    if (ll) {
        d->line_size = atoi(ll);
        if (d->line_size < 3 && d->line_size != 0) d->line_size = 70;
    }
    bool any = false;
    /* -e and -f in the order given */
    for (int i = 0; i < njobs && !d->quit; i++) {
        int kind = jobs[i].id;
        const char *val = jobs[i].arg;
        any = true;
        if (kind == 'e') run_text(d, val, strlen(val));
        else {
            int er;
            vl_in *in = vl_in_open_quiet(c, val, &er);
            if (!in) {
                vl_eprintf(c, "dc: Could not open file %s\n", val);
                continue;
            }
            run_stream(d, in);
            vl_in_close(c, in);
        }
    }
    for (int i = 1; i <= n && !d->quit; i++) {
        any = true;
        int er;
        vl_in *in = strcmp(argv[i], "-") == 0 ? vl_in_fd(c, 0, "-") : vl_in_open_quiet(c, argv[i], &er);
        if (!in) {
            vl_eprintf(c, "dc: Could not open file %s\n", argv[i]);
            continue;
        }
        run_stream(d, in);
        if (in->fd != 0) vl_in_close(c, in);
    }
    if (!any && !d->quit) {
        d->stdin_prog = true;
        d->in = vl_in_fd(c, 0, "-");
        run_stream(d, d->in);
    }
    return d->quit ? d->quit_status : 0;
}

VL_COMMAND(dc, dc_main, dc_opts, "[OPTION] [file ...]",
           "An arbitrary precision reverse-polish calculator.", VL_NO_OPTIONS, 1);
