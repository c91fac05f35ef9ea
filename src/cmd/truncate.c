/* truncate: shrink or extend the size of each FILE (GNU coreutils 9.1: -s with + - < > / %
 * and K/KB/KiB... suffixes, -r, -o, -c). Extending leaves a hole where the driver supports
 * one (memfs counts it against the filesystem limit). */
#include "lib/cmd.h"

#include <string.h>

static const vl_opt truncate_opts[] = {
    {'c', "no-create", VL_NOARG, NULL, "do not create any files"},
    {'o', "io-blocks", VL_NOARG, NULL, "treat SIZE as number of IO blocks instead of bytes"},
    {'r', "reference", VL_ARG, "RFILE", "base size on RFILE"},
    {'s', "size", VL_ARG, "SIZE", "set or adjust the file size by SIZE bytes"},
    {0, NULL, 0, NULL, NULL},
};

enum { REL_NONE, REL_ADD, REL_MAX, REL_MIN, REL_DOWN, REL_UP };

static bool space(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* A decimal number with an optional sign and GNU's suffixes (K=1024, KB=1000, KiB=1024; E G K M
 * P T Y Z and g k m t). 0, VOS_EINVAL or VOS_ERANGE. */
static int parse_size(const char *s, int64_t *out)
{
    const char *p = s;
    while (space(*p)) p++;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (*p < '0' || *p > '9') return VOS_EINVAL;
    uint64_t v = 0;
    bool over = false;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) over = true;
        else v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p) {
        static const char units[] = "KMGTPEZY";
        const char *u = strchr("EgGkKmMPtTYZ", *p) ? strchr(units, *p >= 'a' ? *p - 32 : *p) : NULL;
        if (!u) return VOS_EINVAL;
        unsigned base = 1024;
        p++;
        if (p[0] == 'i' && p[1] == 'B') p += 2;
        else if (p[0] == 'B') base = 1000, p++;
        if (*p) return VOS_EINVAL;
        for (int i = 0; i <= u - units; i++)
            if (__builtin_mul_overflow(v, base, &v)) over = true;
    }
    if (over || v > (uint64_t)INT64_MAX + neg) return VOS_ERANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int truncate_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int mode = REL_NONE;
    int64_t size = 0;
    bool got_size = vl_has(c, 's');
    if (got_size) {
        const char *s = vl_arg(c, 's');
        while (space(*s)) s++;
        const char *mods = "<>/%";
        const char *m = *s ? strchr(mods, *s) : NULL;
        if (m) {
            mode = *s == '<' ? REL_MAX : *s == '>' ? REL_MIN : *s == '/' ? REL_DOWN : REL_UP;
            s++;
        }
        while (space(*s)) s++;
        if (*s == '+' || *s == '-') {
            if (mode != REL_NONE) vl_usage_error(c, "multiple relative modifiers specified");
            mode = REL_ADD;
        }
        int rc = parse_size(s, &size);
        if (rc == VOS_ERANGE)
            vl_die(c, 1, "Invalid number: %s: Value too large for defined data type",
                   vl_quote_always(c, s));
        if (rc < 0) vl_die(c, 1, "Invalid number: %s", vl_quote_always(c, s));
        if ((mode == REL_UP || mode == REL_DOWN) && size == 0) vl_die(c, 1, "division by zero");
    }
    const char *ref = vl_arg(c, 'r');
    if (!ref && !got_size)
        vl_usage_error(c, "you must specify either %s or %s", vl_quote_always(c, "--size"),
                       vl_quote_always(c, "--reference"));
    if (ref && got_size && mode == REL_NONE)
        vl_usage_error(c, "you must specify a relative %s with %s", vl_quote_always(c, "--size"),
                       vl_quote_always(c, "--reference"));
    bool blocks = vl_has(c, 'o');
    if (blocks && !got_size)
        vl_usage_error(c, "%s was specified but %s was not", vl_quote_always(c, "--io-blocks"),
                       vl_quote_always(c, "--size"));
    if (n == 0) vl_usage_error(c, "missing file operand");
    int64_t rsize = -1;
    if (ref) {
        struct vk_stat st;
        int rc = vk_stat(c->p, ref, &st);
        if (rc < 0) vl_die(c, 1, "cannot stat %s: %s", vl_quote_always(c, ref), vl_strerror(rc));
        if (!got_size) size = (int64_t)st.size;
        else rsize = (int64_t)st.size;
    }
    int flags = VK_O_WRONLY | VK_O_NONBLOCK | (vl_has(c, 'c') ? 0 : VK_O_CREAT);
    for (int i = 1; i <= n; i++) {
        const char *f = argv[i];
        int fd = vk_open(c->p, f, flags, 0666);
        if (fd < 0) {
            if (!(vl_has(c, 'c') && fd == VOS_ENOENT))
                vl_error(c, "cannot open %s for writing: %s", vl_quote_always(c, f),
                         vl_strerror(fd));
            continue;
        }
        struct vk_stat st;
        int64_t want = size, nsize;
        bool ok = true;
        if ((blocks || (mode && rsize < 0)) && (ok = vk_fstat(c->p, fd, &st) == 0) == false)
            vl_error(c, "cannot fstat %s", vl_quote_always(c, f));
        if (ok && blocks) {
            int64_t b = st.blksize ? st.blksize : 4096;
            if (__builtin_mul_overflow(want, b, &want)) {
                vl_error(c, "overflow in %lld * %lld byte blocks for file %s", (long long)size,
                         (long long)b, vl_quote_always(c, f));
                ok = false;
            }
        }
        if (ok && mode) {
            int64_t fsize = rsize >= 0 ? rsize : (int64_t)st.size;
            if (mode == REL_MIN) nsize = fsize > want ? fsize : want;
            else if (mode == REL_MAX) nsize = fsize < want ? fsize : want;
            else if (mode == REL_DOWN) nsize = fsize - fsize % want;
            else {
                if (mode == REL_UP) {
                    int64_t r = fsize % want;
                    want = r == 0 ? 0 : want - r;
                }
                if (__builtin_add_overflow(fsize, want, &nsize)) {
                    vl_error(c, "overflow extending size of file %s", vl_quote_always(c, f));
                    ok = false;
                }
            }
        } else {
            nsize = want;
        }
        if (ok) {
            if (nsize < 0) nsize = 0;
            int rc = vk_ftruncate(c->p, fd, (uint64_t)nsize);
            if (rc < 0)
                vl_error(c, "failed to truncate %s at %lld bytes: %s", vl_quote_always(c, f),
                         (long long)nsize, vl_strerror(rc));
        }
        int crc = vk_close(c->p, fd);
        if (crc < 0) vl_error(c, "failed to close %s: %s", vl_quote_always(c, f), vl_strerror(crc));
    }
    return c->status;
}

VL_COMMAND(truncate, truncate_main, truncate_opts, "OPTION... FILE...",
           "Shrink or extend the size of each FILE to the specified size\n\n"
           "A FILE argument that does not exist is created.\n\n"
           "If a FILE is larger than the specified size, the extra data is lost.\n"
           "If a FILE is shorter, it is extended and the sparse extended part (hole)\n"
           "reads as zero bytes.",
           0, 1);
