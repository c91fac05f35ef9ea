/* rmdir: remove empty directories (GNU coreutils 9.1: -p, -v, --ignore-fail-on-non-empty).
 * Never removes anything that is not an empty directory; rm -r is for trees. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_IGNORE = 256 };

static const vl_opt rmdir_opts[] = {
    {OPT_IGNORE, "ignore-fail-on-non-empty", VL_NOARG, NULL,
     "ignore each failure to remove a non-empty directory"},
    {'p', "parents", VL_NOARG, NULL,
     "remove DIRECTORY and its ancestors; e.g., 'rmdir -p a/b' is similar to 'rmdir a/b a'"},
    {'v', "verbose", VL_NOARG, NULL, "output a diagnostic for every directory processed"},
    {0, NULL, 0, NULL, NULL},
};

/* Returns 0 when removed, 1 when a non-empty failure was ignored, -1 after an error. */
static int remove_dir(vl_ctx *c, const char *path, bool parent)
{
    if (vl_has(c, 'v'))
        vl_printf(c, "%s: removing directory, %s\n", c->name, vl_quote_always(c, path));
    int rc = vk_rmdir(c->p, path);
    if (rc == 0) return 0;
    if (vl_has(c, OPT_IGNORE) && (rc == VOS_ENOTEMPTY || rc == VOS_EEXIST)) return 1;
    vl_error(c, parent ? "failed to remove directory %s: %s" : "failed to remove %s: %s",
             vl_quote_always(c, path), vl_strerror(rc));
    return -1;
}

static int rmdir_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    for (int i = 1; i <= n; i++) {
        if (remove_dir(c, argv[i], false) != 0 || !vl_has(c, 'p')) continue;
        /* -p: then each ancestor named in the operand, innermost first */
        char *path = vl_xstrdup(c, argv[i]);
        for (;;) {
            vl_strip_slashes(path);
            char *slash = strrchr(path, '/');
            if (!slash) break;
            while (slash > path && slash[-1] == '/') slash--;
            if (slash == path) break; /* only "/" is left: never removed */
            *slash = '\0';
            if (remove_dir(c, path, true) != 0) break;
        }
        vl_xfree(c, path);
    }
    return c->status;
}

VL_COMMAND(rmdir, rmdir_main, rmdir_opts, "[OPTION]... DIRECTORY...",
           "Remove the DIRECTORY(ies), if they are empty.", 0, 1);
