/* watch: run a command again and again, every -n SECONDS (2 by default, at least 0.1). A VM has
 * no terminal to redraw, so each run's output is printed after the other, under procps' title
 * line "Every N.Ns: COMMAND" and a blank line (-t: no title). The command runs with sh -c (its
 * words joined by spaces), or directly with -x. -g stops when the output changes, -e when the
 * command fails (status 8 after the output, as procps' watch without a key to press), -c, -d,
 * -b, -p are accepted. It runs until interrupted, killed, or the exec's time limit. */
#include "lib/cmd.h"

#include <stdlib.h>
#include <string.h>

typedef struct run_arg {
    char **argv;
    int out;
} run_arg;

static int child(vk_proc *p, void *arg)
{
    run_arg *ra = arg;
    vk_dup2(p, ra->out, 1);
    vk_close(p, ra->out);
    int rc = vk_execve(p, ra->argv[0], ra->argv, vk_environ(p));
    return rc == VOS_ENOENT ? 127 : 126;
}

/* FNV-1a over a run's output: -g compares runs without keeping them */
static uint64_t fnv(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/* Run once, its output streamed to ours (a command that never stops writing is stopped by the
 * exec's limits, not by our memory); *hash gets the output's hash. Returns the wait status or
 * a negative code. */
static int run_once(vl_ctx *c, char **argv, const char *title, uint64_t *hash)
{
    int fds[2];
    int rc = vk_pipe(c->p, fds);
    if (rc < 0) return rc;
    vk_proc *ch;
    rc = vk_proc_new(c->p, &ch);
    if (rc < 0) {
        vk_close(c->p, fds[0]);
        vk_close(c->p, fds[1]);
        return rc;
    }
    run_arg ra = {argv, fds[1]};
    int pid = vk_proc_start(ch, child, &ra);
    vk_close(c->p, fds[1]);
    if (pid < 0) {
        vk_close(c->p, fds[0]);
        return pid;
    }
    if (title) vl_printf(c, "%s\n\n", title);
    char buf[4096];
    ssize_t n;
    *hash = 14695981039346656037ULL;
    while ((n = vk_read(c->p, fds[0], buf, sizeof buf)) > 0) {
        *hash = fnv(*hash, buf, (size_t)n);
        vl_write(c, buf, (size_t)n);
    }
    vk_close(c->p, fds[0]);
    int ws = 0;
    rc = vk_waitpid(c->p, pid, &ws, 0);
    if (n < 0 && n != VOS_EINTR) {
        vk_kill(c->p, pid, VOS_SIGKILL);
        return (int)n;
    }
    return rc < 0 ? rc : ws;
}

static int watch_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    double every = 2;
    if (vl_arg(c, 'n')) {
        char *end;
        every = strtod(vl_arg(c, 'n'), &end);
        if (end == vl_arg(c, 'n') || *end || !(every >= 0))
            vl_die(c, 1, "failed to parse argument: '%s': Invalid argument", vl_arg(c, 'n'));
        if (every < 0.1) every = 0.1;
    }
    if (n == 0) {
        vl_eprintf(c, "\nUsage:\n watch [options] command\n");
        return 1;
    }
    /* the command: its words joined for sh -c, or as they are with -x */
    char **cmd;
    vl_buf title = {0};
    for (int i = 1; i <= n; i++) {
        if (i > 1) vl_buf_addc(c, &title, ' ');
        vl_buf_adds(c, &title, argv[i]);
    }
    vl_buf_addc(c, &title, 0);
    if (vl_has(c, 'x')) {
        cmd = argv + 1;
    } else {
        cmd = vl_xcalloc(c, 4, sizeof *cmd);
        cmd[0] = "sh";
        cmd[1] = "-c";
        cmd[2] = title.data;
    }
    vl_buf head = {0};
    vl_buf_printf(c, &head, "Every %.1fs: %s", every, title.data);
    uint64_t hash = 0, prev = 0;
    bool first = true;
    for (;;) {
        int ws = run_once(c, cmd, vl_has(c, 't') ? NULL : head.data, &hash);
        if (ws < 0) {
            int w = vk_dying(c->p);
            if (w) return VK_WSHELL(w);
            vl_die(c, 1, "unable to run the command: %s", vl_strerror(ws));
        }
        vl_flush(c);
        if (vl_has(c, 'e') && ws != 0) {
            vl_eprintf(c, "command exit with a non-zero status, press a key to exit\n");
            return 8;
        }
        if (vl_has(c, 'g') && !first && hash != prev) return 0;
        first = false;
        prev = hash;
        int rc = vk_sleep_ns(c->p, (int64_t)(every * 1e9));
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(c->p);
            return w ? VK_WSHELL(w) : 1;
        }
        if (vk_check(c->p) < 0 && vk_dying(c->p)) return VK_WSHELL(vk_dying(c->p));
    }
}

static const vl_opt watch_opts[] = {
    {'b', "beep", VL_NOARG, NULL, "beep if command has a non-zero exit"},
    {'c', "color", VL_NOARG, NULL, "interpret ANSI color and style sequences"},
    {'d', "differences", VL_OPTARG, NULL, "highlight changes between updates"},
    {'e', "errexit", VL_NOARG, NULL, "exit if command has a non-zero exit"},
    {'g', "chgexit", VL_NOARG, NULL, "exit when output from command changes"},
    {'n', "interval", VL_ARG, "secs", "seconds to wait between updates"},
    {'p', "precise", VL_NOARG, NULL, "attempt run command in precise intervals"},
    {'t', "no-title", VL_NOARG, NULL, "turn off header"},
    {'w', "no-wrap", VL_NOARG, NULL, "turn off line wrapping"},
    {'x', "exec", VL_NOARG, NULL, "pass command to exec instead of \"sh -c\""},
    {0}};
VL_COMMAND(watch, watch_main, watch_opts, "[options] command", "Execute a program periodically.",
           VL_STOP_AT_OPERAND, 1);
