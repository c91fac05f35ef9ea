/* less: a pager. A VM has no terminal, so less copies its input to standard output as it does
 * when that is not a terminal: like cat, its options accepted and ignored; a file it cannot
 * open is reported on stdout, status 0 (see sys_term.h). */
#include "lib/cmd.h"
#include "sys_term.h"

static int less_main(vl_ctx *c, int argc, char **argv) { return sys_page(c, argc, argv, false); }

static const vl_opt no_opts[] = {{0}};
VL_COMMAND(less, less_main, no_opts, "[options] [file]...", "A pager.", VL_NO_OPTIONS, 1);
