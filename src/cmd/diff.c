/* diff: compare files line by line, as GNU diffutils 3.8 does: the same hunks (the engine in
 * lib/diffcore.c), the normal, context, unified, ed, forward-ed, RCS, side-by-side and
 * if-then-else (-D and the %-format) outputs, directory comparison with -r/-N/-x/-S, binary
 * detection and the exit status 0/1/2. Both files are held in memory, as GNU does. It does not
 * paginate (-l) or colour (--color=always). */
#include "lib/cmd.h"
#include "lib/diffcore.h"
#include "lib/regex.h"
#include "lib/walk.h"

#include <stdlib.h>
#include <string.h>

enum {
    S_UNSPEC,
    S_NORMAL,
    S_CONTEXT,
    S_UNIFIED,
    S_ED,
    S_FED,
    S_RCS,
    S_SDIFF,
    S_IFDEF,
};

/* enum changes, as GNU names the four kinds of groups */
enum { UNCHANGED = 0, OLD = 1, NEW = 2, CHANGED = 3 };

enum {
    O_NORMAL = 256,
    O_CONTEXT_LONG,
    O_UNIFIED_LONG,
    O_LEFT_COLUMN,
    O_SUPPRESS_COMMON,
    O_LABEL,
    O_TABSIZE,
    O_SUPPRESS_BLANK,
    O_NO_DEREF,
    O_UNIDIR,
    O_IGN_NAME_CASE,
    O_NO_IGN_NAME_CASE,
    O_FROM_FILE,
    O_TO_FILE,
    O_STRIP_CR,
    O_OLD_GROUP,
    O_NEW_GROUP,
    O_UNCHANGED_GROUP,
    O_CHANGED_GROUP,
    O_LINE_FORMAT,
    O_OLD_LINE,
    O_NEW_LINE,
    O_UNCHANGED_LINE,
    O_HORIZON,
    O_SPEED,
    O_COLOR,
    O_PALETTE,
    O_BINARY,
    O_INHIBIT_MERGE,
};

/* a file of a comparison: desc is an fd, or one of these */
enum { NONEXISTENT = -1, UNOPENED = -2, ERRNO_BASE = -3 };
#define ERRNO_ENCODE(e) (ERRNO_BASE + (e)) /* e: a negative VOS code */
#define ERRNO_DECODE(d) ((d) - ERRNO_BASE)

typedef struct cfile {
    const char *name;
    int desc;
    struct vk_stat st;
    vl_dfile data;
} cfile;

typedef struct cmpr {
    struct cmpr const *parent;
    cfile file[2];
} cmpr;

typedef struct patlist {
    char **v;
    size_t n, cap;
} patlist;

typedef struct D {
    vl_ctx *c;
    /* options */
    int style;
    int64_t context, ocontext;
    bool explicit_context;
    int prev_opt;
    bool brief, report_identical, recursive, new_file, unidir_new_file, text;
    bool ignore_blank, ignore_name_case, no_deref, expand_tabs, initial_tab;
    bool suppress_blank_empty, left_column, suppress_common, show_c_function;
    bool strip_cr, minimal, speed_large;
    int ignore_ws;
    bool ignore_case;
    int64_t horizon;
    int tabsize;
    int64_t width;
    const char *label[2];
    int nlabel;
    const char *starting_file;
    const char *from_file, *to_file;
    patlist excl;
    const char *group_format[4];
    const char *line_format[3];
    const char *switch_string;
    bool no_diff_means_no_output;
    /* side by side */
    size_t sdiff_half_width, sdiff_column2_offset;
    /* the comparison being printed */
    cmpr *cur;
    const char *cur_name[2];
    bool cur_recursive;
    bool output_begun;
    cfile *files; /* cur->file */
    vl_dopts eng;
    /* -p */
    int64_t ff_last_search, ff_last_match;
    vl_buf func_pats, ignore_pats; /* -F / -p and -I patterns, one per line */
    vl_re *func_re, *ignore_re;
    /* side by side / ifdef cursors */
    int64_t next0, next1;
} D;

/* ---- small helpers ---- */

static bool robust(const D *d)
{
    return d->style != S_ED && d->style != S_FED;
}

/* End of line i of f as GNU's line buffer has it: a last line that lacked its newline ends
 * before the one the engine appended (in every style but the ed ones). */
static const char *lim(const D *d, const vl_dfile *f, int64_t i)
{
    const char *e = f->line[i + 1];
    if (i == f->nlines - 1 && f->missing_newline && robust(d)) e--;
    return e;
}

/* GNU diff's quoting of names in headers: C quotes when a name holds a space, a quote, a
 * backslash, a control character or a non-ASCII byte. */
static const char *hquote(D *d, const char *s)
{
    bool need = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\\' || *p >= 0x80) need = true;
    if (!need) return s;
    vl_buf b = {0};
    vl_buf_addc(d->c, &b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '\a': esc = "\\a"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\v': esc = "\\v"; break;
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        default: break;
        }
        if (esc) vl_buf_adds(d->c, &b, esc);
        else if (*p < ' ' || *p >= 0x7f) vl_buf_printf(d->c, &b, "\\%03o", *p);
        else vl_buf_addc(d->c, &b, *p);
    }
    vl_buf_addc(d->c, &b, '"');
    return b.data;
}

static const char *label_of(D *d, cmpr *cm, int f)
{
    return d->label[f] ? d->label[f] : cm->file[f].name;
}

/* ---- time stamps: "%Y-%m-%d %H:%M:%S.%N %z" in UTC ---- */

static void civil_from_days(int64_t z, int64_t *y, int *m, int *dd)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

/* -u: "%Y-%m-%d %H:%M:%S.%N %z"; -c in the C locale: "%a %b %e %T %Y" */
static void put_time(D *d, int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) frac += 1000000000, sec--;
    int64_t days = sec / 86400, rem = sec % 86400;
    if (rem < 0) rem += 86400, days--;
    int64_t y;
    int m, dd;
    civil_from_days(days, &y, &m, &dd);
    if (d->style == S_CONTEXT) {
        static const char wdays[] = "SunMonTueWedThuFriSat";
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        int wd = (int)(((days % 7) + 11) % 7);
        vl_printf(d->c, "%.3s %.3s %2d %02d:%02d:%02d %lld", wdays + 3 * wd, months + 3 * (m - 1),
                  dd, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (long long)y);
        return;
    }
    vl_printf(d->c, "%04lld-%02d-%02d %02d:%02d:%02d.%09lld +0000", (long long)y, m, dd,
              (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (long long)frac);
}

/* ---- output of lines ---- */

/* Write [base, limit) expanding tabs when -t (GNU's output_1_line). */
static void out_text(D *d, const char *base, const char *limit, const char *flag_fmt_flag,
                     bool initial_tab_fmt)
{
    vl_ctx *c = d->c;
    if (!d->expand_tabs) {
        vl_write(c, base, (size_t)(limit - base));
        return;
    }
    size_t column = 0, ts = (size_t)d->tabsize;
    for (const char *t = base; t < limit; t++) {
        unsigned char ch = (unsigned char)*t;
        switch (ch) {
        case '\t': {
            size_t spaces = ts - column % ts;
            column += spaces;
            while (spaces--) vl_putc(c, ' ');
            break;
        }
        case '\r':
            vl_putc(c, ch);
            if (flag_fmt_flag && t + 1 < limit && t[1] != '\n') {
                vl_puts(c, flag_fmt_flag);
                vl_putc(c, initial_tab_fmt ? '\t' : ' ');
            }
            column = 0;
            break;
        case '\b':
            if (column == 0) continue;
            column--;
            vl_putc(c, ch);
            break;
        default:
            column += ch >= 0x20 && ch < 0x7f;
            vl_putc(c, ch);
            break;
        }
    }
}

static void no_newline_note(D *d)
{
    vl_puts(d->c, "\n\\ No newline at end of file\n");
}

/* GNU's print_1_line_nl: flag (NULL or "" for none), a space or tab, the text, and the note
 * for a last line without newline. */
static void print_1_line(D *d, const char *flag, const vl_dfile *f, int64_t i)
{
    const char *base = f->line[i], *limit = lim(d, f, i);
    vl_ctx *c = d->c;
    bool has_flag = flag && *flag;
    if (has_flag) {
        if (d->suppress_blank_empty && *base == '\n') {
            if (strcmp(flag, " ") != 0) vl_puts(c, flag);
        } else {
            vl_puts(c, flag);
            vl_putc(c, d->initial_tab ? '\t' : ' ');
        }
    }
    out_text(d, base, limit, has_flag ? flag : NULL, d->initial_tab);
    if ((!flag || flag[0]) && limit[-1] != '\n') no_newline_note(d);
}

static int64_t translate(int64_t i)
{
    return i + 1;
}

/* "a,b" or "b" (GNU's print_number_range) */
static void print_number_range(D *d, char sep, int64_t a, int64_t b)
{
    int64_t ta = translate(a), tb = translate(b);
    if (tb > ta) vl_printf(d->c, "%lld%c%lld", (long long)ta, sep, (long long)tb);
    else vl_printf(d->c, "%lld", (long long)tb);
}

/* ---- hunks ---- */

static bool line_is_blank(D *d, const vl_dfile *f, int64_t i)
{
    const char *line = f->line[i];
    const char *newline = f->line[i + 1] - 1; /* the engine's lines always end in '\n' */
    bool skip_ws = d->ignore_ws >= VL_WS_TRAILING;
    bool skip_leading = skip_ws && d->ignore_ws >= VL_WS_CHANGE;
    const char *p = line;
    if (skip_ws) {
        for (; *p != '\n'; p++) {
            unsigned char ch = (unsigned char)*p;
            if (!(ch == ' ' || (ch >= '\t' && ch <= '\r'))) {
                if (!skip_leading) p = line;
                break;
            }
        }
    }
    return newline - p == 0;
}

static void free_re(void *re) { vl_re_free(re); }

/* Does line i of f match the -I patterns? */
static bool line_ignored(D *d, const vl_dfile *f, int64_t i)
{
    if (!d->ignore_re) return false;
    const char *line = f->line[i];
    size_t len = (size_t)(f->line[i + 1] - line);
    if (len && line[len - 1] == '\n') len--;
    int rc = vl_re_search(d->ignore_re, line, len, 0, VL_RE_ANY, NULL, 0);
    if (rc < 0 && rc != VL_RE_ECOMPLEX) vl_exit(d->c, 2); /* a limit: the process ends */
    return rc == 1;
}

/* GNU's analyze_hunk over changes v[a..b]: the line ranges, and which kinds of lines the
 * hunk has (0 when every changed line is ignorable under -B and -I). */
static int analyze_hunk(D *d, const vl_dchange *v, size_t a, size_t b, int64_t *first0,
                        int64_t *last0, int64_t *first1, int64_t *last1)
{
    bool trivial = d->ignore_blank || d->ignore_re;
    int64_t show_from = 0, show_to = 0, l0 = 0, l1 = 0;
    *first0 = v[a].line0;
    *first1 = v[a].line1;
    for (size_t k = a; k <= b; k++) {
        l0 = v[k].line0 + v[k].deleted - 1;
        l1 = v[k].line1 + v[k].inserted - 1;
        show_from += v[k].deleted;
        show_to += v[k].inserted;
        for (int64_t i = v[k].line0; i <= l0 && trivial; i++)
            if (!(d->ignore_blank && line_is_blank(d, &d->files[0].data, i)) &&
                !line_ignored(d, &d->files[0].data, i))
                trivial = false;
        for (int64_t i = v[k].line1; i <= l1 && trivial; i++)
            if (!(d->ignore_blank && line_is_blank(d, &d->files[1].data, i)) &&
                !line_ignored(d, &d->files[1].data, i))
                trivial = false;
    }
    *last0 = l0;
    *last1 = l1;
    if (trivial) return UNCHANGED;
    return (show_from ? OLD : 0) | (show_to ? NEW : 0);
}

/* The header line of a file in a directory comparison, and the context header. */
static void print_context_label(D *d, const char *mark, cfile *f, const char *name,
                                const char *label)
{
    if (label) {
        vl_printf(d->c, "%s %s\n", mark, label);
        return;
    }
    const char *qn = hquote(d, name);
    vl_printf(d->c, "%s %s\t", mark, qn);
    if (qn != name) vl_xfree(d->c, (void *)qn);
    put_time(d, f->st.mtime_ns);
    vl_putc(d->c, '\n');
}

static void begin_output(D *d)
{
    if (d->output_begun) return;
    d->output_begun = true;
    if (d->cur_recursive) {
        const char *a = hquote(d, d->cur_name[0]), *b = hquote(d, d->cur_name[1]);
        vl_printf(d->c, "diff%s %s %s\n", d->switch_string, a, b);
        if (a != d->cur_name[0]) vl_xfree(d->c, (void *)a);
        if (b != d->cur_name[1]) vl_xfree(d->c, (void *)b);
    }
    if (d->style == S_CONTEXT || d->style == S_UNIFIED) {
        bool uni = d->style == S_UNIFIED;
        print_context_label(d, uni ? "---" : "***", &d->files[0], d->files[0].name,
                            d->label[0]);
        print_context_label(d, uni ? "+++" : "---", &d->files[1], d->files[1].name,
                            d->label[1]);
    }
}

/* -p / -F: the last line before linenum in file 0 that matches the function patterns (-p's is
 * ^[[:alpha:]$_]: a line that starts with a letter, '_' or '$'). */
static bool is_function_line(D *d, const char *line, size_t len)
{
    int rc = vl_re_search(d->func_re, line, len, 0, VL_RE_ANY, NULL, 0);
    if (rc < 0 && rc != VL_RE_ECOMPLEX) vl_exit(d->c, 2);
    return rc == 1;
}

static const char *find_function(D *d, int64_t linenum)
{
    const vl_dfile *f = &d->files[0].data;
    int64_t i = linenum, last = d->ff_last_search;
    d->ff_last_search = i;
    while (last <= --i) {
        const char *line = f->line[i];
        size_t len = (size_t)(f->line[i + 1] - line - 1);
        if (is_function_line(d, line, len)) {
            d->ff_last_match = i;
            return line;
        }
    }
    if (d->ff_last_match != INT64_MAX) return f->line[d->ff_last_match];
    return NULL;
}

static void print_context_function(D *d, const char *function)
{
    int i, j;
    vl_putc(d->c, ' ');
    for (i = 0; (function[i] == ' ' || (function[i] >= '\t' && function[i] <= '\r')) &&
                function[i] != '\n';
         i++)
        continue;
    for (j = i; j < i + 40 && function[j] != '\n'; j++) continue;
    while (i < j && (function[j - 1] == ' ' || (function[j - 1] >= '\t' && function[j - 1] <= '\r')))
        j--;
    vl_write(d->c, function + i, (size_t)(j - i));
}

static void context_range(D *d, int64_t a, int64_t b, bool uni)
{
    int64_t ta = translate(a), tb = translate(b);
    if (uni) {
        if (tb <= ta) vl_printf(d->c, tb < ta ? "%lld,0" : "%lld", (long long)tb);
        else vl_printf(d->c, "%lld,%lld", (long long)ta, (long long)(tb - ta + 1));
    } else {
        if (tb <= ta) vl_printf(d->c, "%lld", (long long)tb);
        else vl_printf(d->c, "%lld,%lld", (long long)ta, (long long)tb);
    }
}

static void hunk_bounds(D *d, int64_t *first0, int64_t *last0, int64_t *first1, int64_t *last1)
{
    int64_t ctx = d->context;
    const vl_dfile *f0 = &d->files[0].data, *f1 = &d->files[1].data;
    *first0 = *first0 - ctx > 0 ? *first0 - ctx : 0;
    *first1 = *first1 - ctx > 0 ? *first1 - ctx : 0;
    if (*last0 < f0->nlines - ctx) *last0 += ctx;
    else *last0 = f0->nlines - 1;
    if (*last1 < f1->nlines - ctx) *last1 += ctx;
    else *last1 = f1->nlines - 1;
}

static void pr_unidiff_hunk(D *d, const vl_dchange *v, size_t a, size_t b)
{
    int64_t first0, last0, first1, last1;
    if (!analyze_hunk(d, v, a, b, &first0, &last0, &first1, &last1)) return;
    hunk_bounds(d, &first0, &last0, &first1, &last1);
    const char *function = d->func_re ? find_function(d, first0) : NULL;
    begin_output(d);
    vl_ctx *c = d->c;
    vl_puts(c, "@@ -");
    context_range(d, first0, last0, true);
    vl_puts(c, " +");
    context_range(d, first1, last1, true);
    vl_puts(c, " @@");
    if (function) print_context_function(d, function);
    vl_putc(c, '\n');
    const vl_dfile *f0 = &d->files[0].data, *f1 = &d->files[1].data;
    size_t next = a;
    bool have = true;
    int64_t i = first0, j = first1;
    while (i <= last0 || j <= last1) {
        if (!have || i < v[next].line0) {
            if (!(d->suppress_blank_empty && *f0->line[i] == '\n'))
                vl_putc(c, d->initial_tab ? '\t' : ' ');
            print_1_line(d, NULL, f0, i++);
            j++;
        } else {
            for (int64_t k = v[next].deleted; k > 0; k--) {
                vl_putc(c, '-');
                if (d->initial_tab && !(d->suppress_blank_empty && *f0->line[i] == '\n'))
                    vl_putc(c, '\t');
                print_1_line(d, NULL, f0, i++);
            }
            for (int64_t k = v[next].inserted; k > 0; k--) {
                vl_putc(c, '+');
                if (d->initial_tab && !(d->suppress_blank_empty && *f1->line[j] == '\n'))
                    vl_putc(c, '\t');
                print_1_line(d, NULL, f1, j++);
            }
            if (next == b) have = false;
            else next++;
        }
    }
}

static void pr_context_hunk(D *d, const vl_dchange *v, size_t a, size_t b)
{
    int64_t first0, last0, first1, last1;
    int changes = analyze_hunk(d, v, a, b, &first0, &last0, &first1, &last1);
    if (!changes) return;
    hunk_bounds(d, &first0, &last0, &first1, &last1);
    const char *function = d->func_re ? find_function(d, first0) : NULL;
    begin_output(d);
    vl_ctx *c = d->c;
    vl_puts(c, "***************");
    if (function) print_context_function(d, function);
    vl_puts(c, "\n*** ");
    context_range(d, first0, last0, false);
    vl_puts(c, " ****\n");
    if (changes & OLD) {
        size_t next = a;
        bool have = true;
        for (int64_t i = first0; i <= last0; i++) {
            while (have && v[next].line0 + v[next].deleted <= i) {
                if (next == b) have = false;
                else next++;
            }
            const char *prefix = " ";
            if (have && v[next].line0 <= i) prefix = v[next].inserted > 0 ? "!" : "-";
            print_1_line(d, prefix, &d->files[0].data, i);
        }
    }
    vl_puts(c, "--- ");
    context_range(d, first1, last1, false);
    vl_puts(c, " ----\n");
    if (changes & NEW) {
        size_t next = a;
        bool have = true;
        for (int64_t i = first1; i <= last1; i++) {
            while (have && v[next].line1 + v[next].inserted <= i) {
                if (next == b) have = false;
                else next++;
            }
            const char *prefix = " ";
            if (have && v[next].line1 <= i) prefix = v[next].deleted > 0 ? "!" : "+";
            print_1_line(d, prefix, &d->files[1].data, i);
        }
    }
}

static const char change_letter[] = {0, 'd', 'a', 'c'};

static void print_normal_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t first0, last0, first1, last1;
    int changes = analyze_hunk(d, v, a, a, &first0, &last0, &first1, &last1);
    if (!changes) return;
    begin_output(d);
    print_number_range(d, ',', first0, last0);
    vl_putc(d->c, change_letter[changes]);
    print_number_range(d, ',', first1, last1);
    vl_putc(d->c, '\n');
    if (changes & OLD)
        for (int64_t i = first0; i <= last0; i++) print_1_line(d, "<", &d->files[0].data, i);
    if (changes == CHANGED) vl_puts(d->c, "---\n");
    if (changes & NEW)
        for (int64_t i = first1; i <= last1; i++) print_1_line(d, ">", &d->files[1].data, i);
}

static void print_ed_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t f0, l0, f1, l1;
    int changes = analyze_hunk(d, v, a, a, &f0, &l0, &f1, &l1);
    if (!changes) return;
    begin_output(d);
    print_number_range(d, ',', f0, l0);
    vl_putc(d->c, change_letter[changes]);
    vl_putc(d->c, '\n');
    if (changes != OLD) {
        bool insert_mode = true;
        const vl_dfile *f = &d->files[1].data;
        for (int64_t i = f1; i <= l1; i++) {
            if (!insert_mode) {
                vl_puts(d->c, "a\n");
                insert_mode = true;
            }
            if (f->line[i][0] == '.' && f->line[i][1] == '\n') {
                vl_puts(d->c, "..\n.\ns/.//\n");
                insert_mode = false;
            } else {
                print_1_line(d, "", f, i);
            }
        }
        if (insert_mode) vl_puts(d->c, ".\n");
    }
}

static void pr_forward_ed_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t f0, l0, f1, l1;
    int changes = analyze_hunk(d, v, a, a, &f0, &l0, &f1, &l1);
    if (!changes) return;
    begin_output(d);
    vl_putc(d->c, change_letter[changes]);
    print_number_range(d, ' ', f0, l0);
    vl_putc(d->c, '\n');
    if (changes == OLD) return;
    for (int64_t i = f1; i <= l1; i++) print_1_line(d, "", &d->files[1].data, i);
    vl_puts(d->c, ".\n");
}

static void print_rcs_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t f0, l0, f1, l1;
    int changes = analyze_hunk(d, v, a, a, &f0, &l0, &f1, &l1);
    if (!changes) return;
    begin_output(d);
    int64_t tf0 = translate(f0), tl0 = translate(l0);
    if (changes & OLD)
        vl_printf(d->c, "d%lld %lld\n", (long long)tf0, (long long)(tf0 <= tl0 ? tl0 - tf0 + 1 : 1));
    if (changes & NEW) {
        int64_t tf1 = translate(f1), tl1 = translate(l1);
        vl_printf(d->c, "a%lld %lld\n", (long long)tl0, (long long)(tf1 <= tl1 ? tl1 - tf1 + 1 : 1));
        for (int64_t i = f1; i <= l1; i++) print_1_line(d, "", &d->files[1].data, i);
    }
}

/* ---- side by side ---- */

static size_t tab_from_to(D *d, size_t from, size_t to)
{
    size_t ts = (size_t)d->tabsize;
    if (!d->expand_tabs)
        for (size_t tab = from + ts - from % ts; tab <= to; tab += ts) {
            vl_putc(d->c, '\t');
            from = tab;
        }
    while (from++ < to) vl_putc(d->c, ' ');
    return to;
}

static size_t print_half_line(D *d, const char *tp, const char *tlim, size_t indent,
                              size_t out_bound)
{
    vl_ctx *c = d->c;
    size_t in_position = 0, out_position = 0, ts = (size_t)d->tabsize;
    while (tp < tlim) {
        unsigned char ch = (unsigned char)*tp++;
        switch (ch) {
        case '\t': {
            size_t spaces = ts - in_position % ts;
            if (in_position == out_position) {
                size_t tabstop = out_position + spaces;
                if (d->expand_tabs) {
                    if (out_bound < tabstop) tabstop = out_bound;
                    for (; out_position < tabstop; out_position++) vl_putc(c, ' ');
                } else if (tabstop < out_bound) {
                    out_position = tabstop;
                    vl_putc(c, ch);
                }
            }
            in_position += spaces;
            break;
        }
        case '\r':
            vl_putc(c, ch);
            tab_from_to(d, 0, indent);
            in_position = out_position = 0;
            break;
        case '\b':
            if (in_position != 0 && --in_position < out_bound) {
                if (out_position <= in_position)
                    for (; out_position < in_position; out_position++) vl_putc(c, ' ');
                else {
                    out_position = in_position;
                    vl_putc(c, ch);
                }
            }
            break;
        case '\n':
            return out_position;
        default:
            if (ch >= 0x20 && ch < 0x7f) {
                if (in_position++ < out_bound) {
                    out_position = in_position;
                    vl_putc(c, ch);
                }
            } else if (ch < 0x80 && ch != '\f' && ch != '\v') {
                /* other control characters: no width */
                if (in_position <= out_bound) {
                    out_position = in_position;
                    vl_putc(c, ch);
                }
            } else {
                if (in_position < out_bound) vl_putc(c, ch);
            }
            break;
        }
    }
    return out_position;
}

static void print_1sdiff_line(D *d, const vl_dfile *lf, int64_t li, char sep, const vl_dfile *rf,
                              int64_t ri)
{
    size_t hw = d->sdiff_half_width, c2o = d->sdiff_column2_offset, col = 0;
    bool put_newline = false;
    if (lf) {
        const char *e = lim(d, lf, li);
        put_newline |= e[-1] == '\n';
        col = print_half_line(d, lf->line[li], e, 0, hw);
    }
    if (sep != ' ') {
        col = tab_from_to(d, col, (hw + c2o - 1) / 2) + 1;
        if (sep == '|' && put_newline != (lim(d, rf, ri)[-1] == '\n'))
            sep = put_newline ? '/' : '\\';
        vl_putc(d->c, sep);
    }
    if (rf) {
        const char *e = lim(d, rf, ri);
        put_newline |= e[-1] == '\n';
        if (*rf->line[ri] != '\n') {
            col = tab_from_to(d, col, c2o);
            print_half_line(d, rf->line[ri], e, col, hw);
        }
    }
    if (put_newline) vl_putc(d->c, '\n');
}

static void print_sdiff_common_lines(D *d, int64_t limit0, int64_t limit1)
{
    int64_t i0 = d->next0, i1 = d->next1;
    const vl_dfile *f0 = &d->files[0].data, *f1 = &d->files[1].data;
    if (!d->suppress_common && (i0 != limit0 || i1 != limit1)) {
        if (!d->left_column) {
            while (i0 != limit0 && i1 != limit1) print_1sdiff_line(d, f0, i0++, ' ', f1, i1++);
            while (i1 != limit1) print_1sdiff_line(d, NULL, 0, ')', f1, i1++);
        }
        while (i0 != limit0) print_1sdiff_line(d, f0, i0++, '(', NULL, 0);
    }
    d->next0 = limit0;
    d->next1 = limit1;
}

static void print_sdiff_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t first0, last0, first1, last1;
    int changes = analyze_hunk(d, v, a, a, &first0, &last0, &first1, &last1);
    if (!changes) return;
    const vl_dfile *f0 = &d->files[0].data, *f1 = &d->files[1].data;
    print_sdiff_common_lines(d, first0, first1);
    if (changes == CHANGED) {
        int64_t i, j;
        for (i = first0, j = first1; i <= last0 && j <= last1; i++, j++)
            print_1sdiff_line(d, f0, i, '|', f1, j);
        changes = (i <= last0 ? OLD : 0) + (j <= last1 ? NEW : 0);
        d->next0 = first0 = i;
        d->next1 = first1 = j;
    }
    if (changes & NEW) {
        int64_t j;
        for (j = first1; j <= last1; ++j) print_1sdiff_line(d, NULL, 0, '>', f1, j);
        d->next1 = j;
    }
    if (changes & OLD) {
        int64_t i;
        for (i = first0; i <= last0; ++i) print_1sdiff_line(d, f0, i, '<', NULL, 0);
        d->next0 = i;
    }
}

/* ---- if-then-else formats (-D, --GTYPE-group-format, --LTYPE-line-format) ---- */

typedef struct group {
    const vl_dfile *file;
    int64_t from, upto;
} group;

static int64_t groups_letter_value(const group *g, char letter)
{
    switch (letter) {
    case 'E': letter = 'e'; g++; break;
    case 'F': letter = 'f'; g++; break;
    case 'L': letter = 'l'; g++; break;
    case 'M': letter = 'm'; g++; break;
    case 'N': letter = 'n'; g++; break;
    default: break;
    }
    switch (letter) {
    case 'e': return translate(g->from) - 1;
    case 'f': return translate(g->from);
    case 'l': return translate(g->upto) - 1;
    case 'm': return translate(g->upto);
    case 'n': return g->upto - g->from;
    default: return -1;
    }
}

static const char *scan_char_literal(const char *lit, char *valptr)
{
    const char *p = lit;
    char value;
    char ch = *p++;
    switch (ch) {
    case 0:
    case '\'':
        return NULL;
    case '\\': {
        value = 0;
        while ((ch = *p++) != '\'') {
            unsigned digit = (unsigned)(unsigned char)ch - '0';
            if (8 <= digit) return NULL;
            value = (char)(8 * value + (int)digit);
        }
        ptrdiff_t digits = p - lit - 2;
        if (!(1 <= digits && digits <= 3)) return NULL;
        break;
    }
    default:
        value = ch;
        if (*p++ != '\'') return NULL;
        break;
    }
    *valptr = value;
    return p;
}

/* %[-'0]*[0-9]*(.[0-9]*)?[cdoxX]: with file, a line number spec (n); else a group letter. */
static const char *do_printf_spec(D *d, bool out, const char *spec, const vl_dfile *file,
                                  int64_t n, const group *groups)
{
    const char *f = spec + 1;
    char ch, c1;
    while ((ch = *f++) == '-' || ch == '\'' || ch == '0') continue;
    while (ch >= '0' && ch <= '9') ch = *f++;
    if (ch == '.')
        while ((ch = *f++) >= '0' && ch <= '9') continue;
    c1 = *f++;
    switch (ch) {
    case 'c':
        if (c1 != '\'') return NULL;
        {
            char value = 0;
            f = scan_char_literal(f, &value);
            if (!f) return NULL;
            if (out) vl_putc(d->c, (unsigned char)value);
        }
        break;
    case 'd':
    case 'o':
    case 'x':
    case 'X': {
        int64_t value;
        if (file) {
            if (c1 != 'n') return NULL;
            value = translate(n);
        } else {
            value = groups_letter_value(groups, c1);
            if (value < 0) return NULL;
        }
        if (out) {
            size_t plen = (size_t)(f - spec - 2);
            char fmt[64];
            if (plen > 40) plen = 40;
            memcpy(fmt, spec, plen);
            fmt[plen] = 'l';
            fmt[plen + 1] = 'l';
            fmt[plen + 2] = ch;
            fmt[plen + 3] = 0;
            vl_printf(d->c, fmt, (long long)value);
        }
        break;
    }
    default:
        return NULL;
    }
    return f;
}

static void print_ifdef_lines(D *d, bool out, const char *format, const group *g)
{
    const vl_dfile *file = g->file;
    int64_t from = g->from, upto = g->upto;
    if (!out) return;
    vl_ctx *c = d->c;
    for (; from < upto; from++) {
        const char *f = format;
        char ch;
        while ((ch = *f++) != 0) {
            const char *f1 = f;
            if (ch == '%') {
                switch ((ch = *f++)) {
                case '%':
                    break;
                case 'l': {
                    const char *e = lim(d, file, from);
                    out_text(d, file->line[from], e - (e[-1] == '\n'), NULL, false);
                    continue;
                }
                case 'L':
                    out_text(d, file->line[from], lim(d, file, from), NULL, false);
                    continue;
                default:
                    f = do_printf_spec(d, true, f - 2, file, from, NULL);
                    if (f) continue;
                    ch = '%';
                    f = f1;
                    break;
                }
            }
            vl_putc(c, (unsigned char)ch);
        }
    }
}

static const char *format_group(D *d, bool out, const char *format, char endchar,
                                const group *groups)
{
    const char *f = format;
    char ch;
    while ((ch = *f) != endchar && ch != 0) {
        const char *f1 = ++f;
        if (ch == '%') {
            switch ((ch = *f++)) {
            case '%':
                break;
            case '(': {
                int64_t value[2];
                bool bad = false;
                for (int i = 0; i < 2 && !bad; i++) {
                    if (*f >= '0' && *f <= '9') {
                        uint64_t v = 0;
                        while (*f >= '0' && *f <= '9') {
                            if (v > (UINT64_MAX - 9) / 10) bad = true;
                            v = v * 10 + (uint64_t)(*f++ - '0');
                        }
                        value[i] = (int64_t)v;
                    } else {
                        value[i] = groups_letter_value(groups, *f);
                        if (value[i] == -1) bad = true;
                        f++;
                    }
                    if (!bad && *f++ != "=?"[i]) bad = true;
                }
                if (bad) {
                    ch = '%';
                    f = f1;
                    break;
                }
                bool thenout = out && value[0] == value[1];
                bool elseout = out && value[0] != value[1];
                f = format_group(d, thenout, f, ':', groups);
                if (*f) {
                    f = format_group(d, elseout, f + 1, ')', groups);
                    if (*f) f++;
                }
                continue;
            }
            case '<':
                print_ifdef_lines(d, out, d->line_format[OLD], &groups[0]);
                continue;
            case '=':
                print_ifdef_lines(d, out, d->line_format[UNCHANGED], &groups[0]);
                continue;
            case '>':
                print_ifdef_lines(d, out, d->line_format[NEW], &groups[1]);
                continue;
            default:
                f = do_printf_spec(d, out, f - 2, NULL, 0, groups);
                if (f) continue;
                ch = '%';
                f = f1;
                break;
            }
        }
        if (out) vl_putc(d->c, (unsigned char)ch);
    }
    return f;
}

static void format_ifdef(D *d, const char *format, int64_t beg0, int64_t end0, int64_t beg1,
                         int64_t end1)
{
    group g[2] = {{&d->files[0].data, beg0, end0}, {&d->files[1].data, beg1, end1}};
    format_group(d, true, format, 0, g);
}

static void print_ifdef_hunk(D *d, const vl_dchange *v, size_t a)
{
    int64_t first0, last0, first1, last1;
    int changes = analyze_hunk(d, v, a, a, &first0, &last0, &first1, &last1);
    if (!changes) return;
    begin_output(d);
    if (d->next0 < first0 || d->next1 < first1)
        format_ifdef(d, d->group_format[UNCHANGED], d->next0, first0, d->next1, first1);
    d->next0 = last0 + 1;
    d->next1 = last1 + 1;
    format_ifdef(d, d->group_format[changes], first0, d->next0, first1, d->next1);
}

/* ---- the script ---- */

/* Index of the last change of the hunk starting at a: changes closer than 2*context+1 lines
 * (context lines when the next change is ignorable) stay together. */
static size_t find_hunk(D *d, const vl_dchange *v, size_t n, size_t a)
{
    int64_t ignorable_threshold = d->context;
    int64_t threshold = 2 * d->context + 1;
    size_t k = a;
    for (;;) {
        int64_t top0 = v[k].line0 + v[k].deleted;
        if (k + 1 >= n) return k;
        int64_t th = v[k + 1].ignore ? ignorable_threshold : threshold;
        if (!(v[k + 1].line0 - top0 < th)) return k;
        k++;
    }
}

static void mark_ignorable(D *d, vl_dchange *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        int64_t a, b, e, f;
        v[k].ignore = !analyze_hunk(d, v, k, k, &a, &b, &e, &f);
    }
}

static void print_script(D *d, vl_dchange *v, size_t n)
{
    switch (d->style) {
    case S_CONTEXT:
    case S_UNIFIED: {
        if (d->ignore_blank || d->ignore_re) mark_ignorable(d, v, n);
        d->ff_last_search = 0;
        d->ff_last_match = INT64_MAX;
        for (size_t a = 0; a < n;) {
            size_t b = find_hunk(d, v, n, a);
            if (d->style == S_UNIFIED) pr_unidiff_hunk(d, v, a, b);
            else pr_context_hunk(d, v, a, b);
            a = b + 1;
        }
        break;
    }
    case S_ED:
        for (size_t k = n; k-- > 0;) print_ed_hunk(d, v, k);
        break;
    case S_FED:
        for (size_t k = 0; k < n; k++) pr_forward_ed_hunk(d, v, k);
        break;
    case S_RCS:
        for (size_t k = 0; k < n; k++) print_rcs_hunk(d, v, k);
        break;
    case S_SDIFF:
        begin_output(d);
        d->next0 = d->next1 = 0;
        for (size_t k = 0; k < n; k++) print_sdiff_hunk(d, v, k);
        print_sdiff_common_lines(d, d->files[0].data.nlines, d->files[1].data.nlines);
        break;
    case S_IFDEF:
        d->next0 = d->next1 = 0;
        for (size_t k = 0; k < n; k++) print_ifdef_hunk(d, v, k);
        if (d->next0 < d->files[0].data.nlines || d->next1 < d->files[1].data.nlines) {
            begin_output(d);
            format_ifdef(d, d->group_format[UNCHANGED], d->next0, d->files[0].data.nlines,
                         d->next1, d->files[1].data.nlines);
        }
        break;
    default:
        for (size_t k = 0; k < n; k++) print_normal_hunk(d, v, k);
        break;
    }
}

/* ---- comparing two files ---- */

static int read_file(D *d, cfile *f)
{
    if (f->desc < 0) {
        f->data.buf = NULL;
        f->data.len = 0;
        return 0;
    }
    return vl_dread_fd(d->c, f->desc, &f->data.buf, &f->data.len);
}

static void briefly_report(D *d, cmpr *cm, bool changes)
{
    if (changes)
        vl_printf(d->c, d->brief ? "Files %s and %s differ\n" : "Binary files %s and %s differ\n",
                  label_of(d, cm, 0), label_of(d, cm, 1));
}

static int diff_2_files(D *d, cmpr *cm)
{
    vl_ctx *c = d->c;
    cfile *fv = cm->file;
    bool same_desc = fv[0].desc >= 0 && fv[0].desc == fv[1].desc;
    for (int f = 0; f < 2; f++) {
        if (f == 1 && same_desc) {
            fv[1].data = fv[0].data;
            break;
        }
        int rc = read_file(d, &fv[f]);
        if (rc < 0) {
            vl_perror(c, fv[f].name, rc);
            return 2;
        }
    }
    /* byte-identical files: nothing to find (the ed styles still warn about a missing final
     * newline, so they take the long way) */
    if (d->no_diff_means_no_output && fv[0].data.len == fv[1].data.len &&
        (same_desc || memcmp(fv[0].data.buf, fv[1].data.buf, fv[0].data.len) == 0) &&
        (robust(d) || fv[0].data.len == 0 || fv[0].data.buf[fv[0].data.len - 1] == '\n'))
        return 0;
    bool can_be_binary = d->brief && !d->ignore_blank && !d->ignore_re && d->ignore_ws == VL_WS_NONE &&
                         !d->ignore_case && !d->strip_cr;
    bool binary = can_be_binary;
    if (!d->text && !binary)
        for (int f = 0; f < 2; f++) {
            size_t k = fv[f].data.len < 4096 ? fv[f].data.len : 4096;
            if (k && memchr(fv[f].data.buf, 0, k)) binary = true;
        }
    if (binary) {
        bool changes;
        if (fv[0].data.len != fv[1].data.len) changes = true;
        else if (same_desc) changes = false;
        else changes = fv[0].data.len && memcmp(fv[0].data.buf, fv[1].data.buf, fv[0].data.len);
        briefly_report(d, cm, changes);
        return changes ? 1 : 0;
    }

    for (int f = 0; f < 2; f++) {
        if (f == 1 && same_desc) {
            fv[1].data = fv[0].data;
            break;
        }
        vl_dprepare(c, &fv[f].data, d->strip_cr);
    }
    vl_dfile pair[2] = {fv[0].data, fv[1].data};
    size_t n = 0;
    vl_dchange *v = vl_dcompare(c, pair, &d->eng, &n);

    bool changes;
    if (d->ignore_blank || d->ignore_re) {
        d->files = fv;
        changes = false;
        for (size_t k = 0; k < n && !changes; k++) {
            int64_t a, b, e, f;
            if (analyze_hunk(d, v, k, k, &a, &b, &e, &f)) changes = true;
        }
    } else {
        changes = n != 0;
    }
    if (d->brief) {
        briefly_report(d, cm, changes);
    } else if (changes || !d->no_diff_means_no_output) {
        d->files = fv;
        d->cur = cm;
        d->cur_name[0] = label_of(d, cm, 0);
        d->cur_name[1] = label_of(d, cm, 1);
        d->cur_recursive = cm->parent != NULL;
        d->output_begun = false;
        print_script(d, v, n);
    }
    vl_xfree(c, v);
    int status = changes ? 1 : 0;
    /* an ed script cannot say that a file lacks its final newline */
    if (!robust(d))
        for (int f = 0; f < 2; f++)
            if (fv[f].data.missing_newline) {
                vl_eprintf(c, "%s: %s: No newline at end of file\n\n", c->name, label_of(d, cm, f));
                status = 2;
            }
    return status;
}

/* ---- directories ---- */

/* fnmatch without flags (GNU's exclude with EXCLUDE_WILDCARDS) */
static bool match_pat(const char *p, const char *s, bool fold)
{
    while (*p) {
        char pc = *p++;
        switch (pc) {
        case '?':
            if (!*s) return false;
            s++;
            break;
        case '*':
            while (*p == '*') p++;
            if (!*p) return true;
            for (; *s; s++)
                if (match_pat(p, s, fold)) return true;
            return match_pat(p, s, fold);
        case '[': {
            if (!*s) return false;
            const char *q = p;
            bool neg = false;
            if (*q == '!' || *q == '^') neg = true, q++;
            bool ok = false, first = true;
            unsigned char sc = (unsigned char)*s;
            if (fold && sc >= 'A' && sc <= 'Z') sc = (unsigned char)(sc + 32);
            while (*q && (first || *q != ']')) {
                first = false;
                unsigned char lo = (unsigned char)*q++;
                if (lo == '\\' && *q) lo = (unsigned char)*q++;
                unsigned char hi = lo;
                if (*q == '-' && q[1] && q[1] != ']') {
                    q++;
                    hi = (unsigned char)*q++;
                    if (hi == '\\' && *q) hi = (unsigned char)*q++;
                }
                if (fold) {
                    if (lo >= 'A' && lo <= 'Z') lo = (unsigned char)(lo + 32);
                    if (hi >= 'A' && hi <= 'Z') hi = (unsigned char)(hi + 32);
                }
                if (lo <= sc && sc <= hi) ok = true;
            }
            if (*q != ']') { /* no closing bracket: a literal '[' */
                if (*s != '[') return false;
                s++;
                break;
            }
            if (ok == neg) return false;
            p = q + 1;
            s++;
            break;
        }
        case '\\':
            if (*p) pc = *p++;
            /* fall through */
        default: {
            unsigned char a = (unsigned char)pc, b = (unsigned char)*s;
            if (fold) {
                if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
                if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
            }
            if (!*s || a != b) return false;
            s++;
            break;
        }
        }
    }
    return *s == 0;
}

static bool excluded(D *d, const char *name)
{
    for (size_t i = 0; i < d->excl.n; i++)
        if (match_pat(d->excl.v[i], name, d->ignore_name_case)) return true;
    return false;
}

static int compare_files(D *d, cmpr const *parent, const char *name0, const char *name1);

static int name_cmp(D *d, const char *a, const char *b)
{
    if (!d->ignore_name_case) return strcmp(a, b);
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y || !x) return x - y;
    }
}

static int sort_cmp(const void *a, const void *b, void *ud)
{
    return name_cmp(ud, *(char *const *)a, *(char *const *)b);
}

/* Is side i of cm one of its own ancestors (a symbolic link up the tree)? */
static bool dir_loop(const cmpr *cm, int i)
{
    for (const cmpr *p = cm->parent; p; p = p->parent)
        if (p->file[i].st.dev == cm->file[i].st.dev && p->file[i].st.ino == cm->file[i].st.ino)
            return true;
    return false;
}

static int diff_dirs(D *d, cmpr *cm)
{
    vl_ctx *c = d->c;
    vl_names nm[2] = {{0}, {0}};
    if ((cm->file[0].desc == NONEXISTENT || dir_loop(cm, 0)) &&
        (cm->file[1].desc == NONEXISTENT || dir_loop(cm, 1))) {
        vl_error(c, "%s: recursive directory loop",
                 vl_quote(c, cm->file[cm->file[0].desc == NONEXISTENT].name));
        return 2;
    }
    if (vk_stack_low()) {
        vl_error(c, "%s: directory nesting too deep", vl_quote(c, cm->file[0].name));
        return 2;
    }
    for (int f = 0; f < 2; f++) {
        if (cm->file[f].desc == NONEXISTENT) continue;
        int rc = vl_dir_names(c, cm->file[f].name, &nm[f]);
        if (rc < 0) {
            vl_perror(c, cm->file[f].name, rc);
            return 2;
        }
        size_t k = 0;
        for (size_t i = 0; i < nm[f].n; i++) {
            const char *s = nm[f].v[i];
            if (excluded(d, s) ||
                (!cm->parent && d->starting_file && name_cmp(d, s, d->starting_file) < 0)) {
                vl_xfree(c, nm[f].v[i]);
                continue;
            }
            nm[f].v[k++] = nm[f].v[i];
        }
        nm[f].n = k;
        if (d->ignore_name_case) {
            qsort_r(nm[f].v, nm[f].n, sizeof *nm[f].v, sort_cmp, d);
        } else {
            vl_names_sort(c, &nm[f]);
        }
    }
    int val = 0;
    size_t i = 0, j = 0;
    while (i < nm[0].n || j < nm[1].n) {
        vl_dsteps(c, 1);
        int nameorder = i >= nm[0].n ? 1 : j >= nm[1].n ? -1 : name_cmp(d, nm[0].v[i], nm[1].v[j]);
        const char *a = nameorder <= 0 ? nm[0].v[i] : NULL;
        const char *b = nameorder >= 0 ? nm[1].v[j] : NULL;
        int v1 = compare_files(d, cm, a, b);
        if (v1 > val) val = v1;
        if (nameorder <= 0) i++;
        if (nameorder >= 0) j++;
    }
    vl_names_free(c, &nm[0]);
    vl_names_free(c, &nm[1]);
    return val;
}

static const char *file_type(const struct vk_stat *st)
{
    return vl_file_type(st->mode, st->size);
}

static int compare_files(D *d, cmpr const *parent, const char *name0, const char *name1)
{
    vl_ctx *c = d->c;
    cmpr cm;
    memset(&cm, 0, sizeof cm);
    int status = 0;
    if (!((name0 && name1) || (d->unidir_new_file && name1) || d->new_file)) {
        const char *name = name0 ? name0 : name1;
        const char *dir = parent->file[!name0].name;
        vl_printf(c, "Only in %s: %s\n", dir, name);
        return 1;
    }
    cm.parent = parent;
    cm.file[0].desc = name0 ? UNOPENED : NONEXISTENT;
    cm.file[1].desc = name1 ? UNOPENED : NONEXISTENT;
    if (!name0) name0 = name1;
    if (!name1) name1 = name0;
    char *owned[2] = {NULL, NULL}; /* names made here, freed on the way out */
    if (!parent) {
        cm.file[0].name = name0;
        cm.file[1].name = name1;
    } else {
        cm.file[0].name = owned[0] = vl_path_join(c, parent->file[0].name, name0);
        cm.file[1].name = owned[1] = vl_path_join(c, parent->file[1].name, name1);
    }

    for (int f = 0; f < 2; f++) {
        cfile *cf = &cm.file[f];
        if (cf->desc == NONEXISTENT) continue;
        if (f && strcmp(cf->name, cm.file[0].name) == 0) {
            cf->desc = cm.file[0].desc;
            cf->st = cm.file[0].st;
        } else if (strcmp(cf->name, "-") == 0) {
            cf->desc = 0;
            int rc = vk_fstat(c->p, 0, &cf->st);
            if (rc < 0) cf->desc = ERRNO_ENCODE(rc);
            else cf->st.mtime_ns = vk_time_ns(c->p);
        } else {
            int rc = d->no_deref ? vk_lstat(c->p, cf->name, &cf->st)
                                 : vk_stat(c->p, cf->name, &cf->st);
            if (rc < 0) cf->desc = ERRNO_ENCODE(rc);
            /* a pipe (<(cmd)) has no time of its own in the VM: GNU shows the pipe's, about now */
            else if (VK_S_ISFIFO(cf->st.mode) && cf->st.mtime_ns == 0) cf->st.mtime_ns = vk_time_ns(c->p);
        }
    }
    for (int f = 0; f < 2; f++) {
        cfile *cf = &cm.file[f], *other = &cm.file[1 - f];
        if (!(d->new_file || (f == 0 && d->unidir_new_file))) continue;
        bool none;
        if (cf->desc == UNOPENED)
            none = VK_S_ISREG(cf->st.mode) && !(cf->st.mode & 0777) && cf->st.size == 0;
        else
            none = (cf->desc == ERRNO_ENCODE(VOS_ENOENT) || cf->desc == ERRNO_ENCODE(VOS_EBADF)) &&
                   !parent && (other->desc == UNOPENED || other->desc == 0);
        if (none) cf->desc = NONEXISTENT;
    }
    for (int f = 0; f < 2; f++)
        if (cm.file[f].desc == NONEXISTENT) {
            memset(&cm.file[f].st, 0, sizeof cm.file[f].st);
            cm.file[f].st.mode = cm.file[1 - f].st.mode;
        }
    for (int f = 0; f < 2; f++) {
        int desc = cm.file[f].desc;
        if (desc <= ERRNO_BASE) {
            vl_perror(c, cm.file[f].name, ERRNO_DECODE(desc));
            status = 2;
        }
    }
#define DIR_P(f) (VK_S_ISDIR(cm.file[f].st.mode) != 0)
    if (status == 0 && !parent && DIR_P(0) != DIR_P(1)) {
        int fnm_arg = DIR_P(0);
        int dir_arg = 1 - fnm_arg;
        const char *fnm = cm.file[fnm_arg].name;
        const char *dir = cm.file[dir_arg].name;
        char *base = vl_basename(c, fnm);
        const char *filename = vl_path_join(c, dir, base);
        cm.file[dir_arg].name = filename;
        if (strcmp(fnm, "-") == 0) vl_die(c, 2, "cannot compare '-' to a directory");
        int rc = d->no_deref ? vk_lstat(c->p, filename, &cm.file[dir_arg].st)
                             : vk_stat(c->p, filename, &cm.file[dir_arg].st);
        if (rc < 0) {
            vl_perror(c, filename, rc);
            status = 2;
        }
    }
    if (status != 0) {
        /* a file that should exist does not */
    } else if (cm.file[0].desc == NONEXISTENT && cm.file[1].desc == NONEXISTENT) {
        /* nothing to compare */
    } else if (cm.file[0].desc != NONEXISTENT && cm.file[1].desc != NONEXISTENT &&
               cm.file[0].st.dev == cm.file[1].st.dev && cm.file[0].st.ino == cm.file[1].st.ino &&
               cm.file[0].st.mode == cm.file[1].st.mode && cm.file[0].st.size == cm.file[1].st.size &&
               cm.file[0].st.mtime_ns == cm.file[1].st.mtime_ns && cm.file[0].desc != 0 &&
               !VK_S_ISFIFO(cm.file[0].st.mode) && cm.file[0].st.ino != 0 &&
               cm.file[1].desc != 0 && d->no_diff_means_no_output) {
        /* the same file: identical without reading it */
    } else if (DIR_P(0) && DIR_P(1)) {
        if (d->style == S_IFDEF) vl_die(c, 2, "-D option not supported with directories");
        if (parent && !d->recursive)
            vl_printf(c, "Common subdirectories: %s and %s\n", cm.file[0].name, cm.file[1].name);
        else
            status = diff_dirs(d, &cm);
    } else if ((DIR_P(0) || DIR_P(1)) ||
               (parent && !((VK_S_ISREG(cm.file[0].st.mode) || VK_S_ISLNK(cm.file[0].st.mode)) &&
                            (VK_S_ISREG(cm.file[1].st.mode) || VK_S_ISLNK(cm.file[1].st.mode))))) {
        if (cm.file[0].desc == NONEXISTENT || cm.file[1].desc == NONEXISTENT) {
            if ((DIR_P(0) || DIR_P(1)) && d->recursive &&
                (d->new_file || (d->unidir_new_file && cm.file[0].desc == NONEXISTENT))) {
                status = diff_dirs(d, &cm);
            } else {
                const char *dir = parent ? parent->file[cm.file[0].desc == NONEXISTENT].name : ".";
                vl_printf(c, "Only in %s: %s\n", dir, name0);
                status = 1;
            }
        } else {
            vl_printf(c, "File %s is a %s while file %s is a %s\n", label_of(d, &cm, 0),
                      file_type(&cm.file[0].st), label_of(d, &cm, 1), file_type(&cm.file[1].st));
            status = 1;
        }
    } else if (VK_S_ISLNK(cm.file[0].st.mode) || VK_S_ISLNK(cm.file[1].st.mode)) {
        if (VK_S_ISLNK(cm.file[0].st.mode) && VK_S_ISLNK(cm.file[1].st.mode)) {
            char *lv[2] = {NULL, NULL};
            for (int f = 0; f < 2 && status == 0; f++) {
                lv[f] = vl_xmalloc(c, VK_PATH_MAX + 1);
                ssize_t r = vk_readlink(c->p, cm.file[f].name, lv[f], VK_PATH_MAX);
                if (r < 0) {
                    vl_perror(c, cm.file[f].name, (int)r);
                    status = 2;
                } else {
                    lv[f][r] = 0;
                }
            }
            if (status == 0 && strcmp(lv[0], lv[1]) != 0) {
                vl_printf(c, "Symbolic links %s and %s differ\n", cm.file[0].name,
                          cm.file[1].name);
                status = 1;
            }
            vl_xfree(c, lv[0]);
            vl_xfree(c, lv[1]);
        } else {
            vl_printf(c, "File %s is a %s while file %s is a %s\n", label_of(d, &cm, 0),
                      file_type(&cm.file[0].st), label_of(d, &cm, 1), file_type(&cm.file[1].st));
            status = 1;
        }
    } else {
        bool same = cm.file[0].desc != NONEXISTENT && cm.file[1].desc != NONEXISTENT &&
                    strcmp(cm.file[0].name, cm.file[1].name) == 0;
        for (int f = 0; f < 2 && status == 0; f++) {
            if (cm.file[f].desc != UNOPENED) continue;
            if (f == 1 && same) {
                cm.file[1].desc = cm.file[0].desc;
                continue;
            }
            int fd = vk_open(c->p, cm.file[f].name, VK_O_RDONLY, 0);
            if (fd < 0) {
                int w = vk_dying(c->p);
                if (w) vl_exit(c, VK_WSHELL(w));
                vl_perror(c, cm.file[f].name, fd);
                status = 2;
            } else {
                cm.file[f].desc = fd;
            }
        }
        if (status == 0) status = diff_2_files(d, &cm);
        for (int f = 0; f < 2; f++) {
            int fd = cm.file[f].desc;
            if (fd > 0 && !(f == 1 && fd == cm.file[0].desc)) vk_close(c->p, fd);
        }
        for (int f = 0; f < 2; f++) {
            if (f == 1 && cm.file[1].data.buf == cm.file[0].data.buf) break;
            vl_xfree(c, cm.file[f].data.buf);
            vl_xfree(c, (void *)cm.file[f].data.line);
        }
    }
    if (status == 0) {
        if (d->report_identical && !DIR_P(0))
            vl_printf(c, "Files %s and %s are identical\n", label_of(d, &cm, 0), label_of(d, &cm, 1));
    } else {
        vl_flush(c);
    }
#undef DIR_P
    for (int f = 0; f < 2; f++)
        if (owned[f]) vl_xfree(c, owned[f]);
    return status;
}

/* ---- options ---- */

static void set_style(D *d, int style)
{
    if (d->style != style) {
        if (d->style != S_UNSPEC) vl_dusage(d->c, "conflicting output style options");
        d->style = style;
    }
}

static void set_value(D *d, const char **slot, const char *val, const char *opt)
{
    if (*slot && strcmp(*slot, val) != 0)
        vl_dusage(d->c, "conflicting %s option value '%s'", opt, val);
    *slot = val;
}

static int64_t parse_context(D *d, const char *arg)
{
    if (!arg) return 3;
    const char *p = arg;
    if (*p == '-' || *p == '+' || !(*p >= '0' && *p <= '9')) {
        if (!(*p == '+' && p[1] >= '0' && p[1] <= '9'))
            vl_dusage(d->c, "invalid context length '%s'", arg);
        p++;
    }
    int64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (INT64_MAX / 4 - 9) / 10) v = INT64_MAX / 4;
        else v = v * 10 + (*p - '0');
    }
    if (*p) vl_dusage(d->c, "invalid context length '%s'", arg);
    return v;
}

static void add_pattern(D *d, const char *s, size_t n)
{
    patlist *pl = &d->excl;
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 8;
        pl->v = vl_xrealloc(d->c, pl->v, pl->cap * sizeof *pl->v);
    }
    char *p = vl_xmalloc(d->c, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    pl->v[pl->n++] = p;
}

static void exclude_from(D *d, const char *file)
{
    vl_ctx *c = d->c;
    int fd = strcmp(file, "-") == 0 ? 0 : vk_open(c->p, file, VK_O_RDONLY, 0);
    if (fd < 0) vl_die(c, 2, "%s: %s", file, vl_strerror(fd));
    char *buf;
    size_t len;
    int rc = vl_dread_fd(c, fd, &buf, &len);
    if (fd > 0) vk_close(c->p, fd);
    if (rc < 0) vl_die(c, 2, "%s: %s", file, vl_strerror(rc));
    size_t s = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || buf[i] == '\n') {
            if (i > s || i < len) {
                if (i > s) add_pattern(d, buf + s, i - s);
            }
            s = i + 1;
        }
    }
    vl_xfree(c, buf);
}

static int64_t parse_num(D *d, const char *arg, const char *what, int64_t maxv)
{
    const char *p = arg;
    int64_t v = 0;
    bool ok = *p >= '0' && *p <= '9';
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (maxv - 9) / 10) {
            ok = false;
            break;
        }
        v = v * 10 + (*p - '0');
    }
    if (!ok || *p) vl_dusage(d->c, "invalid %s '%s'", what, arg);
    return v;
}

static void on_opt(vl_ctx *c, int id, const char *arg, void *ud)
{
    D *d = ud;
    int prev = d->prev_opt;
    d->prev_opt = id;
    if (id >= '0' && id <= '9') {
        if (!(prev >= '0' && prev <= '9')) d->ocontext = id - '0';
        else if (d->ocontext > (INT64_MAX / 4 - 9) / 10) d->ocontext = INT64_MAX / 4;
        else d->ocontext = 10 * d->ocontext + (id - '0');
        return;
    }
    switch (id) {
    case 'a': d->text = true; break;
    case 'b':
        if (d->ignore_ws < VL_WS_CHANGE) d->ignore_ws = VL_WS_CHANGE;
        break;
    case 'Z':
        if (d->ignore_ws < VL_WS_CHANGE) d->ignore_ws |= VL_WS_TRAILING;
        break;
    case 'B': d->ignore_blank = true; break;
    case 'C':
    case 'U':
    case O_CONTEXT_LONG:
    case O_UNIFIED_LONG: {
        int64_t v = parse_context(d, arg);
        set_style(d, (id == 'U' || id == O_UNIFIED_LONG) ? S_UNIFIED : S_CONTEXT);
        if (d->context < v) d->context = v;
        d->explicit_context = true;
        break;
    }
    case 'c':
        set_style(d, S_CONTEXT);
        if (d->context < 3) d->context = 3;
        break;
    case 'u':
        set_style(d, S_UNIFIED);
        if (d->context < 3) d->context = 3;
        break;
    case 'd': d->minimal = true; break;
    case 'D': {
        set_style(d, S_IFDEF);
        const char *nm = arg;
        vl_buf b[4] = {{0}};
        vl_buf_adds(c, &b[0], "%=");
        vl_buf_printf(c, &b[1], "#ifndef %s\n%%<#endif /* ! %s */\n", nm, nm);
        vl_buf_printf(c, &b[2], "#ifdef %s\n%%>#endif /* %s */\n", nm, nm);
        vl_buf_printf(c, &b[3], "#ifndef %s\n%%<#else /* %s */\n%%>#endif /* %s */\n", nm, nm, nm);
        for (int i = 0; i < 4; i++) set_value(d, &d->group_format[i], b[i].data, "-D");
        break;
    }
    case 'e': set_style(d, S_ED); break;
    case 'E':
        if (d->ignore_ws < VL_WS_CHANGE) d->ignore_ws |= VL_WS_TAB;
        break;
    case 'f': set_style(d, S_FED); break;
    case 'F':
        vl_buf_adds(c, &d->func_pats, arg);
        vl_buf_addc(c, &d->func_pats, '\n');
        break;
    case 'H': break;
    case 'i': d->ignore_case = true; break;
    case 'I':
        vl_buf_adds(c, &d->ignore_pats, arg);
        vl_buf_addc(c, &d->ignore_pats, '\n');
        break;
    case 'l':
        vl_die(c, 2, "-l/--paginate is not supported (there is no pr)");
    case 'L':
    case O_LABEL:
        if (d->nlabel == 2) vl_die(c, 2, "too many file label options");
        d->label[d->nlabel++] = arg;
        break;
    case 'n': set_style(d, S_RCS); break;
    case 'N': d->new_file = true; break;
    case 'p':
        vl_buf_adds(c, &d->func_pats, "^[[:alpha:]$_]\n");
        d->show_c_function = true;
        break;
    case 'q': d->brief = true; break;
    case 'r': d->recursive = true; break;
    case 's': d->report_identical = true; break;
    case 'S': set_value(d, &d->starting_file, arg, "-S"); break;
    case 't': d->expand_tabs = true; break;
    case 'T': d->initial_tab = true; break;
    case 'v': vl_version(c); vl_exit(c, 0);
    case 'w': d->ignore_ws = VL_WS_ALL; break;
    case 'x': add_pattern(d, arg, strlen(arg)); break;
    case 'X': exclude_from(d, arg); break;
    case 'y': set_style(d, S_SDIFF); break;
    case 'W': d->width = parse_num(d, arg, "width", INT64_MAX / 4);
        if (d->width == 0) vl_dusage(c, "invalid width '%s'", arg);
        break;
    case O_NORMAL: set_style(d, S_NORMAL); break;
    case O_LEFT_COLUMN: d->left_column = true; break;
    case O_SUPPRESS_COMMON: d->suppress_common = true; break;
    case O_TABSIZE: {
        int64_t v = parse_num(d, arg, "tabsize", 1 << 30);
        if (v == 0) vl_dusage(c, "invalid tabsize '%s'", arg);
        d->tabsize = (int)v;
        break;
    }
    case O_SUPPRESS_BLANK: d->suppress_blank_empty = true; break;
    case O_NO_DEREF: d->no_deref = true; break;
    case O_UNIDIR: d->unidir_new_file = true; break;
    case O_IGN_NAME_CASE: d->ignore_name_case = true; break;
    case O_NO_IGN_NAME_CASE: d->ignore_name_case = false; break;
    case O_FROM_FILE: set_value(d, &d->from_file, arg, "--from-file"); break;
    case O_TO_FILE: set_value(d, &d->to_file, arg, "--to-file"); break;
    case O_STRIP_CR: d->strip_cr = true; break;
    case O_OLD_GROUP:
    case O_NEW_GROUP:
    case O_UNCHANGED_GROUP:
    case O_CHANGED_GROUP: {
        static const char *const names[] = {"--old-group-format", "--new-group-format",
                                            "--unchanged-group-format", "--changed-group-format"};
        static const int slots[] = {OLD, NEW, UNCHANGED, CHANGED};
        int k = id - O_OLD_GROUP;
        set_value(d, &d->group_format[slots[k]], arg, names[k]);
        set_style(d, S_IFDEF);
        break;
    }
    case O_LINE_FORMAT:
        for (int i = 0; i < 3; i++) set_value(d, &d->line_format[i], arg, "--line-format");
        set_style(d, S_IFDEF);
        break;
    case O_OLD_LINE:
    case O_NEW_LINE:
    case O_UNCHANGED_LINE: {
        static const char *const names[] = {"--old-line-format", "--new-line-format",
                                            "--unchanged-line-format"};
        static const int slots[] = {OLD, NEW, UNCHANGED};
        int k = id - O_OLD_LINE;
        set_value(d, &d->line_format[slots[k]], arg, names[k]);
        set_style(d, S_IFDEF);
        break;
    }
    case O_HORIZON: d->horizon = parse_num(d, arg, "horizon length", INT64_MAX / 4); break;
    case O_SPEED: d->speed_large = true; break;
    case O_COLOR:
        if (arg && strcmp(arg, "never") != 0 && strcmp(arg, "auto") != 0 &&
            strcmp(arg, "always") != 0) {
            vl_eprintf(c, "%s: invalid argument %s for '--color'\n", c->name, vl_quote_always(c, arg));
            vl_eprintf(c, "Valid arguments are:\n  - 'never', 'no', 'none'\n  - 'auto', 'tty', 'if-tty'\n  - 'always', 'yes', 'force'\n");
            vl_dusage(c, "invalid color '%s'", arg);
        }
        if (arg && strcmp(arg, "always") == 0)
            vl_die(c, 2, "--color=always is not supported");
        break;
    case O_PALETTE: break;
    case O_BINARY: break;
    default: break;
    }
}

static const vl_opt diff_opts[] = {
    {O_NORMAL, "normal", VL_NOARG, NULL, "output a normal diff (the default)"},
    {'q', "brief", VL_NOARG, NULL, "report only when files differ"},
    {'s', "report-identical-files", VL_NOARG, NULL, "report when two files are the same"},
    {'c', NULL, VL_NOARG, NULL, "output 3 lines of copied context"},
    {'C', NULL, VL_ARG, "NUM", "output NUM lines of copied context"},
    {O_CONTEXT_LONG, "context", VL_OPTARG, "NUM", "output NUM (default 3) lines of copied context"},
    {'u', NULL, VL_NOARG, NULL, "output 3 lines of unified context"},
    {'U', NULL, VL_ARG, "NUM", "output NUM lines of unified context"},
    {O_UNIFIED_LONG, "unified", VL_OPTARG, "NUM", "output NUM (default 3) lines of unified context"},
    {'e', "ed", VL_NOARG, NULL, "output an ed script"},
    {'f', "forward-ed", VL_NOARG, NULL, "output something like an ed script in forward order"},
    {'n', "rcs", VL_NOARG, NULL, "output an RCS format diff"},
    {'y', "side-by-side", VL_NOARG, NULL, "output in two columns"},
    {'W', "width", VL_ARG, "NUM", "output at most NUM (default 130) print columns"},
    {O_LEFT_COLUMN, "left-column", VL_NOARG, NULL, "output only the left column of common lines"},
    {O_SUPPRESS_COMMON, "suppress-common-lines", VL_NOARG, NULL, "do not output common lines"},
    {'p', "show-c-function", VL_NOARG, NULL, "show which C function each change is in"},
    {'F', "show-function-line", VL_ARG, "RE", "show the most recent line matching RE"},
    {O_LABEL, "label", VL_ARG, "LABEL", "use LABEL instead of file name and timestamp"},
    {'L', NULL, VL_ARG, "LABEL", NULL},
    {'t', "expand-tabs", VL_NOARG, NULL, "expand tabs to spaces in output"},
    {'T', "initial-tab", VL_NOARG, NULL, "make tabs line up by prepending a tab"},
    {O_TABSIZE, "tabsize", VL_ARG, "NUM", "tab stops every NUM (default 8) print columns"},
    {O_SUPPRESS_BLANK, "suppress-blank-empty", VL_NOARG, NULL,
     "suppress space or tab before empty output lines"},
    {'l', "paginate", VL_NOARG, NULL, NULL},
    {'r', "recursive", VL_NOARG, NULL, "recursively compare any subdirectories found"},
    {O_NO_DEREF, "no-dereference", VL_NOARG, NULL, "don't follow symbolic links"},
    {'N', "new-file", VL_NOARG, NULL, "treat absent files as empty"},
    {O_UNIDIR, "unidirectional-new-file", VL_NOARG, NULL, "treat absent first files as empty"},
    {O_IGN_NAME_CASE, "ignore-file-name-case", VL_NOARG, NULL,
     "ignore case when comparing file names"},
    {O_NO_IGN_NAME_CASE, "no-ignore-file-name-case", VL_NOARG, NULL,
     "consider case when comparing file names"},
    {'x', "exclude", VL_ARG, "PAT", "exclude files that match PAT"},
    {'X', "exclude-from", VL_ARG, "FILE", "exclude files that match any pattern in FILE"},
    {'S', "starting-file", VL_ARG, "FILE", "start with FILE when comparing directories"},
    {O_FROM_FILE, "from-file", VL_ARG, "FILE1", "compare FILE1 to all operands"},
    {O_TO_FILE, "to-file", VL_ARG, "FILE2", "compare all operands to FILE2"},
    {'i', "ignore-case", VL_NOARG, NULL, "ignore case differences in file contents"},
    {'E', "ignore-tab-expansion", VL_NOARG, NULL, "ignore changes due to tab expansion"},
    {'Z', "ignore-trailing-space", VL_NOARG, NULL, "ignore white space at line end"},
    {'b', "ignore-space-change", VL_NOARG, NULL, "ignore changes in the amount of white space"},
    {'w', "ignore-all-space", VL_NOARG, NULL, "ignore all white space"},
    {'B', "ignore-blank-lines", VL_NOARG, NULL, "ignore changes where lines are all blank"},
    {'I', "ignore-matching-lines", VL_ARG, "RE", NULL},
    {'a', "text", VL_NOARG, NULL, "treat all files as text"},
    {O_STRIP_CR, "strip-trailing-cr", VL_NOARG, NULL, "strip trailing carriage return on input"},
    {'D', "ifdef", VL_ARG, "NAME", "output merged file with '#ifdef NAME' diffs"},
    {O_OLD_GROUP, "old-group-format", VL_ARG, "GFMT", "format old input groups with GFMT"},
    {O_NEW_GROUP, "new-group-format", VL_ARG, "GFMT", "format new input groups with GFMT"},
    {O_UNCHANGED_GROUP, "unchanged-group-format", VL_ARG, "GFMT",
     "format unchanged input groups with GFMT"},
    {O_CHANGED_GROUP, "changed-group-format", VL_ARG, "GFMT", "format changed input groups with GFMT"},
    {O_LINE_FORMAT, "line-format", VL_ARG, "LFMT", "format all input lines with LFMT"},
    {O_OLD_LINE, "old-line-format", VL_ARG, "LFMT", "format old input lines with LFMT"},
    {O_NEW_LINE, "new-line-format", VL_ARG, "LFMT", "format new input lines with LFMT"},
    {O_UNCHANGED_LINE, "unchanged-line-format", VL_ARG, "LFMT",
     "format unchanged input lines with LFMT"},
    {'d', "minimal", VL_NOARG, NULL, "try hard to find a smaller set of changes"},
    {O_HORIZON, "horizon-lines", VL_ARG, "NUM", "keep NUM lines of the common prefix and suffix"},
    {O_SPEED, "speed-large-files", VL_NOARG, NULL,
     "assume large files and many scattered small changes"},
    {O_COLOR, "color", VL_OPTARG, "WHEN", "color output: only 'never' and 'auto' (no terminal)"},
    {O_PALETTE, "palette", VL_ARG, "PALETTE", NULL},
    {O_BINARY, "binary", VL_NOARG, NULL, NULL},
    {'H', NULL, VL_NOARG, NULL, NULL},
    {'v', "version", VL_NOARG, NULL, NULL},
    {0}};

/* The options as GNU's option_list shell-quotes them for "diff -r" lines. */
static const char *switch_string(vl_ctx *c, char **given, int n)
{
    vl_buf b = {0};
    vl_buf_adds(c, &b, "");
    for (int i = 0; i < n; i++) {
        vl_buf_addc(c, &b, ' ');
        vl_buf_adds(c, &b, vl_quote_style(c, given[i], 0));
    }
    return b.data;
}

static int diff_main(vl_ctx *c, int argc, char **argv)
{
    D d0;
    D *d = &d0;
    memset(d, 0, sizeof *d);
    d->c = c;
    d->context = -1;
    d->ocontext = -1;
    d->tabsize = 8;
    d->width = 130;
    d->prev_opt = -1;
    char **given;
    int ngiven;
    int n = vl_dgetopt(c, argc, argv, true, on_opt, d, &given, &ngiven);
    d->switch_string = switch_string(c, given, ngiven);
    /* -F / -p and -I: each a list of BREs in GNU's grep dialect, one per option */
    struct {
        vl_buf *pats;
        vl_re **re;
    } lists[2] = {{&d->func_pats, &d->func_re}, {&d->ignore_pats, &d->ignore_re}};
    for (int i = 0; i < 2; i++) {
        if (!lists[i].pats->len) continue;
        vl_re_diag diag;
        memset(&diag, 0, sizeof diag);
        int rc = vl_re_compile(c->p, lists[i].pats->data, lists[i].pats->len, VL_RE_BRE,
                               VL_RE_LIST | VL_RE_GREP, lists[i].re, &diag);
        if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) {
            /* GNU names the pattern: the last one given is where glibc stops (one per -I) */
            const char *all = lists[i].pats->data, *last = all;
            for (const char *q = all; *q; q++)
                if (*q == '\n' && q[1]) last = q + 1;
            vl_die(c, 2, "%.*s: %s", (int)strcspn(last, "\n"), last, diag.msg);
        }
        if (rc < 0) vl_exit(c, 2);
        vl_defer(c, free_re, *lists[i].re);
    }

    if (d->style == S_UNSPEC && d->show_c_function) {
        d->style = S_CONTEXT;
        if (d->context < 3) d->context = 3;
    }
    if (d->style == S_UNSPEC) d->style = S_NORMAL;
    if (d->ocontext >= 0 && (d->style == S_CONTEXT || d->style == S_UNIFIED) &&
        (d->context < d->ocontext || (d->ocontext < d->context && !d->explicit_context)))
        d->context = d->ocontext;
    if (d->context < 0) d->context = 0;
    if (d->style == S_SDIFF) {
        int64_t t = d->expand_tabs ? 1 : d->tabsize;
        int64_t w = d->width;
        int64_t off = (w + t + 3) / (2 * t) * t;
        int64_t hw = off - 3 < w - off ? off - 3 : w - off;
        if (hw < 0) hw = 0;
        d->sdiff_half_width = (size_t)hw;
        d->sdiff_column2_offset = (size_t)(hw ? off : w);
    }
    if (d->style == S_IFDEF) {
        for (int i = 0; i < 3; i++)
            if (!d->line_format[i]) d->line_format[i] = "%l\n";
        if (!d->group_format[OLD])
            d->group_format[OLD] = d->group_format[CHANGED] ? d->group_format[CHANGED] : "%<";
        if (!d->group_format[NEW])
            d->group_format[NEW] = d->group_format[CHANGED] ? d->group_format[CHANGED] : "%>";
        if (!d->group_format[UNCHANGED]) d->group_format[UNCHANGED] = "%=";
        if (!d->group_format[CHANGED]) {
            vl_buf b = {0};
            vl_buf_adds(c, &b, d->group_format[OLD]);
            vl_buf_adds(c, &b, d->group_format[NEW]);
            d->group_format[CHANGED] = b.data;
        }
    }
    if (d->style == S_IFDEF)
        d->no_diff_means_no_output = !*d->group_format[UNCHANGED] ||
                                     (strcmp(d->group_format[UNCHANGED], "%=") == 0 &&
                                      !*d->line_format[UNCHANGED]);
    else
        d->no_diff_means_no_output = d->style != S_SDIFF || d->suppress_common;
    if (d->horizon < d->context) d->horizon = d->context;

    d->eng.ignore_ws = d->ignore_ws;
    d->eng.ignore_case = d->ignore_case;
    d->eng.minimal = d->minimal;
    d->eng.speed_large = d->speed_large;
    d->eng.robust = robust(d);
    d->eng.horizon = d->horizon;
    d->eng.tabsize = d->tabsize;

    if (d->from_file && d->to_file) vl_die(c, 2, "--from-file and --to-file both specified");
    int status = 0;
    if (d->from_file || d->to_file) {
        for (int i = 1; i <= n; i++) {
            int st = d->from_file ? compare_files(d, NULL, d->from_file, argv[i])
                                  : compare_files(d, NULL, argv[i], d->to_file);
            if (st > status) status = st;
        }
    } else {
        if (n < 2) {
            if (n == 0) vl_dusage(c, "missing operand after '%s'", argv[0]);
            vl_dusage(c, "missing operand after '%s'", argv[n]);
        }
        if (n > 2) vl_dusage(c, "extra operand '%s'", argv[3]);
        status = compare_files(d, NULL, argv[1], argv[2]);
    }
    return status;
}

VL_COMMAND(diff, diff_main, diff_opts, "[OPTION]... FILES",
           "Compare FILES line by line.\n\n"
           "FILES are 'FILE1 FILE2' or 'DIR1 DIR2' or 'DIR FILE' or 'FILE DIR'.\n"
           "If --from-file or --to-file is given, there are no restrictions on FILE(s).\n"
           "If a FILE is '-', read standard input.\n"
           "Exit status is 0 if inputs are the same, 1 if different, 2 if trouble.",
           VL_NO_OPTIONS, 2);
