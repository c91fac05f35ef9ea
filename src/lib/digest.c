/* digest.c: the algorithms behind digest.h. MD5 and SHA-1/2 are OpenSSL's low-level functions
 * (their contexts live on our side, so nothing is allocated on the host heap and a command
 * that dies mid-file leaks nothing; the assembly picks SHA-NI/AVX2 at run time). BLAKE2b
 * (RFC 7693, any digest length), SM3 (GB/T 32905-2016), the POSIX cksum CRC and the BSD and
 * System V sums are written here from their specifications. The *sum commands' main is in
 * sumcheck.c (digest.h declares both). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "lib/digest.h"

#include <openssl/md5.h>
#include <openssl/sha.h>
#include <string.h>

/* ---- BLAKE2b ---- */

typedef struct b2_state {
    uint64_t h[8];
    uint64_t t[2];
    unsigned char buf[128];
    size_t buflen;
    size_t outlen;
} b2_state;

static const uint64_t b2_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const unsigned char b2_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, int n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64le(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define B2G(a, b, c, d, x, y)                                                                      \
    do {                                                                                           \
        a = a + b + (x);                                                                           \
        d = rotr64(d ^ a, 32);                                                                     \
        c = c + d;                                                                                 \
        b = rotr64(b ^ c, 24);                                                                     \
        a = a + b + (y);                                                                           \
        d = rotr64(d ^ a, 16);                                                                     \
        c = c + d;                                                                                 \
        b = rotr64(b ^ c, 63);                                                                     \
    } while (0)

static void b2_compress(b2_state *s, const unsigned char *block, bool last)
{
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++) m[i] = load64le(block + 8 * i);
    for (int i = 0; i < 8; i++) v[i] = s->h[i], v[i + 8] = b2_iv[i];
    v[12] ^= s->t[0];
    v[13] ^= s->t[1];
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const unsigned char *z = b2_sigma[r];
        B2G(v[0], v[4], v[8], v[12], m[z[0]], m[z[1]]);
        B2G(v[1], v[5], v[9], v[13], m[z[2]], m[z[3]]);
        B2G(v[2], v[6], v[10], v[14], m[z[4]], m[z[5]]);
        B2G(v[3], v[7], v[11], v[15], m[z[6]], m[z[7]]);
        B2G(v[0], v[5], v[10], v[15], m[z[8]], m[z[9]]);
        B2G(v[1], v[6], v[11], v[12], m[z[10]], m[z[11]]);
        B2G(v[2], v[7], v[8], v[13], m[z[12]], m[z[13]]);
        B2G(v[3], v[4], v[9], v[14], m[z[14]], m[z[15]]);
    }
    for (int i = 0; i < 8; i++) s->h[i] ^= v[i] ^ v[i + 8];
}

static void b2_count(b2_state *s, size_t n)
{
    s->t[0] += n;
    if (s->t[0] < n) s->t[1]++;
}

static void b2_init(b2_state *s, size_t outlen)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < 8; i++) s->h[i] = b2_iv[i];
    /* parameter block: digest length, no key, fanout 1, depth 1 */
    s->h[0] ^= 0x01010000ULL ^ (uint64_t)outlen;
    s->outlen = outlen;
}

/* A full buffer is compressed only when more data follows: the last block carries the flag. */
static void b2_update(b2_state *s, const unsigned char *p, size_t n)
{
    if (n == 0) return;
    size_t room = 128 - s->buflen;
    if (n > room) {
        memcpy(s->buf + s->buflen, p, room);
        b2_count(s, 128);
        b2_compress(s, s->buf, false);
        s->buflen = 0;
        p += room;
        n -= room;
        while (n > 128) {
            b2_count(s, 128);
            b2_compress(s, p, false);
            p += 128;
            n -= 128;
        }
    }
    memcpy(s->buf + s->buflen, p, n);
    s->buflen += n;
}

static void b2_final(b2_state *s, unsigned char *out)
{
    b2_count(s, s->buflen);
    memset(s->buf + s->buflen, 0, 128 - s->buflen);
    b2_compress(s, s->buf, true);
    for (size_t i = 0; i < s->outlen; i++) out[i] = (unsigned char)(s->h[i / 8] >> (8 * (i % 8)));
}

/* ---- SM3 ---- */

typedef struct sm3_state {
    uint32_t v[8];
    unsigned char buf[64];
    size_t buflen;
    uint64_t len;
} sm3_state;

static inline uint32_t rotl32(uint32_t x, int n)
{
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}

static inline uint32_t load32be(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sm3_block(sm3_state *s, const unsigned char *b)
{
    uint32_t w[68], w1[64];
    for (int j = 0; j < 16; j++) w[j] = load32be(b + 4 * j);
    for (int j = 16; j < 68; j++) {
        uint32_t x = w[j - 16] ^ w[j - 9] ^ rotl32(w[j - 3], 15);
        w[j] = (x ^ rotl32(x, 15) ^ rotl32(x, 23)) ^ rotl32(w[j - 13], 7) ^ w[j - 6];
    }
    for (int j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
    uint32_t a = s->v[0], bb = s->v[1], c = s->v[2], d = s->v[3];
    uint32_t e = s->v[4], f = s->v[5], g = s->v[6], h = s->v[7];
    for (int j = 0; j < 64; j++) {
        uint32_t t = j < 16 ? 0x79cc4519u : 0x7a879d8au;
        uint32_t ss1 = rotl32(rotl32(a, 12) + e + rotl32(t, j), 7);
        uint32_t ss2 = ss1 ^ rotl32(a, 12);
        uint32_t ff = j < 16 ? (a ^ bb ^ c) : ((a & bb) | (a & c) | (bb & c));
        uint32_t gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
        uint32_t tt1 = ff + d + ss2 + w1[j];
        uint32_t tt2 = gg + h + ss1 + w[j];
        d = c;
        c = rotl32(bb, 9);
        bb = a;
        a = tt1;
        h = g;
        g = rotl32(f, 19);
        f = e;
        e = tt2 ^ rotl32(tt2, 9) ^ rotl32(tt2, 17);
    }
    s->v[0] ^= a, s->v[1] ^= bb, s->v[2] ^= c, s->v[3] ^= d;
    s->v[4] ^= e, s->v[5] ^= f, s->v[6] ^= g, s->v[7] ^= h;
}

static void sm3_init(sm3_state *s)
{
    static const uint32_t iv[8] = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
                                   0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};
    memset(s, 0, sizeof *s);
    memcpy(s->v, iv, sizeof iv);
}

static void sm3_update(sm3_state *s, const unsigned char *p, size_t n)
{
    s->len += n;
    if (s->buflen) {
        size_t k = 64 - s->buflen;
        if (k > n) k = n;
        memcpy(s->buf + s->buflen, p, k);
        s->buflen += k;
        p += k;
        n -= k;
        if (s->buflen < 64) return;
        sm3_block(s, s->buf);
        s->buflen = 0;
    }
    for (; n >= 64; p += 64, n -= 64) sm3_block(s, p);
    memcpy(s->buf, p, n);
    s->buflen = n;
}

static void sm3_final(sm3_state *s, unsigned char *out)
{
    uint64_t bits = s->len * 8;
    unsigned char pad[72] = {0x80};
    size_t padn = (s->buflen < 56 ? 56 : 120) - s->buflen;
    for (int i = 0; i < 8; i++) pad[padn + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    uint64_t keep = s->len;
    sm3_update(s, pad, padn + 8);
    s->len = keep;
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->v[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->v[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->v[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->v[i];
    }
}

/* ---- the POSIX CRC (polynomial 0x04C11DB7, most significant bit first) ----
 * The state S of a message M is M(x)*x^32 mod P. Short pieces go through tables, slicing by
 * 8 (tab[k][b]: byte b followed by k zero bytes); the tables are computed per hash (8 KiB,
 * microseconds), so there is no shared state. Long pieces use carry-less multiplication when
 * the CPU has it: the data is folded 64 bytes at a time into four 128-bit accumulators
 * congruent to it mod P (A*x^512 = H*x^576 + L*x^512, with x^576 and x^512 reduced mod P to
 * 32 bits), the accumulators are folded into one, and its 16 bytes go through the tables. */
typedef struct crc_state {
    uint32_t crc;
    bool clmul;
    uint64_t k512[2], k128[2]; /* {x^512, x^576} and {x^128, x^192} mod P */
    uint32_t tab[8][256];
} crc_state;

static uint64_t xpow_mod(unsigned n)
{
    uint64_t r = 1;
    while (n--) {
        r <<= 1;
        if (r & 0x100000000ULL) r ^= 0x104C11DB7ULL;
    }
    return r;
}

bool vl_hash_crc_clmul(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3");
#else
    return false;
#endif
}

static void crc_init(crc_state *s)
{
    s->crc = 0;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t r = i << 24;
        for (int k = 0; k < 8; k++) r = (r << 1) ^ ((r & 0x80000000u) ? 0x04C11DB7u : 0);
        s->tab[0][i] = r;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++) {
            uint32_t prev = s->tab[k - 1][i];
            s->tab[k][i] = (prev << 8) ^ s->tab[0][prev >> 24];
        }
    s->clmul = vl_hash_crc_clmul();
    s->k512[0] = xpow_mod(512);
    s->k512[1] = xpow_mod(576);
    s->k128[0] = xpow_mod(128);
    s->k128[1] = xpow_mod(192);
}

static uint32_t crc_tables(const crc_state *s, uint32_t crc, const unsigned char *p, size_t n)
{
    const uint32_t(*t)[256] = s->tab;
    while (n >= 8) {
        uint32_t hi = crc ^ load32be(p);
        uint32_t lo = load32be(p + 4);
        crc = t[7][hi >> 24] ^ t[6][(hi >> 16) & 0xff] ^ t[5][(hi >> 8) & 0xff] ^ t[4][hi & 0xff] ^
              t[3][lo >> 24] ^ t[2][(lo >> 16) & 0xff] ^ t[1][(lo >> 8) & 0xff] ^ t[0][lo & 0xff];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc << 8) ^ t[0][(crc >> 24) ^ *p++];
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("pclmul,ssse3"))) static __m128i fold(__m128i a, __m128i k, __m128i b)
{
    __m128i hi = _mm_clmulepi64_si128(a, k, 0x11);
    __m128i lo = _mm_clmulepi64_si128(a, k, 0x00);
    return _mm_xor_si128(_mm_xor_si128(hi, lo), b);
}

/* n >= 64: the state of crc followed by the n bytes at p */
__attribute__((target("pclmul,ssse3"))) static uint32_t crc_clmul(const crc_state *s, uint32_t crc,
                                                                  const unsigned char *p, size_t n)
{
    const __m128i rev = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i k512 = _mm_set_epi64x((long long)s->k512[1], (long long)s->k512[0]);
    const __m128i k128 = _mm_set_epi64x((long long)s->k128[1], (long long)s->k128[0]);
#define LOADBE(q) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q)), rev)
    /* the running state goes into the first four message bytes */
    __m128i a0 = _mm_xor_si128(LOADBE(p), _mm_set_epi32((int)crc, 0, 0, 0));
    __m128i a1 = LOADBE(p + 16), a2 = LOADBE(p + 32), a3 = LOADBE(p + 48);
    p += 64;
    n -= 64;
    while (n >= 64) {
        a0 = fold(a0, k512, LOADBE(p));
        a1 = fold(a1, k512, LOADBE(p + 16));
        a2 = fold(a2, k512, LOADBE(p + 32));
        a3 = fold(a3, k512, LOADBE(p + 48));
        p += 64;
        n -= 64;
    }
    a1 = fold(a0, k128, a1);
    a2 = fold(a1, k128, a2);
    a3 = fold(a2, k128, a3);
    while (n >= 16) {
        a3 = fold(a3, k128, LOADBE(p));
        p += 16;
        n -= 16;
    }
#undef LOADBE
    unsigned char last[16];
    _mm_storeu_si128((__m128i *)(void *)last, _mm_shuffle_epi8(a3, rev));
    crc = crc_tables(s, 0, last, 16);
    return crc_tables(s, crc, p, n);
}
#endif

static void crc_update(crc_state *s, const unsigned char *p, size_t n)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (s->clmul && n >= 64) {
        s->crc = crc_clmul(s, s->crc, p, n);
        return;
    }
#endif
    s->crc = crc_tables(s, s->crc, p, n);
}

static uint32_t crc_final(crc_state *s, uint64_t len)
{
    uint32_t crc = s->crc;
    for (; len; len >>= 8) crc = (crc << 8) ^ s->tab[0][(crc >> 24) ^ (len & 0xff)];
    return ~crc;
}

/* ---- the interface ---- */

typedef union any_state {
    MD5_CTX md5;
    SHA_CTX sha1;
    SHA256_CTX sha256;
    SHA512_CTX sha512;
    b2_state b2;
    sm3_state sm3;
    uint32_t sum;
} any_state;
_Static_assert(sizeof(any_state) <= sizeof(((vl_hash *)0)->st), "vl_hash state too small");

static const struct {
    const char *tag;
    size_t len;
} algos[VL_H_COUNT] = {
    [VL_H_SYSV] = {"SYSV", 4},      [VL_H_BSD] = {"BSD", 4},        [VL_H_CRC] = {"CRC", 4},
    [VL_H_MD5] = {"MD5", 16},       [VL_H_SHA1] = {"SHA1", 20},     [VL_H_SHA224] = {"SHA224", 28},
    [VL_H_SHA256] = {"SHA256", 32}, [VL_H_SHA384] = {"SHA384", 48}, [VL_H_SHA512] = {"SHA512", 64},
    [VL_H_BLAKE2B] = {"BLAKE2b", 64}, [VL_H_SM3] = {"SM3", 32},
};

const char *vl_hash_tag(int algo)
{
    return algos[algo].tag;
}

size_t vl_hash_len(int algo)
{
    return algos[algo].len;
}

void vl_hash_init(vl_ctx *c, vl_hash *h, int algo, size_t outlen)
{
    any_state *s = (any_state *)h->st;
    h->c = c;
    h->ext = NULL;
    h->algo = algo;
    h->total = 0;
    h->outlen = algos[algo].len;
    switch (algo) {
    case VL_H_MD5: MD5_Init(&s->md5); break;
    case VL_H_SHA1: SHA1_Init(&s->sha1); break;
    case VL_H_SHA224: SHA224_Init(&s->sha256); break;
    case VL_H_SHA256: SHA256_Init(&s->sha256); break;
    case VL_H_SHA384: SHA384_Init(&s->sha512); break;
    case VL_H_SHA512: SHA512_Init(&s->sha512); break;
    case VL_H_BLAKE2B:
        if (outlen == 0 || outlen > 64) outlen = 64;
        h->outlen = outlen;
        b2_init(&s->b2, outlen);
        break;
    case VL_H_SM3: sm3_init(&s->sm3); break;
    case VL_H_CRC:
        h->ext = vl_xmalloc(c, sizeof(crc_state));
        crc_init(h->ext);
        break;
    default: s->sum = 0; break;
    }
}

void vl_hash_update(vl_hash *h, const void *data, size_t n)
{
    any_state *s = (any_state *)h->st;
    const unsigned char *p = data;
    h->total += n;
    switch (h->algo) {
    case VL_H_MD5: MD5_Update(&s->md5, p, n); break;
    case VL_H_SHA1: SHA1_Update(&s->sha1, p, n); break;
    case VL_H_SHA224: SHA224_Update(&s->sha256, p, n); break;
    case VL_H_SHA256: SHA256_Update(&s->sha256, p, n); break;
    case VL_H_SHA384: SHA384_Update(&s->sha512, p, n); break;
    case VL_H_SHA512: SHA512_Update(&s->sha512, p, n); break;
    case VL_H_BLAKE2B: b2_update(&s->b2, p, n); break;
    case VL_H_SM3: sm3_update(&s->sm3, p, n); break;
    case VL_H_CRC: crc_update(h->ext, p, n); break;
    case VL_H_SYSV: {
        uint32_t sum = s->sum;
        for (size_t i = 0; i < n; i++) sum += p[i];
        s->sum = sum;
        break;
    }
    case VL_H_BSD: {
        uint32_t sum = s->sum;
        for (size_t i = 0; i < n; i++) {
            sum = (sum >> 1) + ((sum & 1) << 15);
            sum = (sum + p[i]) & 0xffff;
        }
        s->sum = sum;
        break;
    }
    default: break;
    }
}

static void put32be(unsigned char *out, uint32_t v)
{
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

void vl_hash_final(vl_hash *h, unsigned char *out)
{
    any_state *s = (any_state *)h->st;
    switch (h->algo) {
    case VL_H_MD5: MD5_Final(out, &s->md5); break;
    case VL_H_SHA1: SHA1_Final(out, &s->sha1); break;
    case VL_H_SHA224: SHA224_Final(out, &s->sha256); break;
    case VL_H_SHA256: SHA256_Final(out, &s->sha256); break;
    case VL_H_SHA384: SHA384_Final(out, &s->sha512); break;
    case VL_H_SHA512: SHA512_Final(out, &s->sha512); break;
    case VL_H_BLAKE2B: b2_final(&s->b2, out); break;
    case VL_H_SM3: sm3_final(&s->sm3, out); break;
    case VL_H_SYSV: {
        uint32_t r = (s->sum & 0xffff) + (s->sum >> 16);
        put32be(out, (r & 0xffff) + (r >> 16));
        break;
    }
    case VL_H_BSD: put32be(out, s->sum); break;
    case VL_H_CRC:
        put32be(out, crc_final(h->ext, h->total));
        vl_xfree(h->c, h->ext);
        h->ext = NULL;
        break;
    default: put32be(out, 0); break;
    }
}
