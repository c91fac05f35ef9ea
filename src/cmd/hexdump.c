/* hexdump: util-linux 2.38's hexdump (bsdextrautils on Debian 12): a format engine (-e, -f)
 * with iteration and byte counts, the printf conversions d i o u x X e E f g G c s and
 * hexdump's own _a _A _c _p _u, every format string applied to the same block, the last
 * unit of a short format repeated to fill the block, no trailing blanks on a repeated unit's
 * last round, blanks where the input ran out, "*" for repeated blocks; -b -c -C -d -o -x are
 * formats of that engine, -n -s -v as util-linux. Not done: colors (-L is accepted). */
#include "lib/cmd.h"
#include "lib/enc.h"
#include "lib/format.h"

#include <stdio.h>
#include <string.h>

enum { P_TEXT, P_INT, P_UINT, P_FLOAT, P_CHAR, P_STR, P_ADDR, P_EADDR, P_C, P_P, P_U };

typedef struct piece {
    int type;
    char conv;      /* printf conversion (ADDR: d o x) */
    char flags[8];
    int width, prec; /* -1: none */
    int bytes;
    char *text;     /* P_TEXT */
    size_t tlen;
    int owner;      /* P_TEXT: the conversion it prints with (the next one, else the last), -1 */
} piece;

typedef struct fmt_unit {
    int reps;
    bool reps_given;
    int bcnt;
    piece *p;
    int np;
    size_t trail_ws; /* trailing blanks of the last text piece, left out on the last round */
    int size;        /* bytes one round consumes */
    int data;        /* bytes its conversions read */
} fmt_unit;

typedef struct fmt_str {
    fmt_unit *fu;
    int nfu;
    int size;
} fmt_str;

typedef struct hd {
    vl_ctx *c;
    fmt_str *fs;
    int nfs, capfs;
    int blocksize;
    bool verbose;
    /* input */
    char **files;
    int nfiles, cur, opened;
    vl_in *in;
    bool any_ok, failed;
    uint64_t skip, consumed;
    bool limited;
    uint64_t limit;
    vl_buf line;
} hd;

/* ---- parsing formats ---- */

_Noreturn static void badfmt(hd *h, const char *s)
{
    vl_die(h->c, 1, "bad format {%s}", s);
}

static size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            out[o++] = s[i];
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'a': out[o++] = '\a'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case '0': out[o++] = '\0'; break;
        default: out[o++] = e; break;
        }
    }
    return o;
}

static piece *new_piece(hd *h, fmt_unit *u)
{
    u->p = vl_xrealloc(h->c, u->p, sizeof(piece) * (size_t)(u->np + 1));
    piece *p = &u->p[u->np++];
    memset(p, 0, sizeof *p);
    p->width = p->prec = -1;
    return p;
}

static void add_text(hd *h, fmt_unit *u, const char *s, size_t n)
{
    if (n == 0) return;
    if (u->np > 0 && u->p[u->np - 1].type == P_TEXT) {
        piece *p = &u->p[u->np - 1];
        p->text = vl_xrealloc(h->c, p->text, p->tlen + n + 1);
        memcpy(p->text + p->tlen, s, n);
        p->tlen += n;
        p->text[p->tlen] = 0;
        return;
    }
    piece *p = new_piece(h, u);
    p->type = P_TEXT;
    p->text = vl_xmalloc(h->c, n + 1);
    memcpy(p->text, s, n);
    p->text[n] = 0;
    p->tlen = n;
}

_Noreturn static void bad_count(hd *h, char conv)
{
    vl_die(h->c, 1, "bad byte count for conversion character %c", conv);
}

/* The conversions of one unit's text (escapes already undone). */
static void parse_unit_text(hd *h, fmt_unit *u, const char *s, size_t n)
{
    size_t i = 0, start = 0;
    while (i < n) {
        if (s[i] != '%') {
            i++;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '%') {
            add_text(h, u, s + start, i + 1 - start);
            i += 2;
            start = i;
            continue;
        }
        add_text(h, u, s + start, i - start);
        size_t j = i + 1;
        char flags[8];
        int nf = 0;
        while (j < n && strchr("-+ #0", s[j])) {
            if (nf < 7) flags[nf++] = s[j];
            j++;
        }
        flags[nf] = 0;
        int width = -1, prec = -1;
        if (j < n && s[j] >= '0' && s[j] <= '9') {
            width = 0;
            while (j < n && s[j] >= '0' && s[j] <= '9') {
                if (width < 100000) width = width * 10 + (s[j] - '0');
                j++;
            }
        }
        if (j < n && s[j] == '.') {
            prec = 0;
            j++;
            while (j < n && s[j] >= '0' && s[j] <= '9') {
                if (prec < 100000) prec = prec * 10 + (s[j] - '0');
                j++;
            }
        }
        if (width > 65536) width = 65536;
        if (prec > 65536) prec = 65536;
        if (j >= n) vl_die(h->c, 1, "bad conversion character %%%s", s + i + 1);
        piece *p = new_piece(h, u);
        memcpy(p->flags, flags, sizeof flags);
        p->width = width;
        p->prec = prec;
        char cv = s[j++];
        int b = u->bcnt;
        switch (cv) {
        case 'd':
        case 'i':
        case 'o':
        case 'u':
        case 'x':
        case 'X':
            p->type = (cv == 'd' || cv == 'i') ? P_INT : P_UINT;
            p->conv = cv == 'i' ? 'd' : cv;
            if (b == 0) b = 4;
            if (b != 1 && b != 2 && b != 4 && b != 8) bad_count(h, cv);
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'g':
        case 'G':
            p->type = P_FLOAT;
            p->conv = cv;
            if (b == 0) b = 8;
            if (b != 4 && b != 8) bad_count(h, cv);
            break;
        case 'c':
            p->type = P_CHAR;
            p->conv = 'c';
            if (b == 0) b = 1;
            if (b != 1) bad_count(h, cv);
            break;
        case 's':
            p->type = P_STR;
            p->conv = 's';
            if (b == 0) {
                if (prec < 0) vl_die(h->c, 1, "%%s requires a precision or a byte count");
                b = prec;
            }
            break;
        case '_': {
            char k = j < n ? s[j++] : 0;
            if (k == 'a' || k == 'A') {
                char r = j < n ? s[j] : 0;
                if (r != 'd' && r != 'o' && r != 'x')
                    vl_die(h->c, 1, "bad conversion character %%_%c%c", k, r ? r : ' ');
                j++;
                p->type = k == 'a' ? P_ADDR : P_EADDR;
                p->conv = r;
                b = 0;
            } else if (k == 'c' || k == 'p' || k == 'u') {
                p->type = k == 'c' ? P_C : k == 'p' ? P_P : P_U;
                if (b == 0) b = 1;
                if (b != 1) bad_count(h, k);
            } else {
                vl_die(h->c, 1, "bad conversion character %%_%c", k ? k : ' ');
            }
            break;
        }
        default: vl_die(h->c, 1, "bad conversion character %%%c", cv);
        }
        p->bytes = b;
        i = j;
        start = j;
    }
    add_text(h, u, s + start, n - start);
}

static void add_format(hd *h, const char *arg)
{
    vl_ctx *c = h->c;
    if (h->nfs == h->capfs) {
        h->capfs = h->capfs ? 2 * h->capfs : 8;
        h->fs = vl_xrealloc(c, h->fs, sizeof(fmt_str) * (size_t)h->capfs);
    }
    fmt_str *f = &h->fs[h->nfs++];
    memset(f, 0, sizeof *f);
    const char *s = arg;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n') s++;
        if (!*s) break;
        fmt_unit u;
        memset(&u, 0, sizeof u);
        u.reps = 1;
        if (*s >= '0' && *s <= '9') {
            u.reps = 0;
            while (*s >= '0' && *s <= '9') {
                if (u.reps < 1000000) u.reps = u.reps * 10 + (*s - '0');
                s++;
            }
            u.reps_given = true;
            while (*s == ' ' || *s == '\t') s++;
            if (*s != '/' && *s != '"') badfmt(h, s);
        }
        if (*s == '/') {
            s++;
            while (*s == ' ' || *s == '\t') s++;
            if (*s < '0' || *s > '9') badfmt(h, s);
            while (*s >= '0' && *s <= '9') {
                if (u.bcnt < 1000000) u.bcnt = u.bcnt * 10 + (*s - '0');
                s++;
            }
            while (*s == ' ' || *s == '\t') s++;
        }
        if (*s != '"') badfmt(h, s);
        const char *q = s + 1;
        while (*q && *q != '"') {
            if (*q == '\\' && q[1]) q++;
            q++;
        }
        if (*q != '"') badfmt(h, s);
        size_t n = (size_t)(q - (s + 1));
        char *text = vl_xmalloc(c, n + 1);
        n = unescape(s + 1, n, text);
        parse_unit_text(h, &u, text, n);
        vl_xfree(c, text);
        s = q + 1;
        for (int i = 0; i < u.np; i++) u.data += u.p[i].bytes;
        /* a unit without data conversions still takes its byte count from each block */
        u.size = u.data ? u.data : u.bcnt;
        for (int i = 0; i < u.np; i++) {
            if (u.p[i].type != P_TEXT) continue;
            u.p[i].owner = -1;
            for (int k = i + 1; k < u.np && u.p[i].owner < 0; k++)
                if (u.p[k].type != P_TEXT) u.p[i].owner = k;
            for (int k = i - 1; k >= 0 && u.p[i].owner < 0; k--)
                if (u.p[k].type != P_TEXT) u.p[i].owner = k;
        }
        if (u.np > 0 && u.p[u.np - 1].type == P_TEXT) {
            piece *t = &u.p[u.np - 1];
            /* BSD's rule: one blank, the very last character */
            if (t->tlen > 0 && strchr(" \t\n\v\f\r", t->text[t->tlen - 1])) u.trail_ws = 1;
        }
        f->fu = vl_xrealloc(c, f->fu, sizeof(fmt_unit) * (size_t)(f->nfu + 1));
        f->fu[f->nfu++] = u;
    }
}

static void add_format_file(hd *h, const char *path)
{
    vl_ctx *c = h->c;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, path, &err);
    if (!in) vl_die(c, 1, "can't read %s: %s", path, vl_strerror(err));
    char *line;
    ssize_t n;
    while ((n = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        char *s = vl_xmalloc(c, (size_t)n + 1);
        memcpy(s, line, (size_t)n);
        s[n] = 0;
        if (s[n - 1] == '\n') s[n - 1] = 0;
        const char *p = s;
        while (*p == ' ' || *p == '\t') p++;
        if (*p && *p != '#') add_format(h, p);
        vl_xfree(c, s);
    }
    vl_in_close(c, in);
}

/* Block size, and the last unit of a shorter format repeated to fill the block. */
static void settle(hd *h)
{
    h->blocksize = 0;
    for (int i = 0; i < h->nfs; i++) {
        fmt_str *f = &h->fs[i];
        int64_t size = 0;
        for (int k = 0; k < f->nfu; k++) size += (int64_t)f->fu[k].reps * f->fu[k].size;
        /* more than a block this big is no format anyone means */
        if (size > (1 << 28)) vl_die(h->c, 1, "block size of the format is too large");
        f->size = (int)size;
        if (f->size > h->blocksize) h->blocksize = f->size;
    }
    for (int i = 0; i < h->nfs; i++) {
        fmt_str *f = &h->fs[i];
        if (f->nfu == 0 || f->size == 0 || f->size == h->blocksize) continue;
        fmt_unit *last = &f->fu[f->nfu - 1];
        if (last->reps_given || last->data == 0) continue;
        last->reps += (h->blocksize - f->size) / last->size;
        f->size += (h->blocksize - f->size) / last->size * last->size;
    }
}

/* ---- input ---- */

static bool next_file(hd *h)
{
    vl_ctx *c = h->c;
    while (h->cur < h->nfiles) {
        const char *name = h->files[h->cur++];
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, name, &err);
        if (!in) {
            vl_error(c, "%s: %s", name, vl_strerror(err));
            h->failed = true;
            continue;
        }
        h->any_ok = true;
        h->in = in;
        return true;
    }
    return false;
}

static void close_cur(hd *h)
{
    if (h->in) vl_in_close(h->c, h->in);
    h->in = NULL;
}

static void read_error(hd *h, int rc)
{
    const char *name = h->in->name;
    vl_eprintf(h->c, "%s: %s: %s\n", h->c->name, strcmp(name, "-") ? name : "stdin",
               vl_strerror(rc));
}

static void do_skip(hd *h)
{
    vl_ctx *c = h->c;
    while (h->skip > 0) {
        if (!h->in && !next_file(h)) break;
        struct vk_stat sb;
        if (vk_fstat(c->p, h->in->fd, &sb) == 0 && VK_S_ISREG(sb.mode)) {
            if (h->skip >= sb.size) {
                h->skip -= sb.size;
                h->consumed += sb.size;
                close_cur(h);
                continue;
            }
        }
        /* util-linux seeks, and a pipe cannot */
        int64_t r = vk_lseek(c->p, h->in->fd, (int64_t)h->skip, VK_SEEK_SET);
        if (r < 0) {
            const char *name = h->in->name;
            vl_die(c, 1, "%s: %s", strcmp(name, "-") ? name : "stdin", vl_strerror((int)r));
        }
        h->consumed += h->skip;
        h->skip = 0;
    }
}

static size_t read_some(hd *h, unsigned char *buf, size_t n)
{
    vl_ctx *c = h->c;
    if (h->limited && n > h->limit) n = (size_t)h->limit;
    size_t got = 0;
    while (got < n) {
        if (!h->in && !next_file(h)) break;
        ssize_t r = vl_in_read(c, h->in, buf + got, n - got);
        if (r < 0) read_error(h, (int)r);
        if (r <= 0) {
            close_cur(h);
            continue;
        }
        got += (size_t)r;
    }
    if (h->limited) h->limit -= got;
    return got;
}

/* ---- output ---- */

static void spec(char *fmt, const piece *p, const char *len, char conv)
{
    int k = sprintf(fmt, "%%%s", p->flags);
    if (p->width >= 0) k += sprintf(fmt + k, "%d", p->width);
    if (p->prec >= 0) k += sprintf(fmt + k, ".%d", p->prec);
    sprintf(fmt + k, "%s%c", len, conv);
}

static uint64_t load_le(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

static const char *const names_u[32] = {
    "nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "lf",
    "vt",  "ff",  "cr",  "so",  "si",  "dle", "dc1", "dc2", "dc3", "dc4", "nak",
    "syn", "etb", "can", "em",  "sub", "esc", "fs",  "gs",  "rs",  "us"};

/* Append s padded to the piece's width (right-aligned unless '-'). */
static void put_padded(hd *h, const piece *p, const char *s, size_t n)
{
    vl_ctx *c = h->c;
    vl_buf *b = &h->line;
    size_t w = p->width > 0 ? (size_t)p->width : 0;
    bool left = strchr(p->flags, '-') != NULL;
    if (!left)
        for (size_t i = n; i < w; i++) vl_buf_addc(c, b, ' ');
    vl_buf_add(c, b, s, n);
    if (left)
        for (size_t i = n; i < w; i++) vl_buf_addc(c, b, ' ');
}

/* Integer conversions without printf when the flags are only '0' and '-'. */
static bool put_int_fast(hd *h, const piece *p, uint64_t v, bool neg)
{
    for (const char *f = p->flags; *f; f++)
        if (*f != '0' && *f != '-') return false;
    unsigned base = (p->conv == 'o') ? 8 : (p->conv == 'x' || p->conv == 'X') ? 16 : 10;
    const char *dg = p->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[96];
    int k = 0;
    if (!(v == 0 && p->prec == 0)) do {
            tmp[k++] = dg[v % base];
            v /= base;
        } while (v);
    char out[160];
    size_t n = 0;
    if (neg) out[n++] = '-';
    for (int i = k; i < p->prec && n < 80; i++) out[n++] = '0';
    while (k) out[n++] = tmp[--k];
    bool zero = strchr(p->flags, '0') && !strchr(p->flags, '-') && p->prec < 0;
    if (zero && p->width > 0 && (size_t)p->width > n && p->width < 64) {
        size_t pad = (size_t)p->width - n, at = neg ? 1 : 0;
        memmove(out + at + pad, out + at, n - at);
        memset(out + at, '0', pad);
        n += pad;
    }
    put_padded(h, p, out, n);
    return true;
}

/* Print one conversion of data (avail bytes of it are real, the rest zeros; 0: blanks). */
static void put_conv(hd *h, const piece *p, const unsigned char *d, int avail, uint64_t addr)
{
    vl_ctx *c = h->c;
    vl_buf *b = &h->line;
    char fmt[48];
    if (p->type == P_ADDR || p->type == P_EADDR) {
        if (put_int_fast(h, p, addr, false)) return;
        spec(fmt, p, "ll", p->conv);
        vl_buf_printf(c, b, fmt, (unsigned long long)addr);
        return;
    }
    if (avail == 0) {
        int w = p->width > 0 ? p->width : 0;
        for (int i = 0; i < w; i++) vl_buf_addc(c, b, ' ');
        return;
    }
    unsigned char v[8] = {0};
    if (p->type != P_STR) memcpy(v, d, (size_t)(avail < p->bytes ? avail : p->bytes));
    switch (p->type) {
    case P_INT: {
        uint64_t x = load_le(v, p->bytes);
        int bits = 8 * p->bytes;
        if (bits < 64 && (x >> (bits - 1)) & 1) x |= ~(uint64_t)0 << bits;
        bool neg = (int64_t)x < 0;
        if (p->conv == 'd' && put_int_fast(h, p, neg ? 0 - x : x, neg)) break;
        spec(fmt, p, "ll", p->conv);
        vl_buf_printf(c, b, fmt, (long long)x);
        break;
    }
    case P_UINT:
        if (put_int_fast(h, p, load_le(v, p->bytes), false)) break;
        spec(fmt, p, "ll", p->conv);
        vl_buf_printf(c, b, fmt, (unsigned long long)load_le(v, p->bytes));
        break;
    case P_FLOAT: {
        double x;
        if (p->bytes == 4) {
            float f;
            memcpy(&f, v, 4);
            x = f;
        } else {
            memcpy(&x, v, 8);
        }
        spec(fmt, p, "", p->conv);
        vl_buf_printf(c, b, fmt, x);
        break;
    }
    case P_CHAR: {
        char ch = (char)v[0];
        put_padded(h, p, &ch, 1);
        break;
    }
    case P_STR: {
        char *s = vl_xmalloc(c, (size_t)avail + 1);
        memcpy(s, d, (size_t)avail);
        s[avail] = 0;
        spec(fmt, p, "", 's');
        vl_buf_printf(c, b, fmt, s);
        vl_xfree(c, s);
        break;
    }
    default: {
        char s[8];
        size_t n;
        unsigned ch = v[0];
        if (p->type == P_P) {
            s[0] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
            n = 1;
        } else if (p->type == P_C) {
            static const char esc[] = "0\0\0\0\0\0\0abtnvfr";
            if (ch < 14 && esc[ch] && (ch == 0 || ch >= 7)) {
                s[0] = '\\', s[1] = esc[ch], n = 2;
            } else if (ch >= 0x20 && ch < 0x7f) {
                s[0] = (char)ch, n = 1;
            } else {
                s[0] = (char)('0' + (ch >> 6)), s[1] = (char)('0' + ((ch >> 3) & 7));
                s[2] = (char)('0' + (ch & 7)), n = 3;
            }
        } else {
            if (ch < 32) n = strlen(strcpy(s, names_u[ch]));
            else if (ch == 0x7f) n = strlen(strcpy(s, "del"));
            else if (ch > 0x7f) {
                static const char hx[] = "0123456789abcdef";
                s[0] = hx[ch >> 4], s[1] = hx[ch & 15], n = 2;
            } else s[0] = (char)ch, n = 1;
        }
        /* a precision cuts the text as %s would */
        if (p->prec >= 0 && (size_t)p->prec < n) n = (size_t)p->prec;
        put_padded(h, p, s, n);
        break;
    }
    }
}

static void display_block(hd *h, const unsigned char *blk, size_t n, uint64_t addr)
{
    vl_ctx *c = h->c;
    for (int i = 0; i < h->nfs; i++) {
        fmt_str *f = &h->fs[i];
        size_t pos = 0;
        for (int k = 0; k < f->nfu; k++) {
            fmt_unit *u = &f->fu[k];
            for (int r = 0; r < u->reps; r++) {
                bool last_round = r == u->reps - 1 && u->reps > 1;
                for (int j = 0; j < u->np; j++) {
                    piece *p = &u->p[j];
                    if (p->type == P_TEXT) {
                        if (p->owner >= 0 && u->p[p->owner].type == P_EADDR) continue;
                        size_t len = p->tlen;
                        if (last_round && j == u->np - 1) len -= u->trail_ws;
                        vl_buf_add(c, &h->line, p->text, len);
                        continue;
                    }
                    if (p->type == P_EADDR) continue;
                    int avail = 0;
                    if (pos < n) avail = n - pos >= (size_t)p->bytes ? p->bytes : (int)(n - pos);
                    put_conv(h, p, blk + (pos < n ? pos : 0), avail, addr + pos);
                    pos += (size_t)p->bytes;
                }
            }
        }
    }
    if (h->line.len >= 65536) {
        vl_write(c, h->line.data, h->line.len);
        h->line.len = 0;
    }
}

/* The last unit holding an _A conversion prints the end address (its text and addresses). */
static void end_address(hd *h, uint64_t addr)
{
    fmt_unit *endfu = NULL;
    for (int i = 0; i < h->nfs; i++)
        for (int k = 0; k < h->fs[i].nfu; k++)
            for (int j = 0; j < h->fs[i].fu[k].np; j++)
                if (h->fs[i].fu[k].p[j].type == P_EADDR) endfu = &h->fs[i].fu[k];
    if (!endfu || addr == 0) return;
    for (int j = 0; j < endfu->np; j++) {
        piece *p = &endfu->p[j];
        if (p->type == P_TEXT) {
            int t = p->owner >= 0 ? endfu->p[p->owner].type : P_ADDR;
            if (t == P_ADDR || t == P_EADDR) vl_buf_add(h->c, &h->line, p->text, p->tlen);
        } else if (p->type == P_ADDR || p->type == P_EADDR) put_conv(h, p, NULL, 0, addr);
    }
}

static void dump(hd *h)
{
    vl_ctx *c = h->c;
    size_t bs = (size_t)h->blocksize;
    size_t nblk = bs >= 65536 ? 1 : 65536 / bs;
    unsigned char *buf = vl_xmalloc(c, bs * nblk);
    unsigned char *prev = vl_xmalloc(c, bs);
    bool have_prev = false, squeezing = false;
    uint64_t addr = h->consumed;
    for (;;) {
        size_t got = read_some(h, buf, bs * nblk);
        for (size_t off = 0; off < got; off += bs) {
            size_t n = got - off < bs ? got - off : bs;
            unsigned char *blk = buf + off;
            if (!h->verbose && n == bs && have_prev && memcmp(prev, blk, bs) == 0) {
                if (!squeezing) vl_buf_adds(c, &h->line, "*\n");
                squeezing = true;
            } else {
                squeezing = false;
                display_block(h, blk, n, addr);
            }
            if (n == bs) {
                memcpy(prev, blk, bs);
                have_prev = true;
            }
            addr += n;
        }
        vl_enc_steps(c, 1);
        if (got < bs * nblk) break;
    }
    end_address(h, addr);
    vl_write(c, h->line.data, h->line.len);
    h->line.len = 0;
    vl_xfree(c, buf);
    vl_xfree(c, prev);
}

/* util-linux's sizes: a number (0x hex, 0 octal) with K M G T P E Z Y, optionally iB or B. */
static bool parse_size(const char *s, uint64_t *out)
{
    const char *q = s;
    while (*q == ' ') q++;
    if (*q == '-' || !*q) return false;
    int base = 10;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) base = 16, q += 2;
    else if (q[0] == '0' && q[1]) base = 8;
    uint64_t v = 0;
    bool any = false;
    for (;; q++) {
        int d;
        if (*q >= '0' && *q <= '9') d = *q - '0';
        else if (*q >= 'a' && *q <= 'f') d = *q - 'a' + 10;
        else if (*q >= 'A' && *q <= 'F') d = *q - 'A' + 10;
        else break;
        if (d >= base) break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        v = v * (uint64_t)base + (uint64_t)d;
        any = true;
    }
    if (!any) return false;
    if (*q) {
        static const char units[] = "KMGTPEZY";
        char u = *q >= 'a' && *q <= 'z' ? (char)(*q - 32) : *q;
        const char *pos = strchr(units, u);
        if (!pos || !u) return false;
        q++;
        uint64_t b = 1024;
        if ((q[0] == 'i' || q[0] == 'I') && (q[1] == 'B' || q[1] == 'b') && !q[2]) q += 2;
        else if ((q[0] == 'B' || q[0] == 'b') && !q[1]) b = 1000, q++;
        if (*q) return false;
        for (int i = 0; i <= (int)(pos - units); i++) {
            if (v > UINT64_MAX / b) return false;
            v *= b;
        }
    }
    *out = v;
    return true;
}

static int hexdump_main(vl_ctx *c, int argc, char **argv)
{
    hd h;
    memset(&h, 0, sizeof h);
    h.c = c;
    char **orig = vl_enc_argv_dup(c, argc, argv);
    int n = vl_getopt(c, argc, argv);
    vl_optocc *occ;
    int nocc = vl_enc_optseq(c, argc, orig, &occ);
    for (int i = 0; i < nocc; i++) {
        const char *a = occ[i].arg;
        switch (occ[i].id) {
        case 'b':
            add_format(&h, "\"%07.7_Ax\n\"");
            add_format(&h, "\"%07.7_ax \" 16/1 \"%03o \" \"\\n\"");
            break;
        case 'c':
            add_format(&h, "\"%07.7_Ax\n\"");
            add_format(&h, "\"%07.7_ax \" 16/1 \"%3_c \" \"\\n\"");
            break;
        case 'C':
            add_format(&h, "\"%08.8_Ax\n\"");
            add_format(&h, "\"%08.8_ax  \" 8/1 \"%02x \" \"  \" 8/1 \"%02x \" ");
            add_format(&h, "\"  |\" 16/1 \"%_p\" \"|\\n\"");
            break;
        case 'd':
            add_format(&h, "\"%07.7_Ax\n\"");
            add_format(&h, "\"%07.7_ax \" 8/2 \"  %05u \" \"\\n\"");
            break;
        case 'o':
            add_format(&h, "\"%07.7_Ax\n\"");
            add_format(&h, "\"%07.7_ax \" 8/2 \" %06o \" \"\\n\"");
            break;
        case 'x':
            add_format(&h, "\"%07.7_Ax\n\"");
            add_format(&h, "\"%07.7_ax \" 8/2 \"   %04x \" \"\\n\"");
            break;
        case 'e': add_format(&h, a); break;
        case 'f': add_format_file(&h, a); break;
        case 'n':
            if (!parse_size(a, &h.limit))
                vl_die(c, 1, "failed to parse length: '%s': Invalid argument", a);
            h.limited = true;
            break;
        case 's':
            if (!parse_size(a, &h.skip))
                vl_die(c, 1, "failed to parse offset: '%s': Invalid argument", a);
            break;
        case 'v': h.verbose = true; break;
        default: break;
        }
    }
    if (h.nfs == 0) {
        add_format(&h, "\"%07.7_Ax\n\"");
        add_format(&h, "\"%07.7_ax \" 8/2 \"%04x \" \"\\n\"");
    }
    settle(&h);
    static char dash[] = "-";
    char *only_stdin[] = {dash};
    h.files = n > 0 ? argv + 1 : only_stdin;
    h.nfiles = n > 0 ? n : 1;
    if (h.blocksize > 0 && !(h.limited && h.limit == 0)) {
        do_skip(&h);
        dump(&h);
    }
    close_cur(&h);
    if (n > 0 && !h.any_ok && h.failed) vl_die(c, 1, "all input file arguments failed");
    return h.failed ? 1 : 0;
}

static const vl_opt hexdump_opts[] = {
    {'b', "one-byte-octal", VL_NOARG, NULL, "one-byte octal display"},
    {'c', "one-byte-char", VL_NOARG, NULL, "one-byte character display"},
    {'C', "canonical", VL_NOARG, NULL, "canonical hex+ASCII display"},
    {'d', "two-bytes-decimal", VL_NOARG, NULL, "two-byte decimal display"},
    {'o', "two-bytes-octal", VL_NOARG, NULL, "two-byte octal display"},
    {'x', "two-bytes-hex", VL_NOARG, NULL, "two-byte hexadecimal display"},
    {'L', "color", VL_OPTARG, "mode", "interpret color formatting specifiers (ignored)"},
    {'e', "format", VL_ARG, "format", "format string to be used for displaying data"},
    {'f', "format-file", VL_ARG, "file", "file that contains format strings"},
    {'n', "length", VL_ARG, "length", "interpret only length bytes of input"},
    {'s', "skip", VL_ARG, "offset", "skip offset bytes from the beginning"},
    {'v', "no-squeezing", VL_NOARG, NULL, "output identical lines"},
    {0}};
VL_COMMAND(hexdump, hexdump_main, hexdump_opts, "[options] <file>...",
           "Display file contents in hexadecimal, decimal, octal, or ascii.", 0, 1);
