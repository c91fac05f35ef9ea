/* column: columnate lists (util-linux 2.38 in the C locale, widths in bytes). Without -t the
 * entries (non-blank lines) fill columns (or rows with -x) of a width rounded up to a tab stop,
 * padded with tabs, to fit -c columns (80 by default: a VM has no terminal). With -t the lines
 * are split into cells (at runs of blanks, or at each -s character), columns are as wide as
 * their widest cell, cells are padded and joined with -o ("  "); -N names the columns (a
 * header), -R right-aligns, -H hides, -O orders, -l limits the number of columns, -d drops the
 * header, -L keeps empty lines, -J prints JSON as libsmartcols does. The input is held whole.
 * Not done: libsmartcols' tree (-r -i -p), wrapping and truncation (-W -T -E), -e. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct cell {
    const char *s;
    size_t len;
} cell;

typedef struct row {
    cell *cells;
    size_t n;
} row;

typedef struct col {
    char *name;
    size_t width;
    bool right, hidden;
} col;

/* a column list names columns by number (1-based) or by -N name */
static long col_index(vl_ctx *c, col *cols, size_t ncols, const char *item)
{
    int64_t v;
    if (vl_parse_int(item, &v, false) == 0) return v >= 1 && (size_t)v <= ncols ? (long)v - 1 : -1;
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].name && strcmp(cols[i].name, item) == 0) return (long)i;
    (void)c;
    return -1;
}

static char **split_list(vl_ctx *c, const char *s, size_t *n)
{
    size_t cap = 8;
    char **v = vl_xmalloc(c, cap * sizeof *v);
    *n = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (*n == cap) v = vl_xrealloc(c, v, (cap *= 2) * sizeof *v);
        char *x = vl_xmalloc(c, len + 1);
        memcpy(x, p, len);
        x[len] = '\0';
        v[(*n)++] = x;
        if (!e) break;
        p = e + 1;
    }
    return v;
}

static void json_string(vl_ctx *c, const char *s, size_t len)
{
    vl_putc(c, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            vl_putc(c, '\\');
            vl_putc(c, ch);
        } else if (ch < 0x20 || ch == 0x7f) {
            vl_printf(c, "\\u%04x", ch);
        } else {
            vl_putc(c, ch);
        }
    }
    vl_putc(c, '"');
}

static void pad(vl_ctx *c, size_t n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
        vl_write(c, sp, k);
        n -= k;
    }
}

/* Display width in the C locale: control bytes take no column (as libsmartcols counts). */
static size_t width_of(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != 0x7f) w++;
    }
    return w;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

static int column_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    bool table = vl_has(c, 't') || vl_has(c, 'J');
    bool json = vl_has(c, 'J');
    const char *isep = vl_has(c, 's') ? vl_arg(c, 's') : NULL;
    const char *osep = vl_has(c, 'o') ? vl_arg(c, 'o') : "  ";
    size_t width = 80;
    if (vl_has(c, 'c')) {
        int64_t v;
        if (vl_parse_int(vl_arg(c, 'c'), &v, false) < 0 || v < 0)
            vl_die(c, 1, "invalid columns argument: %s", vl_quote_locale(c, vl_arg(c, 'c')));
        width = (size_t)v;
    }
    int64_t limit = 0;
    if (vl_has(c, 'l')) {
        if (vl_parse_int(vl_arg(c, 'l'), &limit, false) < 0 || limit < 0)
            vl_die(c, 1, "invalid columns limit argument: %s", vl_quote_locale(c, vl_arg(c, 'l')));
    }
    if (json && !vl_has(c, 'N')) vl_die(c, 1, "option --table-columns required for --json");

    /* read everything */
    vl_buf data = {0};
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    for (int i = 1; i <= n; i++) {
        vl_in *in = vl_in_open(c, argv[i]);
        if (!in) continue;
        char buf[65536];
        ssize_t r;
        while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
            vl_buf_add(c, &data, buf, (size_t)r);
            int rc = vk_steps(c->p, (uint64_t)r / 128 + 1);
            if (rc < 0 && rc != VOS_EINTR) {
                int w = vk_dying(c->p);
                vl_exit(c, w ? VK_WSHELL(w) : 1);
            }
        }
        if (r < 0) vl_perror(c, vl_quote(c, argv[i]), (int)r);
        if (data.len && data.data[data.len - 1] != '\n') vl_buf_addc(c, &data, '\n');
        vl_in_close(c, in);
    }
    /* lines */
    size_t nl = 0, capl = 64;
    cell *lines = vl_xmalloc(c, capl * sizeof *lines);
    for (size_t i = 0; i < data.len;) {
        const char *q = memchr(data.data + i, '\n', data.len - i);
        size_t e = (size_t)(q - data.data);
        if (nl == capl) lines = vl_xrealloc(c, lines, (capl *= 2) * sizeof *lines);
        lines[nl++] = (cell){data.data + i, e - i};
        i = e + 1;
    }

    if (!table) {
        /* fill columns or rows with entries: the lines that are not blank */
        size_t ne = 0, maxlen = 0;
        for (size_t i = 0; i < nl; i++) {
            size_t k = 0;
            while (k < lines[i].len && is_blank(lines[i].s[k])) k++;
            if (k == lines[i].len) continue;
            lines[ne++] = lines[i];
            size_t w = width_of(lines[i].s, lines[i].len);
            if (w > maxlen) maxlen = w;
        }
        if (ne == 0) return c->status;
        maxlen = (maxlen + 8) & ~(size_t)7;
        if (maxlen >= width) {
            for (size_t i = 0; i < ne; i++) {
                vl_write(c, lines[i].s, lines[i].len);
                vl_putc(c, '\n');
            }
            return c->status;
        }
        size_t numcols = width / maxlen;
        if (vl_has(c, 'x')) {
            size_t chcnt = 0, colno = 0, endcol = maxlen;
            for (size_t i = 0;; i++) {
                vl_write(c, lines[i].s, lines[i].len);
                chcnt += width_of(lines[i].s, lines[i].len);
                if (i + 1 == ne) break;
                if (++colno == numcols) {
                    chcnt = colno = 0;
                    endcol = maxlen;
                    vl_putc(c, '\n');
                } else {
                    size_t cnt;
                    while ((cnt = (chcnt + 8) & ~(size_t)7) <= endcol) {
                        vl_putc(c, '\t');
                        chcnt = cnt;
                    }
                    endcol += maxlen;
                }
            }
            if (chcnt) vl_putc(c, '\n');
        } else {
            if (!numcols) numcols = 1;
            size_t numrows = ne / numcols + (ne % numcols ? 1 : 0);
            for (size_t r = 0; r < numrows; r++) {
                size_t endcol = maxlen, chcnt = 0, base = r;
                for (size_t k = 0; k < numcols; k++) {
                    vl_write(c, lines[base].s, lines[base].len);
                    chcnt += width_of(lines[base].s, lines[base].len);
                    if ((base += numrows) >= ne) break;
                    size_t cnt;
                    while ((cnt = (chcnt + 8) & ~(size_t)7) <= endcol) {
                        vl_putc(c, '\t');
                        chcnt = cnt;
                    }
                    endcol += maxlen;
                }
                vl_putc(c, '\n');
            }
        }
        return c->status;
    }

    /* ---- table ---- */
    bool keep_empty = vl_has(c, 'L');
    size_t nrows = 0, ncols = 0;
    row *rows = vl_xmalloc(c, (nl ? nl : 1) * sizeof *rows);
    for (size_t i = 0; i < nl; i++) {
        const char *s = lines[i].s, *e = s + lines[i].len;
        size_t cap = 8, k = 0;
        cell *cells = vl_xmalloc(c, cap * sizeof *cells);
        const char *p = s;
        for (;;) {
            bool rest = limit && k > 0 && (int64_t)k + 1 == limit;
            if (isep == NULL && !rest) {
                while (p < e && is_blank(*p)) p++;
                if (p == e) break;
            }
            if (k == cap) cells = vl_xrealloc(c, cells, (cap *= 2) * sizeof *cells);
            const char *q = p;
            if (rest && p == e) break; /* an empty rest is no cell */
            if (rest || (limit == 1 && k == 0)) {
                q = e;
            } else if (isep == NULL) {
                while (q < e && !is_blank(*q)) q++;
            } else {
                while (q < e && !strchr(isep, *q)) q++;
            }
            cells[k++] = (cell){p, (size_t)(q - p)};
            if (q == e) break;
            p = q + 1;
        }
        if (k == 0 && !keep_empty) {
            vl_xfree(c, cells);
            continue;
        }
        /* a line of blanks is no row, whatever the separators (unless -L) */
        size_t nb = 0;
        while (nb < lines[i].len && is_blank(lines[i].s[nb])) nb++;
        if (nb == lines[i].len && !keep_empty) {
            vl_xfree(c, cells);
            continue;
        }
        rows[nrows++] = (row){cells, k};
        if (k > ncols) ncols = k;
    }
    size_t nnames = 0;
    char **names = vl_has(c, 'N') ? split_list(c, vl_arg(c, 'N'), &nnames) : NULL;
    if (nnames > ncols) ncols = nnames;
    /* rows but no column at all (-L over empty lines): util-linux fails without a word */
    if (nrows > 0 && ncols == 0) return 1;
    if (json) {
        for (size_t r = 0; r < nrows; r++)
            if (rows[r].n > nnames)
                vl_die(c, 1, "line %zu: for JSON the name of the column %zu is required", r + 2,
                       nnames + 1);
    }
    col *cols = vl_xcalloc(c, ncols ? ncols : 1, sizeof *cols);
    for (size_t i = 0; i < nnames; i++) cols[i].name = names[i];
    if (vl_has(c, 'R')) {
        size_t k;
        char **v = split_list(c, vl_arg(c, 'R'), &k);
        for (size_t i = 0; i < k; i++) {
            long x = col_index(c, cols, ncols, v[i]);
            if (x >= 0) cols[x].right = true;
        }
    }
    if (vl_has(c, 'H')) {
        size_t k;
        char **v = split_list(c, vl_arg(c, 'H'), &k);
        for (size_t i = 0; i < k; i++) {
            long x = col_index(c, cols, ncols, v[i]);
            if (x >= 0) cols[x].hidden = true;
        }
    }
    size_t *order = vl_xmalloc(c, (ncols ? ncols : 1) * sizeof *order);
    size_t norder = 0;
    bool *used = vl_xcalloc(c, ncols ? ncols : 1, sizeof *used);
    if (vl_has(c, 'O')) {
        size_t k;
        char **v = split_list(c, vl_arg(c, 'O'), &k);
        for (size_t i = 0; i < k; i++) {
            long x = col_index(c, cols, ncols, v[i]);
            if (x >= 0 && !used[x]) order[norder++] = (size_t)x, used[x] = true;
        }
    }
    for (size_t i = 0; i < ncols; i++)
        if (!used[i]) order[norder++] = i;

    if (json) {
        const char *tname = vl_has(c, 'n') ? vl_arg(c, 'n') : "table";
        if (nrows == 0) return c->status;
        vl_puts(c, "{\n   ");
        json_string(c, tname, strlen(tname));
        vl_puts(c, ": [\n");
        for (size_t r = 0; r < nrows; r++) {
            vl_puts(c, r ? "},{\n" : "      {\n");
            bool first = true;
            for (size_t k = 0; k < norder; k++) {
                size_t i = order[k];
                if (cols[i].hidden) continue;
                if (!first) vl_puts(c, ",\n");
                first = false;
                vl_puts(c, "         ");
                char *lname = vl_xstrdup(c, cols[i].name ? cols[i].name : "");
                for (char *q = lname; *q; q++)
                    if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
                json_string(c, lname, strlen(lname));
                vl_puts(c, ": ");
                if (i < rows[r].n) json_string(c, rows[r].cells[i].s, rows[r].cells[i].len);
                else vl_puts(c, "null");
            }
            vl_puts(c, "\n      ");
        }
        vl_puts(c, "}\n   ]\n}\n");
        return c->status;
    }

    bool header = names && !vl_has(c, 'd');
    for (size_t i = 0; i < ncols; i++) {
        if (header && cols[i].name) cols[i].width = width_of(cols[i].name, strlen(cols[i].name));
        for (size_t r = 0; r < nrows; r++) {
            if (i >= rows[r].n) continue;
            size_t w = width_of(rows[r].cells[i].s, rows[r].cells[i].len);
            if (w > cols[i].width) cols[i].width = w;
        }
    }
    size_t last = SIZE_MAX;
    for (size_t k = 0; k < norder; k++)
        if (!cols[order[k]].hidden) last = order[k];
    for (size_t r = header ? SIZE_MAX : 0; r == SIZE_MAX || r < nrows; r = r == SIZE_MAX ? 0 : r + 1) {
        bool first = true;
        for (size_t k = 0; k < norder; k++) {
            size_t i = order[k];
            if (cols[i].hidden) continue;
            if (!first) vl_puts(c, osep);
            first = false;
            const char *s = "";
            size_t len = 0;
            if (r == SIZE_MAX) {
                s = cols[i].name ? cols[i].name : "";
                len = strlen(s);
            } else if (i < rows[r].n) {
                s = rows[r].cells[i].s;
                len = rows[r].cells[i].len;
            }
            size_t w = width_of(s, len);
            /* the last column is never padded out for an empty cell, even right-aligned */
            if (cols[i].right && !(i == last && len == 0)) pad(c, cols[i].width - w);
            vl_write(c, s, len);
            if (!cols[i].right && i != last) pad(c, cols[i].width - w);
        }
        vl_putc(c, '\n');
        if (r == SIZE_MAX && nrows == 0) break;
    }
    return c->status;
}

static const vl_opt column_opts[] = {
    {'J', "json", VL_NOARG, NULL, "use JSON output format for table"},
    {'c', "output-width", VL_ARG, "WIDTH", "width of output in number of characters"},
    {'d', "table-noheadings", VL_NOARG, NULL, "don't print header"},
    {'H', "table-hide", VL_ARG, "COLUMNS", "don't print the columns"},
    {'L', "keep-empty-lines", VL_NOARG, NULL, "don't ignore empty lines"},
    {'l', "table-columns-limit", VL_ARG, "NUM", "maximal number of input columns"},
    {'N', "table-columns", VL_ARG, "NAMES", "comma separated columns names"},
    {'n', "table-name", VL_ARG, "NAME", "table name for JSON output"},
    {'O', "table-order", VL_ARG, "COLUMNS", "specify order of output columns"},
    {'o', "output-separator", VL_ARG, "STRING", "columns separator for table output (default is two spaces)"},
    {'R', "table-right", VL_ARG, "COLUMNS", "right align text in these columns"},
    {'s', "separator", VL_ARG, "STRING", "possible table delimiters"},
    {'t', "table", VL_NOARG, NULL, "create a table"},
    {'x', "fillrows", VL_NOARG, NULL, "fill rows before columns"},
    {0}};
VL_COMMAND(column, column_main, column_opts, "[options] [<file>...]", "Columnate lists.", 0, 1);
