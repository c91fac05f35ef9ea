/* regex.c: the regular-expression wrapper of regex.h. A BRE/ERE pattern is parsed here by
 * glibc's rules (tokens, contexts, brackets, intervals, the GNU escapes, the error messages) into
 * a small tree; the tree is written out as a PCRE2 pattern that PCRE2 compiles and JITs, and, for
 * patterns without back-references, also as a Thompson automaton (no backtracking, time linear
 * in the subject) that takes over where PCRE2 would backtrack past its limits and that finds the
 * longest match where Perl's first alternative is not it. Perl patterns go to PCRE2 as they are.
 * Literal strings (grep -F, or patterns without operators) skip all that: one is found by memchr
 * on its rarest byte, several as one trie-shaped PCRE2 pattern.
 * Not here: locales (bytes, as LC_ALL=C), substitution, printing. Memory outside the VM's
 * accounting: PCRE2's JIT code and JIT stack (at most 8 MiB, made when a search needs it). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lib/regex.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- limits ---- */
#define MATCH_LIMIT_JIT 10000000u   /* ~15 ms of JIT backtracking */
#define MATCH_LIMIT_INTERP 1000000u /* the interpreter is ~10x slower per unit */
#define HEAP_LIMIT_KIB 20480u       /* interpreter backtracking frames */
#define JIT_STACK_MAX (8u << 20)
#define MAX_NEST 1000        /* groups inside groups */
#define MAX_NFA_INSTS 200000 /* automaton size; bigger patterns rely on PCRE2 alone */
#define PART_BYTES 32768     /* a list is split into PCRE2 patterns of about this size */
#define DUP_MAX 32767

/* ---- syntax bits (glibc's RE_* semantics, the ones we implement) ---- */
enum {
    S_BK_PLUS_QM = 1 << 0,          /* \+ \? are operators (BRE) */
    S_CONTEXT_INDEP_ANCHORS = 1 << 1, /* ^ $ anchors anywhere (ERE) */
    S_CONTEXT_INDEP_OPS = 1 << 2,   /* * + ? operators anywhere (ERE) */
    S_CONTEXT_INVALID_OPS = 1 << 3, /* a leading * + ? is an error */
    S_CONTEXT_INVALID_DUP = 1 << 4, /* a** and a leading \{ are errors (POSIX BRE) */
    S_NO_BK_BRACES = 1 << 5,        /* { } intervals (ERE) */
    S_NO_BK_PARENS = 1 << 6,        /* ( ) groups (ERE) */
    S_NO_BK_VBAR = 1 << 7,          /* | alternation (ERE) */
    S_UNMATCHED_RPAREN_ORD = 1 << 8, /* a lone ) is literal */
    S_INVALID_INTERVAL_ORD = 1 << 9, /* a malformed interval is literal */
    S_CARET_ANCHORS_HERE = 1 << 10, /* (internal) ^ is an anchor at this token */
    S_GREP = 1 << 11,               /* grep's dfa: warnings, [:space:] error, leading {m,n} dropped */
    S_NO_INTERVALS = 1 << 12,       /* no {m,n} at all (emacs; glibc's RE_INTERVALS unset) */
    S_NO_CHAR_CLASSES = 1 << 13,    /* no [:alpha:] in brackets (emacs; RE_CHAR_CLASSES unset) */
};

static int syntax_bits(int syntax, int flags)
{
    bool grep = flags & VL_RE_GREP;
    if (syntax == VL_RE_EMACS) return S_NO_INTERVALS | S_NO_CHAR_CLASSES;
    if (syntax == VL_RE_BRE)
        return S_BK_PLUS_QM | (grep ? S_GREP : S_CONTEXT_INVALID_DUP);
    int s = S_CONTEXT_INDEP_ANCHORS | S_CONTEXT_INDEP_OPS | S_NO_BK_BRACES | S_NO_BK_PARENS |
            S_NO_BK_VBAR | S_UNMATCHED_RPAREN_ORD;
    if (grep) s |= S_INVALID_INTERVAL_ORD | S_GREP;
    else s |= S_CONTEXT_INVALID_OPS;
    if (flags & VL_RE_PAREN_STRICT) s &= ~S_UNMATCHED_RPAREN_ORD;
    return s;
}

/* glibc's messages (regcomp's __re_error_msgid) */
static const char MSG_BADPAT[] = "Invalid regular expression";
static const char MSG_ECOLLATE[] = "Invalid collation character";
static const char MSG_ECTYPE[] = "Invalid character class name";
static const char MSG_EESCAPE[] = "Trailing backslash";
static const char MSG_ESUBREG[] = "Invalid back reference";
static const char MSG_EBRACK[] = "Unmatched [, [^, [:, [., or [=";
static const char MSG_EPAREN[] = "Unmatched ( or \\(";
static const char MSG_EBRACE[] = "Unmatched \\{";
static const char MSG_BADBR[] = "Invalid content of \\{\\}";
static const char MSG_ERANGE[] = "Invalid range end";
static const char MSG_ESIZE[] = "Regular expression too big";
static const char MSG_BADRPT[] = "Invalid preceding regular expression";
static const char MSG_ERPAREN[] = "Unmatched ) or \\)";
static const char MSG_COLON[] = "character class syntax is [[:space:]], not [:space:]";

/* ---- byte sets ---- */
typedef struct bset {
    uint64_t w[4];
} bset;

static inline void bs_add(bset *s, unsigned c) { s->w[c >> 6] |= 1ull << (c & 63); }
static inline void bs_del(bset *s, unsigned c) { s->w[c >> 6] &= ~(1ull << (c & 63)); }
static inline bool bs_has(const bset *s, unsigned c) { return (s->w[c >> 6] >> (c & 63)) & 1; }
static void bs_range(bset *s, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++) bs_add(s, c);
}
static void bs_not(bset *s)
{
    for (int i = 0; i < 4; i++) s->w[i] = ~s->w[i];
}
static int bs_count(const bset *s)
{
    int n = 0;
    for (int i = 0; i < 4; i++) n += __builtin_popcountll(s->w[i]);
    return n;
}
static void bs_fold(bset *s)
{
    for (unsigned c = 'A'; c <= 'Z'; c++)
        if (bs_has(s, c) || bs_has(s, c + 32)) bs_add(s, c), bs_add(s, c + 32);
}

static inline bool is_word(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The C locale's classes. */
static bool class_set(const char *name, size_t n, bset *s)
{
    static const char *const names[] = {"alpha", "upper", "lower", "digit", "xdigit", "space",
                                        "print", "punct", "graph", "cntrl", "blank", "alnum"};
    int k = -1;
    for (int i = 0; i < 12; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) k = i;
    if (k < 0) return false;
    for (unsigned c = 0; c < 256; c++) {
        bool up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z', dig = c >= '0' && c <= '9';
        bool sp = c == ' ' || (c >= '\t' && c <= '\r');
        bool graph = c > ' ' && c < 127;
        bool in = false;
        switch (k) {
        case 0: in = up || lo; break;
        case 1: in = up; break;
        case 2: in = lo; break;
        case 3: in = dig; break;
        case 4: in = dig || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
        case 5: in = sp; break;
        case 6: in = graph || c == ' '; break;
        case 7: in = graph && !up && !lo && !dig; break;
        case 8: in = graph; break;
        case 9: in = c < ' ' || c == 127; break;
        case 10: in = c == ' ' || c == '\t'; break;
        case 11: in = up || lo || dig; break;
        }
        if (in) bs_add(s, c);
    }
    return true;
}

/* ---- the tree ---- */
enum { N_EMPTY, N_FAIL, N_STR, N_SET, N_CAT, N_ALT, N_REP, N_GROUP, N_BREF, N_ASSERT };
enum {
    A_BOL, A_EOL, A_WORDB, A_NWORDB, A_WBEG, A_WEND, A_BUFBEG, A_BUFEND,
    A_NOTWPREV, A_NOTWNEXT, /* the -w wrapper: no word character just before / after */
};

typedef struct node node;
struct node {
    int type;
    int a, b;              /* REP: min, max (-1: none); GROUP/BREF: number; ASSERT: kind; STR: len */
    node *kid, *next;      /* CAT/ALT/REP/GROUP children (a list through next) */
    size_t off;            /* STR: offset in the parser's byte pool */
    bset *set;             /* SET (in the parser's chunks too) */
};

typedef struct nchunk {
    struct nchunk *prev;
    size_t used;
    node n[128];
} nchunk;

typedef struct schunk {
    struct schunk *prev;
    size_t used;
    bset s[64];
} schunk;

#define MAX_NODES 100000 /* of one pattern: PCRE2 could not take more anyway */

/* ---- the parser (glibc's regcomp, rule for rule) ---- */
enum {
    T_CHAR, T_END, T_ALT, T_STAR, T_PLUS, T_QUEST, T_OPEN_DUP, T_CLOSE_DUP, T_OPEN, T_CLOSE,
    T_BRACKET, T_PERIOD, T_ANCHOR, T_BREF, T_WORD, T_NOTWORD, T_SPACE, T_NOTSPACE, T_BACKSLASH,
};

typedef struct tok {
    int type;
    unsigned c; /* T_CHAR: the byte; T_ANCHOR: kind; T_BREF: 1-9 */
    size_t len;
} tok;

typedef struct parser {
    vk_proc *p;
    const unsigned char *s;
    size_t n, pos;
    int syn;
    int flags;
    tok t;
    int ngroups;       /* groups opened so far in this pattern */
    int group_base;    /* groups of earlier patterns of a list */
    uint32_t completed; /* groups 1-9 closed so far */
    int depth;
    const char *err;
    bool oom;
    nchunk *nodes;
    schunk *sets;
    size_t nnodes; /* of the pattern being parsed */
    char *pool; /* STR bytes */
    size_t pool_len, pool_cap;
    vl_re_diag *diag;
    bool has_bref;
    bool laststart; /* grep's dfa: nothing but anchors since the start of this expression */
} parser;

static node *new_node(parser *ps, int type)
{
    if (++ps->nnodes > MAX_NODES) {
        if (!ps->err) ps->err = MSG_ESIZE;
        return NULL;
    }
    if (!ps->nodes || ps->nodes->used == 128) {
        nchunk *c = vk_malloc(ps->p, sizeof *c);
        if (!c) {
            ps->oom = true;
            if (!ps->err) ps->err = MSG_ESIZE;
            return NULL;
        }
        c->prev = ps->nodes;
        c->used = 0;
        ps->nodes = c;
    }
    node *n = &ps->nodes->n[ps->nodes->used++];
    memset(n, 0, sizeof *n);
    n->type = type;
    if (type == N_SET) {
        if (!ps->sets || ps->sets->used == 64) {
            schunk *c = vk_malloc(ps->p, sizeof *c);
            if (!c) {
                ps->oom = true;
                if (!ps->err) ps->err = MSG_ESIZE;
                return NULL;
            }
            c->prev = ps->sets;
            c->used = 0;
            ps->sets = c;
        }
        n->set = &ps->sets->s[ps->sets->used++];
        memset(n->set, 0, sizeof *n->set);
    }
    return n;
}

static void free_nodes(vk_proc *p, nchunk *c, schunk *sc)
{
    while (c) {
        nchunk *prev = c->prev;
        vk_free(p, c);
        c = prev;
    }
    while (sc) {
        schunk *prev = sc->prev;
        vk_free(p, sc);
        sc = prev;
    }
}

static bool pool_add(parser *ps, unsigned char c)
{
    if (ps->pool_len == ps->pool_cap) {
        size_t cap = ps->pool_cap ? ps->pool_cap * 2 : 256;
        char *np = vk_realloc(ps->p, ps->pool, cap);
        if (!np) {
            ps->oom = true;
            if (!ps->err) ps->err = MSG_ESIZE;
            return false;
        }
        ps->pool = np;
        ps->pool_cap = cap;
    }
    ps->pool[ps->pool_len++] = (char)c;
    return true;
}

static node *char_node(parser *ps, unsigned c)
{
    node *n = new_node(ps, N_STR);
    if (!n) return NULL;
    n->off = ps->pool_len;
    n->a = 1;
    if (!pool_add(ps, c)) return NULL;
    return n;
}

static void set_err(parser *ps, const char *msg)
{
    if (!ps->err) ps->err = msg;
}

static void warn(parser *ps, const char *msg)
{
    if (ps->diag && ps->diag->warn) ps->diag->warn(ps->diag->warn_ud, msg);
}

/* peek_token: the token at ps->pos (not consumed) */
static void peek(parser *ps, tok *t, int syn)
{
    size_t i = ps->pos;
    t->len = 1;
    t->c = 0;
    if (i >= ps->n) {
        t->type = T_END;
        t->len = 0;
        return;
    }
    unsigned c = ps->s[i];
    t->c = c;
    t->type = T_CHAR;
    if (c == '\\') {
        if (i + 1 >= ps->n) {
            t->type = T_BACKSLASH;
            return;
        }
        unsigned c2 = ps->s[i + 1];
        t->c = c2;
        t->len = 2;
        switch (c2) {
        case '|':
            if (!(syn & S_NO_BK_VBAR)) t->type = T_ALT;
            break;
        case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
            t->type = T_BREF;
            t->c = c2 - '0';
            break;
        case '<': t->type = T_ANCHOR, t->c = A_WBEG; break;
        case '>': t->type = T_ANCHOR, t->c = A_WEND; break;
        case 'b': t->type = T_ANCHOR, t->c = A_WORDB; break;
        case 'B': t->type = T_ANCHOR, t->c = A_NWORDB; break;
        case '`': t->type = T_ANCHOR, t->c = A_BUFBEG; break;
        case '\'': t->type = T_ANCHOR, t->c = A_BUFEND; break;
        case 'w': t->type = T_WORD; break;
        case 'W': t->type = T_NOTWORD; break;
        case 's': t->type = T_SPACE; break;
        case 'S': t->type = T_NOTSPACE; break;
        case '(':
            if (!(syn & S_NO_BK_PARENS)) t->type = T_OPEN;
            break;
        case ')':
            if (!(syn & S_NO_BK_PARENS)) t->type = T_CLOSE;
            break;
        case '+':
            if (syn & S_BK_PLUS_QM) t->type = T_PLUS;
            break;
        case '?':
            if (syn & S_BK_PLUS_QM) t->type = T_QUEST;
            break;
        case '{':
            if (!(syn & (S_NO_BK_BRACES | S_NO_INTERVALS))) t->type = T_OPEN_DUP;
            break;
        case '}':
            if (!(syn & (S_NO_BK_BRACES | S_NO_INTERVALS))) t->type = T_CLOSE_DUP;
            break;
        default: break;
        }
        return;
    }
    switch (c) {
    case '|':
        if (syn & S_NO_BK_VBAR) t->type = T_ALT;
        break;
    case '*': t->type = T_STAR; break;
    case '+':
        if (!(syn & S_BK_PLUS_QM)) t->type = T_PLUS;
        break;
    case '?':
        if (!(syn & S_BK_PLUS_QM)) t->type = T_QUEST;
        break;
    case '{':
        if ((syn & S_NO_BK_BRACES) && !(syn & S_NO_INTERVALS)) t->type = T_OPEN_DUP;
        break;
    case '}':
        if ((syn & S_NO_BK_BRACES) && !(syn & S_NO_INTERVALS)) t->type = T_CLOSE_DUP;
        break;
    case '(':
        if (syn & S_NO_BK_PARENS) t->type = T_OPEN;
        break;
    case ')':
        if (syn & S_NO_BK_PARENS) t->type = T_CLOSE;
        break;
    case '[': t->type = T_BRACKET; break;
    case '.': t->type = T_PERIOD; break;
    case '^':
        if (!(syn & (S_CONTEXT_INDEP_ANCHORS | S_CARET_ANCHORS_HERE)) && i != 0) break;
        t->type = T_ANCHOR;
        t->c = A_BOL;
        break;
    case '$':
        if (!(syn & S_CONTEXT_INDEP_ANCHORS) && i + 1 != ps->n) {
            /* in BRE, an anchor only before \| or \) */
            size_t save = ps->pos;
            tok nx;
            ps->pos = i + 1;
            peek(ps, &nx, syn);
            ps->pos = save;
            if (nx.type != T_ALT && nx.type != T_CLOSE) break;
        }
        t->type = T_ANCHOR;
        t->c = A_EOL;
        break;
    default: break;
    }
}

static void fetch(parser *ps, int syn)
{
    peek(ps, &ps->t, syn);
    ps->pos += ps->t.len;
}

static node *parse_reg_exp(parser *ps, int nest);

/* ---- bracket expressions ---- */
enum { BE_CHAR, BE_COLL, BE_EQUIV, BE_CLASS };
typedef struct belem {
    int type;
    unsigned c;           /* BE_CHAR, or the single byte of a BE_COLL */
    const unsigned char *name;
    size_t nlen;
} belem;

/* [. .] [= =] [: :]: read the name up to the closing delimiter */
static const char *bracket_symbol(parser *ps, belem *e, unsigned delim)
{
    size_t start = ps->pos;
    for (size_t i = 0;; i++) {
        if (i >= 32) return MSG_EBRACK; /* glibc's BRACKET_NAME_BUF_SIZE */
        if (ps->pos >= ps->n) return MSG_EBRACK;
        unsigned ch = ps->s[ps->pos++];
        if (ps->pos >= ps->n) return MSG_EBRACK;
        if (ch == delim && ps->s[ps->pos] == ']') {
            ps->pos++;
            e->name = ps->s + start;
            e->nlen = i;
            return NULL;
        }
    }
}

enum { BT_CHAR, BT_END, BT_RANGE, BT_CLOSE, BT_COLL, BT_EQUIV, BT_CLASS };

static size_t peek_bracket(parser *ps, int *type, unsigned *c)
{
    size_t i = ps->pos;
    if (i >= ps->n) {
        *type = BT_END;
        return 0;
    }
    *c = ps->s[i];
    if (*c == '[') {
        unsigned c2 = i + 1 < ps->n ? ps->s[i + 1] : 0;
        if (c2 == '.') return *type = BT_COLL, 2;
        if (c2 == '=') return *type = BT_EQUIV, 2;
        if (c2 == ':' && !(ps->syn & S_NO_CHAR_CLASSES)) return *type = BT_CLASS, 2;
        *type = BT_CHAR;
        return 1;
    }
    *type = *c == '-' ? BT_RANGE : *c == ']' ? BT_CLOSE : BT_CHAR;
    return 1;
}

static const char *bracket_element(parser *ps, belem *e, int type, unsigned c, size_t tlen,
                                   bool accept_hyphen)
{
    ps->pos += tlen;
    if (type == BT_COLL || type == BT_EQUIV || type == BT_CLASS) {
        e->type = type == BT_COLL ? BE_COLL : type == BT_EQUIV ? BE_EQUIV : BE_CLASS;
        const char *err = bracket_symbol(ps, e, type == BT_COLL ? '.' : type == BT_EQUIV ? '=' : ':');
        if (err) return err;
        if (e->type != BE_CLASS) {
            if (e->nlen != 1) return MSG_ECOLLATE;
            e->c = e->name[0];
        }
        return NULL;
    }
    if (type == BT_RANGE && !accept_hyphen) {
        int t2;
        unsigned c2;
        peek_bracket(ps, &t2, &c2);
        if (t2 != BT_CLOSE) return MSG_ERANGE;
    }
    e->type = BE_CHAR;
    e->c = c;
    return NULL;
}

static node *parse_bracket(parser *ps)
{
    node *n = new_node(ps, N_SET);
    if (!n) return NULL;
    bset *set = n->set;
    bool negate = false;
    int type;
    unsigned c = 0;
    size_t tlen = peek_bracket(ps, &type, &c);
    if (type == BT_END) return set_err(ps, MSG_BADPAT), NULL;
    if (type == BT_CHAR && c == '^') {
        negate = true;
        ps->pos += tlen;
        tlen = peek_bracket(ps, &type, &c);
        if (type == BT_END) return set_err(ps, MSG_BADPAT), NULL;
    }
    if (type == BT_CLOSE) type = BT_CHAR; /* a first ']' is literal */
    /* grep's dfa: "[:alpha:]" (colons around letters, nothing else) is an error */
    size_t content = ps->pos;
    bool plain = true; /* no ranges, no [: :] inside (for the colon check) */
    bool first = true;
    for (;;) {
        belem start = {0}, end = {0};
        const char *err = bracket_element(ps, &start, type, c, tlen, first);
        if (err) return set_err(ps, err), NULL;
        first = false;
        if (start.type != BE_CHAR) plain = false;
        tlen = peek_bracket(ps, &type, &c);
        bool range = false;
        int t2 = BT_END;
        unsigned c2 = 0;
        size_t tlen2 = 0;
        if (start.type != BE_CLASS && start.type != BE_EQUIV) {
            if (type == BT_END) return set_err(ps, MSG_EBRACK), NULL;
            if (type == BT_RANGE) {
                ps->pos += tlen;
                tlen2 = peek_bracket(ps, &t2, &c2);
                if (t2 == BT_END) return set_err(ps, MSG_EBRACK), NULL;
                if (t2 == BT_CLOSE) {
                    ps->pos -= tlen; /* a last '-' is literal */
                    type = BT_CHAR;
                } else {
                    range = true;
                }
            }
        }
        if (range) {
            plain = false;
            err = bracket_element(ps, &end, t2, c2, tlen2, true);
            if (err) return set_err(ps, err), NULL;
            tlen = peek_bracket(ps, &type, &c);
            if (start.type == BE_CLASS || start.type == BE_EQUIV || end.type == BE_CLASS ||
                end.type == BE_EQUIV)
                return set_err(ps, MSG_ERANGE), NULL;
            if (start.c > end.c) return set_err(ps, MSG_ERANGE), NULL;
            bs_range(set, start.c, end.c);
        } else if (start.type == BE_CLASS) {
            bset cs = {{0}};
            const char *nm = (const char *)start.name;
            size_t nl = start.nlen;
            if ((ps->flags & VL_RE_ICASE) && nl == 5 &&
                (memcmp(nm, "upper", 5) == 0 || memcmp(nm, "lower", 5) == 0))
                nm = "alpha";
            if (!class_set(nm, nl, &cs)) return set_err(ps, MSG_ECTYPE), NULL;
            for (int i = 0; i < 4; i++) set->w[i] |= cs.w[i];
        } else {
            bs_add(set, start.c);
        }
        if (type == BT_END) return set_err(ps, MSG_EBRACK), NULL;
        if (type == BT_CLOSE) break;
    }
    size_t content_end = ps->pos;
    ps->pos += tlen; /* the ']' */
    if ((ps->syn & S_GREP) && plain && content_end - content >= 3 && ps->s[content] == ':' &&
        ps->s[content_end - 1] == ':') {
        bool other = false;
        for (size_t i = content; i < content_end; i++)
            if (ps->s[i] != ':') other = true;
        if (other) return set_err(ps, MSG_COLON), NULL;
    }
    if (ps->flags & VL_RE_ICASE) bs_fold(set);
    if (negate) {
        bs_not(set);
        if (ps->flags & VL_RE_NEWLINE) bs_del(set, '\n');
    }
    return n;
}

static node *class_node(parser *ps, int type)
{
    node *n = new_node(ps, N_SET);
    if (!n) return NULL;
    if (type == T_WORD || type == T_NOTWORD) {
        for (unsigned c = 0; c < 256; c++)
            if (is_word(c)) bs_add(n->set, c);
    } else {
        class_set("space", 5, n->set);
    }
    if (type == T_NOTWORD || type == T_NOTSPACE) {
        bs_not(n->set);
        if (ps->flags & VL_RE_NEWLINE) bs_del(n->set, '\n');
    }
    return n;
}

/* An interval after '{' (already consumed): {m} {m,} {,n} {m,n} {,}. Returns 1 and the bounds,
 * 0 when malformed and literal by the syntax (position restored), -1 on an error. */
static int parse_interval(parser *ps, int *min, int *max)
{
    size_t save = ps->pos;
    tok open = ps->t;
    /* fetch_number: digits up to '}' or ','; -1 none, -2 junk or the end */
    int start = -1, end = -1;
    tok st;
    for (;;) {
        fetch(ps, ps->syn);
        st = ps->t;
        if (st.type == T_END) {
            start = -2;
            break;
        }
        if (st.type == T_CLOSE_DUP || (st.type == T_CHAR && st.c == ',')) break;
        if (st.type != T_CHAR || st.c < '0' || st.c > '9' || start == -2)
            start = -2;
        else
            start = start == -1 ? (int)(st.c - '0')
                                : (start * 10 + (int)(st.c - '0') > DUP_MAX + 1
                                       ? DUP_MAX + 1
                                       : start * 10 + (int)(st.c - '0'));
    }
    if (start == -1) {
        if (st.type == T_CHAR && st.c == ',') start = 0;
        else return set_err(ps, MSG_BADBR), -1; /* {} */
    }
    if (start != -2) {
        if (st.type == T_CLOSE_DUP) {
            end = start;
        } else if (st.type == T_CHAR && st.c == ',') {
            end = -1;
            for (;;) {
                fetch(ps, ps->syn);
                if (ps->t.type == T_END) {
                    end = -2;
                    break;
                }
                if (ps->t.type == T_CLOSE_DUP || (ps->t.type == T_CHAR && ps->t.c == ',')) break;
                if (ps->t.type != T_CHAR || ps->t.c < '0' || ps->t.c > '9' || end == -2)
                    end = -2;
                else
                    end = end == -1 ? (int)(ps->t.c - '0')
                                    : (end * 10 + (int)(ps->t.c - '0') > DUP_MAX + 1
                                           ? DUP_MAX + 1
                                           : end * 10 + (int)(ps->t.c - '0'));
            }
            st = ps->t;
        } else {
            end = -2;
        }
    }
    if (start == -2 || end == -2) {
        if (!(ps->syn & S_INVALID_INTERVAL_ORD)) {
            set_err(ps, ps->t.type == T_END ? MSG_EBRACE : MSG_BADBR);
            return -1;
        }
        ps->pos = save;
        ps->t = open;
        return 0;
    }
    if ((end != -1 && start > end) || st.type != T_CLOSE_DUP) return set_err(ps, MSG_BADBR), -1;
    if ((end == -1 ? start : end) > DUP_MAX) return set_err(ps, MSG_ESIZE), -1;
    *min = start;
    *max = end;
    return 1;
}

static node *parse_expression(parser *ps, int nest);

/* the operators after an atom */
static node *parse_postfix(parser *ps, node *tree)
{
    while (ps->t.type == T_STAR || ps->t.type == T_PLUS || ps->t.type == T_QUEST ||
           ps->t.type == T_OPEN_DUP) {
        int min, max;
        int kind = ps->t.type;
        if (kind == T_OPEN_DUP) {
            int r = parse_interval(ps, &min, &max);
            if (r < 0) return NULL;
            if (r == 0) {
                /* a malformed interval is the literal '{' */
                ps->t.type = T_CHAR;
                return tree;
            }
        } else {
            min = kind == T_PLUS ? 1 : 0;
            max = kind == T_QUEST ? 1 : -1;
        }
        fetch(ps, ps->syn);
        if (tree && tree->type == N_ASSERT) {
            /* (grep) a repeated anchor: optional when it may occur no times */
            if (min == 0) {
                tree = new_node(ps, N_EMPTY);
                if (!tree) return NULL;
            }
        } else if (tree) {
            node *r = new_node(ps, N_REP);
            if (!r) return NULL;
            r->kid = tree;
            r->a = min;
            r->b = max;
            tree = r;
        }
        if ((ps->syn & S_CONTEXT_INVALID_DUP) &&
            (ps->t.type == T_STAR || ps->t.type == T_OPEN_DUP))
            return set_err(ps, MSG_BADRPT), NULL;
    }
    return tree;
}

/* Returns the atom (NULL for "nothing": the end, '|', or an error when ps->err). */
static node *parse_expression(parser *ps, int nest)
{
    node *tree = NULL;
    tok t = ps->t;
    switch (t.type) {
    case T_CHAR:
        tree = char_node(ps, t.c);
        break;
    case T_OPEN: {
        if (nest >= MAX_NEST || vk_stack_low()) return set_err(ps, MSG_ESIZE), NULL;
        int num = ++ps->ngroups;
        ps->laststart = true;
        fetch(ps, ps->syn | S_CARET_ANCHORS_HERE);
        node *kid = NULL;
        if (ps->t.type != T_CLOSE) {
            kid = parse_reg_exp(ps, nest + 1);
            if (ps->err) return NULL;
            if (ps->t.type != T_CLOSE) return set_err(ps, MSG_EPAREN), NULL;
        }
        if (num <= 9) ps->completed |= 1u << num;
        tree = new_node(ps, N_GROUP);
        if (!tree) return NULL;
        tree->a = num + ps->group_base;
        tree->kid = kid;
        break;
    }
    case T_BRACKET:
        tree = parse_bracket(ps);
        if (!tree) return NULL;
        /* parse_bracket consumed up to ']' itself */
        ps->laststart = false;
        fetch(ps, ps->syn);
        return parse_postfix(ps, tree);
    case T_BREF:
        if (!(ps->completed & (1u << t.c))) return set_err(ps, MSG_ESUBREG), NULL;
        tree = new_node(ps, N_BREF);
        if (!tree) return NULL;
        tree->a = (int)t.c + ps->group_base;
        ps->has_bref = true;
        break;
    case T_OPEN_DUP:
        if (ps->syn & S_CONTEXT_INVALID_DUP) return set_err(ps, MSG_BADRPT), NULL;
        if ((ps->syn & S_GREP) && (ps->syn & S_CONTEXT_INDEP_OPS)) {
            /* grep's dfa: a valid interval here applies to nothing (a warning); a malformed
             * one is the literal '{' */
            int min, max;
            int r = parse_interval(ps, &min, &max);
            if (r < 0) return NULL;
            if (r == 0) {
                tree = char_node(ps, '{');
                break;
            }
            warn(ps, "{...} at start of expression");
            ps->laststart = false;
            fetch(ps, ps->syn);
            return parse_expression(ps, nest);
        }
        __attribute__((fallthrough));
    case T_STAR:
    case T_PLUS:
    case T_QUEST:
        if ((ps->syn & S_CONTEXT_INVALID_OPS) && !(ps->syn & S_CONTEXT_INVALID_DUP))
            return set_err(ps, MSG_BADRPT), NULL;
        if (ps->syn & S_CONTEXT_INDEP_OPS) {
            if ((ps->syn & S_GREP) && ps->laststart)
                warn(ps, t.type == T_STAR ? "* at start of expression"
                         : t.type == T_PLUS ? "+ at start of expression"
                                            : "? at start of expression");
            fetch(ps, ps->syn);
            return parse_expression(ps, nest);
        }
        __attribute__((fallthrough));
    case T_CLOSE:
        if (t.type == T_CLOSE && !(ps->syn & S_UNMATCHED_RPAREN_ORD))
            return set_err(ps, MSG_ERPAREN), NULL;
        __attribute__((fallthrough));
    case T_CLOSE_DUP:
        tree = char_node(ps, t.c);
        break;
    case T_ANCHOR:
        tree = new_node(ps, N_ASSERT);
        if (!tree) return NULL;
        tree->a = (int)t.c;
        fetch(ps, ps->syn);
        /* for glibc an anchor takes no repetition: what follows starts an expression. grep's
         * dfa repeats the anchor (with a warning at the start of an expression in ERE; a BRE
         * operator there is literal) */
        if ((ps->syn & S_GREP) && (ps->t.type == T_STAR || ps->t.type == T_PLUS ||
                                   ps->t.type == T_QUEST || ps->t.type == T_OPEN_DUP)) {
            if (!(ps->syn & S_CONTEXT_INDEP_OPS)) {
                if (!ps->laststart) return parse_postfix(ps, tree);
                return tree;
            } else {
                if (ps->laststart) {
                    if (ps->t.type == T_OPEN_DUP) {
                        size_t save = ps->pos;
                        tok open = ps->t;
                        int min, max;
                        int r = parse_interval(ps, &min, &max);
                        if (r < 0) return NULL;
                        ps->pos = save;
                        ps->t = open;
                        if (r > 0) warn(ps, "{...} at start of expression");
                    } else {
                        warn(ps, ps->t.type == T_STAR ? "* at start of expression"
                                 : ps->t.type == T_PLUS ? "+ at start of expression"
                                                        : "? at start of expression");
                    }
                }
                /* dfa: an interval ends the start of the expression; * + ? do not */
                if (ps->t.type == T_OPEN_DUP) ps->laststart = false;
                return parse_postfix(ps, tree);
            }
        }
        return tree;
    case T_PERIOD:
        tree = new_node(ps, N_SET);
        if (!tree) return NULL;
        bs_not(tree->set);
        if (ps->flags & VL_RE_NEWLINE) bs_del(tree->set, '\n');
        break;
    case T_WORD:
    case T_NOTWORD:
    case T_SPACE:
    case T_NOTSPACE:
        tree = class_node(ps, t.type);
        break;
    case T_ALT:
    case T_END:
        return NULL;
    case T_BACKSLASH:
        return set_err(ps, MSG_EESCAPE), NULL;
    default:
        return set_err(ps, MSG_BADPAT), NULL;
    }
    if (!tree) return NULL;
    ps->laststart = false;
    fetch(ps, ps->syn);
    return parse_postfix(ps, tree);
}

/* A concatenation: a list of expressions (adjacent literal bytes merged into one string). */
static node *parse_branch(parser *ps, int nest)
{
    node *first = NULL, *tail = NULL, *cat = NULL;
    node *e = parse_expression(ps, nest);
    if (ps->err) return NULL;
    for (;;) {
        if (e) {
            if (e->type == N_STR && tail && tail->type == N_STR &&
                tail->off + (size_t)tail->a == e->off) {
                tail->a += e->a;
                if (ps->nodes->used && &ps->nodes->n[ps->nodes->used - 1] == e) {
                    ps->nodes->used--; /* (the byte's own node is not needed: give it back) */
                    ps->nnodes--;
                }
            } else if (!first) {
                first = tail = e;
            } else {
                if (!cat) {
                    cat = new_node(ps, N_CAT);
                    if (!cat) return NULL;
                    cat->kid = first;
                }
                tail->next = e;
                tail = e;
            }
        }
        if (ps->t.type == T_ALT || ps->t.type == T_END || (nest != 0 && ps->t.type == T_CLOSE))
            break;
        e = parse_expression(ps, nest);
        if (ps->err) return NULL;
    }
    return cat ? cat : first;
}

static node *empty_node(parser *ps) { return new_node(ps, N_EMPTY); }

static node *parse_reg_exp(parser *ps, int nest)
{
    uint32_t initial = ps->completed; /* a back-reference sees only its own branch's groups */
    node *br = parse_branch(ps, nest);
    if (ps->err) return NULL;
    if (ps->t.type != T_ALT) return br;
    node *alt = new_node(ps, N_ALT);
    if (!alt) return NULL;
    alt->kid = br ? br : empty_node(ps);
    node *tail = alt->kid;
    while (ps->t.type == T_ALT) {
        ps->laststart = true;
        fetch(ps, ps->syn | S_CARET_ANCHORS_HERE);
        node *b = NULL;
        if (ps->t.type != T_ALT && ps->t.type != T_END && (nest == 0 || ps->t.type != T_CLOSE)) {
            uint32_t acc = ps->completed;
            ps->completed = initial;
            b = parse_branch(ps, nest);
            if (ps->err) return NULL;
            ps->completed |= acc;
        }
        if (!b) b = empty_node(ps);
        if (!b || !tail) return NULL;
        tail->next = b;
        tail = b;
    }
    return alt;
}

/* Parse one BRE/ERE pattern. */
static node *parse_one(parser *ps, const unsigned char *s, size_t n)
{
    ps->s = s;
    ps->n = n;
    ps->pos = 0;
    ps->ngroups = 0;
    ps->completed = 0;
    ps->err = NULL;
    ps->nnodes = 0;
    ps->laststart = true;
    fetch(ps, ps->syn | S_CARET_ANCHORS_HERE);
    node *t = parse_reg_exp(ps, 0);
    if (ps->err) return NULL;
    if (ps->t.type != T_END) {
        set_err(ps, MSG_ERPAREN); /* cannot happen: the top level takes every token */
        return NULL;
    }
    return t ? t : empty_node(ps);
}

/* ---- analysis of the tree ---- */

/* Perl's first match is the longest one when no choice can trade a longer start of the match
 * for a shorter whole: no alternation, no back-reference, and only single bytes repeated. */
static bool tree_simple(const node *n)
{
    if (!n) return true;
    switch (n->type) {
    case N_ALT:
    case N_BREF: return false;
    case N_REP:
        return (n->kid->type == N_STR && n->kid->a == 1) || n->kid->type == N_SET;
    case N_CAT:
        for (const node *k = n->kid; k; k = k->next)
            if (!tree_simple(k)) return false;
        return true;
    case N_GROUP: return tree_simple(n->kid);
    default: return true;
    }
}

/* Records mode: nothing may match the record terminator. */
static void tree_records(parser *ps, node *n, unsigned sep)
{
    if (!n) return;
    switch (n->type) {
    case N_SET: bs_del(n->set, sep); break;
    case N_STR:
        if (memchr(ps->pool + n->off, (int)sep, (size_t)n->a)) n->type = N_FAIL;
        break;
    case N_CAT:
    case N_ALT:
        for (node *k = n->kid; k; k = k->next) tree_records(ps, k, sep);
        break;
    case N_REP:
    case N_GROUP: tree_records(ps, n->kid, sep); break;
    default: break;
    }
}

/* ---- writing the tree as a PCRE2 pattern ---- */
typedef struct ebuf {
    vk_proc *p;
    char *s;
    size_t n, cap;
    bool oom;
} ebuf;

static void eb_add(ebuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) cap *= 2;
        char *ns = vk_realloc(b->p, b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static void eb_adds(ebuf *b, const char *s) { eb_add(b, s, strlen(s)); }

static void eb_byte(ebuf *b, unsigned c)
{
    char t[8];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        t[0] = (char)c;
        eb_add(b, t, 1);
    } else if (c > ' ' && c < 127) {
        t[0] = '\\';
        t[1] = (char)c;
        eb_add(b, t, 2);
    } else {
        snprintf(t, sizeof t, "\\x%02x", c);
        eb_add(b, t, 4);
    }
}

static void eb_set(ebuf *b, const bset *set)
{
    int n = bs_count(set);
    if (n == 0) {
        eb_adds(b, "(?!)");
        return;
    }
    if (n == 256) {
        eb_adds(b, "[\\x00-\\xff]");
        return;
    }
    bset s = *set;
    bool neg = n > 128;
    if (neg) bs_not(&s);
    if (!neg && n == 1) {
        for (unsigned c = 0; c < 256; c++)
            if (bs_has(&s, c)) eb_byte(b, c);
        return;
    }
    eb_adds(b, neg ? "[^" : "[");
    char t[16];
    for (unsigned c = 0; c < 256; c++) {
        if (!bs_has(&s, c)) continue;
        unsigned e = c;
        while (e < 255 && bs_has(&s, e + 1)) e++;
        if (e == c) snprintf(t, sizeof t, "\\x%02x", c);
        else if (e == c + 1) snprintf(t, sizeof t, "\\x%02x\\x%02x", c, e);
        else snprintf(t, sizeof t, "\\x%02x-\\x%02x", c, e);
        eb_adds(b, t);
        c = e;
    }
    eb_adds(b, "]");
}

typedef struct emitter {
    ebuf *b;
    const char *pool;
    bool records;
    int group_base; /* back-references are written relative to the part's first group */
} emitter;

static void emit(emitter *em, const node *n);

static bool is_atom(const node *n)
{
    switch (n->type) {
    case N_STR: return n->a == 1;
    case N_SET:
    case N_GROUP:
    case N_ALT:
    case N_BREF: return true;
    default: return false;
    }
}

static void emit(emitter *em, const node *n)
{
    ebuf *b = em->b;
    char t[40];
    if (!n) return;
    switch (n->type) {
    case N_EMPTY: break;
    case N_FAIL: eb_adds(b, "(?!)"); break;
    case N_STR:
        for (int i = 0; i < n->a; i++) eb_byte(b, (unsigned char)em->pool[n->off + (size_t)i]);
        break;
    case N_SET: eb_set(b, n->set); break;
    case N_CAT:
        for (const node *k = n->kid; k; k = k->next) emit(em, k);
        break;
    case N_ALT:
        eb_adds(b, "(?:");
        for (const node *k = n->kid; k; k = k->next) {
            if (k != n->kid) eb_adds(b, "|");
            emit(em, k);
        }
        eb_adds(b, ")");
        break;
    case N_REP: {
        bool atom = is_atom(n->kid);
        if (!atom) eb_adds(b, "(?:");
        emit(em, n->kid);
        if (!atom) eb_adds(b, ")");
        if (n->a == 0 && n->b == -1) eb_adds(b, "*");
        else if (n->a == 1 && n->b == -1) eb_adds(b, "+");
        else if (n->a == 0 && n->b == 1) eb_adds(b, "?");
        else if (n->a == n->b) snprintf(t, sizeof t, "{%d}", n->a), eb_adds(b, t);
        else if (n->b == -1) snprintf(t, sizeof t, "{%d,}", n->a), eb_adds(b, t);
        else snprintf(t, sizeof t, "{%d,%d}", n->a, n->b), eb_adds(b, t);
        break;
    }
    case N_GROUP:
        eb_adds(b, "(");
        emit(em, n->kid);
        eb_adds(b, ")");
        break;
    case N_BREF:
        snprintf(t, sizeof t, "\\g{%d}", n->a - em->group_base);
        eb_adds(b, t);
        break;
    case N_ASSERT:
        switch (n->a) {
        case A_BOL: eb_adds(b, "^"); break;
        case A_EOL: eb_adds(b, "$"); break;
        case A_BUFBEG: eb_adds(b, em->records ? "^" : "\\A"); break;
        case A_BUFEND: eb_adds(b, em->records ? "$" : "\\z"); break;
        case A_WORDB: eb_adds(b, "\\b"); break;
        case A_NWORDB: eb_adds(b, "\\B"); break;
        case A_WBEG: eb_adds(b, "\\b(?=\\w)"); break;
        case A_WEND: eb_adds(b, "\\b(?<=\\w)"); break;
        case A_NOTWPREV: eb_adds(b, "(?<!\\w)"); break;
        case A_NOTWNEXT: eb_adds(b, "(?!\\w)"); break;
        }
        break;
    }
}

/* ---- the automaton (Thompson's construction; no back-references) ---- */
enum { I_BYTE, I_SET, I_SPLIT, I_JMP, I_ASSERT, I_MATCH, I_FAIL };
typedef struct inst {
    uint8_t op, c1, c2, kind;
    int x, y; /* SPLIT: both; JMP: x; SET: x is the set index */
} inst;

typedef struct thr {
    int pc;
    ptrdiff_t start;
} thr;

typedef struct nfa {
    inst *prog;
    int n, cap;
    bset *sets;
    int nsets, setcap;
    bool too_big;
    /* run state, allocated at first use */
    thr *cl, *nl;
    int *mark, *stack;
    uint64_t gen;
} nfa;

typedef struct nbuild {
    vk_proc *p;
    nfa *a;
    const char *pool;
    bool icase, records;
} nbuild;

static int nb_add(nbuild *nb, int op)
{
    nfa *a = nb->a;
    if (a->too_big) return -1;
    if (a->n >= MAX_NFA_INSTS) {
        a->too_big = true;
        return -1;
    }
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 64;
        inst *np = vk_realloc(nb->p, a->prog, (size_t)cap * sizeof *np);
        if (!np) {
            a->too_big = true;
            return -1;
        }
        a->prog = np;
        a->cap = cap;
    }
    inst *i = &a->prog[a->n];
    memset(i, 0, sizeof *i);
    i->op = (uint8_t)op;
    return a->n++;
}

static int nb_set(nbuild *nb, const bset *s)
{
    nfa *a = nb->a;
    if (a->nsets == a->setcap) {
        int cap = a->setcap ? a->setcap * 2 : 16;
        bset *np = vk_realloc(nb->p, a->sets, (size_t)cap * sizeof *np);
        if (!np) {
            a->too_big = true;
            return -1;
        }
        a->sets = np;
        a->setcap = cap;
    }
    a->sets[a->nsets] = *s;
    return a->nsets++;
}

static void nb_tree(nbuild *nb, const node *n)
{
    nfa *a = nb->a;
    if (!n || a->too_big) return;
    switch (n->type) {
    case N_EMPTY: break;
    case N_FAIL: nb_add(nb, I_FAIL); break;
    case N_STR:
        for (int i = 0; i < n->a && !a->too_big; i++) {
            unsigned c = (unsigned char)nb->pool[n->off + (size_t)i];
            int k = nb_add(nb, I_BYTE);
            if (k < 0) return;
            a->prog[k].c1 = a->prog[k].c2 = (uint8_t)c;
            if (nb->icase && c >= 'A' && c <= 'Z') a->prog[k].c2 = (uint8_t)(c + 32);
            if (nb->icase && c >= 'a' && c <= 'z') a->prog[k].c2 = (uint8_t)(c - 32);
        }
        break;
    case N_SET: {
        int k = nb_add(nb, I_SET);
        int s = nb_set(nb, n->set);
        if (k >= 0) a->prog[k].x = s;
        break;
    }
    case N_CAT:
        for (const node *k = n->kid; k; k = k->next) nb_tree(nb, k);
        break;
    case N_ALT: {
        /* SPLIT L1, next; L1: kid; JMP end; next: ...; the JMPs are chained through x until
         * the end is known */
        int chain = -1;
        for (const node *k = n->kid; k && !a->too_big; k = k->next) {
            if (!k->next) {
                nb_tree(nb, k);
                break;
            }
            int sp = nb_add(nb, I_SPLIT);
            if (sp < 0) return;
            a->prog[sp].x = sp + 1;
            nb_tree(nb, k);
            int j = nb_add(nb, I_JMP);
            if (j < 0) return;
            a->prog[j].x = chain;
            chain = j;
            a->prog[sp].y = a->n;
        }
        if (a->too_big) return;
        while (chain >= 0) {
            int nx = a->prog[chain].x;
            a->prog[chain].x = a->n;
            chain = nx;
        }
        break;
    }
    case N_REP: {
        for (int i = 0; i < n->a && !a->too_big; i++) nb_tree(nb, n->kid);
        if (n->b == -1) {
            int sp = nb_add(nb, I_SPLIT);
            if (sp < 0) return;
            a->prog[sp].x = sp + 1;
            nb_tree(nb, n->kid);
            int j = nb_add(nb, I_JMP);
            if (j < 0) return;
            a->prog[j].x = sp;
            a->prog[sp].y = a->n;
        } else {
            int first = -1; /* chain of SPLITs whose y goes to the end */
            for (int i = n->a; i < n->b && !a->too_big; i++) {
                int sp = nb_add(nb, I_SPLIT);
                if (sp < 0) return;
                a->prog[sp].x = sp + 1;
                a->prog[sp].y = first;
                first = sp;
                nb_tree(nb, n->kid);
            }
            if (a->too_big) return;
            while (first >= 0) {
                int nx = a->prog[first].y;
                a->prog[first].y = a->n;
                first = nx;
            }
        }
        break;
    }
    case N_GROUP: nb_tree(nb, n->kid); break;
    case N_ASSERT: {
        int k = nb_add(nb, I_ASSERT);
        if (k < 0) return;
        int kind = n->a;
        if (nb->records && kind == A_BUFBEG) kind = A_BOL;
        if (nb->records && kind == A_BUFEND) kind = A_EOL;
        a->prog[k].kind = (uint8_t)kind;
        break;
    }
    default: a->too_big = true; break;
    }
}

/* ---- the compiled pattern ---- */
typedef struct part {
    pcre2_code *code;     /* searches */
    pcre2_code *anch;     /* the same, anchored at the start offset (compiled when needed) */
    pcre2_match_data *md;
    char *text;           /* the PCRE2 pattern, kept for the anchored compile */
    size_t tlen;
    bool jit, anch_jit, anch_tried;
} part;

typedef struct callout_state {
    size_t target;        /* end_cb: the end the match must reach */
    size_t best, lim;     /* longest_cb: the longest end so far, the end that cannot be beaten */
    bool found;
    PCRE2_SIZE *caps;     /* longest_cb: the groups of the first path reaching best */
    size_t ncaps;         /* pairs in caps */
} callout_state;

struct vl_re {
    vk_proc *p;
    int syntax, flags;
    bool records, simple, has_bref, never;
    unsigned sep;
    size_t ngroups;
    uint32_t copts;
    pcre2_general_context *gctx;
    pcre2_compile_context *cctx;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    part *parts;
    int nparts, partcap;
    /* one literal string: memchr for its rarest byte, then compare */
    bool literal;
    char *lit;
    size_t litlen;
    size_t rare;         /* index of the byte memchr looks for */
    unsigned rc1, rc2;   /* that byte, and its other case (-i) */
    uint32_t stepacc;    /* steps not yet counted */
    /* the automaton */
    nfa a;
    bool nfa_ok;
    const char *limit_msg;
    callout_state cs;
};

static void *g_malloc(PCRE2_SIZE n, void *ud) { return vk_malloc((vk_proc *)ud, n); }
static void g_free(void *ptr, void *ud) { vk_free((vk_proc *)ud, ptr); }

/* after an allocation failed: the process's limit code, or ENOMEM */
static int oom_rc(vk_proc *p)
{
    int rc = vk_check(p);
    return rc < 0 && rc != VOS_EINTR ? rc : VOS_ENOMEM;
}

static void diag_msg(vl_re_diag *d, const char *msg)
{
    if (!d) return;
    snprintf(d->msg, sizeof d->msg, "%s", msg);
}

/* Compile text as PCRE2 (extra: more options). Returns 0, VL_RE_ETOOBIG, VL_RE_ESYNTAX (PCRE2's
 * message in diag) or a negative VOS code. */
static int pc_compile(vl_re *re, const char *text, size_t tlen, uint32_t extra, pcre2_code **out,
                      bool *jit, vl_re_diag *diag)
{
    int err;
    PCRE2_SIZE eoff;
    *out = pcre2_compile((PCRE2_SPTR)text, tlen, re->copts | extra, &err, &eoff, re->cctx);
    if (!*out) {
        if (err == PCRE2_ERROR_NOMEMORY) return oom_rc(re->p);
        if (err == PCRE2_ERROR_PATTERN_TOO_LARGE || err == PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP ||
            err == PCRE2_ERROR_TOO_MANY_CAPTURES || err == PCRE2_ERROR_PATTERN_STRING_TOO_LONG ||
            err == PCRE2_ERROR_PATTERN_TOO_COMPLICATED) {
            if (re->syntax != VL_RE_PCRE) {
                diag_msg(diag, MSG_ESIZE);
                return VL_RE_ETOOBIG;
            }
        }
        if (diag) {
            PCRE2_UCHAR buf[256];
            if (pcre2_get_error_message(err, buf, sizeof buf) < 0) snprintf((char *)buf, sizeof buf, "%s", MSG_BADPAT);
            diag_msg(diag, (const char *)buf);
        }
        return re->syntax == VL_RE_PCRE ? VL_RE_ESYNTAX : VL_RE_ETOOBIG;
    }
    *jit = pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE) == 0;
    return 0;
}

static int add_part(vl_re *re, char *text, size_t tlen, vl_re_diag *diag)
{
    if (re->nparts == re->partcap) {
        int cap = re->partcap ? re->partcap * 2 : 4;
        part *np = vk_realloc(re->p, re->parts, (size_t)cap * sizeof *np);
        if (!np) return oom_rc(re->p);
        re->parts = np;
        re->partcap = cap;
    }
    part *pt = &re->parts[re->nparts];
    memset(pt, 0, sizeof *pt);
    int rc = pc_compile(re, text, tlen, 0, &pt->code, &pt->jit, diag);
    if (rc < 0) return rc;
    pt->md = pcre2_match_data_create_from_pattern(pt->code, re->gctx);
    if (!pt->md) {
        pcre2_code_free(pt->code);
        return oom_rc(re->p);
    }
    pt->text = text;
    pt->tlen = tlen;
    re->nparts++;
    return 0;
}

/* the items of a list joined into one tree (k0..k1), with the -w / -x wrappers */
static node *whole_tree(parser *ps, node **items, int k0, int k1, int flags)
{
    node *body;
    if (k1 - k0 == 1) {
        body = items[k0];
        body->next = NULL;
    } else {
        body = new_node(ps, N_ALT);
        if (!body) return NULL;
        body->kid = items[k0];
        for (int k = k0; k < k1; k++) items[k]->next = k + 1 < k1 ? items[k + 1] : NULL;
    }
    if (!(flags & (VL_RE_WORD | VL_RE_LINE))) return body;
    node *cat = new_node(ps, N_CAT), *pre = new_node(ps, N_ASSERT), *post = new_node(ps, N_ASSERT);
    if (!cat || !pre || !post) return NULL;
    bool line = flags & VL_RE_LINE;
    pre->a = line ? A_BOL : A_NOTWPREV;
    post->a = line ? A_EOL : A_NOTWNEXT;
    if (k1 - k0 == 1 && body->type != N_ALT) {
        /* keep the one item's groups as they are: wrap in a non-capturing way */
        node *alt = new_node(ps, N_ALT);
        if (!alt) return NULL;
        alt->kid = body;
        body = alt;
    }
    cat->kid = pre;
    pre->next = body;
    body->next = post;
    post->next = NULL;
    return cat;
}

/* Emit items k0..k1 as one PCRE2 part; split the range when too big. */
static int build_parts(vl_re *re, parser *ps, node **items, const int *base, int k0, int k1,
                       vl_re_diag *diag)
{
    node *t = whole_tree(ps, items, k0, k1, re->flags);
    if (!t) return ps->oom ? oom_rc(re->p) : VL_RE_ETOOBIG;
    ebuf b = {re->p, NULL, 0, 0, false};
    emitter em = {&b, ps->pool, re->records, base[k0]};
    emit(&em, t);
    if (!re->simple) eb_adds(&b, "(?C1)");
    if (b.oom) {
        vk_free(re->p, b.s);
        return oom_rc(re->p);
    }
    if (k1 - k0 > 1 && b.n > PART_BYTES) {
        vk_free(re->p, b.s);
        int mid = k0 + (k1 - k0) / 2;
        int rc = build_parts(re, ps, items, base, k0, mid, diag);
        return rc < 0 ? rc : build_parts(re, ps, items, base, mid, k1, diag);
    }
    int rc = add_part(re, b.s, b.n, diag);
    if (rc == VL_RE_ETOOBIG && k1 - k0 > 1) {
        vk_free(re->p, b.s);
        int mid = k0 + (k1 - k0) / 2;
        rc = build_parts(re, ps, items, base, k0, mid, diag);
        return rc < 0 ? rc : build_parts(re, ps, items, base, mid, k1, diag);
    }
    if (rc < 0) vk_free(re->p, b.s);
    return rc;
}

/* ---- sets of literal strings: one trie-shaped PCRE2 pattern ----
 * "abc", "abd", "ab" become ab(?:c|d)?: at each place at most one branch can go on, and the
 * longer way is tried first, so Perl's first match is also the longest (simple). */
typedef struct lit {
    const unsigned char *s;
    size_t n;
} lit;

static int cmp_lit(const void *x, const void *y)
{
    const lit *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int r = memcmp(a->s, b->s, n);
    return r ? r : a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_lit_fold(const void *x, const void *y)
{
    const lit *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        unsigned ca = a->s[i], cb = b->s[i];
        if (ca >= 'A' && ca <= 'Z') ca += 32;
        if (cb >= 'A' && cb <= 'Z') cb += 32;
        if (ca != cb) return ca < cb ? -1 : 1;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

static inline unsigned lkey(unsigned c, bool icase)
{
    return icase && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* the words w[lo..hi), sorted, sharing their first d bytes; false when the stack ran low */
static bool emit_trie(ebuf *b, const lit *w, size_t lo, size_t hi, size_t d, bool icase)
{
    if (vk_stack_low()) return false;
    for (;;) {
        bool end = false;
        while (lo < hi && w[lo].n == d) lo++, end = true;
        if (lo == hi) return true;
        size_t nchild = 0;
        for (size_t i = lo; i < hi;) {
            unsigned c = lkey(w[i].s[d], icase);
            while (i < hi && lkey(w[i].s[d], icase) == c) i++;
            nchild++;
        }
        if (nchild == 1 && !end) { /* a chain: no group */
            eb_byte(b, w[lo].s[d]);
            d++;
            continue;
        }
        eb_adds(b, "(?:");
        for (size_t i = lo; i < hi;) {
            unsigned c = lkey(w[i].s[d], icase);
            size_t j = i;
            while (j < hi && lkey(w[j].s[d], icase) == c) j++;
            if (i != lo) eb_adds(b, "|");
            eb_byte(b, w[i].s[d]);
            if (!emit_trie(b, w, i, j, d + 1, icase)) return false;
            i = j;
        }
        eb_adds(b, end ? ")?" : ")");
        return true;
    }
}

/* Emit the literals w[k0..k1) as PCRE2 parts, splitting the range when too big. */
static int build_lit_parts(vl_re *re, const lit *w, size_t k0, size_t k1, vl_re_diag *diag)
{
    ebuf b = {re->p, NULL, 0, 0, false};
    bool line = re->flags & VL_RE_LINE, word = re->flags & VL_RE_WORD;
    eb_adds(&b, line ? "^(?:" : word ? "(?<!\\w)(?:" : "(?:");
    bool ok = emit_trie(&b, w, k0, k1, 0, re->flags & VL_RE_ICASE);
    if (!ok) { /* too deep for the stack: plain alternatives, longest first */
        b.n = 0;
        eb_adds(&b, line ? "^(?:" : word ? "(?<!\\w)(?:" : "(?:");
        for (size_t i = k1; i-- > k0;) {
            if (i != k1 - 1) eb_adds(&b, "|");
            for (size_t j = 0; j < w[i].n; j++) eb_byte(&b, w[i].s[j]);
        }
    }
    eb_adds(&b, line ? ")$" : word ? ")(?!\\w)" : ")");
    if (b.oom) {
        vk_free(re->p, b.s);
        return oom_rc(re->p);
    }
    int rc = VL_RE_ETOOBIG;
    if (k1 - k0 == 1 || b.n <= PART_BYTES) {
        rc = add_part(re, b.s, b.n, diag);
        if (rc == 0) return 0;
    }
    vk_free(re->p, b.s);
    if (rc != VL_RE_ETOOBIG || k1 - k0 == 1) return rc;
    size_t mid = k0 + (k1 - k0) / 2;
    rc = build_lit_parts(re, w, k0, mid, diag);
    return rc < 0 ? rc : build_lit_parts(re, w, mid, k1, diag);
}

/* Are the trees only literal strings (or alternatives of them)? Collect them. */
static size_t literal_set(const parser *ps, node **trees, size_t n, lit *out, bool *all)
{
    size_t k = 0;
    *all = true;
    for (size_t i = 0; i < n && *all; i++) {
        const node *t = trees[i];
        const node *kids = t->type == N_ALT ? t->kid : t;
        for (const node *x = kids; x; x = t->type == N_ALT ? x->next : NULL) {
            if (x->type == N_STR) {
                if (out) out[k].s = (const unsigned char *)ps->pool + x->off, out[k].n = (size_t)x->a;
                k++;
            } else if (x->type == N_EMPTY) {
                if (out) out[k].s = (const unsigned char *)"", out[k].n = 0;
                k++;
            } else if (x->type != N_FAIL) {
                *all = false;
                break;
            }
        }
    }
    return k;
}

void vl_re_free(vl_re *re)
{
    if (!re) return;
    vk_proc *p = re->p;
    for (int i = 0; i < re->nparts; i++) {
        part *pt = &re->parts[i];
        pcre2_match_data_free(pt->md);
        pcre2_code_free(pt->code);
        pcre2_code_free(pt->anch);
        vk_free(p, pt->text);
    }
    vk_free(p, re->parts);
    if (re->jstack) pcre2_jit_stack_free(re->jstack);
    pcre2_match_context_free(re->mctx);
    pcre2_compile_context_free(re->cctx);
    pcre2_general_context_free(re->gctx);
    vk_free(p, re->lit);
    vk_free(p, re->a.prog);
    vk_free(p, re->a.sets);
    vk_free(p, re->a.cl);
    vk_free(p, re->a.nl);
    vk_free(p, re->a.mark);
    vk_free(p, re->a.stack);
    vk_free(p, re->cs.caps);
    vk_free(p, re);
}

size_t vl_re_ngroups(const vl_re *re) { return re ? re->ngroups : 0; }

const char *vl_re_limit_msg(const vl_re *re)
{
    if (!re || !re->limit_msg || re->syntax != VL_RE_PCRE) return "regular expression too complex";
    return re->limit_msg;
}

const char *vl_re_strerror(int rc)
{
    switch (rc) {
    case VL_RE_ESYNTAX: return MSG_BADPAT;
    case VL_RE_ETOOBIG: return MSG_ESIZE;
    case VL_RE_ECOMPLEX: return "regular expression too complex";
    default: return vos_strerror(rc);
    }
}

/* split a list into its patterns: each ended by '\n', a last one without it counts too */
static size_t split_list(const char *pat, size_t len, bool list, const char ***ps, size_t **ls,
                         vk_proc *p)
{
    size_t n = 0;
    if (!list) n = 1;
    else
        for (size_t i = 0; i < len; n++) {
            const char *nl = memchr(pat + i, '\n', len - i);
            i = nl ? (size_t)(nl - pat) + 1 : len;
        }
    *ps = vk_malloc(p, (n ? n : 1) * sizeof **ps);
    *ls = vk_malloc(p, (n ? n : 1) * sizeof **ls);
    if (!*ps || !*ls) return (size_t)-1;
    if (!list) {
        (*ps)[0] = pat;
        (*ls)[0] = len;
        return 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < len; k++) {
        const char *nl = memchr(pat + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - pat) : len;
        (*ps)[k] = pat + i;
        (*ls)[k] = e - i;
        i = nl ? e + 1 : len;
    }
    return n;
}

static void lit_prepare(vl_re *re);

int vl_re_compile(vk_proc *p, const char *pat, size_t len, int syntax, int flags, vl_re **out,
                  vl_re_diag *diag)
{
    *out = NULL;
    if (diag) diag->msg[0] = 0;
    vl_re *re = vk_calloc(p, 1, sizeof *re);
    if (!re) return oom_rc(p);
    re->p = p;
    re->syntax = syntax;
    re->flags = flags;
    re->records = flags & VL_RE_RECORDS;
    re->sep = (flags & VL_RE_ZERO) ? 0 : '\n';
    re->gctx = pcre2_general_context_create(g_malloc, g_free, p);
    re->cctx = re->gctx ? pcre2_compile_context_create(re->gctx) : NULL;
    re->mctx = re->gctx ? pcre2_match_context_create(re->gctx) : NULL;
    const char **items = NULL;
    size_t *ilen = NULL;
    node **trees = NULL;
    int *base = NULL;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = p;
    ps.flags = flags;
    ps.diag = diag;
    int rc = 0;
    if (!re->mctx || !re->cctx) {
        rc = oom_rc(p);
        goto out;
    }
    pcre2_set_heap_limit(re->mctx, HEAP_LIMIT_KIB);
    pcre2_set_parens_nest_limit(re->cctx, MAX_NEST + 10);
    if (re->records && syntax != VL_RE_PCRE)
        pcre2_set_newline(re->cctx, re->sep ? PCRE2_NEWLINE_LF : PCRE2_NEWLINE_NUL);
    re->copts = PCRE2_DOLLAR_ENDONLY;
    if (flags & VL_RE_ICASE) re->copts |= PCRE2_CASELESS;
    if ((re->records && syntax != VL_RE_PCRE) || (flags & VL_RE_NEWLINE)) re->copts |= PCRE2_MULTILINE;
    if ((flags & VL_RE_NEWLINE) && (flags & VL_RE_NL_END)) re->copts |= PCRE2_ALT_CIRCUMFLEX;

    size_t n = split_list(pat, len, flags & VL_RE_LIST, &items, &ilen, p);
    if (n == (size_t)-1) {
        rc = oom_rc(p);
        goto out;
    }
    if (n == 0) {
        re->never = true;
        goto done;
    }

    if (syntax == VL_RE_PCRE) {
        if (flags & VL_RE_UTF) re->copts |= PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
        if (n != 1) {
            diag_msg(diag, "the -P option only supports a single pattern");
            rc = VL_RE_ESYNTAX;
            goto out;
        }
        ebuf b = {p, NULL, 0, 0, false};
        if (flags & VL_RE_LINE) eb_adds(&b, "^(?:");
        else if (flags & VL_RE_WORD) eb_adds(&b, "(?<!\\w)(?:");
        eb_add(&b, items[0], ilen[0]);
        if (flags & (VL_RE_LINE | VL_RE_WORD)) eb_adds(&b, (flags & VL_RE_LINE) ? ")$" : ")(?!\\w)");
        if (b.oom) {
            vk_free(p, b.s);
            rc = oom_rc(p);
            goto out;
        }
        re->simple = true;
        rc = add_part(re, b.s ? b.s : vk_strdup(p, ""), b.n, diag);
        if (rc < 0) {
            vk_free(p, b.s);
            goto out;
        }
        uint32_t cc = 0;
        pcre2_pattern_info(re->parts[0].code, PCRE2_INFO_CAPTURECOUNT, &cc);
        re->ngroups = cc;
        goto done;
    }

    trees = vk_calloc(p, n, sizeof *trees);
    base = vk_calloc(p, n + 1, sizeof *base);
    if (!trees || !base) {
        rc = oom_rc(p);
        goto out;
    }
    ps.syn = syntax_bits(syntax, flags);
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        node *t;
        if (syntax == VL_RE_FIXED) {
            t = new_node(&ps, N_STR);
            if (t) {
                t->off = ps.pool_len;
                t->a = (int)ilen[k];
                for (size_t i = 0; i < ilen[k] && !ps.oom; i++) pool_add(&ps, (unsigned char)items[k][i]);
                if (ilen[k] > INT32_MAX) ps.err = MSG_ESIZE;
            }
            if (re->records && memchr(items[k], (int)re->sep, ilen[k])) continue; /* never matches */
        } else {
            ps.group_base = base[kept];
            t = parse_one(&ps, (const unsigned char *)items[k], ilen[k]);
        }
        if (ps.err || !t) {
            if (ps.oom) rc = oom_rc(p);
            else {
                diag_msg(diag, ps.err ? ps.err : MSG_ESIZE);
                rc = ps.err == MSG_ESIZE ? VL_RE_ETOOBIG : VL_RE_ESYNTAX;
            }
            goto out;
        }
        trees[kept] = t;
        base[kept + 1] = base[kept] + ps.ngroups * (syntax != VL_RE_FIXED);
        kept++;
    }
    if (kept == 0) {
        re->never = true;
        goto done;
    }
    re->has_bref = ps.has_bref;
    re->ngroups = (size_t)base[kept];
    if (re->records)
        for (size_t k = 0; k < kept; k++) tree_records(&ps, trees[k], re->sep);
    /* literal strings only (grep -F, or patterns without operators): one string is found by
     * memchr and compare, several by a trie */
    bool all;
    size_t nlit = literal_set(&ps, trees, kept, NULL, &all);
    if (all) {
        if (nlit == 0) {
            re->never = true;
            goto done;
        }
        lit *w = vk_malloc(p, nlit * sizeof *w);
        if (!w) {
            rc = oom_rc(p);
            goto out;
        }
        literal_set(&ps, trees, kept, w, &all);
        if (nlit == 1) {
            re->literal = true;
            re->litlen = w[0].n;
            re->lit = vk_malloc(p, re->litlen + 1);
            if (re->lit && re->litlen) memcpy(re->lit, w[0].s, re->litlen);
            vk_free(p, w);
            if (!re->lit) {
                rc = oom_rc(p);
                goto out;
            }
            lit_prepare(re);
            goto done;
        }
        qsort(w, nlit, sizeof *w, (flags & VL_RE_ICASE) ? cmp_lit_fold : cmp_lit);
        re->simple = true;
        re->ngroups = 0;
        rc = build_lit_parts(re, w, 0, nlit, diag);
        vk_free(p, w);
        if (rc < 0) goto out;
        goto done;
    }
    re->simple = kept == 1 && tree_simple(trees[0]);
    rc = build_parts(re, &ps, trees, base, 0, (int)kept, diag);
    if (rc < 0) goto out;
    if (re->nparts > 1) re->ngroups = 0;
    /* the automaton, for BRE/ERE without back-references */
    if (syntax != VL_RE_FIXED && !re->has_bref) {
        node *t = whole_tree(&ps, trees, 0, (int)kept, flags);
        nbuild nb = {p, &re->a, ps.pool, (flags & VL_RE_ICASE) != 0, re->records};
        if (t) nb_tree(&nb, t);
        if (t && nb_add(&nb, I_MATCH) >= 0 && !re->a.too_big) re->nfa_ok = true;
    }

done:
    *out = re;
    re = NULL;
    rc = 0;
out:
    free_nodes(p, ps.nodes, ps.sets);
    vk_free(p, ps.pool);
    vk_free(p, items);
    vk_free(p, ilen);
    vk_free(p, trees);
    vk_free(p, base);
    vl_re_free(re);
    return rc;
}

/* ---- searching ---- */

/* One PCRE2 match. 1, 0, VL_RE_ECOMPLEX (and limit_msg) or a negative VOS code. */
static int pc_run(vl_re *re, pcre2_code *code, bool jit, pcre2_match_data *md, const char *s,
                  size_t len, size_t start, uint32_t opts)
{
    pcre2_set_match_limit(re->mctx, jit ? MATCH_LIMIT_JIT : MATCH_LIMIT_INTERP);
    int rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, opts, md, re->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !re->jstack) {
        re->jstack = pcre2_jit_stack_create(32768, JIT_STACK_MAX, re->gctx);
        if (re->jstack) {
            pcre2_jit_stack_assign(re->mctx, NULL, re->jstack);
            rc = pcre2_match(code, (PCRE2_SPTR)s, len, start, opts, md, re->mctx);
        }
    }
    if (rc >= 0) return 1;
    switch (rc) {
    case PCRE2_ERROR_NOMATCH: return 0;
    case PCRE2_ERROR_MATCHLIMIT: re->limit_msg = "exceeded PCRE's backtracking limit"; break;
    case PCRE2_ERROR_DEPTHLIMIT: re->limit_msg = "exceeded PCRE's nested backtracking limit"; break;
    case PCRE2_ERROR_HEAPLIMIT: re->limit_msg = "exceeded PCRE's heap limit"; break;
    case PCRE2_ERROR_JIT_STACKLIMIT: re->limit_msg = "exhausted PCRE JIT stack"; break;
    case PCRE2_ERROR_NOMEMORY: {
        int c = vk_check(re->p);
        if (c < 0 && c != VOS_EINTR) return c;
        re->limit_msg = "exceeded PCRE's heap limit";
        break;
    }
    default: return 0; /* (UTF errors of a Perl pattern asking for UTF: no match) */
    }
    return VL_RE_ECOMPLEX;
}

static int steps(vl_re *re, uint64_t n)
{
    int rc = vk_steps(re->p, n);
    return rc == VOS_EINTR ? 0 : rc;
}

static size_t record_end(const vl_re *re, const char *s, size_t len, size_t i)
{
    if (!re->records) return len;
    const char *e = memchr(s + i, (int)re->sep, len - i);
    return e ? (size_t)(e - s) : len;
}

/* ---- the automaton ---- */
static bool assert_at(const vl_re *re, int kind, const unsigned char *s, size_t len, size_t i,
                      int eflags)
{
    bool lines = re->records || (re->flags & VL_RE_NEWLINE);
    unsigned nl = re->records ? re->sep : '\n';
    bool wp = i > 0 && is_word(s[i - 1]), wn = i < len && is_word(s[i]);
    switch (kind) {
    case A_BOL:
        return (i == 0 && !(eflags & VL_RE_NOTBOL)) || (lines && i > 0 && s[i - 1] == nl);
    case A_EOL:
        return (i == len && !(eflags & VL_RE_NOTEOL)) || (lines && i < len && s[i] == nl);
    case A_BUFBEG: return i == 0;
    case A_BUFEND: return i == len;
    case A_WORDB: return wp != wn;
    case A_NWORDB: return wp == wn;
    case A_WBEG: return !wp && wn;
    case A_WEND: return wp && !wn;
    case A_NOTWPREV: return !wp;
    case A_NOTWNEXT: return !wn;
    }
    return false;
}

typedef struct nrun {
    const unsigned char *s;
    size_t len;
    int eflags;
    ptrdiff_t so, eo; /* the best match so far */
} nrun;

static void nfa_add(vl_re *re, nrun *r, thr *list, int *cnt, int pc0, ptrdiff_t start, size_t i,
                    int gen)
{
    nfa *a = &re->a;
    int sp = 0;
    a->stack[sp++] = pc0;
    while (sp) {
        int pc = a->stack[--sp];
        if (a->mark[pc] == gen) continue;
        a->mark[pc] = gen;
        const inst *in = &a->prog[pc];
        switch (in->op) {
        case I_JMP: a->stack[sp++] = in->x; break;
        case I_SPLIT:
            a->stack[sp++] = in->y;
            a->stack[sp++] = in->x;
            break;
        case I_ASSERT:
            if (assert_at(re, in->kind, r->s, r->len, i, r->eflags)) a->stack[sp++] = pc + 1;
            break;
        case I_MATCH:
            if (r->so < 0 || start < r->so || (start == r->so && (ptrdiff_t)i > r->eo)) {
                r->so = start;
                r->eo = (ptrdiff_t)i;
            }
            break;
        case I_FAIL: break;
        default:
            list[*cnt].pc = pc;
            list[*cnt].start = start;
            (*cnt)++;
        }
    }
}

/* The leftmost-longest match in s[from..lim) (s[0..len) is the context of assertions), or only
 * those starting at from when anchored. 1, 0 or a negative code. */
static int nfa_search(vl_re *re, const char *s, size_t len, size_t from, size_t lim, int eflags,
                      bool anchored, ptrdiff_t *so, ptrdiff_t *eo)
{
    nfa *a = &re->a;
    if (!a->cl) {
        size_t n = (size_t)a->n;
        a->cl = vk_malloc(re->p, n * sizeof *a->cl);
        a->nl = vk_malloc(re->p, n * sizeof *a->nl);
        a->mark = vk_calloc(re->p, n, sizeof *a->mark);
        a->stack = vk_malloc(re->p, (2 * n + 2) * sizeof *a->stack);
        if (!a->cl || !a->nl || !a->mark || !a->stack) return oom_rc(re->p);
    }
    nrun r = {(const unsigned char *)s, len, eflags, -1, -1};
    thr *cur = a->cl, *nxt = a->nl;
    int nc = 0;
    uint64_t work = 0;
    for (size_t i = from;; i++) {
        if (a->gen >= INT32_MAX - 2) {
            memset(a->mark, 0, (size_t)a->n * sizeof *a->mark);
            a->gen = 0;
        }
        int g = (int)++a->gen;
        /* this position's list was built with the previous generation: re-mark it */
        for (int k = 0; k < nc; k++) a->mark[cur[k].pc] = g;
        if (r.so < 0 && (!anchored || i == from)) nfa_add(re, &r, cur, &nc, 0, (ptrdiff_t)i, i, g);
        if (nc == 0 && (r.so >= 0 || anchored || i >= lim)) break;
        if (i >= lim) break;
        unsigned c = r.s[i];
        int nn = 0;
        int g2 = (int)++a->gen;
        for (int k = 0; k < nc; k++) {
            const thr *t = &cur[k];
            if (r.so >= 0 && t->start > r.so) continue;
            const inst *in = &a->prog[t->pc];
            bool ok = in->op == I_BYTE ? (c == in->c1 || c == in->c2)
                                       : bs_has(&a->sets[in->x], c);
            if (ok) nfa_add(re, &r, nxt, &nn, t->pc + 1, t->start, i + 1, g2);
        }
        work += (uint64_t)nc + 1;
        if (work >= 65536) {
            int rc = steps(re, work / 256);
            if (rc < 0) return rc;
            work = 0;
        }
        thr *tmp = cur;
        cur = nxt;
        nxt = tmp;
        nc = nn;
    }
    if (r.so < 0) return 0;
    *so = r.so;
    *eo = r.eo;
    return 1;
}

/* ---- callouts ---- */
static int longest_cb(pcre2_callout_block *cb, void *ud)
{
    callout_state *cs = ud;
    if (!cs->found || cb->current_position > cs->best) {
        cs->found = true;
        cs->best = cb->current_position;
        if (cs->caps) {
            for (size_t i = 1; i < cs->ncaps; i++) {
                bool set = i < cb->capture_top;
                cs->caps[2 * i] = set ? cb->offset_vector[2 * i] : PCRE2_UNSET;
                cs->caps[2 * i + 1] = set ? cb->offset_vector[2 * i + 1] : PCRE2_UNSET;
            }
        }
    }
    return cb->current_position >= cs->lim ? 0 : 1;
}

static int end_cb(pcre2_callout_block *cb, void *ud)
{
    callout_state *cs = ud;
    return cb->current_position == cs->target ? 0 : 1;
}

/* the anchored code of a part (compiled the first time) */
static pcre2_code *anchored(vl_re *re, part *pt, bool *jit)
{
    if (!pt->anch_tried) {
        pt->anch_tried = true;
        if (pc_compile(re, pt->text, pt->tlen, PCRE2_ANCHORED, &pt->anch, &pt->anch_jit, NULL) < 0)
            pt->anch = NULL;
    }
    *jit = pt->anch_jit;
    return pt->anch;
}

/* run part pt anchored at so with callout fn */
static int run_anchored(vl_re *re, part *pt, const char *s, size_t len, size_t so, uint32_t opts,
                        int (*fn)(pcre2_callout_block *, void *))
{
    bool jit;
    pcre2_code *code = anchored(re, pt, &jit);
    if (!code) {
        code = pt->code;
        jit = false;
        opts |= PCRE2_ANCHORED;
    }
    pcre2_set_callout(re->mctx, fn, &re->cs);
    int rc = pc_run(re, code, jit, pt->md, s, len, so, opts);
    pcre2_set_callout(re->mctx, NULL, NULL);
    return rc;
}

static void copy_groups(const vl_re *re, const PCRE2_SIZE *ov, size_t nov, vl_re_span *m, size_t nm)
{
    for (size_t i = 1; i < nm && i <= re->ngroups && i < nov; i++) {
        if (ov[2 * i] == PCRE2_UNSET) continue;
        m[i].so = (ptrdiff_t)ov[2 * i];
        m[i].eo = (ptrdiff_t)ov[2 * i + 1];
    }
}

/* How common a byte is in text and code (higher: more common); a literal is found by memchr for
 * its least common byte. */
static int byte_rank(unsigned c)
{
    static const char common[] = "UWVYKXJQZBGPFMCDLHRSNIOATE"          /* upper case */
                                 "^~`@$%\\!?|&+#<>[]*'{}\":/-=_();.,"
                                 "9876543210"
                                 "zqjxkvbywgpfmucdlhrsnioate ";
    const char *q = c ? strchr(common, (int)c) : NULL;
    return q ? 1 + (int)(q - common) : 0;
}

static inline unsigned fold(unsigned c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static void lit_prepare(vl_re *re)
{
    bool icase = re->flags & VL_RE_ICASE;
    int best = -1;
    for (size_t i = 0; i < re->litlen; i++) {
        unsigned c = (unsigned char)re->lit[i];
        int r = byte_rank(icase ? fold(c) : c);
        if (icase && fold(c) >= 'a' && fold(c) <= 'z') r += 40; /* two memchr calls: avoid */
        if (best < 0 || r < best) {
            best = r;
            re->rare = i;
        }
    }
    unsigned c = re->litlen ? (unsigned char)re->lit[re->rare] : 0;
    re->rc1 = re->rc2 = c;
    if (icase && fold(c) >= 'a' && fold(c) <= 'z') {
        re->rc1 = fold(c);
        re->rc2 = fold(c) - 32;
    }
}

/* the first occurrence of the literal at or after pos, or NULL */
static const char *lit_find(const vl_re *re, const char *s, size_t len, size_t pos)
{
    size_t n = re->litlen;
    if (n == 0) return s + pos;
    if (len - pos < n) return NULL;
    const char *p = s + pos + re->rare, *end = s + len - (n - 1 - re->rare);
    bool icase = re->flags & VL_RE_ICASE;
    const char *n1 = NULL, *n2 = NULL; /* the next place of each case of the rare byte */
    bool two = re->rc1 != re->rc2;
    while (p < end) {
        const char *q;
        if (!two) {
            q = memchr(p, (int)re->rc1, (size_t)(end - p));
        } else {
            if (!n1 || n1 < p) n1 = memchr(p, (int)re->rc1, (size_t)(end - p));
            if (!n2 || n2 < p) n2 = memchr(p, (int)re->rc2, (size_t)(end - p));
            if (!n1) n1 = end;
            if (!n2) n2 = end;
            q = n1 < n2 ? n1 : n2;
            if (q >= end) q = NULL;
        }
        if (!q) return NULL;
        const char *cand = q - re->rare;
        if (!icase) {
            if (memcmp(cand, re->lit, n) == 0) return cand;
        } else {
            size_t i = 0;
            while (i < n && fold((unsigned char)cand[i]) == fold((unsigned char)re->lit[i])) i++;
            if (i == n) return cand;
        }
        p = q + 1;
    }
    return NULL;
}

/* one literal string */
static int lit_search(vl_re *re, const char *s, size_t len, size_t start, int eflags, vl_re_span *m,
                      size_t nm)
{
    size_t pos = start;
    const unsigned char *u = (const unsigned char *)s;
    bool word = re->flags & VL_RE_WORD, line = re->flags & VL_RE_LINE;
    bool anch = eflags & VL_RE_ANCHORED;
    uint64_t tries = 0;
    while (pos <= len) {
        const char *f = anch ? (len - pos >= re->litlen ? s + pos : NULL) : lit_find(re, s, len, pos);
        if (f && anch) {
            bool icase = re->flags & VL_RE_ICASE;
            for (size_t i = 0; i < re->litlen && f; i++)
                if (icase ? fold(u[pos + i]) != fold((unsigned char)re->lit[i])
                          : u[pos + i] != (unsigned char)re->lit[i])
                    f = NULL;
        }
        if (!f) return 0;
        size_t so = (size_t)(f - s), eo = so + re->litlen;
        bool ok = true;
        if (line) {
            ok = assert_at(re, A_BOL, u, len, so, eflags) && assert_at(re, A_EOL, u, len, eo, eflags);
        } else if (word) {
            ok = !(so > 0 && is_word(u[so - 1])) && !(eo < len && is_word(u[eo]));
        }
        if (ok) {
            if (nm > 0) {
                m[0].so = (ptrdiff_t)so;
                m[0].eo = (ptrdiff_t)eo;
            }
            return 1;
        }
        if (anch) return 0;
        pos = so + 1;
        if (++tries % 4096 == 0) {
            int rc = steps(re, 64);
            if (rc < 0) return rc;
        }
    }
    return 0;
}

/* a Perl pattern, record by record in records mode */
static int pcre_search(vl_re *re, const char *s, size_t len, size_t start, uint32_t opts,
                       bool anch, vl_re_span *m, size_t nm)
{
    part *pt = &re->parts[0];
    bool jit = pt->jit;
    pcre2_code *code = pt->code;
    if (anch) {
        code = anchored(re, pt, &jit);
        if (!code) {
            code = pt->code;
            jit = false;
            opts |= PCRE2_ANCHORED;
        }
    }
    size_t rs = 0, pos = start;
    if (re->records) {
        for (size_t i = start; i > 0; i--)
            if ((unsigned char)s[i - 1] == re->sep) {
                rs = i;
                break;
            }
    }
    size_t count = 0;
    for (;;) {
        size_t e = record_end(re, s, len, rs);
        int rc = pc_run(re, code, jit, pt->md, s + rs, e - rs, pos - rs, opts);
        if (rc < 0) return rc;
        if (rc == 1) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pt->md);
            size_t nov = pcre2_get_ovector_count(pt->md);
            if (nm > 0) {
                m[0].so = (ptrdiff_t)(rs + ov[0]);
                m[0].eo = (ptrdiff_t)(rs + ov[1]);
            }
            for (size_t i = 1; i < nm && i <= re->ngroups && i < nov; i++) {
                if (ov[2 * i] == PCRE2_UNSET) continue;
                m[i].so = (ptrdiff_t)(rs + ov[2 * i]);
                m[i].eo = (ptrdiff_t)(rs + ov[2 * i + 1]);
            }
            return 1;
        }
        if (!re->records || e >= len || anch) return 0;
        rs = pos = e + 1;
        if (rs >= len) return 0;
        if (++count % 1024 == 0) {
            rc = steps(re, 8);
            if (rc < 0) return rc;
        }
    }
}

static int search(vl_re *re, const char *s, size_t len, size_t start, int eflags, vl_re_span *m,
                  size_t nm);

int vl_re_search(vl_re *re, const char *s, size_t len, size_t start, int eflags, vl_re_span *m,
                 size_t nm)
{
    vl_re_span one;
    if (nm == 0) {
        m = &one;
        nm = 1;
        eflags |= VL_RE_ANY;
    }
    int rc = search(re, s, len, start, eflags, m, nm);
    /* records: after a last terminator no record starts, so nothing matches there */
    if (rc == 1 && re->records && m[0].so == (ptrdiff_t)len && len > 0 &&
        (unsigned char)s[len - 1] == re->sep) {
        for (size_t i = 0; i < nm; i++) m[i].so = m[i].eo = -1;
        rc = 0;
    }
    if (rc < 0 || !re) return rc;
    /* steps: one a call and one per 512 bytes looked at, counted in batches (a call is cheap) */
    size_t seen = (rc == 1 ? (size_t)m[0].eo : len) - (start < len ? start : len);
    re->stepacc += 1 + (uint32_t)(seen / 512 > (1u << 30) ? (1u << 30) : seen / 512);
    if (re->stepacc >= 32) {
        int r = steps(re, re->stepacc);
        re->stepacc = 0;
        if (r < 0) return r;
    }
    return rc;
}

static int search(vl_re *re, const char *s, size_t len, size_t start, int eflags, vl_re_span *m,
                  size_t nm)
{
    for (size_t i = 0; i < nm; i++) m[i].so = m[i].eo = -1;
    if (!re || start > len) return 0;
    int rc;
    if (re->never) return 0;
    if (re->literal) return lit_search(re, s, len, start, eflags, m, nm);
    uint32_t opts = 0;
    if (!re->records) {
        if (eflags & VL_RE_NOTBOL) opts |= PCRE2_NOTBOL;
        if (eflags & VL_RE_NOTEOL) opts |= PCRE2_NOTEOL;
    }
    bool anch = eflags & VL_RE_ANCHORED;
    if (re->syntax == VL_RE_PCRE) return pcre_search(re, s, len, start, opts, anch, m, nm);

    /* the leftmost match: Perl's start is the leftmost start too */
    ptrdiff_t so = -1, eo = -1;
    int which = -1;
    size_t sublen = len;
    bool use_nfa = false;
    for (int k = 0; k < re->nparts; k++) {
        part *pt = &re->parts[k];
        pcre2_code *code = pt->code;
        bool jit = pt->jit;
        uint32_t o = opts;
        if (anch) {
            code = anchored(re, pt, &jit);
            if (!code) {
                code = pt->code;
                jit = false;
                o |= PCRE2_ANCHORED;
            }
        }
        rc = pc_run(re, code, jit, pt->md, s, sublen, start, o);
        if (rc == VL_RE_ECOMPLEX && re->nfa_ok) {
            use_nfa = true;
            break;
        }
        if (rc < 0) return rc;
        if (rc == 1) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(pt->md);
            if (so < 0 || (ptrdiff_t)ov[0] < so || ((ptrdiff_t)ov[0] == so && (ptrdiff_t)ov[1] > eo)) {
                so = (ptrdiff_t)ov[0];
                eo = (ptrdiff_t)ov[1];
                which = k;
                if (re->records && k + 1 < re->nparts) {
                    /* the other parts only matter up to the end of this record */
                    size_t e = record_end(re, s, len, (size_t)so);
                    sublen = e < len ? e + 1 : len;
                }
            }
        }
    }
    if (use_nfa) {
        rc = nfa_search(re, s, len, start, len, eflags, anch, &so, &eo);
        if (rc <= 0) return rc;
        if (nm > 0) {
            m[0].so = so;
            m[0].eo = eo;
        }
        if (nm > 1 && re->ngroups > 0 && re->nparts == 1) {
            re->cs.target = (size_t)eo;
            rc = run_anchored(re, &re->parts[0], s, len, (size_t)so, opts, end_cb);
            if (rc < 0 && rc != VL_RE_ECOMPLEX) return rc;
            if (rc == 1) {
                part *pt = &re->parts[0];
                copy_groups(re, pcre2_get_ovector_pointer(pt->md), pcre2_get_ovector_count(pt->md),
                            m, nm);
            }
        }
        return 1;
    }
    if (so < 0) return 0;
    if (nm == 0) return 1;
    m[0].so = so;
    m[0].eo = eo;
    if (eflags & VL_RE_ANY) return 1;
    if (re->simple) {
        if (nm > 1 && re->ngroups > 0) {
            part *pt = &re->parts[which];
            copy_groups(re, pcre2_get_ovector_pointer(pt->md), pcre2_get_ovector_count(pt->md), m, nm);
        }
        return 1;
    }
    /* the longest match starting there */
    size_t lim = record_end(re, s, len, (size_t)so);
    if (re->nfa_ok) {
        ptrdiff_t so2, eo2;
        rc = nfa_search(re, s, len, (size_t)so, lim, eflags, true, &so2, &eo2);
        if (rc < 0) return rc;
        if (rc == 1 && eo2 > eo) eo = eo2;
        m[0].eo = eo;
        if (nm > 1 && re->ngroups > 0 && re->nparts == 1) {
            re->cs.target = (size_t)eo;
            rc = run_anchored(re, &re->parts[0], s, len, (size_t)so, opts, end_cb);
            if (rc < 0 && rc != VL_RE_ECOMPLEX) return rc;
            if (rc == 1) {
                part *pt = &re->parts[0];
                copy_groups(re, pcre2_get_ovector_pointer(pt->md), pcre2_get_ovector_count(pt->md),
                            m, nm);
            }
        }
        return 1;
    }
    /* back-references: try every way through (within the match limit), keep the longest */
    callout_state *cs = &re->cs;
    size_t ncaps = re->nparts == 1 ? re->ngroups + 1 : 0;
    if (ncaps && cs->ncaps < ncaps) {
        vk_free(re->p, cs->caps);
        cs->caps = vk_malloc(re->p, 2 * ncaps * sizeof *cs->caps);
        if (!cs->caps) return oom_rc(re->p);
    }
    cs->ncaps = ncaps;
    size_t best = (size_t)eo;
    bool have_caps = false;
    for (int k = 0; k < re->nparts; k++) {
        cs->found = false;
        cs->best = 0;
        cs->lim = lim;
        rc = run_anchored(re, &re->parts[k], s, len, (size_t)so, opts, longest_cb);
        if (rc < 0 && rc != VL_RE_ECOMPLEX) return rc;
        if (cs->found && cs->best >= best) {
            best = cs->best;
            have_caps = ncaps > 0;
        }
    }
    m[0].eo = (ptrdiff_t)best;
    if (nm > 1 && have_caps) copy_groups(re, cs->caps, ncaps, m, nm);
    else if (nm > 1 && re->ngroups > 0 && re->nparts == 1) {
        part *pt = &re->parts[which];
        copy_groups(re, pcre2_get_ovector_pointer(pt->md), pcre2_get_ovector_count(pt->md), m, nm);
    }
    return 1;
}
