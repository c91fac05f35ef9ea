/* tr: GNU tr in the C locale: translate, delete (-d), squeeze (-s) bytes, with complemented
 * SET1 (-c/-C) and -t. Sets take GNU's escapes (\a \b \f \n \r \t \v \\ \NNN), ranges, the
 * classes [:alpha:]... with the [:upper:]/[:lower:] pairing rules, [=c=], and the repeats
 * [c*n] and [c*]; SET2 is padded with its last character. Every check and message is GNU's.
 * Bytes stream through 64 KiB at a time. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

enum { CC_ALNUM, CC_ALPHA, CC_BLANK, CC_CNTRL, CC_DIGIT, CC_GRAPH, CC_LOWER, CC_PRINT,
       CC_PUNCT, CC_SPACE, CC_UPPER, CC_XDIGIT };
static const char *const class_names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                          "lower", "print", "punct", "space", "upper", "xdigit"};

enum { UL_NONE, UL_LOWER, UL_UPPER };
enum { E_CHAR, E_RANGE, E_CLASS, E_EQUIV, E_REPEAT };

typedef struct elem {
    int type;
    unsigned char a, b; /* char / range ends / repeated char */
    int cls;
    uint64_t count;     /* E_REPEAT; 0 for [c*] until SET2's length is known */
} elem;

typedef struct spec {
    elem *e;
    size_t n, cap;
    uint64_t length;
    int n_indef;
    size_t indef;
    bool has_equiv, has_restricted, has_class;
    /* iteration (GNU's get_next) */
    size_t it;
    int state; /* -1: at a new element; else the char reached in it */
    uint64_t rep;
} spec;

#define NEW_ELEMENT (-1)
#define REPEAT_MAX ((uint64_t)SIZE_MAX)

typedef struct tr_state {
    vl_ctx *c;
    uint64_t ticks;
} tr_state;

static void steps(tr_state *t, uint64_t n)
{
    t->ticks += n;
    if (t->ticks < 65536) return;
    t->ticks = 0;
    int rc = vk_steps(t->c->p, 64);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(t->c->p);
        vl_exit(t->c, w ? VK_WSHELL(w) : 1);
    }
}

static bool in_class(int cls, int ch)
{
    bool upper = ch >= 'A' && ch <= 'Z', lower = ch >= 'a' && ch <= 'z';
    bool digit = ch >= '0' && ch <= '9';
    bool alpha = upper || lower;
    bool print = ch >= 0x20 && ch < 0x7f;
    switch (cls) {
    case CC_ALNUM: return alpha || digit;
    case CC_ALPHA: return alpha;
    case CC_BLANK: return ch == ' ' || ch == '\t';
    case CC_CNTRL: return ch < 0x20 || ch == 0x7f;
    case CC_DIGIT: return digit;
    case CC_GRAPH: return print && ch != ' ';
    case CC_LOWER: return lower;
    case CC_PRINT: return print;
    case CC_PUNCT: return print && ch != ' ' && !alpha && !digit;
    case CC_SPACE: return ch == ' ' || (ch >= '\t' && ch <= '\r');
    case CC_UPPER: return upper;
    case CC_XDIGIT: return digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    default: return false;
    }
}

/* GNU's make_printable_str: C escapes for what would not show (a backslash stays one). */
static const char *printable(vl_ctx *c, const unsigned char *s, size_t n)
{
    vl_buf b = {0};
    vl_buf_add(c, &b, "", 0);
    for (size_t i = 0; i < n; i++) {
        unsigned ch = s[i];
        const char *esc = NULL;
        switch (ch) {
        case '\a': esc = "\\a"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        default: break;
        }
        if (esc) vl_buf_adds(c, &b, esc);
        else if (ch >= 0x20 && ch < 0x7f) vl_buf_addc(c, &b, (int)ch);
        else vl_buf_printf(c, &b, "\\%03o", ch);
    }
    return b.data;
}

/* GNU's make_printable_char: itself when printable, else \ooo. */
static const char *printable_char(vl_ctx *c, unsigned char ch)
{
    vl_buf b = {0};
    if (ch >= 0x20 && ch < 0x7f) vl_buf_addc(c, &b, ch);
    else vl_buf_printf(c, &b, "\\%03o", ch);
    return b.data;
}

/* ---- parsing ---- */

/* Unescape s into bytes, marking the ones that came from an escape. */
static size_t unquote(vl_ctx *c, const char *s, unsigned char *out, bool *esc)
{
    size_t j = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\') {
            out[j] = (unsigned char)s[i];
            esc[j++] = false;
            continue;
        }
        int ch;
        char nx = s[i + 1];
        switch (nx) {
        case 'a': ch = '\a'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'v': ch = '\v'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
            ch = nx - '0';
            if (s[i + 2] >= '0' && s[i + 2] <= '7') {
                ch = 8 * ch + (s[i + 2] - '0');
                i++;
                if (s[i + 2] >= '0' && s[i + 2] <= '7') {
                    if (8 * ch + (s[i + 2] - '0') < 256) {
                        ch = 8 * ch + (s[i + 2] - '0');
                        i++;
                    } else {
                        vl_eprintf(c, "%s: warning: the ambiguous octal escape \\%c%c%c is "
                                      "being\n\tinterpreted as the 2-byte sequence \\0%c%c, %c\n",
                                   c->name, s[i], s[i + 1], s[i + 2], s[i], s[i + 1], s[i + 2]);
                    }
                }
            }
            break;
        case 0:
            vl_eprintf(c, "%s: warning: an unescaped backslash at end of string is not "
                          "portable\n", c->name);
            ch = '\\';
            i--; /* the loop's i++ then lands on the terminator */
            break;
        default: ch = (unsigned char)nx; break;
        }
        i++;
        out[j] = (unsigned char)ch;
        esc[j++] = true;
        if (nx == 0) break;
    }
    return j;
}

static elem *add_elem(vl_ctx *c, spec *s, int type)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->e = vl_xrealloc(c, s->e, s->cap * sizeof *s->e);
    }
    elem *e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    e->type = type;
    return e;
}

static bool match_at(const unsigned char *p, const bool *esc, size_t n, size_t i, int ch)
{
    return i < n && !esc[i] && p[i] == ch;
}

/* The index of an unescaped "ch]" at or after start, or SIZE_MAX. */
static size_t closing_delim(const unsigned char *p, const bool *esc, size_t n, size_t start,
                            int ch)
{
    for (size_t i = start; i + 1 < n; i++)
        if (match_at(p, esc, n, i, ch) && match_at(p, esc, n, i + 1, ']')) return i;
    return SIZE_MAX;
}

static bool star_digits_close(const unsigned char *p, const bool *esc, size_t n, size_t i)
{
    if (!match_at(p, esc, n, i, '*')) return false;
    for (size_t k = i + 1; k < n; k++)
        if (p[k] < '0' || p[k] > '9' || esc[k]) return match_at(p, esc, n, k, ']');
    return false;
}

/* [c*n] at p[i] == '[': 0 and the element added, -1 when it is not one, -2 after an error. */
static int bracketed_repeat(vl_ctx *c, spec *s, const unsigned char *p, const bool *esc,
                            size_t n, size_t i, size_t *closep)
{
    size_t st = i + 1;
    if (!(st + 1 < n && match_at(p, esc, n, st + 1, '*'))) return -1;
    for (size_t k = st + 2; k < n && !esc[k]; k++) {
        if (p[k] != ']') continue;
        size_t dl = k - st - 2;
        uint64_t count = 0;
        if (dl) {
            const unsigned char *d = p + st + 2;
            unsigned base = d[0] == '0' ? 8 : 10;
            bool ok = true;
            for (size_t q = 0; q < dl && ok; q++) {
                unsigned dg = (unsigned)d[q] - '0';
                if (d[q] < '0' || d[q] > '9' || dg >= base) ok = false;
                else if (count > (REPEAT_MAX - dg) / base) ok = false;
                else count = count * base + dg;
            }
            if (!ok) {
                vl_eprintf(c, "%s: invalid repeat count %s in [c*n] construct\n", c->name,
                           vl_quote_locale(c, printable(c, d, dl)));
                return -2;
            }
        }
        elem *e = add_elem(c, s, E_REPEAT);
        e->a = p[st];
        e->count = count;
        *closep = k;
        return 0;
    }
    return -1;
}

static bool parse_spec(vl_ctx *c, spec *s, const char *arg)
{
    size_t alen = strlen(arg);
    unsigned char *p = vl_xmalloc(c, alen + 1);
    bool *esc = vl_xmalloc(c, alen + 1);
    size_t n = unquote(c, arg, p, esc);
    for (size_t i = 0; i < n;) {
        if (match_at(p, esc, n, i, '[')) {
            if (match_at(p, esc, n, i + 1, ':') || match_at(p, esc, n, i + 1, '=')) {
                int dch = p[i + 1];
                size_t cl = closing_delim(p, esc, n, i + 2, dch);
                if (cl != SIZE_MAX) {
                    size_t ol = cl - (i + 2);
                    const unsigned char *op = p + i + 2;
                    if (ol == 0) {
                        vl_eprintf(c, "%s: %s %s\n", c->name,
                                   dch == ':' ? "missing character class name"
                                              : "missing equivalence class character",
                                   vl_quote_locale(c, printable(c, p + i, cl + 2 - i)));
                        return false;
                    }
                    bool ok = false;
                    if (dch == ':') {
                        for (int k = 0; k < 12; k++)
                            if (strlen(class_names[k]) == ol && memcmp(class_names[k], op, ol) == 0) {
                                elem *e = add_elem(c, s, E_CLASS);
                                e->cls = k;
                                ok = true;
                            }
                    } else if (ol == 1) {
                        elem *e = add_elem(c, s, E_EQUIV);
                        e->a = op[0];
                        ok = true;
                    }
                    if (ok) {
                        i = cl + 2;
                        continue;
                    }
                    if (!star_digits_close(p, esc, n, i + 2)) {
                        if (dch == ':')
                            vl_eprintf(c, "%s: invalid character class %s\n", c->name,
                                       vl_quote_locale(c, printable(c, op, ol)));
                        else
                            vl_eprintf(c, "%s: %s: equivalence class operand must be a single "
                                          "character\n", c->name, printable(c, op, ol));
                        return false;
                    }
                }
            }
            size_t close;
            int rc = bracketed_repeat(c, s, p, esc, n, i, &close);
            if (rc == 0) {
                i = close + 1;
                continue;
            }
            if (rc == -2) return false;
        }
        if (i + 2 < n && match_at(p, esc, n, i + 1, '-')) {
            if (p[i] > p[i + 2]) {
                vl_eprintf(c, "%s: range-endpoints of '%s-%s' are in reverse collating sequence "
                              "order\n", c->name, printable_char(c, p[i]),
                           printable_char(c, p[i + 2]));
                return false;
            }
            elem *e = add_elem(c, s, E_RANGE);
            e->a = p[i];
            e->b = p[i + 2];
            i += 3;
        } else {
            elem *e = add_elem(c, s, E_CHAR);
            e->a = p[i];
            i++;
        }
    }
    return true;
}

/* ---- sets and iteration ---- */

static int get_next(spec *s, int *cls)
{
    if (cls) *cls = UL_NONE;
    for (;;) {
        if (s->it >= s->n) return -1;
        elem *e = &s->e[s->it];
        int r;
        switch (e->type) {
        case E_CHAR:
        case E_EQUIV:
            s->it++;
            s->state = NEW_ELEMENT;
            return e->a;
        case E_RANGE:
            s->state = s->state == NEW_ELEMENT ? e->a : s->state + 1;
            r = s->state;
            if (s->state == e->b) {
                s->it++;
                s->state = NEW_ELEMENT;
            }
            return r;
        case E_CLASS:
            if (cls) *cls = e->cls == CC_LOWER ? UL_LOWER : e->cls == CC_UPPER ? UL_UPPER : UL_NONE;
            if (s->state == NEW_ELEMENT) {
                int k = 0;
                while (!in_class(e->cls, k)) k++;
                s->state = k;
            }
            r = s->state;
            {
                int k = r + 1;
                while (k < 256 && !in_class(e->cls, k)) k++;
                if (k < 256) s->state = k;
                else {
                    s->it++;
                    s->state = NEW_ELEMENT;
                }
            }
            return r;
        case E_REPEAT:
            if (e->count == 0) {
                s->it++;
                s->state = NEW_ELEMENT;
                continue;
            }
            if (s->state == NEW_ELEMENT) s->rep = 0;
            s->state = 0;
            if (++s->rep == e->count) {
                s->it++;
                s->state = NEW_ELEMENT;
            }
            return e->a;
        default: return -1;
        }
    }
}

static void rewind_spec(spec *s)
{
    s->it = 0;
    s->state = NEW_ELEMENT;
    s->rep = 0;
}

/* Chars left in the repeat being read (0 when not inside one). */
static uint64_t repeat_left(const spec *s)
{
    if (s->state == NEW_ELEMENT || s->it >= s->n || s->e[s->it].type != E_REPEAT) return 0;
    return s->e[s->it].count - s->rep;
}

/* Both sets inside repeats: the pairs to come are all the same pair; skip all but the last
 * (so [a*1000000000000] costs no more than [a*2]). */
static void skip_repeats(spec *a, spec *b)
{
    uint64_t ra = repeat_left(a), rb = repeat_left(b);
    if (ra > 1 && rb > 1) {
        uint64_t k = (ra < rb ? ra : rb) - 1;
        a->rep += k;
        b->rep += k;
    }
}

/* Skip the rest of the element being read. */
static void skip_construct(spec *s)
{
    s->it++;
    s->state = NEW_ELEMENT;
}

static void set_init(const spec *s, bool complement, bool *set)
{
    memset(set, 0, 256);
    for (size_t i = 0; i < s->n; i++) {
        const elem *e = &s->e[i];
        switch (e->type) {
        case E_CHAR:
        case E_EQUIV: set[e->a] = true; break;
        case E_RANGE:
            for (int k = e->a; k <= e->b; k++) set[k] = true;
            break;
        case E_CLASS:
            for (int k = 0; k < 256; k++)
                if (in_class(e->cls, k)) set[k] = true;
            break;
        case E_REPEAT:
            if (e->count) set[e->a] = true;
            break;
        default: break;
        }
    }
    if (complement)
        for (int k = 0; k < 256; k++) set[k] = !set[k];
}

static void spec_stats(vl_ctx *c, spec *s)
{
    uint64_t len = 0;
    s->n_indef = 0;
    s->has_equiv = s->has_restricted = s->has_class = false;
    for (size_t i = 0; i < s->n; i++) {
        elem *e = &s->e[i];
        uint64_t l = 0;
        switch (e->type) {
        case E_CHAR: l = 1; break;
        case E_RANGE: l = (uint64_t)(e->b - e->a) + 1; break;
        case E_CLASS:
            s->has_class = true;
            for (int k = 0; k < 256; k++) l += in_class(e->cls, k);
            if (e->cls != CC_UPPER && e->cls != CC_LOWER) s->has_restricted = true;
            break;
        case E_EQUIV:
            l = 1;
            s->has_equiv = true;
            break;
        case E_REPEAT:
            if (e->count) l = e->count;
            else {
                s->indef = i;
                s->n_indef++;
            }
            break;
        default: break;
        }
        if (len + l < len || len + l > REPEAT_MAX) vl_die(c, 1, "too many characters in set");
        len += l;
    }
    s->length = len;
}

/* GNU's check that [:upper:] and [:lower:] in SET2 pair with the same in SET1. */
static void validate_case_classes(vl_ctx *c, spec *s1, spec *s2)
{
    rewind_spec(s1);
    rewind_spec(s2);
    bool n1 = true, n2 = true;
    int c1 = 0, c2 = 0;
    while (c1 != -1 && c2 != -1) {
        int k1, k2;
        c1 = get_next(s1, &k1);
        c2 = get_next(s2, &k2);
        skip_repeats(s1, s2);
        bool a = n1 && k1 != UL_NONE, b = n2 && k2 != UL_NONE;
        if (a != b) vl_die(c, 1, "misaligned [:upper:] and/or [:lower:] construct");
        if (k2 != UL_NONE) {
            skip_construct(s1);
            skip_construct(s2);
        }
        n1 = s1->state == NEW_ELEMENT;
        n2 = s2->state == NEW_ELEMENT;
    }
}

/* Every char of the set the same one (checked element by element: repeats may be huge). */
static bool homogeneous(const spec *s)
{
    int first = -1;
    for (size_t i = 0; i < s->n; i++) {
        const elem *e = &s->e[i];
        int ch;
        switch (e->type) {
        case E_RANGE:
            if (e->a != e->b) return false;
            ch = e->a;
            break;
        case E_CLASS: return false; /* every class has several members */
        case E_REPEAT:
            if (!e->count) continue;
            ch = e->a;
            break;
        default: ch = e->a; break;
        }
        if (first == -1) first = ch;
        else if (ch != first) return false;
    }
    return first != -1;
}

/* ---- filters ---- */

static void run_filter(vl_ctx *c, tr_state *t, const unsigned char *xlate, const bool *del,
                       const bool *squeeze)
{
    static const size_t bufsz = 65536;
    unsigned char *buf = vl_xmalloc(c, bufsz);
    vl_in *in = vl_in_fd(c, 0, "-");
    int prev = -1;
    for (;;) {
        ssize_t n = vl_in_read(c, in, buf, bufsz);
        if (n < 0) vl_die(c, 1, "read error: %s", vl_strerror((int)n));
        if (n == 0) break;
        size_t o = 0;
        /* branch-free filters: a byte is always stored, and kept by advancing o */
        if (!del && !squeeze) {
            for (ssize_t i = 0; i < n; i++) buf[i] = xlate[buf[i]];
            o = (size_t)n;
        } else if (del && !squeeze) {
            for (ssize_t i = 0; i < n; i++) {
                unsigned char ch = buf[i];
                buf[o] = ch;
                o += !del[ch];
            }
        } else {
            for (ssize_t i = 0; i < n; i++) {
                unsigned ch = buf[i];
                bool drop = del && del[ch];
                if (xlate) ch = xlate[ch];
                buf[o] = (unsigned char)ch;
                drop = drop || (squeeze[ch] && (int)ch == prev);
                o += !drop;
                if (!drop) prev = (int)ch;
            }
        }
        vl_write(c, buf, o);
        steps(t, (uint64_t)n);
    }
    vl_in_close(c, in);
    vl_xfree(c, buf);
}

static int tr_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    tr_state t = {c, 0};
    bool complement = vl_has(c, 'c') || vl_has(c, 'C');
    bool del = vl_has(c, 'd'), sq = vl_has(c, 's'), trunc = vl_has(c, 't');
    int min_ops = 1 + (del == sq), max_ops = 1 + (del <= sq);
    if (n < min_ops) {
        if (n == 0) vl_eprintf(c, "%s: missing operand\n", c->name);
        else {
            vl_eprintf(c, "%s: missing operand after %s\n", c->name, vl_quote_locale(c, argv[n]));
            vl_eprintf(c, "%s\n", sq ? "Two strings must be given when both deleting and "
                                       "squeezing repeats."
                                     : "Two strings must be given when translating.");
        }
        vl_try_help(c);
    }
    if (n > max_ops) {
        vl_eprintf(c, "%s: extra operand %s\n", c->name, vl_quote_locale(c, argv[1 + max_ops]));
        if (n == 2)
            vl_eprintf(c, "Only one string may be given when deleting without squeezing "
                          "repeats.\n");
        vl_try_help(c);
    }
    bool translating = n == 2 && !del;
    spec s1, s2;
    memset(&s1, 0, sizeof s1);
    memset(&s2, 0, sizeof s2);
    if (!parse_spec(c, &s1, argv[1])) return 1;
    if (n == 2 && !parse_spec(c, &s2, argv[2])) return 1;

    /* GNU's validate() */
    spec_stats(c, &s1);
    bool in1[256];
    if (complement) {
        set_init(&s1, true, in1);
        uint64_t card = 0;
        for (int k = 0; k < 256; k++) card += in1[k];
        s1.length = card;
    }
    if (s1.n_indef > 0) vl_die(c, 1, "the [c*] repeat construct may not appear in string1");
    if (n == 2) {
        spec_stats(c, &s2);
        if (s1.length >= s2.length && s2.n_indef == 1) {
            s2.e[s2.indef].count = s1.length - s2.length;
            s2.length = s1.length;
        }
        if (s2.n_indef > 1) vl_die(c, 1, "only one [c*] repeat construct may appear in string2");
        if (translating) {
            if (s2.has_equiv)
                vl_die(c, 1, "[=c=] expressions may not appear in string2 when translating");
            if (s2.has_restricted)
                vl_die(c, 1, "when translating, the only character classes that may appear in\n"
                             "string2 are 'upper' and 'lower'");
            if (!complement && s2.has_class) validate_case_classes(c, &s1, &s2);
            if (s1.length > s2.length && !trunc) {
                if (s2.length == 0)
                    vl_die(c, 1, "when not truncating set1, string2 must be non-empty");
                elem *last = &s2.e[s2.n - 1];
                unsigned char rc;
                switch (last->type) {
                case E_RANGE: rc = last->b; break;
                case E_CLASS:
                    vl_die(c, 1, "when translating with string1 longer than string2,\nthe "
                                 "latter string must not end with a character class");
                default: rc = last->a; break;
                }
                elem *e = add_elem(c, &s2, E_REPEAT);
                e->a = rc;
                e->count = s1.length - s2.length;
                s2.length = s1.length;
            }
            if (complement && s1.has_class && !(s2.length == s1.length && homogeneous(&s2)))
                vl_die(c, 1, "when translating with complemented character classes,\nstring2 "
                             "must map all characters in the domain to one");
        } else if (s2.n_indef > 0) {
            vl_die(c, 1, "the [c*] construct may appear in string2 only when translating");
        }
    }

    bool set1[256], set2[256];
    if (sq && n == 1) {
        set_init(&s1, complement, set1);
        run_filter(c, &t, NULL, NULL, set1);
    } else if (del && n == 1) {
        set_init(&s1, complement, set1);
        run_filter(c, &t, NULL, set1, NULL);
    } else if (del && sq) {
        set_init(&s1, complement, set1);
        set_init(&s2, false, set2);
        run_filter(c, &t, NULL, set1, set2);
    } else {
        unsigned char xlate[256];
        for (int k = 0; k < 256; k++) xlate[k] = (unsigned char)k;
        if (complement) {
            rewind_spec(&s2);
            for (int k = 0; k < 256; k++) {
                if (!in1[k]) continue;
                int ch = get_next(&s2, NULL);
                if (ch == -1) break;
                xlate[k] = (unsigned char)ch;
            }
        } else {
            rewind_spec(&s1);
            rewind_spec(&s2);
            for (;;) {
                int k1, k2;
                int c1 = get_next(&s1, &k1), c2 = get_next(&s2, &k2);
                skip_repeats(&s1, &s2);
                if (k1 == UL_LOWER && k2 == UL_UPPER) {
                    for (int k = 'a'; k <= 'z'; k++) xlate[k] = (unsigned char)(k - 32);
                } else if (k1 == UL_UPPER && k2 == UL_LOWER) {
                    for (int k = 'A'; k <= 'Z'; k++) xlate[k] = (unsigned char)(k + 32);
                } else {
                    if (c1 == -1 || c2 == -1) break;
                    xlate[c1] = (unsigned char)c2;
                }
                steps(&t, 1);
            }
        }
        if (sq) {
            set_init(&s2, false, set2);
            run_filter(c, &t, xlate, NULL, set2);
        } else {
            run_filter(c, &t, xlate, NULL, NULL);
        }
    }
    return c->status;
}

static const vl_opt tr_opts[] = {
    {'A', NULL, VL_NOARG, NULL, NULL}, /* GNU's undocumented "C locale" flag: always so here */
    {'c', "complement", VL_NOARG, NULL, "use the complement of SET1"},
    {'C', NULL, VL_NOARG, NULL, "use the complement of SET1"},
    {'d', "delete", VL_NOARG, NULL, "delete characters in SET1, do not translate"},
    {'s', "squeeze-repeats", VL_NOARG, NULL,
     "replace each sequence of a repeated character\n  that is listed in the last specified SET,"
     "\n  with a single occurrence of that character"},
    {'t', "truncate-set1", VL_NOARG, NULL, "first truncate SET1 to length of SET2"},
    {0}};
VL_COMMAND(tr, tr_main, tr_opts, "[OPTION]... SET1 [SET2]",
           "Translate, squeeze, and/or delete characters from standard input,\n"
           "writing to standard output.\n\n"
           "SETs are specified as strings of characters. Most represent themselves.\n"
           "Interpreted sequences are \\NNN, \\\\, \\a, \\b, \\f, \\n, \\r, \\t, \\v,\n"
           "CHAR1-CHAR2, [CHAR*], [CHAR*REPEAT], [:alnum:], [:alpha:], [:blank:],\n"
           "[:cntrl:], [:digit:], [:graph:], [:lower:], [:print:], [:punct:], [:space:],\n"
           "[:upper:], [:xdigit:], [=CHAR=].",
           VL_STOP_AT_OPERAND, 1);
