/* tools.c: host tool collections (docs/tools.md). The host registers collections on a VM
 * (vk_tools_add, from vos_tools_add); the VM sees each as a command (src/cmd/hosttool.c,
 * which exec runs for a collection's name) that reads the functions' descriptions through
 * vk_tool_info and calls one through vk_tool_call. A call is a policy request
 * (VOS_REQ_TOOL), runs the host's callback on a host thread of its own (as vk_ask does) so
 * that a callback that hangs costs the process only its timeout, and is audited. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/host.h"
#include "kernel/internal.h"
#include "kernel/tools.h"

/* Collections live in host memory, immutable once added, on a list that only grows (new
 * ones at the head): readers walk it without a lock. */
typedef struct tool_fn {
    char *name, *desc, *schema;
    vos_tool_fn fn;
    void *ud;
    uint64_t timeout_ms;
} tool_fn;

struct vk_tool_coll {
    char *name, *desc;
    size_t n;
    tool_fn *fns;
    struct vk_tool_coll *next;
};

static char *dup0(const char *s)
{
    return strdup(s ? s : "");
}

static void coll_free(struct vk_tool_coll *c)
{
    for (size_t i = 0; c->fns && i < c->n; i++) {
        free(c->fns[i].name);
        free(c->fns[i].desc);
        free(c->fns[i].schema);
    }
    free(c->fns);
    free(c->name);
    free(c->desc);
    free(c);
}

static const struct vk_tool_coll *coll_find(vk_vm *vm, const char *name)
{
    for (const struct vk_tool_coll *c = atomic_load(&vm->tools); c; c = c->next)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

bool vk_tool_exists(vk_vm *vm, const char *name)
{
    return coll_find(vm, name) != NULL;
}

const char *vk_tool_name_at(vk_vm *vm, size_t i)
{
    for (const struct vk_tool_coll *c = atomic_load(&vm->tools); c; c = c->next, i--)
        if (i == 0) return c->name;
    return NULL;
}

int vk_tools_add(vk_vm *vm, const char *name, const char *desc, const vos_tool_function *fns,
                 size_t n)
{
    struct vk_tool_coll *c = calloc(1, sizeof *c);
    if (!c) return VOS_ENOMEM;
    c->name = dup0(name);
    c->desc = dup0(desc);
    c->fns = calloc(n ? n : 1, sizeof *c->fns);
    c->n = n;
    bool ok = c->name && c->desc && c->fns;
    for (size_t i = 0; ok && i < n; i++) {
        tool_fn *f = &c->fns[i];
        f->name = dup0(fns[i].name);
        f->desc = dup0(fns[i].description);
        f->schema = dup0(fns[i].input_schema ? fns[i].input_schema : "{}");
        f->fn = fns[i].fn;
        f->ud = fns[i].ud;
        f->timeout_ms = fns[i].timeout_ms ? fns[i].timeout_ms : 30000;
        ok = f->name && f->desc && f->schema;
    }
    if (!ok) {
        coll_free(c);
        return VOS_ENOMEM;
    }
    /* one adder at a time (the API holds the VM); the check and the push under mu anyway */
    VK_LOCK(vm);
    int rc = 0;
    if (coll_find(vm, name)) {
        rc = VOS_EEXIST;
    } else {
        c->next = atomic_load(&vm->tools);
        atomic_store(&vm->tools, c);
    }
    VK_UNLOCK(vm);
    if (rc) coll_free(c);
    return rc;
}

void vk_tools_free(vk_vm *vm)
{
    struct vk_tool_coll *c = atomic_exchange(&vm->tools, NULL);
    while (c) {
        struct vk_tool_coll *next = c->next;
        coll_free(c);
        c = next;
    }
}

int vk_tool_info(vk_proc *p, const char *coll, size_t i, vk_tool_desc *out)
{
    memset(out, 0, sizeof *out);
    const struct vk_tool_coll *c = coll_find(p->vm, coll);
    if (!c) return VOS_ENOENT;
    out->coll_desc = c->desc;
    out->n_functions = c->n;
    if (i >= c->n) return 0;
    out->name = c->fns[i].name;
    out->desc = c->fns[i].desc;
    out->schema = c->fns[i].schema;
    out->timeout_ms = c->fns[i].timeout_ms;
    return 0;
}

/* ---- the re-entrancy guard ---- */
static _Thread_local vk_vm *tl_calling_vm;

vk_vm *vk_tool_caller_vm(void)
{
    return tl_calling_vm;
}

/* ---- a call ---- */
typedef struct tool_call {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    int rc;
    char *out;
    size_t outlen;
    vos_tool_fn fn;
    void *ud;
    vk_vm *vm; /* only compared (the re-entrancy guard), never used: the VM may be gone */
    size_t inlen;
    char in[];
} tool_call;

static void call_unref(tool_call *c)
{
    pthread_mutex_lock(&c->mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (!last) return;
    free(c->out);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void *call_main(void *arg)
{
    tool_call *c = arg;
    char *out = NULL;
    size_t outlen = 0;
    tl_calling_vm = c->vm;
    int rc = c->fn(c->ud, c->in, c->inlen, &out, &outlen);
    tl_calling_vm = NULL;
    if (out && !outlen) outlen = strlen(out);
    pthread_mutex_lock(&c->mu);
    c->rc = rc;
    c->out = out;
    c->outlen = out ? outlen : 0;
    c->done = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    call_unref(c);
    return NULL;
}

/* Run the callback on its own thread; wait for it within its timeout and the process's
 * life. 0 (c->done), VOS_ETIMEDOUT, or the vk_check code that ended the wait. */
static int run_call(vk_proc *p, tool_call *c, uint64_t timeout_ms)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int prc = pthread_create(&t, &attr, call_main, c);
    pthread_attr_destroy(&attr);
    if (prc != 0) {
        c->refs--;
        return VOS_EAGAIN;
    }
    vk_cpu_give();
    int64_t until = vk_now_mono() + (int64_t)timeout_ms * 1000000;
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    while (!c->done) {
        int64_t now = vk_now_mono();
        if (now >= until) {
            rc = VOS_ETIMEDOUT;
            break;
        }
        int k = vk_check(p);
        if (k < 0 && k != VOS_EINTR) {
            rc = k;
            break;
        }
        int64_t slice = until - now < 50000000 ? until - now : 50000000;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += slice % 1000000000;
        ts.tv_sec += slice / 1000000000 + ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    if (c->done) rc = 0;
    pthread_mutex_unlock(&c->mu);
    vk_cpu_ensure(p->vm);
    return rc;
}

int vk_tool_call(vk_proc *p, const char *coll, const char *fname, const char *in, size_t inlen,
                 char **out, size_t *outlen)
{
    vk_vm *vm = p->vm;
    *out = NULL;
    *outlen = 0;
    const struct vk_tool_coll *cl = coll_find(vm, coll);
    const tool_fn *f = NULL;
    for (size_t i = 0; cl && i < cl->n; i++)
        if (strcmp(cl->fns[i].name, fname) == 0) f = &cl->fns[i];
    if (!f) return VOS_ENOENT;

    size_t sl = strlen(coll) + strlen(fname) + 2;
    char *subject = vk_malloc(p, sl);
    if (!subject) return VOS_ENOMEM;
    snprintf(subject, sl, "%s %s", coll, fname);
    /* the policy engine asks the host for an ask rule and audits a denial */
    if (vk_policy_decide(vm, p, VOS_REQ_TOOL, subject, "", NULL, 0) != VOS_POLICY_ALLOW) {
        vk_free(p, subject);
        return VOS_EDENIED;
    }

    tool_call *c = malloc(sizeof *c + inlen + 1); /* host memory: it may outlive the VM */
    if (!c) {
        vk_free(p, subject);
        return VOS_ENOMEM;
    }
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->refs = 2;
    c->fn = f->fn;
    c->ud = f->ud;
    c->vm = vm;
    c->inlen = inlen;
    memcpy(c->in, in, inlen);
    c->in[inlen] = 0;

    int64_t t0 = vk_now_mono();
    int rc = run_call(p, c, f->timeout_ms);
    if (rc == 0) {
        /* the answer into the VM's memory (charged to it) */
        char *o = vk_malloc(p, c->outlen + 1);
        if (!o) {
            rc = VOS_ENOMEM;
        } else {
            if (c->outlen) memcpy(o, c->out, c->outlen);
            o[c->outlen] = 0;
            *out = o;
            *outlen = c->outlen;
            rc = c->rc != 0; /* 1: the tool's own error */
        }
    }
    vos_audit_event ev = {.type = VOS_AUDIT_TOOL, .kind = VOS_REQ_TOOL, .subject = subject,
                          .pid = p->pid, .status = rc, .ns = vk_now_mono() - t0};
    vk_audit(vm, &ev);
    vk_free(p, subject);
    call_unref(c);
    return rc;
}
