/* fnmatch.c: POSIX fnmatch in the C locale (see fnmatch.h). The answers follow glibc's
 * fnmatch in the C locale, which GNU ls, find and du use: an unknown class name fails the
 * whole pattern, a trailing backslash matches nothing, an unterminated [ is an ordinary
 * character. VL_FNM_SHELL gives bash's reading of the same syntax (the shell's matcher).
 * VL_FNM_UTF8 reads characters as UTF-8, as glibc does in C.UTF-8: ? and [...] take a whole
 * character, ranges compare code points, classes are C.UTF-8's (fnmatch_uc.h). */
#include "lib/fnmatch.h"

#include <stdint.h>
#include <string.h>

#include "lib/fnmatch_uc.h"

/* The valid UTF-8 sequence at s (not past se; NULL: up to the NUL): its length and *cp, or 0
 * when the bytes there are no valid character (overlong, surrogate, past U+10FFFF, cut). */
static size_t u8_decode(const unsigned char *s, const unsigned char *se, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (se && (size_t)(se - s) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return n;
}

/* An invalid byte read as a character of its own (VL_FNM_UTF8_LAX): a value no valid
 * character has, so it equals no member of a bracket */
#define U8_RAW(b) (0xdc00u | (b))

/* The character at s (s < se): its length, its value in *cp */
static size_t next_char(const char *s, const char *se, int flags, uint32_t *cp)
{
    unsigned char b = (unsigned char)*s;
    if (b < 0x80 || !(flags & VL_FNM_UTF8)) {
        *cp = b;
        return 1;
    }
    size_t n = u8_decode((const unsigned char *)s, (const unsigned char *)se, cp);
    if (n) return n;
    *cp = U8_RAW(b);
    return 1;
}

static bool u8_valid(const char *s, const char *se)
{
    uint32_t cp;
    while (s < se) {
        if ((unsigned char)*s < 0x80) {
            s++;
            continue;
        }
        size_t n = u8_decode((const unsigned char *)s, (const unsigned char *)se, &cp);
        if (!n) return false;
        s += n;
    }
    return true;
}

static bool in_ranges(const uint32_t *r, size_t n, uint32_t c)
{
    size_t lo = 0, hi = n / 2; /* pairs */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < r[2 * mid]) hi = mid;
        else if (c > r[2 * mid + 1]) lo = mid + 1;
        else return true;
    }
    return false;
}
#define IN_UC(t, c) in_ranges(t, sizeof t / sizeof t[0], c)

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

enum {
    CL_ALNUM,
    CL_ALPHA,
    CL_BLANK,
    CL_CNTRL,
    CL_DIGIT,
    CL_GRAPH,
    CL_LOWER,
    CL_PRINT,
    CL_PUNCT,
    CL_SPACE,
    CL_UPPER,
    CL_XDIGIT,
    CL_WORD, /* bash only */
};

static const char *const class_names[] = {"alnum", "alpha", "blank", "cntrl", "digit",
                                          "graph", "lower", "print", "punct", "space",
                                          "upper", "xdigit", "word"};

/* a character past ASCII in C.UTF-8 (no digit there; alnum is alpha) */
static bool in_uclass(int cls, uint32_t c)
{
    switch (cls) {
    case CL_ALNUM:
    case CL_ALPHA:
    case CL_WORD: return IN_UC(uc_alpha, c);
    case CL_BLANK: return IN_UC(uc_blank, c);
    case CL_CNTRL: return IN_UC(uc_cntrl, c);
    case CL_GRAPH: return IN_UC(uc_print, c) && !IN_UC(uc_space, c);
    case CL_LOWER: return IN_UC(uc_lower, c);
    case CL_PRINT: return IN_UC(uc_print, c);
    case CL_PUNCT: return IN_UC(uc_print, c) && !IN_UC(uc_space, c) && !IN_UC(uc_alpha, c);
    case CL_SPACE: return IN_UC(uc_space, c);
    case CL_UPPER: return IN_UC(uc_upper, c);
    }
    return false;
}

static bool in_class(int cls, int ch, int flags)
{
    if (ch >= 0x80) return (flags & VL_FNM_UTF8) && in_uclass(cls, (uint32_t)ch);
    bool up = ch >= 'A' && ch <= 'Z', lo = ch >= 'a' && ch <= 'z', dig = ch >= '0' && ch <= '9';
    switch (cls) {
    case CL_ALNUM: return up || lo || dig;
    case CL_ALPHA: return up || lo;
    case CL_BLANK: return ch == ' ' || ch == '\t';
    case CL_CNTRL: return ch < 32 || ch == 127;
    case CL_DIGIT: return dig;
    case CL_GRAPH: return ch > 32 && ch < 127;
    case CL_LOWER: return lo;
    case CL_PRINT: return ch >= 32 && ch < 127;
    case CL_PUNCT: return ch > 32 && ch < 127 && !(up || lo || dig);
    case CL_SPACE: return ch == ' ' || (ch >= '\t' && ch <= '\r');
    case CL_UPPER: return up;
    case CL_XDIGIT: return dig || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    case CL_WORD: return up || lo || dig || ch == '_';
    }
    return false;
}

/* At q = "[:": a class "[:name:]". Returns the class (-2: a well-formed but unknown name) and
 * sets *after, or -1 when this is no class at all (then '[' is an ordinary member). A name is
 * lowercase letters, as glibc reads it. */
static int read_class(const char *q, int flags, const char **after)
{
    const char *n = q + 2, *e = n;
    while (*e >= 'a' && *e <= 'z') e++;
    if (e[0] != ':' || e[1] != ']') return -1;
    *after = e + 2;
    size_t len = (size_t)(e - n);
    int count = (flags & VL_FNM_SHELL) ? CL_WORD + 1 : CL_WORD;
    for (int i = 0; i < count; i++)
        if (strlen(class_names[i]) == len && memcmp(class_names[i], n, len) == 0) return i;
    return -2;
}

/* One member that can end a range: a byte, an escaped byte, or a collating symbol "[.x.]".
 * Returns the byte and advances *q; -1 for a backslash at the very end (no bracket then);
 * -2 for a collating symbol of several bytes (bash: matches nothing; glibc fails the pattern);
 * -3 for a "[." never closed by ".]" (both fail the pattern; '[' is then read as a member). */
/* The closing two bytes of "[.x.]" / "[=x=]" past p, looked for within a bound so that a
 * pattern full of "[." costs linear time (real collating names are short). */
static const char *close_of(const char *p, char ch)
{
    for (int i = 0; i < 64 && p[i]; i++)
        if (p[i] == ch && p[i + 1] == ']') return p + i;
    return NULL;
}

/* one character of the pattern at p: its length (a multi-byte one with VL_FNM_UTF8) */
static int pat_char(const char *p, int flags, size_t *len)
{
    uint32_t cp;
    size_t n = (flags & VL_FNM_UTF8) ? u8_decode((const unsigned char *)p, NULL, &cp) : 0;
    if (n > 1) {
        *len = n;
        return (int)cp;
    }
    *len = 1;
    return (unsigned char)*p;
}

static int read_char(const char **q, int flags)
{
    const char *p = *q;
    size_t n;
    if (*p == '\\' && !(flags & VL_FNM_NOESCAPE)) {
        if (!p[1]) return -1;
        int c = pat_char(p + 1, flags, &n);
        *q = p + 1 + n;
        return c;
    }
    if (p[0] == '[' && p[1] == '.') {
        const char *e = close_of(p + 2, '.');
        if (!e) {
            *q = p + 1;
            return -3;
        }
        *q = e + 2;
        int c = pat_char(p + 2, flags, &n);
        return e - (p + 2) == (long)n ? c : -2;
    }
    int c = pat_char(p, flags, &n);
    *q = p + n;
    return c;
}

int vl_fnmatch_bracket(const char *p, int ch, int flags, const char **end)
{
    const char *q = p + 1;
    bool neg = *q == '!' || *q == '^';
    if (neg) q++;
    bool fold = flags & VL_FNM_CASEFOLD;
    int fch = fold ? lower(ch) : ch;
    bool match = false, bad = false, first = true;
    for (;;) {
        if (*q == '\0') return -1;
        if (*q == ']' && !first) break;
        first = false;
        if (q[0] == '[' && q[1] == ':') {
            const char *after;
            int cls = read_class(q, flags, &after);
            if (cls != -1) {
                if (cls == -2) {
                    if (!(flags & VL_FNM_SHELL)) bad = true;
                } else if (in_class(cls, ch, flags)) {
                    match = true;
                }
                q = after;
                continue;
            }
        }
        if (q[0] == '[' && q[1] == '=') {
            /* an equivalence class: glibc knows only "[=x=]" (else '[' is a member); bash
             * reads up to "=]", and several bytes there match nothing */
            const char *e = (flags & VL_FNM_SHELL) ? close_of(q + 2, '=') : NULL;
            if (!(flags & VL_FNM_SHELL) && q[2]) {
                size_t n;
                pat_char(q + 2, flags, &n);
                if (q[2 + n] == '=' && q[3 + n] == ']') e = q + 2 + n;
            }
            if (e) {
                /* the character itself, even with CASEFOLD (glibc) */
                size_t n;
                int c = pat_char(q + 2, flags, &n);
                if (e - (q + 2) == (long)n && c == ch) match = true;
                q = e + 2;
                continue;
            }
        }
        int lo = read_char(&q, flags);
        if (lo == -1) return -1;
        if (lo < 0) {
            if (lo == -3 || !(flags & VL_FNM_SHELL)) bad = true;
            continue;
        }
        if (q[0] == '-' && q[1] && q[1] != ']') {
            q++;
            int hi = read_char(&q, flags);
            if (hi == -1) return -1;
            if (hi < 0) {
                if (hi == -3 || !(flags & VL_FNM_SHELL)) bad = true;
                continue;
            }
            if (fold) {
                lo = lower(lo);
                hi = lower(hi);
            }
            if (lo <= fch && fch <= hi) match = true;
        } else if ((fold ? lower(lo) : lo) == fch) {
            match = true;
        }
    }
    *end = q + 1;
    if (bad) return 0;
    return match != neg;
}

/* Is s at the start of a name, where FNM_PERIOD protects a dot? */
static bool leading(const char *s, const char *s0, int flags)
{
    return s == s0 || ((flags & VL_FNM_PATHNAME) && s[-1] == '/');
}

int vl_fnmatch_n(const char *pat, const char *str, size_t len, int flags)
{
    const char *p = pat, *s = str, *se = str + len;
    /* glibc (and bash's [[ ]], case, globbing) match bytes when either side is not valid
     * UTF-8; the lax reading keeps characters and takes each bad byte as one */
    if ((flags & VL_FNM_UTF8) && !(flags & VL_FNM_UTF8_LAX) &&
        (!u8_valid(pat, pat + strlen(pat)) || !u8_valid(str, se)))
        flags &= ~VL_FNM_UTF8;
    bool utf8 = flags & VL_FNM_UTF8;
    const char *star_p = NULL, *star_s = NULL; /* the last star: where to resume */
    bool path = flags & VL_FNM_PATHNAME, fold = flags & VL_FNM_CASEFOLD;
    bool esc = !(flags & VL_FNM_NOESCAPE);
    for (;;) {
        if (*p == '*') {
            while (*p == '*') p++;
            bool guarded = (flags & VL_FNM_PERIOD) && s < se && *s == '.' && leading(s, str, flags);
            /* glibc: a star facing a protected dot fails outright, even where it could be
             * empty ("*." does not match "."); nothing before it could move past a '/' */
            if (guarded) return VL_FNM_NOMATCH;
            if (*p == '\0') {
                if (!path || (flags & VL_FNM_LEADING_DIR)) return 0;
                return memchr(s, '/', (size_t)(se - s)) ? VL_FNM_NOMATCH : 0;
            }
            star_p = p;
            star_s = s;
            continue;
        }
        if (s == se) {
            if (*p == '\0') return 0;
            goto backtrack;
        }
        if (*p == '\0') {
            if ((flags & VL_FNM_LEADING_DIR) && *s == '/') return 0;
            goto backtrack;
        }
        {
            int ch = (unsigned char)*s;
            size_t clen = 1;
            if (utf8 && ch >= 0x80 && (*p == '?' || *p == '[')) {
                uint32_t cp;
                clen = next_char(s, se, flags, &cp);
                ch = (int)cp;
            }
            if (*p == '?') {
                if (path && ch == '/') goto backtrack;
                if ((flags & VL_FNM_PERIOD) && ch == '.' && leading(s, str, flags)) goto backtrack;
                p++;
                s += clen;
                continue;
            }
            if (*p == '[') {
                const char *e;
                int r = vl_fnmatch_bracket(p, ch, flags, &e);
                if (r >= 0) {
                    if (r == 0 || (path && ch == '/') ||
                        ((flags & VL_FNM_PERIOD) && ch == '.' && leading(s, str, flags)))
                        goto backtrack;
                    p = e;
                    s += clen;
                    continue;
                }
                /* not a bracket expression: '[' is literal */
            }
            int pc = (unsigned char)*p;
            const char *next = p + 1;
            if (pc == '\\' && esc) {
                if (p[1] == '\0') {
                    /* glibc: a trailing backslash matches nothing; bash: itself */
                    if (!(flags & VL_FNM_SHELL)) return VL_FNM_NOMATCH;
                } else {
                    pc = (unsigned char)p[1];
                    next = p + 2;
                }
            }
            if (pc == ch || (fold && lower(pc) == lower(ch))) {
                p = next;
                s++;
                continue;
            }
        }
    backtrack:
        if (!star_p || star_s >= se) return VL_FNM_NOMATCH;
        if (path && *star_s == '/') return VL_FNM_NOMATCH;
        p = star_p;
        if (utf8) {
            uint32_t cp;
            star_s += next_char(star_s, se, flags, &cp);
        } else {
            star_s++;
        }
        s = star_s;
    }
}

int vl_fnmatch(const char *pat, const char *str, int flags)
{
    return vl_fnmatch_n(pat, str, strlen(str), flags);
}

bool vl_fnmatch_has_magic(const char *s, int flags)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && !(flags & VL_FNM_NOESCAPE) && p[1]) {
            p++;
            continue;
        }
        if (*p == '*' || *p == '?') return true;
        if (*p == '[') {
            const char *e;
            if (vl_fnmatch_bracket(p, 0, flags, &e) >= 0) return true;
        }
    }
    return false;
}

size_t vl_u8_decode(const char *s, const char *se, uint32_t *cp)
{
    return u8_decode((const unsigned char *)s, (const unsigned char *)se, cp);
}

bool vl_uc_print(uint32_t c)
{
    if (c < 0x80) return c >= 0x20 && c < 0x7f;
    return IN_UC(uc_print, c);
}
