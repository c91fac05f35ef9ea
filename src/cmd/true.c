/* true: exit with status 0. As GNU's, it answers a lone --help or --version and ignores any
 * other argument; as bash's builtin it ignores everything. */
#include "lib/cmd.h"

#include <string.h>

static int true_main(vl_ctx *c, int argc, char **argv)
{
    if (!c->builtin && argc == 2 && strcmp(argv[1], "--help") == 0) vl_help(c);
    else if (!c->builtin && argc == 2 && strcmp(argv[1], "--version") == 0) vl_version(c);
    return 0;
}

static const vl_opt true_opts[] = {{0}};
VL_COMMAND_NAMED(true, "true", true_main, true_opts, "[ignored command line arguments]",
           "Exit with a status code indicating success.", VL_NO_OPTIONS, 0);
