/* mkdir: create directories (GNU coreutils 9.1 behaviour: -p, -m MODE, -v).
 * Does not do SELinux contexts (-Z/--context): vos has no security labels. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

static const vl_opt mkdir_opts[] = {
    {'m', "mode", VL_ARG, "MODE", "set file mode (as in chmod), not a=rwx - umask"},
    {'p', "parents", VL_NOARG, NULL,
     "no error if existing, make parent directories as needed,\n"
     "with their file modes unaffected by any -m option"},
    {'v', "verbose", VL_NOARG, NULL, "print a message for each created directory"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct mkopts {
    bool verbose;
    bool parents;
    bool has_mode;
    unsigned mode;  /* the -m mode */
    unsigned umask;
} mkopts;

static void created(vl_ctx *c, const mkopts *o, const char *path)
{
    if (o->verbose) vl_printf(c, "%s: created directory %s\n", c->name, vl_quote_always(c, path));
}

static void cannot(vl_ctx *c, const char *path, int rc)
{
    vl_error(c, "cannot create directory %s: %s", vl_quote_always(c, path), vl_strerror(rc));
}

/* Make every missing ancestor of path (mkdir -p). Returns false after reporting. Parents get
 * a=rwx minus the umask, plus u+wx so the next level can be made (as GNU does). */
static bool make_parents(vl_ctx *c, const mkopts *o, const char *path)
{
    char *buf = vl_xstrdup(c, path);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/') buf[--len] = '\0';
    char *last = strrchr(buf, '/');
    if (!last) return true;
    for (char *q = buf + 1; q <= last; q++) {
        if (*q != '/' || q[-1] == '/') continue;
        *q = '\0';
        int rc = vk_mkdir(c->p, buf, 0777);
        if (rc == 0) {
            unsigned want = (0777 & ~o->umask) | 0300;
            if ((0777 & ~o->umask) != want) vk_chmod(c->p, buf, want);
            created(c, o, buf);
        } else {
            struct vk_stat st;
            int src = vk_stat(c->p, buf, &st);
            if (rc == VOS_EEXIST && src == 0 && !VK_S_ISDIR(st.mode)) rc = VOS_ENOTDIR;
            if (rc != VOS_EEXIST || src != 0) {
                cannot(c, buf, rc);
                return false;
            }
        }
        *q = '/';
    }
    return true;
}

static void make_one(vl_ctx *c, const mkopts *o, const char *path)
{
    if (o->parents && !make_parents(c, o, path)) return;
    int rc = vk_mkdir(c->p, path, o->has_mode ? o->mode & 0777 : 0777);
    if (rc == VOS_EEXIST && o->parents) {
        struct vk_stat st;
        if (vk_stat(c->p, path, &st) == 0 && VK_S_ISDIR(st.mode)) return;
    }
    if (rc < 0) {
        cannot(c, path, rc);
        return;
    }
    /* -m sets exactly MODE, whatever the umask (and special bits mkdir(2) ignores) */
    if (o->has_mode && (rc = vk_chmod(c->p, path, o->mode)) < 0) {
        vl_error(c, "cannot set permissions of %s: %s", vl_quote_always(c, path),
                 vl_strerror(rc));
        return;
    }
    created(c, o, path);
}

static int mkdir_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    mkopts o = {0};
    o.verbose = vl_has(c, 'v');
    o.parents = vl_has(c, 'p');
    o.umask = vk_umask(c->p, 0);
    vk_umask(c->p, o.umask);
    if (vl_has(c, 'm')) {
        const char *m = vl_arg(c, 'm');
        if (vl_mode_parse(m, 0777, o.umask, true, &o.mode) < 0)
            vl_die(c, 1, "invalid mode %s", vl_quote_always(c, m));
        o.has_mode = true;
    }
    for (int i = 1; i <= n; i++) make_one(c, &o, argv[i]);
    return c->status;
}

VL_COMMAND(mkdir, mkdir_main, mkdir_opts, "[OPTION]... DIRECTORY...",
           "Create the DIRECTORY(ies), if they do not already exist.", 0, 1);
