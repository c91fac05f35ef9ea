/* rg_syntax.c: Rust's regex syntax (the regex crate 1.5 that ripgrep 13 uses) read and
 * rewritten as a PCRE2 pattern (run with UTF and Unicode properties), with Rust's error
 * messages and caret lines; and gitignore globs rewritten as PCRE2 patterns. Line mode
 * (no -U) keeps every match inside one line as rg does: negated classes and \s \W \D \P
 * never match '\n', and a literal "\n" is an error. Not here: class set operations (&&, --,
 * ~~ are read as literal characters), (?-u) byte classes, negated nested classes. */
#include "cmd/rg.h"

#include <stdio.h>
#include <string.h>

typedef struct tr {
    vl_ctx *c;
    const unsigned char *s;
    size_t n, i;
    int flags;
    vl_buf *out, *lit, *err;
    rg_tr_info *info;
    bool failed;
    bool literal;
    bool class_nl, class_other; /* the class being read holds '\n' / something else */
    unsigned class_term;        /* the terminator it held */
    bool outer_neg;             /* the class being read is negated */
    int negset[8], nneg;        /* its negated ASCII classes (indexes in ascii_classes) */
    int group;                  /* number of the last capturing group opened */
    vl_buf *names;              /* "NAME=NUMBER\n" of the named groups */
} tr;

/* group flags Rust tracks itself (the others go to PCRE2 as written) */
enum { F_M = 1, F_S = 2, F_U = 4, F_X = 8 };

static size_t col_of(const unsigned char *s, size_t i)
{
    size_t col = 0;
    for (size_t k = 0; k < i; k++)
        if ((s[k] & 0xC0) != 0x80) col++;
    return col;
}

/* Rust's message: the pattern, carets under [a, b), the error. */
static int fail_span(tr *t, size_t a, size_t b, const char *msg, bool hint)
{
    if (t->failed) return -1;
    t->failed = true;
    vl_ctx *c = t->c;
    vl_buf_adds(c, t->err, "regex parse error:\n    ");
    vl_buf_add(c, t->err, t->s, t->n);
    vl_buf_adds(c, t->err, "\n    ");
    size_t ca = col_of(t->s, a), cb = col_of(t->s, b);
    if (cb <= ca) cb = ca + 1;
    for (size_t k = 0; k < ca; k++) vl_buf_addc(c, t->err, ' ');
    for (size_t k = ca; k < cb; k++) vl_buf_addc(c, t->err, '^');
    vl_buf_printf(c, t->err, "\nerror: %s\n", msg);
    if (hint)
        vl_buf_adds(c, t->err, "\nConsider enabling PCRE2 with the --pcre2 flag, which can handle "
                               "backreferences\nand look-around.\n");
    return -1;
}

/* rg's error for a line terminator written in the pattern without -U */
static int fail_term(tr *t, unsigned cp)
{
    if (t->failed) return -1;
    t->failed = true;
    vl_buf_printf(t->c, t->err,
                  "the literal '\"%s\"' is not allowed in a regex\n\nConsider enabling multiline "
                  "mode with the --multiline flag (or -U for short).\nWhen multiline mode is "
                  "enabled, new line characters can be matched.\n", cp == '\r' ? "\\r" : "\\n");
    return -1;
}

static bool line_mode(const tr *t) { return !(t->flags & RG_TR_MULTILINE); }

/* --crlf: '\r' is a line terminator too */
static bool crlf(const tr *t) { return t->flags & RG_TR_CRLF; }

/* is cp a line terminator that nothing may match (line mode)? */
static bool is_term(const tr *t, unsigned cp)
{
    return line_mode(t) && (cp == '\n' || (cp == '\r' && crlf(t)));
}

/* the terminators a class must leave out, as PCRE2 class text */
static const char *terms(const tr *t) { return crlf(t) ? "\\r\\n" : "\\n"; }

/* length of the UTF-8 sequence at s[i] (1 for a bad byte) and its code point */
static size_t utf8_at(const unsigned char *s, size_t n, size_t i, unsigned *cp)
{
    unsigned b = s[i];
    size_t k = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    if (i + k > n) k = 1;
    unsigned v = k == 1 ? b : k == 2 ? (b & 31) : k == 3 ? (b & 15) : (b & 7);
    for (size_t j = 1; j < k; j++) {
        if ((s[i + j] & 0xC0) != 0x80) {
            *cp = b;
            return 1;
        }
        v = (v << 6) | (s[i + j] & 63);
    }
    *cp = v;
    return k;
}

static void put_cp_utf8(vl_ctx *c, vl_buf *b, unsigned cp)
{
    if (cp < 0x80) vl_buf_addc(c, b, (int)cp);
    else if (cp < 0x800) {
        vl_buf_addc(c, b, (int)(0xC0 | (cp >> 6)));
        vl_buf_addc(c, b, (int)(0x80 | (cp & 63)));
    } else if (cp < 0x10000) {
        vl_buf_addc(c, b, (int)(0xE0 | (cp >> 12)));
        vl_buf_addc(c, b, (int)(0x80 | ((cp >> 6) & 63)));
        vl_buf_addc(c, b, (int)(0x80 | (cp & 63)));
    } else {
        vl_buf_addc(c, b, (int)(0xF0 | (cp >> 18)));
        vl_buf_addc(c, b, (int)(0x80 | ((cp >> 12) & 63)));
        vl_buf_addc(c, b, (int)(0x80 | ((cp >> 6) & 63)));
        vl_buf_addc(c, b, (int)(0x80 | (cp & 63)));
    }
}

/* a literal code point, as PCRE2 text */
static void emit_cp(tr *t, unsigned cp, bool in_class)
{
    vl_ctx *c = t->c;
    if (cp < 0x80 && (strchr(in_class ? "\\]^-[" : "\\^$.|?*+()[]{}", (int)cp) && cp)) {
        vl_buf_addc(c, t->out, '\\');
        vl_buf_addc(c, t->out, (int)cp);
    } else if (cp < 0x20 || cp == 0x7F) {
        vl_buf_printf(c, t->out, "\\x{%x}", cp);
    } else {
        put_cp_utf8(c, t->out, cp);
    }
}

static void note_literal(tr *t, unsigned cp)
{
    t->info->any_literal = true;
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
        (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x410 && cp <= 0x42F))
        t->info->any_upper = true;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* \x \u \U after the backslash at b: the code point, or -1 after an error */
static long parse_hex_escape(tr *t, size_t b)
{
    int kind = t->s[t->i++];
    size_t digits = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
    if (t->i >= t->n) {
        fail_span(t, t->n, t->n + 1, "incomplete escape sequence, reached end of pattern prematurely", false);
        return -1;
    }
    unsigned long v = 0;
    if (t->s[t->i] == '{') {
        size_t st = t->i++;
        size_t k = 0;
        while (t->i < t->n && t->s[t->i] != '}') {
            int h = hexval(t->s[t->i]);
            if (h < 0) {
                fail_span(t, t->i, t->i + 1, "hexadecimal literal is not a Unicode scalar value", false);
                return -1;
            }
            v = v * 16 + (unsigned)h;
            if (v > 0x10FFFF) v = 0x110000;
            t->i++, k++;
        }
        if (t->i >= t->n) {
            fail_span(t, st, t->n, "unclosed hexadecimal literal", false);
            return -1;
        }
        t->i++;
        if (k == 0) {
            fail_span(t, st, t->i, "hexadecimal literal empty", false);
            return -1;
        }
    } else {
        for (size_t k = 0; k < digits; k++) {
            if (t->i >= t->n) {
                fail_span(t, t->n, t->n + 1,
                          "incomplete escape sequence, reached end of pattern prematurely", false);
                return -1;
            }
            int h = hexval(t->s[t->i]);
            if (h < 0) {
                fail_span(t, t->i, t->i + 1, "invalid hexadecimal digit", false);
                return -1;
            }
            v = v * 16 + (unsigned)h;
            t->i++;
        }
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        fail_span(t, b, t->i, "hexadecimal literal is not a Unicode scalar value", false);
        return -1;
    }
    return (long)v;
}

/* An escape sequence at t->i (the backslash). Kinds it yields. */
enum { E_CP, E_CLASS, E_ASSERT, E_ERR };

typedef struct esc {
    int kind;
    unsigned cp;
    char text[64]; /* E_CLASS / E_ASSERT: PCRE2 text */
    bool neg;      /* a class that matches '\n' in line mode */
} esc;

static bool is_meta(int ch) { return ch && strchr("\\.+*?()|[]{}^$#&-~", ch) != NULL; }

static esc parse_escape(tr *t, bool in_class)
{
    esc e;
    memset(&e, 0, sizeof e);
    size_t b = t->i++;
    if (t->i >= t->n) {
        fail_span(t, b, t->n, "incomplete escape sequence, reached end of pattern prematurely", false);
        e.kind = E_ERR;
        return e;
    }
    int ch = t->s[t->i];
    if (is_meta(ch)) {
        t->i++;
        e.kind = E_CP;
        e.cp = (unsigned)ch;
        return e;
    }
    switch (ch) {
    case 'a': e.cp = 7; break;
    case 'f': e.cp = 12; break;
    case 't': e.cp = 9; break;
    case 'n': e.cp = 10; break;
    case 'r': e.cp = 13; break;
    case 'v': e.cp = 11; break;
    case 'x':
    case 'u':
    case 'U': {
        long v = parse_hex_escape(t, b);
        e.kind = v < 0 ? E_ERR : E_CP;
        e.cp = v < 0 ? 0 : (unsigned)v;
        return e;
    }
    case 'd': case 'w': case 's':
        t->i++;
        e.kind = E_CLASS;
        snprintf(e.text, sizeof e.text, "\\%c", ch);
        e.neg = ch == 's';
        return e;
    case 'D': case 'W': case 'S':
        t->i++;
        e.kind = E_CLASS;
        snprintf(e.text, sizeof e.text, "\\%c", ch);
        e.neg = ch != 'S';
        return e;
    case 'p':
    case 'P': {
        t->i++;
        size_t st = t->i;
        if (t->i >= t->n) {
            fail_span(t, t->n, t->n + 1, "incomplete escape sequence, reached end of pattern prematurely", false);
            e.kind = E_ERR;
            return e;
        }
        const char *name;
        size_t nl;
        if (t->s[t->i] == '{') {
            const unsigned char *z = memchr(t->s + t->i, '}', t->n - t->i);
            if (!z) {
                fail_span(t, b, t->n, "unclosed Unicode class literal", false);
                e.kind = E_ERR;
                return e;
            }
            name = (const char *)t->s + st + 1;
            nl = (size_t)(z - t->s) - st - 1;
            t->i = (size_t)(z - t->s) + 1;
        } else {
            name = (const char *)t->s + t->i;
            nl = 1;
            t->i++;
        }
        if (nl == 0 || nl > 40 || memchr(name, '\\', nl) || memchr(name, ']', nl)) {
            fail_span(t, b, t->i, "Unicode property not found", false);
            e.kind = E_ERR;
            return e;
        }
        e.kind = E_CLASS;
        snprintf(e.text, sizeof e.text, "\\%c{%.*s}", ch, (int)nl, name);
        e.neg = ch == 'P';
        e.cp = (unsigned)b; /* where the property starts, for its error */
        return e;
    }
    case 'b': case 'B': case 'A': case 'z':
        t->i++;
        if (in_class) {
            fail_span(t, b, t->i, "unrecognized escape sequence", false);
            e.kind = E_ERR;
            return e;
        }
        e.kind = E_ASSERT;
        snprintf(e.text, sizeof e.text, "\\%c", ch);
        return e;
    default:
        if (ch >= '0' && ch <= '9') {
            t->i++;
            fail_span(t, b, t->i, "backreferences are not supported", true);
        } else {
            unsigned cp;
            size_t k = utf8_at(t->s, t->n, t->i, &cp);
            t->i += k;
            fail_span(t, b, t->i, "unrecognized escape sequence", false);
        }
        e.kind = E_ERR;
        return e;
    }
    t->i++;
    e.kind = E_CP;
    return e;
}

static void skip_x(tr *t, int fl)
{
    if (!(fl & F_X)) return;
    while (t->i < t->n) {
        int ch = t->s[t->i];
        if (ch == ' ' || (ch >= '\t' && ch <= '\r')) t->i++;
        else if (ch == '#') {
            while (t->i < t->n && t->s[t->i] != '\n') t->i++;
        } else break;
    }
}

static const struct {
    const char *name, *set;
} ascii_classes[] = {
    {"alnum", "0-9A-Za-z"}, {"alpha", "A-Za-z"}, {"ascii", "\\x00-\\x7F"}, {"blank", "\\t "},
    {"cntrl", "\\x00-\\x1F\\x7F"}, {"digit", "0-9"}, {"graph", "!-~"}, {"lower", "a-z"},
    {"print", " -~"}, {"punct", "!-/:-@\\[-`{-~"}, {"space", "\\t\\n\\x0B\\f\\r "},
    {"upper", "A-Z"}, {"word", "0-9A-Za-z_"}, {"xdigit", "0-9A-Fa-f"},
};

/* the items of a bracketed class, up to and including its ']' (t->i after the '[' and '^');
 * *nl_risk: something in it may match '\n' */
static int class_items(tr *t, size_t open, size_t open_end, int fl, bool *nl_risk, int depth)
{
    vl_ctx *c = t->c;
    bool first = true;
    for (;;) {
        if (fl & F_X) skip_x(t, fl);
        if (t->i >= t->n) return fail_span(t, open, open_end, "unclosed character class", false);
        int ch = t->s[t->i];
        if (ch == ']' && !first) {
            t->i++;
            return 0;
        }
        first = false;
        if (ch == '[') {
            /* an ASCII class [:name:] or a nested class */
            if (t->i + 1 < t->n && t->s[t->i + 1] == ':') {
                const unsigned char *z = NULL;
                for (size_t k = t->i + 2; k + 1 < t->n; k++)
                    if (t->s[k] == ':' && t->s[k + 1] == ']') {
                        z = t->s + k;
                        break;
                    }
                if (z) {
                    const char *nm = (const char *)t->s + t->i + 2;
                    size_t nl = (size_t)((const char *)z - nm);
                    bool neg = nl > 0 && nm[0] == '^';
                    if (neg) nm++, nl--;
                    for (size_t k = 0; k < sizeof ascii_classes / sizeof *ascii_classes; k++)
                        if (strlen(ascii_classes[k].name) == nl && memcmp(ascii_classes[k].name, nm, nl) == 0) {
                            if (neg && t->nneg < 8) {
                                /* [[:^alpha:]] is ASCII's complement (PCRE2's is Unicode's): an
                                 * alternative of its own, [^A-Za-z] */
                                t->negset[t->nneg++] = (int)k;
                                t->class_other = true;
                            } else if (neg) {
                                vl_buf_printf(c, t->out, "[:^%s:]", ascii_classes[k].name);
                                *nl_risk = true;
                                t->class_other = true;
                            } else {
                                vl_buf_adds(c, t->out, ascii_classes[k].set);
                                t->class_other = true;
                                if (k == 2 || k == 4 || k == 10) *nl_risk = true;
                            }
                            t->i = (size_t)(z - t->s) + 2;
                            goto next;
                        }
                }
            }
            /* nested class: its items join this one (a negated one is not supported) */
            size_t o = t->i++;
            if (t->i < t->n && t->s[t->i] == '^')
                return fail_span(t, o, t->i + 1, "negated nested classes are not supported", false);
            if (depth >= 249)
                return fail_span(t, o, t->i, "exceed the maximum number of nested parentheses/brackets (250)", false);
            size_t oe = t->i + (t->i < t->n && t->s[t->i] == ']');
            if (class_items(t, o, oe, fl, nl_risk, depth + 1) < 0) return -1;
            continue;
        }
        unsigned lo;
        size_t a = t->i;
        if (ch == '\\') {
            esc e = parse_escape(t, true);
            if (e.kind == E_ERR) return -1;
            if (e.kind == E_CLASS) {
                vl_buf_adds(c, t->out, e.text);
                if (e.neg) *nl_risk = true;
                t->class_other = true;
                continue;
            }
            lo = e.cp;
        } else {
            t->i += utf8_at(t->s, t->n, t->i, &lo);
        }
        note_literal(t, lo);
        if (t->i + 1 < t->n && t->s[t->i] == '-' && t->s[t->i + 1] != ']') {
            t->i++;
            unsigned hi;
            if (t->s[t->i] == '\\') {
                esc e = parse_escape(t, true);
                if (e.kind == E_ERR) return -1;
                if (e.kind != E_CP)
                    return fail_span(t, a, t->i, "invalid character class range, the start must be <= the end", false);
                hi = e.cp;
            } else {
                t->i += utf8_at(t->s, t->n, t->i, &hi);
            }
            if (hi < lo)
                return fail_span(t, a, t->i, "invalid character class range, the start must be <= the end", false);
            note_literal(t, hi);
            t->class_other = true;
            if ((lo <= '\n' && hi >= '\n') || (crlf(t) && lo <= '\r' && hi >= '\r')) *nl_risk = true;
            emit_cp(t, lo, true);
            vl_buf_addc(c, t->out, '-');
            emit_cp(t, hi, true);
        } else {
            if (is_term(t, lo)) { /* rg drops it from the class */
                t->class_nl = true;
                t->class_term = lo;
                goto next;
            }
            t->class_other = true;
            emit_cp(t, lo, true);
        }
    next:;
    }
}

static int parse_class(tr *t, int fl)
{
    vl_ctx *c = t->c;
    size_t open = t->i++;
    bool neg = false;
    if (t->i < t->n && t->s[t->i] == '^') neg = true, t->i++;
    size_t open_end = t->i + (t->i < t->n && t->s[t->i] == ']');
    /* the class is written into a buffer of its own: whether it needs "(?!\n)" in front is
     * known only at its end */
    vl_buf *saved = t->out;
    vl_buf body = {0};
    t->out = &body;
    bool risk = false;
    t->class_nl = t->class_other = false;
    t->outer_neg = neg;
    t->nneg = 0;
    int rc = class_items(t, open, open_end, fl, &risk, 0);
    t->out = saved;
    if (rc < 0) {
        vl_buf_free(c, &body);
        return -1;
    }
    if (!neg && t->class_nl && !t->class_other) { /* [\n] alone: nothing is left of it */
        vl_buf_free(c, &body);
        return fail_term(t, t->class_term);
    }
    if (neg && t->nneg) {
        /* [^x[:^alpha:]]: not x, and an ASCII letter */
        vl_buf_adds(c, t->out, "(?:");
        if (body.len) {
            vl_buf_adds(c, t->out, "(?![");
            vl_buf_add(c, t->out, body.data, body.len);
            vl_buf_adds(c, t->out, "])");
        }
        for (int k = 0; k < t->nneg; k++) vl_buf_printf(c, t->out, "(?=[%s])", ascii_classes[t->negset[k]].set);
        if (line_mode(t)) vl_buf_printf(c, t->out, "[^%s])", terms(t));
        else vl_buf_adds(c, t->out, "(?s:.))");
    } else if (neg) {
        vl_buf_adds(c, t->out, "[^");
        vl_buf_add(c, t->out, body.data, body.len);
        if (line_mode(t)) vl_buf_adds(c, t->out, terms(t));
        vl_buf_addc(c, t->out, ']');
    } else {
        if (t->nneg) vl_buf_adds(c, t->out, "(?:");
        if (body.len || !t->nneg) {
            /* (one unit, so a quantifier repeats the guard too) */
            bool guard = risk && line_mode(t);
            if (guard) vl_buf_adds(c, t->out, crlf(t) ? "(?:(?![\\r\\n])" : "(?:(?!\\n)");
            vl_buf_addc(c, t->out, '[');
            vl_buf_add(c, t->out, body.data, body.len);
            vl_buf_addc(c, t->out, ']');
            if (guard) vl_buf_addc(c, t->out, ')');
        }
        for (int k = 0; k < t->nneg; k++) {
            if (k || body.len) vl_buf_addc(c, t->out, '|');
            vl_buf_printf(c, t->out, "[^%s%s]", ascii_classes[t->negset[k]].set, line_mode(t) ? terms(t) : "");
        }
        if (t->nneg) vl_buf_addc(c, t->out, ')');
    }
    vl_buf_free(c, &body);
    return 0;
}

/* a decimal in a counted repetition */
static bool parse_dec(tr *t, unsigned long *v)
{
    size_t st = t->i;
    *v = 0;
    while (t->i < t->n && t->s[t->i] >= '0' && t->s[t->i] <= '9') {
        *v = *v * 10 + (t->s[t->i] - '0');
        if (*v > 1000000) *v = 1000000;
        t->i++;
    }
    return t->i > st;
}

typedef struct frame {
    size_t open;      /* index of '(' in the pattern */
    int flags;        /* the flags outside the group */
    size_t out_start; /* where the group starts in the output */
} frame;

static int translate(tr *t)
{
    vl_ctx *c = t->c;
    frame stack[250]; /* (the regex crate's nesting limit) */
    size_t depth = 0;
    int fl = F_M;
    if (t->flags & RG_TR_DOTALL) fl |= F_S;
    size_t atom = SIZE_MAX;
    bool quantified = false;
    vl_buf_adds(c, t->out, "(?m)");
    while (t->i < t->n) {
        skip_x(t, fl);
        if (t->i >= t->n) break;
        int ch = t->s[t->i];
        size_t at = t->i;
        switch (ch) {
        case '(': {
            t->literal = false;
            if (depth == sizeof stack / sizeof *stack) { /* Rust's span: the group too deep */
                size_t k = at, lvl = 0;
                for (; k < t->n; k++) {
                    if (t->s[k] == '\\') k++;
                    else if (t->s[k] == '(') lvl++;
                    else if (t->s[k] == ')' && --lvl == 0) break;
                }
                return fail_span(t, at, k < t->n ? k + 1 : t->n,
                                 "exceed the maximum number of nested parentheses/brackets (250)", false);
            }
            frame *f = &stack[depth];
            f->open = at;
            f->flags = fl;
            f->out_start = t->out->len;
            t->i++;
            if (t->i < t->n && t->s[t->i] == '?') {
                t->i++;
                if (t->i + 1 < t->n && t->s[t->i] == 'P' && t->s[t->i + 1] == '<') {
                    size_t ns = t->i + 2, k = ns;
                    while (k < t->n && t->s[k] != '>') {
                        int x = t->s[k];
                        if (!(x == '_' || (x >= '0' && x <= '9' && k > ns) || ((x | 32) >= 'a' && (x | 32) <= 'z')))
                            return fail_span(t, k, k + 1, "invalid capture group character", false);
                        k++;
                    }
                    if (k >= t->n) return fail_span(t, ns, t->n, "unclosed capture group name", false);
                    if (k == ns) return fail_span(t, k, k + 1, "empty capture group name", false);
                    vl_buf_adds(c, t->out, "(?P<");
                    vl_buf_add(c, t->out, t->s + ns, k - ns);
                    vl_buf_addc(c, t->out, '>');
                    t->group++;
                    vl_buf_add(c, t->names, t->s + ns, k - ns);
                    vl_buf_printf(c, t->names, "=%d\n", t->group);
                    t->i = k + 1;
                    goto pushed;
                }
                if (t->i < t->n && (t->s[t->i] == '=' || t->s[t->i] == '!'))
                    return fail_span(t, at, t->i + 1, "look-around, including look-ahead and look-behind, is not supported", true);
                if (t->i + 1 < t->n && t->s[t->i] == '<' && (t->s[t->i + 1] == '=' || t->s[t->i + 1] == '!'))
                    return fail_span(t, at, t->i + 2, "look-around, including look-ahead and look-behind, is not supported", true);
                /* flags */
                char keep[16];
                size_t nk = 0;
                bool neg = false;
                int nfl = fl;
                for (;;) {
                    if (t->i >= t->n) return fail_span(t, t->n, t->n + 1, "expected flag but got end of regex", false);
                    int x = t->s[t->i];
                    if (x == ')' || x == ':') break;
                    if (x == '-') {
                        if (neg) return fail_span(t, t->i, t->i + 1, "duplicate flag", false);
                        neg = true;
                        if (nk < sizeof keep - 1) keep[nk++] = '-';
                    } else if (x == 'i') {
                        if (nk < sizeof keep - 1) keep[nk++] = 'i';
                    } else if (x == 'm' || x == 's' || x == 'U' || x == 'x' || x == 'u') {
                        int b = x == 'm' ? F_M : x == 's' ? F_S : x == 'U' ? F_U : x == 'x' ? F_X : 0;
                        nfl = neg ? (nfl & ~b) : (nfl | b);
                    } else {
                        return fail_span(t, t->i, t->i + 1, "unrecognized flag", false);
                    }
                    t->i++;
                }
                if (nk && keep[nk - 1] == '-') nk--;
                keep[nk] = 0;
                if (t->s[t->i] == ')') { /* (?flags): to the end of the group */
                    t->i++;
                    if (nk) vl_buf_printf(c, t->out, "(?%s)", keep);
                    fl = nfl;
                    atom = SIZE_MAX;
                    continue;
                }
                t->i++;
                vl_buf_printf(c, t->out, "(?%s:", keep);
                fl = nfl;
                goto pushed;
            }
            vl_buf_addc(c, t->out, '(');
            t->group++;
        pushed:
            depth++;
            atom = SIZE_MAX;
            quantified = false;
            continue;
        }
        case ')': {
            if (depth == 0) return fail_span(t, at, at + 1, "unopened group", false);
            t->i++;
            depth--;
            vl_buf_addc(c, t->out, ')');
            fl = stack[depth].flags;
            atom = stack[depth].out_start; /* the group is the last atom now */
            quantified = false;
            continue;
        }
        case '|':
            t->i++;
            t->literal = false;
            vl_buf_addc(c, t->out, '|');
            atom = SIZE_MAX;
            quantified = false;
            continue;
        case '*':
        case '+':
        case '?':
        case '{': {
            t->literal = false;
            if (atom == SIZE_MAX) return fail_span(t, at, at + 1, "repetition operator missing expression", false);
            char q[64];
            t->i++;
            if (ch == '{') {
                unsigned long lo, hi = 0;
                skip_x(t, fl);
                size_t d = t->i;
                if (t->i >= t->n) return fail_span(t, at, t->n, "unclosed counted repetition", false);
                if (!parse_dec(t, &lo)) return fail_span(t, d, d + 1, "repetition quantifier expects a valid decimal", false);
                bool comma = false, hasmax = false;
                if (t->i < t->n && t->s[t->i] == ',') {
                    comma = true;
                    t->i++;
                    d = t->i;
                    if (t->i < t->n && t->s[t->i] != '}') {
                        if (!parse_dec(t, &hi)) return fail_span(t, d, d + 1, "repetition quantifier expects a valid decimal", false);
                        hasmax = true;
                    }
                }
                if (t->i >= t->n || t->s[t->i] != '}') return fail_span(t, at, t->n, "unclosed counted repetition", false);
                t->i++;
                if (hasmax && hi < lo)
                    return fail_span(t, at, t->i, "invalid repetition count range, the start must be <= the end", false);
                if (lo > 65535 || hi > 65535) return fail_span(t, at, t->i, "repetition count too large", false);
                if (!comma) snprintf(q, sizeof q, "{%lu}", lo);
                else if (!hasmax) snprintf(q, sizeof q, "{%lu,}", lo);
                else snprintf(q, sizeof q, "{%lu,%lu}", lo, hi);
            } else {
                q[0] = (char)ch;
                q[1] = 0;
            }
            bool lazy = false;
            if (t->i < t->n && t->s[t->i] == '?') lazy = true, t->i++;
            if (fl & F_U) lazy = !lazy;
            if (quantified) { /* a**: the repeated item repeated again */
                size_t tail = t->out->len - atom;
                vl_buf_adds(c, t->out, "(?:)");
                memmove(t->out->data + atom + 3, t->out->data + atom, tail);
                memcpy(t->out->data + atom, "(?:", 3);
                t->out->data[t->out->len - 1] = ')';
            }
            vl_buf_adds(c, t->out, q);
            if (lazy) vl_buf_addc(c, t->out, '?');
            quantified = true;
            continue;
        }
        case '[':
            t->literal = false;
            atom = t->out->len;
            quantified = false;
            if (parse_class(t, fl) < 0) return -1;
            continue;
        case '.':
            t->i++;
            t->literal = false;
            atom = t->out->len;
            quantified = false;
            if ((fl & F_S) || (crlf(t) && line_mode(t))) {
                if (line_mode(t)) vl_buf_printf(c, t->out, "[^%s]", terms(t));
                else vl_buf_adds(c, t->out, "(?s:.)");
            } else {
                vl_buf_addc(c, t->out, '.');
            }
            continue;
        case '^':
        case '$':
            t->i++;
            t->literal = false;
            atom = t->out->len;
            quantified = false;
            if (!(fl & F_M)) vl_buf_adds(c, t->out, ch == '^' ? "\\A" : "\\z");
            else if (ch == '$' && crlf(t)) vl_buf_adds(c, t->out, "(?=\\r?\\n|\\z)");
            else vl_buf_addc(c, t->out, ch);
            continue;
        case '\\': {
            atom = t->out->len;
            quantified = false;
            esc e = parse_escape(t, false);
            if (e.kind == E_ERR) return -1;
            if (e.kind == E_CLASS) {
                t->literal = false;
                if (e.neg && line_mode(t)) {
                    /* \W, \D, \s, \P{..} never match '\n' here */
                    if (e.text[1] == 's') vl_buf_printf(c, t->out, "[^\\S%s]", terms(t));
                    else if (e.text[1] == 'P') vl_buf_printf(c, t->out, "[^\\p%s%s]", e.text + 2, terms(t));
                    else vl_buf_printf(c, t->out, "[^\\%c%s]", e.text[1] - 'A' + 'a', terms(t));
                } else {
                    vl_buf_adds(c, t->out, e.text);
                }
                continue;
            }
            if (e.kind == E_ASSERT) {
                t->literal = false;
                vl_buf_adds(c, t->out, e.text);
                continue;
            }
            if (is_term(t, e.cp)) return fail_term(t, e.cp);
            note_literal(t, e.cp);
            put_cp_utf8(c, t->lit, e.cp);
            emit_cp(t, e.cp, false);
            continue;
        }
        default: {
            unsigned cp;
            size_t k = utf8_at(t->s, t->n, t->i, &cp);
            atom = t->out->len;
            quantified = false;
            if (is_term(t, (unsigned)ch)) return fail_term(t, (unsigned)ch);
            note_literal(t, cp);
            vl_buf_add(c, t->lit, t->s + t->i, k);
            if (k == 1 && cp >= 0x80) vl_buf_printf(c, t->out, "\\x{%x}", cp); /* a stray byte */
            else if (k == 1) emit_cp(t, cp, false);
            else vl_buf_add(c, t->out, t->s + t->i, k);
            if (k == 1 && cp >= 0x80) t->literal = false;
            t->i += k;
            continue;
        }
        }
    }
    if (depth > 0) return fail_span(t, stack[depth - 1].open, stack[depth - 1].open + 1, "unclosed group", false);
    return 0;
}

int rg_translate(vl_ctx *c, const char *pat, size_t len, int flags, int group_base, vl_buf *names,
                 vl_buf *out, vl_buf *lit, rg_tr_info *info, vl_buf *err)
{
    memset(info, 0, sizeof *info);
    if (flags & RG_TR_FIXED) {
        tr t = {c, (const unsigned char *)pat, len, 0, flags, out, lit, err, info, false, true, false, false, 0, false, {0}, 0,
                group_base, names};
        vl_buf_adds(c, out, "(?m)");
        for (size_t i = 0; i < len;) {
            unsigned cp;
            size_t k = utf8_at(t.s, len, i, &cp);
            if (is_term(&t, cp)) return fail_term(&t, cp);
            note_literal(&t, cp);
            if (k == 1 && cp >= 0x80) {
                vl_buf_printf(c, out, "\\x{%x}", cp);
                t.literal = false;
            } else if (k == 1) emit_cp(&t, cp, false);
            else vl_buf_add(c, out, t.s + i, k);
            i += k;
        }
        vl_buf_add(c, lit, pat, len);
        info->literal = t.literal;
        return 0;
    }
    tr t = {c, (const unsigned char *)pat, len, 0, flags, out, lit, err, info, false, true, false, false, 0, false, {0}, 0,
            group_base, names};
    if (translate(&t) < 0) return -1;
    info->literal = t.literal;
    info->ngroups = t.group - group_base;
    return 0;
}

/* ---- globs ---- */

int rg_glob_translate(vl_ctx *c, const char *g, size_t n, vl_buf *out, vl_buf *err)
{
    vl_buf_adds(c, out, "\\A");
    size_t i = 0;
    int braces = 0;
    while (i < n) {
        char ch = g[i];
        if (ch == '{') {
            vl_buf_adds(c, out, "(?:");
            braces++;
            i++;
            continue;
        }
        if (ch == '}' && braces > 0) {
            vl_buf_addc(c, out, ')');
            braces--;
            i++;
            continue;
        }
        if (ch == ',' && braces > 0) {
            vl_buf_addc(c, out, '|');
            i++;
            continue;
        }
        /* "**" as a whole component: any number of directories */
        bool at_start = i == 0 || g[i - 1] == '/';
        if (ch == '*' && i + 1 < n && g[i + 1] == '*' && at_start && (i + 2 == n || g[i + 2] == '/')) {
            if (i + 2 == n) {
                /* trailing "**": everything (below the prefix, when there is one) */
                vl_buf_adds(c, out, i == 0 ? ".*" : "(?s:.*)");
                i += 2;
            } else {
                vl_buf_adds(c, out, "(?:[^/]*/)*"); /* "**\/": zero or more directories */
                i += 3;
            }
            continue;
        }
        switch (ch) {
        case '*':
            while (i < n && g[i] == '*') i++;
            vl_buf_adds(c, out, "[^/]*");
            continue;
        case '?':
            vl_buf_adds(c, out, "[^/]");
            break;
        case '[': {
            size_t j = i + 1;
            bool neg = false;
            if (j < n && (g[j] == '!' || g[j] == '^')) neg = true, j++;
            size_t st = j;
            if (j < n && g[j] == ']') j++;
            while (j < n && g[j] != ']') j++;
            if (j >= n) {
                vl_buf_printf(c, err, "unclosed character class; missing ']'");
                return -1;
            }
            vl_buf_adds(c, out, neg ? "[^/" : "[");
            for (size_t k = st; k < j; k++) {
                unsigned char x = (unsigned char)g[k];
                if (x == '\\' || x == '[' || (x == ']') || (x == '^' && k == st && !neg))
                    vl_buf_addc(c, out, '\\');
                vl_buf_addc(c, out, x);
            }
            vl_buf_addc(c, out, ']');
            i = j + 1;
            continue;
        }
        case '\\':
            if (i + 1 < n) {
                i++;
                ch = g[i];
            }
            /* fall through */
        default:
            if (strchr("\\^$.|?*+()[]{}", ch)) vl_buf_addc(c, out, '\\');
            if ((unsigned char)ch >= 0x80) vl_buf_printf(c, out, "\\x{%x}", (unsigned char)ch);
            else vl_buf_addc(c, out, ch);
            break;
        }
        i++;
    }
    if (braces > 0) {
        vl_buf_adds(c, err, "unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)");
        return -1;
    }
    vl_buf_adds(c, out, "\\z");
    return 0;
}
