/* uname: the VM's system names, as its /proc/version tells them: Linux, the VM's
 * hostname, release 6.1.0-vos, version "#1 SMP", the machine vos was built for. The processor
 * and hardware platform are "unknown" (-a leaves them out, as GNU does then). */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_proc.h"

#include <string.h>

static int uname_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    const char *fields[] = {"Linux", vk_hostname(c->p), "6.1.0-vos", "#1 SMP", VOS_MACHINE,
                            "unknown", "unknown", "GNU/Linux"};
    static const char keys[] = "snrvmpio";
    bool all = vl_has(c, 'a'), any = false;
    bool want[8];
    for (int i = 0; i < 8; i++) {
        want[i] = vl_has(c, keys[i]);
        any |= want[i];
    }
    if (all) {
        for (int i = 0; i < 8; i++)
            if (i != 5 && i != 6) want[i] = true;
    } else if (!any) {
        want[0] = true;
    }
    bool first = true;
    for (int i = 0; i < 8; i++) {
        if (!want[i]) continue;
        if (!first) vl_putc(c, ' ');
        vl_puts(c, fields[i]);
        first = false;
    }
    vl_putc(c, '\n');
    return 0;
}

static const vl_opt uname_opts[] = {
    {'a', "all", VL_NOARG, NULL, "print all information, in the following order,\n"
                                 "                             except omit -p and -i if unknown:"},
    {'s', "kernel-name", VL_NOARG, NULL, "print the kernel name"},
    {'n', "nodename", VL_NOARG, NULL, "print the network node hostname"},
    {'r', "kernel-release", VL_NOARG, NULL, "print the kernel release"},
    {'v', "kernel-version", VL_NOARG, NULL, "print the kernel version"},
    {'m', "machine", VL_NOARG, NULL, "print the machine hardware name"},
    {'p', "processor", VL_NOARG, NULL, "print the processor type (non-portable)"},
    {'i', "hardware-platform", VL_NOARG, NULL, "print the hardware platform (non-portable)"},
    {'o', "operating-system", VL_NOARG, NULL, "print the operating system"},
    {0}};
VL_COMMAND(uname, uname_main, uname_opts, "[OPTION]...",
           "Print certain system information.  With no OPTION, same as -s.", 0, 1);
