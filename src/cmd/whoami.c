/* whoami, logname, users: the VM's user. whoami prints the effective user's name; logname
 * finds no login (no terminal session in a VM: "no login name", as GNU says without utmp);
 * users lists logged-in users from utmp, of which a VM has none, so it prints nothing. */
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

static int logname_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    vl_die(c, 1, "no login name");
}
VL_COMMAND(logname, logname_main, no_opts, "[OPTION]", "Print the user's login name.", 0, 1);

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
