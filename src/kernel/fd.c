/* fd.c: file descriptor tables, open file descriptions (files, directories, pipes, capture
 * sinks, stdin data), bounded blocking pipes with SIGPIPE semantics, and the fd system calls.
 * Everything runs under the VM lock; a blocked reader or writer waits on the pipe's condition
 * and is woken by the other end, a signal, the exec's deadline, or an interrupt. */
#include <stdio.h>
#include <string.h>

#include "kernel/internal.h"

/* ---- open file descriptions ---- */
vk_ofd *vk_ofd_new(vk_vm *vm, int kind, int flags)
{
    vk_ofd *o = vk_vm_alloc(vm, sizeof *o);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    o->refs = 1;
    o->kind = kind;
    o->flags = flags;
    return o;
}

void vk_ofd_ref(vk_ofd *o) { o->refs++; }

static void pipe_free(vk_vm *vm, vk_pipebuf *pp)
{
    pthread_cond_destroy(&pp->cv);
    vk_vm_free(vm, pp, sizeof *pp);
}

void vk_sink_unref(vk_vm *vm, vk_sink *s)
{
    if (--s->refs > 0) return;
    vk_vm_free(vm, s->data, s->cap);
    vk_exec_unref(vm, s->ex);
    vk_vm_free(vm, s, sizeof *s);
}

/* vm->mu held */
void vk_ofd_unref(vk_vm *vm, vk_ofd *o)
{
    if (--o->refs > 0) return;
    switch (o->kind) {
    case OFD_FILE:
    case OFD_DIR:
        if (o->file) {
            o->file->mount->nopen--;
            o->file->ops->close(o->file);
        }
        break;
    case OFD_PIPE_R:
    case OFD_PIPE_W: {
        vk_pipebuf *pp = o->pipe;
        if (o->kind == OFD_PIPE_R)
            pp->readers--;
        else
            pp->writers--;
        pthread_cond_broadcast(&pp->cv);
        if (pp->readers == 0 && pp->writers == 0) pipe_free(vm, pp);
        break;
    }
    case OFD_SINK: vk_sink_unref(vm, o->sink); break;
    case OFD_DATA: vk_vm_free(vm, o->data, o->data_len); break;
    }
    if (o->dirpath) vk_vm_strfree(vm, o->dirpath);
    if (o->ents) vk_vm_free(vm, o->ents, o->entcap * sizeof(vk_dirent));
    vk_vm_free(vm, o, sizeof *o);
}

/* ---- fd tables (vm->mu held unless noted) ---- */
static uint64_t max_files(vk_proc *p)
{
    return p->ex ? p->ex->lim.open_files : p->vm->lim.open_files;
}

static int grow(vk_proc *p, int need)
{
    if (need <= p->nfds) return 0;
    int n = p->nfds ? p->nfds : 8;
    while (n < need) n *= 2;
    if ((uint64_t)n > max_files(p)) n = (int)max_files(p);
    if (n < need) return VOS_EMFILE;
    vk_fdent *nf = vk_vm_realloc(p->vm, p->fds, (size_t)p->nfds * sizeof *nf,
                                 (size_t)n * sizeof *nf);
    if (!nf) return VOS_ENOMEM;
    memset(nf + p->nfds, 0, (size_t)(n - p->nfds) * sizeof *nf);
    p->fds = nf;
    p->nfds = n;
    return 0;
}

int vk_fd_set(vk_proc *p, int fd, vk_ofd *o, bool cloexec)
{
    if (fd < 0 || (uint64_t)fd >= max_files(p)) return VOS_EBADF;
    int rc = grow(p, fd + 1);
    if (rc < 0) return rc;
    vk_ofd_ref(o);
    if (p->fds[fd].ofd) vk_ofd_unref(p->vm, p->fds[fd].ofd);
    p->fds[fd].ofd = o;
    p->fds[fd].cloexec = cloexec;
    return fd;
}

/* Install o (taking over the caller's reference) at the lowest free fd >= minfd. */
int vk_fd_install(vk_proc *p, vk_ofd *o, int minfd, bool cloexec)
{
    int fd = minfd;
    while (fd < p->nfds && p->fds[fd].ofd) fd++;
    if ((uint64_t)fd >= max_files(p)) {
        vk_set_errmsg(p->vm, "open file limit (%llu) reached",
                      (unsigned long long)max_files(p));
        vk_ofd_unref(p->vm, o);
        return VOS_EMFILE;
    }
    int rc = grow(p, fd + 1);
    if (rc < 0) {
        vk_ofd_unref(p->vm, o);
        return rc;
    }
    p->fds[fd].ofd = o;
    p->fds[fd].cloexec = cloexec;
    return fd;
}

vk_ofd *vk_fd_get(vk_proc *p, int fd)
{
    if (fd < 0 || fd >= p->nfds) return NULL;
    return p->fds[fd].ofd;
}

/* takes the lock */
void vk_fds_close_all(vk_proc *p)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    for (int i = 0; i < p->nfds; i++)
        if (p->fds[i].ofd) vk_ofd_unref(vm, p->fds[i].ofd);
    vk_vm_free(vm, p->fds, (size_t)p->nfds * sizeof(vk_fdent));
    p->fds = NULL;
    p->nfds = 0;
    VK_UNLOCK(vm);
}

/* takes the lock */
void vk_fds_close_cloexec(vk_proc *p)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    for (int i = 0; i < p->nfds; i++)
        if (p->fds[i].ofd && p->fds[i].cloexec) {
            vk_ofd_unref(vm, p->fds[i].ofd);
            p->fds[i].ofd = NULL;
        }
    VK_UNLOCK(vm);
}

/* takes the lock */
int vk_fds_copy(vk_proc *dst, vk_proc *src)
{
    vk_vm *vm = src->vm;
    VK_LOCK(vm);
    int top = src->nfds;
    while (top > 0 && !src->fds[top - 1].ofd) top--;
    int rc = grow(dst, top);
    if (rc == 0)
        for (int i = 0; i < top; i++) {
            dst->fds[i] = src->fds[i];
            if (dst->fds[i].ofd) vk_ofd_ref(dst->fds[i].ofd);
        }
    VK_UNLOCK(vm);
    return rc;
}

/* ---- sinks ---- */
vk_sink *vk_sink_new(vk_vm *vm, vk_exec *ex)
{
    vk_sink *s = vk_vm_alloc(vm, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->refs = 1;
    s->ex = ex;
    ex->refs++;
    return s;
}

static ssize_t sink_write(vk_proc *p, vk_sink *s, const void *buf, size_t n)
{
    vk_vm *vm = p->vm;
    if (s->closed) return (ssize_t)n; /* the exec has returned: nobody reads any more */
    vk_exec *ex = s->ex;
    if (ex->out_used + n > ex->lim.output_bytes) {
        vk_set_errmsg(vm, "output limit (%llu bytes) exceeded",
                      (unsigned long long)ex->lim.output_bytes);
        size_t room = (size_t)(ex->lim.output_bytes - ex->out_used);
        n = room; /* keep what fits, then end the exec */
        ex->out_used += room;
        if (room) {
            if (s->cb) {
                s->cb(s->ud, buf, room);
            } else {
                size_t nc = s->len + room + 1;
                char *nd = vk_vm_realloc(vm, s->data, s->cap, nc);
                if (nd) {
                    memcpy(nd + s->len, buf, room);
                    s->data = nd;
                    s->cap = nc;
                    s->len += room;
                }
            }
        }
        int zero = 0;
        if (atomic_compare_exchange_strong(&ex->abort, &zero, VOS_EOUTPUT))
            for (vk_proc *q = vm->procs; q; q = q->next)
                if (q->ex == ex) vk_wake(q);
        return VOS_EOUTPUT;
    }
    ex->out_used += n;
    if (s->cb) {
        /* host code: call it without the VM lock (it may call vos_interrupt) */
        s->refs++;
        VK_UNLOCK(vm);
        s->cb(s->ud, buf, n);
        VK_LOCK(vm);
        vk_sink_unref(vm, s);
        return (ssize_t)n;
    }
    if (s->len + n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 256;
        while (nc < s->len + n + 1) nc *= 2;
        char *nd = vk_vm_realloc(vm, s->data, s->cap, nc);
        if (!nd) return VOS_ENOMEM;
        s->data = nd;
        s->cap = nc;
    }
    memcpy(s->data + s->len, buf, n);
    s->len += n;
    return (ssize_t)n;
}

/* Copy as much of buf as fits into the pipe's ring; returns the bytes taken. */
size_t vk_pipe_put(vk_pipebuf *pp, const void *buf, size_t n)
{
    size_t k = VK_PIPE_CAP - pp->len;
    if (k > n) k = n;
    size_t tail = (pp->head + pp->len) % VK_PIPE_CAP;
    size_t first = VK_PIPE_CAP - tail;
    if (first > k) first = k;
    memcpy(pp->buf + tail, buf, first);
    memcpy(pp->buf, (const char *)buf + first, k - first);
    pp->len += k;
    return k;
}

/* ---- read / write on an ofd (vm->mu held) ---- */
ssize_t vk_ofd_read(vk_proc *p, vk_ofd *o, void *buf, size_t n)
{
    if ((o->flags & VK_O_ACCMODE) == VK_O_WRONLY) return VOS_EBADF;
    switch (o->kind) {
    case OFD_FILE: {
        ssize_t r = o->file->ops->pread(o->file, buf, n, (uint64_t)o->off);
        if (r > 0) o->off += r;
        return r;
    }
    case OFD_DIR: return VOS_EISDIR;
    case OFD_DATA: {
        if ((size_t)o->off >= o->data_len) return 0;
        size_t k = o->data_len - (size_t)o->off;
        if (k > n) k = n;
        memcpy(buf, o->data + o->off, k);
        o->off += (int64_t)k;
        return (ssize_t)k;
    }
    case OFD_PIPE_R: {
        vk_pipebuf *pp = o->pipe;
        if (n == 0) return 0;
        while (pp->len == 0) {
            if (pp->writers == 0) return 0;
            if (o->flags & VK_O_NONBLOCK) return VOS_EAGAIN;
            int rc = vk_wait_cv(p, &pp->cv, INT64_MAX);
            if (rc < 0) return rc;
        }
        size_t k = pp->len < n ? pp->len : n;
        size_t first = VK_PIPE_CAP - pp->head;
        if (first > k) first = k;
        memcpy(buf, pp->buf + pp->head, first);
        memcpy((char *)buf + first, pp->buf, k - first);
        pp->head = (pp->head + k) % VK_PIPE_CAP;
        pp->len -= k;
        pthread_cond_broadcast(&pp->cv);
        return (ssize_t)k;
    }
    default: return VOS_EBADF;
    }
}

ssize_t vk_ofd_write(vk_proc *p, vk_ofd *o, const void *buf, size_t n)
{
    if ((o->flags & VK_O_ACCMODE) == VK_O_RDONLY && o->kind != OFD_SINK &&
        o->kind != OFD_PIPE_W)
        return VOS_EBADF;
    switch (o->kind) {
    case OFD_FILE: {
        if (o->flags & VK_O_APPEND) {
            struct vk_stat st;
            int rc = o->file->ops->fstat(o->file, &st);
            if (rc < 0) return rc;
            o->off = (int64_t)st.size;
        }
        size_t done = 0;
        while (done < n) {
            ssize_t w = o->file->ops->pwrite(o->file, (const char *)buf + done, n - done,
                                             (uint64_t)o->off);
            if (w < 0) {
                if (w == VOS_EFSBYTES || w == VOS_EFSINODES)
                    vk_set_errmsg(p->vm, "filesystem limit exceeded");
                return done ? (ssize_t)done : w;
            }
            done += (size_t)w;
            o->off += w;
        }
        return (ssize_t)n;
    }
    case OFD_SINK: return sink_write(p, o->sink, buf, n);
    case OFD_PIPE_W: {
        vk_pipebuf *pp = o->pipe;
        size_t done = 0;
        while (done < n) {
            if (pp->readers == 0) {
                vk_deliver_locked(p, VOS_SIGPIPE);
                return VOS_EPIPE;
            }
            if (pp->len == VK_PIPE_CAP) {
                if (o->flags & VK_O_NONBLOCK) return done ? (ssize_t)done : VOS_EAGAIN;
                int rc = vk_wait_cv(p, &pp->cv, INT64_MAX);
                if (rc < 0) return done ? (ssize_t)done : rc;
                continue;
            }
            done += vk_pipe_put(pp, (const char *)buf + done, n - done);
            pthread_cond_broadcast(&pp->cv);
        }
        return (ssize_t)n;
    }
    default: return VOS_EBADF;
    }
}

/* ---- system calls ---- */
static int enter(vk_proc *p)
{
    int rc = vk_check(p);
    return rc == VOS_EINTR ? 0 : rc; /* caught signals only interrupt blocking calls */
}

typedef ssize_t (*ofd_io_fn)(vk_proc *p, vk_ofd *o, void *buf, size_t n);

static ssize_t fd_io(vk_proc *p, int fd, ofd_io_fn fn, void *buf, size_t n)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    ssize_t r;
    if (!o) {
        r = VOS_EBADF;
    } else {
        vk_ofd_ref(o); /* another thread of the process may close fd meanwhile */
        r = fn(p, o, buf, n);
        vk_ofd_unref(vm, o);
    }
    VK_UNLOCK(vm);
    return r;
}

static ssize_t ofd_write_fn(vk_proc *p, vk_ofd *o, void *buf, size_t n)
{
    return vk_ofd_write(p, o, buf, n);
}

ssize_t vk_read(vk_proc *p, int fd, void *buf, size_t n)
{
    return fd_io(p, fd, vk_ofd_read, buf, n);
}

ssize_t vk_write(vk_proc *p, int fd, const void *buf, size_t n)
{
    return fd_io(p, fd, ofd_write_fn, (void *)buf, n);
}

ssize_t vk_pread(vk_proc *p, int fd, void *buf, size_t n, int64_t off)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    if (off < 0) return VOS_EINVAL;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    ssize_t r;
    if (!o)
        r = VOS_EBADF;
    else if (o->kind == OFD_DIR)
        r = VOS_EISDIR;
    else if (o->kind != OFD_FILE)
        r = VOS_ESPIPE;
    else if ((o->flags & VK_O_ACCMODE) == VK_O_WRONLY)
        r = VOS_EBADF;
    else
        r = o->file->ops->pread(o->file, buf, n, (uint64_t)off);
    VK_UNLOCK(vm);
    return r;
}

int64_t vk_lseek(vk_proc *p, int fd, int64_t off, int whence)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int64_t r;
    if (!o) {
        r = VOS_EBADF;
    } else if (o->kind == OFD_FILE || o->kind == OFD_DATA || o->kind == OFD_DIR) {
        int64_t base = 0;
        if (whence == VK_SEEK_CUR) {
            base = o->off;
        } else if (whence == VK_SEEK_END) {
            if (o->kind == OFD_DATA) {
                base = (int64_t)o->data_len;
            } else if (o->kind == OFD_FILE) {
                struct vk_stat st;
                int rc = o->file->ops->fstat(o->file, &st);
                base = rc < 0 ? 0 : (int64_t)st.size;
            }
        } else if (whence != VK_SEEK_SET) {
            base = -1;
            off = 0;
        }
        if (base < 0 || (whence != VK_SEEK_SET && whence != VK_SEEK_CUR &&
                         whence != VK_SEEK_END))
            r = VOS_EINVAL;
        else if (base + off < 0)
            r = VOS_EINVAL;
        else {
            o->off = base + off;
            if (o->kind == OFD_DIR) o->dirpos = (size_t)o->off;
            r = o->off;
        }
    } else {
        r = VOS_ESPIPE;
    }
    VK_UNLOCK(vm);
    return r;
}

int vk_close(vk_proc *p, int fd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    if (o) {
        p->fds[fd].ofd = NULL;
        vk_ofd_unref(vm, o);
    }
    VK_UNLOCK(vm);
    return o ? 0 : VOS_EBADF;
}

int vk_dupfd(vk_proc *p, int fd, int minfd, bool cloexec)
{
    vk_vm *vm = p->vm;
    if (minfd < 0) return VOS_EINVAL;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r;
    if (!o) {
        r = VOS_EBADF;
    } else {
        vk_ofd_ref(o);
        r = vk_fd_install(p, o, minfd, cloexec);
    }
    VK_UNLOCK(vm);
    return r;
}

int vk_dup(vk_proc *p, int fd) { return vk_dupfd(p, fd, 0, false); }

int vk_dup2(vk_proc *p, int fd, int newfd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r;
    if (!o)
        r = VOS_EBADF;
    else if (fd == newfd)
        r = newfd;
    else
        r = vk_fd_set(p, newfd, o, false);
    VK_UNLOCK(vm);
    return r;
}

int vk_set_cloexec(vk_proc *p, int fd, bool on)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    int r = vk_fd_get(p, fd) ? 0 : VOS_EBADF;
    if (r == 0) p->fds[fd].cloexec = on;
    VK_UNLOCK(vm);
    return r;
}

int vk_get_cloexec(vk_proc *p, int fd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    int r = vk_fd_get(p, fd) ? p->fds[fd].cloexec : VOS_EBADF;
    VK_UNLOCK(vm);
    return r;
}

int vk_get_flags(vk_proc *p, int fd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r = o ? o->flags : VOS_EBADF;
    VK_UNLOCK(vm);
    return r;
}

bool vk_fd_valid(vk_proc *p, int fd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    bool r = vk_fd_get(p, fd) != NULL;
    VK_UNLOCK(vm);
    return r;
}

int vk_isatty(vk_proc *p, int fd)
{
    (void)p;
    (void)fd;
    return 0;
}

int vk_pipe(vk_proc *p, int fds[2])
{
    vk_vm *vm = p->vm;
    vk_pipebuf *pp = vk_vm_alloc(vm, sizeof *pp);
    if (!pp) return VOS_ENOMEM;
    pp->head = pp->len = 0;
    pp->readers = pp->writers = 1;
    pthread_cond_init(&pp->cv, &vm->cattr);
    VK_LOCK(vm);
    vk_ofd *r = vk_ofd_new(vm, OFD_PIPE_R, VK_O_RDONLY);
    vk_ofd *w = vk_ofd_new(vm, OFD_PIPE_W, VK_O_WRONLY);
    if (!r || !w) {
        if (r) vk_vm_free(vm, r, sizeof *r);
        if (w) vk_vm_free(vm, w, sizeof *w);
        pipe_free(vm, pp);
        VK_UNLOCK(vm);
        return VOS_ENOMEM;
    }
    r->pipe = w->pipe = pp;
    int a = vk_fd_install(p, r, 0, false);
    if (a < 0) {
        vk_ofd_unref(vm, w);
        VK_UNLOCK(vm);
        return a;
    }
    int b = vk_fd_install(p, w, 0, false);
    if (b < 0) {
        p->fds[a].ofd = NULL;
        vk_ofd_unref(vm, r);
        VK_UNLOCK(vm);
        return b;
    }
    fds[0] = a;
    fds[1] = b;
    VK_UNLOCK(vm);
    return 0;
}

int vk_fstat(vk_proc *p, int fd, struct vk_stat *st)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r = 0;
    if (!o) {
        r = VOS_EBADF;
    } else if (o->file) {
        r = o->file->ops->fstat(o->file, st);
    } else {
        memset(st, 0, sizeof *st);
        st->mode = VK_S_IFIFO | 0600;
        st->uid = vfs_uid(vm);
        st->gid = vfs_gid(vm);
        st->nlink = 1;
        st->blksize = 4096;
        st->ino = (uint64_t)(uintptr_t)(o->pipe ? (void *)o->pipe : (void *)o) >> 4;
        if (o->kind == OFD_PIPE_R || o->kind == OFD_PIPE_W) st->size = o->pipe->len;
        if (o->kind == OFD_DATA) st->size = o->data_len;
        st->atime_ns = st->mtime_ns = st->ctime_ns = vfs_now_ns();
    }
    VK_UNLOCK(vm);
    return r;
}

int vk_ftruncate(vk_proc *p, int fd, uint64_t len)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r;
    if (!o)
        r = VOS_EBADF;
    else if (o->kind != OFD_FILE || (o->flags & VK_O_ACCMODE) == VK_O_RDONLY)
        r = VOS_EINVAL;
    else if (!o->file->ops->ftruncate)
        r = VOS_EROFS;
    else
        r = o->file->ops->ftruncate(o->file, len);
    VK_UNLOCK(vm);
    return r;
}

typedef struct dircollect {
    vk_vm *vm;
    vk_dirent *ents;
    size_t n, cap;
    int err;
} dircollect;

static int collect_cb(void *ctx, const char *name, uint64_t ino, unsigned dtype)
{
    dircollect *dc = ctx;
    if (strlen(name) > VK_NAME_MAX) return 0;
    if (dc->n == dc->cap) {
        size_t nc = dc->cap ? dc->cap * 2 : 16;
        vk_dirent *ne = vk_vm_realloc(dc->vm, dc->ents, dc->cap * sizeof *ne, nc * sizeof *ne);
        if (!ne) {
            dc->err = VOS_ENOMEM;
            return 1;
        }
        dc->ents = ne;
        dc->cap = nc;
    }
    vk_dirent *e = &dc->ents[dc->n++];
    e->ino = ino;
    e->type = dtype;
    snprintf(e->name, sizeof e->name, "%s", name);
    return 0;
}

int vk_readdir(vk_proc *p, int fd, vk_dirent *ent)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    int r = 0;
    if (!o) {
        r = VOS_EBADF;
    } else if (o->kind != OFD_DIR) {
        r = VOS_ENOTDIR;
    } else {
        if (!o->dir_loaded) {
            dircollect dc = {vm, NULL, 0, 0, 0};
            vk_mnt *mn = o->dirmnt;
            const char *rel = o->dirpath + (mn->len == 1 ? 1 : mn->len + (o->dirpath[mn->len] == '/'));
            if (!mn->m->ops->readdir)
                r = VOS_ENOTSUP;
            else
                r = mn->m->ops->readdir(mn->m, rel, collect_cb, &dc);
            if (r == 0) r = dc.err;
            if (r < 0) {
                vk_vm_free(vm, dc.ents, dc.cap * sizeof(vk_dirent));
            } else {
                o->ents = dc.ents;
                o->nents = dc.n;
                o->entcap = dc.cap;
                o->dir_loaded = true;
            }
        }
        if (r == 0) {
            if (o->dirpos < o->nents) {
                *ent = o->ents[o->dirpos++];
                o->off = (int64_t)o->dirpos;
                r = 1;
            }
        }
    }
    VK_UNLOCK(vm);
    return r;
}
