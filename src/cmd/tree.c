/* tree: list contents of directories in a tree-like format (tree 2.1.0: -a -d -l -f -x -L -P -I
 * --ignore-case --prune --noreport -i -q -N -Q -p -u -g -s -h --si --du -D --timefmt -F --inodes
 * --device -v -t -c -U -r --dirsfirst --filesfirst --sort -n --charset -J -o --filelimit).
 * The lines are ASCII ("|-- ") unless the locale is UTF-8 ("├── "), as tree draws them; names
 * are escaped the way tree does in each. Not supported: HTML (-H) and XML (-X) output, colors
 * (-C), --gitignore, --fromfile, -R. */
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_NOREPORT = 256,
    OPT_IGNORE_CASE,
    OPT_PRUNE,
    OPT_CHARSET,
    OPT_SI,
    OPT_DU,
    OPT_TIMEFMT,
    OPT_INODES,
    OPT_DEVICE,
    OPT_DIRSFIRST,
    OPT_FILESFIRST,
    OPT_SORT,
    OPT_FILELIMIT,
    OPT_VERSION2,
};

static const vl_opt tree_opts[] = {
    {'a', NULL, VL_NOARG, NULL, "All files are listed."},
    {'d', NULL, VL_NOARG, NULL, "List directories only."},
    {'l', NULL, VL_NOARG, NULL, "Follow symbolic links like directories."},
    {'f', NULL, VL_NOARG, NULL, "Print the full path prefix for each file."},
    {'x', NULL, VL_NOARG, NULL, "Stay on current filesystem only."},
    {'L', NULL, VL_ARG, "level", "Descend only level directories deep."},
    {'P', NULL, VL_ARG, "pattern", "List only those files that match the pattern given."},
    {'I', NULL, VL_ARG, "pattern", "Do not list files that match the given pattern."},
    {OPT_IGNORE_CASE, "ignore-case", VL_NOARG, NULL, "Ignore case when pattern matching."},
    {OPT_PRUNE, "prune", VL_NOARG, NULL, "Prune empty directories from the output."},
    {OPT_NOREPORT, "noreport", VL_NOARG, NULL, "Turn off file/directory count at end of tree listing."},
    {OPT_CHARSET, "charset", VL_ARG, "X", "Use charset X for terminal/HTML and indentation line output."},
    {OPT_FILELIMIT, "filelimit", VL_ARG, "#", "Do not descend dirs with more than # files in them."},
    {'o', NULL, VL_ARG, "filename", "Output to file instead of stdout."},
    {'q', NULL, VL_NOARG, NULL, "Print non-printable characters as '?'."},
    {'N', NULL, VL_NOARG, NULL, "Print non-printable characters as is."},
    {'Q', NULL, VL_NOARG, NULL, "Quote filenames with double quotes."},
    {'p', NULL, VL_NOARG, NULL, "Print the protections for each file."},
    {'u', NULL, VL_NOARG, NULL, "Displays file owner or UID number."},
    {'g', NULL, VL_NOARG, NULL, "Displays file group owner or GID number."},
    {'s', NULL, VL_NOARG, NULL, "Print the size in bytes of each file."},
    {'h', NULL, VL_NOARG, NULL, "Print the size in a more human readable way."},
    {OPT_SI, "si", VL_NOARG, NULL, "Like -h, but use in SI units (powers of 1000)."},
    {OPT_DU, "du", VL_NOARG, NULL, "Compute size of directories by their contents."},
    {'D', NULL, VL_NOARG, NULL, "Print the date of last modification or (-c) status change."},
    {OPT_TIMEFMT, "timefmt", VL_ARG, "fmt", "Print and format time according to the format <f>."},
    {'F', NULL, VL_NOARG, NULL, "Appends '/', '=', '*', '@', '|' or '>' as per ls -F."},
    {OPT_INODES, "inodes", VL_NOARG, NULL, "Print inode number of each file."},
    {OPT_DEVICE, "device", VL_NOARG, NULL, "Print device ID number to which each file belongs."},
    {'v', NULL, VL_NOARG, NULL, "Sort files alphanumerically by version."},
    {'t', NULL, VL_NOARG, NULL, "Sort files by last modification time."},
    {'c', NULL, VL_NOARG, NULL, "Sort files by last status change time."},
    {'U', NULL, VL_NOARG, NULL, "Leave files unsorted."},
    {'r', NULL, VL_NOARG, NULL, "Reverse the order of the sort."},
    {OPT_DIRSFIRST, "dirsfirst", VL_NOARG, NULL, "List directories before files (-U disables)."},
    {OPT_FILESFIRST, "filesfirst", VL_NOARG, NULL, "List files before directories (-U disables)."},
    {OPT_SORT, "sort", VL_ARG, "X", "Select sort: name,version,size,mtime,ctime."},
    {'n', NULL, VL_NOARG, NULL, "Turn colorization off always (-C overrides)."},
    {'i', NULL, VL_NOARG, NULL, "Don't print indentation lines."},
    {'J', NULL, VL_NOARG, NULL, "Prints out a JSON representation of the tree."},
    {OPT_VERSION2, "version", VL_NOARG, NULL, "Print version and exit."},
    {0, NULL, 0, NULL, NULL},
};

enum { S_NAME, S_VERSION, S_SIZE, S_MTIME, S_CTIME, S_NONE };

#define TREE_USAGE                                                                               \
    "[-acdfghilnpqrstuvxACDFJQNSUX] [-L level [-R]] [-H  baseHREF]\n"                            \
    "\t[-T title] [-o filename] [-P pattern] [-I pattern] [--gitignore]\n"                        \
    "\t[--gitfile[=]file] [--matchdirs] [--metafirst] [--ignore-case]\n"                          \
    "\t[--nolinks] [--hintro[=]file] [--houtro[=]file] [--inodes] [--device]\n"                   \
    "\t[--sort[=]<name>] [--dirsfirst] [--filesfirst] [--filelimit #] [--si]\n"                   \
    "\t[--du] [--prune] [--charset[=]X] [--timefmt[=]format] [--fromfile]\n"                      \
    "\t[--fflinks] [--info] [--infofile[=]file] [--noreport] [--version]\n"                       \
    "\t[--help] [--] [directory ...]"

/* tree's own answers to a bad option (it is not a GNU tool): checked before the usual parsing */
static void check_args(vl_ctx *c, int argc, char **argv)
{
    static const char *const longs[] = {"noreport", "ignore-case", "prune", "charset", "si", "du",
                                        "timefmt", "inodes", "device", "dirsfirst", "filesfirst",
                                        "sort", "filelimit", "version", "help", NULL};
    static const char *const long_args[] = {"charset", "timefmt", "sort", "filelimit", NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) return;
        if (a[0] != '-' || a[1] == '\0') continue;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            bool known = false, takes = false;
            for (int k = 0; longs[k]; k++)
                if (strlen(longs[k]) == n && !strncmp(longs[k], a + 2, n)) known = true;
            for (int k = 0; long_args[k]; k++)
                if (strlen(long_args[k]) == n && !strncmp(long_args[k], a + 2, n)) takes = true;
            if (!known) {
                vl_eprintf(c, "tree: Invalid argument `%s'.\nusage: tree %s\n", a, TREE_USAGE);
                vl_exit(c, 1);
            }
            if (takes && !eq) {
                if (i + 1 >= argc) {
                    vl_eprintf(c, "tree: Missing argument to --%.*s\n", (int)n, a + 2);
                    vl_exit(c, 1);
                }
                i++;
            }
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            if (!strchr("adlfxLPIoqNQpugshDFvtcUrniJ", *q)) {
                vl_eprintf(c, "tree: Invalid argument -`%c'.\nusage: tree %s\n", *q, TREE_USAGE);
                vl_exit(c, 1);
            }
            if (strchr("LPIo", *q)) {
                if (!q[1] && i + 1 >= argc) {
                    vl_eprintf(c, "tree: Missing argument to -%c option.\n", *q);
                    vl_exit(c, 1);
                }
                if (!q[1]) i++;
                break;
            }
        }
    }
}

typedef struct ent {
    char *name;  /* the directory entry (or the operand) */
    char *path;
    struct vk_stat st; /* lstat */
    bool ok;
    bool isdir;  /* a directory, or a link to one (counted and sorted as one) */
    bool descend;
    char *link;  /* a symlink's target */
    struct vk_stat tst;
    bool tok;
    uint64_t du; /* --du: the subtree's size */
} ent;

typedef struct elist {
    ent *v;
    size_t n;
} elist;

typedef struct memo {
    uint64_t dev, ino;
    int level, kind; /* kind 0: empty slot, 1: --prune's answer, 2: --du's */
    uint64_t value;
} memo;

typedef struct tree {
    vl_ctx *c;
    bool all, dirs_only, follow, full, xdev, prune, noreport, noindent, quote;
    bool perms, user, group, size, human, si, du, date, classify, inodes, device, json;
    int escape; /* 0 tree's default, 'q', 'N' */
    int max_level;  /* 0: none */
    const char **pats, **ipats;
    int npats, nipats;
    int fnm;
    int sort;
    bool reverse, dirsfirst, filesfirst, ctime_sort;
    long filelimit;
    const char *timefmt;
    bool utf8, ascii_lines;
    vl_ids *ids;
    vl_tz tz;
    int64_t now;
    uint64_t ndirs, nfiles;
    uint64_t du_total;
    uint64_t *visited; /* -l: (dev, ino) of every directory listed */
    size_t nvisited, capvisited;
    /* --prune and --du ask about a subtree once per level above it: remember the answers */
    struct memo *memo;
    size_t nmemo, capmemo;
    vl_buf out;      /* -o: the whole output, written at the end */
    int outfd;
    uint64_t root_dev;
} tree;

static void put(tree *T, const char *s, size_t n)
{
    if (T->outfd >= 0) vl_buf_add(T->c, &T->out, s, n);
    else vl_write(T->c, s, n);
}

static void puts_(tree *T, const char *s)
{
    put(T, s, strlen(s));
}

static void printf_(tree *T, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(tree *T, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    put(T, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- names ---- */

static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0xc2 || s[0] > 0xf4) return 0;
    int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* A name as tree prints it: -N raw; in the C locale \\, "\ ", C escapes and octal; in UTF-8
 * printable characters raw and octal for the rest; -q '?' for what would be octal. */
static void put_name(tree *T, const char *name)
{
    vl_buf b = {0};
    vl_ctx *c = T->c;
    if (T->quote) vl_buf_addc(c, &b, '"');
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned ch = *p;
        if (T->escape == 'N') {
            vl_buf_addc(c, &b, (char)ch);
            continue;
        }
        if (T->utf8) {
            int n = utf8_len(p);
            if (n > 1) {
                vl_buf_add(c, &b, p, (size_t)n);
                p += n - 1;
                continue;
            }
            if (ch >= 32 && ch < 127) {
                if (T->quote && (ch == '"' || ch == '\\')) vl_buf_addc(c, &b, '\\');
                vl_buf_addc(c, &b, (char)ch);
            } else if (T->escape == 'q') {
                vl_buf_addc(c, &b, '?');
            } else {
                vl_buf_printf(c, &b, "\\%03o", ch);
            }
            continue;
        }
        const char *esc = strchr("\aa\bb\ff\nn\rr\tt\vv", (int)ch);
        if (ch == '\\') vl_buf_adds(c, &b, "\\\\");
        else if (ch == ' ' && !T->quote) vl_buf_adds(c, &b, "\\ ");
        else if (ch == '"' && T->quote) vl_buf_adds(c, &b, "\\\"");
        else if (ch && esc && ch < 32) vl_buf_printf(c, &b, "\\%c", esc[1]);
        else if (ch >= 32 && ch < 127) vl_buf_addc(c, &b, (char)ch);
        else if (T->escape == 'q') vl_buf_addc(c, &b, '?');
        else vl_buf_printf(c, &b, "\\%03o", ch);
    }
    if (T->quote) vl_buf_addc(c, &b, '"');
    put(T, b.data, b.len);
    vl_buf_free(c, &b);
}

/* JSON string */
static void put_json(tree *T, const char *s)
{
    vl_buf b = {0};
    vl_ctx *c = T->c;
    vl_buf_addc(c, &b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') vl_buf_printf(c, &b, "\\%c", *p);
        else if (*p < 32) vl_buf_printf(c, &b, "\\u%04x", *p);
        else vl_buf_addc(c, &b, (char)*p);
    }
    vl_buf_addc(c, &b, '"');
    put(T, b.data, b.len);
    vl_buf_free(c, &b);
}

/* ---- patterns ("a*|b*") ---- */

static bool match_any(const tree *T, const char **pats, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        const char *p = pats[i];
        while (p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            char one[1024];
            if (len < sizeof one) {
                memcpy(one, p, len);
                one[len] = '\0';
                if (vl_fnmatch(one, name, T->fnm) == 0) return true;
            }
            p = bar ? bar + 1 : NULL;
        }
    }
    return false;
}

/* ---- gathering and sorting ---- */

static int ver_cmp(const char *a, const char *b)
{
    /* strverscmp's order for the common cases: digit runs compare as numbers */
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            const char *sa = a, *sb = b;
            while (*a == '0') a++;
            while (*b == '0') b++;
            const char *da = a, *db = b;
            while (*a >= '0' && *a <= '9') a++;
            while (*b >= '0' && *b <= '9') b++;
            size_t la = (size_t)(a - da), lb = (size_t)(b - db);
            if (la != lb) return la < lb ? -1 : 1;
            int r = memcmp(da, db, la);
            if (r) return r;
            if ((a - sa) != (b - sb)) return (a - sa) > (b - sb) ? -1 : 1;
            continue;
        }
        if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
        a++, b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int cmp(const tree *T, const ent *a, const ent *b)
{
    if (T->dirsfirst || T->filesfirst) {
        if (a->isdir != b->isdir) return (a->isdir == T->dirsfirst) ? -1 : 1;
    }
    int r = 0;
    switch (T->sort) {
    case S_VERSION: r = ver_cmp(a->name, b->name); break;
    case S_SIZE:
        r = a->st.size == b->st.size ? strcmp(a->name, b->name) : a->st.size < b->st.size ? 1 : -1;
        break;
    case S_MTIME:
    case S_CTIME: {
        int64_t ta = T->sort == S_MTIME ? a->st.mtime_ns : a->st.ctime_ns;
        int64_t tb = T->sort == S_MTIME ? b->st.mtime_ns : b->st.ctime_ns;
        r = ta == tb ? strcmp(a->name, b->name) : ta < tb ? -1 : 1;
        break;
    }
    default: r = strcmp(a->name, b->name); break;
    }
    return T->reverse ? -r : r;
}

static void sort_entries(tree *T, elist *l)
{
    if (l->n < 2 || (T->sort == S_NONE && !T->dirsfirst && !T->filesfirst)) return;
    ent *tmp = vl_xmalloc(T->c, l->n * sizeof *tmp);
    for (size_t w = 1; w < l->n; w *= 2) {
        for (size_t lo = 0; lo < l->n; lo += 2 * w) {
            size_t mid = lo + w < l->n ? lo + w : l->n, hi = lo + 2 * w < l->n ? lo + 2 * w : l->n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = cmp(T, &l->v[j], &l->v[i]) < 0 ? l->v[j++] : l->v[i++];
            while (i < mid) tmp[k++] = l->v[i++];
            while (j < hi) tmp[k++] = l->v[j++];
        }
        memcpy(l->v, tmp, l->n * sizeof *tmp);
    }
    vl_xfree(T->c, tmp);
}

static void fill(tree *T, ent *e)
{
    vl_ctx *c = T->c;
    e->ok = vk_lstat(c->p, e->path, &e->st) == 0;
    if (!e->ok) return;
    e->isdir = VK_S_ISDIR(e->st.mode);
    if (VK_S_ISLNK(e->st.mode)) {
        char buf[VK_PATH_MAX];
        ssize_t n = vk_readlink(c->p, e->path, buf, sizeof buf - 1);
        if (n >= 0) {
            buf[n] = '\0';
            e->link = vl_xstrdup(c, buf);
        }
        e->tok = vk_stat(c->p, e->path, &e->tst) == 0;
        if (e->tok && VK_S_ISDIR(e->tst.mode)) e->isdir = true;
    }
}

static void free_list(tree *T, elist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        vl_xfree(T->c, l->v[i].name);
        vl_xfree(T->c, l->v[i].path);
        vl_xfree(T->c, l->v[i].link);
    }
    vl_xfree(T->c, l->v);
    l->v = NULL;
    l->n = 0;
}

static bool has_visible(tree *T, const char *path, int level);

static size_t memo_slot(const tree *T, uint64_t dev, uint64_t ino, int level, int kind)
{
    uint64_t h = (ino * 0x9e3779b97f4a7c15ull) ^ (dev * 31 + (uint64_t)level * 7 + (uint64_t)kind);
    size_t i = (size_t)(h ^ (h >> 29)) & (T->capmemo - 1);
    while (T->memo[i].kind &&
           !(T->memo[i].dev == dev && T->memo[i].ino == ino && T->memo[i].level == level &&
             T->memo[i].kind == kind))
        i = (i + 1) & (T->capmemo - 1);
    return i;
}

static bool memo_get(tree *T, const char *path, int level, int kind, uint64_t *v)
{
    struct vk_stat st;
    if (!T->capmemo || vk_stat(T->c->p, path, &st) < 0) return false;
    memo *m = &T->memo[memo_slot(T, st.dev, st.ino, level, kind)];
    if (!m->kind) return false;
    *v = m->value;
    return true;
}

static void memo_put(tree *T, const char *path, int level, int kind, uint64_t v)
{
    struct vk_stat st;
    if (vk_stat(T->c->p, path, &st) < 0) return;
    if (2 * (T->nmemo + 1) > T->capmemo) {
        memo *old = T->memo;
        size_t oldcap = T->capmemo;
        T->capmemo = oldcap ? oldcap * 2 : 256;
        T->memo = vl_xcalloc(T->c, T->capmemo, sizeof *T->memo);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].kind)
                T->memo[memo_slot(T, old[i].dev, old[i].ino, old[i].level, old[i].kind)] = old[i];
        vl_xfree(T->c, old);
    }
    memo *m = &T->memo[memo_slot(T, st.dev, st.ino, level, kind)];
    if (!m->kind) T->nmemo++;
    *m = (memo){st.dev, st.ino, level, kind, v};
}

/* The entries of directory path that are shown (filters applied), sorted. */
static int read_dir(tree *T, const char *path, int level, elist *out)
{
    vl_ctx *c = T->c;
    out->v = NULL;
    out->n = 0;
    vl_names nm;
    int rc = vl_dir_names(c, path, &nm);
    if (rc < 0) return rc;
    size_t cap = 0;
    for (size_t i = 0; i < nm.n; i++) {
        const char *name = nm.v[i];
        if (!T->all && name[0] == '.') continue;
        ent e = {0};
        e.name = vl_xstrdup(c, name);
        e.path = vl_path_join(c, path, name);
        fill(T, &e);
        bool drop = false;
        if (T->dirs_only && !e.isdir) drop = true;
        if (!drop && T->nipats && match_any(T, T->ipats, T->nipats, name)) drop = true;
        /* -P: a directory stays (unless pruned), everything else must match */
        bool real_dir = e.ok && (VK_S_ISDIR(e.st.mode) || (T->follow && e.isdir));
        if (!drop && T->npats && !real_dir && !match_any(T, T->pats, T->npats, name)) drop = true;
        if (!drop && T->prune && real_dir && !has_visible(T, e.path, level + 1)) drop = true;
        if (drop) {
            vl_xfree(c, e.name);
            vl_xfree(c, e.path);
            vl_xfree(c, e.link);
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = vl_xrealloc(c, out->v, cap * sizeof *out->v);
        }
        out->v[out->n++] = e;
    }
    vl_names_free(c, &nm);
    sort_entries(T, out);
    return 0;
}

/* --prune: does directory path show anything below it? */
static bool has_visible(tree *T, const char *path, int level)
{
    if (T->max_level && level > T->max_level) return false;
    /* recursion bounded like the walk (the C stack of a VM thread is not large) */
    if (level > VL_WALK_MAXDEPTH || vk_stack_low()) return false;
    uint64_t known;
    if (memo_get(T, path, level, 1, &known)) return known != 0;
    elist l;
    if (read_dir(T, path, level, &l) < 0) return false;
    bool any = false;
    for (size_t i = 0; i < l.n && !any; i++) {
        bool real_dir = VK_S_ISDIR(l.v[i].st.mode) || (T->follow && l.v[i].isdir);
        if (!real_dir) any = true;
        else if (has_visible(T, l.v[i].path, level + 1)) any = true;
    }
    free_list(T, &l);
    memo_put(T, path, level, 1, any);
    return any;
}

/* ---- printing ---- */

static void human(tree *T, char *buf, size_t n, uint64_t size)
{
    unsigned base = T->si ? 1000 : 1024;
    const char *units = T->si ? "dkMGTPEZY" : "BKMGTPEZY";
    int idx = size < base ? 0 : 1;
    for (; size >= (uint64_t)base * base; idx++) size /= base;
    if (!idx) snprintf(buf, n, " %4d", (int)size);
    else snprintf(buf, n, size / base >= 10 ? " %3.0f%c" : " %3.1f%c", (float)size / (float)base,
                  units[idx]);
}

static void info(tree *T, const ent *e)
{
    vl_ctx *c = T->c;
    if (!(T->inodes || T->device || T->perms || T->user || T->group || T->size || T->human ||
          T->si || T->date))
        return;
    vl_buf b = {0};
    const struct vk_stat *st = &e->st;
    if (T->inodes) vl_buf_printf(c, &b, " %7llu", (unsigned long long)st->ino);
    if (T->device) vl_buf_printf(c, &b, " %3llu", (unsigned long long)st->dev);
    if (T->perms) {
        char m[11];
        vl_mode_string(st->mode, m);
        vl_buf_printf(c, &b, " %s", m);
    }
    if (T->user) {
        const char *u = vl_ids_user(T->ids, st->uid);
        if (u) vl_buf_printf(c, &b, " %-8.32s", u);
        else vl_buf_printf(c, &b, " %-8u", st->uid);
    }
    if (T->group) {
        const char *g = vl_ids_group(T->ids, st->gid);
        if (g) vl_buf_printf(c, &b, " %-8.32s", g);
        else vl_buf_printf(c, &b, " %-8u", st->gid);
    }
    uint64_t size = T->du && e->isdir ? e->du : st->size;
    if (T->human || T->si) {
        char h[32];
        human(T, h, sizeof h, size);
        vl_buf_adds(c, &b, h);
    } else if (T->size) {
        vl_buf_printf(c, &b, " %11llu", (unsigned long long)size);
    }
    if (T->date) {
        int64_t ns = T->ctime_sort ? st->ctime_ns : st->mtime_ns;
        int64_t sec = ns / 1000000000;
        if (ns % 1000000000 < 0) sec--;
        const char *fmt = T->timefmt;
        if (!fmt) fmt = sec > T->now || sec < T->now - 6 * 31 * 86400 ? "%b %e  %Y" : "%b %e %H:%M";
        vl_tm tm;
        vl_buf_addc(c, &b, ' ');
        if (vl_time_split(sec, 0, &T->tz, &tm)) vl_strftime_buf(c, &b, fmt, &tm);
    }
    put(T, "[", 1);
    put(T, b.data + 1, b.len - 1);
    put(T, "]  ", 3);
    vl_buf_free(c, &b);
}

static char indicator(const struct vk_stat *st)
{
    uint32_t m = st->mode;
    if (VK_S_ISDIR(m)) return '/';
    if (VK_S_ISLNK(m)) return '@';
    if (VK_S_ISFIFO(m)) return '|';
    if ((m & VK_S_IFMT) == VK_S_IFSOCK) return '=';
    if (VK_S_ISREG(m) && (m & 0111)) return '*';
    return 0;
}

/* name, link target, -F indicator */
static void entry_text(tree *T, const ent *e, const char *shown)
{
    put_name(T, shown);
    if (e->ok && VK_S_ISLNK(e->st.mode) && e->link) {
        puts_(T, " -> ");
        put_name(T, e->link);
        if (T->classify && e->tok) {
            char ind = indicator(&e->tst);
            if (ind && ind != '@') put(T, &ind, 1);
        }
    } else if (T->classify && e->ok) {
        char ind = indicator(&e->st);
        if (ind) put(T, &ind, 1);
    }
}

/* -- the walk: one frame per directory being listed -- */
typedef struct frame {
    elist l;
    size_t next;
    uint64_t dev, ino;
    char *dispath; /* -f: the path shown */
    size_t plen;   /* the indentation's length before this level */
} frame;

static const char *branch(tree *T, bool last)
{
    if (T->utf8 && !T->ascii_lines) return last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 ";
    return last ? "`-- " : "|-- ";
}

static const char *vert(tree *T, bool last)
{
    if (last) return "    ";
    if (T->utf8 && !T->ascii_lines) return "\xe2\x94\x82\xc2\xa0\xc2\xa0 ";
    return "|   ";
}

/* --du: the size of everything below path (apparent sizes, as tree sums them) */
static uint64_t du_size(tree *T, const char *path, int depth)
{
    if (depth > VL_WALK_MAXDEPTH || vk_stack_low()) return 0;
    uint64_t total = 0;
    if (memo_get(T, path, depth, 2, &total)) return total;
    elist l;
    if (read_dir(T, path, depth, &l) < 0) return 0;
    for (size_t i = 0; i < l.n; i++) {
        total += l.v[i].st.size;
        if (VK_S_ISDIR(l.v[i].st.mode)) total += du_size(T, l.v[i].path, depth + 1);
    }
    free_list(T, &l);
    memo_put(T, path, depth, 2, total);
    return total;
}

static bool visited(tree *T, uint64_t dev, uint64_t ino, bool add)
{
    for (size_t i = 0; i < T->nvisited; i++)
        if (T->visited[2 * i] == dev && T->visited[2 * i + 1] == ino) return true;
    if (add) {
        if (T->nvisited == T->capvisited) {
            T->capvisited = T->capvisited ? T->capvisited * 2 : 64;
            T->visited = vl_xrealloc(T->c, T->visited, T->capvisited * 2 * sizeof *T->visited);
        }
        T->visited[2 * T->nvisited] = dev;
        T->visited[2 * T->nvisited + 1] = ino;
        T->nvisited++;
    }
    return false;
}

static void list_root(tree *T, const char *arg)
{
    vl_ctx *c = T->c;
    ent root = {0};
    root.name = vl_xstrdup(c, arg);
    root.path = vl_xstrdup(c, arg);
    fill(T, &root);
    bool can_list = root.ok && (VK_S_ISDIR(root.st.mode) || (VK_S_ISLNK(root.st.mode) && root.isdir));
    if (T->du && can_list) root.du = root.st.size + du_size(T, arg, 1);
    elist l = {0};
    int rc = can_list ? read_dir(T, arg, 1, &l) : VOS_ENOTDIR;
    if (rc < 0) can_list = false;
    bool limited = can_list && T->filelimit && (long)l.n > T->filelimit;
    if (T->json) {
        if (root.ok) printf_(T, "  {\"type\":\"%s\"", can_list ? "directory" : "file");
        puts_(T, ",\"name\":");
        put_json(T, arg);
        if (!can_list) puts_(T, ",\"contents\":[{\"error\": \"error opening dir\"}\n\n  ]}");
        else if (!l.n || limited) puts_(T, "}");
        else puts_(T, ",\"contents\":[\n");
    } else {
        info(T, &root);
        put_name(T, arg);
        if (T->classify && can_list) put(T, "/", 1);
        if (!can_list) puts_(T, "  [error opening dir]");
        else if (limited) printf_(T, "  [%zu entries exceeds filelimit, not opening dir]", l.n);
        put(T, "\n", 1);
    }
    /* tree counts the top directory only when it shows something in it */
    if (!root.ok) c->status = 2;
    else if (!can_list) T->nfiles++;
    else if (l.n) T->ndirs++;
    T->root_dev = root.st.dev;
    if (T->follow && can_list) {
        struct vk_stat ds;
        if (vk_stat(c->p, arg, &ds) == 0) visited(T, ds.dev, ds.ino, true);
    }
    frame *stk = vl_xmalloc(c, 16 * sizeof *stk);
    size_t nstk = 0, cap = 16;
    vl_buf prefix = {0}; /* the indentation of the level below the top frame */
    if (can_list && l.n && !limited)
        stk[nstk++] = (frame){l, 0, root.st.dev, root.st.ino, vl_xstrdup(c, arg), 0};
    else
        free_list(T, &l);
    vl_xfree(c, root.name);
    vl_xfree(c, root.path);
    vl_xfree(c, root.link);
    /* depth-first without recursion */
    while (nstk > 0) {
        frame *f = &stk[nstk - 1];
        if (f->next >= f->l.n) {
            prefix.len = f->plen;
            free_list(T, &f->l);
            vl_xfree(c, f->dispath);
            nstk--;
            if (T->json) {
                put(T, "\n", 1);
                for (size_t k = 0; k <= nstk; k++) puts_(T, "  ");
                puts_(T, "]}");
            }
            continue;
        }
        ent *e = &f->l.v[f->next++];
        bool last = f->next == f->l.n;
        if ((f->next & 255) == 0) {
            int k = vk_steps(c->p, 256);
            if (k < 0 && k != VOS_EINTR) vl_exit(c, 1);
        }
        int level = (int)nstk; /* 1 for the root's entries */
        const char *shown = e->name;
        char *full = NULL;
        if (T->full) shown = full = vl_path_join(c, f->dispath, e->name);
        bool real_dir = e->ok && (VK_S_ISDIR(e->st.mode) || (T->follow && e->isdir));
        if (T->du && real_dir) e->du = e->st.size + du_size(T, e->path, level + 1);
        if (T->du) T->du_total += real_dir ? e->du : e->st.size;
        if (e->isdir) T->ndirs++;
        else T->nfiles++;
        if (T->json) {
            if (f->next > 1) puts_(T, ",\n");
            for (int k = 0; k <= level; k++) puts_(T, "  ");
            const char *type = !e->ok ? "error" : VK_S_ISLNK(e->st.mode) ? "link"
                                                : VK_S_ISDIR(e->st.mode) ? "directory"
                                                                         : "file";
            printf_(T, "{\"type\":\"%s\",\"name\":", type);
            put_json(T, shown);
            if (e->link) {
                puts_(T, ",\"target\":");
                put_json(T, e->link);
            }
            if (T->size || T->human || T->si)
                printf_(T, ",\"size\":%llu",
                        (unsigned long long)(T->du && real_dir ? e->du : e->st.size));
        } else {
            if (!T->noindent) {
                put(T, prefix.data, prefix.len);
                puts_(T, branch(T, last));
            }
            info(T, e);
            entry_text(T, e, shown);
        }
        bool descend = real_dir && !(T->max_level && level >= T->max_level) &&
                       !(T->xdev && e->st.dev != T->root_dev);
        if (descend && T->follow) {
            /* a followed link to a directory listed already is not listed again */
            const struct vk_stat *ds = VK_S_ISLNK(e->st.mode) ? &e->tst : &e->st;
            if (visited(T, ds->dev, ds->ino, true)) {
                descend = false;
                if (!T->json) puts_(T, "  [recursive, not followed]");
            }
        }
        elist sub = {0};
        if (descend) {
            if (read_dir(T, e->path, level + 1, &sub) < 0) {
                descend = false;
                if (T->json) puts_(T, ",\"error\":\"error opening dir\"");
                else puts_(T, "  [error opening dir]");
            } else if (T->filelimit && (long)sub.n > T->filelimit) {
                if (!T->json)
                    printf_(T, "  [%zu entries exceeds filelimit, not opening dir]", sub.n);
                free_list(T, &sub);
                descend = false;
            }
        }
        if (T->json) {
            if (descend && sub.n) puts_(T, ",\"contents\":[\n");
            else puts_(T, "}");
        } else {
            put(T, "\n", 1);
        }
        if (descend && sub.n && nstk < VL_WALK_MAXDEPTH) {
            size_t plen = prefix.len;
            if (!T->noindent) vl_buf_adds(c, &prefix, vert(T, last));
            if (nstk == cap) {
                cap *= 2;
                stk = vl_xrealloc(c, stk, cap * sizeof *stk);
            }
            struct vk_stat *ds = VK_S_ISLNK(e->st.mode) ? &e->tst : &e->st;
            stk[nstk++] = (frame){sub, 0, ds->dev, ds->ino,
                                  vl_xstrdup(c, T->full ? shown : e->name), plen};
        } else if (descend) {
            free_list(T, &sub);
        }
        vl_xfree(c, full);
    }
    vl_buf_free(c, &prefix);
    vl_xfree(c, stk);
}

static int tree_main(vl_ctx *c, int argc, char **argv)
{
    char **orig = vl_xmalloc(c, (size_t)(argc + 1) * sizeof *orig);
    memcpy(orig, argv, (size_t)(argc + 1) * sizeof *orig);
    check_args(c, argc, argv);
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, OPT_VERSION2)) {
        vl_puts(c, "tree v2.1.0 (vos) \xc2\xa9 1996 - 2022 by Steve Baker, Thomas Moore, Francesc "
                   "Rocher, Florian Sesser, Kyosuke Tokoro\n");
        return 0;
    }
    tree T = {0};
    T.c = c;
    T.outfd = -1;
    T.all = vl_has(c, 'a');
    T.dirs_only = vl_has(c, 'd');
    T.follow = vl_has(c, 'l');
    T.full = vl_has(c, 'f');
    T.xdev = vl_has(c, 'x');
    T.prune = vl_has(c, OPT_PRUNE);
    T.noreport = vl_has(c, OPT_NOREPORT);
    T.noindent = vl_has(c, 'i');
    T.quote = vl_has(c, 'Q');
    T.perms = vl_has(c, 'p');
    T.user = vl_has(c, 'u');
    T.group = vl_has(c, 'g');
    T.size = vl_has(c, 's');
    T.human = vl_has(c, 'h');
    T.si = vl_has(c, OPT_SI);
    T.du = vl_has(c, OPT_DU);
    if (T.du) T.size = true;
    T.date = vl_has(c, 'D') || vl_has(c, OPT_TIMEFMT);
    T.timefmt = vl_arg(c, OPT_TIMEFMT);
    T.classify = vl_has(c, 'F');
    T.inodes = vl_has(c, OPT_INODES);
    T.device = vl_has(c, OPT_DEVICE);
    T.json = vl_has(c, 'J');
    if (vl_has(c, 'q') || vl_has(c, 'N')) T.escape = vl_last(c, 'q') > vl_last(c, 'N') ? 'q' : 'N';
    if (vl_has(c, 'L')) {
        const char *s = vl_arg(c, 'L');
        char *end;
        long v = strtol(s, &end, 10);
        if (*end || v < 1) {
            vl_eprintf(c, "%s: Invalid level, must be greater than 0.\n", "tree");
            return 1;
        }
        T.max_level = v > 100000 ? 100000 : (int)v;
    }
    if (vl_has(c, OPT_FILELIMIT)) T.filelimit = strtol(vl_arg(c, OPT_FILELIMIT), NULL, 10);
    T.fnm = vl_has(c, OPT_IGNORE_CASE) ? VL_FNM_CASEFOLD : 0;
    T.npats = vl_opt_all(c, argc, orig, 'P', &T.pats);
    T.nipats = vl_opt_all(c, argc, orig, 'I', &T.ipats);
    T.sort = S_NAME;
    if (vl_has(c, 'v')) T.sort = S_VERSION;
    if (vl_has(c, 't')) T.sort = S_MTIME;
    if (vl_has(c, 'c')) {
        T.sort = S_CTIME;
        T.ctime_sort = true;
    }
    if (vl_has(c, OPT_SORT)) {
        const char *w = vl_arg(c, OPT_SORT);
        if (!strcmp(w, "name")) T.sort = S_NAME;
        else if (!strcmp(w, "version")) T.sort = S_VERSION;
        else if (!strcmp(w, "size")) T.sort = S_SIZE;
        else if (!strcmp(w, "mtime")) T.sort = S_MTIME;
        else if (!strcmp(w, "ctime")) T.sort = S_CTIME;
        else if (!strcmp(w, "none")) T.sort = S_NONE;
        else {
            vl_eprintf(c, "tree: Sort type '%s' not valid, should be one of: ", w);
            vl_puts(c, "name,version,size,mtime,ctime\n");
            return 1;
        }
    }
    if (vl_has(c, 'U')) T.sort = S_NONE;
    T.reverse = vl_has(c, 'r');
    T.dirsfirst = vl_has(c, OPT_DIRSFIRST) && T.sort != S_NONE;
    T.filesfirst = vl_has(c, OPT_FILESFIRST) && T.sort != S_NONE && !T.dirsfirst;
    const char *lc = vk_getenv(c->p, "LC_ALL");
    if (!lc || !*lc) lc = vk_getenv(c->p, "LC_CTYPE");
    if (!lc || !*lc) lc = vk_getenv(c->p, "LANG");
    T.utf8 = lc && (strstr(lc, "UTF-8") || strstr(lc, "utf8") || strstr(lc, "UTF8") || strstr(lc, "utf-8"));
    const char *cs = vl_arg(c, OPT_CHARSET);
    if (cs) {
        bool utf = !strcmp(cs, "UTF-8") || !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") || !strcmp(cs, "UTF8");
        T.ascii_lines = !utf;
        if (utf) T.utf8 = true;
    }
    T.ids = vl_ids_new(c);
    vl_tz_from_env(c, &T.tz);
    T.now = vk_time_ns(c->p) / 1000000000;
    const char *outfile = vl_arg(c, 'o');
    if (outfile) {
        T.outfd = vk_open(c->p, outfile, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (T.outfd < 0) {
            vl_eprintf(c, "tree: invalid filename '%s'\n", outfile);
            return 1;
        }
    }
    static char dot[] = ".";
    char *defarg[] = {dot};
    char **args = n ? argv + 1 : defarg;
    int nargs = n ? n : 1;
    if (T.json) puts_(&T, "[\n");
    for (int i = 0; i < nargs; i++) {
        if (T.json && i > 0) puts_(&T, ",\n");
        list_root(&T, args[i]);
    }
    if (T.json) {
        puts_(&T, "\n,\n");
        if (!T.noreport) {
            printf_(&T, "  {\"type\":\"report\"");
            if (T.du) printf_(&T, ",\"size\":0");
            printf_(&T, ",\"directories\":%llu", (unsigned long long)T.ndirs);
            if (!T.dirs_only) printf_(&T, ",\"files\":%llu", (unsigned long long)T.nfiles);
            puts_(&T, "}\n");
        }
        puts_(&T, "]\n");
    } else if (!T.noreport) {
        put(&T, "\n", 1);
        if (T.du) {
            char b[32];
            if (T.human || T.si) human(&T, b, sizeof b, T.du_total);
            else snprintf(b, sizeof b, " %11llu", (unsigned long long)T.du_total);
            printf_(&T, "%s%s used in ", b, T.human || T.si ? "" : " bytes");
        }
        printf_(&T, "%llu director%s", (unsigned long long)T.ndirs, T.ndirs == 1 ? "y" : "ies");
        if (!T.dirs_only)
            printf_(&T, ", %llu file%s", (unsigned long long)T.nfiles, T.nfiles == 1 ? "" : "s");
        put(&T, "\n", 1);
    }
    if (T.outfd >= 0) {
        vl_write_fd(c, T.outfd, T.out.data, T.out.len);
        vk_close(c->p, T.outfd);
        vl_buf_free(c, &T.out);
    }
    return c->status;
}

VL_COMMAND(tree, tree_main, tree_opts, TREE_USAGE,
           "List contents of directories in a tree-like format.", 0, 1);
