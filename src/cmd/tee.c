/* tee: copy stdin to stdout and to each file (-a appends), going on past files it cannot
 * open or write (status 1). Each block read goes out at once, so pipelines keep streaming.
 * It ignores -i (a VM process has no terminal to be interrupted from). */
#include "lib/cmd.h"

static int tee_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int flags = VK_O_WRONLY | VK_O_CREAT | (vl_has(c, 'a') ? VK_O_APPEND : VK_O_TRUNC);
    int *fds = vl_xcalloc(c, (size_t)n + 1, sizeof *fds);
    for (int i = 1; i <= n; i++) {
        fds[i] = vk_open(c->p, argv[i], flags, 0666);
        if (fds[i] < 0) {
            vl_perror(c, vl_quote(c, argv[i]), fds[i]);
            fds[i] = -1;
        }
    }
    vl_in *in = vl_in_fd(c, 0, "-");
    char buf[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_write(c, buf, (size_t)r);
        vl_flush(c);
        for (int i = 1; i <= n; i++) {
            if (fds[i] < 0) continue;
            int rc = vl_write_fd(c, fds[i], buf, (size_t)r);
            if (rc < 0) {
                vl_perror(c, vl_quote(c, argv[i]), rc);
                vk_close(c->p, fds[i]);
                fds[i] = -1;
            }
        }
    }
    if (r < 0) vl_perror(c, "read error", (int)r);
    for (int i = 1; i <= n; i++)
        if (fds[i] >= 0) vk_close(c->p, fds[i]);
    return c->status;
}

static const vl_opt tee_opts[] = {
    {'a', "append", VL_NOARG, NULL, "append to the given FILEs, do not overwrite"},
    {'i', "ignore-interrupts", VL_NOARG, NULL, "ignore interrupt signals"},
    {0}};
VL_COMMAND(tee, tee_main, tee_opts, "[OPTION]... [FILE]...",
           "Copy standard input to each FILE, and also to standard output.", 0, 1);
