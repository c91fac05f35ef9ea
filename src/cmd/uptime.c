/* uptime: how long the VM has run (its /proc/uptime), in procps-ng's shapes: the classic line
 * (time, up, users, load average), -p pretty, -s the boot instant. The time of day is in the
 * process's TZ. A VM has no logged-in users: 0. */
#include "lib/cmd.h"
#include "lib/timefmt.h"
#include "sys_proc.h"

#include <stdio.h>
#include <string.h>

static const char uptime_usage[] =
    "\nUsage:\n uptime [options]\n\nOptions:\n"
    " -p, --pretty   show uptime in pretty format\n"
    " -h, --help     display this help and exit\n"
    " -s, --since    system up since\n"
    " -V, --version  output version information and exit\n\n"
    "For more details see uptime(1).\n";

static void plural(vl_ctx *c, bool *first, long n, const char *unit)
{
    vl_printf(c, "%s%ld %s%s", *first ? "" : ", ", n, unit, n == 1 ? "" : "s");
    *first = false;
}

static int uptime_main(vl_ctx *c, int argc, char **argv)
{
    bool pretty = false, since = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) pretty = true;
        else if (!strcmp(a, "-s") || !strcmp(a, "--since")) since = true;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            vl_puts(c, uptime_usage);
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            vl_puts(c, "uptime from procps-ng 4.0.2 (vos)\n");
            return 0;
        } else {
            if (a[0] == '-' && a[1] && a[1] != '-')
                vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, a[1]);
            else if (a[0] == '-' && a[1] == '-')
                vl_eprintf(c, "%s: unrecognized option '%s'\n", c->name, a);
            vl_eprintf(c, "%s", uptime_usage);
            return 1;
        }
    }
    char *up = sys_slurp(c, "/proc/uptime", NULL);
    double secs = up ? atof(up) : 0;
    char *la = sys_slurp(c, "/proc/loadavg", NULL);
    double l1 = 0, l5 = 0, l15 = 0;
    if (la) sscanf(la, "%lf %lf %lf", &l1, &l5, &l15);
    vl_tz tz;
    vl_tz_from_env(c, &tz);
    int64_t now = vk_time_ns(c->p) / 1000000000;
    long s = (long)secs;
    vl_tm tm;
    char b[64];
    if (since) {
        if (vl_time_split(now - s, 0, &tz, &tm)) vl_strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
        else b[0] = 0;
        vl_printf(c, "%s\n", b);
        return 0;
    }
    if (pretty) {
        long weeks = s / 604800, days = s / 86400 % 7, hours = s / 3600 % 24, mins = s / 60 % 60;
        bool first = true;
        vl_puts(c, "up ");
        if (weeks) plural(c, &first, weeks, "week");
        if (days) plural(c, &first, days, "day");
        if (hours) plural(c, &first, hours, "hour");
        if (mins || first) plural(c, &first, mins, "minute");
        vl_putc(c, '\n');
        return 0;
    }
    if (vl_time_split(now, 0, &tz, &tm)) vl_strftime(b, sizeof b, "%H:%M:%S", &tm);
    else b[0] = 0;
    vl_printf(c, " %s up ", b);
    long days = s / 86400, hours = s / 3600 % 24, mins = s / 60 % 60;
    if (days) vl_printf(c, "%ld day%s, ", days, days == 1 ? "" : "s");
    if (hours) vl_printf(c, "%2ld:%02ld, ", hours, mins);
    else vl_printf(c, "%ld min, ", mins);
    vl_printf(c, " 0 user,  load average: %.2f, %.2f, %.2f\n", l1, l5, l15);
    return 0;
}

static const vl_opt uptime_opts[] = {{0}};
VL_COMMAND(uptime, uptime_main, uptime_opts, "[options]",
           "Tell how long the system has been running.", VL_NO_OPTIONS, 1);
