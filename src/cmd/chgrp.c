/* chgrp: change group ownership (GNU coreutils 9.1: -c -f -v -h --dereference --reference -R
 * -H -L -P --preserve-root). The VM has one user: see vl_chown_run in lib/walk.c. */
#include "lib/cmd.h"
#include "lib/walk.h"

static int chgrp_main(vl_ctx *c, int argc, char **argv)
{
    return vl_chown_run(c, argc, argv, true);
}

VL_COMMAND(chgrp, chgrp_main, vl_chgrp_opts, "[OPTION]... GROUP FILE...",
           "  or:  chgrp [OPTION]... --reference=RFILE FILE...\n"
           "Change the group of each FILE to GROUP.\n"
           "With --reference, change the group of each FILE to that of RFILE.",
           0, 1);
