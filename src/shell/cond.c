/* cond.c: conditional expressions over one set of primitives (file tests, string and integer
 * comparisons, -v, -o): the test and [ builtins (lib/testexpr.c's grammar, which the test
 * command shares, with bash's messages) and [[ ]] (parsed into N_COND nodes by parser.c:
 * operands expanded without splitting or globbing, patterns for == and !=, POSIX extended
 * regular expressions for =~ through lib/regex.h with BASH_REMATCH, arithmetic operands for -eq
 * and friends). */
#include <stdio.h>
#include <string.h>

#include "lib/regex.h"
#include "lib/testexpr.h"
#include "shell/sh.h"

/* ---- primitives ---- */
static const char unary_ops[] = "abcdefghknoprstuvwxzGLNORS";

bool sh_cond_is_unary(const char *s)
{
    return vl_test_is_unary(unary_ops, s);
}

/* the binary operators test knows ([[ adds =~) */
bool sh_cond_is_binary(const char *s, bool dbl)
{
    return vl_test_is_binary(s) || (dbl && strcmp(s, "=~") == 0);
}

static int opt_index(const char *name)
{
    static const char *const names[] = {
#define SH_OPT_NAME4_(n, c, s) s,
        SH_OPTIONS(SH_OPT_NAME4_)
#undef SH_OPT_NAME4_
    };
    for (int i = 0; i < O_COUNT; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* -v name / -v name[subscript] */
static bool var_is_set(sh_state *sh, const char *arg)
{
    const char *br = strchr(arg, '[');
    size_t al = strlen(arg);
    if (!br || arg[al - 1] != ']') {
        if (!sh_is_name(arg, al)) {
            /* positional parameters and specials: set when they expand to something */
            if (sh_parse_int(arg, &(int64_t){0})) {
                int64_t k = 0;
                sh_parse_int(arg, &k);
                return k >= 0 && k <= sh->npos;
            }
            return false;
        }
        sh_var *v = sh_var_get(sh, arg);
        if (!v) return false;
        if (v->flags & VF_SPECIAL) return true;
        if (v->flags & VF_ASSOC) return sh_assoc_get(v, "0") != NULL;
        return (v->flags & VF_ARRAY) ? sh_array_get(v, 0) != NULL : v->val != NULL;
    }
    char name[256];
    size_t nl = (size_t)(br - arg);
    if (nl >= sizeof name || !sh_is_name(arg, nl)) return false;
    memcpy(name, arg, nl);
    name[nl] = 0;
    sh_var *v = sh_var_get(sh, name);
    if (!v) return false;
    char *sub = vk_strndup(sh->p, br + 1, al - nl - 2);
    if (!sub) return false;
    bool set = false;
    if (strcmp(sub, "@") == 0 || strcmp(sub, "*") == 0) {
        set = (v->flags & (VF_ARRAY | VF_ASSOC)) ? v->narr > 0 : v->val != NULL;
    } else if (v->flags & VF_ASSOC) {
        char *key = sh_expand_str(sh, sub);
        set = key && sh_assoc_get(v, key) != NULL;
        vk_free(sh->p, key);
    } else {
        char *e = sh_expand_str(sh, sub);
        int64_t idx = 0;
        if (e && sh_arith(sh, e, &idx) == 0) {
            if (idx < 0 && (v->flags & VF_ARRAY) && v->narr)
                idx += v->arr[v->narr - 1].idx + 1;
            set = sh_array_get(v, idx) != NULL;
        }
        vk_free(sh->p, e);
    }
    vk_free(sh->p, sub);
    return set;
}

/* a unary primitive; -t's operand is an fd number (false when it is not one) */
static bool unary(sh_state *sh, char op, const char *a)
{
    switch (op) {
    case 'z': return !*a;
    case 'n': return *a != 0;
    case 'o': {
        int k = opt_index(a);
        return k >= 0 && sh->opt[k];
    }
    case 'v': return var_is_set(sh, a);
    case 'R': {
        sh_var *v = sh_var_get_raw(sh, a);
        return v && (v->flags & VF_NAMEREF);
    }
    case 't': {
        int64_t fd;
        return sh_parse_int(a, &fd) && fd >= 0 && fd < 1024 && vk_isatty(sh->p, (int)fd) > 0;
    }
    default: return *a && vl_test_file(sh->p, op, a);
    }
}

/* ---- test and [ (the grammar is lib/testexpr.c's) ---- */
static void test_report(vl_test *t, vl_test_err err, const char *arg)
{
    char msg[600];
    snprintf(msg, sizeof msg, vl_test_bash_fmt(err), arg ? arg : "");
    sh_error(t->ud, "%s: %s", t->name, msg);
}

/* test's integers: optional blanks and sign around decimal digits, no overflow */
static bool test_integer(const char *s, int64_t *out)
{
    const char *q = s;
    while (*q == ' ' || *q == '\t' || *q == '\n') q++;
    bool neg = false;
    if (*q == '-' || *q == '+') neg = *q++ == '-';
    uint64_t v = 0;
    bool any = false, over = false;
    while (*q >= '0' && *q <= '9') {
        uint64_t d = (uint64_t)(*q++ - '0');
        if (v > (UINT64_MAX - d) / 10) over = true;
        v = v * 10 + d;
        any = true;
    }
    while (*q == ' ' || *q == '\t' || *q == '\n') q++;
    if (!any || *q || over || v > (uint64_t)INT64_MAX + neg) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool test_unary(vl_test *t, char op, const char *a)
{
    return unary(t->ud, op, a);
}

static bool test_binary(vl_test *t, const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "-nt") || !strcmp(op, "-ot") || !strcmp(op, "-ef"))
        return vl_test_file_compare(((sh_state *)t->ud)->p, a, op, b);
    return vl_test_int_binary(t, a, op, b);
}

static const vl_test_ops test_ops = {
    .unary_ops = unary_ops,
    .unary = test_unary,
    .binary = test_binary,
    .integer = test_integer,
    .report = test_report,
};

int sh_test_builtin(sh_state *sh, int argc, char **argv)
{
    if (strcmp(argv[0], "[") == 0) {
        if (argc < 2 || strcmp(argv[argc - 1], "]") != 0) {
            sh_error(sh, "[: missing `]'");
            return 2;
        }
        argc--;
    }
    return vl_test_run(&test_ops, sh, argv[0], argc - 1, argv + 1);
}

/* ---- [[ ]] ---- */
static char *expand_operand(sh_state *sh, const char *w)
{
    return sh_expand_word(sh, w);
}

/* An operand of -eq, -lt...: bash drops a \" inside double quotes there ("1\"2" is 12; its
 * arithmetic removes the quote the expansion kept). w without them, or NULL (no memory). */
static char *arith_operand(sh_state *sh, const char *w)
{
    size_t n = strlen(w);
    char *c = vk_malloc(sh->p, n + 1);
    if (!c) return NULL;
    size_t k = 0;
    bool dq = false, sq = false;
    for (size_t i = 0; i < n; i++) {
        char ch = w[i];
        if (sq) {
            if (ch == '\'') sq = false;
        } else if (ch == '\\' && i + 1 < n) {
            if (dq && w[i + 1] == '"') {
                i++;
                continue;
            }
            c[k++] = ch;
            ch = w[++i];
        } else if (ch == '"') {
            dq = !dq;
        } else if (ch == '\'' && !dq) {
            sq = true;
        }
        c[k++] = ch;
    }
    c[k] = 0;
    char *x = sh_expand_word(sh, c);
    vk_free(sh->p, c);
    return x;
}

static bool arith_op(const char *op)
{
    return !strcmp(op, "-eq") || !strcmp(op, "-ne") || !strcmp(op, "-lt") ||
           !strcmp(op, "-le") || !strcmp(op, "-gt") || !strcmp(op, "-ge");
}

static void trace_add(sh_buf *b, const char *s)
{
    if (b) sh_buf_adds(b, s);
}

/* =~: a POSIX extended regular expression through the regex wrapper (lib/regex.h), which keeps
 * glibc's syntax and leftmost-longest results and bounds the work; the whole match and the groups
 * go to BASH_REMATCH. 2 for a bad regular expression (silently, as bash), and for one too complex
 * to run (with a message: bash would run on for minutes and gigabytes). */
static int regex_match(sh_state *sh, const char *s, const char *re)
{
    vl_re *rx;
    int flags = sh->shopt[SO_NOCASEMATCH] ? VL_RE_ICASE : 0;
    int rc = vl_re_compile(sh->p, re, strlen(re), VL_RE_ERE, flags, &rx, NULL);
    if (rc < 0) {
        if (rc != VL_RE_ESYNTAX && rc != VL_RE_ETOOBIG) sh->status = 1;
        return 2;
    }
    size_t ng = vl_re_ngroups(rx) + 1;
    vl_re_span *m = vk_malloc(sh->p, ng * sizeof *m);
    rc = m ? vl_re_search(rx, s, strlen(s), 0, 0, m, ng) : VOS_ENOMEM;
    vl_re_free(rx);
    if (rc < 0) {
        vk_free(sh->p, m);
        if (rc == VL_RE_ECOMPLEX) sh_error(sh, "%s", vl_re_strerror(rc));
        return 2;
    }
    sh_var *v = sh_array_new(sh, "BASH_REMATCH");
    for (size_t i = 0; rc == 1 && v && i < ng; i++) {
        char *g = m[i].so < 0 ? vk_strdup(sh->p, "")
                              : vk_strndup(sh->p, s + m[i].so, (size_t)(m[i].eo - m[i].so));
        if (g) sh_array_set(sh, v, (int64_t)i, g);
        vk_free(sh->p, g);
    }
    vk_free(sh->p, m);
    return rc == 1 ? 0 : 1;
}

static int cond_arith(sh_state *sh, const char *s, int64_t *v)
{
    const char *save = sh->arith_ctx;
    sh->arith_ctx = "[[";
    int rc = sh_arith(sh, s, v);
    sh->arith_ctx = save;
    return rc;
}

/* a primitive: 0 true, 1 false, 2 error; neg: shown as "! ..." in the trace */
static int cond_prim(sh_state *sh, sh_node *n, bool neg)
{
    const char *op = n->name;
    sh_buf tb;
    sh_buf *tr = NULL;
    if (sh->opt[O_XTRACE]) {
        sh_buf_init(&tb, sh->p);
        tr = &tb;
        trace_add(tr, "[[ ");
        if (neg) trace_add(tr, "! ");
    }
    int r = 2;
    char *a = NULL, *b = NULL;
    if (n->nwords == 1) {
        a = expand_operand(sh, n->words[0]);
        if (a) {
            trace_add(tr, op);
            trace_add(tr, " ");
            trace_add(tr, a);
            r = unary(sh, op[1], a) ? 0 : 1;
        }
    } else {
        bool pat = !strcmp(op, "==") || !strcmp(op, "=") || !strcmp(op, "!=");
        bool re = !strcmp(op, "=~");
        bool ar = arith_op(op);
        a = ar ? arith_operand(sh, n->words[0]) : expand_operand(sh, n->words[0]);
        if (a) b = pat ? sh_expand_pattern_all(sh, n->words[1])
                 : re  ? sh_expand_regex(sh, n->words[1])
                 : ar  ? arith_operand(sh, n->words[1])
                       : expand_operand(sh, n->words[1]);
        if (a && b) {
            trace_add(tr, a);
            trace_add(tr, " ");
            trace_add(tr, op);
            trace_add(tr, " ");
            trace_add(tr, b);
            if (pat) {
                bool m = sh_pmatch_case(sh, b, a, true);
                r = (m == (op[0] != '!')) ? 0 : 1;
            } else if (re) {
                r = regex_match(sh, a, b);
            } else if (!strcmp(op, "<")) {
                r = strcmp(a, b) < 0 ? 0 : 1;
            } else if (!strcmp(op, ">")) {
                r = strcmp(a, b) > 0 ? 0 : 1;
            } else if (!strcmp(op, "-nt") || !strcmp(op, "-ot") || !strcmp(op, "-ef")) {
                r = vl_test_file_compare(sh->p, a, op, b) ? 0 : 1;
            } else {
                int64_t x, y;
                /* a bad expression is only false, as in bash */
                if (cond_arith(sh, a, &x) == 0 && cond_arith(sh, b, &y) == 0)
                    r = vl_test_int_compare(op, x, y) ? 0 : 1;
                else
                    r = 1;
            }
        }
    }
    if (tr) {
        trace_add(tr, " ]]\n");
        if (!tb.oom) sh_xtrace_line(sh, tb.s);
        sh_buf_free(&tb);
    }
    vk_free(sh->p, a);
    vk_free(sh->p, b);
    if (!a || (n->nwords == 2 && !b)) {
        if (!sh->fatal && sh->status == 0) sh->status = 1;
        return 2;
    }
    return r;
}

static int cond_node(sh_state *sh, sh_node *n, bool neg)
{
    if (!n) return 1;
    const char *op = n->name;
    if (!strcmp(op, "&&") || !strcmp(op, "||")) {
        int l = cond_node(sh, n->a, false);
        if (l == 2 || sh->fatal) return 2;
        if ((op[0] == '&') != (l == 0)) return l;
        return cond_node(sh, n->b, false);
    }
    if (!strcmp(op, "!")) {
        int r = cond_node(sh, n->a, true);
        return r == 2 ? 2 : !r;
    }
    if (!strcmp(op, "(")) return cond_node(sh, n->a, neg);
    return cond_prim(sh, n, neg);
}

int sh_eval_cond(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    int r = cond_node(sh, n->a, false);
    if (sh->fatal) return sh->status;
    return r;
}
