/* cmd.c: the command framework of cmd.h: running a command (as a process's program or as a
 * bash builtin), GNU getopt_long rules and generated --help, buffered stdout, buffered input,
 * coreutils-shaped messages and GNU quoting. It reaches the host only through the kernel
 * (vk_*); it does not parse anything command-specific (numbers of head, formats of printf). */
#include "lib/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every vl_x* allocation carries this header, linked into c->allocs so vl_run frees what a
 * command left behind when it bails out through vl_exit. The union keeps the payload aligned
 * for any type. KIND_IN marks a vl_in whose fd must be closed too, so a builtin run in the
 * shell's own process leaves its fd table as it found it. */
enum { KIND_MEM = 0, KIND_IN = 1 };
typedef union alloc_hdr {
    struct {
        union alloc_hdr *prev, *next;
        int kind;
    } h;
    max_align_t align;
} alloc_hdr;

#define OUTCAP 8192
#define INCAP 32768

/* ---- low-level output (no allocation: also used when memory ran out) ---- */

static void raw_write(vl_ctx *c, int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t r = vk_write(c->p, fd, s, n);
        if (r <= 0) return;
        s += r;
        n -= (size_t)r;
    }
}

_Noreturn static void unwind(vl_ctx *c, int status)
{
    c->status = status;
    longjmp(c->jb, 1);
}

/* When a kernel call failed because the process has to die (a fatal signal, a limit, an
 * interrupt), the command stops quietly with the status the shell will show. */
static void check_dying(vl_ctx *c)
{
    int w = vk_dying(c->p);
    if (w) unwind(c, VK_WSHELL(w));
}

/* ---- memory ---- */

_Noreturn static void out_of_memory(vl_ctx *c)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s: memory exhausted\n", c->name);
    if (n > (int)sizeof msg - 1) n = (int)sizeof msg - 1;
    raw_write(c, 2, msg, (size_t)n);
    check_dying(c);
    unwind(c, 1);
}

static void *xalloc(vl_ctx *c, size_t n, int kind)
{
    if (n > SIZE_MAX - sizeof(alloc_hdr)) out_of_memory(c);
    alloc_hdr *h = vk_malloc(c->p, sizeof(alloc_hdr) + n);
    if (!h) out_of_memory(c);
    h->h.kind = kind;
    h->h.prev = NULL;
    h->h.next = c->allocs;
    if (h->h.next) h->h.next->h.prev = h;
    c->allocs = h;
    return h + 1;
}

void *vl_xmalloc(vl_ctx *c, size_t n)
{
    return xalloc(c, n ? n : 1, KIND_MEM);
}

void *vl_xcalloc(vl_ctx *c, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) out_of_memory(c);
    void *p = vl_xmalloc(c, n * size);
    memset(p, 0, n * size);
    return p;
}

void *vl_xrealloc(vl_ctx *c, void *p, size_t n)
{
    if (!p) return vl_xmalloc(c, n);
    if (n == 0) n = 1;
    if (n > SIZE_MAX - sizeof(alloc_hdr)) out_of_memory(c);
    alloc_hdr *old = (alloc_hdr *)p - 1;
    alloc_hdr *h = vk_realloc(c->p, old, sizeof(alloc_hdr) + n);
    if (!h) out_of_memory(c);
    if (h->h.prev) h->h.prev->h.next = h;
    else c->allocs = h;
    if (h->h.next) h->h.next->h.prev = h;
    return h + 1;
}

char *vl_xstrdup(vl_ctx *c, const char *s)
{
    size_t n = strlen(s);
    char *d = vl_xmalloc(c, n + 1);
    memcpy(d, s, n + 1);
    return d;
}

void vl_xfree(vl_ctx *c, void *p)
{
    if (!p) return;
    alloc_hdr *h = (alloc_hdr *)p - 1;
    if (h->h.prev) h->h.prev->h.next = h->h.next;
    else c->allocs = h->h.next;
    if (h->h.next) h->h.next->h.prev = h->h.prev;
    vk_free(c->p, h);
}

static void free_all(vl_ctx *c)
{
    alloc_hdr *h = c->allocs;
    while (h) {
        alloc_hdr *next = h->h.next;
        if (h->h.kind == KIND_IN) {
            vl_in *in = (vl_in *)(h + 1);
            if (in->close_fd && in->fd >= 0) vk_close(c->p, in->fd);
        }
        vk_free(c->p, h);
        h = next;
    }
    c->allocs = NULL;
}

/* ---- stdout ---- */

/* Write bytes to fd 1. On failure: EPIPE means the reader is gone (the kernel delivers
 * SIGPIPE), so the command ends quietly with 141; another error is reported once as GNU's
 * close_stdout does. When jump is false (already on the way out) only the status changes. */
static int out_raw(vl_ctx *c, const char *data, size_t n, bool jump)
{
    if (c->out_error) return VOS_EIO;
    while (n > 0) {
        ssize_t r = vk_write(c->p, 1, data, n);
        if (r <= 0) {
            if (r == 0) r = VOS_EIO;
            c->outlen = 0;
            c->out_error = true;
            int w = vk_dying(c->p);
            int st;
            if (w) st = VK_WSHELL(w);
            else if (r == VOS_EPIPE) st = 141;
            else {
                char msg[512];
                int k = snprintf(msg, sizeof msg, "%s: write error: %s\n", c->name,
                                 vl_strerror((int)r));
                if (k > (int)sizeof msg - 1) k = (int)sizeof msg - 1;
                raw_write(c, 2, msg, (size_t)k);
                st = 1;
            }
            if (jump) unwind(c, st);
            c->status = st;
            return (int)r;
        }
        data += r;
        n -= (size_t)r;
    }
    return 0;
}

static int flush_out(vl_ctx *c, bool jump)
{
    size_t n = c->outlen;
    c->outlen = 0;
    return n ? out_raw(c, c->outbuf, n, jump) : (c->out_error ? VOS_EIO : 0);
}

int vl_flush(vl_ctx *c)
{
    return flush_out(c, true);
}

void vl_write(vl_ctx *c, const void *data, size_t n)
{
    if (c->out_error || n == 0) return;
    if (!c->outbuf) {
        c->outbuf = vl_xmalloc(c, OUTCAP);
        c->outcap = OUTCAP;
    }
    if (c->outlen + n > c->outcap) {
        flush_out(c, true);
        /* big writes go straight out, without a copy through the buffer */
        if (n >= c->outcap) {
            out_raw(c, data, n, true);
            return;
        }
    }
    memcpy(c->outbuf + c->outlen, data, n);
    c->outlen += n;
}

void vl_puts(vl_ctx *c, const char *s)
{
    vl_write(c, s, strlen(s));
}

void vl_putc(vl_ctx *c, int ch)
{
    if (!c->out_error && c->outbuf && c->outlen < c->outcap) {
        c->outbuf[c->outlen++] = (char)ch;
        return;
    }
    char b = (char)ch;
    vl_write(c, &b, 1);
}

/* Format into a fresh arena string (*len set); the caller frees it. */
static char *vformat(vl_ctx *c, size_t *len, const char *fmt, va_list ap)
{
    if (!fmt) fmt = ""; /* also keeps gcc's UBSan build from seeing a NULL format path */
    va_list aq;
    va_copy(aq, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0) n = 0;
    char *s = vl_xmalloc(c, (size_t)n + 1);
    if ((size_t)n < sizeof small) memcpy(s, small, (size_t)n + 1);
    else vsnprintf(s, (size_t)n + 1, fmt, ap);
    *len = (size_t)n;
    return s;
}

void vl_printf(vl_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n;
    char *s = vformat(c, &n, fmt, ap);
    va_end(ap);
    vl_write(c, s, n);
    vl_xfree(c, s);
}

int vl_write_fd(vl_ctx *c, int fd, const void *buf, size_t n)
{
    const char *s = buf;
    while (n > 0) {
        ssize_t r = vk_write(c->p, fd, s, n);
        if (r < 0) return (int)r;
        if (r == 0) return VOS_EIO;
        s += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ---- messages ---- */

/* stdout is flushed before anything goes to stderr, so the two interleave as written. */
static void emit_err(vl_ctx *c, const char *s, size_t n)
{
    if (c->outlen) flush_out(c, false);
    raw_write(c, 2, s, n);
}

void vl_eprintf(vl_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n;
    char *s = vformat(c, &n, fmt, ap);
    va_end(ap);
    emit_err(c, s, n);
    vl_xfree(c, s);
}

/* "NAME: <fmt>\n" in one write. */
static void verror(vl_ctx *c, const char *fmt, va_list ap)
{
    size_t n;
    char *body = vformat(c, &n, fmt, ap);
    size_t pl = strlen(c->name);
    char *s = vl_xmalloc(c, pl + n + 3);
    memcpy(s, c->name, pl);
    memcpy(s + pl, ": ", 2);
    memcpy(s + pl + 2, body, n);
    s[pl + 2 + n] = '\n';
    emit_err(c, s, pl + n + 3);
    vl_xfree(c, s);
    vl_xfree(c, body);
}

void vl_error(vl_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(c, fmt, ap);
    va_end(ap);
    if (c->status < 1) c->status = 1;
}

const char *vl_strerror(int err)
{
    return vos_strerror(err);
}

void vl_perror(vl_ctx *c, const char *what, int err)
{
    if (what) vl_error(c, "%s: %s", what, vl_strerror(err));
    else vl_error(c, "%s", vl_strerror(err));
}

_Noreturn void vl_exit(vl_ctx *c, int status)
{
    c->status = status;
    flush_out(c, false);
    longjmp(c->jb, 1);
}

_Noreturn void vl_die(vl_ctx *c, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(c, fmt, ap);
    va_end(ap);
    vl_exit(c, status);
}

/* A builtin's usage line: the one the shell gave, else the declaration's. */
static const char *bash_usage_of(vl_ctx *c)
{
    const char *u = c->bash_usage ? c->bash_usage : c->decl->usage;
    return u ? u : c->decl->name;
}

/* The usage error tail: GNU's "Try" line, or bash's usage line for a builtin. */
_Noreturn static void usage_tail(vl_ctx *c)
{
    if (c->builtin) {
        if (c->outlen) flush_out(c, false);
        vl_bash_usage(c->p, c->decl->name, bash_usage_of(c));
        vl_exit(c, 2);
    }
    vl_eprintf(c, "Try '%s --help' for more information.\n", c->name);
    vl_exit(c, c->decl->usage_status ? c->decl->usage_status : 1);
}

_Noreturn void vl_try_help(vl_ctx *c)
{
    usage_tail(c);
}

_Noreturn void vl_usage_error(vl_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(c, fmt, ap);
    va_end(ap);
    usage_tail(c);
}

/* ---- quoting (GNU quotearg, shell-escape styles, C locale) ---- */

static bool is_shell_special(unsigned char ch)
{
    return strchr(" !\"$&'()*;<=>?[\\^`|\t", ch) != NULL;
}

const char *vl_quote_style(vl_ctx *c, const char *s, int flags)
{
    size_t n = strlen(s);
    bool need = (flags & VL_Q_ALWAYS) || n == 0 || s[0] == '#' || s[0] == '~' ||
                strcmp(s, "{") == 0 || strcmp(s, "}") == 0;
    bool ctrl = false, sq = false, dq_bad = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f) ctrl = need = true;
        else if (is_shell_special(ch) || (ch == ':' && (flags & VL_Q_COLON))) need = true;
        if (ch == '\'') sq = true;
        if (strchr("$`\\\"!", ch)) dq_bad = true;
    }
    if (!need) return s;
    vl_buf b = {0};
    if (sq && !ctrl && !dq_bad) {
        vl_buf_addc(c, &b, '"');
        vl_buf_add(c, &b, s, n);
        vl_buf_addc(c, &b, '"');
        vl_buf_addc(c, &b, 0);
        return b.data;
    }
    /* GNU restarts its quoting when it meets a quote in a string that also needs $'..',
     * which leaves an empty '' in front; reproduce it so messages match byte for byte. */
    if (sq && ctrl) vl_buf_adds(c, &b, "''");
    vl_buf_addc(c, &b, '\'');
    bool in_dollar = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f) {
            if (!in_dollar) vl_buf_adds(c, &b, "'$'");
            in_dollar = true;
            const char *esc = strchr("\aa\bb\ff\nn\rr\tt\vv", ch);
            if (ch && esc) vl_buf_printf(c, &b, "\\%c", esc[1]);
            else vl_buf_printf(c, &b, "\\%03o", ch);
            continue;
        }
        if (in_dollar) {
            vl_buf_adds(c, &b, "''");
            in_dollar = false;
        }
        if (ch == '\'') vl_buf_adds(c, &b, "'\\''");
        else vl_buf_addc(c, &b, ch);
    }
    vl_buf_addc(c, &b, '\'');
    vl_buf_addc(c, &b, 0);
    return b.data;
}

const char *vl_quote(vl_ctx *c, const char *s)
{
    return vl_quote_style(c, s, VL_Q_COLON);
}

const char *vl_quote_always(vl_ctx *c, const char *s)
{
    return vl_quote_style(c, s, VL_Q_ALWAYS);
}

/* ---- running ---- */

static int run(vk_proc *p, const vl_cmd_decl *d, const char *name, bool builtin,
               const char *bash_usage, int argc, char **argv)
{
    vl_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.p = p;
    ctx.decl = d;
    ctx.name = name;
    ctx.builtin = builtin;
    ctx.bash_usage = bash_usage;
    for (const vl_opt *o = d->opts; o && o->id; o++) ctx.nopt++;
    if (setjmp(ctx.jb) == 0) {
        /* one slot per declared option, however many there are */
        ctx.opt = vl_xcalloc(&ctx, (size_t)ctx.nopt + 1, sizeof *ctx.opt);
        /* the command may permute and cut its argv (vl_getopt does); the caller's array,
         * which the shell still reads afterwards ($_), stays as it was */
        char **av = vl_xmalloc(&ctx, sizeof(char *) * ((size_t)(argc > 0 ? argc : 0) + 1));
        for (int i = 0; i < argc; i++) av[i] = argv[i];
        av[argc > 0 ? argc : 0] = NULL;
        int st = d->main(&ctx, argc, av);
        ctx.status = st;
        flush_out(&ctx, false);
    }
    int status = ctx.status & 0xff;
    free_all(&ctx);
    return status;
}

int vl_run(vk_proc *p, const vl_cmd_decl *d, int argc, char **argv)
{
    /* GNU tools name themselves by argv[0] as typed ("/bin/cat: x: No such file...") */
    const char *name = argc > 0 && argv[0] && argv[0][0] ? argv[0] : d->name;
    return run(p, d, name, false, NULL, argc, argv);
}

int vl_run_builtin(vk_proc *p, const vl_cmd_decl *d, const char *prefix, const char *bash_usage,
                   int argc, char **argv)
{
    return run(p, d, prefix ? prefix : d->name, true, bash_usage, argc, argv);
}

/* ---- options ---- */

static int opt_slot(vl_ctx *c, int id)
{
    const vl_opt *o = c->decl->opts;
    for (int i = 0; i < c->nopt; i++)
        if (o[i].id == id) return i;
    return -1;
}

bool vl_has(vl_ctx *c, int id)
{
    int i = opt_slot(c, id);
    return i >= 0 && c->opt[i].count > 0;
}

int vl_count(vl_ctx *c, int id)
{
    int i = opt_slot(c, id);
    return i >= 0 ? c->opt[i].count : 0;
}

const char *vl_arg(vl_ctx *c, int id)
{
    int i = opt_slot(c, id);
    return i >= 0 ? c->opt[i].arg : NULL;
}

int vl_last(vl_ctx *c, int id)
{
    int i = opt_slot(c, id);
    return i >= 0 ? c->opt[i].last : 0;
}

enum { OPT_HELP = -2, OPT_VERSION = -3 };

/* VL_NOARG / VL_ARG / VL_OPTARG, without the VL_PLUS mark */
static int argkind(const vl_opt *o)
{
    return o->arg & ~VL_PLUS;
}

void vl_version(vl_ctx *c)
{
    vl_printf(c, "%s (vos) %s\n", c->decl->name, VOS_VERSION_STRING);
}

/* The left column of one option in --help: "  -n, --lines=NUM" plus aliases. */
static void help_left(vl_ctx *c, vl_buf *b, int i)
{
    const vl_opt *opts = c->decl->opts, *o = &opts[i];
    bool has_short = o->id > 0 && o->id < 256;
    const char *lng = o->lng;
    vl_buf_adds(c, b, "  ");
    if (has_short) vl_buf_printf(c, b, "-%c", o->id);
    else vl_buf_adds(c, b, "    ");
    /* a short option declared without a long name may have its long alias elsewhere */
    bool first_long = true;
    for (int j = 0; j < c->nopt; j++) {
        if (opts[j].id != o->id || !opts[j].lng) continue;
        if (j != i && opts[j].help) continue;
        if (j != i && lng == NULL && first_long) lng = opts[j].lng;
        vl_buf_adds(c, b, (has_short || !first_long) ? ", --" : "--");
        vl_buf_adds(c, b, opts[j].lng);
        if (first_long && o->argname) {
            if (argkind(o) == VL_OPTARG) vl_buf_printf(c, b, "[=%s]", o->argname);
            else if (argkind(o) == VL_ARG) vl_buf_printf(c, b, "=%s", o->argname);
        }
        first_long = false;
    }
    if (first_long && o->argname && argkind(o) != VL_NOARG)
        vl_buf_printf(c, b, " %s", o->argname);
}

void vl_help(vl_ctx *c)
{
    const vl_cmd_decl *d = c->decl;
    const vl_opt *opts = d->opts;
    vl_printf(c, "Usage: %s %s\n", c->builtin ? d->name : c->name, d->usage ? d->usage : "");
    if (d->help && *d->help) vl_printf(c, "%s\n", d->help);
    vl_buf *left = vl_xcalloc(c, (size_t)c->nopt + 1, sizeof *left);
    int *shown = vl_xcalloc(c, (size_t)c->nopt + 1, sizeof *shown);
    size_t width = strlen("      --version");
    int ns = 0;
    for (int i = 0; i < c->nopt; i++) {
        if (!opts[i].help) continue;
        /* an alias with its own help line but the same id as an earlier one is shown once */
        help_left(c, &left[ns], i);
        if (left[ns].len > width && left[ns].len <= 30) width = left[ns].len;
        shown[ns++] = i;
    }
    size_t col = width + 2;
    vl_putc(c, '\n');
    for (int k = 0; k < ns; k++) {
        const char *h = opts[shown[k]].help;
        vl_write(c, left[k].data, left[k].len);
        if (left[k].len + 2 > col) {
            vl_putc(c, '\n');
            for (size_t s = 0; s < col; s++) vl_putc(c, ' ');
        } else {
            for (size_t s = left[k].len; s < col; s++) vl_putc(c, ' ');
        }
        for (const char *q = h; *q; q++) {
            vl_putc(c, *q);
            if (*q == '\n' && q[1])
                for (size_t s = 0; s < col; s++) vl_putc(c, ' ');
        }
        vl_putc(c, '\n');
        vl_buf_free(c, &left[k]);
    }
    vl_xfree(c, left);
    vl_xfree(c, shown);
    vl_printf(c, "%-*s%s\n", (int)col, "      --help", "display this help and exit");
    vl_printf(c, "%-*s%s\n", (int)col, "      --version", "output version information and exit");
}

/* A bad option: GNU's message and "Try" line (a builtin's options go through vl_bopts). */
_Noreturn static void bad_option(vl_ctx *c, const char *gnu_msg)
{
    vl_eprintf(c, "%s: %s\n", c->name, gnu_msg);
    usage_tail(c);
}

static void record(vl_ctx *c, int idx, const char *arg, int *order)
{
    int slot = opt_slot(c, c->decl->opts[idx].id);
    if (slot < 0) slot = idx;
    c->opt[slot].count++;
    c->opt[slot].last = ++*order;
    c->opt[slot].arg = arg;
}

static bool same_opt(const vl_opt *a, const vl_opt *b)
{
    return a->id == b->id && argkind(a) == argkind(b);
}

/* Parse one "--name[=value]" at argv[*i]; advances *i past a separate argument. */
static void parse_long(vl_ctx *c, int argc, char **argv, int *i, int *order)
{
    const vl_opt *opts = c->decl->opts;
    char *a = argv[*i];
    char *name = a + 2;
    char *eq = strchr(name, '=');
    size_t nl = eq ? (size_t)(eq - name) : strlen(name);
    char msg[512];

    /* candidates: the table, then the implicit --help and --version */
    int ncand = c->nopt + 2;
    int found = -100, nmatch = 0;
    bool ambig = false;
    char *marks = vl_xcalloc(c, (size_t)ncand, 1);
    const vl_opt help_opt = {OPT_HELP, "help", VL_NOARG, NULL, NULL};
    const vl_opt version_opt = {OPT_VERSION, "version", VL_NOARG, NULL, NULL};
    const vl_opt **cand = vl_xcalloc(c, (size_t)ncand, sizeof *cand);
    int nc = 0;
    for (int k = 0; k < c->nopt; k++) cand[nc++] = &opts[k];
    if (opt_slot(c, OPT_HELP) < 0) cand[nc++] = &help_opt;
    if (opt_slot(c, OPT_VERSION) < 0) cand[nc++] = &version_opt;
    ncand = nc;
    for (int k = 0; k < ncand; k++) {
        const char *ln = cand[k]->lng;
        if (ln && strlen(ln) == nl && strncmp(ln, name, nl) == 0) {
            found = k;
            nmatch = 1;
            ambig = false;
            break;
        }
        if (!ln || strncmp(ln, name, nl) != 0 || nl == 0) continue;
        if (nmatch == 0) found = k;
        else if (!same_opt(cand[found], cand[k])) {
            ambig = true;
            marks[found] = marks[k] = 1;
        }
        nmatch++;
    }
    if (ambig) {
        vl_buf b = {0};
        vl_buf_printf(c, &b, "option '%s' is ambiguous; possibilities:", a);
        for (int k = 0; k < ncand; k++)
            if (marks[k]) vl_buf_printf(c, &b, " '--%s'", cand[k]->lng);
        vl_buf_addc(c, &b, 0);
        bad_option(c, b.data);
    }
    if (nmatch == 0) {
        snprintf(msg, sizeof msg, "unrecognized option '%.400s'", a);
        bad_option(c, msg);
    }
    const vl_opt *o = cand[found];
    vl_xfree(c, marks);
    vl_xfree(c, cand);
    const char *arg = NULL;
    if (eq) {
        if (argkind(o) == VL_NOARG) {
            snprintf(msg, sizeof msg, "option '--%.400s' doesn't allow an argument", o->lng);
            bad_option(c, msg);
        }
        arg = eq + 1;
    } else if (argkind(o) == VL_ARG) {
        if (*i + 1 >= argc) {
            snprintf(msg, sizeof msg, "option '--%.400s' requires an argument", o->lng);
            bad_option(c, msg);
        }
        arg = argv[++*i];
    }
    if (o->id == OPT_HELP) {
        vl_help(c);
        vl_exit(c, 0);
    }
    if (o->id == OPT_VERSION) {
        vl_version(c);
        vl_exit(c, 0);
    }
    record(c, (int)(o - opts), arg, order);
}

/* Parse one bundle "-abc" / "-n5" / "-n 5" at argv[*i]. */
static void parse_short(vl_ctx *c, int argc, char **argv, int *i, int *order)
{
    const vl_opt *opts = c->decl->opts;
    char *a = argv[*i];
    char msg[128];
    for (char *q = a + 1; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        int idx = -1;
        for (int k = 0; k < c->nopt; k++)
            if (opts[k].id == ch) {
                idx = k;
                break;
            }
        if (idx < 0) {
            snprintf(msg, sizeof msg, "invalid option -- '%c'", ch);
            bad_option(c, msg);
        }
        const vl_opt *o = &opts[idx];
        if (argkind(o) == VL_NOARG) {
            record(c, idx, NULL, order);
            continue;
        }
        const char *arg = NULL;
        if (q[1]) arg = q + 1;
        else if (argkind(o) == VL_ARG) {
            if (*i + 1 >= argc) {
                snprintf(msg, sizeof msg, "option requires an argument -- '%c'", ch);
                bad_option(c, msg);
            }
            arg = argv[++*i];
        }
        record(c, idx, arg, order);
        return;
    }
}

/* ---- bash builtins' options ---- */

void vl_bopts_init(vl_bopts *g, const vl_opt *opts, int argc, char **argv)
{
    memset(g, 0, sizeof *g);
    g->opts = opts;
    g->argc = argc;
    g->argv = argv;
    g->ind = 1;
}

static const vl_opt *bopt_find(const vl_opt *opts, int ch)
{
    for (const vl_opt *o = opts; o && o->id; o++)
        if (o->id == ch) return o;
    return NULL;
}

static bool bopt_any_plus(const vl_opt *opts)
{
    for (const vl_opt *o = opts; o && o->id; o++)
        if (o->arg & VL_PLUS) return true;
    return false;
}

/* Leave the word being read: the next option comes from the next word. */
static void bopt_next_word(vl_bopts *g)
{
    g->ind++;
    g->pos = 0;
}

int vl_bopts_next(vl_bopts *g)
{
    g->arg = NULL;
    if (g->pos == 0) {
        if (g->ind >= g->argc) return VL_BOPT_END;
        const char *w = g->argv[g->ind];
        bool lead = w[0] == '-' || (w[0] == '+' && bopt_any_plus(g->opts));
        if (!lead || w[1] == '\0') return VL_BOPT_END;
        if (strcmp(w, "--") == 0) {
            g->ind++;
            return VL_BOPT_END;
        }
        if (strcmp(w, "--help") == 0) return VL_BOPT_HELP;
        g->plus = w[0] == '+';
        g->pos = 1;
    }
    const char *w = g->argv[g->ind];
    int ch = (unsigned char)w[g->pos++];
    const vl_opt *o = bopt_find(g->opts, ch);
    g->bad[0] = g->plus ? '+' : '-';
    g->bad[1] = (char)ch;
    g->bad[2] = '\0';
    if (!o || ch == '-' || ch == '+' || ch == ':' || (g->plus && !(o->arg & VL_PLUS)))
        return VL_BOPT_INVALID;
    int kind = argkind(o);
    if (kind == VL_NOARG) {
        if (w[g->pos] == '\0') bopt_next_word(g);
        return ch;
    }
    if (w[g->pos]) {
        g->arg = w + g->pos;
    } else if (kind == VL_ARG && g->ind + 1 < g->argc) {
        g->ind++;
        g->arg = g->argv[g->ind];
    } else if (kind == VL_ARG) {
        return VL_BOPT_NEEDARG;
    }
    bopt_next_word(g);
    return ch;
}

void vl_bash_usage(vk_proc *p, const char *name, const char *usage)
{
    size_t nl = strlen(name), ul = strlen(usage);
    char *s = vk_malloc(p, nl + ul + 10);
    if (!s) return;
    memcpy(s, name, nl);
    memcpy(s + nl, ": usage: ", 9);
    memcpy(s + nl + 9, usage, ul);
    s[nl + 9 + ul] = '\n';
    vk_write(p, 2, s, nl + ul + 10);
    vk_free(p, s);
}

int vl_bash_opt_error(vk_proc *p, const char *prefix, const vl_bopts *g, int rc, const char *name,
                      const char *usage)
{
    const char *what = rc == VL_BOPT_NEEDARG ? "option requires an argument" : "invalid option";
    size_t pl = strlen(prefix), bl = strlen(g->bad), wl = strlen(what);
    char *s = vk_malloc(p, pl + bl + wl + 5);
    if (s) {
        memcpy(s, prefix, pl);
        memcpy(s + pl, ": ", 2);
        memcpy(s + pl + 2, g->bad, bl);
        memcpy(s + pl + 2 + bl, ": ", 2);
        memcpy(s + pl + 4 + bl, what, wl);
        s[pl + 4 + bl + wl] = '\n';
        vk_write(p, 2, s, pl + bl + wl + 5);
        vk_free(p, s);
    }
    if (usage) vl_bash_usage(p, name, usage);
    return 2;
}

/* vl_getopt for a command run as a bash builtin: bash's rules, bash's messages. */
static int getopt_builtin(vl_ctx *c, int argc, char **argv)
{
    vl_bopts g;
    vl_bopts_init(&g, c->decl->opts, argc, argv);
    int order = 0, ch;
    while ((ch = vl_bopts_next(&g)) > 0) record(c, opt_slot(c, ch), g.arg, &order);
    if (ch == VL_BOPT_HELP) {
        /* what the shell's builtins print for --help: the usage line and the summary */
        const char *d = c->decl->help ? c->decl->help : "";
        const char *e = strchr(d, '\n');
        vl_printf(c, "%s: %s\n    %.*s\n", c->decl->name, bash_usage_of(c),
                  (int)(e ? (size_t)(e - d) : strlen(d)), d);
        vl_exit(c, 2);
    }
    if (ch < 0) {
        if (c->outlen) flush_out(c, false);
        vl_exit(c, vl_bash_opt_error(c->p, c->name, &g, ch, c->decl->name, bash_usage_of(c)));
    }
    int n = 0;
    for (int i = g.ind; i < argc; i++) argv[++n] = argv[i];
    if (argc > 0) argv[n + 1] = NULL;
    return n;
}

int vl_getopt(vl_ctx *c, int argc, char **argv)
{
    if (c->builtin && !(c->decl->flags & VL_NO_OPTIONS)) return getopt_builtin(c, argc, argv);
    int flags = c->decl->flags;
    char **ops = vl_xmalloc(c, sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
    int nops = 0, order = 0;
    bool stop_at_operand = flags & VL_STOP_AT_OPERAND;
    int i = 1;
    for (; i < argc; i++) {
        char *a = argv[i];
        if ((flags & VL_NO_OPTIONS) || a[0] != '-' || a[1] == '\0') {
            ops[nops++] = a;
            if (stop_at_operand || (flags & VL_NO_OPTIONS)) {
                i++;
                break;
            }
            continue;
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[1] == '-') parse_long(c, argc, argv, &i, &order);
        else parse_short(c, argc, argv, &i, &order);
    }
    for (; i < argc; i++) ops[nops++] = argv[i];
    for (int k = 0; k < nops; k++) argv[k + 1] = ops[k];
    if (argc > 0) argv[nops + 1] = NULL;
    vl_xfree(c, ops);
    return nops;
}

/* ---- input ---- */

static vl_in *in_new(vl_ctx *c, int fd, bool close_fd, const char *name)
{
    vl_in *in = xalloc(c, sizeof *in, KIND_IN);
    memset(in, 0, sizeof *in);
    in->fd = fd;
    in->close_fd = close_fd;
    in->name = name;
    return in;
}

vl_in *vl_in_fd(vl_ctx *c, int fd, const char *name)
{
    return in_new(c, fd, false, name ? name : "-");
}

vl_in *vl_in_open_quiet(vl_ctx *c, const char *path, int *err)
{
    if (strcmp(path, "-") == 0) return vl_in_fd(c, 0, "-");
    int fd = vk_open(c->p, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        check_dying(c);
        if (err) *err = fd;
        return NULL;
    }
    return in_new(c, fd, true, path);
}

vl_in *vl_in_open(vl_ctx *c, const char *path)
{
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, path, &err);
    if (!in) vl_perror(c, vl_quote(c, path), err);
    return in;
}

void vl_in_close(vl_ctx *c, vl_in *in)
{
    if (!in) return;
    if (in->close_fd && in->fd >= 0) vk_close(c->p, in->fd);
    in->fd = -1;
    vl_xfree(c, in->buf);
    vl_xfree(c, in);
}

static ssize_t in_fill(vl_ctx *c, vl_in *in, char *dst, size_t n)
{
    ssize_t r = vk_read(c->p, in->fd, dst, n);
    if (r < 0) {
        check_dying(c);
        in->err = (int)r;
    } else if (r == 0) {
        in->eof = true;
    }
    return r;
}

ssize_t vl_in_read(vl_ctx *c, vl_in *in, void *buf, size_t n)
{
    if (n == 0) return 0;
    if (in->pos < in->len) {
        size_t k = in->len - in->pos;
        if (k > n) k = n;
        memcpy(buf, in->buf + in->pos, k);
        in->pos += k;
        return (ssize_t)k;
    }
    if (in->err) return in->err;
    if (in->eof) return 0;
    ssize_t r = in_fill(c, in, buf, n);
    return r;
}

ssize_t vl_in_getdelim(vl_ctx *c, vl_in *in, int delim, char **line)
{
    size_t scanned = 0; /* bytes after pos already searched for delim */
    for (;;) {
        char *start = in->buf ? in->buf + in->pos : NULL;
        size_t avail = in->len - in->pos;
        if (avail > scanned) {
            char *hit = memchr(start + scanned, delim, avail - scanned);
            if (hit) {
                size_t n = (size_t)(hit - start) + 1;
                *line = start;
                in->pos += n;
                return (ssize_t)n;
            }
            scanned = avail;
        }
        if (in->eof || in->err) {
            if (avail > 0) {
                *line = start;
                in->pos = in->len;
                return (ssize_t)avail;
            }
            return in->err ? in->err : 0;
        }
        if (in->pos > 0) {
            memmove(in->buf, in->buf + in->pos, avail);
            in->len = avail;
            in->pos = 0;
        }
        if (in->len == in->cap) {
            size_t ncap = in->cap ? in->cap * 2 : INCAP;
            in->buf = vl_xrealloc(c, in->buf, ncap);
            in->cap = ncap;
        }
        ssize_t r = in_fill(c, in, in->buf + in->len, in->cap - in->len);
        if (r > 0) in->len += (size_t)r;
    }
}

/* ---- growable buffer ---- */

static void buf_reserve(vl_ctx *c, vl_buf *b, size_t extra)
{
    if (b->len + extra <= b->cap) return;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < b->len + extra) {
        if (ncap > SIZE_MAX / 2) out_of_memory(c);
        ncap *= 2;
    }
    b->data = vl_xrealloc(c, b->data, ncap);
    b->cap = ncap;
}

void vl_buf_add(vl_ctx *c, vl_buf *b, const void *data, size_t n)
{
    buf_reserve(c, b, n + 1);
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0'; /* kept terminated so text users can read it as a string */
}

void vl_buf_addc(vl_ctx *c, vl_buf *b, int ch)
{
    char x = (char)ch;
    vl_buf_add(c, b, &x, 1);
}

void vl_buf_adds(vl_ctx *c, vl_buf *b, const char *s)
{
    vl_buf_add(c, b, s, strlen(s));
}

void vl_buf_printf(vl_ctx *c, vl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n;
    char *s = vformat(c, &n, fmt, ap);
    va_end(ap);
    vl_buf_add(c, b, s, n);
    vl_xfree(c, s);
}

void vl_buf_free(vl_ctx *c, vl_buf *b)
{
    vl_xfree(c, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- helpers ---- */

/* Digits, sign and suffix of a number into *neg and *uv: 0, VOS_EINVAL, or VOS_ERANGE when the
 * magnitude passes 64 bits. */
static int parse_u64(const char *s, bool allow_suffixes, bool *negp, uint64_t *uv)
{
    const char *q = s;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    bool neg = false;
    if (*q == '+' || *q == '-') neg = *q++ == '-';
    if (*q < '0' || *q > '9') return VOS_EINVAL;
    uint64_t v = 0;
    bool over = false;
    for (; *q >= '0' && *q <= '9'; q++) {
        unsigned dgt = (unsigned)(*q - '0');
        if (v > (UINT64_MAX - dgt) / 10) over = true;
        else v = v * 10 + dgt;
    }
    if (*q) {
        if (!allow_suffixes) return VOS_EINVAL;
        static const char units[] = "KMGTPEZY";
        uint64_t mult;
        int power = 0;
        unsigned base = 1024;
        if (*q == 'b' && q[1] == '\0') {
            mult = 512;
            q++;
        } else {
            char u = *q == 'k' ? 'K' : *q == 'm' ? 'M' : *q;
            const char *pos = u ? strchr(units, u) : NULL;
            if (!pos) return VOS_EINVAL;
            power = (int)(pos - units) + 1;
            q++;
            if (q[0] == 'B' && q[1] == '\0') base = 1000, q++;
            else if (q[0] == 'i' && q[1] == 'B' && q[2] == '\0') q += 2;
            if (*q) return VOS_EINVAL;
            mult = 1;
            for (int k = 0; k < power; k++) {
                if (mult > UINT64_MAX / base) {
                    over = true;
                    break;
                }
                mult *= base;
            }
        }
        if (!over && mult && v > UINT64_MAX / mult) over = true;
        else v *= mult;
    }
    *negp = neg;
    *uv = v;
    return over ? VOS_ERANGE : 0;
}

int vl_parse_int(const char *s, int64_t *out, bool allow_suffixes)
{
    bool neg;
    uint64_t v;
    int rc = parse_u64(s, allow_suffixes, &neg, &v);
    if (rc == VOS_EINVAL) return rc;
    if (rc < 0 || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        *out = neg ? INT64_MIN : INT64_MAX;
        return VOS_ERANGE;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int vl_parse_count(const char *s, int64_t *out)
{
    bool neg;
    uint64_t v;
    int rc = parse_u64(s, true, &neg, &v);
    if (rc < 0) return rc;
    if (neg) return VOS_EINVAL;
    *out = v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
    return 0;
}

char *vl_path_join(vl_ctx *c, const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *s = vl_xmalloc(c, dl + nl + 2);
    memcpy(s, dir, dl);
    if (slash) s[dl++] = '/';
    memcpy(s + dl, name, nl + 1);
    return s;
}

char *vl_basename(vl_ctx *c, const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    if (n == 1 && path[0] == '/') return vl_xstrdup(c, "/");
    size_t start = n;
    while (start > 0 && path[start - 1] != '/') start--;
    char *s = vl_xmalloc(c, n - start + 1);
    memcpy(s, path + start, n - start);
    s[n - start] = '\0';
    return s;
}

char *vl_dirname(vl_ctx *c, const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;  /* trailing slashes */
    while (n > 0 && path[n - 1] != '/') n--;  /* the last component */
    if (n == 0) return vl_xstrdup(c, ".");
    while (n > 1 && path[n - 1] == '/') n--;  /* the slashes before it */
    char *s = vl_xmalloc(c, n + 1);
    memcpy(s, path, n);
    s[n] = '\0';
    return s;
}

void vl_mode_string(uint32_t mode, char out[11])
{
    char t;
    switch (mode & VK_S_IFMT) {
    case VK_S_IFDIR: t = 'd'; break;
    case VK_S_IFLNK: t = 'l'; break;
    case VK_S_IFCHR: t = 'c'; break;
    case VK_S_IFBLK: t = 'b'; break;
    case VK_S_IFIFO: t = 'p'; break;
    case VK_S_IFSOCK: t = 's'; break;
    default: t = '-'; break;
    }
    out[0] = t;
    static const char rwx[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    if (mode & 04000) out[3] = (mode & 0100) ? 's' : 'S';
    if (mode & 02000) out[6] = (mode & 0010) ? 's' : 'S';
    if (mode & 01000) out[9] = (mode & 0001) ? 't' : 'T';
    out[10] = '\0';
}
