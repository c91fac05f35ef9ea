/* sleep: pause for the sum of its arguments, each a number (fractions allowed) with an
 * optional unit s, m, h or d. The kernel wakes it early for a signal or the exec's limits. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <stdlib.h>
#include <string.h>

static int sleep_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    long double total = 0;
    bool bad = false;
    for (int i = 1; i <= n; i++) {
        char *end;
        long double v = strtold(argv[i], &end);
        long double mult = 1;
        if (end != argv[i] && *end && !end[1]) {
            switch (*end) {
            case 's': mult = 1; end++; break;
            case 'm': mult = 60; end++; break;
            case 'h': mult = 3600; end++; break;
            case 'd': mult = 86400; end++; break;
            default: break;
            }
        }
        if (end == argv[i] || *end || !(v >= 0)) {
            vl_error(c, "invalid time interval %s", vl_quote_locale(c, argv[i]));
            bad = true;
            continue;
        }
        total += v * mult;
    }
    if (bad) vl_try_help(c);
    /* beyond ~292 years the nanoseconds overflow: that is "forever" */
    int64_t ns = total * 1e9L >= 9.2e18L ? INT64_MAX : (int64_t)(total * 1e9L);
    int rc = vk_sleep_ns(c->p, ns);
    int w = vk_dying(c->p);
    if (w) return VK_WSHELL(w);
    (void)rc;
    return 0;
}

static const vl_opt sleep_opts[] = {{0}};
VL_COMMAND(sleep, sleep_main, sleep_opts, "NUMBER[SUFFIX]...",
           "Pause for NUMBER seconds.  SUFFIX may be 's' for seconds (the default),\n"
           "'m' for minutes, 'h' for hours or 'd' for days.  NUMBER need not be an\n"
           "integer.  Given two or more arguments, pause for the amount of time\n"
           "specified by the sum of their values.",
           0, 1);
