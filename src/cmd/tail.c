/* tail: the last N lines or bytes of each file (or from line/byte N on, with +N), GNU's
 * headers for several files, the obsolete -NUM form. It streams: only the last N lines or
 * bytes are kept. It does not follow files (-f, -F): a VM script has no use for a command
 * that never ends, so those options are rejected like any unknown option. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct tail_opts {
    bool bytes, from_start;
    int64_t count;
    int delim;
} tail_opts;

static int64_t parse_count(vl_ctx *c, const char *arg, bool bytes, bool *from_start)
{
    const char *s = arg;
    *from_start = false;
    if (*s == '+') *from_start = true, s++;
    else if (*s == '-') arg = ++s; /* GNU names the number without its '-' */
    int64_t v;
    int rc = vl_parse_count(s, &v);
    const char *what = bytes ? "bytes" : "lines";
    if (rc == VOS_ERANGE)
        vl_die(c, 1, "invalid number of %s: %s: Value too large for defined data type", what,
               vl_quote_locale(c, arg));
    if (rc < 0) vl_die(c, 1, "invalid number of %s: %s", what, vl_quote_locale(c, arg));
    return v;
}

static int tail_lines(vl_ctx *c, vl_in *in, const tail_opts *o)
{
    char *line;
    ssize_t n;
    if (o->from_start) {
        for (int64_t i = 1; i < o->count; i++)
            if ((n = vl_in_getdelim(c, in, o->delim, &line)) <= 0) return (int)n;
        char buf[65536];
        while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) vl_write(c, buf, (size_t)n);
        return (int)n;
    }
    if (o->count == 0) return 0;
    /* Keep whole chunks, not lines: read big blocks, count delimiters with memchr, and drop the
     * oldest block while the newer ones still hold more than count delimiters. Memory stays
     * bounded by the last count lines plus a block, and no line is copied on the way. */
    enum { CHUNK = 65536 };
    typedef struct chunk {
        struct chunk *next;
        size_t len, ndelim;
        char data[CHUNK];
    } chunk;
    chunk *head = NULL, *tail = NULL, *spare = NULL;
    uint64_t total = 0;
    for (;;) {
        chunk *ch = spare ? spare : vl_xmalloc(c, sizeof *ch);
        spare = NULL;
        n = vl_in_read(c, in, ch->data, CHUNK);
        if (n <= 0) {
            vl_xfree(c, ch);
            break;
        }
        ch->len = (size_t)n;
        ch->ndelim = 0;
        ch->next = NULL;
        for (const char *q = ch->data, *e = ch->data + ch->len;
             (q = memchr(q, o->delim, (size_t)(e - q))) != NULL; q++)
            ch->ndelim++;
        total += ch->ndelim;
        if (tail)
            tail->next = ch;
        else
            head = ch;
        tail = ch;
        while (head != tail && total - head->ndelim > (uint64_t)o->count) {
            chunk *old = head;
            head = head->next;
            total -= old->ndelim;
            if (spare) vl_xfree(c, spare);
            spare = old;
        }
    }
    if (spare) vl_xfree(c, spare);
    /* walk back from the end to the start of the count-th line from the end */
    size_t nch = 0;
    for (chunk *ch = head; ch; ch = ch->next) nch++;
    chunk **arr = nch ? vl_xmalloc(c, nch * sizeof *arr) : NULL;
    size_t k = 0;
    for (chunk *ch = head; ch; ch = ch->next) arr[k++] = ch;
    size_t si = 0, so = 0; /* start: chunk index and offset */
    int64_t need = o->count;
    bool skip_last = nch && arr[nch - 1]->len && arr[nch - 1]->data[arr[nch - 1]->len - 1] == o->delim;
    for (size_t i = nch; i-- > 0 && need >= 0;) {
        chunk *ch = arr[i];
        size_t j = ch->len;
        if (i == nch - 1 && skip_last) j--; /* the final delimiter ends the last line */
        while (j-- > 0) {
            if (ch->data[j] == o->delim && --need == 0) {
                si = i;
                so = j + 1;
                need = -1;
                break;
            }
        }
    }
    for (size_t i = si; i < nch; i++) {
        size_t off = i == si ? so : 0;
        vl_write(c, arr[i]->data + off, arr[i]->len - off);
    }
    for (size_t i = 0; i < nch; i++) vl_xfree(c, arr[i]);
    vl_xfree(c, arr);
    return (int)n;
}

static int tail_bytes(vl_ctx *c, vl_in *in, const tail_opts *o)
{
    char buf[65536];
    ssize_t n;
    if (o->from_start) {
        int64_t skip = o->count > 0 ? o->count - 1 : 0;
        while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
            if (skip >= n) {
                skip -= n;
                continue;
            }
            vl_write(c, buf + skip, (size_t)(n - skip));
            skip = 0;
        }
        return (int)n;
    }
    vl_buf keep = {0};
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_buf_add(c, &keep, buf, (size_t)n);
        if (keep.len > (uint64_t)o->count) {
            size_t drop = keep.len - (size_t)o->count;
            /* compact only once the dropped part is large, to stay linear */
            if (drop >= keep.len / 2 || drop > (1u << 20)) {
                memmove(keep.data, keep.data + drop, (size_t)o->count);
                keep.len = (size_t)o->count;
            }
        }
    }
    size_t off = keep.len > (uint64_t)o->count ? keep.len - (size_t)o->count : 0;
    vl_write(c, keep.data + off, keep.len - off);
    vl_buf_free(c, &keep);
    return (int)n;
}

static int tail_one(vl_ctx *c, vl_in *in, void *arg)
{
    const tail_opts *o = arg;
    return o->bytes ? tail_bytes(c, in, o) : tail_lines(c, in, o);
}

static int tail_main(vl_ctx *c, int argc, char **argv)
{
    tail_opts o = {false, false, 10, '\n'};
    /* obsolete "-NUM[bcl]" as the first argument */
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
        const char *q = argv[1] + 1;
        int64_t v = 0;
        while (*q >= '0' && *q <= '9' && v < INT64_MAX / 10) v = v * 10 + (*q++ - '0');
        if (*q == 'b') v *= 512, o.bytes = true, q++;
        else if (*q == 'c') o.bytes = true, q++;
        else if (*q == 'l') q++;
        if (*q == '\0') {
            o.count = v;
            argv[1] = argv[0];
            argv++;
            argc--;
        }
    }
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'n') || vl_has(c, 'c')) {
        o.bytes = vl_last(c, 'c') > vl_last(c, 'n');
        o.count = parse_count(c, vl_arg(c, o.bytes ? 'c' : 'n'), o.bytes, &o.from_start);
    }
    if (vl_has(c, 'z')) o.delim = 0;
    bool quiet = false, verbose = false;
    if (vl_has(c, 'q') || vl_has(c, 'v')) {
        quiet = vl_last(c, 'q') > vl_last(c, 'v');
        verbose = !quiet;
    }
    return vl_each_with_headers(c, n, argv, quiet, verbose, tail_one, &o);
}

static const vl_opt tail_opts_tab[] = {
    {'c', "bytes", VL_ARG, "[+]NUM",
     "output the last NUM bytes; or use -c +NUM to\n  output starting with byte NUM of each file"},
    {'n', "lines", VL_ARG, "[+]NUM",
     "output the last NUM lines, instead of the last 10;\n  or use -n +NUM to skip NUM-1 lines "
     "at the start"},
    {'q', "quiet", VL_NOARG, NULL, "never output headers giving file names"},
    {'q', "silent", VL_NOARG, NULL, NULL},
    {'v', "verbose", VL_NOARG, NULL, "always output headers giving file names"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(tail, tail_main, tail_opts_tab, "[OPTION]... [FILE]...",
           "Print the last 10 lines of each FILE to standard output.\n"
           "With more than one FILE, precede each with a header giving the file name.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
