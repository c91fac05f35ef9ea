/* archive_vfs.c: the glue between the compression/archive libraries and the VM: step checks
 * between chunks, allocators charged to the VM, one streaming codec interface over libbz2,
 * liblzma and libzstd, and libarchive callbacks that read and write VM file descriptors. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem: zstd's allocations charged to the VM */
#include "lib/archive_vfs.h"

#include <archive.h>
#include <bzlib.h>
#include <lzma.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

void va_tick(vl_ctx *c, uint64_t bytes)
{
    int rc = vk_steps(c->p, bytes / 4096 + 1);
    if (rc < 0 && rc != VOS_EINTR) {
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
    va_tick(io->c, IO_CHUNK);
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
    va_tick(io->c, n);
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
