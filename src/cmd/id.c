/* id: the VM's user and groups, named from the VM's /etc/passwd and /etc/group
 * (uid=1000(agent) gid=1000(agent) groups=1000(agent)), or those of a USER named there. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_user.h"

#include <string.h>

static int id_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool u = vl_has(c, 'u'), g = vl_has(c, 'g'), G = vl_has(c, 'G');
    bool names = vl_has(c, 'n'), real = vl_has(c, 'r'), zero = vl_has(c, 'z');
    if (vl_has(c, 'Z'))
        vl_die(c, 1, "--context (-Z) works only on an SELinux-enabled kernel");
    if (u + g + G > 1) vl_die(c, 1, "cannot print \"only\" of more than one choice");
    bool deflt = !(u || g || G);
    if (deflt && (names || real))
        vl_die(c, 1, "cannot print only names or real IDs in default format");
    if (deflt && zero) vl_die(c, 1, "option --zero not permitted in default format");
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    sys_who w;
    if (!sys_find_who(c, n ? argv[1] : NULL, &w)) return 1;
    int end = zero ? 0 : '\n';
    if (u) {
        if (names && w.user) vl_puts(c, w.user);
        else {
            if (names) vl_error(c, "cannot find name for user ID %u", w.uid);
            vl_printf(c, "%u", w.uid);
        }
        vl_putc(c, end);
        return c->status;
    }
    if (g) {
        sys_print_group(c, w.gid, names);
        vl_putc(c, end);
        return c->status;
    }
    if (G) {
        for (int i = 0; i < w.ngids; i++) {
            if (i && !zero) vl_putc(c, ' ');
            sys_print_group(c, w.gids[i], names);
            if (zero) vl_putc(c, 0);
        }
        if (!zero) vl_putc(c, '\n');
        return c->status;
    }
    vl_printf(c, "uid=%u", w.uid);
    if (w.user) vl_printf(c, "(%s)", w.user);
    vl_printf(c, " gid=%u", w.gid);
    const char *gn = sys_group_name(c, w.gid);
    if (gn) vl_printf(c, "(%s)", gn);
    vl_puts(c, " groups=");
    for (int i = 0; i < w.ngids; i++) {
        if (i) vl_putc(c, ',');
        vl_printf(c, "%u", w.gids[i]);
        gn = sys_group_name(c, w.gids[i]);
        if (gn) vl_printf(c, "(%s)", gn);
    }
    vl_putc(c, '\n');
    return 0;
}

static const vl_opt id_opts[] = {
    {'a', NULL, VL_NOARG, NULL, "ignore, for compatibility with other versions"},
    {'Z', "context", VL_NOARG, NULL, "print only the security context of the process"},
    {'g', "group", VL_NOARG, NULL, "print only the effective group ID"},
    {'G', "groups", VL_NOARG, NULL, "print all group IDs"},
    {'n', "name", VL_NOARG, NULL, "print a name instead of a number, for -ugG"},
    {'r', "real", VL_NOARG, NULL, "print the real ID instead of the effective ID, with -ugG"},
    {'u', "user", VL_NOARG, NULL, "print only the effective user ID"},
    {'z', "zero", VL_NOARG, NULL, "delimit entries with NUL characters, not whitespace;\n"
                                  "                   not permitted in default format"},
    {0}};
VL_COMMAND(id, id_main, id_opts, "[OPTION]... [USER]...",
           "Print user and group information for each specified USER,\n"
           "or (when USER omitted) for the current process.",
           0, 1);
