/* hosttool: what every host tool collection runs as (docs/tools.md). argv[0] is the
 * collection's name: "COLL --help" lists its functions, "COLL FN --help" the flags made from
 * the function's input schema, "COLL FN [--flag V]... [--json J | --json-file F]" builds the
 * input object, checks it against the schema and calls the host (vk_tool_call). Results are
 * {"ok":true,"result":...} on stdout; a usage or validation error is status 2 (the host is
 * not called), the tool's own error status 1, a timeout 124, a policy denial 126. */
#include <stdio.h>
#include <string.h>

#include "kernel/tools.h"
#include "lib/cmd.h"
#include "lib/json.h"

typedef struct ht {
    vl_ctx *c;
    vl_json_ctx jx;
    const char *coll, *fn;
    char err[512];
} ht;

static void *ht_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    vl_ctx *c = ud;
    if (nsize == 0) {
        vl_xfree(c, ptr);
        return NULL;
    }
    return ptr ? vl_xrealloc(c, ptr, nsize) : vl_xmalloc(c, nsize);
}

/* A usage error: the message, the hint, status 2. */
static _Noreturn void usage(ht *t, const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    if (t->fn) {
        vl_eprintf(t->c, "%s %s: %s\nTry '%s %s --help' for more information.\n", t->coll, t->fn,
                   msg, t->coll, t->fn);
    } else {
        vl_eprintf(t->c, "%s: %s\nTry '%s --help' for more information.\n", t->coll, msg,
                   t->coll);
    }
    vl_exit(t->c, 2);
}

/* camelCase and snake_case -> kebab-case: "maxCount" -> "max-count", "max_count" too. */
static char *kebab(ht *t, const char *key)
{
    size_t n = strlen(key);
    char *o = vl_xmalloc(t->c, 2 * n + 1), *q = o;
    for (size_t i = 0; i < n; i++) {
        char ch = key[i];
        if (ch >= 'A' && ch <= 'Z') {
            if (i > 0 && key[i - 1] != '_' && key[i - 1] != '-') *q++ = '-';
            *q++ = (char)(ch - 'A' + 'a');
        } else {
            *q++ = ch == '_' ? '-' : ch;
        }
    }
    *q = 0;
    return o;
}

/* The schema's type: "type" as a string, or the first non-null of a list; NULL if none. */
static const char *type_of(const vl_json *s)
{
    vl_json *ty = vl_json_get(s, "type");
    if (vl_json_type_of(ty) == VL_JSON_STRING) return vl_json_str(ty, NULL);
    for (size_t i = 0; i < vl_json_count(ty); i++) {
        const char *x = vl_json_str(vl_json_at(ty, i), NULL);
        if (x && strcmp(x, "null") != 0) return x;
    }
    return NULL;
}

static bool is_required(const vl_json *schema, const char *key)
{
    vl_json *req = vl_json_get(schema, "required");
    for (size_t i = 0; i < vl_json_count(req); i++) {
        const char *k = vl_json_str(vl_json_at(req, i), NULL);
        if (k && strcmp(k, key) == 0) return true;
    }
    return false;
}

/* ---- help ---- */
static void coll_help(ht *t)
{
    vk_tool_desc info;
    vk_tool_info(t->c->p, t->coll, 0, &info);
    vl_printf(t->c, "Usage: %s FUNCTION [--FLAG VALUE]... [--json JSON | --json-file FILE]\n",
              t->coll);
    if (*info.coll_desc) vl_printf(t->c, "%s\n", info.coll_desc);
    vl_printf(t->c, "\nFunctions:\n");
    size_t w = 0;
    for (size_t i = 0; i < info.n_functions; i++) {
        vk_tool_desc f;
        vk_tool_info(t->c->p, t->coll, i, &f);
        if (strlen(f.name) > w) w = strlen(f.name);
    }
    for (size_t i = 0; i < info.n_functions; i++) {
        vk_tool_desc f;
        vk_tool_info(t->c->p, t->coll, i, &f);
        vl_printf(t->c, "  %-*s  %s\n", (int)w, f.name, f.desc);
    }
    vl_printf(t->c, "\nRun '%s FUNCTION --help' for a function's flags.\n"
                    "Output: {\"ok\":true,\"result\":...} on stdout.\n", t->coll);
}

static void fn_help(ht *t, const char *desc, const vl_json *schema)
{
    vl_ctx *c = t->c;
    vl_printf(c, "Usage: %s %s [OPTION]...\n", t->coll, t->fn);
    if (*desc) vl_printf(c, "%s\n", desc);
    vl_printf(c, "\nOptions:\n");
    const vl_json *props = vl_json_get(schema, "properties");
    for (size_t i = 0; i < vl_json_count(props); i++) {
        const char *key = vl_json_key_at(props, i, NULL);
        const vl_json *ps = vl_json_at(props, i);
        const char *ty = type_of(ps);
        const char *name = kebab(t, key);
        char left[256];
        bool array = ty && strcmp(ty, "array") == 0;
        const char *ity = array ? type_of(vl_json_get(ps, "items")) : ty;
        if (ity && strcmp(ity, "boolean") == 0 && !array)
            snprintf(left, sizeof left, "--%s, --no-%s", name, name);
        else
            snprintf(left, sizeof left, "--%s %s", name,
                     !ity                           ? "JSON"
                     : strcmp(ity, "integer") == 0  ? "INT"
                     : strcmp(ity, "number") == 0   ? "NUM"
                     : strcmp(ity, "string") == 0   ? "STRING"
                                                    : "JSON");
        vl_printf(c, "  %-26s", left);
        if (strlen(left) > 26) vl_printf(c, "\n  %-26s", "");
        const char *d = vl_json_str(vl_json_get(ps, "description"), NULL);
        vl_printf(c, " %s", d ? d : "");
        if (is_required(schema, key)) vl_printf(c, " (required)");
        if (array) vl_printf(c, " (repeatable)");
        const vl_json *en = vl_json_get(array ? vl_json_get(ps, "items") : ps, "enum");
        if (vl_json_count(en)) {
            vl_printf(c, " (one of:");
            for (size_t k = 0; k < vl_json_count(en); k++) {
                size_t l;
                char *s = vl_json_write(&t->jx, vl_json_at(en, k), 0, &l);
                const char *plain = vl_json_str(vl_json_at(en, k), NULL);
                vl_printf(c, "%s %s", k ? "," : "",
                          vl_json_type_of(vl_json_at(en, k)) == VL_JSON_STRING ? plain : s);
            }
            vl_printf(c, ")");
        }
        vl_printf(c, "\n");
    }
    vl_printf(c, "  %-26s the whole input as a JSON object (flags override its members)\n",
              "--json JSON");
    vl_printf(c, "  %-26s the same, read from FILE ('-': stdin)\n", "--json-file FILE");
    vl_printf(c, "  %-26s show this help\n", "--help");
}

/* ---- validation ---- */
static bool json_equal(ht *t, const vl_json *a, const vl_json *b)
{
    size_t la, lb;
    char *sa = vl_json_write(&t->jx, a, 0, &la), *sb = vl_json_write(&t->jx, b, 0, &lb);
    return la == lb && memcmp(sa, sb, la) == 0;
}

static bool type_matches(const vl_json *v, const char *ty)
{
    vl_json_type k = vl_json_type_of(v);
    int64_t n;
    if (!strcmp(ty, "integer")) return k == VL_JSON_NUMBER && (vl_json_num_int64(v, &n) ||
                                                               !strpbrk(vl_json_str(v, NULL), ".eE"));
    if (!strcmp(ty, "number")) return k == VL_JSON_NUMBER;
    if (!strcmp(ty, "string")) return k == VL_JSON_STRING;
    if (!strcmp(ty, "boolean")) return k == VL_JSON_BOOL;
    if (!strcmp(ty, "null")) return k == VL_JSON_NULL;
    if (!strcmp(ty, "array")) return k == VL_JSON_ARRAY;
    if (!strcmp(ty, "object")) return k == VL_JSON_OBJECT;
    return true; /* an unknown type name: not ours to refuse */
}

/* Check v against schema s; on failure fill t->err ("at" names where) and return false. */
static bool validate(ht *t, const vl_json *v, const vl_json *s, const char *at)
{
    if (vl_json_type_of(s) != VL_JSON_OBJECT) return true;
    const vl_json *ty = vl_json_get(s, "type");
    if (ty) {
        bool ok = false;
        if (vl_json_type_of(ty) == VL_JSON_STRING) ok = type_matches(v, vl_json_str(ty, NULL));
        for (size_t i = 0; i < vl_json_count(ty); i++)
            ok = ok || type_matches(v, vl_json_str(vl_json_at(ty, i), NULL) ? vl_json_str(vl_json_at(ty, i), NULL) : "");
        if (!ok) {
            const char *want = vl_json_type_of(ty) == VL_JSON_STRING ? vl_json_str(ty, NULL)
                                                                     : "another type";
            snprintf(t->err, sizeof t->err, "%s: expected %s, got %s", at, want,
                     vl_json_type_name(vl_json_type_of(v)));
            return false;
        }
    }
    const vl_json *en = vl_json_get(s, "enum");
    if (vl_json_type_of(en) == VL_JSON_ARRAY) {
        bool ok = false;
        for (size_t i = 0; !ok && i < vl_json_count(en); i++) ok = json_equal(t, v, vl_json_at(en, i));
        if (!ok) {
            size_t l;
            char *got = vl_json_write(&t->jx, v, 0, &l);
            char *all = vl_json_write(&t->jx, en, 0, &l);
            snprintf(t->err, sizeof t->err, "%s: %.100s is not one of %.300s", at, got, all);
            return false;
        }
    }
    if (vl_json_type_of(v) == VL_JSON_NUMBER) {
        double d = vl_json_num_double(v);
        const vl_json *mn = vl_json_get(s, "minimum"), *mx = vl_json_get(s, "maximum");
        if ((mn && d < vl_json_num_double(mn)) || (mx && d > vl_json_num_double(mx))) {
            snprintf(t->err, sizeof t->err, "%s: %s is out of range", at, vl_json_str(v, NULL));
            return false;
        }
    }
    char sub[512];
    if (vl_json_type_of(v) == VL_JSON_ARRAY) {
        const vl_json *items = vl_json_get(s, "items");
        for (size_t i = 0; items && i < vl_json_count(v); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", at, i);
            if (!validate(t, vl_json_at(v, i), items, sub)) return false;
        }
    }
    if (vl_json_type_of(v) == VL_JSON_OBJECT) {
        const vl_json *props = vl_json_get(s, "properties");
        const vl_json *req = vl_json_get(s, "required");
        for (size_t i = 0; i < vl_json_count(req); i++) {
            const char *k = vl_json_str(vl_json_at(req, i), NULL);
            if (k && !vl_json_get(v, k)) {
                if (!strcmp(at, "input"))
                    snprintf(t->err, sizeof t->err, "missing required --%s", kebab(t, k));
                else
                    snprintf(t->err, sizeof t->err, "%s: missing required property '%s'", at, k);
                return false;
            }
        }
        const vl_json *addl = vl_json_get(s, "additionalProperties");
        for (size_t i = 0; i < vl_json_count(v); i++) {
            const char *k = vl_json_key_at(v, i, NULL);
            const vl_json *ps = vl_json_get(props, k);
            if (!strcmp(at, "input"))
                snprintf(sub, sizeof sub, "--%s", kebab(t, k));
            else
                snprintf(sub, sizeof sub, "%s.%s", at, k);
            if (!ps && vl_json_type_of(addl) == VL_JSON_BOOL && !vl_json_bool(addl)) {
                snprintf(t->err, sizeof t->err, "%s: unknown property '%s'", at, k);
                return false;
            }
            if (!validate(t, vl_json_at(v, i), ps ? ps : addl, sub)) return false;
        }
    }
    return true;
}

/* ---- flags ---- */
/* A flag's text as the JSON value its schema type wants, or NULL (t->err says why). */
static vl_json *flag_value(ht *t, const char *flag, const char *text, const char *ty)
{
    size_t n = strlen(text);
    if (ty && (!strcmp(ty, "integer") || !strcmp(ty, "number"))) {
        vl_json *v = vl_json_new_num_text(&t->jx, text, n);
        if (!v || (!strcmp(ty, "integer") && strpbrk(text, ".eE"))) {
            snprintf(t->err, sizeof t->err, "--%s: invalid %s '%.200s'", flag, ty, text);
            return NULL;
        }
        return v;
    }
    if (ty && !strcmp(ty, "boolean")) {
        if (!strcmp(text, "true")) return vl_json_new_bool(&t->jx, true);
        if (!strcmp(text, "false")) return vl_json_new_bool(&t->jx, false);
        snprintf(t->err, sizeof t->err, "--%s: invalid boolean '%.200s' (true or false)", flag,
                 text);
        return NULL;
    }
    if (ty && !strcmp(ty, "string")) return vl_json_new_str(&t->jx, text, n);
    /* objects, arrays given whole, untyped: JSON text (a bare word is a string) */
    vl_json_error e;
    vl_json *v = vl_json_parse(&t->jx, text, n, &e);
    if (v) return v;
    if (ty) {
        snprintf(t->err, sizeof t->err, "--%s: invalid JSON (%d:%d: %s)", flag, e.line, e.column,
                 e.msg);
        return NULL;
    }
    return vl_json_new_str(&t->jx, text, n);
}

static vl_json *read_json_file(ht *t, const char *path)
{
    vl_in *in = vl_in_open(t->c, path);
    if (!in) vl_exit(t->c, 2);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) buf = vl_xrealloc(t->c, buf, cap = cap * 2 + 65536);
        ssize_t k = vl_in_read(t->c, in, buf + len, cap - len);
        if (k < 0) {
            vl_perror(t->c, path, (int)k);
            vl_exit(t->c, 2);
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    vl_in_close(t->c, in);
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')) i++;
    if (i == len) return vl_json_new_object(&t->jx); /* nothing: no input */
    vl_json_error e;
    vl_json *v = vl_json_parse(&t->jx, buf, len, &e);
    if (!v) {
        snprintf(t->err, sizeof t->err, "%s: invalid JSON (%d:%d: %s)", path, e.line, e.column,
                 e.msg);
        usage(t, "%s", t->err, NULL);
    }
    return v;
}

static int hosttool_main(vl_ctx *c, int argc, char **argv)
{
    ht t = {.c = c, .jx = {.fn = ht_alloc, .ud = c}};
    const char *slash = strrchr(argv[0], '/');
    t.coll = slash ? slash + 1 : argv[0];
    vk_tool_desc info;
    if (vk_tool_info(c->p, t.coll, 0, &info) < 0)
        vl_die(c, 2, "run me by the name of a host tool collection (see docs/tools.md)");
    if (argc < 2) usage(&t, "missing function name", NULL, NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        coll_help(&t);
        return 0;
    }
    if (argv[1][0] == '-') usage(&t, "unknown option '%s'", argv[1], NULL);
    size_t fi = 0;
    vk_tool_desc f = {0};
    for (; fi < info.n_functions; fi++) {
        vk_tool_info(c->p, t.coll, fi, &f);
        if (!strcmp(f.name, argv[1])) break;
    }
    if (fi == info.n_functions) usage(&t, "unknown function '%s'", argv[1], NULL);
    t.fn = f.name;
    vl_json *schema = vl_json_parse(&t.jx, f.schema, strlen(f.schema), NULL);
    const vl_json *props = vl_json_get(schema, "properties");

    vl_json *base = NULL;                       /* --json / --json-file / stdin */
    vl_json *flags = vl_json_new_object(&t.jx); /* the flags, over base */
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            fn_help(&t, f.desc, schema);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) usage(&t, "unexpected argument '%s'", a, NULL);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        char *nm = vl_xmalloc(c, nl + 1);
        memcpy(nm, name, nl);
        nm[nl] = 0;
        const char *val = eq ? eq + 1 : NULL;
        if (!strcmp(nm, "json") || !strcmp(nm, "json-file")) {
            if (!val && i + 1 < argc) val = argv[++i];
            if (!val) usage(&t, "option '--%s' requires an argument", nm, NULL);
            if (base) usage(&t, "--json and --json-file are given once", NULL, NULL);
            if (!strcmp(nm, "json-file")) {
                base = read_json_file(&t, val);
            } else {
                vl_json_error e;
                base = vl_json_parse(&t.jx, val, strlen(val), &e);
                if (!base) {
                    snprintf(t.err, sizeof t.err, "--json: invalid JSON (%d:%d: %s)", e.line,
                             e.column, e.msg);
                    usage(&t, "%s", t.err, NULL);
                }
            }
            if (vl_json_type_of(base) != VL_JSON_OBJECT)
                usage(&t, "the input must be a JSON object", NULL, NULL);
            continue;
        }
        /* the property this flag names */
        bool neg = false;
        const char *key = NULL;
        const vl_json *ps = NULL;
        for (int pass = 0; pass < 2 && !key; pass++) {
            const char *want = pass ? nm + 3 : nm;
            if (pass && strncmp(nm, "no-", 3) != 0) break;
            for (size_t k = 0; k < vl_json_count(props); k++)
                if (!strcmp(kebab(&t, vl_json_key_at(props, k, NULL)), want)) {
                    key = vl_json_key_at(props, k, NULL);
                    ps = vl_json_at(props, k);
                    neg = pass == 1;
                }
            if (neg && !(type_of(ps) && !strcmp(type_of(ps), "boolean"))) key = NULL, neg = false;
        }
        if (!key) usage(&t, "unknown option '--%s'", nm, NULL);
        const char *ty = type_of(ps);
        bool is_bool = ty && !strcmp(ty, "boolean");
        vl_json *v;
        if (is_bool && (neg || !val)) {
            if (val) usage(&t, "option '--%s' takes no argument", nm, NULL);
            v = vl_json_new_bool(&t.jx, !neg);
        } else {
            if (!val && i + 1 < argc) val = argv[++i];
            if (!val) usage(&t, "option '--%s' requires an argument", nm, NULL);
            bool array = ty && !strcmp(ty, "array");
            /* an array flag repeats: each value is one element (or, as JSON, the whole) */
            const char *ity = array ? type_of(vl_json_get(ps, "items")) : ty;
            if (array && val[0] == '[' && !(ity && !strcmp(ity, "string"))) ity = NULL;
            v = flag_value(&t, nm, val, array && ity ? ity : (array ? "array" : ty));
            if (!v) usage(&t, "%s", t.err, NULL);
            if (array && vl_json_type_of(v) != VL_JSON_ARRAY) {
                vl_json *arr = vl_json_take(&t.jx, flags, key);
                if (vl_json_type_of(arr) != VL_JSON_ARRAY) {
                    vl_json_free(&t.jx, arr);
                    arr = vl_json_new_array(&t.jx);
                }
                vl_json_append(&t.jx, arr, v);
                v = arr;
            }
        }
        vl_json_set(&t.jx, flags, key, strlen(key), v);
    }
    /* no input given at all and stdin is a pipe or a file: JSON on stdin */
    if (argc == 2) {
        struct vk_stat st;
        if (vk_fstat(c->p, 0, &st) == 0 && (VK_S_ISFIFO(st.mode) || VK_S_ISREG(st.mode))) {
            base = read_json_file(&t, "-");
            if (vl_json_type_of(base) != VL_JSON_OBJECT)
                usage(&t, "the input must be a JSON object", NULL, NULL);
        }
    }
    if (!base) base = vl_json_new_object(&t.jx);
    for (size_t i = 0; i < vl_json_count(flags); i++) {
        size_t kl;
        const char *k = vl_json_key_at(flags, i, &kl);
        size_t l;
        char *copy = vl_json_write(&t.jx, vl_json_at(flags, i), 0, &l);
        vl_json_set(&t.jx, base, k, kl, vl_json_parse(&t.jx, copy, l, NULL));
    }
    if (!validate(&t, base, schema, "input")) usage(&t, "%s", t.err, NULL);

    size_t inlen;
    char *in = vl_json_write(&t.jx, base, 0, &inlen);
    char *out = NULL;
    size_t outlen = 0;
    vl_flush(c);
    int rc = vk_tool_call(c->p, t.coll, t.fn, in, inlen, &out, &outlen);
    if (rc == 1) {
        vl_eprintf(c, "%s %s: %s\n", t.coll, t.fn, outlen ? out : "the tool failed");
        vk_free(c->p, out);
        return 1;
    }
    if (rc < 0) {
        vk_free(c->p, out);
        if (rc == VOS_ETIMEDOUT) {
            vl_eprintf(c, "%s %s: no answer within %llu ms\n", t.coll, t.fn,
                       (unsigned long long)f.timeout_ms);
            return 124;
        }
        if (rc == VOS_EDENIED) {
            vl_eprintf(c, "%s %s: denied by the VM's policy\n", t.coll, t.fn);
            return 126;
        }
        vl_eprintf(c, "%s %s: %s\n", t.coll, t.fn, vl_strerror(rc));
        return 1;
    }
    vl_json_error e;
    vl_json *res = outlen ? vl_json_parse(&t.jx, out, outlen, &e) : vl_json_new_null(&t.jx);
    vk_free(c->p, out);
    if (!res) {
        vl_eprintf(c, "%s %s: the tool's result is not JSON (%d:%d: %s)\n", t.coll, t.fn, e.line,
                   e.column, e.msg);
        return 1;
    }
    size_t l;
    char *text = vl_json_write(&t.jx, res, 0, &l);
    vl_puts(c, "{\"ok\":true,\"result\":");
    vl_write(c, text, l);
    vl_puts(c, "}\n");
    return 0;
}
static const vl_opt no_opts[] = {{0}};
VL_COMMAND(hosttool, hosttool_main, no_opts, "FUNCTION [--FLAG VALUE]...",
           "Call a host tool (run by a collection's name).", VL_NO_OPTIONS, 2);
