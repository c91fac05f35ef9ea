/* internal.h: the kernel's own structures (VM, process, exec, open file, pipe, sink, mount)
 * and the functions its files share. Only src/kernel includes this; the shell and commands see
 * kernel.h, drivers vos_driver.h, the API layer host.h.
 *
 * Locking (docs/kernel.md has the whole story):
 *  - vm->mu guards the process table, fd tables, open-file refcounts, pipes, sinks, signals
 *    and exec refcounts. It is held only for short, non-blocking work: never across a driver
 *    call, a host callback (output, trace), a thread join or a host library call. Blocking
 *    waits are condition variables on it (monotonic clock); a signal, an interrupt or the
 *    watchdog wakes a blocked process through the condition it waits on (p->waitcv).
 *  - vm->mntlk (rwlock) guards the mount list; a mount in use is pinned (busy, nopen), so
 *    vos_umount answers EBUSY instead of waiting.
 *  - an open file's position and directory listing: its own ofd->lk, held across the driver
 *    call that moves them (as Linux's f_pos lock), so one slow file stalls only its users.
 *  - drivers lock their own state; the kernel calls them from any process's thread.
 *  - lock order: an ofd->lk may be taken before vm->mu, never after; vm->mu before
 *    vm->errmu and vm->cpumu; the watchdog's lock is never held while taking another.
 * A thread that drops the last reference to a file under vm->mu does not close it there: the
 * close is queued and runs in vk_unlock, after the mutex is released. */
#ifndef VK_INTERNAL_H
#define VK_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>

#include "kernel/host.h"
#include "kernel/kernel.h"
#include "vos_driver.h"

typedef struct vk_ofd vk_ofd;
typedef struct vk_pipebuf vk_pipebuf;
typedef struct vk_mnt vk_mnt;

#define VK_DCACHE 8

/* An exec: one vos_exec / vos_spawn. Its processes share its limits and its fate. */
struct vk_exec {
    _Atomic int refs;
    vk_vm *vm;
    vos_limits lim;          /* resolved (no zeros) */
    int64_t deadline_ns;     /* monotonic; INT64_MAX for none */
    _Atomic uint64_t steps;
    _Atomic int abort;       /* 0 or the VOS_E* code that ends the exec */
    uint64_t out_used;       /* bytes written to its sinks (under vm->mu) */
    bool mem_reserve;        /* may use the memory kept back for a full session */
    /* the watchdog's list (under its own lock) */
    bool wd_armed;
    vk_exec *wd_prev, *wd_next;
    char errmsg[256];        /* the last detail set by its processes (under vm->errmu) */
};

struct vk_mnt {
    char *path;              /* absolute VM path, "/" for the root */
    size_t len;
    vos_fs *fs;
    int kind;                /* VK_MNT_* */
    uint64_t dev;
    bool rdonly;             /* the kernel refuses writes (EROFS), whatever the driver says */
    _Atomic int busy;        /* calls in flight (vk_mnt_get / vk_mnt_put) */
    _Atomic int nopen;       /* open files */
    vk_mnt *next;
};
enum { VK_MNT_PLAIN = 0, VK_MNT_DEV, VK_MNT_PROC, VK_MNT_BIN };

/* A waiter for a CPU token (vk_cpu_*), queued in order. */
typedef struct vk_cpuw {
    pthread_cond_t cv;
    bool granted;
    struct vk_cpuw *next;
} vk_cpuw;

struct vk_vm {
    vos_alloc_fn alloc;
    void *alloc_ud;
    _Atomic size_t mem_used;
    _Atomic size_t mem_peak;
    size_t mem_reserve;      /* kept back from ordinary allocations for a full session */
    vos_limits lim;          /* VM defaults, resolved */
    pthread_mutex_t mu;
    pthread_condattr_t cattr;
    _Atomic int64_t fs_bytes, fs_inodes;
    _Atomic uint64_t fs_gen;   /* vfs.c: moves at every call that may change a file, and at
                                  (u)mounts (escalate.c skips its export while it stands) */
    _Atomic int host_fds;    /* host fds held by this VM's mounts */
    int64_t boot_ns;

    pthread_rwlock_t mntlk;
    vk_mnt *mounts;          /* longest path first */
    uint64_t next_dev;

    vk_proc *procs;          /* all processes, including zombies */
    int next_pid;
    int nprocs;              /* alive (not reaped) */
    pthread_cond_t procs_cv; /* broadcast when a process ends */
    _Atomic int nexecs;      /* execs not yet freed (vos_vm_free waits for 0) */

    vk_pipebuf *fifos;       /* the pipes of named pipes (FIFOs) open now, under mu */
    /* directories the VM's processes opened lately, by canonical path (under mu): a lookup or
     * a removal in one of them is one driver call relative to it (vk_dcache_*); any rename,
     * rmdir or (u)mount moves dcache_gen on and the entries of older generations go */
    struct vk_dcent {
        char *path;
        vk_ofd *o;
        uint64_t gen;
        int64_t until;       /* monotonic ns: past it the entry is not used (a tree the host
                                can change too: hostfs) */
    } dcache[VK_DCACHE];
    unsigned dcache_next;
    _Atomic uint64_t dcache_gen;
    pthread_mutex_t appendmu; /* appends to files whose driver has no append of its own */

    vk_proc *session;        /* the shell session process (pid 1) */
    vk_exec *cur_exec;       /* the exec vos_exec is running, for vos_interrupt */

    const vk_progtab *progs; /* the programs the VM can run (given by the API layer) */
    char *hostname, *user, *home;
    bool booting;            /* building the base system: files belong to root */
    bool multicall_self;
    uint64_t self_dev, self_ino;
    bool self_known;
    uint64_t rng[4];         /* under mu */

    pthread_mutex_t errmu;
    char *errmsg;            /* details set outside any exec (under errmu; VK_ERRMSG bytes,
                                made when first needed) */

    void (*trace)(void *ud, const vos_trace_event *ev);
    void *trace_ud;
    vos_ask_fn ask;          /* policy.c */
    void *ask_ud;
    uint64_t ask_timeout_ms;
    void (*audit)(void *ud, const vos_audit_event *ev);
    void *audit_ud;
    struct vk_policy *policy; /* policy.c: the rules of every kind */
    _Atomic(struct vk_tool_coll *) tools; /* tools.c: host tool collections (add-only) */
    struct vk_net *net;      /* net.c: the copy of the network rules, the resolver */
    char **escalate;         /* escalate.c: names run natively in a jail, "*" any; NULL none */
    char *escalate_image;
    struct vk_esc_cache *esc_cache; /* escalate.c: the host copy kept between calls */
    /* fault injection for tests: the fault_nth-th driver call from now fails with fault_code */
    _Atomic long fault_nth;
    int fault_code;

    /* CPU tokens: at most cpu_max of the VM's processes run at once; the others queue */
    pthread_mutex_t cpumu;
    _Atomic int cpu_free;
    vk_cpuw *cpu_head, *cpu_tail;
    _Atomic int cpu_waiting;
};

typedef struct vk_fdent {
    vk_ofd *ofd;
    bool cloexec;
} vk_fdent;

enum { PS_EMBRYO, PS_RUNNING, PS_ZOMBIE };

struct vk_proc {
    vk_vm *vm;
    uint64_t fs_writes;      /* vfs.c: its own moves of vm->fs_gen (its thread only) */
    int pid, ppid, pgid;
    int state;
    int wstatus;
    vk_exec *ex;
    vk_fdent *fds;
    int nfds;
    char *cwd;               /* arena */
    unsigned umask;
    char **env;              /* arena, NULL-terminated */
    int nenv;
    uint8_t sigdisp[VK_NSIG];
    _Atomic uint32_t sigpending; /* caught signals */
    _Atomic int fatal;       /* wait status to die with, 0 if none */
    char comm[16];           /* the program's name, as /proc/PID/status shows it */
    char *cmdline;           /* its arguments, each ended by a NUL (/proc/PID/cmdline), in
                                the process's arena; replaced under vm->mu */
    size_t cmdline_len;
    _Atomic bool stopped;    /* SIGSTOP/TSTP/TTIN/TTOU: paused at its next system call or
                                step until SIGCONT (or death) */
    int64_t io_until_ns;     /* vk_set_io_deadline (read -t): 0, or when a blocking pipe
                                wait gives up with VOS_ETIMEDOUT (monotonic) */
    pthread_cond_t cv;       /* waitpid and sleep wait here */
    pthread_cond_t *waitcv;  /* the condition this process is blocked on, or NULL */
    bool has_thread;         /* runs on a pool thread (vk_proc_start): vk_proc_join before
                                destroying it */
    _Atomic bool thread_done; /* that thread no longer touches it */
    jmp_buf *exit_jb;
    int exit_wstatus;
    void *arena;             /* list of arena blocks */
    vk_entry_fn entry;
    void *entry_arg;
    vk_proc *next;           /* vm->procs */
    bool waited_by_run;      /* reaped by vk_proc_run */
    vk_proc *fg_child;       /* the child running on this thread (vk_proc_run) */
    /* CPU accounting (ns): the thread's usage when the process started running on it, the
     * usage of children that ran on the same thread meanwhile (not ours), what finished runs
     * added up (the session runs once per exec), and waited-for children's totals */
    int64_t t0_u, t0_s, fg_u, fg_s, acc_u, acc_s, cu, cs;
    bool privileged;         /* the session serving a host file call: no path rules */
    bool api_owned;          /* started by vos_spawn: reaped through its handle */
};

enum { OFD_FILE = 1, OFD_DIR, OFD_PIPE_R, OFD_PIPE_W, OFD_PIPE_RW, OFD_SINK, OFD_DATA };

struct vk_ofd {
    int refs;                /* under vm->mu */
    int kind;
    int flags;               /* open flags */
    vk_vm *vm;
    /* OFD_FILE, OFD_DIR: the position and listing, under lk */
    pthread_mutex_t lk;
    int64_t off;
    vos_file *file;
    vk_mnt *mnt;
    char *path;              /* absolute VM path at open (readdir, /proc/PID/fd/N) */
    vk_dirent *ents;
    struct vk_stat *ent_st;  /* attributes the driver gave with the listing, or NULL */
    unsigned char *ent_has;  /* which ents have attributes */
    size_t nents, entcap, dirpos;
    bool dir_loaded;
    /* a directory in the VM's cache: its attributes for write checks (under lk), valid
     * while the cache's generation is dirst_gen (a chmod, rename, rmdir or mount moves it) */
    bool dirst_ok;
    uint64_t dirst_gen;
    struct vk_stat dirst;
    /* pipes, sinks, stdin data (under vm->mu) */
    vk_pipebuf *pipe;
    vk_sink *sink;
    char *data;
    size_t data_len;
    vk_ofd *close_next;      /* queued for closing after vm->mu is released */
};

#define VK_PIPE_CAP 65536
struct vk_pipebuf {
    char buf[VK_PIPE_CAP];
    size_t head, len;
    int readers, writers;    /* ofds open on each end */
    pthread_cond_t cv;
    /* a named pipe's: its file (mount dev, inode), opens so far of each end (a blocked open
     * waits for the other end's count to move), and the VM's list of them */
    bool fifo;
    uint64_t fifo_dev, fifo_ino;
    unsigned long ropens, wopens;
    vk_pipebuf *fifo_next;
};

struct vk_sink {
    int refs;
    vk_exec *ex;
    char *data;              /* captured bytes (when no callback) */
    size_t len, cap;
    void (*cb)(void *ud, const void *data, size_t len);
    void *ud;
    bool closed;             /* the exec returned: further writes are dropped */
};

#define VK_ERRMSG 256

/* The context of one driver call (vos_call in vos_driver.h). */
struct vos_call {
    vk_proc *p;
    vk_exec *ex;
};

/* ---- locks (lock.h-like helpers, in fd.c) ---- */
void vk_lock(vk_vm *vm);
void vk_unlock(vk_vm *vm); /* also closes the files whose last reference went under the lock */
#define VK_LOCK(vm) vk_lock(vm)
#define VK_UNLOCK(vm) vk_unlock(vm)
bool vk_lock_held(void);   /* does the calling thread hold some VM's mu? (for asserts) */

/* ---- alloc.c ---- */
void *vk_vm_alloc(vk_vm *vm, size_t n);
void *vk_vm_realloc(vk_vm *vm, void *p, size_t old, size_t n);
void vk_vm_free(vk_vm *vm, void *p, size_t n);
char *vk_vm_strdup(vk_vm *vm, const char *s);
void vk_vm_strfree(vk_vm *vm, char *s);
void vk_arena_free_all(vk_proc *p);
/* The calling thread's process (set while a process runs on it), or NULL. */
vk_proc *vk_current(void);
void vk_set_current(vk_proc *p);

/* ---- proc.c ---- */
int vk_proc_create(vk_vm *vm, vk_proc *parent, vk_proc **out);
void vk_proc_finish(vk_proc *p, int wstatus);
void vk_wake(vk_proc *p);
void vk_deliver_locked(vk_proc *t, int sig);
bool vk_cmd_allowed(vk_vm *vm, const char *name);
int vk_dying_locked(vk_proc *p);
void vk_exec_abort_locked(vk_vm *vm, vk_exec *ex, int code);
int vk_wait_cv(vk_proc *p, pthread_cond_t *cv, int64_t until_ns);
void vk_timed_wait_ms(vk_vm *vm, int ms);
int64_t vk_now_mono(void);
void vk_cpu_start(vk_proc *p);
void vk_cpu_stop(vk_proc *p);
void vk_proc_destroy(vk_vm *vm, vk_proc *p);
void vk_proc_join(vk_proc *p);
void vk_unlink_proc(vk_vm *vm, vk_proc *p);
/* CPU tokens (fair share between processes and VMs): the calling thread takes one before
 * running a process's code and gives it back before it blocks. */
void vk_cpu_init(vk_vm *vm);
void vk_cpu_take(vk_vm *vm);
void vk_cpu_give(void);      /* give back the calling thread's token, if it holds one */
void vk_cpu_ensure(vk_vm *vm); /* take one if the thread holds none */
void vk_cpu_yield(vk_vm *vm);  /* let a waiting process run, if one waits */

/* ---- policy.c ---- */
/* Ask the host about req (a rule whose outcome is VOS_POLICY_ASK): VOS_POLICY_ALLOW or
 * VOS_POLICY_DENY. No callback, no answer within the VM's ask timeout, or the process being
 * ended meanwhile: deny. Called without VM locks held. */
int vk_ask(vk_proc *p, const vos_request *req);
/* Hand ev to the host's audit callback, if any (struct_size and NULL strings filled in).
 * Called without VM locks held. */
void vk_audit(vk_vm *vm, const vos_audit_event *ev);
/* The policy engine. init copies cfg's path rules, command lists, policy rules and network
 * rules (VOS_EINVAL for a bad one); free releases them. */
typedef struct vk_policy vk_policy;
/* When every path under abs (and abs) decides as abs does (no path rule names a path below it):
 * true, with the outcomes (VOS_POLICY_*) for reads and writes, decided without asking the
 * host. False when some rule names a path below abs. */
bool vk_policy_path_subtree(vk_vm *vm, const char *abs, int *read, int *write);
int vk_policy_init(vk_vm *vm, const vk_vm_config *cfg);
void vk_policy_free(vk_vm *vm);
/* Not denied outright (allowed, or to be asked): what /usr/bin lists. */
bool vk_policy_lists(vk_vm *vm, int kind, const char *subj);

/* ---- tools.c ---- */
struct vk_tool_coll;
/* Is name a host tool collection of the VM? Its n-th collection's name (NULL past the end). */
bool vk_tool_exists(vk_vm *vm, const char *name);
const char *vk_tool_name_at(vk_vm *vm, size_t i);
void vk_tools_free(vk_vm *vm);

/* ---- net.c ---- */
int vk_net_init(vk_vm *vm, const vk_vm_config *cfg); /* 0 or VOS_ENOMEM */
void vk_net_free(vk_vm *vm);

/* ---- fd.c ---- */
vk_ofd *vk_ofd_new(vk_vm *vm, int kind, int flags);
void vk_ofd_ref(vk_ofd *o);
void vk_ofd_unref(vk_vm *vm, vk_ofd *o); /* vm->mu held; a file's close is deferred */
int vk_fd_install(vk_proc *p, vk_ofd *o, int minfd, bool cloexec);
void vk_fds_close_all(vk_proc *p);
void vk_fds_close_cloexec(vk_proc *p);
int vk_fds_copy(vk_proc *dst, vk_proc *src);
int vk_fd_set(vk_proc *p, int fd, vk_ofd *o, bool cloexec); /* takes a ref */
vk_ofd *vk_fd_get(vk_proc *p, int fd);
void vk_sink_unref(vk_vm *vm, vk_sink *s);
size_t vk_pipe_put(vk_pipebuf *pp, const void *buf, size_t n);
vk_pipebuf *vk_pipebuf_new(vk_vm *vm);
struct vk_path;
int vk_fifo_open(vk_proc *p, struct vk_path *r, int flags);

/* ---- vfs.c: the one place the kernel calls a driver ----
 * Every vfs_* wrapper takes the calling process (NULL for the kernel's own calls while
 * booting or tearing down), must be called without vm->mu, counts the call for fault
 * injection, traces it, gives the CPU token back around a call that may block, and fills
 * st->dev. A NULL method gives VOS_ENOTSUP (VOS_EROFS for the write kinds). */
int vfs_lstat(vk_proc *p, vk_mnt *m, const char *rel, struct vk_stat *st);
int vfs_open(vk_proc *p, vk_mnt *m, const char *rel, int flags, unsigned mode, vos_file **out);
int vfs_mkdir(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode);
int vfs_mknod(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode);
/* Does the mount keep named pipes of its own (mknod)? Its FIFOs are the VM's pipes; a FIFO
 * on any other mount (a host directory's) is the driver's to refuse. */
bool vfs_has_fifos(vk_mnt *m);
int vfs_rmdir(vk_proc *p, vk_mnt *m, const char *rel);
int vfs_unlink(vk_proc *p, vk_mnt *m, const char *rel);
int vfs_rename(vk_proc *p, vk_mnt *m, const char *from, const char *to);
int vfs_link(vk_proc *p, vk_mnt *m, const char *from, const char *to);
int vfs_symlink(vk_proc *p, vk_mnt *m, const char *target, const char *rel);
ssize_t vfs_readlink(vk_proc *p, vk_mnt *m, const char *rel, char *buf, size_t n);
int vfs_chmod(vk_proc *p, vk_mnt *m, const char *rel, unsigned mode);
int vfs_utimens(vk_proc *p, vk_mnt *m, const char *rel, const int64_t times[2]);
int vfs_truncate(vk_proc *p, vk_mnt *m, const char *rel, uint64_t len);
int vfs_readdir(vk_proc *p, vk_mnt *m, const char *rel, vos_dir_fn fn, void *ctx);
int vfs_statfs(vk_proc *p, vk_mnt *m, vos_statfs *st);
int vfs_ctl(vk_proc *p, vk_mnt *m, int op, void *arg);
ssize_t vfs_pread(vk_proc *p, vk_mnt *m, vos_file *f, void *buf, size_t n, uint64_t off);
ssize_t vfs_pwrite(vk_proc *p, vk_mnt *m, vos_file *f, const void *buf, size_t n, uint64_t off);
ssize_t vfs_append(vk_proc *p, vk_mnt *m, vos_file *f, const void *buf, size_t n,
                   uint64_t *end);
int vfs_fstat(vk_proc *p, vk_mnt *m, vos_file *f, struct vk_stat *st);
int vfs_ftruncate(vk_proc *p, vk_mnt *m, vos_file *f, uint64_t len);
int vfs_fsync(vk_proc *p, vk_mnt *m, vos_file *f, int datasync);
int vfs_close(vk_proc *p, vk_mnt *m, vos_file *f);
/* Relative to an open directory (vk_dcache): a single entry name. */
bool vfs_has_at(vos_file *dir);
int vfs_lstatat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, struct vk_stat *st);
int vfs_unlinkat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, bool is_dir);
int vfs_openat(vk_proc *p, vk_mnt *m, vos_file *dir, const char *name, int flags, unsigned mode,
               vos_file **out);
/* VOS_EXDEV when the driver cannot copy between these two files itself. */
ssize_t vfs_copy_range(vk_proc *p, vk_mnt *m, vos_file *f, uint64_t off, vos_file *out,
                       uint64_t out_off, size_t n);
/* The mount table. vk_mnt_get finds the mount holding abs and pins it (vk_mnt_put unpins). */
vk_mnt *vk_mnt_get(vk_vm *vm, const char *abs);
void vk_mnt_put(vk_mnt *m);
const char *vk_mnt_rel(const vk_mnt *m, const char *abs);
bool vk_is_mountpoint(vk_vm *vm, const char *abs);
int vk_mount_add(vk_vm *vm, const char *abs, vos_fs *fs, int kind, bool rdonly);
void vk_mounts_free(vk_vm *vm);
/* Built-in drivers (src/fs) and the kernel's own (specialfs.c). */
extern const vos_driver vk_memfs_driver, vk_hostfs_driver;
int vk_driver_find(const char *name, const vos_driver **out);
vos_host *vk_host(vk_vm *vm);
vk_vm *vk_host_vm(vos_host *h);

/* ---- path.c ---- */
typedef struct vk_path {
    char abs[VK_PATH_MAX];   /* canonical absolute VM path */
    vk_mnt *mnt;             /* pinned while the vk_path lives: vk_path_done unpins */
    vk_ofd *dir;             /* the open parent directory it was found in (vk_dcache), or
                                NULL; referenced while the vk_path lives */
    const char *rel;         /* points into abs */
    bool exists;
    struct vk_stat st;       /* lstat of the result when exists */
    int magic_pid, magic_fd; /* /proc/PID/fd/N: magic_fd >= 0 */
} vk_path;
#define VK_RES_FOLLOW 1      /* follow a symlink in the last component */
#define VK_RES_MISSING_OK 2  /* the last component may be missing */
/* Resolve path for p (no VM lock held). On success r->mnt is pinned: call vk_path_done. */
int vk_resolve(vk_proc *p, const char *path, int flags, vk_path *out);
void vk_path_done(vk_path *r);
int vk_policy_check(vk_proc *p, const char *abs, bool write);
void vk_set_errmsg(vk_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the directory cache (path.c) ---- */
void vk_dcache_add(vk_vm *vm, vk_ofd *o);       /* an open directory, vm->mu held */
void vk_dcache_invalidate(vk_vm *vm);           /* a rename, rmdir or (u)mount happened */
void vk_dcache_drop(vk_vm *vm, vk_mnt *m);      /* m's entries (NULL: all), for umount and
                                                   the VM's end; takes vm->mu */

/* ---- specialfs.c ---- */
int devfs_new(vk_vm *vm, vos_fs **out);
int procfs_new(vk_vm *vm, vos_fs **out);
int binfs_new(vk_vm *vm, vos_fs **out);
int procfs_fd_path(const char *rel, int *pid, int *fd);

/* ---- watchdog.c: fires exec deadlines, whatever the exec's processes are doing ---- */
void vk_wd_arm(vk_exec *ex);
void vk_wd_disarm(vk_exec *ex);

/* ---- vm.c ---- */
void vk_exec_ref(vk_exec *ex);

/* The uid of a VM user name: 0 for root, 1000 for any other (proc.c). */
unsigned vk_user_uid(const char *user);

#endif
