/* locale: the VM's one locale, C (POSIX), as glibc's locale(1) shows it: the LANG/LC_*
 * settings from the environment (every category resolves to C), -a the locales there are,
 * -m the charmap, and keyword or category names (-k with names, -c with the category) from
 * glibc's C locale, copied here (a VM reads no locale archive). */
#include "lib/cmd.h"

#include <string.h>

/* "@CATEGORY" lines, then that category's keywords as `locale -k` prints them */
static const char c_locale[] =
    "@LC_CTYPE\n"
    "ctype-class-names=\"upper\";\"lower\";\"alpha\";\"digit\";\"xdigit\";\"space\";\"print\";\"graph\";\"blank\";\"cntrl\";\"punct\";\"alnum\"\n"
    "ctype-map-names=\"toupper\";\"tolower\"\n"
    "ctype-width=7\n"
    "ctype-mb-cur-max=1\n"
    "charmap=\"ANSI_X3.4-1968\"\n"
    "ctype-class-offset=72\n"
    "ctype-map-offset=84\n"
    "ctype-indigits_mb-len=1\n"
    "ctype-indigits0_mb=\"0\"\n"
    "ctype-indigits1_mb=\"1\"\n"
    "ctype-indigits2_mb=\"2\"\n"
    "ctype-indigits3_mb=\"3\"\n"
    "ctype-indigits4_mb=\"4\"\n"
    "ctype-indigits5_mb=\"5\"\n"
    "ctype-indigits6_mb=\"6\"\n"
    "ctype-indigits7_mb=\"7\"\n"
    "ctype-indigits8_mb=\"8\"\n"
    "ctype-indigits9_mb=\"9\"\n"
    "ctype-indigits_wc-len=1\n"
    "ctype-outdigit0_mb=\"0\"\n"
    "ctype-outdigit1_mb=\"1\"\n"
    "ctype-outdigit2_mb=\"2\"\n"
    "ctype-outdigit3_mb=\"3\"\n"
    "ctype-outdigit4_mb=\"4\"\n"
    "ctype-outdigit5_mb=\"5\"\n"
    "ctype-outdigit6_mb=\"6\"\n"
    "ctype-outdigit7_mb=\"7\"\n"
    "ctype-outdigit8_mb=\"8\"\n"
    "ctype-outdigit9_mb=\"9\"\n"
    "ctype-outdigit0_wc=48\n"
    "ctype-outdigit1_wc=49\n"
    "ctype-outdigit2_wc=50\n"
    "ctype-outdigit3_wc=51\n"
    "ctype-outdigit4_wc=52\n"
    "ctype-outdigit5_wc=53\n"
    "ctype-outdigit6_wc=54\n"
    "ctype-outdigit7_wc=55\n"
    "ctype-outdigit8_wc=56\n"
    "ctype-outdigit9_wc=57\n"
    "ctype-translit-tab-size=1659\n"
    "ctype-translit-default-missing-len=1\n"
    "ctype-translit-ignore-len=0\n"
    "ctype-translit-ignore=\"\"\n"
    "map-to-nonascii=0\n"
    "nonascii-case=0\n"
    "@LC_NUMERIC\n"
    "decimal_point=\".\"\n"
    "thousands_sep=\"\"\n"
    "grouping=-1\n"
    "numeric-decimal-point-wc=46\n"
    "numeric-thousands-sep-wc=0\n"
    "numeric-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_TIME\n"
    "abday=\"Sun;Mon;Tue;Wed;Thu;Fri;Sat\"\n"
    "day=\"Sunday;Monday;Tuesday;Wednesday;Thursday;Friday;Saturday\"\n"
    "abmon=\"Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec\"\n"
    "mon=\"January;February;March;April;May;June;July;August;September;October;November;December\"\n"
    "am_pm=\"AM;PM\"\n"
    "d_t_fmt=\"%a %b %e %H:%M:%S %Y\"\n"
    "d_fmt=\"%m/%d/%y\"\n"
    "t_fmt=\"%H:%M:%S\"\n"
    "t_fmt_ampm=\"%I:%M:%S %p\"\n"
    "era=\n"
    "era_year=\"\"\n"
    "era_d_fmt=\"\"\n"
    "alt_digits=\n"
    "era_d_t_fmt=\"\"\n"
    "era_t_fmt=\"\"\n"
    "time-era-num-entries=0\n"
    "time-era-entries=\"\"\n"
    "week-ndays=7\n"
    "week-1stday=19971130\n"
    "week-1stweek=4\n"
    "first_weekday=1\n"
    "first_workday=2\n"
    "cal_direction=1\n"
    "timezone=\"\"\n"
    "date_fmt=\"%a %b %e %H:%M:%S %Z %Y\"\n"
    "time-codeset=\"ANSI_X3.4-1968\"\n"
    "alt_mon=\"January;February;March;April;May;June;July;August;September;October;November;December\"\n"
    "ab_alt_mon=\"Jan;Feb;Mar;Apr;May;Jun;Jul;Aug;Sep;Oct;Nov;Dec\"\n"
    "@LC_COLLATE\n"
    "collate-nrules=0\n"
    "collate-rulesets=\"\"\n"
    "collate-symb-hash-sizemb=0\n"
    "collate-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_MONETARY\n"
    "int_curr_symbol=\"\"\n"
    "currency_symbol=\"\"\n"
    "mon_decimal_point=\"\"\n"
    "mon_thousands_sep=\"\"\n"
    "mon_grouping=-1\n"
    "positive_sign=\"\"\n"
    "negative_sign=\"\"\n"
    "int_frac_digits=-1\n"
    "frac_digits=-1\n"
    "p_cs_precedes=-1\n"
    "p_sep_by_space=-1\n"
    "n_cs_precedes=-1\n"
    "n_sep_by_space=-1\n"
    "p_sign_posn=-1\n"
    "n_sign_posn=-1\n"
    "crncystr=\"-\"\n"
    "int_p_cs_precedes=-1\n"
    "int_p_sep_by_space=-1\n"
    "int_n_cs_precedes=-1\n"
    "int_n_sep_by_space=-1\n"
    "int_p_sign_posn=-1\n"
    "int_n_sign_posn=-1\n"
    "duo_int_curr_symbol=\"\"\n"
    "duo_currency_symbol=\"\"\n"
    "duo_int_frac_digits=-1\n"
    "duo_frac_digits=-1\n"
    "duo_p_cs_precedes=-1\n"
    "duo_p_sep_by_space=-1\n"
    "duo_n_cs_precedes=-1\n"
    "duo_n_sep_by_space=-1\n"
    "duo_int_p_cs_precedes=-1\n"
    "duo_int_p_sep_by_space=-1\n"
    "duo_int_n_cs_precedes=-1\n"
    "duo_int_n_sep_by_space=-1\n"
    "duo_p_sign_posn=-1\n"
    "duo_n_sign_posn=-1\n"
    "duo_int_p_sign_posn=-1\n"
    "duo_int_n_sign_posn=-1\n"
    "uno_valid_from=10101\n"
    "uno_valid_to=99991231\n"
    "duo_valid_from=10101\n"
    "duo_valid_to=99991231\n"
    "conversion_rate=1;1\n"
    "monetary-decimal-point-wc=0\n"
    "monetary-thousands-sep-wc=0\n"
    "monetary-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_MESSAGES\n"
    "yesexpr=\"^[yY]\"\n"
    "noexpr=\"^[nN]\"\n"
    "yesstr=\"\"\n"
    "nostr=\"\"\n"
    "messages-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_PAPER\n"
    "height=297\n"
    "width=210\n"
    "paper-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_NAME\n"
    "name_fmt=\"%p%t%g%t%m%t%f\"\n"
    "name_gen=\"\"\n"
    "name_mr=\"\"\n"
    "name_mrs=\"\"\n"
    "name_miss=\"\"\n"
    "name_ms=\"\"\n"
    "name-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_ADDRESS\n"
    "postal_fmt=\"%a%N%f%N%d%N%b%N%s %h %e %r%N%C-%z %T%N%c%N\"\n"
    "country_name=\"\"\n"
    "country_post=\"\"\n"
    "country_ab2=\"\"\n"
    "country_ab3=\"\"\n"
    "country_car=\"\"\n"
    "country_num=0\n"
    "country_isbn=\"\"\n"
    "lang_name=\"\"\n"
    "lang_ab=\"\"\n"
    "lang_term=\"\"\n"
    "lang_lib=\"\"\n"
    "address-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_TELEPHONE\n"
    "tel_int_fmt=\"+%c %a %l\"\n"
    "tel_dom_fmt=\"\"\n"
    "int_select=\"\"\n"
    "int_prefix=\"\"\n"
    "telephone-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_MEASUREMENT\n"
    "measurement=1\n"
    "measurement-codeset=\"ANSI_X3.4-1968\"\n"
    "@LC_IDENTIFICATION\n"
    "title=\"ISO/IEC 14652 i18n FDCC-set\"\n"
    "source=\"ISO/IEC JTC1/SC22/WG20 - internationalization\"\n"
    "address=\"C/o Keld Simonsen, Skt. Jorgens Alle 8, DK-1615 Kobenhavn V\"\n"
    "contact=\"Keld Simonsen\"\n"
    "email=\"keld@dkuug.dk\"\n"
    "tel=\"+45 3122-6543\"\n"
    "fax=\"+45 3325-6543\"\n"
    "language=\"\"\n"
    "territory=\"ISO\"\n"
    "audience=\"\"\n"
    "application=\"\"\n"
    "abbreviation=\"\"\n"
    "revision=\"1.0\"\n"
    "date=\"1997-12-20\"\n"
    "category=\"i18n:1999;ANSI_X3.4-1968;;;;;;;;;;;\"\n"
    "identification-codeset=\"ANSI_X3.4-1968\"\n";

static const char *const categories[] = {
    "LC_CTYPE",   "LC_NUMERIC", "LC_TIME",      "LC_COLLATE",     "LC_MONETARY",
    "LC_MESSAGES", "LC_PAPER",  "LC_NAME",      "LC_ADDRESS",     "LC_TELEPHONE",
    "LC_MEASUREMENT", "LC_IDENTIFICATION"};

/* C.UTF-8 (the VM's LANG) differs from C in its codeset names */
static bool utf8;

/* print one keyword line (key=value) the way the options ask */
static void show_line(vl_ctx *c, const char *line, size_t len, bool keys)
{
    const char *ascii = "ANSI_X3.4-1968";
    const char *hit = utf8 ? strstr(line, ascii) : NULL;
    if (hit && hit < line + len) {
        vl_buf b = {0};
        vl_buf_add(c, &b, line, (size_t)(hit - line));
        vl_buf_adds(c, &b, "UTF-8");
        vl_buf_add(c, &b, hit + 14, len - (size_t)(hit + 14 - line));
        show_line(c, b.data, b.len, keys);
        return;
    }
    if (keys) {
        vl_write(c, line, len);
        vl_putc(c, '\n');
        return;
    }
    const char *eq = memchr(line, '=', len);
    const char *v = eq + 1;
    size_t vl = len - (size_t)(v - line);
    if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') v++, vl -= 2;
    vl_write(c, v, vl);
    vl_putc(c, '\n');
}

/* Show name (a category or a keyword); false if unknown. */
static bool show(vl_ctx *c, const char *name, bool keys, bool cats)
{
    const char *cat = NULL;
    size_t catl = 0, nl = strlen(name);
    bool whole = false, found = false;
    for (const char *l = c_locale; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = (size_t)(e - l);
        if (*l == '@') {
            cat = l + 1;
            catl = len - 1;
            whole = catl == nl && !strncmp(cat, name, nl);
            if (whole) {
                found = true;
                if (cats) vl_printf(c, "%.*s\n", (int)catl, cat);
            }
        } else if (whole || (len > nl && !strncmp(l, name, nl) && l[nl] == '=')) {
            if (!whole && cats) vl_printf(c, "%.*s\n", (int)catl, cat);
            show_line(c, l, len, keys);
            if (!whole) return true;
        }
        l = e + 1;
    }
    return found;
}

static int locale_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'a')) {
        vl_puts(c, "C\nC.utf8\nPOSIX\n");
        return 0;
    }
    if (vl_has(c, 'm')) {
        vl_puts(c, "ANSI_X3.4-1968\n");
        return 0;
    }
    if (n == 0) {
        const char *lang = vk_getenv(c->p, "LANG"), *all = vk_getenv(c->p, "LC_ALL");
        const char *language = vk_getenv(c->p, "LANGUAGE");
        vl_printf(c, "LANG=%s\nLANGUAGE=%s\n", lang ? lang : "", language ? language : "");
        for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++) {
            const char *v = vk_getenv(c->p, categories[i]);
            bool set = !all && v && *v;
            const char *shown = all && *all ? all : set ? v : lang && *lang ? lang : "POSIX";
            vl_printf(c, set ? "%s=%s\n" : "%s=\"%s\"\n", categories[i], shown);
        }
        vl_printf(c, "LC_ALL=%s\n", all ? all : "");
        return 0;
    }
    const char *eff = vk_getenv(c->p, "LC_ALL");
    if (!eff || !*eff) eff = vk_getenv(c->p, "LC_CTYPE");
    if (!eff || !*eff) eff = vk_getenv(c->p, "LANG");
    utf8 = eff && (strstr(eff, "UTF-8") || strstr(eff, "utf8") || strstr(eff, "UTF8") ||
                   strstr(eff, "utf-8"));
    int status = 0;
    for (int i = 1; i <= n; i++)
        if (!show(c, argv[i], vl_has(c, 'k'), vl_has(c, 'c'))) {
            vl_eprintf(c, "%s: unknown name \"%s\"\n", c->name, argv[i]);
            status = 1;
        }
    return status;
}

static const vl_opt locale_opts[] = {
    {'a', "all-locales", VL_NOARG, NULL, "Write names of available locales"},
    {'m', "charmaps", VL_NOARG, NULL, "Write names of available charmaps"},
    {'c', "category-name", VL_NOARG, NULL, "Write names of selected categories"},
    {'k', "keyword-name", VL_NOARG, NULL, "Write names of selected keywords"},
    {'v', "verbose", VL_NOARG, NULL, "Print more information"},
    {0}};
VL_COMMAND(locale, locale_main, locale_opts, "[OPTION...] NAME\n  or:  locale [OPTION...] [-a|-m]",
           "Get locale-specific information.", 0, 1);
