/* internal.h: the kernel's own structures (VM, process, open file, pipe, sink, mount table).
 * Only the files of src/kernel includes this; the shell and commands see kernel.h, drivers vfs.h.
 * Locking: one mutex per VM (vm->mu) guards all of this; blocking waits use condition
 * variables on that mutex with the monotonic clock, so a signal or an interrupt can wake any
 * blocked process by broadcasting the condition it waits on (p->waitcv). */
#ifndef VK_INTERNAL_H
#define VK_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>

#include "fs/vfs.h"
#include "kernel/kernel.h"

typedef struct vk_exec vk_exec;
typedef struct vk_ofd vk_ofd;
typedef struct vk_pipebuf vk_pipebuf;
typedef struct vk_sink vk_sink;

/* An exec: one vos_exec / vos_spawn. Its processes share its limits and its fate. */
struct vk_exec {
    int refs;                /* under vm->mu */
    vos_limits lim;          /* resolved (no zeros) */
    int64_t deadline_ns;     /* monotonic; INT64_MAX for none */
    _Atomic uint64_t steps;
    _Atomic int abort;       /* 0 or the VOS_E* code that ends the exec */
    uint64_t out_used;       /* bytes written to its sinks */
};

typedef struct vk_mnt {
    char *path;              /* absolute VM path, "/" for the root */
    size_t len;
    vfs_mount *m;
    int kind;                /* VK_MNT_* */
    struct vk_mnt *next;
} vk_mnt;
enum { VK_MNT_PLAIN = 0, VK_MNT_DEV, VK_MNT_PROC, VK_MNT_BIN };

struct vos_vm {
    vos_alloc_fn alloc;
    void *alloc_ud;
    _Atomic size_t mem_used;
    _Atomic size_t mem_peak;
    vos_limits lim;          /* VM defaults, resolved */
    pthread_mutex_t mu;
    pthread_condattr_t cattr;
    int64_t fs_bytes, fs_inodes;
    int64_t boot_ns;

    vk_mnt *mounts;          /* longest path first */
    uint64_t next_dev;

    vk_proc *procs;          /* all processes, including zombies */
    int next_pid;
    int nprocs;              /* alive (not reaped) */
    pthread_cond_t procs_cv; /* broadcast when a process ends */

    vk_proc *session;        /* the shell session process (pid 1) */
    void *shell;             /* its state (owned by the shell box) */
    _Atomic int in_api;      /* a host thread is inside vos_exec */
    vk_exec *cur_exec;       /* the exec vos_exec is running, for vos_interrupt */

    vos_path_rule *rules;
    size_t nrules;
    char **allowed_cmds;     /* NULL: all */
    char **denied_cmds;
    char *hostname, *user, *home;
    bool booting;            /* building the base system: files belong to root */
    bool multicall_self;
    uint64_t self_dev, self_ino;
    bool self_known;
    uint64_t rng[4];
    char errmsg[256];
};

typedef struct vk_fdent {
    vk_ofd *ofd;
    bool cloexec;
} vk_fdent;

enum { PS_EMBRYO, PS_RUNNING, PS_ZOMBIE };

struct vk_proc {
    vk_vm *vm;
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
    pthread_cond_t cv;       /* waitpid and sleep wait here */
    pthread_cond_t *waitcv;  /* the condition this process is blocked on, or NULL */
    pthread_t thread;
    bool has_thread;
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

enum { OFD_FILE = 1, OFD_DIR, OFD_PIPE_R, OFD_PIPE_W, OFD_SINK, OFD_DATA };

struct vk_ofd {
    int refs;                /* under mu */
    int kind;
    int flags;               /* open flags */
    int64_t off;
    vfs_file *file;
    vk_pipebuf *pipe;
    vk_sink *sink;
    /* OFD_DATA: a byte buffer (exec stdin) */
    char *data;
    size_t data_len;
    /* OFD_DIR */
    char *dirpath;           /* OFD_FILE, OFD_DIR: absolute VM path at open */
    vk_mnt *dirmnt;          /* and the mount it lives on */
    vk_dirent *ents;
    size_t nents, entcap, dirpos;
    bool dir_loaded;
};

#define VK_PIPE_CAP 65536
struct vk_pipebuf {
    char buf[VK_PIPE_CAP];
    size_t head, len;
    int readers, writers;    /* ofds open on each end */
    pthread_cond_t cv;
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

/* alloc.c */
void *vk_vm_alloc(vk_vm *vm, size_t n);
void *vk_vm_realloc(vk_vm *vm, void *p, size_t old, size_t n);
void vk_vm_free(vk_vm *vm, void *p, size_t n);
char *vk_vm_strdup(vk_vm *vm, const char *s);
void vk_vm_strfree(vk_vm *vm, char *s);
void vk_arena_free_all(vk_proc *p);

/* proc.c */
int vk_proc_create(vk_vm *vm, vk_proc *parent, vk_proc **out);
void vk_proc_finish(vk_proc *p, int wstatus);
void vk_proc_reap(vk_proc *p);
void vk_wake(vk_proc *p);
void vk_deliver_locked(vk_proc *t, int sig);
int vk_kill_pid(vk_vm *vm, int pid, int sig);
bool vk_cmd_allowed(vk_vm *vm, const char *name);
int vk_dying_locked(vk_proc *p);
void vk_exec_unref(vk_vm *vm, vk_exec *ex);
void vk_exec_abort(vk_vm *vm, vk_exec *ex, int code);
int vk_wait_cv(vk_proc *p, pthread_cond_t *cv, int64_t until_ns);
void vk_reap_orphans(vk_vm *vm);
int64_t vk_now_mono(void);

/* fd.c */
vk_ofd *vk_ofd_new(vk_vm *vm, int kind, int flags);
void vk_ofd_ref(vk_ofd *o);
void vk_ofd_unref(vk_vm *vm, vk_ofd *o);
int vk_fd_install(vk_proc *p, vk_ofd *o, int minfd, bool cloexec);
void vk_fds_close_all(vk_proc *p);
void vk_fds_close_cloexec(vk_proc *p);
int vk_fds_copy(vk_proc *dst, vk_proc *src);
int vk_fd_set(vk_proc *p, int fd, vk_ofd *o, bool cloexec); /* takes a ref */
vk_ofd *vk_fd_get(vk_proc *p, int fd);
vk_sink *vk_sink_new(vk_vm *vm, vk_exec *ex);
void vk_sink_unref(vk_vm *vm, vk_sink *s);
ssize_t vk_ofd_write(vk_proc *p, vk_ofd *o, const void *buf, size_t n);
ssize_t vk_ofd_read(vk_proc *p, vk_ofd *o, void *buf, size_t n);
size_t vk_pipe_put(vk_pipebuf *pp, const void *buf, size_t n);
void vk_timed_wait_ms(vk_vm *vm, int ms);
void vk_cpu_start(vk_proc *p);
void vk_cpu_stop(vk_proc *p);

/* path.c */
typedef struct vk_path {
    char abs[VK_PATH_MAX];   /* canonical absolute VM path */
    vk_mnt *mnt;
    const char *rel;         /* points into abs */
    bool exists;
    struct vk_stat st;              /* lstat of the result when exists */
    int magic_pid, magic_fd; /* /proc/PID/fd/N: magic_fd >= 0 */
} vk_path;
#define VK_RES_FOLLOW 1      /* follow a symlink in the last component */
#define VK_RES_MISSING_OK 2  /* the last component may be missing */
int vk_resolve(vk_proc *p, const char *path, int flags, vk_path *out);
vk_mnt *vk_mount_find(vk_vm *vm, const char *abs);
int vk_policy_check(vk_proc *p, const char *abs, bool write);
int vk_mount_add(vk_vm *vm, const char *abs, vfs_mount *m, int kind);
int vk_resolve_cwdless(vk_vm *vm, const char *path, int flags, vk_path *out);
void vk_set_errmsg(vk_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* specialfs.c */
int devfs_new(vk_vm *vm, vfs_mount **out);
int procfs_new(vk_vm *vm, vfs_mount **out);
int binfs_new(vk_vm *vm, vfs_mount **out);
int procfs_fd_path(vk_vm *vm, const char *rel, int *pid, int *fd);

/* lock helpers */
#define VK_LOCK(vm) pthread_mutex_lock(&(vm)->mu)
#define VK_UNLOCK(vm) pthread_mutex_unlock(&(vm)->mu)

#endif
