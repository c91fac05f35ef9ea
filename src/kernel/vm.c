/* vm.c: a VM's life (creation with its base filesystem and session process, destruction),
 * mounts by driver, execs (limits, deadline, output sinks, stdin), the session process's part
 * in an exec, and processes spawned for the host: everything host.h offers the API layer. It
 * knows nothing of the shell or of the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/overlay.h"
#include "kernel/escalate.h"
#include "kernel/internal.h"

const vos_limits vk_default_limits = {
    .struct_size = sizeof(vos_limits),
    .time_ms = 300000,
    .cpu_steps = 1000000000ull,
    .mem_bytes = 512ull << 20,
    .fs_bytes = 256ull << 20,
    .fs_inodes = 100000,
    .output_bytes = 16ull << 20,
    .procs = 256,
    .open_files = 1024,
    .call_depth = 1000,
    .nest_depth = 200,
    .expand_bytes = 64ull << 20,
    .host_fds = 1024,
    .net_requests = 10000,
    .net_bytes = 1ull << 30,
    .net_conns = 8,
};

void vk_limits_resolve(vos_limits *out, const vos_limits *in, const vos_limits *base)
{
    vos_limits r = *base;
#define L(f) if (in && in->f) r.f = in->f
    L(time_ms);
    L(cpu_steps);
    L(mem_bytes);
    L(fs_bytes);
    L(fs_inodes);
    L(output_bytes);
    L(procs);
    L(open_files);
    L(call_depth);
    L(nest_depth);
    L(expand_bytes);
    L(host_fds);
    L(net_requests);
    L(net_bytes);
    L(net_conns);
#undef L
    r.struct_size = sizeof r;
    /* an fd number must fit an int; processes are counted in an int */
    if (r.open_files > (1u << 20)) r.open_files = 1u << 20;
    if (r.procs > (1u << 20)) r.procs = 1u << 20;
    if (r.host_fds > (1u << 30)) r.host_fds = 1u << 30;
    *out = r;
}

size_t vk_vm_mem(const vk_vm *vm) { return atomic_load(&((vk_vm *)vm)->mem_used); }
size_t vk_vm_peak(const vk_vm *vm) { return atomic_load(&((vk_vm *)vm)->mem_peak); }

/* the escalate list (escalate.c) */
static char **copy_list(vk_vm *vm, const char *const *list, int *rc)
{
    if (!list) return NULL;
    size_t n = 0;
    while (list[n]) n++;
    char **out = vk_vm_alloc(vm, (n + 1) * sizeof(char *));
    if (!out) {
        *rc = VOS_ENOMEM;
        return NULL;
    }
    memset(out, 0, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = vk_vm_strdup(vm, list[i]))) *rc = VOS_ENOMEM;
    return out;
}

static void free_list(vk_vm *vm, char **list)
{
    if (!list) return;
    size_t n = 0;
    for (; list[n]; n++) vk_vm_strfree(vm, list[n]);
    /* a list cut short by a failed copy still has its NULL tail: count to the real end */
    size_t cap = n + 1;
    vk_vm_free(vm, list, cap * sizeof(char *));
}

/* ---- the base filesystem ---- */
static int root_mkdir(vk_mnt *root, const char *rel, unsigned mode)
{
    int rc = vfs_mkdir(NULL, root, rel, mode);
    return rc == VOS_EEXIST ? 0 : rc;
}

static int root_file(vk_mnt *root, const char *rel, const char *text, unsigned mode)
{
    vos_file *f;
    int rc = vfs_open(NULL, root, rel, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode, &f);
    if (rc < 0) return rc;
    ssize_t w = vfs_pwrite(NULL, root, f, text, strlen(text), 0);
    int c = vfs_close(NULL, root, f);
    return w < 0 ? (int)w : c;
}

static int special_mount(vk_vm *vm, const char *path, int (*make)(vk_vm *, vos_fs **), int kind)
{
    vos_fs *fs;
    int rc = make(vm, &fs);
    if (rc < 0) return rc;
    rc = vk_mount_add(vm, path, fs, kind, false);
    if (rc < 0) fs->ops->unmount(fs);
    return rc;
}

static int build_base(vk_vm *vm)
{
    vos_fs *rootfs;
    vos_mount_args a = {sizeof a, "", "", NULL, 0};
    int rc = vk_memfs_driver.mount(vk_host(vm), &a, &rootfs);
    if (rc < 0) return rc;
    rc = vk_mount_add(vm, "/", rootfs, VK_MNT_PLAIN, false);
    if (rc < 0) {
        rootfs->ops->unmount(rootfs);
        return rc;
    }
    vk_mnt *root = vm->mounts;
    static const char *const dirs[] = {"dev", "proc", "etc", "usr", "usr/bin", "usr/local",
                                       "usr/local/bin", "home", "root", "var", "var/tmp", "tmp"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && rc == 0; i++)
        rc = root_mkdir(root, dirs[i], 0755);
    if (rc == 0) rc = vfs_chmod(NULL, root, "tmp", 01777);
    if (rc == 0) rc = vfs_chmod(NULL, root, "var/tmp", 01777);
    if (rc == 0) rc = vfs_chmod(NULL, root, "root", 0700);
    char home[300];
    snprintf(home, sizeof home, "%s", vm->home + 1);
    if (rc == 0 && strcmp(vm->home, "/root") != 0) {
        vm->booting = false; /* the home directory is the user's */
        rc = root_mkdir(root, home, 0755);
        vm->booting = true;
    }
    if (rc == 0) rc = vfs_symlink(NULL, root, "usr/bin", "bin");
    if (rc == 0) rc = vfs_symlink(NULL, root, "usr/bin", "sbin");
    if (rc < 0) return rc;

    char buf[1024];
    unsigned uid = vk_user_uid(vm->user); /* (vk_getuid says 0 while booting) */
    if (uid)
        snprintf(buf, sizeof buf,
                 "root:x:0:0:root:/root:/bin/bash\n"
                 "%s:x:%u:%u:%s:%s:/bin/bash\n"
                 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                 vm->user, uid, uid, vm->user, vm->home);
    else
        snprintf(buf, sizeof buf,
                 "root:x:0:0:root:/root:/bin/bash\n"
                 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    rc = root_file(root, "etc/passwd", buf, 0644);
    if (rc == 0) {
        if (uid)
            snprintf(buf, sizeof buf, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n", vm->user, uid);
        else
            snprintf(buf, sizeof buf, "root:x:0:\nnogroup:x:65534:\n");
        rc = root_file(root, "etc/group", buf, 0644);
    }
    if (rc == 0) {
        snprintf(buf, sizeof buf, "%s\n", vm->hostname);
        rc = root_file(root, "etc/hostname", buf, 0644);
    }
    if (rc == 0)
        rc = root_file(root, "etc/os-release",
                       "PRETTY_NAME=\"vos " VOS_VERSION_STRING "\"\nNAME=\"vos\"\n"
                       "VERSION_ID=\"" VOS_VERSION_STRING "\"\nID=vos\nID_LIKE=debian\n"
                       "HOME_URL=\"https://vos.invalid/\"\n",
                       0644);
    if (rc == 0) rc = root_file(root, "etc/resolv.conf", "# vos: no network yet\n", 0644);
    if (rc == 0) {
        snprintf(buf, sizeof buf, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost\n",
                 vm->hostname);
        rc = root_file(root, "etc/hosts", buf, 0644);
    }
    if (rc == 0) rc = root_file(root, "etc/shells", "/bin/sh\n/bin/bash\n", 0644);
    if (rc == 0) rc = special_mount(vm, "/dev", devfs_new, VK_MNT_DEV);
    if (rc == 0) rc = special_mount(vm, "/proc", procfs_new, VK_MNT_PROC);
    if (rc == 0) rc = special_mount(vm, "/usr/bin", binfs_new, VK_MNT_BIN);
    return rc;
}

static void session_env_defaults(vk_vm *vm, vk_proc *s, int *rc)
{
    const char *kv[][2] = {
        {"PATH", "/usr/local/bin:/usr/bin:/bin"},
        {"HOME", vm->home},
        {"USER", vm->user},
        {"LOGNAME", vm->user},
        {"SHELL", "/bin/bash"},
        {"LANG", "C.UTF-8"},
        {"TZ", "UTC"},
        {"TERM", "dumb"},
    };
    for (size_t i = 0; *rc == 0 && i < sizeof kv / sizeof kv[0]; i++)
        *rc = vk_setenv(s, kv[i][0], kv[i][1]);
}

static int session_create(vk_vm *vm)
{
    vk_proc *s;
    int rc = vk_proc_create(vm, NULL, &s);
    if (rc < 0) return rc;
    /* the session is the VM's: from here vk_vm_destroy frees it, whatever happens below */
    vm->session = s;
    s->state = PS_RUNNING;
    s->cwd = vk_strdup(s, vm->home);
    if (!s->cwd) return VOS_ENOMEM;
    session_env_defaults(vm, s, &rc);
    return rc;
}

int vk_vm_create(const vk_vm_config *cfg, vk_vm **out)
{
    *out = NULL;
    vk_vm *vm = cfg->alloc(cfg->alloc_ud, NULL, 0, sizeof *vm);
    if (!vm) return VOS_ENOMEM;
    memset(vm, 0, sizeof *vm);
    vm->alloc = cfg->alloc;
    vm->alloc_ud = cfg->alloc_ud;
    atomic_store(&vm->mem_used, sizeof *vm);
    vm->lim = cfg->lim;
    if (vm->lim.mem_bytes != UINT64_MAX) {
        /* a slice of the memory kept for the exec after a session filled the VM */
        uint64_t r = vm->lim.mem_bytes / 8;
        vm->mem_reserve = (size_t)(r > (8u << 20) ? (8u << 20) : r);
    }
    pthread_mutex_init(&vm->mu, NULL);
    pthread_mutex_init(&vm->errmu, NULL);
    pthread_mutex_init(&vm->appendmu, NULL);
    pthread_rwlock_init(&vm->mntlk, NULL);
    pthread_condattr_init(&vm->cattr);
    pthread_condattr_setclock(&vm->cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->procs_cv, &vm->cattr);
    vk_cpu_init(vm);
    vm->boot_ns = vos_host_now(NULL);
    vm->next_pid = 1;
    vm->next_dev = 1;
    vm->progs = cfg->progs;
    vm->trace = cfg->trace;
    vm->trace_ud = cfg->trace_ud;
    vm->ask = cfg->ask;
    vm->ask_ud = cfg->ask_ud;
    vm->ask_timeout_ms = cfg->ask_timeout_ms ? cfg->ask_timeout_ms : 30000;
    vm->audit = cfg->audit;
    vm->audit_ud = cfg->audit_ud;
    if (vk_net_init(vm, cfg) != 0) {
        cfg->alloc(cfg->alloc_ud, vm, sizeof *vm, 0);
        return VOS_ENOMEM;
    }
    if (getrandom(vm->rng, sizeof vm->rng, GRND_NONBLOCK) != (ssize_t)sizeof vm->rng) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        vm->rng[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uintptr_t)vm;
        vm->rng[1] = (uint64_t)ts.tv_sec + 1;
        vm->rng[2] = 0x1234567;
        vm->rng[3] = 0xfedcba9;
    }
    int rc = 0;
    const char *user = cfg->user ? cfg->user : "agent";
    if (strchr(user, '/') || strchr(user, ':') || strchr(user, '\n') || !*user ||
        strlen(user) > 32)
        rc = VOS_EINVAL;
    /* Linux's limit (HOST_NAME_MAX): an escalated program's jail could not take more */
    if (cfg->hostname && strlen(cfg->hostname) > 64) rc = VOS_EINVAL;
    if (rc == 0) {
        vm->hostname = vk_vm_strdup(vm, cfg->hostname ? cfg->hostname : "vos");
        vm->user = vk_vm_strdup(vm, user);
        char h[300];
        snprintf(h, sizeof h, strcmp(user, "root") == 0 ? "/root" : "/home/%s", user);
        vm->home = vk_vm_strdup(vm, h);
        if (!vm->hostname || !vm->user || !vm->home) rc = VOS_ENOMEM;
    }
    /* path rules, command lists and the policy's rules: one engine (policy.c) */
    if (rc == 0) rc = vk_policy_init(vm, cfg);
    if (rc == 0) vm->escalate = copy_list(vm, cfg->escalate, &rc);
    if (rc == 0 && cfg->escalate_image &&
        !(vm->escalate_image = vk_vm_strdup(vm, cfg->escalate_image)))
        rc = VOS_ENOMEM;
    vm->multicall_self = cfg->multicall_self;
    if (vm->multicall_self) {
        struct stat st;
        if (stat("/proc/self/exe", &st) == 0) {
            vm->self_dev = (uint64_t)st.st_dev;
            vm->self_ino = (uint64_t)st.st_ino;
            vm->self_known = true;
        }
    }
    if (rc == 0) {
        vm->booting = true;
        rc = build_base(vm);
        vm->booting = false;
    }
    if (rc == 0) rc = session_create(vm);
    if (rc < 0) {
        vk_vm_destroy(vm);
        /* the memory filesystem says ENOSPC when it cannot grow: for a VM being made, that
         * is memory */
        return rc == VOS_ENOSPC ? VOS_ENOMEM : rc;
    }
    vk_escalate_prepare(vm);
    *out = vm;
    return 0;
}

/* Kill every process but the session, and wait until none runs. */
static void kill_all(vk_vm *vm)
{
    VK_LOCK(vm);
    for (vk_proc *q = vm->procs; q; q = q->next) {
        if (q == vm->session) continue;
        int zero = 0;
        atomic_compare_exchange_strong(&q->fatal, &zero, VK_W_SIG(VOS_SIGKILL));
        if (q->ex) {
            int z2 = 0;
            atomic_compare_exchange_strong(&q->ex->abort, &z2, VOS_EINTERRUPTED);
        }
        vk_wake(q);
    }
    for (;;) {
        bool running = false;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q != vm->session && q->state == PS_RUNNING) {
                running = true;
                vk_wake(q);
            }
        if (!running) break;
        vk_timed_wait_ms(vm, 10);
    }
    VK_UNLOCK(vm);
}

void vk_vm_destroy(vk_vm *vm)
{
    if (!vm) return;
    vk_cpu_give(); /* the caller's thread may hold a token of some VM: threads need them */
    kill_all(vm);
    for (;;) {
        VK_LOCK(vm);
        vk_proc *q = vm->procs;
        while (q && q == vm->session) q = q->next;
        if (q) {
            vk_unlink_proc(vm, q);
            vm->nprocs--;
        }
        VK_UNLOCK(vm);
        if (!q) break;
        if (q->state == PS_EMBRYO) {
            vk_fds_close_all(q);
            vk_arena_free_all(q);
            vk_exec_unref(q->ex);
            q->ex = NULL;
        }
        if (q->has_thread) vk_proc_join(q);
        vk_proc_destroy(vm, q);
    }
    if (vm->session) {
        vk_proc *s = vm->session;
        vk_fds_close_all(s);
        vk_arena_free_all(s);
        VK_LOCK(vm); /* the watchdog may be walking the process list to wake an exec */
        vk_exec_unref(s->ex);
        s->ex = NULL;
        vm->procs = NULL;
        vm->session = NULL;
        VK_UNLOCK(vm);
        vk_proc_destroy(vm, s);
    }
    vk_dcache_drop(vm, NULL);
    vk_mounts_free(vm);
    /* an exec the watchdog is firing right now is freed when it lets go */
    while (atomic_load(&vm->nexecs) > 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    vk_policy_free(vm);
    vk_tools_free(vm);
    vk_net_free(vm);
    vk_escalate_vm_free(vm);
    free_list(vm, vm->escalate);
    if (vm->escalate_image) vk_vm_strfree(vm, vm->escalate_image);
    vk_vm_strfree(vm, vm->hostname);
    vk_vm_strfree(vm, vm->user);
    vk_vm_strfree(vm, vm->home);
    if (vm->errmsg) vk_vm_free(vm, vm->errmsg, VK_ERRMSG);
    pthread_cond_destroy(&vm->procs_cv);
    pthread_condattr_destroy(&vm->cattr);
    pthread_rwlock_destroy(&vm->mntlk);
    pthread_mutex_destroy(&vm->cpumu);
    pthread_mutex_destroy(&vm->appendmu);
    pthread_mutex_destroy(&vm->errmu);
    pthread_mutex_destroy(&vm->mu);
    vos_alloc_fn af = vm->alloc;
    void *ud = vm->alloc_ud;
    af(ud, vm, sizeof *vm, 0);
}

/* ---- mounts ---- */
static int mkdir_parents(vk_proc *p, const char *path, unsigned mode)
{
    char buf[VK_PATH_MAX];
    size_t l = strlen(path);
    if (l >= sizeof buf) return VOS_ENAMETOOLONG;
    memcpy(buf, path, l + 1);
    for (size_t i = 1; i <= l; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            struct vk_stat st;
            int rc = vk_stat(p, buf, &st);
            if (rc == VOS_ENOENT)
                rc = vk_mkdir(p, buf, mode);
            else if (rc == 0 && !VK_S_ISDIR(st.mode))
                rc = VOS_ENOTDIR;
            if (rc < 0 && rc != VOS_EEXIST) return rc;
            buf[i] = c;
        }
    }
    return 0;
}

int vk_mkdir_p(vk_vm *vm, const char *path, unsigned mode)
{
    vk_proc *s = vm->session;
    if (path[0] == '/') return mkdir_parents(s, path, mode);
    char buf[VK_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s/%s", vk_getcwd(s), path) >= (int)sizeof buf)
        return VOS_ENAMETOOLONG;
    return mkdir_parents(s, buf, mode);
}


int vk_mount(vk_vm *vm, const char *path, const vos_driver *d, const vos_mount_args *a,
             bool overlay, bool rdonly)
{
    vk_proc *s = vm->session;
    int rc = mkdir_parents(s, path, 0755);
    vk_path r;
    if (rc == 0) rc = vk_resolve(s, path, VK_RES_FOLLOW, &r);
    if (rc < 0) return rc;
    vk_path_done(&r);
    if (!VK_S_ISDIR(r.st.mode)) return VOS_ENOTDIR;
    vos_fs *fs = NULL;
    rc = d->mount(vk_host(vm), a, &fs);
    if (rc == 0 && (!fs || !fs->ops)) rc = VOS_EINVAL;
    if (rc == 0 && !fs->host) fs->host = vk_host(vm);
    if (rc == 0 && overlay) {
        vos_fs *lower = fs;
        rc = overlay_new(vk_host(vm), lower, &fs);
        if (rc < 0) lower->ops->unmount(lower);
    }
    if (rc < 0) return rc;
    rc = vk_mount_add(vm, r.abs, fs, VK_MNT_PLAIN, rdonly);
    if (rc < 0) fs->ops->unmount(fs);
    return rc;
}

/* ---- execs ---- */
vk_exec *vk_exec_new(vk_vm *vm, const vos_limits *over)
{
    vk_exec *ex = vk_vm_alloc(vm, sizeof *ex);
    if (!ex) return NULL;
    memset(ex, 0, sizeof *ex);
    atomic_store(&ex->refs, 1);
    ex->vm = vm;
    vk_limits_resolve(&ex->lim, over, &vm->lim);
    /* a deadline past what the clock can count is no deadline */
    int64_t now = vk_now_mono();
    if (ex->lim.time_ms == UINT64_MAX || ex->lim.time_ms > (uint64_t)(INT64_MAX - now) / 1000000)
        ex->deadline_ns = INT64_MAX;
    else
        ex->deadline_ns = now + (int64_t)ex->lim.time_ms * 1000000;
    /* the session's own state filled the VM: this exec may use the reserve, so the script
     * that frees it (unset...) can run */
    if (vm->lim.mem_bytes != UINT64_MAX &&
        atomic_load(&vm->mem_used) + vm->mem_reserve / 2 + 65536 > vm->lim.mem_bytes - vm->mem_reserve)
        ex->mem_reserve = true;
    atomic_fetch_add(&vm->nexecs, 1);
    vk_wd_arm(ex);
    return ex;
}

void vk_exec_wait_others(vk_vm *vm, vk_exec *ex, int ms)
{
    VK_LOCK(vm);
    int64_t until = vk_now_mono() + (int64_t)ms * 1000000;
    for (;;) {
        bool any = false;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q != vm->session && q->ex == ex && q->state == PS_RUNNING) {
                any = true;
                vk_wake(q);
            }
        if (!any || vk_now_mono() > until) break;
        vk_timed_wait_ms(vm, 5);
    }
    VK_UNLOCK(vm);
}

void vk_exec_errmsg(vk_vm *vm, vk_exec *ex, char *buf, size_t n)
{
    pthread_mutex_lock(&vm->errmu);
    snprintf(buf, n, "%s", ex->errmsg);
    pthread_mutex_unlock(&vm->errmu);
}

void vk_vm_errmsg_take(vk_vm *vm, char *buf, size_t n)
{
    pthread_mutex_lock(&vm->errmu);
    snprintf(buf, n, "%s", vm->errmsg ? vm->errmsg : "");
    if (vm->errmsg) vm->errmsg[0] = 0;
    pthread_mutex_unlock(&vm->errmu);
}

void vk_interrupt(vk_vm *vm)
{
    VK_LOCK(vm);
    if (vm->cur_exec) vk_exec_abort_locked(vm, vm->cur_exec, VOS_EINTERRUPTED);
    VK_UNLOCK(vm);
}

/* ---- sinks ---- */
vk_sink *vk_sink_new(vk_vm *vm, vk_exec *ex, void (*cb)(void *, const void *, size_t), void *ud)
{
    vk_sink *s = vk_vm_alloc(vm, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->refs = 1;
    s->ex = ex;
    s->cb = cb;
    s->ud = ud;
    vk_exec_ref(ex);
    return s;
}

void vk_sink_release(vk_vm *vm, vk_sink *s)
{
    if (!s) return;
    VK_LOCK(vm);
    vk_sink_unref(vm, s);
    VK_UNLOCK(vm);
}

char *vk_sink_close(vk_vm *vm, vk_sink *s, size_t *len)
{
    VK_LOCK(vm);
    size_t n = s->len;
    char *r = malloc(n + 1);
    if (r) {
        if (n) memcpy(r, s->data, n);
        r[n] = 0;
    }
    s->closed = true;
    VK_UNLOCK(vm);
    *len = r ? n : 0;
    return r;
}

/* Install a sink as fd (vm->mu held). */
static int set_sink_fd(vk_proc *p, int fd, vk_sink *s)
{
    vk_vm *vm = p->vm;
    vk_ofd *o = vk_ofd_new(vm, OFD_SINK, VK_O_WRONLY);
    if (!o) return VOS_ENOMEM;
    o->sink = s;
    s->refs++;
    int rc = vk_fd_set(p, fd, o, false);
    vk_ofd_unref(vm, o);
    return rc < 0 ? rc : 0;
}

/* ---- the session ---- */
vk_proc *vk_session(vk_vm *vm) { return vm->session; }

int vk_session_begin(vk_vm *vm, vk_exec *ex, const void *in, size_t inlen, vk_sink *out,
                     vk_sink *err)
{
    vk_proc *s = vm->session;
    vk_ofd *o = vk_ofd_new(vm, OFD_DATA, VK_O_RDONLY);
    if (o && inlen) {
        o->data = vk_vm_alloc(vm, inlen);
        if (!o->data) {
            vk_vm_free(vm, o, sizeof *o);
            o = NULL;
        } else {
            memcpy(o->data, in, inlen);
            o->data_len = inlen;
        }
    }
    VK_LOCK(vm);
    vk_exec_ref(ex);
    s->ex = ex;
    vm->cur_exec = ex;
    atomic_store(&s->fatal, 0);
    atomic_store(&s->sigpending, 0);
    int rc = o ? vk_fd_set(s, 0, o, false) : VOS_ENOMEM;
    if (o) vk_ofd_unref(vm, o);
    if (rc >= 0) rc = set_sink_fd(s, 1, out);
    if (rc >= 0) rc = set_sink_fd(s, 2, err);
    VK_UNLOCK(vm);
    if (rc >= 0 && !in) {
        /* no stdin at all: the VM's /dev/null (a character device, as a terminal-less agent's
         * harness gives; tools such as rg then search the directory instead of reading
         * stdin). The empty data stays when the VM has no /dev. */
        int fd = vk_open(s, "/dev/null", VK_O_RDONLY, 0);
        if (fd > 0) {
            vk_dup2(s, fd, 0);
            vk_close(s, fd);
        }
    }
    return rc < 0 ? rc : 0;
}

void vk_session_end(vk_vm *vm)
{
    vk_proc *s = vm->session;
    VK_LOCK(vm);
    vm->cur_exec = NULL;
    for (int fd = 0; fd < 3 && fd < s->nfds; fd++)
        if (s->fds[fd].ofd) {
            vk_ofd_unref(vm, s->fds[fd].ofd);
            s->fds[fd].ofd = NULL;
        }
    vk_exec *ex = s->ex;
    s->ex = NULL;
    atomic_store(&s->fatal, 0);
    VK_UNLOCK(vm);
    vk_exec_unref(ex);
}

int vk_session_fatal(vk_vm *vm) { return atomic_load(&vm->session->fatal); }

void vk_session_privileged(vk_vm *vm, bool on)
{
    if (vm->session) vm->session->privileged = on;
}

static _Thread_local vk_proc *host_prev;

void vk_host_call_begin(vk_vm *vm)
{
    host_prev = vk_current();
    vk_set_current(vm->session);
    vm->session->privileged = true;
}

void vk_host_call_end(vk_vm *vm)
{
    vm->session->privileged = false;
    vk_set_current(host_prev);
    host_prev = NULL;
    vk_cpu_give();
}

static void session_clear(vk_vm *vm)
{
    vk_proc *s = vm->session;
    vk_arena_free_all(s);
    s->cwd = vk_strdup(s, vm->home);
    s->env = NULL;
    s->nenv = 0;
    int rc = 0;
    session_env_defaults(vm, s, &rc);
}

void vk_session_reset(vk_vm *vm) { session_clear(vm); }

int vk_session_run(vk_vm *vm, int (*fn)(vk_proc *s, void *arg), void *arg, bool *gone)
{
    vk_proc *s = vm->session;
    vk_proc *prev = vk_current();
    *gone = false;
    vk_cpu_take(vm);
    vk_set_current(s);
    vk_cpu_start(s); /* the session runs on this host thread during the exec */
    jmp_buf jb;
    volatile int status = 0;
    s->exit_jb = &jb;
    if (setjmp(jb) == 0) {
        status = fn(s, arg);
    } else {
        /* the session replaced itself (exec) or exited through the kernel: it is gone; a new
         * one starts at the next exec, at home with the default environment */
        status = VK_WSHELL(s->exit_wstatus);
        *gone = true;
        session_clear(vm);
    }
    s->exit_jb = NULL;
    vk_cpu_stop(s);
    vk_set_current(prev);
    vk_cpu_give();
    return status;
}

/* ---- spawned processes ---- */
typedef struct spawn_arg {
    char *path;
    char **argv;
} spawn_arg;

static int spawn_entry(vk_proc *p, void *a)
{
    spawn_arg *sa = a;
    vk_execve(p, sa->path, sa->argv, NULL);
    return 127;
}

int vk_spawn(vk_vm *vm, vk_exec *ex, const char *path, char *const argv[],
             const vos_env_var *env, size_t n_env, const char *cwd, vk_sink *out, vk_sink *err,
             void **stdin_w)
{
    vk_proc *c = NULL;
    *stdin_w = NULL;
    int rc = vk_proc_create(vm, vm->session, &c);
    if (rc < 0) return rc;
    VK_LOCK(vm);
    vk_exec_unref(c->ex);
    c->ex = ex;
    vk_exec_ref(ex);
    c->ppid = 0;
    c->api_owned = true;
    rc = set_sink_fd(c, 1, out);
    if (rc == 0) rc = set_sink_fd(c, 2, err);
    VK_UNLOCK(vm);
    /* stdin: a pipe whose write end the host keeps */
    vk_pipebuf *pp = rc == 0 ? vk_pipebuf_new(vm) : NULL;
    if (rc == 0 && !pp) rc = VOS_ENOMEM;
    vk_ofd *rd = NULL, *wr = NULL;
    if (rc == 0) {
        rd = vk_ofd_new(vm, OFD_PIPE_R, VK_O_RDONLY);
        wr = vk_ofd_new(vm, OFD_PIPE_W, VK_O_WRONLY);
        VK_LOCK(vm);
        if (rd && wr) {
            rd->pipe = wr->pipe = pp;
            pp->readers = pp->writers = 1;
            rc = vk_fd_set(c, 0, rd, false);
            rc = rc < 0 ? rc : 0;
            vk_ofd_unref(vm, rd); /* the fd holds it now (or, on failure, it goes) */
            if (rc < 0) {
                vk_ofd_unref(vm, wr);
                wr = NULL;
            }
        } else {
            if (rd) vk_vm_free(vm, rd, sizeof *rd);
            if (wr) vk_vm_free(vm, wr, sizeof *wr);
            wr = NULL;
            pthread_cond_destroy(&pp->cv);
            vk_vm_free(vm, pp, sizeof *pp);
            rc = VOS_ENOMEM;
        }
        VK_UNLOCK(vm);
    }
    spawn_arg *sa = NULL;
    if (rc == 0) {
        int n = 0;
        while (argv[n]) n++;
        sa = vk_calloc(c, 1, sizeof *sa);
        if (sa) sa->argv = vk_calloc(c, (size_t)n + 1, sizeof(char *));
        if (sa) sa->path = vk_strdup(c, path);
        if (!sa || !sa->argv || !sa->path) rc = VOS_ENOMEM;
        for (int i = 0; rc == 0 && i < n; i++)
            if (!(sa->argv[i] = vk_strdup(c, argv[i]))) rc = VOS_ENOMEM;
        for (size_t i = 0; rc == 0 && i < n_env; i++)
            if (env[i].name) rc = vk_setenv(c, env[i].name, env[i].value);
        if (rc == 0 && cwd && vk_chdir(c, cwd) < 0) rc = VOS_ENOENT;
    }
    if (rc < 0) {
        if (wr) {
            VK_LOCK(vm);
            vk_ofd_unref(vm, wr);
            VK_UNLOCK(vm);
        }
        vk_proc_discard(c);
        return rc;
    }
    int pid = vk_proc_start(c, spawn_entry, sa);
    if (pid < 0) {
        VK_LOCK(vm);
        vk_ofd_unref(vm, wr);
        VK_UNLOCK(vm);
        return pid;
    }
    *stdin_w = wr;
    return pid;
}

int vk_stdin_write(vk_vm *vm, void *w, const void *data, size_t len)
{
    vk_ofd *o = w;
    if (!o) return VOS_EPIPE;
    VK_LOCK(vm);
    vk_pipebuf *pp = o->pipe;
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        if (pp->readers == 0) {
            rc = VOS_EPIPE;
            break;
        }
        if (pp->len == VK_PIPE_CAP) {
            pthread_cond_wait(&pp->cv, &vm->mu);
            continue;
        }
        done += vk_pipe_put(pp, (const char *)data + done, len - done);
        pthread_cond_broadcast(&pp->cv);
    }
    VK_UNLOCK(vm);
    return rc;
}

void vk_stdin_close(vk_vm *vm, void *w)
{
    if (!w) return;
    VK_LOCK(vm);
    vk_ofd_unref(vm, w);
    VK_UNLOCK(vm);
}

int vk_wait_spawned(vk_vm *vm, int pid, int64_t timeout_ms, int *wstatus)
{
    int64_t until = timeout_ms < 0 ? INT64_MAX : vk_now_mono() + timeout_ms * 1000000;
    VK_LOCK(vm);
    vk_proc *z = NULL;
    for (;;) {
        vk_proc *found = NULL;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q->pid == pid && q->api_owned) found = q;
        if (!found) break;
        if (found->state == PS_ZOMBIE) {
            z = found;
            vk_unlink_proc(vm, z);
            vm->nprocs--;
            break;
        }
        if (vk_now_mono() >= until) {
            VK_UNLOCK(vm);
            return VOS_ETIMEDOUT;
        }
        if (until == INT64_MAX) {
            pthread_cond_wait(&vm->procs_cv, &vm->mu);
        } else {
            struct timespec ts = {until / 1000000000, until % 1000000000};
            pthread_cond_timedwait(&vm->procs_cv, &vm->mu, &ts);
        }
    }
    VK_UNLOCK(vm);
    if (!z) return VOS_ESRCH;
    *wstatus = z->wstatus;
    if (z->has_thread) vk_proc_join(z);
    vk_proc_destroy(vm, z);
    return 0;
}

int vk_resolve_abs(vk_vm *vm, const char *path, bool follow, char *abs, size_t n,
                   bool *is_root_or_mount)
{
    vk_path r;
    int rc = vk_resolve(vm->session, path, follow ? VK_RES_FOLLOW : 0, &r);
    if (rc < 0) return rc;
    bool busy = strcmp(r.abs, "/") == 0 || r.mnt->len == strlen(r.abs);
    vk_path_done(&r);
    if (is_root_or_mount) *is_root_or_mount = busy;
    snprintf(abs, n, "%s", r.abs);
    return 0;
}
