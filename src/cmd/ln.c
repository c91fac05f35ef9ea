/* ln: make hard and symbolic links (GNU coreutils 9.1: -s -f -i -n -v -T -t -r -L -P, -b
 * --backup -S). */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_BACKUP = 256 };

static const vl_opt ln_opts[] = {
    {OPT_BACKUP, "backup", VL_OPTARG, "CONTROL", "make a backup of each existing destination file"},
    {'b', NULL, VL_NOARG, NULL, "like --backup but does not accept an argument"},
    {'f', "force", VL_NOARG, NULL, "remove existing destination files"},
    {'i', "interactive", VL_NOARG, NULL, "prompt whether to remove destinations"},
    {'L', "logical", VL_NOARG, NULL, "dereference TARGETs that are symbolic links"},
    {'n', "no-dereference", VL_NOARG, NULL,
     "treat LINK_NAME as a normal file if it is a symbolic link to a directory"},
    {'P', "physical", VL_NOARG, NULL, "make hard links directly to symbolic links"},
    {'r', "relative", VL_NOARG, NULL, "with -s, create links relative to link location"},
    {'s', "symbolic", VL_NOARG, NULL, "make symbolic links instead of hard links"},
    {'S', "suffix", VL_ARG, "SUFFIX", "override the usual backup suffix"},
    {'t', "target-directory", VL_ARG, "DIRECTORY",
     "specify the DIRECTORY in which to create the links"},
    {'T', "no-target-directory", VL_NOARG, NULL, "treat LINK_NAME as a normal file always"},
    {'v', "verbose", VL_NOARG, NULL, "print name of each linked file"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct lnopts {
    bool sym, force, interactive, noderef, relative, verbose, logical;
    int backup;
    const char *suffix;
    vl_in *in;
} lnopts;

/* The relative path from directory dir to file, both canonical absolute paths. */
static char *relpath(vl_ctx *c, const char *file, const char *dir)
{
    size_t common = 0, i = 0;
    /* longest common prefix that ends at a component boundary */
    for (;; i++) {
        bool fend = file[i] == '\0' || file[i] == '/';
        bool dend = dir[i] == '\0' || dir[i] == '/';
        if (fend && dend) {
            common = i;
            if (file[i] == '\0' || dir[i] == '\0') break;
        }
        if (file[i] != dir[i] || file[i] == '\0') break;
    }
    vl_buf b = {0};
    for (const char *q = dir + common; *q; q++) {
        if (*q == '/' && q[1] != '\0') vl_buf_adds(c, &b, b.len ? "/.." : "..");
    }
    const char *rest = file + common;
    while (*rest == '/') rest++;
    if (*rest) {
        if (b.len) vl_buf_addc(c, &b, '/');
        vl_buf_adds(c, &b, rest);
    }
    if (!b.len) vl_buf_addc(c, &b, '.');
    vl_buf_addc(c, &b, '\0');
    return b.data;
}

/* Are a and b the same directory entry (not merely the same inode)? */
static bool same_entry(vl_ctx *c, const char *a, const char *b, bool follow_a)
{
    struct vk_stat sa, sb;
    if ((follow_a ? vk_stat(c->p, a, &sa) : vk_lstat(c->p, a, &sa)) < 0) return false;
    if (vk_lstat(c->p, b, &sb) < 0) return false;
    if (sa.dev != sb.dev || sa.ino != sb.ino) return false;
    char *da = NULL, *db = NULL;
    if (vk_realpath(c->p, vl_dirname(c, a), false, &da) < 0) return false;
    if (vk_realpath(c->p, vl_dirname(c, b), false, &db) < 0) return false;
    return strcmp(da, db) == 0 && strcmp(vl_basename(c, a), vl_basename(c, b)) == 0;
}

static void link_error(vl_ctx *c, const lnopts *o, const char *src, const char *dest, int rc)
{
    const char *qd = vl_quote_always(c, dest), *qs = vl_quote_always(c, src);
    if (o->sym) {
        if (rc == VOS_ENAMETOOLONG || !*src)
            vl_error(c, "failed to create symbolic link %s -> %s: %s", qd, qs, vl_strerror(rc));
        else
            vl_error(c, "failed to create symbolic link %s: %s", qd, vl_strerror(rc));
    } else if (rc == VOS_EMLINK) {
        vl_error(c, "failed to create hard link to %s: %s", qs, vl_strerror(rc));
    } else if (rc == VOS_EDQUOT || rc == VOS_EEXIST || rc == VOS_ENOSPC || rc == VOS_EROFS) {
        vl_error(c, "failed to create hard link %s: %s", qd, vl_strerror(rc));
    } else {
        vl_error(c, "failed to create hard link %s => %s: %s", qd, qs, vl_strerror(rc));
    }
}

static void make_link(vl_ctx *c, lnopts *o, const char *src, const char *dest)
{
    const char *target = src; /* what a symlink will hold, or the hard link's source */
    if (!o->sym) {
        struct vk_stat st;
        int rc = o->logical ? vk_stat(c->p, src, &st) : vk_lstat(c->p, src, &st);
        if (rc < 0) {
            vl_error(c, "failed to access %s: %s", vl_quote_always(c, src), vl_strerror(rc));
            return;
        }
        if (VK_S_ISDIR(st.mode)) {
            vl_error(c, "%s: hard link not allowed for directory", vl_quote(c, src));
            return;
        }
        if (o->logical && vk_realpath(c->p, src, false, (char **)&target) < 0) target = src;
    } else if (o->relative) {
        char *sabs = NULL, *dabs = NULL;
        int rc = vk_realpath(c->p, src, true, &sabs);
        if (rc == 0) rc = vk_realpath(c->p, vl_dirname(c, dest), false, &dabs);
        if (rc < 0) {
            link_error(c, o, src, dest, rc);
            return;
        }
        target = relpath(c, sabs, dabs);
    }

    struct vk_stat dst;
    bool exists = vk_lstat(c->p, dest, &dst) == 0;
    char *bname = NULL;
    if (exists && (o->force || o->interactive || o->backup != VL_BACKUP_NONE)) {
        /* the source as seen from the link's directory */
        const char *seen = src;
        if (o->sym && src[0] != '/') seen = vl_path_join(c, vl_dirname(c, dest), src);
        if (VK_S_ISDIR(dst.mode)) {
            vl_error(c, "%s: cannot overwrite directory", vl_quote(c, dest));
            return;
        }
        if (same_entry(c, seen, dest, o->sym || o->logical)) {
            vl_error(c, "%s and %s are the same file", vl_quote_always(c, src),
                     vl_quote_always(c, dest));
            return;
        }
        if (o->interactive) {
            vl_eprintf(c, "%s: replace %s? ", c->name, vl_quote_always(c, dest));
            if (!o->in) o->in = vl_in_fd(c, 0, "-");
            char *line;
            ssize_t n = vl_in_getdelim(c, o->in, '\n', &line);
            if (!(n > 0 && (line[0] == 'y' || line[0] == 'Y'))) return;
        }
        if (o->backup != VL_BACKUP_NONE) {
            bname = vl_backup_name(c, dest, o->backup, o->suffix);
            int rc = vk_rename(c->p, dest, bname);
            if (rc < 0) {
                vl_error(c, "cannot backup %s: %s", vl_quote_always(c, dest), vl_strerror(rc));
                return;
            }
        } else {
            int rc = vk_unlink(c->p, dest);
            if (rc < 0 && rc != VOS_ENOENT) {
                vl_error(c, "cannot remove %s: %s", vl_quote_always(c, dest), vl_strerror(rc));
                return;
            }
        }
    }
    int rc = o->sym ? vk_symlink(c->p, target, dest) : vk_link(c->p, target, dest);
    if (rc < 0) {
        link_error(c, o, target, dest, rc);
        return;
    }
    if (o->verbose) {
        if (bname) vl_printf(c, "%s ~ ", vl_quote_always(c, bname));
        vl_printf(c, "%s %s %s\n", vl_quote_always(c, dest), o->sym ? "->" : "=>",
                  vl_quote_always(c, o->sym ? target : src));
    }
}

/* Is path a directory we should put links into (following a symlink unless -n)? */
static bool is_target_dir(vl_ctx *c, const lnopts *o, const char *path)
{
    struct vk_stat st;
    if (o->noderef) {
        if (vk_lstat(c->p, path, &st) < 0 || VK_S_ISLNK(st.mode)) return false;
    }
    return vk_stat(c->p, path, &st) == 0 && VK_S_ISDIR(st.mode);
}

static int ln_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    lnopts o = {0};
    o.sym = vl_has(c, 's');
    o.force = vl_has(c, 'f') && vl_last(c, 'f') > vl_last(c, 'i');
    o.interactive = vl_has(c, 'i') && vl_last(c, 'i') > vl_last(c, 'f');
    o.noderef = vl_has(c, 'n');
    o.relative = vl_has(c, 'r');
    o.verbose = vl_has(c, 'v');
    o.logical = vl_has(c, 'L') && vl_last(c, 'L') > vl_last(c, 'P');
    o.backup = vl_backup_type(c, 'b', OPT_BACKUP, 'S', &o.suffix);
    const char *tdir = vl_arg(c, 't');
    if (tdir && vl_has(c, 'T'))
        vl_usage_error(c, "cannot combine --target-directory and --no-target-directory");
    if (o.relative && !o.sym) vl_usage_error(c, "cannot do --relative without --symbolic");
    if (n == 0) vl_usage_error(c, "missing file operand");
    if (vl_has(c, 'T')) {
        if (n == 1)
            vl_usage_error(c, "missing destination file operand after %s",
                           vl_quote_always(c, argv[1]));
        if (n > 2) vl_usage_error(c, "extra operand %s", vl_quote_always(c, argv[3]));
        make_link(c, &o, argv[1], argv[2]);
        return c->status;
    }
    if (tdir) {
        struct vk_stat st;
        int rc = vk_stat(c->p, tdir, &st);
        if (rc < 0)
            vl_die(c, 1, "failed to access %s: %s", vl_quote_always(c, tdir), vl_strerror(rc));
        if (!VK_S_ISDIR(st.mode))
            vl_die(c, 1, "target %s is not a directory", vl_quote_always(c, tdir));
    } else if (n == 1) {
        tdir = ".";
    } else if (n == 2 && !is_target_dir(c, &o, argv[2])) {
        make_link(c, &o, argv[1], argv[2]);
        return c->status;
    } else {
        tdir = argv[n--];
        if (!is_target_dir(c, &o, tdir)) {
            struct vk_stat st;
            int rc = vk_stat(c->p, tdir, &st);
            if (rc < 0) vl_die(c, 1, "target %s: %s", vl_quote_always(c, tdir), vl_strerror(rc));
            vl_die(c, 1, "target %s is not a directory", vl_quote_always(c, tdir));
        }
    }
    for (int i = 1; i <= n; i++) {
        char *base = vl_basename(c, argv[i]);
        make_link(c, &o, argv[i], vl_path_join(c, tdir, base));
    }
    return c->status;
}

VL_COMMAND(ln, ln_main, ln_opts,
           "[OPTION]... [-T] TARGET LINK_NAME\n"
           "  or:  ln [OPTION]... TARGET\n"
           "  or:  ln [OPTION]... TARGET... DIRECTORY\n"
           "  or:  ln [OPTION]... -t DIRECTORY TARGET...",
           "In the 1st form, create a link to TARGET with the name LINK_NAME.\n"
           "In the 2nd form, create a link to TARGET in the current directory.\n"
           "In the 3rd and 4th forms, create links to each TARGET in DIRECTORY.\n"
           "Create hard links by default, symbolic links with --symbolic.",
           0, 1);
