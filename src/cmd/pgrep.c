/* pgrep (and, through sys_pgrep.h, pkill): find the VM's processes whose name (or with -f
 * whole command line) matches an extended regular expression (lib/regex), procps-ng's options:
 * -f -x -i -v -n -o -c -l -a -d DELIM -u/-U USERS -P PPIDS (pkill: -SIGNAL / --signal SIG,
 * -e). Neither ever picks itself. Status: 0 something matched, 1 nothing, 2 a usage error, 3 a
 * fatal one. The names are what the VM's /proc tells (see sys_proc.h). */
#include "lib/cmd.h"
#include "sys_pgrep.h"

static int pgrep_main(vl_ctx *c, int argc, char **argv)
{
    return sys_pgrep_run(c, argc, argv, false);
}

static const vl_opt pgrep_opts[] = {
    {'d', "delimiter", VL_ARG, "STRING", "specify output delimiter"},
    {'l', "list-name", VL_NOARG, NULL, "list PID and process name"},
    {'a', "list-full", VL_NOARG, NULL, "list PID and full command line"},
    {'v', "inverse", VL_NOARG, NULL, "negates the matching"},
    {'c', "count", VL_NOARG, NULL, "count of matching processes"},
    {'f', "full", VL_NOARG, NULL, "use full process name to match"},
    {'i', "ignore-case", VL_NOARG, NULL, "match case insensitively"},
    {'n', "newest", VL_NOARG, NULL, "select most recently started"},
    {'o', "oldest", VL_NOARG, NULL, "select least recently started"},
    {'P', "parent", VL_ARG, "PPID,...", "match only child processes of the given parent"},
    {'u', "euid", VL_ARG, "ID,...", "match by effective IDs"},
    {'U', "uid", VL_ARG, "ID,...", "match by real IDs"},
    {'x', "exact", VL_NOARG, NULL, "match exactly with the command name"},
    {0}};
VL_COMMAND(pgrep, pgrep_main, pgrep_opts, "[options] <pattern>",
           "List the IDs of processes whose name matches the pattern.", 0, 2);
