/* overlay.c: copy-on-write over any lower driver, with an in-memory upper (a memfs, so its bytes
 * count against the VM's fs quota). Lookups see the upper entry if there is one, else the lower
 * one; every change first copies the entry (and its parent directories) up. Removed lower
 * entries are remembered in a table of hidden paths: a hidden path absent from the upper is a
 * whiteout, one present in the upper is opaque (the lower entry and all below it are masked).
 * The lower is never written. Not done: copy-up breaks hard links between lower files, and
 * copied-up files get new inode numbers and the VM user as owner (as overlayfs without index). */
#include <string.h>

#include "fs/vfs.h"

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
    vk_vm *vm;
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
        pnode **b = vfs_alloc(ps->vm, nb * sizeof *b);
        if (!b) return VOS_ENOMEM;
        memset(b, 0, nb * sizeof *b);
        for (size_t i = 0; i < ps->nb; i++) {
            for (pnode *p = ps->b[i], *next; p; p = next) {
                next = p->next;
                p->next = b[p->hash & (nb - 1)];
                b[p->hash & (nb - 1)] = p;
            }
        }
        vfs_free(ps->vm, ps->b, ps->nb * sizeof *ps->b);
        ps->b = b;
        ps->nb = nb;
    }
    pnode *p = vfs_alloc(ps->vm, sizeof *p + len + 1);
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
    vfs_free(ps->vm, p, sizeof *p + p->len + 1);
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
    vfs_free(ps->vm, ps->b, ps->nb * sizeof *ps->b);
    ps->b = NULL;
    ps->nb = ps->n = 0;
}

/* ---- the overlay ---- */

typedef struct overlay {
    vfs_mount base;
    vfs_mount *lower;
    vfs_mount *upper;
    pset hidden; /* whiteouts and opaque directories */
} overlay;

typedef struct ofile {
    vfs_file base;
    vfs_file *inner;
    bool upper;
} ofile;

static void fix_stat(overlay *o, struct vk_stat *st, bool upper)
{
    st->dev = o->base.dev;
    if (upper) st->ino |= UPPER_INO;
}

static int up_lstat(overlay *o, const char *rel, struct vk_stat *st)
{
    return o->upper->ops->lstat(o->upper, rel, st);
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

static int low_lstat(overlay *o, const char *rel, struct vk_stat *st)
{
    if (!lower_visible(o, rel)) return VOS_ENOENT;
    return o->lower->ops->lstat(o->lower, rel, st);
}

static bool low_exists(overlay *o, const char *rel)
{
    struct vk_stat st;
    return low_lstat(o, rel, &st) == 0;
}

/* The visible entry: the upper one, else the lower one unless hidden. */
static int vis_lstat(overlay *o, const char *rel, struct vk_stat *st, bool *in_upper)
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

static int restore_times(overlay *o, const char *rel, const struct vk_stat *st)
{
    int64_t t[2] = {st->atime_ns, st->mtime_ns};
    return o->upper->ops->utimens(o->upper, rel, t);
}

/* Make every ancestor of rel a directory in the upper, copying the lower ones' mode and
 * times. ENOENT / ENOTDIR when an ancestor is missing or not a directory. */
static int copy_up_parents(overlay *o, const char *rel)
{
    char q[VK_PATH_MAX];
    size_t n = strlen(rel);
    if (n >= sizeof q) return VOS_ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        if (rel[i] != '/') continue;
        memcpy(q, rel, i);
        q[i] = 0;
        struct vk_stat st;
        int rc = up_lstat(o, q, &st);
        if (rc == 0) {
            if (!VK_S_ISDIR(st.mode)) return VOS_ENOTDIR;
            continue;
        }
        if (rc != VOS_ENOENT) return rc;
        rc = low_lstat(o, q, &st);
        if (rc < 0) return rc;
        if (!VK_S_ISDIR(st.mode)) return VOS_ENOTDIR;
        char parent[VK_PATH_MAX];
        parent_of(q, parent);
        struct vk_stat pst;
        bool have_pst = up_lstat(o, parent, &pst) == 0;
        rc = o->upper->ops->mkdir(o->upper, q, st.mode & 07777);
        if (rc < 0) return rc;
        restore_times(o, q, &st);
        /* a copy-up is not a change the VM made to the parent: keep its times */
        if (have_pst) restore_times(o, parent, &pst);
    }
    /* the parent itself must be a directory (the loop stops before the last component) */
    char parent[VK_PATH_MAX];
    parent_of(rel, parent);
    struct vk_stat st;
    int rc = vis_lstat(o, parent, &st, NULL);
    if (rc < 0) return rc;
    return VK_S_ISDIR(st.mode) ? 0 : VOS_ENOTDIR;
}

static int copy_data(overlay *o, const char *rel, uint64_t keep, unsigned mode)
{
    vfs_file *lf = NULL, *uf = NULL;
    char *buf = NULL;
    int rc = o->lower->ops->open(o->lower, rel, VK_O_RDONLY, 0, &lf);
    if (rc < 0) return rc;
    rc = o->upper->ops->open(o->upper, rel, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, mode, &uf);
    if (rc < 0) goto out;
    if (keep) {
        buf = vfs_alloc(o->base.vm, COPY_CHUNK);
        if (!buf) {
            rc = VOS_ENOMEM;
            goto out;
        }
    }
    for (uint64_t off = 0; off < keep;) {
        size_t want = keep - off < COPY_CHUNK ? (size_t)(keep - off) : COPY_CHUNK;
        ssize_t k = lf->ops->pread(lf, buf, want, off);
        if (k <= 0) {
            rc = (int)k;
            break;
        }
        ssize_t w = uf->ops->pwrite(uf, buf, (size_t)k, off);
        if (w < 0) {
            rc = (int)w;
            break;
        }
        off += (uint64_t)k;
    }
out:
    if (buf) vfs_free(o->base.vm, buf, COPY_CHUNK);
    if (uf) uf->ops->close(uf);
    lf->ops->close(lf);
    if (rc < 0 && uf) o->upper->ops->unlink(o->upper, rel);
    return rc;
}

/* Make rel exist in the upper (a directory is copied alone, not its contents). keep: how many
 * bytes of a regular file's data to copy (0 when the caller is about to truncate). */
static int copy_up(overlay *o, const char *rel, uint64_t keep)
{
    struct vk_stat st;
    int rc = up_lstat(o, rel, &st);
    if (rc != VOS_ENOENT) return rc;
    rc = low_lstat(o, rel, &st);
    if (rc < 0) return rc;
    rc = copy_up_parents(o, rel);
    if (rc < 0) return rc;
    char parent[VK_PATH_MAX];
    parent_of(rel, parent);
    struct vk_stat pst;
    bool have_pst = up_lstat(o, parent, &pst) == 0;

    switch (st.mode & VK_S_IFMT) {
    case VK_S_IFDIR: rc = o->upper->ops->mkdir(o->upper, rel, st.mode & 07777); break;
    case VK_S_IFREG: rc = copy_data(o, rel, keep, st.mode & 07777); break;
    case VK_S_IFLNK: {
        char target[VK_PATH_MAX];
        ssize_t k = o->lower->ops->readlink(o->lower, rel, target, sizeof target - 1);
        if (k < 0) return (int)k;
        target[k] = 0;
        rc = o->upper->ops->symlink(o->upper, target, rel);
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
    vfs_dir_cb cb;
    void *ctx;
    pset seen;
    size_t plen;
    int err;
    bool stopped;
    char path[VK_PATH_MAX]; /* "rel/" then each lower name, for the hidden check; last, so
                               the memset below can skip it */
} rd_ctx;

static int rd_upper(void *ctx, const char *name, uint64_t ino, unsigned dtype)
{
    rd_ctx *r = ctx;
    int rc = pset_add(&r->seen, name, strlen(name));
    if (rc < 0) {
        r->err = rc;
        return 1;
    }
    if (r->cb(r->ctx, name, ino | UPPER_INO, dtype)) {
        r->stopped = true;
        return 1;
    }
    return 0;
}

static int rd_lower(void *ctx, const char *name, uint64_t ino, unsigned dtype)
{
    rd_ctx *r = ctx;
    size_t nl = strlen(name);
    if (pset_has(&r->seen, name, nl)) return 0;
    /* a path too long for the buffer is too long to have been hidden */
    if (r->o->hidden.n && r->plen + nl < sizeof r->path) {
        memcpy(r->path + r->plen, name, nl + 1);
        if (pset_has(&r->o->hidden, r->path, r->plen + nl)) return 0;
    }
    if (r->cb(r->ctx, name, ino, dtype)) {
        r->stopped = true;
        return 1;
    }
    return 0;
}

static int ov_readdir(vfs_mount *m, const char *rel, vfs_dir_cb cb, void *ctx)
{
    overlay *o = (overlay *)m;
    struct vk_stat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(st.mode)) return VOS_ENOTDIR;
    size_t rl = strlen(rel);
    if (rl + 2 >= VK_PATH_MAX) return VOS_ENAMETOOLONG;

    rd_ctx *r = vfs_alloc(m->vm, sizeof *r);
    if (!r) return VOS_ENOMEM;
    memset(r, 0, offsetof(rd_ctx, path));
    r->o = o;
    r->cb = cb;
    r->ctx = ctx;
    r->seen.vm = m->vm;
    memcpy(r->path, rel, rl);
    if (rl) r->path[rl++] = '/';
    r->plen = rl;

    if (up) {
        rc = o->upper->ops->readdir(o->upper, rel, rd_upper, r);
        if (rc == 0) rc = r->err;
    }
    struct vk_stat lst;
    if (rc == 0 && !r->stopped && low_lstat(o, rel, &lst) == 0 && VK_S_ISDIR(lst.mode))
        rc = o->lower->ops->readdir(o->lower, rel, rd_lower, r);
    pset_free(&r->seen);
    vfs_free(m->vm, r, sizeof *r);
    return rc;
}

static int stop_at_first(void *ctx, const char *name, uint64_t ino, unsigned dtype)
{
    *(bool *)ctx = true;
    return 1;
}

/* 0 when the directory shows no entry, VOS_ENOTEMPTY otherwise. */
static int check_empty(overlay *o, const char *rel)
{
    bool any = false;
    int rc = ov_readdir(&o->base, rel, stop_at_first, &any);
    if (rc < 0) return rc;
    return any ? VOS_ENOTEMPTY : 0;
}

typedef struct names {
    overlay *o;
    char *buf; /* NUL-separated */
    size_t len, cap;
    int err;
} names;

static int collect(void *ctx, const char *name, uint64_t ino, unsigned dtype)
{
    names *nm = ctx;
    size_t l = strlen(name) + 1;
    if (nm->len + l > nm->cap) {
        size_t nc = nm->cap ? nm->cap * 2 : 256;
        while (nc < nm->len + l) nc *= 2;
        char *nb = vfs_realloc(nm->o->base.vm, nm->buf, nm->cap, nc);
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
 * a VK_PATH_MAX buffer holding the directory; it is extended and restored in place. */
static int copy_up_tree(overlay *o, char *path)
{
    int rc = copy_up(o, path, COPY_ALL);
    if (rc < 0) return rc;
    struct vk_stat st;
    rc = up_lstat(o, path, &st);
    if (rc < 0 || !VK_S_ISDIR(st.mode)) return rc;
    names nm = {o, NULL, 0, 0, 0};
    rc = ov_readdir(&o->base, path, collect, &nm);
    if (rc == 0) rc = nm.err;
    size_t pl = strlen(path);
    for (size_t i = 0; rc == 0 && i < nm.len; i += strlen(nm.buf + i) + 1) {
        size_t l = strlen(nm.buf + i);
        if (pl + 1 + l >= VK_PATH_MAX) {
            rc = VOS_ENAMETOOLONG;
            break;
        }
        path[pl] = '/';
        memcpy(path + pl + 1, nm.buf + i, l + 1);
        rc = copy_up_tree(o, path);
        path[pl] = 0;
    }
    vfs_free(o->base.vm, nm.buf, nm.cap);
    return rc;
}

/* ---- files: wrap the layer's handle so fstat reports the overlay's dev and inode ---- */

static ssize_t of_pread(vfs_file *f, void *buf, size_t n, uint64_t off)
{
    vfs_file *in = ((ofile *)f)->inner;
    return in->ops->pread(in, buf, n, off);
}

static ssize_t of_pwrite(vfs_file *f, const void *buf, size_t n, uint64_t off)
{
    ofile *of = (ofile *)f;
    if (!of->upper) return VOS_EBADF; /* lower files are only ever opened read-only */
    return of->inner->ops->pwrite(of->inner, buf, n, off);
}

static int of_fstat(vfs_file *f, struct vk_stat *st)
{
    ofile *of = (ofile *)f;
    int rc = of->inner->ops->fstat(of->inner, st);
    if (rc == 0) fix_stat((overlay *)f->mount, st, of->upper);
    return rc;
}

static int of_ftruncate(vfs_file *f, uint64_t len)
{
    ofile *of = (ofile *)f;
    if (!of->upper) return VOS_EINVAL; /* as ftruncate on a read-only fd */
    return of->inner->ops->ftruncate(of->inner, len);
}

static void of_close(vfs_file *f)
{
    vfs_file *in = ((ofile *)f)->inner;
    in->ops->close(in);
    vfs_free(f->mount->vm, f, sizeof(ofile));
}

static const vfs_file_ops ofile_ops = {of_pread, of_pwrite, of_fstat, of_ftruncate, of_close};

/* ---- mount operations ---- */

static int ov_lstat(vfs_mount *m, const char *rel, struct vk_stat *st)
{
    return vis_lstat((overlay *)m, rel, st, NULL);
}

static int ov_open(vfs_mount *m, const char *rel, int flags, unsigned mode, vfs_file **out)
{
    overlay *o = (overlay *)m;
    int acc = flags & VK_O_ACCMODE;
    bool wr = acc != VK_O_RDONLY;
    struct vk_stat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    vfs_mount *layer = o->upper;
    if (rc == 0 && !up) {
        if ((flags & VK_O_CREAT) && (flags & VK_O_EXCL)) return VOS_EEXIST;
        if (VK_S_ISLNK(st.mode)) return VOS_ELOOP;
        if (VK_S_ISDIR(st.mode) && (wr || (flags & VK_O_CREAT))) return VOS_EISDIR;
        if (!VK_S_ISDIR(st.mode) && (flags & VK_O_DIRECTORY)) return VOS_ENOTDIR;
        if (!wr) {
            layer = o->lower;
            flags &= VK_O_ACCMODE | VK_O_DIRECTORY;
        } else {
            rc = copy_up(o, rel, (flags & VK_O_TRUNC) ? 0 : COPY_ALL);
            if (rc < 0) return rc;
        }
    } else if (rc == VOS_ENOENT && (flags & VK_O_CREAT)) {
        if (flags & VK_O_DIRECTORY) return VOS_EINVAL;
        rc = copy_up_parents(o, rel);
        if (rc < 0) return rc;
    } else if (rc < 0) {
        return rc;
    }
    ofile *f = vfs_alloc(m->vm, sizeof *f);
    if (!f) return VOS_ENOMEM;
    rc = layer->ops->open(layer, rel, flags, mode, &f->inner);
    if (rc < 0) {
        vfs_free(m->vm, f, sizeof *f);
        return rc;
    }
    f->base.ops = &ofile_ops;
    f->base.mount = m;
    f->upper = layer == o->upper;
    *out = &f->base;
    return 0;
}

/* Create-type operations: rel must not be visible; its parents are copied up first. */
static int prepare_create(overlay *o, const char *rel)
{
    if (!*rel) return VOS_EEXIST;
    struct vk_stat st;
    int rc = vis_lstat(o, rel, &st, NULL);
    if (rc == 0) return VOS_EEXIST;
    if (rc != VOS_ENOENT) return rc;
    return copy_up_parents(o, rel);
}

static int ov_mkdir(vfs_mount *m, const char *rel, unsigned mode)
{
    overlay *o = (overlay *)m;
    int rc = prepare_create(o, rel);
    if (rc < 0) return rc;
    /* over a whiteout the path stays hidden, which makes the new directory opaque */
    return o->upper->ops->mkdir(o->upper, rel, mode);
}

static int ov_symlink(vfs_mount *m, const char *target, const char *rel)
{
    overlay *o = (overlay *)m;
    int rc = prepare_create(o, rel);
    if (rc < 0) return rc;
    return o->upper->ops->symlink(o->upper, target, rel);
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
        int rc = dir ? o->upper->ops->rmdir(o->upper, rel) : o->upper->ops->unlink(o->upper, rel);
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

static int ov_rmdir(vfs_mount *m, const char *rel)
{
    overlay *o = (overlay *)m;
    if (!*rel) return VOS_EBUSY;
    struct vk_stat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(st.mode)) return VOS_ENOTDIR;
    rc = check_empty(o, rel);
    if (rc < 0) return rc;
    return remove_entry(o, rel, up, true);
}

static int ov_unlink(vfs_mount *m, const char *rel)
{
    overlay *o = (overlay *)m;
    if (!*rel) return VOS_EISDIR;
    struct vk_stat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    if (VK_S_ISDIR(st.mode)) return VOS_EISDIR;
    return remove_entry(o, rel, up, false);
}

/* A directory with lower contents is renamed by copying its whole tree up first (what mv
 * would do after EXDEV, done here so rename keeps working for every caller). */
static int ov_rename(vfs_mount *m, const char *from, const char *to)
{
    overlay *o = (overlay *)m;
    if (!*from || !*to) return VOS_EBUSY;
    struct vk_stat fs, ts;
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
        if (VK_S_ISDIR(fs.mode) && !VK_S_ISDIR(ts.mode)) return VOS_ENOTDIR;
        if (!VK_S_ISDIR(fs.mode) && VK_S_ISDIR(ts.mode)) return VOS_EISDIR;
        if (VK_S_ISDIR(ts.mode)) {
            rc = check_empty(o, to);
            if (rc < 0) return rc;
        }
    }
    bool from_low = low_exists(o, from), to_low = low_exists(o, to);
    if (VK_S_ISDIR(fs.mode) && from_low) {
        char path[VK_PATH_MAX];
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
    rc = o->upper->ops->rename(o->upper, from, to);
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

static int ov_link(vfs_mount *m, const char *from, const char *to)
{
    overlay *o = (overlay *)m;
    struct vk_stat st;
    int rc = vis_lstat(o, from, &st, NULL);
    if (rc < 0) return rc;
    if (VK_S_ISDIR(st.mode)) return VOS_EPERM;
    rc = prepare_create(o, to);
    if (rc == 0) rc = copy_up(o, from, COPY_ALL);
    if (rc < 0) return rc;
    return o->upper->ops->link(o->upper, from, to);
}

static ssize_t ov_readlink(vfs_mount *m, const char *rel, char *buf, size_t n)
{
    overlay *o = (overlay *)m;
    struct vk_stat st;
    bool up;
    int rc = vis_lstat(o, rel, &st, &up);
    if (rc < 0) return rc;
    vfs_mount *layer = up ? o->upper : o->lower;
    return layer->ops->readlink(layer, rel, buf, n);
}

static int ov_chmod(vfs_mount *m, const char *rel, unsigned mode)
{
    overlay *o = (overlay *)m;
    int rc = copy_up(o, rel, COPY_ALL);
    if (rc < 0) return rc;
    return o->upper->ops->chmod(o->upper, rel, mode);
}

static int ov_utimens(vfs_mount *m, const char *rel, const int64_t times[2])
{
    overlay *o = (overlay *)m;
    int rc = copy_up(o, rel, COPY_ALL);
    if (rc < 0) return rc;
    return o->upper->ops->utimens(o->upper, rel, times);
}

static int ov_truncate(vfs_mount *m, const char *rel, uint64_t len)
{
    overlay *o = (overlay *)m;
    struct vk_stat st;
    int rc = vis_lstat(o, rel, &st, NULL);
    if (rc < 0) return rc;
    if (VK_S_ISDIR(st.mode)) return VOS_EISDIR;
    if (!VK_S_ISREG(st.mode)) return VOS_EINVAL;
    rc = copy_up(o, rel, len); /* no need to copy bytes about to be cut off */
    if (rc < 0) return rc;
    return o->upper->ops->truncate(o->upper, rel, len);
}

static void ov_destroy(vfs_mount *m)
{
    overlay *o = (overlay *)m;
    o->lower->ops->destroy(o->lower);
    o->upper->ops->destroy(o->upper);
    pset_free(&o->hidden);
    vfs_free(m->vm, o, sizeof *o);
}

static const vfs_ops overlay_ops = {
    .version = VFS_OPS_VERSION,
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
    .destroy = ov_destroy,
};

/* On failure lower is left to the caller; on success the overlay owns it. */
int overlay_new(vk_vm *vm, vfs_mount *lower, vfs_mount **out)
{
    if (!vm || !lower || !out || !lower->ops || !lower->ops->lstat || !lower->ops->open ||
        !lower->ops->readdir || !lower->ops->readlink)
        return VOS_EINVAL;
    struct vk_stat root;
    int rc = lower->ops->lstat(lower, "", &root);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(root.mode)) return VOS_ENOTDIR;
    overlay *o = vfs_alloc(vm, sizeof *o);
    if (!o) return VOS_ENOMEM;
    memset(o, 0, sizeof *o);
    rc = memfs_new(vm, &o->upper);
    if (rc < 0) {
        vfs_free(vm, o, sizeof *o);
        return rc;
    }
    /* the root is always in the upper: give it the lower root's mode and times */
    o->upper->ops->chmod(o->upper, "", root.mode & 07777);
    restore_times(o, "", &root);
    lower->flags |= VFS_MOUNT_RDONLY; /* never written, even by a bug here */
    o->base.ops = &overlay_ops;
    o->base.vm = vm;
    o->lower = lower;
    o->hidden.vm = vm;
    *out = &o->base;
    return 0;
}
