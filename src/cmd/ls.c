/* ls: list directory contents (GNU coreutils 9.1 in the C locale: formats -l -1 -C -x -m and
 * -g -o -n, sorting -S -t -X -U -v -r --group-directories-first, -a -A -d -R -F -p -i -s -h,
 * time and indicator options, -I/--hide patterns). Output is never a terminal in a VM, so
 * names print literally and the default format is one per line, as GNU does into a pipe.
 * Not supported: colors (--color=always/auto are refused, never/auto-without-tty accepted),
 * quoting styles (-Q -b -q --quoting-style), --block-size, --dired, hyperlinks, SELinux. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    OPT_COLOR = 256,
    OPT_FULL_TIME,
    OPT_TIME_STYLE,
    OPT_GROUP_DIRS,
    OPT_SI,
    OPT_FILE_TYPE,
    OPT_INDICATOR_STYLE,
    OPT_SORT,
    OPT_TIME,
    OPT_HIDE,
    OPT_FORMAT,
    OPT_DEREF_CMDLINE_DIR,
};

static const vl_opt ls_opts[] = {
    {'a', "all", VL_NOARG, NULL, "do not ignore entries starting with ."},
    {'A', "almost-all", VL_NOARG, NULL, "do not list implied . and .."},
    {'c', NULL, VL_NOARG, NULL,
     "with -lt: sort by, and show, ctime; with -l: show ctime and sort by name;\n"
     "otherwise: sort by ctime, newest first"},
    {'C', NULL, VL_NOARG, NULL, "list entries by columns"},
    {OPT_COLOR, "color", VL_OPTARG, "WHEN", "colorize the output: only 'never' (or 'auto')"},
    {'d', "directory", VL_NOARG, NULL, "list directories themselves, not their contents"},
    {'f', NULL, VL_NOARG, NULL, "list all entries in directory order"},
    {'F', "classify", VL_OPTARG, "WHEN", "append indicator (one of */=>@|) to entries"},
    {OPT_FILE_TYPE, "file-type", VL_NOARG, NULL, "likewise, except do not append '*'"},
    {OPT_FORMAT, "format", VL_ARG, "WORD",
     "across -x, commas -m, horizontal -x, long -l, single-column -1, verbose -l,\n"
     "vertical -C"},
    {OPT_FULL_TIME, "full-time", VL_NOARG, NULL, "like -l --time-style=full-iso"},
    {'g', NULL, VL_NOARG, NULL, "like -l, but do not list owner"},
    {OPT_GROUP_DIRS, "group-directories-first", VL_NOARG, NULL,
     "group directories before files"},
    {'G', "no-group", VL_NOARG, NULL, "in a long listing, don't print group names"},
    {'h', "human-readable", VL_NOARG, NULL,
     "with -l and -s, print sizes like 1K 234M 2G etc."},
    {OPT_SI, "si", VL_NOARG, NULL, "likewise, but use powers of 1000 not 1024"},
    {'H', "dereference-command-line", VL_NOARG, NULL,
     "follow symbolic links listed on the command line"},
    {OPT_DEREF_CMDLINE_DIR, "dereference-command-line-symlink-to-dir", VL_NOARG, NULL,
     "follow each command line symbolic link that points to a directory"},
    {OPT_HIDE, "hide", VL_ARG, "PATTERN",
     "do not list implied entries matching shell PATTERN (overridden by -a or -A)"},
    {OPT_INDICATOR_STYLE, "indicator-style", VL_ARG, "WORD",
     "append indicator with style WORD to entry names: none (default), slash (-p),\n"
     "file-type (--file-type), classify (-F)"},
    {'i', "inode", VL_NOARG, NULL, "print the index number of each file"},
    {'I', "ignore", VL_ARG, "PATTERN", "do not list implied entries matching shell PATTERN"},
    {'k', "kibibytes", VL_NOARG, NULL, "default to 1024-byte blocks for file system usage"},
    {'l', NULL, VL_NOARG, NULL, "use a long listing format"},
    {'L', "dereference", VL_NOARG, NULL,
     "when showing file information for a symbolic link, show information for the file\n"
     "the link references rather than for the link itself"},
    {'m', NULL, VL_NOARG, NULL, "fill width with a comma separated list of entries"},
    {'n', "numeric-uid-gid", VL_NOARG, NULL, "like -l, but list numeric user and group IDs"},
    {'o', NULL, VL_NOARG, NULL, "like -l, but do not list group information"},
    {'p', NULL, VL_NOARG, NULL, "append / indicator to directories"},
    {'r', "reverse", VL_NOARG, NULL, "reverse order while sorting"},
    {'R', "recursive", VL_NOARG, NULL, "list subdirectories recursively"},
    {'s', "size", VL_NOARG, NULL, "print the allocated size of each file, in blocks"},
    {'S', NULL, VL_NOARG, NULL, "sort by file size, largest first"},
    {OPT_SORT, "sort", VL_ARG, "WORD",
     "sort by WORD instead of name: none -U, size -S, time -t, version -v,\n"
     "extension -X, width"},
    {OPT_TIME, "time", VL_ARG, "WORD",
     "select which timestamp used to display or sort; access time, -u: atime, access, use;\n"
     "change time, -c: ctime, status; birth time: birth, creation (not recorded in vos)"},
    {OPT_TIME_STYLE, "time-style", VL_ARG, "TIME_STYLE",
     "time/date format with -l: full-iso, long-iso, iso, locale, or +FORMAT"},
    {'t', NULL, VL_NOARG, NULL, "sort by time, newest first; see --time"},
    {'T', "tabsize", VL_ARG, "COLS", "assume tab stops at each COLS instead of 8"},
    {'u', NULL, VL_NOARG, NULL,
     "with -lt: sort by, and show, access time; with -l: show access time and sort by\n"
     "name; otherwise: sort by access time, newest first"},
    {'U', NULL, VL_NOARG, NULL, "do not sort; list entries in directory order"},
    {'v', NULL, VL_NOARG, NULL, "natural sort of (version) numbers within text"},
    {'w', "width", VL_ARG, "COLS", "set output width to COLS.  0 means no limit"},
    {'x', NULL, VL_NOARG, NULL, "list entries by lines instead of by columns"},
    {'X', NULL, VL_NOARG, NULL, "sort alphabetically by entry extension"},
    {'1', NULL, VL_NOARG, NULL, "list one file per line"},
    {0, NULL, 0, NULL, NULL},
};

enum { FMT_ONE, FMT_LONG, FMT_COLS, FMT_ACROSS, FMT_COMMAS };
enum { SORT_NAME, SORT_NONE, SORT_SIZE, SORT_TIME, SORT_VERSION, SORT_EXT, SORT_WIDTH };
enum { TIME_MTIME, TIME_ATIME, TIME_CTIME };
enum { IND_NONE, IND_SLASH, IND_FILE_TYPE, IND_CLASSIFY };
enum { DEREF_NONE, DEREF_ARGS, DEREF_ARGS_DIRS, DEREF_ALL };
enum { STYLE_LOCALE, STYLE_FULL_ISO, STYLE_LONG_ISO, STYLE_ISO, STYLE_CUSTOM };

typedef struct fent {
    char *name; /* as displayed */
    char *path; /* to stat and readlink */
    struct vk_stat st;
    bool ok;          /* st is valid */
    char *link;       /* -l: the symlink's target */
    struct vk_stat tst;      /* the target's stat, when tok */
    bool tok;
    bool dot;         /* "." or ".." synthesized for -a */
    char qtype;       /* !ok in long format: the type letter shown before "?????????" */
} fent;

typedef struct flist {
    fent *v;
    size_t n, cap;
} flist;

typedef struct ls {
    vl_ctx *c;
    int format, sort, timesel, ind, deref, style;
    const char *style_fmt[2]; /* STYLE_CUSTOM: old, recent */
    bool all, almost, dirs_only, recursive, reverse, inode, size, human, si, numeric;
    bool show_owner, show_group, group_dirs;
    size_t width, tabsize;
    const char **ignore;
    size_t nignore;
    const char **hide;
    size_t nhide;
    vl_ids *ids;
    int64_t now_ns;
    bool first;          /* nothing printed yet (for the blank line before headers) */
    bool print_dir_name;
} ls;

static void add(ls *L, flist *l, fent *e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = vl_xrealloc(L->c, l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = *e;
}

static void free_list(ls *L, flist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        vl_xfree(L->c, l->v[i].name);
        vl_xfree(L->c, l->v[i].path);
        vl_xfree(L->c, l->v[i].link);
    }
    vl_xfree(L->c, l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* ---- sorting ---- */

static int64_t sel_time(const ls *L, const struct vk_stat *st)
{
    return L->timesel == TIME_ATIME ? st->atime_ns
           : L->timesel == TIME_CTIME ? st->ctime_ns
                                      : st->mtime_ns;
}

/* GNU's filevercmp, simplified to what matters in practice: runs of digits compare as
 * numbers, everything else byte by byte, with a leading "." kept first. */
static int vercmp(const char *a, const char *b)
{
    while (*a || *b) {
        if ((*a >= '0' && *a <= '9') && (*b >= '0' && *b <= '9')) {
            while (*a == '0') a++;
            while (*b == '0') b++;
            const char *sa = a, *sb = b;
            while (*a >= '0' && *a <= '9') a++;
            while (*b >= '0' && *b <= '9') b++;
            size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
            if (la != lb) return la < lb ? -1 : 1;
            int r = memcmp(sa, sb, la);
            if (r) return r;
            continue;
        }
        if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++, b++;
    }
    return 0;
}

static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot : "";
}

static int cmp_ent(const ls *L, const fent *a, const fent *b)
{
    if (L->group_dirs) {
        bool da = (a->ok && VK_S_ISDIR(a->st.mode)) || (a->tok && VK_S_ISDIR(a->tst.mode) &&
                                                          a->ok && VK_S_ISLNK(a->st.mode));
        bool db = (b->ok && VK_S_ISDIR(b->st.mode)) || (b->tok && VK_S_ISDIR(b->tst.mode) &&
                                                          b->ok && VK_S_ISLNK(b->st.mode));
        if (da != db) return da ? -1 : 1;
    }
    int r = 0;
    switch (L->sort) {
    case SORT_SIZE:
        if (a->st.size != b->st.size) r = a->st.size > b->st.size ? -1 : 1;
        break;
    case SORT_TIME: {
        int64_t ta = sel_time(L, &a->st), tb = sel_time(L, &b->st);
        if (ta != tb) r = ta > tb ? -1 : 1;
        break;
    }
    case SORT_EXT: r = strcmp(extension(a->name), extension(b->name)); break;
    case SORT_VERSION: r = vercmp(a->name, b->name); break;
    case SORT_WIDTH:
        if (strlen(a->name) != strlen(b->name)) r = strlen(a->name) < strlen(b->name) ? -1 : 1;
        break;
    default: break;
    }
    if (r == 0) r = strcmp(a->name, b->name);
    return L->reverse ? -r : r;
}

/* qsort has no context argument: a small merge sort keeps ls reentrant (VMs run on many
 * threads at once) and stable. */
static void sort_list(ls *L, flist *l)
{
    if (L->sort == SORT_NONE || l->n < 2) return;
    fent *tmp = vl_xmalloc(L->c, l->n * sizeof *tmp);
    for (size_t w = 1; w < l->n; w *= 2) {
        for (size_t lo = 0; lo < l->n; lo += 2 * w) {
            size_t mid = lo + w < l->n ? lo + w : l->n;
            size_t hi = lo + 2 * w < l->n ? lo + 2 * w : l->n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = cmp_ent(L, &l->v[j], &l->v[i]) < 0 ? l->v[j++] : l->v[i++];
            while (i < mid) tmp[k++] = l->v[i++];
            while (j < hi) tmp[k++] = l->v[j++];
        }
        memcpy(l->v, tmp, l->n * sizeof *tmp);
    }
    vl_xfree(L->c, tmp);
}

/* ---- formatting pieces ---- */

/* GNU's human_readable with ceiling rounding: "1.1K", "12K", "1.0M". */
static void human(char *out, size_t n, uint64_t amt, bool si)
{
    unsigned base = si ? 1000 : 1024;
    static const char units[] = "KMGTPEZY";
    if (amt < base) {
        snprintf(out, n, "%" PRIu64, amt);
        return;
    }
    unsigned tenths = 0, rounding = 0;
    int exponent = 0;
    while (amt >= base && exponent < 8) {
        unsigned r10 = (unsigned)(amt % base) * 10 + tenths;
        unsigned r2 = (r10 % base) * 2 + (rounding >> 1);
        amt /= base;
        tenths = r10 / base;
        rounding = r2 < base ? (r2 + rounding) != 0 : 2 + (base < r2 + rounding);
        exponent++;
    }
    bool point = false;
    if (amt < 10) {
        if (rounding > 0) {
            tenths++;
            rounding = 0;
            if (tenths == 10) amt++, tenths = 0;
        }
        if (amt < 10) {
            point = true;
        }
    }
    if (!point && tenths + rounding > 0) {
        amt++;
        if (amt == base && exponent < 8) {
            exponent++;
            amt = 1;
            point = true;
            tenths = 0;
        }
    }
    char u = units[exponent - 1];
    if (si && u == 'K') u = 'k';
    if (point) snprintf(out, n, "%" PRIu64 ".%u%c", amt, tenths, u);
    else snprintf(out, n, "%" PRIu64 "%c", amt, u);
}

static void blocks_str(const ls *L, char *out, size_t n, uint64_t blocks512)
{
    if (L->human || L->si) human(out, n, blocks512 * 512, L->si);
    else snprintf(out, n, "%" PRIu64, (blocks512 + 1) / 2);
}

static void size_str(const ls *L, char *out, size_t n, const fent *f)
{
    if (VK_S_ISCHR(f->st.mode) || (f->st.mode & VK_S_IFMT) == VK_S_IFBLK) {
        out[0] = '\0'; /* devices print "major, minor" (see print_long) */
        return;
    }
    if (L->human || L->si) human(out, n, f->st.size, L->si);
    else snprintf(out, n, "%" PRIu64, f->st.size);
}

static unsigned dev_major(uint64_t d)
{
    return (unsigned)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffu));
}

static unsigned dev_minor(uint64_t d)
{
    return (unsigned)((d & 0xff) | ((d >> 12) & ~0xffu));
}

static char indicator(const ls *L, uint32_t mode)
{
    if (L->ind == IND_NONE) return 0;
    if (VK_S_ISDIR(mode)) return '/';
    if (L->ind == IND_SLASH) return 0;
    if (VK_S_ISLNK(mode)) return '@';
    if (VK_S_ISFIFO(mode)) return '|';
    if ((mode & VK_S_IFMT) == VK_S_IFSOCK) return '=';
    if (L->ind == IND_CLASSIFY && VK_S_ISREG(mode) && (mode & 0111)) return '*';
    return 0;
}

static const char *owner(ls *L, unsigned uid, char *buf, size_t n)
{
    const char *name = L->numeric ? NULL : vl_ids_user(L->ids, uid);
    if (name) return name;
    snprintf(buf, n, "%u", uid);
    return buf;
}

static const char *group(ls *L, unsigned gid, char *buf, size_t n)
{
    const char *name = L->numeric ? NULL : vl_ids_group(L->ids, gid);
    if (name) return name;
    snprintf(buf, n, "%u", gid);
    return buf;
}

static void format_time(ls *L, char *out, size_t n, int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) frac += 1000000000, sec--;
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, n, "%" PRId64, sec);
        return;
    }
    if (ns > L->now_ns) L->now_ns = vk_time_ns(L->c->p); /* a file from "the future"? */
    /* GNU: recent means within the last half of an average Gregorian year */
    int64_t six_months = (int64_t)31556952 / 2 * 1000000000;
    bool recent = ns > L->now_ns - six_months && ns <= L->now_ns;
    switch (L->style) {
    case STYLE_FULL_ISO: {
        char d[48];
        strftime(d, sizeof d, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(out, n, "%s.%09" PRId64 " +0000", d, frac);
        return;
    }
    case STYLE_LONG_ISO: strftime(out, n, "%Y-%m-%d %H:%M", &tm); return;
    case STYLE_ISO: strftime(out, n, recent ? "%m-%d %H:%M" : "%Y-%m-%d ", &tm); return;
    case STYLE_CUSTOM:
        if (strftime(out, n, L->style_fmt[recent ? 1 : 0], &tm) == 0) out[0] = '\0';
        return;
    default: strftime(out, n, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm); return;
    }
}

/* ---- GNU's column layout ---- */

static size_t num_width(uint64_t v)
{
    size_t w = 1;
    while (v >= 10) v /= 10, w++;
    return w;
}

typedef struct widths {
    size_t inode, blocks;
} widths;

static widths prefix_widths(const ls *L, const flist *l)
{
    widths w = {0, 0};
    for (size_t i = 0; i < l->n; i++) {
        if (!l->v[i].ok) continue;
        if (L->inode && num_width(l->v[i].st.ino) > w.inode) w.inode = num_width(l->v[i].st.ino);
        if (L->size) {
            char b[32];
            blocks_str(L, b, sizeof b, l->v[i].st.blocks);
            if (strlen(b) > w.blocks) w.blocks = strlen(b);
        }
    }
    return w;
}

/* Print name with inode/blocks prefixes and indicator; returns the width printed. */
static size_t print_name(ls *L, const fent *f, const widths *w, bool pad)
{
    vl_ctx *c = L->c;
    size_t len = 0;
    if (L->inode) {
        char b[32];
        if (f->ok) snprintf(b, sizeof b, "%" PRIu64, f->st.ino);
        else snprintf(b, sizeof b, "?");
        vl_printf(c, "%*s ", pad ? (int)w->inode : 0, b);
        len += (pad ? (w->inode > strlen(b) ? w->inode : strlen(b)) : strlen(b)) + 1;
    }
    if (L->size) {
        char b[32];
        if (f->ok) blocks_str(L, b, sizeof b, f->st.blocks);
        else snprintf(b, sizeof b, "?");
        vl_printf(c, "%*s ", pad ? (int)w->blocks : 0, b);
        len += (pad ? (w->blocks > strlen(b) ? w->blocks : strlen(b)) : strlen(b)) + 1;
    }
    vl_puts(c, f->name);
    len += strlen(f->name);
    char ind = f->ok ? indicator(L, f->st.mode) : 0;
    if (ind) {
        vl_putc(c, ind);
        len++;
    }
    return len;
}

static size_t name_len(const ls *L, const fent *f, const widths *w)
{
    size_t len = strlen(f->name);
    if (L->inode) len += w->inode + 1;
    if (L->size) len += w->blocks + 1;
    if (f->ok && indicator(L, f->st.mode)) len++;
    return len;
}

/* Move from column `from` to column `to` with tabs where they fit (GNU's indent()). */
static void indent(ls *L, size_t from, size_t to)
{
    while (from < to) {
        if (L->tabsize && to / L->tabsize > (from + 1) / L->tabsize) {
            vl_putc(L->c, '\t');
            from += L->tabsize - from % L->tabsize;
        } else {
            vl_putc(L->c, ' ');
            from++;
        }
    }
}

/* Column widths for a layout of cols columns; returns whether GNU would accept it. GNU
 * starts every column at a minimum width of 3 (used or not) and re-checks a layout against
 * the line width only when one of its columns grows: a layout that never grows stays
 * valid even when its minimum widths pass the width. */
static bool layout(const size_t *len, size_t n, size_t cols, bool across, size_t width,
                   size_t *cw)
{
    size_t rows = (n + cols - 1) / cols;
    for (size_t i = 0; i < cols; i++) cw[i] = 3;
    bool grew = false;
    for (size_t f = 0; f < n; f++) {
        size_t idx = across ? f % cols : f / rows;
        size_t real = len[f] + (idx == cols - 1 ? 0 : 2);
        if (cw[idx] < real) cw[idx] = real, grew = true;
    }
    if (!grew || !width) return true;
    size_t total = 0;
    for (size_t i = 0; i < cols; i++) total += cw[i];
    return total < width;
}

static void print_columns(ls *L, const flist *l, bool across)
{
    widths w = prefix_widths(L, l);
    size_t n = l->n;
    if (n == 0) return;
    size_t *len = vl_xmalloc(L->c, n * sizeof *len);
    for (size_t i = 0; i < n; i++) len[i] = name_len(L, &l->v[i], &w);
    size_t max_cols = L->width ? L->width / 3 + (L->width % 3 != 0) : n;
    if (max_cols > n) max_cols = n;
    size_t *cw = vl_xmalloc(L->c, max_cols * sizeof *cw);
    size_t cols = max_cols;
    for (; cols > 1; cols--)
        if (layout(len, n, cols, across, L->width, cw)) break;
    layout(len, n, cols, across, L->width, cw);
    if (!across) {
        size_t rows = (n + cols - 1) / cols;
        for (size_t r = 0; r < rows; r++) {
            size_t pos = 0;
            for (size_t col = 0, f = r; f < n; col++) {
                size_t nl = print_name(L, &l->v[f], &w, true);
                f += rows;
                if (f >= n) break;
                indent(L, pos + nl, pos + cw[col]);
                pos += cw[col];
            }
            vl_putc(L->c, '\n');
        }
    } else {
        size_t pos = 0, nl = 0;
        for (size_t f = 0; f < n; f++) {
            size_t col = f % cols;
            if (f > 0) {
                if (col == 0) {
                    vl_putc(L->c, '\n');
                    pos = 0;
                } else {
                    indent(L, pos + nl, pos + cw[col - 1]);
                    pos += cw[col - 1];
                }
            }
            nl = print_name(L, &l->v[f], &w, true);
        }
        vl_putc(L->c, '\n');
    }
    vl_xfree(L->c, cw);
    vl_xfree(L->c, len);
}

static void print_commas(ls *L, const flist *l)
{
    widths w = prefix_widths(L, l);
    size_t pos = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t len = name_len(L, &l->v[i], &w);
        if (i > 0) {
            if (!L->width || pos + len + 2 < L->width) {
                vl_puts(L->c, ", ");
                pos += 2;
            } else {
                vl_puts(L->c, ",\n");
                pos = 0;
            }
        }
        print_name(L, &l->v[i], &w, false);
        pos += len;
    }
    if (l->n) vl_putc(L->c, '\n');
}

static void print_long(ls *L, const flist *l)
{
    vl_ctx *c = L->c;
    widths w = prefix_widths(L, l);
    size_t wlink = 0, wown = 0, wgrp = 0, wsize = 0, wmaj = 0, wmin = 0;
    char b[64];
    for (size_t i = 0; i < l->n; i++) {
        const fent *f = &l->v[i];
        if (!f->ok) continue;
        if (num_width(f->st.nlink) > wlink) wlink = num_width(f->st.nlink);
        size_t n = strlen(owner(L, f->st.uid, b, sizeof b));
        if (n > wown) wown = n;
        n = strlen(group(L, f->st.gid, b, sizeof b));
        if (n > wgrp) wgrp = n;
        if (VK_S_ISCHR(f->st.mode) || (f->st.mode & VK_S_IFMT) == VK_S_IFBLK) {
            if (num_width(dev_major(f->st.rdev)) > wmaj) wmaj = num_width(dev_major(f->st.rdev));
            if (num_width(dev_minor(f->st.rdev)) > wmin) wmin = num_width(dev_minor(f->st.rdev));
        } else {
            size_str(L, b, sizeof b, f);
            if (strlen(b) > wsize) wsize = strlen(b);
        }
    }
    if (wmaj && wmaj + 2 + wmin > wsize) wsize = wmaj + 2 + wmin;
    if (wmaj && wsize > wmaj + 2 + wmin) wmaj = wsize - 2 - wmin;
    for (size_t i = 0; i < l->n; i++) {
        const fent *f = &l->v[i];
        if (L->inode) {
            if (f->ok) vl_printf(c, "%*" PRIu64 " ", (int)w.inode, f->st.ino);
            else vl_printf(c, "%*s ", (int)w.inode, "?");
        }
        if (L->size) {
            if (f->ok) blocks_str(L, b, sizeof b, f->st.blocks);
            else snprintf(b, sizeof b, "?");
            vl_printf(c, "%*s ", (int)w.blocks, b);
        }
        if (!f->ok) {
            /* what GNU shows for an entry it could not stat */
            vl_printf(c, "%c????????? %*s ", f->qtype ? f->qtype : '?', (int)wlink, "?");
            if (L->show_owner) vl_printf(c, "%-*s ", (int)wown, "?");
            if (L->show_group) vl_printf(c, "%-*s ", (int)wgrp, "?");
            char tb[64];
            format_time(L, tb, sizeof tb, L->now_ns);
            vl_printf(c, "%*s %*s %s\n", (int)wsize, "?", (int)strlen(tb), "?", f->name);
            continue;
        }
        char mode[11];
        vl_mode_string(f->st.mode, mode);
        vl_printf(c, "%s %*" PRIu32 " ", mode, (int)wlink, f->st.nlink);
        if (L->show_owner) vl_printf(c, "%-*s ", (int)wown, owner(L, f->st.uid, b, sizeof b));
        if (L->show_group) vl_printf(c, "%-*s ", (int)wgrp, group(L, f->st.gid, b, sizeof b));
        if (VK_S_ISCHR(f->st.mode) || (f->st.mode & VK_S_IFMT) == VK_S_IFBLK) {
            vl_printf(c, "%*u, %*u ", (int)wmaj, dev_major(f->st.rdev), (int)wmin,
                      dev_minor(f->st.rdev));
        } else {
            size_str(L, b, sizeof b, f);
            vl_printf(c, "%*s ", (int)wsize, b);
        }
        format_time(L, b, sizeof b, sel_time(L, &f->st));
        vl_printf(c, "%s ", b);
        vl_puts(c, f->name);
        if (f->link) {
            vl_puts(c, " -> ");
            vl_puts(c, f->link);
            if (f->tok && L->ind != IND_NONE) {
                char ind = indicator(L, f->tst.mode);
                if (ind) vl_putc(c, ind);
            }
        } else {
            char ind = indicator(L, f->st.mode);
            if (ind) vl_putc(c, ind);
        }
        vl_putc(c, '\n');
    }
}

static void print_list(ls *L, const flist *l)
{
    switch (L->format) {
    case FMT_LONG: print_long(L, l); break;
    case FMT_COLS: print_columns(L, l, false); break;
    case FMT_ACROSS: print_columns(L, l, true); break;
    case FMT_COMMAS: print_commas(L, l); break;
    default: {
        widths w = prefix_widths(L, l);
        for (size_t i = 0; i < l->n; i++) {
            print_name(L, &l->v[i], &w, true);
            vl_putc(L->c, '\n');
        }
    }
    }
}

/* ---- gathering ---- */

/* Fill f (name, path set) by stat'ing it; reports nothing. Returns the stat code (f->ok
 * says whether f->st is usable). A dangling link under -L: on the command line an error;
 * in a directory, GNU shows it as "l?????????" in long format and plainly otherwise. */
static int fill(ls *L, fent *f, bool follow, bool cmdline)
{
    vl_ctx *c = L->c;
    int rc = follow ? vk_stat(c->p, f->path, &f->st) : vk_lstat(c->p, f->path, &f->st);
    if (rc < 0 && follow && !cmdline) {
        if (vk_lstat(c->p, f->path, &f->st) < 0) return rc;
        if (L->format == FMT_LONG) {
            f->qtype = VK_S_ISLNK(f->st.mode) ? 'l' : '?';
            return rc;
        }
        rc = 0;
    }
    if (rc < 0) return rc;
    f->ok = true;
    if (VK_S_ISLNK(f->st.mode) && L->format == FMT_LONG) {
        char buf[VK_PATH_MAX];
        ssize_t n = vk_readlink(c->p, f->path, buf, sizeof buf - 1);
        if (n >= 0) {
            buf[n] = '\0';
            f->link = vl_xstrdup(c, buf);
        }
        f->tok = vk_stat(c->p, f->path, &f->tst) == 0;
    } else if (VK_S_ISLNK(f->st.mode) && L->group_dirs) {
        f->tok = vk_stat(c->p, f->path, &f->tst) == 0;
    }
    return 0;
}

static bool ignored(const ls *L, const char *name)
{
    if (name[0] == '.' && !L->all && !L->almost) return true;
    for (size_t i = 0; i < L->nignore; i++)
        if (fnmatch(L->ignore[i], name, FNM_PERIOD) == 0) return true;
    if (!L->all && !L->almost)
        for (size_t i = 0; i < L->nhide; i++)
            if (fnmatch(L->hide[i], name, FNM_PERIOD) == 0) return true;
    return false;
}

static void blank_before_header(ls *L)
{
    if (!L->first) vl_putc(L->c, '\n');
    L->first = false;
}

typedef struct pending {
    char *path;   /* to open */
    char *name;   /* for the header and messages */
    int depth;
    bool cmdline;
    uint64_t dev, ino;
} pending;

typedef struct pstack {
    pending *v;
    size_t n, cap;
} pstack;

static void push(ls *L, pstack *s, pending p)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = vl_xrealloc(L->c, s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = p;
}

/* List one directory; push its subdirectories for -R (so the first is listed next). */
static void list_dir(ls *L, pending *d, pstack *todo)
{
    vl_ctx *c = L->c;
    vl_names nm;
    int rc = vl_dir_names(c, d->path, &nm);
    if (rc < 0) {
        vl_error(c, "cannot open directory %s: %s", vl_quote_always(c, d->name), vl_strerror(rc));
        if (d->cmdline) c->status = 2;
        return;
    }
    if (L->print_dir_name) {
        blank_before_header(L);
        vl_printf(c, "%s:\n", d->name);
    }
    L->first = false;
    flist l = {0};
    if (L->all) {
        static const char *const dots[] = {".", ".."};
        for (int i = 0; i < 2; i++) {
            bool skip = false;
            for (size_t k = 0; k < L->nignore && !skip; k++)
                skip = fnmatch(L->ignore[k], dots[i], FNM_PERIOD) == 0;
            if (skip) continue;
            fent f = {0};
            f.name = vl_xstrdup(c, dots[i]);
            f.path = vl_path_join(c, d->path, dots[i]);
            f.dot = true;
            fill(L, &f, L->deref == DEREF_ALL, false);
            add(L, &l, &f);
        }
    }
    for (size_t i = 0; i < nm.n; i++) {
        if (ignored(L, nm.v[i])) continue;
        fent f = {0};
        f.name = vl_xstrdup(c, nm.v[i]);
        f.path = vl_path_join(c, d->path, nm.v[i]);
        int frc = fill(L, &f, L->deref == DEREF_ALL, false);
        if (frc < 0)
            vl_error(c, "cannot access %s: %s", vl_quote_always(c, f.path), vl_strerror(frc));
        add(L, &l, &f);
    }
    vl_names_free(c, &nm);
    sort_list(L, &l);
    if (L->format == FMT_LONG || L->size) {
        uint64_t total = 0;
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i].ok) total += l.v[i].st.blocks;
        char b[32];
        blocks_str(L, b, sizeof b, total);
        vl_printf(c, "total %s\n", b);
    }
    print_list(L, &l);
    if (L->recursive) {
        /* pushed in reverse so the stack pops them in listing order */
        for (size_t i = l.n; i > 0; i--) {
            fent *f = &l.v[i - 1];
            if (f->dot || !f->ok || !VK_S_ISDIR(f->st.mode)) continue;
            pending p = {vl_xstrdup(c, f->path), vl_xstrdup(c, f->path), d->depth + 1, false,
                         f->st.dev, f->st.ino};
            push(L, todo, p);
        }
    }
    free_list(L, &l);
}

static void list_dirs(ls *L, pstack *todo)
{
    vl_ctx *c = L->c;
    /* directories being listed, by depth: a directory met again below itself is a loop */
    uint64_t *act_dev = NULL, *act_ino = NULL;
    size_t nact = 0, capact = 0;
    while (todo->n > 0) {
        pending d = todo->v[--todo->n];
        if ((size_t)d.depth < nact) nact = (size_t)d.depth;
        bool loop = false;
        for (size_t i = 0; i < nact && !loop; i++)
            loop = act_dev[i] == d.dev && act_ino[i] == d.ino;
        if (loop) {
            vl_error(c, "%s: not listing already-listed directory", vl_quote(c, d.name));
            c->status = 2;
        } else if (d.depth > VL_WALK_MAXDEPTH) {
            vl_error(c, "cannot open directory %s: %s", vl_quote_always(c, d.name),
                     vl_strerror(VOS_ENAMETOOLONG));
        } else {
            if (nact == capact) {
                capact = capact ? capact * 2 : 16;
                act_dev = vl_xrealloc(c, act_dev, capact * sizeof *act_dev);
                act_ino = vl_xrealloc(c, act_ino, capact * sizeof *act_ino);
            }
            act_dev[nact] = d.dev;
            act_ino[nact++] = d.ino;
            list_dir(L, &d, todo);
        }
        vl_xfree(c, d.path);
        vl_xfree(c, d.name);
    }
    vl_xfree(c, act_dev);
    vl_xfree(c, act_ino);
}

/* ---- options ---- */

static int pick(const char *what, const char *arg, const char *const *words, const int *vals,
                vl_ctx *c)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(arg, words[i]) == 0) return vals[i];
    vl_error(c, "invalid argument %s for %s", vl_quote_always(c, arg), vl_quote_always(c, what));
    vl_eprintf(c, "Valid arguments are:\n");
    for (int i = 0; words[i]; i++) {
        /* GNU groups synonyms on one line */
        if (i > 0 && vals[i] == vals[i - 1]) vl_eprintf(c, ", '%s'", words[i]);
        else vl_eprintf(c, "%s  - '%s'", i ? "\n" : "", words[i]);
    }
    vl_eprintf(c, "\nTry '%s --help' for more information.\n", c->name);
    vl_exit(c, 1); /* GNU's argmatch failure status, even in ls */
}

static size_t parse_width(vl_ctx *c, const char *s, bool *ok)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    *ok = *s >= '0' && *s <= '9' && *end == '\0' && v <= (1ull << 31);
    return (size_t)v;
}

static void setup(ls *L, vl_ctx *c)
{
    L->c = c;
    L->first = true;
    /* format: the last of -l/-g/-o/-n, -1, -C, -x, -m, --format wins */
    int last = 0;
    L->format = FMT_ONE;
#define LAST(id, val)                                                                             \
    if (vl_last(c, id) > last) last = vl_last(c, id), L->format = (val)
    LAST('l', FMT_LONG);
    LAST('g', FMT_LONG);
    LAST('o', FMT_LONG);
    LAST('n', FMT_LONG);
    LAST('1', FMT_ONE);
    LAST('C', FMT_COLS);
    LAST('x', FMT_ACROSS);
    LAST('m', FMT_COMMAS);
    LAST(OPT_FULL_TIME, FMT_LONG);
#undef LAST
    if (vl_last(c, OPT_FORMAT) > last) {
        static const char *const w[] = {"verbose", "long",       "commas",        "horizontal",
                                        "across",  "vertical", "single-column", NULL};
        static const int v[] = {FMT_LONG, FMT_LONG, FMT_COMMAS, FMT_ACROSS,
                                FMT_ACROSS, FMT_COLS, FMT_ONE};
        L->format = pick("--format", vl_arg(c, OPT_FORMAT), w, v, c);
    }
    if (vl_has(c, 'f') && L->format == FMT_LONG && vl_last(c, 'f') > last) L->format = FMT_ONE;

    /* sort: the last of -S -t -U -X -v -f --sort */
    last = 0;
    L->sort = SORT_NAME;
#define SLAST(id, val)                                                                            \
    if (vl_last(c, id) > last) last = vl_last(c, id), L->sort = (val)
    SLAST('S', SORT_SIZE);
    SLAST('t', SORT_TIME);
    SLAST('U', SORT_NONE);
    SLAST('f', SORT_NONE);
    SLAST('X', SORT_EXT);
    SLAST('v', SORT_VERSION);
#undef SLAST
    if (vl_last(c, OPT_SORT) > last) {
        static const char *const w[] = {"none",    "time",  "size", "extension",
                                        "version", "width", NULL};
        static const int v[] = {SORT_NONE, SORT_TIME,    SORT_SIZE,
                                SORT_EXT,  SORT_VERSION, SORT_WIDTH};
        L->sort = pick("--sort", vl_arg(c, OPT_SORT), w, v, c);
    }

    /* which time: -c / -u / --time; outside -l they also sort by it (GNU) */
    last = 0;
    L->timesel = TIME_MTIME;
    if (vl_last(c, 'c') > last) last = vl_last(c, 'c'), L->timesel = TIME_CTIME;
    if (vl_last(c, 'u') > last) last = vl_last(c, 'u'), L->timesel = TIME_ATIME;
    if (vl_last(c, OPT_TIME) > last) {
        static const char *const w[] = {"atime",  "access", "use",      "ctime",
                                        "status", "birth",  "creation", NULL};
        static const int v[] = {TIME_ATIME, TIME_ATIME, TIME_ATIME, TIME_CTIME,
                                TIME_CTIME, -1,         -1};
        L->timesel = pick("--time", vl_arg(c, OPT_TIME), w, v, c);
        if (L->timesel < 0) vl_die(c, 2, "birth times are not recorded by vos filesystems");
    }
    if (L->timesel != TIME_MTIME && L->format != FMT_LONG &&
        (L->sort == SORT_NAME && !vl_has(c, OPT_SORT)))
        L->sort = SORT_TIME;

    L->all = vl_has(c, 'a') || vl_has(c, 'f');
    L->almost = vl_has(c, 'A');
    if (L->all && L->almost) L->all = vl_last(c, 'a') > vl_last(c, 'A') || vl_has(c, 'f');
    L->dirs_only = vl_has(c, 'd');
    L->recursive = vl_has(c, 'R');
    L->reverse = vl_has(c, 'r');
    L->inode = vl_has(c, 'i');
    L->size = vl_has(c, 's');
    L->human = vl_has(c, 'h');
    L->si = vl_has(c, OPT_SI);
    L->numeric = vl_has(c, 'n');
    L->show_owner = !vl_has(c, 'g');
    L->show_group = !vl_has(c, 'o') && !vl_has(c, 'G');
    L->group_dirs = vl_has(c, OPT_GROUP_DIRS);

    /* indicators: the last of -F, -p, --file-type, --indicator-style */
    last = 0;
    L->ind = IND_NONE;
    if (vl_last(c, 'F') > last) {
        last = vl_last(c, 'F');
        const char *when = vl_arg(c, 'F');
        static const char *const w[] = {"always", "yes", "force", "never", "no", "none",
                                        "auto",   "tty", "if-tty", NULL};
        static const int v[] = {1, 1, 1, 0, 0, 0, 2, 2, 2};
        int on = when ? pick("--classify", when, w, v, c) : 1;
        L->ind = on == 1 ? IND_CLASSIFY : IND_NONE; /* auto: never a terminal here */
    }
    if (vl_last(c, 'p') > last) last = vl_last(c, 'p'), L->ind = IND_SLASH;
    if (vl_last(c, OPT_FILE_TYPE) > last) last = vl_last(c, OPT_FILE_TYPE), L->ind = IND_FILE_TYPE;
    if (vl_last(c, OPT_INDICATOR_STYLE) > last) {
        static const char *const w[] = {"none", "slash", "file-type", "classify", NULL};
        static const int v[] = {IND_NONE, IND_SLASH, IND_FILE_TYPE, IND_CLASSIFY};
        L->ind = pick("--indicator-style", vl_arg(c, OPT_INDICATOR_STYLE), w, v, c);
    }

    /* dereferencing */
    if (vl_has(c, 'L')) L->deref = DEREF_ALL;
    else if (vl_has(c, 'H')) L->deref = DEREF_ARGS;
    else if (vl_has(c, OPT_DEREF_CMDLINE_DIR) ||
             !(L->dirs_only || L->format == FMT_LONG || L->ind == IND_CLASSIFY))
        L->deref = DEREF_ARGS_DIRS;
    else L->deref = DEREF_NONE;

    /* time style */
    L->style = vl_has(c, OPT_FULL_TIME) ? STYLE_FULL_ISO : STYLE_LOCALE;
    /* like GNU, the style is only looked at when it is used */
    if (L->format == FMT_LONG && vl_has(c, OPT_TIME_STYLE) &&
        vl_last(c, OPT_TIME_STYLE) > vl_last(c, OPT_FULL_TIME)) {
        const char *s = vl_arg(c, OPT_TIME_STYLE);
        if (strncmp(s, "posix-", 6) == 0) s += 6; /* C locale: posix-X is X */
        if (s[0] == '+') {
            L->style = STYLE_CUSTOM;
            char *fmt = vl_xstrdup(c, s + 1);
            char *nl = strchr(fmt, '\n');
            if (nl) *nl = '\0';
            L->style_fmt[0] = fmt;
            L->style_fmt[1] = nl ? nl + 1 : fmt;
        } else {
            static const char *const w[] = {"full-iso", "long-iso", "iso", "locale", NULL};
            static const int v[] = {STYLE_FULL_ISO, STYLE_LONG_ISO, STYLE_ISO, STYLE_LOCALE};
            L->style = pick("time style", s, w, v, c);
        }
    }

    /* colors: a VM never writes to a terminal, so only "no color" can be honoured */
    if (vl_has(c, OPT_COLOR)) {
        const char *w = vl_arg(c, OPT_COLOR);
        static const char *const words[] = {"always", "yes", "force", "never", "no", "none",
                                            "auto",   "tty", "if-tty", NULL};
        static const int v[] = {1, 1, 1, 0, 0, 0, 2, 2, 2};
        if (!w || pick("--color", w, words, v, c) == 1)
            vl_die(c, 2, "colored output is not supported in vos; use --color=never");
    }

    /* width */
    L->tabsize = 8;
    if (vl_has(c, 'T')) {
        bool ok;
        L->tabsize = parse_width(c, vl_arg(c, 'T'), &ok);
        if (!ok) vl_die(c, 2, "invalid tab size: %s", vl_quote_always(c, vl_arg(c, 'T')));
    }
    L->width = 80;
    if (vl_has(c, 'w')) {
        bool ok;
        L->width = parse_width(c, vl_arg(c, 'w'), &ok);
        if (!ok) vl_die(c, 2, "invalid line width: %s", vl_quote_always(c, vl_arg(c, 'w')));
    } else {
        const char *env = vk_getenv(c->p, "COLUMNS");
        if (env && *env) {
            bool ok;
            size_t v = parse_width(c, env, &ok);
            if (ok) L->width = v;
            else
                vl_eprintf(c, "%s: ignoring invalid width in environment variable COLUMNS: %s\n",
                           c->name, vl_quote_always(c, env));
        }
    }

    /* -I / --hide patterns */
    if (vl_has(c, 'I') || vl_has(c, OPT_HIDE)) {
        /* cmd.h keeps only the last argument of an option: GNU would use every -I given */
        if (vl_has(c, 'I')) {
            L->ignore = vl_xmalloc(c, sizeof *L->ignore);
            L->ignore[L->nignore++] = vl_arg(c, 'I');
        }
        if (vl_has(c, OPT_HIDE)) {
            L->hide = vl_xmalloc(c, sizeof *L->hide);
            L->hide[L->nhide++] = vl_arg(c, OPT_HIDE);
        }
    }
    L->ids = vl_ids_new(c);
    L->now_ns = vk_time_ns(c->p);
}

static int ls_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    ls L = {0};
    setup(&L, c);
    static char dot[] = ".";
    char *defarg[] = {dot};
    char **args = n ? argv + 1 : defarg;
    int nargs = n ? n : 1;

    flist files = {0}, dirs = {0};
    for (int i = 0; i < nargs; i++) {
        fent f = {0};
        f.name = vl_xstrdup(c, args[i]);
        f.path = vl_xstrdup(c, args[i]);
        int rc;
        if (L.deref == DEREF_ALL || L.deref == DEREF_ARGS) {
            rc = fill(&L, &f, true, true);
        } else {
            rc = fill(&L, &f, false, true);
            if (rc == 0 && L.deref == DEREF_ARGS_DIRS && VK_S_ISLNK(f.st.mode)) {
                struct vk_stat t;
                int src = vk_stat(c->p, f.path, &t);
                if (src == 0 && VK_S_ISDIR(t.mode)) {
                    f.st = t;
                    vl_xfree(c, f.link);
                    f.link = NULL;
                }
                /* GNU 9.1 lists a dangling link, but not a loop: "cannot access" */
                if (src == VOS_ELOOP) rc = src;
            }
        }
        if (rc < 0) {
            vl_error(c, "cannot access %s: %s", vl_quote_always(c, args[i]), vl_strerror(rc));
            c->status = 2;
            vl_xfree(c, f.name);
            vl_xfree(c, f.path);
            vl_xfree(c, f.link);
            continue;
        }
        if (VK_S_ISDIR(f.st.mode) && !L.dirs_only) add(&L, &dirs, &f);
        else add(&L, &files, &f);
    }
    sort_list(&L, &files);
    sort_list(&L, &dirs);
    L.print_dir_name = nargs > 1 || L.recursive;
    if (files.n) {
        print_list(&L, &files);
        L.first = false;
    }
    pstack todo = {0};
    for (size_t i = dirs.n; i > 0; i--) {
        fent *f = &dirs.v[i - 1];
        pending p = {vl_xstrdup(c, f->path), vl_xstrdup(c, f->name), 0, true, f->st.dev,
                     f->st.ino};
        push(&L, &todo, p);
    }
    list_dirs(&L, &todo);
    vl_xfree(c, todo.v);
    free_list(&L, &files);
    free_list(&L, &dirs);
    return c->status;
}

VL_COMMAND(ls, ls_main, ls_opts, "[OPTION]... [FILE]...",
           "List information about the FILEs (the current directory by default).\n"
           "Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.",
           0, 2);
