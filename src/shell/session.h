/* session.h: the shell's face towards the API layer: the VM's session shell (one long-lived
 * shell state per VM, one script per vos_exec). The state lives in the session process's arena. */
#ifndef SH_SESSION_H
#define SH_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/kernel.h"

typedef struct sh_session_api {
    /* create the session state in process p (its arena lives as long as the session) */
    void *(*session_new)(vk_proc *p);
    /* Run a script in the session: returns the exit status (0-255), with SH_SESSION_SYNTAX
     * when a syntax error stopped it, or a negative VOS_E* code. env: the
     * exec's overrides (as if exported for this script only; value NULL unsets). The kernel
     * may have changed the process's cwd (vk_getcwd) since the last call: PWD follows it.
     * argv0 may be NULL ("vos"); args NULL-terminated or NULL. flags: SH_SESSION_*. */
    int (*session_exec)(void *session, vk_proc *p, const char *script, const char *argv0,
                        const char *const *args, const vos_env_var *env, size_t n_env,
                        int flags);
} sh_session_api;
/* session_exec's flags: run in a subshell (state changes do not persist); run the script as
 * a script file named argv0 rather than as a -c string */
#define SH_SESSION_ISOLATED 1
#define SH_SESSION_FILE 2
/* session_exec ORs this into its status when the script ran `exit` in the session. */
#define SH_SESSION_EXITED 0x100
/* ... and this when the script did not parse (the status is the one bash gives: 2, the $?
 * before the error for some errors, 127 for one inside $( )). */
#define SH_SESSION_SYNTAX 0x200
extern const sh_session_api sh_session_hooks;

#endif
