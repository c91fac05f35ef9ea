/* zip: Info-ZIP Zip 3.0's everyday use over zlib: add files and trees (-r) to a new or existing
 * zip file, replace changed entries (-u: only newer), delete entries (-d), move (-m), junk
 * paths (-j), exclude (-x patterns), levels -0..-9, -q, -D; its "adding:/updating:/deleting:"
 * lines and its errors. The zip is written here (local headers, Info-ZIP's UT and ux extra
 * fields, central directory) through a temporary file renamed at the end; kept entries are
 * copied as they are. Deflate is zlib's (memLevel 9: Info-ZIP's bytes for small inputs); an
 * entry whose deflated form is not smaller is stored, as zip does. Directory trees are added
 * in name order (zip: directory order). Not done: encryption, zip64 (files of 4 GiB and
 * more), -@, -T, split archives, comments. */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

static const vl_opt zip_opts[] = {
    {'r', NULL, VL_NOARG, NULL, "recurse into directories"},
    {'j', NULL, VL_NOARG, NULL, "junk (don't record) directory names"},
    {'q', NULL, VL_NOARG, NULL, "quiet operation"},
    {'d', NULL, VL_NOARG, NULL, "delete entries in zipfile"},
    {'u', NULL, VL_NOARG, NULL, "update: only changed or new files"},
    {'m', NULL, VL_NOARG, NULL, "move into zipfile (delete OS files)"},
    {'x', NULL, VL_NOARG, NULL, "exclude the following names"},
    {'D', NULL, VL_NOARG, NULL, "do not add directory entries"},
    {'0', NULL, VL_NOARG, NULL, "store only"},
    {'1', NULL, VL_NOARG, NULL, "compress faster"},
    {'9', NULL, VL_NOARG, NULL, "compress better"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct zentry {
    char *name;
    uint16_t flags, method, dtime, ddate, vmb, vneed;
    uint32_t crc, ext;
    uint64_t csize, usize;
    uint64_t off;     /* in the old archive (kept) or the new one */
    uint64_t old_off; /* kept entries: where the local entry starts in the old file */
    uint64_t old_len; /* its local header + data (+ descriptor) length */
    bool keep;        /* copied from the old archive */
    bool dead;
    unsigned char *cx; /* central extra field */
    size_t cxlen;
} zentry;

typedef struct zp {
    vl_ctx *c;
    vk_proc *p;
    int level;
    bool recurse, junk, quiet, del, update, move, nodirs;
    const char *zipname;
    char **files, **excl;
    int nfiles, nexcl;
    zentry *e;
    size_t n, cap;
    int oldfd, outfd;
    uint64_t outpos;
    vl_tz tz;
    unsigned char *ibuf, *obuf;
    bool changed;
    int status;
    char **moved;
    size_t nmoved;
} zp;

enum { ZBUF = 65536 };

static void p16(unsigned char *b, unsigned v)
{
    b[0] = (unsigned char)v, b[1] = (unsigned char)(v >> 8);
}
static void p32(unsigned char *b, uint32_t v)
{
    p16(b, v & 0xffff), p16(b + 2, v >> 16);
}
static uint16_t g16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t g32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void zmsg(zp *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void zmsg(zp *z, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_puts(z->c, tmp);
}

static void zerr(zp *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void zerr(zp *z, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_puts(z->c, tmp); /* zip's warnings and errors go to stdout */
}

static _Noreturn void zfatal(zp *z, int code, const char *what)
{
    zerr(z, "\nzip error: %s\n", what);
    vl_exit(z->c, code);
}

static void out_write(zp *z, const void *b, size_t n)
{
    ssize_t w = vk_write(z->p, z->outfd, b, n);
    if (w < 0) {
        if (vk_dying(z->p)) vl_exit(z->c, VK_WSHELL(vk_dying(z->p)));
        char m[256];
        snprintf(m, sizeof m, "Output file write failure (write error on zip file)");
        zerr(z, "zip I/O error: %s\n", vl_strerror((int)w));
        zfatal(z, 14, m);
    }
    z->outpos += n;
}

static bool read_at(zp *z, int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = vk_pread(z->p, fd, (char *)buf + got, n - got, (int64_t)(off + got));
        if (r <= 0) return false;
        got += (size_t)r;
    }
    return true;
}

static zentry *add_entry(zp *z)
{
    if (z->n == z->cap) {
        z->cap = z->cap ? z->cap * 2 : 32;
        z->e = vl_xrealloc(z->c, z->e, z->cap * sizeof *z->e);
    }
    zentry *e = &z->e[z->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static zentry *find_entry(zp *z, const char *name)
{
    for (size_t i = 0; i < z->n; i++)
        if (!z->e[i].dead && strcmp(z->e[i].name, name) == 0) return &z->e[i];
    return NULL;
}

/* Read the entries of an existing zip file (kept unless replaced or deleted). */
static void read_old(zp *z)
{
    struct vk_stat st;
    vk_fstat(z->p, z->oldfd, &st);
    uint64_t size = st.size;
    size_t tail = size < 65557 ? (size_t)size : 65557;
    unsigned char *b = vl_xmalloc(z->c, tail + 1);
    long eocd = -1;
    if (tail >= 22 && read_at(z, z->oldfd, b, tail, size - tail))
        for (long i = (long)tail - 22; i >= 0; i--)
            if (g32(b + i) == 0x06054b50) {
                eocd = i;
                break;
            }
    if (eocd < 0) {
        char m[512];
        snprintf(m, sizeof m, "Zip file structure invalid (%s)", z->zipname);
        zerr(z, "\nzip error: %s\n", m);
        vl_exit(z->c, 3);
    }
    uint32_t count = g16(b + eocd + 10), cdsize = g32(b + eocd + 12), cdoff = g32(b + eocd + 16);
    unsigned char *cd = vl_xmalloc(z->c, (size_t)cdsize + 1);
    if (!read_at(z, z->oldfd, cd, cdsize, cdoff)) zfatal(z, 3, "Zip file structure invalid");
    size_t pos = 0;
    for (uint32_t i = 0; i < count && pos + 46 <= cdsize; i++) {
        const unsigned char *h = cd + pos;
        if (g32(h) != 0x02014b50) break;
        zentry *e = add_entry(z);
        e->vmb = g16(h + 4), e->vneed = g16(h + 6), e->flags = g16(h + 8);
        e->method = g16(h + 10), e->dtime = g16(h + 12), e->ddate = g16(h + 14);
        e->crc = g32(h + 16), e->csize = g32(h + 20), e->usize = g32(h + 24);
        size_t nl = g16(h + 28), xl = g16(h + 30), cl = g16(h + 32);
        e->ext = g32(h + 38);
        e->old_off = g32(h + 42);
        e->name = vl_xmalloc(z->c, nl + 1);
        memcpy(e->name, h + 46, nl);
        e->name[nl] = 0;
        e->cx = vl_xmalloc(z->c, xl + 1);
        memcpy(e->cx, h + 46 + nl, xl);
        e->cxlen = xl;
        unsigned char lh[30];
        if (!read_at(z, z->oldfd, lh, 30, e->old_off)) zfatal(z, 3, "Zip file structure invalid");
        e->old_len = 30 + g16(lh + 26) + g16(lh + 28) + e->csize;
        if (e->flags & 8) {
            unsigned char dd[4];
            read_at(z, z->oldfd, dd, 4, e->old_off + e->old_len);
            e->old_len += g32(dd) == 0x08074b50 ? 16 : 12;
        }
        e->keep = true;
        pos += 46 + nl + xl + cl;
    }
}

static int percent(uint64_t n, uint64_t m)
{
    while (n > 0xffffff) {
        n += 0x80, n >>= 8;
        m += 0x80, m >>= 8;
    }
    return n > m ? (int)(1 + (200 * (n - m) / n - 1) / 2) : 0;
}

static void dos_time(zp *z, int64_t t, uint16_t *dt, uint16_t *dd)
{
    vl_tm tm;
    if (!vl_time_split(t, 0, &z->tz, &tm) || tm.year < 1980) {
        *dd = (0 << 9) | (1 << 5) | 1, *dt = 0;
        return;
    }
    *dd = (uint16_t)(((tm.year - 1980) << 9) | (tm.mon << 5) | tm.mday);
    *dt = (uint16_t)((tm.hour << 11) | (tm.min << 5) | (tm.sec / 2));
}

static bool excluded(zp *z, const char *name)
{
    for (int i = 0; i < z->nexcl; i++)
        if (vl_fnmatch(z->excl[i], name, 0) == 0) return true;
    return false;
}

/* Deflate (or store) path into the output at the current position, as a new entry. */
static void write_new(zp *z, zentry *e, const char *path, const struct vk_stat *st)
{
    vl_ctx *c = z->c;
    bool dir = VK_S_ISDIR(st->mode), lnk = VK_S_ISLNK(st->mode);
    int64_t mt = st->mtime_ns / 1000000000, at = st->atime_ns / 1000000000;
    dos_time(z, mt, &e->dtime, &e->ddate);
    e->vmb = 0x031e;
    e->ext = (uint32_t)st->mode << 16 | (dir ? 0x10 : 0);
    e->off = z->outpos;
    e->flags = 0;
    e->keep = false;
    /* Info-ZIP's extra fields: UT (times) and ux (ids) */
    unsigned char lx[28], cx[24];
    p16(lx, 0x5455), p16(lx + 2, 9), lx[4] = 3, p32(lx + 5, (uint32_t)mt), p32(lx + 9, (uint32_t)at);
    p16(lx + 13, 0x7875), p16(lx + 15, 11), lx[17] = 1, lx[18] = 4, p32(lx + 19, st->uid),
        lx[23] = 4, p32(lx + 24, st->gid);
    p16(cx, 0x5455), p16(cx + 2, 5), cx[4] = 3, p32(cx + 5, (uint32_t)mt);
    memcpy(cx + 9, lx + 13, 15);
    e->cx = vl_xmalloc(c, 24);
    memcpy(e->cx, cx, 24);
    e->cxlen = 24;
    size_t nl = strlen(e->name);
    unsigned char lh[30];
    uint64_t hdr_at = z->outpos;
    /* data source */
    int fd = -1;
    char target[VK_PATH_MAX + 1];
    size_t tlen = 0;
    if (lnk) {
        ssize_t r = vk_readlink(z->p, path, target, VK_PATH_MAX);
        tlen = r > 0 ? (size_t)r : 0;
    } else if (!dir) {
        fd = vk_open(z->p, path, VK_O_RDONLY, 0);
        if (fd < 0) {
            zerr(z, "\tzip warning: could not open for reading: %s\n", path);
            z->status = 18;
            e->dead = true;
            return;
        }
    }
    bool try_deflate = z->level > 0 && !dir && !lnk && st->size > 0;
    memset(lh, 0, sizeof lh);
    out_write(z, lh, 30);
    out_write(z, e->name, nl);
    out_write(z, lx, 28);
    uint64_t data_at = z->outpos;
    uLong crc = crc32(0, NULL, 0);
    uint64_t usize = 0, csize = 0;
    if (lnk) {
        crc = crc32(crc, (const Bytef *)target, (uInt)tlen);
        out_write(z, target, tlen);
        usize = csize = tlen;
    } else if (fd >= 0) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (try_deflate) {
            zs.zalloc = va_zalloc, zs.zfree = va_zfree, zs.opaque = z->p;
            if (deflateInit2(&zs, z->level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
                vl_die(c, 4, "memory exhausted");
        }
        for (bool eof = false; !eof;) {
            ssize_t n = vk_read(z->p, fd, z->ibuf, ZBUF);
            if (n < 0) {
                if (vk_dying(z->p)) vl_exit(c, VK_WSHELL(vk_dying(z->p)));
                n = 0;
            }
            va_tick(c, (uint64_t)n);
            eof = n == 0;
            crc = crc32(crc, z->ibuf, (uInt)n);
            usize += (uint64_t)n;
            if (!try_deflate) {
                out_write(z, z->ibuf, (size_t)n);
                csize += (uint64_t)n;
                continue;
            }
            zs.next_in = z->ibuf, zs.avail_in = (uInt)n;
            do {
                zs.next_out = z->obuf, zs.avail_out = ZBUF;
                deflate(&zs, eof ? Z_FINISH : Z_NO_FLUSH);
                size_t got = ZBUF - zs.avail_out;
                out_write(z, z->obuf, got);
                csize += got;
            } while (zs.avail_out == 0);
        }
        if (try_deflate) deflateEnd(&zs);
        if (try_deflate && csize >= usize) {
            /* not smaller: store it instead, as zip does */
            vk_lseek(z->p, z->outfd, (int64_t)data_at, VK_SEEK_SET);
            z->outpos = data_at;
            vk_ftruncate(z->p, z->outfd, data_at);
            vk_lseek(z->p, fd, 0, VK_SEEK_SET);
            csize = 0;
            for (;;) {
                ssize_t n = vk_read(z->p, fd, z->ibuf, ZBUF);
                if (n <= 0) break;
                out_write(z, z->ibuf, (size_t)n);
                csize += (uint64_t)n;
            }
            try_deflate = false;
        }
        vk_close(z->p, fd);
    }
    e->method = try_deflate ? 8 : 0;
    if (try_deflate) e->flags = z->level >= 8 ? 2 : z->level == 2 ? 4 : z->level == 1 ? 6 : 0;
    e->vneed = try_deflate ? 20 : 10;
    e->crc = (uint32_t)crc, e->csize = csize, e->usize = usize;
    /* the local header, now that sizes are known */
    p32(lh, 0x04034b50), p16(lh + 4, e->vneed), p16(lh + 6, e->flags), p16(lh + 8, e->method);
    p16(lh + 10, e->dtime), p16(lh + 12, e->ddate), p32(lh + 14, e->crc);
    p32(lh + 18, (uint32_t)csize), p32(lh + 22, (uint32_t)usize), p16(lh + 26, (unsigned)nl);
    p16(lh + 28, 28);
    uint64_t end = z->outpos;
    vk_lseek(z->p, z->outfd, (int64_t)hdr_at, VK_SEEK_SET);
    ssize_t w = vk_write(z->p, z->outfd, lh, 30);
    if (w < 0) zfatal(z, 14, "Output file write failure");
    vk_lseek(z->p, z->outfd, (int64_t)end, VK_SEEK_SET);
    if (!z->quiet) {
        if (e->method == 8) zmsg(z, " (deflated %d%%)\n", percent(usize, csize));
        else zmsg(z, " (stored 0%%)\n");
    }
}

static void add_path(zp *z, const char *path, const struct vk_stat *st)
{
    vl_ctx *c = z->c;
    const char *n = path;
    while (n[0] == '.' && n[1] == '/') n += 2;
    while (*n == '/') n++;
    if (z->junk) {
        if (VK_S_ISDIR(st->mode)) return;
        const char *b = strrchr(n, '/');
        if (b) n = b + 1;
    }
    if (!*n || strcmp(n, ".") == 0) return;
    char *name;
    size_t l = strlen(n);
    if (VK_S_ISDIR(st->mode)) {
        if (z->nodirs) return;
        name = vl_xmalloc(c, l + 2);
        memcpy(name, n, l);
        strcpy(name + l, l && n[l - 1] == '/' ? "" : "/");
    } else {
        name = vl_xstrdup(c, n);
    }
    if (excluded(z, name)) return;
    /* never the zip file itself (nor its temporary) */
    struct vk_stat os;
    if ((z->oldfd >= 0 && vk_fstat(z->p, z->oldfd, &os) == 0 && os.dev == st->dev &&
         os.ino == st->ino) ||
        (vk_fstat(z->p, z->outfd, &os) == 0 && os.dev == st->dev && os.ino == st->ino))
        return;
    zentry *old = find_entry(z, name);
    if (old && z->update) {
        uint16_t dt, dd;
        dos_time(z, st->mtime_ns / 1000000000, &dt, &dd);
        uint32_t now = (uint32_t)dd << 16 | dt, was = (uint32_t)old->ddate << 16 | old->dtime;
        if (now <= was) return;
    }
    if (old) old->dead = true;
    zentry *e = add_entry(z);
    e->name = name;
    if (!z->quiet) zmsg(z, "%s: %s", old ? "updating" : "  adding", name);
    write_new(z, e, path, st);
    z->changed = true;
    if (z->move && !e->dead) {
        z->moved = vl_xrealloc(c, z->moved, (z->nmoved + 1) * sizeof *z->moved);
        z->moved[z->nmoved++] = vl_xstrdup(c, path);
    }
}

static int walk_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    zp *z = ud;
    if (event == VL_WALK_POST) return 0;
    if (event == VL_WALK_NS || event == VL_WALK_DNR) return 0;
    add_path(z, e->path, &e->st);
    if (event == VL_WALK_PRE && !z->recurse) return VL_WALK_SKIP;
    return 0;
}

static void copy_kept(zp *z, zentry *e)
{
    uint64_t left = e->old_len, pos = e->old_off;
    e->off = z->outpos;
    while (left > 0) {
        size_t k = left > ZBUF ? ZBUF : (size_t)left;
        if (!read_at(z, z->oldfd, z->ibuf, k, pos)) zfatal(z, 3, "Zip file structure invalid");
        out_write(z, z->ibuf, k);
        pos += k, left -= k;
        va_tick(z->c, k);
    }
}

static void write_central(zp *z)
{
    uint64_t cd_at = z->outpos;
    size_t count = 0;
    for (size_t i = 0; i < z->n; i++) {
        zentry *e = &z->e[i];
        if (e->dead) continue;
        unsigned char h[46];
        size_t nl = strlen(e->name);
        p32(h, 0x02014b50), p16(h + 4, e->vmb), p16(h + 6, e->vneed), p16(h + 8, e->flags);
        p16(h + 10, e->method), p16(h + 12, e->dtime), p16(h + 14, e->ddate), p32(h + 16, e->crc);
        p32(h + 20, (uint32_t)e->csize), p32(h + 24, (uint32_t)e->usize), p16(h + 28, (unsigned)nl);
        p16(h + 30, (unsigned)e->cxlen), p16(h + 32, 0), p16(h + 34, 0), p16(h + 36, 0);
        p32(h + 38, e->ext), p32(h + 42, (uint32_t)e->off);
        out_write(z, h, 46);
        out_write(z, e->name, nl);
        out_write(z, e->cx, e->cxlen);
        count++;
    }
    unsigned char q[22];
    p32(q, 0x06054b50), p16(q + 4, 0), p16(q + 6, 0), p16(q + 8, (unsigned)count);
    p16(q + 10, (unsigned)count), p32(q + 12, (uint32_t)(z->outpos - cd_at)), p32(q + 16, (uint32_t)cd_at);
    p16(q + 20, 0);
    out_write(z, q, 22);
}

static int zip_main(vl_ctx *c, int argc, char **argv)
{
    zp z0 = {0}, *z = &z0;
    z->c = c, z->p = c->p;
    z->level = 6;
    z->oldfd = -1;
    z->files = vl_xcalloc(c, (size_t)argc + 1, sizeof *z->files);
    z->excl = vl_xcalloc(c, (size_t)argc + 1, sizeof *z->excl);
    bool in_x = false, end = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!end && a[0] == '-' && a[1]) {
            if (strcmp(a, "--") == 0) {
                end = true;
                continue;
            }
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                vl_help(c);
                return 0;
            }
            in_x = false;
            for (const char *s = a + 1; *s; s++) {
                switch (*s) {
                case 'r': z->recurse = true; break;
                case 'j': z->junk = true; break;
                case 'q': z->quiet = true; break;
                case 'd': z->del = true; break;
                case 'u': z->update = true; break;
                case 'm': z->move = true; break;
                case 'D': z->nodirs = true; break;
                case 'x': in_x = true; break;
                case 'v': case 'y': case 'X': case 'o': case 'T': break;
                default:
                    if (*s >= '0' && *s <= '9') {
                        z->level = *s - '0';
                        break;
                    }
                    vl_eprintf(c, "\nzip error: Invalid command arguments (no such option: %c)\n",
                               *s);
                    return 16;
                }
            }
            continue;
        }
        if (in_x) z->excl[z->nexcl++] = argv[i];
        else if (!z->zipname) z->zipname = a;
        else z->files[z->nfiles++] = argv[i];
    }
    if (!z->zipname) {
        vl_help(c);
        return 0;
    }
    if (!strchr(vl_basename(c, z->zipname), '.')) {
        char *n = vl_xmalloc(c, strlen(z->zipname) + 5);
        strcpy(n, z->zipname), strcat(n, ".zip");
        z->zipname = n;
    }
    vl_tz_from_env(c, &z->tz);
    z->ibuf = vl_xmalloc(c, ZBUF);
    z->obuf = vl_xmalloc(c, ZBUF);
    z->oldfd = vk_open(z->p, z->zipname, VK_O_RDONLY, 0);
    if (z->oldfd >= 0) read_old(z);
    if (z->del) {
        if (z->oldfd < 0) {
            zerr(z, "\nzip error: Nothing to do! (%s)\n", z->zipname);
            return 12;
        }
        for (int i = 0; i < z->nfiles; i++) {
            bool hit = false;
            for (size_t k = 0; k < z->n; k++) {
                if (z->e[k].dead || vl_fnmatch(z->files[i], z->e[k].name, 0) != 0) continue;
                hit = true;
                z->e[k].dead = true;
                z->changed = true;
                if (!z->quiet) zmsg(z, "deleting: %s\n", z->e[k].name);
            }
            if (!hit) zerr(z, "\tzip warning: name not matched: %s\n", z->files[i]);
        }
        if (!z->changed) {
            zerr(z, "\nzip error: Nothing to do! (%s)\n", z->zipname);
            return 12;
        }
    }
    char *tmp = NULL;
    z->outfd = vl_temp_beside(c, z->zipname, 0666 & ~vk_umask(z->p, 022), &tmp);
    vk_umask(z->p, 022);
    if (z->outfd < 0) {
        zerr(z, "\nzip error: Could not create output file (%s)\n", z->zipname);
        return 15;
    }
    /* kept entries first, at their old places in order */
    for (size_t i = 0; i < z->n; i++)
        if (!z->e[i].dead) copy_kept(z, &z->e[i]);
    bool any_name = false;
    if (!z->del) {
        for (int i = 0; i < z->nfiles; i++) {
            struct vk_stat st;
            if (vk_lstat(z->p, z->files[i], &st) < 0) {
                zerr(z, "\tzip warning: name not matched: %s\n", z->files[i]);
                z->status = 12;
                continue;
            }
            any_name = true;
            vl_walk(c, z->files[i], 0, walk_cb, z);
        }
    }
    if (!z->changed && !z->del) {
        vk_close(z->p, z->outfd);
        vk_unlink(z->p, tmp);
        if (z->update && any_name && z->oldfd >= 0) return 0;
        zerr(z, "\nzip error: Nothing to do! (%s)\n", z->zipname);
        return 12;
    }
    write_central(z);
    vk_close(z->p, z->outfd);
    if (z->oldfd >= 0) vk_close(z->p, z->oldfd);
    int r = vk_rename(z->p, tmp, z->zipname);
    if (r < 0) {
        vk_unlink(z->p, tmp);
        zerr(z, "\nzip error: Could not create output file (%s)\n", z->zipname);
        return 15;
    }
    for (size_t i = z->nmoved; i-- > 0;) {
        struct vk_stat st;
        if (vk_lstat(z->p, z->moved[i], &st) == 0 && VK_S_ISDIR(st.mode)) vk_rmdir(z->p, z->moved[i]);
        else vk_unlink(z->p, z->moved[i]);
    }
    vl_flush(c);
    return z->status == 12 ? 12 : z->status;
}

VL_COMMAND(zip, zip_main, zip_opts, "[-options] zipfile list [-x xlist]",
           "Zip 3.0 compatible: package and compress (archive) files.", VL_NO_OPTIONS, 16);
