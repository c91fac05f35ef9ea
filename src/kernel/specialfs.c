/* specialfs.c: the kernel's own small filesystems, as ordinary mount drivers: /dev (null,
 * zero, full, random, urandom, and stdin/stdout/stderr/fd as links into /proc/self/fd),
 * /proc (self, PID/{fd,cwd,status,cmdline}, cpuinfo, meminfo, uptime, version, mounts), and
 * /usr/bin (every command vos has, as an executable entry; /bin links to it).
 * They are called without any lock, like every driver, and take the VM's lock themselves to
 * read kernel state (the process table, fd tables, mounts). */
#include <stdio.h>
#include <string.h>

#include "kernel/escalate.h"
#include "kernel/internal.h"

/* A read-only file whose content is a byte snapshot (procfs) or a device. */
enum { DEV_NONE, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM };
typedef struct sfile {
    vos_file base;
    int dev;
    char *data;
    size_t len;
    vos_dstat st;
} sfile;

static ssize_t s_pread(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off)
{
    sfile *s = (sfile *)f;
    vk_vm *vm = vk_host_vm(f->fs->host);
    switch (s->dev) {
    case DEV_NULL: return 0;
    case DEV_ZERO:
    case DEV_FULL: memset(buf, 0, n); return (ssize_t)n;
    case DEV_RANDOM: {
        uint64_t *st = vm->rng;
        for (size_t i = 0; i < n; i += 8) {
            /* splitmix step over the VM's state: not for cryptography */
            uint64_t z = (st[0] += 0x9e3779b97f4a7c15ull);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            z ^= z >> 31;
            size_t k = n - i < 8 ? n - i : 8;
            memcpy((char *)buf + i, &z, k);
        }
        return (ssize_t)n;
    }
    default:
        if (off >= s->len) return 0;
        if (n > s->len - off) n = (size_t)(s->len - off);
        memcpy(buf, s->data + off, n);
        return (ssize_t)n;
    }
}

static ssize_t s_pwrite(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t off)
{
    (void)buf;
    (void)off;
    sfile *s = (sfile *)f;
    if (s->dev == DEV_FULL) return VOS_ENOSPC;
    if (s->dev == DEV_NONE) return VOS_EACCES;
    return (ssize_t)n;
}

static int s_fstat(vos_file *f, vos_call *c, vos_dstat *st)
{
    *st = ((sfile *)f)->st;
    return 0;
}

static int s_ftruncate(vos_file *f, vos_call *c, uint64_t len)
{
    (void)len;
    return ((sfile *)f)->dev == DEV_NONE ? VOS_EACCES : 0;
}

static int s_close(vos_file *f, vos_call *c)
{
    sfile *s = (sfile *)f;
    vk_vm *vm = vk_host_vm(f->fs->host);
    if (s->data) vk_vm_free(vm, s->data, s->len ? s->len : 1);
    vk_vm_free(vm, s, sizeof *s);
    return 0;
}

static const vos_file_ops sfile_ops = {
    .struct_size = sizeof(vos_file_ops),
    .pread = s_pread,
    .pwrite = s_pwrite,
    .fstat = s_fstat,
    .ftruncate = s_ftruncate,
    .close = s_close,
};

static void base_stat(vos_fs *m, vos_dstat *st, uint32_t mode, uint64_t ino)
{
    memset(st, 0, sizeof *st);
    st->ino = ino;
    st->mode = mode;
    st->nlink = VK_S_ISDIR(mode) ? 2 : 1;
    st->blksize = 4096;
    int64_t t = vk_host_vm(m->host)->boot_ns;
    st->atime_ns = st->mtime_ns = st->ctime_ns = t;
    if (!VK_S_ISCHR(mode) && !(mode & 0002)) {
        st->uid = 0;
        st->gid = 0;
    }
}

static int new_sfile(vos_fs *m, int dev, char *data, size_t len, const vos_dstat *st,
                     vos_file **out)
{
    sfile *s = vk_vm_alloc(vk_host_vm(m->host), sizeof *s);
    if (!s) {
        if (data) vk_vm_free(vk_host_vm(m->host), data, len ? len : 1);
        return VOS_ENOMEM;
    }
    memset(s, 0, sizeof *s);
    s->base.ops = &sfile_ops;
    s->base.fs = m;
    s->dev = dev;
    s->data = data;
    s->len = len;
    s->st = *st;
    s->st.size = len;
    *out = &s->base;
    return 0;
}

/* ================= /dev ================= */
static const struct devent {
    const char *name;
    int dev;
    const char *link;
    unsigned rdev;
} devents[] = {
    {"null", DEV_NULL, NULL, 0x103},   {"zero", DEV_ZERO, NULL, 0x105},
    {"full", DEV_FULL, NULL, 0x107},   {"random", DEV_RANDOM, NULL, 0x108},
    {"urandom", DEV_RANDOM, NULL, 0x109},
    {"stdin", 0, "/proc/self/fd/0", 0}, {"stdout", 0, "/proc/self/fd/1", 0},
    {"stderr", 0, "/proc/self/fd/2", 0}, {"fd", 0, "/proc/self/fd", 0},
};
#define NDEV (sizeof devents / sizeof devents[0])

static const struct devent *dev_find(const char *rel)
{
    for (size_t i = 0; i < NDEV; i++)
        if (strcmp(devents[i].name, rel) == 0) return &devents[i];
    return NULL;
}

static int d_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    if (!*rel) {
        base_stat(m, st, VK_S_IFDIR | 0755, 1);
        return 0;
    }
    const struct devent *d = dev_find(rel);
    if (!d) return strchr(rel, '/') ? VOS_ENOTDIR : VOS_ENOENT;
    size_t i = (size_t)(d - devents);
    if (d->link) {
        base_stat(m, st, VK_S_IFLNK | 0777, 2 + i);
        st->size = strlen(d->link);
    } else {
        base_stat(m, st, VK_S_IFCHR | 0666, 2 + i);
        st->rdev = d->rdev;
    }
    return 0;
}

static int d_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                  vos_file **out)
{
    (void)mode;
    vos_dstat st;
    int rc = d_lstat(m, c, rel, &st);
    if (rc < 0) return (flags & VK_O_CREAT) && rc == VOS_ENOENT ? VOS_EACCES : rc;
    if (VK_S_ISLNK(st.mode)) return VOS_ELOOP;
    if (VK_S_ISDIR(st.mode)) {
        if ((flags & VK_O_ACCMODE) != VK_O_RDONLY) return VOS_EISDIR;
        return new_sfile(m, DEV_NONE, NULL, 0, &st, out);
    }
    return new_sfile(m, dev_find(rel)->dev, NULL, 0, &st, out);
}

static ssize_t d_readlink(vos_fs *m, vos_call *c, const char *rel, char *buf, size_t n)
{
    (void)m;
    const struct devent *d = dev_find(rel);
    if (!d || !d->link) return d ? VOS_EINVAL : VOS_ENOENT;
    size_t l = strlen(d->link);
    if (l > n) l = n;
    memcpy(buf, d->link, l);
    return (ssize_t)l;
}

static int d_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    (void)m;
    if (*rel) return VOS_ENOTDIR;
    for (size_t i = 0; i < NDEV; i++)
        if (cb(ctx, devents[i].name, 2 + i, devents[i].link ? VK_DT_LNK : VK_DT_CHR, NULL)) break;
    return 0;
}

static int d_utimens(vos_fs *m, vos_call *c, const char *rel, const int64_t t[2])
{
    (void)t;
    vos_dstat st;
    return d_lstat(m, c, rel, &st); /* touch /dev/null succeeds, changing nothing */
}

static void s_destroy(vos_fs *m) { vk_vm_free(vk_host_vm(m->host), m, sizeof *m); }

static const vos_fs_ops devfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "devfs",
    .lstat = d_lstat,
    .open = d_open,
    .readlink = d_readlink,
    .readdir = d_readdir,
    .utimens = d_utimens,
    .unmount = s_destroy,
};

static int new_mount(vk_vm *vm, const vos_fs_ops *ops, vos_fs **out)
{
    vos_fs *m = vk_vm_alloc(vm, sizeof *m);
    if (!m) return VOS_ENOMEM;
    memset(m, 0, sizeof *m);
    m->ops = ops;
    m->host = vk_host(vm);
    m->flags = VOS_FS_NOBLOCK;
    *out = m;
    return 0;
}

int devfs_new(vk_vm *vm, vos_fs **out) { return new_mount(vm, &devfs_ops, out); }

/* ================= /proc ================= */
static vk_proc *proc_by_pid(vk_vm *vm, int pid)
{
    for (vk_proc *q = vm->procs; q; q = q->next)
        if (q->pid == pid && q->state != PS_ZOMBIE) return q;
    return NULL;
}

static const char *const proc_files[] = {"cpuinfo", "meminfo", "uptime", "version", "mounts",
                                         "loadavg"};
#define NPROCF (sizeof proc_files / sizeof proc_files[0])

/* Parse "PID[/rest]"; returns the process or NULL. */
static vk_proc *parse_pid(vk_vm *vm, const char *rel, const char **rest)
{
    int pid = 0, n = 0;
    if (sscanf(rel, "%d%n", &pid, &n) != 1 || pid <= 0 || (rel[n] && rel[n] != '/')) return NULL;
    *rest = rel[n] == '/' ? rel + n + 1 : rel + n;
    return proc_by_pid(vm, pid);
}

static int fd_desc(vk_proc *q, int fd, char *buf, size_t n)
{
    vk_ofd *o = vk_fd_get(q, fd);
    if (!o) return VOS_ENOENT;
    if (o->path) return snprintf(buf, n, "%s", o->path);
    if (o->pipe)
        return snprintf(buf, n, "pipe:[%llu]", (unsigned long long)((uintptr_t)o->pipe >> 4));
    return snprintf(buf, n, "pipe:[%llu]", (unsigned long long)((uintptr_t)o >> 4));
}

static int p_lstat_locked(vos_fs *m, const char *rel, vos_dstat *st)
{
    vk_vm *vm = vk_host_vm(m->host);
    if (!*rel) {
        base_stat(m, st, VK_S_IFDIR | 0555, 1);
        return 0;
    }
    if (strcmp(rel, "self") == 0) {
        base_stat(m, st, VK_S_IFLNK | 0777, 2);
        return 0;
    }
    for (size_t i = 0; i < NPROCF; i++)
        if (strcmp(rel, proc_files[i]) == 0) {
            base_stat(m, st, VK_S_IFREG | 0444, 10 + i);
            return 0;
        }
    const char *rest;
    vk_proc *q = parse_pid(vm, rel, &rest);
    if (!q) return VOS_ENOENT;
    uint64_t ino = (uint64_t)q->pid << 8;
    if (!*rest || strcmp(rest, "fd") == 0) {
        base_stat(m, st, VK_S_IFDIR | 0555, ino + (*rest ? 1 : 0));
        st->uid = vos_host_uid(m->host);
        st->gid = vos_host_gid(m->host);
        return 0;
    }
    if (strcmp(rest, "cwd") == 0) {
        base_stat(m, st, VK_S_IFLNK | 0777, ino + 2);
        return 0;
    }
    if (strcmp(rest, "status") == 0 || strcmp(rest, "cmdline") == 0) {
        base_stat(m, st, VK_S_IFREG | 0444, ino + 3 + (rest[0] == 'c'));
        return 0;
    }
    int fd, k = 0;
    if (sscanf(rest, "fd/%d%n", &fd, &k) == 1 && rest[k] == 0 && fd >= 0) {
        if (!vk_fd_get(q, fd)) return VOS_ENOENT;
        base_stat(m, st, VK_S_IFLNK | 0700, ino + 16 + (uint64_t)fd);
        st->uid = vos_host_uid(m->host);
        st->gid = vos_host_gid(m->host);
        return 0;
    }
    return VOS_ENOENT;
}

static int p_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    vk_vm *vm = vk_host_vm(m->host);
    VK_LOCK(vm);
    int rc = p_lstat_locked(m, rel, st);
    VK_UNLOCK(vm);
    return rc;
}

/* The text of a /proc file (vm->mu held). */
static char *gen_content(vos_fs *m, const char *rel, size_t *len)
{
    vk_vm *vm = vk_host_vm(m->host);
    char tmp[4096];
    int n = 0;
    if (strcmp(rel, "cpuinfo") == 0) {
        n = snprintf(tmp, sizeof tmp,
                     "processor\t: 0\nvendor_id\t: vos\nmodel name\t: vos virtual CPU\n"
                     "cpu MHz\t\t: 1000.000\ncache size\t: 0 KB\nflags\t\t:\n\n");
    } else if (strcmp(rel, "meminfo") == 0) {
        unsigned long long total = vm->lim.mem_bytes == UINT64_MAX ? (1ull << 32)
                                                                    : vm->lim.mem_bytes;
        unsigned long long used = atomic_load(&vm->mem_used);
        unsigned long long fr = used < total ? total - used : 0;
        n = snprintf(tmp, sizeof tmp,
                     "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
                     "MemAvailable:   %8llu kB\nSwapTotal:             0 kB\n"
                     "SwapFree:              0 kB\n",
                     total / 1024, fr / 1024, fr / 1024);
    } else if (strcmp(rel, "uptime") == 0) {
        int64_t up = vos_host_now(m->host) - vm->boot_ns;
        if (up < 0) up = 0;
        n = snprintf(tmp, sizeof tmp, "%lld.%02lld 0.00\n", (long long)(up / 1000000000),
                     (long long)(up / 10000000 % 100));
    } else if (strcmp(rel, "version") == 0) {
        n = snprintf(tmp, sizeof tmp, "Linux version 6.1.0-vos (vos %s) #1 SMP\n",
                     VOS_VERSION_STRING);
    } else if (strcmp(rel, "loadavg") == 0) {
        n = snprintf(tmp, sizeof tmp, "0.00 0.00 0.00 1/%d %d\n", vm->nprocs, vm->next_pid - 1);
    } else if (strcmp(rel, "mounts") == 0) {
        /* innermost first is how the list is kept; print outermost first like Linux */
        pthread_rwlock_rdlock(&vm->mntlk);
        const vk_mnt *arr[64];
        int k = 0;
        for (vk_mnt *mn = vm->mounts; mn && k < 64; mn = mn->next) arr[k++] = mn;
        for (int i = k - 1; i >= 0 && n < (int)sizeof tmp - 200; i--)
            n += snprintf(tmp + n, sizeof tmp - (size_t)n, "%s %s %s %s 0 0\n",
                          arr[i]->fs->ops->name, arr[i]->path, arr[i]->fs->ops->name,
                          arr[i]->rdonly ? "ro" : "rw");
        pthread_rwlock_unlock(&vm->mntlk);
    } else {
        const char *rest;
        vk_proc *q = parse_pid(vm, rel, &rest);
        if (!q) return NULL;
        if (strcmp(rest, "status") == 0) {
            n = snprintf(tmp, sizeof tmp,
                         "Name:\t%s\nState:\t%s\nPid:\t%d\nPPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n"
                         "Gid:\t%u\t%u\t%u\t%u\n",
                         q->comm,
                         atomic_load(&q->stopped)    ? "T (stopped)"
                         : q->state == PS_RUNNING ? "R (running)"
                         : q->state == PS_ZOMBIE  ? "Z (zombie)"
                                                  : "S (sleeping)",
                         q->pid, q->ppid,
                         vos_host_uid(m->host), vos_host_uid(m->host), vos_host_uid(m->host), vos_host_uid(m->host), vos_host_gid(m->host),
                         vos_host_gid(m->host), vos_host_gid(m->host), vos_host_gid(m->host));
        } else if (strcmp(rest, "cmdline") == 0) {
            n = (int)(q->cmdline_len < sizeof tmp ? q->cmdline_len : sizeof tmp - 1);
            if (n) memcpy(tmp, q->cmdline, (size_t)n);
        } else {
            return NULL;
        }
    }
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    char *d = vk_vm_alloc(vm, n ? (size_t)n : 1);
    if (!d) return NULL;
    memcpy(d, tmp, (size_t)n);
    *len = (size_t)n;
    return d;
}

static int p_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                  vos_file **out)
{
    (void)mode;
    vk_vm *vm = vk_host_vm(m->host);
    vos_dstat st;
    VK_LOCK(vm);
    int rc = p_lstat_locked(m, rel, &st);
    char *d = NULL;
    size_t len = 0;
    if (rc == 0 && VK_S_ISREG(st.mode) && (flags & VK_O_ACCMODE) == VK_O_RDONLY) {
        d = gen_content(m, rel, &len);
        if (!d) rc = VOS_ENOMEM;
    }
    VK_UNLOCK(vm);
    if (rc < 0) return (flags & VK_O_CREAT) && rc == VOS_ENOENT ? VOS_EACCES : rc;
    if ((flags & VK_O_ACCMODE) != VK_O_RDONLY) return VK_S_ISDIR(st.mode) ? VOS_EISDIR : VOS_EACCES;
    if (VK_S_ISLNK(st.mode)) return VOS_ELOOP;
    if (VK_S_ISDIR(st.mode)) return new_sfile(m, DEV_NONE, NULL, 0, &st, out);
    return new_sfile(m, DEV_NONE, d, len, &st, out);
}

static ssize_t p_readlink(vos_fs *m, vos_call *c, const char *rel, char *buf, size_t n)
{
    vk_vm *vm = vk_host_vm(m->host);
    char tmp[VK_PATH_MAX];
    int len;
    const char *rest;
    VK_LOCK(vm);
    vk_proc *q = parse_pid(vm, rel, &rest);
    int fd, k = 0;
    if (!q)
        len = strcmp(rel, "self") == 0 ? VOS_EINVAL : VOS_ENOENT;
    else if (strcmp(rest, "cwd") == 0)
        len = snprintf(tmp, sizeof tmp, "%s", q->cwd ? q->cwd : "/");
    else if (sscanf(rest, "fd/%d%n", &fd, &k) == 1 && rest[k] == 0)
        len = fd_desc(q, fd, tmp, sizeof tmp);
    else
        len = VOS_EINVAL;
    VK_UNLOCK(vm);
    if (len < 0) return len;
    if ((size_t)len > n) len = (int)n;
    memcpy(buf, tmp, (size_t)len);
    return len;
}

/* The names of a /proc directory, taken under the lock; the callback runs after it. */
typedef struct pent {
    char name[32];
    uint64_t ino;
    unsigned type;
} pent;

static int p_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    vk_vm *vm = vk_host_vm(m->host);
    pent *ents = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
#define PUSH(nm, in, ty)                                                                           \
    do {                                                                                           \
        if (n == cap) {                                                                            \
            size_t nc = cap ? cap * 2 : 32;                                                        \
            pent *ne = vk_vm_realloc(vm, ents, cap * sizeof *ents, nc * sizeof *ents);            \
            if (!ne) {                                                                             \
                rc = VOS_ENOMEM;                                                                   \
                break;                                                                             \
            }                                                                                      \
            ents = ne;                                                                             \
            cap = nc;                                                                              \
        }                                                                                          \
        snprintf(ents[n].name, sizeof ents[n].name, "%s", nm);                                    \
        ents[n].ino = (in);                                                                        \
        ents[n].type = (ty);                                                                       \
        n++;                                                                                       \
    } while (0)
    char name[32];
    VK_LOCK(vm);
    if (!*rel) {
        PUSH("self", 2, VK_DT_LNK);
        for (size_t i = 0; rc == 0 && i < NPROCF; i++) PUSH(proc_files[i], 10 + i, VK_DT_REG);
        for (vk_proc *q = vm->procs; rc == 0 && q; q = q->next) {
            if (q->state == PS_ZOMBIE) continue;
            snprintf(name, sizeof name, "%d", q->pid);
            PUSH(name, (uint64_t)q->pid << 8, VK_DT_DIR);
        }
    } else {
        const char *rest;
        vk_proc *q = parse_pid(vm, rel, &rest);
        if (!q) {
            rc = VOS_ENOENT;
        } else if (!*rest) {
            static const char *const names[] = {"fd", "cwd", "status", "cmdline"};
            static const unsigned types[] = {VK_DT_DIR, VK_DT_LNK, VK_DT_REG, VK_DT_REG};
            for (int i = 0; rc == 0 && i < 4; i++)
                PUSH(names[i], ((uint64_t)q->pid << 8) + 1 + (uint64_t)i, types[i]);
        } else if (strcmp(rest, "fd") == 0) {
            for (int i = 0; rc == 0 && i < q->nfds; i++) {
                if (!q->fds[i].ofd) continue;
                snprintf(name, sizeof name, "%d", i);
                PUSH(name, ((uint64_t)q->pid << 8) + 16 + (uint64_t)i, VK_DT_LNK);
            }
        } else {
            rc = VOS_ENOTDIR;
        }
    }
#undef PUSH
    VK_UNLOCK(vm);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (cb(ctx, ents[i].name, ents[i].ino, ents[i].type, NULL)) break;
    vk_vm_free(vm, ents, cap * sizeof *ents);
    return rc;
}

static const vos_fs_ops procfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "proc",
    .lstat = p_lstat,
    .open = p_open,
    .readlink = p_readlink,
    .readdir = p_readdir,
    .unmount = s_destroy,
};

int procfs_new(vk_vm *vm, vos_fs **out) { return new_mount(vm, &procfs_ops, out); }

/* ================= /usr/bin ================= */
/* The index of name in the VM's programs, or -1. */
static long prog_index(vk_vm *vm, const char *name)
{
    const vk_progtab *t = vm->progs;
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->names[i], name) == 0) return (long)i;
    return -1;
}

static int b_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    vk_vm *vm = vk_host_vm(m->host);
    if (!*rel) {
        base_stat(m, st, VK_S_IFDIR | 0755, 1);
        return 0;
    }
    long i = prog_index(vm, rel);
    if (i < 0 && vk_tool_exists(vm, rel)) i = prog_index(vm, "hosttool"); /* a tool collection */
    if (i < 0 && vk_escalate_offers(vm, rel)) {
        /* a native program the VM escalates (escalate.c): an entry so PATH finds it */
        uint64_t h = 1469598103934665603ull;
        for (const char *s = rel; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
        base_stat(m, st, VK_S_IFREG | 0755, (1ull << 40) | (h & 0xffffffffffull));
        return 0;
    }
    if (i < 0 || !vk_cmd_allowed(vm, rel)) return VOS_ENOENT;
    base_stat(m, st, VK_S_IFREG | 0755, 2 + (uint64_t)i);
    return 0;
}

static int b_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                  vos_file **out)
{
    (void)mode;
    vos_dstat st;
    int rc = b_lstat(m, c, rel, &st);
    if (rc < 0) return (flags & VK_O_CREAT) && rc == VOS_ENOENT ? VOS_EACCES : rc;
    if ((flags & VK_O_ACCMODE) != VK_O_RDONLY) return VK_S_ISDIR(st.mode) ? VOS_EISDIR : VOS_EACCES;
    return new_sfile(m, DEV_NONE, NULL, 0, &st, out);
}

static int b_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    vk_vm *vm = vk_host_vm(m->host);
    if (*rel) return VOS_ENOTDIR;
    const vk_progtab *t = vm->progs;
    for (size_t i = 0; t && i < t->n; i++) {
        const char *name = t->names[i];
        if (!vk_cmd_allowed(vm, name)) continue;
        if (cb(ctx, name, 2 + i, VK_DT_REG, NULL)) return 0;
    }
    /* the host's tool collections (tools.c) */
    long tool = prog_index(vm, "hosttool");
    const char *name;
    for (size_t i = 0; tool >= 0 && (name = vk_tool_name_at(vm, i)); i++)
        if (vk_cmd_allowed(vm, name) && cb(ctx, name, 2 + (uint64_t)tool, VK_DT_REG, NULL)) break;
    for (char **s = vm->escalate; s && *s; s++) {
        vos_dstat st;
        if (prog_index(vm, *s) < 0 && vk_escalate_offers(vm, *s) && b_lstat(m, c, *s, &st) == 0 &&
            cb(ctx, *s, st.ino, VK_DT_REG, NULL))
            break;
    }
    return 0;
}

static const vos_fs_ops binfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "vosbin",
    .lstat = b_lstat,
    .open = b_open,
    .readdir = b_readdir,
    .unmount = s_destroy,
};

int binfs_new(vk_vm *vm, vos_fs **out) { return new_mount(vm, &binfs_ops, out); }
