/* cp: copy files and trees (GNU coreutils 9.1: -a -d -f -H -i -l -L -n -P -p -r/-R -s -t -T
 * -u -v --preserve --no-preserve --remove-destination). Ownership cannot be given away in a
 * VM (one user), so preserving it is a quiet no-op, as for GNU run by an ordinary user.
 * Also -b/--backup/-S, --parents, --attributes-only, -x, --strip-trailing-slashes; --sparse
 * and --reflink=auto are accepted (no holes or clones to make), --reflink=always fails as on
 * a file system without clones. An existing regular file is replaced through a temporary file
 * beside it, so a failed copy leaves it whole (see copy_replacing).
 * Does not copy special files as special files (the kernel has no mknod): with -r such an
 * entry is an error. No SELinux contexts. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum {
    OPT_PRESERVE = 256,
    OPT_NO_PRESERVE,
    OPT_REMOVE_DEST,
    OPT_BACKUP,
    OPT_PARENTS,
    OPT_ATTRIBUTES_ONLY,
    OPT_SPARSE,
    OPT_REFLINK,
    OPT_STRIP_SLASHES,
    OPT_COPY_CONTENTS,
};

static const vl_opt cp_opts[] = {
    {'a', "archive", VL_NOARG, NULL, "same as -dR --preserve=all"},
    {OPT_ATTRIBUTES_ONLY, "attributes-only", VL_NOARG, NULL,
     "don't copy the file data, just the attributes"},
    {OPT_BACKUP, "backup", VL_OPTARG, "CONTROL", "make a backup of each existing destination file"},
    {'b', NULL, VL_NOARG, NULL, "like --backup but does not accept an argument"},
    {OPT_COPY_CONTENTS, "copy-contents", VL_NOARG, NULL,
     "copy contents of special files when recursive"},
    {'d', NULL, VL_NOARG, NULL, "same as --no-dereference --preserve=links"},
    {'f', "force", VL_NOARG, NULL,
     "if an existing destination file cannot be opened, remove it and try again"},
    {'i', "interactive", VL_NOARG, NULL, "prompt before overwrite (overrides a previous -n option)"},
    {'H', NULL, VL_NOARG, NULL, "follow command-line symbolic links in SOURCE"},
    {'l', "link", VL_NOARG, NULL, "hard link files instead of copying"},
    {'L', "dereference", VL_NOARG, NULL, "always follow symbolic links in SOURCE"},
    {'n', "no-clobber", VL_NOARG, NULL,
     "do not overwrite an existing file (overrides a previous -i option)"},
    {'P', "no-dereference", VL_NOARG, NULL, "never follow symbolic links in SOURCE"},
    {'p', NULL, VL_NOARG, NULL, "same as --preserve=mode,ownership,timestamps"},
    {OPT_PARENTS, "parents", VL_NOARG, NULL, "use full source file name under DIRECTORY"},
    {OPT_PRESERVE, "preserve", VL_OPTARG, "ATTR_LIST",
     "preserve the specified attributes (default: mode,ownership,timestamps),\n"
     "if possible additional attributes: links, all"},
    {OPT_NO_PRESERVE, "no-preserve", VL_ARG, "ATTR_LIST", "don't preserve the specified attributes"},
    {'R', "recursive", VL_NOARG, NULL, "copy directories recursively"},
    {'r', NULL, VL_NOARG, NULL, "same as -R"},
    {OPT_REMOVE_DEST, "remove-destination", VL_NOARG, NULL,
     "remove each existing destination file before attempting to open it"},
    {OPT_REFLINK, "reflink", VL_OPTARG, "WHEN", "control clone/CoW copies (no clones in a VM)"},
    {OPT_SPARSE, "sparse", VL_ARG, "WHEN", "control creation of sparse files"},
    {OPT_STRIP_SLASHES, "strip-trailing-slashes", VL_NOARG, NULL,
     "remove any trailing slashes from each SOURCE argument"},
    {'s', "symbolic-link", VL_NOARG, NULL, "make symbolic links instead of copying"},
    {'S', "suffix", VL_ARG, "SUFFIX", "override the usual backup suffix"},
    {'t', "target-directory", VL_ARG, "DIRECTORY", "copy all SOURCE arguments into DIRECTORY"},
    {'T', "no-target-directory", VL_NOARG, NULL, "treat DEST as a normal file"},
    {'u', "update", VL_NOARG, NULL,
     "copy only when the SOURCE file is newer than the destination file or when the\n"
     "destination file is missing"},
    {'v', "verbose", VL_NOARG, NULL, "explain what is being done"},
    {'x', "one-file-system", VL_NOARG, NULL, "stay on this file system"},
    {0, NULL, 0, NULL, NULL},
};

enum { DEREF_NEVER, DEREF_ARGS, DEREF_ALWAYS };

typedef struct linkent {
    uint64_t dev, ino;
    char *dst;
} linkent;

typedef struct cpstate {
    bool recursive, verbose, force, noclobber, interactive, update, remove_dest;
    bool attributes_only, one_fs;
    int backup;
    const char *suffix;
    char *backup_made; /* the backup name of the destination being copied, for -v */
    uint64_t root_dev;
    bool hardlink, symlink;
    int deref;
    bool p_mode, p_times, p_links;
    unsigned umask;
    vl_in *in;
    linkent *links; /* --preserve=links: copies of multiply linked files */
    size_t nlinks, caplinks;
    /* the walk in progress */
    const char *src_root, *dst_root;
    bool *created;  /* by depth: did we make this directory (fix its mode at POST)? */
    size_t ncreated;
    /* with -L, the directories this run made: a followed link can lead back into the copy
     * itself, which would otherwise grow until the path is too long */
    linkent *made;
    size_t nmade, capmade;
} cpstate;

static bool ask_yes(vl_ctx *c, cpstate *s)
{
    if (!s->in) s->in = vl_in_fd(c, 0, "-");
    char *line;
    ssize_t n = vl_in_getdelim(c, s->in, '\n', &line);
    return n > 0 && (line[0] == 'y' || line[0] == 'Y');
}

static const char *q(vl_ctx *c, const char *s)
{
    return vl_quote_always(c, s);
}

static void preserve_attrs(vl_ctx *c, cpstate *s, const char *dst, const struct vk_stat *st)
{
    if (s->p_times) {
        int64_t t[2] = {st->atime_ns, st->mtime_ns};
        int rc = vk_utimens(c->p, dst, t, false);
        if (rc < 0) vl_error(c, "preserving times for %s: %s", q(c, dst), vl_strerror(rc));
    }
    if (s->p_mode && !VK_S_ISLNK(st->mode)) {
        int rc = vk_chmod(c->p, dst, st->mode & 07777);
        if (rc < 0) vl_error(c, "preserving permissions for %s: %s", q(c, dst), vl_strerror(rc));
    }
}

static void copied(vl_ctx *c, cpstate *s, const char *src, const char *dst)
{
    if (s->verbose) {
        vl_printf(c, "%s -> %s", q(c, src), q(c, dst));
        if (s->backup_made) vl_printf(c, " (backup: %s)", q(c, s->backup_made));
        vl_putc(c, '\n');
    }
    vl_xfree(c, s->backup_made);
    s->backup_made = NULL;
}

/* -b: move an existing destination aside. False after an error. */
static bool make_backup(vl_ctx *c, cpstate *s, const char *dst)
{
    vl_xfree(c, s->backup_made);
    s->backup_made = NULL;
    if (s->backup == VL_BACKUP_NONE) return true;
    char *name = vl_backup_name(c, dst, s->backup, s->suffix);
    int rc = vk_rename(c->p, dst, name);
    if (rc < 0) {
        vl_error(c, "cannot backup %s: %s", q(c, dst), vl_strerror(rc));
        vl_xfree(c, name);
        return false;
    }
    s->backup_made = name;
    return true;
}

/* Copy the bytes of src into a new file beside dst, then rename it over dst: an overwrite that
 * fails (a read error, a full file system) leaves dst as it was. GNU writes into dst in place;
 * the result is the same file content and mode, only the inode number differs. Returns 0,
 * a negative code with *stage set, or 1 when this way is not possible (the caller then writes
 * in place, as GNU does). */
static int copy_replacing(vl_ctx *c, const char *src, const char *dst, unsigned mode, int *stage)
{
    char *tmp = NULL;
    int out = vl_temp_beside(c, dst, mode & 07777, &tmp);
    if (out < 0) return 1;
    *stage = VL_COPY_OPEN_SRC;
    int in = vk_open(c->p, src, VK_O_RDONLY, 0);
    int rc = in < 0 ? in : 0;
    enum { CHUNK = 256 * 1024 };
    char *buf = rc == 0 ? vl_xmalloc(c, CHUNK) : NULL;
    while (rc == 0) {
        ssize_t n = vk_read(c->p, in, buf, CHUNK);
        if (n < 0) *stage = VL_COPY_READ, rc = (int)n;
        if (n <= 0) break;
        ssize_t w = vk_write(c->p, out, buf, (size_t)n);
        if (w < 0) *stage = VL_COPY_WRITE, rc = (int)w;
    }
    vl_xfree(c, buf);
    if (in >= 0) vk_close(c->p, in);
    int crc = vk_close(c->p, out);
    if (rc == 0 && crc < 0) *stage = VL_COPY_WRITE, rc = crc;
    /* the umask applied at creation: give the file dst's own mode */
    if (rc == 0) vk_chmod(c->p, tmp, mode & 07777);
    if (rc == 0) {
        rc = vk_rename(c->p, tmp, dst);
        if (rc < 0) *stage = VL_COPY_OPEN_DST;
    }
    if (rc < 0) vk_unlink(c->p, tmp);
    vl_xfree(c, tmp);
    return rc;
}

/* Checks against an existing destination. Returns 1 to go on, 0 to skip quietly, -1 after
 * an error. */
static int check_dest(vl_ctx *c, cpstate *s, const char *src, const struct vk_stat *st,
                      const char *dst, const struct vk_stat *dstat)
{
    bool same = st->dev == dstat->dev && st->ino == dstat->ino;
    if (!same && VK_S_ISLNK(st->mode) && !VK_S_ISLNK(dstat->mode)) {
        /* copying a link onto the file it points to would leave a link to itself */
        struct vk_stat t;
        same = vk_stat(c->p, src, &t) == 0 && t.dev == dstat->dev && t.ino == dstat->ino;
    }
    if (same) {
        vl_error(c, "%s and %s are the same file", q(c, src), q(c, dst));
        return -1;
    }
    if (VK_S_ISDIR(dstat->mode) && !VK_S_ISDIR(st->mode)) {
        vl_error(c, "cannot overwrite directory %s with non-directory", q(c, dst));
        return -1;
    }
    if (s->noclobber) return 0;
    if (s->update && dstat->mtime_ns >= st->mtime_ns) return 0;
    if (s->interactive) {
        vl_eprintf(c, "%s: overwrite %s? ", c->name, q(c, dst));
        if (!ask_yes(c, s)) return 0;
    }
    return 1;
}

static bool copy_regular(vl_ctx *c, cpstate *s, const char *src, const struct vk_stat *st,
                         const char *dst, bool exists)
{
    if (s->p_links && st->nlink > 1) {
        for (size_t i = 0; i < s->nlinks; i++) {
            if (s->links[i].dev == st->dev && s->links[i].ino == st->ino) {
                if (exists) vk_unlink(c->p, dst);
                int rc = vk_link(c->p, s->links[i].dst, dst);
                if (rc < 0) {
                    vl_error(c, "cannot create hard link %s to %s: %s", q(c, dst),
                             q(c, s->links[i].dst), vl_strerror(rc));
                    return false;
                }
                return true;
            }
        }
    }
    if (exists && s->remove_dest) {
        int rc = vk_unlink(c->p, dst);
        if (rc < 0 && rc != VOS_ENOENT) {
            vl_error(c, "cannot remove %s: %s", q(c, dst), vl_strerror(rc));
            return false;
        }
    }
    int stage = VL_COPY_OPEN_DST;
    int rc;
    struct vk_stat dl;
    if (s->attributes_only) {
        /* the file is made (or kept), its data is not copied */
        rc = 0;
        if (!exists) {
            int fd = vk_open(c->p, dst, VK_O_WRONLY | VK_O_CREAT, st->mode & 0777);
            rc = fd < 0 ? fd : vk_close(c->p, fd);
        }
    } else if (exists && !s->remove_dest && vk_lstat(c->p, dst, &dl) == 0 && VK_S_ISREG(dl.mode) &&
               dl.nlink == 1 && vk_access(c->p, dst, VK_W_OK) == 0 &&
               (rc = copy_replacing(c, src, dst, dl.mode, &stage)) != 1) {
        /* replaced whole, or failed with dst untouched */
    } else {
        rc = vl_copy_data(c, src, dst, st->mode & 0777, false, &stage);
    }
    if (rc < 0 && stage == VL_COPY_OPEN_DST && exists && s->force) {
        vk_unlink(c->p, dst);
        rc = vl_copy_data(c, src, dst, st->mode & 0777, false, &stage);
    }
    if (rc < 0) {
        if (stage == VL_COPY_OPEN_SRC)
            vl_error(c, "cannot open %s for reading: %s", q(c, src), vl_strerror(rc));
        else if (stage == VL_COPY_OPEN_DST)
            vl_error(c, "cannot create regular file %s: %s", q(c, dst), vl_strerror(rc));
        else if (stage == VL_COPY_READ)
            vl_error(c, "error reading %s: %s", q(c, src), vl_strerror(rc));
        else
            vl_error(c, "error writing %s: %s", q(c, dst), vl_strerror(rc));
        return false;
    }
    if (s->p_links && st->nlink > 1) {
        if (s->nlinks == s->caplinks) {
            s->caplinks = s->caplinks ? s->caplinks * 2 : 16;
            s->links = vl_xrealloc(c, s->links, s->caplinks * sizeof *s->links);
        }
        s->links[s->nlinks++] = (linkent){st->dev, st->ino, vl_xstrdup(c, dst)};
    }
    return true;
}

/* Copy one non-directory. */
static void copy_file(vl_ctx *c, cpstate *s, const char *src, const struct vk_stat *st, const char *dst)
{
    struct vk_stat dstat;
    int lrc = vk_lstat(c->p, dst, &dstat);
    bool exists = lrc == 0;
    if (!exists && lrc == VOS_ENOENT && dst[0] && dst[strlen(dst) - 1] == '/') {
        vl_error(c, "cannot create regular file %s: %s", q(c, dst), vl_strerror(VOS_ENOTDIR));
        return;
    }
    if (exists) {
        int r = check_dest(c, s, src, st, dst, &dstat);
        if (r <= 0) return;
        if (s->backup != VL_BACKUP_NONE && !VK_S_ISDIR(dstat.mode)) {
            if (!make_backup(c, s, dst)) return;
            exists = false;
        }
    }
    int rc;
    if (s->symlink) {
        if (src[0] != '/' && strchr(dst, '/')) {
            /* a relative target would be resolved from the link's own directory */
            char *ddir = NULL, *cwd = NULL;
            bool here = vk_realpath(c->p, vl_dirname(c, dst), false, &ddir) == 0 &&
                        vk_realpath(c->p, ".", false, &cwd) == 0 && strcmp(ddir, cwd) == 0;
            if (!here) {
                vl_error(c, "%s: can make relative symbolic links only in current directory",
                         vl_quote(c, dst));
                return;
            }
        }
        if (exists) vk_unlink(c->p, dst);
        rc = vk_symlink(c->p, src, dst);
        if (rc < 0) {
            vl_error(c, "cannot create symbolic link %s to %s: %s", q(c, dst), q(c, src),
                     vl_strerror(rc));
            return;
        }
        copied(c, s, src, dst);
        return;
    }
    if (s->hardlink && !VK_S_ISLNK(st->mode)) {
        if (exists && (s->force || s->remove_dest || s->interactive)) vk_unlink(c->p, dst);
        rc = vk_link(c->p, src, dst);
        if (rc < 0) {
            vl_error(c, "cannot create hard link %s to %s: %s", q(c, dst), q(c, src),
                     vl_strerror(rc));
            return;
        }
        copied(c, s, src, dst);
        return;
    }
    if (VK_S_ISLNK(st->mode)) {
        char target[VK_PATH_MAX];
        ssize_t n = vk_readlink(c->p, src, target, sizeof target - 1);
        if (n < 0) {
            vl_error(c, "cannot read symbolic link %s: %s", q(c, src), vl_strerror((int)n));
            return;
        }
        target[n] = '\0';
        if (exists) vk_unlink(c->p, dst);
        rc = vk_symlink(c->p, target, dst);
        if (rc < 0) {
            vl_error(c, "cannot create symbolic link %s: %s", q(c, dst), vl_strerror(rc));
            return;
        }
        if (s->p_times) {
            int64_t t[2] = {st->atime_ns, st->mtime_ns};
            vk_utimens(c->p, dst, t, false);
        }
        copied(c, s, src, dst);
        return;
    }
    if (!VK_S_ISREG(st->mode) && s->recursive) {
        /* GNU would mknod a copy of a fifo or a device: the VM kernel cannot */
        vl_error(c, "cannot create special file %s: %s", q(c, dst), vl_strerror(VOS_ENOTSUP));
        return;
    }
    if (!copy_regular(c, s, src, st, dst, exists)) return;
    preserve_attrs(c, s, dst, st);
    copied(c, s, src, dst);
}

static void mark_created(vl_ctx *c, cpstate *s, int depth, bool v)
{
    if ((size_t)depth >= s->ncreated) {
        size_t n = (size_t)depth + 16;
        s->created = vl_xrealloc(c, s->created, n * sizeof *s->created);
        s->ncreated = n;
    }
    s->created[depth] = v;
}

static bool made_here(cpstate *s, const struct vk_stat *st)
{
    for (size_t i = 0; i < s->nmade; i++)
        if (s->made[i].dev == st->dev && s->made[i].ino == st->ino) return true;
    return false;
}

static void remember_made(vl_ctx *c, cpstate *s, const char *dst)
{
    struct vk_stat st;
    if (s->deref != DEREF_ALWAYS || vk_stat(c->p, dst, &st) < 0) return;
    if (s->nmade == s->capmade) {
        s->capmade = s->capmade ? s->capmade * 2 : 16;
        s->made = vl_xrealloc(c, s->made, s->capmade * sizeof *s->made);
    }
    s->made[s->nmade++] = (linkent){st.dev, st.ino, NULL};
}

static int walk_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    cpstate *s = ud;
    char *dst = e->rel[0] ? vl_path_join(c, s->dst_root, e->rel) : vl_xstrdup(c, s->dst_root);
    int ret = 0;
    switch (event) {
    case VL_WALK_FILE: copy_file(c, s, e->path, &e->st, dst); break;
    case VL_WALK_NS: vl_error(c, "cannot stat %s: %s", q(c, e->path), vl_strerror(e->err)); break;
    case VL_WALK_DNR:
        vl_error(c, "cannot access %s: %s", q(c, e->path), vl_strerror(e->err));
        break;
    case VL_WALK_LOOP:
        /* a followed link that leads back to a directory being copied (GNU's wording) */
        vl_error(c, "cannot copy cyclic symbolic link %s", q(c, e->path));
        break;
    case VL_WALK_PRE: {
        if (e->depth == 0) s->root_dev = e->st.dev;
        struct vk_stat dstat;
        int lrc = vk_stat(c->p, dst, &dstat);
        if (lrc == 0 && !VK_S_ISDIR(dstat.mode)) {
            vl_error(c, "cannot overwrite non-directory %s with directory %s", q(c, dst),
                     q(c, e->path));
            ret = VL_WALK_SKIP;
            break;
        }
        if (lrc == 0 && dstat.dev == e->st.dev && dstat.ino == e->st.ino) {
            vl_error(c, "cannot copy a directory, %s, into itself, %s", q(c, e->path),
                     q(c, dst));
            ret = VL_WALK_SKIP;
            break;
        }
        if (made_here(s, &e->st)) {
            vl_error(c, "cannot copy a directory, %s, into itself, %s", q(c, s->src_root),
                     q(c, s->dst_root));
            ret = VL_WALK_SKIP;
            break;
        }
        bool made = false;
        if (lrc < 0) {
            /* owner rwx while we fill it; the final mode is set at POST */
            int rc = vk_mkdir(c->p, dst, (e->st.mode & 0777) | 0700);
            if (rc < 0) {
                vl_error(c, "cannot create directory %s: %s", q(c, dst), vl_strerror(rc));
                ret = VL_WALK_SKIP;
                break;
            }
            made = true;
            remember_made(c, s, dst);
            copied(c, s, e->path, dst);
        }
        mark_created(c, s, e->depth, made);
        /* -x: a directory on another file system is made, empty */
        if (s->one_fs && e->depth > 0 && e->st.dev != s->root_dev) {
            preserve_attrs(c, s, dst, &e->st);
            ret = VL_WALK_SKIP;
        }
        break;
    }
    case VL_WALK_POST: {
        bool made = (size_t)e->depth < s->ncreated && s->created[e->depth];
        if (made && !s->p_mode) {
            unsigned want = e->st.mode & 0777 & ~s->umask;
            if (want != ((e->st.mode & 0777) | 0700)) vk_chmod(c->p, dst, want);
        }
        preserve_attrs(c, s, dst, &e->st);
        break;
    }
    }
    vl_xfree(c, dst);
    return ret;
}

/* Is dst (existing or not) inside directory src? */
static bool inside(vl_ctx *c, const char *src, const char *dst)
{
    char *rs = NULL, *rd = NULL;
    if (vk_realpath(c->p, src, false, &rs) < 0) return false;
    if (vk_realpath(c->p, dst, true, &rd) < 0) {
        /* dst's parent may be missing too: then it is not inside anything that exists */
        return false;
    }
    size_t n = strlen(rs);
    if (strcmp(rs, "/") == 0) return true;
    return strncmp(rs, rd, n) == 0 && (rd[n] == '/' || rd[n] == '\0');
}

static void copy_operand(vl_ctx *c, cpstate *s, const char *src, const char *dst)
{
    struct vk_stat st;
    bool follow = s->deref != DEREF_NEVER;
    int rc = follow ? vk_stat(c->p, src, &st) : vk_lstat(c->p, src, &st);
    if (rc < 0) {
        vl_error(c, "cannot stat %s: %s", q(c, src), vl_strerror(rc));
        return;
    }
    if (!VK_S_ISDIR(st.mode)) {
        copy_file(c, s, src, &st, dst);
        return;
    }
    if (!s->recursive) {
        vl_error(c, "-r not specified; omitting directory %s", q(c, src));
        return;
    }
    if (inside(c, src, dst)) {
        vl_error(c, "cannot copy a directory, %s, into itself, %s", q(c, src), q(c, dst));
        return;
    }
    s->src_root = src;
    s->dst_root = dst;
    int flags = s->deref == DEREF_ALWAYS ? VL_WALK_FOLLOW
                : s->deref == DEREF_ARGS ? VL_WALK_FOLLOW_ROOT
                                         : 0;
    vl_walk(c, src, flags, walk_cb, s);
}

/* --parents: make the directories of src's name below tdir, as GNU does: each one with the
 * source directory's mode (and times with -p), reported with -v as "a -> dir/a". */
static bool make_parents(vl_ctx *c, cpstate *s, const char *src, const char *tdir)
{
    char *path = vl_xstrdup(c, src);
    bool ok = true;
    for (char *p = path; ok && (p = strchr(p + 1, '/')) != NULL;) {
        *p = '\0';
        const char *rel = path;
        while (*rel == '/') rel++;
        if (*rel) {
            char *dst = vl_path_join(c, tdir, rel);
            struct vk_stat st, sst;
            if (vk_stat(c->p, dst, &st) < 0) {
                int rc = vk_stat(c->p, path, &sst);
                unsigned mode = rc == 0 ? (sst.mode & 07777) : 0777;
                rc = vk_mkdir(c->p, dst, mode);
                if (rc < 0) {
                    vl_error(c, "cannot make directory %s: %s", q(c, dst), vl_strerror(rc));
                    ok = false;
                } else {
                    if (s->verbose) vl_printf(c, "%s -> %s\n", path, dst);
                    if (vk_stat(c->p, path, &sst) == 0) preserve_attrs(c, s, dst, &sst);
                }
            } else if (!VK_S_ISDIR(st.mode)) {
                vl_error(c, "%s exists but is not a directory", q(c, dst));
                ok = false;
            }
            vl_xfree(c, dst);
        }
        *p = '/';
        while (p[1] == '/') p++;
    }
    vl_xfree(c, path);
    return ok;
}

/* --preserve / --no-preserve lists */
static void parse_preserve(vl_ctx *c, cpstate *s, const char *list, bool on, const char *opt)
{
    char *dup = vl_xstrdup(c, list);
    for (char *tok = dup, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        if (!strcmp(tok, "mode")) s->p_mode = on;
        else if (!strcmp(tok, "timestamps")) s->p_times = on;
        else if (!strcmp(tok, "links")) s->p_links = on;
        else if (!strcmp(tok, "all")) s->p_mode = s->p_times = s->p_links = on;
        else if (!strcmp(tok, "ownership") || !strcmp(tok, "context") || !strcmp(tok, "xattr"))
            ; /* nothing the VM can keep: a single user, no labels, no xattrs */
        else {
            vl_error(c, "invalid argument %s for %s", q(c, tok), q(c, opt));
            vl_eprintf(c, "Valid arguments are:\n  - 'mode'\n  - 'timestamps'\n"
                          "  - 'ownership'\n  - 'links'\n  - 'context'\n  - 'xattr'\n"
                          "  - 'all'\n");
            vl_eprintf(c, "Try '%s --help' for more information.\n", c->name);
            vl_exit(c, 1);
        }
    }
    vl_xfree(c, dup);
}

static int cp_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    cpstate s = {0};
    s.recursive = vl_has(c, 'r') || vl_has(c, 'R') || vl_has(c, 'a');
    s.verbose = vl_has(c, 'v');
    s.force = vl_has(c, 'f');
    s.noclobber = vl_has(c, 'n') && vl_last(c, 'n') > vl_last(c, 'i');
    s.interactive = vl_has(c, 'i') && vl_last(c, 'i') > vl_last(c, 'n');
    s.update = vl_has(c, 'u');
    s.remove_dest = vl_has(c, OPT_REMOVE_DEST);
    s.hardlink = vl_has(c, 'l');
    s.symlink = vl_has(c, 's');
    if (s.hardlink && s.symlink) vl_usage_error(c, "cannot make both hard and symbolic links");
    /* the last of -H, -L, -P (and -a/-d, which imply -P) decides */
    int lastd = 0;
    s.deref = s.recursive ? DEREF_NEVER : DEREF_ALWAYS;
    if (vl_last(c, 'a') > lastd) lastd = vl_last(c, 'a'), s.deref = DEREF_NEVER;
    if (vl_last(c, 'd') > lastd) lastd = vl_last(c, 'd'), s.deref = DEREF_NEVER;
    if (vl_last(c, 'P') > lastd) lastd = vl_last(c, 'P'), s.deref = DEREF_NEVER;
    if (vl_last(c, 'H') > lastd) lastd = vl_last(c, 'H'), s.deref = DEREF_ARGS;
    if (vl_last(c, 'L') > lastd) lastd = vl_last(c, 'L'), s.deref = DEREF_ALWAYS;
    if (vl_has(c, 'a')) s.p_mode = s.p_times = s.p_links = true;
    if (vl_has(c, 'd')) s.p_links = true;
    if (vl_has(c, 'p')) s.p_mode = s.p_times = true;
    if (vl_has(c, OPT_PRESERVE)) {
        const char *l = vl_arg(c, OPT_PRESERVE);
        parse_preserve(c, &s, l ? l : "mode,ownership,timestamps", true, "--preserve");
    }
    if (vl_has(c, OPT_NO_PRESERVE))
        parse_preserve(c, &s, vl_arg(c, OPT_NO_PRESERVE), false, "--no-preserve");
    s.umask = vk_umask(c->p, 0);
    vk_umask(c->p, s.umask);
    s.backup = vl_backup_type(c, 'b', OPT_BACKUP, 'S', &s.suffix);
    s.attributes_only = vl_has(c, OPT_ATTRIBUTES_ONLY);
    s.one_fs = vl_has(c, 'x');
    if (vl_has(c, OPT_SPARSE)) {
        static const char *const w[] = {"never", "auto", "always", NULL};
        const char *a = vl_arg(c, OPT_SPARSE);
        bool ok = false;
        for (int i = 0; w[i] && !ok; i++) ok = strcmp(a, w[i]) == 0;
        if (!ok) {
            vl_error(c, "invalid argument %s for %s", q(c, a), q(c, "--sparse"));
            vl_eprintf(c, "Valid arguments are:\n  - 'never'\n  - 'auto'\n  - 'always'\n"
                          "Try '%s --help' for more information.\n", c->name);
            vl_exit(c, 1);
        }
    }
    bool reflink_always = false;
    if (vl_has(c, OPT_REFLINK)) {
        const char *a = vl_arg(c, OPT_REFLINK);
        if (!a || !strcmp(a, "always")) reflink_always = true;
        else if (strcmp(a, "auto") && strcmp(a, "never")) {
            vl_error(c, "invalid argument %s for %s", q(c, a), q(c, "--reflink"));
            vl_eprintf(c, "Valid arguments are:\n  - 'auto'\n  - 'always'\n  - 'never'\n"
                          "Try '%s --help' for more information.\n", c->name);
            vl_exit(c, 1);
        }
    }
    if (vl_has(c, OPT_STRIP_SLASHES))
        for (int i = 1; i <= n; i++) vl_strip_slashes(argv[i]);
    bool parents = vl_has(c, OPT_PARENTS);

    if (parents && !vl_has(c, 't') && n >= 2) {
        struct vk_stat st;
        if (vk_stat(c->p, argv[n], &st) < 0 || !VK_S_ISDIR(st.mode))
            vl_usage_error(c, "with --parents, the destination must be a directory");
    }
    const char *tdir = vl_target_dir(c, &n, argv);
    if (!tdir) {
        if (parents) vl_usage_error(c, "with --parents, the destination must be a directory");
        if (reflink_always) {
            vl_error(c, "failed to clone %s from %s: %s", q(c, argv[2]), q(c, argv[1]),
                     vl_strerror(VOS_ENOTSUP));
            return 1;
        }
        copy_operand(c, &s, argv[1], argv[2]);
        return c->status;
    }
    for (int i = 1; i <= n; i++) {
        char *src = vl_xstrdup(c, argv[i]);
        vl_strip_slashes(src);
        char *dst;
        if (parents) {
            /* the whole source name below the directory, its directories made as needed */
            const char *rel = src;
            while (*rel == '/') rel++;
            dst = vl_path_join(c, tdir, rel);
            if (!make_parents(c, &s, src, tdir)) {
                vl_xfree(c, src);
                vl_xfree(c, dst);
                continue;
            }
        } else {
            dst = vl_path_join(c, tdir, vl_basename(c, src));
        }
        vl_xfree(c, src);
        if (reflink_always) {
            vl_error(c, "failed to clone %s from %s: %s", q(c, dst), q(c, argv[i]),
                     vl_strerror(VOS_ENOTSUP));
            vl_xfree(c, dst);
            continue;
        }
        copy_operand(c, &s, argv[i], dst);
        vl_xfree(c, dst);
    }
    return c->status;
}

VL_COMMAND(cp, cp_main, cp_opts,
           "[OPTION]... [-T] SOURCE DEST\n"
           "  or:  cp [OPTION]... SOURCE... DIRECTORY\n"
           "  or:  cp [OPTION]... -t DIRECTORY SOURCE...",
           "Copy SOURCE to DEST, or multiple SOURCE(s) to DIRECTORY.", 0, 1);
