/* tsort: a total order consistent with the partial order of the input's pairs, as coreutils
 * 9.1 prints it. Its order is Knuth's algorithm T with GNU's choices: items without
 * predecessors are collected in name order, successors are released most recent relation
 * first, and on a cycle GNU's loop walk names the loop's members and drops one relation.
 * Items live in a hash table plus a name-sorted array; memory is linear in the input. */
#include "lib/cmd.h"
#include "lib/enc.h"

#include <stdlib.h>
#include <string.h>

typedef struct succ {
    struct item *to;
    struct succ *next;
} succ;

typedef struct item {
    char *str;
    size_t count; /* predecessors not yet printed */
    succ *top;    /* successors, the last recorded first */
    struct item *qlink;
    bool printed;
    struct item *hnext;
} item;

typedef struct ts {
    vl_ctx *c;
    item **tab;
    size_t cap, n;
    item **sorted;
    item *head, *zeros, *loop;
} ts;

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static item *find(ts *t, const char *s, size_t len)
{
    vl_ctx *c = t->c;
    if (t->n * 2 >= t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 1024;
        item **nt = vl_xcalloc(c, ncap, sizeof *nt);
        for (size_t i = 0; i < t->cap; i++)
            for (item *it = t->tab[i], *next; it; it = next) {
                next = it->hnext;
                size_t b = hash(it->str) & (ncap - 1);
                it->hnext = nt[b];
                nt[b] = it;
            }
        vl_xfree(c, t->tab);
        t->tab = nt;
        t->cap = ncap;
    }
    size_t b = hash(s) & (t->cap - 1);
    for (item *it = t->tab[b]; it; it = it->hnext)
        if (strcmp(it->str, s) == 0) return it;
    item *it = vl_xcalloc(c, 1, sizeof *it);
    it->str = vl_xmalloc(c, len + 1);
    memcpy(it->str, s, len + 1);
    it->hnext = t->tab[b];
    t->tab[b] = it;
    t->n++;
    return it;
}

static void relate(ts *t, item *j, item *k)
{
    if (j == k) return;
    k->count++;
    succ *p = vl_xmalloc(t->c, sizeof *p);
    p->to = k;
    p->next = j->top;
    j->top = p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(item *const *)a)->str, (*(item *const *)b)->str);
}

/* GNU's loop walk over the items in name order: the first item still waiting starts the
 * walk; an item that points at the walk's current end joins it; when the item that closes
 * the walk already belongs to it, the members are named from the end back to it and the
 * closing relation is dropped. True when a loop was reported. */
static bool detect_loop(ts *t, item *k)
{
    vl_ctx *c = t->c;
    if (k->count == 0) return false;
    if (!t->loop) {
        t->loop = k;
        return false;
    }
    for (succ **p = &k->top; *p; p = &(*p)->next) {
        if ((*p)->to != t->loop) continue;
        if (!k->qlink) {
            k->qlink = t->loop;
            t->loop = k;
            return false;
        }
        while (t->loop) {
            item *tmp = t->loop->qlink;
            vl_error(c, "%s", t->loop->str);
            if (t->loop == k) {
                (*p)->to->count--;
                *p = (*p)->next;
                break;
            }
            t->loop->qlink = NULL;
            t->loop = tmp;
        }
        while (t->loop) {
            item *tmp = t->loop->qlink;
            t->loop->qlink = NULL;
            t->loop = tmp;
        }
        return true;
    }
    return false;
}

static int tsort_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_always(c, argv[2]));
    const char *name = n == 1 ? argv[1] : "-";
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, name, &err);
    if (!in) vl_die(c, 1, "%s: %s", vl_quote(c, name), vl_strerror(err));
    ts t;
    memset(&t, 0, sizeof t);
    t.c = c;
    item *j = NULL, *k = NULL;
    vl_buf tok = {0};
    char buf[65536];
    ssize_t r;
    bool eof = false;
    while (!eof) {
        r = vl_in_read(c, in, buf, sizeof buf);
        if (r < 0) vl_die(c, 1, "%s: %s", vl_quote(c, name), vl_strerror((int)r));
        if (r == 0) eof = true;
        for (ssize_t i = 0; i <= (eof ? 0 : r - 1); i++) {
            bool sep = eof || buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n';
            if (!sep) {
                vl_buf_addc(c, &tok, buf[i]);
                continue;
            }
            if (tok.len == 0) continue;
            k = find(&t, tok.data, tok.len);
            tok.len = 0;
            if (j) {
                relate(&t, j, k);
                k = NULL;
            }
            j = k;
        }
        vl_enc_steps(c, 1);
    }
    vl_buf_free(c, &tok);
    vl_in_close(c, in);
    if (k) vl_die(c, 1, "%s: input contains an odd number of tokens", vl_quote(c, name));
    t.sorted = vl_xmalloc(c, sizeof(item *) * (t.n ? t.n : 1));
    size_t m = 0;
    for (size_t i = 0; i < t.cap; i++)
        for (item *it = t.tab[i]; it; it = it->hnext) t.sorted[m++] = it;
    qsort(t.sorted, t.n, sizeof *t.sorted, by_name);
    size_t left = t.n;
    int status = 0;
    while (left > 0) {
        for (size_t i = 0; i < t.n; i++) {
            item *it = t.sorted[i];
            if (it->count == 0 && !it->printed) {
                if (!t.head) t.head = it;
                else t.zeros->qlink = it;
                t.zeros = it;
            }
        }
        while (t.head) {
            item *h = t.head;
            vl_puts(c, h->str);
            vl_putc(c, '\n');
            h->printed = true;
            left--;
            for (succ *p = h->top; p; p = p->next)
                if (--p->to->count == 0) {
                    t.zeros->qlink = p->to;
                    t.zeros = p->to;
                }
            t.head = h->qlink;
            vl_enc_steps(c, 1);
        }
        if (left > 0) {
            vl_error(c, "%s: input contains a loop:", vl_quote(c, name));
            status = 1;
            do {
                for (size_t i = 0; i < t.n; i++)
                    if (detect_loop(&t, t.sorted[i])) break;
                vl_enc_steps(c, 1);
            } while (t.loop);
        }
    }
    return status;
}

static const vl_opt tsort_opts[] = {{0}};
VL_COMMAND(tsort, tsort_main, tsort_opts, "[OPTION] [FILE]",
           "Write totally ordered list consistent with the partial ordering in FILE.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
