/* memfs.c: the in-memory filesystem (the VM's root), a driver of vos_driver.h. Inodes with hard
 * links, symlinks, named pipes, modes and timestamps; an unlinked file lives on while it is
 * open. Every byte is counted against the VM's memory and filesystem quotas. One mutex per
 * filesystem guards it all (every call is short and never blocks). Not yet: copy-on-write
 * sharing for O(1) fork. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fs/memfs.h"

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
    vos_fs base;
    pthread_mutex_t mu;
    mnode *root;
    uint64_t next_ino;
    /* The directory the last walk reached, by its path. The kernel resolves a/b/c as a, a/b,
     * a/b/c, and a tree walk visits a/b/c/x, a/b/c/y...: starting each walk from there keeps
     * a deep path linear instead of depth^2 per lookup. Dropped when a directory goes. */
    char *hint;
    size_t hint_len, hint_cap;
    mnode *hint_node;
    int node_err;
} memfs;

typedef struct mfile {
    vos_file base;
    mnode *node;
} mfile;

#define HOST(fs) ((fs)->base.host)

static const vos_file_ops mfile_ops;


/* A new node, or NULL with fs->node_err telling why (the inode quota, or memory). */
static mnode *node_new(memfs *fs, uint32_t mode)
{
    int rc = vos_host_charge(HOST(fs), 0, 1);
    if (rc < 0) {
        fs->node_err = rc;
        return NULL;
    }
    mnode *n = vos_host_alloc(HOST(fs), sizeof *n);
    if (!n) {
        vos_host_charge(HOST(fs), 0, -1);
        fs->node_err = VOS_ENOMEM;
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->ino = fs->next_ino++;
    n->mode = mode;
    n->uid = vos_host_uid(HOST(fs));
    n->gid = vos_host_gid(HOST(fs));
    n->atime = n->mtime = n->ctime = vos_host_now(NULL);
    return n;
}

static void node_free(memfs *fs, mnode *n)
{
    vos_host *vm = HOST(fs);
    if (VOS_S_ISDIR(n->mode)) {
        for (size_t i = 0; i < n->nents; i++) {
            mnode *c = n->ents[i].node;
            vos_host_free(vm, n->ents[i].name, strlen(n->ents[i].name) + 1);
            if (VOS_S_ISDIR(c->mode))
                c->nlink = 0;
            else
                c->nlink--;
            if (c->nlink == 0 && c->opens == 0) node_free(fs, c);
        }
        vos_host_free(vm, n->ents, n->entcap * sizeof(mdent));
        vos_host_free(vm, n->index, n->icap * sizeof(mdent));
    } else {
        if (VOS_S_ISREG(n->mode)) vos_host_charge(vm, -(int64_t)n->size, 0);
        vos_host_free(vm, n->data, n->cap);
    }
    vos_host_charge(vm, 0, -1);
    vos_host_free(vm, n, sizeof *n);
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
    vos_host *vm = HOST(fs);
    vos_host_free(vm, d->index, d->icap * sizeof(mdent));
    d->index = NULL;
    d->icap = 0;
    if (cap == 0) return;
    mdent *ix = vos_host_alloc(vm, cap * sizeof(mdent));
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
        char *h = vos_host_realloc(HOST(fs), fs->hint, fs->hint_cap, cap);
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
        if (len > VOS_NAME_MAX) return VOS_ENAMETOOLONG;
        if (!VOS_S_ISDIR(cur->mode)) return VOS_ENOTDIR;
        mnode *d = dir_lookup(cur, s, len);
        if (!e) {
            /* remember the deepest directory reached for the next walk */
            if (d && VOS_S_ISDIR(d->mode))
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
    vos_host *vm = HOST(fs);
    if (d->nents == d->entcap) {
        size_t nc = d->entcap ? (size_t)d->entcap * 2 : 4;
        if (nc > UINT32_MAX) return VOS_ENOSPC;
        mdent *ne = vos_host_realloc(vm, d->ents, d->entcap * sizeof(mdent), nc * sizeof(mdent));
        if (!ne) return VOS_ENOSPC;
        d->ents = ne;
        d->entcap = nc;
    }
    size_t l = strlen(name);
    char *nm = vos_host_alloc(vm, l + 1);
    if (!nm) return VOS_ENOSPC;
    memcpy(nm, name, l + 1);
    d->ents[d->nents].name = nm;
    d->ents[d->nents].node = n;
    d->nents++;
    if (d->nents * 2 > d->icap && d->nents >= INDEX_MIN)
        index_build(fs, d, d->icap ? d->icap * 2 : 4 * INDEX_MIN);
    else if (d->icap)
        index_put(d, d->ents[d->nents - 1]);
    d->mtime = d->ctime = vos_host_now(NULL);
    if (VOS_S_ISDIR(n->mode)) {
        d->nlink++;
        n->parent = d;
    }
    return 0;
}

/* Remove the entry (does not free the node). */
static void dir_del(memfs *fs, mnode *d, mdent *e)
{
    if (d->icap) index_del(d, e->name);
    vos_host_free(HOST(fs), e->name, strlen(e->name) + 1);
    if (VOS_S_ISDIR(e->node->mode)) d->nlink--;
    size_t i = (size_t)(e - d->ents);
    memmove(&d->ents[i], &d->ents[i + 1], (d->nents - i - 1) * sizeof(mdent));
    d->nents--;
    d->mtime = d->ctime = vos_host_now(NULL);
    if (d->icap && d->nents < INDEX_MIN / 2)
        index_build(fs, d, 0);
    else if (d->icap > 4 * INDEX_MIN && d->nents * 8 < d->icap)
        index_build(fs, d, d->icap / 2);
}

static void fill_stat(memfs *fs, mnode *n, vos_dstat *st)
{
    memset(st, 0, sizeof *st);
    st->ino = n->ino;
    st->mode = n->mode;
    st->nlink = n->nlink;
    st->uid = n->uid;
    st->gid = n->gid;
    st->size = VOS_S_ISDIR(n->mode) ? 4096 : n->size;
    st->blksize = 4096;
    st->blocks = VOS_S_ISDIR(n->mode) ? 8 : ((n->size + 4095) / 4096) * 8;
    st->atime_ns = n->atime;
    st->mtime_ns = n->mtime;
    st->ctime_ns = n->ctime;
}

static int m_lstat_locked(vos_fs *m, const char *rel, vos_dstat *st)
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
    vos_host *vm = HOST(fs);
    if (len > ((uint64_t)1 << 40)) return VOS_EFBIG;
    if (len > n->cap) {
        size_t nc = n->cap ? n->cap : 64;
        while (nc < len) nc = nc < ((size_t)1 << 20) ? nc * 2 : nc + nc / 2;
        int rc = vos_host_charge(vm, (int64_t)(len - n->size), 0);
        if (rc < 0) return rc;
        char *nd = vos_host_realloc(vm, n->data, n->cap, nc);
        if (!nd) {
            /* try the exact size before giving up */
            nc = (size_t)len;
            nd = vos_host_realloc(vm, n->data, n->cap, nc);
        }
        if (!nd) {
            vos_host_charge(vm, -(int64_t)(len - n->size), 0);
            return VOS_ENOSPC;
        }
        n->data = nd;
        n->cap = nc;
    } else {
        int rc = vos_host_charge(vm, (int64_t)len - (int64_t)n->size, 0);
        if (rc < 0) return rc;
    }
    if (len > n->size) memset(n->data + n->size, 0, len - n->size);
    n->size = len;
    /* give memory back when a file shrinks a lot */
    if (n->cap > 4096 && len < n->cap / 4) {
        size_t nc = len < 64 ? 64 : (size_t)len;
        char *nd = vos_host_realloc(vm, n->data, n->cap, nc);
        if (nd) {
            n->data = nd;
            n->cap = nc;
        }
    }
    return 0;
}

static ssize_t f_pread_locked(vos_file *f, void *buf, size_t len, uint64_t off)
{
    mnode *n = ((mfile *)f)->node;
    if (VOS_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (off >= n->size) return 0;
    size_t k = n->size - off < len ? (size_t)(n->size - off) : len;
    memcpy(buf, n->data + off, k);
    return (ssize_t)k;
}

static ssize_t f_pwrite_locked(vos_file *f, const void *buf, size_t len, uint64_t off)
{
    memfs *fs = (memfs *)f->fs;
    mnode *n = ((mfile *)f)->node;
    if (VOS_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (len == 0) return 0;
    if (off + len > n->size) {
        int rc = set_size(fs, n, off + len);
        if (rc < 0) return rc;
    }
    memcpy(n->data + off, buf, len);
    n->mtime = n->ctime = vos_host_now(NULL);
    return (ssize_t)len;
}

static int f_fstat_locked(vos_file *f, vos_dstat *st)
{
    fill_stat((memfs *)f->fs, ((mfile *)f)->node, st);
    return 0;
}

static int f_ftruncate_locked(vos_file *f, uint64_t len)
{
    mnode *n = ((mfile *)f)->node;
    if (!VOS_S_ISREG(n->mode)) return VOS_EINVAL;
    int rc = set_size((memfs *)f->fs, n, len);
    if (rc == 0) n->mtime = n->ctime = vos_host_now(NULL);
    return rc;
}

static void f_close_locked(vos_file *f)
{
    memfs *fs = (memfs *)f->fs;
    mnode *n = ((mfile *)f)->node;
    n->opens--;
    maybe_free(fs, n);
    vos_host_free(HOST(fs), f, sizeof(mfile));
}


static int m_open_locked(vos_fs *m, const char *rel, int flags, unsigned mode, vos_file **out)
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
    int acc = flags & VOS_O_ACCMODE;
    if (n) {
        if ((flags & VOS_O_CREAT) && (flags & VOS_O_EXCL)) return VOS_EEXIST;
        if (VOS_S_ISLNK(n->mode)) return VOS_ELOOP;
        if (VOS_S_ISDIR(n->mode) && acc != VOS_O_RDONLY) return VOS_EISDIR;
        if ((flags & VOS_O_DIRECTORY) && !VOS_S_ISDIR(n->mode)) return VOS_ENOTDIR;
        if ((flags & VOS_O_TRUNC) && VOS_S_ISREG(n->mode) && acc != VOS_O_RDONLY) {
            rc = set_size(fs, n, 0);
            if (rc < 0) return rc;
            n->mtime = n->ctime = vos_host_now(NULL);
        }
    } else {
        if (!(flags & VOS_O_CREAT)) return VOS_ENOENT;
        if (flags & VOS_O_DIRECTORY) return VOS_EINVAL;
        n = node_new(fs, VOS_S_IFREG | (mode & 07777));
        if (!n) return fs->node_err;
        n->nlink = 1;
        rc = dir_add(fs, parent, last, n);
        if (rc < 0) {
            n->nlink = 0;
            node_free(fs, n);
            return rc;
        }
    }
    mfile *f = vos_host_alloc(m->host, sizeof *f);
    if (!f) return VOS_ENOMEM;
    f->base.ops = &mfile_ops;
    f->base.fs = m;
    f->node = n;
    n->opens++;
    *out = &f->base;
    return 0;
}

static int m_mkdir_locked(vos_fs *m, const char *rel, unsigned mode)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc == VOS_EBUSY) return VOS_EEXIST;
    if (rc < 0) return rc;
    if (n) return VOS_EEXIST;
    n = node_new(fs, VOS_S_IFDIR | (mode & 07777));
    if (!n) return fs->node_err;
    n->nlink = 2;
    rc = dir_add(fs, parent, last, n);
    if (rc < 0) {
        n->nlink = 0;
        node_free(fs, n);
    }
    return rc;
}

static int m_remove(vos_fs *m, const char *rel, bool dir)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc < 0) return rc;
    if (!n) return VOS_ENOENT;
    if (dir) {
        if (!VOS_S_ISDIR(n->mode)) return VOS_ENOTDIR;
        if (n->nents) return VOS_ENOTEMPTY;
    } else if (VOS_S_ISDIR(n->mode)) {
        return VOS_EISDIR;
    }
    if (dir) hint_drop(fs);
    dir_del(fs, parent, dir_find(parent, last, strlen(last)));
    if (dir)
        n->nlink = 0;
    else
        n->nlink--;
    n->ctime = vos_host_now(NULL);
    maybe_free(fs, n);
    return 0;
}
static int m_rmdir_locked(vos_fs *m, const char *rel) { return m_remove(m, rel, true); }
static int m_unlink_locked(vos_fs *m, const char *rel) { return m_remove(m, rel, false); }

static bool is_ancestor(mnode *a, mnode *d)
{
    for (; d; d = d->parent)
        if (d == a) return true;
    return false;
}

static int m_rename_locked(vos_fs *m, const char *from, const char *to)
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
    if (VOS_S_ISDIR(src->mode)) {
        if (is_ancestor(src, dp)) return VOS_EINVAL;
        if (dst) {
            if (!VOS_S_ISDIR(dst->mode)) return VOS_ENOTDIR;
            if (dst->nents) return VOS_ENOTEMPTY;
        }
    } else if (dst && VOS_S_ISDIR(dst->mode)) {
        return VOS_EISDIR;
    }
    /* make room first so a failure leaves both names as they were */
    char nmbuf[VOS_NAME_MAX + 1];
    snprintf(nmbuf, sizeof nmbuf, "%s", dl);
    if (dst) {
        dir_del(fs, dp, dir_find(dp, nmbuf, strlen(nmbuf)));
        if (VOS_S_ISDIR(dst->mode))
            dst->nlink = 0;
        else
            dst->nlink--;
        maybe_free(fs, dst);
    }
    char slbuf[VOS_NAME_MAX + 1];
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
    src->ctime = vos_host_now(NULL);
    return 0;
}

static int m_link_locked(vos_fs *m, const char *from, const char *to)
{
    memfs *fs = (memfs *)m;
    mnode *src, *dst, *dp;
    const char *dl;
    int rc = walk(fs, from, &src, NULL, NULL);
    if (rc < 0) return rc;
    if (VOS_S_ISDIR(src->mode)) return VOS_EPERM;
    rc = walk(fs, to, &dst, &dp, &dl);
    if (rc < 0) return rc;
    if (dst) return VOS_EEXIST;
    rc = dir_add(fs, dp, dl, src);
    if (rc == 0) {
        src->nlink++;
        src->ctime = vos_host_now(NULL);
    }
    return rc;
}

static int m_symlink_locked(vos_fs *m, const char *target, const char *rel)
{
    memfs *fs = (memfs *)m;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc == VOS_EBUSY) return VOS_EEXIST;
    if (rc < 0) return rc;
    if (n) return VOS_EEXIST;
    size_t tl = strlen(target);
    if (tl >= VOS_PATH_MAX) return VOS_ENAMETOOLONG;
    n = node_new(fs, VOS_S_IFLNK | 0777);
    if (!n) return fs->node_err;
    n->data = vos_host_alloc(m->host, tl + 1);
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

static ssize_t m_readlink_locked(vos_fs *m, const char *rel, char *buf, size_t len)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (!VOS_S_ISLNK(n->mode)) return VOS_EINVAL;
    size_t k = n->size < len ? (size_t)n->size : len;
    memcpy(buf, n->data, k);
    return (ssize_t)k;
}

static int m_chmod_locked(vos_fs *m, const char *rel, unsigned mode)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    n->mode = (n->mode & VOS_S_IFMT) | (mode & 07777);
    n->ctime = vos_host_now(NULL);
    return 0;
}

static int m_utimens_locked(vos_fs *m, const char *rel, const int64_t t[2])
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    int64_t now = vos_host_now(NULL);
    if (t[0] != VOS_UTIME_OMIT) n->atime = t[0] == VOS_UTIME_NOW ? now : t[0];
    if (t[1] != VOS_UTIME_OMIT) n->mtime = t[1] == VOS_UTIME_NOW ? now : t[1];
    n->ctime = now;
    return 0;
}

static int m_truncate_locked(vos_fs *m, const char *rel, uint64_t len)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (VOS_S_ISDIR(n->mode)) return VOS_EISDIR;
    if (!VOS_S_ISREG(n->mode)) return VOS_EINVAL;
    rc = set_size((memfs *)m, n, len);
    if (rc == 0) n->mtime = n->ctime = vos_host_now(NULL);
    return rc;
}

static unsigned dtype_of(uint32_t mode)
{
    switch (mode & VOS_S_IFMT) {
    case VOS_S_IFDIR: return VOS_DT_DIR;
    case VOS_S_IFREG: return VOS_DT_REG;
    case VOS_S_IFLNK: return VOS_DT_LNK;
    case VOS_S_IFCHR: return VOS_DT_CHR;
    case VOS_S_IFIFO: return VOS_DT_FIFO;
    default: return VOS_DT_UNKNOWN;
    }
}

static int m_readdir_locked(vos_fs *m, const char *rel, vos_dir_fn cb, void *ctx)
{
    mnode *n;
    int rc = walk((memfs *)m, rel, &n, NULL, NULL);
    if (rc < 0) return rc;
    if (!VOS_S_ISDIR(n->mode)) return VOS_ENOTDIR;
    for (size_t i = 0; i < n->nents; i++)
    {
        vos_dstat st;
        fill_stat((memfs *)m, n->ents[i].node, &st);
        if (cb(ctx, n->ents[i].name, n->ents[i].node->ino, dtype_of(n->ents[i].node->mode), &st))
            break;
    }
    return 0;
}

static void m_unmount(vos_fs *m)
{
    memfs *fs = (memfs *)m;
    fs->root->nlink = 0;
    node_free(fs, fs->root);
    vos_host_free(m->host, fs->hint, fs->hint_cap);
    pthread_mutex_destroy(&fs->mu);
    vos_host_free(m->host, fs, sizeof *fs);
}

/* A named pipe: only the entry lives here (the kernel gives it its pipe). */
static int m_mknod_locked(vos_fs *m, const char *rel, unsigned mode)
{
    memfs *fs = (memfs *)m;
    if (!VOS_S_ISFIFO(mode)) return VOS_EPERM;
    mnode *n, *parent;
    const char *last;
    int rc = walk(fs, rel, &n, &parent, &last);
    if (rc == VOS_EBUSY) return VOS_EEXIST;
    if (rc < 0) return rc;
    if (n) return VOS_EEXIST;
    n = node_new(fs, VOS_S_IFIFO | (mode & 07777));
    if (!n) return fs->node_err;
    n->nlink = 1;
    rc = dir_add(fs, parent, last, n);
    if (rc < 0) {
        n->nlink = 0;
        node_free(fs, n);
    }
    return rc;
}

static ssize_t f_append_locked(vos_file *f, const void *buf, size_t len, uint64_t *end)
{
    mnode *n = ((mfile *)f)->node;
    ssize_t w = f_pwrite_locked(f, buf, len, n->size);
    *end = n->size;
    return w;
}

static ssize_t f_copy_locked(vos_file *f, uint64_t off, vos_file *out, uint64_t out_off,
                             size_t n)
{
    mnode *src = ((mfile *)f)->node, *dst = ((mfile *)out)->node;
    if (!VOS_S_ISREG(src->mode) || !VOS_S_ISREG(dst->mode)) return VOS_EINVAL;
    if (off >= src->size) return 0;
    if (n > src->size - off) n = (size_t)(src->size - off);
    if (out_off + n > dst->size) {
        int rc = set_size((memfs *)out->fs, dst, out_off + n);
        if (rc < 0) return rc;
    }
    memmove(dst->data + out_off, src->data + off, n); /* src's data may have moved above */
    dst->mtime = dst->ctime = vos_host_now(NULL);
    return (ssize_t)n;
}

static int m_statfs_locked(vos_fs *m, vos_statfs *st)
{
    uint64_t bmax, bused, imax, iused;
    vos_host_quota(m->host, &bmax, &bused, &imax, &iused);
    st->bsize = 4096;
    /* the VM's filesystem quota is the size of its memory filesystems */
    if (bmax == UINT64_MAX) bmax = (uint64_t)1 << 40;
    if (imax == UINT64_MAX) imax = (uint64_t)1 << 32;
    st->blocks = bmax / 4096;
    st->bfree = st->bavail = bused < bmax ? (bmax - bused) / 4096 : 0;
    st->files = imax;
    st->ffree = iused < imax ? imax - iused : 0;
    st->namemax = VOS_NAME_MAX;
    return 0;
}

/* ---- the driver's entry points: each takes the filesystem's lock ---- */
#define LOCKED(fs, call)                                                                           \
    do {                                                                                           \
        memfs *lf_ = (memfs *)(fs);                                                                \
        pthread_mutex_lock(&lf_->mu);                                                              \
        __typeof__(call) r_ = (call);                                                              \
        pthread_mutex_unlock(&lf_->mu);                                                            \
        return r_;                                                                                 \
    } while (0)

static int m_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    LOCKED(m, m_lstat_locked(m, rel, st));
}
static int m_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                  vos_file **out)
{
    LOCKED(m, m_open_locked(m, rel, flags, mode, out));
}
static int m_mkdir(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    LOCKED(m, m_mkdir_locked(m, rel, mode));
}
static int m_mknod(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    LOCKED(m, m_mknod_locked(m, rel, mode));
}
static int m_rmdir(vos_fs *m, vos_call *c, const char *rel) { LOCKED(m, m_rmdir_locked(m, rel)); }
static int m_unlink(vos_fs *m, vos_call *c, const char *rel)
{
    LOCKED(m, m_unlink_locked(m, rel));
}
static int m_rename(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    LOCKED(m, m_rename_locked(m, from, to));
}
static int m_link(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    LOCKED(m, m_link_locked(m, from, to));
}
static int m_symlink(vos_fs *m, vos_call *c, const char *target, const char *rel)
{
    LOCKED(m, m_symlink_locked(m, target, rel));
}
static ssize_t m_readlink(vos_fs *m, vos_call *c, const char *rel, char *buf, size_t n)
{
    LOCKED(m, m_readlink_locked(m, rel, buf, n));
}
static int m_chmod(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    LOCKED(m, m_chmod_locked(m, rel, mode));
}
static int m_utimens(vos_fs *m, vos_call *c, const char *rel, const int64_t t[2])
{
    LOCKED(m, m_utimens_locked(m, rel, t));
}
static int m_truncate(vos_fs *m, vos_call *c, const char *rel, uint64_t len)
{
    LOCKED(m, m_truncate_locked(m, rel, len));
}
static int m_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    LOCKED(m, m_readdir_locked(m, rel, cb, ctx));
}
static int m_statfs(vos_fs *m, vos_call *c, vos_statfs *st) { LOCKED(m, m_statfs_locked(m, st)); }

static ssize_t f_pread(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off)
{
    LOCKED(f->fs, f_pread_locked(f, buf, n, off));
}
static ssize_t f_pwrite(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t off)
{
    LOCKED(f->fs, f_pwrite_locked(f, buf, n, off));
}
static ssize_t f_append(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t *end)
{
    LOCKED(f->fs, f_append_locked(f, buf, n, end));
}
static int f_fstat(vos_file *f, vos_call *c, vos_dstat *st) { LOCKED(f->fs, f_fstat_locked(f, st)); }
static int f_ftruncate(vos_file *f, vos_call *c, uint64_t len)
{
    LOCKED(f->fs, f_ftruncate_locked(f, len));
}
static ssize_t f_copy_range(vos_file *f, vos_call *c, uint64_t off, vos_file *out,
                            uint64_t out_off, size_t n)
{
    if (f->fs != out->fs) return VOS_EXDEV; /* two memory filesystems: two locks, no gain */
    LOCKED(f->fs, f_copy_locked(f, off, out, out_off, n));
}

static int f_close(vos_file *f, vos_call *c)
{
    memfs *fs = (memfs *)f->fs;
    pthread_mutex_lock(&fs->mu);
    f_close_locked(f);
    pthread_mutex_unlock(&fs->mu);
    return 0;
}

static const vos_file_ops mfile_ops = {
    .struct_size = sizeof(vos_file_ops),
    .pread = f_pread,
    .pwrite = f_pwrite,
    .append = f_append,
    .fstat = f_fstat,
    .ftruncate = f_ftruncate,
    .close = f_close,
    .copy_range = f_copy_range,
};

static const vos_fs_ops memfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "memfs",
    .lstat = m_lstat,
    .open = m_open,
    .mkdir = m_mkdir,
    .mknod = m_mknod,
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
    .statfs = m_statfs,
    .unmount = m_unmount,
};

int memfs_new(vos_host *h, vos_fs **out)
{
    memfs *fs = vos_host_alloc(h, sizeof *fs);
    if (!fs) return VOS_ENOMEM;
    memset(fs, 0, sizeof *fs);
    fs->base.ops = &memfs_ops;
    fs->base.host = h;
    fs->base.flags = VOS_FS_NOBLOCK;
    pthread_mutex_init(&fs->mu, NULL);
    fs->next_ino = 1;
    fs->root = node_new(fs, VOS_S_IFDIR | 0755);
    if (!fs->root) {
        pthread_mutex_destroy(&fs->mu);
        vos_host_free(h, fs, sizeof *fs);
        return VOS_ENOMEM;
    }
    fs->root->nlink = 2;
    *out = &fs->base;
    return 0;
}

static int memfs_mount(vos_host *h, const vos_mount_args *a, vos_fs **out)
{
    (void)a;
    return memfs_new(h, out);
}

const vos_driver vk_memfs_driver = {
    .struct_size = sizeof(vos_driver),
    .version = VOS_DRIVER_VERSION,
    .name = "memfs",
    .mount = memfs_mount,
};
