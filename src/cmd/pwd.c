/* pwd: print the working directory. -P (GNU's default) gives the physical path, -L (bash's
 * builtin default) the $PWD the shell keeps when it still names the same directory. */
#include "lib/cmd.h"

#include <string.h>

/* $PWD is usable when absolute, free of . and .. components, and the same directory as "." */
static bool pwd_ok(vl_ctx *c, const char *pwd)
{
    if (!pwd || pwd[0] != '/') return false;
    for (const char *q = pwd; *q; q++) {
        if (*q != '/') continue;
        if (q[1] == '.' && (q[2] == '/' || !q[2])) return false;
        if (q[1] == '.' && q[2] == '.' && (q[3] == '/' || !q[3])) return false;
    }
    struct vk_stat a, b;
    return vk_stat(c->p, pwd, &a) == 0 && vk_stat(c->p, ".", &b) == 0 && a.dev == b.dev &&
           a.ino == b.ino;
}

static int pwd_main(vl_ctx *c, int argc, char **argv)
{
    vl_getopt(c, argc, argv);
    bool logical = c->builtin;
    if (vl_has(c, 'L') || vl_has(c, 'P')) logical = vl_last(c, 'L') > vl_last(c, 'P');
    const char *pwd = vk_getenv(c->p, "PWD");
    if (logical && pwd_ok(c, pwd)) {
        vl_printf(c, "%s\n", pwd);
        return 0;
    }
    char *real = NULL;
    int rc = vk_realpath(c->p, ".", false, &real);
    if (rc < 0) {
        const char *cwd = vk_getcwd(c->p);
        if (!cwd) vl_die(c, 1, "error retrieving current directory: %s", vl_strerror(rc));
        vl_printf(c, "%s\n", cwd);
        return 0;
    }
    vl_printf(c, "%s\n", real);
    vk_free(c->p, real);
    return 0;
}

static const vl_opt pwd_opts[] = {
    {'L', "logical", VL_NOARG, NULL, "use PWD from environment, even if it contains symlinks"},
    {'P', "physical", VL_NOARG, NULL, "avoid all symlinks"},
    {0}};
VL_COMMAND(pwd, pwd_main, pwd_opts, "[OPTION]...",
           "Print the full filename of the current working directory.", 0, 1);
