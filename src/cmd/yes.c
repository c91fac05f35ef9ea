/* yes: print its arguments (or "y") on a line, forever, until the reader goes away (EPIPE
 * ends it with 141, as SIGPIPE would). It fills a block with copies of the line so each write
 * moves many lines; it has no option of its own. */
#include "lib/cmd.h"

#include <string.h>

static int yes_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    vl_buf line = {0};
    if (n == 0) vl_buf_adds(c, &line, "y");
    for (int i = 1; i <= n; i++) {
        if (i > 1) vl_buf_addc(c, &line, ' ');
        vl_buf_adds(c, &line, argv[i]);
    }
    vl_buf_addc(c, &line, '\n');
    vl_buf block = {0};
    while (block.len < 8192) vl_buf_add(c, &block, line.data, line.len);
    for (;;) {
        /* straight to fd 1, so a write error gets GNU's wording ("yes: standard output: ...") */
        int rc = vl_write_fd(c, 1, block.data, block.len);
        /* a writer to /dev/null never sees EPIPE: stop when the kernel wants us gone */
        int w = vk_dying(c->p);
        if (w) return VK_WSHELL(w);
        if (rc == VOS_EPIPE) return 141;
        if (rc < 0) {
            vl_error(c, "standard output: %s", vl_strerror(rc));
            return 1;
        }
    }
}

static const vl_opt yes_opts[] = {{0}};
VL_COMMAND(yes, yes_main, yes_opts, "[STRING]...",
           "Repeatedly output a line with all specified STRING(s), or 'y'.", 0, 1);
