/* node.c: memory for syntax trees (a pool of chunks in one process, freed at once) and the
 * deep copy that gives a function definition or a child process its own tree. It does not
 * build trees (parser.c) nor walk them for meaning (eval.c). */
#include <string.h>

#include "shell/node.h"

typedef struct sh_chunk {
    struct sh_chunk *next;
    size_t used, cap;
    _Alignas(16) char data[];
} sh_chunk;

#define CHUNK_MIN 4000

void *sh_pool_alloc(sh_pool *pool, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    sh_chunk *c = pool->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = vk_malloc(pool->p, sizeof *c + cap);
        if (!c) {
            pool->oom = true;
            return NULL;
        }
        c->used = 0;
        c->cap = cap;
        c->next = pool->chunks;
        pool->chunks = c;
    }
    void *r = c->data + c->used;
    c->used += n;
    return r;
}

char *sh_pool_strndup(sh_pool *pool, const char *s, size_t n)
{
    char *d = sh_pool_alloc(pool, n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void sh_pool_free(sh_pool *pool)
{
    sh_chunk *c = pool->chunks;
    while (c) {
        sh_chunk *n = c->next;
        vk_free(pool->p, c);
        c = n;
    }
    pool->chunks = NULL;
}

static char *copy_str(sh_pool *pool, const char *s)
{
    return s ? sh_pool_strndup(pool, s, strlen(s)) : NULL;
}

static char **copy_words(sh_pool *pool, char **w, int n)
{
    if (!w) return NULL;
    char **r = sh_pool_alloc(pool, (size_t)(n + 1) * sizeof *r);
    if (!r) return NULL;
    for (int i = 0; i < n; i++) r[i] = copy_str(pool, w[i]);
    r[n] = NULL;
    return r;
}

static sh_redir *copy_redirs(sh_pool *pool, const sh_redir *r)
{
    sh_redir *head = NULL, **tail = &head;
    for (; r; r = r->next) {
        sh_redir *c = sh_pool_alloc(pool, sizeof *c);
        if (!c) return head;
        *c = *r;
        c->word = copy_str(pool, r->word);
        c->body = copy_str(pool, r->body);
        c->varname = copy_str(pool, r->varname);
        c->next = NULL;
        *tail = c;
        tail = &c->next;
    }
    return head;
}

sh_node *sh_node_copy(sh_pool *pool, const sh_node *n)
{
    sh_node *head = NULL, **tail = &head;
    /* the next chain (pipelines, case items) is copied iteratively */
    for (; n; n = n->next) {
        sh_node *c = sh_pool_alloc(pool, sizeof *c);
        if (!c) return NULL;
        *c = *n;
        c->next = NULL;
        c->a = sh_node_copy(pool, n->a);
        c->b = sh_node_copy(pool, n->b);
        c->c = sh_node_copy(pool, n->c);
        c->words = copy_words(pool, n->words, n->nwords);
        c->assigns = copy_words(pool, n->assigns, n->nassigns);
        c->redirs = copy_redirs(pool, n->redirs);
        c->name = copy_str(pool, n->name);
        *tail = c;
        tail = &c->next;
    }
    return pool->oom ? NULL : head;
}

const char *sh_node_type_name(int type)
{
    static const char *const names[] = {
#define SH_NODE_NAME_(n, doc) #n,
        SH_NODE_TYPES(SH_NODE_NAME_)
#undef SH_NODE_NAME_
    };
    return type >= 0 && type < N_COUNT ? names[type] : "?";
}
