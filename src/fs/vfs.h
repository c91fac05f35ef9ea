/* vfs.h: the one versioned vtable every mount driver implements (memfs, hostfs, overlay, and
 * the kernel's own dev/proc/bin filesystems), in the spirit of SQLite's sqlite3_vfs.
 * The kernel calls drivers only through src/kernel/path.c, which has already resolved the
 * path: drivers never see "..", ".", empty components, or symlinks in the middle of a path,
 * and never follow a symlink themselves. */
#ifndef VFS_H
#define VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/kernel.h"

#define VFS_OPS_VERSION 1

typedef struct vfs_mount vfs_mount;
typedef struct vfs_file vfs_file;

/* readdir callback: return nonzero to stop early. */
typedef int (*vfs_dir_cb)(void *ctx, const char *name, uint64_t ino, unsigned dtype);

/* Paths ("rel") are relative to the mount root: "" is the root, otherwise components joined
 * by single '/', no leading or trailing '/'. Every method returns 0 (or a count) or a
 * VOS_E* code (these constants
 * are already negative: `return VOS_ENOENT;`; a host -errno has the same value). A NULL method means "not supported" (the kernel answers -EROFS for
 * writes, -ENOTSUP otherwise). All calls are made with the VM lock held, so a driver needs no
 * locking of its own unless it shares state between VMs. */
typedef struct vfs_ops {
    int version; /* VFS_OPS_VERSION */
    const char *name;
    /* lstat semantics: a symlink is reported as one */
    int (*lstat)(vfs_mount *m, const char *rel, struct vk_stat *st);
    /* flags: VK_O_* (CREAT, EXCL, TRUNC, DIRECTORY, access mode). The final component is not
     * followed if it is a symlink: open of a symlink fails with -ELOOP. Opening a directory
     * read-only succeeds (for readdir/fstat). */
    int (*open)(vfs_mount *m, const char *rel, int flags, unsigned mode, vfs_file **out);
    int (*mkdir)(vfs_mount *m, const char *rel, unsigned mode);
    int (*rmdir)(vfs_mount *m, const char *rel);
    int (*unlink)(vfs_mount *m, const char *rel);           /* not a directory */
    int (*rename)(vfs_mount *m, const char *from, const char *to); /* rename(2) rules */
    int (*link)(vfs_mount *m, const char *from, const char *to);
    int (*symlink)(vfs_mount *m, const char *target, const char *rel);
    ssize_t (*readlink)(vfs_mount *m, const char *rel, char *buf, size_t n);
    int (*chmod)(vfs_mount *m, const char *rel, unsigned mode);
    /* times: atime, mtime in ns, or VK_UTIME_NOW / VK_UTIME_OMIT; never follows */
    int (*utimens)(vfs_mount *m, const char *rel, const int64_t times[2]);
    int (*truncate)(vfs_mount *m, const char *rel, uint64_t len);
    /* Calls cb for every entry except "." and ".."; order is the driver's. */
    int (*readdir)(vfs_mount *m, const char *rel, vfs_dir_cb cb, void *ctx);
    /* Free the mount (called once, after the last file is closed). */
    void (*destroy)(vfs_mount *m);
} vfs_ops;

typedef struct vfs_file_ops {
    ssize_t (*pread)(vfs_file *f, void *buf, size_t n, uint64_t off);
    ssize_t (*pwrite)(vfs_file *f, const void *buf, size_t n, uint64_t off);
    int (*fstat)(vfs_file *f, struct vk_stat *st);
    int (*ftruncate)(vfs_file *f, uint64_t len);
    void (*close)(vfs_file *f); /* frees f */
} vfs_file_ops;

/* A driver's file struct embeds this first. */
struct vfs_file {
    const vfs_file_ops *ops;
    vfs_mount *mount;
};

#define VFS_MOUNT_RDONLY 1u

/* A driver's mount struct embeds this first. */
struct vfs_mount {
    const vfs_ops *ops;
    vk_vm *vm;
    unsigned flags;  /* VFS_MOUNT_* */
    uint64_t dev;    /* id given by the kernel at mount time */
    int nopen;       /* open files (kernel-maintained) */
};

/* Memory for drivers: counted against the VM (these fail with NULL at the VM's limit). */
void *vfs_alloc(vk_vm *vm, size_t n);
void *vfs_realloc(vk_vm *vm, void *p, size_t old, size_t n);
void vfs_free(vk_vm *vm, void *p, size_t n);
/* Filesystem quota of the VM (bytes of file data and inodes in memory filesystems):
 * vfs_charge returns VOS_EFSBYTES / VOS_EFSINODES when the charge would pass the limit. */
int vfs_charge(vk_vm *vm, int64_t bytes, int64_t inodes);
int64_t vfs_now_ns(void);
unsigned vfs_uid(vk_vm *vm);
unsigned vfs_gid(vk_vm *vm);

/* Drivers. Constructors return 0 or a negative code. */
int memfs_new(vk_vm *vm, vfs_mount **out);
/* host_path: a host directory. rdonly: refuse every write. The mount keeps an O_PATH fd of
 * the root; nothing outside it is ever reached. */
int hostfs_new(vk_vm *vm, const char *host_path, bool rdonly, vfs_mount **out);
/* A copy-on-write layer over lower (which is never written); the overlay owns lower. */
int overlay_new(vk_vm *vm, vfs_mount *lower, vfs_mount **out);
/* For hostfs: identity (host dev, ino) of rel, for the multicall check; -ENOTSUP elsewhere. */
int hostfs_host_id(vfs_mount *m, const char *rel, uint64_t *dev, uint64_t *ino);
/* For hostfs: is the symlink rel a link, on the host, to the file (dev, ino)? */
bool hostfs_links_to(vfs_mount *m, const char *rel, uint64_t dev, uint64_t ino);

#endif
