/* csplit: split a file into sections at line numbers (N), regular expression matches
 * (/RE/[OFFSET], or %RE%[OFFSET] to skip a section), each repeated {N} or {*} times, into
 * xx00, xx01... (-f -n -b), printing each file's size (unless -s), GNU's messages, and on an
 * error removing the files it made (unless -k). -z drops empty files, --suppress-matched the
 * lines that split. The input streams: only the lines a search has looked at and not yet
 * written are held (a negative offset keeps the lines it may reach back to). */
#include "lib/cmd.h"
#include "lib/format.h"
#include "lib/regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct control {
    int64_t lines;   /* line number (0 for a regexp) */
    int64_t offset;
    int64_t repeat;
    bool forever, ignore, regexp;
    vl_re *re;
    int argnum;
} control;

typedef struct csplit {
    vl_ctx *c;
    char **argv;
    /* the input, read as lines are needed: q holds lines first .. first+nq-1 (a ring), the
     * ones a search has looked at but that are not written yet */
    vl_in *in;
    vl_buf *q;
    size_t qcap, qhead, nq;
    bool eof;
    int64_t first;   /* next line not yet written or dropped */
    int64_t current; /* regexp searches start after it */
    /* output */
    const char *prefix, *suffix;
    int digits;
    bool quiet, keep, elide, suppress;
    int files;       /* files created (names made) */
    int fd;
    char *name;
    uint64_t written;
    char **made;     /* names of the files created, for the cleanup */
    int nmade, capmade;
} csplit;

static void free_re(void *arg)
{
    vl_re_free(arg);
}

/* A message on stderr that does not flush stdout first: GNU's sizes sit in stdout's buffer
 * until csplit ends, so with 2>&1 the messages come before them. Sets status 1. */
static void say(csplit *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(csplit *s, const char *fmt, ...)
{
    vl_buf b = {0};
    vl_buf_adds(s->c, &b, s->c->name);
    vl_buf_adds(s->c, &b, ": ");
    va_list ap;
    va_start(ap, fmt);
    char tmp[8192];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_buf_adds(s->c, &b, tmp);
    vl_buf_addc(s->c, &b, '\n');
    vl_write_fd(s->c, 2, b.data, b.len);
    vl_buf_free(s->c, &b);
    s->c->status = 1;
}

static char *make_name(csplit *s, int n)
{
    vl_buf b = {0};
    vl_buf_adds(s->c, &b, s->prefix);
    if (s->suffix) vl_buf_printf(s->c, &b, s->suffix, n);
    else vl_buf_printf(s->c, &b, "%0*d", s->digits, n);
    return b.data;
}

static void close_out(csplit *s);

/* Remove what was made (unless -k) and end with status 1. */
_Noreturn static void fatal(csplit *s)
{
    close_out(s);
    if (!s->keep)
        for (int i = 0; i < s->nmade; i++) {
            int rc = vk_unlink(s->c->p, s->made[i]);
            if (rc < 0 && rc != VOS_ENOENT) say(s, "%s: %s", vl_quote(s->c, s->made[i]), vl_strerror(rc));
        }
    vl_exit(s->c, 1);
}

static void create_out(csplit *s)
{
    s->name = make_name(s, s->files);
    int fd = vk_open(s->c->p, s->name, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
    if (fd < 0) {
        say(s, "%s: %s", vl_quote(s->c, s->name), vl_strerror(fd));
        fatal(s);
    }
    if (s->nmade == s->capmade) {
        s->capmade = s->capmade ? s->capmade * 2 : 16;
        s->made = vl_xrealloc(s->c, s->made, (size_t)s->capmade * sizeof *s->made);
    }
    s->made[s->nmade++] = s->name;
    s->files++;
    s->fd = fd;
    s->written = 0;
}

static void close_out(csplit *s)
{
    if (s->fd < 0) return;
    vk_close(s->c->p, s->fd);
    s->fd = -1;
    if (s->written == 0 && s->elide) {
        vk_unlink(s->c->p, s->name);
        s->files--;
        s->nmade--;
    } else if (!s->quiet) {
        vl_printf(s->c, "%llu\n", (unsigned long long)s->written);
    }
}

/* Line n (1-based), reading up to it; false when it is gone or past the end. */
static bool line_get(csplit *s, int64_t n, const char **l, size_t *len)
{
    if (n < s->first) return false;
    while ((int64_t)s->nq <= n - s->first) {
        if (s->eof) return false;
        char *line;
        ssize_t r = vl_in_getdelim(s->c, s->in, '\n', &line);
        if (r < 0) vl_die(s->c, 1, "read error: %s", vl_strerror((int)r));
        if (r == 0) {
            s->eof = true;
            return false;
        }
        if (s->nq == s->qcap) {
            /* grow the ring, unwrapping it */
            size_t ncap = s->qcap ? s->qcap * 2 : 64;
            vl_buf *nb = vl_xcalloc(s->c, ncap, sizeof *nb);
            for (size_t i = 0; i < s->nq; i++) nb[i] = s->q[(s->qhead + i) % s->qcap];
            vl_xfree(s->c, s->q);
            s->q = nb;
            s->qcap = ncap;
            s->qhead = 0;
        }
        vl_buf *b = &s->q[(s->qhead + s->nq) % s->qcap];
        b->len = 0;
        vl_buf_add(s->c, b, line, (size_t)r);
        s->nq++;
        if ((s->first + (int64_t)s->nq) % 1024 == 0) {
            int rc = vk_steps(s->c->p, 1024);
            if (rc < 0 && rc != VOS_EINTR) {
                int w = vk_dying(s->c->p);
                vl_exit(s->c, w ? VK_WSHELL(w) : 1);
            }
        }
    }
    vl_buf *b = &s->q[(s->qhead + (size_t)(n - s->first)) % s->qcap];
    *l = b->data;
    *len = b->len;
    return true;
}

static bool no_more_lines(csplit *s)
{
    const char *l;
    size_t len;
    return !line_get(s, s->first, &l, &len);
}

/* Take the first line left: write it to the current file unless ignore. */
static bool take_line(csplit *s, bool write)
{
    const char *l;
    size_t len;
    if (!line_get(s, s->first, &l, &len)) return false;
    s->first++;
    s->qhead = (s->qhead + 1) % s->qcap;
    s->nq--;
    if (write && s->fd >= 0) {
        int rc = vl_write_fd(s->c, s->fd, l, len);
        if (rc < 0) {
            say(s, "%s: %s", vl_quote(s->c, s->name), vl_strerror(rc));
            fatal(s);
        }
        s->written += len;
    }
    return true;
}

static void dump_rest(csplit *s)
{
    while (take_line(s, true)) {}
}

static void line_error(csplit *s, const control *p, int64_t rep)
{
    vl_buf b = {0};
    vl_buf_printf(s->c, &b, "%lld", (long long)p->lines);
    const char *num = b.data;
    if (rep) say(s, "%s: line number out of range on repetition %lld", vl_quote_locale(s->c, num), (long long)rep);
    else say(s, "%s: line number out of range", vl_quote_locale(s->c, num));
    fatal(s);
}

static void process_lines(csplit *s, const control *p, int64_t rep)
{
    int64_t last = p->lines * (rep + 1);
    create_out(s);
    if (s->suppress && no_more_lines(s)) line_error(s, p, rep);
    int64_t n = s->first;
    while (n++ < last)
        if (!take_line(s, true)) line_error(s, p, rep);
    close_out(s);
    if (s->suppress) take_line(s, false);
    if (!s->suppress && no_more_lines(s)) line_error(s, p, rep);
}

static void regexp_error(csplit *s, const control *p, int64_t rep)
{
    const char *q = vl_quote_locale(s->c, s->argv[p->argnum]);
    if (rep) say(s, "%s: match not found on repetition %lld", q, (long long)rep);
    else say(s, "%s: match not found", q);
    if (!p->ignore) {
        dump_rest(s);
        close_out(s);
    }
    fatal(s);
}

static void process_regexp(csplit *s, const control *p, int64_t rep)
{
    if (!p->ignore) create_out(s);
    if (s->current < s->first - 1) s->current = s->first - 1;
    for (;;) {
        const char *l;
        size_t len;
        if (!line_get(s, ++s->current, &l, &len)) {
            if (p->forever) {
                if (!p->ignore) {
                    dump_rest(s);
                    close_out(s);
                }
                vl_exit(s->c, 0);
            }
            regexp_error(s, p, rep);
        }
        if (len && l[len - 1] == '\n') len--;
        int rc = vl_re_search(p->re, l, len, 0, 0, NULL, 0);
        if (rc == VL_RE_ECOMPLEX) {
            say(s, "error in regular expression search");
            fatal(s);
        }
        if (rc < 0) vl_exit(s->c, 1);
        if (rc == 1) break;
        if (p->offset >= 0) take_line(s, !p->ignore);
        if ((s->current & 1023) == 0) {
            int r = vk_steps(s->c->p, 1024);
            if (r < 0 && r != VOS_EINTR) {
                int w = vk_dying(s->c->p);
                vl_exit(s->c, w ? VK_WSHELL(w) : 1);
            }
        }
    }
    int64_t brk = s->current + p->offset;
    if (s->first > brk) {
        say(s, "%s: line number out of range", vl_quote_locale(s->c, s->argv[p->argnum]));
        fatal(s);
    }
    for (int64_t i = 0, n = brk - s->first; i < n; i++)
        if (!take_line(s, !p->ignore)) {
            say(s, "%s: line number out of range", vl_quote_locale(s->c, s->argv[p->argnum]));
            fatal(s);
        }
    if (!p->ignore) close_out(s);
    if (p->offset > 0) s->current = brk;
    if (s->suppress) take_line(s, false);
}

/* Check -b's format: one %d-like conversion with flags, width and precision. */
static void check_suffix(vl_ctx *c, const char *f)
{
    int convs = 0;
    for (const char *q = f; *q; q++) {
        if (*q != '%') continue;
        if (q[1] == '%') {
            q++;
            continue;
        }
        q++;
        q += strspn(q, "'-+ #0");
        q += strspn(q, "0123456789");
        if (*q == '.') q++, q += strspn(q, "0123456789");
        if (!*q || !strchr("diouxX", *q)) {
            vl_die(c, 1, "invalid conversion specifier in suffix: %c", *q ? *q : '%');
        }
        convs++;
    }
    if (convs == 0) vl_die(c, 1, "missing %% conversion specification in suffix");
    if (convs > 1) vl_die(c, 1, "too many %% conversion specifications in suffix");
}

static int64_t parse_int_arg(vl_ctx *c, const char *s, const char *what)
{
    int64_t v;
    if (vl_parse_int(s, &v, false) < 0 || v < 0) vl_die(c, 1, "invalid %s: %s", what, vl_quote_locale(c, s));
    return v;
}

static int csplit_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    csplit s = {0};
    s.c = c;
    s.argv = argv;
    s.fd = -1;
    s.prefix = vl_has(c, 'f') ? vl_arg(c, 'f') : "xx";
    s.digits = 2;
    if (vl_has(c, 'n')) s.digits = (int)parse_int_arg(c, vl_arg(c, 'n'), "number");
    if (vl_has(c, 'b')) {
        s.suffix = vl_arg(c, 'b');
        check_suffix(c, s.suffix);
    }
    s.quiet = vl_has(c, 's') || vl_has(c, 'q');
    s.keep = vl_has(c, 'k');
    s.elide = vl_has(c, 'z');
    s.suppress = vl_has(c, 256);
    if (n < 2) {
        if (n == 0) vl_usage_error(c, "missing operand");
        vl_usage_error(c, "missing operand after %s", vl_quote_locale(c, argv[1]));
    }
    /* parse the patterns */
    control *ctl = vl_xcalloc(c, (size_t)n, sizeof *ctl);
    int nctl = 0;
    int64_t last_line = 0;
    for (int i = 2; i <= n; i++) {
        const char *a = argv[i];
        if (a[0] == '/' || a[0] == '%') {
            char delim = a[0];
            const char *end = strrchr(a + 1, delim);
            if (!end) vl_die(c, 1, "%s: closing delimiter '%c' missing", a, delim);
            control *p = &ctl[nctl++];
            p->regexp = true;
            p->ignore = delim == '%';
            p->argnum = i;
            vl_re_diag diag = {0};
            int rc = vl_re_compile(c->p, a + 1, (size_t)(end - a - 1), VL_RE_BRE, 0, &p->re, &diag);
            if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG)
                vl_die(c, 1, "%s: invalid regular expression: %s", vl_quote_locale(c, a), diag.msg);
            if (rc < 0) vl_exit(c, 1);
            vl_defer(c, free_re, p->re);
            if (end[1]) {
                int64_t off;
                const char *o = end + 1;
                if ((o[0] != '+' && o[0] != '-' && (o[0] < '0' || o[0] > '9')) ||
                    vl_parse_int(o, &off, false) < 0)
                    vl_die(c, 1, "%s: integer expected after delimiter", vl_quote_locale(c, a));
                p->offset = off;
            }
        } else if (a[0] == '{') {
            size_t len = strlen(a);
            if (nctl == 0) vl_die(c, 1, "%s: invalid pattern", vl_quote_locale(c, a));
            control *p = &ctl[nctl - 1];
            if (a[len - 1] != '}') vl_die(c, 1, "%s: '}' is required in repeat count", vl_quote_locale(c, a));
            if (len == 3 && a[1] == '*') {
                p->forever = true;
            } else {
                char *num = vl_xmalloc(c, len);
                memcpy(num, a + 1, len - 2);
                num[len - 2] = '\0';
                int64_t v;
                if (len < 3 || strspn(num, "0123456789") != len - 2 || vl_parse_int(num, &v, false) < 0) {
                    char *head = vl_xmalloc(c, len);
                    memcpy(head, a, len - 1);
                    head[len - 1] = '\0';
                    vl_die(c, 1, "%s}: integer required between '{' and '}'", vl_quote_locale(c, head));
                }
                p->repeat = v;
            }
        } else {
            int64_t v;
            if (a[0] < '0' || a[0] > '9' || vl_parse_int(a, &v, false) < 0)
                vl_die(c, 1, "%s: invalid pattern", vl_quote_locale(c, a));
            if (v == 0) vl_die(c, 1, "%s: line number must be greater than zero", a);
            if (v < last_line)
                vl_die(c, 1, "line number %s is smaller than preceding line number, %lld",
                       vl_quote_locale(c, a), (long long)last_line);
            if (v == last_line)
                vl_error(c, "warning: line number %s is the same as preceding line number",
                         vl_quote_locale(c, a));
            c->status = 0;
            last_line = v;
            control *p = &ctl[nctl++];
            p->lines = v;
            p->argnum = i;
        }
    }
    /* the input, as lines */
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, argv[1], &err);
    if (!in) {
        vl_die(c, 1, "cannot open %s for reading: %s", vl_quote_always(c, argv[1]), vl_strerror(err));
    }
    s.in = in;
    s.first = 1;
    for (int i = 0; i < nctl; i++) {
        control *p = &ctl[i];
        for (int64_t j = 0; p->forever || j <= p->repeat; j++) {
            if (p->regexp) {
                process_regexp(&s, p, j);
            } else {
                process_lines(&s, p, j);
            }
        }
    }
    create_out(&s);
    dump_rest(&s);
    close_out(&s);
    return c->status;
}

static const vl_opt csplit_opts[] = {
    {'b', "suffix-format", VL_ARG, "FORMAT", "use sprintf FORMAT instead of %02d"},
    {'f', "prefix", VL_ARG, "PREFIX", "use PREFIX instead of 'xx'"},
    {'k', "keep-files", VL_NOARG, NULL, "do not remove output files on errors"},
    {256, "suppress-matched", VL_NOARG, NULL, "suppress the lines matching PATTERN"},
    {'n', "digits", VL_ARG, "DIGITS", "use specified number of digits instead of 2"},
    {'s', "quiet", VL_NOARG, NULL, "do not print counts of output file sizes"},
    {'s', "silent", VL_NOARG, NULL, NULL},
    {'q', NULL, VL_NOARG, NULL, NULL},
    {'z', "elide-empty-files", VL_NOARG, NULL, "remove empty output files"},
    {0}};
VL_COMMAND(csplit, csplit_main, csplit_opts, "[OPTION]... FILE PATTERN...",
           "Output pieces of FILE separated by PATTERN(s) to files 'xx00', 'xx01', ...,\n"
           "and output byte counts of each piece to standard output.\n\n"
           "Read standard input if FILE is -",
           0, 1);
