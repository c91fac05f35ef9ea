/* join: GNU join: lines of two sorted files with equal join fields (-1 -2 -j), fields split
 * on blanks or -t, output as GNU builds it (-o lists, 0, auto, -e), unpairable lines with -a
 * and -v, -i, --header, -z, GNU's order checks and messages, and the obsolete -o and -j1/-j2
 * forms that take a following operand. Only the current group of equal keys is held. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

enum { OPT_CHECK = 256, OPT_NOCHECK, OPT_HEADER };
enum { CHECK_DEFAULT, CHECK_ENABLED, CHECK_DISABLED };
enum { MUST_BE_OPERAND, MIGHT_BE_J1_ARG, MIGHT_BE_J2_ARG, MIGHT_BE_O_ARG };
#define TAB_DEFAULT (-1)

typedef struct field {
    const char *beg;
    size_t len;
} field;

typedef struct jline {
    vl_buf buf;   /* the line without its delimiter */
    field *f;
    size_t nf, fcap;
    int refs;     /* held by a group, and/or as the file's previous line */
    struct jline *next_free;
} jline;

typedef struct seq {
    jline **l;
    size_t count, cap;
} seq;

typedef struct jfile {
    vl_in *in;
    const char *name;
    jline *prev;
    jline *pool;
    uint64_t line_no;
} jfile;

typedef struct outspec {
    int file; /* 0: the join field, 1, 2 */
    size_t field;
} outspec;

typedef struct joiner {
    vl_ctx *c;
    int tab;
    int eol;
    bool ignore_case, print_pairables, unpair[2], header, autoformat;
    int check;
    bool seen_unpairable, warned[2];
    size_t jf[2];
    size_t autocount[2];
    const char *empty;
    outspec *out;
    size_t nout, outcap;
    jfile f[2];
    jline blank; /* uni_blank: no fields */
    /* operands as GNU's add_file_name collects them */
    const char *names[2];
    int status[2];
    int nnames;
    int prev_status, cur_status;
    int jcount[2];
    uint64_t ticks;
} joiner;

/* ---- numbers and options ---- */

static size_t join_field_arg(joiner *j, const char *s)
{
    const char *q = s;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (*q == '+') q++;
    bool ok = *q >= '0' && *q <= '9';
    uint64_t v = 0;
    bool over = false;
    for (; *q >= '0' && *q <= '9'; q++) {
        unsigned d = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - d) / 10) over = true;
        else v = v * 10 + d;
    }
    if (*q) ok = false;
    if (ok && over) return SIZE_MAX - 1;
    if (!ok || v == 0) vl_die(j->c, 1, "invalid field number: %s", vl_quote_locale(j->c, s));
    return (size_t)v - 1;
}

static void set_join_field(joiner *j, size_t *var, size_t val)
{
    if (*var != SIZE_MAX && *var != val)
        vl_die(j->c, 1, "incompatible join fields %zu, %zu", *var + 1, val + 1);
    *var = val;
}

static void add_out(joiner *j, int file, size_t fieldno)
{
    if (j->nout == j->outcap) {
        j->outcap = j->outcap ? j->outcap * 2 : 8;
        j->out = vl_xrealloc(j->c, j->out, j->outcap * sizeof *j->out);
    }
    j->out[j->nout].file = file;
    j->out[j->nout].field = fieldno;
    j->nout++;
}

static void add_field_list(joiner *j, const char *str)
{
    vl_ctx *c = j->c;
    const char *p = str;
    for (;;) {
        size_t n = strcspn(p, ", \t");
        char *item = vl_xmalloc(c, n + 1);
        memcpy(item, p, n);
        item[n] = 0;
        switch (item[0]) {
        case '0':
            if (item[1]) vl_die(c, 1, "invalid field specifier: %s", vl_quote_locale(c, item));
            add_out(j, 0, 0);
            break;
        case '1':
        case '2':
            if (item[1] != '.')
                vl_die(c, 1, "invalid field specifier: %s", vl_quote_locale(c, item));
            add_out(j, item[0] - '0', join_field_arg(j, item + 2));
            break;
        default:
            vl_die(c, 1, "invalid file number in field spec: %s", vl_quote_locale(c, item));
        }
        vl_xfree(c, item);
        if (!p[n]) break;
        p += n + 1;
    }
}

/* An operand, in order; a third one may turn out to be the argument of an obsolete -o or
 * -j1/-j2 before it (GNU's add_file_name). */
static void add_file_name(joiner *j, const char *name)
{
    vl_ctx *c = j->c;
    int n = j->nnames;
    if (n == 2) {
        bool op0 = j->status[0] == MUST_BE_OPERAND;
        const char *arg = j->names[op0];
        switch (j->status[op0]) {
        case MUST_BE_OPERAND:
            vl_eprintf(c, "%s: extra operand %s\n", c->name, vl_quote_always(c, name));
            vl_try_help(c);
        case MIGHT_BE_J1_ARG:
            j->jcount[0]--;
            set_join_field(j, &j->jf[0], join_field_arg(j, arg));
            break;
        case MIGHT_BE_J2_ARG:
            j->jcount[1]--;
            set_join_field(j, &j->jf[1], join_field_arg(j, arg));
            break;
        case MIGHT_BE_O_ARG: add_field_list(j, arg); break;
        default: break;
        }
        if (!op0) {
            j->status[0] = j->status[1];
            j->names[0] = j->names[1];
        }
        n = 1;
    }
    j->status[n] = j->prev_status;
    j->names[n] = name;
    j->nnames = n + 1;
    if (j->prev_status == MIGHT_BE_O_ARG) j->cur_status = MIGHT_BE_O_ARG;
}

static void take_option(joiner *j, int id, const char *arg, bool attached)
{
    vl_ctx *c = j->c;
    switch (id) {
    case 'v':
        j->print_pairables = false;
        /* fall through */
    case 'a': {
        int64_t v;
        if (vl_parse_int(arg, &v, false) != 0 || (v != 1 && v != 2))
            vl_die(c, 1, "invalid field number: %s", vl_quote_locale(c, arg));
        j->unpair[v - 1] = true;
        break;
    }
    case 'e':
        if (j->empty && strcmp(j->empty, arg) != 0)
            vl_die(c, 1, "conflicting empty-field replacement strings");
        j->empty = arg;
        break;
    case 'i': j->ignore_case = true; break;
    case '1': set_join_field(j, &j->jf[0], join_field_arg(j, arg)); break;
    case '2': set_join_field(j, &j->jf[1], join_field_arg(j, arg)); break;
    case 'j':
        if ((arg[0] == '1' || arg[0] == '2') && !arg[1] && attached) {
            int k = arg[0] == '2';
            j->jcount[k]++;
            j->cur_status = MIGHT_BE_J1_ARG + k;
        } else {
            set_join_field(j, &j->jf[0], join_field_arg(j, arg));
            set_join_field(j, &j->jf[1], j->jf[0]);
        }
        break;
    case 'o':
        if (strcmp(arg, "auto") == 0) {
            j->autoformat = true;
        } else {
            add_field_list(j, arg);
            j->cur_status = MIGHT_BE_O_ARG;
        }
        break;
    case 't': {
        int t = (unsigned char)arg[0];
        if (!t) t = '\n'; /* '' makes the whole line the field */
        if (arg[0] && arg[1]) {
            if (strcmp(arg, "\\0") == 0) t = 0;
            else vl_die(c, 1, "multi-character tab %s", vl_quote_locale(c, arg));
        }
        if (j->tab != TAB_DEFAULT && j->tab != t) vl_die(c, 1, "incompatible tabs");
        j->tab = t;
        break;
    }
    case 'z': j->eol = 0; break;
    case OPT_CHECK: j->check = CHECK_ENABLED; break;
    case OPT_NOCHECK: j->check = CHECK_DISABLED; break;
    case OPT_HEADER: j->header = true; break;
    default: break;
    }
}

/* GNU getopt with operands returned in order: options and operands are taken as they come;
 * the walk stops at anything malformed (and vl_getopt then reports it as GNU does). Returns
 * false when it stopped early. */
static bool walk_args(joiner *j, const vl_opt *opts, int argc, char **argv)
{
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        j->cur_status = MUST_BE_OPERAND;
        if (opts_done || a[0] != '-' || a[1] == 0) {
            add_file_name(j, a);
            j->prev_status = j->cur_status;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts_done = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            if (!nl || strncmp("help", name, nl) == 0 || strncmp("version", name, nl) == 0)
                return false;
            const vl_opt *hit = NULL;
            int nhit = 0;
            for (const vl_opt *o = opts; o->id; o++) {
                if (!o->lng || strncmp(o->lng, name, nl) != 0) continue;
                if (strlen(o->lng) == nl) {
                    hit = o;
                    nhit = 1;
                    break;
                }
                hit = o;
                nhit++;
            }
            if (nhit != 1 || eq) return false; /* join's long options take no argument */
            take_option(j, hit->id, NULL, false);
            j->prev_status = j->cur_status;
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            const vl_opt *hit = NULL;
            for (const vl_opt *o = opts; o->id; o++)
                if (o->id == (unsigned char)*q) {
                    hit = o;
                    break;
                }
            if (!hit) return false;
            if (hit->arg == VL_NOARG) {
                take_option(j, hit->id, NULL, false);
                continue;
            }
            const char *arg = q[1] ? q + 1 : NULL;
            bool attached = arg != NULL;
            if (!arg) {
                if (i + 1 >= argc) return false;
                arg = argv[++i];
            }
            take_option(j, hit->id, arg, attached);
            break;
        }
        j->prev_status = j->cur_status;
    }
    return true;
}

/* ---- lines ---- */

static bool is_sep(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n';
}

static void add_fieldp(joiner *j, jline *l, const char *p, size_t n)
{
    if (l->nf == l->fcap) {
        l->fcap = l->fcap ? l->fcap * 2 : 8;
        l->f = vl_xrealloc(j->c, l->f, l->fcap * sizeof *l->f);
    }
    l->f[l->nf].beg = p;
    l->f[l->nf].len = n;
    l->nf++;
}

static void split_fields(joiner *j, jline *l)
{
    const char *p = l->buf.data, *lim = p + l->buf.len;
    l->nf = 0;
    if (p == lim) return;
    if (j->tab >= 0 && j->tab != '\n') {
        const char *sep;
        while ((sep = memchr(p, j->tab, (size_t)(lim - p)))) {
            add_fieldp(j, l, p, (size_t)(sep - p));
            p = sep + 1;
        }
    } else if (j->tab < 0) {
        while (is_sep((unsigned char)*p))
            if (++p == lim) return;
        do {
            const char *sep = p + 1;
            while (sep != lim && !is_sep((unsigned char)*sep)) sep++;
            add_fieldp(j, l, p, (size_t)(sep - p));
            if (sep == lim) return;
            for (p = sep + 1; p != lim && is_sep((unsigned char)*p); p++)
                ;
        } while (p != lim);
    }
    add_fieldp(j, l, p, (size_t)(lim - p));
}

static int upper(unsigned char ch)
{
    return ch >= 'a' && ch <= 'z' ? ch - 32 : ch;
}

static int keycmp(const joiner *j, const jline *a, const jline *b, size_t fa, size_t fb)
{
    const char *pa = NULL, *pb = NULL;
    size_t la = 0, lb = 0;
    if (fa < a->nf) pa = a->f[fa].beg, la = a->f[fa].len;
    if (fb < b->nf) pb = b->f[fb].beg, lb = b->f[fb].len;
    if (la == 0) return lb == 0 ? 0 : -1;
    if (lb == 0) return 1;
    size_t m = la < lb ? la : lb;
    int d = 0;
    if (j->ignore_case) {
        for (size_t i = 0; i < m && !d; i++)
            d = upper((unsigned char)pa[i]) - upper((unsigned char)pb[i]);
    } else {
        d = memcmp(pa, pb, m);
    }
    if (d) return d;
    return la < lb ? -1 : la != lb;
}

static void unref(jfile *f, jline *l)
{
    if (l && --l->refs == 0) {
        l->next_free = f->pool;
        f->pool = l;
    }
}

static void check_order(joiner *j, const jline *prev, const jline *cur, int which)
{
    if (j->check == CHECK_DISABLED) return;
    if (!(j->check == CHECK_ENABLED || j->seen_unpairable)) return;
    if (j->warned[which - 1]) return;
    size_t jf = j->jf[which - 1];
    if (keycmp(j, prev, cur, jf, jf) <= 0) return;
    vl_buf m = {0};
    vl_buf_printf(j->c, &m, "%s: %s:%llu: is not sorted: ", j->c->name, j->f[which - 1].name,
                  (unsigned long long)j->f[which - 1].line_no);
    /* the line as GNU prints it: up to a NUL */
    size_t n = strnlen(cur->buf.data, cur->buf.len);
    vl_buf_add(j->c, &m, cur->buf.data, n);
    vl_buf_addc(j->c, &m, '\n');
    vl_flush(j->c);
    vl_write_fd(j->c, 2, m.data, m.len);
    vl_buf_free(j->c, &m);
    if (j->check == CHECK_ENABLED) vl_exit(j->c, 1);
    j->warned[which - 1] = true;
}

/* The next line of file which (1 or 2), or NULL at the end. */
static jline *get_line(joiner *j, int which)
{
    jfile *f = &j->f[which - 1];
    char *line;
    ssize_t n = vl_in_getdelim(j->c, f->in, j->eol, &line);
    if (n < 0) vl_die(j->c, 1, "read error: %s", vl_strerror((int)n));
    if (n == 0) return NULL;
    jline *l = f->pool;
    if (l) f->pool = l->next_free;
    else l = vl_xcalloc(j->c, 1, sizeof *l);
    l->refs = 0;
    l->buf.len = 0;
    vl_buf_add(j->c, &l->buf, line, (size_t)n - (line[n - 1] == (char)j->eol));
    f->line_no++;
    split_fields(j, l);
    if (f->prev) check_order(j, f->prev, l, which);
    unref(f, f->prev);
    f->prev = l;
    l->refs++;
    j->ticks++;
    if ((j->ticks & 4095) == 0) {
        int rc = vk_steps(j->c->p, 64);
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(j->c->p);
            vl_exit(j->c, w ? VK_WSHELL(w) : 1);
        }
    }
    return l;
}

static bool getseq(joiner *j, seq *s, int which)
{
    jline *l = get_line(j, which);
    if (!l) return false;
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->l = vl_xrealloc(j->c, s->l, s->cap * sizeof *s->l);
    }
    l->refs++;
    s->l[s->count++] = l;
    return true;
}

static void seq_clear(joiner *j, seq *s, int which, size_t keep_last)
{
    jfile *f = &j->f[which - 1];
    size_t n = s->count;
    jline *last = keep_last && n ? s->l[n - 1] : NULL;
    for (size_t i = 0; i + (last ? 1 : 0) < n; i++) unref(f, s->l[i]);
    s->count = 0;
    if (last) s->l[s->count++] = last;
}

static bool advance_seq(joiner *j, seq *s, int which)
{
    seq_clear(j, s, which, 0);
    return getseq(j, s, which);
}

/* ---- output ---- */

static void prfield(joiner *j, size_t n, const jline *l)
{
    if (n < l->nf && l->f[n].len) vl_write(j->c, l->f[n].beg, l->f[n].len);
    else if (j->empty) vl_puts(j->c, j->empty);
}

static void prfields(joiner *j, const jline *l, size_t jf, size_t autocount)
{
    size_t nf = j->autoformat ? autocount : l->nf;
    int sep = j->tab < 0 ? ' ' : j->tab;
    for (size_t i = 0; i < jf && i < nf; i++) {
        vl_putc(j->c, sep);
        prfield(j, i, l);
    }
    for (size_t i = jf + 1; i < nf; i++) {
        vl_putc(j->c, sep);
        prfield(j, i, l);
    }
}

static void prjoin(joiner *j, const jline *l1, const jline *l2)
{
    int sep = j->tab < 0 ? ' ' : j->tab;
    if (j->nout) {
        for (size_t k = 0; k < j->nout; k++) {
            const outspec *o = &j->out[k];
            if (k) vl_putc(j->c, sep);
            if (o->file == 0) {
                if (l1 == &j->blank) prfield(j, j->jf[1], l2);
                else prfield(j, j->jf[0], l1);
            } else {
                prfield(j, o->field, o->file == 1 ? l1 : l2);
            }
        }
    } else {
        if (l1 == &j->blank) prfield(j, j->jf[1], l2);
        else prfield(j, j->jf[0], l1);
        prfields(j, l1, j->jf[0], j->autocount[0]);
        prfields(j, l2, j->jf[1], j->autocount[1]);
    }
    vl_putc(j->c, j->eol);
}

static void do_join(joiner *j)
{
    seq s1 = {0}, s2 = {0};
    getseq(j, &s1, 1);
    getseq(j, &s2, 2);
    if (j->autoformat) {
        j->autocount[0] = s1.count ? s1.l[0]->nf : 0;
        j->autocount[1] = s2.count ? s2.l[0]->nf : 0;
    }
    if (j->header && (s1.count || s2.count)) {
        prjoin(j, s1.count ? s1.l[0] : &j->blank, s2.count ? s2.l[0] : &j->blank);
        unref(&j->f[0], j->f[0].prev);
        unref(&j->f[1], j->f[1].prev);
        j->f[0].prev = j->f[1].prev = NULL;
        if (s1.count) advance_seq(j, &s1, 1);
        if (s2.count) advance_seq(j, &s2, 2);
    }
    while (s1.count && s2.count) {
        int diff = keycmp(j, s1.l[0], s2.l[0], j->jf[0], j->jf[1]);
        if (diff < 0) {
            if (j->unpair[0]) prjoin(j, s1.l[0], &j->blank);
            advance_seq(j, &s1, 1);
            j->seen_unpairable = true;
            continue;
        }
        if (diff > 0) {
            if (j->unpair[1]) prjoin(j, &j->blank, s2.l[0]);
            advance_seq(j, &s2, 2);
            j->seen_unpairable = true;
            continue;
        }
        bool eof1 = false, eof2 = false;
        for (;;) {
            if (!getseq(j, &s1, 1)) {
                eof1 = true;
                break;
            }
            if (keycmp(j, s1.l[s1.count - 1], s2.l[0], j->jf[0], j->jf[1])) break;
        }
        for (;;) {
            if (!getseq(j, &s2, 2)) {
                eof2 = true;
                break;
            }
            if (keycmp(j, s1.l[0], s2.l[s2.count - 1], j->jf[0], j->jf[1])) break;
        }
        size_t n1 = eof1 ? s1.count : s1.count - 1, n2 = eof2 ? s2.count : s2.count - 1;
        if (j->print_pairables)
            for (size_t a = 0; a < n1; a++)
                for (size_t b = 0; b < n2; b++) prjoin(j, s1.l[a], s2.l[b]);
        seq_clear(j, &s1, 1, !eof1);
        seq_clear(j, &s2, 2, !eof2);
    }
    bool checktail = j->check != CHECK_DISABLED && !(j->warned[0] && j->warned[1]);
    if ((j->unpair[0] || checktail) && s1.count) {
        if (j->unpair[0]) prjoin(j, s1.l[0], &j->blank);
        if (s2.count) j->seen_unpairable = true;
        jline *l;
        while ((l = get_line(j, 1))) {
            if (j->unpair[0]) prjoin(j, l, &j->blank);
            if (j->warned[0] && !j->unpair[0]) break;
        }
    }
    if ((j->unpair[1] || checktail) && s2.count) {
        if (j->unpair[1]) prjoin(j, &j->blank, s2.l[0]);
        if (s1.count) j->seen_unpairable = true;
        jline *l;
        while ((l = get_line(j, 2))) {
            if (j->unpair[1]) prjoin(j, &j->blank, l);
            if (j->warned[1] && !j->unpair[1]) break;
        }
    }
}

static const vl_opt join_opts[] = {
    {'a', NULL, VL_ARG, "FILENUM",
     "also print unpairable lines from file FILENUM, where\n  FILENUM is 1 or 2, corresponding "
     "to FILE1 or FILE2"},
    {'e', NULL, VL_ARG, "EMPTY", "replace missing input fields with EMPTY"},
    {'i', "ignore-case", VL_NOARG, NULL, "ignore differences in case when comparing fields"},
    {'j', NULL, VL_ARG, "FIELD", "equivalent to '-1 FIELD -2 FIELD'"},
    {'o', NULL, VL_ARG, "FORMAT", "obey FORMAT while constructing output line"},
    {'t', NULL, VL_ARG, "CHAR", "use CHAR as input and output field separator"},
    {'v', NULL, VL_ARG, "FILENUM", "like -a FILENUM, but suppress joined output lines"},
    {'1', NULL, VL_ARG, "FIELD", "join on this FIELD of file 1"},
    {'2', NULL, VL_ARG, "FIELD", "join on this FIELD of file 2"},
    {OPT_CHECK, "check-order", VL_NOARG, NULL,
     "check that the input is correctly sorted, even\n  if all input lines are pairable"},
    {OPT_NOCHECK, "nocheck-order", VL_NOARG, NULL, "do not check that the input is correctly sorted"},
    {OPT_HEADER, "header", VL_NOARG, NULL,
     "treat the first line in each file as field headers,\n  print them without trying to pair them"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};

static int join_main(vl_ctx *c, int argc, char **argv)
{
    joiner *j = vl_xcalloc(c, 1, sizeof *j);
    j->c = c;
    j->tab = TAB_DEFAULT;
    j->eol = '\n';
    j->print_pairables = true;
    j->jf[0] = j->jf[1] = SIZE_MAX;
    if (!walk_args(j, join_opts, argc, argv)) vl_getopt(c, argc, argv);
    if (j->nnames != 2) {
        if (j->nnames == 0) vl_eprintf(c, "%s: missing operand\n", c->name);
        else vl_eprintf(c, "%s: missing operand after %s\n", c->name,
                        vl_quote_locale(c, argv[argc - 1]));
        vl_try_help(c);
    }
    for (int i = 0; i < 2; i++)
        if (j->jcount[i]) {
            set_join_field(j, &j->jf[0], (size_t)i);
            set_join_field(j, &j->jf[1], (size_t)i);
        }
    if (j->jf[0] == SIZE_MAX) j->jf[0] = 0;
    if (j->jf[1] == SIZE_MAX) j->jf[1] = 0;
    for (int i = 0; i < 2; i++) {
        j->f[i].name = j->names[i];
        int err = 0;
        if (strcmp(j->names[i], "-") == 0) {
            if (i == 1 && strcmp(j->names[0], "-") == 0)
                vl_die(c, 1, "both files cannot be standard input");
            j->f[i].in = vl_in_fd(c, 0, "-");
        } else {
            j->f[i].in = vl_in_open_quiet(c, j->names[i], &err);
            if (!j->f[i].in) vl_die(c, 1, "%s: %s", vl_quote(c, j->names[i]), vl_strerror(err));
        }
    }
    do_join(j);
    if (j->warned[0] || j->warned[1]) vl_die(c, 1, "input is not in sorted order");
    return c->status;
}

VL_COMMAND(join, join_main, join_opts, "[OPTION]... FILE1 FILE2",
           "For each pair of input lines with identical join fields, write a line to\n"
           "standard output.  The default join field is the first, delimited by blanks.\n\n"
           "When FILE1 or FILE2 (not both) is -, read standard input.",
           0, 1);
