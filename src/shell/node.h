/* node.h: the shell's syntax tree. Node types are declared once (the X-macro) and every node
 * has the same generic shape, so copying a tree into another process's arena is one walk.
 * Words are kept as their source text (quotes included); expansion interprets them. */
#ifndef SH_NODE_H
#define SH_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/kernel.h"

/* X(name, what it holds) */
#define SH_NODE_TYPES(X)                                                                          \
    X(SIMPLE, "words = argv, assigns = prefix assignments, redirs")                             \
    X(PIPE, "a = first command (chained by next), flags: NF_BANG, NF_TIMED")                    \
    X(AND, "a && b")                                                                            \
    X(OR, "a || b")                                                                             \
    X(SEQ, "a ; b")                                                                             \
    X(BG, "a &")                                                                                \
    X(SUBSHELL, "( a ) redirs")                                                                 \
    X(GROUP, "{ a; } redirs")                                                                   \
    X(IF, "if a then b else c (c may be another IF for elif)")                                  \
    X(WHILE, "while a do b")                                                                    \
    X(UNTIL, "until a do b")                                                                    \
    X(FOR, "for name in words (NF_FOR_IN; otherwise \"$@\") do a")                              \
    X(CASE, "case words[0] in items: a = first CASEITEM")                                       \
    X(CASEITEM, "words = patterns, a = body, flags: terminator, next = next item")              \
    X(FUNCDEF, "name() a (a is the compound command, with its redirections)")                   \
    X(ARITH, "(( words[0] ))")                                                                  \
    X(COND, "[[ a ]]; inside: name && || ! ( or an operator, words = operands")                \
    X(COPROC, "coproc name a: a runs in the background, joined to the shell by two pipes")

typedef enum {
#define SH_NODE_ENUM_(n, doc) N_##n,
    SH_NODE_TYPES(SH_NODE_ENUM_)
#undef SH_NODE_ENUM_
    N_COUNT
} sh_node_type;

enum {
    NF_BANG = 1,     /* ! pipeline */
    NF_FOR_IN = 2,   /* for has an explicit "in" list */
    NF_CASE_FALL = 4,  /* ;& */
    NF_CASE_TEST = 8,  /* ;;& */
    NF_FUNC_KW = 16,   /* declared with the function keyword */
    NF_FOR_ARITH = 32, /* for (( init; cond; step )): words[0..2] */
    NF_TIMED = 64,     /* time pipeline */
    NF_TIME_POSIX = 128, /* time -p */
    NF_COND_WORD = 256,  /* [[ word ]]: the implicit -n */
    NF_SELECT = 512,     /* an N_FOR that is a select */
};

/* Redirection operators */
#define SH_REDIR_OPS(X)                                                                           \
    X(IN, "<")                                                                                  \
    X(OUT, ">")                                                                                 \
    X(APPEND, ">>")                                                                             \
    X(CLOBBER, ">|")                                                                            \
    X(RDWR, "<>")                                                                               \
    X(DUPIN, "<&")                                                                              \
    X(DUPOUT, ">&")                                                                             \
    X(HEREDOC, "<<")                                                                            \
    X(HERESTR, "<<<")                                                                           \
    X(OUTERR, "&>")                                                                             \
    X(APPERR, "&>>")

typedef enum {
#define SH_REDIR_ENUM_(n, s) R_##n,
    SH_REDIR_OPS(SH_REDIR_ENUM_)
#undef SH_REDIR_ENUM_
} sh_redir_op;

typedef struct sh_redir {
    int op;            /* R_* */
    int fd;            /* the fd redirected; -1: the operator's default */
    char *word;        /* target word (source text); for a here-doc the delimiter */
    char *body;        /* here-doc body (raw text) */
    bool quoted;       /* here-doc delimiter was quoted: no expansion of the body */
    bool strip_tabs;   /* <<- */
    char *varname;     /* {name}> : the fd is chosen by the shell and stored in name */
    struct sh_redir *next;
} sh_redir;

typedef struct sh_node {
    int type;          /* N_* */
    int line;          /* line where the command starts */
    int end_line;      /* compound command with redirections: the line they end on */
    int flags;         /* NF_* */
    struct sh_node *a, *b, *c;
    struct sh_node *next;
    char **words;      /* NULL-terminated array of source words */
    int nwords;
    char **assigns;
    int nassigns;
    sh_redir *redirs;
    char *name;
} sh_node;

/* A pool of tree memory in one process: freed at once. */
typedef struct sh_pool {
    vk_proc *p;
    struct sh_chunk *chunks;
    bool oom;
} sh_pool;

void *sh_pool_alloc(sh_pool *pool, size_t n);
char *sh_pool_strndup(sh_pool *pool, const char *s, size_t n);
void sh_pool_free(sh_pool *pool);
/* Deep copy of a tree into pool (another process's pool is fine before it starts). NULL on
 * memory exhaustion (pool->oom). */
sh_node *sh_node_copy(sh_pool *pool, const sh_node *n);
const char *sh_node_type_name(int type);

#endif
