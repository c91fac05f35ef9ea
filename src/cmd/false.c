/* false: exit with status 1. As GNU's, it answers a lone --help or --version (still with
 * status 1) and ignores any other argument; as bash's builtin it ignores everything. */
#include "lib/cmd.h"

#include <string.h>

static int false_main(vl_ctx *c, int argc, char **argv)
{
    if (!c->builtin && argc == 2 && strcmp(argv[1], "--help") == 0) vl_help(c);
    else if (!c->builtin && argc == 2 && strcmp(argv[1], "--version") == 0) vl_version(c);
    return 1;
}

static const vl_opt false_opts[] = {{0}};
VL_COMMAND_NAMED(false, "false", false_main, false_opts, "[ignored command line arguments]",
           "Exit with a status code indicating failure.", VL_NO_OPTIONS, 1);
