/* fs_hostfs.c: the host directory driver, called through its vtable (and end to end through
 * vos_mount): reads, writes, read-only refusals, and above all containment: host symlinks are
 * never followed, a directory swapped for a symlink is refused, special files never open. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api.h"
#include "fs/hostfs.h"
#include "fs/memfs.h"
#include "fs/overlay.h"
#include "kernel/internal.h"
#include "test.h"

/* ---- host-side helpers (the test may touch the host directly; the driver may not) ---- */

static void host_write(const char *dir, const char *rel, const char *data)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (!f) test_fail(__FILE__, __LINE__, "fopen %s: %s", p, strerror(errno));
    fputs(data, f);
    fclose(f);
}

static void host_mkdir(const char *dir, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    if (mkdir(p, 0755) < 0) test_fail(__FILE__, __LINE__, "mkdir %s: %s", p, strerror(errno));
}

static void host_symlink(const char *dir, const char *rel, const char *target)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    if (symlink(target, p) < 0)
        test_fail(__FILE__, __LINE__, "symlink %s: %s", p, strerror(errno));
}

/* Contents of a host file, "" when missing (static buffer). */
static const char *host_read(const char *dir, const char *rel)
{
    static char buf[4096];
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    buf[0] = 0;
    int fd = open(p, O_RDONLY | O_NOFOLLOW);
    if (fd < 0) return buf;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

static int host_lstat(const char *dir, const char *rel, struct stat *sb)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return lstat(p, sb) < 0 ? -errno : 0;
}

/* ---- driver-side helpers ---- */

static vos_fs *mount_host(vos_vm *vm, const char *dir, bool ro)
{
    vos_fs *m = NULL;
    ASSERT_OK(hostfs_new(vk_host(api_kvm(vm)), dir, ro, &m));
    ASSERT(m != NULL);
    return m;
}

/* Whole file through the vtable (static buffer); returns the open/read error or 0. */
static int drv_read(vos_fs *m, const char *rel, const char **out)
{
    static char buf[8192];
    vos_file *f;
    int rc = m->ops->open(m, NULL, rel, VK_O_RDONLY, 0, &f);
    if (rc < 0) return rc;
    ssize_t n = f->ops->pread(f, NULL, buf, sizeof buf - 1, 0);
    f->ops->close(f, NULL);
    if (n < 0) return (int)n;
    buf[n] = 0;
    *out = buf;
    return 0;
}

static int drv_write(vos_fs *m, const char *rel, const char *data, unsigned mode)
{
    vos_file *f;
    int rc = m->ops->open(m, NULL, rel, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode, &f);
    if (rc < 0) return rc;
    ssize_t n = f->ops->pwrite(f, NULL, data, strlen(data), 0);
    f->ops->close(f, NULL);
    return n < 0 ? (int)n : 0;
}

typedef struct listing {
    char names[64][64];
    unsigned types[64];
    int n;
    int stop_after; /* 0: never */
} listing;

static int list_cb(void *ctx, const char *name, uint64_t ino, unsigned dtype,
                   const vos_dstat *st_)
{
    listing *l = ctx;
    if (l->n < 64) {
        snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
        l->types[l->n] = dtype;
        l->n++;
    }
    return l->stop_after && l->n >= l->stop_after;
}

static int cmp_names(const void *a, const void *b) { return strcmp(a, b); }

/* Sorted names of a directory joined by spaces (static buffer), or "ERR <code>". */
static const char *drv_ls(vos_fs *m, const char *rel)
{
    static char out[4096];
    listing l;
    memset(&l, 0, sizeof l);
    int rc = m->ops->readdir(m, NULL, rel, list_cb, &l);
    if (rc < 0) {
        snprintf(out, sizeof out, "ERR %s", vos_errname(rc));
        return out;
    }
    qsort(l.names, (size_t)l.n, sizeof l.names[0], cmp_names);
    out[0] = 0;
    for (int i = 0; i < l.n; i++) {
        if (i) strcat(out, " ");
        strcat(out, l.names[i]);
    }
    return out;
}

static unsigned type_of(vos_fs *m, const char *dir, const char *name)
{
    listing l;
    memset(&l, 0, sizeof l);
    if (m->ops->readdir(m, NULL, dir, list_cb, &l) < 0) return 999;
    for (int i = 0; i < l.n; i++)
        if (strcmp(l.names[i], name) == 0) return l.types[i];
    return 998;
}

/* ---- tests ---- */

TEST(hostfs_new_errors)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "file", "x");
    char p[4096];
    vos_fs *m = NULL;
    snprintf(p, sizeof p, "%s/missing", d);
    ASSERT_RC(hostfs_new(vk_host(api_kvm(vm)), p, false, &m), VOS_ENOENT);
    snprintf(p, sizeof p, "%s/file", d);
    ASSERT_RC(hostfs_new(vk_host(api_kvm(vm)), p, false, &m), VOS_ENOTDIR);
    ASSERT_RC(hostfs_new(vk_host(api_kvm(vm)), NULL, false, &m), VOS_EINVAL);
    ASSERT_RC(hostfs_new(vk_host(api_kvm(vm)), "", false, &m), VOS_EINVAL);
    ASSERT(m == NULL);
}

TEST(hostfs_read_and_stat)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "a.txt", "hello\n");
    host_mkdir(d, "sub");
    host_write(d, "sub/b.txt", "bee");
    vos_fs *m = mount_host(vm, d, true);

    vos_dstat st;
    ASSERT_OK(m->ops->lstat(m, NULL, "", &st));
    ASSERT(VK_S_ISDIR(st.mode));
    ASSERT_OK(m->ops->lstat(m, NULL, "a.txt", &st));
    ASSERT(VK_S_ISREG(st.mode));
    ASSERT_EQ(st.size, 6);
    ASSERT_EQ(st.dev, 0); /* the kernel fills in the mount's id (see kernel_path.c) */
    struct stat sb;
    ASSERT_OK(host_lstat(d, "a.txt", &sb));
    ASSERT_EQ(st.ino, sb.st_ino);
    ASSERT_EQ(st.mtime_ns, (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec);
    ASSERT_EQ(st.mode & 07777, sb.st_mode & 07777);
    /* the host user running vos shows as the VM's user */
    ASSERT_EQ(st.uid, vos_host_uid(vk_host(api_kvm(vm))));
    ASSERT_EQ(st.gid, vos_host_gid(vk_host(api_kvm(vm))));

    const char *data;
    ASSERT_OK(drv_read(m, "a.txt", &data));
    ASSERT_STR(data, "hello\n");
    ASSERT_OK(drv_read(m, "sub/b.txt", &data));
    ASSERT_STR(data, "bee");
    ASSERT_STR(drv_ls(m, ""), "a.txt sub");
    ASSERT_STR(drv_ls(m, "sub"), "b.txt");
    ASSERT_EQ(type_of(m, "", "sub"), VK_DT_DIR);
    ASSERT_EQ(type_of(m, "", "a.txt"), VK_DT_REG);
    ASSERT_STR(drv_ls(m, "a.txt"), "ERR ENOTDIR");
    ASSERT_STR(drv_ls(m, "nope"), "ERR ENOENT");
    ASSERT_RC(m->ops->lstat(m, NULL, "nope", &st), VOS_ENOENT);
    ASSERT_RC(m->ops->lstat(m, NULL, "a.txt/x", &st), VOS_ENOTDIR);

    /* handles: fstat, a directory opens read-only but not for writing */
    vos_file *f;
    ASSERT_OK(m->ops->open(m, NULL, "sub", VK_O_RDONLY | VK_O_DIRECTORY, 0, &f));
    ASSERT_OK(f->ops->fstat(f, NULL, &st));
    ASSERT(VK_S_ISDIR(st.mode));
    char c;
    ASSERT_RC((int)f->ops->pread(f, NULL, &c, 1, 0), VOS_EISDIR);
    f->ops->close(f, NULL);
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_RDONLY | VK_O_DIRECTORY, 0, &f), VOS_ENOTDIR);
    ASSERT_RC(m->ops->open(m, NULL, "nope", VK_O_RDONLY, 0, &f), VOS_ENOENT);

    /* an early stop of readdir is honoured */
    listing l;
    memset(&l, 0, sizeof l);
    l.stop_after = 1;
    ASSERT_OK(m->ops->readdir(m, NULL, "", list_cb, &l));
    ASSERT_EQ(l.n, 1);
    m->ops->unmount(m);
}

TEST(hostfs_writes)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    vos_fs *m = mount_host(vm, d, false);
    mode_t old = umask(022);

    /* created with exactly the mode asked for, whatever the host's umask */
    ASSERT_OK(drv_write(m, "new.txt", "data", 0666));
    ASSERT_STR(host_read(d, "new.txt"), "data");
    struct stat sb;
    ASSERT_OK(host_lstat(d, "new.txt", &sb));
    ASSERT_EQ(sb.st_mode & 07777, 0666);
    ASSERT_OK(m->ops->mkdir(m, NULL, "dir", 0777));
    ASSERT_OK(host_lstat(d, "dir", &sb));
    ASSERT_EQ(sb.st_mode & 07777, 0777);
    umask(old);
    ASSERT_RC(m->ops->mkdir(m, NULL, "dir", 0755), VOS_EEXIST);
    ASSERT_RC(m->ops->mkdir(m, NULL, "", 0755), VOS_EEXIST);
    ASSERT_RC(m->ops->mkdir(m, NULL, "no/such", 0755), VOS_ENOENT);

    vos_file *f;
    ASSERT_RC(m->ops->open(m, NULL, "new.txt", VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0644, &f),
              VOS_EEXIST);
    ASSERT_RC(m->ops->open(m, NULL, "dir", VK_O_WRONLY, 0, &f), VOS_EISDIR);
    ASSERT_OK(m->ops->open(m, NULL, "new.txt", VK_O_RDWR, 0, &f));
    ASSERT_EQ(f->ops->pwrite(f, NULL, "XY", 2, 6), 2); /* past the end: a hole of zeros */
    ASSERT_OK(f->ops->ftruncate(f, NULL, 7));
    vos_dstat st;
    ASSERT_OK(f->ops->fstat(f, NULL, &st));
    ASSERT_EQ(st.size, 7);
    f->ops->close(f, NULL);
    ASSERT_EQ(memcmp(host_read(d, "new.txt"), "data\0\0X", 7), 0);

    ASSERT_OK(m->ops->rename(m, NULL, "new.txt", "dir/moved.txt"));
    ASSERT_RC(host_lstat(d, "new.txt", &sb), -ENOENT);
    ASSERT_OK(m->ops->link(m, NULL, "dir/moved.txt", "hard"));
    ASSERT_OK(m->ops->lstat(m, NULL, "hard", &st));
    ASSERT_EQ(st.nlink, 2);
    ASSERT_OK(m->ops->symlink(m, NULL, "/some/vm/path", "ln"));
    char buf[64];
    ssize_t n = m->ops->readlink(m, NULL, "ln", buf, sizeof buf);
    ASSERT_EQ(n, 13);
    ASSERT_EQ(memcmp(buf, "/some/vm/path", 13), 0);
    ASSERT_RC((int)m->ops->readlink(m, NULL, "hard", buf, sizeof buf), VOS_EINVAL);
    ASSERT_OK(m->ops->lstat(m, NULL, "ln", &st));
    ASSERT(VK_S_ISLNK(st.mode));

    ASSERT_OK(m->ops->chmod(m, NULL, "hard", 0600));
    ASSERT_OK(host_lstat(d, "hard", &sb));
    ASSERT_EQ(sb.st_mode & 07777, 0600);
    int64_t t[2] = {1000000000LL * 1000 + 5, 1000000000LL * 2000 + 7};
    ASSERT_OK(m->ops->utimens(m, NULL, "hard", t));
    ASSERT_OK(host_lstat(d, "hard", &sb));
    ASSERT_EQ(sb.st_mtim.tv_sec, 2000);
    ASSERT_EQ(sb.st_mtim.tv_nsec, 7);
    ASSERT_EQ(sb.st_atim.tv_sec, 1000);
    int64_t omit[2] = {VK_UTIME_OMIT, VK_UTIME_OMIT};
    ASSERT_OK(m->ops->utimens(m, NULL, "hard", omit));
    ASSERT_OK(host_lstat(d, "hard", &sb));
    ASSERT_EQ(sb.st_mtim.tv_sec, 2000);
    ASSERT_OK(m->ops->utimens(m, NULL, "", t)); /* the root too */
    ASSERT_OK(host_lstat(d, ".", &sb));
    ASSERT_EQ(sb.st_mtim.tv_sec, 2000);

    ASSERT_OK(m->ops->truncate(m, NULL, "hard", 2));
    ASSERT_STR(host_read(d, "dir/moved.txt"), "da");
    ASSERT_RC(m->ops->truncate(m, NULL, "dir", 0), VOS_EISDIR);

    ASSERT_RC(m->ops->rmdir(m, NULL, "dir"), VOS_ENOTEMPTY);
    ASSERT_RC(m->ops->unlink(m, NULL, "dir"), VOS_EISDIR);
    ASSERT_RC(m->ops->rmdir(m, NULL, "hard"), VOS_ENOTDIR);
    ASSERT_RC(m->ops->rmdir(m, NULL, ""), VOS_EBUSY);
    ASSERT_RC(m->ops->link(m, NULL, "dir", "dirlink"), VOS_EPERM);
    ASSERT_OK(m->ops->unlink(m, NULL, "dir/moved.txt"));
    ASSERT_OK(m->ops->rmdir(m, NULL, "dir"));
    ASSERT_OK(m->ops->unlink(m, NULL, "ln"));
    ASSERT_OK(m->ops->unlink(m, NULL, "hard"));
    ASSERT_STR(drv_ls(m, ""), "");
    m->ops->unmount(m);
}

TEST(hostfs_readonly_refuses_writes)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "a.txt", "keep");
    host_mkdir(d, "dir");
    host_symlink(d, "ln", "a.txt");
    vos_fs *m = mount_host(vm, d, true);
    vos_file *f = NULL;
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_WRONLY, 0, &f), VOS_EROFS);
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_RDWR, 0, &f), VOS_EROFS);
    ASSERT_RC(m->ops->open(m, NULL, "a.txt", VK_O_RDONLY | VK_O_TRUNC, 0, &f), VOS_EROFS);
    ASSERT_RC(m->ops->open(m, NULL, "b.txt", VK_O_WRONLY | VK_O_CREAT, 0644, &f), VOS_EROFS);
    ASSERT_RC(m->ops->open(m, NULL, "b.txt", VK_O_RDONLY | VK_O_CREAT, 0644, &f), VOS_EROFS);
    ASSERT_RC(m->ops->mkdir(m, NULL, "newdir", 0755), VOS_EROFS);
    ASSERT_RC(m->ops->mkdir(m, NULL, "dir", 0755), VOS_EEXIST);
    ASSERT_RC(m->ops->rmdir(m, NULL, "dir"), VOS_EROFS);
    ASSERT_RC(m->ops->unlink(m, NULL, "a.txt"), VOS_EROFS);
    ASSERT_RC(m->ops->unlink(m, NULL, "ln"), VOS_EROFS);
    ASSERT_RC(m->ops->rename(m, NULL, "a.txt", "c.txt"), VOS_EROFS);
    ASSERT_RC(m->ops->link(m, NULL, "a.txt", "c.txt"), VOS_EROFS);
    ASSERT_RC(m->ops->symlink(m, NULL, "x", "c.txt"), VOS_EROFS);
    ASSERT_RC(m->ops->chmod(m, NULL, "a.txt", 0777), VOS_EROFS);
    int64_t t[2] = {VK_UTIME_NOW, VK_UTIME_NOW};
    ASSERT_RC(m->ops->utimens(m, NULL, "a.txt", t), VOS_EROFS);
    ASSERT_RC(m->ops->truncate(m, NULL, "a.txt", 0), VOS_EROFS);
    /* a read-only open of an existing file with O_CREAT is fine, as on Linux */
    ASSERT_OK(m->ops->open(m, NULL, "a.txt", VK_O_RDONLY | VK_O_CREAT, 0644, &f));
    ASSERT_RC((int)f->ops->pwrite(f, NULL, "x", 1, 0), VOS_EROFS);
    ASSERT_RC(f->ops->ftruncate(f, NULL, 0), VOS_EROFS);
    f->ops->close(f, NULL);

    ASSERT_STR(host_read(d, "a.txt"), "keep");
    struct stat sb;
    ASSERT_RC(host_lstat(d, "b.txt", &sb), -ENOENT);
    ASSERT_RC(host_lstat(d, "newdir", &sb), -ENOENT);
    ASSERT_STR(drv_ls(m, ""), "a.txt dir ln");
    m->ops->unmount(m);
}

/* Host symlinks pointing out of the mount (absolute, or ../..) are reported as symlinks with
 * their text, and the host never follows them: not as a last component, not in the middle. */
TEST(hostfs_symlinks_never_followed)
{
    vos_vm *vm = test_vm_new();
    const char *outside = test_tmpdir();
    host_write(outside, "secret", "HOST SECRET");
    const char *d = test_tmpdir();
    char target[4096];
    snprintf(target, sizeof target, "%s/secret", outside);
    host_symlink(d, "abs", target);
    host_symlink(d, "etc", "/etc");
    host_symlink(d, "up", "../..");
    host_symlink(d, "dangling", "/tmp/vos-hostfs-should-never-exist");
    snprintf(target, sizeof target, "%s", outside);
    host_symlink(d, "outdir", target);
    host_write(d, "plain", "p");
    host_symlink(d, "rel", "plain");
    struct stat before;
    ASSERT_OK(host_lstat(outside, "secret", &before));
    vos_fs *m = mount_host(vm, d, false);

    vos_dstat st;
    ASSERT_OK(m->ops->lstat(m, NULL, "etc", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    char buf[256];
    ssize_t n = m->ops->readlink(m, NULL, "up", buf, sizeof buf);
    ASSERT_EQ(n, 5);
    ASSERT_EQ(memcmp(buf, "../..", 5), 0);
    ASSERT_EQ(type_of(m, "", "abs"), VK_DT_LNK);

    vos_file *f = NULL;
    const char *data = NULL;
    ASSERT_RC(drv_read(m, "abs", &data), VOS_ELOOP);
    ASSERT_RC(drv_read(m, "rel", &data), VOS_ELOOP);
    ASSERT_RC(drv_read(m, "etc/passwd", &data), VOS_ELOOP);
    ASSERT_RC(drv_read(m, "outdir/secret", &data), VOS_ELOOP);
    ASSERT_RC(m->ops->lstat(m, NULL, "etc/passwd", &st), VOS_ELOOP);
    ASSERT_RC(m->ops->lstat(m, NULL, "up/etc", &st), VOS_ELOOP);
    ASSERT_STR(drv_ls(m, "etc"), "ERR ENOTDIR");
    ASSERT_STR(drv_ls(m, "outdir"), "ERR ENOTDIR");
    ASSERT_STR(drv_ls(m, "up/etc"), "ERR ELOOP");
    ASSERT(data == NULL);

    /* no write goes through a link either */
    ASSERT_RC(m->ops->open(m, NULL, "dangling", VK_O_WRONLY | VK_O_CREAT, 0644, &f), VOS_ELOOP);
    ASSERT_RC(m->ops->open(m, NULL, "abs", VK_O_WRONLY | VK_O_TRUNC, 0, &f), VOS_ELOOP);
    ASSERT_RC(m->ops->open(m, NULL, "outdir/new", VK_O_WRONLY | VK_O_CREAT, 0644, &f), VOS_ELOOP);
    ASSERT_RC(m->ops->truncate(m, NULL, "abs", 0), VOS_ELOOP);
    ASSERT_RC(m->ops->mkdir(m, NULL, "outdir/new", 0755), VOS_ELOOP);
    ASSERT_RC(m->ops->symlink(m, NULL, "x", "outdir/new"), VOS_ELOOP);
    ASSERT_RC(m->ops->unlink(m, NULL, "outdir/secret"), VOS_ELOOP);
    ASSERT_RC(m->ops->rename(m, NULL, "outdir/secret", "stolen"), VOS_ELOOP);
    ASSERT_RC(m->ops->link(m, NULL, "outdir/secret", "stolen"), VOS_ELOOP);
    ASSERT_RC(m->ops->chmod(m, NULL, "abs", 0777), VOS_ENOTSUP);
    ASSERT_RC(m->ops->chmod(m, NULL, "outdir/secret", 0777), VOS_ELOOP);
    int64_t t[2] = {0, 0};
    ASSERT_RC(m->ops->utimens(m, NULL, "outdir/secret", t), VOS_ELOOP);
    /* utimens of a link changes the link, never its target */
    ASSERT_OK(m->ops->utimens(m, NULL, "abs", t));
    /* a hard link to a symlink links the symlink itself */
    ASSERT_OK(m->ops->link(m, NULL, "abs", "abs2"));
    ASSERT_OK(m->ops->lstat(m, NULL, "abs2", &st));
    ASSERT(VK_S_ISLNK(st.mode));

    struct stat sb;
    ASSERT(lstat("/tmp/vos-hostfs-should-never-exist", &sb) < 0 && errno == ENOENT);
    ASSERT_OK(host_lstat(outside, "secret", &sb));
    ASSERT_EQ(sb.st_mode, before.st_mode);
    ASSERT_EQ(sb.st_mtim.tv_sec, before.st_mtim.tv_sec);
    ASSERT_EQ(sb.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    ASSERT_STR(host_read(outside, "secret"), "HOST SECRET");
    ASSERT_STR(drv_ls(m, ""), "abs abs2 dangling etc outdir plain rel up");
    m->ops->unmount(m);
}

/* Paths the kernel never produces are refused outright: "..", ".", empty and absolute
 * components could otherwise reach fstatat(parent, "..") outside the root. */
TEST(hostfs_bad_paths_refused)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_mkdir(d, "sub");
    vos_fs *m = mount_host(vm, d, false);
    const char *bad[] = {"..", "sub/..", "sub/../..", ".", "./sub", "/etc", "sub//x", "sub/",
                         "../x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vos_dstat st;
        vos_file *f;
        char buf[16];
        ASSERT_RC(m->ops->lstat(m, NULL, bad[i], &st), VOS_EINVAL);
        ASSERT_RC(m->ops->open(m, NULL, bad[i], VK_O_RDONLY, 0, &f), VOS_EINVAL);
        ASSERT_RC(m->ops->mkdir(m, NULL, bad[i], 0755), VOS_EINVAL);
        ASSERT_RC(m->ops->unlink(m, NULL, bad[i]), VOS_EINVAL);
        ASSERT_RC(m->ops->rmdir(m, NULL, bad[i]), VOS_EINVAL);
        ASSERT_RC((int)m->ops->readlink(m, NULL, bad[i], buf, sizeof buf), VOS_EINVAL);
        ASSERT_RC(m->ops->rename(m, NULL, "sub", bad[i]), VOS_EINVAL);
        ASSERT_RC(m->ops->chmod(m, NULL, bad[i], 0700), VOS_EINVAL);
        ASSERT_STR(drv_ls(m, bad[i]), "ERR EINVAL");
    }
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    vos_dstat st;
    ASSERT_RC(m->ops->lstat(m, NULL, longname, &st), VOS_ENAMETOOLONG);
    ASSERT_STR(drv_ls(m, ""), "sub");
    m->ops->unmount(m);
}

/* The host tree changes under a live mount: a directory replaced by a symlink (to outside, or
 * to a directory inside) is refused, never followed. */
TEST(hostfs_dir_swapped_for_symlink)
{
    vos_vm *vm = test_vm_new();
    const char *outside = test_tmpdir();
    host_write(outside, "f", "OUTSIDE");
    const char *d = test_tmpdir();
    host_mkdir(d, "work");
    host_write(d, "work/f", "inside");
    host_mkdir(d, "other");
    host_write(d, "other/f", "other");
    vos_fs *m = mount_host(vm, d, false);
    const char *data;
    ASSERT_OK(drv_read(m, "work/f", &data));
    ASSERT_STR(data, "inside");

    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/work", d);
    snprintf(q, sizeof q, "%s/work.old", d);
    ASSERT_OK(rename(p, q));
    host_symlink(d, "work", outside);
    vos_dstat st;
    ASSERT_RC(drv_read(m, "work/f", &data), VOS_ELOOP);
    ASSERT_RC(m->ops->lstat(m, NULL, "work/f", &st), VOS_ELOOP);
    ASSERT_STR(drv_ls(m, "work"), "ERR ENOTDIR");
    ASSERT_RC(drv_write(m, "work/f", "pwned", 0644), VOS_ELOOP);
    ASSERT_RC(m->ops->unlink(m, NULL, "work/f"), VOS_ELOOP);
    ASSERT_STR(host_read(outside, "f"), "OUTSIDE");

    /* even a link that stays inside the mount is not followed by the host */
    unlink(p);
    host_symlink(d, "work", "other");
    ASSERT_RC(drv_read(m, "work/f", &data), VOS_ELOOP);
    ASSERT_OK(m->ops->lstat(m, NULL, "work", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    m->ops->unmount(m);
}

/* FIFOs, sockets and devices show as what they are, and are refused on open without
 * blocking (a FIFO with no writer would block a plain open forever). */
TEST(hostfs_special_files_refused)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/fifo", d);
    ASSERT_OK(mkfifo(p, 0644));
    snprintf(p, sizeof p, "%s/sock", d);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT(s >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    bool have_sock = strlen(p) < sizeof sa.sun_path;
    if (have_sock) {
        memcpy(sa.sun_path, p, strlen(p) + 1);
        ASSERT_OK(bind(s, (struct sockaddr *)&sa, sizeof sa));
    }
    close(s);
    snprintf(p, sizeof p, "%s/null", d);
    bool have_dev = mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0; /* needs privileges */
    vos_fs *m = mount_host(vm, d, false);

    vos_dstat st;
    ASSERT_OK(m->ops->lstat(m, NULL, "fifo", &st));
    ASSERT(VK_S_ISFIFO(st.mode));
    ASSERT_EQ(type_of(m, "", "fifo"), VK_DT_FIFO);
    vos_file *f;
    ASSERT_RC(m->ops->open(m, NULL, "fifo", VK_O_RDONLY, 0, &f), VOS_EACCES);
    ASSERT_RC(m->ops->open(m, NULL, "fifo", VK_O_WRONLY, 0, &f), VOS_EACCES);
    ASSERT_RC(m->ops->open(m, NULL, "fifo", VK_O_RDWR | VK_O_CREAT, 0644, &f), VOS_EACCES);
    ASSERT_RC(m->ops->truncate(m, NULL, "fifo", 0), VOS_EINVAL);
    ASSERT_STR(drv_ls(m, "fifo"), "ERR ENOTDIR");
    if (have_sock) {
        ASSERT_OK(m->ops->lstat(m, NULL, "sock", &st));
        ASSERT_EQ(st.mode & VK_S_IFMT, VK_S_IFSOCK);
        ASSERT_RC(m->ops->open(m, NULL, "sock", VK_O_RDONLY, 0, &f), VOS_EACCES);
    }
    if (have_dev) {
        ASSERT_OK(m->ops->lstat(m, NULL, "null", &st));
        ASSERT(VK_S_ISCHR(st.mode));
        ASSERT_EQ(st.rdev, makedev(1, 3));
        ASSERT_RC(m->ops->open(m, NULL, "null", VK_O_WRONLY, 0, &f), VOS_EACCES);
    }
    /* they can still be removed and renamed: that does not open them */
    ASSERT_OK(m->ops->rename(m, NULL, "fifo", "fifo2"));
    ASSERT_OK(m->ops->unlink(m, NULL, "fifo2"));
    m->ops->unmount(m);
}

TEST(hostfs_owner_mapping)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "mine", "m");
    host_write(d, "theirs", "t");
    char p[4096];
    snprintf(p, sizeof p, "%s/theirs", d);
    bool chowned = geteuid() == 0 && chown(p, 4242, 4343) == 0;
    vos_fs *m = mount_host(vm, d, true);
    vos_dstat st;
    ASSERT_OK(m->ops->lstat(m, NULL, "mine", &st));
    ASSERT_EQ(st.uid, vos_host_uid(vk_host(api_kvm(vm))));
    if (chowned) {
        ASSERT_OK(m->ops->lstat(m, NULL, "theirs", &st));
        ASSERT_EQ(st.uid, 4242);
        ASSERT_EQ(st.gid, 4343);
    }
    m->ops->unmount(m);
}

TEST(hostfs_host_id)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "bin", "x");
    vos_fs *m = mount_host(vm, d, true);
    vk_hostfs_id id = {"bin", 0, 0, false};
    ASSERT_OK(m->ops->ctl(m, NULL, VK_HOSTFS_CTL_HOST_ID, &id));
    struct stat sb;
    ASSERT_OK(host_lstat(d, "bin", &sb));
    ASSERT_EQ(id.dev, sb.st_dev);
    ASSERT_EQ(id.ino, sb.st_ino);
    id.rel = "nope";
    ASSERT_RC(m->ops->ctl(m, NULL, VK_HOSTFS_CTL_HOST_ID, &id), VOS_ENOENT);
    id.rel = "../bin";
    ASSERT_RC(m->ops->ctl(m, NULL, VK_HOSTFS_CTL_HOST_ID, &id), VOS_EINVAL);
    ASSERT_RC(m->ops->ctl(m, NULL, 12345, &id), VOS_ENOTSUP);
    vos_fs *mem;
    ASSERT_OK(memfs_new(vk_host(api_kvm(vm)), &mem));
    ASSERT(mem->ops->ctl == NULL); /* memfs has no requests of its own: the kernel says ENOTSUP */
    mem->ops->unmount(mem);
    m->ops->unmount(m);
}

/* The mount holds the directory, not its name: renaming it on the host keeps the mount on
 * it, and a new directory put at the old name is not reached. */
TEST(hostfs_root_is_held_by_fd)
{
    vos_vm *vm = test_vm_new();
    const char *base = test_tmpdir();
    host_mkdir(base, "root");
    host_write(base, "root/f", "original");
    char p[4096], q[4096];
    snprintf(p, sizeof p, "%s/root", base);
    snprintf(q, sizeof q, "%s/moved", base);
    vos_fs *m = mount_host(vm, p, false);
    ASSERT_OK(rename(p, q));
    host_mkdir(base, "root");
    host_write(base, "root/f", "impostor");
    const char *data;
    ASSERT_OK(drv_read(m, "f", &data));
    ASSERT_STR(data, "original");
    ASSERT_OK(drv_write(m, "g", "new", 0644));
    ASSERT_STR(host_read(base, "moved/g"), "new");
    m->ops->unmount(m);
}

static int count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0) n++;
    return n;
}

/* Every path (success or error) gives its host descriptors back. */
TEST(hostfs_no_fd_leaks)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_mkdir(d, "dir");
    host_write(d, "dir/f", "x");
    host_symlink(d, "ln", "/etc");
    char p[4096];
    snprintf(p, sizeof p, "%s/fifo", d);
    ASSERT_OK(mkfifo(p, 0644));
    int before = count_fds();
    vos_fs *m = mount_host(vm, d, false);
    for (int i = 0; i < 3; i++) {
        vos_dstat st;
        vos_file *f;
        const char *data;
        char buf[64];
        int64_t t[2] = {VK_UTIME_NOW, VK_UTIME_NOW};
        m->ops->lstat(m, NULL, "dir/f", &st);
        m->ops->lstat(m, NULL, "ln/passwd", &st);
        m->ops->lstat(m, NULL, "dir/nope", &st);
        drv_read(m, "dir/f", &data);
        drv_read(m, "fifo", &data);
        drv_read(m, "ln/passwd", &data);
        m->ops->open(m, NULL, "dir/f", VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0644, &f);
        drv_write(m, "dir/g", "y", 0644);
        m->ops->mkdir(m, NULL, "dir/sub", 0755);
        m->ops->mkdir(m, NULL, "ln/sub", 0755);
        m->ops->rename(m, NULL, "dir/g", "dir/h");
        m->ops->link(m, NULL, "dir/h", "dir/i");
        m->ops->symlink(m, NULL, "t", "dir/s");
        m->ops->readlink(m, NULL, "dir/s", buf, sizeof buf);
        m->ops->chmod(m, NULL, "dir/h", 0600);
        m->ops->chmod(m, NULL, "ln", 0600);
        m->ops->utimens(m, NULL, "dir/h", t);
        m->ops->truncate(m, NULL, "dir/h", 0);
        m->ops->truncate(m, NULL, "fifo", 0);
        drv_ls(m, "dir");
        drv_ls(m, "ln");
        m->ops->unlink(m, NULL, "dir/i");
        m->ops->unlink(m, NULL, "dir/h");
        m->ops->unlink(m, NULL, "dir/s");
        m->ops->rmdir(m, NULL, "dir/sub");
        m->ops->rmdir(m, NULL, "dir");
    }
    ASSERT_EQ(count_fds(), before + 1); /* the root */
    m->ops->unmount(m);
    ASSERT_EQ(count_fds(), before);
}

/* ---- end to end: through vos_mount and the VM's own path resolution ---- */

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

static void vm_mount(vos_vm *vm, const char *at, vos_mount_kind kind, const char *host)
{
    vos_mount_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.struct_size = sizeof spec;
    spec.kind = kind;
    spec.host_path = host;
    ASSERT_OK(vos_mount(vm, at, &spec));
}

/* Whole VM file as a string (static buffer), NULL with *rc on error. */
static const char *vm_read(vos_vm *vm, const char *path, int *rc)
{
    static char buf[8192];
    void *data = NULL;
    size_t len = 0;
    *rc = vos_read_file(vm, path, &data, &len);
    if (*rc < 0) return NULL;
    snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)data);
    vos_free(data);
    return buf;
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

/* A host symlink's text means a VM path: an absolute target resolves in the VM's root, and
 * ../.. climbs the VM's tree and stops at its root. Nothing outside the mount is reached. */
TEST(hostfs_e2e_symlinks_resolve_in_the_vm)
{
    vos_vm *vm = test_vm_new();
    const char *outside = test_tmpdir();
    host_write(outside, "secret", "HOST SECRET");
    const char *d = test_tmpdir();
    char target[4096];
    snprintf(target, sizeof target, "%s/secret", outside);
    host_symlink(d, "secret_link", target);
    host_symlink(d, "etc_link", "/etc");
    host_symlink(d, "up", "../../../../..");
    host_write(d, "f", "inside");
    vm_mount(vm, "/mnt/h", VOS_MOUNT_HOST_RO, d);

    int rc;
    ASSERT(vm_read(vm, "/mnt/h/secret_link", &rc) == NULL);
    ASSERT_RC(rc, VOS_ENOENT);
    char vm_hostname[256];
    const char *s = vm_read(vm, "/etc/hostname", &rc);
    ASSERT(s != NULL);
    snprintf(vm_hostname, sizeof vm_hostname, "%s", s);
    ASSERT_STR(vm_read(vm, "/mnt/h/etc_link/hostname", &rc), vm_hostname);
    char root_ls[4096];
    snprintf(root_ls, sizeof root_ls, "%s", vm_ls(vm, "/"));
    ASSERT_STR(vm_ls(vm, "/mnt/h/up"), root_ls);
    ASSERT_STR(vm_ls(vm, "/mnt/h/.."), "h");
    /* the host path of the outside file, walked with .. from the mount: only VM dirs */
    char path[sizeof target + 32];
    snprintf(path, sizeof path, "/mnt/h/../../../..%s", target);
    ASSERT(vm_read(vm, path, &rc) == NULL);
    ASSERT_RC(rc, VOS_ENOENT);
    ASSERT_STR(vm_read(vm, "/mnt/h/../h/f", &rc), "inside");
    vos_stat st;
    st.struct_size = sizeof st;
    ASSERT_OK(vos_lstat_path(vm, "/mnt/h/up", &st));
    ASSERT_EQ(st.type, VOS_TYPE_LNK);
}

TEST(hostfs_e2e_shell_dotdot_and_errors)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_mkdir(d, "sub");
    host_write(d, "ro.txt", "keep\n");
    char p[4096];
    snprintf(p, sizeof p, "%s/fifo", d);
    ASSERT_OK(mkfifo(p, 0644));
    vm_mount(vm, "/mnt/h", VOS_MOUNT_HOST_RO, d);
    EXPECT_EXEC(vm, "cd /mnt/h/sub && cd ../../../../.. && pwd", "/\n", 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "echo x > /mnt/h/ro.txt", &r));
    ASSERT_EQ(r.status, 1);
    ASSERT_STR(r.err, "vos: line 1: /mnt/h/ro.txt: Read-only file system\n");
    vos_result_free(&r);
    /* a FIFO with no writer: refused at once, never blocks */
    ASSERT_OK(test_exec(vm, "read -r x < /mnt/h/fifo", &r));
    ASSERT_EQ(r.status, 1);
    ASSERT_STR(r.err, "vos: line 1: /mnt/h/fifo: Permission denied\n");
    ASSERT(strstr(r.err, d) == NULL);
    vos_result_free(&r);
    ASSERT_STR(host_read(d, "ro.txt"), "keep\n");
}

TEST(hostfs_e2e_api)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    host_write(d, "a", "A");
    vm_mount(vm, "/ro", VOS_MOUNT_HOST_RO, d);
    vm_mount(vm, "/rw", VOS_MOUNT_HOST_RW, d);
    ASSERT_RC(vos_write_file(vm, "/ro/b", "B", 1, 0644), VOS_EROFS);
    ASSERT_RC(vos_mkdir(vm, "/ro/dir", 0755, 0), VOS_EROFS);
    ASSERT_RC(vos_remove(vm, "/ro/a", 0), VOS_EROFS);
    ASSERT_RC(vos_rename(vm, "/ro/a", "/ro/c"), VOS_EROFS);
    ASSERT_OK(vos_write_file(vm, "/rw/b", "B", 1, 0644));
    ASSERT_STR(host_read(d, "b"), "B");
    int rc;
    ASSERT_STR(vm_read(vm, "/ro/b", &rc), "B"); /* the same directory, seen twice */
    ASSERT_OK(vos_rename(vm, "/rw/b", "/rw/c"));
    ASSERT_OK(vos_remove(vm, "/rw/a", 0));
    ASSERT_STR(vm_ls(vm, "/ro"), "c");
    /* a missing host directory: the error names no host path */
    vos_mount_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.struct_size = sizeof spec;
    spec.kind = VOS_MOUNT_HOST_RO;
    char p[4096];
    snprintf(p, sizeof p, "%s/missing-dir", d);
    spec.host_path = p;
    ASSERT_RC(vos_mount(vm, "/bad", &spec), VOS_ENOENT);
    ASSERT(strstr(vos_errmsg(vm), "missing-dir") == NULL);
}
