/* basecodec.c: the base-N encodings of enc.h (RFC 4648 base64/base64url/base32/base32hex/
 * base16, bit strings, ZeroMQ's Z85), with the decoding rules coreutils' base64, base32 and
 * basenc apply (see enc.h), and the main those three commands share (one input, wrapping,
 * -d, -i). The codec itself does no I/O and no allocation. */
#include "lib/enc.h"
#include "lib/format.h"

#include <string.h>

static const char a64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char a64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char a32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char a32hex[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char a16[] = "0123456789ABCDEF";
static const char az85[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static const char *alphabet(int kind)
{
    switch (kind) {
    case VL_B64: return a64;
    case VL_B64URL: return a64url;
    case VL_B32: return a32;
    case VL_B32HEX: return a32hex;
    case VL_B16: return a16;
    case VL_Z85: return az85;
    default: return "01";
    }
}

void vl_enc_group(int kind, size_t *in_group, size_t *out_group)
{
    switch (kind) {
    case VL_B64:
    case VL_B64URL: *in_group = 3, *out_group = 4; break;
    case VL_B32:
    case VL_B32HEX: *in_group = 5, *out_group = 8; break;
    case VL_B16: *in_group = 1, *out_group = 2; break;
    case VL_Z85: *in_group = 4, *out_group = 5; break;
    default: *in_group = 1, *out_group = 8; break;
    }
}

bool vl_enc_alphabet(int kind, unsigned char ch)
{
    return ch && strchr(alphabet(kind), ch) != NULL;
}

static size_t enc64(const char *al, const unsigned char *in, size_t n, char *out)
{
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        o[0] = al[v >> 18];
        o[1] = al[(v >> 12) & 63];
        o[2] = al[(v >> 6) & 63];
        o[3] = al[v & 63];
        o += 4;
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        o[0] = al[v >> 18];
        o[1] = al[(v >> 12) & 63];
        o[2] = i + 1 < n ? al[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    return (size_t)(o - out);
}

static size_t enc32(const char *al, const unsigned char *in, size_t n, char *out)
{
    char *o = out;
    for (size_t i = 0; i < n; i += 5) {
        size_t k = n - i < 5 ? n - i : 5;
        unsigned char b[5] = {0};
        memcpy(b, in + i, k);
        uint64_t v = (uint64_t)b[0] << 32 | (uint64_t)b[1] << 24 | (uint64_t)b[2] << 16 |
                     (uint64_t)b[3] << 8 | b[4];
        /* characters that carry data for k bytes: 2, 4, 5, 7, 8 */
        static const int used[6] = {0, 2, 4, 5, 7, 8};
        for (int j = 0; j < 8; j++) o[j] = j < used[k] ? al[(v >> (35 - 5 * j)) & 31] : '=';
        o += 8;
    }
    return (size_t)(o - out);
}

size_t vl_encode(int kind, const unsigned char *in, size_t n, char *out)
{
    switch (kind) {
    case VL_B64: return enc64(a64, in, n, out);
    case VL_B64URL: return enc64(a64url, in, n, out);
    case VL_B32: return enc32(a32, in, n, out);
    case VL_B32HEX: return enc32(a32hex, in, n, out);
    case VL_B16:
        for (size_t i = 0; i < n; i++) {
            out[2 * i] = a16[in[i] >> 4];
            out[2 * i + 1] = a16[in[i] & 15];
        }
        return 2 * n;
    case VL_B2MSBF:
    case VL_B2LSBF:
        for (size_t i = 0; i < n; i++)
            for (int j = 0; j < 8; j++) {
                int bit = kind == VL_B2MSBF ? 7 - j : j;
                out[8 * i + (size_t)j] = (char)('0' + ((in[i] >> bit) & 1));
            }
        return 8 * n;
    case VL_Z85: {
        char *o = out;
        for (size_t i = 0; i + 4 <= n; i += 4) {
            uint32_t v = (uint32_t)in[i] << 24 | (uint32_t)in[i + 1] << 16 |
                         (uint32_t)in[i + 2] << 8 | in[i + 3];
            for (int j = 4; j >= 0; j--) {
                o[j] = az85[v % 85];
                v /= 85;
            }
            o += 5;
        }
        return (size_t)(o - out);
    }
    default: return 0;
    }
}

void vl_decoder_init(vl_decoder *d, int kind)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    size_t ig;
    vl_enc_group(kind, &ig, &d->glen);
    memset(d->val, -1, sizeof d->val);
    const char *al = alphabet(kind);
    for (int i = 0; al[i]; i++) d->val[(unsigned char)al[i]] = (signed char)i;
    /* coreutils decodes base32hex by translating its characters to base32's and leaving the
     * others alone: W X Y Z then decode as base32's digits 22-25 */
    if (kind == VL_B32HEX)
        for (int i = 0; i < 4; i++) d->val['W' + i] = (signed char)(22 + i);
}

#define V(ch) (d->val[(unsigned char)(ch)])

/* One group of k characters (k < glen only at the end). Writes what it can; false if bad. */
static bool dec_group(const vl_decoder *d, const char *g, size_t k, unsigned char *out, size_t *o)
{
    switch (d->kind) {
    case VL_B64:
    case VL_B64URL: {
        if (k < 2 || V(g[0]) < 0 || V(g[1]) < 0) return false;
        int v1 = V(g[1]);
        out[(*o)++] = (unsigned char)(V(g[0]) << 2 | v1 >> 4);
        if (k == 2) return false;
        if (g[2] == '=') return k == 4 && g[3] == '=';
        int v2 = V(g[2]);
        if (v2 < 0) return false;
        out[(*o)++] = (unsigned char)((v1 << 4 & 0xf0) | v2 >> 2);
        if (k == 3) return false;
        if (g[3] == '=') return true;
        if (V(g[3]) < 0) return false;
        out[(*o)++] = (unsigned char)((v2 << 6 & 0xc0) | V(g[3]));
        return true;
    }
    case VL_B32:
    case VL_B32HEX: {
        if (k < 8 || V(g[0]) < 0 || V(g[1]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[0]) << 3 | V(g[1]) >> 2);
        if (g[2] == '=') return memcmp(g + 3, "=====", 5) == 0;
        if (V(g[2]) < 0 || V(g[3]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[1]) << 6 | V(g[2]) << 1 | V(g[3]) >> 4);
        if (g[4] == '=') return memcmp(g + 5, "===", 3) == 0;
        if (V(g[4]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[3]) << 4 | V(g[4]) >> 1);
        if (g[5] == '=') return g[6] == '=' && g[7] == '=';
        if (V(g[5]) < 0 || V(g[6]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[4]) << 7 | V(g[5]) << 2 | V(g[6]) >> 3);
        if (g[7] == '=') return true;
        if (V(g[7]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[6]) << 5 | V(g[7]));
        return true;
    }
    case VL_B16:
        if (k < 2 || V(g[0]) < 0 || V(g[1]) < 0) return false;
        out[(*o)++] = (unsigned char)(V(g[0]) << 4 | V(g[1]));
        return true;
    case VL_Z85: {
        if (k < 5) return false;
        uint64_t v = 0;
        for (int i = 0; i < 5; i++) {
            if (V(g[i]) < 0) return false;
            v = v * 85 + (uint64_t)V(g[i]);
        }
        if (v > 0xffffffffULL) return false;
        for (int i = 3; i >= 0; i--) out[(*o)++] = (unsigned char)(v >> (8 * i));
        return true;
    }
    default: {
        if (k < 8) return false;
        unsigned b = 0;
        for (int i = 0; i < 8; i++) {
            if (V(g[i]) < 0) return false;
            int bit = d->kind == VL_B2MSBF ? 7 - i : i;
            b |= (unsigned)V(g[i]) << bit;
        }
        out[(*o)++] = (unsigned char)b;
        return true;
    }
    }
}

bool vl_decode(vl_decoder *d, const char *in, size_t n, unsigned char *out, size_t *outn)
{
    size_t o = 0, i = 0;
    bool b64 = d->kind == VL_B64 || d->kind == VL_B64URL;
    while (i < n) {
        /* whole groups of four plain characters, the common case */
        if (b64 && d->n == 0) {
            while (i + 4 <= n) {
                int v0 = V(in[i]), v1 = V(in[i + 1]), v2 = V(in[i + 2]), v3 = V(in[i + 3]);
                if ((v0 | v1 | v2 | v3) < 0) break;
                uint32_t v = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 |
                             (uint32_t)v3;
                out[o] = (unsigned char)(v >> 16);
                out[o + 1] = (unsigned char)(v >> 8);
                out[o + 2] = (unsigned char)v;
                o += 3;
                i += 4;
            }
            if (i >= n) break;
        }
        char ch = in[i++];
        if (ch == '\n') continue;
        d->grp[d->n++] = ch;
        if (d->n == d->glen) {
            d->n = 0;
            if (!dec_group(d, d->grp, d->glen, out, &o)) {
                *outn = o;
                return false;
            }
        }
    }
    *outn = o;
    return true;
}

bool vl_decode_end(vl_decoder *d, unsigned char *out, size_t *outn)
{
    size_t o = 0;
    bool ok = true;
    if (d->n > 0) {
        dec_group(d, d->grp, d->n, out, &o);
        ok = false;
        d->n = 0;
    }
    *outn = o;
    return ok;
}

/* ---- the main of base64, base32 and basenc ---- */

enum {
    O_B64 = 256, O_B64URL, O_B32, O_B32HEX, O_B16, O_B2MSBF, O_B2LSBF, O_Z85,
};

#define ENC_BLOCK (1024 * 3 * 10) /* a multiple of every input group, as GNU's */
#define DEC_BLOCK (4096 * 5)

const vl_opt vl_base_opts[] = {
    {'d', "decode", VL_NOARG, NULL, "decode data"},
    {'i', "ignore-garbage", VL_NOARG, NULL, "when decoding, ignore non-alphabet characters"},
    {'w', "wrap", VL_ARG, "COLS",
     "wrap encoded lines after COLS character (default 76).\n  Use 0 to disable line wrapping"},
    {0}};

const vl_opt vl_basenc_opts[] = {
    {O_B64, "base64", VL_NOARG, NULL, "same as 'base64' program (RFC4648 section 4)"},
    {O_B64URL, "base64url", VL_NOARG, NULL, "file- and url-safe base64 (RFC4648 section 5)"},
    {O_B32, "base32", VL_NOARG, NULL, "same as 'base32' program (RFC4648 section 6)"},
    {O_B32HEX, "base32hex", VL_NOARG, NULL, "extended hex alphabet base32 (RFC4648 section 7)"},
    {O_B16, "base16", VL_NOARG, NULL, "hex encoding (RFC4648 section 8)"},
    {O_B2MSBF, "base2msbf", VL_NOARG, NULL, "bit string with most significant bit (msb) first"},
    {O_B2LSBF, "base2lsbf", VL_NOARG, NULL, "bit string with least significant bit (lsb) first"},
    {'d', "decode", VL_NOARG, NULL, "decode data"},
    {'i', "ignore-garbage", VL_NOARG, NULL, "when decoding, ignore non-alphabet characters"},
    {'w', "wrap", VL_ARG, "COLS",
     "wrap encoded lines after COLS character (default 76).\n  Use 0 to disable line wrapping"},
    {O_Z85, "z85", VL_NOARG, NULL,
     "ascii85-like encoding (ZeroMQ spec:32/Z85);\n  when encoding, input length must be a "
     "multiple of 4;\n  when decoding, input length must be a multiple of 5"},
    {0}};

/* Read until n bytes or the end; a read error ends the command as GNU's does. */
static size_t read_full(vl_ctx *c, vl_in *in, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = vl_in_read(c, in, buf + got, n - got);
        if (r < 0) vl_die(c, 1, "read error: %s", vl_strerror((int)r));
        if (r == 0) break;
        got += (size_t)r;
    }
    return got;
}

static void encode_stream(vl_ctx *c, vl_in *in, int kind, uint64_t wrap)
{
    size_t ig, og;
    vl_enc_group(kind, &ig, &og);
    unsigned char *buf = vl_xmalloc(c, ENC_BLOCK);
    size_t cap = (ENC_BLOCK / ig + 1) * og;
    char *enc = vl_xmalloc(c, cap);
    char *out = vl_xmalloc(c, cap + cap / (wrap ? (wrap < cap ? wrap : cap) : cap) + 2);
    uint64_t col = 0;
    for (;;) {
        size_t n = read_full(c, in, buf, ENC_BLOCK);
        if (n == 0) break;
        if (kind == VL_Z85 && n % 4)
            vl_die(c, 1, "invalid input (length must be multiple of 4 characters)");
        size_t m = vl_encode(kind, buf, n, enc);
        if (!wrap) {
            vl_write(c, enc, m);
        } else {
            size_t o = 0;
            for (size_t i = 0; i < m;) {
                uint64_t room = wrap - col;
                size_t k = (uint64_t)(m - i) < room ? m - i : (size_t)room;
                memcpy(out + o, enc + i, k);
                o += k;
                i += k;
                col += k;
                if (col == wrap) {
                    out[o++] = '\n';
                    col = 0;
                }
            }
            vl_write(c, out, o);
        }
        vl_enc_steps(c, 1);
        if (n < ENC_BLOCK) break;
    }
    if (wrap && col > 0) vl_putc(c, '\n');
}

static void decode_stream(vl_ctx *c, vl_in *in, int kind, bool garbage)
{
    unsigned char *buf = vl_xmalloc(c, DEC_BLOCK);
    unsigned char *out = vl_xmalloc(c, DEC_BLOCK + 8);
    vl_decoder d;
    vl_decoder_init(&d, kind);
    size_t outn;
    for (;;) {
        size_t raw = read_full(c, in, buf, DEC_BLOCK), n = raw;
        if (garbage) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (buf[i] == '=' || vl_enc_alphabet(kind, buf[i])) buf[k++] = buf[i];
            n = k;
        }
        /* coreutils refuses a base64url buffer holding base64's own '+' or '/' whole */
        if (kind == VL_B64URL && (memchr(buf, '+', n) || memchr(buf, '/', n)))
            vl_die(c, 1, "invalid input");
        bool ok = vl_decode(&d, (const char *)buf, n, out, &outn);
        vl_write(c, out, outn);
        if (!ok) vl_die(c, 1, "invalid input");
        vl_enc_steps(c, 1);
        if (raw < DEC_BLOCK) {
            ok = vl_decode_end(&d, out, &outn);
            vl_write(c, out, outn);
            if (!ok) vl_die(c, 1, "invalid input");
            break;
        }
    }
}

int vl_basenc_main(vl_ctx *c, int argc, char **argv, int kind)
{
    int n = vl_getopt(c, argc, argv);
    if (kind == 0) {
        static const int ids[] = {O_B64, O_B64URL, O_B32, O_B32HEX, O_B16, O_B2MSBF, O_B2LSBF, O_Z85};
        static const int kinds[] = {VL_B64,   VL_B64URL, VL_B32,    VL_B32HEX,
                                    VL_B16,   VL_B2MSBF, VL_B2LSBF, VL_Z85};
        int best = 0;
        for (int i = 0; i < 8; i++)
            if (vl_last(c, ids[i]) > best) best = vl_last(c, ids[i]), kind = kinds[i];
    }
    uint64_t wrap = 76;
    if (vl_has(c, 'w')) {
        const char *a = vl_arg(c, 'w');
        int64_t v;
        int rc = vl_parse_int(a, &v, false);
        if (rc == VOS_ERANGE && v > 0) v = 0; /* GNU: too large to matter, no wrapping */
        else if (rc < 0 || v < 0) vl_die(c, 1, "invalid wrap size: %s", vl_quote_locale(c, a));
        wrap = (uint64_t)v;
    }
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    if (kind == 0) vl_usage_error(c, "missing encoding type");
    const char *name = n == 1 ? argv[1] : "-";
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, name, &err);
    if (!in) vl_die(c, 1, "%s: %s", vl_quote(c, name), vl_strerror(err));
    if (vl_has(c, 'd')) decode_stream(c, in, kind, vl_has(c, 'i'));
    else encode_stream(c, in, kind, wrap);
    vl_in_close(c, in);
    return 0;
}
