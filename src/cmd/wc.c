/* wc: newline, word, character, byte counts and the longest line, per file and in total,
 * with GNU's column width rule (digits of the total size of regular files, at least 7 when
 * an input is not a regular file, 1 for a lone count of a lone input). Characters are bytes
 * (the C locale); words are runs of non-space bytes. */
#include "lib/cmd.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct counts {
    uint64_t lines, words, chars, bytes, maxlen;
} counts;

/* Newlines in buf. With SSE2 (every x86-64) sixteen bytes at a time: a compare gives -1 per
 * newline, subtracted into byte counters that are summed (psadbw) before they can wrap;
 * elsewhere eight at a time: a byte of x is zero exactly where the high bit of
 * ((x & 0x7f..) + 0x7f..) | x is clear. */
static uint64_t count_newlines(const char *buf, size_t n)
{
    uint64_t count = 0;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (i + 16 <= n) {
        __m128i acc = zero;
        size_t end = i + 16 * 255 < n ? i + 16 * 255 : n - (n - i) % 16;
        for (; i < end; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
        }
        __m128i sum = _mm_sad_epu8(acc, zero);
        count += (uint64_t)_mm_cvtsi128_si64(sum) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
    }
#else
    const uint64_t ones7 = 0x7f7f7f7f7f7f7f7full, nls = 0x0a0a0a0a0a0a0a0aull;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, buf + i, 8);
        uint64_t x = w ^ nls;
        uint64_t t = ((x & ones7) + ones7) | x;
        count += (uint64_t)__builtin_popcountll(~t & ~ones7);
    }
#endif
    for (; i < n; i++) count += buf[i] == '\n';
    return count;
}

static int count_in(vl_ctx *c, vl_in *in, counts *k, bool need_words)
{
    char buf[65536];
    ssize_t n;
    if (!need_words) {
        /* lines and bytes only: a regular file's size needs no reading when bytes alone are
         * wanted (as GNU does), and newlines are counted a word at a time */
        struct vk_stat st;
        if (k->lines == UINT64_MAX && in->pos == in->len && vk_fstat(c->p, in->fd, &st) == 0 &&
            VK_S_ISREG(st.mode) && st.size > 0) {
            int64_t off = vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR);
            if (off >= 0) {
                k->lines = 0;
                k->bytes = k->chars = st.size > (uint64_t)off ? st.size - (uint64_t)off : 0;
                vk_lseek(c->p, in->fd, 0, VK_SEEK_END);
                return 0;
            }
        }
        k->lines = 0;
        enum { BIG = 1 << 18 };
        char *big = vl_xmalloc(c, BIG);
        while ((n = vl_in_read(c, in, big, BIG)) > 0) {
            k->bytes += (uint64_t)n;
            k->lines += count_newlines(big, (size_t)n);
        }
        vl_xfree(c, big);
        k->chars = k->bytes;
        return (int)n;
    }
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

/* Count one named input and print its line; adds to total. */
static void wc_one(vl_ctx *c, const wc_flags *f, const char *name, int width, bool named,
                   counts *total)
{
    vl_in *in = vl_in_open(c, name);
    if (!in) return;
    counts k = {0};
    /* lines == UINT64_MAX asks count_in for the size alone */
    if (!f->l && !f->w && !f->L) k.lines = UINT64_MAX;
    int rc = count_in(c, in, &k, f->w || f->L);
    if (rc < 0) vl_perror(c, vl_quote(c, name), rc);
    vl_in_close(c, in);
    print_counts(c, f, &k, width, named ? name : NULL);
    total->lines += k.lines;
    total->words += k.words;
    total->chars += k.chars;
    total->bytes += k.bytes;
    if (k.maxlen > total->maxlen) total->maxlen = k.maxlen;
}

/* GNU sizes the columns before reading anything, from what stat says: the digits of the
 * regular files' total size, at least 7 when one is not a regular file, 1 when the first
 * cannot be looked at or for a lone count of a lone input. */
static int column_width(vl_ctx *c, int n, char **names, int nflags)
{
    int width = 1;
    if (n == 0 || (n == 1 && nflags == 1)) return 1;
    uint64_t regular = 0;
    int minw = 1;
    for (int i = 0; i < n; i++) {
        struct vk_stat st;
        int rc = strcmp(names[i], "-") == 0 ? vk_fstat(c->p, 0, &st) : vk_stat(c->p, names[i], &st);
        if (rc < 0) {
            if (i == 0) return 1;
            continue;
        }
        if (VK_S_ISREG(st.mode)) regular += st.size;
        else minw = 7;
    }
    for (; regular >= 10; regular /= 10) width++;
    return width < minw ? minw : width;
}

static int wc_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    wc_flags f = {vl_has(c, 'l'), vl_has(c, 'w'), vl_has(c, 'm'), vl_has(c, 'c'), vl_has(c, 'L')};
    if (!f.l && !f.w && !f.m && !f.c && !f.L) f.l = f.w = f.c = true;
    int nflags = f.l + f.w + f.m + f.c + f.L;
    counts total = {0};
    if (vl_has(c, 256)) {
        const char *list = vl_arg(c, 256);
        if (n > 0) {
            vl_eprintf(c, "%s: extra operand %s\nfile operands cannot be combined with "
                          "--files0-from\n", c->name, vl_quote_always(c, argv[1]));
            vl_try_help(c);
        }
        bool from_stdin = strcmp(list, "-") == 0;
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, list, &err);
        if (!in) vl_die(c, 1, "cannot open %s for reading: %s", vl_quote_always(c, list), vl_strerror(err));
        struct vk_stat st;
        bool regular = vk_fstat(c->p, in->fd, &st) == 0 && VK_S_ISREG(st.mode);
        vl_buf all = {0};
        char buf[65536];
        ssize_t r;
        while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) vl_buf_add(c, &all, buf, (size_t)r);
        if (r < 0) vl_die(c, 1, "%s: read error: %s", vl_quote(c, list), vl_strerror((int)r));
        vl_in_close(c, in);
        /* the names, each ended by NUL (the last one may lack it) */
        int cap = 16, nn = 0;
        char **names = vl_xmalloc(c, (size_t)cap * sizeof *names);
        for (size_t i = 0; i < all.len;) {
            size_t len = strnlen(all.data + i, all.len - i);
            if (nn == cap) names = vl_xrealloc(c, names, (size_t)(cap *= 2) * sizeof *names);
            names[nn++] = all.data + i;
            i += len + 1;
        }
        int width = regular ? column_width(c, nn, names, nflags) : 1;
        for (int i = 0; i < nn; i++) {
            if (names[i][0] == '\0') {
                vl_error(c, "%s:%d: invalid zero-length file name", vl_quote(c, list), i + 1);
                continue;
            }
            if (from_stdin && strcmp(names[i], "-") == 0) {
                vl_error(c, "when reading file names from standard input, no file name of %s allowed",
                         vl_quote_always(c, "-"));
                continue;
            }
            wc_one(c, &f, names[i], width, true, &total);
        }
        if (nn > 1) print_counts(c, &f, &total, width, "total");
        return c->status;
    }
    bool named = n > 0;
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    int width = column_width(c, n, argv + 1, nflags);
    for (int i = 1; i <= n; i++) wc_one(c, &f, argv[i], width, named, &total);
    if (n > 1) print_counts(c, &f, &total, width, "total");
    return c->status;
}

static const vl_opt wc_opts[] = {
    {'c', "bytes", VL_NOARG, NULL, "print the byte counts"},
    {'m', "chars", VL_NOARG, NULL, "print the character counts"},
    {'l', "lines", VL_NOARG, NULL, "print the newline counts"},
    {'L', "max-line-length", VL_NOARG, NULL, "print the maximum display width"},
    {'w', "words", VL_NOARG, NULL, "print the word counts"},
    {256, "files0-from", VL_ARG, "F", "read input from the files specified by\n  NUL-terminated names in file F;\n  If F is - then read names from standard input"},
    {0}};
VL_COMMAND(wc, wc_main, wc_opts, "[OPTION]... [FILE]...",
           "Print newline, word, and byte counts for each FILE, and a total line if\n"
           "more than one FILE is specified.  A word is a non-zero-length sequence of\n"
           "printable characters delimited by white space.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
