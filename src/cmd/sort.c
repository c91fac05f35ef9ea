/* sort: GNU sort in the C locale. Keys (-k F[.C][OPTS][,F[.C][OPTS]]) and -t, the ordering
 * options b d f g h i M n R r V globally and per key, GNU's last-resort comparison of whole
 * lines, -u -s -c -C -m -o -z, --files0-from, --random-source (MD5 of a salt and the key, as
 * GNU does, so a given source sorts the same way). Input is held up to a memory bound (-S, or a
 * quarter of the VM's memory limit); beyond it, sorted runs go to temporary files in -T /
 * $TMPDIR / /tmp (unlinked as soon as they are made, so no exit path leaves them behind) and
 * are merged. -o writes a temporary file beside the target and renames it over. Collation is
 * always bytewise (the C and C.UTF-8 order); --debug and --compress-program are accepted and
 * do nothing; --parallel is accepted (one thread sorts). */
#include "lib/cmd.h"
#include "lib/format.h"

#include <stdlib.h>
#include <string.h>

#define TAB_DEFAULT (-1)
#define NMERGE_DEFAULT 16
#define BLOCK_MIN 65536
#define MINREAD 16384
#define OUTCAP 65536

enum {
    OPT_RANDSRC = 256,
    OPT_SORT,
    OPT_BATCH,
    OPT_CHECK,
    OPT_COMPRESS,
    OPT_DEBUG,
    OPT_FILES0,
    OPT_PARALLEL,
};

/* A line: its text without the delimiter, and its first key's bounds (computed once, as the
 * first key is the one most comparisons end on). */
typedef struct sline {
    char *text;
    size_t len;
    char *kb, *ke;
} sline;

typedef struct skey {
    size_t sword, schar; /* start field and char, 0-based; sword SIZE_MAX: the line start */
    size_t sword0;       /* the start field as given (0-based), for --debug's warnings */
    size_t eword, echar; /* end field (0-based) and char; eword SIZE_MAX: the line end */
    bool skipsb, skipeb; /* b at the start / the end */
    const bool *ignore;  /* d or i table, or NULL */
    const unsigned char *xlat; /* f table, or NULL */
    bool numeric, general, human, month, random, version, reverse;
} skey;

typedef struct block {
    struct block *next;
    size_t cap, len;
    char data[];
} block;

typedef struct sout {
    int fd;
    bool debug; /* annotate each line with its keys (--debug, on standard output) */
    const char *name; /* for messages */
    char *buf;
    size_t len, cap;
} sout;

typedef struct run {
    int fd;
    int level;
} run;

typedef struct md5 {
    uint32_t h[4];
    uint64_t n;
    unsigned char buf[64];
} md5;

typedef struct sorter {
    vl_ctx *c;
    skey *keys;
    size_t nkeys, keycap;
    skey gkey;
    int tab;
    int delim;
    bool unique, stable, reverse, merge, zero, debug, gkey_only;
    int check; /* 0, 'c' or 'C' */
    const char *outfile;
    const char *randsrc;
    const char *files0;
    size_t nmerge;
    uint64_t bound; /* bytes of input and line records held before a run is written */
    bool bound_set;
    const char **tmpdirs;
    size_t ntmpdirs, tmpnext;
    bool blank[256], nonprint[256], nondict[256];
    unsigned char fold[256];
    md5 salt;
    vl_buf sa, sb; /* scratch for keys that must be copied */
    vl_buf ga, gb; /* scratch for -g's NUL-terminated keys */
    /* the batch being read */
    block *blocks, *cur;
    size_t blockbytes, blocksize;
    sline *lines;
    size_t nlines, linecap;
    /* runs on temporary files, in input order */
    run *runs;
    size_t nruns, runcap;
    char **tmpnames; /* temporaries that could not be unlinked at once, or -o's */
    size_t ntmpnames;
    uint64_t ticks;
    int pfxkind;  /* what a reference's summary holds (PFX_*) */
    bool pfxrev;  /* the first key (or the whole line) sorts in reverse */
    /* -o written through a temporary: renamed over outreal at the end */
    char *outtmp, *outreal;
} sorter;

/* ---- small helpers ---- */

static void tick(sorter *s, uint64_t n)
{
    s->ticks += n;
    if (s->ticks < 4096) return;
    int rc = vk_steps(s->c->p, s->ticks / 16 + 1);
    s->ticks = 0;
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(s->c->p);
        vl_exit(s->c, w ? VK_WSHELL(w) : 1);
    }
}

/* Stop quietly when a failed call failed because the process must end. */
static void check_dying(sorter *s)
{
    int w = vk_dying(s->c->p);
    if (w) vl_exit(s->c, VK_WSHELL(w));
}

_Noreturn static void die_file(sorter *s, const char *what, const char *name, int err)
{
    check_dying(s);
    vl_die(s->c, 2, "%s: %s: %s", what, vl_quote(s->c, name), vl_strerror(err));
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ---- MD5 (RFC 1321), for -R: GNU orders lines by the MD5 of a salt and the key ---- */

static const uint32_t md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391,
};
static const unsigned char md5_r[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_block(uint32_t h[4], const unsigned char *p)
{
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    uint32_t a = h[0], b = h[1], cc = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        switch (i / 16) {
        case 0: f = (b & cc) | (~b & d), g = i; break;
        case 1: f = (d & b) | (~d & cc), g = (5 * i + 1) % 16; break;
        case 2: f = b ^ cc ^ d, g = (3 * i + 5) % 16; break;
        default: f = cc ^ (b | ~d), g = (7 * i) % 16; break;
        }
        uint32_t t = d;
        d = cc;
        cc = b;
        uint32_t x = a + f + md5_k[i] + w[g];
        int r = md5_r[(i / 16) * 4 + i % 4];
        b = b + ((x << r) | (x >> (32 - r)));
        a = t;
    }
    h[0] += a, h[1] += b, h[2] += cc, h[3] += d;
}

static void md5_init(md5 *m)
{
    m->h[0] = 0x67452301, m->h[1] = 0xefcdab89, m->h[2] = 0x98badcfe, m->h[3] = 0x10325476;
    m->n = 0;
}

static void md5_add(md5 *m, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t have = (size_t)(m->n % 64);
    m->n += n;
    if (have) {
        size_t k = min_sz(64 - have, n);
        memcpy(m->buf + have, p, k);
        p += k, n -= k, have += k;
        if (have < 64) return;
        md5_block(m->h, m->buf);
    }
    for (; n >= 64; p += 64, n -= 64) md5_block(m->h, p);
    memcpy(m->buf, p, n);
}

static void md5_final(md5 *m, unsigned char out[16])
{
    uint64_t bits = m->n * 8;
    unsigned char pad[72] = {0x80};
    size_t have = (size_t)(m->n % 64);
    size_t padn = have < 56 ? 56 - have : 120 - have;
    md5_add(m, pad, padn);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (8 * i));
    md5_add(m, len, 8);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (unsigned char)(m->h[i] >> (8 * j));
}

/* ---- comparing numbers ---- */

static bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* A number as -n reads it: [-]digits[.digits] after blanks; anything else ends it. */
typedef struct num {
    bool neg;
    const char *ip, *fp; /* integer digits without leading zeros, fraction without trailing */
    size_t il, fl;
    const char *end;     /* just past the number */
} num;

static void parse_num(const sorter *s, const char *p, const char *lim, num *n)
{
    while (p < lim && s->blank[(unsigned char)*p]) p++;
    n->neg = false;
    if (p < lim && *p == '-') {
        n->neg = true;
        p++;
    }
    while (p < lim && *p == '0') p++;
    n->ip = p;
    while (p < lim && is_digit(*p)) p++;
    n->il = (size_t)(p - n->ip);
    n->fp = p;
    n->fl = 0;
    if (p < lim && *p == '.') {
        p++;
        n->fp = p;
        while (p < lim && is_digit(*p)) p++;
        const char *e = p;
        while (e > n->fp && e[-1] == '0') e--;
        n->fl = (size_t)(e - n->fp);
    }
    n->end = p;
}

static int num_cmp(const num *a, const num *b)
{
    bool za = !a->il && !a->fl, zb = !b->il && !b->fl;
    int sa = za ? 0 : a->neg ? -1 : 1, sb = zb ? 0 : b->neg ? -1 : 1;
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int d;
    if (a->il != b->il) d = a->il < b->il ? -1 : 1;
    else {
        d = memcmp(a->ip, b->ip, a->il);
        if (!d) {
            d = memcmp(a->fp, b->fp, min_sz(a->fl, b->fl));
            if (!d) d = a->fl < b->fl ? -1 : a->fl > b->fl;
        }
    }
    return sa < 0 ? -d : d;
}

static int numcompare(const sorter *s, const char *a, size_t al, const char *b, size_t bl)
{
    num x, y;
    parse_num(s, a, a + al, &x);
    parse_num(s, b, b + bl, &y);
    return num_cmp(&x, &y);
}

/* -h: the SI suffix after a number with a nonzero digit orders first (K < M < ... < Y). */
static int unit_order(const num *n, const char *lim)
{
    if (!n->il && !n->fl) {
        /* GNU looks for a nonzero digit anywhere in the number, trailing fraction zeros too */
        return 0;
    }
    if (n->end >= lim) return 0;
    static const char units[] = "KMGTPEZY";
    char ch = *n->end == 'k' ? 'K' : *n->end;
    const char *u = ch ? strchr(units, ch) : NULL;
    int order = u ? (int)(u - units) + 1 : 0;
    return n->neg ? -order : order;
}

static int humancompare(const sorter *s, const char *a, size_t al, const char *b, size_t bl)
{
    num x, y;
    parse_num(s, a, a + al, &x);
    parse_num(s, b, b + bl, &y);
    int d = unit_order(&x, a + al) - unit_order(&y, b + bl);
    return d ? d : num_cmp(&x, &y);
}

/* -g: strtold, as GNU does; conversion errors first, then NaNs, then numbers. */
static long double to_ld(sorter *s, vl_buf *tmp, const char *p, size_t n, bool *ok, bool *nan)
{
    tmp->len = 0;
    vl_buf_add(s->c, tmp, p, n); /* terminates it */
    char *end;
    long double v = strtold(tmp->data, &end);
    *ok = end != tmp->data;
    *nan = *ok && v != v;
    return v;
}

static int generalcompare(sorter *s, const char *a, size_t al, const char *b, size_t bl)
{
    bool oka, okb, nana, nanb;
    long double x = to_ld(s, &s->ga, a, al, &oka, &nana);
    long double y = to_ld(s, &s->gb, b, bl, &okb, &nanb);
    if (!oka) return okb ? -1 : 0;
    if (!okb) return 1;
    if (x < y) return -1;
    if (x > y) return 1;
    if (x == y) return 0;
    if (!nana) return 1; /* y is the NaN */
    if (!nanb) return -1;
    /* two NaNs: GNU compares their bytes, padding included (so its order among equal NaNs
     * depends on memory it never set); the sign byte puts -nan after nan */
    bool na = __builtin_signbit(x), nb = __builtin_signbit(y);
    return na == nb ? 0 : na ? 1 : -1;
}

static int getmonth(const sorter *s, const char *p, size_t n)
{
    static const char names[12][4] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    const char *lim = p + n;
    while (p < lim && s->blank[(unsigned char)*p]) p++;
    if (lim - p < 3) return 0;
    for (int m = 0; m < 12; m++)
        if (s->fold[(unsigned char)p[0]] == (unsigned char)names[m][0] &&
            s->fold[(unsigned char)p[1]] == (unsigned char)names[m][1] &&
            s->fold[(unsigned char)p[2]] == (unsigned char)names[m][2])
            return m + 1;
    return 0;
}

/* ---- -V: version order (Debian's, with GNU's file-suffix rule) ---- */

static int vorder(const unsigned char *p, size_t i, size_t n)
{
    if (i == n) return -1;
    unsigned ch = p[i];
    if (is_digit((int)ch)) return 0;
    if (is_alpha((int)ch)) return (int)ch;
    if (ch == '~') return -2;
    return (int)ch + 256;
}

static int verrev(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an || j < bn) {
        while ((i < an && !is_digit(a[i])) || (j < bn && !is_digit(b[j]))) {
            int x = vorder(a, i, an), y = vorder(b, j, bn);
            if (x != y) return x - y;
            i++, j++;
        }
        while (i < an && a[i] == '0') i++;
        while (j < bn && b[j] == '0') j++;
        int first = 0;
        while (i < an && j < bn && is_digit(a[i]) && is_digit(b[j])) {
            if (!first) first = a[i] - b[j];
            i++, j++;
        }
        if (i < an && is_digit(a[i])) return 1;
        if (j < bn && is_digit(b[j])) return -1;
        if (first) return first;
    }
    return 0;
}

/* Length of p without its file suffix: the longest tail of the form
 * (\.[A-Za-z~][A-Za-z0-9~]*)* (which may be all of p). */
static size_t ver_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0, pre = 0;
    for (;;) {
        while (i + 1 < n && p[i] == '.' && (is_alpha(p[i + 1]) || p[i + 1] == '~'))
            for (i += 2; i < n && (is_alpha(p[i]) || is_digit(p[i]) || p[i] == '~'); i++)
                ;
        if (i == n) return pre;
        i++;
        pre = i;
    }
}

static int versioncompare(const char *sa, size_t an, const char *sb, size_t bn)
{
    const unsigned char *a = (const unsigned char *)sa, *b = (const unsigned char *)sb;
    if (!an) return bn ? -1 : 0;
    if (!bn) return 1;
    if (a[0] == '.') {
        if (b[0] != '.') return -1;
        bool ad = an == 1, bd = bn == 1;
        if (ad) return bd ? 0 : -1;
        if (bd) return 1;
        bool add = a[1] == '.' && an == 2, bdd = b[1] == '.' && bn == 2;
        if (add) return bdd ? 0 : -1;
        if (bdd) return 1;
    } else if (b[0] == '.') {
        return 1;
    }
    size_t ap = ver_prefix(a, an), bp = ver_prefix(b, bn);
    int r = verrev(a, ap, b, bp);
    if (r || (ap == an && bp == bn)) return r;
    return verrev(a, an, b, bn);
}

static int randomcompare(sorter *s, const char *a, size_t an, const char *b, size_t bn)
{
    unsigned char da[16], db[16];
    md5 m = s->salt;
    md5_add(&m, a, an);
    md5_final(&m, da);
    m = s->salt;
    md5_add(&m, b, bn);
    md5_final(&m, db);
    int d = memcmp(da, db, 16);
    if (!d) {
        d = memcmp(a, b, min_sz(an, bn));
        if (!d) d = an < bn ? -1 : an > bn;
    }
    return d;
}

/* ---- keys ---- */

static char *begfield(const sorter *s, char *p, size_t len, const skey *k)
{
    char *lim = p + len;
    size_t w = k->sword;
    if (s->tab != TAB_DEFAULT) {
        char t = (char)s->tab;
        while (p < lim && w--) {
            while (p < lim && *p != t) p++;
            if (p < lim) p++;
        }
    } else {
        while (p < lim && w--) {
            while (p < lim && s->blank[(unsigned char)*p]) p++;
            while (p < lim && !s->blank[(unsigned char)*p]) p++;
        }
    }
    if (k->skipsb)
        while (p < lim && s->blank[(unsigned char)*p]) p++;
    return (size_t)(lim - p) < k->schar ? lim : p + k->schar;
}

static char *limfield(const sorter *s, char *p, size_t len, const skey *k)
{
    char *lim = p + len;
    size_t w = k->eword, ec = k->echar;
    if (ec == 0) w++;
    if (s->tab != TAB_DEFAULT) {
        char t = (char)s->tab;
        while (p < lim && w--) {
            while (p < lim && *p != t) p++;
            if (p < lim && (w || ec)) p++;
        }
    } else {
        while (p < lim && w--) {
            while (p < lim && s->blank[(unsigned char)*p]) p++;
            while (p < lim && !s->blank[(unsigned char)*p]) p++;
        }
    }
    if (ec) {
        if (k->skipeb)
            while (p < lim && s->blank[(unsigned char)*p]) p++;
        p = (size_t)(lim - p) < ec ? lim : p + ec;
    }
    return p;
}

static void key_bounds(const sorter *s, const skey *k, char *text, size_t len, char **b, char **e)
{
    char *lim = k->eword != SIZE_MAX ? limfield(s, text, len, k) : text + len;
    char *beg;
    if (k->sword != SIZE_MAX) {
        beg = begfield(s, text, len, k);
    } else {
        beg = text;
        if (k->skipsb)
            while (beg < lim && s->blank[(unsigned char)*beg]) beg++;
    }
    *b = beg;
    *e = lim;
}

static void set_keys(const sorter *s, sline *l)
{
    if (s->nkeys) key_bounds(s, &s->keys[0], l->text, l->len, &l->kb, &l->ke);
}

/* Copy a key with ignored characters dropped and the translation applied. */
static void key_copy(sorter *s, vl_buf *dst, const skey *k, const char *p, size_t n)
{
    dst->len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (k->ignore && k->ignore[ch]) continue;
        vl_buf_addc(s->c, dst, k->xlat ? k->xlat[ch] : ch);
    }
    if (!dst->data) vl_buf_add(s->c, dst, "", 0);
}

/* Compare keys from index k0 on (the ones before are known to be equal). */
static int keycompare(sorter *s, const sline *a, const sline *b, size_t k0)
{
    const skey *k = s->keys + k0;
    char *ta = a->kb, *tb = b->kb, *la = a->ke, *lb = b->ke;
    if (k0 == s->nkeys) return 0;
    if (k0 > 0) {
        key_bounds(s, k, a->text, a->len, &ta, &la);
        key_bounds(s, k, b->text, b->len, &tb, &lb);
    }
    for (size_t ki = k0;;) {
        if (la < ta) la = ta;
        if (lb < tb) lb = tb;
        size_t lena = (size_t)(la - ta), lenb = (size_t)(lb - tb);
        int diff;
        if (k->numeric || k->general || k->human || k->month || k->random || k->version) {
            const char *xa = ta, *xb = tb;
            size_t na = lena, nb = lenb;
            if (k->ignore || k->xlat) {
                key_copy(s, &s->sa, k, ta, lena);
                key_copy(s, &s->sb, k, tb, lenb);
                xa = s->sa.data, na = s->sa.len;
                xb = s->sb.data, nb = s->sb.len;
            }
            if (k->numeric) diff = numcompare(s, xa, na, xb, nb);
            else if (k->general) diff = generalcompare(s, xa, na, xb, nb);
            else if (k->human) diff = humancompare(s, xa, na, xb, nb);
            else if (k->month) diff = getmonth(s, xa, na) - getmonth(s, xb, nb);
            else if (k->random) diff = randomcompare(s, xa, na, xb, nb);
            else diff = versioncompare(xa, na, xb, nb);
        } else if (k->ignore) {
            const bool *ig = k->ignore;
            const unsigned char *x = k->xlat;
            for (;;) {
                while (ta < la && ig[(unsigned char)*ta]) ta++;
                while (tb < lb && ig[(unsigned char)*tb]) tb++;
                if (!(ta < la && tb < lb)) break;
                unsigned char ca = (unsigned char)*ta, cb = (unsigned char)*tb;
                if (x) ca = x[ca], cb = x[cb];
                diff = (int)ca - (int)cb;
                if (diff) goto done;
                ta++, tb++;
            }
            diff = (ta < la) - (tb < lb);
        } else if (lena == 0) {
            diff = -(lenb != 0);
        } else if (lenb == 0) {
            diff = 1;
        } else {
            if (k->xlat) {
                diff = 0;
                size_t m = min_sz(lena, lenb);
                for (size_t i = 0; i < m && !diff; i++)
                    diff = (int)k->xlat[(unsigned char)ta[i]] - (int)k->xlat[(unsigned char)tb[i]];
            } else {
                diff = memcmp(ta, tb, min_sz(lena, lenb));
            }
            if (!diff) diff = lena < lenb ? -1 : lena != lenb;
        }
    done:
        if (diff) return k->reverse ? (diff < 0 ? 1 : -1) : (diff < 0 ? -1 : 1);
        if (++ki == s->nkeys) return 0;
        k++;
        key_bounds(s, k, a->text, a->len, &ta, &la);
        key_bounds(s, k, b->text, b->len, &tb, &lb);
    }
}

/* GNU's compare: the keys from k0 on, then (unless -s or -u) the whole lines. */
static int compare_from(sorter *s, const sline *a, const sline *b, size_t k0)
{
    int diff;
    if (s->nkeys) {
        diff = keycompare(s, a, b, k0);
        if (diff || s->unique || s->stable) return diff;
    }
    diff = memcmp(a->text, b->text, min_sz(a->len, b->len));
    if (!diff) diff = a->len < b->len ? -1 : a->len != b->len;
    else diff = diff < 0 ? -1 : 1;
    return s->reverse ? -diff : diff;
}

static int compare(sorter *s, const sline *a, const sline *b)
{
    return compare_from(s, a, b, 0);
}

/* ---- in-memory sort: a stable merge sort of references ----
 * Each reference carries a 64-bit summary of the line's first key that orders the same way
 * as the key but may tie where the key does not (its first 8 bytes, its number truncated,
 * its month, its digest...). Most comparisons end on the summaries, which lie in the array
 * being sorted, without touching the lines. */

typedef struct sref {
    uint64_t pfx;
    sline *l;
} sref;

enum { PFX_NONE, PFX_BYTES, PFX_NUM, PFX_GEN, PFX_HUMAN, PFX_MONTH, PFX_RANDOM };

static void choose_pfx(sorter *s)
{
    if (!s->nkeys) {
        s->pfxkind = PFX_BYTES;
        s->pfxrev = s->reverse;
        return;
    }
    const skey *k = &s->keys[0];
    s->pfxrev = k->reverse;
    if (k->numeric) s->pfxkind = PFX_NUM;
    else if (k->general) s->pfxkind = PFX_GEN;
    else if (k->human) s->pfxkind = PFX_HUMAN;
    else if (k->month) s->pfxkind = PFX_MONTH;
    else if (k->random) s->pfxkind = PFX_RANDOM;
    else if (k->version) s->pfxkind = PFX_NONE;
    else s->pfxkind = PFX_BYTES;
}

static uint64_t bytes_pfx(const char *p, size_t n, const bool *ignore, const unsigned char *xlat)
{
    uint64_t v = 0;
    int got = 0;
    for (size_t i = 0; i < n && got < 8; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ignore && ignore[ch]) continue;
        v = v << 8 | (xlat ? xlat[ch] : ch);
        got++;
    }
    return got ? v << (8 * (8 - got)) : 0;
}

/* The integer part of a number, clamped to +-lim, as an int64. */
static int64_t num_trunc(const num *n, int64_t lim)
{
    int64_t v = 0;
    if (n->il > 18) v = lim;
    else
        for (size_t i = 0; i < n->il; i++) v = v * 10 + (n->ip[i] - '0');
    if (v > lim) v = lim;
    return n->neg ? -v : v;
}

static uint64_t line_pfx(sorter *s, sline *l)
{
    if (!s->nkeys) return bytes_pfx(l->text, l->len, NULL, NULL);
    const skey *k = &s->keys[0];
    char *b = l->kb, *e = l->ke < l->kb ? l->kb : l->ke;
    size_t n = (size_t)(e - b);
    const char *x = b;
    if ((k->ignore || k->xlat) && s->pfxkind != PFX_BYTES) {
        key_copy(s, &s->sa, k, b, n);
        x = s->sa.data;
        n = s->sa.len;
    }
    switch (s->pfxkind) {
    case PFX_BYTES: return bytes_pfx(b, n, k->ignore, k->xlat);
    case PFX_NUM: {
        /* floor of the number, and in the low bit whether it had more: equal summaries with
         * that bit clear are equal keys */
        num v;
        parse_num(s, x, x + n, &v);
        const int64_t lim = (int64_t)1 << 61;
        int64_t f = num_trunc(&v, lim);
        bool more = v.fl > 0 || v.il > 18 || f == lim || f == -lim;
        if (v.neg && v.fl > 0 && f > -lim) f--;
        if (!v.il && !v.fl) f = 0, more = false; /* -0 */
        return ((uint64_t)(f + lim) << 1) | more;
    }
    case PFX_HUMAN: {
        num v;
        parse_num(s, x, x + n, &v);
        int64_t u = unit_order(&v, x + n) + 8;
        int64_t t = num_trunc(&v, (int64_t)1 << 57) + ((int64_t)1 << 58);
        return (uint64_t)u << 59 | (uint64_t)t;
    }
    case PFX_GEN: {
        bool ok, nan;
        long double v = to_ld(s, &s->ga, x, n, &ok, &nan);
        if (!ok) return 0;
        if (nan) return 1;
        double d = (double)v;
        if (d == 0) d = 0; /* -0 == +0 */
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        bits = bits >> 63 ? ~bits : bits | (uint64_t)1 << 63;
        return bits < 2 ? 2 : bits;
    }
    case PFX_MONTH: return (uint64_t)getmonth(s, x, n);
    case PFX_RANDOM: {
        unsigned char dg[16];
        md5 m = s->salt;
        md5_add(&m, x, n);
        md5_final(&m, dg);
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | dg[i];
        return v;
    }
    default: return 0;
    }
}

static inline int ref_cmp(sorter *s, const sref *a, const sref *b)
{
    if (a->pfx != b->pfx) return (a->pfx < b->pfx) != s->pfxrev ? -1 : 1;
    if (s->pfxkind == PFX_BYTES && !s->nkeys) {
        /* whole lines of up to 8 bytes lie in their summaries: only the lengths can differ
         * (the longer one ends in NUL bytes) */
        size_t la = a->l->len, lb = b->l->len;
        if (la <= 8 && lb <= 8) {
            int d = la < lb ? -1 : la > lb;
            return s->reverse ? -d : d;
        }
    }
    /* an exact summary that ties means the first key ties */
    bool exact = (s->pfxkind == PFX_NUM && !(a->pfx & 1)) || s->pfxkind == PFX_MONTH;
    return compare_from(s, a->l, b->l, exact ? 1 : 0);
}

#define RUNLEN 12

static void insertion_sort(sorter *s, sref *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (ref_cmp(s, &v[i - 1], &v[i]) <= 0) continue;
        sref t = v[i];
        size_t j = i;
        do {
            v[j] = v[j - 1];
            j--;
        } while (j > 0 && ref_cmp(s, &v[j - 1], &t) > 0);
        v[j] = t;
    }
}

static void merge_runs(sorter *s, const sref *a, size_t na, const sref *b, size_t nb, sref *out)
{
    if (!na || !nb || ref_cmp(s, &a[na - 1], &b[0]) <= 0) {
        memcpy(out, a, na * sizeof *a);
        memcpy(out + na, b, nb * sizeof *b);
        return;
    }
    const sref *ae = a + na, *be = b + nb;
    while (a < ae && b < be) {
        if (ref_cmp(s, b, a) < 0) *out++ = *b++;
        else *out++ = *a++;
    }
    memcpy(out, a, (size_t)(ae - a) * sizeof *a);
    memcpy(out + (ae - a), b, (size_t)(be - b) * sizeof *b);
}

/* The lines in sorted order, as references (freed by the caller). */
static sref *sort_lines(sorter *s, sline *lines, size_t n)
{
    sref *v = vl_xmalloc(s->c, (n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].l = &lines[i];
        v[i].pfx = line_pfx(s, &lines[i]);
        if ((i & 4095) == 4095) tick(s, 4096);
    }
    if (n < 2) return v;
    for (size_t i = 0; i < n; i += RUNLEN) {
        insertion_sort(s, v + i, min_sz(RUNLEN, n - i));
        tick(s, RUNLEN);
    }
    if (n <= RUNLEN) return v;
    sref *tmp = vl_xmalloc(s->c, n * sizeof *tmp);
    sref *src = v, *dst = tmp;
    for (size_t w = RUNLEN; w < n; w *= 2) {
        for (size_t i = 0; i < n; i += 2 * w) {
            size_t mid = min_sz(i + w, n), end = min_sz(i + 2 * w, n);
            merge_runs(s, src + i, mid - i, src + mid, end - mid, dst + i);
            tick(s, end - i);
        }
        sref *t = src;
        src = dst;
        dst = t;
    }
    vl_xfree(s->c, dst);
    return src;
}

/* ---- output ---- */

static void out_init(sorter *s, sout *o, int fd, const char *name)
{
    o->fd = fd;
    o->debug = false;
    o->name = name;
    o->cap = OUTCAP;
    o->buf = vl_xmalloc(s->c, o->cap);
    o->len = 0;
}

static void out_raw(sorter *s, sout *o, const char *p, size_t n)
{
    int rc = vl_write_fd(s->c, o->fd, p, n);
    if (rc < 0) {
        check_dying(s);
        if (rc == VOS_EPIPE) vl_exit(s->c, 141);
        vl_die(s->c, 2, "write failed: %s: %s", vl_quote(s->c, o->name), vl_strerror(rc));
    }
}

static void out_flush(sorter *s, sout *o)
{
    if (o->len) out_raw(s, o, o->buf, o->len);
    o->len = 0;
}

static void out_line(sorter *s, sout *o, const char *p, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        out_flush(s, o);
        if (n + 1 > o->cap) {
            out_raw(s, o, p, n);
            char d = (char)s->delim;
            out_raw(s, o, &d, 1);
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->buf[o->len + n] = (char)s->delim;
    o->len += n + 1;
}

static void out_free(sorter *s, sout *o)
{
    vl_xfree(s->c, o->buf);
    o->buf = NULL;
}

/* ---- --debug ---- */

static bool default_key(const skey *k);
static void key_opts(const sorter *s, const skey *k, char *o);

/* Columns a span takes, as GNU counts them in the C locale: printable bytes 1, control bytes
 * 0 (a TAB, shown as '>', 1), other bytes 1. */
static size_t debug_width(const char *p, const char *lim)
{
    size_t w = 0;
    for (; p < lim; p++) {
        unsigned char ch = (unsigned char)*p;
        w += ch == '\t' || !(ch < 0x20 || ch == 0x7f);
    }
    return w;
}

static void out_bytes(sorter *s, sout *o, const char *p, size_t n)
{
    if (o->len + n > o->cap) {
        out_flush(s, o);
        if (n > o->cap) {
            out_raw(s, o, p, n);
            return;
        }
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void out_repeat(sorter *s, sout *o, char ch, size_t n)
{
    char buf[256];
    memset(buf, ch, sizeof buf);
    while (n) {
        size_t k = min_sz(n, sizeof buf);
        out_bytes(s, o, buf, k);
        n -= k;
    }
}

static void debug_key(sorter *s, sout *o, const sline *l, const skey *k)
{
    char *text = l->text, *end = l->text + l->len, *beg = text, *lim = end;
    if (k) {
        if (k->sword != SIZE_MAX) beg = begfield(s, l->text, l->len, k);
        if (k->eword != SIZE_MAX) lim = limfield(s, l->text, l->len, k);
        if ((k->skipsb && k->sword == SIZE_MAX) || k->month || k->numeric || k->general ||
            k->human) {
            char *bound = beg <= lim ? lim : end;
            while (beg < bound && s->blank[(unsigned char)*beg]) beg++;
            char *tight = beg;
            if (lim < beg) {
                tight = lim;
            } else if (k->month) {
                if (getmonth(s, beg, (size_t)(lim - beg))) tight = beg + 3;
            } else if (k->general) {
                bool ok, nan;
                to_ld(s, &s->ga, beg, (size_t)(lim - beg), &ok, &nan);
                char *e;
                strtold(s->ga.data, &e);
                tight = beg + (e - s->ga.data);
            } else if (k->numeric || k->human) {
                char *p = beg + (beg < lim && *beg == '-');
                bool digit = false;
                while (p < lim && is_digit(*p)) p++, digit = true;
                if (p < lim && *p == '.')
                    for (p++; p < lim && is_digit(*p); p++) digit = true;
                if (digit) {
                    static const char units[] = "kKMGTPEZY";
                    tight = p + (k->human && p < lim && *p && strchr(units, *p));
                }
            } else {
                tight = lim;
            }
            lim = tight;
        }
    }
    out_repeat(s, o, ' ', debug_width(text, beg));
    size_t w = lim > beg ? debug_width(beg, lim) : 0;
    if (!w) {
        static const char msg[] = "^ no match for key\n";
        out_bytes(s, o, msg, sizeof msg - 1);
    } else {
        out_repeat(s, o, '_', w);
        out_bytes(s, o, "\n", 1);
    }
}

/* GNU's --debug output line: the line with TABs shown as '>', then one line marking each
 * key, and the whole line when the last-resort comparison is on. */
static void debug_line(sorter *s, sout *o, const sline *l)
{
    for (size_t i = 0; i < l->len; i++) {
        char ch = l->text[i] == '\t' ? '>' : l->text[i];
        out_bytes(s, o, &ch, 1);
    }
    out_bytes(s, o, "\n", 1);
    for (size_t i = 0; i < s->nkeys; i++) debug_key(s, o, l, &s->keys[i]);
    if (!s->nkeys || !(s->unique || s->stable)) debug_key(s, o, l, NULL);
}

static void out_sline(sorter *s, sout *o, const sline *l)
{
    if (o->debug) debug_line(s, o, l);
    else out_line(s, o, l->text, l->len);
}

static bool key_is_numeric(const skey *k)
{
    return k->numeric || k->general || k->human;
}

/* GNU's key_warnings: what --debug says about the keys before sorting. */
static void key_warnings(sorter *s)
{
    vl_ctx *c = s->c;
    skey ug = s->gkey;
    bool basic = false, general = false, basic_span = false, general_span = false;
    for (size_t i = 0; i < s->nkeys && !s->gkey_only; i++) {
        const skey *k = &s->keys[i];
        unsigned long n = (unsigned long)i + 1;
        if (key_is_numeric(k)) {
            if (k->general) general = true;
            else basic = true;
        }
        bool zero_width = k->eword != SIZE_MAX && k->eword < k->sword0;
        if (zero_width) vl_eprintf(c, "%s: key %lu has zero width and will be ignored\n", c->name, n);
        bool implicit_skip = key_is_numeric(k) || k->month;
        bool line_offset = k->eword == 0 && k->echar != 0;
        if (!zero_width && s->tab == TAB_DEFAULT && !line_offset &&
            ((!k->skipsb && !implicit_skip) || (!k->skipsb && k->schar) ||
             (!k->skipeb && k->echar)))
            vl_eprintf(c, "%s: leading blanks are significant in key %lu; consider also "
                          "specifying 'b'\n", c->name, n);
        if (key_is_numeric(k)) {
            size_t sw = k->sword0 + 1, ew = k->eword + 1;
            if (!ew || sw < ew) {
                vl_eprintf(c, "%s: key %lu is numeric and spans multiple fields\n", c->name, n);
                if (k->general) general_span = true;
                else basic_span = true;
            }
        }
        if (ug.ignore && ug.ignore == k->ignore) ug.ignore = NULL;
        if (ug.xlat && ug.xlat == k->xlat) ug.xlat = NULL;
        ug.skipsb &= !k->skipsb;
        ug.skipeb &= !k->skipeb;
        ug.month &= !k->month;
        ug.numeric &= !k->numeric;
        ug.general &= !k->general;
        ug.human &= !k->human;
        ug.random &= !k->random;
        ug.version &= !k->version;
        ug.reverse &= !k->reverse;
    }
    if (s->gkey_only) {
        const skey *k = &s->keys[0];
        if (key_is_numeric(k)) {
            if (k->general) general = true;
            else basic = true;
        }
        ug = (skey){0};
    }
    bool warned = false;
    if (basic_span || general_span) {
        if (s->tab == '.') {
            vl_eprintf(c, "%s: field separator '.' is treated as a decimal point in numbers\n",
                       c->name);
            warned = true;
        } else if (s->tab == '-') {
            vl_eprintf(c, "%s: field separator '-' is treated as a minus sign in numbers\n",
                       c->name);
        } else if (general_span && s->tab == '+') {
            vl_eprintf(c, "%s: field separator '+' is treated as a plus sign in numbers\n",
                       c->name);
        }
    }
    if ((basic || general) && !warned)
        vl_eprintf(c, "%s: %snumbers use '.' as a decimal point in this locale\n", c->name,
                   s->tab == '.' ? "" : "note ");
    bool keys = s->nkeys > 0;
    if (!default_key(&ug) || (ug.reverse && (s->stable || s->unique) && keys)) {
        bool rev = ug.reverse;
        if (!(s->stable || s->unique)) ug.reverse = false;
        char o[16];
        key_opts(s, &ug, o);
        vl_eprintf(c, "%s: option%s '-%s' %s ignored\n", c->name, strlen(o) > 1 ? "s" : "", o,
                   strlen(o) > 1 ? "are" : "is");
        ug.reverse = rev;
    }
    if (ug.reverse && !(s->stable || s->unique) && keys)
        vl_eprintf(c, "%s: option '-r' only applies to last-resort comparison\n", c->name);
}

/* Write sorted lines, dropping repeats with -u. */
static void write_lines(sorter *s, sout *o, const sref *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->unique && i > 0 && ref_cmp(s, &v[i - 1], &v[i]) == 0) continue;
        out_sline(s, o, v[i].l);
        if ((i & 1023) == 1023) tick(s, 1024);
    }
}

/* ---- temporary files ---- */

static void remember_tmp(sorter *s, const char *name)
{
    s->tmpnames = vl_xrealloc(s->c, s->tmpnames, (s->ntmpnames + 1) * sizeof *s->tmpnames);
    s->tmpnames[s->ntmpnames++] = vl_xstrdup(s->c, name);
}

static void forget_tmp(sorter *s, const char *name)
{
    for (size_t i = 0; i < s->ntmpnames; i++)
        if (strcmp(s->tmpnames[i], name) == 0) {
            vl_xfree(s->c, s->tmpnames[i]);
            s->tmpnames[i] = s->tmpnames[--s->ntmpnames];
            return;
        }
}

/* Create dir/PREFIXxxxxxx exclusively; returns the fd and the name in *namep. */
static int create_tmp(sorter *s, const char *dir, const char *prefix, unsigned mode, int flags,
                      char **namep, int *errp)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    int fd = VOS_EEXIST;
    for (int tries = 0; tries < 100 && fd == VOS_EEXIST; tries++) {
        char suffix[7];
        uint64_t r = vk_random(s->c->p);
        for (int i = 0; i < 6; i++, r /= 62) suffix[i] = chars[r % 62];
        suffix[6] = 0;
        vl_buf b = {0};
        vl_buf_printf(s->c, &b, "%s%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/",
                      prefix, suffix);
        fd = vk_open(s->c->p, b.data, flags | VK_O_CREAT | VK_O_EXCL, mode);
        if (fd >= 0) {
            *namep = b.data;
            return fd;
        }
        vl_buf_free(s->c, &b);
    }
    *errp = fd;
    return -1;
}

/* A new run file, already unlinked: it lives while its fd is open. */
static int new_run_fd(sorter *s)
{
    const char *dir = s->tmpdirs[s->tmpnext++ % s->ntmpdirs];
    char *name;
    int err;
    int fd = create_tmp(s, dir, "sort", 0600, VK_O_RDWR, &name, &err);
    if (fd < 0) {
        check_dying(s);
        vl_die(s->c, 2, "cannot create temporary file in %s: %s", vl_quote_locale(s->c, dir),
               vl_strerror(err));
    }
    if (vk_unlink(s->c->p, name) < 0) remember_tmp(s, name);
    vl_xfree(s->c, name);
    return fd;
}

static void cleanup(sorter *s)
{
    for (size_t i = 0; i < s->ntmpnames; i++) vk_unlink(s->c->p, s->tmpnames[i]);
    s->ntmpnames = 0;
    for (size_t i = 0; i < s->nruns; i++)
        if (s->runs[i].fd >= 0) vk_close(s->c->p, s->runs[i].fd);
    s->nruns = 0;
}

/* ---- merging ---- */

typedef struct msrc {
    vl_in *in;
    int fd;       /* closed when the source ends, if >= 0 */
    const char *name;
    sline cur;
    bool done;
} msrc;

static bool src_next(sorter *s, msrc *m)
{
    char *line;
    ssize_t n = vl_in_getdelim(s->c, m->in, s->delim, &line);
    if (n < 0) die_file(s, "read failed", m->name, (int)n);
    if (n == 0) {
        m->done = true;
        return false;
    }
    if (line[n - 1] == (char)s->delim) n--;
    m->cur.text = line;
    m->cur.len = (size_t)n;
    set_keys(s, &m->cur);
    return true;
}

static bool src_less(sorter *s, msrc *v, size_t i, size_t j)
{
    int d = compare(s, &v[i].cur, &v[j].cur);
    return d < 0 || (d == 0 && i < j);
}

static void sift_down(sorter *s, msrc *v, size_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && src_less(s, v, h[l], h[m])) m = l;
        if (l + 1 < n && src_less(s, v, h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        size_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merge k sources (in input order) into o, dropping repeats with -u. */
static void merge_sources(sorter *s, msrc *v, size_t k, sout *o)
{
    size_t *h = vl_xmalloc(s->c, (k ? k : 1) * sizeof *h);
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        if (src_next(s, &v[i])) h[n++] = i;
    for (size_t i = n / 2; i-- > 0;) sift_down(s, v, h, n, i);
    vl_buf last = {0};
    sline lastl = {0};
    bool have_last = false;
    size_t count = 0;
    while (n > 0) {
        msrc *m = &v[h[0]];
        if (!s->unique || !have_last || compare(s, &lastl, &m->cur) != 0) {
            out_sline(s, o, &m->cur);
            if (s->unique) {
                last.len = 0;
                vl_buf_add(s->c, &last, m->cur.text, m->cur.len);
                lastl.text = last.data;
                lastl.len = last.len;
                set_keys(s, &lastl);
                have_last = true;
            }
        }
        if (!src_next(s, m)) h[0] = h[--n];
        if (n > 1) sift_down(s, v, h, n, 0);
        if ((++count & 1023) == 0) tick(s, 1024);
    }
    vl_buf_free(s->c, &last);
    vl_xfree(s->c, h);
}

/* A source reading a run file from its start. */
static void run_source(sorter *s, msrc *m, int fd)
{
    int64_t rc = vk_lseek(s->c->p, fd, 0, VK_SEEK_SET);
    if (rc < 0) die_file(s, "read failed", "temporary file", (int)rc);
    m->in = vl_in_fd(s->c, fd, "temporary file");
    m->fd = fd;
    m->name = "temporary file";
    m->done = false;
}

/* Remember a run file for cleanup (the -m path, where runs are not leveled). */
static void add_run_fd(sorter *s, int fd)
{
    if (s->nruns == s->runcap) {
        s->runcap = s->runcap ? s->runcap * 2 : 16;
        s->runs = vl_xrealloc(s->c, s->runs, s->runcap * sizeof *s->runs);
    }
    s->runs[s->nruns].fd = fd;
    s->runs[s->nruns].level = 0;
    s->nruns++;
}

static void close_source(sorter *s, msrc *m)
{
    vl_in_close(s->c, m->in);
    m->in = NULL;
    if (m->fd < 0) return;
    vk_close(s->c->p, m->fd);
    for (size_t i = 0; i < s->nruns; i++)
        if (s->runs[i].fd == m->fd) s->runs[i].fd = -1;
    m->fd = -1;
}

/* Merge runs [from, from+k) into one new run at level lvl, in their place. */
static void merge_run_range(sorter *s, size_t from, size_t k, int lvl)
{
    msrc *v = vl_xcalloc(s->c, k, sizeof *v);
    for (size_t i = 0; i < k; i++) run_source(s, &v[i], s->runs[from + i].fd);
    sout o;
    int fd = new_run_fd(s);
    out_init(s, &o, fd, "temporary file");
    merge_sources(s, v, k, &o);
    out_flush(s, &o);
    out_free(s, &o);
    for (size_t i = 0; i < k; i++) close_source(s, &v[i]);
    vl_xfree(s->c, v);
    s->runs[from].fd = fd;
    s->runs[from].level = lvl;
    memmove(&s->runs[from + 1], &s->runs[from + k], (s->nruns - from - k) * sizeof *s->runs);
    s->nruns -= k - 1;
}

static void add_run(sorter *s, int fd)
{
    add_run_fd(s, fd);
    /* like a binary counter in base nmerge: nmerge runs of one level become one of the next,
     * so every byte is merged O(log runs) times and few files are open at once */
    for (;;) {
        size_t n = s->nruns, k = 0;
        int lvl = s->runs[n - 1].level;
        while (k < n && s->runs[n - 1 - k].level == lvl) k++;
        if (k < s->nmerge) break;
        merge_run_range(s, n - k, k, lvl + 1);
    }
}

/* ---- reading input into the batch ---- */

/* The batch's blocks and line records, and the two arrays of references sorting it takes. */
static uint64_t batch_bytes(const sorter *s, size_t linecap, size_t nlines)
{
    return s->blockbytes + (uint64_t)linecap * sizeof(sline) + (uint64_t)nlines * 2 * 16;
}

static void free_blocks_except_cur(sorter *s)
{
    block *b = s->blocks;
    while (b) {
        block *next = b->next;
        if (b != s->cur) {
            s->blockbytes -= b->cap;
            vl_xfree(s->c, b);
        }
        b = next;
    }
    s->blocks = s->cur;
    if (s->cur) s->cur->next = NULL;
}

/* Sort the batch and write it as a run; keeps the block being filled. */
static void spill(sorter *s)
{
    sref *v = sort_lines(s, s->lines, s->nlines);
    sout o;
    int fd = new_run_fd(s);
    out_init(s, &o, fd, "temporary file");
    write_lines(s, &o, v, s->nlines);
    vl_xfree(s->c, v);
    out_flush(s, &o);
    out_free(s, &o);
    s->nlines = 0;
    free_blocks_except_cur(s);
    add_run(s, fd);
}

static void add_line(sorter *s, char *text, size_t len)
{
    if (s->nlines == s->linecap) {
        size_t ncap = s->linecap ? s->linecap + s->linecap / 2 : 1024;
        if (s->nlines > 0 && batch_bytes(s, ncap, s->nlines + 1) > s->bound) {
            spill(s);
        } else {
            s->lines = vl_xrealloc(s->c, s->lines, ncap * sizeof *s->lines);
            s->linecap = ncap;
        }
    }
    sline *l = &s->lines[s->nlines++];
    l->text = text;
    l->len = len;
    set_keys(s, l);
}

/* Make room to read: keeps the incomplete line at *tailp in a block with space after it. */
static void need_room(sorter *s, size_t *tailp)
{
    block *cur = s->cur;
    size_t tail = cur ? cur->len - *tailp : 0;
    if (cur && cur->cap - cur->len >= MINREAD) return;
    size_t want = s->blocksize;
    if (want < 2 * tail + MINREAD) want = 2 * tail + MINREAD;
    if (s->nlines > 0 && batch_bytes(s, s->linecap, s->nlines) + want > s->bound) spill(s);
    if (cur && s->nlines == 0) {
        /* nothing points into the blocks any more: slide the partial line to the start */
        free_blocks_except_cur(s);
        if (cur->cap - tail >= MINREAD) {
            memmove(cur->data, cur->data + *tailp, tail);
            cur->len = tail;
            *tailp = 0;
            return;
        }
    }
    block *b = vl_xmalloc(s->c, sizeof(block) + want);
    b->cap = want;
    b->len = tail;
    if (tail) memcpy(b->data, cur->data + *tailp, tail);
    if (cur) cur->len = *tailp;
    b->next = s->blocks;
    s->blocks = b;
    s->cur = b;
    s->blockbytes += want;
    *tailp = 0;
}

static void read_input(sorter *s, vl_in *in, const char *name)
{
    size_t tail = s->cur ? s->cur->len : 0;
    char d = (char)s->delim;
    for (;;) {
        need_room(s, &tail);
        block *b = s->cur;
        ssize_t r = vl_in_read(s->c, in, b->data + b->len, b->cap - b->len);
        if (r < 0) die_file(s, "read failed", name, (int)r);
        if (r == 0) break;
        char *p = b->data + b->len, *end = p + r;
        b->len += (size_t)r;
        char *ls = b->data + tail;
        size_t nl = 0;
        char *q;
        while (p < end && (q = memchr(p, d, (size_t)(end - p)))) {
            add_line(s, ls, (size_t)(q - ls));
            ls = p = q + 1;
            nl++;
        }
        /* add_line may have spilled, but the block being read is kept where it is */
        tail = (size_t)(ls - s->cur->data);
        tick(s, nl + 1);
    }
    if (s->cur && tail < s->cur->len) {
        add_line(s, s->cur->data + tail, s->cur->len - tail);
        tail = s->cur->len;
    }
}

/* ---- output file ---- */

static void open_output(sorter *s, sout *o)
{
    vl_ctx *c = s->c;
    if (!s->outfile) {
        out_init(s, o, 1, "standard output");
        o->debug = s->debug;
        return;
    }
    const char *path = s->outfile;
    struct vk_stat st;
    int rc = vk_stat(c->p, path, &st);
    int fd;
    if (rc == 0 && !VK_S_ISREG(st.mode)) {
        fd = vk_open(c->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) die_file(s, "open failed", path, fd);
        out_init(s, o, fd, path);
        return;
    }
    if (rc == 0) {
        int arc = vk_access(c->p, path, VK_W_OK);
        if (arc < 0) die_file(s, "open failed", path, arc);
    }
    char *real = NULL;
    int prc = vk_realpath(c->p, path, true, &real);
    if (prc < 0) die_file(s, "open failed", path, prc);
    char *dir = vl_dirname(c, real);
    char *tmpname = NULL;
    int err = 0;
    fd = create_tmp(s, dir, ".sort", rc == 0 ? 0600 : 0666, VK_O_WRONLY, &tmpname, &err);
    if (fd < 0) {
        check_dying(s);
        /* the directory is not writable: write the file in place, as GNU does */
        fd = vk_open(c->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) die_file(s, "open failed", path, fd);
        out_init(s, o, fd, path);
        return;
    }
    remember_tmp(s, tmpname);
    if (rc == 0) vk_chmod(c->p, tmpname, st.mode & 07777);
    s->outtmp = tmpname;
    s->outreal = real;
    out_init(s, o, fd, path);
}

static void close_output(sorter *s, sout *o)
{
    out_flush(s, o);
    out_free(s, o);
    if (o->fd != 1) {
        int rc = vk_close(s->c->p, o->fd);
        if (rc < 0) die_file(s, "close failed", o->name, rc);
    }
    if (s->outtmp) {
        int rc = vk_rename(s->c->p, s->outtmp, s->outreal);
        if (rc < 0) die_file(s, "write failed", s->outfile, rc);
        forget_tmp(s, s->outtmp);
        s->outtmp = NULL;
    }
}

/* ---- options ---- */

static void init_tables(sorter *s)
{
    for (int i = 0; i < 256; i++) {
        bool blank = i == ' ' || i == '\t' || i == '\n';
        bool alnum = is_digit(i) || is_alpha(i);
        s->blank[i] = blank;
        s->nonprint[i] = i < 0x20 || i >= 0x7f;
        s->nondict[i] = !alnum && !blank;
        s->fold[i] = (unsigned char)(i >= 'a' && i <= 'z' ? i - 32 : i);
    }
}

/* The ordering letters of a key (or of the global options): returns where they stop. */
static const char *set_ordering(sorter *s, const char *p, skey *k, int where)
{
    for (;; p++) {
        switch (*p) {
        case 'b':
            if (where & 1) k->skipsb = true;
            if (where & 2) k->skipeb = true;
            break;
        case 'd': k->ignore = s->nondict; break;
        case 'f': k->xlat = s->fold; break;
        case 'g': k->general = true; break;
        case 'h': k->human = true; break;
        case 'i':
            if (!k->ignore) k->ignore = s->nonprint;
            break;
        case 'M': k->month = true; break;
        case 'n': k->numeric = true; break;
        case 'R': k->random = true; break;
        case 'r': k->reverse = true; break;
        case 'V': k->version = true; break;
        default: return p;
        }
    }
}

_Noreturn static void badfieldspec(sorter *s, const char *spec, const char *msg)
{
    vl_die(s->c, 2, "%s: invalid field specification %s", msg, vl_quote_locale(s->c, spec));
}

/* A field count: digits (a value past SIZE_MAX is SIZE_MAX); NULL when there are none. */
static const char *parse_count(sorter *s, const char *p, size_t *out, const char *msg)
{
    const char *q = p;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (*q == '+') q++;
    if (!is_digit(*q))
        vl_die(s->c, 2, "%s: invalid count at start of %s", msg, vl_quote_locale(s->c, p));
    size_t v = 0;
    for (; is_digit(*q); q++) {
        unsigned dg = (unsigned)(*q - '0');
        v = v > (SIZE_MAX - dg) / 10 ? SIZE_MAX : v * 10 + dg;
    }
    *out = v;
    return q;
}

static void add_key(sorter *s, const char *spec)
{
    skey k;
    memset(&k, 0, sizeof k);
    const char *p = parse_count(s, spec, &k.sword, "invalid number at field start");
    if (k.sword-- == 0) badfieldspec(s, spec, "field number is zero");
    if (*p == '.') {
        p = parse_count(s, p + 1, &k.schar, "invalid number after '.'");
        if (k.schar-- == 0) badfieldspec(s, spec, "character offset is zero");
    }
    k.sword0 = k.sword;
    if (!k.sword && !k.schar) k.sword = SIZE_MAX;
    p = set_ordering(s, p, &k, 1);
    if (*p != ',') {
        k.eword = SIZE_MAX;
        k.echar = 0;
    } else {
        p = parse_count(s, p + 1, &k.eword, "invalid number after ','");
        if (k.eword-- == 0) badfieldspec(s, spec, "field number is zero");
        if (*p == '.') p = parse_count(s, p + 1, &k.echar, "invalid number after '.'");
        p = set_ordering(s, p, &k, 2);
    }
    if (*p) badfieldspec(s, spec, "stray character in field spec");
    if (s->nkeys == s->keycap) {
        s->keycap = s->keycap ? s->keycap * 2 : 4;
        s->keys = vl_xrealloc(s->c, s->keys, s->keycap * sizeof *s->keys);
    }
    s->keys[s->nkeys++] = k;
}

static bool default_key(const skey *k)
{
    return !(k->ignore || k->xlat || k->skipsb || k->skipeb || k->numeric || k->general ||
             k->human || k->month || k->version || k->random);
}

static void key_opts(const sorter *s, const skey *k, char *o)
{
    if (k->skipsb || k->skipeb) *o++ = 'b';
    if (k->ignore == s->nondict) *o++ = 'd';
    if (k->xlat) *o++ = 'f';
    if (k->general) *o++ = 'g';
    if (k->human) *o++ = 'h';
    if (k->ignore == s->nonprint) *o++ = 'i';
    if (k->month) *o++ = 'M';
    if (k->numeric) *o++ = 'n';
    if (k->random) *o++ = 'R';
    if (k->reverse) *o++ = 'r';
    if (k->version) *o++ = 'V';
    *o = 0;
}

static void parse_size(sorter *s, const char *arg)
{
    const char *q = arg;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (!is_digit(*q)) vl_die(s->c, 2, "invalid -S argument %s", vl_quote_locale(s->c, arg));
    uint64_t v = 0;
    bool over = false;
    for (; is_digit(*q); q++) {
        unsigned dg = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - dg) / 10) over = true;
        else v = v * 10 + dg;
    }
    const vos_limits *lim = vk_limits(s->c->p);
    uint64_t mem = lim && lim->mem_bytes && lim->mem_bytes != UINT64_MAX ? lim->mem_bytes
                                                                           : (uint64_t)1 << 32;
    uint64_t mult = 1024;
    if (*q) {
        static const char suf[] = "bKMGTPEZY";
        char ch = *q == 'k' ? 'K' : *q == 'm' ? 'M' : *q == 'g' ? 'G' : *q == 't' ? 'T' : *q;
        const char *u = ch != '%' ? strchr(suf, ch) : NULL;
        if (q[1] || (ch != '%' && !u))
            vl_die(s->c, 2, "invalid suffix in -S argument %s", vl_quote_locale(s->c, arg));
        if (ch == '%') {
            mult = 0;
            if (!over) v = v > 100 ? mem : mem / 100 * v;
        } else {
            mult = 1;
            for (long i = u - suf; i > 0; i--) {
                if (mult > UINT64_MAX / 1024) over = true;
                else mult *= 1024;
            }
        }
    }
    if (mult) {
        if (!over && v > UINT64_MAX / mult) over = true;
        else v *= mult;
    }
    if (over) vl_die(s->c, 2, "-S argument %s too large", vl_quote_locale(s->c, arg));
    s->bound = v;
    s->bound_set = true;
}

/* GNU's argmatch: an exact word, or a prefix of words that all mean the same value. */
static int argmatch(sorter *s, const char *opt, const char *arg, const char *const *words,
                    const char *values, const char *valid)
{
    vl_ctx *c = s->c;
    size_t n = strlen(arg);
    int hit = -1;
    bool ambiguous = false;
    for (int i = 0; words[i]; i++) {
        if (strncmp(words[i], arg, n) != 0) continue;
        if (strlen(words[i]) == n) return values[i];
        if (hit < 0) hit = i;
        else if (values[hit] != values[i]) ambiguous = true;
    }
    if (hit >= 0 && !ambiguous) return values[hit];
    vl_eprintf(c, "%s: %s argument %s for '%s'\nValid arguments are:\n%s", c->name,
               ambiguous ? "ambiguous" : "invalid", vl_quote_locale(c, arg), opt, valid);
    vl_eprintf(c, "Try '%s --help' for more information.\n", c->name);
    vl_exit(c, 1);
}

/* One option occurrence, in command-line order (GNU reports the first bad one). */
static void take_option(sorter *s, int id, const char *arg)
{
    vl_ctx *c = s->c;
    switch (id) {
    case 'b': case 'd': case 'f': case 'g': case 'h': case 'i': case 'M': case 'n': case 'R':
    case 'r': case 'V': {
        char str[2] = {(char)id, 0};
        set_ordering(s, str, &s->gkey, 3);
        break;
    }
    case OPT_SORT: {
        static const char *const words[] = {"general-numeric", "human-numeric", "month",
                                            "numeric", "random", "version", NULL};
        static const char letters[] = "ghMnRV";
        int hit = argmatch(s, "--sort", arg, words, letters,
                           "  - 'general-numeric'\n  - 'human-numeric'\n  - 'month'\n"
                           "  - 'numeric'\n  - 'random'\n  - 'version'\n");
        char str[2] = {(char)hit, 0};
        set_ordering(s, str, &s->gkey, 3);
        break;
    }
    case OPT_RANDSRC:
        if (s->randsrc && strcmp(s->randsrc, arg) != 0)
            vl_die(c, 2, "multiple random sources specified");
        s->randsrc = arg;
        break;
    case OPT_BATCH: {
        int64_t v;
        int rc = vl_parse_int(arg, &v, false);
        if (rc == VOS_EINVAL || (rc == 0 && v < 0))
            vl_die(c, 2, "invalid --batch-size argument %s", vl_quote_locale(c, arg));
        const vos_limits *lim = vk_limits(c->p);
        int64_t maxm = lim && lim->open_files && lim->open_files < 100000
                           ? (int64_t)lim->open_files - 3
                           : 100000;
        if (rc == VOS_ERANGE || v > maxm) {
            vl_eprintf(c, "%s: --batch-size argument %s too large\n", c->name,
                       vl_quote_locale(c, arg));
            vl_die(c, 2, "maximum --batch-size argument with current rlimit is %lld",
                   (long long)maxm);
        }
        if (v < 2) {
            vl_eprintf(c, "%s: invalid --batch-size argument %s\n", c->name,
                       vl_quote_locale(c, arg));
            vl_die(c, 2, "minimum --batch-size argument is '2'");
        }
        s->nmerge = (size_t)v;
        break;
    }
    case 'c':
    case 'C':
    case OPT_CHECK: {
        int want = id == 'C' ? 'C' : 'c';
        if (id == OPT_CHECK && arg) {
            static const char *const words[] = {"quiet", "silent", "diagnose-first", NULL};
            want = argmatch(s, "--check", arg, words, "CCc",
                            "  - 'quiet', 'silent'\n  - 'diagnose-first'\n");
        }
        if (s->check && s->check != want) vl_die(c, 2, "options '-cC' are incompatible");
        s->check = want;
        break;
    }
    case OPT_COMPRESS: break;
    case OPT_DEBUG: s->debug = true; break;
    case OPT_FILES0: s->files0 = arg; break;
    case 'k': add_key(s, arg); break;
    case 'm': s->merge = true; break;
    case 'o':
        if (s->outfile && strcmp(s->outfile, arg) != 0)
            vl_die(c, 2, "multiple output files specified");
        s->outfile = arg;
        break;
    case 's': s->stable = true; break;
    case 'S': parse_size(s, arg); break;
    case 't': {
        int t = (unsigned char)arg[0];
        if (!arg[0]) vl_die(c, 2, "empty tab");
        if (arg[1]) {
            if (strcmp(arg, "\\0") == 0) t = 0;
            else vl_die(c, 2, "multi-character tab %s", vl_quote_locale(c, arg));
        }
        if (s->tab != TAB_DEFAULT && s->tab != t) vl_die(c, 2, "incompatible tabs");
        s->tab = t;
        break;
    }
    case 'T':
        s->tmpdirs = vl_xrealloc(c, s->tmpdirs, (s->ntmpdirs + 1) * sizeof *s->tmpdirs);
        s->tmpdirs[s->ntmpdirs++] = arg;
        break;
    case OPT_PARALLEL: {
        int64_t v;
        int rc = vl_parse_int(arg, &v, false);
        if (rc == VOS_EINVAL || v < 0)
            vl_die(c, 2, "invalid --parallel argument %s", vl_quote_locale(c, arg));
        if (rc == 0 && v == 0) vl_die(c, 2, "number in parallel must be nonzero");
        break;
    }
    case 'u': s->unique = true; break;
    case 'z': s->zero = true; break;
    default: break;
    }
}

/* Walk the options in order with GNU getopt's rules, handing each to take_option, and stop at
 * anything that is not a well-formed option of the table (an unknown or ambiguous one, a
 * missing argument, --help): vl_getopt then reports it as GNU does. vl_getopt keeps only the
 * last argument of an option, and sort needs every -k and -T, in order. */
static void walk_options(sorter *s, const vl_opt *opts, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == 0) continue;
        if (strcmp(a, "--") == 0) return;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            if (!nl || strncmp("help", name, nl) == 0 || strncmp("version", name, nl) == 0)
                return;
            const vl_opt *hit = NULL;
            int nhit = 0;
            for (const vl_opt *o = opts; o->id; o++) {
                if (!o->lng || strncmp(o->lng, name, nl) != 0) continue;
                if (strlen(o->lng) == nl) {
                    hit = o;
                    nhit = 1;
                    break;
                }
                hit = o;
                nhit++;
            }
            if (nhit != 1) return;
            const char *arg = NULL;
            if (eq) {
                if (hit->arg == VL_NOARG) return;
                arg = eq + 1;
            } else if (hit->arg == VL_ARG) {
                if (i + 1 >= argc) return;
                arg = argv[++i];
            }
            take_option(s, hit->id, arg);
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            const vl_opt *hit = NULL;
            for (const vl_opt *o = opts; o->id; o++)
                if (o->id == (unsigned char)*q) {
                    hit = o;
                    break;
                }
            if (!hit) return;
            if (hit->arg == VL_NOARG) {
                take_option(s, hit->id, NULL);
                continue;
            }
            const char *arg = q[1] ? q + 1 : NULL;
            if (!arg) {
                if (i + 1 >= argc) return;
                arg = argv[++i];
            }
            take_option(s, hit->id, arg);
            break;
        }
    }
}

static void check_compat(sorter *s)
{
    for (size_t i = 0; i < s->nkeys; i++) {
        skey *k = &s->keys[i];
        int n = k->numeric + k->general + k->human + k->month +
                (k->version || k->random || k->ignore);
        if (n > 1) {
            skey t = *k;
            t.skipsb = t.skipeb = t.reverse = false;
            char o[16];
            key_opts(s, &t, o);
            vl_die(s->c, 2, "options '-%s' are incompatible", o);
        }
    }
}

/* ---- the inputs ---- */

static char **files0_names(sorter *s, size_t *np)
{
    vl_ctx *c = s->c;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, s->files0, &err);
    if (!in) die_file(s, "open failed", s->files0, err);
    char **names = NULL;
    size_t n = 0, cap = 0;
    char *line;
    ssize_t len;
    while ((len = vl_in_getdelim(c, in, 0, &line)) > 0) {
        if (line[len - 1] == 0) len--;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = vl_xrealloc(c, names, cap * sizeof *names);
        }
        char *nm = vl_xmalloc(c, (size_t)len + 1);
        memcpy(nm, line, (size_t)len);
        nm[len] = 0;
        names[n++] = nm;
        if (strcmp(s->files0, "-") == 0 && strcmp(nm, "-") == 0)
            vl_die(c, 2, "when reading file names from standard input, no file name of %s "
                         "allowed", vl_quote_locale(c, "-"));
        if (len == 0)
            vl_die(c, 2, "%s:%zu: invalid zero-length file name", vl_quote(c, s->files0), n);
    }
    if (len < 0) die_file(s, "read failed", s->files0, (int)len);
    vl_in_close(c, in);
    if (n == 0) vl_die(c, 2, "no input from %s", vl_quote_locale(c, s->files0));
    *np = n;
    return names;
}

static vl_in *open_input(sorter *s, const char *name)
{
    int err = 0;
    vl_in *in = vl_in_open_quiet(s->c, name, &err);
    if (!in) die_file(s, "cannot read", name, err);
    return in;
}

static int check_order(sorter *s, const char *name)
{
    vl_ctx *c = s->c;
    vl_in *in = open_input(s, name);
    vl_buf prev = {0};
    sline pl = {0}, cl;
    uint64_t n = 0;
    char *line;
    ssize_t len;
    while ((len = vl_in_getdelim(c, in, s->delim, &line)) > 0) {
        n++;
        if (line[len - 1] == (char)s->delim) len--;
        cl.text = line;
        cl.len = (size_t)len;
        set_keys(s, &cl);
        if (n > 1) {
            int d = compare(s, &pl, &cl);
            if (d > 0 || (s->unique && d == 0)) {
                if (s->check == 'c') {
                    vl_buf m = {0};
                    vl_buf_printf(c, &m, "%s: %s:%llu: disorder: ", c->name, name,
                                  (unsigned long long)n);
                    vl_buf_add(c, &m, line, (size_t)len);
                    vl_buf_addc(c, &m, s->delim);
                    vl_write_fd(c, 2, m.data, m.len);
                }
                return 1;
            }
        }
        prev.len = 0;
        vl_buf_add(c, &prev, line, (size_t)len);
        pl.text = prev.data;
        pl.len = prev.len;
        set_keys(s, &pl);
        if ((n & 1023) == 0) tick(s, 1024);
    }
    if (len < 0) die_file(s, "read failed", name, (int)len);
    return 0;
}

static void init_random(sorter *s)
{
    unsigned char seed[16];
    if (s->randsrc) {
        int err = 0;
        vl_in *in = vl_in_open_quiet(s->c, s->randsrc, &err);
        if (!in) die_file(s, "open failed", s->randsrc, err);
        size_t got = 0;
        while (got < sizeof seed) {
            ssize_t r = vl_in_read(s->c, in, seed + got, sizeof seed - got);
            if (r < 0) die_file(s, "read failed", s->randsrc, (int)r);
            if (r == 0) vl_die(s->c, 2, "%s: end of file", vl_quote_locale(s->c, s->randsrc));
            got += (size_t)r;
        }
        vl_in_close(s->c, in);
    } else {
        for (int i = 0; i < 16; i += 8) {
            uint64_t r = vk_random(s->c->p);
            memcpy(seed + i, &r, 8);
        }
    }
    md5_init(&s->salt);
    md5_add(&s->salt, seed, sizeof seed);
}

static int sort_run(sorter *s, int n, char **argv)
{
    vl_ctx *c = s->c;
    /* keys inherit the global ordering options when they have none of their own */
    bool need_random = false;
    for (size_t i = 0; i < s->nkeys; i++) {
        skey *k = &s->keys[i];
        if (default_key(k) && !k->reverse) {
            k->ignore = s->gkey.ignore;
            k->xlat = s->gkey.xlat;
            k->skipsb = s->gkey.skipsb;
            k->skipeb = s->gkey.skipeb;
            k->month = s->gkey.month;
            k->numeric = s->gkey.numeric;
            k->general = s->gkey.general;
            k->human = s->gkey.human;
            k->version = s->gkey.version;
            k->random = s->gkey.random;
            k->reverse = s->gkey.reverse;
        }
        need_random |= k->random;
    }
    s->reverse = s->gkey.reverse;
    if (!s->nkeys && !default_key(&s->gkey)) {
        s->keys = vl_xmalloc(c, sizeof *s->keys);
        s->keys[0] = s->gkey;
        s->keys[0].sword = SIZE_MAX;
        s->keys[0].eword = SIZE_MAX;
        s->keys[0].schar = s->keys[0].echar = 0;
        s->nkeys = 1;
        s->gkey_only = true;
        need_random |= s->gkey.random;
    }
    check_compat(s);
    if (s->debug) {
        if (s->check || s->outfile)
            vl_die(c, 2, "options '-%c --debug' are incompatible", s->check ? s->check : 'o');
        vl_eprintf(c, "%s: text ordering performed using simple byte comparison\n", c->name);
        key_warnings(s);
    }
    if (need_random) init_random(s);
    s->delim = s->zero ? 0 : '\n';
    choose_pfx(s);

    char **files = argv + 1;
    size_t nfiles = (size_t)n;
    char dash[] = "-";
    char *stdin_only[] = {dash};
    if (s->files0) {
        if (n > 0) {
            vl_eprintf(c, "%s: extra operand %s\nfile operands cannot be combined with "
                          "--files0-from\n", c->name, vl_quote_locale(c, argv[1]));
            vl_try_help(c);
        }
        files = files0_names(s, &nfiles);
    } else if (n == 0) {
        files = stdin_only;
        nfiles = 1;
    }

    if (s->check) {
        if (nfiles > 1)
            vl_die(c, 2, "extra operand %s not allowed with -%c", vl_quote_always(c, files[1]),
                   s->check);
        if (s->outfile) vl_die(c, 2, "options '-%co' are incompatible", s->check);
        return check_order(s, files[0]);
    }

    /* where runs go: -T, else $TMPDIR, else /tmp */
    if (!s->ntmpdirs) {
        const char *t = vk_getenv(c->p, "TMPDIR");
        s->tmpdirs = vl_xmalloc(c, sizeof *s->tmpdirs);
        s->tmpdirs[0] = t && *t ? t : "/tmp";
        s->ntmpdirs = 1;
    }
    const vos_limits *lim = vk_limits(c->p);
    uint64_t mem = lim && lim->mem_bytes && lim->mem_bytes != UINT64_MAX ? lim->mem_bytes
                                                                           : (uint64_t)1 << 32;
    if (!s->bound_set || s->bound > mem / 2) s->bound = s->bound_set ? mem / 2 : mem / 4;
    if (s->bound < 65536) s->bound = 65536;
    s->blocksize = s->bound / 16;
    if (s->blocksize > (4u << 20)) s->blocksize = 4u << 20;
    if (s->blocksize < BLOCK_MIN) s->blocksize = BLOCK_MIN;

    sout o;
    if (s->merge) {
        /* inputs are opened when their merge comes, so no more than --batch-size are open */
        msrc *v = vl_xcalloc(c, nfiles, sizeof *v);
        for (size_t i = 0; i < nfiles; i++) {
            v[i].fd = -1;
            v[i].name = files[i];
        }
        /* more inputs than one merge takes: the first ones become a run, until they fit */
        size_t k = nfiles;
        while (k > s->nmerge) {
            for (size_t i = 0; i < s->nmerge; i++)
                if (!v[i].in) v[i].in = open_input(s, v[i].name);
            int fd = new_run_fd(s);
            sout ro;
            out_init(s, &ro, fd, "temporary file");
            merge_sources(s, v, s->nmerge, &ro);
            out_flush(s, &ro);
            out_free(s, &ro);
            for (size_t i = 0; i < s->nmerge; i++) close_source(s, &v[i]);
            add_run_fd(s, fd);
            run_source(s, &v[0], fd);
            memmove(&v[1], &v[s->nmerge], (k - s->nmerge) * sizeof *v);
            k -= s->nmerge - 1;
        }
        for (size_t i = 0; i < k; i++)
            if (!v[i].in) v[i].in = open_input(s, v[i].name);
        open_output(s, &o);
        merge_sources(s, v, k, &o);
        close_output(s, &o);
        return 0;
    }
    for (size_t i = 0; i < nfiles; i++) {
        vl_in *in = open_input(s, files[i]);
        read_input(s, in, files[i]);
        vl_in_close(c, in);
    }
    if (!s->nruns) {
        sref *v = sort_lines(s, s->lines, s->nlines);
        open_output(s, &o);
        write_lines(s, &o, v, s->nlines);
        close_output(s, &o);
        return 0;
    }
    if (s->nlines) spill(s);
    /* the runs: merge down to one batch, then into the output */
    while (s->nruns > s->nmerge) merge_run_range(s, 0, s->nmerge, 0);
    msrc *v = vl_xcalloc(c, s->nruns, sizeof *v);
    for (size_t i = 0; i < s->nruns; i++) run_source(s, &v[i], s->runs[i].fd);
    open_output(s, &o);
    merge_sources(s, v, s->nruns, &o);
    close_output(s, &o);
    return 0;
}

static int sort_main(vl_ctx *c, int argc, char **argv);

static const vl_opt sort_opts[] = {
    {'b', "ignore-leading-blanks", VL_NOARG, NULL, "ignore leading blanks"},
    {'d', "dictionary-order", VL_NOARG, NULL, "consider only blanks and alphanumeric characters"},
    {'f', "ignore-case", VL_NOARG, NULL, "fold lower case to upper case characters"},
    {'g', "general-numeric-sort", VL_NOARG, NULL, "compare according to general numerical value"},
    {'i', "ignore-nonprinting", VL_NOARG, NULL, "consider only printable characters"},
    {'M', "month-sort", VL_NOARG, NULL, "compare (unknown) < 'JAN' < ... < 'DEC'"},
    {'h', "human-numeric-sort", VL_NOARG, NULL, "compare human readable numbers (e.g., 2K 1G)"},
    {'n', "numeric-sort", VL_NOARG, NULL, "compare according to string numerical value"},
    {'R', "random-sort", VL_NOARG, NULL, "shuffle, but group identical keys"},
    {OPT_RANDSRC, "random-source", VL_ARG, "FILE", "get random bytes from FILE"},
    {'r', "reverse", VL_NOARG, NULL, "reverse the result of comparisons"},
    {OPT_SORT, "sort", VL_ARG, "WORD",
     "sort according to WORD:\n  general-numeric -g, human-numeric -h, month -M,\n"
     "  numeric -n, random -R, version -V"},
    {'V', "version-sort", VL_NOARG, NULL, "natural sort of (version) numbers within text"},
    {OPT_BATCH, "batch-size", VL_ARG, "NMERGE", "merge at most NMERGE inputs at once"},
    {'c', NULL, VL_NOARG, NULL, "check for sorted input; do not sort"},
    {OPT_CHECK, "check", VL_OPTARG, "diagnose-first", "same as -c; --check=quiet is -C"},
    {'C', NULL, VL_NOARG, NULL, "like -c, but do not report first bad line"},
    {OPT_COMPRESS, "compress-program", VL_ARG, "PROG", "accepted; runs are not compressed"},
    {OPT_DEBUG, "debug", VL_NOARG, NULL,
     "annotate the part of the line used to sort,\n  and warn about questionable usage to stderr"},
    {OPT_FILES0, "files0-from", VL_ARG, "F",
     "read input from the files specified by\n  NUL-terminated names in file F"},
    {'k', "key", VL_ARG, "KEYDEF", "sort via a key; KEYDEF gives location and type"},
    {'m', "merge", VL_NOARG, NULL, "merge already sorted files; do not sort"},
    {'o', "output", VL_ARG, "FILE", "write result to FILE instead of standard output"},
    {'s', "stable", VL_NOARG, NULL, "stabilize sort by disabling last-resort comparison"},
    {'S', "buffer-size", VL_ARG, "SIZE", "use SIZE for main memory buffer"},
    {'t', "field-separator", VL_ARG, "SEP", "use SEP instead of non-blank to blank transition"},
    {'T', "temporary-directory", VL_ARG, "DIR",
     "use DIR for temporaries, not $TMPDIR or /tmp;\n  multiple options specify multiple "
     "directories"},
    {OPT_PARALLEL, "parallel", VL_ARG, "N", "accepted; one thread sorts"},
    {'u', "unique", VL_NOARG, NULL, "output only the first of an equal run"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};

static int sort_main(vl_ctx *c, int argc, char **argv)
{
    sorter *s = vl_xcalloc(c, 1, sizeof *s);
    s->c = c;
    s->tab = TAB_DEFAULT;
    s->nmerge = NMERGE_DEFAULT;
    init_tables(s);
    /* every way out (errors, limits, signals) passes here, so no temporary file is left */
    jmp_buf outer;
    memcpy(&outer, &c->jb, sizeof outer);
    if (setjmp(c->jb)) {
        memcpy(&c->jb, &outer, sizeof outer);
        cleanup(s);
        longjmp(c->jb, 1);
    }
    walk_options(s, sort_opts, argc, argv);
    int n = vl_getopt(c, argc, argv);
    int st = sort_run(s, n, argv);
    cleanup(s);
    memcpy(&c->jb, &outer, sizeof outer);
    return st;
}

VL_COMMAND(sort, sort_main, sort_opts, "[OPTION]... [FILE]...",
           "Write sorted concatenation of all FILE(s) to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.\n\n"
           "KEYDEF is F[.C][OPTS][,F[.C][OPTS]] for start and stop position, where F is a\n"
           "field number and C a character position in the field; both are origin 1, and\n"
           "the stop position defaults to the line's end. OPTS is one or more single-letter\n"
           "ordering options [bdfgiMhnRrV], which override global ordering options for\n"
           "that key. SIZE may be followed by % b K M G T P E Z Y; the default unit is K.",
           0, 2);
