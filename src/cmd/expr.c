/* expr: evaluate an expression given as separate arguments, GNU expr's grammar and results:
 * | & (with their short-circuit), comparisons (numeric when both sides are integers, else by
 * bytes), + - * / % on integers of any size (as GNU's GMP build; decimal digits here, division
 * in base 10^9), STRING : REGEX and match (a BRE anchored at the start through lib/regex),
 * substr, index, length, and + TOKEN quoting. Exit status: 0 when the result is neither empty
 * nor zero, 1 when it is, 2 for a bad expression, 3 for a failure of the matcher. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "lib/regex.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* An integer: sign and decimal digits, least significant first, no leading zeros (zero has
 * no digits). */
typedef struct bigint {
    bool neg;
    size_t n;
    unsigned char *d;
} bigint;

/* A value: a string, or an integer when isint. */
typedef struct val {
    bool isint;
    const char *s;
    bigint i;
} val;

typedef struct ex {
    vl_ctx *c;
    char **args;
    int pos, n;
} ex;

enum { EXPR_INVALID = 2, EXPR_FAILURE = 3 };

static bool looks_like_integer(const char *s)
{
    s += *s == '-';
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static bigint big_parse(vl_ctx *c, const char *s)
{
    bigint b = {0};
    b.neg = *s == '-';
    s += b.neg;
    while (*s == '0') s++;
    b.n = strlen(s);
    b.d = vl_xmalloc(c, b.n + 1);
    for (size_t k = 0; k < b.n; k++) b.d[k] = (unsigned char)(s[b.n - 1 - k] - '0');
    if (!b.n) b.neg = false;
    return b;
}

static char *big_str(vl_ctx *c, const bigint *b)
{
    char *s = vl_xmalloc(c, b->n + 3), *q = s;
    if (b->neg) *q++ = '-';
    if (!b->n) *q++ = '0';
    for (size_t k = b->n; k-- > 0;) *q++ = (char)('0' + b->d[k]);
    *q = '\0';
    return s;
}

static void trim(bigint *b)
{
    while (b->n && !b->d[b->n - 1]) b->n--;
    if (!b->n) b->neg = false;
}

static int mag_cmp(const bigint *a, const bigint *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (size_t k = a->n; k-- > 0;)
        if (a->d[k] != b->d[k]) return a->d[k] < b->d[k] ? -1 : 1;
    return 0;
}

static int big_cmp(const bigint *a, const bigint *b)
{
    if (a->neg != b->neg) return a->neg ? -1 : 1;
    int m = mag_cmp(a, b);
    return a->neg ? -m : m;
}

/* |a| + |b| */
static bigint mag_add(vl_ctx *c, const bigint *a, const bigint *b)
{
    size_t n = (a->n > b->n ? a->n : b->n) + 1;
    bigint r = {false, n, vl_xmalloc(c, n)};
    int carry = 0;
    for (size_t k = 0; k < n; k++) {
        int s = carry + (k < a->n ? a->d[k] : 0) + (k < b->n ? b->d[k] : 0);
        r.d[k] = (unsigned char)(s % 10);
        carry = s / 10;
    }
    trim(&r);
    return r;
}

/* |a| - |b|, |a| >= |b| */
static bigint mag_sub(vl_ctx *c, const bigint *a, const bigint *b)
{
    bigint r = {false, a->n, vl_xmalloc(c, a->n + 1)};
    int borrow = 0;
    for (size_t k = 0; k < a->n; k++) {
        int s = a->d[k] - borrow - (k < b->n ? b->d[k] : 0);
        borrow = s < 0;
        r.d[k] = (unsigned char)(s + (borrow ? 10 : 0));
    }
    trim(&r);
    return r;
}

static bigint big_add(vl_ctx *c, const bigint *a, const bigint *b, bool negate_b)
{
    bool bneg = b->neg != (negate_b && b->n);
    bigint r;
    if (a->neg == bneg) {
        r = mag_add(c, a, b);
        r.neg = a->neg;
    } else if (mag_cmp(a, b) >= 0) {
        r = mag_sub(c, a, b);
        r.neg = a->neg;
    } else {
        r = mag_sub(c, b, a);
        r.neg = bneg;
    }
    trim(&r);
    return r;
}

static bigint big_mul(vl_ctx *c, const bigint *a, const bigint *b)
{
    size_t n = a->n + b->n + 1;
    uint64_t *acc = vl_xcalloc(c, n, sizeof *acc);
    for (size_t i = 0; i < a->n; i++) {
        if (!a->d[i]) continue;
        for (size_t j = 0; j < b->n; j++) acc[i + j] += (uint64_t)a->d[i] * b->d[j];
        if (i % 1024 == 1023) { /* carry before the sums could overflow */
            for (size_t k = 0; k + 1 < n; k++) acc[k + 1] += acc[k] / 10, acc[k] %= 10;
            if (vk_steps(c->p, n + 1024 * b->n) < 0) vl_exit(c, EXPR_FAILURE);
        }
    }
    bigint r = {a->neg != b->neg, n, vl_xmalloc(c, n)};
    uint64_t carry = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t s = acc[k] + carry;
        r.d[k] = (unsigned char)(s % 10);
        carry = s / 10;
    }
    vl_xfree(c, acc);
    trim(&r);
    return r;
}

/* ---- long division of big by big: Knuth's algorithm D in base 10^9 ---- */
#define LIMB 1000000000u

static uint32_t *to_limbs(vl_ctx *c, const bigint *x, size_t *nl)
{
    size_t n = (x->n + 8) / 9;
    uint32_t *l = vl_xcalloc(c, n + 2, sizeof *l);
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (size_t k = 9; k-- > 0;) {
            size_t pos = i * 9 + k;
            v = v * 10 + (pos < x->n ? x->d[pos] : 0);
        }
        l[i] = v;
    }
    while (n && !l[n - 1]) n--;
    *nl = n;
    return l;
}

static bigint from_limbs(vl_ctx *c, const uint32_t *l, size_t n, bool neg)
{
    bigint r = {neg, n * 9, vl_xmalloc(c, n * 9 + 1)};
    for (size_t i = 0; i < n; i++) {
        uint32_t v = l[i];
        for (size_t k = 0; k < 9; k++, v /= 10) r.d[i * 9 + k] = (unsigned char)(v % 10);
    }
    trim(&r);
    return r;
}

/* |a| / |b| or the remainder, for b of two limbs or more (q0: an empty quotient to return) */
static bigint big_div_long(vl_ctx *c, const bigint *a, const bigint *b, bool want_rem, bigint q0)
{
    size_t un, vn;
    uint32_t *u0 = to_limbs(c, a, &un), *v = to_limbs(c, b, &vn);
    if (un < vn) { /* |a| < |b| */
        if (!want_rem) {
            q0.n = 0;
            trim(&q0);
            return q0;
        }
        return from_limbs(c, u0, un, a->neg);
    }
    /* normalize so the divisor's top limb is at least LIMB/2 */
    uint32_t d = LIMB / (v[vn - 1] + 1);
    uint32_t *u = vl_xcalloc(c, un + 2, sizeof *u);
    uint64_t carry = 0;
    for (size_t i = 0; i < un; i++) {
        uint64_t t = (uint64_t)u0[i] * d + carry;
        u[i] = (uint32_t)(t % LIMB);
        carry = t / LIMB;
    }
    u[un] = (uint32_t)carry;
    carry = 0;
    for (size_t i = 0; i < vn; i++) {
        uint64_t t = (uint64_t)v[i] * d + carry;
        v[i] = (uint32_t)(t % LIMB);
        carry = t / LIMB;
    }
    size_t m = un - vn;
    uint32_t *q = vl_xcalloc(c, m + 2, sizeof *q);
    for (size_t j = m + 1; j-- > 0;) {
        uint64_t num = (uint64_t)u[j + vn] * LIMB + u[j + vn - 1];
        uint64_t qhat = num / v[vn - 1], rhat = num % v[vn - 1];
        while (qhat >= LIMB ||
               (vn >= 2 && qhat * v[vn - 2] > rhat * LIMB + u[j + vn - 2])) {
            qhat--;
            rhat += v[vn - 1];
            if (rhat >= LIMB) break;
        }
        /* u[j..j+vn] -= qhat * v */
        int64_t borrow = 0;
        uint64_t mc = 0;
        for (size_t i = 0; i < vn; i++) {
            uint64_t prod = qhat * v[i] + mc;
            mc = prod / LIMB;
            int64_t t = (int64_t)u[i + j] - (int64_t)(prod % LIMB) - borrow;
            borrow = t < 0;
            u[i + j] = (uint32_t)(t + (borrow ? LIMB : 0));
        }
        int64_t t = (int64_t)u[j + vn] - (int64_t)mc - borrow;
        if (t < 0) { /* qhat was one too big: add v back */
            u[j + vn] = (uint32_t)(t + LIMB);
            qhat--;
            uint64_t cy = 0;
            for (size_t i = 0; i < vn; i++) {
                uint64_t s2 = (uint64_t)u[i + j] + v[i] + cy;
                u[i + j] = (uint32_t)(s2 % LIMB);
                cy = s2 / LIMB;
            }
            u[j + vn] = (uint32_t)((u[j + vn] + cy) % LIMB);
        } else {
            u[j + vn] = (uint32_t)t;
        }
        q[j] = (uint32_t)qhat;
        if (vk_steps(c->p, vn + 1) < 0) vl_exit(c, EXPR_FAILURE);
    }
    if (!want_rem) return from_limbs(c, q, m + 1, a->neg != b->neg);
    /* the remainder is u[0..vn) / d */
    uint64_t r = 0;
    for (size_t i = vn; i-- > 0;) {
        uint64_t cur = r * LIMB + u[i];
        u[i] = (uint32_t)(cur / d);
        r = cur % d;
    }
    return from_limbs(c, u, vn, a->neg);
}

/* Truncating division: quotient (want_rem false) or remainder (sign of a), as mpz_tdiv_q/r. */
static bigint big_div(vl_ctx *c, const bigint *a, const bigint *b, bool want_rem)
{
    bigint q = {a->neg != b->neg, a->n, vl_xcalloc(c, a->n + 1, 1)};
    if (b->n <= 18) { /* a divisor below 10^18: short division, one pass */
        uint64_t bv = 0, r = 0;
        for (size_t k = b->n; k-- > 0;) bv = bv * 10 + b->d[k];
        for (size_t k = a->n; k-- > 0;) {
            unsigned __int128 cur = (unsigned __int128)r * 10 + a->d[k];
            q.d[k] = (unsigned char)(cur / bv);
            r = (uint64_t)(cur % bv);
        }
        vk_steps(c->p, a->n / 64);
        if (!want_rem) {
            trim(&q);
            return q;
        }
        char tmp[24];
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)r);
        bigint rr = big_parse(c, tmp);
        rr.neg = a->neg && rr.n;
        return rr;
    }
    return big_div_long(c, a, b, want_rem, q);
}

/* ---- values ---- */

static val str_val(const char *s) { return (val){false, s, {0}}; }
static val int_val(vl_ctx *c, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return (val){true, NULL, big_parse(c, b)};
}

static const char *to_str(vl_ctx *c, val *v)
{
    if (v->isint) {
        v->s = big_str(c, &v->i);
        v->isint = false;
    }
    return v->s;
}

static bool to_int(vl_ctx *c, val *v)
{
    if (v->isint) return true;
    if (!looks_like_integer(v->s)) return false;
    v->i = big_parse(c, v->s);
    v->isint = true;
    return true;
}

/* empty, or an integer zero ("0", "-00"...) */
static bool is_null(val *v)
{
    if (v->isint) return v->i.n == 0;
    const char *s = v->s;
    if (!*s) return true;
    s += *s == '-';
    if (!*s) return false;
    for (; *s; s++)
        if (*s != '0') return false;
    return true;
}

/* ---- the grammar ---- */

static bool more(ex *e) { return e->pos < e->n; }
static bool next_is(ex *e, const char *s)
{
    if (!more(e) || strcmp(e->args[e->pos], s) != 0) return false;
    e->pos++;
    return true;
}

static _Noreturn void syntax(ex *e, const char *fmt, const char *arg)
{
    vl_ctx *c = e->c;
    if (arg) vl_die(c, EXPR_INVALID, fmt, vl_quote_locale(c, arg));
    vl_die(c, EXPR_INVALID, "%s", fmt);
}

static void need_more(ex *e)
{
    if (!more(e)) syntax(e, "syntax error: missing argument after %s", e->args[e->pos - 1]);
}

static val eval_or(ex *e, bool ev);

/* STRING : REGEX */
static val docolon(ex *e, val *sv, val *pv)
{
    vl_ctx *c = e->c;
    const char *s = to_str(c, sv), *pat = to_str(c, pv);
    vl_re *re;
    vl_re_diag diag = {0};
    int rc = vl_re_compile(c->p, pat, strlen(pat), VL_RE_BRE, 0, &re, &diag);
    if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) vl_die(c, EXPR_INVALID, "%s", diag.msg);
    if (rc < 0) vl_exit(c, EXPR_FAILURE);
    vl_re_span m[2];
    size_t ng = vl_re_ngroups(re);
    rc = vl_re_search(re, s, strlen(s), 0, VL_RE_ANCHORED, m, 2);
    vl_re_free(re);
    if (rc < 0) {
        if (rc == VL_RE_ECOMPLEX) vl_die(c, EXPR_FAILURE, "error in regular expression matcher");
        vl_exit(c, EXPR_FAILURE);
    }
    if (rc == 1) {
        if (ng == 0) return int_val(c, m[0].eo - m[0].so);
        if (m[1].so < 0) return str_val("");
        char *r = vl_xmalloc(c, (size_t)(m[1].eo - m[1].so) + 1);
        memcpy(r, s + m[1].so, (size_t)(m[1].eo - m[1].so));
        r[m[1].eo - m[1].so] = '\0';
        return str_val(r);
    }
    return ng ? str_val("") : int_val(c, 0);
}

static val eval_primary(ex *e, bool ev)
{
    need_more(e);
    if (next_is(e, "(")) {
        val v = eval_or(e, ev);
        if (!more(e)) syntax(e, "syntax error: expecting ')' after %s", e->args[e->pos - 1]);
        if (!next_is(e, ")"))
            syntax(e, "syntax error: expecting ')' instead of %s", e->args[e->pos]);
        return v;
    }
    if (next_is(e, ")")) syntax(e, "syntax error: unexpected ')'", NULL);
    return str_val(e->args[e->pos++]);
}

/* the size_t GNU's getsize makes of an integer: negatives 0, too big SIZE_MAX */
static size_t get_size(const bigint *b)
{
    if (b->neg) return 0;
    if (b->n > 19) return SIZE_MAX;
    size_t v = 0;
    for (size_t k = b->n; k-- > 0;) v = v * 10 + b->d[k];
    return v;
}

static val eval_unary(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    need_more(e);
    if (next_is(e, "+")) {
        need_more(e);
        return str_val(e->args[e->pos++]);
    }
    if (next_is(e, "length")) {
        val r = eval_unary(e, ev);
        return int_val(c, (int64_t)strlen(to_str(c, &r)));
    }
    if (next_is(e, "match")) {
        val l = eval_unary(e, ev), r = eval_unary(e, ev);
        return ev ? docolon(e, &l, &r) : int_val(c, 0);
    }
    if (next_is(e, "index")) {
        val l = eval_unary(e, ev), r = eval_unary(e, ev);
        const char *s = to_str(c, &l), *set = to_str(c, &r);
        size_t k = strcspn(s, set);
        return int_val(c, s[k] ? (int64_t)k + 1 : 0);
    }
    if (next_is(e, "substr")) {
        val l = eval_unary(e, ev), i1 = eval_unary(e, ev), i2 = eval_unary(e, ev);
        const char *s = to_str(c, &l);
        if (!to_int(c, &i1) || !to_int(c, &i2)) return str_val("");
        size_t pos = get_size(&i1.i), len = get_size(&i2.i), slen = strlen(s);
        if (slen < pos || pos == 0 || len == 0) return str_val("");
        size_t n = len < slen - pos + 1 ? len : slen - pos + 1;
        char *r = vl_xmalloc(c, n + 1);
        memcpy(r, s + pos - 1, n);
        r[n] = '\0';
        return str_val(r);
    }
    return eval_primary(e, ev);
}

static val eval_colon(ex *e, bool ev)
{
    val l = eval_unary(e, ev);
    while (next_is(e, ":")) {
        val r = eval_unary(e, ev);
        if (ev) l = docolon(e, &l, &r);
    }
    return l;
}

static val eval_mul(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    val l = eval_colon(e, ev);
    for (;;) {
        int op;
        if (next_is(e, "*")) op = '*';
        else if (next_is(e, "/")) op = '/';
        else if (next_is(e, "%")) op = '%';
        else return l;
        val r = eval_colon(e, ev);
        if (!ev) continue;
        if (!to_int(c, &l) || !to_int(c, &r)) vl_die(c, EXPR_INVALID, "non-integer argument");
        if (op != '*' && r.i.n == 0) vl_die(c, EXPR_INVALID, "division by zero");
        bigint res = op == '*' ? big_mul(c, &l.i, &r.i) : big_div(c, &l.i, &r.i, op == '%');
        l = (val){true, NULL, res};
    }
}

static val eval_add(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    val l = eval_mul(e, ev);
    for (;;) {
        bool minus;
        if (next_is(e, "+")) minus = false;
        else if (next_is(e, "-")) minus = true;
        else return l;
        val r = eval_mul(e, ev);
        if (!ev) continue;
        if (!to_int(c, &l) || !to_int(c, &r)) vl_die(c, EXPR_INVALID, "non-integer argument");
        l = (val){true, NULL, big_add(c, &l.i, &r.i, minus)};
    }
}

static val eval_cmp(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    val l = eval_add(e, ev);
    for (;;) {
        int op; /* '<' 'l'(<=) '=' '!' 'g'(>=) '>' */
        if (next_is(e, "<")) op = '<';
        else if (next_is(e, "<=")) op = 'l';
        else if (next_is(e, "=") || next_is(e, "==")) op = '=';
        else if (next_is(e, "!=")) op = '!';
        else if (next_is(e, ">=")) op = 'g';
        else if (next_is(e, ">")) op = '>';
        else return l;
        val r = eval_add(e, ev);
        int res = 0;
        if (ev) {
            const char *ls = to_str(c, &l), *rs = to_str(c, &r);
            int cmp;
            if (looks_like_integer(ls) && looks_like_integer(rs)) {
                bigint a = big_parse(c, ls), b = big_parse(c, rs);
                cmp = big_cmp(&a, &b);
            } else {
                cmp = strcmp(ls, rs);
            }
            switch (op) {
            case '<': res = cmp < 0; break;
            case 'l': res = cmp <= 0; break;
            case '=': res = cmp == 0; break;
            case '!': res = cmp != 0; break;
            case 'g': res = cmp >= 0; break;
            default: res = cmp > 0; break;
            }
        }
        l = int_val(c, res);
    }
}

static val eval_and(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    val l = eval_cmp(e, ev);
    while (next_is(e, "&")) {
        val r = eval_cmp(e, ev && !is_null(&l));
        if (is_null(&l) || is_null(&r)) l = int_val(c, 0);
    }
    return l;
}

static val eval_or(ex *e, bool ev)
{
    vl_ctx *c = e->c;
    val l = eval_and(e, ev);
    while (next_is(e, "|")) {
        val r = eval_and(e, ev && is_null(&l));
        if (is_null(&l)) {
            l = r;
            if (is_null(&l)) l = int_val(c, 0);
        }
    }
    return l;
}

static int expr_main(vl_ctx *c, int argc, char **argv)
{
    /* Only --help and --version are options, and only as the first argument; "--" first is
     * skipped; everything else (-5, --5) is an operand. */
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "--version") == 0)) {
        if (argv[1][2] == 'h') vl_help(c);
        else vl_version(c);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
    if (argc <= first) vl_usage_error(c, "missing operand");
    ex e = {c, argv + first, 0, argc - first};
    val v = eval_or(&e, true);
    if (more(&e)) syntax(&e, "syntax error: unexpected argument %s", e.args[e.pos]);
    vl_puts(c, to_str(c, &v));
    vl_putc(c, '\n');
    return is_null(&v) ? 1 : 0;
}

static const vl_opt expr_opts[] = {{0}};
VL_COMMAND(expr, expr_main, expr_opts, "EXPRESSION\n  or:  expr OPTION",
           "Print the value of EXPRESSION to standard output.", VL_NO_OPTIONS, 2);
