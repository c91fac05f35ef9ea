/* fold: wrap input lines to a width (-w, 80 by default), counting columns the way GNU fold
 * does in the C locale (a tab to the next multiple of 8, backspace one back, carriage return to
 * column 0) or bytes with -b, breaking after the last blank with -s. Only the line being built
 * is held, at most about one width of it. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct fold_opts {
    bool bytes, spaces;
    size_t width;
} fold_opts;

static size_t adjust(const fold_opts *o, size_t col, unsigned char ch)
{
    if (o->bytes) return col + 1;
    if (ch == '\b') return col ? col - 1 : 0;
    if (ch == '\r') return 0;
    if (ch == '\t') return col + 8 - col % 8;
    return col + 1;
}

/* Without -s nothing needs to be held back: a line is cut where the next character would pass
 * the width, which can be decided as bytes go out; runs of ordinary characters go out a
 * slice at a time. (Same results as the general loop below, which -s needs.) */
static int fold_stream(vl_ctx *c, const fold_opts *o, vl_in *in)
{
    char buf[65536];
    ssize_t n;
    size_t col = 0, lineb = 0, width = o->width;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        int rc = vk_steps(c->p, (uint64_t)n / 64 + 1);
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(c->p);
            vl_exit(c, w ? VK_WSHELL(w) : 1);
        }
        size_t i = 0, len = (size_t)n;
        while (i < len) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == '\n') {
                vl_putc(c, '\n');
                col = lineb = 0;
                i++;
                continue;
            }
            if (!o->bytes && (ch == '\t' || ch == '\b' || ch == '\r')) {
                size_t nc = adjust(o, col, ch);
                if (nc > width && lineb > 0) {
                    vl_putc(c, '\n');
                    col = lineb = 0;
                    nc = adjust(o, 0, ch);
                }
                vl_putc(c, ch);
                col = nc;
                lineb++;
                i++;
                continue;
            }
            size_t j = i + 1;
            while (j < len && buf[j] != '\n' &&
                   (o->bytes || (buf[j] != '\t' && buf[j] != '\b' && buf[j] != '\r')))
                j++;
            while (i < j) {
                if (col + 1 > width && lineb > 0) {
                    vl_putc(c, '\n');
                    col = lineb = 0;
                }
                size_t room = width > col ? width - col : 1;
                size_t take = j - i < room ? j - i : room;
                vl_write(c, buf + i, take);
                col += take;
                lineb += take;
                i += take;
            }
        }
    }
    return (int)n;
}

static int fold_in(vl_ctx *c, const fold_opts *o, vl_in *in)
{
    if (!o->spaces) return fold_stream(c, o, in);
    vl_buf line = {0};
    size_t col = 0;
    char buf[65536];
    ssize_t n;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        int rc = vk_steps(c->p, (uint64_t)n / 64 + 1);
        if (rc < 0 && rc != VOS_EINTR) {
            int w = vk_dying(c->p);
            vl_exit(c, w ? VK_WSHELL(w) : 1);
        }
        for (ssize_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == '\n') {
                vl_write(c, line.data, line.len);
                vl_putc(c, '\n');
                line.len = 0;
                col = 0;
                continue;
            }
        rescan:
            col = adjust(o, col, ch);
            if (col > o->width) {
                if (o->spaces) {
                    size_t end = line.len;
                    bool found = false;
                    while (end) {
                        --end;
                        if (line.data[end] == ' ' || line.data[end] == '\t') {
                            found = true;
                            break;
                        }
                    }
                    if (found) {
                        end++;
                        vl_write(c, line.data, end);
                        vl_putc(c, '\n');
                        memmove(line.data, line.data + end, line.len - end);
                        line.len -= end;
                        col = 0;
                        for (size_t k = 0; k < line.len; k++)
                            col = adjust(o, col, (unsigned char)line.data[k]);
                        goto rescan;
                    }
                }
                if (line.len == 0) {
                    vl_buf_addc(c, &line, ch);
                    continue;
                }
                vl_write(c, line.data, line.len);
                vl_putc(c, '\n');
                line.len = 0;
                col = 0;
                goto rescan;
            }
            vl_buf_addc(c, &line, ch);
        }
    }
    if (line.len) vl_write(c, line.data, line.len);
    vl_buf_free(c, &line);
    return (int)n;
}

static int fold_main(vl_ctx *c, int argc, char **argv)
{
    /* the obsolete -NUM form is -w NUM */
    const char *obs = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        const char *prev = argv[i - 1];
        size_t pl = strlen(prev);
        if (i > 1 && (strcmp(prev, "--width") == 0 ||
                      (prev[0] == '-' && prev[1] != '-' && pl > 1 && prev[pl - 1] == 'w')))
            continue; /* the argument of -w */
        if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9' &&
            strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1)) {
            obs = argv[i] + 1;
            for (int j = i; j < argc; j++) argv[j] = argv[j + 1];
            argc--;
            i--;
        }
    }
    int n = vl_getopt(c, argc, argv);
    fold_opts o = {vl_has(c, 'b'), vl_has(c, 's'), 80};
    const char *w = vl_has(c, 'w') ? vl_arg(c, 'w') : obs;
    if (w) {
        int64_t v;
        int rc = vl_parse_int(w, &v, false);
        if (rc == VOS_ERANGE || (rc == 0 && v > INT64_MAX - 10))
            vl_die(c, 1, "invalid number of columns: %s: Value too large for defined data type",
                   vl_quote_locale(c, w));
        if (rc == 0 && v == 0)
            vl_die(c, 1, "invalid number of columns: %s: Numerical result out of range",
                   vl_quote_locale(c, w));
        if (rc < 0 || v < 1) vl_die(c, 1, "invalid number of columns: %s", vl_quote_locale(c, w));
        o.width = (size_t)v;
    }
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        int rc = fold_in(c, &o, in);
        if (rc < 0) vl_perror(c, vl_quote(c, argv[i]), rc);
        vl_in_close(c, in);
    }
    return c->status;
}

static const vl_opt fold_opts_tab[] = {
    {'b', "bytes", VL_NOARG, NULL, "count bytes rather than columns"},
    {'s', "spaces", VL_NOARG, NULL, "break at spaces"},
    {'w', "width", VL_ARG, "WIDTH", "use WIDTH columns instead of 80"},
    {0}};
VL_COMMAND(fold, fold_main, fold_opts_tab, "[OPTION]... [FILE]...",
           "Wrap input lines in each FILE, writing to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
