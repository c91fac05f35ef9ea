/* timeout: run a command and signal it (TERM, or -s SIG) when DURATION passes; -k DUR sends
 * KILL that long after if it still runs. The command runs as a child process in a process group
 * of its own (as GNU's timeout makes one), so the signal reaches what the command started too;
 * --foreground signals only the child. Statuses as GNU's: 124 on a timeout (unless
 * --preserve-status, or the command died of KILL: 137), 125 for timeout's own errors, 126 a
 * command that cannot run, 127 one not found, else the command's own. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A duration with an optional s/m/h/d suffix, in ns (INT64_MAX for "forever"); false if bad. */
static bool parse_duration(const char *s, int64_t *ns)
{
    char *end;
    long double v = strtold(s, &end);
    if (end == s) return false;
    long double mult = 1;
    if (*end) {
        switch (*end) {
        case 's': break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        default: return false;
        }
        if (end[1]) return false;
    }
    if (!(v >= 0)) return false;
    long double t = v * mult * 1e9L;
    *ns = t >= 9.2e18L ? INT64_MAX : (int64_t)t;
    if (v > 0 && *ns == 0) *ns = 1; /* a tiny positive duration still times out */
    return true;
}

typedef struct run_arg {
    const char *prog;
    const char *quoted; /* argv[0] quoted for the message (the child has no vl_ctx) */
    char **argv;
} run_arg;

static int child_entry(vk_proc *p, void *arg)
{
    run_arg *ra = arg;
    int rc = vk_execve(p, ra->argv[0], ra->argv, vk_environ(p));
    const char *why = vl_strerror(rc);
    /* the child is not a vl_ctx: write the message by hand */
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s: failed to run command %s: %s\n", ra->prog,
                     ra->quoted, why);
    if (n > 0) vk_write(p, 2, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
    return rc == VOS_ENOENT ? 127 : 126;
}

static void send(vl_ctx *c, int pid, bool group, int sig, bool verbose, const char *cmd)
{
    if (verbose)
        vl_eprintf(c, "%s: sending signal %s to command %s\n", c->name, sys_sig_name(sig),
                   vl_quote_locale(c, cmd));
    if (group) vk_kill(c->p, -pid, sig);
    vk_kill(c->p, pid, sig); /* also before the group exists */
}

static int timeout_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int sig = VOS_SIGTERM;
    if (vl_arg(c, 's')) {
        sig = sys_sig_number(vl_arg(c, 's'));
        if (sig < 0) {
            vl_error(c, "%s: invalid signal", vl_quote_locale(c, vl_arg(c, 's')));
            vl_try_help(c);
        }
    }
    int64_t kill_after = 0;
    if (vl_arg(c, 'k') && !parse_duration(vl_arg(c, 'k'), &kill_after)) {
        vl_error(c, "invalid time interval %s", vl_quote_locale(c, vl_arg(c, 'k')));
        vl_try_help(c);
    }
    if (n < 2) vl_try_help(c);
    int64_t dur;
    if (!parse_duration(argv[1], &dur)) {
        vl_error(c, "invalid time interval %s", vl_quote_locale(c, argv[1]));
        vl_try_help(c);
    }
    bool foreground = vl_has(c, 256), preserve = vl_has(c, 257), verbose = vl_has(c, 'v');
    vl_flush(c);

    vk_proc *child;
    int rc = vk_proc_new(c->p, &child);
    if (rc < 0) vl_die(c, 125, "fork system call failed: %s", vl_strerror(rc));
    /* the child is born into a group named by our pid, which we leave at once: signalling the
     * group then reaches the command and its descendants, never timeout itself */
    int oldpg = vk_getpgid(c->p), me = vk_getpid(c->p);
    if (!foreground) vk_setpgid(c->p, me);
    vk_signal(c->p, VOS_SIGCHLD, VK_SIG_CATCH);
    static const int fwd[] = {VOS_SIGTERM, 1 /*HUP*/, 2 /*INT*/, 3 /*QUIT*/, 14 /*ALRM*/};
    for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) vk_signal(c->p, fwd[i], VK_SIG_CATCH);
    run_arg ra = {c->name, vl_quote_locale(c, argv[2]), argv + 2};
    int pid = vk_proc_start(child, child_entry, &ra);
    if (!foreground) vk_setpgid(c->p, oldpg);
    if (pid < 0) vl_die(c, 125, "fork system call failed: %s", vl_strerror(pid));
    int group = foreground ? 0 : me;

    int64_t now = vk_monotonic_ns(c->p);
    int64_t deadline =
        dur == 0 || dur == INT64_MAX || now > INT64_MAX - dur ? INT64_MAX : now + dur;
    bool timed_out = false, killed = false;
    int ws = 0;
    for (;;) {
        int r = vk_waitpid(c->p, pid, &ws, VK_WNOHANG);
        if (r == pid || r == VOS_ECHILD) break;
        now = vk_monotonic_ns(c->p);
        if (now >= deadline) {
            if (!timed_out) {
                timed_out = true;
                send(c, pid, group, sig, verbose, argv[2]);
                deadline = kill_after
                               ? (now > INT64_MAX - kill_after ? INT64_MAX : now + kill_after)
                               : INT64_MAX;
            } else if (!killed) {
                killed = true;
                send(c, pid, group, VOS_SIGKILL, verbose, argv[2]);
                deadline = INT64_MAX;
            }
            continue;
        }
        int64_t wait = deadline == INT64_MAX ? 3600LL * 1000000000 : deadline - now;
        int s = vk_sleep_ns(c->p, wait);
        if (s == VOS_EINTR || s == 0) {
            uint32_t got = vk_sig_take(c->p);
            for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++)
                if (got & (1u << fwd[i])) send(c, pid, group, fwd[i], false, argv[2]);
        } else if (s < 0) {
            /* timeout itself must end (the exec's limit, an interrupt): take the command along */
            send(c, pid, group, VOS_SIGKILL, false, argv[2]);
            vk_waitpid(c->p, pid, &ws, 0);
            int w = vk_dying(c->p);
            return w ? VK_WSHELL(w) : 125;
        }
    }
    int status;
    if (VK_WIFEXITED(ws)) {
        status = VK_WEXITSTATUS(ws);
    } else {
        int s = VK_WTERMSIG(ws);
        if (timed_out && s == VOS_SIGKILL) preserve = true;
        status = 128 + s;
    }
    if (timed_out && !preserve) status = 124;
    return status;
}

static const vl_opt timeout_opts[] = {
    {256, "foreground", VL_NOARG, NULL, "signal only the command, not its children"},
    {'k', "kill-after", VL_ARG, "DURATION", "also send a KILL signal if COMMAND is still running"},
    {257, "preserve-status", VL_NOARG, NULL, "exit with the same status as COMMAND"},
    {'s', "signal", VL_ARG, "SIGNAL", "specify the signal to be sent on timeout"},
    {'v', "verbose", VL_NOARG, NULL, "diagnose to stderr any signal sent upon timeout"},
    {0}};
VL_COMMAND(timeout, timeout_main, timeout_opts, "[OPTION] DURATION COMMAND [ARG]...",
           "Start COMMAND, and kill it if still running after DURATION.", VL_STOP_AT_OPERAND, 125);
