/* nice: run a command with an adjusted niceness, or print the niceness. A VM schedules its
 * processes without priorities: the niceness is always 0, and an adjustment is checked and then
 * has no effect. Statuses as GNU's: 125 for nice's own errors, 126/127 when the command cannot
 * run / is not found. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

static int nice_main(vl_ctx *c, int argc, char **argv)
{
    /* GNU takes the old form -N / --N / -+N as an adjustment before anything else */
    const char *adj = NULL;
    int skip = 0;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] &&
        (strchr("0123456789", argv[1][1]) ||
         ((argv[1][1] == '-' || argv[1][1] == '+') && argv[1][2] &&
          strchr("0123456789", argv[1][2])))) {
        adj = argv[1] + 1;
        skip = 1;
    }
    argv[skip] = argv[0];
    int n = vl_getopt(c, argc - skip, argv + skip);
    argv += skip;
    if (vl_arg(c, 'n')) adj = vl_arg(c, 'n');
    if (adj) {
        int64_t v;
        if (vl_parse_int(adj[0] == '+' ? adj + 1 : adj, &v, false) < 0 && adj[0] != '\0')
            vl_die(c, 125, "invalid adjustment %s", vl_quote_locale(c, adj));
        if (!adj[0]) vl_die(c, 125, "invalid adjustment %s", vl_quote_locale(c, adj));
    }
    if (n == 0) {
        if (adj) vl_usage_error(c, "a command must be given with an adjustment");
        vl_puts(c, "0\n");
        return 0;
    }
    vl_flush(c);
    int rc = vk_execve(c->p, argv[1], &argv[1], vk_environ(c->p));
    vl_error(c, "%s: %s", vl_quote_locale(c, argv[1]), vl_strerror(rc));
    return rc == VOS_ENOENT ? 127 : 126;
}

static const vl_opt nice_opts[] = {
    {'n', "adjustment", VL_ARG, "N", "add integer N to the niceness (default 10)"},
    {0}};
VL_COMMAND(nice, nice_main, nice_opts, "[OPTION] [COMMAND [ARG]...]",
           "Run COMMAND with an adjusted niceness, which affects process scheduling.\n"
           "With no COMMAND, print the current niceness.  Niceness values range from\n"
           "-20 (most favorable to the process) to 19 (least favorable to the process).",
           VL_STOP_AT_OPERAND, 125);
