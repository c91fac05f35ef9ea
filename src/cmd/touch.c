/* touch: change file timestamps, creating missing files (GNU coreutils 9.1: -a -c -d -f -h
 * -m -r -t --time). The -d parser takes the forms people use: @SECONDS[.FRAC], ISO dates
 * (YYYY-MM-DD[ T]HH:MM[:SS[.FRAC]]), "Mon DD YYYY", zones (Z, UTC, +HH:MM), now/today/
 * yesterday/tomorrow, and relative items ("2 days ago", "+1 hour", "next week"). It does not
 * take GNU's rarer forms (weekday names, "noon", ordinal words, TZ="..." prefixes): those
 * are reported as an invalid date format. The parser is lib/parsedate.c (shared with find);
 * -d dates are local times of TZ, -t stamps UTC. */
#include "lib/cmd.h"
#include "lib/parsedate.h"
#include "lib/walk.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum { OPT_TIME = 256 };

static const vl_opt touch_opts[] = {
    {'a', NULL, VL_NOARG, NULL, "change only the access time"},
    {'c', "no-create", VL_NOARG, NULL, "do not create any files"},
    {'d', "date", VL_ARG, "STRING", "parse STRING and use it instead of current time"},
    {'f', NULL, VL_NOARG, NULL, "(ignored)"},
    {'h', "no-dereference", VL_NOARG, NULL,
     "affect each symbolic link instead of any referenced file"},
    {'m', NULL, VL_NOARG, NULL, "change only the modification time"},
    {'r', "reference", VL_ARG, "FILE", "use this file's times instead of current time"},
    {'t', NULL, VL_ARG, "STAMP", "use [[CC]YY]MMDDhhmm[.ss] instead of current time"},
    {OPT_TIME, "time", VL_ARG, "WORD",
     "change the specified time:\n"
     "WORD is access, atime, or use: equivalent to -a\n"
     "WORD is modify or mtime: equivalent to -m"},
    {0, NULL, 0, NULL, NULL},
};

#define NS 1000000000LL

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int month_days(int64_t y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* ---- -t [[CC]YY]MMDDhhmm[.ss] ---- */
static bool parse_stamp(const char *s, int64_t now_ns, int64_t *out)
{
    size_t len = strlen(s);
    const char *dot = strchr(s, '.');
    size_t main_len = dot ? (size_t)(dot - s) : len;
    if (main_len != 8 && main_len != 10 && main_len != 12) return false;
    for (size_t i = 0; i < main_len; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    int sec = 0;
    if (dot) {
        if (len - main_len != 3 || !isdigit((unsigned char)dot[1]) ||
            !isdigit((unsigned char)dot[2]))
            return false;
        sec = (dot[1] - '0') * 10 + (dot[2] - '0');
    }
#define TWO(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    int64_t year;
    int64_t y;
    int m0, d0;
    vl_civil_from_days(floordiv(floordiv(now_ns, NS), 86400), &y, &m0, &d0);
    size_t i = 0;
    if (main_len == 12) year = TWO(0) * 100 + TWO(2), i = 4;
    else if (main_len == 10) year = TWO(0) >= 69 ? 1900 + TWO(0) : 2000 + TWO(0), i = 2;
    else year = y;
    int mon = TWO(i), day = TWO(i + 2), hour = TWO(i + 4), min = TWO(i + 6);
#undef TWO
    if (mon < 1 || mon > 12 || day < 1 || day > month_days(year, mon) || hour > 23 ||
        min > 59 || sec > 60)
        return false;
    *out = ((vl_days_from_civil(year, mon, day) * 24 + hour) * 60 + min) * 60 * NS + sec * NS;
    return true;
}

static int touch_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool do_a = vl_has(c, 'a'), do_m = vl_has(c, 'm');
    if (vl_has(c, OPT_TIME)) {
        const char *w = vl_arg(c, OPT_TIME);
        if (!strcmp(w, "access") || !strcmp(w, "atime") || !strcmp(w, "use")) do_a = true;
        else if (!strcmp(w, "modify") || !strcmp(w, "mtime")) do_m = true;
        else {
            vl_error(c, "invalid argument %s for '--time'", vl_quote_always(c, w));
            vl_eprintf(c, "Valid arguments are:\n  - 'atime', 'access', 'use'\n"
                          "  - 'mtime', 'modify'\n");
            vl_eprintf(c, "Try '%s --help' for more information.\n", c->name);
            vl_exit(c, 1);
        }
    }
    if (!do_a && !do_m) do_a = do_m = true;
    bool follow = !vl_has(c, 'h');
    if (vl_has(c, 't') && (vl_has(c, 'd') || vl_has(c, 'r')))
        vl_usage_error(c, "cannot specify times from more than one source");

    int64_t times[2] = {VK_UTIME_NOW, VK_UTIME_NOW};
    vl_tz tz;
    vl_tz_from_env(c, &tz);
    if (vl_has(c, 'r')) {
        struct vk_stat st;
        const char *ref = vl_arg(c, 'r');
        int rc = follow ? vk_stat(c->p, ref, &st) : vk_lstat(c->p, ref, &st);
        if (rc < 0)
            vl_die(c, 1, "failed to get attributes of %s: %s", vl_quote_always(c, ref),
                   vl_strerror(rc));
        times[0] = st.atime_ns;
        times[1] = st.mtime_ns;
    }
    if (vl_has(c, 'd')) {
        const char *d = vl_arg(c, 'd');
        int64_t t;
        /* with -r, relative items count from the reference file's times */
        int64_t base = vl_has(c, 'r') ? times[1] : vk_time_ns(c->p);
        if (!vl_parse_date(d, base, &tz, &t)) vl_die(c, 1, "invalid date format %s", vl_quote_always(c, d));
        if (vl_has(c, 'r')) {
            int64_t ta;
            vl_parse_date(d, times[0], &tz, &ta);
            times[0] = ta;
        } else {
            times[0] = t;
        }
        times[1] = t;
    }
    if (vl_has(c, 't')) {
        const char *s = vl_arg(c, 't');
        int64_t t;
        if (!parse_stamp(s, vk_time_ns(c->p), &t))
            vl_die(c, 1, "invalid date format %s", vl_quote_always(c, s));
        times[0] = times[1] = t;
    }
    if (!do_a) times[0] = VK_UTIME_OMIT;
    if (!do_m) times[1] = VK_UTIME_OMIT;

    if (n == 0) vl_usage_error(c, "missing file operand");
    bool create = !vl_has(c, 'c') && follow;
    for (int i = 1; i <= n; i++) {
        const char *f = argv[i];
        int rc = 0;
        if (strcmp(f, "-") == 0) {
            /* the file open on standard output */
            int urc = vk_futimens(c->p, 1, times);
            if (urc < 0) vl_error(c, "setting times of %s: %s", vl_quote_always(c, f), vl_strerror(urc));
            continue;
        }
        if (create) {
            int fd = vk_open(c->p, f, VK_O_WRONLY | VK_O_CREAT | VK_O_NOCTTY | VK_O_NONBLOCK, 0666);
            if (fd >= 0) vk_close(c->p, fd);
            else rc = fd;
        }
        int urc = vk_utimens(c->p, f, times, follow);
        if (urc == 0) continue;
        if (urc == VOS_ENOENT && vl_has(c, 'c')) continue; /* -c: a missing file is fine */
        if (rc < 0 && rc != VOS_EISDIR)
            vl_error(c, "cannot touch %s: %s", vl_quote_always(c, f), vl_strerror(rc));
        else
            vl_error(c, "setting times of %s: %s", vl_quote_always(c, f), vl_strerror(urc));
    }
    return c->status;
}

VL_COMMAND(touch, touch_main, touch_opts, "[OPTION]... FILE...",
           "Update the access and modification times of each FILE to the current time.\n\n"
           "A FILE argument that does not exist is created empty, unless -c or -h\n"
           "is supplied.",
           0, 1);
