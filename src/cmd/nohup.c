/* nohup: run a command immune to hangups. A VM has no terminals, so nothing is redirected
 * and nohup.out is never made (GNU does the same when neither standard input, output nor
 * error is a terminal): it ignores SIGHUP and runs the command. Statuses as GNU's: 125 for
 * nohup's own errors, 126/127 when the command cannot run / is not found. */
#include "lib/cmd.h"
#include "lib/format.h"

static int nohup_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    vk_signal(c->p, VOS_SIGHUP, VK_SIG_IGN);
    vl_flush(c);
    int rc = vk_execve(c->p, argv[1], &argv[1], vk_environ(c->p));
    vl_error(c, "failed to run command %s: %s", vl_quote_always(c, argv[1]), vl_strerror(rc));
    return rc == VOS_ENOENT ? 127 : 126;
}

static const vl_opt nohup_opts[] = {{0}};
VL_COMMAND(nohup, nohup_main, nohup_opts, "COMMAND [ARG]...\n  or:  nohup OPTION",
           "Run COMMAND, ignoring hangup signals.", VL_STOP_AT_OPERAND, 125);
