/* vfs.c: the one place where the kernel calls a mount driver, and what drivers may call back.
 * Every driver call of the kernel goes through a vfs_* wrapper here: it runs without any VM
 * lock (asserted), counts the call for fault injection (vk_vfs_fault), gives the calling
 * process's CPU token back when the driver may block, times and traces it (vos_config.trace),
 * and fills the mount's dev into what the driver reports. Path resolution, policy and
 * permission checks happen before (path.c); quotas are charged by the drivers through
 * vos_host_charge. Also here: the mount table (pinned mounts), the driver registry, the
 * per-VM and library-wide budgets of host file descriptors, and vos_call / vos_host. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kernel/internal.h"

/* vos_dstat (drivers) and struct vk_stat (the kernel's system calls) are one layout */
_Static_assert(sizeof(vos_dstat) == sizeof(struct vk_stat), "vos_dstat layout");
_Static_assert(offsetof(vos_dstat, ino) == offsetof(struct vk_stat, ino), "vos_dstat layout");
_Static_assert(offsetof(vos_dstat, mode) == offsetof(struct vk_stat, mode), "vos_dstat layout");
_Static_assert(offsetof(vos_dstat, size) == offsetof(struct vk_stat, size), "vos_dstat layout");
_Static_assert(offsetof(vos_dstat, blksize) == offsetof(struct vk_stat, blksize),
               "vos_dstat layout");
_Static_assert(offsetof(vos_dstat, ctime_ns) == offsetof(struct vk_stat, ctime_ns),
               "vos_dstat layout");
_Static_assert(VOS_O_APPEND == VK_O_APPEND && VOS_O_DIRECTORY == VK_O_DIRECTORY &&
                   VOS_S_IFIFO == VK_S_IFIFO && VOS_DT_LNK == VK_DT_LNK &&
                   VOS_UTIME_OMIT == VK_UTIME_OMIT,
               "driver constants are the kernel's");

/* ---- the VM as drivers see it ---- */
vos_host *vk_host(vk_vm *vm) { return (vos_host *)vm; }
vk_vm *vk_host_vm(vos_host *h) { return (vk_vm *)h; }

void *vos_host_alloc(vos_host *h, size_t n) { return vk_vm_alloc(vk_host_vm(h), n); }
void *vos_host_realloc(vos_host *h, void *p, size_t old, size_t n)
{
    return vk_vm_realloc(vk_host_vm(h), p, old, n);
}
void vos_host_free(vos_host *h, void *p, size_t n) { vk_vm_free(vk_host_vm(h), p, n); }
unsigned vos_host_uid(vos_host *h)
{
    vk_vm *vm = vk_host_vm(h);
    return vm->booting ? 0 : vk_user_uid(vm->user);
}
unsigned vos_host_gid(vos_host *h) { return vos_host_uid(h); }

int64_t vos_host_now(vos_host *h)
{
    (void)h;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vos_host_errmsg(vos_host *h, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    vk_set_errmsg(vk_host_vm(h), "%s", buf);
}

/* Add delta to *counter unless it would pass limit (UINT64_MAX: none). */
static bool charge_atomic(_Atomic int64_t *counter, int64_t delta, uint64_t limit)
{
    int64_t cur = atomic_load(counter);
    for (;;) {
        int64_t next = cur + delta;
        if (delta > 0 && limit != UINT64_MAX && (next < cur || (uint64_t)next > limit))
            return false;
        if (atomic_compare_exchange_weak(counter, &cur, next)) return true;
    }
}

int vos_host_charge(vos_host *h, int64_t bytes, int64_t inodes)
{
    vk_vm *vm = vk_host_vm(h);
    if (!charge_atomic(&vm->fs_bytes, bytes, vm->lim.fs_bytes)) {
        vk_set_errmsg(vm, "filesystem size limit (%llu bytes) exceeded",
                      (unsigned long long)vm->lim.fs_bytes);
        return VOS_EFSBYTES;
    }
    if (!charge_atomic(&vm->fs_inodes, inodes, vm->lim.fs_inodes)) {
        charge_atomic(&vm->fs_bytes, -bytes, UINT64_MAX);
        vk_set_errmsg(vm, "filesystem inode limit (%llu) exceeded",
                      (unsigned long long)vm->lim.fs_inodes);
        return VOS_EFSINODES;
    }
    return 0;
}

void vos_host_quota(vos_host *h, uint64_t *bytes_max, uint64_t *bytes_used, uint64_t *inodes_max,
                    uint64_t *inodes_used)
{
    vk_vm *vm = vk_host_vm(h);
    if (bytes_max) *bytes_max = vm->lim.fs_bytes;
    if (inodes_max) *inodes_max = vm->lim.fs_inodes;
    if (bytes_used) *bytes_used = (uint64_t)atomic_load(&vm->fs_bytes);
    if (inodes_used) *inodes_used = (uint64_t)atomic_load(&vm->fs_inodes);
}

/* Host fds: each VM has its own budget (limits.host_fds), and all VMs together may hold what
 * the process's RLIMIT_NOFILE leaves after a quarter (at least 64) kept for the host itself,
 * so no VM can make the host's own open() or another VM's fail. */
static _Atomic int g_fds_used;
static int g_fds_max;
static pthread_once_t g_fds_once = PTHREAD_ONCE_INIT;

static void fds_init(void)
{
    struct rlimit rl;
    long lim = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        lim = (long)(rl.rlim_cur > 1 << 24 ? 1 << 24 : rl.rlim_cur);
    else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        lim = 1 << 20;
    long keep = lim / 4 > 64 ? lim / 4 : 64;
    g_fds_max = lim > keep ? (int)(lim - keep) : 0;
}

int vos_host_fds(vos_host *h, int n)
{
    vk_vm *vm = vk_host_vm(h);
    pthread_once(&g_fds_once, fds_init);
    if (n <= 0) {
        atomic_fetch_add(&vm->host_fds, n);
        atomic_fetch_add(&g_fds_used, n);
        return 0;
    }
    int cur = atomic_load(&vm->host_fds);
    do {
        if ((uint64_t)(cur + n) > vm->lim.host_fds) {
            vk_set_errmsg(vm, "host file descriptor limit of the VM (%llu) reached",
                          (unsigned long long)vm->lim.host_fds);
            return VOS_EMFILE;
        }
    } while (!atomic_compare_exchange_weak(&vm->host_fds, &cur, cur + n));
    int g = atomic_load(&g_fds_used);
    do {
        if (g + n > g_fds_max) {
            atomic_fetch_sub(&vm->host_fds, n);
            vk_set_errmsg(vm, "the host file descriptors vos may use (%d) are all in use",
                          g_fds_max);
            return VOS_ENFILE;
        }
    } while (!atomic_compare_exchange_weak(&g_fds_used, &g, g + n));
    return 0;
}

/* ---- the call context ---- */
int vos_call_check(const vos_call *c)
{
    if (!c || !c->p) return 0;
    vk_proc *p = c->p;
    if (atomic_load(&p->fatal)) return VOS_EINTERRUPTED;
    vk_exec *ex = c->ex;
    if (!ex) return 0;
    int a = atomic_load(&ex->abort);
    if (a) return a;
    if (ex->deadline_ns != INT64_MAX && vk_now_mono() >= ex->deadline_ns) {
        vk_exec_abort(p->vm, ex, VOS_ETIME);
        return VOS_ETIME;
    }
    return 0;
}

int vos_call_sleep(const vos_call *c, int64_t ns)
{
    if (!c || !c->p) {
        struct timespec ts = {ns / 1000000000, ns % 1000000000};
        if (ns > 0) nanosleep(&ts, NULL);
        return 0;
    }
    int64_t until = vk_now_mono() + (ns > 0 ? ns : 0);
    for (;;) {
        int rc = vos_call_check(c);
        if (rc < 0) return rc;
        int64_t left = until - vk_now_mono();
        if (left <= 0) return 0;
        rc = vk_sleep_ns(c->p, left);
        if (rc < 0 && rc != VOS_EINTR) return rc; /* a caught signal does not cut a driver call */
    }
}

int64_t vos_call_deadline(const vos_call *c)
{
    return c && c->ex ? c->ex->deadline_ns : INT64_MAX;
}

/* ---- the driver registry ---- */
#define MAX_DRIVERS 64
static pthread_mutex_t g_drv_mu = PTHREAD_MUTEX_INITIALIZER;
static const vos_driver *g_drivers[MAX_DRIVERS];
static int g_ndrivers;

static bool driver_ok(const vos_driver *d)
{
    return d && d->struct_size >= offsetof(vos_driver, mount) + sizeof d->mount &&
           d->version == VOS_DRIVER_VERSION && d->name && *d->name && d->mount;
}

int vos_driver_register(const vos_driver *d)
{
    if (!driver_ok(d)) return VOS_EINVAL;
    pthread_mutex_lock(&g_drv_mu);
    int rc = 0;
    if (strcmp(d->name, vk_memfs_driver.name) == 0 || strcmp(d->name, vk_hostfs_driver.name) == 0)
        rc = VOS_EEXIST;
    for (int i = 0; rc == 0 && i < g_ndrivers; i++)
        if (strcmp(g_drivers[i]->name, d->name) == 0) rc = VOS_EEXIST;
    if (rc == 0 && g_ndrivers == MAX_DRIVERS) rc = VOS_ENOMEM;
    if (rc == 0) g_drivers[g_ndrivers++] = d;
    pthread_mutex_unlock(&g_drv_mu);
    return rc;
}

int vk_driver_find(const char *name, const vos_driver **out)
{
    if (strcmp(name, vk_memfs_driver.name) == 0) {
        *out = &vk_memfs_driver;
        return 0;
    }
    if (strcmp(name, vk_hostfs_driver.name) == 0) {
        *out = &vk_hostfs_driver;
        return 0;
    }
    pthread_mutex_lock(&g_drv_mu);
    int rc = VOS_EINVAL;
    for (int i = 0; i < g_ndrivers; i++)
        if (strcmp(g_drivers[i]->name, name) == 0) {
            *out = g_drivers[i];
            rc = 0;
        }
    pthread_mutex_unlock(&g_drv_mu);
    return rc;
}

/* A driver's tables must be of a version we know and big enough for what we read. */
static int fs_check(vk_vm *vm, const vos_fs *fs)
{
    const vos_fs_ops *o = fs ? fs->ops : NULL;
    if (!o || o->version != VOS_DRIVER_VERSION ||
        o->struct_size < offsetof(vos_fs_ops, lstat) + sizeof o->lstat || !o->lstat) {
        vk_set_errmsg(vm, "the driver's tables are not of version %d", VOS_DRIVER_VERSION);
        return VOS_EINVAL;
    }
    return 0;
}

/* A method of a driver table, or NULL when the table (as the driver was built) has none. */
#define FS_OP(m, name)                                                                             \
    ((m)->fs->ops->struct_size >= offsetof(vos_fs_ops, name) + sizeof(void *)                     \
         ? (m)->fs->ops->name                                                                      \
         : NULL)
#define FILE_OP(f, name)                                                                           \
    ((f)->ops->struct_size >= offsetof(vos_file_ops, name) + sizeof(void *) ? (f)->ops->name : NULL)

/* ---- the mount table ---- */
vk_mnt *vk_mnt_get(vk_vm *vm, const char *abs)
{
    pthread_rwlock_rdlock(&vm->mntlk);
    vk_mnt *found = NULL;
    for (vk_mnt *m = vm->mounts; m; m = m->next) {
        if (m->len == 1 ||
            (strncmp(abs, m->path, m->len) == 0 && (abs[m->len] == 0 || abs[m->len] == '/'))) {
            found = m;
            break;
        }
    }
    if (found) atomic_fetch_add(&found->busy, 1);
    pthread_rwlock_unlock(&vm->mntlk);
    return found;
}

void vk_mnt_put(vk_mnt *m)
{
    if (m) atomic_fetch_sub(&m->busy, 1);
}

const char *vk_mnt_rel(const vk_mnt *m, const char *abs)
{
    if (m->len == 1) return abs + 1;
    return abs[m->len] == '/' ? abs + m->len + 1 : abs + m->len;
}

bool vk_is_mountpoint(vk_vm *vm, const char *abs)
{
    pthread_rwlock_rdlock(&vm->mntlk);
    bool r = false;
    for (vk_mnt *m = vm->mounts; m && !r; m = m->next)
        if (strcmp(m->path, abs) == 0) r = true;
    pthread_rwlock_unlock(&vm->mntlk);
    return r;
}

int vk_mount_add(vk_vm *vm, const char *abs, vos_fs *fs, int kind, bool rdonly)
{
    int rc = fs_check(vm, fs);
    if (rc < 0) return rc;
    vk_mnt *n = vk_vm_alloc(vm, sizeof *n);
    if (!n) return VOS_ENOMEM;
    memset(n, 0, sizeof *n);
    n->path = vk_vm_strdup(vm, abs);
    if (!n->path) {
        vk_vm_free(vm, n, sizeof *n);
        return VOS_ENOMEM;
    }
    n->len = strlen(abs);
    n->fs = fs;
    n->kind = kind;
    n->rdonly = rdonly || (fs->flags & VOS_FS_RDONLY);
    atomic_fetch_add(&vm->fs_gen, 1);
    vk_dcache_invalidate(vm); /* paths under abs now lead into the new mount */
    pthread_rwlock_wrlock(&vm->mntlk);
    for (vk_mnt *m = vm->mounts; m; m = m->next)
        if (strcmp(m->path, abs) == 0) rc = VOS_EBUSY;
    if (rc == 0) {
        n->dev = vm->next_dev++;
        vk_mnt **pp = &vm->mounts;
        while (*pp && (*pp)->len >= n->len) pp = &(*pp)->next;
        n->next = *pp;
        *pp = n;
    }
    pthread_rwlock_unlock(&vm->mntlk);
    if (rc < 0) {
        vk_vm_strfree(vm, n->path);
        vk_vm_free(vm, n, sizeof *n);
    }
    return rc;
}

static void mnt_free(vk_vm *vm, vk_mnt *m)
{
    if (m->fs->ops->unmount) m->fs->ops->unmount(m->fs);
    vk_vm_strfree(vm, m->path);
    vk_vm_free(vm, m, sizeof *m);
}

/* Innermost (longest) first, which is the list's order. Nothing may use them any more. */
void vk_mounts_free(vk_vm *vm)
{
    vk_mnt *m = vm->mounts;
    vm->mounts = NULL;
    while (m) {
        vk_mnt *n = m->next;
        mnt_free(vm, m);
        m = n;
    }
}

int vk_umount(vk_vm *vm, const char *path)
{
    /* the directory cache holds directories open: let go of them first */
    vk_mnt *pin = vk_mnt_get(vm, path);
    if (pin) {
        vk_dcache_drop(vm, pin);
        vk_mnt_put(pin);
    }
    atomic_fetch_add(&vm->fs_gen, 1);
    vk_dcache_invalidate(vm);
    pthread_rwlock_wrlock(&vm->mntlk);
    vk_mnt **pp = &vm->mounts, *m = NULL;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->path, path) == 0) {
            m = *pp;
            break;
        }
    int rc = 0;
    if (!m)
        rc = VOS_EINVAL;
    else if (m->kind != VK_MNT_PLAIN || m->len == 1 || atomic_load(&m->nopen) > 0 ||
             atomic_load(&m->busy) > 0)
        rc = VOS_EBUSY;
    else
        *pp = m->next;
    pthread_rwlock_unlock(&vm->mntlk);
    if (rc == 0) mnt_free(vm, m);
    return rc;
}

/* ---- the calls ---- */
typedef struct vcall {
    vos_call c;
    vk_vm *vm;
    vk_mnt *m;
    const char *op, *path;
    int64_t t0;
} vcall;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Is this call the one a test asked to fail? */
static bool fault_due(vk_vm *vm)
{
    long n = atomic_load(&vm->fault_nth);
    while (n > 0) {
        if (atomic_compare_exchange_weak(&vm->fault_nth, &n, n - 1)) return n == 1;
    }
    return false;
}

void vk_vfs_fault(vk_vm *vm, long nth, int code)
{
    vm->fault_code = code ? code : VOS_EIO;
    atomic_store(&vm->fault_nth, nth > 0 ? nth : 0);
}

static int begin(vcall *v, vk_proc *p, vk_mnt *m, const char *op, const char *path)
{
    assert(!vk_lock_held()); /* no VM lock across a driver call */
    v->c.p = p;
    v->c.ex = p ? p->ex : NULL;
    v->vm = vk_host_vm(m->fs->host);
    v->m = m;
    v->op = op;
    v->path = path;
    if (fault_due(v->vm)) {
        vk_set_errmsg(v->vm, "injected fault in the driver's %s", op);
        return v->vm->fault_code;
    }
    if (v->vm->trace) v->t0 = now_ns();
    if (p && !(m->fs->flags & VOS_FS_NOBLOCK)) vk_cpu_give(); /* taken back at the next call */
    return 0;
}

static int64_t end(vcall *v, int64_t rc)
{
    vk_vm *vm = v->vm;
    if (vm->trace) {
        vos_trace_event ev = {sizeof ev, v->op, v->m->path, v->path ? v->path : "", rc,
                              now_ns() - v->t0};
        vm->trace(vm->trace_ud, &ev);
    }
    return rc;
}

#define CALL(p, m, opname, path, method, ...)                                                      \
    do {                                                                                           \
        vcall v_;                                                                                  \
        int b_ = begin(&v_, (p), (m), opname, (path));                                             \
        if (b_ < 0) return b_;                                                                     \
        return end(&v_, (method)((m)->fs, &v_.c, __VA_ARGS__));                                   \
    } while (0)

/* A call that may change the VM's files: escalation's export skips its walk while the count
 * has not moved (escalate.c), and needs to know which of the moves were its own import's. */
static void wrote(vk_proc *p, vk_mnt *m)
{
    /* devices, /proc and the command directory are never exported: a `>/dev/null` is no
     * change to the VM's files */
    const char *drv = m->fs->ops->name;
    if (!strcmp(drv, "devfs") || !strcmp(drv, "proc") || !strcmp(drv, "vosbin")) return;
    atomic_fetch_add(&vk_host_vm(m->fs->host)->fs_gen, 1);
    if (p) p->fs_writes++;
}

int vfs_lstat(vk_proc *p, vk_mnt *m, const char *rel, struct vk_stat *st)
{
    vcall v;
    int rc = begin(&v, p, m, "lstat", rel);
    if (rc < 0) return rc;
    vos_dstat d;
    rc = (int)end(&v, m->fs->ops->lstat(m->fs, &v.c, rel, &d));
    if (rc == 0) {
        d.dev = m->dev;
        memcpy(st, &d, sizeof *st);
    }
    return rc;
}

int vfs_open(vk_proc *p, vk_mnt *m, const char *rel, int flags, unsigned mode, vos_file **out)
{
    int (*fn)(vos_fs *, vos_call *, const char *, int, unsigned, vos_file **) = FS_OP(m, open);
    if (!fn) return VOS_ENOTSUP;
    if (flags & (VK_O_ACCMODE | VK_O_CREAT | VK_O_TRUNC)) wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "open", rel);
    if (rc < 0) return rc;
    rc = (int)end(&v, fn(m->fs, &v.c, rel, flags, mode, out));
    if (rc == 0) {
        (*out)->fs = m->fs;
        atomic_fetch_add(&m->nopen, 1);
    }
    return rc;
}

int vfs_mkdir(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode)
{
    int (*fn)(vos_fs *, vos_call *, const char *, unsigned) = FS_OP(m, mkdir);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "mkdir", rel, fn, rel, mode);
}

bool vfs_has_fifos(vk_mnt *m) { return FS_OP(m, mknod) != NULL; }

int vfs_mknod(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode)
{
    int (*fn)(vos_fs *, vos_call *, const char *, unsigned) = FS_OP(m, mknod);
    if (!fn) return VOS_EPERM;
    wrote(p, m);
    CALL(p, m, "mknod", rel, fn, rel, mode);
}

int vfs_rmdir(vk_proc *p, vk_mnt *m, const char *rel)
{
    int (*fn)(vos_fs *, vos_call *, const char *) = FS_OP(m, rmdir);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "rmdir", rel, fn, rel);
}

int vfs_unlink(vk_proc *p, vk_mnt *m, const char *rel)
{
    int (*fn)(vos_fs *, vos_call *, const char *) = FS_OP(m, unlink);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "unlink", rel, fn, rel);
}

int vfs_rename(vk_proc *p, vk_mnt *m, const char *from, const char *to)
{
    int (*fn)(vos_fs *, vos_call *, const char *, const char *) = FS_OP(m, rename);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "rename", from, fn, from, to);
}

int vfs_link(vk_proc *p, vk_mnt *m, const char *from, const char *to)
{
    int (*fn)(vos_fs *, vos_call *, const char *, const char *) = FS_OP(m, link);
    if (!fn) return VOS_EPERM;
    wrote(p, m);
    CALL(p, m, "link", to, fn, from, to);
}

int vfs_symlink(vk_proc *p, vk_mnt *m, const char *target, const char *rel)
{
    int (*fn)(vos_fs *, vos_call *, const char *, const char *) = FS_OP(m, symlink);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "symlink", rel, fn, target, rel);
}

ssize_t vfs_readlink(vk_proc *p, vk_mnt *m, const char *rel, char *buf, size_t n)
{
    ssize_t (*fn)(vos_fs *, vos_call *, const char *, char *, size_t) = FS_OP(m, readlink);
    if (!fn) return VOS_EINVAL;
    CALL(p, m, "readlink", rel, fn, rel, buf, n);
}

int vfs_chmod(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode)
{
    int (*fn)(vos_fs *, vos_call *, const char *, unsigned) = FS_OP(m, chmod);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "chmod", rel, fn, rel, mode);
}

int vfs_utimens(vk_proc *p, vk_mnt *m, const char *rel, const int64_t times[2])
{
    int (*fn)(vos_fs *, vos_call *, const char *, const int64_t *) = FS_OP(m, utimens);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "utimens", rel, fn, rel, times);
}

int vfs_truncate(vk_proc *p, vk_mnt *m, const char *rel, uint64_t len)
{
    int (*fn)(vos_fs *, vos_call *, const char *, uint64_t) = FS_OP(m, truncate);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    CALL(p, m, "truncate", rel, fn, rel, len);
}

int vfs_readdir(vk_proc *p, vk_mnt *m, const char *rel, vos_dir_fn fn_cb, void *ctx)
{
    int (*fn)(vos_fs *, vos_call *, const char *, vos_dir_fn, void *) = FS_OP(m, readdir);
    if (!fn) return VOS_ENOTSUP;
    CALL(p, m, "readdir", rel, fn, rel, fn_cb, ctx);
}

int vfs_statfs(vk_proc *p, vk_mnt *m, vos_statfs *st)
{
    int (*fn)(vos_fs *, vos_call *, vos_statfs *) = FS_OP(m, statfs);
    memset(st, 0, sizeof *st);
    if (!fn) {
        /* a driver without statfs: a filesystem of unknown size, like Linux's pseudo ones */
        st->bsize = 4096;
        st->namemax = VK_NAME_MAX;
        return 0;
    }
    CALL(p, m, "statfs", "", fn, st);
}

int vfs_ctl(vk_proc *p, vk_mnt *m, int op, void *arg)
{
    int (*fn)(vos_fs *, vos_call *, int, void *) = FS_OP(m, ctl);
    if (!fn) return VOS_ENOTSUP;
    CALL(p, m, "ctl", "", fn, op, arg);
}

ssize_t vfs_pread(vk_proc *p, vk_mnt *m, vos_file *f, void *buf, size_t n, uint64_t off)
{
    ssize_t (*fn)(vos_file *, vos_call *, void *, size_t, uint64_t) = FILE_OP(f, pread);
    if (!fn) return VOS_EINVAL;
    vcall v;
    int rc = begin(&v, p, m, "pread", NULL);
    if (rc < 0) return rc;
    return end(&v, fn(f, &v.c, buf, n, off));
}

ssize_t vfs_pwrite(vk_proc *p, vk_mnt *m, vos_file *f, const void *buf, size_t n, uint64_t off)
{
    ssize_t (*fn)(vos_file *, vos_call *, const void *, size_t, uint64_t) = FILE_OP(f, pwrite);
    if (!fn) return VOS_EBADF;
    wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "pwrite", NULL);
    if (rc < 0) return rc;
    return end(&v, fn(f, &v.c, buf, n, off));
}

ssize_t vfs_append(vk_proc *p, vk_mnt *m, vos_file *f, const void *buf, size_t n,
                   uint64_t *endpos)
{
    ssize_t (*fn)(vos_file *, vos_call *, const void *, size_t, uint64_t *) = FILE_OP(f, append);
    if (!fn) return VOS_ENOTSUP; /* the caller emulates it */
    wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "append", NULL);
    if (rc < 0) return rc;
    return end(&v, fn(f, &v.c, buf, n, endpos));
}

int vfs_fstat(vk_proc *p, vk_mnt *m, vos_file *f, struct vk_stat *st)
{
    int (*fn)(vos_file *, vos_call *, vos_dstat *) = FILE_OP(f, fstat);
    if (!fn) return VOS_ENOTSUP;
    vcall v;
    int rc = begin(&v, p, m, "fstat", NULL);
    if (rc < 0) return rc;
    vos_dstat d;
    rc = (int)end(&v, fn(f, &v.c, &d));
    if (rc == 0) {
        d.dev = m->dev;
        memcpy(st, &d, sizeof *st);
    }
    return rc;
}

int vfs_ftruncate(vk_proc *p, vk_mnt *m, vos_file *f, uint64_t len)
{
    int (*fn)(vos_file *, vos_call *, uint64_t) = FILE_OP(f, ftruncate);
    if (!fn) return VOS_EROFS;
    wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "ftruncate", NULL);
    if (rc < 0) return rc;
    return (int)end(&v, fn(f, &v.c, len));
}

int vfs_fsync(vk_proc *p, vk_mnt *m, vos_file *f, int datasync)
{
    int (*fn)(vos_file *, vos_call *, int) = FILE_OP(f, fsync);
    if (!fn) return 0; /* nothing to make durable */
    vcall v;
    int rc = begin(&v, p, m, "fsync", NULL);
    if (rc < 0) return rc;
    return (int)end(&v, fn(f, &v.c, datasync));
}

ssize_t vfs_copy_range(vk_proc *p, vk_mnt *m, vos_file *f, uint64_t off, vos_file *out,
                       uint64_t out_off, size_t n)
{
    ssize_t (*fn)(vos_file *, vos_call *, uint64_t, vos_file *, uint64_t, size_t) =
        FILE_OP(f, copy_range);
    if (!fn || f->ops != out->ops) return VOS_EXDEV;
    wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "copy_range", NULL);
    if (rc < 0) return rc;
    return end(&v, fn(f, &v.c, off, out, out_off, n));
}

bool vfs_has_at(vos_file *dir)
{
    return FILE_OP(dir, lstatat) && FILE_OP(dir, unlinkat) && FILE_OP(dir, openat);
}

int vfs_lstatat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, struct vk_stat *st)
{
    int (*fn)(vos_file *, vos_call *, const char *, vos_dstat *) = FILE_OP(dir, lstatat);
    if (!fn) return VOS_ENOTSUP;
    vcall v;
    int rc = begin(&v, p, m, "lstatat", name);
    if (rc < 0) return rc;
    vos_dstat d;
    rc = (int)end(&v, fn(dir, &v.c, name, &d));
    if (rc == 0) {
        d.dev = m->dev;
        memcpy(st, &d, sizeof *st);
    }
    return rc;
}

int vfs_unlinkat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, bool is_dir)
{
    int (*fn)(vos_file *, vos_call *, const char *, int) = FILE_OP(dir, unlinkat);
    if (!fn) return VOS_ENOTSUP;
    wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "unlinkat", name);
    if (rc < 0) return rc;
    return (int)end(&v, fn(dir, &v.c, name, is_dir));
}

int vfs_openat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, int flags, unsigned mode,
               vos_file **out)
{
    int (*fn)(vos_file *, vos_call *, const char *, int, unsigned, vos_file **) =
        FILE_OP(dir, openat);
    if (!fn) return VOS_ENOTSUP;
    if (flags & (VK_O_ACCMODE | VK_O_CREAT | VK_O_TRUNC)) wrote(p, m);
    vcall v;
    int rc = begin(&v, p, m, "openat", name);
    if (rc < 0) return rc;
    rc = (int)end(&v, fn(dir, &v.c, name, flags, mode, out));
    if (rc == 0) {
        (*out)->fs = m->fs;
        atomic_fetch_add(&m->nopen, 1);
    }
    return rc;
}

/* Closes and frees f whatever happens (an injected fault is reported after the close). */
int vfs_close(vk_proc *p, vk_mnt *m, vos_file *f)
{
    vcall v;
    int injected = begin(&v, p, m, "close", NULL);
    int rc = f->ops->close(f, &v.c);
    if (injected < 0) rc = injected;
    else rc = (int)end(&v, rc);
    atomic_fetch_sub(&m->nopen, 1);
    return rc;
}
