/* grep, egrep, fgrep: print the lines that match patterns, as GNU grep 3.8 does: BRE/ERE/fixed
 * strings/Perl patterns through the regex wrapper (lib/regex.h), context, counts, file lists,
 * GNU's binary-file rules (a NUL byte makes the rest of a file binary: matches are announced,
 * not printed), recursion in directory order with --include/--exclude, and GNU's exit statuses.
 * Input is read in 96 KiB chunks and searched a chunk at a time, so a huge file of short lines
 * streams in bounded memory (only one very long line grows the buffer). Debian's egrep and
 * fgrep are scripts that run grep -E / grep -F (no warning), so they speak as "grep" here too.
 * Not here: colours (no terminal in a VM: --color=always is refused, as ls refuses it), -U's CR
 * handling (GNU does nothing on Linux). */
#include "lib/cmd.h"
#include "lib/regex.h"

#include <stdlib.h>
#include <string.h>

enum {
    OPT_NO_ICASE = 256,
    OPT_LINE_BUFFERED,
    OPT_LABEL,
    OPT_BINARY_FILES,
    OPT_INCLUDE,
    OPT_EXCLUDE,
    OPT_EXCLUDE_FROM,
    OPT_EXCLUDE_DIR,
    OPT_GROUP_SEP,
    OPT_NO_GROUP_SEP,
    OPT_COLOR,
};

enum { BIN_BINARY, BIN_TEXT, BIN_WITHOUT };
enum { DIRS_READ, DIRS_SKIP, DIRS_RECURSE };
enum { DEVS_READ_CMDLINE, DEVS_READ, DEVS_SKIP };

#define CHUNK 98304 /* GNU grep's read size: where binary detection starts matters */

/* an --include/--exclude/--exclude-dir pattern */
typedef struct xpat {
    const char *pat;
    bool include;
} xpat;

typedef struct grep {
    vl_ctx *c;
    vl_re *re;
    /* options */
    bool invert, count, only, quiet, lineno, byteoff, tab, nul, line_buffered, no_messages;
    int list;      /* 0, 'l' or 'L' */
    int with_name; /* -1: when recursing into a directory */
    int64_t max_count; /* -1: none */
    int64_t before, after;
    bool context;
    const char *group_sep;
    int binary, dirs, devs;
    bool deref;
    const char *label;
    unsigned char eol;
    xpat *ex;
    size_t nex, capex;
    xpat *exdir;
    size_t nexdir, capexdir;
    bool omit_dot_slash;
    /* stdout, for "input file is also the output" */
    bool out_reg;
    uint64_t out_dev, out_ino;
    /* results */
    bool any_selected, error, printed_any;
    bool devnull; /* stdout is /dev/null */
    /* the input buffer, reused from file to file */
    char *buf;
    size_t cap;
    int argc;
    char **argv;
} grep;

/* one input being searched */
typedef struct gfile {
    const char *name;
    int fd;
    bool is_reg;
    int width;          /* -T: digits of line numbers and offsets */
    size_t len, pos;    /* data in buf[0..len); the next line starts at pos */
    int64_t off;        /* file offset of buf[0] */
    int64_t lineno;     /* number of the line starting at lnpos (1-based) */
    size_t lnpos;
    int64_t last_out;   /* file offset just past the last line output, -1: none */
    int64_t pending;    /* trailing context lines still to print */
    int64_t nsel;       /* lines selected */
    int64_t nsel_binary; /* nsel when the file turned out binary, -1: text */
    bool quiet_out, done_on_match;
    bool maxed;         /* -m reached: only trailing context is left */
    bool stop;
    bool eof;           /* a read returned 0 */
} gfile;

/* ---- numbers ---- */

/* xstrtoimax's rules: blanks, a sign, decimal digits; 0 ok, 1 overflow (clamped), -1 bad */
static int parse_num(const char *s, int64_t *out)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    bool neg = false;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (*s < '0' || *s > '9') return -1;
    uint64_t v = 0;
    bool over = false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10) over = true;
        else v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s) return -1;
    if (over || v > (uint64_t)INT64_MAX) {
        *out = neg ? INT64_MIN : INT64_MAX;
        return 1;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static int64_t context_arg(vl_ctx *c, const char *s)
{
    int64_t v;
    int r = parse_num(s, &v);
    if (r < 0 || v < 0) {
        vl_eprintf(c, "%s: %s: invalid context length argument\n", c->name, s);
        vl_exit(c, 2);
    }
    return v;
}

/* ---- globs for --include/--exclude (fnmatch without flags: '*' matches '/') ---- */
static bool glob_class(const char **pp, unsigned ch, bool *ok)
{
    const char *p = *pp; /* after '[' */
    bool neg = *p == '!' || *p == '^';
    if (neg) p++;
    bool in = false, first = true;
    for (;;) {
        if (!*p) {
            *ok = false;
            return false;
        }
        if (*p == ']' && !first) break;
        first = false;
        if (*p == '[' && p[1] == ':') {
            const char *e = strstr(p + 2, ":]");
            if (e) {
                size_t n = (size_t)(e - p - 2);
                const char *nm = p + 2;
                bool m = false;
#define CL(name, cond)                                                                             \
    if (n == sizeof(name) - 1 && memcmp(nm, name, n) == 0) m = (cond);
                CL("alpha", (ch | 32) >= 'a' && (ch | 32) <= 'z')
                CL("digit", ch >= '0' && ch <= '9')
                CL("alnum", ((ch | 32) >= 'a' && (ch | 32) <= 'z') || (ch >= '0' && ch <= '9'))
                CL("upper", ch >= 'A' && ch <= 'Z')
                CL("lower", ch >= 'a' && ch <= 'z')
                CL("space", ch == ' ' || (ch >= '\t' && ch <= '\r'))
                CL("blank", ch == ' ' || ch == '\t')
                CL("punct", ch > ' ' && ch < 127 && !(((ch | 32) >= 'a' && (ch | 32) <= 'z') ||
                                                      (ch >= '0' && ch <= '9')))
                CL("print", ch >= ' ' && ch < 127)
                CL("graph", ch > ' ' && ch < 127)
                CL("cntrl", ch < ' ' || ch == 127)
                CL("xdigit", (ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'f'))
#undef CL
                if (m) in = true;
                p = e + 2;
                continue;
            }
        }
        unsigned lo = (unsigned char)*p;
        if (lo == '\\' && p[1]) lo = (unsigned char)*++p;
        p++;
        unsigned hi = lo;
        if (*p == '-' && p[1] && p[1] != ']') {
            p++;
            hi = (unsigned char)*p;
            if (hi == '\\' && p[1]) hi = (unsigned char)*++p;
            p++;
        }
        if (ch >= lo && ch <= hi) in = true;
    }
    *pp = p + 1;
    *ok = true;
    return in != neg;
}

static bool glob_match(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;
    for (;;) {
        if (*p == '*') {
            while (*p == '*') p++;
            if (!*p) return true;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*s) {
            bool ok = true, m;
            const char *np = p;
            if (*p == '?') {
                m = true;
                np = p + 1;
            } else if (*p == '[') {
                np = p + 1;
                m = glob_class(&np, (unsigned char)*s, &ok);
                if (!ok) { /* an unclosed '[' is literal */
                    m = *s == '[';
                    np = p + 1;
                }
            } else {
                if (*p == '\\' && p[1]) np = ++p;
                m = *p && *p == *s;
                np = p + 1;
            }
            if (m) {
                p = np;
                s++;
                continue;
            }
        } else if (!*p) {
            return true;
        }
        if (!star_p || !*star_s) return false;
        p = star_p;
        s = ++star_s;
    }
}

/* gnulib's excluded_file_name: the last pattern that matches decides; when none does, the
 * opposite of the first one's kind. Not anchored (command-line names): any suffix after a
 * '/' may match. */
static bool excluded(const xpat *v, size_t n, const char *name, bool anchored)
{
    if (n == 0) return false;
    for (size_t i = n; i-- > 0;) {
        bool m = glob_match(v[i].pat, name);
        if (!anchored)
            for (const char *q = name; *q && !m; q++)
                if (*q == '/' && q[1] != '/') m = glob_match(v[i].pat, q + 1);
        if (m) return !v[i].include;
    }
    return v[0].include;
}

static void add_xpat(grep *g, bool dir, const char *pat, bool include)
{
    xpat **v = dir ? &g->exdir : &g->ex;
    size_t *n = dir ? &g->nexdir : &g->nex, *cap = dir ? &g->capexdir : &g->capex;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = vl_xrealloc(g->c, *v, *cap * sizeof **v);
    }
    (*v)[*n].pat = pat;
    (*v)[(*n)++].include = include;
}

/* ---- output ---- */

static int digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) v /= 10, n++;
    return n;
}

static void put_num(grep *g, gfile *f, int64_t v)
{
    char tmp[32];
    int n = 0;
    uint64_t u = (uint64_t)v;
    do tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (g->tab)
        for (int i = n; i < f->width; i++) vl_putc(g->c, ' ');
    while (n) vl_putc(g->c, tmp[--n]);
}

/* the number of the line starting at buffer index pos (counts forward from lnpos) */
static int64_t line_number(grep *g, gfile *f, size_t pos)
{
    const char *b = g->buf;
    while (f->lnpos < pos) {
        const char *e = memchr(b + f->lnpos, g->eol, pos - f->lnpos);
        if (!e) break;
        f->lineno++;
        f->lnpos = (size_t)(e - b) + 1;
    }
    return f->lineno;
}

static void line_head(grep *g, gfile *f, char sep, int64_t lineno, int64_t offset, bool nonempty)
{
    vl_ctx *c = g->c;
    if (g->with_name > 0) {
        vl_puts(c, f->name);
        vl_putc(c, g->nul ? '\0' : sep);
    }
    if (g->lineno) {
        put_num(g, f, lineno);
        vl_putc(c, sep);
    }
    if (g->byteoff) {
        put_num(g, f, offset);
        vl_putc(c, sep);
    }
    if (g->tab && (g->with_name > 0 || g->lineno || g->byteoff) && nonempty) vl_putc(c, '\t');
}

static void line_done(grep *g)
{
    if (g->line_buffered) vl_flush(g->c);
}

/* "--" before a line that does not follow the last one output */
static void separator(grep *g, gfile *f, size_t ls)
{
    if (g->context && g->printed_any && f->off + (int64_t)ls != f->last_out && g->group_sep) {
        vl_puts(g->c, g->group_sep);
        vl_putc(g->c, '\n');
    }
}

/* a context line [ls, le) (le: its end of line, or the end of data) */
static void context_line(grep *g, gfile *f, size_t ls, size_t le, int64_t lineno)
{
    separator(g, f, ls);
    if (!g->only) {
        line_head(g, f, '-', lineno, f->off + (int64_t)ls, le > ls);
        vl_write(g->c, g->buf + ls, le - ls);
        vl_putc(g->c, g->eol);
        line_done(g);
    }
    g->printed_any = true;
    f->last_out = f->off + (int64_t)le + 1;
}

static void re_fail(grep *g, gfile *f, int rc)
{
    vl_ctx *c = g->c;
    if (rc == VL_RE_ECOMPLEX) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, f->name, vl_re_limit_msg(g->re));
        vl_exit(c, 2);
    }
    int w = vk_dying(c->p);
    vl_exit(c, w ? VK_WSHELL(w) : 2);
}

static void selected_output(grep *g, gfile *f, size_t ls, size_t le, int64_t lineno)
{
    vl_ctx *c = g->c;
    /* leading context: up to -B lines before, after the last line output */
    if (g->before > 0) {
        size_t lo = 0;
        if (f->last_out > f->off) lo = (size_t)(f->last_out - f->off);
        /* walk back to the first context line, then print forward: no table of starts,
         * so a huge -B costs only the lines there are */
        int64_t k = 0;
        size_t p = ls;
        while (k < g->before && p > lo) {
            size_t q = p - 1; /* the eol ending the previous line */
            while (q > lo && g->buf[q - 1] != (char)g->eol) q--;
            k++;
            p = q;
        }
        for (int64_t i = k; i > 0; i--) {
            size_t e = p;
            while (e < ls - 1 && g->buf[e] != (char)g->eol) e++;
            context_line(g, f, p, e, lineno - i);
            p = e + 1;
        }
    }
    separator(g, f, ls);
    if (!g->only) {
        line_head(g, f, ':', lineno, f->off + (int64_t)ls, le > ls);
        vl_write(c, g->buf + ls, le - ls);
        vl_putc(c, g->eol);
        line_done(g);
    } else if (!g->invert) {
        size_t start = ls;
        vl_re_span m;
        for (;;) {
            int rc = vl_re_search(g->re, g->buf, le, start, 0, &m, 1);
            if (rc < 0) re_fail(g, f, rc);
            if (rc == 0) break;
            if (m.eo == m.so) {
                start = (size_t)m.so + 1;
                if (start > le) break;
                continue;
            }
            line_head(g, f, ':', lineno, f->off + m.so, true);
            vl_write(c, g->buf + m.so, (size_t)(m.eo - m.so));
            vl_putc(c, g->eol);
            line_done(g);
            start = (size_t)m.eo;
        }
    }
    g->printed_any = true;
    f->last_out = f->off + (int64_t)le + 1;
    f->pending = g->after;
}

static void selected_line(grep *g, gfile *f, size_t ls, size_t le)
{
    f->nsel++;
    g->any_selected = true;
    if (g->quiet) vl_exit(g->c, 0);
    if (g->list || f->done_on_match || g->devnull) {
        f->stop = true;
        return;
    }
    if (!g->count && !f->quiet_out)
        selected_output(g, f, ls, le, g->lineno ? line_number(g, f, ls) : 0);
    if (g->max_count >= 0 && f->nsel >= g->max_count) {
        f->maxed = true;
        if (f->pending <= 0 || g->count || f->quiet_out) f->stop = true;
    }
}

/* lines [a, b): -v's selected lines (selected), or lines not selected, which may be trailing
 * context (after -m is reached, every line is) */
static void other_lines(grep *g, gfile *f, size_t a, size_t b, bool selected)
{
    const char *buf = g->buf;
    bool quiet = g->count || g->list || f->quiet_out;
    while (a < b && !f->stop) {
        bool sel = selected && !f->maxed;
        if (!sel && (f->pending <= 0 || quiet)) {
            if (f->maxed) f->stop = true;
            return;
        }
        const char *e = memchr(buf + a, g->eol, b - a);
        size_t le = e ? (size_t)(e - buf) : b;
        if (sel) {
            selected_line(g, f, a, le);
        } else {
            context_line(g, f, a, le, g->lineno ? line_number(g, f, a) : 0);
            if (--f->pending == 0 && f->maxed) f->stop = true;
        }
        a = le + 1;
    }
}

/* search the complete lines in buf[pos..end) */
static void scan(grep *g, gfile *f, size_t end)
{
    while (f->pos < end && !f->stop) {
        if (f->maxed) {
            other_lines(g, f, f->pos, end, false);
            f->pos = end;
            break;
        }
        vl_re_span m;
        int rc = vl_re_search(g->re, g->buf, end, f->pos, VL_RE_ANY, &m, 1);
        if (rc < 0) re_fail(g, f, rc);
        if (rc == 0) {
            other_lines(g, f, f->pos, end, g->invert);
            f->pos = end;
            break;
        }
        size_t so = (size_t)m.so;
        const char *b = so > f->pos ? memrchr(g->buf + f->pos, g->eol, so - f->pos) : NULL;
        size_t ls = b ? (size_t)(b - g->buf) + 1 : f->pos;
        const char *e = memchr(g->buf + so, g->eol, end - so);
        size_t le = e ? (size_t)(e - g->buf) : end;
        size_t next = e ? le + 1 : end;
        other_lines(g, f, f->pos, ls, g->invert);
        if (!f->stop) {
            if (g->invert || f->maxed) other_lines(g, f, ls, next, false);
            else selected_line(g, f, ls, le);
        }
        f->pos = next;
    }
}

/* Make room and read the next chunk after buf[len]: bytes read, 0 at the end, or an error. */
static ssize_t fill(grep *g, gfile *f)
{
    vl_ctx *c = g->c;
    /* keep the partial line, and the lines leading context may still need */
    size_t keep = f->pos;
    if (g->before > 0 && !g->count && !g->list) {
        size_t lo = f->last_out > f->off ? (size_t)(f->last_out - f->off) : 0;
        for (int64_t k = 0; k < g->before && keep > lo; k++) {
            size_t q = keep - 1;
            while (q > lo && g->buf[q - 1] != (char)g->eol) q--;
            keep = q;
        }
    }
    if (keep > 0) {
        if (g->lineno) line_number(g, f, keep);
        memmove(g->buf, g->buf + keep, f->len - keep);
        f->len -= keep;
        f->pos -= keep;
        f->lnpos = f->lnpos >= keep ? f->lnpos - keep : 0;
        f->off += (int64_t)keep;
    }
    if (g->cap - f->len < CHUNK) {
        size_t cap = g->cap ? g->cap : CHUNK;
        while (cap - f->len < CHUNK) cap *= 2;
        g->buf = vl_xrealloc(c, g->buf, cap);
        g->cap = cap;
    }
    size_t got = 0;
    while (got < CHUNK && !f->eof) {
        ssize_t r = vk_read(c->p, f->fd, g->buf + f->len + got, CHUNK - got);
        if (r == VOS_EINTR) continue;
        if (r < 0) {
            int w = vk_dying(c->p);
            if (w) vl_exit(c, VK_WSHELL(w));
            if (got) break;
            return r;
        }
        if (r == 0) {
            f->eof = f->is_reg; /* (a pipe or terminal may have more later: ask again) */
            break;
        }
        got += (size_t)r;
        if (!f->is_reg) break;
    }
    char *nw = g->buf + f->len;
    if (got && f->nsel_binary < 0 && g->binary != BIN_TEXT && g->eol == '\n' &&
        memchr(nw, 0, got)) {
        if (g->binary == BIN_WITHOUT) return -1000; /* the file does not count */
        f->nsel_binary = f->nsel;
        if (!g->count) f->done_on_match = f->quiet_out = true;
    }
    if (f->nsel_binary >= 0 && got) /* binary: NULs end lines */
        for (char *q = memchr(nw, 0, got); q; q = memchr(q + 1, 0, got - (size_t)(q + 1 - nw)))
            *q = '\n';
    return (ssize_t)got;
}

static const char *stdin_name(grep *g)
{
    return g->label ? g->label : "(standard input)";
}

/* Search an open file. */
static void grep_fd(grep *g, int fd, const char *name, const struct vk_stat *st)
{
    vl_ctx *c = g->c;
    gfile f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.fd = fd;
    f.is_reg = VK_S_ISREG(st->mode);
    f.lineno = 1;
    f.last_out = -1;
    f.nsel_binary = -1;
    if (g->tab) {
        uint64_t n = f.is_reg ? st->size : (uint64_t)INT64_MAX;
        if (g->lineno && n < (uint64_t)INT64_MAX) n++;
        f.width = digits(n);
    }
    bool skip = false;
    for (;;) {
        if (g->max_count == 0) break; /* (-l/-L -m0: no line can be selected) */
        ssize_t r = fill(g, &f);
        if (r == -1000) {
            skip = true;
            break;
        }
        if (r < 0) {
            if (!g->no_messages) vl_eprintf(c, "%s: %s: %s\n", c->name, name, vl_strerror((int)r));
            g->error = true;
            break;
        }
        if (r == 0) {
            if (f.pos < f.len) scan(g, &f, f.len);
            break;
        }
        f.len += (size_t)r;
        const char *last = memrchr(g->buf + f.pos, g->eol, f.len - f.pos);
        if (last) scan(g, &f, (size_t)(last - g->buf) + 1);
        if (f.stop) break;
    }
    if (skip) f.nsel = 0;
    if (g->count) {
        if (g->with_name > 0) {
            vl_puts(c, name);
            vl_putc(c, g->nul ? '\0' : ':');
        }
        vl_printf(c, "%lld\n", (long long)f.nsel);
        line_done(g);
    }
    if ((g->list == 'l' && f.nsel > 0) || (g->list == 'L' && f.nsel == 0)) {
        vl_puts(c, name);
        vl_putc(c, g->nul ? '\0' : '\n');
        line_done(g);
    }
    if (f.nsel_binary >= 0 && f.nsel > f.nsel_binary && !g->count && !g->list && !g->devnull)
        vl_eprintf(c, "%s: %s: binary file matches\n", c->name, name);
}

static bool is_device(uint32_t mode)
{
    uint32_t t = mode & VK_S_IFMT;
    return t == VK_S_IFCHR || t == VK_S_IFBLK || t == VK_S_IFIFO || t == VK_S_IFSOCK;
}

static void file_error(grep *g, const char *name, int err)
{
    if (!g->no_messages) vl_eprintf(g->c, "%s: %s: %s\n", g->c->name, name, vl_strerror(err));
    g->error = true;
}

/* Open and search a file that is not a directory (opened as open, shown as path). known: its
 * status when the caller has it (a regular file found in a directory needs none unless -T or
 * the input-is-output check asks for it). */
static void grep_path(grep *g, const char *path, const char *open, const struct vk_stat *known)
{
    vl_ctx *c = g->c;
    int fd = vk_open(c->p, open, VK_O_RDONLY, 0);
    if (fd < 0) {
        int w = vk_dying(c->p);
        if (w) vl_exit(c, VK_WSHELL(w));
        file_error(g, path, fd);
        return;
    }
    struct vk_stat st;
    if (known && !g->tab && !g->out_reg) st = *known;
    else if (vk_fstat(c->p, fd, &st) < 0) memset(&st, 0, sizeof st);
    if (!g->count && !g->list && !g->quiet && (g->max_count < 0 || g->max_count > 1) &&
        VK_S_ISREG(st.mode) && g->out_reg && st.dev == g->out_dev && st.ino == g->out_ino) {
        if (!g->no_messages)
            vl_eprintf(c, "%s: %s: input file is also the output\n", c->name, path);
        g->error = true;
    } else {
        grep_fd(g, fd, path, &st);
    }
    vk_close(c->p, fd);
}

/* ---- recursion, in the order the directory gives its entries (as GNU's fts does) ---- */
typedef struct dent {
    char *name;
    unsigned type;
    uint64_t ino;
} dent;

static int cmp_ino(const void *x, const void *y)
{
    const dent *a = x, *b = y;
    return a->ino < b->ino ? -1 : a->ino > b->ino;
}

typedef struct dframe {
    char *path; /* as shown */
    char *abs;  /* the working directory while in it (when walking by chdir) */
    dent *ents;
    size_t n, i;
    uint64_t dev, ino;
} dframe;

static int read_dir(grep *g, const char *path, dframe *fr)
{
    vl_ctx *c = g->c;
    int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    struct vk_stat st;
    if (vk_fstat(c->p, fd, &st) == 0) {
        fr->dev = st.dev;
        fr->ino = st.ino;
    }
    size_t cap = 0;
    vk_dirent de;
    int rc;
    while ((rc = vk_readdir(c->p, fd, &de)) > 0) {
        if (fr->n == cap) {
            cap = cap ? cap * 2 : 16;
            fr->ents = vl_xrealloc(c, fr->ents, cap * sizeof *fr->ents);
        }
        fr->ents[fr->n].name = vl_xstrdup(c, de.name);
        fr->ents[fr->n].ino = de.ino;
        fr->ents[fr->n++].type = de.type;
    }
    vk_close(c->p, fd);
    /* GNU's fts visits a directory of more than 10,000 entries in inode order */
    if (fr->n > 10000) qsort(fr->ents, fr->n, sizeof *fr->ents, cmp_ino);
    return rc;
}

static char *child_path(grep *g, const char *dir, const char *name, bool top_dot)
{
    if (top_dot) return vl_xstrdup(g->c, name);
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    char *p = vl_xmalloc(g->c, dl + nl + 2);
    memcpy(p, dir, dl);
    if (!slash) p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

/* The walk changes into each directory it reads, so the kernel resolves one name per file
 * rather than the whole path (GNU's fts does the same with directory fds); when a directory
 * cannot be entered that way, whole paths are used. */
static void grep_tree(grep *g, const char *root)
{
    vl_ctx *c = g->c;
    size_t cap = 16, depth = 0;
    dframe *st = vl_xcalloc(c, cap, sizeof *st);
    char *orig = vl_xstrdup(c, vk_getcwd(c->p));
    bool cd = vk_chdir(c->p, root) == 0;
    st[0].path = vl_xstrdup(c, root);
    if (cd) st[0].abs = vl_xstrdup(c, vk_getcwd(c->p));
    int rc = read_dir(g, cd ? "." : root, &st[0]);
    if (rc < 0) file_error(g, root, rc);
    depth = 1;
    while (depth > 0) {
        dframe *fr = &st[depth - 1];
        if (fr->i >= fr->n) {
            for (size_t i = 0; i < fr->n; i++) vl_xfree(c, fr->ents[i].name);
            vl_xfree(c, fr->ents);
            vl_xfree(c, fr->path);
            vl_xfree(c, fr->abs);
            memset(fr, 0, sizeof *fr);
            depth--;
            if (cd && depth > 0 && vk_chdir(c->p, st[depth - 1].abs) < 0) {
                int w = vk_dying(c->p);
                vl_exit(c, w ? VK_WSHELL(w) : 2);
            }
            continue;
        }
        dent *e = &fr->ents[fr->i++];
        bool top_dot = depth == 1 && g->omit_dot_slash;
        char *path = child_path(g, fr->path, e->name, top_dot);
        const char *open = cd ? e->name : path;
        unsigned type = e->type;
        /* the directory's own type is enough (GNU's fts runs with FTS_NOSTAT too); a link is
         * followed with -R only */
        if (type == VK_DT_UNKNOWN || (type == VK_DT_LNK && g->deref)) {
            struct vk_stat sb;
            int r = g->deref ? vk_stat(c->p, open, &sb) : vk_lstat(c->p, open, &sb);
            if (r < 0) {
                int w = vk_dying(c->p);
                if (w) vl_exit(c, VK_WSHELL(w));
                file_error(g, path, r);
                vl_xfree(c, path);
                continue;
            }
            type = VK_S_ISDIR(sb.mode) ? VK_DT_DIR : VK_S_ISREG(sb.mode) ? VK_DT_REG
                   : VK_S_ISLNK(sb.mode) ? VK_DT_LNK : VK_DT_CHR;
        }
        if (type == VK_DT_LNK) { /* -r: links met while recursing are not followed */
            vl_xfree(c, path);
            continue;
        }
        if (type == VK_DT_DIR) {
            if (excluded(g->exdir, g->nexdir, e->name, true)) {
                vl_xfree(c, path);
                continue;
            }
            if (depth == cap) {
                st = vl_xrealloc(c, st, cap * 2 * sizeof *st);
                memset(st + cap, 0, cap * sizeof *st);
                cap *= 2;
            }
            dframe *nf = &st[depth];
            memset(nf, 0, sizeof *nf);
            nf->path = path;
            if (cd) {
                rc = vk_chdir(c->p, e->name);
                if (rc == 0) {
                    nf->abs = vl_xstrdup(c, vk_getcwd(c->p));
                    rc = read_dir(g, ".", nf);
                }
            } else {
                rc = read_dir(g, path, nf);
            }
            if (rc < 0) {
                int w = vk_dying(c->p);
                if (w) vl_exit(c, VK_WSHELL(w));
                file_error(g, path, rc);
                if (cd && nf->abs && vk_chdir(c->p, fr->abs) < 0) vl_exit(c, 2);
                vl_xfree(c, nf->abs);
                vl_xfree(c, path);
                memset(nf, 0, sizeof *nf);
                continue;
            }
            /* a directory that is its own ancestor (only through links, with -R) */
            bool loop = false;
            for (size_t i = 0; i < depth && g->deref; i++)
                if (st[i].dev == nf->dev && st[i].ino == nf->ino) loop = true;
            if (loop) {
                if (!g->no_messages)
                    vl_eprintf(c, "%s: %s: warning: recursive directory loop\n", c->name, path);
                nf->n = 0;
            }
            depth++;
            continue;
        }
        if (excluded(g->ex, g->nex, e->name, true) || (type != VK_DT_REG && g->devs != DEVS_READ)) {
            vl_xfree(c, path);
            continue;
        }
        struct vk_stat reg;
        memset(&reg, 0, sizeof reg);
        reg.mode = VK_S_IFREG;
        grep_path(g, path, open, type == VK_DT_REG ? &reg : NULL);
        vl_xfree(c, path);
    }
    vl_xfree(c, st);
    if (cd && vk_chdir(c->p, orig) < 0) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 2);
    }
    vl_xfree(c, orig);
}

/* a command-line operand */
static void grep_operand(grep *g, const char *arg)
{
    vl_ctx *c = g->c;
    struct vk_stat st;
    if (strcmp(arg, "-") == 0) {
        if (vk_fstat(c->p, 0, &st) < 0) memset(&st, 0, sizeof st);
        if (g->with_name < 0) g->with_name = 0;
        grep_fd(g, 0, stdin_name(g), &st);
        return;
    }
    int r = vk_stat(c->p, arg, &st);
    if (r < 0) {
        int w = vk_dying(c->p);
        if (w) vl_exit(c, VK_WSHELL(w));
        file_error(g, arg, r);
        return;
    }
    bool dir = VK_S_ISDIR(st.mode);
    if (g->with_name < 0) g->with_name = dir;
    if (g->devs == DEVS_SKIP && is_device(st.mode)) return;
    if (dir) {
        if (g->dirs == DIRS_SKIP) return;
        if (!g->omit_dot_slash && excluded(g->exdir, g->nexdir, arg, false)) return;
        if (g->dirs == DIRS_RECURSE) {
            grep_tree(g, arg);
            return;
        }
        file_error(g, arg, VOS_EISDIR);
        return;
    }
    if (excluded(g->ex, g->nex, arg, false)) return;
    grep_path(g, arg, arg, NULL);
}

/* ---- options ---- */
static const vl_opt grep_opts[] = {
    {'E', "extended-regexp", VL_NOARG, NULL, "PATTERNS are extended regular expressions"},
    {'F', "fixed-strings", VL_NOARG, NULL, "PATTERNS are strings"},
    {'G', "basic-regexp", VL_NOARG, NULL, "PATTERNS are basic regular expressions"},
    {'P', "perl-regexp", VL_NOARG, NULL, "PATTERNS are Perl regular expressions"},
    {'e', "regexp", VL_ARG, "PATTERNS", "use PATTERNS for matching"},
    {'f', "file", VL_ARG, "FILE", "take PATTERNS from FILE"},
    {'i', "ignore-case", VL_NOARG, NULL, "ignore case distinctions in patterns and data"},
    {'y', NULL, VL_NOARG, NULL, NULL},
    {OPT_NO_ICASE, "no-ignore-case", VL_NOARG, NULL, "do not ignore case distinctions (default)"},
    {'w', "word-regexp", VL_NOARG, NULL, "match only whole words"},
    {'x', "line-regexp", VL_NOARG, NULL, "match only whole lines"},
    {'z', "null-data", VL_NOARG, NULL, "a data line ends in 0 byte, not newline"},
    {'s', "no-messages", VL_NOARG, NULL, "suppress error messages"},
    {'v', "invert-match", VL_NOARG, NULL, "select non-matching lines"},
    {'V', NULL, VL_NOARG, NULL, "display version information and exit"},
    {'m', "max-count", VL_ARG, "NUM", "stop after NUM selected lines"},
    {'b', "byte-offset", VL_NOARG, NULL, "print the byte offset with output lines"},
    {'n', "line-number", VL_NOARG, NULL, "print line number with output lines"},
    {OPT_LINE_BUFFERED, "line-buffered", VL_NOARG, NULL, "flush output on every line"},
    {'H', "with-filename", VL_NOARG, NULL, "print file name with output lines"},
    {'h', "no-filename", VL_NOARG, NULL, "suppress the file name prefix on output"},
    {OPT_LABEL, "label", VL_ARG, "LABEL", "use LABEL as the standard input file name prefix"},
    {'o', "only-matching", VL_NOARG, NULL, "show only nonempty parts of lines that match"},
    {'q', "quiet", VL_NOARG, NULL, "suppress all normal output"},
    {'q', "silent", VL_NOARG, NULL, NULL},
    {OPT_BINARY_FILES, "binary-files", VL_ARG, "TYPE",
     "assume that binary files are TYPE;\nTYPE is 'binary', 'text', or 'without-match'"},
    {'a', "text", VL_NOARG, NULL, "equivalent to --binary-files=text"},
    {'I', NULL, VL_NOARG, NULL, "equivalent to --binary-files=without-match"},
    {'d', "directories", VL_ARG, "ACTION",
     "how to handle directories;\nACTION is 'read', 'recurse', or 'skip'"},
    {'D', "devices", VL_ARG, "ACTION",
     "how to handle devices, FIFOs and sockets;\nACTION is 'read' or 'skip'"},
    {'r', "recursive", VL_NOARG, NULL, "like --directories=recurse"},
    {'R', "dereference-recursive", VL_NOARG, NULL, "likewise, but follow all symlinks"},
    {OPT_INCLUDE, "include", VL_ARG, "GLOB", "search only files that match GLOB (a file pattern)"},
    {OPT_EXCLUDE, "exclude", VL_ARG, "GLOB", "skip files that match GLOB"},
    {OPT_EXCLUDE_FROM, "exclude-from", VL_ARG, "FILE",
     "skip files that match any file pattern from FILE"},
    {OPT_EXCLUDE_DIR, "exclude-dir", VL_ARG, "GLOB", "skip directories that match GLOB"},
    {'L', "files-without-match", VL_NOARG, NULL, "print only names of FILEs with no selected lines"},
    {'l', "files-with-matches", VL_NOARG, NULL, "print only names of FILEs with selected lines"},
    {'c', "count", VL_NOARG, NULL, "print only a count of selected lines per FILE"},
    {'T', "initial-tab", VL_NOARG, NULL, "make tabs line up (if needed)"},
    {'Z', "null", VL_NOARG, NULL, "print 0 byte after FILE name"},
    {'B', "before-context", VL_ARG, "NUM", "print NUM lines of leading context"},
    {'A', "after-context", VL_ARG, "NUM", "print NUM lines of trailing context"},
    {'C', "context", VL_ARG, "NUM", "print NUM lines of output context"},
    {OPT_GROUP_SEP, "group-separator", VL_ARG, "SEP",
     "print SEP on line between matches with context"},
    {OPT_NO_GROUP_SEP, "no-group-separator", VL_NOARG, NULL,
     "do not print separator for matches with context"},
    {OPT_COLOR, "color", VL_OPTARG, "WHEN",
     "use markers to highlight the matching strings;\nWHEN is 'never' or 'auto' (vos has no "
     "terminal: no colours)"},
    {OPT_COLOR, "colour", VL_OPTARG, "WHEN", NULL},
    {'U', "binary", VL_NOARG, NULL, "do not strip CR characters at EOL (MSDOS/Windows)"},
    {'F', "fixed-regexp", VL_NOARG, NULL, NULL},
    {'u', "unix-byte-offsets", VL_NOARG, NULL, NULL},
    {0}};

/* GNU grep's long options in its own order (getopt_long lists ambiguous matches in it). */
static const struct {
    const char *name;
    int id, arg;
} gnu_long[] = {
    {"basic-regexp", 'G', VL_NOARG},
    {"extended-regexp", 'E', VL_NOARG},
    {"fixed-regexp", 'F', VL_NOARG},
    {"fixed-strings", 'F', VL_NOARG},
    {"perl-regexp", 'P', VL_NOARG},
    {"after-context", 'A', VL_ARG},
    {"before-context", 'B', VL_ARG},
    {"binary-files", OPT_BINARY_FILES, VL_ARG},
    {"byte-offset", 'b', VL_NOARG},
    {"context", 'C', VL_ARG},
    {"color", OPT_COLOR, VL_OPTARG},
    {"colour", OPT_COLOR, VL_OPTARG},
    {"count", 'c', VL_NOARG},
    {"devices", 'D', VL_ARG},
    {"directories", 'd', VL_ARG},
    {"dereference-recursive", 'R', VL_NOARG},
    {"exclude", OPT_EXCLUDE, VL_ARG},
    {"exclude-from", OPT_EXCLUDE_FROM, VL_ARG},
    {"exclude-dir", OPT_EXCLUDE_DIR, VL_ARG},
    {"file", 'f', VL_ARG},
    {"files-with-matches", 'l', VL_NOARG},
    {"files-without-match", 'L', VL_NOARG},
    {"group-separator", OPT_GROUP_SEP, VL_ARG},
    {"help", 1, VL_NOARG},
    {"include", OPT_INCLUDE, VL_ARG},
    {"ignore-case", 'i', VL_NOARG},
    {"no-ignore-case", OPT_NO_ICASE, VL_NOARG},
    {"initial-tab", 'T', VL_NOARG},
    {"label", OPT_LABEL, VL_ARG},
    {"line-buffered", OPT_LINE_BUFFERED, VL_NOARG},
    {"line-number", 'n', VL_NOARG},
    {"line-regexp", 'x', VL_NOARG},
    {"max-count", 'm', VL_ARG},
    {"no-filename", 'h', VL_NOARG},
    {"no-group-separator", OPT_NO_GROUP_SEP, VL_NOARG},
    {"no-messages", 's', VL_NOARG},
    {"null", 'Z', VL_NOARG},
    {"null-data", 'z', VL_NOARG},
    {"only-matching", 'o', VL_NOARG},
    {"quiet", 'q', VL_NOARG},
    {"recursive", 'r', VL_NOARG},
    {"regexp", 'e', VL_ARG},
    {"invert-match", 'v', VL_NOARG},
    {"silent", 'q', VL_NOARG},
    {"text", 'a', VL_NOARG},
    {"binary", 'U', VL_NOARG},
    {"unix-byte-offsets", 'u', VL_NOARG},
    {"version", 'V', VL_NOARG},
    {"with-filename", 'H', VL_NOARG},
    {"word-regexp", 'w', VL_NOARG},
};
#define NGNU_LONG (sizeof gnu_long / sizeof gnu_long[0])

/* The options whose every occurrence counts (vl_getopt keeps the last one), in command-line
 * order. The scan follows getopt_long's rules over GNU's table, and reports a bad option the
 * way GNU grep does (with its usage line, which vl_getopt does not print); it also takes out
 * the -NUM context digits, which an option table cannot express. */
typedef struct occ {
    int id;
    const char *arg;
} occ;

_Noreturn static void usage_exit(vl_ctx *c)
{
    vl_eprintf(c, "Usage: %s %s\nTry '%s --help' for more information.\n", c->name,
               c->decl->usage, c->name);
    vl_exit(c, 2);
}

static int long_lookup(vl_ctx *c, const char *a, size_t n, int *arg)
{
    int found = -1;
    bool ambiguous = false;
    for (size_t k = 0; k < NGNU_LONG; k++) {
        if (strncmp(gnu_long[k].name, a, n) != 0) continue;
        if (strlen(gnu_long[k].name) == n) {
            *arg = gnu_long[k].arg;
            return (int)k;
        }
        if (found < 0) found = (int)k;
        else if (gnu_long[found].id != gnu_long[k].id || gnu_long[found].arg != gnu_long[k].arg)
            ambiguous = true;
    }
    if (ambiguous) {
        vl_buf b = {0};
        for (size_t k = 0; k < NGNU_LONG; k++)
            if (strncmp(gnu_long[k].name, a, n) == 0) vl_buf_printf(c, &b, " '--%s'", gnu_long[k].name);
        vl_eprintf(c, "%s: option '--%s' is ambiguous; possibilities:%s\n", c->name, a, b.data);
        usage_exit(c);
    }
    *arg = found >= 0 ? gnu_long[found].arg : 0;
    return found;
}

static int short_arg(int ch)
{
    for (const vl_opt *o = grep_opts; o->id; o++)
        if (o->id == ch) return o->arg;
    return -1;
}

static bool collected(int id)
{
    return id == 'e' || id == 'f' || id == 'C' || id == OPT_INCLUDE || id == OPT_EXCLUDE ||
           id == OPT_EXCLUDE_FROM || id == OPT_EXCLUDE_DIR;
}

static occ *prescan(vl_ctx *c, int *argc, char **argv, size_t *nocc)
{
    size_t cap = 1; /* at most one occurrence per argument or per letter of a bundle */
    for (int i = 1; i < *argc; i++) cap += strlen(argv[i]) + 1;
    occ *v = vl_xmalloc(c, cap * sizeof *v);
    size_t n = 0;
    int out = 1;
    bool opts_done = false;
    for (int i = 1; i < *argc; i++) {
        char *a = argv[i];
        if (opts_done || a[0] != '-' || !a[1]) {
            argv[out++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            opts_done = true;
            argv[out++] = a;
            continue;
        }
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            int arg = 0;
            int k = long_lookup(c, a + 2, nl, &arg);
            if (k < 0) {
                vl_eprintf(c, "%s: unrecognized option '%s'\n", c->name, a);
                usage_exit(c);
            }
            const char *name = gnu_long[k].name;
            argv[out++] = a;
            const char *val = NULL;
            if (arg == VL_NOARG && eq) {
                vl_eprintf(c, "%s: option '--%s' doesn't allow an argument\n", c->name, name);
                usage_exit(c);
            }
            if (arg == VL_ARG) {
                if (eq) val = eq + 1;
                else if (i + 1 < *argc) val = argv[out++] = argv[++i];
                else {
                    vl_eprintf(c, "%s: option '--%s' requires an argument\n", c->name, name);
                    usage_exit(c);
                }
            }
            if (gnu_long[k].id == 'u') vl_eprintf(c, "%s: warning: --unix-byte-offsets (-u) is obsolete\n", c->name);
            if (val && collected(gnu_long[k].id)) {
                v[n].id = gnu_long[k].id;
                v[n++].arg = val;
            }
            continue;
        }
        /* a bundle of short options; digits are -NUM context (edited in a copy: the strings
         * belong to the caller) */
        a = vl_xstrdup(c, a);
        char *w = a + 1, *d = a + 1;
        const char *val = NULL;
        int valid = 0;
        for (; *w; w++) {
            if (*w >= '0' && *w <= '9') { /* -NUM: as -C NUM (a run of digits is one number) */
                while (*w == '0' && w[1] >= '0' && w[1] <= '9') w++; /* GNU drops leading zeros */
                size_t k = 1;
                while (w[k] >= '0' && w[k] <= '9') k++;
                if (k > 21) { /* GNU keeps 21 digits and complains about them */
                    vl_eprintf(c, "%s: %.21s...: invalid context length argument\n", c->name, w);
                    vl_exit(c, 2);
                }
                char *num = vl_xmalloc(c, k + 1);
                memcpy(num, w, k);
                num[k] = 0;
                v[n].id = 'C';
                v[n++].arg = num;
                w += k - 1;
                continue;
            }
            int sa = short_arg((unsigned char)*w);
            if (sa < 0) {
                vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, *w);
                usage_exit(c);
            }
            if (*w == 'u') vl_eprintf(c, "%s: warning: --unix-byte-offsets (-u) is obsolete\n", c->name);
            *d++ = *w;
            if (sa == VL_ARG) {
                valid = (unsigned char)*w;
                if (w[1]) {
                    size_t rest = strlen(w + 1);
                    memmove(d, w + 1, rest + 1);
                    val = d;
                    d += rest;
                } else if (i + 1 < *argc) {
                    *d = 0;
                    argv[out++] = a;
                    val = argv[out++] = argv[++i];
                    a = NULL;
                } else {
                    vl_eprintf(c, "%s: option requires an argument -- '%c'\n", c->name, *w);
                    usage_exit(c);
                }
                break;
            }
        }
        if (a) {
            *d = 0;
            if (a[1]) argv[out++] = a; /* only digits: nothing left for vl_getopt */
        }
        if (val && collected(valid)) {
            v[n].id = valid;
            v[n++].arg = val;
        }
    }
    argv[out] = NULL;
    *argc = out;
    *nocc = n;
    return v;
}

static void add_pattern_file(grep *g, vl_buf *pats, const char *file)
{
    vl_ctx *c = g->c;
    vl_in *in = strcmp(file, "-") == 0 ? vl_in_fd(c, 0, "-") : NULL;
    int err = 0;
    if (!in) in = vl_in_open_quiet(c, file, &err);
    if (!in) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, file, vl_strerror(err));
        vl_exit(c, 2);
    }
    size_t start = pats->len;
    char tmp[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, tmp, sizeof tmp)) > 0) vl_buf_add(c, pats, tmp, (size_t)r);
    if (r < 0) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, file, vl_strerror((int)r));
        vl_exit(c, 2);
    }
    if (strcmp(file, "-") != 0) vl_in_close(c, in);
    if (pats->len > start && pats->data[pats->len - 1] != '\n') vl_buf_addc(c, pats, '\n');
}

static void add_exclude_file(grep *g, const char *file)
{
    vl_ctx *c = g->c;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, file, &err);
    if (!in) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, file, vl_strerror(err));
        vl_exit(c, 2);
    }
    char *line;
    ssize_t n;
    while ((n = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        size_t l = (size_t)n;
        if (line[l - 1] == '\n') l--;
        char *p = vl_xmalloc(c, l + 1);
        memcpy(p, line, l);
        p[l] = 0;
        add_xpat(g, false, p, false);
    }
    vl_in_close(c, in);
}

/* grep's dfa warns only once the patterns compiled: keep the warnings until then */
typedef struct warns {
    vl_ctx *c;
    vl_buf b;
} warns;

static void warn_cb(void *ud, const char *msg)
{
    warns *w = ud;
    vl_buf_printf(w->c, &w->b, "%s: warning: %s\n", w->c->name, msg);
}

static int grep_run(vl_ctx *c, grep *g, int argc, char **argv);
static void free_re(void *arg);

static int grep_main(vl_ctx *c, int argc, char **argv)
{
    grep *g = vl_xcalloc(c, 1, sizeof *g);
    g->c = c;
    /* Debian's egrep and fgrep run "grep -E" / "grep -F" */
    const char *forced = NULL;
    if (strcmp(c->decl->name, "egrep") == 0) forced = "-E";
    if (strcmp(c->decl->name, "fgrep") == 0) forced = "-F";
    if (forced) {
        c->name = "grep";
        char **nv = vl_xmalloc(c, ((size_t)argc + 2) * sizeof *nv);
        nv[0] = argv[0];
        nv[1] = (char *)forced;
        memcpy(nv + 2, argv + 1, (size_t)argc * sizeof *nv);
        argv = nv;
        argc++;
    }
    g->argc = argc;
    g->argv = argv;
    /* the compiled pattern holds memory outside the process arena (PCRE2's JIT code): free it
     * on every way out, including vl_exit's jump */
    vl_defer(c, free_re, g);
    return grep_run(c, g, g->argc, g->argv);
}

static void free_re(void *arg)
{
    grep *g = arg;
    vl_re_free(g->re);
    g->re = NULL;
}

static int grep_run(vl_ctx *c, grep *g, int argc, char **argv)
{
    size_t nocc;
    occ *occs = prescan(c, &argc, argv, &nocc);
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'V')) {
        vl_version(c);
        return 0;
    }
    /* the matcher */
    int syntax = VL_RE_BRE, matcher = 0;
    {
        static const int ms[] = {'G', 'E', 'F', 'P'};
        int last = 0;
        for (int k = 0; k < 4; k++) {
            if (!vl_has(c, ms[k])) continue;
            if (matcher && matcher != ms[k]) {
                vl_eprintf(c, "%s: conflicting matchers specified\n", c->name);
                vl_exit(c, 2);
            }
            if (vl_last(c, ms[k]) > last) matcher = ms[k], last = vl_last(c, ms[k]);
        }
    }
    if (matcher == 'E') syntax = VL_RE_ERE;
    else if (matcher == 'F') syntax = VL_RE_FIXED;
    else if (matcher == 'P') syntax = VL_RE_PCRE;

    g->invert = vl_has(c, 'v');
    g->count = vl_has(c, 'c');
    g->only = vl_has(c, 'o');
    g->quiet = vl_has(c, 'q');
    g->lineno = vl_has(c, 'n');
    g->byteoff = vl_has(c, 'b');
    g->tab = vl_has(c, 'T');
    g->nul = vl_has(c, 'Z');
    g->line_buffered = vl_has(c, OPT_LINE_BUFFERED);
    g->no_messages = vl_has(c, 's');
    g->label = vl_arg(c, OPT_LABEL);
    g->eol = vl_has(c, 'z') ? 0 : '\n';
    if (vl_has(c, 'l') || vl_has(c, 'L')) g->list = vl_last(c, 'l') > vl_last(c, 'L') ? 'l' : 'L';
    if (g->list) g->count = false;
    g->with_name = -2;
    if (vl_has(c, 'H') || vl_has(c, 'h')) g->with_name = vl_last(c, 'H') > vl_last(c, 'h');
    g->max_count = -1;
    if (vl_has(c, 'm')) {
        int64_t v;
        if (parse_num(vl_arg(c, 'm'), &v) < 0) {
            vl_eprintf(c, "%s: invalid max count\n", c->name);
            vl_exit(c, 2);
        }
        g->max_count = v < 0 ? -1 : v;
    }
    int64_t ctx = -1; /* -C and -NUM: the last one counts */
    for (size_t i = 0; i < nocc; i++)
        if (occs[i].id == 'C') ctx = context_arg(c, occs[i].arg);
    g->before = g->after = -1;
    if (vl_has(c, 'A')) g->after = context_arg(c, vl_arg(c, 'A'));
    if (vl_has(c, 'B')) g->before = context_arg(c, vl_arg(c, 'B'));
    if (g->after < 0) g->after = ctx;
    if (g->before < 0) g->before = ctx;
    g->context = g->after >= 0 || g->before >= 0;
    if (g->after < 0) g->after = 0;
    if (g->before < 0) g->before = 0;
    g->group_sep = "--";
    if (vl_has(c, OPT_GROUP_SEP) || vl_has(c, OPT_NO_GROUP_SEP))
        g->group_sep = vl_last(c, OPT_GROUP_SEP) > vl_last(c, OPT_NO_GROUP_SEP)
                           ? vl_arg(c, OPT_GROUP_SEP) : NULL;
    if (vl_has(c, OPT_COLOR)) {
        const char *w = vl_arg(c, OPT_COLOR);
        if (w && (!strcmp(w, "always") || !strcmp(w, "yes") || !strcmp(w, "force"))) {
            vl_eprintf(c, "%s: colored output is not supported in vos; use --color=never\n", c->name);
            vl_exit(c, 2);
        }
        if (w && strcmp(w, "never") && strcmp(w, "no") && strcmp(w, "none") && strcmp(w, "auto") &&
            strcmp(w, "tty") && strcmp(w, "if-tty")) {
            vl_help(c); /* GNU shows the help for a bad WHEN */
            return 0;
        }
    }
    g->binary = BIN_BINARY;
    if (vl_has(c, OPT_BINARY_FILES)) {
        const char *t = vl_arg(c, OPT_BINARY_FILES);
        if (strcmp(t, "binary") == 0) g->binary = BIN_BINARY;
        else if (strcmp(t, "text") == 0) g->binary = BIN_TEXT;
        else if (strcmp(t, "without-match") == 0) g->binary = BIN_WITHOUT;
        else {
            vl_eprintf(c, "%s: unknown binary-files type\n", c->name);
            vl_exit(c, 2);
        }
    }
    {
        int la = vl_last(c, 'a'), li = vl_last(c, 'I'), lb = vl_last(c, OPT_BINARY_FILES);
        if (la > li && la > lb) g->binary = BIN_TEXT;
        if (li > la && li > lb) g->binary = BIN_WITHOUT;
    }
    g->dirs = DIRS_READ;
    {
        int ld = vl_last(c, 'd'), lr = vl_last(c, 'r') > vl_last(c, 'R') ? vl_last(c, 'r') : vl_last(c, 'R');
        if (ld > 0) {
            const char *a = vl_arg(c, 'd');
            static const char *const acts[] = {"read", "recurse", "skip"};
            int found = -1, nmatch = 0;
            for (int k = 0; k < 3; k++) {
                if (strcmp(a, acts[k]) == 0) {
                    found = k;
                    nmatch = 1;
                    break;
                }
                if (*a && strncmp(a, acts[k], strlen(a)) == 0) found = k, nmatch++;
            }
            if (nmatch != 1) {
                vl_eprintf(c, "%s: %s argument '%s' for '--directories'\nValid arguments are:\n"
                              "  - 'read'\n  - 'recurse'\n  - 'skip'\n",
                           c->name, nmatch ? "ambiguous" : "invalid", a);
                vl_eprintf(c, "Usage: %s %s\nTry '%s --help' for more information.\n", c->name,
                           c->decl->usage, c->name);
                vl_exit(c, 1); /* argmatch's usage (EXIT_FAILURE) */
            }
            if (ld > lr) g->dirs = found == 0 ? DIRS_READ : found == 1 ? DIRS_RECURSE : DIRS_SKIP;
        }
        if (lr > ld) g->dirs = DIRS_RECURSE;
    }
    g->deref = vl_has(c, 'R') && vl_last(c, 'R') >= vl_last(c, 'r');
    g->devs = DEVS_READ_CMDLINE;
    if (vl_has(c, 'D')) {
        const char *a = vl_arg(c, 'D');
        if (strcmp(a, "read") == 0) g->devs = DEVS_READ;
        else if (strcmp(a, "skip") == 0) g->devs = DEVS_SKIP;
        else {
            vl_eprintf(c, "%s: unknown devices method\n", c->name);
            vl_exit(c, 2);
        }
    }
    /* patterns, include/exclude lists, in command-line order */
    vl_buf pats = {0};
    bool have_pats = false;
    for (size_t i = 0; i < nocc; i++) {
        switch (occs[i].id) {
        case 'e':
            vl_buf_adds(c, &pats, occs[i].arg);
            vl_buf_addc(c, &pats, '\n');
            have_pats = true;
            break;
        case 'f':
            add_pattern_file(g, &pats, occs[i].arg);
            have_pats = true;
            break;
        case OPT_INCLUDE: add_xpat(g, false, occs[i].arg, true); break;
        case OPT_EXCLUDE: add_xpat(g, false, occs[i].arg, false); break;
        case OPT_EXCLUDE_FROM: add_exclude_file(g, occs[i].arg); break;
        case OPT_EXCLUDE_DIR: add_xpat(g, true, occs[i].arg, false); break;
        }
    }
    int first = 1;
    if (!have_pats) {
        if (n < 1) {
            vl_eprintf(c, "Usage: %s %s\nTry '%s --help' for more information.\n", c->name,
                       c->decl->usage, c->name);
            vl_exit(c, 2);
        }
        vl_buf_adds(c, &pats, argv[1]);
        vl_buf_addc(c, &pats, '\n');
        first = 2;
    }
    int flags = VL_RE_LIST | VL_RE_GREP | VL_RE_RECORDS;
    if (g->eol == 0) flags |= VL_RE_ZERO;
    bool icase = vl_has(c, 'i') || vl_has(c, 'y');
    if (icase && vl_has(c, OPT_NO_ICASE)) {
        int li = vl_last(c, 'i') > vl_last(c, 'y') ? vl_last(c, 'i') : vl_last(c, 'y');
        icase = li > vl_last(c, OPT_NO_ICASE);
    }
    if (icase) flags |= VL_RE_ICASE;
    if (vl_has(c, 'x')) flags |= VL_RE_LINE;
    else if (vl_has(c, 'w')) flags |= VL_RE_WORD;
    if (g->max_count == 0 && !g->list) return 1;
    vl_re_diag diag;
    memset(&diag, 0, sizeof diag);
    warns wb = {c, {0}};
    diag.warn = warn_cb;
    diag.warn_ud = &wb;
    int rc = vl_re_compile(c->p, pats.data ? pats.data : "", pats.len, syntax, flags, &g->re, &diag);
    if (rc == 0 && wb.b.len) vl_eprintf(c, "%s", wb.b.data);
    if (rc < 0) {
        if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) {
            vl_eprintf(c, "%s: %s\n", c->name, diag.msg);
            vl_exit(c, 2);
        }
        int w = vk_dying(c->p);
        vl_eprintf(c, "%s: %s\n", c->name, vl_strerror(rc));
        vl_exit(c, w ? VK_WSHELL(w) : 2);
    }
    vl_buf_free(c, &pats);
    /* stdout's identity: a regular file may be an input too; /dev/null needs no output at all
     * (GNU then stops each file at its first match, as -q would, but goes on to the next) */
    struct vk_stat ost, nst;
    if (!g->quiet && vk_fstat(c->p, 1, &ost) == 0) {
        if (VK_S_ISREG(ost.mode)) {
            g->out_reg = true;
            g->out_dev = ost.dev;
            g->out_ino = ost.ino;
        } else if (VK_S_ISCHR(ost.mode) && vk_stat(c->p, "/dev/null", &nst) == 0 &&
                   nst.dev == ost.dev && nst.ino == ost.ino) {
            g->devnull = true;
            g->list = 0;
            g->count = false;
            g->before = g->after = 0;
        }
    }
    int nfiles = n - (first - 1);
    if (g->with_name == -2) g->with_name = nfiles > 1 ? 1 : g->dirs == DIRS_RECURSE ? -1 : 0;
    if (nfiles == 0) {
        if (g->dirs == DIRS_RECURSE) {
            g->omit_dot_slash = true;
            grep_operand(g, ".");
        } else {
            grep_operand(g, "-");
        }
    } else {
        for (int i = first; i <= n; i++) grep_operand(g, argv[i]);
    }
    vl_flush(c);
    if (g->error && !(g->quiet && g->any_selected)) return 2;
    return g->any_selected ? 0 : 1;
}

VL_COMMAND(grep, grep_main, grep_opts, "[OPTION]... PATTERNS [FILE]...",
           "Search for PATTERNS in each FILE.\n"
           "Example: grep -i 'hello world' menu.h main.c\n"
           "PATTERNS can contain multiple patterns separated by newlines.\n\n"
           "When FILE is '-', read standard input.  With no FILE, read '.' if\n"
           "recursive, '-' otherwise.  With fewer than two FILEs, assume -h.\n"
           "Exit status is 0 if any line is selected, 1 otherwise;\n"
           "if any error occurs and -q is not given, the exit status is 2.",
           0, 2);
VL_COMMAND_NAMED(egrep, "egrep", grep_main, grep_opts, "[OPTION]... PATTERNS [FILE]...",
                 "Search for PATTERNS in each FILE (as grep -E).", 0, 2);
VL_COMMAND_NAMED(fgrep, "fgrep", grep_main, grep_opts, "[OPTION]... PATTERNS [FILE]...",
                 "Search for PATTERNS in each FILE (as grep -F).", 0, 2);
