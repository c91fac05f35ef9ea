/* stty: terminal settings. A VM has no terminal: every query or setting fails as GNU stty's
 * does on a standard input that is not one ("'standard input': Inappropriate ioctl for
 * device", status 1); -F DEVICE names the device in the message. */
#include "lib/cmd.h"

#include <string.h>

static int stty_main(vl_ctx *c, int argc, char **argv)
{
    const char *dev = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help")) {
            vl_puts(c, "Usage: stty [-F DEVICE | --file=DEVICE] [SETTING]...\n"
                       "  or:  stty [-F DEVICE | --file=DEVICE] [-a|--all]\n"
                       "  or:  stty [-F DEVICE | --file=DEVICE] [-g|--save]\n");
            return 0;
        }
        if (!strcmp(a, "--version")) {
            vl_version(c);
            return 0;
        }
        if (!strcmp(a, "-F") || !strcmp(a, "--file")) {
            if (i + 1 >= argc) {
                vl_error(c, "option requires an argument -- 'F'");
                vl_try_help(c);
            }
            dev = argv[++i];
        } else if (!strncmp(a, "-F", 2)) {
            dev = a + 2;
        } else if (!strncmp(a, "--file=", 7)) {
            dev = a + 7;
        } else if (a[0] == '-' && a[1] == '-' && strcmp(a, "--all") && strcmp(a, "--save")) {
            vl_error(c, "invalid argument %s", vl_quote_always(c, a));
            vl_try_help(c);
        }
    }
    if (dev) {
        int fd = vk_open(c->p, dev, VK_O_RDONLY | VK_O_NONBLOCK, 0);
        if (fd < 0) vl_die(c, 1, "%s: %s", dev, vl_strerror(fd));
        vk_close(c->p, fd);
        vl_die(c, 1, "%s: Inappropriate ioctl for device", dev);
    }
    vl_die(c, 1, "'standard input': Inappropriate ioctl for device");
}

static const vl_opt stty_opts[] = {{0}};
VL_COMMAND(stty, stty_main, stty_opts, "[-F DEVICE | --file=DEVICE] [SETTING]...",
           "Print or change terminal characteristics.", VL_NO_OPTIONS, 1);
