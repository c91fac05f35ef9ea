/* diff3: compare three files line by line, as GNU diffutils 3.8's diff3: the two two-way diffs
 * against a common file (computed in process by the diff engine of lib/diffcore.c, with the
 * --horizon-lines=100 GNU's diff3 asks of diff), merged into three-way blocks, printed in the
 * default format, as an ed script (-e, -E, -x, -X, -3, -A, -i) or as a merged file (-m).
 * Exit 0 without conflicts, 1 with, 2 on trouble. */
#include "lib/cmd.h"
#include "lib/diffcore.h"

#include <string.h>

enum { FILE0 = 0, FILE1 = 1, FILE2 = 2, FILEC = FILE2 };
enum { DIFF_ALL, DIFF_1ST, DIFF_2ND, DIFF_3RD };
enum { FO = 0, FC = 1 };

/* a block of a two-way diff: lines [r][0..1] (1-based, inclusive) of file 0 (the other file)
 * and file 1 (the common one) */
typedef struct dblock {
    int64_t r[2][2];
    const char **lines[2];
    size_t *len[2];
    struct dblock *next;
} dblock;

typedef struct d3block {
    int64_t r[3][2];
    const char **lines[3];
    size_t *len[3];
    int correspond;
    struct d3block *next;
} d3block;

typedef struct T {
    vl_ctx *c;
    bool text, strip_cr, initial_tab, edscript, merge, show_2nd, flagging, overlap_only,
        simple_only, finalwrite;
    const char *tag[3];
    int ntags;
    int incompat;
    vl_dfile f[3];
    bool loaded[3];
} T;

#define LOW(b, f) ((b)->r[f][0])
#define HIGH(b, f) ((b)->r[f][1])
#define NUM(b, f) (HIGH(b, f) - LOW(b, f) + 1)

/* ---- reading and comparing ---- */

static void load(T *t, int i, const char *name)
{
    vl_ctx *c = t->c;
    if (t->loaded[i]) return;
    int fd = strcmp(name, "-") == 0 ? 0 : vk_open(c->p, name, VK_O_RDONLY, 0);
    if (fd < 0) {
        int w = vk_dying(c->p);
        if (w) vl_exit(c, VK_WSHELL(w));
        vl_die(c, 2, "%s: %s", name, vl_strerror(fd));
    }
    struct vk_stat st;
    if (vk_fstat(c->p, fd, &st) == 0 && VK_S_ISDIR(st.mode))
        vl_die(c, 2, "%s: %s", name, vl_strerror(VOS_EISDIR));
    int rc = vl_dread_fd(c, fd, &t->f[i].buf, &t->f[i].len);
    if (fd > 0) vk_close(c->p, fd);
    if (rc < 0) vl_die(c, 2, "%s: %s", name, vl_strerror(rc));
    t->loaded[i] = true;
}

static bool is_binary(const vl_dfile *f)
{
    size_t k = f->len < 4096 ? f->len : 4096;
    return k && memchr(f->buf, 0, k) != NULL;
}

/* The last line of f lacks a newline: its text ends one byte early (except in ed scripts,
 * where GNU keeps it and says so on stderr). */
static size_t line_len(T *t, const vl_dfile *f, int64_t i)
{
    size_t n = (size_t)(f->line[i + 1] - f->line[i]);
    if (i == f->nlines - 1 && f->missing_newline) {
        if (t->edscript) vl_eprintf(t->c, "%s: No newline at end of file\n", t->c->name);
        else n--;
    }
    return n;
}

static void fill_lines(T *t, dblock *b, int side, const vl_dfile *f)
{
    int64_t n = NUM(b, side);
    if (n <= 0) return;
    b->lines[side] = vl_xmalloc(t->c, sizeof(char *) * (size_t)n);
    b->len[side] = vl_xmalloc(t->c, sizeof(size_t) * (size_t)n);
    for (int64_t k = 0; k < n; k++) {
        int64_t li = LOW(b, side) - 1 + k;
        b->lines[side][k] = f->line[li];
        b->len[side][k] = line_len(t, f, li);
    }
}

/* diff -a --horizon-lines=100 A B, as blocks */
static dblock *process_diff(T *t, int a, int b, const char *namea, const char *nameb)
{
    vl_ctx *c = t->c;
    vl_dfile *fa = &t->f[a], *fb = &t->f[b];
    if (!t->text && (is_binary(fa) || is_binary(fb))) {
        vl_eprintf(c, "%s: diff failed: Binary files %s and %s differ\n", c->name, namea, nameb);
        vl_exit(c, 2);
    }
    vl_dopts o = {0};
    o.robust = true;
    o.horizon = 100;
    o.tabsize = 8;
    vl_dfile pair[2] = {*fa, *fb};
    size_t n = 0;
    vl_dchange *v = vl_dcompare(c, pair, &o, &n);
    dblock *head = NULL, **tail = &head;
    for (size_t k = 0; k < n; k++) {
        dblock *bl = vl_xcalloc(c, 1, sizeof *bl);
        bl->r[FO][0] = v[k].line0 + 1;
        bl->r[FO][1] = v[k].line0 + v[k].deleted;
        bl->r[FC][0] = v[k].line1 + 1;
        bl->r[FC][1] = v[k].line1 + v[k].inserted;
        fill_lines(t, bl, FO, fa);
        fill_lines(t, bl, FC, fb);
        *tail = bl;
        tail = &bl->next;
    }
    vl_xfree(c, v);
    return head;
}

/* ---- three-way blocks ---- */

static d3block *create_d3(T *t, int64_t lo0, int64_t hi0, int64_t lo1, int64_t hi1, int64_t loc,
                          int64_t hic)
{
    d3block *r = vl_xcalloc(t->c, 1, sizeof *r);
    int64_t lo[3] = {lo0, lo1, loc}, hi[3] = {hi0, hi1, hic};
    for (int f = 0; f < 3; f++) {
        r->r[f][0] = lo[f];
        r->r[f][1] = hi[f];
        int64_t n = hi[f] - lo[f] + 1;
        if (n > 0) {
            r->lines[f] = vl_xcalloc(t->c, (size_t)n, sizeof(char *));
            r->len[f] = vl_xcalloc(t->c, (size_t)n, sizeof(size_t));
        }
    }
    return r;
}

static void copy_lines(const char **from, const size_t *flen, const char **to, size_t *tlen,
                       int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        to[i] = from[i];
        tlen[i] = flen[i];
    }
}

static int64_t high_map(const int64_t r[][2], int from, int to, int64_t line)
{
    return line - r[from][1] + r[to][1];
}

static d3block *using_to_d3(T *t, dblock *using[2], dblock *last_using[2], int low_thread,
                            int high_thread, const d3block *last_d3)
{
    int64_t low[2], high[2];
    int64_t lowc = LOW(using[low_thread], FC);
    int64_t highc = HIGH(last_using[high_thread], FC);
    for (int d = 0; d < 2; d++) {
        if (using[d]) {
            low[d] = lowc - LOW(using[d], FC) + LOW(using[d], FO);
            high[d] = high_map(last_using[d]->r, FC, FO, highc);
        } else {
            low[d] = high_map(last_d3->r, FILEC, FILE0 + d, lowc);
            high[d] = high_map(last_d3->r, FILEC, FILE0 + d, highc);
        }
    }
    d3block *res = create_d3(t, low[0], high[0], low[1], high[1], lowc, highc);
    for (int d = 0; d < 2; d++)
        for (dblock *ptr = using[d]; ptr; ptr = ptr->next) {
            int64_t off = LOW(ptr, FC) - lowc;
            copy_lines(ptr->lines[FC], ptr->len[FC], res->lines[FILEC] + off, res->len[FILEC] + off,
                       NUM(ptr, FC));
        }
    for (int d = 0; d < 2; d++) {
        dblock *u = using[d];
        int64_t lo = low[d], hi = high[d];
        for (int64_t i = 0; i + lo < (u ? LOW(u, FO) : hi + 1); i++) {
            res->lines[FILE0 + d][i] = res->lines[FILEC][i];
            res->len[FILE0 + d][i] = res->len[FILEC][i];
        }
        for (dblock *ptr = u; ptr; ptr = ptr->next) {
            int64_t off = LOW(ptr, FO) - lo;
            copy_lines(ptr->lines[FO], ptr->len[FO], res->lines[FILE0 + d] + off,
                       res->len[FILE0 + d] + off, NUM(ptr, FO));
            int64_t linec = HIGH(ptr, FC) + 1 - lowc;
            for (int64_t i = HIGH(ptr, FO) + 1 - lo; i < (ptr->next ? LOW(ptr->next, FO) : hi + 1) - lo;
                 i++) {
                res->lines[FILE0 + d][i] = res->lines[FILEC][linec];
                res->len[FILE0 + d][i] = res->len[FILEC][linec];
                linec++;
            }
        }
    }
    if (!using[0]) {
        res->correspond = DIFF_2ND;
    } else if (!using[1]) {
        res->correspond = DIFF_1ST;
    } else {
        int64_t nl0 = NUM(res, FILE0), nl1 = NUM(res, FILE1);
        bool same = nl0 == nl1;
        for (int64_t i = 0; same && i < nl0; i++)
            if (res->len[FILE0][i] != res->len[FILE1][i] ||
                memcmp(res->lines[FILE0][i], res->lines[FILE1][i], res->len[FILE0][i]) != 0)
                same = false;
        res->correspond = same ? DIFF_3RD : DIFF_ALL;
    }
    return res;
}

static d3block *make_3way(T *t, dblock *thread0, dblock *thread1)
{
    static const d3block zero;
    dblock *current[2] = {thread0, thread1};
    const d3block *last_d3 = &zero;
    d3block *result = NULL, **tail = &result;
    while (current[0] || current[1]) {
        vl_dsteps(t->c, 1);
        dblock *using[2] = {NULL, NULL}, *last_using[2] = {NULL, NULL};
        int base;
        if (!current[0]) base = 1;
        else if (!current[1]) base = 0;
        else base = LOW(current[0], FC) > LOW(current[1], FC);
        int high_thread = base;
        dblock *high_diff = current[high_thread];
        int64_t high_mark = HIGH(high_diff, FC);
        using[high_thread] = last_using[high_thread] = high_diff;
        current[high_thread] = high_diff->next;
        last_using[high_thread]->next = NULL;
        int other_thread = high_thread ^ 1;
        dblock *other = current[other_thread];
        while (other && LOW(other, FC) <= high_mark + 1) {
            if (using[other_thread]) last_using[other_thread]->next = other;
            else using[other_thread] = other;
            last_using[other_thread] = other;
            current[other_thread] = current[other_thread]->next;
            other->next = NULL;
            if (high_mark < HIGH(other, FC)) {
                high_thread ^= 1;
                high_mark = HIGH(other, FC);
            }
            other_thread = high_thread ^ 1;
            other = current[other_thread];
        }
        d3block *b = using_to_d3(t, using, last_using, base, high_thread, last_d3);
        *tail = b;
        tail = &b->next;
        last_d3 = b;
    }
    return result;
}

/* ---- output ---- */

static void output_diff3(T *t, d3block *diff, const int mapping[3], const int rev_mapping[3])
{
    vl_ctx *c = t->c;
    static const int skew_increment[3] = {2, 3, 1};
    const char *line_prefix = t->initial_tab ? "\t" : "  ";
    for (d3block *ptr = diff; ptr; ptr = ptr->next) {
        int oddoneout, dontprint;
        char x[2] = {0, 0};
        if (ptr->correspond == DIFF_ALL) {
            dontprint = 3;
            oddoneout = 3;
        } else {
            oddoneout = rev_mapping[ptr->correspond - DIFF_1ST];
            x[0] = (char)('1' + oddoneout);
            dontprint = oddoneout == 0;
        }
        vl_printf(c, "====%s\n", x);
        for (int i = 0; i < 3; i = oddoneout == 1 ? skew_increment[i] : i + 1) {
            int realfile = mapping[i];
            int64_t lowt = LOW(ptr, realfile), hight = HIGH(ptr, realfile);
            vl_printf(c, "%d:", i + 1);
            switch (lowt - hight) {
            case 1: vl_printf(c, "%llda\n", (long long)(lowt - 1)); break;
            case 0: vl_printf(c, "%lldc\n", (long long)lowt); break;
            default: vl_printf(c, "%lld,%lldc\n", (long long)lowt, (long long)hight); break;
            }
            if (i == dontprint) continue;
            if (lowt <= hight) {
                const char *cp = NULL;
                size_t length = 0;
                for (int64_t line = 0; line < hight - lowt + 1; line++) {
                    vl_puts(c, line_prefix);
                    cp = ptr->lines[realfile][line];
                    length = ptr->len[realfile][line];
                    vl_write(c, cp, length);
                }
                if (length == 0 || cp[length - 1] != '\n')
                    vl_puts(c, "\n\\ No newline at end of file\n");
            }
        }
    }
}

static bool dotlines(T *t, d3block *b, int filenum)
{
    bool leading_dot = false;
    for (int64_t i = 0; i < NUM(b, filenum); i++) {
        const char *line = b->lines[filenum][i];
        if (b->len[filenum][i] && line[0] == '.') {
            leading_dot = true;
            vl_putc(t->c, '.');
        }
        vl_write(t->c, line, b->len[filenum][i]);
    }
    return leading_dot;
}

static void undotlines(T *t, bool leading_dot, int64_t start, int64_t num)
{
    vl_puts(t->c, ".\n");
    if (leading_dot) {
        if (num == 1) vl_printf(t->c, "%llds/^\\.//\n", (long long)start);
        else vl_printf(t->c, "%lld,%llds/^\\.//\n", (long long)start, (long long)(start + num - 1));
    }
}

static d3block *reverse_list(d3block *diff)
{
    d3block *prev = NULL;
    while (diff) {
        d3block *next = diff->next;
        diff->next = prev;
        prev = diff;
        diff = next;
    }
    return prev;
}

static bool output_edscript(T *t, d3block *diff, const int mapping[3], const int rev_mapping[3],
                            const char *file0, const char *file1, const char *file2)
{
    vl_ctx *c = t->c;
    bool conflicts_found = false;
    for (d3block *b = reverse_list(diff); b; b = b->next) {
        int type = b->correspond == DIFF_ALL ? DIFF_ALL : DIFF_1ST + rev_mapping[b->correspond - DIFF_1ST];
        bool conflict;
        switch (type) {
        default: continue;
        case DIFF_2ND:
            if (!t->show_2nd) continue;
            conflict = true;
            break;
        case DIFF_3RD:
            if (t->overlap_only) continue;
            conflict = false;
            break;
        case DIFF_ALL:
            if (t->simple_only) continue;
            conflict = t->flagging;
            break;
        }
        int64_t low0 = LOW(b, mapping[FILE0]), high0 = HIGH(b, mapping[FILE0]);
        if (conflict) {
            conflicts_found = true;
            vl_printf(c, "%llda\n", (long long)high0);
            bool leading_dot = false;
            if (type == DIFF_ALL) {
                if (t->show_2nd) {
                    vl_printf(c, "||||||| %s\n", file1);
                    leading_dot = dotlines(t, b, mapping[FILE1]);
                }
                vl_puts(c, "=======\n");
                leading_dot |= dotlines(t, b, mapping[FILE2]);
            }
            vl_printf(c, ">>>>>>> %s\n", file2);
            undotlines(t, leading_dot, high0 + 2, NUM(b, mapping[FILE1]) + NUM(b, mapping[FILE2]) + 1);
            vl_printf(c, "%llda\n<<<<<<< %s\n", (long long)(low0 - 1), type == DIFF_ALL ? file0 : file1);
            leading_dot = false;
            if (type == DIFF_2ND) {
                leading_dot = dotlines(t, b, mapping[FILE1]);
                vl_puts(c, "=======\n");
            }
            undotlines(t, leading_dot, low0 + 1, NUM(b, mapping[FILE1]));
        } else if (NUM(b, mapping[FILE2]) == 0) {
            if (low0 == high0) vl_printf(c, "%lldd\n", (long long)low0);
            else vl_printf(c, "%lld,%lldd\n", (long long)low0, (long long)high0);
        } else {
            switch (high0 - low0) {
            case -1: vl_printf(c, "%llda\n", (long long)high0); break;
            case 0: vl_printf(c, "%lldc\n", (long long)high0); break;
            default: vl_printf(c, "%lld,%lldc\n", (long long)low0, (long long)high0); break;
            }
            undotlines(t, dotlines(t, b, mapping[FILE2]), low0, NUM(b, mapping[FILE2]));
        }
    }
    if (t->finalwrite) vl_puts(c, "w\nq\n");
    return conflicts_found;
}

static bool output_merge(T *t, d3block *diff, const int mapping[3], const int rev_mapping[3],
                         const char *file0, const char *file1, const char *file2)
{
    vl_ctx *c = t->c;
    const vl_dfile *in = &t->f[FILE0]; /* the user's first file (mapping[0] is always 0) */
    int64_t linesread = 0;
    bool conflicts_found = false;
    for (d3block *b = diff; b; b = b->next) {
        int type = b->correspond == DIFF_ALL ? DIFF_ALL : DIFF_1ST + rev_mapping[b->correspond - DIFF_1ST];
        const char *format_2nd = "<<<<<<< %s\n";
        bool conflict;
        switch (type) {
        default: continue;
        case DIFF_2ND:
            if (!t->show_2nd) continue;
            conflict = true;
            break;
        case DIFF_3RD:
            if (t->overlap_only) continue;
            conflict = false;
            break;
        case DIFF_ALL:
            if (t->simple_only) continue;
            conflict = t->flagging;
            format_2nd = "||||||| %s\n";
            break;
        }
        int64_t i = LOW(b, FILE0) - linesread - 1;
        for (; i > 0; i--, linesread++) {
            if (linesread >= in->nlines) vl_die(c, 2, "input file shrank");
            const char *s = in->line[linesread];
            size_t n = (size_t)(in->line[linesread + 1] - s);
            if (linesread == in->nlines - 1 && in->missing_newline) n--;
            vl_write(c, s, n);
        }
        if (conflict) {
            conflicts_found = true;
            if (type == DIFF_ALL) {
                vl_printf(c, "<<<<<<< %s\n", file0);
                for (int64_t k = 0; k < NUM(b, mapping[FILE0]); k++)
                    vl_write(c, b->lines[mapping[FILE0]][k], b->len[mapping[FILE0]][k]);
            }
            if (t->show_2nd) {
                vl_printf(c, format_2nd, file1);
                for (int64_t k = 0; k < NUM(b, mapping[FILE1]); k++)
                    vl_write(c, b->lines[mapping[FILE1]][k], b->len[mapping[FILE1]][k]);
            }
            vl_puts(c, "=======\n");
        }
        for (int64_t k = 0; k < NUM(b, mapping[FILE2]); k++)
            vl_write(c, b->lines[mapping[FILE2]][k], b->len[mapping[FILE2]][k]);
        if (conflict) vl_printf(c, ">>>>>>> %s\n", file2);
        int64_t skip = NUM(b, FILE0);
        if (linesread + skip > in->nlines) {
            if (b->next) vl_die(c, 2, "input file shrank");
            return conflicts_found;
        }
        linesread += skip;
    }
    /* the rest of file 0, as it is (without the newline the engine appended) */
    if (linesread < in->nlines) {
        const char *s = in->line[linesread];
        size_t n = (size_t)(in->buf + in->len - s) - (in->missing_newline ? 1 : 0);
        vl_write(c, s, n);
    }
    return conflicts_found;
}

/* ---- options ---- */

enum { O_STRIP_CR = 256, O_DIFF_PROGRAM };

static void on_opt(vl_ctx *c, int id, const char *arg, void *ud)
{
    T *t = ud;
    switch (id) {
    case 'a': t->text = true; break;
    case 'A':
        t->show_2nd = true;
        t->flagging = true;
        t->incompat++;
        break;
    case 'x':
        t->overlap_only = true;
        t->incompat++;
        break;
    case '3':
        t->simple_only = true;
        t->incompat++;
        break;
    case 'i': t->finalwrite = true; break;
    case 'm': t->merge = true; break;
    case 'X': /* GNU 3.8's -X brackets nothing: it acts as -x */
        t->overlap_only = true;
        t->incompat++;
        break;
    case 'E':
        t->flagging = true;
        t->incompat++;
        break;
    case 'e': t->incompat++; break;
    case 'T': t->initial_tab = true; break;
    case O_STRIP_CR: t->strip_cr = true; break;
    case O_DIFF_PROGRAM: break;
    case 'v': vl_version(c); vl_exit(c, 0);
    case 'L':
        if (t->ntags < 3) {
            t->tag[t->ntags++] = arg;
            break;
        }
        vl_dusage(c, "too many file label options");
    default: break;
    }
}

static const vl_opt diff3_opts[] = {
    {'A', "show-all", VL_NOARG, NULL, "output all changes, bracketing conflicts"},
    {'e', "ed", VL_NOARG, NULL, "output ed script incorporating changes\n  from OLDFILE to YOURFILE into MYFILE"},
    {'E', "show-overlap", VL_NOARG, NULL, "like -e, but bracket conflicts"},
    {'3', "easy-only", VL_NOARG, NULL, "like -e, but incorporate only nonoverlapping changes"},
    {'x', "overlap-only", VL_NOARG, NULL, "like -e, but incorporate only overlapping changes"},
    {'X', NULL, VL_NOARG, NULL, "like -x, but bracket conflicts"},
    {'i', NULL, VL_NOARG, NULL, "append 'w' and 'q' commands to ed scripts"},
    {'m', "merge", VL_NOARG, NULL, "output actual merged file, according to\n  -A if no other options are given"},
    {'a', "text", VL_NOARG, NULL, "treat all files as text"},
    {O_STRIP_CR, "strip-trailing-cr", VL_NOARG, NULL, "strip trailing carriage return on input"},
    {'T', "initial-tab", VL_NOARG, NULL, "make tabs line up by prepending a tab"},
    {O_DIFF_PROGRAM, "diff-program", VL_ARG, "PROGRAM", "ignored: the built-in diff is used"},
    {'L', "label", VL_ARG, "LABEL", "use LABEL instead of file name\n  (can be repeated up to three times)"},
    {'v', "version", VL_NOARG, NULL, NULL},
    {0}};

static int diff3_main(vl_ctx *c, int argc, char **argv)
{
    T t0, *t = &t0;
    memset(t, 0, sizeof *t);
    t->c = c;
    int n = vl_dgetopt(c, argc, argv, false, on_opt, t, NULL, NULL);
    t->edscript = t->incompat && !t->merge;
    t->show_2nd |= !t->incompat && t->merge;
    t->flagging |= !t->incompat && t->merge;
    if (t->incompat > 1 || (t->finalwrite && t->merge) || (t->ntags && !t->flagging))
        vl_dusage(c, "incompatible options");
    if (n != 3) {
        if (n < 3) vl_dusage(c, "missing operand after '%s'", argv[n]);
        vl_dusage(c, "extra operand '%s'", argv[4]);
    }
    const char *file[3] = {argv[1], argv[2], argv[3]};
    int common = 2 - (t->edscript || t->merge);
    if (strcmp(file[common], "-") == 0) {
        common = 3 - common;
        if (strcmp(file[0], "-") == 0 || strcmp(file[common], "-") == 0)
            vl_die(c, 2, "'-' specified for more than one input file");
    }
    int mapping[3] = {0, 3 - common, common}, rev_mapping[3];
    for (int i = 0; i < 3; i++) rev_mapping[mapping[i]] = i;
    for (int i = 0; i < 3; i++)
        if (!t->tag[i]) t->tag[i] = file[i];
    /* mapping[user file] = internal file */
    int user_of[3];
    for (int u = 0; u < 3; u++) user_of[mapping[u]] = u;
    for (int u = 0; u < 3; u++) {
        if (strcmp(file[u], "-") == 0) continue;
        struct vk_stat st;
        int rc = vk_stat(c->p, file[u], &st);
        if (rc == 0 && VK_S_ISDIR(st.mode)) rc = VOS_EISDIR;
        if (rc < 0) vl_die(c, 2, "%s: %s", file[u], vl_strerror(rc));
    }
    /* read in the order GNU's two diffs read them (standard input is read once) */
    load(t, FILE1, file[user_of[FILE1]]);
    load(t, FILEC, file[user_of[FILEC]]);
    load(t, FILE0, file[user_of[FILE0]]);
    for (int k = 0; k < 3; k++) vl_dprepare(c, &t->f[k], t->strip_cr);
    dblock *thread1 = process_diff(t, FILE1, FILEC, file[user_of[FILE1]], file[user_of[FILEC]]);
    dblock *thread0 = process_diff(t, FILE0, FILEC, file[user_of[FILE0]], file[user_of[FILEC]]);
    d3block *diff3 = make_3way(t, thread0, thread1);
    bool conflicts = false;
    if (t->edscript)
        conflicts = output_edscript(t, diff3, mapping, rev_mapping, t->tag[0], t->tag[1], t->tag[2]);
    else if (t->merge) {
        if (strcmp(file[0], "-") == 0) {
            /* GNU reopens MYFILE by name for the merge: "-" is then a file named "-" */
            struct vk_stat st;
            int rc = vk_stat(c->p, "-", &st);
            if (rc < 0) vl_die(c, 2, "failed to reopen '-' with mode 'r': %s", vl_strerror(rc));
            t->loaded[FILE0] = false;
            load(t, FILE0, "./-");
            vl_dprepare(c, &t->f[FILE0], t->strip_cr);
        }
        conflicts = output_merge(t, diff3, mapping, rev_mapping, t->tag[0], t->tag[1], t->tag[2]);
    } else
        output_diff3(t, diff3, mapping, rev_mapping);
    return conflicts ? 1 : 0;
}

VL_COMMAND(diff3, diff3_main, diff3_opts, "[OPTION]... MYFILE OLDFILE YOURFILE",
           "Compare three files line by line.\n\n"
           "The default output format is a somewhat human-readable representation of\n"
           "the changes.\n\n"
           "If a FILE is '-', read standard input.\n"
           "Exit status is 0 if successful, 1 if conflicts, 2 if trouble.",
           VL_NO_OPTIONS, 2);
