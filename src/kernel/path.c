/* path.c: the mount table, path resolution in the VM's namespace, policy and permission
 * checks, and the path system calls. This is the one choke point through which the kernel
 * calls mount drivers: paths are canonicalised here ("." and ".." removed, ".." never above
 * the root, symlinks followed by the VM's rules with an ELOOP bound), so drivers only ever see
 * a clean path relative to their root. All functions here expect vm->mu held unless they are
 * system calls (vk_*), which take it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kernel/internal.h"

void vk_set_errmsg(vk_vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vm->errmsg, sizeof vm->errmsg, fmt, ap);
    va_end(ap);
}

int64_t vfs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int vfs_charge(vk_vm *vm, int64_t bytes, int64_t inodes)
{
    if (bytes > 0 && vm->lim.fs_bytes != UINT64_MAX &&
        (uint64_t)(vm->fs_bytes + bytes) > vm->lim.fs_bytes) {
        vk_set_errmsg(vm, "filesystem size limit (%llu bytes) exceeded",
                      (unsigned long long)vm->lim.fs_bytes);
        return VOS_EFSBYTES;
    }
    if (inodes > 0 && vm->lim.fs_inodes != UINT64_MAX &&
        (uint64_t)(vm->fs_inodes + inodes) > vm->lim.fs_inodes) {
        vk_set_errmsg(vm, "filesystem inode limit (%llu) exceeded",
                      (unsigned long long)vm->lim.fs_inodes);
        return VOS_EFSINODES;
    }
    vm->fs_bytes += bytes;
    vm->fs_inodes += inodes;
    return 0;
}

/* ---- mount table ---- */
vk_mnt *vk_mount_find(vk_vm *vm, const char *abs)
{
    for (vk_mnt *m = vm->mounts; m; m = m->next) {
        if (m->len == 1) return m; /* "/" */
        if (strncmp(abs, m->path, m->len) == 0 && (abs[m->len] == 0 || abs[m->len] == '/'))
            return m;
    }
    return NULL;
}

static const char *rel_of(vk_mnt *m, const char *abs)
{
    if (m->len == 1) return abs + 1;
    return abs[m->len] == '/' ? abs + m->len + 1 : abs + m->len;
}

int vk_mount_add(vk_vm *vm, const char *abs, vfs_mount *fm, int kind)
{
    for (vk_mnt *m = vm->mounts; m; m = m->next)
        if (strcmp(m->path, abs) == 0) return VOS_EBUSY;
    vk_mnt *n = vk_vm_alloc(vm, sizeof *n);
    if (!n) return VOS_ENOMEM;
    n->path = vk_vm_strdup(vm, abs);
    if (!n->path) {
        vk_vm_free(vm, n, sizeof *n);
        return VOS_ENOMEM;
    }
    n->len = strlen(abs);
    n->m = fm;
    n->kind = kind;
    fm->vm = vm;
    fm->dev = vm->next_dev++;
    vk_mnt **pp = &vm->mounts;
    while (*pp && (*pp)->len >= n->len) pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
    return 0;
}

/* ---- policy ---- */
int vk_policy_check(vk_proc *p, const char *abs, bool write)
{
    vk_vm *vm = p->vm;
    if (p->privileged) return 0; /* the host's own calls through the API */
    const vos_path_rule *best = NULL;
    size_t bestlen = 0;
    for (size_t i = 0; i < vm->nrules; i++) {
        const char *pre = vm->rules[i].prefix;
        size_t l = strlen(pre);
        while (l > 1 && pre[l - 1] == '/') l--;
        bool match = (l == 1 && pre[0] == '/') ||
                     (strncmp(abs, pre, l) == 0 && (abs[l] == 0 || abs[l] == '/'));
        if (match && l >= bestlen) {
            best = &vm->rules[i];
            bestlen = l;
        }
    }
    if (!best) return 0;
    if (best->access == VOS_ACCESS_NONE || (write && best->access != VOS_ACCESS_RW)) {
        vk_set_errmsg(vm, "%s of '%s' denied by the path rule '%s' (%s)",
                      write ? "write" : "access", abs, best->prefix,
                      best->access == VOS_ACCESS_NONE ? "none" : "read-only");
        return VOS_EDENIED;
    }
    return 0;
}

/* ---- resolution ---- */
int procfs_fd_path(vk_vm *vm, const char *rel, int *pid, int *fd)
{
    (void)vm;
    int a, b, n = 0;
    if (sscanf(rel, "%d/fd/%d%n", &a, &b, &n) == 2 && rel[n] == 0) {
        *pid = a;
        *fd = b;
        return 1;
    }
    return 0;
}

static void pop(char *abs)
{
    char *s = strrchr(abs, '/');
    if (s == abs)
        abs[1] = 0;
    else if (s)
        *s = 0;
}

static int do_lstat(vk_vm *vm, const char *abs, struct vk_stat *st, vk_mnt **mout)
{
    vk_mnt *m = vk_mount_find(vm, abs);
    if (!m) return VOS_ENOENT;
    *mout = m;
    return m->m->ops->lstat(m->m, rel_of(m, abs), st);
}

static int resolve_at(vk_vm *vm, const char *cwd, int pid, const char *path, int flags,
                      vk_path *out)
{
    if (!path) return VOS_EFAULT;
    if (!*path) return VOS_ENOENT;
    size_t plen = strlen(path);
    if (plen >= VK_PATH_MAX) return VOS_ENAMETOOLONG;
    char work[VK_PATH_MAX * 2];
    memcpy(work, path, plen + 1);
    bool trailing = plen > 0 && path[plen - 1] == '/';
    if (trailing) flags |= VK_RES_FOLLOW;

    out->magic_fd = -1;
    out->magic_pid = 0;
    out->exists = false;
    if (path[0] == '/' || !cwd)
        strcpy(out->abs, "/");
    else
        snprintf(out->abs, sizeof out->abs, "%s", cwd);
    char *abs = out->abs;
    int links = 0;
    bool have_st = false;
    char *rest = work;
    for (;;) {
        while (*rest == '/') rest++;
        if (!*rest) break;
        char *end = strchr(rest, '/');
        size_t len = end ? (size_t)(end - rest) : strlen(rest);
        char *next = rest + len;
        const char *q = next;
        while (*q == '/') q++;
        bool last = *q == 0;
        have_st = false;
        if (len == 1 && rest[0] == '.') {
            rest = next;
            continue;
        }
        if (len == 2 && rest[0] == '.' && rest[1] == '.') {
            pop(abs);
            rest = next;
            continue;
        }
        if (len > VK_NAME_MAX) return VOS_ENAMETOOLONG;
        size_t al = strlen(abs);
        if (al + len + 2 >= VK_PATH_MAX) return VOS_ENAMETOOLONG;
        if (al > 1) abs[al++] = '/';
        memcpy(abs + al, rest, len);
        abs[al + len] = 0;

        vk_mnt *m = vk_mount_find(vm, abs);
        if (m && m->kind == VK_MNT_PROC && strcmp(rel_of(m, abs), "self") == 0 && pid > 0)
            snprintf(abs + al, VK_PATH_MAX - al, "%d", pid);

        struct vk_stat st;
        int rc = do_lstat(vm, abs, &st, &m);
        if (rc == VOS_ENOENT && last && (flags & VK_RES_MISSING_OK)) {
            out->mnt = m;
            out->rel = rel_of(m, abs);
            return 0;
        }
        if (rc < 0) return rc;
        if (VK_S_ISLNK(st.mode) && (!last || (flags & VK_RES_FOLLOW))) {
            int mp, mf;
            if (m->kind == VK_MNT_PROC && procfs_fd_path(vm, rel_of(m, abs), &mp, &mf)) {
                if (!last) return VOS_ENOTDIR;
                out->magic_pid = mp;
                out->magic_fd = mf;
                out->mnt = m;
                out->rel = rel_of(m, abs);
                out->exists = true;
                out->st = st;
                return 0;
            }
            if (++links > VK_SYMLOOP_MAX) return VOS_ELOOP;
            char target[VK_PATH_MAX];
            if (!m->m->ops->readlink) return VOS_EINVAL;
            ssize_t tl = m->m->ops->readlink(m->m, rel_of(m, abs), target, sizeof target - 1);
            if (tl < 0) return (int)tl;
            if (tl == 0) return VOS_ENOENT;
            target[tl] = 0;
            size_t restlen = strlen(next);
            if ((size_t)tl + restlen + 2 >= sizeof work) return VOS_ENAMETOOLONG;
            char tmp[VK_PATH_MAX * 2];
            memcpy(tmp, target, (size_t)tl);
            memcpy(tmp + tl, next, restlen + 1);
            memcpy(work, tmp, (size_t)tl + restlen + 1);
            rest = work;
            if (target[0] == '/')
                strcpy(abs, "/");
            else
                pop(abs);
            continue;
        }
        if (!last && !VK_S_ISDIR(st.mode)) return VOS_ENOTDIR;
        if (last) {
            out->st = st;
            have_st = true;
        }
        rest = next;
    }
    vk_mnt *m = vk_mount_find(vm, abs);
    if (!m) return VOS_ENOENT;
    out->mnt = m;
    out->rel = rel_of(m, abs);
    if (!have_st) {
        int rc = m->m->ops->lstat(m->m, out->rel, &out->st);
        if (rc < 0) return rc;
    }
    out->exists = true;
    if (trailing && !VK_S_ISDIR(out->st.mode)) return VOS_ENOTDIR;
    return 0;
}

int vk_resolve(vk_proc *p, const char *path, int flags, vk_path *out)
{
    return resolve_at(p->vm, p->cwd, p->pid, path, flags, out);
}

int vk_resolve_cwdless(vk_vm *vm, const char *path, int flags, vk_path *out)
{
    const char *cwd = vm->session && vm->session->cwd ? vm->session->cwd : "/";
    return resolve_at(vm, cwd, vm->session ? vm->session->pid : 0, path, flags, out);
}

/* ---- permissions ---- */
static bool perm_ok(vk_proc *p, const struct vk_stat *st, int want)
{
    vk_vm *vm = p->vm;
    unsigned uid = vfs_uid(vm), gid = vfs_gid(vm);
    if (p->privileged) uid = 0; /* the host's own calls act as root */
    if (uid == 0) return !(want & VK_X_OK) || VK_S_ISDIR(st->mode) || (st->mode & 0111);
    unsigned bits;
    if (st->uid == uid)
        bits = (st->mode >> 6) & 7;
    else if (st->gid == gid)
        bits = (st->mode >> 3) & 7;
    else
        bits = st->mode & 7;
    return (bits & (unsigned)want) == (unsigned)want;
}

/* The parent directory of abs must let us add or remove entries. */
static int parent_writable(vk_proc *p, const char *abs)
{
    vk_vm *vm = p->vm;
    char par[VK_PATH_MAX];
    snprintf(par, sizeof par, "%s", abs);
    pop(par);
    struct vk_stat st;
    vk_mnt *m;
    int rc = do_lstat(vm, par, &st, &m);
    if (rc < 0) return rc;
    if (!perm_ok(p, &st, VK_W_OK | VK_X_OK)) return VOS_EACCES;
    return 0;
}

static int write_ok(vk_proc *p, vk_path *r)
{
    if (r->mnt->m->flags & VFS_MOUNT_RDONLY) return VOS_EROFS;
    return vk_policy_check(p, r->abs, true);
}

static bool is_mountpoint(vk_vm *vm, const char *abs)
{
    for (vk_mnt *m = vm->mounts; m; m = m->next)
        if (strcmp(m->path, abs) == 0) return true;
    return false;
}

static const char *last_comp(const char *path)
{
    size_t l = strlen(path);
    while (l > 1 && path[l - 1] == '/') l--;
    size_t s = l;
    while (s > 0 && path[s - 1] != '/') s--;
    static const char dot[] = ".", dotdot[] = "..";
    if (l - s == 1 && path[s] == '.') return dot;
    if (l - s == 2 && path[s] == '.' && path[s + 1] == '.') return dotdot;
    return path + s;
}

static int enter(vk_proc *p)
{
    int rc = vk_check(p);
    return rc == VOS_EINTR ? 0 : rc;
}

/* ---- system calls ---- */
static int open_locked(vk_proc *p, const char *path, int flags, unsigned mode)
{
    vk_vm *vm = p->vm;
    int acc = flags & VK_O_ACCMODE;
    bool wr = acc != VK_O_RDONLY || (flags & VK_O_TRUNC);
    int rflags = 0;
    if (!(flags & VK_O_NOFOLLOW) && !((flags & VK_O_CREAT) && (flags & VK_O_EXCL)))
        rflags |= VK_RES_FOLLOW;
    if (flags & VK_O_CREAT) rflags |= VK_RES_MISSING_OK;
    vk_path r;
    int rc = vk_resolve(p, path, rflags, &r);
    if (rc < 0) return rc;
    if (r.magic_fd >= 0) {
        vk_proc *t = NULL;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q->pid == r.magic_pid && q->state != PS_ZOMBIE) t = q;
        vk_ofd *o = t ? vk_fd_get(t, r.magic_fd) : NULL;
        if (!o) return VOS_ENOENT;
        vk_ofd_ref(o);
        return vk_fd_install(p, o, 0, (flags & VK_O_CLOEXEC) != 0);
    }
    rc = vk_policy_check(p, r.abs, wr || (!r.exists && (flags & VK_O_CREAT)));
    if (rc < 0) return rc;
    if (r.exists) {
        if ((flags & VK_O_CREAT) && (flags & VK_O_EXCL)) return VOS_EEXIST;
        if (VK_S_ISLNK(r.st.mode)) return VOS_ELOOP;
        if (VK_S_ISDIR(r.st.mode) && acc != VK_O_RDONLY) return VOS_EISDIR;
        if ((flags & VK_O_DIRECTORY) && !VK_S_ISDIR(r.st.mode)) return VOS_ENOTDIR;
        int want = (acc != VK_O_WRONLY ? VK_R_OK : 0) | (acc != VK_O_RDONLY ? VK_W_OK : 0);
        if (!perm_ok(p, &r.st, want)) return VOS_EACCES;
        if (wr && (r.mnt->m->flags & VFS_MOUNT_RDONLY)) return VOS_EROFS;
    } else {
        size_t pl = strlen(path);
        if (pl && path[pl - 1] == '/') return VOS_EISDIR; /* "new/" names a directory */
        if (r.mnt->m->flags & VFS_MOUNT_RDONLY) return VOS_EROFS;
        rc = parent_writable(p, r.abs);
        if (rc < 0) return rc;
    }
    if (!r.mnt->m->ops->open) return VOS_ENOTSUP;
    vfs_file *f;
    rc = r.mnt->m->ops->open(r.mnt->m, r.rel, flags & ~(VK_O_CLOEXEC | VK_O_NOFOLLOW),
                             mode & ~p->umask & 07777, &f);
    if (rc < 0) return rc;
    r.mnt->m->nopen++;
    struct vk_stat st;
    bool isdir = f->ops->fstat(f, &st) == 0 && VK_S_ISDIR(st.mode);
    vk_ofd *o = vk_ofd_new(vm, isdir ? OFD_DIR : OFD_FILE, flags & ~VK_O_CLOEXEC);
    if (!o) {
        r.mnt->m->nopen--;
        f->ops->close(f);
        return VOS_ENOMEM;
    }
    o->file = f;
    o->dirpath = vk_vm_strdup(vm, r.abs); /* for readdir, and /proc/PID/fd/N */
    o->dirmnt = r.mnt;
    if (!o->dirpath) {
        vk_ofd_unref(vm, o);
        return VOS_ENOMEM;
    }
    return vk_fd_install(p, o, 0, (flags & VK_O_CLOEXEC) != 0);
}

int vk_open(vk_proc *p, const char *path, int flags, unsigned mode)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    VK_LOCK(p->vm);
    rc = open_locked(p, path, flags, mode);
    VK_UNLOCK(p->vm);
    return rc;
}

static int stat_common(vk_proc *p, const char *path, struct vk_stat *st, int flags)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_path r;
    rc = vk_resolve(p, path, flags, &r);
    if (rc == 0) rc = vk_policy_check(p, r.abs, false);
    if (rc == 0) {
        if (r.magic_fd >= 0) {
            vk_proc *t = NULL;
            for (vk_proc *q = vm->procs; q; q = q->next)
                if (q->pid == r.magic_pid && q->state != PS_ZOMBIE) t = q;
            vk_ofd *o = t ? vk_fd_get(t, r.magic_fd) : NULL;
            if (!o)
                rc = VOS_ENOENT;
            else if (o->file)
                rc = o->file->ops->fstat(o->file, st);
            else {
                memset(st, 0, sizeof *st);
                st->mode = VK_S_IFIFO | 0600;
                st->nlink = 1;
                st->uid = vfs_uid(vm);
                st->gid = vfs_gid(vm);
            }
        } else {
            *st = r.st;
        }
    }
    VK_UNLOCK(vm);
    return rc;
}

int vk_stat(vk_proc *p, const char *path, struct vk_stat *st)
{
    return stat_common(p, path, st, VK_RES_FOLLOW);
}
int vk_lstat(vk_proc *p, const char *path, struct vk_stat *st) { return stat_common(p, path, st, 0); }

int vk_access(vk_proc *p, const char *path, int mode)
{
    struct vk_stat st;
    int rc = vk_stat(p, path, &st);
    if (rc < 0) return rc;
    if (mode == VK_F_OK) return 0;
    if (!perm_ok(p, &st, mode)) return VOS_EACCES;
    if (mode & VK_W_OK) {
        VK_LOCK(p->vm);
        vk_path r;
        rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
        if (rc == 0 && (r.mnt->m->flags & VFS_MOUNT_RDONLY)) rc = VOS_EROFS;
        if (rc == 0 && vk_policy_check(p, r.abs, true) < 0) rc = VOS_EACCES;
        VK_UNLOCK(p->vm);
    }
    return rc;
}

/* Resolve for a create/remove operation on the last component (never followed). */
typedef int (*path_op)(vk_proc *p, vk_path *r, const void *arg);

static int with_path(vk_proc *p, const char *path, int flags, bool write, path_op op,
                     const void *arg)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_path r;
    rc = vk_resolve(p, path, flags, &r);
    if (rc == 0 && r.magic_fd >= 0) rc = VOS_EPERM;
    if (rc == 0 && write) rc = write_ok(p, &r);
    if (rc == 0 && !write) rc = vk_policy_check(p, r.abs, false);
    if (rc == 0) rc = op(p, &r, arg);
    VK_UNLOCK(vm);
    return rc;
}

static int op_mkdir(vk_proc *p, vk_path *r, const void *arg)
{
    if (r->exists) return VOS_EEXIST;
    int rc = parent_writable(p, r->abs);
    if (rc < 0) return rc;
    if (!r->mnt->m->ops->mkdir) return VOS_EROFS;
    return r->mnt->m->ops->mkdir(r->mnt->m, r->rel, *(const unsigned *)arg & ~p->umask & 07777);
}

int vk_mkdir(vk_proc *p, const char *path, unsigned mode)
{
    return with_path(p, path, VK_RES_MISSING_OK, true, op_mkdir, &mode);
}

static int op_rmdir(vk_proc *p, vk_path *r, const void *arg)
{
    const char *lc = arg;
    if (strcmp(lc, ".") == 0) return VOS_EINVAL;
    if (strcmp(lc, "..") == 0) return VOS_ENOTEMPTY;
    if (!r->exists) return VOS_ENOENT;
    if (!VK_S_ISDIR(r->st.mode)) return VOS_ENOTDIR;
    if (is_mountpoint(p->vm, r->abs) || strcmp(r->abs, "/") == 0) return VOS_EBUSY;
    int rc = parent_writable(p, r->abs);
    if (rc < 0) return rc;
    if (!r->mnt->m->ops->rmdir) return VOS_EROFS;
    return r->mnt->m->ops->rmdir(r->mnt->m, r->rel);
}

int vk_rmdir(vk_proc *p, const char *path)
{
    return with_path(p, path, 0, true, op_rmdir, last_comp(path));
}

static int op_unlink(vk_proc *p, vk_path *r, const void *arg)
{
    (void)arg;
    if (!r->exists) return VOS_ENOENT;
    if (VK_S_ISDIR(r->st.mode)) return VOS_EISDIR;
    int rc = parent_writable(p, r->abs);
    if (rc < 0) return rc;
    if (!r->mnt->m->ops->unlink) return VOS_EROFS;
    return r->mnt->m->ops->unlink(r->mnt->m, r->rel);
}

int vk_unlink(vk_proc *p, const char *path)
{
    size_t l = strlen(path ? path : "");
    if (l && path[l - 1] == '/') {
        /* "file/" names a directory: unlink of a dir, or ENOTDIR for a file */
        struct vk_stat st;
        int rc = vk_stat(p, path, &st);
        return rc < 0 ? rc : VOS_EISDIR;
    }
    return with_path(p, path, 0, true, op_unlink, NULL);
}

int vk_rename(vk_proc *p, const char *from, const char *to)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_path a, b;
    const char *lc = last_comp(from), *lt = last_comp(to);
    if (!strcmp(lc, ".") || !strcmp(lc, "..") || !strcmp(lt, ".") || !strcmp(lt, ".."))
        rc = VOS_EINVAL;
    if (rc == 0) rc = vk_resolve(p, from, 0, &a);
    if (rc == 0 && !a.exists) rc = VOS_ENOENT;
    if (rc == 0) rc = vk_resolve(p, to, VK_RES_MISSING_OK, &b);
    if (rc == 0) rc = write_ok(p, &a);
    if (rc == 0) rc = write_ok(p, &b);
    if (rc == 0 && (is_mountpoint(vm, a.abs) || is_mountpoint(vm, b.abs))) rc = VOS_EBUSY;
    if (rc == 0 && a.mnt != b.mnt) rc = VOS_EXDEV;
    if (rc == 0) rc = parent_writable(p, a.abs);
    if (rc == 0) rc = parent_writable(p, b.abs);
    if (rc == 0 && !a.mnt->m->ops->rename) rc = VOS_EROFS;
    if (rc == 0) rc = a.mnt->m->ops->rename(a.mnt->m, a.rel, b.rel);
    VK_UNLOCK(vm);
    return rc;
}

int vk_link(vk_proc *p, const char *from, const char *to)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_path a, b;
    rc = vk_resolve(p, from, 0, &a);
    if (rc == 0 && !a.exists) rc = VOS_ENOENT;
    if (rc == 0) rc = vk_resolve(p, to, VK_RES_MISSING_OK, &b);
    if (rc == 0 && b.exists) rc = VOS_EEXIST;
    if (rc == 0) rc = write_ok(p, &b);
    if (rc == 0 && a.mnt != b.mnt) rc = VOS_EXDEV;
    if (rc == 0) rc = parent_writable(p, b.abs);
    if (rc == 0 && !a.mnt->m->ops->link) rc = VOS_EPERM;
    if (rc == 0) rc = a.mnt->m->ops->link(a.mnt->m, a.rel, b.rel);
    VK_UNLOCK(vm);
    return rc;
}

static int op_symlink(vk_proc *p, vk_path *r, const void *arg)
{
    if (r->exists) return VOS_EEXIST;
    int rc = parent_writable(p, r->abs);
    if (rc < 0) return rc;
    if (!r->mnt->m->ops->symlink) return VOS_EROFS;
    return r->mnt->m->ops->symlink(r->mnt->m, arg, r->rel);
}

int vk_symlink(vk_proc *p, const char *target, const char *linkpath)
{
    if (!target) return VOS_EFAULT;
    if (!*target) return VOS_ENOENT;
    if (strlen(target) >= VK_PATH_MAX) return VOS_ENAMETOOLONG;
    return with_path(p, linkpath, VK_RES_MISSING_OK, true, op_symlink, target);
}

typedef struct rlarg {
    char *buf;
    size_t n;
    ssize_t len;
} rlarg;

static int op_readlink(vk_proc *p, vk_path *r, const void *arg)
{
    (void)p;
    rlarg *a = (rlarg *)arg;
    if (!r->exists) return VOS_ENOENT;
    if (!VK_S_ISLNK(r->st.mode)) return VOS_EINVAL;
    a->len = r->mnt->m->ops->readlink(r->mnt->m, r->rel, a->buf, a->n);
    return a->len < 0 ? (int)a->len : 0;
}

ssize_t vk_readlink(vk_proc *p, const char *path, char *buf, size_t n)
{
    rlarg a = {buf, n, 0};
    int rc = with_path(p, path, 0, false, op_readlink, &a);
    return rc < 0 ? rc : a.len;
}

static int op_chmod(vk_proc *p, vk_path *r, const void *arg)
{
    (void)p;
    if (!r->exists) return VOS_ENOENT;
    if (r->st.uid != vfs_uid(p->vm) && vfs_uid(p->vm) != 0) return VOS_EPERM;
    if (!r->mnt->m->ops->chmod) return VOS_EROFS;
    return r->mnt->m->ops->chmod(r->mnt->m, r->rel, *(const unsigned *)arg & 07777);
}

int vk_chmod(vk_proc *p, const char *path, unsigned mode)
{
    return with_path(p, path, VK_RES_FOLLOW, true, op_chmod, &mode);
}

static int op_utimens(vk_proc *p, vk_path *r, const void *arg)
{
    (void)p;
    if (!r->exists) return VOS_ENOENT;
    if (!r->mnt->m->ops->utimens) return VOS_EROFS;
    return r->mnt->m->ops->utimens(r->mnt->m, r->rel, arg);
}

int vk_utimens(vk_proc *p, const char *path, const int64_t times_ns[2], bool follow)
{
    int64_t now[2] = {VK_UTIME_NOW, VK_UTIME_NOW};
    return with_path(p, path, follow ? VK_RES_FOLLOW : 0, true, op_utimens,
                     times_ns ? times_ns : now);
}

static int op_truncate(vk_proc *p, vk_path *r, const void *arg)
{
    if (!r->exists) return VOS_ENOENT;
    if (VK_S_ISDIR(r->st.mode)) return VOS_EISDIR;
    if (!perm_ok(p, &r->st, VK_W_OK)) return VOS_EACCES;
    if (!r->mnt->m->ops->truncate) return VOS_EROFS;
    return r->mnt->m->ops->truncate(r->mnt->m, r->rel, *(const uint64_t *)arg);
}

int vk_truncate(vk_proc *p, const char *path, uint64_t len)
{
    return with_path(p, path, VK_RES_FOLLOW, true, op_truncate, &len);
}

static int op_chdir(vk_proc *p, vk_path *r, const void *arg)
{
    (void)arg;
    if (!r->exists) return VOS_ENOENT;
    if (!VK_S_ISDIR(r->st.mode)) return VOS_ENOTDIR;
    if (!perm_ok(p, &r->st, VK_X_OK)) return VOS_EACCES;
    return 0;
}

int vk_chdir(vk_proc *p, const char *path)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
    if (rc == 0) rc = vk_policy_check(p, r.abs, false);
    if (rc == 0) rc = op_chdir(p, &r, NULL);
    VK_UNLOCK(vm);
    if (rc == 0) {
        char *n = vk_strdup(p, r.abs);
        if (!n) return VOS_ENOMEM;
        vk_free(p, p->cwd);
        p->cwd = n;
    }
    return rc;
}

const char *vk_getcwd(vk_proc *p) { return p->cwd ? p->cwd : "/"; }

int vk_realpath(vk_proc *p, const char *path, bool allow_missing_last, char **out)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    VK_LOCK(p->vm);
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW | (allow_missing_last ? VK_RES_MISSING_OK : 0), &r);
    VK_UNLOCK(p->vm);
    if (rc < 0) return rc;
    *out = vk_strdup(p, r.abs);
    return *out ? 0 : VOS_ENOMEM;
}

unsigned vk_umask(vk_proc *p, unsigned mask)
{
    unsigned old = p->umask;
    p->umask = mask & 0777;
    return old;
}
