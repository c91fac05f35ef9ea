/* path.c: path resolution in the VM's namespace, policy and permission checks, and the path
 * system calls. Paths are canonicalised here ("." and ".." removed, ".." never above the root,
 * symlinks followed by the VM's rules with an ELOOP bound), so drivers only ever see a clean
 * path relative to their root. Resolution runs without the VM lock: each driver call goes
 * through vfs.c with its mount pinned. A path inside one mount is first tried whole (one driver
 * call: O(depth) on hostfs instead of one walk per component); when the driver meets a symlink
 * or anything unusual on the way, the walk goes component by component. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/internal.h"

void vk_set_errmsg(vk_vm *vm, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* a process's message belongs to its exec (the API reads it when the exec returns); one
     * from the host's own call or outside any exec goes to the VM */
    vk_proc *p = vk_current();
    pthread_mutex_lock(&vm->errmu);
    if (p && p->vm == vm && p->ex) {
        memcpy(p->ex->errmsg, buf, sizeof buf);
    } else {
        if (!vm->errmsg) vm->errmsg = vk_vm_alloc(vm, VK_ERRMSG);
        if (vm->errmsg) memcpy(vm->errmsg, buf, sizeof buf);
    }
    pthread_mutex_unlock(&vm->errmu);
}

/* ---- policy ---- */
int vk_policy_check(vk_proc *p, const char *abs, bool write)
{
    vk_vm *vm = p->vm;
    if (p->privileged) return 0; /* the host's own calls through the API */
    char rule[600];
    if (vk_policy_decide(vm, p, VOS_REQ_PATH, abs, write ? "write" : "read", rule,
                         sizeof rule) == VOS_POLICY_ALLOW)
        return 0;
    /* "... denied by the path rule '/x' (none)", or "... denied: no path rule matches ..." */
    bool named = strncmp(rule, "the ", 4) == 0;
    vk_set_errmsg(vm, "%s of '%s' denied%s%s", write ? "write" : "access", abs,
                  named ? " by " : ": ", rule);
    return VOS_EDENIED;
}

/* ---- resolution ---- */
int procfs_fd_path(const char *rel, int *pid, int *fd)
{
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

/* ---- the directory cache ----
 * A process walking a tree opens each directory to list it, then looks at, opens or removes
 * its entries by path. The directories it opened lately (a few, for the whole VM) are kept
 * open here under their canonical path, so such a lookup is one driver call relative to the
 * directory (one fstatat on hostfs) instead of a walk from the mount's root. The meaning of a
 * cached path can change only by a rename, an rmdir or a (u)mount in the VM: each moves the
 * generation on, and older entries are never used. A tree the host can change as well (a host
 * directory: a mount without VOS_FS_NOBLOCK) is trusted only for DCACHE_HOST_NS after the
 * directory was opened, the time a walk takes to go through its entries: a directory the host
 * renames or replaces meanwhile is seen as an open directory sees it, for that long at most. */
#define DCACHE_HOST_NS 200000000

static bool dcache_current(vk_vm *vm, const struct vk_dcent *e)
{
    return e->o && e->gen == atomic_load(&vm->dcache_gen) &&
           (e->until == INT64_MAX || vk_now_mono() < e->until);
}

void vk_dcache_add(vk_vm *vm, vk_ofd *o)
{
    if (o->kind != OFD_DIR || !o->file || !o->path || o->mnt->kind != VK_MNT_PLAIN ||
        !vfs_has_at(o->file))
        return;
    struct vk_dcent *slot = NULL;
    for (int i = 0; i < VK_DCACHE && !slot; i++)
        if (vm->dcache[i].o && strcmp(vm->dcache[i].path, o->path) == 0) slot = &vm->dcache[i];
    for (int i = 0; i < VK_DCACHE && !slot; i++)
        if (!dcache_current(vm, &vm->dcache[i])) slot = &vm->dcache[i];
    if (!slot) slot = &vm->dcache[vm->dcache_next++ % VK_DCACHE];
    char *path = vk_vm_strdup(vm, o->path);
    if (!path) return;
    if (slot->o) {
        vk_ofd_unref(vm, slot->o); /* closed once the lock is released */
        vk_vm_strfree(vm, slot->path);
    }
    vk_ofd_ref(o);
    slot->o = o;
    slot->path = path;
    slot->gen = atomic_load(&vm->dcache_gen);
    slot->until = (o->mnt->fs->flags & VOS_FS_NOBLOCK) ? INT64_MAX : vk_now_mono() + DCACHE_HOST_NS;
}

void vk_dcache_invalidate(vk_vm *vm) { atomic_fetch_add(&vm->dcache_gen, 1); }

void vk_dcache_drop(vk_vm *vm, vk_mnt *m)
{
    VK_LOCK(vm);
    for (int i = 0; i < VK_DCACHE; i++) {
        struct vk_dcent *e = &vm->dcache[i];
        if (!e->o || (m && e->o->mnt != m)) continue;
        vk_ofd_unref(vm, e->o);
        vk_vm_strfree(vm, e->path);
        e->o = NULL;
        e->path = NULL;
    }
    VK_UNLOCK(vm);
}

/* The open directory at dir[0..len), referenced, or NULL. */
static vk_ofd *dcache_get(vk_vm *vm, const char *dir, size_t len)
{
    vk_ofd *o = NULL;
    VK_LOCK(vm);
    for (int i = 0; i < VK_DCACHE && !o; i++) {
        struct vk_dcent *e = &vm->dcache[i];
        if (dcache_current(vm, e) && strncmp(e->path, dir, len) == 0 && e->path[len] == 0) {
            o = e->o;
            vk_ofd_ref(o);
        }
    }
    VK_UNLOCK(vm);
    return o;
}

static void dir_put(vk_vm *vm, vk_ofd *o)
{
    if (!o) return;
    VK_LOCK(vm);
    vk_ofd_unref(vm, o);
    VK_UNLOCK(vm);
}

void vk_path_done(vk_path *r)
{
    if (r->dir) {
        dir_put(r->dir->vm, r->dir);
        r->dir = NULL;
    }
    vk_mnt_put(r->mnt);
    r->mnt = NULL;
}

/* The last component of a canonical absolute path. */
static const char *base_of(const char *abs)
{
    const char *s = strrchr(abs, '/');
    return s ? s + 1 : abs;
}

/* The whole path at once: when path (joined to cwd) has no "." or ".." component and lies in
 * one ordinary mount, one lstat of it answers, unless the driver meets a symlink or a
 * non-directory on the way (then it says ELOOP / ENOTDIR and the walk below takes over).
 * Returns 1 when it answered (out filled, mount pinned, or *rc the final error), 0 to walk. */
static int resolve_whole(vk_proc *p, const char *cwd, const char *path, int flags, vk_path *out,
                         int *rc)
{
    vk_vm *vm = p ? p->vm : NULL;
    size_t plen = strlen(path), al = 0;
    char *abs = out->abs;
    if (path[0] != '/' && cwd) {
        al = strlen(cwd);
        if (al + plen + 2 >= VK_PATH_MAX) return 0;
        memcpy(abs, cwd, al);
    }
    const char *s = path;
    for (;;) {
        while (*s == '/') s++;
        if (!*s) break;
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 1 && s[0] == '.') {
            s += len;
            continue;
        }
        if (len == 2 && s[0] == '.' && s[1] == '.') return 0;
        if (len > VK_NAME_MAX || al + len + 2 >= VK_PATH_MAX) return 0;
        if (al != 1 || abs[0] != '/') abs[al++] = '/';
        memcpy(abs + al, s, len);
        al += len;
        s += len;
    }
    if (al == 0) abs[al++] = '/';
    abs[al] = 0;
    vk_mnt *m = vk_mnt_get(vm, abs);
    if (!m) return 0;
    if (m->kind != VK_MNT_PLAIN) {
        vk_mnt_put(m);
        return 0;
    }
    const char *rel = vk_mnt_rel(m, abs);
    struct vk_stat st;
    bool trailing = plen > 0 && path[plen - 1] == '/';
    /* the parent directory open in the cache: one call relative to it */
    const char *name = base_of(abs);
    vk_ofd *d = *rel && *name ? dcache_get(vm, abs, (size_t)(name - 1 - abs) ? (size_t)(name - 1 - abs) : 1)
                              : NULL;
    if (d && d->mnt == m) {
        int r = vfs_lstatat(p, m, d->file, name, &st);
        if (r == 0 && !VK_S_ISLNK(st.mode) && (!trailing || VK_S_ISDIR(st.mode))) {
            out->mnt = m;
            out->rel = rel;
            out->exists = true;
            out->st = st;
            out->dir = d;
            return 1;
        }
        if (r == VOS_ENOENT && !trailing) {
            if (!(flags & VK_RES_MISSING_OK)) {
                dir_put(vm, d);
                vk_mnt_put(m);
                *rc = r;
                return 1;
            }
            out->mnt = m; /* a name to create in a directory that is there */
            out->rel = rel;
            out->dir = d;
            return 1;
        }
    }
    dir_put(vm, d);
    int r = vfs_lstat(p, m, rel, &st);
    if (r == 0 && !VK_S_ISLNK(st.mode) && (!trailing || VK_S_ISDIR(st.mode))) {
        out->mnt = m;
        out->rel = rel;
        out->exists = true;
        out->st = st;
        return 1;
    }
    vk_mnt_put(m);
    /* a component is missing and none before it is a link: the path does not exist */
    if (r == VOS_ENOENT && !(flags & VK_RES_MISSING_OK)) {
        *rc = r;
        return 1;
    }
    return 0;
}

static int resolve_at(vk_proc *p, const char *cwd, int pid, const char *path, int flags,
                      vk_path *out)
{
    vk_vm *vm = p->vm;
    out->mnt = NULL;
    out->dir = NULL;
    out->magic_fd = -1;
    out->magic_pid = 0;
    out->exists = false;
    if (!path) return VOS_EFAULT;
    if (!*path) return VOS_ENOENT;
    size_t plen = strlen(path);
    if (plen >= VK_PATH_MAX) return VOS_ENAMETOOLONG;
    int rc = 0;
    if (resolve_whole(p, cwd, path, flags, out, &rc)) return rc;

    char work[VK_PATH_MAX * 2];
    memcpy(work, path, plen + 1);
    bool trailing = plen > 0 && path[plen - 1] == '/';
    if (trailing) flags |= VK_RES_FOLLOW;
    if (path[0] == '/' || !cwd)
        strcpy(out->abs, "/");
    else
        snprintf(out->abs, sizeof out->abs, "%s", cwd);
    char *abs = out->abs;
    int links = 0;
    bool have_st = false;
    vk_mnt *m = NULL; /* pinned: the mount of the last lstat */
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
        rc = VOS_ENAMETOOLONG;
        if (len > VK_NAME_MAX) goto fail;
        size_t al = strlen(abs);
        if (al + len + 2 >= VK_PATH_MAX) goto fail;
        if (al > 1) abs[al++] = '/';
        memcpy(abs + al, rest, len);
        abs[al + len] = 0;

        vk_mnt_put(m);
        m = vk_mnt_get(vm, abs);
        rc = VOS_ENOENT;
        if (!m) goto fail;
        if (m->kind == VK_MNT_PROC && strcmp(vk_mnt_rel(m, abs), "self") == 0 && pid > 0)
            snprintf(abs + al, VK_PATH_MAX - al, "%d", pid);

        struct vk_stat st;
        rc = vfs_lstat(p, m, vk_mnt_rel(m, abs), &st);
        if (rc == VOS_ENOENT && last && (flags & VK_RES_MISSING_OK)) {
            out->mnt = m;
            out->rel = vk_mnt_rel(m, abs);
            return 0;
        }
        if (rc < 0) goto fail;
        if (VK_S_ISLNK(st.mode) && (!last || (flags & VK_RES_FOLLOW))) {
            int mp, mf;
            if (m->kind == VK_MNT_PROC && procfs_fd_path(vk_mnt_rel(m, abs), &mp, &mf)) {
                rc = VOS_ENOTDIR;
                if (!last) goto fail;
                out->magic_pid = mp;
                out->magic_fd = mf;
                out->mnt = m;
                out->rel = vk_mnt_rel(m, abs);
                out->exists = true;
                out->st = st;
                return 0;
            }
            rc = VOS_ELOOP;
            if (++links > VK_SYMLOOP_MAX) goto fail;
            char target[VK_PATH_MAX];
            ssize_t tl = vfs_readlink(p, m, vk_mnt_rel(m, abs), target, sizeof target - 1);
            rc = tl < 0 ? (int)tl : VOS_ENOENT;
            if (tl <= 0) goto fail;
            target[tl] = 0;
            size_t restlen = strlen(next);
            rc = VOS_ENAMETOOLONG;
            if ((size_t)tl + restlen + 2 >= sizeof work) goto fail;
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
        rc = VOS_ENOTDIR;
        if (!last && !VK_S_ISDIR(st.mode)) goto fail;
        if (last) {
            out->st = st;
            have_st = true;
        }
        rest = next;
    }
    vk_mnt_put(m);
    m = vk_mnt_get(vm, abs);
    rc = VOS_ENOENT;
    if (!m) goto fail;
    out->mnt = m;
    out->rel = vk_mnt_rel(m, abs);
    if (!have_st) {
        rc = vfs_lstat(p, m, out->rel, &out->st);
        if (rc < 0) goto fail;
    }
    out->exists = true;
    if (trailing && !VK_S_ISDIR(out->st.mode)) {
        rc = VOS_ENOTDIR;
        goto fail;
    }
    return 0;
fail:
    vk_mnt_put(m);
    out->mnt = NULL;
    return rc;
}

int vk_resolve(vk_proc *p, const char *path, int flags, vk_path *out)
{
    return resolve_at(p, p->cwd, p->pid, path, flags, out);
}

/* ---- permissions ---- */
static bool perm_ok(vk_proc *p, const struct vk_stat *st, int want)
{
    vk_vm *vm = p->vm;
    unsigned uid = vos_host_uid(vk_host(vm)), gid = vos_host_gid(vk_host(vm));
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
static int parent_writable(vk_proc *p, const char *abs);

/* The same for a path found in an open directory: its attributes come from the directory. */
static int dir_writable(vk_proc *p, vk_path *r)
{
    if (!r->dir) return parent_writable(p, r->abs);
    /* the cached directory's attributes: one fstat per directory while the cache holds it,
     * not one per file created or removed in it (rm -rf, cp -r, tar x) */
    vk_ofd *d = r->dir;
    uint64_t gen = atomic_load(&p->vm->dcache_gen);
    struct vk_stat st;
    pthread_mutex_lock(&d->lk);
    bool cached = d->dirst_ok && d->dirst_gen == gen;
    if (cached) st = d->dirst;
    pthread_mutex_unlock(&d->lk);
    if (!cached) {
        int rc = vfs_fstat(p, d->mnt, d->file, &st);
        if (rc < 0) return rc;
        pthread_mutex_lock(&d->lk);
        d->dirst = st;
        d->dirst_gen = gen;
        d->dirst_ok = true;
        pthread_mutex_unlock(&d->lk);
    }
    return perm_ok(p, &st, VK_W_OK | VK_X_OK) ? 0 : VOS_EACCES;
}

static int parent_writable(vk_proc *p, const char *abs)
{
    char par[VK_PATH_MAX];
    snprintf(par, sizeof par, "%s", abs);
    pop(par);
    vk_mnt *m = vk_mnt_get(p->vm, par);
    if (!m) return VOS_ENOENT;
    struct vk_stat st;
    int rc = vfs_lstat(p, m, vk_mnt_rel(m, par), &st);
    vk_mnt_put(m);
    if (rc < 0) return rc;
    if (!perm_ok(p, &st, VK_W_OK | VK_X_OK)) return VOS_EACCES;
    return 0;
}

static int write_ok(vk_proc *p, vk_path *r)
{
    if (r->mnt->rdonly) return VOS_EROFS;
    return vk_policy_check(p, r->abs, true);
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

/* The open file description behind /proc/PID/fd/N, referenced (vm->mu held). */
static vk_ofd *magic_ofd(vk_vm *vm, vk_path *r)
{
    for (vk_proc *q = vm->procs; q; q = q->next)
        if (q->pid == r->magic_pid && q->state != PS_ZOMBIE) return vk_fd_get(q, r->magic_fd);
    return NULL;
}

/* ---- system calls ---- */

static int do_open(vk_proc *p, const char *path, int flags, unsigned mode)
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
        vk_path_done(&r);
        VK_LOCK(vm);
        vk_ofd *o = magic_ofd(vm, &r);
        if (o) {
            vk_ofd_ref(o);
            rc = vk_fd_install(p, o, 0, (flags & VK_O_CLOEXEC) != 0);
        } else {
            rc = VOS_ENOENT;
        }
        VK_UNLOCK(vm);
        return rc;
    }
    rc = vk_policy_check(p, r.abs, wr || (!r.exists && (flags & VK_O_CREAT)));
    if (rc < 0) goto out;
    if (r.exists) {
        rc = VOS_EEXIST;
        if ((flags & VK_O_CREAT) && (flags & VK_O_EXCL)) goto out;
        rc = VOS_ELOOP;
        if (VK_S_ISLNK(r.st.mode)) goto out;
        rc = VOS_EISDIR;
        if (VK_S_ISDIR(r.st.mode) && (acc != VK_O_RDONLY || (flags & VK_O_CREAT))) goto out;
        rc = VOS_ENOTDIR;
        if ((flags & VK_O_DIRECTORY) && !VK_S_ISDIR(r.st.mode)) goto out;
        int want = (acc != VK_O_WRONLY ? VK_R_OK : 0) | (acc != VK_O_RDONLY ? VK_W_OK : 0);
        rc = VOS_EACCES;
        if (!perm_ok(p, &r.st, want)) goto out;
        if (VK_S_ISFIFO(r.st.mode) && vfs_has_fifos(r.mnt)) {
            rc = vk_fifo_open(p, &r, flags);
            goto out;
        }
        rc = VOS_EROFS;
        if (wr && r.mnt->rdonly) goto out;
    } else {
        size_t pl = strlen(path);
        rc = VOS_EISDIR;
        if (pl && path[pl - 1] == '/') goto out; /* "new/" names a directory */
        rc = VOS_EROFS;
        if (r.mnt->rdonly) goto out;
        rc = dir_writable(p, &r);
        if (rc < 0) goto out;
    }
    vos_file *f;
    int dflags = flags & ~(VK_O_CLOEXEC | VK_O_NOFOLLOW | VK_O_NOCTTY | VK_O_NONBLOCK);
    if (r.exists && (VK_S_ISREG(r.st.mode) || VK_S_ISDIR(r.st.mode)))
        dflags |= VOS_O_TYPE_CHECKED;
    rc = VOS_ENOENT;
    if (r.exists && r.dir && (dflags & VOS_O_TYPE_CHECKED))
        /* an entry seen just now in an open directory: open it there (O_CREAT is moot) */
        rc = vfs_openat(p, r.mnt, r.dir->file, base_of(r.abs), dflags & ~VK_O_CREAT,
                        mode & ~p->umask & 07777, &f);
    if (rc == VOS_ENOENT) /* not through the directory, or gone meanwhile: by path */
        rc = vfs_open(p, r.mnt, r.rel, dflags, mode & ~p->umask & 07777, &f);
    if (rc < 0) goto out;
    struct vk_stat st;
    bool isdir = r.exists ? VK_S_ISDIR(r.st.mode)
                          : (vfs_fstat(p, r.mnt, f, &st) == 0 && VK_S_ISDIR(st.mode));
    vk_ofd *o = vk_ofd_new(vm, isdir ? OFD_DIR : OFD_FILE, flags & ~VK_O_CLOEXEC);
    char *opath = o ? vk_vm_strdup(vm, r.abs) : NULL; /* for readdir, and /proc/PID/fd/N */
    if (!o || !opath) {
        if (o) vk_vm_free(vm, o, sizeof *o);
        vfs_close(p, r.mnt, f);
        rc = VOS_ENOMEM;
        goto out;
    }
    o->file = f;
    o->mnt = r.mnt; /* kept alive by its nopen, counted by vfs_open */
    o->path = opath;
    VK_LOCK(vm);
    if (isdir) vk_dcache_add(vm, o);
    rc = vk_fd_install(p, o, 0, (flags & VK_O_CLOEXEC) != 0);
    VK_UNLOCK(vm);
out:
    vk_path_done(&r);
    return rc;
}

int vk_open(vk_proc *p, const char *path, int flags, unsigned mode)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    return do_open(p, path, flags, mode);
}

/* stat of what /proc/PID/fd/N refers to */
static int magic_stat(vk_proc *p, vk_path *r, struct vk_stat *st)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = magic_ofd(vm, r);
    if (o) vk_ofd_ref(o);
    VK_UNLOCK(vm);
    if (!o) return VOS_ENOENT;
    int rc = 0;
    if (o->file) {
        rc = vfs_fstat(p, o->mnt, o->file, st);
    } else {
        memset(st, 0, sizeof *st);
        st->mode = VK_S_IFIFO | 0600;
        st->nlink = 1;
        st->uid = vos_host_uid(vk_host(vm));
        st->gid = vos_host_gid(vk_host(vm));
    }
    VK_LOCK(vm);
    vk_ofd_unref(vm, o);
    VK_UNLOCK(vm);
    return rc;
}

static int stat_common(vk_proc *p, const char *path, struct vk_stat *st, int flags)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path r;
    rc = vk_resolve(p, path, flags, &r);
    if (rc < 0) return rc;
    rc = vk_policy_check(p, r.abs, false);
    if (rc == 0) {
        if (r.magic_fd >= 0)
            rc = magic_stat(p, &r, st);
        else
            *st = r.st;
    }
    vk_path_done(&r);
    return rc;
}

int vk_stat(vk_proc *p, const char *path, struct vk_stat *st)
{
    return stat_common(p, path, st, VK_RES_FOLLOW);
}
int vk_lstat(vk_proc *p, const char *path, struct vk_stat *st) { return stat_common(p, path, st, 0); }

int vk_access(vk_proc *p, const char *path, int mode)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
    if (rc < 0) return rc;
    rc = vk_policy_check(p, r.abs, false);
    struct vk_stat st = r.st;
    if (rc == 0 && r.magic_fd >= 0) rc = magic_stat(p, &r, &st);
    if (rc == 0 && mode != VK_F_OK && !perm_ok(p, &st, mode)) rc = VOS_EACCES;
    if (rc == 0 && (mode & VK_W_OK)) {
        if (r.mnt->rdonly)
            rc = VOS_EROFS;
        else if (vk_policy_check(p, r.abs, true) < 0)
            rc = VOS_EACCES;
    }
    vk_path_done(&r);
    return rc;
}

/* Resolve path, check it, run op on it. */
typedef int (*path_op)(vk_proc *p, vk_path *r, const void *arg);

static int with_path(vk_proc *p, const char *path, int flags, bool write, path_op op,
                     const void *arg)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path r;
    rc = vk_resolve(p, path, flags, &r);
    if (rc < 0) return rc;
    if (r.magic_fd >= 0) rc = VOS_EPERM;
    if (rc == 0 && write) rc = write_ok(p, &r);
    if (rc == 0 && !write) rc = vk_policy_check(p, r.abs, false);
    if (rc == 0) rc = op(p, &r, arg);
    vk_path_done(&r);
    return rc;
}

static int op_mkdir(vk_proc *p, vk_path *r, const void *arg)
{
    if (r->exists) return VOS_EEXIST;
    int rc = dir_writable(p, r);
    if (rc < 0) return rc;
    return vfs_mkdir(p, r->mnt, r->rel, *(const unsigned *)arg & ~p->umask & 07777);
}

int vk_mkdir(vk_proc *p, const char *path, unsigned mode)
{
    return with_path(p, path, VK_RES_MISSING_OK, true, op_mkdir, &mode);
}

static int op_mkfifo(vk_proc *p, vk_path *r, const void *arg)
{
    if (r->exists) return VOS_EEXIST;
    int rc = dir_writable(p, r);
    if (rc < 0) return rc;
    return vfs_mknod(p, r->mnt, r->rel,
                     VK_S_IFIFO | (*(const unsigned *)arg & ~p->umask & 07777));
}

int vk_mkfifo(vk_proc *p, const char *path, unsigned mode)
{
    return with_path(p, path, VK_RES_MISSING_OK, true, op_mkfifo, &mode);
}

static int op_rmdir(vk_proc *p, vk_path *r, const void *arg)
{
    const char *lc = arg;
    if (strcmp(lc, ".") == 0) return VOS_EINVAL;
    if (strcmp(lc, "..") == 0) return VOS_ENOTEMPTY;
    if (!r->exists) return VOS_ENOENT;
    if (!VK_S_ISDIR(r->st.mode)) return VOS_ENOTDIR;
    if (vk_is_mountpoint(p->vm, r->abs) || strcmp(r->abs, "/") == 0) return VOS_EBUSY;
    int rc = dir_writable(p, r);
    if (rc < 0) return rc;
    vk_dcache_invalidate(p->vm);
    if (r->dir) return vfs_unlinkat(p, r->mnt, r->dir->file, base_of(r->abs), true);
    return vfs_rmdir(p, r->mnt, r->rel);
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
    int rc = dir_writable(p, r);
    if (rc < 0) return rc;
    if (r->dir) return vfs_unlinkat(p, r->mnt, r->dir->file, base_of(r->abs), false);
    return vfs_unlink(p, r->mnt, r->rel);
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

/* Two paths for rename and link: both resolved and pinned, then checked. */
static int two_paths(vk_proc *p, const char *from, const char *to, int tflags, vk_path *a,
                     vk_path *b)
{
    int rc = vk_resolve(p, from, 0, a);
    if (rc < 0) return rc;
    rc = a->exists ? vk_resolve(p, to, tflags, b) : VOS_ENOENT;
    if (rc < 0) vk_path_done(a);
    return rc;
}

int vk_rename(vk_proc *p, const char *from, const char *to)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    const char *lc = last_comp(from), *lt = last_comp(to);
    if (!strcmp(lc, ".") || !strcmp(lc, "..") || !strcmp(lt, ".") || !strcmp(lt, ".."))
        return VOS_EINVAL;
    vk_path a, b;
    rc = two_paths(p, from, to, VK_RES_MISSING_OK, &a, &b);
    if (rc < 0) return rc;
    rc = write_ok(p, &a);
    if (rc == 0) rc = write_ok(p, &b);
    if (rc == 0 && (vk_is_mountpoint(vm, a.abs) || vk_is_mountpoint(vm, b.abs))) rc = VOS_EBUSY;
    if (rc == 0 && a.mnt != b.mnt) rc = VOS_EXDEV;
    if (rc == 0) rc = dir_writable(p, &a);
    if (rc == 0) rc = dir_writable(p, &b);
    if (rc == 0) {
        vk_dcache_invalidate(vm);
        rc = vfs_rename(p, a.mnt, a.rel, b.rel);
    }
    vk_path_done(&a);
    vk_path_done(&b);
    return rc;
}

int vk_link(vk_proc *p, const char *from, const char *to)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path a, b;
    rc = two_paths(p, from, to, VK_RES_MISSING_OK, &a, &b);
    if (rc < 0) return rc;
    if (b.exists) rc = VOS_EEXIST;
    if (rc == 0) rc = write_ok(p, &b);
    if (rc == 0 && a.mnt != b.mnt) rc = VOS_EXDEV;
    if (rc == 0) rc = dir_writable(p, &b);
    if (rc == 0) rc = vfs_link(p, a.mnt, a.rel, b.rel);
    vk_path_done(&a);
    vk_path_done(&b);
    return rc;
}

static int op_symlink(vk_proc *p, vk_path *r, const void *arg)
{
    if (r->exists) return VOS_EEXIST;
    int rc = dir_writable(p, r);
    if (rc < 0) return rc;
    return vfs_symlink(p, r->mnt, arg, r->rel);
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
    rlarg *a = (rlarg *)arg;
    if (!r->exists) return VOS_ENOENT;
    if (!VK_S_ISLNK(r->st.mode)) return VOS_EINVAL;
    a->len = vfs_readlink(p, r->mnt, r->rel, a->buf, a->n);
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
    if (!r->exists) return VOS_ENOENT;
    unsigned uid = vos_host_uid(vk_host(p->vm));
    if (r->st.uid != uid && uid != 0 && !p->privileged) return VOS_EPERM;
    int rc = vfs_chmod(p, r->mnt, r->rel, *(const unsigned *)arg & 07777);
    if (rc == 0 && VK_S_ISDIR(r->st.mode)) vk_dcache_invalidate(p->vm); /* cached modes */
    return rc;
}

int vk_chmod(vk_proc *p, const char *path, unsigned mode)
{
    return with_path(p, path, VK_RES_FOLLOW, true, op_chmod, &mode);
}

static int op_utimens(vk_proc *p, vk_path *r, const void *arg)
{
    if (!r->exists) return VOS_ENOENT;
    return vfs_utimens(p, r->mnt, r->rel, arg);
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
    return vfs_truncate(p, r->mnt, r->rel, *(const uint64_t *)arg);
}

int vk_truncate(vk_proc *p, const char *path, uint64_t len)
{
    return with_path(p, path, VK_RES_FOLLOW, true, op_truncate, &len);
}

int vk_chdir(vk_proc *p, const char *path)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
    if (rc < 0) return rc;
    rc = vk_policy_check(p, r.abs, false);
    if (rc == 0 && !r.exists) rc = VOS_ENOENT;
    if (rc == 0 && !VK_S_ISDIR(r.st.mode)) rc = VOS_ENOTDIR;
    if (rc == 0 && !perm_ok(p, &r.st, VK_X_OK)) rc = VOS_EACCES;
    vk_path_done(&r);
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
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW | (allow_missing_last ? VK_RES_MISSING_OK : 0), &r);
    if (rc < 0) return rc;
    vk_path_done(&r);
    *out = vk_strdup(p, r.abs);
    return *out ? 0 : VOS_ENOMEM;
}

unsigned vk_umask(vk_proc *p, unsigned mask)
{
    unsigned old = p->umask;
    p->umask = mask & 0777;
    return old;
}

/* ---- filesystem statistics ---- */
static void fill_statfs(vk_proc *p, vk_mnt *m, vk_statfs_buf *out, const vos_statfs *s)
{
    memset(out, 0, sizeof *out);
    out->bsize = s->bsize ? s->bsize : 4096;
    out->blocks = s->blocks;
    out->bfree = s->bfree;
    out->bavail = s->bavail;
    out->files = s->files;
    out->ffree = s->ffree;
    out->namemax = s->namemax ? s->namemax : VK_NAME_MAX;
    out->dev = m->dev;
    out->rdonly = m->rdonly;
    snprintf(out->type, sizeof out->type, "%s", m->fs->ops->name ? m->fs->ops->name : "?");
    snprintf(out->mountpoint, sizeof out->mountpoint, "%s", m->path);
    (void)p;
}

int vk_statfs(vk_proc *p, const char *path, vk_statfs_buf *out)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_path r;
    rc = vk_resolve(p, path, VK_RES_FOLLOW, &r);
    if (rc < 0) return rc;
    rc = vk_policy_check(p, r.abs, false);
    vos_statfs s;
    if (rc == 0) rc = vfs_statfs(p, r.mnt, &s);
    if (rc == 0) fill_statfs(p, r.mnt, out, &s);
    vk_path_done(&r);
    return rc;
}

int vk_fstatfs(vk_proc *p, int fd, vk_statfs_buf *out)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    if (o) vk_ofd_ref(o);
    VK_UNLOCK(vm);
    if (!o) return VOS_EBADF;
    int rc = 0;
    vos_statfs s;
    if (o->mnt) {
        rc = vfs_statfs(p, o->mnt, &s);
        if (rc == 0) fill_statfs(p, o->mnt, out, &s);
    } else {
        memset(out, 0, sizeof *out);
        out->bsize = 4096;
        out->namemax = VK_NAME_MAX;
        snprintf(out->type, sizeof out->type, "pipefs");
    }
    VK_LOCK(vm);
    vk_ofd_unref(vm, o);
    VK_UNLOCK(vm);
    return rc;
}

int vk_mounts(vk_proc *p, int (*fn)(void *ctx, const vk_statfs_buf *m), void *ctx)
{
    vk_vm *vm = p->vm;
    /* pin them all (outermost first, as /proc/mounts lists them), then ask each driver */
    vk_mnt *arr[256];
    int n = 0;
    pthread_rwlock_rdlock(&vm->mntlk);
    for (vk_mnt *m = vm->mounts; m && n < 256; m = m->next) {
        atomic_fetch_add(&m->busy, 1);
        arr[n++] = m;
    }
    pthread_rwlock_unlock(&vm->mntlk);
    int rc = 0;
    for (int i = n - 1; i >= 0; i--) {
        vos_statfs s;
        vk_statfs_buf b;
        if (rc == 0 && vk_policy_check(p, arr[i]->path, false) == 0 &&
            vfs_statfs(p, arr[i], &s) == 0) {
            fill_statfs(p, arr[i], &b, &s);
            if (fn(ctx, &b)) rc = 1;
        }
    }
    for (int i = 0; i < n; i++) vk_mnt_put(arr[i]);
    return 0;
}
