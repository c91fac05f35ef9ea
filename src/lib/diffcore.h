/* diffcore.h: what diff, diff3, cmp and patch share: GNU diffutils' option parsing (its usage
 * errors end in "NAME: Try 'NAME --help'..." with status 2), reading a whole file, and the line
 * comparison engine behind diff and diff3. The engine reproduces GNU diff's results, not just
 * a minimal edit script: the same identical prefix and suffix with their horizon, the same
 * discarding of lines without (or with too many) matches, the same O(ND) middle-snake search
 * with its cost cut-offs, the same shifting of change boundaries. It does not print anything;
 * the output formats are diff's and diff3's own. */
#ifndef VL_DIFFCORE_H
#define VL_DIFFCORE_H

#include "lib/cmd.h"

/* ---- options: GNU getopt_long, diffutils-style errors ----
 * Parses argv against c->decl->opts (short ids < 256, long names, unique prefixes, "--",
 * operands mixed with options), calling fn(c, id, arg, ud) for each option in order. With
 * digits, -0 ... -9 are options too (fn gets the digit as id). --help prints vl_help and exits
 * 0; --version prints vl_version. Bad options: "NAME: msg" and "NAME: Try 'NAME --help' for
 * more information.", exit 2. Returns the number of operands, moved to argv[1..n]. When opts
 * is not NULL it receives the options as given (argv order, with separate arguments), for
 * diff -r's "diff -ru a/x b/x" lines; *nopts their count. */
typedef void (*vl_dopt_fn)(vl_ctx *c, int id, const char *arg, void *ud);
int vl_dgetopt(vl_ctx *c, int argc, char **argv, bool digits, vl_dopt_fn fn, void *ud,
               char ***opts, int *nopts);
/* "NAME: msg" then the Try line, exit 2 (diffutils' try_help). */
_Noreturn void vl_dusage(vl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count work against the exec's step budget; ends the command when a limit was hit. */
void vl_dsteps(vl_ctx *c, uint64_t n);

/* ---- a whole file in memory ----
 * Reads all of fd into a fresh arena buffer with room for the engine's sentinels. Returns 0 or
 * a negative code. */
int vl_dread_fd(vl_ctx *c, int fd, char **buf, size_t *len);

/* ---- the engine ---- */
enum {
    VL_WS_NONE = 0,
    VL_WS_TAB = 1,           /* -E: tabs equal the spaces they expand to */
    VL_WS_TRAILING = 2,      /* -Z: white space at line end is ignored */
    VL_WS_TAB_TRAILING = 3,  /* -E -Z */
    VL_WS_CHANGE = 4,        /* -b: runs of white space compare as one space */
    VL_WS_ALL = 5,           /* -w: all white space ignored */
};

typedef struct vl_dfile {
    /* set by the caller: the bytes, in an arena buffer from vl_dread_fd (or NULL for an empty
     * or absent file) */
    char *buf;
    size_t len;
    /* set by vl_dprepare */
    bool missing_newline;   /* the file did not end with a newline: one was appended */
    int64_t nlines;
    const char **line;      /* nlines + 1 line starts; line[nlines] = buf + len */
} vl_dfile;

typedef struct vl_dopts {
    int ignore_ws;          /* VL_WS_* */
    bool ignore_case;
    bool minimal;           /* -d: no cost heuristics, no discarding */
    bool speed_large;       /* --speed-large-files: GNU's big-snake heuristic */
    bool robust;            /* a last line without newline is a difference (all but -e) */
    int64_t horizon;        /* lines kept from the common prefix and suffix */
    int tabsize;
} vl_dopts;

/* One change: lines [line0, line0+deleted) of file 0 become [line1, line1+inserted) of file 1
 * (0-based, absolute). */
typedef struct vl_dchange {
    int64_t line0, line1, deleted, inserted;
    bool ignore;            /* set by the caller (diff -B/-I) */
} vl_dchange;

/* Append the missing final newline (and strip the CR of every CRLF when strip_cr), then index
 * the lines. f->buf must come from vl_dread_fd (it has room). */
void vl_dprepare(vl_ctx *c, vl_dfile *f, bool strip_cr);
/* Compare two prepared files: the changes in forward order (arena array, *n entries). */
vl_dchange *vl_dcompare(vl_ctx *c, vl_dfile f[2], const vl_dopts *o, size_t *n);
/* Do two lines compare equal under o (each includes its newline; the last line of a file
 * that lacks one has it appended)? */
bool vl_dlines_equal(const vl_dopts *o, const char *a, size_t alen, const char *b, size_t blen);

#endif
