/* which: print where each NAME is found in PATH (debianutils' script: the first match, or all
 * with -a; a NAME with a slash is checked as it is). Status 0 when every NAME was found, 1
 * otherwise (and with no NAME), 2 for a bad option. */
#include "lib/cmd.h"

#include <string.h>

/* a regular file we may execute (test -f && test -x) */
static bool runnable(vl_ctx *c, const char *path)
{
    struct vk_stat st;
    return vk_stat(c->p, path, &st) == 0 && VK_S_ISREG(st.mode) &&
           vk_access(c->p, path, VK_X_OK) == 0;
}

static int which_main(vl_ctx *c, int argc, char **argv)
{
    /* the script's getopts: only -a, options end at the first non-option */
    bool all = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'a') {
                all = true;
                continue;
            }
            vl_eprintf(c, "Illegal option -%c\n", *o);
            vl_printf(c, "Usage: /usr/bin/which [-a] args\n");
            return 2;
        }
    }
    if (i >= argc) return 1;
    const char *path = vk_getenv(c->p, "PATH");
    if (!path) path = "";
    int status = 0;
    for (; i < argc; i++) {
        const char *name = argv[i];
        bool found = false;
        if (strchr(name, '/')) {
            if (runnable(c, name)) {
                vl_printf(c, "%s\n", name);
                found = true;
            }
        } else {
            /* PATH split as the script splits it: "a:" gets one more ':' first, then IFS=:
             * splitting (a final empty field dropped); an empty field is "." */
            size_t pl = strlen(path);
            char *ps = vl_xmalloc(c, pl + 2);
            memcpy(ps, path, pl + 1);
            if (pl >= 2 && path[pl - 1] == ':' && path[pl - 2] != ':') strcat(ps, ":");
            char *p = ps;
            while (*p) {
                char *e = strchr(p, ':');
                if (e) *e = '\0';
                char *full = vl_path_join(c, *p ? p : ".", name);
                if (runnable(c, full)) {
                    vl_printf(c, "%s\n", full);
                    found = true;
                    if (!all) break;
                }
                if (!e) break;
                p = e + 1;
            }
        }
        if (!found) status = 1;
    }
    return status;
}

static const vl_opt which_opts[] = {{0}};
VL_COMMAND(which, which_main, which_opts, "[-a] args", "Locate a command.", VL_NO_OPTIONS, 2);
