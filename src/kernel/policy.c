/* policy.c: the two places where the kernel hands a policy question or a record to the host:
 * vk_ask (a rule whose outcome is "ask": the host's callback decides, within a timeout) and
 * vk_audit (structured events for a host that logs or bills). Deciding which rule applies
 * belongs to the modules that own each kind of request (path.c, proc.c, the network and
 * host-tool modules); this file only calls the host, safely. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/internal.h"

/* One question in flight. The host callback runs on its own thread so that a callback that
 * never answers costs the asking process only the timeout; whoever finishes last frees it. */
typedef struct ask_call {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    int answer;
    vos_ask_fn fn;
    void *ud;
    vos_request req;
    char strs[]; /* subject, detail, rule, each NUL-terminated */
} ask_call;

static void ask_unref(ask_call *c)
{
    pthread_mutex_lock(&c->mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (!last) return;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void *ask_main(void *arg)
{
    ask_call *c = arg;
    int a = c->fn(c->ud, &c->req);
    pthread_mutex_lock(&c->mu);
    c->answer = a == VOS_POLICY_ALLOW ? VOS_POLICY_ALLOW : VOS_POLICY_DENY;
    c->done = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    ask_unref(c);
    return NULL;
}

static const char *nz(const char *s) { return s ? s : ""; }

int vk_ask(vk_proc *p, const vos_request *req)
{
    vk_vm *vm = p->vm;
    if (!vm->ask) return VOS_POLICY_DENY;
    const char *s[3] = {nz(req->subject), nz(req->detail), nz(req->rule)};
    size_t l[3], total = 0;
    for (int i = 0; i < 3; i++) total += (l[i] = strlen(s[i])) + 1;
    ask_call *c = malloc(sizeof *c + total); /* host memory: it may outlive the VM */
    if (!c) return VOS_POLICY_DENY;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->refs = 2;
    c->done = false;
    c->answer = VOS_POLICY_DENY;
    c->fn = vm->ask;
    c->ud = vm->ask_ud;
    memset(&c->req, 0, sizeof c->req);
    c->req.struct_size = sizeof c->req;
    c->req.kind = req->kind;
    char *at = c->strs;
    const char **dst[3] = {&c->req.subject, &c->req.detail, &c->req.rule};
    for (int i = 0; i < 3; i++) {
        memcpy(at, s[i], l[i] + 1);
        *dst[i] = at;
        at += l[i] + 1;
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, ask_main, c);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        c->refs = 1;
        ask_unref(c);
        return VOS_POLICY_DENY;
    }
    /* Wait in slices so that a kill, the exec's deadline or vos_interrupt still end the
     * process while the host thinks; the CPU token goes back meanwhile. */
    vk_cpu_give();
    int64_t until = vk_now_mono() + (int64_t)vm->ask_timeout_ms * 1000000;
    int answer = VOS_POLICY_DENY;
    pthread_mutex_lock(&c->mu);
    while (!c->done) {
        int64_t now = vk_now_mono();
        if (now >= until || vk_check(p) < 0) break;
        int64_t slice = until - now < 50000000 ? until - now : 50000000;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += slice % 1000000000;
        ts.tv_sec += slice / 1000000000 + ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    if (c->done) answer = c->answer;
    pthread_mutex_unlock(&c->mu);
    ask_unref(c);
    vk_cpu_ensure(vm);
    return answer;
}

void vk_audit(vk_vm *vm, const vos_audit_event *ev)
{
    if (!vm->audit) return;
    vos_audit_event e = *ev;
    e.struct_size = sizeof e;
    e.subject = nz(e.subject);
    e.detail = nz(e.detail);
    e.rule = nz(e.rule);
    vm->audit(vm->audit_ud, &e);
}
