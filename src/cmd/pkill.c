/* pkill: signal the VM's processes whose name matches a pattern (see pgrep.c and
 * sys_pgrep.h): -SIGNAL or --signal SIG (TERM by default), -e to say what was killed. */
#include "lib/cmd.h"
#include "sys_pgrep.h"

static int pkill_main(vl_ctx *c, int argc, char **argv)
{
    return sys_pgrep_run(c, argc, argv, true);
}

static const vl_opt pkill_opts[] = {
    {256, "signal", VL_ARG, "SIG", "signal to send (either number or name)"},
    {'e', "echo", VL_NOARG, NULL, "display what is killed"},
    {'c', "count", VL_NOARG, NULL, "count of matching processes"},
    {'f', "full", VL_NOARG, NULL, "use full process name to match"},
    {'i', "ignore-case", VL_NOARG, NULL, "match case insensitively"},
    {'n', "newest", VL_NOARG, NULL, "select most recently started"},
    {'o', "oldest", VL_NOARG, NULL, "select least recently started"},
    {'v', "inverse", VL_NOARG, NULL, "negates the matching"},
    {'P', "parent", VL_ARG, "PPID,...", "match only child processes of the given parent"},
    {'u', "euid", VL_ARG, "ID,...", "match by effective IDs"},
    {'U', "uid", VL_ARG, "ID,...", "match by real IDs"},
    {'x', "exact", VL_NOARG, NULL, "match exactly with the command name"},
    {0}};
VL_COMMAND(pkill, pkill_main, pkill_opts, "[options] <pattern>",
           "Signal the processes whose name matches the pattern.", 0, 2);
