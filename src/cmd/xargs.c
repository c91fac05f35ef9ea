/* xargs: build and run command lines from standard input, as GNU findutils 4.9 xargs does:
 * blank-separated items with GNU's quoting (or -0 / -d items), -n -L -l -I -i -E -e -s -x -r
 * -t -a, -P (real parallel VM processes, at most N at a time), --process-slot-var, --show-limits,
 * and GNU's exit statuses (123, 124, 125, 126, 127) and messages. Input streams: only the command
 * being built is held, so `yes | xargs` runs in bounded memory until a limit stops it. The
 * command's standard input is /dev/null. Not here: -o (a VM has no terminal) and -p, whose
 * answers GNU reads from /dev/tty: it fails as GNU does on a machine without one. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_SLOT_VAR = 256, OPT_SHOW_LIMITS };

static const vl_opt xargs_opts[] = {
    {'0', "null", VL_NOARG, NULL, "items are separated by a null, not whitespace"},
    {'a', "arg-file", VL_ARG, "FILE", "read arguments from FILE, not standard input"},
    {'d', "delimiter", VL_ARG, "CHARACTER", "items in input stream are separated by CHARACTER"},
    {'E', NULL, VL_ARG, "END", "set logical EOF string"},
    {'e', "eof", VL_OPTARG, "END", "equivalent to -E END if END is specified"},
    {'I', NULL, VL_ARG, "R", "same as --replace=R"},
    {'i', "replace", VL_OPTARG, "R", "replace R in INITIAL-ARGS with names read from input"},
    {'L', NULL, VL_ARG, "MAX-LINES", "use at most MAX-LINES non-blank input lines per command"},
    {'l', "max-lines", VL_OPTARG, "MAX-LINES", "similar to -L but defaults to at most one"},
    {'n', "max-args", VL_ARG, "MAX-ARGS", "use at most MAX-ARGS arguments per command line"},
    {'o', "open-tty", VL_NOARG, NULL, "Reopen stdin as /dev/tty in the child process"},
    {'P', "max-procs", VL_ARG, "MAX-PROCS", "run at most MAX-PROCS processes at a time"},
    {'p', "interactive", VL_NOARG, NULL, "prompt before running commands"},
    {OPT_SLOT_VAR, "process-slot-var", VL_ARG, "VAR", "set environment variable VAR in child"},
    {'r', "no-run-if-empty", VL_NOARG, NULL, "if there are no arguments, then do not run COMMAND"},
    {'s', "max-chars", VL_ARG, "MAX-CHARS", "limit length of command line to MAX-CHARS"},
    {OPT_SHOW_LIMITS, "show-limits", VL_NOARG, NULL, "show limits on command-line length"},
    {'t', "verbose", VL_NOARG, NULL, "print commands before executing them"},
    {'x', "exit", VL_NOARG, NULL, "exit if the size (see -s) is exceeded"},
    {0, NULL, 0, NULL, NULL},
};

#define ARG_MAX_VM 2097152L /* the Linux ARG_MAX GNU's limits start from */
#define DEFAULT_CHARS 131072L

/* a running child (-P) */
typedef struct job {
    int pid;
    int slot;
    char *cmd; /* for messages */
} job;

typedef struct xargs {
    vl_ctx *c;
    /* options */
    int delim; /* -1: blanks and quotes; else the item delimiter */
    const char *eof_str;
    const char *replace;
    int64_t max_args, max_lines, max_chars, max_procs;
    bool exit_if_size, no_run_empty, verbose, interactive;
    const char *slot_var;
    /* the command being built */
    char **initial;
    int ninitial;
    size_t initial_chars;
    char **args;
    size_t nargs, capargs, chars;
    vl_buf store; /* bytes of the pending args */
    size_t *offs;
    int64_t lines;
    bool ran_any;
    /* children */
    job *jobs;
    int njobs;
    /* status */
    int status;
    vl_in *in;
    bool eof;
    unsigned char *ibuf; /* input, read 64 KiB at a time */
    size_t ipos, ilen;
    unsigned ticks;
} xargs;

static void tick(xargs *X)
{
    if (++X->ticks < 1024) return;
    X->ticks = 0;
    int rc = vk_steps(X->c->p, 1024);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(X->c->p);
        vl_exit(X->c, w ? VK_WSHELL(w) : 1);
    }
}

/* ---- children ----
 * What a child needs lives in its own arena (allocated before it starts): when a limit ends
 * xargs while children still run, nothing of theirs points into xargs's freed memory. Whether
 * the command exists is checked here first, so "not found" (127) and "cannot run" (126) are
 * told apart from a command that exits with those statuses, as GNU does with its exec pipe. */
typedef struct child_arg {
    char **argv;
    char **envp;
} child_arg;

static int child_entry(vk_proc *p, void *arg)
{
    child_arg *ca = arg;
    /* the command's stdin is /dev/null: the input is xargs's */
    vk_close(p, 0);
    int fd = vk_open(p, "/dev/null", VK_O_RDONLY, 0);
    if (fd > 0) {
        vk_dup2(p, fd, 0);
        vk_close(p, fd);
    }
    int rc = vk_execve(p, ca->argv[0], ca->argv, ca->envp);
    char msg[600];
    snprintf(msg, sizeof msg, "xargs: %s: %s\n", ca->argv[0], vl_strerror(rc));
    vk_write(p, 2, msg, strlen(msg));
    return rc == VOS_ENOENT ? 127 : 126;
}

/* Account for a finished child; ends xargs for the statuses GNU stops at. */
static void finished(xargs *X, const char *cmd, int ws)
{
    vl_ctx *c = X->c;
    int w = vk_dying(c->p);
    if (w) vl_exit(c, VK_WSHELL(w));
    if (VK_WIFSIGNALED(ws)) {
        vl_error(c, "%s: terminated by signal %d", cmd, VK_WTERMSIG(ws));
        vl_exit(c, 125);
    }
    int st = VK_WEXITSTATUS(ws);
    if (st == 255) {
        vl_error(c, "%s: exited with status 255; aborting", cmd);
        vl_exit(c, 124);
    }
    if (st != 0) X->status = 123;
}

/* Wait for one child (any); false when none runs. */
static bool wait_one(xargs *X)
{
    if (!X->njobs) return false;
    int ws = 0;
    int pid;
    do pid = vk_waitpid(X->c->p, -1, &ws, 0);
    while (pid == VOS_EINTR);
    if (pid < 0) {
        int w = vk_dying(X->c->p);
        vl_exit(X->c, w ? VK_WSHELL(w) : 1);
    }
    for (int i = 0; i < X->njobs; i++) {
        if (X->jobs[i].pid != pid) continue;
        job j = X->jobs[i];
        X->jobs[i] = X->jobs[--X->njobs];
        finished(X, j.cmd, ws);
        vl_xfree(X->c, j.cmd);
        return true;
    }
    return true;
}

static void wait_all(xargs *X)
{
    while (wait_one(X)) {
    }
}

/* copy argv (and the environment with the slot variable) into the child's arena */
static child_arg *child_prepare(xargs *X, vk_proc *child, char **argv, int argc, int slot)
{
    child_arg *ca = vk_calloc(child, 1, sizeof *ca);
    if (!ca) return NULL;
    /* one block: the pointers, then the strings */
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += strlen(argv[i]) + 1;
    ca->argv = vk_malloc(child, ((size_t)argc + 1) * sizeof *ca->argv + bytes);
    if (!ca->argv) return NULL;
    char *s = (char *)(ca->argv + argc + 1);
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(s, argv[i], l);
        ca->argv[i] = s;
        s += l;
    }
    ca->argv[argc] = NULL;
    if (X->slot_var) {
        char *const *env = vk_environ(X->c->p);
        size_t n = 0, k = 0, vl = strlen(X->slot_var);
        while (env && env[n]) n++;
        ca->envp = vk_calloc(child, n + 2, sizeof *ca->envp);
        if (!ca->envp) return NULL;
        for (size_t i = 0; i < n; i++)
            if (strncmp(env[i], X->slot_var, vl) || env[i][vl] != '=')
                if (!(ca->envp[k++] = vk_strdup(child, env[i]))) return NULL;
        char *v = vk_malloc(child, vl + 24);
        if (!v) return NULL;
        snprintf(v, vl + 24, "%s=%d", X->slot_var, slot);
        ca->envp[k++] = v;
    }
    return ca;
}

/* GNU's messages for a command that cannot run (xargs then ends with 127 or 126) */
static void check_runnable(xargs *X, const char *cmd)
{
    vl_ctx *c = X->c;
    if (!strchr(cmd, '/')) {
        if (!vk_command_exists(c->p, cmd)) {
            wait_all(X);
            vl_error(c, "%s: No such file or directory", cmd);
            vl_exit(c, 127);
        }
        return;
    }
    struct vk_stat st;
    int rc = vk_stat(c->p, cmd, &st);
    if (rc == 0 && VK_S_ISDIR(st.mode)) rc = VOS_EACCES;
    if (rc == 0) rc = vk_access(c->p, cmd, VK_X_OK);
    if (rc < 0) {
        wait_all(X);
        vl_error(c, "%s: %s", cmd, vl_strerror(rc));
        vl_exit(c, rc == VOS_ENOENT ? 127 : 126);
    }
}

static void run(xargs *X, char **argv, int argc)
{
    vl_ctx *c = X->c;
    X->ran_any = true;
    if (X->verbose || X->interactive) {
        vl_buf b = {0};
        for (int i = 0; i < argc; i++) {
            vl_buf_adds(c, &b, argv[i]);
            if (i + 1 < argc) vl_buf_addc(c, &b, ' ');
        }
        if (!X->interactive) vl_buf_addc(c, &b, '\n');
        vl_flush(c);
        vl_write_fd(c, 2, b.data, b.len);
        vl_buf_free(c, &b);
        /* GNU reads the answer from /dev/tty; a VM has no terminal */
        if (X->interactive)
            vl_die(c, 1, "failed to open /dev/tty for reading: No such device or address");
    }
    vl_flush(c);
    check_runnable(X, argv[0]);
    /* a slot for it */
    int64_t maxp = X->max_procs;
    while (X->njobs >= maxp) wait_one(X);
    int slot = 0;
    for (;; slot++) { /* the lowest slot number not in use */
        bool used = false;
        for (int i = 0; i < X->njobs; i++)
            if (X->jobs[i].slot == slot) used = true;
        if (!used) break;
    }
    vk_proc *child;
    int rc = vk_proc_new(c->p, &child);
    while (rc == VOS_EPROCS && X->njobs) { /* out of processes: wait for one of ours */
        wait_one(X);
        rc = vk_proc_new(c->p, &child);
    }
    if (rc < 0) {
        int w = vk_dying(c->p);
        if (w) vl_exit(c, VK_WSHELL(w));
        wait_all(X);
        vl_die(c, 1, "cannot fork: %s", vl_strerror(rc));
    }
    if (maxp == 1 && !X->slot_var) {
        /* on this thread, xargs waits: the child may use xargs's own copy */
        child_arg ca = {argv, NULL};
        int ws = vk_proc_run(child, child_entry, &ca);
        finished(X, argv[0], ws);
        return;
    }
    child_arg *ca = child_prepare(X, child, argv, argc, slot);
    if (!ca) {
        vk_proc_discard(child);
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
    if (maxp == 1) {
        int ws = vk_proc_run(child, child_entry, ca);
        finished(X, argv[0], ws);
        return;
    }
    int pid = vk_proc_start(child, child_entry, ca);
    if (pid < 0) {
        wait_all(X);
        vl_die(c, 1, "cannot fork: %s", vl_strerror(pid));
    }
    if (X->njobs % 16 == 0)
        X->jobs = vl_xrealloc(c, X->jobs, ((size_t)X->njobs + 16) * sizeof *X->jobs);
    X->jobs[X->njobs++] = (job){pid, slot, vl_xstrdup(c, argv[0])};
}

/* run the pending command (initial args + collected args) */
static void exec_pending(xargs *X)
{
    vl_ctx *c = X->c;
    size_t n = (size_t)X->ninitial + X->nargs;
    char **v = vl_xcalloc(c, n + 1, sizeof *v);
    size_t k = 0;
    for (int i = 0; i < X->ninitial; i++) v[k++] = X->initial[i];
    for (size_t i = 0; i < X->nargs; i++) v[k++] = X->store.data + X->offs[i];
    v[k] = NULL;
    run(X, v, (int)k);
    vl_xfree(c, v);
    X->nargs = 0;
    X->store.len = 0;
    X->chars = X->initial_chars;
    X->lines = 0;
}

static void exec_if_possible(xargs *X)
{
    if (X->nargs) exec_pending(X);
}

/* add one argument to the pending command */
static void push_arg(xargs *X, const char *a, size_t len)
{
    vl_ctx *c = X->c;
    if (X->chars + len + 1 > (size_t)X->max_chars) {
        if ((X->exit_if_size && (X->max_lines || X->max_args)))
            vl_die(c, 1, "argument list too long");
        exec_pending(X);
    }
    if (X->nargs == X->capargs) {
        X->capargs = X->capargs ? X->capargs * 2 : 64;
        X->offs = vl_xrealloc(c, X->offs, X->capargs * sizeof *X->offs);
    }
    X->offs[X->nargs++] = X->store.len;
    vl_buf_add(c, &X->store, a, len);
    vl_buf_addc(c, &X->store, 0);
    X->chars += len + 1;
    if (X->max_args && (int64_t)X->nargs >= X->max_args) exec_pending(X);
}

/* ---- -I: one command per line, with R replaced in the initial arguments ---- */
static void run_replaced(xargs *X, const char *line)
{
    vl_ctx *c = X->c;
    char **v = vl_xcalloc(c, (size_t)X->ninitial + 1, sizeof *v);
    size_t rl = strlen(X->replace);
    size_t total = 0;
    for (int i = 0; i < X->ninitial; i++) {
        const char *a = X->initial[i];
        if (!rl || !strstr(a, X->replace) || (i == 0 && false)) {
            v[i] = (char *)a;
        } else {
            vl_buf b = {0};
            for (const char *s = a; *s;) {
                if (!strncmp(s, X->replace, rl)) {
                    vl_buf_adds(c, &b, line);
                    s += rl;
                } else {
                    vl_buf_addc(c, &b, *s++);
                }
            }
            vl_buf_addc(c, &b, 0);
            v[i] = b.data;
        }
        total += strlen(v[i]) + 1;
    }
    if (total > (size_t)X->max_chars) vl_die(c, 1, "command too long");
    run(X, v, X->ninitial);
    for (int i = 0; i < X->ninitial; i++)
        if (v[i] != X->initial[i]) vl_xfree(c, v[i]);
    vl_xfree(c, v);
}

/* ---- reading input ---- */
static int getch(xargs *X)
{
    if (X->ipos < X->ilen) return X->ibuf[X->ipos++];
    if (X->eof) return -1;
    if (!X->ibuf) X->ibuf = vl_xmalloc(X->c, 65536);
    ssize_t n = vl_in_read(X->c, X->in, X->ibuf, 65536);
    if (n <= 0) {
        if (n < 0) vl_error(X->c, "read error: %s", vl_strerror((int)n));
        X->eof = true;
        return -1;
    }
    X->ipos = 0;
    X->ilen = (size_t)n;
    return X->ibuf[X->ipos++];
}

/* The next item with GNU's blank-and-quote rules. Returns 1 with the item in *tok (and *eol
 * when it ended its line, *lineblank when the line ended right after a blank), 0 at the end. */
typedef struct item {
    vl_buf b;
    bool eol;      /* the item was the last on its line */
    bool cont;     /* the line ended with a blank: it continues (for -L) */
} item;

static bool is_blank(int ch) { return ch == ' ' || ch == '\t'; }

static int read_quoted(xargs *X, item *it)
{
    vl_ctx *c = X->c;
    it->b.len = 0;
    it->eol = false;
    it->cont = false;
    int ch;
    size_t room = (size_t)X->max_chars - X->initial_chars;
    /* skip blanks and empty lines */
    for (;;) {
        ch = getch(X);
        if (ch < 0) return 0;
        if (is_blank(ch) || ch == '\n') continue;
        break;
    }
    bool any = false;
    for (;; ch = getch(X)) {
        tick(X);
        if (ch < 0) break;
        if (ch == '\n') {
            it->eol = true;
            break;
        }
        if (is_blank(ch)) {
            /* blanks end the item; see whether the line ends here too */
            for (;;) {
                int nx = getch(X);
                if (nx < 0) {
                    it->eol = true;
                    break;
                }
                if (nx == '\n') {
                    it->eol = true;
                    it->cont = true; /* a trailing blank continues the line */
                    break;
                }
                if (!is_blank(nx)) {
                    /* put it back: keep it in a one-byte pushback */
                    X->ipos--; /* the byte is still in the buffer */
                    break;
                }
            }
            break;
        }
        if (ch == '\'' || ch == '"') {
            int qc = ch;
            for (;;) {
                ch = getch(X);
                if (ch < 0 || ch == '\n') {
                    exec_if_possible(X);
                    wait_all(X);
                    vl_die(c, 1, "unmatched %s quote; by default quotes are special to xargs "
                                 "unless you use the -0 option",
                           qc == '"' ? "double" : "single");
                }
                if (ch == qc) break;
                vl_buf_addc(c, &it->b, ch);
            }
            any = true;
        } else if (ch == '\\') {
            ch = getch(X);
            if (ch < 0) break;
            vl_buf_addc(c, &it->b, ch);
            any = true;
        } else {
            if (ch == 0) {
                /* GNU: a NUL cannot be passed in an argument */
            }
            vl_buf_addc(c, &it->b, ch);
            any = true;
        }
        if (it->b.len + 1 > room) {
            exec_if_possible(X);
            wait_all(X);
            vl_die(c, 1, "argument line too long");
        }
    }
    (void)any;
    vl_buf_addc(c, &it->b, 0);
    it->b.len--;
    return 1;
}

/* -I: the whole line is the item (leading blanks dropped, quotes still apply) */
static int read_line_item(xargs *X, item *it)
{
    vl_ctx *c = X->c;
    it->b.len = 0;
    it->eol = true;
    int ch;
    for (;;) {
        ch = getch(X);
        if (ch < 0) return 0;
        if (is_blank(ch) || ch == '\n') continue;
        break;
    }
    size_t room = (size_t)X->max_chars;
    for (;; ch = getch(X)) {
        tick(X);
        if (ch < 0 || ch == '\n') break;
        if (ch == '\'' || ch == '"') {
            int qc = ch;
            for (;;) {
                ch = getch(X);
                if (ch < 0 || ch == '\n')
                    vl_die(c, 1, "unmatched %s quote; by default quotes are special to xargs "
                                 "unless you use the -0 option",
                           qc == '"' ? "double" : "single");
                if (ch == qc) break;
                vl_buf_addc(c, &it->b, ch);
            }
        } else if (ch == '\\') {
            ch = getch(X);
            if (ch < 0) break;
            vl_buf_addc(c, &it->b, ch);
        } else {
            vl_buf_addc(c, &it->b, ch);
        }
        if (it->b.len + 1 > room) vl_die(c, 1, "argument line too long");
    }
    vl_buf_addc(c, &it->b, 0);
    it->b.len--;
    return 1;
}

/* -0 / -d: items end at the delimiter; nothing else is special */
static int read_delim(xargs *X, item *it)
{
    vl_ctx *c = X->c;
    it->b.len = 0;
    it->eol = true;
    it->cont = false;
    int ch = getch(X);
    if (ch < 0) return 0;
    size_t room = (size_t)X->max_chars - X->initial_chars;
    for (; ch >= 0 && ch != X->delim; ch = getch(X)) {
        tick(X);
        vl_buf_addc(c, &it->b, ch);
        if (it->b.len + 1 > room) {
            exec_if_possible(X);
            wait_all(X);
            vl_die(c, 1, "argument line too long");
        }
    }
    vl_buf_addc(c, &it->b, 0);
    it->b.len--;
    return 1;
}

/* ---- options ---- */
static int64_t num_opt(xargs *X, int opt, const char *s, int64_t min, int64_t max)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || isspace((unsigned char)*s)) {
        vl_error(X->c, "invalid number \"%s\" for -%c option", s, opt);
        vl_try_help(X->c);
    }
    if (v < min && opt == 's') {
        /* GNU goes on with the smallest size (and then finds that nothing fits) */
        vl_error(X->c, "value %s for -%c option should be >= %lld", s, opt, (long long)min);
        return min;
    }
    if (v < min) {
        vl_error(X->c, "value %s for -%c option should be >= %lld", s, opt, (long long)min);
        vl_try_help(X->c);
    }
    if (max > 0 && v > max) {
        if (opt == 's') {
            vl_error(X->c, "value %s for -s option should be <= %lld", s, (long long)max);
            X->c->status = 0;
            return max;
        }
        vl_die(X->c, 1, "value %s for -%c option should be <= %lld", s, opt, (long long)max);
    }
    return v;
}

static int parse_delim(xargs *X, const char *s)
{
    if (s[0] && !s[1]) return (unsigned char)s[0];
    if (s[0] == '\\') {
        switch (s[1]) {
        case 'a': if (!s[2]) return '\a'; break;
        case 'b': if (!s[2]) return '\b'; break;
        case 'f': if (!s[2]) return '\f'; break;
        case 'n': if (!s[2]) return '\n'; break;
        case 'r': if (!s[2]) return '\r'; break;
        case 't': if (!s[2]) return '\t'; break;
        case 'v': if (!s[2]) return '\v'; break;
        case '\\': if (!s[2]) return '\\'; break;
        case 'x': {
            char *end;
            long v = strtol(s + 2, &end, 16);
            if (s[2] && !*end && v < 256) return (int)v;
            vl_die(X->c, 1, "invalid escape sequence %s in input delimiter specification; "
                            "character values must not exceed ff.", s);
        }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            char *end;
            long v = strtol(s + 1, &end, 8);
            if (!*end && v < 256) return (int)v;
            vl_die(X->c, 1, "invalid escape sequence %s in input delimiter specification; "
                            "character values must not exceed 377.", s);
        }
        }
        vl_die(X->c, 1, "invalid escape sequence %s in input delimiter specification.", s);
    }
    vl_die(X->c, 1, "Invalid input delimiter specification %s: the delimiter must be either a "
                    "single character or an escape sequence starting with \\.", s);
}

static size_t env_chars(vl_ctx *c)
{
    char *const *env = vk_environ(c->p);
    size_t n = 0;
    for (size_t i = 0; env && env[i]; i++) n += strlen(env[i]) + 1;
    return n;
}

static int xargs_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    xargs *X = vl_xcalloc(c, 1, sizeof *X);
    X->c = c;
    X->delim = -1;
    X->max_procs = 1;
    size_t envc = env_chars(c);
    int64_t posix_max = ARG_MAX_VM - 2048 - (int64_t)envc;
    int64_t usable = posix_max - (int64_t)envc;
    X->max_chars = DEFAULT_CHARS < usable ? DEFAULT_CHARS : usable;

    if (vl_has(c, '0')) X->delim = 0;
    if (vl_has(c, 'd') && vl_last(c, 'd') > vl_last(c, '0')) X->delim = parse_delim(X, vl_arg(c, 'd'));
    if (vl_has(c, 'E') || vl_has(c, 'e')) {
        const char *e = vl_last(c, 'E') > vl_last(c, 'e') ? vl_arg(c, 'E') : vl_arg(c, 'e');
        X->eof_str = e && *e ? e : NULL;
    }
    /* -I/-i, -L/-l and -n override one another: the last given wins, with GNU's warnings */
    int li = vl_last(c, 'L') > vl_last(c, 'l') ? vl_last(c, 'L') : vl_last(c, 'l');
    int ni = vl_last(c, 'n');
    int ii = vl_last(c, 'I') > vl_last(c, 'i') ? vl_last(c, 'I') : vl_last(c, 'i');
    if (li && ni) {
        if (ni > li)
            vl_eprintf(c, "%s: warning: options --max-lines and --max-args/-n are mutually "
                          "exclusive, ignoring previous --max-lines value\n", c->name);
        else
            vl_eprintf(c, "%s: warning: options --max-args and -L are mutually exclusive, "
                          "ignoring previous --max-args value\n", c->name);
    }
    if (vl_has(c, 's')) X->max_chars = num_opt(X, 's', vl_arg(c, 's'), 1, posix_max);
    if (ii && ii > li && ii > ni) {
        const char *r = vl_last(c, 'I') > vl_last(c, 'i') ? vl_arg(c, 'I') : vl_arg(c, 'i');
        X->replace = r && *r ? r : "{}";
        X->exit_if_size = true;
        X->max_lines = 1;
    } else if (li && li > ni) {
        const char *a = vl_last(c, 'L') > vl_last(c, 'l') ? vl_arg(c, 'L') : vl_arg(c, 'l');
        X->max_lines = a ? num_opt(X, vl_last(c, 'L') > vl_last(c, 'l') ? 'L' : 'l', a, 1, 0) : 1;
    } else if (ni) {
        X->max_args = num_opt(X, 'n', vl_arg(c, 'n'), 1, 0);
    }
    if (vl_has(c, 'x')) X->exit_if_size = true;
    if (vl_has(c, 'P')) {
        X->max_procs = num_opt(X, 'P', vl_arg(c, 'P'), 0, 0);
        /* 0 means as many as possible: the VM's process limit bounds it */
        if (X->max_procs == 0) X->max_procs = 64;
        if (X->max_procs > 64) X->max_procs = 64;
    }
    X->no_run_empty = vl_has(c, 'r');
    X->verbose = vl_has(c, 't');
    X->interactive = vl_has(c, 'p');
    if (vl_has(c, 'o')) vl_die(c, 1, "failed to open /dev/tty for reading: No such device or address");
    X->slot_var = vl_arg(c, OPT_SLOT_VAR);
    if (X->slot_var && strchr(X->slot_var, '='))
        vl_die(c, 1, "option --process-slot-var may not contain an '=' character");

    static char echo[] = "echo";
    static char *defcmd[] = {echo, NULL};
    X->initial = n ? argv + 1 : defcmd;
    X->ninitial = n ? n : 1;
    for (int i = 0; i < X->ninitial; i++) X->initial_chars += strlen(X->initial[i]) + 1;
    X->chars = X->initial_chars;

    if (vl_has(c, OPT_SHOW_LIMITS)) {
        vl_eprintf(c, "Your environment variables take up %zu bytes\n", envc);
        vl_eprintf(c, "POSIX upper limit on argument length (this system): %lld\n",
                   (long long)posix_max);
        vl_eprintf(c, "POSIX smallest allowable upper limit on argument length (all systems): "
                      "4096\n");
        vl_eprintf(c, "Maximum length of command we could actually use: %lld\n",
                   (long long)usable);
        vl_eprintf(c, "Size of command buffer we are actually using: %lld\n",
                   (long long)X->max_chars);
        vl_eprintf(c, "Maximum parallelism (--max-procs must be no greater): 2147483647\n");
        vl_eprintf(c, "\n");
    }
    if (!X->replace && X->initial_chars > (size_t)X->max_chars)
        vl_die(c, 1, "cannot fit single argument within argument list size limit");

    const char *file = vl_arg(c, 'a');
    if (file) {
        int err = 0;
        X->in = vl_in_open_quiet(c, file, &err);
        if (!X->in) vl_die(c, 1, "Cannot open input file %s: %s", vl_quote_always(c, file),
                           vl_strerror(err));
    } else {
        X->in = vl_in_fd(c, 0, "-");
    }

    item it = {0};
    for (;;) {
        int rc;
        if (X->delim >= 0) rc = read_delim(X, &it);
        else if (X->replace) rc = read_line_item(X, &it);
        else rc = read_quoted(X, &it);
        if (rc == 0) break;
        if (X->eof_str && X->delim < 0 && !strcmp(it.b.data, X->eof_str)) break;
        if (X->replace) {
            run_replaced(X, it.b.data);
            continue;
        }
        push_arg(X, it.b.data, it.b.len);
        if (X->max_lines && it.eol && !it.cont) {
            if (++X->lines >= X->max_lines) exec_pending(X);
        }
    }
    if (X->nargs || (!X->ran_any && !X->no_run_empty && !X->replace)) exec_pending(X);
    wait_all(X);
    vl_buf_free(c, &it.b);
    return X->status ? X->status : c->status;
}

VL_COMMAND(xargs, xargs_main, xargs_opts, "[OPTION]... COMMAND [INITIAL-ARGS]...",
           "Run COMMAND with arguments INITIAL-ARGS and more arguments read from input.",
           VL_STOP_AT_OPERAND, 1);
