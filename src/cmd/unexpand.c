/* unexpand: blanks to tabs, GNU's way: leading blanks only unless -a (or -t), --first-only,
 * tab stop lists (-t) and the obsolete -N form. Blanks wait in a buffer as long as a tab
 * stop's width until it is known whether a tab replaces them. */
#include "expand_tabs.h"

static int unexpand_main(vl_ctx *c, int argc, char **argv)
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
    bool entire = vl_has(c, 'a') || vl_has(c, 't');
    if (vl_has(c, 256)) entire = false;
    tabs_finalize(c, &t);
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    tstream *s = vl_xcalloc(c, 1, sizeof *s);
    s->names = argv + 1;
    s->n = n;
    vl_buf pend = {0};
    for (;;) {
        bool convert = true, one_blank_before = false, prev_blank = true;
        uint64_t col = 0, next = 0;
        size_t idx = 0;
        int ch;
        pend.len = 0;
        do {
            ch = tstream_getc(c, s);
            if (convert) {
                bool blank = ch == ' ' || ch == '\t';
                if (blank) {
                    bool last;
                    next = tabs_next(&t, col, &idx, &last);
                    if (last) convert = false;
                    if (convert) {
                        if (next < col) vl_die(c, 1, "input line is too long");
                        if (ch == '\t') {
                            col = next;
                            if (pend.len) pend.data[0] = '\t';
                        } else {
                            col++;
                            if (!(prev_blank && col == next)) {
                                /* not known yet whether a tab replaces the blanks */
                                if (col == next) one_blank_before = true;
                                vl_buf_addc(c, &pend, ch);
                                prev_blank = true;
                                continue;
                            }
                            ch = '\t';
                            if (pend.len) pend.data[0] = '\t';
                        }
                        /* drop the pending blanks, unless it was one blank just before the
                         * previous tab stop */
                        pend.len = one_blank_before ? 1 : 0;
                        if (pend.len && !pend.data) vl_buf_addc(c, &pend, ' ');
                    }
                } else if (ch == '\b') {
                    col -= !!col;
                    next = col;
                    idx -= !!idx;
                } else {
                    col++;
                    if (!col) vl_die(c, 1, "input line is too long");
                }
                if (pend.len) {
                    if (pend.len > 1 && one_blank_before) pend.data[0] = '\t';
                    vl_write(c, pend.data, pend.len);
                    pend.len = 0;
                    one_blank_before = false;
                }
                prev_blank = blank;
                convert &= entire || blank;
            }
            if (ch < 0) return c->status;
            vl_putc(c, ch);
        } while (ch != '\n');
    }
}

static const vl_opt unexpand_opts[] = {
    {'a', "all", VL_NOARG, NULL, "convert all blanks, instead of just initial blanks"},
    {256, "first-only", VL_NOARG, NULL, "convert only leading sequences of blanks (overrides -a)"},
    {'t', "tabs", VL_ARG, "N", "have tabs N characters apart instead of 8 (enables -a)\n  or use comma separated list of explicit tab positions"},
    {0}};
VL_COMMAND(unexpand, unexpand_main, unexpand_opts, "[OPTION]... [FILE]...",
           "Convert blanks in each FILE to tabs, writing to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
