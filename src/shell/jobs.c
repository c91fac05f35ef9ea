/* jobs.c: everything that runs shell code in a child process: pipeline stages (each on its
 * own thread, connected by kernel pipes; the last one in the shell with lastpipe), time,
 * ( subshells ), background commands with their job table (%N specs) and wait, command
 * substitution (read while the child runs, so big outputs cannot deadlock) and process
 * substitution. A child gets a deep copy of the shell state and of the tree it runs, made in
 * its own arena before it starts. A script has no job control: fg and bg refuse. */
#include <stdio.h>
#include <string.h>

#include "shell/jobs.h"

typedef struct child_arg {
    sh_state *sh;
    sh_pool pool;
    sh_node *node;
    char *src;
    size_t srclen;
    int src_line;
    int dup_from[2], dup_to[2];
    int ndup;
    int closefd[8];
    int nclose;
    bool devnull_stdin;
    bool subshell; /* ( list ) run in place: its body is not a pipeline stage */
    char **cnf_argv; /* command_not_found_handle's arguments (the parent's, borrowed) */
    int cnf_argc;
} child_arg;

static int child_entry(vk_proc *p, void *arg)
{
    child_arg *ca = arg;
    sh_state *sh = ca->sh;
    for (int i = 0; i < ca->ndup; i++)
        if (ca->dup_from[i] != ca->dup_to[i]) vk_dup2(p, ca->dup_from[i], ca->dup_to[i]);
    for (int i = 0; i < ca->nclose; i++) {
        bool target = false;
        for (int k = 0; k < ca->ndup; k++)
            if (ca->dup_to[k] == ca->closefd[i]) target = true;
        if (!target) vk_close(p, ca->closefd[i]);
    }
    if (ca->devnull_stdin) {
        int fd = vk_open(p, "/dev/null", VK_O_RDONLY, 0);
        if (fd > 0) {
            vk_dup2(p, fd, 0);
            vk_close(p, fd);
        }
    }
    int st;
    sh->tail_node = sh_tail_of(ca->node);
    /* a simple command as the whole child (a pipeline stage, a background job): bash runs
     * it in place, its redirections still in force when the EXIT trap runs */
    sh->keep_redir_node = ca->node && ca->node->type == N_SIMPLE && !ca->subshell ? ca->node
                                                                                 : NULL;
    if (ca->node && ca->node->type == N_SUBSHELL) {
        /* ( list ) as a pipeline stage or in the background: already in a child */
        if (ca->node->redirs && sh_redirect(sh, ca->node->redirs, NULL) != 0)
            st = 1;
        else
            st = sh_eval(sh, ca->node->a);
    } else if (ca->node) {
        st = sh_eval(sh, ca->node);
    } else if (ca->cnf_argv) {
        /* $1... are the command and its arguments */
        sh_func *f = sh_func_get(sh, "command_not_found_handle");
        char **av = vk_calloc(p, (size_t)ca->cnf_argc + 2, sizeof *av);
        st = 127;
        if (f && av) {
            av[0] = f->name;
            for (int i = 0; i < ca->cnf_argc; i++) av[i + 1] = ca->cnf_argv[i];
            st = sh_call_function(sh, f, av, ca->cnf_argc + 1);
        }
        vk_free(p, av);
    } else {
        st = sh_run_source(sh, ca->src, ca->srclen, ca->src_line, false);
    }
    if (sh->jump == J_EXIT || sh->jump == J_RETURN || sh->fatal) st = sh->status;
    /* a fatal expansion error (${x?}, set -u) ends a subshell, $(...), a compound command
     * in a pipeline or in the background with 1; a simple command keeps 127, as in bash */
    if (sh->fatal && st == 127 && (ca->subshell || !(ca->node && ca->node->type == N_SIMPLE)))
        st = 1;
    sh->jump = J_NONE;
    sh->fatal = false;
    sh->status = st;
    /* bash runs an if, case, for, while or until that is a pipeline stage or a background
     * job without the EXIT trap it may set there (a group, a subshell, a function keep it) */
    int t = ca->node ? (int)ca->node->type : -1;
    if (t != N_IF && t != N_CASE && t != N_FOR && t != N_WHILE && t != N_UNTIL)
        sh_run_exit_trap(sh);
    if (sh->jump == J_EXIT) st = sh->status;
    return st & 0xff;
}

/* copy the job table into a child's state (newest first, as the parent's) */
static bool jobs_copy(sh_state *c, const sh_state *sh)
{
    sh_job **tail = &c->jobs;
    for (const sh_job *j = sh->jobs; j; j = j->next) {
        sh_job *n = vk_calloc(c->p, 1, sizeof *n);
        if (!n) return false;
        *n = *j;
        n->next = NULL;
        n->cmd = j->cmd ? vk_strdup(c->p, j->cmd) : NULL;
        *tail = n;
        tail = &n->next;
        if (j->cmd && !n->cmd) return false;
    }
    return true;
}

static void child_dup(child_arg *ca, int from, int to)
{
    ca->dup_from[ca->ndup] = from;
    ca->dup_to[ca->ndup] = to;
    ca->ndup++;
}

static void child_close(child_arg *ca, int fd)
{
    if (fd >= 0 && ca->nclose < 8) ca->closefd[ca->nclose++] = fd;
}

/* a child process: the process environment is brought up to date first, so the child
 * inherits it in sync and does not redo that work at its first command (a loop of $( )s
 * would otherwise pay for it every time) */
static int child_new(sh_state *sh, vk_proc **child)
{
    sh_env_sync(sh);
    return vk_proc_new(sh->p, child);
}

static child_arg *child_prepare(sh_state *sh, vk_proc *child, sh_node *node, const char *src,
                                size_t len)
{
    child_arg *ca = vk_calloc(child, 1, sizeof *ca);
    if (!ca) return NULL;
    ca->pool.p = child;
    ca->sh = sh_clone(sh, child);
    if (!ca->sh) return NULL;
    /* a command substitution or a simple command in a pipeline still sees the parent's jobs
     * (jobs -p, kill %1 there act on them, as in bash); a ( ) subshell or a compound stage
     * starts with none */
    if ((src || (node && node->type == N_SIMPLE)) && !jobs_copy(ca->sh, sh)) return NULL;
    /* a subshell, pipeline stage or background job does not get the coprocess's pipes (a
     * command substitution does), as in bash: the coprocess sees EOF once the shell closes
     * its write end */
    if (!src && sh->coproc_pid)
        for (int i = 0; i < 2; i++) child_close(ca, sh->coproc_fd[i]);
    if (node) {
        ca->node = sh_node_copy(&ca->pool, node);
        if (!ca->node) return NULL;
    }
    if (src) {
        ca->src = vk_strndup(child, src, len);
        if (!ca->src) return NULL;
        ca->srclen = len;
        ca->src_line = sh->lineno;
        ca->sh->xlevel = sh->xlevel + 1;
        /* outside POSIX mode bash clears -e in command substitutions */
        if (!sh->shopt[SO_INHERIT_ERREXIT] && !sh->opt[O_POSIX]) ca->sh->opt[O_ERREXIT] = false;
    }
    return ca;
}

/* bash's command_not_found_handle: the function runs in a subshell with the command and its
 * arguments; its status is the command's */
int sh_run_cnf(sh_state *sh, char **argv, int argc)
{
    vk_proc *child;
    int rc = vk_proc_new(sh->p, &child);
    if (rc < 0) {
        sh_error(sh, "fork: %s", sh_strerror(rc));
        return 254;
    }
    child_arg *ca = child_prepare(sh, child, NULL, NULL, 0);
    if (!ca) {
        vk_proc_discard(child);
        return 1;
    }
    ca->subshell = true;
    ca->cnf_argv = argv;
    ca->cnf_argc = argc;
    int ws = vk_proc_run(child, child_entry, ca);
    return ws < 0 ? 1 : VK_WSHELL(ws);
}

/* take caught signals out of the kernel so blocking calls can be retried */
static void stash_signals(sh_state *sh)
{
    sh->sig_pending |= vk_sig_take(sh->p);
}

/* wait for one child; returns its wait status */
/* bash's notice when a command dies of a signal other than SIGINT and SIGPIPE: the
 * description alone for SIGTERM or a signal the shell traps (a foreground command), else
 * "NAME: line N: PID Description   command". It is kept in sh->sig_notice and written by
 * sh_flush_notice once the command's redirections are undone (it goes to the shell's own
 * stderr). text: the command, when cmd is NULL. bg: a job reported by wait (SIGTERM says
 * nothing there). */
void sh_notify_signal(sh_state *sh, int ws, int pid, sh_node *cmd, const char *text, bool bg)
{
    static const char *const desc[] = {
        NULL, "Hangup", "Interrupt", "Quit", "Illegal instruction", "Trace/breakpoint trap",
        "Aborted", "Bus error", "Floating point exception", "Killed", "User defined signal 1",
        "Segmentation fault", "User defined signal 2", "Broken pipe", "Alarm clock",
        "Terminated", "Stack fault", "Child exited", "Continued", "Stopped (signal)", "Stopped",
        "Stopped (tty input)", "Stopped (tty output)", "Urgent I/O condition",
        "CPU time limit exceeded", "File size limit exceeded", "Virtual timer expired",
        "Profiling timer expired", "Window changed", "I/O possible", "Power failure",
        "Bad system call"};
    if (ws < 0 || !VK_WIFSIGNALED(ws) || sh->interactive || sh->dying) return;
    int sig = VK_WTERMSIG(ws);
    if (sig == VOS_SIGINT || sig == VOS_SIGPIPE || (bg && sig == VOS_SIGTERM)) return;
    char d[32];
    if (sig > 0 && sig < (int)(sizeof desc / sizeof desc[0]))
        snprintf(d, sizeof d, "%s", desc[sig]);
    else
        snprintf(d, sizeof d, "Signal %d", sig);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    if (!bg && (sig == VOS_SIGTERM || (sig < VK_NSIG && sh->traps[sig] && *sh->traps[sig]))) {
        sh_buf_adds(&b, d);
    } else {
        char pre[300];
        sh_msg_prefix(sh, pre, sizeof pre, "");
        sh_buf_adds(&b, pre);
        sh_buf_printf(&b, "%5d %-24s", pid, d);
        if (cmd)
            sh_print_command(&b, cmd);
        else if (text)
            sh_buf_adds(&b, text);
    }
    sh_buf_addc(&b, '\n');
    vk_free(sh->p, sh->sig_notice);
    sh->sig_notice = sh_buf_take(&b);
}

void sh_flush_notice(sh_state *sh)
{
    if (!sh->sig_notice) return;
    vk_write(sh->p, 2, sh->sig_notice, strlen(sh->sig_notice));
    vk_free(sh->p, sh->sig_notice);
    sh->sig_notice = NULL;
}

static int wait_child(sh_state *sh, int pid)
{
    for (;;) {
        int ws = 0;
        int rc = vk_waitpid(sh->p, pid, &ws, 0);
        if (rc == pid) return ws;
        if (rc == VOS_EINTR) {
            stash_signals(sh);
            if (vk_dying(sh->p)) {
                sh->dying = true;
                return VK_W_SIG(15);
            }
            continue;
        }
        return VK_W_EXIT(127);
    }
}

/* one TIMEFORMAT number: seconds with prec decimals (0-3), as minutes and seconds when longer */
static void time_num(sh_buf *b, int64_t ns, int prec, bool longer)
{
    if (prec > 3) prec = 3;
    int64_t ms = ns / 1000000;
    int64_t sec = ms / 1000, frac = ms % 1000;
    if (longer) {
        sh_buf_printf(b, "%lldm", (long long)(sec / 60));
        sec %= 60;
    }
    sh_buf_printf(b, "%lld", (long long)sec);
    if (prec > 0) {
        static const int div[] = {1, 100, 10, 1};
        sh_buf_printf(b, ".%0*lld", prec, (long long)(frac / div[prec]));
    }
    if (longer) sh_buf_addc(b, 's');
}

/* time: the report on stderr after the pipeline, in TIMEFORMAT's shape (bash's default, or
 * POSIX's with -p). user and sys are the CPU the shell and the pipeline's processes used. */
static void time_report(sh_state *sh, int64_t real_ns, int64_t user_ns, int64_t sys_ns, bool posix)
{
    const char *fmt = posix ? "real %2R\nuser %2U\nsys %2S"
                            : sh_var_value(sh, "TIMEFORMAT");
    if (!fmt) fmt = "\nreal\t%3lR\nuser\t%3lU\nsys\t%3lS";
    if (!*fmt) return; /* an empty TIMEFORMAT: no report at all */
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            sh_buf_addc(&b, *f);
            continue;
        }
        f++;
        if (*f == '%') {
            sh_buf_addc(&b, '%');
            continue;
        }
        int prec = 3;
        bool longer = false;
        if (*f >= '0' && *f <= '9') prec = *f++ - '0';
        if (*f == 'l') {
            longer = true;
            f++;
        }
        if (*f == 'R' || *f == 'U' || *f == 'S') {
            time_num(&b, *f == 'R' ? real_ns : *f == 'U' ? user_ns : sys_ns, prec, longer);
        } else if (*f == 'P') {
            /* CPU percentage: (user + sys) / real */
            int64_t pct = real_ns > 0 ? (user_ns + sys_ns) * 10000 / real_ns : 0;
            sh_buf_printf(&b, "%lld.%02lld", (long long)(pct / 100), (long long)(pct % 100));
        } else {
            sh_buf_addc(&b, '%');
            if (!*f) break;
            sh_buf_addc(&b, *f);
        }
    }
    sh_buf_addc(&b, '\n');
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
}

static int eval_pipe_untimed(sh_state *sh, sh_node *n);

int sh_eval_pipe(sh_state *sh, sh_node *n)
{
    if (!(n->flags & NF_TIMED)) return eval_pipe_untimed(sh, n);
    int64_t t0 = vk_monotonic_ns(sh->p);
    vk_tms c0, c1;
    vk_times(sh->p, &c0);
    int st = n->a ? eval_pipe_untimed(sh, n) : 0;
    if (!n->a) sh_set_status(sh, 0);
    vk_times(sh->p, &c1);
    time_report(sh, vk_monotonic_ns(sh->p) - t0,
                (c1.utime + c1.cutime) - (c0.utime + c0.cutime),
                (c1.stime + c1.cstime) - (c0.stime + c0.cstime), n->flags & NF_TIME_POSIX);
    return st;
}

static int eval_pipe_untimed(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    bool bang = n->flags & NF_BANG;
    int count = 0;
    for (sh_node *c = n->a; c; c = c->next) count++;
    if (count == 1) {
        /* ! cmd: cmd's own failure neither runs the ERR trap nor ends a set -e shell; the
         * commands inside a compound one (! { false; true; }) still run the trap */
        int t = n->a->type;
        bool whole = t == N_SIMPLE || t == N_SUBSHELL || t == N_ARITH || t == N_COND;
        if (bang && whole) sh->cond++;
        if (bang && !whole) sh->bang++;
        sh->redir_fail_node = NULL;
        int st = sh_eval(sh, n->a);
        if (bang && whole) sh->cond--;
        if (bang && !whole) sh->bang--;
        if (sh->jump != J_NONE || sh->dying || sh->fatal) return st;
        /* a compound command whose redirection failed never ran: bash returns 1 as is */
        if (bang && !(n->a->type != N_SIMPLE && sh->redir_fail_node == n->a)) st = !st;
        sh->redir_fail_node = NULL;
        sh->status = st;
        return st;
    }
    int pids[64];
    if (count > 64) {
        sh_error(sh, "pipeline too long (%d commands; at most 64)", count);
        sh_set_status(sh, 1);
        return 1;
    }
    int started = 0;
    int prev = -1;
    bool failed = false;
    /* shopt -s lastpipe: the last stage runs in this shell (a script has no job control) */
    bool lastpipe = sh->shopt[SO_LASTPIPE];
    int last_status = -1;
    for (sh_node *c = n->a; c; c = c->next) {
        bool last = !c->next;
        int fds[2] = {-1, -1};
        if (last && lastpipe && prev >= 0) {
            sh_redir_undo u = {0};
            sh_redir_save *save = vk_malloc(sh->p, sizeof *save);
            int saved = vk_dupfd(sh->p, 0, 10, true);
            if (!save || saved < 0) {
                vk_free(sh->p, save);
                if (saved >= 0) vk_close(sh->p, saved);
                failed = true;
                break;
            }
            save->fd = 0;
            save->saved = saved;
            u.s = save;
            u.n = u.cap = 1;
            vk_dup2(sh->p, prev, 0);
            vk_close(sh->p, prev);
            prev = -1;
            if (bang) sh->cond++;
            last_status = sh_eval(sh, c);
            if (bang) sh->cond--;
            sh_redir_restore(sh, &u);
            break;
        }
        if (!last) {
            int rc = vk_pipe(sh->p, fds);
            if (rc < 0) {
                sh_error(sh, "pipe error: %s", sh_strerror(rc));
                failed = true;
                break;
            }
        }
        vk_proc *child;
        int rc = child_new(sh, &child);
        if (rc < 0) {
            sh_error(sh, "fork: %s", sh_strerror(rc));
            if (fds[0] >= 0) vk_close(sh->p, fds[0]);
            if (fds[1] >= 0) vk_close(sh->p, fds[1]);
            failed = true;
            break;
        }
        child_arg *ca = child_prepare(sh, child, c, NULL, 0);
        if (!ca) {
            vk_proc_discard(child);
            if (fds[0] >= 0) vk_close(sh->p, fds[0]);
            if (fds[1] >= 0) vk_close(sh->p, fds[1]);
            failed = true;
            break;
        }
        /* bash counts a subshell for a compound stage only: a simple command's process
         * keeps its shell's $BASH_SUBSHELL */
        if (c->type == N_SIMPLE) ca->sh->subshell = sh->subshell;
        /* ...and a compound stage starts outside any loop (break there is an error) */
        if (c->type != N_SIMPLE) ca->sh->loop_depth = 0;
        ca->sh->cond = bang ? ca->sh->cond + 1 : ca->sh->cond;
        if (prev >= 0) {
            child_dup(ca, prev, 0);
            child_close(ca, prev);
        }
        if (!last) {
            child_dup(ca, fds[1], 1);
            child_close(ca, fds[1]);
            child_close(ca, fds[0]);
        }
        int pid = vk_proc_start(child, child_entry, ca);
        if (prev >= 0) vk_close(sh->p, prev);
        prev = -1;
        if (!last) {
            vk_close(sh->p, fds[1]);
            prev = fds[0];
        }
        if (pid < 0) {
            sh_error(sh, "fork: %s", sh_strerror(pid));
            failed = true;
            break;
        }
        pids[started++] = pid;
    }
    if (prev >= 0) vk_close(sh->p, prev);
    int st = 0;
    bool anyfail = false;
    int failst = 0;
    for (int i = 0; i < started; i++) {
        int ws = wait_child(sh, pids[i]);
        sh->pipestatus[i] = VK_WSHELL(ws);
        if (sh->pipestatus[i] != 0) {
            anyfail = true;
            failst = sh->pipestatus[i];
        }
    }
    if (last_status >= 0) {
        sh->pipestatus[started] = last_status;
        if (last_status != 0) {
            anyfail = true;
            failst = last_status;
        }
        started++;
    }
    sh->npipestatus = started;
    sh->pstat_dirty = true;
    if (failed) {
        st = 1;
    } else {
        st = started ? sh->pipestatus[started - 1] : 0;
        if (sh->opt[O_PIPEFAIL] && anyfail) st = failst;
    }
    if (bang) st = !st;
    sh->status = st;
    return st;
}

int sh_eval_subshell(sh_state *sh, sh_node *n)
{
    sh->lineno = n->redirs && n->end_line ? n->end_line : n->line;
    sh_redir_undo u = {0};
    if (n->redirs && sh_redirect(sh, n->redirs, &u) != 0) {
        /* bash does them in the child: an expansion error (status 1, 127 for >${u?}) ends
         * only the subshell */
        sh_redir_restore(sh, &u);
        int st = sh->status;
        sh->fatal = sh->discard = false;
        sh_set_status(sh, st);
        sh->redir_fail_node = n;
        return st;
    }
    vk_proc *child;
    int rc = child_new(sh, &child);
    int st;
    if (rc < 0) {
        sh_error(sh, "fork: %s", sh_strerror(rc));
        st = 1;
    } else {
        child_arg *ca = child_prepare(sh, child, n->a, NULL, 0);
        if (!ca) {
            vk_proc_discard(child);
            st = 1;
        } else {
            ca->subshell = true;
            sh_jobs_free(ca->sh); /* ( ... ) starts with no jobs */
            ca->sh->loop_depth = 0; /* and outside any loop, as bash */
            int pid = vk_getpid(child);
            int ws = vk_proc_run(child, child_entry, ca);
            st = ws < 0 ? 1 : VK_WSHELL(ws);
            sh_notify_signal(sh, ws, pid, n, NULL, false);
        }
    }
    sh_redir_restore(sh, &u);
    sh_flush_notice(sh);
    sh_set_status(sh, st);
    return st;
}

/* a script that starts jobs it never waits for keeps only the last statuses */
static void forget_old_jobs(sh_state *sh)
{
    int n = 0;
    for (sh_job **pp = &sh->jobs; *pp;) {
        sh_job *j = *pp;
        if (j->done && ++n > 256) {
            *pp = j->next;
            vk_free(sh->p, j->cmd);
            vk_free(sh->p, j);
            continue;
        }
        pp = &j->next;
    }
}

/* A background job for process pid running n: numbered up from the highest job still
 * running (1 when none is), listed first. */
static void job_add(sh_state *sh, int pid, sh_node *n)
{
    sh_job *j = vk_calloc(sh->p, 1, sizeof *j);
    if (!j) return;
    int top = 0;
    for (sh_job *o = sh->jobs; o; o = o->next)
        if (!o->done && o->num > top) top = o->num;
    j->pid = pid;
    j->num = top + 1;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_print_command(&b, n);
    j->cmd = sh_buf_take(&b);
    j->next = sh->jobs;
    sh->jobs = j;
    forget_old_jobs(sh);
}

int sh_eval_bg(sh_state *sh, sh_node *n)
{
    vk_proc *child;
    int rc = child_new(sh, &child);
    if (rc < 0) {
        sh_error(sh, "fork: %s", sh_strerror(rc));
        sh_set_status(sh, 1);
        return 1;
    }
    child_arg *ca = child_prepare(sh, child, n, NULL, 0);
    if (!ca) {
        vk_proc_discard(child);
        sh_set_status(sh, 1);
        return 1;
    }
    ca->devnull_stdin = !sh->interactive;
    /* errexit does not reach into an asynchronous list's parent */
    int pid = vk_proc_start(child, child_entry, ca);
    if (pid < 0) {
        sh_error(sh, "fork: %s", sh_strerror(pid));
        sh_set_status(sh, 1);
        return 1;
    }
    sh_jobs_reap(sh);
    job_add(sh, pid, n);
    sh->last_bg = pid;
    sh_set_status(sh, 0);
    return 0;
}

/* ---- coprocesses ---- */

/* The coprocess ended and was reaped: as bash, its pipes are closed and NAME, NAME_PID unset. */
static void coproc_dispose(sh_state *sh)
{
    if (!sh->coproc_pid) return;
    for (int i = 0; i < 2; i++)
        if (sh->coproc_fd[i] >= 0) vk_close(sh->p, sh->coproc_fd[i]);
    if (sh->coproc_name) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        sh_buf_adds(&b, sh->coproc_name);
        sh_buf_adds(&b, "_PID");
        char *pidname = sh_buf_take(&b);
        sh_var_unset(sh, sh->coproc_name);
        if (pidname) sh_var_unset(sh, pidname);
        vk_free(sh->p, pidname);
    }
    vk_free(sh->p, sh->coproc_name);
    sh->coproc_name = NULL;
    sh->coproc_pid = 0;
}

void sh_coproc_fd_closed(sh_state *sh, int fd)
{
    if (!sh->coproc_pid || !sh->coproc_name) return;
    for (int i = 0; i < 2; i++) {
        if (sh->coproc_fd[i] != fd) continue;
        sh->coproc_fd[i] = -1;
        sh_var *v = sh_var_get(sh, sh->coproc_name);
        if (v && (v->flags & VF_ARRAY)) sh_array_set(sh, v, i, "-1");
    }
}

void sh_coproc_free(sh_state *sh)
{
    vk_free(sh->p, sh->coproc_name);
    sh->coproc_name = NULL;
    sh->coproc_pid = 0;
}

/* the highest free fd at or below top, at least 10 (bash puts the pipes at 63, 62...) */
static int high_fd(sh_state *sh, int fd, int top)
{
    for (int k = top; k >= 10; k--) {
        if (vk_fd_valid(sh->p, k)) continue;
        if (vk_dup2(sh->p, fd, k) < 0) break;
        vk_close(sh->p, fd);
        fd = k;
        break;
    }
    vk_set_cloexec(sh->p, fd, true);
    return fd;
}

/* coproc NAME cmd: cmd runs as a background job reading the pipe whose write end is
 * NAME[1] and writing the pipe whose read end is NAME[0]; its pid is NAME_PID. */
int sh_eval_coproc(sh_state *sh, sh_node *n)
{
    if (n->line) sh->lineno = n->line;
    sh_jobs_reap(sh);
    if (sh->coproc_pid) {
        sh_error(sh, "warning: execute_coproc: coproc [%d:%s] still exists", sh->coproc_pid,
                 sh->coproc_name ? sh->coproc_name : "COPROC");
        sh_coproc_free(sh); /* the old one runs on, untracked, its variables left as they are */
    }
    int in[2], out[2];
    int rc = vk_pipe(sh->p, in);
    if (rc < 0) {
        sh_error(sh, "cannot make pipe for coprocess: %s", sh_strerror(rc));
        sh_set_status(sh, 1);
        return 1;
    }
    rc = vk_pipe(sh->p, out);
    if (rc < 0) {
        vk_close(sh->p, in[0]);
        vk_close(sh->p, in[1]);
        sh_error(sh, "cannot make pipe for coprocess: %s", sh_strerror(rc));
        sh_set_status(sh, 1);
        return 1;
    }
    vk_proc *child;
    rc = child_new(sh, &child);
    child_arg *ca = rc < 0 ? NULL : child_prepare(sh, child, n->a, NULL, 0);
    if (!ca) {
        if (rc < 0)
            sh_error(sh, "fork: %s", sh_strerror(rc));
        else
            vk_proc_discard(child);
        for (int i = 0; i < 2; i++) {
            vk_close(sh->p, in[i]);
            vk_close(sh->p, out[i]);
        }
        sh_set_status(sh, 1);
        return 1;
    }
    child_dup(ca, in[0], 0);
    child_dup(ca, out[1], 1);
    child_close(ca, in[0]);
    child_close(ca, in[1]);
    child_close(ca, out[0]);
    child_close(ca, out[1]);
    int pid = vk_proc_start(child, child_entry, ca);
    vk_close(sh->p, in[0]);
    vk_close(sh->p, out[1]);
    if (pid < 0) {
        vk_close(sh->p, in[1]);
        vk_close(sh->p, out[0]);
        sh_error(sh, "fork: %s", sh_strerror(pid));
        sh_set_status(sh, 1);
        return 1;
    }
    int rfd = high_fd(sh, out[0], 63);
    int wfd = high_fd(sh, in[1], rfd - 1 >= 10 ? rfd - 1 : 63);
    sh->coproc_pid = pid;
    sh->coproc_fd[0] = rfd;
    sh->coproc_fd[1] = wfd;
    sh->coproc_name = vk_strdup(sh->p, n->name);
    sh_var *v = sh_array_new(sh, n->name);
    char num[24];
    if (v) {
        snprintf(num, sizeof num, "%d", rfd);
        sh_array_set(sh, v, 0, num);
        snprintf(num, sizeof num, "%d", wfd);
        sh_array_set(sh, v, 1, num);
    }
    char pidname[300];
    snprintf(pidname, sizeof pidname, "%s_PID", n->name);
    snprintf(num, sizeof num, "%d", pid);
    sh_var_set(sh, pidname, num, 0);
    job_add(sh, pid, n);
    sh->last_bg = pid;
    sh_set_status(sh, 0);
    return 0;
}

sh_job *sh_job_find(sh_state *sh, const char *spec, const char *bname)
{
    sh_jobs_reap(sh);
    const char *s = spec + 1;
    sh_job *cur = NULL, *prev = NULL;
    for (sh_job *j = sh->jobs; j; j = j->next) {
        if (j->procsub || j->done) continue;
        if (!cur)
            cur = j;
        else if (!prev)
            prev = j;
    }
    sh_job *found = NULL;
    if (!*s || !strcmp(s, "%") || !strcmp(s, "+")) {
        found = cur;
    } else if (!strcmp(s, "-")) {
        found = prev ? prev : cur;
    } else if (*s >= '0' && *s <= '9') {
        int64_t n = 0;
        if (sh_parse_int(s, &n))
            for (sh_job *j = sh->jobs; j && !found; j = j->next)
                if (!j->procsub && j->num == n && (!j->done || j == sh->jobs)) found = j;
    } else {
        bool sub = *s == '?';
        const char *t = s + sub;
        for (sh_job *j = sh->jobs; j && !found; j = j->next) {
            if (j->procsub || j->done || !j->cmd) continue;
            if (sub ? strstr(j->cmd, t) != NULL : strncmp(j->cmd, t, strlen(t)) == 0) found = j;
        }
    }
    if (!found) sh_builtin_error(sh, bname, "%s: no such job", spec);
    return found;
}

void sh_jobs_reap(sh_state *sh)
{
    for (sh_job *j = sh->jobs; j; j = j->next) {
        if (j->done) continue;
        int ws;
        if (vk_waitpid(sh->p, j->pid, &ws, VK_WNOHANG) == j->pid) {
            j->done = true;
            j->status = ws;
            if (j->pid == sh->coproc_pid) coproc_dispose(sh);
        }
    }
}

void sh_jobs_free(sh_state *sh)
{
    while (sh->jobs) {
        sh_job *j = sh->jobs;
        sh->jobs = j->next;
        vk_free(sh->p, j->cmd);
        vk_free(sh->p, j);
    }
}

static void job_remove(sh_state *sh, sh_job *job)
{
    if (job->pid == sh->coproc_pid) coproc_dispose(sh);
    for (sh_job **pp = &sh->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == job) {
            *pp = job->next;
            vk_free(sh->p, job->cmd);
            vk_free(sh->p, job);
            return;
        }
    }
}

int sh_wait_pid(sh_state *sh, int pid, bool *found)
{
    *found = false;
    if (pid > 0) {
        for (sh_job *j = sh->jobs; j; j = j->next) {
            if (j->pid != pid) continue;
            *found = true;
            int ws = j->done ? j->status : wait_child(sh, pid);
            if (!j->procsub) {
                sh_notify_signal(sh, ws, pid, NULL, j->cmd, true);
                sh_flush_notice(sh);
            }
            job_remove(sh, j);
            return VK_WSHELL(ws);
        }
        return 127;
    }
    /* all jobs */
    *found = true;
    while (sh->jobs && !sh->dying) {
        sh_job *j = sh->jobs;
        if (!j->done) {
            int ws = 0;
            int rc = vk_waitpid(sh->p, j->pid, &ws, 0);
            if (rc == VOS_EINTR) {
                stash_signals(sh);
                if (vk_dying(sh->p)) {
                    sh->dying = true;
                    break;
                }
                /* a trapped signal interrupts wait: 128 + signal, as in bash */
                for (int s = 1; s < VK_NSIG; s++)
                    if ((sh->sig_pending & (1u << s)) && sh->traps[s]) return 128 + s;
                continue;
            }
        }
        job_remove(sh, j);
    }
    return 0;
}

/* ---- process substitution ---- */
char *sh_process_subst(sh_state *sh, const char *src, size_t len, bool out)
{
    if (sh->nprocsub >= (int)(sizeof sh->procsub_fds / sizeof sh->procsub_fds[0])) {
        sh_error(sh, "too many process substitutions in one command");
        return NULL;
    }
    int fds[2];
    int rc = vk_pipe(sh->p, fds);
    if (rc < 0) {
        sh_error(sh, "cannot make pipe for process substitution: %s", sh_strerror(rc));
        return NULL;
    }
    vk_proc *child;
    rc = child_new(sh, &child);
    child_arg *ca = rc < 0 ? NULL : child_prepare(sh, child, NULL, src, len);
    if (!ca) {
        if (rc < 0)
            sh_error(sh, "fork: %s", sh_strerror(rc));
        else
            vk_proc_discard(child);
        vk_close(sh->p, fds[0]);
        vk_close(sh->p, fds[1]);
        return NULL;
    }
    ca->sh->xlevel = sh->xlevel; /* traced as the command's own level, not a $( ) */
    int mine = out ? fds[1] : fds[0], theirs = out ? fds[0] : fds[1];
    child_dup(ca, theirs, out ? 0 : 1);
    child_close(ca, theirs);
    child_close(ca, mine);
    int pid = vk_proc_start(child, child_entry, ca);
    vk_close(sh->p, theirs);
    if (pid < 0) {
        vk_close(sh->p, mine);
        sh_error(sh, "fork: %s", sh_strerror(pid));
        return NULL;
    }
    /* bash hands out /dev/fd/63, then 62... */
    int fd = -1;
    for (int k = 63; k >= 10; k--)
        if (!vk_fd_valid(sh->p, k)) {
            fd = k;
            break;
        }
    if (fd >= 0 && vk_dup2(sh->p, mine, fd) >= 0) {
        vk_close(sh->p, mine);
    } else {
        fd = mine;
    }
    sh->procsub_fds[sh->nprocsub++] = fd;
    sh_job *j = vk_calloc(sh->p, 1, sizeof *j);
    if (j) {
        j->pid = pid;
        j->procsub = true;
        j->next = sh->jobs;
        sh->jobs = j;
    }
    sh->last_bg = pid;
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    return vk_strdup(sh->p, path);
}

void sh_procsub_close(sh_state *sh, int mark)
{
    if (sh->nprocsub <= mark) return;
    while (sh->nprocsub > mark) vk_close(sh->p, sh->procsub_fds[--sh->nprocsub]);
    /* the ones that ended are forgotten, so a long loop does not pile them up */
    sh_jobs_reap(sh);
    for (sh_job **pp = &sh->jobs; *pp;) {
        sh_job *j = *pp;
        if (j->procsub && j->done) {
            *pp = j->next;
            vk_free(sh->p, j->cmd);
            vk_free(sh->p, j);
        } else {
            pp = &j->next;
        }
    }
}

/* $(< file): the file's contents without running anything */
static bool redirect_only(sh_state *sh, const char *src, size_t len, char **out)
{
    size_t i = 0;
    while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n')) i++;
    if (i >= len || src[i] != '<' || (i + 1 < len && (src[i + 1] == '<' || src[i + 1] == '&' ||
                                                      src[i + 1] == '>')))
        return false;
    i++;
    while (i < len && (src[i] == ' ' || src[i] == '\t')) i++;
    size_t ws = i;
    while (i < len && !strchr(" \t\n;&|<>()", src[i])) i++;
    size_t we = i;
    while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n')) i++;
    if (i != len || we == ws) return false;
    char *word = vk_strndup(sh->p, src + ws, we - ws);
    if (!word) return false;
    char *path = sh_expand_redir(sh, word);
    vk_free(sh->p, word);
    *out = NULL;
    if (!path) return true;
    int fd = vk_open(sh->p, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        sh_error(sh, "%s: %s", path, sh_strerror(fd));
        vk_free(sh->p, path);
        sh->status = 1;
        return true;
    }
    vk_free(sh->p, path);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    char buf[8192];
    for (;;) {
        ssize_t n = vk_read(sh->p, fd, buf, sizeof buf);
        if (n == VOS_EINTR) {
            stash_signals(sh);
            if (vk_dying(sh->p)) break;
            continue;
        }
        if (n <= 0) break;
        sh_buf_add(&b, buf, (size_t)n);
    }
    vk_close(sh->p, fd);
    sh->status = 0;
    if (!b.s && !b.oom) sh_buf_add(&b, "", 0);
    *out = sh_buf_take(&b);
    return true;
}

char *sh_command_subst(sh_state *sh, const char *src, size_t len)
{
    sh->subst_ran = true;
    char *direct;
    if (redirect_only(sh, src, len, &direct)) return direct;
    int fds[2];
    int rc = vk_pipe(sh->p, fds);
    if (rc < 0) {
        sh_error(sh, "cannot make pipe for command substitution: %s", sh_strerror(rc));
        sh->status = 1;
        return NULL;
    }
    vk_proc *child;
    rc = child_new(sh, &child);
    if (rc < 0) {
        sh_error(sh, "fork: %s", sh_strerror(rc));
        vk_close(sh->p, fds[0]);
        vk_close(sh->p, fds[1]);
        sh->status = 1;
        return NULL;
    }
    child_arg *ca = child_prepare(sh, child, NULL, src, len);
    if (!ca) {
        vk_proc_discard(child);
        vk_close(sh->p, fds[0]);
        vk_close(sh->p, fds[1]);
        sh->status = 1;
        return NULL;
    }
    child_dup(ca, fds[1], 1);
    child_close(ca, fds[1]);
    child_close(ca, fds[0]);
    int pid = vk_proc_start(child, child_entry, ca);
    vk_close(sh->p, fds[1]);
    if (pid < 0) {
        vk_close(sh->p, fds[0]);
        sh_error(sh, "fork: %s", sh_strerror(pid));
        sh->status = 1;
        return NULL;
    }
    sh_buf b;
    sh_buf_init(&b, sh->p);
    char buf[8192];
    bool nul = false;
    for (;;) {
        ssize_t n = vk_read(sh->p, fds[0], buf, sizeof buf);
        if (n == VOS_EINTR) {
            stash_signals(sh);
            if (vk_dying(sh->p)) break;
            continue;
        }
        if (n <= 0) break;
        /* bash drops NUL bytes (with a warning) */
        size_t k = 0;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == 0) {
                nul = true;
                continue;
            }
            buf[k++] = buf[i];
        }
        sh_buf_add(&b, buf, k);
    }
    vk_close(sh->p, fds[0]);
    int ws = wait_child(sh, pid);
    sh->status = VK_WSHELL(ws);
    if (nul) sh_error(sh, "warning: command substitution: ignored null byte in input");
    if (!b.s && !b.oom) sh_buf_add(&b, "", 0);
    return sh_buf_take(&b);
}
