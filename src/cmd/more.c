/* more: a file perusal filter. A VM has no terminal: more copies each file to standard output
 * under a "::::::::::::::" header naming it (none for standard input), as util-linux's more does
 * when its output is not a terminal (see sys_term.h). */
#include "lib/cmd.h"
#include "sys_term.h"

static int more_main(vl_ctx *c, int argc, char **argv) { return sys_page(c, argc, argv, true); }

static const vl_opt no_opts[] = {{0}};
VL_COMMAND(more, more_main, no_opts, "[options] <file>...", "A file perusal filter.",
           VL_NO_OPTIONS, 1);
