/* tty: print the terminal on standard input. A VM has no terminals: "not a tty", status 1
 * (-s: silent). */
#include "lib/cmd.h"
#include "lib/format.h"

static int tty_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    if (!vl_has(c, 's')) vl_puts(c, "not a tty\n"); /* closed or not, stdin is no terminal */
    return 1;
}

static const vl_opt tty_opts[] = {
    {'s', "silent", VL_NOARG, NULL, "print nothing, only return an exit status"},
    {'s', "quiet", VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(tty, tty_main, tty_opts, "[OPTION]...",
           "Print the file name of the terminal connected to standard input.", 0, 2);
