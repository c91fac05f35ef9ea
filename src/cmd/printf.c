/* printf: format and print arguments (engine in lib/format.c). As GNU's it takes no option
 * but a lone --help or --version, and skips a leading "--"; as bash's builtin it rejects
 * options with bash's usage line (printf -v is the shell's: it calls vl_format itself). */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

static int printf_main(vl_ctx *c, int argc, char **argv)
{
    if (c->builtin) {
        int i = 1;
        if (i < argc && strcmp(argv[i], "--") == 0) i++;
        else if (i < argc && argv[i][0] == '-' && argv[i][1]) {
            char bad[3] = {'-', argv[i][1], 0};
            vl_eprintf(c, "%s: %s: invalid option\n", c->name, bad);
            i = argc;
        }
        if (i >= argc) {
            vl_eprintf(c, "printf: usage: printf [-v var] format [arguments]\n");
            return 2;
        }
        return vl_format(c, NULL, argv[i], argc - i - 1, argv + i + 1);
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        vl_help(c);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        vl_version(c);
        return 0;
    }
    int i = 1;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) vl_usage_error(c, "missing operand");
    return vl_format(c, NULL, argv[i], argc - i - 1, argv + i + 1);
}

static const vl_opt printf_opts[] = {{0}};
VL_COMMAND(printf, printf_main, printf_opts, "FORMAT [ARGUMENT]...",
           "Print ARGUMENT(s) according to FORMAT.", VL_NO_OPTIONS, 1);
