/* sumcheck.c: the shared main of md5sum, sha1sum ... sha512sum, b2sum and cksum, as coreutils
 * 9.1 behaves: one line per file (GNU or BSD "--tag" form, "\"-escaped names, -z), and check
 * mode (-c) with its line grammar, per-file OK/FAILED lines, end-of-file warnings and status.
 * The algorithms are digest.c's; this file only reads, formats and compares. */
#include "lib/digest.h"
#include "lib/enc.h"
#include "lib/format.h"

#include <string.h>

#define SUM_BUF (256 * 1024)

enum {
    O_TAG = 256,
    O_UNTAGGED,
    O_STATUS,
    O_QUIET,
    O_STRICT,
    O_IGNORE_MISSING,
    O_DEBUG,
};

#define COMMON_CHECK_OPTS                                                                          \
    {'z', "zero", VL_NOARG, NULL,                                                                  \
     "end each output line with NUL, not newline,\n  and disable file name escaping"},             \
        {O_IGNORE_MISSING, "ignore-missing", VL_NOARG, NULL,                                       \
         "don't fail or report status for missing files"},                                         \
        {O_QUIET, "quiet", VL_NOARG, NULL, "don't print OK for each successfully verified file"},  \
        {O_STATUS, "status", VL_NOARG, NULL, "don't output anything, status code shows success"},  \
        {O_STRICT, "strict", VL_NOARG, NULL, "exit non-zero for improperly formatted checksum lines"}, \
        {'w', "warn", VL_NOARG, NULL, "warn about improperly formatted checksum lines"}

const vl_opt vl_sum_opts[] = {
    {'b', "binary", VL_NOARG, NULL, "read in binary mode"},
    {'c', "check", VL_NOARG, NULL, "read checksums from the FILEs and check them"},
    {O_TAG, "tag", VL_NOARG, NULL, "create a BSD-style checksum"},
    {'t', "text", VL_NOARG, NULL, "read in text mode (default)"},
    COMMON_CHECK_OPTS,
    {0}};

const vl_opt vl_b2sum_opts[] = {
    {'b', "binary", VL_NOARG, NULL, "read in binary mode"},
    {'c', "check", VL_NOARG, NULL, "read checksums from the FILEs and check them"},
    {'l', "length", VL_ARG, "BITS",
     "digest length in bits; must not exceed the max for\n  the blake2 algorithm and must be a "
     "multiple of 8"},
    {O_TAG, "tag", VL_NOARG, NULL, "create a BSD-style checksum"},
    {'t', "text", VL_NOARG, NULL, "read in text mode (default)"},
    COMMON_CHECK_OPTS,
    {0}};

const vl_opt vl_cksum_opts[] = {
    {'a', "algorithm", VL_ARG, "TYPE",
     "select the digest type to use: sysv, bsd, crc (the\n  default), md5, sha1, sha224, "
     "sha256, sha384,\n  sha512, blake2b, sm3"},
    {'c', "check", VL_NOARG, NULL, "read checksums from the FILEs and check them"},
    {'l', "length", VL_ARG, "BITS",
     "digest length in bits; must not exceed the max for\n  the blake2 algorithm and must be a "
     "multiple of 8"},
    {O_TAG, "tag", VL_NOARG, NULL, "create a BSD-style checksum (the default)"},
    {O_UNTAGGED, "untagged", VL_NOARG, NULL,
     "create a reversed style checksum, without digest type"},
    COMMON_CHECK_OPTS,
    {O_DEBUG, "debug", VL_NOARG, NULL, "indicate which implementation used"},
    /* GNU's cksum accepts -b and -t only to answer with its "Try" line */
    {'b', NULL, VL_NOARG, NULL, NULL},
    {'t', NULL, VL_NOARG, NULL, NULL},
    {0}};

static const char *const algo_names[VL_H_COUNT] = {
    "sysv", "bsd", "crc", "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "sm3",
};
/* the order GNU lists them in */
static const int algo_order[VL_H_COUNT] = {VL_H_BSD,    VL_H_SYSV,   VL_H_CRC,    VL_H_MD5,
                                           VL_H_SHA1,   VL_H_SHA224, VL_H_SHA256, VL_H_SHA384,
                                           VL_H_SHA512, VL_H_BLAKE2B, VL_H_SM3};

typedef struct sum_state {
    vl_ctx *c;
    int algo;          /* the algorithm (cksum -c without -a: the last one a tag named) */
    bool cksum;        /* cksum: legacy formats, tags by default */
    bool detect;       /* cksum -c without -a: every line names its algorithm */
    size_t outlen;     /* digest bytes asked for (-l), 0: the algorithm's own */
    bool tag, zero, binary;
    bool status_only, quiet, strict, warn, ignore_missing;
    bool had_operands;
    int bsd_reversed;  /* -1 unknown, 0 GNU lines seen, 1 "HASH NAME" lines seen */
    unsigned char *buf;
} sum_state;

int vl_hash_in(vl_ctx *c, vl_in *in, vl_hash *h, unsigned char *buf, size_t bufsize)
{
    for (;;) {
        ssize_t r = vl_in_read(c, in, buf, bufsize);
        if (r < 0) return (int)r;
        if (r == 0) return 0;
        vl_hash_update(h, buf, (size_t)r);
        vl_enc_steps(c, 1);
    }
}

/* Hash a file. Returns 0, or the negative error of opening or reading it. */
static int hash_file(sum_state *s, const char *name, int algo, size_t outlen, unsigned char *out,
                     uint64_t *total)
{
    vl_ctx *c = s->c;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, name, &err);
    if (!in) return err;
    vl_hash h;
    vl_hash_init(c, &h, algo, outlen);
    int rc = vl_hash_in(c, in, &h, s->buf, SUM_BUF);
    vl_in_close(c, in);
    vl_hash_final(&h, out);
    if (total) *total = h.total;
    return rc;
}

static void put_hex(vl_ctx *c, const unsigned char *d, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[128];
    for (size_t i = 0; i < n; i++) {
        tmp[2 * i] = hx[d[i] >> 4];
        tmp[2 * i + 1] = hx[d[i] & 15];
    }
    vl_write(c, tmp, 2 * n);
}

/* A name with "\\", "\n" and "\r" written as escapes. */
static void put_escaped(vl_ctx *c, const char *name)
{
    for (const char *p = name; *p; p++) {
        if (*p == '\\') vl_write(c, "\\\\", 2);
        else if (*p == '\n') vl_write(c, "\\n", 2);
        else if (*p == '\r') vl_write(c, "\\r", 2);
        else vl_putc(c, *p);
    }
}

/* The tag of a BSD-style line: "MD5", "BLAKE2b-256"... */
static void put_tag(vl_ctx *c, int algo, size_t outlen)
{
    vl_puts(c, vl_hash_tag(algo));
    if (algo == VL_H_BLAKE2B && outlen && outlen != 64) vl_printf(c, "-%zu", outlen * 8);
}

static uint32_t be32(const unsigned char *d)
{
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static void compute_one(sum_state *s, const char *name)
{
    vl_ctx *c = s->c;
    unsigned char d[64];
    uint64_t total = 0;
    int rc = hash_file(s, name, s->algo, s->outlen, d, &total);
    if (rc < 0) {
        vl_perror(c, vl_quote(c, name), rc);
        return;
    }
    char delim = s->zero ? '\0' : '\n';
    if (s->algo <= VL_H_CRC) {
        uint32_t v = be32(d);
        if (s->algo == VL_H_CRC)
            vl_printf(c, "%u %llu", v, (unsigned long long)total);
        else if (s->algo == VL_H_SYSV)
            vl_printf(c, "%u %llu", v, (unsigned long long)((total + 511) / 512));
        else
            vl_printf(c, "%05u %5llu", v, (unsigned long long)((total + 1023) / 1024));
        if (s->had_operands) vl_printf(c, " %s", name);
        vl_putc(c, delim);
        return;
    }
    size_t n = s->outlen ? s->outlen : vl_hash_len(s->algo);
    bool esc = !s->zero && strpbrk(name, "\\\n\r");
    if (esc) vl_putc(c, '\\');
    if (s->tag) {
        put_tag(c, s->algo, s->outlen);
        vl_puts(c, " (");
        if (esc) put_escaped(c, name);
        else vl_puts(c, name);
        vl_puts(c, ") = ");
        put_hex(c, d, n);
    } else {
        put_hex(c, d, n);
        vl_putc(c, ' ');
        vl_putc(c, s->binary ? '*' : ' ');
        if (esc) put_escaped(c, name);
        else vl_puts(c, name);
    }
    vl_putc(c, delim);
}

/* ---- check mode ---- */

static bool is_white(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Undo the escapes of an escaped name in place ("\\\\", "\\n", "\\r"); false when another
 * backslash sequence appears. */
static bool unescape(char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            s[j++] = s[i];
            continue;
        }
        if (i + 1 >= n) return false;
        char e = s[++i];
        if (e == '\\') s[j++] = '\\';
        else if (e == 'n') s[j++] = '\n';
        else if (e == 'r') s[j++] = '\r';
        else return false;
    }
    s[j] = '\0';
    return true;
}

typedef struct parsed {
    const char *hex;
    size_t hexlen;
    char *name;
    int algo;
    size_t outlen; /* digest bytes the line asks for */
} parsed;

/* The algorithm a tag names (cksum -c without -a): its index and the tag's length, or -1. */
static int tag_algo(const char *s, size_t *taglen)
{
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '(' && s[n] != '-') n++;
    for (int a = 0; a < VL_H_COUNT; a++) {
        const char *t = vl_hash_tag(a);
        if (strlen(t) == n && strncmp(s, t, n) == 0) {
            *taglen = n;
            return a;
        }
    }
    return -1;
}

/* "TAG (NAME) = HEX" after the tag's "(" */
static bool parse_bsd(char *s, size_t n, bool escaped, parsed *p)
{
    if (n == 0) return false;
    size_t i = n - 1;
    while (i > 0 && s[i] != ')') i--;
    if (s[i] != ')') return false;
    p->name = s;
    if (escaped && !unescape(s, i)) return false;
    s[i++] = '\0';
    while (is_white(s[i])) i++;
    if (s[i] != '=') return false;
    i++;
    while (is_white(s[i])) i++;
    p->hex = s + i;
    p->hexlen = strlen(s + i);
    return true;
}

static bool all_hex(const char *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexval(h[i]) < 0) return false;
    return true;
}

static bool parse_line(sum_state *s, char *line, size_t len, parsed *p)
{
    size_t i = 0;
    while (is_white(line[i])) i++;
    bool escaped = false;
    if (line[i] == '\\') {
        escaped = true;
        i++;
    }
    p->algo = s->algo;
    p->outlen = s->algo == VL_H_BLAKE2B ? 0 : vl_hash_len(s->algo);
    size_t taglen = 0;
    bool tagged;
    if (s->detect) {
        int a = tag_algo(line + i, &taglen);
        if (a < 0 || a <= VL_H_CRC) return false;
        s->algo = p->algo = a;
        p->outlen = a == VL_H_BLAKE2B ? 0 : vl_hash_len(a);
        tagged = true;
    } else {
        const char *t = vl_hash_tag(s->algo);
        taglen = strlen(t);
        tagged = strncmp(line + i, t, taglen) == 0;
    }
    if (tagged) {
        i += taglen;
        if (p->algo == VL_H_BLAKE2B) {
            p->outlen = 64;
            if (line[i] == '-') {
                i++;
                uint64_t bits = 0;
                size_t k = 0;
                while (line[i] >= '0' && line[i] <= '9' && k < 6) bits = bits * 10 + (uint64_t)(line[i++] - '0'), k++;
                if (k == 0 || bits == 0 || bits > 512 || bits % 8) return false;
                p->outlen = (size_t)(bits / 8);
            }
        }
        if (line[i] == ' ') i++;
        if (line[i] != '(') return false;
        i++;
        if (!parse_bsd(line + i, len - i, escaped, p)) return false;
        return p->hexlen == 2 * p->outlen && all_hex(p->hex, p->hexlen);
    }
    /* "HEX  NAME", "HEX *NAME", or the BSD reversed "HEX NAME" */
    size_t hexlen;
    if (p->algo == VL_H_BLAKE2B) {
        hexlen = 0;
        while (hexval(line[i + hexlen]) >= 0) hexlen++;
        if (hexlen < 2 || hexlen % 2 || hexlen > 128) return false;
        p->outlen = hexlen / 2;
    } else {
        hexlen = 2 * p->outlen;
        if (len - i < hexlen + 2) return false;
    }
    if (len - i < hexlen + 2) return false;
    p->hex = line + i;
    p->hexlen = hexlen;
    i += hexlen;
    if (!is_white(line[i])) return false;
    line[i++] = '\0';
    if (!all_hex(p->hex, hexlen)) return false;
    if (len - i == 1 || (line[i] != ' ' && line[i] != '*')) {
        if (s->bsd_reversed == 0) return false;
        s->bsd_reversed = 1;
    } else if (s->bsd_reversed != 1) {
        s->bsd_reversed = 0;
        i++;
    }
    p->name = line + i;
    if (escaped && !unescape(line + i, len - i)) return false;
    return true;
}

static bool hex_equal(const char *hex, const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexval(hex[2 * i]) != d[i] >> 4 || hexval(hex[2 * i + 1]) != (d[i] & 15)) return false;
    return true;
}

/* The name on an OK/FAILED line: escaped (with a leading "\") when it holds a newline. */
static void put_check_name(vl_ctx *c, const char *name)
{
    if (strchr(name, '\n')) {
        vl_putc(c, '\\');
        put_escaped(c, name);
    } else {
        vl_puts(c, name);
    }
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Check every line of one checksum file; false when it did not all verify. */
static bool check_file(sum_state *s, const char *cname)
{
    vl_ctx *c = s->c;
    bool is_stdin = strcmp(cname, "-") == 0;
    const char *shown = is_stdin ? "standard input" : cname;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, cname, &err);
    if (!in) {
        vl_perror(c, vl_quote(c, cname), err);
        return false;
    }
    uint64_t lineno = 0, misformatted = 0, unreadable = 0, mismatched = 0;
    bool any_proper = false, any_match = false;
    char *line;
    ssize_t n;
    vl_buf copy = {0};
    while ((n = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        lineno++;
        vl_enc_steps(c, 1);
        if (line[0] == '#') continue;
        size_t len = (size_t)n;
        if (line[len - 1] == '\n') len--;
        if (len > 0 && line[len - 1] == '\r') len--;
        if (len == 0) continue;
        copy.len = 0;
        vl_buf_add(c, &copy, line, len);
        /* a NUL inside the line ends it, as it would for a C string */
        len = strlen(copy.data);
        parsed p;
        if (!parse_line(s, copy.data, len, &p) || (is_stdin && strcmp(p.name, "-") == 0)) {
            misformatted++;
            if (s->warn)
                vl_error(c, "%s: %llu: improperly formatted %s checksum line", vl_quote(c, shown),
                         (unsigned long long)lineno, vl_hash_tag(s->algo));
            continue;
        }
        any_proper = true;
        unsigned char d[64];
        int rc = hash_file(s, p.name, p.algo, p.outlen, d, NULL);
        if (rc < 0) {
            if (s->ignore_missing && rc == VOS_ENOENT) continue;
            vl_perror(c, vl_quote(c, p.name), rc);
            unreadable++;
            if (!s->status_only) {
                put_check_name(c, p.name);
                vl_puts(c, ": FAILED open or read\n");
            }
            continue;
        }
        bool ok = hex_equal(p.hex, d, p.outlen);
        if (ok) any_match = true;
        else mismatched++;
        if (!s->status_only && (!ok || !s->quiet)) {
            put_check_name(c, p.name);
            vl_puts(c, ok ? ": OK\n" : ": FAILED\n");
        }
    }
    vl_buf_free(c, &copy);
    if (n < 0) {
        vl_in_close(c, in);
        vl_error(c, "%s: read error", vl_quote(c, shown));
        return false;
    }
    vl_in_close(c, in);
    if (!any_proper) {
        vl_error(c, "%s: no properly formatted checksum lines found", vl_quote(c, shown));
        return false;
    }
    if (!s->status_only) {
        if (misformatted)
            vl_error(c, "WARNING: %llu %s", (unsigned long long)misformatted,
                     plural(misformatted, "line is improperly formatted",
                            "lines are improperly formatted"));
        if (unreadable)
            vl_error(c, "WARNING: %llu %s", (unsigned long long)unreadable,
                     plural(unreadable, "listed file could not be read",
                            "listed files could not be read"));
        if (mismatched)
            vl_error(c, "WARNING: %llu %s", (unsigned long long)mismatched,
                     plural(mismatched, "computed checksum did NOT match",
                            "computed checksums did NOT match"));
        if (s->ignore_missing && !any_match)
            vl_error(c, "%s: no file was verified", vl_quote(c, shown));
    }
    return mismatched == 0 && unreadable == 0 && (!s->strict || misformatted == 0) &&
           (!s->ignore_missing || any_match);
}

/* -l BITS: parsed as GNU does when it is given (the multiple-of-8 rule at once). */
static uint64_t parse_length(vl_ctx *c, const char *arg)
{
    const char *q = arg;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (*q == '+') q++;
    bool over = false;
    uint64_t v = 0;
    if (*q < '0' || *q > '9') vl_die(c, 1, "invalid length: %s", vl_quote_locale(c, arg));
    for (; *q >= '0' && *q <= '9'; q++) {
        unsigned dg = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - dg) / 10) over = true;
        else v = v * 10 + dg;
    }
    if (*q) vl_die(c, 1, "invalid length: %s", vl_quote_locale(c, arg));
    if (over)
        vl_die(c, 1, "invalid length: %s: Value too large for defined data type",
               vl_quote_locale(c, arg));
    if (v % 8) {
        vl_error(c, "invalid length: %s", vl_quote_locale(c, arg));
        vl_die(c, 1, "length is not a multiple of 8");
    }
    return v;
}

static int parse_algo(vl_ctx *c, const char *arg)
{
    for (int a = 0; a < VL_H_COUNT; a++)
        if (strcmp(arg, algo_names[a]) == 0) return a;
    vl_buf b = {0};
    vl_buf_printf(c, &b, "%s: invalid argument %s for %s\nValid arguments are:\n", c->name,
                  vl_quote_locale(c, arg), vl_quote_locale(c, "--algorithm"));
    for (int a = 0; a < VL_H_COUNT; a++)
        vl_buf_printf(c, &b, "  - '%s'\n", algo_names[algo_order[a]]);
    vl_eprintf(c, "%s", b.data);
    vl_try_help(c);
}

int vl_sum_main(vl_ctx *c, int argc, char **argv, int algo)
{
    sum_state s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.cksum = algo < 0;
    s.bsd_reversed = -1;
    /* -l is judged occurrence by occurrence (a bad one ends the command at once) */
    char **orig = vl_enc_argv_dup(c, argc, argv);
    int n = vl_getopt(c, argc, argv);
    vl_optocc *occ;
    int nocc = vl_enc_optseq(c, argc, orig, &occ);
    uint64_t bits = 0;
    for (int i = 0; i < nocc; i++)
        if (occ[i].id == 'l') bits = parse_length(c, occ[i].arg);
    if (s.cksum && (vl_has(c, 'b') || vl_has(c, 't'))) vl_try_help(c);
    bool check = vl_has(c, 'c');
    s.algo = algo;
    bool algo_given = false;
    if (s.cksum) {
        s.algo = VL_H_CRC;
        if (vl_has(c, 'a')) {
            s.algo = parse_algo(c, vl_arg(c, 'a'));
            algo_given = true;
        }
    }
    if (bits && s.cksum && s.algo != VL_H_BLAKE2B)
        vl_die(c, 1, "--length is only supported with --algorithm=blake2b");
    if (bits > 512) {
        vl_error(c, "invalid length: %s", vl_quote_locale(c, vl_arg(c, 'l')));
        vl_die(c, 1, "maximum digest length for %s is 512 bits", vl_quote_locale(c, "BLAKE2b"));
    }
    s.outlen = (size_t)(bits / 8);
    if (s.cksum && check && algo_given && s.algo <= VL_H_CRC)
        vl_die(c, 1, "--check is not supported with --algorithm={bsd,sysv,crc}");
    int binary = -1;
    if (vl_has(c, 'b') || vl_has(c, 't')) binary = vl_last(c, 'b') > vl_last(c, 't');
    if (s.cksum) s.tag = !(vl_has(c, O_UNTAGGED) && vl_last(c, O_UNTAGGED) > vl_last(c, O_TAG));
    else s.tag = vl_has(c, O_TAG);
    s.zero = vl_has(c, 'z');
    if (!s.cksum && s.tag && binary == 0) vl_usage_error(c, "--tag does not support --text mode");
    if (s.zero && check) vl_usage_error(c, "the --zero option is not supported when verifying checksums");
    if (!s.cksum && s.tag && check)
        vl_usage_error(c, "the --tag option is meaningless when verifying checksums");
    if (binary >= 0 && check)
        vl_usage_error(c, "the --binary and --text options are meaningless when verifying "
                          "checksums");
    static const struct {
        int id;
        const char *name;
    } only_check[] = {{O_IGNORE_MISSING, "--ignore-missing"}, {O_STATUS, "--status"},
                      {'w', "--warn"}, {O_QUIET, "--quiet"}, {O_STRICT, "--strict"}};
    for (size_t i = 0; i < sizeof only_check / sizeof only_check[0]; i++)
        if (vl_has(c, only_check[i].id) && !check)
            vl_usage_error(c, "the %s option is meaningful only when verifying checksums",
                           only_check[i].name);
    s.binary = binary > 0;
    s.status_only = vl_has(c, O_STATUS);
    s.quiet = vl_has(c, O_QUIET);
    s.strict = vl_has(c, O_STRICT);
    s.warn = vl_has(c, 'w');
    s.ignore_missing = vl_has(c, O_IGNORE_MISSING);
    s.had_operands = n > 0;
    s.detect = s.cksum && check && !algo_given;
    if (s.cksum && vl_has(c, O_DEBUG) && s.algo == VL_H_CRC)
        vl_eprintf(c, "%s: using %s hardware support\n", c->name,
                   vl_hash_crc_clmul() ? "pclmul" : "generic");
    s.buf = vl_xmalloc(c, SUM_BUF);
    static char dash[] = "-";
    char *only_stdin[] = {NULL, dash, NULL};
    if (n == 0) {
        argv = only_stdin;
        n = 1;
    }
    bool ok = true;
    for (int i = 1; i <= n; i++) {
        if (check) {
            if (!check_file(&s, argv[i])) ok = false;
        } else {
            compute_one(&s, argv[i]);
        }
    }
    vl_xfree(c, s.buf);
    /* warnings went through vl_error, which sets the status: check mode decides on its own */
    if (check) return ok ? 0 : 1;
    return c->status;
}
