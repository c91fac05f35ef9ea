/* basename: strip the directory and (optionally) a suffix from names: GNU's -a, -s, -z and
 * the two-operand form. Pure string work; it never looks at the filesystem. */
#include "lib/cmd.h"

#include <string.h>

static void one(vl_ctx *c, const char *name, const char *suffix, int end)
{
    char *b = vl_basename(c, name);
    size_t n = strlen(b), sl = suffix ? strlen(suffix) : 0;
    /* the suffix goes only when something is left of the name */
    if (sl && sl < n && strcmp(b + n - sl, suffix) == 0) b[n - sl] = '\0';
    vl_puts(c, b);
    vl_putc(c, end);
    vl_xfree(c, b);
}

static int basename_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int end = vl_has(c, 'z') ? 0 : '\n';
    const char *suffix = vl_arg(c, 's');
    bool multiple = vl_has(c, 'a') || suffix;
    if (n == 0) vl_usage_error(c, "missing operand");
    if (!multiple) {
        if (n > 2) vl_usage_error(c, "extra operand %s", vl_quote_always(c, argv[3]));
        one(c, argv[1], n == 2 ? argv[2] : NULL, end);
        return 0;
    }
    for (int i = 1; i <= n; i++) one(c, argv[i], suffix, end);
    return 0;
}

static const vl_opt basename_opts[] = {
    {'a', "multiple", VL_NOARG, NULL, "support multiple arguments and treat each as a NAME"},
    {'s', "suffix", VL_ARG, "SUFFIX", "remove a trailing SUFFIX; implies -a"},
    {'z', "zero", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {0}};
VL_COMMAND(basename, basename_main, basename_opts, "NAME [SUFFIX]\n  or:  basename OPTION... NAME...",
           "Print NAME with any leading directory components removed.\n"
           "If specified, also remove a trailing SUFFIX.",
           0, 1);
