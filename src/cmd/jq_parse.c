/* jq_parse.c: the jq language's lexer and recursive-descent parser (jq 1.7's grammar and
 * operator precedence), then a resolution pass that binds every call and variable to its
 * definition and reports jq's compile errors ("f/1 is not defined", "$x is not defined").
 * Not here: modules (import/include are refused with a compile error). */
#include "cmd/jq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    T_EOF = 256, T_IDENT, T_FIELD, T_VAR, T_NUM, T_QUOTE, T_FORMAT, T_DOTDOT, T_EQ, T_NE,
    T_LE, T_GE, T_ALT, T_ALTSET, T_SETPIPE, T_SETPLUS, T_SETMINUS, T_SETMUL, T_SETDIV,
    T_SETMOD, T_ALTDESTR, T_BAD,
};

typedef struct tok {
    int t;
    const char *s; /* identifier / field / var / format name (in the source) */
    size_t n;
    double num;
    size_t pos, end;
} tok;

typedef struct parser {
    jq_state *J;
    const char *src;
    size_t len, pos;
    tok tk;
    bool have;
    const char *err; /* first error */
    char errbuf[256];
    jmp_buf jb;
    int depth;
    jq_node *pending; /* a term already parsed (by the "Term as" attempt) */
    size_t lastpos;   /* start of the last token taken */
    size_t prevpos;   /* and of the one before */
    size_t errpos;    /* where the error is reported (jq pads that many spaces) */
    bool errpos_set;
} parser;

const char *jq_intern(jq_state *J, const char *s, size_t n);

/* ---- names: interned so lookups compare pointers ---- */
typedef struct intern_ent {
    struct intern_ent *next;
    char s[];
} intern_ent;

const char *jq_intern(jq_state *J, const char *s, size_t n)
{
    for (intern_ent *e = J->interned; e; e = e->next)
        if (strlen(e->s) == n && memcmp(e->s, s, n) == 0) return e->s;
    intern_ent *e = jq_alloc(J, sizeof *e + n + 1);
    memcpy(e->s, s, n);
    e->s[n] = 0;
    e->next = J->interned;
    J->interned = e;
    return e->s;
}

_Noreturn static void perr(parser *P, const char *msg)
{
    if (!P->err) {
        if (!P->errpos_set) P->errpos = P->lastpos;
        P->errpos_set = true;
        snprintf(P->errbuf, sizeof P->errbuf, "%s", msg);
        P->err = P->errbuf;
    }
    longjmp(P->jb, 1);
}

static bool idstart(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool idchar(int c) { return idstart(c) || (c >= '0' && c <= '9'); }

static void skip_ws(parser *P)
{
    for (;;) {
        while (P->pos < P->len && strchr(" \t\r\n", P->src[P->pos]) && P->src[P->pos]) P->pos++;
        if (P->pos < P->len && P->src[P->pos] == '#') {
            while (P->pos < P->len && P->src[P->pos] != '\n') P->pos++;
            continue;
        }
        break;
    }
}

static tok lex(parser *P)
{
    skip_ws(P);
    tok t = {0};
    t.pos = P->pos;
    if (P->pos >= P->len) {
        t.t = T_EOF;
        t.end = P->pos;
        return t;
    }
    const char *s = P->src + P->pos;
    size_t rem = P->len - P->pos;
    char c = s[0];
#define TK(type, l) do { t.t = (type); P->pos += (l); t.end = P->pos; return t; } while (0)
    if (c == '"') TK(T_QUOTE, 1);
    if (c == '.' && rem > 1 && s[1] == '.') TK(T_DOTDOT, 2);
    if (c == '.' && rem > 1 && idstart((unsigned char)s[1])) {
        size_t i = 1;
        while (i < rem && idchar((unsigned char)s[i])) i++;
        t.s = s + 1;
        t.n = i - 1;
        TK(T_FIELD, i);
    }
    if ((c >= '0' && c <= '9') || (c == '.' && rem > 1 && s[1] >= '0' && s[1] <= '9')) {
        size_t i = 0;
        while (i < rem && s[i] >= '0' && s[i] <= '9') i++;
        if (i < rem && s[i] == '.') {
            i++;
            while (i < rem && s[i] >= '0' && s[i] <= '9') i++;
        }
        if (i < rem && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < rem && (s[j] == '+' || s[j] == '-')) j++;
            if (j < rem && s[j] >= '0' && s[j] <= '9') {
                while (j < rem && s[j] >= '0' && s[j] <= '9') j++;
                i = j;
            }
        }
        char buf[128];
        size_t n = i < sizeof buf - 1 ? i : sizeof buf - 1;
        memcpy(buf, s, n);
        buf[n] = 0;
        t.num = strtod(buf, NULL);
        t.s = s;
        t.n = i;
        TK(T_NUM, i);
    }
    if (idstart((unsigned char)c)) {
        size_t i = 0;
        for (;;) {
            while (i < rem && idchar((unsigned char)s[i])) i++;
            if (i + 2 < rem && s[i] == ':' && s[i + 1] == ':' && idstart((unsigned char)s[i + 2])) {
                i += 2;
                continue;
            }
            break;
        }
        t.s = s;
        t.n = i;
        TK(T_IDENT, i);
    }
    if (c == '$' && rem > 1 && idstart((unsigned char)s[1])) {
        size_t i = 1;
        for (;;) {
            while (i < rem && idchar((unsigned char)s[i])) i++;
            if (i + 2 < rem && s[i] == ':' && s[i + 1] == ':' && idstart((unsigned char)s[i + 2])) {
                i += 2;
                continue;
            }
            break;
        }
        t.s = s + 1;
        t.n = i - 1;
        TK(T_VAR, i);
    }
    if (c == '@' && rem > 1 && idstart((unsigned char)s[1])) {
        size_t i = 1;
        while (i < rem && idchar((unsigned char)s[i])) i++;
        t.s = s + 1;
        t.n = i - 1;
        TK(T_FORMAT, i);
    }
    if (rem >= 3 && !memcmp(s, "?//", 3)) TK(T_ALTDESTR, 3);
    if (rem >= 3 && !memcmp(s, "//=", 3)) TK(T_ALTSET, 3);
    if (rem >= 2) {
        if (!memcmp(s, "//", 2)) TK(T_ALT, 2);
        if (!memcmp(s, "==", 2)) TK(T_EQ, 2);
        if (!memcmp(s, "!=", 2)) TK(T_NE, 2);
        if (!memcmp(s, "<=", 2)) TK(T_LE, 2);
        if (!memcmp(s, ">=", 2)) TK(T_GE, 2);
        if (!memcmp(s, "|=", 2)) TK(T_SETPIPE, 2);
        if (!memcmp(s, "+=", 2)) TK(T_SETPLUS, 2);
        if (!memcmp(s, "-=", 2)) TK(T_SETMINUS, 2);
        if (!memcmp(s, "*=", 2)) TK(T_SETMUL, 2);
        if (!memcmp(s, "/=", 2)) TK(T_SETDIV, 2);
        if (!memcmp(s, "%=", 2)) TK(T_SETMOD, 2);
    }
    if (strchr(".[]{}()|,:;=<>+-*/%?", c)) TK((unsigned char)c, 1);
    TK(T_BAD, 1);
#undef TK
}

static tok *peek(parser *P)
{
    if (!P->have) {
        P->tk = lex(P);
        P->have = true;
    }
    return &P->tk;
}

static tok next(parser *P)
{
    tok t = *peek(P);
    P->have = false;
    P->prevpos = P->lastpos;
    P->lastpos = t.pos;
    return t;
}

static bool is_kw(const tok *t, const char *kw)
{
    return t->t == T_IDENT && t->n == strlen(kw) && memcmp(t->s, kw, t->n) == 0;
}

_Noreturn static void unexpected(parser *P)
{
    tok *t = peek(P);
    char what[128], m[256];
    if (t->t == T_EOF) snprintf(what, sizeof what, "end of file");
    else if (t->t == T_BAD) snprintf(what, sizeof what, "INVALID_CHARACTER");
    else if (t->t == T_IDENT) snprintf(what, sizeof what, "IDENT");
    else if (t->t < 256) snprintf(what, sizeof what, "'%c'", t->t);
    else snprintf(what, sizeof what, "%.*s", (int)(t->end - t->pos), P->src + t->pos); /* cut */
    snprintf(m, sizeof m, "syntax error, unexpected %s (Unix shell quoting issues?)", what);
    perr(P, m);
}

static void expect(parser *P, int type)
{
    if (peek(P)->t != type) unexpected(P);
    next(P);
}

static void expect_kw(parser *P, const char *kw)
{
    if (!is_kw(peek(P), kw)) unexpected(P);
    next(P);
}

static jq_node *mk(parser *P, jq_ntype t)
{
    jq_node *n = jq_alloc(P->J, sizeof *n);
    memset(n, 0, sizeof *n);
    n->t = t;
    n->v = jv_invalid();
    n->pos = (int)P->lastpos;
    return n;
}

static jq_node *mk2(parser *P, jq_ntype t, jq_node *a, jq_node *b)
{
    jq_node *n = mk(P, t);
    n->a = a;
    n->b = b;
    return n;
}

static const char *const keywords[] = {"def", "if", "then", "elif", "else", "end", "as",
                                       "reduce", "foreach", "try", "catch", "label", "import",
                                       "include", "and", "or", "__loc__", NULL};

static bool is_keyword(const tok *t)
{
    for (int i = 0; keywords[i]; i++)
        if (is_kw(t, keywords[i])) return true;
    return false;
}

static int line_of(parser *P, size_t pos)
{
    int l = 1;
    for (size_t i = 0; i < pos && i < P->len; i++)
        if (P->src[i] == '\n') l++;
    return l;
}

static jq_node *parse_pipe(parser *P);
static jq_node *parse_postfix(parser *P);
static jq_node *parse_alt(parser *P);

/* A string literal after its opening quote; fmt: the @format applied to interpolations. */
static jq_node *parse_string(parser *P, jv fmt)
{
    jq_state *J = P->J;
    vl_buf b = {0};
    jq_node **parts = NULL;
    size_t np = 0, cap = 0;
    bool interp = false;
    extern void jq_put_utf8(jq_state * J, vl_buf * b, unsigned cp);
    for (;;) {
        if (P->pos >= P->len) perr(P, "syntax error, unexpected end of file (Unix shell quoting issues?)");
        char c = P->src[P->pos++];
        if (c == '"') break;
        if (c != '\\') {
            vl_buf_addc(J->c, &b, c);
            continue;
        }
        if (P->pos >= P->len) perr(P, "syntax error, unexpected end of file (Unix shell quoting issues?)");
        c = P->src[P->pos++];
        switch (c) {
        case '"': case '\\': case '/': vl_buf_addc(J->c, &b, c); break;
        case 'b': vl_buf_addc(J->c, &b, '\b'); break;
        case 'f': vl_buf_addc(J->c, &b, '\f'); break;
        case 'n': vl_buf_addc(J->c, &b, '\n'); break;
        case 'r': vl_buf_addc(J->c, &b, '\r'); break;
        case 't': vl_buf_addc(J->c, &b, '\t'); break;
        case 'u': {
            unsigned cp = 0;
            for (int k = 0; k < 4; k++) {
                char h = P->pos < P->len ? P->src[P->pos++] : 0;
                int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                      : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (v < 0) perr(P, "Invalid escape");
                cp = cp * 16 + (unsigned)v;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && P->pos + 6 <= P->len && P->src[P->pos] == '\\' &&
                P->src[P->pos + 1] == 'u') {
                unsigned lo = (unsigned)strtoul((char[]){P->src[P->pos + 2], P->src[P->pos + 3],
                                                         P->src[P->pos + 4], P->src[P->pos + 5], 0},
                                                NULL, 16);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    P->pos += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            jq_put_utf8(J, &b, cp);
            break;
        }
        case '(': {
            interp = true;
            if (np + 2 >= cap) {
                cap = cap ? cap * 2 : 8;
                parts = jq_realloc(J, parts, cap * sizeof *parts);
            }
            jq_node *lit = mk(P, N_LIT);
            lit->v = jv_str_new(J, b.data, b.len);
            b.len = 0;
            parts[np++] = lit;
            P->have = false;
            jq_node *e = parse_pipe(P);
            if (peek(P)->t != ')') unexpected(P);
            /* the lexer stopped right after ')': the string goes on from there */
            P->have = false;
            parts[np++] = e;
            break;
        }
        default: perr(P, "Invalid escape");
        }
    }
    jq_node *lit = mk(P, N_LIT);
    lit->v = jv_str_new(J, b.data, b.len);
    vl_buf_free(J->c, &b);
    if (!interp && fmt.k == JV_INVALID) return lit;
    if (np + 1 >= cap) {
        cap = cap + 2;
        parts = jq_realloc(J, parts, cap * sizeof *parts);
    }
    parts[np++] = lit;
    jq_node *n = mk(P, N_STR);
    n->args = parts;
    n->n = np;
    n->v = fmt.k == JV_INVALID ? jv_str_c(J, "text") : fmt;
    return n;
}

static jq_pat *parse_pattern(parser *P)
{
    jq_state *J = P->J;
    jq_pat *pt = jq_alloc(J, sizeof *pt);
    memset(pt, 0, sizeof *pt);
    tok *t = peek(P);
    if (t->t == T_VAR) {
        tok v = next(P);
        pt->kind = 0;
        pt->name = jq_intern(J, v.s, v.n);
        return pt;
    }
    size_t cap = 0;
    if (t->t == '[') {
        next(P);
        pt->kind = 1;
        if (peek(P)->t == ']') unexpected(P);
        for (;;) {
            if (pt->n == cap) {
                cap = cap ? cap * 2 : 4;
                pt->elems = jq_realloc(J, pt->elems, cap * sizeof *pt->elems);
            }
            pt->elems[pt->n++] = parse_pattern(P);
            if (peek(P)->t == ',') {
                next(P);
                continue;
            }
            expect(P, ']');
            return pt;
        }
    }
    if (t->t == '{') {
        next(P);
        pt->kind = 2;
        for (;;) {
            if (pt->n == cap) {
                cap = cap ? cap * 2 : 4;
                pt->elems = jq_realloc(J, pt->elems, cap * sizeof *pt->elems);
                pt->keys = jq_realloc(J, pt->keys, cap * sizeof *pt->keys);
                pt->keyvars = jq_realloc(J, pt->keyvars, cap * sizeof *pt->keyvars);
            }
            size_t i = pt->n++;
            pt->elems[i] = NULL;
            pt->keyvars[i] = NULL;
            tok k = next(P);
            if (k.t == T_VAR) {
                pt->keyvars[i] = jq_intern(J, k.s, k.n);
                jq_node *kn = mk(P, N_LIT);
                kn->v = jv_str_new(J, k.s, k.n);
                pt->keys[i] = kn;
                if (peek(P)->t == ':') {
                    next(P);
                    pt->elems[i] = parse_pattern(P);
                }
            } else {
                if (k.t == T_IDENT) {
                    jq_node *kn = mk(P, N_LIT);
                    kn->v = jv_str_new(J, k.s, k.n);
                    pt->keys[i] = kn;
                } else if (k.t == T_QUOTE) {
                    pt->keys[i] = parse_string(P, jv_invalid());
                } else if (k.t == '(') {
                    pt->keys[i] = parse_pipe(P);
                    expect(P, ')');
                } else {
                    P->tk = k;
                    P->have = true;
                    unexpected(P);
                }
                expect(P, ':');
                pt->elems[i] = parse_pattern(P);
            }
            if (peek(P)->t == ',') {
                next(P);
                continue;
            }
            expect(P, '}');
            return pt;
        }
    }
    unexpected(P);
}

static jq_node *parse_funcdef(parser *P)
{
    jq_state *J = P->J;
    expect_kw(P, "def");
    tok name = next(P);
    if (name.t != T_IDENT || is_keyword(&name)) {
        P->tk = name;
        P->have = true;
        unexpected(P);
    }
    jq_node *d = mk(P, N_FUNCDEF);
    d->name = jq_intern(J, name.s, name.n);
    d->line = line_of(P, name.pos);
    size_t cap = 0;
    if (peek(P)->t == '(') {
        next(P);
        for (;;) {
            tok p = next(P);
            if (p.t != T_IDENT && p.t != T_VAR) {
                P->tk = p;
                P->have = true;
                P->lastpos = P->prevpos;
                unexpected(P);
            }
            if (d->n == cap) {
                cap = cap ? cap * 2 : 4;
                d->params = jq_realloc(J, d->params, cap * sizeof *d->params);
            }
            if (p.t == T_VAR) {
                char buf[256];
                size_t n = p.n < 250 ? p.n : 250;
                buf[0] = '$';
                memcpy(buf + 1, p.s, n);
                d->params[d->n++] = jq_intern(J, buf, n + 1);
            } else {
                d->params[d->n++] = jq_intern(J, p.s, p.n);
            }
            if (peek(P)->t == ';') {
                next(P);
                continue;
            }
            expect(P, ')');
            break;
        }
    }
    expect(P, ':');
    d->a = parse_pipe(P);
    expect(P, ';');
    return d;
}

static jq_node *parse_objval(parser *P)
{
    jq_node *v;
    if (peek(P)->t == '-') {
        next(P);
        v = mk2(P, N_NEG, parse_objval(P), NULL);
        return v;
    }
    v = parse_postfix(P);
    while (peek(P)->t == '|') {
        next(P);
        jq_node *r = parse_postfix(P);
        v = mk2(P, N_PIPE, v, r);
    }
    return v;
}

static jq_node *parse_object(parser *P)
{
    jq_state *J = P->J;
    jq_node *o = mk(P, N_OBJECT);
    size_t cap = 0;
    if (peek(P)->t == '}') {
        next(P);
        return o;
    }
    for (;;) {
        if (2 * o->n + 2 > cap) {
            cap = cap ? cap * 2 : 8;
            o->args = jq_realloc(J, o->args, cap * sizeof *o->args);
        }
        tok k = next(P);
        jq_node *key = NULL, *val = NULL;
        if (k.t == T_VAR) {
            if (k.n == 7 && !memcmp(k.s, "__loc__", 7)) {
                key = mk(P, N_LIT);
                key->v = jv_str_c(J, "__loc__");
                val = mk(P, N_VAR);
                val->name = jq_intern(J, k.s, k.n);
                val->line = line_of(P, k.pos);
            } else {
                key = mk(P, N_LIT);
                key->v = jv_str_new(J, k.s, k.n);
                val = mk(P, N_VAR);
                val->name = jq_intern(J, k.s, k.n);
            }
        } else if (k.t == T_IDENT) {
            key = mk(P, N_LIT);
            key->v = jv_str_new(J, k.s, k.n);
        } else if (k.t == T_NUM) {
            key = mk(P, N_LIT);
            key->v = jv_num(k.num);
        } else if (k.t == T_QUOTE) {
            key = parse_string(P, jv_invalid());
        } else if (k.t == T_FORMAT && peek(P)->t == T_QUOTE) {
            next(P);
            key = parse_string(P, jv_str_new(J, k.s, k.n));
        } else if (k.t == '(') {
            key = parse_pipe(P);
            expect(P, ')');
        } else {
            P->tk = k;
            P->have = true;
            P->lastpos = P->prevpos;
            unexpected(P);
        }
        if (!val) {
            if (peek(P)->t == ':') {
                next(P);
                val = parse_objval(P);
            } else {
                if (k.t == '(' || k.t == T_NUM) unexpected(P);
                /* {a} and {"a"} mean {a: .a} */
                val = mk(P, N_FIELD);
                val->a = mk(P, N_IDENT);
                val->b = key;
            }
        }
        o->args[2 * o->n] = key;
        o->args[2 * o->n + 1] = val;
        o->n++;
        if (peek(P)->t == ',') {
            next(P);
            if (peek(P)->t == '}') unexpected(P);
            continue;
        }
        expect(P, '}');
        return o;
    }
}

/* After a term: .foo ."foo" [e] [] [e:e] ? .[...] */
static jq_node *parse_suffixes(parser *P, jq_node *t)
{
    jq_state *J = P->J;
    for (;;) {
        tok *k = peek(P);
        if (k->t == T_FIELD) {
            tok f = next(P);
            jq_node *n = mk(P, N_FIELD);
            n->a = t;
            n->b = mk(P, N_LIT);
            n->b->v = jv_str_new(J, f.s, f.n);
            t = n;
        } else if (k->t == '.') {
            /* ."foo" or .[ after a term */
            size_t q = k->end;
            if (q < P->len && P->src[q] == '"') {
                next(P);
                next(P);
                jq_node *n = mk(P, N_FIELD);
                n->a = t;
                n->b = parse_string(P, jv_invalid());
                t = n;
            } else if (q < P->len && P->src[q] == '[') {
                next(P);
            } else {
                return t;
            }
        } else if (k->t == '[') {
            next(P);
            if (peek(P)->t == ']') {
                next(P);
                t = mk2(P, N_ITER, t, NULL);
                continue;
            }
            if (peek(P)->t == ':') {
                next(P);
                jq_node *hi = parse_pipe(P);
                expect(P, ']');
                jq_node *n = mk(P, N_SLICE);
                n->a = t;
                n->c = hi;
                t = n;
                continue;
            }
            jq_node *idx = parse_pipe(P);
            if (peek(P)->t == ':') {
                next(P);
                jq_node *hi = NULL;
                if (peek(P)->t != ']') hi = parse_pipe(P);
                expect(P, ']');
                jq_node *n = mk(P, N_SLICE);
                n->a = t;
                n->b = idx;
                n->c = hi;
                t = n;
                continue;
            }
            expect(P, ']');
            jq_node *n = mk(P, N_INDEX);
            n->a = t;
            n->b = idx;
            t = n;
        } else if (k->t == '?') {
            next(P);
            t = mk2(P, N_TRY, t, NULL);
        } else {
            return t;
        }
    }
}

static jq_node *parse_primary(parser *P)
{
    jq_state *J = P->J;
    if (++P->depth > 2000 || vk_stack_low()) perr(P, "program too deeply nested");
    tok t = next(P);
    jq_node *n;
    switch (t.t) {
    case '.': {
        tok *k = peek(P);
        if (k->t == T_QUOTE) {
            next(P);
            n = mk(P, N_FIELD);
            n->a = mk(P, N_IDENT);
            n->b = parse_string(P, jv_invalid());
            break;
        }
        n = mk(P, N_IDENT);
        break;
    }
    case T_FIELD:
        n = mk(P, N_FIELD);
        n->a = mk(P, N_IDENT);
        n->b = mk(P, N_LIT);
        n->b->v = jv_str_new(J, t.s, t.n);
        break;
    case T_DOTDOT: n = mk(P, N_RECURSE); break;
    case T_NUM: {
        n = mk(P, N_LIT);
        /* a big integer literal keeps its digits, as in JSON input */
        bool intlit = t.n > 17 && t.s[0] != '0';
        for (size_t i = 0; intlit && i < t.n; i++)
            if (t.s[i] < '0' || t.s[i] > '9') intlit = false;
        n->v = intlit && isfinite(t.num) ? jv_num_lit(J, t.num, t.s, t.n) : jv_num(t.num);
        break;
    }
    case T_QUOTE: n = parse_string(P, jv_invalid()); break;
    case T_FORMAT:
        if (peek(P)->t == T_QUOTE) {
            next(P);
            n = parse_string(P, jv_str_new(J, t.s, t.n));
        } else {
            n = mk(P, N_FORMAT);
            n->v = jv_str_new(J, t.s, t.n);
        }
        break;
    case '(':
        n = parse_pipe(P);
        expect(P, ')');
        break;
    case '[':
        n = mk(P, N_ARRAY);
        if (peek(P)->t != ']') n->a = parse_pipe(P);
        expect(P, ']');
        break;
    case '{': n = parse_object(P); break;
    case T_VAR:
        n = mk(P, N_VAR);
        n->name = jq_intern(J, t.s, t.n);
        n->line = line_of(P, t.pos);
        n->pos = (int)t.pos;
        break;
    case '-':
        n = parse_postfix(P);
        if (n->t == N_LIT && n->v.k == JV_NUMBER && !n->v.lit) n->v.u.n = -n->v.u.n;
        else n = mk2(P, N_NEG, n, NULL);
        P->depth--;
        return n;
    case T_IDENT:
        if (is_kw(&t, "reduce") || is_kw(&t, "foreach")) {
            bool fe = is_kw(&t, "foreach");
            n = mk(P, fe ? N_FOREACH : N_REDUCE);
            n->a = parse_postfix(P);
            expect_kw(P, "as");
            n->pats = jq_alloc(J, sizeof *n->pats);
            n->pats[0] = parse_pattern(P);
            n->n = 1;
            expect(P, '(');
            n->b = parse_pipe(P);
            expect(P, ';');
            n->c = parse_pipe(P);
            if (fe && peek(P)->t == ';') {
                next(P);
                n->d = parse_pipe(P);
            }
            expect(P, ')');
            break;
        }
        if (is_kw(&t, "if")) {
            n = mk(P, N_IF);
            n->a = parse_pipe(P);
            expect_kw(P, "then");
            n->b = parse_pipe(P);
            jq_node *last = n;
            for (;;) {
                if (is_kw(peek(P), "elif")) {
                    next(P);
                    jq_node *e = mk(P, N_IF);
                    e->a = parse_pipe(P);
                    expect_kw(P, "then");
                    e->b = parse_pipe(P);
                    last->c = e;
                    last = e;
                    continue;
                }
                if (is_kw(peek(P), "else")) {
                    next(P);
                    last->c = parse_pipe(P);
                }
                expect_kw(P, "end");
                break;
            }
            break;
        }
        if (is_kw(&t, "try")) {
            n = mk(P, N_TRY);
            n->a = parse_postfix(P);
            if (is_kw(peek(P), "catch")) {
                next(P);
                n->b = parse_postfix(P);
            }
            P->depth--;
            return n;
        }
        if (is_kw(&t, "label")) {
            tok v = next(P);
            if (v.t != T_VAR) {
                P->tk = v;
                P->have = true;
                P->lastpos = P->prevpos;
                unexpected(P);
            }
            expect(P, '|');
            n = mk(P, N_LABEL);
            n->name = jq_intern(J, v.s, v.n);
            n->a = parse_pipe(P);
            P->depth--;
            return n;
        }
        if (is_kw(&t, "def")) {
            P->tk = t;
            P->have = true;
            jq_node *d = parse_funcdef(P);
            d->b = parse_pipe(P);
            P->depth--;
            return d;
        }
        if (t.n == 5 && !memcmp(t.s, "break", 5) && peek(P)->t == T_VAR) {
            tok v = next(P);
            n = mk(P, N_BREAK);
            n->name = jq_intern(J, v.s, v.n);
            break;
        }
        if ((t.n == 4 && !memcmp(t.s, "null", 4)) || (t.n == 4 && !memcmp(t.s, "true", 4)) ||
            (t.n == 5 && !memcmp(t.s, "false", 5))) {
            n = mk(P, N_LIT);
            n->v = t.s[0] == 'n' ? jv_null() : jv_bool(t.s[0] == 't');
            break;
        }
        if (is_kw(&t, "import") || is_kw(&t, "include"))
            perr(P, "jq modules (import/include) are not supported");
        if (is_keyword(&t)) {
            P->tk = t;
            P->have = true;
            unexpected(P);
        }
        n = mk(P, N_CALL);
        n->name = jq_intern(J, t.s, t.n);
        n->line = line_of(P, t.pos);
        n->pos = (int)t.pos;
        if (peek(P)->t == '(') {
            next(P);
            size_t cap = 0;
            for (;;) {
                if (n->n == cap) {
                    cap = cap ? cap * 2 : 4;
                    n->args = jq_realloc(J, n->args, cap * sizeof *n->args);
                }
                n->args[n->n++] = parse_pipe(P);
                if (peek(P)->t == ';') {
                    next(P);
                    continue;
                }
                expect(P, ')');
                break;
            }
        }
        break;
    default:
        P->tk = t;
        P->have = true;
        P->lastpos = P->prevpos;
        unexpected(P);
    }
    P->depth--;
    return parse_suffixes(P, n);
}

static jq_node *parse_postfix(parser *P)
{
    if (P->pending) {
        jq_node *t = P->pending;
        P->pending = NULL;
        return t;
    }
    return parse_primary(P);
}

static jq_node *parse_unary(parser *P) { return parse_postfix(P); }

static jq_node *binop(parser *P, int op, jq_node *a, jq_node *b)
{
    /* jq folds constant arithmetic and refuses a literal division by zero */
    if ((op == '/' || op == '%') && a->t == N_LIT && b->t == N_LIT && a->v.k == JV_NUMBER &&
        b->v.k == JV_NUMBER && jv_n(b->v) == 0) {
        P->errpos = (size_t)a->pos;
        P->errpos_set = true;
        perr(P, op == '/' ? "Division by zero?" : "Remainder by zero?");
    }
    jq_node *n = mk2(P, N_BINOP, a, b);
    n->op = op;
    return n;
}

static jq_node *parse_mul(parser *P)
{
    jq_node *l = parse_unary(P);
    for (;;) {
        int t = peek(P)->t;
        if (t != '*' && t != '/' && t != '%') return l;
        next(P);
        l = binop(P, t, l, parse_unary(P));
    }
}

static jq_node *parse_add(parser *P)
{
    jq_node *l = parse_mul(P);
    for (;;) {
        int t = peek(P)->t;
        if (t != '+' && t != '-') return l;
        next(P);
        l = binop(P, t, l, parse_mul(P));
    }
}

static jq_node *parse_cmp(parser *P)
{
    jq_node *l = parse_add(P);
    int t = peek(P)->t;
    if (t == T_EQ || t == T_NE || t == '<' || t == '>' || t == T_LE || t == T_GE) {
        next(P);
        l = binop(P, t, l, parse_add(P));
        t = peek(P)->t;
        if (t == T_EQ || t == T_NE || t == '<' || t == '>' || t == T_LE || t == T_GE) unexpected(P);
    }
    return l;
}

static jq_node *parse_and(parser *P)
{
    jq_node *l = parse_cmp(P);
    while (is_kw(peek(P), "and")) {
        next(P);
        l = mk2(P, N_AND, l, parse_cmp(P));
    }
    return l;
}

static jq_node *parse_or(parser *P)
{
    jq_node *l = parse_and(P);
    while (is_kw(peek(P), "or")) {
        next(P);
        l = mk2(P, N_OR, l, parse_and(P));
    }
    return l;
}

static jq_node *parse_assign(parser *P)
{
    jq_node *l = parse_or(P);
    int t = peek(P)->t;
    int op = 0;
    switch (t) {
    case '=': op = '='; break;
    case T_SETPIPE: op = '|'; break;
    case T_SETPLUS: op = '+'; break;
    case T_SETMINUS: op = '-'; break;
    case T_SETMUL: op = '*'; break;
    case T_SETDIV: op = '/'; break;
    case T_SETMOD: op = '%'; break;
    case T_ALTSET: op = 'a'; break;
    default: return l;
    }
    next(P);
    jq_node *r = parse_alt(P);
    jq_node *n = mk2(P, N_ASSIGN, l, r);
    n->op = op;
    return n;
}

static jq_node *parse_alt(parser *P)
{
    jq_node *l = parse_assign(P);
    if (peek(P)->t == T_ALT) {
        next(P);
        return mk2(P, N_ALT, l, parse_alt(P));
    }
    return l;
}

static jq_node *parse_comma(parser *P)
{
    jq_node *l = parse_alt(P);
    while (peek(P)->t == ',') {
        next(P);
        l = mk2(P, N_COMMA, l, parse_alt(P));
    }
    return l;
}

static jq_node *parse_pipe(parser *P)
{
    jq_state *J = P->J;
    if (++P->depth > 2000 || vk_stack_low()) perr(P, "program too deeply nested");
    tok *t = peek(P);
    jq_node *r;
    if (is_kw(t, "def")) {
        jq_node *d = parse_funcdef(P);
        d->b = parse_pipe(P);
        P->depth--;
        return d;
    }
    /* Term as Patterns | Pipe: a term first; when no "as" follows, it starts the expression.
     * An error in the term is the expression's error too (parse_comma would reach the same
     * parse_postfix at the same place): it is not retried, which took time exponential in the
     * nesting ("(([[[[...") */
    if (t->t != '-' && !is_kw(t, "reduce") && !is_kw(t, "foreach") && !is_kw(t, "if") &&
        !is_kw(t, "try") && !is_kw(t, "label") && !is_kw(t, "def")) {
        jq_node *term = parse_postfix(P);
        if (is_kw(peek(P), "as")) {
            next(P);
            jq_node *n = mk(P, N_AS);
            n->a = term;
            size_t cap = 0;
            for (;;) {
                if (n->n == cap) {
                    cap = cap ? cap * 2 : 2;
                    n->pats = jq_realloc(J, n->pats, cap * sizeof *n->pats);
                }
                n->pats[n->n++] = parse_pattern(P);
                if (peek(P)->t == T_ALTDESTR) {
                    next(P);
                    continue;
                }
                break;
            }
            expect(P, '|');
            n->b = parse_pipe(P);
            P->depth--;
            return n;
        }
        P->pending = term; /* not a binding: the term starts the expression */
    }
    r = parse_comma(P);
    if (peek(P)->t == '|') {
        next(P);
        r = mk2(P, N_PIPE, r, parse_pipe(P));
    }
    P->depth--;
    return r;
}

/* ---- resolution ---- */
typedef struct scope {
    int kind; /* 0 function (name/arity), 1 variable, 2 label */
    const char *name;
    size_t arity;
    struct scope *up;
} scope;

typedef struct resolver {
    jq_state *J;
    const char *err;
    char errbuf[256];
    int line;
    bool (*global_fn)(jq_state *J, const char *name, size_t arity, jq_node *call);
    bool (*global_var)(jq_state *J, const char *name);
} resolver;

bool jq_resolve_global_fn(jq_state *J, const char *name, size_t arity, jq_node *call);
bool jq_resolve_global_var(jq_state *J, const char *name);

static void rerr(resolver *R, int pos, const char *fmt, const char *name, size_t arity)
{
    if (R->err) return;
    snprintf(R->errbuf, sizeof R->errbuf, fmt, name, arity);
    R->err = R->errbuf;
    R->line = pos;
}

static void resolve(resolver *R, jq_node *n, scope *sc);

static void resolve_pat(resolver *R, jq_pat *pt, scope *sc, scope *out, size_t *nout, size_t cap)
{
    (void)cap;
    if (pt->kind == 0) {
        out[*nout].kind = 1;
        out[*nout].name = pt->name;
        (*nout)++;
        return;
    }
    for (size_t i = 0; i < pt->n; i++) {
        if (pt->kind == 2) {
            resolve(R, pt->keys[i], sc);
            if (pt->keyvars[i]) {
                out[*nout].kind = 1;
                out[*nout].name = pt->keyvars[i];
                (*nout)++;
            }
        }
        if (pt->elems[i]) resolve_pat(R, pt->elems[i], sc, out, nout, cap);
    }
}

static size_t pat_count(jq_pat *pt)
{
    if (pt->kind == 0) return 1;
    size_t k = 0;
    for (size_t i = 0; i < pt->n; i++) {
        if (pt->kind == 2 && pt->keyvars[i]) k++;
        if (pt->elems[i]) k += pat_count(pt->elems[i]);
    }
    return k;
}

/* Bind a pattern's variables in a chain on top of sc (stored in buf). */
static scope *bind_pats(resolver *R, jq_pat **pats, size_t np, scope *sc, scope **buf)
{
    size_t total = 0;
    for (size_t i = 0; i < np; i++) total += pat_count(pats[i]);
    scope *b = jq_alloc(R->J, (total + 1) * sizeof *b);
    size_t k = 0;
    for (size_t i = 0; i < np; i++) resolve_pat(R, pats[i], sc, b, &k, total);
    scope *top = sc;
    for (size_t i = 0; i < k; i++) {
        b[i].up = top;
        top = &b[i];
    }
    *buf = b;
    return top;
}

static void resolve(resolver *R, jq_node *n, scope *sc)
{
    if (!n || R->err) return;
    if (vk_stack_low()) {
        rerr(R, 0, "%s program too deeply nested", "", 0);
        return;
    }
    switch (n->t) {
    case N_FUNCDEF: {
        scope self = {0, n->name, n->n, sc};
        /* the body sees the function itself and its parameters */
        scope *ps = jq_alloc(R->J, (2 * n->n + 1) * sizeof *ps);
        scope *top = &self;
        size_t k = 0;
        for (size_t i = 0; i < n->n; i++) {
            const char *p = n->params[i];
            if (p[0] == '$') {
                ps[k] = (scope){1, jq_intern(R->J, p + 1, strlen(p + 1)), 0, top};
                top = &ps[k++];
                ps[k] = (scope){0, jq_intern(R->J, p + 1, strlen(p + 1)), 0, top};
                top = &ps[k++];
            } else {
                ps[k] = (scope){0, p, 0, top};
                top = &ps[k++];
            }
        }
        resolve(R, n->a, top);
        jq_free(R->J, ps);
        resolve(R, n->b, &self);
        return;
    }
    case N_CALL: {
        for (size_t i = 0; i < n->n; i++) resolve(R, n->args[i], sc);
        for (scope *s = sc; s; s = s->up)
            if (s->kind == 0 && s->name == n->name && s->arity == n->n) return;
        if (R->global_fn(R->J, n->name, n->n, n)) return;
        rerr(R, n->pos, "%s/%zu is not defined", n->name, n->n);
        return;
    }
    case N_VAR: {
        for (scope *s = sc; s; s = s->up)
            if (s->kind == 1 && s->name == n->name) return;
        if (R->global_var(R->J, n->name)) return;
        rerr(R, n->pos, "$%s is not defined", n->name, 0);
        return;
    }
    case N_AS: {
        resolve(R, n->a, sc);
        scope *buf;
        scope *top = bind_pats(R, n->pats, n->n, sc, &buf);
        resolve(R, n->b, top);
        jq_free(R->J, buf);
        return;
    }
    case N_REDUCE:
    case N_FOREACH: {
        resolve(R, n->a, sc);
        resolve(R, n->b, sc);
        scope *buf;
        scope *top = bind_pats(R, n->pats, n->n, sc, &buf);
        resolve(R, n->c, top);
        resolve(R, n->d, top);
        jq_free(R->J, buf);
        return;
    }
    case N_LABEL: {
        scope l = {2, n->name, 0, sc};
        resolve(R, n->a, &l);
        return;
    }
    case N_BREAK:
        for (scope *s = sc; s; s = s->up)
            if (s->kind == 2 && s->name == n->name) return;
        rerr(R, 0, "$*label-%s is not defined", n->name, 0);
        return;
    case N_OBJECT:
    case N_STR:
        for (size_t i = 0; i < (n->t == N_OBJECT ? 2 * n->n : n->n); i++) resolve(R, n->args[i], sc);
        return;
    default:
        resolve(R, n->a, sc);
        resolve(R, n->b, sc);
        resolve(R, n->c, sc);
        resolve(R, n->d, sc);
        return;
    }
}

/* Parse and resolve src. On failure returns NULL and sets *err (static text in P). */
jq_node *jq_parse_program(jq_state *J, const char *src, size_t len, bool is_prelude,
                          const char **err, int *errline);
jq_node *jq_parse_program(jq_state *J, const char *src, size_t len, bool is_prelude,
                          const char **err, int *errline)
{
    static _Thread_local char msgbuf[300];
    parser *P = jq_alloc(J, sizeof *P);
    memset(P, 0, sizeof *P);
    P->J = J;
    P->src = src;
    P->len = len;
    jq_node *prog = NULL;
    if (!setjmp(P->jb)) {
        prog = parse_pipe(P);
        if (peek(P)->t != T_EOF) unexpected(P);
    } else {
        snprintf(msgbuf, sizeof msgbuf, "%s", P->err);
        *err = msgbuf;
        *errline = (int)P->errpos;
        jq_free(J, P);
        return NULL;
    }
    jq_free(J, P);
    if (is_prelude) return prog;
    resolver *R = jq_alloc(J, sizeof *R);
    memset(R, 0, sizeof *R);
    R->J = J;
    R->global_fn = jq_resolve_global_fn;
    R->global_var = jq_resolve_global_var;
    resolve(R, prog, NULL);
    if (R->err) {
        snprintf(msgbuf, sizeof msgbuf, "%s", R->err);
        *err = msgbuf;
        *errline = R->line;
        jq_free(J, R);
        return NULL;
    }
    jq_free(J, R);
    return prog;
}

/* Resolve a prelude definition's body (its calls may reach any prelude function). */
void jq_resolve_prelude(jq_state *J, jq_node *def);
void jq_resolve_prelude(jq_state *J, jq_node *def)
{
    resolver R;
    memset(&R, 0, sizeof R);
    R.J = J;
    R.global_fn = jq_resolve_global_fn;
    R.global_var = jq_resolve_global_var;
    /* the def itself is global: resolve its parameters' scope and body only */
    jq_node *saved = def->b;
    def->b = NULL;
    resolve(&R, def, NULL);
    def->b = saved;
    if (R.err) jq_fatal(J, "internal error in builtin %s: %s", def->name, R.err);
}
