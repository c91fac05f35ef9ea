/* fs_overlay.c: the copy-on-write overlay, called through its vtable over a read-only hostfs
 * lower (and a memfs lower). Every test that writes compares a snapshot of the host tree
 * (types, modes, sizes, contents, link targets, mtimes and ctimes) before and after: the lower
 * must never change. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "fs/hostfs.h"
#include "fs/memfs.h"
#include "fs/overlay.h"
#include "kernel/internal.h"
#include "test.h"

/* ---- host side ---- */

static void put(const char *dir, const char *rel, const char *data, mode_t mode)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) test_fail(__FILE__, __LINE__, "open %s: %s", p, strerror(errno));
    size_t n = strlen(data);
    if (write(fd, data, n) != (ssize_t)n) test_fail(__FILE__, __LINE__, "write %s", p);
    fchmod(fd, mode);
    close(fd);
}

static void put_dir(const char *dir, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    if (mkdir(p, 0755) < 0) test_fail(__FILE__, __LINE__, "mkdir %s: %s", p, strerror(errno));
}

static void put_link(const char *dir, const char *rel, const char *target)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    if (symlink(target, p) < 0) test_fail(__FILE__, __LINE__, "symlink %s", p);
}

/* The lower tree most tests use. */
static const char *make_lower(void)
{
    const char *d = test_tmpdir();
    put(d, "a.txt", "lower a\n", 0644);
    put(d, "exec.sh", "#!/bin/sh\n", 0755);
    put_dir(d, "dir");
    put(d, "dir/b.txt", "lower b\n", 0640);
    put_dir(d, "dir/sub");
    put(d, "dir/sub/c.txt", "lower c\n", 0644);
    put_dir(d, "empty");
    put_link(d, "link", "a.txt");
    put_link(d, "abs", "/etc/passwd");
    return d;
}

typedef struct snap {
    char *buf;
    size_t len, cap;
} snap;

static void snap_add(snap *s, const char *text)
{
    size_t n = strlen(text);
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        if (!s->buf) abort();
    }
    memcpy(s->buf + s->len, text, n + 1);
    s->len += n;
}

static void snap_walk(snap *s, const char *root, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s%s%s", root, *rel ? "/" : "", rel);
    struct stat sb;
    if (lstat(p, &sb) < 0) test_fail(__FILE__, __LINE__, "lstat %s", p);
    char line[8192];
    char extra[4096] = "";
    if (S_ISLNK(sb.st_mode)) {
        ssize_t n = readlink(p, extra, sizeof extra - 1);
        extra[n > 0 ? n : 0] = 0;
    } else if (S_ISREG(sb.st_mode)) {
        int fd = open(p, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, extra, sizeof extra - 1) : -1;
        if (fd >= 0) close(fd);
        extra[n > 0 ? n : 0] = 0;
    }
    snprintf(line, sizeof line, "%s %o %lld %lld.%09ld %lld.%09ld [%s]\n", *rel ? rel : ".",
             (unsigned)sb.st_mode, (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
             sb.st_mtim.tv_nsec, (long long)sb.st_ctim.tv_sec, sb.st_ctim.tv_nsec, extra);
    snap_add(s, line);
    if (!S_ISDIR(sb.st_mode)) return;
    struct dirent **ents;
    int n = scandir(p, &ents, NULL, alphasort);
    if (n < 0) test_fail(__FILE__, __LINE__, "scandir %s", p);
    for (int i = 0; i < n; i++) {
        const char *nm = ents[i]->d_name;
        if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
            char child[4096];
            snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", nm);
            snap_walk(s, root, child);
        }
        free(ents[i]);
    }
    free(ents);
}

/* A description of the host tree at root (heap string; freed by the caller). */
static char *snapshot(const char *root)
{
    snap s = {NULL, 0, 0};
    snap_add(&s, "");
    snap_walk(&s, root, "");
    return s.buf;
}

#define ASSERT_LOWER_UNCHANGED(root, before)                                                       \
    do {                                                                                           \
        char *after_ = snapshot(root);                                                             \
        int same_ = strcmp(after_, (before)) == 0;                                                 \
        if (!same_) fprintf(stderr, "before:\n%s\nafter:\n%s\n", (before), after_);               \
        free(after_);                                                                              \
        if (!same_) {                                                                              \
            free(before);                                                                          \
            test_fail(__FILE__, __LINE__, "the lower tree changed");                               \
        }                                                                                          \
        free(before);                                                                              \
    } while (0)

/* ---- driver side ---- */

static vos_fs *mount_overlay(vos_vm *vm, const char *dir)
{
    vos_fs *lower = NULL, *m = NULL;
    ASSERT_OK(hostfs_new(vk_host(api_kvm(vm)), dir, true, &lower));
    ASSERT_OK(overlay_new(vk_host(api_kvm(vm)), lower, &m));
    return m;
}

/* Whole file (static buffer), or NULL with *rc set. */
static const char *rd(vos_fs *m, const char *rel)
{
    static char buf[1 << 16];
    vos_file *f;
    if (m->ops->open(m, NULL, rel, VK_O_RDONLY, 0, &f) < 0) return NULL;
    ssize_t n = f->ops->pread(f, NULL, buf, sizeof buf - 1, 0);
    f->ops->close(f, NULL);
    if (n < 0) return NULL;
    buf[n] = 0;
    return buf;
}

static int wr(vos_fs *m, const char *rel, const char *data)
{
    vos_file *f;
    int rc = m->ops->open(m, NULL, rel, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0644, &f);
    if (rc < 0) return rc;
    ssize_t n = f->ops->pwrite(f, NULL, data, strlen(data), 0);
    f->ops->close(f, NULL);
    return n < 0 ? (int)n : 0;
}

typedef struct lsctx {
    char names[64][64];
    uint64_t inos[64];
    unsigned types[64];
    int n;
} lsctx;

static int ls_cb(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                 const vos_dstat *st_)
{
    lsctx *l = ctx;
    if (l->n < 64) {
        snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
        l->inos[l->n] = ino;
        l->types[l->n] = dtype;
        l->n++;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* Sorted listing joined by spaces (a duplicate shows twice), or "ERR NAME". */
static const char *ls(vos_fs *m, const char *rel)
{
    static char out[4096];
    lsctx l;
    memset(&l, 0, sizeof l);
    int rc = m->ops->readdir(m, NULL, rel, ls_cb, &l);
    if (rc < 0) {
        snprintf(out, sizeof out, "ERR %s", vos_errname(rc));
        return out;
    }
    qsort(l.names, (size_t)l.n, sizeof l.names[0], cmp_str);
    out[0] = 0;
    for (int i = 0; i < l.n; i++) {
        if (i) strcat(out, " ");
        strcat(out, l.names[i]);
    }
    return out;
}

static int lst(vos_fs *m, const char *rel, vos_dstat *st) { return m->ops->lstat(m, NULL, rel, st); }

/* ---- tests ---- */

TEST(overlay_reads_through)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_OK(lst(m, "a.txt", &st));
    ASSERT(VK_S_ISREG(st.mode));
    ASSERT_EQ(st.size, 8);
    ASSERT_EQ(st.dev, 0); /* the kernel fills in the mount's id */
    ASSERT_EQ(st.mode & 07777, 0644);
    struct stat sb;
    char p[4096];
    snprintf(p, sizeof p, "%s/a.txt", d);
    ASSERT_OK(lstat(p, &sb));
    ASSERT_EQ(st.ino, sb.st_ino);
    ASSERT_STR(rd(m, "a.txt"), "lower a\n");
    ASSERT_STR(rd(m, "dir/sub/c.txt"), "lower c\n");
    ASSERT_STR(ls(m, ""), "a.txt abs dir empty exec.sh link");
    ASSERT_STR(ls(m, "dir"), "b.txt sub");
    ASSERT_STR(ls(m, "a.txt"), "ERR ENOTDIR");
    char buf[64];
    ssize_t n = m->ops->readlink(m, NULL, "abs", buf, sizeof buf);
    ASSERT_EQ(n, 11);
    ASSERT_EQ(memcmp(buf, "/etc/passwd", 11), 0);
    ASSERT_OK(lst(m, "link", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    vos_file *f;
    ASSERT_RC(m->ops->open(m, NULL, "link", VK_O_RDONLY, 0, &f), VOS_ELOOP);
    ASSERT_RC(m->ops->open(m, NULL, "nope", VK_O_RDONLY, 0, &f), VOS_ENOENT);
    ASSERT_RC(lst(m, "a.txt/x", &st), VOS_ENOTDIR);

    /* the root shows the lower root's mode and times */
    ASSERT_OK(lstat(d, &sb));
    ASSERT_OK(lst(m, "", &st));
    ASSERT(VK_S_ISDIR(st.mode));
    ASSERT_EQ(st.mode & 07777, sb.st_mode & 07777);
    ASSERT_EQ(st.mtime_ns, (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec);

    /* a lower file opened for reading: fstat agrees with lstat */
    ASSERT_OK(m->ops->open(m, NULL, "dir/b.txt", VK_O_RDONLY, 0, &f));
    vos_dstat fst;
    ASSERT_OK(f->ops->fstat(f, NULL, &fst));
    ASSERT_RC((int)f->ops->pwrite(f, NULL, "x", 1, 0), VOS_EBADF);
    f->ops->close(f, NULL);
    ASSERT_OK(lst(m, "dir/b.txt", &st));
    ASSERT_EQ(fst.ino, st.ino);
    ASSERT_EQ(fst.dev, 0);
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_copy_up_keeps_data_mode_times)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat low, dir_before, st;
    ASSERT_OK(lst(m, "exec.sh", &low));
    ASSERT_OK(lst(m, "dir", &dir_before));

    /* chmod copies up: same data, same mtime, new mode */
    ASSERT_OK(m->ops->chmod(m, NULL, "exec.sh", 0700));
    ASSERT_OK(lst(m, "exec.sh", &st));
    ASSERT_EQ(st.mode & 07777, 0700);
    ASSERT_EQ(st.size, low.size);
    ASSERT_EQ(st.mtime_ns, low.mtime_ns);
    ASSERT(st.ino != low.ino);
    ASSERT_STR(rd(m, "exec.sh"), "#!/bin/sh\n");

    /* a write in the middle keeps the rest; mode 0640 survives the copy-up */
    vos_file *f;
    ASSERT_OK(m->ops->open(m, NULL, "dir/b.txt", VK_O_RDWR, 0, &f));
    ASSERT_EQ(f->ops->pwrite(f, NULL, "L", 1, 0), 1);
    vos_dstat fst;
    ASSERT_OK(f->ops->fstat(f, NULL, &fst));
    f->ops->close(f, NULL);
    ASSERT_STR(rd(m, "dir/b.txt"), "Lower b\n");
    ASSERT_OK(lst(m, "dir/b.txt", &st));
    ASSERT_EQ(st.mode & 07777, 0640);
    ASSERT_EQ(st.ino, fst.ino);
    ASSERT_EQ(st.dev, 0); /* the kernel fills in the mount's id */
    /* copying up the parent directory is not a change to it */
    ASSERT_OK(lst(m, "dir", &st));
    ASSERT_EQ(st.mtime_ns, dir_before.mtime_ns);
    ASSERT_EQ(st.mode, dir_before.mode);
    ASSERT_STR(ls(m, "dir"), "b.txt sub");
    ASSERT_STR(rd(m, "dir/sub/c.txt"), "lower c\n");

    /* O_TRUNC copies up without the data */
    ASSERT_OK(wr(m, "a.txt", "new"));
    ASSERT_STR(rd(m, "a.txt"), "new");
    /* utimens copies up too */
    int64_t t[2] = {5000000000LL, 7000000000LL};
    ASSERT_OK(m->ops->utimens(m, NULL, "dir/sub/c.txt", t));
    ASSERT_OK(lst(m, "dir/sub/c.txt", &st));
    ASSERT_EQ(st.mtime_ns, 7000000000LL);
    ASSERT_STR(rd(m, "dir/sub/c.txt"), "lower c\n");
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_whiteout_and_recreate)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_OK(m->ops->unlink(m, NULL, "a.txt"));
    ASSERT_RC(lst(m, "a.txt", &st), VOS_ENOENT);
    ASSERT(rd(m, "a.txt") == NULL);
    ASSERT_STR(ls(m, ""), "abs dir empty exec.sh link");
    ASSERT_RC(m->ops->unlink(m, NULL, "a.txt"), VOS_ENOENT);
    ASSERT_RC(m->ops->chmod(m, NULL, "a.txt", 0600), VOS_ENOENT);

    ASSERT_OK(wr(m, "a.txt", "again"));
    ASSERT_STR(rd(m, "a.txt"), "again");
    ASSERT_STR(ls(m, ""), "a.txt abs dir empty exec.sh link");
    ASSERT_OK(m->ops->unlink(m, NULL, "a.txt"));
    ASSERT_RC(lst(m, "a.txt", &st), VOS_ENOENT);
    /* a directory where a file was, and a file where a directory was */
    ASSERT_OK(m->ops->mkdir(m, NULL, "a.txt", 0755));
    ASSERT_STR(ls(m, "a.txt"), "");
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/sub/c.txt"));
    ASSERT_OK(m->ops->rmdir(m, NULL, "dir/sub"));
    ASSERT_OK(wr(m, "dir/sub", "now a file"));
    ASSERT_RC(lst(m, "dir/sub/c.txt", &st), VOS_ENOTDIR);
    ASSERT_STR(ls(m, "dir"), "b.txt sub");

    /* symlinks are whited out like files */
    ASSERT_OK(m->ops->unlink(m, NULL, "link"));
    ASSERT_RC(lst(m, "link", &st), VOS_ENOENT);
    ASSERT_OK(m->ops->symlink(m, NULL, "exec.sh", "link"));
    char buf[32];
    ASSERT_EQ(m->ops->readlink(m, NULL, "link", buf, sizeof buf), 7);
    ASSERT_STR(ls(m, ""), "a.txt abs dir empty exec.sh link");
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_opaque_directories)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_RC(m->ops->rmdir(m, NULL, "dir"), VOS_ENOTEMPTY);
    ASSERT_RC(m->ops->rmdir(m, NULL, "dir/sub"), VOS_ENOTEMPTY);
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/sub/c.txt"));
    ASSERT_STR(ls(m, "dir/sub"), "");
    ASSERT_OK(m->ops->rmdir(m, NULL, "dir/sub"));
    ASSERT_RC(lst(m, "dir/sub", &st), VOS_ENOENT);
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/b.txt"));
    ASSERT_OK(m->ops->rmdir(m, NULL, "dir"));
    ASSERT_RC(lst(m, "dir/b.txt", &st), VOS_ENOENT);
    ASSERT_STR(ls(m, ""), "a.txt abs empty exec.sh link");

    /* re-made directories are opaque: the lower contents stay hidden */
    ASSERT_OK(m->ops->mkdir(m, NULL, "dir", 0700));
    ASSERT_STR(ls(m, "dir"), "");
    ASSERT_RC(lst(m, "dir/b.txt", &st), VOS_ENOENT);
    ASSERT_RC(lst(m, "dir/sub/c.txt", &st), VOS_ENOENT);
    ASSERT(rd(m, "dir/b.txt") == NULL);
    ASSERT_OK(m->ops->mkdir(m, NULL, "dir/sub", 0755));
    ASSERT_STR(ls(m, "dir/sub"), "");
    ASSERT_OK(wr(m, "dir/sub/new", "n"));
    ASSERT_STR(ls(m, "dir/sub"), "new");
    ASSERT_OK(lst(m, "dir", &st));
    ASSERT_EQ(st.mode & 07777, 0700);

    ASSERT_OK(m->ops->rmdir(m, NULL, "empty"));
    ASSERT_RC(m->ops->rmdir(m, NULL, "empty"), VOS_ENOENT);
    ASSERT_OK(m->ops->mkdir(m, NULL, "empty", 0755));
    ASSERT_RC(m->ops->rmdir(m, NULL, "a.txt"), VOS_ENOTDIR);
    ASSERT_RC(m->ops->rmdir(m, NULL, ""), VOS_EBUSY);
    ASSERT_RC(m->ops->unlink(m, NULL, "empty"), VOS_EISDIR);
    ASSERT_RC(m->ops->mkdir(m, NULL, "empty", 0755), VOS_EEXIST);
    ASSERT_RC(m->ops->mkdir(m, NULL, "a.txt", 0755), VOS_EEXIST);
    ASSERT_RC(m->ops->mkdir(m, NULL, "nope/x", 0755), VOS_ENOENT);
    ASSERT_RC(m->ops->mkdir(m, NULL, "a.txt/x", 0755), VOS_ENOTDIR);
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_readdir_merges_without_duplicates)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    ASSERT_OK(wr(m, "dir/b.txt", "changed"));
    ASSERT_OK(wr(m, "dir/new.txt", "n"));
    ASSERT_OK(m->ops->mkdir(m, NULL, "dir/newdir", 0755));
    ASSERT_OK(m->ops->chmod(m, NULL, "dir/sub", 0700)); /* a copied-up directory stays merged */
    ASSERT_STR(ls(m, "dir"), "b.txt new.txt newdir sub");
    ASSERT_STR(ls(m, "dir/sub"), "c.txt");
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/b.txt"));
    ASSERT_STR(ls(m, "dir"), "new.txt newdir sub");

    /* the inode a directory entry reports is the one lstat reports */
    lsctx l;
    memset(&l, 0, sizeof l);
    ASSERT_OK(m->ops->readdir(m, NULL, "dir", ls_cb, &l));
    for (int i = 0; i < l.n; i++) {
        char p[128];
        snprintf(p, sizeof p, "dir/%s", l.names[i]);
        vos_dstat st;
        ASSERT_OK(lst(m, p, &st));
        ASSERT_EQ(l.inos[i], st.ino);
        ASSERT_EQ(l.types[i], VK_S_ISDIR(st.mode) ? VK_DT_DIR : VK_DT_REG);
    }
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_rename_files)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_OK(m->ops->rename(m, NULL, "a.txt", "dir/a2.txt"));
    ASSERT_RC(lst(m, "a.txt", &st), VOS_ENOENT);
    ASSERT_STR(rd(m, "dir/a2.txt"), "lower a\n");
    ASSERT_OK(m->ops->rename(m, NULL, "exec.sh", "dir/b.txt")); /* replaces a lower file */
    ASSERT_STR(rd(m, "dir/b.txt"), "#!/bin/sh\n");
    ASSERT_OK(lst(m, "dir/b.txt", &st));
    ASSERT_EQ(st.mode & 07777, 0755);
    ASSERT_STR(ls(m, ""), "abs dir empty link");
    ASSERT_STR(ls(m, "dir"), "a2.txt b.txt sub");
    ASSERT_OK(m->ops->rename(m, NULL, "link", "dir/link")); /* a symlink moves as a symlink */
    ASSERT_OK(lst(m, "dir/link", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    ASSERT_OK(m->ops->rename(m, NULL, "dir/a2.txt", "dir/a2.txt"));
    ASSERT_OK(m->ops->rename(m, NULL, "dir/a2.txt", "a.txt")); /* back over its own whiteout */
    ASSERT_STR(rd(m, "a.txt"), "lower a\n");

    ASSERT_RC(m->ops->rename(m, NULL, "nope", "x"), VOS_ENOENT);
    ASSERT_RC(m->ops->rename(m, NULL, "a.txt", "nope/x"), VOS_ENOENT);
    ASSERT_RC(m->ops->rename(m, NULL, "a.txt", "empty"), VOS_EISDIR);
    ASSERT_RC(m->ops->rename(m, NULL, "empty", "a.txt"), VOS_ENOTDIR);
    ASSERT_RC(m->ops->rename(m, NULL, "empty", "dir"), VOS_ENOTEMPTY);
    ASSERT_RC(m->ops->rename(m, NULL, "dir", "dir/sub/x"), VOS_EINVAL);
    ASSERT_RC(m->ops->rename(m, NULL, "", "x"), VOS_EBUSY);
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_rename_directories)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/b.txt")); /* a whiteout inside must move along */
    ASSERT_OK(m->ops->rename(m, NULL, "dir", "moved"));
    ASSERT_RC(lst(m, "dir", &st), VOS_ENOENT);
    ASSERT_STR(ls(m, "moved"), "sub");
    ASSERT_STR(rd(m, "moved/sub/c.txt"), "lower c\n");
    ASSERT_STR(ls(m, ""), "a.txt abs empty exec.sh link moved");
    ASSERT_OK(m->ops->mkdir(m, NULL, "dir", 0755));
    ASSERT_STR(ls(m, "dir"), "");
    /* back onto the (empty, opaque) directory: still without b.txt */
    ASSERT_OK(m->ops->rename(m, NULL, "moved", "dir"));
    ASSERT_STR(ls(m, "dir"), "sub");
    ASSERT_RC(lst(m, "dir/b.txt", &st), VOS_ENOENT);
    /* onto an empty lower directory */
    ASSERT_OK(m->ops->rename(m, NULL, "dir", "empty"));
    ASSERT_STR(ls(m, "empty"), "sub");
    ASSERT_STR(ls(m, "empty/sub"), "c.txt");
    ASSERT_STR(ls(m, ""), "a.txt abs empty exec.sh link");
    /* an upper-only directory */
    ASSERT_OK(m->ops->mkdir(m, NULL, "fresh", 0755));
    ASSERT_OK(wr(m, "fresh/f", "f"));
    ASSERT_OK(m->ops->rename(m, NULL, "fresh", "fresh2"));
    ASSERT_STR(rd(m, "fresh2/f"), "f");
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_symlinks_truncate_link)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    int64_t t[2] = {1000000000LL, 3000000000LL};
    ASSERT_OK(m->ops->utimens(m, NULL, "link", t)); /* copies the symlink up as a symlink */
    ASSERT_OK(lst(m, "link", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    ASSERT_EQ(st.mtime_ns, 3000000000LL);
    char buf[32];
    ASSERT_EQ(m->ops->readlink(m, NULL, "link", buf, sizeof buf), 5);
    ASSERT_EQ(memcmp(buf, "a.txt", 5), 0);

    ASSERT_OK(m->ops->truncate(m, NULL, "a.txt", 3));
    ASSERT_STR(rd(m, "a.txt"), "low");
    ASSERT_OK(m->ops->truncate(m, NULL, "dir/b.txt", 10));
    ASSERT_OK(lst(m, "dir/b.txt", &st));
    ASSERT_EQ(st.size, 10);
    ASSERT_RC(m->ops->truncate(m, NULL, "dir", 0), VOS_EISDIR);
    ASSERT_RC(m->ops->truncate(m, NULL, "nope", 0), VOS_ENOENT);

    ASSERT_OK(m->ops->link(m, NULL, "exec.sh", "hard"));
    ASSERT_OK(lst(m, "hard", &st));
    ASSERT_EQ(st.nlink, 2);
    vos_file *f;
    ASSERT_OK(m->ops->open(m, NULL, "hard", VK_O_WRONLY, 0, &f));
    ASSERT_EQ(f->ops->pwrite(f, NULL, "#", 1, 1), 1);
    f->ops->close(f, NULL);
    ASSERT_STR(rd(m, "exec.sh"), "##/bin/sh\n");
    ASSERT_RC(m->ops->link(m, NULL, "dir", "dirlink"), VOS_EPERM);
    ASSERT_RC(m->ops->link(m, NULL, "a.txt", "exec.sh"), VOS_EEXIST);
    ASSERT_RC(m->ops->symlink(m, NULL, "x", "a.txt"), VOS_EEXIST);
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_open_rules)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_file *f;
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0644, &f),
              VOS_EEXIST);
    ASSERT_RC(m->ops->open(m, NULL, "dir", VK_O_WRONLY, 0, &f), VOS_EISDIR);
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_RDONLY | VK_O_DIRECTORY, 0, &f), VOS_ENOTDIR);
    ASSERT_RC(m->ops->open(m, NULL, "nope/x", VK_O_WRONLY | VK_O_CREAT, 0644, &f), VOS_ENOENT);
    ASSERT_RC(m->ops->open(m, NULL, "a.txt/x", VK_O_WRONLY | VK_O_CREAT, 0644, &f), VOS_ENOTDIR);
    ASSERT_RC(m->ops->open(m, NULL, "link", VK_O_WRONLY, 0, &f), VOS_ELOOP);
    ASSERT_OK(m->ops->open(m, NULL, "dir", VK_O_RDONLY | VK_O_DIRECTORY, 0, &f));
    vos_dstat st;
    ASSERT_OK(f->ops->fstat(f, NULL, &st));
    ASSERT(VK_S_ISDIR(st.mode));
    ASSERT_EQ(st.dev, 0); /* the kernel fills in the mount's id */
    f->ops->close(f, NULL);
    /* a read-only open with O_CREAT of a lower file does not copy it up */
    ASSERT_OK(m->ops->open(m, NULL, "a.txt", VK_O_RDONLY | VK_O_CREAT, 0644, &f));
    ASSERT_OK(f->ops->fstat(f, NULL, &st));
    f->ops->close(f, NULL);
    vos_dstat l2;
    ASSERT_OK(lst(m, "a.txt", &l2));
    ASSERT_EQ(st.ino, l2.ino);
    /* deep creation copies up the whole parent chain */
    ASSERT_OK(wr(m, "dir/sub/deep.txt", "deep"));
    ASSERT_STR(ls(m, "dir/sub"), "c.txt deep.txt");
    ASSERT_STR(ls(m, "dir"), "b.txt sub");
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

/* The upper is a memfs: copying a big lower file up counts against the VM's fs quota, and a
 * failed copy-up leaves the lower file visible and nothing half-copied. */
TEST(overlay_copy_up_counts_against_quota)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.fs_bytes = 64 * 1024;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    const char *d = test_tmpdir();
    static char big[256 * 1024];
    memset(big, 'x', sizeof big - 1);
    put(d, "big", big, 0644);
    put(d, "small", "s", 0644);
    char *before = snapshot(d);
    vos_fs *m = mount_overlay(vm, d);
    vos_file *f;
    int rc = m->ops->open(m, NULL, "big", VK_O_RDWR, 0, &f);
    ASSERT_RC(rc, VOS_EFSBYTES);
    ASSERT_RC(m->ops->chmod(m, NULL, "big", 0600), VOS_EFSBYTES);
    vos_dstat st;
    ASSERT_OK(lst(m, "big", &st));
    ASSERT_EQ(st.size, sizeof big - 1);
    ASSERT_EQ(st.mode & 07777, 0644);
    ASSERT_STR(ls(m, ""), "big small");
    /* truncating to 0 needs no data: it works */
    ASSERT_OK(m->ops->truncate(m, NULL, "big", 0));
    ASSERT_OK(lst(m, "big", &st));
    ASSERT_EQ(st.size, 0);
    ASSERT_OK(wr(m, "small", "still fine"));
    m->ops->unmount(m);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_special_files_in_lower)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/fifo", d);
    ASSERT_OK(mkfifo(p, 0644));
    vos_fs *m = mount_overlay(vm, d);
    vos_dstat st;
    ASSERT_OK(lst(m, "fifo", &st));
    ASSERT(VK_S_ISFIFO(st.mode));
    vos_file *f;
    ASSERT_RC(m->ops->open(m, NULL, "fifo", VK_O_RDONLY, 0, &f), VOS_EACCES);
    ASSERT_RC(m->ops->open(m, NULL, "fifo", VK_O_WRONLY, 0, &f), VOS_EACCES);
    ASSERT_RC(m->ops->chmod(m, NULL, "fifo", 0600), VOS_EACCES);
    ASSERT_OK(m->ops->unlink(m, NULL, "fifo"));
    ASSERT_STR(ls(m, ""), "");
    ASSERT_OK(lstat(p, (struct stat *)&(struct stat){0}));
    m->ops->unmount(m);
}

/* The overlay works over any driver: here a memfs lower, checked directly after the writes. */
TEST(overlay_over_memfs_lower)
{
    vos_vm *vm = test_vm_new();
    vos_fs *lower, *m;
    ASSERT_OK(memfs_new(vk_host(api_kvm(vm)), &lower));
    ASSERT_OK(lower->ops->mkdir(lower, NULL, "d", 0755));
    ASSERT_OK(wr(lower, "d/f", "lower"));
    ASSERT_RC(overlay_new(vk_host(api_kvm(vm)), NULL, &m), VOS_EINVAL);
    ASSERT_OK(overlay_new(vk_host(api_kvm(vm)), lower, &m));
    ASSERT(lower->flags & VOS_FS_RDONLY);
    ASSERT_OK(wr(m, "d/f", "upper"));
    ASSERT_OK(wr(m, "d/g", "new"));
    ASSERT_OK(m->ops->rename(m, NULL, "d", "e"));
    ASSERT_STR(rd(m, "e/f"), "upper");
    ASSERT_STR(ls(m, ""), "e");
    ASSERT_STR(rd(lower, "d/f"), "lower");
    ASSERT_STR(ls(lower, "d"), "f");
    /* upper and lower inode numbers never collide */
    vos_dstat a, b;
    ASSERT_OK(lst(m, "e/g", &a));
    ASSERT_OK(lower->ops->lstat(lower, NULL, "d/f", &b));
    ASSERT(a.ino != b.ino);
    m->ops->unmount(m);
}

/* Removing a lower tree file by file leaves one whiteout per file until the directory itself
 * goes; then one entry remains, so the table does not grow with everything ever deleted. */
TEST(overlay_whiteouts_collapse_on_rmdir)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    put_dir(d, "many");
    char rel[64];
    for (int i = 0; i < 200; i++) {
        snprintf(rel, sizeof rel, "many/file-with-a-longish-name-%03d", i);
        put(d, rel, "x", 0644);
    }
    vos_fs *m = mount_overlay(vm, d);
    size_t base = vos_vm_mem_used(vm);
    for (int i = 0; i < 200; i++) {
        snprintf(rel, sizeof rel, "many/file-with-a-longish-name-%03d", i);
        ASSERT_OK(m->ops->unlink(m, NULL, rel));
    }
    size_t full = vos_vm_mem_used(vm);
    ASSERT(full > base + 200 * 40);
    ASSERT_OK(m->ops->rmdir(m, NULL, "many"));
    size_t after = vos_vm_mem_used(vm);
    ASSERT(after + 200 * 40 < full);
    ASSERT_STR(ls(m, ""), "");
    m->ops->unmount(m);
}

/* ---- end to end: vos_mount(VOS_MOUNT_OVERLAY) ---- */

/* Run a script and check stdout and status (test.h's ASSERT_EXEC cannot be used: its parameter
 * names `out` and `status` are also the member names it reads). */
#define EXPECT_EXEC(vm, script, want_out, want_status)                                             \
    expect_exec((vm), (script), (want_out), (want_status), __LINE__)
static void expect_exec(vos_vm *vm, const char *script, const char *want_out, int want_status,
                        int line)
{
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, script, &r);
    if (rc != 0 || strcmp(r.out, want_out) != 0 || r.status != want_status) {
        char msg[2048];
        snprintf(msg, sizeof msg, "exec %s\n  rc %d, status %d (want %d)\n  out:  \"%s\"\n"
                 "  want: \"%s\"\n  err:  \"%s\"", script, rc, r.status, want_status, r.out,
                 want_out, r.err ? r.err : "");
        vos_result_free(&r);
        test_fail(__FILE__, line, "%s", msg);
    }
    vos_result_free(&r);
}

static void vm_mount_overlay(vos_vm *vm, const char *at, const char *host)
{
    vos_mount_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.struct_size = sizeof spec;
    spec.kind = VOS_MOUNT_OVERLAY;
    spec.host_path = host;
    ASSERT_OK(vos_mount(vm, at, &spec));
}

static const char *vm_ls(vos_vm *vm, const char *path)
{
    static char out[4096];
    char **names = NULL;
    size_t n = 0;
    int rc = vos_list_dir(vm, path, &names, &n);
    if (rc < 0) {
        snprintf(out, sizeof out, "ERR %s", vos_errname(rc));
        return out;
    }
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(out, " ");
        strcat(out, names[i]);
    }
    vos_free_list(names, n);
    return out;
}

TEST(overlay_e2e_api)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vm_mount_overlay(vm, "/work", d);
    ASSERT_OK(vos_write_file(vm, "/work/a.txt", "changed", 7, 0644));
    ASSERT_OK(vos_write_file(vm, "/work/dir/new", "n", 1, 0600));
    ASSERT_OK(vos_remove(vm, "/work/dir/sub", 1));
    ASSERT_OK(vos_rename(vm, "/work/dir", "/work/renamed"));
    ASSERT_OK(vos_remove(vm, "/work/exec.sh", 0));
    ASSERT_OK(vos_mkdir(vm, "/work/dir", 0755, 0));
    ASSERT_STR(vm_ls(vm, "/work"), "a.txt abs dir empty link renamed");
    ASSERT_STR(vm_ls(vm, "/work/renamed"), "b.txt new");
    ASSERT_STR(vm_ls(vm, "/work/dir"), "");
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/work/link", &data, &len)); /* link -> a.txt, in the VM */
    ASSERT_EQ(len, 7);
    ASSERT_EQ(memcmp(data, "changed", 7), 0);
    vos_free(data);
    ASSERT_LOWER_UNCHANGED(d, before);
}

TEST(overlay_e2e_shell)
{
    vos_vm *vm = test_vm_new();
    const char *d = make_lower();
    char *before = snapshot(d);
    vm_mount_overlay(vm, "/work", d);
    EXPECT_EXEC(vm, "cd /work && echo more >> a.txt && while read -r l; do echo \"$l\"; done < a.txt",
                "lower a\nmore\n", 0);
    EXPECT_EXEC(vm, "cd /work && rm -rf dir && mkdir dir && shopt -s nullglob && set -- dir/* && "
                    "echo $#", "0\n", 0);
    EXPECT_EXEC(vm, "cd /work && mv exec.sh empty/ && echo empty/*", "empty/exec.sh\n", 0);
    vos_stat st;
    st.struct_size = sizeof st;
    ASSERT_OK(vos_stat_path(vm, "/work/empty/exec.sh", &st));
    ASSERT_EQ(st.mode & 07777, 0755);
    EXPECT_EXEC(vm, "cd /work && mv renamed-not-there x 2>/dev/null; mv dir/ d2 && echo *",
                "a.txt abs d2 empty link\n", 0);
    EXPECT_EXEC(vm, "read -r first < /work/abs && cd /work/../.. && pwd", "/\n", 0);
    ASSERT_LOWER_UNCHANGED(d, before);
}
