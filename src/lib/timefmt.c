/* timefmt.c: civil time and GNU strftime (see timefmt.h). The formatting rules are GNU
 * nstrftime's as observed in date/ls in the C locale: numbers padded with 0 or spaces to their
 * natural width, "-" for no padding, "_" spaces, "0"/"+" zeros ("+" also signs years past
 * 9999), "^" uppercase, "#" swapped case for names, and unknown conversions copied verbatim.
 * It does not know locales other than C: E and O modifiers change nothing. */
#include "lib/timefmt.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- days and dates ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Count from 0000-03-01 in 400-year eras of 146097 days, so February is the last month of a
 * year and leap days fall at the end. */
int64_t vl_days_from_civil(int64_t y, int m, int d)
{
    if (m <= 2) y--;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                      /* 0..399 */
    int64_t mp = m > 2 ? m - 3 : m + 9;               /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;         /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;               /* 719468: 0000-03-01 to 1970-01-01 */
}

void vl_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;
    int64_t era = floor_div(days, 146097);
    int64_t doe = days - era * 146097;                                   /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- zones ---- */

static void fixed_at(const vl_tz *tz, int64_t t, int32_t *gmtoff, const char **abbr, int *isdst)
{
    (void)t;
    *gmtoff = tz->off;
    *abbr = tz->abbr;
    *isdst = 0;
}

const vl_tz vl_tz_utc = {fixed_at, 0, "UTC"};

void vl_tz_fixed(vl_tz *tz, int32_t off, const char *abbr)
{
    tz->at = fixed_at;
    tz->off = off;
    size_t n = strlen(abbr);
    if (n >= sizeof tz->abbr) n = sizeof tz->abbr - 1;
    memcpy(tz->abbr, abbr, n);
    tz->abbr[n] = '\0';
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* [+-]hh[:mm[:ss]] at *s: seconds WEST of Greenwich (POSIX's sign). */
static bool parse_offset(const char **s, int32_t *out)
{
    const char *p = *s;
    int sign = 1;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    if (!is_digit(*p)) return false;
    int32_t part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':' || !is_digit(p[1])) break;
            p++;
        }
        int v = 0, nd = 0;
        while (is_digit(*p) && nd < 3) v = v * 10 + (*p++ - '0'), nd++;
        part[i] = v;
    }
    if (part[0] > 24 || part[1] > 59 || part[2] > 59) return false;
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    *s = p;
    return true;
}

void vl_tz_parse(const char *s, vl_tz *tz)
{
    *tz = vl_tz_utc;
    if (!s || !*s) return;
    if (*s == ':') s++;
    char name[16];
    size_t n = 0;
    const char *p = s;
    if (*p == '<') {
        const char *e = strchr(p + 1, '>');
        if (!e) return;
        for (const char *q = p + 1; q < e && n < sizeof name - 1; q++) name[n++] = *q;
        p = e + 1;
    } else {
        while (is_alpha(*p)) {
            if (n < sizeof name - 1) name[n++] = *p;
            p++;
        }
    }
    name[n] = '\0';
    if (n < 3) name[0] = '\0'; /* glibc: too short a name is none */
    int32_t west;
    if (name[0] && parse_offset(&p, &west)) vl_tz_fixed(tz, -west, name);
    else if (strcmp(s, "UTC") != 0) vl_tz_fixed(tz, 0, name);
}

void vl_tz_from_env(vl_ctx *c, vl_tz *tz)
{
    vl_tz_parse(vk_getenv(c->p, "TZ"), tz);
}

/* ---- splitting and making ---- */

bool vl_time_split(int64_t t, int32_t nsec, const vl_tz *tz, vl_tm *out)
{
    if (!tz) tz = &vl_tz_utc;
    int32_t off;
    const char *abbr;
    int isdst;
    tz->at(tz, t, &off, &abbr, &isdst);
    int64_t lt;
    if (__builtin_add_overflow(t, (int64_t)off, &lt)) return false;
    int64_t days = floor_div(lt, 86400), secs = lt - days * 86400;
    int64_t y;
    int m, d;
    vl_civil_from_days(days, &y, &m, &d);
    if (y - 1900 > INT_MAX || y - 1900 < INT_MIN) return false;
    vl_tm tm;
    memset(&tm, 0, sizeof tm);
    tm.year = y;
    tm.mon = m;
    tm.mday = d;
    tm.hour = (int)(secs / 3600);
    tm.min = (int)(secs / 60 % 60);
    tm.sec = (int)(secs % 60);
    int64_t wd = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    tm.wday = (int)(wd < 0 ? wd + 7 : wd);
    tm.yday = (int)(days - vl_days_from_civil(y, 1, 1));
    tm.nsec = nsec;
    tm.gmtoff = off;
    tm.isdst = isdst;
    size_t an = strlen(abbr);
    if (an >= sizeof tm.zone) an = sizeof tm.zone - 1;
    memcpy(tm.zone, abbr, an);
    tm.t = t;
    *out = tm;
    return true;
}

bool vl_time_make(const vl_tm *tm, const vl_tz *tz, int64_t *out)
{
    if (!tz) tz = &vl_tz_utc;
    /* months carry into years, everything else into seconds */
    int64_t mon0 = (int64_t)tm->mon - 1;
    if (tm->year > INT64_MAX / 16 || tm->year < INT64_MIN / 16) return false;
    int64_t y = tm->year + floor_div(mon0, 12);
    int m = (int)(mon0 - floor_div(mon0, 12) * 12) + 1;
    if (y > ((int64_t)1 << 40) || y < -((int64_t)1 << 40)) return false;
    int64_t days = vl_days_from_civil(y, m, 1) + (int64_t)tm->mday - 1;
    int64_t secs = days * 86400 + (int64_t)tm->hour * 3600 + (int64_t)tm->min * 60 + tm->sec;
    /* the offset in force at that local time: try the offset at the naive instant, then at
     * the instant it gives (right for fixed zones; the usual guess for zones with rules) */
    int32_t off;
    const char *abbr;
    int isdst;
    tz->at(tz, secs, &off, &abbr, &isdst);
    int64_t t = secs - off;
    tz->at(tz, t, &off, &abbr, &isdst);
    *out = secs - off;
    return true;
}

/* ---- strftime ---- */

typedef struct sink {
    char *out;
    size_t n, len;
} sink;

enum { CASE_KEEP, CASE_UP, CASE_LOW };

#define MAX_WIDTH (1 << 20)

static void sink_byte(sink *k, char ch)
{
    if (k->len + 1 < k->n) k->out[k->len] = ch;
    k->len++;
}

/* data (len bytes, case-converted) right-aligned in width (when width > len and pad is not
 * '-'), padded with zeros for pad '0' and '+', spaces otherwise. */
static void add(sink *k, int width, int pad, const char *data, size_t len, int casemode)
{
    size_t w = (pad == '-' || width < 0) ? 0 : (size_t)width;
    for (size_t i = len; i < w; i++) sink_byte(k, (pad == '0' || pad == '+') ? '0' : ' ');
    for (size_t i = 0; i < len; i++) {
        char ch = data[i];
        if (casemode == CASE_UP && ch >= 'a' && ch <= 'z') ch -= 32;
        else if (casemode == CASE_LOW && ch >= 'A' && ch <= 'Z') ch += 32;
        sink_byte(k, ch);
    }
}

static const char *const wday_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
static const char *const mon_names[] = {"January", "February", "March",     "April",
                                        "May",     "June",     "July",      "August",
                                        "September", "October", "November", "December"};

/* ISO 8601 week of tm: *week 1-53, *adjust -1/0/1 when the week belongs to the previous or
 * next year. A week belongs to the year holding its Thursday. */
static void iso_week(const vl_tm *tm, int *week, int *adjust)
{
    int wd_mon = (tm->wday + 6) % 7;  /* Monday = 0 */
    int thursday = tm->yday - wd_mon + 3; /* yday of this week's Thursday */
    int len = is_leap(tm->year) ? 366 : 365;
    if (thursday < 0) {
        int prev = is_leap(tm->year - 1) ? 366 : 365;
        *adjust = -1;
        *week = (thursday + prev) / 7 + 1;
    } else if (thursday >= len) {
        *adjust = 1;
        *week = 1;
    } else {
        *adjust = 0;
        *week = thursday / 7 + 1;
    }
}

/* A number: digits of magnitude (or a prepared digit string), a sign, padding to width
 * (default: the conversion's natural digits). */
static void put_number(sink *k, int width, int pad, int digits, bool negative, bool plus,
                       const char *num, size_t numlen)
{
    if (pad == 0) pad = '0';
    if (width < 0) width = digits;
    char sign = negative ? '-' : plus ? '+' : 0;
    int shortage = width - (sign ? 1 : 0) - (int)numlen;
    int padding = pad == '-' || shortage <= 0 ? 0 : shortage;
    if (sign) {
        if (pad == '_') {
            for (int i = 0; i < padding; i++) sink_byte(k, ' ');
            width -= padding;
        }
        sink_byte(k, sign);
        width--;
    }
    add(k, width, pad, num, numlen, CASE_KEEP);
}

/* magnitude mag with tz_colon_mask-style colons (bit i: a ':' before digit i+1 from the right) */
static size_t digits_of(char *buf, size_t cap, uint64_t mag, unsigned colons)
{
    char *p = buf + cap;
    do {
        if (colons & 1) *--p = ':';
        colons >>= 1;
        *--p = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0 || colons != 0);
    size_t n = (size_t)(buf + cap - p);
    memmove(buf, p, n);
    return n;
}

static void number(sink *k, int width, int pad, int digits, int64_t v)
{
    char buf[32];
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n = digits_of(buf, sizeof buf, mag, 0);
    put_number(k, width, pad, digits, v < 0, false, buf, n);
}

/* years and centuries: "+" pads with zeros and signs values too wide for the field */
static void yearish(sink *k, int width, int pad, int yr_spec, int digits, bool negative,
                    uint64_t mag)
{
    if (pad == 0) pad = yr_spec;
    bool plus = pad == '+' && ((digits == 2 ? 99u : 9999u) < mag || digits < width);
    char buf[32];
    size_t n = digits_of(buf, sizeof buf, mag, 0);
    put_number(k, width, pad, digits, negative, plus, buf, n);
}

/* the year within its century, 0-99, as struct tm arithmetic gives it for any year */
static int64_t year2(int64_t year)
{
    int64_t tmy = year - 1900, yy = tmy % 100;
    if (yy < 0) yy = tmy < -1900 ? -yy : yy + 100;
    return yy;
}

static uint64_t mag64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static void format(sink *k, const char *fmt, const vl_tm *tm, bool upcase, int yr_spec,
                   int first_width)
{
    int width = first_width;
    for (const char *f = fmt; *f; width = -1, f++) {
        if (*f != '%') {
            add(k, width, 0, f, 1, CASE_KEEP);
            continue;
        }
        const char *percent = f;
        int pad = 0;
        bool to_up = upcase, to_low = false, change_case = false, flagged = false;
        for (;;) {
            char ch = *++f;
            if (ch == '_' || ch == '-' || ch == '+' || ch == '0') pad = ch;
            else if (ch == '^') to_up = true;
            else if (ch == '#') change_case = true;
            else break;
            flagged = true;
        }
        if (is_digit(*f)) {
            width = 0;
            do {
                if (width < MAX_WIDTH) width = width * 10 + (*f - '0');
                f++;
            } while (is_digit(*f));
            if (width > MAX_WIDTH) width = MAX_WIDTH;
            flagged = true;
        }
        int modifier = 0;
        if (*f == 'E' || *f == 'O') modifier = *f++;
        int cm = to_low ? CASE_LOW : to_up ? CASE_UP : CASE_KEEP;
        const char *sub = NULL;
        int subwidth = -1;
        char ch = *f;
        switch (ch) {
        case '%':
            /* only a bare "%%" is a percent sign; anything between the two is a bad spec
             * whose second '%' starts the next one */
            if (modifier || flagged) goto bad_percent;
            add(k, width, pad, "%", 1, CASE_KEEP);
            break;
        case 'a':
        case 'A':
            if (modifier) goto bad_format;
            if (change_case) cm = CASE_UP;
            {
                const char *nm = wday_names[tm->wday];
                add(k, width, pad, nm, ch == 'a' ? 3 : strlen(nm), cm);
            }
            break;
        case 'b':
        case 'h':
        case 'B':
            if (modifier == 'E') goto bad_format;
            if (change_case) cm = CASE_UP;
            {
                const char *nm = mon_names[tm->mon - 1];
                add(k, width, pad, nm, ch == 'B' ? strlen(nm) : 3, cm);
            }
            break;
        case 'c':
        case 'x':
        case 'X': {
            /* GNU hands these to the C library's strftime, whose %Y has no padding: the text
             * is then one field (width, ^) */
            if (modifier == 'O') goto bad_format;
            char buf[96];
            int n;
            if (ch == 'c')
                n = snprintf(buf, sizeof buf, "%.3s %.3s %2d %02d:%02d:%02d %lld",
                             wday_names[tm->wday], mon_names[tm->mon - 1], tm->mday, tm->hour,
                             tm->min, tm->sec, (long long)tm->year);
            else if (ch == 'x')
                n = snprintf(buf, sizeof buf, "%02d/%02d/%02d", tm->mon, tm->mday,
                             (int)(((tm->year - 1900) % 100 + 100) % 100));
            else
                n = snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm->hour, tm->min, tm->sec);
            add(k, width, pad, buf, (size_t)n, cm);
            break;
        }
        case 'D':
            if (modifier) goto bad_format;
            sub = "%m/%d/%y";
            goto subformat;
        case 'T': sub = "%H:%M:%S"; goto subformat;
        case 'R': sub = "%H:%M"; goto subformat;
        case 'r': sub = "%I:%M:%S %p"; goto subformat;
        case 'F':
            if (modifier) goto bad_format;
            if (pad == 0 && width < 0) {
                pad = '+';
                subwidth = 4;
            } else {
                subwidth = width - 6 < 0 ? 0 : width - 6;
            }
            sub = "%Y-%m-%d";
        subformat: {
            /* the whole expansion is one field of the outer width */
            sink probe = {NULL, 0, 0};
            format(&probe, sub, tm, to_up, pad, subwidth);
            size_t w = (pad == '-' || width < 0) ? 0 : (size_t)width;
            for (size_t i = probe.len; i < w; i++)
                sink_byte(k, (pad == '0' || pad == '+') ? '0' : ' ');
            format(k, sub, tm, to_up, pad, subwidth);
            break;
        }
        case 'C': {
            int64_t tmy = tm->year - 1900;
            bool neg = tmy < -1900, zero_1899 = !neg && tmy < 0;
            int64_t century = (tmy - 99 * zero_1899) / 100 + 19;
            yearish(k, width, pad, yr_spec, 2, neg, mag64(century));
            break;
        }
        case 'd':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, tm->mday);
            break;
        case 'e':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad ? pad : '_', 2, tm->mday);
            break;
        case 'H':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, tm->hour);
            break;
        case 'I':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, (tm->hour + 11) % 12 + 1);
            break;
        case 'k':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad ? pad : '_', 2, tm->hour);
            break;
        case 'l':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad ? pad : '_', 2, (tm->hour + 11) % 12 + 1);
            break;
        case 'j':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 3, tm->yday + 1);
            break;
        case 'M':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, tm->min);
            break;
        case 'm':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, tm->mon);
            break;
        case 'N': {
            if (modifier == 'E') goto bad_format;
            /* the first width digits of the nanoseconds; trailing zeros become padding */
            int nw = width <= 0 ? 9 : width;
            int ns = tm->nsec, ndigs = 9;
            while (nw < ndigs || (ndigs > 1 && ns % 10 == 0)) ndigs--, ns /= 10;
            char buf[9];
            for (int j = ndigs; j > 0; j--) buf[j - 1] = (char)('0' + ns % 10), ns /= 10;
            if (!pad) pad = '0';
            add(k, 0, pad, buf, (size_t)ndigs, CASE_KEEP);
            add(k, nw - ndigs, pad, "", 0, CASE_KEEP);
            break;
        }
        case 'n': add(k, width, pad, "\n", 1, CASE_KEEP); break;
        case 't': add(k, width, pad, "\t", 1, CASE_KEEP); break;
        case 'P':
        case 'p':
            if (ch == 'P') cm = CASE_LOW;
            if (change_case) cm = CASE_LOW;
            add(k, width, pad, tm->hour < 12 ? "AM" : "PM", 2, cm);
            break;
        case 'q': number(k, width, pad, 1, (tm->mon - 1) / 3 + 1); break;
        case 'S':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, tm->sec);
            break;
        case 's': {
            char buf[32];
            size_t n = digits_of(buf, sizeof buf, mag64(tm->t), 0);
            put_number(k, width, pad, 1, tm->t < 0, false, buf, n);
            break;
        }
        case 'u': number(k, width, pad, 1, (tm->wday + 6) % 7 + 1); break;
        case 'U':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, (tm->yday - tm->wday + 7) / 7);
            break;
        case 'W':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 2, (tm->yday - (tm->wday + 6) % 7 + 7) / 7);
            break;
        case 'w':
            if (modifier == 'E') goto bad_format;
            number(k, width, pad, 1, tm->wday);
            break;
        case 'V':
        case 'g':
        case 'G': {
            if (modifier == 'E') goto bad_format;
            int week, adj;
            iso_week(tm, &week, &adj);
            int64_t tmy = tm->year - 1900;
            if (ch == 'V') {
                number(k, width, pad, 2, week);
            } else if (ch == 'G') {
                int64_t y = tm->year + adj;
                yearish(k, width, pad, yr_spec, 4, y < 0, mag64(y));
            } else {
                int64_t yy = (tmy % 100 + adj) % 100;
                int64_t v = yy >= 0 ? yy : tmy < -1900 - adj ? -yy : yy + 100;
                yearish(k, width, pad, yr_spec, 2, false, mag64(v));
            }
            break;
        }
        case 'Y':
            if (modifier == 'O') goto bad_format;
            if (modifier == 'E') {
                /* GNU asks the C library for era years: plain decimal */
                char buf[32];
                int n = snprintf(buf, sizeof buf, "%lld", (long long)tm->year);
                add(k, width, pad, buf, (size_t)n, cm);
                break;
            }
            yearish(k, width, pad, yr_spec, 4, tm->year < 0, mag64(tm->year));
            break;
        case 'y':
            if (modifier) {
                char buf[8];
                int n = snprintf(buf, sizeof buf, "%02d", (int)(((tm->year - 1900) % 100 + 100) % 100));
                add(k, width, pad, buf, (size_t)n, cm);
                break;
            }
            yearish(k, width, pad, yr_spec, 2, false, (uint64_t)year2(tm->year)); break;
        case 'Z':
            if (change_case) cm = CASE_LOW;
            add(k, width, pad, tm->zone, strlen(tm->zone), cm);
            break;
        case ':':
        case 'z': {
            size_t colons = 0;
            if (ch == ':') {
                while (f[colons] == ':') colons++;
                if (f[colons] != 'z') goto bad_format;
                f += colons;
            }
            if (tm->isdst < 0) break;
            int32_t diff = tm->gmtoff;
            bool neg = diff < 0 || (diff == 0 && tm->zone[0] == '-');
            int32_t a = diff < 0 ? -diff : diff;
            int hh = a / 3600, mm = a / 60 % 60, ss = a % 60;
            int digits;
            unsigned mask;
            uint64_t v;
            if (colons == 3) colons = ss ? 2 : mm ? 1 : 3;
            switch (colons) {
            case 0: digits = 5, mask = 0, v = (uint64_t)(hh * 100 + mm); break;
            case 1: digits = 6, mask = 04, v = (uint64_t)(hh * 100 + mm); break;
            case 2: digits = 9, mask = 024, v = (uint64_t)(hh * 10000 + mm * 100 + ss); break;
            case 3: digits = 3, mask = 0, v = (uint64_t)hh; break;
            default: goto bad_format;
            }
            char buf[32];
            size_t n = digits_of(buf, sizeof buf, v, mask);
            put_number(k, width, pad, digits, neg, !neg, buf, n);
            break;
        }
        case '\0':
        bad_percent:
            f--;
            /* fall through */
        default:
        bad_format:
            add(k, width, pad, percent, (size_t)(f - percent + 1), CASE_KEEP);
            break;
        }
    }
}

size_t vl_strftime(char *out, size_t n, const char *fmt, const vl_tm *tm)
{
    sink k = {out, n, 0};
    format(&k, fmt, tm, false, 0, -1);
    if (n > 0) out[k.len < n ? k.len : n - 1] = '\0';
    return k.len;
}

void vl_strftime_buf(vl_ctx *c, vl_buf *b, const char *fmt, const vl_tm *tm)
{
    char small[128];
    size_t len = vl_strftime(small, sizeof small, fmt, tm);
    if (len < sizeof small) {
        vl_buf_add(c, b, small, len);
        return;
    }
    char *big = vl_xmalloc(c, len + 1);
    vl_strftime(big, len + 1, fmt, tm);
    vl_buf_add(c, b, big, len);
    vl_xfree(c, big);
}
