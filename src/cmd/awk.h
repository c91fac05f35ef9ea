/* awk.h: the private interface between the parts of our awk (gawk 5.2 dialect): values and
 * strings, arrays, the syntax tree the parser builds (awk_parse.c) and the interpreter walks
 * (awk_run.c). Not a public header: only src/cmd/awk*.c include it. */
#ifndef AWK_H
#define AWK_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmd.h"
#include "lib/regex.h"

/* ---- strings: refcounted, NUL-terminated, binary-safe through len ---- */
typedef struct aw_str {
    uint32_t ref;
    uint32_t cap; /* bytes allocated for s when reusable (records), else 0 */
    size_t len;
    char s[];
} aw_str;

/* ---- values ----
 * A value holds a number, a string, or both. Input data (fields, getline, split pieces, ARGV,
 * ENVIRON, -v) is "strnum": a string that compares as a number when it looks like one, which
 * is only decided when needed (V_INPUT set, V_NUM not yet). */
enum {
    TY_UNINIT = 0, /* both "" and 0 */
    TY_NUM,        /* a number: num (s is NULL) */
    TY_STR,        /* a string: s (num caches its numeric value when numok) */
    TY_INPUT,      /* input not yet checked */
    TY_STRNUM,     /* input that looks numeric: compares as a number */
    TY_INSTR,      /* input that does not: a string */
    TY_LAZY,       /* a field not yet cut out of $0 (awk_run.c's record only) */
};
typedef struct aw_val {
    unsigned char ty;
    bool numok; /* num holds the string's numeric value */
    double num;
    aw_str *s;
} aw_val;

/* ---- arrays: hash of string keys, with an insertion-ordered list for `for (k in a)` ---- */
typedef struct aw_elem {
    struct aw_elem *hnext;        /* hash chain */
    struct aw_elem *prev, *next;  /* insertion order */
    uint64_t hash;
    aw_str *key;
    aw_val v;
    struct aw_array *sub;         /* the element is an array (gawk's a[i][j]) */
} aw_elem;
typedef struct aw_array {
    aw_elem **tab;
    size_t cap, n;
    aw_elem *first, *last;
} aw_array;

/* ---- variables: a global or a local slot is a scalar or an array (decided by first use) ---- */
enum { VK_UNSET = 0, VK_SCALAR, VK_ARRAY, VK_REF };
typedef struct aw_var {
    int kind;
    aw_val v;
    aw_array *arr;
    struct aw_var *ref; /* VK_REF: an untyped variable of the caller, passed by reference */
    const char *refname; /* the caller's name for it (messages) */
    bool borrowed;       /* VK_ARRAY: a subarray passed by reference, not freed with the frame */
} aw_var;

/* ---- the syntax tree ---- */
#define AW_NODES(X)                                                                            \
    X(N_NUM) X(N_STR) X(N_REGEX) X(N_GLOBAL) X(N_LOCAL) X(N_FIELD) X(N_INDEX) X(N_ASSIGN)      \
    X(N_OPASSIGN) X(N_COND) X(N_AND) X(N_OR) X(N_NOT) X(N_NEG) X(N_PLUS) X(N_BINOP)            \
    X(N_CMP) X(N_MATCH) X(N_CONCAT) X(N_IN) X(N_PREINC) X(N_PREDEC) X(N_POSTINC)               \
    X(N_POSTDEC) X(N_CALL) X(N_BUILTIN) X(N_GETLINE) X(N_GROUP)                                \
    X(S_EXPR) X(S_PRINT) X(S_PRINTF) X(S_IF) X(S_WHILE) X(S_DO) X(S_FOR) X(S_FORIN)             \
    X(S_BLOCK) X(S_NEXT) X(S_NEXTFILE) X(S_EXIT) X(S_RETURN) X(S_BREAK) X(S_CONTINUE)          \
    X(S_DELETE) X(S_DELALL) X(S_GETLINE) X(S_SWITCH) X(S_CASE)
#define AW_ENUM(n) n,
enum { AW_NODES(AW_ENUM) N__COUNT };
#undef AW_ENUM

/* getline sources (node->op of N_GETLINE) and print redirections (S_PRINT op) */
enum { R_NONE = 0, R_FILE, R_APPEND, R_PIPE, R_CMD /* cmd | getline */, R_MAIN };

/* builtins (node->op of N_BUILTIN) */
#define AW_BUILTINS(X)                                                                         \
    X(B_LENGTH, "length") X(B_SUBSTR, "substr") X(B_INDEX, "index") X(B_SPLIT, "split")        \
    X(B_SUB, "sub") X(B_GSUB, "gsub") X(B_GENSUB, "gensub") X(B_MATCH, "match")                \
    X(B_SPRINTF, "sprintf") X(B_SIN, "sin") X(B_COS, "cos") X(B_ATAN2, "atan2")               \
    X(B_EXP, "exp") X(B_LOG, "log") X(B_SQRT, "sqrt") X(B_INT, "int") X(B_RAND, "rand")         \
    X(B_SRAND, "srand") X(B_TOLOWER, "tolower") X(B_TOUPPER, "toupper")                       \
    X(B_SYSTEM, "system") X(B_CLOSE, "close") X(B_FFLUSH, "fflush")                           \
    X(B_SYSTIME, "systime") X(B_STRFTIME, "strftime") X(B_MKTIME, "mktime")                   \
    X(B_ASORT, "asort") X(B_ASORTI, "asorti") X(B_PATSPLIT, "patsplit")                       \
    X(B_TYPEOF, "typeof") X(B_ISARRAY, "isarray") X(B_AND, "and") X(B_OR, "or")               \
    X(B_XOR, "xor") X(B_COMPL, "compl") X(B_LSHIFT, "lshift") X(B_RSHIFT, "rshift")           \
    X(B_STRTONUM, "strtonum")
#define AW_BENUM(e, s) e,
enum { AW_BUILTINS(AW_BENUM) B__COUNT };
#undef AW_BENUM

typedef struct aw_node aw_node;
struct aw_node {
    int type;
    int op;     /* operator char / builtin id / redirection kind */
    int line;
    int idx;    /* variable slot, function index, number of arguments */
    aw_node *a, *b, *c, *d;
    aw_node *next; /* lists: statements, arguments, subscripts */
    double num;
    aw_str *str;   /* string constant, regex source */
    vl_re *re;     /* compiled regex constant */
    vl_re *rei;    /* the same ignoring case (IGNORECASE), compiled when first needed */
    int src;       /* source index, for messages */
};

typedef struct aw_func {
    char *name;
    int nparams;
    char **params;
    aw_node *body;
    bool defined;
    bool clash;    /* already reported as a variable's name */
    int line;
} aw_func;

/* a pattern-action rule */
enum { P_BEGIN = 1, P_END, P_BEGINFILE, P_ENDFILE, P_MAIN };
typedef struct aw_rule {
    int kind;
    aw_node *pat, *pat2; /* pat2: range patterns */
    aw_node *action;     /* NULL: print $0 */
    bool in_range;
    struct aw_rule *next;
} aw_rule;

/* the special variables: fixed global slots */
#define AW_SPECIALS(X)                                                                         \
    X(V_NF, "NF") X(V_NR, "NR") X(V_FNR, "FNR") X(V_FS, "FS") X(V_OFS, "OFS")                  \
    X(V_ORS, "ORS") X(V_RS, "RS") X(V_SUBSEP, "SUBSEP") X(V_CONVFMT, "CONVFMT")                \
    X(V_OFMT, "OFMT") X(V_RSTART, "RSTART") X(V_RLENGTH, "RLENGTH")                           \
    X(V_FILENAME, "FILENAME") X(V_IGNORECASE, "IGNORECASE") X(V_FIELDWIDTHS, "FIELDWIDTHS")   \
    X(V_FPAT, "FPAT") X(V_RT, "RT") X(V_ENVIRON, "ENVIRON") X(V_ARGV, "ARGV")                 \
    X(V_ARGC, "ARGC") X(V_PROCINFO, "PROCINFO") X(V_BINMODE, "BINMODE")                       \
    X(V_LINT, "LINT") X(V_TEXTDOMAIN, "TEXTDOMAIN") X(V_ERRNO, "ERRNO") X(V_SYMTAB, "SYMTAB") \
    X(V_FUNCTAB, "FUNCTAB")
#define AW_VENUM(e, s) e,
enum { AW_SPECIALS(AW_VENUM) V__NSPECIAL };
#undef AW_VENUM

/* a program source: -f file or the command line text */
typedef struct aw_src {
    const char *name; /* "cmd. line" or the file name */
    const char *text;
    size_t len;
} aw_src;

typedef struct aw_prog {
    aw_rule *rules, *rules_last;
    bool has_main, has_end, has_beginfile, has_endfile, has_getline_main;
    bool inplace; /* -i inplace: each file's output replaces it */
    aw_func **funcs;
    int nfuncs, capfuncs;
    char **gnames; /* global names by slot */
    int *gline;    /* line where the program first uses each (0: not from the program text) */
    int nglobals, capglobals;
    vl_re **res; /* every compiled regex, freed at exit */
    size_t nres, capres;
} aw_prog;

/* The many small objects (strings, array elements) come straight from the process arena
 * (vk_malloc), without vl_xmalloc's bookkeeping: the arena frees them at exit anyway. At the
 * memory limit aw_alloc ends the command with "memory exhausted", as vl_xmalloc does. */
void *aw_alloc(vl_ctx *c, size_t n);
void aw_free(vl_ctx *c, void *p);

/* parse all sources into prog; on a syntax error prints gawk's message and exits 1 */
void aw_parse(vl_ctx *c, aw_prog *prog, aw_src *srcs, int nsrc);
/* the slot of global name (created when new) */
int aw_global(vl_ctx *c, aw_prog *prog, const char *name);
/* a string (length n) as an aw_str with one reference */
aw_str *aw_str_new(vl_ctx *c, const char *s, size_t n);
/* turn an awk regex (a constant's text or a dynamic string) into the ERE regex.h reads */
void aw_regex_translate(vl_ctx *c, vl_buf *out, const char *s, size_t n);
/* compile with gawk's message on error (exits 2 for dynamic regexes, 1 at parse) */
vl_re *aw_regex_compile(vl_ctx *c, aw_prog *prog, const char *s, size_t n, bool icase,
                        bool *err, char *msg, size_t msglen);

/* run the program with the operands argv[0..argc) (ARGV[1..]); returns the exit status */
int aw_run(vl_ctx *c, aw_prog *prog, const aw_src *srcs, int nsrc, int argc, char **argv,
           char **assigns, int nassign);

#endif
