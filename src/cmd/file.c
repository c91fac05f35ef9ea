/* file: determine file type (file 5.44's answers for the common types): ELF with its details
 * line (class, type, machine, ABI, linking, interpreter, BuildID, GNU ABI tag, debug info,
 * stripped), PNG, JPEG, GIF, PDF, PostScript, gzip, bzip2, xz, zstd, zip, tar, SQLite; scripts
 * by their #! line; ASCII, UTF-8, UTF-16, ISO-8859 and extended-ASCII text with file's
 * qualifiers; JSON, XML and HTML; directories, links, devices. Options -b -i --mime-type
 * --mime-encoding -L -h -N -0 -F -f -E -s -z (accepted; compressed contents are not opened).
 * It is not libmagic: the thousands of rarer formats of its magic database are "data" here. */
#include "lib/cmd.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    OPT_MIME_TYPE = 256,
    OPT_MIME_ENCODING,
    OPT_EXTENSION,
    OPT_APPLE,
    OPT_EXCLUDE_QUIET,
};

static const vl_opt file_opts[] = {
    {'b', "brief", VL_NOARG, NULL, "do not prepend filenames to output lines"},
    {'E', NULL, VL_NOARG, NULL, "on filesystem errors, issue an error message and exit"},
    {'f', "files-from", VL_ARG, "FILE", "read the filenames to be examined from FILE"},
    {'F', "separator", VL_ARG, "STRING", "use string as separator instead of ':'"},
    {'i', "mime", VL_NOARG, NULL, "output MIME type strings (--mime-type and --mime-encoding)"},
    {OPT_MIME_TYPE, "mime-type", VL_NOARG, NULL, "output the MIME type"},
    {OPT_MIME_ENCODING, "mime-encoding", VL_NOARG, NULL, "output the MIME encoding"},
    {'k', "keep-going", VL_NOARG, NULL, "don't stop at the first match"},
    {'L', "dereference", VL_NOARG, NULL, "follow symlinks"},
    {'h', "no-dereference", VL_NOARG, NULL, "don't follow symlinks (default)"},
    {'n', "no-buffer", VL_NOARG, NULL, "do not buffer output"},
    {'N', "no-pad", VL_NOARG, NULL, "do not pad output"},
    {'0', "print0", VL_NOARG, NULL, "terminate filenames with ASCII NUL"},
    {'p', "preserve-date", VL_NOARG, NULL, "preserve access times on files"},
    {'r', "raw", VL_NOARG, NULL, "don't translate unprintable chars to \\ooo"},
    {'s', "special-files", VL_NOARG, NULL, "treat special (block/char devices) files as ordinary ones"},
    {'z', "uncompress", VL_NOARG, NULL, "try to look inside compressed files (not done in vos)"},
    {0, NULL, 0, NULL, NULL},
};

#define READ_MAX (1024 * 1024)

typedef struct result {
    vl_buf d;            /* the description */
    const char *mime;    /* type */
    const char *charset; /* encoding */
} result;

typedef struct fctx {
    vl_ctx *c;
    const char *path;
    const unsigned char *b;
    size_t n;        /* bytes read */
    uint64_t size;   /* the file's size */
    int fd;
    vl_tz tz;
    result *r;
} fctx;

static void add(fctx *F, const char *s)
{
    vl_buf_adds(F->c, &F->r->d, s);
}

static void addf(fctx *F, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(fctx *F, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    vl_buf_adds(F->c, &F->r->d, buf);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* ---- ELF ---- */

typedef struct elf {
    fctx *F;
    bool is64, le;
} elf;

static uint64_t eget(const elf *E, uint64_t off, int size, bool *ok)
{
    const fctx *F = E->F;
    if (off + (uint64_t)size > F->n) {
        *ok = false;
        return 0;
    }
    const unsigned char *p = F->b + off;
    uint64_t v = 0;
    for (int i = 0; i < size; i++) v |= (uint64_t)p[E->le ? i : size - 1 - i] << (8 * i);
    return v;
}

static const char *machine_name(unsigned m)
{
    switch (m) {
    case 2: return "SPARC";
    case 3: return "Intel 80386";
    case 8: return "MIPS, MIPS-I";
    case 20: return "PowerPC or cisco 4500";
    case 21: return "64-bit PowerPC or cisco 7500";
    case 22: return "IBM S/390";
    case 40: return "ARM";
    case 43: return "SPARC V9";
    case 50: return "IA-64";
    case 62: return "x86-64";
    case 183: return "ARM aarch64";
    case 243: return "UCB RISC-V";
    case 247: return "eBPF";
    case 258: return "LoongArch";
    default: return NULL;
    }
}

static const char *osabi_name(unsigned o)
{
    switch (o) {
    case 0: return "SYSV";
    case 1: return "HP-UX";
    case 2: return "NetBSD";
    case 3: return "GNU/Linux";
    case 6: return "Solaris";
    case 9: return "FreeBSD";
    case 12: return "OpenBSD";
    case 97: return "ARM";
    case 255: return "embedded";
    default: return NULL;
    }
}

/* Notes in [off, off+len): GNU build id and ABI tag. */
static void elf_notes(elf *E, uint64_t off, uint64_t len, bool *seen_id, bool *seen_abi)
{
    fctx *F = E->F;
    bool ok = true;
    uint64_t end = off + len;
    while (off + 12 <= end && ok) {
        uint64_t namesz = eget(E, off, 4, &ok), descsz = eget(E, off + 4, 4, &ok);
        uint64_t type = eget(E, off + 8, 4, &ok);
        if (!ok || namesz > 4096 || descsz > 4096) return;
        uint64_t name = off + 12, desc = name + ((namesz + 3) & ~3ull);
        uint64_t next = desc + ((descsz + 3) & ~3ull);
        if (next > F->n) return;
        bool gnu = namesz == 4 && memcmp(F->b + name, "GNU", 4) == 0;
        if (gnu && type == 3 && !*seen_id) { /* NT_GNU_BUILD_ID */
            *seen_id = true;
            const char *kind = descsz == 20 ? "sha1" : descsz == 16 ? "md5/uuid" : descsz == 8 ? "xxHash" : "unknown";
            addf(F, ", BuildID[%s]=", kind);
            for (uint64_t i = 0; i < descsz; i++) addf(F, "%02x", F->b[desc + i]);
        } else if (gnu && type == 1 && descsz >= 16 && !*seen_abi) { /* NT_GNU_ABI_TAG */
            *seen_abi = true;
            static const char *const os[] = {"Linux", "Hurd", "Solaris", "kFreeBSD", "kNetBSD"};
            uint64_t o = eget(E, desc, 4, &ok);
            addf(F, ", for GNU/%s %u.%u.%u", o < 5 ? os[o] : "<unknown>",
                 (unsigned)eget(E, desc + 4, 4, &ok), (unsigned)eget(E, desc + 8, 4, &ok),
                 (unsigned)eget(E, desc + 12, 4, &ok));
        }
        off = next;
    }
}

static void do_elf(fctx *F)
{
    const unsigned char *b = F->b;
    elf E = {F, b[4] == 2, b[5] != 2};
    bool ok = true;
    addf(F, "ELF %s-bit %s ", E.is64 ? "64" : b[4] == 1 ? "32" : "unknown",
         b[5] == 2 ? "MSB" : b[5] == 1 ? "LSB" : "unknown");
    unsigned type = (unsigned)eget(&E, 16, 2, &ok);
    /* pie: a shared object with DF_1_PIE in its dynamic section */
    uint64_t phoff = eget(&E, E.is64 ? 32 : 28, E.is64 ? 8 : 4, &ok);
    unsigned phentsize = (unsigned)eget(&E, E.is64 ? 54 : 42, 2, &ok);
    unsigned phnum = (unsigned)eget(&E, E.is64 ? 56 : 44, 2, &ok);
    uint64_t shoff = eget(&E, E.is64 ? 40 : 32, E.is64 ? 8 : 4, &ok);
    unsigned shentsize = (unsigned)eget(&E, E.is64 ? 58 : 46, 2, &ok);
    unsigned shnum = (unsigned)eget(&E, E.is64 ? 60 : 48, 2, &ok);
    unsigned shstrndx = (unsigned)eget(&E, E.is64 ? 62 : 50, 2, &ok);
    bool hdr_ok = ok;
    bool pie = false, dynamic = false, interp = false;
    uint64_t interp_off = 0, interp_len = 0;
    if (hdr_ok && phoff && phnum < 4096) {
        for (unsigned i = 0; i < phnum; i++) {
            bool pok = true;
            uint64_t ph = phoff + (uint64_t)i * phentsize;
            uint64_t pt = eget(&E, ph, 4, &pok);
            uint64_t off = eget(&E, ph + (E.is64 ? 8 : 4), E.is64 ? 8 : 4, &pok);
            uint64_t filesz = eget(&E, ph + (E.is64 ? 32 : 16), E.is64 ? 8 : 4, &pok);
            if (!pok) break;
            if (pt == 3) {
                interp = true;
                interp_off = off;
                interp_len = filesz;
            } else if (pt == 2) {
                dynamic = true;
                /* DT_FLAGS_1 (0x6ffffffb) & DF_1_PIE (0x08000000) */
                unsigned es = E.is64 ? 16 : 8;
                for (uint64_t d = off; d + es <= off + filesz; d += es) {
                    bool dok = true;
                    uint64_t tag = eget(&E, d, E.is64 ? 8 : 4, &dok);
                    uint64_t val = eget(&E, d + es / 2, E.is64 ? 8 : 4, &dok);
                    if (!dok || tag == 0) break;
                    if (tag == 0x6ffffffb && (val & 0x08000000)) pie = true;
                }
            }
        }
    }
    switch (type) {
    case 1: add(F, "relocatable"), F->r->mime = "application/x-object"; break;
    case 2: add(F, "executable"), F->r->mime = "application/x-executable"; break;
    case 3:
        add(F, pie ? "pie executable" : "shared object");
        F->r->mime = pie ? "application/x-pie-executable" : "application/x-sharedlib";
        break;
    case 4: add(F, "core file"), F->r->mime = "application/x-coredump"; break;
    default: addf(F, "unknown type 0x%x", type), F->r->mime = "application/octet-stream"; break;
    }
    bool mok = true;
    unsigned machine = (unsigned)eget(&E, 18, 2, &mok);
    if (mok) {
        const char *m = machine_name(machine);
        if (m) addf(F, ", %s", m);
        else addf(F, ", *unknown arch 0x%x*", machine);
    }
    bool vok = true;
    uint64_t version = eget(&E, 20, 4, &vok);
    /* MIPS's machine text runs into the version: "MIPS, MIPS-I version 1" */
    if (vok) addf(F, "%sversion %llu", mok && machine == 8 ? " " : ", ", (unsigned long long)version);
    const char *abi = osabi_name(b[7]);
    if (abi) addf(F, "%s(%s)", vok ? " " : ", ", abi);
    else addf(F, " (unknown OS ABI %u)", b[7]);
    if (!hdr_ok) return;
    bool seen_id = false, seen_abi = false;
    if ((type == 2 || type == 3) && phoff && phnum && phnum < 4096) {
        /* notes of the program headers are read only when there are no sections (file reads
         * them there), and printed before the linking */
        for (unsigned i = 0; i < phnum; i++) {
            bool pok = true;
            uint64_t ph = phoff + (uint64_t)i * phentsize;
            uint64_t pt = eget(&E, ph, 4, &pok);
            uint64_t off = eget(&E, ph + (E.is64 ? 8 : 4), E.is64 ? 8 : 4, &pok);
            uint64_t filesz = eget(&E, ph + (E.is64 ? 32 : 16), E.is64 ? 8 : 4, &pok);
            if (pok && pt == 4 && shnum == 0) elf_notes(&E, off, filesz, &seen_id, &seen_abi);
        }
        add(F, dynamic ? ", dynamically linked" : ", statically linked");
        if (interp && interp_off + interp_len <= F->n && interp_len > 0) {
            add(F, ", interpreter ");
            size_t l = strnlen((const char *)b + interp_off, interp_len);
            vl_buf_add(F->c, &F->r->d, b + interp_off, l);
        }
    }
    if (shnum == 0) {
        if (phnum) add(F, ", no section header");
        return;
    }
    /* sections: notes, a symbol table, and debug info (file looks at each section's name one
     * step late, so a last ".debug_info" goes unseen) */
    bool symtab = false, debug = false;
    if (shoff && shnum < 65280 && shstrndx < shnum) {
        bool sok = true;
        uint64_t sh = shoff + (uint64_t)shstrndx * shentsize;
        uint64_t stroff = eget(&E, sh + (E.is64 ? 24 : 16), E.is64 ? 8 : 4, &sok);
        uint64_t strsz = eget(&E, sh + (E.is64 ? 32 : 20), E.is64 ? 8 : 4, &sok);
        for (unsigned i = 0; i < shnum && sok; i++) {
            uint64_t s = shoff + (uint64_t)i * shentsize;
            uint64_t name = eget(&E, s, 4, &sok), stype = eget(&E, s + 4, 4, &sok);
            uint64_t off = eget(&E, s + (E.is64 ? 24 : 16), E.is64 ? 8 : 4, &sok);
            uint64_t size = eget(&E, s + (E.is64 ? 32 : 20), E.is64 ? 8 : 4, &sok);
            if (!sok) break;
            if (stype == 2) symtab = true;
            if (stype == 7) elf_notes(&E, off, size, &seen_id, &seen_abi);
            if (i + 1 < shnum && name < strsz && stroff + name < F->n) {
                const char *nm = (const char *)b + stroff + name;
                size_t room = F->n - (size_t)(stroff + name);
                if (strnlen(nm, room) < room && strcmp(nm, ".debug_info") == 0) debug = true;
            }
        }
    }
    if (debug) add(F, ", with debug_info");
    add(F, symtab ? ", not stripped" : ", stripped");
}

/* ---- images, archives, compressors ---- */

static bool do_png(fctx *F)
{
    const unsigned char *b = F->b;
    if (F->n < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return false;
    F->r->mime = "image/png";
    add(F, "PNG image data");
    if (F->n >= 29 && memcmp(b + 12, "IHDR", 4) == 0) {
        addf(F, ", %u x %u, ", be32(b + 16), be32(b + 20));
        unsigned depth = b[24], ct = b[25];
        const char *kind = ct == 0 ? "grayscale" : ct == 2 ? "/color RGB" : ct == 3 ? " colormap"
                           : ct == 4 ? " gray+alpha" : ct == 6 ? "/color RGBA" : NULL;
        if (kind) addf(F, "%u-bit%s%s", depth, kind[0] == 'g' ? " " : "", kind);
        addf(F, ", %s", b[28] ? "interlaced" : "non-interlaced");
    }
    return true;
}

static bool do_gif(fctx *F)
{
    const unsigned char *b = F->b;
    if (F->n < 6 || (memcmp(b, "GIF87a", 6) && memcmp(b, "GIF89a", 6))) return false;
    F->r->mime = "image/gif";
    addf(F, "GIF image data, version %.3s", b + 3);
    if (F->n >= 10) addf(F, ", %u x %u", b[6] | b[7] << 8, b[8] | b[9] << 8);
    return true;
}

static bool do_jpeg(fctx *F)
{
    const unsigned char *b = F->b;
    size_t n = F->n;
    if (n < 3 || b[0] != 0xff || b[1] != 0xd8 || b[2] != 0xff) return false;
    F->r->mime = "image/jpeg";
    add(F, "JPEG image data");
    if (n >= 20 && b[3] == 0xe0 && memcmp(b + 6, "JFIF", 5) == 0) {
        addf(F, ", JFIF standard %u.%02u", b[11], b[12]);
        unsigned units = b[13];
        add(F, units == 0 ? ", aspect ratio" : units == 1 ? ", resolution (DPI)" : ", resolution (DPCM)");
        addf(F, ", density %ux%u", be16(b + 14), be16(b + 16));
        addf(F, ", segment length %u", be16(b + 4));
        if (b[18] || b[19]) addf(F, ", thumbnail %ux%u", b[18], b[19]);
    }
    /* the frame header: kind, precision, size, components */
    size_t p = 2;
    while (p + 4 <= n && b[p] == 0xff) {
        unsigned m = b[p + 1];
        if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
            p += 2;
            continue;
        }
        unsigned len = be16(b + p + 2);
        if ((m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) && p + 10 <= n) {
            const char *kind = m == 0xc0 ? "baseline" : m == 0xc1 ? "extended sequential"
                               : m == 0xc2 ? "progressive" : m == 0xc3 ? "lossless" : NULL;
            if (kind) addf(F, ", %s", kind);
            addf(F, ", precision %u, %ux%u, components %u", b[p + 4], be16(b + p + 7),
                 be16(b + p + 5), b[p + 9]);
            break;
        }
        if (m == 0xda || m == 0xd9 || len < 2) break;
        p += 2 + len;
    }
    return true;
}

static bool do_gzip(fctx *F)
{
    const unsigned char *b = F->b;
    if (F->n < 10 || b[0] != 0x1f || b[1] != 0x8b) return false;
    F->r->mime = "application/gzip";
    add(F, "gzip compressed data");
    if (b[2] != 8) {
        addf(F, ", unknown method");
        return true;
    }
    unsigned flg = b[3];
    size_t p = 10;
    if (flg & 4 && p + 2 <= F->n) p += 2 + (b[p] | b[p + 1] << 8);
    if (flg & 8) {
        add(F, ", was \"");
        size_t start = p;
        while (p < F->n && b[p]) p++;
        vl_buf_add(F->c, &F->r->d, b + start, p - start);
        add(F, "\"");
    }
    uint32_t mtime = le32(b + 4);
    if (mtime) {
        vl_tm tm;
        char t[64];
        if (vl_time_split(mtime, 0, &F->tz, &tm)) {
            vl_strftime(t, sizeof t, "%a %b %e %H:%M:%S %Y", &tm);
            addf(F, ", last modified: %s", t);
        }
    }
    if (b[8] == 2) add(F, ", max compression");
    else if (b[8] == 4) add(F, ", max speed");
    static const char *const os[] = {"FAT filesystem (MS-DOS, OS/2, NT)", "Amiga", "VMS", "Unix",
                                     "VM/CMS", "Atari", "HPFS filesystem (OS/2, NT)", "MacOS",
                                     "Z-System", "CP/M", "TOPS/20", "NTFS filesystem (NT)",
                                     "QDOS", "Acorn RISCOS"};
    if (b[9] < 14) addf(F, ", from %s", os[b[9]]);
    unsigned char tail[4];
    if (F->size >= 4 && F->fd >= 0 && vk_pread(F->c->p, F->fd, tail, 4, (int64_t)F->size - 4) == 4)
        addf(F, ", original size modulo 2^32 %u", le32(tail));
    return true;
}

/* a tar header's checksum: the bytes' sum, the checksum field counted as spaces */
static bool tar_checksum_ok(const unsigned char *b)
{
    unsigned long want = 0;
    int digits = 0;
    for (int i = 148; i < 156; i++) {
        if (b[i] >= '0' && b[i] <= '7') want = want * 8 + (unsigned long)(b[i] - '0'), digits++;
        else if (b[i] != ' ' && b[i] != '\0') return false;
        else if (digits) break;
    }
    if (!digits) return false;
    unsigned long sum = 0;
    for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : b[i];
    return sum == want;
}

static bool do_compressed(fctx *F)
{
    const unsigned char *b = F->b;
    size_t n = F->n;
    if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9') {
        F->r->mime = "application/x-bzip2";
        addf(F, "bzip2 compressed data, block size = %c00k", b[3]);
        return true;
    }
    if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0) {
        F->r->mime = "application/x-xz";
        add(F, "XZ compressed data");
        if (n >= 8) {
            unsigned ck = b[7] & 0xf;
            addf(F, ", checksum %s", ck == 0 ? "NONE" : ck == 1 ? "CRC32" : ck == 4 ? "CRC64" : ck == 10 ? "SHA-256" : "unknown");
        }
        return true;
    }
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
        F->r->mime = "application/zstd";
        add(F, "Zstandard compressed data (v0.8+)");
        if (n >= 5) {
            unsigned fhd = b[4], dsz = fhd & 3;
            size_t p = 5 + ((fhd & 0x20) ? 0 : 1);
            unsigned sizes[] = {0, 1, 2, 4};
            if (dsz == 0) add(F, ", Dictionary ID: None");
            else if (p + sizes[dsz] <= n) {
                uint32_t id = 0;
                for (unsigned i = 0; i < sizes[dsz]; i++) id |= (uint32_t)b[p + i] << (8 * i);
                addf(F, ", Dictionary ID: %u", id);
            }
        }
        return true;
    }
    if (n >= 4 && memcmp(b, "PK\x05\x06", 4) == 0) {
        F->r->mime = "application/zip";
        add(F, "Zip archive data (empty)");
        return true;
    }
    if (n >= 30 && memcmp(b, "PK\x03\x04", 4) == 0) {
        F->r->mime = "application/zip";
        unsigned ver = b[4], method = b[8] | b[9] << 8;
        addf(F, "Zip archive data, at least v%u.%u to extract", ver / 10, ver % 10);
        const char *m = method == 0 ? "store" : method == 8 ? "deflate" : method == 12 ? "bzip2"
                        : method == 14 ? "lzma" : method == 93 ? "zstd" : method == 95 ? "xz" : NULL;
        if (m) addf(F, ", compression method=%s", m);
        return true;
    }
    if (n >= 512 && tar_checksum_ok(b) && memcmp(b + 257, "ustar", 5) == 0) {
        F->r->mime = "application/x-tar";
        if (memcmp(b + 257, "ustar  \0", 8) == 0) add(F, "POSIX tar archive (GNU)");
        else add(F, "POSIX tar archive");
        return true;
    }
    if (n >= 100 && memcmp(b, "SQLite format 3\0", 16) == 0) {
        F->r->mime = "application/vnd.sqlite3";
        add(F, "SQLite 3.x database");
        if (be32(b + 68)) addf(F, ", application id %u", be32(b + 68));
        if (be32(b + 60)) addf(F, ", user version %d", (int)be32(b + 60));
        addf(F, ", last written using SQLite version %u", be32(b + 96));
        if (b[18] == 2 && b[19] == 2) add(F, ", writer version 2, read version 2");
        if (be32(b + 24)) addf(F, ", file counter %u", be32(b + 24));
        if (be32(b + 28)) addf(F, ", database pages %u", be32(b + 28));
        if (be32(b + 32)) addf(F, ", 1st free page %u", be32(b + 32));
        if (be32(b + 36)) addf(F, ", free pages %u", be32(b + 36));
        if (be32(b + 40)) addf(F, ", cookie 0x%x", be32(b + 40));
        if (be32(b + 44)) addf(F, ", schema %u", be32(b + 44));
        unsigned enc = be32(b + 56);
        if (enc == 1) add(F, ", UTF-8");
        else if (enc == 2) add(F, ", UTF-16 little endian");
        else if (enc == 3) add(F, ", UTF-16 big endian");
        addf(F, ", version-valid-for %u", be32(b + 92));
        return true;
    }
    if (n >= 5 && memcmp(b, "%PDF-", 5) == 0) {
        F->r->mime = "application/pdf";
        size_t v = 5, e = v;
        while (e < n && e < 16 && ((b[e] >= '0' && b[e] <= '9') || b[e] == '.')) e++;
        addf(F, "PDF document, version %.*s", (int)(e - v), (const char *)b + v);
        return true;
    }
    return false;
}

/* ---- text ---- */

/* file's classes of bytes: text, ISO-8859 text, non-ISO extended ASCII, binary */
enum { CT_T = 1, CT_I = 2, CT_X = 3, CT_F = 0 };

static int byte_class(unsigned ch)
{
    if (ch >= 0x20 && ch < 0x7f) return CT_T;
    if ((ch >= 7 && ch <= 13) || ch == 0x1b) return CT_T;
    if (ch >= 0xa0) return CT_I;
    if (ch >= 0x80) return CT_X;
    return CT_F;
}

/* Valid UTF-8 made of text characters, with at least one multibyte sequence? */
static int utf8_kind(const unsigned char *b, size_t n)
{
    bool multi = false;
    for (size_t i = 0; i < n;) {
        unsigned ch = b[i];
        if (ch < 0x80) {
            if (byte_class(ch) != CT_T) return 0;
            i++;
            continue;
        }
        int len = ch >= 0xf0 && ch <= 0xf4 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc2 && ch < 0xe0 ? 2 : 0;
        if (!len || ch > 0xf4 || i + (size_t)len > n) return 0;
        uint32_t cp = ch & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (int k = 1; k < len; k++) {
            if ((b[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (b[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        multi = true;
        i += (size_t)len;
    }
    return multi ? 1 : 0;
}

typedef struct textinfo {
    const char *label;   /* "ASCII", "Unicode text, UTF-8", ... */
    const char *charset;
    size_t start;        /* after a BOM */
    bool utf16;
} textinfo;

static bool classify_text(const unsigned char *b, size_t n, textinfo *t)
{
    t->start = 0;
    t->utf16 = false;
    if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff))) {
        bool le = b[0] == 0xff;
        /* UTF-16 text: every unit a text character */
        for (size_t i = 2; i + 1 < n; i += 2) {
            unsigned u = le ? b[i] | b[i + 1] << 8 : b[i] << 8 | b[i + 1];
            if (u < 0x80 && byte_class(u) != CT_T) return false;
        }
        t->label = le ? "Unicode text, UTF-16, little-endian" : "Unicode text, UTF-16, big-endian";
        t->charset = le ? "utf-16le" : "utf-16be";
        t->utf16 = true;
        return true;
    }
    int worst = CT_T;
    for (size_t i = 0; i < n; i++) {
        int k = byte_class(b[i]);
        if (k == CT_F) return false;
        if (k > worst) worst = k;
    }
    if (worst == CT_T) {
        t->label = "ASCII";
        t->charset = "us-ascii";
        return true;
    }
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf && utf8_kind(b + 3, n - 3) >= 0) {
        bool ok = true;
        for (size_t i = 3; i < n && ok; i++) ok = b[i] >= 0x80 || byte_class(b[i]) == CT_T;
        if (ok && (utf8_kind(b + 3, n - 3) == 1 || true)) {
            /* a BOM, then UTF-8 (or plain ASCII) */
            int k = utf8_kind(b + 3, n - 3);
            bool ascii = true;
            for (size_t i = 3; i < n && ascii; i++) ascii = b[i] < 0x80;
            if (k == 1 || ascii) {
                t->label = "Unicode text, UTF-8 (with BOM)";
                t->charset = "utf-8";
                t->start = 3;
                return true;
            }
        }
    }
    if (utf8_kind(b, n) == 1) {
        t->label = "Unicode text, UTF-8";
        t->charset = "utf-8";
        return true;
    }
    if (worst == CT_I) {
        t->label = "ISO-8859";
        t->charset = "iso-8859-1";
        return true;
    }
    t->label = "Non-ISO extended-ASCII";
    t->charset = "unknown-8bit";
    return true;
}

/* ", with very long lines (N)", line terminators, escapes, overstriking */
static void text_qualifiers(fctx *F, const unsigned char *b, size_t n, bool utf16)
{
    size_t crlf = 0, cr = 0, lf = 0, line = 0, maxline = 0;
    bool esc = false, bs = false;
    size_t step = utf16 ? 2 : 1;
    for (size_t i = 0; i < n; i += step) {
        unsigned ch = utf16 ? (b[i] | (i + 1 < n ? b[i + 1] << 8 : 0)) : b[i];
        if (utf16 && b[0] == 0xfe) ch = b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
        if (ch == '\r') {
            unsigned next = i + step < n ? (utf16 ? 0 : b[i + 1]) : 0;
            if (utf16 && i + 2 < n) next = b[0] == 0xfe ? (unsigned)(b[i + 2] << 8 | b[i + 3]) : (unsigned)(b[i + 2] | b[i + 3] << 8);
            if (next == '\n') crlf++, i += step;
            else cr++;
            if (line > maxline) maxline = line;
            line = 0;
        } else if (ch == '\n') {
            lf++;
            if (line > maxline) maxline = line;
            line = 0;
        } else {
            if (ch == 0x1b) esc = true;
            if (ch == '\b') bs = true;
            line++;
        }
    }
    if (line > maxline) maxline = line;
    if (maxline > 300) addf(F, ", with very long lines (%zu)", maxline);
    if ((!crlf && !cr && !lf) || crlf || cr) {
        add(F, ", with");
        if (!crlf && !cr && !lf) {
            add(F, " no");
        } else {
            if (crlf) add(F, cr || lf ? " CRLF," : " CRLF");
            if (cr) add(F, lf ? " CR," : " CR");
            if (lf) add(F, " LF");
        }
        add(F, " line terminators");
    }
    if (esc) add(F, ", with escape sequences");
    if (bs) add(F, ", with overstriking");
}

/* a small JSON validator (file 5.44 recognizes a whole-file JSON value) */
typedef struct jp {
    const unsigned char *p, *e;
    int depth;
} jp;

static void jws(jp *j)
{
    while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static bool jvalue(jp *j);

static bool jstring(jp *j)
{
    if (j->p >= j->e || *j->p != '"') return false;
    for (j->p++; j->p < j->e; j->p++) {
        if (*j->p == '"') {
            j->p++;
            return true;
        }
        if (*j->p == '\\') {
            j->p++;
            if (j->p >= j->e) return false;
        } else if (*j->p < 0x20) {
            return false;
        }
    }
    return false;
}

static bool jvalue(jp *j)
{
    if (++j->depth > 500) return false;
    jws(j);
    if (j->p >= j->e) return false;
    bool ok = false;
    unsigned ch = *j->p;
    if (ch == '{' || ch == '[') {
        unsigned close = ch == '{' ? '}' : ']';
        j->p++;
        jws(j);
        if (j->p < j->e && *j->p == close) {
            j->p++;
            ok = true;
        } else {
            for (;;) {
                if (ch == '{') {
                    jws(j);
                    if (!jstring(j)) break;
                    jws(j);
                    if (j->p >= j->e || *j->p != ':') break;
                    j->p++;
                }
                if (!jvalue(j)) break;
                jws(j);
                if (j->p < j->e && *j->p == ',') {
                    j->p++;
                    continue;
                }
                if (j->p < j->e && *j->p == close) {
                    j->p++;
                    ok = true;
                }
                break;
            }
        }
    } else if (ch == '"') {
        ok = jstring(j);
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        const unsigned char *s = j->p;
        while (j->p < j->e && strchr("+-0123456789.eE", *j->p)) j->p++;
        ok = j->p > s;
    } else {
        static const char *const words[] = {"true", "false", "null"};
        for (int i = 0; i < 3 && !ok; i++) {
            size_t l = strlen(words[i]);
            if ((size_t)(j->e - j->p) >= l && memcmp(j->p, words[i], l) == 0) {
                j->p += l;
                ok = true;
            }
        }
    }
    j->depth--;
    return ok;
}

static bool is_json(const unsigned char *b, size_t n)
{
    jp j = {b, b + n, 0};
    jws(&j);
    /* file wants an object or an array, or several values */
    if (j.p >= j.e || (*j.p != '{' && *j.p != '[')) return false;
    if (!jvalue(&j)) return false;
    jws(&j);
    return j.p == j.e;
}

static bool starts_ci(const unsigned char *b, size_t n, const char *s)
{
    size_t l = strlen(s);
    if (n < l) return false;
    for (size_t i = 0; i < l; i++) {
        unsigned ch = b[i];
        if (ch >= 'A' && ch <= 'Z') ch += 32;
        if (ch != (unsigned char)s[i]) return false;
    }
    return true;
}

/* A #! line: label and mime of the interpreter, and how file words it. */
typedef struct script {
    const char *label, *mime;
    int style; /* 0 "L, ENC text executable"; 1 "L text executable"; 2 "L executable, ENC text" */
} script;

static bool interpreter(fctx *F, const unsigned char *b, size_t n, script *s, vl_buf *unknown)
{
    if (n < 3 || b[0] != '#' || b[1] != '!') return false;
    size_t p = 2;
    while (p < n && (b[p] == ' ' || b[p] == '\t')) p++;
    size_t e = p;
    while (e < n && b[e] != '\n' && b[e] != '\r') e++;
    size_t te = e;
    while (te > p && (b[te - 1] == ' ' || b[te - 1] == '\t')) te--;
    /* the program and, through env, the one it runs */
    char line[256];
    size_t ll = te - p < sizeof line - 1 ? te - p : sizeof line - 1;
    memcpy(line, b + p, ll);
    line[ll] = '\0';
    char prog[256];
    size_t pl = strcspn(line, " \t");
    snprintf(prog, sizeof prog, "%.*s", (int)pl, line);
    const char *rest = line + pl;
    while (*rest == ' ' || *rest == '\t') rest++;
    const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
    char name[256];
    bool via_env = strcmp(base, "env") == 0;
    if (via_env) {
        snprintf(name, sizeof name, "%.*s", (int)strcspn(rest, " \t"), rest);
        const char *nb = strrchr(name, '/');
        if (nb) memmove(name, nb + 1, strlen(nb + 1) + 1);
    } else {
        snprintf(name, sizeof name, "%s", base);
    }
    static const struct {
        const char *prefix;
        bool exact;
        script s;
    } known[] = {
        {"sh", true, {"POSIX shell script", "text/x-shellscript", 0}},
        {"bash", true, {"Bourne-Again shell script", "text/x-shellscript", 0}},
        {"zsh", true, {"Paul Falstad's zsh script", "text/x-shellscript", 0}},
        {"ksh", true, {"Korn shell script", "text/x-shellscript", 0}},
        {"csh", true, {"C shell script", "text/x-shellscript", 0}},
        {"tcsh", true, {"Tenex C shell script", "text/x-shellscript", 0}},
        {"python", false, {"Python script", "text/x-script.python", 0}},
        {"perl", false, {"Perl script text executable", "text/x-perl", 1}},
        {"ruby", false, {"Ruby script", "text/x-ruby", 0}},
        {"node", true, {"Node.js script", "application/javascript", 2}},
        {"nodejs", true, {"Node.js script", "application/javascript", 2}},
        {"php", false, {"PHP script", "text/x-php", 0}},
        {"awk", true, {"awk script", "text/x-awk", 0}},
        {"gawk", true, {"GNU awk script", "text/x-gawk", 0}},
        {"tclsh", false, {"Tcl/Tk script", "text/x-tcl", 0}},
        {"wish", false, {"Tcl/Tk script", "text/x-tcl", 0}},
        {"lua", false, {"Lua script", "text/x-lua", 0}},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        bool hit = known[i].exact ? strcmp(name, known[i].prefix) == 0
                                  : strncmp(name, known[i].prefix, strlen(known[i].prefix)) == 0;
        if (hit && !(via_env && name[0] == '-')) {
            *s = known[i].s;
            return true;
        }
    }
    vl_buf_adds(F->c, unknown, "a ");
    vl_buf_adds(F->c, unknown, via_env ? rest : line);
    vl_buf_adds(F->c, unknown, " script");
    vl_buf_addc(F->c, unknown, '\0');
    s->label = unknown->data;
    s->mime = "text/plain";
    s->style = 0;
    return true;
}

static void do_text(fctx *F, size_t n, const textinfo *t)
{
    const unsigned char *b = F->b;
    script s;
    vl_buf unknown = {0};
    F->r->charset = t->charset;
    F->r->mime = "text/plain";
    const unsigned char *body = b + t->start;
    size_t bn = n - t->start;
    if (!t->utf16 && interpreter(F, body, bn, &s, &unknown)) {
        F->r->mime = s.mime;
        if (s.style == 1) {
            add(F, s.label);
        } else if (s.style == 2) {
            addf(F, "%s executable, %s text", s.label, t->label);
        } else {
            addf(F, "%s, %s text executable", s.label, t->label);
        }
        vl_buf_free(F->c, &unknown);
        text_qualifiers(F, body, bn, false);
        return;
    }
    if (!t->utf16 && is_json(body, bn)) {
        F->r->mime = "application/json";
        add(F, "JSON text data");
        return;
    }
    const unsigned char *q = body;
    size_t qn = bn;
    while (qn && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) q++, qn--;
    if (!t->utf16 && starts_ci(q, qn, "<?xml version=\"")) {
        const unsigned char *v = q + 15;
        size_t vl = 0;
        while (v + vl < q + qn && v[vl] != '"' && vl < 10) vl++;
        F->r->mime = "text/xml";
        addf(F, "XML %.*s document, %s text", (int)vl, (const char *)v, t->label);
    } else if (!t->utf16 && (starts_ci(q, qn, "<!doctype html") || starts_ci(q, qn, "<html") ||
                             starts_ci(q, qn, "<head") || starts_ci(q, qn, "<title"))) {
        F->r->mime = "text/html";
        addf(F, "HTML document, %s text", t->label);
    } else if (!t->utf16 && starts_ci(q, qn, "%!ps-adobe-")) {
        F->r->mime = "application/postscript";
        const unsigned char *v = q + 11;
        size_t vl = 0;
        while (v + vl < q + qn && ((v[vl] >= '0' && v[vl] <= '9') || v[vl] == '.')) vl++;
        addf(F, "PostScript document text conforming DSC level %.*s", (int)vl, (const char *)v);
        return;
    } else {
        addf(F, "%s text", t->label);
    }
    text_qualifiers(F, body, bn, t->utf16);
}

static void classify_data(fctx *F)
{
    const unsigned char *b = F->b;
    size_t n = F->n;
    if (n >= 4 && memcmp(b, "\x7f" "ELF", 4) == 0 && n >= 16) {
        do_elf(F);
        F->r->charset = "binary";
        return;
    }
    if (do_png(F) || do_gif(F) || do_jpeg(F) || do_gzip(F) || do_compressed(F)) {
        F->r->charset = "binary";
        return;
    }
    /* trailing NUL bytes do not make text binary */
    size_t tn = n;
    while (tn > 0 && b[tn - 1] == 0) tn--;
    textinfo t;
    if (tn > 0 && classify_text(b, tn, &t)) {
        do_text(F, tn, &t);
        return;
    }
    F->r->mime = "application/octet-stream";
    F->r->charset = "binary";
    add(F, "data");
}

/* ---- one name ---- */

typedef struct fopts {
    bool brief, follow, nopad, print0, special, mime_type, mime_enc, stop_on_error, raw;
    const char *sep;
    size_t width;
    vl_tz tz;
} fopts;

static void describe(vl_ctx *c, fopts *o, const char *path, result *r)
{
    struct vk_stat st;
    int rc = o->follow ? vk_stat(c->p, path, &st) : vk_lstat(c->p, path, &st);
    if (rc < 0 && o->stop_on_error) {
        vl_buf_printf(c, &r->d, "ERROR: cannot stat `%s' (%s)", path, vl_strerror(rc));
        r->mime = NULL;
        return;
    }
    if (rc < 0 && o->follow && vk_lstat(c->p, path, &st) == 0 && VK_S_ISLNK(st.mode)) {
        vl_buf_printf(c, &r->d, "cannot open `%s' (%s)", path, vl_strerror(rc));
        r->mime = "inode/symlink";
        r->charset = "binary";
        return;
    }
    if (rc < 0) {
        vl_buf_printf(c, &r->d, "cannot open `%s' (%s)", path, vl_strerror(rc));
        r->mime = NULL;
        return;
    }
    r->charset = "binary";
    switch (st.mode & VK_S_IFMT) {
    case VK_S_IFDIR: vl_buf_adds(c, &r->d, "directory"), r->mime = "inode/directory"; return;
    case VK_S_IFLNK: {
        char t[VK_PATH_MAX];
        ssize_t n = vk_readlink(c->p, path, t, sizeof t - 1);
        if (n < 0) n = 0;
        t[n] = '\0';
        struct vk_stat ts;
        bool broken = vk_stat(c->p, path, &ts) < 0;
        vl_buf_printf(c, &r->d, "%ssymbolic link to %s", broken ? "broken " : "", t);
        r->mime = "inode/symlink";
        return;
    }
    case VK_S_IFIFO: vl_buf_adds(c, &r->d, "fifo (named pipe)"), r->mime = "inode/fifo"; return;
    case VK_S_IFSOCK: vl_buf_adds(c, &r->d, "socket"), r->mime = "inode/socket"; return;
    case VK_S_IFCHR:
    case VK_S_IFBLK:
        if (!o->special) {
            unsigned maj = (unsigned)(((st.rdev >> 8) & 0xfff) | ((st.rdev >> 32) & ~0xfffu));
            unsigned min = (unsigned)((st.rdev & 0xff) | ((st.rdev >> 12) & ~0xffu));
            bool chr = VK_S_ISCHR(st.mode);
            vl_buf_printf(c, &r->d, "%s special (%u/%u)", chr ? "character" : "block", maj, min);
            r->mime = chr ? "inode/chardevice" : "inode/blockdevice";
            return;
        }
        break;
    default: break;
    }
    if (VK_S_ISREG(st.mode) && st.size == 0) {
        vl_buf_adds(c, &r->d, "empty");
        r->mime = "inode/x-empty";
        return;
    }
    int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_NONBLOCK, 0);
    if (fd < 0) {
        vl_buf_printf(c, &r->d, "cannot open `%s' (%s)", path, vl_strerror(fd));
        r->mime = NULL;
        return;
    }
    unsigned char *buf = vl_xmalloc(c, READ_MAX);
    size_t n = 0;
    while (n < READ_MAX) {
        ssize_t k = vk_read(c->p, fd, buf + n, READ_MAX - n);
        if (k <= 0) break;
        n += (size_t)k;
    }
    if (n == 0) {
        vl_buf_adds(c, &r->d, "empty");
        r->mime = "inode/x-empty";
    } else {
        fctx F = {c, path, buf, n, st.size, fd, o->tz, r};
        classify_data(&F);
    }
    vk_close(c->p, fd);
    vl_xfree(c, buf);
}

static void print_one(vl_ctx *c, fopts *o, const char *path)
{
    result r = {{0}, NULL, NULL};
    describe(c, o, path, &r);
    bool failed = r.mime == NULL;
    if (!o->brief) {
        vl_puts(c, path);
        if (o->print0) vl_putc(c, '\0');
        vl_puts(c, o->sep);
        size_t used = strlen(path) + strlen(o->sep);
        if (!o->nopad)
            for (size_t k = used; k < o->width; k++) vl_putc(c, ' ');
        vl_putc(c, ' ');
    }
    if (failed && (o->mime_type || o->mime_enc)) {
        vl_write(c, r.d.data, r.d.len);
    } else if (o->mime_type && o->mime_enc) {
        vl_printf(c, "%s; charset=%s", r.mime, r.charset ? r.charset : "binary");
    } else if (o->mime_type) {
        vl_puts(c, r.mime);
    } else if (o->mime_enc) {
        vl_puts(c, r.charset ? r.charset : "binary");
    } else {
        vl_write(c, r.d.data, r.d.len);
    }
    vl_putc(c, '\n');
    vl_buf_free(c, &r.d);
    if (failed && o->stop_on_error) c->status = 1;
}

static int file_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    fopts o = {0};
    o.brief = vl_has(c, 'b');
    o.follow = vl_has(c, 'L') && vl_last(c, 'L') > vl_last(c, 'h');
    o.nopad = vl_has(c, 'N');
    o.print0 = vl_has(c, '0');
    o.special = vl_has(c, 's');
    o.mime_type = vl_has(c, 'i') || vl_has(c, OPT_MIME_TYPE);
    o.mime_enc = vl_has(c, 'i') || vl_has(c, OPT_MIME_ENCODING);
    o.stop_on_error = vl_has(c, 'E');
    o.sep = vl_has(c, 'F') ? vl_arg(c, 'F') : ":";
    vl_tz_from_env(c, &o.tz);
    char **names = argv + 1;
    int nn = n;
    if (vl_has(c, 'f')) {
        const char *f = vl_arg(c, 'f');
        vl_in *in = strcmp(f, "-") == 0 ? vl_in_fd(c, 0, "-") : vl_in_open_quiet(c, f, NULL);
        if (!in) {
            vl_eprintf(c, "%s: Cannot open `%s' (%s).\n", c->name, f, vl_strerror(VOS_ENOENT));
            return 1;
        }
        names = NULL;
        nn = 0;
        char *line;
        ssize_t len;
        while ((len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
            if (line[len - 1] == '\n') len--;
            char *s = vl_xmalloc(c, (size_t)len + 1);
            memcpy(s, line, (size_t)len);
            s[len] = '\0';
            names = vl_xrealloc(c, names, (size_t)(nn + n + 1) * sizeof *names);
            names[nn++] = s;
        }
        vl_in_close(c, in);
        for (int i = 1; i <= n; i++) names[nn++] = argv[i];
    }
    if (nn == 0) {
        vl_eprintf(c, "Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]\n"
                      "            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]\n"
                      "            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]\n"
                      "            <file> ...\n"
                      "       file -C [-m <magicfiles>]\n"
                      "       file [--help]\n");
        return 1;
    }
    for (int i = 0; i < nn; i++) {
        size_t w = strlen(names[i]) + strlen(o.sep);
        if (w > o.width) o.width = w;
    }
    for (int i = 0; i < nn; i++) {
        print_one(c, &o, names[i]);
    }
    return c->status;
}

VL_COMMAND(file, file_main, file_opts, "[OPTION...] [FILE...]",
           "Determine type of FILEs.", 0, 1);
