/* jq.h: the private interface between the parts of vos's jq: JSON values (refcounted,
 * copy-on-write: a value with one reference is changed in place), the JSON reader and
 * printer (jq_json.c), the filter parser (jq_parse.c) and the evaluator with its builtins
 * (jq_eval.c). The evaluator is written in continuation-passing style: every expression
 * calls a callback once per output, so generators and backtracking are plain C calls and
 * variables and closures live on the C stack for exactly as long as they are visible. */
#ifndef VOS_CMD_JQ_H
#define VOS_CMD_JQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmd.h"

/* ---- values ---- */
enum { JV_INVALID, JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

typedef struct jv_str {
    uint32_t rc;
    uint32_t len;
    uint32_t hash; /* 0: not computed yet */
    char s[];      /* len bytes of UTF-8 and a NUL */
} jv_str;

typedef struct jv_lit jv_lit; /* a big integer literal kept as written */

typedef struct jv {
    uint8_t k;    /* JV_* */
    uint8_t lit;  /* JV_NUMBER: u.l holds the number with its literal text */
    union {
        double n;
        jv_str *s;
        struct jv_arr *a;
        struct jv_obj *o;
        jv_lit *l;
    } u;
} jv;

typedef struct jv_arr {
    uint32_t rc;
    uint32_t len, cap;
    jv *v;
} jv_arr;

typedef struct jv_ent {
    jv key; /* a string */
    jv val;
} jv_ent;

typedef struct jv_obj {
    uint32_t rc;
    uint32_t len, cap;
    jv_ent *e;
    uint32_t *hidx; /* open-addressed index+1 into e, hcap slots; NULL for small objects */
    uint32_t hcap;
} jv_obj;

struct jv_lit {
    uint32_t rc;
    double d;
    char s[]; /* the digits as written */
};

typedef struct jq_state jq_state;

/* The value layer allocates through the state's process arena and counts nothing else. */
void *jq_alloc(jq_state *J, size_t n);
void *jq_realloc(jq_state *J, void *p, size_t n);
void jq_free(jq_state *J, void *p);

static inline jv jv_null(void) { jv v = {JV_NULL, 0, {0}}; return v; }
static inline jv jv_invalid(void) { jv v = {JV_INVALID, 0, {0}}; return v; }
static inline jv jv_bool(bool b) { jv v = {b ? JV_TRUE : JV_FALSE, 0, {0}}; return v; }
static inline jv jv_num(double d) { jv v = {JV_NUMBER, 0, {0}}; v.u.n = d; return v; }
static inline double jv_n(jv v) { return v.lit ? v.u.l->d : v.u.n; }
static inline bool jv_truthy(jv v) { return v.k != JV_NULL && v.k != JV_FALSE; }

jv jv_ref(jv v);                    /* one more reference */
void jv_unref(jq_state *J, jv v);   /* one fewer; frees at zero */
jv jv_str_new(jq_state *J, const char *s, size_t n);
jv jv_str_c(jq_state *J, const char *s);
jv jv_str_fmt(jq_state *J, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
jv jv_str_cat(jq_state *J, jv a, const char *s, size_t n); /* consumes a */
uint32_t jv_str_hash(jv s);
jv jv_num_lit(jq_state *J, double d, const char *s, size_t n);
jv jv_arr_new(jq_state *J, size_t cap);
jv jv_arr_push(jq_state *J, jv a, jv x);          /* consumes a and x */
jv jv_arr_set(jq_state *J, jv a, size_t i, jv x); /* consumes a and x; pads with null */
jv jv_arr_get(jv a, size_t i);                    /* borrowed (JV_INVALID when out of range) */
jv jv_obj_new(jq_state *J);
jv jv_obj_set(jq_state *J, jv o, jv key, jv val); /* consumes all three */
jv jv_obj_get(jv o, jv key);                      /* borrowed, JV_INVALID if absent */
jv jv_obj_getc(jv o, const char *key, size_t n);  /* borrowed */
jv jv_obj_del(jq_state *J, jv o, jv key);         /* consumes o, borrows key */
jv jv_unshare(jq_state *J, jv v);                 /* consumes v; returns a value with rc 1 */
bool jv_equal(jv a, jv b);
int jv_cmp(jq_state *J, jv a, jv b);
const char *jv_kind_name(jv v);
size_t jv_len(jv v); /* array / object / string byte length */
jv jv_obj_keys_sorted(jq_state *J, jv o); /* array of key strings, sorted */

/* ---- JSON text ---- */
enum {
    JQ_DUMP_PRETTY = 1,
    JQ_DUMP_SORT = 2,
    JQ_DUMP_ASCII = 4,
    JQ_DUMP_TAB = 8,
};
void jq_dump(jq_state *J, vl_buf *b, jv v, int flags, int indent);
void jq_num_fmt(double d, char *buf); /* jq's number text (buf >= 32 bytes); NaN gives "null" */
/* Parse one complete JSON text (fromjson, --argjson, --jsonargs): the value, or JV_INVALID
 * with *err set to jq's message. */
jv jq_parse_json(jq_state *J, const char *s, size_t n, jv *err);

/* The input reader: concatenated JSON values from the input files. */
typedef struct jq_reader jq_reader;
/* Next value: 1 with *out, 0 at the end, -1 on a parse error (*err = message). */
int jq_reader_next(jq_state *J, jq_reader *R, jv *out, jv *err);

/* ---- the program ---- */
typedef struct jq_node jq_node;

/* Parse a program; NULL after printing jq's compile errors. */
jq_node *jq_compile(jq_state *J, const char *src, jv named_args);

/* ---- evaluation ---- */
enum { JQ_OK = 0, JQ_ERR = 1, JQ_BREAK = 2, JQ_HALT = 3 };

/* Callback for one output (value and, in path mode, its path); both borrowed. */
typedef int (*jq_cb)(jq_state *J, jv v, jv *path, void *ud);

/* The state of one jq run. */
struct jq_state {
    vl_ctx *c;
    jv err;            /* the error value after JQ_ERR */
    uint64_t brk;      /* the label id after JQ_BREAK */
    uint64_t labels;   /* label id counter */
    uint64_t ticks;    /* steps not yet counted */
    int halt_status;
    jv named_args;     /* $__prog_args / $named */
    jv env_obj;        /* $ENV (lazily) */
    jv pos_args;       /* --args / --jsonargs */
    jq_reader *rd;
    const char *cur_file; /* input_filename */
    int dump_flags, indent;
    struct jq_prelude *prelude;
    vl_buf tmp;
    bool seq, raw_out;
    void *interned; /* interned names (jq_parse.c) */
    int pending_rc;
    void *re_cache;
    void *tmp_owner;  /* the command's state (jq.c) */   /* compiled regexes (jq_builtins.c) */ /* the code that made jq_collect fail */
};

void jq_tick(jq_state *J);
_Noreturn void jq_fatal(jq_state *J, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int jq_run(jq_state *J, jq_node *prog, jv in, jq_cb cb, void *ud);
/* An error value for jq's messages: JQ_ERR with the message string. */
int jq_error(jq_state *J, jv msg);
int jq_errorf(jq_state *J, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text of a value as jq shows it inside error messages (cut at 11 bytes + "..."). */
const char *jq_errval(jq_state *J, jv v, char *buf, size_t n);

/* The AST, shared by parser and evaluator. */
typedef enum {
    N_IDENT, N_RECURSE, N_FIELD, N_INDEX, N_SLICE, N_ITER, N_LIT, N_STR, N_FORMAT, N_NEG,
    N_ARRAY, N_OBJECT, N_PIPE, N_COMMA, N_ALT, N_BINOP, N_AND, N_OR, N_ASSIGN, N_IF, N_TRY,
    N_REDUCE, N_FOREACH, N_FUNCDEF, N_CALL, N_VAR, N_AS, N_LABEL, N_BREAK, N_OPT,
} jq_ntype;

/* Destructuring patterns */
typedef struct jq_pat jq_pat;
struct jq_pat {
    int kind; /* 0 $var, 1 array, 2 object */
    const char *name;
    size_t n;
    jq_pat **elems;        /* array: elements; object: values (NULL: key is $var only) */
    jq_node **keys;        /* object: key expressions */
    const char **keyvars;  /* object: $name of "$name: pattern" or "$name" entries */
};

struct jq_node {
    jq_ntype t;
    int op;          /* BINOP / ASSIGN operator char; FIELD/INDEX optional flag */
    jq_node *a, *b, *c, *d; /* children (meaning by type) */
    jv v;            /* LIT value, FIELD name, FORMAT name */
    const char *name;/* CALL/FUNCDEF/VAR/LABEL/BREAK name (interned) */
    size_t n;        /* CALL: args; FUNCDEF: params; OBJECT: entries; STR: parts; AS: patterns */
    jq_node **args;  /* CALL args; OBJECT keys,values interleaved; STR parts */
    const char **params; /* FUNCDEF param names ("$x" for value params) */
    jq_pat **pats;   /* AS patterns (alternatives for ?//), REDUCE/FOREACH pattern */
    const struct jq_builtin *bi; /* CALL: resolved C builtin, if no def shadows it */
    int line;
    int pos; /* byte offset in the program (compile errors) */
};

#endif
