/* chown: change file owner and group (GNU coreutils 9.1: -c -f -v -h --dereference --from
 * --reference -R -H -L -P --preserve-root). The VM has one user, so only changes that change
 * nothing succeed (see vl_chown_run in lib/walk.c); others fail as for an ordinary user. */
#include "lib/cmd.h"
#include "lib/walk.h"

static int chown_main(vl_ctx *c, int argc, char **argv)
{
    return vl_chown_run(c, argc, argv, false);
}

VL_COMMAND(chown, chown_main, vl_chown_opts, "[OPTION]... [OWNER][:[GROUP]] FILE...",
           "  or:  chown [OPTION]... --reference=RFILE FILE...\n"
           "Change the owner and/or group of each FILE to OWNER and/or GROUP.\n"
           "With --reference, change the owner and group of each FILE to those of RFILE.",
           0, 1);
