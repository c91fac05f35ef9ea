/* bc_num.c: arbitrary-precision decimal numbers for bc and dc, with GNU bc's number.c scale
 * rules (results truncated at the scale each operation defines). Digits are stored one per
 * byte; multiplication and division convert to base 10^9 limbs (schoolbook and Knuth's
 * algorithm D), which keeps them loop-only (no recursion) and fast. Not here: parsing of
 * programs, output line wrapping (the callers' put function does it). */
#include "cmd/bc.h"

#include <limits.h>
#include <string.h>

#define LIMB 1000000000u

/* Per thread (each command runs in its own thread), reset by bn_init at the start of a run:
 * the step count not yet reported, and the free small numbers kept for reuse (the
 * interpreter's loops make and drop many: the allocator's accounting costs more than the
 * arithmetic). The kept numbers belong to the run's arena, freed with it. */
#define SMALL 24
static _Thread_local uint64_t work_acc;
static _Thread_local bn *small_free;

void bn_init(vl_ctx *c)
{
    (void)c;
    work_acc = 0;
    small_free = NULL;
}

void bn_work(vl_ctx *c, uint64_t n)
{
    work_acc += n;
    if (work_acc < 65536) return;
    int rc = vk_steps(c->p, work_acc / 65536 + 1);
    work_acc = 0;
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static bn *bn_alloc(vl_ctx *c, int len, int scale)
{
    if (len < 1) len = 1;
    if ((size_t)len + (size_t)scale > (size_t)INT_MAX / 2) vl_die(c, 1, "memory exhausted");
    bn *a;
    if (len + scale <= SMALL) {
        if (small_free) {
            a = small_free;
            memcpy(&small_free, a->d, sizeof small_free);
        } else {
            a = vl_xmalloc(c, sizeof(bn) + SMALL);
        }
    } else {
        a = vl_xmalloc(c, sizeof(bn) + (size_t)len + (size_t)scale);
    }
    a->refs = 1;
    a->neg = false;
    a->len = len;
    a->scale = scale;
    memset(a->d, 0, (size_t)len + (size_t)scale);
    return a;
}

/* A scale computed from others (a sum, a product): past what bn_alloc can ever hold, the run
 * ends as it would there, before the int could overflow. */
static int checked_scale(vl_ctx *c, int64_t s)
{
    if (s > INT_MAX / 2) vl_die(c, 1, "memory exhausted");
    return (int)s;
}

bn *bn_ref(bn *a)
{
    if (a) a->refs++;
    return a;
}

void bn_unref(vl_ctx *c, bn *a)
{
    if (!a || --a->refs) return;
    if (a->len + a->scale <= SMALL) {
        memcpy(a->d, &small_free, sizeof small_free);
        small_free = a;
        return;
    }
    vl_xfree(c, a);
}

/* Strip leading integer zeros in place (the digits move down). */
static void normalize(bn *a)
{
    int z = 0;
    while (z < a->len - 1 && a->d[z] == 0) z++;
    if (z) {
        memmove(a->d, a->d + z, (size_t)(a->len - z + a->scale));
        a->len -= z;
    }
}

bool bn_is_zero(const bn *a)
{
    for (int i = 0; i < a->len + a->scale; i++)
        if (a->d[i]) return false;
    return true;
}

bn *bn_zero(vl_ctx *c) { return bn_alloc(c, 1, 0); }

bn *bn_one(vl_ctx *c)
{
    bn *a = bn_alloc(c, 1, 0);
    a->d[0] = 1;
    return a;
}

bn *bn_from_long(vl_ctx *c, long v)
{
    char buf[32];
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    int n = 0;
    do {
        buf[n++] = (char)(u % 10);
        u /= 10;
    } while (u);
    bn *a = bn_alloc(c, n, 0);
    for (int i = 0; i < n; i++) a->d[i] = (unsigned char)buf[n - 1 - i];
    a->neg = v < 0;
    return a;
}

long bn_to_long(const bn *a, bool *ok)
{
    long v = 0;
    *ok = true;
    for (int i = 0; i < a->len; i++) {
        if (v > LONG_MAX / 10) {
            *ok = false;
            return 0;
        }
        v = v * 10 + a->d[i];
        if (v < 0) {
            *ok = false;
            return 0;
        }
    }
    return a->neg ? -v : v;
}

/* digit at position pos (0 = units, 1 = tens, -1 = tenths) */
static inline int dig(const bn *a, int pos)
{
    if (pos >= a->len || -pos > a->scale) return 0;
    return a->d[a->len - 1 - pos];
}

static int cmp_mag(const bn *a, const bn *b)
{
    int top = a->len > b->len ? a->len : b->len;
    int bot = a->scale > b->scale ? a->scale : b->scale;
    for (int p = top - 1; p >= -bot; p--) {
        int x = dig(a, p), y = dig(b, p);
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

int bn_cmp(const bn *a, const bn *b)
{
    bool za = bn_is_zero(a), zb = bn_is_zero(b);
    bool na = a->neg && !za, nb = b->neg && !zb;
    if (na != nb) return na ? -1 : 1;
    int m = cmp_mag(a, b);
    return na ? -m : m;
}

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

static bn *add_mag(vl_ctx *c, const bn *a, const bn *b, int rs)
{
    int rl = imax(a->len, b->len) + 1;
    bn *r = bn_alloc(c, rl, rs);
    int carry = 0;
    for (int p = -rs, k = rl + rs - 1; p < rl; p++, k--) {
        int s = dig(a, p) + dig(b, p) + carry;
        carry = s >= 10;
        r->d[k] = (unsigned char)(carry ? s - 10 : s);
    }
    bn_work(c, (uint64_t)(rl + rs));
    normalize(r);
    return r;
}

/* |a| - |b| with |a| >= |b| */
static bn *sub_mag(vl_ctx *c, const bn *a, const bn *b, int rs)
{
    int rl = imax(a->len, b->len);
    bn *r = bn_alloc(c, rl, rs);
    int borrow = 0;
    for (int p = -rs, k = rl + rs - 1; p < rl; p++, k--) {
        int s = dig(a, p) - dig(b, p) - borrow;
        borrow = s < 0;
        r->d[k] = (unsigned char)(borrow ? s + 10 : s);
    }
    bn_work(c, (uint64_t)(rl + rs));
    normalize(r);
    return r;
}

bn *bn_add(vl_ctx *c, const bn *a, const bn *b, int scale_min)
{
    int rs = imax(scale_min, imax(a->scale, b->scale));
    if (a->neg == b->neg) {
        bn *r = add_mag(c, a, b, rs);
        r->neg = a->neg && !bn_is_zero(r);
        return r;
    }
    int m = cmp_mag(a, b);
    if (m == 0) return bn_alloc(c, 1, rs);
    bn *r = m < 0 ? sub_mag(c, b, a, rs) : sub_mag(c, a, b, rs);
    r->neg = m < 0 ? b->neg : a->neg;
    return r;
}

bn *bn_sub(vl_ctx *c, const bn *a, const bn *b, int scale_min)
{
    int rs = imax(scale_min, imax(a->scale, b->scale));
    if (a->neg != b->neg) {
        bn *r = add_mag(c, a, b, rs);
        r->neg = a->neg && !bn_is_zero(r);
        return r;
    }
    int m = cmp_mag(a, b);
    if (m == 0) return bn_alloc(c, 1, rs);
    bn *r = m < 0 ? sub_mag(c, b, a, rs) : sub_mag(c, a, b, rs);
    r->neg = m < 0 ? !b->neg : a->neg;
    return r;
}

/* ---- limbs: little-endian base 10^9 ---- */

static uint32_t *to_limbs(vl_ctx *c, const unsigned char *d, int n, int *nl)
{
    int cnt = (n + 8) / 9;
    if (cnt == 0) cnt = 1;
    uint32_t *l = vl_xmalloc(c, (size_t)cnt * sizeof *l);
    for (int i = 0; i < cnt; i++) {
        int end = n - i * 9; /* digits d[end-9 .. end-1] */
        int start = end - 9 < 0 ? 0 : end - 9;
        uint32_t v = 0;
        for (int k = start; k < end; k++) v = v * 10 + d[k];
        l[i] = v;
    }
    while (cnt > 1 && l[cnt - 1] == 0) cnt--;
    *nl = cnt;
    bn_work(c, (uint64_t)n); /* a number of many zeros (a large scale) costs its digits */
    return l;
}

/* Write limbs as exactly n digits (most significant first, zero padded / cut on the left). */
static void from_limbs(const uint32_t *l, int nl, unsigned char *d, int n)
{
    int k = n - 1;
    for (int i = 0; i < nl && k >= 0; i++) {
        uint32_t v = l[i];
        for (int j = 0; j < 9 && k >= 0; j++) {
            d[k--] = (unsigned char)(v % 10);
            v /= 10;
        }
    }
    while (k >= 0) d[k--] = 0;
}

static uint32_t *mul_limbs(vl_ctx *c, const uint32_t *a, int na, const uint32_t *b, int nb, int *nr)
{
    int n = na + nb;
    uint32_t *r = vl_xcalloc(c, (size_t)n, sizeof *r);
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0, ai = a[i];
        if (!ai) continue;
        for (int j = 0; j < nb; j++) {
            uint64_t t = r[i + j] + ai * b[j] + carry;
            carry = t / LIMB;
            r[i + j] = (uint32_t)(t - carry * LIMB);
        }
        int k = i + nb;
        while (carry) {
            uint64_t t = r[k] + carry;
            carry = t / LIMB;
            r[k++] = (uint32_t)(t - carry * LIMB);
        }
        bn_work(c, (uint64_t)nb * 8);
    }
    bn_work(c, (uint64_t)na); /* the zero limbs too */
    while (n > 1 && r[n - 1] == 0) n--;
    *nr = n;
    return r;
}

/* u / v (limbs, v[nv-1] != 0): quotient in q (nu - nv + 1 limbs), remainder in r (nv limbs)
 * when r != NULL. Knuth's algorithm D. */
static void div_limbs(vl_ctx *c, const uint32_t *u0, int nu, const uint32_t *v0, int nv,
                      uint32_t *q, uint32_t *r)
{
    if (nv == 1) {
        uint64_t rem = 0, d = v0[0];
        for (int i = nu - 1; i >= 0; i--) {
            uint64_t t = rem * LIMB + u0[i];
            q[i] = (uint32_t)(t / d);
            rem = t % d;
        }
        if (r) r[0] = (uint32_t)rem;
        bn_work(c, (uint64_t)nu);
        return;
    }
    uint32_t norm = (uint32_t)(LIMB / ((uint64_t)v0[nv - 1] + 1));
    uint32_t *u = vl_xcalloc(c, (size_t)nu + 1, sizeof *u);
    uint32_t *v = vl_xcalloc(c, (size_t)nv, sizeof *v);
    uint64_t carry = 0;
    for (int i = 0; i < nu; i++) {
        uint64_t t = (uint64_t)u0[i] * norm + carry;
        carry = t / LIMB;
        u[i] = (uint32_t)(t % LIMB);
    }
    u[nu] = (uint32_t)carry;
    carry = 0;
    for (int i = 0; i < nv; i++) {
        uint64_t t = (uint64_t)v0[i] * norm + carry;
        carry = t / LIMB;
        v[i] = (uint32_t)(t % LIMB);
    }
    uint64_t vtop = v[nv - 1], vnext = v[nv - 2];
    for (int j = nu - nv; j >= 0; j--) {
        uint64_t num = (uint64_t)u[j + nv] * LIMB + u[j + nv - 1];
        uint64_t qhat = num / vtop, rhat = num % vtop;
        while (qhat >= LIMB || qhat * vnext > rhat * LIMB + u[j + nv - 2]) {
            qhat--;
            rhat += vtop;
            if (rhat >= LIMB) break;
        }
        /* u[j..j+nv] -= qhat * v */
        int64_t borrow = 0;
        uint64_t mc = 0;
        for (int i = 0; i < nv; i++) {
            uint64_t p = qhat * v[i] + mc;
            mc = p / LIMB;
            int64_t t = (int64_t)u[i + j] - (int64_t)(p % LIMB) - borrow;
            borrow = t < 0;
            u[i + j] = (uint32_t)(t < 0 ? t + LIMB : t);
        }
        int64_t t = (int64_t)u[j + nv] - (int64_t)mc - borrow;
        borrow = t < 0;
        u[j + nv] = (uint32_t)(t < 0 ? t + LIMB : t);
        if (borrow) { /* qhat was one too big: add v back */
            qhat--;
            uint64_t cy = 0;
            for (int i = 0; i < nv; i++) {
                uint64_t s = (uint64_t)u[i + j] + v[i] + cy;
                cy = s >= LIMB;
                u[i + j] = (uint32_t)(cy ? s - LIMB : s);
            }
            u[j + nv] = (uint32_t)((u[j + nv] + cy) % LIMB);
        }
        q[j] = (uint32_t)qhat;
        bn_work(c, (uint64_t)nv * 8);
    }
    if (r) { /* unnormalize */
        uint64_t rem = 0;
        for (int i = nv - 1; i >= 0; i--) {
            uint64_t cur = rem * LIMB + u[i];
            r[i] = (uint32_t)(cur / norm);
            rem = cur % norm;
        }
    }
    vl_xfree(c, u);
    vl_xfree(c, v);
}

bn *bn_mul(vl_ctx *c, const bn *a, const bn *b, int scale)
{
    int full = a->scale + b->scale;
    int ps = imin(full, imax(scale, imax(a->scale, b->scale)));
    int na, nb, nr;
    uint32_t *la = to_limbs(c, a->d, a->len + a->scale, &na);
    uint32_t *lb = to_limbs(c, b->d, b->len + b->scale, &nb);
    uint32_t *lr = mul_limbs(c, la, na, lb, nb, &nr);
    int nd = a->len + a->scale + b->len + b->scale; /* digits of the full product */
    int rl = nd - full;
    bn *r = bn_alloc(c, rl, ps);
    unsigned char *tmp = vl_xmalloc(c, (size_t)nd);
    from_limbs(lr, nr, tmp, nd);
    bn_work(c, (uint64_t)nd);
    memcpy(r->d + (r->len - rl), tmp, (size_t)(rl + ps));
    vl_xfree(c, tmp);
    vl_xfree(c, la);
    vl_xfree(c, lb);
    vl_xfree(c, lr);
    normalize(r);
    r->neg = a->neg != b->neg && !bn_is_zero(r);
    return r;
}

bn *bn_div(vl_ctx *c, const bn *a, const bn *b, int scale)
{
    if (bn_is_zero(b)) return NULL;
    /* q = trunc(A * 10^(sb + scale - sa) / B) where A, B are the digit strings */
    int e = checked_scale(c, (int64_t)b->scale + scale) - a->scale;
    int an = a->len + a->scale;
    int nn = an + e;
    const unsigned char *bd = b->d;
    int bn_ = b->len + b->scale;
    while (bn_ > 1 && *bd == 0) bd++, bn_--;
    bn *r;
    if (nn <= 0) {
        r = bn_alloc(c, 1, scale);
    } else {
        unsigned char *nd = vl_xcalloc(c, (size_t)nn, 1);
        memcpy(nd, a->d, (size_t)(e >= 0 ? an : nn));
        int nu, nv;
        uint32_t *u = to_limbs(c, nd, nn, &nu);
        uint32_t *v = to_limbs(c, bd, bn_, &nv);
        vl_xfree(c, nd);
        if (nu < nv) {
            r = bn_alloc(c, 1, scale);
        } else {
            uint32_t *q = vl_xcalloc(c, (size_t)(nu - nv + 1), sizeof *q);
            div_limbs(c, u, nu, v, nv, q, NULL);
            int qn = (nu - nv + 1) * 9;
            unsigned char *qd = vl_xmalloc(c, (size_t)qn);
            from_limbs(q, nu - nv + 1, qd, qn);
            bn_work(c, (uint64_t)qn);
            int rl = qn - scale;
            r = bn_alloc(c, rl, scale);
            if (rl >= 1) {
                memcpy(r->d, qd, (size_t)qn);
            } else {
                memcpy(r->d + (1 + scale - qn), qd, (size_t)qn);
            }
            vl_xfree(c, qd);
            vl_xfree(c, q);
        }
        vl_xfree(c, u);
        vl_xfree(c, v);
    }
    normalize(r);
    r->neg = a->neg != b->neg && !bn_is_zero(r);
    return r;
}

bool bn_divmod(vl_ctx *c, const bn *a, const bn *b, int scale, bn **q, bn **rem)
{
    if (bn_is_zero(b)) return false;
    int rs = imax(a->scale, checked_scale(c, (int64_t)b->scale + scale));
    bn *t = bn_div(c, a, b, scale);
    bn *m = bn_mul(c, t, b, rs);
    *rem = bn_sub(c, a, m, rs);
    bn_unref(c, m);
    if (q) *q = t;
    else bn_unref(c, t);
    return true;
}

bn *bn_mod(vl_ctx *c, const bn *a, const bn *b, int scale)
{
    bn *r;
    if (!bn_divmod(c, a, b, scale, NULL, &r)) return NULL;
    return r;
}

bn *bn_rescale(vl_ctx *c, const bn *a, int scale)
{
    bn *r = bn_alloc(c, a->len, scale);
    memcpy(r->d, a->d, (size_t)(a->len + imin(scale, a->scale)));
    r->neg = a->neg;
    return r;
}

static bn *copy(vl_ctx *c, const bn *a) { return bn_rescale(c, a, a->scale); }

bn *bn_raise(vl_ctx *c, const bn *a, const bn *b, int scale, bool *warn, const char **err)
{
    *warn = b->scale != 0;
    bool ok;
    long e = bn_to_long(b, &ok);
    if (!ok || (e == 0 && (b->len > 1 || b->d[0] != 0))) {
        *err = "exponent too large in raise";
        return NULL;
    }
    if (e == 0) return bn_one(c);
    bool neg = e < 0;
    int rscale;
    if (neg) {
        e = -e;
        rscale = scale;
    } else {
        long s = (long)a->scale * e;
        rscale = (int)(s < imax(scale, a->scale) ? s : imax(scale, a->scale));
    }
    bn *power = copy(c, a);
    long pws = a->scale;
    while ((e & 1) == 0) {
        pws *= 2;
        bn *t = bn_mul(c, power, power, (int)(pws > INT_MAX / 4 ? INT_MAX / 4 : pws));
        bn_unref(c, power);
        power = t;
        e >>= 1;
    }
    bn *temp = bn_ref(power);
    long cs = pws;
    e >>= 1;
    while (e > 0) {
        pws *= 2;
        bn *t = bn_mul(c, power, power, (int)(pws > INT_MAX / 4 ? INT_MAX / 4 : pws));
        bn_unref(c, power);
        power = t;
        if (e & 1) {
            cs += pws;
            t = bn_mul(c, temp, power, (int)(cs > INT_MAX / 4 ? INT_MAX / 4 : cs));
            bn_unref(c, temp);
            temp = t;
        }
        e >>= 1;
    }
    bn_unref(c, power);
    if (neg) {
        bn *one = bn_one(c);
        bn *r = bn_div(c, one, temp, rscale);
        bn_unref(c, one);
        bn_unref(c, temp);
        if (!r) { /* 0^-n: GNU's message for it is in lower case */
            *err = "divide by zero";
            return NULL;
        }
        return r;
    }
    if (temp->scale > rscale) {
        /* GNU cuts the scale in place: the sign stays, so -0 can appear */
        bn *r = bn_rescale(c, temp, rscale);
        bn_unref(c, temp);
        return r;
    }
    return temp;
}

/* 0 or exactly 10^-scale in magnitude (GNU's bc_is_near_zero) */
static bool near_zero(const bn *a, int scale)
{
    int count = a->len + scale;
    int i = 0;
    while (count > 0 && i < a->len + a->scale && a->d[i] == 0) count--, i++;
    if (count > 0 && i >= a->len + a->scale) count = 0;
    return count == 0 || (count == 1 && a->d[i] == 1);
}

bn *bn_sqrt(vl_ctx *c, const bn *a, int scale)
{
    bn *zero = bn_zero(c), *one = bn_one(c);
    int cz = bn_cmp(a, zero);
    if (cz < 0) {
        bn_unref(c, zero);
        bn_unref(c, one);
        return NULL;
    }
    if (cz == 0) {
        bn_unref(c, one);
        return zero;
    }
    int c1 = bn_cmp(a, one);
    if (c1 == 0) {
        bn_unref(c, zero);
        return one;
    }
    int rscale = imax(scale, a->scale);
    checked_scale(c, (int64_t)rscale + 1);
    bn *point5 = bn_alloc(c, 1, 1);
    point5->d[1] = 5;
    bn *guess, *guess1 = NULL;
    int cscale;
    if (c1 < 0) {
        guess = bn_ref(one);
        cscale = a->scale;
    } else {
        bn *ten = bn_from_long(c, 10);
        bn *n = bn_from_long(c, a->len);
        bn *h = bn_mul(c, n, point5, 0);
        h->scale = 0;
        bool w;
        const char *err = NULL;
        guess = bn_raise(c, ten, h, 0, &w, &err);
        bn_unref(c, ten);
        bn_unref(c, n);
        bn_unref(c, h);
        cscale = 3;
    }
    for (;;) {
        bn_unref(c, guess1);
        guess1 = bn_ref(guess);
        bn *t = bn_div(c, a, guess, cscale);
        bn *s = bn_add(c, t, guess1, 0);
        bn_unref(c, t);
        bn_unref(c, guess);
        guess = bn_mul(c, s, point5, cscale);
        bn_unref(c, s);
        bn *diff = bn_sub(c, guess, guess1, cscale + 1);
        bool nz = near_zero(diff, cscale);
        bn_unref(c, diff);
        if (nz) {
            if (cscale < rscale + 1)
                cscale = (int)(3 * (int64_t)cscale < rscale + 1 ? 3 * cscale : rscale + 1);
            else break;
        }
    }
    bn *r = bn_div(c, guess, one, rscale);
    bn_unref(c, guess);
    bn_unref(c, guess1);
    bn_unref(c, point5);
    bn_unref(c, zero);
    bn_unref(c, one);
    return r;
}

bn *bn_modexp(vl_ctx *c, const bn *a, const bn *b, const bn *m, int scale, const char **err)
{
    if (bn_is_zero(m)) {
        *err = "Divide by zero";
        return NULL;
    }
    if (b->neg) {
        *err = "negative exponent";
        return NULL;
    }
    bn *power = copy(c, a), *exponent = copy(c, b), *temp = bn_one(c);
    bn *two = bn_from_long(c, 2);
    int rscale = imax(scale, a->scale);
    while (!bn_is_zero(exponent)) {
        bn *q, *r;
        bn_divmod(c, exponent, two, 0, &q, &r);
        bn_unref(c, exponent);
        exponent = q;
        if (!bn_is_zero(r)) {
            bn *t = bn_mul(c, temp, power, rscale);
            bn_unref(c, temp);
            temp = bn_mod(c, t, m, scale);
            bn_unref(c, t);
        }
        bn_unref(c, r);
        bn *t = bn_mul(c, power, power, rscale);
        bn_unref(c, power);
        power = bn_mod(c, t, m, scale);
        bn_unref(c, t);
    }
    bn_unref(c, power);
    bn_unref(c, exponent);
    bn_unref(c, two);
    return temp;
}

int bn_length(const bn *a)
{
    if (a->len == 1 && a->d[0] == 0) return a->scale ? a->scale : 1;
    return a->len + a->scale;
}

/* Base 10 without digits above 9 (the common case): the digits are copied as they are. */
static bn *from_dec(vl_ctx *c, const signed char *dig_, int n, bool neg)
{
    int dot = n, i;
    for (i = 0; i < n; i++)
        if (dig_[i] == -1) dot = i;
    int il = dot, fl = dot < n ? n - dot - 1 : 0;
    int z = 0;
    while (z < il - 1 && dig_[z] == 0) z++;
    bn *a = bn_alloc(c, il - z, fl);
    int k = il - z < 1 ? 1 : 0; /* an empty integer part leaves its zero digit */
    for (i = z; i < il; i++) a->d[k++] = (unsigned char)dig_[i];
    for (i = dot + 1; i < n; i++) a->d[k++] = (unsigned char)dig_[i];
    a->neg = neg && !bn_is_zero(a);
    return a;
}

bn *bn_from_digits(vl_ctx *c, const signed char *dig_, int n, int ibase, bool neg)
{
    if (ibase == 10) {
        bool plain = true;
        for (int k = 0; k < n; k++)
            if (dig_[k] > 9) plain = false;
        if (plain && n > 0) return from_dec(c, dig_, n, neg);
    }
    int i = 0;
    bn *build = bn_zero(c);
    bn *base = bn_from_long(c, ibase);
    int ch = i < n ? dig_[i++] : -2;
    if (ch >= 0) { /* a lone digit keeps its value (in base 10: only a one-digit constant) */
        int first = ch;
        ch = i < n ? dig_[i++] : -2;
        if ((ch >= 0 || (ibase == 10 && n > 1)) && first >= ibase) first = ibase - 1;
        bn_unref(c, build);
        build = bn_from_long(c, first);
    }
    while (ch >= 0) {
        if (ch >= ibase) ch = ibase - 1;
        bn *t = bn_mul(c, build, base, 0);
        bn *d = bn_from_long(c, ch);
        bn_unref(c, build);
        build = bn_add(c, t, d, 0);
        bn_unref(c, t);
        bn_unref(c, d);
        ch = i < n ? dig_[i++] : -2;
    }
    if (ch == -1) {
        ch = i < n ? dig_[i++] : -2;
        if (ch >= ibase) ch = ibase - 1;
        bn *res = bn_zero(c), *div = bn_one(c);
        int digits = 0;
        while (ch >= 0) {
            bn *t = bn_mul(c, res, base, 0);
            bn *d = bn_from_long(c, ch);
            bn_unref(c, res);
            res = bn_add(c, t, d, 0);
            bn_unref(c, t);
            bn_unref(c, d);
            t = bn_mul(c, div, base, 0);
            bn_unref(c, div);
            div = t;
            digits++;
            ch = i < n ? dig_[i++] : -2;
            if (ch >= ibase) ch = ibase - 1;
        }
        bn *q = bn_div(c, res, div, digits);
        bn *t = bn_add(c, build, q, 0);
        bn_unref(c, build);
        bn_unref(c, q);
        bn_unref(c, res);
        bn_unref(c, div);
        build = t;
    }
    bn_unref(c, base);
    if (neg) {
        bn *z = bn_zero(c);
        bn *t = bn_sub(c, z, build, 0);
        bn_unref(c, z);
        bn_unref(c, build);
        build = t;
    }
    return build;
}

static void out_long(long v, int size, bool space, bn_putc put, void *arg)
{
    char buf[32];
    int n = 0;
    if (space) put(arg, ' ');
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = n; i < size; i++) put(arg, '0');
    while (n) put(arg, buf[--n]);
}

void bn_print(vl_ctx *c, const bn *a, int obase, bn_putc put, void *arg)
{
    static const char ref[] = "0123456789ABCDEF";
    if (a->neg) put(arg, '-');
    if (bn_is_zero(a)) {
        put(arg, '0');
        return;
    }
    if (obase == 10) {
        int i = 0;
        if (a->len > 1 || a->d[0] != 0)
            for (; i < a->len; i++) put(arg, '0' + a->d[i]);
        else i = 1;
        if (a->scale > 0) {
            put(arg, '.');
            for (int k = 0; k < a->scale; k++) put(arg, '0' + a->d[i + k]);
        }
        return;
    }
    bn *one = bn_one(c);
    bn *ip = bn_div(c, a, one, 0);
    bn *fp = bn_sub(c, a, ip, 0);
    ip->neg = false;
    fp->neg = false;
    bn *base = bn_from_long(c, obase);
    int width = 0;
    for (long m = obase - 1; m; m /= 10) width++;
    /* integer digits, least significant first, then printed in reverse */
    long *st = NULL;
    size_t ns = 0, cap = 0;
    while (!bn_is_zero(ip)) {
        bn *q, *r;
        bn_divmod(c, ip, base, 0, &q, &r);
        bool ok;
        if (ns == cap) {
            cap = cap ? cap * 2 : 64;
            st = vl_xrealloc(c, st, cap * sizeof *st);
        }
        st[ns++] = bn_to_long(r, &ok);
        bn_unref(c, r);
        bn_unref(c, ip);
        ip = q;
    }
    while (ns) {
        long dg = st[--ns];
        if (obase <= 16) put(arg, ref[dg]);
        else out_long(dg, width, true, put, arg);
    }
    vl_xfree(c, st);
    if (a->scale > 0) {
        put(arg, '.');
        bool space = false;
        bn *t = bn_one(c);
        while (t->len <= a->scale) {
            bn *f = bn_mul(c, fp, base, a->scale);
            bool ok;
            long dg = bn_to_long(f, &ok);
            bn *di = bn_from_long(c, dg);
            bn_unref(c, fp);
            fp = bn_sub(c, f, di, 0);
            bn_unref(c, f);
            bn_unref(c, di);
            if (obase <= 16) put(arg, ref[dg]);
            else {
                out_long(dg, width, space, put, arg);
                space = true;
            }
            bn *t2 = bn_mul(c, t, base, 0);
            bn_unref(c, t);
            t = t2;
        }
        bn_unref(c, t);
    }
    bn_unref(c, one);
    bn_unref(c, ip);
    bn_unref(c, fp);
    bn_unref(c, base);
}
