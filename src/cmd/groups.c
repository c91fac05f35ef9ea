/* groups: the groups of the VM's user, or of each USERNAME named in the VM's /etc/passwd
 * ("agent", "root : root"). */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_user.h"

static int groups_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int status = 0;
    for (int i = 0; i <= n; i++) {
        if (i == 0 && n > 0) continue;
        sys_who w;
        if (!sys_find_who(c, i ? argv[i] : NULL, &w)) {
            status = 1;
            continue;
        }
        if (i) vl_printf(c, "%s : ", argv[i]);
        for (int k = 0; k < w.ngids; k++) {
            if (k) vl_putc(c, ' ');
            sys_print_group(c, w.gids[k], true);
        }
        vl_putc(c, '\n');
    }
    return status ? status : c->status;
}

static const vl_opt groups_opts[] = {{0}};
VL_COMMAND(groups, groups_main, groups_opts, "[OPTION]... [USERNAME]...",
           "Print group memberships for each USERNAME or, if no USERNAME is specified, for\n"
           "the current process (which may differ if the groups database has changed).",
           0, 1);
