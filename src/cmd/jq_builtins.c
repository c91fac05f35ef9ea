/* jq_builtins.c: jq's builtins. The hot and the generator ones (select, map's helpers, range,
 * limit, recurse, paths, sort_by...) are C; the rest are jq definitions (the prelude, taken
 * from jq 1.7.1's builtin.jq where they are short). Also the @formats, assignment operators,
 * regex functions (through lib/regex.h in Perl mode) and dates (lib/timefmt.h, UTC). */
#include "cmd/jq.h"
#include "cmd/jq_eval.h"
#include "lib/regex.h"
#include "lib/timefmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CB(v, p) cb(J, (v), (p), ud)
#define ARG(i) (call->args[i])

void jq_put_utf8(jq_state *J, vl_buf *b, unsigned cp);
void jq_utf8_clean(jq_state *J, vl_buf *b, const char *s, size_t n);
jq_node *jq_parse_program(jq_state *J, const char *src, size_t len, bool is_prelude,
                          const char **err, int *errline);
void jq_resolve_prelude(jq_state *J, jq_node *def);

static int emit(jq_state *J, jv v, jv *path, jq_cb cb, void *ud)
{
    if (v.k == JV_INVALID) return JQ_ERR;
    int rc;
    if (path) {
        char b[64];
        rc = jq_errorf(J, "Invalid path expression with result %s", jq_errval(J, v, b, sizeof b));
    } else {
        rc = CB(v, NULL);
    }
    jv_unref(J, v);
    return rc;
}

static jv errv(jq_state *J, const char *fmt, jv v)
{
    char b[64];
    jq_errorf(J, fmt, jv_kind_name(v), jq_errval(J, v, b, sizeof b));
    return jv_invalid();
}

/* ---- value functions: fixed arity, arguments are generators (cartesian product) ---- */
typedef jv (*vfn)(jq_state *J, jv in, jv *a);
typedef struct k_vf {
    jq_node *call;
    frame *env;
    jv in;
    jv a[3];
    vfn f;
    jq_cb cb;
    void *ud;
    jv *path;
    int i;
} k_vf;

static int vf_step(jq_state *J, k_vf *k, int i);

static int vf_arg_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_vf *k = ud;
    int i = k->i;
    int n = (int)k->call->n;
    k->a[n - 1 - i] = v;
    int rc = vf_step(J, k, i + 1);
    k->i = i;
    return rc;
}

/* jq evaluates a cfunction's arguments with the last one as the outer loop */
static int vf_step(jq_state *J, k_vf *k, int i)
{
    int n = (int)k->call->n;
    if (i == n) {
        jv r = k->f(J, k->in, k->a);
        return emit(J, r, k->path, k->cb, k->ud);
    }
    k->i = i;
    return jq_eval(J, k->call->args[n - 1 - i], k->env, k->in, NULL, vf_arg_cb, k);
}

static int run_vf(jq_state *J, vfn f, jq_node *call, frame *env, jv in, jv *path, jq_cb cb,
                  void *ud)
{
    k_vf k;
    memset(&k, 0, sizeof k);
    k.call = call;
    k.env = env;
    k.in = in;
    k.f = f;
    k.cb = cb;
    k.ud = ud;
    k.path = path;
    return vf_step(J, &k, 0);
}

#define VF(name)                                                                                \
    static jv vf_##name(jq_state *J, jv in, jv *a);                                             \
    static int bi_##name(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb,     \
                         void *ud)                                                              \
    {                                                                                           \
        return run_vf(J, vf_##name, call, env, in, path, cb, ud);                               \
    }                                                                                           \
    static jv vf_##name(jq_state *J, jv in, jv *a)

/* ---- basics ---- */
static long utf8_cps(const char *s, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) k++;
    return k;
}

static size_t cp_off_b(const char *s, size_t n, long i)
{
    size_t b = 0;
    while (b < n && i > 0) {
        b++;
        while (b < n && ((unsigned char)s[b] & 0xC0) == 0x80) b++;
        i--;
    }
    return b;
}

VF(length)
{
    (void)a;
    switch (in.k) {
    case JV_NULL: return jv_num(0);
    case JV_NUMBER: return jv_num(fabs(jv_n(in)));
    case JV_STRING: return jv_num((double)utf8_cps(in.u.s->s, in.u.s->len));
    case JV_ARRAY:
    case JV_OBJECT: return jv_num((double)jv_len(in));
    default: return errv(J, "%s (%s) has no length", in);
    }
}

VF(utf8bytelength)
{
    (void)a;
    if (in.k != JV_STRING) return errv(J, "%s (%s) only strings have UTF-8 byte length", in);
    return jv_num(in.u.s->len);
}


VF(type) { (void)a; return jv_str_c(J, jv_kind_name(in)); }

static jv keys_of(jq_state *J, jv in, bool sorted)
{
    if (in.k == JV_OBJECT) {
        if (sorted) return jv_obj_keys_sorted(J, in);
        jv r = jv_arr_new(J, in.u.o->len + 1);
        for (uint32_t i = 0; i < in.u.o->len; i++) r = jv_arr_push(J, r, jv_ref(in.u.o->e[i].key));
        return r;
    }
    if (in.k == JV_ARRAY) {
        jv r = jv_arr_new(J, in.u.a->len + 1);
        for (uint32_t i = 0; i < in.u.a->len; i++) r = jv_arr_push(J, r, jv_num(i));
        return r;
    }
    return errv(J, "%s (%s) has no keys", in);
}

VF(keys) { (void)a; return keys_of(J, in, true); }
VF(keys_unsorted) { (void)a; return keys_of(J, in, false); }

VF(has)
{
    jv k = a[0];
    if (in.k == JV_NULL) return jv_bool(false);
    if (in.k == JV_OBJECT && k.k == JV_STRING) return jv_bool(jv_obj_get(in, k).k != JV_INVALID);
    if (in.k == JV_ARRAY && k.k == JV_NUMBER) {
        double d = jv_n(k);
        return jv_bool(d >= 0 && d < in.u.a->len);
    }
    jq_errorf(J, "Cannot check whether %s has a %s key", jv_kind_name(in), jv_kind_name(k));
    return jv_invalid();
}

static bool contains(jq_state *J, jv a, jv b, bool *err, int depth)
{
    if (a.k == JV_OBJECT && b.k == JV_OBJECT) {
        for (uint32_t i = 0; i < b.u.o->len; i++) {
            jv av = jv_obj_get(a, b.u.o->e[i].key);
            if (av.k == JV_INVALID) return false;
            if (!contains(J, av, b.u.o->e[i].val, err, depth + 1)) return false;
            if (*err) return false;
        }
        return true;
    }
    if (a.k == JV_ARRAY && b.k == JV_ARRAY) {
        for (uint32_t i = 0; i < b.u.a->len; i++) {
            bool found = false;
            for (uint32_t j = 0; j < a.u.a->len && !found; j++) {
                if (contains(J, a.u.a->v[j], b.u.a->v[i], err, depth + 1)) found = true;
                if (*err) return false;
            }
            if (!found) return false;
        }
        return true;
    }
    if (a.k == JV_STRING && b.k == JV_STRING)
        return memmem(a.u.s->s, a.u.s->len, b.u.s->s, b.u.s->len) != NULL;
    if ((a.k == JV_TRUE || a.k == JV_FALSE) && (b.k == JV_TRUE || b.k == JV_FALSE))
        return a.k == b.k;
    if (a.k == b.k || depth > 0) return jv_equal(a, b);
    char x[64], y[64];
    jq_errorf(J, "%s (%s) and %s (%s) cannot have their containment checked", jv_kind_name(a),
              jq_errval(J, a, x, sizeof x), jv_kind_name(b), jq_errval(J, b, y, sizeof y));
    *err = true;
    return false;
}

VF(contains)
{
    bool err = false;
    bool r = contains(J, in, a[0], &err, 0);
    return err ? jv_invalid() : jv_bool(r);
}

VF(inside)
{
    bool err = false;
    bool r = contains(J, a[0], in, &err, 0);
    return err ? jv_invalid() : jv_bool(r);
}

VF(add)
{
    (void)a;
    if (in.k != JV_ARRAY && in.k != JV_OBJECT) {
        char b[64];
        jq_errorf(J, "Cannot iterate over %s (%s)", jv_kind_name(in), jq_errval(J, in, b, sizeof b));
        return jv_invalid();
    }
    uint32_t n = jv_len(in);
    jv acc = jv_null();
    /* strings and arrays grow in place: acc is the only reference */
    for (uint32_t i = 0; i < n; i++) {
        jv x = in.k == JV_ARRAY ? in.u.a->v[i] : in.u.o->e[i].val;
        if (acc.k == JV_STRING && x.k == JV_STRING) {
            acc = jv_str_cat(J, acc, x.u.s->s, x.u.s->len);
            continue;
        }
        if (acc.k == JV_ARRAY && x.k == JV_ARRAY) {
            for (uint32_t j = 0; j < x.u.a->len; j++) acc = jv_arr_push(J, acc, jv_ref(x.u.a->v[j]));
            continue;
        }
        jv r = jq_arith(J, '+', acc, x);
        jv_unref(J, acc);
        if (r.k == JV_INVALID) return r;
        acc = r;
        if (acc.k == JV_STRING && acc.u.s->rc > 1) {
            jv c = jv_str_new(J, acc.u.s->s, acc.u.s->len);
            jv_unref(J, acc);
            acc = c;
        } else if (acc.k == JV_ARRAY) {
            acc = jv_unshare(J, acc);
        }
    }
    return acc;
}

VF(tostring)
{
    (void)a;
    if (in.k == JV_STRING) return jv_ref(in);
    vl_buf b = {0};
    jq_dump(J, &b, in, 0, 0);
    jv r = jv_str_new(J, b.data, b.len);
    vl_buf_free(J->c, &b);
    return r;
}

VF(tojson)
{
    (void)a;
    vl_buf b = {0};
    jq_dump(J, &b, in, 0, 0);
    jv r = jv_str_new(J, b.data, b.len);
    vl_buf_free(J->c, &b);
    return r;
}

VF(fromjson)
{
    (void)a;
    if (in.k != JV_STRING) return errv(J, "%s (%s) cannot be parsed as JSON", in);
    jv err = jv_invalid();
    jv r = jq_parse_json(J, in.u.s->s, in.u.s->len, &err);
    if (r.k == JV_INVALID) {
        if (err.k == JV_INVALID) {
            jq_errorf(J, "Expected JSON value (while parsing '%s')", in.u.s->s);
        } else {
            /* the message names the position as "at EOF" when the text ended early */
            jq_errorf(J, "%s (while parsing '%s')", err.u.s->s, in.u.s->s);
            jv_unref(J, err);
        }
        return jv_invalid();
    }
    return r;
}

VF(tonumber)
{
    (void)a;
    if (in.k == JV_NUMBER) return jv_ref(in);
    if (in.k == JV_STRING) {
        /* jq parses the string as JSON text: a number is the answer, a parse error its message */
        jv err = jv_invalid();
        jv r = jq_parse_json(J, in.u.s->s, in.u.s->len, &err);
        if (r.k == JV_NUMBER) return r;
        if (r.k == JV_INVALID) {
            if (err.k == JV_STRING) {
                jq_errorf(J, "%s (while parsing '%s')", err.u.s->s, in.u.s->s);
                jv_unref(J, err);
            } else {
                jq_errorf(J, "Expected JSON value (while parsing '%s')", in.u.s->s);
            }
            return jv_invalid();
        }
        jv_unref(J, r);
    }
    return errv(J, "%s (%s) cannot be parsed as a number", in);
}

VF(ascii_downcase)
{
    (void)a;
    if (in.k != JV_STRING) {
        jq_errorf(J, "explode input must be a string");
        return jv_invalid();
    }
    jv r = jv_str_new(J, in.u.s->s, in.u.s->len);
    for (uint32_t i = 0; i < r.u.s->len; i++)
        if (r.u.s->s[i] >= 'A' && r.u.s->s[i] <= 'Z') r.u.s->s[i] += 32;
    return r;
}

VF(ascii_upcase)
{
    (void)a;
    if (in.k != JV_STRING) {
        jq_errorf(J, "explode input must be a string");
        return jv_invalid();
    }
    jv r = jv_str_new(J, in.u.s->s, in.u.s->len);
    for (uint32_t i = 0; i < r.u.s->len; i++)
        if (r.u.s->s[i] >= 'a' && r.u.s->s[i] <= 'z') r.u.s->s[i] -= 32;
    return r;
}

VF(explode)
{
    (void)a;
    if (in.k != JV_STRING) {
        {
        jq_errorf(J, "explode input must be a string");
        return jv_invalid();
    }
    }
    jv r = jv_arr_new(J, in.u.s->len + 1);
    const unsigned char *s = (const unsigned char *)in.u.s->s;
    size_t n = in.u.s->len;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], cp;
        int l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + (size_t)l > n) l = 1;
        if (l == 1) cp = c;
        else if (l == 2) cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
        else if (l == 3) cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        else cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        r = jv_arr_push(J, r, jv_num(cp));
        i += (size_t)l;
    }
    return r;
}

VF(implode)
{
    (void)a;
    if (in.k != JV_ARRAY) {
        jq_errorf(J, "Implode input must be an array");
        return jv_invalid();
    }
    vl_buf b = {0};
    for (uint32_t i = 0; i < in.u.a->len; i++) {
        jv x = in.u.a->v[i];
        if (x.k != JV_NUMBER) {
            vl_buf_free(J->c, &b);
            jq_errorf(J, "Unicode codepoint must be numeric");
            return jv_invalid();
        }
        double d = jv_n(x);
        unsigned cp = (unsigned)d;
        if (d < 0 || d > 0x10FFFF) {
            vl_buf_free(J->c, &b);
            jq_errorf(J, "Invalid codepoint literal");
            return jv_invalid();
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        jq_put_utf8(J, &b, cp);
    }
    jv r = jv_str_new(J, b.data, b.len);
    vl_buf_free(J->c, &b);
    return r;
}

VF(ltrimstr)
{
    jv p = a[0];
    if (in.k == JV_STRING && p.k == JV_STRING && in.u.s->len >= p.u.s->len &&
        memcmp(in.u.s->s, p.u.s->s, p.u.s->len) == 0)
        return jv_str_new(J, in.u.s->s + p.u.s->len, in.u.s->len - p.u.s->len);
    return jv_ref(in);
}

VF(rtrimstr)
{
    jv p = a[0];
    if (in.k == JV_STRING && p.k == JV_STRING && in.u.s->len >= p.u.s->len &&
        memcmp(in.u.s->s + in.u.s->len - p.u.s->len, p.u.s->s, p.u.s->len) == 0)
        return jv_str_new(J, in.u.s->s, in.u.s->len - p.u.s->len);
    return jv_ref(in);
}

VF(startswith)
{
    if (in.k != JV_STRING || a[0].k != JV_STRING) {
        jq_errorf(J, "startswith() requires string inputs");
        return jv_invalid();
    }
    return jv_bool(in.u.s->len >= a[0].u.s->len && !memcmp(in.u.s->s, a[0].u.s->s, a[0].u.s->len));
}

VF(endswith)
{
    if (in.k != JV_STRING || a[0].k != JV_STRING) {
        jq_errorf(J, "endswith() requires string inputs");
        return jv_invalid();
    }
    return jv_bool(in.u.s->len >= a[0].u.s->len &&
                   !memcmp(in.u.s->s + in.u.s->len - a[0].u.s->len, a[0].u.s->s, a[0].u.s->len));
}

jv jq_split_str(jq_state *J, jv s, jv sep)
{
    jv r = jv_arr_new(J, 4);
    size_t n = s.u.s->len, m = sep.u.s->len;
    if (n == 0) return r;
    if (m == 0) {
        /* jq 1.7: every character */
        const char *p = s.u.s->s;
        for (size_t i = 0; i < n;) {
            size_t l = 1;
            while (i + l < n && ((unsigned char)p[i + l] & 0xC0) == 0x80) l++;
            r = jv_arr_push(J, r, jv_str_new(J, p + i, l));
            i += l;
        }
        return r;
    }
    const char *p = s.u.s->s, *e = p + n;
    for (;;) {
        const char *q = memmem(p, (size_t)(e - p), sep.u.s->s, m);
        if (!q) {
            r = jv_arr_push(J, r, jv_str_new(J, p, (size_t)(e - p)));
            return r;
        }
        r = jv_arr_push(J, r, jv_str_new(J, p, (size_t)(q - p)));
        p = q + m;
    }
}

static jv vf_split1(jq_state *J, jv in, jv *a)
{
    if (in.k != JV_STRING || a[0].k != JV_STRING) {
        jq_errorf(J, "split input and separator must be strings");
        return jv_invalid();
    }
    return jq_split_str(J, in, a[0]);
}

VF(join)
{
    jv sep = a[0];
    if (in.k != JV_ARRAY && in.k != JV_OBJECT) {
        char b[64];
        jq_errorf(J, "Cannot iterate over %s%s%s%s", jv_kind_name(in), in.k == JV_NULL ? "" : " (",
                  in.k == JV_NULL ? "" : jq_errval(J, in, b, sizeof b), in.k == JV_NULL ? "" : ")");
        return jv_invalid();
    }
    uint32_t n = jv_len(in);
    if (n == 0) return jv_str_c(J, "");
    jv acc = jv_str_new(J, NULL, 0);
    for (uint32_t i = 0; i < n; i++) {
        jv x = in.k == JV_ARRAY ? in.u.a->v[i] : in.u.o->e[i].val;
        if (i) {
            if (sep.k != JV_STRING) {
                jv r = jq_arith(J, '+', acc, sep);
                jv_unref(J, acc);
                if (r.k == JV_INVALID) return r;
                acc = r;
            } else {
                acc = jv_str_cat(J, acc, sep.u.s->s, sep.u.s->len);
            }
        }
        if (x.k == JV_NULL) continue;
        if (x.k == JV_STRING) {
            if (acc.k != JV_STRING) {
                jv r = jq_arith(J, '+', acc, x);
                jv_unref(J, acc);
                if (r.k == JV_INVALID) return r;
                acc = r;
                continue;
            }
            acc = jv_str_cat(J, acc, x.u.s->s, x.u.s->len);
        } else if (x.k == JV_NUMBER || x.k == JV_TRUE || x.k == JV_FALSE) {
            vl_buf b = {0};
            jq_dump(J, &b, x, 0, 0);
            acc = jv_str_cat(J, acc, b.data, b.len);
            vl_buf_free(J->c, &b);
        } else {
            jv r = jq_arith(J, '+', acc, x);
            jv_unref(J, acc);
            if (r.k == JV_INVALID) return r;
            acc = r;
        }
    }
    return acc;
}

static int sort_cmp_J(jq_state *J, jv a, jv b) { return jv_cmp(J, a, b); }

/* stable merge sort of items by keys */
static void msort(jq_state *J, jv *keys, jv *vals, size_t n, jv *tk, jv *tv)
{
    if (n < 2) return;
    size_t h = n / 2;
    msort(J, keys, vals, h, tk, tv);
    msort(J, keys + h, vals + h, n - h, tk, tv);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n) {
        if (sort_cmp_J(J, keys[j], keys[i]) < 0) {
            tk[o] = keys[j];
            tv[o++] = vals[j++];
        } else {
            tk[o] = keys[i];
            tv[o++] = vals[i++];
        }
    }
    while (i < h) {
        tk[o] = keys[i];
        tv[o++] = vals[i++];
    }
    while (j < n) {
        tk[o] = keys[j];
        tv[o++] = vals[j++];
    }
    memcpy(keys, tk, n * sizeof(jv));
    memcpy(vals, tv, n * sizeof(jv));
    J->ticks += n;
}

static void sort_pairs(jq_state *J, jv *keys, jv *vals, size_t n)
{
    if (n < 2) return;
    jv *tk = jq_alloc(J, n * sizeof(jv)), *tv = jq_alloc(J, n * sizeof(jv));
    msort(J, keys, vals, n, tk, tv);
    jq_free(J, tk);
    jq_free(J, tv);
}

VF(sort)
{
    (void)a;
    if (in.k != JV_ARRAY) return errv(J, "%s (%s) cannot be sorted, as it is not an array", in);
    size_t n = in.u.a->len;
    jv r = jv_arr_new(J, n + 1);
    jv *vals = jq_alloc(J, (n + 1) * sizeof(jv));
    for (size_t i = 0; i < n; i++) vals[i] = in.u.a->v[i];
    jv *keys = jq_alloc(J, (n + 1) * sizeof(jv));
    memcpy(keys, vals, n * sizeof(jv));
    sort_pairs(J, keys, vals, n);
    for (size_t i = 0; i < n; i++) r = jv_arr_push(J, r, jv_ref(vals[i]));
    jq_free(J, vals);
    jq_free(J, keys);
    return r;
}

/* Keys [f] of each element, for sort_by and friends. */
static int by_keys(jq_state *J, jq_node *f, frame *env, jv in, jv **keys)
{
    size_t n = in.u.a->len;
    jv *k = jq_alloc(J, (n + 1) * sizeof(jv));
    for (size_t i = 0; i < n; i++) {
        jv c = jq_collect(J, f, env, in.u.a->v[i]);
        if (c.k == JV_INVALID) {
            for (size_t j = 0; j < i; j++) jv_unref(J, k[j]);
            jq_free(J, k);
            return J->pending_rc;
        }
        k[i] = c;
    }
    *keys = k;
    return JQ_OK;
}

enum { BY_SORT, BY_GROUP, BY_UNIQUE, BY_MIN, BY_MAX };

static int by_impl(jq_state *J, int mode, jq_node *call, frame *env, jv in, jv *path, jq_cb cb,
                   void *ud)
{
    if (in.k != JV_ARRAY) {
        /* jq defines these as _impl(map([f])): map fails first on what cannot be iterated,
         * then the C part on an object's keys */
        char b[64], c2[64];
        if (in.k != JV_OBJECT)
            return jq_errorf(J, "Cannot iterate over %s (%s)", jv_kind_name(in), jq_errval(J, in, b, sizeof b));
        jv ks = jv_arr_new(J, in.u.o->len + 1);
        for (uint32_t i = 0; i < in.u.o->len; i++) {
            jv kv;
            if (call) {
                kv = jq_collect(J, ARG(0), env, in.u.o->e[i].val);
                if (kv.k == JV_INVALID) {
                    jv_unref(J, ks);
                    return J->pending_rc;
                }
            } else {
                kv = jv_arr_push(J, jv_arr_new(J, 1), jv_ref(in.u.o->e[i].val));
            }
            ks = jv_arr_push(J, ks, kv);
        }
        int r = jq_errorf(J, "%s (%s) and %s (%s) %s", jv_kind_name(in), jq_errval(J, in, b, sizeof b),
                          jv_kind_name(ks), jq_errval(J, ks, c2, sizeof c2),
                          mode == BY_MIN || mode == BY_MAX ? "cannot be iterated over"
                                                           : "cannot be sorted, as they are not both arrays");
        jv_unref(J, ks);
        return r;
    }
    size_t n = in.u.a->len;
    jv *keys = NULL;
    int rc;
    if (call) {
        rc = by_keys(J, ARG(0), env, in, &keys);
        if (rc) return rc;
    } else {
        keys = jq_alloc(J, (n + 1) * sizeof(jv));
        for (size_t i = 0; i < n; i++) keys[i] = jv_ref(in.u.a->v[i]);
    }
    jv *vals = jq_alloc(J, (n + 1) * sizeof(jv));
    for (size_t i = 0; i < n; i++) vals[i] = in.u.a->v[i];
    jv r;
    if (mode == BY_MIN || mode == BY_MAX) {
        if (n == 0) {
            r = jv_null();
        } else {
            size_t best = 0;
            for (size_t i = 1; i < n; i++) {
                int c = jv_cmp(J, keys[i], keys[best]);
                if (mode == BY_MIN ? c < 0 : c >= 0) best = i;
            }
            r = jv_ref(vals[best]);
        }
    } else {
        sort_pairs(J, keys, vals, n);
        r = jv_arr_new(J, n + 1);
        if (mode == BY_SORT) {
            for (size_t i = 0; i < n; i++) r = jv_arr_push(J, r, jv_ref(vals[i]));
        } else if (mode == BY_UNIQUE) {
            for (size_t i = 0; i < n; i++)
                if (i == 0 || !jv_equal(keys[i], keys[i - 1])) r = jv_arr_push(J, r, jv_ref(vals[i]));
        } else {
            jv g = jv_invalid();
            for (size_t i = 0; i < n; i++) {
                if (i == 0 || !jv_equal(keys[i], keys[i - 1])) {
                    if (g.k != JV_INVALID) r = jv_arr_push(J, r, g);
                    g = jv_arr_new(J, 4);
                }
                g = jv_arr_push(J, g, jv_ref(vals[i]));
            }
            if (g.k != JV_INVALID) r = jv_arr_push(J, r, g);
        }
    }
    for (size_t i = 0; i < n; i++) jv_unref(J, keys[i]);
    jq_free(J, keys);
    jq_free(J, vals);
    return emit(J, r, path, cb, ud);
}

static int bi_sort_by(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_SORT, call, env, in, path, cb, ud);
}
static int bi_group_by(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_GROUP, call, env, in, path, cb, ud);
}
static int bi_unique_by(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_UNIQUE, call, env, in, path, cb, ud);
}
static int bi_unique(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_UNIQUE, NULL, env, in, path, cb, ud);
}
static int bi_min_by(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_MIN, call, env, in, path, cb, ud);
}
static int bi_max_by(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return by_impl(J, BY_MAX, call, env, in, path, cb, ud);
}
static int minmax_type_error(jq_state *J, jv in)
{
    char b[64];
    jq_errval(J, in, b, sizeof b);
    return jq_errorf(J, "%s (%s) and %s (%s) cannot be iterated over", jv_kind_name(in), b,
                     jv_kind_name(in), b);
}

static int bi_min(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (in.k != JV_ARRAY) return minmax_type_error(J, in);
    return by_impl(J, BY_MIN, NULL, env, in, path, cb, ud);
}
static int bi_max(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (in.k != JV_ARRAY) return minmax_type_error(J, in);
    return by_impl(J, BY_MAX, NULL, env, in, path, cb, ud);
}

VF(reverse)
{
    (void)a;
    if (in.k == JV_NULL) return jv_arr_new(J, 1);
    if (in.k == JV_STRING) {
        jv r = jv_str_new(J, NULL, in.u.s->len);
        const char *s = in.u.s->s;
        size_t n = in.u.s->len, o = n;
        for (size_t i = 0; i < n;) {
            size_t l = 1;
            while (i + l < n && ((unsigned char)s[i + l] & 0xC0) == 0x80) l++;
            o -= l;
            memcpy(r.u.s->s + o, s + i, l);
            i += l;
        }
        return r;
    }
    if (in.k != JV_ARRAY) {
        /* jq: [.[length - 1 - range(0; length)]] */
        jv len = vf_length(J, in, NULL);
        if (len.k == JV_INVALID) return len;
        if (jv_n(len) == 0) return jv_arr_new(J, 1);
        jq_errorf(J, "Cannot index %s with number", jv_kind_name(in));
        return jv_invalid();
    }
    jv r = jv_arr_new(J, in.u.a->len + 1);
    for (uint32_t i = in.u.a->len; i-- > 0;) r = jv_arr_push(J, r, jv_ref(in.u.a->v[i]));
    return r;
}

static jv flatten(jq_state *J, jv r, jv in, double depth)
{
    uint32_t n = in.k == JV_ARRAY ? in.u.a->len : in.u.o->len;
    for (uint32_t i = 0; i < n; i++) {
        jv x = in.k == JV_ARRAY ? in.u.a->v[i] : in.u.o->e[i].val;
        if (x.k == JV_ARRAY && depth != 0) r = flatten(J, r, x, depth - 1);
        else r = jv_arr_push(J, r, jv_ref(x));
    }
    return r;
}

VF(flatten)
{
    (void)a;
    if (in.k != JV_ARRAY && in.k != JV_OBJECT) return errv(J, "Cannot iterate over %s (%s)", in);
    return flatten(J, jv_arr_new(J, 4), in, -1);
}

VF(flatten1)
{
    if (a[0].k != JV_NUMBER) {
        jq_errorf(J, "flatten depth must not be negative");
        return jv_invalid();
    }
    if (jv_n(a[0]) < 0) {
        jq_errorf(J, "flatten depth must not be negative");
        return jv_invalid();
    }
    if (in.k != JV_ARRAY && in.k != JV_OBJECT) return errv(J, "Cannot iterate over %s (%s)", in);
    return flatten(J, jv_arr_new(J, 4), in, jv_n(a[0]));
}

jv jq_indices(jq_state *J, jv a, jv b)
{
    jv r = jv_arr_new(J, 4);
    if (a.k == JV_ARRAY && b.k == JV_ARRAY) {
        if (b.u.a->len == 0) {
            jv_unref(J, r);
            return jv_null();
        }
        for (uint32_t i = 0; i + b.u.a->len <= a.u.a->len; i++) {
            bool eq = true;
            for (uint32_t j = 0; j < b.u.a->len && eq; j++)
                if (!jv_equal(a.u.a->v[i + j], b.u.a->v[j])) eq = false;
            if (eq) r = jv_arr_push(J, r, jv_num(i));
        }
        return r;
    }
    if (a.k == JV_STRING && b.k == JV_STRING) {
        if (b.u.s->len == 0) {
            jv_unref(J, r);
            return jv_null();
        }
        const char *p = a.u.s->s, *e = p + a.u.s->len;
        while (p < e) {
            const char *q = memmem(p, (size_t)(e - p), b.u.s->s, b.u.s->len);
            if (!q) break;
            r = jv_arr_push(J, r, jv_num((double)(q - a.u.s->s)));
            p = q + b.u.s->len; /* jq: matches do not overlap */
        }
        return r;
    }
    return r;
}

VF(indices)
{
    jv i = a[0];
    if (in.k == JV_NULL) return jv_null();
    if (in.k == JV_ARRAY && i.k != JV_ARRAY) {
        jv w = jv_arr_push(J, jv_arr_new(J, 1), jv_ref(i));
        jv r = jq_indices(J, in, w);
        jv_unref(J, w);
        return r;
    }
    if (in.k == JV_STRING && i.k == JV_STRING) return jq_indices(J, in, i);
    if (in.k == JV_ARRAY) return jq_indices(J, in, i);
    return jq_index(J, in, i);
}

VF(index)
{
    jv r = vf_indices(J, in, a);
    if (r.k != JV_ARRAY) return r;
    jv x = r.u.a->len ? jv_ref(r.u.a->v[0]) : jv_null();
    jv_unref(J, r);
    return x;
}

VF(rindex)
{
    jv r = vf_indices(J, in, a);
    if (r.k != JV_ARRAY) return r;
    jv x = r.u.a->len ? jv_ref(r.u.a->v[r.u.a->len - 1]) : jv_null();
    jv_unref(J, r);
    return x;
}

/* ---- math ---- */
#define MATH1(name, expr)                                                                       \
    VF(name)                                                                                    \
    {                                                                                           \
        (void)a;                                                                                \
        if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);                  \
        double x = jv_n(in);                                                                    \
        return jv_num(expr);                                                                    \
    }
MATH1(floor, floor(x))
MATH1(ceil, ceil(x))
MATH1(round, round(x))
MATH1(sqrt, sqrt(x))
MATH1(fabs, fabs(x))
MATH1(log, log(x))
MATH1(log2, log2(x))
MATH1(log10, log10(x))
MATH1(log1p, log1p(x))
MATH1(exp, exp(x))
MATH1(exp2, exp2(x))
MATH1(exp10, pow(10, x))
MATH1(expm1, expm1(x))
MATH1(sin, sin(x))
MATH1(cos, cos(x))
MATH1(tan, tan(x))
MATH1(asin, asin(x))
MATH1(acos, acos(x))
MATH1(atan, atan(x))
MATH1(sinh, sinh(x))
MATH1(cosh, cosh(x))
MATH1(tanh, tanh(x))
MATH1(asinh, asinh(x))
MATH1(acosh, acosh(x))
MATH1(atanh, atanh(x))
MATH1(cbrt, cbrt(x))
MATH1(trunc, trunc(x))
MATH1(rint, rint(x))
MATH1(nearbyint, nearbyint(x))
MATH1(significand, x == 0 ? 0 : ldexp(frexp(x, &(int){0}), 1))
MATH1(logb, logb(x))
MATH1(gamma, lgamma(x))
MATH1(lgamma, lgamma(x))
MATH1(tgamma, tgamma(x))

#define MATH2(name, expr)                                                                       \
    VF(name)                                                                                    \
    {                                                                                           \
        if (a[0].k != JV_NUMBER) return errv(J, "%s (%s) number required", a[0]);              \
        if (a[1].k != JV_NUMBER) return errv(J, "%s (%s) number required", a[1]);              \
        double x = jv_n(a[0]), y = jv_n(a[1]);                                                  \
        (void)in;                                                                               \
        return jv_num(expr);                                                                    \
    }
MATH2(pow, pow(x, y))
MATH2(atan2, atan2(x, y))
MATH2(fmin, fmin(x, y))
MATH2(fmax, fmax(x, y))
MATH2(fmod, fmod(x, y))
MATH2(hypot, hypot(x, y))
MATH2(copysign, copysign(x, y))
MATH2(ldexp, ldexp(x, (int)y))
MATH2(scalb, x * pow(2, y))
MATH2(scalbln, scalbln(x, (long)y))
MATH2(nextafter, nextafter(x, y))
MATH2(drem, remainder(x, y))

VF(abs)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) has no absolute value", in);
    double x = jv_n(in);
    if (x < 0) return jv_num(-x);
    return jv_ref(in);
}

VF(infinite) { (void)a; (void)in; return jv_num(INFINITY); }
VF(nan) { (void)a; (void)in; return jv_num(NAN); }
VF(isinfinite)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);
    return jv_bool(isinf(jv_n(in)));
}
VF(isnan)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);
    return jv_bool(isnan(jv_n(in)));
}
VF(isnormal)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);
    return jv_bool(isnormal(jv_n(in)));
}
VF(frexp)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);
    int e;
    double m = frexp(jv_n(in), &e);
    jv r = jv_arr_push(J, jv_arr_new(J, 2), jv_num(m));
    return jv_arr_push(J, r, jv_num(e));
}
VF(modf)
{
    (void)a;
    if (in.k != JV_NUMBER) return errv(J, "%s (%s) number required", in);
    double ip;
    double f = modf(jv_n(in), &ip);
    jv r = jv_arr_push(J, jv_arr_new(J, 2), jv_num(f));
    return jv_arr_push(J, r, jv_num(ip));
}

VF(toarray)
{
    (void)a;
    if (in.k == JV_ARRAY) return jv_ref(in);
    return jv_arr_push(J, jv_arr_new(J, 1), jv_ref(in));
}

VF(have_decnum) { (void)a; (void)in; return jv_bool(false); }
VF(have_literal_numbers) { (void)a; (void)in; return jv_bool(true); }


/* ---- paths ---- */
static jv getpath(jq_state *J, jv v, jv p)
{
    if (p.k != JV_ARRAY) {
        jq_errorf(J, "Path must be specified as an array");
        return jv_invalid();
    }
    jv cur = jv_ref(v);
    for (uint32_t i = 0; i < p.u.a->len; i++) {
        if (cur.k == JV_NULL) return cur;
        jv nx = jq_index(J, cur, p.u.a->v[i]);
        jv_unref(J, cur);
        if (nx.k == JV_INVALID) return nx;
        cur = nx;
    }
    return cur;
}

/* v (owned) with the value at p[i..] replaced by x (owned) */
static jv setpath(jq_state *J, jv v, jv p, uint32_t i, jv x)
{
    if (i == p.u.a->len) {
        jv_unref(J, v);
        return x;
    }
    jv k = p.u.a->v[i];
    if (vk_stack_low()) jq_fatal(J, "path too deep");
    if (k.k == JV_STRING) {
        if (v.k == JV_NULL) v = jv_obj_new(J);
        if (v.k != JV_OBJECT) {
            jq_errorf(J, "Cannot index %s with \"%s\"", jv_kind_name(v), k.u.s->s);
            jv_unref(J, v);
            jv_unref(J, x);
            return jv_invalid();
        }
        v = jv_unshare(J, v);
        /* take the child out so it has one reference and changes in place */
        jv child = jv_obj_get(v, k);
        jv c = jv_null();
        if (child.k != JV_INVALID) {
            c = jv_ref(child);
            v = jv_obj_set(J, v, jv_ref(k), jv_null());
        }
        jv nc = setpath(J, c, p, i + 1, x);
        if (nc.k == JV_INVALID) {
            jv_unref(J, v);
            return nc;
        }
        return jv_obj_set(J, v, jv_ref(k), nc);
    }
    if (k.k == JV_NUMBER) {
        if (v.k == JV_NULL) v = jv_arr_new(J, 4);
        if (v.k != JV_ARRAY) {
            jq_errorf(J, "Cannot index %s with number", jv_kind_name(v));
            jv_unref(J, v);
            jv_unref(J, x);
            return jv_invalid();
        }
        double d = jv_n(k);
        long idx = (long)floor(d);
        if (idx < 0) {
            idx += (long)v.u.a->len;
            if (idx < 0) {
                jq_errorf(J, "Out of bounds negative array index");
                jv_unref(J, v);
                jv_unref(J, x);
                return jv_invalid();
            }
        }
        v = jv_unshare(J, v);
        jv c = jv_null();
        if ((uint32_t)idx < v.u.a->len) {
            c = v.u.a->v[idx];
            v.u.a->v[idx] = jv_null();
        }
        jv nc = setpath(J, c, p, i + 1, x);
        if (nc.k == JV_INVALID) {
            jv_unref(J, v);
            return nc;
        }
        return jv_arr_set(J, v, (size_t)idx, nc);
    }
    if (k.k == JV_OBJECT) {
        if (v.k == JV_NULL) v = jv_arr_new(J, 4);
        if (v.k != JV_ARRAY) {
            jq_errorf(J, "Cannot update field at object index of %s", jv_kind_name(v));
            jv_unref(J, v);
            jv_unref(J, x);
            return jv_invalid();
        }
        jv cur = jq_index(J, v, k);
        if (cur.k == JV_INVALID) {
            jv_unref(J, v);
            jv_unref(J, x);
            return cur;
        }
        jv nc = setpath(J, cur, p, i + 1, x);
        if (nc.k == JV_INVALID) {
            jv_unref(J, v);
            return nc;
        }
        if (nc.k != JV_ARRAY) {
            jv_unref(J, nc);
            jv_unref(J, v);
            jq_errorf(J, "A slice of an array can only be assigned another array");
            return jv_invalid();
        }
        jv from = jv_obj_getc(k, "start", 5), to = jv_obj_getc(k, "end", 3);
        double len = v.u.a->len;
        double f = from.k == JV_NUMBER ? jv_n(from) : 0, t = to.k == JV_NUMBER ? jv_n(to) : len;
        if (f < 0) f += len;
        if (t < 0) t += len;
        if (f < 0) f = 0;
        if (f > len) f = len;
        if (t > len) t = len;
        if (t < f) t = f;
        long lo = (long)floor(f), hi = (long)ceil(t);
        jv r = jv_arr_new(J, v.u.a->len + nc.u.a->len + 1);
        for (long j = 0; j < lo; j++) r = jv_arr_push(J, r, jv_ref(v.u.a->v[j]));
        for (uint32_t j = 0; j < nc.u.a->len; j++) r = jv_arr_push(J, r, jv_ref(nc.u.a->v[j]));
        for (long j = hi; j < (long)v.u.a->len; j++) r = jv_arr_push(J, r, jv_ref(v.u.a->v[j]));
        jv_unref(J, nc);
        jv_unref(J, v);
        return r;
    }
    if (v.k == JV_OBJECT)
        jq_errorf(J, "Cannot index object with %s", jv_kind_name(k));
    else if (v.k == JV_ARRAY)
        jq_errorf(J, "Cannot index array with %s", jv_kind_name(k));
    else
        jq_errorf(J, "Cannot index %s with %s", jv_kind_name(v), jv_kind_name(k));
    jv_unref(J, v);
    jv_unref(J, x);
    return jv_invalid();
}

jv jq_setpath(jq_state *J, jv v, jv p, jv x);
jv jq_setpath(jq_state *J, jv v, jv p, jv x)
{
    if (p.k != JV_ARRAY) {
        jv_unref(J, v);
        jv_unref(J, x);
        jq_errorf(J, "Path must be specified as an array");
        return jv_invalid();
    }
    return setpath(J, v, p, 0, x);
}

static jv delpath(jq_state *J, jv v, jv p, uint32_t i)
{
    if (v.k == JV_NULL) return v;
    jv k = p.u.a->v[i];
    if (i + 1 == p.u.a->len) {
        if (v.k == JV_OBJECT && k.k == JV_STRING) return jv_obj_del(J, v, k);
        if (v.k == JV_ARRAY && k.k == JV_NUMBER) {
            long idx = (long)floor(jv_n(k));
            if (idx < 0) idx += (long)v.u.a->len;
            if (idx < 0) {
                jv_unref(J, v);
                jq_errorf(J, "Out of bounds negative array index");
                return jv_invalid();
            }
            if ((uint32_t)idx >= v.u.a->len) return v;
            v = jv_unshare(J, v);
            jv_unref(J, v.u.a->v[idx]);
            memmove(v.u.a->v + idx, v.u.a->v + idx + 1, (v.u.a->len - (size_t)idx - 1) * sizeof(jv));
            v.u.a->len--;
            return v;
        }
        if (v.k == JV_ARRAY && k.k == JV_OBJECT) {
            jv from = jv_obj_getc(k, "start", 5), to = jv_obj_getc(k, "end", 3);
            double len = v.u.a->len;
            double f = from.k == JV_NUMBER ? jv_n(from) : 0, t = to.k == JV_NUMBER ? jv_n(to) : len;
            if (f < 0) f += len;
            if (t < 0) t += len;
            if (f < 0) f = 0;
            if (f > len) f = len;
            if (t > len) t = len;
            if (t < f) t = f;
            long lo = (long)floor(f), hi = (long)ceil(t);
            jv r = jv_arr_new(J, v.u.a->len + 1);
            for (long j = 0; j < (long)v.u.a->len; j++)
                if (j < lo || j >= hi) r = jv_arr_push(J, r, jv_ref(v.u.a->v[j]));
            jv_unref(J, v);
            return r;
        }
        if (v.k == JV_ARRAY)
            jq_errorf(J, "Cannot delete %s element of array", jv_kind_name(k));
        else if (v.k == JV_OBJECT)
            jq_errorf(J, "Cannot delete %s field of object", jv_kind_name(k));
        else
            jq_errorf(J, "Cannot delete fields from %s", jv_kind_name(v));
        jv_unref(J, v);
        return jv_invalid();
    }
    jv child = jq_index(J, v, k);
    if (child.k == JV_INVALID) {
        jv_unref(J, v);
        return child;
    }
    if (child.k == JV_NULL) {
        jv_unref(J, child);
        return v;
    }
    jv nc = delpath(J, child, p, i + 1);
    if (nc.k == JV_INVALID) {
        jv_unref(J, v);
        return nc;
    }
    jv pp = jv_arr_push(J, jv_arr_new(J, 1), jv_ref(k));
    jv r = setpath(J, v, pp, 0, nc);
    jv_unref(J, pp);
    return r;
}

static jv delpaths(jq_state *J, jv v, jv paths)
{
    if (paths.k != JV_ARRAY) {
        jv_unref(J, v);
        jq_errorf(J, "Paths must be specified as an array");
        return jv_invalid();
    }
    /* delete the longest/last paths first so earlier indices stay valid */
    size_t n = paths.u.a->len;
    jv *ps = jq_alloc(J, (n + 1) * sizeof(jv)), *vs = jq_alloc(J, (n + 1) * sizeof(jv));
    for (size_t i = 0; i < n; i++) ps[i] = vs[i] = paths.u.a->v[i];
    sort_pairs(J, ps, vs, n);
    for (size_t i = n; i-- > 0;) {
        if (ps[i].k != JV_ARRAY) {
            jq_errorf(J, "Path must be specified as an array");
            jv_unref(J, v);
            v = jv_invalid();
            break;
        }
        if (ps[i].u.a->len == 0) {
            jv_unref(J, v);
            v = jv_null();
            continue;
        }
        v = delpath(J, v, ps[i], 0);
        if (v.k == JV_INVALID) break;
    }
    jq_free(J, ps);
    jq_free(J, vs);
    return v;
}

static jv vf_getpath(jq_state *J, jv in, jv *a)
{
    jv r = getpath(J, in, a[0]);
    if (r.k == JV_INVALID) {
        /* jq: a path that cannot be followed gives null... except for type errors */
        return r;
    }
    return r;
}

static int bi_getpath(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (!path) return run_vf(J, vf_getpath, call, env, in, NULL, cb, ud);
    jv ps = jq_collect(J, ARG(0), env, in);
    if (ps.k == JV_INVALID) return J->pending_rc;
    int rc = JQ_OK;
    for (uint32_t i = 0; i < ps.u.a->len && rc == JQ_OK; i++) {
        jv p = ps.u.a->v[i];
        jv v = getpath(J, in, p);
        if (v.k == JV_INVALID) {
            rc = JQ_ERR;
            break;
        }
        jv np = jv_ref(*path);
        for (uint32_t j = 0; j < p.u.a->len; j++) np = jv_arr_push(J, np, jv_ref(p.u.a->v[j]));
        rc = CB(v, &np);
        jv_unref(J, np);
        jv_unref(J, v);
    }
    jv_unref(J, ps);
    return rc;
}

VF(setpath) { return jq_setpath(J, jv_ref(in), a[0], jv_ref(a[1])); }
VF(delpaths) { return delpaths(J, jv_ref(in), a[0]); }

static int bi_path(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv ps = jq_collect_paths(J, ARG(0), env, in);
    if (ps.k == JV_INVALID) return J->pending_rc;
    int rc = JQ_OK;
    for (uint32_t i = 0; i < ps.u.a->len && rc == JQ_OK; i++) {
        if (path) {
            char b[64];
            rc = jq_errorf(J, "Invalid path expression with result %s", jq_errval(J, ps.u.a->v[i], b, sizeof b));
        } else {
            rc = CB(ps.u.a->v[i], NULL);
        }
    }
    jv_unref(J, ps);
    return rc;
}

/* paths(f) as a generator over path(..) (streamed, not collected) */
typedef struct k_paths {
    jq_node *f;
    frame *env;
    jv root;
    jq_cb cb;
    void *ud;
    int mode; /* 0 paths, 1 paths(f), 2 leaf_paths */
} k_paths;

static int paths_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_paths *k = ud;
    if (p->u.a->len == 0) return JQ_OK;
    if (k->mode == 2 && (v.k == JV_ARRAY || v.k == JV_OBJECT)) return JQ_OK;
    if (k->mode == 1) {
        jv c = jq_collect(J, k->f, k->env, v);
        if (c.k == JV_INVALID) return J->pending_rc;
        int rc = JQ_OK;
        for (uint32_t i = 0; i < c.u.a->len && rc == JQ_OK; i++)
            if (jv_truthy(c.u.a->v[i])) rc = k->cb(J, *p, NULL, k->ud);
        jv_unref(J, c);
        return rc;
    }
    return k->cb(J, *p, NULL, k->ud);
}

static int recurse_paths(jq_state *J, jv v, jv *path, jq_cb cb, void *ud)
{
    int rc = cb(J, v, path, ud);
    if (rc) return rc;
    if (vk_stack_low()) jq_fatal(J, "recursion too deep");
    if (++J->ticks >= 4096) jq_tick(J);
    uint32_t n = v.k == JV_ARRAY ? v.u.a->len : v.k == JV_OBJECT ? v.u.o->len : 0;
    for (uint32_t i = 0; i < n && rc == JQ_OK; i++) {
        jv p = jq_path_add(J, path, v.k == JV_ARRAY ? jv_num(i) : jv_ref(v.u.o->e[i].key));
        rc = recurse_paths(J, v.k == JV_ARRAY ? v.u.a->v[i] : v.u.o->e[i].val, &p, cb, ud);
        jv_unref(J, p);
    }
    return rc;
}

static int paths_impl(jq_state *J, int mode, jq_node *f, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_paths k = {f, env, in, path ? pathguard_cb : cb, path ? (void *)&g : ud, mode};
    jv root = jv_arr_new(J, 1);
    int rc = recurse_paths(J, in, &root, paths_cb, &k);
    jv_unref(J, root);
    return rc;
}

static int bi_paths(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return paths_impl(J, 0, NULL, env, in, path, cb, ud);
}
static int bi_paths1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return paths_impl(J, 1, ARG(0), env, in, path, cb, ud);
}
static int bi_leaf_paths(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return paths_impl(J, 2, NULL, env, in, path, cb, ud);
}

/* ---- assignment ---- */
typedef struct k_asg {
    jq_node *n;
    frame *env;
    jv in;
    jv paths;
    jq_cb cb;
    void *ud;
    bool owned; /* in may be changed in place (reduce's state, one right-hand value) */
} k_asg;

static int first_cb(jq_state *J, jv v, jv *p, void *ud)
{
    jv *out = ud;
    *out = jv_ref(v);
    return JQ_BREAK;
}

static int asg_rhs_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_asg *k = ud;
    int op = k->n->op;
    jv st;
    if (!k->owned) {
        st = jv_ref(k->in);
    } else {
        st = k->in; /* the caller's reference, given away */
        k->owned = false;
        k->in = jv_invalid();
    }
    for (uint32_t i = 0; i < k->paths.u.a->len; i++) {
        jv pth = k->paths.u.a->v[i];
        jv nv;
        if (op == '=') {
            nv = jv_ref(v);
        } else {
            jv cur = getpath(J, st, pth);
            if (cur.k == JV_INVALID) {
                jv_unref(J, st);
                return JQ_ERR;
            }
            if (op == 'a') {
                nv = jv_truthy(cur) ? jv_ref(cur) : jv_ref(v);
            } else {
                nv = jq_arith(J, op, cur, v);
            }
            jv_unref(J, cur);
            if (nv.k == JV_INVALID) {
                jv_unref(J, st);
                return JQ_ERR;
            }
        }
        st = jq_setpath(J, st, pth, nv);
        if (st.k == JV_INVALID) return JQ_ERR;
    }
    int rc = k->cb(J, st, NULL, k->ud);
    jv_unref(J, st);
    return rc;
}

/* owned: in is a reference the caller gives away (reduce's state): it is changed in place
 * when nothing else can see it, so reduce ... (.; .[$k] += 1) stays linear. */
int jq_assign(jq_state *J, jq_node *n, frame *env, jv in, jq_cb cb, void *ud, bool owned)
{
    jv paths = jq_collect_paths(J, n->a, env, in);
    if (paths.k == JV_INVALID) {
        if (owned) jv_unref(J, in);
        return J->pending_rc;
    }
    int rc;
    if (n->op == '|') {
        jv st = owned ? in : jv_ref(in);
        jv del = jv_arr_new(J, 1);
        rc = JQ_OK;
        for (uint32_t i = 0; i < paths.u.a->len; i++) {
            jv pth = paths.u.a->v[i];
            jv cur = getpath(J, st, pth);
            if (cur.k == JV_INVALID) {
                rc = JQ_ERR;
                break;
            }
            jv out = jv_invalid();
            /* the first output of the update (jq 1.7), none: delete the path */
            uint64_t saved = J->brk;
            int r = jq_eval(J, n->b, env, cur, NULL, first_cb, &out);
            J->brk = saved;
            jv_unref(J, cur);
            if (r != JQ_OK && !(r == JQ_BREAK && out.k != JV_INVALID)) {
                if (out.k != JV_INVALID) jv_unref(J, out);
                rc = r;
                break;
            }
            if (out.k == JV_INVALID) {
                del = jv_arr_push(J, del, jv_ref(pth));
                continue;
            }
            st = jq_setpath(J, st, pth, out);
            if (st.k == JV_INVALID) {
                rc = JQ_ERR;
                break;
            }
        }
        if (rc == JQ_OK) {
            if (del.u.a->len) st = delpaths(J, st, del);
            if (st.k == JV_INVALID) rc = JQ_ERR;
            else rc = CB(st, NULL);
        }
        if (st.k != JV_INVALID) jv_unref(J, st);
        jv_unref(J, del);
        jv_unref(J, paths);
        return rc;
    }
    k_asg k = {n, env, in, paths, cb, ud, false};
    if (owned) {
        /* in place only when the right side has one value */
        jv vals = jq_collect(J, n->b, env, in);
        if (vals.k == JV_INVALID) {
            jv_unref(J, in);
            jv_unref(J, paths);
            return J->pending_rc;
        }
        rc = JQ_OK;
        k.owned = vals.u.a->len == 1;
        for (uint32_t i = 0; i < vals.u.a->len && rc == JQ_OK; i++) rc = asg_rhs_cb(J, vals.u.a->v[i], NULL, &k);
        if (k.owned || vals.u.a->len != 1) jv_unref(J, in);
        jv_unref(J, vals);
        jv_unref(J, paths);
        return rc;
    }
    rc = jq_eval(J, n->b, env, in, NULL, asg_rhs_cb, &k);
    jv_unref(J, paths);
    return rc;
}

/* reduce's "state + X" with the state given away: arrays, strings and objects grow in place */
int jq_add_owned(jq_state *J, jq_node *n, frame *env, jv in, jq_cb cb, void *ud);
int jq_add_owned(jq_state *J, jq_node *n, frame *env, jv in, jq_cb cb, void *ud)
{
    jv vals = jq_collect(J, n->b, env, in);
    if (vals.k == JV_INVALID) {
        jv_unref(J, in);
        return J->pending_rc;
    }
    int rc = JQ_OK;
    if (vals.u.a->len == 1) {
        jv x = vals.u.a->v[0];
        jv r;
        if (in.k == JV_ARRAY && x.k == JV_ARRAY) {
            r = in;
            for (uint32_t i = 0; i < x.u.a->len; i++) r = jv_arr_push(J, r, jv_ref(x.u.a->v[i]));
        } else if (in.k == JV_STRING && x.k == JV_STRING) {
            r = jv_str_cat(J, in, x.u.s->s, x.u.s->len);
        } else if (in.k == JV_OBJECT && x.k == JV_OBJECT) {
            r = in;
            for (uint32_t i = 0; i < x.u.o->len; i++)
                r = jv_obj_set(J, r, jv_ref(x.u.o->e[i].key), jv_ref(x.u.o->e[i].val));
        } else {
            r = jq_arith(J, '+', in, x);
            jv_unref(J, in);
        }
        if (r.k == JV_INVALID) rc = JQ_ERR;
        else {
            rc = CB(r, NULL);
            jv_unref(J, r);
        }
    } else {
        for (uint32_t i = 0; i < vals.u.a->len && rc == JQ_OK; i++) {
            jv r = jq_arith(J, '+', in, vals.u.a->v[i]);
            if (r.k == JV_INVALID) rc = JQ_ERR;
            else {
                rc = CB(r, NULL);
                jv_unref(J, r);
            }
        }
        jv_unref(J, in);
    }
    jv_unref(J, vals);
    return rc;
}

/* ---- generators and control ---- */
static int bi_empty(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return JQ_OK;
}

static int bi_error0(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return jq_error(J, jv_ref(in));
}

static int error_cb(jq_state *J, jv v, jv *p, void *ud) { return jq_error(J, jv_ref(v)); }

static int bi_error1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return jq_eval(J, ARG(0), env, in, NULL, error_cb, NULL);
}

typedef struct k_sel {
    jv in, *path;
    jq_cb cb;
    void *ud;
} k_sel;

static int select_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_sel *k = ud;
    if (!jv_truthy(v)) return JQ_OK;
    return k->cb(J, k->in, k->path, k->ud);
}

static int bi_select(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_sel k = {in, path, cb, ud};
    return jq_eval(J, ARG(0), env, in, NULL, select_cb, &k);
}

typedef struct k_rec {
    jq_node *f;
    frame *env;
    jq_cb cb;
    void *ud;
} k_rec;

static int rec_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_rec *k = ud;
    if (vk_stack_low()) jq_fatal(J, "recursion too deep");
    int rc = k->cb(J, v, p, k->ud);
    if (rc) return rc;
    return jq_eval(J, k->f, k->env, v, p, rec_cb, k);
}

static int bi_recurse1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_rec k = {ARG(0), env, cb, ud};
    return rec_cb(J, in, path, &k);
}

static int bi_recurse0(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    /* recurse(.[]?) */
    extern int jq_recurse_all(jq_state * J, jv v, jv * path, jq_cb cb, void *ud);
    return jq_recurse_all(J, in, path, cb, ud);
}

/* range */
typedef struct k_range {
    jq_node *call;
    frame *env;
    jv in;
    double a[3];
    int i;
    jq_cb cb;
    void *ud;
    jv *path;
} k_range;

static int range_run(jq_state *J, k_range *k)
{
    int n = (int)k->call->n;
    double from = 0, upto, by = 1;
    if (n == 1) upto = k->a[0];
    else {
        from = k->a[0];
        upto = k->a[1];
        if (n == 3) by = k->a[2];
    }
    int rc = JQ_OK;
    if (k->path) return pathguard_cb(J, jv_num(from), NULL, NULL);
    if (by > 0) {
        for (double x = from; x < upto && rc == JQ_OK; x += by) {
            if (++J->ticks >= 4096) jq_tick(J);
            rc = k->cb(J, jv_num(x), NULL, k->ud);
        }
    } else if (by < 0) {
        for (double x = from; x > upto && rc == JQ_OK; x += by) {
            if (++J->ticks >= 4096) jq_tick(J);
            rc = k->cb(J, jv_num(x), NULL, k->ud);
        }
    } else if (from < upto) {
        /* jq 1.7: by 0 repeats from forever */
        for (;;) {
            if (++J->ticks >= 4096) jq_tick(J);
            rc = k->cb(J, jv_num(from), NULL, k->ud);
            if (rc) break;
        }
    }
    return rc;
}

static int range_step(jq_state *J, k_range *k, int i);

static int range_arg_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_range *k = ud;
    int i = k->i;
    if (v.k != JV_NUMBER) return jq_errorf(J, "Range bounds must be numeric");
    k->a[i] = jv_n(v);
    int rc = range_step(J, k, i + 1);
    k->i = i;
    return rc;
}

static int range_step(jq_state *J, k_range *k, int i)
{
    if (i == (int)k->call->n) return range_run(J, k);
    k->i = i;
    return jq_eval(J, k->call->args[i], k->env, k->in, NULL, range_arg_cb, k);
}

static int bi_range(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_range k;
    memset(&k, 0, sizeof k);
    k.call = call;
    k.env = env;
    k.in = in;
    k.cb = cb;
    k.ud = ud;
    k.path = path;
    return range_step(J, &k, 0);
}

/* limit / first / isempty / last / nth */
typedef struct k_lim {
    long n, seen;
    jq_cb cb;
    void *ud;
    uint64_t id;
    bool down;
    jv last, lastpath;
    bool have;
} k_lim;

static int limit_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_lim *k = ud;
    k->seen++;
    int rc = k->cb(J, v, p, k->ud);
    if (rc) {
        k->down = true;
        return rc;
    }
    if (k->seen >= k->n) {
        J->brk = k->id;
        return JQ_BREAK;
    }
    return JQ_OK;
}

static int limit_n_cb(jq_state *J, jv nv, jv *p, void *ud)
{
    void **a = ud;
    jq_node *call = a[0];
    frame *env = a[1];
    jv *in = a[2];
    jv *path = a[3];
    jq_cb cb = (jq_cb)a[4];
    if (nv.k != JV_NUMBER) return jq_errorf(J, "Invalid limit: must be a number");
    double n = jv_n(nv);
    if (n <= 0) {
        if (n == 0) return JQ_OK;
        return jq_eval(J, ARG(1), env, *in, path, cb, a[5]);
    }
    k_lim k;
    memset(&k, 0, sizeof k);
    k.n = n > 1e18 ? (long)1e18 : (long)ceil(n);
    k.cb = cb;
    k.ud = a[5];
    k.id = ++J->labels;
    int rc = jq_eval(J, ARG(1), env, *in, path, limit_cb, &k);
    if (rc == JQ_BREAK && J->brk == k.id && !k.down) return JQ_OK;
    return rc;
}

static int bi_limit(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    void *a[6] = {call, env, &in, path, (void *)cb, ud};
    return jq_eval(J, ARG(0), env, in, NULL, limit_n_cb, a);
}

static int bi_first1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_lim k;
    memset(&k, 0, sizeof k);
    k.n = 1;
    k.cb = cb;
    k.ud = ud;
    k.id = ++J->labels;
    int rc = jq_eval(J, ARG(0), env, in, path, limit_cb, &k);
    if (rc == JQ_BREAK && J->brk == k.id && !k.down) return JQ_OK;
    return rc;
}

static int isempty_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_lim *k = ud;
    k->seen = 1;
    J->brk = k->id;
    return JQ_BREAK;
}

static int bi_isempty(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_lim k;
    memset(&k, 0, sizeof k);
    k.id = ++J->labels;
    int rc = jq_eval(J, ARG(0), env, in, NULL, isempty_cb, &k);
    if (rc == JQ_BREAK && J->brk == k.id) rc = JQ_OK;
    if (rc) return rc;
    return emit(J, jv_bool(k.seen == 0), path, cb, ud);
}

static int last_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_lim *k = ud;
    if (k->have) {
        jv_unref(J, k->last);
        jv_unref(J, k->lastpath);
    }
    k->last = jv_ref(v);
    k->lastpath = p ? jv_ref(*p) : jv_invalid();
    k->have = true;
    return JQ_OK;
}

static int bi_last1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    /* jq's last(f) is a reduce: not a path expression */
    k_lim k;
    memset(&k, 0, sizeof k);
    int rc = jq_eval(J, ARG(0), env, in, NULL, last_cb, &k);
    if (rc == JQ_OK && k.have) rc = path ? pathguard_cb(J, k.last, NULL, NULL) : CB(k.last, NULL);
    if (k.have) {
        jv_unref(J, k.last);
        jv_unref(J, k.lastpath);
    }
    return rc;
}

/* while / until / repeat: loops while the update gives one output, recursion otherwise */
enum { LOOP_WHILE, LOOP_UNTIL, LOOP_REPEAT };
typedef struct k_loop {
    int mode;
    jq_node *cond, *upd;
    frame *env;
    jq_cb cb;
    void *ud;
} k_loop;

static int loop_from(jq_state *J, k_loop *k, jv v);


static int loop_from(jq_state *J, k_loop *k, jv v0)
{
    jv v = jv_ref(v0);
    int rc = JQ_OK;
    if (vk_stack_low()) jq_fatal(J, "recursion too deep");
    for (;;) {
        if (++J->ticks >= 1024) jq_tick(J);
        if (k->mode != LOOP_REPEAT) {
            jv c = jv_invalid();
            uint64_t saved = J->brk;
            int r = jq_eval(J, k->cond, k->env, v, NULL, first_cb, &c);
            J->brk = saved;
            if (r != JQ_OK && !(r == JQ_BREAK && c.k != JV_INVALID)) {
                rc = r;
                break;
            }
            bool t = c.k != JV_INVALID && jv_truthy(c);
            if (c.k != JV_INVALID) jv_unref(J, c);
            if (k->mode == LOOP_WHILE && !t) break;
            if (k->mode == LOOP_UNTIL && t) {
                rc = k->cb(J, v, NULL, k->ud);
                break;
            }
        }
        if (k->mode != LOOP_UNTIL) {
            rc = k->cb(J, v, NULL, k->ud);
            if (rc) break;
        }
        jv outs = jq_collect(J, k->upd, k->env, v);
        if (outs.k == JV_INVALID) {
            rc = J->pending_rc;
            break;
        }
        if (outs.u.a->len == 1) {
            jv_unref(J, v);
            v = jv_ref(outs.u.a->v[0]);
            jv_unref(J, outs);
            continue;
        }
        for (uint32_t i = 0; i < outs.u.a->len && rc == JQ_OK; i++) rc = loop_from(J, k, outs.u.a->v[i]);
        jv_unref(J, outs);
        break;
    }
    jv_unref(J, v);
    return rc;
}

static int bi_while(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_loop k = {LOOP_WHILE, ARG(0), ARG(1), env, path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return loop_from(J, &k, in);
}
static int bi_until(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_loop k = {LOOP_UNTIL, ARG(0), ARG(1), env, path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return loop_from(J, &k, in);
}
static int bi_repeat(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_loop k = {LOOP_REPEAT, NULL, ARG(0), env, path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return loop_from(J, &k, in);
}

/* ---- input ---- */
int jq_next_input(jq_state *J, jv *out); /* jq.c: 1, 0 at the end, or JQ_ERR */

static int bi_input(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv v;
    int r = jq_next_input(J, &v);
    if (r < 0) return JQ_ERR;
    if (r == 0) return jq_errorf(J, "No more inputs");
    return emit(J, v, path, cb, ud);
}

static int bi_inputs(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    for (;;) {
        jv v;
        int r = jq_next_input(J, &v);
        if (r < 0) return JQ_ERR;
        if (r == 0) return JQ_OK;
        int rc = emit(J, v, path, cb, ud);
        if (rc) return rc;
    }
}

static int bi_debug(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    vl_buf b = {0};
    vl_buf_adds(J->c, &b, "[\"DEBUG:\",");
    jq_dump(J, &b, in, J->dump_flags & JQ_DUMP_ASCII, 0);
    vl_buf_adds(J->c, &b, "]\n");
    vl_flush(J->c);
    vl_write_fd(J->c, 2, b.data, b.len);
    vl_buf_free(J->c, &b);
    return CB(in, path);
}

static int debugmsg_cb(jq_state *J, jv v, jv *p, void *ud)
{
    vl_buf b = {0};
    vl_buf_adds(J->c, &b, "[\"DEBUG:\",");
    jq_dump(J, &b, v, J->dump_flags & JQ_DUMP_ASCII, 0);
    vl_buf_adds(J->c, &b, "]\n");
    vl_flush(J->c);
    vl_write_fd(J->c, 2, b.data, b.len);
    vl_buf_free(J->c, &b);
    return JQ_OK;
}

static int bi_debug1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    int rc = jq_eval(J, ARG(0), env, in, NULL, debugmsg_cb, NULL);
    if (rc) return rc;
    return CB(in, path);
}

static int bi_stderr(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    vl_buf b = {0};
    jq_dump(J, &b, in, J->dump_flags & JQ_DUMP_ASCII, 0);
    vl_flush(J->c);
    vl_write_fd(J->c, 2, b.data, b.len);
    vl_buf_free(J->c, &b);
    return CB(in, path);
}

static int bi_input_filename(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    extern const char *jq_reader_name(jq_reader * R);
    extern bool jq_reader_started(jq_reader * R);
    const char *n = J->rd ? jq_reader_name(J->rd) : NULL;
    if (!n && J->rd && jq_reader_started(J->rd)) n = "<stdin>";
    return emit(J, n ? jv_str_c(J, n) : jv_null(), path, cb, ud);
}

static int bi_input_line_number(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    extern int jq_reader_line(jq_reader * R);
    return emit(J, jv_num(J->rd ? jq_reader_line(J->rd) : 0), path, cb, ud);
}

static int bi_halt(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    J->halt_status = 0;
    jv_unref(J, J->err);
    J->err = jv_invalid();
    return JQ_HALT;
}

static int halt_err(jq_state *J, jv in, jv code)
{
    if (code.k != JV_NUMBER) return jq_errorf(J, "halt_error/1: number required");
    J->halt_status = (int)jv_n(code);
    jv_unref(J, J->err);
    J->err = jv_ref(in);
    return JQ_HALT;
}

static int bi_halt_error0(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return halt_err(J, in, jv_num(5));
}

static int halt_code_cb(jq_state *J, jv v, jv *p, void *ud) { return halt_err(J, *(jv *)ud, v); }

static int bi_halt_error1(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return jq_eval(J, ARG(0), env, in, NULL, halt_code_cb, &in);
}

static jv env_object(jq_state *J)
{
    if (J->env_obj.k == JV_OBJECT) return jv_ref(J->env_obj);
    jv o = jv_obj_new(J);
    for (char *const *e = vk_environ(J->c->p); e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        o = jv_obj_set(J, o, jv_str_new(J, *e, (size_t)(eq - *e)), jv_str_c(J, eq + 1));
    }
    J->env_obj = o;
    return jv_ref(o);
}

static int bi_env(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return emit(J, env_object(J), path, cb, ud);
}

static int bi_now(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return emit(J, jv_num((double)vk_time_ns(J->c->p) / 1e9), path, cb, ud);
}

static int bi_builtins(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud);
static int bi_splits(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud);

jv jq_global_var(jq_state *J, jq_node *n)
{
    if (!strcmp(n->name, "ENV")) return env_object(J);
    if (!strcmp(n->name, "__loc__")) {
        jv o = jv_obj_new(J);
        o = jv_obj_set(J, o, jv_str_c(J, "file"), jv_str_c(J, "<top-level>"));
        return jv_obj_set(J, o, jv_str_c(J, "line"), jv_num(n->line));
    }
    if (!strcmp(n->name, "ARGS") && J->named_args.k == JV_OBJECT) {
        jv o = jv_obj_new(J);
        o = jv_obj_set(J, o, jv_str_c(J, "positional"), jv_ref(J->pos_args));
        return jv_obj_set(J, o, jv_str_c(J, "named"), jv_ref(J->named_args));
    }
    if (J->named_args.k == JV_OBJECT) {
        jv v = jv_obj_getc(J->named_args, n->name, strlen(n->name));
        if (v.k != JV_INVALID) return jv_ref(v);
    }
    return jv_null();
}

bool jq_resolve_global_var(jq_state *J, const char *name)
{
    if (!strcmp(name, "ENV") || !strcmp(name, "__loc__") || !strcmp(name, "ARGS"))
        return true;
    return J->named_args.k == JV_OBJECT && jv_obj_getc(J->named_args, name, strlen(name)).k != JV_INVALID;
}

/* ---- formats ---- */
static void b64_enc(jq_state *J, vl_buf *b, const unsigned char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        char o[4] = {t[v >> 18], t[(v >> 12) & 63], i + 1 < n ? t[(v >> 6) & 63] : '=',
                     i + 2 < n ? t[v & 63] : '='};
        vl_buf_add(J->c, b, o, 4);
    }
}

static jv b64_dec(jq_state *J, jv in)
{
    const unsigned char *s = (const unsigned char *)in.u.s->s;
    size_t n = in.u.s->len;
    vl_buf b = {0};
    unsigned acc = 0;
    int bits = 0;
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
        int c = s[i], v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') break;
        else {
            vl_buf_free(J->c, &b);
            char x[64];
            jq_errorf(J, "%s (%s) is not valid base64 data", jv_kind_name(in), jq_errval(J, in, x, sizeof x));
            return jv_invalid();
        }
        valid++;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            vl_buf_addc(J->c, &b, (char)((acc >> bits) & 0xFF));
        }
    }
    if (valid % 4 == 1) {
        vl_buf_free(J->c, &b);
        char x[64];
        jq_errorf(J, "%s (%s) trailing base64 byte found", jv_kind_name(in), jq_errval(J, in, x, sizeof x));
        return jv_invalid();
    }
    vl_buf t = {0};
    jq_utf8_clean(J, &t, b.data, b.len);
    jv r = jv_str_new(J, t.data, t.len);
    vl_buf_free(J->c, &t);
    vl_buf_free(J->c, &b);
    return r;
}

static void b32_enc(jq_state *J, vl_buf *b, const unsigned char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    for (size_t i = 0; i < n; i += 5) {
        unsigned char in5[5] = {0};
        size_t k = n - i < 5 ? n - i : 5;
        memcpy(in5, s + i, k);
        uint64_t v = 0;
        for (int j = 0; j < 5; j++) v = (v << 8) | in5[j];
        static const int outc[] = {0, 2, 4, 5, 7, 8};
        int keep = outc[k];
        for (int j = 0; j < 8; j++) vl_buf_addc(J->c, b, j < keep ? t[(v >> (35 - 5 * j)) & 31] : '=');
    }
}

static jv b32_dec(jq_state *J, jv in)
{
    vl_buf b = {0};
    uint64_t acc = 0;
    int bits = 0;
    for (uint32_t i = 0; i < in.u.s->len; i++) {
        int c = (unsigned char)in.u.s->s[i], v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a';
        else if (c >= '2' && c <= '7') v = c - '2' + 26;
        else if (c == '=') break;
        else continue;
        acc = (acc << 5) | (unsigned)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            vl_buf_addc(J->c, &b, (char)((acc >> bits) & 0xFF));
        }
    }
    vl_buf t = {0};
    jq_utf8_clean(J, &t, b.data, b.len);
    jv r = jv_str_new(J, t.data, t.len);
    vl_buf_free(J->c, &t);
    vl_buf_free(J->c, &b);
    return r;
}

static jv tostr(jq_state *J, jv v) { return vf_tostring(J, v, NULL); }

jv jq_format(jq_state *J, jv fmt, jv v)
{
    const char *f = fmt.u.s->s;
    char x[64];
    if (!strcmp(f, "text")) return tostr(J, v);
    if (!strcmp(f, "json")) return vf_tojson(J, v, NULL);
    if (!strcmp(f, "csv") || !strcmp(f, "tsv")) {
        bool csv = f[0] == 'c';
        if (v.k != JV_ARRAY) {
            jq_errorf(J, "%s (%s) cannot be %s-formatted, only an array can be", jv_kind_name(v),
                      jq_errval(J, v, x, sizeof x), f);
            return jv_invalid();
        }
        vl_buf b = {0};
        for (uint32_t i = 0; i < v.u.a->len; i++) {
            jv e = v.u.a->v[i];
            if (i) vl_buf_addc(J->c, &b, csv ? ',' : '\t');
            switch (e.k) {
            case JV_NULL: break;
            case JV_TRUE: vl_buf_adds(J->c, &b, "true"); break;
            case JV_FALSE: vl_buf_adds(J->c, &b, "false"); break;
            case JV_NUMBER: {
                char nb[40];
                if (e.lit) vl_buf_adds(J->c, &b, e.u.l->s);
                else {
                    jq_num_fmt(jv_n(e), nb);
                    vl_buf_adds(J->c, &b, nb);
                }
                break;
            }
            case JV_STRING:
                if (csv) {
                    vl_buf_addc(J->c, &b, '"');
                    for (uint32_t j = 0; j < e.u.s->len; j++) {
                        if (e.u.s->s[j] == '"') vl_buf_addc(J->c, &b, '"');
                        vl_buf_addc(J->c, &b, e.u.s->s[j]);
                    }
                    vl_buf_addc(J->c, &b, '"');
                } else {
                    for (uint32_t j = 0; j < e.u.s->len; j++) {
                        char c = e.u.s->s[j];
                        if (c == '\\') vl_buf_adds(J->c, &b, "\\\\");
                        else if (c == '\t') vl_buf_adds(J->c, &b, "\\t");
                        else if (c == '\n') vl_buf_adds(J->c, &b, "\\n");
                        else if (c == '\r') vl_buf_adds(J->c, &b, "\\r");
                        else vl_buf_addc(J->c, &b, c);
                    }
                }
                break;
            default:
                vl_buf_free(J->c, &b);
                jq_errorf(J, "%s (%s) is not valid in a csv row", jv_kind_name(e), jq_errval(J, e, x, sizeof x));
                return jv_invalid();
            }
        }
        jv r = jv_str_new(J, b.data, b.len);
        vl_buf_free(J->c, &b);
        return r;
    }
    if (!strcmp(f, "sh")) {
        jv arr = v.k == JV_ARRAY ? jv_ref(v) : jv_arr_push(J, jv_arr_new(J, 1), jv_ref(v));
        vl_buf b = {0};
        for (uint32_t i = 0; i < arr.u.a->len; i++) {
            jv e = arr.u.a->v[i];
            if (i) vl_buf_addc(J->c, &b, ' ');
            if (e.k == JV_ARRAY || e.k == JV_OBJECT) {
                vl_buf_free(J->c, &b);
                jv_unref(J, arr);
                jq_errorf(J, "%s (%s) can not be escaped for shell", jv_kind_name(e), jq_errval(J, e, x, sizeof x));
                return jv_invalid();
            }
            if (e.k == JV_STRING) {
                vl_buf_addc(J->c, &b, '\'');
                for (uint32_t j = 0; j < e.u.s->len; j++) {
                    if (e.u.s->s[j] == '\'') vl_buf_adds(J->c, &b, "'\\''");
                    else vl_buf_addc(J->c, &b, e.u.s->s[j]);
                }
                vl_buf_addc(J->c, &b, '\'');
            } else {
                jq_dump(J, &b, e, 0, 0);
            }
        }
        jv_unref(J, arr);
        jv r = jv_str_new(J, b.data, b.len);
        vl_buf_free(J->c, &b);
        return r;
    }
    if (!strcmp(f, "html") || !strcmp(f, "uri") || !strcmp(f, "base64") || !strcmp(f, "base32") ||
        !strcmp(f, "base64d") || !strcmp(f, "base32d")) {
        jv s = tostr(J, v);
        vl_buf b = {0};
        const unsigned char *p = (const unsigned char *)s.u.s->s;
        size_t n = s.u.s->len;
        if (f[0] == 'h') {
            for (size_t i = 0; i < n; i++) {
                switch (p[i]) {
                case '<': vl_buf_adds(J->c, &b, "&lt;"); break;
                case '>': vl_buf_adds(J->c, &b, "&gt;"); break;
                case '&': vl_buf_adds(J->c, &b, "&amp;"); break;
                case '\'': vl_buf_adds(J->c, &b, "&apos;"); break;
                case '"': vl_buf_adds(J->c, &b, "&quot;"); break;
                default: vl_buf_addc(J->c, &b, (char)p[i]);
                }
            }
        } else if (f[0] == 'u') {
            for (size_t i = 0; i < n; i++) {
                unsigned char c = p[i];
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || c == '!' || c == '*' ||
                    c == '\'' || c == '(' || c == ')')
                    vl_buf_addc(J->c, &b, (char)c);
                else
                    vl_buf_printf(J->c, &b, "%%%02X", c);
            }
        } else if (!strcmp(f, "base64")) {
            b64_enc(J, &b, p, n);
        } else if (!strcmp(f, "base32")) {
            b32_enc(J, &b, p, n);
        } else if (!strcmp(f, "base64d")) {
            jv r = b64_dec(J, s);
            jv_unref(J, s);
            return r;
        } else {
            jv r = b32_dec(J, s);
            jv_unref(J, s);
            return r;
        }
        jv_unref(J, s);
        jv r = jv_str_new(J, b.data, b.len);
        vl_buf_free(J->c, &b);
        return r;
    }
    jq_errorf(J, "%s is not a valid format", f);
    return jv_invalid();
}

static int bi_format(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud);
static jv fmt_vf(jq_state *J, jv in, jv *a)
{
    if (a[0].k != JV_STRING) return errv(J, "%s (%s) is not a valid format", a[0]);
    return jq_format(J, a[0], in);
}
static int bi_format(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return run_vf(J, fmt_vf, call, env, in, path, cb, ud);
}

/* ---- regular expressions ---- */
typedef struct re_ent {
    struct re_ent *next;
    char *key; /* flags '\0' pattern */
    size_t keylen;
    vl_re *re;
    size_t ng;
    char **names; /* group names, 1-based (NULL: unnamed) */
    bool global, noempty;
} re_ent;

typedef struct re_cache {
    re_ent *list;
} re_cache;

static void re_free_all(void *arg)
{
    re_cache *rc = arg;
    for (re_ent *e = rc->list; e; e = e->next) vl_re_free(e->re);
    rc->list = NULL;
}

/* Group names in order of their opening parenthesis (PCRE numbering). */
static void re_names(jq_state *J, re_ent *e, const char *p, size_t n)
{
    e->names = jq_alloc(J, (e->ng + 1) * sizeof(char *));
    memset(e->names, 0, (e->ng + 1) * sizeof(char *));
    size_t g = 0;
    bool cls = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\') {
            i++;
            continue;
        }
        if (cls) {
            if (c == ']') cls = false;
            continue;
        }
        if (c == '[') {
            cls = true;
            if (i + 1 < n && p[i + 1] == ']') i++;
            continue;
        }
        if (c != '(') continue;
        if (i + 1 < n && p[i + 1] == '?') {
            size_t s = 0;
            if (i + 2 < n && (p[i + 2] == '<' || p[i + 2] == '\'') && i + 3 < n && p[i + 3] != '=' && p[i + 3] != '!')
                s = i + 3;
            else if (i + 3 < n && p[i + 2] == 'P' && p[i + 3] == '<')
                s = i + 4;
            if (!s) continue;
            size_t t = s;
            while (t < n && p[t] != '>' && p[t] != '\'') t++;
            g++;
            if (g <= e->ng) {
                char *nm = jq_alloc(J, t - s + 1);
                memcpy(nm, p + s, t - s);
                nm[t - s] = 0;
                e->names[g] = nm;
            }
            continue;
        }
        if (i + 1 < n && p[i + 1] == '*') continue;
        g++;
    }
}

static re_ent *re_get(jq_state *J, jv re, jv flags)
{
    char x[64];
    if (re.k != JV_STRING) {
        jq_errorf(J, "%s (%s) cannot be matched, as it is not a string", jv_kind_name(re), jq_errval(J, re, x, sizeof x));
        return NULL;
    }
    const char *fl = "";
    if (flags.k == JV_STRING) fl = flags.u.s->s;
    else if (flags.k != JV_NULL) {
        jq_errorf(J, "%s (%s) is not a string", jv_kind_name(flags), jq_errval(J, flags, x, sizeof x));
        return NULL;
    }
    if (!J->re_cache) {
        J->re_cache = jq_alloc(J, sizeof(re_cache));
        memset(J->re_cache, 0, sizeof(re_cache));
        vl_defer(J->c, re_free_all, J->re_cache);
    }
    re_cache *cache = J->re_cache;
    size_t fl_n = strlen(fl);
    for (re_ent *e = cache->list; e; e = e->next)
        if (e->keylen == fl_n + 1 + re.u.s->len && !memcmp(e->key, fl, fl_n) && e->key[fl_n] == 0 &&
            !memcmp(e->key + fl_n + 1, re.u.s->s, re.u.s->len))
            return e;
    int cflags = 0;
    bool global = false, noempty = false, ext = false, dotall = false;
    for (const char *q = fl; *q; q++) {
        switch (*q) {
        case 'g': global = true; break;
        case 'i': cflags |= VL_RE_ICASE; break;
        case 'x': ext = true; break;
        case 'n': noempty = true; break;
        case 's': dotall = true; break;
        case 'p': dotall = true; break;
        case 'l': break;
        default:
            jq_errorf(J, "%s is not a valid modifier string", fl);
            return NULL;
        }
    }
    vl_buf pat = {0};
    if (ext) vl_buf_adds(J->c, &pat, "(?x)");
    if (dotall) vl_buf_adds(J->c, &pat, "(?s)");
    vl_buf_add(J->c, &pat, re.u.s->s, re.u.s->len);
    vl_re *r = NULL;
    vl_re_diag diag;
    memset(&diag, 0, sizeof diag);
    int rc = vl_re_compile(J->c->p, pat.data, pat.len, VL_RE_PCRE, cflags, &r, &diag);
    vl_buf_free(J->c, &pat);
    if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) {
        /* jq's regexes are Oniguruma's: say what it says for the common mistakes */
        static const char *const onig[][2] = {
            {"missing closing parenthesis", "end pattern with unmatched parenthesis"},
            {"unmatched closing parenthesis", "unmatched close parenthesis"},
            {"missing terminating ] for character class", "premature end of char-class"},
            {"numbers out of order in {} quantifier", "upper is smaller than lower in repeat range"},
            {"quantifier does not follow a repeatable item", "target of repeat operator is not specified"},
            {"range out of order in character class", "empty range in char class"},
            {NULL, NULL},
        };
        const char *msg = diag.msg;
        for (int i = 0; onig[i][0]; i++)
            if (!strcmp(msg, onig[i][0])) msg = onig[i][1];
        jq_errorf(J, "%s (at offset 0) is not a valid regex: %s", re.u.s->s, msg);
        return NULL;
    }
    if (rc < 0) {
        int w = vk_dying(J->c->p);
        vl_exit(J->c, w ? VK_WSHELL(w) : 5);
    }
    re_ent *e = jq_alloc(J, sizeof *e);
    memset(e, 0, sizeof *e);
    e->keylen = fl_n + 1 + re.u.s->len;
    e->key = jq_alloc(J, e->keylen);
    memcpy(e->key, fl, fl_n);
    e->key[fl_n] = 0;
    memcpy(e->key + fl_n + 1, re.u.s->s, re.u.s->len);
    e->re = r;
    e->ng = vl_re_ngroups(r);
    e->global = global;
    e->noempty = noempty;
    re_names(J, e, re.u.s->s, re.u.s->len);
    e->next = cache->list;
    cache->list = e;
    return e;
}

static jv mk_match(jq_state *J, const char *s, vl_re_span *m, re_ent *e)
{
    jv o = jv_obj_new(J);
    long off = utf8_cps(s, (size_t)m[0].so);
    long len = utf8_cps(s + m[0].so, (size_t)(m[0].eo - m[0].so));
    o = jv_obj_set(J, o, jv_str_c(J, "offset"), jv_num(off));
    o = jv_obj_set(J, o, jv_str_c(J, "length"), jv_num(len));
    o = jv_obj_set(J, o, jv_str_c(J, "string"), jv_str_new(J, s + m[0].so, (size_t)(m[0].eo - m[0].so)));
    jv caps = jv_arr_new(J, e->ng + 1);
    for (size_t g = 1; g <= e->ng; g++) {
        jv c = jv_obj_new(J);
        if (m[g].so < 0) {
            c = jv_obj_set(J, c, jv_str_c(J, "offset"), jv_num(-1));
            c = jv_obj_set(J, c, jv_str_c(J, "string"), jv_null());
            c = jv_obj_set(J, c, jv_str_c(J, "length"), jv_num(0));
        } else {
            c = jv_obj_set(J, c, jv_str_c(J, "offset"), jv_num(utf8_cps(s, (size_t)m[g].so)));
            c = jv_obj_set(J, c, jv_str_c(J, "length"), jv_num(utf8_cps(s + m[g].so, (size_t)(m[g].eo - m[g].so))));
            c = jv_obj_set(J, c, jv_str_c(J, "string"), jv_str_new(J, s + m[g].so, (size_t)(m[g].eo - m[g].so)));
        }
        c = jv_obj_set(J, c, jv_str_c(J, "name"), e->names[g] ? jv_str_c(J, e->names[g]) : jv_null());
        caps = jv_arr_push(J, caps, c);
    }
    return jv_obj_set(J, o, jv_str_c(J, "captures"), caps);
}

/* All matches (array of match objects); test: stop at the first. */
static jv re_matches(jq_state *J, jv in, jv re, jv flags, bool test, bool force_global)
{
    char x[64];
    if (in.k != JV_STRING) {
        jq_errorf(J, "%s (%s) cannot be matched, as it is not a string", jv_kind_name(in), jq_errval(J, in, x, sizeof x));
        return jv_invalid();
    }
    re_ent *e = re_get(J, re, flags);
    if (!e) return jv_invalid();
    bool global = e->global || force_global;
    const char *s = in.u.s->s;
    size_t n = in.u.s->len;
    vl_re_span mbuf[32];
    vl_re_span *m = e->ng + 1 <= 32 ? mbuf : jq_alloc(J, (e->ng + 1) * sizeof *m);
    jv r = jv_arr_new(J, 4);
    size_t start = 0;
    while (start <= n) {
        int rc = vl_re_search(e->re, s, n, start, 0, m, e->ng + 1);
        if (rc < 0) {
            if (rc == VL_RE_ECOMPLEX) {
                jv_unref(J, r);
                jq_errorf(J, "regex: %s", vl_re_limit_msg(e->re));
                r = jv_invalid();
                break;
            }
            int w = vk_dying(J->c->p);
            vl_exit(J->c, w ? VK_WSHELL(w) : 5);
        }
        if (rc == 0) break;
        bool empty = m[0].eo == m[0].so;
        if (!(empty && e->noempty)) {
            if (test) {
                r = jv_arr_push(J, r, jv_bool(true));
                break;
            }
            r = jv_arr_push(J, r, mk_match(J, s, m, e));
        }
        if (!global) break;
        if (empty) {
            size_t nx = (size_t)m[0].eo + 1;
            while (nx < n && ((unsigned char)s[nx] & 0xC0) == 0x80) nx++;
            start = nx;
        } else {
            start = (size_t)m[0].eo;
        }
    }
    if (m != mbuf) jq_free(J, m);
    return r;
}

static jv re_args_flags(jv *a, int nargs, int idx) { return idx < nargs ? a[idx] : jv_null(); }

/* test/match/capture with 1 or 2 arguments; with 1, the argument may be [re, flags] */
static void re_split_arg(jv *a, int n, jv *re, jv *flags)
{
    *re = a[0];
    *flags = re_args_flags(a, n, 1);
    if (n == 1 && a[0].k == JV_ARRAY) {
        *re = a[0].u.a->len > 0 ? a[0].u.a->v[0] : jv_null();
        *flags = a[0].u.a->len > 1 ? a[0].u.a->v[1] : jv_null();
    }
}

static jv vf_test1(jq_state *J, jv in, jv *a)
{
    jv re, fl;
    re_split_arg(a, 1, &re, &fl);
    jv r = re_matches(J, in, re, fl, true, false);
    if (r.k == JV_INVALID) return r;
    bool t = r.u.a->len > 0;
    jv_unref(J, r);
    return jv_bool(t);
}
static jv vf_test2(jq_state *J, jv in, jv *a)
{
    jv r = re_matches(J, in, a[0], a[1], true, false);
    if (r.k == JV_INVALID) return r;
    bool t = r.u.a->len > 0;
    jv_unref(J, r);
    return jv_bool(t);
}
static int bi_test(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return run_vf(J, call->n == 1 ? vf_test1 : vf_test2, call, env, in, path, cb, ud);
}

static jv vf_matches1(jq_state *J, jv in, jv *a)
{
    jv re, fl;
    re_split_arg(a, 1, &re, &fl);
    return re_matches(J, in, re, fl, false, false);
}
static jv vf_matches2(jq_state *J, jv in, jv *a) { return re_matches(J, in, a[0], a[1], false, false); }

static int each_cb_emit(jq_state *J, jv arr, jv *path, jq_cb cb, void *ud)
{
    int rc = JQ_OK;
    for (uint32_t i = 0; i < arr.u.a->len && rc == JQ_OK; i++) rc = emit(J, jv_ref(arr.u.a->v[i]), path, cb, ud);
    return rc;
}

typedef struct k_re {
    int kind; /* 0 match, 1 capture, 2 scan, 3 splits */
    jq_cb cb;
    void *ud;
    jv *path;
    jv in;
} k_re;

static jv capture_obj(jq_state *J, jv m)
{
    jv o = jv_obj_new(J);
    jv caps = jv_obj_getc(m, "captures", 8);
    for (uint32_t i = 0; i < caps.u.a->len; i++) {
        jv c = caps.u.a->v[i];
        jv nm = jv_obj_getc(c, "name", 4);
        if (nm.k != JV_STRING) continue;
        o = jv_obj_set(J, o, jv_ref(nm), jv_ref(jv_obj_getc(c, "string", 6)));
    }
    return o;
}

static int re_out_cb(jq_state *J, jv arr, jv *p, void *ud)
{
    k_re *k = ud;
    int rc = JQ_OK;
    for (uint32_t i = 0; i < arr.u.a->len && rc == JQ_OK; i++) {
        jv m = arr.u.a->v[i];
        if (k->kind == 0) rc = emit(J, jv_ref(m), k->path, k->cb, k->ud);
        else if (k->kind == 1) rc = emit(J, capture_obj(J, m), k->path, k->cb, k->ud);
        else if (k->kind == 2) {
            jv caps = jv_obj_getc(m, "captures", 8);
            if (caps.u.a->len == 0) {
                rc = emit(J, jv_ref(jv_obj_getc(m, "string", 6)), k->path, k->cb, k->ud);
            } else {
                jv r = jv_arr_new(J, caps.u.a->len + 1);
                for (uint32_t j = 0; j < caps.u.a->len; j++)
                    r = jv_arr_push(J, r, jv_ref(jv_obj_getc(caps.u.a->v[j], "string", 6)));
                rc = emit(J, r, k->path, k->cb, k->ud);
            }
        }
    }
    return rc;
}

static jv vf_scan_m1(jq_state *J, jv in, jv *a) { return re_matches(J, in, a[0], jv_null(), false, true); }
static jv vf_scan_m2(jq_state *J, jv in, jv *a) { return re_matches(J, in, a[0], a[1], false, true); }

static int re_gen(jq_state *J, int kind, vfn f, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_re k = {kind, cb, ud, path, in};
    return run_vf(J, f, call, env, in, NULL, re_out_cb, &k);
}

static int bi_match(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return re_gen(J, 0, call->n == 1 ? vf_matches1 : vf_matches2, call, env, in, path, cb, ud);
}
static int bi_capture(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return re_gen(J, 1, call->n == 1 ? vf_matches1 : vf_matches2, call, env, in, path, cb, ud);
}
static int bi_scan(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return re_gen(J, 2, call->n == 1 ? vf_scan_m1 : vf_scan_m2, call, env, in, path, cb, ud);
}

static jv re_split(jq_state *J, jv in, jv re, jv flags)
{
    jv ms = re_matches(J, in, re, flags, false, true);
    if (ms.k == JV_INVALID) return ms;
    jv r = jv_arr_new(J, ms.u.a->len + 2);
    const char *s = in.u.s->s;
    size_t n = in.u.s->len;
    long prev = 0;
    for (uint32_t i = 0; i < ms.u.a->len; i++) {
        long off = (long)jv_n(jv_obj_getc(ms.u.a->v[i], "offset", 6));
        long len = (long)jv_n(jv_obj_getc(ms.u.a->v[i], "length", 6));
        size_t b0 = cp_off_b(s, n, prev), b1 = cp_off_b(s, n, off);
        r = jv_arr_push(J, r, jv_str_new(J, s + b0, b1 - b0));
        prev = off + len;
    }
    size_t b0 = cp_off_b(s, n, prev);
    r = jv_arr_push(J, r, jv_str_new(J, s + b0, n - b0));
    jv_unref(J, ms);
    return r;
}

static jv vf_split2(jq_state *J, jv in, jv *a)
{
    char x[64];
    if (in.k != JV_STRING) return errv(J, "%s (%s) cannot be matched, as it is not a string", in);
    (void)x;
    return re_split(J, in, a[0], a[1]);
}
static int bi_split(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return run_vf(J, call->n == 1 ? vf_split1 : vf_split2, call, env, in, path, cb, ud);
}

static jv vf_splits1(jq_state *J, jv in, jv *a)
{
    if (in.k != JV_STRING) return errv(J, "%s (%s) cannot be matched, as it is not a string", in);
    return re_split(J, in, a[0], jv_null());
}
static jv vf_splits2(jq_state *J, jv in, jv *a)
{
    if (in.k != JV_STRING) return errv(J, "%s (%s) cannot be matched, as it is not a string", in);
    return re_split(J, in, a[0], a[1]);
}
static int splits_cb(jq_state *J, jv arr, jv *p, void *ud)
{
    k_re *k = ud;
    return each_cb_emit(J, arr, k->path, k->cb, k->ud);
}
static int bi_splits(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_re k = {3, cb, ud, path, in};
    return run_vf(J, call->n == 1 ? vf_splits1 : vf_splits2, call, env, in, NULL, splits_cb, &k);
}

/* sub / gsub: every combination of the replacement's outputs (jq 1.7) */
typedef struct k_sub {
    jq_node *repl;
    frame *env;
    jv in;      /* the subject */
    jv ms;      /* matches */
    jv acc;
    uint32_t i;
    long prev;  /* end of the previous match (codepoints) */
    jq_cb cb;
    void *ud;
    jv *path;
} k_sub;

static int sub_step(jq_state *J, k_sub *k, uint32_t i, long prev, jv acc);

static int sub_repl_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_sub *k = ud;
    uint32_t i = k->i;
    if (v.k != JV_STRING) {
        char x[64], y[64];
        return jq_errorf(J, "%s (%s) and %s (%s) cannot be added", "string", jq_errval(J, k->acc, y, sizeof y),
                         jv_kind_name(v), jq_errval(J, v, x, sizeof x));
    }
    jv m = k->ms.u.a->v[i];
    long off = (long)jv_n(jv_obj_getc(m, "offset", 6)), len = (long)jv_n(jv_obj_getc(m, "length", 6));
    const char *s = k->in.u.s->s;
    size_t n = k->in.u.s->len;
    size_t b0 = cp_off_b(s, n, k->prev), b1 = cp_off_b(s, n, off);
    jv acc = jv_str_new(J, k->acc.u.s->s, k->acc.u.s->len);
    acc = jv_str_cat(J, acc, s + b0, b1 - b0);
    acc = jv_str_cat(J, acc, v.u.s->s, v.u.s->len);
    long saveprev = k->prev;
    jv saveacc = k->acc;
    int rc = sub_step(J, k, i + 1, off + len, acc);
    jv_unref(J, acc);
    k->i = i;
    k->prev = saveprev;
    k->acc = saveacc;
    return rc;
}

static int sub_step(jq_state *J, k_sub *k, uint32_t i, long prev, jv acc)
{
    if (i == k->ms.u.a->len) {
        const char *s = k->in.u.s->s;
        size_t n = k->in.u.s->len;
        size_t b0 = cp_off_b(s, n, prev);
        jv r = jv_str_new(J, acc.u.s->s, acc.u.s->len);
        r = jv_str_cat(J, r, s + b0, n - b0);
        return emit(J, r, k->path, k->cb, k->ud);
    }
    k->i = i;
    k->prev = prev;
    k->acc = acc;
    jv cap = capture_obj(J, k->ms.u.a->v[i]);
    int rc = jq_eval(J, k->repl, k->env, cap, NULL, sub_repl_cb, k);
    jv_unref(J, cap);
    return rc;
}

typedef struct k_subargs {
    jq_node *call;
    frame *env;
    jv in;
    bool global;
    jq_cb cb;
    void *ud;
    jv *path;
    jv flags;
} k_subargs;

static int sub_run(jq_state *J, k_subargs *a, jv re)
{
    jv fl = a->flags;
    jv ms;
    if (a->in.k != JV_STRING) {
        char x[64];
        return jq_errorf(J, "%s (%s) cannot be matched, as it is not a string", jv_kind_name(a->in),
                         jq_errval(J, a->in, x, sizeof x));
    }
    ms = re_matches(J, a->in, re, fl, false, a->global);
    if (ms.k == JV_INVALID) return JQ_ERR;
    k_sub k;
    memset(&k, 0, sizeof k);
    k.repl = a->call->args[1];
    k.env = a->env;
    k.in = a->in;
    k.ms = ms;
    k.cb = a->cb;
    k.ud = a->ud;
    k.path = a->path;
    jv acc = jv_str_new(J, NULL, 0);
    int rc = sub_step(J, &k, 0, 0, acc);
    jv_unref(J, acc);
    jv_unref(J, ms);
    return rc;
}

static int sub_re_cb(jq_state *J, jv re, jv *p, void *ud) { return sub_run(J, ud, re); }

static int sub_flags_cb(jq_state *J, jv fl, jv *p, void *ud)
{
    k_subargs *a = ud;
    a->flags = fl;
    return jq_eval(J, a->call->args[0], a->env, a->in, NULL, sub_re_cb, a);
}

static int sub_impl(jq_state *J, bool global, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_subargs a = {call, env, in, global, cb, ud, path, jv_null()};
    if (call->n == 3) return jq_eval(J, call->args[2], env, in, NULL, sub_flags_cb, &a);
    return jq_eval(J, call->args[0], env, in, NULL, sub_re_cb, &a);
}

static int bi_sub(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return sub_impl(J, false, call, env, in, path, cb, ud);
}
static int bi_gsub(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return sub_impl(J, true, call, env, in, path, cb, ud);
}

/* ---- dates (UTC; broken-down time as jq: [year, month0, mday, hours, minutes, seconds,
 * wday, yday]) ---- */
static jv bdt_from_tm(jq_state *J, const vl_tm *tm, double fsec)
{
    jv r = jv_arr_new(J, 8);
    r = jv_arr_push(J, r, jv_num((double)tm->year));
    r = jv_arr_push(J, r, jv_num(tm->mon - 1));
    r = jv_arr_push(J, r, jv_num(tm->mday));
    r = jv_arr_push(J, r, jv_num(tm->hour));
    r = jv_arr_push(J, r, jv_num(tm->min));
    r = jv_arr_push(J, r, jv_num(fsec));
    r = jv_arr_push(J, r, jv_num(tm->wday));
    r = jv_arr_push(J, r, jv_num(tm->yday));
    return r;
}

static bool tm_from_bdt(jq_state *J, jv a, vl_tm *tm, const char *who)
{
    if (a.k != JV_ARRAY || a.u.a->len < 6) {
        jq_errorf(J, "%s requires array of 6 numbers", who);
        return false;
    }
    for (uint32_t i = 0; i < a.u.a->len && i < 8; i++)
        if (a.u.a->v[i].k != JV_NUMBER) {
            jq_errorf(J, "%s requires parsed datetime inputs", who);
            return false;
        }
    memset(tm, 0, sizeof *tm);
    tm->year = (int64_t)jv_n(a.u.a->v[0]);
    tm->mon = (int)jv_n(a.u.a->v[1]) + 1;
    tm->mday = (int)jv_n(a.u.a->v[2]);
    tm->hour = (int)jv_n(a.u.a->v[3]);
    tm->min = (int)jv_n(a.u.a->v[4]);
    tm->sec = (int)jv_n(a.u.a->v[5]);
    tm->wday = a.u.a->len > 6 ? (int)jv_n(a.u.a->v[6]) : 0;
    tm->yday = a.u.a->len > 7 ? (int)jv_n(a.u.a->v[7]) : 0;
    tm->isdst = 0;
    strcpy(tm->zone, "UTC");
    return true;
}

VF(gmtime)
{
    (void)a;
    if (in.k != JV_NUMBER) {
        jq_errorf(J, "gmtime() requires a number");
        return jv_invalid();
    }
    double t = jv_n(in);
    double fl = floor(t);
    vl_tm tm;
    if (!vl_time_split((int64_t)fl, 0, NULL, &tm)) {
        jq_errorf(J, "errror converting number of seconds since epoch to datetime");
        return jv_invalid();
    }
    return bdt_from_tm(J, &tm, tm.sec + (t - fl));
}

VF(localtime)
{
    (void)a;
    if (in.k != JV_NUMBER) {
        jq_errorf(J, "localtime() requires a number");
        return jv_invalid();
    }
    vl_tz tz;
    vl_tz_from_env(J->c, &tz);
    double t = jv_n(in), fl = floor(t);
    vl_tm tm;
    if (!vl_time_split((int64_t)fl, 0, &tz, &tm)) {
        jq_errorf(J, "error converting number of seconds since epoch to datetime");
        return jv_invalid();
    }
    return bdt_from_tm(J, &tm, tm.sec + (t - fl));
}

VF(mktime)
{
    (void)a;
    if (in.k != JV_ARRAY) {
        jq_errorf(J, "mktime requires array of 6 numbers");
        return jv_invalid();
    }
    vl_tm tm;
    if (!tm_from_bdt(J, in, &tm, "mktime")) return jv_invalid();
    int64_t t;
    if (!vl_time_make(&tm, NULL, &t)) {
        jq_errorf(J, "invalid gmtime representation");
        return jv_invalid();
    }
    return jv_num((double)t);
}

static jv strftime_impl(jq_state *J, jv in, jv fmt, bool local)
{
    const char *who = local ? "strflocaltime" : "strftime";
    if (in.k == JV_NUMBER) {
        jv t = local ? vf_localtime(J, in, NULL) : vf_gmtime(J, in, NULL);
        if (t.k == JV_INVALID) return t;
        jv r = strftime_impl(J, t, fmt, local);
        jv_unref(J, t);
        return r;
    }
    if (fmt.k != JV_STRING) {
        jq_errorf(J, "%s/1 requires a string format", who);
        return jv_invalid();
    }
    if (in.k != JV_ARRAY) {
        jq_errorf(J, "%s/1 requires parsed datetime inputs", who);
        return jv_invalid();
    }
    vl_tm tm;
    if (!tm_from_bdt(J, in, &tm, who)) return jv_invalid();
    int64_t t = 0;
    vl_time_make(&tm, NULL, &t);
    tm.t = t;
    if (local) {
        vl_tz tz;
        vl_tz_from_env(J->c, &tz);
        int32_t off;
        const char *ab;
        int dst;
        tz.at(&tz, t, &off, &ab, &dst);
        tm.gmtoff = off;
        snprintf(tm.zone, sizeof tm.zone, "%s", ab);
        tm.t = t - off;
    }
    vl_buf b = {0};
    vl_strftime_buf(J->c, &b, fmt.u.s->s, &tm);
    jv r = jv_str_new(J, b.data, b.len);
    vl_buf_free(J->c, &b);
    return r;
}

VF(strftime) { return strftime_impl(J, in, a[0], false); }
VF(strflocaltime) { return strftime_impl(J, in, a[0], true); }

static const char *const mon_names[] = {"january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"};
static const char *const day_names[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

static bool sp_num(const char **s, int maxd, long *out)
{
    const char *p = *s;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    long v = 0;
    int d = 0;
    while (d < maxd && *p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        p++;
        d++;
    }
    if (!d) return false;
    *out = neg ? -v : v;
    *s = p;
    return true;
}

static bool sp_name(const char **s, const char *const *names, int n, long *out)
{
    for (int i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (strncasecmp(*s, names[i], l) == 0) {
            *s += l;
            *out = i;
            return true;
        }
        if (strncasecmp(*s, names[i], 3) == 0) {
            *s += 3;
            *out = i;
            return true;
        }
    }
    return false;
}

/* strptime for the conversions scripts use: %Y %m %d %e %H %M %S %j %y %b %B %h %a %A %T %D %F
 * %R %z %Z %s %p %n %t %% and blanks. */
static bool mini_strptime(const char *s, const char *f, vl_tm *tm, int64_t *epoch, bool *has_epoch)
{
    long v;
    int pm = -1;
    while (*f) {
        if (*f == ' ' || *f == '\t' || *f == '\n') {
            while (*s == ' ' || *s == '\t' || *s == '\n') s++;
            f++;
            continue;
        }
        if (*f != '%') {
            if (*s != *f) return false;
            s++;
            f++;
            continue;
        }
        f++;
        char c = *f++;
        if (c == 'E' || c == 'O') c = *f++;
        switch (c) {
        case 'Y': if (!sp_num(&s, 4, &v)) return false; tm->year = v; break;
        case 'm': if (!sp_num(&s, 2, &v)) return false; tm->mon = (int)v; break;
        case 'd': case 'e':
            while (*s == ' ') s++;
            if (!sp_num(&s, 2, &v)) return false;
            tm->mday = (int)v;
            break;
        case 'H': case 'k': if (!sp_num(&s, 2, &v)) return false; tm->hour = (int)v; break;
        case 'I': case 'l': if (!sp_num(&s, 2, &v)) return false; tm->hour = (int)v % 12; break;
        case 'M': if (!sp_num(&s, 2, &v)) return false; tm->min = (int)v; break;
        case 'S': if (!sp_num(&s, 2, &v)) return false; tm->sec = (int)v; break;
        case 'j': if (!sp_num(&s, 3, &v)) return false; tm->yday = (int)v - 1; break;
        case 'y':
            if (!sp_num(&s, 2, &v)) return false;
            tm->year = v < 69 ? 2000 + v : 1900 + v;
            break;
        case 'b': case 'B': case 'h':
            if (!sp_name(&s, mon_names, 12, &v)) return false;
            tm->mon = (int)v + 1;
            break;
        case 'a': case 'A':
            if (!sp_name(&s, day_names, 7, &v)) return false;
            tm->wday = (int)v;
            break;
        case 'p':
            if (!strncasecmp(s, "AM", 2)) pm = 0;
            else if (!strncasecmp(s, "PM", 2)) pm = 1;
            else return false;
            s += 2;
            break;
        case 'T': if (!mini_strptime(s, "%H:%M:%S", tm, epoch, has_epoch)) return false; s += 8; break;
        case 'R': if (!mini_strptime(s, "%H:%M", tm, epoch, has_epoch)) return false; s += 5; break;
        case 'D': if (!mini_strptime(s, "%m/%d/%y", tm, epoch, has_epoch)) return false; s += 8; break;
        case 'F': {
            if (!sp_num(&s, 6, &v)) return false;
            tm->year = v;
            if (*s++ != '-' || !sp_num(&s, 2, &v)) return false;
            tm->mon = (int)v;
            if (*s++ != '-' || !sp_num(&s, 2, &v)) return false;
            tm->mday = (int)v;
            break;
        }
        case 'z':
            if (*s == 'Z') {
                s++;
                break;
            }
            if (*s != '+' && *s != '-') return false;
            s++;
            for (int i = 0; i < 4 && *s >= '0' && *s <= '9'; i++) s++;
            if (*s == ':') {
                s++;
                while (*s >= '0' && *s <= '9') s++;
            }
            break;
        case 'Z':
            while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) s++;
            break;
        case 's': {
            long long e = 0;
            bool neg = *s == '-';
            if (neg) s++;
            if (*s < '0' || *s > '9') return false;
            while (*s >= '0' && *s <= '9') e = e * 10 + (*s++ - '0');
            *epoch = neg ? -e : e;
            *has_epoch = true;
            break;
        }
        case 'n': case 't':
            while (*s == ' ' || *s == '\t' || *s == '\n') s++;
            break;
        case '%': if (*s++ != '%') return false; break;
        default: return false;
        }
    }
    if (pm == 1) tm->hour += 12;
    return *s == 0;
}

VF(strptime)
{
    if (in.k != JV_STRING) {
        char x[64];
        jq_errorf(J, "strptime/1 requires string inputs and arguments");
        (void)x;
        return jv_invalid();
    }
    if (a[0].k != JV_STRING) {
        jq_errorf(J, "strptime/1 requires string inputs and arguments");
        return jv_invalid();
    }
    vl_tm tm;
    memset(&tm, 0, sizeof tm);
    tm.year = 1900;
    tm.mon = 1;
    tm.mday = 0;
    int64_t ep = 0;
    bool has_ep = false;
    if (!mini_strptime(in.u.s->s, a[0].u.s->s, &tm, &ep, &has_ep)) {
        jq_errorf(J, "date \"%s\" does not match format \"%s\"", in.u.s->s, a[0].u.s->s);
        return jv_invalid();
    }
    int64_t t;
    if (has_ep) {
        t = ep;
    } else {
        if (tm.mday == 0) tm.mday = 1;
        if (!vl_time_make(&tm, NULL, &t)) {
            jq_errorf(J, "invalid date");
            return jv_invalid();
        }
    }
    vl_tm out;
    vl_time_split(t, 0, NULL, &out);
    return bdt_from_tm(J, &out, out.sec);
}

/* ---- the table ---- */
static int bi_not(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return emit(J, jv_bool(!jv_truthy(in)), path, cb, ud);
}

static const jq_builtin builtins[] = {
    {"empty", 0, bi_empty},
    {"not", 0, bi_not},
    {"error", 0, bi_error0},
    {"error", 1, bi_error1},
    {"select", 1, bi_select},
    {"recurse", 0, bi_recurse0},
    {"recurse", 1, bi_recurse1},
    {"path", 1, bi_path},
    {"paths", 0, bi_paths},
    {"paths", 1, bi_paths1},
    {"leaf_paths", 0, bi_leaf_paths},
    {"getpath", 1, bi_getpath},
    {"setpath", 2, bi_setpath},
    {"delpaths", 1, bi_delpaths},
    {"range", 1, bi_range},
    {"range", 2, bi_range},
    {"range", 3, bi_range},
    {"limit", 2, bi_limit},
    {"first", 1, bi_first1},
    {"last", 1, bi_last1},
    {"isempty", 1, bi_isempty},
    {"while", 2, bi_while},
    {"until", 2, bi_until},
    {"repeat", 1, bi_repeat},
    {"input", 0, bi_input},
    {"inputs", 0, bi_inputs},
    {"debug", 0, bi_debug},
    {"debug", 1, bi_debug1},
    {"stderr", 0, bi_stderr},
    {"input_filename", 0, bi_input_filename},
    {"input_line_number", 0, bi_input_line_number},
    {"halt", 0, bi_halt},
    {"halt_error", 0, bi_halt_error0},
    {"halt_error", 1, bi_halt_error1},
    {"env", 0, bi_env},
    {"now", 0, bi_now},
    {"builtins", 0, bi_builtins},
    {"length", 0, bi_length},
    {"utf8bytelength", 0, bi_utf8bytelength},
    {"type", 0, bi_type},
    {"keys", 0, bi_keys},
    {"keys_unsorted", 0, bi_keys_unsorted},
    {"has", 1, bi_has},
    {"contains", 1, bi_contains},
    {"inside", 1, bi_inside},
    {"add", 0, bi_add},
    {"tostring", 0, bi_tostring},
    {"tojson", 0, bi_tojson},
    {"fromjson", 0, bi_fromjson},
    {"tonumber", 0, bi_tonumber},
    {"ascii_downcase", 0, bi_ascii_downcase},
    {"ascii_upcase", 0, bi_ascii_upcase},
    {"explode", 0, bi_explode},
    {"implode", 0, bi_implode},
    {"ltrimstr", 1, bi_ltrimstr},
    {"rtrimstr", 1, bi_rtrimstr},
    {"startswith", 1, bi_startswith},
    {"endswith", 1, bi_endswith},
    {"split", 1, bi_split},
    {"split", 2, bi_split},
    {"splits", 1, bi_splits},
    {"splits", 2, bi_splits},
    {"join", 1, bi_join},
    {"sort", 0, bi_sort},
    {"sort_by", 1, bi_sort_by},
    {"group_by", 1, bi_group_by},
    {"unique", 0, bi_unique},
    {"unique_by", 1, bi_unique_by},
    {"min", 0, bi_min},
    {"max", 0, bi_max},
    {"min_by", 1, bi_min_by},
    {"max_by", 1, bi_max_by},
    {"reverse", 0, bi_reverse},
    {"flatten", 0, bi_flatten},
    {"flatten", 1, bi_flatten1},
    {"indices", 1, bi_indices},
    {"_indices", 1, bi_indices},
    {"index", 1, bi_index},
    {"rindex", 1, bi_rindex},
    {"floor", 0, bi_floor},
    {"ceil", 0, bi_ceil},
    {"round", 0, bi_round},
    {"sqrt", 0, bi_sqrt},
    {"fabs", 0, bi_fabs},
    {"log", 0, bi_log},
    {"log2", 0, bi_log2},
    {"log10", 0, bi_log10},
    {"log1p", 0, bi_log1p},
    {"exp", 0, bi_exp},
    {"exp2", 0, bi_exp2},
    {"exp10", 0, bi_exp10},
    {"expm1", 0, bi_expm1},
    {"sin", 0, bi_sin},
    {"cos", 0, bi_cos},
    {"tan", 0, bi_tan},
    {"asin", 0, bi_asin},
    {"acos", 0, bi_acos},
    {"atan", 0, bi_atan},
    {"sinh", 0, bi_sinh},
    {"cosh", 0, bi_cosh},
    {"tanh", 0, bi_tanh},
    {"asinh", 0, bi_asinh},
    {"acosh", 0, bi_acosh},
    {"atanh", 0, bi_atanh},
    {"cbrt", 0, bi_cbrt},
    {"trunc", 0, bi_trunc},
    {"rint", 0, bi_rint},
    {"nearbyint", 0, bi_nearbyint},
    {"significand", 0, bi_significand},
    {"logb", 0, bi_logb},
    {"gamma", 0, bi_gamma},
    {"lgamma", 0, bi_lgamma},
    {"tgamma", 0, bi_tgamma},
    {"pow", 2, bi_pow},
    {"atan2", 2, bi_atan2},
    {"fmin", 2, bi_fmin},
    {"fmax", 2, bi_fmax},
    {"fmod", 2, bi_fmod},
    {"hypot", 2, bi_hypot},
    {"copysign", 2, bi_copysign},
    {"ldexp", 2, bi_ldexp},
    {"scalb", 2, bi_scalb},
    {"scalbln", 2, bi_scalbln},
    {"nextafter", 2, bi_nextafter},
    {"drem", 2, bi_drem},
    {"abs", 0, bi_abs},
    {"infinite", 0, bi_infinite},
    {"nan", 0, bi_nan},
    {"isinfinite", 0, bi_isinfinite},
    {"isnan", 0, bi_isnan},
    {"isnormal", 0, bi_isnormal},
    {"frexp", 0, bi_frexp},
    {"modf", 0, bi_modf},
    {"toarray", 0, bi_toarray},
    {"have_decnum", 0, bi_have_decnum},
    {"have_literal_numbers", 0, bi_have_literal_numbers},
    {"format", 1, bi_format},
    {"test", 1, bi_test},
    {"test", 2, bi_test},
    {"match", 1, bi_match},
    {"match", 2, bi_match},
    {"capture", 1, bi_capture},
    {"capture", 2, bi_capture},
    {"scan", 1, bi_scan},
    {"scan", 2, bi_scan},
    {"sub", 2, bi_sub},
    {"sub", 3, bi_sub},
    {"gsub", 2, bi_gsub},
    {"gsub", 3, bi_gsub},
    {"gmtime", 0, bi_gmtime},
    {"localtime", 0, bi_localtime},
    {"mktime", 0, bi_mktime},
    {"strftime", 1, bi_strftime},
    {"strflocaltime", 1, bi_strflocaltime},
    {"strptime", 1, bi_strptime},
    {NULL, 0, NULL},
};

/* jq definitions of the rest (jq 1.7.1's builtin.jq, adapted) */
static const char prelude_src[] =
    "def values: select(. != null);"
    "def nulls: select(. == null);"
    "def booleans: select(type == \"boolean\");"
    "def numbers: select(type == \"number\");"
    "def strings: select(type == \"string\");"
    "def arrays: select(type == \"array\");"
    "def objects: select(type == \"object\");"
    "def iterables: select(type|. == \"array\" or . == \"object\");"
    "def scalars: select(type|. != \"array\" and . != \"object\");"
    "def map(f): [.[] | f];"
    "def map_values(f): .[] |= f;"
    "def recurse(f; cond): def r: ., (f | select(cond) | r); r;"
    "def to_entries: [keys_unsorted[] as $k | {key: $k, value: .[$k]}];"
    "def from_entries: reduce .[] as $x ({};"
    "  . + { ($x | if .key == null then .k // .name // .Name // .K // .Key else .key end"
    "         | if type == \"string\" then . else tojson end):"
    "        ($x | if has(\"value\") then .value else .v end) });"
    "def with_entries(f): to_entries | map(f) | from_entries;"
    "def del(f): delpaths([path(f)]);"
    "def any: reduce .[] as $x (false; . or $x);"
    "def all: reduce .[] as $x (true; . and $x);"
    "def any(f): reduce (.[] | f) as $x (false; . or $x);"
    "def all(f): reduce (.[] | f) as $x (true; . and $x);"
    "def any(g; cond): isempty(first(g | cond or empty)) | not;"
    "def all(g; cond): isempty(first(g | cond and empty));"
    "def in(xs): . as $x | xs | has($x);"
    "def combinations: if length == 0 then [] else .[0][] as $x | (.[1:] | combinations) as $w | [$x] + $w end;"
    "def combinations(n): . as $dot | [range(n)] | map($dot) | combinations;"
    "def walk(f): def w: if type == \"object\" then map_values(w) elif type == \"array\" then map(w) else . end | f; w;"
    "def first: .[0];"
    "def last: .[-1];"
    "def nth($n): .[$n];"
    "def nth($n; f): if $n < 0 then error(\"Out of bounds negative array index\") else last(limit($n + 1; f)) end;"
    "def finites: select(isinfinite or isnan | not);"
    "def normals: select(isnormal);"
    "def todate: strftime(\"%Y-%m-%dT%H:%M:%SZ\");"
    "def todateiso8601: strftime(\"%Y-%m-%dT%H:%M:%SZ\");"
    "def fromdateiso8601: strptime(\"%Y-%m-%dT%H:%M:%SZ\") | mktime;"
    "def fromdate: fromdateiso8601;"
    "def date: todate;"
    "def dateadd(u; n): . + n;"
    "def datesub(u; n): . - n;"
    "def transpose: if . == [] then [] else . as $in | (map(length) | max) as $max"
    "  | [range(0; $max) as $j | [range(0; $in | length) as $i | $in[$i][$j]]] end;"
    "def tostream: path(def r: (.[]? | r), .; r) as $p | getpath($p)"
    "  | reduce path(.[]?) as $q ([$p, .]; [$p + $q]);"
    "def fromstream(f): { x: null, e: false } as $init"
    "  | foreach f as $i ($init;"
    "      if .e then $init else . end"
    "      | if $i | length == 2"
    "        then setpath([\"e\"]; $i[0] | length == 0) | setpath([\"x\"] + $i[0]; $i[1])"
    "        else setpath([\"e\"]; $i[0] | length == 1) end;"
    "      if .e then .x else empty end);"
    "def truncate_stream(stream): . as $n | null | stream | . as $input"
    "  | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;"
    "def pick(pathexps): . as $top | reduce path(pathexps) as $p (null; setpath($p; $top | getpath($p)));"
    "def IN(s): any(s == .; .);"
    "def IN(src; s): any(src == s; .);"
    "def INDEX(stream; idx_expr): reduce stream as $row ({}; .[$row | idx_expr | tostring] |= $row);"
    "def INDEX(idx_expr): INDEX(.[]; idx_expr);"
    "def get_search_list: [];"
    "def add(f): reduce f as $x (null; . + $x);"
    ".";

typedef struct jq_prelude {
    jq_node **defs;
    size_t n;
} jq_prelude;

static void load_prelude(jq_state *J)
{
    if (J->prelude) return;
    const char *err = NULL;
    int line = 0;
    jq_node *prog = jq_parse_program(J, prelude_src, sizeof prelude_src - 1, true, &err, &line);
    if (!prog) jq_fatal(J, "internal error in builtins: %s", err);
    jq_prelude *pl = jq_alloc(J, sizeof *pl);
    pl->n = 0;
    size_t cap = 128;
    pl->defs = jq_alloc(J, cap * sizeof *pl->defs);
    for (jq_node *d = prog; d && d->t == N_FUNCDEF; d = d->b) {
        if (pl->n == cap) {
            cap *= 2;
            pl->defs = jq_realloc(J, pl->defs, cap * sizeof *pl->defs);
        }
        pl->defs[pl->n++] = d;
    }
    J->prelude = pl;
    for (size_t i = 0; i < pl->n; i++) jq_resolve_prelude(J, pl->defs[i]);
}

bool jq_resolve_global_fn(jq_state *J, const char *name, size_t arity, jq_node *call)
{
    load_prelude(J);
    for (const jq_builtin *b = builtins; b->name; b++)
        if ((size_t)b->arity == arity && !strcmp(b->name, name)) {
            call->bi = b;
            return true;
        }
    jq_prelude *pl = J->prelude;
    for (size_t i = pl->n; i-- > 0;)
        if (pl->defs[i]->name == name && pl->defs[i]->n == arity) {
            call->c = pl->defs[i];
            return true;
        }
    return false;
}

static int bi_builtins(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv r = jv_arr_new(J, 256);
    for (const jq_builtin *b = builtins; b->name; b++)
        if (b->name[0] != '_') r = jv_arr_push(J, r, jv_str_fmt(J, "%s/%d", b->name, b->arity));
    jq_prelude *pl = J->prelude;
    for (size_t i = 0; pl && i < pl->n; i++)
        if (!strchr(pl->defs[i]->name, '_') || 1)
            r = jv_arr_push(J, r, jv_str_fmt(J, "%s/%zu", pl->defs[i]->name, pl->defs[i]->n));
    return emit(J, r, path, cb, ud);
}
