/* escalate.c: a listed program (python3, git, cc...) runs as a real host process inside a
 * bubblewrap jail, on a copy of the VM's files (docs/escalation.md has the why).
 *
 * One call: (1) materialise: copy the VM's tree (everything but the system directories the
 * jail takes from the image) into a host temp directory, noting each entry's host identity
 * (size, mtime, inode, mode) in a manifest; (2) run it in the VM's jail (made by bwrap once,
 * then joined: "the persistent jail" below; bwrap per program where that cannot be), the VM
 * process's thread pumping the program's stdout/stderr into the VM's fds and a helper VM
 * process pumping the VM's stdin in, watching the VM's signals and limits meanwhile; (3)
 * import: whatever differs from the manifest goes back into the VM (writes, new files,
 * deletes, renames as delete+create, modes, symlinks), after a check that it fits the VM's
 * filesystem quota, so an import past it changes nothing. */
#include "kernel/escalate.h"
#include "kernel/net.h"
#include "fs/hostfs.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BWRAP "/usr/bin/bwrap"
/* the export's bounds: a tree past them is refused rather than copied for minutes */
#define EXPORT_MAX_BYTES (1ull << 30)
/* the least address space a program gets (RLIMIT_AS) */
#define AS_FLOOR (4ull << 30)
#define EXPORT_MAX_ENTRIES 200000

/* built with ThreadSanitizer (gcc says so one way, clang another) */
#if defined(__SANITIZE_THREAD__)
#define VK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VK_TSAN 1
#endif
#endif
#ifndef VK_TSAN
#define VK_TSAN 0
#endif

bool vk_escalate_listed(vk_vm *vm, const char *name)
{
    if (!vm->escalate || !name || !*name) return false;
    for (char **s = vm->escalate; *s; s++)
        if (strcmp(*s, "*") == 0 || strcmp(*s, name) == 0) return true;
    return false;
}

/* Top-level VM directories the jail takes from the image (or makes fresh), not the VM. */
static bool system_dir(const char *name)
{
    static const char *const sys[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64",
                                      "libx32", "etc", "proc", "dev", "sys", "run", NULL};
    for (int i = 0; sys[i]; i++)
        if (strcmp(sys[i], name) == 0) return true;
    return false;
}

/* The namespaces of a persistent jail, in the order a process joins them: the user namespace
 * owning the others first (with its rights, the others can be joined), the program's own
 * (bwrap may nest one, for the uid it maps) last. */
enum { NS_UOWN, NS_MNT, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_USER, NS_N };

/* ---- the manifest: what was exported, as the host saw it right after the copy ---- */
typedef struct ment {
    char *rel;       /* path under the export root, no leading slash (VM allocation) */
    unsigned mode;   /* host st_mode */
    uint64_t size, ino;
    int64_t mtime_ns;
    /* the VM file it was copied from: unchanged identity, no copy next time */
    uint64_t vdev, vino, vsize;
    int64_t vmtime, vctime;
    unsigned vmode;
    bool seen;       /* found again during the import */
} ment;

/* What a VM keeps between escalations: the host copy of its tree and its manifest, so the next
 * call copies only what changed. One call uses it at a time; a concurrent one makes its own. */
struct vk_esc_cache {
    bool busy;       /* under vm->mu */
    bool clean;      /* the last call's import completed: the host copy is its manifest */
    bool gen_ok;     /* ... and the VM's files were as the copy after it, at vm->fs_gen gen */
    uint64_t gen;
    /* inotify watches on every directory of the host copy (when watching), so the import
     * looks only where the program changed something; wd_rel[wd] names each one's directory */
    int ifd;
    bool watching;
    char **wd_rel;
    size_t nwd;

    char dir[64];
    int lockfd;
    ment *ents;
    size_t n, cap;

    /* the persistent jail (jail_start): the namespaces one bwrap set up, kept by their fds;
     * sig says what they were made for (the bwrap arguments, with the identities of the
     * directories bound) */
    int ns[NS_N];
    int initfd;      /* a sealed memfd holding the namespaces' init */
    bool jail, nojail;
    char *sig;
    size_t siglen;
};

/* A host-directory mount bound whole into the jail (not copied). */
typedef struct hbind {
    char *path;      /* its VM path (process arena) */
    int fd;          /* O_PATH fd of its root */
    bool ro;
} hbind;

typedef struct esc {
    vk_proc *p;
    hbind *binds;    /* host-directory mounts bound directly */
    size_t nbinds;
    char dir[64];    /* host temp dir: DIR/root is the VM's tree */
    int lockfd;      /* DIR open and locked while it is in use (dir_lock) */
    char root[80];
    ment *ents;      /* the manifest being made (VM allocations) */
    size_t n, cap, hint;
    ment *old;       /* the last call's, or none */
    size_t nold, oldcap, ohint;
    ment *last;      /* o_mark's find */
    bool trusted;    /* the host copy is as the last manifest says (no lstat to check it) */
    struct vk_esc_cache *cache; /* the VM's, when this call uses it */
    bool deleted;    /* the import removed something */
    bool links;      /* the scan met a file with more than one link (or, partial, a directory
                        the watches did not tell of): list everything */
    /* the import's partial scan: directories with events (entries listed again), and
     * directories created, moved or removed (their trees listed again); process arena */
    char **chg, **deep;
    size_t nchg, ndeep;
    size_t *idx, mask; /* the index of ents (import) */
    size_t *oidx, omask; /* the index of old (export) */
    uint64_t bytes;
} esc;

static void ments_free(vk_vm *vm, ment *v, size_t n, size_t cap)
{
    for (size_t i = 0; i < n; i++) vk_vm_strfree(vm, v[i].rel);
    if (v) vk_vm_free(vm, v, cap * sizeof *v);
}

static void rm_tree(const char *path);
static bool pool_give(struct vk_esc_cache *c);

static void watches_drop(vk_vm *vm, struct vk_esc_cache *c)
{
    if (c->ifd >= 0) close(c->ifd);
    c->ifd = -1;
    c->watching = false;
    for (size_t i = 0; i < c->nwd; i++)
        if (c->wd_rel[i]) vk_vm_strfree(vm, c->wd_rel[i]);
    if (c->wd_rel) vk_vm_free(vm, c->wd_rel, c->nwd * sizeof *c->wd_rel);
    c->wd_rel = NULL;
    c->nwd = 0;
}

#define WATCH_MASK                                                                                 \
    (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |              \
     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define WATCH_MAX_WD (1 << 20)

/* Watch the host copy's directory hp (rel under the root), when the cache keeps watches; a
 * failure (the host's watch limit) ends watching: the imports scan everything again. */
static void watch(esc *e, const char *hp, const char *rel)
{
    struct vk_esc_cache *c = e->cache;
    if (!c || !c->watching) return;
    vk_vm *vm = e->p->vm;
    int wd = inotify_add_watch(c->ifd, hp, WATCH_MASK);
    if (wd < 0 || wd >= WATCH_MAX_WD) {
        c->watching = false;
        return;
    }
    if ((size_t)wd >= c->nwd) {
        size_t nn = c->nwd ? c->nwd : 64;
        while (nn <= (size_t)wd) nn *= 2;
        char **nv = vk_vm_realloc(vm, c->wd_rel, c->nwd * sizeof *nv, nn * sizeof *nv);
        if (!nv) {
            c->watching = false;
            return;
        }
        memset(nv + c->nwd, 0, (nn - c->nwd) * sizeof *nv);
        c->wd_rel = nv;
        c->nwd = nn;
    }
    char *r = vk_vm_strdup(vm, rel);
    if (!r) {
        c->watching = false;
        return;
    }
    if (c->wd_rel[wd]) vk_vm_strfree(vm, c->wd_rel[wd]);
    c->wd_rel[wd] = r; /* a directory moved keeps its watch: it is named anew here */
}

/* Forget the persistent jail (its namespaces go with their last fd: no process holds them). */
static void jail_drop(vk_vm *vm, struct vk_esc_cache *c)
{
    for (int i = 0; i < NS_N; i++) {
        if (c->ns[i] >= 0) close(c->ns[i]);
        c->ns[i] = -1;
    }
    c->jail = false;
    if (c->sig) vk_vm_free(vm, c->sig, c->siglen);
    c->sig = NULL;
    c->siglen = 0;
}

void vk_escalate_vm_free(vk_vm *vm)
{
    struct vk_esc_cache *c = vm->esc_cache;
    if (!c) return;
    watches_drop(vm, c);
    jail_drop(vm, c);
    if (c->initfd >= 0) close(c->initfd);
    if (c->dir[0] && pool_give(c)) {
        c->lockfd = -1;
    } else {
        if (c->dir[0]) rm_tree(c->dir);
        if (c->lockfd >= 0) close(c->lockfd);
    }
    ments_free(vm, c->ents, c->n, c->cap);
    vk_vm_free(vm, c, sizeof *c);
    vm->esc_cache = NULL;
}

static int64_t host_mtime(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static int note(esc *e, const char *rel, const struct stat *st, const struct vk_stat *vs)
{
    vk_vm *vm = e->p->vm;
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 256;
        ment *ne = vk_vm_realloc(vm, e->ents, e->cap * sizeof *ne, nc * sizeof *ne);
        if (!ne) return VOS_ENOMEM;
        e->ents = ne;
        e->cap = nc;
    }
    ment *m = &e->ents[e->n];
    if (!(m->rel = vk_vm_strdup(vm, rel))) return VOS_ENOMEM;
    m->mode = st->st_mode;
    m->size = (uint64_t)st->st_size;
    m->ino = (uint64_t)st->st_ino;
    m->mtime_ns = host_mtime(st);
    m->vdev = vs->dev;
    m->vino = vs->ino;
    m->vsize = vs->size;
    m->vmtime = vs->mtime_ns;
    m->vctime = vs->ctime_ns;
    m->vmode = vs->mode;
    m->seen = false;
    e->n++;
    return 0;
}

/* rel in manifest v (n entries), searched from *hint: both walks go in the same order, so the
 * next entry is nearly always the one */
static ment *lookup(ment *v, size_t n, size_t *hint, const char *rel)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = (*hint + k) % n;
        if (strcmp(v[i].rel, rel) == 0) {
            *hint = i + 1;
            return &v[i];
        }
    }
    return NULL;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A hash index over a manifest (listing orders differ between the VM, the host and the
 * manifest's appended entries: no hint helps there). Arena memory of the process. */
static int index_build(vk_proc *p, const ment *v, size_t n, size_t **idx, size_t *mask)
{
    size_t sz = 16;
    while (sz < n * 2) sz *= 2;
    *idx = vk_malloc(p, sz * sizeof **idx);
    if (!*idx) return VOS_ENOMEM;
    for (size_t i = 0; i < sz; i++) (*idx)[i] = SIZE_MAX;
    *mask = sz - 1;
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)hash_str(v[i].rel) & *mask;
        while ((*idx)[h] != SIZE_MAX) h = (h + 1) & *mask;
        (*idx)[h] = i;
    }
    return 0;
}

static ment *index_find(ment *v, const size_t *idx, size_t mask, const char *rel)
{
    for (size_t h = (size_t)hash_str(rel) & mask; idx[h] != SIZE_MAX; h = (h + 1) & mask)
        if (strcmp(v[idx[h]].rel, rel) == 0) return &v[idx[h]];
    return NULL;
}

static ment *find(esc *e, const char *rel)
{
    if (!e->idx) return lookup(e->ents, e->n, &e->hint, rel);
    return index_find(e->ents, e->idx, e->mask, rel);
}

/* Find rel in the last call's manifest (e->last), marking it as still in the VM. */
static bool o_mark(esc *e, const char *rel)
{
    e->last = !e->old ? NULL
              : e->oidx ? index_find(e->old, e->oidx, e->omask, rel)
                        : lookup(e->old, e->nold, &e->ohint, rel);
    if (e->last) e->last->seen = true;
    return e->last != NULL;
}

/* Is the host copy at hp still what the last call left from this same VM entry? (Without a
 * look at it when the copy is trusted: nothing but a jailed program writes it, and the last
 * import saw all of that.) */
static bool unchanged(const esc *e, const ment *o, const struct vk_stat *vs, const char *hp,
                      struct stat *hs)
{
    if (!o || o->vdev != vs->dev || o->vino != vs->ino || o->vsize != vs->size ||
        o->vmtime != vs->mtime_ns || o->vctime != vs->ctime_ns || o->vmode != vs->mode)
        return false;
    if (e->trusted) {
        memset(hs, 0, sizeof *hs);
        hs->st_mode = o->mode;
        hs->st_size = (off_t)o->size;
        hs->st_ino = (ino_t)o->ino;
        hs->st_mtim.tv_sec = o->mtime_ns / 1000000000;
        hs->st_mtim.tv_nsec = o->mtime_ns % 1000000000;
        return true;
    }
    if (lstat(hp, hs) < 0) return false;
    return (unsigned)hs->st_mode == o->mode && (uint64_t)hs->st_size == o->size &&
           (uint64_t)hs->st_ino == o->ino && host_mtime(hs) == o->mtime_ns;
}

static int herr(void) { return errno ? -errno : VOS_EIO; }

/* Is the VM path vp (rel: the same, without its leading slash) a host-directory mount the
 * jail binds directly? Its place in the copy is an empty directory. */
static bool bound(const esc *e, const char *rel)
{
    for (size_t i = 0; i < e->nbinds; i++)
        if (strcmp(e->binds[i].path + 1, rel) == 0) return true;
    return false;
}

/* The host-directory (hostfs) mounts the jail binds at their VM paths instead of copying them:
 * not the root, not under a system directory, none with another mount below it (it would have
 * to be copied on top), and only where the VM's path rules treat the whole tree alike: readable,
 * and writable unless the mount is read-only or writes are denied (then bound read-only). A
 * mount whose writes the host is asked about keeps the copy, whose import asks. */
static int find_binds(esc *e)
{
    vk_proc *p = e->p;
    vk_vm *vm = p->vm;
    size_t n = 0;
    char **paths = NULL;
    bool *ro = NULL;
    int rc = 0;
    pthread_rwlock_rdlock(&vm->mntlk);
    for (vk_mnt *m = vm->mounts; m; m = m->next) n++;
    paths = vk_malloc(p, (n + 1) * sizeof *paths);
    ro = vk_malloc(p, (n + 1) * sizeof *ro);
    n = 0;
    for (vk_mnt *m = vm->mounts; m && paths && ro; m = m->next) {
        if (m->kind != VK_MNT_PLAIN || m->len <= 1 || strcmp(m->fs->ops->name, "hostfs") != 0)
            continue;
        char top[VK_NAME_MAX + 1];
        const char *sl = strchr(m->path + 1, '/');
        size_t tl = sl ? (size_t)(sl - m->path - 1) : strlen(m->path + 1);
        if (tl > VK_NAME_MAX) continue;
        memcpy(top, m->path + 1, tl);
        top[tl] = 0;
        if (system_dir(top)) continue;
        bool nested = false;
        for (vk_mnt *o = vm->mounts; o && !nested; o = o->next)
            nested = o != m && o->len > m->len && strncmp(o->path, m->path, m->len) == 0 &&
                     o->path[m->len] == '/';
        if (nested) continue;
        if (!(paths[n] = vk_strdup(p, m->path))) break;
        ro[n++] = m->rdonly || (m->fs->flags & VOS_FS_RDONLY);
    }
    pthread_rwlock_unlock(&vm->mntlk);
    if (!paths || !ro) rc = VOS_ENOMEM;
    if (rc == 0 && n && !(e->binds = vk_malloc(p, n * sizeof *e->binds))) rc = VOS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int rd, wr;
        if (!vk_policy_path_subtree(vm, paths[i], &rd, &wr) || rd != VOS_POLICY_ALLOW ||
            (!ro[i] && wr == VOS_POLICY_ASK))
            continue;
        vk_mnt *m = vk_mnt_get(vm, paths[i]);
        if (!m) continue;
        int fd = -1;
        /* the mount found for the path is the same one (not replaced meanwhile) */
        if (m->len == strlen(paths[i]) && strcmp(m->fs->ops->name, "hostfs") == 0 &&
            vfs_ctl(p, m, VK_HOSTFS_CTL_ROOT_FD, &fd) == 0 && fd >= 0) {
            hbind *b = &e->binds[e->nbinds++];
            b->path = paths[i];
            paths[i] = NULL;
            b->fd = fd;
            b->ro = ro[i] || wr != VOS_POLICY_ALLOW;
        }
        vk_mnt_put(m);
    }
    for (size_t i = 0; paths && i < n; i++) vk_free(p, paths[i]);
    vk_free(p, paths);
    vk_free(p, ro);
    return rc;
}

/* Is any mount whose files the export copies one the host can change behind the VM (all but
 * memfs: a host directory, an overlay's lower)? */
static bool external(const esc *e)
{
    vk_vm *vm = e->p->vm;
    bool r = false;
    pthread_rwlock_rdlock(&vm->mntlk);
    for (vk_mnt *m = vm->mounts; m && !r; m = m->next) {
        if (m->kind != VK_MNT_PLAIN || strcmp(m->fs->ops->name, "memfs") == 0) continue;
        if (m->len > 1) {
            char top[VK_NAME_MAX + 1];
            const char *sl = strchr(m->path + 1, '/');
            size_t tl = sl ? (size_t)(sl - m->path - 1) : strlen(m->path + 1);
            if (tl <= VK_NAME_MAX) {
                memcpy(top, m->path + 1, tl);
                top[tl] = 0;
                if (system_dir(top)) continue;
            }
            if (bound(e, m->path + 1)) continue;
        }
        r = true;
    }
    pthread_rwlock_unlock(&vm->mntlk);
    return r;
}

static void binds_close(esc *e)
{
    for (size_t i = 0; i < e->nbinds; i++) {
        close(e->binds[i].fd);
        vk_free(e->p, e->binds[i].path);
    }
    vk_free(e->p, e->binds);
    e->binds = NULL;
    e->nbinds = 0;
}

/* Copy the VM file vm into the host file host (created with mode). */
static int copy_out(esc *e, const char *vm, const char *host, unsigned mode)
{
    int fd = vk_open(e->p, vm, VK_O_RDONLY, 0);
    if (fd < 0) return fd;
    int hfd = open(host, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
    if (hfd < 0) {
        vk_close(e->p, fd);
        return herr();
    }
    char buf[16384];
    int rc = 0;
    for (;;) {
        ssize_t n = vk_read(e->p, fd, buf, sizeof buf);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        e->bytes += (uint64_t)n;
        if (e->bytes > EXPORT_MAX_BYTES) {
            rc = VOS_EFBIG;
            break;
        }
        if (write(hfd, buf, (size_t)n) != n) {
            rc = herr();
            break;
        }
    }
    vk_close(e->p, fd);
    if (close(hfd) < 0 && rc == 0) rc = herr();
    if (rc == 0 && fchmodat(AT_FDCWD, host, mode & 07777, 0) < 0) rc = herr();
    return rc;
}

/* Export the VM directory vmdir (rel under the root; "" for "/") into e->root/rel. */
static int export_dir(esc *e, const char *vmdir, const char *rel, int depth)
{
    if (depth > 64) return VOS_ELOOP;
    int rc = vk_check(e->p);
    if (rc < 0 && rc != VOS_EINTR) return rc;
    int fd = vk_open(e->p, vmdir, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd == VOS_EACCES || fd == VOS_EDENIED) return 0; /* the user cannot list it: empty */
    if (fd < 0) return fd;
    vk_dirent *dep = vk_malloc(e->p, sizeof *dep);
    if (!dep) { vk_close(e->p, fd); return VOS_ENOMEM; }
    vk_dirent de;
    struct vk_stat st;
    rc = 0;
    /* the listing's attributes when the driver gives them: no lookup per entry */
    while ((rc = vk_readdir_attr(e->p, fd, dep, &st)) > 0) {
        int got = rc;
        memcpy(de.name, dep->name, strlen(dep->name) + 1);
        if (!strcmp(de.name, ".") || !strcmp(de.name, "..")) continue;
        if (!*rel && system_dir(de.name)) continue;
        if (e->n >= EXPORT_MAX_ENTRIES) {
            rc = VOS_EFBIG;
            break;
        }
        char vp[VK_PATH_MAX], r2[VK_PATH_MAX], hp[VK_PATH_MAX + 96];
        snprintf(vp, sizeof vp, "%s/%s", *rel ? vmdir : "", de.name);
        snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", de.name);
        snprintf(hp, sizeof hp, "%s/%s", e->root, r2);
        if (got != 2 && (rc = vk_lstat(e->p, vp, &st)) < 0) {
            if (rc == VOS_EACCES || rc == VOS_EDENIED) { rc = 0; continue; } /* policy hides */
            break;
        }
        rc = 0;
        if (o_mark(e, r2)) {} /* (marks the last call's entry as still there) */
        struct stat hs;
        ment *o = e->last;
        if (!VK_S_ISDIR(st.mode) && unchanged(e, o, &st, hp, &hs)) {
            if ((rc = note(e, r2, &hs, &st)) < 0) break;
            continue; /* the host copy is current */
        }
        if (lstat(hp, &hs) == 0 && !(VK_S_ISDIR(st.mode) && S_ISDIR(hs.st_mode))) rm_tree(hp);
        if (VK_S_ISDIR(st.mode)) {
            if (mkdir(hp, 0700) == 0) watch(e, hp, r2);
            else if (errno != EEXIST) { rc = herr(); break; }
            if (chmod(hp, 0700) < 0) { rc = herr(); break; }
            /* noted before its contents: the import and the deletes rely on that order */
            if (lstat(hp, &hs) < 0) { rc = herr(); break; }
            hs.st_mode = (hs.st_mode & ~07777u) | (st.mode & 07777);
            if ((rc = note(e, r2, &hs, &st)) < 0) break;
            /* a host directory bound whole: an empty place to bind it on */
            if (!bound(e, r2) && (rc = export_dir(e, vp, r2, depth + 1)) < 0) break;
            if (chmod(hp, st.mode & 07777) < 0) { rc = herr(); break; }
            continue;
        } else if (VK_S_ISREG(st.mode)) {
            rc = copy_out(e, vp, hp, st.mode);
            if (rc == VOS_EACCES || rc == VOS_EDENIED) { rc = 0; continue; }
            if (rc < 0) break;
        } else if (VK_S_ISLNK(st.mode)) {
            char t[VK_PATH_MAX];
            ssize_t n = vk_readlink(e->p, vp, t, sizeof t - 1);
            if (n == VOS_EACCES || n == VOS_EDENIED) continue;
            if (n < 0) { rc = (int)n; break; }
            t[n] = 0;
            if (symlink(t, hp) < 0) { rc = herr(); break; }
        } else {
            continue; /* FIFOs, devices: the VM's own, not exported */
        }
        if (lstat(hp, &hs) < 0) { rc = herr(); break; }
        if ((rc = note(e, r2, &hs, &st)) < 0) break;
    }
    vk_close(e->p, fd);
    vk_free(e->p, dep);
    return rc < 0 ? rc : 0;
}

/* Remove a host tree (not following symlinks); best effort. */
static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0700);
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
                char sub[VK_PATH_MAX + 96];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ---- host copies left behind ----
 * A host copy lives in /tmp/vos-esc-XXXXXX while a VM uses it, its directory open and locked
 * (flock) by the process. A process that dies (killed, crashed) leaves its copies but not its
 * locks: the first escalation of each process removes every copy of its host uid that nobody
 * holds, unless it was made in the last minute (a process between mkdtemp and its lock). */

/* The directory open and flock'ed (nb: do not wait): its fd, or -1. */
static int dir_lock(const char *path, bool nb)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | (nb ? LOCK_NB : 0)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static pthread_once_t g_sweep_once = PTHREAD_ONCE_INIT;

static void sweep_stale(void)
{
    DIR *d = opendir("/tmp");
    if (!d) return;
    struct dirent *de;
    time_t now = time(NULL);
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "vos-esc-", 8)) continue;
        char path[300];
        snprintf(path, sizeof path, "/tmp/%s", de->d_name);
        struct stat st;
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
            st.st_mtime > now - 60)
            continue;
        int fd = dir_lock(path, true);
        if (fd < 0) continue; /* in use */
        rm_tree(path);
        close(fd);
    }
    closedir(d);
}

/* ---- host copies kept for the next VM ----
 * Making a directory is the costly part of a host copy on some hosts' disks (a quarter of a
 * millisecond each on this project's machine, where a lookup is a microsecond), and a
 * backend makes VM after VM alike. A freed VM's copy is emptied of everything but its
 * directories (walking the copy itself: what no manifest knows, such as a FIFO a program left,
 * goes too) and kept, locked, for the next VM's first call: that call's export finds the
 * directories it needs made, and removes those the new VM does not have (the kept list plays
 * the last manifest). Nothing of the old VM's files stays, and the new VM copies every file. */
#define POOL_MAX 8
static struct pooled {
    char dir[64];
    int lockfd;
    char **dirs; /* rel paths, parents first (malloc) */
    size_t n;
} g_pool[POOL_MAX];
static size_t g_npool;
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int g_dirs_pid; /* the process that made them (vk_escalate_process_end) */
static bool g_ending;         /* under g_pool_mu: the process is ending, keep nothing more */

static void pooled_free(struct pooled *q)
{
    for (size_t i = 0; i < q->n; i++) free(q->dirs[i]);
    free(q->dirs);
    q->dirs = NULL;
    q->n = 0;
}

/* Empty the host tree hp (rel under the root) of all but its directories, noting each in q
 * (parents first). false when something stays (a directory it cannot list, no memory). */
static bool pool_strip(struct pooled *q, size_t *cap, const char *hp, const char *rel,
                       int depth)
{
    if (depth > 64) return false;
    DIR *d = opendir(hp);
    if (!d) return false;
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char h2[VK_PATH_MAX + 96], r2[VK_PATH_MAX];
        if (snprintf(h2, sizeof h2, "%s/%s", hp, de->d_name) >= (int)sizeof h2 ||
            snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
                (int)sizeof r2) {
            ok = false;
            break;
        }
        struct stat st;
        if (lstat(h2, &st) < 0) continue;
        if (!S_ISDIR(st.st_mode)) {
            ok = unlink(h2) == 0 || errno == ENOENT;
            continue;
        }
        if (q->n == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            char **nv = realloc(q->dirs, nc * sizeof *nv);
            if (!nv) {
                ok = false;
                break;
            }
            q->dirs = nv;
            *cap = nc;
        }
        ok = (q->dirs[q->n] = strdup(r2)) != NULL;
        if (ok) q->n++;
        ok = ok && pool_strip(q, cap, h2, r2, depth + 1);
    }
    closedir(d);
    return ok;
}

/* Keep the freed VM's host copy (cache c) for another VM: true when kept (the pool has the
 * directory and its lock), false when the caller removes it. */
static bool pool_give(struct vk_esc_cache *c)
{
    if (c->lockfd < 0) return false;
    pthread_mutex_lock(&g_pool_mu);
    bool room = g_npool < POOL_MAX;
    pthread_mutex_unlock(&g_pool_mu);
    if (!room) return false;
    struct pooled q = {{0}, -1, NULL, 0};
    size_t cap = 0;
    char hp[sizeof c->dir + 16];
    /* a VM's own /etc (made when the shared one could not be) names its user */
    snprintf(hp, sizeof hp, "%s/etc", c->dir);
    rm_tree(hp);
    snprintf(hp, sizeof hp, "%s/root", c->dir);
    bool ok = pool_strip(&q, &cap, hp, "", 0);
    pthread_mutex_lock(&g_pool_mu);
    if (ok && g_npool < POOL_MAX && !g_ending) {
        memcpy(q.dir, c->dir, sizeof q.dir);
        q.lockfd = c->lockfd;
        g_pool[g_npool++] = q;
        atomic_store(&g_dirs_pid, (int)getpid());
        pthread_mutex_unlock(&g_pool_mu);
        return true;
    }
    pthread_mutex_unlock(&g_pool_mu);
    pooled_free(&q);
    return false;
}

/* A kept host copy for e (its directory, lock and last manifest: the kept directories), or
 * false. */
static bool pool_take(esc *e)
{
    pthread_mutex_lock(&g_pool_mu);
    if (!g_npool) {
        pthread_mutex_unlock(&g_pool_mu);
        return false;
    }
    struct pooled q = g_pool[--g_npool];
    pthread_mutex_unlock(&g_pool_mu);
    vk_vm *vm = e->p->vm;
    memcpy(e->dir, q.dir, sizeof e->dir);
    e->lockfd = q.lockfd;
    e->old = q.n ? vk_vm_alloc(vm, q.n * sizeof *e->old) : NULL;
    if (e->old) {
        memset(e->old, 0, q.n * sizeof *e->old);
        e->oldcap = q.n;
        for (size_t i = 0; i < q.n; i++) {
            if (!(e->old[i].rel = vk_vm_strdup(vm, q.dirs[i]))) break;
            e->old[i].mode = S_IFDIR | 0700;
            e->nold++;
        }
    }
    if (q.n && e->nold < q.n) {
        /* no memory to say what is there: start it empty */
        char root[sizeof e->dir + 8];
        snprintf(root, sizeof root, "%s/root", e->dir);
        rm_tree(root);
    }
    pooled_free(&q);
    return true;
}

/* ---- the import ---- */
typedef struct change {
    char *rel;
    int kind;        /* 1 new/changed file, 2 new dir, 3 symlink, 4 chmod */
    unsigned mode;
    bool replace;    /* the VM's entry has another type: remove it first */
} change;

typedef struct plan {
    change *c;
    size_t n, cap;
    int64_t delta;   /* bytes the VM's files grow by */
} plan;

static int plan_add(esc *e, plan *pl, const char *rel, int kind, unsigned mode, bool replace)
{
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 64;
        change *nn = vk_realloc(e->p, pl->c, nc * sizeof *nn);
        if (!nn) return VOS_ENOMEM;
        pl->c = nn;
        pl->cap = nc;
    }
    change *c = &pl->c[pl->n];
    if (!(c->rel = vk_strdup(e->p, rel))) return VOS_ENOMEM;
    c->kind = kind;
    c->mode = mode;
    c->replace = replace;
    pl->n++;
    return 0;
}

/* Walk the host tree after the run, listing what changed (directories before their
 * contents). */
static bool in_list(char **v, size_t n, const char *rel, bool under);

/* shallow: list rel's entries, and only the trees of directories that are new, of another type
 * or in e->deep (the others are listed when they had events themselves) */
static int scan(esc *e, plan *pl, const char *rel, int depth, bool shallow)
{
    if (depth > 64) return VOS_ELOOP;
    char hp[VK_PATH_MAX + 96];
    snprintf(hp, sizeof hp, "%s%s%s", e->root, *rel ? "/" : "", rel);
    DIR *d = opendir(hp);
    if (!d) return herr();
    if (!shallow) watch(e, hp, rel);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (!*rel && system_dir(de->d_name)) continue;
        char r2[VK_PATH_MAX], h2[VK_PATH_MAX + 96];
        snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(h2, sizeof h2, "%s/%s", e->root, r2);
        struct stat st;
        if (lstat(h2, &st) < 0) continue;
        ment *m = find(e, r2);
        bool same_type = m && (m->mode & S_IFMT) == (st.st_mode & S_IFMT);
        if (m) m->seen = same_type; /* a type change: delete the old, create the new */
        if (S_ISDIR(st.st_mode)) {
            if (!same_type) rc = plan_add(e, pl, r2, 2, st.st_mode, m != NULL);
            else if ((m->mode & 07777) != (st.st_mode & 07777))
                rc = plan_add(e, pl, r2, 4, st.st_mode, false);
            bool deeper = !shallow || !same_type || in_list(e->deep, e->ndeep, r2, false);
            /* a directory the manifest does not know, with no event for it: the watches do
             * not tell the whole story, list everything */
            if (shallow && !m && !in_list(e->deep, e->ndeep, r2, false)) e->links = true;
            if (rc == 0 && deeper && !bound(e, r2)) rc = scan(e, pl, r2, depth + 1, false);
        } else if (S_ISREG(st.st_mode)) {
            if (st.st_nlink > 1) e->links = true;
            bool changed = !same_type || m->size != (uint64_t)st.st_size ||
                           m->mtime_ns != host_mtime(&st) || m->ino != (uint64_t)st.st_ino;
            if (changed) {
                rc = plan_add(e, pl, r2, 1, st.st_mode, m && !same_type);
                pl->delta += (int64_t)st.st_size - (same_type ? (int64_t)m->size : 0);
            } else if ((m->mode & 07777) != (st.st_mode & 07777)) {
                rc = plan_add(e, pl, r2, 4, st.st_mode, false);
            }
        } else if (S_ISLNK(st.st_mode)) {
            /* a symlink's target may change with the same inode only by a new link */
            if (!same_type || m->ino != (uint64_t)st.st_ino ||
                m->mtime_ns != host_mtime(&st))
                rc = plan_add(e, pl, r2, 3, 0, m != NULL);
        }
        if (rc < 0) break;
    }
    closedir(d);
    return rc;
}

static int vm_path(char *out, size_t n, const char *rel)
{
    return snprintf(out, n, "/%s", rel) < (int)n ? 0 : VOS_ENAMETOOLONG;
}

/* Remove a VM entry and what is under it. */
static int vm_remove(vk_proc *p, const char *path)
{
    struct vk_stat st;
    int rc = vk_lstat(p, path, &st);
    if (rc == VOS_ENOENT) return 0;
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(st.mode)) return vk_unlink(p, path);
    int fd = vk_open(p, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    /* collect the names, then remove them (no removal while the listing is open) */
    vk_dirent *de = vk_malloc(p, sizeof *de);
    char **names = NULL;
    size_t n = 0, cap = 0;
    while (de && (rc = vk_readdir(p, fd, de)) > 0) {
        if (!strcmp(de->name, ".") || !strcmp(de->name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = vk_realloc(p, names, cap * sizeof *nn);
            if (!nn) { rc = VOS_ENOMEM; break; }
            names = nn;
        }
        if (!(names[n++] = vk_strdup(p, de->name))) { rc = VOS_ENOMEM; break; }
    }
    if (!de) rc = VOS_ENOMEM;
    vk_close(p, fd);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        char sub[VK_PATH_MAX];
        if (snprintf(sub, sizeof sub, "%s/%s", path, names[i]) >= (int)sizeof sub)
            rc = VOS_ENAMETOOLONG;
        else
            rc = vm_remove(p, sub);
    }
    for (size_t i = 0; i < n; i++) vk_free(p, names[i]);
    vk_free(p, names);
    vk_free(p, de);
    if (rc < 0) return rc;
    return vk_rmdir(p, path);
}

static int copy_in(esc *e, const char *rel, unsigned mode)
{
    char hp[VK_PATH_MAX + 96], vp[VK_PATH_MAX];
    snprintf(hp, sizeof hp, "%s/%s", e->root, rel);
    int rc = vm_path(vp, sizeof vp, rel);
    if (rc < 0) return rc;
    int hfd = open(hp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (hfd < 0) return herr();
    int fd = vk_open(e->p, vp, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode & 07777);
    if (fd < 0) {
        close(hfd);
        return fd;
    }
    char buf[16384];
    for (;;) {
        ssize_t n = read(hfd, buf, sizeof buf);
        if (n < 0) { rc = herr(); break; }
        if (n == 0) break;
        ssize_t w = vk_write(e->p, fd, buf, (size_t)n);
        if (w < 0) { rc = (int)w; break; }
    }
    close(hfd);
    int rc2 = vk_close(e->p, fd);
    if (rc == 0) rc = rc2;
    if (rc == 0) rc = vk_chmod(e->p, vp, mode & 07777);
    return rc;
}

/* After the import wrote rel into the VM: the manifest notes the VM's new identity, so the
 * next call does not copy back what came from the host copy. */
static void renote(esc *e, const char *rel, const char *vp)
{
    struct vk_stat vs;
    struct stat hs;
    char hp[VK_PATH_MAX + 96];
    snprintf(hp, sizeof hp, "%s/%s", e->root, rel);
    if (vk_lstat(e->p, vp, &vs) < 0 || lstat(hp, &hs) < 0) return;
    ment *m = find(e, rel);
    if (!m) {
        note(e, rel, &hs, &vs); /* appended: the index is not needed for it any more */
        return;
    }
    m->mode = hs.st_mode;
    m->size = (uint64_t)hs.st_size;
    m->ino = (uint64_t)hs.st_ino;
    m->mtime_ns = host_mtime(&hs);
    m->vdev = vs.dev;
    m->vino = vs.ino;
    m->vsize = vs.size;
    m->vmtime = vs.mtime_ns;
    m->vctime = vs.ctime_ns;
    m->vmode = vs.mode;
}

static int apply(esc *e, plan *pl)
{
    int rc = 0;
    char vp[VK_PATH_MAX];
    /* deletes first (deepest first: the manifest is in walk order, parents before children),
     * so a rename's old name goes before its new one appears */
    for (size_t i = e->n; i-- > 0 && rc >= 0;) {
        if (e->ents[i].seen) continue;
        e->deleted = true; /* the manifest keeps the entry: the next export must walk */
        if ((rc = vm_path(vp, sizeof vp, e->ents[i].rel)) < 0) break;
        rc = vm_remove(e->p, vp);
    }
    for (size_t i = 0; i < pl->n && rc >= 0; i++) {
        change *c = &pl->c[i];
        if ((rc = vm_path(vp, sizeof vp, c->rel)) < 0) break;
        if (c->replace && (rc = vm_remove(e->p, vp)) < 0) break;
        switch (c->kind) {
        case 1: rc = copy_in(e, c->rel, c->mode); break;
        case 2:
            rc = vk_mkdir(e->p, vp, 0700);
            if (rc == VOS_EEXIST) rc = 0;
            /* its mode after its contents: a read-only directory would refuse them */
            break;
        case 3: {
            char hp[VK_PATH_MAX + 96], t[VK_PATH_MAX];
            snprintf(hp, sizeof hp, "%s/%s", e->root, c->rel);
            ssize_t n = readlink(hp, t, sizeof t - 1);
            if (n < 0) { rc = herr(); break; }
            t[n] = 0;
            vm_remove(e->p, vp);
            rc = vk_symlink(e->p, t, vp);
            break;
        }
        case 4: rc = vk_chmod(e->p, vp, c->mode & 07777); break;
        }
        if (rc >= 0) renote(e, c->rel, vp); /* directories too: a partial scan trusts them */
    }
    for (size_t i = pl->n; i-- > 0 && rc >= 0;)
        if (pl->c[i].kind == 2 && vm_path(vp, sizeof vp, pl->c[i].rel) == 0)
            rc = vk_chmod(e->p, vp, pl->c[i].mode & 07777);
    return rc;
}

/* Is rel in v (under: or below an entry of v)? */
static bool in_list(char **v, size_t n, const char *rel, bool under)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        if (strncmp(v[i], rel, l) != 0) continue;
        if (rel[l] == 0 || (under && (l == 0 || rel[l] == '/'))) return true;
    }
    return false;
}

static bool add_rel(esc *e, char ***v, size_t *n, const char *rel)
{
    if (in_list(*v, *n, rel, false)) return true;
    if (*n >= 256) return false; /* a program that changed this much: scan everything */
    char **nv = vk_realloc(e->p, *v, (*n + 1) * sizeof *nv);
    if (!nv) return false;
    *v = nv;
    if (!(nv[*n] = vk_strdup(e->p, rel))) return false;
    (*n)++;
    return true;
}

/* Read the watches' events of the run: the directories the program changed (e->chg) and the
 * directories it created, moved or removed (e->deep). False when they cannot say (an
 * overflow, an unknown watch, too much): the import scans everything. */
static bool collect(esc *e)
{
    struct vk_esc_cache *c = e->cache;
    _Alignas(struct inotify_event) char buf[16384];
    for (;;) {
        ssize_t n = read(c->ifd, buf, sizeof buf);
        if (n < 0) return errno == EAGAIN;
        if (n == 0) return false;
        for (char *q = buf; q < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)(void *)q;
            q += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) return false;
            /* a watch gone, a directory itself moved or removed: its parent's watch has it */
            if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) continue;
            if (ev->wd < 0 || (size_t)ev->wd >= c->nwd || !c->wd_rel[ev->wd]) return false;
            const char *dir = c->wd_rel[ev->wd];
            if (!add_rel(e, &e->chg, &e->nchg, dir)) return false;
            if ((ev->mask & IN_ISDIR) && ev->len &&
                (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))) {
                char r[VK_PATH_MAX];
                if (snprintf(r, sizeof r, "%s%s%s", dir, *dir ? "/" : "", ev->name) >=
                    (int)sizeof r)
                    return false;
                if (!add_rel(e, &e->deep, &e->ndeep, r)) return false;
            }
        }
    }
}

/* Throw away the events so far (the export's own writes). */
static void drain(struct vk_esc_cache *c)
{
    char buf[4096];
    while (read(c->ifd, buf, sizeof buf) > 0) {}
}

static void plan_free(esc *e, plan *pl)
{
    for (size_t i = 0; i < pl->n; i++) vk_free(e->p, pl->c[i].rel);
    vk_free(e->p, pl->c);
    memset(pl, 0, sizeof *pl);
}

/* Where the watches say the program changed something, the host copy is listed again: an
 * entry of a directory with events, a tree created, moved or removed; every other entry is
 * as the manifest says. Not when a file has several links (a write through one name is seen
 * in that name's directory only): then, and when the watches cannot say, everything. */
static int scan_changes(esc *e, plan *pl)
{
    struct vk_esc_cache *c = e->cache;
    bool partial = c && c->watching && collect(e);
    int rc = 0;
    /* a tree is listed from its parent's listing, once: the parent is listed (its events
     * may have come under an older name of it), the directories below are not on their own */
    for (size_t i = 0; partial && i < e->ndeep; i++) {
        char par[VK_PATH_MAX];
        const char *sl = strrchr(e->deep[i], '/');
        snprintf(par, sizeof par, "%.*s", sl ? (int)(sl - e->deep[i]) : 0, e->deep[i]);
        if (!in_list(e->deep, e->ndeep, par, true) && !add_rel(e, &e->chg, &e->nchg, par))
            partial = false;
    }
    if (partial) {
        for (size_t i = 0; i < e->n; i++) {
            ment *m = &e->ents[i];
            const char *sl = strrchr(m->rel, '/');
            size_t pl_ = sl ? (size_t)(sl - m->rel) : 0;
            bool relist = in_list(e->deep, e->ndeep, m->rel, true);
            for (size_t k = 0; k < e->nchg && !relist; k++)
                relist = strlen(e->chg[k]) == pl_ && strncmp(e->chg[k], m->rel, pl_) == 0;
            m->seen = !relist;
        }
        for (size_t k = 0; k < e->nchg && rc == 0; k++) {
            if (in_list(e->deep, e->ndeep, e->chg[k], true)) continue;
            char hp[VK_PATH_MAX + 96];
            snprintf(hp, sizeof hp, "%s%s%s", e->root, *e->chg[k] ? "/" : "", e->chg[k]);
            struct stat st;
            if (lstat(hp, &st) < 0 || !S_ISDIR(st.st_mode)) continue; /* gone: its parent says */
            rc = scan(e, pl, e->chg[k], 1, true);
        }
        if (rc == 0 && !e->links) return 0;
        plan_free(e, pl);
        if (rc < 0 && rc != VOS_ENOMEM) return rc;
        rc = 0;
    }
    for (size_t i = 0; i < e->n; i++) e->ents[i].seen = false;
    if (c) {
        if (c->ifd < 0) c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        c->watching = c->ifd >= 0;
    }
    e->links = false;
    rc = scan(e, pl, "", 0, false);
    /* several links to one file: watching cannot tell every change */
    if (c && e->links) c->watching = false;
    return rc;
}

/* Import the program's changes. The quota is checked before anything changes. */
static int import(esc *e)
{
    plan pl = {0};
    int rc = index_build(e->p, e->ents, e->n, &e->idx, &e->mask);
    if (rc == 0) rc = scan_changes(e, &pl);
    if (rc < 0) return rc;
    for (size_t i = 0; i < e->n; i++)
        if (!e->ents[i].seen && S_ISREG(e->ents[i].mode)) pl.delta -= (int64_t)e->ents[i].size;
    vk_vm *vm = e->p->vm;
    int64_t used = atomic_load(&vm->fs_bytes);
    if (pl.delta > 0 && (uint64_t)(used + pl.delta) > vm->lim.fs_bytes) {
        vk_set_errmsg(vm, "filesystem size limit (%llu bytes) exceeded",
                      (unsigned long long)vm->lim.fs_bytes);
        return VOS_EFSBYTES;
    }
    return apply(e, &pl);
}

/* ---- the run ---- */

/* The stdin pump: a VM process reading the VM's fd 0 into the jail's stdin socket. */
static int pump_in(vk_proc *c, void *arg)
{
    int sock = *(int *)arg;
    /* hold no other end open: a reader of the program's output must see its EOF */
    for (int fd = 1; fd < c->nfds; fd++)
        if (vk_fd_valid(c, fd)) vk_close(c, fd);
    char buf[16384];
    for (;;) {
        ssize_t n = vk_read(c, 0, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = send(sock, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) goto out;
            off += w;
        }
    }
out:
    shutdown(sock, SHUT_WR);
    return 0;
}

/* The jail's /etc: one directory per VM (DIR/etc), built at its first escalation, holding the
 * image's files programs need (hard links, or copies where the host refuses a link) and the
 * VM's passwd and group; the two big trees are bound on top of it. One bind instead of one per
 * file: bwrap's cost grows with every mount. Only what every host user may read is taken
 * (not /etc/ssl/private). */
static const char *const etc_files[] = {
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "ssl",
    "ssl/openssl.cnf", "ca-certificates", "python3", "python3.11", "gitconfig", "mime.types",
    "os-release", "debian_version", "protocols", "services", "gprofng.rc", NULL};
static const char *const etc_binds[] = {"alternatives", "ssl/certs", NULL};

/* Copy the host file from into the new file to (both absolute), mode mode. */
static int copy_host_file(const char *from, const char *to, unsigned mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) return herr();
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (out < 0) {
        close(in);
        return herr();
    }
    char buf[16384];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0) rc = herr();
            break;
        }
        if (write(out, buf, (size_t)n) != n) {
            rc = herr();
            break;
        }
    }
    close(in);
    if (close(out) < 0 && rc == 0) rc = herr();
    return rc;
}

/* Take the image's from into to (rel: its path under the jail's /etc): symlinks as they are,
 * world-readable files linked or copied, world-readable directories entry by entry
 * (depth-bounded; these are small), but the trees bound on top (etc_binds) only as empty
 * places. */
/* Make path's missing directories (and path itself: a directory when dir, else an empty
 * file), refusing a symlink in any component past its first from bytes (trusted): under
 * NEWROOT a path resolves in the base, where an absolute link would lead elsewhere, and in an
 * /etc being built a link copied from the image would lead out to the host. System calls
 * only (the composer runs it on the parent's memory). */
static bool mkpoint(const char *path, size_t from, bool dir)
{
    char b[VK_PATH_MAX + 256];
    size_t l = strlen(path);
    if (l >= sizeof b || from > l) return false;
    memcpy(b, path, l + 1);
    struct stat st;
    for (char *s = b + (from ? from : 1);; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = 0;
        if (lstat(b, &st) == 0) {
            if (S_ISLNK(st.st_mode)) {
                errno = ELOOP;
                return false;
            }
        } else if (errno != ENOENT) {
            return false;
        } else if (c || dir) {
            if (mkdir(b, 0755) < 0) return false;
        } else {
            int fd = open(b, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
            if (fd < 0) return false;
            close(fd);
        }
        if (!c) return true;
        *s = c;
    }
}

static int etc_take(const char *from, const char *to, const char *rel, int depth)
{
    for (int i = 0; etc_binds[i]; i++)
        if (!strcmp(rel, etc_binds[i]))
            return mkpoint(to, (size_t)(rel - to), true) ? 0 : herr();
    struct stat st;
    if (lstat(from, &st) < 0) return 0;
    if (S_ISLNK(st.st_mode)) {
        char t[VK_PATH_MAX];
        ssize_t n = readlink(from, t, sizeof t - 1);
        if (n < 0) return 0;
        t[n] = 0;
        return symlink(t, to) < 0 && errno != EEXIST ? herr() : 0;
    }
    if (S_ISREG(st.st_mode)) {
        if ((st.st_mode & S_IROTH) == 0) return 0;
        if (link(from, to) == 0 || errno == EEXIST) return 0;
        return copy_host_file(from, to, st.st_mode);
    }
    if (!S_ISDIR(st.st_mode) || (st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH) ||
        depth > 4)
        return 0;
    if (mkdir(to, 0755) < 0 && errno != EEXIST) return herr();
    DIR *d = opendir(from);
    if (!d) return 0;
    struct dirent *de;
    int rc = 0, n = 0;
    while (rc == 0 && (de = readdir(d)) && n++ < 256) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char f2[VK_PATH_MAX + 256], t2[VK_PATH_MAX + 256];
        snprintf(f2, sizeof f2, "%s/%s", from, de->d_name);
        snprintf(t2, sizeof t2, "%s/%s", to, de->d_name);
        rc = etc_take(f2, t2, t2 + (rel - to), depth + 1);
    }
    closedir(d);
    return rc;
}

static int write_host_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return herr();
    ssize_t n = (ssize_t)strlen(s);
    int rc = write(fd, s, (size_t)n) == n ? 0 : herr();
    if (close(fd) < 0 && rc == 0) rc = herr();
    return rc;
}

/* Build DIR/etc for the VM user (uid, name user, home) (once per host copy). */
static int etc_build(const char *dir, const char *img, unsigned uid, const char *user,
                     const char *home)
{
    char etc[VK_PATH_MAX], tmp[VK_PATH_MAX + 8], from[VK_PATH_MAX + 256], to[VK_PATH_MAX + 64];
    snprintf(etc, sizeof etc, "%s/etc", dir);
    if (access(etc, F_OK) == 0) return 0;
    /* built aside, renamed into place when complete: a half-built one is never used */
    snprintf(tmp, sizeof tmp, "%s/etc.new", dir);
    rm_tree(tmp);
    if (mkdir(tmp, 0755) < 0) return herr();
    int rc = 0;
    for (int i = 0; rc == 0 && etc_files[i]; i++) {
        snprintf(from, sizeof from, "%s/etc/%s", img, etc_files[i]);
        snprintf(to, sizeof to, "%s/%s", tmp, etc_files[i]);
        rc = etc_take(from, to, to + strlen(tmp) + 1, 0);
    }
    /* empty places for the trees bound on top */
    for (int i = 0; rc == 0 && etc_binds[i]; i++) {
        snprintf(to, sizeof to, "%s/%s", tmp, etc_binds[i]);
        if (!mkpoint(to, strlen(tmp), true)) rc = herr();
    }
    /* passwd and group name the VM's user */
    char pw[1024], gr[512];
    const char *nobody = "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    if (uid) {
        snprintf(pw, sizeof pw, "root:x:0:0:root:/root:/bin/sh\n%s:x:%u:%u::%s:/bin/sh\n%s",
                 user, uid, uid, home, nobody);
        snprintf(gr, sizeof gr, "root:x:0:\n%s:x:%u:\n", user, uid);
    } else {
        snprintf(pw, sizeof pw, "root:x:0:0:root:/root:/bin/sh\n%s", nobody);
        snprintf(gr, sizeof gr, "root:x:0:\n");
    }
    snprintf(to, sizeof to, "%s/passwd", tmp);
    if (rc == 0) rc = write_host_file(to, pw);
    snprintf(to, sizeof to, "%s/group", tmp);
    if (rc == 0) rc = write_host_file(to, gr);
    if (rc == 0 && rename(tmp, etc) < 0) rc = herr();
    if (rc < 0) rm_tree(tmp);
    return rc;
}

/* ---- /etc, shared ----
 * A jail's /etc depends only on the image, the uid and the VM's user name and home: it is
 * built once per process for each such set, in a host directory of its own held (locked)
 * like a host copy for the process's life, and bound read-only into every jail that
 * matches. A VM's first call then copies nothing for it. Past ETC_SHARED_MAX sets, or when
 * the shared directory cannot be made, a VM builds its own in its host copy's directory. */
#define ETC_SHARED_MAX 16
static struct etc_shared {
    char *key;       /* "image\nuid\nuser\nhome" (malloc) */
    char dir[64];
} g_etc[ETC_SHARED_MAX];
static size_t g_netc;
static pthread_mutex_t g_etc_mu = PTHREAD_MUTEX_INITIALIZER;

/* What a jail's /etc depends on, as one string in key (ETC_KEY_MAX bytes): its length, or
 * -1 when it does not fit. */
#define ETC_KEY_MAX (VK_PATH_MAX + 512)
static int etc_key(char *key, const char *img, unsigned uid, const char *user, const char *home)
{
    int kl = snprintf(key, ETC_KEY_MAX, "%s\n%u\n%s\n%s", img, uid, user, home);
    return kl < 0 || kl >= ETC_KEY_MAX ? -1 : kl;
}

/* The /etc of a jail (image img, the VM user uid named user, home) into out (n bytes): shared,
 * else built in dir (the VM's host copy directory; none: an error). 0 or -errno. */
static int etc_path(const char *dir, const char *img, unsigned uid, const char *user,
                    const char *home, char *out, size_t n)
{
    char key[ETC_KEY_MAX];
    int kl = etc_key(key, img, uid, user, home);
    pthread_mutex_lock(&g_etc_mu);
    for (size_t i = 0; i < g_netc; i++)
        if (!strcmp(g_etc[i].key, key)) {
            snprintf(out, n, "%s/etc", g_etc[i].dir);
            pthread_mutex_unlock(&g_etc_mu);
            return 0;
        }
    if (g_netc < ETC_SHARED_MAX && kl > 0) {
        struct etc_shared *s = &g_etc[g_netc];
        snprintf(s->dir, sizeof s->dir, "/tmp/vos-esc-XXXXXX");
        bool made = mkdtemp(s->dir) != NULL;
        /* the lock stays held for the process's life: no sweep takes the directory */
        int lk = made ? dir_lock(s->dir, false) : -1;
        if (lk >= 0 && etc_build(s->dir, img, uid, user, home) == 0 &&
            (s->key = strdup(key))) {
            g_netc++;
            atomic_store(&g_dirs_pid, (int)getpid());
            snprintf(out, n, "%s/etc", s->dir);
            pthread_mutex_unlock(&g_etc_mu);
            return 0;
        }
        if (made) rm_tree(s->dir);
        if (lk >= 0) close(lk);
        s->dir[0] = 0;
    }
    pthread_mutex_unlock(&g_etc_mu);
    if (!dir) return VOS_ENOMEM;
    int rc = etc_build(dir, img, uid, user, home);
    if (rc < 0) return rc;
    snprintf(out, n, "%s/etc", dir);
    return 0;
}

/* At the process's normal end, the kept copies and the shared /etc directories go with it (a
 * process that dies leaves them to the next one's sweep). Not in a child the host forked: they
 * are the parent's. */
__attribute__((destructor)) void vk_escalate_process_end(void)
{
    int pid = atomic_load(&g_dirs_pid);
    if (!pid || getpid() != pid) return;
    pthread_mutex_lock(&g_pool_mu);
    for (size_t i = 0; i < g_npool; i++) {
        rm_tree(g_pool[i].dir);
        close(g_pool[i].lockfd);
        pooled_free(&g_pool[i]);
    }
    g_npool = 0;
    g_ending = true;
    pthread_mutex_unlock(&g_pool_mu);
    pthread_mutex_lock(&g_etc_mu);
    for (size_t i = 0; i < g_netc; i++) {
        rm_tree(g_etc[i].dir);
        free(g_etc[i].key);
    }
    g_netc = 0;
    pthread_mutex_unlock(&g_etc_mu);
}

typedef struct argvb {
    vk_proc *p;
    char **v;
    size_t n, cap;
    bool fail;
} argvb;

/* Append s (a copy: the process's allocation, or malloc's when a->p is NULL; without memory,
 * the process ends with 126, or a->fail is set). */
static void add(argvb *a, const char *s)
{
    if (a->fail) return;
    if (a->n + 2 > a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 128;
        char **nv = a->p ? vk_realloc(a->p, a->v, nc * sizeof *nv) : realloc(a->v, nc * sizeof *nv);
        if (!nv && a->p) vk_exit(a->p, 126);
        if (!nv) {
            a->fail = true;
            return;
        }
        a->v = nv;
        a->cap = nc;
    }
    char *c = a->p ? vk_strdup(a->p, s) : strdup(s);
    if (!c && a->p) vk_exit(a->p, 126);
    if (!c) {
        a->fail = true;
        return;
    }
    a->v[a->n++] = c;
    a->v[a->n] = NULL;
}

static void argv_free(argvb *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->p) vk_free(a->p, a->v[i]);
        else free(a->v[i]);
    }
    if (a->p) vk_free(a->p, a->v);
    else free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static bool host_exists(const char *img, const char *path)
{
    char b[VK_PATH_MAX + 256];
    snprintf(b, sizeof b, "%s%s", img, path);
    return access(b, F_OK) == 0;
}

static void ro_bind(argvb *a, const char *img, const char *path)
{
    char b[VK_PATH_MAX + 256];
    snprintf(b, sizeof b, "%s%s", img, path);
    add(a, "--ro-bind");
    add(a, b);
    add(a, path);
}

static void set_comm(vk_proc *p, const char *name)
{
    VK_LOCK(p->vm);
    snprintf(p->comm, sizeof p->comm, "%s", name);
    VK_UNLOCK(p->vm);
}

static void kill_jail(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

static bool image_has(vk_vm *vm, const char *name)
{
    const char *img = vm->escalate_image ? vm->escalate_image : "";
    char b[VK_PATH_MAX + 256];
    snprintf(b, sizeof b, "%s/usr/bin/%s", img, name);
    if (access(b, X_OK) == 0) return true;
    snprintf(b, sizeof b, "%s/usr/local/bin/%s", img, name);
    return access(b, X_OK) == 0;
}

bool vk_escalate_offers(vk_vm *vm, const char *name)
{
    return !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
           vk_escalate_listed(vm, name) && vk_cmd_allowed(vm, name) && image_has(vm, name);
}

/* What the jail's first process starts with. */
typedef struct spawn_args {
    char **argv, **env;
    int fds[3];
    struct rlimit as, cpu, nproc;
    bool set_nproc, limits;
    const hbind *binds;
    size_t nbinds;
    int keep;            /* one more fd bwrap gets (its --info-fd), or -1 */
    /* in a persistent jail (spawn_in_jail): its namespaces, the cwd, a fresh /tmp or not, the
     * program's pid (set by the middle child) and the failure of a step, for a message */
    const int *ns;
    int initfd;
    const char *cwd;
    bool fresh_tmp;
    pid_t pid;
    char *stack;
    size_t stacksz;
} spawn_args;

/* A child's limits and stdio (it shares the parent's memory until execve: system calls only,
 * no allocation, no locks). */
static void child_setup(const spawn_args *s)
{
    if (s->limits) {
        setrlimit(RLIMIT_AS, &s->as);
        setrlimit(RLIMIT_CPU, &s->cpu);
        /* per real uid on the host; root's count holds the whole machine's */
        if (s->set_nproc) setrlimit(RLIMIT_NPROC, &s->nproc);
    }
    for (int i = 0; i < 3; i++) dup2(s->fds[i], i);
    /* nothing the host process holds reaches the jail: not even fds it inherited
     * without close-on-exec (Linux 5.11; older kernels keep them) */
    syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
}

/* The handler table is the child's own copy: caught signals go back to their default before
 * the mask opens (a handler must not run on the parent's memory), SIGPIPE too. */
static void child_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction act;
        if (sigaction(sig, NULL, &act) < 0) continue;
        if (act.sa_handler == SIG_DFL || (act.sa_handler == SIG_IGN && sig != SIGPIPE)) continue;
        act.sa_handler = SIG_DFL;
        act.sa_flags = 0;
        sigaction(sig, &act, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The child of spawn_bwrap: it shares the parent's memory until execve, so it only makes
 * system calls (no allocation, no locks) and runs no handler of the parent's. */
static int spawn_child(void *arg)
{
    const spawn_args *s = arg;
    setpgid(0, 0);
    child_setup(s);
    for (size_t i = 0; i < s->nbinds; i++) fcntl(s->binds[i].fd, F_SETFD, 0);
    if (s->keep >= 0) fcntl(s->keep, F_SETFD, 0);
    child_signals();
    execve(BWRAP, s->argv, s->env);
    _exit(127);
}

/* Start bwrap the way posix_spawn does (the child borrows the parent's memory until it
 * execs): no copy of a big host process's page tables, as fork would make, for a child that
 * execs at once. Returns its pid, or -1 with errno. */
static pid_t spawn_bwrap(spawn_args *s)
{
    size_t sz = 256 * 1024;
    void *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                       -1, 0);
    if (stack == MAP_FAILED) return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
#if VK_TSAN
    /* ThreadSanitizer treats clone as a fork and keeps its bookkeeping in the memory a
     * CLONE_VM child shares with us, which would mark this process as a forked child; a
     * plain fork keeps that in the child's own copy. */
    pid_t pid = fork();
    if (pid == 0) _exit(spawn_child(s));
#else
    pid_t pid = clone(spawn_child, (char *)stack + sz, CLONE_VM | CLONE_VFORK | SIGCHLD, s);
#endif
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, sz);
    errno = saved;
    return pid;
}

/* ---- the persistent jail ----
 * bwrap's start (a dozen mounts, a pivot_root, two user namespaces) is most of an escalation's
 * cost. A VM keeps the namespaces one bwrap made (user, mount, network, IPC, UTS, cgroup: held
 * by fds, no process stays) and starts each program in them: a middle child joins them, and
 * its child, the program, begins a PID namespace of its own (the whole tree dies with it) in a
 * private copy of the mount namespace (a /proc of that PID namespace, read-only /proc/sys as
 * bwrap makes it, a fresh /tmp where the jail has no VM /tmp), drops every capability, and
 * execs. The jail is made again when bwrap's arguments would change (a new top-level
 * directory, another hostfs mount, the hostname, the uid). */

/* What a jail is made of: bwrap's arguments v (n of them), each bound directory named by its
 * device and inode as well (a directory replaced at the same path is another jail). VM
 * allocation, or NULL. */
static char *jail_sig(vk_vm *vm, char **v, size_t n, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *b = vk_vm_alloc(vm, cap);
    for (size_t i = 0; b && i < n; i++) {
        char extra[64] = "";
        struct stat st;
        const char *prev = i ? v[i - 1] : "";
        if ((!strcmp(prev, "--bind-fd") || !strcmp(prev, "--ro-bind-fd")) &&
            fstat(atoi(v[i]), &st) == 0)
            snprintf(extra, sizeof extra, "fd:%llu:%llu", (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino);
        else if ((!strcmp(prev, "--bind") || !strcmp(prev, "--ro-bind")) && lstat(v[i], &st) == 0)
            snprintf(extra, sizeof extra, ":%llu:%llu", (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino);
        const char *arg = extra[0] == 'f' ? "" : v[i];
        size_t need = strlen(arg) + strlen(extra) + 1;
        if (used + need > cap) {
            size_t nc = cap;
            while (used + need > nc) nc *= 2;
            char *nb = vk_vm_realloc(vm, b, cap, nc);
            if (!nb) {
                vk_vm_free(vm, b, cap);
                return NULL;
            }
            b = nb;
            cap = nc;
        }
        used += (size_t)sprintf(b + used, "%s%s", arg, extra) + 1;
    }
    if (b && used < cap) {
        char *nb = vk_vm_realloc(vm, b, cap, used ? used : 1);
        if (nb) {
            b = nb;
            cap = used ? used : 1;
        }
    }
    *len = cap;
    return b;
}

/* Read from fd until the buffer holds end (a string) or the deadline; true when it does. */
static bool read_until(int fd, char *buf, size_t n, const char *end, double deadline_ms)
{
    size_t used = 0;
    buf[0] = 0;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double now = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
        if (now >= deadline_ms || used + 1 >= n) return false;
        struct pollfd pf = {fd, POLLIN, 0};
        int np = poll(&pf, 1, (int)(deadline_ms - now) + 1);
        if (np < 0 && errno == EINTR) continue;
        if (np <= 0) return false;
        ssize_t r = read(fd, buf + used, n - 1 - used);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        used += (size_t)r;
        buf[used] = 0;
        if (strstr(buf, end)) return true;
    }
}

#ifdef VK_ESC_INIT
/* the init of the programs' PID namespaces (Makefile: src/kernel/escalate-init/init.c) */
__asm__(".pushsection .rodata\n.balign 16\n.globl vk_esc_init_bin\n.hidden vk_esc_init_bin\n"
        "vk_esc_init_bin:\n.incbin \"" VK_ESC_INIT "\"\n.globl vk_esc_init_end\n"
        ".hidden vk_esc_init_end\nvk_esc_init_end:\n.popsection\n");
extern const char vk_esc_init_bin[], vk_esc_init_end[];
#endif

/* A sealed memfd holding the init (exec'd from there: no file of it in the jail), or -1. */
static int init_memfd(void)
{
#ifdef VK_ESC_INIT
    int fd = memfd_create("vos-esc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    size_t n = (size_t)(vk_esc_init_end - vk_esc_init_bin), off = 0;
    while (off < n) {
        ssize_t w = write(fd, vk_esc_init_bin + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        close(fd);
        return -1;
    }
    return fd;
#else
    return -1;
#endif
}

/* Start a jail: bwrap with the jail's arguments v (n of them) runs cat as its only process;
 * once cat answers (every namespace is made), the kernel keeps the fds of its namespaces in
 * nsout (NS_N of them, -1 where none) and lets it end. p: the VM process asking (NULL: the
 * process-wide base). 0, or -1. */
static int jail_start(vk_proc *p, char **v, size_t n, spawn_args *tmpl, int *nsout)
{
    int info[2] = {-1, -1}, in[2] = {-1, -1}, out[2] = {-1, -1}, null = -1, rc = -1;
    pid_t pid = -1;
    argvb a = {p, NULL, 0, 0, false};
    for (size_t i = 0; i < n; i++) add(&a, v[i]);
    if (a.fail || pipe2(info, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0 ||
        pipe2(out, O_CLOEXEC) < 0 || (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
        goto out;
    char num[32];
    snprintf(num, sizeof num, "%d", info[1]);
    /* the namespaces outlive a program: what it could write outside the VM's files (the
     * jail's root and /dev, both tmpfs) is read-only, /tmp and /dev/shm fresh per program */
    add(&a, "--remount-ro");
    add(&a, "/");
    add(&a, "--remount-ro");
    add(&a, "/dev");
    add(&a, "--as-pid-1");
    add(&a, "--info-fd");
    add(&a, num);
    add(&a, "--");
    add(&a, "/usr/bin/cat");
    spawn_args sa = *tmpl;
    sa.argv = a.v;
    sa.fds[0] = in[0];
    sa.fds[1] = out[1];
    sa.fds[2] = null;
    sa.limits = false;
    sa.keep = info[1];
    pid = a.fail ? -1 : spawn_bwrap(&sa);
    close(info[1]);
    close(in[0]);
    close(out[1]);
    info[1] = in[0] = out[1] = -1;
    if (pid < 0) goto out;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double deadline = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6 + 10000;
    char buf[1024];
    const char *cp;
    if (!read_until(info[0], buf, sizeof buf, "}", deadline) ||
        !(cp = strstr(buf, "\"child-pid\":")))
        goto out;
    long child = strtol(cp + 12, NULL, 10);
    /* cat echoes a line once it runs: bwrap has made every namespace by then */
    if (child <= 1 || write(in[1], "x\n", 2) != 2 ||
        !read_until(out[0], buf, sizeof buf, "\n", deadline))
        goto out;
    static const char *const names[NS_N] = {NULL, "mnt", "net", "ipc", "uts", "cgroup", "user"};
    int ns[NS_N];
    for (int i = 0; i < NS_N; i++) ns[i] = -1;
    bool ok = true;
    for (int i = 1; i < NS_N && ok; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/%s", child, names[i]);
        ns[i] = open(path, O_RDONLY | O_CLOEXEC);
        /* a kernel without cgroup namespaces: the host's stays (bwrap would do the same) */
        if (ns[i] < 0 && !(i == NS_CGROUP && errno == ENOENT)) ok = false;
    }
    if (ok) ns[NS_UOWN] = ioctl(ns[NS_MNT], NS_GET_USERNS);
    struct stat s1, s2;
    ok = ok && ns[NS_UOWN] >= 0 && fstat(ns[NS_UOWN], &s1) == 0 && fstat(ns[NS_USER], &s2) == 0;
    if (ok && s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev) {
        close(ns[NS_USER]);
        ns[NS_USER] = -1;
    }
    if (ok) {
        for (int i = 0; i < NS_N; i++) nsout[i] = ns[i];
        rc = 0;
    } else {
        for (int i = 0; i < NS_N; i++)
            if (ns[i] >= 0) close(ns[i]);
    }
out:
    if (pid > 0) {
        if (rc < 0) kill_jail(pid);
        if (in[1] >= 0) close(in[1]); /* cat sees EOF and ends, and bwrap with it */
        in[1] = -1;
        int ws;
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    }
    int fds[] = {info[0], info[1], in[0], in[1], out[0], out[1], null};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0) close(fds[i]);
    argv_free(&a);
    return rc;
}

/* Mount fs on path in the program's mount namespace, or bind path read-only onto itself
 * (fs NULL); a missing path is no failure. */
static bool jail_mount(const char *fs, const char *path, const char *data)
{
    if (fs) return mount(fs, path, fs, MS_NOSUID | MS_NODEV | (data ? 0 : MS_NOEXEC), data) == 0;
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return errno == ENOENT;
    return mount(NULL, path, NULL,
                 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0;
}

/* End a child that shares the parent's memory: the exit system call itself (_exit is
 * noreturn, which a sanitizer's runtime handles on the parent's stack, not this one). */
static int child_exit(int code)
{
    syscall(SYS_exit, code);
    return code;
}

/* bwrap's message for a failed step (no stdio, no locale in a child on the parent's memory). */
static void child_fail(const char *what, const char *arg, int err)
{
    const char *desc = strerrordesc_np(err);
    const char *parts[] = {"bwrap: ", what, arg, ": ", desc ? desc : "error", "\n"};
    char msg[VK_PATH_MAX + 256];
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        size_t l = strlen(parts[i]);
        if (n + l > sizeof msg) l = sizeof msg - n;
        memcpy(msg + n, parts[i], l);
        n += l;
    }
    ssize_t w = write(2, msg, n);
    (void)w;
}

/* The program, first process of its own PID namespace (in the jail's others): its mount
 * namespace, no capabilities, then the program. Shares the parent's memory until execve. */
static int jail_exec(void *arg)
{
    const spawn_args *s = arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* as bwrap's --die-with-parent */
    setsid();                         /* as --new-session */
    child_setup(s);
    static const char *const ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
                                     "/proc/bus"};
    const char *step = "/";
    bool ok = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    if (ok) ok = jail_mount("proc", step = "/proc", NULL);
    for (size_t i = 0; ok && i < sizeof ro / sizeof *ro; i++)
        ok = jail_mount(NULL, step = ro[i], NULL);
    if (ok && s->fresh_tmp) ok = jail_mount("tmpfs", step = "/tmp", "mode=0755");
    if (ok) ok = jail_mount("tmpfs", step = "/dev/shm", "mode=1777");
    if (!ok) {
        child_fail("Can't mount the jail's ", step, errno);
        return child_exit(1);
    }
    /* the program's user namespace last: the mounts above belong to the one owning the jail's,
     * out of the program's reach as bwrap leaves them */
    if (s->ns[NS_USER] >= 0 && setns(s->ns[NS_USER], CLONE_NEWUSER) < 0) {
        child_fail("Can't enter the jail's ", "user namespace", errno);
        return child_exit(1);
    }
    /* no capability, now or after an exec (even as uid 0 in the jail), as bwrap leaves it */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return child_exit(1);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0) return child_exit(1);
    child_signals();
    if (chdir(s->cwd) < 0) {
        child_fail("Can't chdir to ", s->cwd, errno);
        return child_exit(1);
    }
    /* the namespace's init, which starts the program (src/kernel/escalate-init/init.c) */
    syscall(SYS_execveat, s->initfd, "", s->argv, s->env, AT_EMPTY_PATH);
    child_fail("Can't start the jail's ", "init", errno);
    return child_exit(1);
}

/* The middle child: joins the jail's namespaces (all but the program's user namespace),
 * starts the program in a new PID namespace as a child of the host process (not its own), and
 * ends. */
static int jail_middle(void *arg)
{
    spawn_args *s = arg;
    for (int i = 0; i < NS_USER; i++)
        if (s->ns[i] >= 0 && setns(s->ns[i], 0) < 0) return child_exit(1);
    s->pid = clone(jail_exec, s->stack + s->stacksz,
                   CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_NEWPID | SIGCHLD, s);
    return child_exit(s->pid < 0);
}

/* Start s->argv (the program's argv) in the VM's jail: its pid, or -1 with errno. */
static pid_t spawn_in_jail(spawn_args *s)
{
    size_t sz = 256 * 1024;
    char *stack = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    s->stack = stack + sz;
    s->stacksz = sz;
    s->pid = -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t mid = clone(jail_middle, stack + sz, CLONE_VM | CLONE_VFORK | SIGCHLD, s);
    int saved = errno, ws = 0;
    if (mid > 0)
        while (waitpid(mid, &ws, 0) < 0 && errno == EINTR) {}
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, 2 * sz);
    if (mid < 0) {
        errno = saved;
        return -1;
    }
    if (s->pid < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        if (s->pid > 0) {
            kill(s->pid, SIGKILL);
            while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR) {}
        }
        errno = EPERM;
        return -1;
    }
    return s->pid;
}

/* Run fn(arg) in a child that shares this process's memory and fd table until it ends (the
 * caller waits; signals blocked meanwhile, so no handler runs on its stack): true when it ran
 * and exited 0. */
static bool run_child(int (*fn)(void *), void *arg)
{
    size_t sz = 256 * 1024;
    char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                       -1, 0);
    if (stack == MAP_FAILED) return false;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(fn, stack + sz, CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, arg);
    int ws = 0;
    if (pid > 0)
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, sz);
    return pid > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

/* The loopback of the network namespace of socket fd up (as bwrap's --unshare-net leaves it):
 * true when it is. */
static bool loopback_up(int fd)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return false;
    if (ifr.ifr_flags & IFF_UP) return true;
    ifr.ifr_flags |= IFF_UP;
    return ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
}

/* ---- a VM's jail, made from the process's base ----
 * bwrap's own start was most of a VM's first call (3.5 ms: its exec and linking, two user
 * namespaces and their maps, a dozen mounts checked through /proc/self/mountinfo, the
 * pivot_root, cat's start). A process runs bwrap once per uid instead, for a base jail: the
 * user namespaces with the uid's maps, a /proc and a /dev as bwrap makes them (read-only), an
 * empty /.vos-new, and the host's tree at /.vos-host. No program runs in the base but
 * bwrap's cat while it is made; only the kernel joins it after, to make a VM's jail from it
 * (jail_compose): a child joins the base's user and mount namespaces, makes new mount, UTS,
 * IPC and network namespaces (the loopback up), builds the jail's root on a tmpfs at
 * /.vos-new from the arguments bwrap would get (each source found under /.vos-host), moves
 * into it with pivot_root and lets the old root go: the VM's namespaces hold nothing of the
 * base's host tree, and every mount in them is nosuid and nodev as bwrap's are. Where any
 * step fails, bwrap makes the VM's jail as before. */

#define BASE_MAX 8
#define NEWROOT "/.vos-new"
#define HOSTROOT "/.vos-host"
static struct jail_base {
    unsigned uid;
    bool failed;
    int ns[NS_N];
} g_base[BASE_MAX];
static size_t g_nbase;
static pthread_mutex_t g_base_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool g_compose_off;

void vk_escalate_compose(bool on)
{
    atomic_store(&g_compose_off, !on);
}

/* The image's /bin, /sbin and /lib* links (or directories) for bwrap's arguments. */
static void image_links(argvb *a, const char *img)
{
    static const char *const links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL};
    for (int i = 0; links[i]; i++) {
        char lp[64], b[VK_PATH_MAX + 256];
        snprintf(lp, sizeof lp, "/%s", links[i]);
        snprintf(b, sizeof b, "%s%s", img, lp);
        struct stat st;
        if (lstat(b, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char t[256];
            ssize_t n = readlink(b, t, sizeof t - 1);
            if (n <= 0) continue;
            t[n] = 0;
            add(a, "--symlink"); add(a, t); add(a, lp);
        } else {
            ro_bind(a, img, lp);
        }
    }
}

/* The base jail for uid, made at the first call that needs it; NULL when it cannot be made
 * (then or before). Under g_base_mu. */
static struct jail_base *base_get(unsigned uid)
{
    for (size_t i = 0; i < g_nbase; i++)
        if (g_base[i].uid == uid) return g_base[i].failed ? NULL : &g_base[i];
    if (g_nbase == BASE_MAX) return NULL;
    struct jail_base *b = &g_base[g_nbase++];
    b->uid = uid;
    b->failed = true;
    for (int i = 0; i < NS_N; i++) b->ns[i] = -1;
    argvb a = {NULL, NULL, 0, 0, false};
    char num[32];
    snprintf(num, sizeof num, "%u", uid);
    add(&a, "bwrap");
    add(&a, "--unshare-all");
    add(&a, "--unshare-user");
    add(&a, "--die-with-parent");
    add(&a, "--new-session");
    add(&a, "--uid"); add(&a, num);
    add(&a, "--gid"); add(&a, num);
    /* the host's /usr, for cat */
    ro_bind(&a, "", "/usr");
    image_links(&a, "");
    add(&a, "--proc"); add(&a, "/proc");
    add(&a, "--dev"); add(&a, "/dev");
    add(&a, "--dir"); add(&a, NEWROOT);
    add(&a, "--bind"); add(&a, "/"); add(&a, HOSTROOT);
    spawn_args sa;
    memset(&sa, 0, sizeof sa);
    char *noenv[] = {NULL};
    sa.env = noenv;
    sa.keep = sa.initfd = -1;
    if (!a.fail && jail_start(NULL, a.v, a.n, &sa, b->ns) == 0) b->failed = false;
    argv_free(&a);
    if (!b->failed) {
        /* a VM's jail has network, IPC and UTS namespaces of its own */
        for (int i = NS_NET; i <= NS_UTS; i++) {
            close(b->ns[i]);
            b->ns[i] = -1;
        }
    }
    return b->failed ? NULL : b;
}

enum { OP_BIND, OP_ROBIND, OP_SYMLINK, OP_BASE, OP_TMPFS };

/* One step of building a VM's jail: src (a path in the base: under HOSTROOT, or its /proc or
 * /dev) bound at dst (under NEWROOT), or the symlink src at dst, or a tmpfs; a bind with
 * dev/ino must find that directory there (a host directory mount's root). */
typedef struct cop {
    int kind;
    char *src, *dst;
    bool check;
    dev_t dev;
    ino_t ino;
} cop;

typedef struct compose {
    const int *base;
    cop *ops;
    size_t n;
    const char *hostname;
    int ns[NS_N]; /* out: the mount, network, IPC and UTS namespaces */
} compose;

/* Bind src at dst (its tree), nosuid and nodev (and read-only when ro) throughout. */
static bool cbind(const char *src, const char *dst, bool ro)
{
    struct stat st;
    if (stat(src, &st) < 0 || !mkpoint(dst, 0, S_ISDIR(st.st_mode))) return false;
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) return false;
    struct mount_attr ma;
    memset(&ma, 0, sizeof ma);
    ma.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0);
    return syscall(SYS_mount_setattr, AT_FDCWD, dst, AT_RECURSIVE, &ma, sizeof ma) == 0;
}

/* The child that makes a VM's jail from the base (see above). Shares the parent's memory and
 * fd table (the namespaces' fds land in it). */
static int compose_child(void *arg)
{
    compose *c = arg;
    static const char *const nspath[NS_N] = {
        NULL, HOSTROOT "/proc/self/ns/mnt", HOSTROOT "/proc/self/ns/net",
        HOSTROOT "/proc/self/ns/ipc", HOSTROOT "/proc/self/ns/uts", NULL, NULL};
    if (setns(c->base[NS_UOWN], CLONE_NEWUSER) < 0 || setns(c->base[NS_MNT], CLONE_NEWNS) < 0 ||
        unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0 ||
        sethostname(c->hostname, strlen(c->hostname)) < 0)
        return child_exit(1);
    for (int i = NS_MNT; i <= NS_UTS; i++)
        if ((c->ns[i] = open(nspath[i], O_RDONLY | O_CLOEXEC)) < 0) return child_exit(1);
    int sfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool up = sfd >= 0 && loopback_up(sfd);
    if (sfd >= 0) close(sfd);
    if (!up || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        return child_exit(1);
    for (size_t i = 0; i < c->n; i++) {
        const cop *o = &c->ops[i];
        bool ok = false;
        struct stat st;
        switch (o->kind) {
        case OP_BIND:
        case OP_ROBIND:
            ok = cbind(o->src, o->dst, o->kind == OP_ROBIND);
            /* a host directory mount: the very directory the VM holds */
            if (ok && o->check)
                ok = stat(o->dst, &st) == 0 && st.st_dev == o->dev && st.st_ino == o->ino;
            break;
        case OP_SYMLINK: {
            char *slash = strrchr(o->dst, '/');
            *slash = 0;
            ok = mkpoint(o->dst, 0, true);
            *slash = '/';
            ok = ok && symlink(o->src, o->dst) == 0;
            break;
        }
        case OP_BASE:
            /* the base's /proc or /dev, already read-only where bwrap makes them so */
            ok = mkpoint(o->dst, 0, true) &&
                 mount(o->src, o->dst, NULL, MS_BIND | MS_REC, NULL) == 0;
            break;
        case OP_TMPFS:
            ok = mkpoint(o->dst, 0, true) &&
                 mount("tmpfs", o->dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0;
            break;
        }
        if (!ok) return child_exit(1);
    }
    if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
        mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return child_exit(1);
    return child_exit(0);
}

/* bwrap's arguments v (n of them: the jail's, up to the program's) as the steps of building
 * the jail from the base, into c (process allocations). false for an argument it does not
 * know (bwrap makes that jail). */
static bool compose_ops(vk_proc *p, char **v, size_t n, compose *c)
{
    c->ops = vk_calloc(p, n, sizeof *c->ops);
    if (!c->ops) return false;
    for (size_t i = 1; i < n; i++) {
        const char *o = v[i];
        if (!strcmp(o, "--unshare-all") || !strcmp(o, "--unshare-user") ||
            !strcmp(o, "--die-with-parent") || !strcmp(o, "--new-session"))
            continue;
        if ((!strcmp(o, "--uid") || !strcmp(o, "--gid")) && i + 1 < n) {
            i++; /* the base's, made for this uid */
            continue;
        }
        if (!strcmp(o, "--hostname") && i + 1 < n) {
            c->hostname = v[++i];
            continue;
        }
        cop *op = &c->ops[c->n];
        char src[VK_PATH_MAX + 64], buf[VK_PATH_MAX];
        src[0] = 0;
        bool two = i + 2 < n;
        if ((!strcmp(o, "--bind") || !strcmp(o, "--ro-bind")) && two) {
            /* the host path as the host resolves it: under HOSTROOT, links would resolve in
             * the base */
            if (!realpath(v[i + 1], buf)) return false;
            snprintf(src, sizeof src, HOSTROOT "%s", buf);
            op->kind = o[2] == 'r' ? OP_ROBIND : OP_BIND;
        } else if ((!strcmp(o, "--bind-fd") || !strcmp(o, "--ro-bind-fd")) && two) {
            char fdp[64];
            int fd = atoi(v[i + 1]);
            snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", fd);
            ssize_t l = readlink(fdp, buf, sizeof buf - 1);
            struct stat st;
            if (l <= 0 || buf[0] != '/' || fstat(fd, &st) < 0) return false;
            buf[l] = 0;
            snprintf(src, sizeof src, HOSTROOT "%s", buf);
            op->kind = o[2] == 'r' ? OP_ROBIND : OP_BIND;
            op->check = true;
            op->dev = st.st_dev;
            op->ino = st.st_ino;
        } else if (!strcmp(o, "--symlink") && two) {
            snprintf(src, sizeof src, "%s", v[i + 1]);
            op->kind = OP_SYMLINK;
        } else if ((!strcmp(o, "--proc") || !strcmp(o, "--dev") || !strcmp(o, "--tmpfs")) &&
                   i + 1 < n) {
            op->kind = o[2] == 't' ? OP_TMPFS : OP_BASE;
            snprintf(src, sizeof src, "%s", o[2] == 'p' ? "/proc" : "/dev");
            i--; /* one operand */
        } else {
            return false;
        }
        const char *dst = v[i + 2];
        if (dst[0] != '/' || strstr(dst, "/../") || strlen(dst) >= VK_PATH_MAX) return false;
        char d[VK_PATH_MAX + 64];
        snprintf(d, sizeof d, NEWROOT "%s", dst);
        op->src = vk_strdup(p, src);
        op->dst = vk_strdup(p, d);
        c->n++;
        if (!op->src || !op->dst) return false;
        i += 2;
    }
    return c->hostname != NULL;
}

/* Make a VM's jail from the base for uid (bwrap's arguments v, n of them): its namespaces'
 * fds into nsout, 0; or -1 (bwrap makes it). */
static int jail_compose(vk_proc *p, unsigned uid, char **v, size_t n, int *nsout)
{
    if (atomic_load(&g_compose_off)) return -1;
    pthread_mutex_lock(&g_base_mu);
    struct jail_base *b = base_get(uid);
    int base[NS_N];
    for (int i = 0; i < NS_N; i++) base[i] = b ? b->ns[i] : -1;
    pthread_mutex_unlock(&g_base_mu);
    if (!b) return -1;
    compose c;
    memset(&c, 0, sizeof c);
    c.base = base;
    for (int i = 0; i < NS_N; i++) c.ns[i] = -1;
    int rc = -1;
    if (compose_ops(p, v, n, &c) && run_child(compose_child, &c)) rc = 0;
    /* the base's user namespaces and cgroup namespace, the VM's own others */
    static const int from_base[] = {NS_UOWN, NS_CGROUP, NS_USER};
    for (size_t i = 0; rc == 0 && i < sizeof from_base / sizeof *from_base; i++) {
        int k = from_base[i];
        if (base[k] >= 0 && (c.ns[k] = fcntl(base[k], F_DUPFD_CLOEXEC, 3)) < 0) rc = -1;
    }
    for (int i = 0; i < NS_N; i++) {
        if (rc == 0) nsout[i] = c.ns[i];
        else if (c.ns[i] >= 0) close(c.ns[i]);
    }
    for (size_t i = 0; i < c.n; i++) {
        vk_free(p, c.ops[i].src);
        vk_free(p, c.ops[i].dst);
    }
    vk_free(p, c.ops);
    return rc;
}

/* ---- the network: a proxy on the jail's loopback (netproxy.c) ---- */

typedef struct listen_args {
    const int *ns;
    int fd, port;
} listen_args;

/* In the jail's network namespace (joined through the user namespace owning it): the loopback
 * up, a socket listening on 127.0.0.1. Shares the parent's memory and fd table. */
static int listen_child(void *arg)
{
    listen_args *l = arg;
    if (setns(l->ns[NS_UOWN], CLONE_NEWUSER) < 0 || setns(l->ns[NS_NET], CLONE_NEWNET) < 0)
        return child_exit(1);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return child_exit(1);
    loopback_up(fd); /* a jail bwrap made has it up already */
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        close(fd);
        return child_exit(1);
    }
    l->port = ntohs(a.sin_port);
    l->fd = fd;
    return child_exit(0);
}

/* A listening socket in the persistent jail's network namespace (the socket stays in it
 * whoever holds it), its port in *port: the fd, or -1. */
static int jail_listen(const int *ns, int *port)
{
    listen_args l = {ns, -1, 0};
    if (!run_child(listen_child, &l)) {
        if (l.fd >= 0) close(l.fd);
        return -1;
    }
    *port = l.port;
    return l.fd;
}

/* The program's environment with the proxy's address in every variable programs read for one
 * (the VM's own proxy settings would lead nowhere from the jail): VM allocation, or NULL. */
static char **proxy_env(vk_proc *p, char *const *env, int port)
{
    static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                                        "HTTPS_PROXY", "no_proxy", "NO_PROXY", NULL};
    size_t n = 0;
    while (env[n]) n++;
    char **v = vk_malloc(p, (n + 8) * sizeof *v);
    if (!v) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        static const char *const drop[] = {"http_proxy", "https_proxy", "all_proxy", "no_proxy",
                                           NULL};
        size_t nl = strcspn(env[i], "=");
        bool proxy = false;
        for (int j = 0; drop[j] && !proxy; j++)
            proxy = nl == strlen(drop[j]) && !strncasecmp(env[i], drop[j], nl);
        if (!proxy) v[k++] = env[i];
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    size_t first = k;
    for (int i = 0; names[i]; i++) {
        bool no = i >= 4;
        size_t len = strlen(names[i]) + 2 + (no ? 32 : strlen(url));
        char *e = vk_malloc(p, len);
        if (!e) {
            for (size_t j = first; j < k; j++) vk_free(p, v[j]);
            vk_free(p, v);
            return NULL;
        }
        snprintf(e, len, "%s=%s", names[i], no ? "localhost,127.0.0.1,::1" : url);
        v[k++] = e;
    }
    v[k] = NULL;
    return v;
}

static void proxy_env_free(vk_proc *p, char **v)
{
    size_t n = 0;
    while (v[n]) n++;
    for (size_t i = n - 6; i < n; i++) vk_free(p, v[i]); /* the six proxy_env made */
    vk_free(p, v);
}

/* End a call: keep the host copy and its manifest for the next call (keep), or drop them. */
static void esc_done(esc *e, struct vk_esc_cache *cache, bool keep)
{
    vk_vm *vm = e->p->vm;
    binds_close(e);
    if (!keep || !cache) {
        rm_tree(e->dir);
        if (e->lockfd >= 0) close(e->lockfd);
        ments_free(vm, e->ents, e->n, e->cap);
        if (cache) {
            cache->dir[0] = 0;
            watches_drop(vm, cache);
        }
    } else {
        memcpy(cache->dir, e->dir, sizeof cache->dir);
        cache->lockfd = e->lockfd;
        cache->ents = e->ents;
        cache->n = e->n;
        cache->cap = e->cap;
    }
    e->ents = NULL;
    e->n = e->cap = 0;
    e->lockfd = -1;
    if (cache) {
        VK_LOCK(vm);
        cache->busy = false;
        VK_UNLOCK(vm);
    }
}

/* ---- ready before the first call ----
 * A process's first escalation would make the base jail (bwrap, 4 ms here), the shared /etc
 * (1-4 ms: a directory is costly on this machine's disk) and a host copy's directory, and
 * sweep the copies of dead processes. A VM made with programs to escalate starts that work in
 * a thread of its own (once per process for each image and VM user), so that it is done, or
 * under way, by the time the VM's first program escalates; a call that comes sooner waits for
 * the part it needs (the same locks) instead of doing it twice. */
#define PREP_MAX 16
static char *g_prepared[PREP_MAX];
static size_t g_nprepared;
static pthread_mutex_t g_prep_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct prep {
    unsigned uid;
    char *img, *user, *home; /* in the same allocation */
} prep;

/* One empty host copy kept ahead, when none is. */
static void pool_seed(void)
{
    pthread_mutex_lock(&g_pool_mu);
    bool need = g_npool == 0 && !g_ending;
    pthread_mutex_unlock(&g_pool_mu);
    if (!need) return;
    struct pooled q = {{0}, -1, NULL, 0};
    char root[sizeof q.dir + 8];
    snprintf(q.dir, sizeof q.dir, "/tmp/vos-esc-XXXXXX");
    if (!mkdtemp(q.dir)) return;
    snprintf(root, sizeof root, "%s/root", q.dir);
    q.lockfd = dir_lock(q.dir, false);
    if (q.lockfd >= 0 && mkdir(root, 0755) == 0) {
        pthread_mutex_lock(&g_pool_mu);
        if (g_npool < POOL_MAX && !g_ending) {
            g_pool[g_npool++] = q;
            atomic_store(&g_dirs_pid, (int)getpid());
            pthread_mutex_unlock(&g_pool_mu);
            return;
        }
        pthread_mutex_unlock(&g_pool_mu);
    }
    rm_tree(q.dir);
    if (q.lockfd >= 0) close(q.lockfd);
}

static void *prep_main(void *arg)
{
    prep *q = arg;
    pthread_once(&g_sweep_once, sweep_stale);
    char etc[VK_PATH_MAX];
    etc_path(NULL, q->img, q->uid, q->user, q->home, etc, sizeof etc);
#if !VK_TSAN
    if (!atomic_load(&g_compose_off)) {
        pthread_mutex_lock(&g_base_mu);
        base_get(q->uid);
        pthread_mutex_unlock(&g_base_mu);
    }
#endif
    pool_seed();
    free(q);
    return NULL;
}

void vk_escalate_prepare(vk_vm *vm)
{
    if (!vm->escalate || !vm->escalate[0]) return;
    const char *img = vm->escalate_image ? vm->escalate_image : "";
    unsigned uid = vk_user_uid(vm->user);
    char key[ETC_KEY_MAX];
    if (etc_key(key, img, uid, vm->user, vm->home) < 0) return;
    pthread_mutex_lock(&g_prep_mu);
    bool known = g_nprepared == PREP_MAX;
    for (size_t i = 0; i < g_nprepared && !known; i++) known = !strcmp(g_prepared[i], key);
    if (!known && !(g_prepared[g_nprepared] = strdup(key))) known = true;
    if (!known) g_nprepared++;
    pthread_mutex_unlock(&g_prep_mu);
    /* (a VM made after the first of its kind costs a lookup, no system call) */
    if (known || access(BWRAP, X_OK) != 0) return;
    size_t li = strlen(img) + 1, lu = strlen(vm->user) + 1, lh = strlen(vm->home) + 1;
    prep *q = malloc(sizeof *q + li + lu + lh);
    if (!q) return;
    q->uid = uid;
    q->img = (char *)(q + 1);
    q->user = q->img + li;
    q->home = q->user + lu;
    memcpy(q->img, img, li);
    memcpy(q->user, vm->user, lu);
    memcpy(q->home, vm->home, lh);
    /* no signal of the host's for this thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t at;
    pthread_t t;
    bool started = pthread_attr_init(&at) == 0 &&
                   pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0 &&
                   pthread_create(&t, &at, prep_main, q) == 0;
    pthread_attr_destroy(&at);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) free(q);
}

int vk_escalate(vk_proc *p, const char *name, bool path_in_vm, char *const argv[],
                char *const envp[])
{
    vk_vm *vm = p->vm;
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    if (!vk_cmd_allowed(vm, base)) {
        vk_set_errmsg(vm, "command '%s' is denied by the VM's policy", base);
        return VOS_ECMDDENIED;
    }
    const char *img = vm->escalate_image ? vm->escalate_image : "";
    if (!path_in_vm && !image_has(vm, name)) return VOS_ENOENT;
    if (access(BWRAP, X_OK) != 0) {
        /* say what is missing, in the program's name, as its own failure would */
        char msg[256];
        snprintf(msg, sizeof msg,
                 "%s: cannot run natively: escalation needs bubblewrap (" BWRAP
                 "), which is not installed on the host\n", base);
        vk_write(p, 2, msg, strlen(msg));
        vk_exit(p, 126);
    }

    esc e;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.lockfd = -1;
    /* the VM's cached copy, unless another escalated program uses it now */
    struct vk_esc_cache *cache = NULL;
    VK_LOCK(vm);
    if (!vm->esc_cache && (vm->esc_cache = vk_vm_alloc(vm, sizeof *cache))) {
        memset(vm->esc_cache, 0, sizeof *cache);
        vm->esc_cache->ifd = -1;
        for (int i = 0; i < NS_N; i++) vm->esc_cache->ns[i] = -1;
        vm->esc_cache->initfd = -1;
        vm->esc_cache->lockfd = -1;
    }
    if (vm->esc_cache && !vm->esc_cache->busy) {
        cache = vm->esc_cache;
        cache->busy = true;
    }
    VK_UNLOCK(vm);
    int rc = 0;
    e.cache = cache;
    if (cache && cache->dir[0]) {
        memcpy(e.dir, cache->dir, sizeof e.dir);
        e.lockfd = cache->lockfd;
        cache->lockfd = -1;
        e.old = cache->ents;
        e.nold = cache->n;
        e.oldcap = cache->cap;
        for (size_t i = 0; i < e.nold; i++) e.old[i].seen = false;
    } else if (!cache || !pool_take(&e)) {
        pthread_once(&g_sweep_once, sweep_stale);
        snprintf(e.dir, sizeof e.dir, "/tmp/vos-esc-XXXXXX");
        if (!mkdtemp(e.dir)) rc = herr();
        else e.lockfd = dir_lock(e.dir, false);
    }
    snprintf(e.root, sizeof e.root, "%s/root", e.dir);
    if (rc == 0 && mkdir(e.root, 0755) < 0 && errno != EEXIST) rc = herr();
    /* the VM's files as the export will see them: nothing changed since the last import (no
     * call that may change a file, no (u)mount) and no copied mount the host can change
     * behind the VM (hostfs, an overlay's lower): the host copy is current, no walk */
    uint64_t gen0 = atomic_load(&vm->fs_gen), own0 = p->fs_writes;
    e.trusted = cache && e.old && cache->clean;
    if (rc == 0) rc = find_binds(&e);
    bool skip = rc == 0 && e.trusted && cache->gen_ok && cache->gen == gen0 && !external(&e);
    if (skip) {
        e.ents = e.old;
        e.n = e.nold;
        e.cap = e.oldcap;
        e.old = NULL;
        e.nold = e.oldcap = 0;
        cache->ents = NULL;
        cache->n = cache->cap = 0;
    }
    if (rc == 0 && e.old) rc = index_build(p, e.old, e.nold, &e.oidx, &e.omask);
    if (rc == 0 && !skip) rc = export_dir(&e, "/", "", 0);
    /* what the VM no longer has goes from the host copy (the last call ended with the copy
     * equal to the VM, or the copy was dropped: only these can be stale) */
    for (size_t i = 0; rc == 0 && i < e.nold; i++) {
        if (e.old[i].seen) continue;
        char hp[VK_PATH_MAX + 96];
        snprintf(hp, sizeof hp, "%s/%s", e.root, e.old[i].rel);
        rm_tree(hp);
    }
    if (cache && e.old) {
        /* the old manifest is spent: the new one describes the host copy now */
        ments_free(vm, e.old, e.nold, e.oldcap);
        cache->ents = NULL;
        cache->n = cache->cap = 0;
        e.old = NULL;
    }
    if (rc < 0) {
        if (rc == VOS_EFBIG)
            vk_set_errmsg(vm, "escalation: the VM's files are too big to export");
        esc_done(&e, cache, false);
        return rc;
    }
    unsigned uid = vk_getuid(p);
    char etc[VK_PATH_MAX];
    if ((rc = etc_path(e.dir, img, uid, vm->user, vm->home, etc, sizeof etc)) < 0) {
        esc_done(&e, cache, false);
        return rc;
    }

    /* bwrap's command line */
    argvb a = {p, NULL, 0, 0, false};
    char num[32];
    add(&a, "bwrap");
    add(&a, "--unshare-all");
    add(&a, "--unshare-user");
    add(&a, "--die-with-parent");
    add(&a, "--new-session");
    snprintf(num, sizeof num, "%u", uid);
    add(&a, "--uid"); add(&a, num);
    add(&a, "--gid"); add(&a, num);
    add(&a, "--hostname"); add(&a, vm->hostname);
    ro_bind(&a, img, "/usr");
    image_links(&a, img);
    add(&a, "--ro-bind"); add(&a, etc); add(&a, "/etc");
    for (int i = 0; etc_binds[i]; i++) {
        char ep[64];
        snprintf(ep, sizeof ep, "/etc/%s", etc_binds[i]);
        if (host_exists(img, ep)) ro_bind(&a, img, ep);
    }
    add(&a, "--proc"); add(&a, "/proc");
    add(&a, "--dev"); add(&a, "/dev");
    /* a private /tmp: the VM's own copy, else an empty one */
    char tp[sizeof e.root + 8];
    snprintf(tp, sizeof tp, "%s/tmp", e.root);
    struct stat tst;
    /* (lstat: a VM /tmp that is a symlink is the VM's, bound as a symlink below) */
    bool fresh_tmp = lstat(tp, &tst) != 0 && !bound(&e, "tmp");
    if (fresh_tmp) {
        add(&a, "--tmpfs"); add(&a, "/tmp");
    }
    /* the VM's tree at the VM's paths, each top-level entry bound on its own */
    DIR *d = opendir(e.root);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (bound(&e, de->d_name)) continue;
        char hp[VK_PATH_MAX + 96], vp[VK_PATH_MAX];
        snprintf(hp, sizeof hp, "%s/%s", e.root, de->d_name);
        snprintf(vp, sizeof vp, "/%s", de->d_name);
        struct stat st;
        if (lstat(hp, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char t[VK_PATH_MAX];
            ssize_t n = readlink(hp, t, sizeof t - 1);
            if (n < 0) continue;
            t[n] = 0;
            add(&a, "--symlink"); add(&a, t); add(&a, vp);
        } else {
            add(&a, "--bind"); add(&a, hp); add(&a, vp);
        }
    }
    if (d) closedir(d);
    /* host-directory mounts, over the copy's empty places for them */
    for (size_t i = 0; i < e.nbinds; i++) {
        snprintf(num, sizeof num, "%d", e.binds[i].fd);
        add(&a, e.binds[i].ro ? "--ro-bind-fd" : "--bind-fd");
        add(&a, num);
        add(&a, e.binds[i].path);
    }
    size_t jn = a.n; /* what makes the jail; the rest is the program's */
    add(&a, "--chdir"); add(&a, vk_getcwd(p));
    add(&a, "--");
    size_t pn = a.n;
    add(&a, name); /* bwrap runs it (PATH search) with it as argv[0] */
    for (int i = 1; argv[i]; i++) add(&a, argv[i]);

    char *const *env = envp ? envp : vk_environ(p);
    set_comm(p, base);

    /* host ends: stdin a socket (a write to a gone reader must not raise SIGPIPE here) */
    int in[2], out[2], err[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0) {
        esc_done(&e, cache, false);
        return herr();
    }
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        esc_done(&e, cache, false);
        return herr();
    }
    const vos_limits *lim = vk_limits(p);
    struct rlimit r_as = {RLIM_INFINITY, RLIM_INFINITY}, r_cpu = r_as;
    if (lim->time_ms != UINT64_MAX) r_cpu.rlim_cur = r_cpu.rlim_max = lim->time_ms / 1000 + 1;
    /* address space: the VM's memory limit, at least 4 GiB (address space is not memory:
     * runtimes reserve more than they use; V8 with 1 GiB fails even `npm view` with "heap
     * out of memory") */
    if (lim->mem_bytes != UINT64_MAX)
        r_as.rlim_cur = r_as.rlim_max = lim->mem_bytes > AS_FLOOR ? lim->mem_bytes : AS_FLOOR;

    spawn_args sa = {a.v, (char **)env, {in[1], out[1], err[1]}, r_as, r_cpu,
                     {lim->procs + 64, lim->procs + 64}, geteuid() != 0, true, e.binds,
                     e.nbinds, -1, NULL, -1, NULL, false, -1, NULL, 0};
    /* the VM's persistent jail, when it has one made for these arguments (or can make it);
     * not under ThreadSanitizer, whose bookkeeping cannot follow the CLONE_VM children that
     * join it (bwrap per program there) */
    bool injail = false;
    if (cache && !cache->nojail && !VK_TSAN) {
        size_t siglen = 0;
        char *sig = jail_sig(vm, a.v, jn, &siglen);
        if (sig && cache->jail && siglen == cache->siglen && !memcmp(sig, cache->sig, siglen)) {
            vk_vm_free(vm, sig, siglen);
            injail = true;
        } else if (sig) {
            jail_drop(vm, cache);
            if (cache->initfd < 0) cache->initfd = init_memfd();
            if (cache->initfd >= 0 && (jail_compose(p, uid, a.v, jn, cache->ns) == 0 ||
                                       jail_start(p, a.v, jn, &sa, cache->ns) == 0)) {
                cache->jail = true;
                cache->sig = sig;
                cache->siglen = siglen;
                injail = true;
            } else {
                vk_vm_free(vm, sig, siglen);
                cache->nojail = true;
            }
        }
    }
    if (cache && cache->watching) drain(cache); /* from here on, the program's changes */
    pid_t pid = -1;
    int lfd = -1;
    char **penv = NULL;
    if (injail) {
        /* the init's argv: its name, then the program's */
        size_t nv = a.n - pn;
        char **iv = vk_malloc(p, (nv + 2) * sizeof *iv);
        if (!iv) vk_exit(p, 126);
        iv[0] = "vos-init";
        memcpy(iv + 1, a.v + pn, (nv + 1) * sizeof *iv);
        sa.argv = iv;
        sa.initfd = cache->initfd;
        sa.ns = cache->ns;
        sa.cwd = vk_getcwd(p);
        sa.fresh_tmp = fresh_tmp;
        /* the network, by the VM's rules: a proxy on the jail's loopback */
        int port = 0;
        if (vk_net_has_rules(vm) && (lfd = jail_listen(cache->ns, &port)) >= 0 &&
            (penv = proxy_env(p, env, port)))
            sa.env = penv;
        if ((pid = spawn_in_jail(&sa)) < 0) {
            /* the jail cannot take it: bwrap per program from now on */
            jail_drop(vm, cache);
            cache->nojail = true;
            sa.argv = a.v;
            sa.env = (char **)env;
        }
    }
    if (lfd >= 0 && (pid < 0 || !penv)) {
        close(lfd); /* no program in the jail, or no way to tell it the address */
        lfd = -1;
    }
    if (pid < 0) pid = spawn_bwrap(&sa);
    close(in[1]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(in[0]); close(out[0]); close(err[0]);
        esc_done(&e, cache, false);
        return herr();
    }
    setpgid(pid, pid);
    int proxy_pid = lfd >= 0 ? vk_netproxy_start(p, lfd) : -1; /* takes lfd */
    /* its exit wakes the loop below at once (Linux 5.3; else a short poll finds it) */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    vk_proc *pump = NULL;
    int pump_pid = -1;
    VK_LOCK(vm);
    vk_ofd *o0 = vk_fd_get(p, 0);
    /* no input (a closed fd 0, or the exec's empty stdin): the program reads EOF at once, and
     * nothing reads ahead on its behalf */
    bool no_input = !o0 || (o0->kind == OFD_DATA && o0->data_len == 0);
    VK_UNLOCK(vm);
    if (no_input) shutdown(in[0], SHUT_WR);
    else if (vk_proc_new(p, &pump) == 0) {
        pump_pid = vk_proc_start(pump, pump_in, &in[0]);
        if (pump_pid < 0) pump_pid = -1;
    }

    int status = -1, dying = 0;
    bool out_open = true, err_open = true, broken = false;
    char buf[16384];
    while (out_open || err_open || status < 0) {
        rc = vk_check(p);
        if (rc < 0 && rc != VOS_EINTR) {
            dying = rc;
            kill_jail(pid);
            break;
        }
        if (status < 0) {
            int ws;
            if (waitpid(pid, &ws, WNOHANG) == pid) {
                status = ws;
                continue; /* drain what is left, without waiting */
            }
        }
        struct pollfd pf[3] = {{out_open ? out[0] : -1, POLLIN, 0},
                               {err_open ? err[0] : -1, POLLIN, 0},
                               {status < 0 ? pidfd : -1, POLLIN, 0}};
        vk_cpu_give(); /* blocking on the host: let the VM's other processes run */
        /* the pipes close as the program ends; past that, its exit is a moment away (without
         * a pidfd to say when, a short poll) */
        int np = poll(pf, 3, status >= 0 ? 0 : (out_open || err_open || pidfd >= 0) ? 50 : 1);
        vk_cpu_ensure(vm);
        for (int k = 0; k < 2 && np > 0; k++) {
            if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(k ? err[0] : out[0], buf, sizeof buf);
            if (n <= 0) {
                if (k) err_open = false; else out_open = false;
                continue;
            }
            ssize_t w = vk_write(p, k ? 2 : 1, buf, (size_t)n);
            if (w < 0) {
                if (w == VOS_EPIPE) {
                    /* the reader went: the program would get SIGPIPE */
                    broken = true;
                    kill_jail(pid);
                    if (k) err_open = false; else out_open = false;
                } else if (w != VOS_EINTR) {
                    dying = (int)w;
                    kill_jail(pid);
                    break;
                }
            }
        }
        if (dying) break;
        if (status >= 0 && np == 0) break; /* ended, and nothing more to read */
    }
    if (status < 0) {
        int ws = 0;
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
        status = ws;
    }
    if (pidfd >= 0) close(pidfd);
    close(out[0]);
    close(err[0]);
    shutdown(in[0], SHUT_RDWR);
    if (pump_pid > 0) {
        vk_kill(p, pump_pid, 9);
        int ws;
        vk_waitpid(p, pump_pid, &ws, 0);
    }
    if (proxy_pid > 0) {
        /* the proxy and its connections: one process group */
        vk_kill(p, -proxy_pid, 9);
        int ws;
        vk_waitpid(p, proxy_pid, &ws, 0);
    }
    if (penv) proxy_env_free(p, penv);
    close(in[0]);

    /* the program may have changed bound host directories behind the VM's caches */
    if (e.nbinds) vk_dcache_invalidate(vm);
    int code;
    if (WIFEXITED(status)) code = WEXITSTATUS(status);
    else code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL);
    if (broken) code = 128 + SIGPIPE;

    if (!dying) {
        rc = import(&e);
        if (rc < 0) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "%s: escalation: the program's changes to the VM's files were not "
                     "kept: %s\n",
                     base, rc == VOS_EFSBYTES ? "filesystem size limit exceeded"
                                              : "an error while importing them");
            vk_write(p, 2, msg, strlen(msg));
            if (code == 0) code = 1;
        }
    }
    if (cache) {
        /* the host copy is what the manifest says; and when every move of the VM's count
         * since the export was this import's own, it is the VM's files too */
        cache->clean = !dying && rc == 0;
        uint64_t gen = atomic_load(&vm->fs_gen);
        cache->gen_ok = cache->clean && !e.deleted && gen - gen0 == p->fs_writes - own0;
        cache->gen = gen;
    }
    esc_done(&e, cache, !dying && rc == 0);
    vk_exit(p, code);
}
