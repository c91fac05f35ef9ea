/* fnmatch.h: POSIX fnmatch for the commands (ls -I/--hide, find -name, tree -I/-P, du
 * --exclude, rg globs...), bytewise as in the C locale (or by UTF-8 characters with
 * VL_FNM_UTF8): * ? [...] with ranges, classes
 * ([:alpha:]...), equivalence classes and collating symbols of one byte, ! and ^ negation,
 * and the flags below. The host's fnmatch is not used: it reads the host's locale.
 * Matching is iterative (one backtrack point per segment): linear in practice, never
 * recursive, so no pattern can exhaust the C stack. */
#ifndef VL_FNMATCH_H
#define VL_FNMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    VL_FNM_NOESCAPE = 1 << 0,    /* backslash is an ordinary character */
    VL_FNM_PATHNAME = 1 << 1,    /* / only matched by a literal / */
    VL_FNM_PERIOD = 1 << 2,      /* a leading . (after / with PATHNAME) only matched literally */
    VL_FNM_LEADING_DIR = 1 << 3, /* the pattern may match a leading part ending before a / */
    VL_FNM_CASEFOLD = 1 << 4,    /* ASCII letters match either case */
    /* bash's reading instead of glibc's where they differ: an unknown class name matches
     * nothing (the bracket still works), [:word:] is a class, a trailing backslash matches
     * itself, a broken [. is an ordinary '[' */
    VL_FNM_SHELL = 1 << 8,
    /* characters are UTF-8 (C.UTF-8): ? and a bracket take one character, ranges are over
     * code points, classes are C.UTF-8's; when the pattern or the string is not valid UTF-8
     * the match is bytewise, as glibc's fnmatch */
    VL_FNM_UTF8 = 1 << 9,
    /* with VL_FNM_UTF8: an invalid byte is a character of its own instead (bash's ${x#pat},
     * ${x/pat/rep}... read strings so) */
    VL_FNM_UTF8_LAX = 1 << 10,
};
#define VL_FNM_NOMATCH 1

/* 0 when str matches pat, VL_FNM_NOMATCH otherwise (also for an invalid class name, as
 * glibc answers non-zero then). */
int vl_fnmatch(const char *pat, const char *str, int flags);
/* The same for a string of len bytes (it may hold NUL bytes). */
int vl_fnmatch_n(const char *pat, const char *str, size_t len, int flags);

/* The bracket expression at p (p[0] == '[') against the byte ch (a code point with
 * VL_FNM_UTF8): 1 match, 0 no match, -1 when
 * p does not start a complete bracket expression (then '[' is an ordinary character). *end is
 * set after the closing ']'. Only VL_FNM_NOESCAPE, VL_FNM_CASEFOLD and VL_FNM_UTF8 matter. The shell's
 * pattern matcher (extglob) uses it too, so both read brackets the same way. */
int vl_fnmatch_bracket(const char *p, int ch, int flags, const char **end);

/* Does s hold an unescaped * ? or a complete bracket expression? */
bool vl_fnmatch_has_magic(const char *s, int flags);

/* The valid UTF-8 character at s (not past se; NULL: up to the NUL): its length and *cp, or 0
 * for bytes that are no valid character (overlong, surrogate, past U+10FFFF, cut). */
size_t vl_u8_decode(const char *s, const char *se, uint32_t *cp);

/* Is the code point printable in glibc's C.UTF-8 locale (iswprint)? */
bool vl_uc_print(uint32_t c);

#endif
