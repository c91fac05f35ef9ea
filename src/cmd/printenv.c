/* printenv: print the whole environment, or the values of the named variables (status 1 when
 * one is missing); GNU's -0. It reads the process environment only. */
#include "lib/cmd.h"

#include <string.h>

static int printenv_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int end = vl_has(c, '0') ? 0 : '\n';
    if (n == 0) {
        for (char *const *e = vk_environ(c->p); e && *e; e++) {
            vl_puts(c, *e);
            vl_putc(c, end);
        }
        return 0;
    }
    int status = 0;
    for (int i = 1; i <= n; i++) {
        const char *v = strchr(argv[i], '=') ? NULL : vk_getenv(c->p, argv[i]);
        if (!v) {
            status = 1;
            continue;
        }
        vl_puts(c, v);
        vl_putc(c, end);
    }
    return status;
}

static const vl_opt printenv_opts[] = {
    {'0', "null", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {0}};
VL_COMMAND(printenv, printenv_main, printenv_opts, "[OPTION]... [VARIABLE]...",
           "Print the values of the specified environment VARIABLE(s).\n"
           "If no VARIABLE is specified, print name and value pairs for them all.",
           0, 2);
