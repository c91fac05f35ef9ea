/* timefmt.h: civil time without the host's zone files (gmtime/localtime/strftime/mktime read
 * them, and the host's zone is not the VM's): days <-> dates in 64 bits, splitting an instant
 * into fields for a zone and back, and strftime with GNU's conversions, flags and widths (what
 * date +FORMAT, ls --time-style=+FORMAT and find -printf print). A zone is a small table of
 * function + data, so a zoneinfo reader can plug in later; today there are UTC and fixed
 * offsets (from POSIX TZ strings like "EST5" or "<+03>-3"; daylight-saving rules are not
 * applied). Nothing here allocates except vl_strftime_buf. */
#ifndef VL_TIMEFMT_H
#define VL_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmd.h"

/* Broken-down time. Unlike struct tm, fields hold what they say (year 2024, month 1-12). */
typedef struct vl_tm {
    int64_t year;
    int mon;  /* 1-12 */
    int mday; /* 1-31 */
    int hour, min, sec;
    int wday; /* 0 = Sunday */
    int yday; /* 0-365 */
    int32_t nsec;
    int32_t gmtoff; /* seconds east of UTC */
    int isdst;      /* 1, 0, or -1 when unknown (then %z and %Z print nothing) */
    char zone[16];  /* abbreviation, "UTC" */
    int64_t t;      /* the instant, seconds since the epoch (what %s prints) */
} vl_tm;

/* A time zone: at() gives the offset (seconds east of UTC), the abbreviation and whether it
 * is daylight time at instant t. */
typedef struct vl_tz vl_tz;
struct vl_tz {
    void (*at)(const vl_tz *tz, int64_t t, int32_t *gmtoff, const char **abbr, int *isdst);
    int32_t off;   /* fixed zones */
    char abbr[16];
};
extern const vl_tz vl_tz_utc;
/* A fixed offset named abbr (copied, cut at 15 bytes). */
void vl_tz_fixed(vl_tz *tz, int32_t off, const char *abbr);
/* A TZ value as glibc reads it when no zone file applies: NULL or "" is UTC; "NAME[+-]h[:m[:s]]"
 * and "<NAME>[+-]h..." (POSIX: positive means west of Greenwich) is a fixed zone; a name
 * without an offset is UTC under that name. A daylight-saving part is ignored. */
void vl_tz_parse(const char *s, vl_tz *tz);
/* The zone the process's TZ variable names. */
void vl_tz_from_env(vl_ctx *c, vl_tz *tz);

/* Day number (days since 1970-01-01) of a proleptic Gregorian date, and back. m 1-12. */
int64_t vl_days_from_civil(int64_t y, int m, int d);
void vl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* The fields of instant t (+ nsec) in zone tz (NULL: UTC). False, with out untouched, when the
 * year does not fit a C int as struct tm's tm_year must (glibc's localtime fails then; ls then
 * prints the raw seconds). */
bool vl_time_split(int64_t t, int32_t nsec, const vl_tz *tz, vl_tm *out);
/* The instant of local date and time fields (year, mon, mday, hour, min, sec; out-of-range
 * values carry over, as mktime normalizes) in zone tz (NULL: UTC). False on overflow. */
bool vl_time_make(const vl_tm *tm, const vl_tz *tz, int64_t *out);

/* Format tm with fmt as GNU's nstrftime does in the C locale: every conversion of GNU date
 * (%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %n %N %p %P %q %r %R %s %S %t
 * %T %u %U %V %w %W %x %X %y %Y %z %:z %::z %:::z %Z %%), the flags - _ 0 + ^ # and a width,
 * E and O modifiers; an unknown conversion is copied as written. Writes at most n-1 bytes and
 * a NUL (when n > 0); returns the full length, as snprintf does. Widths are capped at 1 MiB. */
size_t vl_strftime(char *out, size_t n, const char *fmt, const vl_tm *tm);
/* The same, appended to b. */
void vl_strftime_buf(vl_ctx *c, vl_buf *b, const char *fmt, const vl_tm *tm);

#endif
