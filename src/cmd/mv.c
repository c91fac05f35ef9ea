/* mv: move (rename) files (GNU coreutils 9.1: -f -i -n -t -T -u -v -b --backup -S
 * --strip-trailing-slashes). Between mounts, where the kernel's rename says EXDEV, it copies
 * the tree (modes, times and symbolic links kept) and then removes the source, as GNU does
 * across file systems. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_BACKUP = 256, OPT_STRIP_SLASHES };

static const vl_opt mv_opts[] = {
    {OPT_BACKUP, "backup", VL_OPTARG, "CONTROL", "make a backup of each existing destination file"},
    {'b', NULL, VL_NOARG, NULL, "like --backup but does not accept an argument"},
    {'f', "force", VL_NOARG, NULL, "do not prompt before overwriting"},
    {'i', "interactive", VL_NOARG, NULL, "prompt before overwrite"},
    {'n', "no-clobber", VL_NOARG, NULL, "do not overwrite an existing file"},
    {OPT_STRIP_SLASHES, "strip-trailing-slashes", VL_NOARG, NULL,
     "remove any trailing slashes from each SOURCE argument"},
    {'S', "suffix", VL_ARG, "SUFFIX", "override the usual backup suffix"},
    {'t', "target-directory", VL_ARG, "DIRECTORY", "move all SOURCE arguments into DIRECTORY"},
    {'T', "no-target-directory", VL_NOARG, NULL, "treat DEST as a normal file"},
    {'u', "update", VL_NOARG, NULL,
     "move only when the SOURCE file is newer than the destination file or when the\n"
     "destination file is missing"},
    {'v', "verbose", VL_NOARG, NULL, "explain what is being done"},
    {0, NULL, 0, NULL, NULL},
};

enum { MODE_FORCE, MODE_INTERACTIVE, MODE_NOCLOBBER };

typedef struct mvstate {
    int mode;
    int backup;
    const char *suffix;
    bool update, verbose;
    vl_in *in;
    const char *dst_root;
    bool failed; /* the cross-mount copy went wrong: keep the source */
} mvstate;

static const char *q(vl_ctx *c, const char *s)
{
    return vl_quote_always(c, s);
}

/* ---- across mounts: copy everything, then remove the source ---- */

static void set_times(vl_ctx *c, const char *dst, const struct vk_stat *st)
{
    int64_t t[2] = {st->atime_ns, st->mtime_ns};
    vk_utimens(c->p, dst, t, false);
}

static int copy_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    mvstate *s = ud;
    char *dst = e->rel[0] ? vl_path_join(c, s->dst_root, e->rel) : vl_xstrdup(c, s->dst_root);
    int rc = 0;
    const char *what = NULL;
    switch (event) {
    case VL_WALK_PRE:
        rc = vk_mkdir(c->p, dst, (e->st.mode & 0777) | 0700);
        if (rc == VOS_EEXIST && e->depth == 0) rc = 0; /* an empty directory was replaced */
        if (rc < 0) {
            what = "cannot create directory";
            break;
        }
        if (s->verbose) vl_printf(c, "created directory %s\n", q(c, dst));
        break;
    case VL_WALK_POST:
        vk_chmod(c->p, dst, e->st.mode & 07777);
        set_times(c, dst, &e->st);
        break;
    case VL_WALK_FILE:
        if (VK_S_ISLNK(e->st.mode)) {
            char target[VK_PATH_MAX];
            ssize_t n = vk_readlink(c->p, e->path, target, sizeof target - 1);
            if (n < 0) {
                rc = (int)n;
                what = "cannot read symbolic link";
                break;
            }
            target[n] = '\0';
            vk_unlink(c->p, dst);
            rc = vk_symlink(c->p, target, dst);
            if (rc < 0) {
                what = "cannot create symbolic link";
                break;
            }
        } else if (VK_S_ISREG(e->st.mode)) {
            int stage;
            rc = vl_copy_data(c, e->path, dst, e->st.mode & 0777, false, &stage);
            if (rc < 0) {
                what = stage == VL_COPY_OPEN_DST ? "cannot create regular file"
                       : stage == VL_COPY_WRITE  ? "error writing"
                                                 : "error reading";
                if (stage == VL_COPY_OPEN_SRC || stage == VL_COPY_READ) {
                    vl_error(c, "%s %s: %s", what, q(c, e->path), vl_strerror(rc));
                    what = NULL;
                    s->failed = true;
                }
                break;
            }
            vk_chmod(c->p, dst, e->st.mode & 07777);
        } else {
            rc = VOS_ENOTSUP; /* no mknod in the VM */
            what = "cannot create special file";
            break;
        }
        set_times(c, dst, &e->st);
        if (s->verbose) vl_printf(c, "copied %s -> %s\n", q(c, e->path), q(c, dst));
        break;
    default:
        vl_error(c, "cannot access %s: %s", q(c, e->path), vl_strerror(e->err ? e->err : VOS_ELOOP));
        s->failed = true;
        break;
    }
    if (what) {
        vl_error(c, "%s %s: %s", what, q(c, dst), vl_strerror(rc));
        s->failed = true;
    }
    vl_xfree(c, dst);
    if (rc < 0 && event == VL_WALK_PRE) return VL_WALK_SKIP;
    return s->failed ? VL_WALK_STOP : 0;
}

static int remove_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    mvstate *s = ud;
    int rc;
    if (event == VL_WALK_PRE) return 0;
    if (event == VL_WALK_POST) rc = vk_rmdir(c->p, e->path);
    else if (event == VL_WALK_FILE) rc = vk_unlink(c->p, e->path);
    else rc = e->err;
    if (rc < 0) {
        vl_error(c, "cannot remove %s: %s", q(c, e->path), vl_strerror(rc));
        return VL_WALK_KEPT;
    }
    if (s->verbose)
        vl_printf(c, event == VL_WALK_POST ? "removed directory %s\n" : "removed %s\n",
                  q(c, e->path));
    return 0;
}

static void move_across(vl_ctx *c, mvstate *s, const char *src, const struct vk_stat *st,
                        const char *dst, bool exists)
{
    struct vk_stat dst_st;
    if (exists && !VK_S_ISDIR(st->mode) && VK_S_ISREG(st->mode) &&
        vk_lstat(c->p, dst, &dst_st) == 0 && VK_S_ISREG(dst_st.mode) && dst_st.nlink == 1 &&
        vk_access(c->p, dst, VK_W_OK) == 0) {
        /* a file over a file: the copy replaces it only when complete (vl_copy_data), so a
         * failure midway leaves the old one */
    } else if (exists && !VK_S_ISDIR(st->mode)) {
        int rc = vk_unlink(c->p, dst);
        if (rc < 0) {
            vl_error(c, "cannot remove %s: %s", q(c, dst), vl_strerror(rc));
            return;
        }
    } else if (exists) {
        int rc = vk_rmdir(c->p, dst); /* rename(2) would replace only an empty directory */
        if (rc < 0) {
            vl_error(c, "cannot move %s to %s: %s", q(c, src), q(c, dst), vl_strerror(rc));
            return;
        }
    }
    s->dst_root = dst;
    s->failed = false;
    vl_walk(c, src, 0, copy_cb, s);
    if (s->failed) return; /* GNU keeps the source when the copy is incomplete */
    vl_walk(c, src, 0, remove_cb, s);
}

/* ---- one move ---- */

static bool ask_yes(vl_ctx *c, mvstate *s)
{
    if (!s->in) s->in = vl_in_fd(c, 0, "-");
    char *line;
    ssize_t n = vl_in_getdelim(c, s->in, '\n', &line);
    return n > 0 && (line[0] == 'y' || line[0] == 'Y');
}

static void move(vl_ctx *c, mvstate *s, const char *src, const char *dst)
{
    struct vk_stat st, dstat;
    int rc = vk_lstat(c->p, src, &st);
    if (rc < 0) {
        vl_error(c, "cannot stat %s: %s", q(c, src), vl_strerror(rc));
        return;
    }
    if (vl_is_dot_or_dotdot(src)) {
        vl_error(c, "cannot move %s to %s: %s", q(c, src), q(c, dst), vl_strerror(VOS_EBUSY));
        return;
    }
    bool exists = vk_lstat(c->p, dst, &dstat) == 0;
    if (exists) {
        if (st.dev == dstat.dev && st.ino == dstat.ino) {
            if (VK_S_ISDIR(st.mode))
                vl_error(c, "cannot move %s to a subdirectory of itself, %s", q(c, src),
                         q(c, dst));
            else
                vl_error(c, "%s and %s are the same file", q(c, src), q(c, dst));
            return;
        }
        if (s->mode == MODE_NOCLOBBER) return;
        if (s->update && dstat.mtime_ns >= st.mtime_ns) return;
        if (VK_S_ISDIR(dstat.mode) && !VK_S_ISDIR(st.mode)) {
            vl_error(c, "cannot overwrite directory %s with non-directory", q(c, dst));
            return;
        }
        if (!VK_S_ISDIR(dstat.mode) && VK_S_ISDIR(st.mode)) {
            vl_error(c, "cannot overwrite non-directory %s with directory %s", q(c, dst),
                     q(c, src));
            return;
        }
        if (s->mode == MODE_INTERACTIVE) {
            vl_eprintf(c, "%s: overwrite %s? ", c->name, q(c, dst));
            if (!ask_yes(c, s)) return;
        }
    }
    if (VK_S_ISDIR(st.mode)) {
        char *rs = NULL, *rd = NULL;
        if (vk_realpath(c->p, src, false, &rs) == 0 &&
            vk_realpath(c->p, vl_dirname(c, dst), false, &rd) == 0) {
            size_t n = strlen(rs);
            if (strncmp(rs, rd, n) == 0 && (rd[n] == '/' || rd[n] == '\0' || n == 1)) {
                vl_error(c, "cannot move %s to a subdirectory of itself, %s", q(c, src),
                         q(c, dst));
                return;
            }
        }
    }
    char *bname = NULL;
    if (exists && s->backup != VL_BACKUP_NONE) {
        bname = vl_backup_name(c, dst, s->backup, s->suffix);
        rc = vk_rename(c->p, dst, bname);
        if (rc < 0) {
            vl_error(c, "cannot backup %s: %s", q(c, dst), vl_strerror(rc));
            return;
        }
        exists = false;
    }
    rc = vk_rename(c->p, src, dst);
    if (rc == VOS_EXDEV) {
        move_across(c, s, src, &st, dst, exists);
        return;
    }
    if (rc < 0) {
        vl_error(c, "cannot move %s to %s: %s", q(c, src), q(c, dst), vl_strerror(rc));
        return;
    }
    if (s->verbose) {
        vl_printf(c, "renamed %s -> %s", q(c, src), q(c, dst));
        if (bname) vl_printf(c, " (backup: %s)", q(c, bname));
        vl_putc(c, '\n');
    }
}

static int mv_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    mvstate s = {0};
    /* -f, -i, -n override each other: the last wins */
    int last = 0;
    s.mode = MODE_FORCE;
    if (vl_last(c, 'f') > last) last = vl_last(c, 'f'), s.mode = MODE_FORCE;
    if (vl_last(c, 'i') > last) last = vl_last(c, 'i'), s.mode = MODE_INTERACTIVE;
    if (vl_last(c, 'n') > last) last = vl_last(c, 'n'), s.mode = MODE_NOCLOBBER;
    s.update = vl_has(c, 'u');
    s.verbose = vl_has(c, 'v');
    s.backup = vl_backup_type(c, 'b', OPT_BACKUP, 'S', &s.suffix);
    if (vl_has(c, OPT_STRIP_SLASHES))
        for (int i = 1; i <= n; i++) vl_strip_slashes(argv[i]);

    const char *tdir = vl_target_dir(c, &n, argv);
    if (!tdir) {
        move(c, &s, argv[1], argv[2]);
        return c->status;
    }
    for (int i = 1; i <= n; i++) {
        char *dst = vl_path_join(c, tdir, vl_basename(c, argv[i]));
        move(c, &s, argv[i], dst);
        vl_xfree(c, dst);
    }
    return c->status;
}

VL_COMMAND(mv, mv_main, mv_opts,
           "[OPTION]... [-T] SOURCE DEST\n"
           "  or:  mv [OPTION]... SOURCE... DIRECTORY\n"
           "  or:  mv [OPTION]... -t DIRECTORY SOURCE...",
           "Rename SOURCE to DEST, or move SOURCE(s) to DIRECTORY.", 0, 1);
