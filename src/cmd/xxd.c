/* xxd: hex dump and its reverse, as Debian 12's xxd (vim 9.0, "2022-01-14") behaves: its own
 * argument parsing (prefix-matched words, -c8 or -c 8, base-0 numbers), the normal, -b bits,
 * -e little-endian, -ps plain and -i C include dumps, -a autoskip of zero lines, -s seeking
 * (absolute, +relative, -from the end), -l -o -d -u -g -C -n, and -r / -r -p (patching an
 * output file in place at the dump's offsets). Not done: -E (EBCDIC). */
#include "lib/cmd.h"
#include "lib/enc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAXCOLS 256

enum { HEX_NORMAL, HEX_PS, HEX_INCLUDE, HEX_BITS, HEX_LE };

static const char usage_text[] =
    "Usage:\n"
    "       %s [options] [infile [outfile]]\n"
    "    or\n"
    "       %s -r [-s [-]offset] [-c cols] [-ps] [infile [outfile]]\n"
    "Options:\n"
    "    -a          toggle autoskip: A single '*' replaces nul-lines. Default off.\n"
    "    -b          binary digit dump (incompatible with -ps,-i,-r). Default hex.\n"
    "    -C          capitalize variable names in C include file style (-i).\n"
    "    -c cols     format <cols> octets per line. Default 16 (-i: 12, -ps: 30).\n"
    "    -E          show characters in EBCDIC. Default ASCII.\n"
    "    -e          little-endian dump (incompatible with -ps,-i,-r).\n"
    "    -g bytes    number of octets per group in normal output. Default 2 (-e: 4).\n"
    "    -h          print this summary.\n"
    "    -i          output in C include file style.\n"
    "    -l len      stop after <len> octets.\n"
    "    -n name     set the variable name used in C include output (-i).\n"
    "    -o off      add <off> to the displayed file position.\n"
    "    -ps         output in postscript plain hexdump style.\n"
    "    -r          reverse operation: convert (or patch) hexdump into binary.\n"
    "    -r -s off   revert with <off> added to file positions found in hexdump.\n"
    "    -d          show offset in decimal instead of hex.\n"
    "    -s [+][-]seek  start at <seek> bytes abs. (or +: rel.) infile offset.\n"
    "    -u          use upper case hex letters.\n"
    "    -v          show version: \"%s 2022-01-14 by Juergen Weigert et al.\".\n";

typedef struct xxd {
    vl_ctx *c;
    const char *pname;
    int type;
    bool autoskip, upper, capitalize, decimal;
    int revert;
    long cols, group;
    bool cols_given;
    long length;
    long seekoff, displayoff;
    bool relseek, negseek;
    const char *varname;
    /* output: stdout through the framework, or an output file with its own buffer */
    int ofd;
    char *obuf;
    size_t olen;
    int64_t opos; /* -r: where the next byte goes */
    bool oseekable;
} xxd;

_Noreturn static void usage(xxd *x)
{
    vl_eprintf(x->c, usage_text, x->pname, x->pname, x->pname);
    vl_exit(x->c, 1);
}

_Noreturn static void fail(xxd *x, int status, const char *msg)
{
    vl_eprintf(x->c, "%s: %s\n", x->pname, msg);
    vl_exit(x->c, status);
}

/* strtol(s, NULL, 0): leading blanks, sign, 0x/0 prefixes, stops at the first bad char. */
static long num0(const char *s)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    bool neg = false;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
        ((s[2] >= '0' && s[2] <= '9') || (s[2] >= 'a' && s[2] <= 'f') ||
         (s[2] >= 'A' && s[2] <= 'F')))
        base = 16, s += 2;
    else if (s[0] == '0')
        base = 8;
    unsigned long v = 0;
    bool over = false;
    for (;; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else break;
        if (d >= base) break;
        if (v > (ULONG_MAX - (unsigned long)d) / (unsigned long)base) over = true;
        else v = v * (unsigned long)base + (unsigned long)d;
    }
    if (neg) {
        if (over || v > (unsigned long)LONG_MAX + 1) return LONG_MIN;
        return (long)(0 - v);
    }
    if (over || v > (unsigned long)LONG_MAX) return LONG_MAX;
    return (long)v;
}

/* ---- output ---- */

static void out_flush(xxd *x)
{
    if (x->ofd == 1 || x->olen == 0) return;
    int rc = vl_write_fd(x->c, x->ofd, x->obuf, x->olen);
    x->olen = 0;
    if (rc < 0) {
        vl_eprintf(x->c, "%s: %s\n", x->pname, vl_strerror(rc));
        vl_exit(x->c, 3);
    }
}

static void out(xxd *x, const char *s, size_t n)
{
    if (x->ofd == 1) {
        vl_write(x->c, s, n);
        return;
    }
    if (x->olen + n > 65536) out_flush(x);
    if (n > 65536) {
        int rc = vl_write_fd(x->c, x->ofd, s, n);
        if (rc < 0) {
            vl_eprintf(x->c, "%s: %s\n", x->pname, vl_strerror(rc));
            vl_exit(x->c, 3);
        }
        return;
    }
    memcpy(x->obuf + x->olen, s, n);
    x->olen += n;
}

static void outs(xxd *x, const char *s)
{
    out(x, s, strlen(s));
}

/* ---- input ---- */

static int in_byte(xxd *x, vl_in *in, unsigned char *buf, size_t *pos, size_t *len)
{
    if (*pos == *len) {
        ssize_t r = vl_in_read(x->c, in, buf, 65536);
        if (r < 0) {
            vl_eprintf(x->c, "%s: %s\n", x->pname, vl_strerror((int)r));
            vl_exit(x->c, 2);
        }
        if (r == 0) return -1;
        *pos = 0;
        *len = (size_t)r;
        vl_enc_steps(x->c, 1);
    }
    return buf[(*pos)++];
}

/* ---- the dumps ---- */

/* Autoskip's bookkeeping of all-zero lines: the first shows, a second is held, more become a
 * "*", and the last one of a run shows again when the run ends the input. */
typedef struct skipper {
    int zero_seen;
    vl_buf held;
} skipper;

static void emit_line(xxd *x, skipper *k, const char *l, size_t n, int nz)
{
    vl_ctx *c = x->c;
    if (nz == 0 && k->zero_seen == 1) {
        k->held.len = 0;
        vl_buf_add(c, &k->held, l, n);
    }
    if (nz == 0 && k->zero_seen++ != 0) return;
    if (nz == 0) {
        out(x, l, n);
        return;
    }
    if (nz < 0) k->zero_seen--;
    if (k->zero_seen == 2) out(x, k->held.data, k->held.len);
    if (k->zero_seen > 2) out(x, "*\n", 2);
    if (nz > 0 || k->zero_seen > 0) out(x, l, n);
    k->zero_seen = 0;
}

static void dump_include(xxd *x, vl_in *in, const char *infile)
{
    vl_ctx *c = x->c;
    const char *name = x->varname ? x->varname : infile;
    vl_buf b = {0};
    if (name) {
        vl_buf_printf(c, &b, "unsigned char %s", name[0] >= '0' && name[0] <= '9' ? "__" : "");
        for (const char *q = name; *q; q++) {
            unsigned char ch = (unsigned char)*q;
            bool alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                         (ch >= 'A' && ch <= 'Z');
            if (!alnum) ch = '_';
            else if (x->capitalize && ch >= 'a' && ch <= 'z') ch = (unsigned char)(ch - 32);
            vl_buf_addc(c, &b, ch);
        }
        out(x, b.data, b.len);
        outs(x, "[] = {\n");
    }
    unsigned char *buf = vl_xmalloc(c, 65536);
    size_t pos = 0, len = 0;
    long p = 0;
    int ch;
    char tmp[16];
    while ((x->length < 0 || p < x->length) && (ch = in_byte(x, in, buf, &pos, &len)) >= 0) {
        const char *sep = (p % x->cols) ? ", " : (p == 0 ? "  " : ",\n  ");
        outs(x, sep);
        static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
        const char *hx = x->upper ? up : lo;
        tmp[0] = '0';
        tmp[1] = x->upper ? 'X' : 'x';
        tmp[2] = hx[ch >> 4];
        tmp[3] = hx[ch & 15];
        out(x, tmp, 4);
        p++;
    }
    if (p) outs(x, "\n");
    if (name) {
        outs(x, "};\n");
        /* "unsigned int NAME_len = N;" with the same mangled name */
        vl_buf nb = {0};
        vl_buf_printf(c, &nb, "unsigned int %s", b.data + strlen("unsigned char "));
        vl_buf_printf(c, &nb, "_%s = %ld;\n", x->capitalize ? "LEN" : "len", p);
        out(x, nb.data, nb.len);
        vl_buf_free(c, &nb);
    }
    vl_buf_free(c, &b);
    vl_xfree(c, buf);
}

static void dump_plain(xxd *x, vl_in *in)
{
    vl_ctx *c = x->c;
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *hx = x->upper ? up : lo;
    unsigned char *buf = vl_xmalloc(c, 65536);
    size_t pos = 0, len = 0;
    long p = x->cols, n = 0;
    int ch;
    char line[2];
    while ((x->length < 0 || n < x->length) && (ch = in_byte(x, in, buf, &pos, &len)) >= 0) {
        line[0] = hx[ch >> 4];
        line[1] = hx[ch & 15];
        out(x, line, 2);
        n++;
        if (x->cols > 0 && !--p) {
            out(x, "\n", 1);
            p = x->cols;
        }
    }
    if (x->cols == 0 || p < x->cols) out(x, "\n", 1);
    vl_xfree(c, buf);
}

static void dump_normal(xxd *x, vl_in *in)
{
    vl_ctx *c = x->c;
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    const char *hx = x->upper ? up : lo;
    long cols = x->cols, g = x->group;
    long grplen = x->type == HEX_BITS ? 8 * g + 1 : 2 * g + 1;
    size_t cap = 32 + (size_t)((grplen * cols) / g) + (size_t)cols + 8;
    char *l = vl_xmalloc(c, cap);
    /* where each byte of a line goes, after the address: its digits and its character */
    size_t *hexat = vl_xmalloc(c, sizeof(size_t) * (size_t)cols);
    size_t ascii0 = 3 + (size_t)((grplen * cols - 1) / g);
    for (long p = 0; p < cols; p++) {
        long slot = x->type == HEX_LE ? (p ^ (g - 1)) : p;
        hexat[p] = 1 + (size_t)((grplen * slot) / g);
    }
    unsigned char *buf = vl_xmalloc(c, 65536);
    skipper k = {0, {0}};
    long p = 0, n = 0;
    size_t addrlen = 0, end = 0;
    int nonzero = 0;
    bool bits = x->type == HEX_BITS;
    for (;;) {
        size_t want = 65536;
        if (x->length >= 0 && (uint64_t)(x->length - n) < want) want = (size_t)(x->length - n);
        if (want == 0) break;
        ssize_t r = vl_in_read(c, in, buf, want);
        if (r < 0) {
            vl_eprintf(c, "%s: %s\n", x->pname, vl_strerror((int)r));
            vl_exit(c, 2);
        }
        if (r == 0) break;
        for (ssize_t i = 0; i < r; i++) {
            int ch = buf[i];
            if (p == 0) {
                unsigned long a = (unsigned long)(n + x->seekoff + x->displayoff);
                memset(l, ' ', cap);
                int w = x->decimal ? snprintf(l, cap, "%08ld:", (long)a)
                                   : snprintf(l, cap, "%08lx:", a);
                addrlen = (size_t)w;
                l[addrlen] = ' ';
            }
            size_t at = addrlen + hexat[p];
            if (bits) {
                for (int b = 7; b >= 0; b--) l[at++] = (ch >> b) & 1 ? '1' : '0';
            } else {
                l[at] = hx[ch >> 4];
                l[at + 1] = hx[ch & 15];
            }
            if (ch) nonzero++;
            end = addrlen + ascii0 + (size_t)p;
            l[end++] = ch > 31 && ch < 127 ? (char)ch : '.';
            n++;
            if (++p == cols) {
                l[end] = '\n';
                emit_line(x, &k, l, end + 1, x->autoskip ? nonzero : 1);
                nonzero = 0;
                p = 0;
            }
        }
        vl_enc_steps(c, 1);
    }
    if (p) {
        l[end] = '\n';
        emit_line(x, &k, l, end + 1, 1);
    } else if (x->autoskip) {
        emit_line(x, &k, l, end + 1, -1);
    }
    vl_buf_free(c, &k.held);
    vl_xfree(c, buf);
    vl_xfree(c, hexat);
    vl_xfree(c, l);
}

/* ---- -r ---- */

/* Move the output to off: a seek when the output can, else zeros forward. */
static void out_goto(xxd *x, int64_t off)
{
    if (off == x->opos) return;
    if (x->oseekable) {
        if (x->ofd == 1) vl_flush(x->c);
        else out_flush(x);
        if (vk_lseek(x->c->p, x->ofd, off, VK_SEEK_SET) >= 0) {
            x->opos = off;
            return;
        }
    }
    if (off < x->opos) fail(x, 5, "Sorry, cannot seek backwards.");
    static const char zeros[4096];
    while (x->opos < off) {
        int64_t k = off - x->opos < (int64_t)sizeof zeros ? off - x->opos : (int64_t)sizeof zeros;
        out(x, zeros, (size_t)k);
        x->opos += k;
    }
}

static int hexdigit(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static void revert(xxd *x, vl_in *in, long base_off)
{
    vl_ctx *c = x->c;
    unsigned char *buf = vl_xmalloc(c, 65536);
    size_t pos = 0, len = 0;
    bool ps = x->type == HEX_PS;
    int n1 = -1, n2 = 0, n3, ch;
    bool ign_garb = true;
    long p = x->cols;
    int64_t want = 0;
    while ((ch = in_byte(x, in, buf, &pos, &len)) >= 0) {
        if (ch == '\r') continue;
        if (ps && (ch == ' ' || ch == '\n' || ch == '\t')) continue;
        n3 = n2;
        n2 = n1;
        n1 = hexdigit(ch);
        if (n1 == -1 && ign_garb) continue;
        ign_garb = false;
        bool skip_rest = false;
        if (!ps && p >= x->cols) {
            /* the offset at the start of a line, up to its first non-hex character */
            if (n1 < 0) p = 0;
            else want = (int64_t)((uint64_t)want << 4 | (uint64_t)n1);
            continue;
        }
        /* offsets wrap as xxd's longs would, without signed overflow here */
        int64_t target = (int64_t)((uint64_t)(int64_t)base_off + (uint64_t)want);
        if (target != x->opos) out_goto(x, target);
        if (n2 >= 0 && n1 >= 0) {
            char b = (char)(n2 << 4 | n1);
            out(x, &b, 1);
            x->opos++;
            want++;
            n1 = -1;
            if (!ps && ++p >= x->cols) skip_rest = true;
        } else if (n1 < 0 && n2 < 0 && n3 < 0) {
            skip_rest = true;
        }
        if (skip_rest && ch != '\n') {
            /* the rest of the line is text (the ASCII column) */
            while ((ch = in_byte(x, in, buf, &pos, &len)) >= 0 && ch != '\n') {
            }
            if (ch < 0) break;
        }
        if (ch == '\n') {
            if (!ps) want = 0;
            p = x->cols;
            ign_garb = true;
        }
    }
    vl_xfree(c, buf);
}

static int xxd_main(vl_ctx *c, int argc, char **argv)
{
    xxd x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.pname = vl_basename(c, argc > 0 && argv[0] ? argv[0] : "xxd");
    x.type = HEX_NORMAL;
    x.group = -1;
    x.length = -1;
    x.ofd = 1;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *pp = argv[i];
        if (pp[1] == '-' && pp[2]) pp++; /* "--len" reads as "-len" */
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(rest, word)                                                                           \
    ((pp[2] && strncmp(word, pp + 2, strlen(word)) != 0) ? (rest)                                  \
                                                         : (next ? (i++, next) : (usage(&x), NULL)))
        if (strncmp(pp, "-a", 2) == 0) x.autoskip = !x.autoskip;
        else if (strncmp(pp, "-b", 2) == 0) x.type = HEX_BITS;
        else if (strncmp(pp, "-e", 2) == 0) x.type = HEX_LE;
        else if (strncmp(pp, "-u", 2) == 0) x.upper = true;
        else if (strncmp(pp, "-p", 2) == 0) x.type = HEX_PS;
        else if (strncmp(pp, "-i", 2) == 0) x.type = HEX_INCLUDE;
        else if (strncmp(pp, "-C", 2) == 0) x.capitalize = true;
        else if (strncmp(pp, "-d", 2) == 0) x.decimal = true;
        else if (strncmp(pp, "-r", 2) == 0) x.revert++;
        else if (strncmp(pp, "-E", 2) == 0) fail(&x, 1, "EBCDIC (-E) is not supported");
        else if (strncmp(pp, "-v", 2) == 0) {
            vl_eprintf(c, "%s 2022-01-14 by Juergen Weigert et al.\n", x.pname);
            vl_exit(c, 0);
        } else if (strncmp(pp, "-c", 2) == 0) {
            if (pp[2] && strncmp("apitalize", pp + 2, 9) == 0) x.capitalize = true;
            else x.cols = num0(TAKE(pp + 2, "ols")), x.cols_given = true;
        } else if (strncmp(pp, "-g", 2) == 0) {
            x.group = num0(TAKE(pp + 2, "roup"));
        } else if (strncmp(pp, "-o", 2) == 0) {
            x.displayoff = num0(TAKE(pp + 2, "ffset"));
        } else if (strncmp(pp, "-s", 2) == 0) {
            const char *a;
            if (pp[2] && strncmp("kip", pp + 2, 3) != 0 && strncmp("eek", pp + 2, 3) != 0)
                a = pp + 2;
            else if (next) a = next, i++;
            else usage(&x);
            x.relseek = x.negseek = false;
            if (*a == '+') x.relseek = true, a++;
            if (*a == '-') x.negseek = true, a++;
            x.seekoff = num0(a);
        } else if (strncmp(pp, "-l", 2) == 0) {
            x.length = num0(TAKE(pp + 2, "en"));
        } else if (strncmp(pp, "-n", 2) == 0) {
            x.varname = TAKE(pp + 2, "ame");
        } else if (strcmp(pp, "--") == 0) {
            i++;
            break;
        } else if (pp[1]) {
            usage(&x);
        } else {
            break; /* "-": standard input */
        }
#undef TAKE
    }
    /* -c 0 means one line with -ps, the default with the others */
    if (!x.cols_given || (x.cols == 0 && x.type != HEX_PS))
        x.cols = x.type == HEX_PS ? 30 : x.type == HEX_INCLUDE ? 12 : x.type == HEX_BITS ? 6 : 16;
    if (x.group < 0)
        x.group = x.type == HEX_BITS ? 1 : x.type == HEX_NORMAL ? 2 : x.type == HEX_LE ? 4 : 0;
    if ((x.type == HEX_PS && x.cols < 0) || (x.type != HEX_PS && x.cols < 1) ||
        ((x.type == HEX_NORMAL || x.type == HEX_BITS || x.type == HEX_LE) && x.cols > MAXCOLS)) {
        vl_eprintf(c, "%s: invalid number of columns (max. %d).\n", x.pname, MAXCOLS);
        vl_exit(c, 1);
    }
    if (x.group < 1 || x.group > x.cols) x.group = x.cols;
    else if (x.type == HEX_LE && (x.group & (x.group - 1)))
        fail(&x, 1, "number of octets per group must be a power of 2 with -e.");
    int nops = argc - i;
    if (nops > 2) usage(&x);
    const char *infile = nops >= 1 && strcmp(argv[i], "-") != 0 ? argv[i] : NULL;
    const char *outfile = nops >= 2 && strcmp(argv[i + 1], "-") != 0 ? argv[i + 1] : NULL;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, infile ? infile : "-", &err);
    if (!in) {
        vl_eprintf(c, "%s: %s: %s\n", x.pname, infile, vl_strerror(err));
        vl_exit(c, 2);
    }
    if (outfile) {
        int fd = vk_open(c->p, outfile,
                         VK_O_WRONLY | VK_O_CREAT | (x.revert ? 0 : VK_O_TRUNC), 0666);
        if (fd < 0) {
            int w = vk_dying(c->p);
            if (w) vl_exit(c, VK_WSHELL(w));
            vl_eprintf(c, "%s: %s: %s\n", x.pname, outfile, vl_strerror(fd));
            vl_exit(c, 3);
        }
        x.ofd = fd;
        x.obuf = vl_xmalloc(c, 65536);
    }
    struct vk_stat sb;
    bool in_seekable = vk_fstat(c->p, in->fd, &sb) == 0 && VK_S_ISREG(sb.mode) &&
                       vk_lseek(c->p, in->fd, 0, VK_SEEK_CUR) >= 0;
    if (x.revert) {
        if (x.type != HEX_NORMAL && x.type != HEX_PS)
            fail(&x, 255, "Sorry, cannot revert this type of hexdump");
        if (in_seekable) vk_lseek(c->p, in->fd, 0, VK_SEEK_SET);
        x.oseekable = vk_fstat(c->p, x.ofd, &sb) == 0 && VK_S_ISREG(sb.mode) &&
                      (x.opos = vk_lseek(c->p, x.ofd, 0, VK_SEEK_CUR)) >= 0;
        if (!x.oseekable) x.opos = 0;
        revert(&x, in, x.negseek ? -x.seekoff : x.seekoff);
    } else {
        if (x.seekoff || x.negseek || x.relseek) {
            long off = x.negseek ? -x.seekoff : x.seekoff;
            int whence = x.relseek ? VK_SEEK_CUR : x.negseek ? VK_SEEK_END : VK_SEEK_SET;
            int64_t r = in_seekable ? vk_lseek(c->p, in->fd, off, whence) : -1;
            if (r < 0 && x.negseek) fail(&x, 4, "Sorry, cannot seek.");
            if (r >= 0) {
                x.seekoff = (long)r;
            } else {
                unsigned char tmp[65536];
                long s = x.seekoff;
                while (s > 0) {
                    ssize_t k = vl_in_read(c, in, tmp, s < (long)sizeof tmp ? (size_t)s : sizeof tmp);
                    if (k <= 0) fail(&x, 4, "Sorry, cannot seek.");
                    s -= k;
                }
            }
        }
        if (x.type == HEX_INCLUDE) dump_include(&x, in, infile);
        else if (x.type == HEX_PS) dump_plain(&x, in);
        else dump_normal(&x, in);
    }
    out_flush(&x);
    vl_in_close(c, in);
    if (x.ofd != 1) vk_close(c->p, x.ofd);
    return 0;
}

static const vl_opt xxd_opts[] = {{0}};
VL_COMMAND(xxd, xxd_main, xxd_opts, "[options] [infile [outfile]]",
           "Make a hex dump of a file, or convert a hex dump back to binary.", VL_NO_OPTIONS, 1);
