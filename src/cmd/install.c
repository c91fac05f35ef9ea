/* install: copy files and set attributes (GNU coreutils 9.1: -d -D -m -t -T -v -C -p -b
 * --backup -S -c, -o/-g for the VM's own user and group). A file is written to a temporary name
 * beside its destination and renamed over it, so a failed install never leaves half a file.
 * -s cannot run a strip program in a VM and fails as GNU does when strip fails. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_BACKUP = 256, OPT_STRIP_PROGRAM, OPT_PRESERVE_CONTEXT };

static const vl_opt install_opts[] = {
    {OPT_BACKUP, "backup", VL_OPTARG, "CONTROL", "make a backup of each existing destination file"},
    {'b', NULL, VL_NOARG, NULL, "like --backup but does not accept an argument"},
    {'c', NULL, VL_NOARG, NULL, "(ignored)"},
    {'C', "compare", VL_NOARG, NULL,
     "compare content of source and destination files, and if no change to the destination,\n"
     "do not modify the destination at all"},
    {'d', "directory", VL_NOARG, NULL,
     "treat all arguments as directory names; create all components of the specified\n"
     "directories"},
    {'D', NULL, VL_NOARG, NULL,
     "create all leading components of DEST except the last, or all components of\n"
     "--target-directory, then copy SOURCE to DEST"},
    {'g', "group", VL_ARG, "GROUP", "set group ownership, instead of process' current group"},
    {'m', "mode", VL_ARG, "MODE", "set permission mode (as in chmod), instead of rwxr-xr-x"},
    {'o', "owner", VL_ARG, "OWNER", "set ownership (super-user only)"},
    {'p', "preserve-timestamps", VL_NOARG, NULL,
     "apply access/modification times of SOURCE files to corresponding destination files"},
    {'s', "strip", VL_NOARG, NULL, "strip symbol tables"},
    {OPT_STRIP_PROGRAM, "strip-program", VL_ARG, "PROGRAM", "program used to strip binaries"},
    {'S', "suffix", VL_ARG, "SUFFIX", "override the usual backup suffix"},
    {'t', "target-directory", VL_ARG, "DIRECTORY",
     "copy all SOURCE arguments into DIRECTORY"},
    {'T', "no-target-directory", VL_NOARG, NULL, "treat DEST as a normal file"},
    {'v', "verbose", VL_NOARG, NULL, "print the name of each directory as it is created"},
    {OPT_PRESERVE_CONTEXT, "preserve-context", VL_NOARG, NULL,
     "preserve SELinux security context (none in a VM: accepted)"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct inst {
    unsigned mode, dir_mode;
    bool verbose, compare, preserve, strip;
    int backup;
    const char *suffix;
    long uid, gid; /* -1: not given */
    bool ok;
} inst;

static const char *q(vl_ctx *c, const char *s)
{
    return vl_quote_always(c, s);
}

/* -o / -g: a name or a number; only the VM's own user and group can be kept (set_owner) */
static long owner_id(vl_ctx *c, const char *s, bool group)
{
    unsigned id;
    if (vl_ids_find(vl_ids_new(c), s, group, &id)) return id;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s >= '0' && *s <= '9' && !*end && v < 0xffffffffUL) return (long)v;
    vl_die(c, 1, "invalid %s %s", group ? "group" : "user", q(c, s));
}

static bool set_owner(vl_ctx *c, inst *o, const char *path)
{
    if (o->uid < 0 && o->gid < 0) return true;
    struct vk_stat st;
    if (vk_lstat(c->p, path, &st) < 0) return true;
    bool uid_ok = o->uid < 0 || (unsigned long)o->uid == st.uid;
    bool gid_ok = o->gid < 0 || (unsigned long)o->gid == st.gid;
    if (uid_ok && gid_ok) return true;
    vl_error(c, "cannot change ownership of %s: %s", q(c, path), vl_strerror(VOS_EPERM));
    return false;
}

/* Make dir's missing ancestors (0755, as GNU's install makes them whatever the umask). */
static bool make_ancestors(vl_ctx *c, inst *o, const char *path)
{
    char *p = vl_xstrdup(c, path);
    vl_strip_slashes(p); /* "d/" has no ancestor to make but "." */
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        struct vk_stat st;
        if (vk_stat(c->p, p, &st) < 0) {
            int rc = vk_mkdir(c->p, p, 0755);
            if (rc < 0 && rc != VOS_EEXIST) {
                vl_error(c, "cannot create directory %s: %s", q(c, p), vl_strerror(rc));
                vl_xfree(c, p);
                return false;
            }
            if (rc == 0) {
                vk_chmod(c->p, p, 0755);
                if (o->verbose) vl_printf(c, "%s: creating directory %s\n", c->name, q(c, p));
            }
        } else if (!VK_S_ISDIR(st.mode)) {
            vl_error(c, "cannot create directory %s: %s", q(c, p), vl_strerror(VOS_ENOTDIR));
            vl_xfree(c, p);
            return false;
        }
        *s = '/';
        while (s[1] == '/') s++;
    }
    vl_xfree(c, p);
    return true;
}

static void install_dir(vl_ctx *c, inst *o, const char *arg)
{
    char *path = vl_xstrdup(c, arg);
    vl_strip_slashes(path);
    if (!make_ancestors(c, o, path)) {
        o->ok = false;
        return;
    }
    struct vk_stat st;
    bool made = false;
    if (vk_stat(c->p, path, &st) < 0) {
        int rc = vk_mkdir(c->p, path, 0700);
        if (rc < 0) {
            vl_error(c, "cannot create directory %s: %s", q(c, path), vl_strerror(rc));
            o->ok = false;
            return;
        }
        made = true;
        if (o->verbose) vl_printf(c, "%s: creating directory %s\n", c->name, q(c, path));
    } else if (!VK_S_ISDIR(st.mode)) {
        vl_error(c, "cannot create directory %s: %s", q(c, path), vl_strerror(VOS_EEXIST));
        o->ok = false;
        return;
    }
    (void)made;
    int rc = vk_chmod(c->p, path, o->dir_mode);
    if (rc < 0) {
        vl_error(c, "cannot change permissions of %s: %s", q(c, path), vl_strerror(rc));
        o->ok = false;
    }
    if (!set_owner(c, o, path)) o->ok = false;
}

/* Is dst already what installing src would make (content, mode, owner)? */
static bool same_content(vl_ctx *c, inst *o, const char *src, const char *dst,
                         const struct vk_stat *sst)
{
    struct vk_stat dst_st;
    if (vk_lstat(c->p, dst, &dst_st) < 0 || !VK_S_ISREG(dst_st.mode)) return false;
    if ((dst_st.mode & 07777) != o->mode || dst_st.size != sst->size) return false;
    if ((o->uid >= 0 && (unsigned long)o->uid != dst_st.uid) ||
        (o->gid >= 0 && (unsigned long)o->gid != dst_st.gid))
        return false;
    vl_in *a = vl_in_open_quiet(c, src, NULL), *b = vl_in_open_quiet(c, dst, NULL);
    bool same = a && b;
    enum { CHUNK = 65536 };
    char *ba = vl_xmalloc(c, CHUNK), *bb = vl_xmalloc(c, CHUNK);
    while (same) {
        ssize_t na = vl_in_read(c, a, ba, CHUNK), nb = vl_in_read(c, b, bb, CHUNK);
        if (na != nb || na < 0 || memcmp(ba, bb, (size_t)na) != 0) same = false;
        if (na <= 0) break;
    }
    vl_xfree(c, ba);
    vl_xfree(c, bb);
    vl_in_close(c, a);
    vl_in_close(c, b);
    return same;
}

static void install_file(vl_ctx *c, inst *o, const char *src, const char *dst)
{
    struct vk_stat sst, dstat;
    int rc = vk_stat(c->p, src, &sst);
    if (rc < 0) {
        vl_error(c, "cannot stat %s: %s", q(c, src), vl_strerror(rc));
        o->ok = false;
        return;
    }
    if (VK_S_ISDIR(sst.mode)) {
        vl_error(c, "omitting directory %s", q(c, src));
        o->ok = false;
        return;
    }
    bool exists = vk_stat(c->p, dst, &dstat) == 0;
    if (exists && dstat.dev == sst.dev && dstat.ino == sst.ino) {
        vl_error(c, "%s and %s are the same file", q(c, src), q(c, dst));
        o->ok = false;
        return;
    }
    if (exists && VK_S_ISDIR(dstat.mode)) {
        vl_error(c, "cannot overwrite directory %s with non-directory", q(c, dst));
        o->ok = false;
        return;
    }
    if (o->compare && same_content(c, o, src, dst, &sst)) return;
    size_t dl = strlen(dst);
    if (!exists && dl && dst[dl - 1] == '/') {
        if (o->verbose) vl_printf(c, "%s -> %s\n", q(c, src), q(c, dst));
        vl_error(c, "cannot create regular file %s: %s", q(c, dst), vl_strerror(VOS_ENOTDIR));
        o->ok = false;
        return;
    }
    if (o->strip) {
        vl_error(c, "cannot run %s: %s", q(c, "strip"), vl_strerror(VOS_ENOENT));
        o->ok = false;
        return;
    }
    /* the new content goes to a temporary name beside dst, renamed over it at the end */
    char *tmp = NULL;
    int out = vl_temp_beside(c, dst, 0600, &tmp);
    if (out < 0) {
        vl_error(c, "cannot create regular file %s: %s", q(c, dst), vl_strerror(out));
        o->ok = false;
        return;
    }
    int in = vk_open(c->p, src, VK_O_RDONLY, 0);
    rc = in < 0 ? in : 0;
    if (in < 0) vl_error(c, "cannot open %s for reading: %s", q(c, src), vl_strerror(in));
    enum { CHUNK = 256 * 1024 };
    char *buf = rc == 0 ? vl_xmalloc(c, CHUNK) : NULL;
    while (rc == 0) {
        ssize_t n = vk_read(c->p, in, buf, CHUNK);
        if (n < 0) {
            vl_error(c, "error reading %s: %s", q(c, src), vl_strerror((int)n));
            rc = (int)n;
        }
        if (n <= 0) break;
        ssize_t w = vk_write(c->p, out, buf, (size_t)n);
        if (w < 0) {
            vl_error(c, "error writing %s: %s", q(c, dst), vl_strerror((int)w));
            rc = (int)w;
        }
    }
    vl_xfree(c, buf);
    if (in >= 0) vk_close(c->p, in);
    int crc = vk_close(c->p, out);
    if (rc == 0 && crc < 0) {
        vl_error(c, "error writing %s: %s", q(c, dst), vl_strerror(crc));
        rc = crc;
    }
    if (rc == 0 && o->preserve) {
        int64_t t[2] = {sst.atime_ns, sst.mtime_ns};
        vk_utimens(c->p, tmp, t, true);
    }
    if (rc == 0) {
        rc = vk_chmod(c->p, tmp, o->mode);
        if (rc < 0) vl_error(c, "cannot change permissions of %s: %s", q(c, dst), vl_strerror(rc));
    }
    char *bname = NULL;
    if (rc == 0 && exists && o->backup != VL_BACKUP_NONE) {
        bname = vl_backup_name(c, dst, o->backup, o->suffix);
        rc = vk_rename(c->p, dst, bname);
        if (rc < 0)
            vl_error(c, "cannot backup %s: %s", q(c, dst), vl_strerror(rc));
    }
    if (rc == 0 && o->verbose) {
        /* GNU unlinks the old file first and says so */
        if (exists && !bname) vl_printf(c, "removed %s\n", q(c, dst));
        vl_printf(c, "%s -> %s", q(c, src), q(c, dst));
        if (bname) vl_printf(c, " (backup: %s)", q(c, bname));
        vl_putc(c, '\n');
    }
    if (rc == 0) {
        rc = vk_rename(c->p, tmp, dst);
        if (rc < 0) vl_error(c, "cannot create regular file %s: %s", q(c, dst), vl_strerror(rc));
    }
    if (rc < 0) {
        vk_unlink(c->p, tmp);
        o->ok = false;
        return;
    }
    if (!set_owner(c, o, dst)) o->ok = false;
}

static int install_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    inst o = {0};
    o.ok = true;
    o.mode = o.dir_mode = 0755;
    o.verbose = vl_has(c, 'v');
    o.compare = vl_has(c, 'C');
    o.preserve = vl_has(c, 'p');
    o.strip = vl_has(c, 's');
    o.uid = o.gid = -1;
    o.backup = vl_backup_type(c, 'b', OPT_BACKUP, 'S', &o.suffix);
    bool dirs = vl_has(c, 'd');
    if (vl_has(c, 'm')) {
        /* GNU applies the mode to 0 with no umask */
        const char *m = vl_arg(c, 'm');
        if (vl_mode_parse(m, 0, 0, false, &o.mode) < 0) vl_die(c, 1, "invalid mode %s", q(c, m));
        vl_mode_parse(m, 0, 0, true, &o.dir_mode);
    }
    if (vl_has(c, 'o')) o.uid = owner_id(c, vl_arg(c, 'o'), false);
    if (vl_has(c, 'g')) o.gid = owner_id(c, vl_arg(c, 'g'), true);
    if (dirs) {
        if (n == 0) vl_usage_error(c, "missing file operand");
        for (int i = 1; i <= n; i++) install_dir(c, &o, argv[i]);
        return o.ok ? 0 : 1;
    }
    const char *tdir = vl_arg(c, 't');
    if (tdir && vl_has(c, 'D')) {
        /* -D -t DIR: make DIR first */
        char *t = vl_path_join(c, tdir, "x");
        if (!make_ancestors(c, &o, t)) return 1;
        struct vk_stat st;
        if (vk_stat(c->p, tdir, &st) < 0) {
            int rc = vk_mkdir(c->p, tdir, 0755);
            if (rc == 0) {
                vk_chmod(c->p, tdir, 0755);
                if (o.verbose) vl_printf(c, "%s: creating directory %s\n", c->name, q(c, tdir));
            }
        }
    }
    if (tdir && !vl_has(c, 'T')) {
        struct vk_stat st;
        int rc = vk_stat(c->p, tdir, &st);
        if (rc < 0) vl_die(c, 1, "failed to access %s: %s", q(c, tdir), vl_strerror(rc));
        if (!VK_S_ISDIR(st.mode)) vl_die(c, 1, "target %s is not a directory", q(c, tdir));
    }
    tdir = vl_target_dir(c, &n, argv);
    if (!tdir) {
        if (vl_has(c, 'D') && !make_ancestors(c, &o, argv[2])) return 1;
        install_file(c, &o, argv[1], argv[2]);
        return o.ok ? 0 : 1;
    }
    for (int i = 1; i <= n; i++) {
        char *src = vl_xstrdup(c, argv[i]);
        vl_strip_slashes(src);
        char *dst = vl_path_join(c, tdir, vl_basename(c, src));
        install_file(c, &o, argv[i], dst);
    }
    return o.ok ? 0 : 1;
}

VL_COMMAND(install, install_main, install_opts,
           "[OPTION]... [-T] SOURCE DEST\n"
           "  or:  install [OPTION]... SOURCE... DIRECTORY\n"
           "  or:  install [OPTION]... -t DIRECTORY SOURCE...\n"
           "  or:  install [OPTION]... -d DIRECTORY...",
           "This install program copies files (often just compiled) into destination\n"
           "locations you choose.  If you want to download and install a ready-to-use\n"
           "package on a GNU/Linux system, you should instead be using a package manager\n"
           "like yum(1) or apt-get(8).\n\n"
           "In the first three forms, copy SOURCE to DEST or multiple SOURCE(s) to\n"
           "the existing DIRECTORY, while setting permission modes and owner/group.\n"
           "In the 4th form, create all components of the given DIRECTORY(ies).",
           0, 1);
