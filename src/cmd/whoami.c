/* whoami: the name of the VM's user (its uid looked up in the VM's /etc/passwd). */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_user.h"

static int whoami_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    sys_ent e;
    unsigned uid = vk_getuid(c->p);
    if (sys_lookup(c, "/etc/passwd", NULL, uid, &e)) vl_printf(c, "%s\n", e.name);
    else vl_die(c, 1, "cannot find name for user ID %u", uid);
    return 0;
}

static const vl_opt no_opts[] = {{0}};
VL_COMMAND(whoami, whoami_main, no_opts, "[OPTION]...",
           "Print the user name associated with the current effective user ID.\n"
           "Same as id -un.",
           0, 1);

