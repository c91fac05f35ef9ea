/* pattern.c: shell pattern matching (* ? [...] with classes and ranges, \ quoting, and the
 * extended patterns @() *() +() ?() !() when extglob applies) byte by byte as in the C
 * locale or by UTF-8 characters in a UTF-8 one, and pathname expansion over the VM's file system (sorted, hidden files only for an
 * explicit leading dot, ** with globstar). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fnmatch.h"
#include "shell/sh.h"

/* Plain patterns and bracket expressions are read by src/lib/fnmatch.c in bash's dialect
 * (VL_FNM_SHELL), so the shell, ls -I, find -name and the others agree on brackets. */
static int bracket(const char *p, int c, const char **end)
{
    return vl_fnmatch_bracket(p, c, VL_FNM_SHELL, end);
}

static int fnm_flags(int mode)
{
    return VL_FNM_SHELL | ((mode & SH_PM_UTF8) ? VL_FNM_UTF8 : 0) |
           ((mode & SH_PM_LAX) ? VL_FNM_UTF8_LAX : 0);
}

static bool pmatch_n(const char *p, const char *s, const char *se, int mode)
{
    return vl_fnmatch_n(p, s, (size_t)(se - s), fnm_flags(mode)) == 0;
}

/* the valid UTF-8 character at s: its length (0: an invalid byte), its value in *cp */
static size_t u8_at(const char *s, const char *se, uint32_t *cp)
{
    return sh_u8_decode(s, (size_t)(se - s), cp);
}

static bool all_ascii(const char *s, const char *se)
{
    for (; s < se; s++)
        if ((unsigned char)*s >= 0x80) return false;
    return true;
}

static bool u8_valid(const char *s, const char *se)
{
    uint32_t cp;
    while (s < se) {
        if ((unsigned char)*s < 0x80) {
            s++;
            continue;
        }
        size_t n = u8_at(s, se, &cp);
        if (!n) return false;
        s += n;
    }
    return true;
}

bool sh_u8_boundary(const char *v, size_t n, size_t k)
{
    if (k == 0 || k >= n || ((unsigned char)v[k] & 0xc0) != 0x80) return true;
    for (size_t back = 1; back <= 3 && back <= k; back++) {
        unsigned char b = (unsigned char)v[k - back];
        if ((b & 0xc0) == 0x80) continue;
        uint32_t cp;
        size_t l = b >= 0xc0 ? u8_at(v + k - back, v + n, &cp) : 0;
        return !(l > back);
    }
    return true;
}

int sh_pmode(sh_state *sh, bool ext)
{
    return (ext ? SH_PM_EXT : 0) | (sh_utf8_locale(sh) ? SH_PM_UTF8 : 0);
}

/* ---- extended patterns: a backtracking matcher over ranges, used when the pattern has an
 * extglob group (plain patterns keep the linear matcher above). A budget bounds the work a
 * pathological pattern can cause. ---- */
typedef struct xm {
    long budget;
    int depth; /* of star_rest's backtracking */
    bool utf8; /* ? and [...] take a UTF-8 character; stars stop only between characters */
} xm;

/* the length of the character at s (< se) and its value */
static size_t xchar(const xm *m, const char *s, const char *se, int *c)
{
    uint32_t cp;
    size_t n = m->utf8 && (unsigned char)*s >= 0x80 ? u8_at(s, se, &cp) : 0;
    if (n) {
        *c = (int)cp;
        return n;
    }
    *c = (unsigned char)*s;
    return 1;
}

/* may a star's match end at k? (not inside a character) */
static bool xstop(const xm *m, const char *k, const char *se)
{
    return !m->utf8 || k >= se || ((unsigned char)*k & 0xc0) != 0x80;
}

static bool is_ext_start(const char *p, const char *pe)
{
    return p + 1 < pe && p[1] == '(' && strchr("@*+?!", *p);
}

/* p points at the '(' of a group: the matching ')' or NULL */
static const char *group_end(const char *p, const char *pe)
{
    int depth = 0;
    for (; p < pe; p++) {
        if (*p == '\\' && p + 1 < pe) {
            p++;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')' && --depth == 0) {
            return p;
        }
    }
    return NULL;
}

/* the next top-level '|' in [p, pe), or pe */
static const char *alt_end(const char *p, const char *pe)
{
    int depth = 0;
    for (; p < pe; p++) {
        if (*p == '\\' && p + 1 < pe) p++;
        else if (*p == '(') depth++;
        else if (*p == ')') depth--;
        else if (*p == '|' && depth == 0) return p;
    }
    return pe;
}

static bool xmatch(xm *m, const char *p, const char *pe, const char *s, const char *se);

/* does some alternative of the group body [b, be) match [s, se) exactly? */
static bool any_alt(xm *m, const char *b, const char *be, const char *s, const char *se)
{
    for (const char *a = b;;) {
        const char *e = alt_end(a, be);
        if (xmatch(m, a, e, s, se)) return true;
        if (e >= be) return false;
        a = e + 1;
    }
}

/* The length every string matching [p, pe) has, or -1 when it varies (a star, a group).
 * A bracket, '?' and an escaped or plain byte are one byte each. */
static long fixed_len(const char *p, const char *pe, bool utf8)
{
    long n = 0;
    while (p < pe) {
        if (*p == '*' || is_ext_start(p, pe)) return -1;
        if (*p == '?' && utf8) return -1; /* one character: 1 to 4 bytes */
        if (*p == '[') {
            const char *e;
            if (bracket(p, 0, &e) >= 0 && e <= pe) {
                if (utf8) return -1;
                p = e;
                n++;
                continue;
            }
        }
        if (*p == '\\' && p + 1 < pe) p++;
        p++;
        n++;
    }
    return n;
}

/* zero or more repetitions of the group, then rest. When every alternative has a fixed
 * length (the common *([0-9]), +(ab|cd)), the positions a run of repetitions reaches are
 * found in one pass with a window of the last MAXLEN positions: linear, and no C recursion
 * per repetition (*(0) against 100,000 zeros must not exhaust the stack). Otherwise a
 * backtracking search, whose depth is bounded like its work. */
#define FIXED_MAX 64
static bool star_rest(xm *m, const char *b, const char *be, const char *rest, const char *pe,
                      const char *s, const char *se)
{
    long lens[8];
    int nlens = 0;
    for (const char *a = b;;) {
        const char *e = alt_end(a, be);
        long l = fixed_len(a, e, m->utf8);
        if (l <= 0 || l > FIXED_MAX || nlens == 8) {
            nlens = -1;
            break;
        }
        lens[nlens++] = l;
        if (e >= be) break;
        a = e + 1;
    }
    if (nlens > 0) {
        /* reach[i % W]: position s+i is the end of a run of repetitions */
        unsigned char reach[FIXED_MAX + 1];
        memset(reach, 0, sizeof reach);
        size_t n = (size_t)(se - s), w = FIXED_MAX + 1;
        reach[0] = 1;
        for (size_t i = 0; i <= n; i++) {
            if (!reach[i % w]) continue;
            reach[i % w] = 0; /* the slot is reused for i + w */
            if (m->budget < 0) return false;
            if (xmatch(m, rest, pe, s + i, se)) return true;
            for (int j = 0; j < nlens; j++) {
                size_t k = i + (size_t)lens[j];
                if (k <= n && !reach[k % w] && any_alt(m, b, be, s + i, s + k)) reach[k % w] = 1;
            }
        }
        return false;
    }
    if (++m->depth > 10000) {
        m->budget = -1; /* too deep to search: no match */
        return false;
    }
    bool r = xmatch(m, rest, pe, s, se);
    for (const char *k = s + 1; !r && k <= se && m->budget >= 0; k++)
        if (xstop(m, k, se) && any_alt(m, b, be, s, k) && star_rest(m, b, be, rest, pe, k, se))
            r = true;
    m->depth--;
    return r;
}

static bool xmatch(xm *m, const char *p, const char *pe, const char *s, const char *se)
{
    if (--m->budget < 0) return false;
    while (p < pe) {
        if (is_ext_start(p, pe)) {
            const char *ge = group_end(p + 1, pe);
            if (ge) {
                char kind = *p;
                const char *b = p + 2, *rest = ge + 1;
                switch (kind) {
                case '@':
                case '?':
                    if (kind == '?' && xmatch(m, rest, pe, s, se)) return true;
                    for (const char *k = s; k <= se; k++)
                        if (xstop(m, k, se) && any_alt(m, b, ge, s, k) &&
                            xmatch(m, rest, pe, k, se))
                            return true;
                    return false;
                case '*': return star_rest(m, b, ge, rest, pe, s, se);
                case '+':
                    for (const char *k = s; k <= se; k++)
                        if (xstop(m, k, se) && any_alt(m, b, ge, s, k) &&
                            (k > s ? star_rest(m, b, ge, rest, pe, k, se)
                                   : xmatch(m, rest, pe, k, se)))
                            return true;
                    return false;
                default: /* '!': a prefix that matches none of the alternatives */
                    for (const char *k = s; k <= se; k++)
                        if (xstop(m, k, se) && !any_alt(m, b, ge, s, k) &&
                            xmatch(m, rest, pe, k, se))
                            return true;
                    return false;
                }
            }
        }
        char c = *p;
        if (c == '*') {
            /* a run of stars; "*(" without its ')' is a plain star then '(' */
            while (p < pe && *p == '*' && !(is_ext_start(p, pe) && group_end(p + 1, pe))) p++;
            if (p == pe) return true;
            for (const char *k = s; k <= se; k++)
                if (xstop(m, k, se) && xmatch(m, p, pe, k, se)) return true;
            return false;
        }
        if (s >= se) return false;
        int ch;
        size_t clen = xchar(m, s, se, &ch);
        if (c == '?') {
            p++;
            s += clen;
            continue;
        }
        if (c == '[') {
            const char *e;
            int r = vl_fnmatch_bracket(p, ch, VL_FNM_SHELL | (m->utf8 ? VL_FNM_UTF8 : 0), &e);
            if (r >= 0 && e <= pe) {
                if (!r) return false;
                p = e;
                s += clen;
                continue;
            }
        }
        if (c == '\\' && p + 1 < pe) p++;
        if (*p != *s) return false;
        p++;
        s++;
    }
    return s == se;
}

static bool has_ext(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1]) p++;
        else if (p[1] == '(' && strchr("@*+?!", *p)) return true;
    }
    return false;
}

bool sh_pmatch_ext(const char *pat, const char *str, int mode)
{
    return sh_pmatch_len_ext(pat, str, strlen(str), mode);
}

bool sh_pmatch_len_ext(const char *pat, const char *str, size_t len, int mode)
{
    /* an ASCII string matches the same by bytes (and fast) */
    if ((mode & SH_PM_UTF8) && all_ascii(str, str + len)) mode &= ~(SH_PM_UTF8 | SH_PM_LAX);
    if ((mode & SH_PM_EXT) && has_ext(pat)) {
        const char *pe = pat + strlen(pat);
        bool utf8 = (mode & SH_PM_UTF8) &&
                    ((mode & SH_PM_LAX) || (u8_valid(pat, pe) && u8_valid(str, str + len)));
        xm m = {.budget = 2000000, .utf8 = utf8};
        return xmatch(&m, pat, pe, str, str + len);
    }
    return pmatch_n(pat, str, str + len, mode);
}

static bool pmatch_fold(sh_state *sh, const char *pat, const char *str, int ext, bool fold)
{
    if (!fold) return sh_pmatch_ext(pat, str, ext);
    /* nocasematch/nocaseglob: both sides folded to lower case, by characters in a UTF-8
     * locale as bash's towlower does */
    sh_buf p, s;
    sh_buf_init(&p, sh->p);
    sh_buf_init(&s, sh->p);
    sh_case_modify(&p, pat, NULL, 'l', true, ext & SH_PM_UTF8);
    sh_case_modify(&s, str, NULL, 'l', true, ext & SH_PM_UTF8);
    bool r = !p.oom && !s.oom && sh_pmatch_ext(p.s ? p.s : "", s.s ? s.s : "", ext);
    sh_buf_free(&p);
    sh_buf_free(&s);
    return r;
}

bool sh_pmatch_case(sh_state *sh, const char *pat, const char *str, bool ext_on)
{
    return pmatch_fold(sh, pat, str, sh_pmode(sh, ext_on), sh->shopt[SO_NOCASEMATCH]);
}

long sh_pattern_fixed_len(const char *pat, int mode)
{
    return fixed_len(pat, pat + strlen(pat), mode & SH_PM_UTF8);
}

bool sh_pmatch(const char *pat, const char *str)
{
    return pmatch_n(pat, str, str + strlen(str), 0);
}

bool sh_pmatch_len(const char *pat, const char *str, size_t len)
{
    return pmatch_n(pat, str, str + len, 0);
}

bool sh_has_glob(const char *pat)
{
    for (const char *p = pat; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '*' || *p == '?') return true;
        if ((*p == '@' || *p == '!' || *p == '+') && p[1] == '(') return true;
        if (*p == '[') {
            const char *e;
            if (bracket(p, 0, &e) >= 0) return true;
        }
    }
    return false;
}

/* ---- pathname expansion ---- */
typedef struct glist {
    vk_proc *p;
    char **v;
    int n, cap;
    bool oom;
} glist;

static void gl_add(glist *g, char *s)
{
    if (!s) {
        g->oom = true;
        return;
    }
    if (g->n + 1 >= g->cap) {
        int nc = g->cap ? g->cap * 2 : 16;
        char **nv = vk_realloc(g->p, g->v, (size_t)nc * sizeof *nv);
        if (!nv) {
            vk_free(g->p, s);
            g->oom = true;
            return;
        }
        g->v = nv;
        g->cap = nc;
    }
    g->v[g->n++] = s;
    g->v[g->n] = NULL;
}

static char *unescape(vk_proc *p, const char *s, size_t n)
{
    char *r = vk_malloc(p, n + 1);
    if (!r) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) i++;
        r[k++] = s[i];
    }
    r[k] = 0;
    return r;
}

static char *join(vk_proc *p, const char *dir, const char *name, size_t nlen)
{
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *r = vk_malloc(p, dl + slash + nlen + 1);
    if (!r) return NULL;
    memcpy(r, dir, dl);
    if (slash) r[dl] = '/';
    memcpy(r + dl + slash, name, nlen);
    r[dl + slash + nlen] = 0;
    return r;
}

static void glob_rec(sh_state *sh, const char *dir, const char *comp, glist *out);

/* ** with globstar: rest (the components after it) matched in dir and in every directory
 * below it; ** at the end lists everything below dir. Links to directories are not followed,
 * hidden names need dotglob, as in bash. */
static void globstar(sh_state *sh, const char *dir, const char *rest, glist *out, int depth)
{
    vk_proc *p = sh->p;
    if (rest) glob_rec(sh, dir, rest, out);
    /* a trailing globstar after dir matches "dir/" itself too (zero directories) */
    if (!rest && depth == 0 && *dir) gl_add(out, join(p, dir, "", 0));
    if (depth > 64 || out->oom) return;
    int fd = vk_open(p, *dir ? dir : ".", VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return;
    glist names = {.p = p};
    vk_dirent ent;
    while (vk_readdir(p, fd, &ent) == 1) {
        if (ent.name[0] == '.' && !sh->shopt[SO_DOTGLOB]) continue;
        if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0) continue;
        gl_add(&names, vk_strdup(p, ent.name));
    }
    vk_close(p, fd);
    for (int i = 0; i < names.n && !out->oom; i++) {
        char *path = join(p, dir, names.v[i], strlen(names.v[i]));
        if (!path) {
            out->oom = true;
            break;
        }
        struct vk_stat st;
        bool isdir = vk_lstat(p, path, &st) == 0 && VK_S_ISDIR(st.mode);
        if (!rest) {
            /* everything below: names, and the directories' contents */
            char *copy = vk_strdup(p, path);
            gl_add(out, copy);
        }
        if (isdir) globstar(sh, path, rest, out, depth + 1);
        vk_free(p, path);
    }
    for (int i = 0; i < names.n; i++) vk_free(p, names.v[i]);
    vk_free(p, names.v);
    if (names.oom) out->oom = true;
}

/* expand the components from comp on, below the directory prefix dir ("" = cwd) */
static void glob_rec(sh_state *sh, const char *dir, const char *comp, glist *out)
{
    vk_proc *p = sh->p;
    while (*comp == '/') comp++;
    const char *ce = comp;
    while (*ce && *ce != '/') {
        if (*ce == '\\' && ce[1]) ce++;
        ce++;
    }
    size_t clen = (size_t)(ce - comp);
    bool last = *ce == 0;
    if (clen == 2 && comp[0] == '*' && comp[1] == '*' && sh->shopt[SO_GLOBSTAR]) {
        globstar(sh, dir, last ? NULL : ce, out, 0);
        return;
    }
    char *cpat = vk_strndup(p, comp, clen);
    if (!cpat) {
        out->oom = true;
        return;
    }
    if (!sh_has_glob(cpat)) {
        char *lit = unescape(p, comp, clen);
        char *path = lit ? join(p, dir, lit, strlen(lit)) : NULL;
        vk_free(p, lit);
        vk_free(p, cpat);
        if (!path) {
            out->oom = true;
            return;
        }
        if (last) {
            struct vk_stat st;
            if (vk_lstat(p, path, &st) == 0)
                gl_add(out, path);
            else
                vk_free(p, path);
        } else {
            glob_rec(sh, path, ce, out);
            vk_free(p, path);
        }
        return;
    }
    int fd = vk_open(p, *dir ? dir : ".", VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) {
        vk_free(p, cpat);
        return;
    }
    /* a non-empty GLOBIGNORE turns dotglob on, as in bash */
    const char *gi = sh_var_value(sh, "GLOBIGNORE");
    bool dot_ok = cpat[0] == '.' || (cpat[0] == '\\' && cpat[1] == '.') ||
                  sh->shopt[SO_DOTGLOB] || (gi && *gi);
    glist names = {.p = p};
    vk_dirent ent;
    int pmode = sh_pmode(sh, sh->shopt[SO_EXTGLOB]);
    while (vk_readdir(p, fd, &ent) == 1) {
        if (ent.name[0] == '.' && !dot_ok) continue;
        if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0) continue;
        if (pmatch_fold(sh, cpat, ent.name, pmode, sh->shopt[SO_NOCASEGLOB]))
            gl_add(&names, vk_strdup(p, ent.name));
    }
    /* globskipdots off: a pattern that starts with a dot may match . and .. */
    if (!sh->shopt[SO_GLOBSKIPDOTS] && (cpat[0] == '.' || (cpat[0] == '\\' && cpat[1] == '.'))) {
        static const char *const dots[] = {".", ".."};
        for (int d = 0; d < 2; d++)
            if (pmatch_fold(sh, cpat, dots[d], pmode, sh->shopt[SO_NOCASEGLOB]))
                gl_add(&names, vk_strdup(p, dots[d]));
    }
    vk_close(p, fd);
    vk_free(p, cpat);
    for (int i = 0; i < names.n; i++) {
        char *path = join(p, dir, names.v[i], strlen(names.v[i]));
        if (!path) {
            out->oom = true;
            break;
        }
        if (last) {
            gl_add(out, path);
        } else {
            struct vk_stat st;
            if (vk_stat(p, path, &st) == 0 && VK_S_ISDIR(st.mode)) glob_rec(sh, path, ce, out);
            vk_free(p, path);
        }
    }
    for (int i = 0; i < names.n; i++) vk_free(p, names.v[i]);
    vk_free(p, names.v);
    if (names.oom) out->oom = true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sh_glob(sh_state *sh, const char *pat, char ***out, int *nout)
{
    glist g = {.p = sh->p};
    if (pat[0] == '/') {
        /* keep repeated leading slashes out of the way: "/" then the rest */
        glob_rec(sh, "/", pat + 1, &g);
    } else {
        glob_rec(sh, "", pat, &g);
    }
    if (g.oom) {
        for (int i = 0; i < g.n; i++) vk_free(sh->p, g.v[i]);
        vk_free(sh->p, g.v);
        *out = NULL;
        *nout = 0;
        return -1;
    }
    const char *gi = sh_var_value(sh, "GLOBIGNORE");
    if (gi && *gi) {
        /* GLOBIGNORE: drop the names matching one of its colon-separated patterns, and
         * always . and .. */
        int k = 0;
        for (int i = 0; i < g.n; i++) {
            const char *base = strrchr(g.v[i], '/');
            base = base ? base + 1 : g.v[i];
            bool drop = strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
            for (const char *q = gi; !drop && *q;) {
                size_t ql = strcspn(q, ":");
                char *one = vk_strndup(sh->p, q, ql);
                if (one && *one && sh_pmatch_ext(one, g.v[i], sh->shopt[SO_EXTGLOB])) drop = true;
                vk_free(sh->p, one);
                q += ql;
                if (*q == ':') q++;
            }
            if (drop)
                vk_free(sh->p, g.v[i]);
            else
                g.v[k++] = g.v[i];
        }
        g.n = k;
    }
    if (g.n > 1) qsort(g.v, (size_t)g.n, sizeof *g.v, cmp_str);
    *out = g.v;
    *nout = g.n;
    return 0;
}
