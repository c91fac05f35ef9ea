/* archive_vfs.h: what the archive and compression commands (tar, zip, unzip, gzip, bzip2, xz,
 * zstd) share: the step/interrupt check between chunks of library work, allocators that
 * charge zlib/bzip2/liblzma/zstd to the VM, a streaming codec over those libraries, and
 * libarchive's read/write callbacks over VM file descriptors. Every byte goes through the
 * kernel's vk_read/vk_write: no library ever sees a host path. libarchive itself allocates with
 * the host's malloc (it has no allocator hook); its handles are freed through vl_defer. */
#ifndef VL_ARCHIVE_VFS_H
#define VL_ARCHIVE_VFS_H

#include "lib/cmd.h"

struct archive;

/* Count work (bytes handled) against the VM's step budget; ends the command quietly (with the
 * status the process is dying of) when the exec's time/step limit, an interrupt or a fatal
 * signal says so. Call between chunks. */
void va_tick(vl_ctx *c, uint64_t bytes);
/* The same without ending the command: 0, or the negative code to end with (for callbacks
 * inside a library, which must return an error rather than unwind). */
int va_tick_rc(vl_ctx *c, uint64_t bytes);

/* Allocators for the libraries' hooks: opaque is the vk_proc. */
void *va_zalloc(void *opaque, unsigned items, unsigned size);
void va_zfree(void *opaque, void *ptr);

/* ---- streaming codec (bzip2, xz, zstd; gzip's deflate is in gzip.c) ---- */
enum { VA_BZIP2 = 1, VA_XZ, VA_ZSTD };
enum {
    VA_OK = 0,
    VA_END = 1,      /* the end of one compressed stream was reached */
    VA_EDATA = -1,   /* corrupt data */
    VA_EFORMAT = -2, /* not this format at all */
    VA_EMEM = -3,
};
typedef struct va_codec va_codec;
/* A compressor (level 1-9 as the tool's -N; 0: the tool's default) or decompressor. Freed
 * with the command (or by va_codec_free). */
va_codec *va_codec_new(vl_ctx *c, int kind, bool compress, int level);
void va_codec_free(va_codec *z);
/* Feed in[0..*inlen): consumes what it can (*inlen is set to what is left), appends output to
 * out[0..*outlen) up to outcap. finish: no more input will come (compressors flush). Returns
 * VA_OK (call again while input is left or output was full), VA_END, or an error. After
 * VA_END a decompressor may be reset for a following stream with va_codec_reset. */
int va_codec_step(va_codec *z, const void *in, size_t *inlen, void *out, size_t *outlen,
                  size_t outcap, bool finish);
void va_codec_reset(va_codec *z);
/* Tell a compressor the input's size before the first step (zstd writes it in the frame
 * header, as the zstd tool does for a file). */
void va_codec_set_size(va_codec *z, uint64_t size);

/* ---- libarchive over VM files ---- */
/* The state of one archive's I/O: err is the first error of a callback (a negative VOS code)
 * or 0, so the caller can word the message; bytes counts what went through. */
typedef struct va_io {
    vl_ctx *c;
    int fd;
    int err;
    uint64_t bytes;
    char *buf;
    size_t cap;
} va_io;
/* Open a for reading from fd (not closed by libarchive). *rc gets archive_read_open's code. */
va_io *va_read_open_fd(vl_ctx *c, struct archive *a, int fd, int *rc);
/* Open a for writing to fd (not closed). *rc gets archive_write_open's code. */
va_io *va_write_open_fd(vl_ctx *c, struct archive *a, int fd, int *rc);

#endif

/* ---- the bzip2 / xz / zstd command front end ----
 * One engine, three tools: each command file declares its options (the ids below) and a
 * va_tool naming its suffixes and message style; the engine does the rest: stdin to stdout,
 * NAME to NAME.SUF (or back) through a temporary file renamed at the end, mode and times kept,
 * the input removed after success unless kept, the tool's own messages and exit statuses. */
enum { VA_STYLE_BZIP2, VA_STYLE_XZ, VA_STYLE_ZSTD };
enum { VA_OPT_RM = 300, VA_OPT_KEEP_ALIAS, VA_OPT_FAST, VA_OPT_BEST, VA_OPT_THREADS_LONG };
typedef struct va_tool {
    int kind;                  /* VA_BZIP2... */
    int style;                 /* VA_STYLE_* */
    const char *suffix;        /* ".bz2" */
    const char *const *dsfx;   /* pairs: suffix, replacement ("", ".tar"); NULL-terminated */
    bool keep_default;         /* zstd keeps its input unless --rm */
    int level;                 /* a level the command parsed itself (zstd -19), or 0 */
} va_tool;
/* mode: 0 compress, 1 decompress, 2 decompress to stdout (the *cat command). Options read by
 * id: c d z k f t q v, '0'..'9', 'o' (output name), VA_OPT_RM (--rm). */
int va_tool_run(vl_ctx *c, int argc, char **argv, const va_tool *tool, int mode);
