/* regex.h: the one regular-expression wrapper every regex user shares (grep, sed, find -regex,
 * expr, awk, csplit, tac -r, rg, the shell's [[ =~ ]]). Patterns are POSIX BRE/ERE with GNU's
 * extensions (parsed here the way glibc's regcomp parses them, then run by PCRE2 with its JIT),
 * Perl patterns (PCRE2's own syntax, for grep -P), or fixed strings. BRE/ERE keep POSIX results:
 * the leftmost match, and of those the longest (PCRE2 alone gives the first alternative that
 * matches). Every search is bounded: PCRE2's match, depth and heap limits make one call end in
 * tens of milliseconds, an automaton without backtracking takes over for BRE/ERE patterns that
 * would backtrack too much, PCRE2's memory comes from the VM's allocator, and every call counts
 * steps against the exec's budget (vk_steps), so deadlines and interrupts hold between calls.
 *
 * Ownership: a vl_re belongs to the process that compiled it; only that process may use and
 * free it (its memory is that process's). Free it on every way out, also when a command bails
 * out with vl_exit: PCRE2's JIT code lives outside the process arena (grep.c shows one way).
 * Nothing here prints, blocks or touches files. */
#ifndef VL_REGEX_H
#define VL_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/kernel.h"

typedef struct vl_re vl_re;

/* Pattern syntaxes. */
enum {
    VL_RE_BRE = 0,   /* POSIX basic: \( \) \{ \} \| \+ \? and GNU's \< \> \b \B \w \W \s \S \` \' */
    VL_RE_ERE = 1,   /* POSIX extended: ( ) { } | + ?, back-references \1-\9, GNU's escapes */
    VL_RE_PCRE = 2,  /* Perl (PCRE2 syntax and leftmost-first results), as grep -P */
    VL_RE_FIXED = 3, /* a literal string */
    /* Emacs syntax (glibc's RE_SYNTAX_EMACS, find's default -regextype): \( \) \| groups and
     * alternation, + ? operators, no intervals, no [:classes:] */
    VL_RE_EMACS = 4,
};

/* Compile flags (OR them). */
enum {
    VL_RE_ICASE = 1 << 0, /* ignore case (ASCII letters) */
    /* Perl patterns only: UTF-8 with Unicode properties (PCRE2_UTF | PCRE2_UCP): \w, \d, \b,
     * classes and case folding are Unicode's, '.' is one character; bytes that are not valid
     * UTF-8 are matched by nothing but never make a search fail (PCRE2_MATCH_INVALID_UTF): rg. */
    VL_RE_UTF = 1 << 14,
    /* The pattern is a list of patterns, each ended by '\n' (a last one without '\n' counts too;
     * "" is an empty list, which matches nothing): a subject matches where any of them does.
     * Each is parsed on its own (its own ^ context, back-references to its own groups). */
    VL_RE_LIST = 1 << 1,
    /* GNU grep's dialect of BRE/ERE instead of regcomp's: in ERE a leading * + ? or {m,n} is
     * ignored (with a warning "* at start of expression"...), an invalid interval "a{1" is
     * literal, "[:space:]" is an error; in BRE "a**" and a leading \{ are accepted. */
    VL_RE_GREP = 1 << 2,
    /* Subjects are runs of records, each ended by '\n' (NUL with VL_RE_ZERO), searched all at
     * once (grep's buffers): no match contains a record end; ^ $ \` \' match at record
     * boundaries. PCRE patterns are run record by record. */
    VL_RE_RECORDS = 1 << 3,
    VL_RE_ZERO = 1 << 4, /* records end with NUL (grep -z) */
    VL_RE_WORD = 1 << 5, /* match only whole words (grep -w): no word character just before or after */
    VL_RE_LINE = 1 << 6, /* match only whole records/subjects (grep -x) */
    /* POSIX REG_NEWLINE: '.' and [^...] do not match '\n'; ^ and $ also match after and before
     * each '\n' (sed's M flag). */
    VL_RE_NEWLINE = 1 << 7,
    /* ERE: an unmatched ')' is an error (sed -E) instead of a literal (regcomp, grep -E). */
    VL_RE_PAREN_STRICT = 1 << 8,
    /* With VL_RE_NEWLINE: '^' also matches after a '\n' that ends the subject, as glibc's
     * REG_NEWLINE does (sed's `G;s/^$/X/M`); PCRE2's multiline mode alone does not. */
    VL_RE_NL_END = 1 << 12,
};

/* Compile diagnostics. msg receives the message of a failed compile, in GNU's words for
 * BRE/ERE ("Unmatched [, [^, [:, [., or [=", "Invalid back reference", "Trailing
 * backslash"...) and PCRE2's for Perl patterns ("missing closing parenthesis"); the caller
 * prints it in its own shape ("grep: %s", "sed: -e expression #1, char 3: %s"). warn, when
 * set, is called for each warning the GNU grep dialect gives ("* at start of expression"). */
typedef struct vl_re_diag {
    char msg[256];
    void (*warn)(void *ud, const char *msg);
    void *warn_ud;
} vl_re_diag;

/* Compile pat[0..len) (may hold NUL bytes). Returns 0 and *out, or:
 *   VL_RE_ESYNTAX   a bad pattern (diag->msg says why),
 *   VL_RE_ETOOBIG   too big to compile ("Regular expression too big" in diag->msg),
 *   a negative VOS code when the process must end (memory limit, interrupt).
 * diag may be NULL. Costs time and memory proportional to the pattern; never blocks. */
int vl_re_compile(vk_proc *p, const char *pat, size_t len, int syntax, int flags, vl_re **out,
                  vl_re_diag *diag);
/* Free a compiled pattern (NULL is fine). */
void vl_re_free(vl_re *re);
/* Number of capture groups (\( \) or ( ) pairs; 0 for fixed strings and lists). */
size_t vl_re_ngroups(const vl_re *re);
/* Can the pattern match an empty string somewhere? (grep uses it to skip work.) */
bool vl_re_matches_empty(const vl_re *re);

/* A span of the subject: so..eo, or -1/-1 for a group that took no part in the match. */
typedef struct vl_re_span {
    ptrdiff_t so, eo;
} vl_re_span;

/* Search flags. */
enum {
    VL_RE_NOTBOL = 1, /* the subject's start is not the start of a line: ^ does not match there */
    VL_RE_NOTEOL = 2, /* nor is its end: $ does not match there */
    /* Any match will do (grep selecting lines): m[0] gets the leftmost match's start and some
     * end, not necessarily the longest; groups are not filled. The fastest search. */
    VL_RE_ANY = 4,
    /* The match must start at start (expr's STRING : REGEX, awk's match at a place). */
    VL_RE_ANCHORED = 8,
};

/* Search s[0..len) for the leftmost match starting at or after start (only at start with
 * VL_RE_ANCHORED); s before start is still seen by \b, \< and lookbehinds. On a match fills
 * m[0] (the whole match: leftmost-longest for BRE/ERE/fixed strings, leftmost-first for PCRE)
 * and m[1..nm) (the groups, as glibc's regexec gives them for BRE/ERE; groups past
 * vl_re_ngroups, and those of lists split over several PCRE2 patterns, are -1/-1). m may be
 * NULL when nm is 0. Returns
 *   1 match, 0 no match,
 *   VL_RE_ECOMPLEX  the search would take too long or too much memory (a Perl pattern or a
 *                   back-reference that backtracks without end): treat as an error,
 *   a negative VOS code when the process must end (step, time or memory limit, interrupt,
 *                   fatal signal): the caller stops at once, as after vk_check.
 * Costs steps proportional to the bytes looked at; never blocks. */
int vl_re_search(vl_re *re, const char *s, size_t len, size_t start, int eflags, vl_re_span *m,
                 size_t nm);

/* Error codes of this module (outside the VOS_E* range). */
#define VL_RE_ESYNTAX (-2001)
#define VL_RE_ETOOBIG (-2002)
#define VL_RE_ECOMPLEX (-2003)
/* A message for a code of this module ("regular expression too complex"), or vl-style text for
 * other codes. Static string. */
const char *vl_re_strerror(int rc);
/* For VL_RE_ECOMPLEX from a Perl pattern: which PCRE2 limit ended the search, in GNU grep's
 * words ("exceeded PCRE's backtracking limit", "exhausted PCRE JIT stack", "exceeded PCRE's
 * heap limit"...). Static string; "regular expression too complex" when no limit applies. */
const char *vl_re_limit_msg(const vl_re *re);

#endif
