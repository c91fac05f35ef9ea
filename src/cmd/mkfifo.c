/* mkfifo: make named pipes. They are the VM's pipes (vk_mkfifo): a reader and a writer that
 * open the name meet as through `|`. -m sets the mode exactly (no umask), as GNU's does; -Z and
 * --context are accepted and, with no SELinux in a VM, change nothing (GNU's warning for a
 * context given by name). */
#include "lib/cmd.h"
#include "lib/walk.h"

enum { OPT_CONTEXT = 256 };

static const vl_opt mkfifo_opts[] = {
    {'m', "mode", VL_ARG, "MODE", "set file permission bits to MODE, not a=rw - umask"},
    {'Z', NULL, VL_NOARG, NULL, "set the SELinux security context to default type"},
    {OPT_CONTEXT, "context", VL_OPTARG, "CTX",
     "like -Z, or if CTX is specified then set the SELinux\n  or SMACK security context to "
     "CTX"},
    {0},
};

static int mkfifo_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    unsigned umask = vk_umask(c->p, 0);
    vk_umask(c->p, umask);
    unsigned mode = 0666 & ~umask;
    bool exact = false;
    if (vl_has(c, 'm')) {
        if (vl_mode_parse(vl_arg(c, 'm'), 0666, umask, false, &mode) < 0)
            vl_die(c, 1, "invalid mode");
        exact = true;
    }
    if (vl_arg(c, OPT_CONTEXT))
        vl_error(c, "warning: ignoring --context; it requires an SELinux/SMACK-enabled kernel");
    c->status = 0;
    for (int i = 1; i <= n; i++) {
        /* with the umask out of the way the mode is exactly what was asked */
        if (exact) vk_umask(c->p, 0);
        int rc = vk_mkfifo(c->p, argv[i], mode);
        if (exact) vk_umask(c->p, umask);
        if (rc < 0) {
            vl_error(c, "cannot create fifo %s: %s", vl_quote_always(c, argv[i]),
                     vl_strerror(rc));
            c->status = 1;
        }
    }
    return c->status;
}

VL_COMMAND(mkfifo, mkfifo_main, mkfifo_opts, "[OPTION]... NAME...",
           "Create named pipes (FIFOs) with the given NAMEs.", 0, 1);
