/* split: cut a file into pieces by lines (-l), bytes (-b), whole lines up to a size (-C), or
 * into N chunks (-n N, K/N, l/N, l/K/N, r/N, r/K/N), with GNU's file names: alphabetic,
 * numeric (-d, --numeric-suffixes=FROM) or hex (-x) suffixes that widen on their own (xyz is
 * followed by xzaaa) unless -a fixes their length, --additional-suffix, -e, -t, --verbose.
 * Everything streams except -n N / l/N, which need the input's size (a regular file, as GNU).
 * --filter is refused: it would run a shell per piece. Files count against the VM's quotas like
 * any other write. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

enum { T_LINES, T_BYTES, T_LINEBYTES, T_CHUNK_BYTES, T_CHUNK_LINES, T_RR };

typedef struct split {
    vl_ctx *c;
    const char *alphabet;
    const char *prefix, *addsuf;
    const char *numstart;
    size_t suflen;
    bool sufauto, verbose, elide;
    int eol;
    /* the current name: prefix, then the suffix (sufidx gives it in alphabet positions) */
    char *name;
    size_t baselen, namelen;
    size_t *sufidx;
    bool started;
    int fd;
    vl_buf out; /* bytes waiting for fd */
    const char *infile;
} split;

static void tick(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static void flush_out(split *s)
{
    if (s->fd < 0 || s->out.len == 0) return;
    int rc = vl_write_fd(s->c, s->fd, s->out.data, s->out.len);
    s->out.len = 0;
    if (rc < 0) vl_die(s->c, 1, "%s: %s", vl_quote(s->c, s->name), vl_strerror(rc));
}

static void close_out(split *s)
{
    flush_out(s);
    if (s->fd >= 0) {
        int rc = vk_close(s->c->p, s->fd);
        s->fd = -1;
        if (rc < 0) vl_die(s->c, 1, "%s: %s", vl_quote(s->c, s->name), vl_strerror(rc));
    }
}

/* The next file name (GNU's next_file_name). */
static void next_name(split *s)
{
    vl_ctx *c = s->c;
    if (s->started) {
        size_t i = s->suflen;
        size_t alen = strlen(s->alphabet);
        while (i-- != 0) {
            s->sufidx[i]++;
            if (s->sufauto && i == 0 && s->sufidx[0] + 1 == alen) {
                /* widen: the last letter joins the prefix, the suffix grows by one */
                char last = s->alphabet[s->sufidx[0]];
                s->suflen++;
                char *nn = vl_xmalloc(c, s->baselen + 1 + s->suflen + strlen(s->addsuf) + 1);
                memcpy(nn, s->name, s->baselen);
                nn[s->baselen++] = last;
                memset(nn + s->baselen, s->alphabet[0], s->suflen);
                strcpy(nn + s->baselen + s->suflen, s->addsuf);
                vl_xfree(c, s->name);
                s->name = nn;
                vl_xfree(c, s->sufidx);
                s->sufidx = vl_xcalloc(c, s->suflen, sizeof *s->sufidx);
                return;
            }
            if (s->sufidx[i] < alen) {
                s->name[s->baselen + i] = s->alphabet[s->sufidx[i]];
                return;
            }
            s->sufidx[i] = 0;
            s->name[s->baselen + i] = s->alphabet[0];
        }
        close_out(s);
        vl_die(c, 1, "output file suffixes exhausted");
    }
    s->started = true;
    s->baselen = strlen(s->prefix);
    s->name = vl_xmalloc(c, s->baselen + s->suflen + strlen(s->addsuf) + 1);
    memcpy(s->name, s->prefix, s->baselen);
    memset(s->name + s->baselen, s->alphabet[0], s->suflen);
    strcpy(s->name + s->baselen + s->suflen, s->addsuf);
    s->sufidx = vl_xcalloc(c, s->suflen ? s->suflen : 1, sizeof *s->sufidx);
    if (s->numstart) {
        size_t i = strlen(s->numstart);
        memcpy(s->name + s->baselen + s->suflen - i, s->numstart, i);
        for (size_t k = 0; k < i; k++) {
            char ch = s->numstart[i - 1 - k];
            s->sufidx[s->suflen - 1 - k] = (size_t)(strchr(s->alphabet, ch) - s->alphabet);
        }
    }
}

static void open_next(split *s)
{
    close_out(s);
    next_name(s);
    if (s->verbose) vl_printf(s->c, "creating file %s\n", vl_quote_always(s->c, s->name));
    int fd = vk_open(s->c->p, s->name, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
    if (fd < 0) vl_die(s->c, 1, "%s: %s", vl_quote(s->c, s->name), vl_strerror(fd));
    s->fd = fd;
}

static void put(split *s, const char *d, size_t n)
{
    vl_buf_add(s->c, &s->out, d, n);
    if (s->out.len >= 65536) flush_out(s);
}

static ssize_t rd(split *s, vl_in *in, char *buf, size_t n)
{
    ssize_t r = vl_in_read(s->c, in, buf, n);
    if (r < 0) vl_die(s->c, 1, "%s: %s", vl_quote(s->c, s->infile), vl_strerror((int)r));
    if (r > 0) tick(s->c, (uint64_t)r / 128 + 1);
    return r;
}

/* -l N, -b N: a new file every N lines / bytes, created when its first byte comes */
static void split_count(split *s, vl_in *in, uint64_t n, bool lines)
{
    char buf[65536];
    ssize_t r;
    uint64_t left = 0; /* units the current file may still take */
    while ((r = rd(s, in, buf, sizeof buf)) > 0) {
        size_t i = 0;
        while (i < (size_t)r) {
            if (left == 0) {
                open_next(s);
                left = n;
            }
            size_t take;
            if (lines) {
                size_t j = i;
                while (left > 0 && j < (size_t)r) {
                    char *q = memchr(buf + j, s->eol, (size_t)r - j);
                    if (!q) {
                        j = (size_t)r;
                        break;
                    }
                    j = (size_t)(q - buf) + 1;
                    left--;
                }
                take = j - i;
            } else {
                take = (size_t)r - i < left ? (size_t)r - i : (size_t)left;
                left -= take;
            }
            put(s, buf + i, take);
            i += take;
        }
    }
}

/* -C N: each file gets the longest run of whole lines that fits in N bytes; a line longer than
 * N is cut into N-byte pieces. When fewer than N bytes remain they make the last file. */
static void split_linebytes(split *s, vl_in *in, uint64_t n)
{
    vl_buf hold = {0};
    char buf[65536];
    bool eof = false;
    size_t pos = 0;
    for (;;) {
        /* gather at least n bytes (or everything) */
        while (!eof && hold.len - pos < n) {
            if (pos > 0 && pos >= hold.len / 2) {
                memmove(hold.data, hold.data + pos, hold.len - pos);
                hold.len -= pos;
                pos = 0;
            }
            uint64_t want = n - (hold.len - pos);
            ssize_t r = rd(s, in, buf, want < sizeof buf ? (size_t)want : sizeof buf);
            if (r == 0) eof = true;
            else vl_buf_add(s->c, &hold, buf, (size_t)r);
        }
        size_t avail = hold.len - pos;
        if (avail == 0) break;
        size_t take = avail;
        if (avail >= n) {
            take = (size_t)n;
            char *q = memrchr(hold.data + pos, s->eol, (size_t)n);
            if (q) take = (size_t)(q - (hold.data + pos)) + 1;
        }
        open_next(s);
        put(s, hold.data + pos, take);
        pos += take;
    }
    vl_buf_free(s->c, &hold);
}

/* -n N and -n K/N over a regular file of size bytes */
static void split_chunk_bytes(split *s, vl_in *in, uint64_t size, uint64_t k, uint64_t n)
{
    uint64_t cs = size / n ? size / n : 1;
    char buf[65536];
    uint64_t pos = 0;
    for (uint64_t chunk = 1; chunk <= n; chunk++) {
        uint64_t start = (chunk - 1) * cs, end = chunk == n ? size : chunk * cs;
        if (start > size) start = size;
        if (end > size) end = size;
        if (k && chunk != k) {
            /* skip it */
            while (pos < end) {
                uint64_t want = end - pos;
                ssize_t r = rd(s, in, buf, want < sizeof buf ? (size_t)want : sizeof buf);
                if (r == 0) break;
                pos += (uint64_t)r;
            }
            if (chunk > k) return;
            continue;
        }
        if (!k && !(s->elide && end == start)) open_next(s);
        while (pos < end) {
            uint64_t want = end - pos;
            ssize_t r = rd(s, in, buf, want < sizeof buf ? (size_t)want : sizeof buf);
            if (r == 0) break;
            if (k) vl_write(s->c, buf, (size_t)r);
            else put(s, buf, (size_t)r);
            pos += (uint64_t)r;
        }
    }
}

/* -n l/N and l/K/N: chunks of about size/N bytes, each ending at the end of a line (GNU's
 * lines_chunk_split: a chunk takes the line holding its last byte). The input is read into
 * memory a block at a time; a line never has to be held whole. */
typedef struct lchunk {
    split *s;
    uint64_t k, n, cur;
    bool open;
} lchunk;

static void lc_emit(lchunk *L, const char *d, size_t len)
{
    if (L->k) {
        if (L->cur == L->k) vl_write(L->s->c, d, len);
        return;
    }
    if (!L->open) {
        if (len == 0) return;
        open_next(L->s);
        L->open = true;
    }
    put(L->s, d, len);
}

/* move to the next chunk; an empty one gets its (empty) file unless -e */
static void lc_next(lchunk *L)
{
    if (!L->k && !L->open && !L->s->elide) open_next(L->s);
    L->open = false;
    L->cur++;
}

static void split_chunk_lines(split *s, vl_in *in, uint64_t size, uint64_t k, uint64_t n)
{
    uint64_t cs = size / n;
    lchunk L = {s, k, n, 1, false};
    uint64_t cend = n == 1 ? size : cs, pos = 0;
    char buf[65536];
    size_t bpos = 0, blen = 0;
    while (pos < size) {
        if (bpos == blen) {
            ssize_t r = rd(s, in, buf, sizeof buf);
            if (r == 0) break;
            bpos = 0;
            blen = (size_t)r;
        }
        /* look for the line end from the chunk's last byte on */
        uint64_t skip = cend >= 1 + pos ? cend - 1 - pos : 0;
        if (skip >= blen - bpos) {
            lc_emit(&L, buf + bpos, blen - bpos);
            pos += blen - bpos;
            bpos = blen;
            continue;
        }
        char *q = memchr(buf + bpos + skip, s->eol, blen - bpos - (size_t)skip);
        size_t w = q ? (size_t)(q - (buf + bpos)) + 1 : blen - bpos;
        lc_emit(&L, buf + bpos, w);
        pos += w;
        bpos += w;
        if (!q) continue;
        /* the chunk is complete; chunks that end before pos are empty */
        for (;;) {
            if (L.k && L.cur >= L.k) return;
            if (L.cur >= n) break;
            lc_next(&L);
            cend = L.cur == n ? size : cend + cs;
            if (cend > pos) break;
            if (cs == 0) break;
        }
        if (L.cur > n) break;
    }
    /* GNU creates all N files */
    if (!k) {
        while (L.cur < n) lc_next(&L);
        if (!L.open && !s->elide) open_next(s);
    }
}

/* -n r/N and r/K/N: line i goes to chunk i mod N. All N files stay open. */
static void split_rr(split *s, vl_in *in, uint64_t k, uint64_t n)
{
    vl_ctx *c = s->c;
    int *fds = NULL;
    if (!k) {
        if (n > 4096) vl_die(c, 1, "%llu: too many output files", (unsigned long long)n);
        fds = vl_xmalloc(c, n * sizeof *fds);
        for (uint64_t i = 0; i < n; i++) {
            fds[i] = -1;
            if (s->elide) continue;
            open_next(s);
            fds[i] = s->fd;
            s->fd = -1;
        }
    }
    char **names = NULL;
    (void)names;
    char *l;
    ssize_t r;
    uint64_t i = 0;
    while ((r = vl_in_getdelim(c, in, s->eol, &l)) > 0) {
        uint64_t ch = i % n;
        if (k) {
            if (ch + 1 == k) vl_write(c, l, (size_t)r);
        } else {
            if (fds[ch] < 0) {
                open_next(s);
                fds[ch] = s->fd;
                s->fd = -1;
            }
            int rc = vl_write_fd(c, fds[ch], l, (size_t)r);
            if (rc < 0) vl_die(c, 1, "%s", vl_strerror(rc));
        }
        if ((++i & 1023) == 0) tick(c, 1024);
    }
    if (r < 0) vl_die(c, 1, "%s: %s", vl_quote(c, s->infile), vl_strerror((int)r));
    if (!k)
        for (uint64_t j = 0; j < n; j++)
            if (fds[j] >= 0) vk_close(c->p, fds[j]);
}

static uint64_t parse_units(vl_ctx *c, const char *arg, const char *what, bool suffixes)
{
    int64_t v;
    int rc = suffixes ? vl_parse_count(arg, &v) : vl_parse_int(arg, &v, false);
    if (rc == VOS_ERANGE || (rc == 0 && suffixes && v == INT64_MAX && strlen(arg) > 18))
        vl_die(c, 1, "%s: %s: Value too large for defined data type", what, vl_quote_locale(c, arg));
    if (rc < 0 || v < 0) vl_die(c, 1, "%s: %s", what, vl_quote_locale(c, arg));
    if (v == 0) vl_die(c, 1, "%s: %s: Numerical result out of range", what, vl_quote_locale(c, arg));
    return (uint64_t)v;
}

static int split_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    split s = {0};
    s.c = c;
    s.fd = -1;
    s.alphabet = "abcdefghijklmnopqrstuvwxyz";
    s.addsuf = vl_has(c, 257) ? vl_arg(c, 257) : "";
    s.verbose = vl_has(c, 258);
    s.elide = vl_has(c, 'e');
    s.eol = '\n';
    s.sufauto = true;
    if (strchr(s.addsuf, '/'))
        vl_usage_error(c, "invalid suffix %s, contains directory separator", vl_quote_locale(c, s.addsuf));
    if (vl_has(c, 259)) vl_die(c, 1, "--filter is not supported in vos");

    int type = T_LINES, ntypes = 0;
    uint64_t units = 1000, k = 0;
    if (vl_has(c, 'l')) type = T_LINES, ntypes++, units = parse_units(c, vl_arg(c, 'l'), "invalid number of lines", false);
    if (vl_has(c, 'b')) type = T_BYTES, ntypes++, units = parse_units(c, vl_arg(c, 'b'), "invalid number of bytes", true);
    if (vl_has(c, 'C')) type = T_LINEBYTES, ntypes++, units = parse_units(c, vl_arg(c, 'C'), "invalid number of bytes", true);
    if (vl_has(c, 'n')) {
        ntypes++;
        const char *a = vl_arg(c, 'n');
        type = T_CHUNK_BYTES;
        if (a[0] == 'l' && a[1] == '/') type = T_CHUNK_LINES, a += 2;
        else if (a[0] == 'r' && a[1] == '/') type = T_RR, a += 2;
        const char *slash = strchr(a, '/');
        const char *kstr = NULL;
        if (slash) {
            char *ks = vl_xmalloc(c, (size_t)(slash - a) + 1);
            memcpy(ks, a, (size_t)(slash - a));
            ks[slash - a] = '\0';
            k = parse_units(c, ks, "invalid chunk number", false);
            kstr = ks;
            a = slash + 1;
        }
        units = parse_units(c, a, "invalid number of chunks", false);
        if (k > units)
            vl_die(c, 1, "invalid chunk number: %s: Numerical result out of range",
                   vl_quote_locale(c, kstr));
    }
    if (ntypes > 1) vl_usage_error(c, "cannot split in more than one way");
    if (vl_has(c, 't')) {
        const char *t = vl_arg(c, 't');
        if (t[0] == '\0') vl_die(c, 1, "empty record separator");
        if (t[1] != '\0') {
            if (strcmp(t, "\\0") == 0) s.eol = 0;
            else vl_die(c, 1, "multi-character separator %s", vl_quote_locale(c, t));
        } else {
            s.eol = (unsigned char)t[0];
        }
    }
    /* suffix alphabet: the last of -d / -x / their long forms wins */
    int numopt = 0, lastpos = 0;
    int ids[] = {'d', 260, 'x', 261};
    for (int i = 0; i < 4; i++)
        if (vl_last(c, ids[i]) > lastpos) lastpos = vl_last(c, ids[i]), numopt = ids[i];
    if (numopt) {
        bool dec = numopt == 'd' || numopt == 260;
        s.alphabet = dec ? "0123456789" : "0123456789abcdef";
        const char *from = (numopt == 260 || numopt == 261) ? vl_arg(c, numopt) : NULL;
        if (from) {
            if (strspn(from, s.alphabet) != strlen(from) || !*from) {
                vl_eprintf(c, dec ? "%s: %s: invalid start value for numerical suffix\n"
                                  : "%s: %s: invalid start value for hexadecimal suffix\n",
                           c->name, vl_quote_locale(c, from));
                vl_try_help(c);
            }
            while (*from == '0' && from[1]) from++;
            s.numstart = from;
        }
    }
    size_t suflen = 0;
    if (vl_has(c, 'a')) {
        int64_t v;
        const char *a = vl_arg(c, 'a');
        int rc = vl_parse_int(a, &v, false);
        if (rc < 0 || v < 0 || v > 1000000)
            vl_die(c, 1, "invalid suffix length: %s", vl_quote_locale(c, a));
        suflen = (size_t)v;
    }
    /* GNU's set_suffix_length */
    size_t needed = 0;
    if (s.numstart) s.sufauto = false;
    if (type == T_CHUNK_BYTES || type == T_CHUNK_LINES || type == T_RR) {
        uint64_t end = units - 1;
        if (s.numstart) {
            int64_t st;
            if (vl_parse_int(s.numstart, &st, false) == 0 && (uint64_t)st < units)
                end = end + (uint64_t)st < end ? UINT64_MAX : end + (uint64_t)st;
        }
        size_t alen = strlen(s.alphabet);
        do needed++;
        while (end /= alen);
        s.sufauto = false;
    }
    if (suflen) {
        if (suflen < needed) vl_die(c, 1, "the suffix length needs to be at least %zu", needed);
        s.sufauto = false;
    } else {
        suflen = needed > 2 ? needed : 2;
    }
    s.suflen = suflen;
    if (s.numstart && strlen(s.numstart) > s.suflen)
        vl_usage_error(c, "numerical suffix start value is too large for the suffix length");

    if (n > 2) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[3]));
    s.infile = n >= 1 ? argv[1] : "-";
    s.prefix = n >= 2 ? argv[2] : "x";
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, s.infile, &err);
    if (!in) vl_die(c, 1, "cannot open %s for reading: %s", vl_quote_always(c, s.infile), vl_strerror(err));
    switch (type) {
    case T_LINES: split_count(&s, in, units, true); break;
    case T_BYTES: split_count(&s, in, units, false); break;
    case T_LINEBYTES: split_linebytes(&s, in, units); break;
    case T_RR: split_rr(&s, in, k, units); break;
    default: {
        struct vk_stat st;
        int64_t off = -1;
        if (vk_fstat(c->p, in->fd, &st) == 0 && VK_S_ISREG(st.mode))
            off = vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR);
        if (off < 0) vl_die(c, 1, "%s: cannot determine file size", vl_quote(c, s.infile));
        uint64_t size = st.size > (uint64_t)off ? st.size - (uint64_t)off : 0;
        if (type == T_CHUNK_BYTES) split_chunk_bytes(&s, in, size, k, units);
        else split_chunk_lines(&s, in, size, k, units);
    }
    }
    close_out(&s);
    vl_in_close(c, in);
    return c->status;
}

static const vl_opt split_opts[] = {
    {'a', "suffix-length", VL_ARG, "N", "generate suffixes of length N (default 2)"},
    {257, "additional-suffix", VL_ARG, "SUFFIX", "append an additional SUFFIX to file names"},
    {'b', "bytes", VL_ARG, "SIZE", "put SIZE bytes per output file"},
    {'C', "line-bytes", VL_ARG, "SIZE", "put at most SIZE bytes of records per output file"},
    {'d', NULL, VL_NOARG, NULL, "use numeric suffixes starting at 0, not alphabetic"},
    {260, "numeric-suffixes", VL_OPTARG, "FROM", "same as -d, but allow setting the start value"},
    {'x', NULL, VL_NOARG, NULL, "use hex suffixes starting at 0, not alphabetic"},
    {261, "hex-suffixes", VL_OPTARG, "FROM", "same as -x, but allow setting the start value"},
    {'e', "elide-empty-files", VL_NOARG, NULL, "do not generate empty output files with '-n'"},
    {259, "filter", VL_ARG, "COMMAND", "(not supported in vos)"},
    {'l', "lines", VL_ARG, "NUMBER", "put NUMBER lines/records per output file"},
    {'n', "number", VL_ARG, "CHUNKS", "generate CHUNKS output files; see explanation below"},
    {'t', "separator", VL_ARG, "SEP", "use SEP instead of newline as the record separator"},
    {'u', "unbuffered", VL_NOARG, NULL, "immediately copy input to output with '-n r/...'"},
    {258, "verbose", VL_NOARG, NULL, "print a diagnostic just before each\n  output file is opened"},
    {0}};
VL_COMMAND(split, split_main, split_opts, "[OPTION]... [FILE [PREFIX]]",
           "Output pieces of FILE to PREFIXaa, PREFIXab, ...;\n"
           "default size is 1000 lines, and default PREFIX is 'x'.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
