/* shuf: random permutations of lines (files, -e arguments, -i ranges), -n -r -z -o and
 * --random-source. The random numbers come from gnulib's randint over the source's bytes taken
 * exactly as GNU shuf takes them, and the same algorithms (Fisher-Yates of randperm, reservoir
 * sampling for -n over a stream), so a given --random-source gives GNU's output byte for byte.
 * Without one, bytes come from the kernel's random source. The input is held in memory (the
 * VM's memory limit bounds it), except with -n over a stream: then only the sample is. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

/* ---- gnulib's randread + randint ---- */
typedef struct rsource {
    vl_in *in; /* NULL: the kernel's random bits */
    const char *name;
    uint64_t randnum, randmax;
} rsource;

static void rread(vl_ctx *c, rsource *r, unsigned char *buf, size_t n)
{
    if (!r->in) {
        while (n > 0) {
            uint64_t x = vk_random(c->p);
            size_t k = n < 8 ? n : 8;
            memcpy(buf, &x, k);
            buf += k;
            n -= k;
        }
        return;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = vl_in_read(c, r->in, buf + got, n - got);
        if (k < 0) vl_die(c, 1, "%s: %s", vl_quote_locale(c, r->name), vl_strerror((int)k));
        if (k == 0) vl_die(c, 1, "%s: end of file", vl_quote_locale(c, r->name));
        got += (size_t)k;
    }
}

/* A uniform number in 0..genmax (gnulib's randint_genmax). */
static uint64_t genmax(vl_ctx *c, rsource *r, uint64_t gmax)
{
    uint64_t randnum = r->randnum, randmax = r->randmax;
    uint64_t choices = gmax + 1;
    for (;;) {
        if (randmax < gmax) {
            size_t i = 0;
            uint64_t rmax = randmax;
            unsigned char buf[8];
            do {
                rmax = (rmax << 8) + 0xff;
                i++;
            } while (rmax < gmax);
            rread(c, r, buf, i);
            for (size_t k = 0; k < i; k++) randnum = (randnum << 8) + buf[k];
            randmax = rmax;
        }
        if (randmax == gmax) {
            r->randnum = r->randmax = 0;
            return randnum;
        }
        uint64_t excess = randmax - gmax;
        uint64_t unusable = excess % choices;
        uint64_t last_usable = randmax - unusable;
        uint64_t reduced = randnum % choices;
        if (randnum <= last_usable) {
            r->randnum = randnum / choices;
            r->randmax = last_usable / choices;
            return reduced;
        }
        randnum = reduced;
        randmax = unusable - 1;
    }
}

static uint64_t choose(vl_ctx *c, rsource *r, uint64_t n)
{
    return genmax(c, r, n - 1);
}

static void tick(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

/* ---- randperm: the first h of a random permutation of 0..n-1 ----
 * Dense Fisher-Yates, or the same swaps over a small hash of the moved entries when n is large
 * and h small (what gnulib does for sparse permutations): both give the same numbers. */
typedef struct sparse {
    uint64_t *key, *val;
    size_t cap, used;
} sparse;

/* Room for two more keys, so the two lookups of a swap keep their pointers valid. */
static void sp_reserve(vl_ctx *c, sparse *m)
{
    if ((m->used + 2) * 2 <= m->cap) return;
    sparse nm = {0};
    nm.cap = m->cap ? m->cap * 2 : 64;
    nm.key = vl_xmalloc(c, nm.cap * sizeof *nm.key);
    nm.val = vl_xmalloc(c, nm.cap * sizeof *nm.val);
    memset(nm.key, 0xff, nm.cap * sizeof *nm.key);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->key[i] == UINT64_MAX) continue;
        size_t k = (size_t)((m->key[i] * 0x9E3779B97F4A7C15ull) >> 20) & (nm.cap - 1);
        while (nm.key[k] != UINT64_MAX) k = (k + 1) & (nm.cap - 1);
        nm.key[k] = m->key[i];
        nm.val[k] = m->val[i];
        nm.used++;
    }
    vl_xfree(c, m->key);
    vl_xfree(c, m->val);
    *m = nm;
}

/* The value at k (k itself when never set); call sp_reserve first. */
static uint64_t *sp_slot(sparse *m, uint64_t k)
{
    size_t i = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
    while (m->key[i] != UINT64_MAX && m->key[i] != k) i = (i + 1) & (m->cap - 1);
    if (m->key[i] == UINT64_MAX) {
        m->key[i] = k;
        m->val[i] = k;
        m->used++;
    }
    return &m->val[i];
}

static uint64_t *randperm(vl_ctx *c, rsource *r, uint64_t h, uint64_t n)
{
    if (h == 0) return NULL;
    uint64_t *v = vl_xmalloc(c, h * sizeof *v);
    if (h == 1) {
        v[0] = choose(c, r, n);
        return v;
    }
    if (n >= 128 * 1024 && n / 64 >= h) {
        sparse m = {0};
        for (uint64_t i = 0; i < h; i++) {
            uint64_t j = i + choose(c, r, n - i);
            sp_reserve(c, &m);
            uint64_t *a = sp_slot(&m, i);
            uint64_t *b = sp_slot(&m, j);
            uint64_t vi = *a;
            *a = *b;
            *b = vi;
            v[i] = *a;
            if ((i & 1023) == 0) tick(c, 1024);
        }
        vl_xfree(c, m.key);
        vl_xfree(c, m.val);
        return v;
    }
    uint64_t *all = vl_xmalloc(c, n * sizeof *all);
    for (uint64_t i = 0; i < n; i++) all[i] = i;
    for (uint64_t i = 0; i < h; i++) {
        uint64_t j = i + choose(c, r, n - i);
        uint64_t t = all[i];
        all[i] = all[j];
        all[j] = t;
        if ((i & 1023) == 0) tick(c, 1024);
    }
    memcpy(v, all, h * sizeof *v);
    vl_xfree(c, all);
    return v;
}

/* ---- input ---- */
typedef struct line {
    const char *s;
    size_t len; /* with its delimiter */
} line;

static void read_all(vl_ctx *c, vl_in *in, int eol, vl_buf *data)
{
    char buf[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_buf_add(c, data, buf, (size_t)r);
        tick(c, (uint64_t)r / 256 + 1);
    }
    if (r < 0) vl_die(c, 1, "read error: %s", vl_strerror((int)r));
    if (data->len && data->data[data->len - 1] != eol) vl_buf_addc(c, data, eol);
}

static line *split_lines(vl_ctx *c, vl_buf *data, int eol, uint64_t *n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < data->len; i++)
        if (data->data[i] == (char)eol) k++;
    line *v = vl_xmalloc(c, (k ? k : 1) * sizeof *v);
    size_t start = 0;
    k = 0;
    for (size_t i = 0; i < data->len; i++)
        if (data->data[i] == (char)eol) {
            v[k].s = data->data + start;
            v[k++].len = i + 1 - start;
            start = i + 1;
        }
    *n = k;
    return v;
}

static void out_line(vl_ctx *c, const char *s, size_t len, int eol)
{
    vl_write(c, s, len);
    if (len == 0 || s[len - 1] != (char)eol) vl_putc(c, eol);
}

/* A count as GNU's xdectoumax reads it: decimal, no sign, no suffix. */
static uint64_t dectou(vl_ctx *c, const char *s, const char *what)
{
    const char *q = s;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (*q == '+') q++;
    uint64_t v = 0;
    bool big = false;
    if (!*q || strspn(q, "0123456789") != strlen(q))
        vl_die(c, 1, "%s: %s", what, vl_quote_locale(c, s));
    for (; *q; q++) {
        if (v > (UINT64_MAX - (unsigned)(*q - '0')) / 10) big = true;
        else v = v * 10 + (unsigned)(*q - '0');
    }
    if (big)
        vl_die(c, 1, "%s: %s: Value too large for defined data type", what, vl_quote_locale(c, s));
    return v;
}

/* Every -n in argv (GNU keeps the smallest; vl_getopt only the last), read before vl_getopt
 * reorders argv. NULL when there is none. */
static const char *smallest_count(vl_ctx *c, int argc, char **argv, uint64_t *min)
{
    const char *found = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || a[1] == '\0') continue;
        if (a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (len >= 5 && strncmp(a, "--head-count", len) == 0)
                val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            else if (!eq && len >= 3 && (strncmp(a, "--input-range", len) == 0 ||
                                         strncmp(a, "--output", len) == 0 ||
                                         strncmp(a, "--random-source", len) == 0))
                i++;
        } else {
            for (const char *q = a + 1; *q; q++) {
                if (*q == 'n') {
                    val = q[1] ? q + 1 : (i + 1 < argc ? argv[++i] : NULL);
                    break;
                }
                if (*q == 'i' || *q == 'o') {
                    if (!q[1]) i++;
                    break;
                }
            }
        }
        if (!val) continue;
        uint64_t v = dectou(c, val, "invalid line count");
        if (!found || v < *min) *min = v;
        found = val;
    }
    return found;
}

static int shuf_main(vl_ctx *c, int argc, char **argv)
{
    uint64_t min_count = UINT64_MAX;
    bool have_count = smallest_count(c, argc, argv, &min_count) != NULL;
    int n = vl_getopt(c, argc, argv);
    bool echo = vl_has(c, 'e'), range = vl_has(c, 'i'), repeat = vl_has(c, 'r');
    int eol = vl_has(c, 'z') ? 0 : '\n';
    uint64_t head = UINT64_MAX, lo = 0, hi = 0;
    if (vl_has(c, 'n')) head = have_count ? min_count : dectou(c, vl_arg(c, 'n'), "invalid line count");
    if (vl_count(c, 'i') > 1) vl_die(c, 1, "multiple -i options specified");
    if (range) {
        const char *a = vl_arg(c, 'i');
        const char *dash = strchr(a, '-');
        const char *hs = a;
        if (dash) {
            char *l = vl_xmalloc(c, (size_t)(dash - a) + 1);
            memcpy(l, a, (size_t)(dash - a));
            l[dash - a] = '\0';
            lo = dectou(c, l, "invalid input range");
            hs = dash + 1;
        }
        hi = dectou(c, hs, "invalid input range");
        uint64_t cnt = hi - lo + 1;
        if (!dash || (lo <= hi) == (cnt == 0))
            vl_die(c, 1, "invalid input range: %s", vl_quote_locale(c, a));
    }
    if (echo && range) vl_usage_error(c, "cannot combine -e and -i options");
    if (range && n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    if (!echo && !range && n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    if (vl_count(c, 'o') > 1) vl_die(c, 1, "multiple output files specified");
    if (vl_count(c, 256) > 1) vl_die(c, 1, "multiple random sources specified");

    rsource rs = {0};
    if (vl_has(c, 256)) {
        rs.name = vl_arg(c, 256);
        int err = 0;
        rs.in = vl_in_open_quiet(c, rs.name, &err);
        if (!rs.in) vl_die(c, 1, "%s: %s", vl_quote(c, rs.name), vl_strerror(err));
    }

    vl_buf data = {0};
    line *lines = NULL;
    uint64_t nlines = 0;
    bool reservoir = false;
    if (echo) {
        nlines = (uint64_t)n;
        lines = vl_xmalloc(c, (nlines ? nlines : 1) * sizeof *lines);
        for (int i = 0; i < n; i++) lines[i] = (line){argv[i + 1], strlen(argv[i + 1])};
    } else if (range) {
        nlines = hi + 1 - lo;
    } else {
        vl_in *in = vl_in_open(c, n ? argv[1] : "-");
        if (!in) return 1;
        /* GNU samples a stream (anything but a regular file of at most 8 MiB) with a
         * reservoir when only some lines are wanted */
        bool small = false;
        struct vk_stat st;
        if (vk_fstat(c->p, in->fd, &st) == 0 && VK_S_ISREG(st.mode)) {
            int64_t off = vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR);
            if (off < 0) off = 0;
            small = (int64_t)st.size - off <= 8192 * 1024;
        }
        if (repeat || head == UINT64_MAX || small) {
            read_all(c, in, eol, &data);
            lines = split_lines(c, &data, eol, &nlines);
        } else {
            reservoir = true;
            uint64_t cap = head < 1024 ? head : 1024, k = 0;
            vl_buf *res = vl_xcalloc(c, cap ? cap : 1, sizeof *res);
            char *l;
            ssize_t r = 1;
            while (k < head && (r = vl_in_getdelim(c, in, eol, &l)) > 0) {
                if (k == cap) {
                    uint64_t ncap = cap * 2 < head ? cap * 2 : head;
                    res = vl_xrealloc(c, res, ncap * sizeof *res);
                    memset(res + cap, 0, (ncap - cap) * sizeof *res);
                    cap = ncap;
                }
                vl_buf_add(c, &res[k++], l, (size_t)r);
            }
            if (r > 0 && k == head) {
                /* the fate of each further line is chosen before it is read, as in GNU */
                uint64_t seen = k;
                vl_buf dummy = {0};
                for (;;) {
                    uint64_t j = choose(c, &rs, seen + 1);
                    vl_buf *dst = j < head ? &res[j] : &dummy;
                    r = vl_in_getdelim(c, in, eol, &l);
                    if (r <= 0) break;
                    dst->len = 0;
                    vl_buf_add(c, dst, l, (size_t)r);
                    seen++;
                    if ((seen & 1023) == 0) tick(c, 1024);
                }
                vl_buf_free(c, &dummy);
            }
            if (r < 0) vl_die(c, 1, "read error: %s", vl_strerror((int)r));
            nlines = k;
            lines = vl_xmalloc(c, (k ? k : 1) * sizeof *lines);
            for (uint64_t i = 0; i < k; i++) lines[i] = (line){res[i].data, res[i].len};
        }
        vl_in_close(c, in);
    }

    uint64_t ahead = repeat || head < nlines ? head : nlines;
    uint64_t *perm = NULL;
    if (!repeat) perm = randperm(c, &rs, ahead, nlines);
    (void)reservoir;

    /* the output file is opened only now, so -o may name the input */
    if (vl_has(c, 'o')) {
        int fd = vk_open(c->p, vl_arg(c, 'o'), VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) vl_die(c, 1, "%s: %s", vl_quote(c, vl_arg(c, 'o')), vl_strerror(fd));
        vl_flush(c);
        vk_dup2(c->p, fd, 1);
        vk_close(c->p, fd);
    }
    if (repeat) {
        if (head == 0) return 0;
        if (nlines == 0) vl_die(c, 1, "no lines to repeat");
        for (uint64_t i = 0; i < ahead; i++) {
            uint64_t j = choose(c, &rs, nlines);
            if (range) vl_printf(c, "%llu%c", (unsigned long long)(lo + j), eol);
            else out_line(c, lines[j].s, lines[j].len, eol);
            if ((i & 1023) == 0) tick(c, 1024);
        }
    } else {
        for (uint64_t i = 0; i < ahead; i++) {
            if (range) vl_printf(c, "%llu%c", (unsigned long long)(lo + perm[i]), eol);
            else out_line(c, lines[perm[i]].s, lines[perm[i]].len, eol);
            if ((i & 1023) == 0) tick(c, 1024);
        }
    }
    return c->status;
}

static const vl_opt shuf_opts[] = {
    {'e', "echo", VL_NOARG, NULL, "treat each ARG as an input line"},
    {'i', "input-range", VL_ARG, "LO-HI", "treat each number LO through HI as an input line"},
    {'n', "head-count", VL_ARG, "COUNT", "output at most COUNT lines"},
    {'o', "output", VL_ARG, "FILE", "write result to FILE instead of standard output"},
    {256, "random-source", VL_ARG, "FILE", "get random bytes from FILE"},
    {'r', "repeat", VL_NOARG, NULL, "output lines can be repeated"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(shuf, shuf_main, shuf_opts, "[OPTION]... [FILE]",
           "Write a random permutation of the input lines to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
