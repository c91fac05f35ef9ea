/* tar: GNU tar 1.34's c x t r u over libarchive, with GNU's listings and messages. libarchive
 * reads and writes the archive through VM file descriptors (lib/archive_vfs); files are read
 * and extracted here with kernel calls, never with libarchive's disk writer (which would use
 * host paths). Extraction stays inside the target: leading '/' and '../' prefixes are removed
 * with GNU's message, names holding '..' are refused, symbolic links that point out of the
 * tree (absolute or with '..') are made only at the end (an empty placeholder stands in
 * meanwhile, as GNU does), so a later member cannot be written through them. Writing stops
 * at the VM's filesystem limit. Not done: --delete, -A, multi-volume, sparse files, ACLs and
 * xattrs, incremental dumps; -C applies once to all operands (not between them); created
 * archives list directory entries in name order (GNU: readdir order, like --sort=name).
 * -z on create compresses in a child process, as GNU tar runs gzip (see zchild_start). */
#include "lib/archive_vfs.h"
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/regex.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum {
    OPT_ZSTD = 256,
    OPT_STRIP,
    OPT_EXCLUDE,
    OPT_TRANSFORM,
    OPT_OVERWRITE,
    OPT_OWNER,
    OPT_GROUP,
    OPT_NUMERIC,
    OPT_FORMAT,
    OPT_SORT,
    OPT_MTIME,
    OPT_NO_SAME_OWNER,
    OPT_SAME_OWNER,
    OPT_NO_SAME_PERMS,
    OPT_WILDCARDS,
    OPT_NO_WILDCARDS,
    OPT_NO_RECURSION,
    OPT_SKIP_OLD,
    OPT_REMOVE_FILES,
    OPT_TOTALS,
    OPT_ANCHORED,
    OPT_EXCLUDE_VCS,
    OPT_KEEP_NEWER,
    OPT_NULL,
    OPT_MODE_UNUSED,
};

static const vl_opt tar_opts[] = {
    {'c', "create", VL_NOARG, NULL, "create a new archive"},
    {'x', "extract", VL_NOARG, NULL, "extract files from an archive"},
    {'x', "get", VL_NOARG, NULL, NULL},
    {'t', "list", VL_NOARG, NULL, "list the contents of an archive"},
    {'r', "append", VL_NOARG, NULL, "append files to the end of an archive"},
    {'u', "update", VL_NOARG, NULL, "only append files newer than copy in archive"},
    {'f', "file", VL_ARG, "ARCHIVE", "use archive file ARCHIVE ('-': standard input/output)"},
    {'z', "gzip", VL_NOARG, NULL, "filter the archive through gzip"},
    {'z', "gunzip", VL_NOARG, NULL, NULL},
    {'z', "ungzip", VL_NOARG, NULL, NULL},
    {'j', "bzip2", VL_NOARG, NULL, "filter the archive through bzip2"},
    {'J', "xz", VL_NOARG, NULL, "filter the archive through xz"},
    {OPT_ZSTD, "zstd", VL_NOARG, NULL, "filter the archive through zstd"},
    {'a', "auto-compress", VL_NOARG, NULL, "use archive suffix to determine the compression program"},
    {'C', "directory", VL_ARG, "DIR", "change to directory DIR"},
    {'v', "verbose", VL_NOARG, NULL, "verbosely list files processed"},
    {'p', "preserve-permissions", VL_NOARG, NULL, "extract information about file permissions"},
    {'p', "same-permissions", VL_NOARG, NULL, NULL},
    {OPT_NO_SAME_PERMS, "no-same-permissions", VL_NOARG, NULL, "apply the user's umask"},
    {OPT_STRIP, "strip-components", VL_ARG, "NUMBER",
     "strip NUMBER leading components from file names on extraction"},
    {OPT_EXCLUDE, "exclude", VL_ARG, "PATTERN", "exclude files, given as a PATTERN"},
    {'X', "exclude-from", VL_ARG, "FILE", "exclude patterns listed in FILE"},
    {OPT_EXCLUDE_VCS, "exclude-vcs", VL_NOARG, NULL, "exclude version control system directories"},
    {'T', "files-from", VL_ARG, "FILE", "get names to extract or create from FILE"},
    {OPT_NULL, "null", VL_NOARG, NULL, "-T reads null-terminated names"},
    {'O', "to-stdout", VL_NOARG, NULL, "extract files to standard output"},
    {OPT_TRANSFORM, "transform", VL_ARG, "EXPRESSION", "use sed replace EXPRESSION to transform file names"},
    {OPT_TRANSFORM, "xform", VL_ARG, "EXPRESSION", NULL},
    {'k', "keep-old-files", VL_NOARG, NULL, "don't replace existing files when extracting"},
    {OPT_SKIP_OLD, "skip-old-files", VL_NOARG, NULL, "don't replace existing files, silently"},
    {OPT_KEEP_NEWER, "keep-newer-files", VL_NOARG, NULL,
     "don't replace existing files that are newer than their archive copies"},
    {OPT_OVERWRITE, "overwrite", VL_NOARG, NULL, "overwrite existing files when extracting"},
    {'h', "dereference", VL_NOARG, NULL, "follow symlinks; archive the files they point to"},
    {OPT_OWNER, "owner", VL_ARG, "NAME", "force NAME as owner for added files"},
    {OPT_GROUP, "group", VL_ARG, "NAME", "force NAME as group for added files"},
    {OPT_NUMERIC, "numeric-owner", VL_NOARG, NULL, "always use numbers for user/group names"},
    {OPT_NO_SAME_OWNER, "no-same-owner", VL_NOARG, NULL, "extract files as yourself"},
    {'o', NULL, VL_NOARG, NULL, NULL},
    {OPT_SAME_OWNER, "same-owner", VL_NOARG, NULL, "try extracting files with the same ownership"},
    {'H', "format", VL_ARG, "FORMAT", "create archive of the given format (gnu, oldgnu, pax, posix, ustar, v7)"},
    {OPT_SORT, "sort", VL_ARG, "ORDER", "directory sorting order: none, name or inode"},
    {OPT_MTIME, "mtime", VL_ARG, "DATE", "set mtime for added files"},
    {'m', "touch", VL_NOARG, NULL, "don't extract file modified time"},
    {'P', "absolute-names", VL_NOARG, NULL, "don't strip leading '/'s from file names"},
    {OPT_WILDCARDS, "wildcards", VL_NOARG, NULL, "use wildcards in member names"},
    {OPT_NO_WILDCARDS, "no-wildcards", VL_NOARG, NULL, "verbatim string matching"},
    {OPT_ANCHORED, "anchored", VL_NOARG, NULL, "patterns match file name start"},
    {OPT_NO_RECURSION, "no-recursion", VL_NOARG, NULL, "avoid descending automatically in directories"},
    {OPT_REMOVE_FILES, "remove-files", VL_NOARG, NULL, "remove files after adding them to the archive"},
    {OPT_TOTALS, "totals", VL_NOARG, NULL, "print total bytes after processing the archive"},
    {0, NULL, 0, NULL, NULL},
};

enum { MODE_NONE, MODE_CREATE, MODE_EXTRACT, MODE_LIST, MODE_APPEND, MODE_UPDATE };
enum { Z_NONE, Z_GZIP, Z_BZIP2, Z_XZ, Z_ZSTD };

typedef struct subst {
    vl_re *re;
    const char *repl;
    bool global;
} subst;

typedef struct linkrec {
    uint64_t dev, ino;
    char *name;
} linkrec;

typedef struct delayed {
    char *name;    /* where the link goes (a placeholder file meanwhile), or the directory */
    char *target;  /* link target; NULL for a directory */
    uint64_t dev, ino; /* placeholder identity */
    unsigned mode;
    int64_t mtime_ns;
    bool has_mtime;
} delayed;

typedef struct tar {
    vl_ctx *c;
    vk_proc *p;
    int mode;
    int zip;
    const char *file;
    bool to_stdio; /* the archive is stdin/stdout */
    int verbose;
    bool preserve, to_stdout, keep_old, skip_old, overwrite, deref, numeric, absolute, touch;
    bool wildcards, no_recursion, remove_files, keep_newer, anchored;
    int strip;
    const char **excl;
    int nexcl;
    subst *subs;
    int nsubs;
    const char *owner, *group;
    unsigned owner_id, group_id;
    bool has_mtime;
    int64_t force_mtime;
    int format;
    int status; /* 0, or 2 after an error (GNU's "failure status") */
    unsigned umask;
    vl_ids *ids;
    vl_tz tz;
    int ugswidth;
    /* create */
    struct archive *aw;
    va_io *wio;
    struct zwait *zw; /* -z: the child process that compresses (NULL: none) */
    uint64_t arch_dev, arch_ino;
    bool have_arch_id;
    linkrec *links;
    size_t nlinks, caplinks;
    char *buf;
    bool said_prefix[8];
    char **prefixes; /* messages already given ("Removing leading `x' from ...") */
    size_t nprefixes;
    /* extract */
    delayed *dl;
    size_t ndl, capdl;
    /* -u: archived names and times */
    char **unames;
    int64_t *utimes;
    size_t nun, capun;
    const char *cwd0;
} tar;

/* ---- messages ---- */
static void terr(tar *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void terr(tar *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vl_buf b = {0};
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    vl_buf_printf(t->c, &b, "tar: %s\n", tmp);
    vl_flush(t->c);
    vl_write_fd(t->c, 2, b.data, b.len);
    vl_buf_free(t->c, &b);
    t->status = 2;
}

static _Noreturn void tfatal(tar *t, const char *msg)
{
    if (msg) terr(t, "%s", msg);
    terr(t, "Error is not recoverable: exiting now");
    vl_exit(t->c, 2);
}

static void check_dying(tar *t)
{
    int w = vk_dying(t->p);
    if (w) vl_exit(t->c, VK_WSHELL(w));
}

static _Noreturn void usage_fail(tar *t, const char *msg)
{
    vl_eprintf(t->c, "tar: %s\nTry 'tar --help' or 'tar --usage' for more information.\n", msg);
    vl_exit(t->c, 2);
}

/* "Removing leading `P' from member names", once per prefix and kind. */
static void say_prefix(tar *t, const char *prefix, size_t len, bool link)
{
    char *m = vl_xmalloc(t->c, len + 40);
    memcpy(m, prefix, len);
    m[len] = 0;
    strcat(m, link ? "\x01" : "\x02");
    for (size_t i = 0; i < t->nprefixes; i++)
        if (strcmp(t->prefixes[i], m) == 0) return;
    t->prefixes = vl_xrealloc(t->c, t->prefixes, (t->nprefixes + 1) * sizeof *t->prefixes);
    t->prefixes[t->nprefixes++] = m;
    int st = t->status;
    terr(t, "Removing leading `%.*s' from %s", (int)len, prefix,
         link ? "hard link targets" : "member names");
    t->status = st;
}

/* GNU's safer_name_suffix: the part of name after any leading '/' and any prefix ending in a
 * '..' component. */
static const char *safer_name(tar *t, const char *name, bool link)
{
    if (t->absolute) return name;
    const char *p = name, *start = name;
    /* the last ".." component, with all before it */
    for (const char *q = name; *q;) {
        const char *e = strchr(q, '/');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (len == 2 && q[0] == '.' && q[1] == '.') start = e ? e + 1 : q + len;
        if (!e) break;
        q = e + 1;
    }
    p = start;
    while (*p == '/') p++;
    if (p == name) return name;
    say_prefix(t, name, (size_t)(p - name), link);
    if (!*p) return ".";
    return p;
}

static bool has_dotdot(const char *name)
{
    for (const char *q = name; *q;) {
        const char *e = strchr(q, '/');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (len == 2 && q[0] == '.' && q[1] == '.') return true;
        if (!e) break;
        q = e + 1;
    }
    return false;
}

/* ---- transform: s/RE/REPL/FLAGS[;...] ---- */
static void parse_transform(tar *t, const char *expr)
{
    vl_ctx *c = t->c;
    const char *s = expr;
    while (*s) {
        if (*s == ';' || *s == ' ') {
            s++;
            continue;
        }
        if (*s != 's' || !s[1]) {
            vl_eprintf(c, "tar: Invalid transform expression\n");
            vl_exit(c, 2);
        }
        char d = s[1];
        s += 2;
        vl_buf parts[2] = {{0}, {0}};
        for (int k = 0; k < 2; k++) {
            while (*s && *s != d) {
                if (*s == '\\' && s[1] == d) {
                    vl_buf_addc(c, &parts[k], d);
                    s += 2;
                    continue;
                }
                if (*s == '\\' && s[1]) vl_buf_addc(c, &parts[k], *s++);
                vl_buf_addc(c, &parts[k], *s++);
            }
            if (*s != d) {
                vl_eprintf(c, "tar: Invalid transform expression\n");
                vl_exit(c, 2);
            }
            s++;
            vl_buf_addc(c, &parts[k], 0);
        }
        subst sb = {0};
        int flags = 0, syntax = VL_RE_BRE;
        while (*s && *s != ';') {
            if (*s == 'g') sb.global = true;
            else if (*s == 'i') flags |= VL_RE_ICASE;
            else if (*s == 'x') syntax = VL_RE_ERE;
            s++;
        }
        vl_re_diag diag = {0};
        int rc = vl_re_compile(t->p, parts[0].data, parts[0].len - 1, syntax, flags, &sb.re, &diag);
        if (rc < 0) {
            vl_eprintf(c, "tar: Invalid transform expression: %s\n", diag.msg);
            vl_exit(c, 2);
        }
        vl_defer(c, (void (*)(void *))vl_re_free, sb.re);
        sb.repl = parts[1].data;
        t->subs = vl_xrealloc(c, t->subs, (size_t)(t->nsubs + 1) * sizeof *t->subs);
        t->subs[t->nsubs++] = sb;
    }
}

static const char *transform(tar *t, const char *name)
{
    if (!t->nsubs) return name;
    vl_ctx *c = t->c;
    const char *cur = name;
    for (int i = 0; i < t->nsubs; i++) {
        subst *sb = &t->subs[i];
        vl_buf out = {0};
        size_t len = strlen(cur), pos = 0;
        vl_re_span m[10];
        bool any = false;
        while (pos <= len) {
            int r = vl_re_search(sb->re, cur, len, pos, 0, m, 10);
            if (r < 0 && r != VL_RE_ECOMPLEX) check_dying(t);
            if (r != 1) break;
            any = true;
            vl_buf_add(c, &out, cur + pos, (size_t)m[0].so - pos);
            for (const char *r2 = sb->repl; *r2; r2++) {
                if (*r2 == '&') {
                    vl_buf_add(c, &out, cur + m[0].so, (size_t)(m[0].eo - m[0].so));
                } else if (*r2 == '\\' && r2[1] >= '0' && r2[1] <= '9') {
                    int g = r2[1] - '0';
                    if (g < 10 && m[g].so >= 0)
                        vl_buf_add(c, &out, cur + m[g].so, (size_t)(m[g].eo - m[g].so));
                    r2++;
                } else if (*r2 == '\\' && r2[1]) {
                    vl_buf_addc(c, &out, *++r2);
                } else {
                    vl_buf_addc(c, &out, *r2);
                }
            }
            size_t next = (size_t)m[0].eo;
            if (m[0].eo == m[0].so) {
                if (next < len) vl_buf_addc(c, &out, cur[next]);
                next++;
            }
            pos = next;
            if (!sb->global) break;
        }
        if (!any) continue;
        if (pos < len) vl_buf_add(c, &out, cur + pos, len - pos);
        vl_buf_addc(c, &out, 0);
        cur = out.data;
    }
    return cur;
}

/* ---- exclude patterns (GNU's defaults: wildcards, unanchored, '*' matches '/') ---- */
static bool excluded(tar *t, const char *name)
{
    for (int i = 0; i < t->nexcl; i++) {
        const char *pat = t->excl[i];
        if (vl_fnmatch(pat, name, VL_FNM_LEADING_DIR) == 0) return true;
        if (t->anchored) continue;
        for (const char *s = name; (s = strchr(s, '/')); s++)
            if (s[1] && vl_fnmatch(pat, s + 1, VL_FNM_LEADING_DIR) == 0) return true;
    }
    return false;
}

/* ---- listing (GNU's -tv line) ---- */
static void print_quoted(tar *t, vl_buf *b, const char *s)
{
    vl_quotearg(t->c, b, s, strlen(s), VL_QS_ESCAPE, NULL);
}

static void list_long(tar *t, vl_buf *b, struct archive_entry *e, const char *name)
{
    vl_ctx *c = t->c;
    unsigned mode = archive_entry_mode(e);
    char ms[11];
    vl_mode_string(mode, ms);
    bool hard = archive_entry_hardlink(e) != NULL;
    if (hard) ms[0] = 'h';
    char user[64], group[64];
    const char *un = t->numeric ? NULL : archive_entry_uname(e);
    const char *gn = t->numeric ? NULL : archive_entry_gname(e);
    if (un && *un) snprintf(user, sizeof user, "%s", un);
    else snprintf(user, sizeof user, "%lld", (long long)archive_entry_uid(e));
    if (gn && *gn) snprintf(group, sizeof group, "%s", gn);
    else snprintf(group, sizeof group, "%lld", (long long)archive_entry_gid(e));
    char size[64];
    unsigned type = mode & VK_S_IFMT;
    if (type == VK_S_IFCHR || type == VK_S_IFBLK)
        snprintf(size, sizeof size, "%lu,%lu", (unsigned long)archive_entry_rdevmajor(e),
                 (unsigned long)archive_entry_rdevminor(e));
    else
        snprintf(size, sizeof size, "%lld",
                 hard || type == VK_S_IFLNK || type == VK_S_IFDIR ? 0LL
                                                                 : (long long)archive_entry_size(e));
    int pad = (int)(strlen(user) + 1 + strlen(group) + 1 + strlen(size));
    if (pad > t->ugswidth) t->ugswidth = pad;
    vl_tm tm;
    char date[64];
    int64_t mt = archive_entry_mtime(e);
    if (vl_time_split(mt, 0, &t->tz, &tm))
        snprintf(date, sizeof date, "%04lld-%02d-%02d %02d:%02d", (long long)tm.year, tm.mon,
                 tm.mday, tm.hour, tm.min);
    else
        snprintf(date, sizeof date, "%lld", (long long)mt);
    vl_buf_printf(c, b, "%s %s/%s %*s %-16s ", ms, user, group,
                  t->ugswidth - pad + (int)strlen(size), size, date);
    print_quoted(t, b, name);
    if (hard) {
        vl_buf_adds(c, b, " link to ");
        print_quoted(t, b, archive_entry_hardlink(e));
    } else if (type == VK_S_IFLNK && archive_entry_symlink(e)) {
        vl_buf_adds(c, b, " -> ");
        print_quoted(t, b, archive_entry_symlink(e));
    }
    vl_buf_addc(c, b, '\n');
}

/* Verbose output goes to stdout, or to stderr when stdout carries the archive or the data. */
static void vout(tar *t, vl_buf *b)
{
    bool err = (t->to_stdio && (t->mode == MODE_CREATE || t->mode == MODE_APPEND ||
                                t->mode == MODE_UPDATE)) ||
               (t->to_stdout && t->mode == MODE_EXTRACT);
    if (err) {
        vl_flush(t->c);
        vl_write_fd(t->c, 2, b->data, b->len);
    } else {
        vl_write(t->c, b->data, b->len);
    }
}

static void verbose_entry(tar *t, struct archive_entry *e, const char *name)
{
    if (!t->verbose) return;
    vl_buf b = {0};
    if (t->verbose > 1 || t->mode == MODE_LIST) {
        list_long(t, &b, e, name);
    } else {
        print_quoted(t, &b, name);
        vl_buf_addc(t->c, &b, '\n');
    }
    vout(t, &b);
    vl_buf_free(t->c, &b);
}

/* ---- create ---- */
static int zip_from_suffix(const char *f)
{
    static const struct {
        const char *sfx;
        int z;
    } tab[] = {{".tar.gz", Z_GZIP}, {".tgz", Z_GZIP}, {".taz", Z_GZIP}, {".gz", Z_GZIP},
               {".tar.bz2", Z_BZIP2}, {".tbz", Z_BZIP2}, {".tbz2", Z_BZIP2}, {".tz2", Z_BZIP2},
               {".bz2", Z_BZIP2}, {".tar.xz", Z_XZ}, {".txz", Z_XZ}, {".xz", Z_XZ},
               {".tar.zst", Z_ZSTD}, {".tzst", Z_ZSTD}, {".zst", Z_ZSTD}};
    size_t n = strlen(f);
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t l = strlen(tab[i].sfx);
        if (n >= l && strcmp(f + n - l, tab[i].sfx) == 0) return tab[i].z;
    }
    return Z_NONE;
}

static void zchild_check(tar *t);

static void archive_fail(tar *t, struct archive *a, va_io *io)
{
    check_dying(t);
    /* the child that writes the archive may have ended (a write to its pipe then fails) */
    zchild_check(t);
    if (io && io->err) {
        terr(t, "%s: Cannot %s: %s", t->to_stdio ? "-" : t->file,
             t->mode == MODE_CREATE ? "write" : "read", vl_strerror(io->err));
        tfatal(t, NULL);
    }
    tfatal(t, archive_error_string(a));
}

static const char *lookup_link(tar *t, const struct vk_stat *st)
{
    for (size_t i = 0; i < t->nlinks; i++)
        if (t->links[i].dev == st->dev && t->links[i].ino == st->ino) return t->links[i].name;
    return NULL;
}

static void remember_link(tar *t, const struct vk_stat *st, const char *name)
{
    if (t->nlinks == t->caplinks) {
        t->caplinks = t->caplinks ? t->caplinks * 2 : 16;
        t->links = vl_xrealloc(t->c, t->links, t->caplinks * sizeof *t->links);
    }
    t->links[t->nlinks++] = (linkrec){st->dev, st->ino, vl_xstrdup(t->c, name)};
}

/* -u: is path newer than its archived copy? */
static bool newer_than_archived(tar *t, const char *name, int64_t mtime)
{
    for (size_t i = t->nun; i-- > 0;)
        if (strcmp(t->unames[i], name) == 0) return mtime / 1000000000 > t->utimes[i];
    return true;
}

static void add_one(tar *t, const char *path, const struct vk_stat *stp)
{
    vl_ctx *c = t->c;
    struct vk_stat st = *stp;
    if (t->have_arch_id && st.dev == t->arch_dev && st.ino == t->arch_ino) {
        int s = t->status;
        terr(t, "%s: file is the archive; not dumped", path);
        t->status = s;
        return;
    }
    /* member name: without leading '/' (and "../" prefixes), transformed */
    const char *name = safer_name(t, path, false);
    if (strcmp(name, ".") == 0 && strcmp(path, ".") != 0) return;
    name = transform(t, name);
    char *mname;
    bool dir = VK_S_ISDIR(st.mode);
    size_t nl = strlen(name);
    if (dir && (nl == 0 || name[nl - 1] != '/')) {
        mname = vl_xmalloc(c, nl + 2);
        memcpy(mname, name, nl);
        strcpy(mname + nl, "/");
    } else {
        mname = vl_xstrdup(c, name);
    }
    if (t->mode == MODE_UPDATE && !dir && !newer_than_archived(t, mname, st.mtime_ns)) return;
    struct archive_entry *e = archive_entry_new();
    if (!e) vl_die(c, 2, "memory exhausted");
    archive_entry_set_pathname(e, mname);
    archive_entry_set_mode(e, st.mode);
    archive_entry_set_mtime(e, t->has_mtime ? t->force_mtime : st.mtime_ns / 1000000000,
                            t->has_mtime ? 0 : st.mtime_ns % 1000000000);
    unsigned uid = t->owner ? t->owner_id : st.uid, gid = t->group ? t->group_id : st.gid;
    archive_entry_set_uid(e, uid);
    archive_entry_set_gid(e, gid);
    if (!t->numeric) {
        const char *un = t->owner ? t->owner : vl_ids_user(t->ids, uid);
        const char *gn = t->group ? t->group : vl_ids_group(t->ids, gid);
        if (un) archive_entry_set_uname(e, un);
        if (gn) archive_entry_set_gname(e, gn);
    }
    int fd = -1;
    const char *hl = NULL;
    if (VK_S_ISREG(st.mode)) {
        if (st.nlink > 1) hl = lookup_link(t, &st);
        if (hl) {
            archive_entry_set_hardlink(e, hl);
            archive_entry_set_size(e, 0);
        } else {
            fd = vk_open(t->p, path, VK_O_RDONLY, 0);
            if (fd < 0) {
                check_dying(t);
                terr(t, "%s: Cannot open: %s", path, vl_strerror(fd));
                archive_entry_free(e);
                return;
            }
            archive_entry_set_size(e, (la_int64_t)st.size);
            if (st.nlink > 1) remember_link(t, &st, mname);
        }
    } else if (VK_S_ISLNK(st.mode)) {
        char target[VK_PATH_MAX + 1];
        ssize_t n = vk_readlink(t->p, path, target, VK_PATH_MAX);
        if (n < 0) {
            terr(t, "%s: Cannot readlink: %s", path, vl_strerror((int)n));
            archive_entry_free(e);
            return;
        }
        target[n] = 0;
        archive_entry_set_symlink(e, target);
        archive_entry_set_size(e, 0);
    } else if (dir || VK_S_ISFIFO(st.mode)) {
        archive_entry_set_size(e, 0);
    } else {
        int s = t->status;
        terr(t, "%s: socket ignored", path);
        t->status = s;
        archive_entry_free(e);
        return;
    }
    verbose_entry(t, e, mname);
    if (archive_write_header(t->aw, e) < ARCHIVE_WARN) {
        archive_entry_free(e);
        if (fd >= 0) vk_close(t->p, fd);
        archive_fail(t, t->aw, t->wio);
    }
    archive_entry_free(e);
    if (fd >= 0) {
        uint64_t left = st.size;
        while (left > 0) {
            ssize_t n = vk_read(t->p, fd, t->buf, 65536);
            if (n < 0) {
                check_dying(t);
                terr(t, "%s: Read error: %s", path, vl_strerror((int)n));
                break;
            }
            if (n == 0) break;
            if ((uint64_t)n > left) n = (ssize_t)left;
            if (archive_write_data(t->aw, t->buf, (size_t)n) < 0) {
                vk_close(t->p, fd);
                archive_fail(t, t->aw, t->wio);
            }
            left -= (uint64_t)n;
        }
        if (left > 0) {
            /* the file shrank: pad with zeros as GNU does */
            terr(t, "%s: File shrank by %llu bytes; padding with zeros", path,
                 (unsigned long long)left);
            memset(t->buf, 0, 65536);
            while (left > 0) {
                size_t k = left > 65536 ? 65536 : (size_t)left;
                if (archive_write_data(t->aw, t->buf, k) < 0) archive_fail(t, t->aw, t->wio);
                left -= k;
            }
        }
        vk_close(t->p, fd);
    }
    if (t->remove_files && !dir) vk_unlink(t->p, path);
}

static int create_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    tar *t = ud;
    if (event == VL_WALK_NS || event == VL_WALK_DNR) {
        check_dying(t);
        if (event == VL_WALK_NS) terr(t, "%s: Cannot stat: %s", e->path, vl_strerror(e->err));
        else terr(t, "%s: Cannot open: %s", e->path, vl_strerror(e->err));
        return 0;
    }
    if (event == VL_WALK_POST) {
        if (t->remove_files) vk_rmdir(t->p, e->path);
        return 0;
    }
    if (event == VL_WALK_LOOP) {
        terr(t, "%s: File system loop detected", e->path);
        return 0;
    }
    if (e->depth > 0 && t->nexcl && excluded(t, e->path)) return VL_WALK_SKIP;
    if (e->depth == 0 && t->nexcl && excluded(t, e->path)) return VL_WALK_SKIP;
    add_one(t, e->path, &e->st);
    if (event == VL_WALK_PRE && t->no_recursion) return VL_WALK_SKIP;
    return 0;
}

/* ---- -z on create: gzip in a child process ----
 * GNU tar feeds the tar stream to a gzip child through a pipe, so the compression runs on
 * another core while tar reads the files. tar does the same: libarchive writes the plain tar
 * stream (padded to a record, as GNU's is) into a pipe, and a child process deflates it into
 * the archive (gzip's format: no name, no time stamp, as GNU tar's child writes it). When the
 * child cannot write the archive it says so in tar's words and ends with 2; tar, finding the
 * pipe closed, ends with "Error is not recoverable". */
typedef struct zchild {
    int in, out, wend; /* the pipe's read end, the archive, the pipe's write end */
    char name[];       /* the archive's name, for messages */
} zchild;

static void zchild_say(vk_proc *p, const char *name, int err)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg, "tar: %s: Cannot write: %s\n", name, vl_strerror(err));
    if (n > (int)sizeof msg - 1) n = (int)sizeof msg - 1;
    vk_write(p, 2, msg, (size_t)n);
}

static int zchild_main(vk_proc *p, void *arg)
{
    zchild *z = arg;
    vk_close(p, z->wend); /* else the pipe never ends */
    enum { ZBUF = 65536 };
    unsigned char *ib = vk_malloc(p, ZBUF), *ob = vk_malloc(p, ZBUF);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = va_zalloc, zs.zfree = va_zfree, zs.opaque = p;
    if (!ib || !ob || deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                                   Z_DEFAULT_STRATEGY) != Z_OK) {
        vk_write(p, 2, "tar (child): memory exhausted\n", 30);
        return 2;
    }
    int status = 0;
    for (bool end = false; !end && status == 0;) {
        ssize_t n = vk_read(p, z->in, ib, ZBUF);
        int rc = n < 0 ? (int)n : vk_steps(p, (uint64_t)n / 4096 + 1);
        if (rc == VOS_EINTR) continue;
        if (rc < 0) {
            int w = vk_dying(p);
            status = w ? VK_WSHELL(w) : 2;
            break;
        }
        end = n == 0;
        zs.next_in = ib, zs.avail_in = (unsigned)n;
        do {
            zs.next_out = ob, zs.avail_out = ZBUF;
            deflate(&zs, end ? Z_FINISH : Z_NO_FLUSH);
            size_t have = ZBUF - zs.avail_out;
            ssize_t w = have ? vk_write(p, z->out, ob, have) : 0;
            if (w < 0) {
                int dw = vk_dying(p);
                if (dw) {
                    status = VK_WSHELL(dw);
                } else {
                    zchild_say(p, z->name, (int)w);
                    status = 2;
                }
                break;
            }
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    vk_free(p, ib);
    vk_free(p, ob);
    return status;
}

/* tar's side of the child (in the arena: the deferred wait may run after tar_main returned) */
typedef struct zwait {
    vk_proc *p;
    int pid;  /* 0 once waited for */
    int wend; /* the pipe's write end */
} zwait;

/* Close the pipe and wait for the child: its exit status (-1 if there was none). */
static int zchild_wait(zwait *zw)
{
    if (!zw || zw->pid <= 0) return -1;
    vk_close(zw->p, zw->wend);
    int ws = 0, pid = zw->pid;
    zw->pid = 0;
    int rc;
    while ((rc = vk_waitpid(zw->p, pid, &ws, 0)) == VOS_EINTR) {
    }
    return rc < 0 ? -1 : VK_WSHELL(ws);
}

/* Wait for the child; when it failed, end as GNU does (a child that could not write the
 * archive has said why; one killed by a signal, say SIGPIPE, is reported here). */
static void zchild_check(tar *t)
{
    if (!t->zw || t->zw->pid <= 0) return;
    int st = zchild_wait(t->zw);
    check_dying(t);
    if (st <= 0) return;
    if (st != 2) terr(t, "Child returned status %d", st);
    tfatal(t, NULL);
}

static void zchild_defer(void *arg)
{
    zchild_wait(arg);
}

/* Start the child that compresses into fd; returns the pipe's write end for libarchive, or
 * fd itself (the compression then stays in this process) when no child can be made. */
static int zchild_start(tar *t, int fd)
{
    int pfd[2];
    zwait *zw = vl_xmalloc(t->c, sizeof *zw);
    if (vk_pipe(t->p, pfd) < 0) return fd;
    vk_proc *child;
    if (vk_proc_new(t->p, &child) < 0) {
        check_dying(t);
        vk_close(t->p, pfd[0]);
        vk_close(t->p, pfd[1]);
        return fd;
    }
    const char *name = t->to_stdio ? "-" : t->file;
    zchild *z = vk_malloc(child, sizeof *z + strlen(name) + 1);
    if (!z) {
        vk_proc_discard(child);
        vk_close(t->p, pfd[0]);
        vk_close(t->p, pfd[1]);
        return fd;
    }
    z->in = pfd[0], z->out = fd, z->wend = pfd[1];
    strcpy(z->name, name);
    int pid = vk_proc_start(child, zchild_main, z);
    vk_close(t->p, pfd[0]);
    if (pid < 0) {
        vk_close(t->p, pfd[1]);
        check_dying(t);
        return fd;
    }
    /* a write to the pipe after the child ended fails (EPIPE) instead of killing tar */
    vk_signal(t->p, VOS_SIGPIPE, VK_SIG_IGN);
    zw->p = t->p, zw->pid = pid, zw->wend = pfd[1];
    t->zw = zw;
    vl_defer(t->c, zchild_defer, zw);
    return pfd[1];
}

static void add_filter(tar *t, struct archive *a)
{
    int r = ARCHIVE_OK;
    switch (t->zip) {
    case Z_GZIP: r = archive_write_add_filter_gzip(a); break;
    case Z_BZIP2: r = archive_write_add_filter_bzip2(a); break;
    case Z_XZ: r = archive_write_add_filter_xz(a); break;
    case Z_ZSTD: r = archive_write_add_filter_zstd(a); break;
    default: break;
    }
    if (r != ARCHIVE_OK) tfatal(t, archive_error_string(a));
    if (t->zip == Z_GZIP) archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
}

static void free_write(void *a)
{
    archive_write_free(a);
}
static void free_read(void *a)
{
    archive_read_free(a);
}

/* End offset of the tar data in fd (before the end-of-archive zero blocks), for -r and -u:
 * walks the 512-byte headers. Fills t->unames/utimes for -u. */
static int64_t find_end(tar *t, int fd)
{
    unsigned char h[512];
    int64_t off = 0;
    char *longname = NULL;
    for (;;) {
        ssize_t n = vk_pread(t->p, fd, h, 512, off);
        if (n < 512) return off;
        bool zero = true;
        for (int i = 0; i < 512; i++) zero &= h[i] == 0;
        if (zero) return off;
        uint64_t size = 0;
        if (h[124] & 0x80) {
            for (int i = 125; i < 136; i++) size = size << 8 | h[i];
        } else {
            for (int i = 124; i < 136 && h[i]; i++)
                if (h[i] >= '0' && h[i] <= '7') size = size * 8 + (uint64_t)(h[i] - '0');
        }
        char type = (char)h[156];
        if (type == 'L' && size < 65536) {
            longname = vl_xmalloc(t->c, size + 1);
            vk_pread(t->p, fd, longname, size, off + 512);
            longname[size] = 0;
        } else if (type != 'K' && type != 'x' && type != 'g') {
            char nm[257];
            if (longname) {
                snprintf(nm, sizeof nm, "%s", longname);
            } else {
                char pre[156] = {0}, base[101] = {0};
                memcpy(base, h, 100);
                if (memcmp(h + 257, "ustar\0", 6) == 0) memcpy(pre, h + 345, 155);
                if (pre[0]) snprintf(nm, sizeof nm, "%s/%s", pre, base);
                else snprintf(nm, sizeof nm, "%s", base);
            }
            longname = NULL;
            int64_t mt = 0;
            for (int i = 136; i < 148 && h[i]; i++)
                if (h[i] >= '0' && h[i] <= '7') mt = mt * 8 + (h[i] - '0');
            if (t->nun == t->capun) {
                t->capun = t->capun ? t->capun * 2 : 32;
                t->unames = vl_xrealloc(t->c, t->unames, t->capun * sizeof *t->unames);
                t->utimes = vl_xrealloc(t->c, t->utimes, t->capun * sizeof *t->utimes);
            }
            t->unames[t->nun] = vl_xstrdup(t->c, nm);
            t->utimes[t->nun++] = mt;
        }
        off += 512 + (int64_t)((size + 511) / 512 * 512);
        va_tick(t->c, 512);
    }
}

static char **read_names_file(tar *t, const char *file, int *count, bool nul)
{
    vl_ctx *c = t->c;
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, file, &err);
    if (!in) {
        terr(t, "%s: Cannot open: %s", file, vl_strerror(err));
        tfatal(t, NULL);
    }
    char **v = NULL;
    int n = 0;
    char *line;
    ssize_t len;
    while ((len = vl_in_getdelim(c, in, nul ? 0 : '\n', &line)) > 0) {
        if (line[len - 1] == (nul ? 0 : '\n')) line[--len] = 0;
        if (len == 0) continue;
        v = vl_xrealloc(c, v, (size_t)(n + 1) * sizeof *v);
        v[n++] = vl_xstrdup(c, line);
    }
    vl_in_close(c, in);
    *count = n;
    return v;
}

static void do_create(tar *t, int nnames, char **names)
{
    vl_ctx *c = t->c;
    int fd;
    bool append = t->mode == MODE_APPEND || t->mode == MODE_UPDATE;
    if (t->to_stdio) {
        if (append) usage_fail(t, "Options '-Aru' are incompatible with '-f -'");
        fd = 1;
        vl_flush(c);
    } else if (append) {
        if (t->zip != Z_NONE) usage_fail(t, "Cannot update compressed archives");
        fd = vk_open(t->p, t->file, VK_O_RDWR | VK_O_CREAT, 0666);
        if (fd < 0) {
            terr(t, "%s: Cannot open: %s", t->file, vl_strerror(fd));
            tfatal(t, NULL);
        }
        int64_t end = find_end(t, fd);
        vk_lseek(t->p, fd, end, VK_SEEK_SET);
    } else {
        fd = vk_open(t->p, t->file, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) {
            check_dying(t);
            terr(t, "%s: Cannot open: %s", t->file, vl_strerror(fd));
            tfatal(t, NULL);
        }
    }
    struct vk_stat ast;
    if (vk_fstat(t->p, fd, &ast) == 0 && VK_S_ISREG(ast.mode)) {
        t->arch_dev = ast.dev, t->arch_ino = ast.ino, t->have_arch_id = true;
    }
    /* -z: a child compresses (the deferred wait for it runs after the archive is freed) */
    int wfd = t->zip == Z_GZIP ? zchild_start(t, fd) : fd;
    struct archive *a = archive_write_new();
    if (!a) vl_die(c, 2, "memory exhausted");
    t->aw = a;
    vl_defer(c, free_write, a);
    int r;
    switch (t->format) {
    case 1: r = archive_write_set_format_pax_restricted(a); break;
    case 2: r = archive_write_set_format_ustar(a); break;
    case 3: r = archive_write_set_format_v7tar(a); break;
    case 4: r = archive_write_set_format_pax(a); break;
    default: r = archive_write_set_format_gnutar(a); break;
    }
    if (r != ARCHIVE_OK) tfatal(t, archive_error_string(a));
    if (wfd == fd) add_filter(t, a);
    archive_write_set_bytes_per_block(a, 10240);
    /* GNU pads the tar stream to a record, not the compressed stream after it */
    if (wfd == fd && t->zip != Z_NONE) archive_write_set_bytes_in_last_block(a, 1);
    t->wio = va_write_open_fd(c, a, wfd, &r);
    if (r != ARCHIVE_OK) archive_fail(t, a, t->wio);
    t->buf = vl_xmalloc(c, 65536);
    t->ids = vl_ids_new(c);
    if (t->owner && !vl_ids_find(t->ids, t->owner, false, &t->owner_id)) {
        char *end;
        long v = strtol(t->owner, &end, 10);
        t->owner_id = *end ? 0 : (unsigned)v;
    }
    if (t->group && !vl_ids_find(t->ids, t->group, true, &t->group_id)) {
        char *end;
        long v = strtol(t->group, &end, 10);
        t->group_id = *end ? 0 : (unsigned)v;
    }
    for (int i = 0; i < nnames; i++) {
        const char *n = names[i];
        if (t->nexcl && excluded(t, n)) continue;
        vl_walk(c, n, t->deref ? VL_WALK_FOLLOW : 0, create_cb, t);
    }
    if (archive_write_close(a) != ARCHIVE_OK) archive_fail(t, a, t->wio);
    zchild_check(t);
    if (fd != 1) vk_close(t->p, fd);
}

/* ---- list and extract ---- */
typedef struct member_sel {
    char **names;
    bool *found;
    int n;
} member_sel;

static bool selected(tar *t, member_sel *sel, const char *name)
{
    if (sel->n == 0) return true;
    size_t nl = strlen(name);
    while (nl > 1 && name[nl - 1] == '/') nl--;
    bool any = false;
    for (int i = 0; i < sel->n; i++) {
        const char *s = sel->names[i];
        size_t sl = strlen(s);
        while (sl > 1 && s[sl - 1] == '/') sl--;
        bool m;
        if (t->wildcards) {
            char *nm = vl_xmalloc(t->c, nl + 1);
            memcpy(nm, name, nl);
            nm[nl] = 0;
            char *pt = vl_xmalloc(t->c, sl + 1);
            memcpy(pt, s, sl);
            pt[sl] = 0;
            m = vl_fnmatch(pt, nm, VL_FNM_LEADING_DIR) == 0;
            vl_xfree(t->c, nm);
            vl_xfree(t->c, pt);
        } else {
            m = nl >= sl && memcmp(name, s, sl) == 0 && (nl == sl || name[sl] == '/');
        }
        if (m) {
            sel->found[i] = true;
            any = true;
        }
    }
    return any;
}

static const char *strip_components(tar *t, const char *name)
{
    const char *p = name;
    for (int i = 0; i < t->strip; i++) {
        while (*p == '/') p++;
        const char *s = strchr(p, '/');
        if (!s) return NULL;
        p = s + 1;
    }
    while (*p == '/') p++;
    return *p ? p : NULL;
}

static void add_delayed(tar *t, delayed d)
{
    if (t->ndl == t->capdl) {
        t->capdl = t->capdl ? t->capdl * 2 : 16;
        t->dl = vl_xrealloc(t->c, t->dl, t->capdl * sizeof *t->dl);
    }
    t->dl[t->ndl++] = d;
}

/* Make the missing parents of path (GNU: mode 0777 less the umask). */
static void make_parents(tar *t, const char *path)
{
    char *dup = vl_xstrdup(t->c, path);
    for (char *s = dup + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        struct vk_stat st;
        if (vk_lstat(t->p, dup, &st) < 0) vk_mkdir(t->p, dup, 0777);
        *s = '/';
    }
    vl_xfree(t->c, dup);
}

static void set_times(tar *t, const char *path, struct archive_entry *e, bool follow)
{
    if (t->touch) return;
    int64_t ts[2] = {VK_UTIME_OMIT,
                     (int64_t)archive_entry_mtime(e) * 1000000000 + archive_entry_mtime_nsec(e)};
    ts[0] = ts[1];
    vk_utimens(t->p, path, ts, follow);
}

/* Prepare name for a new non-directory: handles an existing entry per -k / --skip-old-files /
 * --keep-newer-files / the default (remove it). Returns false when the member is skipped. */
static bool clear_place(tar *t, const char *name, struct archive_entry *e)
{
    struct vk_stat st;
    if (vk_lstat(t->p, name, &st) < 0) return true;
    if (t->skip_old) return false;
    if (t->keep_old) {
        terr(t, "%s: Cannot open: File exists", name);
        return false;
    }
    if (t->keep_newer && st.mtime_ns / 1000000000 > archive_entry_mtime(e)) {
        int s = t->status;
        terr(t, "Current '%s' is newer or same age", name);
        t->status = s;
        return false;
    }
    if (VK_S_ISDIR(st.mode)) {
        int r = vk_rmdir(t->p, name);
        if (r < 0) {
            terr(t, "%s: Cannot unlink: %s", name, vl_strerror(r));
            return false;
        }
        return true;
    }
    if (t->overwrite && VK_S_ISREG(st.mode) && archive_entry_filetype(e) == AE_IFREG) return true;
    vk_unlink(t->p, name);
    return true;
}

static void write_fail(tar *t, const char *name, int err, int fd)
{
    check_dying(t);
    if (fd >= 0) vk_close(t->p, fd);
    terr(t, "%s: Cannot write: %s", name, vl_strerror(err));
    if (err == VOS_EFSBYTES || err == VOS_EFSINODES || err == VOS_ENOSPC || err == VOS_EDQUOT ||
        err == VOS_EFBIG) {
        /* a full filesystem (a compression bomb): stop here, leave no partial file */
        vk_unlink(t->p, name);
        tfatal(t, NULL);
    }
}

static void extract_data(tar *t, struct archive *a, int fd, const char *name)
{
    const void *blk;
    size_t len;
    la_int64_t off;
    int64_t pos = 0;
    for (;;) {
        int r = archive_read_data_block(a, &blk, &len, &off);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            check_dying(t);
            const char *m = archive_error_string(a);
            if (m && strstr(m, "runcated")) {
                /* GNU says it for the member, then again for the archive */
                terr(t, "Unexpected EOF in archive");
                terr(t, "Unexpected EOF in archive");
            } else {
                terr(t, "%s", m ? m : "read error");
            }
            tfatal(t, NULL);
        }
        if (fd == -2) continue;
        if (off > pos && fd != 1) {
            /* a hole: zeros */
            static const char zeros[4096];
            while (pos < off) {
                size_t k = off - pos > 4096 ? 4096 : (size_t)(off - pos);
                ssize_t w = vk_write(t->p, fd, zeros, k);
                if (w < 0) {
                    write_fail(t, name, (int)w, fd);
                    return;
                }
                pos += (int64_t)k;
            }
        }
        if (fd == 1) {
            vl_write(t->c, blk, len);
        } else {
            ssize_t w = vk_write(t->p, fd, blk, len);
            if (w < 0) {
                write_fail(t, name, (int)w, fd);
                return;
            }
        }
        pos += (int64_t)len;
    }
}

static void extract_entry(tar *t, struct archive *a, struct archive_entry *e, const char *raw)
{
    vl_ctx *c = t->c;
    const char *name = raw;
    if (!t->absolute && has_dotdot(raw)) {
        terr(t, "%s: Member name contains '..'", raw);
        archive_read_data_skip(a);
        return;
    }
    if (t->strip) {
        name = strip_components(t, name);
        if (!name) {
            archive_read_data_skip(a);
            return;
        }
    }
    name = transform(t, name);
    unsigned type = archive_entry_filetype(e);
    const char *hard = archive_entry_hardlink(e);
    if (t->to_stdout) {
        if (type == AE_IFREG && !hard) extract_data(t, a, 1, name);
        else archive_read_data_skip(a);
        return;
    }
    /* the name without trailing slashes */
    char *path = vl_xstrdup(c, name);
    size_t pl = strlen(path);
    while (pl > 1 && path[pl - 1] == '/') path[--pl] = 0;
    if (strcmp(path, ".") == 0 && type == AE_IFDIR) {
        archive_read_data_skip(a);
        return;
    }
    unsigned perm = archive_entry_perm(e) & 07777;
    if (!t->preserve) perm &= ~t->umask;
    if (hard) {
        const char *target = safer_name(t, hard, true);
        if (t->strip) target = strip_components(t, target);
        if (!target) {
            archive_read_data_skip(a);
            return;
        }
        target = transform(t, target);
        if (!clear_place(t, path, e)) return;
        int r = vk_link(t->p, target, path);
        if (r == VOS_ENOENT) {
            make_parents(t, path);
            r = vk_link(t->p, target, path);
        }
        if (r < 0) terr(t, "%s: Cannot hard link to '%s': %s", path, target, vl_strerror(r));
        return;
    }
    switch (type) {
    case AE_IFDIR: {
        struct vk_stat st;
        int r = vk_mkdir(t->p, path, 0700);
        if (r == VOS_ENOENT) {
            make_parents(t, path);
            r = vk_mkdir(t->p, path, 0700);
        }
        if (r == VOS_EEXIST && vk_stat(t->p, path, &st) == 0 && VK_S_ISDIR(st.mode)) {
            if (!t->preserve) {
                /* an existing directory keeps its mode */
                delayed d = {vl_xstrdup(c, path), NULL, 0, 0, st.mode & 07777,
                             (int64_t)archive_entry_mtime(e) * 1000000000, !t->touch};
                add_delayed(t, d);
                return;
            }
        } else if (r == VOS_EEXIST) {
            vk_unlink(t->p, path);
            r = vk_mkdir(t->p, path, 0700);
        }
        if (r < 0 && r != VOS_EEXIST) {
            check_dying(t);
            terr(t, "%s: Cannot mkdir: %s", path, vl_strerror(r));
            return;
        }
        delayed d = {vl_xstrdup(c, path), NULL, 0, 0, perm,
                     (int64_t)archive_entry_mtime(e) * 1000000000 + archive_entry_mtime_nsec(e),
                     !t->touch};
        add_delayed(t, d);
        return;
    }
    case AE_IFLNK: {
        const char *target = archive_entry_symlink(e);
        if (!target) target = "";
        if (!clear_place(t, path, e)) return;
        bool risky = target[0] == '/' || has_dotdot(target);
        if (risky && !t->absolute) {
            /* GNU's delayed link: a placeholder file until the end */
            int fd = vk_open(t->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0);
            if (fd == VOS_ENOENT) {
                make_parents(t, path);
                fd = vk_open(t->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0);
            }
            if (fd < 0) {
                check_dying(t);
                terr(t, "%s: Cannot create symlink to '%s': %s", path, target, vl_strerror(fd));
                return;
            }
            struct vk_stat st;
            vk_fstat(t->p, fd, &st);
            vk_close(t->p, fd);
            delayed d = {vl_xstrdup(c, path), vl_xstrdup(c, target), st.dev, st.ino, 0, 0, false};
            add_delayed(t, d);
            return;
        }
        int r = vk_symlink(t->p, target, path);
        if (r == VOS_ENOENT) {
            make_parents(t, path);
            r = vk_symlink(t->p, target, path);
        }
        if (r < 0) {
            check_dying(t);
            terr(t, "%s: Cannot create symlink to '%s': %s", path, target, vl_strerror(r));
            return;
        }
        set_times(t, path, e, false);
        return;
    }
    case AE_IFIFO: {
        if (!clear_place(t, path, e)) return;
        int r = vk_mkfifo(t->p, path, perm);
        if (r == VOS_ENOENT) {
            make_parents(t, path);
            r = vk_mkfifo(t->p, path, perm);
        }
        if (r < 0) terr(t, "%s: Cannot mkfifo: %s", path, vl_strerror(r));
        return;
    }
    case AE_IFCHR:
    case AE_IFBLK:
        terr(t, "%s: Cannot mknod: %s", path, vl_strerror(VOS_EPERM));
        archive_read_data_skip(a);
        return;
    default: break;
    }
    /* a regular file */
    if (!clear_place(t, path, e)) {
        archive_read_data_skip(a);
        return;
    }
    int flags = VK_O_WRONLY | VK_O_CREAT | (t->overwrite ? VK_O_TRUNC : VK_O_EXCL);
    int fd = vk_open(t->p, path, flags, perm);
    if (fd == VOS_ENOENT) {
        make_parents(t, path);
        fd = vk_open(t->p, path, flags, perm);
    }
    if (fd < 0) {
        check_dying(t);
        terr(t, "%s: Cannot open: %s", path, vl_strerror(fd));
        if (fd == VOS_EFSINODES || fd == VOS_EFSBYTES || fd == VOS_ENOSPC) tfatal(t, NULL);
        archive_read_data_skip(a);
        return;
    }
    extract_data(t, a, fd, path);
    vk_close(t->p, fd);
    if (t->preserve) vk_chmod(t->p, path, archive_entry_perm(e) & 07777);
    set_times(t, path, e, true);
}

static void finish_delayed(tar *t)
{
    /* links first (in order), then directories deepest first */
    for (size_t i = 0; i < t->ndl; i++) {
        delayed *d = &t->dl[i];
        if (!d->target) continue;
        struct vk_stat st;
        if (vk_lstat(t->p, d->name, &st) < 0 || st.dev != d->dev || st.ino != d->ino) continue;
        vk_unlink(t->p, d->name);
        int r = vk_symlink(t->p, d->target, d->name);
        if (r < 0)
            terr(t, "%s: Cannot create symlink to '%s': %s", d->name, d->target, vl_strerror(r));
    }
    for (size_t i = t->ndl; i-- > 0;) {
        delayed *d = &t->dl[i];
        if (d->target) continue;
        vk_chmod(t->p, d->name, d->mode);
        if (d->has_mtime) {
            int64_t ts[2] = {d->mtime_ns, d->mtime_ns};
            vk_utimens(t->p, d->name, ts, true);
        }
    }
}

static void open_fail(tar *t, struct archive *a, va_io *io)
{
    check_dying(t);
    if (io->err) {
        terr(t, "%s: Cannot read: %s", t->to_stdio ? "-" : t->file, vl_strerror(io->err));
        tfatal(t, NULL);
    }
    /* a compression program that GNU would have run refused the data */
    static const char *const msg[] = {
        NULL,
        "gzip: stdin: not in gzip format",
        "bzip2: (stdin) is not a bzip2 file.",
        "xz: (stdin): File format not recognized",
        "zstd: /*stdin*\\: unsupported format",
    };
    if (t->zip != Z_NONE) {
        vl_flush(t->c);
        vl_eprintf(t->c, "%s%s\n", t->zip == Z_GZIP ? "\n" : "", msg[t->zip]);
        terr(t, "Child returned status %d", t->zip == Z_BZIP2 ? 2 : 1);
        tfatal(t, NULL);
    }
    (void)a;
    terr(t, "This does not look like a tar archive");
}

static void do_read(tar *t, int nnames, char **names)
{
    vl_ctx *c = t->c;
    int fd = 0;
    if (!t->to_stdio) {
        fd = vk_open(t->p, t->file, VK_O_RDONLY, 0);
        if (fd < 0) {
            check_dying(t);
            terr(t, "%s: Cannot open: %s", t->file, vl_strerror(fd));
            tfatal(t, NULL);
        }
    }
    if (t->mode == MODE_EXTRACT) {
        /* -C applies to the files, not the archive (already open) */
    }
    struct archive *a = archive_read_new();
    if (!a) vl_die(c, 2, "memory exhausted");
    vl_defer(c, free_read, a);
    switch (t->zip) {
    case Z_GZIP: archive_read_support_filter_gzip(a); break;
    case Z_BZIP2: archive_read_support_filter_bzip2(a); break;
    case Z_XZ: archive_read_support_filter_xz(a); break;
    case Z_ZSTD: archive_read_support_filter_zstd(a); break;
    default: archive_read_support_filter_all(a); break;
    }
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    int r;
    va_io *io = va_read_open_fd(c, a, fd, &r);
    if (r != ARCHIVE_OK) {
        open_fail(t, a, io);
        return;
    }
    if (t->zip != Z_NONE) {
        /* the filter named by the option must really be there */
        if (archive_filter_count(a) < 2) {
            open_fail(t, a, io);
            return;
        }
    }
    member_sel sel = {names, vl_xcalloc(c, (size_t)nnames + 1, sizeof(bool)), nnames};
    struct archive_entry *e;
    bool any = false;
    for (;;) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) {
            check_dying(t);
            if (io->err) {
                terr(t, "%s: Cannot read: %s", t->to_stdio ? "-" : t->file, vl_strerror(io->err));
                tfatal(t, NULL);
            }
            if (!any) {
                open_fail(t, a, io);
                break;
            }
            if (r == ARCHIVE_FATAL) {
                const char *m = archive_error_string(a);
                if (m && strstr(m, "Truncated")) {
                    terr(t, "Unexpected EOF in archive");
                    tfatal(t, NULL);
                }
                terr(t, "%s", m ? m : "read error");
                tfatal(t, NULL);
            }
            /* a skipped bad header: go on */
            terr(t, "Skipping to next header");
            continue;
        }
        if (archive_format(a) == ARCHIVE_FORMAT_EMPTY) break;
        if (!any && t->to_stdio && t->zip == Z_NONE && archive_filter_count(a) > 1) {
            /* GNU tar detects compression only in a file it can reopen, not on stdin */
            int code = archive_filter_code(a, 0);
            const char *opt = code == ARCHIVE_FILTER_GZIP    ? "-z"
                              : code == ARCHIVE_FILTER_BZIP2 ? "-j"
                              : code == ARCHIVE_FILTER_XZ    ? "-J"
                              : code == ARCHIVE_FILTER_ZSTD  ? "--zstd"
                                                             : NULL;
            if (opt) {
                terr(t, "Archive is compressed. Use %s option", opt);
                tfatal(t, NULL);
            }
        }
        any = true;
        va_tick(c, 512);
        const char *raw = archive_entry_pathname(e);
        if (!raw) raw = "";
        const char *shown = raw;
        /* GNU strips in the header reader: the message comes for t too */
        const char *safe = safer_name(t, raw, false);
        if (archive_entry_hardlink(e)) {
            const char *hs = safer_name(t, archive_entry_hardlink(e), true);
            archive_entry_set_hardlink(e, hs);
        }
        if (t->mode == MODE_EXTRACT) shown = safe;
        if (!selected(t, &sel, shown == raw ? safe : shown) ||
            (t->nexcl && excluded(t, safe))) {
            archive_read_data_skip(a);
            continue;
        }
        if (t->mode == MODE_LIST) {
            const char *nm = t->nsubs ? transform(t, raw) : raw;
            if (t->verbose) {
                vl_buf b = {0};
                list_long(t, &b, e, nm);
                vl_write(c, b.data, b.len);
                vl_buf_free(c, &b);
            } else {
                vl_buf b = {0};
                print_quoted(t, &b, nm);
                vl_buf_addc(c, &b, '\n');
                vl_write(c, b.data, b.len);
                vl_buf_free(c, &b);
            }
            if (archive_read_data_skip(a) < ARCHIVE_WARN) {
                check_dying(t);
                terr(t, "Unexpected EOF in archive");
                tfatal(t, NULL);
            }
            continue;
        }
        verbose_entry(t, e, raw);
        extract_entry(t, a, e, has_dotdot(raw) && !t->absolute ? raw : safe);
    }
    if (t->mode == MODE_EXTRACT) finish_delayed(t);
    for (int i = 0; i < nnames; i++)
        if (!sel.found[i]) terr(t, "%s: Not found in archive", names[i]);
    if (fd != 0) vk_close(t->p, fd);
}

/* ---- arguments ---- */

/* Old-style options: "tar czf a.tgz dir" is "tar -c -z -f a.tgz dir". Returns a new argv. */
static char **old_style(vl_ctx *c, int *argc, char **argv)
{
    if (*argc < 2 || argv[1][0] == '-') return argv;
    const char *letters = argv[1];
    for (const char *s = letters; *s; s++)
        if (!strchr("cxtrudzjJavpkhmOPfCTXHo", *s)) return argv;
    char **out = vl_xcalloc(c, (size_t)*argc + strlen(letters) * 2 + 2, sizeof *out);
    int n = 0, next = 2;
    out[n++] = argv[0];
    for (const char *s = letters; *s; s++) {
        char *opt = vl_xmalloc(c, 3);
        opt[0] = '-', opt[1] = *s, opt[2] = 0;
        out[n++] = opt;
        if (strchr("fCTXH", *s)) {
            if (next >= *argc) {
                vl_eprintf(c, "tar: option requires an argument -- '%c'\n"
                              "Try 'tar --help' or 'tar --usage' for more information.\n", *s);
                vl_exit(c, 2);
            }
            out[n++] = argv[next++];
        }
    }
    while (next < *argc) out[n++] = argv[next++];
    out[n] = NULL;
    *argc = n;
    return out;
}

static bool parse_mtime(const char *s, int64_t *out)
{
    if (*s == '@') {
        char *end;
        long long v = strtoll(s + 1, &end, 10);
        if (*end) return false;
        *out = v;
        return true;
    }
    vl_tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int k = sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec);
    if (k < 3) return false;
    tm.year = y, tm.mon = mo, tm.mday = d, tm.hour = h, tm.min = mi, tm.sec = sec;
    return vl_time_make(&tm, NULL, out);
}

static int tar_main(vl_ctx *c, int argc, char **argv)
{
    tar t0 = {0}, *t = &t0;
    t->c = c;
    t->p = c->p;
    argv = old_style(c, &argc, argv);
    char **orig = vl_xmalloc(c, (size_t)(argc + 1) * sizeof *orig);
    memcpy(orig, argv, (size_t)(argc + 1) * sizeof *orig);
    int n = vl_getopt(c, argc, argv);
    int modes = vl_has(c, 'c') + vl_has(c, 'x') + vl_has(c, 't') + vl_has(c, 'r') + vl_has(c, 'u');
    if (modes == 0)
        usage_fail(t, "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options");
    if (modes > 1)
        usage_fail(t, "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option");
    t->mode = vl_has(c, 'c')   ? MODE_CREATE
              : vl_has(c, 'x') ? MODE_EXTRACT
              : vl_has(c, 't') ? MODE_LIST
              : vl_has(c, 'r') ? MODE_APPEND
                               : MODE_UPDATE;
    t->file = vl_has(c, 'f') ? vl_arg(c, 'f') : "-";
    t->to_stdio = strcmp(t->file, "-") == 0;
    int zl = 0;
    t->zip = Z_NONE;
    if (vl_last(c, 'z') > zl) zl = vl_last(c, 'z'), t->zip = Z_GZIP;
    if (vl_last(c, 'j') > zl) zl = vl_last(c, 'j'), t->zip = Z_BZIP2;
    if (vl_last(c, 'J') > zl) zl = vl_last(c, 'J'), t->zip = Z_XZ;
    if (vl_last(c, OPT_ZSTD) > zl) zl = vl_last(c, OPT_ZSTD), t->zip = Z_ZSTD;
    if (vl_has(c, 'a') && t->zip == Z_NONE && t->mode == MODE_CREATE && !t->to_stdio)
        t->zip = zip_from_suffix(t->file);
    t->verbose = vl_count(c, 'v');
    t->preserve = vl_has(c, 'p') && vl_last(c, 'p') > vl_last(c, OPT_NO_SAME_PERMS);
    t->to_stdout = vl_has(c, 'O');
    t->keep_old = vl_has(c, 'k');
    t->skip_old = vl_has(c, OPT_SKIP_OLD);
    t->keep_newer = vl_has(c, OPT_KEEP_NEWER);
    t->overwrite = vl_has(c, OPT_OVERWRITE);
    t->deref = vl_has(c, 'h');
    t->numeric = vl_has(c, OPT_NUMERIC);
    t->absolute = vl_has(c, 'P');
    t->touch = vl_has(c, 'm');
    t->wildcards = vl_last(c, OPT_WILDCARDS) > vl_last(c, OPT_NO_WILDCARDS);
    t->anchored = vl_has(c, OPT_ANCHORED);
    t->no_recursion = vl_has(c, OPT_NO_RECURSION);
    t->remove_files = vl_has(c, OPT_REMOVE_FILES);
    t->owner = vl_arg(c, OPT_OWNER);
    t->group = vl_arg(c, OPT_GROUP);
    if (t->owner && (strchr(t->owner, ':'))) {
        char *o = vl_xstrdup(c, t->owner);
        char *colon = strchr(o, ':');
        *colon = 0;
        t->owner = o;
    }
    if (t->group && (strchr(t->group, ':'))) {
        char *o = vl_xstrdup(c, t->group);
        *strchr(o, ':') = 0;
        t->group = o;
    }
    if (vl_has(c, OPT_STRIP)) {
        int64_t v;
        if (vl_parse_int(vl_arg(c, OPT_STRIP), &v, false) < 0 || v < 0 || v > 100000) {
            vl_eprintf(c, "tar: Invalid number of elements: '%s'\n", vl_arg(c, OPT_STRIP));
            vl_exit(c, 2);
        }
        t->strip = (int)v;
    }
    if (vl_has(c, 'H')) {
        const char *f = vl_arg(c, 'H');
        if (strcmp(f, "gnu") == 0 || strcmp(f, "oldgnu") == 0) t->format = 0;
        else if (strcmp(f, "pax") == 0 || strcmp(f, "posix") == 0) t->format = 4;
        else if (strcmp(f, "ustar") == 0) t->format = 2;
        else if (strcmp(f, "v7") == 0) t->format = 3;
        else usage_fail(t, "Invalid archive format");
    }
    if (vl_has(c, OPT_SORT)) {
        const char *s = vl_arg(c, OPT_SORT);
        if (strcmp(s, "none") && strcmp(s, "name") && strcmp(s, "inode")) {
            vl_eprintf(c, "tar: invalid argument '%s' for '--sort'\nValid arguments are:\n"
                          "  - 'none'\n  - 'name'\n  - 'inode'\n"
                          "Usage: tar [OPTION...] [FILE]...\n"
                          "Try 'tar --help' or 'tar --usage' for more information.\n", s);
            vl_exit(c, 2);
        }
    }
    if (vl_has(c, OPT_MTIME)) {
        if (!parse_mtime(vl_arg(c, OPT_MTIME), &t->force_mtime)) {
            vl_eprintf(c, "tar: Substituting -9223372036854775807 for unknown date format '%s'\n",
                       vl_arg(c, OPT_MTIME));
            t->force_mtime = 0;
        }
        t->has_mtime = true;
    }
    t->nexcl = vl_opt_all(c, argc, orig, OPT_EXCLUDE, &t->excl);
    {
        const char **xf;
        int nx = vl_opt_all(c, argc, orig, 'X', &xf);
        for (int i = 0; i < nx; i++) {
            int k;
            char **pats = read_names_file(t, xf[i], &k, false);
            t->excl = vl_xrealloc(c, t->excl, (size_t)(t->nexcl + k) * sizeof *t->excl);
            for (int j = 0; j < k; j++) t->excl[t->nexcl++] = pats[j];
        }
        if (vl_has(c, OPT_EXCLUDE_VCS)) {
            static const char *const vcs[] = {".git", ".gitignore", ".gitattributes",
                                              ".gitmodules", ".svn", ".hg", ".hgignore",
                                              ".bzr", "CVS", "_darcs", NULL};
            for (int i = 0; vcs[i]; i++) {
                t->excl = vl_xrealloc(c, t->excl, (size_t)(t->nexcl + 1) * sizeof *t->excl);
                t->excl[t->nexcl++] = vcs[i];
            }
        }
    }
    {
        const char **tr;
        int nt = vl_opt_all(c, argc, orig, OPT_TRANSFORM, &tr);
        for (int i = 0; i < nt; i++) parse_transform(t, tr[i]);
    }
    vl_tz_from_env(c, &t->tz);
    t->ugswidth = 19;
    t->umask = vk_umask(t->p, 022);
    vk_umask(t->p, t->umask);
    /* names: operands, then -T files */
    char **names = argv + 1;
    int nnames = n;
    {
        const char **tf;
        int ntf = vl_opt_all(c, argc, orig, 'T', &tf);
        for (int i = 0; i < ntf; i++) {
            int k;
            char **more = read_names_file(t, tf[i], &k, vl_has(c, OPT_NULL));
            char **all = vl_xmalloc(c, (size_t)(nnames + k + 1) * sizeof *all);
            memcpy(all, names, (size_t)nnames * sizeof *all);
            if (k) memcpy(all + nnames, more, (size_t)k * sizeof *all);
            names = all;
            nnames += k;
        }
    }
    if ((t->mode == MODE_CREATE) && nnames == 0 && !vl_has(c, 'T'))
        usage_fail(t, "Cowardly refusing to create an empty archive");
    const char *dir = vl_arg(c, 'C');
    if (t->mode == MODE_CREATE || t->mode == MODE_APPEND || t->mode == MODE_UPDATE) {
        /* open the archive (relative to the starting directory) before -C */
        if (dir) {
            if (!t->to_stdio && t->file[0] != '/') {
                const char *cwd = vk_getcwd(t->p);
                t->file = vl_path_join(c, cwd, t->file);
            }
            int r = vk_chdir(t->p, dir);
            if (r < 0) {
                terr(t, "%s: Cannot open: %s", dir, vl_strerror(r));
                tfatal(t, NULL);
            }
        }
        do_create(t, nnames, names);
    } else {
        if (dir) {
            if (!t->to_stdio && t->file[0] != '/') {
                const char *cwd = vk_getcwd(t->p);
                t->file = vl_path_join(c, cwd, t->file);
            }
            int r = vk_chdir(t->p, dir);
            if (r < 0) {
                terr(t, "%s: Cannot open: %s", dir, vl_strerror(r));
                tfatal(t, NULL);
            }
        }
        do_read(t, nnames, names);
    }
    vl_flush(c);
    if (t->status) terr(t, "Exiting with failure status due to previous errors");
    return t->status;
}

VL_COMMAND(tar, tar_main, tar_opts, "[OPTION...] [FILE]...",
           "GNU 'tar' saves many files together into a single tape or disk archive, and can\n"
           "restore individual files from the archive.",
           0, 2);
