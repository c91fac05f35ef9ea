/* logname: the user's login name. A VM has no login sessions (no terminal, no utmp): "no login
 * name", status 1, as GNU says then. */
#include "lib/cmd.h"
#include "lib/format.h"

static const vl_opt no_opts[] = {{0}};

static int logname_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    vl_die(c, 1, "no login name");
}
VL_COMMAND(logname, logname_main, no_opts, "[OPTION]", "Print the user's login name.", 0, 1);

