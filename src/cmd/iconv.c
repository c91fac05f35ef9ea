/* iconv: convert text between character sets, as glibc 2.36's iconv program does, with our own
 * converter (the host's iconv would load gconv modules from the host filesystem): UTF-8,
 * UTF-16 and UTF-32 (BOM read and written as glibc does: little-endian on this machine),
 * their LE/BE forms, UCS-2, UCS-4, ISO-8859-1, ISO-8859-15, CP1252 and ASCII with their usual
 * aliases; -c, //IGNORE, //TRANSLIT (glibc's C or C.UTF-8 table, see translit.c), -o (a temp
 * file renamed over the target), -l, and glibc's messages and statuses. Input streams through a
 * 64 KiB buffer; positions in messages are byte offsets in the current file. */
#include "lib/cmd.h"
#include "lib/enc.h"
#include "lib/translit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    CS_UTF8, CS_UTF16, CS_UTF16LE, CS_UTF16BE, CS_UTF32, CS_UTF32LE, CS_UTF32BE, CS_UCS2,
    CS_UCS2LE, CS_UCS2BE, CS_UCS4, CS_UCS4LE, CS_UCS4BE, CS_LATIN1, CS_LATIN9, CS_CP1252,
    CS_ASCII,
};

static const struct alias {
    const char *name;
    int cs;
} aliases[] = {
    {"UTF-8", CS_UTF8},           {"UTF8", CS_UTF8},
    {"UTF-16", CS_UTF16},         {"UTF16", CS_UTF16},
    {"UTF-16LE", CS_UTF16LE},     {"UTF16LE", CS_UTF16LE},
    {"UTF-16BE", CS_UTF16BE},     {"UTF16BE", CS_UTF16BE},
    {"UTF-32", CS_UTF32},         {"UTF32", CS_UTF32},
    {"UTF-32LE", CS_UTF32LE},     {"UTF32LE", CS_UTF32LE},
    {"UTF-32BE", CS_UTF32BE},     {"UTF32BE", CS_UTF32BE},
    {"UCS-2", CS_UCS2},           {"UCS2", CS_UCS2},
    {"ISO-10646-UCS-2", CS_UCS2}, {"CSUNICODE", CS_UCS2},
    {"UCS-2LE", CS_UCS2LE},       {"UNICODELITTLE", CS_UCS2LE},
    {"UCS-2BE", CS_UCS2BE},       {"UNICODEBIG", CS_UCS2BE},
    {"UCS-4", CS_UCS4},           {"UCS4", CS_UCS4},
    {"ISO-10646-UCS-4", CS_UCS4}, {"CSUCS4", CS_UCS4},
    {"ISO-10646", CS_UCS4},       {"10646-1:1993", CS_UCS4},
    {"UCS-4LE", CS_UCS4LE},       {"UCS-4BE", CS_UCS4BE},
    {"ISO-8859-1", CS_LATIN1},    {"ISO8859-1", CS_LATIN1},
    {"ISO_8859-1", CS_LATIN1},    {"ISO88591", CS_LATIN1},
    {"LATIN1", CS_LATIN1},        {"L1", CS_LATIN1},
    {"IBM819", CS_LATIN1},        {"CP819", CS_LATIN1},
    {"CSISOLATIN1", CS_LATIN1},   {"ISO-IR-100", CS_LATIN1},
    {"ISO_8859-1:1987", CS_LATIN1}, {"8859_1", CS_LATIN1},
    {"OSF00010001", CS_LATIN1},
    {"ISO-8859-15", CS_LATIN9},   {"ISO8859-15", CS_LATIN9},
    {"ISO_8859-15", CS_LATIN9},   {"ISO885915", CS_LATIN9},
    {"LATIN-9", CS_LATIN9},       {"LATIN9", CS_LATIN9},
    {"ISO-IR-203", CS_LATIN9},    {"ISO_8859-15:1998", CS_LATIN9},
    {"CP1252", CS_CP1252},        {"WINDOWS-1252", CS_CP1252},
    {"MS-ANSI", CS_CP1252},
    {"ANSI_X3.4-1968", CS_ASCII}, {"ASCII", CS_ASCII},
    {"US-ASCII", CS_ASCII},       {"ANSI_X3.4-1986", CS_ASCII},
    {"ISO646-US", CS_ASCII},      {"ISO_646.IRV:1991", CS_ASCII},
    {"US", CS_ASCII},             {"IBM367", CS_ASCII},
    {"CP367", CS_ASCII},          {"CSASCII", CS_ASCII},
    {"ISO-IR-6", CS_ASCII},       {"ANSI_X3.4", CS_ASCII},
    {NULL, 0}};

/* CP1252's 0x80-0x9F (0: undefined) */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
/* ISO-8859-15's changes to Latin-1 */
static const uint16_t latin9_pos[8] = {0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE};
static const uint16_t latin9_cp[8] = {0x20AC, 0x0160, 0x0161, 0x017D, 0x017E, 0x0152, 0x0153, 0x0178};

typedef struct conv {
    vl_ctx *c;
    int from, to;
    bool translit, ignore, omit; /* //TRANSLIT, //IGNORE, -c */
    bool utf8_locale;
    bool skipped;                /* something was dropped (//IGNORE reports it at the end) */
    /* per file */
    bool big_in, bom_checked, bom_out;
    unsigned char *ob;           /* output buffer */
    size_t olen;
    int ofd;                     /* -1: stdout */
    char *tmpname;               /* -o: the temp file renamed over output at the end */
    const char *output;
} conv;

/* ---- names ---- */

static int find_cs(const char *s, size_t n)
{
    char up[64];
    if (n >= sizeof up) return -1;
    for (size_t i = 0; i < n; i++) up[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    up[n] = 0;
    for (const struct alias *a = aliases; a->name; a++)
        if (strcmp(a->name, up) == 0) return a->cs;
    return -1;
}

static bool locale_utf8(vl_ctx *c)
{
    const char *v = vk_getenv(c->p, "LC_ALL");
    if (!v || !*v) v = vk_getenv(c->p, "LC_CTYPE");
    if (!v || !*v) v = vk_getenv(c->p, "LANG");
    if (!v) return false;
    for (const char *p = v; *p; p++)
        if ((p[0] == 'U' || p[0] == 'u') && (p[1] == 'T' || p[1] == 't') &&
            (p[2] == 'F' || p[2] == 'f'))
            return true;
    return false;
}

/* "NAME[//SUFFIX...]" -> charset and flags; -1 with *slash set when unknown */
static int parse_name(conv *cv, const char *s, bool is_to, bool *slash)
{
    const char *sl = strchr(s, '/');
    size_t n = sl ? (size_t)(sl - s) : strlen(s);
    *slash = sl != NULL;
    int cs = n == 0 ? (cv->utf8_locale ? CS_UTF8 : CS_ASCII) : find_cs(s, n);
    if (sl && is_to) {
        for (const char *p = sl; *p;) {
            while (*p == '/') p++;
            const char *e = p;
            while (*e && *e != '/') e++;
            size_t k = (size_t)(e - p);
            if (k == 8 && strncasecmp(p, "TRANSLIT", 8) == 0) cv->translit = true;
            if (k == 6 && strncasecmp(p, "IGNORE", 6) == 0) cv->ignore = true;
            p = e;
        }
    }
    return cs;
}

/* ---- output ---- */

#define OBUF 65536

static void flush_out(conv *cv)
{
    vl_ctx *c = cv->c;
    if (cv->olen == 0) return;
    if (cv->ofd < 0) {
        vl_write(c, cv->ob, cv->olen);
    } else {
        int rc = vl_write_fd(c, cv->ofd, cv->ob, cv->olen);
        if (rc < 0) vl_die(c, 1, "unable to write output: %s", vl_strerror(rc));
    }
    cv->olen = 0;
}

static inline unsigned char *room(conv *cv, size_t n)
{
    if (cv->olen + n > OBUF) flush_out(cv);
    unsigned char *o = cv->ob + cv->olen;
    cv->olen += n;
    return o;
}

static inline void put16(conv *cv, uint32_t v, bool big)
{
    unsigned char *o = room(cv, 2);
    o[0] = big ? (unsigned char)(v >> 8) : (unsigned char)v;
    o[1] = big ? (unsigned char)v : (unsigned char)(v >> 8);
}

static inline void put32(conv *cv, uint32_t v, bool big)
{
    unsigned char *o = room(cv, 4);
    for (int i = 0; i < 4; i++) o[big ? i : 3 - i] = (unsigned char)(v >> (24 - 8 * i));
}

/* The byte of an 8-bit charset for cp, or -1. */
static int byte_of(int cs, uint32_t cp)
{
    switch (cs) {
    case CS_ASCII: return cp < 0x80 ? (int)cp : -1;
    case CS_LATIN1: return cp < 0x100 ? (int)cp : -1;
    case CS_LATIN9:
        for (int i = 0; i < 8; i++) {
            if (cp == latin9_cp[i]) return latin9_pos[i];
            if (cp == latin9_pos[i]) return -1;
        }
        return cp < 0x100 ? (int)cp : -1;
    case CS_CP1252:
        if (cp < 0x80 || (cp >= 0xA0 && cp < 0x100)) return (int)cp;
        for (int i = 0; i < 32; i++)
            if (cp1252_hi[i] && cp == cp1252_hi[i]) return 0x80 + i;
        return -1;
    default: return -1;
    }
}

/* Write cp in the target charset; false when the charset lacks it. */
static bool encode(conv *cv, uint32_t cp)
{
    switch (cv->to) {
    case CS_UTF8: {
        unsigned char *b;
        if (cp < 0x80) {
            b = room(cv, 1);
            b[0] = (unsigned char)cp;
        } else if (cp < 0x800) {
            b = room(cv, 2);
            b[0] = (unsigned char)(0xC0 | cp >> 6);
            b[1] = (unsigned char)(0x80 | (cp & 63));
        } else if (cp < 0x10000) {
            b = room(cv, 3);
            b[0] = (unsigned char)(0xE0 | cp >> 12);
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 63));
            b[2] = (unsigned char)(0x80 | (cp & 63));
        } else {
            b = room(cv, 4);
            b[0] = (unsigned char)(0xF0 | cp >> 18);
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 63));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 63));
            b[3] = (unsigned char)(0x80 | (cp & 63));
        }
        return true;
    }
    case CS_UTF16:
    case CS_UTF16LE:
    case CS_UTF16BE: {
        bool big = cv->to == CS_UTF16BE;
        if (cv->to == CS_UTF16 && !cv->bom_out) {
            put16(cv, 0xFEFF, false);
            cv->bom_out = true;
        }
        if (cp >= 0x10000) {
            put16(cv, 0xD800 + ((cp - 0x10000) >> 10), big);
            put16(cv, 0xDC00 + ((cp - 0x10000) & 0x3FF), big);
        } else {
            put16(cv, cp, big);
        }
        return true;
    }
    case CS_UTF32:
    case CS_UTF32LE:
    case CS_UTF32BE:
        if (cv->to == CS_UTF32 && !cv->bom_out) {
            put32(cv, 0xFEFF, false);
            cv->bom_out = true;
        }
        put32(cv, cp, cv->to == CS_UTF32BE);
        return true;
    case CS_UCS2:
    case CS_UCS2LE:
    case CS_UCS2BE:
        if (cp >= 0x10000) return false;
        put16(cv, cp, cv->to == CS_UCS2BE);
        return true;
    case CS_UCS4:
    case CS_UCS4LE:
    case CS_UCS4BE: put32(cv, cp, cv->to != CS_UCS4LE); return true;
    default: {
        int b = byte_of(cv->to, cp);
        if (b < 0) return false;
        *room(cv, 1) = (unsigned char)b;
        return true;
    }
    }
}

static int translit_target(int cs)
{
    return cs == CS_LATIN1 ? 1 : cs == CS_LATIN9 ? 2 : cs == CS_CP1252 ? 3 : 0;
}

/* ---- decoding ---- */

enum { D_OK, D_MORE, D_BAD };

static uint32_t get16(const unsigned char *p, bool big)
{
    return big ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t get32(const unsigned char *p, bool big)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | p[big ? i : 3 - i];
    return v;
}

/* One character from p[0..n): D_OK with *cp and *len, D_MORE (need more bytes), or D_BAD with
 * *len the bytes -c skips. */
static int decode(conv *cv, const unsigned char *p, size_t n, uint32_t *cp, size_t *len)
{
    switch (cv->from) {
    case CS_UTF8: {
        unsigned b = p[0];
        if (b < 0x80) {
            *cp = b, *len = 1;
            return D_OK;
        }
        size_t need;
        uint32_t v, min;
        if (b >= 0xC2 && b < 0xE0) need = 2, v = b & 0x1F, min = 0x80;
        else if (b >= 0xE0 && b < 0xF0) need = 3, v = b & 0x0F, min = 0x800;
        else if (b >= 0xF0 && b < 0xF5) need = 4, v = b & 0x07, min = 0x10000;
        else need = 0, v = 0, min = 0;
        size_t i = 1;
        bool ok = need > 0;
        for (; ok && i < need; i++) {
            if (i >= n) return D_MORE;
            if ((p[i] & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            v = v << 6 | (p[i] & 0x3F);
        }
        if (ok && v >= min && v <= 0x10FFFF && !(v >= 0xD800 && v < 0xE000)) {
            *cp = v, *len = need;
            return D_OK;
        }
        /* -c drops the lead byte and the continuation bytes after it */
        size_t k = 1;
        while (k < n && (p[k] & 0xC0) == 0x80) k++;
        *len = k;
        return D_BAD;
    }
    case CS_UTF16:
    case CS_UTF16LE:
    case CS_UTF16BE: {
        if (n < 2) return D_MORE;
        uint32_t u = get16(p, cv->big_in);
        if (u >= 0xDC00 && u < 0xE000) {
            *len = 2;
            return D_BAD;
        }
        if (u >= 0xD800 && u < 0xDC00) {
            if (n < 4) return D_MORE;
            uint32_t l = get16(p + 2, cv->big_in);
            if (l < 0xDC00 || l >= 0xE000) {
                *len = 2;
                return D_BAD;
            }
            *cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
            *len = 4;
            return D_OK;
        }
        *cp = u, *len = 2;
        return D_OK;
    }
    case CS_UCS2:
    case CS_UCS2LE:
    case CS_UCS2BE: {
        if (n < 2) return D_MORE;
        uint32_t u = get16(p, cv->from == CS_UCS2BE);
        *len = 2;
        if (u >= 0xD800 && u < 0xE000) return D_BAD;
        *cp = u;
        return D_OK;
    }
    case CS_UTF32:
    case CS_UTF32LE:
    case CS_UTF32BE:
    case CS_UCS4:
    case CS_UCS4LE:
    case CS_UCS4BE: {
        if (n < 4) return D_MORE;
        bool big = (cv->from == CS_UTF32 || cv->from == CS_UTF32LE || cv->from == CS_UTF32BE)
                       ? cv->big_in : cv->from != CS_UCS4LE;
        uint32_t u = get32(p, big);
        *len = 4;
        if (u > 0x10FFFF || (u >= 0xD800 && u < 0xE000)) return D_BAD;
        *cp = u;
        return D_OK;
    }
    case CS_CP1252:
        *len = 1;
        if (p[0] >= 0x80 && p[0] < 0xA0) {
            if (!cp1252_hi[p[0] - 0x80]) return D_BAD;
            *cp = cp1252_hi[p[0] - 0x80];
            return D_OK;
        }
        *cp = p[0];
        return D_OK;
    case CS_LATIN9:
        *len = 1;
        *cp = p[0];
        for (int i = 0; i < 8; i++)
            if (p[0] == latin9_pos[i]) *cp = latin9_cp[i];
        return D_OK;
    case CS_ASCII:
        *len = 1;
        if (p[0] >= 0x80) return D_BAD;
        *cp = p[0];
        return D_OK;
    default:
        *len = 1;
        *cp = p[0];
        return D_OK;
    }
}

/* ---- one file ---- */

static void put_replacement(conv *cv, const char *s)
{
    /* the table's text is UTF-8 and fits the target by construction */
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp = *p;
        size_t k = 1;
        if (cp >= 0xF0) cp &= 7, k = 4;
        else if (cp >= 0xE0) cp &= 15, k = 3;
        else if (cp >= 0xC0) cp &= 31, k = 2;
        for (size_t i = 1; i < k && p[i]; i++) cp = cp << 6 | (p[i] & 63);
        encode(cv, cp);
        p += k;
    }
}

/* -o: what was written replaces the output file, also after an error (as glibc leaves it) */
static void finish_output(conv *cv)
{
    vl_ctx *c = cv->c;
    if (cv->ofd < 0) return;
    flush_out(cv);
    vk_close(c->p, cv->ofd);
    cv->ofd = -1;
    int rc = vk_rename(c->p, cv->tmpname, cv->output);
    if (rc < 0) {
        vk_unlink(c->p, cv->tmpname);
        vl_die(c, 1, "cannot open output file: %s", vl_strerror(rc));
    }
}

_Noreturn static void stop(conv *cv, const char *msg, uint64_t pos, bool with_pos)
{
    vl_ctx *c = cv->c;
    flush_out(cv);
    finish_output(cv);
    if (with_pos) vl_eprintf(c, "%s: %s at position %llu\n", c->name, msg, (unsigned long long)pos);
    else vl_eprintf(c, "%s: %s\n", c->name, msg);
    vl_exit(c, 1);
}

/* Convert one input; returns false on a read error. Conversion errors end the command. */
static bool convert_file(conv *cv, vl_in *in)
{
    vl_ctx *c = cv->c;
    unsigned char *buf = vl_xmalloc(c, 65536 + 8);
    size_t have = 0;
    uint64_t base = 0; /* file offset of buf[0] */
    bool eof = false, ok = true;
    cv->bom_checked = false;
    cv->bom_out = false;
    cv->big_in = cv->from == CS_UTF16BE || cv->from == CS_UTF32BE;
    cv->skipped = false;
    while (!eof) {
        ssize_t r = vl_in_read(c, in, buf + have, 65536);
        if (r < 0) {
            /* glibc stops at a read error, as at a conversion error */
            flush_out(cv);
            finish_output(cv);
            vl_die(c, 1, "error while reading the input: %s", vl_strerror((int)r));
        }
        if (r == 0) eof = true;
        size_t n = have + (size_t)r, i = 0;
        if (!cv->bom_checked && (cv->from == CS_UTF16 || cv->from == CS_UTF32)) {
            size_t w = cv->from == CS_UTF16 ? 2 : 4;
            if (n < w && !eof) {
                have = n;
                continue;
            }
            cv->bom_checked = true;
            if (n >= w) {
                uint32_t le = w == 2 ? get16(buf, false) : get32(buf, false);
                uint32_t be = w == 2 ? get16(buf, true) : get32(buf, true);
                if (le == 0xFEFF) i = w;
                else if (be == 0xFEFF) i = w, cv->big_in = true;
            }
        }
        bool ascii_ok = cv->from == CS_UTF8 || cv->from == CS_LATIN1 || cv->from == CS_LATIN9 ||
                        cv->from == CS_CP1252 || cv->from == CS_ASCII;
        while (i < n) {
            /* runs of ASCII: copied, or widened for UTF-16/32 */
            if (ascii_ok && buf[i] < 0x80 && n - i >= 16 && (buf[i + 15] | buf[i + 8]) < 0x80) {
                size_t j = i;
                while (j < n && buf[j] < 0x80) j++;
                if (cv->to == CS_UTF8 || cv->to == CS_LATIN1 || cv->to == CS_LATIN9 ||
                    cv->to == CS_CP1252 || cv->to == CS_ASCII) {
                    while (i < j) {
                        size_t k = j - i < OBUF - cv->olen ? j - i : OBUF - cv->olen;
                        memcpy(cv->ob + cv->olen, buf + i, k);
                        cv->olen += k;
                        i += k;
                        if (cv->olen == OBUF) flush_out(cv);
                    }
                    continue;
                }
                int w = 0;
                bool big = false;
                switch (cv->to) {
                case CS_UTF16: case CS_UTF16LE: case CS_UCS2: case CS_UCS2LE: w = 2; break;
                case CS_UTF16BE: case CS_UCS2BE: w = 2, big = true; break;
                case CS_UTF32: case CS_UTF32LE: case CS_UCS4LE: w = 4; break;
                case CS_UTF32BE: case CS_UCS4: case CS_UCS4BE: w = 4, big = true; break;
                }
                encode(cv, buf[i++]); /* the first one writes the BOM if one is due */
                while (i < j) {
                    if (cv->olen + 4 > OBUF) flush_out(cv);
                    unsigned char *o = cv->ob + cv->olen;
                    memset(o, 0, (size_t)w);
                    o[big ? w - 1 : 0] = buf[i++];
                    cv->olen += (size_t)w;
                }
                continue;
            }
            uint32_t cp = 0;
            size_t len = 0;
            int d;
            if (cv->from == CS_UTF8 && buf[i] < 0x80) {
                cp = buf[i];
                len = 1;
                d = D_OK;
            } else {
                d = decode(cv, buf + i, n - i, &cp, &len);
            }
            if (d == D_MORE) {
                if (eof) stop(cv, "incomplete character or shift sequence at end of buffer", 0, false);
                break;
            }
            if (d == D_BAD) {
                if (!cv->omit && !cv->ignore)
                    stop(cv, "illegal input sequence", base + i, true);
                cv->skipped = true;
                i += len;
                continue;
            }
            if (!encode(cv, cp)) {
                if (cv->translit) {
                    const char *t = vl_translit(cp, cv->utf8_locale, translit_target(cv->to));
                    put_replacement(cv, t ? t : "?");
                } else if (cv->omit || cv->ignore) {
                    cv->skipped = true;
                } else {
                    stop(cv, "illegal input sequence", base + i, true);
                }
            }
            i += len;
        }
        memmove(buf, buf + i, n - i);
        have = n - i;
        base += i;
        vl_enc_steps(c, 1);
    }
    flush_out(cv);
    vl_xfree(c, buf);
    if (ok && cv->skipped && cv->ignore && !cv->omit)
        stop(cv, "illegal input sequence", base + have, true);
    return ok;
}

/* ---- the command ---- */

_Noreturn static void try_help(vl_ctx *c)
{
    vl_eprintf(c, "Try `%s --help' or `%s --usage' for more information.\n", c->name, c->name);
    vl_exit(c, 64);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* glibc lists every name it knows, sorted; ours are fewer (docs/differences.md) */
static void list(vl_ctx *c)
{
    size_t n = sizeof aliases / sizeof aliases[0] - 1;
    const char **v = vl_xmalloc(c, sizeof(char *) * n);
    for (size_t i = 0; i < n; i++) v[i] = aliases[i].name;
    qsort(v, n, sizeof *v, by_name);
    for (size_t i = 0; i < n; i++) vl_printf(c, "%s//\n", v[i]);
    vl_xfree(c, v);
}

static int iconv_main(vl_ctx *c, int argc, char **argv)
{
    conv cv;
    memset(&cv, 0, sizeof cv);
    cv.c = c;
    cv.ofd = -1;
    cv.ob = vl_xmalloc(c, OBUF);
    cv.utf8_locale = locale_utf8(c);
    const char *from = "", *to = "", *output = NULL;
    bool do_list = false;
    char **files = vl_xmalloc(c, sizeof(char *) * (size_t)(argc + 1));
    int nfiles = 0;
    static const struct {
        const char *name;
        int id, arg;
    } lopts[] = {{"from-code", 'f', 1}, {"to-code", 't', 1}, {"list", 'l', 0},
                 {"output", 'o', 1},    {"silent", 's', 0},  {"verbose", 'v', 0},
                 {"help", '?', 0},      {"usage", 'u', 0},   {"version", 'V', 0}};
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == 0) {
            files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        int id = 0;
        const char *arg = NULL;
        if (a[1] == '-') {
            const char *nm = a + 2, *eq = strchr(nm, '=');
            size_t nl = eq ? (size_t)(eq - nm) : strlen(nm);
            int hit = -1, nhit = 0;
            for (int k = 0; k < 9; k++) {
                if (strncmp(lopts[k].name, nm, nl) != 0) continue;
                if (strlen(lopts[k].name) == nl) {
                    hit = k;
                    nhit = 1;
                    break;
                }
                hit = k;
                nhit++;
            }
            if (nhit != 1) {
                vl_eprintf(c, nhit ? "%s: option '%s' is ambiguous\n" : "%s: unrecognized option '%s'\n",
                           c->name, a);
                try_help(c);
            }
            id = lopts[hit].id;
            if (lopts[hit].arg) {
                if (eq) arg = eq + 1;
                else if (i + 1 < argc) arg = argv[++i];
                else {
                    vl_eprintf(c, "%s: option '--%s' requires an argument\n", c->name, lopts[hit].name);
                    try_help(c);
                }
            } else if (eq) {
                vl_eprintf(c, "%s: option '--%s' doesn't allow an argument\n", c->name, lopts[hit].name);
                try_help(c);
            }
        } else {
            for (char *q = a + 1; *q; q++) {
                if (!strchr("ftlcosV?", *q)) {
                    vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, *q);
                    try_help(c);
                }
                if (strchr("fto", *q)) {
                    if (q[1]) arg = q + 1;
                    else if (i + 1 < argc) arg = argv[++i];
                    else {
                        vl_eprintf(c, "%s: option requires an argument -- '%c'\n", c->name, *q);
                        try_help(c);
                    }
                    id = *q;
                    break;
                }
                if (*q == 'c') cv.omit = true;
                else if (*q == 'l') do_list = true;
                else if (*q == '?') id = '?';
                else if (*q == 'V') id = 'V';
            }
        }
        switch (id) {
        case 'f': from = arg; break;
        case 't': to = arg; break;
        case 'o': output = arg; break;
        case 'l': do_list = true; break;
        case '?':
            vl_help(c);
            vl_exit(c, 0);
        case 'u':
            vl_printf(c, "Usage: %s [-cls?V] [-f NAME] [-t NAME] [-o FILE] [--from-code=NAME]\n"
                         "            [--to-code=NAME] [--list] [--output=FILE] [--silent]\n"
                         "            [--verbose] [--help] [--usage] [--version] [FILE...]\n",
                      c->name);
            vl_exit(c, 0);
        case 'V':
            vl_version(c);
            vl_exit(c, 0);
        default: break;
        }
    }
    if (do_list) {
        list(c);
        return 0;
    }
    bool fslash, tslash;
    cv.from = parse_name(&cv, from, false, &fslash);
    cv.to = parse_name(&cv, to, true, &tslash);
    if (cv.from < 0 || cv.to < 0) {
        if (fslash || tslash)
            vl_die(c, 1, "failed to start conversion processing: No such file or directory");
        vl_die(c, 1, "failed to start conversion processing");
    }
    char *tmpname = NULL;
    cv.output = output;
    if (output) {
        char *dir = vl_dirname(c, output);
        for (int k = 0; k < 100 && cv.ofd < 0; k++) {
            tmpname = vl_xmalloc(c, strlen(dir) + 40);
            memcpy(tmpname, dir, strlen(dir));
            snprintf(tmpname + strlen(dir), 40, "/.iconv.%llx", (unsigned long long)vk_random(c->p));
            int fd = vk_open(c->p, tmpname, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0666);
            if (fd >= 0) cv.ofd = fd, cv.tmpname = tmpname;
            else if (fd != VOS_EEXIST) vl_die(c, 1, "cannot open output file: %s", vl_strerror(fd));
        }
    }
    int status = 0;
    static char dash[] = "-";
    if (nfiles == 0) files[nfiles++] = dash;
    for (int i = 0; i < nfiles; i++) {
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, files[i], &err);
        if (!in) {
            vl_error(c, "cannot open input file `%s': %s", files[i], vl_strerror(err));
            status = 1;
            continue;
        }
        if (!convert_file(&cv, in)) status = 1;
        vl_in_close(c, in);
    }
    finish_output(&cv);
    vl_xfree(c, cv.ob);
    return status;
}

static const vl_opt iconv_opts[] = {
    {'f', "from-code", VL_ARG, "NAME", "encoding of original text"},
    {'t', "to-code", VL_ARG, "NAME", "encoding for output"},
    {'l', "list", VL_NOARG, NULL, "list all known coded character sets"},
    {'c', NULL, VL_NOARG, NULL, "omit invalid characters from output"},
    {'o', "output", VL_ARG, "FILE", "output file"},
    {'s', "silent", VL_NOARG, NULL, "suppress warnings"},
    {0}};
VL_COMMAND(iconv, iconv_main, iconv_opts, "[OPTION...] [FILE...]",
           "Convert encoding of given files from one encoding to another.", VL_NO_OPTIONS, 64);
