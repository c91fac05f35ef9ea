/* expand: tabs to spaces, with GNU's tab stop lists (-t), -i (only leading blanks) and the
 * obsolete -N form. The files are one stream: a line may go on in the next file. */
#include "expand_tabs.h"

static int expand_main(vl_ctx *c, int argc, char **argv)
{
    tabs t = {0};
    bool obs = false;
    argc = tabs_obsolete(c, &t, argc, argv, &obs);
    tabs u = {0};
    bool tabs_ok = tabs_collect(c, &u, argc, argv);
    int n = vl_getopt(c, argc, argv);
    if (!tabs_ok) vl_exit(c, 1);
    for (size_t i = 0; i < u.n; i++) tabs_add(c, &t, u.list[i]);
    if (u.extend) t.extend = u.extend;
    if (u.increment) t.increment = u.increment;
    tabs_finalize(c, &t);
    bool entire = !vl_has(c, 'i');
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    tstream *s = vl_xcalloc(c, 1, sizeof *s);
    s->names = argv + 1;
    s->n = n;
    for (;;) {
        bool convert = true;
        uint64_t col = 0;
        size_t idx = 0;
        int ch = 0;
        do {
            /* a run of ordinary bytes goes out at once, straight from the input buffer (the
             * `continue` tests ch, which is never '\n' here: runs stop before newlines) */
            if (s->pos < s->len) {
                const char *b = s->buf + s->pos;
                size_t k = 0, avail = s->len - s->pos;
                if (convert) {
                    while (k < avail && b[k] != '\t' && b[k] != '\b' && b[k] != '\n' &&
                           (entire || b[k] == ' '))
                        k++;
                    col += k;
                } else {
                    const char *q = memchr(b, '\n', avail);
                    k = q ? (size_t)(q - b) : avail;
                }
                if (k) {
                    vl_write(c, b, k);
                    s->pos += k;
                    continue;
                }
            }
            ch = tstream_getc(c, s);
            if (convert) {
                if (ch == '\t') {
                    bool last;
                    uint64_t next = tabs_next(&t, col, &idx, &last);
                    if (last) next = col + 1;
                    if (next < col) vl_die(c, 1, "input line is too long");
                    while (++col < next) vl_putc(c, ' ');
                    ch = ' ';
                } else if (ch == '\b') {
                    col -= !!col;
                    idx -= !!idx;
                } else {
                    col++;
                    if (!col) vl_die(c, 1, "input line is too long");
                }
                convert &= entire || ch == ' ' || ch == '\t';
            }
            if (ch < 0) return c->status;
            vl_putc(c, ch);
        } while (ch != '\n');
    }
}

static const vl_opt expand_opts[] = {
    {'i', "initial", VL_NOARG, NULL, "do not convert tabs after non blanks"},
    {'t', "tabs", VL_ARG, "N", "have tabs N characters apart, not 8\n  or use comma separated list of explicit tab positions"},
    {0}};
VL_COMMAND(expand, expand_main, expand_opts, "[OPTION]... [FILE]...",
           "Convert tabs in each FILE to spaces, writing to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
