/* stat: display file status (GNU coreutils 9.1: default and terse formats, -c/--format,
 * --printf, -L). Times are UTC (the VM's timezone); vos files have no birth time, so %w is
 * "-" and %W is 0, as GNU prints them on filesystems without one. -f describes the mount
 * (vk_statfs): %T is the driver's name ("memfs"), %t Linux's magic number of the like file
 * system (tmpfs for memfs) or 0. Not supported: SELinux contexts (%C). */
#include "lib/cmd.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { OPT_PRINTF = 256 };

static const vl_opt stat_opts[] = {
    {'L', "dereference", VL_NOARG, NULL, "follow links"},
    {'c', "format", VL_ARG, "FORMAT",
     "use the specified FORMAT instead of the default;\n"
     "output a newline after each use of FORMAT"},
    {OPT_PRINTF, "printf", VL_ARG, "FORMAT",
     "like --format, but interpret backslash escapes,\n"
     "and do not output a mandatory trailing newline;\n"
     "if you want a newline, include \\n in FORMAT"},
    {'f', "file-system", VL_NOARG, NULL, "display file system status instead of file status"},
    {'t', "terse", VL_NOARG, NULL, "print the information in terse form"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct statctx {
    const vk_statfs_buf *fs; /* -f: the file system being described */
    vl_ids *ids;
    int qstyle;
    vl_tz tz;
    vl_buf out;
} statctx;

/* glibc's encoding of device numbers (what major(3)/minor(3) undo) */
static unsigned dev_major(uint64_t d)
{
    return (unsigned)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffu));
}

static unsigned dev_minor(uint64_t d)
{
    return (unsigned)((d & 0xff) | ((d >> 12) & ~0xffu));
}

static void split_ns(int64_t ns, int64_t *sec, int64_t *frac)
{
    *sec = ns / 1000000000;
    *frac = ns % 1000000000;
    if (*frac < 0) *frac += 1000000000, (*sec)--;
}

/* "2020-01-01 00:00:00.000000000 +0000", in the zone TZ names */
static void human_time(char *buf, size_t n, int64_t ns, const vl_tz *tz)
{
    int64_t sec, frac;
    split_ns(ns, &sec, &frac);
    vl_tm tm;
    if (!vl_time_split(sec, (int32_t)frac, tz, &tm)) {
        snprintf(buf, n, "%" PRId64, sec);
        return;
    }
    vl_strftime(buf, n, "%Y-%m-%d %H:%M:%S.%N %z", &tm);
}

/* Format a string/number with the printf flags, width and precision the directive had. */
static void put_str(vl_ctx *c, statctx *s, const char *spec, const char *v)
{
    char fmt[64];
    snprintf(fmt, sizeof fmt, "%ss", spec);
    vl_buf_printf(c, &s->out, fmt, v);
}

/* %s is the one signed number (off_t): the '+' and ' ' flags show there */
static void put_i(vl_ctx *c, statctx *s, const char *spec, int64_t v)
{
    char fmt[64];
    snprintf(fmt, sizeof fmt, "%s" PRId64, spec);
    vl_buf_printf(c, &s->out, fmt, v);
}

static void put_u(vl_ctx *c, statctx *s, const char *spec, uint64_t v)
{
    char fmt[64];
    snprintf(fmt, sizeof fmt, "%s" PRIu64, spec);
    vl_buf_printf(c, &s->out, fmt, v);
}

static void put_x(vl_ctx *c, statctx *s, const char *spec, uint64_t v)
{
    char fmt[64];
    snprintf(fmt, sizeof fmt, "%s" PRIx64, spec);
    vl_buf_printf(c, &s->out, fmt, v);
}

/* %X %Y %Z with an optional precision: seconds, then that many digits of the fraction
 * (truncated; "%.X" means 9). */
static void put_epoch(vl_ctx *c, statctx *s, const char *flags, int width, int prec, int64_t ns)
{
    int64_t sec, frac;
    split_ns(ns, &sec, &frac);
    char num[64];
    if (prec < 0 || prec == 0) {
        snprintf(num, sizeof num, "%" PRId64, sec);
    } else {
        if (prec > 9) prec = 9;
        int64_t div = 1;
        for (int i = prec; i < 9; i++) div *= 10;
        snprintf(num, sizeof num, "%" PRId64 ".%0*" PRId64, sec, prec, frac / div);
    }
    char spec[32];
    snprintf(spec, sizeof spec, "%%%s%d", strchr(flags, '-') ? "-" : "", width);
    put_str(c, s, spec, num);
}

static const char *user_name(vl_ctx *c, statctx *s, unsigned uid)
{
    if (!s->ids) s->ids = vl_ids_new(c);
    const char *n = vl_ids_user(s->ids, uid);
    return n ? n : "UNKNOWN";
}

static const char *group_name(vl_ctx *c, statctx *s, unsigned gid)
{
    if (!s->ids) s->ids = vl_ids_new(c);
    const char *n = vl_ids_group(s->ids, gid);
    return n ? n : "UNKNOWN";
}

/* %N: the name quoted in QUOTING_STYLE's style (default shell-escape-always), and
 * " -> 'target'" for a symbolic link; style -1 prints them as they are */
static char *quoted_name(vl_ctx *c, const char *path, const struct vk_stat *st, int style)
{
    vl_buf b = {0};
    if (style < 0) vl_buf_adds(c, &b, path);
    else vl_quotearg(c, &b, path, strlen(path), style, NULL);
    if (VK_S_ISLNK(st->mode)) {
        char target[VK_PATH_MAX];
        ssize_t n = vk_readlink(c->p, path, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = '\0';
            vl_buf_adds(c, &b, " -> ");
            if (style < 0) vl_buf_adds(c, &b, target);
            else vl_quotearg(c, &b, target, (size_t)n, style, NULL);
        }
    }
    vl_buf_addc(c, &b, '\0');
    return b.data;
}

/* One directive: spec holds "%" + flags + width + precision; conv the letter(s). */
static void directive(vl_ctx *c, statctx *s, const char *path, const struct vk_stat *st,
                      const char *spec, const char *flags, int width, int prec, char mod,
                      char conv)
{
    char tbuf[80];
    char mstr[11];
    if (mod == 'H' || mod == 'L') {
        bool major = mod == 'H';
        if (conv == 'd') put_u(c, s, spec, major ? dev_major(st->dev) : dev_minor(st->dev));
        else if (conv == 'r') put_u(c, s, spec, major ? dev_major(st->rdev) : dev_minor(st->rdev));
        else put_str(c, s, "%", "?");
        return;
    }
    switch (conv) {
    case 'n': put_str(c, s, spec, path); break;
    case 'N': put_str(c, s, spec, quoted_name(c, path, st, s->qstyle)); break;
    case 's': put_i(c, s, spec, (int64_t)st->size); break;
    case 'b': put_u(c, s, spec, st->blocks); break;
    case 'B': put_u(c, s, spec, 512); break;
    case 'o': put_u(c, s, spec, st->blksize); break;
    case 'a': {
        char o[64];
        snprintf(o, sizeof o, "%so", spec);
        vl_buf_printf(c, &s->out, o, st->mode & 07777);
        break;
    }
    case 'A':
        vl_mode_string(st->mode, mstr);
        put_str(c, s, spec, mstr);
        break;
    case 'f': put_x(c, s, spec, st->mode); break;
    case 'F': put_str(c, s, spec, vl_file_type(st->mode, st->size)); break;
    case 'h': put_u(c, s, spec, st->nlink); break;
    case 'i': put_u(c, s, spec, st->ino); break;
    case 'u': put_u(c, s, spec, st->uid); break;
    case 'U': put_str(c, s, spec, user_name(c, s, st->uid)); break;
    case 'g': put_u(c, s, spec, st->gid); break;
    case 'G': put_str(c, s, spec, group_name(c, s, st->gid)); break;
    case 'd': put_u(c, s, spec, st->dev); break;
    case 'D': put_x(c, s, spec, st->dev); break;
    case 'r': put_u(c, s, spec, st->rdev); break;
    case 'R': put_x(c, s, spec, st->rdev); break;
    case 't': put_x(c, s, spec, dev_major(st->rdev)); break;
    case 'T': put_x(c, s, spec, dev_minor(st->rdev)); break;
    case 'm': put_str(c, s, spec, "/"); break;
    case 'x':
    case 'y':
    case 'z': {
        int64_t ns = conv == 'x' ? st->atime_ns : conv == 'y' ? st->mtime_ns : st->ctime_ns;
        human_time(tbuf, sizeof tbuf, ns, &s->tz);
        put_str(c, s, spec, tbuf);
        break;
    }
    case 'X': put_epoch(c, s, flags, width, prec, st->atime_ns); break;
    case 'Y': put_epoch(c, s, flags, width, prec, st->mtime_ns); break;
    case 'Z': put_epoch(c, s, flags, width, prec, st->ctime_ns); break;
    case 'w': put_str(c, s, spec, "-"); break;
    case 'W': put_u(c, s, spec, 0); break;
    default: /* GNU prints an unknown directive as '?' */
        vl_buf_addc(c, &s->out, '?');
        break;
    }
}

/* -f: Linux's magic number of a driver's kind of file system, where there is one */
static uint64_t fs_magic(const char *type)
{
    if (!strcmp(type, "memfs")) return 0x01021994; /* tmpfs */
    if (!strcmp(type, "proc")) return 0x9fa0;
    if (!strcmp(type, "overlay")) return 0x794c7630;
    if (!strcmp(type, "devfs")) return 0x01021994;
    return 0;
}

static void fs_directive(vl_ctx *c, statctx *s, const char *path, const char *spec, char conv)
{
    const vk_statfs_buf *f = s->fs;
    switch (conv) {
    case 'n': put_str(c, s, spec, path); break;
    case 'a': put_u(c, s, spec, f->bavail); break;
    case 'b': put_u(c, s, spec, f->blocks); break;
    case 'c': put_u(c, s, spec, f->files); break;
    case 'd': put_u(c, s, spec, f->ffree); break;
    case 'f': put_u(c, s, spec, f->bfree); break;
    case 'i': put_x(c, s, spec, f->dev); break;
    case 'l': put_u(c, s, spec, f->namemax); break;
    case 's':
    case 'S': put_u(c, s, spec, f->bsize); break;
    case 't': put_x(c, s, spec, fs_magic(f->type)); break;
    case 'T': put_str(c, s, spec, f->type); break;
    default: vl_buf_addc(c, &s->out, '?'); break;
    }
}

/* Backslash escapes of --printf. */
static const char *escape(vl_ctx *c, statctx *s, const char *q)
{
    static const char from[] = "abefnrtv\\\"'", to[] = "\a\b\x1b\f\n\r\t\v\\\"'";
    const char *hit = *q ? strchr(from, *q) : NULL;
    if (hit) {
        vl_buf_addc(c, &s->out, to[hit - from]);
        return q + 1;
    }
    if (*q >= '0' && *q <= '7') {
        int v = 0, i = 0;
        for (; i < 3 && *q >= '0' && *q <= '7'; i++, q++) v = v * 8 + (*q - '0');
        vl_buf_addc(c, &s->out, (char)v);
        return q;
    }
    if (*q == 'x' && strchr("0123456789abcdefABCDEF", q[1]) && q[1]) {
        int v = 0;
        q++;
        for (int i = 0; i < 2 && *q && strchr("0123456789abcdefABCDEF", *q); i++, q++)
            v = v * 16 + (*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
        vl_buf_addc(c, &s->out, (char)v);
        return q;
    }
    if (!*q) {
        vl_eprintf(c, "%s: warning: backslash at end of format\n", c->name);
        vl_buf_addc(c, &s->out, '\\');
        return q;
    }
    /* GNU warns and prints the character without its backslash */
    vl_eprintf(c, "%s: warning: unrecognized escape '\\%c'\n", c->name, *q);
    vl_buf_addc(c, &s->out, *q);
    return q + 1;
}

static void render(vl_ctx *c, statctx *s, const char *fmt, bool escapes, const char *path,
                   const struct vk_stat *st)
{
    for (const char *q = fmt; *q;) {
        if (escapes && *q == '\\') {
            q = escape(c, s, q + 1);
            continue;
        }
        if (*q != '%') {
            vl_buf_addc(c, &s->out, *q++);
            continue;
        }
        const char *start = q++;
        if (*q == '%') {
            vl_buf_addc(c, &s->out, '%');
            q++;
            continue;
        }
        char flags[8] = "";
        size_t nf = 0;
        while (*q && strchr("-0 +#'", *q)) {
            if (nf < sizeof flags - 1 && *q != '\'') flags[nf++] = *q;
            q++;
        }
        flags[nf] = '\0';
        int width = 0, prec = -1;
        while (*q >= '0' && *q <= '9') width = width * 10 + (*q++ - '0');
        if (width > 4096) width = 4096;
        if (*q == '.') {
            prec = 0;
            q++;
            bool digits = false;
            while (*q >= '0' && *q <= '9') prec = prec * 10 + (*q++ - '0'), digits = true;
            if (prec > 4096) prec = 4096;
            if (!digits) prec = -2; /* "%.X": all nine digits */
        }
        if (*q == '\0') { /* a lone '%' at the end is printed as is */
            vl_buf_add(c, &s->out, start, (size_t)(q - start));
            break;
        }
        char mod = 0;
        if ((*q == 'H' || *q == 'L') && (q[1] == 'd' || q[1] == 'r')) mod = *q++;
        char conv = *q++;
        char spec[48];
        if (prec >= 0) snprintf(spec, sizeof spec, "%%%s%d.%d", flags, width, prec);
        else snprintf(spec, sizeof spec, "%%%s%d", flags, width);
        int eprec = prec == -2 ? 9 : prec;
        if (s->fs) fs_directive(c, s, path, spec, conv);
        else directive(c, s, path, st, spec, flags, width, eprec, mod, conv);
    }
}

static const char *default_format(const struct vk_stat *st)
{
    bool dev = VK_S_ISCHR(st->mode) || (st->mode & VK_S_IFMT) == VK_S_IFBLK;
    return dev ? "  File: %N\n"
                 "  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n"
                 "Device: %Hd,%Ld\tInode: %-11i Links: %-5h Device type: %Hr,%Lr\n"
                 "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n"
                 "Access: %x\nModify: %y\nChange: %z\n Birth: %w\n"
               : "  File: %N\n"
                 "  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n"
                 "Device: %Hd,%Ld\tInode: %-11i Links: %h\n"
                 "Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n"
                 "Access: %x\nModify: %y\nChange: %z\n Birth: %w\n";
}

static int stat_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    bool follow = vl_has(c, 'L');
    const char *fmt = NULL;
    bool escapes = false, newline = true;
    if (vl_has(c, 'c') && vl_last(c, 'c') > vl_last(c, OPT_PRINTF)) {
        fmt = vl_arg(c, 'c');
    } else if (vl_has(c, OPT_PRINTF)) {
        fmt = vl_arg(c, OPT_PRINTF);
        escapes = true;
        newline = false;
    } else if (vl_has(c, 't') && !vl_has(c, 'f')) {
        fmt = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o";
    }
    statctx s = {0};
    vl_tz_from_env(c, &s.tz);
    s.qstyle = VL_QS_SHELL_ESCAPE_ALWAYS;
    const char *qs = vk_getenv(c->p, "QUOTING_STYLE");
    if (qs) {
        int st = vl_quoting_style(qs);
        if (st >= 0) s.qstyle = st;
        else
            vl_eprintf(c, "%s: ignoring invalid value of environment variable QUOTING_STYLE: %s\n",
                       c->name, vl_quote_always(c, qs));
    }
    bool fs = vl_has(c, 'f');
    if (fs && !fmt)
        fmt = vl_has(c, 't') ? "%n %i %l %t %s %S %b %f %a %c %d"
                             : "  File: \"%n\"\n"
                               "    ID: %-8i Namelen: %-7l Type: %T\n"
                               "Block size: %-10s Fundamental block size: %S\n"
                               "Blocks: Total: %-10b Free: %-10f Available: %a\n"
                               "Inodes: Total: %-10c Free: %d";
    for (int i = 1; i <= n; i++) {
        struct vk_stat st;
        if (fs) {
            vk_statfs_buf fsb;
            int rc = vk_statfs(c->p, argv[i], &fsb);
            if (rc < 0) {
                vl_error(c, "cannot read file system information for %s: %s",
                         vl_quote_always(c, argv[i]), vl_strerror(rc));
                continue;
            }
            s.fs = &fsb;
            s.out.len = 0;
            render(c, &s, fmt, escapes, argv[i], NULL);
            if (newline) vl_buf_addc(c, &s.out, '\n');
            vl_write(c, s.out.data, s.out.len);
            s.fs = NULL;
            continue;
        }
        int rc = follow ? vk_stat(c->p, argv[i], &st) : vk_lstat(c->p, argv[i], &st);
        if (rc < 0) {
            vl_error(c, "cannot statx %s: %s", vl_quote_always(c, argv[i]), vl_strerror(rc));
            continue;
        }
        s.out.len = 0;
        if (fmt) {
            render(c, &s, fmt, escapes, argv[i], &st);
            if (newline) vl_buf_addc(c, &s.out, '\n');
        } else {
            /* the default format names the file unquoted: "  File: a b -> t" */
            char *name = quoted_name(c, argv[i], &st, -1);
            vl_buf_adds(c, &s.out, "  File: ");
            vl_buf_adds(c, &s.out, name);
            vl_xfree(c, name);
            render(c, &s, strchr(default_format(&st), '\n'), false, argv[i], &st);
        }
        vl_write(c, s.out.data, s.out.len);
    }
    vl_buf_free(c, &s.out);
    return c->status;
}

VL_COMMAND(stat, stat_main, stat_opts, "[OPTION]... FILE...", "Display file status.", 0, 1);
