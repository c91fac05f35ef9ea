/* tac: each file's records in reverse order. A record ends with the separator (-s, newline by
 * default; with -b it starts with it; with -r the separator is a regular expression in Emacs
 * syntax, as GNU tac compiles it). A regular file with a fixed separator is read backwards in
 * blocks, so only the record being printed is held; other inputs (pipes) and -r are held whole
 * in memory, which the VM's memory limit bounds. */
#include "lib/cmd.h"
#include "lib/regex.h"

#include <string.h>

enum { BLOCK = 1 << 18 };

typedef struct tac_opts {
    bool before, regex;
    const char *sep;
    size_t seplen;
    vl_re *re;
} tac_opts;

static void tick(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

/* The start of the rightmost occurrence of the fixed separator lying wholly in d[0..lim), or
 * -1. */
static ptrdiff_t rfind(const tac_opts *o, const char *d, size_t lim)
{
    size_t L = o->seplen;
    if (L == 0 || lim < L) return -1; /* GNU copies the input as it is for an empty one */
    char last = o->sep[L - 1];
    size_t end = lim; /* candidates for the separator's last byte lie in d[L-1..end) */
    while (end > L - 1) {
        const char *q = memrchr(d + L - 1, last, end - (L - 1));
        if (!q) return -1;
        size_t s = (size_t)(q - d) + 1 - L;
        if (L == 1 || memcmp(d + s, o->sep, L) == 0) return (ptrdiff_t)s;
        end = (size_t)(q - d);
    }
    return -1;
}

/* Fixed separator over a window d[0..len) of the input that may grow to the left (more) while
 * the input has earlier bytes. */
typedef struct window {
    char *buf;      /* capacity cap; the data sits at its end: buf[cap-len..cap) */
    size_t cap, len;
    int64_t base;   /* input offset of the window's first byte */
    int64_t lo;     /* where the input starts */
    int fd;         /* -1: the window already holds the whole input */
} window;

static bool grow_left(vl_ctx *c, window *w, const char *name)
{
    if (w->fd < 0 || w->base <= w->lo) return false;
    size_t want = w->base - w->lo < BLOCK ? (size_t)(w->base - w->lo) : BLOCK;
    if (w->cap - w->len < want) {
        size_t ncap = w->cap ? w->cap : BLOCK;
        while (ncap - w->len < want) ncap *= 2;
        char *nb = vl_xmalloc(c, ncap);
        if (w->len) memcpy(nb + ncap - w->len, w->buf + w->cap - w->len, w->len);
        vl_xfree(c, w->buf);
        w->buf = nb;
        w->cap = ncap;
    }
    char *dst = w->buf + w->cap - w->len - want;
    size_t got = 0;
    while (got < want) {
        ssize_t r = vk_pread(c->p, w->fd, dst + got, want - got, w->base - (int64_t)want + (int64_t)got);
        if (r < 0) {
            vl_die(c, 1, "%s: read error: %s", vl_quote(c, name), vl_strerror((int)r));
        }
        if (r == 0) vl_die(c, 1, "%s: file truncated", vl_quote(c, name));
        got += (size_t)r;
    }
    w->base -= (int64_t)want;
    w->len += want;
    tick(c, want / 64 + 1);
    return true;
}

static void tac_fixed(vl_ctx *c, const tac_opts *o, window *w, const char *name)
{
    size_t L = o->seplen;
    /* positions are relative to the window's start; end: bytes not printed yet; lim: a
     * separator found next must lie wholly before it */
    /* nothing read yet (no buffer at all) and nothing to read: an empty input */
    if (!w->buf && !grow_left(c, w, name)) return;
    size_t end = w->len, lim = w->len;
    for (;;) {
        char *d = w->buf + w->cap - w->len;
        ptrdiff_t s = rfind(o, d, lim);
        if (s < 0) {
            size_t before = w->len;
            if (grow_left(c, w, name)) {
                size_t added = w->len - before;
                end += added;
                lim += added;
                continue;
            }
            vl_write(c, d, end);
            return;
        }
        size_t cut = o->before ? (size_t)s : (size_t)s + L;
        vl_write(c, d + cut, end - cut);
        end = cut;
        lim = (size_t)s;
        /* drop what is printed when the window is large, keeping it small for long inputs */
        if (w->fd >= 0 && w->len - end > BLOCK * 4) {
            memmove(w->buf + w->cap - end, d, end);
            w->len = end;
        }
        tick(c, 1);
    }
}

/* -r: the whole input in memory; separators are matched the way GNU tac's backward search
 * finds them: the rightmost position where a match starts, within what is left. */
static void tac_regex(vl_ctx *c, const tac_opts *o, const char *d, size_t len)
{
    /* every start position of a match, in order */
    size_t n = 0, cap = 0;
    size_t *starts = NULL;
    size_t pos = 0;
    while (pos <= len) {
        vl_re_span m;
        int rc = vl_re_search(o->re, d, len, pos, 0, &m, 1);
        if (rc < 0) vl_die(c, 1, "%s", vl_re_strerror(rc));
        if (rc == 0) break;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            starts = vl_xrealloc(c, starts, cap * sizeof *starts);
        }
        starts[n++] = (size_t)m.so;
        pos = (size_t)m.so + 1;
    }
    size_t end = len, lim = len;
    while (n > 0) {
        size_t s = starts[--n];
        if (s >= lim) continue;
        vl_re_span m;
        int rc = vl_re_search(o->re, d, lim, s, VL_RE_ANCHORED | VL_RE_NOTEOL, &m, 1);
        if (rc < 0) vl_die(c, 1, "%s", vl_re_strerror(rc));
        if (rc == 0 || m.eo == m.so) continue;
        size_t cut = o->before ? s : (size_t)m.eo;
        vl_write(c, d + cut, end - cut);
        end = cut;
        lim = s;
    }
    vl_write(c, d, end);
    vl_xfree(c, starts);
}

static void free_re(void *arg)
{
    vl_re_free(arg);
}

static void tac_one(vl_ctx *c, const tac_opts *o, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = 0;
    if (!is_stdin) {
        fd = vk_open(c->p, path, VK_O_RDONLY, 0);
        if (fd < 0) {
            vl_error(c, "failed to open %s for reading: %s", vl_quote_always(c, path),
                     vl_strerror(fd));
            return;
        }
    }
    struct vk_stat st;
    int64_t here = -1;
    if (!o->regex && vk_fstat(c->p, fd, &st) == 0 && VK_S_ISREG(st.mode))
        here = vk_lseek(c->p, fd, 0, VK_SEEK_CUR);
    window w = {0};
    if (here >= 0 && (int64_t)st.size >= here) {
        /* read backwards from the end: only records are held, never the file */
        w.fd = fd;
        w.base = (int64_t)st.size;
        w.lo = 0; /* GNU reads back to the file's start, whatever the offset */
        tac_fixed(c, o, &w, path);
        vl_xfree(c, w.buf);
    } else {
        vl_buf all = {0};
        char tmp[65536];
        ssize_t r;
        while ((r = vk_read(c->p, fd, tmp, sizeof tmp)) > 0) {
            vl_buf_add(c, &all, tmp, (size_t)r);
            tick(c, (uint64_t)r / 256 + 1);
        }
        if (r < 0) {
            vl_error(c, "%s: read error: %s", vl_quote(c, is_stdin ? "standard input" : path),
                     vl_strerror((int)r));
        } else if (o->regex) {
            tac_regex(c, o, all.data ? all.data : "", all.len);
        } else {
            w.fd = -1;
            w.buf = all.data;
            w.cap = w.len = all.len;
            tac_fixed(c, o, &w, path);
        }
        vl_buf_free(c, &all);
    }
    if (!is_stdin) vk_close(c->p, fd);
}

static int tac_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    tac_opts o = {vl_has(c, 'b'), vl_has(c, 'r'), "\n", 1, NULL};
    if (vl_has(c, 's')) {
        o.sep = vl_arg(c, 's');
        o.seplen = strlen(o.sep);
        if (o.seplen == 0 && o.regex) vl_die(c, 1, "separator cannot be empty");
    }
    if (o.regex) {
        vl_re_diag diag = {0};
        int rc = vl_re_compile(c->p, o.sep, o.seplen, VL_RE_EMACS, 0, &o.re, &diag);
        if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) vl_die(c, 1, "%s", diag.msg);
        if (rc < 0) vl_exit(c, 1);
        vl_defer(c, free_re, o.re);
    }
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) tac_one(c, &o, argv[i]);
    return c->status;
}

static const vl_opt tac_opts_tab[] = {
    {'b', "before", VL_NOARG, NULL, "attach the separator before instead of after"},
    {'r', "regex", VL_NOARG, NULL, "interpret the separator as a regular expression"},
    {'s', "separator", VL_ARG, "STRING", "use STRING as the separator instead of newline"},
    {0}};
VL_COMMAND(tac, tac_main, tac_opts_tab, "[OPTION]... [FILE]...",
           "Write each FILE to standard output, last line first.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
