/* date: print the time (now, -d STRING, -r FILE, each line of -f FILE) in a format: +FORMAT,
 * -I[FMT], -R, --rfc-3339=FMT, or the default "%a %b %e %H:%M:%S %Z %Y". The -d parser follows
 * GNU's parse-datetime grammar for the forms people write: @SECONDS, ISO 8601 dates and times
 * with T and zones, month names, m/d/y, times with am/pm, zone names and offsets, relative
 * items ("2 days ago", "+1 month", "next monday", "last week", yesterday, tomorrow), a leading
 * TZ="ZONE", combined.
 * The zone is the process's TZ (UTC when unset; lib/timefmt knows fixed offsets, not zoneinfo);
 * -u makes it UTC. Setting the clock (-s, MMDDhhmm) is refused: a VM has no clock to set. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "lib/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the -d parser ---- */

enum { T_END, T_NUM, T_WORD, T_COLON, T_SLASH, T_COMMA };

typedef struct tok {
    int kind;
    char sign;      /* T_NUM: '+', '-' or 0 */
    int digits;     /* T_NUM */
    int64_t val;    /* T_NUM */
    int32_t frac;   /* T_NUM followed by .DIGITS / ,DIGITS: nanoseconds */
    bool has_frac;
    bool glued;     /* no space before this token */
    char word[24];  /* T_WORD, lower case */
} tok;

typedef struct dp {
    tok *t;
    int n, i;
    int dates, times, days, zones, rels;
    int64_t year;
    int year_digits;
    int mon, day;
    int hour, min, sec;
    int32_t nsec;
    int merid; /* 0: 24 h, 1: am, 2: pm */
    int32_t zone;
    int day_ord, day_num;
    int64_t ry, rm, rd, rh, rmin, rs, rns;
} dp;

/* Split s into tokens; false on a character GNU's lexer would reject. */
static bool lex(vl_ctx *c, const char *s, dp *p)
{
    size_t cap = strlen(s) + 2;
    p->t = vl_xcalloc(c, cap, sizeof(tok));
    int n = 0;
    bool space = true;
    while (*s) {
        unsigned char ch = (unsigned char)*s;
        if (isspace(ch)) {
            space = true;
            s++;
            continue;
        }
        if (ch == '(') { /* comments nest */
            int depth = 0;
            do {
                if (*s == '(') depth++;
                else if (*s == ')') depth--;
                s++;
            } while (*s && depth > 0);
            if (depth) return false;
            space = true;
            continue;
        }
        tok *k = &p->t[n];
        k->glued = !space;
        space = false;
        if (ch == '+' || ch == '-') {
            const char *q = s + 1;
            while (isspace((unsigned char)*q)) q++;
            if (!isdigit((unsigned char)*q)) { /* a sign alone is skipped (17-JUN-1992) */
                s++;
                continue;
            }
            k->sign = (char)ch;
            s = q;
            ch = (unsigned char)*s;
        }
        if (isdigit(ch)) {
            k->kind = T_NUM;
            while (isdigit((unsigned char)*s)) {
                if (k->val < (INT64_MAX - 9) / 10) k->val = k->val * 10 + (*s - '0');
                else return false;
                k->digits++;
                s++;
            }
            if ((*s == '.' || *s == ',') && isdigit((unsigned char)s[1])) {
                s++;
                int32_t f = 0;
                int nd = 0;
                while (isdigit((unsigned char)*s)) {
                    if (nd < 9) f = f * 10 + (*s - '0'), nd++;
                    s++;
                }
                while (nd++ < 9) f *= 10;
                k->frac = f;
                k->has_frac = true;
            }
            if (k->sign == '-') k->val = -k->val;
            n++;
            continue;
        }
        if (isalpha(ch)) {
            k->kind = T_WORD;
            size_t l = 0;
            while (isalpha((unsigned char)*s) || *s == '.') {
                if (*s != '.' && l + 1 < sizeof k->word)
                    k->word[l++] = (char)tolower((unsigned char)*s);
                s++;
            }
            n++;
            continue;
        }
        if (ch == ':') k->kind = T_COLON;
        else if (ch == ',') k->kind = T_COMMA;
        else if (ch == '/') k->kind = T_SLASH;
        else return false;
        s++;
        n++;
    }
    p->n = n;
    p->t[n].kind = T_END;
    return true;
}

static const char *const months[] = {"january", "february", "march",     "april",
                                     "may",     "june",     "july",      "august",
                                     "september", "october", "november", "december"};
static const char *const wdays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                    "thursday", "friday", "saturday"};

/* 1-12 for a month name (full, 3 letters, or "sept"), else 0 */
static int month_of(const char *w)
{
    size_t l = strlen(w);
    for (int i = 0; i < 12; i++)
        if ((l == 3 && strncmp(w, months[i], 3) == 0) || strcmp(w, months[i]) == 0) return i + 1;
    if (strcmp(w, "sept") == 0) return 9;
    return 0;
}

/* 0-6 for a day name (full, 3 letters, tues, wednes, thur, thurs), else -1 */
static int wday_of(const char *w)
{
    size_t l = strlen(w);
    for (int i = 0; i < 7; i++)
        if ((l == 3 && strncmp(w, wdays[i], 3) == 0) || strcmp(w, wdays[i]) == 0) return i;
    if (strcmp(w, "tues") == 0) return 2;
    if (strcmp(w, "wednes") == 0) return 3;
    if (strcmp(w, "thur") == 0 || strcmp(w, "thurs") == 0) return 4;
    return -1;
}

/* seconds east of UTC for a zone name; false if w is not one */
static bool zone_of(const char *w, int32_t *off)
{
    static const struct { const char *name; int hours; } z[] = {
        {"gmt", 0},   {"ut", 0},    {"utc", 0},   {"wet", 0},  {"west", 1}, {"bst", 1},
        {"art", -3},  {"brt", -3},  {"brst", -2}, {"nst", -3}, {"ndt", -2}, {"ast", -4},
        {"adt", -3},  {"clt", -4},  {"clst", -3}, {"est", -5}, {"edt", -4}, {"cst", -6},
        {"cdt", -5},  {"mst", -7},  {"mdt", -6},  {"pst", -8}, {"pdt", -7}, {"akst", -9},
        {"akdt", -8}, {"hst", -10}, {"hast", -10}, {"hadt", -9}, {"sst", -12}, {"wat", 1},
        {"cet", 1},   {"cest", 2},  {"met", 1},   {"mez", 1},  {"mest", 2}, {"mesz", 2},
        {"eet", 2},   {"eest", 3},  {"cat", 2},   {"sast", 2}, {"eat", 3},  {"msk", 3},
        {"msd", 4},   {"sgt", 8},   {"kst", 9},   {"jst", 9},  {"gst", 10}, {"nzst", 12},
        {"nzdt", 13}};
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
        if (strcmp(w, z[i].name) == 0) {
            *off = z[i].hours * 3600;
            return true;
        }
    if (strcmp(w, "ist") == 0) { /* India */
        *off = 5 * 3600 + 1800;
        return true;
    }
    /* military letters: A-I +1..+9, K-M +10..+12, N-Y -1..-12, Z 0 */
    if (w[0] && !w[1] && w[0] != 'j') {
        char ch = w[0];
        if (ch == 'z') *off = 0;
        else if (ch <= 'i') *off = (ch - 'a' + 1) * 3600;
        else if (ch <= 'm') *off = (ch - 'a') * 3600;
        else *off = -(ch - 'n' + 1) * 3600;
        return true;
    }
    return false;
}

/* relative unit: seconds-scale multiplier in *mul and which field (0 y, 1 m, 2 d, 3 s) */
static bool unit_of(const char *w, int *field, int64_t *mul)
{
    size_t l = strlen(w);
    char b[24];
    memcpy(b, w, l + 1);
    if (l > 1 && b[l - 1] == 's') b[--l] = '\0'; /* plurals */
    static const struct { const char *name; int field; int64_t mul; } u[] = {
        {"year", 0, 1},   {"month", 1, 1},  {"fortnight", 2, 14}, {"week", 2, 7},
        {"day", 2, 1},    {"hour", 3, 3600}, {"minute", 3, 60},  {"min", 3, 60},
        {"second", 3, 1}, {"sec", 3, 1}};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (strcmp(b, u[i].name) == 0) {
            *field = u[i].field;
            *mul = u[i].mul;
            return true;
        }
    return false;
}

/* next, last, this, first..twelfth */
static bool ordinal_of(const char *w, int *v)
{
    static const char *const o[] = {"last", "this",  "next",   "first",  "third",
                                    "fourth", "fifth", "sixth", "seventh", "eighth",
                                    "ninth", "tenth", "eleventh", "twelfth"};
    static const int ov[] = {-1, 0, 1, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++)
        if (strcmp(w, o[i]) == 0) {
            *v = ov[i];
            return true;
        }
    return false;
}

static tok *at(dp *p, int k) { return &p->t[p->i + k < p->n ? p->i + k : p->n]; }
static bool is(dp *p, int k, int kind) { return at(p, k)->kind == kind; }
static bool unum(dp *p, int k) { return is(p, k, T_NUM) && !at(p, k)->sign; }
static bool snum(dp *p, int k) { return is(p, k, T_NUM) && at(p, k)->sign; }

static void add_rel(dp *p, int field, int64_t v)
{
    p->rels++;
    if (field == 0) p->ry += v;
    else if (field == 1) p->rm += v;
    else if (field == 2) p->rd += v;
    else p->rs += v;
}

/* relative unit at k with count v, then an optional "ago"; returns tokens used or 0 */
static int rel_unit(dp *p, int k, int64_t v, int32_t frac)
{
    int field;
    int64_t mul;
    if (!is(p, k, T_WORD) || !unit_of(at(p, k)->word, &field, &mul)) return 0;
    int used = k + 1;
    if (is(p, used, T_WORD) && strcmp(at(p, used)->word, "ago") == 0) {
        v = -v;
        frac = -frac;
        used++;
    } else if (is(p, used, T_WORD) && strcmp(at(p, used)->word, "hence") == 0) {
        used++;
    }
    add_rel(p, field, v * mul);
    if (field == 3 && mul == 1 && frac) p->rns += frac;
    return used;
}

/* A zone offset from a signed number (and a ":MM" after it): +HH, +HHMM, +HH:MM. */
static bool offset(dp *p, int32_t *off)
{
    tok *k = at(p, 0);
    int64_t v = k->val < 0 ? -k->val : k->val;
    int64_t h, m = 0;
    if (is(p, 1, T_COLON) && unum(p, 2)) {
        h = v;
        m = at(p, 2)->val;
        p->i += 3;
    } else {
        if (k->digits <= 2) h = v;
        else if (k->digits <= 4) h = v / 100, m = v % 100;
        else return false;
        p->i += 1;
    }
    if (h > 24 || m > 59) return false;
    *off = (int32_t)((h * 3600 + m * 60) * (k->sign == '-' ? -1 : 1));
    return true;
}

static bool meridian(dp *p)
{
    if (!is(p, 0, T_WORD)) return false;
    const char *w = at(p, 0)->word;
    if (strcmp(w, "am") == 0) p->merid = 1;
    else if (strcmp(w, "pm") == 0) p->merid = 2;
    else return false;
    p->i++;
    return true;
}

static bool set_year(dp *p, tok *k)
{
    p->year = k->val < 0 ? -k->val : k->val;
    p->year_digits = k->digits;
    if (k->digits == 2) p->year += p->year < 69 ? 2000 : 1900;
    return true;
}

/* One item at p->i; false when nothing matches. */
static bool item(dp *p)
{
    tok *k0 = at(p, 0);
    /* times: H:M[:S[.frac]] [am|pm] [offset] */
    if (unum(p, 0) && is(p, 1, T_COLON) && unum(p, 2)) {
        p->times++;
        p->hour = (int)k0->val;
        p->min = (int)at(p, 2)->val;
        p->sec = 0;
        p->nsec = 0;
        p->merid = 0;
        p->i += 3;
        if (is(p, 0, T_COLON) && unum(p, 1)) {
            p->sec = (int)at(p, 1)->val;
            p->nsec = at(p, 1)->frac;
            p->i += 2;
        }
        if (!meridian(p) && snum(p, 0)) {
            int32_t off;
            if (!offset(p, &off)) return false;
            p->zones++;
            p->zone = off;
        }
        return true;
    }
    if (unum(p, 0) && is(p, 1, T_WORD) &&
        (strcmp(at(p, 1)->word, "am") == 0 || strcmp(at(p, 1)->word, "pm") == 0)) {
        p->times++;
        p->hour = (int)k0->val;
        p->min = p->sec = 0;
        p->nsec = 0;
        p->i++;
        meridian(p);
        return true;
    }
    /* dates with slashes: m/d, m/d/y, y/m/d */
    if (unum(p, 0) && is(p, 1, T_SLASH) && unum(p, 2)) {
        p->dates++;
        if (is(p, 3, T_SLASH) && unum(p, 4)) {
            if (k0->digits >= 4) {
                set_year(p, k0);
                p->mon = (int)at(p, 2)->val;
                p->day = (int)at(p, 4)->val;
            } else {
                p->mon = (int)k0->val;
                p->day = (int)at(p, 2)->val;
                set_year(p, at(p, 4));
            }
            p->i += 5;
        } else {
            p->mon = (int)k0->val;
            p->day = (int)at(p, 2)->val;
            p->i += 3;
        }
        return true;
    }
    /* ISO 8601: Y-M-D, then T and a time */
    if (unum(p, 0) && snum(p, 1) && at(p, 1)->sign == '-' && snum(p, 2) &&
        at(p, 2)->sign == '-' && at(p, 1)->glued) {
        p->dates++;
        set_year(p, k0);
        p->mon = (int)-at(p, 1)->val;
        p->day = (int)-at(p, 2)->val;
        p->i += 3;
        if (is(p, 0, T_WORD) && strcmp(at(p, 0)->word, "t") == 0 && unum(p, 1) &&
            at(p, 1)->glued) {
            if (!is(p, 2, T_COLON)) return false; /* 2024-05-01T10 is not a date */
            p->i++;
        }
        return true;
    }
    /* D MONTH [Y], D-MONTH-Y */
    if (unum(p, 0) && is(p, 1, T_WORD) && month_of(at(p, 1)->word)) {
        p->dates++;
        p->day = (int)k0->val;
        p->mon = month_of(at(p, 1)->word);
        p->i += 2;
        if (is(p, 0, T_NUM) && (at(p, 0)->sign == '-' || !at(p, 0)->sign)) {
            set_year(p, at(p, 0));
            p->i++;
        }
        return true;
    }
    /* MONTH D [Y], MONTH-D-Y */
    if (is(p, 0, T_WORD) && month_of(k0->word)) {
        p->dates++;
        p->mon = month_of(k0->word);
        p->i++;
        if (snum(p, 0) && at(p, 0)->sign == '-' && snum(p, 1) && at(p, 1)->sign == '-') {
            p->day = (int)-at(p, 0)->val;
            set_year(p, at(p, 1));
            p->i += 2;
        } else if (unum(p, 0) && !is(p, 1, T_COLON)) {
            p->day = (int)at(p, 0)->val;
            p->i++;
            if (is(p, 0, T_COMMA) && unum(p, 1)) { /* May 1, 2024 */
                set_year(p, at(p, 1));
                p->i += 2;
            }
        } else {
            return false; /* a month alone is not a date */
        }
        return true;
    }
    /* N DAYNAME: the Nth such day from today (GNU takes any number as the ordinal) */
    int nwd;
    if (unum(p, 0) && is(p, 1, T_WORD) && (nwd = wday_of(at(p, 1)->word)) >= 0) {
        if (k0->val > 1000000) return false;
        p->days++;
        p->day_ord = (int)k0->val;
        p->day_num = nwd;
        p->i += 2;
        return true;
    }
    /* relative: [+-]N UNIT [ago] */
    if (is(p, 0, T_NUM)) {
        int used = rel_unit(p, 1, k0->val, k0->sign == '-' ? -k0->frac : k0->frac);
        if (used) {
            p->i += used;
            return true;
        }
    }
    if (is(p, 0, T_WORD)) {
        const char *w = k0->word;
        int ord, field, wd;
        int64_t mul;
        int32_t off;
        if (strcmp(w, "now") == 0 || strcmp(w, "today") == 0) {
            p->rels++;
            p->i++;
            return true;
        }
        if (strcmp(w, "yesterday") == 0 || strcmp(w, "tomorrow") == 0) {
            add_rel(p, 2, w[0] == 'y' ? -1 : 1);
            p->i++;
            return true;
        }
        if (ordinal_of(w, &ord)) {
            if (is(p, 1, T_WORD) && (wd = wday_of(at(p, 1)->word)) >= 0) {
                p->days++;
                p->day_ord = ord;
                p->day_num = wd;
                p->i += 2;
                return true;
            }
            int used = rel_unit(p, 1, ord, 0);
            if (!used) return false;
            p->i += used;
            return true;
        }
        if ((wd = wday_of(w)) >= 0) {
            p->days++;
            p->day_ord = 0;
            p->day_num = wd;
            p->i++;
            if (is(p, 0, T_COMMA)) p->i++; /* Thu, 02 May 2024 */
            return true;
        }
        if (unit_of(w, &field, &mul)) {
            p->i += rel_unit(p, 0, 1, 0);
            return true;
        }
        if (zone_of(w, &off)) {
            p->zones++;
            p->i++;
            if (strcmp(w, "t") == 0 && k0->glued && unum(p, 0) && at(p, 0)->glued &&
                is(p, 1, T_COLON)) {
                /* a T before 10:00 */
                p->zones--;
                return true;
            }
            int f_;
            int64_t m_;
            if (snum(p, 0) && !(is(p, 1, T_WORD) && unit_of(at(p, 1)->word, &f_, &m_))) {
                /* UTC+2, GMT -0430 (but UTC +2 days is a relative item) */
                int32_t more;
                if (!offset(p, &more)) return false;
                off += more;
            }
            p->zone = off;
            return true;
        }
        return false;
    }
    /* a bare number: a year after a date, YYYYMMDD, or HHMM */
    if (unum(p, 0)) {
        if (p->dates && !p->year_digits && !p->rels && (p->times || k0->digits > 2)) {
            set_year(p, k0);
        } else if (k0->digits > 4) {
            p->dates++;
            p->day = (int)(k0->val % 100);
            p->mon = (int)(k0->val / 100 % 100);
            p->year = k0->val / 10000;
            p->year_digits = k0->digits - 4;
        } else {
            p->times++;
            if (k0->digits <= 2) p->hour = (int)k0->val, p->min = 0;
            else p->hour = (int)(k0->val / 100), p->min = (int)(k0->val % 100);
            p->sec = 0;
            p->nsec = 0;
            p->merid = 0;
        }
        p->i++;
        return true;
    }
    return false;
}

/* Parse s against now (now_s, now_ns) in zone tz: the instant in sec and nsec. */
static bool parse_datetime(vl_ctx *c, const char *s, int64_t now_s, int32_t now_ns,
                           const vl_tz *tz, int64_t *sec, int32_t *nsec)
{
    while (isspace((unsigned char)*s)) s++;
    vl_tz given;
    if (strncmp(s, "TZ=\"", 4) == 0) { /* TZ="ZONE" first: the zone the rest is read in */
        const char *e = strchr(s + 4, '"');
        if (!e) return false;
        char *z = vl_xmalloc(c, (size_t)(e - s - 4) + 1);
        memcpy(z, s + 4, (size_t)(e - s - 4));
        z[e - s - 4] = '\0';
        vl_tz_parse(z, &given);
        vl_xfree(c, z);
        tz = &given;
        s = e + 1;
        while (isspace((unsigned char)*s)) s++;
    }
    if (*s == '@') { /* @SECONDS[.FRAC] */
        const char *q = s + 1;
        bool neg = false;
        if (*q == '-' || *q == '+') neg = *q++ == '-';
        if (!isdigit((unsigned char)*q)) return false;
        /* the magnitude, up to 2^63 (INT64_MIN's) */
        uint64_t v = 0;
        while (isdigit((unsigned char)*q)) {
            if (v > (UINT64_MAX - 9) / 10) return false;
            v = v * 10 + (uint64_t)(*q++ - '0');
        }
        if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0)) return false;
        int32_t f = 0;
        if ((*q == '.' || *q == ',') && isdigit((unsigned char)q[1])) {
            q++;
            int nd = 0;
            while (isdigit((unsigned char)*q)) {
                if (nd < 9) f = f * 10 + (*q - '0'), nd++;
                q++;
            }
            while (nd++ < 9) f *= 10;
        }
        while (isspace((unsigned char)*q)) q++;
        if (*q) return false;
        if (neg && f) {
            if (v > (uint64_t)INT64_MAX) return false;
            v += 1, f = 1000000000 - f;
        }
        *sec = neg ? (int64_t)(0 - v) : (int64_t)v;
        *nsec = f;
        return true;
    }
    dp p = {0};
    if (!lex(c, s, &p)) return false;
    while (p.i < p.n)
        if (!item(&p)) return false;
    if (p.dates > 1 || p.times > 1 || p.days > 1 || p.zones > 1) return false;

    vl_tz zt;
    const vl_tz *z = tz;
    if (p.zones) {
        vl_tz_fixed(&zt, p.zone, "");
        z = &zt;
    }
    vl_tm now;
    if (!vl_time_split(now_s, now_ns, tz, &now)) return false; /* today is the local one */
    vl_tm tm = now;
    if (p.dates) {
        if (p.year_digits) tm.year = p.year;
        tm.mon = p.mon;
        tm.mday = p.day;
    }
    int32_t ns = now_ns;
    if (p.times) {
        if (p.merid) {
            if (p.hour < 1 || p.hour > 12) return false;
            p.hour = p.hour % 12 + (p.merid == 2 ? 12 : 0);
        }
        tm.hour = p.hour;
        tm.min = p.min;
        tm.sec = p.sec;
        ns = p.nsec;
    } else if (!(p.rels && !p.dates && !p.days)) {
        tm.hour = tm.min = tm.sec = 0;
        ns = 0;
    }
    if (tm.mon < 1 || tm.mon > 12 || tm.mday < 1 || tm.mday > 31 || tm.hour > 23 ||
        tm.min > 59 || tm.sec > 60)
        return false;
    int64_t t;
    if (!vl_time_make(&tm, z, &t)) return false;
    vl_tm chk;
    if (!vl_time_split(t, 0, z, &chk) || chk.mday != tm.mday || chk.mon != tm.mon) return false;
    if (p.days && !p.dates) {
        int wd = chk.wday;
        int64_t add =
            (p.day_num - wd + 7) % 7 + 7 * (p.day_ord - (p.day_ord > 0 && wd != p.day_num));
        chk.mday += (int)add;
        if (!vl_time_make(&chk, z, &t)) return false;
        vl_time_split(t, 0, z, &chk);
    }
    if (p.ry || p.rm || p.rd) {
        /* GNU adds them to struct tm's int fields: beyond those, the date is invalid */
        if (chk.year - 1900 + p.ry > INT32_MAX || chk.year - 1900 + p.ry < INT32_MIN ||
            chk.mon - 1 + p.rm > INT32_MAX || chk.mon - 1 + p.rm < INT32_MIN ||
            chk.mday + p.rd > INT32_MAX || chk.mday + p.rd < INT32_MIN)
            return false;
        int64_t mon = chk.mon - 1 + p.rm;
        int64_t yadd = mon >= 0 ? mon / 12 : -((11 - mon) / 12);
        chk.year += p.ry + yadd;
        chk.mon = (int)(mon - yadd * 12) + 1;
        int64_t days = vl_days_from_civil(chk.year, chk.mon, 1) + chk.mday - 1 + p.rd;
        vl_civil_from_days(days, &chk.year, &chk.mon, &chk.mday);
        if (!vl_time_make(&chk, z, &t)) return false;
    }
    if (__builtin_add_overflow(t, p.rs, &t)) return false;
    int64_t n = ns + p.rns;
    t += n >= 0 ? n / 1000000000 : -((999999999 - n) / 1000000000);
    n -= (n >= 0 ? n / 1000000000 : -((999999999 - n) / 1000000000)) * 1000000000;
    *sec = t;
    *nsec = (int32_t)n;
    return true;
}

/* ---- output ---- */

static bool show(vl_ctx *c, const char *fmt, int64_t s, int32_t ns, const vl_tz *tz)
{
    vl_tm tm;
    if (!vl_time_split(s, ns, tz, &tm)) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)s);
        vl_error(c, "time %s is out of range", vl_quote_locale(c, num));
        return false;
    }
    vl_buf b = {0};
    vl_strftime_buf(c, &b, fmt, &tm);
    vl_buf_addc(c, &b, '\n');
    vl_write(c, b.data, b.len);
    vl_buf_free(c, &b);
    return true;
}

/* argmatch over names (unique prefixes), GNU's message when nothing fits */
static int pick(vl_ctx *c, const char *arg, const char *opt, const char *const *names, int n)
{
    size_t l = strlen(arg);
    int found = -1, hits = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(arg, names[i]) == 0) return i;
        if (strncmp(arg, names[i], l) == 0) found = i, hits++;
    }
    if (hits == 1 && l) return found;
    vl_eprintf(c, "%s: %s argument %s for %s\nValid arguments are:\n", c->name,
               hits > 1 ? "ambiguous" : "invalid", vl_quote_locale(c, arg),
               vl_quote_locale(c, opt));
    for (int i = 0; i < n; i++) vl_eprintf(c, "  - %s\n", vl_quote_locale(c, names[i]));
    vl_try_help(c);
}

enum { OPT_RFC3339 = 256, OPT_DEBUG, OPT_RESOLUTION };

static int date_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    const char *fmt = NULL;
    int formats = 0;
    if (vl_has(c, 'I')) {
        static const char *const iso[] = {"hours", "minutes", "date", "seconds", "ns"};
        static const char *const isofmt[] = {"%Y-%m-%dT%H%:z", "%Y-%m-%dT%H:%M%:z", "%Y-%m-%d",
                                             "%Y-%m-%dT%H:%M:%S%:z",
                                             "%Y-%m-%dT%H:%M:%S,%N%:z"};
        const char *a = vl_arg(c, 'I');
        fmt = a ? isofmt[pick(c, a, "--iso-8601", iso, 5)] : "%Y-%m-%d";
        formats++;
    }
    if (vl_has(c, OPT_RFC3339)) {
        static const char *const rfc[] = {"date", "seconds", "ns"};
        static const char *const rfcfmt[] = {"%Y-%m-%d", "%Y-%m-%d %H:%M:%S%:z",
                                             "%Y-%m-%d %H:%M:%S.%N%:z"};
        fmt = rfcfmt[pick(c, vl_arg(c, OPT_RFC3339), "--rfc-3339", rfc, 3)];
        formats++;
    }
    if (vl_has(c, 'R')) {
        fmt = "%a, %d %b %Y %H:%M:%S %z";
        formats++;
    }
    if (formats > 1) vl_die(c, 1, "multiple output formats specified");
    const char *dstr = vl_arg(c, 'd'), *file = vl_arg(c, 'f'), *ref = vl_arg(c, 'r');
    const char *set = vl_arg(c, 's');
    if ((dstr != NULL) + (file != NULL) + (ref != NULL) + (set != NULL) > 1)
        vl_usage_error(c, "the options to specify dates for printing are mutually exclusive");
    if (n > 1) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[2]));
    if (n == 1) {
        if (argv[1][0] == '+') {
            if (formats) vl_die(c, 1, "multiple output formats specified");
            fmt = argv[1] + 1;
        } else if (dstr || file || ref || set) {
            vl_eprintf(c,
                       "%s: the argument %s lacks a leading '+';\n"
                       "when using an option to specify date(s), any non-option\n"
                       "argument must be a format string beginning with '+'\n",
                       c->name, vl_quote_locale(c, argv[1]));
            vl_try_help(c);
        } else {
            set = argv[1];
        }
    }
    if (!fmt) fmt = "%a %b %e %H:%M:%S %Z %Y";

    vl_tz tz;
    if (vl_has(c, 'u')) tz = vl_tz_utc;
    else vl_tz_from_env(c, &tz);
    int64_t now = vk_time_ns(c->p);
    int64_t now_s = now / 1000000000;
    int32_t now_ns = (int32_t)(now % 1000000000);
    if (now_ns < 0) now_s--, now_ns += 1000000000;

    if (set) {
        int64_t s;
        int32_t ns;
        if (set != argv[1] && !parse_datetime(c, set, now_s, now_ns, &tz, &s, &ns))
            vl_die(c, 1, "invalid date %s", vl_quote_locale(c, set));
        vl_die(c, 1, "cannot set date: Operation not permitted");
    }
    if (ref) {
        struct vk_stat st;
        int rc = vk_stat(c->p, ref, &st);
        if (rc < 0) vl_die(c, 1, "%s: %s", ref, vl_strerror(rc));
        int64_t s = st.mtime_ns / 1000000000;
        int32_t ns = (int32_t)(st.mtime_ns % 1000000000);
        if (ns < 0) s--, ns += 1000000000;
        return show(c, fmt, s, ns, &tz) ? 0 : 1;
    }
    if (file) {
        vl_in *in = vl_in_open_quiet(c, file, &(int){0});
        if (!in) {
            int err = 0;
            in = vl_in_open_quiet(c, file, &err);
            vl_die(c, 1, "%s: %s", file, vl_strerror(err));
        }
        char *line;
        ssize_t len;
        int status = 0;
        while ((len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
            if (vk_check(c->p) < 0) break;
            if (line[len - 1] == '\n') line[--len] = '\0';
            char *l = vl_xmalloc(c, (size_t)len + 1);
            memcpy(l, line, (size_t)len);
            l[len] = '\0';
            int64_t s;
            int32_t ns;
            if (!parse_datetime(c, l, now_s, now_ns, &tz, &s, &ns)) {
                vl_error(c, "invalid date %s", vl_quote_locale(c, l));
                status = 1;
            } else if (!show(c, fmt, s, ns, &tz)) {
                status = 1;
            }
            vl_xfree(c, l);
        }
        if (len < 0) vl_die(c, 1, "%s: %s", file, vl_strerror((int)len));
        return status;
    }
    int64_t s = now_s;
    int32_t ns = now_ns;
    if (dstr && !parse_datetime(c, dstr, now_s, now_ns, &tz, &s, &ns))
        vl_die(c, 1, "invalid date %s", vl_quote_locale(c, dstr));
    return show(c, fmt, s, ns, &tz) ? 0 : 1;
}

static const vl_opt date_opts[] = {
    {'d', "date", VL_ARG, "STRING", "display time described by STRING, not 'now'"},
    {OPT_DEBUG, "debug", VL_NOARG, NULL, "annotate the parsed date (accepted, prints nothing)"},
    {'f', "file", VL_ARG, "DATEFILE", "like --date; once for each line of DATEFILE"},
    {'I', "iso-8601", VL_OPTARG, "FMT", "output date/time in ISO 8601 format"},
    {'R', "rfc-email", VL_NOARG, NULL, "output date and time in RFC 5322 format"},
    {OPT_RFC3339, "rfc-3339", VL_ARG, "FMT", "output date/time in RFC 3339 format"},
    {'r', "reference", VL_ARG, "FILE", "display the last modification time of FILE"},
    {'s', "set", VL_ARG, "STRING", "set time described by STRING (refused in a VM)"},
    {'u', "utc", VL_NOARG, NULL, "print or set Coordinated Universal Time (UTC)"},
    {'u', "universal", VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(date, date_main, date_opts, "[OPTION]... [+FORMAT]",
           "Display date and time in the given FORMAT.", 0, 1);
