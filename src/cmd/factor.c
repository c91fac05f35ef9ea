/* factor: the prime factors of each number (operands, or whitespace-separated words of
 * standard input), as coreutils 9.1 prints them. Numbers up to 2^128-1: trial division by
 * small primes, then Pollard-Brent rho with Montgomery arithmetic (64-bit, or 128-bit for
 * larger numbers), and primality by deterministic Miller-Rabin below 2^64 and BPSW (strong
 * base-2 Miller-Rabin + strong Lucas) above. Larger numbers are refused ("too large", what
 * coreutils says without GMP). Long searches count steps so the VM's limits hold.
 * Output order follows coreutils': lines of numbers below 2^127 wait in its line buffer
 * (written 512 bytes at a time, cut at a newline), larger ones go out at once, so a mix
 * comes out in that interleaving. */
#include "lib/cmd.h"
#include "lib/enc.h"
#include "lib/format.h"

#include <string.h>

typedef unsigned __int128 u128;

typedef struct outq {
    vl_buf lbuf;
} outq;

typedef struct fac {
    vl_ctx *c;
    u128 f[130];
    int n;
    uint64_t work; /* iterations since the last step count */
} fac;

static void count_work(fac *x, uint64_t n)
{
    x->work += n;
    if (x->work >= 4096) {
        vl_enc_steps(x->c, x->work / 4096);
        x->work %= 4096;
    }
}

static void add_factor(fac *x, u128 p)
{
    if (x->n < (int)(sizeof x->f / sizeof x->f[0])) x->f[x->n++] = p;
}

/* ---- 64-bit Montgomery ---- */

typedef struct m64 {
    uint64_t n, ninv, r2, one;
} m64;

static uint64_t m64_redc(const m64 *m, u128 t)
{
    uint64_t q = (uint64_t)t * m->ninv;
    u128 s = (u128)q * m->n;
    uint64_t hi = (uint64_t)(t >> 64), shi = (uint64_t)(s >> 64);
    /* t - q*n has zero low bits */
    uint64_t r = hi - shi;
    if (hi < shi) r += m->n;
    return r;
}

static void m64_init(m64 *m, uint64_t n)
{
    m->n = n;
    uint64_t inv = n; /* Newton: inverse of n mod 2^64 */
    for (int i = 0; i < 6; i++) inv *= 2 - n * inv;
    m->ninv = inv; /* n * ninv == 1; redc uses t - q n with q = t * ninv */
    u128 r = ((u128)1 << 64) % n;
    m->one = (uint64_t)r;
    m->r2 = (uint64_t)(((u128)m->one * m->one) % n);
}

static uint64_t m64_mul(const m64 *m, uint64_t a, uint64_t b)
{
    return m64_redc(m, (u128)a * b);
}

static uint64_t m64_to(const m64 *m, uint64_t a)
{
    return m64_mul(m, a % m->n, m->r2);
}

static uint64_t m64_add(const m64 *m, uint64_t a, uint64_t b)
{
    uint64_t s = a + b;
    if (s < a || s >= m->n) s -= m->n;
    return s;
}

static uint64_t m64_sub(const m64 *m, uint64_t a, uint64_t b)
{
    return a >= b ? a - b : a - b + m->n;
}

static uint64_t m64_pow(const m64 *m, uint64_t a, uint64_t e)
{
    uint64_t r = m->one;
    while (e) {
        if (e & 1) r = m64_mul(m, r, a);
        a = m64_mul(m, a, a);
        e >>= 1;
    }
    return r;
}

static bool prime64(uint64_t n)
{
    if (n < 2) return false;
    static const uint64_t small[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    for (int i = 0; i < 12; i++) {
        if (n == small[i]) return true;
        if (n % small[i] == 0) return false;
    }
    m64 m;
    m64_init(&m, n);
    uint64_t d = n - 1;
    int s = 0;
    while (!(d & 1)) d >>= 1, s++;
    uint64_t minus1 = m64_sub(&m, 0, m.one);
    for (int i = 0; i < 12; i++) {
        uint64_t x = m64_pow(&m, m64_to(&m, small[i]), d);
        if (x == m.one || x == minus1) continue;
        bool ok = false;
        for (int r = 1; r < s; r++) {
            x = m64_mul(&m, x, x);
            if (x == minus1) {
                ok = true;
                break;
            }
        }
        if (!ok) return false;
    }
    return true;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A nontrivial factor of the odd composite n (Brent's rho). */
static uint64_t rho64(fac *x, uint64_t n)
{
    m64 m;
    m64_init(&m, n);
    for (uint64_t c0 = 1;; c0++) {
        uint64_t c = m64_to(&m, c0), y = m64_to(&m, 2), q = m.one, g = 1, xs = 0, ys = 0;
        uint64_t r = 1;
        while (g == 1) {
            xs = y;
            for (uint64_t i = 0; i < r; i++) y = m64_add(&m, m64_mul(&m, y, y), c);
            uint64_t k = 0;
            while (k < r && g == 1) {
                ys = y;
                uint64_t lim = r - k < 128 ? r - k : 128;
                for (uint64_t i = 0; i < lim; i++) {
                    y = m64_add(&m, m64_mul(&m, y, y), c);
                    q = m64_mul(&m, q, xs > y ? xs - y : y - xs);
                }
                g = gcd64(q, n);
                k += lim;
                count_work(x, lim);
            }
            r *= 2;
        }
        if (g == n) {
            do {
                ys = m64_add(&m, m64_mul(&m, ys, ys), c);
                g = gcd64(xs > ys ? xs - ys : ys - xs, n);
            } while (g == 1);
        }
        if (g != n) return g;
    }
}

static void factor64(fac *x, uint64_t n)
{
    if (n == 1) return;
    if (prime64(n)) {
        add_factor(x, n);
        return;
    }
    uint64_t d = rho64(x, n);
    factor64(x, d);
    factor64(x, n / d);
}

/* ---- 128-bit Montgomery ---- */

typedef struct m128 {
    u128 n, ninv, r2, one;
} m128;

/* The 256-bit product of a and b as (hi, lo). */
static void mul256(u128 a, u128 b, u128 *hi, u128 *lo)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    *lo = (mid << 64) | (uint64_t)p00;
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

static u128 m128_redc(const m128 *m, u128 thi, u128 tlo)
{
    u128 q = tlo * m->ninv;
    u128 shi, slo;
    mul256(q, m->n, &shi, &slo);
    /* (t - q n) / 2^128: the low halves are equal */
    u128 r = thi - shi;
    if (thi < shi) r += m->n;
    return r;
}

static u128 m128_mul(const m128 *m, u128 a, u128 b)
{
    u128 hi, lo;
    mul256(a, b, &hi, &lo);
    return m128_redc(m, hi, lo);
}

static u128 m128_add(const m128 *m, u128 a, u128 b)
{
    u128 s = a + b;
    if (s < a || s >= m->n) s -= m->n;
    return s;
}

static u128 m128_sub(const m128 *m, u128 a, u128 b)
{
    return a >= b ? a - b : a - b + m->n;
}

/* 2^k mod n by doubling */
static u128 pow2_mod(u128 n, int k)
{
    u128 r = 1;
    for (int i = 0; i < k; i++) r = m128_add(&(m128){.n = n}, r, r);
    return r % n;
}

static void m128_init(m128 *m, u128 n)
{
    m->n = n;
    u128 inv = n;
    for (int i = 0; i < 7; i++) inv *= 2 - n * inv;
    m->ninv = inv;
    m->one = pow2_mod(n, 128);
    m->r2 = pow2_mod(n, 256);
}

static u128 m128_to(const m128 *m, u128 a)
{
    return m128_mul(m, a % m->n, m->r2);
}

static u128 m128_from(const m128 *m, u128 a)
{
    return m128_redc(m, 0, a);
}

static u128 m128_pow(const m128 *m, u128 a, u128 e)
{
    u128 r = m->one;
    while (e) {
        if (e & 1) r = m128_mul(m, r, a);
        a = m128_mul(m, a, a);
        e >>= 1;
    }
    return r;
}

static u128 gcd128(u128 a, u128 b)
{
    while (b) {
        u128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Jacobi symbol (a/n), n odd positive */
static int jacobi(__int128 a, u128 n)
{
    u128 aa;
    int j = 1;
    if (a < 0) {
        aa = (u128)(-a);
        if ((n & 3) == 3) j = -j;
    } else {
        aa = (u128)a;
    }
    aa %= n;
    while (aa) {
        while (!(aa & 1)) {
            aa >>= 1;
            u128 r = n & 7;
            if (r == 3 || r == 5) j = -j;
        }
        u128 t = aa;
        aa = n;
        n = t;
        if ((aa & 3) == 3 && (n & 3) == 3) j = -j;
        aa %= n;
    }
    return n == 1 ? j : 0;
}

static bool is_square(u128 n)
{
    u128 lo = 0, hi = (u128)1 << 64;
    while (lo < hi) {
        u128 mid = lo + (hi - lo + 1) / 2;
        if (mid * mid <= n && (mid == 0 || mid <= n / mid)) lo = mid;
        else hi = mid - 1;
    }
    return lo * lo == n;
}

/* BPSW for odd n >= 2^64: strong base-2 Miller-Rabin, then a strong Lucas test with
 * Selfridge's parameters. */
static bool prime128(u128 n)
{
    m128 m;
    m128_init(&m, n);
    u128 d = n - 1;
    int s = 0;
    while (!(d & 1)) d >>= 1, s++;
    u128 minus1 = m128_sub(&m, 0, m.one);
    u128 x = m128_pow(&m, m128_to(&m, 2), d);
    if (x != m.one && x != minus1) {
        bool ok = false;
        for (int r = 1; r < s; r++) {
            x = m128_mul(&m, x, x);
            if (x == minus1) {
                ok = true;
                break;
            }
        }
        if (!ok) return false;
    }
    if (is_square(n)) return false;
    __int128 D = 5;
    for (;;) {
        int j = jacobi(D, n);
        if (j == -1) break;
        if (j == 0 && (u128)(D < 0 ? -D : D) != n) return false;
        D = D > 0 ? -(D + 2) : -D + 2;
    }
    /* P = 1, Q = (1 - D) / 4 */
    __int128 Q = (1 - D) / 4;
    u128 Qm = Q < 0 ? m128_sub(&m, 0, m128_to(&m, (u128)(-Q))) : m128_to(&m, (u128)Q);
    u128 Dm = D < 0 ? m128_sub(&m, 0, m128_to(&m, (u128)(-D))) : m128_to(&m, (u128)D);
    u128 dd = n + 1;
    int ss = 0;
    while (!(dd & 1)) dd >>= 1, ss++;
    /* U_dd, V_dd, Q^dd by binary ladder from the top bit */
    u128 U = m.one, V = m.one, Qk = Qm; /* k = 1: U1 = 1, V1 = P = 1 */
    u128 half = (n + 1) / 2;            /* inverse of 2 */
    u128 halfm = m128_to(&m, half);
    int top = 127;
    while (!((dd >> top) & 1)) top--;
    for (int b = top - 1; b >= 0; b--) {
        /* double: U2k = Uk Vk, V2k = Vk^2 - 2 Q^k */
        U = m128_mul(&m, U, V);
        V = m128_sub(&m, m128_mul(&m, V, V), m128_add(&m, Qk, Qk));
        Qk = m128_mul(&m, Qk, Qk);
        if ((dd >> b) & 1) {
            /* add one: U = (P U + V) / 2, V = (D U + P V) / 2 with P = 1 */
            u128 nu = m128_mul(&m, m128_add(&m, U, V), halfm);
            u128 nv = m128_mul(&m, m128_add(&m, m128_mul(&m, Dm, U), V), halfm);
            U = nu;
            V = nv;
            Qk = m128_mul(&m, Qk, Qm);
        }
    }
    if (m128_from(&m, U) == 0 || m128_from(&m, V) == 0) return true;
    for (int r = 1; r < ss; r++) {
        V = m128_sub(&m, m128_mul(&m, V, V), m128_add(&m, Qk, Qk));
        Qk = m128_mul(&m, Qk, Qk);
        if (m128_from(&m, V) == 0) return true;
    }
    return false;
}

static u128 rho128(fac *x, u128 n)
{
    m128 m;
    m128_init(&m, n);
    for (u128 c0 = 1;; c0++) {
        u128 c = m128_to(&m, c0), y = m128_to(&m, 2), q = m.one, g = 1, xs = 0, ys = 0;
        uint64_t r = 1;
        while (g == 1) {
            xs = y;
            for (uint64_t i = 0; i < r; i++) y = m128_add(&m, m128_mul(&m, y, y), c);
            uint64_t k = 0;
            while (k < r && g == 1) {
                ys = y;
                uint64_t lim = r - k < 128 ? r - k : 128;
                for (uint64_t i = 0; i < lim; i++) {
                    y = m128_add(&m, m128_mul(&m, y, y), c);
                    q = m128_mul(&m, q, xs > y ? xs - y : y - xs);
                }
                g = gcd128(q, n);
                k += lim;
                count_work(x, lim);
            }
            r *= 2;
        }
        if (g == n) {
            do {
                ys = m128_add(&m, m128_mul(&m, ys, ys), c);
                g = gcd128(xs > ys ? xs - ys : ys - xs, n);
            } while (g == 1);
        }
        if (g != n) return g;
    }
}

static void factor128(fac *x, u128 n)
{
    if (n >> 64 == 0) {
        factor64(x, (uint64_t)n);
        return;
    }
    if (prime128(n)) {
        add_factor(x, n);
        return;
    }
    u128 d = rho128(x, n);
    factor128(x, d);
    factor128(x, n / d);
}

static int cmp_u128(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

static void sort_factors(fac *x)
{
    for (int i = 1; i < x->n; i++)
        for (int j = i; j > 0 && cmp_u128(&x->f[j - 1], &x->f[j]) > 0; j--) {
            u128 t = x->f[j];
            x->f[j] = x->f[j - 1];
            x->f[j - 1] = t;
        }
}

/* One number: "N: p1 p2 ..." or coreutils' message. Returns false when it was not valid. */
static void put_line(vl_ctx *c, outq *o, const vl_buf *line, bool at_once)
{
    if (at_once) {
        vl_write(c, line->data, line->len);
        return;
    }
    vl_buf_add(c, &o->lbuf, line->data, line->len);
    if (o->lbuf.len >= 512) {
        size_t cut = 512;
        while (cut > 0 && o->lbuf.data[cut - 1] != '\n') cut--;
        if (cut == 0) cut = o->lbuf.len;
        vl_write(c, o->lbuf.data, cut);
        memmove(o->lbuf.data, o->lbuf.data + cut, o->lbuf.len - cut);
        o->lbuf.len -= cut;
    }
}

static void put_num(vl_ctx *c, vl_buf *b, u128 v)
{
    char tmp[48];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (k) vl_buf_addc(c, b, tmp[--k]);
}

static bool do_number(vl_ctx *c, outq *o, const char *s)
{
    const char *q = s;
    while (*q == ' ') q++;
    if (*q == '+') q++;
    if (*q < '0' || *q > '9') {
        vl_error(c, "%s is not a valid positive integer", vl_quote_locale(c, s));
        return false;
    }
    u128 n = 0;
    bool big = false;
    for (const char *d = q; *d; d++) {
        if (*d < '0' || *d > '9') {
            vl_error(c, "%s is not a valid positive integer", vl_quote_locale(c, s));
            return false;
        }
        unsigned dg = (unsigned)(*d - '0');
        if (n > (~(u128)0 - dg) / 10) big = true;
        else n = n * 10 + dg;
    }
    if (big) {
        vl_error(c, "%s is too large", vl_quote_locale(c, s));
        return false;
    }
    fac x;
    memset(&x, 0, sizeof x);
    x.c = c;
    bool via_stdio = n >> 127 != 0;
    vl_buf line = {0};
    put_num(c, &line, n);
    vl_buf_addc(c, &line, ':');
    if (n > 1) {
        /* small primes first; what is left has no factor below 1000 */
        for (unsigned p = 2; p < 1000 && (u128)p * p <= n; p += (p == 2 ? 1 : 2)) {
            bool isp = true;
            for (unsigned k = 3; k * k <= p; k += 2)
                if (p % k == 0) {
                    isp = false;
                    break;
                }
            if (!isp) continue;
            while (n % p == 0) {
                add_factor(&x, p);
                n /= p;
            }
        }
        if (n > 1) factor128(&x, n);
        sort_factors(&x);
        for (int i = 0; i < x.n; i++) {
            vl_buf_addc(c, &line, ' ');
            put_num(c, &line, x.f[i]);
        }
    }
    vl_buf_addc(c, &line, '\n');
    put_line(c, o, &line, via_stdio);
    vl_buf_free(c, &line);
    return true;
}

static int factor_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool ok = true;
    outq o;
    memset(&o, 0, sizeof o);
    if (n > 0) {
        for (int i = 1; i <= n; i++) ok &= do_number(c, &o, argv[i]);
        vl_write(c, o.lbuf.data, o.lbuf.len);
        return ok ? 0 : 1;
    }
    vl_in *in = vl_in_fd(c, 0, "-");
    vl_buf tok = {0};
    char buf[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++) {
            char ch = buf[i];
            if (ch == ' ' || ch == '\t' || ch == '\n') {
                if (tok.len) {
                    ok &= do_number(c, &o, tok.data);
                    tok.len = 0;
                }
                continue;
            }
            vl_buf_addc(c, &tok, ch);
        }
        vl_enc_steps(c, 1);
    }
    if (tok.len) ok &= do_number(c, &o, tok.data);
    vl_buf_free(c, &tok);
    vl_write(c, o.lbuf.data, o.lbuf.len);
    return ok ? 0 : 1;
}

static const vl_opt factor_opts[] = {{0}};
VL_COMMAND(factor, factor_main, factor_opts, "[NUMBER]...\n  or:  factor OPTION",
           "Print the prime factors of each specified integer NUMBER.  If none\n"
           "are specified on the command line, read them from standard input.",
           0, 1);
