/* json.c: the strict JSON DOM of json.h. The parser is recursive descent bounded by
 * max_depth (so no input can exhaust the stack); objects keep their members in order and,
 * once they have many, a hash index, so neither lookups nor the duplicate-key check of a parse
 * turn quadratic on a big object. */
#include "lib/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct member {
    char *key; /* NULL in arrays */
    size_t klen;
    vl_json *val;
} member;

struct vl_json {
    vl_json_type type;
    bool b;
    char *s; /* string bytes or number text, NUL-terminated */
    size_t len;
    member *m;
    size_t n, cap;
    size_t *hash; /* objects with HASH_MIN members or more: slot -> member index + 1 */
    size_t hcap;
};

#define HASH_MIN 16

static void *xalloc(const vl_json_ctx *cx, size_t n)
{
    return cx->fn(cx->ud, NULL, 0, n);
}

static void xfree(const vl_json_ctx *cx, void *p, size_t n)
{
    if (p) cx->fn(cx->ud, p, n, 0);
}

static char *xmemdup(const vl_json_ctx *cx, const char *s, size_t len)
{
    char *p = xalloc(cx, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

static vl_json *node(const vl_json_ctx *cx, vl_json_type t)
{
    vl_json *v = xalloc(cx, sizeof *v);
    if (!v) return NULL;
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

void vl_json_free(const vl_json_ctx *cx, vl_json *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        if (v->m[i].key) xfree(cx, v->m[i].key, v->m[i].klen + 1);
        vl_json_free(cx, v->m[i].val);
    }
    xfree(cx, v->m, v->cap * sizeof *v->m);
    xfree(cx, v->hash, v->hcap * sizeof *v->hash);
    if (v->s) xfree(cx, v->s, v->len + 1);
    xfree(cx, v, sizeof *v);
}

/* ---- objects: order and the hash index ---- */

static size_t hash_key(const char *k, size_t len)
{
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
    return h;
}

static long find_member(const vl_json *o, const char *key, size_t klen)
{
    if (o->hash) {
        size_t mask = o->hcap - 1;
        for (size_t i = hash_key(key, klen) & mask; o->hash[i]; i = (i + 1) & mask) {
            const member *m = &o->m[o->hash[i] - 1];
            if (m->klen == klen && !memcmp(m->key, key, klen)) return (long)(o->hash[i] - 1);
        }
        return -1;
    }
    for (size_t i = 0; i < o->n; i++)
        if (o->m[i].klen == klen && !memcmp(o->m[i].key, key, klen)) return (long)i;
    return -1;
}

static void hash_put(vl_json *o, size_t idx)
{
    size_t mask = o->hcap - 1;
    size_t i = hash_key(o->m[idx].key, o->m[idx].klen) & mask;
    while (o->hash[i]) i = (i + 1) & mask;
    o->hash[i] = idx + 1;
}

/* Keep the index at most half full (or absent while the object is small). */
static int hash_fit(const vl_json_ctx *cx, vl_json *o, size_t want)
{
    if (want < HASH_MIN || (o->hash && want * 2 <= o->hcap)) return 0;
    size_t cap = 64;
    while (cap < want * 2) cap *= 2;
    size_t *h = xalloc(cx, cap * sizeof *h);
    if (!h) return -1;
    memset(h, 0, cap * sizeof *h);
    xfree(cx, o->hash, o->hcap * sizeof *o->hash);
    o->hash = h;
    o->hcap = cap;
    for (size_t i = 0; i < o->n; i++) hash_put(o, i);
    return 0;
}

static int grow(const vl_json_ctx *cx, vl_json *v)
{
    if (v->n < v->cap) return 0;
    size_t cap = v->cap ? v->cap * 2 : 4;
    member *m = cx->fn(cx->ud, v->m, v->cap * sizeof *m, cap * sizeof *m);
    if (!m) return -1;
    v->m = m;
    v->cap = cap;
    return 0;
}

int vl_json_append(const vl_json_ctx *cx, vl_json *arr, vl_json *item)
{
    if (!arr || !item || arr->type != VL_JSON_ARRAY || grow(cx, arr)) {
        vl_json_free(cx, item);
        return -1;
    }
    arr->m[arr->n++] = (member){NULL, 0, item};
    return 0;
}

int vl_json_set(const vl_json_ctx *cx, vl_json *obj, const char *key, size_t klen, vl_json *val)
{
    if (!obj || !val || obj->type != VL_JSON_OBJECT) goto fail;
    long at = find_member(obj, key, klen);
    if (at >= 0) {
        vl_json_free(cx, obj->m[at].val);
        obj->m[at].val = val;
        return 0;
    }
    if (grow(cx, obj) || hash_fit(cx, obj, obj->n + 1)) goto fail;
    char *k = xmemdup(cx, key, klen);
    if (!k) goto fail;
    obj->m[obj->n] = (member){k, klen, val};
    if (obj->hash) hash_put(obj, obj->n);
    obj->n++;
    return 0;
fail:
    vl_json_free(cx, val);
    return -1;
}

vl_json *vl_json_take(const vl_json_ctx *cx, vl_json *obj, const char *key)
{
    if (!obj || obj->type != VL_JSON_OBJECT) return NULL;
    long at = find_member(obj, key, strlen(key));
    if (at < 0) return NULL;
    vl_json *v = obj->m[at].val;
    xfree(cx, obj->m[at].key, obj->m[at].klen + 1);
    memmove(&obj->m[at], &obj->m[at + 1], (obj->n - (size_t)at - 1) * sizeof *obj->m);
    obj->n--;
    if (obj->hash) { /* indexes moved: rebuild */
        memset(obj->hash, 0, obj->hcap * sizeof *obj->hash);
        for (size_t i = 0; i < obj->n; i++) hash_put(obj, i);
    }
    return v;
}

/* ---- reading ---- */

vl_json_type vl_json_type_of(const vl_json *v)
{
    return v ? v->type : VL_JSON_NULL;
}

const char *vl_json_type_name(vl_json_type t)
{
    static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
    return (unsigned)t < 6 ? names[t] : "?";
}

bool vl_json_bool(const vl_json *v)
{
    return v && v->type == VL_JSON_BOOL && v->b;
}

const char *vl_json_str(const vl_json *v, size_t *len)
{
    if (!v || (v->type != VL_JSON_STRING && v->type != VL_JSON_NUMBER)) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = v->len;
    return v->s;
}

double vl_json_num_double(const vl_json *v)
{
    if (!v || v->type != VL_JSON_NUMBER) return 0;
    return strtod(v->s, NULL);
}

bool vl_json_num_int64(const vl_json *v, int64_t *out)
{
    if (!v || v->type != VL_JSON_NUMBER) return false;
    /* plain integers exactly (beyond double's 53 bits), the rest through double */
    const char *p = v->s;
    bool neg = *p == '-';
    if (neg) p++;
    if (!strpbrk(p, ".eE")) {
        uint64_t n = 0;
        for (; *p; p++) {
            unsigned d = (unsigned)(*p - '0');
            if (n > (UINT64_MAX - d) / 10) return false;
            n = n * 10 + d;
        }
        if (neg ? n > (uint64_t)INT64_MAX + 1 : n > (uint64_t)INT64_MAX) return false;
        *out = neg ? (int64_t)(0 - n) : (int64_t)n;
        return true;
    }
    double d = strtod(v->s, NULL);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d))
        return false;
    *out = (int64_t)d;
    return true;
}

size_t vl_json_count(const vl_json *v)
{
    return v && (v->type == VL_JSON_ARRAY || v->type == VL_JSON_OBJECT) ? v->n : 0;
}

vl_json *vl_json_at(const vl_json *v, size_t i)
{
    return i < vl_json_count(v) ? v->m[i].val : NULL;
}

const char *vl_json_key_at(const vl_json *v, size_t i, size_t *klen)
{
    if (!v || v->type != VL_JSON_OBJECT || i >= v->n) return NULL;
    if (klen) *klen = v->m[i].klen;
    return v->m[i].key;
}

vl_json *vl_json_get_n(const vl_json *obj, const char *key, size_t klen)
{
    if (!obj || obj->type != VL_JSON_OBJECT) return NULL;
    long at = find_member(obj, key, klen);
    return at < 0 ? NULL : obj->m[at].val;
}

vl_json *vl_json_get(const vl_json *obj, const char *key)
{
    return vl_json_get_n(obj, key, strlen(key));
}

/* ---- building ---- */

vl_json *vl_json_new_null(const vl_json_ctx *cx)
{
    return node(cx, VL_JSON_NULL);
}

vl_json *vl_json_new_bool(const vl_json_ctx *cx, bool b)
{
    vl_json *v = node(cx, VL_JSON_BOOL);
    if (v) v->b = b;
    return v;
}

static vl_json *text_node(const vl_json_ctx *cx, vl_json_type t, const char *s, size_t len)
{
    vl_json *v = node(cx, t);
    if (!v) return NULL;
    if (!(v->s = xmemdup(cx, s, len))) {
        xfree(cx, v, sizeof *v);
        return NULL;
    }
    v->len = len;
    return v;
}

/* Length of the JSON number at s (at most len bytes), 0 if none. */
static size_t number_len(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-') i++;
    if (i < len && s[i] == '0') i++;
    else if (i < len && s[i] >= '1' && s[i] <= '9')
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    else return 0;
    if (i < len && s[i] == '.') {
        size_t d = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t d = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return 0;
    }
    return i;
}

vl_json *vl_json_new_num_text(const vl_json_ctx *cx, const char *text, size_t len)
{
    if (number_len(text, len) != len) return NULL;
    return text_node(cx, VL_JSON_NUMBER, text, len);
}

vl_json *vl_json_new_int(const vl_json_ctx *cx, int64_t n)
{
    char buf[32];
    int k = snprintf(buf, sizeof buf, "%lld", (long long)n);
    return text_node(cx, VL_JSON_NUMBER, buf, (size_t)k);
}

vl_json *vl_json_new_double(const vl_json_ctx *cx, double d)
{
    if (!isfinite(d)) return vl_json_new_null(cx);
    char buf[40];
    int k = snprintf(buf, sizeof buf, "%.17g", d);
    /* the shortest form that reads back the same */
    for (int p = 1; p <= 17; p++) {
        char t[40];
        int kk = snprintf(t, sizeof t, "%.*g", p, d);
        if (strtod(t, NULL) == d) {
            memcpy(buf, t, (size_t)kk + 1);
            k = kk;
            break;
        }
    }
    return text_node(cx, VL_JSON_NUMBER, buf, (size_t)k);
}

vl_json *vl_json_new_str(const vl_json_ctx *cx, const char *s, size_t len)
{
    return text_node(cx, VL_JSON_STRING, s, len);
}

vl_json *vl_json_new_array(const vl_json_ctx *cx)
{
    return node(cx, VL_JSON_ARRAY);
}

vl_json *vl_json_new_object(const vl_json_ctx *cx)
{
    return node(cx, VL_JSON_OBJECT);
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid or cut short. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
    else return 0;
    if (avail < n) return 0;
    unsigned cp = c & (0x3F >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static size_t utf8_put(char *o, unsigned cp)
{
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- parsing ---- */

typedef struct parser {
    const vl_json_ctx *cx;
    const char *s;
    size_t len, pos;
    unsigned depth, max_depth;
    vl_json_error *err;
    bool failed;
} parser;

static void fail_at(parser *p, size_t at, const char *msg)
{
    if (p->failed) return;
    p->failed = true;
    if (!p->err) return;
    int line = 1;
    size_t bol = 0;
    for (size_t i = 0; i < at && i < p->len; i++)
        if (p->s[i] == '\n') line++, bol = i + 1;
    p->err->line = line;
    p->err->column = (int)(at - bol) + 1;
    p->err->offset = at;
    snprintf(p->err->msg, sizeof p->err->msg, "%s", msg);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* The string at p->pos (on its '"'): its decoded bytes in a new buffer of *outlen + 1. The
 * decoded text is never longer than the source, so one buffer of the source's size does. */
static char *parse_string(parser *p, size_t *outlen)
{
    size_t start = ++p->pos, end = start;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) {
        fail_at(p, p->len, "unterminated string");
        return NULL;
    }
    char *out = xalloc(p->cx, end - start + 1);
    if (!out) {
        fail_at(p, start - 1, "out of memory");
        return NULL;
    }
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)p->s;
    while (p->pos < end) {
        unsigned char c = u[p->pos];
        if (c < 0x20) {
            fail_at(p, p->pos, "control character in string (must be escaped)");
            goto bad;
        }
        if (c != '\\') {
            size_t n = utf8_len(u + p->pos, end - p->pos);
            if (!n) {
                fail_at(p, p->pos, "invalid UTF-8 in string");
                goto bad;
            }
            memcpy(out + o, p->s + p->pos, n);
            o += n;
            p->pos += n;
            continue;
        }
        char e = p->s[p->pos + 1];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = e ? strchr(from, e) : NULL;
        if (k) {
            out[o++] = to[k - from];
            p->pos += 2;
            continue;
        }
        if (e != 'u') {
            fail_at(p, p->pos, "invalid escape in string");
            goto bad;
        }
        unsigned cp, lo;
        if (p->pos + 6 > end || hex4(p->s + p->pos + 2, &cp)) {
            fail_at(p, p->pos, "invalid \\u escape (4 hex digits expected)");
            goto bad;
        }
        size_t at = p->pos;
        p->pos += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail_at(p, at, "lone low surrogate in \\u escape");
            goto bad;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (p->pos + 6 > end || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                hex4(p->s + p->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                fail_at(p, at, "high surrogate not followed by a low surrogate");
                goto bad;
            }
            p->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        o += utf8_put(out + o, cp);
    }
    p->pos = end + 1;
    out[o] = 0;
    /* give back what escapes saved: the node's free size must be its length + 1 */
    if (o != end - start) {
        char *r = p->cx->fn(p->cx->ud, out, end - start + 1, o + 1);
        if (!r) {
            xfree(p->cx, out, end - start + 1);
            fail_at(p, start - 1, "out of memory");
            return NULL;
        }
        out = r;
    }
    *outlen = o;
    return out;
bad:
    xfree(p->cx, out, end - start + 1);
    return NULL;
}

static vl_json *parse_value(parser *p);

static vl_json *parse_container(parser *p, bool is_obj)
{
    size_t open = p->pos;
    if (++p->depth > p->max_depth) {
        fail_at(p, open, "nesting too deep");
        return NULL;
    }
    vl_json *v = node(p->cx, is_obj ? VL_JSON_OBJECT : VL_JSON_ARRAY);
    if (!v) {
        fail_at(p, open, "out of memory");
        return NULL;
    }
    p->pos++;
    skip_ws(p);
    char close = is_obj ? '}' : ']';
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return v;
    }
    for (;;) {
        skip_ws(p);
        char *key = NULL;
        size_t klen = 0;
        if (is_obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail_at(p, p->pos, p->pos >= p->len ? "unexpected end of input"
                                                    : "object key (a string) expected");
                goto bad;
            }
            if (!(key = parse_string(p, &klen))) goto bad;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                xfree(p->cx, key, klen + 1);
                fail_at(p, p->pos, p->pos >= p->len ? "unexpected end of input" : "':' expected");
                goto bad;
            }
            p->pos++;
        }
        size_t at = p->pos;
        vl_json *item = parse_value(p);
        int rc = 0;
        if (item && is_obj) {
            rc = vl_json_set(p->cx, v, key, klen, item);
            xfree(p->cx, key, klen + 1);
        } else if (item) {
            rc = vl_json_append(p->cx, v, item);
        } else if (key) {
            xfree(p->cx, key, klen + 1);
        }
        if (!item) goto bad;
        if (rc) {
            fail_at(p, at, "out of memory");
            goto bad;
        }
        skip_ws(p);
        if (p->pos >= p->len) {
            fail_at(p, p->pos, "unexpected end of input");
            goto bad;
        }
        char c = p->s[p->pos++];
        if (c == close) break;
        if (c != ',') {
            fail_at(p, p->pos - 1, is_obj ? "',' or '}' expected" : "',' or ']' expected");
            goto bad;
        }
    }
    p->depth--;
    return v;
bad:
    vl_json_free(p->cx, v);
    return NULL;
}

static vl_json *parse_value(parser *p)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        fail_at(p, p->pos, "unexpected end of input");
        return NULL;
    }
    const char *s = p->s + p->pos;
    size_t left = p->len - p->pos, at = p->pos;
    vl_json *v = NULL;
    switch (*s) {
    case '{':
    case '[':
        return parse_container(p, *s == '{');
    case '"': {
        size_t len;
        char *str = parse_string(p, &len);
        if (!str) return NULL;
        if (!(v = node(p->cx, VL_JSON_STRING))) {
            xfree(p->cx, str, len + 1);
            break;
        }
        v->s = str;
        v->len = len;
        return v;
    }
    case 't':
    case 'f':
    case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        int w = *s == 't' ? 0 : *s == 'f' ? 1 : 2;
        size_t wl = strlen(words[w]);
        if (left < wl || memcmp(s, words[w], wl)) goto junk;
        p->pos += wl;
        v = w == 2 ? vl_json_new_null(p->cx) : vl_json_new_bool(p->cx, w == 0);
        break;
    }
    default: {
        if (*s != '-' && (*s < '0' || *s > '9')) goto junk;
        size_t n = number_len(s, left);
        if (!n) {
            fail_at(p, at, "invalid number");
            return NULL;
        }
        if (n < left && s[n] >= '0' && s[n] <= '9') {
            fail_at(p, at, "invalid number (leading zero)");
            return NULL;
        }
        p->pos += n;
        v = text_node(p->cx, VL_JSON_NUMBER, s, n);
        break;
    }
    }
    if (!v) fail_at(p, at, "out of memory");
    return v;
junk:
    fail_at(p, at, "invalid literal");
    return NULL;
}

vl_json *vl_json_parse(const vl_json_ctx *cx, const char *text, size_t len, vl_json_error *err)
{
    parser p = {.cx = cx, .s = text, .len = len, .err = err};
    p.max_depth = cx->max_depth ? cx->max_depth : VL_JSON_DEFAULT_DEPTH;
    if (err) memset(err, 0, sizeof *err);
    vl_json *v = parse_value(&p);
    if (!v) return NULL;
    skip_ws(&p);
    if (p.pos < len) {
        fail_at(&p, p.pos, "unexpected text after the value");
        vl_json_free(cx, v);
        return NULL;
    }
    return v;
}

/* ---- writing ---- */

typedef struct outbuf {
    const vl_json_ctx *cx;
    char *p;
    size_t len, cap;
    bool oom;
} outbuf;

static void put(outbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *q = b->cx->fn(b->cx->ud, b->p, b->cap, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_quoted(outbuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    put(b, "\"", 1);
    size_t run = 0; /* start of the bytes copied as they are */
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        const char *esc = NULL;
        char tmp[8];
        size_t n = 1;
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\t') esc = "\\t";
        else if (c == '\r') esc = "\\r";
        else if (c == '\b') esc = "\\b";
        else if (c == '\f') esc = "\\f";
        else if (c < 0x20 || c == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        } else if (c >= 0x80 && !(n = utf8_len(u + i, len - i))) {
            esc = "\\ufffd";
            n = 1;
        }
        if (esc) {
            put(b, s + run, i - run);
            put(b, esc, strlen(esc));
            run = i + n;
        }
        i += n;
    }
    put(b, s + run, len - run);
    put(b, "\"", 1);
}

static void indent(outbuf *b, int flags, unsigned level)
{
    if (!(flags & VL_JSON_PRETTY)) return;
    put(b, "\n", 1);
    for (unsigned i = 0; i < level; i++) put(b, "  ", 2);
}

/* Recursion follows the tree's depth, which a parse bounds; trees built by hand are the
 * caller's to keep shallow. */
static void write_value(outbuf *b, const vl_json *v, int flags, unsigned level)
{
    switch (v->type) {
    case VL_JSON_NULL: put(b, "null", 4); return;
    case VL_JSON_BOOL: v->b ? put(b, "true", 4) : put(b, "false", 5); return;
    case VL_JSON_NUMBER: put(b, v->s, v->len); return;
    case VL_JSON_STRING: put_quoted(b, v->s, v->len); return;
    case VL_JSON_ARRAY:
    case VL_JSON_OBJECT: {
        bool obj = v->type == VL_JSON_OBJECT;
        put(b, obj ? "{" : "[", 1);
        for (size_t i = 0; i < v->n; i++) {
            if (i) put(b, ",", 1);
            indent(b, flags, level + 1);
            if (obj) {
                put_quoted(b, v->m[i].key, v->m[i].klen);
                put(b, (flags & VL_JSON_PRETTY) ? ": " : ":", (flags & VL_JSON_PRETTY) ? 2 : 1);
            }
            write_value(b, v->m[i].val, flags, level + 1);
        }
        if (v->n) indent(b, flags, level);
        put(b, obj ? "}" : "]", 1);
        return;
    }
    }
}

static char *finish(outbuf *b, size_t *len)
{
    if (!b->oom && !b->p) put(b, "", 0);
    if (b->oom) {
        xfree(b->cx, b->p, b->cap);
        return NULL;
    }
    b->p[b->len] = 0;
    /* exact size, so the caller frees len + 1 */
    char *r = b->cx->fn(b->cx->ud, b->p, b->cap, b->len + 1);
    if (!r) {
        xfree(b->cx, b->p, b->cap);
        return NULL;
    }
    if (len) *len = b->len;
    return r;
}

char *vl_json_write(const vl_json_ctx *cx, const vl_json *v, int flags, size_t *len)
{
    outbuf b = {.cx = cx};
    if (v) write_value(&b, v, flags, 0);
    else put(&b, "null", 4);
    return finish(&b, len);
}

char *vl_json_quote(const vl_json_ctx *cx, const char *s, size_t slen, size_t *len)
{
    outbuf b = {.cx = cx};
    put_quoted(&b, s, slen);
    return finish(&b, len);
}
