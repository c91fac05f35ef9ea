/* api.c: the public API (include/vos.h) on top of the kernel (host.h), the shell (session.h)
 * and the commands (their registry). Inputs are checked here (handles against a registry of
 * live ones, every struct by the one struct_size rule) and copied; results are plain malloc'd
 * memory the host frees with vos_result_free / vos_free. Misuse (NULL, a freed handle, a VM
 * busy on another thread) returns VOS_EMISUSE, never a crash. */
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "kernel/host.h"
#include "lib/cmd.h"
#include "lib/json.h"
#include "shell/session.h"
#include "vos_driver.h"

struct vos_vm {
    vk_vm *k;
    void *shell;           /* the session shell's state (in the session's arena), or NULL */
    _Atomic int in_api;    /* a host thread is inside an API call on this VM */
    pthread_t api_thread;  /* which one */
    _Atomic bool doomed;   /* vos_vm_free came during that call: free when it returns */
    vos_alloc_fn alloc;
    void *alloc_ud;
    struct vos_proc *procs; /* spawned process handles not freed yet (under g_reg_mu) */
    struct free_waiter *waiters; /* threads in vos_vm_free waiting for the call to end (under
                                    g_reg_mu) */
    char *errmsg;          /* the detail of the last API call (ERRMSG bytes, made when first
                              needed: an idle VM pays nothing for it) */
};

struct vos_proc {
    vos_vm *vm;
    int pid;
    void *in;              /* the write end of the process's stdin */
    vk_exec *ex;           /* NULL once the VM is gone */
    bool reaped;
    int status;
    int64_t t0;            /* when it was spawned (the exec-finished audit event) */
    struct vos_proc *next; /* vm->procs */
};

/* ---- errors and versions ---- */
const char *vos_strerror(int rc)
{
    if (rc == 0) return "Success";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return msg;
        VOS_ERRNO_MAP(X)
#undef X
    }
    return "Unknown error";
}

const char *vos_errname(int rc)
{
    if (rc == 0) return "OK";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return #name;
        VOS_ERRNO_MAP(X)
#undef X
    }
    return "EUNKNOWN";
}

const char *vos_version(void) { return VOS_VERSION_STRING; }
int vos_abi_version(void) { return VOS_ABI_VERSION; }

/* ---- the registry of live handles ----
 * Every handle the API gives out is recorded here until it is freed, so a call on a freed or
 * foreign handle is refused (VOS_EMISUSE) instead of touching freed memory. An open-addressing
 * set of pointers under one mutex (held for a lookup only). */
static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_reg_cv = PTHREAD_COND_INITIALIZER; /* a doomed VM is gone */
struct free_waiter {
    bool done;
    struct free_waiter *next;
};
static void **g_reg;
static size_t g_reg_cap, g_reg_n, g_reg_dead;
#define REG_DEAD ((void *)1)

static size_t reg_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

static bool reg_has_locked(const void *p)
{
    if (!g_reg_cap) return false;
    for (size_t i = reg_hash(p) & (g_reg_cap - 1);; i = (i + 1) & (g_reg_cap - 1)) {
        if (g_reg[i] == p) return true;
        if (!g_reg[i]) return false;
    }
}

static bool reg_add(void *p)
{
    pthread_mutex_lock(&g_reg_mu);
    if ((g_reg_n + g_reg_dead + 1) * 2 > g_reg_cap) {
        size_t nc = g_reg_cap ? g_reg_cap : 64;
        while ((g_reg_n + 1) * 2 > nc) nc *= 2;
        void **nr = calloc(nc, sizeof *nr);
        if (!nr) {
            pthread_mutex_unlock(&g_reg_mu);
            return false;
        }
        for (size_t i = 0; i < g_reg_cap; i++) {
            void *q = g_reg[i];
            if (!q || q == REG_DEAD) continue;
            size_t j = reg_hash(q) & (nc - 1);
            while (nr[j]) j = (j + 1) & (nc - 1);
            nr[j] = q;
        }
        free(g_reg);
        g_reg = nr;
        g_reg_cap = nc;
        g_reg_dead = 0;
    }
    size_t i = reg_hash(p) & (g_reg_cap - 1);
    while (g_reg[i] && g_reg[i] != REG_DEAD) i = (i + 1) & (g_reg_cap - 1);
    if (g_reg[i] == REG_DEAD) g_reg_dead--;
    g_reg[i] = p;
    g_reg_n++;
    pthread_mutex_unlock(&g_reg_mu);
    return true;
}

/* Remove p; false when it was not there (already freed, or never ours). */
static bool reg_del_locked(void *p)
{
    bool found = false;
    if (g_reg_cap)
        for (size_t i = reg_hash(p) & (g_reg_cap - 1); g_reg[i]; i = (i + 1) & (g_reg_cap - 1))
            if (g_reg[i] == p) {
                g_reg[i] = REG_DEAD;
                g_reg_n--;
                g_reg_dead++;
                found = true;
                break;
            }
    return found;
}

static bool reg_del(void *p)
{
    pthread_mutex_lock(&g_reg_mu);
    bool found = reg_del_locked(p);
    pthread_mutex_unlock(&g_reg_mu);
    return found;
}

static bool reg_has(const void *p)
{
    pthread_mutex_lock(&g_reg_mu);
    bool r = p && reg_has_locked(p);
    pthread_mutex_unlock(&g_reg_mu);
    return r;
}

/* ---- the struct_size rule (vos.h) ---- */
/* Copy the caller's struct (its size in its first field) into dst (our size, zeroed first).
 * 0, or VOS_EMISUSE for a size below the first published version or extra bytes that are not
 * zero. */
static int struct_in(void *dst, size_t dsize, const void *src, size_t minsize)
{
    memset(dst, 0, dsize);
    size_t ssize = *(const size_t *)src;
    /* no version of a struct will ever be 64 KiB bigger than ours: that is garbage */
    if (ssize < minsize || (ssize > dsize && ssize - dsize > 65536)) return VOS_EMISUSE;
    if (ssize > dsize) {
        const unsigned char *extra = (const unsigned char *)src + dsize;
        for (size_t i = 0; i < ssize - dsize; i++)
            if (extra[i]) return VOS_EMISUSE;
        ssize = dsize;
    }
    memcpy(dst, src, ssize);
    *(size_t *)dst = dsize;
    return 0;
}

/* Write src (our size) into the caller's output struct, as far as its size goes. */
static int struct_out_ok(const void *dst, size_t minsize)
{
    size_t sz = *(const size_t *)dst;
    return sz >= minsize && sz - minsize <= 65536 ? 0 : VOS_EMISUSE;
}

static void struct_out(void *dst, const void *src, size_t ssize)
{
    size_t dsize = *(const size_t *)dst;
    memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
           (dsize < ssize ? dsize : ssize) - sizeof(size_t));
}

/* The sizes of the first published version of each struct (ABI 1). */
#define MIN_LIMITS (offsetof(vos_limits, host_fds) + sizeof(uint64_t))
#define MIN_CONFIG (offsetof(vos_config, trace_ud) + sizeof(void *))
#define MIN_MOUNT (offsetof(vos_mount_spec, overlay) + sizeof(int))
#define MIN_OPTS (offsetof(vos_exec_opts, ud) + sizeof(void *))
#define MIN_RESULT (offsetof(vos_result, exited) + sizeof(int))
#define MIN_STAT (offsetof(vos_stat, gid) + sizeof(unsigned))

void vos_limits_init(vos_limits *lim)
{
    if (!lim) return;
    memset(lim, 0, sizeof *lim);
    lim->struct_size = sizeof *lim;
}

void vos_config_init(vos_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->struct_size = sizeof *cfg;
}

void vos_mount_spec_init(vos_mount_spec *spec)
{
    if (!spec) return;
    memset(spec, 0, sizeof *spec);
    spec->struct_size = sizeof *spec;
}

void vos_exec_opts_init(vos_exec_opts *opts)
{
    if (!opts) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
}

void vos_result_init(vos_result *res)
{
    if (!res) return;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
}

/* A caller's limits (NULL: none) as our struct. */
static int limits_in(vos_limits *out, const vos_limits *in)
{
    if (!in) {
        memset(out, 0, sizeof *out);
        out->struct_size = sizeof *out;
        return 0;
    }
    return struct_in(out, sizeof *out, in, MIN_LIMITS);
}

/* ---- the programs: every command of the registry, as the kernel's table ---- */
static const char *g_names[1024];
static vk_progtab g_progs;
static pthread_once_t g_progs_once = PTHREAD_ONCE_INIT;

static int run_program(vk_proc *p, size_t i, int argc, char **argv)
{
    return vl_run(p, vl_cmd_table[i], argc, argv);
}

static void progs_init(void)
{
    size_t n = vl_cmd_count < 1023 ? vl_cmd_count : 1023;
    for (size_t i = 0; i < n; i++) g_names[i] = vl_cmd_table[i]->name; /* sorted by gencmds */
    g_names[n] = NULL;
    g_progs.n = n;
    g_progs.names = g_names;
    g_progs.run = run_program;
}

const char *const *vos_commands(void)
{
    pthread_once(&g_progs_once, progs_init);
    return g_names;
}

/* ---- entering and leaving a call ---- */
static void set_err(vos_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define ERRMSG 256
static char g_errmsg_fallback[ERRMSG]; /* when even that allocation fails: a message is lost */

static char *errbuf(vos_vm *vm)
{
    if (!vm->errmsg) {
        vm->errmsg = vm->alloc(vm->alloc_ud, NULL, 0, ERRMSG);
        if (!vm->errmsg) return g_errmsg_fallback;
        vm->errmsg[0] = 0;
    }
    return vm->errmsg;
}

static bool has_err(const vos_vm *vm) { return vm->errmsg && vm->errmsg[0]; }

static void set_err(vos_vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf(vm), ERRMSG, fmt, ap);
    va_end(ap);
}

static void vm_destroy(vos_vm *vm);

/* A call refused because the VM was busy says why to its own thread only (the VM's message
 * belongs to the call that runs). */
static _Thread_local const vos_vm *tl_refused;
static _Thread_local const char *tl_refused_msg;

/* Claim the VM for this call: it must be live and not in another call. */
static int api_enter(vos_vm *vm)
{
    pthread_mutex_lock(&g_reg_mu);
    if (!vm || !reg_has_locked(vm)) {
        pthread_mutex_unlock(&g_reg_mu);
        return VOS_EMISUSE;
    }
    if (vk_tool_caller_vm() == vm->k) {
        /* a host tool's callback calling back into the VM that waits for it */
        tl_refused = vm;
        tl_refused_msg = "a host tool callback may not call into the VM that called it";
        pthread_mutex_unlock(&g_reg_mu);
        return VOS_EBUSY;
    }
    int zero = 0;
    if (!atomic_compare_exchange_strong(&vm->in_api, &zero, 1)) {
        tl_refused = vm;
        tl_refused_msg = pthread_equal(vm->api_thread, pthread_self())
                             ? "the VM is in an API call on this thread (a callback may not "
                               "call it)"
                             : "the VM is in use by another call";
        pthread_mutex_unlock(&g_reg_mu);
        return VOS_EMISUSE;
    }
    vm->api_thread = pthread_self(); /* under the lock: vos_vm_free reads it there */
    pthread_mutex_unlock(&g_reg_mu);
    tl_refused = NULL;
    if (vm->errmsg) vm->errmsg[0] = 0;
    char tmp[256];
    vk_vm_errmsg_take(vm->k, tmp, sizeof tmp); /* what the VM noted between calls is stale */
    return 0;
}

/* A host file call: the host owns the VM, so the VM's path rules do not bind it (the
 * read-only flag of a mount still does). */
static int host_enter(vos_vm *vm)
{
    int rc = api_enter(vm);
    if (rc == 0) vk_host_call_begin(vm->k);
    return rc;
}

static void api_leave(vos_vm *vm)
{
    if (!has_err(vm)) {
        char tmp[ERRMSG];
        vk_vm_errmsg_take(vm->k, tmp, sizeof tmp);
        if (tmp[0]) memcpy(errbuf(vm), tmp, ERRMSG);
    }
    /* under the registry lock: vos_vm_free decides between "free it now" and "the call frees
     * it" under the same lock, so exactly one side frees and nobody touches it after */
    pthread_mutex_lock(&g_reg_mu);
    atomic_store(&vm->in_api, 0);
    bool doomed = atomic_load(&vm->doomed) && reg_del_locked(vm);
    pthread_mutex_unlock(&g_reg_mu);
    if (doomed) vm_destroy(vm);
}

static int host_leave(vos_vm *vm, int rc)
{
    vk_host_call_end(vm->k);
    api_leave(vm);
    return rc;
}

const char *vos_errmsg(vos_vm *vm)
{
    if (!reg_has(vm)) return "not a live VM";
    if (tl_refused == vm) return tl_refused_msg;
    return vm->errmsg ? vm->errmsg : "";
}

size_t vos_errmsg_copy(vos_vm *vm, char *buf, size_t n)
{
    const char *m = vos_errmsg(vm);
    size_t l = strlen(m);
    if (buf && n) {
        size_t k = l < n - 1 ? l : n - 1;
        memcpy(buf, m, k);
        buf[k] = 0;
    }
    return l;
}

/* ---- VMs ---- */
static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

int vos_vm_new(const vos_config *cfg_in, vos_vm **out)
{
    if (!out) return VOS_EMISUSE;
    *out = NULL;
    vos_config cfg;
    vos_config_init(&cfg);
    if (cfg_in && struct_in(&cfg, sizeof cfg, cfg_in, MIN_CONFIG) < 0) return VOS_EMISUSE;
    if (cfg.n_path_rules && !cfg.path_rules) return VOS_EINVAL;
    vos_limits lim;
    if (limits_in(&lim, cfg.limits) < 0) return VOS_EMISUSE;
    pthread_once(&g_progs_once, progs_init);

    vk_vm_config kc;
    memset(&kc, 0, sizeof kc);
    kc.alloc = cfg.alloc ? cfg.alloc : default_alloc;
    kc.alloc_ud = cfg.alloc_ud;
    vk_limits_resolve(&kc.lim, &lim, &vk_default_limits);
    kc.rules = cfg.path_rules;
    kc.nrules = cfg.n_path_rules;
    kc.allowed_cmds = cfg.allowed_commands;
    kc.denied_cmds = cfg.denied_commands;
    kc.hostname = cfg.hostname;
    kc.user = cfg.user;
    kc.multicall_self = cfg.multicall_self != 0;
    kc.progs = &g_progs;
    kc.trace = cfg.trace;
    kc.trace_ud = cfg.trace_ud;
    kc.ask = cfg.ask;
    kc.ask_ud = cfg.ask_ud;
    kc.ask_timeout_ms = cfg.ask_timeout_ms;
    kc.audit = cfg.audit;
    kc.audit_ud = cfg.audit_ud;
    kc.net_rules = cfg.net_rules;
    kc.n_net_rules = cfg.n_net_rules;
    if (cfg.n_rules && !cfg.rules) return VOS_EINVAL;
    kc.prules = cfg.rules;
    kc.n_prules = cfg.n_rules;
    kc.net_resolve = cfg.net_resolve;
    kc.net_resolve_ud = cfg.net_resolve_ud;
    kc.escalate = cfg.escalate;
    kc.escalate_image = cfg.escalate_image;
    kc.net_ca_file = cfg.net_ca_file;

    vos_vm *vm = kc.alloc(kc.alloc_ud, NULL, 0, sizeof *vm);
    if (!vm) return VOS_ENOMEM;
    memset(vm, 0, sizeof *vm);
    vm->alloc = kc.alloc;
    vm->alloc_ud = kc.alloc_ud;
    int rc = vk_vm_create(&kc, &vm->k);
    if (rc == 0 && !reg_add(vm)) rc = VOS_ENOMEM;
    if (rc < 0) {
        if (vm->k) vk_vm_destroy(vm->k);
        vm->alloc(vm->alloc_ud, vm, sizeof *vm, 0);
        return rc;
    }
    *out = vm;
    return 0;
}

/* Memory back to the host: the C library keeps what a freed VM gave back in its arenas (and
 * in those of the threads its processes ran on); after VMs that used enough of it are gone,
 * malloc_trim returns the free pages. Only for VMs on the library's own allocator. */
static _Atomic size_t g_untrimmed;
#define TRIM_EVERY (32u << 20)

static void vm_destroy(vos_vm *vm)
{
    size_t used = vm->alloc == default_alloc ? vk_vm_peak(vm->k) : 0;
    /* process handles may outlive the VM: they let go of what belongs to it */
    pthread_mutex_lock(&g_reg_mu);
    struct vos_proc *h = vm->procs;
    vm->procs = NULL;
    struct free_waiter *waiters = vm->waiters;
    vm->waiters = NULL;
    pthread_mutex_unlock(&g_reg_mu);
    for (; h; h = h->next) {
        if (!h->reaped) {
            vk_kill_pid(vm->k, h->pid, VOS_SIGKILL);
            int ws;
            if (vk_wait_spawned(vm->k, h->pid, -1, &ws) == 0) h->status = VK_WSHELL(ws);
            h->reaped = true;
        }
        vk_stdin_close(vm->k, h->in);
        h->in = NULL;
        vk_exec_unref(h->ex);
        h->ex = NULL;
    }
    vk_vm_destroy(vm->k);
    if (vm->errmsg) vm->alloc(vm->alloc_ud, vm->errmsg, ERRMSG, 0);
    vm->alloc(vm->alloc_ud, vm, sizeof *vm, 0);
    if (waiters) {
        pthread_mutex_lock(&g_reg_mu);
        for (struct free_waiter *w = waiters; w; w = w->next) w->done = true;
        pthread_cond_broadcast(&g_reg_cv);
        pthread_mutex_unlock(&g_reg_mu);
    }
    if (used && atomic_fetch_add(&g_untrimmed, used) + used >= TRIM_EVERY) {
        atomic_store(&g_untrimmed, 0);
        malloc_trim(0);
    }
}

void vos_vm_free(vos_vm *vm)
{
    if (!vm) return;
    pthread_mutex_lock(&g_reg_mu);
    if (!reg_has_locked(vm)) {
        pthread_mutex_unlock(&g_reg_mu);
        return;
    }
    int zero = 0;
    if (atomic_compare_exchange_strong(&vm->in_api, &zero, 1)) {
        /* not in a call: it is ours to free now */
        reg_del_locked(vm);
        pthread_mutex_unlock(&g_reg_mu);
        vm_destroy(vm);
        return;
    }
    /* a call runs: interrupt it; it frees the VM when it returns (api_leave decides under
     * this lock, so the VM stays while we hold it; the kernel never takes it) */
    atomic_store(&vm->doomed, true);
    vk_interrupt(vm->k);
    if (pthread_equal(vm->api_thread, pthread_self())) { /* from its own callback */
        pthread_mutex_unlock(&g_reg_mu);
        return;
    }
    struct free_waiter w = {false, vm->waiters};
    vm->waiters = &w;
    while (!w.done) pthread_cond_wait(&g_reg_cv, &g_reg_mu);
    pthread_mutex_unlock(&g_reg_mu);
}

size_t vos_vm_mem_used(const vos_vm *vm)
{
    return vm && reg_has(vm) ? vk_vm_mem(vm->k) : 0;
}

int vos_session_reset(vos_vm *vm)
{
    int rc = api_enter(vm);
    if (rc < 0) return rc;
    vk_reap_orphans(vm->k);
    vk_session_reset(vm->k);
    vm->shell = NULL;
    api_leave(vm);
    return 0;
}

/* ---- mounts ---- */
int vos_mount(vos_vm *vm, const char *vm_path, const vos_mount_spec *spec_in)
{
    if (!vm || !vm_path || !spec_in) return VOS_EMISUSE;
    vos_mount_spec spec;
    if (struct_in(&spec, sizeof spec, spec_in, MIN_MOUNT) < 0) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    const char *dname = spec.driver;
    bool overlay = spec.overlay != 0, ro = spec.readonly != 0;
    if (!dname) {
        switch (spec.kind) {
        case VOS_MOUNT_MEMFS: dname = "memfs"; break;
        case VOS_MOUNT_HOST_RO: dname = "hostfs", ro = true; break;
        case VOS_MOUNT_HOST_RW: dname = "hostfs"; break;
        case VOS_MOUNT_OVERLAY: dname = "hostfs", overlay = true; break;
        default: dname = NULL;
        }
    }
    const vos_driver *d = NULL;
    if (vm_path[0] != '/' || !dname) {
        rc = VOS_EINVAL;
    } else if (vk_driver_find(dname, &d) < 0) {
        rc = VOS_EINVAL;
        set_err(vm, "no driver named '%s'", dname);
    } else if (strcmp(dname, "hostfs") == 0 && !spec.host_path) {
        rc = VOS_EINVAL;
    }
    if (rc == 0) {
        /* a copy-on-write layer never writes its lower: that is mounted read-only, the
         * overlay over it is as writable as the spec says */
        vos_mount_args a = {sizeof a, spec.host_path ? spec.host_path : "",
                            spec.options ? spec.options : "", spec.arg, ro || overlay};
        rc = vk_mount(vm->k, vm_path, d, &a, overlay, ro);
        if (rc < 0 && !has_err(vm) && strcmp(dname, "hostfs") == 0)
            set_err(vm, "cannot mount the host directory at %s: %s", vm_path, vos_strerror(rc));
    }
    return host_leave(vm, rc);
}

int vos_umount(vos_vm *vm, const char *vm_path)
{
    if (!vm || !vm_path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    /* the mount point as the VM would name it: /data/, //data and /x/../data are /data */
    char want[4096];
    if (vk_resolve_abs(vm->k, vm_path, true, want, sizeof want, NULL) < 0)
        snprintf(want, sizeof want, "%s", vm_path);
    rc = vk_umount(vm->k, want);
    return host_leave(vm, rc);
}

/* ---- exec ---- */
void vos_result_free(vos_result *res)
{
    if (!res) return;
    size_t sz = res->struct_size;
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
    res->struct_size = sz;
}

static void append_err(vos_result *res, const char *msg)
{
    size_t l = strlen(msg);
    char *n = realloc(res->err, res->err_len + l + 1);
    if (!n) return;
    memcpy(n + res->err_len, msg, l + 1);
    res->err = n;
    res->err_len += l;
}

/* ---- policy at the API's boundary ---- */
static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The variables of opts the VM's environment rules let it see: *out is env itself when all
 * pass, else a malloc'd copy without the denied ones (freed by the caller when != env).
 * Unsetting (a NULL value) is always allowed. */
static int env_filter(vos_vm *vm, const vos_env_var *env, size_t n, vos_env_var **out,
                      size_t *nout)
{
    *out = (vos_env_var *)env;
    *nout = n;
    vos_env_var *copy = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool ok = !env[i].name || !env[i].value ||
                  vk_policy_decide(vm->k, NULL, VOS_REQ_ENV, env[i].name, "", NULL, 0) ==
                      VOS_POLICY_ALLOW;
        if (!ok && !copy) {
            copy = malloc(n * sizeof *copy);
            if (!copy) return VOS_ENOMEM;
            memcpy(copy, env, i * sizeof *copy);
            k = i;
        }
        if (ok && copy) copy[k++] = env[i];
    }
    if (copy) {
        *out = copy;
        *nout = k;
    }
    return 0;
}

/* The exec-started audit event: the script, cut to a size a log line can take. */
static void audit_start(vos_vm *vm, const char *script)
{
    char cut[1024];
    snprintf(cut, sizeof cut, "%s", script);
    vos_audit_event ev = {.type = VOS_AUDIT_EXEC_START, .subject = cut};
    vk_audit(vm->k, &ev);
}

int vos_policy_explain(vos_vm *vm, const vos_request *req, char *buf, size_t n)
{
    if (buf && n) buf[0] = 0;
    if (!vm || !req || !reg_has(vm)) return VOS_EMISUSE;
    if (req->struct_size < offsetof(vos_request, rule)) return VOS_EMISUSE; /* struct_size rule */
    return vk_policy_explain(vm->k, (int)req->kind, req->subject, req->detail, buf,
                             buf ? n : 0);
}

typedef struct run_arg {
    vos_vm *vm;
    const char *script;
    const vos_exec_opts *o;
} run_arg;

static int run_session(vk_proc *s, void *arg)
{
    run_arg *ra = arg;
    vos_vm *vm = ra->vm;
    const vos_exec_opts *o = ra->o;
    if (!vm->shell) {
        vm->shell = sh_session_hooks.session_new(s);
        if (!vm->shell) return VOS_ENOMEM;
    }
    return sh_session_hooks.session_exec(vm->shell, s, ra->script, o->argv0, o->args, o->env,
                                         o->n_env,
                                         (o->isolated ? SH_SESSION_ISOLATED : 0) |
                                             (o->script_file ? SH_SESSION_FILE : 0));
}

int vos_exec(vos_vm *vm, const char *script, const vos_exec_opts *opts_in, vos_result *res_out)
{
    if (!vm || !script || !res_out) return VOS_EMISUSE;
    if (struct_out_ok(res_out, MIN_RESULT) < 0) return VOS_EMISUSE;
    vos_result res;
    vos_result_init(&res);
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    if ((opts_in && struct_in(&o, sizeof o, opts_in, MIN_OPTS) < 0) ||
        limits_in(&lim, o.limits) < 0) {
        struct_out(res_out, &res, sizeof res);
        return VOS_EMISUSE;
    }
    int rc = api_enter(vm);
    if (rc < 0) {
        struct_out(res_out, &res, sizeof res);
        return rc;
    }
    vk_vm *k = vm->k;
    vk_reap_orphans(k);
    int64_t t0 = mono_ns();
    audit_start(vm, script);
    const vos_env_var *env_orig = o.env;
    vos_env_var *env = NULL;
    size_t n_env = 0;
    rc = env_filter(vm, o.env, o.n_env, &env, &n_env);
    o.env = env;
    o.n_env = n_env;
    vk_exec *ex = rc == 0 ? vk_exec_new(k, &lim) : NULL;
    vk_sink *out = ex ? vk_sink_new(k, ex, o.on_stdout, o.ud) : NULL;
    vk_sink *err = ex ? vk_sink_new(k, ex, o.on_stderr, o.ud) : NULL;
    if (!ex || !out || !err) rc = VOS_ENOMEM;
    bool begun = rc == 0;
    if (begun) rc = vk_session_begin(k, ex, o.stdin_data, o.stdin_data ? o.stdin_len : 0, out, err);
    if (rc == 0 && o.cwd) {
        vk_host_call_begin(k);
        rc = vk_chdir(vk_session(k), o.cwd);
        vk_host_call_end(k);
        if (rc < 0) set_err(vm, "cwd %s: %s", o.cwd, vos_strerror(rc));
    }
    int status = 0;
    if (rc == 0) {
        run_arg ra = {vm, script, &o};
        bool gone = false;
        int st = vk_session_run(k, run_session, &ra, &gone);
        if (gone) {
            /* the session shell replaced itself (exec) or exited through the kernel */
            status = st;
            res.exited = 1;
            vm->shell = NULL;
        } else if (st < 0) {
            status = 1;
        } else {
            status = st & 0xff;
            res.exited = (st & SH_SESSION_EXITED) != 0;
            if (st & SH_SESSION_SYNTAX) rc = VOS_ESYNTAX;
        }
    }
    int abort_code = ex ? vk_exec_code(ex) : 0;
    int fatal = ex ? vk_session_fatal(k) : 0;
    if (abort_code) {
        /* wait (bounded) for the exec's other processes to die, so nothing of it runs on */
        vk_exec_wait_others(k, ex, 2000);
        rc = abort_code;
        status = abort_code == VOS_ETIME || abort_code == VOS_ESTEPS ? 124
                 : abort_code == VOS_EINTERRUPTED                   ? 130
                                                                    : 137;
    } else if (fatal && VK_WIFSIGNALED(fatal)) {
        status = 128 + VK_WTERMSIG(fatal);
    }
    /* collect the output; later writes by background processes are dropped */
    if (out) res.out = vk_sink_close(k, out, &res.out_len);
    if (err) res.err = vk_sink_close(k, err, &res.err_len);
    if (ex) {
        char msg[256];
        vk_exec_errmsg(k, ex, msg, sizeof msg);
        if (msg[0]) memcpy(errbuf(vm), msg, sizeof msg);
    }
    if (begun) vk_session_end(k);
    vk_sink_release(k, out);
    vk_sink_release(k, err);
    if (ex) vk_exec_unref(ex);
    if (!res.out) res.out = calloc(1, 1);
    if (!res.err) res.err = calloc(1, 1);
    if (abort_code) {
        char msg[400];
        snprintf(msg, sizeof msg, "vos: %s%s%s\n", vos_strerror(abort_code),
                 has_err(vm) ? ": " : "", has_err(vm) ? vm->errmsg : "");
        append_err(&res, msg);
        res.limit = abort_code;
    }
    res.status = status;
    if (rc < 0 && rc != VOS_ESYNTAX && !abort_code && !has_err(vm))
        set_err(vm, "%s", vos_strerror(rc));
    if (env != env_orig) free(env);
    vos_audit_event ev = {.type = VOS_AUDIT_EXEC_END, .subject = "", .status = status,
                          .ns = mono_ns() - t0};
    vk_audit(k, &ev);
    struct_out(res_out, &res, sizeof res);
    api_leave(vm);
    return rc;
}

void vos_interrupt(vos_vm *vm)
{
    if (!vm || !reg_has(vm)) return;
    vk_interrupt(vm->k);
}

/* ---- spawn ---- */
int vos_spawn(vos_vm *vm, const char *script, const vos_exec_opts *opts_in, vos_proc **out)
{
    if (out) *out = NULL;
    if (!vm || !script || !out) return VOS_EMISUSE;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    if ((opts_in && struct_in(&o, sizeof o, opts_in, MIN_OPTS) < 0) ||
        limits_in(&lim, o.limits) < 0)
        return VOS_EMISUSE;
    int rc = api_enter(vm);
    if (rc < 0) return rc;
    vk_vm *k = vm->k;
    int64_t t0 = mono_ns();
    audit_start(vm, script);
    vos_env_var *env = NULL;
    size_t n_env = 0;
    if (env_filter(vm, o.env, o.n_env, &env, &n_env) < 0) {
        api_leave(vm);
        return VOS_ENOMEM;
    }
    vos_proc *h = calloc(1, sizeof *h);
    vk_exec *ex = vk_exec_new(k, &lim);
    vk_sink *so = ex ? vk_sink_new(k, ex, o.on_stdout, o.ud) : NULL;
    vk_sink *se = ex ? vk_sink_new(k, ex, o.on_stderr, o.ud) : NULL;
    int nargs = 0;
    while (o.args && o.args[nargs]) nargs++;
    char **argv = calloc((size_t)nargs + 5, sizeof(char *));
    if (!h || !ex || !so || !se || !argv) rc = VOS_ENOMEM;
    if (rc == 0) {
        int a = 0;
        argv[a++] = "bash"; /* not "sh": that name means posix mode */
        argv[a++] = o.script_file ? "--vos-script-file" : "-c";
        argv[a++] = (char *)script;
        argv[a++] = (char *)(o.argv0 ? o.argv0 : "vos");
        for (int i = 0; i < nargs; i++) argv[a++] = (char *)o.args[i];
        argv[a] = NULL;
        rc = vk_spawn(k, ex, "/bin/sh", argv, env, n_env, o.cwd, so, se, &h->in);
    }
    if (env != o.env) free(env);
    free(argv);
    vk_sink_release(k, so);
    vk_sink_release(k, se);
    if (rc < 0 || !reg_add(h)) {
        if (rc >= 0) {
            vk_kill_pid(k, rc, VOS_SIGKILL);
            int ws;
            vk_wait_spawned(k, rc, -1, &ws);
            vk_stdin_close(k, h->in);
            rc = VOS_ENOMEM;
        }
        if (ex) vk_exec_unref(ex);
        free(h);
        api_leave(vm);
        return rc;
    }
    h->vm = vm;
    h->ex = ex;
    h->pid = rc;
    h->t0 = t0;
    pthread_mutex_lock(&g_reg_mu);
    h->next = vm->procs;
    vm->procs = h;
    pthread_mutex_unlock(&g_reg_mu);
    *out = h;
    api_leave(vm);
    if (o.stdin_data && o.stdin_len) vos_proc_write(h, o.stdin_data, o.stdin_len);
    return 0;
}

/* A live process handle on a live VM? */
static bool proc_ok(const vos_proc *h) { return reg_has(h) && reg_has(h->vm); }

int vos_proc_write(vos_proc *h, const void *data, size_t len)
{
    if (!proc_ok(h) || (!data && len)) return VOS_EMISUSE;
    if (len == 0) return vos_proc_close_stdin(h);
    return vk_stdin_write(h->vm->k, h->in, data, len);
}

int vos_proc_close_stdin(vos_proc *h)
{
    if (!proc_ok(h)) return VOS_EMISUSE;
    vk_stdin_close(h->vm->k, h->in);
    h->in = NULL;
    return 0;
}

int vos_proc_kill(vos_proc *h, int sig)
{
    if (!proc_ok(h)) return VOS_EMISUSE;
    if (h->reaped) return VOS_ESRCH;
    return vk_kill_pid(h->vm->k, h->pid, sig);
}

int vos_proc_pid(const vos_proc *h) { return proc_ok(h) ? h->pid : VOS_EMISUSE; }

int vos_proc_wait(vos_proc *h, int64_t timeout_ms)
{
    if (!proc_ok(h)) return VOS_EMISUSE;
    if (h->reaped) return h->status;
    int ws = 0;
    int rc = vk_wait_spawned(h->vm->k, h->pid, timeout_ms, &ws);
    if (rc == VOS_ETIMEDOUT) return rc;
    h->status = rc == 0 ? VK_WSHELL(ws) : 137;
    h->reaped = true;
    vos_audit_event ev = {.type = VOS_AUDIT_EXEC_END, .subject = "", .pid = h->pid,
                          .status = h->status, .ns = mono_ns() - h->t0};
    vk_audit(h->vm->k, &ev);
    return h->status;
}

void vos_proc_free(vos_proc *h)
{
    if (!h || !reg_del(h)) return;
    vos_vm *vm = h->vm;
    pthread_mutex_lock(&g_reg_mu);
    bool live = reg_has_locked(vm);
    if (live)
        for (struct vos_proc **pp = &vm->procs; *pp; pp = &(*pp)->next)
            if (*pp == h) {
                *pp = h->next;
                break;
            }
    pthread_mutex_unlock(&g_reg_mu);
    if (live) {
        if (!h->reaped) {
            vk_kill_pid(vm->k, h->pid, VOS_SIGKILL);
            int ws;
            vk_wait_spawned(vm->k, h->pid, -1, &ws);
        }
        vk_stdin_close(vm->k, h->in);
        vk_exec_unref(h->ex);
    }
    free(h);
}

/* ---- host file operations (through the session process, so the same checks apply) ---- */
int vos_write_file(vos_vm *vm, const char *path, const void *data, size_t len, unsigned mode)
{
    if (!vm || !path || (!data && len)) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vk_session(vm->k);
    int fd = vk_open(s, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode ? mode : 0644);
    if (fd < 0) {
        rc = fd;
    } else {
        ssize_t w = len ? vk_write(s, fd, data, len) : 0;
        if (w < 0) rc = (int)w;
        vk_close(s, fd);
    }
    if (rc < 0) {
        char tmp[256];
        vk_vm_errmsg_take(vm->k, tmp, sizeof tmp);
        set_err(vm, "%s", tmp[0] ? tmp : "");
        if (!has_err(vm)) set_err(vm, "%s: %s", path, vos_strerror(rc));
    }
    return host_leave(vm, rc);
}

int vos_read_file(vos_vm *vm, const char *path, void **data, size_t *len)
{
    if (data) *data = NULL;
    if (len) *len = 0;
    if (!vm || !path || !data || !len) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vk_session(vm->k);
    const vos_limits *lim = vk_limits(s);
    int fd = vk_open(s, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        rc = fd;
    } else {
        struct vk_stat st;
        rc = vk_fstat(s, fd, &st);
        if (rc == 0 && VK_S_ISDIR(st.mode)) rc = VOS_EISDIR;
        /* bounded: a device like /dev/zero never ends, and the bytes land in host memory. A
         * regular file may be as big as the VM's memory; anything else stops at 64 MiB */
        uint64_t maxlen = lim->mem_bytes;
        if (rc == 0 && !VK_S_ISREG(st.mode) && maxlen > (64u << 20)) maxlen = 64u << 20;
        /* a regular file: its size, the NUL, and one byte to see the end in one allocation */
        size_t cap = 4096, n = 0;
        if (rc == 0 && VK_S_ISREG(st.mode) && st.size < maxlen) cap = (size_t)st.size + 2;
        char *buf = rc == 0 ? malloc(cap) : NULL;
        if (rc == 0 && !buf) rc = VOS_ENOMEM;
        while (rc == 0) {
            if (n >= maxlen) {
                rc = VOS_EFBIG;
                set_err(vm, "%s: larger than %llu bytes (%s)", path, (unsigned long long)maxlen,
                        maxlen == lim->mem_bytes ? "the VM's memory limit"
                                                 : "the bound for a device or pipe");
                break;
            }
            if (n + 1 >= cap) {
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    rc = VOS_ENOMEM;
                    break;
                }
                buf = nb;
                cap *= 2;
            }
            ssize_t r = vk_read(s, fd, buf + n, cap - n - 1);
            if (r < 0) rc = (int)r;
            if (r <= 0) break;
            n += (size_t)r;
        }
        vk_close(s, fd);
        if (rc == 0) {
            buf[n] = 0;
            *data = buf;
            *len = n;
        } else {
            free(buf);
        }
    }
    if (rc < 0 && !has_err(vm)) set_err(vm, "%s: %s", path, vos_strerror(rc));
    return host_leave(vm, rc);
}

void vos_free(void *p) { free(p); }

static void to_public_stat(const struct vk_stat *in, vos_stat *st)
{
    memset(st, 0, sizeof *st);
    st->struct_size = sizeof *st;
    switch (in->mode & VK_S_IFMT) {
    case VK_S_IFDIR: st->type = VOS_TYPE_DIR; break;
    case VK_S_IFLNK: st->type = VOS_TYPE_LNK; break;
    case VK_S_IFCHR: st->type = VOS_TYPE_CHR; break;
    case VK_S_IFIFO: st->type = VOS_TYPE_FIFO; break;
    default: st->type = VOS_TYPE_REG;
    }
    st->mode = in->mode & 07777;
    st->size = in->size;
    st->ino = in->ino;
    st->nlink = in->nlink;
    st->mtime_ns = in->mtime_ns;
    st->atime_ns = in->atime_ns;
    st->ctime_ns = in->ctime_ns;
    st->uid = in->uid;
    st->gid = in->gid;
}

static int stat_api(vos_vm *vm, const char *path, vos_stat *st, bool follow)
{
    if (!vm || !path || !st || struct_out_ok(st, MIN_STAT) < 0) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    struct vk_stat ks;
    vk_proc *s = vk_session(vm->k);
    rc = follow ? vk_stat(s, path, &ks) : vk_lstat(s, path, &ks);
    if (rc == 0) {
        vos_stat out;
        to_public_stat(&ks, &out);
        struct_out(st, &out, sizeof out);
    }
    return host_leave(vm, rc);
}

int vos_stat_path(vos_vm *vm, const char *path, vos_stat *st)
{
    return stat_api(vm, path, st, true);
}
int vos_lstat_path(vos_vm *vm, const char *path, vos_stat *st)
{
    return stat_api(vm, path, st, false);
}

int vos_mkdir(vos_vm *vm, const char *path, unsigned mode, int parents)
{
    if (!vm || !path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    if (!mode) mode = 0755;
    if (parents)
        rc = vk_mkdir_p(vm->k, path, mode);
    else
        rc = vk_mkdir(vk_session(vm->k), path, mode);
    return host_leave(vm, rc);
}

/* The names in directory path (host memory, unsorted; free with vos_free_list). */
static int read_names(vk_proc *s, const char *path, char ***names, size_t *n)
{
    int fd = vk_open(s, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    int rc = 0;
    size_t cap = 16, k = 0;
    char **arr = malloc(cap * sizeof(char *));
    vk_dirent de;
    if (!arr) rc = VOS_ENOMEM;
    while (rc == 0) {
        int r = vk_readdir(s, fd, &de);
        if (r < 0) rc = r;
        if (r <= 0) break;
        if (k == cap) {
            char **na = realloc(arr, cap * 2 * sizeof(char *));
            if (!na) {
                rc = VOS_ENOMEM;
                break;
            }
            arr = na;
            cap *= 2;
        }
        if (!(arr[k] = strdup(de.name))) {
            rc = VOS_ENOMEM;
            break;
        }
        k++;
    }
    vk_close(s, fd);
    if (rc < 0) {
        vos_free_list(arr, k);
        return rc;
    }
    *names = arr;
    *n = k;
    return 0;
}

/* Remove the tree at path[0..len) (path is a VK_PATH_MAX buffer the recursion extends and
 * restores). Frames are small and PATH_MAX bounds the depth, so any tree the VM can hold can
 * be removed; lstat never follows a link, so there is no loop to meet. */
static int remove_tree(vk_proc *s, char *path, size_t len)
{
    struct vk_stat st;
    int rc = vk_lstat(s, path, &st);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(st.mode)) return vk_unlink(s, path);
    /* the names first, and the directory closed before going down: an fd per level would
     * meet the fd limit long before PATH_MAX */
    char **names;
    size_t n;
    rc = read_names(s, path, &names, &n);
    if (rc < 0) return rc;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        size_t nl = strlen(names[i]);
        if (len + 1 + nl >= VK_PATH_MAX) {
            rc = VOS_ENAMETOOLONG;
            break;
        }
        path[len] = '/';
        memcpy(path + len + 1, names[i], nl + 1);
        rc = remove_tree(s, path, len + 1 + nl);
        path[len] = 0;
    }
    vos_free_list(names, n);
    if (rc < 0) return rc;
    return vk_rmdir(s, path);
}

int vos_remove(vos_vm *vm, const char *path, int recursive)
{
    if (!vm || !path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vk_session(vm->k);
    struct vk_stat st;
    rc = vk_lstat(s, path, &st);
    if (rc == 0) {
        if (!VK_S_ISDIR(st.mode)) {
            rc = vk_unlink(s, path);
        } else if (recursive) {
            /* the root, or a mount point, is refused before anything in it is touched */
            char *buf = malloc(VK_PATH_MAX);
            bool busy = false;
            rc = buf ? vk_resolve_abs(vm->k, path, false, buf, VK_PATH_MAX, &busy) : VOS_ENOMEM;
            if (rc == 0 && busy) {
                rc = VOS_EBUSY;
                set_err(vm, "%s: is %s", path, strcmp(buf, "/") == 0 ? "the root" : "a mount point");
            } else if (rc == 0) {
                rc = remove_tree(s, buf, strlen(buf));
            }
            free(buf);
        } else {
            rc = vk_rmdir(s, path);
        }
    }
    return host_leave(vm, rc);
}

int vos_rename(vos_vm *vm, const char *from, const char *to)
{
    if (!vm || !from || !to) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    rc = vk_rename(vk_session(vm->k), from, to);
    return host_leave(vm, rc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vos_list_dir(vos_vm *vm, const char *path, char ***names, size_t *n)
{
    if (names) *names = NULL;
    if (n) *n = 0;
    if (!vm || !path || !names || !n) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    char **arr;
    size_t k;
    rc = read_names(vk_session(vm->k), path, &arr, &k);
    if (rc == 0) {
        qsort(arr, k, sizeof(char *), cmp_str);
        *names = arr;
        *n = k;
    }
    return host_leave(vm, rc);
}

void vos_free_list(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

vk_vm *api_kvm(vos_vm *vm) { return vm->k; }

/* ---- host tools (docs/tools.md) ---- */
/* A collection's or a function's name: a word a shell passes as is. */
static bool tool_name_ok(const char *s)
{
    if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) return false;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return n <= 64;
}

static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

int vos_tools_add(vos_vm *vm, const vos_tool_collection *in)
{
    vos_tool_collection c;
    memset(&c, 0, sizeof c);
    if (!in || struct_in(&c, sizeof c, in, sizeof c) < 0) return VOS_EMISUSE;
    int rc = api_enter(vm);
    if (rc < 0) return rc;
    if (!tool_name_ok(c.name)) {
        set_err(vm, "bad collection name (want [a-z0-9][a-z0-9_-]*)");
        rc = VOS_EINVAL;
    } else if (vl_cmd_find(c.name)) {
        set_err(vm, "'%s' is a built-in command", c.name);
        rc = VOS_EEXIST;
    } else if (c.n_functions && !c.functions) {
        rc = VOS_EINVAL;
    }
    vl_json_ctx jx = {.fn = host_alloc};
    for (size_t i = 0; rc == 0 && i < c.n_functions; i++) {
        const vos_tool_function *f = &c.functions[i];
        if (!tool_name_ok(f->name) || !f->fn) {
            set_err(vm, "function %zu: bad name or no callback", i);
            rc = VOS_EINVAL;
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(c.functions[j].name, f->name) == 0) {
                set_err(vm, "function '%s' given twice", f->name);
                rc = VOS_EINVAL;
            }
        if (!f->input_schema) continue;
        vl_json_error e;
        vl_json *s = vl_json_parse(&jx, f->input_schema, strlen(f->input_schema), &e);
        if (!s || vl_json_type_of(s) != VL_JSON_OBJECT) {
            if (s) snprintf(e.msg, sizeof e.msg, "not an object");
            set_err(vm, "function '%s': input schema: %d:%d: %s", f->name, s ? 1 : e.line,
                    s ? 1 : e.column, e.msg);
            rc = VOS_EINVAL;
        }
        vl_json_free(&jx, s);
    }
    if (rc == 0) {
        rc = vk_tools_add(vm->k, c.name, c.description, c.functions, c.n_functions);
        if (rc == VOS_EEXIST) set_err(vm, "a collection '%s' exists", c.name);
    }
    api_leave(vm);
    return rc;
}
