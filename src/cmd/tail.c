/* tail: the last N lines or bytes of each file (or from line/byte N on, with +N), GNU's
 * headers for several files, the obsolete -NUM form. A regular file is read backwards from its
 * end (tail of a huge file costs what the tail holds); other inputs stream, keeping only the
 * last N lines or bytes. -f/-F follow files (by descriptor, or by name with --retry) every -s
 * seconds until --pid's process ends or the exec is interrupted or out of time: the kernel's
 * sleep wakes up for those, and tail then ends like any killed process. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct tail_opts {
    bool bytes, from_start;
    int64_t count;
    int delim;
    int64_t *end_pos; /* where reading stopped in the file, for -f (or NULL) */
} tail_opts;

/* Write fd's bytes [from, to) to stdout. */
static int copy_range(vl_ctx *c, int fd, int64_t from, int64_t to)
{
    char buf[65536];
    while (from < to) {
        size_t want = to - from < (int64_t)sizeof buf ? (size_t)(to - from) : sizeof buf;
        ssize_t r = vk_pread(c->p, fd, buf, want, from);
        if (r < 0) return (int)r;
        if (r == 0) break;
        vl_write(c, buf, (size_t)r);
        from += r;
    }
    return 0;
}

/* The size of a regular file read from offset start on, or -1 when in is not one (or has
 * buffered input): then tail streams. */
static int64_t seekable_size(vl_ctx *c, vl_in *in, int64_t *start)
{
    struct vk_stat st;
    if (in->len != in->pos || vk_fstat(c->p, in->fd, &st) < 0 || !VK_S_ISREG(st.mode)) return -1;
    int64_t off = vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR);
    if (off < 0) return -1;
    *start = off;
    return (int64_t)st.size;
}

/* tail -n N of a regular file: scan backwards block by block for the N-th delimiter from the
 * end (a final delimiter ends the last line and does not count). */
static int tail_lines_seek(vl_ctx *c, vl_in *in, const tail_opts *o, int64_t start, int64_t size)
{
    char buf[65536];
    int64_t pos = size, need = o->count, from = start;
    bool first = true;
    while (pos > start && need > 0) {
        size_t n = pos - start < (int64_t)sizeof buf ? (size_t)(pos - start) : sizeof buf;
        ssize_t r = vk_pread(c->p, in->fd, buf, n, pos - (int64_t)n);
        if (r < 0) return (int)r;
        if (r != (ssize_t)n) return -1; /* the file shrank: let the caller stream */
        size_t j = n;
        if (first && buf[n - 1] == (char)o->delim) j--;
        first = false;
        while (j > 0) {
            char *q = memrchr(buf, o->delim, j);
            if (!q) break;
            j = (size_t)(q - buf);
            if (--need == 0) {
                from = pos - (int64_t)n + (int64_t)j + 1;
                break;
            }
        }
        pos -= (int64_t)n;
        int rc = vk_steps(c->p, n / 256 + 1);
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(c->p);
            vl_exit(c, w ? VK_WSHELL(w) : 1);
        }
    }
    int rc = copy_range(c, in->fd, from, size);
    if (rc == 0) vk_lseek(c->p, in->fd, size, VK_SEEK_SET);
    if (o->end_pos) *o->end_pos = size;
    return rc;
}

static int64_t parse_count(vl_ctx *c, const char *arg, bool bytes, bool *from_start)
{
    const char *s = arg;
    *from_start = false;
    if (*s == '+') *from_start = true, s++;
    else if (*s == '-') arg = ++s; /* GNU names the number without its '-' */
    int64_t v;
    int rc = vl_parse_count(s, &v);
    const char *what = bytes ? "bytes" : "lines";
    if (rc == VOS_ERANGE)
        vl_die(c, 1, "invalid number of %s: %s: Value too large for defined data type", what,
               vl_quote_locale(c, arg));
    if (rc < 0) vl_die(c, 1, "invalid number of %s: %s", what, vl_quote_locale(c, arg));
    return v;
}

static int tail_lines(vl_ctx *c, vl_in *in, const tail_opts *o)
{
    char *line;
    ssize_t n;
    if (o->from_start) {
        for (int64_t i = 1; i < o->count; i++)
            if ((n = vl_in_getdelim(c, in, o->delim, &line)) <= 0) return (int)n;
        char buf[65536];
        while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) vl_write(c, buf, (size_t)n);
        return (int)n;
    }
    if (o->count == 0) return 0;
    /* Keep whole chunks, not lines: read big blocks, count delimiters with memchr, and drop the
     * oldest block while the newer ones still hold more than count delimiters. Memory stays
     * bounded by the last count lines plus a block, and no line is copied on the way. */
    enum { CHUNK = 65536 };
    typedef struct chunk {
        struct chunk *next;
        size_t len, ndelim;
        char data[CHUNK];
    } chunk;
    chunk *head = NULL, *tail = NULL, *spare = NULL;
    uint64_t total = 0;
    for (;;) {
        chunk *ch = spare ? spare : vl_xmalloc(c, sizeof *ch);
        spare = NULL;
        n = vl_in_read(c, in, ch->data, CHUNK);
        if (n <= 0) {
            vl_xfree(c, ch);
            break;
        }
        ch->len = (size_t)n;
        ch->ndelim = 0;
        ch->next = NULL;
        for (const char *q = ch->data, *e = ch->data + ch->len;
             (q = memchr(q, o->delim, (size_t)(e - q))) != NULL; q++)
            ch->ndelim++;
        total += ch->ndelim;
        if (tail)
            tail->next = ch;
        else
            head = ch;
        tail = ch;
        while (head != tail && total - head->ndelim > (uint64_t)o->count) {
            chunk *old = head;
            head = head->next;
            total -= old->ndelim;
            if (spare) vl_xfree(c, spare);
            spare = old;
        }
    }
    if (spare) vl_xfree(c, spare);
    /* walk back from the end to the start of the count-th line from the end */
    size_t nch = 0;
    for (chunk *ch = head; ch; ch = ch->next) nch++;
    chunk **arr = nch ? vl_xmalloc(c, nch * sizeof *arr) : NULL;
    size_t k = 0;
    for (chunk *ch = head; ch; ch = ch->next) arr[k++] = ch;
    size_t si = 0, so = 0; /* start: chunk index and offset */
    int64_t need = o->count;
    bool skip_last = nch && arr[nch - 1]->len && arr[nch - 1]->data[arr[nch - 1]->len - 1] == o->delim;
    for (size_t i = nch; i-- > 0 && need >= 0;) {
        chunk *ch = arr[i];
        size_t j = ch->len;
        if (i == nch - 1 && skip_last) j--; /* the final delimiter ends the last line */
        while (j-- > 0) {
            if (ch->data[j] == o->delim && --need == 0) {
                si = i;
                so = j + 1;
                need = -1;
                break;
            }
        }
    }
    for (size_t i = si; i < nch; i++) {
        size_t off = i == si ? so : 0;
        vl_write(c, arr[i]->data + off, arr[i]->len - off);
    }
    for (size_t i = 0; i < nch; i++) vl_xfree(c, arr[i]);
    vl_xfree(c, arr);
    return (int)n;
}

static int tail_bytes(vl_ctx *c, vl_in *in, const tail_opts *o)
{
    char buf[65536];
    ssize_t n;
    if (o->from_start) {
        int64_t skip = o->count > 0 ? o->count - 1 : 0;
        while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
            if (skip >= n) {
                skip -= n;
                continue;
            }
            vl_write(c, buf + skip, (size_t)(n - skip));
            skip = 0;
        }
        return (int)n;
    }
    vl_buf keep = {0};
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_buf_add(c, &keep, buf, (size_t)n);
        if (keep.len > (uint64_t)o->count) {
            size_t drop = keep.len - (size_t)o->count;
            /* compact only once the dropped part is large, to stay linear */
            if (drop >= keep.len / 2 || drop > (1u << 20)) {
                memmove(keep.data, keep.data + drop, (size_t)o->count);
                keep.len = (size_t)o->count;
            }
        }
    }
    size_t off = keep.len > (uint64_t)o->count ? keep.len - (size_t)o->count : 0;
    vl_write(c, keep.data + off, keep.len - off);
    vl_buf_free(c, &keep);
    return (int)n;
}

static int tail_one(vl_ctx *c, vl_in *in, void *arg)
{
    const tail_opts *o = arg;
    int64_t start = 0, size;
    if (o->from_start && o->bytes && (size = seekable_size(c, in, &start)) >= 0) {
        /* -c +N of a regular file: skip to byte N without reading what comes before */
        int64_t skip = o->count > 0 ? o->count - 1 : 0;
        int64_t from = size - start > skip ? start + skip : size;
        int rc = from < size ? copy_range(c, in->fd, from, size) : 0;
        if (rc == 0) vk_lseek(c->p, in->fd, size > start ? size : start, VK_SEEK_SET);
        if (o->end_pos) *o->end_pos = size > start ? size : start;
        return rc;
    }
    if (!o->from_start && (size = seekable_size(c, in, &start)) >= 0) {
        if (size <= start) {
            if (o->end_pos) *o->end_pos = start;
            return 0;
        }
        if (o->bytes) {
            int64_t from = size - start > o->count ? size - o->count : start;
            int rc = copy_range(c, in->fd, from, size);
            if (rc == 0) vk_lseek(c->p, in->fd, size, VK_SEEK_SET);
            if (o->end_pos) *o->end_pos = size;
            return rc;
        }
        if (o->count == 0) {
            if (o->end_pos) *o->end_pos = size;
            vk_lseek(c->p, in->fd, size, VK_SEEK_SET);
            return 0;
        }
        int rc = tail_lines_seek(c, in, o, start, size);
        if (rc != -1) return rc;
    }
    int rc = o->bytes ? tail_bytes(c, in, o) : tail_lines(c, in, o);
    if (o->end_pos) *o->end_pos = vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR);
    return rc;
}

/* ---- following ---- */
typedef struct tfile {
    const char *name, *shown;
    int fd;
    int64_t pos;
    uint64_t dev, ino;
    bool regular, gone;
} tfile;

static void die_if_dying(vl_ctx *c, int rc)
{
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

/* Is process pid gone? A child that ended but was not waited for still answers kill(pid, 0)
 * in the kernel (bash would have reaped it at once); /proc lists only the living, so it
 * decides when it is there. */
static bool pid_dead(vl_ctx *c, int pid)
{
    if (vk_kill(c->p, pid, 0) == VOS_ESRCH) return true;
    struct vk_stat st;
    if (vk_stat(c->p, "/proc/self/status", &st) < 0) return false;
    vl_buf path = {0};
    vl_buf_printf(c, &path, "/proc/%d/status", pid);
    bool dead = vk_stat(c->p, path.data, &st) == VOS_ENOENT;
    vl_buf_free(c, &path);
    return dead;
}

static void show_header(vl_ctx *c, tfile *f, bool *first)
{
    vl_printf(c, "%s==> %s <==\n", *first ? "" : "\n", f->shown);
    *first = false;
}

static int tail_follow(vl_ctx *c, int n, char **argv, tail_opts *o, bool by_name, bool retry,
                       int pid, int64_t sleep_ns, bool headers)
{
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    if (by_name)
        for (int i = 1; i <= n; i++)
            if (strcmp(argv[i], "-") == 0) vl_die(c, 1, "cannot follow '-' by name");
    tfile *fs = vl_xcalloc(c, (size_t)n, sizeof *fs);
    bool first = true, failed = false;
    int last = -1;
    for (int i = 0; i < n; i++) {
        tfile *f = &fs[i];
        f->name = argv[i + 1];
        bool is_stdin = strcmp(f->name, "-") == 0;
        f->shown = is_stdin ? "standard input" : f->name;
        f->fd = -1;
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, f->name, &err);
        if (!in) {
            vl_error(c, "cannot open %s for reading: %s", vl_quote_always(c, f->name), vl_strerror(err));
            f->gone = true;
            failed = true;
            continue;
        }
        if (headers) show_header(c, f, &first);
        last = i;
        o->end_pos = &f->pos;
        int rc = tail_one(c, in, o);
        if (rc < 0) vl_error(c, "error reading %s: %s", vl_quote_always(c, f->shown), vl_strerror(rc));
        struct vk_stat st;
        if (vk_fstat(c->p, in->fd, &st) == 0) {
            f->regular = VK_S_ISREG(st.mode);
            f->dev = st.dev;
            f->ino = st.ino;
        }
        /* a pipe has nothing more to give once read to its end */
        if (f->regular) f->fd = is_stdin ? in->fd : vk_dup(c->p, in->fd);
        vl_in_close(c, in);
    }
    bool writer_dead = false;
    for (;;) {
        bool any = false, live = false;
        for (int i = 0; i < n; i++) {
            tfile *f = &fs[i];
            if (by_name) {
                struct vk_stat st;
                int rc = vk_stat(c->p, f->name, &st);
                if (rc < 0) {
                    if (f->fd >= 0) {
                        vl_eprintf(c, "%s: %s has become inaccessible: %s\n", c->name,
                                   vl_quote_always(c, f->name), vl_strerror(rc));
                        vk_close(c->p, f->fd);
                        f->fd = -1;
                    }
                    f->gone = true;
                    if (retry) live = true;
                    continue;
                }
                if (f->fd < 0 || st.ino != f->ino || st.dev != f->dev) {
                    int fd = vk_open(c->p, f->name, VK_O_RDONLY, 0);
                    if (fd < 0) {
                        if (retry) live = true;
                        continue;
                    }
                    if (f->fd >= 0) {
                        vl_eprintf(c, "%s: %s has been replaced;  following new file\n", c->name,
                                   vl_quote_always(c, f->name));
                        vk_close(c->p, f->fd);
                    } else {
                        vl_eprintf(c, "%s: %s has appeared;  following new file\n", c->name,
                                   vl_quote_always(c, f->name));
                    }
                    f->fd = fd;
                    f->pos = 0;
                    f->ino = st.ino;
                    f->dev = st.dev;
                    f->gone = false;
                }
            }
            if (f->fd < 0) {
                if (retry && f->gone) live = true;
                continue;
            }
            live = true;
            struct vk_stat st;
            if (vk_fstat(c->p, f->fd, &st) < 0) continue;
            if ((int64_t)st.size < f->pos) {
                /* a notice, not an error: the status stays as it was */
                vl_eprintf(c, "%s: %s: file truncated\n", c->name, vl_quote(c, f->name));
                f->pos = 0;
            }
            while ((int64_t)st.size > f->pos) {
                char buf[65536];
                int64_t want = (int64_t)st.size - f->pos;
                ssize_t r = vk_pread(c->p, f->fd, buf, want < (int64_t)sizeof buf ? (size_t)want : sizeof buf, f->pos);
                if (r < 0) die_if_dying(c, (int)r);
                if (r <= 0) break;
                if (headers && last != i) show_header(c, f, &first);
                last = i;
                vl_write(c, buf, (size_t)r);
                f->pos += r;
                any = true;
            }
        }
        vl_flush(c);
        if (!live) {
            if (failed || !by_name) {
                if (failed) vl_die(c, 1, "no files remaining");
            }
            return c->status;
        }
        if (!any) {
            if (writer_dead) break;
            writer_dead = pid > 0 && pid_dead(c, pid);
            if (!writer_dead) die_if_dying(c, vk_sleep_ns(c->p, sleep_ns));
        }
        die_if_dying(c, vk_check(c->p));
    }
    return c->status;
}

/* Seconds as GNU's -s takes them: a decimal number, maybe with a fraction. */
static int64_t parse_seconds(vl_ctx *c, const char *s)
{
    const char *q = s;
    int64_t ns = 0;
    bool digits = false;
    while (*q >= '0' && *q <= '9') {
        if (ns < INT64_MAX / 20) ns = ns * 10 + (*q - '0');
        q++, digits = true;
    }
    ns *= 1000000000;
    if (*q == '.') {
        q++;
        int64_t scale = 100000000;
        while (*q >= '0' && *q <= '9') {
            ns += (*q - '0') * scale;
            scale /= 10;
            q++, digits = true;
        }
    }
    if (!digits || *q) vl_die(c, 1, "invalid number of seconds: %s", vl_quote_locale(c, s));
    return ns;
}

static int tail_main(vl_ctx *c, int argc, char **argv)
{
    tail_opts o = {false, false, 10, '\n', NULL};
    bool obs_follow = false;
    /* obsolete "-NUM[bcl][f]" as the first argument */
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
        const char *q = argv[1] + 1;
        int64_t v = 0;
        while (*q >= '0' && *q <= '9' && v < INT64_MAX / 10) v = v * 10 + (*q++ - '0');
        bool bytes = false;
        if (*q == 'b') v *= 512, bytes = true, q++;
        else if (*q == 'c') bytes = true, q++;
        else if (*q == 'l') q++;
        bool f = *q == 'f';
        if (f) q++;
        /* GNU takes the obsolete form only with at most one file and no other option */
        bool alone = argc == 2 || (argc == 3 && !(argv[2][0] == '-' && argv[2][1])) ||
                     (argc >= 3 && argc <= 4 && strcmp(argv[2], "--") == 0);
        if (*q == '\0' && !alone) vl_die(c, 1, "option used in invalid context -- %c", argv[1][1]);
        if (*q == '\0') {
            o.count = v;
            o.bytes = bytes;
            obs_follow = f;
            argv[1] = argv[0];
            argv++;
            argc--;
        }
    }
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'n') || vl_has(c, 'c')) {
        o.bytes = vl_last(c, 'c') > vl_last(c, 'n');
        o.count = parse_count(c, vl_arg(c, o.bytes ? 'c' : 'n'), o.bytes, &o.from_start);
    }
    if (vl_has(c, 'z')) o.delim = 0;
    bool quiet = false, verbose = false;
    if (vl_has(c, 'q') || vl_has(c, 'v')) {
        quiet = vl_last(c, 'q') > vl_last(c, 'v');
        verbose = !quiet;
    }
    /* following: -f is --follow=descriptor, -F is --follow=name --retry */
    int follow = obs_follow || vl_has(c, 'f') ? 1 : 0;
    bool retry = vl_has(c, 257);
    if (vl_has(c, 256)) {
        const char *a = vl_arg(c, 256);
        if (!a || strcmp(a, "descriptor") == 0 || (strlen(a) > 0 && strncmp("descriptor", a, strlen(a)) == 0)) {
            follow = vl_last(c, 256) > vl_last(c, 'F') ? 1 : follow;
        } else if (strlen(a) > 0 && strncmp("name", a, strlen(a)) == 0) {
            follow = 2;
        } else {
            vl_eprintf(c, "%s: invalid argument %s for '--follow'\nValid arguments are:\n"
                          "  - 'descriptor'\n  - 'name'\n", c->name, vl_quote_always(c, a));
            vl_try_help(c);
        }
        if (follow == 0) follow = 1;
    }
    if (vl_has(c, 'F')) {
        if (vl_last(c, 'F') > vl_last(c, 256)) follow = 2;
        retry = true;
    }
    int pid = 0;
    if (vl_has(c, 258)) {
        int64_t v;
        if (vl_parse_int(vl_arg(c, 258), &v, false) < 0 || v < 0 || v > INT32_MAX)
            vl_die(c, 1, "invalid PID: %s", vl_quote_locale(c, vl_arg(c, 258)));
        pid = (int)v;
    }
    int64_t sleep_ns = 1000000000;
    if (vl_has(c, 's')) sleep_ns = parse_seconds(c, vl_arg(c, 's'));
    if (vl_has(c, 259)) {
        int64_t v;
        if (vl_parse_int(vl_arg(c, 259), &v, false) < 0 || v < 0)
            vl_die(c, 1, "invalid maximum number of unchanged stats between opens: %s",
                   vl_quote_locale(c, vl_arg(c, 259)));
    }
    if (retry && !follow) vl_error(c, "warning: --retry ignored; --retry is useful only when following");
    else if (retry && follow == 1 && !vl_has(c, 'F')) vl_error(c, "warning: --retry only effective for the initial open");
    if (pid && !follow) vl_error(c, "warning: PID ignored; --pid=PID is useful only when following");
    c->status = 0;
    if (!follow) return vl_each_with_headers(c, n, argv, quiet, verbose, tail_one, &o);
    bool headers = verbose || (n > 1 && !quiet);
    return tail_follow(c, n, argv, &o, follow == 2, retry, pid, sleep_ns, headers);
}

static const vl_opt tail_opts_tab[] = {
    {'c', "bytes", VL_ARG, "[+]NUM",
     "output the last NUM bytes; or use -c +NUM to\n  output starting with byte NUM of each file"},
    {'n', "lines", VL_ARG, "[+]NUM",
     "output the last NUM lines, instead of the last 10;\n  or use -n +NUM to skip NUM-1 lines "
     "at the start"},
    {'f', NULL, VL_NOARG, NULL, "output appended data as the file grows"},
    {256, "follow", VL_OPTARG, "{name|descriptor}", "follow the file by name or descriptor\n  (-f is --follow=descriptor)"},
    {'F', NULL, VL_NOARG, NULL, "same as --follow=name --retry"},
    {259, "max-unchanged-stats", VL_ARG, "N", "(accepted; tail checks names every time)"},
    {258, "pid", VL_ARG, "PID", "with -f, terminate after process ID, PID dies"},
    {'q', "quiet", VL_NOARG, NULL, "never output headers giving file names"},
    {'q', "silent", VL_NOARG, NULL, NULL},
    {257, "retry", VL_NOARG, NULL, "keep trying to open a file if it is inaccessible"},
    {'s', "sleep-interval", VL_ARG, "N", "with -f, sleep for about N seconds\n  (default 1.0) between iterations"},
    {'v', "verbose", VL_NOARG, NULL, "always output headers giving file names"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(tail, tail_main, tail_opts_tab, "[OPTION]... [FILE]...",
           "Print the last 10 lines of each FILE to standard output.\n"
           "With more than one FILE, precede each with a header giving the file name.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
