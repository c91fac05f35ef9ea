/* vos_driver.h: the public, versioned interface of a vos mount driver (in the spirit of
 * SQLite's sqlite3_vfs). A driver is a table of functions over a tree of files; the kernel
 * resolves every path before it calls one (no "..", ".", empty or symlink components reach a
 * driver), checks policy and permissions, charges quotas, traces and can fail calls for tests.
 * The built-in drivers (memfs, hostfs, overlay) use exactly this interface; a host registers
 * its own with vos_driver_register and mounts it by name (vos_mount_spec.driver).
 *
 * Threads: the kernel calls a driver without any VM lock held, from the thread of whichever VM
 * process asks, so calls on one mount may run concurrently: a driver locks what it shares.
 * A call may block (a remote store, a slow disk); it then watches its call context: the
 * kernel fires the exec's deadline and host interrupts through it (vos_call_check,
 * vos_call_sleep), and a driver that gives up returns the code vos_call_check gives.
 *
 * Compatibility: a driver fills struct_size and version in its tables; the kernel refuses a
 * version it does not know, and reads only the fields the struct_size covers (a NULL or
 * missing method means "not supported": the kernel answers VOS_EROFS for writes, VOS_ENOTSUP
 * otherwise). New methods are only ever added at the end of the tables. */
#ifndef VOS_DRIVER_H
#define VOS_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vos.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VOS_DRIVER_VERSION 1

/* Open flags, mode bits and directory entry types: Linux's values. */
#define VOS_O_RDONLY 00
#define VOS_O_WRONLY 01
#define VOS_O_RDWR 02
#define VOS_O_ACCMODE 03
#define VOS_O_CREAT 0100
#define VOS_O_EXCL 0200
#define VOS_O_TRUNC 01000
#define VOS_O_APPEND 02000
#define VOS_O_DIRECTORY 0200000

#define VOS_S_IFMT 0170000
#define VOS_S_IFLNK 0120000
#define VOS_S_IFREG 0100000
#define VOS_S_IFDIR 0040000
#define VOS_S_IFCHR 0020000
#define VOS_S_IFIFO 0010000

#define VOS_S_ISREG(m) (((m)&VOS_S_IFMT) == VOS_S_IFREG)
#define VOS_S_ISDIR(m) (((m)&VOS_S_IFMT) == VOS_S_IFDIR)
#define VOS_S_ISLNK(m) (((m)&VOS_S_IFMT) == VOS_S_IFLNK)
#define VOS_S_ISCHR(m) (((m)&VOS_S_IFMT) == VOS_S_IFCHR)
#define VOS_S_ISFIFO(m) (((m)&VOS_S_IFMT) == VOS_S_IFIFO)

#define VOS_PATH_MAX 4096
#define VOS_NAME_MAX 255

#define VOS_DT_UNKNOWN 0
#define VOS_DT_FIFO 1
#define VOS_DT_CHR 2
#define VOS_DT_DIR 4
#define VOS_DT_REG 8
#define VOS_DT_LNK 10

/* utimens: a time that means "now" or "leave as it is" */
#define VOS_UTIME_NOW (-1)
#define VOS_UTIME_OMIT (-2)

/* What a driver reports of a file (lstat semantics: a symlink is reported as one). The kernel
 * fills dev itself. Times in ns since the epoch. */
typedef struct vos_dstat {
    uint64_t dev;
    uint64_t ino;
    uint32_t mode; /* VOS_S_IF* | permission bits */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev;
    uint64_t size;
    uint64_t blocks; /* 512-byte blocks */
    uint32_t blksize;
    int64_t atime_ns, mtime_ns, ctime_ns;
} vos_dstat;

/* What statfs reports (df). Counts in units of bsize. */
typedef struct vos_statfs {
    uint64_t bsize;
    uint64_t blocks, bfree, bavail;
    uint64_t files, ffree;
    uint32_t namemax;
} vos_statfs;

typedef struct vos_call vos_call; /* the kernel's context of one driver call (may be NULL) */
typedef struct vos_host vos_host; /* the VM a mount belongs to, as its drivers see it */
typedef struct vos_fs vos_fs;
typedef struct vos_file vos_file;

/* ---- what a driver may ask of the kernel ---- */

/* 0 while the call may go on; otherwise the (negative) code to return at once: the exec's
 * deadline passed (VOS_ETIME), the host interrupted (VOS_EINTERRUPTED), the process is being
 * killed. c may be NULL (then always 0). Never blocks. */
VOS_API int vos_call_check(const vos_call *c);
/* Sleep up to ns nanoseconds, or until the call must end: returns 0 or the vos_call_check
 * code. For drivers that wait on something remote (poll, back off and retry). */
VOS_API int vos_call_sleep(const vos_call *c, int64_t ns);
/* The call's deadline (CLOCK_MONOTONIC ns), INT64_MAX when there is none. */
VOS_API int64_t vos_call_deadline(const vos_call *c);

/* Memory counted against the VM's limit: NULL when the limit would be passed. A driver's
 * memory (its structs, caches, file data) should come from here. */
VOS_API void *vos_host_alloc(vos_host *h, size_t n);
VOS_API void *vos_host_realloc(vos_host *h, void *p, size_t old, size_t n);
VOS_API void vos_host_free(vos_host *h, void *p, size_t n);
/* The VM's filesystem quota (bytes of file data and inodes kept in memory): charge before
 * growing, credit (negative values) after shrinking. VOS_EFSBYTES / VOS_EFSINODES when a
 * charge would pass the limit (nothing is charged then). */
VOS_API int vos_host_charge(vos_host *h, int64_t bytes, int64_t inodes);
/* What the quota above allows and what is used of it (UINT64_MAX: no limit), for statfs. */
VOS_API void vos_host_quota(vos_host *h, uint64_t *bytes_max, uint64_t *bytes_used,
                            uint64_t *inodes_max, uint64_t *inodes_used);
/* The VM's budget of host file descriptors: take n (>0) before opening host fds, give them
 * back (n<0) after closing. VOS_EMFILE (the VM's share is used up) or VOS_ENFILE (the
 * library keeps the rest of the process's fds for the host) when none may be taken. */
VOS_API int vos_host_fds(vos_host *h, int n);
/* The VM's user and group ids (files a driver creates belong to them). */
VOS_API unsigned vos_host_uid(vos_host *h);
VOS_API unsigned vos_host_gid(vos_host *h);
/* The current time (CLOCK_REALTIME ns). */
VOS_API int64_t vos_host_now(vos_host *h);
/* Detail for the error the driver is about to return (vos_errmsg / the VM's messages). */
VOS_API void vos_host_errmsg(vos_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- the driver ---- */

/* readdir's callback: one entry (never "." or ".."); st is the entry's attributes when the
 * driver has them at no extra cost (NULL otherwise). Return nonzero to stop. */
typedef int (*vos_dir_fn)(void *ctx, const char *name, uint64_t ino, unsigned type,
                          const vos_dstat *st);

/* Paths ("rel") are relative to the mount's root: "" is the root, otherwise components joined
 * by single '/'. Every method returns 0 (or a count) or a negative VOS_E* code (a host -errno
 * has the same value for the errno class).
 * lstat is also asked about a whole path at once, before the kernel has looked at its middle
 * components (a fast path: one call for a deep path): a driver must never follow a symlink or
 * pass through a non-directory in the middle of rel, and answers VOS_ELOOP or VOS_ENOTDIR there
 * (the kernel then walks component by component); VOS_ENOENT only when a component is missing
 * and every one before it is a real directory. Every other method gets a path whose middle
 * components the kernel has checked. */
typedef struct vos_fs_ops {
    size_t struct_size; /* sizeof(vos_fs_ops) as the driver was built */
    int version;        /* VOS_DRIVER_VERSION */
    const char *name;   /* "memfs", shown in /proc/mounts and df */
    int (*lstat)(vos_fs *fs, vos_call *c, const char *rel, vos_dstat *st);
    /* flags: VOS_O_* (access mode, CREAT, EXCL, TRUNC, APPEND, DIRECTORY). The last component
     * is never followed: a symlink there fails with VOS_ELOOP. A directory opens read-only. */
    int (*open)(vos_fs *fs, vos_call *c, const char *rel, int flags, unsigned mode,
                vos_file **out);
    int (*mkdir)(vos_fs *fs, vos_call *c, const char *rel, unsigned mode);
    /* Make a special file: mode is VOS_S_IFIFO | permissions (named pipes; the kernel gives
     * them their pipe, the driver only keeps the entry). */
    int (*mknod)(vos_fs *fs, vos_call *c, const char *rel, unsigned mode);
    int (*rmdir)(vos_fs *fs, vos_call *c, const char *rel);
    int (*unlink)(vos_fs *fs, vos_call *c, const char *rel); /* not a directory */
    int (*rename)(vos_fs *fs, vos_call *c, const char *from, const char *to); /* rename(2) */
    int (*link)(vos_fs *fs, vos_call *c, const char *from, const char *to);
    int (*symlink)(vos_fs *fs, vos_call *c, const char *target, const char *rel);
    ssize_t (*readlink)(vos_fs *fs, vos_call *c, const char *rel, char *buf, size_t n);
    int (*chmod)(vos_fs *fs, vos_call *c, const char *rel, unsigned mode);
    /* times: atime, mtime in ns, or VOS_UTIME_NOW / VOS_UTIME_OMIT; never follows */
    int (*utimens)(vos_fs *fs, vos_call *c, const char *rel, const int64_t times[2]);
    int (*truncate)(vos_fs *fs, vos_call *c, const char *rel, uint64_t len);
    /* Calls fn for every entry of the directory rel, in the driver's order. */
    int (*readdir)(vos_fs *fs, vos_call *c, const char *rel, vos_dir_fn fn, void *ctx);
    int (*statfs)(vos_fs *fs, vos_call *c, vos_statfs *st);
    /* Driver-specific requests (op numbers are the driver's); VOS_ENOTSUP for unknown ones. */
    int (*ctl)(vos_fs *fs, vos_call *c, int op, void *arg);
    /* Free the filesystem: called once, after its last file is closed and its last call
     * returned. */
    void (*unmount)(vos_fs *fs);
} vos_fs_ops;

typedef struct vos_file_ops {
    size_t struct_size; /* sizeof(vos_file_ops) as the driver was built */
    ssize_t (*pread)(vos_file *f, vos_call *c, void *buf, size_t n, uint64_t off);
    /* Write at off; returns the bytes written (short only on an error after some bytes). */
    ssize_t (*pwrite)(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t off);
    /* Append atomically at the end of the file (O_APPEND: no other writer's bytes can land
     * between the size check and the write, not even another process's on the host); *end
     * is set to the offset just after the bytes written. NULL: the kernel appends with
     * fstat + pwrite under its own lock (atomic only among the VM's processes). */
    ssize_t (*append)(vos_file *f, vos_call *c, const void *buf, size_t n, uint64_t *end);
    int (*fstat)(vos_file *f, vos_call *c, vos_dstat *st);
    int (*ftruncate)(vos_file *f, vos_call *c, uint64_t len);
    int (*fsync)(vos_file *f, vos_call *c, int datasync);
    /* Close and free f (freed even when it fails); the error is what close(2) reports. */
    int (*close)(vos_file *f, vos_call *c);
    /* Copy n bytes from f at off to out (a file of the same driver, even of another mount of
     * it) at out_off, without the bytes passing through the caller (cp on hostfs: the host's
     * copy_file_range). Returns the bytes copied (0 at f's end), or VOS_EXDEV when these two
     * files cannot be copied this way (the kernel then reads and writes). NULL: not supported. */
    ssize_t (*copy_range)(vos_file *f, vos_call *c, uint64_t off, vos_file *out,
                          uint64_t out_off, size_t n);
} vos_file_ops;

#define VOS_FS_RDONLY 1u   /* the driver refuses every write (the kernel says EROFS first) */
#define VOS_FS_NOBLOCK 2u  /* calls never block (all in memory): the kernel need not yield */

/* A mounted filesystem: a driver's own struct embeds it first. */
struct vos_fs {
    const vos_fs_ops *ops;
    vos_host *host; /* set by the driver's mount from its argument */
    unsigned flags; /* VOS_FS_* */
};

/* An open file: a driver's own struct embeds it first. */
struct vos_file {
    const vos_file_ops *ops;
    vos_fs *fs;
};

/* What vos_mount passes to a driver's mount function. */
typedef struct vos_mount_args {
    size_t struct_size;
    const char *source;  /* vos_mount_spec.host_path (a host directory for hostfs) */
    const char *options; /* "" when none */
    void *arg;           /* vos_mount_spec.arg */
    int readonly;
} vos_mount_args;

typedef struct vos_driver {
    size_t struct_size; /* sizeof(vos_driver) */
    int version;        /* VOS_DRIVER_VERSION */
    const char *name;   /* what vos_mount_spec.driver names */
    /* Make a filesystem for one mount of one VM: allocate from h, set (*out)->host = h.
     * Errors come back from vos_mount. */
    int (*mount)(vos_host *h, const vos_mount_args *a, vos_fs **out);
} vos_driver;

/* Register a driver for every VM of this process; d is borrowed and must stay valid while any
 * VM may mount it. VOS_EEXIST when the name is taken, VOS_EINVAL for a bad table,
 * VOS_ENOMEM. Thread-safe. */
VOS_API int vos_driver_register(const vos_driver *d);

#ifdef __cplusplus
}
#endif
#endif
