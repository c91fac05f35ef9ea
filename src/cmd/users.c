/* users: who is logged in, from utmp. A VM has no login sessions: it prints nothing. */
#include "lib/cmd.h"
#include "lib/format.h"

static const vl_opt no_opts[] = {{0}};

static int users_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    return 0;
}
VL_COMMAND(users, users_main, no_opts, "[OPTION]... [FILE]",
           "Output who is currently logged in according to FILE.\n"
           "If FILE is not specified, use /var/run/utmp.  /var/log/wtmp as FILE is common.",
           0, 1);
