/* unzip: Info-ZIP UnZip 6.0 (Debian) over zlib: list (-l, -v, -Z1), test (-t), extract (with
 * -d DIR, -j, -o, -n, -q, -x, member patterns) or pipe (-p) the members of a zip file, with
 * UnZip's listings and messages. The zip structure is read here (central directory, zip64
 * sizes); stored and deflated members are supported. Extraction stays inside the target:
 * leading '/' and '../' components are dropped with UnZip's warnings, and symbolic links that
 * point out (absolute or with '..') are made at the end, after every file. Not done:
 * encryption, methods other than store/deflate, -a text conversion, -u/-f, archive comments. */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

static const vl_opt unzip_opts[] = {
    {'l', NULL, VL_NOARG, NULL, "list files (short format)"},
    {'v', NULL, VL_NOARG, NULL, "list verbosely"},
    {'t', NULL, VL_NOARG, NULL, "test compressed archive data"},
    {'p', NULL, VL_NOARG, NULL, "extract files to pipe, no messages"},
    {'o', NULL, VL_NOARG, NULL, "overwrite files WITHOUT prompting"},
    {'n', NULL, VL_NOARG, NULL, "never overwrite existing files"},
    {'q', NULL, VL_NOARG, NULL, "quiet mode (-qq => quieter)"},
    {'j', NULL, VL_NOARG, NULL, "junk paths (do not make directories)"},
    {'d', NULL, VL_ARG, "DIR", "extract files into exdir"},
    {'x', NULL, VL_NOARG, NULL, "exclude files that follow"},
    {'Z', NULL, VL_NOARG, NULL, "zipinfo mode (-Z1: names only)"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct zent {
    char *name;
    uint16_t flags, method, dtime, ddate, vmb;
    uint32_t crc, ext;
    uint64_t csize, usize, off;
    int64_t mtime; /* from the UT extra field, or -1 */
} zent;

typedef struct uz {
    vl_ctx *c;
    vk_proc *p;
    const char *zipname;
    int fd;
    zent *e;
    size_t n;
    int quiet;
    bool list, verbose_list, test, pipe, over, never, junk, z1;
    const char *exdir;
    char **incl, **excl;
    int nincl, nexcl;
    bool *matched;
    int status;
    bool all, none; /* answers to the replace prompt */
    vl_tz tz;
    unsigned umask;
    struct {
        char *name, *target;
    } *links;
    size_t nlinks;
    unsigned char *ibuf, *obuf;
} uz;

enum { UBUF = 65536 };

static uint16_t g16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t g32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t g64(const unsigned char *p)
{
    return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32;
}

static void say(uz *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(uz *u, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_puts(u->c, tmp);
}

static void warn_err(uz *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_err(uz *u, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_flush(u->c);
    vl_write_fd(u->c, 2, tmp, strlen(tmp));
}

static bool read_at(uz *u, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = vk_pread(u->p, u->fd, (char *)buf + got, n - got, (int64_t)(off + got));
        if (r <= 0) return false;
        got += (size_t)r;
    }
    return true;
}

static _Noreturn void not_zip(uz *u)
{
    warn_err(u, "  End-of-central-directory signature not found.  Either this file is not\n"
                "  a zipfile, or it constitutes one disk of a multi-part archive.  In the\n"
                "  latter case the central directory and zipfile comment will be found on\n"
                "  the last disk(s) of this archive.\n");
    const char *n = u->zipname;
    size_t l = strlen(n);
    bool has = l > 4 && strcmp(n + l - 4, ".zip") == 0;
    if (has) {
        char *base = vl_xstrdup(u->c, n);
        base[l - 4] = 0;
        warn_err(u, "unzip:  cannot find zipfile directory in one of %s or\n        %s.zip, and "
                    "cannot find %s.ZIP, period.\n", n, n, n);
    } else {
        warn_err(u, "unzip:  cannot find zipfile directory in one of %s or\n        %s.zip, and "
                    "cannot find %s.ZIP, period.\n", n, n, n);
    }
    vl_exit(u->c, 9);
}

/* Read the central directory. */
static void read_directory(uz *u)
{
    struct vk_stat st;
    vk_fstat(u->p, u->fd, &st);
    uint64_t size = st.size;
    size_t tail = size < 65557 ? (size_t)size : 65557;
    unsigned char *b = vl_xmalloc(u->c, tail + 1);
    if (tail < 22 || !read_at(u, b, tail, size - tail)) not_zip(u);
    long eocd = -1;
    for (long i = (long)tail - 22; i >= 0; i--)
        if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 5 && b[i + 3] == 6) {
            eocd = i;
            break;
        }
    if (eocd < 0) not_zip(u);
    uint64_t count = g16(b + eocd + 10), cdsize = g32(b + eocd + 12), cdoff = g32(b + eocd + 16);
    if ((count == 0xffff || cdoff == 0xffffffff) && eocd >= 20 &&
        g32(b + eocd - 20) == 0x07064b50) {
        uint64_t z64 = g64(b + eocd - 20 + 8);
        unsigned char r[56];
        if (read_at(u, r, 56, z64) && g32(r) == 0x06064b50) {
            count = g64(r + 32), cdsize = g64(r + 40), cdoff = g64(r + 48);
        }
    }
    vl_xfree(u->c, b);
    if (cdoff + cdsize > size || cdsize > (1u << 30)) not_zip(u);
    unsigned char *cd = vl_xmalloc(u->c, cdsize + 1);
    if (!read_at(u, cd, cdsize, cdoff)) not_zip(u);
    u->e = vl_xcalloc(u->c, count ? count : 1, sizeof *u->e);
    size_t pos = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (pos + 46 > cdsize || g32(cd + pos) != 0x02014b50) break;
        const unsigned char *h = cd + pos;
        zent *e = &u->e[u->n];
        e->vmb = g16(h + 4);
        e->flags = g16(h + 8), e->method = g16(h + 10);
        e->dtime = g16(h + 12), e->ddate = g16(h + 14);
        e->crc = g32(h + 16);
        e->csize = g32(h + 20), e->usize = g32(h + 24);
        size_t nl = g16(h + 28), xl = g16(h + 30), cl = g16(h + 32);
        e->ext = g32(h + 38);
        e->off = g32(h + 42);
        if (pos + 46 + nl + xl + cl > cdsize) break;
        e->name = vl_xmalloc(u->c, nl + 1);
        memcpy(e->name, h + 46, nl);
        e->name[nl] = 0;
        e->mtime = -1;
        /* extra fields: zip64 sizes, Info-ZIP's UT time */
        const unsigned char *x = h + 46 + nl, *xe = x + xl;
        while (x + 4 <= xe) {
            uint16_t id = g16(x), len = g16(x + 2);
            const unsigned char *d = x + 4;
            if (d + len > xe) break;
            if (id == 0x0001) {
                const unsigned char *q = d;
                if (e->usize == 0xffffffff && q + 8 <= d + len) e->usize = g64(q), q += 8;
                if (e->csize == 0xffffffff && q + 8 <= d + len) e->csize = g64(q), q += 8;
                if (e->off == 0xffffffff && q + 8 <= d + len) e->off = g64(q), q += 8;
            } else if (id == 0x5455 && len >= 5 && (d[0] & 1)) {
                e->mtime = (int32_t)g32(d + 1);
            }
            x = d + len;
        }
        u->n++;
        pos += 46 + nl + xl + cl;
        va_tick(u->c, 46);
    }
}

/* DOS date and time as local fields */
static void dos_fields(const zent *e, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    *y = 1980 + (e->ddate >> 9), *mo = (e->ddate >> 5) & 15, *d = e->ddate & 31;
    *h = e->dtime >> 11, *mi = (e->dtime >> 5) & 63, *s = (e->dtime & 31) * 2;
}

static int64_t entry_mtime(uz *u, const zent *e)
{
    if (e->mtime >= 0) return e->mtime;
    vl_tm tm = {0};
    int y, mo, d, h, mi, s;
    dos_fields(e, &y, &mo, &d, &h, &mi, &s);
    tm.year = y, tm.mon = mo, tm.mday = d, tm.hour = h, tm.min = mi, tm.sec = s;
    int64_t t = 0;
    vl_time_make(&tm, &u->tz, &t);
    return t;
}

static bool is_dir(const zent *e)
{
    size_t l = strlen(e->name);
    return l && e->name[l - 1] == '/';
}

static unsigned unix_mode(const zent *e)
{
    if ((e->vmb >> 8) == 3 && (e->ext >> 16)) return e->ext >> 16;
    return is_dir(e) ? (VK_S_IFDIR | 0755) : (VK_S_IFREG | 0644);
}

static bool wanted(uz *u, size_t i)
{
    const char *nm = u->e[i].name;
    bool in = u->nincl == 0;
    for (int k = 0; k < u->nincl; k++)
        if (vl_fnmatch(u->incl[k], nm, 0) == 0) {
            in = true;
            u->matched[k] = true;
        }
    if (!in) return false;
    for (int k = 0; k < u->nexcl; k++)
        if (vl_fnmatch(u->excl[k], nm, 0) == 0) return false;
    return true;
}

/* Info-ZIP's per-mille ratio, printed in percent */
static int ratio(uint64_t uc, uint64_t c)
{
    if (uc == 0) return 0;
    uint64_t denom;
    int r;
    if (uc > 2000000) {
        denom = uc / 1000;
        r = uc >= c ? (int)((uc - c + (denom >> 1)) / denom) : -(int)((c - uc + (denom >> 1)) / denom);
    } else {
        denom = uc;
        r = uc >= c ? (int)((1000 * (uc - c) + (denom >> 1)) / denom)
                    : -(int)((1000 * (c - uc) + (denom >> 1)) / denom);
    }
    return r;
}

static void do_list(uz *u)
{
    uint64_t tu = 0, tc = 0;
    size_t n = 0;
    if (!u->z1) {
        if (u->verbose_list)
            say(u, " Length   Method    Size  Cmpr    Date    Time   CRC-32   Name\n"
                   "--------  ------  ------- ---- ---------- ----- --------  ----\n");
        else
            say(u, "  Length      Date    Time    Name\n---------  ---------- -----   ----\n");
    }
    for (size_t i = 0; i < u->n; i++) {
        if (!wanted(u, i)) continue;
        zent *e = &u->e[i];
        if (u->z1) {
            say(u, "%s\n", e->name);
            continue;
        }
        int y, mo, d, h, mi, s;
        dos_fields(e, &y, &mo, &d, &h, &mi, &s);
        if (u->verbose_list) {
            const char *m = "Unk:";
            char mb[16];
            if (e->method == 0) m = "Stored";
            else if (e->method == 8) {
                static const char lv[] = "NXFS";
                snprintf(mb, sizeof mb, "Defl:%c", lv[(e->flags >> 1) & 3]);
                m = mb;
            } else {
                snprintf(mb, sizeof mb, "Unk:%03u", e->method);
                m = mb;
            }
            int r = ratio(e->usize, e->csize);
            say(u, "%8llu  %-6s %8llu %3d%% %04d-%02d-%02d %02d:%02d %08lx  %s\n",
                (unsigned long long)e->usize, m, (unsigned long long)e->csize,
                r < 0 ? -((-r + 5) / 10) : (r + 5) / 10, y, mo, d, h, mi, (unsigned long)e->crc,
                e->name);
        } else {
            say(u, "%9llu  %04d-%02d-%02d %02d:%02d   %s\n", (unsigned long long)e->usize, y, mo,
                d, h, mi, e->name);
        }
        tu += e->usize, tc += e->csize;
        n++;
    }
    if (u->z1) return;
    if (u->verbose_list) {
        int r = ratio(tu, tc);
        say(u, "--------          -------  ---                            -------\n"
               "%8llu         %8llu %3d%%                            %zu file%s\n",
            (unsigned long long)tu, (unsigned long long)tc, r < 0 ? -((-r + 5) / 10) : (r + 5) / 10,
            n, n == 1 ? "" : "s");
    } else {
        say(u, "---------                     -------\n%9llu                     %zu file%s\n",
            (unsigned long long)tu, n, n == 1 ? "" : "s");
    }
}

/* Write (or check) the data of entry e to fd (-1: stdout, -2: nowhere). Returns 0, or -1 after
 * an error message. */
static int entry_data(uz *u, const zent *e, int fd, const char *shown)
{
    unsigned char lh[30];
    if (!read_at(u, lh, 30, e->off) || g32(lh) != 0x04034b50) {
        warn_err(u, "error:  invalid zip file with overlapped components (possible zip bomb)\n");
        return -1;
    }
    uint64_t pos = e->off + 30 + g16(lh + 26) + g16(lh + 28);
    uint64_t left = e->csize, out = 0;
    uLong crc = crc32(0, NULL, 0);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    bool inflating = e->method == 8;
    if (e->method != 0 && e->method != 8) {
        warn_err(u, "   skipping: %-22s  unsupported compression method %u\n", shown, e->method);
        return -1;
    }
    if (e->flags & 1) {
        warn_err(u, "   skipping: %-22s  unable to get password\n", shown);
        return -1;
    }
    if (inflating) {
        zs.zalloc = va_zalloc, zs.zfree = va_zfree, zs.opaque = u->p;
        if (inflateInit2(&zs, -15) != Z_OK) vl_die(u->c, 5, "memory exhausted");
    }
    int rc = 0, zr = Z_OK;
    while (left > 0 || (inflating && zr != Z_STREAM_END)) {
        size_t k = left > UBUF ? UBUF : (size_t)left;
        if (k && !read_at(u, u->ibuf, k, pos)) {
            rc = -1;
            break;
        }
        va_tick(u->c, k);
        pos += k, left -= k;
        if (!inflating) {
            crc = crc32(crc, u->ibuf, (uInt)k);
            out += k;
            if (fd == -1) vl_write(u->c, u->ibuf, k);
            else if (fd >= 0 && vk_write(u->p, fd, u->ibuf, k) < 0) {
                rc = -2;
                break;
            }
            continue;
        }
        zs.next_in = u->ibuf, zs.avail_in = (uInt)k;
        do {
            zs.next_out = u->obuf, zs.avail_out = UBUF;
            zr = inflate(&zs, Z_NO_FLUSH);
            size_t got = UBUF - zs.avail_out;
            crc = crc32(crc, u->obuf, (uInt)got);
            out += got;
            if (fd == -1) vl_write(u->c, u->obuf, got);
            else if (fd >= 0 && got && vk_write(u->p, fd, u->obuf, got) < 0) {
                rc = -2;
                break;
            }
            if (out > e->usize) break; /* more than the directory says: a bomb */
        } while (zr == Z_OK && zs.avail_out == 0);
        if (rc) break;
        if (zr == Z_STREAM_END) break;
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && left > 0)) {
            rc = -1;
            break;
        }
        if (out > e->usize) {
            rc = -1;
            break;
        }
        if (left == 0 && zr != Z_STREAM_END) {
            rc = -1;
            break;
        }
    }
    if (inflating) inflateEnd(&zs);
    if (rc == -2) {
        if (vk_dying(u->p)) vl_exit(u->c, VK_WSHELL(vk_dying(u->p)));
        warn_err(u, "%s:  write error (disk full?).  Continue? (y/n/^C) \n", shown);
        return -2;
    }
    if (rc < 0) {
        warn_err(u, "  error:  invalid compressed data to inflate %s\n", shown);
        return -1;
    }
    if ((uint32_t)crc != e->crc || out != e->usize) {
        warn_err(u, "%s:  bad CRC %08lx  (should be %08lx)\n", shown, (unsigned long)crc,
                 (unsigned long)e->crc);
        return -1;
    }
    return 0;
}

/* The name to extract to: without '/' prefixes and '..' components (UnZip's warnings). */
static char *safe_path(uz *u, const char *name, bool *changed)
{
    vl_ctx *c = u->c;
    vl_buf b = {0};
    bool skipped = false;
    const char *s = name;
    if (*s == '/') {
        while (*s == '/') s++;
        *changed = true;
        warn_err(u, "warning:  stripped absolute path spec from %s\n", name);
    }
    while (*s) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            skipped = true;
        } else if (len > 0 && !(len == 1 && s[0] == '.')) {
            if (b.len) vl_buf_addc(c, &b, '/');
            vl_buf_add(c, &b, s, len);
        }
        if (!e) break;
        s = e + 1;
        if (!*s) vl_buf_addc(c, &b, '/');
    }
    if (skipped) {
        vl_flush(c);
        say(u, "warning:  skipped \"../\" path component(s) in %s\n", name);
        *changed = true;
    }
    vl_buf_addc(c, &b, 0);
    return b.data;
}

static void make_parents(uz *u, const char *path)
{
    char *dup = vl_xstrdup(u->c, path);
    for (char *s = dup + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        struct vk_stat st;
        if (vk_lstat(u->p, dup, &st) < 0) vk_mkdir(u->p, dup, 0777);
        *s = '/';
    }
    vl_xfree(u->c, dup);
}

static bool may_replace(uz *u, const char *path)
{
    struct vk_stat st;
    if (vk_lstat(u->p, path, &st) < 0) return true;
    if (u->over || u->all) return true;
    if (u->never || u->none) return false;
    warn_err(u, "replace %s? [y]es, [n]o, [A]ll, [N]one, [r]ename: ", path);
    char ans[64];
    ssize_t n = vk_read(u->p, 0, ans, sizeof ans - 1);
    if (n <= 0) {
        warn_err(u, " NULL\n(EOF or read error, treating as \"[N]one\" ...)\n");
        u->none = true;
        if (u->status == 0) u->status = 1;
        return false;
    }
    if (ans[0] == 'y') return true;
    if (ans[0] == 'A') return u->all = true;
    if (ans[0] == 'N') {
        u->none = true;
        return false;
    }
    return false;
}

static void extract_one(uz *u, const zent *e)
{
    vl_ctx *c = u->c;
    bool changed = false;
    char *rel = safe_path(u, e->name, &changed);
    if (changed && u->status == 0) u->status = 1;
    if (!*rel) return;
    if (u->junk) {
        if (is_dir(e)) return;
        const char *b = strrchr(rel, '/');
        if (b) rel = vl_xstrdup(c, b + 1);
    }
    char *path = u->exdir ? vl_path_join(c, u->exdir, rel) : rel;
    unsigned mode = unix_mode(e);
    if (is_dir(e) || VK_S_ISDIR(mode)) {
        size_t l = strlen(path);
        char *d = vl_xstrdup(c, path);
        while (l > 1 && d[l - 1] == '/') d[--l] = 0;
        struct vk_stat st;
        if (vk_stat(u->p, d, &st) == 0 && VK_S_ISDIR(st.mode)) return;
        make_parents(u, d);
        if (u->quiet == 0) say(u, "   creating: %s\n", path);
        vk_mkdir(u->p, d, 0777);
        return;
    }
    if (VK_S_ISLNK(mode)) {
        /* the target is the data (stored) */
        if (e->usize > 4096) return;
        unsigned char lh[30];
        if (!read_at(u, lh, 30, e->off)) return;
        uint64_t pos = e->off + 30 + g16(lh + 26) + g16(lh + 28);
        if (e->method != 0) return;
        char tgt[4097];
        if (!read_at(u, tgt, (size_t)e->csize, pos)) return;
        tgt[e->csize] = 0;
        if (!may_replace(u, path)) return;
        vk_unlink(u->p, path);
        make_parents(u, path);
        if (u->quiet == 0) say(u, "    linking: %-22s -> %s \n", path, tgt);
        bool risky = tgt[0] == '/' || strstr(tgt, "..");
        if (risky) {
            u->links = vl_xrealloc(c, u->links, (u->nlinks + 1) * sizeof *u->links);
            u->links[u->nlinks].name = vl_xstrdup(c, path);
            u->links[u->nlinks++].target = vl_xstrdup(c, tgt);
            int fd = vk_open(u->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0);
            if (fd >= 0) vk_close(u->p, fd);
        } else {
            vk_symlink(u->p, tgt, path);
        }
        return;
    }
    if (!may_replace(u, path)) return;
    make_parents(u, path);
    vk_unlink(u->p, path);
    int fd = vk_open(u->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0600);
    if (fd < 0) {
        if (vk_dying(u->p)) vl_exit(c, VK_WSHELL(vk_dying(u->p)));
        warn_err(u, "error:  cannot create %s\n        %s\n", path, vl_strerror(fd));
        u->status = u->status > 2 ? u->status : 2;
        if (fd == VOS_EFSBYTES || fd == VOS_EFSINODES || fd == VOS_ENOSPC) vl_exit(c, 50);
        return;
    }
    if (u->quiet == 0)
        say(u, "%11s: %-22s  \n", e->method == 8 ? "inflating" : "extracting", path);
    int r = entry_data(u, e, fd, path);
    vk_close(u->p, fd);
    if (r == -2) {
        vk_unlink(u->p, path);
        vl_exit(c, 50);
    }
    if (r < 0) {
        u->status = 2;
        return;
    }
    vk_chmod(u->p, path, mode & 0777);
    int64_t mt = entry_mtime(u, e);
    int64_t ts[2] = {mt * 1000000000, mt * 1000000000};
    vk_utimens(u->p, path, ts, true);
}

static int unzip_main(vl_ctx *c, int argc, char **argv)
{
    uz u0 = {0}, *u = &u0;
    u->c = c, u->p = c->p;
    /* UnZip's command line: options, the zip file, member names, then -x names and -d DIR
     * anywhere after it */
    char **names = vl_xcalloc(c, (size_t)argc + 1, sizeof *names);
    char **excl = vl_xcalloc(c, (size_t)argc + 1, sizeof *excl);
    int nn = 0, nx = 0;
    bool in_x = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] && !(in_x && a[1] != 'd' && a[1] != 'x')) {
            if (strcmp(a, "--help") == 0) {
                vl_help(c);
                return 0;
            }
            bool word_done = false;
            for (const char *s = a + 1; *s && !word_done; s++) {
                switch (*s) {
                case 'l': u->list = true; break;
                case 'v': u->list = u->verbose_list = true; break;
                case 't': u->test = true; break;
                case 'p': u->pipe = true; break;
                case 'o': u->over = true; break;
                case 'n': u->never = true; break;
                case 'q': u->quiet++; break;
                case 'j': u->junk = true; break;
                case 'x': in_x = true; break;
                case 'Z': u->z1 = true; break;
                case '1': break;
                case 'd':
                    if (s[1]) u->exdir = s + 1;
                    else if (i + 1 < argc) u->exdir = argv[++i];
                    else vl_die(c, 10, "error:  must specify directory to which to extract with -d option");
                    word_done = true;
                    in_x = false;
                    break;
                case 'a': case 'b': case 'C': case 'L': case 'X': case 'D': case 'K': break;
                default:
                    vl_eprintf(c, "error:  -%c: invalid option\n", *s);
                    return 10;
                }
            }
            continue;
        }
        if (!u->zipname) u->zipname = a;
        else if (in_x) excl[nx++] = argv[i];
        else names[nn++] = argv[i];
    }
    if (!u->zipname) {
        vl_help(c);
        return 0;
    }
    u->incl = names, u->nincl = nn, u->excl = excl, u->nexcl = nx;
    u->matched = vl_xcalloc(c, (size_t)nn + 1, sizeof(bool));
    vl_tz_from_env(c, &u->tz);
    u->fd = vk_open(u->p, u->zipname, VK_O_RDONLY, 0);
    if (u->fd < 0) {
        char *alt = vl_xmalloc(c, strlen(u->zipname) + 5);
        strcpy(alt, u->zipname), strcat(alt, ".zip");
        u->fd = vk_open(u->p, alt, VK_O_RDONLY, 0);
        if (u->fd < 0) {
            vl_eprintf(c, "unzip:  cannot find or open %s, %s.zip or %s.ZIP.\n", u->zipname,
                       u->zipname, u->zipname);
            return 9;
        }
        u->zipname = alt;
    }
    struct vk_stat st;
    if (vk_fstat(u->p, u->fd, &st) == 0 && VK_S_ISDIR(st.mode)) {
        vl_eprintf(c, "unzip:  cannot find or open %s, %s.zip or %s.ZIP.\n", u->zipname,
                   u->zipname, u->zipname);
        return 9;
    }
    if (!u->pipe && !u->z1 && u->quiet < 2 && !(u->quiet && !u->list && !u->test))
        say(u, "Archive:  %s\n", u->zipname);
    read_directory(u);
    u->ibuf = vl_xmalloc(c, UBUF);
    u->obuf = vl_xmalloc(c, UBUF);
    if (u->list || u->z1) {
        do_list(u);
    } else if (u->test) {
        int bad = 0;
        for (size_t i = 0; i < u->n; i++) {
            if (!wanted(u, i)) continue;
            zent *e = &u->e[i];
            int r = is_dir(e) ? 0 : entry_data(u, e, -2, e->name);
            if (r == 0 && u->quiet == 0) say(u, "    testing: %-22s   OK\n", e->name);
            if (r) bad++;
        }
        if (bad) {
            say(u, "At least one error was detected in %s.\n", u->zipname);
            u->status = 2;
        } else if (u->quiet < 2) {
            say(u, "No errors detected in compressed data of %s.\n", u->zipname);
        }
    } else {
        if (u->exdir && !u->pipe) {
            struct vk_stat ds;
            if (vk_stat(u->p, u->exdir, &ds) < 0) {
                char *d = vl_path_join(c, u->exdir, "x");
                make_parents(u, d);
            }
        }
        for (size_t i = 0; i < u->n; i++) {
            if (!wanted(u, i)) continue;
            zent *e = &u->e[i];
            if (u->pipe) {
                if (!is_dir(e)) entry_data(u, e, -1, e->name);
                continue;
            }
            extract_one(u, e);
        }
        for (size_t i = 0; i < u->nlinks; i++) {
            vk_unlink(u->p, u->links[i].name);
            vk_symlink(u->p, u->links[i].target, u->links[i].name);
        }
    }
    for (int k = 0; k < u->nincl; k++)
        if (!u->matched[k]) {
            vl_flush(c);
            vl_eprintf(c, "caution: filename not matched:  %s\n", u->incl[k]);
            if (u->status < 11) u->status = 11;
        }
    vl_flush(c);
    return u->status;
}

VL_COMMAND(unzip, unzip_main, unzip_opts, "[-Z] [-opts[modifiers]] file[.zip] [list] [-x xlist] [-d exdir]",
           "UnZip 6.00 compatible: list, test and extract compressed files in a ZIP archive.",
           VL_NO_OPTIONS, 10);
