/* cmp: compare two files byte by byte, as GNU diffutils 3.8's cmp: the first difference
 * ("differ: char N, line M" in the C locale), every difference (-l), only the status (-s),
 * bytes shown (-b), skipped prefixes (-i, SKIP operands) and a limit (-n); "EOF on X" messages
 * on stderr; exit 0 same, 1 different, 2 trouble. Streams both inputs in 64 KiB blocks. */
#include "lib/cmd.h"
#include "lib/diffcore.h"

#include <string.h>

enum { T_FIRST = 0, T_ALL, T_NO_STDOUT, T_STATUS };

typedef struct C {
    vl_ctx *c;
    int type; /* T_* (0: not given yet) */
    bool type_given;
    bool print_bytes;
    int64_t bytes;
    int64_t ignore[2];
    const char *file[2];
    int fd[2];
    struct vk_stat st[2];
} C;

#define BUFSZ 65536

/* GNU xstrtoimax with base 0 and the suffixes "kKMGTPEZY0": *end is where parsing stopped.
 * Returns 0, 1 (an invalid suffix character at *end) or -1 (invalid or too large). */
static int parse_size(const char *s, const char **end, int64_t *out)
{
    const char *p = s;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    int base = 10;
    if (*p == '0' && (p[1] == 'x' || p[1] == 'X') &&
        ((p[2] >= '0' && p[2] <= '9') || (p[2] >= 'a' && p[2] <= 'f') || (p[2] >= 'A' && p[2] <= 'F')))
        base = 16, p += 2;
    else if (*p == '0')
        base = 8;
    const char *digits = p;
    uint64_t v = 0;
    bool over = false;
    for (;; p++) {
        int dg;
        if (*p >= '0' && *p <= '9') dg = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f') dg = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F') dg = *p - 'A' + 10;
        else break;
        if (dg >= base) break;
        if (v > (UINT64_MAX - (uint64_t)dg) / (uint64_t)base) over = true;
        else v = v * (uint64_t)base + (uint64_t)dg;
    }
    *end = p;
    if (p == digits) {
        /* no digits: a lone suffix means 1 of it (xstrtol's rule) */
        if (*p && strchr("kKMGTPEZY", *p)) v = 1;
        else return -1;
    }
    if (*p) {
        const char *units = "kKMGTPEZY";
        const char *u = strchr(units, *p);
        if (!u || !*p) return 1;
        int power = *p == 'k' || *p == 'K' ? 1 : (int)(u - units);
        uint64_t base2 = 1024;
        const char *q = p + 1;
        if (q[0] == 'B') base2 = 1000, q++;
        else if (q[0] == 'i' && q[1] == 'B') q += 2;
        for (int i = 0; i < power; i++) {
            if (v > UINT64_MAX / base2) over = true;
            else v *= base2;
        }
        *end = q;
        if (*q) return 1;
    }
    if (over || v > (uint64_t)INT64_MAX) return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static void ignore_initial(C *m, int f, const char **argp, char delim)
{
    const char *arg = *argp, *end;
    int64_t v = 0;
    int rc = parse_size(arg, &end, &v);
    *argp = end;
    if (!(rc == 0 || (rc == 1 && *end == delim && delim)) || v < 0)
        vl_dusage(m->c, "invalid --ignore-initial value '%s'", arg);
    if (m->ignore[f] < v) m->ignore[f] = v;
}

static void set_type(C *m, int t)
{
    if (m->type_given && m->type != t) vl_dusage(m->c, "options -l and -s are incompatible");
    m->type = t;
    m->type_given = true;
}

static void on_opt(vl_ctx *c, int id, const char *arg, void *ud)
{
    C *m = ud;
    switch (id) {
    case 'b': m->print_bytes = true; break;
    case 'i': {
        const char *p = arg;
        ignore_initial(m, 0, &p, ':');
        if (*p == ':') {
            p++;
            ignore_initial(m, 1, &p, 0);
        } else if (m->ignore[1] < m->ignore[0]) {
            m->ignore[1] = m->ignore[0];
        }
        break;
    }
    case 'l': set_type(m, T_ALL); break;
    case 's': set_type(m, T_STATUS); break;
    case 'n': {
        const char *end;
        int64_t v = 0;
        if (parse_size(arg, &end, &v) != 0 || v < 0) vl_dusage(c, "invalid --bytes value '%s'", arg);
        if (v < m->bytes) m->bytes = v;
        break;
    }
    case 'v': vl_version(c); vl_exit(c, 0);
    default: break;
    }
}

static void sprintc(char *buf, unsigned char ch)
{
    if (!(ch >= 0x20 && ch < 0x7f)) {
        if (ch >= 128) {
            *buf++ = 'M';
            *buf++ = '-';
            ch = (unsigned char)(ch - 128);
        }
        if (ch < 32) {
            *buf++ = '^';
            ch = (unsigned char)(ch + 64);
        } else if (ch == 127) {
            *buf++ = '^';
            ch = '?';
        }
    }
    *buf++ = (char)ch;
    *buf = 0;
}

/* Read up to n bytes (fewer only at the end). */
static ssize_t block_read(C *m, int f, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = vk_read(m->c->p, m->fd[f], buf + got, n - got);
        if (r < 0) {
            int w = vk_dying(m->c->p);
            if (w) vl_exit(m->c, VK_WSHELL(w));
            return r;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

_Noreturn static void read_error(C *m, int f, int err)
{
    vl_die(m->c, 2, "%s: %s", m->file[f], vl_strerror(err));
}

static int cmp_files(C *m)
{
    vl_ctx *c = m->c;
    bool at_line_start = true;
    int64_t line_number = 1, byte_number = 1;
    uint64_t remaining = m->bytes == INT64_MAX ? UINT64_MAX : (uint64_t)m->bytes;
    int differing = 0;
    int offset_width = 0;
    if (m->type == T_ALL) {
        int64_t max = m->bytes;
        for (int f = 0; f < 2; f++)
            if (VK_S_ISREG(m->st[f].mode)) {
                int64_t fb = (int64_t)m->st[f].size - m->ignore[f];
                if (fb < max) max = fb;
            }
        for (offset_width = 1; (max /= 10) != 0; offset_width++) continue;
    }
    char *buf0 = vl_xmalloc(c, BUFSZ), *buf1 = vl_xmalloc(c, BUFSZ);
    /* skip the ignored prefixes */
    for (int f = 0; f < 2; f++) {
        int64_t ig = m->ignore[f];
        if (!ig) continue;
        if (VK_S_ISREG(m->st[f].mode) && vk_lseek(c->p, m->fd[f], ig, VK_SEEK_CUR) >= 0) continue;
        while (ig) {
            size_t want = ig < BUFSZ ? (size_t)ig : BUFSZ;
            ssize_t r = block_read(m, f, buf0, want);
            if (r < 0) read_error(m, f, (int)r);
            if ((size_t)r != want) break;
            ig -= r;
        }
    }
    size_t read0, read1;
    do {
        size_t want = BUFSZ;
        if (remaining != UINT64_MAX) {
            if (remaining < want) want = (size_t)remaining;
            remaining -= want;
        }
        ssize_t r0 = block_read(m, 0, buf0, want);
        if (r0 < 0) read_error(m, 0, (int)r0);
        ssize_t r1 = block_read(m, 1, buf1, want);
        if (r1 < 0) read_error(m, 1, (int)r1);
        read0 = (size_t)r0;
        read1 = (size_t)r1;
        vl_dsteps(c, 1 + want / 4096);
        size_t smaller = read0 < read1 ? read0 : read1;
        size_t first_diff = 0;
        if (memcmp(buf0, buf1, smaller) == 0) {
            first_diff = smaller;
        } else {
            while (first_diff + 8 <= smaller) {
                uint64_t a, b;
                memcpy(&a, buf0 + first_diff, 8);
                memcpy(&b, buf1 + first_diff, 8);
                if (a != b) break;
                first_diff += 8;
            }
            while (buf0[first_diff] == buf1[first_diff]) first_diff++;
        }
        byte_number += (int64_t)first_diff;
        if (m->type == T_FIRST && first_diff != 0) {
            for (const char *p = buf0, *e = buf0 + first_diff;
                 (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
                line_number++;
            at_line_start = buf0[first_diff - 1] == '\n';
        }
        if (first_diff < smaller) {
            switch (m->type) {
            case T_FIRST:
                if (!m->print_bytes) {
                    vl_printf(c, "%s %s differ: char %lld, line %lld\n", m->file[0], m->file[1],
                              (long long)byte_number, (long long)line_number);
                } else {
                    unsigned char c0 = (unsigned char)buf0[first_diff];
                    unsigned char c1 = (unsigned char)buf1[first_diff];
                    char s0[5], s1[5];
                    sprintc(s0, c0);
                    sprintc(s1, c1);
                    vl_printf(c, "%s %s differ: byte %lld, line %lld is %3o %s %3o %s\n",
                              m->file[0], m->file[1], (long long)byte_number,
                              (long long)line_number, c0, s0, c1, s1);
                }
                return 1;
            case T_STATUS:
                return 1;
            case T_ALL:
                do {
                    unsigned char c0 = (unsigned char)buf0[first_diff];
                    unsigned char c1 = (unsigned char)buf1[first_diff];
                    if (c0 != c1) {
                        if (!m->print_bytes) {
                            /* "%*lld %3o %3o\n" by hand: this runs for every differing byte */
                            char line[64], *e = line + sizeof line, *q = e;
                            *--q = '\n';
                            for (int k = 0; k < 3; k++) *--q = (char)('0' + ((c1 >> (3 * k)) & 7));
                            if (c1 < 0100) q[c1 < 010 ? 1 : 0] = ' ', q[0] = ' ';
                            *--q = ' ';
                            for (int k = 0; k < 3; k++) *--q = (char)('0' + ((c0 >> (3 * k)) & 7));
                            if (c0 < 0100) q[c0 < 010 ? 1 : 0] = ' ', q[0] = ' ';
                            *--q = ' ';
                            char *numend = q;
                            uint64_t v = (uint64_t)byte_number;
                            do {
                                *--q = (char)('0' + v % 10);
                                v /= 10;
                            } while (v);
                            while (numend - q < offset_width && q > line) *--q = ' ';
                            vl_write(c, q, (size_t)(e - q));
                        } else {
                            char s0[5], s1[5];
                            sprintc(s0, c0);
                            sprintc(s1, c1);
                            vl_printf(c, "%*lld %3o %-4s %3o %s\n", offset_width,
                                      (long long)byte_number, c0, s0, c1, s1);
                        }
                    }
                    byte_number++;
                    first_diff++;
                } while (first_diff < smaller);
                differing = -1;
                break;
            case T_NO_STDOUT:
                differing = 1;
                break;
            }
        }
        if (read0 != read1) {
            if (differing <= 0 && m->type != T_STATUS) {
                const char *shorter = m->file[read1 < read0];
                if (byte_number == 1) {
                    vl_eprintf(c, "cmp: EOF on %s which is empty\n", shorter);
                } else if (m->type == T_FIRST) {
                    vl_eprintf(c,
                               at_line_start ? "cmp: EOF on %s after byte %lld, line %lld\n"
                                             : "cmp: EOF on %s after byte %lld, in line %lld\n",
                               shorter, (long long)(byte_number - 1),
                               (long long)(line_number - at_line_start));
                } else {
                    vl_eprintf(c, "cmp: EOF on %s after byte %lld\n", shorter,
                               (long long)(byte_number - 1));
                }
            }
            return 1;
        }
    } while (differing <= 0 && read0 == BUFSZ);
    return differing == 0 ? 0 : 1;
}

static int cmp_main(vl_ctx *c, int argc, char **argv)
{
    C m0, *m = &m0;
    memset(m, 0, sizeof *m);
    m->c = c;
    m->bytes = INT64_MAX;
    int n = vl_dgetopt(c, argc, argv, false, on_opt, m, NULL, NULL);
    if (n == 0) vl_dusage(c, "missing operand after '%s'", argv[0]);
    int k = 1;
    m->file[0] = argv[k++];
    m->file[1] = k <= n ? argv[k++] : "-";
    for (int f = 0; f < 2 && k <= n; f++) {
        const char *a = argv[k++];
        ignore_initial(m, f, &a, 0);
    }
    if (k <= n) vl_dusage(c, "extra operand '%s'", argv[k]);

    for (int f = 0; f < 2; f++) {
        int f1 = f ^ (strcmp(m->file[1], "-") == 0);
        if (f && m->ignore[0] == m->ignore[1] && strcmp(m->file[0], m->file[1]) == 0) return 0;
        if (strcmp(m->file[f1], "-") == 0) {
            m->fd[f1] = 0;
        } else {
            m->fd[f1] = vk_open(c->p, m->file[f1], VK_O_RDONLY, 0);
            if (m->fd[f1] < 0) {
                int w = vk_dying(c->p);
                if (w) vl_exit(c, VK_WSHELL(w));
                if (m->type == T_STATUS) vl_exit(c, 2);
                vl_die(c, 2, "%s: %s", m->file[f1], vl_strerror(m->fd[f1]));
            }
        }
        int rc = vk_fstat(c->p, m->fd[f1], &m->st[f1]);
        if (rc < 0) vl_die(c, 2, "%s: %s", m->file[f1], vl_strerror(rc));
    }
    /* the same file at the same position is identical */
    if (m->st[0].dev == m->st[1].dev && m->st[0].ino == m->st[1].ino &&
        m->st[0].mode == m->st[1].mode && m->st[0].size == m->st[1].size &&
        m->st[0].mtime_ns == m->st[1].mtime_ns && m->ignore[0] == m->ignore[1] &&
        !VK_S_ISFIFO(m->st[0].mode) && (m->fd[0] != 0) == (m->fd[1] != 0))
        return 0;
    /* output going to /dev/null: only the status matters */
    if (m->type != T_STATUS) {
        struct vk_stat out, null;
        if (vk_fstat(c->p, 1, &out) == 0 && vk_stat(c->p, "/dev/null", &null) == 0 &&
            out.dev == null.dev && out.ino == null.ino && out.mode == null.mode)
            m->type = T_NO_STDOUT;
    }
    if (m->type == T_STATUS && VK_S_ISREG(m->st[0].mode) && VK_S_ISREG(m->st[1].mode)) {
        int64_t s0 = (int64_t)m->st[0].size - m->ignore[0];
        int64_t s1 = (int64_t)m->st[1].size - m->ignore[1];
        if (s0 < 0) s0 = 0;
        if (s1 < 0) s1 = 0;
        if (s0 != s1 && (s0 < s1 ? s0 : s1) < m->bytes) return 1;
    }
    for (int f = 0; f < 2; f++)
        if (VK_S_ISDIR(m->st[f].mode)) vl_die(c, 2, "%s: %s", m->file[f], vl_strerror(VOS_EISDIR));
    return cmp_files(m);
}

static const vl_opt cmp_opts[] = {
    {'b', "print-bytes", VL_NOARG, NULL, "print differing bytes"},
    {'i', "ignore-initial", VL_ARG, "SKIP", "skip first SKIP bytes of both inputs"},
    {'l', "verbose", VL_NOARG, NULL, "output byte numbers and differing byte values"},
    {'n', "bytes", VL_ARG, "LIMIT", "compare at most LIMIT bytes"},
    {'s', "quiet", VL_NOARG, NULL, "suppress all normal output"},
    {'s', "silent", VL_NOARG, NULL, NULL},
    {'v', "version", VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(cmp, cmp_main, cmp_opts, "[OPTION]... FILE1 [FILE2 [SKIP1 [SKIP2]]]",
           "Compare two files byte by byte.\n\n"
           "The optional SKIP1 and SKIP2 specify the number of bytes to skip\n"
           "at the beginning of each file (zero by default).\n\n"
           "SKIP values may be followed by the following multiplicative suffixes:\n"
           "kB 1000, K 1024, MB 1,000,000, M 1,048,576,\n"
           "GB 1,000,000,000, G 1,073,741,824, and so on for T, P, E, Z, Y.\n\n"
           "If a FILE is '-' or missing, read standard input.\n"
           "Exit status is 0 if inputs are the same, 1 if different, 2 if trouble.",
           VL_NO_OPTIONS, 2);
