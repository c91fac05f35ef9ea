/* memfs.c: the in-memory filesystem (the VM's root). Inodes with hard links, symlinks, modes
 * and timestamps; an unlinked file lives on while it is open. Every byte is counted against
 * the VM's memory and filesystem quotas. Not yet: copy-on-write sharing for O(1) fork. */
#include <stdio.h>
#include <string.h>

#include "fs/vfs.h"

typedef struct mnode mnode;
typedef struct mdent {
    char *name;
    mnode *node;
} mdent;

struct mnode {
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid, gid;
    int opens;
    uint32_t icap;  /* slots in index, a power of two; 0: none, lookups scan ents */
    int64_t atime, mtime, ctime;
    uint64_t size;
    size_t cap;
    char *data;     /* file bytes or symlink target */
    mdent *ents;    /* directory entries, in creation order */
    uint32_t nents, entcap; /* 32 bits: every node of a VM pays for these */
    mdent *index;   /* big directories: the same entries hashed by name (open addressing) */
    mnode *parent;  /* directories: for ".." sanity and rename checks */
};

typedef struct memfs {
    vfs_mount base;
    mnode *root;
    uint64_t next_ino;
    /* The directory the last walk reached, by its path. The kernel resolves a/b/c as a, a/b,
     * a/b/c, and a tree walk visits a/b/c/x, a/b/c/y...: starting each walk from there keeps
     * a deep path linear instead of depth^2 per lookup. Dropped when a directory goes. */
    char *hint;
    size_t hint_len, hint_cap;
    mnode *hint_node;
} memfs;

typedef struct mfile {
    vfs_file base;
    mnode *node;
} mfile;


static mnode *node_new(memfs *fs, uint32_t mode)
{
    if (vfs_charge(fs->base.vm, 0, 1) < 0) return NULL;
    mnode *n = vfs_alloc(fs->base.vm, sizeof *n);
    if (!n) {
        vfs_charge(fs->base.vm, 0, -1);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->ino = fs->next_ino++;
    n->mode = mode;
    n->uid = vfs_uid(fs->base.vm);
    n->gid = vfs_gid(fs->base.vm);
    n->atime = n->mtime = n->ctime = vfs_now_ns();
    return n;
}

static void node_free(memfs *fs, mnode *n)
{
    vk_vm *vm = fs->base.vm;
    if (VK_S_ISDIR(n->mode)) {
        for (size_t i = 0; i < n->nents; i++) {
            mnode *c = n->ents[i].node;
            vfs_free(vm, n->ents[i].name, strlen(n->ents[i].name) + 1);
            if (VK_S_ISDIR(c->mode))
                c->nlink = 0;
            else
                c->nlink--;
            if (c->nlink == 0 && c->opens == 0) node_free(fs, c);
        }
        vfs_free(vm, n->ents, n->entcap * sizeof(mdent));
        vfs_free(vm, n->index, n->icap * sizeof(mdent));
    } else {
        if (VK_S_ISREG(n->mode)) vfs_charge(vm, -(int64_t)n->size, 0);
        vfs_free(vm, n->data, n->cap);
    }
    vfs_charge(vm, 0, -1);
    vfs_free(vm, n, sizeof *n);
}

static void maybe_free(memfs *fs, mnode *n)
{
    if (n->nlink == 0 && n->opens == 0) node_free(fs, n);
}

/* ---- directory entries ----
 * A small directory is scanned; from INDEX_MIN entries on, a hash index finds a name in
 * O(1), so a directory of 100,000 files costs no more per lookup than one of ten. */
enum { INDEX_MIN = 16 };

static size_t name_hash(const char *name, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static bool name_is(const char *have, const char *name, size_t len)
{
    return strncmp(have, name, len) == 0 && have[len] == 0;
}

static void index_put(mnode *d, mdent e)
{
    size_t mask = d->icap - 1, i = name_hash(e.name, strlen(e.name)) & mask;
    while (d->index[i].name) i = (i + 1) & mask;
    d->index[i] = e;
}

/* Rebuild the index with cap slots (0: drop it). On no memory, lookups go back to scanning. */
static void index_build(memfs *fs, mnode *d, uint32_t cap)
{
    vk_vm *vm = fs->base.vm;
    vfs_free(vm, d->index, d->icap * sizeof(mdent));
    d->index = NULL;
    d->icap = 0;
    if (cap == 0) return;
    mdent *ix = vfs_alloc(vm, cap * sizeof(mdent));
    if (!ix) return;
    memset(ix, 0, cap * sizeof(mdent));
    d->index = ix;
    d->icap = cap;
    for (size_t i = 0; i < d->nents; i++) index_put(d, d->ents[i]);
}

/* Take the entry whose name is exactly the pointer have out of the index (backward-shift
 * deletion keeps every probe chain unbroken). */
static void index_del(mnode *d, const char *have)
{
    size_t mask = d->icap - 1, i = name_hash(have, strlen(have)) & mask;
    while (d->index[i].name != have) {
        if (!d->index[i].name) return;
        i = (i + 1) & mask;
    }
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (!d->index[j].name) break;
        size_t k = name_hash(d->index[j].name, strlen(d->index[j].name)) & mask;
        /* move j back to i unless its home k lies cyclically in (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            d->index[i] = d->index[j];
            i = j;
        }
    }
    d->index[i] = (mdent){NULL, NULL};
}

static mnode *dir_lookup(mnode *d, const char *name, size_t len)
{
    if (d->icap) {
        size_t mask = d->icap - 1;
        for (size_t i = name_hash(name, len) & mask; d->index[i].name; i = (i + 1) & mask)
            if (name_is(d->index[i].name, name, len)) return d->index[i].node;
        return NULL;
    }
    for (size_t i = 0; i < d->nents; i++)
        if (name_is(d->ents[i].name, name, len)) return d->ents[i].node;
    return NULL;
}

/* The entry itself, for removal. */
static mdent *dir_find(mnode *d, const char *name, size_t len)
{
    const char *have = NULL;
    if (d->icap) {
        size_t mask = d->icap - 1;
        for (size_t i = name_hash(name, len) & mask; d->index[i].name && !have; i = (i + 1) & mask)
            if (name_is(d->index[i].name, name, len)) have = d->index[i].name;
        if (!have) return NULL;
    }
    for (size_t i = 0; i < d->nents; i++)
        if (have ? d->ents[i].name == have : name_is(d->ents[i].name, name, len))
            return &d->ents[i];
    return NULL;
}

static void hint_set(memfs *fs, const char *path, size_t len, mnode *dir)
{
    if (len + 1 > fs->hint_cap) {
        size_t cap = fs->hint_cap ? fs->hint_cap : 64;
        while (cap < len + 1) cap *= 2;
        char *h = vfs_realloc(fs->base.vm, fs->hint, fs->hint_cap, cap);
        if (!h) {
            fs->hint_node = NULL;
            return;
        }
        fs->hint = h;
        fs->hint_cap = cap;
    }
    memcpy(fs->hint, path, len);
    fs->hint[len] = 0;
    fs->hint_len = len;
    fs->hint_node = dir;
}

static void hint_drop(memfs *fs) { fs->hint_node = NULL; }

/* Walk rel; with parent_out, stop at the parent of the last component and give the name. */
static int walk(memfs *fs, const char *rel, mnode **out, mnode **parent_out, const char **last)
{
    mnode *cur = fs->root;
    const char *s = rel;
    if (!*s) {
        if (parent_out) return VOS_EBUSY; /* the root has no parent entry */
        *out = cur;
        return 0;
    }
    if (fs->hint_node && strncmp(rel, fs->hint, fs->hint_len) == 0 && rel[fs->hint_len] == '/') {
        cur = fs->hint_node;
        s = rel + fs->hint_len + 1;
    }
    for (;;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len > VK_NAME_MAX) return VOS_ENAMETOOLONG;
        if (!VK_S_ISDIR(cur->mode)) return VOS_ENOTDIR;
        mnode *d = dir_lookup(cur, s, len);
        if (!e) {
            /* remember the deepest directory reached for the next walk */
            if (d && VK_S_ISDIR(d->mode))
                hint_set(fs, rel, (size_t)(s - rel) + len, d);
            else if (s > rel)
                hint_set(fs, rel, (size_t)(s - rel) - 1, cur);
            if (parent_out) {
                *parent_out = cur;
                *last = s;
                *out = d;
                return 0;
            }
        }
        if (!d) return VOS_ENOENT;
        cur = d;
        if (!e) break;
        s = e + 1;
    }
    *out = cur;
    return 0;
}

static int dir_add(memfs *fs, mnode *d, const char *name, mnode *n)
{
    vk_vm *vm = fs->base.vm;
    if (d->nents == d->entcap) {
        size_t nc = d->entcap ? (size_t)d->entcap * 2 : 4;
        if (nc > UINT32_MAX) return VOS_ENOSPC;
        mdent *ne = vfs_realloc(vm, d->ents, d->entcap * sizeof(mdent), nc * sizeof(mdent));
        if (!ne) return VOS_ENOSPC;
        d->ents = ne;
        d->entcap = nc;
    }
    size_t l = strlen(name);
    char *nm = vfs_alloc(vm, l + 1);
    if (!nm) return VOS_ENOSPC;
    memcpy(nm, name, l + 1);
    d->ents[d->nents].name = nm;
    d->ents[d->nents].node = n;
    d->nents++;
    if (d->nents * 2 > d->icap && d->nents >= INDEX_MIN)
        index_build(fs, d, d->icap ? d->icap * 2 : 4 * INDEX_MIN);
    else if (d->icap)
        index_put(d, d->ents[d->nents - 1]);
    d->mtime = d->ctime = vfs_now_ns();
    if (VK_S_ISDIR(n->mode)) {
        d->nlink++;
        n->parent = d;
    }
    return 0;
}

/* Remove the entry (does not free the node). */
static void dir_del(memfs *fs, mnode *d, mdent *e)
{
    if (d->icap) index_del(d, e->name);
    vfs_free(fs->base.vm, e->name, strlen(e->name) + 1);
    if (VK_S_ISDIR(e->node->mode)) d->nlink--;
    size_t i = (size_t)(e - d->ents);
    memmove(&d->ents[i], &d->ents[i + 1], (d->nents - i - 1) * sizeof(mdent));
    d->nents--;
    d->mtime = d->ctime = vfs_now_ns();
    if (d->icap && d->nents < INDEX_MIN / 2)
        index_build(fs, d, 0);
    else if (d->icap > 4 * INDEX_MIN && d->nents * 8 < d->icap)
        index_build(fs, d, d->icap / 2);
}

static void fill_stat(memfs *fs, mnode *n, struct vk_stat *st)
{
    memset(st, 0, sizeof *st);
    st->dev = fs->base.dev;
    st->ino = n->ino;
    st->mode = n->mode;
    st->nlink = n->nlink;
    st->uid = n->uid;
    st->gid = n->gid;
    st->size = VK_S_ISDIR(n->mode) ? 4096 : n->size;
    st->blksize = 4096;
    st->blocks = VK_S_ISDIR(n->mode) ? 8 : ((n->size + 4095) / 4096) * 8;
    st->atime_ns = n->atime;
    st->mtime_ns = n->mtime;
    st->ctime_ns = n->ctime;
}

static int m_lstat(vfs_mount *m, const char *rel, struct vk_stat *st)
{
    memfs *fs = (memfs *)m;
    mnode *n;
    int rc = walk(fs, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    fill_stat(fs, n, st);
    return 0;
}

/* ---- data ---- */
static int set_size(memfs *fs, mnode *n, uint64_t len)
{
    vk_vm *vm = fs->base.vm;
    if (len > ((uint64_t)1 << 40)) return VOS_EFBIG;
    if (len > n->cap) {
        size_t nc = n->cap ? n->cap : 64;
        while (nc < len) nc = nc < ((size_t)1 << 20) ? nc * 2 : nc + nc / 2;
        int rc = vfs_charge(vm, (int64_t)(len - n->size), 0);
        if (rc < 0) return rc;
        char *nd = vfs_realloc(vm, n->data, n->cap, nc);
        if (!nd) {
            /* try the exact size before giving up */
            nc = (size_t)len;
            nd = vfs_realloc(vm, n->data, n->cap, nc);
        }
        if (!nd) {
            vfs_charge(vm, -(int64_t)(len - n->size), 0);
            return VOS_ENOSPC;
        }
        n->data = nd;
        n->cap = nc;
    } else {
        int rc = vfs_charge(vm, (int64_t)len - (int64_t)n->size, 0);
        if (rc < 0) return rc;
    }
    if (len > n->size) memset(n->data + n->size, 0, len - n->size);
    n->size = len;
    /* give memory back when a file shrinks a lot */
    if (n->cap > 4096 && len < n->cap / 4) {
        size_t nc = len < 64 ? 64 : (size_t)len;
        char *nd = vfs_realloc(vm, n->data, n->cap, nc);
        if (nd) {
            n->data = nd;
            n->cap = nc;
        }
    }
    return 0;
}

static ssize_t f_pread(vfs_file *f, void *buf, size_t len, uint64_t off)
{
    mnode *n = ((mfile *)f)->node;
    if (VK_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (off >= n->size) return 0;
    size_t k = n->size - off < len ? (size_t)(n->size - off) : len;
    memcpy(buf, n->data + off, k);
    return (ssize_t)k;
}

static ssize_t f_pwrite(vfs_file *f, const void *buf, size_t len, uint64_t off)
{
    memfs *fs = (memfs *)f->mount;
    mnode *n = ((mfile *)f)->node;
    if (VK_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (len == 0) return 0;
    if (off + len > n->size) {
        int rc = set_size(fs, n, off + len);
        if (rc < 0) return rc;
    }
    memcpy(n->data + off, buf, len);
    n->mtime = n->ctime = vfs_now_ns();
    return (ssize_t)len;
}

static int f_fstat(vfs_file *f, struct vk_stat *st)
{
    fill_stat((memfs *)f->mount, ((mfile *)f)->node, st);
    return 0;
}

static int f_ftruncate(vfs_file *f, uint64_t len)
{
    mnode *n = ((mfile *)f)->node;
    if (!VK_S_ISREG(n->mode)) return VOS_EINVAL;
    int rc = set_size((memfs *)f->mount, n, len);
    if (rc == 0) n->mtime = n->ctime = vfs_now_ns();
    return rc;
}

static void f_close(vfs_file *f)
{
    memfs *fs = (memfs *)f->mount;
    mnode *n = ((mfile *)f)->node;
    n->opens--;
    maybe_free(fs, n);
    vfs_free(fs->base.vm, f, sizeof(mfile));
}

static const vfs_file_ops mfile_ops = {f_pread, f_pwrite, f_fstat, f_ftruncate, f_close};

static int m_open(vfs_mount *m, const char *rel, int flags, unsigned mode, vfs_file **out)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent = NULL;
    const char *last = NULL;
    int rc;
    if (*rel) {
        rc = walk(fs, rel, &n, &parent, &last);
        if (rc < 0) return rc;
    } else {
        n = fs->root;
    }
    int acc = flags & VK_O_ACCMODE;
    if (n) {
        if ((flags & VK_O_CREAT) && (flags & VK_O_EXCL)) return VOS_EEXIST;
        if (VK_S_ISLNK(n->mode)) return VOS_ELOOP;
        if (VK_S_ISDIR(n->mode) && acc != VK_O_RDONLY) return VOS_EISDIR;
        if ((flags & VK_O_DIRECTORY) && !VK_S_ISDIR(n->mode)) return VOS_ENOTDIR;
        if ((flags & VK_O_TRUNC) && VK_S_ISREG(n->mode) && acc != VK_O_RDONLY) {
            rc = set_size(fs, n, 0);
            if (rc < 0) return rc;
            n->mtime = n->ctime = vfs_now_ns();
        }
    } else {
        if (!(flags & VK_O_CREAT)) return VOS_ENOENT;
        if (flags & VK_O_DIRECTORY) return VOS_EINVAL;
        n = node_new(fs, VK_S_IFREG | (mode & 07777));
        if (!n) return VOS_EFSINODES;
        n->nlink = 1;
        rc = dir_add(fs, parent, last, n);
        if (rc < 0) {
            n->nlink = 0;
            node_free(fs, n);
            return rc;
        }
    }
    mfile *f = vfs_alloc(m->vm, sizeof *f);
    if (!f) return VOS_ENOMEM;
    f->base.ops = &mfile_ops;
    f->base.mount = m;
    f->node = n;
    n->opens++;
    *out = &f->base;
    return 0;
}

static int m_mkdir(vfs_mount *m, const char *rel, unsigned mode)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc == VOS_EBUSY) return VOS_EEXIST;
    if (rc < 0) return rc;
    if (n) return VOS_EEXIST;
    n = node_new(fs, VK_S_IFDIR | (mode & 07777));
    if (!n) return VOS_EFSINODES;
    n->nlink = 2;
    rc = dir_add(fs, parent, last, n);
    if (rc < 0) {
        n->nlink = 0;
        node_free(fs, n);
    }
    return rc;
}

static int m_remove(vfs_mount *m, const char *rel, bool dir)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc < 0) return rc;
    if (!n) return VOS_ENOENT;
    if (dir) {
        if (!VK_S_ISDIR(n->mode)) return VOS_ENOTDIR;
        if (n->nents) return VOS_ENOTEMPTY;
    } else if (VK_S_ISDIR(n->mode)) {
        return VOS_EISDIR;
    }
    if (dir) hint_drop(fs);
    dir_del(fs, parent, dir_find(parent, last, strlen(last)));
    if (dir)
        n->nlink = 0;
    else
        n->nlink--;
    n->ctime = vfs_now_ns();
    maybe_free(fs, n);
    return 0;
}
static int m_rmdir(vfs_mount *m, const char *rel) { return m_remove(m, rel, true); }
static int m_unlink(vfs_mount *m, const char *rel) { return m_remove(m, rel, false); }

static bool is_ancestor(mnode *a, mnode *d)
{
    for (; d; d = d->parent)
        if (d == a) return true;
    return false;
}

static int m_rename(vfs_mount *m, const char *from, const char *to)
{
    memfs *fs = (memfs *)m;
    mnode *src, *sp, *dst, *dp;
    const char *sl, *dl;
    int rc = walk(fs, from, &src, &sp, &sl);
    if (rc < 0) return rc == VOS_EBUSY ? VOS_EBUSY : rc;
    if (!src) return VOS_ENOENT;
    rc = walk(fs, to, &dst, &dp, &dl);
    if (rc < 0) return rc;
    if (src == dst) return 0;
    hint_drop(fs);
    if (VK_S_ISDIR(src->mode)) {
        if (is_ancestor(src, dp)) return VOS_EINVAL;
        if (dst) {
            if (!VK_S_ISDIR(dst->mode)) return VOS_ENOTDIR;
            if (dst->nents) return VOS_ENOTEMPTY;
        }
    } else if (dst && VK_S_ISDIR(dst->mode)) {
        return VOS_EISDIR;
    }
    /* make room first so a failure leaves both names as they were */
    char nmbuf[VK_NAME_MAX + 1];
    snprintf(nmbuf, sizeof nmbuf, "%s", dl);
    if (dst) {
        dir_del(fs, dp, dir_find(dp, nmbuf, strlen(nmbuf)));
        if (VK_S_ISDIR(dst->mode))
            dst->nlink = 0;
        else
            dst->nlink--;
        maybe_free(fs, dst);
    }
    char slbuf[VK_NAME_MAX + 1];
    snprintf(slbuf, sizeof slbuf, "%s", sl);
    dir_del(fs, sp, dir_find(sp, slbuf, strlen(slbuf)));
    rc = dir_add(fs, dp, nmbuf, src);
    if (rc < 0) {
        /* out of memory: the node would be lost; put it back where it was */
        if (dir_add(fs, sp, slbuf, src) < 0) {
            src->nlink = 0;
            maybe_free(fs, src);
        }
        return rc;
    }
    src->ctime = vfs_now_ns();
    return 0;
}

static int m_link(vfs_mount *m, const char *from, const char *to)
{
    memfs *fs = (memfs *)m;
    mnode *src, *dst, *dp;
    const char *dl;
    int rc = walk(fs, from, &src, NULL, NULL);
    if (rc < 0) return rc;
    if (VK_S_ISDIR(src->mode)) return VOS_EPERM;
    rc = walk(fs, to, &dst, &dp, &dl);
    if (rc < 0) return rc;
    if (dst) return VOS_EEXIST;
    rc = dir_add(fs, dp, dl, src);
    if (rc == 0) {
        src->nlink++;
        src->ctime = vfs_now_ns();
    }
    return rc;
}

static int m_symlink(vfs_mount *m, const char *target, const char *rel)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc == VOS_EBUSY) return VOS_EEXIST;
    if (rc < 0) return rc;
    if (n) return VOS_EEXIST;
    size_t tl = strlen(target);
    if (tl >= VK_PATH_MAX) return VOS_ENAMETOOLONG;
    n = node_new(fs, VK_S_IFLNK | 0777);
    if (!n) return VOS_EFSINODES;
    n->data = vfs_alloc(m->vm, tl + 1);
    if (!n->data) {
        node_free(fs, n);
        return VOS_ENOSPC;
    }
    n->cap = tl + 1;
    memcpy(n->data, target, tl + 1);
    n->size = tl;
    n->nlink = 1;
    rc = dir_add(fs, parent, last, n);
    if (rc < 0) {
        n->nlink = 0;
        node_free(fs, n);
    }
    return rc;
}

static ssize_t m_readlink(vfs_mount *m, const char *rel, char *buf, size_t len)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (!VK_S_ISLNK(n->mode)) return VOS_EINVAL;
    size_t k = n->size < len ? (size_t)n->size : len;
    memcpy(buf, n->data, k);
    return (ssize_t)k;
}

static int m_chmod(vfs_mount *m, const char *rel, unsigned mode)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    n->mode = (n->mode & VK_S_IFMT) | (mode & 07777);
    n->ctime = vfs_now_ns();
    return 0;
}

static int m_utimens(vfs_mount *m, const char *rel, const int64_t t[2])
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    int64_t now = vfs_now_ns();
    if (t[0] != VK_UTIME_OMIT) n->atime = t[0] == VK_UTIME_NOW ? now : t[0];
    if (t[1] != VK_UTIME_OMIT) n->mtime = t[1] == VK_UTIME_NOW ? now : t[1];
    n->ctime = now;
    return 0;
}

static int m_truncate(vfs_mount *m, const char *rel, uint64_t len)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (VK_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (!VK_S_ISREG(n->mode)) return VOS_EINVAL;
    rc = set_size((memfs *)m, n, len);
    if (rc == 0) n->mtime = n->ctime = vfs_now_ns();
    return rc;
}

static unsigned dtype_of(uint32_t mode)
{
    switch (mode & VK_S_IFMT) {
    case VK_S_IFDIR: return VK_DT_DIR;
    case VK_S_IFREG: return VK_DT_REG;
    case VK_S_IFLNK: return VK_DT_LNK;
    case VK_S_IFCHR: return VK_DT_CHR;
    case VK_S_IFIFO: return VK_DT_FIFO;
    default: return VK_DT_UNKNOWN;
    }
}

static int m_readdir(vfs_mount *m, const char *rel, vfs_dir_cb cb, void *ctx)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(n->mode)) return VOS_ENOTDIR;
    for (size_t i = 0; i < n->nents; i++)
        if (cb(ctx, n->ents[i].name, n->ents[i].node->ino, dtype_of(n->ents[i].node->mode)))
            break;
    return 0;
}

static void m_destroy(vfs_mount *m)
{
    memfs *fs = (memfs *)m;
    fs->root->nlink = 0;
    node_free(fs, fs->root);
    vfs_free(m->vm, fs->hint, fs->hint_cap);
    vfs_free(m->vm, fs, sizeof *fs);
}

static const vfs_ops memfs_ops = {
    .version = VFS_OPS_VERSION,
    .name = "memfs",
    .lstat = m_lstat,
    .open = m_open,
    .mkdir = m_mkdir,
    .rmdir = m_rmdir,
    .unlink = m_unlink,
    .rename = m_rename,
    .link = m_link,
    .symlink = m_symlink,
    .readlink = m_readlink,
    .chmod = m_chmod,
    .utimens = m_utimens,
    .truncate = m_truncate,
    .readdir = m_readdir,
    .destroy = m_destroy,
};

int memfs_new(vk_vm *vm, vfs_mount **out)
{
    memfs *fs = vfs_alloc(vm, sizeof *fs);
    if (!fs) return VOS_ENOMEM;
    memset(fs, 0, sizeof *fs);
    fs->base.ops = &memfs_ops;
    fs->base.vm = vm;
    fs->next_ino = 1;
    fs->root = node_new(fs, VK_S_IFDIR | 0755);
    if (!fs->root) {
        vfs_free(vm, fs, sizeof *fs);
        return VOS_ENOMEM;
    }
    fs->root->nlink = 2;
    *out = &fs->base;
    return 0;
}
