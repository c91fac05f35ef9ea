/* cut: GNU cut: the bytes (-b, and -c, which is the same in the C locale) or the fields (-f,
 * split on -d, TAB by default) of each line that a LIST selects, with --complement, -s,
 * --output-delimiter and -z. Lines stream through one at a time. -d set to the line delimiter
 * makes the whole input one record whose fields are its lines, as in GNU. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_COMPLEMENT = 256, OPT_OUTDELIM };

typedef struct range {
    size_t lo, hi; /* 1-based, inclusive; hi SIZE_MAX: to the end */
} range;

typedef struct cut_state {
    range *r;
    size_t nr;
    bool fields, suppress, outdelim_set;
    int delim, eol;
    const char *outdelim;
    size_t outdelim_len;
    uint64_t lines;
} cut_state;

_Noreturn static void list_error(vl_ctx *c, const char *fmt, const char *arg)
{
    vl_eprintf(c, "%s: ", c->name);
    vl_eprintf(c, fmt, arg);
    vl_eprintf(c, "\n");
    vl_try_help(c);
}

static void add_range(vl_ctx *c, cut_state *s, size_t *cap, size_t lo, size_t hi)
{
    if (s->nr == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        s->r = vl_xrealloc(c, s->r, *cap * sizeof *s->r);
    }
    s->r[s->nr].lo = lo;
    s->r[s->nr].hi = hi;
    s->nr++;
}

static int range_cmp(const void *a, const void *b)
{
    const range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* GNU's list syntax: items N, N-, -M, N-M separated by commas or blanks. */
static void parse_list(vl_ctx *c, cut_state *s, const char *list, bool complement)
{
    size_t cap = 0;
    bool f = s->fields;
    const char *p = list;
    for (;;) {
        size_t lo = 0, hi = 0;
        bool have_lo = false, have_hi = false, dash = false;
        /* one item */
        for (;;) {
            if (is_digit(*p)) {
                const char *num_start = p;
                size_t v = 0;
                bool big = false;
                while (is_digit(*p)) {
                    size_t d = (size_t)(*p - '0');
                    if (v > (SIZE_MAX - 1 - d) / 10) big = true;
                    else v = v * 10 + d;
                    p++;
                }
                if (big) {
                    char *num = vl_xmalloc(c, (size_t)(p - num_start) + 1);
                    memcpy(num, num_start, (size_t)(p - num_start));
                    num[p - num_start] = 0;
                    list_error(c, f ? "field number %s is too large"
                                    : "byte/character offset %s is too large",
                               vl_quote_locale(c, num));
                }
                if (dash) {
                    hi = v;
                    have_hi = true;
                } else {
                    lo = v;
                    have_lo = true;
                }
                continue;
            }
            if (*p == '-') {
                if (dash)
                    list_error(c, "%s", f ? "invalid field range" : "invalid byte or character range");
                dash = true;
                p++;
                continue;
            }
            if (*p == ',' || *p == ' ' || *p == '\t' || *p == 0) break;
            list_error(c, f ? "invalid field value %s" : "invalid byte/character position %s",
                       vl_quote_locale(c, p));
        }
        if (dash) {
            if (!have_lo && !have_hi) list_error(c, "%s", "invalid range with no endpoint: -");
            if (have_lo && lo == 0)
                list_error(c, "%s", f ? "fields are numbered from 1"
                                      : "byte/character positions are numbered from 1");
            if (!have_lo) lo = 1;
            if (!have_hi) hi = SIZE_MAX;
            if (hi < lo) list_error(c, "%s", "invalid decreasing range");
        } else {
            if (lo == 0)
                list_error(c, "%s", f ? "fields are numbered from 1"
                                      : "byte/character positions are numbered from 1");
            hi = lo;
        }
        add_range(c, s, &cap, lo, hi);
        if (*p == 0) break;
        p++;
    }
    qsort(s->r, s->nr, sizeof *s->r, range_cmp);
    /* overlapping ranges merge (adjacent ones stay apart: --output-delimiter shows them) */
    size_t n = 0;
    for (size_t i = 0; i < s->nr; i++) {
        if (n && s->r[i].lo <= s->r[n - 1].hi) {
            if (s->r[i].hi > s->r[n - 1].hi) s->r[n - 1].hi = s->r[i].hi;
        } else {
            s->r[n++] = s->r[i];
        }
    }
    s->nr = n;
    if (complement) {
        range *old = s->r;
        size_t on = s->nr;
        s->r = NULL;
        s->nr = 0;
        cap = 0;
        if (old[0].lo > 1) add_range(c, s, &cap, 1, old[0].lo - 1);
        for (size_t i = 1; i < on; i++)
            if (old[i - 1].hi + 1 != old[i].lo) add_range(c, s, &cap, old[i - 1].hi + 1, old[i].lo - 1);
        if (old[on - 1].hi < SIZE_MAX) add_range(c, s, &cap, old[on - 1].hi + 1, SIZE_MAX);
        vl_xfree(c, old);
    }
}

static void steps(vl_ctx *c, cut_state *s)
{
    if ((++s->lines & 4095) != 0) return;
    int rc = vk_steps(c->p, 64);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static void cut_bytes(vl_ctx *c, cut_state *s, const char *p, size_t n)
{
    bool printed = false;
    for (size_t i = 0; i < s->nr && s->r[i].lo <= n; i++) {
        size_t hi = s->r[i].hi < n ? s->r[i].hi : n;
        if (printed && s->outdelim_set) vl_write(c, s->outdelim, s->outdelim_len);
        vl_write(c, p + s->r[i].lo - 1, hi - s->r[i].lo + 1);
        printed = true;
    }
    vl_putc(c, s->eol);
}

static void cut_fields(vl_ctx *c, cut_state *s, const char *p, size_t n)
{
    const char *end = p + n;
    const char *q = memchr(p, s->delim, n);
    if (!q) {
        if (!s->suppress) {
            vl_write(c, p, n);
            vl_putc(c, s->eol);
        }
        return;
    }
    size_t k = 1, ri = 0;
    bool printed = false;
    const char *f = p;
    for (;;) {
        while (ri < s->nr && s->r[ri].hi < k) ri++;
        if (ri == s->nr) break;
        const char *fe = q ? q : end;
        if (s->r[ri].lo <= k) {
            if (printed) vl_write(c, s->outdelim, s->outdelim_len);
            vl_write(c, f, (size_t)(fe - f));
            printed = true;
        }
        if (!q) break;
        f = q + 1;
        q = memchr(f, s->delim, (size_t)(end - f));
        k++;
    }
    vl_putc(c, s->eol);
}

static bool selected(const cut_state *s, size_t k)
{
    for (size_t i = 0; i < s->nr; i++)
        if (s->r[i].lo <= k && k <= s->r[i].hi) return true;
    return false;
}

/* -d equal to the line delimiter: one record whose fields are the lines, the final line
 * delimiter not being a field delimiter, except (as GNU's buffering of the first field has
 * it) right after the first line when that first field is read ahead: that is when -s is
 * given and field 1 selected, or neither. */
static int cut_one_record(vl_ctx *c, cut_state *s, vl_in *in)
{
    char *line;
    ssize_t n;
    bool sel1 = selected(s, 1);
    bool ahead = s->suppress == sel1;
    vl_buf first = {0};
    bool first_nl = false, printed = false;
    size_t k = 0;
    while ((n = vl_in_getdelim(c, in, s->eol, &line)) > 0) {
        bool nl = line[n - 1] == (char)s->eol;
        size_t len = (size_t)n - nl;
        k++;
        if (k == 1 && ahead) {
            vl_buf_add(c, &first, line, len);
            first_nl = nl;
            continue;
        }
        if (k == 2 && ahead && sel1) {
            vl_write(c, first.data, first.len);
            printed = true;
        }
        if (selected(s, k)) {
            if (printed) vl_write(c, s->outdelim, s->outdelim_len);
            vl_write(c, line, len);
            printed = true;
        }
        steps(c, s);
    }
    if (k == 0) return n < 0 ? (int)n : 0;
    if (ahead && k == 1) {
        if (!first_nl) { /* not delimited */
            if (!s->suppress) {
                vl_write(c, first.data, first.len);
                vl_putc(c, s->eol);
            }
        } else {
            if (sel1) vl_write(c, first.data, first.len);
            vl_putc(c, s->eol);
        }
    } else if (printed || !(s->suppress && k == 1)) {
        vl_putc(c, s->eol);
    }
    vl_buf_free(c, &first);
    return n < 0 ? (int)n : 0;
}

static int cut_stream(vl_ctx *c, cut_state *s, vl_in *in)
{
    char *line;
    ssize_t n;
    while ((n = vl_in_getdelim(c, in, s->eol, &line)) > 0) {
        size_t len = (size_t)n - (line[n - 1] == (char)s->eol);
        if (s->fields) cut_fields(c, s, line, len);
        else cut_bytes(c, s, line, len);
        steps(c, s);
    }
    return n < 0 ? (int)n : 0;
}

static int cut_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    cut_state s;
    memset(&s, 0, sizeof s);
    s.delim = '\t';
    s.eol = vl_has(c, 'z') ? 0 : '\n';
    const char *d = vl_arg(c, 'd');
    if (d && d[0] && d[1]) {
        vl_eprintf(c, "%s: the delimiter must be a single character\n", c->name);
        vl_try_help(c);
    }
    int lists = vl_count(c, 'b') + vl_count(c, 'c') + vl_count(c, 'f');
    if (lists > 1) {
        vl_eprintf(c, "%s: only one list may be specified\n", c->name);
        vl_try_help(c);
    }
    if (lists == 0) {
        vl_eprintf(c, "%s: you must specify a list of bytes, characters, or fields\n", c->name);
        vl_try_help(c);
    }
    s.fields = vl_has(c, 'f');
    if (d && !s.fields) {
        vl_eprintf(c, "%s: an input delimiter may be specified only when operating on fields\n",
                   c->name);
        vl_try_help(c);
    }
    s.suppress = vl_has(c, 's');
    if (s.suppress && !s.fields) {
        vl_eprintf(c, "%s: suppressing non-delimited lines makes sense\n\tonly when operating on "
                      "fields\n", c->name);
        vl_try_help(c);
    }
    if (d) s.delim = (unsigned char)d[0];
    const char *list = vl_arg(c, s.fields ? 'f' : vl_has(c, 'b') ? 'b' : 'c');
    parse_list(c, &s, list, vl_has(c, OPT_COMPLEMENT));
    char dch[1] = {(char)s.delim};
    if (vl_has(c, OPT_OUTDELIM)) {
        s.outdelim_set = true;
        s.outdelim = vl_arg(c, OPT_OUTDELIM);
        s.outdelim_len = strlen(s.outdelim);
        if (s.outdelim_len == 0) s.outdelim_len = 1; /* '' is the NUL byte */
    } else {
        s.outdelim = dch;
        s.outdelim_len = 1;
    }
    char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        int rc = s.fields && s.delim == s.eol ? cut_one_record(c, &s, in)
                                               : cut_stream(c, &s, in);
        if (rc < 0) vl_perror(c, vl_quote(c, argv[i]), rc);
        vl_in_close(c, in);
    }
    return c->status;
}

static const vl_opt cut_opts[] = {
    {'b', "bytes", VL_ARG, "LIST", "select only these bytes"},
    {'c', "characters", VL_ARG, "LIST", "select only these characters"},
    {'d', "delimiter", VL_ARG, "DELIM", "use DELIM instead of TAB for field delimiter"},
    {'f', "fields", VL_ARG, "LIST",
     "select only these fields;  also print any line\n  that contains no delimiter character, "
     "unless\n  the -s option is specified"},
    {'n', NULL, VL_NOARG, NULL, "(ignored)"},
    {OPT_COMPLEMENT, "complement", VL_NOARG, NULL,
     "complement the set of selected bytes, characters\n  or fields"},
    {'s', "only-delimited", VL_NOARG, NULL, "do not print lines not containing delimiters"},
    {OPT_OUTDELIM, "output-delimiter", VL_ARG, "STRING",
     "use STRING as the output delimiter\n  the default is to use the input delimiter"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(cut, cut_main, cut_opts, "OPTION... [FILE]...",
           "Print selected parts of lines from each FILE to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.\n\n"
           "Use one, and only one of -b, -c or -f.  Each LIST is made up of one\n"
           "range, or many ranges separated by commas.",
           0, 1);
