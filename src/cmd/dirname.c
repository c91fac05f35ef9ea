/* dirname: print each name with its last component removed ("." when none is left), GNU's -z.
 * Pure string work; it never looks at the filesystem. */
#include "lib/cmd.h"

static int dirname_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int end = vl_has(c, 'z') ? 0 : '\n';
    if (n == 0) vl_usage_error(c, "missing operand");
    for (int i = 1; i <= n; i++) {
        char *d = vl_dirname(c, argv[i]);
        vl_puts(c, d);
        vl_putc(c, end);
        vl_xfree(c, d);
    }
    return 0;
}

static const vl_opt dirname_opts[] = {
    {'z', "zero", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {0}};
VL_COMMAND(dirname, dirname_main, dirname_opts, "[OPTION] NAME...",
           "Output each NAME with its last non-slash component and trailing slashes\n"
           "removed; if NAME contains no /'s, output '.' (meaning the current directory).",
           0, 1);
