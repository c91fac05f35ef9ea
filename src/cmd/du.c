/* du: estimate file space usage (GNU coreutils 9.1: -a -s -d/--max-depth -c -h --si -k -m -b
 * -B --apparent-size --inodes -l -L -H/-D -P -S -x -t -0 --exclude -X --time --time-style
 * --files0-from). Hard links (and, with several operands or -L, directories) are counted once.
 * Entries come in name order (GNU: the directory's own order, which differs between file
 * systems). */
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <stdlib.h>
#include <string.h>

enum {
    OPT_APPARENT = 256,
    OPT_SI,
    OPT_INODES,
    OPT_EXCLUDE,
    OPT_TIME,
    OPT_TIME_STYLE,
    OPT_FILES0,
};

static const vl_opt du_opts[] = {
    {'0', "null", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {'a', "all", VL_NOARG, NULL, "write counts for all files, not just directories"},
    {OPT_APPARENT, "apparent-size", VL_NOARG, NULL,
     "print apparent sizes rather than device usage; although the apparent size is usually\n"
     "smaller, it may be larger due to holes in ('sparse') files, internal fragmentation,\n"
     "indirect blocks, and the like"},
    {'B', "block-size", VL_ARG, "SIZE",
     "scale sizes by SIZE before printing them; e.g., '-BM' prints sizes in units of\n"
     "1,048,576 bytes; see SIZE format below"},
    {'b', "bytes", VL_NOARG, NULL, "equivalent to '--apparent-size --block-size=1'"},
    {'c', "total", VL_NOARG, NULL, "produce a grand total"},
    {'D', "dereference-args", VL_NOARG, NULL,
     "dereference only symlinks that are listed on the command line"},
    {'d', "max-depth", VL_ARG, "N",
     "print the total for a directory (or file, with --all) only if it is N or fewer levels\n"
     "below the command line argument;  --max-depth=0 is the same as --summarize"},
    {OPT_FILES0, "files0-from", VL_ARG, "F",
     "summarize device usage of the NUL-terminated file names specified in file F;\n"
     "if F is -, then read names from standard input"},
    {'H', NULL, VL_NOARG, NULL, "equivalent to --dereference-args (-D)"},
    {'h', "human-readable", VL_NOARG, NULL, "print sizes in human readable format (e.g., 1K 234M 2G)"},
    {OPT_INODES, "inodes", VL_NOARG, NULL, "list inode usage information instead of block usage"},
    {'k', NULL, VL_NOARG, NULL, "like --block-size=1K"},
    {'L', "dereference", VL_NOARG, NULL, "dereference all symbolic links"},
    {'l', "count-links", VL_NOARG, NULL, "count sizes many times if hard linked"},
    {'m', NULL, VL_NOARG, NULL, "like --block-size=1M"},
    {'P', "no-dereference", VL_NOARG, NULL,
     "don't follow any symbolic links (this is the default)"},
    {'S', "separate-dirs", VL_NOARG, NULL, "for directories do not include size of subdirectories"},
    {OPT_SI, "si", VL_NOARG, NULL, "like -h, but use powers of 1000 not 1024"},
    {'s', "summarize", VL_NOARG, NULL, "display only a total for each argument"},
    {'t', "threshold", VL_ARG, "SIZE",
     "exclude entries smaller than SIZE if positive, or entries greater than SIZE if negative"},
    {OPT_TIME, "time", VL_OPTARG, "WORD",
     "show time of the last modification of any file in the directory, or any of its\n"
     "subdirectories; with WORD: atime, access, use, ctime or status"},
    {OPT_TIME_STYLE, "time-style", VL_ARG, "STYLE",
     "show times using STYLE, which can be: full-iso, long-iso, iso, or +FORMAT"},
    {'X', "exclude-from", VL_ARG, "FILE", "exclude files that match any pattern in FILE"},
    {OPT_EXCLUDE, "exclude", VL_ARG, "PATTERN", "exclude files that match PATTERN"},
    {'x', "one-file-system", VL_NOARG, NULL, "skip directories on different file systems"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct usage {
    uint64_t size;   /* bytes (or inodes) */
    int64_t tmax;    /* newest time, ns */
} usage;

/* what a directory being walked has gathered: its files, and its subdirectories' totals */
typedef struct sums {
    usage files, dirs;
} sums;

typedef struct du {
    vl_ctx *c;
    bool all, apparent, inodes, count_links, separate, one_fs, hash_all;
    int max_depth; /* -1: no limit */
    int human_opts;
    uint64_t block_size;
    int64_t threshold;
    bool has_threshold;
    int time_sel;  /* 0 none, 1 mtime, 2 atime, 3 ctime */
    const char *time_fmt;
    vl_tz tz;
    char eol;
    const char **excl;
    int nexcl;
    /* (dev, ino) seen: open addressing */
    uint64_t *seen;
    size_t nseen, capseen;
    /* sums by depth of the walk in progress */
    sums *lvl;
    size_t nlvl;
    uint64_t root_dev;
    usage total;
    bool ok;
    const char *files0;
} du;

static uint64_t mix(uint64_t dev, uint64_t ino)
{
    uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ (dev + 0x632be59bd9b4e019ull);
    h ^= h >> 29;
    return h ? h : 1;
}

/* Insert (dev, ino); false when it was there already. The table stores both halves. */
static bool seen_insert(du *D, uint64_t dev, uint64_t ino)
{
    if (2 * (D->nseen + 1) > D->capseen) {
        size_t ncap = D->capseen ? D->capseen * 2 : 256;
        uint64_t *nv = vl_xcalloc(D->c, ncap * 2, sizeof *nv);
        for (size_t i = 0; i < D->capseen; i++) {
            if (!D->seen[2 * i] && !D->seen[2 * i + 1]) continue;
            size_t j = mix(D->seen[2 * i], D->seen[2 * i + 1]) & (ncap - 1);
            while (nv[2 * j] || nv[2 * j + 1]) j = (j + 1) & (ncap - 1);
            nv[2 * j] = D->seen[2 * i];
            nv[2 * j + 1] = D->seen[2 * i + 1];
        }
        vl_xfree(D->c, D->seen);
        D->seen = nv;
        D->capseen = ncap;
    }
    /* (0, 0) marks an empty slot: keep real keys away from it */
    uint64_t a = dev + 1, b = ino;
    size_t j = mix(a, b) & (D->capseen - 1);
    while (D->seen[2 * j] || D->seen[2 * j + 1]) {
        if (D->seen[2 * j] == a && D->seen[2 * j + 1] == b) return false;
        j = (j + 1) & (D->capseen - 1);
    }
    D->seen[2 * j] = a;
    D->seen[2 * j + 1] = b;
    D->nseen++;
    return true;
}

static int64_t pick_time(const du *D, const struct vk_stat *st)
{
    return D->time_sel == 2 ? st->atime_ns : D->time_sel == 3 ? st->ctime_ns : st->mtime_ns;
}

static void print_usage(du *D, const usage *u, const char *name)
{
    vl_ctx *c = D->c;
    if (D->has_threshold) {
        int64_t s = (int64_t)u->size;
        if ((D->threshold >= 0 && s < D->threshold) || (D->threshold < 0 && s > -D->threshold))
            return;
    }
    char b[VL_HUMAN_BUFSIZE];
    vl_puts(c, vl_human(b, u->size, D->human_opts, 1, D->block_size));
    if (D->time_sel) {
        vl_putc(c, '\t');
        int64_t sec = u->tmax / 1000000000, ns = u->tmax % 1000000000;
        if (ns < 0) ns += 1000000000, sec--;
        vl_tm tm;
        if (vl_time_split(sec, (int32_t)ns, &D->tz, &tm)) {
            vl_buf t = {0};
            vl_strftime_buf(c, &t, D->time_fmt, &tm);
            vl_write(c, t.data, t.len);
            vl_buf_free(c, &t);
        } else {
            vl_printf(c, "%lld", (long long)sec);
        }
    }
    vl_putc(c, '\t');
    vl_puts(c, name);
    vl_putc(c, D->eol);
}

static bool excluded(const du *D, const char *path)
{
    for (int i = 0; i < D->nexcl; i++) {
        /* the whole name, or any part of it after a slash (GNU's unanchored patterns) */
        if (vl_fnmatch(D->excl[i], path, 0) == 0) return true;
        for (const char *p = path; *p; p++)
            if (*p == '/' && p[1] != '/' && vl_fnmatch(D->excl[i], p + 1, 0) == 0) return true;
    }
    return false;
}

static const usage none = {0, INT64_MIN};

static sums *level(du *D, int depth)
{
    if ((size_t)depth >= D->nlvl) {
        size_t n = (size_t)depth + 16;
        D->lvl = vl_xrealloc(D->c, D->lvl, n * sizeof *D->lvl);
        for (size_t i = D->nlvl; i < n; i++) D->lvl[i] = (sums){none, none};
        D->nlvl = n;
    }
    return &D->lvl[depth];
}

static void add_to(usage *to, const usage *u)
{
    to->size += u->size;
    if (u->tmax > to->tmax) to->tmax = u->tmax;
}

/* An entry's own usage; false when it was counted already (a hard link met again). */
static bool own_usage(du *D, const struct vk_stat *st, usage *u)
{
    u->size = D->inodes ? 1 : D->apparent ? st->size : st->blocks * 512;
    u->tmax = D->time_sel ? pick_time(D, st) : 0;
    if (!D->count_links && (D->hash_all || (!VK_S_ISDIR(st->mode) && st->nlink > 1)) &&
        !seen_insert(D, st->dev, st->ino)) {
        u->size = 0;
        u->tmax = INT64_MIN;
        return false;
    }
    return true;
}

static int visit(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    du *D = ud;
    if ((e->depth & 1023) == 0) {
        int rc = vk_steps(c->p, 1);
        if (rc < 0 && rc != VOS_EINTR) vl_exit(c, vk_dying(c->p) ? 128 + 9 : 1);
    }
    switch (event) {
    case VL_WALK_NS:
        vl_error(c, "cannot access %s: %s", vl_quote_always(c, e->path), vl_strerror(e->err));
        D->ok = false;
        return 0;
    case VL_WALK_LOOP:
        vl_error(c, "WARNING: Circular directory structure.\n"
                    "This almost certainly means that you have a corrupted file system.\n"
                    "NOTIFY YOUR SYSTEM MANAGER.\n"
                    "The following directory is part of the cycle:\n  %s\n",
                 vl_quote_always(c, e->path));
        D->ok = false;
        return 0;
    case VL_WALK_PRE:
        if (excluded(D, e->path)) return VL_WALK_SKIP;
        if (e->depth == 0) D->root_dev = e->st.dev;
        if (e->depth > 0 && D->one_fs && e->st.dev != D->root_dev) return VL_WALK_SKIP;
        *level(D, e->depth + 1) = (sums){none, none};
        return 0;
    case VL_WALK_DNR:
        vl_error(c, "cannot read directory %s: %s", vl_quote_always(c, e->path),
                 vl_strerror(e->err));
        D->ok = false;
        *level(D, e->depth + 1) = (sums){none, none};
        /* its own size still counts */
        /* fall through */
    case VL_WALK_POST: {
        usage own;
        bool counted = own_usage(D, &e->st, &own);
        sums sub = *level(D, e->depth + 1);
        /* -S: a directory's own size and its files, not its subdirectories */
        usage mine = own, all;
        add_to(&mine, &sub.files);
        all = mine;
        add_to(&all, &sub.dirs);
        if (counted && (D->max_depth < 0 || e->depth <= D->max_depth))
            print_usage(D, D->separate ? &mine : &all, e->path);
        if (e->depth > 0) add_to(&level(D, e->depth)->dirs, &all);
        else add_to(&D->total, D->separate ? &mine : &all);
        return 0;
    }
    default: { /* a file */
        if (excluded(D, e->path)) return 0;
        usage own;
        bool counted = own_usage(D, &e->st, &own);
        if (counted && (e->depth == 0 || (D->all && (D->max_depth < 0 || e->depth <= D->max_depth))))
            print_usage(D, &own, e->path);
        if (e->depth > 0) add_to(&level(D, e->depth)->files, &own);
        else add_to(&D->total, &own);
        return 0;
    }
    }
}

/* A size with GNU's du suffixes for -t (may be negative). */
static bool parse_threshold(const char *s, int64_t *out)
{
    const char *p = s;
    bool neg = *p == '-';
    if (neg) p++;
    if (*p < '0' || *p > '9') return false;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
            return false;
    if (*p) {
        static const char units[] = "KMGTPEZY";
        const char *u = strchr("kKmMGTPEZY", *p) ? strchr(units, *p >= 'a' ? *p - 32 : *p) : NULL;
        if (!u) return false;
        unsigned base = 1024;
        p++;
        if (p[0] == 'i' && p[1] == 'B') p += 2;
        else if (p[0] == 'B') base = 1000, p++;
        if (*p) return false;
        for (int i = 0; i <= u - units; i++)
            if (__builtin_mul_overflow(v, base, &v)) return false;
    }
    if (v > (uint64_t)INT64_MAX || (neg && v == 0)) return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static void add_patterns_from(du *D, const char *file)
{
    vl_ctx *c = D->c;
    vl_in *in = vl_in_open_quiet(c, file, NULL);
    if (!in) vl_die(c, 1, "%s: %s", vl_quote(c, file), vl_strerror(VOS_ENOENT));
    char *line;
    ssize_t n;
    while ((n = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        if (line[n - 1] == '\n') n--;
        char *pat = vl_xmalloc(c, (size_t)n + 1);
        memcpy(pat, line, (size_t)n);
        pat[n] = '\0';
        D->excl = vl_xrealloc(c, D->excl, (size_t)(D->nexcl + 1) * sizeof *D->excl);
        D->excl[D->nexcl++] = pat;
    }
    vl_in_close(c, in);
}

static int du_main(vl_ctx *c, int argc, char **argv)
{
    char **orig = vl_xmalloc(c, (size_t)(argc + 1) * sizeof *orig);
    memcpy(orig, argv, (size_t)(argc + 1) * sizeof *orig);
    int n = vl_getopt(c, argc, argv);
    du D = {0};
    D.c = c;
    D.ok = true;
    D.eol = vl_has(c, '0') ? '\0' : '\n';
    D.all = vl_has(c, 'a');
    D.apparent = vl_has(c, OPT_APPARENT) || vl_has(c, 'b');
    D.inodes = vl_has(c, OPT_INODES);
    D.count_links = vl_has(c, 'l');
    D.separate = vl_has(c, 'S');
    D.one_fs = vl_has(c, 'x');
    D.max_depth = -1;
    if (vl_has(c, 'd')) {
        const char *s = vl_arg(c, 'd');
        char *end;
        long v = strtol(s, &end, 10);
        if (!*s || *end || v < 0 || v > 1000000 || *s == '-' || *s == '+')
            vl_usage_error(c, "invalid maximum depth %s", vl_quote_always(c, s));
        D.max_depth = (int)v;
    }
    if (vl_has(c, 's')) {
        if (D.all) vl_usage_error(c, "cannot both summarize and show all entries");
        if (D.max_depth > 0)
            vl_usage_error(c, "warning: summarizing conflicts with --max-depth=%d", D.max_depth);
        if (D.max_depth == 0) vl_error(c, "warning: summarizing is the same as using --max-depth=0");
        c->status = 0;
        D.max_depth = 0;
    }
    /* sizes: DU_BLOCK_SIZE, then the last of -b -h --si -k -m -B */
    int rc = vl_block_size(c, NULL, "DU_BLOCK_SIZE", &D.human_opts, &D.block_size);
    if (rc < 0) D.block_size = 1024, D.human_opts = 0;
    int last = 0, which = 0;
    static const int ids[] = {'b', 'h', OPT_SI, 'k', 'm', 'B'};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (vl_last(c, ids[i]) > last) last = vl_last(c, ids[i]), which = ids[i];
    switch (which) {
    case 'b': D.human_opts = 0, D.block_size = 1; break;
    case 'h': D.human_opts = VL_HUMAN_AUTOSCALE | VL_HUMAN_SI | VL_HUMAN_BASE_1024, D.block_size = 1; break;
    case OPT_SI: D.human_opts = VL_HUMAN_AUTOSCALE | VL_HUMAN_SI, D.block_size = 1; break;
    case 'k': D.human_opts = 0, D.block_size = 1024; break;
    case 'm': D.human_opts = 0, D.block_size = 1024 * 1024; break;
    case 'B': {
        const char *spec = vl_arg(c, 'B');
        rc = vl_block_size(c, spec, NULL, &D.human_opts, &D.block_size);
        if (rc < 0) vl_block_size_die(c, rc, vl_opt_spelling(c, argc, orig, 'B'), spec, 1);
        break;
    }
    default: break;
    }
    if (D.inodes) {
        if (D.apparent) {
            vl_error(c, "warning: options --apparent-size and -b are ineffective with --inodes");
            c->status = 0;
        }
        D.block_size = 1;
    }
    if (vl_has(c, 't')) {
        const char *t = vl_arg(c, 't');
        if (t[0] == '-' && t[1] == '0' && !t[2]) vl_die(c, 1, "invalid --threshold argument '-0'");
        if (!parse_threshold(t, &D.threshold))
            vl_die(c, 1, "invalid %s argument %s", vl_opt_spelling(c, argc, orig, 't'),
                   vl_quote_always(c, t));
        D.has_threshold = true;
    }
    if (vl_has(c, OPT_TIME)) {
        const char *w = vl_arg(c, OPT_TIME);
        D.time_sel = 1;
        if (w) {
            if (!strcmp(w, "atime") || !strcmp(w, "access") || !strcmp(w, "use")) D.time_sel = 2;
            else if (!strcmp(w, "ctime") || !strcmp(w, "status")) D.time_sel = 3;
            else {
                vl_error(c, "invalid argument %s for %s", vl_quote_always(c, w),
                         vl_quote_always(c, "--time"));
                vl_eprintf(c, "Valid arguments are:\n  - 'atime', 'access', 'use'\n"
                              "  - 'ctime', 'status'\nTry '%s --help' for more information.\n",
                           c->name);
                vl_exit(c, 1);
            }
        }
        const char *style = vl_arg(c, OPT_TIME_STYLE);
        if (!style) style = vk_getenv(c->p, "TIME_STYLE");
        if (!style) style = "long-iso";
        while (strncmp(style, "posix-", 6) == 0) style += 6;
        if (style[0] == '+') {
            char *f = vl_xstrdup(c, style + 1);
            char *nl = strchr(f, '\n');
            if (nl) *nl = '\0';
            D.time_fmt = f;
        } else if (!strcmp(style, "full-iso")) {
            D.time_fmt = "%Y-%m-%d %H:%M:%S.%N %z";
        } else if (!strcmp(style, "long-iso")) {
            D.time_fmt = "%Y-%m-%d %H:%M";
        } else if (!strcmp(style, "iso")) {
            D.time_fmt = "%Y-%m-%d";
        } else {
            vl_error(c, "invalid argument %s for %s", vl_quote_always(c, style),
                     vl_quote_always(c, "time style"));
            vl_eprintf(c, "Valid arguments are:\n  - 'full-iso'\n  - 'long-iso'\n  - 'iso'\n"
                          "Try '%s --help' for more information.\n",
                       c->name);
            vl_exit(c, 1);
        }
        vl_tz_from_env(c, &D.tz);
    }
    D.nexcl = vl_opt_all(c, argc, orig, OPT_EXCLUDE, &D.excl);
    const char **xfiles;
    int nx = vl_opt_all(c, argc, orig, 'X', &xfiles);
    for (int i = 0; i < nx; i++) add_patterns_from(&D, xfiles[i]);

    /* the operands: arguments, --files0-from, or "." */
    char **names = argv + 1;
    int nnames = n;
    static char dot[] = ".";
    char *defname[] = {dot};
    if (vl_has(c, OPT_FILES0)) {
        if (n > 0)
            vl_usage_error(c, "extra operand %s\nfile operands cannot be combined with --files0-from",
                           vl_quote_always(c, argv[1]));
        const char *f = vl_arg(c, OPT_FILES0);
        vl_in *in = strcmp(f, "-") == 0 ? vl_in_fd(c, 0, "-") : vl_in_open_quiet(c, f, NULL);
        if (!in) vl_die(c, 1, "cannot open %s for reading: %s", vl_quote_always(c, f),
                        vl_strerror(VOS_ENOENT));
        names = NULL;
        nnames = 0;
        D.files0 = f;
        char *line;
        ssize_t len;
        while ((len = vl_in_getdelim(c, in, '\0', &line)) > 0) {
            if (line[len - 1] == '\0') len--;
            char *name = vl_xmalloc(c, (size_t)len + 1);
            memcpy(name, line, (size_t)len);
            name[len] = '\0';
            names = vl_xrealloc(c, names, (size_t)(nnames + 1) * sizeof *names);
            names[nnames++] = name;
        }
        vl_in_close(c, in);
    } else if (n == 0) {
        names = defname;
        nnames = 1;
    }
    D.hash_all = nnames > 1 || vl_has(c, 'L');
    int flags = vl_has(c, 'L') && vl_last(c, 'L') > vl_last(c, 'P') ? VL_WALK_FOLLOW
                : (vl_has(c, 'H') || vl_has(c, 'D')) ? VL_WALK_FOLLOW_ROOT
                                                     : 0;
    for (int i = 0; i < nnames; i++) {
        if (!*names[i]) {
            if (D.files0) vl_error(c, "%s:%d: invalid zero-length file name", vl_quote(c, D.files0), i + 1);
            else vl_error(c, "invalid zero-length file name");
            D.ok = false;
            continue;
        }
        /* fts keeps one trailing slash of "d//" */
        char *root = vl_xstrdup(c, names[i]);
        size_t rl = strlen(root);
        while (rl > 2 && root[rl - 1] == '/' && root[rl - 2] == '/') root[--rl] = '\0';
        vl_walk(c, root, flags, visit, &D);
        vl_xfree(c, root);
    }
    if (vl_has(c, 'c')) print_usage(&D, &D.total, "total");
    return D.ok && c->status == 0 ? 0 : 1;
}

VL_COMMAND(du, du_main, du_opts, "[OPTION]... [FILE]...\n  or:  du [OPTION]... --files0-from=F",
           "Summarize device usage of the set of FILEs, recursively for directories.", 0, 1);
