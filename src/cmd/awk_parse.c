/* awk_parse.c: awk's lexer and recursive-descent parser, building the tree awk_run.c walks.
 * The lexer runs on demand, one token ahead, so the parser decides whether a '/' starts a
 * regex or divides (awk's grammar needs that) and can back up over a few tokens. Syntax errors
 * print gawk's two lines (the source line, a caret under the offending token) and exit 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/awk.h"

enum {
    T_EOF = 0,
    T_NEWLINE = 256, T_NUMBER, T_STRING, T_ERE, T_NAME, T_FUNC_NAME, T_BUILTIN,
    T_ADD_ASSIGN, T_SUB_ASSIGN, T_MUL_ASSIGN, T_DIV_ASSIGN, T_MOD_ASSIGN, T_POW_ASSIGN,
    T_EQ, T_NE, T_LE, T_GE, T_AND, T_OR, T_INCR, T_DECR, T_APPEND, T_NOMATCH, T_PIPEAMP,
    /* keywords */
    T_BEGIN, T_END, T_BEGINFILE, T_ENDFILE, T_FUNCTION, T_IF, T_ELSE, T_WHILE, T_FOR, T_DO,
    T_BREAK, T_CONTINUE, T_NEXT, T_NEXTFILE, T_EXIT, T_RETURN, T_DELETE, T_GETLINE, T_PRINT,
    T_PRINTF, T_IN, T_SWITCH, T_CASE, T_DEFAULT,
};

static const struct {
    const char *name;
    int tok;
} keywords[] = {
    {"BEGIN", T_BEGIN},       {"END", T_END},       {"BEGINFILE", T_BEGINFILE},
    {"ENDFILE", T_ENDFILE},   {"function", T_FUNCTION}, {"func", T_FUNCTION},
    {"if", T_IF},             {"else", T_ELSE},     {"while", T_WHILE},
    {"for", T_FOR},           {"do", T_DO},         {"break", T_BREAK},
    {"continue", T_CONTINUE}, {"next", T_NEXT},     {"nextfile", T_NEXTFILE},
    {"exit", T_EXIT},         {"return", T_RETURN}, {"delete", T_DELETE},
    {"getline", T_GETLINE},   {"print", T_PRINT},   {"printf", T_PRINTF},
    {"in", T_IN},             {"switch", T_SWITCH}, {"case", T_CASE},
    {"default", T_DEFAULT},
};

#define AW_BNAME(e, s) s,
static const char *const builtin_names[] = {AW_BUILTINS(AW_BNAME)};
#undef AW_BNAME

/* how many arguments each builtin takes (gawk's table) */
static const int bi_args[B__COUNT][2] = {
    [B_LENGTH] = {0, 1},  [B_SUBSTR] = {2, 3},  [B_INDEX] = {2, 2},    [B_SPLIT] = {2, 4},
    [B_SUB] = {2, 3},     [B_GSUB] = {2, 3},    [B_GENSUB] = {3, 4},   [B_MATCH] = {2, 3},
    [B_SPRINTF] = {1, 9999}, [B_SIN] = {1, 1},  [B_COS] = {1, 1},      [B_ATAN2] = {2, 2},
    [B_EXP] = {1, 1},     [B_LOG] = {1, 1},     [B_SQRT] = {1, 1},     [B_INT] = {1, 1},
    [B_RAND] = {0, 0},    [B_SRAND] = {0, 1},   [B_TOLOWER] = {1, 1},  [B_TOUPPER] = {1, 1},
    [B_SYSTEM] = {1, 1},  [B_CLOSE] = {1, 2},   [B_FFLUSH] = {0, 1},   [B_SYSTIME] = {0, 0},
    [B_STRFTIME] = {0, 4}, [B_MKTIME] = {1, 2}, [B_ASORT] = {1, 3},    [B_ASORTI] = {1, 3},
    [B_PATSPLIT] = {2, 4}, [B_TYPEOF] = {1, 2}, [B_ISARRAY] = {1, 1},  [B_AND] = {2, 9999},
    [B_OR] = {2, 9999},   [B_XOR] = {2, 9999},  [B_COMPL] = {1, 1},    [B_LSHIFT] = {2, 2},
    [B_RSHIFT] = {2, 2},  [B_STRTONUM] = {1, 1},
};

/* the lexer state: saved and restored whole when the parser backs up */
typedef struct lexstate {
    int src;        /* index in the sources */
    size_t pos;     /* next byte */
    int line;
    int tok;        /* current token */
    size_t tokpos;  /* where it starts */
    int tokline;
    double num;
    aw_str *str;    /* T_STRING / T_ERE text, T_NAME... name */
    int bi;         /* T_BUILTIN id */
    bool vnl;       /* the newline the end of this source makes was returned */
} lexstate;

typedef struct parser {
    vl_ctx *c;
    aw_prog *prog;
    aw_src *srcs;
    int nsrc;
    lexstate l;
    int no_gt;      /* > is a redirection here (print's arguments outside parentheses) */
    int no_in;      /* `in` ends an expression (for (x in a) heads) */
    aw_func *fn;    /* function being parsed: its parameters are locals */
    int errors;     /* non-fatal errors reported: exit 1 after parsing */
    int rule_kind;  /* P_BEGIN... of the rule being parsed */
    bool quiet_escapes; /* inside a string: escape warnings are kept for its end */
    char warns[8][96];
    int nwarn;
    int loops;      /* loops around the statement being parsed (break/continue) */
    int switches;   /* switch statements around it (break) */
    int depth;
} parser;

static aw_node *expr(parser *ps);
static aw_node *stmt(parser *ps);
static aw_node *ternary(parser *ps);
static aw_node *concat(parser *ps);
static aw_node *unary(parser *ps);

void *aw_alloc(vl_ctx *c, size_t n)
{
    void *p = vk_malloc(c->p, n ? n : 1);
    if (!p) {
        /* vl_xmalloc's own way out: its message, the limit's status */
        (void)vl_xmalloc(c, SIZE_MAX);
    }
    return p;
}

void aw_free(vl_ctx *c, void *p) { vk_free(c->p, p); }

aw_str *aw_str_new(vl_ctx *c, const char *s, size_t n)
{
    aw_str *r = aw_alloc(c, sizeof *r + n + 1);
    r->ref = 1;
    r->cap = 0;
    r->len = n;
    if (n) memcpy(r->s, s, n);
    r->s[n] = 0;
    return r;
}

/* ---- errors ---- */

/* gawk's shape: "awk: SRC:LINE: TEXT OF THE LINE" then a caret under the column */
/* eol: 1 when the offending token is a newline (gawk numbers it as the next line), 2 when it
 * is the end of the program (shown on the last line of text) */
static _Noreturn void syntax_at(parser *ps, size_t pos, int line, int eol, const char *msg)
{
    aw_src *s = &ps->srcs[ps->l.src < ps->nsrc ? ps->l.src : ps->nsrc - 1];
    if (pos > s->len) pos = s->len;
    int shownline = line;
    if (eol == 1) shownline = line + 1;
    if (eol == 2 && pos == s->len && pos > 0 && s->text[pos - 1] == '\n') {
        pos--;
        shownline = line - 1;
    }
    size_t bol = pos;
    while (bol > 0 && s->text[bol - 1] != '\n') bol--;
    size_t eolp = pos;
    while (eolp < s->len && s->text[eolp] != '\n') eolp++;
    vl_buf b = {0};
    vl_buf_printf(ps->c, &b, "%s: %s:%d: ", ps->c->name, s->name, shownline);
    vl_buf_add(ps->c, &b, s->text + bol, eolp - bol);
    vl_buf_addc(ps->c, &b, '\n');
    vl_buf_printf(ps->c, &b, "%s: %s:%d: ", ps->c->name, s->name, shownline);
    for (size_t i = bol; i < pos; i++) vl_buf_addc(ps->c, &b, s->text[i] == '\t' ? '\t' : ' ');
    vl_buf_printf(ps->c, &b, "^ %s\n", msg);
    vl_flush(ps->c);
    vl_write_fd(ps->c, 2, b.data, b.len);
    vl_exit(ps->c, 1);
}

static _Noreturn void syntax(parser *ps)
{
    int eol = ps->l.tok == T_NEWLINE ? 1 : ps->l.tok == T_EOF ? 2 : 0;
    syntax_at(ps, ps->l.tokpos, ps->l.tokline, eol,
              eol ? "unexpected newline or end of string" : "syntax error");
}

static void warn(parser *ps, const char *fmt, const char *arg)
{
    if (ps->quiet_escapes) {
        if (ps->nwarn < 8) snprintf(ps->warns[ps->nwarn++], sizeof ps->warns[0], fmt, arg);
        return;
    }
    vl_buf b = {0};
    vl_buf_printf(ps->c, &b, "%s: %s:%d: warning: ", ps->c->name, ps->srcs[ps->l.src].name,
                  ps->l.line);
    vl_buf_printf(ps->c, &b, fmt, arg);
    vl_buf_addc(ps->c, &b, '\n');
    vl_flush(ps->c);
    vl_write_fd(ps->c, 2, b.data, b.len);
    vl_buf_free(ps->c, &b);
}

/* ---- lexer ---- */

static int peekc(parser *ps)
{
    aw_src *s = &ps->srcs[ps->l.src];
    return ps->l.pos < s->len ? (unsigned char)s->text[ps->l.pos] : -1;
}

static int peekc2(parser *ps)
{
    aw_src *s = &ps->srcs[ps->l.src];
    return ps->l.pos + 1 < s->len ? (unsigned char)s->text[ps->l.pos + 1] : -1;
}

static bool isname1(int ch) { return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
static bool isdig(int ch) { return ch >= '0' && ch <= '9'; }

/* awk escape in a string or regex at s[*i] (after the backslash): appends the byte(s) */
static void escape(parser *ps, vl_buf *b, const char *s, size_t n, size_t *i)
{
    int ch = (unsigned char)s[*i];
    (*i)++;
    switch (ch) {
    case 'n': vl_buf_addc(ps->c, b, '\n'); return;
    case 't': vl_buf_addc(ps->c, b, '\t'); return;
    case 'r': vl_buf_addc(ps->c, b, '\r'); return;
    case 'a': vl_buf_addc(ps->c, b, '\a'); return;
    case 'b': vl_buf_addc(ps->c, b, '\b'); return;
    case 'f': vl_buf_addc(ps->c, b, '\f'); return;
    case 'v': vl_buf_addc(ps->c, b, '\v'); return;
    case '\\': vl_buf_addc(ps->c, b, '\\'); return;
    case '"': vl_buf_addc(ps->c, b, '"'); return;
    case 'x': {
        int v = 0, k = 0;
        while (k < 2 && *i < n) {
            int h = (unsigned char)s[*i];
            int d = isdig(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) break;
            v = v * 16 + d;
            (*i)++;
            k++;
        }
        if (!k) {
            warn(ps, "no hex digits in `\\x' escape sequence%s", "");
            vl_buf_addc(ps->c, b, 'x');
            return;
        }
        vl_buf_addc(ps->c, b, v);
        return;
    }
    default:
        if (ch >= '0' && ch <= '7') {
            int v = ch - '0', k = 1;
            while (k < 3 && *i < n && s[*i] >= '0' && s[*i] <= '7') {
                v = v * 8 + (s[*i] - '0');
                (*i)++;
                k++;
            }
            vl_buf_addc(ps->c, b, v & 0xff);
            return;
        }
        {
            char tmp[64];
            snprintf(tmp, sizeof tmp, "escape sequence `\\%c' treated as plain `%c'", ch, ch);
            warn(ps, "%s", tmp);
        }
        vl_buf_addc(ps->c, b, ch);
    }
}

static void next(parser *ps)
{
    aw_src *s;
    lexstate *l = &ps->l;
again:
    s = &ps->srcs[l->src];
    /* blanks, comments, continuation lines */
    for (;;) {
        int ch = peekc(ps);
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            l->pos++;
        } else if (ch == '\\' && peekc2(ps) == '\n') {
            l->pos += 2;
            l->line++;
        } else if (ch == '\\' && peekc2(ps) == -1) {
            /* a backslash ending the program continues onto nothing */
            l->pos++;
        } else if (ch == '\\' && peekc2(ps) == '\r') {
            l->pos += 2;
            if (peekc(ps) == '\n') l->pos++;
            l->line++;
        } else if (ch == '#') {
            while (peekc(ps) != '\n' && peekc(ps) != -1) l->pos++;
        } else {
            break;
        }
    }
    l->tokpos = l->pos;
    l->tokline = l->line;
    int ch = peekc(ps);
    if (ch == -1) {
        /* each source ends with a newline of its own (gawk's lexer adds one), then the
         * next source follows, or the end */
        if (!l->vnl) {
            l->vnl = true;
            l->tok = T_NEWLINE;
            return;
        }
        if (l->src + 1 < ps->nsrc) {
            l->src++;
            l->pos = 0;
            l->line = 1;
            l->vnl = false;
            goto again;
        }
        l->tok = T_EOF;
        return;
    }
    l->pos++;
    int c2 = peekc(ps);
    switch (ch) {
    case '\n': l->line++; l->tok = T_NEWLINE; return;
    case '{': case '}': case '(': case ')': case '[': case ']': case ';': case ',':
    case '?': case ':': case '~': case '$':
        l->tok = ch;
        return;
    case '+':
        if (c2 == '+') { l->pos++; l->tok = T_INCR; return; }
        if (c2 == '=') { l->pos++; l->tok = T_ADD_ASSIGN; return; }
        l->tok = '+'; return;
    case '-':
        if (c2 == '-') { l->pos++; l->tok = T_DECR; return; }
        if (c2 == '=') { l->pos++; l->tok = T_SUB_ASSIGN; return; }
        l->tok = '-'; return;
    case '*':
        if (c2 == '*') {
            /* ** and **= are ^ and ^= */
            l->pos++;
            if (peekc(ps) == '=') { l->pos++; l->tok = T_POW_ASSIGN; return; }
            l->tok = '^'; return;
        }
        if (c2 == '=') { l->pos++; l->tok = T_MUL_ASSIGN; return; }
        l->tok = '*'; return;
    case '/':
        if (c2 == '=') { l->pos++; l->tok = T_DIV_ASSIGN; return; }
        l->tok = '/'; return;
    case '%':
        if (c2 == '=') { l->pos++; l->tok = T_MOD_ASSIGN; return; }
        l->tok = '%'; return;
    case '^':
        if (c2 == '=') { l->pos++; l->tok = T_POW_ASSIGN; return; }
        l->tok = '^'; return;
    case '=':
        if (c2 == '=') { l->pos++; l->tok = T_EQ; return; }
        l->tok = '='; return;
    case '!':
        if (c2 == '=') { l->pos++; l->tok = T_NE; return; }
        if (c2 == '~') { l->pos++; l->tok = T_NOMATCH; return; }
        l->tok = '!'; return;
    case '<':
        if (c2 == '=') { l->pos++; l->tok = T_LE; return; }
        l->tok = '<'; return;
    case '>':
        if (c2 == '=') { l->pos++; l->tok = T_GE; return; }
        if (c2 == '>') { l->pos++; l->tok = T_APPEND; return; }
        l->tok = '>'; return;
    case '&':
        if (c2 == '&') { l->pos++; l->tok = T_AND; return; }
        syntax_at(ps, l->tokpos, l->tokline, 0, "syntax error");
    case '|':
        if (c2 == '|') { l->pos++; l->tok = T_OR; return; }
        if (c2 == '&') { l->pos++; l->tok = T_PIPEAMP; return; }
        l->tok = '|'; return;
    case '"': {
        vl_buf b = {0};
        ps->quiet_escapes = true; /* warnings wait for the closing quote, as gawk's */
        ps->nwarn = 0;
        for (;;) {
            int d = peekc(ps);
            if (d == -1 || d == '\n')
                syntax_at(ps, l->tokpos, l->tokline, 0, "unterminated string");
            l->pos++;
            if (d == '"') break;
            if (d == '\\') {
                if (peekc(ps) == '\n') { l->pos++; l->line++; continue; }
                if (peekc(ps) == -1)
                    syntax_at(ps, l->tokpos, l->tokline, 0, "unterminated string");
                escape(ps, &b, s->text, s->len, &l->pos);
                continue;
            }
            vl_buf_addc(ps->c, &b, d);
        }
        l->str = aw_str_new(ps->c, b.data ? b.data : "", b.len);
        vl_buf_free(ps->c, &b);
        ps->quiet_escapes = false;
        for (int k = 0; k < ps->nwarn; k++) warn(ps, "%s", ps->warns[k]);
        ps->nwarn = 0;
        l->tok = T_STRING;
        return;
    }
    default:
        break;
    }
    if (isdig(ch) || (ch == '.' && isdig(c2))) {
        size_t st = l->tokpos;
        const char *t = s->text + st;
        size_t e = st;
        if (ch == '0' && (c2 == 'x' || c2 == 'X') && e + 2 < s->len && strchr("0123456789abcdefABCDEF", s->text[e + 2])) {
            e += 2;
            double v = 0;
            while (e < s->len && s->text[e] && strchr("0123456789abcdefABCDEF", s->text[e])) {
                int h = (unsigned char)s->text[e];
                v = v * 16 + (isdig(h) ? h - '0' : (h | 32) - 'a' + 10);
                e++;
            }
            l->pos = e;
            l->num = v;
            l->tok = T_NUMBER;
            return;
        }
        while (e < s->len && isdig((unsigned char)s->text[e])) e++;
        bool octal = ch == '0' && e - st > 1;
        if (e < s->len && s->text[e] == '.') {
            octal = false;
            e++;
            while (e < s->len && isdig((unsigned char)s->text[e])) e++;
        }
        if (e < s->len && (s->text[e] == 'e' || s->text[e] == 'E')) {
            size_t f = e + 1;
            if (f < s->len && (s->text[f] == '+' || s->text[f] == '-')) f++;
            if (f < s->len && isdig((unsigned char)s->text[f])) {
                octal = false;
                e = f;
                while (e < s->len && isdig((unsigned char)s->text[e])) e++;
            }
        }
        char tmp[128];
        size_t n = e - st < sizeof tmp - 1 ? e - st : sizeof tmp - 1;
        memcpy(tmp, t, n);
        tmp[n] = 0;
        if (octal) {
            for (size_t i = 0; i < n; i++)
                if (tmp[i] > '7') octal = false;
        }
        l->num = octal ? (double)strtoull(tmp, NULL, 8) : strtod(tmp, NULL);
        l->pos = e;
        l->tok = T_NUMBER;
        return;
    }
    if (isname1(ch)) {
        size_t e = l->tokpos;
        while (e < s->len && (isname1((unsigned char)s->text[e]) || isdig((unsigned char)s->text[e]))) e++;
        size_t n = e - l->tokpos;
        l->pos = e;
        const char *w = s->text + l->tokpos;
        for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
            if (strlen(keywords[i].name) == n && !memcmp(keywords[i].name, w, n)) {
                l->tok = keywords[i].tok;
                return;
            }
        for (int i = 0; i < B__COUNT; i++)
            if (strlen(builtin_names[i]) == n && !memcmp(builtin_names[i], w, n)) {
                l->tok = T_BUILTIN;
                l->bi = i;
                return;
            }
        l->str = aw_str_new(ps->c, w, n);
        l->tok = (e < s->len && s->text[e] == '(') ? T_FUNC_NAME : T_NAME;
        return;
    }
    syntax_at(ps, l->tokpos, l->tokline, 0,
              ch == '\\' ? "backslash not last character on line" : "syntax error");
    goto again;
}

/* The current token is '/' or '/=': read the regex that starts there. */
static void lex_regex(parser *ps)
{
    lexstate *l = &ps->l;
    aw_src *s = &ps->srcs[l->src];
    size_t p = l->tokpos + 1, st = p;
    /* gawk's lexer counts brackets: '[' opens one outside a bracket, or as "[:" inside one;
     * every ']' but the first of a bracket ("[]" "[^]") closes one */
    int depth = 0;
    size_t open_at = 0;
    for (;;) {
        if (p == st && p >= s->len)
            syntax_at(ps, p, l->tokline, 0, "unexpected newline or end of string");
        if (p >= s->len || s->text[p] == '\n')
            syntax_at(ps, l->tokpos + 1, l->tokline, 0, "unterminated regexp");
        char ch = s->text[p];
        if (ch == '\\' && p + 1 >= s->len)
            syntax_at(ps, l->tokpos + 1, l->tokline, 1, "unterminated regexp at end of file");
        if (ch == '\\') {
            p += 2;
            continue;
        }
        if (ch == '[') {
            if (depth == 0 || (p + 1 < s->len && s->text[p + 1] == ':')) {
                if (depth == 0) open_at = p;
                depth++;
            }
            p++;
            continue;
        }
        if (ch == ']' && depth > 0) {
            bool first = p == open_at + 1 || (p == open_at + 2 && s->text[open_at + 1] == '^');
            if (!(depth == 1 && first)) depth--;
            p++;
            continue;
        }
        if (ch == '/' && depth == 0) break;
        p++;
    }
    l->str = aw_str_new(ps->c, s->text + st, p - st);
    l->pos = p + 1;
    l->tok = T_ERE;
}

/* ---- tree helpers ---- */

static aw_node *node(parser *ps, int type, aw_node *a, aw_node *b)
{
    aw_node *n = vl_xcalloc(ps->c, 1, sizeof *n);
    n->type = type;
    n->a = a;
    n->b = b;
    n->line = ps->l.tokline;
    n->src = ps->l.src;
    return n;
}

static void expect(parser *ps, int tok)
{
    if (ps->l.tok != tok) syntax(ps);
    next(ps);
}

static void opt_newlines(parser *ps)
{
    while (ps->l.tok == T_NEWLINE) next(ps);
}

int aw_global(vl_ctx *c, aw_prog *prog, const char *name)
{
    for (int i = 0; i < prog->nglobals; i++)
        if (!strcmp(prog->gnames[i], name)) return i;
    if (prog->nglobals == prog->capglobals) {
        prog->capglobals = prog->capglobals ? prog->capglobals * 2 : 64;
        prog->gnames = vl_xrealloc(c, prog->gnames, (size_t)prog->capglobals * sizeof *prog->gnames);
        prog->gline = vl_xrealloc(c, prog->gline, (size_t)prog->capglobals * sizeof *prog->gline);
    }
    prog->gline[prog->nglobals] = 0;
    prog->gnames[prog->nglobals] = vl_xstrdup(c, name);
    return prog->nglobals++;
}

static int func_index(parser *ps, const char *name)
{
    aw_prog *pr = ps->prog;
    for (int i = 0; i < pr->nfuncs; i++)
        if (!strcmp(pr->funcs[i]->name, name)) return i;
    if (pr->nfuncs == pr->capfuncs) {
        pr->capfuncs = pr->capfuncs ? pr->capfuncs * 2 : 16;
        pr->funcs = vl_xrealloc(ps->c, pr->funcs, (size_t)pr->capfuncs * sizeof *pr->funcs);
    }
    aw_func *f = vl_xcalloc(ps->c, 1, sizeof *f);
    f->name = vl_xstrdup(ps->c, name);
    pr->funcs[pr->nfuncs] = f;
    return pr->nfuncs++;
}

static aw_node *var_node(parser *ps, const char *name)
{
    if (ps->fn)
        for (int i = 0; i < ps->fn->nparams; i++)
            if (!strcmp(ps->fn->params[i], name)) {
                aw_node *n = node(ps, N_LOCAL, NULL, NULL);
                n->idx = i;
                return n;
            }
    aw_node *n = node(ps, N_GLOBAL, NULL, NULL);
    n->idx = aw_global(ps->c, ps->prog, name);
    if (!ps->prog->gline[n->idx]) ps->prog->gline[n->idx] = ps->l.tokline;
    for (int i = 0; i < ps->prog->nfuncs; i++) {
        aw_func *f = ps->prog->funcs[i];
        if (f->defined && !f->clash && !strcmp(f->name, name)) {
            /* a function's name used as a variable: gawk says so right there */
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: function `%s' called with space between name and `(',\n"
                              "or used as a variable or an array\n",
                       ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline, name);
            ps->errors++;
            f->clash = true;
        }
    }
    return n;
}

static bool is_lvalue(aw_node *n)
{
    return n && (n->type == N_GLOBAL || n->type == N_LOCAL || n->type == N_FIELD || n->type == N_INDEX);
}

/* compile a regex constant at parse time */
static aw_node *regex_node(parser *ps)
{
    aw_node *n = node(ps, N_REGEX, NULL, NULL);
    n->str = ps->l.str;
    for (size_t i = 0; i + 1 < n->str->len; i++) {
        if (n->str->s[i] != '\\') continue;
        char e = n->str->s[++i];
        if (!strchr("/\\\"ntrfvab01234567xyBsSwW<>`'.[](){}*+?|^$-", e)) {
            char msg[96];
            snprintf(msg, sizeof msg, "regexp escape sequence `\\%c' is not a known regexp operator", e);
            warn(ps, "%s", msg);
        }
    }
    bool err = false;
    char msg[300];
    n->re = aw_regex_compile(ps->c, ps->prog, n->str->s, n->str->len, false, &err, msg, sizeof msg);
    if (err) {
        vl_flush(ps->c);
        vl_eprintf(ps->c, "%s: %s:%d: error: %s: /%s/\n", ps->c->name, ps->srcs[ps->l.src].name,
                   ps->l.tokline, msg, n->str->s);
        vl_exit(ps->c, 1);
    }
    return n;
}

/* ---- expressions ---- */

static aw_node *explist(parser *ps, int end)
{
    aw_node *head = NULL, **tail = &head;
    if (ps->l.tok == end) return NULL;
    for (;;) {
        aw_node *e = expr(ps);
        *tail = e;
        tail = &e->next;
        if (ps->l.tok != ',') break;
        next(ps);
        opt_newlines(ps);
    }
    return head;
}

static aw_node *subscripts(parser *ps)
{
    /* at '[' */
    next(ps);
    int sg = ps->no_gt, si = ps->no_in;
    ps->no_gt = ps->no_in = 0;
    aw_node *l = explist(ps, ']');
    ps->no_gt = sg;
    ps->no_in = si;
    if (!l) syntax(ps);
    expect(ps, ']');
    return l;
}

/* an array: a name, or an element that is itself an array (gawk's a[i][j]) */
static aw_node *array_name(parser *ps)
{
    if (ps->l.tok != T_NAME && ps->l.tok != T_FUNC_NAME) syntax(ps);
    aw_node *n = var_node(ps, ps->l.str->s);
    next(ps);
    while (ps->l.tok == '[') n = node(ps, N_INDEX, n, subscripts(ps));
    return n;
}

static aw_node *simple_lvalue(parser *ps);

/* getline [var] [< file] after the keyword */
static aw_node *getline_tail(parser *ps, aw_node *cmd)
{
    aw_node *n = node(ps, N_GETLINE, NULL, NULL);
    n->op = cmd ? R_CMD : R_MAIN;
    n->b = cmd;
    if (ps->l.tok == '$' || ps->l.tok == T_NAME) n->a = simple_lvalue(ps);
    if (!cmd && ps->l.tok == '<') {
        next(ps);
        n->op = R_FILE;
        /* the file is a primary: getline < "a" "b" reads "a" */
        n->b = unary(ps);
    }
    if (n->op == R_MAIN) ps->prog->has_getline_main = true;
    return n;
}

static aw_node *primary(parser *ps)
{
    if (ps->depth > 2000 || vk_stack_low()) syntax_at(ps, ps->l.tokpos, ps->l.tokline, 0, "expression nested too deeply");
    aw_node *n;
    switch (ps->l.tok) {
    case T_NUMBER:
        n = node(ps, N_NUM, NULL, NULL);
        n->num = ps->l.num;
        next(ps);
        return n;
    case T_STRING:
        n = node(ps, N_STR, NULL, NULL);
        n->str = ps->l.str;
        next(ps);
        return n;
    case '/':
    case T_DIV_ASSIGN:
        lex_regex(ps);
        n = regex_node(ps);
        next(ps);
        return n;
    case '(': {
        next(ps);
        int sg = ps->no_gt, si = ps->no_in;
        ps->no_gt = ps->no_in = 0;
        aw_node *e = expr(ps);
        if (ps->l.tok == ',') {
            /* (a, b) in array */
            e->next = NULL;
            aw_node **tail = &e->next;
            while (ps->l.tok == ',') {
                next(ps);
                opt_newlines(ps);
                aw_node *x = expr(ps);
                *tail = x;
                tail = &x->next;
            }
            expect(ps, ')');
            ps->no_gt = sg;
            ps->no_in = si;
            if (ps->l.tok != T_IN) syntax(ps);
            next(ps);
            n = node(ps, N_IN, e, array_name(ps));
            return n;
        }
        expect(ps, ')');
        ps->no_gt = sg;
        ps->no_in = si;
        return node(ps, N_GROUP, e, NULL);
    }
    case '$': {
        next(ps);
        aw_node *e;
        if (ps->l.tok == T_INCR || ps->l.tok == T_DECR) {
            int t = ps->l.tok;
            next(ps);
            e = node(ps, t == T_INCR ? N_PREINC : N_PREDEC, primary(ps), NULL);
            if (!is_lvalue(e->a)) syntax(ps);
        } else if (ps->l.tok == '-' || ps->l.tok == '+' || ps->l.tok == '!') {
            int t = ps->l.tok;
            next(ps);
            e = node(ps, t == '-' ? N_NEG : t == '+' ? N_PLUS : N_NOT, primary(ps), NULL);
        } else {
            e = primary(ps);
        }
        return node(ps, N_FIELD, e, NULL);
    }
    case T_INCR:
    case T_DECR: {
        int t = ps->l.tok;
        next(ps);
        if (ps->l.tok != T_NAME && ps->l.tok != '$') syntax(ps); /* ++ needs a variable */
        aw_node *e = primary(ps);
        if (!is_lvalue(e)) syntax(ps);
        return node(ps, t == T_INCR ? N_PREINC : N_PREDEC, e, NULL);
    }
    case '-':
    case '+':
    case '!': {
        int t = ps->l.tok;
        next(ps);
        ps->depth++;
        aw_node *e = unary(ps);
        ps->depth--;
        return node(ps, t == '-' ? N_NEG : t == '+' ? N_PLUS : N_NOT, e, NULL);
    }
    case T_NAME: {
        char *name = ps->l.str->s;
        next(ps);
        if (ps->l.tok == '[') {
            aw_node *e = var_node(ps, name);
            while (ps->l.tok == '[') e = node(ps, N_INDEX, e, subscripts(ps));
            return e;
        }
        return var_node(ps, name);
    }
    case T_FUNC_NAME: {
        const char *fname = ps->l.str->s;
        int fline = ps->l.tokline;
        n = node(ps, N_CALL, NULL, NULL);
        n->idx = func_index(ps, ps->l.str->s);
        next(ps);
        expect(ps, '(');
        int sg = ps->no_gt, si = ps->no_in;
        ps->no_gt = ps->no_in = 0;
        n->a = explist(ps, ')');
        expect(ps, ')');
        {
            /* a name the program also uses as a variable (the arguments included), or a
             * special variable's */
            aw_prog *pr = ps->prog;
            for (int g = 0; g < pr->nglobals; g++)
                if (!strcmp(pr->gnames[g], fname)) {
                    vl_flush(ps->c);
                    vl_eprintf(ps->c, "%s: %s:%d: error: attempt to use non-function `%s' in function call\n",
                               ps->c->name, ps->srcs[ps->l.src].name, fline, fname);
                    ps->errors++;
                    break;
                }
        }
        int k = 1;
        for (aw_node *a = n->a; a; a = a->next, k++)
            if (a->type == N_REGEX) {
                char msg[80];
                snprintf(msg, sizeof msg, "regexp constant for parameter #%d yields boolean value", k);
                warn(ps, "%s", msg);
            }
        ps->no_gt = sg;
        ps->no_in = si;
        return n;
    }
    case T_BUILTIN: {
        n = node(ps, N_BUILTIN, NULL, NULL);
        n->op = ps->l.bi;
        next(ps);
        size_t close_pos = ps->l.tokpos;
        int close_line = ps->l.tokline;
        if (ps->l.tok == '(') {
            next(ps);
            int sg = ps->no_gt, si = ps->no_in;
            ps->no_gt = ps->no_in = 0;
            n->a = explist(ps, ')');
            close_pos = ps->l.tokpos;
            close_line = ps->l.tokline;
            expect(ps, ')');
            ps->no_gt = sg;
            ps->no_in = si;
        } else if (n->op != B_LENGTH) {
            syntax(ps);
        }
        for (aw_node *a = n->a; a; a = a->next) n->idx++;
        if (n->idx < bi_args[n->op][0] || n->idx > bi_args[n->op][1]) {
            char msg[128];
            snprintf(msg, sizeof msg, "%d is invalid as number of arguments for %s", n->idx,
                     builtin_names[n->op]);
            syntax_at(ps, close_pos, close_line, 0, msg);
        }
        return n;
    }
    case T_GETLINE:
        next(ps);
        return getline_tail(ps, NULL);
    default:
        syntax(ps);
    }
}

static aw_node *simple_lvalue(parser *ps)
{
    if (ps->l.tok == '$') {
        next(ps);
        aw_node *e;
        if (ps->l.tok == T_INCR || ps->l.tok == T_DECR) {
            int t = ps->l.tok;
            next(ps);
            e = node(ps, t == T_INCR ? N_PREINC : N_PREDEC, primary(ps), NULL);
        } else {
            e = primary(ps);
        }
        return node(ps, N_FIELD, e, NULL);
    }
    char *name = ps->l.str->s;
    next(ps);
    aw_node *e = var_node(ps, name);
    while (ps->l.tok == '[') e = node(ps, N_INDEX, e, subscripts(ps));
    return e;
}

static aw_node *postfix(parser *ps)
{
    aw_node *e = primary(ps);
    if (is_lvalue(e) && (ps->l.tok == T_INCR || ps->l.tok == T_DECR)) {
        int t = ps->l.tok;
        next(ps);
        return node(ps, t == T_INCR ? N_POSTINC : N_POSTDEC, e, NULL);
    }
    return e;
}

static aw_node *power(parser *ps)
{
    aw_node *e = postfix(ps);
    if (ps->l.tok == '^') {
        next(ps);
        /* right associative; the exponent may carry a sign: 2^-1 */
        aw_node *r;
        if (ps->l.tok == '-' || ps->l.tok == '+' || ps->l.tok == '!') {
            int t = ps->l.tok;
            next(ps);
            r = node(ps, t == '-' ? N_NEG : t == '+' ? N_PLUS : N_NOT, power(ps), NULL);
        } else {
            r = power(ps);
        }
        e = node(ps, N_BINOP, e, r);
        e->op = '^';
    }
    return e;
}

static aw_node *unary(parser *ps)
{
    if (ps->l.tok == '-' || ps->l.tok == '+' || ps->l.tok == '!') {
        int t = ps->l.tok;
        next(ps);
        aw_node *e = unary(ps);
        return node(ps, t == '-' ? N_NEG : t == '+' ? N_PLUS : N_NOT, e, NULL);
    }
    return power(ps);
}

static aw_node *mul(parser *ps)
{
    aw_node *e = unary(ps);
    while (ps->l.tok == '*' || ps->l.tok == '/' || ps->l.tok == '%') {
        int op = ps->l.tok;
        next(ps);
        e = node(ps, N_BINOP, e, unary(ps));
        e->op = op;
        /* gawk folds constants, and reports a constant division by zero while parsing */
        if (op != '*' && e->b->type == N_NUM && e->b->num == 0) {
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: division by zero attempted%s\n", ps->c->name,
                       ps->srcs[ps->l.src].name, e->line, op == '%' ? " in `%'" : "");
            ps->errors++;
        }
    }
    return e;
}

static aw_node *additive(parser *ps)
{
    aw_node *e = mul(ps);
    while (ps->l.tok == '+' || ps->l.tok == '-') {
        int op = ps->l.tok;
        next(ps);
        e = node(ps, N_BINOP, e, mul(ps));
        e->op = op;
    }
    return e;
}

static bool starts_concat(parser *ps)
{
    switch (ps->l.tok) {
    case T_NUMBER: case T_STRING: case T_NAME: case T_FUNC_NAME: case T_BUILTIN: case '$':
    case '(': case T_INCR: case T_DECR: case '!': case T_GETLINE:
        return true;
    case '-': case '+':
        return false;
    case T_IN:
        return false;
    default:
        return false;
    }
}

static aw_node *concat(parser *ps)
{
    aw_node *e = additive(ps);
    while (starts_concat(ps)) {
        /* gawk's grammar takes `a !b` and `a getline` as concatenations too */
        ps->depth++;
        e = node(ps, N_CONCAT, e, additive(ps));
        ps->depth--;
    }
    return e;
}

static int assign_op(int tok)
{
    switch (tok) {
    case '=': return '=';
    case T_ADD_ASSIGN: return '+';
    case T_SUB_ASSIGN: return '-';
    case T_MUL_ASSIGN: return '*';
    case T_DIV_ASSIGN: return '/';
    case T_MOD_ASSIGN: return '%';
    case T_POW_ASSIGN: return '^';
    }
    return 0;
}

/* gawk's grammar lets the right operand of a comparison or a match be an assignment:
 * `$3 < $2 = $1 + $2` compares with the assigned value */
static aw_node *rhs_assign(parser *ps, aw_node *e)
{
    int op = assign_op(ps->l.tok);
    if (!op || !is_lvalue(e)) return e;
    next(ps);
    aw_node *r = expr(ps);
    aw_node *n = node(ps, op == '=' ? N_ASSIGN : N_OPASSIGN, e, r);
    n->op = op;
    return n;
}

/* is the token after '|' getline? */
static bool pipe_getline(parser *ps)
{
    if (ps->l.tok != '|') return false;
    lexstate save = ps->l;
    next(ps);
    bool r = ps->l.tok == T_GETLINE;
    ps->l = save;
    return r;
}

static aw_node *comparison(parser *ps)
{
    aw_node *e = concat(ps);
    for (;;) {
        if (pipe_getline(ps)) {
            next(ps);
            next(ps);
            e = getline_tail(ps, e);
            continue;
        }
        int t = ps->l.tok;
        int op;
        switch (t) {
        case '<': op = '<'; break;
        case T_LE: op = 'l'; break;
        case T_EQ: op = '='; break;
        case T_NE: op = '!'; break;
        case T_GE: op = 'g'; break;
        case '>':
            if (ps->no_gt) return e;
            op = '>';
            break;
        default:
            return e;
        }
        if (e->type == N_CMP) syntax(ps); /* comparisons do not chain (gawk's grammar) */
        next(ps);
        e = node(ps, N_CMP, e, rhs_assign(ps, concat(ps)));
        e->op = op;
    }
}

static aw_node *matching(parser *ps)
{
    aw_node *e = comparison(ps);
    while (ps->l.tok == '~' || ps->l.tok == T_NOMATCH) {
        int neg = ps->l.tok == T_NOMATCH;
        next(ps);
        e = node(ps, N_MATCH, e, rhs_assign(ps, comparison(ps)));
        e->op = neg;
    }
    return e;
}

static aw_node *in_expr(parser *ps)
{
    aw_node *e = matching(ps);
    while (ps->l.tok == T_IN && !ps->no_in) {
        next(ps);
        e->next = NULL;
        e = node(ps, N_IN, e, array_name(ps));
    }
    return e;
}

static aw_node *and_expr(parser *ps)
{
    aw_node *e = in_expr(ps);
    while (ps->l.tok == T_AND) {
        next(ps);
        opt_newlines(ps);
        e = node(ps, N_AND, e, in_expr(ps));
    }
    return e;
}

static aw_node *or_expr(parser *ps)
{
    aw_node *e = and_expr(ps);
    while (ps->l.tok == T_OR) {
        next(ps);
        opt_newlines(ps);
        e = node(ps, N_OR, e, and_expr(ps));
    }
    return e;
}

static aw_node *ternary(parser *ps)
{
    aw_node *e = or_expr(ps);
    if (ps->l.tok == '?') {
        next(ps);
        opt_newlines(ps);
        aw_node *a = ternary(ps);
        opt_newlines(ps);
        expect(ps, ':');
        opt_newlines(ps);
        aw_node *b = ternary(ps);
        aw_node *n = node(ps, N_COND, e, a);
        n->c = b;
        return n;
    }
    return e;
}

static aw_node *expr(parser *ps)
{
    if (++ps->depth > 2000 || vk_stack_low())
        syntax_at(ps, ps->l.tokpos, ps->l.tokline, 0, "expression nested too deeply");
    aw_node *e = ternary(ps);
    int t = ps->l.tok;
    int op = 0;
    switch (t) {
    case '=': op = '='; break;
    case T_ADD_ASSIGN: op = '+'; break;
    case T_SUB_ASSIGN: op = '-'; break;
    case T_MUL_ASSIGN: op = '*'; break;
    case T_DIV_ASSIGN: op = '/'; break;
    case T_MOD_ASSIGN: op = '%'; break;
    case T_POW_ASSIGN: op = '^'; break;
    }
    aw_node *lv = e;
    while (lv && lv->type == N_GROUP) lv = lv->a;
    if (op && is_lvalue(lv)) {
        next(ps);
        aw_node *r = expr(ps);
        e = node(ps, op == '=' ? N_ASSIGN : N_OPASSIGN, lv, r);
        e->op = op;
    }
    ps->depth--;
    return e;
}

/* ---- statements ---- */

static bool at_terminator(parser *ps)
{
    int t = ps->l.tok;
    return t == ';' || t == T_NEWLINE || t == '}' || t == T_EOF;
}

static void end_simple(parser *ps)
{
    if (ps->l.tok == ';' || ps->l.tok == T_NEWLINE) {
        next(ps);
        return;
    }
    if (ps->l.tok == '}' || ps->l.tok == T_EOF) return;
    syntax(ps);
}

static aw_node *block(parser *ps)
{
    /* at '{' */
    next(ps);
    aw_node *head = NULL, **tail = &head;
    for (;;) {
        while (ps->l.tok == T_NEWLINE || ps->l.tok == ';') next(ps);
        if (ps->l.tok == '}') break;
        if (ps->l.tok == T_EOF) syntax(ps);
        aw_node *s = stmt(ps);
        if (s) {
            *tail = s;
            tail = &s->next;
        }
    }
    next(ps);
    aw_node *b = node(ps, S_BLOCK, head, NULL);
    return b;
}

static aw_node *print_stmt(parser *ps, int type)
{
    next(ps);
    aw_node *n = node(ps, type, NULL, NULL);
    if (ps->l.tok == '(') {
        /* print (a, b) > "f": the parenthesized list, when nothing but a redirection or the
         * end follows; else the '(' opens an ordinary expression */
        lexstate save = ps->l;
        next(ps);
        int sg = ps->no_gt, si = ps->no_in;
        ps->no_gt = ps->no_in = 0;
        aw_node *l = explist(ps, ')');
        ps->no_gt = sg;
        ps->no_in = si;
        if (ps->l.tok == ')') {
            next(ps);
            int t = ps->l.tok;
            if (at_terminator(ps) || t == '>' || t == T_APPEND || (t == '|' && !pipe_getline(ps)) ||
                t == T_PIPEAMP) {
                n->a = l;
                goto redir;
            }
        }
        ps->l = save;
    }
    if (!at_terminator(ps) && ps->l.tok != '>' && ps->l.tok != T_APPEND && ps->l.tok != '|') {
        int sg = ps->no_gt;
        ps->no_gt = 1;
        n->a = explist(ps, -1);
        ps->no_gt = sg;
    }
redir:
    if (ps->l.tok == '>' || ps->l.tok == T_APPEND || ps->l.tok == '|' || ps->l.tok == T_PIPEAMP) {
        int t = ps->l.tok;
        n->op = t == '>' ? R_FILE : t == T_APPEND ? R_APPEND : R_PIPE;
        next(ps);
        int sg = ps->no_gt;
        ps->no_gt = 1;
        n->b = concat(ps);
        ps->no_gt = sg;
    }
    end_simple(ps);
    return n;
}

static aw_node *simple_stmt(parser *ps)
{
    aw_node *n;
    switch (ps->l.tok) {
    case T_PRINT: return print_stmt(ps, S_PRINT);
    case T_PRINTF: return print_stmt(ps, S_PRINTF);
    case T_NEXT:
    case T_NEXTFILE: {
        bool nf = ps->l.tok == T_NEXTFILE;
        /* gawk refuses them where there is no record to skip */
        int k = ps->fn ? 0 : ps->rule_kind;
        if (k == P_BEGIN || k == P_END || k == P_ENDFILE || (k == P_BEGINFILE && !nf)) {
            static const char *const kinds[] = {"", "BEGIN", "END", "BEGINFILE", "ENDFILE"};
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: `%s' used in %s action\n", ps->c->name,
                       ps->srcs[ps->l.src].name, ps->l.tokline, nf ? "nextfile" : "next", kinds[k]);
            ps->errors++;
        }
        n = node(ps, nf ? S_NEXTFILE : S_NEXT, NULL, NULL);
        next(ps);
        end_simple(ps);
        return n;
    }
    case T_BREAK:
    case T_CONTINUE: {
        bool brk = ps->l.tok == T_BREAK;
        bool bad = !ps->loops && !(brk && ps->switches);
        const char *msg = brk ? "`break' is not allowed outside a loop or switch"
                              : "`continue' is not allowed outside a loop";
        int line = ps->l.tokline;
        if (bad) {
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: %s\n", ps->c->name, ps->srcs[ps->l.src].name, line, msg);
            ps->errors++;
        }
        n = node(ps, brk ? S_BREAK : S_CONTINUE, NULL, NULL);
        next(ps);
        end_simple(ps);
        if (bad) {
            /* gawk says it a second time once the statement is complete */
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: %s\n", ps->c->name, ps->srcs[ps->l.src].name, line, msg);
        }
        return n;
    }
    case T_EXIT:
    case T_RETURN: {
        int t = ps->l.tok;
        if (t == T_RETURN && !ps->fn)
            syntax_at(ps, ps->l.tokpos, ps->l.tokline, 0, "`return' used outside function context");
        n = node(ps, t == T_EXIT ? S_EXIT : S_RETURN, NULL, NULL);
        next(ps);
        if (!at_terminator(ps)) n->a = expr(ps);
        end_simple(ps);
        return n;
    }
    case T_DELETE: {
        next(ps);
        int paren = 0;
        if (ps->l.tok == '(') { paren = 1; next(ps); }
        aw_node *arr = array_name(ps);
        if (arr->type == N_INDEX) {
            /* delete a[i] (or a[i][j]): the last subscripts name the element */
            n = node(ps, S_DELETE, arr->a, arr->b);
        } else {
            n = node(ps, S_DELALL, arr, NULL);
        }
        if (paren) expect(ps, ')');
        end_simple(ps);
        return n;
    }
    default:
        n = node(ps, S_EXPR, expr(ps), NULL);
        end_simple(ps);
        return n;
    }
}

/* for's first and third parts: an expression statement without its terminator */
static aw_node *for_part(parser *ps, int end)
{
    if (ps->l.tok == end) return NULL;
    return node(ps, S_EXPR, expr(ps), NULL);
}

static aw_node *stmt(parser *ps)
{
    if (++ps->depth > 1000 || vk_stack_low())
        syntax_at(ps, ps->l.tokpos, ps->l.tokline, 0, "statements nested too deeply");
    aw_node *n;
    switch (ps->l.tok) {
    case '{':
        n = block(ps);
        break;
    case ';':
        next(ps);
        n = node(ps, S_BLOCK, NULL, NULL);
        break;
    case T_IF: {
        next(ps);
        expect(ps, '(');
        aw_node *cond = expr(ps);
        expect(ps, ')');
        opt_newlines(ps);
        aw_node *then = stmt(ps);
        n = node(ps, S_IF, cond, then);
        lexstate save = ps->l;
        while (ps->l.tok == T_NEWLINE || ps->l.tok == ';') next(ps);
        if (ps->l.tok == T_ELSE) {
            next(ps);
            opt_newlines(ps);
            n->c = stmt(ps);
        } else {
            ps->l = save;
        }
        break;
    }
    case T_WHILE: {
        next(ps);
        expect(ps, '(');
        aw_node *cond = expr(ps);
        expect(ps, ')');
        if (ps->l.tok == ';') {
            next(ps);
            n = node(ps, S_WHILE, cond, node(ps, S_BLOCK, NULL, NULL));
            break;
        }
        opt_newlines(ps);
        ps->loops++;
        n = node(ps, S_WHILE, cond, stmt(ps));
        ps->loops--;
        break;
    }
    case T_DO: {
        next(ps);
        opt_newlines(ps);
        ps->loops++;
        aw_node *body = stmt(ps);
        ps->loops--;
        while (ps->l.tok == T_NEWLINE || ps->l.tok == ';') next(ps);
        expect(ps, T_WHILE);
        expect(ps, '(');
        aw_node *cond = expr(ps);
        expect(ps, ')');
        end_simple(ps);
        n = node(ps, S_DO, cond, body);
        break;
    }
    case T_SWITCH: {
        /* gawk's switch: case constants (numbers, strings, regexes) and default, with
         * fall-through; break leaves the switch */
        next(ps);
        expect(ps, '(');
        aw_node *sel = expr(ps);
        expect(ps, ')');
        opt_newlines(ps);
        expect(ps, '{');
        n = node(ps, S_SWITCH, sel, NULL);
        aw_node **tail = &n->b;
        bool seen_default = false;
        ps->switches++;
        for (;;) {
            while (ps->l.tok == T_NEWLINE || ps->l.tok == ';') next(ps);
            if (ps->l.tok == '}') break;
            aw_node *cs = node(ps, S_CASE, NULL, NULL);
            if (ps->l.tok == T_DEFAULT) {
                if (seen_default) {
                    vl_flush(ps->c);
                    vl_eprintf(ps->c, "%s: %s:%d: error: duplicate `default' detected in switch body\n",
                               ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline);
                    ps->errors++;
                }
                seen_default = true;
                next(ps);
            } else if (ps->l.tok == T_CASE) {
                next(ps);
                bool neg = false;
                if (ps->l.tok == '-' || ps->l.tok == '+') {
                    neg = ps->l.tok == '-';
                    next(ps);
                    if (ps->l.tok != T_NUMBER) syntax(ps);
                }
                if (ps->l.tok == T_NUMBER) {
                    cs->a = node(ps, N_NUM, NULL, NULL);
                    cs->a->num = neg ? -ps->l.num : ps->l.num;
                    next(ps);
                } else if (ps->l.tok == T_STRING) {
                    cs->a = node(ps, N_STR, NULL, NULL);
                    cs->a->str = ps->l.str;
                    next(ps);
                } else if (ps->l.tok == '/' || ps->l.tok == T_DIV_ASSIGN) {
                    lex_regex(ps);
                    cs->a = regex_node(ps);
                    next(ps);
                } else {
                    syntax(ps);
                }
            } else {
                syntax(ps);
            }
            expect(ps, ':');
            aw_node *head = NULL, **st = &head;
            for (;;) {
                while (ps->l.tok == T_NEWLINE || ps->l.tok == ';') next(ps);
                if (ps->l.tok == T_CASE || ps->l.tok == T_DEFAULT || ps->l.tok == '}') break;
                if (ps->l.tok == T_EOF) syntax(ps);
                aw_node *x = stmt(ps);
                *st = x;
                st = &x->next;
            }
            cs->b = head;
            *tail = cs;
            tail = &cs->next;
        }
        ps->switches--;
        next(ps);
        break;
    }
    case T_FOR: {
        next(ps);
        expect(ps, '(');
        /* for (k in a) */
        if (ps->l.tok == T_NAME) {
            lexstate save = ps->l;
            char *k = ps->l.str->s;
            next(ps);
            if (ps->l.tok == T_IN) {
                next(ps);
                if (ps->l.tok == T_NAME) {
                    aw_node *arr = array_name(ps);
                    if (ps->l.tok == ')') {
                        next(ps);
                        opt_newlines(ps);
                        n = node(ps, S_FORIN, var_node(ps, k), arr);
                        ps->loops++;
                        n->c = stmt(ps);
                        ps->loops--;
                        break;
                    }
                }
            }
            ps->l = save;
        }
        aw_node *init = for_part(ps, ';');
        expect(ps, ';');
        opt_newlines(ps);
        aw_node *cond = ps->l.tok == ';' ? NULL : expr(ps);
        expect(ps, ';');
        opt_newlines(ps);
        aw_node *incr = for_part(ps, ')');
        expect(ps, ')');
        if (ps->l.tok == ';') {
            next(ps);
            n = node(ps, S_FOR, init, cond);
            n->c = incr;
            n->d = node(ps, S_BLOCK, NULL, NULL);
            break;
        }
        opt_newlines(ps);
        n = node(ps, S_FOR, init, cond);
        n->c = incr;
        ps->loops++;
        n->d = stmt(ps);
        ps->loops--;
        break;
    }
    default:
        n = simple_stmt(ps);
        break;
    }
    ps->depth--;
    return n;
}

/* ---- program ---- */

static void add_rule(parser *ps, int kind, aw_node *pat, aw_node *pat2, aw_node *action)
{
    aw_rule *r = vl_xcalloc(ps->c, 1, sizeof *r);
    r->kind = kind;
    r->pat = pat;
    r->pat2 = pat2;
    r->action = action;
    aw_prog *p = ps->prog;
    if (p->rules_last) p->rules_last->next = r;
    else p->rules = r;
    p->rules_last = r;
    if (kind == P_MAIN) p->has_main = true;
    if (kind == P_END) p->has_end = true;
    if (kind == P_BEGINFILE) p->has_beginfile = true;
    if (kind == P_ENDFILE) p->has_endfile = true;
}

static void function_def(parser *ps)
{
    next(ps);
    if (ps->l.tok != T_NAME && ps->l.tok != T_FUNC_NAME) syntax(ps);
    int fi = func_index(ps, ps->l.str->s);
    aw_func *f = ps->prog->funcs[fi];
    bool redefined = f->defined;
    int defline = ps->l.tokline;
    if (redefined) {
        /* a second definition is parsed into a scratch function (its syntax errors first) */
        f = vl_xcalloc(ps->c, 1, sizeof *f);
        f->name = ps->prog->funcs[fi]->name;
    }
    {
        /* a name already used as a variable cannot become a function */
        aw_prog *pr = ps->prog;
        for (int g = V__NSPECIAL; g < pr->nglobals; g++)
            if (!strcmp(pr->gnames[g], f->name)) {
                vl_flush(ps->c);
                vl_eprintf(ps->c, "%s: %s:%d: error: function name `%s' previously defined\n",
                           ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline, f->name);
                /* gawk stops reading the program there */
                vl_exit(ps->c, 1);
            }
    }
    f->defined = true;
    f->line = ps->l.tokline;
    next(ps);
    expect(ps, '(');
    int cap = 0;
    while (ps->l.tok != ')') {
        opt_newlines(ps);
        if (ps->l.tok != T_NAME) syntax(ps);
        if (f->nparams == cap) {
            cap = cap ? cap * 2 : 8;
            f->params = vl_xrealloc(ps->c, f->params, (size_t)cap * sizeof *f->params);
        }
        f->params[f->nparams++] = ps->l.str->s;
        for (int g = 0; g < V__NSPECIAL; g++)
            if (!strcmp(ps->prog->gnames[g], ps->l.str->s)) {
                vl_flush(ps->c);
                vl_eprintf(ps->c, "%s: %s:%d: error: function `%s': cannot use special variable `%s' as a function parameter\n",
                           ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline, f->name, ps->l.str->s);
                ps->errors++;
            }
        if (!strcmp(ps->l.str->s, f->name)) {
            vl_flush(ps->c);
            vl_eprintf(ps->c, "%s: %s:%d: error: function `%s': cannot use function name as parameter name\n",
                       ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline, f->name);
            ps->errors++;
        }
        for (int k = 0; k + 1 < f->nparams; k++)
            if (!strcmp(f->params[k], ps->l.str->s)) {
                vl_flush(ps->c);
                vl_eprintf(ps->c, "%s: %s:%d: error: function `%s': parameter #%d, `%s', duplicates parameter #%d\n",
                           ps->c->name, ps->srcs[ps->l.src].name, ps->l.tokline, f->name, f->nparams,
                           ps->l.str->s, k + 1);
                ps->errors++;
            }
        next(ps);
        opt_newlines(ps);
        if (ps->l.tok == ',') {
            next(ps);
            opt_newlines(ps);
            if (ps->l.tok != T_NAME) syntax(ps);
        } else if (ps->l.tok != ')') {
            syntax(ps);
        }
    }
    next(ps);
    if (redefined) {
        vl_flush(ps->c);
        vl_eprintf(ps->c, "%s: %s:%d: error: function name `%s' previously defined\n", ps->c->name,
                   ps->srcs[ps->l.src].name, defline, f->name);
        vl_exit(ps->c, 1);
    }
    opt_newlines(ps);
    if (ps->l.tok != '{') syntax(ps);
    ps->fn = f;
    int loops = ps->loops, switches = ps->switches;
    ps->loops = ps->switches = 0;
    f->body = block(ps);
    ps->loops = loops;
    ps->switches = switches;
    ps->fn = NULL;
}

void aw_parse(vl_ctx *c, aw_prog *prog, aw_src *srcs, int nsrc)
{
    parser ps = {.c = c, .prog = prog, .srcs = srcs, .nsrc = nsrc};
    ps.l.line = 1;
    /* the special variables take the first slots */
#define AW_VREG(e, s) aw_global(c, prog, s);
    AW_SPECIALS(AW_VREG)
#undef AW_VREG
    next(&ps);
    /* a ';' may end a rule, once; gawk refuses one at the start or a second one */
    int semi_ok = 0;
    for (;;) {
        while (ps.l.tok == T_NEWLINE || ps.l.tok == ';') {
            if (ps.l.tok == ';' && !semi_ok) {
                vl_flush(c);
                vl_eprintf(c, "%s: %s:%d: each rule must have a pattern or an action part\n", c->name,
                           srcs[ps.l.src].name, ps.l.tokline);
                ps.errors++;
            }
            semi_ok = ps.l.tok == T_NEWLINE;
            next(&ps);
        }
        semi_ok = 1;
        if (ps.l.tok == T_EOF) break;
        int t = ps.l.tok;
        if (t == T_FUNCTION) {
            function_def(&ps);
            continue;
        }
        if (t == T_BEGIN || t == T_END || t == T_BEGINFILE || t == T_ENDFILE) {
            next(&ps);
            if (ps.l.tok != '{' && ps.l.tok != T_NEWLINE && ps.l.tok != T_EOF && ps.l.tok != ';' &&
                ps.l.tok != '}')
                syntax(&ps);
            if (ps.l.tok != '{') {
                static const char *const kinds[] = {"BEGIN", "END", "BEGINFILE", "ENDFILE"};
                vl_flush(c);
                /* a real newline counts as the next line, the one ending the program not */
                vl_eprintf(c, "%s: %s:%d: %s blocks must have an action part\n", c->name,
                           srcs[ps.l.src].name, ps.l.tokline + (ps.l.tok == T_NEWLINE && !ps.l.vnl),
                           kinds[t == T_BEGIN ? 0 : t == T_END ? 1 : t == T_BEGINFILE ? 2 : 3]);
                /* gawk goes on reading the program */
                ps.errors++;
                continue;
            }
            int kind = t == T_BEGIN ? P_BEGIN : t == T_END ? P_END : t == T_BEGINFILE ? P_BEGINFILE : P_ENDFILE;
            ps.rule_kind = kind;
            add_rule(&ps, kind, NULL, NULL, block(&ps));
            ps.rule_kind = P_MAIN;
            continue;
        }
        ps.rule_kind = P_MAIN;
        if (t == '{') {
            add_rule(&ps, P_MAIN, NULL, NULL, block(&ps));
            continue;
        }
        aw_node *pat = expr(&ps), *pat2 = NULL;
        if (ps.l.tok == ',') {
            next(&ps);
            opt_newlines(&ps);
            pat2 = expr(&ps);
        }
        if (ps.l.tok == '{') {
            add_rule(&ps, P_MAIN, pat, pat2, block(&ps));
        } else {
            if (ps.l.tok != T_NEWLINE && ps.l.tok != ';' && ps.l.tok != T_EOF) syntax(&ps);
            add_rule(&ps, P_MAIN, pat, pat2, NULL);
        }
    }
    /* a function's name used as a variable after its definition: `f (1)` with a space */
    for (int i = 0; i < prog->nfuncs; i++) {
        aw_func *f = prog->funcs[i];
        if (!f->defined || f->clash) continue;
        for (int g = V__NSPECIAL; g < prog->nglobals; g++)
            if (!strcmp(prog->gnames[g], f->name)) {
                vl_flush(c);
                vl_eprintf(c, "%s: %s:%d: error: function `%s' called with space between name and `(',\n"
                              "or used as a variable or an array\n",
                           c->name, srcs[ps.l.src].name, prog->gline[g], f->name);
                ps.errors++;
            }
    }
    if (ps.errors) vl_exit(c, 1);
}
