/* overlay.c: copy-on-write over any lower driver, with an in-memory upper (a memfs, so its bytes
 * count against the VM's fs quota). Lookups see the upper entry if there is one, else the lower
 * one; every change first copies the entry (and its parent directories) up. Removed lower
 * entries are remembered in a table of hidden paths: a hidden path absent from the upper is a
 * whiteout, one present in the upper is opaque (the lower entry and all below it are masked).
 * The lower is never written. Not done: copy-up breaks hard links between lower files, and
 * copied-up files get new inode numbers and the VM user as owner (as overlayfs without index). */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "fs/memfs.h"
#include "fs/overlay.h"

/* Upper inode numbers get the top bit, so they never collide with lower ones (find, du and cp
 * use dev+ino to spot hard links and cycles, and both layers report the overlay's dev). */
#define UPPER_INO (UINT64_C(1) << 63)
#define COPY_ALL UINT64_MAX
#define COPY_CHUNK 65536

/* ---- a set of paths (the hidden table, and readdir's names-seen set) ---- */

typedef struct pnode {
    struct pnode *next;
    uint64_t hash;
    size_t len;
    char s[];
} pnode;

typedef struct pset {
    vos_host *vm;
    pnode **b;
    size_t nb, n;
} pset;

/* FNV-1a: incremental, so lower_visible() can hash every prefix of a path in one pass. */
#define FNV_INIT UINT64_C(14695981039346656037)
static uint64_t fnv_step(uint64_t h, unsigned char c) { return (h ^ c) * UINT64_C(1099511628211); }

static uint64_t fnv(const char *s, size_t len)
{
    uint64_t h = FNV_INIT;
    for (size_t i = 0; i < len; i++) h = fnv_step(h, (unsigned char)s[i]);
    return h;
}

static bool pset_has_h(const pset *ps, const char *s, size_t len, uint64_t h)
{
    if (!ps->n) return false;
    for (pnode *p = ps->b[h & (ps->nb - 1)]; p; p = p->next)
        if (p->hash == h && p->len == len && memcmp(p->s, s, len) == 0) return true;
    return false;
}

static bool pset_has(const pset *ps, const char *s, size_t len)
{
    return pset_has_h(ps, s, len, fnv(s, len));
}

static int pset_add(pset *ps, const char *s, size_t len)
{
    uint64_t h = fnv(s, len);
    if (pset_has_h(ps, s, len, h)) return 0;
    if (ps->n >= ps->nb) {
        size_t nb = ps->nb ? ps->nb * 2 : 16;
        pnode **b = vos_host_alloc(ps->vm, nb * sizeof *b);
        if (!b) return VOS_ENOMEM;
        memset(b, 0, nb * sizeof *b);
        for (size_t i = 0; i < ps->nb; i++) {
            for (pnode *p = ps->b[i], *next; p; p = next) {
                next = p->next;
                p->next = b[p->hash & (nb - 1)];
                b[p->hash & (nb - 1)] = p;
            }
        }
        vos_host_free(ps->vm, ps->b, ps->nb * sizeof *ps->b);
        ps->b = b;
        ps->nb = nb;
    }
    pnode *p = vos_host_alloc(ps->vm, sizeof *p + len + 1);
    if (!p) return VOS_ENOMEM;
    p->hash = h;
    p->len = len;
    memcpy(p->s, s, len);
    p->s[len] = 0;
    p->next = ps->b[h & (ps->nb - 1)];
    ps->b[h & (ps->nb - 1)] = p;
    ps->n++;
    return 0;
}

static void pset_unlink(pset *ps, pnode **pp)
{
    pnode *p = *pp;
    *pp = p->next;
    vos_host_free(ps->vm, p, sizeof *p + p->len + 1);
    ps->n--;
}

static void pset_del(pset *ps, const char *s, size_t len)
{
    if (!ps->n) return;
    uint64_t h = fnv(s, len);
    for (pnode **pp = &ps->b[h & (ps->nb - 1)]; *pp; pp = &(*pp)->next) {
        if ((*pp)->hash == h && (*pp)->len == len && memcmp((*pp)->s, s, len) == 0) {
            pset_unlink(ps, pp);
            return;
        }
    }
}

/* Remove every path strictly below dir. */
static void pset_del_under(pset *ps, const char *dir)
{
    size_t dl = strlen(dir);
    for (size_t i = 0; ps->n && i < ps->nb; i++) {
        for (pnode **pp = &ps->b[i]; *pp;) {
            pnode *p = *pp;
            if (p->len > dl && memcmp(p->s, dir, dl) == 0 && p->s[dl] == '/')
                pset_unlink(ps, pp);
            else
                pp = &p->next;
        }
    }
}

static void pset_free(pset *ps)
{
    for (size_t i = 0; i < ps->nb; i++)
        while (ps->b[i]) pset_unlink(ps, &ps->b[i]);
    vos_host_free(ps->vm, ps->b, ps->nb * sizeof *ps->b);
    ps->b = NULL;
    ps->nb = ps->n = 0;
}

/* ---- the overlay ---- */

typedef struct overlay {
    vos_fs base;
    vos_fs *lower;
    vos_fs *upper;
    pset hidden;   /* whiteouts and opaque directories */
    pthread_mutex_t mu; /* the hidden table and every multi-step change (copy-up) */
    vos_call *c;   /* the call in progress (under mu), passed on to the layers */
} overlay;

typedef struct ofile {
    vos_file base;
    vos_file *inner;
    bool upper;
} ofile;

static void fix_stat(overlay *o, vos_dstat *st, bool upper)
{
    (void)o;
    if (upper) st->ino |= UPPER_INO;
}

/* Calls into a layer, with the overlay's call context. */
#define UP(o, op, ...) ((o)->upper->ops->op((o)->upper, (o)->c, __VA_ARGS__))
#define LOW(o, op, ...) ((o)->lower->ops->op((o)->lower, (o)->c, __VA_ARGS__))

static int up_lstat(overlay *o, const char *rel, vos_dstat *st)
{
    return UP(o, lstat, rel, st);
}

/* Can the lower entry at rel show through: is neither rel nor any of its ancestors hidden? */
static bool lower_visible(overlay *o, const char *rel)
{
    if (!o->hidden.n || !*rel) return true;
    uint64_t h = FNV_INIT;
    for (size_t i = 0;; i++) {
        if (rel[i] == '/' || rel[i] == 0) {
            if (pset_has_h(&o->hidden, rel, i, h)) return false;
            if (rel[i] == 0) return true;
        }
        h = fnv_step(h, (unsigned char)rel[i]);
    }
}

static int low_lstat(overlay *o, const char *rel, vos_dstat *st)
{
    if (!lower_visible(o, rel)) return VOS_ENOENT;
    return LOW(o, lstat, rel, st);
}

static bool low_exists(overlay *o, const char *rel)
{
    vos_dstat st;
    return low_lstat(o, rel, &st) == 0;
}

/* The visible entry: the upper one, else the lower one unless hidden. */
static int vis_lstat(overlay *o, const char *rel, vos_dstat *st, bool *in_upper)
{
    bool up = true;
    int rc = up_lstat(o, rel, st);
    if (rc == VOS_ENOENT) {
        up = false;
        rc = low_lstat(o, rel, st);
    }
    if (rc == 0) fix_stat(o, st, up);
    if (in_upper) *in_upper = up;
    return rc;
}

/* Set a path's parent: "a/b/c" -> "a/b", "c" -> "". */
static void parent_of(const char *rel, char *buf)
{
    const char *slash = strrchr(rel, '/');
    size_t len = slash ? (size_t)(slash - rel) : 0;
    memcpy(buf, rel, len);
    buf[len] = 0;
}

static int restore_times(overlay *o, const char *rel, const vos_dstat *st)
{
    int64_t t[2] = {st->atime_ns, st->mtime_ns};
    return UP(o, utimens, rel, t);
}

/* Make every ancestor of rel a directory in the upper, copying the lower ones' mode and
 * times. ENOENT / ENOTDIR when an ancestor is missing or not a directory. */
static int copy_up_parents(overlay *o, const char *rel)
{
    char q[VOS_PATH_MAX];
    size_t n = strlen(rel);
    if (n >= sizeof q) return VOS_ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        if (rel[i] != '/') continue;
        memcpy(q, rel, i);
        q[i] = 0;
        vos_dstat st;
        int rc = up_lstat(o, q, &st);
        if (rc == 0) {
            if (!VOS_S_ISDIR(st.mode)) return VOS_ENOTDIR;
            continue;
        }
        if (rc != VOS_ENOENT) return rc;
        rc = low_lstat(o, q, &st);
        if (rc < 0) return rc;
        if (!VOS_S_ISDIR(st.mode)) return VOS_ENOTDIR;
        char parent[VOS_PATH_MAX];
        parent_of(q, parent);
        vos_dstat pst;
        bool have_pst = up_lstat(o, parent, &pst) == 0;
        rc = UP(o, mkdir, q, st.mode & 07777);
        if (rc < 0) return rc;
        restore_times(o, q, &st);
        /* a copy-up is not a change the VM made to the parent: keep its times */
        if (have_pst) restore_times(o, parent, &pst);
    }
    /* the parent itself must be a directory (the loop stops before the last component) */
    char parent[VOS_PATH_MAX];
    parent_of(rel, parent);
    vos_dstat st;
    int rc = vis_lstat(o, parent, &st, NULL);
    if (rc < 0) return rc;
    return VOS_S_ISDIR(st.mode) ? 0 : VOS_ENOTDIR;
}

static int copy_data(overlay *o, const char *rel, uint64_t keep, unsigned mode)
{
    vos_file *lf = NULL, *uf = NULL;
    char *buf = NULL;
    int rc = LOW(o, open, rel, VOS_O_RDONLY, 0, &lf);
    if (rc < 0) return rc;
    lf->fs = o->lower;
    rc = UP(o, open, rel, VOS_O_WRONLY | VOS_O_CREAT | VOS_O_EXCL, mode, &uf);
    if (rc < 0) goto out;
    uf->fs = o->upper;
    if (keep) {
        buf = vos_host_alloc(o->base.host, COPY_CHUNK);
        if (!buf) {
            rc = VOS_ENOMEM;
            goto out;
        }
    }
    for (uint64_t off = 0; off < keep;) {
        size_t want = keep - off < COPY_CHUNK ? (size_t)(keep - off) : COPY_CHUNK;
        rc = vos_call_check(o->c);
        if (rc < 0) break;
        ssize_t k = lf->ops->pread(lf, o->c, buf, want, off);
        if (k <= 0) {
            rc = (int)k;
            break;
        }
        ssize_t w = uf->ops->pwrite(uf, o->c, buf, (size_t)k, off);
        if (w < 0) {
            rc = (int)w;
            break;
        }
        off += (uint64_t)k;
    }
out:
    if (buf) vos_host_free(o->base.host, buf, COPY_CHUNK);
    if (uf) uf->ops->close(uf, o->c);
    lf->ops->close(lf, o->c);
    if (rc < 0 && uf) UP(o, unlink, rel);
    return rc;
}

/* Make rel exist in the upper (a directory is copied alone, not its contents). keep: how many
 * bytes of a regular file's data to copy (0 when the caller is about to truncate). */
static int copy_up(overlay *o, const char *rel, uint64_t keep)
{
    vos_dstat st;
    int rc = up_lstat(o, rel, &st);
    if (rc != VOS_ENOENT) return rc;
    rc = low_lstat(o, rel, &st);
    if (rc < 0) return rc;
    rc = copy_up_parents(o, rel);
    if (rc < 0) return rc;
    char parent[VOS_PATH_MAX];
    parent_of(rel, parent);
    vos_dstat pst;
    bool have_pst = up_lstat(o, parent, &pst) == 0;

    switch (st.mode & VOS_S_IFMT) {
    case VOS_S_IFDIR: rc = UP(o, mkdir, rel, st.mode & 07777); break;
    case VOS_S_IFREG: rc = copy_data(o, rel, keep, st.mode & 07777); break;
    case VOS_S_IFLNK: {
        char target[VOS_PATH_MAX];
        ssize_t k = LOW(o, readlink, rel, target, sizeof target - 1);
        if (k < 0) return (int)k;
        target[k] = 0;
        rc = UP(o, symlink, target, rel);
        break;
    }
    default: return VOS_EACCES; /* FIFOs, devices: the lower refuses to open them too */
    }
    if (rc < 0) return rc;
    restore_times(o, rel, &st);
    if (have_pst) restore_times(o, parent, &pst);
    return 0;
}

/* ---- readdir: upper entries, then lower ones not shadowed and not hidden ---- */

typedef struct rd_ctx {
    overlay *o;
    vos_dir_fn cb;
    void *ctx;
    pset seen;
    size_t plen;
    int err;
    bool stopped;
    char path[VOS_PATH_MAX]; /* "rel/" then each lower name, for the hidden check; last, so
                               the memset below can skip it */
} rd_ctx;

static int rd_upper(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                    const vos_dstat *st)
{
    rd_ctx *r = ctx;
    int rc = pset_add(&r->seen, name, strlen(name));
    if (rc < 0) {
        r->err = rc;
        return 1;
    }
    vos_dstat fixed;
    if (st) {
        fixed = *st;
        fixed.ino |= UPPER_INO;
    }
    if (r->cb(r->ctx, name, ino | UPPER_INO, dtype, st ? &fixed : NULL)) {
        r->stopped = true;
        return 1;
    }
    return 0;
}

static int rd_lower(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                    const vos_dstat *st)
{
    rd_ctx *r = ctx;
    size_t nl = strlen(name);
    if (pset_has(&r->seen, name, nl)) return 0;
    /* a path too long for the buffer is too long to have been hidden */
    if (r->o->hidden.n && r->plen + nl < sizeof r->path) {
        memcpy(r->path + r->plen, name, nl + 1);
        if (pset_has(&r->o->hidden, r->path, r->plen + nl)) return 0;
    }
    if (r->cb(r->ctx, name, ino, dtype, st)) {
        r->stopped = true;
        return 1;
    }
    return 0;
}

static int ov_readdir_locked(vos_fs *m, const char *rel, vos_dir_fn cb, void *ctx)
{
    overlay *o = (overlay *)m;
    vos_dstat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (!VOS_S_ISDIR(st.mode)) return VOS_ENOTDIR;
    size_t rl = strlen(rel);
    if (rl + 2 >= VOS_PATH_MAX) return VOS_ENAMETOOLONG;

    rd_ctx *r = vos_host_alloc(m->host, sizeof *r);
    if (!r) return VOS_ENOMEM;
    memset(r, 0, offsetof(rd_ctx, path));
    r->o = o;
    r->cb = cb;
    r->ctx = ctx;
    r->seen.vm = m->host;
    memcpy(r->path, rel, rl);
    if (rl) r->path[rl++] = '/';
    r->plen = rl;

    if (up) {
        rc = UP(o, readdir, rel, rd_upper, r);
        if (rc == 0) rc = r->err;
    }
    vos_dstat lst;
    if (rc == 0 && !r->stopped && low_lstat(o, rel, &lst) == 0 && VOS_S_ISDIR(lst.mode))
        rc = LOW(o, readdir, rel, rd_lower, r);
    pset_free(&r->seen);
    vos_host_free(m->host, r, sizeof *r);
    return rc;
}

static int stop_at_first(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                         const vos_dstat *st)
{
    *(bool *)ctx = true;
    return 1;
}

/* 0 when the directory shows no entry, VOS_ENOTEMPTY otherwise. */
static int check_empty(overlay *o, const char *rel)
{
    bool any = false;
    int rc = ov_readdir_locked(&o->base, rel, stop_at_first, &any);
    if (rc < 0) return rc;
    return any ? VOS_ENOTEMPTY : 0;
}

typedef struct names {
    overlay *o;
    char *buf; /* NUL-separated */
    size_t len, cap;
    int err;
} names;

static int collect(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                   const vos_dstat *st)
{
    names *nm = ctx;
    size_t l = strlen(name) + 1;
    if (nm->len + l > nm->cap) {
        size_t nc = nm->cap ? nm->cap * 2 : 256;
        while (nc < nm->len + l) nc *= 2;
        char *nb = vos_host_realloc(nm->o->base.host, nm->buf, nm->cap, nc);
        if (!nb) {
            nm->err = VOS_ENOMEM;
            return 1;
        }
        nm->buf = nb;
        nm->cap = nc;
    }
    memcpy(nm->buf + nm->len, name, l);
    nm->len += l;
    return 0;
}

/* Copy a whole directory tree up (for rename of a directory with lower contents). path is
 * a VOS_PATH_MAX buffer holding the directory; it is extended and restored in place. */
static int copy_up_tree(overlay *o, char *path)
{
    int rc = copy_up(o, path, COPY_ALL);
    if (rc < 0) return rc;
    vos_dstat st;
    rc = up_lstat(o, path, &st);
    if (rc < 0 || !VOS_S_ISDIR(st.mode)) return rc;
    names nm = {o, NULL, 0, 0, 0};
    rc = ov_readdir_locked(&o->base, path, collect, &nm);
    if (rc == 0) rc = nm.err;
    size_t pl = strlen(path);
    for (size_t i = 0; rc == 0 && i < nm.len; i += strlen(nm.buf + i) + 1) {
        size_t l = strlen(nm.buf + i);
        if (pl + 1 + l >= VOS_PATH_MAX) {
            rc = VOS_ENAMETOOLONG;
            break;
        }
        path[pl] = '/';
        memcpy(path + pl + 1, nm.buf + i, l + 1);
        rc = copy_up_tree(o, path);
        path[pl] = 0;
    }
    vos_host_free(o->base.host, nm.buf, nm.cap);
    return rc;
}

/* ---- files: wrap the layer's handle so fstat reports the overlay's inode ---- */

static ssize_t of_pread(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off)
{
    vos_file *in = ((ofile *)f)->inner;
    return in->ops->pread(in, c, buf, n, off);
}

static ssize_t of_pwrite(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t off)
{
    ofile *of = (ofile *)f;
    if (!of->upper) return VOS_EBADF; /* lower files are only ever opened read-only */
    return of->inner->ops->pwrite(of->inner, c, buf, n, off);
}

static ssize_t of_append(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t *end)
{
    ofile *of = (ofile *)f;
    if (!of->upper) return VOS_EBADF;
    if (!of->inner->ops->append) return VOS_ENOTSUP;
    return of->inner->ops->append(of->inner, c, buf, n, end);
}

static int of_fstat(vos_file *f, vos_call *c, vos_dstat *st)
{
    ofile *of = (ofile *)f;
    int rc = of->inner->ops->fstat(of->inner, c, st);
    if (rc == 0) fix_stat((overlay *)f->fs, st, of->upper);
    return rc;
}

static int of_ftruncate(vos_file *f, vos_call *c, uint64_t len)
{
    ofile *of = (ofile *)f;
    if (!of->upper) return VOS_EINVAL; /* as ftruncate on a read-only fd */
    return of->inner->ops->ftruncate(of->inner, c, len);
}

static int of_fsync(vos_file *f, vos_call *c, int datasync)
{
    vos_file *in = ((ofile *)f)->inner;
    return in->ops->fsync ? in->ops->fsync(in, c, datasync) : 0;
}

static int of_close(vos_file *f, vos_call *c)
{
    vos_file *in = ((ofile *)f)->inner;
    int rc = in->ops->close(in, c);
    vos_host_free(f->fs->host, f, sizeof(ofile));
    return rc;
}

static const vos_file_ops ofile_ops = {
    .struct_size = sizeof(vos_file_ops),
    .pread = of_pread,
    .pwrite = of_pwrite,
    .append = of_append,
    .fstat = of_fstat,
    .ftruncate = of_ftruncate,
    .fsync = of_fsync,
    .close = of_close,
};

/* ---- mount operations ---- */

static int ov_lstat_locked(vos_fs *m, const char *rel, vos_dstat *st)
{
    return vis_lstat((overlay *)m, rel, st, NULL);
}

static int ov_open_locked(vos_fs *m, const char *rel, int flags, unsigned mode, vos_file **out)
{
    overlay *o = (overlay *)m;
    int acc = flags & VOS_O_ACCMODE;
    bool wr = acc != VOS_O_RDONLY;
    vos_dstat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    vos_fs *layer = o->upper;
    if (rc == 0 && !up) {
        if ((flags & VOS_O_CREAT) && (flags & VOS_O_EXCL)) return VOS_EEXIST;
        if (VOS_S_ISLNK(st.mode)) return VOS_ELOOP;
        if (VOS_S_ISDIR(st.mode) && (wr || (flags & VOS_O_CREAT))) return VOS_EISDIR;
        if (!VOS_S_ISDIR(st.mode) && (flags & VOS_O_DIRECTORY)) return VOS_ENOTDIR;
        if (!wr) {
            layer = o->lower;
            flags &= VOS_O_ACCMODE | VOS_O_DIRECTORY;
        } else {
            rc = copy_up(o, rel, (flags & VOS_O_TRUNC) ? 0 : COPY_ALL);
            if (rc < 0) return rc;
        }
    } else if (rc == VOS_ENOENT && (flags & VOS_O_CREAT)) {
        if (flags & VOS_O_DIRECTORY) return VOS_EINVAL;
        rc = copy_up_parents(o, rel);
        if (rc < 0) return rc;
    } else if (rc < 0) {
        return rc;
    }
    ofile *f = vos_host_alloc(m->host, sizeof *f);
    if (!f) return VOS_ENOMEM;
    rc = layer->ops->open(layer, o->c, rel, flags, mode, &f->inner);
    if (rc < 0) {
        vos_host_free(m->host, f, sizeof *f);
        return rc;
    }
    f->inner->fs = layer;
    f->base.ops = &ofile_ops;
    f->base.fs = m;
    f->upper = layer == o->upper;
    *out = &f->base;
    return 0;
}

/* Create-type operations: rel must not be visible; its parents are copied up first. */
static int prepare_create(overlay *o, const char *rel)
{
    if (!*rel) return VOS_EEXIST;
    vos_dstat st;
    int rc = vis_lstat(o, rel, &st, NULL);
    if (rc == 0) return VOS_EEXIST;
    if (rc != VOS_ENOENT) return rc;
    return copy_up_parents(o, rel);
}

static int ov_mkdir_locked(vos_fs *m, const char *rel, unsigned mode)
{
    overlay *o = (overlay *)m;
    int rc = prepare_create(o, rel);
    if (rc < 0) return rc;
    /* over a whiteout the path stays hidden, which makes the new directory opaque */
    return UP(o, mkdir, rel, mode);
}

static int ov_symlink_locked(vos_fs *m, const char *target, const char *rel)
{
    overlay *o = (overlay *)m;
    int rc = prepare_create(o, rel);
    if (rc < 0) return rc;
    return UP(o, symlink, target, rel);
}

/* Remove the visible entry at rel: from the upper if it is there, and hide the lower one. */
static int remove_entry(overlay *o, const char *rel, bool up, bool dir)
{
    size_t len = strlen(rel);
    bool hide = low_exists(o, rel) && !pset_has(&o->hidden, rel, len);
    if (hide) {
        int rc = pset_add(&o->hidden, rel, len);
        if (rc < 0) return rc;
    }
    if (up) {
        int rc = dir ? UP(o, rmdir, rel) : UP(o, unlink, rel);
        if (rc < 0) {
            if (hide) pset_del(&o->hidden, rel, len);
            return rc;
        }
    }
    /* whiteouts below a removed directory are redundant now that it is hidden as a whole:
     * drop them, so `rm -r` of a big lower tree leaves one entry, not one per file */
    if (dir) pset_del_under(&o->hidden, rel);
    return 0;
}

static int ov_rmdir_locked(vos_fs *m, const char *rel)
{
    overlay *o = (overlay *)m;
    if (!*rel) return VOS_EBUSY;
    vos_dstat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (!VOS_S_ISDIR(st.mode)) return VOS_ENOTDIR;
    rc = check_empty(o, rel);
    if (rc < 0) return rc;
    return remove_entry(o, rel, up, true);
}

static int ov_unlink_locked(vos_fs *m, const char *rel)
{
    overlay *o = (overlay *)m;
    if (!*rel) return VOS_EISDIR;
    vos_dstat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (VOS_S_ISDIR(st.mode)) return VOS_EISDIR;
    return remove_entry(o, rel, up, false);
}

/* A directory with lower contents is renamed by copying its whole tree up first (what mv
 * would do after EXDEV, done here so rename keeps working for every caller). */
static int ov_rename_locked(vos_fs *m, const char *from, const char *to)
{
    overlay *o = (overlay *)m;
    if (!*from || !*to) return VOS_EBUSY;
    vos_dstat fs, ts;
    int rc = vis_lstat(o, from, &fs, NULL);
    if (rc < 0) return rc;
    size_t fl = strlen(from), tl = strlen(to);
    if (strcmp(from, to) == 0) return 0;
    if (tl > fl && memcmp(to, from, fl) == 0 && to[fl] == '/') return VOS_EINVAL;
    rc = vis_lstat(o, to, &ts, NULL);
    bool to_exists = rc == 0;
    if (rc < 0 && rc != VOS_ENOENT) return rc;
    if (to_exists) {
        if (ts.ino == fs.ino) return 0; /* two links to one file: rename(2) does nothing */
        if (VOS_S_ISDIR(fs.mode) && !VOS_S_ISDIR(ts.mode)) return VOS_ENOTDIR;
        if (!VOS_S_ISDIR(fs.mode) && VOS_S_ISDIR(ts.mode)) return VOS_EISDIR;
        if (VOS_S_ISDIR(ts.mode)) {
            rc = check_empty(o, to);
            if (rc < 0) return rc;
        }
    }
    bool from_low = low_exists(o, from), to_low = low_exists(o, to);
    if (VOS_S_ISDIR(fs.mode) && from_low) {
        char path[VOS_PATH_MAX];
        memcpy(path, from, fl + 1);
        rc = copy_up_tree(o, path);
    } else {
        rc = copy_up(o, from, COPY_ALL);
    }
    if (rc == 0) rc = copy_up_parents(o, to);
    if (rc < 0) return rc;

    /* hide first (harmless while the upper entries still shadow them), undo on failure */
    bool add_from = from_low && !pset_has(&o->hidden, from, fl);
    bool add_to = to_low && !pset_has(&o->hidden, to, tl);
    if (add_from && (rc = pset_add(&o->hidden, from, fl)) < 0) return rc;
    if (add_to && (rc = pset_add(&o->hidden, to, tl)) < 0) goto undo;
    rc = UP(o, rename, from, to);
    if (rc < 0) goto undo;
    /* entries hidden below either name are now redundant (from is hidden as a whole, to is
     * opaque or has no lower): drop them so the table does not keep every removed file */
    pset_del_under(&o->hidden, from);
    pset_del_under(&o->hidden, to);
    return 0;
undo:
    if (add_to) pset_del(&o->hidden, to, tl);
    if (add_from) pset_del(&o->hidden, from, fl);
    return rc;
}

static int ov_link_locked(vos_fs *m, const char *from, const char *to)
{
    overlay *o = (overlay *)m;
    vos_dstat st;
    int rc = vis_lstat(o, from, &st, NULL);
    if (rc < 0) return rc;
    if (VOS_S_ISDIR(st.mode)) return VOS_EPERM;
    rc = prepare_create(o, to);
    if (rc == 0) rc = copy_up(o, from, COPY_ALL);
    if (rc < 0) return rc;
    return UP(o, link, from, to);
}

static ssize_t ov_readlink_locked(vos_fs *m, const char *rel, char *buf, size_t n)
{
    overlay *o = (overlay *)m;
    vos_dstat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    vos_fs *layer = up ? o->upper : o->lower;
    return layer->ops->readlink(layer, o->c, rel, buf, n);
}

static int ov_chmod_locked(vos_fs *m, const char *rel, unsigned mode)
{
    overlay *o = (overlay *)m;
    int rc = copy_up(o, rel, COPY_ALL);
    if (rc < 0) return rc;
    return UP(o, chmod, rel, mode);
}

static int ov_utimens_locked(vos_fs *m, const char *rel, const int64_t times[2])
{
    overlay *o = (overlay *)m;
    int rc = copy_up(o, rel, COPY_ALL);
    if (rc < 0) return rc;
    return UP(o, utimens, rel, times);
}

static int ov_truncate_locked(vos_fs *m, const char *rel, uint64_t len)
{
    overlay *o = (overlay *)m;
    vos_dstat st;
    int rc = vis_lstat(o, rel, &st, NULL);
    if (rc < 0) return rc;
    if (VOS_S_ISDIR(st.mode)) return VOS_EISDIR;
    if (!VOS_S_ISREG(st.mode)) return VOS_EINVAL;
    rc = copy_up(o, rel, len); /* no need to copy bytes about to be cut off */
    if (rc < 0) return rc;
    return UP(o, truncate, rel, len);
}

static void ov_unmount(vos_fs *m)
{
    overlay *o = (overlay *)m;
    o->lower->ops->unmount(o->lower);
    o->upper->ops->unmount(o->upper);
    pset_free(&o->hidden);
    pthread_mutex_destroy(&o->mu);
    vos_host_free(m->host, o, sizeof *o);
}

static int ov_statfs(vos_fs *m, vos_call *c, vos_statfs *st)
{
    overlay *o = (overlay *)m;
    if (o->lower->ops->statfs) return o->lower->ops->statfs(o->lower, c, st);
    return o->upper->ops->statfs(o->upper, c, st);
}

/* ---- the entry points: the overlay's lock around every call that reads or changes its
 * layers' shape (reads and writes of an open file go straight to the layer's file) ---- */
#define OV(m, call)                                                                                \
    do {                                                                                           \
        overlay *o_ = (overlay *)(m);                                                              \
        pthread_mutex_lock(&o_->mu);                                                               \
        o_->c = c;                                                                                 \
        __typeof__(call) r_ = (call);                                                              \
        o_->c = NULL;                                                                              \
        pthread_mutex_unlock(&o_->mu);                                                             \
        return r_;                                                                                 \
    } while (0)

static int ov_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    OV(m, ov_lstat_locked(m, rel, st));
}
static int ov_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                   vos_file **out)
{
    OV(m, ov_open_locked(m, rel, flags, mode, out));
}
static int ov_mkdir(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    OV(m, ov_mkdir_locked(m, rel, mode));
}
static int ov_rmdir(vos_fs *m, vos_call *c, const char *rel) { OV(m, ov_rmdir_locked(m, rel)); }
static int ov_unlink(vos_fs *m, vos_call *c, const char *rel) { OV(m, ov_unlink_locked(m, rel)); }
static int ov_rename(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    OV(m, ov_rename_locked(m, from, to));
}
static int ov_link(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    OV(m, ov_link_locked(m, from, to));
}
static int ov_symlink(vos_fs *m, vos_call *c, const char *target, const char *rel)
{
    OV(m, ov_symlink_locked(m, target, rel));
}
static ssize_t ov_readlink(vos_fs *m, vos_call *c, const char *rel, char *buf, size_t n)
{
    OV(m, ov_readlink_locked(m, rel, buf, n));
}
static int ov_chmod(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    OV(m, ov_chmod_locked(m, rel, mode));
}
static int ov_utimens(vos_fs *m, vos_call *c, const char *rel, const int64_t t[2])
{
    OV(m, ov_utimens_locked(m, rel, t));
}
static int ov_truncate(vos_fs *m, vos_call *c, const char *rel, uint64_t len)
{
    OV(m, ov_truncate_locked(m, rel, len));
}
static int ov_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    OV(m, ov_readdir_locked(m, rel, cb, ctx));
}

static const vos_fs_ops overlay_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "overlay",
    .lstat = ov_lstat,
    .open = ov_open,
    .mkdir = ov_mkdir,
    .rmdir = ov_rmdir,
    .unlink = ov_unlink,
    .rename = ov_rename,
    .link = ov_link,
    .symlink = ov_symlink,
    .readlink = ov_readlink,
    .chmod = ov_chmod,
    .utimens = ov_utimens,
    .truncate = ov_truncate,
    .readdir = ov_readdir,
    .statfs = ov_statfs,
    .unmount = ov_unmount,
};

/* On failure lower is left to the caller; on success the overlay owns it. */
int overlay_new(vos_host *h, vos_fs *lower, vos_fs **out)
{
    if (!h || !lower || !out || !lower->ops || !lower->ops->lstat || !lower->ops->open ||
        !lower->ops->readdir || !lower->ops->readlink)
        return VOS_EINVAL;
    vos_dstat root;
    int rc = lower->ops->lstat(lower, NULL, "", &root);
    if (rc < 0) return rc;
    if (!VOS_S_ISDIR(root.mode)) return VOS_ENOTDIR;
    overlay *o = vos_host_alloc(h, sizeof *o);
    if (!o) return VOS_ENOMEM;
    memset(o, 0, sizeof *o);
    rc = memfs_new(h, &o->upper);
    if (rc < 0) {
        vos_host_free(h, o, sizeof *o);
        return rc;
    }
    pthread_mutex_init(&o->mu, NULL);
    /* the root is always in the upper: give it the lower root's mode and times */
    o->upper->ops->chmod(o->upper, NULL, "", root.mode & 07777);
    restore_times(o, "", &root);
    lower->flags |= VOS_FS_RDONLY; /* never written, even by a bug here */
    o->base.ops = &overlay_ops;
    o->base.host = h;
    o->base.flags = lower->flags & VOS_FS_NOBLOCK;
    o->lower = lower;
    o->hidden.vm = h;
    *out = &o->base;
    return 0;
}
