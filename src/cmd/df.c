/* df: report file system space usage (GNU coreutils 9.1: -a -h -H -i -k -l -P -T -t -x -B
 * --output --total --sync/--no-sync, FILE operands) over the VM's mounts (vk_mounts,
 * vk_statfs). A mount's "Filesystem" is its driver's name, as /proc/mounts shows it. Pseudo
 * file systems (proc, devfs) and those without blocks are listed only with -a or when named. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_OUTPUT = 256, OPT_TOTAL, OPT_SYNC, OPT_NO_SYNC, OPT_SI };

static const vl_opt df_opts[] = {
    {'a', "all", VL_NOARG, NULL, "include pseudo, duplicate, inaccessible file systems"},
    {'B', "block-size", VL_ARG, "SIZE",
     "scale sizes by SIZE before printing them; e.g., '-BM' prints sizes in units of\n"
     "1,048,576 bytes; see SIZE format below"},
    {'h', "human-readable", VL_NOARG, NULL, "print sizes in powers of 1024 (e.g., 1023M)"},
    {'H', "si", VL_NOARG, NULL, "print sizes in powers of 1000 (e.g., 1.1G)"},
    {'i', "inodes", VL_NOARG, NULL, "list inode information instead of block usage"},
    {'k', NULL, VL_NOARG, NULL, "like --block-size=1K"},
    {'l', "local", VL_NOARG, NULL, "limit listing to local file systems"},
    {'m', NULL, VL_NOARG, NULL, NULL},
    {OPT_NO_SYNC, "no-sync", VL_NOARG, NULL, "do not invoke sync before getting usage info (default)"},
    {OPT_OUTPUT, "output", VL_OPTARG, "FIELD_LIST",
     "use the output format defined by FIELD_LIST, or print all fields if FIELD_LIST is\n"
     "omitted."},
    {'P', "portability", VL_NOARG, NULL, "use the POSIX output format"},
    {OPT_SYNC, "sync", VL_NOARG, NULL, "invoke sync before getting usage info"},
    {OPT_TOTAL, "total", VL_NOARG, NULL, "elide all entries insignificant to available space, and produce a grand total"},
    {'t', "type", VL_ARG, "TYPE", "limit listing to file systems of type TYPE"},
    {'T', "print-type", VL_NOARG, NULL, "print file system type"},
    {'x', "exclude-type", VL_ARG, "TYPE", "limit listing to file systems not of type TYPE"},
    {'v', NULL, VL_NOARG, NULL, "(ignored)"},
    {0, NULL, 0, NULL, NULL},
};

enum { F_SOURCE, F_FSTYPE, F_ITOTAL, F_IUSED, F_IAVAIL, F_IPCENT, F_SIZE, F_USED, F_AVAIL, F_PCENT,
       F_FILE, F_TARGET, F_COUNT };

static const struct {
    const char *name, *header;
    size_t width;
    bool left;
} fields[F_COUNT] = {
    {"source", "Filesystem", 14, true}, {"fstype", "Type", 4, true},
    {"itotal", "Inodes", 5, false},     {"iused", "IUsed", 5, false},
    {"iavail", "IFree", 5, false},      {"ipcent", "IUse%", 4, false},
    {"size", "blocks", 5, false},       {"used", "Used", 5, false},
    {"avail", "Avail", 5, false},       {"pcent", "Use%", 4, false},
    {"file", "File", 4, true},          {"target", "Mounted on", 0, true},
};

typedef struct row {
    char *cell[F_COUNT];
} row;

typedef struct df {
    vl_ctx *c;
    int cols[F_COUNT];
    int ncols;
    bool all, posix, inodes, human, output;
    int human_opts;
    uint64_t block_size;
    const char **types, **xtypes;
    int ntypes, nxtypes;
    row *rows;
    size_t nrows;
    bool total;
    uint64_t t_blocks, t_used, t_avail, t_files, t_iused, t_iavail;
    uint64_t *seen_dev;
    size_t nseen;
    const char *file; /* the FILE operand being reported */
} df;

static bool dummy_type(const char *t)
{
    static const char *const dummies[] = {"proc", "devfs", "sysfs", "devpts", "autofs", "debugfs",
                                          "mqueue", "cgroup", "cgroup2", "pipefs", NULL};
    for (int i = 0; dummies[i]; i++)
        if (strcmp(t, dummies[i]) == 0) return true;
    return false;
}

static bool listed(const char **v, int n, const char *t)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i], t) == 0) return true;
    return false;
}

static char *num(df *D, uint64_t n, uint64_t unit, bool inodes)
{
    char b[VL_HUMAN_BUFSIZE];
    const char *s = inodes ? vl_human(b, n, D->human ? D->human_opts : 0, 1, 1)
                           : vl_human(b, n, D->human_opts, unit, D->block_size);
    return vl_xstrdup(D->c, s);
}

static char *pct(df *D, uint64_t used, uint64_t avail)
{
    if (used + avail == 0) return vl_xstrdup(D->c, "-");
    uint64_t u100 = used * 100, total = used + avail;
    char b[16];
    snprintf(b, sizeof b, "%llu%%", (unsigned long long)(u100 / total + (u100 % total != 0)));
    return vl_xstrdup(D->c, b);
}

static void add_row(df *D, const char *source, const char *type, const char *target,
                    uint64_t bsize, uint64_t blocks, uint64_t bfree, uint64_t bavail,
                    uint64_t files, uint64_t ffree)
{
    vl_ctx *c = D->c;
    row r = {{0}};
    uint64_t used = blocks >= bfree ? blocks - bfree : 0;
    uint64_t iused = files >= ffree ? files - ffree : 0;
    r.cell[F_SOURCE] = vl_xstrdup(c, source);
    r.cell[F_FSTYPE] = vl_xstrdup(c, type);
    r.cell[F_ITOTAL] = num(D, files, 1, true);
    r.cell[F_IUSED] = num(D, iused, 1, true);
    r.cell[F_IAVAIL] = num(D, ffree, 1, true);
    r.cell[F_IPCENT] = pct(D, iused, ffree);
    r.cell[F_SIZE] = num(D, blocks, bsize, false);
    r.cell[F_USED] = num(D, used, bsize, false);
    r.cell[F_AVAIL] = num(D, bavail, bsize, false);
    r.cell[F_PCENT] = pct(D, used, bavail);
    r.cell[F_FILE] = vl_xstrdup(c, D->file ? D->file : "-");
    r.cell[F_TARGET] = vl_xstrdup(c, target);
    D->rows = vl_xrealloc(c, D->rows, (D->nrows + 1) * sizeof *D->rows);
    D->rows[D->nrows++] = r;
    if (D->total) {
        /* the totals are in 1-byte and 1-inode units */
        D->t_blocks += blocks * bsize;
        D->t_used += used * bsize;
        D->t_avail += bavail * bsize;
        D->t_files += files;
        D->t_iused += iused;
        D->t_iavail += ffree;
    }
}

static bool wanted(df *D, const vk_statfs_buf *m, bool named)
{
    if (D->ntypes && !listed(D->types, D->ntypes, m->type)) return false;
    if (listed(D->xtypes, D->nxtypes, m->type)) return false;
    if (named) return true;
    if (!D->all && (dummy_type(m->type) || m->blocks == 0)) return false;
    if (!D->all) {
        for (size_t i = 0; i < D->nseen; i++)
            if (D->seen_dev[i] == m->dev) return false;
    }
    D->seen_dev = vl_xrealloc(D->c, D->seen_dev, (D->nseen + 1) * sizeof *D->seen_dev);
    D->seen_dev[D->nseen++] = m->dev;
    return true;
}

static int one_mount(void *ctx, const vk_statfs_buf *m)
{
    df *D = ctx;
    if (!wanted(D, m, false)) return 0;
    add_row(D, m->type, m->type, m->mountpoint, m->bsize, m->blocks, m->bfree, m->bavail,
            m->files, m->ffree);
    return 0;
}

static void print_table(df *D)
{
    vl_ctx *c = D->c;
    size_t width[F_COUNT];
    const char *hdr[F_COUNT];
    char sizehdr[64];
    for (int k = 0; k < D->ncols; k++) {
        int f = D->cols[k];
        hdr[k] = fields[f].header;
        if (f == F_SIZE) {
            if (D->human) hdr[k] = "Size";
            else if (D->posix && !D->output) {
                snprintf(sizehdr, sizeof sizehdr, "%llu-blocks", (unsigned long long)D->block_size);
                hdr[k] = sizehdr;
            } else {
                char b[VL_HUMAN_BUFSIZE];
                /* "1K-blocks", "1M-blocks", "512B-blocks" */
                const char *u = vl_human(b, D->block_size, VL_HUMAN_AUTOSCALE | VL_HUMAN_SI |
                                                              (D->human_opts & VL_HUMAN_BASE_1024 ? VL_HUMAN_BASE_1024 : 0) |
                                                              VL_HUMAN_SUPPRESS_POINT_ZERO |
                                                              (D->block_size % 1024 == 0 ? VL_HUMAN_BASE_1024 : 0),
                                         1, 1);
                if (D->block_size < 1024 && D->block_size % 1000) snprintf(sizehdr, sizeof sizehdr, "%sB-blocks", u);
                else snprintf(sizehdr, sizeof sizehdr, "%s-blocks", u);
                hdr[k] = sizehdr;
            }
        }
        /* GNU's headers: "Available" and "Capacity" only outside -h and --output */
        if (f == F_AVAIL && !D->human && !D->output) hdr[k] = "Available";
        if (f == F_PCENT && D->posix && !D->human) hdr[k] = "Capacity";
        width[k] = fields[f].width;
        if (strlen(hdr[k]) > width[k]) width[k] = strlen(hdr[k]);
        for (size_t r = 0; r < D->nrows; r++) {
            size_t l = strlen(D->rows[r].cell[f]);
            if (l > width[k]) width[k] = l;
        }
    }
    for (size_t r = 0; r <= D->nrows; r++) {
        for (int k = 0; k < D->ncols; k++) {
            int f = D->cols[k];
            const char *s = r == 0 ? hdr[k] : D->rows[r - 1].cell[f];
            size_t l = strlen(s);
            bool last = k == D->ncols - 1;
            if (k) vl_putc(c, ' ');
            if (fields[f].left) {
                vl_puts(c, s);
                if (!last)
                    for (size_t i = l; i < width[k]; i++) vl_putc(c, ' ');
            } else {
                for (size_t i = l; i < width[k]; i++) vl_putc(c, ' ');
                vl_puts(c, s);
            }
        }
        vl_putc(c, '\n');
    }
}

static void parse_output(df *D, const char *list)
{
    vl_ctx *c = D->c;
    if (!list) {
        for (int f = 0; f < F_COUNT; f++) D->cols[D->ncols++] = f;
        return;
    }
    char *dup = vl_xstrdup(c, list);
    for (char *tok = dup, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        int f = -1;
        for (int k = 0; k < F_COUNT; k++)
            if (strcmp(tok, fields[k].name) == 0) f = k;
        if (f < 0) vl_usage_error(c, "option --output: field %s unknown", vl_quote_always(c, tok));
        for (int k = 0; k < D->ncols; k++)
            if (D->cols[k] == f)
                vl_usage_error(c, "option --output: field %s used more than once",
                               vl_quote_always(c, tok));
        D->cols[D->ncols++] = f;
    }
}

static int df_main(vl_ctx *c, int argc, char **argv)
{
    char **orig = vl_xmalloc(c, (size_t)(argc + 1) * sizeof *orig);
    memcpy(orig, argv, (size_t)(argc + 1) * sizeof *orig);
    int n = vl_getopt(c, argc, argv);
    df D = {0};
    D.c = c;
    D.all = vl_has(c, 'a');
    D.posix = vl_has(c, 'P');
    D.inodes = vl_has(c, 'i');
    D.total = vl_has(c, OPT_TOTAL);
    D.ntypes = vl_opt_all(c, argc, orig, 't', &D.types);
    D.nxtypes = vl_opt_all(c, argc, orig, 'x', &D.xtypes);
    for (int i = 0; i < D.ntypes; i++)
        if (listed(D.xtypes, D.nxtypes, D.types[i]))
            vl_die(c, 1, "file system type %s both selected and excluded",
                   vl_quote_always(c, D.types[i]));
    /* sizes: DF_BLOCK_SIZE, then the last of -h -H -k -B (and -P's 1024) */
    int rc = vl_block_size(c, NULL, "DF_BLOCK_SIZE", &D.human_opts, &D.block_size);
    if (rc < 0) D.block_size = 1024, D.human_opts = 0;
    int last = 0, which = 0;
    static const int ids[] = {'h', 'H', 'k', 'm', 'B'};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (vl_last(c, ids[i]) > last) last = vl_last(c, ids[i]), which = ids[i];
    switch (which) {
    case 'h': D.human_opts = VL_HUMAN_AUTOSCALE | VL_HUMAN_SI | VL_HUMAN_BASE_1024, D.block_size = 1; break;
    case 'H': D.human_opts = VL_HUMAN_AUTOSCALE | VL_HUMAN_SI, D.block_size = 1; break;
    case 'k': D.human_opts = 0, D.block_size = 1024; break;
    case 'm': D.human_opts = 0, D.block_size = 1024 * 1024; break;
    case 'B': {
        const char *spec = vl_arg(c, 'B');
        rc = vl_block_size(c, spec, NULL, &D.human_opts, &D.block_size);
        if (rc < 0) vl_block_size_die(c, rc, vl_opt_spelling(c, argc, orig, 'B'), spec, 1);
        break;
    }
    default:
        if (D.posix && !vk_getenv(c->p, "DF_BLOCK_SIZE") && !vk_getenv(c->p, "BLOCK_SIZE"))
            D.block_size = 1024;
        break;
    }
    D.human = (D.human_opts & VL_HUMAN_AUTOSCALE) != 0;
    if (vl_has(c, OPT_OUTPUT)) {
        if (D.inodes || D.posix || vl_has(c, 'T'))
            vl_usage_error(c, "options %s and --output are mutually exclusive",
                           D.inodes ? "-i" : D.posix ? "-P" : "-T");
        parse_output(&D, vl_arg(c, OPT_OUTPUT));
        D.output = true;
    } else {
        D.cols[D.ncols++] = F_SOURCE;
        if (vl_has(c, 'T')) D.cols[D.ncols++] = F_FSTYPE;
        if (D.inodes) {
            D.cols[D.ncols++] = F_ITOTAL;
            D.cols[D.ncols++] = F_IUSED;
            D.cols[D.ncols++] = F_IAVAIL;
            D.cols[D.ncols++] = F_IPCENT;
        } else {
            D.cols[D.ncols++] = F_SIZE;
            D.cols[D.ncols++] = F_USED;
            D.cols[D.ncols++] = F_AVAIL;
            D.cols[D.ncols++] = F_PCENT;
        }
        D.cols[D.ncols++] = F_TARGET;
    }
    if (n == 0) {
        vk_mounts(c->p, one_mount, &D);
    } else {
        for (int i = 1; i <= n; i++) {
            vk_statfs_buf m;
            struct vk_stat st;
            int r = vk_stat(c->p, argv[i], &st);
            if (r == 0) r = vk_statfs(c->p, argv[i], &m);
            if (r < 0) {
                vl_error(c, "%s: %s", vl_quote(c, argv[i]), vl_strerror(r));
                continue;
            }
            if (!wanted(&D, &m, true)) continue;
            D.file = argv[i];
            add_row(&D, m.type, m.type, m.mountpoint, m.bsize, m.blocks, m.bfree, m.bavail,
                    m.files, m.ffree);
            D.file = NULL;
        }
    }
    if (D.nrows == 0) {
        if (c->status == 0 || n == 0) vl_error(c, "no file systems processed");
        return 1;
    }
    if (D.total) {
        bool saved = D.total;
        D.total = false;
        add_row(&D, "total", "-", "-", 1, D.t_blocks, D.t_blocks - D.t_used, D.t_avail, D.t_files,
                D.t_iavail);
        D.total = saved;
    }
    print_table(&D);
    return c->status;
}

VL_COMMAND(df, df_main, df_opts, "[OPTION]... [FILE]...",
           "Show information about the file system on which each FILE resides,\n"
           "or all file systems by default.",
           0, 1);
