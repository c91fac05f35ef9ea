/* cat: concatenate files to stdout, with GNU's -n -b -s -v -E -T (and -A -e -t) line
 * formatting. Without formatting it copies blocks as they come (binary-safe, streaming); it
 * does not detect "input file is output file". */
#include "lib/cmd.h"

#include <string.h>

typedef struct cat_state {
    bool number, nonblank, squeeze, show_ends, show_tabs, nonprint;
    bool at_bol, prev_blank;
    /* the next line number as text, GNU's way: "     1\t", incremented in place; digits
     * grow to the left past six */
    char num[32];
    int numstart; /* first digit in num; num[30] is the tab */
} cat_state;

static void num_init(cat_state *s)
{
    memset(s->num, ' ', sizeof s->num);
    s->num[29] = '1';
    s->num[30] = '\t';
    s->numstart = 29;
}

static void num_put(vl_ctx *c, cat_state *s)
{
    int from = s->numstart < 24 ? s->numstart : 24; /* at least six columns */
    vl_write(c, s->num + from, (size_t)(31 - from));
    int i = 29;
    while (i >= s->numstart && s->num[i] == '9') s->num[i--] = '0';
    if (i < s->numstart) {
        if (i < 1) { /* more lines than anyone has: keep the count going from 1 */
            num_init(s);
            return;
        }
        s->num[i] = '1';
        s->numstart = i;
    } else {
        s->num[i]++;
    }
}

static void put_char(vl_ctx *c, cat_state *s, unsigned char ch)
{
    if (ch == '\t' && s->show_tabs) {
        vl_puts(c, "^I");
        return;
    }
    if (s->nonprint && ch != '\t' && ch != '\n') {
        if (ch >= 128) {
            vl_puts(c, "M-");
            ch -= 128;
        }
        if (ch < 32) {
            vl_putc(c, '^');
            vl_putc(c, ch + 64);
            return;
        }
        if (ch == 127) {
            vl_puts(c, "^?");
            return;
        }
    }
    vl_putc(c, ch);
}

/* Copy one input with the formatting options, a block at a time. State carries across files,
 * as GNU's does: a file without a final newline continues the line of the next one. */
static int cat_format(vl_ctx *c, cat_state *s, vl_in *in)
{
    char buf[65536];
    ssize_t n;
    bool plain = !s->show_tabs && !s->nonprint;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        const char *p = buf, *e = buf + n;
        while (p < e) {
            const char *q = memchr(p, '\n', (size_t)(e - p));
            bool nl = q != NULL;
            size_t len = (size_t)((nl ? q : e) - p);
            bool blank = s->at_bol && len == 0 && nl;
            if (s->at_bol && (nl || len)) {
                if (blank) {
                    if (s->squeeze && s->prev_blank) {
                        p++;
                        continue;
                    }
                    s->prev_blank = true;
                } else {
                    s->prev_blank = false;
                }
                if (s->nonblank ? !blank : s->number) num_put(c, s);
            }
            if (plain) vl_write(c, p, len);
            else
                for (size_t i = 0; i < len; i++) put_char(c, s, (unsigned char)p[i]);
            if (nl) {
                if (s->show_ends) vl_write(c, "$\n", 2);
                else vl_putc(c, '\n');
                p = q + 1;
            } else {
                p = e;
            }
            s->at_bol = nl;
        }
        vl_flush(c);
    }
    return (int)n;
}

static int cat_plain(vl_ctx *c, vl_in *in)
{
    char buf[65536];
    ssize_t n;
    /* each read is written at once, as GNU cat does: a reader of a pipe (a coprocess's
     * shell, cat | while read) sees a line as soon as it arrives */
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_write(c, buf, (size_t)n);
        vl_flush(c);
    }
    return (int)n;
}

static int cat_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    cat_state s = {0};
    s.at_bol = true;
    num_init(&s);
    s.number = vl_has(c, 'n');
    s.nonblank = vl_has(c, 'b');
    s.squeeze = vl_has(c, 's');
    s.show_ends = vl_has(c, 'E') || vl_has(c, 'A') || vl_has(c, 'e');
    s.show_tabs = vl_has(c, 'T') || vl_has(c, 'A') || vl_has(c, 't');
    s.nonprint = vl_has(c, 'v') || vl_has(c, 'A') || vl_has(c, 'e') || vl_has(c, 't');
    bool fmt = s.number || s.nonblank || s.squeeze || s.show_ends || s.show_tabs || s.nonprint;
    /* GNU looks at stdout before reading anything: a closed one is reported up front */
    struct vk_stat ost;
    int orc = vk_fstat(c->p, 1, &ost);
    if (orc < 0) vl_die(c, 1, "standard output: %s", vl_strerror(orc));
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        /* copying a nonempty regular file onto itself would never end (GNU's check) */
        struct vk_stat ist;
        if (VK_S_ISREG(ost.mode) && vk_fstat(c->p, in->fd, &ist) == 0 && ist.dev == ost.dev &&
            ist.ino == ost.ino && vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR) < (int64_t)ist.size) {
            vl_error(c, "%s: input file is output file", vl_quote(c, argv[i]));
            vl_in_close(c, in);
            continue;
        }
        int rc = fmt ? cat_format(c, &s, in) : cat_plain(c, in);
        if (rc < 0) vl_perror(c, vl_quote(c, argv[i]), rc);
        vl_in_close(c, in);
    }
    return c->status;
}

static const vl_opt cat_opts[] = {
    {'A', "show-all", VL_NOARG, NULL, "equivalent to -vET"},
    {'b', "number-nonblank", VL_NOARG, NULL, "number nonempty output lines, overrides -n"},
    {'e', NULL, VL_NOARG, NULL, "equivalent to -vE"},
    {'E', "show-ends", VL_NOARG, NULL, "display $ at end of each line"},
    {'n', "number", VL_NOARG, NULL, "number all output lines"},
    {'s', "squeeze-blank", VL_NOARG, NULL, "suppress repeated empty output lines"},
    {'t', NULL, VL_NOARG, NULL, "equivalent to -vT"},
    {'T', "show-tabs", VL_NOARG, NULL, "display TAB characters as ^I"},
    {'u', NULL, VL_NOARG, NULL, "(ignored)"},
    {'v', "show-nonprinting", VL_NOARG, NULL, "use ^ and M- notation, except for LFD and TAB"},
    {0}};
VL_COMMAND(cat, cat_main, cat_opts, "[OPTION]... [FILE]...",
           "Concatenate FILE(s) to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
