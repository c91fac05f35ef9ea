/* jq_json.c: jq's values (refcounted, copy-on-write), their order and equality, the JSON
 * printer (jq's layout: 2-space indent, key order kept unless -S, jq's escapes and number
 * text) and the JSON reader (an iterative scanner modelled on jq's own, so its messages and
 * line/column positions match, nesting bounded at 10,000 as jq 1.7 does). */
#include "cmd/jq.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values come straight from the process arena (no per-allocation list of the command
 * context: a big input holds millions of them); the arena goes when the process ends. */
_Noreturn static void out_of_memory(jq_state *J)
{
    int w = vk_dying(J->c->p);
    vl_eprintf(J->c, "jq: error: cannot allocate memory\n");
    vl_exit(J->c, w ? VK_WSHELL(w) : 5);
}

void *jq_alloc(jq_state *J, size_t n)
{
    void *p = vk_malloc(J->c->p, n ? n : 1);
    if (!p) out_of_memory(J);
    return p;
}

void *jq_realloc(jq_state *J, void *p, size_t n)
{
    void *q = vk_realloc(J->c->p, p, n ? n : 1);
    if (!q) out_of_memory(J);
    return q;
}

void jq_free(jq_state *J, void *p)
{
    if (p) vk_free(J->c->p, p);
}

/* ---- references ---- */
jv jv_ref(jv v)
{
    switch (v.k) {
    case JV_STRING: v.u.s->rc++; break;
    case JV_ARRAY: v.u.a->rc++; break;
    case JV_OBJECT: v.u.o->rc++; break;
    case JV_NUMBER:
        if (v.lit) v.u.l->rc++;
        break;
    default: break;
    }
    return v;
}

void jv_unref(jq_state *J, jv v)
{
    switch (v.k) {
    case JV_STRING:
        if (--v.u.s->rc == 0) jq_free(J, v.u.s);
        break;
    case JV_NUMBER:
        if (v.lit && --v.u.l->rc == 0) jq_free(J, v.u.l);
        break;
    case JV_ARRAY:
        if (--v.u.a->rc == 0) {
            for (uint32_t i = 0; i < v.u.a->len; i++) jv_unref(J, v.u.a->v[i]);
            jq_free(J, v.u.a->v);
            jq_free(J, v.u.a);
        }
        break;
    case JV_OBJECT:
        if (--v.u.o->rc == 0) {
            for (uint32_t i = 0; i < v.u.o->len; i++) {
                jv_unref(J, v.u.o->e[i].key);
                jv_unref(J, v.u.o->e[i].val);
            }
            jq_free(J, v.u.o->e);
            jq_free(J, v.u.o->hidx);
            jq_free(J, v.u.o);
        }
        break;
    default: break;
    }
}

/* ---- strings ---- */
jv jv_str_new(jq_state *J, const char *s, size_t n)
{
    if (n > UINT32_MAX - 64) jq_fatal(J, "string too long");
    jv_str *p = jq_alloc(J, sizeof *p + n + 1);
    p->rc = 1;
    p->len = (uint32_t)n;
    p->hash = 0;
    if (n && s) memcpy(p->s, s, n); /* s NULL: the caller fills the bytes */
    p->s[n] = 0;
    jv v = {JV_STRING, 0, {0}};
    v.u.s = p;
    return v;
}

jv jv_str_c(jq_state *J, const char *s) { return jv_str_new(J, s, strlen(s)); }

jv jv_str_fmt(jq_state *J, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof buf) return jv_str_new(J, buf, (size_t)n);
    char *big = jq_alloc(J, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jv r = jv_str_new(J, big, (size_t)n);
    jq_free(J, big);
    return r;
}

jv jv_str_cat(jq_state *J, jv a, const char *s, size_t n)
{
    size_t al = a.u.s->len;
    if (al + n > UINT32_MAX - 64) jq_fatal(J, "string too long");
    if (n == 0) return a;
    if (a.u.s->rc == 1) {
        jv_str *p = jq_realloc(J, a.u.s, sizeof *p + al + n + 1);
        memcpy(p->s + al, s, n);
        p->len = (uint32_t)(al + n);
        p->s[al + n] = 0;
        p->hash = 0;
        a.u.s = p;
        return a;
    }
    jv r = jv_str_new(J, NULL, al + n);
    memcpy(r.u.s->s, a.u.s->s, al);
    memcpy(r.u.s->s + al, s, n);
    jv_unref(J, a);
    return r;
}

uint32_t jv_str_hash(jv s)
{
    if (s.u.s->hash) return s.u.s->hash;
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < s.u.s->len; i++) h = (h ^ (uint8_t)s.u.s->s[i]) * 16777619u;
    if (!h) h = 1;
    s.u.s->hash = h;
    return h;
}

jv jv_num_lit(jq_state *J, double d, const char *s, size_t n)
{
    jv_lit *l = jq_alloc(J, sizeof *l + n + 1);
    l->rc = 1;
    l->d = d;
    memcpy(l->s, s, n);
    l->s[n] = 0;
    jv v = {JV_NUMBER, 1, {0}};
    v.u.l = l;
    return v;
}

/* ---- arrays ---- */
jv jv_arr_new(jq_state *J, size_t cap)
{
    jv_arr *a = jq_alloc(J, sizeof *a);
    a->rc = 1;
    a->len = 0;
    a->cap = (uint32_t)(cap ? cap : 4);
    a->v = jq_alloc(J, a->cap * sizeof(jv));
    jv v = {JV_ARRAY, 0, {0}};
    v.u.a = a;
    return v;
}

jv jv_unshare(jq_state *J, jv v)
{
    if (v.k == JV_ARRAY && v.u.a->rc > 1) {
        jv r = jv_arr_new(J, v.u.a->len + 1);
        for (uint32_t i = 0; i < v.u.a->len; i++) r.u.a->v[i] = jv_ref(v.u.a->v[i]);
        r.u.a->len = v.u.a->len;
        jv_unref(J, v);
        return r;
    }
    if (v.k == JV_OBJECT && v.u.o->rc > 1) {
        jv r = jv_obj_new(J);
        jv_obj *o = v.u.o, *d = r.u.o;
        d->cap = o->len + 1;
        d->e = jq_realloc(J, d->e, d->cap * sizeof(jv_ent));
        for (uint32_t i = 0; i < o->len; i++) {
            d->e[i].key = jv_ref(o->e[i].key);
            d->e[i].val = jv_ref(o->e[i].val);
        }
        d->len = o->len;
        if (o->hidx) {
            d->hcap = o->hcap;
            d->hidx = jq_alloc(J, o->hcap * sizeof(uint32_t));
            memcpy(d->hidx, o->hidx, o->hcap * sizeof(uint32_t));
        }
        jv_unref(J, v);
        return r;
    }
    return v;
}

jv jv_arr_push(jq_state *J, jv a, jv x)
{
    a = jv_unshare(J, a);
    jv_arr *p = a.u.a;
    if (p->len == p->cap) {
        if (p->cap > UINT32_MAX / 4) jq_fatal(J, "array too long");
        p->cap *= 2;
        p->v = jq_realloc(J, p->v, p->cap * sizeof(jv));
    }
    p->v[p->len++] = x;
    return a;
}

jv jv_arr_set(jq_state *J, jv a, size_t i, jv x)
{
    if (i > 536870912) {
        jv_unref(J, x);
        jq_fatal(J, "Array index too large");
    }
    a = jv_unshare(J, a);
    jv_arr *p = a.u.a;
    if (i >= p->cap) {
        p->cap = (uint32_t)(i + 1 > p->cap * 2 ? i + 1 : p->cap * 2);
        p->v = jq_realloc(J, p->v, p->cap * sizeof(jv));
    }
    while (p->len <= i) p->v[p->len++] = jv_null();
    jv_unref(J, p->v[i]);
    p->v[i] = x;
    return a;
}

jv jv_arr_get(jv a, size_t i)
{
    if (i >= a.u.a->len) return jv_invalid();
    return a.u.a->v[i];
}

/* ---- objects ---- */
jv jv_obj_new(jq_state *J)
{
    jv_obj *o = jq_alloc(J, sizeof *o);
    o->rc = 1;
    o->len = 0;
    o->cap = 4;
    o->e = jq_alloc(J, o->cap * sizeof(jv_ent));
    o->hidx = NULL;
    o->hcap = 0;
    jv v = {JV_OBJECT, 0, {0}};
    v.u.o = o;
    return v;
}

static bool str_eq(jv a, const char *s, size_t n)
{
    return a.u.s->len == n && memcmp(a.u.s->s, s, n) == 0;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h ? h : 1;
}

static void obj_rehash(jq_state *J, jv_obj *o)
{
    uint32_t hc = 16;
    while (hc < o->len * 2 + 2) hc *= 2;
    jq_free(J, o->hidx);
    o->hidx = jq_alloc(J, hc * sizeof(uint32_t));
    memset(o->hidx, 0, hc * sizeof(uint32_t));
    o->hcap = hc;
    for (uint32_t i = 0; i < o->len; i++) {
        uint32_t h = jv_str_hash(o->e[i].key) & (hc - 1);
        while (o->hidx[h]) h = (h + 1) & (hc - 1);
        o->hidx[h] = i + 1;
    }
}

static long obj_find(jv_obj *o, const char *s, size_t n)
{
    if (!o->hidx) {
        for (uint32_t i = 0; i < o->len; i++)
            if (str_eq(o->e[i].key, s, n)) return i;
        return -1;
    }
    uint32_t h = hash_bytes(s, n) & (o->hcap - 1);
    while (o->hidx[h]) {
        uint32_t i = o->hidx[h] - 1;
        if (str_eq(o->e[i].key, s, n)) return i;
        h = (h + 1) & (o->hcap - 1);
    }
    return -1;
}

jv jv_obj_getc(jv o, const char *key, size_t n)
{
    long i = obj_find(o.u.o, key, n);
    return i < 0 ? jv_invalid() : o.u.o->e[i].val;
}

jv jv_obj_get(jv o, jv key) { return jv_obj_getc(o, key.u.s->s, key.u.s->len); }

jv jv_obj_set(jq_state *J, jv ov, jv key, jv val)
{
    ov = jv_unshare(J, ov);
    jv_obj *o = ov.u.o;
    long i = obj_find(o, key.u.s->s, key.u.s->len);
    if (i >= 0) {
        jv_unref(J, o->e[i].val);
        o->e[i].val = val;
        jv_unref(J, key);
        return ov;
    }
    if (o->len == o->cap) {
        if (o->cap > UINT32_MAX / 4) jq_fatal(J, "object too big");
        o->cap *= 2;
        o->e = jq_realloc(J, o->e, o->cap * sizeof(jv_ent));
    }
    o->e[o->len].key = key;
    o->e[o->len].val = val;
    o->len++;
    if (o->hidx && o->len * 2 + 2 <= o->hcap) {
        uint32_t h = jv_str_hash(key) & (o->hcap - 1);
        while (o->hidx[h]) h = (h + 1) & (o->hcap - 1);
        o->hidx[h] = o->len;
    } else if (o->len > 8) {
        obj_rehash(J, o);
    }
    return ov;
}

jv jv_obj_del(jq_state *J, jv ov, jv key)
{
    long i = obj_find(ov.u.o, key.u.s->s, key.u.s->len);
    if (i < 0) return ov;
    ov = jv_unshare(J, ov);
    jv_obj *o = ov.u.o;
    jv_unref(J, o->e[i].key);
    jv_unref(J, o->e[i].val);
    memmove(o->e + i, o->e + i + 1, (o->len - (size_t)i - 1) * sizeof(jv_ent));
    o->len--;
    if (o->hidx) obj_rehash(J, o);
    return ov;
}

size_t jv_len(jv v)
{
    switch (v.k) {
    case JV_STRING: return v.u.s->len;
    case JV_ARRAY: return v.u.a->len;
    case JV_OBJECT: return v.u.o->len;
    default: return 0;
    }
}

static int str_cmp(jv a, jv b)
{
    size_t n = a.u.s->len < b.u.s->len ? a.u.s->len : b.u.s->len;
    int r = memcmp(a.u.s->s, b.u.s->s, n);
    if (r) return r < 0 ? -1 : 1;
    return a.u.s->len < b.u.s->len ? -1 : a.u.s->len > b.u.s->len;
}

static int key_cmp(const void *x, const void *y) { return str_cmp(*(const jv *)x, *(const jv *)y); }

jv jv_obj_keys_sorted(jq_state *J, jv o)
{
    jv r = jv_arr_new(J, o.u.o->len + 1);
    for (uint32_t i = 0; i < o.u.o->len; i++) r.u.a->v[i] = jv_ref(o.u.o->e[i].key);
    r.u.a->len = o.u.o->len;
    qsort(r.u.a->v, r.u.a->len, sizeof(jv), key_cmp);
    return r;
}

/* ---- order ---- */
static int kind_rank(jv v) { return v.k; }

int jv_cmp(jq_state *J, jv a, jv b)
{
    if (a.k != b.k) return kind_rank(a) < kind_rank(b) ? -1 : 1;
    switch (a.k) {
    case JV_NUMBER: {
        /* jq's order: nan sorts below every number (and below itself) */
        double x = jv_n(a), y = jv_n(b);
        if (isnan(x)) return -1;
        if (isnan(y)) return 1;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    case JV_STRING: return str_cmp(a, b);
    case JV_ARRAY: {
        uint32_t n = a.u.a->len < b.u.a->len ? a.u.a->len : b.u.a->len;
        for (uint32_t i = 0; i < n; i++) {
            int r = jv_cmp(J, a.u.a->v[i], b.u.a->v[i]);
            if (r) return r;
        }
        return a.u.a->len < b.u.a->len ? -1 : a.u.a->len > b.u.a->len;
    }
    case JV_OBJECT: {
        /* jq: first the sorted key lists, then the values in key order */
        jv ka = jv_obj_keys_sorted(J, a), kb = jv_obj_keys_sorted(J, b);
        int r = jv_cmp(J, ka, kb);
        for (uint32_t i = 0; r == 0 && i < ka.u.a->len; i++)
            r = jv_cmp(J, jv_obj_get(a, ka.u.a->v[i]), jv_obj_get(b, ka.u.a->v[i]));
        jv_unref(J, ka);
        jv_unref(J, kb);
        return r;
    }
    default: return 0;
    }
}

bool jv_equal(jv a, jv b)
{
    if (a.k != b.k) return false;
    switch (a.k) {
    case JV_NUMBER: return jv_n(a) == jv_n(b);
    case JV_STRING: return a.u.s == b.u.s || str_cmp(a, b) == 0;
    case JV_ARRAY:
        if (a.u.a == b.u.a) return true;
        if (a.u.a->len != b.u.a->len) return false;
        for (uint32_t i = 0; i < a.u.a->len; i++)
            if (!jv_equal(a.u.a->v[i], b.u.a->v[i])) return false;
        return true;
    case JV_OBJECT:
        if (a.u.o == b.u.o) return true;
        if (a.u.o->len != b.u.o->len) return false;
        for (uint32_t i = 0; i < a.u.o->len; i++) {
            jv y = jv_obj_get(b, a.u.o->e[i].key);
            if (y.k == JV_INVALID || !jv_equal(a.u.o->e[i].val, y)) return false;
        }
        return true;
    default: return true;
    }
}

const char *jv_kind_name(jv v)
{
    static const char *const names[] = {"<invalid>", "null", "boolean", "boolean",
                                        "number", "string", "array", "object"};
    return names[v.k];
}

/* ---- number text ---- */

/* jq's layout of shortest round-trip digits (its jvp_dtoa_fmt): plain notation unless the
 * decimal point lies 4 places left of the first digit or more than 15 places beyond the
 * last one; exponents have at least two digits. */
void jq_num_fmt(double d, char *buf)
{
    if (isnan(d)) {
        strcpy(buf, "null");
        return;
    }
    if (isinf(d)) d = d > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    if (d == 0) {
        strcpy(buf, signbit(d) ? "-0" : "0");
        return;
    }
    if (d == (double)(int64_t)d && fabs(d) < 1e15) {
        snprintf(buf, 32, "%lld", (long long)d);
        return;
    }
    char tmp[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    /* tmp: [-]D[.DDD]e[+-]XX */
    char digits[24];
    int nd = 0;
    const char *p = tmp;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1;
    char *o = buf;
    if (neg) *o++ = '-';
    if (decpt <= -4 || decpt > nd + 15) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        int e = decpt - 1;
        if (e < 0) {
            *o++ = '-';
            e = -e;
        } else {
            *o++ = '+';
        }
        o += sprintf(o, "%02d", e);
    } else if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -decpt; i++) *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else if (decpt >= nd) {
        memcpy(o, digits, (size_t)nd);
        o += nd;
        for (int i = nd; i < decpt; i++) *o++ = '0';
    } else {
        memcpy(o, digits, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, digits + decpt, (size_t)(nd - decpt));
        o += nd - decpt;
    }
    *o = 0;
}

/* ---- printing ---- */

/* Decode one UTF-8 sequence at s[0..n) (input is valid: the reader and every builtin
 * produce valid UTF-8); returns the length and sets *cp. */
static int utf8_dec(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80 || n < 2) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0 || n < 4) {
        if (n < 3) {
            *cp = c;
            return 1;
        }
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

static void dump_str(jq_state *J, vl_buf *b, const char *s, size_t n, bool ascii)
{
    static const char hex[] = "0123456789abcdef";
    vl_buf_addc(J->c, b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f && (ch < 0x80 || !ascii)) {
            i++;
            run++;
            continue;
        }
        if (run) vl_buf_add(J->c, b, s + i - run, run);
        run = 0;
        char esc[16];
        switch (ch) {
        case '"': vl_buf_add(J->c, b, "\\\"", 2); i++; continue;
        case '\\': vl_buf_add(J->c, b, "\\\\", 2); i++; continue;
        case '\n': vl_buf_add(J->c, b, "\\n", 2); i++; continue;
        case '\t': vl_buf_add(J->c, b, "\\t", 2); i++; continue;
        case '\r': vl_buf_add(J->c, b, "\\r", 2); i++; continue;
        case '\b': vl_buf_add(J->c, b, "\\b", 2); i++; continue;
        case '\f': vl_buf_add(J->c, b, "\\f", 2); i++; continue;
        default: break;
        }
        unsigned cp;
        int l = utf8_dec((const unsigned char *)s + i, n - i, &cp);
        i += (size_t)l;
        if (cp >= 0x10000) {
            unsigned v = cp - 0x10000;
            unsigned hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
            esc[0] = '\\'; esc[1] = 'u';
            esc[2] = hex[hi >> 12]; esc[3] = hex[(hi >> 8) & 15]; esc[4] = hex[(hi >> 4) & 15]; esc[5] = hex[hi & 15];
            esc[6] = '\\'; esc[7] = 'u';
            esc[8] = hex[lo >> 12]; esc[9] = hex[(lo >> 8) & 15]; esc[10] = hex[(lo >> 4) & 15]; esc[11] = hex[lo & 15];
            vl_buf_add(J->c, b, esc, 12);
        } else {
            esc[0] = '\\'; esc[1] = 'u';
            esc[2] = hex[cp >> 12]; esc[3] = hex[(cp >> 8) & 15]; esc[4] = hex[(cp >> 4) & 15]; esc[5] = hex[cp & 15];
            vl_buf_add(J->c, b, esc, 6);
        }
    }
    if (run) vl_buf_add(J->c, b, s + n - run, run);
    vl_buf_addc(J->c, b, '"');
}

static void newline_indent(jq_state *J, vl_buf *b, int flags, int indent, int level)
{
    vl_buf_addc(J->c, b, '\n');
    if (flags & JQ_DUMP_TAB) {
        for (int i = 0; i < level; i++) vl_buf_addc(J->c, b, '\t');
    } else {
        for (int i = 0; i < level * indent; i++) vl_buf_addc(J->c, b, ' ');
    }
}

static void dump_rec(jq_state *J, vl_buf *b, jv v, int flags, int indent, int level)
{
    char nb[40];
    bool pretty = flags & JQ_DUMP_PRETTY;
    if (vk_stack_low() || level > 100000) jq_fatal(J, "Exceeds depth limit for printing");
    switch (v.k) {
    case JV_INVALID: vl_buf_adds(J->c, b, "<invalid>"); break;
    case JV_NULL: vl_buf_add(J->c, b, "null", 4); break;
    case JV_FALSE: vl_buf_add(J->c, b, "false", 5); break;
    case JV_TRUE: vl_buf_add(J->c, b, "true", 4); break;
    case JV_NUMBER:
        if (v.lit) {
            vl_buf_adds(J->c, b, v.u.l->s);
        } else {
            jq_num_fmt(v.u.n, nb);
            vl_buf_adds(J->c, b, nb);
        }
        break;
    case JV_STRING: dump_str(J, b, v.u.s->s, v.u.s->len, flags & JQ_DUMP_ASCII); break;
    case JV_ARRAY:
        if (v.u.a->len == 0) {
            vl_buf_add(J->c, b, "[]", 2);
            break;
        }
        vl_buf_addc(J->c, b, '[');
        for (uint32_t i = 0; i < v.u.a->len; i++) {
            if (i) vl_buf_addc(J->c, b, ',');
            if (pretty) newline_indent(J, b, flags, indent, level + 1);
            dump_rec(J, b, v.u.a->v[i], flags, indent, level + 1);
        }
        if (pretty) newline_indent(J, b, flags, indent, level);
        vl_buf_addc(J->c, b, ']');
        break;
    case JV_OBJECT: {
        if (v.u.o->len == 0) {
            vl_buf_add(J->c, b, "{}", 2);
            break;
        }
        vl_buf_addc(J->c, b, '{');
        jv keys = jv_invalid();
        if (flags & JQ_DUMP_SORT) keys = jv_obj_keys_sorted(J, v);
        for (uint32_t i = 0; i < v.u.o->len; i++) {
            if (i) vl_buf_addc(J->c, b, ',');
            if (pretty) newline_indent(J, b, flags, indent, level + 1);
            jv k = keys.k == JV_ARRAY ? keys.u.a->v[i] : v.u.o->e[i].key;
            jv val = keys.k == JV_ARRAY ? jv_obj_get(v, k) : v.u.o->e[i].val;
            dump_str(J, b, k.u.s->s, k.u.s->len, flags & JQ_DUMP_ASCII);
            vl_buf_addc(J->c, b, ':');
            if (pretty) vl_buf_addc(J->c, b, ' ');
            dump_rec(J, b, val, flags, indent, level + 1);
        }
        if (keys.k == JV_ARRAY) jv_unref(J, keys);
        if (pretty) newline_indent(J, b, flags, indent, level);
        vl_buf_addc(J->c, b, '}');
        break;
    }
    }
}

void jq_dump(jq_state *J, vl_buf *b, jv v, int flags, int indent)
{
    if (indent == 0 && !(flags & JQ_DUMP_TAB)) flags &= ~JQ_DUMP_PRETTY;
    dump_rec(J, b, v, flags, indent, 0);
}

/* ---- reading ---- */

#define MAX_DEPTH 10000

typedef struct jq_parser {
    jv *stack; /* containers being built; an object's pending key is pushed after it */
    size_t sp, scap;
    jv next;   /* the value just completed, not yet placed */
    bool has_next;
    vl_buf tok;  /* literal or string bytes */
    int in_str;  /* 0, 1 in a string, 2 after a backslash */
    bool tok_open;
    int line, col;
    int last; /* for ':' rules: 1 after a value that may be a key */
    jv keys[64]; /* recent object keys: objects of one input share their key strings */
} jq_parser;

struct jq_reader {
    char **files;
    int nfiles, idx;
    vl_in *in;
    bool in_open, done;
    char *buf;
    size_t pos, len;
    jq_parser P;
    int nlines;     /* newlines consumed */
    int valline;    /* jq's position of the last value: lines fed to its parser */
    bool raw, open_err, bom_checked;
    const char *name;
};

static void p_push(jq_state *J, jq_parser *P, jv v)
{
    if (P->sp == P->scap) {
        P->scap = P->scap ? P->scap * 2 : 16;
        P->stack = jq_realloc(J, P->stack, P->scap * sizeof(jv));
    }
    P->stack[P->sp++] = v;
}

static const char *p_value(jq_state *J, jq_parser *P, jv v)
{
    if (P->has_next) {
        jv_unref(J, v);
        return "Expected separator between values";
    }
    P->next = v;
    P->has_next = true;
    return NULL;
}

/* Decode a JSON number the way jq accepts it (strtod's syntax, so also "+1", ".5", "1."). */
static const char *p_literal(jq_state *J, jq_parser *P)
{
    if (!P->tok_open) return NULL;
    P->tok_open = false;
    const char *s = P->tok.data;
    size_t n = P->tok.len;
    vl_buf_addc(J->c, &P->tok, 0);
    s = P->tok.data;
    P->tok.len = 0;
    if (s[0] == 't' || s[0] == 'f' || s[0] == 'n') {
        if (n == 4 && !memcmp(s, "true", 4)) return p_value(J, P, jv_bool(true));
        if (n == 5 && !memcmp(s, "false", 5)) return p_value(J, P, jv_bool(false));
        if (n == 4 && !memcmp(s, "null", 4)) return p_value(J, P, jv_null());
        if (n == 3 && !memcmp(s, "nan", 3)) return p_value(J, P, jv_num(NAN));
        return "Invalid literal";
    }
    char *end;
    double d = strtod(s, &end);
    if (end != s + n || n == 0 || s[0] == ' ' || (n > 1 && (s[n - 1] == 'x' || s[n-1]=='X')))
        return "Invalid numeric literal";
    for (size_t i = 0; i < n; i++) /* no hex floats, inf or nan spellings from strtod */
        if (s[i] == 'x' || s[i] == 'X' || s[i] == 'i' || s[i] == 'I' || s[i] == 'n' || s[i] == 'N')
            return "Invalid numeric literal";
    /* a big integer literal keeps its digits (jq 1.7 prints literals as written) */
    size_t dstart = s[0] == '-' ? 1 : 0;
    bool intlit = n - dstart > 17 && s[dstart] != '0';
    for (size_t i = dstart; intlit && i < n; i++)
        if (s[i] < '0' || s[i] > '9') intlit = false;
    if (intlit && isfinite(d)) return p_value(J, P, jv_num_lit(J, d, s, n));
    return p_value(J, P, jv_num(d));
}

/* A finished container keeps only the room it uses. */
static void shrink(jq_state *J, jv v)
{
    if (v.k == JV_ARRAY && v.u.a->cap > v.u.a->len + 1) {
        v.u.a->cap = v.u.a->len ? v.u.a->len : 1;
        v.u.a->v = jq_realloc(J, v.u.a->v, v.u.a->cap * sizeof(jv));
    } else if (v.k == JV_OBJECT && v.u.o->cap > v.u.o->len + 1) {
        v.u.o->cap = v.u.o->len ? v.u.o->len : 1;
        v.u.o->e = jq_realloc(J, v.u.o->e, v.u.o->cap * sizeof(jv_ent));
    }
}

static const char *p_token(jq_state *J, jq_parser *P, char ch)
{
    switch (ch) {
    case '[':
    case '{':
        if (P->sp >= MAX_DEPTH) return "Exceeds depth limit for parsing";
        if (P->has_next) return "Expected separator between values";
        p_push(J, P, ch == '[' ? jv_arr_new(J, 4) : jv_obj_new(J));
        P->last = 0;
        return NULL;
    case ':':
        if (P->sp == 0 || P->stack[P->sp - 1].k != JV_OBJECT)
            return "':' not as part of an object";
        if (!P->has_next) return "Expected string key before ':'";
        if (P->next.k != JV_STRING) return "Object keys must be strings";
        if (P->last != 1) return "':' should follow a key";
        {
            uint32_t h = jv_str_hash(P->next) & 63;
            jv old = P->keys[h];
            if (old.k == JV_STRING && old.u.s->len == P->next.u.s->len &&
                memcmp(old.u.s->s, P->next.u.s->s, old.u.s->len) == 0) {
                jv_unref(J, P->next);
                P->next = jv_ref(old);
            } else {
                if (old.k == JV_STRING) jv_unref(J, old);
                P->keys[h] = jv_ref(P->next);
            }
        }
        p_push(J, P, P->next);
        P->has_next = false;
        P->last = 2;
        return NULL;
    case ',':
        if (!P->has_next) return "Expected value before ','";
        if (P->sp == 0) return "',' not as part of an object or array";
        if (P->stack[P->sp - 1].k == JV_ARRAY) {
            P->stack[P->sp - 1] = jv_arr_push(J, P->stack[P->sp - 1], P->next);
            P->has_next = false;
        } else if (P->stack[P->sp - 1].k == JV_STRING) {
            jv key = P->stack[--P->sp];
            P->stack[P->sp - 1] = jv_obj_set(J, P->stack[P->sp - 1], key, P->next);
            P->has_next = false;
        } else {
            return "Objects must consist of key:value pairs";
        }
        P->last = 0;
        return NULL;
    case ']':
        if (P->sp == 0 || P->stack[P->sp - 1].k != JV_ARRAY) return "Unmatched ']'";
        if (P->has_next) {
            P->stack[P->sp - 1] = jv_arr_push(J, P->stack[P->sp - 1], P->next);
            P->has_next = false;
        } else if (P->stack[P->sp - 1].u.a->len != 0) {
            return "Expected another array element";
        }
        P->next = P->stack[--P->sp];
        shrink(J, P->next);
        P->has_next = true;
        P->last = 0;
        return NULL;
    case '}':
        if (P->sp == 0) return "Unmatched '}'";
        if (P->has_next) {
            if (P->stack[P->sp - 1].k != JV_STRING) return "Objects must consist of key:value pairs";
            jv key = P->stack[--P->sp];
            P->stack[P->sp - 1] = jv_obj_set(J, P->stack[P->sp - 1], key, P->next);
            P->has_next = false;
        } else {
            if (P->stack[P->sp - 1].k != JV_OBJECT) return "Unmatched '}'";
            if (P->stack[P->sp - 1].u.o->len != 0) return "Expected another key-value pair";
        }
        if (P->stack[P->sp - 1].k != JV_OBJECT) return "Unmatched '}'";
        P->next = P->stack[--P->sp];
        shrink(J, P->next);
        P->has_next = true;
        P->last = 0;
        return NULL;
    }
    return NULL;
}

static void put_utf8(jq_state *J, vl_buf *b, unsigned cp)
{
    char o[4];
    if (cp < 0x80) {
        o[0] = (char)cp;
        vl_buf_add(J->c, b, o, 1);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        vl_buf_add(J->c, b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        vl_buf_add(J->c, b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        vl_buf_add(J->c, b, o, 4);
    }
}

void jq_put_utf8(jq_state *J, vl_buf *b, unsigned cp);
void jq_put_utf8(jq_state *J, vl_buf *b, unsigned cp) { put_utf8(J, b, cp); }

/* Append s[0..n) to b with invalid UTF-8 replaced by U+FFFD, as jq does on input. */
void jq_utf8_clean(jq_state *J, vl_buf *b, const char *s, size_t n);
void jq_utf8_clean(jq_state *J, vl_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        while (i < n && u[i] < 0x80) i++;
        if (i > st) vl_buf_add(J->c, b, s + st, i - st);
        if (i >= n) break;
        unsigned c = u[i];
        int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        bool ok = len > 0 && i + (size_t)len <= n;
        for (int k = 1; ok && k < len; k++)
            if ((u[i + (size_t)k] & 0xC0) != 0x80) ok = false;
        if (ok) {
            unsigned cp;
            utf8_dec(u + i, (size_t)len, &cp);
            if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
                ok = false;
        }
        if (ok) {
            vl_buf_add(J->c, b, s + i, (size_t)len);
            i += (size_t)len;
        } else {
            vl_buf_add(J->c, b, "\xEF\xBF\xBD", 3);
            i++;
            /* skip the continuation bytes of this broken sequence */
            while (i < n && (u[i] & 0xC0) == 0x80 && len-- > 1) i++;
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The raw bytes of a string (between the quotes) into a value: escapes decoded, invalid
 * UTF-8 replaced. */
static const char *p_string(jq_state *J, jq_parser *P, const char *s, size_t n, jv *out)
{
    vl_buf *b = &J->tmp;
    b->len = 0;
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        while (i < n && s[i] != '\\') i++;
        if (i > st) jq_utf8_clean(J, b, s + st, i - st);
        if (i >= n) break;
        i++;
        if (i >= n) return "Expected escape character at end of string";
        char e = s[i++];
        switch (e) {
        case '"': case '\\': case '/': vl_buf_addc(J->c, b, e); break;
        case 'b': vl_buf_addc(J->c, b, '\b'); break;
        case 'f': vl_buf_addc(J->c, b, '\f'); break;
        case 'n': vl_buf_addc(J->c, b, '\n'); break;
        case 'r': vl_buf_addc(J->c, b, '\r'); break;
        case 't': vl_buf_addc(J->c, b, '\t'); break;
        case 'u': {
            if (i + 4 > n) return "Invalid \\uXXXX escape";
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexval((unsigned char)s[i + (size_t)k]);
                if (h < 0) return "Invalid characters in \\uXXXX escape";
                cp = cp * 16 + (unsigned)h;
            }
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo = 0;
                bool pair = i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u';
                for (int k = 0; pair && k < 4; k++) {
                    int h = hexval((unsigned char)s[i + 2 + (size_t)k]);
                    if (h < 0) pair = false;
                    else lo = lo * 16 + (unsigned)h;
                }
                if (pair && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else {
                    return "Invalid \\uXXXX\\uXXXX surrogate pair escape";
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return "Invalid \\uXXXX\\uXXXX surrogate pair escape";
            }
            put_utf8(J, b, cp);
            break;
        }
        default: return "Invalid escape";
        }
    }
    *out = jv_str_new(J, b->data, b->len);
    return NULL;
}

static void p_reset(jq_state *J, jq_parser *P)
{
    for (size_t i = 0; i < P->sp; i++) jv_unref(J, P->stack[i]);
    P->sp = 0;
    if (P->has_next) jv_unref(J, P->next);
    P->has_next = false;
    P->tok.len = 0;
    P->tok_open = false;
    P->in_str = 0;
}

static jv p_error(jq_state *J, jq_parser *P, const char *msg)
{
    jv e = jv_str_fmt(J, "%s at line %d, column %d", msg, P->line, P->col);
    p_reset(J, P);
    return e;
}

static bool is_ws(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }
static bool is_struct(int ch)
{
    return ch == '[' || ch == '{' || ch == ':' || ch == ',' || ch == ']' || ch == '}';
}

/* Feed bytes s[0..n) to the parser. Stops after a complete top-level value: returns the bytes
 * used and sets *got; or -1 with *err on a parse error. */
static long p_feed(jq_state *J, jq_parser *P, const char *s, size_t n, jv *out, bool *got, jv *err)
{
    size_t i = 0;
    *got = false;
    while (i < n) {
        char ch = s[i];
        if (P->in_str) {
            /* the fast path: a run of plain string bytes */
            size_t st = i;
            while (i < n && s[i] != '"' && s[i] != '\\' && s[i] != '\n') i++;
            if (P->in_str == 2 && i > st) {
                /* just after a backslash: the escaped character is the first of the run */
                P->in_str = 1;
            }
            if (i > st) {
                vl_buf_add(J->c, &P->tok, s + st, i - st);
                P->col += (int)(i - st);
                if (P->in_str == 2) P->in_str = 1;
                continue;
            }
            ch = s[i++];
            P->col++;
            if (ch == '\n') {
                P->line++;
                P->col = 0;
            }
            if (P->in_str == 2) {
                vl_buf_addc(J->c, &P->tok, ch);
                P->in_str = 1;
                continue;
            }
            if (ch == '\\') {
                vl_buf_addc(J->c, &P->tok, ch);
                P->in_str = 2;
                continue;
            }
            if (ch == '"') {
                P->in_str = 0;
                for (size_t q = 0; q < P->tok.len; q++)
                    if ((unsigned char)P->tok.data[q] < 0x20) {
                        *err = p_error(J, P, "Invalid string: control characters from U+0000 through U+001F must be escaped");
                        return -1;
                    }
                jv v;
                const char *m = p_string(J, P, P->tok.data, P->tok.len, &v);
                P->tok.len = 0;
                if (!m) m = p_value(J, P, v);
                if (m) {
                    *err = p_error(J, P, m);
                    return -1;
                }
                P->last = 1;
            } else {
                vl_buf_addc(J->c, &P->tok, ch);
                continue;
            }
        } else {
            i++;
            P->col++;
            if (ch == '\n') {
                P->line++;
                P->col = 0;
            }
            if (is_ws(ch) || is_struct(ch) || ch == '"') {
                const char *m = p_literal(J, P);
                if (!m && is_struct(ch)) m = p_token(J, P, ch);
                if (m) {
                    *err = p_error(J, P, m);
                    return -1;
                }
                if (ch == '"') {
                    if (P->has_next && P->sp == 0) {
                        /* a complete value before this string: hand it out first */
                        i--;
                        P->col--;
                    } else {
                        P->in_str = 1;
                        P->tok.len = 0;
                        continue;
                    }
                }
            } else {
                if (!P->tok_open) {
                    if (P->has_next && P->sp == 0) {
                        i--;
                        P->col--;
                        goto emit;
                    }
                    P->tok.len = 0;
                    P->tok_open = true;
                }
                vl_buf_addc(J->c, &P->tok, ch);
                continue;
            }
        }
    emit:
        if (P->has_next && P->sp == 0 && !P->tok_open) {
            *out = P->next;
            P->has_next = false;
            *got = true;
            return (long)i;
        }
    }
    return (long)i;
}

/* End of all input: the last literal, or an unfinished value. */
static int p_finish(jq_state *J, jq_parser *P, jv *out, jv *err)
{
    if (P->in_str || P->sp) {
        *err = p_error(J, P, "Unfinished JSON term at EOF");
        return -1;
    }
    const char *m = p_literal(J, P);
    if (m) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s at EOF", m);
        *err = p_error(J, P, buf);
        return -1;
    }
    if (P->has_next) {
        *out = P->next;
        P->has_next = false;
        return 1;
    }
    return 0;
}

jv jq_parse_json(jq_state *J, const char *s, size_t n, jv *err)
{
    jq_parser P;
    memset(&P, 0, sizeof P);
    P.line = 1;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        s += 3;
        n -= 3;
    }
    jv out = jv_invalid(), extra;
    bool got;
    long used = p_feed(J, &P, s, n, &out, &got, err);
    if (used < 0) goto fail;
    if (!got) {
        int rc = p_finish(J, &P, &out, err);
        if (rc < 0) goto fail;
        if (rc == 0) {
            *err = jv_invalid(); /* empty text */
            goto fail;
        }
    } else {
        bool got2;
        long u2 = p_feed(J, &P, s + used, n - (size_t)used, &extra, &got2, err);
        int rc = 0;
        if (u2 >= 0 && !got2) rc = p_finish(J, &P, &extra, err);
        if (u2 < 0 || rc < 0) {
            jv_unref(J, out);
            goto fail;
        }
        if (got2 || rc > 0) {
            jv_unref(J, extra);
            jv_unref(J, out);
            *err = jv_str_fmt(J, "Unexpected extra JSON values");
            goto fail;
        }
    }
    for (int i = 0; i < 64; i++)
        if (P.keys[i].k == JV_STRING) jv_unref(J, P.keys[i]);
    vl_buf_free(J->c, &P.tok);
    jq_free(J, P.stack);
    return out;
fail:
    for (int i = 0; i < 64; i++)
        if (P.keys[i].k == JV_STRING) jv_unref(J, P.keys[i]);
    p_reset(J, &P);
    vl_buf_free(J->c, &P.tok);
    jq_free(J, P.stack);
    return jv_invalid();
}

/* ---- the input reader ---- */
jq_reader *jq_reader_new(jq_state *J, char **files, int nfiles, bool raw);
jq_reader *jq_reader_new(jq_state *J, char **files, int nfiles, bool raw)
{
    jq_reader *R = jq_alloc(J, sizeof *R);
    memset(R, 0, sizeof *R);
    R->files = files;
    R->nfiles = nfiles;
    R->raw = raw;
    R->P.line = 1;
    R->name = NULL;
    return R;
}

bool jq_reader_started(jq_reader *R);
bool jq_reader_started(jq_reader *R) { return R->in_open || R->done; }
bool jq_reader_open_failed(jq_reader *R);
bool jq_reader_open_failed(jq_reader *R) { return R->open_err; }
int jq_reader_line(jq_reader *R);
int jq_reader_line(jq_reader *R) { return R->valline; }
const char *jq_reader_name(jq_reader *R);
const char *jq_reader_name(jq_reader *R) { return R->name; }

/* Make bytes available: 1, or 0 at the end of the last file. */
static int rd_fill(jq_state *J, jq_reader *R)
{
    for (;;) {
        if (R->pos < R->len) return 1;
        if (R->done) return 0;
        if (!R->in_open) {
            if (R->nfiles == 0 && R->idx == 0) {
                R->in = vl_in_fd(J->c, 0, "-");
                R->name = NULL;
                R->idx = 1;
            } else if (R->idx < R->nfiles) {
                const char *f = R->files[R->idx++];
                int err = 0;
                R->in = vl_in_open_quiet(J->c, f, &err);
                if (!R->in) {
                    vl_eprintf(J->c, "jq: error: Could not open file %s: %s\n", f, vl_strerror(err));
                    R->open_err = true;
                    continue;
                }
                R->name = f;
            } else {
                R->done = true;
                return 0;
            }
            R->in_open = true;
            if (!R->buf) R->buf = jq_alloc(J, 65536);
        }
        ssize_t n = vl_in_read(J->c, R->in, R->buf, 65536);
        if (n <= 0) {
            if (n < 0) {
                vl_eprintf(J->c, "jq: error: %s: %s\n", R->name ? R->name : "<stdin>",
                           vl_strerror((int)n));
                R->open_err = true;
            }
            vl_in_close(J->c, R->in);
            R->in = NULL;
            R->in_open = false;
            if (R->nfiles == 0) {
                R->done = true;
                return 0;
            }
            continue;
        }
        R->pos = 0;
        R->len = (size_t)n;
        if (!R->bom_checked) {
            /* jq skips a UTF-8 byte order mark at the start of its input */
            R->bom_checked = true;
            if (n >= 3 && !memcmp(R->buf, "\xEF\xBB\xBF", 3)) R->pos = 3;
        }
        jq_tick(J);
    }
}

static int count_nl(const char *s, size_t n)
{
    int k = 0;
    const char *e = s + n;
    while (s < e && (s = memchr(s, '\n', (size_t)(e - s)))) {
        k++;
        s++;
    }
    return k;
}

int jq_reader_next(jq_state *J, jq_reader *R, jv *out, jv *err)
{
    for (;;) {
        if (!rd_fill(J, R)) {
            int rc = p_finish(J, &R->P, out, err);
            R->valline = R->nlines;
            return rc;
        }
        bool got;
        long used = p_feed(J, &R->P, R->buf + R->pos, R->len - R->pos, out, &got, err);
        if (used < 0) return -1;
        R->nlines += count_nl(R->buf + R->pos, (size_t)used);
        R->pos += (size_t)used;
        if (got) {
            /* jq feeds its parser whole lines: the value's line counts as read (unless the
             * newline ending it was just taken) */
            bool at_nl = used > 0 && R->buf[R->pos - 1] == '\n';
            R->valline = R->nlines + (!at_nl && memchr(R->buf + R->pos, '\n', R->len - R->pos) ? 1 : 0);
            return 1;
        }
    }
}

/* Raw input: the next line without its newline (-R), or everything (-Rs). */
int jq_reader_raw(jq_state *J, jq_reader *R, jv *out, bool all);
int jq_reader_raw(jq_state *J, jq_reader *R, jv *out, bool all)
{
    vl_buf *b = &R->P.tok;
    b->len = 0;
    bool any = false;
    for (;;) {
        if (!rd_fill(J, R)) {
            if (!any && !all) return 0;
            vl_buf t = {0};
            jq_utf8_clean(J, &t, b->data, b->len);
            *out = jv_str_new(J, t.data, t.len);
            vl_buf_free(J->c, &t);
            b->len = 0;
            return 1;
        }
        any = true;
        const char *s = R->buf + R->pos;
        size_t n = R->len - R->pos;
        const char *nl = all ? NULL : memchr(s, '\n', n);
        if (nl) {
            vl_buf_add(J->c, b, s, (size_t)(nl - s));
            R->pos += (size_t)(nl - s) + 1;
            R->nlines++;
            R->valline = R->nlines;
            vl_buf t = {0};
            jq_utf8_clean(J, &t, b->data, b->len);
            *out = jv_str_new(J, t.data, t.len);
            vl_buf_free(J->c, &t);
            return 1;
        }
        vl_buf_add(J->c, b, s, n);
        R->pos = R->len;
    }
}
