/* hostfs.c: a host directory as a mount, read-only or read-write. Every path is resolved beneath
 * an O_PATH fd of the mount root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), and the last component is acted on with *at calls that do not follow,
 * so the host never follows a symlink and nothing outside the root is reached, even if the
 * tree changes under us. It does not resolve VM symlinks (the kernel does, with lstat and
 * readlink), and it refuses to open FIFOs, sockets and devices (VOS_EACCES). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs/hostfs.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; the same number on every architecture */
#endif

typedef struct hostfs {
    vos_fs base;
    int root;       /* O_PATH | O_DIRECTORY fd of the mount root */
    uid_t host_uid; /* files owned by the host user show as the VM's user */
    gid_t host_gid;
} hostfs;

typedef struct hfile {
    vos_file base;
    int fd;
} hfile;

static const vos_fs_ops hostfs_ops;
static const vos_file_ops hfile_ops;

/* Host errno -> VOS code. The errno class of VOS codes is Linux's -errno, so known values pass
 * through; the few the VM has no name for become the nearest one it has. */
static int from_errno(int e)
{
    switch (e) {
#define KNOWN_(name, value, msg) case -(value):
        VOS_ERRNO_MAP(KNOWN_)
#undef KNOWN_
        return -e;
    case ETXTBSY: return VOS_EBUSY;
    case EOVERFLOW: return VOS_EFBIG;
    default: return VOS_EIO;
    }
}

static bool rdonly(const hostfs *h) { return (h->base.flags & VOS_FS_RDONLY) != 0; }

static bool is_special(mode_t mode) { return !S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode); }

/* The kernel hands us canonical paths, but a path with "..", "." or an absolute start must
 * never reach fstatat(parent, "..") and friends, which RESOLVE_BENEATH does not guard. */
static int check_rel(const char *rel)
{
    if (!rel) return VOS_EINVAL;
    if (!*rel) return 0;
    if (strlen(rel) >= VOS_PATH_MAX) return VOS_ENAMETOOLONG;
    for (const char *s = rel;;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
            return VOS_EINVAL;
        if (len > VOS_NAME_MAX) return VOS_ENAMETOOLONG;
        if (!e) return 0;
        s = e + 1;
    }
}

/* openat2 beneath dirfd: the only way this file turns a multi-component path into an fd. */
static int beneath_at(int dirfd, const char *path, int flags, unsigned mode)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? (mode & 07777) : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd;
    int tries = 0;
    do {
        fd = syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof how);
        /* EAGAIN: a concurrent rename made the kernel unsure the walk stayed beneath; retry */
    } while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < 8)));
    return fd < 0 ? from_errno(errno) : (int)fd;
}

static int beneath(hostfs *h, const char *rel, int flags, unsigned mode)
{
    return beneath_at(h->root, rel, flags, mode);
}

/* The directory holding rel's last component, and that component in *name. For a name
 * directly under the root this is the root fd itself (a single component needs no walk);
 * release it with put_parent. */
static int open_parent(hostfs *h, const char *rel, const char **name)
{
    const char *slash = strrchr(rel, '/');
    if (!slash) {
        *name = rel;
        return h->root;
    }
    char dir[VOS_PATH_MAX];
    size_t len = (size_t)(slash - rel);
    memcpy(dir, rel, len);
    dir[len] = 0;
    *name = slash + 1;
    return beneath(h, dir, O_PATH | O_DIRECTORY, 0);
}

static void put_parent(hostfs *h, int fd)
{
    if (fd != h->root) close(fd);
}

static void fill_stat(hostfs *h, const struct stat *sb, vos_dstat *st)
{
    memset(st, 0, sizeof *st);
    st->ino = sb->st_ino;
    st->mode = sb->st_mode;
    st->nlink = (uint32_t)sb->st_nlink;
    st->uid = sb->st_uid == h->host_uid ? vos_host_uid(h->base.host) : sb->st_uid;
    st->gid = sb->st_gid == h->host_gid ? vos_host_gid(h->base.host) : sb->st_gid;
    st->rdev = sb->st_rdev;
    st->size = (uint64_t)sb->st_size;
    st->blocks = (uint64_t)sb->st_blocks;
    st->blksize = (uint32_t)sb->st_blksize;
    st->atime_ns = (int64_t)sb->st_atim.tv_sec * 1000000000 + sb->st_atim.tv_nsec;
    st->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    st->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

static int fstat_rc(int fd, struct stat *sb) { return fstat(fd, sb) < 0 ? from_errno(errno) : 0; }

/* The host stat of rel without following it (an O_PATH fd of a symlink is the link). A name
 * directly under the root is one fstatat: there is no intermediate component to guard. */
static int host_lstat(hostfs *h, const char *rel, struct stat *sb)
{
    if (!*rel) return fstat_rc(h->root, sb);
    if (!strchr(rel, '/'))
        return fstatat(h->root, rel, sb, AT_SYMLINK_NOFOLLOW) < 0 ? from_errno(errno) : 0;
    int fd = beneath(h, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return fd;
    int rc = fstat_rc(fd, sb);
    close(fd);
    return rc;
}

/* chmod of what an O_PATH fd refers to. fchmod refuses O_PATH fds; fchmodat2 (Linux 6.6)
 * takes one with AT_EMPTY_PATH; older kernels get the same inode through /proc/self/fd, which
 * names exactly the file we opened, so no path is walked again. */
static int chmod_opath(int fd, unsigned mode)
{
    if (syscall(SYS_fchmodat2, fd, "", mode & 07777, AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOSYS) return from_errno(errno);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return chmod(proc, mode & 07777) < 0 ? from_errno(errno) : 0;
}

/* ---- files ---- */

/* The fd was opened O_NONBLOCK (a FIFO swapped in cannot block the open); a filesystem that
 * honours it on a file (FUSE may) says EAGAIN: then the flag goes and the call is made again. */
static bool clear_nonblock(int fd)
{
    if (errno != EAGAIN) return false;
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0;
}

static ssize_t hf_pread(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off)
{
    if (off > (uint64_t)INT64_MAX) return VOS_EINVAL;
    int fd = ((hfile *)f)->fd;
    ssize_t k;
    do k = pread(fd, buf, n, (off_t)off);
    while (k < 0 && (errno == EINTR || clear_nonblock(fd)));
    return k < 0 ? from_errno(errno) : k;
}

static ssize_t hf_pwrite(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t off)
{
    if (rdonly((hostfs *)f->fs)) return VOS_EROFS;
    if (off > (uint64_t)INT64_MAX || n > (uint64_t)INT64_MAX - off) return VOS_EFBIG;
    size_t done = 0;
    while (done < n) {
        ssize_t k = pwrite(((hfile *)f)->fd, (const char *)buf + done, n - done,
                           (off_t)(off + done));
        if (k < 0) {
            if (errno == EINTR || clear_nonblock(((hfile *)f)->fd)) continue;
            if (done) break; /* report what was written; the next call gets the error */
            return from_errno(errno);
        }
        done += (size_t)k;
    }
    return (ssize_t)done;
}

static int hf_fstat(vos_file *f, vos_call *c, vos_dstat *st)
{
    struct stat sb;
    int rc = fstat_rc(((hfile *)f)->fd, &sb);
    if (rc == 0) fill_stat((hostfs *)f->fs, &sb, st);
    return rc;
}

static int hf_ftruncate(vos_file *f, vos_call *c, uint64_t len)
{
    if (rdonly((hostfs *)f->fs)) return VOS_EROFS;
    if (len > (uint64_t)INT64_MAX) return VOS_EFBIG;
    int rc;
    do rc = ftruncate(((hfile *)f)->fd, (off_t)len);
    while (rc < 0 && errno == EINTR);
    return rc < 0 ? from_errno(errno) : 0;
}

/* O_APPEND: the host's own append, atomic against every other writer of the file, in the VM or
 * on the host (an fstat + pwrite would lose lines between concurrent appenders). */
static ssize_t hf_append(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t *end)
{
    if (rdonly((hostfs *)f->fs)) return VOS_EROFS;
    int fd = ((hfile *)f)->fd;
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(fd, (const char *)buf + done, n - done);
        if (k < 0) {
            if (errno == EINTR || clear_nonblock(fd)) continue;
            if (done) break;
            return from_errno(errno);
        }
        done += (size_t)k;
    }
    off_t pos = lseek(fd, 0, SEEK_CUR);
    *end = pos < 0 ? 0 : (uint64_t)pos;
    return (ssize_t)done;
}

static int hf_fsync(vos_file *f, vos_call *c, int datasync)
{
    int fd = ((hfile *)f)->fd;
    int rc = datasync ? fdatasync(fd) : fsync(fd);
    return rc < 0 ? from_errno(errno) : 0;
}

static ssize_t hf_copy_range(vos_file *f, vos_call *c, uint64_t off, vos_file *out,
                             uint64_t out_off, size_t n)
{
    if (rdonly((hostfs *)out->fs)) return VOS_EROFS;
    if (off > (uint64_t)INT64_MAX || out_off > (uint64_t)INT64_MAX) return VOS_EINVAL;
    loff_t a = (loff_t)off, b = (loff_t)out_off;
    ssize_t k;
    do k = copy_file_range(((hfile *)f)->fd, &a, ((hfile *)out)->fd, &b, n, 0);
    while (k < 0 && errno == EINTR);
    if (k >= 0) return k;
    /* across host filesystems, or a kernel or filesystem without it: the kernel copies */
    if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
        errno == EBADF)
        return VOS_EXDEV;
    return from_errno(errno);
}

/* ---- calls relative to an open directory: its host fd was opened beneath the root, and a
 * single name with no-follow flags walks nothing ---- */
static int hf_lstatat(vos_file *f, vos_call *c, const char *name, vos_dstat *st)
{
    struct stat sb;
    if (fstatat(((hfile *)f)->fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) return from_errno(errno);
    fill_stat((hostfs *)f->fs, &sb, st);
    return 0;
}

static int hf_unlinkat(vos_file *f, vos_call *c, const char *name, int is_dir)
{
    if (rdonly((hostfs *)f->fs)) return VOS_EROFS;
    if (unlinkat(((hfile *)f)->fd, name, is_dir ? AT_REMOVEDIR : 0) < 0) {
        int rc = from_errno(errno);
        return rc == VOS_EEXIST && is_dir ? VOS_ENOTEMPTY : rc;
    }
    return 0;
}

static int hf_openat(vos_file *f, vos_call *c, const char *name, int flags, unsigned mode,
                     vos_file **out)
{
    hostfs *h = (hostfs *)f->fs;
    int acc = flags & VOS_O_ACCMODE;
    if (acc == VOS_O_ACCMODE || (flags & VOS_O_CREAT)) return VOS_EINVAL;
    if (rdonly(h) && (acc != VOS_O_RDONLY || (flags & VOS_O_TRUNC))) return VOS_EROFS;
    int rc = vos_host_fds(f->fs->host, 1);
    if (rc < 0) return rc;
    hfile *nf = vos_host_alloc(f->fs->host, sizeof *nf);
    if (!nf) {
        vos_host_fds(f->fs->host, -1);
        return VOS_ENOMEM;
    }
    int hflags = acc | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & VOS_O_APPEND) && acc != VOS_O_RDONLY) hflags |= O_APPEND;
    if (flags & VOS_O_DIRECTORY) hflags |= O_DIRECTORY;
    if ((flags & VOS_O_TRUNC) && acc != VOS_O_RDONLY) hflags |= O_TRUNC;
    int fd = openat(((hfile *)f)->fd, name, hflags);
    struct stat sb;
    rc = fd < 0 ? from_errno(errno) : fstat_rc(fd, &sb);
    if (rc == 0 && is_special(sb.st_mode)) rc = VOS_EACCES;
    if (rc == 0 && S_ISDIR(sb.st_mode) && acc != VOS_O_RDONLY) rc = VOS_EISDIR;
    if (rc < 0) {
        if (fd >= 0) close(fd);
        vos_host_free(f->fs->host, nf, sizeof *nf);
        vos_host_fds(f->fs->host, -1);
        return rc;
    }
    nf->base.ops = &hfile_ops;
    nf->base.fs = f->fs;
    nf->fd = fd;
    *out = &nf->base;
    return 0;
}

static int hf_close(vos_file *f, vos_call *c)
{
    int rc = close(((hfile *)f)->fd) < 0 && errno != EINTR ? from_errno(errno) : 0;
    vos_host_fds(f->fs->host, -1);
    vos_host_free(f->fs->host, f, sizeof(hfile));
    return rc;
}

static const vos_file_ops hfile_ops = {
    .struct_size = sizeof(vos_file_ops),
    .pread = hf_pread,
    .pwrite = hf_pwrite,
    .append = hf_append,
    .fstat = hf_fstat,
    .ftruncate = hf_ftruncate,
    .fsync = hf_fsync,
    .close = hf_close,
    .copy_range = hf_copy_range,
    .lstatat = hf_lstatat,
    .unlinkat = hf_unlinkat,
    .openat = hf_openat,
};

/* ---- mount operations ---- */

static int h_lstat(vos_fs *m, vos_call *c, const char *rel, vos_dstat *st)
{
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    struct stat sb;
    rc = host_lstat((hostfs *)m, rel, &sb);
    if (rc == 0) fill_stat((hostfs *)m, &sb, st);
    return rc;
}

/* Open in two steps: an O_PATH probe tells what the file is without any side effect, so a FIFO
 * or a device is refused before it is ever really opened; the real open then adds O_NONBLOCK
 * (a FIFO swapped in meanwhile cannot block us) and its fstat is checked again. */
static int h_open(vos_fs *m, vos_call *c, const char *rel, int flags, unsigned mode,
                  vos_file **out)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    int acc = flags & VOS_O_ACCMODE;
    if (acc == VOS_O_ACCMODE) return VOS_EINVAL;

    rc = vos_host_fds(m->host, 1); /* the fd this file will hold, within the VM's budget */
    if (rc < 0) return rc;
    hfile *f = vos_host_alloc(m->host, sizeof *f);
    if (!f) {
        vos_host_fds(m->host, -1);
        return VOS_ENOMEM;
    }
    int fd = -1;
    for (int attempt = 0;; attempt++) {
        struct stat sb;
        bool create = false;
        /* the kernel has just seen a regular file or a directory there: no need to look
         * again (the fstat of the opened fd below still refuses anything else) */
        if ((flags & VOS_O_TYPE_CHECKED) && attempt == 0 && !((flags & VOS_O_CREAT) &&
                                                              (flags & VOS_O_EXCL)))
            rc = 1;
        else
            rc = host_lstat(h, rel, &sb);
        if (rc == 1) {
            rc = 0;
        } else if (rc == VOS_ENOENT && (flags & VOS_O_CREAT)) {
            create = !(flags & VOS_O_DIRECTORY) && !rdonly(h);
            rc = create ? 0 : (flags & VOS_O_DIRECTORY) ? VOS_EINVAL : VOS_EROFS;
        } else if (rc == 0) {
            if ((flags & VOS_O_CREAT) && (flags & VOS_O_EXCL)) rc = VOS_EEXIST;
            else if (S_ISLNK(sb.st_mode)) rc = VOS_ELOOP;
            else if (is_special(sb.st_mode)) rc = VOS_EACCES;
            else if (S_ISDIR(sb.st_mode) && (acc != VOS_O_RDONLY || (flags & VOS_O_CREAT)))
                rc = VOS_EISDIR;
            else if (!S_ISDIR(sb.st_mode) && (flags & VOS_O_DIRECTORY)) rc = VOS_ENOTDIR;
            else if (rdonly(h) && (acc != VOS_O_RDONLY || (flags & VOS_O_TRUNC))) rc = VOS_EROFS;
        }
        if (rc < 0) goto fail;

        int hflags = acc | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW;
        if ((flags & VOS_O_APPEND) && acc != VOS_O_RDONLY) hflags |= O_APPEND;
        if (flags & VOS_O_DIRECTORY) hflags |= O_DIRECTORY;
        if (create) hflags |= O_CREAT | O_EXCL;
        if ((flags & VOS_O_TRUNC) && acc != VOS_O_RDONLY) hflags |= O_TRUNC;
        fd = beneath(h, rel, hflags, mode);
        /* lost a race with another creator or remover: look again */
        if ((fd == VOS_EEXIST && create && !(flags & VOS_O_EXCL)) ||
            (fd == VOS_ENOENT && !create && (flags & VOS_O_CREAT))) {
            if (attempt < 4) continue;
        }
        if (fd < 0) {
            rc = fd;
            goto fail;
        }
        rc = fstat_rc(fd, &sb);
        if (rc == 0 && is_special(sb.st_mode)) rc = VOS_EACCES;
        if (rc == 0 && S_ISDIR(sb.st_mode) && (acc != VOS_O_RDONLY || (flags & VOS_O_CREAT)))
            rc = VOS_EISDIR;
        if (rc < 0) goto fail;
        /* O_NONBLOCK stays: Linux ignores it on regular files and directories (a read that
         * still says EAGAIN, on an odd filesystem, clears it: hf_pread) */
        /* the host's umask must not change the mode the VM asked for */
        if (create && fchmod(fd, mode & 07777) < 0) {
            rc = from_errno(errno);
            goto fail;
        }
        break;
    }
    f->base.ops = &hfile_ops;
    f->base.fs = m;
    f->fd = fd;
    *out = &f->base;
    return 0;
fail:
    if (fd >= 0) close(fd);
    vos_host_free(m->host, f, sizeof *f);
    vos_host_fds(m->host, -1);
    return rc;
}

static int h_mkdir(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (!*rel) return VOS_EEXIST;
    if (rdonly(h)) {
        struct stat sb;
        return host_lstat(h, rel, &sb) == 0 ? VOS_EEXIST : VOS_EROFS;
    }
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    rc = mkdirat(pfd, name, mode & 07777) < 0 ? from_errno(errno) : 0;
    if (rc == 0) {
        /* undo the host's umask on exactly the directory we made (never a link put there) */
        int dfd = beneath_at(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        if (dfd >= 0) {
            chmod_opath(dfd, mode);
            close(dfd);
        }
    }
    put_parent(h, pfd);
    return rc;
}

/* unlink / rmdir / symlink / readlink: one *at call on the last component of rel. */
static int h_rmdir(vos_fs *m, vos_call *c, const char *rel)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (!*rel) return VOS_EBUSY;
    if (rdonly(h)) return VOS_EROFS;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    rc = unlinkat(pfd, name, AT_REMOVEDIR) < 0 ? from_errno(errno) : 0;
    put_parent(h, pfd);
    return rc == VOS_EEXIST ? VOS_ENOTEMPTY : rc;
}

static int h_unlink(vos_fs *m, vos_call *c, const char *rel)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (!*rel) return VOS_EISDIR;
    if (rdonly(h)) return VOS_EROFS;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    rc = unlinkat(pfd, name, 0) < 0 ? from_errno(errno) : 0;
    put_parent(h, pfd);
    return rc;
}

/* rename and link: both parents opened beneath the root, then one *at call. */
static int two_names(hostfs *h, const char *from, const char *to, bool is_link)
{
    int rc = check_rel(from);
    if (rc == 0) rc = check_rel(to);
    if (rc < 0) return rc;
    if (!*from) return is_link ? VOS_EPERM : VOS_EBUSY;
    if (!*to) return is_link ? VOS_EEXIST : VOS_EBUSY;
    if (rdonly(h)) return VOS_EROFS;
    const char *fname, *tname;
    int pf = open_parent(h, from, &fname);
    if (pf < 0) return pf;
    int pt = open_parent(h, to, &tname);
    if (pt < 0) {
        put_parent(h, pf);
        return pt;
    }
    if (is_link)
        rc = linkat(pf, fname, pt, tname, 0) < 0 ? from_errno(errno) : 0; /* 0: no follow */
    else
        rc = renameat(pf, fname, pt, tname) < 0 ? from_errno(errno) : 0;
    put_parent(h, pf);
    put_parent(h, pt);
    return rc == VOS_EEXIST && !is_link ? VOS_ENOTEMPTY : rc;
}

static int h_rename(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    return two_names((hostfs *)m, from, to, false);
}

static int h_link(vos_fs *m, vos_call *c, const char *from, const char *to)
{
    return two_names((hostfs *)m, from, to, true);
}

static int h_symlink(vos_fs *m, vos_call *c, const char *target, const char *rel)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (!target || !*target) return VOS_ENOENT;
    if (strlen(target) >= VOS_PATH_MAX) return VOS_ENAMETOOLONG;
    if (!*rel) return VOS_EEXIST;
    if (rdonly(h)) return VOS_EROFS;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    rc = symlinkat(target, pfd, name) < 0 ? from_errno(errno) : 0;
    put_parent(h, pfd);
    return rc;
}

static ssize_t h_readlink(vos_fs *m, vos_call *c, const char *rel, char *buf, size_t n)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (!*rel) return VOS_EINVAL;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    ssize_t k = readlinkat(pfd, name, buf, n);
    rc = k < 0 ? from_errno(errno) : 0;
    put_parent(h, pfd);
    return rc < 0 ? rc : k;
}

static int h_chmod(vos_fs *m, vos_call *c, const char *rel, unsigned mode)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (rdonly(h)) return VOS_EROFS;
    int fd = beneath(h, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return fd;
    struct stat sb;
    rc = fstat_rc(fd, &sb);
    if (rc == 0 && S_ISLNK(sb.st_mode)) rc = VOS_ENOTSUP; /* Linux has no lchmod either */
    if (rc == 0) rc = chmod_opath(fd, mode);
    close(fd);
    return rc;
}

static void to_timespec(int64_t t, struct timespec *ts)
{
    if (t == VOS_UTIME_NOW) {
        ts->tv_sec = 0;
        ts->tv_nsec = UTIME_NOW;
    } else if (t == VOS_UTIME_OMIT) {
        ts->tv_sec = 0;
        ts->tv_nsec = UTIME_OMIT;
    } else {
        /* floor division, so times before 1970 keep 0 <= tv_nsec < 1e9 */
        int64_t sec = t / 1000000000, ns = t % 1000000000;
        if (ns < 0) {
            ns += 1000000000;
            sec--;
        }
        ts->tv_sec = (time_t)sec;
        ts->tv_nsec = (long)ns;
    }
}

static int h_utimens(vos_fs *m, vos_call *c, const char *rel, const int64_t times[2])
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (rdonly(h)) return VOS_EROFS;
    struct timespec ts[2];
    to_timespec(times[0], &ts[0]);
    to_timespec(times[1], &ts[1]);
    if (!*rel) return utimensat(h->root, "", ts, AT_EMPTY_PATH) < 0 ? from_errno(errno) : 0;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return pfd;
    rc = utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? from_errno(errno) : 0;
    put_parent(h, pfd);
    return rc;
}

static int h_truncate(vos_fs *m, vos_call *c, const char *rel, uint64_t len)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    if (len > (uint64_t)INT64_MAX) return VOS_EFBIG;
    struct stat sb;
    rc = host_lstat(h, rel, &sb);
    if (rc < 0) return rc;
    if (S_ISDIR(sb.st_mode)) return VOS_EISDIR;
    if (S_ISLNK(sb.st_mode)) return VOS_ELOOP;
    if (!S_ISREG(sb.st_mode)) return VOS_EINVAL;
    if (rdonly(h)) return VOS_EROFS;
    int fd = beneath(h, rel, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW, 0);
    if (fd < 0) return fd;
    rc = fstat_rc(fd, &sb);
    if (rc == 0 && !S_ISREG(sb.st_mode)) rc = VOS_EINVAL;
    if (rc == 0 && ftruncate(fd, (off_t)len) < 0) rc = from_errno(errno);
    close(fd);
    return rc;
}

/* getdents64 straight into a stack buffer: no host allocation, no DIR* to leak. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int h_readdir(vos_fs *m, vos_call *c, const char *rel, vos_dir_fn cb, void *ctx)
{
    hostfs *h = (hostfs *)m;
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    int fd = beneath(h, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK, 0);
    if (fd == VOS_ELOOP) {
        /* rel itself a symlink: not a directory (the kernel follows VM links before asking);
         * a link further up keeps ELOOP */
        struct stat sb;
        if (host_lstat(h, rel, &sb) == 0 && S_ISLNK(sb.st_mode)) return VOS_ENOTDIR;
    }
    if (fd < 0) return fd;
    _Alignas(8) char buf[8192];
    for (;;) {
        long k = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            rc = from_errno(errno);
            break;
        }
        if (k == 0) break;
        bool stop = false;
        for (long off = 0; off < k && !stop;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            const char *nm = d->d_name;
            if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
            stop = cb(ctx, nm, d->d_ino, d->d_type, NULL) != 0;
        }
        if (stop) break;
    }
    close(fd);
    return rc;
}

static int h_statfs(vos_fs *m, vos_call *c, vos_statfs *st)
{
    struct statvfs sv;
    if (fstatvfs(((hostfs *)m)->root, &sv) < 0) return from_errno(errno);
    st->bsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
    st->blocks = sv.f_blocks;
    st->bfree = sv.f_bfree;
    st->bavail = sv.f_bavail;
    st->files = sv.f_files;
    st->ffree = sv.f_ffree;
    st->namemax = (uint32_t)sv.f_namemax;
    return 0;
}

static int host_id(hostfs *h, const char *rel, uint64_t *dev, uint64_t *ino)
{
    int rc = check_rel(rel);
    if (rc < 0) return rc;
    struct stat sb;
    rc = host_lstat(h, rel, &sb);
    if (rc < 0) return rc;
    *dev = sb.st_dev;
    *ino = sb.st_ino;
    return 0;
}

/* For the CLI's multicall mode only: is rel, a symlink in this mount, a link on the host to
 * the file (dev, ino), i.e. the vos binary? The host follows this one link to compare
 * identities; nothing of the target is read and only a yes/no comes back, so the VM learns no
 * more than whether the link leads to vos. */
static bool links_to(hostfs *h, const char *rel, uint64_t dev, uint64_t ino)
{
    if (check_rel(rel) < 0 || !*rel) return false;
    const char *name;
    int pfd = open_parent(h, rel, &name);
    if (pfd < 0) return false;
    char target[VOS_PATH_MAX];
    ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
    bool same = false;
    if (n > 0) {
        target[n] = 0;
        struct stat sb;
        if (fstatat(pfd, target, &sb, 0) == 0)
            same = (uint64_t)sb.st_dev == dev && (uint64_t)sb.st_ino == ino;
    }
    put_parent(h, pfd);
    return same;
}

static int h_ctl(vos_fs *m, vos_call *c, int op, void *arg)
{
    hostfs *h = (hostfs *)m;
    vk_hostfs_id *id = arg;
    switch (op) {
    case VK_HOSTFS_CTL_HOST_ID: return host_id(h, id->rel, &id->dev, &id->ino);
    case VK_HOSTFS_CTL_LINKS_TO: id->result = links_to(h, id->rel, id->dev, id->ino); return 0;
    case VK_HOSTFS_CTL_ROOT_FD: {
        int *fd = arg;
        *fd = fcntl(h->root, F_DUPFD_CLOEXEC, 3);
        return *fd < 0 ? from_errno(errno) : 0;
    }
    default: return VOS_ENOTSUP;
    }
}

static void h_unmount(vos_fs *m)
{
    close(((hostfs *)m)->root);
    vos_host_fds(m->host, -1);
    vos_host_free(m->host, m, sizeof(hostfs));
}

static const vos_fs_ops hostfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "hostfs",
    .lstat = h_lstat,
    .open = h_open,
    .mkdir = h_mkdir,
    .rmdir = h_rmdir,
    .unlink = h_unlink,
    .rename = h_rename,
    .link = h_link,
    .symlink = h_symlink,
    .readlink = h_readlink,
    .chmod = h_chmod,
    .utimens = h_utimens,
    .truncate = h_truncate,
    .readdir = h_readdir,
    .statfs = h_statfs,
    .ctl = h_ctl,
    .unmount = h_unmount,
};

int hostfs_new(vos_host *vh, const char *host_path, bool rdonly_mount, vos_fs **out)
{
    if (!vh || !host_path || !*host_path || !out) return VOS_EINVAL;
    int rc = vos_host_fds(vh, 1);
    if (rc < 0) return rc;
    int root = open(host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        vos_host_fds(vh, -1);
        return from_errno(errno);
    }
    /* Without openat2 (Linux < 5.6) there is no safe resolution: refuse rather than degrade. */
    int probe = beneath_at(root, "", O_PATH | O_DIRECTORY, 0);
    hostfs *h = probe >= 0 ? vos_host_alloc(vh, sizeof *h) : NULL;
    if (probe >= 0) close(probe);
    if (!h) {
        close(root);
        vos_host_fds(vh, -1);
        return probe < 0 ? probe : VOS_ENOMEM;
    }
    memset(h, 0, sizeof *h);
    h->base.ops = &hostfs_ops;
    h->base.host = vh;
    h->base.flags = rdonly_mount ? VOS_FS_RDONLY : 0;
    h->root = root;
    h->host_uid = geteuid();
    h->host_gid = getegid();
    *out = &h->base;
    return 0;
}

static int hostfs_mount(vos_host *h, const vos_mount_args *a, vos_fs **out)
{
    bool ro = a->readonly || (a->options && strcmp(a->options, "ro") == 0);
    return hostfs_new(h, a->source, ro, out);
}

const vos_driver vk_hostfs_driver = {
    .struct_size = sizeof(vos_driver),
    .version = VOS_DRIVER_VERSION,
    .name = "hostfs",
    .mount = hostfs_mount,
};
