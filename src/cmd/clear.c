/* clear: clear the terminal screen (ncurses' clear). A VM has no terminal: the sequence of
 * the TERM named (xterm family) is printed; TERM unset or unknown is an error, dumb has none. */
#include "lib/cmd.h"
#include "sys_term.h"

static int clear_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) {
        vl_eprintf(c, "Usage: clear [options]\n\nOptions:\n"
                      "  -T TERM     use this instead of $TERM\n"
                      "  -V          print curses-version\n"
                      "  -x          do not try to clear scrollback\n");
        return 1;
    }
    const char *term = vl_arg(c, 'T') ? vl_arg(c, 'T') : vk_getenv(c->p, "TERM");
    int kind = sys_term_kind(term);
    if (kind == 0) {
        vl_eprintf(c, "TERM environment variable not set.\n");
        return 1;
    }
    if (kind < 0) {
        vl_eprintf(c, "'%s': unknown terminal type.\n", term);
        return 1;
    }
    if (kind == 2) return 1;
    vl_puts(c, vl_has(c, 'x') ? "\033[H\033[2J" : "\033[H\033[2J\033[3J");
    return 0;
}

static const vl_opt clear_opts[] = {
    {'T', NULL, VL_ARG, "TERM", "use this instead of $TERM"},
    {'x', NULL, VL_NOARG, NULL, "do not try to clear scrollback"},
    {0}};
VL_COMMAND(clear, clear_main, clear_opts, "[options]", "Clear the terminal screen.", 0, 1);
