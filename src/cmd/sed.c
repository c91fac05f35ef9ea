/* sed: GNU sed 4.9's stream editor: options, the executor (cycles, addresses and ranges, the
 * append queue, the hold space, missing final newlines as GNU tracks them), in-place editing
 * through a temporary file renamed over the original, and `e` through the VM's /bin/sh. The
 * script compiler is sed_parse.c. It streams: one line (plus what N/G/H gather) and the hold
 * space are in memory. Every command executed counts a step, so a looping script ends at the
 * VM's step budget. --debug is accepted and ignored (no annotated output). */
#include "cmd/sed.h"

#include <stdio.h>
#include <string.h>

typedef struct line {
    char *s;
    size_t len, cap;
    bool chomped; /* ended by the delimiter (false: the input's last line lacked it) */
} line;

/* An entry of the append queue (a, r, R), output at the end of the cycle. */
typedef struct app {
    const char *text; /* a: the text; R: the line (in rbuf at off) */
    size_t len, off;
    bool from_rbuf;
    const char *rname; /* r: the file */
} app;

typedef struct sed {
    vl_ctx *c;
    sed_opts o;
    sed_prog prog;
    char delim;
    line ps, hold;
    int64_t lineno;
    /* input: the operands in turn */
    char **files;
    int nfiles, fi; /* fi: next file to open */
    int fd;         /* -1: none open */
    const char *fname;
    bool close_fd;
    char *ib;
    size_t ipos, ilen, icap;
    bool ieof;
    /* append queue */
    app *apps;
    int napps, capapps;
    vl_buf rbuf;
    sed_rx *last_rx;
    bool replaced;
    sed_out sout;  /* stdout */
    sed_out *out;  /* where p, =, l, i... go: stdout or the -i temp file */
    sed_out iout;  /* -i's temp file */
    char *tmpname, *target;
    void *tmp_defer;
    uint64_t steps;
    bool quit;
    int exit_code;
    vl_re_span m[10];
} sed;

static const char usage_text[] =
    "Usage: %s [OPTION]... {script-only-if-no-other-script} [input-file]...\n"
    "\n"
    "  -n, --quiet, --silent\n"
    "                 suppress automatic printing of pattern space\n"
    "      --debug\n"
    "                 annotate program execution\n"
    "  -e script, --expression=script\n"
    "                 add the script to the commands to be executed\n"
    "  -f script-file, --file=script-file\n"
    "                 add the contents of script-file to the commands to be executed\n"
    "  --follow-symlinks\n"
    "                 follow symlinks when processing in place\n"
    "  -i[SUFFIX], --in-place[=SUFFIX]\n"
    "                 edit files in place (makes backup if SUFFIX supplied)\n"
    "  -l N, --line-length=N\n"
    "                 specify the desired line-wrap length for the `l' command\n"
    "  --posix\n"
    "                 disable all GNU extensions.\n"
    "  -E, -r, --regexp-extended\n"
    "                 use extended regular expressions in the script\n"
    "                 (for portability use POSIX -E).\n"
    "  -s, --separate\n"
    "                 consider files as separate rather than as a single,\n"
    "                 continuous long stream.\n"
    "      --sandbox\n"
    "                 operate in sandbox mode (disable e/r/w commands).\n"
    "  -u, --unbuffered\n"
    "                 load minimal amounts of data from the input files and flush\n"
    "                 the output buffers more often\n"
    "  -z, --null-data\n"
    "                 separate lines by NUL characters\n"
    "      --help     display this help and exit\n"
    "      --version  output version information and exit\n"
    "\n"
    "If no -e, --expression, -f, or --file option is given, then the first\n"
    "non-option argument is taken as the sed script to interpret.  All\n"
    "remaining arguments are names of input files; if no input files are\n"
    "specified, then the standard input is read.\n"
    "\n"
    "GNU sed home page: <https://www.gnu.org/software/sed/>.\n"
    "General help using GNU software: <https://www.gnu.org/gethelp/>.\n";

_Noreturn static void usage(vl_ctx *c, int status)
{
    if (status == 0) {
        vl_printf(c, usage_text, c->name);
        vl_puts(c, "E-mail bug reports to: <bug-sed@gnu.org>.\n");
    } else {
        vl_buf b = {0};
        vl_buf_printf(c, &b, usage_text, c->name);
        vl_flush(c);
        vl_write_fd(c, 2, b.data, b.len);
    }
    vl_exit(c, status);
}

_Noreturn static void fatal(sed *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* after a kernel call failed because the process must end: end quietly */
static void check_dying(sed *s)
{
    int w = vk_dying(s->c->p);
    if (w) vl_exit(s->c, VK_WSHELL(w));
}

static void fatal(sed *s, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_eprintf(s->c, "%s: %s\n", s->c->name, msg);
    vl_exit(s->c, status);
}

/* ---- output ---- */
static void out_flush(sed *s, sed_out *o)
{
    if (o->fd == -1) {
        vl_flush(s->c);
        return;
    }
    if (o->buf.len == 0) return;
    size_t n = o->buf.len;
    int rc = vl_write_fd(s->c, o->fd, o->buf.data, n);
    o->buf.len = 0;
    if (rc < 0) {
        /* GNU's wording; its count is that of one stdio write, ours of one buffer */
        check_dying(s);
        fatal(s, 4, "couldn't write %zu item%s to %s: %s", n, n == 1 ? "" : "s", o->name,
              vl_strerror(rc));
    }
}

static void out_write(sed *s, sed_out *o, const char *p, size_t n)
{
    if (o->fd == -1) {
        vl_write(s->c, p, n);
        return;
    }
    if (o->fd == 2) {
        /* stderr is unbuffered, as in GNU: it does not wait for stdout */
        int rc = vl_write_fd(s->c, 2, p, n);
        if (rc < 0) check_dying(s);
        return;
    }
    vl_buf_add(s->c, &o->buf, p, n);
    if (o->buf.len >= 65536) out_flush(s, o);
}

static void missing_newline(sed *s, sed_out *o)
{
    if (o->missing_nl) {
        out_write(s, o, &s->delim, 1);
        o->missing_nl = false;
    }
}

/* Text of a i c: its last newline is the delimiter (NUL with -z). */
static void output_text(sed *s, sed_out *o, const char *t, size_t n)
{
    missing_newline(s, o);
    if (n > 0 && t[n - 1] == '\n') {
        out_write(s, o, t, n - 1);
        out_write(s, o, &s->delim, 1);
    } else {
        out_write(s, o, t, n);
    }
}

static void output_pattern(sed *s, sed_out *o, const char *p, size_t n, bool nl)
{
    missing_newline(s, o);
    out_write(s, o, p, n);
    if (nl)
        out_write(s, o, &s->delim, 1);
    else
        o->missing_nl = true;
    if (s->o.unbuffered) out_flush(s, o);
}

/* ---- lines ---- */
static void line_reserve(sed *s, line *l, size_t n)
{
    if (n <= l->cap) return;
    size_t cap = l->cap ? l->cap : 128;
    while (cap < n) cap *= 2;
    l->s = vl_xrealloc(s->c, l->s, cap);
    l->cap = cap;
}

static void line_set(sed *s, line *l, const char *p, size_t n)
{
    line_reserve(s, l, n + 1);
    memmove(l->s, p, n);
    l->len = n;
}

static void line_add(sed *s, line *l, const char *p, size_t n)
{
    line_reserve(s, l, l->len + n + 1);
    memcpy(l->s + l->len, p, n);
    l->len += n;
}

/* ---- input ---- */
static void input_close(sed *s)
{
    if (s->fd >= 0 && s->close_fd) vk_close(s->c->p, s->fd);
    s->fd = -1;
}

static void finish_inplace(sed *s);
static void start_inplace(sed *s, const char *name);

/* Open the next operand that can be read; false when none is left. */
static bool open_next(sed *s)
{
    vl_ctx *c = s->c;
    while (s->fi < s->nfiles) {
        const char *name = s->files[s->fi++];
        s->ipos = s->ilen = 0;
        s->ieof = false;
        if (strcmp(name, "-") == 0 && !s->o.inplace) {
            s->fd = 0;
            s->close_fd = false;
            s->fname = "-";
            return true;
        }
        const char *path = name;
        if (s->o.inplace && s->o.follow) {
            char *real;
            if (vk_realpath(c->p, name, false, &real) == 0) path = real;
        }
        int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_CLOEXEC, 0);
        if (fd < 0) {
            check_dying(s);
            vl_eprintf(c, "%s: can't read %s: %s\n", c->name, name, vl_strerror(fd));
            c->status = 2;
            continue;
        }
        struct vk_stat st;
        if (s->o.inplace) {
            if (vk_fstat(c->p, fd, &st) == 0 && !VK_S_ISREG(st.mode)) {
                vl_eprintf(c, "%s: couldn't edit %s: not a regular file\n", c->name, name);
                c->status = 4;
                vk_close(c->p, fd);
                continue;
            }
        }
        s->fd = fd;
        s->close_fd = true;
        s->fname = name;
        if (s->o.inplace) start_inplace(s, path);
        return true;
    }
    return false;
}

/* Fill the input buffer; false at the end of the current file. */
static bool fill(sed *s)
{
    if (s->ieof || s->fd < 0) return false;
    if (s->ilen == s->icap) {
        if (s->ipos > 0) {
            memmove(s->ib, s->ib + s->ipos, s->ilen - s->ipos);
            s->ilen -= s->ipos;
            s->ipos = 0;
        } else {
            s->icap = s->icap ? s->icap * 2 : 65536;
            s->ib = vl_xrealloc(s->c, s->ib, s->icap);
        }
    }
    size_t want = s->icap - s->ilen;
    if (s->o.unbuffered && want > 4096) want = 4096;
    ssize_t n = vk_read(s->c->p, s->fd, s->ib + s->ilen, want);
    if (n < 0) {
        check_dying(s);
        /* GNU gives up at once (its panic, status 4) */
        fatal(s, 4, "read error on %s: %s", strcmp(s->fname, "-") == 0 ? "stdin" : s->fname,
              vl_strerror((int)n));
    }
    if (n == 0) {
        s->ieof = true;
        return false;
    }
    s->ilen += (size_t)n;
    return true;
}

/* Does the current file hold more data? */
static bool file_has_more(sed *s)
{
    if (s->fd < 0) return false;
    if (s->ipos < s->ilen) return true;
    s->ipos = s->ilen = 0;
    return fill(s);
}

/* Read one line of the current file into l (append: after a delimiter). false at its end. */
static bool read_one(sed *s, line *l, bool append)
{
    if (!file_has_more(s)) return false;
    size_t start = s->ipos;
    char *e;
    for (;;) {
        e = memchr(s->ib + s->ipos, s->delim, s->ilen - s->ipos);
        if (e) break;
        /* keep what we have and read more */
        size_t have = s->ilen - start;
        if (start > 0) {
            memmove(s->ib, s->ib + start, have);
            s->ilen = have;
            s->ipos = have;
            start = 0;
        } else {
            s->ipos = s->ilen;
        }
        if (!fill(s)) {
            e = NULL;
            break;
        }
    }
    size_t end = e ? (size_t)(e - s->ib) : s->ilen;
    if (append) {
        line_add(s, l, &s->delim, 1);
        line_add(s, l, s->ib + start, end - start);
    } else {
        line_set(s, l, s->ib + start, end - start);
    }
    l->chomped = e != NULL;
    s->ipos = e ? end + 1 : s->ilen;
    return true;
}

/* Is the line just read the last one ($)? */
static bool is_last(sed *s)
{
    if (file_has_more(s)) return false;
    if (s->o.separate || s->o.inplace) return true;
    /* look for a later file with data: open them as reading would */
    while (s->fi < s->nfiles) {
        input_close(s);
        if (!open_next(s)) return true;
        if (file_has_more(s)) return false;
    }
    return true;
}

static void dump_append(sed *s);

/* Read the next line (GNU's read_pattern_space): the append queue goes out first. */
static bool read_pattern_space(sed *s, bool append)
{
    dump_append(s);
    s->replaced = false;
    for (;;) {
        if (s->fd >= 0 && read_one(s, &s->ps, append)) {
            s->lineno++;
            return true;
        }
        if (s->fd >= 0) {
            input_close(s);
            if (s->o.inplace) finish_inplace(s);
        }
        if (s->fi >= s->nfiles) return false;
        if (!open_next(s)) return false;
        if (s->o.separate || s->o.inplace) {
            /* a new file: line numbers and ranges start again, the hold space starts empty (its
             * chomped state stays), R files are read from their start */
            s->lineno = 0;
            s->hold.len = 0;
            for (int i = 0; i < s->prog.ncmds; i++) {
                sed_cmd *cmd = &s->prog.cmds[i];
                cmd->range = cmd->a1.type == AD_ZERO && cmd->a2.type != AD_NONE ? RANGE_ACTIVE
                                                                                  : RANGE_INACTIVE;
            }
            for (sed_rfile *r = s->prog.rfiles; r; r = r->next) {
                if (r->fd >= 0) vk_close(s->c->p, r->fd);
                r->fd = -2;
                r->pos = r->len = 0;
                r->eof = false;
            }
        }
    }
}

/* ---- in-place ---- */
static void remove_tmp(void *arg)
{
    sed *s = arg;
    if (s->tmpname) {
        if (s->iout.fd >= 0) vk_close(s->c->p, s->iout.fd);
        vk_unlink(s->c->p, s->tmpname);
        s->tmpname = NULL;
    }
}

static void start_inplace(sed *s, const char *name)
{
    vl_ctx *c = s->c;
    char *dir = vl_dirname(c, name);
    struct vk_stat st;
    int rc = vk_fstat(c->p, s->fd, &st);
    unsigned mode = rc == 0 ? (st.mode & 07777) : 0600;
    int fd = -1;
    char *tmp = NULL;
    static const char an[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int tries = 0; tries < 100; tries++) {
        uint64_t r = vk_random(c->p);
        char sfx[7];
        for (int i = 0; i < 6; i++, r >>= 6) sfx[i] = an[r % 62];
        sfx[6] = 0;
        tmp = vl_xmalloc(c, strlen(dir) + 16);
        strcpy(tmp, dir);
        strcat(tmp, "/sed");
        strcat(tmp, sfx);
        fd = vk_open(c->p, tmp, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL | VK_O_CLOEXEC, 0600);
        if (fd != VOS_EEXIST) break;
    }
    if (fd < 0) {
        check_dying(s);
        fatal(s, 4, "couldn't open temporary file %s: %s", tmp, vl_strerror(fd));
    }
    s->tmpname = tmp;
    s->target = vl_xstrdup(c, name);
    s->iout.fd = fd;
    s->iout.name = tmp;
    s->iout.missing_nl = false;
    s->iout.buf.len = 0;
    s->out = &s->iout;
    if (!s->tmp_defer) s->tmp_defer = vl_defer(c, remove_tmp, s);
    vk_chmod(c->p, tmp, mode);
}

static void finish_inplace(sed *s)
{
    vl_ctx *c = s->c;
    if (!s->tmpname) return;
    out_flush(s, &s->iout);
    vk_close(c->p, s->iout.fd);
    s->iout.fd = -3;
    if (s->o.suffix && *s->o.suffix) {
        /* the backup: SUFFIX appended, or each * replaced by the base name; a name without
         * '/' lives beside the file */
        const char *base = vl_basename(c, s->target);
        vl_buf b = {0};
        if (strchr(s->o.suffix, '*')) {
            for (const char *p = s->o.suffix; *p; p++) {
                if (*p == '*')
                    vl_buf_adds(c, &b, base);
                else
                    vl_buf_addc(c, &b, *p);
            }
        } else {
            vl_buf_adds(c, &b, base);
            vl_buf_adds(c, &b, s->o.suffix);
        }
        vl_buf_addc(c, &b, 0);
        char *bk = b.data;
        if (!strchr(bk, '/')) {
            char *d = vl_dirname(c, s->target);
            bk = vl_path_join(c, d, bk);
        }
        int rc = vk_rename(c->p, s->target, bk);
        if (rc < 0) {
            check_dying(s);
            vl_eprintf(c, "%s: cannot rename %s: %s\n", c->name, s->target, vl_strerror(rc));
            vk_unlink(c->p, s->tmpname);
            s->tmpname = NULL;
            vl_exit(c, 4);
        }
    }
    int rc = vk_rename(c->p, s->tmpname, s->target);
    if (rc < 0) {
        check_dying(s);
        vl_eprintf(c, "%s: cannot rename %s: %s\n", c->name, s->tmpname, vl_strerror(rc));
        vk_unlink(c->p, s->tmpname);
        s->tmpname = NULL;
        vl_exit(c, 4);
    }
    s->tmpname = NULL;
    s->out = &s->sout;
}

/* ---- append queue, r and R ---- */
static app *new_app(sed *s)
{
    if (s->napps == s->capapps) {
        s->capapps = s->capapps ? s->capapps * 2 : 8;
        s->apps = vl_xrealloc(s->c, s->apps, (size_t)s->capapps * sizeof *s->apps);
    }
    app *a = &s->apps[s->napps++];
    memset(a, 0, sizeof *a);
    return a;
}

/* Copy a whole file to the output (r); a file that cannot be read is skipped silently. */
static void copy_file(sed *s, const char *name)
{
    vl_ctx *c = s->c;
    int fd;
    bool close_it = true;
    if (strcmp(name, "/dev/stdin") == 0 || strcmp(name, "-") == 0) {
        fd = 0;
        close_it = false;
    } else {
        fd = vk_open(c->p, name, VK_O_RDONLY | VK_O_CLOEXEC, 0);
        if (fd < 0) {
            check_dying(s);
            return;
        }
    }
    char buf[16384];
    ssize_t n;
    while ((n = vk_read(c->p, fd, buf, sizeof buf)) > 0) out_write(s, s->out, buf, (size_t)n);
    if (n < 0) check_dying(s);
    if (close_it) vk_close(c->p, fd);
}

static void dump_append(sed *s)
{
    for (int i = 0; i < s->napps; i++) {
        app *a = &s->apps[i];
        if (a->rname) {
            copy_file(s, a->rname);
            continue;
        }
        if (a->from_rbuf) {
            missing_newline(s, s->out);
            out_write(s, s->out, s->rbuf.data + a->off, a->len);
        } else {
            /* `a` text goes out as it is (i and c end with the delimiter) */
            missing_newline(s, s->out);
            out_write(s, s->out, a->text, a->len);
        }
    }
    s->napps = 0;
    s->rbuf.len = 0;
    if (s->o.unbuffered) out_flush(s, s->out);
}

/* R: queue the next line of the file (with its newline, added when the file's last line lacks
 * it); nothing at its end. */
static void read_R(sed *s, sed_rfile *r)
{
    vl_ctx *c = s->c;
    if (r->fd == -2) {
        if (strcmp(r->name, "/dev/stdin") == 0 || strcmp(r->name, "-") == 0)
            r->fd = vk_dup(c->p, 0);
        else
            r->fd = vk_open(c->p, r->name, VK_O_RDONLY | VK_O_CLOEXEC, 0);
        if (r->fd < 0) {
            check_dying(s);
            r->fd = -1;
        }
    }
    if (r->fd < 0) return;
    for (;;) {
        char *e = r->pos < r->len ? memchr(r->buf + r->pos, s->delim, r->len - r->pos) : NULL;
        if (e || (r->eof && r->pos < r->len)) {
            size_t end = e ? (size_t)(e - r->buf) : r->len;
            app *a = new_app(s);
            a->from_rbuf = true;
            a->off = s->rbuf.len;
            /* the line as read: GNU adds no delimiter the file lacks */
            vl_buf_add(c, &s->rbuf, r->buf + r->pos, e ? end + 1 - r->pos : end - r->pos);
            a->len = s->rbuf.len - a->off;
            r->pos = e ? end + 1 : r->len;
            return;
        }
        if (r->eof) return;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->len == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 4096;
            r->buf = vl_xrealloc(c, r->buf, r->cap);
        }
        ssize_t n = vk_read(c->p, r->fd, r->buf + r->len, r->cap - r->len);
        if (n < 0) check_dying(s);
        if (n <= 0)
            r->eof = true;
        else
            r->len += (size_t)n;
    }
}

/* ---- e: run a command through the VM's /bin/sh, its output captured ---- */
typedef struct sh_arg {
    const char *cmd;
    int rfd, wfd;
} sh_arg;

static int sh_entry(vk_proc *p, void *arg)
{
    sh_arg *a = arg;
    if (a->wfd != 1) {
        vk_dup2(p, a->wfd, 1);
        vk_close(p, a->wfd);
    }
    vk_close(p, a->rfd);
    char *argv[] = {"sh", "-c", (char *)a->cmd, NULL};
    vk_execve(p, "/bin/sh", argv, vk_environ(p));
    return 127;
}

static void run_shell(sed *s, const char *cmd, vl_buf *out)
{
    vl_ctx *c = s->c;
    out_flush(s, s->out);
    vl_flush(c);
    int fds[2];
    int rc = vk_pipe(c->p, fds);
    if (rc < 0) {
        check_dying(s);
        fatal(s, 4, "couldn't run shell: %s", vl_strerror(rc));
    }
    vk_proc *child;
    rc = vk_proc_new(c->p, &child);
    if (rc < 0) {
        vk_close(c->p, fds[0]);
        vk_close(c->p, fds[1]);
        check_dying(s);
        fatal(s, 4, "couldn't run shell: %s", vl_strerror(rc));
    }
    /* the arguments live in the child's arena: sed may end (killed, out of time) before the
     * child has read them */
    sh_arg *a = vk_calloc(child, 1, sizeof *a);
    char *cmd_copy = a ? vk_strdup(child, cmd) : NULL;
    int pid = VOS_ENOMEM;
    if (cmd_copy) {
        *a = (sh_arg){cmd_copy, fds[0], fds[1]};
        pid = vk_proc_start(child, sh_entry, a);
    } else {
        vk_proc_discard(child);
    }
    vk_close(c->p, fds[1]);
    if (pid < 0) {
        vk_close(c->p, fds[0]);
        check_dying(s);
        fatal(s, 4, "couldn't run shell: %s", vl_strerror(pid));
    }
    char buf[8192];
    ssize_t n;
    while ((n = vk_read(c->p, fds[0], buf, sizeof buf)) > 0) vl_buf_add(c, out, buf, (size_t)n);
    vk_close(c->p, fds[0]);
    int ws;
    vk_waitpid(c->p, pid, &ws, 0);
    if (n < 0) check_dying(s);
    check_dying(s);
}

/* ---- regexes ---- */
static int rx_search(sed *s, sed_rx *rx, const char *p, size_t n, size_t start, vl_re_span *m,
                     size_t nm)
{
    if (!rx->re) {
        if (!s->last_rx) fatal(s, 1, "-e expression #1, char 0: no previous regular expression");
        rx = s->last_rx;
    } else {
        s->last_rx = rx;
    }
    int rc = vl_re_search(rx->re, p, n, start, 0, m, nm);
    if (rc < 0) {
        check_dying(s);
        fatal(s, 4, "%s", vl_re_strerror(rc));
    }
    return rc;
}

static sed_rx *rx_of(sed *s, sed_rx *rx)
{
    return rx->re ? rx : s->last_rx;
}

/* ---- addresses ---- */
static bool match_one(sed *s, sed_addr *a)
{
    switch (a->type) {
    case AD_NONE: return true;
    case AD_LINE: return s->lineno == a->n1;
    case AD_STEP: return s->lineno >= a->n1 && (s->lineno - a->n1) % a->n2 == 0;
    case AD_LAST: return is_last(s);
    case AD_RE: return rx_search(s, a->rx, s->ps.s, s->ps.len, 0, NULL, 0) == 1;
    case AD_ZERO: return false;
    case AD_PLUS: case AD_MOD: return true; /* +0 / ~0 as the first address */
    }
    return false;
}

/* a range that ends on the line it starts: a range from a line number is then done */
static bool one_line(sed_cmd *cmd)
{
    cmd->range = RANGE_CLOSED;
    return true;
}

static bool match_address(sed *s, sed_cmd *cmd)
{
    if (cmd->a1.type == AD_NONE) return true;
    if (cmd->a2.type == AD_NONE) return match_one(s, &cmd->a1);
    int64_t l = s->lineno;
    if (cmd->range == RANGE_ACTIVE) {
        switch (cmd->a2.type) {
        case AD_LINE:
            if (l >= cmd->range_end) cmd->range = RANGE_CLOSED;
            return l <= cmd->range_end;
        case AD_PLUS: case AD_MOD:
            /* GNU: a line past the end (the command was skipped meanwhile) still matches, once */
            if (l >= cmd->range_end) cmd->range = RANGE_CLOSED;
            return true;
        case AD_LAST:
            if (is_last(s)) cmd->range = RANGE_CLOSED;
            return true;
        default:
            if (match_one(s, &cmd->a2)) cmd->range = RANGE_CLOSED;
            return true;
        }
    }
    if (cmd->a1.type == AD_LINE) {
        /* a range from line N starts at the first line >= N it sees (lines may have gone by
         * in N or n, or while the command was skipped) unless that is past a line-number end,
         * and only once */
        if (cmd->range == RANGE_CLOSED || l < cmd->a1.n1) return false;
        if (l > cmd->a1.n1 && cmd->a2.type == AD_LINE && cmd->a2.n1 < l) return false;
    } else if (!match_one(s, &cmd->a1)) {
        return false;
    }
    switch (cmd->a2.type) {
    case AD_LINE:
        if (cmd->a2.n1 <= l) return one_line(cmd);
        cmd->range_end = cmd->a2.n1;
        break;
    case AD_PLUS:
        if (cmd->a2.n1 == 0) return one_line(cmd);
        cmd->range_end = l + cmd->a2.n1;
        break;
    case AD_MOD:
        if (cmd->a2.n1 == 0) return one_line(cmd);
        cmd->range_end = (l / cmd->a2.n1 + 1) * cmd->a2.n1;
        break;
    case AD_LAST:
        if (is_last(s)) return one_line(cmd);
        break;
    default:
        break;
    }
    cmd->range = RANGE_ACTIVE;
    return true;
}

/* ---- l ---- */
static void do_list(sed *s, int64_t width)
{
    sed_out *o = s->out;
    missing_newline(s, o);
    vl_buf b = {0};
    vl_ctx *c = s->c;
    size_t col = 0;
    for (size_t i = 0; i < s->ps.len; i++) {
        unsigned char ch = (unsigned char)s->ps.s[i];
        char ob[8];
        size_t w = 0;
        if (ch >= 0x20 && ch < 0x7f) {
            if (ch == '\\') ob[w++] = '\\';
            ob[w++] = (char)ch;
        } else {
            ob[w++] = '\\';
            switch (ch) {
            case '\a': ob[w++] = 'a'; break;
            case '\b': ob[w++] = 'b'; break;
            case '\f': ob[w++] = 'f'; break;
            case '\n': ob[w++] = 'n'; break;
            case '\r': ob[w++] = 'r'; break;
            case '\t': ob[w++] = 't'; break;
            case '\v': ob[w++] = 'v'; break;
            default:
                ob[w++] = (char)('0' + (ch >> 6));
                ob[w++] = (char)('0' + ((ch >> 3) & 7));
                ob[w++] = (char)('0' + (ch & 7));
            }
        }
        if (width > 0 && col + w > (size_t)width - 1) {
            vl_buf_addc(c, &b, '\\');
            vl_buf_addc(c, &b, s->delim);
            col = 0;
        }
        col += w;
        vl_buf_add(c, &b, ob, w);
    }
    vl_buf_addc(c, &b, '$');
    vl_buf_addc(c, &b, s->delim);
    out_write(s, o, b.data, b.len);
    vl_buf_free(c, &b);
}

/* ---- s ---- */
static void case_add(sed *s, line *out, const char *p, size_t n, int *mode, int *one)
{
    if (n == 0) return;
    size_t start = out->len;
    line_add(s, out, p, n);
    char *q = out->s + start;
    if (*mode == CASE_U)
        for (size_t i = 0; i < n; i++) q[i] = (q[i] >= 'a' && q[i] <= 'z') ? q[i] - 32 : q[i];
    else if (*mode == CASE_L)
        for (size_t i = 0; i < n; i++) q[i] = (q[i] >= 'A' && q[i] <= 'Z') ? q[i] + 32 : q[i];
    if (*one == CASE_ONE_U) {
        if (q[0] >= 'a' && q[0] <= 'z') q[0] -= 32;
    } else if (*one == CASE_ONE_L) {
        if (q[0] >= 'A' && q[0] <= 'Z') q[0] += 32;
    }
    *one = CASE_NONE;
}

static void append_repl(sed *s, sed_subst *sub, line *out, const char *subj)
{
    int mode = CASE_NONE, one = CASE_NONE;
    bool plain = true;
    for (int i = 0; i < sub->nparts; i++)
        if (sub->parts[i].kind == RP_CASE) plain = false;
    for (int i = 0; i < sub->nparts; i++) {
        const sed_rpart *pt = &sub->parts[i];
        const char *p;
        size_t n;
        if (pt->kind == RP_CASE) {
            switch (pt->n) {
            case CASE_U: case CASE_L: mode = pt->n; one = CASE_NONE; break;
            case CASE_ONE_U: case CASE_ONE_L: one = pt->n; break;
            case CASE_END: mode = CASE_NONE; one = CASE_NONE; break;
            }
            continue;
        }
        if (pt->kind == RP_TEXT) {
            p = pt->s;
            n = pt->len;
        } else {
            vl_re_span *g = &s->m[pt->n];
            if (g->so < 0) continue;
            p = subj + g->so;
            n = (size_t)(g->eo - g->so);
        }
        if (plain)
            line_add(s, out, p, n);
        else
            case_add(s, out, p, n, &mode, &one);
    }
}

static bool do_subst(sed *s, sed_cmd *cmd, line *acc)
{
    sed_subst *sub = cmd->sub;
    line *ps = &s->ps;
    size_t start = 0, count = 0;
    bool did = false;
    acc->len = 0;
    size_t nm = 10;
    sed_rx *rx = sub->rx;
    if (!rx->re && !s->last_rx) fatal(s, 1, "-e expression #1, char 0: no previous regular expression");
    ptrdiff_t prev_end = -1;
    while (start <= ps->len) {
        int rc = rx_search(s, rx, ps->s, ps->len, start, s->m, nm);
        if (rc != 1) break;
        size_t so = (size_t)s->m[0].so, eo = (size_t)s->m[0].eo;
        if (so == eo && (ptrdiff_t)so == prev_end) {
            /* an empty match right after the previous match does not count */
            if (so >= ps->len) break;
            line_add(s, acc, ps->s + start, so + 1 - start);
            start = so + 1;
            continue;
        }
        line_add(s, acc, ps->s + start, so - start);
        if (++count < (size_t)sub->numb) {
            size_t matched = eo - so;
            if (matched == 0) {
                if (so >= ps->len) {
                    start = so;
                    break;
                }
                matched = 1;
            }
            line_add(s, acc, ps->s + so, matched);
            start = so + matched;
            prev_end = (ptrdiff_t)eo;
            continue;
        }
        append_repl(s, sub, acc, ps->s);
        did = true;
        start = eo;
        prev_end = (ptrdiff_t)eo;
        if (so == eo) {
            if (start < ps->len) line_add(s, acc, ps->s + so, 1);
            start++;
        }
        if (!sub->global) break;
    }
    if (!did) return false;
    if (start < ps->len) line_add(s, acc, ps->s + start, ps->len - start);
    /* swap buffers: the result becomes the pattern space */
    char *t = ps->s;
    size_t tc = ps->cap;
    ps->s = acc->s;
    ps->cap = acc->cap;
    ps->len = acc->len;
    acc->s = t;
    acc->cap = tc;
    acc->len = 0;
    (void)rx_of;
    return true;
}

/* ---- the program ---- */
enum { X_END = -1, X_DELETE = -2, X_QUIT = -3 };

static void step(sed *s)
{
    if (++s->steps >= 256) {
        int rc = vk_steps(s->c->p, s->steps);
        s->steps = 0;
        if (rc < 0) {
            check_dying(s);
            if (rc != VOS_EINTR) vl_exit(s->c, 1);
        }
    }
}

static void shell_into_ps(sed *s, const char *cmd)
{
    vl_buf b = {0};
    run_shell(s, cmd, &b);
    size_t n = b.len;
    if (n > 0 && b.data[n - 1] == '\n') n--;
    line_set(s, &s->ps, b.data ? b.data : "", n);
    vl_buf_free(s->c, &b);
}

/* Run the script on the pattern space. Returns X_END (autoprint), X_DELETE (no autoprint) or
 * X_QUIT (exit_code set; quit after the cycle). */
static int execute(sed *s, line *acc)
{
    sed_prog *pg = &s->prog;
    int pc = 0;
    while (pc < pg->ncmds) {
        sed_cmd *cmd = &pg->cmds[pc];
        step(s);
        bool m = match_address(s, cmd);
        if (cmd->neg) m = !m;
        if (!m) {
            pc = cmd->op == '{' ? cmd->jump : pc + 1;
            continue;
        }
        pc++;
        switch (cmd->op) {
        case '{': case '}': case ':':
            break;
        case '=':
            missing_newline(s, s->out);
            {
                char num[32];
                int k = snprintf(num, sizeof num, "%lld%c", (long long)s->lineno, s->delim);
                out_write(s, s->out, num, (size_t)k);
            }
            break;
        case 'a': {
            app *a = new_app(s);
            a->text = cmd->text;
            a->len = cmd->tlen;
            break;
        }
        case 'i':
            output_text(s, s->out, cmd->text, cmd->tlen);
            break;
        case 'c':
            if (cmd->range != RANGE_ACTIVE) output_text(s, s->out, cmd->text, cmd->tlen);
            return X_DELETE;
        case 'b':
            pc = cmd->jump < 0 ? pg->ncmds : cmd->jump;
            break;
        case 't':
            if (s->replaced) {
                s->replaced = false;
                pc = cmd->jump < 0 ? pg->ncmds : cmd->jump;
            }
            break;
        case 'T':
            if (!s->replaced)
                pc = cmd->jump < 0 ? pg->ncmds : cmd->jump;
            else
                s->replaced = false;
            break;
        case 'd':
            return X_DELETE;
        case 'D': {
            char *nl = memchr(s->ps.s, s->delim, s->ps.len);
            if (!nl) return X_DELETE;
            size_t cut = (size_t)(nl - s->ps.s) + 1;
            memmove(s->ps.s, s->ps.s + cut, s->ps.len - cut);
            s->ps.len -= cut;
            pc = 0;
            break;
        }
        case 'e':
            if (cmd->tlen) {
                vl_buf b = {0};
                run_shell(s, cmd->text, &b);
                missing_newline(s, s->out);
                out_write(s, s->out, b.data, b.len);
                vl_buf_free(s->c, &b);
            } else {
                line_add(s, &s->ps, "", 0);
                s->ps.s[s->ps.len] = 0;
                shell_into_ps(s, s->ps.s);
            }
            break;
        case 'F':
            missing_newline(s, s->out);
            out_write(s, s->out, s->fname ? s->fname : "-", strlen(s->fname ? s->fname : "-"));
            out_write(s, s->out, &s->delim, 1);
            break;
        case 'g':
            line_set(s, &s->ps, s->hold.s ? s->hold.s : "", s->hold.len);
            s->ps.chomped = s->hold.chomped;
            break;
        case 'G':
            line_add(s, &s->ps, &s->delim, 1);
            line_add(s, &s->ps, s->hold.s ? s->hold.s : "", s->hold.len);
            s->ps.chomped = s->hold.chomped;
            break;
        case 'h':
            line_set(s, &s->hold, s->ps.s ? s->ps.s : "", s->ps.len);
            s->hold.chomped = s->ps.chomped;
            break;
        case 'H':
            line_add(s, &s->hold, &s->delim, 1);
            line_add(s, &s->hold, s->ps.s ? s->ps.s : "", s->ps.len);
            s->hold.chomped = s->ps.chomped;
            break;
        case 'x': {
            line t = s->ps;
            s->ps = s->hold;
            s->hold = t;
            break;
        }
        case 'l':
            do_list(s, cmd->num >= 0 ? cmd->num : s->o.line_len);
            break;
        case 'L':
            out_flush(s, s->out);
            vl_eprintf(s->c, "%s: INTERNAL ERROR: Bad cmd %c\n", s->c->name, 'L');
            vl_exit(s->c, 4);
        case 'n':
            if (is_last(s) || s->quit) return X_END;
            if (!s->o.quiet) output_pattern(s, s->out, s->ps.s, s->ps.len, s->ps.chomped);
            if (!read_pattern_space(s, false)) return X_DELETE;
            break;
        case 'N':
            if (is_last(s)) {
                /* GNU prints the pattern space when there is no next line */
                return s->o.posix ? X_DELETE : X_END;
            }
            if (!read_pattern_space(s, true)) return X_END;
            break;
        case 'p':
            output_pattern(s, s->out, s->ps.s, s->ps.len, s->ps.chomped);
            break;
        case 'P': {
            char *nl = memchr(s->ps.s, s->delim, s->ps.len);
            output_pattern(s, s->out, s->ps.s, nl ? (size_t)(nl - s->ps.s) : s->ps.len,
                           nl ? true : s->ps.chomped);
            break;
        }
        case 'q':
            s->exit_code = cmd->num < 0 ? 0 : (int)cmd->num;
            s->quit = true;
            return X_QUIT;
        case 'Q':
            s->exit_code = cmd->num < 0 ? 0 : (int)cmd->num;
            s->quit = true;
            s->napps = 0;
            return X_DELETE;
        case 'r':
            if (cmd->a1.type == AD_ZERO) break;
            {
                app *a = new_app(s);
                a->rname = cmd->rf->name;
            }
            break;
        case 'R':
            read_R(s, cmd->rf);
            break;
        case 's':
            if (do_subst(s, cmd, acc)) {
                s->replaced = true;
                if (cmd->sub->eval) {
                    line_add(s, &s->ps, "", 0);
                    s->ps.s[s->ps.len] = 0;
                    shell_into_ps(s, s->ps.s);
                }
                if (cmd->sub->print)
                    output_pattern(s, s->out, s->ps.s, s->ps.len, s->ps.chomped);
                if (cmd->sub->out)
                    output_pattern(s, cmd->sub->out, s->ps.s, s->ps.len, s->ps.chomped);
            }
            break;
        case 'w':
            output_pattern(s, cmd->out, s->ps.s, s->ps.len, s->ps.chomped);
            break;
        case 'W': {
            char *nl = memchr(s->ps.s, s->delim, s->ps.len);
            output_pattern(s, cmd->out, s->ps.s, nl ? (size_t)(nl - s->ps.s) : s->ps.len,
                           nl ? true : s->ps.chomped);
            break;
        }
        case 'y':
            for (size_t i = 0; i < s->ps.len; i++)
                s->ps.s[i] = (char)cmd->ytab[(unsigned char)s->ps.s[i]];
            break;
        case 'z':
            s->ps.len = 0;
            break;
        }
    }
    return X_END;
}

static void process(sed *s)
{
    line acc = {0};
    /* 0r FILE: the file comes before the first line */
    for (int i = 0; i < s->prog.ncmds; i++) {
        sed_cmd *cmd = &s->prog.cmds[i];
        if (cmd->op == 'r' && cmd->a1.type == AD_ZERO && !cmd->neg) copy_file(s, cmd->rf->name);
    }
    while (!s->quit && read_pattern_space(s, false)) {
        int r = execute(s, &acc);
        if (r == X_END || r == X_QUIT) {
            if (!s->o.quiet) output_pattern(s, s->out, s->ps.s, s->ps.len, s->ps.chomped);
        }
        if (r == X_QUIT) {
            dump_append(s);
            /* GNU ends the output's last line when q quits */
            missing_newline(s, s->out);
        }
        if (s->quit) break;
    }
    if (!s->quit) dump_append(s);
    if (s->o.inplace && s->tmpname) {
        /* q in the middle of a file: the rest of it is not copied (as GNU) */
        input_close(s);
        finish_inplace(s);
    }
    vl_xfree(s->c, acc.s);
}

/* ---- options ---- */
enum {
    LO_QUIET = 1, LO_SILENT, LO_DEBUG, LO_EXPR, LO_FILE, LO_FOLLOW, LO_INPLACE, LO_LINELEN,
    LO_POSIX, LO_ERE, LO_SEPARATE, LO_SANDBOX, LO_UNBUF, LO_ZERO, LO_HELP, LO_VERSION, LO_NULL,
};
static const struct {
    const char *name;
    int id, arg; /* arg: 0 none, 1 required, 2 optional */
} longopts[] = {
    /* GNU's table order: the ambiguity message lists them in it */
    {"binary", 'b', 0},       {"regexp-extended", 'E', 0}, {"debug", LO_DEBUG, 0},
    {"in-place", 'i', 2},     {"expression", 'e', 1},      {"file", 'f', 1},
    {"line-length", 'l', 1},  {"null-data", 'z', 0},       {"zero-terminated", 'z', 0},
    {"quiet", 'n', 0},        {"posix", LO_POSIX, 0},      {"silent", 'n', 0},
    {"sandbox", LO_SANDBOX, 0}, {"separate", 's', 0},      {"unbuffered", 'u', 0},
    {"version", LO_VERSION, 0}, {"help", LO_HELP, 0},      {"follow-symlinks", LO_FOLLOW, 0},
};
#define NLONG ((int)(sizeof longopts / sizeof longopts[0]))

/* read a script file (-f); "-" is standard input */
static char *read_script_file(vl_ctx *c, const char *name, size_t *len)
{
    int fd = 0;
    bool close_it = false;
    if (strcmp(name, "-") != 0) {
        fd = vk_open(c->p, name, VK_O_RDONLY | VK_O_CLOEXEC, 0);
        if (fd < 0) {
            int w = vk_dying(c->p);
            if (w) vl_exit(c, VK_WSHELL(w));
            vl_eprintf(c, "%s: couldn't open file %s: %s\n", c->name, name, vl_strerror(fd));
            vl_exit(c, 4);
        }
        close_it = true;
    }
    vl_buf b = {0};
    char buf[8192];
    ssize_t n;
    while ((n = vk_read(c->p, fd, buf, sizeof buf)) > 0) vl_buf_add(c, &b, buf, (size_t)n);
    if (n < 0) {
        /* GNU takes a read error (a directory) as the end of the script */
        int w = vk_dying(c->p);
        if (w) vl_exit(c, VK_WSHELL(w));
    }
    if (close_it) vk_close(c->p, fd);
    /* a final newline ends the last line; it is not part of the script */
    if (b.len > 0 && b.data[b.len - 1] == '\n') b.len--;
    *len = b.len;
    return b.data ? b.data : vl_xstrdup(c, "");
}

static void free_prog(void *arg)
{
    sed *s = arg;
    sed_free_prog(&s->prog);
}

static int sed_main(vl_ctx *c, int argc, char **argv)
{
    sed *s = vl_xcalloc(c, 1, sizeof *s);
    s->c = c;
    s->o.line_len = 70;
    s->fd = -1;
    s->sout.fd = -1;
    s->sout.name = "stdout";
    s->out = &s->sout;
    s->iout.fd = -3;
    sed_piece *pieces = vl_xcalloc(c, (size_t)argc + 1, sizeof *pieces);
    int np = 0, nexpr = 0;
    char **operands = vl_xcalloc(c, (size_t)argc + 1, sizeof *operands);
    int nops = 0;
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (dashdash || a[0] != '-' || a[1] == 0) {
            operands[nops++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            dashdash = true;
            continue;
        }
        int id = 0;
        const char *arg = NULL;
        if (a[1] == '-') {
            /* long option, maybe abbreviated */
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            int found = -1, nfound = 0;
            bool exact = false;
            for (int k = 0; k < NLONG; k++) {
                if (strncmp(longopts[k].name, name, nl) != 0) continue;
                if (strlen(longopts[k].name) == nl) {
                    found = k;
                    exact = true;
                    break;
                }
                if (found < 0 || longopts[found].id != longopts[k].id) nfound++;
                if (found < 0) found = k;
            }
            if (found < 0) {
                vl_eprintf(c, "%s: unrecognized option '--%.*s'\n", c->name, (int)nl, name);
                usage(c, 1);
            }
            if (!exact && nfound > 1) {
                vl_buf b = {0};
                vl_buf_printf(c, &b, "%s: option '--%.*s' is ambiguous; possibilities:", c->name,
                              (int)nl, name);
                for (int k = 0; k < NLONG; k++)
                    if (strncmp(longopts[k].name, name, nl) == 0)
                        vl_buf_printf(c, &b, " '--%s'", longopts[k].name);
                vl_buf_adds(c, &b, "\n");
                vl_flush(c);
                vl_write_fd(c, 2, b.data, b.len);
                usage(c, 1);
            }
            id = longopts[found].id;
            if (eq) {
                if (longopts[found].arg == 0) {
                    vl_eprintf(c, "%s: option '--%s' doesn't allow an argument\n", c->name,
                               longopts[found].name);
                    usage(c, 1);
                }
                arg = eq + 1;
            } else if (longopts[found].arg == 1) {
                if (i + 1 >= argc) {
                    vl_eprintf(c, "%s: option '--%s' requires an argument\n", c->name,
                               longopts[found].name);
                    usage(c, 1);
                }
                arg = argv[++i];
            }
            if (id == LO_HELP) usage(c, 0);
            if (id == LO_VERSION) {
                vl_version(c);
                vl_exit(c, 0);
            }
            goto apply;
        }
        for (int k = 1; a[k]; k++) {
            int ch = (unsigned char)a[k];
            arg = NULL;
            switch (ch) {
            case 'n': case 'r': case 'E': case 's': case 'u': case 'z': case 'b':
                id = ch;
                break;
            case 'i':
                id = 'i';
                arg = a[k + 1] ? a + k + 1 : NULL;
                goto apply_short_end;
            case 'e': case 'f': case 'l':
                id = ch;
                if (a[k + 1])
                    arg = a + k + 1;
                else if (i + 1 < argc)
                    arg = argv[++i];
                else {
                    vl_eprintf(c, "%s: option requires an argument -- '%c'\n", c->name, ch);
                    usage(c, 1);
                }
                goto apply_short_end;
            default:
                vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, ch);
                usage(c, 1);
            }
            /* flags */
            if (id == 'n') s->o.quiet = true;
            if (id == 'r' || id == 'E') s->o.ere = true;
            if (id == 's') s->o.separate = true;
            if (id == 'u') s->o.unbuffered = true;
            if (id == 'z') s->o.zero = true;
            continue;
        apply_short_end:
            break;
        }
        if (id != 'i' && id != 'e' && id != 'f' && id != 'l') continue;
    apply:
        switch (id) {
        case 'n': s->o.quiet = true; break;
        case 'E': case 'r': s->o.ere = true; break;
        case 's': s->o.separate = true; break;
        case 'u': s->o.unbuffered = true; break;
        case 'z': s->o.zero = true; break;
        case LO_DEBUG: s->o.debug = true; break;
        case LO_FOLLOW: s->o.follow = true; break;
        case LO_POSIX: s->o.posix = true; break;
        case LO_SANDBOX: s->o.sandbox = true; break;
        case 'i':
            s->o.inplace = true;
            s->o.separate = true;
            s->o.suffix = arg;
            break;
        case 'l': {
            /* GNU reads the number with atoi */
            const char *p = arg;
            while (*p == ' ' || *p == '\t') p++;
            bool neg = *p == '-';
            if (*p == '-' || *p == '+') p++;
            int64_t v = 0;
            while (*p >= '0' && *p <= '9' && v < INT32_MAX) v = v * 10 + (*p++ - '0');
            s->o.line_len = neg ? -v : v;
            break;
        }
        case 'e':
            pieces[np].text = arg;
            pieces[np].len = strlen(arg);
            pieces[np].index = ++nexpr;
            np++;
            break;
        case 'f': {
            size_t len;
            char *t = read_script_file(c, arg, &len);
            pieces[np].text = t;
            pieces[np].len = len;
            pieces[np].file = true;
            pieces[np].name = arg;
            np++;
            break;
        }
        }
    }
    int first = 0;
    if (np == 0) {
        if (nops == 0) usage(c, 1);
        pieces[0].text = operands[0];
        pieces[0].len = strlen(operands[0]);
        pieces[0].index = 1;
        np = 1;
        first = 1;
    }
    s->delim = s->o.zero ? 0 : '\n';
    vl_defer(c, free_prog, s);
    sed_compile(c, &s->o, pieces, np, &s->prog);
    if (s->prog.hash_n) s->o.quiet = true;
    s->files = operands + first;
    s->nfiles = nops - first;
    static char *dash[] = {"-", NULL};
    if (s->nfiles == 0 && s->o.inplace) fatal(s, 4, "no input files");
    if (s->nfiles == 0) {
        s->files = dash;
        s->nfiles = 1;
    }
    s->hold.chomped = true;
    s->ps.chomped = true;
    line_reserve(s, &s->ps, 256);
    line_reserve(s, &s->hold, 64);
    process(s);
    for (sed_out *o = s->prog.outs; o; o = o->next) out_flush(s, o);
    vl_flush(c);
    /* an unreadable input's status 2 wins over q's exit code */
    if (s->quit && c->status == 0) return s->exit_code;
    return c->status;
}

VL_COMMAND(sed, sed_main, NULL, "[OPTION]... {script-only-if-no-other-script} [input-file]...",
           "Stream editor: filter and transform text.", VL_NO_OPTIONS, 1);
