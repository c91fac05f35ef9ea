/* jq_eval.h: what the evaluator (jq_eval.c) and the builtins (jq_builtins.c) share: the
 * environment frames, the builtin table entry, and the helpers each side calls. */
#ifndef VOS_CMD_JQ_EVAL_H
#define VOS_CMD_JQ_EVAL_H

#include "cmd/jq.h"

enum { F_NONE, F_VAR, F_FUNC, F_CLOSURE, F_LABEL };

/* One binding. F_FUNC: node is the def (its body sees this frame); F_CLOSURE: a filter
 * argument (node evaluated in env), or a $param's value (node NULL, val). */
typedef struct frame {
    int kind;
    const char *name;
    struct frame *up;
    jv val;
    jq_node *node;
    struct frame *env;
    uint64_t label;
} frame;

typedef int (*jq_bi_fn)(jq_state *J, jq_node *call, frame *env, jv in, jv *path, jq_cb cb,
                        void *ud);
typedef struct jq_builtin {
    const char *name;
    int arity;
    jq_bi_fn fn;
} jq_builtin;

typedef struct k_iter {
    jq_cb cb;
    void *ud;
} k_iter;
typedef struct k_pathguard {
    jq_cb cb;
    void *ud;
} k_pathguard;

int pathguard_cb(jq_state *J, jv v, jv *p, void *ud);
int iter_cb(jq_state *J, jv v, jv *p, void *ud);

int jq_eval(jq_state *J, jq_node *n, frame *env, jv in, jv *path, jq_cb cb, void *ud);
jv jq_collect(jq_state *J, jq_node *n, frame *env, jv in);
jv jq_collect_paths(jq_state *J, jq_node *n, frame *env, jv in);
jv jq_index(jq_state *J, jv t, jv k);
int jq_iterate(jq_state *J, jv t, jv *tpath, jq_cb cb, void *ud);
jv jq_path_add(jq_state *J, jv *path, jv key);
jv jq_arith(jq_state *J, int op, jv a, jv b);
jv jq_format(jq_state *J, jv fmt, jv v);
jv jq_indices(jq_state *J, jv a, jv b);
jv jq_global_var(jq_state *J, jq_node *n);
int jq_assign(jq_state *J, jq_node *n, frame *env, jv in, jq_cb cb, void *ud, bool owned);
int jq_add_owned(jq_state *J, jq_node *n, frame *env, jv in, jq_cb cb, void *ud);
const char *jq_intern(jq_state *J, const char *s, size_t n);
jv jq_split_str(jq_state *J, jv s, jv sep);
bool jq_resolve_global_fn(jq_state *J, const char *name, size_t arity, jq_node *call);
bool jq_resolve_global_var(jq_state *J, const char *name);

#endif
