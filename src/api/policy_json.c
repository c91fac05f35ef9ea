/* policy_json.c: the JSON policy file of the CLI (docs/security.md), parsed into the rules of
 * vos_config. A small strict JSON reader of its own (RFC 8259: no comments, no trailing
 * commas, no duplicate keys) with a line and column for every value, so that a mistake in the
 * file is reported where it is. The file is the host's: it never reaches the VM. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vos.h"

/* ---- the JSON reader ---- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval jval;
struct jval {
    jtype t;
    int line, col;
    bool b;
    double num;
    char *str;   /* J_STR: the value; in an object's member: the key */
    jval *kids;  /* J_ARR, J_OBJ: the elements / members (each member's key in ->key) */
    size_t n;
    char *key;
};

typedef struct jparse {
    const char *s, *end;
    int line;
    const char *bol; /* where the current line begins */
    char *err;
    size_t errn;
    bool failed;
    int depth;
} jparse;

#define J_MAX_DEPTH 64

static void jfail_at(jparse *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void jfail_at(jparse *p, int line, int col, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = true;
    if (!p->errn) return;
    int k = snprintf(p->err, p->errn, "%d:%d: ", line, col);
    if (k < 0 || (size_t)k >= p->errn) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->errn - (size_t)k, fmt, ap);
    va_end(ap);
}

static int col_of(jparse *p) { return (int)(p->s - p->bol) + 1; }
#define JFAIL(p, ...) jfail_at((p), (p)->line, col_of(p), __VA_ARGS__)

static void skip_ws(jparse *p)
{
    while (p->s < p->end) {
        char c = *p->s;
        if (c == '\n') {
            p->line++;
            p->bol = ++p->s;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            p->s++;
        } else {
            break;
        }
    }
}

static void jfree(jval *v)
{
    if (!v) return;
    free(v->str);
    free(v->key);
    for (size_t i = 0; i < v->n; i++) jfree(&v->kids[i]);
    free(v->kids);
}

static void put_utf8(char *o, size_t *k, uint32_t c)
{
    if (c < 0x80) {
        o[(*k)++] = (char)c;
    } else if (c < 0x800) {
        o[(*k)++] = (char)(0xc0 | c >> 6);
        o[(*k)++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        o[(*k)++] = (char)(0xe0 | c >> 12);
        o[(*k)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[(*k)++] = (char)(0x80 | (c & 0x3f));
    } else {
        o[(*k)++] = (char)(0xf0 | c >> 18);
        o[(*k)++] = (char)(0x80 | ((c >> 12) & 0x3f));
        o[(*k)++] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[(*k)++] = (char)(0x80 | (c & 0x3f));
    }
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* At the opening quote: the string's bytes (malloc'd), or NULL after an error. */
static char *parse_string(jparse *p)
{
    const char *s = ++p->s;
    /* the decoded text is never longer than the source */
    const char *q = s;
    while (q < p->end && *q != '"') q += (*q == '\\' && q + 1 < p->end) ? 2 : 1;
    if (q >= p->end) {
        jfail_at(p, p->line, col_of(p) - 1, "unterminated string"); /* at its quote */
        return NULL;
    }
    char *o = malloc((size_t)(q - s) + 1);
    if (!o) {
        JFAIL(p, "out of memory");
        return NULL;
    }
    size_t k = 0;
    while (*p->s != '"') {
        unsigned char c = (unsigned char)*p->s;
        if (c < 0x20) {
            JFAIL(p, "control character in a string");
            free(o);
            return NULL;
        }
        if (c != '\\') {
            o[k++] = (char)c;
            p->s++;
            continue;
        }
        char e = p->s[1];
        const char *map = strchr("\"\"\\\\//b\bf\fn\nr\rt\t", e);
        if (e && map && (map - "\"\"\\\\//b\bf\fn\nr\rt\t") % 2 == 0) {
            o[k++] = map[1];
            p->s += 2;
            continue;
        }
        uint32_t cp, lo;
        const char *esc = p->s;
        if (e != 'u' || p->end - p->s < 6 || hex4(p->s + 2, &cp) < 0) {
            JFAIL(p, "invalid escape in a string");
            free(o);
            return NULL;
        }
        p->s += 6;
        if (cp >= 0xd800 && cp < 0xdc00) {
            if (p->end - p->s < 6 || p->s[0] != '\\' || p->s[1] != 'u' ||
                hex4(p->s + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                jfail_at(p, p->line, (int)(esc - p->bol) + 1, "lone surrogate in a string");
                free(o);
                return NULL;
            }
            p->s += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            jfail_at(p, p->line, (int)(esc - p->bol) + 1, "lone surrogate in a string");
            free(o);
            return NULL;
        }
        if (cp == 0) {
            jfail_at(p, p->line, (int)(esc - p->bol) + 1, "NUL in a string");
            free(o);
            return NULL;
        }
        put_utf8(o, &k, cp);
    }
    p->s++;
    o[k] = 0;
    return o;
}

static bool parse_value(jparse *p, jval *v);

static bool push(jparse *p, jval *parent, size_t *cap, jval *kid)
{
    if (parent->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        jval *nk = realloc(parent->kids, nc * sizeof *nk);
        if (!nk) {
            JFAIL(p, "out of memory");
            jfree(kid);
            return false;
        }
        parent->kids = nk;
        *cap = nc;
    }
    parent->kids[parent->n++] = *kid;
    return true;
}

static bool parse_container(jparse *p, jval *v, bool obj)
{
    if (++p->depth > J_MAX_DEPTH) {
        JFAIL(p, "nested too deeply");
        return false;
    }
    v->t = obj ? J_OBJ : J_ARR;
    p->s++;
    size_t cap = 0;
    skip_ws(p);
    if (p->s < p->end && *p->s == (obj ? '}' : ']')) {
        p->s++;
        p->depth--;
        return true;
    }
    for (;;) {
        jval kid = {0};
        skip_ws(p);
        if (obj) {
            if (p->s >= p->end || *p->s != '"') {
                JFAIL(p, "expected a string key");
                return false;
            }
            int kl = p->line, kc = col_of(p);
            char *key = parse_string(p);
            if (!key) return false;
            for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->kids[i].key, key) == 0) {
                    jfail_at(p, kl, kc, "duplicate key \"%s\"", key);
                    free(key);
                    return false;
                }
            skip_ws(p);
            if (p->s >= p->end || *p->s != ':') {
                free(key);
                JFAIL(p, "expected ':'");
                return false;
            }
            p->s++;
            skip_ws(p);
            bool ok = parse_value(p, &kid);
            kid.key = key;
            if (!ok) {
                jfree(&kid);
                return false;
            }
        } else if (!parse_value(p, &kid)) {
            jfree(&kid);
            return false;
        }
        if (!push(p, v, &cap, &kid)) return false;
        skip_ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == (obj ? '}' : ']')) {
            p->s++;
            p->depth--;
            return true;
        }
        JFAIL(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        return false;
    }
}

static bool parse_value(jparse *p, jval *v)
{
    skip_ws(p);
    v->line = p->line;
    v->col = col_of(p);
    if (p->s >= p->end) {
        JFAIL(p, "unexpected end of the file");
        return false;
    }
    char c = *p->s;
    if (c == '{' || c == '[') return parse_container(p, v, c == '{');
    if (c == '"') {
        v->t = J_STR;
        v->str = parse_string(p);
        return v->str != NULL;
    }
    static const struct { const char *w; jtype t; bool b; } words[] = {
        {"null", J_NULL, false}, {"true", J_BOOL, true}, {"false", J_BOOL, false}};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(words[i].w);
        if ((size_t)(p->end - p->s) >= l && memcmp(p->s, words[i].w, l) == 0) {
            v->t = words[i].t;
            v->b = words[i].b;
            p->s += l;
            return true;
        }
    }
    /* a number, in JSON's own grammar */
    const char *q = p->s;
    if (q < p->end && *q == '-') q++;
    if (q < p->end && *q == '0') {
        q++;
    } else if (q < p->end && *q >= '1' && *q <= '9') {
        while (q < p->end && *q >= '0' && *q <= '9') q++;
    } else {
        JFAIL(p, "unexpected character '%c'", c);
        return false;
    }
    if (q < p->end && *q == '.') {
        q++;
        if (q >= p->end || *q < '0' || *q > '9') {
            JFAIL(p, "invalid number");
            return false;
        }
        while (q < p->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < p->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < p->end && (*q == '+' || *q == '-')) q++;
        if (q >= p->end || *q < '0' || *q > '9') {
            JFAIL(p, "invalid number");
            return false;
        }
        while (q < p->end && *q >= '0' && *q <= '9') q++;
    }
    char buf[64];
    size_t l = (size_t)(q - p->s);
    if (l >= sizeof buf) {
        JFAIL(p, "number too long");
        return false;
    }
    memcpy(buf, p->s, l);
    buf[l] = 0;
    v->t = J_NUM;
    v->num = strtod(buf, NULL);
    p->s = q;
    return true;
}

/* ---- the policy ---- */

struct vos_policy {
    vos_policy_rule *rules;
    size_t n_rules, cap_rules;
    vos_net_rule *net;
    size_t n_net;
    uint64_t ask_timeout_ms;
    const char *net_ca_file;
    char **strs; /* every string the rules point into */
    size_t n_strs, cap_strs;
};

typedef struct loader {
    vos_policy *pol;
    jparse *p;
} loader;

static bool failv(loader *L, const jval *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool failv(loader *L, const jval *v, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jfail_at(L->p, v->line, v->col, "%s", msg);
    return false;
}

/* Keep s for the policy's lifetime (the rules point into it). */
static const char *keep(loader *L, const char *s)
{
    vos_policy *pol = L->pol;
    if (pol->n_strs == pol->cap_strs) {
        size_t nc = pol->cap_strs ? pol->cap_strs * 2 : 16;
        char **ns = realloc(pol->strs, nc * sizeof *ns);
        if (!ns) return NULL;
        pol->strs = ns;
        pol->cap_strs = nc;
    }
    char *d = strdup(s);
    if (d) pol->strs[pol->n_strs++] = d;
    return d;
}

static bool add(loader *L, const jval *at, vos_request_kind kind, const char *pattern,
                const char *detail, vos_policy_outcome o)
{
    vos_policy *pol = L->pol;
    if (pol->n_rules == pol->cap_rules) {
        size_t nc = pol->cap_rules ? pol->cap_rules * 2 : 16;
        vos_policy_rule *nr = realloc(pol->rules, nc * sizeof *nr);
        if (!nr) return failv(L, at, "out of memory");
        pol->rules = nr;
        pol->cap_rules = nc;
    }
    const char *pat = keep(L, pattern);
    if (!pat) return failv(L, at, "out of memory");
    vos_policy_rule *r = &pol->rules[pol->n_rules++];
    r->kind = kind;
    r->pattern = pat;
    r->detail = detail; /* a literal */
    r->outcome = o;
    return true;
}

static bool outcome_of(loader *L, const jval *v, vos_policy_outcome *o)
{
    if (v->t == J_STR) {
        if (strcmp(v->str, "allow") == 0) return *o = VOS_POLICY_ALLOW, true;
        if (strcmp(v->str, "deny") == 0) return *o = VOS_POLICY_DENY, true;
        if (strcmp(v->str, "ask") == 0) return *o = VOS_POLICY_ASK, true;
    }
    return failv(L, v, "expected \"allow\", \"deny\" or \"ask\"");
}

static bool want(loader *L, const jval *v, jtype t, const char *what)
{
    return v->t == t || failv(L, v, "expected %s", what);
}

/* "paths": {"/work": "write", "/etc": "read", "/secret": "none",
 *           "/inbox": {"read": "allow", "write": "ask"}} */
static bool load_paths(loader *L, const jval *v)
{
    if (!want(L, v, J_OBJ, "an object of path prefixes")) return false;
    for (size_t i = 0; i < v->n; i++) {
        const jval *m = &v->kids[i];
        const char *pre = m->key;
        if (pre[0] != '/') return failv(L, m, "path \"%s\": want an absolute VM path", pre);
        if (m->t == J_OBJ) {
            for (size_t j = 0; j < m->n; j++) {
                const jval *a = &m->kids[j];
                const char *det = strcmp(a->key, "read") == 0    ? "read"
                                  : strcmp(a->key, "write") == 0 ? "write"
                                                                 : NULL;
                if (!det) return failv(L, a, "expected \"read\" or \"write\"");
                vos_policy_outcome o;
                if (!outcome_of(L, a, &o) || !add(L, a, VOS_REQ_PATH, pre, det, o))
                    return false;
            }
            continue;
        }
        const char *s = m->t == J_STR ? m->str : "";
        bool ok;
        if (strcmp(s, "write") == 0)
            ok = add(L, m, VOS_REQ_PATH, pre, NULL, VOS_POLICY_ALLOW);
        else if (strcmp(s, "read") == 0)
            ok = add(L, m, VOS_REQ_PATH, pre, "read", VOS_POLICY_ALLOW) &&
                 add(L, m, VOS_REQ_PATH, pre, "write", VOS_POLICY_DENY);
        else if (strcmp(s, "none") == 0)
            ok = add(L, m, VOS_REQ_PATH, pre, NULL, VOS_POLICY_DENY);
        else if (strcmp(s, "ask") == 0)
            ok = add(L, m, VOS_REQ_PATH, pre, NULL, VOS_POLICY_ASK);
        else
            return failv(L, m,
                         "expected \"read\", \"write\", \"none\", \"ask\" or an object of "
                         "\"read\"/\"write\" outcomes");
        if (!ok) return false;
    }
    return true;
}

/* "commands" / "env" / "tools": {"pattern": "allow" | "deny" | "ask", ...} */
static bool load_simple(loader *L, const jval *v, vos_request_kind kind)
{
    if (!want(L, v, J_OBJ, "an object of patterns and outcomes")) return false;
    for (size_t i = 0; i < v->n; i++) {
        vos_policy_outcome o;
        if (!outcome_of(L, &v->kids[i], &o) || !add(L, &v->kids[i], kind, v->kids[i].key, NULL, o))
            return false;
    }
    return true;
}

static bool str_field(loader *L, const jval *m, const char **out)
{
    if (!want(L, m, J_STR, "a string")) return false;
    if (!(*out = keep(L, m->str))) return failv(L, m, "out of memory");
    return true;
}

/* "network": [{"origin": "https://api.example.com", "path_prefix": "/v1/",
 *              "methods": ["GET", "POST"] or "GET,POST", "outcome": "allow",
 *              "address": "127.0.0.1", "headers": {"Authorization": "Bearer ..."}}] */
static bool load_net(loader *L, const jval *v)
{
    if (!want(L, v, J_ARR, "an array of network rules")) return false;
    vos_policy *pol = L->pol;
    pol->net = calloc(v->n ? v->n : 1, sizeof *pol->net);
    if (!pol->net) return failv(L, v, "out of memory");
    for (size_t i = 0; i < v->n; i++) {
        const jval *r = &v->kids[i];
        if (!want(L, r, J_OBJ, "a network rule object")) return false;
        vos_net_rule *nr = &pol->net[pol->n_net++];
        nr->outcome = VOS_POLICY_ALLOW;
        for (size_t j = 0; j < r->n; j++) {
            const jval *m = &r->kids[j];
            const char *k = m->key;
            bool ok = true;
            if (strcmp(k, "origin") == 0) {
                ok = str_field(L, m, &nr->origin);
            } else if (strcmp(k, "path_prefix") == 0) {
                ok = str_field(L, m, &nr->path_prefix);
            } else if (strcmp(k, "address") == 0) {
                ok = str_field(L, m, &nr->address);
            } else if (strcmp(k, "insecure") == 0) {
                if (!want(L, m, J_BOOL, "true or false")) return false;
                nr->insecure = m->b;
            } else if (strcmp(k, "outcome") == 0) {
                ok = outcome_of(L, m, &nr->outcome);
            } else if (strcmp(k, "methods") == 0) {
                if (m->t == J_STR) {
                    ok = str_field(L, m, &nr->methods);
                } else if (m->t == J_ARR) {
                    size_t len = 1;
                    for (size_t x = 0; x < m->n; x++) {
                        if (!want(L, &m->kids[x], J_STR, "a method name")) return false;
                        len += strlen(m->kids[x].str) + 1;
                    }
                    char *joined = malloc(len);
                    if (!joined) return failv(L, m, "out of memory");
                    joined[0] = 0;
                    for (size_t x = 0; x < m->n; x++) {
                        if (x) strcat(joined, ",");
                        strcat(joined, m->kids[x].str);
                    }
                    nr->methods = keep(L, joined);
                    free(joined);
                    if (!nr->methods) return failv(L, m, "out of memory");
                } else {
                    return failv(L, m, "expected a string or an array of method names");
                }
            } else if (strcmp(k, "headers") == 0) {
                if (!want(L, m, J_OBJ, "an object of header names and values")) return false;
                vos_header *h = calloc(m->n ? m->n : 1, sizeof *h);
                if (!h || !keep(L, "")) {
                    free(h);
                    return failv(L, m, "out of memory");
                }
                /* the array itself is kept with the strings, freed with them */
                free(pol->strs[--pol->n_strs]);
                pol->strs[pol->n_strs++] = (char *)h;
                nr->headers = h;
                for (size_t x = 0; x < m->n; x++) {
                    if (!want(L, &m->kids[x], J_STR, "a header value")) return false;
                    if (!(h[x].name = keep(L, m->kids[x].key)) ||
                        !(h[x].value = keep(L, m->kids[x].str)))
                        return failv(L, m, "out of memory");
                    nr->n_headers = x + 1;
                }
            } else {
                return failv(L, m, "unknown key \"%s\" in a network rule", k);
            }
            if (!ok) return false;
        }
        if (!nr->origin) return failv(L, r, "a network rule needs an \"origin\"");
    }
    return true;
}

void vos_policy_free(vos_policy *pol)
{
    if (!pol) return;
    for (size_t i = 0; i < pol->n_strs; i++) free(pol->strs[i]);
    free(pol->strs);
    free(pol->rules);
    free(pol->net);
    free(pol);
}

int vos_policy_parse_json(const char *text, size_t len, vos_policy **out, char *err,
                          size_t errn)
{
    if (err && errn) err[0] = 0;
    if (!out || (!text && len)) return VOS_EMISUSE;
    *out = NULL;
    jparse p = {.s = text, .end = text + len, .line = 1, .bol = text, .err = err,
                .errn = err ? errn : 0};
    jval root = {0};
    bool ok = parse_value(&p, &root);
    if (ok) {
        skip_ws(&p);
        if (p.s < p.end) ok = (JFAIL(&p, "text after the policy object"), false);
    }
    vos_policy *pol = ok ? calloc(1, sizeof *pol) : NULL;
    if (ok && !pol) ok = (JFAIL(&p, "out of memory"), false);
    loader L = {pol, &p};
    if (ok && root.t != J_OBJ) ok = failv(&L, &root, "expected the policy object");
    for (size_t i = 0; ok && i < root.n; i++) {
        const jval *m = &root.kids[i];
        const char *k = m->key;
        if (strcmp(k, "paths") == 0)
            ok = load_paths(&L, m);
        else if (strcmp(k, "commands") == 0)
            ok = load_simple(&L, m, VOS_REQ_COMMAND);
        else if (strcmp(k, "env") == 0)
            ok = load_simple(&L, m, VOS_REQ_ENV);
        else if (strcmp(k, "tools") == 0)
            ok = load_simple(&L, m, VOS_REQ_TOOL);
        else if (strcmp(k, "network") == 0)
            ok = load_net(&L, m);
        else if (strcmp(k, "ask_timeout_ms") == 0) {
            if (m->t != J_NUM || m->num < 1 || m->num > 86400000.0 || m->num != (double)(uint64_t)m->num)
                ok = failv(&L, m, "expected a whole number of milliseconds (1 to 86400000)");
            else
                pol->ask_timeout_ms = (uint64_t)m->num;
        } else if (strcmp(k, "network_ca_file") == 0) {
            ok = str_field(&L, m, &pol->net_ca_file);
        } else
            ok = failv(&L, m, "unknown key \"%s\" (want paths, commands, env, network, tools, "
                              "ask_timeout_ms, network_ca_file)", k);
    }
    jfree(&root);
    if (!ok) {
        vos_policy_free(pol);
        return VOS_EINVAL;
    }
    *out = pol;
    return 0;
}

void vos_policy_apply(const vos_policy *pol, vos_config *cfg)
{
    if (!pol || !cfg) return;
    cfg->rules = pol->rules;
    cfg->n_rules = pol->n_rules;
    if (pol->n_net) {
        cfg->net_rules = pol->net;
        cfg->n_net_rules = pol->n_net;
    }
    if (pol->ask_timeout_ms) cfg->ask_timeout_ms = pol->ask_timeout_ms;
    if (pol->net_ca_file) cfg->net_ca_file = pol->net_ca_file;
}
