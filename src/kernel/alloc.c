/* alloc.c: the VM's accounting allocator (Lua-style alloc(ud, ptr, osize, nsize) underneath)
 * and the per-process arena: every block a process allocates is linked to it and freed when
 * the process ends, so a command may bail out from anywhere without leaking. */
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"

/* Arena block header; 32 bytes keeps the payload 16-byte aligned. */
typedef struct ablk {
    struct ablk *prev, *next;
    size_t size;
    size_t magic;
} ablk;
#define ABLK_MAGIC ((size_t)0x766f73617265u)

/* The process running on this thread (NULL on a host thread outside any exec). */
static _Thread_local vk_proc *cur_proc;

vk_proc *vk_current(void) { return cur_proc; }
void vk_set_current(vk_proc *p) { cur_proc = p; }

/* Past the limit? Ordinary allocations stop mem_reserve bytes short of it, so that when a
 * session's own state (variables, functions) has filled the VM, the next exec, which is given
 * the reserve, can still parse and run `unset` or `echo`. */
static bool over_limit(vk_vm *vm, size_t add)
{
    if (vm->lim.mem_bytes == UINT64_MAX) return false;
    size_t used = atomic_load_explicit(&vm->mem_used, memory_order_relaxed);
    uint64_t limit = vm->lim.mem_bytes;
    vk_proc *p = cur_proc;
    bool reserve = p && p->vm == vm && p->ex && p->ex->mem_reserve;
    if (!reserve && limit > vm->mem_reserve) limit -= vm->mem_reserve;
    return used + add < used || used + add > limit;
}

void *vk_vm_alloc(vk_vm *vm, size_t n)
{
    if (n == 0) n = 1;
    if (over_limit(vm, n)) return NULL;
    void *p = vm->alloc(vm->alloc_ud, NULL, 0, n);
    if (p) {
        size_t u = atomic_fetch_add(&vm->mem_used, n) + n;
        size_t pk = atomic_load_explicit(&vm->mem_peak, memory_order_relaxed);
        while (u > pk && !atomic_compare_exchange_weak(&vm->mem_peak, &pk, u)) {
        }
    }
    return p;
}

void *vk_vm_realloc(vk_vm *vm, void *p, size_t old, size_t n)
{
    if (!p) return vk_vm_alloc(vm, n);
    if (n == 0) n = 1;
    if (n > old && over_limit(vm, n - old)) return NULL;
    void *q = vm->alloc(vm->alloc_ud, p, old, n);
    if (q) {
        if (n > old)
            atomic_fetch_add(&vm->mem_used, n - old);
        else
            atomic_fetch_sub(&vm->mem_used, old - n);
    }
    return q;
}

void vk_vm_free(vk_vm *vm, void *p, size_t n)
{
    if (!p) return;
    if (n == 0) n = 1;
    vm->alloc(vm->alloc_ud, p, n, 0);
    atomic_fetch_sub(&vm->mem_used, n);
}

char *vk_vm_strdup(vk_vm *vm, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = vk_vm_alloc(vm, n);
    if (d) memcpy(d, s, n);
    return d;
}

void vk_vm_strfree(vk_vm *vm, char *s)
{
    if (s) vk_vm_free(vm, s, strlen(s) + 1);
}

/* ---- process arena ---- */
static void mem_exhausted(vk_proc *p)
{
    if (p->ex) vk_exec_abort(p->vm, p->ex, VOS_EMEMLIMIT);
}

void *vk_malloc(vk_proc *p, size_t n)
{
    if (n > SIZE_MAX - sizeof(ablk)) return NULL;
    ablk *b = vk_vm_alloc(p->vm, sizeof(ablk) + n);
    if (!b) {
        mem_exhausted(p);
        return NULL;
    }
    b->size = n;
    b->magic = ABLK_MAGIC;
    b->prev = NULL;
    b->next = p->arena;
    if (b->next) b->next->prev = b;
    p->arena = b;
    return b + 1;
}

void *vk_calloc(vk_proc *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *r = vk_malloc(p, n * size);
    if (r) memset(r, 0, n * size);
    return r;
}

void vk_free(vk_proc *p, void *ptr)
{
    if (!ptr) return;
    ablk *b = (ablk *)ptr - 1;
    if (b->magic != ABLK_MAGIC) abort(); /* a double free or a foreign pointer: a bug */
    b->magic = 0;
    if (b->prev)
        b->prev->next = b->next;
    else
        p->arena = b->next;
    if (b->next) b->next->prev = b->prev;
    vk_vm_free(p->vm, b, sizeof(ablk) + b->size);
}

void *vk_realloc(vk_proc *p, void *ptr, size_t n)
{
    if (!ptr) return vk_malloc(p, n);
    if (n > SIZE_MAX - sizeof(ablk)) return NULL;
    ablk *b = (ablk *)ptr - 1;
    ablk *prev = b->prev, *next = b->next;
    ablk *nb = vk_vm_realloc(p->vm, b, sizeof(ablk) + b->size, sizeof(ablk) + n);
    if (!nb) {
        mem_exhausted(p);
        return NULL;
    }
    nb->size = n;
    if (prev)
        prev->next = nb;
    else
        p->arena = nb;
    if (next) next->prev = nb;
    return nb + 1;
}

char *vk_strdup(vk_proc *p, const char *s)
{
    return vk_strndup(p, s, strlen(s));
}

char *vk_strndup(vk_proc *p, const char *s, size_t n)
{
    size_t l = strnlen(s, n);
    char *d = vk_malloc(p, l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = 0;
    }
    return d;
}

void vk_arena_free_all(vk_proc *p)
{
    ablk *b = p->arena;
    while (b) {
        ablk *n = b->next;
        b->magic = 0;
        vk_vm_free(p->vm, b, sizeof(ablk) + b->size);
        b = n;
    }
    p->arena = NULL;
}
