/* jq_eval.c: the evaluator. Every expression is evaluated by ev(), which calls a callback for
 * each output; an error, a break or a halt travels back as a return code. Path expressions
 * (path(f), assignments, del, paths) run the same code with a path beside each value. The
 * environment (variables, functions, closures of filter arguments, labels) is a chain of
 * frames on the C stack. Every step is counted against the VM's budget, and deep recursion
 * ends with an error before the C stack does. */
#include "cmd/jq.h"
#include "cmd/jq_eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and limits ---- */
void jq_tick(jq_state *J)
{
    int rc = vk_steps(J->c->p, J->ticks / 4 + 1);
    J->ticks = 0;
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(J->c->p);
        vl_exit(J->c, w ? VK_WSHELL(w) : 5);
    }
}

_Noreturn void jq_fatal(jq_state *J, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    vl_eprintf(J->c, "jq: error: %s\n", buf);
    vl_exit(J->c, 5);
}

int jq_error(jq_state *J, jv msg)
{
    jv_unref(J, J->err);
    J->err = msg;
    return JQ_ERR;
}

int jq_errorf(jq_state *J, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return jq_error(J, jv_str_c(J, buf));
}

/* jq shows values in messages as their JSON text cut to 11 bytes and "..." */
const char *jq_errval(jq_state *J, jv v, char *buf, size_t n)
{
    vl_buf b = {0};
    jq_dump(J, &b, v, 0, 0);
    size_t len = b.len;
    if (len > 14) { /* jq's 15-byte buffer: 11 bytes and "..." */
        /* cut on a byte boundary as jq does (jvp_utf8_backtrack) */
        size_t cut = 11;
        while (cut > 0 && ((unsigned char)b.data[cut] & 0xC0) == 0x80) cut--;
        snprintf(buf, n, "%.*s...", (int)cut, b.data);
    } else {
        snprintf(buf, n, "%.*s", (int)len, b.data ? b.data : "");
    }
    vl_buf_free(J->c, &b);
    return buf;
}

/* ---- paths ---- */
jv jq_path_add(jq_state *J, jv *path, jv key)
{
    jv p = jv_ref(*path);
    return jv_arr_push(J, p, key);
}

/* ---- calling back ---- */
#define CB(v, p) cb(J, (v), (p), ud)

static int ev(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud);

int jq_eval(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    return ev(J, n, env, in, path, cb, ud);
}

/* The value of an expression that must not be a path in path mode. */
static int nonpath(jq_state *J, jv v, jv *path, jq_cb cb, void *ud)
{
    if (path) {
        char b[64];
        return jq_errorf(J, "Invalid path expression with result %s", jq_errval(J, v, b, sizeof b));
    }
    return CB(v, NULL);
}

/* ---- indexing ---- */
static long cp_len(const char *s, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) k++;
    return k;
}

/* byte offset of codepoint i */
static size_t cp_off(const char *s, size_t n, long i)
{
    size_t b = 0;
    while (b < n && i > 0) {
        b++;
        while (b < n && ((unsigned char)s[b] & 0xC0) == 0x80) b++;
        i--;
    }
    return b;
}

static void slice_bounds(double len, jv from, jv to, long *lo, long *hi)
{
    double f = from.k == JV_NUMBER ? jv_n(from) : 0;
    double t = to.k == JV_NUMBER ? jv_n(to) : len;
    if (f < 0) f += len;
    if (t < 0) t += len;
    if (f < 0) f = 0;
    if (t > len) t = len;
    if (f > len) f = len;
    f = floor(f);
    t = ceil(t);
    if (t < f) t = f;
    *lo = (long)f;
    *hi = (long)t;
}

/* t[k] as jq's jv_get: a new reference, or JV_INVALID with J->err set */
jv jq_index(jq_state *J, jv t, jv k)
{
    char b1[64];
    if (t.k == JV_OBJECT && k.k == JV_STRING) {
        jv v = jv_obj_get(t, k);
        return v.k == JV_INVALID ? jv_null() : jv_ref(v);
    }
    if (t.k == JV_ARRAY && k.k == JV_NUMBER) {
        double d = jv_n(k);
        if (isnan(d)) return jv_null();
        long i = (long)floor(d);
        if (i < 0) i += (long)t.u.a->len;
        if (i < 0 || i >= (long)t.u.a->len) return jv_null();
        return jv_ref(t.u.a->v[i]);
    }
    if (t.k == JV_NULL && (k.k == JV_STRING || k.k == JV_NUMBER || k.k == JV_OBJECT))
        return jv_null();
    if (k.k == JV_OBJECT && (t.k == JV_ARRAY || t.k == JV_STRING)) {
        jv from = jv_obj_getc(k, "start", 5), to = jv_obj_getc(k, "end", 3);
        if (from.k == JV_INVALID) from = jv_null();
        if (to.k == JV_INVALID) to = jv_null();
        if ((from.k != JV_NUMBER && from.k != JV_NULL) || (to.k != JV_NUMBER && to.k != JV_NULL)) {
            jq_errorf(J, "Start and end indices of an array slice must be numbers");
            return jv_invalid();
        }
        long lo, hi;
        if (t.k == JV_ARRAY) {
            slice_bounds(t.u.a->len, from, to, &lo, &hi);
            jv r = jv_arr_new(J, (size_t)(hi - lo) + 1);
            for (long i = lo; i < hi; i++) r = jv_arr_push(J, r, jv_ref(t.u.a->v[i]));
            return r;
        }
        long n = cp_len(t.u.s->s, t.u.s->len);
        slice_bounds((double)n, from, to, &lo, &hi);
        size_t bl = cp_off(t.u.s->s, t.u.s->len, lo), bh = cp_off(t.u.s->s, t.u.s->len, hi);
        return jv_str_new(J, t.u.s->s + bl, bh - bl);
    }
    if (t.k == JV_ARRAY && k.k == JV_ARRAY) return jq_indices(J, t, k);
    if (k.k == JV_STRING && k.u.s->len < 30)
        jq_errorf(J, "Cannot index %s with \"%s\"", jv_kind_name(t), k.u.s->s);
    else
        jq_errorf(J, "Cannot index %s with %s", jv_kind_name(t), jv_kind_name(k));
    (void)b1;
    return jv_invalid();
}

static int do_index(jq_state *J, jv t, jv *tpath, jv k, jq_cb cb, void *ud)
{
    jv v = jq_index(J, t, k);
    if (v.k == JV_INVALID) return JQ_ERR;
    int rc;
    if (tpath) {
        jv p = jq_path_add(J, tpath, jv_ref(k));
        rc = CB(v, &p);
        jv_unref(J, p);
    } else {
        rc = CB(v, NULL);
    }
    jv_unref(J, v);
    return rc;
}

int jq_iterate(jq_state *J, jv t, jv *tpath, jq_cb cb, void *ud)
{
    char b[64];
    if (t.k == JV_ARRAY) {
        jv hold = jv_ref(t);
        int rc = JQ_OK;
        for (uint32_t i = 0; i < t.u.a->len && rc == JQ_OK; i++) {
            if (tpath) {
                jv p = jq_path_add(J, tpath, jv_num(i));
                rc = CB(t.u.a->v[i], &p);
                jv_unref(J, p);
            } else {
                rc = CB(t.u.a->v[i], NULL);
            }
        }
        jv_unref(J, hold);
        return rc;
    }
    if (t.k == JV_OBJECT) {
        jv hold = jv_ref(t);
        int rc = JQ_OK;
        for (uint32_t i = 0; i < t.u.o->len && rc == JQ_OK; i++) {
            if (tpath) {
                jv p = jq_path_add(J, tpath, jv_ref(t.u.o->e[i].key));
                rc = CB(t.u.o->e[i].val, &p);
                jv_unref(J, p);
            } else {
                rc = CB(t.u.o->e[i].val, NULL);
            }
        }
        jv_unref(J, hold);
        return rc;
    }
    return jq_errorf(J, "Cannot iterate over %s (%s)", jv_kind_name(t), jq_errval(J, t, b, sizeof b));
}

/* ---- generic continuation records ---- */
typedef struct k_pipe {
    jq_node *n;
    frame *env;
    jq_cb cb;
    void *ud;
} k_pipe;

static int pipe_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_pipe *k = ud;
    return ev(J, k->n, k->env, v, p, k->cb, k->ud);
}

/* Errors raised downstream (by the consumer of a try's outputs) must pass through the try:
 * the wrapper marks them. */
typedef struct k_try {
    jq_cb cb;
    void *ud;
    bool down;  /* the error came from downstream */
    bool any;
} k_try;

static int try_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_try *k = ud;
    int rc = k->cb(J, v, p, k->ud);
    if (rc != JQ_OK) k->down = true;
    return rc;
}

/* ---- index with evaluated key ---- */
typedef struct k_index {
    jq_node *n; /* the INDEX/FIELD node */
    frame *env;
    jv in;
    jv *inpath;
    jv key;
    jq_cb cb;
    void *ud;
} k_index;

static int index_term_cb(jq_state *J, jv t, jv *tp, void *ud)
{
    k_index *k = ud;
    return do_index(J, t, tp, k->key, k->cb, k->ud);
}

static int index_key_cb(jq_state *J, jv key, jv *kp, void *ud)
{
    k_index *k = ud;
    k->key = key;
    return ev(J, k->n->a, k->env, k->in, k->inpath, index_term_cb, k);
}

/* ---- slices ---- */
typedef struct k_slice {
    jq_node *n;
    frame *env;
    jv in, *inpath;
    jv from, to;
    jq_cb cb;
    void *ud;
} k_slice;

static int slice_term_cb(jq_state *J, jv t, jv *tp, void *ud)
{
    k_slice *k = ud;
    if (k->from.k != JV_NUMBER && k->from.k != JV_NULL) return jq_errorf(J, "Start and end indices of an array slice must be numbers");
    if (k->to.k != JV_NUMBER && k->to.k != JV_NULL) return jq_errorf(J, "Start and end indices of an array slice must be numbers");
    jv key = jv_obj_new(J);
    key = jv_obj_set(J, key, jv_str_c(J, "start"), jv_ref(k->from));
    key = jv_obj_set(J, key, jv_str_c(J, "end"), jv_ref(k->to));
    if (t.k != JV_ARRAY && t.k != JV_STRING && t.k != JV_NULL) {
        jv_unref(J, key);
        return jq_errorf(J, "Cannot index %s with object", jv_kind_name(t));
    }
    int rc = do_index(J, t, tp, key, k->cb, k->ud);
    jv_unref(J, key);
    return rc;
}

static int slice_to_cb(jq_state *J, jv to, jv *p, void *ud)
{
    k_slice *k = ud;
    k->to = to;
    return ev(J, k->n->a, k->env, k->in, k->inpath, slice_term_cb, k);
}

static int slice_from_cb(jq_state *J, jv from, jv *p, void *ud)
{
    k_slice *k = ud;
    k->from = from;
    if (!k->n->c) {
        k->to = jv_null();
        return ev(J, k->n->a, k->env, k->in, k->inpath, slice_term_cb, k);
    }
    return ev(J, k->n->c, k->env, k->in, NULL, slice_to_cb, k);
}

/* ---- .. ---- */
int jq_recurse_all(jq_state *J, jv v, jv *path, jq_cb cb, void *ud);
int jq_recurse_all(jq_state *J, jv v, jv *path, jq_cb cb, void *ud)
{
    if (vk_stack_low()) jq_fatal(J, "recursion too deep");
    int rc = CB(v, path);
    if (rc) return rc;
    if (v.k == JV_ARRAY || v.k == JV_OBJECT) {
        jv hold = jv_ref(v);
        uint32_t n = v.k == JV_ARRAY ? v.u.a->len : v.u.o->len;
        for (uint32_t i = 0; i < n && rc == JQ_OK; i++) {
            jv child = v.k == JV_ARRAY ? v.u.a->v[i] : v.u.o->e[i].val;
            if (path) {
                jv p = jq_path_add(J, path, v.k == JV_ARRAY ? jv_num(i) : jv_ref(v.u.o->e[i].key));
                rc = jq_recurse_all(J, child, &p, cb, ud);
                jv_unref(J, p);
            } else {
                rc = jq_recurse_all(J, child, NULL, cb, ud);
            }
        }
        jv_unref(J, hold);
    }
    return rc;
}

/* ---- arithmetic ---- */
static jv concat_arrays(jq_state *J, jv a, jv b)
{
    jv r = jv_arr_new(J, a.u.a->len + b.u.a->len + 1);
    for (uint32_t i = 0; i < a.u.a->len; i++) r.u.a->v[i] = jv_ref(a.u.a->v[i]);
    for (uint32_t i = 0; i < b.u.a->len; i++) r.u.a->v[a.u.a->len + i] = jv_ref(b.u.a->v[i]);
    r.u.a->len = a.u.a->len + b.u.a->len;
    return r;
}

static jv merge_objects(jq_state *J, jv a, jv b, bool deep)
{
    jv r = jv_ref(a);
    for (uint32_t i = 0; i < b.u.o->len; i++) {
        jv k = b.u.o->e[i].key, bv = b.u.o->e[i].val;
        jv av = jv_obj_get(r, k);
        if (deep && av.k == JV_OBJECT && bv.k == JV_OBJECT) {
            jv m = merge_objects(J, av, bv, true);
            r = jv_obj_set(J, r, jv_ref(k), m);
        } else {
            r = jv_obj_set(J, r, jv_ref(k), jv_ref(bv));
        }
    }
    return r;
}

static jv arith_err(jq_state *J, jv a, jv b, const char *what)
{
    char x[64], y[64];
    jq_errorf(J, "%s (%s) and %s (%s) %s", jv_kind_name(a), jq_errval(J, a, x, sizeof x),
              jv_kind_name(b), jq_errval(J, b, y, sizeof y), what);
    return jv_invalid();
}

jv jq_split_str(jq_state *J, jv s, jv sep);

/* a OP b for + - * / %: a new value, or JV_INVALID with the error set */
jv jq_arith(jq_state *J, int op, jv a, jv b)
{
    switch (op) {
    case '+':
        if (a.k == JV_NULL) return jv_ref(b);
        if (b.k == JV_NULL) return jv_ref(a);
        if (a.k == JV_NUMBER && b.k == JV_NUMBER) return jv_num(jv_n(a) + jv_n(b));
        if (a.k == JV_STRING && b.k == JV_STRING) {
            jv r = jv_str_new(J, a.u.s->s, a.u.s->len);
            return jv_str_cat(J, r, b.u.s->s, b.u.s->len);
        }
        if (a.k == JV_ARRAY && b.k == JV_ARRAY) return concat_arrays(J, a, b);
        if (a.k == JV_OBJECT && b.k == JV_OBJECT) return merge_objects(J, a, b, false);
        return arith_err(J, a, b, "cannot be added");
    case '-':
        if (a.k == JV_NUMBER && b.k == JV_NUMBER) return jv_num(jv_n(a) - jv_n(b));
        if (a.k == JV_ARRAY && b.k == JV_ARRAY) {
            jv r = jv_arr_new(J, a.u.a->len + 1);
            for (uint32_t i = 0; i < a.u.a->len; i++) {
                bool found = false;
                for (uint32_t j = 0; j < b.u.a->len && !found; j++)
                    if (jv_equal(a.u.a->v[i], b.u.a->v[j])) found = true;
                if (!found) r = jv_arr_push(J, r, jv_ref(a.u.a->v[i]));
            }
            return r;
        }
        return arith_err(J, a, b, "cannot be subtracted");
    case '*':
        if (a.k == JV_NUMBER && b.k == JV_NUMBER) return jv_num(jv_n(a) * jv_n(b));
        if ((a.k == JV_STRING && b.k == JV_NUMBER) || (a.k == JV_NUMBER && b.k == JV_STRING)) {
            jv s = a.k == JV_STRING ? a : b;
            double d = jv_n(a.k == JV_NUMBER ? a : b);
            /* jq 1.7: repeat n times; n <= 0 gives null */
            if (d <= 0 || isnan(d)) return jv_null();
            long n = d < 1 ? 1 : (long)d;
            if ((double)s.u.s->len * (double)n > 1e9) {
                jq_errorf(J, "Repeat string result too long");
                return jv_invalid();
            }
            jv r = jv_str_new(J, NULL, 0);
            for (long i = 0; i < n; i++) r = jv_str_cat(J, r, s.u.s->s, s.u.s->len);
            return r;
        }
        if (a.k == JV_OBJECT && b.k == JV_OBJECT) return merge_objects(J, a, b, true);
        return arith_err(J, a, b, "cannot be multiplied");
    case '/':
        if (a.k == JV_NUMBER && b.k == JV_NUMBER) {
            if (jv_n(b) == 0) return arith_err(J, a, b, "cannot be divided because the divisor is zero");
            return jv_num(jv_n(a) / jv_n(b));
        }
        if (a.k == JV_STRING && b.k == JV_STRING) return jq_split_str(J, a, b);
        return arith_err(J, a, b, "cannot be divided");
    case '%':
        if (a.k == JV_NUMBER && b.k == JV_NUMBER) {
            double x = jv_n(a), y = jv_n(b);
            if (isnan(x) || isnan(y)) return jv_num(NAN);
            intmax_t bi = (intmax_t)y;
            if (bi == 0) return arith_err(J, a, b, "cannot be divided because the divisor is zero");
            intmax_t ai = (intmax_t)x;
            if (bi < 0) bi = -bi;
            intmax_t r = (ai < 0 ? -ai : ai) % bi;
            return jv_num((double)(ai < 0 ? -r : r));
        }
        return arith_err(J, a, b, "cannot be divided");
    }
    return jv_invalid();
}

static jv compare(jq_state *J, int op, jv a, jv b)
{
    int c;
    switch (op) {
    case 256 + 8: return jv_bool(jv_equal(a, b));     /* == (T_EQ) */
    case 256 + 9: return jv_bool(!jv_equal(a, b));    /* != */
    case '<': c = jv_cmp(J, a, b); return jv_bool(c < 0);
    case '>': c = jv_cmp(J, a, b); return jv_bool(c > 0);
    case 256 + 10: c = jv_cmp(J, a, b); return jv_bool(c <= 0);
    case 256 + 11: c = jv_cmp(J, a, b); return jv_bool(c >= 0);
    }
    return jq_arith(J, op, a, b);
}

typedef struct k_bin {
    jq_node *n;
    frame *env;
    jv in;
    jv r;
    jq_cb cb;
    void *ud;
} k_bin;

static int bin_l_cb(jq_state *J, jv l, jv *p, void *ud)
{
    k_bin *k = ud;
    jv v = compare(J, k->n->op, l, k->r);
    if (v.k == JV_INVALID) return JQ_ERR;
    int rc = k->cb(J, v, NULL, k->ud);
    jv_unref(J, v);
    return rc;
}

static int bin_r_cb(jq_state *J, jv r, jv *p, void *ud)
{
    k_bin *k = ud;
    k->r = r;
    return ev(J, k->n->a, k->env, k->in, NULL, bin_l_cb, k);
}

/* ---- and / or ---- */
typedef struct k_logic {
    jq_node *n;
    frame *env;
    jv in;
    jq_cb cb;
    void *ud;
} k_logic;

static int logic_r_cb(jq_state *J, jv r, jv *p, void *ud)
{
    k_logic *k = ud;
    return k->cb(J, jv_bool(jv_truthy(r)), NULL, k->ud);
}

static int logic_l_cb(jq_state *J, jv l, jv *p, void *ud)
{
    k_logic *k = ud;
    bool isand = k->n->t == N_AND;
    if (isand && !jv_truthy(l)) return k->cb(J, jv_bool(false), NULL, k->ud);
    if (!isand && jv_truthy(l)) return k->cb(J, jv_bool(true), NULL, k->ud);
    return ev(J, k->n->b, k->env, k->in, NULL, logic_r_cb, k);
}

/* ---- negation ---- */
static int neg_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_pipe *k = ud;
    if (v.k != JV_NUMBER) {
        char b[64];
        return jq_errorf(J, "%s (%s) cannot be negated", jv_kind_name(v), jq_errval(J, v, b, sizeof b));
    }
    return k->cb(J, jv_num(-jv_n(v)), NULL, k->ud);
}

/* ---- collecting ---- */
static int collect_cb(jq_state *J, jv v, jv *p, void *ud)
{
    jv *arr = ud;
    *arr = jv_arr_push(J, *arr, jv_ref(v));
    return JQ_OK;
}

/* All outputs of n on in, as an array (JV_INVALID after an error). */
jv jq_collect(jq_state *J, jq_node *n, frame *env, jv in)
{
    jv arr = jv_arr_new(J, 4);
    int rc = ev(J, n, env, in, NULL, collect_cb, &arr);
    if (rc != JQ_OK) {
        jv_unref(J, arr);
        J->pending_rc = rc;
        return jv_invalid();
    }
    return arr;
}

static int collect_paths_cb(jq_state *J, jv v, jv *p, void *ud)
{
    jv *arr = ud;
    *arr = jv_arr_push(J, *arr, jv_ref(*p));
    return JQ_OK;
}

/* All paths of path expression n on in. */
jv jq_collect_paths(jq_state *J, jq_node *n, frame *env, jv in)
{
    jv arr = jv_arr_new(J, 4);
    jv root = jv_arr_new(J, 1);
    int rc = ev(J, n, env, in, &root, collect_paths_cb, &arr);
    jv_unref(J, root);
    if (rc != JQ_OK) {
        jv_unref(J, arr);
        J->pending_rc = rc;
        return jv_invalid();
    }
    return arr;
}

/* ---- string interpolation ---- */
typedef struct k_str {
    jq_node *n;
    frame *env;
    jv in;
    size_t part;  /* expression part being evaluated (from the last) */
    jv *vals;     /* value of each part */
    jq_cb cb;
    void *ud;
} k_str;

static int str_next(jq_state *J, k_str *k, size_t part);

static int str_part_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_str *k = ud;
    size_t part = k->part;
    k->vals[part] = v;
    int rc = str_next(J, k, part);
    k->part = part;
    return rc;
}

/* Parts are evaluated from the last interpolation to the first (jq's order of outputs). */
static int str_next(jq_state *J, k_str *k, size_t part)
{
    /* find the previous expression part */
    size_t i = part;
    while (i > 0) {
        i--;
        if (k->n->args[i]->t != N_LIT || (i % 2) == 1) {
            if (i % 2 == 1) {
                k->part = i;
                return ev(J, k->n->args[i], k->env, k->in, NULL, str_part_cb, k);
            }
        }
    }
    /* all parts have values: build the string */
    jv r = jv_str_new(J, NULL, 0);
    for (size_t j = 0; j < k->n->n; j++) {
        if (j % 2 == 0) {
            jv l = k->n->args[j]->v;
            r = jv_str_cat(J, r, l.u.s->s, l.u.s->len);
        } else {
            jv f = jq_format(J, k->n->v, k->vals[j]);
            if (f.k == JV_INVALID) {
                jv_unref(J, r);
                return JQ_ERR;
            }
            r = jv_str_cat(J, r, f.u.s->s, f.u.s->len);
            jv_unref(J, f);
        }
    }
    int rc = k->cb(J, r, NULL, k->ud);
    jv_unref(J, r);
    return rc;
}

/* ---- objects ---- */
typedef struct k_obj {
    jq_node *n;
    frame *env;
    jv in;
    size_t i;
    jv acc;
    jv key;
    jq_cb cb;
    void *ud;
} k_obj;

static int obj_step(jq_state *J, k_obj *k, size_t i);

static int obj_val_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_obj *k = ud;
    size_t i = k->i;
    jv saved = k->acc;
    k->acc = jv_obj_set(J, jv_ref(saved), jv_ref(k->key), jv_ref(v));
    jv key = k->key;
    int rc = obj_step(J, k, i + 1);
    jv_unref(J, k->acc);
    k->acc = saved;
    k->i = i;
    k->key = key;
    return rc;
}

static int obj_key_cb(jq_state *J, jv key, jv *p, void *ud)
{
    k_obj *k = ud;
    if (key.k != JV_STRING) {
        char b[64];
        if (key.k == JV_NUMBER || key.k == JV_NULL || key.k == JV_TRUE || key.k == JV_FALSE || 1)
            return jq_errorf(J, "Object keys must be strings");
        (void)b;
    }
    size_t i = k->i;
    jv oldkey = k->key;
    k->key = key;
    int rc = ev(J, k->n->args[2 * i + 1], k->env, k->in, NULL, obj_val_cb, k);
    k->key = oldkey;
    k->i = i;
    return rc;
}

static int obj_step(jq_state *J, k_obj *k, size_t i)
{
    if (i == k->n->n) return k->cb(J, k->acc, NULL, k->ud);
    k->i = i;
    jq_node *kn = k->n->args[2 * i];
    if (kn->t == N_LIT) return obj_key_cb(J, kn->v, NULL, k);
    return ev(J, kn, k->env, k->in, NULL, obj_key_cb, k);
}

/* ---- alternative // ---- */
typedef struct k_alt {
    jq_cb cb;
    void *ud;
    bool any, down;
} k_alt;

static int alt_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_alt *k = ud;
    if (!jv_truthy(v)) return JQ_OK;
    k->any = true;
    int rc = k->cb(J, v, p, k->ud);
    if (rc) k->down = true;
    return rc;
}

/* ---- if ---- */
typedef struct k_if {
    jq_node *n;
    frame *env;
    jv in, *inpath;
    jq_cb cb;
    void *ud;
} k_if;

static int if_cb(jq_state *J, jv c, jv *p, void *ud)
{
    k_if *k = ud;
    if (jv_truthy(c)) return ev(J, k->n->b, k->env, k->in, k->inpath, k->cb, k->ud);
    if (k->n->c) return ev(J, k->n->c, k->env, k->in, k->inpath, k->cb, k->ud);
    return k->cb(J, k->in, k->inpath, k->ud);
}

/* ---- destructuring ---- */
static size_t pat_vars(jq_pat *pt)
{
    if (pt->kind == 0) return 1;
    size_t k = 0;
    for (size_t i = 0; i < pt->n; i++) {
        if (pt->kind == 2 && pt->keyvars[i]) k++;
        if (pt->elems[i]) k += pat_vars(pt->elems[i]);
    }
    return k;
}

static void pat_names(jq_pat *pt, frame *fr, size_t *k)
{
    if (pt->kind == 0) {
        fr[(*k)++].name = pt->name;
        return;
    }
    for (size_t i = 0; i < pt->n; i++) {
        if (pt->kind == 2 && pt->keyvars[i]) fr[(*k)++].name = pt->keyvars[i];
        if (pt->elems[i]) pat_names(pt->elems[i], fr, k);
    }
}

static frame *find_var(frame *env, const char *name)
{
    for (frame *f = env; f; f = f->up)
        if (f->kind == F_VAR && f->name == name) return f;
    return NULL;
}

/* Set the frames of pattern pt from value v; JQ_ERR on a type mismatch. Frames are looked up
 * by name among fr[0..nfr) (the last binding of a name wins, as in jq). */
static int pat_bind(jq_state *J, jq_pat *pt, jv v, frame *fr, size_t nfr, frame *env)
{
    if (pt->kind == 0) {
        for (size_t i = nfr; i-- > 0;)
            if (fr[i].name == pt->name) {
                jv_unref(J, fr[i].val);
                fr[i].val = jv_ref(v);
                break;
            }
        return JQ_OK;
    }
    for (size_t i = 0; i < pt->n; i++) {
        jv key;
        if (pt->kind == 1) {
            key = jv_num((double)i);
        } else {
            jq_node *kn = pt->keys[i];
            if (kn->t == N_LIT) {
                key = jv_ref(kn->v);
            } else {
                jv arr = jq_collect(J, kn, fr + nfr - 1, v);
                (void)env;
                if (arr.k == JV_INVALID) return JQ_ERR;
                key = arr.u.a->len ? jv_ref(arr.u.a->v[0]) : jv_null();
                jv_unref(J, arr);
            }
            if (key.k != JV_STRING) {
                char b[64];
                jq_errorf(J, "Cannot index %s with %s", jv_kind_name(v), jv_kind_name(key));
                (void)b;
                jv_unref(J, key);
                return JQ_ERR;
            }
        }
        jv x = jq_index(J, v, key);
        if (x.k == JV_INVALID) {
            jv_unref(J, key);
            return JQ_ERR;
        }
        if (pt->kind == 2 && pt->keyvars[i]) {
            for (size_t j = nfr; j-- > 0;)
                if (fr[j].name == pt->keyvars[i]) {
                    jv_unref(J, fr[j].val);
                    fr[j].val = jv_ref(x);
                    break;
                }
        }
        int rc = JQ_OK;
        if (pt->elems[i]) rc = pat_bind(J, pt->elems[i], x, fr, nfr, env);
        jv_unref(J, x);
        jv_unref(J, key);
        if (rc) return rc;
    }
    return JQ_OK;
}

/* Frames for all variables of pats (all alternatives), chained over env. */
static frame *pat_frames(jq_state *J, jq_pat **pats, size_t np, frame *env, size_t *nout)
{
    size_t total = 0;
    for (size_t i = 0; i < np; i++) total += pat_vars(pats[i]);
    frame *fr = jq_alloc(J, (total + 1) * sizeof *fr);
    memset(fr, 0, (total + 1) * sizeof *fr);
    size_t k = 0;
    for (size_t i = 0; i < np; i++) pat_names(pats[i], fr, &k);
    frame *top = env;
    for (size_t i = 0; i < k; i++) {
        fr[i].kind = F_VAR;
        fr[i].val = jv_null();
        fr[i].up = top;
        top = &fr[i];
    }
    *nout = k;
    return fr;
}

static void pat_frames_free(jq_state *J, frame *fr, size_t n)
{
    for (size_t i = 0; i < n; i++) jv_unref(J, fr[i].val);
    jq_free(J, fr);
}

typedef struct k_as {
    jq_node *n;
    frame *env;
    jv in, *inpath;
    jq_cb cb;
    void *ud;
} k_as;

static int as_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_as *k = ud;
    jq_node *n = k->n;
    size_t nfr;
    frame *fr = pat_frames(J, n->pats, n->n, k->env, &nfr);
    frame *top = nfr ? &fr[nfr - 1] : k->env;
    int rc = JQ_ERR;
    for (size_t alt = 0; alt < n->n; alt++) {
        for (size_t i = 0; i < nfr; i++) {
            jv_unref(J, fr[i].val);
            fr[i].val = jv_null();
        }
        rc = pat_bind(J, n->pats[alt], v, fr, nfr, k->env);
        if (rc == JQ_OK) {
            if (alt + 1 < n->n) {
                k_try t = {k->cb, k->ud, false, false};
                rc = ev(J, n->b, top, k->in, k->inpath, try_cb, &t);
                if (rc == JQ_ERR && !t.down) continue; /* the next alternative */
            } else {
                rc = ev(J, n->b, top, k->in, k->inpath, k->cb, k->ud);
            }
            break;
        }
        if (rc != JQ_ERR) break;
    }
    pat_frames_free(J, fr, nfr);
    return rc;
}

/* ---- reduce / foreach ---- */
typedef struct k_red {
    jq_node *n;
    frame *env;
    jv in;
    jv state;
    bool have;
    jq_cb cb;
    void *ud;
} k_red;

static int red_upd_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_red *k = ud;
    jv_unref(J, k->state);
    k->state = jv_ref(v);
    k->have = true;
    return JQ_OK;
}

static int fe_upd_cb(jq_state *J, jv v, jv *p, void *ud);

static int red_item_cb(jq_state *J, jv item, jv *p, void *ud)
{
    k_red *k = ud;
    jq_node *n = k->n;
    size_t nfr;
    frame *fr = pat_frames(J, n->pats, n->n, k->env, &nfr);
    frame *top = nfr ? &fr[nfr - 1] : k->env;
    int rc = pat_bind(J, n->pats[0], item, fr, nfr, k->env);
    if (rc == JQ_OK) {
        jv st = k->state;
        k->state = jv_null();
        k->have = false;
        k_red sub = *k;
        sub.env = top;
        if (n->t == N_REDUCE) {
            sub.state = jv_null();
            jq_node *u = n->c;
            if (++J->ticks >= 4096) jq_tick(J);
            /* the state is reduce's alone: updates that only change it do so in place */
            if (u->t == N_ASSIGN)
                rc = jq_assign(J, u, top, st, red_upd_cb, &sub, true);
            else if (u->t == N_BINOP && u->op == '+' && u->a->t == N_IDENT)
                rc = jq_add_owned(J, u, top, st, red_upd_cb, &sub);
            else {
                rc = ev(J, n->c, top, st, NULL, red_upd_cb, &sub);
                jv_unref(J, st);
            }
            k->state = sub.state; /* null when the update was empty */
        } else {
            sub.state = jv_ref(st);
            rc = ev(J, n->c, top, st, NULL, fe_upd_cb, &sub);
            jv_unref(J, st);
            k->state = sub.state;
        }
    }
    pat_frames_free(J, fr, nfr);
    return rc;
}

static int fe_upd_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_red *k = ud;
    jv_unref(J, k->state);
    k->state = jv_ref(v);
    if (k->n->d) return ev(J, k->n->d, k->env, v, NULL, k->cb, k->ud);
    return k->cb(J, v, NULL, k->ud);
}

static int red_init_cb(jq_state *J, jv init, jv *p, void *ud)
{
    k_red *k = ud;
    k_red run = *k;
    run.state = jv_ref(init);
    int rc = ev(J, k->n->a, k->env, k->in, NULL, red_item_cb, &run);
    if (rc == JQ_OK && k->n->t == N_REDUCE) rc = k->cb(J, run.state, NULL, k->ud);
    jv_unref(J, run.state);
    return rc;
}

/* ---- function calls ---- */
typedef struct k_call {
    jq_node *call, *def;
    frame *env;      /* caller's environment (closures of the arguments) */
    frame *defenv;   /* the function's own frame (or NULL for a builtin def) */
    frame *params;
    jv in, *inpath;
    jq_cb cb;
    void *ud;
} k_call;

static int call_bind(jq_state *J, k_call *k, size_t i);

typedef struct k_param {
    k_call *k;
    size_t i;
} k_param;

static int param_val_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_param *kp = ud;
    k_call *k = kp->k;
    size_t i = kp->i;
    frame *f = &k->params[2 * i];
    f->val = v; /* borrowed for the call */
    int rc = call_bind(J, k, i + 1);
    f->val = jv_null();
    return rc;
}

static int call_bind(jq_state *J, k_call *k, size_t i)
{
    jq_node *def = k->def;
    if (i == def->n) {
        frame *top = def->n ? &k->params[2 * def->n - 1] : k->defenv;
        return ev(J, def->a, top, k->in, k->inpath, k->cb, k->ud);
    }
    if (def->params[i][0] == '$') {
        k_param kp = {k, i};
        return ev(J, k->call->args[i], k->env, k->in, NULL, param_val_cb, &kp);
    }
    return call_bind(J, k, i + 1);
}

static int call_def(jq_state *J, jq_node *call, jq_node *def, frame *defenv, frame *env, jv in,
                    jv *path, jq_cb cb, void *ud)
{
    size_t np = def->n;
    frame pbuf[4];
    frame *params = np * 2 <= 4 ? pbuf : jq_alloc(J, np * 2 * sizeof(frame));
    frame *top = defenv;
    for (size_t i = 0; i < np; i++) {
        const char *pn = def->params[i];
        frame *f = &params[2 * i], *g = &params[2 * i + 1];
        memset(f, 0, sizeof *f);
        memset(g, 0, sizeof *g);
        if (pn[0] == '$') {
            const char *nm = jq_intern(J, pn + 1, strlen(pn + 1));
            f->kind = F_VAR;
            f->name = nm;
            f->val = jv_null();
            /* $a is the value; a stays the argument's filter (all its outputs) */
            g->kind = F_CLOSURE;
            g->name = nm;
            g->node = call->args[i];
            g->env = env;
            g->val = jv_null();
        } else {
            f->kind = F_NONE;
            g->kind = F_CLOSURE;
            g->name = pn;
            g->node = call->args[i];
            g->env = env;
        }
        f->up = top;
        g->up = f;
        top = g;
    }
    k_call k = {call, def, env, defenv, params, in, path, cb, ud};
    int rc = call_bind(J, &k, 0);
    if (params != pbuf) jq_free(J, params);
    return rc;
}

static int eval_call(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    /* local functions and closures first (they shadow builtins) */
    for (frame *f = env; f; f = f->up) {
        if (f->kind == F_FUNC && f->name == n->name && f->node->n == n->n)
            return call_def(J, n, f->node, f, env, in, path, cb, ud);
        if (f->kind == F_CLOSURE && f->name == n->name && n->n == 0) {
            if (!f->node) return nonpath(J, f->val, path, cb, ud);
            return ev(J, f->node, f->env, in, path, cb, ud);
        }
    }
    if (!n->bi && !n->c) jq_resolve_global_fn(J, n->name, n->n, n); /* a builtin calling itself */
    if (n->bi) return n->bi->fn(J, n, env, in, path, cb, ud);
    if (n->c) return call_def(J, n, n->c, NULL, env, in, path, cb, ud);
    return jq_errorf(J, "%s/%zu is not defined", n->name, n->n);
}

/* ---- labels ---- */
static int label_eval(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    frame f;
    memset(&f, 0, sizeof f);
    f.kind = F_LABEL;
    f.name = n->name;
    f.label = ++J->labels;
    f.up = env;
    int rc = ev(J, n->a, &f, in, path, cb, ud);
    if (rc == JQ_BREAK && J->brk == f.label) return JQ_OK;
    return rc;
}

/* ---- variables ---- */
static int var_eval(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    frame *f = find_var(env, n->name);
    if (f) return nonpath(J, f->val, path, cb, ud);
    jv v = jq_global_var(J, n);
    int rc = nonpath(J, v, path, cb, ud);
    jv_unref(J, v);
    return rc;
}

/* ---- the evaluator ---- */
static __attribute__((noinline)) int ev_slice(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_slice k = {n, env, in, path, jv_null(), jv_null(), cb, ud};
    if (!n->b) return slice_from_cb(J, jv_null(), NULL, &k);
    return ev(J, n->b, env, in, NULL, slice_from_cb, &k);
}

static __attribute__((noinline)) int ev_iter(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (n->a->t == N_IDENT) return jq_iterate(J, in, path, cb, ud);
    k_iter k = {cb, ud};
    return ev(J, n->a, env, in, path, iter_cb, &k);
}

static __attribute__((noinline)) int ev_str(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv vals[16];
    jv *vp = n->n <= 16 ? vals : jq_alloc(J, n->n * sizeof(jv));
    k_str k = {n, env, in, n->n, vp, cb, ud};
    if (path) {
        k.cb = cb;
    }
    int rc;
    if (path) {
        k_pathguard g = {cb, ud};
        k.cb = pathguard_cb;
        k.ud = &g;
        rc = str_next(J, &k, n->n);
    } else {
        rc = str_next(J, &k, n->n);
    }
    if (vp != vals) jq_free(J, vp);
    return rc;
}

static __attribute__((noinline)) int ev_format(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv r = jq_format(J, n->v, in);
    if (r.k == JV_INVALID) return JQ_ERR;
    int rc = nonpath(J, r, path, cb, ud);
    jv_unref(J, r);
    return rc;
}

static __attribute__((noinline)) int ev_neg(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (path) {
        k_pathguard g = {cb, ud};
        k_pipe k = {NULL, env, pathguard_cb, &g};
        return ev(J, n->a, env, in, NULL, neg_cb, &k);
    }
    k_pipe k = {NULL, env, cb, ud};
    return ev(J, n->a, env, in, NULL, neg_cb, &k);
}

static __attribute__((noinline)) int ev_array(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    jv arr;
    if (!n->a) {
        arr = jv_arr_new(J, 1);
    } else {
        arr = jq_collect(J, n->a, env, in);
        if (arr.k == JV_INVALID) return J->pending_rc;
    }
    int rc = nonpath(J, arr, path, cb, ud);
    jv_unref(J, arr);
    return rc;
}

static __attribute__((noinline)) int ev_object(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_obj k = {n, env, in, 0, jv_obj_new(J), jv_null(), path ? pathguard_cb : cb,
               path ? (void *)&g : ud};
    int rc = obj_step(J, &k, 0);
    jv_unref(J, k.acc);
    return rc;
}

static __attribute__((noinline)) int ev_pipe(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pipe k = {n->b, env, cb, ud};
    return ev(J, n->a, env, in, path, pipe_cb, &k);
}

static __attribute__((noinline)) int ev_comma(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    int rc = ev(J, n->a, env, in, path, cb, ud);
    if (rc) return rc;
    return ev(J, n->b, env, in, path, cb, ud);
}

static __attribute__((noinline)) int ev_alt(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    /* errors in the left side propagate (as in jq 1.6 and 1.7) */
    k_alt k = {cb, ud, false, false};
    int rc = ev(J, n->a, env, in, path, alt_cb, &k);
    if (rc != JQ_OK) return rc;
    if (k.any) return JQ_OK;
    return ev(J, n->b, env, in, path, cb, ud);
}

static __attribute__((noinline)) int ev_binop(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_bin k = {n, env, in, jv_null(), path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return ev(J, n->b, env, in, NULL, bin_r_cb, &k);
}

static __attribute__((noinline)) int ev_or(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_logic k = {n, env, in, path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return ev(J, n->a, env, in, NULL, logic_l_cb, &k);
}

static __attribute__((noinline)) int ev_assign(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (path) {
        k_pathguard g = {cb, ud};
        return jq_assign(J, n, env, in, pathguard_cb, &g, false);
    }
    return jq_assign(J, n, env, in, cb, ud, false);
}

static __attribute__((noinline)) int ev_if(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_if k = {n, env, in, path, cb, ud};
    return ev(J, n->a, env, in, NULL, if_cb, &k);
}

static __attribute__((noinline)) int ev_try(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_try k = {cb, ud, false, false};
    int rc = ev(J, n->a, env, in, path, try_cb, &k);
    if (rc != JQ_ERR || k.down) return rc;
    jv e = J->err;
    J->err = jv_null();
    if (e.k == JV_OBJECT && jv_obj_getc(e, "__jq", 4).k != JV_INVALID) {
        /* halt_error and friends pass through */
        J->err = e;
        return JQ_ERR;
    }
    if (!n->b) {
        jv_unref(J, e);
        return JQ_OK;
    }
    rc = ev(J, n->b, env, e, NULL, cb, ud);
    jv_unref(J, e);
    return rc;
}

static __attribute__((noinline)) int ev_foreach(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_pathguard g = {cb, ud};
    k_red k = {n, env, in, jv_null(), false, path ? pathguard_cb : cb, path ? (void *)&g : ud};
    return ev(J, n->b, env, in, NULL, red_init_cb, &k);
}

static __attribute__((noinline)) int ev_funcdef(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    frame f;
    memset(&f, 0, sizeof f);
    f.kind = F_FUNC;
    f.name = n->name;
    f.node = n;
    f.up = env;
    return ev(J, n->b, &f, in, path, cb, ud);
}

static __attribute__((noinline)) int ev_as(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    k_as k = {n, env, in, path, cb, ud};
    return ev(J, n->a, env, in, NULL, as_cb, &k);
}

static int ev(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud)
{
    if (++J->ticks >= 4096) jq_tick(J);
    if (vk_stack_low()) jq_fatal(J, "stack overflow: the filter recurses too deeply");
    switch (n->t) {
    case N_IDENT: return CB(in, path);
    case N_RECURSE: return jq_recurse_all(J, in, path, cb, ud);
    case N_FIELD:
    case N_INDEX:
        if (n->b->t == N_LIT) {
            if (n->a->t == N_IDENT) return do_index(J, in, path, n->b->v, cb, ud);
            k_index k = {n, env, in, path, n->b->v, cb, ud};
            return ev(J, n->a, env, in, path, index_term_cb, &k);
        } else {
            k_index k = {n, env, in, path, jv_null(), cb, ud};
            return ev(J, n->b, env, in, NULL, index_key_cb, &k);
        }
    case N_SLICE: return ev_slice(J, n, env, in, path, cb, ud);
    case N_ITER: return ev_iter(J, n, env, in, path, cb, ud);
    case N_LIT: return nonpath(J, n->v, path, cb, ud);
    case N_STR: return ev_str(J, n, env, in, path, cb, ud);
    case N_FORMAT: return ev_format(J, n, env, in, path, cb, ud);
    case N_NEG: return ev_neg(J, n, env, in, path, cb, ud);
    case N_ARRAY: return ev_array(J, n, env, in, path, cb, ud);
    case N_OBJECT: return ev_object(J, n, env, in, path, cb, ud);
    case N_PIPE: return ev_pipe(J, n, env, in, path, cb, ud);
    case N_COMMA: return ev_comma(J, n, env, in, path, cb, ud);
    case N_ALT: return ev_alt(J, n, env, in, path, cb, ud);
    case N_BINOP: return ev_binop(J, n, env, in, path, cb, ud);
    case N_AND:
    case N_OR: return ev_or(J, n, env, in, path, cb, ud);
    case N_ASSIGN: return ev_assign(J, n, env, in, path, cb, ud);
    case N_IF: return ev_if(J, n, env, in, path, cb, ud);
    case N_TRY: return ev_try(J, n, env, in, path, cb, ud);
    case N_REDUCE:
    case N_FOREACH: return ev_foreach(J, n, env, in, path, cb, ud);
    case N_FUNCDEF: return ev_funcdef(J, n, env, in, path, cb, ud);
    case N_CALL: return eval_call(J, n, env, in, path, cb, ud);
    case N_VAR: return var_eval(J, n, env, in, path, cb, ud);
    case N_AS: return ev_as(J, n, env, in, path, cb, ud);
    case N_LABEL: return label_eval(J, n, env, in, path, cb, ud);
    case N_BREAK:
        for (frame *f = env; f; f = f->up)
            if (f->kind == F_LABEL && f->name == n->name) {
                J->brk = f->label;
                return JQ_BREAK;
            }
        return jq_errorf(J, "$*label-%s is not defined", n->name);
    case N_OPT: return JQ_OK;
    }
    return JQ_OK;
}

/* In path mode, a value that is not a path is an error. */
int pathguard_cb(jq_state *J, jv v, jv *p, void *ud)
{
    (void)p;
    (void)ud;
    char b[64];
    return jq_errorf(J, "Invalid path expression with result %s", jq_errval(J, v, b, sizeof b));
}

int iter_cb(jq_state *J, jv v, jv *p, void *ud)
{
    k_iter *k = ud;
    return jq_iterate(J, v, p, k->cb, k->ud);
}

int jq_run(jq_state *J, jq_node *prog, jv in, jq_cb cb, void *ud)
{
    return ev(J, prog, NULL, in, NULL, cb, ud);
}
