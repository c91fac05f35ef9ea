/* sed.h: what sed's two halves share: the compiled program (sed_parse.c turns the script text
 * into an array of commands, resolving labels and block ends, compiling regexes and opening
 * `w` files) and the state the executor (sed.c) runs it with. Not a public interface: only
 * sed.c and sed_parse.c include it. */
#ifndef VL_SED_H
#define VL_SED_H

#include "lib/cmd.h"
#include "lib/regex.h"

/* One compiled regex, or the empty regex (re NULL): "the last regex used". */
typedef struct sed_rx {
    vl_re *re;
    size_t ngroups;
    struct sed_rx *next; /* every regex of the program, to free them */
} sed_rx;

enum {
    AD_NONE = 0,
    AD_LINE,  /* n1 */
    AD_LAST,  /* $ */
    AD_RE,    /* rx */
    AD_STEP,  /* n1~n2 */
    AD_ZERO,  /* 0 as first address of 0,/re/ (or 0r) */
    AD_PLUS,  /* +n1 (second address), or +0 as first */
    AD_MOD,   /* ~n1 (second address), or ~0 as first */
};

typedef struct sed_addr {
    int type;
    int64_t n1, n2;
    sed_rx *rx;
} sed_addr;

/* An output of `w`, `W`, `s///w`: a file opened (truncated) when the program is compiled, as
 * GNU does; /dev/stdout and /dev/stderr are the command's own streams. */
typedef struct sed_out {
    char *name;
    int fd;          /* -1: stdout through vl_write */
    bool missing_nl; /* the last line written lacked its newline */
    vl_buf buf;
    struct sed_out *next;
} sed_out;

/* A file read by `R` a line at a time (position kept across cycles). */
typedef struct sed_rfile {
    char *name;
    int fd;     /* -2: not opened yet; -1: cannot be read */
    char *buf;
    size_t pos, len, cap;
    bool eof;
    struct sed_rfile *next;
} sed_rfile;

typedef struct sed_subst {
    sed_rx *rx;
    char *repl; /* the replacement, compiled into parts */
    struct sed_rpart *parts;
    int nparts;
    bool global, print, eval;
    int print_count; /* p given: 1 (GNU forbids twice) */
    int64_t numb;    /* replace from the Nth match on (1 by default) */
    sed_out *out;
    int maxref; /* highest \N used */
} sed_subst;

/* Replacement parts: literal text, a group (0 = whole match), or a case change. */
enum { RP_TEXT, RP_GROUP, RP_CASE };
enum { CASE_NONE = 0, CASE_U, CASE_L, CASE_ONE_U, CASE_ONE_L, CASE_END };
typedef struct sed_rpart {
    int kind;
    int n;          /* group number, or CASE_* */
    const char *s;  /* RP_TEXT */
    size_t len;
} sed_rpart;

enum { RANGE_INACTIVE = 0, RANGE_ACTIVE, RANGE_CLOSED };

typedef struct sed_cmd {
    sed_addr a1, a2;
    bool neg;
    int range;
    int64_t range_end;
    char op;
    int jump;      /* '{': index after the matching '}'; b t T: target index (-1: end) */
    char *text;    /* a i c: the text; b t T ':' : the label; e: the command */
    size_t tlen;
    int64_t num;   /* q Q: exit code; l: width (-1: -l's); L */
    sed_out *out;  /* w W */
    sed_rfile *rf; /* r R */
    sed_subst *sub;
    unsigned char *ytab;
    int piece, pos; /* where the command is in the script (for messages) */
} sed_cmd;

/* One -e or -f piece of the script. */
typedef struct sed_piece {
    const char *text;
    size_t len;
    bool file;        /* from -f */
    const char *name; /* -f's file name */
    int index;        /* -e expression #index */
} sed_piece;

typedef struct sed_prog {
    sed_cmd *cmds;
    int ncmds, cap;
    sed_rx *rxs;
    sed_out *outs;
    sed_rfile *rfiles;
    bool hash_n; /* the script starts with "#n\n" */
} sed_prog;

typedef struct sed_opts {
    bool quiet, ere, separate, inplace, unbuffered, zero, posix, sandbox, debug, follow;
    const char *suffix;
    int64_t line_len;
} sed_opts;

/* Compile the pieces into prog. On a script error prints GNU's message and exits 1. */
void sed_compile(vl_ctx *c, const sed_opts *o, sed_piece *pieces, int npieces, sed_prog *prog);
/* Free the regexes (their JIT code lives outside the arena). */
void sed_free_prog(sed_prog *prog);

#endif
