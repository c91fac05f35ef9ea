/* rg.h: what rg.c (the search, the walk, the output) and rg_syntax.c (Rust regex syntax and
 * gitignore globs turned into PCRE2 patterns for lib/regex.h) share. Private to rg. */
#ifndef RG_H
#define RG_H

#include "lib/cmd.h"

/* How a pattern is translated. */
enum {
    RG_TR_MULTILINE = 1, /* -U: the pattern may match '\n' */
    RG_TR_DOTALL = 2,    /* --multiline-dotall: '.' matches '\n' too */
    RG_TR_FIXED = 4,     /* -F: the pattern is a literal */
    RG_TR_CRLF = 8,      /* --crlf: '\r' ends lines too, '$' matches before "\r\n" */
};

/* What a translation found out about a pattern. */
typedef struct rg_tr_info {
    bool any_literal; /* a literal character somewhere (smart case) */
    bool any_upper;   /* an uppercase literal character (smart case) */
    bool literal;     /* the whole pattern is one literal string (lit holds it) */
    int ngroups;      /* its capturing groups */
} rg_tr_info;

/* Translate one Rust-syntax pattern pat[0..len) into PCRE2 syntax (for VL_RE_PCRE with
 * VL_RE_UTF), appended to out; a literal pattern's bytes go to lit. Its named groups are
 * appended to names as "NAME=NUMBER\n" lines, numbered from group_base + 1 (the groups of the
 * patterns before it). Returns 0, or -1 with the whole message rg prints (Rust's "regex parse
 * error:" block with its caret line, or the message about a literal "\n") in err. */
int rg_translate(vl_ctx *c, const char *pat, size_t len, int flags, int group_base, vl_buf *names,
                 vl_buf *out, vl_buf *lit, rg_tr_info *info, vl_buf *err);

/* A gitignore-style glob as a PCRE2 pattern matching a whole path ('*' and '?' never match
 * '/', "**" matches across directories), appended to out. Returns 0, or -1 with the glob
 * error in err (an unclosed class...). */
int rg_glob_translate(vl_ctx *c, const char *glob, size_t len, vl_buf *out, vl_buf *err);

#endif
