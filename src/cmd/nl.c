/* nl: number lines, GNU's way: logical pages of header, body and footer sections (delimiter
 * lines "\:\:\:", "\:\:", "\:" by default, -d), a numbering style per section (a, t, n, or
 * pBRE through lib/regex.h), -v -i -w -n -s -l -p. The files are one stream; only the current
 * line is held. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "lib/regex.h"

#include <string.h>

typedef struct style {
    char kind; /* 'a' 't' 'n' 'p' */
    vl_re *re;
} style;

typedef struct nl_state {
    style sect[3]; /* header, body, footer */
    int cur;
    const char *delim;
    size_t dlen;
    int64_t start, incr, join, line;
    int width;
    const char *fmt; /* "ln" "rn" "rz" */
    const char *sep;
    size_t seplen;
    bool renumber, overflow;
    int64_t blanks;
    char *blankfmt;
    size_t blanklen;
} nl_state;

static void free_re(void *arg)
{
    vl_re_free(arg);
}

static int64_t parse_num(vl_ctx *c, const char *arg, int64_t min, int64_t max, const char *what)
{
    int64_t v;
    int rc = vl_parse_int(arg, &v, false);
    if (rc == VOS_ERANGE)
        vl_die(c, 1, "%s: %s: Value too large for defined data type", what, vl_quote_locale(c, arg));
    if (rc < 0) vl_die(c, 1, "%s: %s", what, vl_quote_locale(c, arg));
    if (v < min || v > max)
        vl_die(c, 1, "%s: %s: Numerical result out of range", what, vl_quote_locale(c, arg));
    return v;
}

static void parse_style(vl_ctx *c, style *st, const char *arg, const char *which)
{
    if ((arg[0] == 'a' || arg[0] == 't' || arg[0] == 'n') && arg[1] == '\0') {
        st->kind = arg[0];
        return;
    }
    if (arg[0] != 'p') {
        vl_eprintf(c, "%s: invalid %s numbering style: %s\n", c->name, which, vl_quote_locale(c, arg));
        vl_try_help(c);
    }
    vl_re_diag diag = {0};
    int rc = vl_re_compile(c->p, arg + 1, strlen(arg + 1), VL_RE_BRE, 0, &st->re, &diag);
    if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) vl_die(c, 1, "%s", diag.msg);
    if (rc < 0) vl_exit(c, 1);
    vl_defer(c, free_re, st->re);
    st->kind = 'p';
}

static void pad(vl_ctx *c, char ch, size_t n)
{
    char sp[32];
    memset(sp, ch, sizeof sp);
    while (n > 0) {
        size_t k = n < sizeof sp ? n : sizeof sp;
        vl_write(c, sp, k);
        n -= k;
    }
}

/* The number as printf's %-*lld, %0*lld or %*lld would give it, without printf's cost. */
static void print_number(vl_ctx *c, nl_state *s)
{
    if (s->overflow) vl_die(c, 1, "line number overflow");
    char d[24];
    size_t k = sizeof d;
    uint64_t v = s->line < 0 ? 0 - (uint64_t)s->line : (uint64_t)s->line;
    do d[--k] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    size_t digits = sizeof d - k, len = digits + (s->line < 0);
    size_t w = (size_t)s->width;
    if (s->fmt[0] == 'l') {
        if (s->line < 0) vl_putc(c, '-');
        vl_write(c, d + k, digits);
        if (w > len) pad(c, ' ', w - len);
    } else if (s->fmt[1] == 'z') {
        if (s->line < 0) vl_putc(c, '-');
        if (w > len) pad(c, '0', w - len);
        vl_write(c, d + k, digits);
    } else {
        if (w > len) pad(c, ' ', w - len);
        if (s->line < 0) vl_putc(c, '-');
        vl_write(c, d + k, digits);
    }
    vl_write(c, s->sep, s->seplen);
    if (__builtin_add_overflow(s->line, s->incr, &s->line)) s->overflow = true;
}

/* Which section a delimiter line starts (0 header, 1 body, 2 footer), or -1 for text. */
static int section_of(const nl_state *s, const char *l, size_t len)
{
    if (s->dlen == 0 || len < s->dlen || len % s->dlen || len / s->dlen > 3) return -1;
    for (size_t i = 0; i < len; i += s->dlen)
        if (memcmp(l + i, s->delim, s->dlen) != 0) return -1;
    return 3 - (int)(len / s->dlen);
}

static void nl_line(vl_ctx *c, nl_state *s, const char *l, size_t len)
{
    int sec = section_of(s, l, len);
    if (sec >= 0) {
        s->cur = sec;
        if (s->renumber) s->line = s->start;
        s->overflow = false;
        vl_putc(c, '\n');
        return;
    }
    style *st = &s->sect[s->cur];
    bool num = false;
    switch (st->kind) {
    case 'a':
        if (s->join > 1) {
            if (len > 0 || ++s->blanks == s->join) {
                num = true;
                s->blanks = 0;
            }
        } else {
            num = true;
        }
        break;
    case 't':
        num = len > 0;
        break;
    case 'p': {
        int rc = vl_re_search(st->re, l, len, 0, 0, NULL, 0);
        if (rc < 0 && rc != VL_RE_ECOMPLEX) vl_exit(c, 1);
        num = rc == 1;
        break;
    }
    default:
        break;
    }
    if (num) print_number(c, s);
    else vl_write(c, s->blankfmt, s->blanklen);
    vl_write(c, l, len);
    vl_putc(c, '\n');
}

static int nl_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    nl_state s = {{{'n', NULL}, {'t', NULL}, {'n', NULL}}, 1, "\\:", 2, 1, 1, 1, 0, 6, "rn", "\t",
                  1, true, false, 0, NULL, 0};
    if (vl_has(c, 'h')) parse_style(c, &s.sect[0], vl_arg(c, 'h'), "header");
    if (vl_has(c, 'b')) parse_style(c, &s.sect[1], vl_arg(c, 'b'), "body");
    if (vl_has(c, 'f')) parse_style(c, &s.sect[2], vl_arg(c, 'f'), "footer");
    if (vl_has(c, 'd')) {
        const char *d = vl_arg(c, 'd');
        size_t len = strlen(d);
        if (len == 1) {
            char *x = vl_xmalloc(c, 3);
            x[0] = d[0];
            x[1] = ':';
            x[2] = '\0';
            d = x;
            len = 2;
        }
        s.delim = d;
        s.dlen = len;
    }
    if (vl_has(c, 'v'))
        s.start = parse_num(c, vl_arg(c, 'v'), INT64_MIN, INT64_MAX, "invalid starting line number");
    if (vl_has(c, 'i'))
        s.incr = parse_num(c, vl_arg(c, 'i'), INT64_MIN, INT64_MAX, "invalid line number increment");
    if (vl_has(c, 'l'))
        s.join = parse_num(c, vl_arg(c, 'l'), 1, INT64_MAX, "invalid line number of blank lines");
    if (vl_has(c, 'w'))
        s.width = (int)parse_num(c, vl_arg(c, 'w'), 1, INT32_MAX, "invalid line number field width");
    if (vl_has(c, 'n')) {
        const char *f = vl_arg(c, 'n');
        if (strcmp(f, "ln") && strcmp(f, "rn") && strcmp(f, "rz")) {
            vl_eprintf(c, "%s: invalid line numbering format: %s\n", c->name, vl_quote_locale(c, f));
            vl_try_help(c);
        }
        s.fmt = f;
    }
    if (vl_has(c, 's')) s.sep = vl_arg(c, 's');
    s.renumber = !vl_has(c, 'p');
    s.line = s.start;
    size_t blen = (size_t)s.width + strlen(s.sep);
    if (blen > (1u << 20)) vl_die(c, 1, "memory exhausted");
    s.blankfmt = vl_xmalloc(c, blen + 1);
    memset(s.blankfmt, ' ', blen);
    s.blankfmt[blen] = '\0';
    s.blanklen = blen;
    s.seplen = strlen(s.sep);
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    uint64_t lines = 0;
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        char *l;
        ssize_t r;
        while ((r = vl_in_getdelim(c, in, '\n', &l)) > 0) {
            size_t len = (size_t)r;
            if (l[len - 1] == '\n') len--;
            nl_line(c, &s, l, len);
            if ((++lines & 1023) == 0) {
                int rc = vk_steps(c->p, 1024);
                if (rc < 0 && rc != VOS_EINTR) {
                    int w = vk_dying(c->p);
                    vl_exit(c, w ? VK_WSHELL(w) : 1);
                }
            }
        }
        if (r < 0) vl_perror(c, vl_quote(c, argv[i]), (int)r);
        vl_in_close(c, in);
    }
    return c->status;
}

static const vl_opt nl_opts[] = {
    {'b', "body-numbering", VL_ARG, "STYLE", "use STYLE for numbering body lines"},
    {'d', "section-delimiter", VL_ARG, "CC", "use CC for logical page delimiters"},
    {'f', "footer-numbering", VL_ARG, "STYLE", "use STYLE for numbering footer lines"},
    {'h', "header-numbering", VL_ARG, "STYLE", "use STYLE for numbering header lines"},
    {'i', "line-increment", VL_ARG, "NUMBER", "line number increment at each line"},
    {'l', "join-blank-lines", VL_ARG, "NUMBER", "group of NUMBER empty lines counted as one"},
    {'n', "number-format", VL_ARG, "FORMAT", "insert line numbers according to FORMAT"},
    {'p', "no-renumber", VL_NOARG, NULL, "do not reset line numbers for each section"},
    {'s', "number-separator", VL_ARG, "STRING", "add STRING after (possible) line number"},
    {'v', "starting-line-number", VL_ARG, "NUMBER", "first line number for each section"},
    {'w', "number-width", VL_ARG, "NUMBER", "use NUMBER columns for line numbers"},
    {0}};
VL_COMMAND(nl, nl_main, nl_opts, "[OPTION]... [FILE]...",
           "Write each FILE to standard output, with line numbers added.\n\n"
           "With no FILE, or when FILE is -, read standard input.\n\n"
           "Default options are: -bt -d'\\:' -fn -hn -i1 -l1 -n'rn' -s<TAB> -v1 -w6\n\n"
           "STYLE is one of:\n\n"
           "  a      number all lines\n"
           "  t      number only nonempty lines\n"
           "  n      number no lines\n"
           "  pBRE   number only lines that contain a match for the basic regular\n"
           "         expression, BRE",
           0, 1);
