/* gzip, gunzip, zcat: GNU gzip 1.12 over zlib. The gzip header and trailer are written here
 * (GNU's bytes: name, mtime, XFL, OS 3) around zlib's raw deflate with memLevel 9, which gives
 * GNU's exact bytes for small inputs; larger inputs may compress to different (equally valid)
 * bytes, since GNU gzip has its own deflate. Decompression takes concatenated members. A file
 * is written through a temporary beside it and renamed at the end, so a failure leaves no
 * partial output; the input is removed only after that (unless -k). No LZW (.Z), pack or
 * zip-member decompression: such input is "not in gzip format". */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <string.h>
#include <zlib.h>

enum { OPT_FAST = 256, OPT_BEST, OPT_RSYNC, OPT_SYNC, OPT_NONAME_UNUSED };

static const vl_opt gzip_opts[] = {
    {'c', "stdout", VL_NOARG, NULL, "write on standard output, keep original files unchanged"},
    {'c', "to-stdout", VL_NOARG, NULL, NULL},
    {'d', "decompress", VL_NOARG, NULL, "decompress"},
    {'d', "uncompress", VL_NOARG, NULL, NULL},
    {'f', "force", VL_NOARG, NULL, "force overwrite of output file and compress links"},
    {'k', "keep", VL_NOARG, NULL, "keep (don't delete) input files"},
    {'l', "list", VL_NOARG, NULL, "list compressed file contents"},
    {'n', "no-name", VL_NOARG, NULL, "do not save or restore the original name and timestamp"},
    {'N', "name", VL_NOARG, NULL, "save or restore the original name and timestamp"},
    {'q', "quiet", VL_NOARG, NULL, "suppress all warnings"},
    {'r', "recursive", VL_NOARG, NULL, "operate recursively on directories"},
    {OPT_RSYNC, "rsyncable", VL_NOARG, NULL, "make rsync-friendly archive (accepted)"},
    {'S', "suffix", VL_ARG, "SUF", "use suffix SUF on compressed files"},
    {OPT_SYNC, "synchronous", VL_NOARG, NULL, "synchronous output (accepted)"},
    {'t', "test", VL_NOARG, NULL, "test compressed file integrity"},
    {'v', "verbose", VL_NOARG, NULL, "verbose mode"},
    {'1', "fast", VL_NOARG, NULL, "compress faster"},
    {'2', NULL, VL_NOARG, NULL, NULL},
    {'3', NULL, VL_NOARG, NULL, NULL},
    {'4', NULL, VL_NOARG, NULL, NULL},
    {'5', NULL, VL_NOARG, NULL, NULL},
    {'6', NULL, VL_NOARG, NULL, NULL},
    {'7', NULL, VL_NOARG, NULL, NULL},
    {'8', NULL, VL_NOARG, NULL, NULL},
    {'9', "best", VL_NOARG, NULL, "compress better"},
    {0, NULL, 0, NULL, NULL},
};

enum { GZ_OK = 0, GZ_ERROR = 1, GZ_WARNING = 2 };
enum { CHUNK = 65536 };
enum { SINK_STDOUT = -1, SINK_NONE = -2 };

typedef struct gz {
    vl_ctx *c;
    bool dec, list, test, to_stdout, force, keep, quiet, recursive, verbose;
    bool save_name;    /* compress: store name and mtime (default; -n turns off) */
    bool restore_name; /* decompress: use the stored name and mtime (-N) */
    int level;
    const char *suffix;
    int exit_code;
    /* -l */
    bool listed_header;
    int64_t total_in, total_out, header_bytes;
    int64_t dec_hdr; /* header + trailer bytes of the last member decompressed */
    int nlisted;
    unsigned char *ibuf, *obuf;
    vl_tz tz;
} gz;

static void warn_code(gz *g)
{
    if (g->exit_code == GZ_OK) g->exit_code = GZ_WARNING;
}

static void error_code(gz *g)
{
    g->exit_code = GZ_ERROR;
}

static void sink_write(gz *g, int fd, const void *buf, size_t n, const char *outname, bool *failed)
{
    if (n == 0 || *failed) return;
    if (fd == SINK_NONE) return;
    if (fd == SINK_STDOUT) {
        vl_write(g->c, buf, n);
        return;
    }
    ssize_t w = vk_write(g->c->p, fd, buf, n);
    if (w < 0) {
        if (vk_dying(g->c->p)) vl_exit(g->c, VK_WSHELL(vk_dying(g->c->p)));
        vl_eprintf(g->c, "%s: %s: %s\n", g->c->name, outname, vl_strerror((int)w));
        *failed = true;
    }
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Compress in_fd into out (fd or SINK_*). name: stored in the header (NULL: none). Returns 0, or
 * -1 after a message. *bytes_in / *deflated: for -v's ratio. */
static int compress_fd(gz *g, int in_fd, const char *inname, int out, const char *outname,
                       const char *name, uint32_t mtime, int64_t *bytes_in, int64_t *deflated)
{
    vl_ctx *c = g->c;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = va_zalloc, zs.zfree = va_zfree, zs.opaque = c->p;
    if (deflateInit2(&zs, g->level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        vl_die(c, 1, "memory exhausted");
    bool failed = false;
    unsigned char hdr[10] = {0x1f, 0x8b, 8, name ? 8 : 0, 0, 0, 0, 0, 0, 3};
    put32(hdr + 4, mtime);
    hdr[8] = g->level == 9 ? 2 : g->level == 1 ? 4 : 0;
    sink_write(g, out, hdr, 10, outname, &failed);
    if (name) sink_write(g, out, name, strlen(name) + 1, outname, &failed);
    uLong crc = crc32(0, NULL, 0);
    int64_t total = 0, zout = 0;
    int rc = 0;
    for (bool eof = false; !eof && !failed;) {
        ssize_t n = vk_read(c->p, in_fd, g->ibuf, CHUNK);
        if (n < 0) {
            if (vk_dying(c->p)) vl_exit(c, VK_WSHELL(vk_dying(c->p)));
            vl_eprintf(c, "%s: %s: %s\n", c->name, inname, vl_strerror((int)n));
            rc = -1;
            break;
        }
        va_tick(c, (uint64_t)n);
        eof = n == 0;
        crc = crc32(crc, g->ibuf, (uInt)n);
        total += n;
        zs.next_in = g->ibuf, zs.avail_in = (uInt)n;
        do {
            zs.next_out = g->obuf, zs.avail_out = CHUNK;
            int zr = deflate(&zs, eof ? Z_FINISH : Z_NO_FLUSH);
            if (zr == Z_MEM_ERROR || zr == Z_STREAM_ERROR) vl_die(c, 1, "memory exhausted");
            size_t got = CHUNK - zs.avail_out;
            zout += (int64_t)got;
            sink_write(g, out, g->obuf, got, outname, &failed);
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    unsigned char trl[8];
    put32(trl, (uint32_t)crc);
    put32(trl + 4, (uint32_t)total);
    sink_write(g, out, trl, 8, outname, &failed);
    if (failed) rc = -1;
    *bytes_in = total, *deflated = zout;
    return rc;
}

/* The gzip header at b[0..n): its length (0 when more bytes are needed, -1 when not gzip).
 * name/mtime filled when found. */
static long parse_header(const unsigned char *b, size_t n, char *name, size_t namecap,
                         uint32_t *mtime)
{
    if (n < 2) return 0;
    if (b[0] != 0x1f || b[1] != 0x8b) return -1;
    if (n < 10) return 0;
    if (b[2] != 8) return -2;
    int flags = b[3];
    *mtime = get32(b + 4);
    size_t i = 10;
    if (flags & 4) {
        if (n < i + 2) return 0;
        i += 2 + (size_t)(b[i] | b[i + 1] << 8);
        if (n < i) return 0;
    }
    if (name) name[0] = 0;
    if (flags & 8) {
        size_t j = i;
        while (j < n && b[j]) j++;
        if (j >= n) return 0;
        if (name) {
            size_t len = j - i < namecap - 1 ? j - i : namecap - 1;
            memcpy(name, b + i, len);
            name[len] = 0;
        }
        i = j + 1;
    }
    if (flags & 16) {
        while (i < n && b[i]) i++;
        if (i >= n) return 0;
        i++;
    }
    if (flags & 2) i += 2;
    if (n < i) return 0;
    return (long)i;
}

/* Decompress in_fd into out. Returns 0, -1 (error reported), or 1 (warning reported). */
static int decompress_fd(gz *g, int in_fd, const char *inname, int out, const char *outname,
                         int64_t *bytes_in, int64_t *bytes_out, bool *was_gzip)
{
    vl_ctx *c = g->c;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = va_zalloc, zs.zfree = va_zfree, zs.opaque = c->p;
    if (inflateInit2(&zs, 15 + 16) != Z_OK) vl_die(c, 1, "memory exhausted");
    bool failed = false;
    int64_t tin = 0, tout = 0;
    int members = 0, rc = 0;
    size_t have = 0; /* bytes at ibuf not yet consumed */
    bool eof = false, in_member = false;
    *was_gzip = true;
    for (;;) {
        if (!eof && have < CHUNK) {
            ssize_t n = vk_read(c->p, in_fd, g->ibuf + have, CHUNK - have);
            if (n < 0) {
                if (vk_dying(c->p)) vl_exit(c, VK_WSHELL(vk_dying(c->p)));
                vl_eprintf(c, "%s: %s: %s\n", c->name, inname, vl_strerror((int)n));
                rc = -1;
                break;
            }
            va_tick(c, (uint64_t)n);
            if (n == 0) eof = true;
            have += (size_t)n;
            tin += n;
        }
        if (!in_member) {
            if (have == 0 && eof) {
                if (members == 0) {
                    /* empty input: gzip says "unexpected end of file" */
                    vl_eprintf(c, "\n%s: %s: unexpected end of file\n", c->name, inname);
                    rc = -1;
                }
                break;
            }
            if (have < 2 && !eof) continue;
            if (have < 2 || g->ibuf[0] != 0x1f || g->ibuf[1] != 0x8b) {
                if (members == 0) {
                    if (g->force && g->to_stdout && !g->test) {
                        /* zcat -f: not compressed, copied as it is */
                        *was_gzip = false;
                        for (;;) {
                            sink_write(g, out, g->ibuf, have, outname, &failed);
                            tout += (int64_t)have;
                            have = 0;
                            if (eof) break;
                            ssize_t n = vk_read(c->p, in_fd, g->ibuf, CHUNK);
                            if (n <= 0) break;
                            va_tick(c, (uint64_t)n);
                            have = (size_t)n;
                        }
                        break;
                    }
                    vl_eprintf(c, "\n%s: %s: not in gzip format\n", c->name, inname);
                    rc = -1;
                } else {
                    bool zeros = true;
                    for (size_t i = 0; i < have; i++) zeros &= g->ibuf[i] == 0;
                    if (!g->quiet)
                        vl_eprintf(c, "\n%s: %s: decompression OK, trailing %s ignored\n",
                                   c->name, inname, zeros ? "zero bytes" : "garbage");
                    rc = 1;
                }
                break;
            }
            if (have >= 3 && g->ibuf[2] != 8) {
                vl_eprintf(c, "%s: %s: unknown method %d -- not supported\n", c->name, inname,
                           g->ibuf[2]);
                rc = -1;
                break;
            }
            in_member = true;
            members++;
            {
                uint32_t mt;
                long h = parse_header(g->ibuf, have, NULL, 0, &mt);
                g->dec_hdr = h > 0 ? h + 8 : 0;
            }
            if (members > 1) inflateReset2(&zs, 15 + 16);
        }
        zs.next_in = g->ibuf, zs.avail_in = (uInt)have;
        int zr;
        do {
            zs.next_out = g->obuf, zs.avail_out = CHUNK;
            zr = inflate(&zs, Z_NO_FLUSH);
            size_t got = CHUNK - zs.avail_out;
            tout += (int64_t)got;
            sink_write(g, out, g->obuf, got, outname, &failed);
        } while (zr == Z_OK && zs.avail_out == 0);
        size_t left = zs.avail_in;
        memmove(g->ibuf, zs.next_in, left);
        have = left;
        if (zr == Z_STREAM_END) {
            in_member = false;
            continue;
        }
        if (zr == Z_MEM_ERROR) vl_die(c, 1, "memory exhausted");
        if (zr == Z_DATA_ERROR) {
            const char *m = zs.msg && strstr(zs.msg, "length check")
                                ? "invalid compressed data--length error"
                            : zs.msg && strstr(zs.msg, "data check")
                                ? "invalid compressed data--crc error"
                                : "invalid compressed data--format violated";
            vl_eprintf(c, "\n%s: %s: %s\n", c->name, inname, m);
            rc = -1;
            break;
        }
        if (zr == Z_BUF_ERROR || (zr == Z_OK && zs.avail_in == 0)) {
            if (eof) {
                vl_eprintf(c, "\n%s: %s: unexpected end of file\n", c->name, inname);
                rc = -1;
                break;
            }
        }
        if (failed) break;
    }
    inflateEnd(&zs);
    if (failed) rc = -1;
    *bytes_in = tin, *bytes_out = tout;
    return rc;
}

static void print_ratio(gz *g, vl_buf *b, int64_t num, int64_t den)
{
    vl_buf_printf(g->c, b, "%5.1f%%", den == 0 ? 0.0 : 100.0 * (double)num / (double)den);
}

/* The suffix of name that decompression strips, or NULL. */
static const char *known_suffix(gz *g, const char *name)
{
    static const char *const sfx[] = {".gz", ".z", "-gz", "-z", "_z", ".tgz", ".taz", NULL};
    size_t n = strlen(name);
    size_t sl = strlen(g->suffix);
    if (sl && n > sl && strcmp(name + n - sl, g->suffix) == 0) return name + n - sl;
    for (int i = 0; sfx[i]; i++) {
        size_t l = strlen(sfx[i]);
        if (n > l && strcmp(name + n - l, sfx[i]) == 0 && name[n - l - 1] != '/')
            return name + n - l;
    }
    return NULL;
}

static void list_header_line(gz *g)
{
    if (g->listed_header) return;
    g->listed_header = true;
    if (g->verbose) vl_puts(g->c, "method  crc     date  time  ");
    vl_puts(g->c, "         compressed        uncompressed  ratio uncompressed_name\n");
}

static void list_line(gz *g, int64_t in, int64_t out, const char *name, uint32_t crc,
                      uint32_t mtime, bool totals)
{
    vl_ctx *c = g->c;
    vl_buf b = {0};
    if (g->verbose) {
        if (totals) {
            vl_buf_adds(c, &b, "                            ");
        } else {
            static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
            vl_tm tm;
            vl_time_split(mtime, 0, &g->tz, &tm);
            vl_buf_printf(c, &b, "defla %08lx %s %2d %02d:%02d ", (unsigned long)crc,
                          mon[tm.mon - 1], tm.mday, tm.hour, tm.min);
        }
    }
    vl_buf_printf(c, &b, "%19lld %19lld ", (long long)in, (long long)out);
    print_ratio(g, &b, out - (in - g->header_bytes), out);
    vl_buf_printf(c, &b, " %s\n", name);
    vl_write(c, b.data, b.len);
    vl_buf_free(c, &b);
}

static void do_list(gz *g, int fd, const char *inname, const char *outname)
{
    vl_ctx *c = g->c;
    g->header_bytes = 0;
    ssize_t n = vk_pread(c->p, fd, g->ibuf, CHUNK, 0);
    uint32_t mtime = 0;
    long h = n > 0 ? parse_header(g->ibuf, (size_t)n, NULL, 0, &mtime) : -1;
    if (h <= 0) {
        if (h == 0 && n > 0) vl_eprintf(c, "\n%s: %s: unexpected end of file\n", c->name, inname);
        else vl_eprintf(c, "\n%s: %s: not in gzip format\n", c->name, inname);
        error_code(g);
        return;
    }
    struct vk_stat st;
    vk_fstat(c->p, fd, &st);
    int64_t size = (int64_t)st.size;
    unsigned char trl[8] = {0};
    if (size >= 8) vk_pread(c->p, fd, trl, 8, size - 8);
    g->header_bytes = h + 8;
    list_header_line(g);
    int64_t out = get32(trl + 4);
    list_line(g, size, out, outname, get32(trl), mtime, false);
    g->total_in += size, g->total_out += out;
    g->nlisted++;
}

/* Set the mode and times of path from st (what gzip copies from input to output). */
static void copy_attrs(gz *g, const char *path, const struct vk_stat *st, int64_t mtime_ns)
{
    vk_chmod(g->c->p, path, st->mode & 07777);
    int64_t t[2] = {st->atime_ns, mtime_ns};
    vk_utimens(g->c->p, path, t, true);
}

static void treat_stdin(gz *g)
{
    vl_ctx *c = g->c;
    int64_t in = 0, out = 0;
    if (g->list) {
        /* read it all: the sizes are the bytes read and the last member's trailer */
        g->header_bytes = 0;
        unsigned char last[8] = {0}, head[512];
        size_t nhead = 0;
        int64_t total = 0;
        for (;;) {
            ssize_t n = vk_read(c->p, 0, g->ibuf, CHUNK);
            if (n < 0 && vk_dying(c->p)) vl_exit(c, VK_WSHELL(vk_dying(c->p)));
            if (n <= 0) break;
            va_tick(c, (uint64_t)n);
            if (nhead < sizeof head) {
                size_t k = sizeof head - nhead < (size_t)n ? sizeof head - nhead : (size_t)n;
                memcpy(head + nhead, g->ibuf, k);
                nhead += k;
            }
            if (n >= 8) {
                memcpy(last, g->ibuf + n - 8, 8);
            } else {
                memmove(last, last + n, (size_t)(8 - n));
                memcpy(last + 8 - n, g->ibuf, (size_t)n);
            }
            total += n;
        }
        uint32_t mtime = 0;
        long h = nhead ? parse_header(head, nhead, NULL, 0, &mtime) : -1;
        if (h <= 0) {
            vl_eprintf(c, "\n%s: stdin: not in gzip format\n", c->name);
            error_code(g);
            return;
        }
        g->header_bytes = h + 8;
        list_header_line(g);
        int64_t usize = get32(last + 4);
        list_line(g, total, usize, "stdout", get32(last), mtime, false);
        g->total_in += total, g->total_out += usize;
        g->nlisted++;
        return;
    }
    if (!g->dec && !g->test) {
        compress_fd(g, 0, "stdin", SINK_STDOUT, "stdout", NULL, 0, &in, &out);
        if (g->verbose) {
            vl_buf b = {0};
            vl_buf_adds(c, &b, "stdin:\t");
            print_ratio(g, &b, in - out, in);
            vl_buf_adds(c, &b, "\n");
            vl_flush(c);
            vl_write_fd(c, 2, b.data, b.len);
        }
        return;
    }
    bool was;
    int rc = decompress_fd(g, 0, "stdin", g->test ? SINK_NONE : SINK_STDOUT, "stdout", &in, &out,
                           &was);
    if (rc < 0) error_code(g);
    else if (rc > 0) warn_code(g);
    else if (g->test && g->verbose) vl_eprintf(c, "stdin:\t OK\n");
}

static void treat_file(gz *g, const char *name, bool from_walk);

static int walk_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    gz *g = ud;
    if (event == VL_WALK_FILE) treat_file(g, e->path, true);
    else if (event == VL_WALK_DNR || event == VL_WALK_NS) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, e->path, vl_strerror(e->err));
        error_code(g);
    }
    return 0;
}

static void treat_file(gz *g, const char *name, bool from_walk)
{
    vl_ctx *c = g->c;
    vk_proc *p = c->p;
    if (strcmp(name, "-") == 0) {
        treat_stdin(g);
        return;
    }
    const char *iname = name;
    struct vk_stat st;
    int rc = vk_lstat(p, iname, &st);
    if (rc == VOS_ENOENT && (g->dec || g->list || g->test) && !known_suffix(g, name)) {
        /* gunzip foo finds foo.gz */
        static const char *const sfx[] = {".gz", ".z", "-gz", "-z", "_z", NULL};
        const char *first = NULL;
        for (int i = -1; sfx[i + 1] || i < 0; i++) {
            const char *s = i < 0 ? g->suffix : sfx[i];
            if (!*s) continue;
            char *cand = vl_xmalloc(c, strlen(name) + strlen(s) + 1);
            strcpy(cand, name), strcat(cand, s);
            if (!first) first = cand;
            if (vk_lstat(p, cand, &st) == 0) {
                iname = cand;
                rc = 0;
                break;
            }
        }
        if (rc < 0) iname = first;
    }
    if (rc < 0) {
        if (!(rc == VOS_ENOENT && g->quiet && 0))
            vl_eprintf(c, "%s: %s: %s\n", c->name, iname, vl_strerror(rc));
        error_code(g);
        return;
    }
    if (VK_S_ISLNK(st.mode)) {
        if (!g->force || !g->to_stdout) {
            if (!g->force) {
                vl_eprintf(c, "%s: %s: %s\n", c->name, iname, vl_strerror(VOS_ELOOP));
                error_code(g);
                return;
            }
        }
        if (vk_stat(p, iname, &st) < 0) {
            vl_eprintf(c, "%s: %s: %s\n", c->name, iname, vl_strerror(VOS_ENOENT));
            error_code(g);
            return;
        }
    }
    if (VK_S_ISDIR(st.mode)) {
        if (g->recursive) {
            vl_walk(c, iname, 0, walk_cb, g);
            return;
        }
        if (!g->quiet) vl_eprintf(c, "%s: %s is a directory -- ignored\n", c->name, iname);
        warn_code(g);
        return;
    }
    if (!VK_S_ISREG(st.mode)) {
        if (!g->quiet)
            vl_eprintf(c, "%s: %s is not a directory or a regular file - ignored\n", c->name, iname);
        warn_code(g);
        return;
    }
    bool decomp = g->dec || g->test || g->list;
    const char *suf = known_suffix(g, iname);
    /* output name */
    char *oname = NULL;
    if (!decomp) {
        if (suf && !g->to_stdout && !g->force) {
            if (!from_walk || g->verbose) {
                /* a warning that leaves the exit status alone (gzip 1.12) */
                if (!g->quiet)
                    vl_eprintf(c, "%s: %s already has %s suffix -- unchanged\n", c->name, iname,
                               suf);
            }
            return;
        }
        oname = vl_xmalloc(c, strlen(iname) + strlen(g->suffix) + 1);
        strcpy(oname, iname), strcat(oname, g->suffix);
    } else {
        if (!suf) {
            if (!g->to_stdout && !g->test && !g->list) {
                if (!from_walk && !g->quiet) {
                    vl_eprintf(c, "%s: %s: unknown suffix -- ignored\n", c->name, iname);
                    warn_code(g);
                }
                return;
            }
            oname = vl_xstrdup(c, iname);
        } else {
            size_t keep = (size_t)(suf - iname);
            bool tar = strcmp(suf, ".tgz") == 0 || strcmp(suf, ".taz") == 0;
            oname = vl_xmalloc(c, keep + 5);
            memcpy(oname, iname, keep);
            strcpy(oname + keep, tar ? ".tar" : "");
        }
    }
    if (!g->to_stdout && !g->test && !g->list && st.nlink > 1 && !g->force) {
        if (!g->quiet)
            vl_eprintf(c, "%s: %s has %u other link%s -- file ignored\n", c->name, iname,
                       st.nlink - 1, st.nlink > 2 ? "s" : "");
        warn_code(g);
        return;
    }
    int in_fd = vk_open(p, iname, VK_O_RDONLY, 0);
    if (in_fd < 0) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, iname, vl_strerror(in_fd));
        error_code(g);
        return;
    }
    if (g->list) {
        do_list(g, in_fd, iname, oname);
        vk_close(p, in_fd);
        return;
    }
    /* -N: the stored name and time */
    uint32_t hmtime = 0;
    bool have_hmtime = false;
    if (decomp && g->restore_name && !g->to_stdout) {
        char hname[VK_NAME_MAX + 1];
        ssize_t n = vk_pread(p, in_fd, g->ibuf, CHUNK, 0);
        if (n > 0 && parse_header(g->ibuf, (size_t)n, hname, sizeof hname, &hmtime) > 0) {
            have_hmtime = hmtime != 0;
            if (hname[0]) {
                const char *base = strrchr(hname, '/');
                base = base ? base + 1 : hname;
                char *dir = vl_dirname(c, iname);
                oname = strcmp(dir, ".") == 0 && iname[0] != '.' ? vl_xstrdup(c, base)
                                                                   : vl_path_join(c, dir, base);
            }
        }
    }
    int out = g->test ? SINK_NONE : SINK_STDOUT;
    char *tmp = NULL;
    if (!g->to_stdout && !g->test) {
        struct vk_stat ost;
        if (vk_lstat(p, oname, &ost) == 0) {
            if (!g->force) {
                if (!g->quiet)
                    vl_eprintf(c, "%s: %s already exists;\tnot overwritten\n", c->name, oname);
                warn_code(g);
                vk_close(p, in_fd);
                return;
            }
        }
        out = vl_temp_beside(c, oname, 0600, &tmp);
        if (out < 0) {
            vl_eprintf(c, "%s: %s: %s\n", c->name, oname, vl_strerror(out));
            error_code(g);
            vk_close(p, in_fd);
            return;
        }
    }
    int64_t bin = 0, bout = 0;
    int r;
    bool was_gzip = true;
    if (!decomp) {
        const char *base = vl_basename(c, iname);
        uint32_t mt = (uint32_t)(st.mtime_ns / 1000000000);
        r = compress_fd(g, in_fd, iname, out, tmp ? tmp : "stdout", g->save_name ? base : NULL,
                        g->save_name ? mt : 0, &bin, &bout);
    } else {
        r = decompress_fd(g, in_fd, iname, out, tmp ? tmp : "stdout", &bin, &bout, &was_gzip);
    }
    vk_close(p, in_fd);
    if (tmp) vk_close(p, out);
    if (r < 0) {
        if (tmp) vk_unlink(p, tmp);
        error_code(g);
        return;
    }
    if (r > 0) warn_code(g);
    if (tmp) {
        copy_attrs(g, tmp, &st, have_hmtime ? (int64_t)hmtime * 1000000000 : st.mtime_ns);
        int rr = vk_rename(p, tmp, oname);
        if (rr < 0) {
            vl_eprintf(c, "%s: %s: %s\n", c->name, oname, vl_strerror(rr));
            vk_unlink(p, tmp);
            error_code(g);
            return;
        }
        if (!g->keep) {
            int ur = vk_unlink(p, iname);
            if (ur < 0) {
                vl_eprintf(c, "%s: %s: %s\n", c->name, iname, vl_strerror(ur));
                error_code(g);
            }
        }
    }
    if (g->verbose) {
        vl_buf b = {0};
        vl_buf_printf(c, &b, "%s:\t", iname);
        if (g->test) {
            vl_buf_adds(c, &b, " OK");
        } else if (!decomp) {
            print_ratio(g, &b, bin - bout, bin);
        } else {
            /* bytes_out - (bytes_in - header - trailer): the deflate part only, as gzip
             * computes it */
            int64_t hdr = g->dec_hdr;
            print_ratio(g, &b, bout - (bin - hdr), bout);
        }
        if (!g->test) {
            if (g->to_stdout) vl_buf_adds(c, &b, " -- replaced with stdout");
            else vl_buf_printf(c, &b, " -- %s %s", g->keep ? "created" : "replaced with", oname);
        }
        vl_buf_adds(c, &b, "\n");
        vl_flush(c);
        vl_write_fd(c, 2, b.data, b.len);
        vl_buf_free(c, &b);
    }
}

static int gzip_run(vl_ctx *c, int argc, char **argv, int mode)
{
    gz g0 = {0}, *g = &g0;
    g->c = c;
    int n = vl_getopt(c, argc, argv);
    c->name = "gzip"; /* gunzip and zcat are gzip -d / gzip -dc: gzip's messages */
    g->dec = mode != 0 || vl_has(c, 'd');
    g->to_stdout = mode == 2 || vl_has(c, 'c');
    g->force = vl_has(c, 'f');
    g->keep = vl_has(c, 'k');
    g->list = vl_has(c, 'l');
    g->test = vl_has(c, 't');
    g->quiet = vl_has(c, 'q');
    g->verbose = vl_has(c, 'v') && !g->quiet;
    g->recursive = vl_has(c, 'r');
    g->save_name = !(vl_last(c, 'n') > vl_last(c, 'N'));
    g->restore_name = vl_last(c, 'N') > vl_last(c, 'n');
    g->suffix = vl_has(c, 'S') ? vl_arg(c, 'S') : ".gz";
    if (!*g->suffix && !g->dec)
        vl_die(c, 1, "invalid suffix ''");
    g->level = 6;
    int best = 0;
    for (int l = 1; l <= 9; l++)
        if (vl_last(c, '0' + l) > best) best = vl_last(c, '0' + l), g->level = l;
    if (g->test) g->to_stdout = true;
    g->ibuf = vl_xmalloc(c, CHUNK);
    g->obuf = vl_xmalloc(c, CHUNK);
    vl_tz_from_env(c, &g->tz);
    if (n == 0) treat_stdin(g);
    for (int i = 1; i <= n; i++) treat_file(g, argv[i], false);
    if (g->list && g->nlisted > 1 && !g->quiet) {
        list_header_line(g);
        list_line(g, g->total_in, g->total_out, "(totals)", 0, 0, true);
    }
    vl_flush(c);
    return g->exit_code;
}

static int gzip_main(vl_ctx *c, int argc, char **argv)
{
    return gzip_run(c, argc, argv, 0);
}
static int gunzip_main(vl_ctx *c, int argc, char **argv)
{
    return gzip_run(c, argc, argv, 1);
}
static int zcat_main(vl_ctx *c, int argc, char **argv)
{
    return gzip_run(c, argc, argv, 2);
}

VL_COMMAND(gzip, gzip_main, gzip_opts, "[OPTION]... [FILE]...",
           "Compress or uncompress FILEs (by default, compress FILES in-place).", 0, 1);
VL_COMMAND(gunzip, gunzip_main, gzip_opts, "[OPTION]... [FILE]...",
           "Uncompress FILEs (by default, in-place).", 0, 1);
VL_COMMAND(zcat, zcat_main, gzip_opts, "[OPTION]... [FILE]...",
           "Uncompress FILEs to standard output.", 0, 1);
