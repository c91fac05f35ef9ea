/* host.h: the kernel's face towards the layer that hosts it (src/api, which implements vos.h).
 * VM lifecycle, mounts by driver, execs with their limits, output sinks and stdin, the session
 * process, spawned processes, interrupts. The kernel knows nothing of the shell or of the
 * commands: the host layer gives it the table of programs a VM can run (vk_progtab) and calls
 * the shell itself on the session process. Nothing here is called by the shell or commands. */
#ifndef VK_HOST_H
#define VK_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "vos_driver.h"

typedef struct vk_exec vk_exec;
typedef struct vk_sink vk_sink;

/* The programs a VM can run, by name (what /usr/bin lists and exec finds). */
typedef struct vk_progtab {
    size_t n;
    const char *const *names; /* sorted by strcmp */
    /* Run program i as the main program of p; returns its exit status (0-255). */
    int (*run)(vk_proc *p, size_t i, int argc, char **argv);
} vk_progtab;

typedef struct vk_vm_config {
    vos_alloc_fn alloc;       /* never NULL */
    void *alloc_ud;
    vos_limits lim;           /* resolved: no zeros */
    const vos_path_rule *rules;
    size_t nrules;
    const char *const *allowed_cmds; /* NULL: all */
    const char *const *denied_cmds;
    const char *hostname, *user;
    bool multicall_self;
    const vk_progtab *progs;
    void (*trace)(void *ud, const vos_trace_event *ev);
    void *trace_ud;
    vos_ask_fn ask;               /* NULL: ask rules deny */
    void *ask_ud;
    uint64_t ask_timeout_ms;      /* 0: 30 s */
    void (*audit)(void *ud, const vos_audit_event *ev);
    void *audit_ud;
    const vos_net_rule *net_rules;
    size_t n_net_rules;
    const vos_policy_rule *prules; /* policy.c */
    size_t n_prules;
    int (*net_resolve)(void *ud, const char *host, char (*addrs)[64], int max);
    void *net_resolve_ud;
    const char *const *escalate;  /* escalate.c: NULL-terminated names, "*" for any */
    const char *escalate_image;
    const char *net_ca_file;      /* https trust anchors (PEM); NULL: libcurl's default */   /* NULL: the host's own /usr, /etc... */
} vk_vm_config;

/* The defaults of every limit, and "in over base": in's nonzero fields, base's elsewhere. */
extern const vos_limits vk_default_limits;
void vk_limits_resolve(vos_limits *out, const vos_limits *in, const vos_limits *base);

/* Create a VM with its base filesystem (/etc, /dev, /proc, /usr/bin, home) and its session
 * process (pid 1). 0, VOS_ENOMEM, VOS_EINVAL (a bad user name or path rule). */
int vk_vm_create(const vk_vm_config *cfg, vk_vm **out);
/* Kill every process, wait for their threads, unmount everything, free. */
void vk_vm_destroy(vk_vm *vm);
size_t vk_vm_mem(const vk_vm *vm);
size_t vk_vm_peak(const vk_vm *vm); /* the most it ever held */

/* Mount a driver's filesystem at path (made in the parent filesystem when missing); with
 * overlay, a copy-on-write memory layer goes over it; rdonly: the kernel refuses writes. */
int vk_mount(vk_vm *vm, const char *path, const vos_driver *d, const vos_mount_args *a,
             bool overlay, bool rdonly);
int vk_umount(vk_vm *vm, const char *path);

/* ---- execs ---- */
/* A new exec with limits in over the VM's (over may be NULL); armed with the watchdog. */
vk_exec *vk_exec_new(vk_vm *vm, const vos_limits *over);
void vk_exec_unref(vk_exec *ex);
/* End every process of the exec with code (a VOS_E* limit or VOS_EINTERRUPTED). Never
 * blocks on a process or a driver. */
void vk_exec_abort(vk_vm *vm, vk_exec *ex, int code);
int vk_exec_code(vk_exec *ex); /* 0, or the code that ended it */
/* Wait up to ms for the exec's processes other than the session to end. */
void vk_exec_wait_others(vk_vm *vm, vk_exec *ex, int ms);
/* Copy the detail message the exec's processes left (may be ""). */
void vk_exec_errmsg(vk_vm *vm, vk_exec *ex, char *buf, size_t n);
/* Take the VM-level detail message (set outside any exec), leaving it empty. */
void vk_vm_errmsg_take(vk_vm *vm, char *buf, size_t n);
/* vos_interrupt: abort the exec vos_exec runs, if any. */
void vk_interrupt(vk_vm *vm);

/* Output sinks: what an exec's processes write to stdout/stderr lands in a buffer, or goes to
 * cb (called without any lock, from the writing process's thread). */
vk_sink *vk_sink_new(vk_vm *vm, vk_exec *ex, void (*cb)(void *, const void *, size_t), void *ud);
void vk_sink_release(vk_vm *vm, vk_sink *s);
/* The captured bytes, copied into a malloc'd NUL-terminated buffer (NULL when out of memory);
 * further writes are dropped (the exec has returned). */
char *vk_sink_close(vk_vm *vm, vk_sink *s, size_t *len);

/* ---- the session process (pid 1) ---- */
vk_proc *vk_session(vk_vm *vm);
/* Give the session fds 0-2 (stdin bytes copied; sinks referenced) and attach it to ex. */
int vk_session_begin(vk_vm *vm, vk_exec *ex, const void *in, size_t inlen, vk_sink *out,
                     vk_sink *err);
/* Detach it, close its fds 0-2. */
void vk_session_end(vk_vm *vm);
/* Run fn on the session, on the calling thread, as its program: fn returns a status. When the
 * session ends through vk_exit instead (`exec`, `exit` from deep code), *gone is set, the
 * session's arena, cwd and environment are reset, and its wait status is returned as a $?. */
int vk_session_run(vk_vm *vm, int (*fn)(vk_proc *s, void *arg), void *arg, bool *gone);
/* Host file calls act through the session as root, beyond the VM's path rules; the calling
 * thread runs as the session meanwhile (vk_host_call_end undoes it). */
void vk_session_privileged(vk_vm *vm, bool on);
void vk_host_call_begin(vk_vm *vm);
void vk_host_call_end(vk_vm *vm);
/* Forget the session's state: its arena (the shell's state lives there), cwd back to home,
 * the default environment. */
void vk_session_reset(vk_vm *vm);
/* mkdir -p through the session (relative paths from its cwd). */
int vk_mkdir_p(vk_vm *vm, const char *path, unsigned mode);
/* Reap orphaned zombies (background jobs of earlier execs that ended). */
void vk_reap_orphans(vk_vm *vm);
/* The session's fatal signal this exec, as a wait status (0: none). */
int vk_session_fatal(vk_vm *vm);

/* ---- spawned processes ---- */
/* Start argv (argv[0] a program or path) in a new process child of no one, in ex, with the
 * session's environment plus env, in cwd (NULL: the session's), stdout/stderr to the sinks
 * and stdin from a pipe whose write end is returned in *stdin_w. Returns the pid. */
int vk_spawn(vk_vm *vm, vk_exec *ex, const char *path, char *const argv[],
             const vos_env_var *env, size_t n_env, const char *cwd, vk_sink *out, vk_sink *err,
             void **stdin_w);
/* Write to a spawned process's stdin (blocks while the pipe is full); VOS_EPIPE when no
 * reader is left. */
int vk_stdin_write(vk_vm *vm, void *w, const void *data, size_t len);
void vk_stdin_close(vk_vm *vm, void *w);
/* Wait for pid (a spawned process) up to timeout_ms (-1: forever); reaps it. Returns 0 and
 * *wstatus, or VOS_ETIMEDOUT, or VOS_ESRCH when it is gone. */
int vk_wait_spawned(vk_vm *vm, int pid, int64_t timeout_ms, int *wstatus);
int vk_kill_pid(vk_vm *vm, int pid, int sig);

/* ---- host file calls go through the session with kernel.h's system calls ---- */
/* The canonical absolute path of path for the session, and whether it is "/" or a mount
 * point. */
int vk_resolve_abs(vk_vm *vm, const char *path, bool follow, char *abs, size_t n,
                   bool *is_root_or_mount);

/* Find a driver by name: the built-in ones, then those registered with vos_driver_register. */
int vk_driver_find(const char *name, const vos_driver **out);

/* ---- testing ---- */
/* Fail the nth driver call from now (1: the next) with code; 0 turns it off. */
void vk_vfs_fault(vk_vm *vm, long nth, int code);

/* policy.c (the rest of the engine is in internal.h) */
/* Decide a request at its boundary: VOS_POLICY_ALLOW or VOS_POLICY_DENY, asking the host
 * for an ask rule (p's thread, or the calling host thread when p is NULL; answers are
 * remembered per request) and auditing asks and denials. When denied, rule (may be NULL)
 * gets the deciding rule's name for the caller's error message. Called without VM locks held. */
int vk_policy_decide(vk_vm *vm, vk_proc *p, int kind, const char *subj, const char *detail,
                     char *rule, size_t rn);
/* The outcome without asking or auditing, and a line saying which rule decides (explain). */
int vk_policy_explain(vk_vm *vm, int kind, const char *subj, const char *detail, char *buf,
                      size_t n);
/* Hand ev to the host's audit callback, if any. */
void vk_audit(vk_vm *vm, const vos_audit_event *ev);
/* Host tools (tools.c): add a collection (copied; VOS_EEXIST when the name is taken); the VM
 * whose tool callback the calling thread is running, or NULL (the API refuses calls into it). */
int vk_tools_add(vk_vm *vm, const char *name, const char *desc, const vos_tool_function *fns,
                 size_t n);
vk_vm *vk_tool_caller_vm(void);

#endif
