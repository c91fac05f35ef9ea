/* parsedate.c: the date strings of touch -d and find -newermt (GNU's parse_datetime, the forms
 * people use): @SECONDS[.FRAC], ISO dates (YYYY-MM-DD[ T]HH:MM[:SS[.FRAC]]), "Mon DD YYYY",
 * "DD Mon YYYY", MM/DD/YYYY, YYYYMMDD, zones (Z, UTC, GMT, +HH:MM), now/today/yesterday/
 * tomorrow, and relative items ("2 days ago", "+1 hour", "next week"). It does not take GNU's
 * rarer forms (weekday names, "noon", ordinal words, TZ="..." prefixes): those fail. */
#include "lib/parsedate.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

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

bool vl_parse_date(const char *s, int64_t now_ns, const vl_tz *tz, int64_t *out)
{
    dparse p = {0};
    p.s = s;
    if (!parse_date_string(&p)) return false;
    if (p.epoch) {
        *out = p.epoch_ns;
        return true;
    }
    int64_t now_s = floordiv(now_ns, NS), now_frac = now_ns - now_s * NS;
    /* calendar fields are the zone's local ones: shift now into local time, and the result
     * back (a fixed offset: the zone's offset now) */
    int32_t off = 0;
    if (tz) {
        const char *abbr;
        int isdst;
        tz->at(tz, now_s, &off, &abbr, &isdst);
    }
    now_s += off;
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
    t -= p.have_zone ? p.zone_sec : off;
    /* times are 64-bit nanoseconds: a date past them (after 2262) is held at the limit, as a
     * file system clamps what it cannot store */
    int64_t tn;
    if (__builtin_mul_overflow(t, NS, &tn) || __builtin_add_overflow(tn, ns, &tn))
        tn = t < 0 ? INT64_MIN + NS : INT64_MAX;
    *out = tn;
    return true;
}

