/* id and groups: the VM's user and groups, named from the VM's /etc/passwd and /etc/group
 * (uid=1000(agent) gid=1000(agent) groups=1000(agent)), or those of a USER named there. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "sys_user.h"

#include <string.h>

typedef struct who {
    const char *user; /* NULL when the uid has no name */
    unsigned uid, gid;
    unsigned gids[64];
    int ngids; /* the primary first */
} who;

/* false: no such user (message printed) */
static bool find_who(vl_ctx *c, const char *name, who *w)
{
    sys_ent e;
    memset(w, 0, sizeof *w);
    if (name) {
        if (!sys_lookup(c, "/etc/passwd", name, 0, &e)) {
            /* a number names a uid */
            char *end;
            unsigned long v = strtoul(name, &end, 10);
            if (!*name || *end || !sys_lookup(c, "/etc/passwd", NULL, (unsigned)v, &e)) {
                vl_error(c, "%s: no such user", vl_quote_locale(c, name));
                return false;
            }
        }
        w->user = e.name;
        w->uid = e.id;
        w->gid = e.gid;
    } else {
        w->uid = vk_getuid(c->p);
        w->gid = vk_getgid(c->p);
        if (sys_lookup(c, "/etc/passwd", NULL, w->uid, &e)) w->user = e.name;
    }
    w->gids[0] = w->gid;
    w->ngids = 1;
    if (w->user) w->ngids += sys_supplementary(c, w->user, w->gid, w->gids + 1, 63);
    return true;
}

static const char *group_name(vl_ctx *c, unsigned gid)
{
    sys_ent g;
    return sys_lookup(c, "/etc/group", NULL, gid, &g) ? g.name : NULL;
}

static void print_group(vl_ctx *c, unsigned gid, bool names)
{
    const char *g = names ? group_name(c, gid) : NULL;
    if (names && !g) {
        vl_error(c, "cannot find name for group ID %u", gid);
        vl_printf(c, "%u", gid);
        return;
    }
    if (g) vl_puts(c, g);
    else vl_printf(c, "%u", gid);
}

static int id_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool u = vl_has(c, 'u'), g = vl_has(c, 'g'), G = vl_has(c, 'G');
    bool names = vl_has(c, 'n'), real = vl_has(c, 'r'), zero = vl_has(c, 'z');
    if (vl_has(c, 'Z'))
        vl_die(c, 1, "--context (-Z) works only on an SELinux-enabled kernel");
    if (u + g + G > 1) vl_die(c, 1, "cannot print \"only\" of more than one choice");
    bool deflt = !(u || g || G);
    if (deflt && (names || real)) vl_die(c, 1, "cannot print only names or real IDs in default format");
    if (deflt && zero) vl_die(c, 1, "option --zero not permitted in default format");
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    who w;
    if (!find_who(c, n ? argv[1] : NULL, &w)) return 1;
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
        print_group(c, w.gid, names);
        vl_putc(c, end);
        return c->status;
    }
    if (G) {
        for (int i = 0; i < w.ngids; i++) {
            if (i && !zero) vl_putc(c, ' ');
            print_group(c, w.gids[i], names);
            if (zero) vl_putc(c, 0);
        }
        if (!zero) vl_putc(c, '\n');
        return c->status;
    }
    vl_printf(c, "uid=%u", w.uid);
    if (w.user) vl_printf(c, "(%s)", w.user);
    vl_printf(c, " gid=%u", w.gid);
    const char *gn = group_name(c, w.gid);
    if (gn) vl_printf(c, "(%s)", gn);
    vl_puts(c, " groups=");
    for (int i = 0; i < w.ngids; i++) {
        if (i) vl_putc(c, ',');
        vl_printf(c, "%u", w.gids[i]);
        gn = group_name(c, w.gids[i]);
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

static int groups_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int status = 0;
    for (int i = 0; i <= n; i++) {
        if (i == 0 && n > 0) continue;
        who w;
        if (!find_who(c, i ? argv[i] : NULL, &w)) {
            status = 1;
            continue;
        }
        if (i) vl_printf(c, "%s : ", argv[i]);
        for (int k = 0; k < w.ngids; k++) {
            if (k) vl_putc(c, ' ');
            print_group(c, w.gids[k], true);
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
