/* readlink: print the target of a symbolic link, or a canonical file name (GNU coreutils 9.1:
 * -f -e -m -n -q -s -v -z). Errors are silent unless -v, as GNU's are. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

static const vl_opt readlink_opts[] = {
    {'f', "canonicalize", VL_NOARG, NULL,
     "canonicalize by following every symlink in every component of the given name\n"
     "recursively; all but the last component must exist"},
    {'e', "canonicalize-existing", VL_NOARG, NULL,
     "canonicalize by following every symlink in every component of the given name\n"
     "recursively, all components must exist"},
    {'m', "canonicalize-missing", VL_NOARG, NULL,
     "canonicalize by following every symlink in every component of the given name\n"
     "recursively, without requirements on components existence"},
    {'n', "no-newline", VL_NOARG, NULL, "do not output the trailing delimiter"},
    {'q', "quiet", VL_NOARG, NULL, NULL},
    {'s', "silent", VL_NOARG, NULL, "suppress most error messages (on by default)"},
    {'v', "verbose", VL_NOARG, NULL, "report error messages"},
    {'z', "zero", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {0, NULL, 0, NULL, NULL},
};

static int readlink_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    int mode = -1; /* -1: the link's own text */
    int last = 0;
    if (vl_last(c, 'f') > last) last = vl_last(c, 'f'), mode = VL_CAN_ALL_BUT_LAST;
    if (vl_last(c, 'e') > last) last = vl_last(c, 'e'), mode = VL_CAN_EXISTING;
    if (vl_last(c, 'm') > last) last = vl_last(c, 'm'), mode = VL_CAN_MISSING;
    int v = vl_last(c, 'v'), q = vl_last(c, 'q') > vl_last(c, 's') ? vl_last(c, 'q') : vl_last(c, 's');
    bool verbose = v > q;
    bool newline = !vl_has(c, 'n');
    if (!newline && n > 1) {
        vl_error(c, "ignoring --no-newline with multiple arguments");
        c->status = 0;
        newline = true;
    }
    char eol = vl_has(c, 'z') ? '\0' : '\n';
    char *buf = vl_xmalloc(c, VK_PATH_MAX);
    for (int i = 1; i <= n; i++) {
        const char *out = NULL;
        int rc;
        if (mode < 0) {
            ssize_t len = vk_readlink(c->p, argv[i], buf, VK_PATH_MAX - 1);
            rc = len < 0 ? (int)len : 0;
            if (len >= 0) {
                buf[len] = '\0';
                out = buf;
            }
        } else {
            char *r;
            rc = vl_canonicalize(c, argv[i], mode, &r);
            out = r;
        }
        if (rc < 0) {
            if (verbose) vl_perror(c, vl_quote(c, argv[i]), rc);
            c->status = 1;
            continue;
        }
        vl_puts(c, out);
        if (newline) vl_putc(c, eol);
    }
    return c->status;
}

VL_COMMAND(readlink, readlink_main, readlink_opts, "[OPTION]... FILE...",
           "Print value of a symbolic link or canonical file name", 0, 1);
