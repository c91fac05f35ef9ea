/* comm: GNU comm: lines only in FILE1, only in FILE2, and in both, in three columns (-1 -2 -3
 * hide them), compared bytewise; GNU's order checking (by default once a line is unpairable,
 * always with --check-order, never with --nocheck-order), --output-delimiter, --total, -z.
 * Streams: it keeps the last three lines of each file. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

enum { OPT_CHECK = 256, OPT_NOCHECK, OPT_OUTDELIM, OPT_TOTAL };
enum { CHECK_DEFAULT, CHECK_ENABLED, CHECK_DISABLED };

typedef struct cfile {
    vl_in *in;
    const char *name;
    vl_buf line[3]; /* rotating: cur, prev, prev2 (each with its delimiter) */
    int cur;
    bool have[3];
    bool eof;
} cfile;

typedef struct comm_state {
    vl_ctx *c;
    bool show[3];
    int check;
    bool unpairable;
    bool warned[2];
    const char *sep;
    size_t seplen;
    int delim;
    uint64_t lines;
} comm_state;

static int cmp_lines(const vl_buf *a, const vl_buf *b)
{
    size_t al = a->len - 1, bl = b->len - 1;
    int d = memcmp(a->data, b->data, al < bl ? al : bl);
    if (d) return d;
    return al < bl ? -1 : al != bl;
}

/* Read the next line into the next slot; false at the end. */
static bool next_line(comm_state *s, cfile *f)
{
    if (f->eof) return false;
    char *line;
    ssize_t n = vl_in_getdelim(s->c, f->in, s->delim, &line);
    if (n < 0) vl_die(s->c, 1, "%s: %s", vl_quote(s->c, f->name), vl_strerror((int)n));
    int slot = (f->cur + 1) % 3;
    if (n == 0) {
        f->eof = true;
        return false;
    }
    f->cur = slot;
    vl_buf *b = &f->line[slot];
    b->len = 0;
    vl_buf_add(s->c, b, line, (size_t)n);
    if (line[n - 1] != (char)s->delim) vl_buf_addc(s->c, b, s->delim);
    f->have[slot] = true;
    return true;
}

static void check_order(comm_state *s, const vl_buf *prev, const vl_buf *cur, int which)
{
    if (s->check == CHECK_DISABLED) return;
    if (!(s->check == CHECK_ENABLED || s->unpairable)) return;
    if (s->warned[which - 1]) return;
    if (cmp_lines(prev, cur) > 0) {
        if (s->check == CHECK_ENABLED) vl_die(s->c, 1, "file %d is not in sorted order", which);
        vl_error(s->c, "file %d is not in sorted order", which);
        s->c->status = 0;
        s->warned[which - 1] = true;
    }
}

static void write_line(comm_state *s, const vl_buf *b, int cls)
{
    vl_ctx *c = s->c;
    if (!s->show[cls - 1]) return;
    if (cls >= 2 && s->show[0]) vl_write(c, s->sep, s->seplen);
    if (cls == 3 && s->show[1]) vl_write(c, s->sep, s->seplen);
    vl_write(c, b->data, b->len);
}

static void put_u64(vl_ctx *c, uint64_t v)
{
    char buf[32];
    int k = 0;
    do {
        buf[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) vl_putc(c, buf[--k]);
}

static int comm_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    comm_state s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.show[0] = !vl_has(c, '1');
    s.show[1] = !vl_has(c, '2');
    s.show[2] = !vl_has(c, '3');
    s.delim = vl_has(c, 'z') ? 0 : '\n';
    if (vl_has(c, OPT_CHECK) || vl_has(c, OPT_NOCHECK))
        s.check = vl_last(c, OPT_CHECK) > vl_last(c, OPT_NOCHECK) ? CHECK_ENABLED : CHECK_DISABLED;
    s.sep = "\t";
    s.seplen = 1;
    if (vl_has(c, OPT_OUTDELIM)) {
        s.sep = vl_arg(c, OPT_OUTDELIM);
        s.seplen = *s.sep ? strlen(s.sep) : 1; /* '' is the NUL byte */
    }
    if (n < 2) {
        if (n == 0) vl_eprintf(c, "%s: missing operand\n", c->name);
        else vl_eprintf(c, "%s: missing operand after %s\n", c->name, vl_quote_locale(c, argv[n]));
        vl_try_help(c);
    }
    if (n > 2) {
        vl_eprintf(c, "%s: extra operand %s\n", c->name, vl_quote_locale(c, argv[3]));
        vl_try_help(c);
    }
    cfile f[2];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 2; i++) {
        f[i].name = argv[i + 1];
        int err = 0;
        f[i].in = vl_in_open_quiet(c, f[i].name, &err);
        if (!f[i].in) vl_die(c, 1, "%s: %s", vl_quote(c, f[i].name), vl_strerror(err));
        f[i].cur = 2;
        next_line(&s, &f[i]);
    }
    uint64_t total[3] = {0, 0, 0};
    for (;;) {
        bool h0 = !f[0].eof, h1 = !f[1].eof;
        if (!h0 && !h1) break;
        const vl_buf *l0 = &f[0].line[f[0].cur], *l1 = &f[1].line[f[1].cur];
        int order = !h0 ? 1 : !h1 ? -1 : cmp_lines(l0, l1);
        if (order == 0) {
            total[2]++;
            write_line(&s, l1, 3);
        } else {
            s.unpairable = true;
            if (order < 0) {
                total[0]++;
                write_line(&s, l0, 1);
            } else {
                total[1]++;
                write_line(&s, l1, 2);
            }
        }
        for (int i = 0; i < 2; i++) {
            if (!(i == 0 ? order <= 0 : order >= 0)) continue;
            int prev = f[i].cur, prev2 = (f[i].cur + 2) % 3;
            bool had_prev2 = f[i].have[prev2];
            if (next_line(&s, &f[i])) {
                check_order(&s, &f[i].line[prev], &f[i].line[f[i].cur], i + 1);
            } else if (had_prev2) {
                /* at the end, recheck the last two lines: a line may have become unpairable
                 * since they were compared */
                check_order(&s, &f[i].line[prev2], &f[i].line[prev], i + 1);
            }
        }
        if ((++s.lines & 4095) == 0) {
            int rc = vk_steps(c->p, 64);
            if (rc < 0 && rc != VOS_EINTR) {
                int w = vk_dying(c->p);
                vl_exit(c, w ? VK_WSHELL(w) : 1);
            }
        }
    }
    if (vl_has(c, OPT_TOTAL)) {
        /* GNU prints the separator as a C string: an empty one prints nothing */
        for (int i = 0; i < 3; i++) {
            put_u64(c, total[i]);
            vl_puts(c, s.sep);
        }
        vl_puts(c, "total");
        vl_putc(c, s.delim);
    }
    for (int i = 0; i < 2; i++) {
        vl_in_close(c, f[i].in);
        for (int k = 0; k < 3; k++) vl_buf_free(c, &f[i].line[k]);
    }
    if (s.warned[0] || s.warned[1]) vl_die(c, 1, "input is not in sorted order");
    return c->status;
}

static const vl_opt comm_opts[] = {
    {'1', NULL, VL_NOARG, NULL, "suppress column 1 (lines unique to FILE1)"},
    {'2', NULL, VL_NOARG, NULL, "suppress column 2 (lines unique to FILE2)"},
    {'3', NULL, VL_NOARG, NULL, "suppress column 3 (lines that appear in both files)"},
    {OPT_CHECK, "check-order", VL_NOARG, NULL,
     "check that the input is correctly sorted, even\n  if all input lines are pairable"},
    {OPT_NOCHECK, "nocheck-order", VL_NOARG, NULL, "do not check that the input is correctly sorted"},
    {OPT_OUTDELIM, "output-delimiter", VL_ARG, "STR", "separate columns with STR"},
    {OPT_TOTAL, "total", VL_NOARG, NULL, "output a summary"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(comm, comm_main, comm_opts, "[OPTION]... FILE1 FILE2",
           "Compare sorted files FILE1 and FILE2 line by line.\n\n"
           "When FILE1 or FILE2 (not both) is -, read standard input.\n\n"
           "With no options, produce three-column output.  Column one contains\n"
           "lines unique to FILE1, column two contains lines unique to FILE2,\n"
           "and column three contains lines common to both files.",
           0, 1);
