/* ls: list directory contents (GNU coreutils 9.1 in the C locale): formats -l -1 -C -x -m and
 * -g -o -n --author, sorting -S -t -X -U -v -r --sort --group-directories-first, -a -A -B -d
 * -R -F -p -i -s -h --si -k --block-size, times -c -u --time --time-style --full-time (the
 * six-months rule), quoting -Q -b -q -N --quoting-style, -I/--hide patterns, -L -H, --zero.
 * Output is never a terminal in a VM: names print literally by default (GNU's choice for a
 * pipe) and the default format is one per line. Not supported: colors (--color=always/auto
 * are refused, never accepted), --dired, hyperlinks, SELinux contexts. */
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    OPT_AUTHOR,
    OPT_BLOCK_SIZE,
    OPT_QUOTING_STYLE,
    OPT_SHOW_CONTROL,
    OPT_ZERO,
};

static const vl_opt ls_opts[] = {
    {'a', "all", VL_NOARG, NULL, "do not ignore entries starting with ."},
    {'A', "almost-all", VL_NOARG, NULL, "do not list implied . and .."},
    {OPT_AUTHOR, "author", VL_NOARG, NULL, "with -l, print the author of each file"},
    {'b', "escape", VL_NOARG, NULL, "print C-style escapes for nongraphic characters"},
    {OPT_BLOCK_SIZE, "block-size", VL_ARG, "SIZE",
     "with -l, scale sizes by SIZE when printing them;\n"
     "e.g., '--block-size=M'; see SIZE format below"},
    {'B', "ignore-backups", VL_NOARG, NULL, "do not list implied entries ending with ~"},
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
    {'N', "literal", VL_NOARG, NULL, "print entry names without quoting"},
    {'o', NULL, VL_NOARG, NULL, "like -l, but do not list group information"},
    {'p', NULL, VL_NOARG, NULL, "append / indicator to directories"},
    {'q', "hide-control-chars", VL_NOARG, NULL, "print ? instead of nongraphic characters"},
    {OPT_SHOW_CONTROL, "show-control-chars", VL_NOARG, NULL,
     "show nongraphic characters as-is (the default, unless program is 'ls' and output is a\n"
     "terminal)"},
    {'Q', "quote-name", VL_NOARG, NULL, "enclose entry names in double quotes"},
    {OPT_QUOTING_STYLE, "quoting-style", VL_ARG, "WORD",
     "use quoting style WORD for entry names: literal, locale, shell, shell-always,\n"
     "shell-escape, shell-escape-always, c, escape (overrides QUOTING_STYLE)"},
    {'r', "reverse", VL_NOARG, NULL, "reverse order while sorting"},
    {'R', "recursive", VL_NOARG, NULL, "list subdirectories recursively"},
    {'s', "size", VL_NOARG, NULL, "print the allocated size of each file, in blocks"},
    {'S', NULL, VL_NOARG, NULL, "sort by file size, largest first"},
    {OPT_SORT, "sort", VL_ARG, "WORD",
     "sort by WORD instead of name: none (-U), size (-S), time (-t), version (-v),\n"
     "extension (-X), width"},
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
    {OPT_ZERO, "zero", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {'1', NULL, VL_NOARG, NULL, "list one file per line"},
    {0, NULL, 0, NULL, NULL},
};

enum { FMT_ONE, FMT_LONG, FMT_COLS, FMT_ACROSS, FMT_COMMAS };
enum { SORT_NAME, SORT_NONE, SORT_SIZE, SORT_TIME, SORT_VERSION, SORT_EXT, SORT_WIDTH };
enum { TIME_MTIME, TIME_ATIME, TIME_CTIME };
enum { IND_NONE, IND_SLASH, IND_FILE_TYPE, IND_CLASSIFY };
enum { DEREF_NONE, DEREF_ARGS, DEREF_ARGS_DIRS, DEREF_ALL };

typedef struct fent {
    char *name; /* as listed (a directory entry's name, or the operand) */
    char *path; /* to stat and readlink */
    struct vk_stat st;
    bool ok;           /* st is valid */
    char *link;        /* -l: the symlink's target */
    struct vk_stat tst; /* the target's stat, when tok */
    bool tok;
    bool dot;          /* "." or ".." synthesized for -a */
    char qtype;        /* !ok in long format: the type letter shown before "?????????" */
    char *disp;        /* the name quoted for display */
    size_t dlen;
    bool quoted;       /* disp differs from name */
} fent;

typedef struct flist {
    fent *v;
    size_t n, cap;
    bool some_quoted; /* GNU aligns unquoted names with a space when some are quoted */
} flist;

typedef struct ls {
    vl_ctx *c;
    int format, sort, timesel, ind, deref;
    const char *tfmt[2]; /* -l time formats: old, recent */
    vl_tz tz;
    bool all, almost, dirs_only, recursive, reverse, inode, size, numeric;
    bool show_owner, show_group, show_author, group_dirs;
    int qstyle;
    bool qmark;   /* -q: nongraphic bytes as '?' */
    bool align_quotes;
    uint32_t name_extra[8], dir_extra[8]; /* more bytes to quote */
    int human_opts, file_human_opts;
    uint64_t block_size, file_block_size;
    char eol;
    size_t width, tabsize;
    const char **ignore;
    int nignore;
    const char **hide;
    int nhide;
    vl_ids *ids;
    int64_t now_ns;
    bool first;          /* nothing printed yet (for the blank line before headers) */
    bool print_dir_name;
    vl_buf tmp;          /* scratch for times and quoting */
} ls;

static void add(ls *L, flist *l, fent *e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = vl_xrealloc(L->c, l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = *e;
}

static void free_ent(ls *L, fent *f)
{
    vl_xfree(L->c, f->name);
    vl_xfree(L->c, f->path);
    vl_xfree(L->c, f->link);
    vl_xfree(L->c, f->disp);
}

static void free_list(ls *L, flist *l)
{
    for (size_t i = 0; i < l->n; i++) free_ent(L, &l->v[i]);
    vl_xfree(L->c, l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static void spaces(ls *L, size_t n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        vl_write(L->c, sp, k);
        n -= k;
    }
}

/* s right-aligned in width */
static void put_right(ls *L, const char *s, size_t width)
{
    size_t n = strlen(s);
    if (n < width) spaces(L, width - n);
    vl_write(L->c, s, n);
}

/* ---- quoting ---- */

static void quote_into(ls *L, vl_buf *out, const char *s, const uint32_t *extra)
{
    size_t start = out->len;
    vl_quotearg(L->c, out, s, strlen(s), L->qstyle, extra);
    if (L->qmark)
        for (size_t i = start; i < out->len; i++) {
            unsigned char ch = (unsigned char)out->data[i];
            if (ch < 32 || ch >= 127) out->data[i] = '?';
        }
}

/* Quote every name of l once; note whether any needed quoting. */
static void prepare(ls *L, flist *l)
{
    l->some_quoted = false;
    for (size_t i = 0; i < l->n; i++) {
        fent *f = &l->v[i];
        if (f->disp) continue;
        vl_buf b = {0};
        quote_into(L, &b, f->name, L->name_extra);
        f->dlen = b.len;
        vl_buf_addc(L->c, &b, '\0');
        f->disp = b.data;
        f->quoted = f->dlen != strlen(f->name) || memcmp(f->disp, f->name, f->dlen) != 0;
    }
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].quoted) l->some_quoted = true;
}

static bool pad_name(const ls *L, const flist *l, const fent *f)
{
    return L->align_quotes && l->some_quoted && !f->quoted;
}

/* ---- sorting ---- */

static int64_t sel_time(const ls *L, const struct vk_stat *st)
{
    return L->timesel == TIME_ATIME ? st->atime_ns
           : L->timesel == TIME_CTIME ? st->ctime_ns
                                      : st->mtime_ns;
}

/* GNU's filevercmp: Debian version ordering of the names without their suffixes
 * ((\.[A-Za-z~][A-Za-z0-9~]*)*$), then of the whole names; "." and ".." and hidden names
 * first. */
static bool alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

static size_t prefix_len(const char *s, size_t n)
{
    size_t prefix = 0;
    for (size_t i = 0; i < n;) {
        prefix = ++i;
        while (i + 1 < n && s[i] == '.' && (alpha((unsigned char)s[i + 1]) || s[i + 1] == '~'))
            for (i += 2; i < n && (alpha((unsigned char)s[i]) || digit(s[i]) || s[i] == '~'); i++)
                ;
    }
    return prefix;
}

static int ver_order(int ch)
{
    if (digit(ch)) return 0;
    if (alpha(ch)) return ch;
    if (ch == '~') return -1;
    return ch + 256;
}

static int ver_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an || j < bn) {
        while ((i < an && !digit(a[i])) || (j < bn && !digit(b[j]))) {
            int ca = i < an ? ver_order((unsigned char)a[i]) : 0;
            int cb = j < bn ? ver_order((unsigned char)b[j]) : 0;
            if (ca != cb) return ca - cb;
            i++, j++;
        }
        while (i < an && a[i] == '0') i++;
        while (j < bn && b[j] == '0') j++;
        int first = 0;
        while (i < an && j < bn && digit(a[i]) && digit(b[j])) {
            if (!first) first = a[i] - b[j];
            i++, j++;
        }
        if (i < an && digit(a[i])) return 1;
        if (j < bn && digit(b[j])) return -1;
        if (first) return first;
    }
    return 0;
}

static int filevercmp(const char *a, const char *b)
{
    if (!*a) return *b ? -1 : 0;
    if (!*b) return 1;
    if (a[0] == '.' || b[0] == '.') {
        if (a[0] != '.') return 1;
        if (b[0] != '.') return -1;
        bool adot = !a[1], bdot = !b[1];
        if (adot || bdot) return adot == bdot ? 0 : adot ? -1 : 1;
        bool add = a[1] == '.' && !a[2], bdd = b[1] == '.' && !b[2];
        if (add || bdd) return add == bdd ? 0 : add ? -1 : 1;
    }
    size_t an = strlen(a), bn = strlen(b);
    size_t ap = prefix_len(a, an), bp = prefix_len(b, bn);
    int r = ver_cmp(a, ap, b, bp);
    if (r || (ap == an && bp == bn)) return r;
    return ver_cmp(a, an, b, bn);
}

static const char *extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot : "";
}

static bool is_dir_ent(const fent *f)
{
    if (!f->ok) return false;
    if (VK_S_ISDIR(f->st.mode)) return true;
    return VK_S_ISLNK(f->st.mode) && f->tok && VK_S_ISDIR(f->tst.mode);
}

static size_t disp_width(const ls *L, const flist *l, const fent *f)
{
    return f->dlen + (pad_name(L, l, f) ? 1 : 0);
}

static int cmp_ent(const ls *L, const flist *l, const fent *a, const fent *b)
{
    if (L->group_dirs) {
        bool da = is_dir_ent(a), db = is_dir_ent(b);
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
    case SORT_VERSION: r = filevercmp(a->name, b->name); break;
    case SORT_WIDTH: {
        size_t wa = disp_width(L, l, a), wb = disp_width(L, l, b);
        if (wa != wb) r = wa < wb ? -1 : 1;
        break;
    }
    default: break;
    }
    if (r == 0) r = strcmp(a->name, b->name);
    return L->reverse ? -r : r;
}

/* qsort has no context argument: a merge sort keeps ls reentrant (VMs run on many threads at
 * once) and stable. */
static void sort_list(ls *L, flist *l)
{
    if (L->sort == SORT_NONE || l->n < 2) return;
    if (L->sort == SORT_WIDTH) prepare(L, l);
    fent *tmp = vl_xmalloc(L->c, l->n * sizeof *tmp);
    for (size_t w = 1; w < l->n; w *= 2) {
        for (size_t lo = 0; lo < l->n; lo += 2 * w) {
            size_t mid = lo + w < l->n ? lo + w : l->n;
            size_t hi = lo + 2 * w < l->n ? lo + 2 * w : l->n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = cmp_ent(L, l, &l->v[j], &l->v[i]) < 0 ? l->v[j++] : l->v[i++];
            while (i < mid) tmp[k++] = l->v[i++];
            while (j < hi) tmp[k++] = l->v[j++];
        }
        memcpy(l->v, tmp, l->n * sizeof *tmp);
    }
    vl_xfree(L->c, tmp);
}

/* ---- formatting pieces ---- */

static const char *blocks_str(const ls *L, char *buf, uint64_t blocks512)
{
    return vl_human(buf, blocks512, L->human_opts, 512, L->block_size);
}

static bool is_dev(uint32_t mode)
{
    return VK_S_ISCHR(mode) || (mode & VK_S_IFMT) == VK_S_IFBLK;
}

static const char *size_str(const ls *L, char *buf, const fent *f)
{
    return vl_human(buf, f->st.size, L->file_human_opts, 1, L->file_block_size);
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

/* name (NULL: use the number) */
static const char *owner_name(ls *L, unsigned uid)
{
    return L->numeric ? NULL : vl_ids_user(L->ids, uid);
}

static const char *group_name(ls *L, unsigned gid)
{
    return L->numeric ? NULL : vl_ids_group(L->ids, gid);
}

static size_t num_width(uint64_t v)
{
    size_t w = 1;
    while (v >= 10) v /= 10, w++;
    return w;
}

static size_t id_width(const char *name, unsigned id)
{
    return name ? strlen(name) : num_width(id);
}

/* GNU: a name left-aligned, a number right-aligned, then a space */
static void put_id(ls *L, const char *name, unsigned id, size_t width)
{
    if (name) {
        vl_puts(L->c, name);
        size_t n = strlen(name);
        spaces(L, (n < width ? width - n : 0) + 1);
    } else {
        char b[16];
        snprintf(b, sizeof b, "%u", id);
        put_right(L, b, width);
        vl_putc(L->c, ' ');
    }
}

/* The time column of -l into L->tmp (NUL-terminated). GNU prints the raw seconds when the
 * date does not fit a struct tm. */
static const char *format_time(ls *L, int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) frac += 1000000000, sec--;
    if (ns > L->now_ns) L->now_ns = vk_time_ns(L->c->p); /* a file from "the future"? */
    /* recent: within the last half of an average Gregorian year */
    const int64_t six_months = (int64_t)(31556952 / 2) * 1000000000;
    bool recent = ns > L->now_ns - six_months && ns < L->now_ns;
    L->tmp.len = 0;
    vl_tm tm;
    if (vl_time_split(sec, (int32_t)frac, &L->tz, &tm)) {
        vl_strftime_buf(L->c, &L->tmp, L->tfmt[recent], &tm);
    } else {
        /* right-aligned to the width of a formatted time */
        vl_tm epoch;
        vl_time_split(0, 0, &L->tz, &epoch);
        size_t w = vl_strftime(NULL, 0, L->tfmt[0], &epoch);
        char num[32];
        int n = snprintf(num, sizeof num, "%" PRId64, sec);
        for (size_t i = (size_t)n; i < w; i++) vl_buf_addc(L->c, &L->tmp, ' ');
        vl_buf_add(L->c, &L->tmp, num, (size_t)n);
    }
    vl_buf_addc(L->c, &L->tmp, '\0');
    return L->tmp.data;
}

/* ---- GNU's column layout ---- */

typedef struct widths {
    size_t inode, blocks;
} widths;

static widths prefix_widths(const ls *L, const flist *l)
{
    widths w = {0, 0};
    char b[VL_HUMAN_BUFSIZE];
    for (size_t i = 0; i < l->n; i++) {
        const fent *f = &l->v[i];
        if (L->inode) {
            size_t n = f->ok ? num_width(f->st.ino) : 1;
            if (n > w.inode) w.inode = n;
        }
        if (L->size) {
            size_t n = f->ok ? strlen(blocks_str(L, b, f->st.blocks)) : 1;
            if (n > w.blocks) w.blocks = n;
        }
    }
    return w;
}

/* Print the name with inode/blocks prefixes and indicator; returns the width printed. */
static size_t print_name(ls *L, const flist *l, const fent *f, const widths *w, bool pad)
{
    vl_ctx *c = L->c;
    size_t len = 0;
    char b[VL_HUMAN_BUFSIZE];
    if (L->inode) {
        char nb[32];
        if (f->ok) snprintf(nb, sizeof nb, "%" PRIu64, f->st.ino);
        else snprintf(nb, sizeof nb, "?");
        put_right(L, nb, pad ? w->inode : 0);
        vl_putc(c, ' ');
        len += (pad && w->inode > strlen(nb) ? w->inode : strlen(nb)) + 1;
    }
    if (L->size) {
        const char *s = f->ok ? blocks_str(L, b, f->st.blocks) : "?";
        put_right(L, s, pad ? w->blocks : 0);
        vl_putc(c, ' ');
        len += (pad && w->blocks > strlen(s) ? w->blocks : strlen(s)) + 1;
    }
    if (pad_name(L, l, f)) {
        vl_putc(c, ' ');
        len++;
    }
    vl_write(c, f->disp, f->dlen);
    len += f->dlen;
    char ind = f->ok ? indicator(L, f->st.mode) : 0;
    if (ind) {
        vl_putc(c, ind);
        len++;
    }
    return len;
}

static size_t name_len(const ls *L, const flist *l, const fent *f, const widths *w)
{
    size_t len = disp_width(L, l, f);
    if (L->inode) len += w->inode + 1;
    if (L->size) len += w->blocks + 1;
    if (f->ok && indicator(L, f->st.mode)) len++;
    return len;
}

/* Move from column `from` to column `to` with tabs where they fit (GNU's indent()). */
static void indent(ls *L, size_t from, size_t to)
{
    while (from < to) {
        /* GNU uses no tabs when the width is unlimited */
        if (L->tabsize && L->width && to / L->tabsize > (from + 1) / L->tabsize) {
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
    for (size_t i = 0; i < n; i++) len[i] = name_len(L, l, &l->v[i], &w);
    size_t max_cols = L->width ? L->width / 3 + (L->width % 3 != 0) : n;
    if (max_cols > n) max_cols = n;
    size_t *cw = vl_xmalloc(L->c, max_cols * sizeof *cw);
    size_t cols = max_cols;
    /* GNU tries every column count at once; trying from the widest down gives the same
     * answer, and each try is linear: bound the work for huge directories */
    for (; cols > 1; cols--) {
        if (layout(len, n, cols, across, L->width, cw)) break;
        if ((cols & 63) == 0) vk_steps(L->c->p, n);
    }
    layout(len, n, cols, across, L->width, cw);
    if (!across) {
        size_t rows = (n + cols - 1) / cols;
        for (size_t r = 0; r < rows; r++) {
            size_t pos = 0;
            for (size_t col = 0, f = r; f < n; col++) {
                size_t nl = print_name(L, l, &l->v[f], &w, true);
                f += rows;
                if (f >= n) break;
                indent(L, pos + nl, pos + cw[col]);
                pos += cw[col];
            }
            vl_putc(L->c, L->eol);
        }
    } else {
        size_t pos = 0, nl = 0;
        for (size_t f = 0; f < n; f++) {
            size_t col = f % cols;
            if (f > 0) {
                if (col == 0) {
                    vl_putc(L->c, L->eol);
                    pos = 0;
                } else {
                    indent(L, pos + nl, pos + cw[col - 1]);
                    pos += cw[col - 1];
                }
            }
            nl = print_name(L, l, &l->v[f], &w, true);
        }
        vl_putc(L->c, L->eol);
    }
    vl_xfree(L->c, cw);
    vl_xfree(L->c, len);
}

static void print_commas(ls *L, const flist *l)
{
    widths w = prefix_widths(L, l);
    size_t pos = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t len = name_len(L, l, &l->v[i], &w);
        if (i > 0) {
            if (!L->width || pos + len + 2 < L->width) {
                vl_puts(L->c, ", ");
                pos += 2;
            } else {
                vl_putc(L->c, ',');
                vl_putc(L->c, L->eol);
                pos = 0;
            }
        }
        print_name(L, l, &l->v[i], &w, false);
        pos += len;
    }
    if (l->n) vl_putc(L->c, L->eol);
}

static void print_long(ls *L, const flist *l)
{
    vl_ctx *c = L->c;
    widths w = prefix_widths(L, l);
    size_t wlink = 0, wown = 0, wgrp = 0, wauth = 0, wsize = 0, wmaj = 0, wmin = 0;
    char b[VL_HUMAN_BUFSIZE];
    for (size_t i = 0; i < l->n; i++) {
        const fent *f = &l->v[i];
        if (!f->ok) {
            /* the '?' columns are one wide */
            if (wlink < 1) wlink = 1;
            if (wown < 1) wown = 1;
            if (wgrp < 1) wgrp = 1;
            if (wsize < 1) wsize = 1;
            continue;
        }
        if (num_width(f->st.nlink) > wlink) wlink = num_width(f->st.nlink);
        size_t n = id_width(owner_name(L, f->st.uid), f->st.uid);
        if (n > wown) wown = n;
        if (n > wauth) wauth = n;
        n = id_width(group_name(L, f->st.gid), f->st.gid);
        if (n > wgrp) wgrp = n;
        if (is_dev(f->st.mode)) {
            if (num_width(dev_major(f->st.rdev)) > wmaj) wmaj = num_width(dev_major(f->st.rdev));
            if (num_width(dev_minor(f->st.rdev)) > wmin) wmin = num_width(dev_minor(f->st.rdev));
        } else {
            n = strlen(size_str(L, b, f));
            if (n > wsize) wsize = n;
        }
    }
    if (wmaj && wmaj + 2 + wmin > wsize) wsize = wmaj + 2 + wmin;
    if (wmaj && wsize > wmaj + 2 + wmin) wmaj = wsize - 2 - wmin;
    for (size_t i = 0; i < l->n; i++) {
        const fent *f = &l->v[i];
        if (L->inode) {
            char nb[32];
            if (f->ok) snprintf(nb, sizeof nb, "%" PRIu64, f->st.ino);
            else snprintf(nb, sizeof nb, "?");
            put_right(L, nb, w.inode);
            vl_putc(c, ' ');
        }
        if (L->size) {
            put_right(L, f->ok ? blocks_str(L, b, f->st.blocks) : "?", w.blocks);
            vl_putc(c, ' ');
        }
        if (!f->ok) {
            /* what GNU shows for an entry it could not stat */
            vl_putc(c, f->qtype ? f->qtype : '?');
            vl_puts(c, "????????? ");
            put_right(L, "?", wlink);
            vl_putc(c, ' ');
            if (L->show_owner) put_id(L, "?", 0, wown);
            if (L->show_group) put_id(L, "?", 0, wgrp);
            if (L->show_author) put_id(L, "?", 0, wauth);
            put_right(L, "?", wsize);
            vl_putc(c, ' ');
            vl_tm epoch;
            vl_time_split(0, 0, &L->tz, &epoch);
            put_right(L, "?", vl_strftime(NULL, 0, L->tfmt[0], &epoch));
            vl_putc(c, ' ');
            if (pad_name(L, l, f)) vl_putc(c, ' ');
            vl_write(c, f->disp, f->dlen);
            vl_putc(c, L->eol);
            continue;
        }
        char mode[11];
        vl_mode_string(f->st.mode, mode);
        vl_puts(c, mode);
        vl_putc(c, ' ');
        snprintf(b, sizeof b, "%" PRIu32, f->st.nlink);
        put_right(L, b, wlink);
        vl_putc(c, ' ');
        if (L->show_owner) put_id(L, owner_name(L, f->st.uid), f->st.uid, wown);
        if (L->show_group) put_id(L, group_name(L, f->st.gid), f->st.gid, wgrp);
        if (L->show_author) put_id(L, owner_name(L, f->st.uid), f->st.uid, wauth);
        if (is_dev(f->st.mode)) {
            snprintf(b, sizeof b, "%u", dev_major(f->st.rdev));
            put_right(L, b, wmaj);
            vl_puts(c, ", ");
            snprintf(b, sizeof b, "%u", dev_minor(f->st.rdev));
            put_right(L, b, wmin);
        } else {
            put_right(L, size_str(L, b, f), wsize);
        }
        vl_putc(c, ' ');
        vl_puts(c, format_time(L, sel_time(L, &f->st)));
        vl_putc(c, ' ');
        if (pad_name(L, l, f)) vl_putc(c, ' ');
        vl_write(c, f->disp, f->dlen);
        if (f->link) {
            vl_puts(c, " -> ");
            L->tmp.len = 0;
            quote_into(L, &L->tmp, f->link, L->name_extra);
            vl_write(c, L->tmp.data, L->tmp.len);
            if (f->tok && L->ind != IND_NONE) {
                char ind = indicator(L, f->tst.mode);
                if (ind) vl_putc(c, ind);
            }
        } else {
            char ind = indicator(L, f->st.mode);
            if (ind) vl_putc(c, ind);
        }
        vl_putc(c, L->eol);
    }
}

static void print_list(ls *L, flist *l)
{
    prepare(L, l);
    switch (L->format) {
    case FMT_LONG: print_long(L, l); break;
    case FMT_COLS: print_columns(L, l, false); break;
    case FMT_ACROSS: print_columns(L, l, true); break;
    case FMT_COMMAS: print_commas(L, l); break;
    default: {
        widths w = prefix_widths(L, l);
        for (size_t i = 0; i < l->n; i++) {
            print_name(L, l, &l->v[i], &w, true);
            vl_putc(L->c, L->eol);
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
    for (int i = 0; i < L->nignore; i++)
        if (vl_fnmatch(L->ignore[i], name, VL_FNM_PERIOD) == 0) return true;
    if (!L->all && !L->almost)
        for (int i = 0; i < L->nhide; i++)
            if (vl_fnmatch(L->hide[i], name, VL_FNM_PERIOD) == 0) return true;
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

/* A path below dir for messages and stat: GNU drops a "./" when dir is exactly "." (the -R
 * headers keep it: "./sub:"). */
static char *child_path(vl_ctx *c, const char *dir, const char *name)
{
    if (dir[0] == '.' && dir[1] == '\0') return vl_xstrdup(c, name);
    return vl_path_join(c, dir, name);
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
        L->tmp.len = 0;
        quote_into(L, &L->tmp, d->name, L->dir_extra);
        vl_write(c, L->tmp.data, L->tmp.len);
        vl_puts(c, ":\n");
    }
    L->first = false;
    flist l = {0};
    if (L->all) {
        static const char *const dots[] = {".", ".."};
        for (int i = 0; i < 2; i++) {
            bool skip = false;
            for (int k = 0; k < L->nignore && !skip; k++)
                skip = vl_fnmatch(L->ignore[k], dots[i], VL_FNM_PERIOD) == 0;
            if (skip) continue;
            fent f = {0};
            f.name = vl_xstrdup(c, dots[i]);
            f.path = child_path(c, d->path, dots[i]);
            f.dot = true;
            fill(L, &f, L->deref == DEREF_ALL, false);
            add(L, &l, &f);
        }
    }
    for (size_t i = 0; i < nm.n; i++) {
        if ((i & 1023) == 1023) vk_steps(c->p, 1024);
        if (ignored(L, nm.v[i])) continue;
        fent f = {0};
        f.name = nm.v[i];
        nm.v[i] = NULL; /* the entry owns the name now */
        f.path = child_path(c, d->path, f.name);
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
        char b[VL_HUMAN_BUFSIZE];
        vl_puts(c, "total ");
        vl_puts(c, blocks_str(L, b, total));
        vl_putc(c, L->eol);
    }
    print_list(L, &l);
    if (L->recursive) {
        /* pushed in reverse so the stack pops them in listing order */
        for (size_t i = l.n; i > 0; i--) {
            fent *f = &l.v[i - 1];
            if (f->dot || !f->ok || !VK_S_ISDIR(f->st.mode)) continue;
            char *sub = vl_path_join(c, d->path, f->name);
            pending p = {sub, vl_xstrdup(c, sub), d->depth + 1, false, f->st.dev, f->st.ino};
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
    /* an unambiguous abbreviation, as argmatch allows */
    int found = -1;
    bool ambiguous = false;
    size_t n = strlen(arg);
    for (int i = 0; words[i]; i++) {
        if (strncmp(arg, words[i], n) != 0) continue;
        if (found < 0) found = i;
        else if (vals[found] != vals[i]) ambiguous = true;
    }
    if (found >= 0 && !ambiguous) return vals[found];
    vl_error(c, "%s argument %s for %s", ambiguous ? "ambiguous" : "invalid",
             vl_quote_always(c, arg), vl_quote_always(c, what));
    vl_eprintf(c, "Valid arguments are:\n");
    for (int i = 0; words[i]; i++) {
        /* GNU groups synonyms on one line */
        if (i > 0 && vals[i] == vals[i - 1]) vl_eprintf(c, ", '%s'", words[i]);
        else vl_eprintf(c, "%s  - '%s'", i ? "\n" : "", words[i]);
    }
    vl_eprintf(c, "\nTry '%s --help' for more information.\n", c->name);
    vl_exit(c, 1); /* GNU's argmatch failure status, even in ls */
}

static size_t parse_width(const char *s, bool *ok)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    *ok = *s >= '0' && *s <= '9' && *end == '\0' && v <= (1ull << 31);
    return (size_t)v;
}

/* The locale's name for category (LC_ALL, then LC_x, then LANG): "C" when none is set. */
static const char *locale_of(vl_ctx *c, const char *category)
{
    const char *v = vk_getenv(c->p, "LC_ALL");
    if (!v || !*v) v = vk_getenv(c->p, category);
    if (!v || !*v) v = vk_getenv(c->p, "LANG");
    return v && *v ? v : "C";
}

static void time_style(ls *L, vl_ctx *c, const char *s, bool from_env)
{
    /* "posix-STYLE" means the locale's style in the POSIX locale, STYLE elsewhere */
    while (strncmp(s, "posix-", 6) == 0) {
        const char *lc = locale_of(c, "LC_TIME");
        if (strcmp(lc, "C") == 0 || strcmp(lc, "POSIX") == 0) return;
        s += 6;
    }
    if (s[0] == '+') {
        char *fmt = vl_xstrdup(c, s + 1);
        char *nl = strchr(fmt, '\n');
        if (nl) *nl = '\0';
        L->tfmt[0] = fmt;
        L->tfmt[1] = nl ? nl + 1 : fmt;
        return;
    }
    if (strcmp(s, "full-iso") == 0) {
        L->tfmt[0] = L->tfmt[1] = "%Y-%m-%d %H:%M:%S.%N %z";
    } else if (strcmp(s, "long-iso") == 0) {
        L->tfmt[0] = L->tfmt[1] = "%Y-%m-%d %H:%M";
    } else if (strcmp(s, "iso") == 0) {
        L->tfmt[0] = "%Y-%m-%d ";
        L->tfmt[1] = "%m-%d %H:%M";
    } else if (strcmp(s, "locale") != 0) {
        (void)from_env;
        vl_error(c, "invalid argument %s for %s", vl_quote_always(c, s),
                 vl_quote_always(c, "time style"));
        vl_eprintf(c, "Valid arguments are:\n"
                      "  - [posix-]full-iso\n"
                      "  - [posix-]long-iso\n"
                      "  - [posix-]iso\n"
                      "  - [posix-]locale\n"
                      "  - +FORMAT (e.g., +%%H:%%M) for a 'date'-style format\n"
                      "Try '%s --help' for more information.\n",
                   c->name);
        vl_exit(c, 2);
    }
}

static void set_bit(uint32_t *m, unsigned char ch)
{
    m[ch / 32] |= 1u << (ch % 32);
}

static void setup(ls *L, vl_ctx *c, int argc, char **argv)
{
    L->c = c;
    L->first = true;
    L->eol = '\n';
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
        last = vl_last(c, OPT_FORMAT);
    }
    /* -f turns an earlier -l (and -s) off */
    if (vl_has(c, 'f') && L->format == FMT_LONG && vl_last(c, 'f') > last) L->format = FMT_ONE;
    if (vl_has(c, OPT_ZERO)) {
        L->eol = '\0';
        if (!last) L->format = FMT_ONE;
    }

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
    L->size = vl_has(c, 's') && !(vl_has(c, 'f') && vl_last(c, 'f') > vl_last(c, 's'));
    L->numeric = vl_has(c, 'n');
    L->show_owner = !vl_has(c, 'g');
    L->show_group = !vl_has(c, 'o') && !vl_has(c, 'G');
    L->show_author = vl_has(c, OPT_AUTHOR);
    L->group_dirs = vl_has(c, OPT_GROUP_DIRS);

    /* sizes: the last of -h, --si, --block-size; else LS_BLOCK_SIZE / BLOCK_SIZE; -k only
     * sets the unit of blocks when nothing else did */
    L->file_block_size = 1;
    L->file_human_opts = 0;
    last = 0;
    int which = 0;
    if (vl_last(c, 'h') > last) last = vl_last(c, 'h'), which = 'h';
    if (vl_last(c, OPT_SI) > last) last = vl_last(c, OPT_SI), which = OPT_SI;
    if (vl_last(c, OPT_BLOCK_SIZE) > last) last = vl_last(c, OPT_BLOCK_SIZE), which = OPT_BLOCK_SIZE;
    if (which == 'h' || which == OPT_SI) {
        L->human_opts = VL_HUMAN_AUTOSCALE | VL_HUMAN_SI | (which == 'h' ? VL_HUMAN_BASE_1024 : 0);
        L->block_size = 1;
        L->file_human_opts = L->human_opts;
        L->file_block_size = 1;
    } else if (which == OPT_BLOCK_SIZE) {
        const char *spec = vl_arg(c, OPT_BLOCK_SIZE);
        int rc = vl_block_size(c, spec, NULL, &L->human_opts, &L->block_size);
        if (rc < 0) vl_block_size_die(c, rc, "--block-size", spec, 2);
        L->file_human_opts = L->human_opts;
        L->file_block_size = L->block_size;
    } else {
        const char *env = vk_getenv(c->p, "LS_BLOCK_SIZE");
        int rc = vl_block_size(c, NULL, "LS_BLOCK_SIZE", &L->human_opts, &L->block_size);
        if (rc == 0 && (env || vk_getenv(c->p, "BLOCK_SIZE"))) {
            L->file_human_opts = L->human_opts;
            L->file_block_size = L->block_size;
        }
        if (vl_has(c, 'k')) {
            L->human_opts = 0;
            L->block_size = 1024;
        }
    }

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

    /* quoting: the last of -b -N -Q --quoting-style, else QUOTING_STYLE, else literal (the
     * output is never a terminal) */
    last = 0;
    L->qstyle = VL_QS_LITERAL;
    const char *qenv = vk_getenv(c->p, "QUOTING_STYLE");
    if (qenv) {
        int s = vl_quoting_style(qenv);
        if (s >= 0) L->qstyle = s;
        else
            vl_eprintf(c, "%s: ignoring invalid value of environment variable QUOTING_STYLE: %s\n",
                       c->name, vl_quote_always(c, qenv));
    }
    if (vl_last(c, 'b') > last) last = vl_last(c, 'b'), L->qstyle = VL_QS_ESCAPE;
    if (vl_last(c, 'N') > last) last = vl_last(c, 'N'), L->qstyle = VL_QS_LITERAL;
    if (vl_last(c, 'Q') > last) last = vl_last(c, 'Q'), L->qstyle = VL_QS_C;
    if (vl_last(c, OPT_QUOTING_STYLE) > last) {
        static const int v[] = {VL_QS_LITERAL, VL_QS_SHELL, VL_QS_SHELL_ALWAYS,
                                VL_QS_SHELL_ESCAPE, VL_QS_SHELL_ESCAPE_ALWAYS, VL_QS_C,
                                VL_QS_C_MAYBE, VL_QS_ESCAPE, VL_QS_LOCALE, VL_QS_CLOCALE};
        L->qstyle = pick("--quoting-style", vl_arg(c, OPT_QUOTING_STYLE),
                         vl_quoting_style_names, v, c);
    }
    if (vl_has(c, OPT_ZERO)) L->qstyle = VL_QS_LITERAL;
    L->qmark = vl_has(c, 'q') && vl_last(c, 'q') > vl_last(c, OPT_SHOW_CONTROL) &&
               !vl_has(c, OPT_ZERO);
    if (L->qstyle == VL_QS_ESCAPE) set_bit(L->name_extra, ' ');
    if (L->ind >= IND_FILE_TYPE)
        for (const char *p = L->ind == IND_FILE_TYPE ? "*=>@|" : "=>@|"; *p; p++)
            set_bit(L->name_extra, (unsigned char)*p);
    set_bit(L->dir_extra, ':');
    L->align_quotes = (L->format == FMT_LONG || L->format == FMT_COLS || L->format == FMT_ACROSS) &&
                      (L->qstyle == VL_QS_SHELL || L->qstyle == VL_QS_SHELL_ESCAPE ||
                       L->qstyle == VL_QS_C_MAYBE);

    /* dereferencing */
    if (vl_has(c, 'L')) L->deref = DEREF_ALL;
    else if (vl_has(c, 'H')) L->deref = DEREF_ARGS;
    else if (vl_has(c, OPT_DEREF_CMDLINE_DIR) ||
             !(L->dirs_only || L->format == FMT_LONG || L->ind == IND_CLASSIFY))
        L->deref = DEREF_ARGS_DIRS;
    else L->deref = DEREF_NONE;

    /* time style: only looked at for -l, as GNU does */
    L->tfmt[0] = "%b %e  %Y";
    L->tfmt[1] = "%b %e %H:%M";
    if (L->format == FMT_LONG) {
        if (vl_has(c, OPT_FULL_TIME) && vl_last(c, OPT_FULL_TIME) > vl_last(c, OPT_TIME_STYLE)) {
            time_style(L, c, "full-iso", false);
        } else if (vl_has(c, OPT_TIME_STYLE)) {
            time_style(L, c, vl_arg(c, OPT_TIME_STYLE), false);
        } else {
            const char *env = vk_getenv(c->p, "TIME_STYLE");
            if (env) time_style(L, c, env, true);
        }
    }
    vl_tz_from_env(c, &L->tz);

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
        L->tabsize = parse_width(vl_arg(c, 'T'), &ok);
        if (!ok) vl_die(c, 2, "invalid tab size: %s", vl_quote_always(c, vl_arg(c, 'T')));
    }
    L->width = 80;
    if (vl_has(c, 'w')) {
        bool ok;
        L->width = parse_width(vl_arg(c, 'w'), &ok);
        if (!ok) vl_die(c, 2, "invalid line width: %s", vl_quote_always(c, vl_arg(c, 'w')));
    } else {
        const char *env = vk_getenv(c->p, "COLUMNS");
        if (env && *env) {
            bool ok;
            size_t v = parse_width(env, &ok);
            if (ok) L->width = v;
            else
                vl_eprintf(c, "%s: ignoring invalid width in environment variable COLUMNS: %s\n",
                           c->name, vl_quote_always(c, env));
        }
    }

    /* -I, --hide and -B patterns: every one given counts */
    const char **pats;
    int n = vl_opt_all(c, argc, argv, 'I', &pats);
    L->ignore = vl_xmalloc(c, (size_t)(n + 2) * sizeof *L->ignore);
    for (int i = 0; i < n; i++) L->ignore[L->nignore++] = pats[i];
    if (vl_has(c, 'B')) {
        L->ignore[L->nignore++] = "*~";
        L->ignore[L->nignore++] = ".*~";
    }
    L->nhide = vl_opt_all(c, argc, argv, OPT_HIDE, &L->hide);
    L->ids = vl_ids_new(c);
    L->now_ns = vk_time_ns(c->p);
}

static int ls_main(vl_ctx *c, int argc, char **argv)
{
    /* vl_getopt permutes argv; -I and --hide are read again from the original order */
    char **orig = vl_xmalloc(c, (size_t)(argc + 1) * sizeof *orig);
    memcpy(orig, argv, (size_t)(argc + 1) * sizeof *orig);
    int n = vl_getopt(c, argc, argv);
    ls L = {0};
    setup(&L, c, argc, orig);
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
            free_ent(&L, &f);
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
    vl_buf_free(c, &L.tmp);
    return c->status;
}

VL_COMMAND(ls, ls_main, ls_opts, "[OPTION]... [FILE]...",
           "List information about the FILEs (the current directory by default).\n"
           "Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.",
           0, 2);
