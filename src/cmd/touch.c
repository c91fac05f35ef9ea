/* touch: change file timestamps, creating missing files (GNU coreutils 9.1: -a -c -d -f -h
 * -m -r -t --time). The -d parser takes the forms people use: @SECONDS[.FRAC], ISO dates
 * (YYYY-MM-DD[ T]HH:MM[:SS[.FRAC]]), "Mon DD YYYY", zones (Z, UTC, +HH:MM), now/today/
 * yesterday/tomorrow, and relative items ("2 days ago", "+1 hour", "next week"). It does not
 * take GNU's rarer forms (weekday names, "noon", ordinal words, TZ="..." prefixes): those
 * are reported as an invalid date format. Dates are UTC, the VM's only timezone. */
#include "lib/cmd.h"
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

/* ---- calendar arithmetic (proleptic Gregorian, UTC) ---- */

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days from 1970-01-01 to y-m-d: whole 400-year eras, then years, then days of the year
 * counted from March so the leap day falls last. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* ---- -d STRING ---- */
typedef struct dparse {
    const char *s;
    bool have_date, have_time, have_zone;
    int64_t year;
    int mon, day, hour, min, sec;
    int64_t nsec;
    int64_t zone_sec;                      /* east of UTC */
    int64_t rel_year, rel_mon, rel_day, rel_sec;
    bool epoch;                            /* @N form */
    int64_t epoch_ns;
} dparse;

static void skip_space(dparse *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == ',') p->s++;
}

static bool read_num(dparse *p, int64_t *v, int *ndigits)
{
    const char *q = p->s;
    int64_t x = 0;
    int n = 0;
    while (isdigit((unsigned char)*q) && n < 18) x = x * 10 + (*q++ - '0'), n++;
    if (n == 0 || isdigit((unsigned char)*q)) return false;
    p->s = q;
    *v = x;
    if (ndigits) *ndigits = n;
    return true;
}

/* ".123" -> nanoseconds (extra digits truncated, as GNU does) */
static int64_t read_frac(dparse *p)
{
    int64_t ns = 0, scale = NS / 10;
    if (*p->s != '.' && *p->s != ',') return 0;
    if (!isdigit((unsigned char)p->s[1])) return 0;
    p->s++;
    for (; isdigit((unsigned char)*p->s); p->s++) {
        ns += (*p->s - '0') * scale;
        scale /= 10;
    }
    return ns;
}

static int month_by_name(const char *w, size_t n)
{
    static const char *const names[] = {"january", "february", "march",     "april",
                                        "may",     "june",     "july",      "august",
                                        "september", "october", "november", "december"};
    if (n < 3) return 0;
    for (int i = 0; i < 12; i++) {
        size_t full = strlen(names[i]);
        if ((n == 3 || n == full || (i == 8 && n == 4)) && strncasecmp(w, names[i], n) == 0)
            return i + 1;
    }
    return 0;
}

/* unit name -> which relative field and multiplier; 0 when not a unit */
static int unit_by_name(const char *w, size_t n, int64_t *mult)
{
    static const struct {
        const char *name;
        int field; /* 1 year, 2 month, 3 day, 4 seconds */
        int64_t mult;
    } units[] = {
        {"year", 1, 1},   {"month", 2, 1},     {"fortnight", 3, 14}, {"week", 3, 7},
        {"day", 3, 1},    {"hour", 4, 3600},   {"minute", 4, 60},    {"min", 4, 60},
        {"second", 4, 1}, {"sec", 4, 1},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t len = strlen(units[i].name);
        if ((n == len || (n == len + 1 && (w[len] == 's' || w[len] == 'S'))) &&
            strncasecmp(w, units[i].name, len) == 0) {
            *mult = units[i].mult;
            return units[i].field;
        }
    }
    return 0;
}

static void add_rel(dparse *p, int field, int64_t v)
{
    if (field == 1) p->rel_year += v;
    else if (field == 2) p->rel_mon += v;
    else if (field == 3) p->rel_day += v;
    else p->rel_sec += v;
}

static bool parse_time_of_day(dparse *p, int64_t h)
{
    int64_t mi, se = 0;
    p->s++; /* ':' */
    if (!read_num(p, &mi, NULL)) return false;
    if (*p->s == ':') {
        p->s++;
        if (!read_num(p, &se, NULL)) return false;
        p->nsec = read_frac(p);
    }
    if (h > 23 || mi > 59 || se > 59) return false;
    if (p->have_time) return false;
    p->have_time = true;
    p->hour = (int)h, p->min = (int)mi, p->sec = (int)se;
    /* a zone may follow: 10:00+02:00, 10:00 -0500 (10:00Z comes back as a word) */
    skip_space(p);
    if (*p->s == '+' || *p->s == '-') {
        const char *save = p->s;
        int sign = *p->s == '-' ? -1 : 1;
        p->s++;
        int64_t zh, zm = 0;
        int nd;
        if (read_num(p, &zh, &nd)) {
            if (nd == 3 || nd == 4) zm = zh % 100, zh /= 100;
            else if (nd <= 2 && *p->s == ':') {
                p->s++;
                if (!read_num(p, &zm, NULL)) return false;
            } else if (nd > 4) return false;
            if (zh > 24 || zm > 59) return false;
            /* as in GNU, "+1" right after a time is a zone even in "10:00 +1 day" */
            p->have_zone = true;
            p->zone_sec = sign * (zh * 3600 + zm * 60);
        } else {
            p->s = save;
        }
    }
    return true;
}

/* The year after "Jan 2" or "2 Jan", when one follows (not a time like "Jan 2 10:00");
 * else YEAR_NOW, resolved against the current date later. */
#define YEAR_NOW INT64_MIN
static int64_t optional_year(dparse *p)
{
    const char *save = p->s;
    skip_space(p);
    int64_t y;
    if (read_num(p, &y, NULL) && *p->s != ':') return y;
    p->s = save;
    return YEAR_NOW;
}

static bool set_date(dparse *p, int64_t y, int64_t m, int64_t d)
{
    /* without a year, Feb 29 is checked against a leap year; the real year comes later */
    int64_t yy = y == YEAR_NOW ? 2000 : y;
    if (p->have_date || m < 1 || m > 12 || d < 1 || d > month_days(yy, (int)m)) return false;
    p->have_date = true;
    p->year = y, p->mon = (int)m, p->day = (int)d;
    return true;
}

static bool parse_date_string(dparse *p)
{
    skip_space(p);
    if (*p->s == '@') {
        p->s++;
        int sign = 1;
        if (*p->s == '-' || *p->s == '+') sign = *p->s++ == '-' ? -1 : 1;
        int64_t v;
        if (!read_num(p, &v, NULL) || v > INT64_MAX / NS - 1) return false;
        int64_t frac = read_frac(p);
        skip_space(p);
        if (*p->s) return false;
        p->epoch = true;
        p->epoch_ns = sign * (v * NS + frac);
        return true;
    }
    while (skip_space(p), *p->s) {
        const char *q = p->s;
        if (isdigit((unsigned char)*q)) {
            int64_t v;
            int nd;
            if (!read_num(p, &v, &nd)) return false;
            if (*p->s == '-' && isdigit((unsigned char)p->s[1])) { /* YYYY-MM-DD */
                int64_t m, d;
                p->s++;
                if (!read_num(p, &m, NULL) || *p->s != '-') return false;
                p->s++;
                if (!read_num(p, &d, NULL) || !set_date(p, v, m, d)) return false;
                if (*p->s == 'T' || *p->s == 't') {
                    p->s++;
                    int64_t h;
                    if (!read_num(p, &h, NULL) || *p->s != ':' || !parse_time_of_day(p, h))
                        return false;
                }
            } else if (*p->s == '/') { /* MM/DD/YYYY */
                int64_t d, y;
                p->s++;
                if (!read_num(p, &d, NULL) || *p->s != '/') return false;
                p->s++;
                if (!read_num(p, &y, NULL) || !set_date(p, y, v, d)) return false;
            } else if (*p->s == ':') {
                if (!parse_time_of_day(p, v)) return false;
            } else {
                /* a number before a unit is a relative item; before a month name, a day */
                skip_space(p);
                size_t wl = 0;
                while (isalpha((unsigned char)p->s[wl])) wl++;
                int64_t mult;
                int field = wl ? unit_by_name(p->s, wl, &mult) : 0;
                int mon = wl ? month_by_name(p->s, wl) : 0;
                if (field) {
                    p->s += wl;
                    add_rel(p, field, v * mult);
                } else if (mon) { /* DD Mon [YYYY] */
                    p->s += wl;
                    if (!set_date(p, optional_year(p), mon, v)) return false;
                } else if (nd == 8 && !p->have_date) { /* YYYYMMDD */
                    if (!set_date(p, v / 10000, v / 100 % 100, v % 100)) return false;
                } else {
                    return false;
                }
            }
            continue;
        }
        if (*q == '+' || *q == '-') { /* signed relative item */
            int sign = *q == '-' ? -1 : 1;
            p->s++;
            skip_space(p);
            int64_t v;
            if (!read_num(p, &v, NULL)) return false;
            skip_space(p);
            size_t wl = 0;
            while (isalpha((unsigned char)p->s[wl])) wl++;
            int64_t mult;
            int field = wl ? unit_by_name(p->s, wl, &mult) : 0;
            if (!field) return false;
            p->s += wl;
            add_rel(p, field, sign * v * mult);
            continue;
        }
        if (!isalpha((unsigned char)*q)) return false;
        size_t wl = 0;
        while (isalpha((unsigned char)q[wl])) wl++;
        p->s += wl;
        int64_t mult;
        int field, mon;
        if ((wl == 1 && (*q == 'Z' || *q == 'z')) || (wl == 3 && !strncasecmp(q, "utc", 3)) ||
            (wl == 3 && !strncasecmp(q, "gmt", 3))) {
            if (p->have_zone) return false;
            p->have_zone = true;
            p->zone_sec = 0;
        } else if ((wl == 3 && !strncasecmp(q, "now", 3)) ||
                   (wl == 5 && !strncasecmp(q, "today", 5))) {
            /* the current time: nothing to add */
        } else if (wl == 9 && !strncasecmp(q, "yesterday", 9)) {
            p->rel_day -= 1;
        } else if (wl == 8 && !strncasecmp(q, "tomorrow", 8)) {
            p->rel_day += 1;
        } else if (wl == 3 && !strncasecmp(q, "ago", 3)) {
            p->rel_year = -p->rel_year, p->rel_mon = -p->rel_mon;
            p->rel_day = -p->rel_day, p->rel_sec = -p->rel_sec;
        } else if ((wl == 4 && !strncasecmp(q, "next", 4)) ||
                   (wl == 4 && !strncasecmp(q, "last", 4))) {
            int sign = (*q == 'n' || *q == 'N') ? 1 : -1;
            skip_space(p);
            size_t ul = 0;
            while (isalpha((unsigned char)p->s[ul])) ul++;
            if (!ul || !(field = unit_by_name(p->s, ul, &mult))) return false;
            p->s += ul;
            add_rel(p, field, sign * mult);
        } else if ((field = unit_by_name(q, wl, &mult))) { /* "week" alone means 1 week */
            add_rel(p, field, mult);
        } else if ((mon = month_by_name(q, wl))) { /* Mon DD[,] [YYYY] */
            skip_space(p);
            int64_t d;
            if (!read_num(p, &d, NULL)) return false;
            if (!set_date(p, optional_year(p), mon, d)) return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Returns false when s is not a date this parser understands. now_ns: the base time. */
static bool parse_date(const char *s, int64_t now_ns, int64_t *out)
{
    dparse p = {0};
    p.s = s;
    if (!parse_date_string(&p)) return false;
    if (p.epoch) {
        *out = p.epoch_ns;
        return true;
    }
    int64_t now_s = floordiv(now_ns, NS), now_frac = now_ns - now_s * NS;
    int64_t days = floordiv(now_s, 86400), secs = now_s - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t ns = now_frac;
    if (p.have_date || p.have_time || p.have_zone) {
        if (p.have_date) {
            y = p.year == YEAR_NOW ? y : p.year, m = p.mon, d = p.day;
            if (d > month_days(y, m)) return false; /* "Feb 29" in a common year */
        }
        /* any absolute item means midnight unless a time is given (GNU: even a lone "Z") */
        secs = p.have_time ? p.hour * 3600 + p.min * 60 + p.sec : 0;
        ns = p.have_time ? p.nsec : 0;
    }
    /* relative months and years move the calendar fields, then days and seconds the clock */
    int64_t mon0 = y * 12 + (m - 1) + p.rel_year * 12 + p.rel_mon;
    y = floordiv(mon0, 12);
    m = (int)(mon0 - y * 12) + 1;
    if (y < -1000000000 || y > 1000000000) return false;
    int64_t t = (days_from_civil(y, m, 1) + d - 1 + p.rel_day) * 86400 + secs + p.rel_sec;
    if (p.have_zone) t -= p.zone_sec;
    /* times are 64-bit nanoseconds: a date past them (after 2262) is held at the limit, as a
     * file system clamps what it cannot store */
    int64_t tn;
    if (__builtin_mul_overflow(t, NS, &tn) || __builtin_add_overflow(tn, ns, &tn))
        tn = t < 0 ? INT64_MIN + NS : INT64_MAX;
    *out = tn;
    return true;
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
    civil_from_days(floordiv(floordiv(now_ns, NS), 86400), &y, &m0, &d0);
    size_t i = 0;
    if (main_len == 12) year = TWO(0) * 100 + TWO(2), i = 4;
    else if (main_len == 10) year = TWO(0) >= 69 ? 1900 + TWO(0) : 2000 + TWO(0), i = 2;
    else year = y;
    int mon = TWO(i), day = TWO(i + 2), hour = TWO(i + 4), min = TWO(i + 6);
#undef TWO
    if (mon < 1 || mon > 12 || day < 1 || day > month_days(year, mon) || hour > 23 ||
        min > 59 || sec > 60)
        return false;
    *out = ((days_from_civil(year, mon, day) * 24 + hour) * 60 + min) * 60 * NS + sec * NS;
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
        if (!parse_date(d, base, &t)) vl_die(c, 1, "invalid date format %s", vl_quote_always(c, d));
        if (vl_has(c, 'r')) {
            int64_t ta;
            parse_date(d, times[0], &ta);
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
