/* fmt: fill and join paragraphs, GNU's way: lines are split into words, and each paragraph is
 * broken where the sum of GNU fmt's costs (short lines, ragged edges, sentence ends, widows,
 * orphans...) is least, aiming at the goal width (-g, 93% of -w by default) without passing
 * -w. -c crown and -t tagged indentation, -s split only, -u uniform spacing, -p prefix. The
 * same bounded buffers as GNU (5000 bytes, 1000 words: a longer paragraph is flushed at a good
 * break), so memory stays small whatever the input. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <limits.h>
#include <string.h>

#define MAXWORDS 1000
#define MAXCHARS 5000
#define TABWIDTH 8
#define LEEWAY 7
#define DEF_INDENT 3

typedef long COST;
#define MAXCOST LONG_MAX
#define SQR(n) ((n) * (n))
#define EQUIV(n) SQR((COST)(n))
#define SHORT_COST(n) EQUIV((n)*10)
#define RAGGED_COST(n) (SHORT_COST(n) / 2)
#define LINE_COST EQUIV(70)
#define WIDOW_COST(n) (EQUIV(200) / ((n) + 2))
#define ORPHAN_COST(n) (EQUIV(150) / ((n) + 2))
#define SENTENCE_BONUS EQUIV(50)
#define NOBREAK_COST EQUIV(600)
#define PAREN_BONUS EQUIV(40)
#define PUNCT_BONUS EQUIV(40)
#define LINE_CREDIT EQUIV(3)

typedef struct word {
    const char *text;
    int length, space;
    bool paren, period, punct, final;
    int line_length;
    COST best_cost;
    struct word *next_break;
} word_t;

typedef struct fmt {
    vl_ctx *c;
    bool crown, tagged, split, uniform;
    const char *prefix;
    int prefix_full_length, prefix_lead_space, prefix_length;
    int max_width, goal_width;
    /* state */
    int in_column, out_column;
    char parabuf[MAXCHARS];
    char *wptr;
    word_t word[MAXWORDS];
    word_t *word_limit;
    bool tabs;
    int prefix_indent, first_indent, other_indent, next_char, next_prefix_indent;
    int last_line_length;
    /* input */
    vl_in *in;
    char buf[65536];
    size_t pos, len;
    uint64_t nread;
} fmt_t;

static int get_c(fmt_t *f)
{
    if (f->pos == f->len) {
        ssize_t r = vl_in_read(f->c, f->in, f->buf, sizeof f->buf);
        if (r <= 0) {
            if (r < 0) f->in->err = (int)r;
            return -1;
        }
        f->pos = 0;
        f->len = (size_t)r;
        int rc = vk_steps(f->c->p, (uint64_t)r / 32 + 1);
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(f->c->p);
            vl_exit(f->c, w ? VK_WSHELL(w) : 1);
        }
    }
    return (unsigned char)f->buf[f->pos++];
}

static void put_space(fmt_t *f, int space)
{
    int space_target = f->out_column + space;
    if (f->tabs) {
        int tab_target = space_target / TABWIDTH * TABWIDTH;
        if (f->out_column + 1 < tab_target)
            while (f->out_column < tab_target) {
                vl_putc(f->c, '\t');
                f->out_column = (f->out_column / TABWIDTH + 1) * TABWIDTH;
            }
    }
    while (f->out_column < space_target) {
        vl_putc(f->c, ' ');
        f->out_column++;
    }
}

static int get_space(fmt_t *f, int c)
{
    for (;;) {
        if (c == ' ') {
            f->in_column++;
        } else if (c == '\t') {
            f->tabs = true;
            f->in_column = (f->in_column / TABWIDTH + 1) * TABWIDTH;
        } else {
            return c;
        }
        c = get_c(f);
    }
}

static int get_prefix(fmt_t *f)
{
    f->in_column = 0;
    int c = get_space(f, get_c(f));
    if (f->prefix_length == 0) {
        f->next_prefix_indent = f->prefix_lead_space < f->in_column ? f->prefix_lead_space : f->in_column;
    } else {
        f->next_prefix_indent = f->in_column;
        for (const char *p = f->prefix; *p; p++) {
            if (c != (unsigned char)*p) return c;
            f->in_column++;
            c = get_c(f);
        }
        c = get_space(f, c);
    }
    return c;
}

static int copy_rest(fmt_t *f, int c)
{
    f->out_column = 0;
    if (f->in_column > f->next_prefix_indent || (c != '\n' && c != -1)) {
        put_space(f, f->next_prefix_indent);
        for (const char *s = f->prefix; f->out_column != f->in_column && *s; f->out_column++)
            vl_putc(f->c, *s++);
        if (c != -1 && c != '\n') put_space(f, f->in_column - f->out_column);
        if (c == -1 && f->in_column >= f->next_prefix_indent + f->prefix_length) vl_putc(f->c, '\n');
    }
    while (c != '\n' && c != -1) {
        vl_putc(f->c, c);
        c = get_c(f);
    }
    return c;
}

static bool same_para(fmt_t *f, int c)
{
    return f->next_prefix_indent == f->prefix_indent &&
           f->in_column >= f->next_prefix_indent + f->prefix_full_length && c != '\n' && c != -1;
}

static void set_other_indent(fmt_t *f, bool same)
{
    if (f->split) {
        f->other_indent = f->first_indent;
    } else if (f->crown) {
        f->other_indent = same ? f->in_column : f->first_indent;
    } else if (f->tagged) {
        if (same && f->in_column != f->first_indent) f->other_indent = f->in_column;
        else if (f->other_indent == f->first_indent)
            f->other_indent = f->first_indent == 0 ? DEF_INDENT : 0;
    } else {
        f->other_indent = f->first_indent;
    }
}

static COST base_cost(fmt_t *f, word_t *t)
{
    COST cost = LINE_COST;
    if (t > f->word) {
        if ((t - 1)->period) {
            if ((t - 1)->final) cost -= SENTENCE_BONUS;
            else cost += NOBREAK_COST;
        } else if ((t - 1)->punct) {
            cost -= PUNCT_BONUS;
        } else if (t > f->word + 1 && (t - 2)->final) {
            cost += WIDOW_COST((t - 1)->length);
        }
    }
    if (t->paren) cost -= PAREN_BONUS;
    else if (t->final) cost += ORPHAN_COST(t->length);
    return cost;
}

static COST line_cost(fmt_t *f, word_t *next, int len)
{
    if (next == f->word_limit) return 0;
    int n = f->goal_width - len;
    COST cost = SHORT_COST(n);
    if (next->next_break != f->word_limit) {
        n = len - next->line_length;
        cost += RAGGED_COST(n);
    }
    return cost;
}

static void fmt_paragraph(fmt_t *f)
{
    f->word_limit->best_cost = 0;
    int saved = f->word_limit->length;
    f->word_limit->length = f->max_width; /* sentinel */
    for (word_t *start = f->word_limit - 1; start >= f->word; start--) {
        COST best = MAXCOST;
        int len = start == f->word ? f->first_indent : f->other_indent;
        word_t *w = start;
        len += w->length;
        do {
            w++;
            COST wcost = line_cost(f, w, len) + w->best_cost;
            if (start == f->word && f->last_line_length > 0)
                wcost += RAGGED_COST(len - f->last_line_length);
            if (wcost < best) {
                best = wcost;
                start->next_break = w;
                start->line_length = len;
            }
            if (w == f->word_limit) break;
            len += (w - 1)->space + w->length;
        } while (len < f->max_width);
        start->best_cost = best + base_cost(f, start);
    }
    f->word_limit->length = saved;
}

static void put_word(fmt_t *f, word_t *w)
{
    vl_write(f->c, w->text, (size_t)w->length);
    f->out_column += w->length;
}

static void put_line(fmt_t *f, word_t *w, int indent)
{
    f->out_column = 0;
    put_space(f, f->prefix_indent);
    vl_puts(f->c, f->prefix);
    f->out_column += f->prefix_length;
    put_space(f, indent - f->out_column);
    word_t *endline = w->next_break - 1;
    for (; w != endline; w++) {
        put_word(f, w);
        put_space(f, w->space);
    }
    put_word(f, w);
    f->last_line_length = f->out_column;
    vl_putc(f->c, '\n');
}

static void put_paragraph(fmt_t *f, word_t *finish)
{
    put_line(f, f->word, f->first_indent);
    for (word_t *w = f->word->next_break; w != finish; w = w->next_break) put_line(f, w, f->other_indent);
}

static void flush_paragraph(fmt_t *f)
{
    if (f->word_limit == f->word) {
        vl_write(f->c, f->parabuf, (size_t)(f->wptr - f->parabuf));
        f->wptr = f->parabuf;
        return;
    }
    fmt_paragraph(f);
    word_t *split_point = f->word_limit;
    COST best_break = MAXCOST;
    for (word_t *w = f->word->next_break; w != f->word_limit; w = w->next_break) {
        if (w->best_cost - w->next_break->best_cost < best_break) {
            split_point = w;
            best_break = w->best_cost - w->next_break->best_cost;
        }
        if (best_break <= MAXCOST - LINE_CREDIT) best_break += LINE_CREDIT;
    }
    put_paragraph(f, split_point);
    memmove(f->parabuf, split_point->text, (size_t)(f->wptr - split_point->text));
    ptrdiff_t shift = split_point->text - f->parabuf;
    f->wptr -= shift;
    for (word_t *w = split_point; w <= f->word_limit; w++) w->text -= shift;
    memmove(f->word, split_point, (size_t)(f->word_limit - split_point + 1) * sizeof *f->word);
    f->word_limit -= split_point - f->word;
}

static bool is_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static void check_punctuation(word_t *w)
{
    const char *start = w->text;
    const char *finish = start + (w->length - 1);
    unsigned char fin = (unsigned char)*finish;
    w->paren = *start && strchr("(['`\"", *start) != NULL;
    w->punct = (fin >= 0x21 && fin <= 0x2f) || (fin >= 0x3a && fin <= 0x40) ||
               (fin >= 0x5b && fin <= 0x60) || (fin >= 0x7b && fin <= 0x7e);
    while (start < finish && *finish && strchr(")]'\"", *finish)) finish--;
    w->period = *finish && strchr(".?!", *finish) != NULL;
}

static int get_line(fmt_t *f, int c)
{
    char *end_of_parabuf = &f->parabuf[MAXCHARS];
    word_t *end_of_word = &f->word[MAXWORDS - 2];
    do {
        f->word_limit->text = f->wptr;
        do {
            if (f->wptr == end_of_parabuf) {
                set_other_indent(f, true);
                flush_paragraph(f);
            }
            *f->wptr++ = (char)c;
            c = get_c(f);
        } while (c != -1 && !is_space(c));
        f->in_column += f->word_limit->length = (int)(f->wptr - f->word_limit->text);
        check_punctuation(f->word_limit);
        int start = f->in_column;
        c = get_space(f, c);
        f->word_limit->space = f->in_column - start;
        f->word_limit->final =
            c == -1 || (f->word_limit->period && (c == '\n' || f->word_limit->space > 1));
        if (c == '\n' || c == -1 || f->uniform) f->word_limit->space = f->word_limit->final ? 2 : 1;
        if (f->word_limit == end_of_word) {
            set_other_indent(f, true);
            flush_paragraph(f);
        }
        f->word_limit++;
    } while (c != '\n' && c != -1);
    return get_prefix(f);
}

static bool get_paragraph(fmt_t *f)
{
    f->last_line_length = 0;
    int c = f->next_char;
    while (c == '\n' || c == -1 || f->next_prefix_indent < f->prefix_lead_space ||
           f->in_column < f->next_prefix_indent + f->prefix_full_length) {
        c = copy_rest(f, c);
        if (c == -1) {
            f->next_char = -1;
            return false;
        }
        vl_putc(f->c, '\n');
        c = get_prefix(f);
    }
    f->prefix_indent = f->next_prefix_indent;
    f->first_indent = f->in_column;
    f->wptr = f->parabuf;
    f->word_limit = f->word;
    c = get_line(f, c);
    set_other_indent(f, same_para(f, c));
    if (f->split) {
    } else if (f->crown) {
        if (same_para(f, c)) {
            do c = get_line(f, c);
            while (same_para(f, c) && f->in_column == f->other_indent);
        }
    } else if (f->tagged) {
        if (same_para(f, c) && f->in_column != f->first_indent) {
            do c = get_line(f, c);
            while (same_para(f, c) && f->in_column == f->other_indent);
        }
    } else {
        while (same_para(f, c) && f->in_column == f->other_indent) c = get_line(f, c);
    }
    (f->word_limit - 1)->period = (f->word_limit - 1)->final = true;
    f->next_char = c;
    return true;
}

static void fmt_file(fmt_t *f)
{
    f->tabs = false;
    f->other_indent = 0;
    f->pos = f->len = 0;
    f->next_char = get_prefix(f);
    while (get_paragraph(f)) {
        fmt_paragraph(f);
        put_paragraph(f, f->word_limit);
    }
}

static int parse_width(vl_ctx *c, const char *s, int max)
{
    int64_t v;
    int rc = vl_parse_int(s, &v, false);
    if (rc == VOS_ERANGE || (rc == 0 && (v < 0 || v > max)))
        vl_die(c, 1, "invalid width: %s: Numerical result out of range", vl_quote_locale(c, s));
    if (rc < 0) vl_die(c, 1, "invalid width: %s", vl_quote_locale(c, s));
    return (int)v;
}

static int fmt_main(vl_ctx *c, int argc, char **argv)
{
    const char *wopt = NULL;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] >= '0' && argv[1][1] <= '9') {
        wopt = argv[1] + 1;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    int n = vl_getopt(c, argc, argv);
    fmt_t *f = vl_xcalloc(c, 1, sizeof *f);
    f->c = c;
    f->crown = vl_has(c, 'c');
    f->tagged = vl_has(c, 't');
    f->split = vl_has(c, 's');
    f->uniform = vl_has(c, 'u');
    if (vl_has(c, 'w')) wopt = vl_arg(c, 'w');
    f->max_width = 75;
    f->prefix = "";
    if (vl_has(c, 'p')) {
        const char *p = vl_arg(c, 'p');
        while (*p == ' ') f->prefix_lead_space++, p++;
        f->prefix_full_length = (int)strlen(p);
        int len = f->prefix_full_length;
        while (len > 0 && p[len - 1] == ' ') len--;
        char *q = vl_xmalloc(c, (size_t)len + 1);
        memcpy(q, p, (size_t)len);
        q[len] = '\0';
        f->prefix = q;
        f->prefix_length = len;
    }
    if (wopt) f->max_width = parse_width(c, wopt, MAXCHARS / 2);
    if (vl_has(c, 'g')) {
        f->goal_width = parse_width(c, vl_arg(c, 'g'), f->max_width);
        if (!wopt) f->max_width = f->goal_width + 10;
    } else {
        f->goal_width = f->max_width * (2 * (100 - LEEWAY) + 1) / 200;
    }
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) {
        int err = 0;
        f->in = vl_in_open_quiet(c, argv[i], &err);
        if (!f->in) {
            vl_error(c, "cannot open %s for reading: %s", vl_quote_always(c, argv[i]), vl_strerror(err));
            continue;
        }
        fmt_file(f);
        if (f->in->err) vl_error(c, "read error: %s", vl_strerror(f->in->err));
        vl_in_close(c, f->in);
    }
    return c->status;
}

static const vl_opt fmt_opts[] = {
    {'c', "crown-margin", VL_NOARG, NULL, "preserve indentation of first two lines"},
    {'p', "prefix", VL_ARG, "STRING", "reformat only lines beginning with STRING,\n  reattaching the prefix to reformatted lines"},
    {'s', "split-only", VL_NOARG, NULL, "split long lines, but do not refill"},
    {'t', "tagged-paragraph", VL_NOARG, NULL, "indentation of first line different from second"},
    {'u', "uniform-spacing", VL_NOARG, NULL, "one space between words, two after sentences"},
    {'w', "width", VL_ARG, "WIDTH", "maximum line width (default of 75 columns)"},
    {'g', "goal", VL_ARG, "WIDTH", "goal width (default of 93% of width)"},
    {0}};
VL_COMMAND(fmt, fmt_main, fmt_opts, "[-WIDTH] [OPTION]... [FILE]...",
           "Reformat each paragraph in the FILE(s), writing to standard output.\n"
           "The option -WIDTH is an abbreviated form of --width=DIGITS.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
