/* archive_vfs.c: the glue between the compression/archive libraries and the VM: step checks
 * between chunks, allocators charged to the VM, one streaming codec interface over libbz2,
 * liblzma and libzstd, and libarchive callbacks that read and write VM file descriptors. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem: zstd's allocations charged to the VM */
#include "lib/archive_vfs.h"

#include <archive.h>
#include <errno.h>
#include <bzlib.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

int va_tick_rc(vl_ctx *c, uint64_t bytes)
{
    int rc = vk_steps(c->p, bytes / 4096 + 1);
    return rc < 0 && rc != VOS_EINTR ? rc : 0;
}

void va_tick(vl_ctx *c, uint64_t bytes)
{
    int rc = va_tick_rc(c, bytes);
    if (rc < 0) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

void *va_zalloc(void *opaque, unsigned items, unsigned size)
{
    return vk_calloc((vk_proc *)opaque, items, size);
}

void va_zfree(void *opaque, void *ptr)
{
    vk_free((vk_proc *)opaque, ptr);
}

static void *bz_alloc(void *opaque, int items, int size)
{
    return vk_malloc((vk_proc *)opaque, (size_t)items * (size_t)size);
}
static void bz_free(void *opaque, void *ptr)
{
    vk_free((vk_proc *)opaque, ptr);
}
static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
    return vk_malloc((vk_proc *)opaque, nmemb * size);
}
static void zs_free(void *opaque, void *ptr)
{
    vk_free((vk_proc *)opaque, ptr);
}
static void *zs_alloc(void *opaque, size_t size)
{
    return vk_malloc((vk_proc *)opaque, size);
}

/* ---- codec ---- */
struct va_codec {
    vl_ctx *c;
    int kind;
    bool compress;
    int level;
    void *defer;
    bz_stream bz;
    lzma_stream lz;
    lzma_allocator lzalloc;
    ZSTD_CStream *zc;
    ZSTD_DStream *zd;
    bool started;
};

static void codec_end(va_codec *z)
{
    if (!z->started) return;
    z->started = false;
    switch (z->kind) {
    case VA_BZIP2:
        if (z->compress) BZ2_bzCompressEnd(&z->bz);
        else BZ2_bzDecompressEnd(&z->bz);
        break;
    case VA_XZ: lzma_end(&z->lz); break;
    case VA_ZSTD:
        if (z->zc) ZSTD_freeCStream(z->zc);
        if (z->zd) ZSTD_freeDStream(z->zd);
        z->zc = NULL, z->zd = NULL;
        break;
    }
}

static void codec_defer(void *arg)
{
    codec_end(arg);
}

static bool codec_start(va_codec *z)
{
    vk_proc *p = z->c->p;
    switch (z->kind) {
    case VA_BZIP2:
        memset(&z->bz, 0, sizeof z->bz);
        z->bz.bzalloc = bz_alloc, z->bz.bzfree = bz_free, z->bz.opaque = p;
        if (z->compress) {
            if (BZ2_bzCompressInit(&z->bz, z->level ? z->level : 9, 0, 0) != BZ_OK) return false;
        } else if (BZ2_bzDecompressInit(&z->bz, 0, 0) != BZ_OK) {
            return false;
        }
        break;
    case VA_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        z->lz = init;
        z->lzalloc.alloc = lz_alloc, z->lzalloc.free = zs_free, z->lzalloc.opaque = p;
        z->lz.allocator = &z->lzalloc;
        lzma_ret r = z->compress
                         ? lzma_easy_encoder(&z->lz, (uint32_t)(z->level ? z->level - 1 : 6),
                                             LZMA_CHECK_CRC64)
                         : lzma_stream_decoder(&z->lz, UINT64_MAX, LZMA_CONCATENATED);
        if (r != LZMA_OK) return false;
        break;
    }
    case VA_ZSTD: {
        ZSTD_customMem mem = {zs_alloc, zs_free, p};
        if (z->compress) {
            z->zc = ZSTD_createCStream_advanced(mem);
            if (!z->zc) return false;
            ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, z->level ? z->level : 3);
            ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1);
        } else {
            z->zd = ZSTD_createDStream_advanced(mem);
            if (!z->zd) return false;
        }
        break;
    }
    default: return false;
    }
    z->started = true;
    return true;
}

va_codec *va_codec_new(vl_ctx *c, int kind, bool compress, int level)
{
    va_codec *z = vl_xcalloc(c, 1, sizeof *z);
    z->c = c, z->kind = kind, z->compress = compress, z->level = level;
    if (!codec_start(z)) {
        vl_xfree(c, z);
        return NULL;
    }
    z->defer = vl_defer(c, codec_defer, z);
    return z;
}

void va_codec_free(va_codec *z)
{
    if (!z) return;
    codec_end(z);
    vl_undefer(z->c, z->defer);
    vl_xfree(z->c, z);
}

void va_codec_set_size(va_codec *z, uint64_t size)
{
    if (z->kind == VA_ZSTD && z->zc) ZSTD_CCtx_setPledgedSrcSize(z->zc, size);
}

void va_codec_reset(va_codec *z)
{
    codec_end(z);
    codec_start(z);
}

int va_codec_step(va_codec *z, const void *in, size_t *inlen, void *out, size_t *outlen,
                  size_t outcap, bool finish)
{
    size_t avail_out = outcap - *outlen;
    char *o = (char *)out + *outlen;
    int ret = VA_OK;
    switch (z->kind) {
    case VA_BZIP2: {
        /* bzip2 counts in unsigned int: feed at most 1 GiB per call */
        z->bz.next_in = (char *)in;
        z->bz.avail_in = (unsigned)(*inlen > (1u << 30) ? (1u << 30) : *inlen);
        size_t given = z->bz.avail_in;
        z->bz.next_out = o;
        z->bz.avail_out = (unsigned)(avail_out > (1u << 30) ? (1u << 30) : avail_out);
        size_t ocap = z->bz.avail_out;
        int r;
        if (z->compress) {
            bool all = finish && given == *inlen;
            r = BZ2_bzCompress(&z->bz, all ? BZ_FINISH : BZ_RUN);
            if (r == BZ_STREAM_END) ret = VA_END;
            else if (r < 0) ret = VA_EDATA;
        } else {
            r = BZ2_bzDecompress(&z->bz);
            if (r == BZ_STREAM_END) ret = VA_END;
            else if (r == BZ_DATA_ERROR_MAGIC) ret = VA_EFORMAT;
            else if (r == BZ_MEM_ERROR) ret = VA_EMEM;
            else if (r < 0) ret = VA_EDATA;
        }
        *inlen -= given - z->bz.avail_in;
        *outlen += ocap - z->bz.avail_out;
        break;
    }
    case VA_XZ: {
        z->lz.next_in = in, z->lz.avail_in = *inlen;
        z->lz.next_out = (uint8_t *)o, z->lz.avail_out = avail_out;
        lzma_ret r = lzma_code(&z->lz, finish ? LZMA_FINISH : LZMA_RUN);
        if (r == LZMA_STREAM_END) ret = VA_END;
        else if (r == LZMA_FORMAT_ERROR) ret = VA_EFORMAT;
        else if (r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR) ret = VA_EMEM;
        else if (r != LZMA_OK && r != LZMA_BUF_ERROR) ret = VA_EDATA;
        *inlen = z->lz.avail_in;
        *outlen += avail_out - z->lz.avail_out;
        break;
    }
    case VA_ZSTD: {
        ZSTD_inBuffer ib = {in, *inlen, 0};
        ZSTD_outBuffer ob = {o, avail_out, 0};
        if (z->compress) {
            size_t r = ZSTD_compressStream2(z->zc, &ob, &ib, finish ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(r)) ret = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation
                                           ? VA_EMEM : VA_EDATA;
            else if (finish && r == 0 && ib.pos == ib.size) ret = VA_END;
        } else {
            size_t r = ZSTD_decompressStream(z->zd, &ob, &ib);
            if (ZSTD_isError(r)) {
                ZSTD_ErrorCode e = ZSTD_getErrorCode(r);
                ret = e == ZSTD_error_prefix_unknown ? VA_EFORMAT
                      : e == ZSTD_error_memory_allocation ? VA_EMEM : VA_EDATA;
            } else if (r == 0) {
                ret = VA_END;
            }
        }
        *inlen -= ib.pos;
        *outlen += ob.pos;
        break;
    }
    }
    return ret;
}

/* ---- libarchive callbacks ---- */
enum { IO_CHUNK = 65536 };

static la_ssize_t io_read_cb(struct archive *a, void *ud, const void **buf)
{
    va_io *io = ud;
    /* never unwind out of libarchive from here: fail the call, the caller ends the command */
    int rc = io->err ? io->err : va_tick_rc(io->c, IO_CHUNK);
    if (rc < 0) {
        io->err = rc;
        archive_set_error(a, EINTR, "%s", vl_strerror(rc));
        return -1;
    }
    ssize_t n = vk_read(io->c->p, io->fd, io->buf, io->cap);
    if (n < 0) {
        if (!io->err) io->err = (int)n;
        archive_set_error(a, -(int)n, "%s", vl_strerror((int)n));
        return -1;
    }
    io->bytes += (uint64_t)n;
    *buf = io->buf;
    return n;
}

static la_ssize_t io_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
    va_io *io = ud;
    int rc = io->err ? io->err : va_tick_rc(io->c, n);
    if (rc < 0) {
        io->err = rc;
        archive_set_error(a, EINTR, "%s", vl_strerror(rc));
        return -1;
    }
    ssize_t w = vk_write(io->c->p, io->fd, buf, n);
    if (w < 0) {
        if (!io->err) io->err = (int)w;
        archive_set_error(a, -(int)w, "%s", vl_strerror((int)w));
        return -1;
    }
    io->bytes += (uint64_t)w;
    return w;
}

va_io *va_read_open_fd(vl_ctx *c, struct archive *a, int fd, int *rc)
{
    va_io *io = vl_xcalloc(c, 1, sizeof *io);
    io->c = c, io->fd = fd, io->cap = IO_CHUNK;
    io->buf = vl_xmalloc(c, io->cap);
    *rc = archive_read_open(a, io, NULL, io_read_cb, NULL);
    return io;
}

va_io *va_write_open_fd(vl_ctx *c, struct archive *a, int fd, int *rc)
{
    va_io *io = vl_xcalloc(c, 1, sizeof *io);
    io->c = c, io->fd = fd;
    *rc = archive_write_open(a, io, NULL, io_write_cb, NULL);
    return io;
}

/* ---- bzip2 / xz / zstd front end ---- */
#include "lib/walk.h"

typedef struct tool_run {
    vl_ctx *c;
    const va_tool *tool;
    bool dec, test, to_stdout, force, keep, quiet, verbose;
    int level;
    const char *oname; /* zstd -o */
    int exit_code;
    char *ibuf, *obuf;
} tool_run;

enum { TBUF = 65536 };

static void tool_err(tool_run *r, int code)
{
    if (r->tool->style == VA_STYLE_BZIP2) {
        if (code > r->exit_code) r->exit_code = code;
    } else if (code == 1 || r->exit_code == 0) {
        r->exit_code = code;
    }
}

static void tmsg(tool_run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tmsg(tool_run *r, int code, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_flush(r->c);
    vl_write_fd(r->c, 2, tmp, strlen(tmp));
    if (code) tool_err(r, code);
}

static const char *tname(tool_run *r)
{
    return r->tool->style == VA_STYLE_ZSTD ? "zstd" : r->c->name;
}

/* zstd's sizes: "292 B", "3.80 KiB", "106 KiB" */
static void zstd_size(char *out, size_t n, uint64_t size)
{
    static const char *const units[] = {" B", " KiB", " MiB", " GiB", " TiB"};
    double v = (double)size;
    int u = 0;
    while (u < 4 && size >= (1ull << (10 * (u + 1)))) u++;
    v = (double)size / (double)(1ull << (10 * u));
    int prec = (v >= 100 || (uint64_t)v == size) ? 0 : v >= 10 ? 1 : v > 1 ? 2 : 3;
    snprintf(out, n, "%6.*f%s", prec, v, units[u]);
}

static void sinkw(tool_run *r, int fd, const void *b, size_t n, bool *failed, int *werr)
{
    if (!n || *failed || fd == -2) return;
    if (fd == -1) {
        vl_write(r->c, b, n);
        return;
    }
    ssize_t w = vk_write(r->c->p, fd, b, n);
    if (w < 0) {
        if (vk_dying(r->c->p)) vl_exit(r->c, VK_WSHELL(vk_dying(r->c->p)));
        *failed = true;
        *werr = (int)w;
    }
}

/* Run the codec from in_fd to out (fd, -1 stdout, -2 nowhere). Returns VA_OK or an error code
 * (VA_EDATA, VA_EFORMAT, VA_EMEM, 2 = truncated, 3 = write error in *werr, 4 = trailing
 * garbage after a good stream (bzip2)). */
static int tool_pump(tool_run *r, int in_fd, int out, uint64_t *nin, uint64_t *nout, int *werr)
{
    vl_ctx *c = r->c;
    va_codec *z = va_codec_new(c, r->tool->kind, !r->dec, r->level);
    if (!z) return VA_EMEM;
    struct vk_stat ist;
    if (!r->dec && vk_fstat(c->p, in_fd, &ist) == 0 && VK_S_ISREG(ist.mode) &&
        vk_lseek(c->p, in_fd, 0, VK_SEEK_CUR) == 0)
        va_codec_set_size(z, ist.size);
    bool failed = false, eof = false, ended = false;
    size_t have = 0, off = 0;
    uint64_t tin = 0, tout = 0;
    int rc = VA_OK;
    bool any_stream = false;
    unsigned char head[6];
    size_t nhead = 0;
    for (;;) {
        if (have == 0 && !eof) {
            ssize_t n = vk_read(c->p, in_fd, r->ibuf, TBUF);
            if (n < 0) {
                if (vk_dying(c->p)) vl_exit(c, VK_WSHELL(vk_dying(c->p)));
                *werr = (int)n;
                rc = 5;
                break;
            }
            va_tick(c, (uint64_t)n);
            if (n == 0) eof = true;
            if (tin < sizeof head) {
                size_t k = sizeof head - tin < (size_t)n ? sizeof head - tin : (size_t)n;
                memcpy(head + tin, r->ibuf, k);
                nhead = tin + k;
            }
            have = (size_t)n, off = 0;
            tin += (uint64_t)n;
        }
        if (ended) {
            /* after a complete stream: more input is another stream (bzip2 needs a reset) */
            if (have == 0 && eof) break;
            if (r->tool->kind == VA_BZIP2) {
                if (have < 3 || memcmp(r->ibuf + off, "BZh", 3) != 0) {
                    rc = 4;
                    break;
                }
                va_codec_reset(z);
            }
            ended = false;
        }
        size_t left = have, olen = 0;
        int s = va_codec_step(z, r->ibuf + off, &left, r->obuf, &olen, TBUF, eof);
        off += have - left;
        have = left;
        tout += olen;
        sinkw(r, out, r->obuf, olen, &failed, werr);
        if (failed) {
            rc = 3;
            break;
        }
        if (s == VA_END) {
            any_stream = true;
            if (!r->dec) break;
            ended = true;
            continue;
        }
        if (s < 0) {
            rc = s;
            if (s == VA_EFORMAT && any_stream) rc = 4;
            break;
        }
        if (eof && have == 0 && olen == 0) {
            if (!r->dec) continue; /* the compressor finishes on the next call */
            rc = 2;                /* input ended inside a stream */
            if (!any_stream && tin == 0) rc = r->tool->kind == VA_ZSTD ? VA_OK : 2;
            break;
        }
    }
    va_codec_free(z);
    if (rc == 2 && !any_stream && r->dec && nhead > 0) {
        /* a short input that does not even start like the format */
        static const struct {
            int kind;
            const char *magic;
            size_t len;
        } mg[] = {{VA_BZIP2, "BZh", 3}, {VA_XZ, "\xfd" "7zXZ\0", 6}, {VA_ZSTD, "\x28\xb5\x2f\xfd", 4}};
        for (size_t i = 0; i < sizeof mg / sizeof mg[0]; i++)
            if (mg[i].kind == r->tool->kind &&
                memcmp(head, mg[i].magic, nhead < mg[i].len ? nhead : mg[i].len) != 0)
                rc = VA_EFORMAT;
    }
    *nin = tin, *nout = tout;
    return rc;
}

static const char *strip_dsfx(tool_run *r, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; r->tool->dsfx[i]; i += 2) {
        size_t l = strlen(r->tool->dsfx[i]);
        if (n > l && strcmp(name + n - l, r->tool->dsfx[i]) == 0) {
            char *o = vl_xmalloc(r->c, n - l + strlen(r->tool->dsfx[i + 1]) + 1);
            memcpy(o, name, n - l);
            strcpy(o + n - l, r->tool->dsfx[i + 1]);
            return o;
        }
    }
    return NULL;
}

static void report_decode_error(tool_run *r, int rc, const char *name, const char *outname,
                                int werr)
{
    int st = r->tool->style;
    const char *pn = tname(r);
    if (rc == 3 || rc == 5) {
        tmsg(r, 1, "%s: %s: %s\n", pn, rc == 3 ? outname : name, vl_strerror(werr));
        return;
    }
    if (rc == VA_EMEM) {
        tmsg(r, 1, "%s: %s: Cannot allocate memory\n", pn, name);
        return;
    }
    if (st == VA_STYLE_BZIP2) {
        if (rc == VA_EFORMAT) {
            if (r->test)
                tmsg(r, 2, "%s: %s: bad magic number (file not created by bzip2)\n\n"
                           "You can use the `bzip2recover' program to attempt to recover\n"
                           "data from undamaged sections of corrupted files.\n\n", pn, name);
            else
                tmsg(r, 2, "%s: %s is not a bzip2 file.\n", pn, name);
        } else if (rc == 4) {
            tmsg(r, 0, "%s: %s: trailing garbage after EOF ignored\n", pn, name);
        } else if (rc == 2) {
            tmsg(r, 2, "\n%s: Compressed file ends unexpectedly;\n\tperhaps it is corrupted?  "
                       "*Possible* reason follows.\n%s: Success\n\tInput file = %s, output file = "
                       "%s\n\nIt is possible that the compressed file(s) have become corrupted.\n"
                       "You can use the -tvv option to test integrity of such files.\n\n"
                       "You can use the `bzip2recover' program to attempt to recover\n"
                       "data from undamaged sections of corrupted files.\n\n",
                 pn, pn, name, outname);
        } else {
            tmsg(r, 2, "\n%s: Data integrity error when decompressing.\n\tInput file = %s, "
                       "output file = %s\n\nIt is possible that the compressed file(s) have "
                       "become corrupted.\nYou can use the -tvv option to test integrity of "
                       "such files.\n\nYou can use the `bzip2recover' program to attempt to "
                       "recover\ndata from undamaged sections of corrupted files.\n\n",
                 pn, name, outname);
        }
    } else if (st == VA_STYLE_XZ) {
        if (rc == VA_EFORMAT) tmsg(r, 1, "%s: %s: File format not recognized\n", pn, name);
        else if (rc == 2) tmsg(r, 1, "%s: %s: Unexpected end of input\n", pn, name);
        else tmsg(r, 1, "%s: %s: Compressed data is corrupt\n", pn, name);
    } else {
        if (rc == VA_EFORMAT) tmsg(r, 1, "zstd: %s: unsupported format \n", name);
        else if (rc == 2) tmsg(r, 1, "%s : Read error (39) : premature end \n", name);
        else tmsg(r, 1, "%s : Decoding error (36) : Corrupted block detected \n", name);
    }
}

static void tool_one(tool_run *r, const char *name)
{
    vl_ctx *c = r->c;
    vk_proc *p = c->p;
    const char *pn = tname(r);
    int st = r->tool->style;
    bool from_stdin = strcmp(name, "-") == 0;
    const char *shown = from_stdin ? (st == VA_STYLE_ZSTD ? "*stdin*" : "(stdin)") : name;
    struct vk_stat sb = {0};
    int in_fd = 0;
    if (!from_stdin) {
        int rc = vk_stat(p, name, &sb);
        if (rc < 0) {
            if (st == VA_STYLE_BZIP2)
                tmsg(r, 1, "%s: Can't open input file %s: %s.\n", pn, name, vl_strerror(rc));
            else if (st == VA_STYLE_XZ) tmsg(r, 1, "%s: %s: %s\n", pn, name, vl_strerror(rc));
            else tmsg(r, 1, "zstd: can't stat %s : %s -- ignored \n", name, vl_strerror(rc));
            return;
        }
        if (VK_S_ISDIR(sb.mode)) {
            if (st == VA_STYLE_BZIP2) tmsg(r, 1, "%s: Input file %s is a directory.\n", pn, name);
            else if (st == VA_STYLE_XZ) {
                if (!r->quiet) tmsg(r, 0, "%s: %s: Is a directory, skipping\n", pn, name);
                tool_err(r, 2);
            } else
                tmsg(r, 1, "zstd: %s is a directory -- ignored \n", name);
            return;
        }
    }
    bool to_stdout = r->to_stdout || from_stdin;
    const char *oname = NULL;
    if (!to_stdout && !r->test) {
        if (r->oname) {
            oname = r->oname;
        } else if (!r->dec) {
            const char *has = NULL;
            size_t n = strlen(name);
            for (int i = 0; r->tool->dsfx[i]; i += 2) {
                size_t l = strlen(r->tool->dsfx[i]);
                if (n > l && strcmp(name + n - l, r->tool->dsfx[i]) == 0) has = r->tool->dsfx[i];
            }
            if (has && !r->force && st == VA_STYLE_BZIP2) {
                tmsg(r, 1, "%s: Input file %s already has %s suffix.\n", pn, name, has);
                return;
            }
            if (has && !r->force && st == VA_STYLE_XZ) {
                if (!r->quiet)
                    tmsg(r, 0, "%s: %s: File already has `%s' suffix, skipping\n", pn, name, has);
                tool_err(r, 2);
                return;
            }
            char *o = vl_xmalloc(c, n + strlen(r->tool->suffix) + 1);
            strcpy(o, name), strcat(o, r->tool->suffix);
            oname = o;
        } else {
            oname = strip_dsfx(r, name);
            if (!oname) {
                if (st == VA_STYLE_BZIP2) {
                    char *o = vl_xmalloc(c, strlen(name) + 5);
                    strcpy(o, name), strcat(o, ".out");
                    oname = o;
                    tmsg(r, 0, "%s: Can't guess original name for %s -- using %s\n", pn, name, o);
                } else if (st == VA_STYLE_XZ) {
                    if (!r->quiet)
                        tmsg(r, 0, "%s: %s: Filename has an unknown suffix, skipping\n", pn, name);
                    tool_err(r, 2);
                    return;
                } else {
                    tmsg(r, 1, "zstd: %s: unknown suffix (.zst/.tzst/.gz/.tgz/.lzma/.xz/.txz/.lz4/"
                               ".tlz4 expected). Can't derive the output file name. Specify it "
                               "with -o dstFileName. Ignoring.\n", name);
                    return;
                }
            }
        }
        struct vk_stat ost;
        if (vk_lstat(p, oname, &ost) == 0 && !r->force) {
            if (st == VA_STYLE_BZIP2) tmsg(r, 1, "%s: Output file %s already exists.\n", pn, oname);
            else if (st == VA_STYLE_XZ) tmsg(r, 1, "%s: %s: File exists\n", pn, oname);
            else tmsg(r, 1, "zstd: %s already exists; not overwritten  \n", oname);
            return;
        }
    }
    if (!from_stdin) {
        in_fd = vk_open(p, name, VK_O_RDONLY, 0);
        if (in_fd < 0) {
            if (st == VA_STYLE_BZIP2)
                tmsg(r, 1, "%s: Can't open input file %s: %s.\n", pn, name, vl_strerror(in_fd));
            else tmsg(r, 1, "%s: %s: %s\n", pn, name, vl_strerror(in_fd));
            return;
        }
    }
    int out = r->test ? -2 : -1;
    char *tmp = NULL;
    if (oname) {
        out = vl_temp_beside(c, oname, 0600, &tmp);
        if (out < 0) {
            tmsg(r, 1, "%s: %s: %s\n", pn, oname, vl_strerror(out));
            if (!from_stdin) vk_close(p, in_fd);
            return;
        }
    }
    uint64_t nin = 0, nout = 0;
    int werr = 0;
    int rc = tool_pump(r, in_fd, out, &nin, &nout, &werr);
    if (!from_stdin) vk_close(p, in_fd);
    if (tmp) vk_close(p, out);
    const char *outshown = oname ? oname : "(stdout)";
    if (rc != VA_OK && !(rc == 4 && st == VA_STYLE_BZIP2)) {
        if (tmp) vk_unlink(p, tmp);
        report_decode_error(r, rc, shown, outshown, werr);
        return;
    }
    if (rc == 4) report_decode_error(r, rc, shown, outshown, werr);
    if (tmp) {
        vk_chmod(p, tmp, sb.mode & 07777);
        int64_t ts[2] = {sb.atime_ns, sb.mtime_ns};
        vk_utimens(p, tmp, ts, true);
        int rr = vk_rename(p, tmp, oname);
        if (rr < 0) {
            vk_unlink(p, tmp);
            tmsg(r, 1, "%s: %s: %s\n", pn, oname, vl_strerror(rr));
            return;
        }
        if (!r->keep) vk_unlink(p, name);
    }
    if (st == VA_STYLE_ZSTD && !r->quiet && (oname || r->test)) {
        if (!r->dec) {
            char a[32], b[32];
            zstd_size(a, sizeof a, nin);
            zstd_size(b, sizeof b, nout);
            tmsg(r, 0, "%-20s :%6.2f%%   (%s => %s, %s) \n", shown,
                 nin ? 100.0 * (double)nout / (double)nin : 0.0, a, b, oname);
        } else {
            tmsg(r, 0, "%-20s: %llu bytes \n", shown, (unsigned long long)nout);
        }
    }
}

int va_tool_run(vl_ctx *c, int argc, char **argv, const va_tool *tool, int mode)
{
    tool_run r0 = {0}, *r = &r0;
    r->c = c, r->tool = tool;
    int n = vl_getopt(c, argc, argv);
    r->dec = mode != 0 || (vl_has(c, 'd') && vl_last(c, 'd') > vl_last(c, 'z'));
    r->test = vl_has(c, 't');
    if (r->test) r->dec = true;
    r->to_stdout = mode == 2 || vl_has(c, 'c');
    r->force = vl_has(c, 'f');
    r->keep = tool->keep_default ? !vl_has(c, VA_OPT_RM) : vl_has(c, 'k');
    if (r->to_stdout) r->keep = true;
    r->quiet = vl_has(c, 'q');
    r->verbose = vl_has(c, 'v');
    r->oname = vl_arg(c, 'o');
    r->level = 0;
    int best = 0;
    for (int l = 0; l <= 9; l++)
        if (vl_last(c, '0' + l) > best) best = vl_last(c, '0' + l), r->level = l;
    if (vl_last(c, VA_OPT_FAST) > best) best = vl_last(c, VA_OPT_FAST), r->level = 1;
    if (vl_last(c, VA_OPT_BEST) > best) best = vl_last(c, VA_OPT_BEST), r->level = 9;
    if (tool->kind == VA_XZ) r->level = best ? r->level + 1 : 0; /* codec: 0 = default */
    if (tool->level) r->level = tool->level;
    r->ibuf = vl_xmalloc(c, TBUF);
    r->obuf = vl_xmalloc(c, TBUF);
    if (n == 0) tool_one(r, "-");
    for (int i = 1; i <= n; i++) tool_one(r, argv[i]);
    vl_flush(c);
    return r->exit_code;
}
