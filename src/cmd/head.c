/* head: the first (or all but the last) N lines or bytes of each file, with GNU's headers
 * for several files and the obsolete -NUM form. Elision (-n -N, -c -N) keeps only N lines or
 * bytes in memory; nothing else is buffered beyond one line. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct head_opts {
    bool bytes, elide;
    int64_t count;
    int delim;
} head_opts;

static int64_t parse_count(vl_ctx *c, const char *arg, bool bytes, bool *elide)
{
    const char *s = arg;
    *elide = false;
    if (*s == '-') {
        *elide = true;
        s++;
    }
    int64_t v;
    int rc = vl_parse_count(s, &v);
    const char *what = bytes ? "bytes" : "lines";
    int64_t exact;
    /* bytes to elide are a file offset for GNU: past INT64_MAX they are too large */
    if (rc == 0 && bytes && *elide && vl_parse_int(s, &exact, true) == VOS_ERANGE) rc = VOS_ERANGE;
    if (rc == VOS_ERANGE)
        vl_die(c, 1, "invalid number of %s: %s: Value too large for defined data type", what,
               vl_quote_locale(c, s));
    if (rc < 0) vl_die(c, 1, "invalid number of %s: %s", what, vl_quote_locale(c, s));
    return v;
}

static int head_lines(vl_ctx *c, vl_in *in, const head_opts *o)
{
    char *line;
    ssize_t n = 0;
    if (!o->elide) {
        /* stream blocks, counting delimiters: a line without end (cat /dev/zero) costs no
         * memory, as GNU's head does */
        char buf[65536];
        int64_t left = o->count;
        while (left > 0 && (n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
            size_t upto = (size_t)n;
            for (char *q = buf; left > 0 && (q = memchr(q, o->delim, (size_t)(buf + n - q)));) {
                q++;
                if (--left == 0) upto = (size_t)(q - buf);
            }
            vl_write(c, buf, upto);
        }
        return n < 0 ? (int)n : 0;
    }
    if (o->count == 0) {
        while ((n = vl_in_getdelim(c, in, o->delim, &line)) > 0) vl_write(c, line, (size_t)n);
        return (int)n;
    }
    /* a ring of the last count lines; a line leaves it when it is known not to be one of them */
    vl_buf *ring = NULL;
    size_t cap = 0, used = 0, head = 0;
    while ((n = vl_in_getdelim(c, in, o->delim, &line)) > 0) {
        if (used < (size_t)o->count) {
            if (used == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                if (ncap > (size_t)o->count) ncap = (size_t)o->count;
                ring = vl_xrealloc(c, ring, ncap * sizeof *ring);
                memset(ring + cap, 0, (ncap - cap) * sizeof *ring);
                cap = ncap;
            }
            ring[used].len = 0;
            vl_buf_add(c, &ring[used++], line, (size_t)n);
            continue;
        }
        vl_write(c, ring[head].data, ring[head].len);
        ring[head].len = 0;
        vl_buf_add(c, &ring[head], line, (size_t)n);
        head = (head + 1) % cap;
    }
    for (size_t i = 0; i < cap; i++) vl_buf_free(c, &ring[i]);
    vl_xfree(c, ring);
    return (int)n;
}

static int head_bytes(vl_ctx *c, vl_in *in, const head_opts *o)
{
    char buf[65536];
    ssize_t n = 0;
    if (!o->elide) {
        int64_t left = o->count;
        while (left > 0) {
            n = vl_in_read(c, in, buf, left < (int64_t)sizeof buf ? (size_t)left : sizeof buf);
            if (n <= 0) break;
            vl_write(c, buf, (size_t)n);
            left -= n;
        }
        return n < 0 ? (int)n : 0;
    }
    /* keep the last count bytes back; everything before them can go out */
    vl_buf keep = {0};
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_buf_add(c, &keep, buf, (size_t)n);
        if (keep.len > (uint64_t)o->count) {
            size_t out = keep.len - (size_t)o->count;
            vl_write(c, keep.data, out);
            memmove(keep.data, keep.data + out, (size_t)o->count);
            keep.len = (size_t)o->count;
        }
    }
    vl_buf_free(c, &keep);
    return (int)n;
}

/* The obsolete "-NUM[bkm][cl][qvz]" first argument, as options. */
static bool obsolete_form(vl_ctx *c, const char *a, head_opts *o, bool *quiet, bool *verbose)
{
    if (a[0] != '-' || a[1] < '0' || a[1] > '9') return false;
    const char *q = a + 1;
    int64_t v = 0;
    while (*q >= '0' && *q <= '9') {
        if (v > (INT64_MAX - 9) / 10) vl_die(c, 1, "invalid number of lines: %s: Value too large "
                                                   "for defined data type", vl_quote_locale(c, a + 1));
        v = v * 10 + (*q++ - '0');
    }
    int64_t mult = 1;
    if (*q == 'b') mult = 512, q++;
    else if (*q == 'k') mult = 1024, q++;
    else if (*q == 'm') mult = 1048576, q++;
    o->count = v * mult;
    if (*q == 'c') o->bytes = true, q++;
    else if (*q == 'l') q++;
    for (; *q; q++) {
        if (*q == 'q') *quiet = true;
        else if (*q == 'v') *verbose = true;
        else if (*q == 'z') o->delim = 0;
        else {
            vl_eprintf(c, "%s: invalid trailing option -- %c\n", c->name, *q);
            vl_try_help(c);
        }
    }
    return true;
}

static int head_one(vl_ctx *c, vl_in *in, void *arg)
{
    const head_opts *o = arg;
    return o->bytes ? head_bytes(c, in, o) : head_lines(c, in, o);
}

static int head_main(vl_ctx *c, int argc, char **argv)
{
    head_opts o = {false, false, 10, '\n'};
    bool quiet = false, verbose = false, obsolete = false;
    if (argc > 1 && obsolete_form(c, argv[1], &o, &quiet, &verbose)) {
        obsolete = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'n') || vl_has(c, 'c')) {
        o.bytes = vl_last(c, 'c') > vl_last(c, 'n');
        o.count = parse_count(c, vl_arg(c, o.bytes ? 'c' : 'n'), o.bytes, &o.elide);
    } else if (obsolete) {
        o.elide = false;
    }
    if (vl_has(c, 'z')) o.delim = 0;
    if (vl_has(c, 'q') || vl_has(c, 'v')) {
        quiet = vl_last(c, 'q') > vl_last(c, 'v');
        verbose = !quiet;
    }
    return vl_each_with_headers(c, n, argv, quiet, verbose, head_one, &o);
}

static const vl_opt head_opts_tab[] = {
    {'c', "bytes", VL_ARG, "[-]NUM",
     "print the first NUM bytes of each file;\n  with the leading '-', print all but the last\n"
     "  NUM bytes of each file"},
    {'n', "lines", VL_ARG, "[-]NUM",
     "print the first NUM lines instead of the first 10;\n  with the leading '-', print all but "
     "the last\n  NUM lines of each file"},
    {'q', "quiet", VL_NOARG, NULL, "never print headers giving file names"},
    {'q', "silent", VL_NOARG, NULL, NULL},
    {'v', "verbose", VL_NOARG, NULL, "always print headers giving file names"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(head, head_main, head_opts_tab, "[OPTION]... [FILE]...",
           "Print the first 10 lines of each FILE to standard output.\n"
           "With more than one FILE, precede each with a header giving the file name.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
