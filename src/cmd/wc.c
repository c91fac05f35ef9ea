/* wc: newline, word, character, byte counts and the longest line, per file and in total,
 * with GNU's column width rule (digits of the total size of regular files, at least 7 when
 * an input is not a regular file, 1 for a lone count of a lone input). Characters are bytes
 * (the C locale); words are runs of non-space bytes. */
#include "lib/cmd.h"

#include <string.h>

typedef struct counts {
    uint64_t lines, words, chars, bytes, maxlen;
} counts;

static int count_in(vl_ctx *c, vl_in *in, counts *k)
{
    char buf[65536];
    ssize_t n;
    bool in_word = false;
    uint64_t col = 0;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        k->bytes += (uint64_t)n;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            switch (ch) {
            case '\n':
                k->lines++;
                /* fallthrough */
            case '\r':
            case '\f':
                if (col > k->maxlen) k->maxlen = col;
                col = 0;
                in_word = false;
                break;
            case '\t':
                col += 8 - col % 8;
                in_word = false;
                break;
            case ' ':
                col++;
                in_word = false;
                break;
            case '\v':
                in_word = false;
                break;
            default:
                if (ch >= 0x20 && ch < 0x7f) col++;
                if (!in_word) k->words++;
                in_word = true;
            }
        }
    }
    if (col > k->maxlen) k->maxlen = col;
    k->chars = k->bytes;
    return (int)n;
}

typedef struct wc_flags {
    bool l, w, m, c, L;
} wc_flags;

static void print_counts(vl_ctx *c, const wc_flags *f, const counts *k, int width,
                         const char *name)
{
    uint64_t v[5] = {k->lines, k->words, k->chars, k->bytes, k->maxlen};
    bool on[5] = {f->l, f->w, f->m, f->c, f->L};
    bool first = true;
    for (int i = 0; i < 5; i++) {
        if (!on[i]) continue;
        vl_printf(c, first ? "%*llu" : " %*llu", width, (unsigned long long)v[i]);
        first = false;
    }
    if (name) vl_printf(c, " %s", name);
    vl_putc(c, '\n');
}

static int wc_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    wc_flags f = {vl_has(c, 'l'), vl_has(c, 'w'), vl_has(c, 'm'), vl_has(c, 'c'), vl_has(c, 'L')};
    if (!f.l && !f.w && !f.m && !f.c && !f.L) f.l = f.w = f.c = true;
    int nflags = f.l + f.w + f.m + f.c + f.L;
    bool named = n > 0;
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    /* GNU sizes the columns before reading anything, from what stat says */
    int width = 1;
    if (!(n == 1 && nflags == 1)) {
        uint64_t regular = 0;
        int minw = 1;
        bool first_failed = false;
        for (int i = 1; i <= n; i++) {
            struct vk_stat st;
            int rc = strcmp(argv[i], "-") == 0 ? vk_fstat(c->p, 0, &st)
                                               : vk_stat(c->p, argv[i], &st);
            if (rc < 0) {
                if (i == 1) first_failed = true;
                continue;
            }
            if (VK_S_ISREG(st.mode)) regular += st.size;
            else minw = 7;
        }
        if (!first_failed) {
            for (; regular >= 10; regular /= 10) width++;
            if (width < minw) width = minw;
        }
    }
    counts total = {0};
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        counts k = {0};
        int rc = count_in(c, in, &k);
        if (rc < 0) vl_perror(c, vl_quote(c, argv[i]), rc);
        vl_in_close(c, in);
        print_counts(c, &f, &k, width, named ? argv[i] : NULL);
        total.lines += k.lines;
        total.words += k.words;
        total.chars += k.chars;
        total.bytes += k.bytes;
        if (k.maxlen > total.maxlen) total.maxlen = k.maxlen;
    }
    if (n > 1) print_counts(c, &f, &total, width, "total");
    return c->status;
}

static const vl_opt wc_opts[] = {
    {'c', "bytes", VL_NOARG, NULL, "print the byte counts"},
    {'m', "chars", VL_NOARG, NULL, "print the character counts"},
    {'l', "lines", VL_NOARG, NULL, "print the newline counts"},
    {'L', "max-line-length", VL_NOARG, NULL, "print the maximum display width"},
    {'w', "words", VL_NOARG, NULL, "print the word counts"},
    {0}};
VL_COMMAND(wc, wc_main, wc_opts, "[OPTION]... [FILE]...",
           "Print newline, word, and byte counts for each FILE, and a total line if\n"
           "more than one FILE is specified.  A word is a non-zero-length sequence of\n"
           "printable characters delimited by white space.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
