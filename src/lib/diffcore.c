/* diffcore.c: the diffutils family's shared parts (see diffcore.h): option parsing with GNU's
 * messages, whole-file reading, and the line comparison engine. The engine follows the
 * published algorithm GNU diff documents: Myers' O(ND) search for a middle snake ("An O(ND)
 * Difference Algorithm and Its Variations", 1986) with the cut-offs GNU describes (give up
 * past a cost of about the square root of the input, bounded below by 4096; the big-snake
 * heuristic of --speed-large-files), run only on the lines left after GNU's preprocessing,
 * followed by GNU's boundary shifting. Written here from those descriptions. */
#include "lib/diffcore.h"

#include <stdio.h>
#include <string.h>

/* ---- options ---- */

static const char *prog(vl_ctx *c)
{
    return c->name;
}

_Noreturn static void try_help(vl_ctx *c)
{
    vl_eprintf(c, "%s: Try '%s --help' for more information.\n", prog(c), prog(c));
    vl_exit(c, 2);
}

_Noreturn void vl_dusage(vl_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_eprintf(c, "%s: %s\n", prog(c), msg);
    try_help(c);
}

static int nopts_of(vl_ctx *c)
{
    int n = 0;
    for (const vl_opt *o = c->decl->opts; o && o->id; o++) n++;
    return n;
}

static void parse_long(vl_ctx *c, int argc, char **argv, int *i, vl_dopt_fn fn, void *ud)
{
    const vl_opt *opts = c->decl->opts;
    int nopt = nopts_of(c);
    char *a = argv[*i];
    char *name = a + 2;
    char *eq = strchr(name, '=');
    size_t nl = eq ? (size_t)(eq - name) : strlen(name);
    static const vl_opt help_opt = {-2, "help", VL_NOARG, NULL, NULL};
    static const vl_opt version_opt = {-3, "version", VL_NOARG, NULL, NULL};
    const vl_opt **cand = vl_xmalloc(c, sizeof *cand * (size_t)(nopt + 2));
    char *marks = vl_xcalloc(c, (size_t)nopt + 2, 1);
    int nc = 0;
    bool has_help = false, has_version = false;
    for (int k = 0; k < nopt; k++) {
        cand[nc++] = &opts[k];
        if (opts[k].lng && strcmp(opts[k].lng, "help") == 0) has_help = true;
        if (opts[k].lng && strcmp(opts[k].lng, "version") == 0) has_version = true;
    }
    if (!has_help) cand[nc++] = &help_opt;
    if (!has_version) cand[nc++] = &version_opt;
    int found = -1, nmatch = 0;
    bool ambig = false;
    for (int k = 0; k < nc; k++) {
        const char *ln = cand[k]->lng;
        if (!ln || strncmp(ln, name, nl) != 0) continue;
        if (strlen(ln) == nl) {
            found = k;
            nmatch = 1;
            ambig = false;
            break;
        }
        if (nmatch == 0) found = k;
        else if (cand[found]->id != cand[k]->id || cand[found]->arg != cand[k]->arg) {
            ambig = true;
            marks[found] = marks[k] = 1;
        }
        nmatch++;
    }
    if (ambig) {
        vl_buf b = {0};
        vl_buf_printf(c, &b, "%s: option '%s' is ambiguous; possibilities:", prog(c), a);
        for (int k = 0; k < nc; k++)
            if (marks[k]) vl_buf_printf(c, &b, " '--%s'", cand[k]->lng);
        vl_eprintf(c, "%s\n", b.data);
        try_help(c);
    }
    if (nmatch == 0) {
        vl_eprintf(c, "%s: unrecognized option '%s'\n", prog(c), a);
        try_help(c);
    }
    const vl_opt *o = cand[found];
    const char *arg = NULL;
    if (eq) {
        if (o->arg == VL_NOARG) {
            vl_eprintf(c, "%s: option '--%s' doesn't allow an argument\n", prog(c), o->lng);
            try_help(c);
        }
        arg = eq + 1;
    } else if (o->arg == VL_ARG) {
        if (*i + 1 >= argc) {
            vl_eprintf(c, "%s: option '--%s' requires an argument\n", prog(c), o->lng);
            try_help(c);
        }
        arg = argv[++*i];
    }
    if (o->id == -2) {
        vl_help(c);
        vl_exit(c, 0);
    }
    if (o->id == -3) {
        vl_version(c);
        vl_exit(c, 0);
    }
    vl_xfree(c, cand);
    vl_xfree(c, marks);
    fn(c, o->id, arg, ud);
}

static void parse_short(vl_ctx *c, int argc, char **argv, int *i, bool digits, vl_dopt_fn fn,
                        void *ud)
{
    const vl_opt *opts = c->decl->opts;
    int nopt = nopts_of(c);
    char *a = argv[*i];
    for (char *q = a + 1; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (digits && ch >= '0' && ch <= '9') {
            fn(c, ch, q, ud); /* arg: where the digit is (GNU reads runs of digits) */
            continue;
        }
        int idx = -1;
        for (int k = 0; k < nopt; k++)
            if (opts[k].id == ch) {
                idx = k;
                break;
            }
        if (idx < 0) {
            vl_eprintf(c, "%s: invalid option -- '%c'\n", prog(c), ch);
            try_help(c);
        }
        const vl_opt *o = &opts[idx];
        if (o->arg == VL_NOARG) {
            fn(c, ch, NULL, ud);
            continue;
        }
        const char *arg = NULL;
        if (q[1]) arg = q + 1;
        else if (o->arg == VL_ARG) {
            if (*i + 1 >= argc) {
                vl_eprintf(c, "%s: option requires an argument -- '%c'\n", prog(c), ch);
                try_help(c);
            }
            arg = argv[++*i];
        }
        fn(c, ch, arg, ud);
        return;
    }
}

int vl_dgetopt(vl_ctx *c, int argc, char **argv, bool digits, vl_dopt_fn fn, void *ud,
               char ***optsout, int *nopts)
{
    char **ops = vl_xmalloc(c, sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
    char **given = vl_xmalloc(c, sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
    int nops = 0, ngiven = 0;
    int i = 1;
    for (; i < argc; i++) {
        char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            ops[nops++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            given[ngiven++] = a;
            i++;
            break;
        }
        int start = i;
        if (a[1] == '-') parse_long(c, argc, argv, &i, fn, ud);
        else parse_short(c, argc, argv, &i, digits, fn, ud);
        for (int k = start; k <= i; k++) given[ngiven++] = argv[k];
    }
    for (; i < argc; i++) ops[nops++] = argv[i];
    for (int k = 0; k < nops; k++) argv[k + 1] = ops[k];
    if (argc > 0) argv[nops + 1] = NULL;
    vl_xfree(c, ops);
    if (optsout) {
        *optsout = given;
        *nopts = ngiven;
    } else {
        vl_xfree(c, given);
    }
    return nops;
}

/* ---- steps ---- */

void vl_dsteps(vl_ctx *c, uint64_t n)
{
    if (vk_steps(c->p, n) < 0) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 2);
    }
}

/* ---- reading ---- */

int vl_dread_fd(vl_ctx *c, int fd, char **bufp, size_t *lenp)
{
    struct vk_stat st;
    size_t cap = 65536;
    if (vk_fstat(c->p, fd, &st) == 0 && VK_S_ISREG(st.mode) && st.size > 0 &&
        st.size < (uint64_t)SIZE_MAX / 2) {
        int64_t pos = vk_lseek(c->p, fd, 0, VK_SEEK_CUR);
        uint64_t rest = pos >= 0 && (uint64_t)pos < st.size ? st.size - (uint64_t)pos : st.size;
        cap = (size_t)rest + 64;
    }
    char *buf = vl_xmalloc(c, cap);
    size_t len = 0;
    for (;;) {
        if (cap - len < 32) {
            if (cap > SIZE_MAX / 2) return VOS_ENOMEM;
            cap *= 2;
            buf = vl_xrealloc(c, buf, cap);
        }
        size_t want = cap - len - 16;
        if (want > (1u << 24)) want = 1u << 24;
        ssize_t r = vk_read(c->p, fd, buf + len, want);
        if (r < 0) {
            int w = vk_dying(c->p);
            if (w) vl_exit(c, VK_WSHELL(w));
            vl_xfree(c, buf);
            return (int)r;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    *bufp = buf;
    *lenp = len;
    return 0;
}

/* ---- preparing a file ---- */

void vl_dprepare(vl_ctx *c, vl_dfile *f, bool strip_cr)
{
    if (!f->buf) {
        f->buf = vl_xmalloc(c, 16);
        f->len = 0;
    }
    char *b = f->buf;
    f->missing_newline = false;
    if (f->len && b[f->len - 1] != '\n') {
        b[f->len++] = '\n';
        f->missing_newline = true;
    }
    if (strip_cr && f->len) {
        char *cr = memchr(b, '\r', f->len);
        if (cr) {
            char *dst = cr, *src = cr, *lim = b + f->len;
            while (src < lim) {
                if (*src == '\r' && src + 1 < lim && src[1] == '\n') src++;
                *dst++ = *src++;
            }
            f->len = (size_t)(dst - b);
        }
    }
    b[f->len] = '\0';
    int64_t n = 0;
    for (const char *p = b, *end = b + f->len; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl + 1;
    }
    f->nlines = n;
    f->line = vl_xmalloc(c, sizeof *f->line * (size_t)(n + 1));
    int64_t i = 0;
    for (const char *p = b, *end = b + f->len; p < end; i++) {
        f->line[i] = p;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl + 1;
    }
    f->line[n] = b + f->len;
    vl_dsteps(c, (uint64_t)n / 64 + 1);
}

/* ---- line equivalence ----
 * Lines are compared through a canonical form of their text per the options: tabs expanded
 * (-E), trailing white space dropped (-Z), white space runs made one space (-b), all white
 * space dropped (-w), letters lowered (-i). Both the hash and the comparison walk it. */

static bool is_space(unsigned char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static unsigned char lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
}

typedef struct canon {
    const unsigned char *p, *end; /* end: the newline */
    int ws;
    bool icase;
    int tabsize;
    size_t col;
    size_t pend_spaces; /* spaces still to give out (an expanded tab, a -b run) */
} canon;

static void canon_init(canon *k, const vl_dopts *o, const char *s, size_t len)
{
    k->p = (const unsigned char *)s;
    k->end = (const unsigned char *)s + len - 1; /* every line ends with '\n' */
    k->ws = o->ignore_ws;
    k->icase = o->ignore_case;
    k->tabsize = o->tabsize > 0 ? o->tabsize : 8;
    k->col = 0;
    k->pend_spaces = 0;
}

/* Is everything from p to the end white space? */
static bool rest_space(const unsigned char *p, const unsigned char *end)
{
    while (p < end && is_space(*p)) p++;
    return p == end;
}

/* Next canonical byte, or -1 at the end. */
static int canon_next(canon *k)
{
    if (k->pend_spaces) {
        k->pend_spaces--;
        return ' ';
    }
    for (;;) {
        if (k->p >= k->end) return -1;
        unsigned char ch = *k->p;
        switch (k->ws) {
        case VL_WS_ALL:
            if (is_space(ch)) {
                k->p++;
                continue;
            }
            break;
        case VL_WS_CHANGE:
            if (is_space(ch)) {
                while (k->p < k->end && is_space(*k->p)) k->p++;
                if (k->p >= k->end) return -1;
                return ' ';
            }
            break;
        case VL_WS_TAB_TRAILING: /* GNU: -E then makes no difference */
        case VL_WS_TRAILING:
            if (is_space(ch) && rest_space(k->p, k->end)) {
                k->p = k->end;
                return -1;
            }
            break;
        case VL_WS_TAB:
            if (ch == '\t') {
                size_t n = (size_t)k->tabsize - k->col % (size_t)k->tabsize;
                k->col += n;
                k->p++;
                k->pend_spaces = n - 1;
                return ' ';
            }
            k->col++;
            break;
        default:
            break;
        }
        k->p++;
        return k->icase ? lower(ch) : ch;
    }
}

static bool plain(const vl_dopts *o)
{
    return o->ignore_ws == VL_WS_NONE && !o->ignore_case;
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t line_hash(const vl_dopts *o, const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    if (plain(o)) {
        const unsigned char *p = (const unsigned char *)s;
        size_t n = len - 1, i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            h = (h ^ w) * 0x100000001b3ULL;
            h ^= h >> 29;
        }
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        h = (h ^ w ^ (uint64_t)n) * 0x100000001b3ULL;
        return mix(h);
    }
    canon k;
    canon_init(&k, o, s, len);
    int ch;
    while ((ch = canon_next(&k)) >= 0) h = (h ^ (uint64_t)ch) * 0x100000001b3ULL;
    return mix(h);
}

bool vl_dlines_equal(const vl_dopts *o, const char *a, size_t alen, const char *b, size_t blen)
{
    if (plain(o)) return alen == blen && memcmp(a, b, alen - 1) == 0;
    if (alen == blen && memcmp(a, b, alen) == 0) return true;
    canon x, y;
    canon_init(&x, o, a, alen);
    canon_init(&y, o, b, blen);
    for (;;) {
        int p = canon_next(&x), q = canon_next(&y);
        if (p != q) return false;
        if (p < 0) return true;
    }
}

/* ---- the comparison ---- */

typedef ptrdiff_t lin;

typedef struct ctx {
    vl_ctx *c;
    const int64_t *xv, *yv; /* undiscarded lines' classes */
    lin *fd, *bd;           /* diagonal vectors, indexed by diagonal */
    bool heuristic;
    lin too_expensive;
    char *changed0, *changed1;
    const lin *realx, *realy; /* undiscarded index -> middle line index */
    uint64_t work;
} ctx;

typedef struct partition {
    lin xmid, ymid;
    bool lo_minimal, hi_minimal;
} partition;

#define SNAKE_LIMIT 20
#define LIN_MAX PTRDIFF_MAX

static void work(ctx *x, uint64_t n)
{
    x->work += n;
    if (x->work >= 65536) {
        vl_dsteps(x->c, x->work / 16);
        x->work = 0;
    }
}

/* Find the midpoint of the shortest edit script for x[xoff, xlim) and y[yoff, ylim): a
 * furthest-reaching D-path forward and one backward that overlap, or (unless find_minimal)
 * the best point found so far once the cost passes the limits. */
static void diag(lin xoff, lin xlim, lin yoff, lin ylim, bool find_minimal, partition *part,
                 ctx *cx)
{
    lin *const fd = cx->fd, *const bd = cx->bd;
    const int64_t *const xv = cx->xv, *const yv = cx->yv;
    const lin dmin = xoff - ylim, dmax = xlim - yoff;
    const lin fmid = xoff - yoff, bmid = xlim - ylim;
    lin fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    bool odd = (fmid - bmid) & 1;

    fd[fmid] = xoff;
    bd[bmid] = xlim;

    for (lin c = 1;; ++c) {
        lin d;
        bool big_snake = false;
        uint64_t steps = 0;

        /* forward: extend each diagonal by one edit, then along its snake */
        if (fmin > dmin) fd[--fmin - 1] = -1;
        else ++fmin;
        if (fmax < dmax) fd[++fmax + 1] = -1;
        else --fmax;
        for (d = fmax; d >= fmin; d -= 2) {
            lin x, y, tlo = fd[d - 1], thi = fd[d + 1];
            lin x0 = tlo < thi ? thi : tlo + 1;
            for (x = x0, y = x0 - d; x < xlim && y < ylim && xv[x] == yv[y]; x++, y++)
                continue;
            steps += 1 + (uint64_t)(x - x0);
            if (x - x0 > SNAKE_LIMIT) big_snake = true;
            fd[d] = x;
            if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
                part->xmid = x;
                part->ymid = y;
                part->lo_minimal = part->hi_minimal = true;
                work(cx, steps);
                return;
            }
        }

        /* backward, the same from the end */
        if (bmin > dmin) bd[--bmin - 1] = LIN_MAX;
        else ++bmin;
        if (bmax < dmax) bd[++bmax + 1] = LIN_MAX;
        else --bmax;
        for (d = bmax; d >= bmin; d -= 2) {
            lin x, y, tlo = bd[d - 1], thi = bd[d + 1];
            lin x0 = tlo < thi ? tlo : thi - 1;
            for (x = x0, y = x0 - d; xoff < x && yoff < y && xv[x - 1] == yv[y - 1]; x--, y--)
                continue;
            steps += 1 + (uint64_t)(x0 - x);
            if (x0 - x > SNAKE_LIMIT) big_snake = true;
            bd[d] = x;
            if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
                part->xmid = x;
                part->ymid = y;
                part->lo_minimal = part->hi_minimal = true;
                work(cx, steps);
                return;
            }
        }
        work(cx, steps);

        if (find_minimal) continue;

        /* --speed-large-files: past cost 200, take a diagonal that has made much more progress
         * than its cost, when it ends in a long enough snake */
        if (200 < c && big_snake && cx->heuristic) {
            lin best = 0;
            for (d = fmax; d >= fmin; d -= 2) {
                lin dd = d - fmid;
                lin x = fd[d], y = x - d;
                lin v = (x - xoff) * 2 - dd;
                if (v > 12 * (c + (dd < 0 ? -dd : dd))) {
                    if (v > best && xoff + SNAKE_LIMIT <= x && x < xlim &&
                        yoff + SNAKE_LIMIT <= y && y < ylim) {
                        for (int k = 1; xv[x - k] == yv[y - k]; k++)
                            if (k == SNAKE_LIMIT) {
                                best = v;
                                part->xmid = x;
                                part->ymid = y;
                                break;
                            }
                    }
                }
            }
            if (best > 0) {
                part->lo_minimal = true;
                part->hi_minimal = false;
                return;
            }
            best = 0;
            for (d = bmax; d >= bmin; d -= 2) {
                lin dd = d - bmid;
                lin x = bd[d], y = x - d;
                lin v = (xlim - x) * 2 + dd;
                if (v > 12 * (c + (dd < 0 ? -dd : dd))) {
                    if (v > best && xoff < x && x <= xlim - SNAKE_LIMIT && yoff < y &&
                        y <= ylim - SNAKE_LIMIT) {
                        for (int k = 0; xv[x + k] == yv[y + k]; k++)
                            if (k == SNAKE_LIMIT - 1) {
                                best = v;
                                part->xmid = x;
                                part->ymid = y;
                                break;
                            }
                    }
                }
            }
            if (best > 0) {
                part->lo_minimal = false;
                part->hi_minimal = true;
                return;
            }
        }

        /* too expensive: stop at the better of the furthest forward and backward points */
        if (c >= cx->too_expensive) {
            lin fxybest = -1, fxbest = 0, bxybest = LIN_MAX, bxbest = 0;
            for (d = fmax; d >= fmin; d -= 2) {
                lin x = fd[d] < xlim ? fd[d] : xlim;
                lin y = x - d;
                if (ylim < y) {
                    x = ylim + d;
                    y = ylim;
                }
                if (fxybest < x + y) {
                    fxybest = x + y;
                    fxbest = x;
                }
            }
            for (d = bmax; d >= bmin; d -= 2) {
                lin x = bd[d] > xoff ? bd[d] : xoff;
                lin y = x - d;
                if (y < yoff) {
                    x = yoff + d;
                    y = yoff;
                }
                if (x + y < bxybest) {
                    bxybest = x + y;
                    bxbest = x;
                }
            }
            if ((xlim + ylim) - bxybest < fxybest - (xoff + yoff)) {
                part->xmid = fxbest;
                part->ymid = fxybest - fxbest;
                part->lo_minimal = true;
                part->hi_minimal = false;
            } else {
                part->xmid = bxbest;
                part->ymid = bxybest - bxbest;
                part->lo_minimal = false;
                part->hi_minimal = true;
            }
            return;
        }
    }
}

/* Mark the lines of x[xoff, xlim) and y[yoff, ylim) outside a common subsequence as changed.
 * Recurses on the smaller half and loops on the other, so the depth stays logarithmic. */
static void compareseq(lin xoff, lin xlim, lin yoff, lin ylim, bool find_minimal, ctx *cx)
{
    const int64_t *xv = cx->xv, *yv = cx->yv;
    for (;;) {
        while (xoff < xlim && yoff < ylim && xv[xoff] == yv[yoff]) xoff++, yoff++;
        while (xoff < xlim && yoff < ylim && xv[xlim - 1] == yv[ylim - 1]) xlim--, ylim--;
        if (xoff == xlim) {
            while (yoff < ylim) cx->changed1[cx->realy[yoff++]] = 1;
            return;
        }
        if (yoff == ylim) {
            while (xoff < xlim) cx->changed0[cx->realx[xoff++]] = 1;
            return;
        }
        partition part;
        diag(xoff, xlim, yoff, ylim, find_minimal, &part, cx);
        if ((xlim + ylim) - (part.xmid + part.ymid) < (part.xmid + part.ymid) - (xoff + yoff)) {
            compareseq(part.xmid, xlim, part.ymid, ylim, part.hi_minimal, cx);
            xlim = part.xmid;
            ylim = part.ymid;
            find_minimal = part.lo_minimal;
        } else {
            compareseq(xoff, part.xmid, yoff, part.ymid, part.lo_minimal, cx);
            xoff = part.xmid;
            yoff = part.ymid;
            find_minimal = part.hi_minimal;
        }
    }
}

/* Lines that match nothing in the other file, and (in runs of those) lines with very many
 * matches, are taken out before the search: they are changes anyway, and leaving them out
 * keeps the search short. GNU's thresholds: "many" is 5 times about the square root of the
 * line count / 64; provisional lines survive only inside runs of sure ones. */
static void discard_confusing(vl_ctx *c, lin n[2], int64_t *eq[2], int64_t nclass, char *changed[2],
                              bool minimal, int64_t *undisc[2], lin *real[2], lin nund[2])
{
    lin *count[2];
    for (int f = 0; f < 2; f++) {
        count[f] = vl_xcalloc(c, (size_t)nclass + 1, sizeof(lin));
        for (lin i = 0; i < n[f]; i++) count[f][eq[f][i]]++;
    }
    char *disc[2];
    for (int f = 0; f < 2; f++) {
        disc[f] = vl_xcalloc(c, (size_t)n[f] + 1, 1);
        char *d = disc[f];
        lin *counts = count[1 - f];
        lin end = n[f];
        lin many = 5, tem = end / 64;
        while ((tem = tem >> 2) > 0) many *= 2;
        for (lin i = 0; i < end; i++) {
            lin nmatch = counts[eq[f][i]];
            if (nmatch == 0) d[i] = 1;
            else if (nmatch > many) d[i] = 2;
        }
    }
    for (int f = 0; f < 2; f++) {
        lin end = n[f];
        char *d = disc[f];
        for (lin i = 0; i < end; i++) {
            if (d[i] == 2) {
                d[i] = 0;
                continue;
            }
            if (d[i] == 0) continue;
            /* a sure discard: find the end of its run and count the provisional ones */
            lin j, length, provisional = 0;
            for (j = i; j < end; j++) {
                if (d[j] == 0) break;
                if (d[j] == 2) ++provisional;
            }
            while (j > i && d[j - 1] == 2) d[--j] = 0, --provisional;
            length = j - i;
            if (provisional * 4 > length) {
                while (j > i)
                    if (d[--j] == 2) d[j] = 0;
            } else {
                lin consec, minimum = 1, t = length >> 2;
                while (0 < (t >>= 2)) minimum <<= 1;
                minimum++;
                for (j = 0, consec = 0; j < length; j++) {
                    if (d[i + j] != 2) consec = 0;
                    else if (minimum == ++consec) j -= consec;
                    else if (minimum < consec) d[i + j] = 0;
                }
                for (j = 0, consec = 0; j < length; j++) {
                    if (j >= 8 && d[i + j] == 1) break;
                    if (d[i + j] == 2) consec = 0, d[i + j] = 0;
                    else if (d[i + j] == 0) consec = 0;
                    else consec++;
                    if (consec == 3) break;
                }
                i += length - 1;
                for (j = 0, consec = 0; j < length; j++) {
                    if (j >= 8 && d[i - j] == 1) break;
                    if (d[i - j] == 2) consec = 0, d[i - j] = 0;
                    else if (d[i - j] == 0) consec = 0;
                    else consec++;
                    if (consec == 3) break;
                }
            }
        }
    }
    for (int f = 0; f < 2; f++) {
        char *d = disc[f];
        lin j = 0;
        for (lin i = 0; i < n[f]; i++) {
            if (minimal || d[i] == 0) {
                undisc[f][j] = eq[f][i];
                real[f][j++] = i;
            } else {
                changed[f][i] = 1;
            }
        }
        nund[f] = j;
        vl_xfree(c, disc[f]);
        vl_xfree(c, count[f]);
    }
}

/* Slide each run of changes as far back as it goes (merging with earlier runs), then as far
 * forward (merging with later ones), then back to where it lines up with a run of changes in
 * the other file, when there is one. */
static void shift_boundaries(lin n[2], int64_t *eq[2], char *changed[2])
{
    for (int f = 0; f < 2; f++) {
        char *ch = changed[f];
        char *other = changed[1 - f];
        const int64_t *equivs = eq[f];
        lin i = 0, j = 0, i_end = n[f];
        for (;;) {
            lin runlength, start, corresponding;
            while (i < i_end && !ch[i]) {
                while (other[j++]) continue;
                i++;
            }
            if (i == i_end) break;
            start = i;
            while (ch[++i]) continue;
            while (other[j]) j++;
            do {
                runlength = i - start;
                while (start && equivs[start - 1] == equivs[i - 1]) {
                    ch[--start] = 1;
                    ch[--i] = 0;
                    while (ch[start - 1]) start--;
                    while (other[--j]) continue;
                }
                corresponding = other[j - 1] ? i : i_end;
                while (i != i_end && equivs[start] == equivs[i]) {
                    ch[start++] = 0;
                    ch[i++] = 1;
                    while (ch[i]) i++;
                    while (other[++j]) corresponding = i;
                }
            } while (runlength != i - start);
            while (corresponding < i) {
                ch[--start] = 1;
                ch[--i] = 0;
                while (other[--j]) continue;
            }
        }
    }
}

/* Index of the line starting at p (a line start of f, or its end). */
static int64_t line_index(const vl_dfile *f, const char *p)
{
    int64_t lo = 0, hi = f->nlines;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (f->line[mid] < p) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* a class of equal lines: its first line stands for all */
typedef struct hcls {
    uint64_t hash;
    const char *s;
    size_t len;
    bool incomplete;
} hcls;

vl_dchange *vl_dcompare(vl_ctx *c, vl_dfile f[2], const vl_dopts *o, size_t *nout)
{
    const char *b0 = f[0].buf, *b1 = f[1].buf;
    size_t n0 = f[0].len, n1 = f[1].len;
    int64_t horizon = o->horizon < 0 ? 0 : o->horizon;
    if (horizon > INT64_MAX / 4) horizon = INT64_MAX / 4;

    /* identical prefix, backed up to a line start and then by the horizon */
    size_t k = 0, m = n0 < n1 ? n0 : n1;
    while (k + 8 <= m) {
        uint64_t w0, w1;
        memcpy(&w0, b0 + k, 8);
        memcpy(&w1, b1 + k, 8);
        if (w0 != w1) break;
        k += 8;
    }
    while (k < m && b0[k] == b1[k]) k++;
    if (o->robust && ((n0 - f[0].missing_newline < k) != (n1 - f[1].missing_newline < k))) k--;
    int64_t hz = horizon;
    while (k != 0 && (b0[k - 1] != '\n' || hz-- != 0)) k--;
    size_t prefix_end = k;

    /* identical suffix, extended by the horizon (and to a line start) */
    size_t p0 = n0, p1 = n1;
    if (!o->robust || f[0].missing_newline == f[1].missing_newline) {
        size_t end0 = p0;
        size_t beg0 = prefix_end + (n0 < n1 ? 0 : n0 - n1);
        while (p0 != beg0) {
            --p0, --p1;
            if (b0[p0] != b1[p1]) {
                ++p0, ++p1;
                beg0 = p0;
                break;
            }
        }
        int64_t i = horizon + !((p0 == 0 || b0[p0 - 1] == '\n') && (p1 == 0 || b1[p1 - 1] == '\n'));
        while (i-- && p0 != end0)
            while (b0[p0++] != '\n') continue;
        p1 += p0 - beg0;
    }

    int64_t pl = line_index(&f[0], b0 + prefix_end);
    int64_t sl[2] = {line_index(&f[0], b0 + p0), line_index(&f[1], b1 + p1)};
    lin n[2] = {sl[0] - pl, sl[1] - pl};

    /* equivalence classes of the middle lines: the table holds class ids only, so it stays
     * small enough for the caches */
    int64_t *eq[2];
    size_t total = (size_t)(n[0] + n[1]);
    size_t cap = 16;
    while (cap < total + total / 2) cap *= 2;
    uint32_t *slots = vl_xcalloc(c, cap, sizeof *slots);
    hcls *cls = vl_xmalloc(c, sizeof *cls * (total + 1));
    int64_t nclass = 0;
    for (int fi = 0; fi < 2; fi++) {
        eq[fi] = vl_xmalloc(c, sizeof(int64_t) * (size_t)(n[fi] + 1));
        for (lin i = 0; i < n[fi]; i++) {
            int64_t li = pl + i;
            const char *s = f[fi].line[li];
            size_t len = (size_t)(f[fi].line[li + 1] - s);
            bool incomplete = li == f[fi].nlines - 1 && f[fi].missing_newline && o->robust &&
                              o->ignore_ws < VL_WS_TRAILING;
            uint64_t h = line_hash(o, s, len) ^ (incomplete ? 0x5bd1e9955bd1e995ULL : 0);
            size_t slot = (size_t)h & (cap - 1);
            for (;;) {
                uint32_t id = slots[slot];
                if (id == 0) {
                    hcls *e = &cls[++nclass];
                    e->hash = h;
                    e->s = s;
                    e->len = len;
                    e->incomplete = incomplete;
                    slots[slot] = (uint32_t)nclass;
                    eq[fi][i] = nclass;
                    break;
                }
                hcls *e = &cls[id];
                if (e->hash == h && e->incomplete == incomplete &&
                    vl_dlines_equal(o, e->s, e->len, s, len)) {
                    eq[fi][i] = id;
                    break;
                }
                slot = (slot + 1) & (cap - 1);
            }
            if ((i & 4095) == 4095) vl_dsteps(c, 64);
        }
    }
    vl_xfree(c, slots);
    vl_xfree(c, cls);

    /* flags with a zero sentinel on each side */
    char *changed[2];
    for (int fi = 0; fi < 2; fi++) changed[fi] = (char *)vl_xcalloc(c, (size_t)n[fi] + 2, 1) + 1;

    int64_t *undisc[2];
    lin *real[2], nund[2];
    for (int fi = 0; fi < 2; fi++) {
        undisc[fi] = vl_xmalloc(c, sizeof(int64_t) * (size_t)(n[fi] + 1));
        real[fi] = vl_xmalloc(c, sizeof(lin) * (size_t)(n[fi] + 1));
    }
    discard_confusing(c, n, eq, nclass, changed, o->minimal, undisc, real, nund);

    ctx cx = {0};
    cx.c = c;
    cx.xv = undisc[0];
    cx.yv = undisc[1];
    size_t diags = (size_t)(nund[0] + nund[1] + 3);
    lin *fdiag = vl_xmalloc(c, sizeof(lin) * diags * 2);
    cx.fd = fdiag + nund[1] + 1;
    cx.bd = fdiag + diags + nund[1] + 1;
    cx.heuristic = o->speed_large;
    lin te = 1;
    for (size_t dg = diags; dg != 0; dg >>= 2) te <<= 1;
    cx.too_expensive = te < 4096 ? 4096 : te;
    cx.changed0 = changed[0];
    cx.changed1 = changed[1];
    cx.realx = real[0];
    cx.realy = real[1];
    compareseq(0, nund[0], 0, nund[1], o->minimal, &cx);
    vl_xfree(c, fdiag);
    for (int fi = 0; fi < 2; fi++) {
        vl_xfree(c, undisc[fi]);
        vl_xfree(c, real[fi]);
    }

    shift_boundaries(n, eq, changed);

    /* the changes, in order */
    size_t nch = 0, chcap = 16;
    vl_dchange *v = vl_xmalloc(c, sizeof *v * chcap);
    lin i0 = 0, i1 = 0;
    while (i0 < n[0] || i1 < n[1]) {
        if (changed[0][i0] || changed[1][i1]) {
            lin s0 = i0, s1 = i1;
            while (changed[0][i0]) i0++;
            while (changed[1][i1]) i1++;
            if (nch == chcap) {
                chcap *= 2;
                v = vl_xrealloc(c, v, sizeof *v * chcap);
            }
            v[nch].line0 = pl + s0;
            v[nch].line1 = pl + s1;
            v[nch].deleted = i0 - s0;
            v[nch].inserted = i1 - s1;
            v[nch].ignore = false;
            nch++;
        } else {
            i0++, i1++;
        }
    }
    for (int fi = 0; fi < 2; fi++) {
        vl_xfree(c, changed[fi] - 1);
        vl_xfree(c, eq[fi]);
    }
    *nout = nch;
    return v;
}
