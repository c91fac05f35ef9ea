/* od: dump files in octal and other formats, as coreutils 9.1 does: -t types (a c d o u x f,
 * sizes, z trailer) and the traditional letters, one output line per type with GNU's column
 * alignment between types, "*" for repeated blocks, -A -j -N -w -v -S --endian, and the
 * traditional "od [FILE] [[+]OFFSET[b]]" operands (and --traditional's label). Input streams
 * through a 64 KiB buffer; lines are built in memory and written whole. */
#include "lib/cmd.h"
#include "lib/enc.h"
#include "lib/format.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_ENDIAN = 256, O_TRADITIONAL, O_STRINGS };

typedef struct spec {
    char type; /* a c d u o x f */
    int size;  /* bytes per datum */
    bool z;    /* >printable< trailer */
    int fw;    /* field width */
    long pad;  /* padding of a whole block, spread over the fields */
} spec;

typedef struct od_state {
    vl_ctx *c;
    spec *specs;
    int nspecs, capspecs;
    char radix; /* d o x n */
    int addr_width;
    bool big_endian;
    size_t bpb; /* bytes per block (line) */
    bool verbose;
    /* input */
    char **files;
    int nfiles, cur;
    vl_in *in;
    bool ok;
    uint64_t skip;
    bool limited;
    uint64_t limit;
    /* label (--traditional's second offset) */
    bool has_label;
    uint64_t label;
    vl_buf line;
} od_state;

/* ---- option arguments ---- */

/* A number as GNU's xstrtoumax reads -j/-N/-w: C-style base (0x, 0), then the size suffixes
 * b k K m M G T P E Z Y with B (powers of 1000) or iB. 0, VOS_EINVAL or VOS_ERANGE. */
static int parse_size(const char *s, int base, const char *suffixes, uint64_t *out)
{
    const char *q = s;
    while (*q == ' ' || (*q >= '\t' && *q <= '\r')) q++;
    if (*q == '-') return VOS_EINVAL;
    if (*q == '+') q++;
    if (base == 0) {
        if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') &&
            ((q[2] >= '0' && q[2] <= '9') || (q[2] >= 'a' && q[2] <= 'f') ||
             (q[2] >= 'A' && q[2] <= 'F')))
            base = 16, q += 2;
        else if (q[0] == '0')
            base = 8;
        else
            base = 10;
    } else if (base == 16 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        q += 2;
    }
    uint64_t v = 0;
    bool over = false, any = false;
    for (;; q++) {
        int d;
        if (*q >= '0' && *q <= '9') d = *q - '0';
        else if (*q >= 'a' && *q <= 'z') d = *q - 'a' + 10;
        else if (*q >= 'A' && *q <= 'Z') d = *q - 'A' + 10;
        else break;
        if (d >= base) break;
        any = true;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) over = true;
        else v = v * (uint64_t)base + (uint64_t)d;
    }
    if (!any) return VOS_EINVAL;
    if (*q) {
        if (!strchr(suffixes, *q)) return VOS_EINVAL;
        uint64_t mult = 1, b = 1024;
        int power = 0;
        char u = *q++;
        if (strchr(suffixes, '0')) {
            if (q[0] == 'i' && q[1] == 'B') q += 2;
            else if (q[0] == 'B') b = 1000, q++;
        }
        switch (u) {
        case 'b': mult = 512; break;
        case 'B': mult = 1024; break;
        case 'k': case 'K': power = 1; break;
        case 'm': case 'M': power = 2; break;
        case 'G': power = 3; break;
        case 'T': power = 4; break;
        case 'P': power = 5; break;
        case 'E': power = 6; break;
        case 'Z': power = 7; break;
        case 'Y': power = 8; break;
        default: return VOS_EINVAL;
        }
        for (int i = 0; i < power; i++) {
            if (mult > UINT64_MAX / b) over = true;
            else mult *= b;
        }
        if (*q) return VOS_EINVAL;
        if (!over && v > UINT64_MAX / mult) over = true;
        else v *= mult;
    }
    *out = v;
    return over ? VOS_ERANGE : 0;
}

static uint64_t size_arg(vl_ctx *c, char opt, const char *arg)
{
    uint64_t v;
    int rc = parse_size(arg, 0, "bEGKkMmPTYZ0", &v);
    if (rc == VOS_ERANGE) vl_die(c, 1, "-%c argument %s too large", opt, vl_quote_locale(c, arg));
    if (rc < 0) vl_die(c, 1, "invalid -%c argument %s", opt, vl_quote_locale(c, arg));
    return v;
}

/* "[+]OFFSET[b]": octal, or hex with 0x ('.' would mean decimal, but coreutils 9.1 then
 * rejects the '.' itself, so such an operand is a file name). */
static bool parse_old_offset(const char *s, uint64_t *out)
{
    if (*s == '+') s++;
    if (!*s) return false;
    int base = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 8;
    if (strchr(s, '.')) return false;
    return parse_size(s, base, "Bb", out) == 0;
}

/* ---- formats ---- */

static void add_spec(od_state *st, char type, int size, bool z)
{
    vl_ctx *c = st->c;
    if (st->nspecs == st->capspecs) {
        st->capspecs = st->capspecs ? st->capspecs * 2 : 8;
        st->specs = vl_xrealloc(c, st->specs, sizeof(spec) * (size_t)st->capspecs);
    }
    spec *s = &st->specs[st->nspecs++];
    s->type = type;
    s->size = size;
    s->z = z;
    s->pad = 0;
    static const int sdec[9] = {0, 4, 6, 0, 11, 0, 0, 0, 20};
    static const int udec[9] = {0, 3, 5, 0, 10, 0, 0, 0, 20};
    static const int oct[9] = {0, 3, 6, 0, 11, 0, 0, 0, 22};
    switch (type) {
    case 'a':
    case 'c': s->fw = 3; break;
    case 'd': s->fw = sdec[size]; break;
    case 'u': s->fw = udec[size]; break;
    case 'o': s->fw = oct[size]; break;
    case 'x': s->fw = 2 * size; break;
    case 'f': s->fw = size == 4 ? 15 : size == 8 ? 24 : 29; break;
    }
}

/* One -t argument: one or more types ("x1z", "d2u4", "fD", "a"). */
static void parse_type(od_state *st, const char *arg)
{
    vl_ctx *c = st->c;
    const char *s = arg;
    while (*s) {
        char t = *s++;
        int size = 0;
        switch (t) {
        case 'a':
        case 'c': size = 1; break;
        case 'd':
        case 'o':
        case 'u':
        case 'x':
            if (*s == 'C') size = 1, s++;
            else if (*s == 'S') size = 2, s++;
            else if (*s == 'I') size = 4, s++;
            else if (*s == 'L') size = 8, s++;
            else if (*s >= '0' && *s <= '9') {
                const char *d = s;
                unsigned long v = 0;
                while (*s >= '0' && *s <= '9') {
                    if (v < 1000000) v = v * 10 + (unsigned long)(*s - '0');
                    s++;
                }
                if (v != 1 && v != 2 && v != 4 && v != 8) {
                    vl_error(c, "invalid type string %s;", vl_quote_locale(c, arg));
                    vl_eprintf(c, "this system doesn't provide a %.*s-byte integral type\n",
                               (int)(s - d), d);
                    vl_exit(c, 1);
                }
                size = (int)v;
            } else
                size = 4;
            break;
        case 'f':
            if (*s == 'F') size = 4, s++;
            else if (*s == 'D') size = 8, s++;
            else if (*s == 'L') size = 16, s++;
            else if (*s >= '0' && *s <= '9') {
                const char *d = s;
                unsigned long v = 0;
                while (*s >= '0' && *s <= '9') {
                    if (v < 1000000) v = v * 10 + (unsigned long)(*s - '0');
                    s++;
                }
                if (v != 4 && v != 8 && v != 16) {
                    vl_error(c, "invalid type string %s;", vl_quote_locale(c, arg));
                    vl_eprintf(c, "this system doesn't provide a %.*s-byte floating point type\n",
                               (int)(s - d), d);
                    vl_exit(c, 1);
                }
                size = (int)v;
            } else
                size = 8;
            break;
        default:
            vl_die(c, 1, "invalid character '%c' in type string %s", t, vl_quote_locale(c, arg));
        }
        bool z = false;
        if (*s == 'z') z = true, s++;
        add_spec(st, t, size, z);
    }
}

/* ---- input: the operands as one stream ---- */

static bool next_file(od_state *st)
{
    vl_ctx *c = st->c;
    while (st->cur < st->nfiles) {
        const char *name = st->files[st->cur++];
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, name, &err);
        if (!in) {
            vl_perror(c, vl_quote(c, name), err);
            st->ok = false;
            continue;
        }
        st->in = in;
        return true;
    }
    return false;
}

static void close_cur(od_state *st)
{
    if (st->in) vl_in_close(st->c, st->in);
    st->in = NULL;
}

/* Skip -j bytes: whole regular files by their size, a seek inside one, else reading. */
static void do_skip(od_state *st)
{
    vl_ctx *c = st->c;
    char tmp[65536];
    while (st->skip > 0) {
        if (!st->in && !next_file(st)) break;
        struct vk_stat sb;
        if (vk_fstat(c->p, st->in->fd, &sb) == 0 && VK_S_ISREG(sb.mode) && sb.size > 0) {
            int64_t pos = vk_lseek(c->p, st->in->fd, 0, VK_SEEK_CUR);
            if (pos >= 0 && (uint64_t)pos <= sb.size) {
                uint64_t left = sb.size - (uint64_t)pos;
                if (st->skip >= left) {
                    st->skip -= left;
                    close_cur(st);
                    continue;
                }
                if (vk_lseek(c->p, st->in->fd, pos + (int64_t)st->skip, VK_SEEK_SET) >= 0) {
                    st->skip = 0;
                    break;
                }
            }
        }
        while (st->skip > 0) {
            size_t want = st->skip < sizeof tmp ? (size_t)st->skip : sizeof tmp;
            ssize_t r = vl_in_read(c, st->in, tmp, want);
            if (r < 0) {
                vl_perror(c, vl_quote(c, st->in->name), (int)r);
                st->ok = false;
            }
            if (r <= 0) {
                close_cur(st);
                break;
            }
            st->skip -= (uint64_t)r;
            vl_enc_steps(c, 1);
        }
    }
    if (st->skip > 0) vl_die(c, 1, "cannot skip past end of combined input");
}

/* Read up to n bytes from the stream, across files; fewer only at its end (or -N's). */
static size_t read_some(od_state *st, unsigned char *buf, size_t n)
{
    vl_ctx *c = st->c;
    if (st->limited && n > st->limit) n = (size_t)st->limit;
    size_t got = 0;
    while (got < n) {
        if (!st->in && !next_file(st)) break;
        ssize_t r = vl_in_read(c, st->in, buf + got, n - got);
        if (r < 0) {
            vl_perror(c, vl_quote(c, st->in->name), (int)r);
            st->ok = false;
        }
        if (r <= 0) {
            close_cur(st);
            continue;
        }
        got += (size_t)r;
    }
    if (st->limited) st->limit -= got;
    return got;
}

/* ---- output ---- */

static void put_addr(od_state *st, vl_buf *b, uint64_t a)
{
    vl_ctx *c = st->c;
    switch (st->radix) {
    case 'o': vl_buf_printf(c, b, "%0*llo", st->addr_width, (unsigned long long)a); break;
    case 'd': vl_buf_printf(c, b, "%0*llu", st->addr_width, (unsigned long long)a); break;
    case 'x': vl_buf_printf(c, b, "%0*llx", st->addr_width, (unsigned long long)a); break;
    default: break;
    }
}

static void put_address_line(od_state *st, vl_buf *b, uint64_t a)
{
    put_addr(st, b, a);
    if (st->has_label) {
        vl_buf_addc(st->c, b, ' ');
        vl_buf_addc(st->c, b, '(');
        put_addr(st, b, a + st->label);
        vl_buf_addc(st->c, b, ')');
    }
}

static const char *const ascii_names[33] = {
    "nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht",  "nl",
    "vt",  "ff",  "cr",  "so",  "si",  "dle", "dc1", "dc2", "dc3", "dc4", "nak",
    "syn", "etb", "can", "em",  "sub", "esc", "fs",  "gs",  "rs",  "us",  "sp"};

static uint64_t load_uint(const unsigned char *p, int size, bool big)
{
    uint64_t v = 0;
    if (big)
        for (int i = 0; i < size; i++) v = v << 8 | p[i];
    else
        for (int i = size - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* The shortest %g text that reads back as the same value (GNU's ftoastr). */
static int fmt_float(char *out, size_t cap, const unsigned char *p, int size, bool big)
{
    unsigned char b[16];
    for (int i = 0; i < size; i++) b[i] = big ? p[size - 1 - i] : p[i];
    if (size == 4) {
        float x;
        memcpy(&x, b, 4);
        float ax = x < 0 ? -x : x;
        for (int prec = ax < FLT_MIN ? 1 : FLT_DIG;; prec++) {
            int n = snprintf(out, cap, "%.*g", prec, (double)x);
            if (prec >= FLT_DECIMAL_DIG || x != x || strtof(out, NULL) == x) return n;
        }
    }
    if (size == 8) {
        double x;
        memcpy(&x, b, 8);
        double ax = x < 0 ? -x : x;
        for (int prec = ax < DBL_MIN ? 1 : DBL_DIG;; prec++) {
            int n = snprintf(out, cap, "%.*g", prec, x);
            if (prec >= DBL_DECIMAL_DIG || x != x || strtod(out, NULL) == x) return n;
        }
    }
    long double x;
    memset(&x, 0, sizeof x);
    memcpy(&x, b, sizeof x < 16 ? sizeof x : 16);
    long double ax = x < 0 ? -x : x;
    for (int prec = ax < LDBL_MIN ? 1 : LDBL_DIG;; prec++) {
        int n = snprintf(out, cap, "%.*Lg", prec, x);
        if (prec >= LDBL_DECIMAL_DIG || x != x || strtold(out, NULL) == x) return n;
    }
}

/* The text of one datum into out; returns its length. */
static int fmt_datum(const od_state *st, const spec *s, const unsigned char *p, char *out)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[64];
    int n = 0;
    switch (s->type) {
    case 'a': {
        unsigned ch = p[0] & 0x7f;
        if (ch <= 32) return (int)strlen(strcpy(out, ascii_names[ch]));
        if (ch == 127) return (int)strlen(strcpy(out, "del"));
        out[0] = (char)ch;
        return 1;
    }
    case 'c': {
        unsigned ch = p[0];
        const char *e = NULL;
        switch (ch) {
        case 0: e = "\\0"; break;
        case '\a': e = "\\a"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        case '\v': e = "\\v"; break;
        }
        if (e) return (int)strlen(strcpy(out, e));
        if (ch >= 0x20 && ch < 0x7f) {
            out[0] = (char)ch;
            return 1;
        }
        out[0] = (char)('0' + (ch >> 6));
        out[1] = (char)('0' + ((ch >> 3) & 7));
        out[2] = (char)('0' + (ch & 7));
        return 3;
    }
    case 'f': return fmt_float(out, 64, p, s->size, st->big_endian);
    default: break;
    }
    uint64_t v = load_uint(p, s->size, st->big_endian);
    bool neg = false;
    switch (s->type) {
    case 'x':
        for (int i = 2 * s->size - 1; i >= 0; i--) out[n++] = hx[(v >> (4 * i)) & 15];
        return n;
    case 'o': {
        int digits = s->fw;
        for (int i = digits - 1; i >= 0; i--) out[n++] = (char)('0' + ((v >> (3 * i)) & 7));
        return n;
    }
    case 'd':
        if (s->size < 8 && (v >> (8 * s->size - 1)) & 1) v |= ~(uint64_t)0 << (8 * s->size);
        if ((int64_t)v < 0) {
            neg = true;
            v = 0 - v;
        }
        break;
    default: break;
    }
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg) out[n++] = '-';
    while (k) out[n++] = tmp[--k];
    return n;
}

static void write_block(od_state *st, uint64_t addr, size_t nbytes, const unsigned char *blk)
{
    vl_ctx *c = st->c;
    vl_buf *b = &st->line;
    b->len = 0;
    char text[80];
    for (int i = 0; i < st->nspecs; i++) {
        const spec *s = &st->specs[i];
        size_t fields = st->bpb / (size_t)s->size;
        size_t blank = (st->bpb - nbytes) / (size_t)s->size;
        if (i == 0) put_address_line(st, b, addr);
        else
            for (int k = 0; k < st->addr_width; k++) vl_buf_addc(c, b, ' ');
        if (i > 0 && st->has_label)
            for (int k = 0; k < st->addr_width + 3; k++) vl_buf_addc(c, b, ' ');
        long pad_left = s->pad;
        const unsigned char *p = blk;
        for (size_t f = fields; f > blank; f--) {
            long next_pad = (long)((size_t)s->pad * (f - 1) / fields);
            long width = pad_left - next_pad + s->fw;
            int n = fmt_datum(st, s, p, text);
            for (long k = n; k < width; k++) vl_buf_addc(c, b, ' ');
            vl_buf_add(c, b, text, (size_t)n);
            pad_left = next_pad;
            p += s->size;
        }
        if (s->z) {
            size_t spaces = blank * (size_t)s->fw + (size_t)s->pad * blank / fields;
            for (size_t k = 0; k < spaces; k++) vl_buf_addc(c, b, ' ');
            vl_buf_adds(c, b, "  >");
            for (size_t k = 0; k < nbytes; k++)
                vl_buf_addc(c, b, blk[k] >= 0x20 && blk[k] < 0x7f ? blk[k] : '.');
            vl_buf_addc(c, b, '<');
        }
        vl_buf_addc(c, b, '\n');
    }
    vl_write(c, b->data, b->len);
}

static size_t lcm_sizes(const od_state *st)
{
    size_t l = 1;
    for (int i = 0; i < st->nspecs; i++) {
        size_t a = l, bsz = (size_t)st->specs[i].size;
        while (bsz) {
            size_t t = a % bsz;
            a = bsz;
            bsz = t;
        }
        l = l / a * (size_t)st->specs[i].size;
    }
    return l;
}

static void dump(od_state *st, uint64_t start)
{
    vl_ctx *c = st->c;
    size_t bpb = st->bpb;
    size_t nblk = 65536 / bpb + 1;
    unsigned char *buf = vl_xmalloc(c, bpb * nblk + 16);
    unsigned char *prev = vl_xmalloc(c, bpb);
    bool first = true, prev_equal = false;
    uint64_t addr = start;
    for (;;) {
        size_t got = read_some(st, buf, bpb * nblk);
        size_t off = 0;
        for (; off + bpb <= got; off += bpb) {
            unsigned char *blk = buf + off;
            if (!st->verbose && !first && memcmp(prev, blk, bpb) == 0) {
                if (!prev_equal) vl_write(c, "*\n", 2);
                prev_equal = true;
            } else {
                prev_equal = false;
                write_block(st, addr, bpb, blk);
            }
            memcpy(prev, blk, bpb);
            first = false;
            addr += bpb;
        }
        vl_enc_steps(c, 1);
        if (off < got) {
            /* the last, partial block: zero-filled to a whole number of the widest datum */
            size_t n = got - off;
            size_t l = lcm_sizes(st);
            size_t fill = (n + l - 1) / l * l;
            if (fill > bpb) fill = bpb;
            memset(buf + off + n, 0, fill - n);
            write_block(st, addr, n, buf + off);
            addr += n;
            break;
        }
        if (got < bpb * nblk) break;
    }
    if (st->radix != 'n') {
        vl_buf *b = &st->line;
        b->len = 0;
        put_address_line(st, b, addr);
        vl_buf_addc(c, b, '\n');
        vl_write(c, b->data, b->len);
    }
    vl_xfree(c, buf);
    vl_xfree(c, prev);
}

/* -S N: NUL-terminated runs of at least N printable bytes, each with its address. */
static void dump_strings(od_state *st, uint64_t start, uint64_t min)
{
    vl_ctx *c = st->c;
    unsigned char *buf = vl_xmalloc(c, 65536);
    vl_buf run = {0};
    uint64_t addr = start, run_start = start;
    for (;;) {
        size_t got = read_some(st, buf, 65536);
        if (got == 0) break;
        for (size_t i = 0; i < got; i++, addr++) {
            unsigned char ch = buf[i];
            if (ch >= 0x20 && ch < 0x7f) {
                if (run.len == 0) run_start = addr;
                vl_buf_addc(c, &run, ch);
                continue;
            }
            if (ch == 0 && run.len >= min && run.len > 0) {
                vl_buf *b = &st->line;
                b->len = 0;
                put_address_line(st, b, run_start);
                if (st->radix != 'n') vl_buf_addc(c, b, ' ');
                vl_buf_add(c, b, run.data, run.len);
                vl_buf_addc(c, b, '\n');
                vl_write(c, b->data, b->len);
            }
            run.len = 0;
        }
        vl_enc_steps(c, 1);
    }
    vl_buf_free(c, &run);
    vl_xfree(c, buf);
}

static int od_main(vl_ctx *c, int argc, char **argv)
{
    od_state st;
    memset(&st, 0, sizeof st);
    st.c = c;
    st.radix = 'o';
    st.ok = true;
    char **orig = vl_enc_argv_dup(c, argc, argv);
    int n = vl_getopt(c, argc, argv);
    vl_optocc *occ;
    int nocc = vl_enc_optseq(c, argc, orig, &occ);
    bool modern = false, strings = false;
    uint64_t min_string = 3, width = 0;
    bool width_given = false;
    for (int i = 0; i < nocc; i++) {
        const char *a = occ[i].arg;
        switch (occ[i].id) {
        case 'A':
            modern = true;
            if (!strchr("doxn", a[0]) || !a[0])
                vl_die(c, 1, "invalid output address radix '%c'; it must be one character from "
                             "[doxn]", a[0]);
            st.radix = a[0];
            break;
        case 'j':
            modern = true;
            st.skip = size_arg(c, 'j', a);
            break;
        case 'N':
            modern = true;
            st.limited = true;
            st.limit = size_arg(c, 'N', a);
            break;
        case 'S':
        case O_STRINGS:
            modern = true;
            strings = true;
            if (a) min_string = size_arg(c, 'S', a);
            break;
        case 't':
            modern = true;
            parse_type(&st, a);
            break;
        case 'v': modern = true; st.verbose = true; break;
        case 'w':
            modern = true;
            width_given = true;
            if (a) {
                int rc = parse_size(a, 10, "", &width);
                if (rc == VOS_ERANGE)
                    vl_die(c, 1, "-w argument %s too large", vl_quote_locale(c, a));
                if (rc < 0) vl_die(c, 1, "invalid -w argument %s", vl_quote_locale(c, a));
            } else {
                width = 32;
            }
            break;
        case 'a': add_spec(&st, 'a', 1, false); break;
        case 'b': add_spec(&st, 'o', 1, false); break;
        case 'c': add_spec(&st, 'c', 1, false); break;
        case 'D': add_spec(&st, 'u', 4, false); break;
        case 'd': add_spec(&st, 'u', 2, false); break;
        case 'e':
        case 'F': add_spec(&st, 'f', 8, false); break;
        case 'f': add_spec(&st, 'f', 4, false); break;
        case 'H':
        case 'X': add_spec(&st, 'x', 4, false); break;
        case 'h':
        case 'x': add_spec(&st, 'x', 2, false); break;
        case 'i': add_spec(&st, 'd', 4, false); break;
        case 'I':
        case 'L':
        case 'l': add_spec(&st, 'd', 8, false); break;
        case 'O': add_spec(&st, 'o', 4, false); break;
        case 'B':
        case 'o': add_spec(&st, 'o', 2, false); break;
        case 's': add_spec(&st, 'd', 2, false); break;
        case O_ENDIAN:
            if (strcmp(a, "big") == 0) st.big_endian = true;
            else if (strcmp(a, "little") == 0) st.big_endian = false;
            else {
                vl_eprintf(c, "%s: invalid argument %s for %s\nValid arguments are:\n  - 'little'\n"
                              "  - 'big'\n", c->name, vl_quote_locale(c, a),
                           vl_quote_locale(c, "--endian"));
                vl_try_help(c);
            }
            break;
        default: break;
        }
    }
    bool traditional = vl_has(c, O_TRADITIONAL);
    /* traditional operands: od [FILE] [[+]OFFSET[b] [[+]LABEL[b]]] */
    uint64_t off;
    if (traditional) {
        if (n == 1 && parse_old_offset(argv[1], &off)) {
            st.skip = off;
            n = 0;
        } else if (n == 2) {
            uint64_t o1, o2;
            if (parse_old_offset(argv[1], &o1) && parse_old_offset(argv[2], &o2)) {
                st.skip = o1;
                st.label = o2;
                st.has_label = true;
                n = 0;
            } else if (parse_old_offset(argv[2], &o2)) {
                st.skip = o2;
                n = 1;
            }
        } else if (n == 3) {
            uint64_t o1, o2;
            if (parse_old_offset(argv[2], &o1) && parse_old_offset(argv[3], &o2)) {
                st.skip = o1;
                st.label = o2;
                st.has_label = true;
                n = 1;
            } else {
                vl_error(c, "invalid second operand in compatibility mode %s",
                         vl_quote_locale(c, argv[3]));
                vl_try_help(c);
            }
        } else if (n > 3) {
            vl_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
            vl_eprintf(c, "%s: compatibility mode supports at most one file\n", c->name);
            vl_try_help(c);
        }
        if (st.has_label) st.label -= st.skip;
    } else if (!modern) {
        if (n == 1 && argv[1][0] == '+' && parse_old_offset(argv[1], &off)) {
            st.skip = off;
            n = 0;
        } else if (n == 2 && (argv[2][0] == '+' || (argv[2][0] >= '0' && argv[2][0] <= '9')) &&
                   parse_old_offset(argv[2], &off)) {
            st.skip = off;
            n = 1;
        }
    }
    if (st.nspecs == 0) add_spec(&st, 'o', 2, false);
    st.addr_width = st.radix == 'x' ? 6 : st.radix == 'n' ? 0 : 7;
    size_t l = lcm_sizes(&st);
    if (width_given) {
        if (width == 0 || width % l != 0) {
            vl_eprintf(c, "%s: warning: invalid width %llu; using %zu instead\n", c->name,
                       (unsigned long long)width, l);
            width = l;
        }
        st.bpb = (size_t)width;
    } else {
        st.bpb = l < 16 ? 16 / l * l : l; /* the sizes are powers of two: 16 */
    }
    /* columns of all types line up: each type's block is as wide as the widest */
    long per_block = 0;
    for (int i = 0; i < st.nspecs; i++) {
        long f = (long)(st.bpb / (size_t)st.specs[i].size);
        long w = (st.specs[i].fw + 1) * f;
        if (w > per_block) per_block = w;
    }
    for (int i = 0; i < st.nspecs; i++) {
        long f = (long)(st.bpb / (size_t)st.specs[i].size);
        st.specs[i].pad = per_block - st.specs[i].fw * f;
    }
    static char dash[] = "-";
    char *only_stdin[] = {dash};
    st.files = n > 0 ? argv + 1 : only_stdin;
    st.nfiles = n > 0 ? n : 1;
    uint64_t start = st.skip;
    do_skip(&st);
    if (strings) dump_strings(&st, start, min_string);
    else dump(&st, start);
    close_cur(&st);
    vl_buf_free(c, &st.line);
    return st.ok && c->status == 0 ? 0 : 1;
}

static const vl_opt od_opts[] = {
    {'A', "address-radix", VL_ARG, "RADIX",
     "output format for file offsets; RADIX is one\n  of [doxn], for Decimal, Octal, Hex or None"},
    {O_ENDIAN, "endian", VL_ARG, "{big|little}",
     "swap input bytes according the specified order"},
    {'j', "skip-bytes", VL_ARG, "BYTES", "skip BYTES input bytes first"},
    {'N', "read-bytes", VL_ARG, "BYTES", "limit dump to BYTES input bytes"},
    {'S', NULL, VL_ARG, "BYTES",
     "output strings of at least BYTES graphic chars;\n  3 is implied when BYTES is not "
     "specified"},
    {O_STRINGS, "strings", VL_OPTARG, "BYTES", NULL},
    {'t', "format", VL_ARG, "TYPE", "select output format or formats"},
    {'v', "output-duplicates", VL_NOARG, NULL, "do not use * to mark line suppression"},
    {'w', "width", VL_OPTARG, "BYTES",
     "output BYTES bytes per output line;\n  32 is implied when BYTES is not specified"},
    {O_TRADITIONAL, "traditional", VL_NOARG, NULL, "accept arguments in third form above"},
    {'a', NULL, VL_NOARG, NULL, "same as -t a,  select named characters, ignoring high-order bit"},
    {'b', NULL, VL_NOARG, NULL, "same as -t o1, select octal bytes"},
    {'c', NULL, VL_NOARG, NULL, "same as -t c,  select printable characters or backslash escapes"},
    {'d', NULL, VL_NOARG, NULL, "same as -t u2, select unsigned decimal 2-byte units"},
    {'f', NULL, VL_NOARG, NULL, "same as -t fF, select floats"},
    {'i', NULL, VL_NOARG, NULL, "same as -t dI, select decimal ints"},
    {'l', NULL, VL_NOARG, NULL, "same as -t dL, select decimal longs"},
    {'o', NULL, VL_NOARG, NULL, "same as -t o2, select octal 2-byte units"},
    {'s', NULL, VL_NOARG, NULL, "same as -t d2, select decimal 2-byte units"},
    {'x', NULL, VL_NOARG, NULL, "same as -t x2, select hexadecimal 2-byte units"},
    {'B', NULL, VL_NOARG, NULL, NULL},
    {'D', NULL, VL_NOARG, NULL, NULL},
    {'e', NULL, VL_NOARG, NULL, NULL},
    {'F', NULL, VL_NOARG, NULL, NULL},
    {'H', NULL, VL_NOARG, NULL, NULL},
    {'h', NULL, VL_NOARG, NULL, NULL},
    {'I', NULL, VL_NOARG, NULL, NULL},
    {'L', NULL, VL_NOARG, NULL, NULL},
    {'O', NULL, VL_NOARG, NULL, NULL},
    {'X', NULL, VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(od, od_main, od_opts,
           "[OPTION]... [FILE]...\n  or:  od [-abcdfilosx]... [FILE] [[+]OFFSET[.][b]]\n"
           "  or:  od --traditional [OPTION]... [FILE] [[+]OFFSET[.][b] [+][LABEL][.][b]]",
           "Write an unambiguous representation, octal bytes by default,\n"
           "of FILE to standard output.  With more than one FILE argument,\n"
           "concatenate them in the listed order to form the input.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
