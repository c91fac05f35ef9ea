/* sync: synchronize cached writes to persistent storage (GNU coreutils 9.1: -d -f, FILE
 * operands). The VM's drivers write through, so there is nothing to flush: files are opened to
 * report GNU's errors, and that is all. */
#include "lib/cmd.h"

static const vl_opt sync_opts[] = {
    {'d', "data", VL_NOARG, NULL, "sync only file data, no unneeded metadata"},
    {'f', "file-system", VL_NOARG, NULL, "sync the file systems that contain the files"},
    {0, NULL, 0, NULL, NULL},
};

static int sync_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool data = vl_has(c, 'd'), fs = vl_has(c, 'f');
    if (data && fs) vl_die(c, 1, "cannot specify both --data and --file-system");
    if (data && n == 0) vl_die(c, 1, "--data needs at least one argument");
    for (int i = 1; i <= n; i++) {
        int fd = vk_open(c->p, argv[i], VK_O_RDONLY | VK_O_NONBLOCK, 0);
        if (fd < 0) {
            vl_error(c, "error opening %s: %s", vl_quote_always(c, argv[i]), vl_strerror(fd));
            continue;
        }
        vk_close(c->p, fd);
    }
    return c->status;
}

VL_COMMAND(sync, sync_main, sync_opts, "[OPTION] [FILE]...",
           "Synchronize cached writes to persistent storage\n\n"
           "If one or more files are specified, sync only them,\n"
           "or their containing file systems.",
           0, 1);
