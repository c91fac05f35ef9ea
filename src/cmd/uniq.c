/* uniq: GNU uniq: adjacent equal lines (after -f fields and -s chars, within -w chars, -i
 * ignoring case) collapse to one, counted with -c, filtered with -d -D -u, delimited with
 * --all-repeated=METHOD or --group=METHOD; INPUT and OUTPUT operands, the obsolete -N and +N.
 * It streams: only the previous line is kept. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

enum { OPT_ALLREP = 256, OPT_GROUP };
enum { DM_NONE, DM_PREPEND, DM_SEPARATE };
enum { GM_NONE, GM_PREPEND, GM_APPEND, GM_SEPARATE, GM_BOTH };

typedef struct uniq_opts {
    size_t skip_fields, skip_chars, check_chars;
    bool ignore_case, count;
    bool out_unique, out_first, out_later;
    int delimit, grouping;
    int delim;
} uniq_opts;

static bool is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n';
}

/* The part of a line (without its delimiter) that is compared. */
static const char *find_field(const uniq_opts *o, const char *p, size_t n, size_t *len)
{
    size_t i = 0;
    for (size_t f = 0; f < o->skip_fields && i < n; f++) {
        while (i < n && is_blank((unsigned char)p[i])) i++;
        while (i < n && !is_blank((unsigned char)p[i])) i++;
    }
    i += o->skip_chars < n - i ? o->skip_chars : n - i;
    *len = n - i;
    return p + i;
}

static int lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static bool different(const uniq_opts *o, const char *a, size_t an, const char *b, size_t bn)
{
    if (an > o->check_chars) an = o->check_chars;
    if (bn > o->check_chars) bn = o->check_chars;
    if (an != bn) return true;
    if (!o->ignore_case) return memcmp(a, b, an) != 0;
    for (size_t i = 0; i < an; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return true;
    return false;
}

/* Count work against the step budget; a limit ends the command at once. */
static void steps(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static void put_count(vl_ctx *c, uint64_t n)
{
    char buf[32];
    int k = 0;
    do {
        buf[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (int i = k; i < 7; i++) vl_putc(c, ' ');
    while (k) vl_putc(c, buf[--k]);
    vl_putc(c, ' ');
}

typedef struct prevline {
    vl_buf b;       /* the line with its delimiter */
    bool have;
    size_t foff, flen; /* compared field within b */
} prevline;

static void keep(vl_ctx *c, const uniq_opts *o, prevline *pl, const char *line, size_t n)
{
    pl->b.len = 0;
    vl_buf_add(c, &pl->b, line, n);
    if (n == 0 || line[n - 1] != (char)o->delim) vl_buf_addc(c, &pl->b, o->delim);
    size_t flen;
    const char *f = find_field(o, pl->b.data, pl->b.len - 1, &flen);
    pl->foff = (size_t)(f - pl->b.data);
    pl->flen = flen;
    pl->have = true;
}

static void write_line(vl_ctx *c, const uniq_opts *o, const prevline *pl, bool match,
                       uint64_t count)
{
    bool show = count == 0 ? o->out_unique : !match ? o->out_first : o->out_later;
    if (!show) return;
    if (o->count) put_count(c, count + 1);
    vl_write(c, pl->b.data, pl->b.len);
}

static void emit_line(vl_ctx *c, const uniq_opts *o, const char *line, size_t n)
{
    vl_write(c, line, n);
    if (n == 0 || line[n - 1] != (char)o->delim) vl_putc(c, o->delim);
}

static int uniq_stream(vl_ctx *c, const uniq_opts *o, vl_in *in)
{
    prevline pl = {{0}, false, 0, 0};
    char *line;
    ssize_t n;
    uint64_t lines = 0;
    if (o->out_unique && o->out_first && !o->count) {
        /* every group's first line (and with --group, every line, groups delimited) */
        bool printed = false;
        while ((n = vl_in_getdelim(c, in, o->delim, &line)) > 0) {
            size_t len = (size_t)n - (line[n - 1] == (char)o->delim);
            size_t flen;
            const char *f = find_field(o, line, len, &flen);
            bool new_group = !pl.have || different(o, f, flen, pl.b.data + pl.foff, pl.flen);
            if (new_group && o->grouping != GM_NONE &&
                (o->grouping == GM_PREPEND || o->grouping == GM_BOTH ||
                 (printed && (o->grouping == GM_APPEND || o->grouping == GM_SEPARATE))))
                vl_putc(c, o->delim);
            if (new_group || o->grouping != GM_NONE) {
                emit_line(c, o, line, (size_t)n);
                keep(c, o, &pl, line, (size_t)n);
                printed = true;
            }
            if ((++lines & 4095) == 0) steps(c, 64);
        }
        if ((o->grouping == GM_BOTH || o->grouping == GM_APPEND) && printed)
            vl_putc(c, o->delim);
    } else {
        uint64_t matches = 0;
        bool first_delim = true;
        while ((n = vl_in_getdelim(c, in, o->delim, &line)) > 0) {
            size_t len = (size_t)n - (line[n - 1] == (char)o->delim);
            size_t flen;
            const char *f = find_field(o, line, len, &flen);
            if (!pl.have) {
                keep(c, o, &pl, line, (size_t)n);
                continue;
            }
            bool match = !different(o, f, flen, pl.b.data + pl.foff, pl.flen);
            if (match) matches++;
            if (o->delimit != DM_NONE) {
                if (!match) {
                    if (matches) first_delim = false;
                } else if (matches == 1) {
                    if (o->delimit == DM_PREPEND || (o->delimit == DM_SEPARATE && !first_delim))
                        vl_putc(c, o->delim);
                }
            }
            if (!match || o->out_later) {
                write_line(c, o, &pl, match, matches);
                keep(c, o, &pl, line, (size_t)n);
                if (!match) matches = 0;
            }
            if ((++lines & 4095) == 0) steps(c, 64);
        }
        if (pl.have) write_line(c, o, &pl, false, matches);
    }
    vl_buf_free(c, &pl.b);
    return n < 0 ? (int)n : 0;
}

static size_t size_arg(vl_ctx *c, const char *arg, const char *what)
{
    int64_t v;
    int rc = vl_parse_int(arg, &v, false);
    if (rc == VOS_ERANGE && arg[strspn(arg, " \t\n\v\f\r")] != '-') return SIZE_MAX;
    if (rc < 0 || v < 0) vl_die(c, 1, "%s: %s", arg, what);
    return (size_t)v;
}

_Noreturn static void bad_method(vl_ctx *c, const char *arg, const char *opt, const char *valid,
                                 bool ambiguous)
{
    vl_eprintf(c, "%s: %s argument %s for '%s'\nValid arguments are:\n%s", c->name,
               ambiguous ? "ambiguous" : "invalid", vl_quote_locale(c, arg), opt, valid);
    vl_try_help(c);
}

/* GNU's argmatch over words[] (NULL-terminated): the index of an exact or unique prefix. */
static int method(vl_ctx *c, const char *arg, const char *opt, const char *const *words,
                  const char *valid)
{
    size_t n = strlen(arg);
    int hit = -1, nhit = 0;
    for (int i = 0; words[i]; i++) {
        if (strncmp(words[i], arg, n) != 0) continue;
        if (strlen(words[i]) == n) return i;
        hit = i;
        nhit++;
    }
    if (nhit == 1) return hit;
    bad_method(c, arg, opt, valid, nhit > 1);
}

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static int uniq_main(vl_ctx *c, int argc, char **argv)
{
    uniq_opts o;
    memset(&o, 0, sizeof o);
    o.check_chars = SIZE_MAX;
    o.out_unique = o.out_first = true;
    o.delim = '\n';
    /* the obsolete -N (skip N fields), taken out before the options proper */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] == '-' && all_digits(a + 1)) {
            for (const char *q = a + 1; *q; q++) {
                size_t d = (size_t)(*q - '0');
                o.skip_fields =
                    o.skip_fields > (SIZE_MAX - d) / 10 ? SIZE_MAX : o.skip_fields * 10 + d;
            }
            for (int j = i; j < argc; j++) argv[j] = argv[j + 1];
            argc--;
            i--;
            continue;
        }
        /* the separate argument of -f, -s, -w is not an option */
        size_t l = strlen(a);
        if (a[0] == '-' && a[1] != '-' && l >= 2 && strchr("fsw", a[l - 1]) &&
            strspn(a + 1, "cdDizu") == l - 2)
            i++;
        else if (a[0] == '-' && a[1] == '-' && !strchr(a, '=') && l > 3 &&
                 (strncmp(a + 2, "skip-fields", l - 2) == 0 ||
                  strncmp(a + 2, "skip-chars", l - 2) == 0 ||
                  strncmp(a + 2, "check-chars", l - 2) == 0))
            i++;
    }
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'f'))
        o.skip_fields = size_arg(c, vl_arg(c, 'f'), "invalid number of fields to skip");
    if (vl_has(c, 's')) o.skip_chars = size_arg(c, vl_arg(c, 's'), "invalid number of bytes to skip");
    if (vl_has(c, 'w'))
        o.check_chars = size_arg(c, vl_arg(c, 'w'), "invalid number of bytes to compare");
    o.ignore_case = vl_has(c, 'i');
    o.count = vl_has(c, 'c');
    if (vl_has(c, 'z')) o.delim = 0;
    if (vl_has(c, 'd')) o.out_unique = false;
    if (vl_has(c, 'u')) o.out_first = false;
    bool all_rep = vl_has(c, 'D') || vl_has(c, OPT_ALLREP);
    if (all_rep) {
        o.out_unique = false;
        o.out_later = true;
        const char *m = vl_arg(c, OPT_ALLREP);
        if (vl_last(c, OPT_ALLREP) > vl_last(c, 'D') && m) {
            static const char *const words[] = {"none", "prepend", "separate", NULL};
            o.delimit = method(c, m, "--all-repeated", words,
                               "  - 'none'\n  - 'prepend'\n  - 'separate'\n");
        }
    }
    if (vl_has(c, OPT_GROUP)) {
        const char *m = vl_arg(c, OPT_GROUP);
        o.grouping = GM_SEPARATE;
        if (m) {
            static const char *const words[] = {"prepend", "append", "separate", "both", NULL};
            static const int vals[] = {GM_PREPEND, GM_APPEND, GM_SEPARATE, GM_BOTH};
            o.grouping = vals[method(c, m, "--group", words,
                                     "  - 'prepend'\n  - 'append'\n  - 'separate'\n  - 'both'\n")];
        }
        if (o.count || vl_has(c, 'd') || all_rep || vl_has(c, 'u')) {
            vl_eprintf(c, "%s: --group is mutually exclusive with -c/-d/-D/-u\n", c->name);
            vl_try_help(c);
        }
    }
    if (all_rep && o.count) {
        vl_eprintf(c, "%s: printing all duplicated lines and repeat counts is meaningless\n",
                   c->name);
        vl_try_help(c);
    }
    /* operands: INPUT, OUTPUT; +N among them skips N chars */
    const char *files[2] = {"-", "-"};
    int nfiles = 0;
    for (int i = 1; i <= n; i++) {
        const char *a = argv[i];
        if (a[0] == '+' && all_digits(a + 1)) {
            o.skip_chars = size_arg(c, a + 1, "invalid number of bytes to skip");
            continue;
        }
        if (nfiles == 2) {
            vl_eprintf(c, "%s: extra operand %s\n", c->name, vl_quote_locale(c, a));
            vl_try_help(c);
        }
        files[nfiles++] = a;
    }
    vl_in *in = vl_in_open(c, files[0]);
    if (!in) return 1;
    if (strcmp(files[1], "-") != 0) {
        int fd = vk_open(c->p, files[1], VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) vl_die(c, 1, "%s: %s", vl_quote(c, files[1]), vl_strerror(fd));
        vl_flush(c);
        int rc = vk_dup2(c->p, fd, 1);
        vk_close(c->p, fd);
        if (rc < 0) vl_die(c, 1, "%s: %s", vl_quote(c, files[1]), vl_strerror(rc));
    }
    int rc = uniq_stream(c, &o, in);
    if (rc < 0) vl_die(c, 1, "%s: %s", vl_quote(c, files[0]), vl_strerror(rc));
    vl_in_close(c, in);
    return c->status;
}

static const vl_opt uniq_opts_tab[] = {
    {'c', "count", VL_NOARG, NULL, "prefix lines by the number of occurrences"},
    {'d', "repeated", VL_NOARG, NULL, "only print duplicate lines, one for each group"},
    {'D', NULL, VL_NOARG, NULL, "print all duplicate lines"},
    {OPT_ALLREP, "all-repeated", VL_OPTARG, "METHOD",
     "like -D, but allow separating groups\n  with an empty line;\n"
     "  METHOD={none(default),prepend,separate}"},
    {'f', "skip-fields", VL_ARG, "N", "avoid comparing the first N fields"},
    {OPT_GROUP, "group", VL_OPTARG, "METHOD",
     "show all items, separating groups with an empty line;\n"
     "  METHOD={separate(default),prepend,append,both}"},
    {'i', "ignore-case", VL_NOARG, NULL, "ignore differences in case when comparing"},
    {'s', "skip-chars", VL_ARG, "N", "avoid comparing the first N characters"},
    {'u', "unique", VL_NOARG, NULL, "only print unique lines"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {'w', "check-chars", VL_ARG, "N", "compare no more than N characters in lines"},
    {0}};
VL_COMMAND(uniq, uniq_main, uniq_opts_tab, "[OPTION]... [INPUT [OUTPUT]]",
           "Filter adjacent matching lines from INPUT (or standard input),\n"
           "writing to OUTPUT (or standard output).\n\n"
           "With no options, matching lines are merged to the first occurrence.\n\n"
           "A field is a run of blanks (usually spaces and/or TABs), then non-blank\n"
           "characters. Fields are skipped before chars.",
           0, 1);
