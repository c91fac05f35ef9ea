/* pattern.c: shell pattern matching (* ? [...] with classes and ranges, \ quoting) in the C
 * locale, and pathname expansion over the VM's file system (sorted, hidden files only for an
 * explicit leading dot). Extended patterns (extglob) are left for the bash-parity issue. */
#include <stdlib.h>
#include <string.h>

#include "shell/sh.h"

static bool class_match(const char *name, size_t n, int c)
{
#define CLS(s, expr)                                                                              \
    if (n == sizeof(s) - 1 && memcmp(name, s, n) == 0) return (expr)
    CLS("alpha", (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    CLS("digit", c >= '0' && c <= '9');
    CLS("alnum", (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    CLS("upper", c >= 'A' && c <= 'Z');
    CLS("lower", c >= 'a' && c <= 'z');
    CLS("space", c == ' ' || (c >= '\t' && c <= '\r'));
    CLS("blank", c == ' ' || c == '\t');
    CLS("punct", c > 32 && c < 127 &&
                     !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
    CLS("print", c >= 32 && c < 127);
    CLS("graph", c > 32 && c < 127);
    CLS("cntrl", c < 32 || c == 127);
    CLS("xdigit", (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    CLS("word", (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_');
#undef CLS
    return false;
}

/* Match c against the bracket expression at p ('['). Returns 1/0, or -1 when p does not start
 * a complete bracket expression (then '[' is an ordinary character). *end: after the ']'. */
static int bracket(const char *p, int c, const char **end)
{
    const char *q = p + 1;
    bool neg = false;
    if (*q == '!' || *q == '^') {
        neg = true;
        q++;
    }
    bool match = false;
    bool first = true;
    for (;;) {
        if (!*q) return -1;
        if (*q == ']' && !first) break;
        first = false;
        int lo;
        if (*q == '[' && q[1] == ':') {
            const char *e = strstr(q + 2, ":]");
            if (e) {
                if (class_match(q + 2, (size_t)(e - q - 2), c)) match = true;
                q = e + 2;
                continue;
            }
        }
        if (*q == '\\' && q[1]) q++;
        lo = (unsigned char)*q++;
        if (*q == '-' && q[1] && q[1] != ']') {
            q++;
            if (*q == '\\' && q[1]) q++;
            int hi = (unsigned char)*q++;
            if (c >= lo && c <= hi) match = true;
        } else if (c == lo) {
            match = true;
        }
    }
    *end = q + 1;
    return match != neg;
}

/* pattern [p, pe) against string [s, se) */
static bool pmatch_n(const char *p, const char *s, const char *se)
{
    const char *star_p = NULL, *star_s = NULL;
    while (s < se) {
        if (*p == '*') {
            while (*p == '*') p++;
            if (!*p) return true;
            star_p = p;
            star_s = s;
            continue;
        }
        if (*p == '?') {
            p++;
            s++;
            continue;
        }
        if (*p == '[') {
            const char *e;
            int r = bracket(p, (unsigned char)*s, &e);
            if (r == 1) {
                p = e;
                s++;
                continue;
            }
            if (r == 0) goto backtrack;
        }
        if (*p == '\\' && p[1]) {
            if (p[1] == *s) {
                p += 2;
                s++;
                continue;
            }
            goto backtrack;
        }
        if (*p && *p == *s) {
            p++;
            s++;
            continue;
        }
    backtrack:
        if (!star_p) return false;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*') p++;
    return !*p;
}

bool sh_pmatch(const char *pat, const char *str)
{
    return pmatch_n(pat, str, str + strlen(str));
}

bool sh_pmatch_len(const char *pat, const char *str, size_t len)
{
    return pmatch_n(pat, str, str + len);
}

bool sh_has_glob(const char *pat)
{
    for (const char *p = pat; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '*' || *p == '?') return true;
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
    bool dot_ok = cpat[0] == '.' || (cpat[0] == '\\' && cpat[1] == '.') ||
                  sh->shopt[SO_DOTGLOB];
    glist names = {.p = p};
    vk_dirent ent;
    while (vk_readdir(p, fd, &ent) == 1) {
        if (ent.name[0] == '.' && !dot_ok) continue;
        if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0) continue;
        if (sh_pmatch(cpat, ent.name)) gl_add(&names, vk_strdup(p, ent.name));
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
    if (g.n > 1) qsort(g.v, (size_t)g.n, sizeof *g.v, cmp_str);
    *out = g.v;
    *nout = g.n;
    return 0;
}
