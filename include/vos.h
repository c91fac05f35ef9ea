/* vos.h: the one public API of libvos, a virtual operating system for AI agents.
 * A host links libvos, creates VMs, mounts what it chooses, and runs bash scripts in them.
 * Everything else in the tree is internal; the CLI and bindings include only this file. */
#ifndef VOS_H
#define VOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VOS_API __attribute__((visibility("default")))
#else
#define VOS_API
#endif

#define VOS_VERSION_MAJOR 0
#define VOS_VERSION_MINOR 2
#define VOS_VERSION_PATCH 0
#define VOS_VERSION_STRING "0.2.0"

/* The ABI this header describes. It changes only when a compiled caller would break (a field
 * moved or changed meaning); growing a struct at its end does not change it, thanks to the
 * struct_size rule below. A caller can compare VOS_ABI_VERSION with vos_abi_version().
 *
 * The struct_size rule, the same for every struct the API reads or writes: the caller sets
 * struct_size to sizeof the struct as its header declares it (vos_X_init does that).
 *  - smaller than the library's: an older caller; accepted, the fields it does not know get
 *    their defaults (zero), and an output struct is written only up to its struct_size;
 *  - larger: a newer caller; accepted when the bytes the library does not know are all zero
 *    (options it cannot honour are refused, never silently ignored);
 *  - smaller than the smallest version ever published (or 0: never set): VOS_EMISUSE. */
#define VOS_ABI_VERSION 1

/* Error codes: 0 is success, every error is negative. The errno-like codes have the values
 * Linux gives them (negated); the vos-specific ones name a policy rule or a limit.
 * X(name, value, message) */
#define VOS_ERRNO_MAP(X)                                                                          \
    X(EPERM, -1, "Operation not permitted")                                                       \
    X(ENOENT, -2, "No such file or directory")                                                    \
    X(ESRCH, -3, "No such process")                                                               \
    X(EINTR, -4, "Interrupted system call")                                                       \
    X(EIO, -5, "Input/output error")                                                              \
    X(ENXIO, -6, "No such device or address")                                                     \
    X(E2BIG, -7, "Argument list too long")                                                        \
    X(ENOEXEC, -8, "Exec format error")                                                           \
    X(EBADF, -9, "Bad file descriptor")                                                           \
    X(ECHILD, -10, "No child processes")                                                          \
    X(EAGAIN, -11, "Resource temporarily unavailable")                                            \
    X(ENOMEM, -12, "Cannot allocate memory")                                                      \
    X(EACCES, -13, "Permission denied")                                                           \
    X(EFAULT, -14, "Bad address")                                                                 \
    X(EBUSY, -16, "Device or resource busy")                                                      \
    X(EEXIST, -17, "File exists")                                                                 \
    X(EXDEV, -18, "Invalid cross-device link")                                                    \
    X(ENODEV, -19, "No such device")                                                              \
    X(ENOTDIR, -20, "Not a directory")                                                            \
    X(EISDIR, -21, "Is a directory")                                                              \
    X(EINVAL, -22, "Invalid argument")                                                            \
    X(ENFILE, -23, "Too many open files in system")                                               \
    X(EMFILE, -24, "Too many open files")                                                         \
    X(ENOTTY, -25, "Inappropriate ioctl for device")                                              \
    X(EFBIG, -27, "File too large")                                                               \
    X(ENOSPC, -28, "No space left on device")                                                     \
    X(ESPIPE, -29, "Illegal seek")                                                                \
    X(EROFS, -30, "Read-only file system")                                                        \
    X(EMLINK, -31, "Too many links")                                                              \
    X(EPIPE, -32, "Broken pipe")                                                                  \
    X(ERANGE, -34, "Numerical result out of range")                                               \
    X(ENAMETOOLONG, -36, "File name too long")                                                    \
    X(ENOSYS, -38, "Function not implemented")                                                    \
    X(ENOTEMPTY, -39, "Directory not empty")                                                      \
    X(ELOOP, -40, "Too many levels of symbolic links")                                            \
    X(ENOTSUP, -95, "Operation not supported")                                                    \
    X(ETIMEDOUT, -110, "Connection timed out")                                                    \
    X(EDQUOT, -122, "Disk quota exceeded")                                                        \
    X(EDENIED, -1000, "Denied by policy")                                                         \
    X(ECMDDENIED, -1001, "Command denied by policy")                                              \
    X(EMISUSE, -1002, "API misuse")                                                               \
    X(ETIME, -1010, "Wall time limit exceeded")                                                   \
    X(ESTEPS, -1011, "CPU step limit exceeded")                                                   \
    X(EMEMLIMIT, -1012, "Memory limit exceeded")                                                  \
    X(EFSBYTES, -1013, "Filesystem size limit exceeded")                                          \
    X(EFSINODES, -1014, "Filesystem inode limit exceeded")                                        \
    X(EOUTPUT, -1015, "Output size limit exceeded")                                               \
    X(EPROCS, -1016, "Process limit exceeded")                                                    \
    X(EFILES, -1017, "Open file limit exceeded")                                                  \
    X(EDEPTH, -1018, "Call depth limit exceeded")                                                 \
    X(ENEST, -1019, "Nesting depth limit exceeded")                                               \
    X(EEXPAND, -1020, "Expansion size limit exceeded")                                            \
    X(EINTERRUPTED, -1021, "Interrupted by host")                                                 \
    X(ESYNTAX, -1030, "Syntax error")

typedef enum {
    VOS_OK = 0,
#define VOS_ERR_ENUM_(name, value, msg) VOS_##name = (value),
    VOS_ERRNO_MAP(VOS_ERR_ENUM_)
#undef VOS_ERR_ENUM_
} vos_errcode;

typedef struct vos_vm vos_vm;     /* a virtual machine: filesystem, processes, limits */
typedef struct vos_proc vos_proc; /* a process started with vos_spawn */

/* Allocator in Lua's shape: nsize == 0 frees ptr (returns NULL), otherwise (re)allocates.
 * osize is the old size of ptr (0 when ptr is NULL). */
typedef void *(*vos_alloc_fn)(void *ud, void *ptr, size_t osize, size_t nsize);

/* Limits. 0 means "use the default" (or, per exec, the VM's value); (uint64_t)-1 means
 * "unlimited". Passed by pointer, so the list can grow without moving any other field. */
typedef struct vos_limits {
    size_t struct_size;    /* sizeof(vos_limits); set by vos_limits_init */
    uint64_t time_ms;      /* wall time of one exec */
    uint64_t cpu_steps;    /* interpreter steps of one exec */
    uint64_t mem_bytes;    /* bytes allocated by the VM (all processes, memfs included) */
    uint64_t fs_bytes;     /* bytes of file data in memory filesystems */
    uint64_t fs_inodes;    /* inodes in memory filesystems */
    uint64_t output_bytes; /* stdout + stderr captured by one exec */
    uint64_t procs;        /* processes alive at once */
    uint64_t open_files;   /* open file descriptors per process */
    uint64_t call_depth;   /* shell function call depth */
    uint64_t nest_depth;   /* parser nesting depth */
    uint64_t expand_bytes; /* size of one word expansion */
    uint64_t host_fds;     /* host file descriptors the VM may hold open at once (hostfs files,
                              directories); the library also keeps a share of the process's
                              RLIMIT_NOFILE for the host, whatever this says */
    uint64_t net_requests; /* network requests (each redirect hop counts) over the VM's life */
    uint64_t net_bytes;    /* response body bytes received over the VM's life */
    uint64_t net_conns;    /* network transfers in progress at once */
} vos_limits;

/* Zero lim (every limit at its default) and set its struct_size. Never fails. */
VOS_API void vos_limits_init(vos_limits *lim);

/* Path rule: a VM path prefix and what the VM may do under it. The longest matching prefix
 * wins; with no matching rule everything mounted is read-write. */
typedef enum { VOS_ACCESS_NONE = 0, VOS_ACCESS_READ = 1, VOS_ACCESS_RW = 3 } vos_access;
typedef struct vos_path_rule {
    const char *prefix;
    vos_access access;
} vos_path_rule;

/* A driver call seen by a trace hook (vos_config.trace): what was asked of which mount, how
 * it ended and how long it took. Strings are borrowed for the call. */
typedef struct vos_trace_event {
    size_t struct_size;
    const char *op;        /* "lstat", "open", "pread", ... */
    const char *mount;     /* the mount point in the VM ("/", "/workspace") */
    const char *path;      /* the path inside the mount ("" for file calls) */
    int64_t rc;            /* the driver's answer: a count, 0, or a VOS_E* code */
    int64_t ns;            /* wall time of the call */
} vos_trace_event;

/* Policy (docs/security.md). Each request a VM makes beyond its own memory (a path, a
 * command, an environment variable, a network request, a host tool) is decided by the VM's
 * rules: allowed, denied, or asked of the host through vos_config.ask. */
typedef enum {
    VOS_POLICY_DENY = 0,
    VOS_POLICY_ALLOW = 1,
    VOS_POLICY_ASK = 2 /* the host's ask callback decides; no answer in time denies */
} vos_policy_outcome;

typedef enum {
    VOS_REQ_PATH = 1,    /* subject: the VM path; detail: "read" or "write" */
    VOS_REQ_COMMAND = 2, /* subject: the command name */
    VOS_REQ_ENV = 3,     /* subject: the variable's name */
    VOS_REQ_NET = 4,     /* subject: the URL; detail: the method */
    VOS_REQ_TOOL = 5     /* subject: "collection function" */
} vos_request_kind;

/* A request as the ask and audit callbacks see it. Strings are borrowed for the call. */
typedef struct vos_request {
    size_t struct_size;
    vos_request_kind kind;
    const char *subject;
    const char *detail;  /* may be "" */
    const char *rule;    /* the rule that decided (or asks), as vos_policy_explain names it */
} vos_request;

/* Ask callback: called from the requesting VM process's thread, without any VM lock held;
 * returns VOS_POLICY_ALLOW or VOS_POLICY_DENY. It must not call back into this VM. */
typedef int (*vos_ask_fn)(void *ud, const vos_request *req);

/* A header the host adds to the VM's network requests (credentials): the VM never sees it. */
typedef struct vos_header {
    const char *name;
    const char *value;
} vos_header;

/* Network rule: which requests a VM's curl/wget may make. The first matching rule decides;
 * with no matching rule a request is denied. */
typedef struct vos_net_rule {
    const char *origin;      /* "https://api.example.com" (default port), "http://h:8080";
                                a host may start with "*." for its subdomains; "*" alone
                                matches any http(s) origin */
    const char *path_prefix; /* NULL or "": any path */
    const char *methods;     /* "GET,HEAD"; NULL: any */
    vos_policy_outcome outcome;
    const char *address;     /* an exact IP address this rule allows even where private,
                                loopback or link-local addresses are denied; NULL: none */
    const vos_header *headers; /* set on matching requests (replacing the VM's own header of
                                  that name), never sent after a redirect to another origin */
    size_t n_headers;
    int insecure;            /* nonzero: `curl -k` / `wget --no-check-certificate` may skip the
                                certificate check for https requests this rule decides;
                                0: they are refused */
} vos_net_rule;

/* Audit event: what a VM did, for a host that logs or bills. Strings borrowed for the call. */
typedef enum {
    VOS_AUDIT_EXEC_START = 1,  /* subject: the script (may be cut) */
    VOS_AUDIT_EXEC_END = 2,    /* status, ns */
    VOS_AUDIT_DENIED = 3,      /* kind, subject, detail, rule */
    VOS_AUDIT_NET = 4,         /* subject: URL; detail: method; status: HTTP status; bytes */
    VOS_AUDIT_TOOL = 5,        /* subject: "collection function"; status; ns */
    VOS_AUDIT_ASKED = 6        /* the host's ask callback was asked: kind, subject, detail,
                                  rule; status: the answer (VOS_POLICY_ALLOW or DENY; a
                                  timeout or no callback is DENY) */
} vos_audit_kind;

typedef struct vos_audit_event {
    size_t struct_size;
    vos_audit_kind type;
    vos_request_kind kind;  /* for DENIED */
    const char *subject;
    const char *detail;     /* may be "" */
    const char *rule;       /* may be "" */
    int pid;                /* the VM process, 0 when none */
    int status;
    uint64_t bytes;
    int64_t ns;
} vos_audit_event;

/* Policy rules (docs/security.md): one list for every kind of request but the network
 * (vos_net_rule). How a rule matches its kind's subject:
 *  - VOS_REQ_PATH: pattern is a VM path prefix ("/data" covers /data and /data/x); detail is
 *    "read" or "write" (the rule covers only that access) or NULL (both). The longest
 *    matching prefix wins; at the same length a rule naming the access beats one that does
 *    not. The VM's own system trees (/dev, /proc, /usr/bin, /bin) stay readable and /dev
 *    writable when no rule names them.
 *  - VOS_REQ_COMMAND: pattern is a command name, or "*" for any; an exact name beats "*".
 *  - VOS_REQ_ENV: pattern is a variable name, "PREFIX*" or "*"; applied to the variables the
 *    host gives (vos_exec_opts.env): a denied one is not set in the VM. An exact name beats
 *    the longest prefix, which beats "*".
 *  - VOS_REQ_TOOL: pattern is "collection function", "collection *" or "*" (most exact wins).
 * Among equally exact matches the first rule listed wins. The legacy vos_path_rule and the
 * command lists keep their meaning and are checked as rules of the same engine. */
typedef struct vos_policy_rule {
    vos_request_kind kind;
    const char *pattern;
    const char *detail;         /* VOS_REQ_PATH: "read", "write" or NULL; others: NULL */
    vos_policy_outcome outcome;
} vos_policy_rule;

typedef struct vos_config {
    size_t struct_size;    /* sizeof(vos_config); set by vos_config_init */
    vos_alloc_fn alloc;    /* NULL: the C library's malloc */
    void *alloc_ud;
    const vos_limits *limits; /* NULL: the defaults; per-VM limits and per-exec defaults;
                                 copied */
    const vos_path_rule *path_rules; /* copied */
    size_t n_path_rules;
    const char *const *allowed_commands; /* NULL: all; else NULL-terminated list, copied */
    const char *const *denied_commands;  /* NULL-terminated list of denied commands, copied */
    const char *hostname;  /* default "vos"; at most 64 bytes (Linux's limit), else EINVAL */
    const char *user;      /* default "agent" */
    int multicall_self;    /* nonzero: a host file that is this program's own binary runs as
                              the vos command of its base name (used by the CLI) */
    /* Called after every call the kernel makes into a mount driver, from the thread that
     * made it, without any VM lock held; it must not call back into this VM. NULL: none. */
    void (*trace)(void *ud, const vos_trace_event *ev);
    void *trace_ud;
    /* Policy. Rules whose outcome is VOS_POLICY_ASK call ask; NULL ask denies them.
     * ask_timeout_ms: how long an answer may take (0: 30 s); past it the request is denied. */
    vos_ask_fn ask;
    void *ask_ud;
    uint64_t ask_timeout_ms;
    /* Called for each vos_audit_event, from the thread where it happened, without any VM lock
     * held; it must not call back into this VM. NULL: none. */
    void (*audit)(void *ud, const vos_audit_event *ev);
    void *audit_ud;
    const vos_net_rule *net_rules; /* copied; none: every network request is denied */
    size_t n_net_rules;
    /* Policy rules of every kind (vos_policy_rule below), copied. Once the host gives a rule
     * of a kind (paths, commands, environment, tools), what the rules of that kind do not
     * grant is denied; a kind with no rule keeps the defaults of a VM without a policy. */
    const vos_policy_rule *rules;
    size_t n_rules;
    /* Name resolution for the VM's network requests (docs/network.md): fills addrs with up to
     * max numeric addresses of host ("93.184.216.34", "2606:2800::1") and returns how many,
     * 0 or negative when the name does not resolve. NULL: the C library's getaddrinfo. Every
     * answer is checked against the rules; libcurl never resolves by itself. */
    int (*net_resolve)(void *ud, const char *host, char (*addrs)[64], int max);
    void *net_resolve_ud;
    /* Escalation (docs/escalation.md): programs run natively in a bubblewrap jail over the
     * VM's files. NULL-terminated names, or {"*", NULL} for any program of the image; NULL:
     * nothing escalates. escalate_image: a host directory holding the jail's /usr, /etc...;
     * NULL: the host's own. Both copied. */
    const char *const *escalate;
    const char *escalate_image;
    /* The CA certificates (a PEM file on the host) the VM's https requests trust, instead of
     * the host's default bundle (as `curl --cacert`); copied. NULL: the default bundle. */
    const char *net_ca_file;
} vos_config;

/* Fill cfg with the defaults. Never fails. */
VOS_API void vos_config_init(vos_config *cfg);

/* Create a VM. cfg may be NULL for defaults; it is copied. 0, or VOS_ENOMEM, VOS_EINVAL (a bad
 * field: path_rules NULL with n_path_rules > 0, a bad user name...), VOS_EMISUSE (struct_size).
 * Does not block. */
VOS_API int vos_vm_new(const vos_config *cfg, vos_vm **out);
/* Free a VM, killing whatever still runs in it; blocks until its processes are gone. NULL, a
 * handle already freed, or one never returned by vos_vm_new is ignored (the library keeps a
 * registry of live VMs; a freed handle whose address a newer VM reuses cannot be told apart).
 * Called from another thread while an API call runs on the VM: that call is interrupted and the
 * VM freed when it returns. Called from inside an output callback of this VM: the VM is freed
 * when the running vos_exec returns. */
VOS_API void vos_vm_free(vos_vm *vm);
/* Forget the session shell's state (variables, functions, options, aliases, traps, cwd back to
 * home); files and mounts stay. For a session whose state filled the memory limit. */
VOS_API int vos_session_reset(vos_vm *vm);

/* Mounts */
typedef enum {
    VOS_MOUNT_MEMFS = 1,   /* a new empty in-memory filesystem */
    VOS_MOUNT_HOST_RO = 2, /* a host directory, read-only */
    VOS_MOUNT_HOST_RW = 3, /* a host directory, read-write */
    VOS_MOUNT_OVERLAY = 4, /* a host directory as the lower layer, writes kept in memory */
} vos_mount_kind;
typedef struct vos_mount_spec {
    size_t struct_size;    /* sizeof(vos_mount_spec); set by vos_mount_spec_init */
    vos_mount_kind kind;   /* when driver is NULL: which built-in driver (and overlay) */
    const char *host_path; /* for the HOST and OVERLAY kinds: the host directory; for a named
                              driver: its source (what it means is the driver's); copied */
    const char *driver;    /* a driver registered with vos_driver_register ("memfs", "hostfs"
                              are built in), or NULL: the kind says */
    const char *options;   /* driver options ("ro" is understood by every driver); copied */
    void *arg;             /* passed to the driver's mount as it is (not copied) */
    int readonly;          /* nonzero: the kernel refuses every write, whatever the driver */
    int overlay;           /* nonzero: a copy-on-write memory layer over the driver's tree */
} vos_mount_spec;

/* Zero spec and set its struct_size. */
VOS_API void vos_mount_spec_init(vos_mount_spec *spec);

/* Mount at vm_path (created in the parent filesystem when missing). Errors: VOS_ENOENT /
 * VOS_ENOTDIR for a bad host path, VOS_EBUSY when something is mounted there already,
 * VOS_EINVAL for a bad spec or an unknown driver. Host paths never appear in VM output or
 * vos_errmsg. */
VOS_API int vos_mount(vos_vm *vm, const char *vm_path, const vos_mount_spec *spec);
/* Unmount. VOS_EBUSY when a file under it is open. */
VOS_API int vos_umount(vos_vm *vm, const char *vm_path);

/* Exec */
typedef struct vos_env_var {
    const char *name;
    const char *value; /* NULL unsets */
} vos_env_var;

typedef struct vos_exec_opts {
    size_t struct_size;       /* sizeof(vos_exec_opts) */
    const void *stdin_data;   /* bytes given as stdin; NULL: /dev/null */
    size_t stdin_len;
    const vos_env_var *env;   /* overrides for this exec only; copied */
    size_t n_env;
    const char *cwd;          /* NULL: the session's cwd */
    const vos_limits *limits; /* per-exec limits (0 fields inherit the VM's); NULL: the VM's */
    const char *argv0;        /* $0 of the script; NULL: "vos" */
    const char *const *args;  /* $1..; NULL-terminated or NULL */
    int isolated;             /* nonzero: run in a subshell, state changes do not persist */
    /* Streaming (used by vos_spawn; with vos_exec output is also captured unless set) */
    void (*on_stdout)(void *ud, const void *data, size_t len);
    void (*on_stderr)(void *ud, const void *data, size_t len);
    void *ud;
    /* nonzero: run the script as bash runs a script file named argv0 (FUNCNAME and
     * BASH_SOURCE have a "main" frame, $- has no c, a fatal error such as ${x?} or set -u
     * ends it with status 1); 0: as bash -c runs a string */
    int script_file;
} vos_exec_opts;

/* Zero opts and set its struct_size. */
VOS_API void vos_exec_opts_init(vos_exec_opts *opts);

typedef struct vos_result {
    size_t struct_size; /* set by the caller (vos_result_init) before the call */
    char *out;      /* stdout bytes, NUL-terminated for convenience (len excludes it) */
    size_t out_len;
    char *err;      /* stderr bytes */
    size_t err_len;
    int status;     /* exit status as $? would show it (0-255) */
    int limit;      /* 0, or the VOS_E* code of the limit/interrupt that ended the exec */
    int exited;     /* nonzero when the script ran `exit` (where a terminal would close) */
} vos_result;

/* Zero res and set its struct_size. */
VOS_API void vos_result_init(vos_result *res);

/* Run a script in the VM's session shell. Blocks until it ends. Returns 0 when the script
 * ran (whatever its status), VOS_ESYNTAX when it did not parse (status as bash gives it,
 * usually 2; message on res->err), or the limit code (VOS_ETIME, VOS_EINTERRUPTED, VOS_EOUTPUT, VOS_EMEMLIMIT...)
 * that ended it; res (its struct_size set by the caller) is filled in every case and must be
 * freed with vos_result_free. The VM stays usable after any of these: when the session's own
 * state holds so much memory that it hit the limit, the next exec may still use a reserve
 * kept for it, so `unset` and small commands run (see vos_session_reset). */
VOS_API int vos_exec(vos_vm *vm, const char *script, const vos_exec_opts *opts,
                     vos_result *res);
/* Free what a result holds and zero it (keeping struct_size). Safe to call twice, and on a
 * zeroed result. */
VOS_API void vos_result_free(vos_result *res);

/* Spawn: run a script in its own host thread, in a copy of the session state; output goes to
 * opts->on_stdout / on_stderr as it is written (called from the process's thread). */
VOS_API int vos_spawn(vos_vm *vm, const char *script, const vos_exec_opts *opts,
                      vos_proc **out);
/* Write to the process's stdin; blocks while the pipe is full. len 0 closes stdin. */
VOS_API int vos_proc_write(vos_proc *p, const void *data, size_t len);
/* Close the process's stdin (it sees end of file). */
VOS_API int vos_proc_close_stdin(vos_proc *p);
/* Send a signal (VOS_SIGTERM...). */
VOS_API int vos_proc_kill(vos_proc *p, int sig);
/* Wait for the end, up to timeout_ms (-1: forever). Returns the exit status (0-255), or
 * VOS_ETIMEDOUT when still running. */
VOS_API int vos_proc_wait(vos_proc *p, int64_t timeout_ms);
/* The VM pid of the process. */
VOS_API int vos_proc_pid(const vos_proc *p);
/* Release the handle; kills and waits for the process if it still runs. */
VOS_API void vos_proc_free(vos_proc *p);

#define VOS_SIGHUP 1
#define VOS_SIGINT 2
#define VOS_SIGKILL 9
#define VOS_SIGUSR1 10
#define VOS_SIGUSR2 12
#define VOS_SIGPIPE 13
#define VOS_SIGALRM 14
#define VOS_SIGTERM 15
#define VOS_SIGCHLD 17

/* Files (paths are VM paths, relative ones to the session's cwd) */
typedef enum {
    VOS_TYPE_REG = 1,
    VOS_TYPE_DIR = 2,
    VOS_TYPE_LNK = 3,
    VOS_TYPE_CHR = 4,
    VOS_TYPE_FIFO = 5
} vos_file_type;

typedef struct vos_stat {
    size_t struct_size; /* set by the caller (sizeof(vos_stat)) before the call */
    vos_file_type type;
    unsigned mode; /* permission bits */
    uint64_t size;
    uint64_t ino;
    uint64_t nlink;
    int64_t mtime_ns, atime_ns, ctime_ns;
    unsigned uid, gid;
} vos_stat;

/* Write a whole file (created or truncated). Binary-safe. */
VOS_API int vos_write_file(vos_vm *vm, const char *path, const void *data, size_t len,
                           unsigned mode);
/* Read a whole file; *data is allocated by vos (NUL-terminated, len excludes the NUL) and
 * freed with vos_free. */
VOS_API int vos_read_file(vos_vm *vm, const char *path, void **data, size_t *len);
VOS_API int vos_stat_path(vos_vm *vm, const char *path, vos_stat *st); /* follows links */
VOS_API int vos_lstat_path(vos_vm *vm, const char *path, vos_stat *st);
VOS_API int vos_mkdir(vos_vm *vm, const char *path, unsigned mode, int parents);
/* Remove a file, a symlink or an empty directory; recursive != 0 removes a tree. */
VOS_API int vos_remove(vos_vm *vm, const char *path, int recursive);
VOS_API int vos_rename(vos_vm *vm, const char *from, const char *to);
/* List a directory: *names is a vos-allocated array of *n vos-allocated names (sorted);
 * free with vos_free_list. */
VOS_API int vos_list_dir(vos_vm *vm, const char *path, char ***names, size_t *n);
VOS_API void vos_free_list(char **names, size_t n);
VOS_API void vos_free(void *p);

/* Stop whatever runs in the VM. Safe from any thread, also while no exec runs (then it does
 * nothing). The running exec returns VOS_EINTERRUPTED. */
VOS_API void vos_interrupt(vos_vm *vm);

/* Bytes the VM has allocated right now. */
VOS_API size_t vos_vm_mem_used(const vos_vm *vm);

/* Error text of an error code ("Unknown error" for unknown codes); static storage. */
VOS_API const char *vos_strerror(int rc);
/* Name of an error code ("ENOENT", "ETIME"...); static storage. */
VOS_API const char *vos_errname(int rc);
/* Detail of the last error of an API call on this VM (may be ""). The string belongs to the VM
 * and changes only at the next API call on it: the VM's processes (background jobs, spawned
 * scripts) keep their own messages, so it never changes under a reader between calls. */
VOS_API const char *vos_errmsg(vos_vm *vm);
/* The same, copied into buf (always NUL-terminated when n > 0); returns the full length. */
VOS_API size_t vos_errmsg_copy(vos_vm *vm, char *buf, size_t n);
/* Version string, "0.2.0". */
VOS_API const char *vos_version(void);
/* The library's VOS_ABI_VERSION. */
VOS_API int vos_abi_version(void);

/* Names of the commands compiled in, NULL-terminated, static storage. */
VOS_API const char *const *vos_commands(void);


/* Which rule decides req (kind, subject, detail; rule is ignored) in this VM, without asking
 * anyone: returns the outcome (VOS_POLICY_DENY, ALLOW or ASK) and writes into buf (always
 * NUL-terminated when n > 0) a line a host can show, e.g.
 *   "deny: path /etc/passwd write: the path rule '/etc' (read-only)"
 * Errors: VOS_EMISUSE (NULL vm or req), VOS_EINVAL (an unknown kind). */
VOS_API int vos_policy_explain(vos_vm *vm, const vos_request *req, char *buf, size_t n);

/* A policy read from a JSON file (the CLI's --policy; docs/security.md has the format):
 * {"paths": {"/work": "write", "/etc": "read", "/secret": "none",
 *            "/inbox": {"read": "allow", "write": "ask"}},
 *  "commands": {"*": "allow", "rm": "deny"}, "env": {"PUBLIC_*": "allow"},
 *  "tools": {"github *": "allow"}, "ask_timeout_ms": 30000,
 *  "network": [{"origin": "https://api.example.com", "path_prefix": "/v1/",
 *               "methods": ["GET"], "outcome": "allow", "address": null-or-IP,
 *               "insecure": false, "headers": {"Authorization": "Bearer ..."}}],
 *  "network_ca_file": "/host/path/ca.pem"}
 * parse: 0, VOS_EINVAL with "LINE:COL: what" in err (NUL-terminated when errn > 0), or
 * VOS_EMISUSE. apply points cfg's rules, net_rules, ask_timeout_ms and net_ca_file at the
 * policy's (which must outlive the vos_vm_new call; the VM copies them). */
typedef struct vos_policy vos_policy;
VOS_API int vos_policy_parse_json(const char *text, size_t len, vos_policy **out, char *err,
                                  size_t errn);
VOS_API void vos_policy_apply(const vos_policy *pol, vos_config *cfg);
VOS_API void vos_policy_free(vos_policy *pol);
/* Host tools (docs/tools.md). The host registers a collection of functions on a VM; inside
 * the VM the collection is a command ("COLLECTION FUNCTION --flag value", "--json '{...}'",
 * "--help"), its input checked against the function's JSON schema before the callback runs.
 *
 * The callback gets the input as JSON text (an object) and answers 0 with *output set to
 * the result as JSON text, or non-zero with *output set to an error message (plain text).
 * *output is malloc'd by the callback (vos frees it) or left NULL (result null / no message).
 * It runs on a host thread of its own, not holding any VM lock: past timeout_ms the VM
 * process stops waiting (status 124) and the thread finishes on its own later; a call into
 * the same VM from the callback fails with VOS_EBUSY. */
typedef int (*vos_tool_fn)(void *ud, const char *input_json, size_t len, char **output,
                           size_t *out_len);

typedef struct vos_tool_function {
    const char *name;         /* [a-z0-9][a-z0-9_-]*, unique in its collection */
    const char *description;  /* one line for --help; may be NULL */
    const char *input_schema; /* JSON schema of the input (an object schema); NULL: {} */
    vos_tool_fn fn;
    void *ud;
    uint64_t timeout_ms;      /* 0: 30 s */
} vos_tool_function;

typedef struct vos_tool_collection {
    size_t struct_size;       /* sizeof(vos_tool_collection) */
    const char *name;         /* the command's name: [a-z0-9][a-z0-9_-]*, not a built-in
                                 command's nor another collection's */
    const char *description;
    const vos_tool_function *functions;
    size_t n_functions;
} vos_tool_collection;

/* Register a collection on vm (everything is copied). 0; VOS_EINVAL for a bad name, a bad
 * schema (vos_errmsg says which) or a missing callback; VOS_EEXIST when the name is taken;
 * VOS_EMISUSE. */
VOS_API int vos_tools_add(vos_vm *vm, const vos_tool_collection *coll);

#ifdef __cplusplus
}
#endif
#endif
