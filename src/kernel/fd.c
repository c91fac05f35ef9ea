/* fd.c: the VM lock helpers, file descriptor tables, open file descriptions (files,
 * directories, pipes, named pipes, capture sinks, stdin data), bounded blocking pipes with
 * SIGPIPE semantics, and the fd system calls. Pipes and sinks live under vm->mu; a file's
 * position and directory listing live under the open file's own lock, held across the driver
 * call, and no VM lock is held while a driver runs. A blocked pipe reader or writer waits on
 * the pipe's condition and is woken by the other end, a signal, the watchdog or an interrupt. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "kernel/internal.h"

/* ---- the VM lock ---- */
static _Thread_local int lock_depth;
static _Thread_local vk_ofd *close_queue; /* files whose last reference went under the lock */

void vk_lock(vk_vm *vm)
{
    pthread_mutex_lock(&vm->mu);
    lock_depth++;
}

bool vk_lock_held(void) { return lock_depth > 0; }

static void ofd_destroy(vk_ofd *o);

void vk_unlock(vk_vm *vm)
{
    lock_depth--;
    pthread_mutex_unlock(&vm->mu);
    /* close here, no lock held: a driver's close may block (a remote store, a slow disk) */
    while (close_queue && lock_depth == 0) {
        vk_ofd *o = close_queue;
        close_queue = o->close_next;
        ofd_destroy(o);
    }
}

/* ---- open file descriptions ---- */
vk_ofd *vk_ofd_new(vk_vm *vm, int kind, int flags)
{
    vk_ofd *o = vk_vm_alloc(vm, sizeof *o);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    o->refs = 1;
    o->kind = kind;
    o->flags = flags;
    o->vm = vm;
    if (kind == OFD_FILE || kind == OFD_DIR) pthread_mutex_init(&o->lk, NULL);
    return o;
}

void vk_ofd_ref(vk_ofd *o) { o->refs++; }

static void pipe_free(vk_vm *vm, vk_pipebuf *pp)
{
    if (pp->fifo) {
        for (vk_pipebuf **q = &vm->fifos; *q; q = &(*q)->fifo_next)
            if (*q == pp) {
                *q = pp->fifo_next;
                break;
            }
    }
    pthread_cond_destroy(&pp->cv);
    vk_vm_free(vm, pp, sizeof *pp);
}

vk_pipebuf *vk_pipebuf_new(vk_vm *vm)
{
    vk_pipebuf *pp = vk_vm_alloc(vm, sizeof *pp);
    if (!pp) return NULL;
    pp->head = pp->len = 0;
    pp->readers = pp->writers = 0;
    pp->fifo = false;
    pp->fifo_next = NULL;
    pp->ropens = pp->wopens = 0;
    pthread_cond_init(&pp->cv, &vm->cattr);
    return pp;
}

void vk_sink_unref(vk_vm *vm, vk_sink *s)
{
    if (--s->refs > 0) return;
    vk_vm_free(vm, s->data, s->cap);
    vk_exec_unref(s->ex);
    vk_vm_free(vm, s, sizeof *s);
}

/* A file or directory: close it through its driver (no lock held) and free it. */
static void ofd_destroy(vk_ofd *o)
{
    vk_vm *vm = o->vm;
    if (o->file) vfs_close(vk_current(), o->mnt, o->file);
    pthread_mutex_destroy(&o->lk);
    if (o->path) vk_vm_strfree(vm, o->path);
    if (o->ents) vk_vm_free(vm, o->ents, o->entcap * sizeof(vk_dirent));
    if (o->ent_st) vk_vm_free(vm, o->ent_st, o->entcap * sizeof(struct vk_stat));
    if (o->ent_has) vk_vm_free(vm, o->ent_has, o->entcap);
    vk_vm_free(vm, o, sizeof *o);
}

/* vm->mu held */
void vk_ofd_unref(vk_vm *vm, vk_ofd *o)
{
    if (--o->refs > 0) return;
    switch (o->kind) {
    case OFD_FILE:
    case OFD_DIR:
        /* closed by vk_unlock once the lock is released */
        o->close_next = close_queue;
        close_queue = o;
        return;
    case OFD_PIPE_R:
    case OFD_PIPE_W:
    case OFD_PIPE_RW: {
        vk_pipebuf *pp = o->pipe;
        if (o->kind != OFD_PIPE_W) pp->readers--;
        if (o->kind != OFD_PIPE_R) pp->writers--;
        pthread_cond_broadcast(&pp->cv);
        if (pp->readers == 0 && pp->writers == 0) pipe_free(vm, pp);
        break;
    }
    case OFD_SINK: vk_sink_unref(vm, o->sink); break;
    case OFD_DATA: vk_vm_free(vm, o->data, o->data_len); break;
    }
    if (o->path) vk_vm_strfree(vm, o->path);
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
static ssize_t sink_write(vk_proc *p, vk_sink *s, const void *buf, size_t n)
{
    vk_vm *vm = p->vm;
    if (s->closed) return (ssize_t)n; /* the exec has returned: nobody reads any more */
    vk_exec *ex = s->ex;
    if (ex->out_used + n > ex->lim.output_bytes) {
        vk_set_errmsg(vm, "output limit (%llu bytes) exceeded",
                      (unsigned long long)ex->lim.output_bytes);
        size_t room = (size_t)(ex->lim.output_bytes - ex->out_used);
        ex->out_used += room;
        if (room) {
            if (s->cb) {
                s->refs++;
                VK_UNLOCK(vm);
                vk_cpu_give();
                s->cb(s->ud, buf, room);
                VK_LOCK(vm);
                vk_sink_unref(vm, s);
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
        vk_exec_abort_locked(vm, ex, VOS_EOUTPUT);
        return VOS_EOUTPUT;
    }
    ex->out_used += n;
    if (s->cb) {
        /* host code: call it without the VM lock (it may call vos_interrupt, or block) */
        s->refs++;
        VK_UNLOCK(vm);
        vk_cpu_give();
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

/* ---- read / write ---- */

/* Pipes and stdin data (vm->mu held). */
static ssize_t locked_read(vk_proc *p, vk_ofd *o, void *buf, size_t n)
{
    switch (o->kind) {
    case OFD_DATA: {
        if ((size_t)o->off >= o->data_len) return 0;
        size_t k = o->data_len - (size_t)o->off;
        if (k > n) k = n;
        memcpy(buf, o->data + o->off, k);
        o->off += (int64_t)k;
        return (ssize_t)k;
    }
    case OFD_PIPE_R:
    case OFD_PIPE_RW: {
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

static ssize_t locked_write(vk_proc *p, vk_ofd *o, const void *buf, size_t n)
{
    switch (o->kind) {
    case OFD_SINK: return sink_write(p, o->sink, buf, n);
    case OFD_PIPE_W:
    case OFD_PIPE_RW: {
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

/* A regular file or a directory (o->lk held, no VM lock). */
static ssize_t file_read(vk_proc *p, vk_ofd *o, void *buf, size_t n)
{
    if (o->kind == OFD_DIR) return VOS_EISDIR;
    ssize_t r = vfs_pread(p, o->mnt, o->file, buf, n, (uint64_t)o->off);
    if (r > 0) o->off += r;
    return r;
}

static ssize_t file_write(vk_proc *p, vk_ofd *o, const void *buf, size_t n)
{
    if (o->kind == OFD_DIR) return VOS_EISDIR;
    if (o->flags & VK_O_APPEND) {
        uint64_t endpos = 0;
        ssize_t w = vfs_append(p, o->mnt, o->file, buf, n, &endpos);
        if (w != VOS_ENOTSUP) {
            if (w >= 0) o->off = (int64_t)endpos;
            return w;
        }
        /* the driver has no append: the size and the write under one VM-wide lock */
        vk_vm *vm = p->vm;
        pthread_mutex_lock(&vm->appendmu);
        struct vk_stat st;
        w = vfs_fstat(p, o->mnt, o->file, &st);
        if (w == 0) {
            w = vfs_pwrite(p, o->mnt, o->file, buf, n, st.size);
            if (w > 0) o->off = (int64_t)(st.size + (uint64_t)w);
        }
        pthread_mutex_unlock(&vm->appendmu);
        return w;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = vfs_pwrite(p, o->mnt, o->file, (const char *)buf + done, n - done,
                               (uint64_t)o->off);
        if (w < 0) return done ? (ssize_t)done : w;
        if (w == 0) return done ? (ssize_t)done : VOS_EIO;
        done += (size_t)w;
        o->off += w;
    }
    return (ssize_t)n;
}

/* ---- system calls ---- */
static int enter(vk_proc *p)
{
    int rc = vk_check(p);
    return rc == VOS_EINTR ? 0 : rc; /* caught signals only interrupt blocking calls */
}

/* The open file description at fd, referenced; NULL for a bad fd. */
static vk_ofd *fd_take(vk_proc *p, int fd)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd *o = vk_fd_get(p, fd);
    if (o) vk_ofd_ref(o);
    VK_UNLOCK(vm);
    return o;
}

static void fd_drop(vk_proc *p, vk_ofd *o)
{
    vk_vm *vm = p->vm;
    VK_LOCK(vm);
    vk_ofd_unref(vm, o);
    VK_UNLOCK(vm);
}

static bool is_file(const vk_ofd *o) { return o->kind == OFD_FILE || o->kind == OFD_DIR; }

ssize_t vk_read(vk_proc *p, int fd, void *buf, size_t n)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    ssize_t r;
    if ((o->flags & VK_O_ACCMODE) == VK_O_WRONLY) {
        r = VOS_EBADF;
    } else if (is_file(o)) {
        pthread_mutex_lock(&o->lk);
        r = file_read(p, o, buf, n);
        pthread_mutex_unlock(&o->lk);
    } else {
        VK_LOCK(p->vm);
        r = locked_read(p, o, buf, n);
        VK_UNLOCK(p->vm);
    }
    fd_drop(p, o);
    return r;
}

ssize_t vk_write(vk_proc *p, int fd, const void *buf, size_t n)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    ssize_t r;
    if ((o->flags & VK_O_ACCMODE) == VK_O_RDONLY && o->kind != OFD_SINK &&
        o->kind != OFD_PIPE_W && o->kind != OFD_PIPE_RW) {
        r = VOS_EBADF;
    } else if (is_file(o)) {
        pthread_mutex_lock(&o->lk);
        r = file_write(p, o, buf, n);
        pthread_mutex_unlock(&o->lk);
    } else {
        VK_LOCK(p->vm);
        r = locked_write(p, o, buf, n);
        VK_UNLOCK(p->vm);
    }
    fd_drop(p, o);
    return r;
}

ssize_t vk_pread(vk_proc *p, int fd, void *buf, size_t n, int64_t off)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    if (off < 0) return VOS_EINVAL;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    ssize_t r;
    if (o->kind == OFD_DIR)
        r = VOS_EISDIR;
    else if (o->kind != OFD_FILE)
        r = VOS_ESPIPE;
    else if ((o->flags & VK_O_ACCMODE) == VK_O_WRONLY)
        r = VOS_EBADF;
    else
        r = vfs_pread(p, o->mnt, o->file, buf, n, (uint64_t)off);
    fd_drop(p, o);
    return r;
}

int64_t vk_lseek(vk_proc *p, int fd, int64_t off, int whence)
{
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    int64_t r;
    if (whence != VK_SEEK_SET && whence != VK_SEEK_CUR && whence != VK_SEEK_END) {
        r = VOS_EINVAL;
    } else if (is_file(o)) {
        pthread_mutex_lock(&o->lk);
        int64_t base = 0;
        r = 0;
        if (whence == VK_SEEK_CUR) {
            base = o->off;
        } else if (whence == VK_SEEK_END && o->kind == OFD_FILE) {
            struct vk_stat st;
            r = vfs_fstat(p, o->mnt, o->file, &st);
            base = (int64_t)st.size;
        }
        if (r == 0 && (off > 0 ? base > INT64_MAX - off : base + off < 0)) r = VOS_EINVAL;
        if (r == 0) {
            o->off = base + off;
            if (o->kind == OFD_DIR) o->dirpos = (size_t)o->off;
            r = o->off;
        }
        pthread_mutex_unlock(&o->lk);
    } else if (o->kind == OFD_DATA) {
        VK_LOCK(p->vm);
        int64_t base = whence == VK_SEEK_CUR   ? o->off
                       : whence == VK_SEEK_END ? (int64_t)o->data_len
                                               : 0;
        if (off > 0 ? base > INT64_MAX - off : base + off < 0)
            r = VOS_EINVAL;
        else
            r = o->off = base + off;
        VK_UNLOCK(p->vm);
    } else {
        r = VOS_ESPIPE;
    }
    fd_drop(p, o);
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

/* Two ofds on one pipe, installed as fds (vm->mu held). */
static int pipe_ends(vk_proc *p, vk_pipebuf *pp, int fds[2])
{
    vk_vm *vm = p->vm;
    vk_ofd *r = vk_ofd_new(vm, OFD_PIPE_R, VK_O_RDONLY);
    vk_ofd *w = vk_ofd_new(vm, OFD_PIPE_W, VK_O_WRONLY);
    if (!r || !w) {
        if (r) vk_vm_free(vm, r, sizeof *r);
        if (w) vk_vm_free(vm, w, sizeof *w);
        return VOS_ENOMEM;
    }
    r->pipe = w->pipe = pp;
    pp->readers++;
    pp->writers++;
    int a = vk_fd_install(p, r, 0, false);
    if (a < 0) {
        vk_ofd_unref(vm, w);
        return a;
    }
    int b = vk_fd_install(p, w, 0, false);
    if (b < 0) {
        p->fds[a].ofd = NULL;
        vk_ofd_unref(vm, r);
        return b;
    }
    fds[0] = a;
    fds[1] = b;
    return 0;
}

int vk_pipe(vk_proc *p, int fds[2])
{
    vk_vm *vm = p->vm;
    vk_pipebuf *pp = vk_pipebuf_new(vm);
    if (!pp) return VOS_ENOMEM;
    VK_LOCK(vm);
    int rc = pipe_ends(p, pp, fds);
    if (rc < 0 && pp->readers == 0 && pp->writers == 0) pipe_free(vm, pp);
    VK_UNLOCK(vm);
    return rc;
}

/* Open a named pipe (path.c found it): its pipe is shared by every open of the same file. A
 * read-only open waits for a writer and a write-only one for a reader (unless O_NONBLOCK: then
 * a reader opens at once and a lone writer gets ENXIO), as on Linux. */
int vk_fifo_open(vk_proc *p, vk_path *r, int flags)
{
    vk_vm *vm = p->vm;
    int acc = flags & VK_O_ACCMODE;
    vk_pipebuf *fresh = vk_pipebuf_new(vm);
    if (!fresh) return VOS_ENOMEM;
    VK_LOCK(vm);
    vk_pipebuf *pp = vm->fifos;
    while (pp && !(pp->fifo_dev == r->mnt->dev && pp->fifo_ino == r->st.ino)) pp = pp->fifo_next;
    if (!pp) {
        pp = fresh;
        fresh = NULL;
        pp->fifo = true;
        pp->fifo_dev = r->mnt->dev;
        pp->fifo_ino = r->st.ino;
        pp->fifo_next = vm->fifos;
        vm->fifos = pp;
    }
    int rc = 0;
    int kind = acc == VK_O_RDONLY ? OFD_PIPE_R : acc == VK_O_WRONLY ? OFD_PIPE_W : OFD_PIPE_RW;
    vk_ofd *o = NULL;
    if (kind == OFD_PIPE_W && (flags & VK_O_NONBLOCK) && pp->readers == 0)
        rc = VOS_ENXIO;
    else if (!(o = vk_ofd_new(vm, kind, (flags & (VK_O_NONBLOCK | VK_O_ACCMODE)))))
        rc = VOS_ENOMEM;
    if (o) {
        o->pipe = pp;
        if (kind != OFD_PIPE_W) pp->readers++, pp->ropens++;
        if (kind != OFD_PIPE_R) pp->writers++, pp->wopens++;
        pthread_cond_broadcast(&pp->cv);
        /* wait for the other end (O_RDWR is both ends at once) */
        unsigned long seen = kind == OFD_PIPE_R ? pp->wopens : pp->ropens;
        if (kind == OFD_PIPE_R && !(flags & VK_O_NONBLOCK))
            while (rc == 0 && pp->writers == 0 && pp->wopens == seen)
                rc = vk_wait_cv(p, &pp->cv, INT64_MAX);
        if (kind == OFD_PIPE_W)
            while (rc == 0 && pp->readers == 0 && pp->ropens == seen)
                rc = vk_wait_cv(p, &pp->cv, INT64_MAX);
        if (rc == 0)
            rc = vk_fd_install(p, o, 0, (flags & VK_O_CLOEXEC) != 0);
        else
            vk_ofd_unref(vm, o);
    } else if (pp->readers == 0 && pp->writers == 0) {
        pipe_free(vm, pp);
    }
    VK_UNLOCK(vm);
    if (fresh) {
        pthread_cond_destroy(&fresh->cv);
        vk_vm_free(vm, fresh, sizeof *fresh);
    }
    return rc;
}

int vk_fstat(vk_proc *p, int fd, struct vk_stat *st)
{
    vk_vm *vm = p->vm;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    int r = 0;
    if (o->file) {
        r = vfs_fstat(p, o->mnt, o->file, st);
    } else {
        VK_LOCK(vm);
        memset(st, 0, sizeof *st);
        st->mode = VK_S_IFIFO | 0600;
        st->uid = vos_host_uid(vk_host(vm));
        st->gid = vos_host_gid(vk_host(vm));
        st->nlink = 1;
        st->blksize = 4096;
        st->ino = (uint64_t)(uintptr_t)(o->pipe ? (void *)o->pipe : (void *)o) >> 4;
        if (o->pipe) st->size = o->pipe->len;
        if (o->kind == OFD_DATA) st->size = o->data_len;
        st->atime_ns = st->mtime_ns = st->ctime_ns = vos_host_now(vk_host(vm));
        VK_UNLOCK(vm);
    }
    fd_drop(p, o);
    return r;
}

int vk_futimens(vk_proc *p, int fd, const int64_t times_ns[2])
{
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    if ((o->kind != OFD_FILE && o->kind != OFD_DIR) || !o->path) {
        fd_drop(p, o);
        return 0;
    }
    /* the drivers set times by path: the one it was opened at, while it is still this file */
    struct vk_stat a, b;
    int r = vfs_fstat(p, o->mnt, o->file, &a);
    char *path = r == 0 ? vk_strdup(p, o->path) : NULL;
    fd_drop(p, o);
    if (r < 0) return r;
    if (!path) return VOS_ENOMEM;
    r = vk_stat(p, path, &b);
    if (r == 0 && (a.dev != b.dev || a.ino != b.ino)) r = VOS_ENOENT; /* renamed or replaced */
    if (r == 0) r = vk_utimens(p, path, times_ns, true);
    vk_free(p, path);
    return r;
}

int vk_ftruncate(vk_proc *p, int fd, uint64_t len)
{
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    int r;
    if (o->kind != OFD_FILE || (o->flags & VK_O_ACCMODE) == VK_O_RDONLY)
        r = VOS_EINVAL;
    else if (o->mnt->rdonly)
        r = VOS_EROFS;
    else
        r = vfs_ftruncate(p, o->mnt, o->file, len);
    fd_drop(p, o);
    return r;
}

int vk_fsync(vk_proc *p, int fd)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    int r = is_file(o) ? vfs_fsync(p, o->mnt, o->file, 0) : VOS_EINVAL;
    fd_drop(p, o);
    return r;
}

/* The bytes pass through a kernel buffer: between files of different drivers, from or to a
 * pipe, or when the driver cannot copy itself. */
static ssize_t copy_through(vk_proc *p, int in, int64_t *in_off, int out, int64_t *out_off,
                            size_t n)
{
    size_t cap = n < (256u << 10) ? n : (256u << 10);
    char *buf = vk_malloc(p, cap ? cap : 1);
    if (!buf) return VOS_ENOMEM;
    ssize_t r = in_off ? vk_pread(p, in, buf, cap, *in_off) : vk_read(p, in, buf, cap);
    if (r > 0) {
        ssize_t w;
        if (out_off) {
            /* a positional write: through the ofd's position, put back after */
            int64_t save = vk_lseek(p, out, 0, VK_SEEK_CUR);
            w = save < 0 ? save : vk_lseek(p, out, *out_off, VK_SEEK_SET);
            if (w >= 0) w = vk_write(p, out, buf, (size_t)r);
            if (save >= 0) vk_lseek(p, out, save, VK_SEEK_SET);
            if (w > 0) *out_off += w;
        } else {
            w = vk_write(p, out, buf, (size_t)r);
        }
        if (w < 0) r = w;
        else if (in_off) *in_off += r;
    }
    vk_free(p, buf);
    return r;
}

ssize_t vk_copy_range(vk_proc *p, int in, int64_t *in_off, int out, int64_t *out_off, size_t n)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    if ((in_off && *in_off < 0) || (out_off && *out_off < 0)) return VOS_EINVAL;
    if (n == 0) return 0;
    vk_ofd *a = fd_take(p, in);
    if (!a) return VOS_EBADF;
    vk_ofd *b = fd_take(p, out);
    if (!b) {
        fd_drop(p, a);
        return VOS_EBADF;
    }
    ssize_t r = VOS_EXDEV;
    if ((a->flags & VK_O_ACCMODE) == VK_O_WRONLY || (b->flags & VK_O_ACCMODE) == VK_O_RDONLY)
        r = VOS_EBADF;
    else if (a->kind == OFD_DIR || b->kind == OFD_DIR)
        r = VOS_EISDIR;
    else if (a->kind == OFD_FILE && b->kind == OFD_FILE && !(b->flags & VK_O_APPEND) &&
             !b->mnt->rdonly) {
        /* both positions, each lock taken once, in one order (the ofd's address) */
        vk_ofd *first = a < b ? a : b, *second = a < b ? b : a;
        bool lock_a = !in_off, lock_b = !out_off;
        if (first == a ? lock_a : lock_b) pthread_mutex_lock(&first->lk);
        if (second != first && (second == a ? lock_a : lock_b)) pthread_mutex_lock(&second->lk);
        uint64_t ia = in_off ? (uint64_t)*in_off : (uint64_t)a->off;
        uint64_t ib = out_off ? (uint64_t)*out_off : (uint64_t)b->off;
        r = vfs_copy_range(p, a->mnt, a->file, ia, b->file, ib, n);
        if (r > 0) {
            if (in_off) *in_off += r;
            else a->off += r;
            if (out_off) *out_off += r;
            else b->off += r;
        }
        if (second != first && (second == a ? lock_a : lock_b)) pthread_mutex_unlock(&second->lk);
        if (first == a ? lock_a : lock_b) pthread_mutex_unlock(&first->lk);
    }
    fd_drop(p, b);
    fd_drop(p, a);
    if (r == VOS_EXDEV) r = copy_through(p, in, in_off, out, out_off, n);
    return r;
}

/* ---- directories ---- */
typedef struct dircollect {
    vk_vm *vm;
    vk_dirent *ents;
    struct vk_stat *st;
    unsigned char *has;
    size_t n, cap;
    int err;
} dircollect;

static void dc_free(dircollect *dc)
{
    vk_vm_free(dc->vm, dc->ents, dc->cap * sizeof *dc->ents);
    if (dc->st) vk_vm_free(dc->vm, dc->st, dc->cap * sizeof *dc->st);
    vk_vm_free(dc->vm, dc->has, dc->cap);
}

static int collect_cb(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                      const vos_dstat *st)
{
    dircollect *dc = ctx;
    vk_vm *vm = dc->vm;
    if (strlen(name) > VK_NAME_MAX) return 0;
    if (dc->n == dc->cap) {
        size_t nc = dc->cap ? dc->cap * 2 : 16;
        vk_dirent *ne = vk_vm_alloc(vm, nc * sizeof *ne);
        unsigned char *nh = vk_vm_alloc(vm, nc);
        struct vk_stat *ns = dc->st ? vk_vm_alloc(vm, nc * sizeof *ns) : NULL;
        if (!ne || !nh || (dc->st && !ns)) {
            vk_vm_free(vm, ne, nc * sizeof *ne);
            vk_vm_free(vm, nh, nc);
            vk_vm_free(vm, ns, nc * sizeof *ns);
            dc->err = VOS_ENOMEM;
            return 1;
        }
        if (dc->n) {
            memcpy(ne, dc->ents, dc->n * sizeof *ne);
            memcpy(nh, dc->has, dc->n);
            if (ns) memcpy(ns, dc->st, dc->n * sizeof *ns);
        }
        dc_free(dc);
        dc->ents = ne;
        dc->has = nh;
        dc->st = ns;
        dc->cap = nc;
    }
    if (st && !dc->st) {
        /* the driver gives attributes: keep them (without them when memory is short) */
        dc->st = vk_vm_alloc(vm, dc->cap * sizeof *dc->st);
    }
    vk_dirent *e = &dc->ents[dc->n];
    e->ino = ino;
    e->type = dtype;
    snprintf(e->name, sizeof e->name, "%s", name);
    dc->has[dc->n] = st && dc->st;
    if (st && dc->st) memcpy(&dc->st[dc->n], st, sizeof *dc->st);
    dc->n++;
    return 0;
}

static int readdir_common(vk_proc *p, int fd, vk_dirent *ent, struct vk_stat *st)
{
    int rc = enter(p);
    if (rc < 0) return rc;
    vk_ofd *o = fd_take(p, fd);
    if (!o) return VOS_EBADF;
    int r = 0;
    if (o->kind != OFD_DIR) {
        r = VOS_ENOTDIR;
    } else {
        pthread_mutex_lock(&o->lk);
        if (!o->dir_loaded) {
            vk_vm *vm = p->vm;
            dircollect dc = {vm, NULL, NULL, NULL, 0, 0, 0};
            r = vfs_readdir(p, o->mnt, vk_mnt_rel(o->mnt, o->path), collect_cb, &dc);
            if (r == 0) r = dc.err;
            if (r < 0) {
                dc_free(&dc);
            } else {
                o->ents = dc.ents;
                o->ent_st = dc.st;
                o->ent_has = dc.has;
                o->nents = dc.n;
                o->entcap = dc.cap;
                o->dir_loaded = true;
            }
        }
        if (r == 0 && o->dirpos < o->nents) {
            size_t i = o->dirpos++;
            *ent = o->ents[i];
            o->off = (int64_t)o->dirpos;
            r = 1;
            if (st && o->ent_st && o->ent_has[i]) {
                *st = o->ent_st[i];
                st->dev = o->mnt->dev;
                r = 2;
            }
        }
        pthread_mutex_unlock(&o->lk);
    }
    fd_drop(p, o);
    return r;
}

int vk_readdir(vk_proc *p, int fd, vk_dirent *ent)
{
    int r = readdir_common(p, fd, ent, NULL);
    return r > 1 ? 1 : r;
}

int vk_readdir_attr(vk_proc *p, int fd, vk_dirent *ent, struct vk_stat *st)
{
    return readdir_common(p, fd, ent, st);
}
