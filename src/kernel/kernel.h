/* kernel.h: the system-call surface of the vos kernel, as the shell and the commands see it.
 * Every call takes the calling process, checks the VM's policy and limits, and returns
 * 0 / a count, or a negative error code. NOTE: the VOS_E* constants are ALREADY NEGATIVE
 * (VOS_ENOENT == -2, Linux's -errno for the errno class): return and compare them as they
 * are (`return VOS_ENOENT;`, `if (rc == VOS_EEXIST)`), never negate them.
 * Nothing here touches the host except through a mount driver. The shell and the commands
 * reach the host only through these calls. */
#ifndef VK_KERNEL_H
#define VK_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vos.h"

typedef struct vk_vm vk_vm;
typedef struct vk_proc vk_proc;

/* ---- constants: the Linux values, so host headers' O_*, S_* constants agree ---- */
#define VK_O_RDONLY 00
#define VK_O_WRONLY 01
#define VK_O_RDWR 02
#define VK_O_ACCMODE 03
#define VK_O_CREAT 0100
#define VK_O_EXCL 0200
#define VK_O_NOCTTY 0400
#define VK_O_TRUNC 01000
#define VK_O_APPEND 02000
#define VK_O_NONBLOCK 04000
#define VK_O_DIRECTORY 0200000
#define VK_O_NOFOLLOW 0400000
#define VK_O_CLOEXEC 02000000

#define VK_S_IFMT 0170000
#define VK_S_IFSOCK 0140000
#define VK_S_IFLNK 0120000
#define VK_S_IFREG 0100000
#define VK_S_IFBLK 0060000
#define VK_S_IFDIR 0040000
#define VK_S_IFCHR 0020000
#define VK_S_IFIFO 0010000
#define VK_S_ISREG(m) (((m)&VK_S_IFMT) == VK_S_IFREG)
#define VK_S_ISDIR(m) (((m)&VK_S_IFMT) == VK_S_IFDIR)
#define VK_S_ISLNK(m) (((m)&VK_S_IFMT) == VK_S_IFLNK)
#define VK_S_ISCHR(m) (((m)&VK_S_IFMT) == VK_S_IFCHR)
#define VK_S_ISFIFO(m) (((m)&VK_S_IFMT) == VK_S_IFIFO)

#define VK_SEEK_SET 0
#define VK_SEEK_CUR 1
#define VK_SEEK_END 2

/* dirent types (Linux DT_*) */
#define VK_DT_UNKNOWN 0
#define VK_DT_FIFO 1
#define VK_DT_CHR 2
#define VK_DT_DIR 4
#define VK_DT_REG 8
#define VK_DT_LNK 10

#define VK_NSIG 32
#define VK_PATH_MAX 4096
#define VK_NAME_MAX 255
#define VK_SYMLOOP_MAX 40

/* File status, like POSIX's `struct stat` beside stat(): always written `struct vk_stat`
 * (no typedef, since vk_stat() is the system call). Times in ns since the epoch. */
struct vk_stat {
    uint64_t dev; /* mount id */
    uint64_t ino;
    uint32_t mode; /* VK_S_IF* | permission bits */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t rdev;
    uint64_t size;
    uint64_t blocks; /* 512-byte blocks */
    uint32_t blksize;
    int64_t atime_ns, mtime_ns, ctime_ns;
};

typedef struct vk_dirent {
    uint64_t ino;
    unsigned type; /* VK_DT_* */
    char name[VK_NAME_MAX + 1];
} vk_dirent;

/* ---- memory: every process has an arena; all of it is freed when the process ends ----
 * vk_malloc returns NULL when the VM's memory limit would be passed (the process is then
 * marked as having hit VOS_EMEMLIMIT; the exec ends with that code). */
void *vk_malloc(vk_proc *p, size_t n);
void *vk_calloc(vk_proc *p, size_t n, size_t size);
void *vk_realloc(vk_proc *p, void *ptr, size_t n);
void vk_free(vk_proc *p, void *ptr);
char *vk_strdup(vk_proc *p, const char *s);
char *vk_strndup(vk_proc *p, const char *s, size_t n);

/* ---- processes ----
 * A process is a host thread (or runs on its parent's thread with vk_proc_run). A child
 * starts with a copy of its parent's fd table, cwd, umask, environment and signal
 * dispositions (caught signals reset to default, as exec does), and a fresh arena.
 * Process entries return the exit status (0-255); vk_exit ends the process from anywhere in
 * command code (it unwinds to the process entry). */
typedef int (*vk_entry_fn)(vk_proc *p, void *arg);

int vk_proc_new(vk_proc *parent, vk_proc **out);  /* not started yet; VOS_EPROCS at limit */
/* Start child on its own thread: returns its pid. The child is reaped with vk_waitpid. */
int vk_proc_start(vk_proc *child, vk_entry_fn fn, void *arg);
/* Run child on the calling thread to its end; returns its wait status (see VK_W*) and reaps
 * it. The parent is blocked meanwhile (as a parent in waitpid would be). */
int vk_proc_run(vk_proc *child, vk_entry_fn fn, void *arg);
/* Discard a child that was never started. */
void vk_proc_discard(vk_proc *child);
_Noreturn void vk_exit(vk_proc *p, int status);

int vk_getpid(vk_proc *p);
int vk_getppid(vk_proc *p);
int vk_getpgid(vk_proc *p);
int vk_setpgid(vk_proc *p, int pgid); /* own process group only */

/* Wait status: exited with code (0-255), or killed by a signal. */
#define VK_W_EXIT(code) (((code)&0xff) << 8)
#define VK_W_SIG(sig) ((sig)&0x7f)
#define VK_WIFEXITED(w) (((w)&0x7f) == 0)
#define VK_WEXITSTATUS(w) (((w) >> 8) & 0xff)
#define VK_WIFSIGNALED(w) (((w)&0x7f) != 0)
#define VK_WTERMSIG(w) ((w)&0x7f)
/* the shell's $? of a wait status: code, or 128+signal */
#define VK_WSHELL(w) (VK_WIFEXITED(w) ? VK_WEXITSTATUS(w) : 128 + VK_WTERMSIG(w))
#define VK_WNOHANG 1
/* pid > 0: that child; pid == -1: any child. Returns the pid reaped, 0 with VK_WNOHANG when
 * none has ended, VOS_ECHILD when there is none, VOS_EINTR when a caught signal arrived. */
int vk_waitpid(vk_proc *p, int pid, int *wstatus, int flags);

/* ---- exec: run a program in the current process; returns only on failure ----
 * path: a command name found in /bin (e.g. "cat"), or a VM path to /bin/x, a script with #!
 * (run by its interpreter), a text file without #! (run by sh), or (when the VM allows it)
 * the vos binary itself on a host mount (run as the command of its base name).
 * envp: NULL-terminated "K=V" strings; copied. Errors: VOS_ENOENT, VOS_EACCES,
 * VOS_ENOEXEC (a binary we cannot run), VOS_ECMDDENIED (policy), VOS_E2BIG. */
int vk_execve(vk_proc *p, const char *path, char *const argv[], char *const envp[]);
/* Is name a command built into vos (and allowed by policy)? */
bool vk_command_exists(vk_proc *p, const char *name);

/* Environment of the process (what exec gave it). vk_getenv returns a borrowed pointer. */
const char *vk_getenv(vk_proc *p, const char *name);
char *const *vk_environ(vk_proc *p);
int vk_setenv(vk_proc *p, const char *name, const char *value); /* value NULL unsets */

/* ---- signals ---- */
#define VK_SIG_DFL 0
#define VK_SIG_IGN 1
#define VK_SIG_CATCH 2 /* the process polls with vk_sig_take; blocking calls return -EINTR */
int vk_signal(vk_proc *p, int sig, int disposition);      /* returns the old disposition */
int vk_kill(vk_proc *p, int pid, int sig); /* pid > 0: process; pid < 0: group -pid; 0: own group */
/* Take (and clear) the bitmask of caught signals that arrived (bit sig). */
uint32_t vk_sig_take(vk_proc *p);
/* 0: carry on. VOS_EINTR: a caught signal is pending (take it with vk_sig_take and run the
 * trap). Any other negative value: the process must end now (a fatal signal, the exec's time
 * or step limit, a host interrupt, a resource limit): unwind and end. Blocking calls return
 * the same codes. vk_dying gives the wait status the process will end with (0 if none). */
int vk_check(vk_proc *p);
int vk_dying(vk_proc *p);
/* Count n interpreter steps against the exec's CPU step budget; 0 or the vk_check answer. */
int vk_steps(vk_proc *p, uint64_t n);

/* ---- files ---- */
int vk_open(vk_proc *p, const char *path, int flags, unsigned mode);
int vk_close(vk_proc *p, int fd);
ssize_t vk_read(vk_proc *p, int fd, void *buf, size_t n);
ssize_t vk_write(vk_proc *p, int fd, const void *buf, size_t n); /* all of buf unless error */
ssize_t vk_pread(vk_proc *p, int fd, void *buf, size_t n, int64_t off);
int64_t vk_lseek(vk_proc *p, int fd, int64_t off, int whence);
int vk_dup(vk_proc *p, int fd);
int vk_dup2(vk_proc *p, int fd, int newfd);
int vk_dupfd(vk_proc *p, int fd, int minfd, bool cloexec); /* F_DUPFD(_CLOEXEC) */
int vk_set_cloexec(vk_proc *p, int fd, bool on);
int vk_get_cloexec(vk_proc *p, int fd);  /* 1 / 0 / -EBADF */
int vk_get_flags(vk_proc *p, int fd);    /* open flags (access mode, APPEND) */
bool vk_fd_valid(vk_proc *p, int fd);
int vk_pipe(vk_proc *p, int fds[2]);
int vk_isatty(vk_proc *p, int fd);       /* always 0 for now (no terminals in a VM) */
int vk_fstat(vk_proc *p, int fd, struct vk_stat *st);
int vk_ftruncate(vk_proc *p, int fd, uint64_t len);
/* Read one directory entry from a directory fd: 1 and *ent filled, 0 at the end. Entries
 * come in the driver's order, without "." and "..". */
int vk_readdir(vk_proc *p, int fd, vk_dirent *ent);
/* The same, with the entry's attributes when the driver gave them with the listing (one round
 * trip for `ls -l` on a remote mount): 2 with *st filled, 1 without, 0 at the end. */
int vk_readdir_attr(vk_proc *p, int fd, vk_dirent *ent, struct vk_stat *st);
int vk_fsync(vk_proc *p, int fd);
/* Copy up to n bytes from in to out at their offsets (or, when the offset pointer is NULL, the
 * fd's position, which moves), without the bytes passing through the caller when the driver
 * can (copy_file_range on a host directory, one copy inside memory): what cp uses. Returns the
 * bytes copied, 0 at in's end. */
ssize_t vk_copy_range(vk_proc *p, int in, int64_t *in_off, int out, int64_t *out_off, size_t n);

/* Filesystem statistics (df, stat -f) of the mount holding path / fd. */
typedef struct vk_statfs_buf {
    uint64_t bsize, blocks, bfree, bavail, files, ffree;
    uint32_t namemax;
    uint64_t dev;          /* the mount's id (st_dev of its files) */
    bool rdonly;
    char type[32];         /* the driver's name: "memfs", "hostfs", "overlay", "proc"... */
    char mountpoint[VK_PATH_MAX];
} vk_statfs_buf;
int vk_statfs(vk_proc *p, const char *path, vk_statfs_buf *out);
int vk_fstatfs(vk_proc *p, int fd, vk_statfs_buf *out);
/* The VM's mounts in /proc/mounts order (outermost first): calls fn for each; fn returns
 * nonzero to stop. */
int vk_mounts(vk_proc *p, int (*fn)(void *ctx, const vk_statfs_buf *m), void *ctx);
/* Make a named pipe (FIFO). */
int vk_mkfifo(vk_proc *p, const char *path, unsigned mode);

int vk_stat(vk_proc *p, const char *path, struct vk_stat *st);
int vk_lstat(vk_proc *p, const char *path, struct vk_stat *st);
#define VK_R_OK 4
#define VK_W_OK 2
#define VK_X_OK 1
#define VK_F_OK 0
int vk_access(vk_proc *p, const char *path, int mode);
int vk_mkdir(vk_proc *p, const char *path, unsigned mode);
int vk_rmdir(vk_proc *p, const char *path);
int vk_unlink(vk_proc *p, const char *path);
int vk_rename(vk_proc *p, const char *from, const char *to);
int vk_link(vk_proc *p, const char *from, const char *to);
int vk_symlink(vk_proc *p, const char *target, const char *linkpath);
/* Returns the length (not NUL-terminated, like readlink(2)) or an error. */
ssize_t vk_readlink(vk_proc *p, const char *path, char *buf, size_t n);
int vk_chmod(vk_proc *p, const char *path, unsigned mode);
#define VK_UTIME_NOW (-1)
#define VK_UTIME_OMIT (-2)
int vk_utimens(vk_proc *p, const char *path, const int64_t times_ns[2], bool follow);
/* futimens: the times of an open file (a pipe or the like has none to keep: 0) */
int vk_futimens(vk_proc *p, int fd, const int64_t times_ns[2]);
int vk_truncate(vk_proc *p, const char *path, uint64_t len);
int vk_chdir(vk_proc *p, const char *path);
/* The cwd (a VM absolute path), borrowed; valid until the next chdir. */
const char *vk_getcwd(vk_proc *p);
/* Canonical absolute path of path (symlinks resolved, all components must exist unless
 * allow_missing_last); result in the process arena. */
int vk_realpath(vk_proc *p, const char *path, bool allow_missing_last, char **out);
unsigned vk_umask(vk_proc *p, unsigned mask); /* returns the old mask */

/* ---- time ---- */
/* CPU time in ns, as POSIX times() splits it: this process, and its children that have been
 * waited for (with their own waited-for children). */
typedef struct vk_tms {
    int64_t utime, stime, cutime, cstime;
} vk_tms;
int vk_times(vk_proc *p, vk_tms *t);
int64_t vk_time_ns(vk_proc *p);      /* realtime */
int64_t vk_monotonic_ns(vk_proc *p);
/* Sleep; wakes early with VOS_EINTR for a caught signal or the vk_check code. */
int vk_sleep_ns(vk_proc *p, int64_t ns);
/* Until until_ns (vk_monotonic_ns's clock; 0: never again), a read or write that would block
 * on a pipe gives up with VOS_ETIMEDOUT at that time (read -t). Only for the calling
 * process's own blocking calls. */
void vk_set_io_deadline(vk_proc *p, int64_t until_ns);
uint64_t vk_random(vk_proc *p); /* 64 random bits */

/* ---- identity ---- */
const char *vk_hostname(vk_proc *p);
const char *vk_username(vk_proc *p);
unsigned vk_getuid(vk_proc *p);
unsigned vk_getgid(vk_proc *p);
const char *vk_homedir(vk_proc *p);

/* ---- limits ---- */
const vos_limits *vk_limits(vk_proc *p); /* in force for the current exec */
/* Record that a limit was hit (the exec reports code); returns -code-ish value to propagate. */
int vk_limit_hit(vk_proc *p, int code);
/* True when the calling thread is near the end of its C stack. Processes are threads, and an
 * exec's shell runs on the host's own thread, so every recursion that input can drive (the
 * evaluator, the parser, arithmetic, patterns) asks this besides counting its own limit: a
 * hostile script ends on VOS_ENEST, never on a host segfault. */
bool vk_stack_low(void);

#endif
