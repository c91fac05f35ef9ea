/* parser.c: recursive descent from tokens to the syntax tree (node.h), one complete command
 * at a time, the way bash reads a script: a line is parsed, then run, then the next one.
 * Syntax errors are reported in bash's words. It does not expand or run anything. */
#include <stdio.h>
#include <string.h>

#include "shell/parse.h"

static const char *const reserved[] = {
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for",
    "function", "if", "in", "select", "then", "until", "while", "[[", "]]", "time", "coproc",
    NULL,
};

bool sh_is_reserved(const char *w)
{
    for (int i = 0; reserved[i]; i++)
        if (strcmp(w, reserved[i]) == 0) return true;
    return false;
}

/* ---- token helpers ---- */
static int peek(sh_parser *ps)
{
    if (!ps->have_tok) sh_lex_next(ps);
    return ps->tok;
}

static int peek_cmd(sh_parser *ps)
{
    if (!ps->have_tok) {
        ps->cmd_start = true;
        sh_lex_next(ps);
        ps->cmd_start = false;
    }
    return ps->tok;
}

static void consume(sh_parser *ps) { ps->have_tok = false; }

static bool is_kw(sh_parser *ps, const char *kw)
{
    return peek(ps) == T_WORD && strcmp(ps->tok_text, kw) == 0;
}

static void skip_nl(sh_parser *ps)
{
    while (!ps->err && peek(ps) == T_NL) consume(ps);
}

/* report a syntax error at the current token */
static void *fail(sh_parser *ps)
{
    if (ps->err) return NULL;
    if (ps->tok == T_EOF)
        sh_syntax_eof(ps);
    else
        sh_syntax_error(ps, sh_tok_desc(ps));
    return NULL;
}

static bool expect_kw(sh_parser *ps, const char *kw)
{
    if (ps->err) return false;
    if (!is_kw(ps, kw)) {
        fail(ps);
        return false;
    }
    consume(ps);
    return true;
}

static sh_node *new_node(sh_parser *ps, int type)
{
    sh_node *n = sh_pool_alloc(ps->pool, sizeof *n);
    if (!n) {
        ps->err = PARSE_NOMEM;
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->type = type;
    n->line = ps->tok_line;
    return n;
}

static sh_node *new_bin(sh_parser *ps, int type, sh_node *a, sh_node *b)
{
    sh_node *n = new_node(ps, type);
    if (n) {
        n->a = a;
        n->b = b;
        n->line = a ? a->line : ps->tok_line;
    }
    return n;
}

/* growable word list, then frozen into the pool */
typedef struct wvec {
    vk_proc *p;
    char **v;
    int n, cap;
    bool oom;
} wvec;

static void wv_push(wvec *w, char *s)
{
    if (w->oom) return;
    if (w->n + 1 >= w->cap) {
        int ncap = w->cap ? w->cap * 2 : 8;
        char **nv = vk_realloc(w->p, w->v, (size_t)ncap * sizeof *nv);
        if (!nv) {
            w->oom = true;
            return;
        }
        w->v = nv;
        w->cap = ncap;
    }
    w->v[w->n++] = s;
}

static char **wv_freeze(sh_parser *ps, wvec *w, int *count)
{
    *count = 0;
    if (w->oom) {
        ps->err = PARSE_NOMEM;
        vk_free(w->p, w->v);
        return NULL;
    }
    char **arr = sh_pool_alloc(ps->pool, (size_t)(w->n + 1) * sizeof *arr);
    if (!arr) {
        ps->err = PARSE_NOMEM;
    } else {
        for (int i = 0; i < w->n; i++) arr[i] = w->v[i];
        arr[w->n] = NULL;
        *count = w->n;
    }
    vk_free(w->p, w->v);
    w->v = NULL;
    return arr;
}

static bool is_list_end(sh_parser *ps)
{
    int t = peek(ps);
    if (t == T_EOF || t == T_RPAREN || t == T_DSEMI || t == T_SEMIAND || t == T_DSEMIAND)
        return true;
    if (t != T_WORD) return false;
    static const char *const ends[] = {"then", "else", "elif", "fi", "do", "done", "esac", "}",
                                       NULL};
    for (int i = 0; ends[i]; i++)
        if (strcmp(ps->tok_text, ends[i]) == 0) return true;
    return false;
}

static sh_node *parse_and_or(sh_parser *ps);
static sh_node *parse_command(sh_parser *ps);

int sh_nest_max(sh_parser *ps)
{
    const vos_limits *lim = vk_limits(ps->sh->p);
    if (!lim || !lim->nest_depth) return 1000;
    return lim->nest_depth < (1u << 20) ? (int)lim->nest_depth : 1 << 20;
}

bool sh_nest_ok(sh_parser *ps, int depth)
{
    int max = sh_nest_max(ps);
    if (depth <= max && !vk_stack_low()) return true;
    if (!ps->err) {
        ps->err = PARSE_DEPTH;
        if (!ps->quiet) {
            char why[64];
            if (depth > max)
                snprintf(why, sizeof why, "nest_depth limit %d", max);
            else
                snprintf(why, sizeof why, "out of stack");
            char msg[256];
            snprintf(msg, sizeof msg, "%s: line %d: nesting too deep (%s)\n",
                     ps->sh->srcname ? ps->sh->srcname : "bash", ps->line, why);
            sh_write_str(ps->sh, 2, msg);
        }
        vk_limit_hit(ps->sh->p, VOS_ENEST);
    }
    return false;
}

static bool depth_enter(sh_parser *ps) { return sh_nest_ok(ps, ++ps->depth); }

/* compound_list: commands separated by ; & or newlines, up to a terminator */
static sh_node *parse_compound_list(sh_parser *ps)
{
    skip_nl(ps);
    if (is_list_end(ps)) return fail(ps);
    sh_node *list = NULL;
    for (;;) {
        sh_node *n = parse_and_or(ps);
        if (!n) return NULL;
        int t = peek(ps);
        bool more = false;
        if (t == T_AMP) {
            n = new_bin(ps, N_BG, n, NULL);
            consume(ps);
            more = true;
        } else if (t == T_SEMI || t == T_NL) {
            consume(ps);
            more = true;
        }
        list = list ? new_bin(ps, N_SEQ, list, n) : n;
        if (!list) return NULL;
        if (!more) break;
        skip_nl(ps);
        if (ps->err) return NULL;
        if (is_list_end(ps)) break;
    }
    return list;
}

static bool parse_redir(sh_parser *ps, sh_redir ***tail)
{
    int op = ps->tok_op, fd = ps->tok_fd;
    char *var = ps->tok_var;
    bool strip = ps->tok_strip;
    consume(ps);
    if (peek(ps) != T_WORD) {
        fail(ps);
        return false;
    }
    sh_redir *r = sh_pool_alloc(ps->pool, sizeof *r);
    if (!r) {
        ps->err = PARSE_NOMEM;
        return false;
    }
    memset(r, 0, sizeof *r);
    r->op = op;
    r->fd = fd;
    r->varname = var;
    r->strip_tabs = strip;
    r->word = ps->tok_text;
    consume(ps);
    if (op == R_HEREDOC) {
        hd_pending *h = sh_pool_alloc(ps->pool, sizeof *h);
        if (!h) {
            ps->err = PARSE_NOMEM;
            return false;
        }
        h->r = r;
        h->next = ps->hd;
        ps->hd = h;
    }
    **tail = r;
    *tail = &r->next;
    return true;
}

static bool parse_redirs(sh_parser *ps, sh_node *n)
{
    sh_redir **tail = &n->redirs;
    while (*tail) tail = &(*tail)->next;
    while (!ps->err && peek(ps) == T_REDIR)
        if (!parse_redir(ps, &tail)) return false;
    return !ps->err;
}

const char *sh_skip_quoted(const char *s)
{
    if (*s == '\\') return s[1] ? s + 2 : s + 1;
    char q = *s++;
    for (; *s && *s != q; s++)
        if (q == '"' && *s == '\\' && s[1]) s++;
    return *s ? s + 1 : NULL;
}

size_t sh_subscript_end(const char *s)
{
    int depth = 0;
    for (const char *c = s; *c;) {
        if (*c == '\\' || *c == '\'' || *c == '"') {
            c = sh_skip_quoted(c);
            if (!c) return 0; /* an unclosed quote */
            continue;
        }
        if (*c == '[') depth++;
        else if (*c == ']' && --depth == 0) return (size_t)(c - s);
        c++;
    }
    return 0;
}

const char *sh_assign_eq(const char *w)
{
    const char *s = w;
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return NULL;
    while (*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
           (*s >= '0' && *s <= '9'))
        s++;
    if (*s == '[') {
        /* the subscript ends at its matching ']' (a[a[2]=5]=x), quotes skipped */
        size_t close = sh_subscript_end(s);
        if (!close) return NULL;
        s += close + 1;
    }
    if (*s == '+') s++;
    return *s == '=' ? s : NULL;
}

bool sh_is_assignment(const char *w) { return sh_assign_eq(w) != NULL; }

static sh_node *parse_funcdef_body(sh_parser *ps, sh_node *fn)
{
    skip_nl(ps);
    int t = peek_cmd(ps);
    bool ok = t == T_LPAREN || t == T_DLPAREN;
    if (t == T_WORD) {
        static const char *const starts[] = {"{", "if", "while", "until", "for", "case", "[[",
                                             NULL};
        for (int i = 0; starts[i]; i++)
            if (strcmp(ps->tok_text, starts[i]) == 0) ok = true;
    }
    if (!ok) return fail(ps);
    fn->a = parse_command(ps);
    return fn->a ? fn : NULL;
}

static bool alias_expand(sh_parser *ps);

/* first: a word already read as the command name (coproc's NAME that was not one), or NULL */
static sh_node *parse_simple(sh_parser *ps, char *first)
{
    sh_node *n = new_node(ps, N_SIMPLE);
    if (!n) return NULL;
    wvec words = {.p = ps->sh->p}, assigns = {.p = ps->sh->p};
    if (first) wv_push(&words, first);
    sh_redir **tail = &n->redirs;
    for (;;) {
        ps->assign_pos = words.n == 0;
        int t = peek(ps);
        ps->assign_pos = false;
        if (t == T_REDIR) {
            if (!parse_redir(ps, &tail)) break;
            continue;
        }
        if (t != T_WORD) break;
        if (words.n > 0 && ps->alias_blank && ps->tok_start >= ps->alias_blank_end) {
            /* the word after an alias whose value ends in a blank (alias sudo='sudo ') */
            ps->alias_blank = false;
            if (alias_expand(ps)) continue;
        }
        if (words.n == 0 && sh_is_assignment(ps->tok_text))
            wv_push(&assigns, ps->tok_text);
        else
            wv_push(&words, ps->tok_text);
        consume(ps);
        if (words.n == 1 && assigns.n == 0 && !n->redirs && peek(ps) == T_LPAREN) {
            /* name () compound-command */
            consume(ps);
            if (peek(ps) != T_RPAREN) {
                fail(ps);
                break;
            }
            consume(ps);
            n->type = N_FUNCDEF;
            n->name = words.v[0];
            vk_free(ps->sh->p, words.v);
            vk_free(ps->sh->p, assigns.v);
            return parse_funcdef_body(ps, n);
        }
    }
    n->words = wv_freeze(ps, &words, &n->nwords);
    n->assigns = wv_freeze(ps, &assigns, &n->nassigns);
    if (ps->err) return NULL;
    if (n->nwords == 0 && n->nassigns == 0 && !n->redirs) return fail(ps);
    return n;
}

static sh_node *parse_if(sh_parser *ps)
{
    sh_node *n = new_node(ps, N_IF);
    if (!n) return NULL;
    consume(ps); /* if / elif */
    n->a = parse_compound_list(ps);
    if (!n->a || !expect_kw(ps, "then")) return NULL;
    n->b = parse_compound_list(ps);
    if (!n->b) return NULL;
    if (is_kw(ps, "elif")) {
        n->c = parse_if(ps);
        return n->c ? n : NULL;
    }
    if (is_kw(ps, "else")) {
        consume(ps);
        n->c = parse_compound_list(ps);
        if (!n->c) return NULL;
    }
    if (!expect_kw(ps, "fi")) return NULL;
    return n;
}

static sh_node *parse_loop(sh_parser *ps, int type)
{
    sh_node *n = new_node(ps, type);
    if (!n) return NULL;
    consume(ps);
    n->a = parse_compound_list(ps);
    if (!n->a || !expect_kw(ps, "do")) return NULL;
    n->b = parse_compound_list(ps);
    if (!n->b || !expect_kw(ps, "done")) return NULL;
    return n;
}

static sh_node *parse_do_body(sh_parser *ps)
{
    if (is_kw(ps, "{")) {
        consume(ps);
        sh_node *b = parse_compound_list(ps);
        if (!b || !expect_kw(ps, "}")) return NULL;
        return b;
    }
    if (!expect_kw(ps, "do")) return NULL;
    sh_node *b = parse_compound_list(ps);
    if (!b || !expect_kw(ps, "done")) return NULL;
    return b;
}

static sh_node *parse_for(sh_parser *ps)
{
    sh_node *n = new_node(ps, N_FOR);
    if (!n) return NULL;
    consume(ps);
    if (peek(ps) == T_DLPAREN) {
        /* for (( init; cond; step )) */
        char *t = ps->tok_text;
        char **w = sh_pool_alloc(ps->pool, 4 * sizeof *w);
        if (!w) {
            ps->err = PARSE_NOMEM;
            return NULL;
        }
        int k = 0;
        const char *start = t;
        int depth = 0;
        for (const char *c = t;; c++) {
            if (*c == '(') depth++;
            if (*c == ')') depth--;
            if ((*c == ';' && depth == 0) || !*c) {
                if (k < 3) w[k++] = sh_pool_strndup(ps->pool, start, (size_t)(c - start));
                if (!*c) break;
                start = c + 1;
            }
        }
        if (k != 3) return fail(ps);
        w[3] = NULL;
        n->words = w;
        n->nwords = 3;
        n->flags |= NF_FOR_ARITH;
        consume(ps);
        if (peek(ps) == T_SEMI) consume(ps);
        skip_nl(ps);
        n->a = parse_do_body(ps);
        return n->a ? n : NULL;
    }
    if (peek(ps) != T_WORD) return fail(ps);
    n->name = ps->tok_text;
    consume(ps);
    skip_nl(ps);
    if (is_kw(ps, "in")) {
        consume(ps);
        n->flags |= NF_FOR_IN;
        wvec words = {.p = ps->sh->p};
        while (peek(ps) == T_WORD) {
            wv_push(&words, ps->tok_text);
            consume(ps);
        }
        n->words = wv_freeze(ps, &words, &n->nwords);
        if (ps->err) return NULL;
        int t = peek(ps);
        if (t != T_SEMI && t != T_NL) return fail(ps);
        consume(ps);
    } else if (peek(ps) == T_SEMI) {
        consume(ps);
    }
    skip_nl(ps);
    n->a = parse_do_body(ps);
    return n->a ? n : NULL;
}

static sh_node *parse_case(sh_parser *ps)
{
    sh_node *n = new_node(ps, N_CASE);
    if (!n) return NULL;
    consume(ps);
    if (peek(ps) != T_WORD) return fail(ps);
    char **w = sh_pool_alloc(ps->pool, 2 * sizeof *w);
    if (!w) {
        ps->err = PARSE_NOMEM;
        return NULL;
    }
    w[0] = ps->tok_text;
    w[1] = NULL;
    n->words = w;
    n->nwords = 1;
    consume(ps);
    skip_nl(ps);
    if (!expect_kw(ps, "in")) return NULL;
    skip_nl(ps);
    sh_node **tail = &n->a;
    while (!ps->err && !is_kw(ps, "esac")) {
        sh_node *it = new_node(ps, N_CASEITEM);
        if (!it) return NULL;
        if (peek(ps) == T_LPAREN) consume(ps);
        wvec pats = {.p = ps->sh->p};
        for (;;) {
            if (peek(ps) != T_WORD) {
                vk_free(ps->sh->p, pats.v);
                return fail(ps);
            }
            wv_push(&pats, ps->tok_text);
            consume(ps);
            if (peek(ps) == T_PIPE) {
                consume(ps);
                continue;
            }
            break;
        }
        it->words = wv_freeze(ps, &pats, &it->nwords);
        if (ps->err) return NULL;
        if (peek(ps) != T_RPAREN) return fail(ps);
        consume(ps);
        skip_nl(ps);
        int t = peek(ps);
        if (!(t == T_DSEMI || t == T_SEMIAND || t == T_DSEMIAND || is_kw(ps, "esac"))) {
            it->a = parse_compound_list(ps);
            if (!it->a) return NULL;
        }
        t = peek(ps);
        if (t == T_DSEMI || t == T_SEMIAND || t == T_DSEMIAND) {
            if (t == T_SEMIAND) it->flags |= NF_CASE_FALL;
            if (t == T_DSEMIAND) it->flags |= NF_CASE_TEST;
            consume(ps);
            skip_nl(ps);
        } else if (!is_kw(ps, "esac")) {
            return fail(ps);
        }
        *tail = it;
        tail = &it->next;
    }
    if (!expect_kw(ps, "esac")) return NULL;
    return n;
}

static sh_node *parse_function_kw(sh_parser *ps)
{
    sh_node *n = new_node(ps, N_FUNCDEF);
    if (!n) return NULL;
    consume(ps);
    if (peek(ps) != T_WORD) return fail(ps);
    n->name = ps->tok_text;
    n->flags |= NF_FUNC_KW;
    consume(ps);
    if (peek(ps) == T_LPAREN) {
        consume(ps);
        if (peek(ps) != T_RPAREN) return fail(ps);
        consume(ps);
    }
    return parse_funcdef_body(ps, n);
}

/* ---- [[ expression ]] ----
 * The expression becomes N_COND nodes: name "&&" / "||" (a, b), "!" (a), a unary operator
 * ("-f", words[0]) or a binary one ("==", words[0..1]); a lone word is "-n" word. The
 * command itself is an N_COND with no name and the expression in a. */
static int cpeek(sh_parser *ps)
{
    if (!ps->have_tok) sh_lex_cond(ps, CLEX_WORD);
    return ps->tok;
}

static void cskip_nl(sh_parser *ps)
{
    while (!ps->err && cpeek(ps) == T_NL) consume(ps);
}

static bool cond_end(sh_parser *ps)
{
    return cpeek(ps) == T_WORD && strcmp(ps->tok_text, "]]") == 0;
}

static void *cfail(sh_parser *ps, const char *fmt, const char *arg)
{
    if (ps->err) return NULL;
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    sh_syntax_cond(ps, msg);
    return NULL;
}

static sh_node *cond_node(sh_parser *ps, const char *name, int nw)
{
    sh_node *n = new_node(ps, N_COND);
    if (!n) return NULL;
    n->name = (char *)name;
    if (nw) {
        n->words = sh_pool_alloc(ps->pool, (size_t)(nw + 1) * sizeof *n->words);
        if (!n->words) {
            ps->err = PARSE_NOMEM;
            return NULL;
        }
        n->nwords = nw;
        n->words[nw] = NULL;
    }
    return n;
}

static sh_node *cond_or(sh_parser *ps);

static sh_node *cond_term(sh_parser *ps)
{
    int t = cpeek(ps);
    if (ps->err) return NULL;
    if (t == T_WORD && strcmp(ps->tok_text, "!") == 0) {
        consume(ps);
        cskip_nl(ps);
        sh_node *n = cond_node(ps, "!", 0);
        if (!n) return NULL;
        n->a = cond_term(ps);
        return n->a ? n : NULL;
    }
    if (t == T_LPAREN) {
        consume(ps);
        cskip_nl(ps);
        sh_node *e = cond_or(ps);
        if (!e) return NULL;
        cskip_nl(ps);
        if (cpeek(ps) == T_EOF) {
            ps->hit_eof = true;
            ps->tok_line = ps->cond_line;
            return cfail(ps, "unexpected token `%s', expected `)'", "EOF");
        }
        if (cpeek(ps) != T_RPAREN)
            return cfail(ps, "unexpected token `%s', expected `)'", sh_tok_desc(ps));
        consume(ps);
        sh_node *g = cond_node(ps, "(", 0); /* kept for declare -f */
        if (g) g->a = e;
        return g;
    }
    if (t == T_RPAREN)
        return cfail(ps, "syntax error in conditional expression: unexpected token `%s'",
                     sh_tok_desc(ps));
    if (t == T_WORD && cond_end(ps)) {
        /* [[ ]] and [[ a && ]]: bash fails without a word */
        if (!ps->err) ps->err = PARSE_ERROR;
        return NULL;
    }
    if (t == T_EOF) ps->hit_eof = true;
    if (t != T_WORD)
        return cfail(ps, "unexpected token `%s' in conditional command",
                     t == T_EOF ? "EOF" : sh_tok_desc(ps));
    char *w = ps->tok_text;
    consume(ps);
    if (sh_cond_is_unary(w)) {
        int t2 = cpeek(ps);
        if (ps->err) {
            sh_syntax_cond_eof(ps, "unexpected argument to conditional unary operator");
            return NULL;
        }
        if (t2 != T_WORD || cond_end(ps))
            return cfail(ps, "unexpected argument `%s' to conditional unary operator",
                         sh_tok_desc(ps));
        sh_node *n = cond_node(ps, w, 1);
        if (!n) return NULL;
        n->words[0] = ps->tok_text;
        consume(ps);
        return n;
    }
    int t2 = cpeek(ps);
    if (t2 == T_AND || t2 == T_OR || t2 == T_RPAREN || (t2 == T_WORD && cond_end(ps))) {
        sh_node *n = cond_node(ps, "-n", 1);
        if (n) {
            n->words[0] = w;
            n->flags = NF_COND_WORD;
        }
        return n;
    }
    const char *op = NULL;
    if (t2 == T_REDIR && (ps->tok_op == R_IN || ps->tok_op == R_OUT) && ps->pos < ps->len &&
        ps->src[ps->pos] == '&')
        /* bash reads >& and <& as one token there */
        return cfail(ps, "unexpected token `%s', conditional binary operator expected",
                     ps->tok_op == R_IN ? "<&" : ">&");
    if (t2 == T_REDIR && (ps->tok_op == R_IN || ps->tok_op == R_OUT))
        op = ps->tok_op == R_IN ? "<" : ">";
    else if (t2 == T_WORD && sh_cond_is_binary(ps->tok_text, true))
        op = ps->tok_text;
    if (!op) {
        if (t2 == T_NL || t2 == T_EOF)
            return cfail(ps, "unexpected token `%s', conditional binary operator expected",
                         "newline");
        if (t2 != T_WORD)
            return cfail(ps, "unexpected token `%s', conditional binary operator expected",
                         sh_tok_desc(ps));
        return cfail(ps, "conditional binary operator expected", NULL);
    }
    consume(ps);
    bool regex = strcmp(op, "=~") == 0;
    bool pat = !strcmp(op, "==") || !strcmp(op, "=") || !strcmp(op, "!=");
    if (!ps->have_tok) sh_lex_cond(ps, regex ? CLEX_REGEX : pat ? CLEX_PATTERN : CLEX_WORD);
    if (ps->err) {
        sh_syntax_cond_eof(ps, "unexpected argument to conditional binary operator");
        return NULL;
    }
    if (ps->tok != T_WORD || (!regex && cond_end(ps)))
        return cfail(ps, "unexpected argument `%s' to conditional binary operator",
                     sh_tok_desc(ps));
    sh_node *n = cond_node(ps, op, 2);
    if (!n) return NULL;
    n->words[0] = w;
    n->words[1] = ps->tok_text;
    consume(ps);
    return n;
}

static sh_node *cond_and(sh_parser *ps)
{
    sh_node *n = cond_term(ps);
    while (n && cpeek(ps) == T_AND) {
        consume(ps);
        cskip_nl(ps);
        sh_node *r = cond_term(ps);
        if (!r) return NULL;
        sh_node *a = cond_node(ps, "&&", 0);
        if (!a) return NULL;
        a->a = n;
        a->b = r;
        n = a;
    }
    return n;
}

static sh_node *cond_or(sh_parser *ps)
{
    sh_node *n = cond_and(ps);
    while (n && cpeek(ps) == T_OR) {
        consume(ps);
        cskip_nl(ps);
        sh_node *r = cond_and(ps);
        if (!r) return NULL;
        sh_node *o = cond_node(ps, "||", 0);
        if (!o) return NULL;
        o->a = n;
        o->b = r;
        n = o;
    }
    return n;
}

static sh_node *parse_cond(sh_parser *ps)
{
    sh_node *top = cond_node(ps, NULL, 0);
    if (!top) return NULL;
    ps->cond_line = ps->tok_line;
    consume(ps); /* [[ */
    cskip_nl(ps);
    top->a = cond_or(ps);
    if (!top->a) return NULL;
    cskip_nl(ps); /* newlines before ]] */
    if (!cond_end(ps)) {
        if (ps->tok == T_EOF) {
            ps->hit_eof = true;
            ps->tok_line = ps->cond_line;
            return cfail(ps, "unexpected EOF while looking for `%s'", "]]");
        }
        if (ps->tok != T_WORD)
            return cfail(ps, "syntax error in conditional expression: unexpected token `%s'",
                         sh_tok_desc(ps));
        return cfail(ps, "syntax error in conditional expression", NULL);
    }
    consume(ps);
    return top;
}

/* The current token is a command word: when it names an alias (and expand_aliases is on),
 * replace it in the source by the alias text and return true. */
static bool alias_expand(sh_parser *ps)
{
    sh_state *sh = ps->sh;
    const char *w = ps->tok_text;
    if (!sh->shopt[SO_EXPAND_ALIASES] || !ps->own_src || strpbrk(w, "'\"\\$`")) return false;
    sh_alias *a = NULL;
    for (sh_alias *x = sh->aliases; x; x = x->next)
        if (strcmp(x->name, w) == 0) a = x;
    if (!a) return false;
    for (int i = 0; i < ps->nalias; i++)
        if (ps->tok_start < ps->alias_end[i] && ps->alias_active[i] == a->name) return false;
    size_t vl = strlen(a->val), rest = ps->len - ps->pos;
    /* an alias inside the text of one that ends in a blank (alias a='b ' with b an alias):
     * the word after that text is still checked */
    bool keep = ps->alias_blank && ps->tok_start < ps->alias_blank_end &&
                ps->alias_blank_end >= ps->pos;
    size_t keep_end = keep ? ps->alias_blank_end - ps->pos + vl : 0;
    char *n = vk_malloc(sh->p, vl + rest + 1);
    if (!n) return false;
    memcpy(n, a->val, vl);
    memcpy(n + vl, ps->src + ps->pos, rest);
    n[vl + rest] = 0;
    /* earlier expansions' regions shift with the text */
    int k = 0;
    for (int i = 0; i < ps->nalias; i++) {
        if (ps->alias_end[i] <= ps->pos) continue;
        ps->alias_active[k] = ps->alias_active[i];
        ps->alias_end[k++] = ps->alias_end[i] - ps->pos + vl;
    }
    ps->nalias = k;
    if (ps->nalias < 16) {
        ps->alias_active[ps->nalias] = a->name;
        ps->alias_end[ps->nalias++] = vl;
    }
    vk_free(sh->p, (void *)ps->src);
    ps->src = n;
    ps->len = vl + rest;
    ps->pos = 0;
    ps->have_tok = false;
    ps->alias_blank = vl && (a->val[vl - 1] == ' ' || a->val[vl - 1] == '\t');
    ps->alias_blank_end = vl;
    if (!ps->alias_blank && keep) {
        ps->alias_blank = true;
        ps->alias_blank_end = keep_end;
    }
    return true;
}

static sh_node *parse_command_inner(sh_parser *ps);

/* Does the token just peeked start a compound command? */
static bool compound_start(sh_parser *ps, int t)
{
    static const char *const starts[] = {"{", "if", "while", "until", "for", "case", "[[",
                                         "select", NULL};
    if (t == T_LPAREN || t == T_DLPAREN) return true;
    for (int i = 0; t == T_WORD && starts[i]; i++)
        if (strcmp(ps->tok_text, starts[i]) == 0) return true;
    return false;
}

/* coproc [NAME] command, by bash's grammar: NAME is only read as the name when a compound
 * command follows it; before a simple command the word is the command's name
 * (`coproc cat file`) and the coprocess is COPROC. */
static sh_node *parse_coproc(sh_parser *ps)
{
    sh_node *n = new_node(ps, N_COPROC);
    if (!n) return NULL;
    consume(ps);
    int t = peek_cmd(ps);
    char *first = NULL;
    if (t == T_WORD && !compound_start(ps, t) && sh_is_name(ps->tok_text, strlen(ps->tok_text))) {
        first = ps->tok_text;
        consume(ps);
        t = peek_cmd(ps);
        if (compound_start(ps, t)) {
            n->name = first;
            first = NULL;
        }
    }
    if (!n->name) n->name = sh_pool_strndup(ps->pool, "COPROC", 6);
    if (!n->name) {
        ps->err = PARSE_NOMEM;
        return NULL;
    }
    if (first) {
        n->a = parse_simple(ps, first);
    } else {
        if (!depth_enter(ps)) return NULL;
        n->a = parse_command_inner(ps);
        ps->depth--;
    }
    return n->a ? n : NULL;
}

static sh_node *parse_command_inner(sh_parser *ps)
{
    ps->alias_blank = false;
    int t = peek_cmd(ps);
    for (int guard = 0; t == T_WORD && guard < 64 && alias_expand(ps); guard++)
        t = peek_cmd(ps);
    sh_node *n = NULL;
    if (t == T_DLPAREN) {
        n = new_node(ps, N_ARITH);
        if (!n) return NULL;
        char **w = sh_pool_alloc(ps->pool, 2 * sizeof *w);
        if (!w) {
            ps->err = PARSE_NOMEM;
            return NULL;
        }
        w[0] = ps->tok_text;
        w[1] = NULL;
        n->words = w;
        n->nwords = 1;
        consume(ps);
    } else if (t == T_LPAREN) {
        n = new_node(ps, N_SUBSHELL);
        if (!n) return NULL;
        consume(ps);
        n->a = parse_compound_list(ps);
        if (!n->a) return NULL;
        if (peek(ps) != T_RPAREN) return fail(ps);
        consume(ps);
    } else if (t == T_WORD) {
        const char *w = ps->tok_text;
        if (strcmp(w, "{") == 0) {
            n = new_node(ps, N_GROUP);
            if (!n) return NULL;
            consume(ps);
            n->a = parse_compound_list(ps);
            if (!n->a || !expect_kw(ps, "}")) return NULL;
        } else if (strcmp(w, "if") == 0) {
            n = parse_if(ps);
        } else if (strcmp(w, "while") == 0) {
            n = parse_loop(ps, N_WHILE);
        } else if (strcmp(w, "until") == 0) {
            n = parse_loop(ps, N_UNTIL);
        } else if (strcmp(w, "for") == 0 || strcmp(w, "select") == 0) {
            bool sel = w[0] == 's';
            n = parse_for(ps);
            if (n && sel) {
                if (n->flags & NF_FOR_ARITH) return fail(ps);
                n->flags |= NF_SELECT;
            }
        } else if (strcmp(w, "case") == 0) {
            n = parse_case(ps);
        } else if (strcmp(w, "[[") == 0) {
            n = parse_cond(ps);
            if (!n && ps->err == PARSE_ERROR) ps->cond_err = true;
        } else if (strcmp(w, "function") == 0) {
            return parse_function_kw(ps);
        } else if (strcmp(w, "then") == 0 || strcmp(w, "else") == 0 ||
                   strcmp(w, "elif") == 0 || strcmp(w, "fi") == 0 || strcmp(w, "do") == 0 ||
                   strcmp(w, "done") == 0 || strcmp(w, "esac") == 0 || strcmp(w, "}") == 0 ||
                   strcmp(w, "in") == 0) {
            return fail(ps);
        } else if (strcmp(w, "coproc") == 0) {
            return parse_coproc(ps);
        } else {
            return parse_simple(ps, NULL);
        }
    } else if (t == T_REDIR) {
        return parse_simple(ps, NULL);
    } else {
        return fail(ps);
    }
    if (!n || !parse_redirs(ps, n)) return NULL;
    if (n->redirs) n->end_line = ps->tok_line; /* bash reports their errors there */
    return n;
}

/* The nest_depth limit counts compound commands inside each other ({ { echo; }; } is 2). */
static sh_node *parse_command(sh_parser *ps)
{
    static const char *const starts[] = {"{", "if", "while", "until", "for", "case", "[[",
                                         "function", "select", NULL};
    int t = peek_cmd(ps);
    bool compound = t == T_LPAREN;
    for (int i = 0; !compound && t == T_WORD && starts[i]; i++)
        compound = strcmp(ps->tok_text, starts[i]) == 0;
    if (compound && !depth_enter(ps)) return NULL;
    sh_node *n = parse_command_inner(ps);
    if (compound) ps->depth--;
    return n;
}

static sh_node *parse_pipeline(sh_parser *ps)
{
    int line = ps->tok_line;
    bool bang = false;
    int timed = 0;
    if (peek_cmd(ps) == T_WORD && strcmp(ps->tok_text, "time") == 0) {
        consume(ps);
        timed = NF_TIMED;
        if (peek_cmd(ps) == T_WORD && strcmp(ps->tok_text, "-p") == 0) {
            consume(ps);
            timed |= NF_TIME_POSIX;
        }
        int t = peek_cmd(ps);
        if (t == T_NL || t == T_SEMI || t == T_EOF || t == T_AMP || t == T_AND || t == T_OR) {
            /* time alone times nothing */
            sh_node *pipe = new_node(ps, N_PIPE);
            if (pipe) pipe->flags = timed;
            return pipe;
        }
    }
    while (peek_cmd(ps) == T_WORD && strcmp(ps->tok_text, "!") == 0) {
        bang = !bang;
        consume(ps);
    }
    sh_node *first = parse_command(ps);
    if (!first) return NULL;
    if (peek(ps) != T_PIPE && peek(ps) != T_PIPEAMP && !bang && !timed) return first;
    sh_node *pipe = new_node(ps, N_PIPE);
    if (!pipe) return NULL;
    pipe->line = first->line ? first->line : line;
    pipe->flags = (bang ? NF_BANG : 0) | timed;
    pipe->a = first;
    sh_node *last = first;
    while (peek(ps) == T_PIPE || peek(ps) == T_PIPEAMP) {
        if (ps->tok == T_PIPEAMP) {
            /* cmd |& cmd2 is cmd 2>&1 | cmd2 */
            sh_redir *r = sh_pool_alloc(ps->pool, sizeof *r);
            if (!r) {
                ps->err = PARSE_NOMEM;
                return NULL;
            }
            memset(r, 0, sizeof *r);
            r->op = R_DUPOUT;
            r->fd = 2;
            r->word = sh_pool_strndup(ps->pool, "1", 1);
            sh_redir **tail = &last->redirs;
            while (*tail) tail = &(*tail)->next;
            *tail = r;
        }
        consume(ps);
        skip_nl(ps);
        sh_node *c = parse_command(ps);
        if (!c) return NULL;
        last->next = c;
        last = c;
    }
    return pipe;
}

static sh_node *parse_and_or(sh_parser *ps)
{
    sh_node *n = parse_pipeline(ps);
    while (n) {
        int t = peek(ps);
        if (t != T_AND && t != T_OR) break;
        consume(ps);
        skip_nl(ps);
        sh_node *r = parse_pipeline(ps);
        if (!r) return NULL;
        n = new_bin(ps, t == T_AND ? N_AND : N_OR, n, r);
    }
    return n;
}

/* ---- entry points ---- */
sh_parser *sh_parser_new(sh_state *sh, const char *src, size_t len, int first_line)
{
    sh_parser *ps = vk_calloc(sh->p, 1, sizeof *ps);
    if (!ps) return NULL;
    /* bash reads a string as if it ended with a newline */
    bool nl = len > 0 && src[len - 1] == '\n';
    char *copy = vk_malloc(sh->p, len + 2);
    if (!copy) {
        vk_free(sh->p, ps);
        return NULL;
    }
    memcpy(copy, src, len);
    if (!nl) copy[len++] = '\n';
    copy[len] = 0;
    ps->sh = sh;
    ps->src = copy;
    ps->own_src = true;
    ps->len = len;
    ps->line = first_line;
    return ps;
}

int sh_parser_err_status(sh_parser *ps, int status)
{
    size_t at = ps->err_pos < ps->len ? ps->err_pos : ps->len;
    switch (ps->err_kind) {
    case ERRK_KEEP:
        if (memchr(ps->src + at, '\n', ps->len - at)) return status;
        return status ? status : 2;
    case ERRK_EOF: return status ? status : 2;
    case ERRK_SUBST: return ps->sh->cmode ? 127 : 2;
    case ERRK_LINE:
    case ERRK_ARRAY: return 1;
    default: return 2;
    }
}

bool sh_parser_err_array(sh_parser *ps)
{
    return ps->err == PARSE_ERROR && ps->err_kind == ERRK_ARRAY;
}

bool sh_parser_skip_line(sh_parser *ps)
{
    if (ps->err != PARSE_ERROR || ps->err_kind != ERRK_LINE) return false;
    size_t at = ps->err_pos < ps->len ? ps->err_pos : ps->len;
    const char *nl = memchr(ps->src + at, '\n', ps->len - at);
    ps->pos = nl ? (size_t)(nl - ps->src) + 1 : ps->len;
    if (nl) ps->line++;
    ps->err = 0;
    ps->err_kind = ERRK_SYNTAX;
    ps->have_tok = false;
    ps->hd = NULL;
    ps->hit_eof = false;
    return true;
}

void sh_parser_free(sh_parser *ps)
{
    if (!ps) return;
    vk_proc *p = ps->sh->p;
    vk_free(p, (void *)ps->src);
    vk_free(p, ps);
}

int sh_parse_next(sh_parser *ps, sh_pool *pool, sh_node **out)
{
    *out = NULL;
    ps->pool = pool;
    ps->have_tok = false;
    ps->hd = NULL;
    ps->depth = 0;
    if (ps->err) return ps->err;
    for (;;) {
        int t = peek_cmd(ps);
        if (ps->err) return ps->err;
        if (t == T_EOF) return PARSE_EOF;
        if (t != T_NL) break;
        consume(ps);
    }
    sh_node *list = NULL;
    for (;;) {
        sh_node *n = parse_and_or(ps);
        if (!n) break;
        int t = peek(ps);
        bool sep = false;
        if (t == T_AMP) {
            n = new_bin(ps, N_BG, n, NULL);
            consume(ps);
            sep = true;
        } else if (t == T_SEMI) {
            consume(ps);
            sep = true;
        }
        list = list ? new_bin(ps, N_SEQ, list, n) : n;
        if (!list) break;
        t = peek(ps);
        if (t == T_NL) {
            consume(ps);
            break;
        }
        if (t == T_EOF) break;
        if (!sep) {
            fail(ps);
            break;
        }
    }
    if (ps->err) {
        *out = NULL;
        return ps->err;
    }
    if (ps->hd) {
        /* a here-doc whose body never came (the script ended on its line) */
        sh_lex_read_heredocs(ps);
    }
    *out = list;
    return ps->err ? ps->err : PARSE_OK;
}

bool sh_parser_cond_err(const sh_parser *ps) { return ps->cond_err; }

void sh_parser_quiet(sh_parser *ps) { ps->quiet = true; }

void sh_parser_echo(sh_parser *ps, bool show)
{
    if (ps->pos <= ps->echoed || ps->echoed >= ps->len) return;
    size_t end = ps->pos - 1;
    while (end < ps->len && ps->src[end] != '\n') end++;
    if (end < ps->len) end++; /* with its newline */
    if (show) {
        vk_write(ps->sh->p, 2, ps->src + ps->echoed, end - ps->echoed);
        if (ps->src[end - 1] != '\n') vk_write(ps->sh->p, 2, "\n", 1);
    }
    ps->echoed = end;
}

bool sh_parser_at_end(sh_parser *ps)
{
    size_t i = ps->pos;
    while (i < ps->len) {
        char c = ps->src[i];
        if (c == '#') {
            while (i < ps->len && ps->src[i] != '\n') i++;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            i++;
        } else if (c == '\\' && i + 1 < ps->len && ps->src[i + 1] == '\n') {
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

int sh_parse_sub(sh_parser *ps, size_t *end)
{
    /* a $( ) nests like a compound command: $(echo $(echo ...)) must meet the limit before
     * the recursion meets the end of the stack */
    if (!depth_enter(ps)) return ps->err ? ps->err : PARSE_ERROR;
    int eof_line = ps->sub_eof_line;
    skip_nl(ps);
    if (!ps->err && peek(ps) != T_RPAREN) {
        if (peek(ps) == T_EOF && !ps->err) {
            sh_lex_error_eof_match(ps, eof_line ? eof_line : ps->line, ')');
            return ps->err;
        }
        sh_node *n = parse_compound_list(ps);
        if (!n) {
            if (!ps->err) fail(ps);
            return ps->err ? ps->err : PARSE_ERROR;
        }
        if (peek(ps) != T_RPAREN) {
            if (ps->tok == T_EOF && !ps->err)
                sh_lex_error_eof_match(ps, eof_line ? eof_line : ps->line, ')');
            else
                fail(ps);
            return ps->err ? ps->err : PARSE_ERROR;
        }
    }
    if (ps->err) return ps->err;
    consume(ps);
    *end = ps->pos;
    return PARSE_OK;
}

int sh_parse_check(sh_state *sh, const char *src, size_t len, int line)
{
    sh_parser *ps = sh_parser_new(sh, src, len, line);
    if (!ps) return PARSE_NOMEM;
    sh_pool pool = {.p = sh->p};
    int rc;
    for (;;) {
        sh_node *n;
        rc = sh_parse_next(ps, &pool, &n);
        if (rc != PARSE_OK) break;
    }
    sh_pool_free(&pool);
    sh_parser_free(ps);
    return rc == PARSE_EOF ? PARSE_OK : rc;
}

int sh_parse_incomplete(sh_state *sh, const char *src, size_t len, int line, char *delim,
                        size_t cap)
{
    if (cap) delim[0] = 0;
    /* a line that ends in backslash-newline goes on with the next one */
    size_t k = len;
    if (k > 0 && src[k - 1] == '\n') k--;
    size_t bs = 0;
    while (bs < k && src[k - 1 - bs] == '\\') bs++;
    if (bs % 2) return SH_MORE_ANY;
    sh_parser *ps = sh_parser_new(sh, src, len, line);
    if (!ps) return SH_MORE_NO;
    ps->quiet = true;
    sh_pool pool = {.p = sh->p};
    for (;;) {
        sh_node *n;
        int rc = sh_parse_next(ps, &pool, &n);
        if (rc != PARSE_OK) break;
    }
    int more = SH_MORE_NO;
    if (ps->hit_eof) {
        more = SH_MORE_CLOSE;
        if (ps->eof_delim[0] && strlen(ps->eof_delim) < cap) {
            strcpy(delim, ps->eof_delim);
            more = SH_MORE_DELIM;
        }
    }
    sh_pool_free(&pool);
    sh_parser_free(ps);
    return more;
}

size_t sh_cmdsubst_end(sh_state *sh, const char *s, size_t start, size_t n)
{
    sh_parser ps = {.sh = sh, .src = s, .len = n, .pos = start, .line = sh->lineno};
    ps.quiet = true;
    sh_pool pool = {.p = sh->p};
    ps.pool = &pool;
    size_t end = n;
    if (sh_parse_sub(&ps, &end) != PARSE_OK) end = n;
    sh_pool_free(&pool);
    return end;
}
