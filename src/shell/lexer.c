/* lexer.c: turns shell source into tokens: operators, redirections with their fd numbers,
 * and words kept as their source text (quotes, nested $(...) ${...} `...`, <(...) and extended
 * patterns included, found by matching them properly; $(...) is checked by a recursive
 * parse), with the rules of the inside of [[ ]]. Reads here-doc bodies after the newline that
 * follows them. It does not expand anything, nor know the grammar. */
#include <stdio.h>
#include <string.h>

#include "shell/parse.h"

static int peekc(sh_parser *ps, size_t off)
{
    size_t i = ps->pos + off;
    return i < ps->len ? (unsigned char)ps->src[i] : -1;
}

/* consume one char, counting lines */
static int getc_(sh_parser *ps)
{
    if (ps->pos >= ps->len) return -1;
    int c = (unsigned char)ps->src[ps->pos++];
    if (c == '\n') ps->line++;
    return c;
}

/* ---- error reporting ---- */
static void line_text(sh_parser *ps, size_t at, const char **s, size_t *n)
{
    if (at > ps->len) at = ps->len;
    size_t b = at;
    /* a newline token belongs to the line it ends */
    if (b > 0 && b == ps->len) b--;
    while (b > 0 && ps->src[b - 1] != '\n') b--;
    size_t e = at;
    while (e < ps->len && ps->src[e] != '\n') e++;
    *s = ps->src + b;
    *n = e - b;
}

static void report(sh_parser *ps, int line, const char *msg, bool echo_line, int kind)
{
    if (ps->err) return;
    ps->err = PARSE_ERROR;
    ps->err_kind = kind;
    ps->err_pos = ps->pos;
    if (ps->quiet) return;
    sh_state *sh = ps->sh;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    const char *name = sh->srcname ? sh->srcname : "bash";
    char pre[256];
    bool gnu = sh->shopt[SO_GNU_ERRFMT]; /* "name:N:" instead of "name: line N:" */
    if (sh->parse_ctx)
        snprintf(pre, sizeof pre, gnu ? "%s: %s:%d: " : "%s: %s: line %d: ", name, sh->parse_ctx,
                 line);
    else if (sh->cmode && sh->func_depth == 0 && sh->source_depth == 0)
        snprintf(pre, sizeof pre, gnu ? "%s: -c:%d: " : "%s: -c: line %d: ", name, line);
    else
        snprintf(pre, sizeof pre, gnu ? "%s:%d: " : "%s: line %d: ", name, line);
    sh_buf_adds(&b, pre);
    sh_buf_adds(&b, msg);
    sh_buf_addc(&b, '\n');
    if (echo_line) {
        const char *s;
        size_t n;
        line_text(ps, ps->tok_start, &s, &n);
        sh_buf_adds(&b, pre);
        sh_buf_addc(&b, '`');
        sh_buf_add(&b, s, n);
        sh_buf_adds(&b, "'\n");
    }
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
}

void sh_syntax_error(sh_parser *ps, const char *tokdesc)
{
    if (ps->tok == T_EOF) ps->hit_eof = true;
    char msg[512];
    snprintf(msg, sizeof msg, "syntax error near unexpected token `%s'", tokdesc);
    report(ps, ps->tok_line, msg, true, ERRK_SYNTAX);
}

void sh_syntax_cond(sh_parser *ps, const char *msg)
{
    report(ps, ps->tok_line, msg, false, ERRK_KEEP);
}

/* A second message after an error at the end of the input (bash's parser goes on and says
 * more there), at the line where the input ended; kind becomes the error's kind. */
static void report_more(sh_parser *ps, const char *msg, int kind)
{
    ps->err = 0;
    report(ps, ps->line, msg, false, kind);
}

void sh_syntax_cond_eof(sh_parser *ps, const char *msg)
{
    if (ps->err == PARSE_ERROR && ps->hit_eof) report_more(ps, msg, ps->err_kind);
}

void sh_syntax_eof(sh_parser *ps)
{
    ps->hit_eof = true;
    report(ps, ps->line, "syntax error: unexpected end of file", false, ERRK_SYNTAX);
}

void sh_lex_error_eof_match(sh_parser *ps, int line, char want)
{
    char msg[128];
    snprintf(msg, sizeof msg, "unexpected EOF while looking for matching `%c'", want);
    ps->hit_eof = true;
    report(ps, line, msg, false, ERRK_EOF);
}

const char *sh_tok_desc(sh_parser *ps)
{
    switch (ps->tok) {
    case T_EOF: return "end of file";
    case T_NL: return "newline";
    case T_WORD: return ps->tok_text;
    case T_SEMI: return ";";
    case T_DSEMI: return ";;";
    case T_SEMIAND: return ";&";
    case T_DSEMIAND: return ";;&";
    case T_AMP: return "&";
    case T_AND: return "&&";
    case T_PIPE: return "|";
    case T_PIPEAMP: return "|&";
    case T_OR: return "||";
    case T_LPAREN: return "(";
    case T_RPAREN: return ")";
    case T_DLPAREN: return "((";
    case T_REDIR: {
        static const char *const ops[] = {
#define SH_REDIR_STR_(n, s) s,
            SH_REDIR_OPS(SH_REDIR_STR_)
#undef SH_REDIR_STR_
        };
        if (ps->tok_op == R_HEREDOC && ps->tok_strip) return "<<-";
        return ops[ps->tok_op];
    }
    }
    return "?";
}

/* ---- scanning the pieces of a word; each appends the raw text to b ---- */
static bool scan_dollar(sh_parser *ps, sh_buf *b, bool in_dq);
static bool scan_backquote(sh_parser *ps, sh_buf *b);

static bool scan_squote(sh_parser *ps, sh_buf *b, bool ansic)
{
    int start = ps->line;
    sh_buf_addc(b, getc_(ps)); /* the ' */
    for (;;) {
        int c = getc_(ps);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, '\'');
            return false;
        }
        sh_buf_addc(b, c);
        if (c == '\'') return true;
        if (ansic && c == '\\') {
            int d = getc_(ps);
            if (d < 0) {
                sh_lex_error_eof_match(ps, start, '\'');
                return false;
            }
            sh_buf_addc(b, d);
        }
    }
}

static bool scan_dquote(sh_parser *ps, sh_buf *b)
{
    int start = ps->line;
    sh_buf_addc(b, getc_(ps)); /* the " */
    for (;;) {
        int c = peekc(ps, 0);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, '"');
            return false;
        }
        if (c == '"') {
            sh_buf_addc(b, getc_(ps));
            return true;
        }
        if (c == '\\') {
            getc_(ps);
            int d = getc_(ps);
            if (d == '\n') continue; /* line continuation disappears */
            sh_buf_addc(b, '\\');
            if (d < 0) {
                sh_lex_error_eof_match(ps, start, '"');
                return false;
            }
            sh_buf_addc(b, d);
            continue;
        }
        if (c == '$') {
            if (!scan_dollar(ps, b, true)) return false;
            continue;
        }
        if (c == '`') {
            if (!scan_backquote(ps, b)) return false;
            continue;
        }
        sh_buf_addc(b, getc_(ps));
    }
}

static bool scan_backquote(sh_parser *ps, sh_buf *b)
{
    int start = ps->line;
    sh_buf_addc(b, getc_(ps));
    for (;;) {
        int c = getc_(ps);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, '`');
            return false;
        }
        if (c == '\\') {
            int d = getc_(ps);
            if (d < 0) {
                sh_lex_error_eof_match(ps, start, '`');
                return false;
            }
            sh_buf_addc(b, c);
            sh_buf_addc(b, d);
            continue;
        }
        sh_buf_addc(b, c);
        if (c == '`') return true;
    }
}

/* ${...}: to the matching brace, minding quotes and nested expansions */
/* A quoted or expanded part (' " $ `) starting at c, scanned whole into b: 1 when c starts
 * one, 0 after an error, -1 when c is plain text. */
static int scan_part(sh_parser *ps, sh_buf *b, int c)
{
    switch (c) {
    case '\'': return scan_squote(ps, b, false);
    case '"': return scan_dquote(ps, b);
    case '$': return scan_dollar(ps, b, false);
    case '`': return scan_backquote(ps, b);
    }
    return -1;
}

static bool scan_brace(sh_parser *ps, sh_buf *b)
{
    int start = ps->line;
    sh_buf_addc(b, getc_(ps)); /* { */
    int depth = 1;
    for (;;) {
        int c = peekc(ps, 0);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, '}');
            return false;
        }
        if (c == '\\') {
            getc_(ps);
            int d = getc_(ps);
            if (d == '\n') continue;
            sh_buf_addc(b, '\\');
            if (d >= 0) sh_buf_addc(b, d);
            continue;
        }
        int part = scan_part(ps, b, c);
        if (part == 0) return false;
        if (part > 0) continue;
        sh_buf_addc(b, getc_(ps));
        if (c == '{') depth++;
        if (c == '}' && --depth == 0) return true;
    }
}

/* $(( ... )): 1 when the text from pos (just after "$((") closes with "))" at depth 0
 * before anything that makes it a command substitution instead; 0 when it is one; -1 when
 * the input ends first (bash then reports the EOF at the line where "((" began). */
static int looks_arith(sh_parser *ps)
{
    /* parens nested past the nest limit fail either way (as arithmetic or as commands):
     * stop there, so that each level of $(( $(( ... does not scan the whole rest */
    int max = sh_nest_max(ps);
    int depth = 0;
    for (size_t i = ps->pos; i < ps->len; i++) {
        char c = ps->src[i];
        if (c == '(' && ++depth > 2 * max + 2) return 1;
        else if (c == ')') {
            if (depth == 0) return i + 1 < ps->len && ps->src[i + 1] == ')';
            depth--;
        } else if (c == '\'' || c == '`') {
            /* quotes inside arithmetic are rare; a command substitution is likelier */
            if (c == '`') return 0;
        }
    }
    return -1;
}

static bool scan_arith(sh_parser *ps, sh_buf *b)
{
    int start = ps->line;
    int depth = 0;
    for (;;) {
        int c = peekc(ps, 0);
        if (c < 0) {
            (void)start;
            sh_lex_error_eof_match(ps, ps->line, ')');
            return false;
        }
        if (c == '$') {
            if (!scan_dollar(ps, b, false)) return false;
            continue;
        }
        if (c == '`') {
            if (!scan_backquote(ps, b)) return false;
            continue;
        }
        if (c == '"') {
            if (!scan_dquote(ps, b)) return false;
            continue;
        }
        getc_(ps);
        sh_buf_addc(b, c);
        if (c == '(') depth++;
        if (c == ')') {
            if (depth == 0) {
                if (peekc(ps, 0) == ')') {
                    sh_buf_addc(b, getc_(ps));
                    return true;
                }
            } else {
                depth--;
            }
        }
    }
}

/* $( ... ): parse the inside as commands to find the closing paren */
static bool scan_cmdsubst(sh_parser *ps, sh_buf *b, int eof_line)
{
    size_t start = ps->pos; /* just after "$(" */
    sh_parser sub = *ps;
    sub.pos = start;
    sub.have_tok = false;
    sub.hd = NULL;
    sub.err = 0;
    sub.sub = true;
    sub.sub_eof_line = eof_line;
    /* the look-ahead only finds the closing paren: it must not expand aliases, which would
     * rewrite (and free) the source it shares with this parser; the body is parsed again,
     * aliases and all, when it runs */
    sub.own_src = false;
    sub.depth = ps->depth; /* sh_parse_sub counts the level */
    sh_pool tmp = {.p = ps->sh->p};
    sub.pool = &tmp;
    size_t end;
    int rc = sh_parse_sub(&sub, &end);
    sh_pool_free(&tmp);
    ps->line = sub.line;
    if (sub.hit_eof && !ps->hit_eof) {
        ps->hit_eof = true;
        memcpy(ps->eof_delim, sub.eof_delim, sizeof ps->eof_delim);
    }
    if (rc != PARSE_OK) {
        ps->err = sub.err ? sub.err : PARSE_ERROR;
        /* the text ended inside it: bash's lexer reports that, not the $( ) parser */
        ps->err_kind = sub.err_kind == ERRK_EOF || sub.hit_eof ? ERRK_EOF
                       : sub.err_kind == ERRK_LINE           ? ERRK_LINE
                                                             : ERRK_SUBST;
        ps->err_pos = sub.err_pos;
        return false;
    }
    /* end: offset just after the closing paren */
    sh_buf_add(b, ps->src + start, end - start);
    ps->pos = end;
    return true;
}

static bool scan_dollar_inner(sh_parser *ps, sh_buf *b, bool in_dq);

/* ${ ${ ${ ... or $(( $(( ... nest by recursion here: bound it by the nest limit, so a hostile
 * word can neither exhaust the stack nor make the look-ahead of each level quadratic */
static bool scan_dollar(sh_parser *ps, sh_buf *b, bool in_dq)
{
    if (!sh_nest_ok(ps, ps->lexdepth + 1)) return false;
    ps->lexdepth++;
    bool ok = scan_dollar_inner(ps, b, in_dq);
    ps->lexdepth--;
    return ok;
}

static bool scan_dollar_inner(sh_parser *ps, sh_buf *b, bool in_dq)
{
    sh_buf_addc(b, getc_(ps)); /* $ */
    /* backslash-newline is gone before bash reads $\<nl>( or $(\<nl>( */
    while (peekc(ps, 0) == '\\' && peekc(ps, 1) == '\n') getc_(ps), getc_(ps);
    int c = peekc(ps, 0);
    if (c == '{') return scan_brace(ps, b);
    if (c == '\'' && !in_dq) return scan_squote(ps, b, true);
    if (c == '"' && !in_dq) return scan_dquote(ps, b);
    if (c == '(') {
        sh_buf_addc(b, getc_(ps));
        while (peekc(ps, 0) == '\\' && peekc(ps, 1) == '\n') getc_(ps), getc_(ps);
        int dline = 0;
        if (peekc(ps, 0) == '(' ) {
            dline = ps->line;
            ps->pos++;
            int la = looks_arith(ps);
            if (la < 0) {
                sh_lex_error_eof_match(ps, ps->line, ')');
                return false;
            }
            if (la) {
                sh_buf_addc(b, '(');
                return scan_arith(ps, b);
            }
            ps->pos--;
        }
        return scan_cmdsubst(ps, b, dline);
    }
    if (c == '[') {
        /* $[expr], the old arithmetic form: one word up to the matching ']' */
        int depth = 0, start = ps->line;
        for (;;) {
            int d = peekc(ps, 0);
            if (d < 0) {
                sh_lex_error_eof_match(ps, start, ']');
                return false;
            }
            sh_buf_addc(b, getc_(ps));
            if (d == '[') depth++;
            else if (d == ']' && --depth == 0) return true;
        }
    }
    return true;
}

static bool is_meta(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' ||
           c == '>' || c == '(' || c == ')';
}

/* bash removes backslash-newline before it reads tokens, so an operator may be split by one
 * (&\<nl>&, ;\<nl>;, >\<nl>>): take them out of the (owned) text after the operator's first
 * two characters, counting the lines they end */
static void join_operator(sh_parser *ps)
{
    if (!ps->own_src || ps->nalias) return;
    char *src = (char *)ps->src;
    for (size_t k = ps->pos + 1; k <= ps->pos + 2 && k < ps->len; k++) {
        while (k + 1 < ps->len && src[k] == '\\' && src[k + 1] == '\n') {
            memmove(src + k, src + k + 2, ps->len - k - 2);
            ps->len -= 2;
            src[ps->len] = 0;
            ps->line++;
        }
        if (!strchr(";&|<>-", src[k])) break;
    }
}

/* text of b so far is NAME= or NAME+= (an array assignment may follow) */
static bool is_assign_prefix(sh_buf *b)
{
    if (b->len < 2 || b->s[b->len - 1] != '=') return false;
    size_t n = b->len - 1;
    if (b->s[n - 1] == '+') n--;
    return sh_is_name(b->s, n);
}

static bool scan_group(sh_parser *ps, sh_buf *b);

/* The input ended inside NAME=( ... ): bash's compound assignment parser ends the shell with
 * status 1, and when a quote or expansion inside was open, says too that the file ended (at
 * the line after the last) */
static void array_eof(sh_parser *ps, bool inner)
{
    if (ps->err != PARSE_ERROR || (ps->err_kind != ERRK_EOF && !ps->hit_eof)) return;
    if (inner) report_more(ps, "syntax error: unexpected end of file", ERRK_ARRAY);
    ps->err_kind = ERRK_ARRAY;
}

/* a parenthesised list after NAME=( */
static bool scan_array_list(sh_parser *ps, sh_buf *b)
{
    int start = ps->line;
    sh_buf_addc(b, getc_(ps));
    for (;;) {
        int c = peekc(ps, 0);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, ')');
            array_eof(ps, false);
            return false;
        }
        if (c == ')') {
            sh_buf_addc(b, getc_(ps));
            return true;
        }
        if (c == '\\') {
            getc_(ps);
            int d = getc_(ps);
            if (d == '\n') continue;
            sh_buf_addc(b, '\\');
            if (d >= 0) sh_buf_addc(b, d);
            continue;
        }
        if (c == '#' && b->len && strchr(" \t\n(", b->s[b->len - 1])) {
            while (peekc(ps, 0) >= 0 && peekc(ps, 0) != '\n') getc_(ps);
            continue;
        }
        if (c == '\n') {
            /* a newline between elements separates them as a blank does (the word's text
             * is split on blanks when it is assigned) */
            getc_(ps);
            sh_buf_addc(b, ' ');
            continue;
        }
        if (c == '(') {
            char prev = b->len ? b->s[b->len - 1] : 0;
            bool word_start = b->len < 2 || strchr(" \t(", b->s[b->len - 2]);
            if ((prev == '<' || prev == '>') && word_start) {
                /* <( ) / >( ) */
                sh_buf_addc(b, getc_(ps));
                if (!scan_cmdsubst(ps, b, 0)) return false;
                continue;
            }
            if (ps->sh->shopt[SO_EXTGLOB] && prev && strchr("@*+?!", prev)) {
                if (!scan_group(ps, b)) return false;
                continue;
            }
            /* bash's compound assignment parser: an error that abandons the rest of the
             * line, and the script goes on with the next */
            ps->tok_start = ps->pos;
            ps->tok_line = ps->line;
            ps->pos++;
            report(ps, ps->line, "syntax error near unexpected token `('", true, ERRK_LINE);
            return false;
        }
        int part = scan_part(ps, b, c);
        if (part == 0) {
            array_eof(ps, true);
            return false;
        }
        if (part < 0) sh_buf_addc(b, getc_(ps));
    }
}

static bool word_may_assign(sh_parser *ps);

/* At command position, b holds a name and the input is at '[': when a matching ']' on this
 * line is followed by '=' or '+=', the subscript is part of the word, blanks and all, as bash
 * reads a[i + 1]=x or h[a b]=1. Takes it into b and returns true; false leaves the input. */
static bool subscript_assign(sh_parser *ps, sh_buf *b)
{
    if (!b->len || (b->s[0] >= '0' && b->s[0] <= '9')) return false;
    for (size_t i = 0; i < b->len; i++) {
        char ch = b->s[i];
        if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9')))
            return false;
    }
    int depth = 0;
    size_t k = 0;
    for (;; k++) {
        int d = peekc(ps, k);
        if (d < 0 || d == '\n') return false;
        if (d == '\\' && peekc(ps, k + 1) >= 0) {
            k++;
            continue;
        }
        if (d == '\'' || d == '"') { /* a quoted part: to its closing quote */
            size_t q = k + 1;
            while (peekc(ps, q) >= 0 && peekc(ps, q) != d && peekc(ps, q) != '\n') q++;
            if (peekc(ps, q) != d) return false;
            k = q;
            continue;
        }
        if (d == '[') depth++;
        if (d == ']' && --depth == 0) break;
    }
    bool blank = false;
    for (size_t q = 0; q < k; q++)
        if (peekc(ps, q) == ' ' || peekc(ps, q) == '\t') blank = true;
    if (!blank) return false; /* the ordinary scan reads it the same way */
    int a = peekc(ps, k + 1);
    if (!(a == '=' || (a == '+' && peekc(ps, k + 2) == '='))) return false;
    for (size_t q = 0; q <= k; q++) sh_buf_addc(b, getc_(ps));
    return true;
}

static bool scan_word(sh_parser *ps, sh_buf *b)
{
    for (;;) {
        int c = peekc(ps, 0);
        if ((c == '<' || c == '>') && peekc(ps, 1) == '(') {
            /* process substitution <( ) / >( ), part of the word */
            sh_buf_addc(b, getc_(ps));
            sh_buf_addc(b, getc_(ps));
            if (!scan_cmdsubst(ps, b, 0)) return false;
            continue;
        }
        if (c < 0 || is_meta(c)) {
            if (c == '(' && is_assign_prefix(b)) {
                if (!scan_array_list(ps, b)) return false;
                continue;
            }
            return true;
        }
        if (c == '\\') {
            if (peekc(ps, 1) == '\n') {
                ps->pos += 2;
                ps->line++;
                continue;
            }
            getc_(ps);
            sh_buf_addc(b, '\\');
            int d = getc_(ps);
            if (d >= 0) sh_buf_addc(b, d);
            continue;
        }
        if (c == '[' && word_may_assign(ps) && subscript_assign(ps, b)) continue;
        int part = scan_part(ps, b, c);
        if (part == 0) return false;
        if (part > 0) continue;
        if (ps->sh->shopt[SO_EXTGLOB] && strchr("@!*+?", c) && peekc(ps, 1) == '(') {
            /* an extended pattern (shopt -s extglob when the line was read) */
            sh_buf_addc(b, getc_(ps));
            if (!scan_group(ps, b)) return false;
            continue;
        }
        sh_buf_addc(b, getc_(ps));
    }
}

/* ---- here-documents ---- */
/* The delimiter after quote removal, and whether any part was quoted. */
static char *heredoc_delim(sh_parser *ps, const char *w, bool *quoted)
{
    sh_buf b;
    sh_buf_init(&b, ps->sh->p);
    *quoted = false;
    for (const char *s = w; *s; s++) {
        if (*s == '\\' && s[1]) {
            *quoted = true;
            sh_buf_addc(&b, *++s);
        } else if (*s == '\'' || *s == '"') {
            *quoted = true;
            char q = *s++;
            while (*s && *s != q) {
                if (q == '"' && *s == '\\' && s[1]) s++;
                sh_buf_addc(&b, *s++);
            }
            if (!*s) break;
        } else if (*s == '$' && (s[1] == '\'' || s[1] == '"')) {
            /* $'x' / $"x" as delimiter: taken literally without the $ */
            continue;
        } else {
            sh_buf_addc(&b, *s);
        }
    }
    char *r = sh_buf_take(&b);
    if (!r) return NULL;
    char *pr = sh_pool_strndup(ps->pool, r, strlen(r));
    vk_free(ps->sh->p, r);
    return pr;
}

static void read_heredoc(sh_parser *ps, sh_redir *r)
{
    bool quoted;
    int start_line = ps->tok_line;
    char *delim = heredoc_delim(ps, r->word, &quoted);
    if (!delim) {
        ps->err = PARSE_NOMEM;
        return;
    }
    r->quoted = quoted;
    sh_buf b;
    sh_buf_init(&b, ps->sh->p);
    size_t dl = strlen(delim);
    for (;;) {
        if (ps->pos >= ps->len) {
            if (!ps->hit_eof && dl < sizeof ps->eof_delim) memcpy(ps->eof_delim, delim, dl + 1);
            ps->hit_eof = true;
            if (!ps->quiet) {
                char msg[512];
                snprintf(msg, sizeof msg,
                         "%s: line %d: warning: here-document at line %d delimited by "
                         "end-of-file (wanted `%s')\n",
                         ps->sh->srcname ? ps->sh->srcname : "bash", ps->line - 1, start_line,
                         delim);
                sh_write_str(ps->sh, 2, msg);
            }
            break;
        }
        size_t ls = ps->pos;
        size_t le = ls;
        while (le < ps->len && ps->src[le] != '\n') le++;
        size_t s = ls;
        if (r->strip_tabs)
            while (s < le && ps->src[s] == '\t') s++;
        ps->pos = le < ps->len ? le + 1 : le;
        ps->line++;
        if (le - s == dl && memcmp(ps->src + s, delim, dl) == 0) break;
        sh_buf_add(&b, ps->src + s, le - s);
        sh_buf_addc(&b, '\n');
    }
    if (b.oom) {
        ps->err = PARSE_NOMEM;
        sh_buf_free(&b);
        return;
    }
    r->body = sh_pool_strndup(ps->pool, b.s ? b.s : "", b.len);
    sh_buf_free(&b);
}

void sh_lex_read_heredocs(sh_parser *ps)
{
    hd_pending *h = ps->hd;
    /* the list was pushed in reverse order */
    hd_pending *rev = NULL;
    while (h) {
        hd_pending *n = h->next;
        h->next = rev;
        rev = h;
        h = n;
    }
    ps->hd = NULL;
    for (h = rev; h; h = h->next) read_heredoc(ps, h->r);
}

/* ---- tokens ---- */
static int set_tok(sh_parser *ps, int tok)
{
    ps->tok = tok;
    ps->have_tok = true;
    return tok;
}

/* Could the word being read start a command, or be an assignment before one? Judged from the
 * token before it: a separator, '(', a reserved word that starts a body, or an assignment
 * word. (The parser's own peek_cmd / assign_pos say so when they know.) */
static bool word_may_assign(sh_parser *ps)
{
    if (ps->cmd_start || ps->assign_pos) return true;
    switch (ps->prev_tok) {
    case T_EOF: case T_NL: case T_SEMI: case T_DSEMI: case T_SEMIAND: case T_DSEMIAND:
    case T_AMP: case T_AND: case T_PIPE: case T_PIPEAMP: case T_OR: case T_LPAREN:
        return true;
    case T_WORD: return ps->prev_word_opens;
    default: return false;
    }
}

static int redir_tok(sh_parser *ps, int op, int fd)
{
    ps->tok_op = op;
    ps->tok_fd = fd;
    ps->tok_var = NULL;
    ps->tok_strip = false;
    return set_tok(ps, T_REDIR);
}

int sh_lex_next(sh_parser *ps)
{
    ps->prev_tok = ps->tok;
    ps->prev_word_opens = false;
    if (ps->tok == T_WORD && ps->tok_text) {
        static const char *const openers[] = {"then", "do", "else", "elif", "if", "while",
                                              "until", "{", "!", "time", NULL};
        for (int i = 0; openers[i] && !ps->prev_word_opens; i++)
            ps->prev_word_opens = strcmp(ps->tok_text, openers[i]) == 0;
        if (!ps->prev_word_opens) ps->prev_word_opens = sh_is_assignment(ps->tok_text);
    }
    ps->tok_text = NULL;
    if (ps->err) return set_tok(ps, T_EOF);
    for (;;) {
        int c = peekc(ps, 0);
        if (c == ' ' || c == '\t') {
            ps->pos++;
            continue;
        }
        if (c == '\\' && peekc(ps, 1) == '\n') {
            ps->pos += 2;
            ps->line++;
            continue;
        }
        if (c == '#') {
            while (peekc(ps, 0) >= 0 && peekc(ps, 0) != '\n') ps->pos++;
            continue;
        }
        break;
    }
    ps->tok_start = ps->pos;
    ps->tok_line = ps->line;
    int c = peekc(ps, 0);
    if (c < 0) return set_tok(ps, T_EOF);
    if (c == ';' || c == '&' || c == '|' || c == '<' || c == '>') join_operator(ps);
    int d = peekc(ps, 1);
    switch (c) {
    case '\n':
        getc_(ps);
        if (ps->hd) sh_lex_read_heredocs(ps);
        return set_tok(ps, T_NL);
    case ';':
        if (d == ';') {
            ps->pos += 2;
            if (peekc(ps, 0) == '&') {
                ps->pos++;
                return set_tok(ps, T_DSEMIAND);
            }
            return set_tok(ps, T_DSEMI);
        }
        ps->pos++;
        if (d == '&') {
            ps->pos++;
            return set_tok(ps, T_SEMIAND);
        }
        return set_tok(ps, T_SEMI);
    case '&':
        if (d == '&') {
            ps->pos += 2;
            return set_tok(ps, T_AND);
        }
        if (d == '>') {
            ps->pos += 2;
            if (peekc(ps, 0) == '>') {
                ps->pos++;
                return redir_tok(ps, R_APPERR, -1);
            }
            return redir_tok(ps, R_OUTERR, -1);
        }
        ps->pos++;
        return set_tok(ps, T_AMP);
    case '|':
        ps->pos++;
        if (d == '|') {
            ps->pos++;
            return set_tok(ps, T_OR);
        }
        if (d == '&') {
            ps->pos++;
            return set_tok(ps, T_PIPEAMP);
        }
        return set_tok(ps, T_PIPE);
    case '(':
        ps->pos++;
        if (d == '(') {
            /* (( expr )) : find the matching )) */
            size_t save = ps->pos;
            int save_line = ps->line;
            ps->pos++;
            int la = looks_arith(ps);
            if (la < 0) {
                sh_lex_error_eof_match(ps, ps->line, ')');
                return set_tok(ps, T_EOF);
            }
            if (la) {
                sh_buf b;
                sh_buf_init(&b, ps->sh->p);
                if (!scan_arith(ps, &b)) {
                    sh_buf_free(&b);
                    return set_tok(ps, T_EOF);
                }
                /* drop the closing )) */
                size_t n = b.len >= 2 ? b.len - 2 : 0;
                ps->tok_text = sh_pool_strndup(ps->pool, b.s ? b.s : "", n);
                sh_buf_free(&b);
                return set_tok(ps, T_DLPAREN);
            }
            ps->pos = save;
            ps->line = save_line;
        }
        return set_tok(ps, T_LPAREN);
    case ')':
        ps->pos++;
        return set_tok(ps, T_RPAREN);
    case '<':
    case '>':
        if (d != '(') break;
        /* <( ) starts a word */
        __attribute__((fallthrough));
    default: {
        /* a word, or an IO number before a redirection */
        size_t i = ps->pos;
        while (i < ps->len && ps->src[i] >= '0' && ps->src[i] <= '9') i++;
        if (i > ps->pos && i < ps->len && (ps->src[i] == '<' || ps->src[i] == '>') &&
            i - ps->pos < 10) {
            int fd = 0;
            size_t numstart = ps->pos;
            for (size_t k = ps->pos; k < i; k++) fd = fd * 10 + (ps->src[k] - '0');
            ps->pos = i;
            int t = sh_lex_next(ps);
            if (t == T_REDIR) {
                ps->tok_fd = fd;
                ps->tok_start = numstart;
            }
            return t;
        }
        /* {name}> : the shell picks the fd and stores it in name */
        if (ps->src[ps->pos] == '{') {
            size_t e = ps->pos + 1;
            while (e < ps->len && sh_is_name_char((unsigned char)ps->src[e])) e++;
            size_t ne = e;
            if (e < ps->len && ps->src[e] == '[') {
                /* {name[subscript]}> : an array element (bash's valid array reference) */
                size_t k = e + 1;
                while (k < ps->len && k - e < 256 && ps->src[k] != ']' && ps->src[k] != '\n' &&
                       ps->src[k] != '}')
                    k++;
                if (k < ps->len && ps->src[k] == ']' && k > e + 1) e = k + 1;
            }
            if (e < ps->len && ps->src[e] == '}' && e + 1 < ps->len &&
                (ps->src[e + 1] == '<' || ps->src[e + 1] == '>') &&
                sh_is_name(ps->src + ps->pos + 1, ne - ps->pos - 1)) {
                size_t vstart = ps->pos + 1, vlen = e - vstart, start = ps->pos;
                ps->pos = e + 1;
                int t = sh_lex_next(ps);
                if (t == T_REDIR) {
                    ps->tok_var = sh_pool_strndup(ps->pool, ps->src + vstart, vlen);
                    if (!ps->tok_var) ps->err = PARSE_NOMEM;
                    ps->tok_start = start;
                }
                return t;
            }
        }
        sh_buf b;
        sh_buf_init(&b, ps->sh->p);
        bool ok = scan_word(ps, &b);
        if (!ok || b.oom) {
            if (b.oom && !ps->err) ps->err = PARSE_NOMEM;
            sh_buf_free(&b);
            return set_tok(ps, T_EOF);
        }
        ps->tok_text = sh_pool_strndup(ps->pool, b.s ? b.s : "", b.len);
        sh_buf_free(&b);
        if (!ps->tok_text) {
            ps->err = PARSE_NOMEM;
            return set_tok(ps, T_EOF);
        }
        return set_tok(ps, T_WORD);
    }
    }
    /* redirection operators */
    if (c == '<') {
        ps->pos++;
        if (d == '<') {
            ps->pos++;
            if (peekc(ps, 0) == '<') {
                ps->pos++;
                return redir_tok(ps, R_HERESTR, -1);
            }
            if (peekc(ps, 0) == '-') {
                ps->pos++;
                redir_tok(ps, R_HEREDOC, -1);
                ps->tok_strip = true;
                return T_REDIR;
            }
            return redir_tok(ps, R_HEREDOC, -1);
        }
        if (d == '&') {
            ps->pos++;
            return redir_tok(ps, R_DUPIN, -1);
        }
        if (d == '>') {
            ps->pos++;
            return redir_tok(ps, R_RDWR, -1);
        }
        return redir_tok(ps, R_IN, -1);
    }
    ps->pos++;
    if (d == '>') {
        ps->pos++;
        return redir_tok(ps, R_APPEND, -1);
    }
    if (d == '&') {
        ps->pos++;
        return redir_tok(ps, R_DUPOUT, -1);
    }
    if (d == '|') {
        ps->pos++;
        return redir_tok(ps, R_CLOBBER, -1);
    }
    return redir_tok(ps, R_OUT, -1);
}

/* ---- inside [[ ]] ----
 * Blanks separate words; && || ( ) < > are operators (the caller also treats ! and the binary
 * operators); a newline is a token. Words keep their quotes, and an extended pattern group
 * @( ) *( ) +( ) ?( ) !( ) belongs to its word. After =~ (regex), the word runs to the next
 * blank outside parentheses, so ( ) | belong to the regular expression. */
static bool scan_group(sh_parser *ps, sh_buf *b)
{
    int start = ps->line, depth = 0;
    for (;;) {
        int c = peekc(ps, 0);
        if (c < 0) {
            sh_lex_error_eof_match(ps, start, ')');
            return false;
        }
        if (c == '\\') {
            sh_buf_addc(b, getc_(ps));
            int d = getc_(ps);
            if (d >= 0) sh_buf_addc(b, d);
            continue;
        }
        int part = scan_part(ps, b, c);
        if (part == 0) return false;
        if (part > 0) continue;
        sh_buf_addc(b, getc_(ps));
        if (c == '(') depth++;
        if (c == ')' && --depth == 0) return true;
    }
}

int sh_lex_cond(sh_parser *ps, int mode)
{
    bool regex = mode == CLEX_REGEX;
    bool ext = mode == CLEX_PATTERN || ps->sh->shopt[SO_EXTGLOB];
    ps->tok_text = NULL;
    if (ps->err) return set_tok(ps, T_EOF);
    for (;;) {
        int c = peekc(ps, 0);
        if (c == ' ' || c == '\t') {
            ps->pos++;
        } else if (c == '\\' && peekc(ps, 1) == '\n') {
            ps->pos += 2;
            ps->line++;
        } else {
            break;
        }
    }
    ps->tok_start = ps->pos;
    ps->tok_line = ps->line;
    int c = peekc(ps, 0), d = peekc(ps, 1);
    if (c < 0) return set_tok(ps, T_EOF);
    if (c == '\n') {
        getc_(ps);
        return set_tok(ps, T_NL);
    }
    if (!regex) {
        if (c == '&' && d == '&') {
            ps->pos += 2;
            return set_tok(ps, T_AND);
        }
        if (c == '|' && d == '|') {
            ps->pos += 2;
            return set_tok(ps, T_OR);
        }
        if (c == '(' || c == ')') {
            ps->pos++;
            return set_tok(ps, c == '(' ? T_LPAREN : T_RPAREN);
        }
        if (c == '<' || c == '>') {
            ps->pos++;
            ps->tok_text = c == '<' ? "<" : ">";
            return redir_tok(ps, c == '<' ? R_IN : R_OUT, -1);
        }
        if (c == ';' || c == '&' || c == '|') {
            ps->pos++;
            return set_tok(ps, c == ';' ? T_SEMI : (c == '&' ? T_AMP : T_PIPE));
        }
    }
    sh_buf b;
    sh_buf_init(&b, ps->sh->p);
    int depth = 0;
    bool ok = true;
    for (;;) {
        c = peekc(ps, 0);
        if (c < 0 || c == '\n') break;
        if ((c == ' ' || c == '\t') && depth == 0) break;
        if (!regex && strchr("()<>;&|", c)) break;
        if (regex && depth == 0 && (c == ';' || c == '&' || (c == '|' && peekc(ps, 1) == '|')))
            break;
        if (regex && c == ')' && depth == 0) break;
        if (c == '\\') {
            if (peekc(ps, 1) == '\n') {
                ps->pos += 2;
                ps->line++;
                continue;
            }
            sh_buf_addc(&b, getc_(ps));
            int e = getc_(ps);
            if (e >= 0) sh_buf_addc(&b, e);
            continue;
        }
        if (c == '\'') {
            ok = scan_squote(ps, &b, false);
        } else if (c == '"') {
            ok = scan_dquote(ps, &b);
        } else if (c == '$') {
            ok = scan_dollar(ps, &b, false);
        } else if (c == '`') {
            ok = scan_backquote(ps, &b);
        } else if (ext && !regex && strchr("@*+?!", c) && peekc(ps, 1) == '(') {
            sh_buf_addc(&b, getc_(ps));
            ok = scan_group(ps, &b);
        } else {
            if (regex && c == '(') depth++;
            if (regex && c == ')') depth--;
            sh_buf_addc(&b, getc_(ps));
        }
        if (!ok) break;
    }
    if (!ok || b.oom) {
        if (b.oom && !ps->err) ps->err = PARSE_NOMEM;
        sh_buf_free(&b);
        return set_tok(ps, T_EOF);
    }
    ps->tok_text = sh_pool_strndup(ps->pool, b.s ? b.s : "", b.len);
    sh_buf_free(&b);
    if (!ps->tok_text) {
        ps->err = PARSE_NOMEM;
        return set_tok(ps, T_EOF);
    }
    return set_tok(ps, T_WORD);
}
