/* slowfs.h: a minimal mount driver, the example docs/drivers.md walks through: one read-only
 * directory holding one file, "slow", whose every read sleeps (a remote store that takes its
 * time) through vos_call_sleep, so a deadline or an interrupt ends the call at once. Mount it
 * with vos_mount_spec.driver = "slowfs" after vos_driver_register(&slowfs_driver); .arg may
 * point to an int64_t: the delay of a read in ns (default 100 ms). Used by tests/unit and
 * bench/. Everything here is static: include it in one file. */
#ifndef VOS_EXAMPLE_SLOWFS_H
#define VOS_EXAMPLE_SLOWFS_H

#include <stdatomic.h>
#include <string.h>

#include "vos_driver.h"

typedef struct slowfs {
    vos_fs base;
    int64_t delay_ns;
    atomic_int calls;
} slowfs;

typedef struct slowfile {
    vos_file base;
} slowfile;

static int sl_lstat(vos_fs *fs, vos_call *c, const char *rel, vos_dstat *st)
{
    memset(st, 0, sizeof *st);
    st->nlink = 1;
    st->blksize = 4096;
    if (!*rel) {
        st->mode = VOS_S_IFDIR | 0755;
        st->ino = 1;
        return 0;
    }
    if (strcmp(rel, "slow") != 0) return VOS_ENOENT;
    st->mode = VOS_S_IFREG | 0644;
    st->ino = 2;
    st->size = 5;
    return 0;
}

static ssize_t sf_pread(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off)
{
    slowfs *s = (slowfs *)f->fs;
    atomic_fetch_add(&s->calls, 1);
    int rc = vos_call_sleep(c, s->delay_ns); /* the remote store takes its time */
    if (rc < 0) return rc;
    if (off >= 5) return 0;
    size_t k = n < 5 - off ? n : (size_t)(5 - off);
    memcpy(buf, "slow\n" + off, k);
    return (ssize_t)k;
}

static int sf_fstat(vos_file *f, vos_call *c, vos_dstat *st) { return sl_lstat(f->fs, c, "slow", st); }

static int sf_close(vos_file *f, vos_call *c)
{
    vos_host_free(f->fs->host, f, sizeof(slowfile));
    return 0;
}

static const vos_file_ops slowfile_ops = {
    .struct_size = sizeof(vos_file_ops),
    .pread = sf_pread,
    .fstat = sf_fstat,
    .close = sf_close,
};

static int sl_open(vos_fs *fs, vos_call *c, const char *rel, int flags, unsigned mode,
                   vos_file **out)
{
    vos_dstat st;
    int rc = sl_lstat(fs, c, rel, &st);
    if (rc < 0) return rc;
    if ((flags & VOS_O_ACCMODE) != VOS_O_RDONLY) return VOS_EROFS;
    slowfile *f = vos_host_alloc(fs->host, sizeof *f);
    if (!f) return VOS_ENOMEM;
    f->base.ops = &slowfile_ops;
    f->base.fs = fs;
    *out = &f->base;
    return 0;
}

static int sl_readdir(vos_fs *fs, vos_call *c, const char *rel, vos_dir_fn fn, void *ctx)
{
    if (*rel) return VOS_ENOTDIR;
    fn(ctx, "slow", 2, VOS_DT_REG, NULL);
    return 0;
}

static void sl_unmount(vos_fs *fs) { vos_host_free(fs->host, fs, sizeof(slowfs)); }

static const vos_fs_ops slowfs_ops = {
    .struct_size = sizeof(vos_fs_ops),
    .version = VOS_DRIVER_VERSION,
    .name = "slowfs",
    .lstat = sl_lstat,
    .open = sl_open,
    .readdir = sl_readdir,
    .unmount = sl_unmount,
};

static int sl_mount(vos_host *h, const vos_mount_args *a, vos_fs **out)
{
    slowfs *s = vos_host_alloc(h, sizeof *s);
    if (!s) return VOS_ENOMEM;
    memset(s, 0, sizeof *s);
    s->base.ops = &slowfs_ops;
    s->base.host = h;
    s->base.flags = VOS_FS_RDONLY;
    s->delay_ns = a->arg ? *(const int64_t *)a->arg : 100000000;
    *out = &s->base;
    return 0;
}

static const vos_driver slowfs_driver = {
    .struct_size = sizeof(vos_driver),
    .version = VOS_DRIVER_VERSION,
    .name = "slowfs",
    .mount = sl_mount,
};

#endif
