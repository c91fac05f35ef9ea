/* proc.c: processes (host threads, or the parent's thread for vk_proc_run), wait statuses,
 * virtual signals, limits checks, CPU tokens (each VM runs at most as many processes at once
 * as the host has CPUs, in turn), sleeping, and exec of the VM's programs and scripts.
 * A signal never interrupts a thread asynchronously: it is noted and the target notices it
 * at its next kernel call or interpreter step; a blocked target is woken through its waitcv. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fs/hostfs.h"
#include "kernel/internal.h"
#include "kernel/escalate.h"

int64_t vk_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wait on procs_cv (vm->mu held) for at most ms milliseconds. */
void vk_timed_wait_ms(vk_vm *vm, int ms)
{
    int64_t until = vk_now_mono() + (int64_t)ms * 1000000;
    struct timespec ts = {until / 1000000000, until % 1000000000};
    pthread_cond_timedwait(&vm->procs_cv, &vm->mu, &ts);
}

/* ---- CPU accounting ---- */
static void thread_cpu(int64_t *u, int64_t *s)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0) {
        *u = *s = 0;
        return;
    }
    *u = (int64_t)ru.ru_utime.tv_sec * 1000000000 + (int64_t)ru.ru_utime.tv_usec * 1000;
    *s = (int64_t)ru.ru_stime.tv_sec * 1000000000 + (int64_t)ru.ru_stime.tv_usec * 1000;
}

/* The process starts (or, for the session, resumes) running on the calling thread. */
void vk_cpu_start(vk_proc *p)
{
    thread_cpu(&p->t0_u, &p->t0_s);
    p->fg_u = p->fg_s = 0;
}

/* It stops: add this run to its own total. */
void vk_cpu_stop(vk_proc *p)
{
    int64_t u, s;
    thread_cpu(&u, &s);
    p->acc_u += u - p->t0_u - p->fg_u;
    p->acc_s += s - p->t0_s - p->fg_s;
    p->t0_u = u;
    p->t0_s = s;
    p->fg_u = p->fg_s = 0;
}

int vk_times(vk_proc *p, vk_tms *t)
{
    int64_t u, s;
    thread_cpu(&u, &s);
    t->utime = p->acc_u + u - p->t0_u - p->fg_u;
    t->stime = p->acc_s + s - p->t0_s - p->fg_s;
    if (t->utime < 0) t->utime = 0;
    if (t->stime < 0) t->stime = 0;
    t->cutime = p->cu;
    t->cstime = p->cs;
    return 0;
}

/* A child was reaped by parent: its time and its children's count as the parent's children's. */
static void add_child_times(vk_proc *parent, vk_proc *c)
{
    if (!parent) return;
    parent->cu += c->acc_u + c->cu;
    parent->cs += c->acc_s + c->cs;
}

/* ---- exec contexts ---- */
void vk_exec_ref(vk_exec *ex) { atomic_fetch_add(&ex->refs, 1); }

void vk_exec_unref(vk_exec *ex)
{
    if (!ex || atomic_fetch_sub(&ex->refs, 1) != 1) return;
    vk_vm *vm = ex->vm;
    vk_wd_disarm(ex);
    vk_vm_free(vm, ex, sizeof *ex);
    atomic_fetch_sub(&vm->nexecs, 1);
}

/* vm->mu held */
void vk_exec_abort_locked(vk_vm *vm, vk_exec *ex, int code)
{
    int zero = 0;
    if (!atomic_compare_exchange_strong(&ex->abort, &zero, code)) return;
    for (vk_proc *q = vm->procs; q; q = q->next)
        if (q->ex == ex) vk_wake(q);
}

void vk_exec_abort(vk_vm *vm, vk_exec *ex, int code)
{
    VK_LOCK(vm);
    vk_exec_abort_locked(vm, ex, code);
    VK_UNLOCK(vm);
}

int vk_exec_code(vk_exec *ex) { return atomic_load(&ex->abort); }

int vk_limit_hit(vk_proc *p, int code)
{
    if (p->ex) vk_exec_abort(p->vm, p->ex, code);
    return code;
}

/* ---- CPU tokens ----
 * Fairness: a VM gets as many tokens as the host has CPUs, and a process runs its code only
 * while its thread holds one, so 250 busy subshells of one VM make 250 threads that mostly
 * wait here, not 250 threads the host schedules against every other VM's. A thread gives its
 * token back whenever it blocks (a kernel wait, a driver call that may block, an output
 * callback, a join) and takes one again at its next system call or interpreter step; a busy
 * process hands its token on every few thousand steps when another waits. Waiters are served
 * in order. */
static _Thread_local vk_vm *tok_vm; /* the VM whose token this thread holds, or NULL */

void vk_cpu_init(vk_vm *vm)
{
    pthread_mutex_init(&vm->cpumu, NULL);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n < 1 ? 1 : n > 64 ? 64 : n;
    /* twice the CPUs: a pipeline of a few stages never waits for a token (the host's
     * scheduler shares the CPUs among them), while 250 busy subshells still cannot crowd out
     * the other VMs */
    atomic_store(&vm->cpu_free, (int)(2 * n));
    vm->cpu_head = vm->cpu_tail = NULL;
    atomic_store(&vm->cpu_waiting, 0);
}

void vk_cpu_take(vk_vm *vm)
{
    if (tok_vm == vm) return;
    if (tok_vm) vk_cpu_give();
    /* the fast path: a free token and nobody queued */
    int f = atomic_load(&vm->cpu_free);
    while (f > 0 && atomic_load(&vm->cpu_waiting) == 0) {
        if (atomic_compare_exchange_weak(&vm->cpu_free, &f, f - 1)) {
            tok_vm = vm;
            return;
        }
    }
    pthread_mutex_lock(&vm->cpumu);
    f = atomic_load(&vm->cpu_free);
    if (f > 0 && !vm->cpu_head) {
        atomic_fetch_sub(&vm->cpu_free, 1);
    } else {
        vk_cpuw w;
        pthread_cond_init(&w.cv, NULL);
        w.granted = false;
        w.next = NULL;
        if (vm->cpu_tail)
            vm->cpu_tail->next = &w;
        else
            vm->cpu_head = &w;
        vm->cpu_tail = &w;
        atomic_fetch_add(&vm->cpu_waiting, 1);
        /* a token given back on the fast path while we queued is ours */
        while (!w.granted) {
            if (vm->cpu_head == &w && atomic_load(&vm->cpu_free) > 0) {
                atomic_fetch_sub(&vm->cpu_free, 1);
                vm->cpu_head = w.next;
                if (!vm->cpu_head) vm->cpu_tail = NULL;
                atomic_fetch_sub(&vm->cpu_waiting, 1);
                break;
            }
            pthread_cond_wait(&w.cv, &vm->cpumu);
        }
        pthread_cond_destroy(&w.cv);
    }
    pthread_mutex_unlock(&vm->cpumu);
    tok_vm = vm;
}

void vk_cpu_give(void)
{
    vk_vm *vm = tok_vm;
    if (!vm) return;
    tok_vm = NULL;
    if (atomic_load(&vm->cpu_waiting) == 0) {
        atomic_fetch_add(&vm->cpu_free, 1);
        /* a waiter may have queued meanwhile: it must not sleep on a free token */
        if (atomic_load(&vm->cpu_waiting) == 0) return;
        pthread_mutex_lock(&vm->cpumu);
        if (vm->cpu_head) pthread_cond_signal(&vm->cpu_head->cv);
        pthread_mutex_unlock(&vm->cpumu);
        return;
    }
    pthread_mutex_lock(&vm->cpumu);
    vk_cpuw *w = vm->cpu_head;
    if (w) {
        /* hand it straight to the longest waiter */
        vm->cpu_head = w->next;
        if (!vm->cpu_head) vm->cpu_tail = NULL;
        atomic_fetch_sub(&vm->cpu_waiting, 1);
        w->granted = true;
        pthread_cond_signal(&w->cv);
    } else {
        atomic_fetch_add(&vm->cpu_free, 1);
    }
    pthread_mutex_unlock(&vm->cpumu);
}

void vk_cpu_ensure(vk_vm *vm)
{
    if (tok_vm != vm) vk_cpu_take(vm);
}

void vk_cpu_yield(vk_vm *vm)
{
    if (tok_vm == vm && atomic_load_explicit(&vm->cpu_waiting, memory_order_relaxed) > 0) {
        vk_cpu_give();
        vk_cpu_take(vm);
    }
}

/* lowest frame address the calling thread may reach: its stack's end plus a margin for the
 * code that runs below the last check (a command, libc); found once per host thread */
static _Thread_local uintptr_t stack_floor;

static void stack_floor_init(uintptr_t here)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) != 0) size = 0;
        pthread_attr_destroy(&attr);
    }
    if (size == 0 || here < (uintptr_t)addr || here - (uintptr_t)addr > size) {
        /* unknown stack: assume the smallest a host thread commonly has below here */
        addr = (void *)(here - (here > (512u << 10) ? (512u << 10) : here / 2));
        size = 512u << 10;
    }
    size_t margin = size / 4 < (256u << 10) ? size / 4 : (256u << 10);
    stack_floor = (uintptr_t)addr + margin;
}

bool vk_stack_low(void)
{
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (!stack_floor) stack_floor_init(here);
    return here < stack_floor;
}

const vos_limits *vk_limits(vk_proc *p) { return p->ex ? &p->ex->lim : &p->vm->lim; }

void vk_wake(vk_proc *p)
{
    if (p->waitcv) pthread_cond_broadcast(p->waitcv);
}

/* ---- creation ---- */
int vk_proc_create(vk_vm *vm, vk_proc *parent, vk_proc **out)
{
    VK_LOCK(vm);
    uint64_t maxp = parent && parent->ex ? parent->ex->lim.procs : vm->lim.procs;
    if ((uint64_t)vm->nprocs >= maxp) {
        VK_UNLOCK(vm);
        return VOS_EPROCS;
    }
    vk_proc *p = vk_vm_alloc(vm, sizeof *p);
    if (!p) {
        VK_UNLOCK(vm);
        return VOS_ENOMEM;
    }
    memset(p, 0, sizeof *p);
    p->vm = vm;
    p->pid = vm->next_pid++;
    p->ppid = parent ? parent->pid : 0;
    p->pgid = parent ? parent->pgid : p->pid;
    p->state = PS_EMBRYO;
    p->umask = parent ? parent->umask : 022;
    snprintf(p->comm, sizeof p->comm, "%s", parent ? parent->comm : "bash");
    pthread_cond_init(&p->cv, &vm->cattr);
    if (parent) {
        p->ex = parent->ex;
        if (p->ex) vk_exec_ref(p->ex);
        for (int i = 0; i < VK_NSIG; i++)
            p->sigdisp[i] = parent->sigdisp[i] == VK_SIG_IGN ? VK_SIG_IGN : VK_SIG_DFL;
    }
    p->next = vm->procs;
    vm->procs = p;
    vm->nprocs++;
    VK_UNLOCK(vm);

    if (parent) {
        int rc = vk_fds_copy(p, parent);
        if (rc == 0) {
            if (parent->cmdline_len && (p->cmdline = vk_malloc(p, parent->cmdline_len))) {
                memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
                p->cmdline_len = parent->cmdline_len;
            }
            p->cwd = vk_strdup(p, parent->cwd);
            p->env = vk_calloc(p, (size_t)parent->nenv + 1, sizeof(char *));
            if (!p->cwd || !p->env) rc = VOS_ENOMEM;
            for (int i = 0; rc == 0 && i < parent->nenv; i++) {
                p->env[i] = vk_strdup(p, parent->env[i]);
                if (!p->env[i]) rc = VOS_ENOMEM;
                p->nenv = i + 1;
            }
        }
        if (rc < 0) {
            vk_proc_discard(p);
            return rc;
        }
    } else if ((p->cmdline = vk_malloc(p, 5))) {
        memcpy(p->cmdline, "bash", 5); /* the session's shell */
        p->cmdline_len = 5;
    }
    *out = p;
    return 0;
}

int vk_proc_new(vk_proc *parent, vk_proc **out)
{
    if (!parent || !out) return VOS_EINVAL;
    int rc = vk_check(parent);
    if (rc < 0 && rc != VOS_EINTR) return rc;
    return vk_proc_create(parent->vm, parent, out);
}

void vk_unlink_proc(vk_vm *vm, vk_proc *p)
{
    for (vk_proc **pp = &vm->procs; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            return;
        }
}

void vk_proc_destroy(vk_vm *vm, vk_proc *p)
{
    pthread_cond_destroy(&p->cv);
    vk_vm_free(vm, p, sizeof *p);
}

void vk_proc_discard(vk_proc *child)
{
    vk_vm *vm = child->vm;
    vk_fds_close_all(child);
    vk_arena_free_all(child);
    VK_LOCK(vm);
    vk_unlink_proc(vm, child);
    vm->nprocs--;
    vk_exec_unref(child->ex);
    child->ex = NULL;
    pthread_cond_broadcast(&vm->procs_cv);
    VK_UNLOCK(vm);
    vk_proc_destroy(vm, child);
}

/* ---- running and ending ---- */
static int final_wstatus(vk_proc *p, int status)
{
    int f = atomic_load(&p->fatal);
    if (f) return f;
    if (p->ex && atomic_load(&p->ex->abort)) return VK_W_SIG(VOS_SIGKILL);
    return VK_W_EXIT(status);
}

static int run_entry(vk_proc *p)
{
    jmp_buf jb;
    jmp_buf *saved = p->exit_jb;
    vk_proc *prev = vk_current();
    volatile int w;
    p->exit_jb = &jb;
    vk_set_current(p);
    vk_cpu_start(p);
    if (setjmp(jb) == 0) {
        int st = p->entry(p, p->entry_arg);
        w = final_wstatus(p, st);
    } else {
        w = p->exit_wstatus;
    }
    vk_cpu_stop(p);
    p->exit_jb = saved;
    vk_set_current(prev);
    return w;
}

_Noreturn void vk_exit(vk_proc *p, int status)
{
    p->exit_wstatus = final_wstatus(p, status);
    if (!p->exit_jb) abort(); /* a process without an entry frame: a kernel bug */
    longjmp(*p->exit_jb, 1);
}

void vk_proc_finish(vk_proc *p, int wstatus)
{
    vk_vm *vm = p->vm;
    /* what /proc/PID shows lives in the arena: other processes read it under the VM lock,
     * so it is taken from them before the arena goes */
    VK_LOCK(vm);
    p->cmdline = NULL;
    p->cmdline_len = 0;
    p->cwd = NULL;
    p->env = NULL;
    p->nenv = 0;
    VK_UNLOCK(vm);
    vk_fds_close_all(p);
    vk_arena_free_all(p);
    VK_LOCK(vm);
    p->state = PS_ZOMBIE;
    p->wstatus = wstatus;
    vk_exec_unref(p->ex);
    p->ex = NULL;
    vk_proc *parent = NULL;
    for (vk_proc *q = vm->procs; q; q = q->next) {
        if (q->ppid == p->pid && q != p) q->ppid = 0; /* orphans: reaped by the VM */
        if (q->pid == p->ppid && q->state != PS_ZOMBIE) parent = q;
    }
    if (!parent) p->ppid = 0;
    if (parent && parent->sigdisp[VOS_SIGCHLD] == VK_SIG_CATCH) {
        atomic_fetch_or(&parent->sigpending, 1u << VOS_SIGCHLD);
        vk_wake(parent);
    }
    pthread_cond_broadcast(&vm->procs_cv);
    VK_UNLOCK(vm);
}

/* ---- the thread pool ----
 * A process started with vk_proc_start runs on a host thread of a pool shared by every VM of
 * the host process: starting one hands it to an idle thread, and a thread that ran one waits
 * for the next for a while before it ends. A $( ), a pipeline stage or a subshell thus costs
 * no thread creation, and the C allocator's per-thread caches stay warm. A process leaves no
 * state on its thread: the kernel's per-thread state (current process, CPU token, lock depth)
 * is back to empty when its entry returns. */
#define POOL_IDLE_MAX 16
#define POOL_IDLE_NS 2000000000LL /* an idle thread ends after 2 s without work */
/* A thread ends after this many processes. Measured on a loaded 2-CPU host (Linux 6.18):
 * threads reused without end fall into runs 3-5x slower than fresh threads (the scheduler
 * keeps them waiting behind busy tasks on one CPU), while retiring them every 32-256 jobs
 * stays 2-3x faster than a thread per process. */
#define POOL_JOBS_MAX 128

typedef struct worker {
    pthread_cond_t cv;
    vk_proc *job;        /* the process handed to it (under pool_mu) */
    struct worker *next; /* the idle list */
} worker;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER; /* some thread_done was set */
static worker *pool_idle;
static int pool_nidle, pool_joiners;

static void run_job(vk_proc *p)
{
    vk_cpu_take(p->vm);
    int w = run_entry(p);
    vk_proc_finish(p, w);
    vk_cpu_give();
    /* the last touch: from here the process may be destroyed */
    pthread_mutex_lock(&pool_mu);
    atomic_store(&p->thread_done, true);
    if (pool_joiners) pthread_cond_broadcast(&pool_done);
    pthread_mutex_unlock(&pool_mu);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    int jobs = 0;
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        vk_proc *p = w->job;
        w->job = NULL;
        pthread_mutex_unlock(&pool_mu);
        run_job(p);
        pthread_mutex_lock(&pool_mu);
        if (pool_nidle >= POOL_IDLE_MAX || ++jobs >= POOL_JOBS_MAX) break;
        w->next = pool_idle;
        pool_idle = w;
        pool_nidle++;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t until = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + POOL_IDLE_NS;
        ts.tv_sec = until / 1000000000;
        ts.tv_nsec = until % 1000000000;
        while (!w->job)
            if (pthread_cond_timedwait(&w->cv, &pool_mu, &ts) != 0 && !w->job) break;
        if (!w->job) {
            /* timed out, still idle: leave the list */
            for (worker **q = &pool_idle; *q; q = &(*q)->next)
                if (*q == w) {
                    *q = w->next;
                    break;
                }
            pool_nidle--;
            break;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
}

/* A host that forks keeps only the forking thread: the child's pool starts empty (the idle
 * threads it lists do not exist there; their records stay listed in pool_lost). */
static worker *pool_lost;
static void pool_prefork(void) { pthread_mutex_lock(&pool_mu); }
static void pool_postfork_parent(void) { pthread_mutex_unlock(&pool_mu); }
static void pool_postfork_child(void)
{
    pthread_mutex_init(&pool_mu, NULL);
    pthread_cond_init(&pool_done, NULL);
    if (pool_idle) pool_lost = pool_idle;
    pool_idle = NULL;
    pool_nidle = pool_joiners = 0;
}
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static void pool_init(void)
{
    pthread_atfork(pool_prefork, pool_postfork_parent, pool_postfork_child);
}

/* Run p on a pool thread: an idle one, else a new one. 0 or a pthread error. */
static int pool_run(vk_proc *p)
{
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool_mu);
    worker *w = pool_idle;
    if (w) {
        pool_idle = w->next;
        pool_nidle--;
        w->job = p;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&pool_mu);
        return 0;
    }
    pthread_mutex_unlock(&pool_mu);
    w = malloc(sizeof *w);
    if (!w) return -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    w->job = p;
    w->next = NULL;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        free(w);
    }
    return rc;
}

/* Wait until the pool thread that ran p is done with it (it has ended: vk_proc_finish). */
void vk_proc_join(vk_proc *p)
{
    if (atomic_load(&p->thread_done)) return;
    pthread_mutex_lock(&pool_mu);
    pool_joiners++;
    while (!atomic_load(&p->thread_done)) pthread_cond_wait(&pool_done, &pool_mu);
    pool_joiners--;
    pthread_mutex_unlock(&pool_mu);
}

int vk_proc_start(vk_proc *child, vk_entry_fn fn, void *arg)
{
    vk_vm *vm = child->vm;
    child->entry = fn;
    child->entry_arg = arg;
    VK_LOCK(vm);
    child->state = PS_RUNNING;
    child->has_thread = true;
    atomic_store(&child->thread_done, false);
    int rc = pool_run(child);
    if (rc != 0) {
        child->state = PS_EMBRYO;
        child->has_thread = false;
    }
    VK_UNLOCK(vm);
    if (rc != 0) {
        vk_proc_discard(child);
        return VOS_EAGAIN;
    }
    return child->pid;
}

static void reap(vk_vm *vm, vk_proc *c)
{
    /* called without the lock, after c was unlinked; the thread may need a token to end */
    if (c->has_thread) {
        vk_vm *held = vm;
        vk_cpu_give();
        vk_proc_join(c);
        (void)held;
    }
    vk_proc_destroy(vm, c);
}

int vk_proc_run(vk_proc *child, vk_entry_fn fn, void *arg)
{
    vk_vm *vm = child->vm;
    child->entry = fn;
    child->entry_arg = arg;
    VK_LOCK(vm);
    child->state = PS_RUNNING;
    child->waited_by_run = true;
    vk_proc *parent = NULL;
    for (vk_proc *q = vm->procs; q; q = q->next)
        if (q->pid == child->ppid && q->state != PS_ZOMBIE) parent = q;
    if (parent) {
        parent->fg_child = child;
        int f = atomic_load(&parent->fatal);
        if (f && VK_WIFSIGNALED(f)) atomic_store(&child->fatal, f);
    }
    VK_UNLOCK(vm);
    int64_t u0, s0, u1, s1;
    thread_cpu(&u0, &s0);
    int w = run_entry(child);
    thread_cpu(&u1, &s1);
    vk_proc_finish(child, w);
    VK_LOCK(vm);
    if (parent) {
        parent->fg_child = NULL;
        parent->fg_u += u1 - u0;
        parent->fg_s += s1 - s0;
        add_child_times(parent, child);
    }
    vk_unlink_proc(vm, child);
    vm->nprocs--;
    VK_UNLOCK(vm);
    reap(vm, child);
    return w;
}

void vk_reap_orphans(vk_vm *vm)
{
    for (;;) {
        vk_proc *z = NULL;
        VK_LOCK(vm);
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q->state == PS_ZOMBIE && q->ppid == 0 && !q->waited_by_run && q != vm->session) {
                z = q;
                break;
            }
        if (z) {
            vk_unlink_proc(vm, z);
            vm->nprocs--;
        }
        VK_UNLOCK(vm);
        if (!z) return;
        reap(vm, z);
    }
}

int vk_getpid(vk_proc *p) { return p->pid; }
int vk_getppid(vk_proc *p) { return p->ppid; }
int vk_getpgid(vk_proc *p) { return p->pgid; }
int vk_setpgid(vk_proc *p, int pgid)
{
    if (pgid < 0) return VOS_EINVAL;
    p->pgid = pgid ? pgid : p->pid;
    return 0;
}

/* ---- checks and waiting ---- */
int vk_dying_locked(vk_proc *p)
{
    int f = atomic_load(&p->fatal);
    if (f) return f;
    if (p->ex) {
        if (atomic_load(&p->ex->abort)) return VK_W_SIG(VOS_SIGKILL);
    }
    return 0;
}

int vk_dying(vk_proc *p) { return vk_dying_locked(p); }

/* The watchdog fires deadlines; this is the backstop when it is late (a busy host). */
static int check_deadline(vk_proc *p)
{
    vk_exec *ex = p->ex;
    if (ex && ex->deadline_ns != INT64_MAX && !atomic_load(&ex->abort) &&
        vk_now_mono() >= ex->deadline_ns)
        vk_exec_abort(p->vm, ex, VOS_ETIME);
    return 0;
}

static int check_fast(vk_proc *p)
{
    if (atomic_load(&p->fatal)) return VOS_EINTERRUPTED;
    if (p->ex) {
        int a = atomic_load(&p->ex->abort);
        if (a) return a;
    }
    if (atomic_load(&p->sigpending)) return VOS_EINTR;
    return 0;
}

/* A stopped process waits here (at a system call or a step, never with the VM lock held)
 * until SIGCONT, its death, the exec's end or its deadline. */
static void stop_wait(vk_proc *p)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_cpu_give();
    while (atomic_load(&p->stopped) && !atomic_load(&p->fatal) &&
           !(p->ex && atomic_load(&p->ex->abort))) {
        int64_t dl = p->ex ? p->ex->deadline_ns : INT64_MAX;
        p->waitcv = &p->cv;
        if (dl == INT64_MAX) {
            pthread_cond_wait(&p->cv, &vm->mu);
        } else {
            struct timespec ts = {dl / 1000000000, dl % 1000000000};
            pthread_cond_timedwait(&p->cv, &vm->mu, &ts);
            if (vk_now_mono() >= dl) vk_exec_abort_locked(vm, p->ex, VOS_ETIME);
        }
        p->waitcv = NULL;
    }
    VK_UNLOCK(vm);
    vk_cpu_ensure(vm);
}

int vk_check(vk_proc *p)
{
    vk_cpu_ensure(p->vm);
    check_deadline(p);
    if (atomic_load(&p->stopped)) stop_wait(p);
    return check_fast(p);
}

int vk_steps(vk_proc *p, uint64_t n)
{
    vk_exec *ex = p->ex;
    vk_cpu_ensure(p->vm);
    if (ex) {
        uint64_t s = atomic_fetch_add(&ex->steps, n) + n;
        if (s > ex->lim.cpu_steps) vk_exec_abort(p->vm, ex, VOS_ESTEPS);
        if ((s & 1023) < n) {
            check_deadline(p); /* the clock every ~1024 steps, behind the watchdog */
            vk_cpu_yield(p->vm);
        }
    }
    if (atomic_load(&p->stopped)) stop_wait(p);
    return check_fast(p);
}

/* Wait on cv (vm->mu held) until woken, until_ns (monotonic, INT64_MAX: none) or the exec's
 * deadline. Returns 0, or the vk_check code. */
void vk_set_io_deadline(vk_proc *p, int64_t until_ns) { p->io_until_ns = until_ns; }

int vk_wait_cv(vk_proc *p, pthread_cond_t *cv, int64_t until_ns)
{
    vk_vm *vm = p->vm;
    int64_t dl = until_ns;
    if (p->ex && p->ex->deadline_ns < dl) dl = p->ex->deadline_ns;
    if (p->io_until_ns && p->io_until_ns < dl) dl = p->io_until_ns;
    int rc = check_fast(p);
    if (rc < 0) return rc;
    if (p->io_until_ns && vk_now_mono() >= p->io_until_ns) return VOS_ETIMEDOUT;
    vk_cpu_give(); /* taken back at the next system call */
    p->waitcv = cv;
    if (dl == INT64_MAX) {
        pthread_cond_wait(cv, &vm->mu);
    } else {
        struct timespec ts = {dl / 1000000000, dl % 1000000000};
        pthread_cond_timedwait(cv, &vm->mu, &ts);
    }
    p->waitcv = NULL;
    if (p->ex && p->ex->deadline_ns != INT64_MAX && vk_now_mono() >= p->ex->deadline_ns) {
        vk_exec_abort_locked(vm, p->ex, VOS_ETIME);
    }
    rc = check_fast(p);
    if (rc == 0 && p->io_until_ns && vk_now_mono() >= p->io_until_ns) rc = VOS_ETIMEDOUT;
    return rc;
}

int vk_sleep_ns(vk_proc *p, int64_t ns)
{
    vk_vm *vm = p->vm;
    if (ns < 0) ns = 0;
    int64_t until = vk_now_mono();
    until = ns > INT64_MAX - until ? INT64_MAX - 1 : until + ns;
    int rc = vk_check(p);
    if (rc < 0) return rc;
    VK_LOCK(vm);
    while (vk_now_mono() < until) {
        rc = vk_wait_cv(p, &p->cv, until);
        if (rc < 0) break;
    }
    VK_UNLOCK(vm);
    return rc;
}

int vk_waitpid(vk_proc *p, int pid, int *wstatus, int flags)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    for (;;) {
        vk_proc *found = NULL, *zombie = NULL;
        for (vk_proc *q = vm->procs; q; q = q->next) {
            if (q->ppid != p->pid || q == p || q->waited_by_run) continue;
            if (pid > 0 && q->pid != pid) continue;
            if (pid < -1 && q->pgid != -pid) continue;
            found = q;
            if (q->state == PS_ZOMBIE) {
                zombie = q;
                break;
            }
        }
        if (!found) {
            VK_UNLOCK(vm);
            return VOS_ECHILD;
        }
        if (zombie) {
            int zpid = zombie->pid;
            if (wstatus) *wstatus = zombie->wstatus;
            add_child_times(p, zombie);
            vk_unlink_proc(vm, zombie);
            vm->nprocs--;
            VK_UNLOCK(vm);
            reap(vm, zombie);
            return zpid;
        }
        if (flags & VK_WNOHANG) {
            VK_UNLOCK(vm);
            return 0;
        }
        int rc = vk_wait_cv(p, &vm->procs_cv, INT64_MAX);
        if (rc < 0) {
            VK_UNLOCK(vm);
            return rc;
        }
    }
}

/* ---- signals ---- */
int vk_signal(vk_proc *p, int sig, int disposition)
{
    if (sig <= 0 || sig >= VK_NSIG || sig == VOS_SIGKILL) return VOS_EINVAL;
    if (disposition < VK_SIG_DFL || disposition > VK_SIG_CATCH) return VOS_EINVAL;
    int old = p->sigdisp[sig];
    p->sigdisp[sig] = (uint8_t)disposition;
    if (disposition != VK_SIG_CATCH) atomic_fetch_and(&p->sigpending, ~(1u << sig));
    return old;
}

static bool ignored_by_default(int sig)
{
    return sig == VOS_SIGCHLD || sig == 18 /* CONT */ || sig == 23 /* URG */ ||
           sig == 28 /* WINCH */;
}

/* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: their default action stops the process */
static bool stops_by_default(int sig) { return sig >= 19 && sig <= 22; }

/* fg: whether the child running on t's thread (vk_proc_run) gets it too */
static void deliver(vk_proc *t, int sig, bool fg)
{
    if (t->state == PS_ZOMBIE || sig == 0) return;
    if (sig == 18) { /* SIGCONT resumes a stopped process whatever its disposition */
        atomic_store(&t->stopped, false);
        if (fg && t->fg_child) deliver(t->fg_child, sig, true);
        vk_wake(t);
    }
    if (sig == 19 && !atomic_load(&t->fatal)) { /* SIGSTOP: cannot be caught or ignored */
        atomic_store(&t->stopped, true);
        if (fg && t->fg_child) deliver(t->fg_child, sig, true);
        vk_wake(t);
        return;
    }
    int disp = sig == VOS_SIGKILL ? VK_SIG_DFL : t->sigdisp[sig];
    if (disp == VK_SIG_IGN) return;
    if (disp == VK_SIG_CATCH) {
        atomic_fetch_or(&t->sigpending, 1u << sig);
    } else {
        if (ignored_by_default(sig)) return;
        if (stops_by_default(sig)) {
            atomic_store(&t->stopped, true);
            if (fg && t->fg_child) deliver(t->fg_child, sig, true);
            vk_wake(t);
            return;
        }
        int zero = 0;
        atomic_compare_exchange_strong(&t->fatal, &zero, VK_W_SIG(sig));
        /* A process whose child runs on its thread (vk_proc_run) cannot end before that
         * child returns, so the child gets the same death: as when the shell has exec'd it. */
        if (fg && t->fg_child) deliver(t->fg_child, sig, true);
    }
    vk_wake(t);
}

void vk_deliver_locked(vk_proc *t, int sig) { deliver(t, sig, true); }

int vk_kill(vk_proc *p, int pid, int sig)
{
    if (sig < 0 || sig >= VK_NSIG) return VOS_EINVAL;
    vk_vm *vm = p->vm;
    int n = 0;
    VK_LOCK(vm);
    for (vk_proc *q = vm->procs; q; q = q->next) {
        bool match;
        if (pid > 0)
            match = q->pid == pid;
        else if (pid == 0)
            match = q->pgid == p->pgid;
        else if (pid == -1)
            match = q != vm->session && q->pid != p->pid;
        else
            match = q->pgid == -pid;
        if (!match || q->state == PS_EMBRYO) continue;
        n++;
        /* a child running on q's thread that signals q (a subshell's kill $$) is another
         * process in bash: neither it nor those between get the signal; q ends once they
         * return */
        bool below = false;
        for (vk_proc *c = q->fg_child; c && !below; c = c->fg_child) below = c == p;
        deliver(q, sig, !below);
    }
    VK_UNLOCK(vm);
    return n ? 0 : VOS_ESRCH;
}

/* Deliver from outside a process (the host API). */
int vk_kill_pid(vk_vm *vm, int pid, int sig)
{
    if (sig < 0 || sig >= VK_NSIG) return VOS_EINVAL;
    int n = 0;
    VK_LOCK(vm);
    for (vk_proc *q = vm->procs; q; q = q->next)
        if (q->pid == pid && q->state != PS_EMBRYO) {
            vk_deliver_locked(q, sig);
            n++;
        }
    VK_UNLOCK(vm);
    return n ? 0 : VOS_ESRCH;
}

uint32_t vk_sig_take(vk_proc *p) { return atomic_exchange(&p->sigpending, 0); }

/* ---- environment ---- */
const char *vk_getenv(vk_proc *p, const char *name)
{
    size_t l = strlen(name);
    for (int i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], name, l) == 0 && p->env[i][l] == '=') return p->env[i] + l + 1;
    return NULL;
}

char *const *vk_environ(vk_proc *p)
{
    static char *const empty[] = {NULL};
    return p->env ? p->env : empty;
}

int vk_setenv(vk_proc *p, const char *name, const char *value)
{
    size_t l = strlen(name);
    if (l == 0 || strchr(name, '=')) return VOS_EINVAL;
    int i;
    for (i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], name, l) == 0 && p->env[i][l] == '=') break;
    if (!value) {
        if (i < p->nenv) {
            vk_free(p, p->env[i]);
            memmove(&p->env[i], &p->env[i + 1], (size_t)(p->nenv - i) * sizeof(char *));
            p->nenv--;
        }
        return 0;
    }
    size_t vl = strlen(value);
    char *kv = vk_malloc(p, l + vl + 2);
    if (!kv) return VOS_ENOMEM;
    memcpy(kv, name, l);
    kv[l] = '=';
    memcpy(kv + l + 1, value, vl + 1);
    if (i < p->nenv) {
        vk_free(p, p->env[i]);
        p->env[i] = kv;
        return 0;
    }
    char **ne = vk_realloc(p, p->env, (size_t)(p->nenv + 2) * sizeof(char *));
    if (!ne) {
        vk_free(p, kv);
        return VOS_ENOMEM;
    }
    p->env = ne;
    p->env[p->nenv++] = kv;
    p->env[p->nenv] = NULL;
    return 0;
}

/* Replace the environment with a copy of envp. */
static int set_environ(vk_proc *p, char *const envp[])
{
    int n = 0;
    while (envp && envp[n]) n++;
    char **ne = vk_calloc(p, (size_t)n + 1, sizeof(char *));
    if (!ne) return VOS_ENOMEM;
    for (int i = 0; i < n; i++)
        if (!(ne[i] = vk_strdup(p, envp[i]))) return VOS_ENOMEM;
    /* the old strings stay in the arena until exit: exec replaces the image, and the caller's
     * envp may point into them */
    p->env = ne;
    p->nenv = n;
    return 0;
}

/* ---- exec ---- */
/* Listed and runnable as far as the rules say without asking: a command behind an ask rule
 * counts, and the host is asked when it is run (run_named). */
bool vk_cmd_allowed(vk_vm *vm, const char *name)
{
    return vk_policy_lists(vm, VOS_REQ_COMMAND, name);
}

static int cmd_denied(vk_vm *vm, const char *name, const char *rule)
{
    bool named = strncmp(rule, "the ", 4) == 0;
    vk_set_errmsg(vm, "command '%s' is denied%s%s", name, named ? " by " : ": ", rule);
    return VOS_ECMDDENIED;
}

/* The index of program name in the VM's table, or -1. */
static long prog_find(vk_vm *vm, const char *name)
{
    const vk_progtab *t = vm->progs;
    if (!t) return -1;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, t->names[mid]);
        if (c == 0) return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

bool vk_command_exists(vk_proc *p, const char *name)
{
    if (prog_find(p->vm, name) < 0 && !vk_tool_exists(p->vm, name))
        return vk_escalate_offers(p->vm, name); /* native */
    return vk_cmd_allowed(p->vm, name);
}

static _Noreturn void run_command(vk_proc *p, long i, char *const argv[], char *const envp[])
{
    int argc = 0;
    while (argv[argc]) argc++;
    char **av = vk_calloc(p, (size_t)argc + 1, sizeof(char *));
    if (!av) vk_exit(p, 126);
    for (int k = 0; k < argc; k++)
        if (!(av[k] = vk_strdup(p, argv[k]))) vk_exit(p, 126);
    if (envp && set_environ(p, envp) < 0) vk_exit(p, 126);
    /* what /proc/PID/status and cmdline show (ps, pgrep) */
    size_t cl = 0;
    for (int k = 0; k < argc; k++) cl += strlen(av[k]) + 1;
    if (cl > 65536) cl = 65536;
    char *cmd = vk_malloc(p, cl ? cl : 1);
    if (cmd) {
        size_t off = 0;
        for (int k = 0; k < argc && off < cl; k++) {
            size_t l = strlen(av[k]) + 1;
            if (l > cl - off) l = cl - off;
            memcpy(cmd + off, av[k], l);
            off += l;
        }
        if (cl) cmd[cl - 1] = 0;
    }
    VK_LOCK(p->vm);
    char *old = p->cmdline;
    p->cmdline = cmd;
    p->cmdline_len = cmd ? cl : 0;
    snprintf(p->comm, sizeof p->comm, "%s", p->vm->progs->names[i]);
    VK_UNLOCK(p->vm);
    vk_free(p, old);
    vk_fds_close_cloexec(p);
    int st = p->vm->progs->run(p, (size_t)i, argc, av);
    vk_exit(p, st);
}

/* Run the program name (policy permitting); returns only on failure. */
static int run_named(vk_proc *p, const char *name, char *const argv[], char *const envp[])
{
    long i = prog_find(p->vm, name);
    /* a host tool collection runs as the hosttool program (argv[0] tells which) */
    if (i < 0 && vk_tool_exists(p->vm, name)) i = prog_find(p->vm, "hosttool");
    if (i < 0 && vk_escalate_listed(p->vm, name)) return vk_escalate(p, name, false, argv, envp);
    if (i < 0) return VOS_ENOENT;
    char rule[600];
    if (vk_policy_decide(p->vm, p, VOS_REQ_COMMAND, name, "", rule, sizeof rule) !=
        VOS_POLICY_ALLOW)
        return cmd_denied(p->vm, name, rule);
    run_command(p, i, argv, envp);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Is abs an entry of /usr/bin (the VM's programs)? */
static bool is_bin_path(vk_vm *vm, const char *abs)
{
    vk_mnt *m = vk_mnt_get(vm, abs);
    bool r = m && m->kind == VK_MNT_BIN && *vk_mnt_rel(m, abs);
    vk_mnt_put(m);
    return r;
}

/* Is abs, on a host mount, the vos binary itself (multicall mode)? */
static bool is_self(vk_proc *p, const char *abs)
{
    vk_vm *vm = p->vm;
    vk_mnt *m = vk_mnt_get(vm, abs);
    if (!m) return false;
    vk_hostfs_id id = {vk_mnt_rel(m, abs), 0, 0, false};
    bool r = vfs_ctl(p, m, VK_HOSTFS_CTL_HOST_ID, &id) == 0 && id.dev == vm->self_dev &&
             id.ino == vm->self_ino;
    vk_mnt_put(m);
    return r;
}

static int exec_depth(vk_proc *p, const char *path, char *const argv[], char *const envp[],
                      int depth)
{
    vk_vm *vm = p->vm;
    if (depth > 4) return VOS_ELOOP;
    if (!path || !*path) return VOS_ENOENT;
    if (!argv || !argv[0]) return VOS_EINVAL;

    if (!strchr(path, '/')) {
        /* execvp: search PATH */
        const char *pathvar = vk_getenv(p, "PATH");
        if (!pathvar) pathvar = "/usr/local/bin:/usr/bin:/bin";
        int last = VOS_ENOENT;
        const char *s = pathvar;
        for (;;) {
            const char *e = strchr(s, ':');
            size_t l = e ? (size_t)(e - s) : strlen(s);
            char buf[VK_PATH_MAX];
            if (l + strlen(path) + 2 < sizeof buf) {
                if (l == 0)
                    snprintf(buf, sizeof buf, "%s", path);
                else
                    snprintf(buf, sizeof buf, "%.*s/%s", (int)l, s, path);
                struct vk_stat st;
                if (vk_stat(p, buf, &st) == 0 && VK_S_ISREG(st.mode)) {
                    int rc = exec_depth(p, buf[0] == '/' ? buf : path, argv, envp, depth);
                    if (rc != VOS_ENOENT) last = rc;
                    if (rc == VOS_ECMDDENIED || rc == VOS_ENOEXEC) return rc;
                }
            }
            if (!e) break;
            s = e + 1;
        }
        if (last == VOS_ENOENT && prog_find(vm, path) < 0 && !vk_tool_exists(vm, path) &&
            vk_escalate_listed(vm, path))
            return vk_escalate(p, path, false, argv, envp); /* a native program, jailed */
        if (last == VOS_ENOENT && (prog_find(vm, path) >= 0 || vk_tool_exists(vm, path)) &&
            !vk_cmd_allowed(vm, path)) {
            /* not listed in /usr/bin because a rule denies it: say so, not "not found" */
            char rule[600];
            vk_policy_decide(vm, p, VOS_REQ_COMMAND, path, "", rule, sizeof rule);
            return cmd_denied(vm, path, rule);
        }
        return last;
    }

    vk_path r;
    int rc;
    if (vm->multicall_self && vm->self_known) {
        /* host-compatible mode: a host symlink to the vos binary (a multicall name like
         * ./sh or $SH) runs the command it is named after, though its target lies outside
         * the VM */
        rc = vk_resolve(p, path, 0, &r);
        vk_hostfs_id id = {r.rel, vm->self_dev, vm->self_ino, false};
        bool self = rc == 0 && r.exists && VK_S_ISLNK(r.st.mode) &&
                    vfs_ctl(p, r.mnt, VK_HOSTFS_CTL_LINKS_TO, &id) == 0 && id.result;
        if (rc == 0) vk_path_done(&r);
        if (self) {
            const char *name = base_name(r.abs);
            return run_named(p, strcmp(name, "vos") == 0 ? "sh" : name, argv, envp);
        }
    }
    rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
    if (rc < 0) return rc;
    vk_path_done(&r); /* r.abs, r.st and r.rel stay readable; the mount is not needed now */
    if (!r.exists) return VOS_ENOENT;
    if (is_bin_path(vm, r.abs) && prog_find(vm, base_name(r.abs)) < 0 &&
        vk_escalate_listed(vm, base_name(r.abs)))
        return vk_escalate(p, path, true, argv, envp); /* as named: a venv's python3 link */
    if (is_bin_path(vm, r.abs)) return run_named(p, base_name(r.abs), argv, envp);
    if (VK_S_ISDIR(r.st.mode)) return VOS_EACCES;
    if (!VK_S_ISREG(r.st.mode)) return VOS_EACCES;
    if (!(r.st.mode & 0111)) return VOS_EACCES;
    rc = vk_policy_check(p, r.abs, false);
    if (rc < 0) return rc;

    char head[256];
    int fd = vk_open(p, r.abs, VK_O_RDONLY, 0);
    if (fd < 0) return fd;
    ssize_t n = vk_pread(p, fd, head, sizeof head - 1, 0);
    vk_close(p, fd);
    if (n < 0) return (int)n;
    head[n] = 0;

    int argc = 0;
    while (argv[argc]) argc++;
    if (n >= 4 && memcmp(head, "\177ELF", 4) == 0) {
        if (vm->multicall_self && vm->self_known && is_self(p, r.abs)) {
            const char *name = base_name(r.abs);
            return run_named(p, strcmp(name, "vos") == 0 ? "sh" : name, argv, envp);
        }
        if (vk_escalate_listed(vm, "*") || vk_escalate_listed(vm, base_name(r.abs)))
            return vk_escalate(p, r.abs, true, argv, envp); /* a host binary the VM holds */
        return VOS_ENOEXEC;
    }
    /* a script: "#!interp [arg]" or, without #!, a shell script */
    const char *interp = "/bin/sh";
    char *iarg = NULL;
    char line[256];
    if (n >= 2 && head[0] == '#' && head[1] == '!') {
        size_t i = 2, j = 0;
        while (head[i] == ' ' || head[i] == '\t') i++;
        while (head[i] && head[i] != '\n' && j < sizeof line - 1) line[j++] = head[i++];
        line[j] = 0;
        while (j > 0 && (line[j - 1] == ' ' || line[j - 1] == '\t' || line[j - 1] == '\r'))
            line[--j] = 0;
        char *sp = strpbrk(line, " \t");
        if (sp) {
            *sp++ = 0;
            while (*sp == ' ' || *sp == '\t') sp++;
            if (*sp) iarg = sp;
        }
        if (!line[0]) return VOS_ENOEXEC;
        interp = line;
        if (strcmp(base_name(interp), "env") == 0 && iarg) {
            /* #!/usr/bin/env NAME: look NAME up on PATH */
            interp = iarg;
            iarg = NULL;
            char *sp2 = strpbrk(interp, " \t");
            if (sp2) {
                *sp2++ = 0;
                if (*sp2) iarg = sp2;
            }
        }
    }
    char **nargv = vk_calloc(p, (size_t)argc + 3, sizeof(char *));
    if (!nargv) return VOS_ENOMEM;
    int k = 0;
    nargv[k++] = vk_strdup(p, interp);
    if (iarg) nargv[k++] = vk_strdup(p, iarg);
    nargv[k++] = vk_strdup(p, path);
    for (int i = 1; i < argc; i++) nargv[k++] = argv[i];
    nargv[k] = NULL;
    rc = exec_depth(p, nargv[0], nargv, envp, depth + 1);
    vk_free(p, nargv);
    return rc;
}

int vk_execve(vk_proc *p, const char *path, char *const argv[], char *const envp[])
{
    int rc = vk_check(p);
    if (rc < 0 && rc != VOS_EINTR) return rc;
    return exec_depth(p, path, argv, envp, 0);
}

/* ---- time, identity, randomness ---- */
int64_t vk_time_ns(vk_proc *p)
{
    (void)p;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vk_monotonic_ns(vk_proc *p)
{
    (void)p;
    return vk_now_mono();
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t vk_random(vk_proc *p)
{
    /* xoshiro256** seeded per VM from the host at creation */
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    uint64_t *s = vm->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    VK_UNLOCK(vm);
    return r;
}

const char *vk_hostname(vk_proc *p) { return p->vm->hostname; }
const char *vk_username(vk_proc *p) { return p->vm->user; }
unsigned vk_user_uid(const char *user) { return strcmp(user, "root") == 0 ? 0 : 1000; }
unsigned vk_getuid(vk_proc *p) { return vk_user_uid(p->vm->user); }
unsigned vk_getgid(vk_proc *p) { return vk_getuid(p); }
const char *vk_homedir(vk_proc *p) { return p->vm->home; }
