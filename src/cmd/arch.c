/* arch: the machine the VM runs (what uname -m prints). */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_proc.h"

static int arch_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    vl_puts(c, VOS_MACHINE "\n");
    return 0;
}

static const vl_opt arch_opts[] = {{0}};
VL_COMMAND(arch, arch_main, arch_opts, "[OPTION]...",
           "Print machine architecture.", 0, 1);
