/* expand.c: word expansion in bash's order: brace expansion on the source text, then tilde,
 * parameter, command and process substitution and arithmetic (one left-to-right pass), then
 * field splitting on IFS, pathname expansion and quote removal. Every character carries
 * flags saying whether it was quoted and whether it came from an unquoted expansion, which
 * is what splitting and globbing need. */
#include <stdio.h>
#include <string.h>

#include "shell/sh.h"

enum {
    XQ = 1,    /* quoted: not split, not a pattern character */
    XS = 2,    /* result of an unquoted expansion: subject to field splitting */
    XBRK = 4,  /* a field break (between "$@" elements); the character is a dummy */
    XMARK = 8, /* quoted emptiness: the word yields a field even if empty; dummy */
};

enum {
    CX_DQ = 1,      /* inside double quotes */
    CX_HEREDOC = 2, /* here-doc body: only $ ` \ are special */
    CX_ASSIGN = 4,  /* assignment value: tilde after = and : */
    CX_PAT = 8,     /* expanding a pattern operand: quotes matter even inside "${...}" */
    CX_SPLITLIT = 16, /* word of an unquoted ${x:-word}: its literal text splits too */
    CX_ARITH = 32,    /* $(( )): as in double quotes, but double quote characters vanish */
    CX_OPW = 64,      /* word of "${x:-word}" (or in a here-document): its own "..." are quotes */
};

typedef struct xbuf {
    sh_state *sh;
    char *c;
    uint8_t *f;
    size_t n, cap;
    bool oom, err;
    bool at_empty; /* "$@" expanded to nothing inside the current double quotes */
    size_t limit;
} xbuf;

static void x_init(xbuf *x, sh_state *sh)
{
    memset(x, 0, sizeof *x);
    x->sh = sh;
    const vos_limits *lim = vk_limits(sh->p);
    x->limit = lim && lim->expand_bytes ? (size_t)lim->expand_bytes : (size_t)64 << 20;
}

static void x_free(xbuf *x)
{
    vk_free(x->sh->p, x->c);
    vk_free(x->sh->p, x->f);
    x->c = NULL;
    x->f = NULL;
    x->n = x->cap = 0;
}

static bool x_fail(xbuf *x)
{
    return x->oom || x->err;
}

static bool x_add(xbuf *x, const char *s, size_t n, uint8_t fl)
{
    if (x_fail(x)) return false;
    if (x->n + n > x->limit) {
        sh_error(x->sh, "expansion too large (expand_bytes limit %zu)", x->limit);
        vk_limit_hit(x->sh->p, VOS_EEXPAND);
        x->err = true;
        x->sh->status = 1;
        return false;
    }
    if (x->n + n + 1 > x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 64;
        while (nc < x->n + n + 1) nc *= 2;
        char *nc_ = vk_realloc(x->sh->p, x->c, nc);
        if (!nc_) {
            x->oom = true;
            return false;
        }
        x->c = nc_;
        uint8_t *nf = vk_realloc(x->sh->p, x->f, nc);
        if (!nf) {
            x->oom = true;
            return false;
        }
        x->f = nf;
        x->cap = nc;
    }
    memcpy(x->c + x->n, s, n);
    memset(x->f + x->n, fl, n);
    x->n += n;
    return true;
}

static bool x_addc(xbuf *x, char c, uint8_t fl) { return x_add(x, &c, 1, fl); }

/* an expansion error: in a non-interactive shell bash ends the script for an unset
 * variable (status 127), and the command being run for the others (all of them in posix
 * mode) */
static void x_error(xbuf *x, int status)
{
    /* posix mode: every expansion error ends a non-interactive shell, with 127 */
    if (x->sh->opt[O_POSIX] && !x->sh->interactive) status = 127;
    x->err = true;
    x->sh->status = status;
    x->sh->fatal = true;
    x->sh->discard = status != 127;
}

/* an error of a parameter expansion itself (bad substitution, invalid indirection, a bad
 * subscript): under set -e bash ends the shell with it, wherever the command is */
static void x_param_error(xbuf *x)
{
    x_error(x, 1);
    if (x->sh->opt[O_ERREXIT] && !x->sh->interactive) x->sh->discard = false;
}

/* ---- finding the ends of constructs in source text ---- */
static size_t skip_squote(const char *s, size_t i, size_t n, bool ansic)
{
    for (i++; i < n && s[i] != '\''; i++)
        if (ansic && s[i] == '\\' && i + 1 < n) i++;
    return i < n ? i + 1 : n;
}

static size_t skip_dollar(sh_state *sh, const char *s, size_t i, size_t n);

static size_t skip_backquote(const char *s, size_t i, size_t n)
{
    for (i++; i < n && s[i] != '`'; i++)
        if (s[i] == '\\' && i + 1 < n) i++;
    return i < n ? i + 1 : n;
}

/* s[i] is '"': the index after the closing quote, or n when there is none (*closed says
 * which: a quote at s[n-1] can be an escaped one). */
static size_t skip_dquote_c(sh_state *sh, const char *s, size_t i, size_t n, bool *closed)
{
    *closed = false;
    for (i++; i < n;) {
        char c = s[i];
        if (c == '"') {
            *closed = true;
            return i + 1;
        }
        if (c == '\\' && i + 1 < n) {
            i += 2;
        } else if (c == '$' && i + 1 < n && (s[i + 1] == '\'' || s[i + 1] == '"')) {
            i++; /* no $'...' or $"..." inside double quotes */
        } else if (c == '$') {
            i = skip_dollar(sh, s, i, n);
        } else if (c == '`') {
            i = skip_backquote(s, i, n);
        } else {
            i++;
        }
    }
    return n;
}

static size_t skip_dquote(sh_state *sh, const char *s, size_t i, size_t n)
{
    bool closed;
    return skip_dquote_c(sh, s, i, n, &closed);
}

/* s[i] is '{' of ${ */
static size_t skip_brace(sh_state *sh, const char *s, size_t i, size_t n)
{
    int depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            i += 2;
        } else if (c == '\'') {
            i = skip_squote(s, i, n, false);
        } else if (c == '"') {
            i = skip_dquote(sh, s, i, n);
        } else if (c == '$' && i + 1 < n && s[i + 1] != '{') {
            i = skip_dollar(sh, s, i, n);
        } else if (c == '`') {
            i = skip_backquote(s, i, n);
        } else {
            if (c == '{') depth++;
            if (c == '}' && --depth == 0) return i + 1;
            i++;
        }
    }
    return n;
}

/* s[i] is the first '(' after "$(" and s[i+1] is '(': an arithmetic $(( ))? end after "))" */
static size_t arith_end(const char *s, size_t i, size_t n)
{
    int depth = 0;
    for (size_t k = i + 2; k < n; k++) {
        if (s[k] == '(') depth++;
        else if (s[k] == ')') {
            if (depth == 0) return (k + 1 < n && s[k + 1] == ')') ? k + 2 : 0;
            depth--;
        }
    }
    return 0;
}

/* s[i] is the '[' of the old arithmetic form $[expr]: the index after its ']', or 0 */
static size_t bracket_arith_end(const char *s, size_t i, size_t n)
{
    int depth = 0;
    for (size_t k = i; k < n; k++) {
        if (s[k] == '[') depth++;
        else if (s[k] == ']' && --depth == 0) return k + 1;
    }
    return 0;
}

static size_t skip_dollar(sh_state *sh, const char *s, size_t i, size_t n)
{
    if (i + 1 >= n) return n;
    char c = s[i + 1];
    if (c == '{') return skip_brace(sh, s, i + 1, n);
    if (c == '\'') return skip_squote(s, i + 1, n, true);
    if (c == '(') {
        if (i + 2 < n && s[i + 2] == '(') {
            size_t e = arith_end(s, i + 1, n);
            if (e) return e;
        }
        return sh_cmdsubst_end(sh, s, i + 2, n);
    }
    if (c == '[') {
        size_t e = bracket_arith_end(s, i + 1, n);
        if (e) return e;
    }
    return i + 1;
}

/* ---- values ---- */
static uint8_t val_flags(int ctx) { return (ctx & (CX_DQ | CX_HEREDOC)) ? XQ : XS; }

static bool add_value(xbuf *x, const char *v, size_t n, int ctx)
{
    return x_add(x, v, n, val_flags(ctx));
}

static const char *ifs_value(sh_state *sh)
{
    const char *ifs = sh_var_value(sh, "IFS");
    return ifs ? ifs : " \t\n";
}

static char *dollar_dash(sh_state *sh, char *buf, size_t n)
{
    size_t k = 0;
    static const char letters[] = {
#define SH_OPT_LETTER_(nm, c, s) c,
        SH_OPTIONS(SH_OPT_LETTER_)
#undef SH_OPT_LETTER_
    };
    for (int i = 0; i < O_COUNT && k + 2 < n; i++)
        if (letters[i] && sh->opt[i]) buf[k++] = letters[i];
    if (sh->interactive && k + 2 < n) buf[k++] = 'i';
    if (sh->cmode && k + 2 < n) buf[k++] = 'c';
    buf[k] = 0;
    return buf;
}

/* A parameter's value: a scalar, or a list ($@, $*, a[@]). */
typedef struct pval {
    bool set;
    bool list;          /* $@ / $* / a[@] / a[*] */
    bool star;          /* joined with IFS[0] when quoted */
    const char *s;      /* scalar */
    char **v;           /* list (borrowed or owned) */
    int nv;
    bool own_v;         /* v (not its strings) allocated here */
    char numbuf[64];
} pval;

static void pval_free(sh_state *sh, pval *pv)
{
    if (pv->own_v) vk_free(sh->p, pv->v);
    pv->v = NULL;
    pv->own_v = false;
}

/* Look up name[0..nlen) with optional subscript sub (NULL: none). */
static bool get_param(xbuf *x, const char *name, size_t nlen, const char *sub, size_t sublen,
                      pval *pv)
{
    sh_state *sh = x->sh;
    memset(pv, 0, sizeof *pv);
    if (nlen == 1 && !sub) {
        char c = name[0];
        switch (c) {
        case '@':
        case '*':
            pv->set = true;
            pv->list = true;
            pv->star = c == '*';
            pv->v = sh->pos;
            pv->nv = sh->npos;
            return true;
        case '#':
            snprintf(pv->numbuf, sizeof pv->numbuf, "%d", sh->npos);
            break;
        case '?':
            snprintf(pv->numbuf, sizeof pv->numbuf, "%d", sh->status);
            break;
        case '$':
            snprintf(pv->numbuf, sizeof pv->numbuf, "%d", sh->rootpid);
            break;
        case '!':
            if (!sh->last_bg) return true;
            snprintf(pv->numbuf, sizeof pv->numbuf, "%d", sh->last_bg);
            break;
        case '-':
            dollar_dash(sh, pv->numbuf, sizeof pv->numbuf);
            break;
        case '0':
            pv->set = true;
            pv->s = sh->arg0 ? sh->arg0 : "bash";
            return true;
        default:
            goto named;
        }
        pv->set = true;
        pv->s = pv->numbuf;
        return true;
    }
named:
    if (name[0] >= '0' && name[0] <= '9') {
        /* wrapping (unsigned, so defined) as bash's own reading of a huge number does */
        uint64_t k = 0;
        for (size_t i = 0; i < nlen; i++) k = k * 10 + (uint64_t)(name[i] - '0');
        if (k == 0) {
            pv->set = true;
            pv->s = sh->arg0 ? sh->arg0 : "bash";
        } else if (k <= (uint64_t)sh->npos) {
            pv->set = true;
            pv->s = sh->pos[k - 1];
        }
        return true;
    }
    char nm[256];
    if (nlen >= sizeof nm) return true;
    memcpy(nm, name, nlen);
    nm[nlen] = 0;
    if (!sub) {
        const char *v = sh_var_value(sh, nm); /* a nameref to an element included */
        if (v) {
            pv->set = true;
            pv->s = v;
        }
        return true;
    }
    sh_var *var = sh_var_get(sh, nm);
    if (sublen == 1 && (sub[0] == '@' || sub[0] == '*')) {
        pv->set = true;
        pv->list = true;
        pv->star = sub[0] == '*';
        if (!var) return true;
        if (!(var->flags & (VF_ARRAY | VF_ASSOC))) {
            const char *v = sh_var_value(sh, nm);
            if (!v) return true;
            pv->v = vk_malloc(sh->p, sizeof(char *));
            if (!pv->v) {
                x->oom = true;
                return false;
            }
            pv->own_v = true;
            pv->v[0] = (char *)v;
            pv->nv = 1;
            return true;
        }
        pv->v = vk_malloc(sh->p, (var->narr + 1) * sizeof(char *));
        if (!pv->v) {
            x->oom = true;
            return false;
        }
        pv->own_v = true;
        for (size_t i = 0; i < var->narr; i++) pv->v[i] = var->arr[i].val;
        pv->nv = (int)var->narr;
        return true;
    }
    if (var && (var->flags & VF_ASSOC)) {
        /* m[key]: the key is a string (expanded, quotes removed) */
        char *tmp = vk_strndup(sh->p, sub, sublen);
        char *key = tmp ? sh_expand_word(sh, tmp) : NULL;
        vk_free(sh->p, tmp);
        if (!key) {
            x_error(x, 1);
            return false;
        }
        const char *v = sh_assoc_get(var, key);
        vk_free(sh->p, key);
        if (v) {
            pv->set = true;
            pv->s = v;
        }
        return true;
    }
    /* a[index]: the subscript is arithmetic (expanded first) */
    char *subx = NULL;
    {
        char *tmp = vk_strndup(sh->p, sub, sublen);
        if (!tmp) {
            x->oom = true;
            return false;
        }
        subx = sh_expand_str(sh, tmp);
        vk_free(sh->p, tmp);
    }
    if (!subx) {
        x_error(x, 1);
        return false;
    }
    int64_t idx;
    int rc = sh_arith(sh, subx, &idx);
    vk_free(sh->p, subx);
    if (rc) {
        x_param_error(x);
        return false;
    }
    if (idx < 0) {
        /* counts from the end of an array; before its start (or on a scalar or an unset
         * name) bash reports it and goes on with the element unset */
        if (var && (var->flags & VF_ARRAY) && var->narr) idx += var->arr[var->narr - 1].idx + 1;
        if (idx < 0) {
            sh_error(sh, "%s: bad array subscript", nm);
            return true;
        }
    }
    if (!var) return true;
    const char *v = (var->flags & VF_SPECIAL) ? (idx == 0 ? sh_var_value(sh, nm) : NULL)
                                              : sh_array_get(var, idx);
    if (v) {
        pv->set = true;
        pv->s = v;
    }
    return true;
}

/* insert a list value ($@ etc.) */
static void add_list(xbuf *x, pval *pv, int ctx)
{
    bool quoted = ctx & (CX_DQ | CX_HEREDOC);
    if (quoted && pv->star) {
        const char *ifs = ifs_value(x->sh);
        for (int i = 0; i < pv->nv; i++) {
            if (i > 0 && ifs[0]) x_addc(x, ifs[0], XQ);
            x_add(x, pv->v[i], strlen(pv->v[i]), XQ);
        }
        if (pv->nv == 0) x->at_empty = false;
        return;
    }
    if (pv->nv == 0) {
        if (quoted) x->at_empty = true;
        return;
    }
    for (int i = 0; i < pv->nv; i++) {
        if (i > 0) {
            x_addc(x, ' ', XBRK);
        }
        if (quoted) x_addc(x, 0, XMARK);
        add_value(x, pv->v[i], strlen(pv->v[i]), ctx);
    }
}

static bool expand_text(xbuf *x, const char *s, size_t n, int ctx);

/* expand a sub-word (operand of ${x:-word}) into its own string */
static char *expand_sub_str(sh_state *sh, const char *s, size_t n, int ctx, bool *err)
{
    xbuf y;
    x_init(&y, sh);
    expand_text(&y, s, n, ctx);
    *err = y.err || y.oom;
    if (*err) {
        x_free(&y);
        return NULL;
    }
    /* the characters without the markers, in place (a break becomes a blank) */
    size_t k = 0;
    for (size_t i = 0; i < y.n; i++) {
        if (y.f[i] & XMARK) continue;
        y.c[k++] = (y.f[i] & XBRK) ? ' ' : y.c[i];
    }
    char *r = y.c;
    if (!r) r = vk_malloc(sh->p, 1);
    if (r) r[k] = 0; /* x_add always leaves room for the terminator */
    y.c = NULL;
    x_free(&y);
    if (!r) *err = true;
    return r;
}

/* how quoted characters of an expanded pattern are escaped */
enum { ESC_GLOB = 0, ESC_ALL = 1, ESC_REGEX = 2, ESC_REP = 3 };

/* expand a pattern operand: quoted characters are escaped for the matcher (those special to
 * it, every one for ESC_ALL, those special to an extended regex for ESC_REGEX) */
static char *expand_pattern_esc(sh_state *sh, const char *s, size_t n, int esc, bool *err)
{
    xbuf y;
    x_init(&y, sh);
    expand_text(&y, s, n, CX_PAT);
    *err = y.err || y.oom;
    if (*err) {
        x_free(&y);
        return NULL;
    }
    static const char *const special[] = {"*?[]\\()|@!+", "", "\\.[]()*+?{}|^$", "\\&"};
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (size_t i = 0; i < y.n; i++) {
        if (y.f[i] & XMARK) continue;
        char c = y.c[i];
        if (y.f[i] & XBRK) c = ' ';
        if ((y.f[i] & XQ) && (esc == ESC_ALL || (c && strchr(special[esc], c))))
            sh_buf_addc(&b, '\\');
        sh_buf_addc(&b, c);
    }
    x_free(&y);
    if (!b.s && !b.oom) sh_buf_add(&b, "", 0);
    char *r = sh_buf_take(&b);
    if (!r) *err = true;
    return r;
}

static char *expand_sub_pattern(sh_state *sh, const char *s, size_t n, bool *err)
{
    return expand_pattern_esc(sh, s, n, ESC_GLOB, err);
}

/* The scans below try the pattern at every position (and every length, unless the pattern
 * has a fixed one): a long string makes them long, so they check the VM's limits and
 * interrupts every SCAN_STEP tries, and stop (the expansion is then cut short: the shell is
 * unwinding anyway). */
#define SCAN_STEP 256
static bool scan_ok(sh_state *sh, size_t *tries)
{
    return ++*tries % SCAN_STEP != 0 || sh_step(sh);
}

/* Does pat match v[0..k)? With a fixed-length pattern only k == flen can. */
static bool pm_len(const char *pat, const char *v, size_t k, long flen, int ext)
{
    if (flen >= 0 && (size_t)flen != k) return false;
    return sh_pmatch_len_ext(pat, v, k, ext);
}

/* ${x#p} and friends on one string; result in b */
/* in a UTF-8 locale a match starts and ends between characters: UB(k) says k is such a place */
#define UB(k) (!u8 || sh_u8_boundary(v, n, (k)))

static bool has_high(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v >= 0x80) return true;
    return false;
}

static void remove_pattern(sh_state *sh, sh_buf *b, const char *v, const char *pat, bool suffix,
                           bool longest, int ext)
{
    size_t n = strlen(v), tries = 0;
    if ((ext & SH_PM_UTF8) && !has_high(v)) ext &= ~(SH_PM_UTF8 | SH_PM_LAX);
    bool u8 = ext & SH_PM_UTF8;
    long fl = sh_pattern_fixed_len(pat, ext);
    if (fl >= 0) {
        /* one length: one try */
        if ((size_t)fl <= n) {
            size_t at = suffix ? n - (size_t)fl : 0;
            if (sh_pmatch_len_ext(pat, v + at, (size_t)fl, ext)) {
                if (suffix) sh_buf_add(b, v, at);
                else sh_buf_adds(b, v + fl);
                return;
            }
        }
        sh_buf_adds(b, v);
        return;
    }
    if (!suffix) {
        if (longest) {
            for (size_t k = n + 1; k-- > 0 && scan_ok(sh, &tries);)
                if (UB(k) && sh_pmatch_len_ext(pat, v, k, ext)) {
                    sh_buf_adds(b, v + k);
                    return;
                }
        } else {
            for (size_t k = 0; k <= n && scan_ok(sh, &tries); k++)
                if (UB(k) && sh_pmatch_len_ext(pat, v, k, ext)) {
                    sh_buf_adds(b, v + k);
                    return;
                }
        }
    } else {
        if (longest) {
            for (size_t k = 0; k <= n && scan_ok(sh, &tries); k++)
                if (UB(k) && sh_pmatch_ext(pat, v + k, ext)) {
                    sh_buf_add(b, v, k);
                    return;
                }
        } else {
            for (size_t k = n + 1; k-- > 0 && scan_ok(sh, &tries);)
                if (UB(k) && sh_pmatch_ext(pat, v + k, ext)) {
                    sh_buf_add(b, v, k);
                    return;
                }
        }
    }
    sh_buf_adds(b, v);
}

/* the replacement of one match: rep comes escaped (expand_pattern_esc, ESC_REP): an
 * unescaped & is the matched text (bash 5.2's patsub_replacement), \c is c */
static void add_rep(sh_state *sh, sh_buf *b, const char *rep, const char *m, size_t mlen)
{
    bool amp = sh->shopt[SO_PATSUB_REPLACEMENT];
    for (const char *r = rep; *r; r++) {
        if (*r == '\\' && r[1])
            sh_buf_addc(b, *++r);
        else if (*r == '&' && amp)
            sh_buf_add(b, m, mlen);
        else
            sh_buf_addc(b, *r);
    }
}

/* ${x/pat/rep}: mode 0 first, 1 all, 2 anchored start, 3 anchored end */
static void replace_pattern(sh_state *sh, sh_buf *b, const char *v, const char *pat,
                            const char *rep, int mode, int ext)
{
    size_t n = strlen(v), tries = 0;
    if ((ext & SH_PM_UTF8) && !has_high(v)) ext &= ~(SH_PM_UTF8 | SH_PM_LAX);
    bool u8 = ext & SH_PM_UTF8;
    if (!*pat) {
        /* an empty anchored pattern matches at the start or the end */
        if (mode == 2) add_rep(sh, b, rep, v, 0);
        sh_buf_adds(b, v);
        if (mode == 3) add_rep(sh, b, rep, v + n, 0);
        return;
    }
    long fl = sh_pattern_fixed_len(pat, ext);
    if (mode == 2) {
        for (size_t k = n + 1; k-- > 0 && scan_ok(sh, &tries);)
            if (UB(k) && pm_len(pat, v, k, fl, ext)) {
                add_rep(sh, b, rep, v, k);
                sh_buf_adds(b, v + k);
                return;
            }
        sh_buf_adds(b, v);
        return;
    }
    if (mode == 3) {
        for (size_t k = 0; k <= n && scan_ok(sh, &tries); k++)
            if ((fl < 0 || n - k == (size_t)fl) && UB(k) && sh_pmatch_ext(pat, v + k, ext)) {
                sh_buf_add(b, v, k);
                add_rep(sh, b, rep, v + k, n - k);
                return;
            }
        sh_buf_adds(b, v);
        return;
    }
    if (fl < 0) {
        /* bash's shortcut: when *pat* does not match the whole string, nothing does */
        size_t pl = strlen(pat);
        char *any = vk_malloc(sh->p, pl + 3);
        if (any) {
            any[0] = '*';
            memcpy(any + 1, pat, pl);
            memcpy(any + 1 + pl, "*", 2);
            bool some = sh_pmatch_ext(any, v, ext);
            vk_free(sh->p, any);
            if (!some) {
                sh_buf_adds(b, v);
                return;
            }
        }
    }
    size_t i = 0;
    while (i <= n) {
        size_t best = 0;
        bool found = false;
        if (!UB(i)) {
            sh_buf_addc(b, v[i++]); /* the rest of a character: no match starts here */
            continue;
        }
        if (fl >= 0) {
            /* one length to try here (a literal or ?/[...] pattern: linear overall) */
            if (!scan_ok(sh, &tries)) break;
            if ((size_t)fl <= n - i && UB(i + (size_t)fl) &&
                sh_pmatch_len_ext(pat, v + i, (size_t)fl, ext)) {
                best = (size_t)fl;
                found = true;
            }
        } else {
            for (size_t k = n - i + 1; k-- > 0;) {
                if (!scan_ok(sh, &tries)) {
                    i = n + 1;
                    break;
                }
                if (UB(i + k) && sh_pmatch_len_ext(pat, v + i, k, ext)) {
                    best = k;
                    found = true;
                    break;
                }
            }
            if (i > n) break;
        }
        if (found && (best > 0 || i < n)) {
            add_rep(sh, b, rep, v + i, best);
            if (best == 0) {
                sh_buf_addc(b, v[i]);
                i++;
            } else {
                i += best;
            }
            if (mode == 0) {
                sh_buf_adds(b, v + i);
                return;
            }
            continue;
        }
        if (i < n) sh_buf_addc(b, v[i]);
        i++;
    }
}

/* ${x^} ${x^^} ${x,} ${x,,} ${x~} ${x~~}: mode 'u' upper, 'l' lower, 't' toggle */
void sh_case_modify(sh_buf *b, const char *v, const char *pat, char mode, bool all, bool utf8)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n;) {
        uint32_t c = (unsigned char)v[i];
        size_t l = utf8 ? sh_u8_decode(v + i, n - i, &c) : 1;
        bool valid = l > 0;
        if (!valid) l = 1;
        bool apply = (all || i == 0) && valid && (utf8 || c < 0x80);
        if (apply && pat && *pat) {
            char one[5];
            memcpy(one, v + i, l);
            one[l] = 0;
            apply = sh_pmatch_len_ext(pat, one, l, utf8 ? SH_PM_UTF8 | SH_PM_LAX : 0);
        }
        uint32_t m = c;
        if (apply) {
            uint32_t u = sh_u_toupper(c), lo = sh_u_tolower(c);
            if (mode == 'u') m = u;
            else if (mode == 'l') m = lo;
            else m = lo != c ? lo : u; /* ~: an upper (or title) letter goes down, a lower one up */
        }
        if (m != c) {
            char enc[4];
            sh_buf_add(b, enc, sh_u8_encode(m, enc));
        } else {
            sh_buf_add(b, v + i, l);
        }
        i += l;
    }
}

static void ansic_decode(sh_buf *b, const char *s, size_t n, bool utf8);

/* UTF-8 characters as bash counts them in a UTF-8 locale: a valid sequence is one character,
 * every byte of an invalid one is a character of its own. */
static size_t u8_charlen(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t want = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (want <= 1 || want > n) return 1;
    for (size_t k = 1; k < want; k++)
        if ((s[k] & 0xc0) != 0x80) return 1;
    if (want == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))) return 1;
    if (want == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))) return 1;
    return want;
}

static size_t u8_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i += u8_charlen((const unsigned char *)s + i, n - i)) k++;
    return k;
}

/* the byte offset of character ch (past the end: n) */
static size_t u8_offset(const char *s, size_t n, int64_t ch)
{
    size_t i = 0;
    for (; i < n && ch > 0; ch--) i += u8_charlen((const unsigned char *)s + i, n - i);
    return i;
}

/* the attribute letters of ${x@a} */
static void attr_letters(sh_buf *b, const sh_var *v)
{
    if (!v) return;
    static const struct {
        int flag;
        char c;
    } f[] = {{VF_ARRAY, 'a'},  {VF_ASSOC, 'A'},  {VF_INTEGER, 'i'}, {VF_NAMEREF, 'n'},
             {VF_READONLY, 'r'}, {VF_TRACE, 't'}, {VF_EXPORT, 'x'}, {VF_UPPER, 'u'},
             {VF_LOWER, 'l'}, {VF_CAPCASE, 'c'}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (v->flags & f[i].flag) sh_buf_addc(b, f[i].c);
}

/* ${x@Q}: always quoted; $'...' when the value has control characters */
static void quote_always(sh_buf *b, const char *v)
{
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < 32 || *c == 127) {
            sh_quote_ansic(b, v);
            return;
        }
    sh_buf_addc(b, '\'');
    for (const char *c = v; *c; c++) {
        if (*c == '\'')
            sh_buf_adds(b, "'\\''");
        else
            sh_buf_addc(b, *c);
    }
    sh_buf_addc(b, '\'');
}

static char *expand_flat(sh_state *sh, const char *word, int ctx);

/* a value inserted by a prompt escape: the expansion that follows must leave it as it is */
static void prompt_lit(sh_buf *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("$`\\", *s)) sh_buf_addc(b, '\\');
        sh_buf_addc(b, *s);
    }
}

/* ${x@P}: the prompt escapes bash documents under PROMPTING, then (promptvars) the expansions
 * of a double-quoted string. The clock and user escapes are left as written: a VM's prompt
 * has no use for them and tests cannot pin them down. */
static void prompt_expand(sh_state *sh, sh_buf *out, const char *v)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (const char *c = v; *c; c++) {
        if (*c != '\\' || !c[1]) {
            sh_buf_addc(&b, *c);
            continue;
        }
        char e = *++c;
        switch (e) {
        case 'a': sh_buf_addc(&b, 7); break;
        case 'e': sh_buf_addc(&b, 27); break;
        case 'n': sh_buf_addc(&b, '\n'); break;
        case 'r': sh_buf_addc(&b, '\r'); break;
        case '\\': sh_buf_addc(&b, '\\'); break; /* it may escape what follows, as in bash */
        case '[':
        case ']': break;
        case 'v': sh_buf_adds(&b, "5.2"); break;
        case 'V': sh_buf_adds(&b, "5.2.15"); break;
        case 'j': sh_buf_addc(&b, '0'); break;
        case '#': sh_buf_addc(&b, '0'); break;
        case '!': sh_buf_addc(&b, '1'); break;
        case '$': sh_buf_adds(&b, vk_getuid(sh->p) == 0 ? "#" : "\\$"); break;
        case 's': {
            const char *n = sh->arg0 ? sh->arg0 : "bash";
            const char *sl = strrchr(n, '/');
            prompt_lit(&b, sl ? sl + 1 : n);
            break;
        }
        case 'h':
        case 'H': {
            const char *h = vk_hostname(sh->p);
            if (!h) h = "";
            size_t hl = e == 'h' ? strcspn(h, ".") : strlen(h);
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(hl < 255 ? hl : 255), h);
            prompt_lit(&b, tmp);
            break;
        }
        case 'w':
        case 'W': {
            const char *pwd = sh_var_value(sh, "PWD");
            const char *home = sh_var_value(sh, "HOME");
            if (!pwd) pwd = "";
            size_t hl = home ? strlen(home) : 0;
            bool athome = hl > 1 && strncmp(pwd, home, hl) == 0 && (!pwd[hl] || pwd[hl] == '/');
            if (e == 'W') {
                const char *sl = strrchr(pwd, '/');
                if (athome && !pwd[hl])
                    sh_buf_addc(&b, '~');
                else
                    prompt_lit(&b, sl && sl[1] ? sl + 1 : pwd);
            } else if (athome) {
                sh_buf_addc(&b, '~');
                prompt_lit(&b, pwd + hl);
            } else {
                prompt_lit(&b, pwd);
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                int n = 0, k = 0;
                while (k < 3 && c[k] >= '0' && c[k] <= '7') n = n * 8 + (c[k++] - '0');
                c += k - 1;
                char tmp[2] = {(char)n, 0};
                if (n) prompt_lit(&b, tmp);
            } else {
                sh_buf_addc(&b, '\\');
                sh_buf_addc(&b, e);
            }
        }
    }
    if (sh->shopt[SO_PROMPTVARS] && b.s) {
        char *r = expand_flat(sh, b.s, CX_HEREDOC);
        if (r) {
            sh_buf_adds(out, r);
            vk_free(sh->p, r);
        }
    } else if (b.s) {
        sh_buf_adds(out, b.s);
    }
    sh_buf_free(&b);
}

static bool transform(sh_state *sh, sh_buf *b, const char *v, char op, const char *name)
{
    switch (op) {
    case 'Q': quote_always(b, v); return true;
    case 'U': sh_case_modify(b, v, NULL, 'u', true, sh_utf8_locale(sh)); return true;
    case 'u': sh_case_modify(b, v, NULL, 'u', false, sh_utf8_locale(sh)); return true;
    case 'L': sh_case_modify(b, v, NULL, 'l', true, sh_utf8_locale(sh)); return true;
    case 'E': ansic_decode(b, v, strlen(v), sh_utf8_locale(sh)); return true;
    case 'P': prompt_expand(sh, b, v); return true;
    case 'a': attr_letters(b, name ? sh_var_get(sh, name) : NULL); return true;
    case 'A': {
        sh_var *var = name ? sh_var_get(sh, name) : NULL;
        if (!name) return true;
        sh_buf fl;
        sh_buf_init(&fl, sh->p);
        attr_letters(&fl, var);
        if (fl.len) sh_buf_printf(b, "declare -%s ", fl.s);
        sh_buf_free(&fl);
        sh_buf_adds(b, name);
        sh_buf_addc(b, '=');
        quote_always(b, v);
        return true;
    }
    case 'K':
    case 'k': quote_always(b, v); return true;
    }
    return false;
}

static char *num_dup(sh_state *sh, int64_t n)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)n);
    return vk_strdup(sh->p, tmp);
}

/* ${a[@]@K} (one word of key "value" pairs), ${a[@]@k} (keys and values as words) on a whole
 * array, and ${@@A} (set -- and the quoted parameters as words); false when the parameter is
 * not one (each element then goes through transform). ${a[@]@A} is param_expand's. */
static bool list_transform(xbuf *x, const pval *pv, char top, const char *name, size_t nlen,
                           const char *sub, bool indirect, int ctx)
{
    sh_state *sh = x->sh;
    bool positional = nlen == 1 && (*name == '@' || *name == '*') && !sub;
    sh_var *v = NULL;
    if (positional) {
        if (top != 'A') return false;
    } else {
        if (!sub || indirect || nlen >= 256 || top == 'A') return false;
        char nm[256];
        memcpy(nm, name, nlen);
        nm[nlen] = 0;
        v = sh_var_get(sh, nm);
        if (!v || !(v->flags & (VF_ARRAY | VF_ASSOC))) return false;
    }
    sh_buf b;
    sh_buf_init(&b, sh->p);
    size_t n = positional ? (size_t)pv->nv : v->narr;
    char **w = vk_calloc(sh->p, 2 * n + 3, sizeof *w);
    int nw = 0;
    if (!w) {
        x->oom = true;
        return true;
    }
    if (top == 'K') {
        if (n) {
            sh_decl_elems(&b, v, false);
            w[nw++] = sh_buf_take(&b);
        }
    } else if (top == 'k') {
        for (size_t i = 0; i < n; i++) {
            if (v->flags & VF_ASSOC)
                w[nw++] = vk_strdup(sh->p, v->arr[i].key);
            else
                w[nw++] = num_dup(sh, v->arr[i].idx);
            w[nw++] = vk_strdup(sh->p, v->arr[i].val);
        }
    } else {
        if (!n) goto done;
        w[nw++] = vk_strdup(sh->p, "set");
        w[nw++] = vk_strdup(sh->p, "--");
        for (int i = 0; i < pv->nv; i++) {
            quote_always(&b, pv->v[i]);
            w[nw++] = sh_buf_take(&b);
        }
    }
done:
    sh_buf_free(&b);
    pval out = *pv;
    out.v = w;
    out.nv = nw;
    out.own_v = false;
    for (int i = 0; i < nw; i++)
        if (!w[i]) x->oom = true;
    if (!x->oom) add_list(x, &out, ctx);
    for (int i = 0; i < nw; i++) vk_free(sh->p, w[i]);
    vk_free(sh->p, w);
    return true;
}

/* apply a string operation to one value */
typedef struct strop {
    int kind;        /* 1 remove, 2 replace, 3 case, 4 substring, 5 transform */
    const char *pat, *rep;
    bool suffix, longest, all;
    int ext;         /* patterns: SH_PM_* (extglob, UTF-8) */
    char cmode;      /* case: 'u', 'l', 't' */
    const char *name; /* transform: the variable, for @A / @a */
    int mode;
    char top;
    int64_t off, len;
    bool has_len;
} strop;

static char *apply_op(sh_state *sh, const strop *op, const char *v)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    switch (op->kind) {
    case 1: remove_pattern(sh, &b, v, op->pat, op->suffix, op->longest, op->ext); break;
    case 2: replace_pattern(sh, &b, v, op->pat, op->rep, op->mode, op->ext); break;
    case 3: sh_case_modify(&b, v, op->pat, op->cmode, op->all, sh_utf8_locale(sh)); break;
    case 4: {
        /* offsets count characters in a UTF-8 locale, bytes otherwise */
        size_t bytes = strlen(v);
        bool u8 = sh_utf8_locale(sh);
        int64_t n = u8 ? (int64_t)u8_count(v, bytes) : (int64_t)bytes;
        int64_t off = op->off;
        if (off < 0) off += n;
        if (off < 0 || off > n) break;
        int64_t len = op->has_len ? op->len : n - off;
        if (len < 0) len = n - off + len;
        if (len < 0) len = -1;
        if (len > n - off) len = n - off;
        if (len > 0) {
            size_t from = u8 ? u8_offset(v, bytes, off) : (size_t)off;
            size_t to = u8 ? from + u8_offset(v + from, bytes - from, len) : from + (size_t)len;
            sh_buf_add(&b, v + from, to - from);
        }
        break;
    }
    case 5: transform(sh, &b, v, op->top, op->name); break;
    }
    if (!b.s && !b.oom) sh_buf_add(&b, "", 0);
    return sh_buf_take(&b);
}

static bool is_special_param(char c) { return c && strchr("@*#?-$!0", c) != NULL; }

/* s[0..n) is a positional parameter's number */
static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return n > 0;
}

static void unbound(xbuf *x, const char *name, size_t n, const char *sub, size_t sublen,
                    bool indirect)
{
    if (indirect) /* ${!x} whose target is unset: bash names it !x */
        sh_error(x->sh, "!%.*s: unbound variable", (int)n, name);
    else if (sub)
        sh_error(x->sh, "%.*s[%.*s]: unbound variable", (int)n, name, (int)sublen, sub);
    else if (name[0] >= '0' && name[0] <= '9')
        sh_error(x->sh, "$%.*s: unbound variable", (int)n, name);
    else
        sh_error(x->sh, "%.*s: unbound variable", (int)n, name);
    x->sh->fatal = true;
    x_error(x, 127);
}

/* context for the word of ${x:-word} / ${x:+word} */
static int word_ctx(int ctx)
{
    ctx &= ~CX_PAT;
    if (!(ctx & (CX_DQ | CX_HEREDOC)))
        ctx |= CX_SPLITLIT;
    else
        ctx |= CX_OPW; /* bash removes the quotes of "${u:-"a b"}", even in a here-document */
    return ctx;
}

/* ${...}: t is the text between the braces */
static void param_expand(xbuf *x, const char *t, size_t m, int ctx)
{
    sh_state *sh = x->sh;
    size_t k = 0;
    bool want_len = false, indirect = false;
    if (m >= 2 && t[0] == '#' && t[1] != '}' &&
        (sh_is_name_start((unsigned char)t[1]) || (t[1] >= '0' && t[1] <= '9') ||
         (is_special_param(t[1]) && (m == 2 || t[2] == '[')))) {
        want_len = true;
        k = 1;
    } else if (m >= 2 && t[0] == '!' && (sh_is_name_start((unsigned char)t[1]) ||
                                          (t[1] >= '0' && t[1] <= '9') || t[1] == '@' ||
                                          t[1] == '*' || t[1] == '#')) {
        indirect = true;
        k = 1;
    }
    size_t ns = k;
    if (k < m && sh_is_name_start((unsigned char)t[k])) {
        while (k < m && sh_is_name_char((unsigned char)t[k])) k++;
    } else if (k < m && t[k] >= '0' && t[k] <= '9') {
        while (k < m && t[k] >= '0' && t[k] <= '9') k++;
    } else if (k < m && is_special_param(t[k])) {
        k++;
    } else {
        sh_error(sh, "${%.*s}: bad substitution", (int)m, t);
        x_param_error(x);
        return;
    }
    const char *name = t + ns;
    size_t nlen = k - ns;
    const char *sub = NULL;
    size_t sublen = 0;
    if (k < m && t[k] == '[' && sh_is_name_start((unsigned char)name[0])) {
        size_t e = k + 1;
        int depth = 1;
        while (e < m) {
            if (t[e] == '[') depth++;
            if (t[e] == ']' && --depth == 0) break;
            e++;
        }
        if (e >= m) {
            sh_error(sh, "${%.*s}: bad substitution", (int)m, t);
            x_param_error(x);
            return;
        }
        sub = t + k + 1;
        sublen = e - k - 1;
        k = e + 1;
    }
    /* ${!prefix*} ${!prefix@} */
    if (indirect && !sub && k + 1 == m && (t[k] == '*' || t[k] == '@')) {
        size_t nv = 0;
        sh_var **vars = sh_vars_sorted(sh, &nv);
        bool first = true;
        bool quoted = ctx & (CX_DQ | CX_HEREDOC);
        for (size_t i = 0; i < nv; i++) {
            if (strncmp(vars[i]->name, name, nlen) != 0) continue;
            if (!vars[i]->val && !(vars[i]->flags & (VF_ARRAY | VF_SPECIAL))) continue;
            if (!first) {
                if (quoted && t[k] == '@') {
                    x_addc(x, ' ', XBRK);
                } else if (quoted) {
                    const char *ifs = ifs_value(sh); /* "${!p*}" joins with IFS's first char */
                    if (*ifs) x_addc(x, *ifs, XQ);
                } else {
                    x_addc(x, ' ', XS);
                }
            }
            first = false;
            add_value(x, vars[i]->name, strlen(vars[i]->name), ctx);
        }
        vk_free(sh->p, vars);
        return;
    }
    pval pv;
    if (indirect && sub && sublen == 1 && (sub[0] == '@' || sub[0] == '*')) {
        /* ${!a[@]}: the indices */
        char nm[256];
        if (nlen >= sizeof nm) return;
        memcpy(nm, name, nlen);
        nm[nlen] = 0;
        sh_var *var = sh_var_get(sh, nm);
        bool quoted = ctx & (CX_DQ | CX_HEREDOC);
        size_t cnt = !var ? 0 : (var->flags & (VF_ARRAY | VF_ASSOC)) ? var->narr
                                                                  : (var->val ? 1 : 0);
        if (cnt == 0) {
            /* "${!b[@]}" of an unset or empty array is no word at all, as "$@" */
            if (quoted && sub[0] == '@') x->at_empty = true;
            return;
        }
        for (size_t i = 0; i < cnt; i++) {
            char num[32];
            snprintf(num, sizeof num, "%lld",
                     (long long)((var->flags & VF_ARRAY) ? var->arr[i].idx : 0));
            const char *key = (var->flags & VF_ASSOC) ? var->arr[i].key : num;
            if (i > 0 && quoted && sub[0] == '*') {
                const char *ifs = ifs_value(sh); /* "${!a[*]}" joins with IFS's first char */
                if (*ifs) x_addc(x, *ifs, XQ);
            } else if (i > 0) {
                x_addc(x, ' ', quoted ? XBRK : XS);
            }
            if (quoted && sub[0] == '@') x_addc(x, 0, XMARK);
            add_value(x, key, strlen(key), ctx);
        }
        return;
    }
    char iname[256]; /* the name of ${!name} */
    iname[0] = 0;
    if (indirect && nlen < sizeof iname) {
        memcpy(iname, name, nlen);
        iname[nlen] = 0;
    }
    sh_var *nref = NULL;
    if (indirect && !sub && iname[0]) {
        nref = sh_is_name(iname, nlen) ? sh_var_get_raw(sh, iname) : NULL;
        if (nref && (!(nref->flags & VF_NAMEREF) || !nref->val || !*nref->val)) nref = NULL;
        if (nref && sh_nameref_loops(sh, iname)) {
            sh_error(sh, "%s: invalid indirect expansion", iname);
            x_param_error(x);
            return;
        }
    }
    if (nref) {
        /* ${!ref} of a nameref is the name it stands for */
        memset(&pv, 0, sizeof pv);
        pv.set = true;
        pv.s = nref->val;
        indirect = false;
    } else if (!get_param(x, name, nlen, sub, sublen, &pv)) {
        return;
    }
    /* ${!x} where x is declared without a value, or a positional parameter not given:
     * bash expands it as unset, without an error */
    bool declared = indirect && !pv.list && !pv.s &&
                    (all_digits(name, nlen) || (iname[0] && sh_var_get_raw(sh, iname)));
    if (declared) {
        pval_free(sh, &pv);
        memset(&pv, 0, sizeof pv);
    } else if (indirect) {
        const char *target = pv.list ? NULL : pv.s;
        pval_free(sh, &pv);
        if (!target || !*target) {
            /* even under set -u (bash 5.2); set but empty, it is an empty name */
            if (target && pv.set)
                sh_error(sh, ": invalid variable name");
            else if (sub)
                sh_error(sh, "%.*s[%.*s]: invalid indirect expansion", (int)nlen, name,
                         (int)sublen, sub);
            else
                sh_error(sh, "%.*s: invalid indirect expansion", (int)nlen, name);
            x_param_error(x);
            return;
        }
        char *tg = vk_strdup(sh->p, target);
        if (!tg) {
            x->oom = true;
            return;
        }
        size_t tl = strlen(tg);
        const char *tsub = NULL;
        size_t tsublen = 0;
        char *br = strchr(tg, '[');
        size_t tnl = tl;
        if (br && tg[tl - 1] == ']') {
            tnl = (size_t)(br - tg);
            tsub = br + 1;
            tsublen = tl - tnl - 2;
        }
        if (!sh_is_name(tg, tnl) && !(tnl == 1 && is_special_param(tg[0])) &&
            !all_digits(tg, tnl)) {
            sh_error(sh, "%s: invalid variable name", tg);
            vk_free(sh->p, tg);
            x_param_error(x);
            return;
        }
        bool got = get_param(x, tg, tnl, tsub, tsublen, &pv);
        vk_free(sh->p, tg);
        if (!got) return;
    }
    const char *op = t + k;
    size_t oplen = m - k;
    bool quoted = ctx & (CX_DQ | CX_HEREDOC);

    if (want_len) {
        if (oplen) {
            sh_error(sh, "${%.*s}: bad substitution", (int)m, t);
            x_param_error(x);
            pval_free(sh, &pv);
            return;
        }
        char num[32];
        if (pv.list) {
            snprintf(num, sizeof num, "%d", pv.nv);
        } else {
            if (!pv.set && sh->opt[O_NOUNSET]) {
                unbound(x, name, nlen, sub, sublen, indirect);
                return;
            }
            size_t bl = pv.s ? strlen(pv.s) : 0;
            snprintf(num, sizeof num, "%zu", sh_utf8_locale(sh) ? u8_count(pv.s, bl) : bl);
        }
        add_value(x, num, strlen(num), ctx);
        pval_free(sh, &pv);
        return;
    }

    if (oplen == 0) {
        if (!pv.set && sh->opt[O_NOUNSET] && !(nlen == 1 && (name[0] == '@' || name[0] == '*'))) {
            unbound(x, name, nlen, sub, sublen, indirect);
            return;
        }
        if (pv.list)
            add_list(x, &pv, ctx);
        else if (pv.s)
            add_value(x, pv.s, strlen(pv.s), ctx);
        pval_free(sh, &pv);
        return;
    }

    bool colon = op[0] == ':' && oplen >= 2 && strchr("-=?+", op[1]);
    char oc = colon ? op[1] : op[0];
    if (strchr("-=?+", oc) && (colon || op[0] == oc)) {
        const char *w = op + (colon ? 2 : 1);
        size_t wl = oplen - (colon ? 2 : 1);
        bool isnull;
        if (pv.list)
            isnull = pv.nv == 0 || (colon && pv.nv == 1 && !pv.v[0][0]);
        else
            isnull = !pv.set || (colon && !*pv.s);
        if (pv.list && !colon) isnull = pv.nv == 0;
        switch (oc) {
        case '-':
            if (isnull) {
                expand_text(x, w, wl, word_ctx(ctx));
            } else if (pv.list) {
                add_list(x, &pv, ctx);
            } else {
                add_value(x, pv.s, strlen(pv.s), ctx);
            }
            break;
        case '+':
            if (!isnull) expand_text(x, w, wl, word_ctx(ctx));
            break;
        case '=':
            if (isnull) {
                if (pv.list || !(sh_is_name(name, nlen) || sub)) {
                    sh_error(sh, "$%.*s: cannot assign in this way", (int)nlen, name);
                    x_param_error(x);
                    break;
                }
                bool err;
                char *val = expand_sub_str(sh, w, wl, word_ctx(ctx) | CX_ASSIGN, &err);
                if (err) {
                    x_error(x, 1);
                    break;
                }
                char nm[256];
                snprintf(nm, sizeof nm, "%.*s", (int)nlen, name);
                int rc = 0;
                if (sub) {
                    /* an element: a key of an associative array, else an index */
                    char *s2 = vk_strndup(sh->p, sub, sublen);
                    rc = s2 ? sh_assign_elem(sh, nm, s2, val, false) : -1;
                    vk_free(sh->p, s2);
                } else {
                    rc = sh_var_set(sh, nm, val, 0);
                }
                if (rc) {
                    vk_free(sh->p, val);
                    x_error(x, 1);
                    break;
                }
                add_value(x, val, strlen(val), ctx);
                vk_free(sh->p, val);
            } else if (pv.list) {
                add_list(x, &pv, ctx);
            } else {
                add_value(x, pv.s, strlen(pv.s), ctx);
            }
            break;
        case '?':
            if (isnull) {
                bool err = false;
                /* bash removes the quotes of the message even inside "..." */
                char *msg = wl ? expand_sub_str(sh, w, wl, 0, &err) : NULL;
                if (err) {
                    x_error(x, 1);
                    break;
                }
                /* bash names an element with its subscript, and says "not set" for ? */
                char shown[512];
                const char *bang = indirect ? "!" : "";
                if (sub)
                    snprintf(shown, sizeof shown, "%s%.*s[%.*s]", bang, (int)nlen, name,
                             (int)sublen, sub);
                else
                    snprintf(shown, sizeof shown, "%s%.*s", bang, (int)nlen, name);
                if (msg)
                    sh_error(sh, "%s: %s", shown, msg);
                else
                    sh_error(sh, "%s: parameter %s", shown, colon ? "null or not set" : "not set");
                vk_free(sh->p, msg);
                sh->fatal = true;
                x_error(x, 127);
            } else if (pv.list) {
                add_list(x, &pv, ctx);
            } else {
                add_value(x, pv.s, strlen(pv.s), ctx);
            }
            break;
        }
        pval_free(sh, &pv);
        return;
    }

    if (!pv.set && sh->opt[O_NOUNSET] && !pv.list) {
        unbound(x, name, nlen, sub, sublen, indirect);
        return;
    }

    /* string operations */
    strop so;
    memset(&so, 0, sizeof so);
    so.ext = sh_pmode(sh, sh->shopt[SO_EXTGLOB]);
    if (so.ext & SH_PM_UTF8) so.ext |= SH_PM_LAX; /* bash reads a bad byte as a character */
    char so_name[256];
    char *pat = NULL, *rep = NULL;
    bool err = false, bad = false;
    if (op[0] == '#' || op[0] == '%') {
        so.kind = 1;
        so.suffix = op[0] == '%';
        so.longest = oplen >= 2 && op[1] == op[0];
        size_t skip = so.longest ? 2 : 1;
        pat = expand_sub_pattern(sh, op + skip, oplen - skip, &err);
        so.pat = pat;
    } else if (op[0] == '/') {
        so.kind = 2;
        size_t i = 1;
        if (i < oplen && op[i] == '/') {
            so.mode = 1;
            i++;
        } else if (i < oplen && op[i] == '#') {
            so.mode = 2;
            i++;
        } else if (i < oplen && op[i] == '%') {
            so.mode = 3;
            i++;
        }
        /* the pattern ends at an unquoted / */
        size_t ps = i;
        while (i < oplen && op[i] != '/') {
            if (op[i] == '\\' && i + 1 < oplen)
                i += 2;
            else if (op[i] == '\'')
                i = skip_squote(op, i, oplen, false);
            else if (op[i] == '"')
                i = skip_dquote(sh, op, i, oplen);
            else if (op[i] == '$')
                i = skip_dollar(sh, op, i, oplen);
            else
                i++;
        }
        pat = expand_sub_pattern(sh, op + ps, i - ps, &err);
        if (!err)
            /* the replacement loses its quotes even inside "..." (bash 5.2); its quoted & and
             * \ stay literal */
            rep = i < oplen ? expand_pattern_esc(sh, op + i + 1, oplen - i - 1, ESC_REP, &err)
                            : vk_strdup(sh->p, "");
        if (!err && !rep) err = true;
        so.pat = pat;
        so.rep = rep;
    } else if (op[0] == '^' || op[0] == ',' || op[0] == '~') {
        so.kind = 3;
        so.cmode = op[0] == '^' ? 'u' : (op[0] == ',' ? 'l' : 't');
        so.all = oplen >= 2 && op[1] == op[0];
        size_t skip = so.all ? 2 : 1;
        if (oplen > skip) {
            pat = expand_sub_pattern(sh, op + skip, oplen - skip, &err);
            so.pat = pat;
        }
    } else if (op[0] == ':') {
        so.kind = 4;
        /* offset[:length], both arithmetic */
        size_t i = 1;
        int depth = 0;
        while (i < oplen && !(op[i] == ':' && depth == 0)) {
            if (op[i] == '(') depth++;
            if (op[i] == ')') depth--;
            i++;
        }
        /* as bash's verify_substring_values: both words are expanded; the offset is
         * evaluated unless the variable is unset, the length only when the offset falls
         * inside the value (else the result is empty); an arithmetic error names the
         * parameter ("x: 1/0: division by 0...") */
        bool positional = nlen == 1 && (*name == '@' || *name == '*') && !sub;
        char actx[128];
        snprintf(actx, sizeof actx, "%.*s", (int)(op - name), name);
        const char *save_ctx = sh->arith_ctx;
        char *offs = expand_sub_str(sh, op + 1, i - 1, CX_DQ, &err);
        sh_var *av = NULL;
        if (pv.list && sub && !indirect && nlen < 256) {
            char nm[256];
            memcpy(nm, name, nlen);
            nm[nlen] = 0;
            av = sh_var_get(sh, nm);
        }
        bool none = pv.list ? !positional && !av : !pv.set;
        sh->arith_ctx = actx;
        if (!err && !none && sh_arith(sh, offs, &so.off)) err = true;
        sh->arith_ctx = save_ctx;
        if (!err && !none) {
            int64_t vlen = -1;
            if (!pv.list) {
                size_t bytes = pv.s ? strlen(pv.s) : 0;
                vlen = sh_utf8_locale(sh) ? (int64_t)u8_count(pv.s ? pv.s : "", bytes)
                                       : (int64_t)bytes;
            } else if (positional) {
                vlen = pv.nv + 1 + (so.off == 0);
            } else {
                if (av && (av->flags & VF_ASSOC))
                    vlen = (int64_t)av->narr + (so.off < 0);
                else if (av && (av->flags & VF_ARRAY))
                    vlen = (av->narr ? av->arr[av->narr - 1].idx : -1) + (so.off < 0);
                else
                    vlen = pv.nv;
            }
            int64_t o = so.off < 0 ? so.off + vlen : so.off;
            if (vlen < 0 || o > vlen || o < 0) none = true;
        }
        char *lens = NULL;
        if (none) {
            so.off = INT32_MAX; /* empty */
        } else if (!err && i < oplen) {
            lens = expand_sub_str(sh, op + i + 1, oplen - i - 1, CX_DQ, &err);
            sh->arith_ctx = actx;
            if (!err && sh_arith(sh, lens, &so.len)) err = true;
            sh->arith_ctx = save_ctx;
            so.has_len = true;
        }
        vk_free(sh->p, offs);
        vk_free(sh->p, lens);
        if (!err && so.has_len && so.len < 0 && pv.list) {
            sh_error(sh, "%.*s: substring expression < 0", (int)(oplen - i - 1), op + i + 1);
            err = true;
        }
        if (!err && so.has_len && so.len < 0 && !pv.list && pv.set && pv.s) {
            /* a negative length counts from the end: bash refuses an end before the start */
            size_t bytes = strlen(pv.s);
            int64_t vn = sh_utf8_locale(sh) ? (int64_t)u8_count(pv.s, bytes) : (int64_t)bytes;
            int64_t off = so.off < 0 ? so.off + vn : so.off;
            if (off >= 0 && off <= vn && vn - off + so.len < 0) {
                sh_error(sh, "%.*s: substring expression < 0", (int)(oplen - i - 1),
                         op + i + 1);
                err = true;
            }
        }
    } else if (op[0] == '@' && oplen == 2 && strchr("QUuLEPAaKk", op[1])) {
        so.kind = 5;
        so.top = op[1];
        if (!indirect && sh_is_name(name, nlen) && nlen < sizeof so_name) {
            memcpy(so_name, name, nlen);
            so_name[nlen] = 0;
            so.name = so_name;
        }
    } else {
        sh_error(sh, "${%.*s}: bad substitution", (int)m, t);
        err = bad = true;
    }
    if (err) {
        vk_free(sh->p, pat);
        vk_free(sh->p, rep);
        pval_free(sh, &pv);
        /* an unknown @ operator ends the shell with 127, as an unset variable does; under
         * set -e it and other bad substitutions end it with 1 (bash) */
        if (bad && op[0] == '@' && !sh->opt[O_ERREXIT]) x_error(x, 127);
        else if (bad) x_param_error(x);
        else x_error(x, 1);
        return;
    }
    if (pv.list && sub && !indirect && so.kind == 5 && so.top == 'A' && so.name) {
        /* ${a[@]@A}: the whole array as declare -p shows it, one word */
        sh_var *av = sh_var_get(sh, so.name);
        if (av && (av->flags & (VF_ARRAY | VF_ASSOC))) {
            sh_buf d;
            sh_buf_init(&d, sh->p);
            sh_var_decl(sh, &d, av);
            if (d.len && d.s[d.len - 1] == '\n') d.s[--d.len] = 0;
            if (d.oom || !d.s) {
                x->oom = true;
            } else {
                /* as bash: "declare", "-a", "name=(...)" are separate words, even quoted */
                char *w[3];
                char *sp1 = strchr(d.s, ' ');
                char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
                if (sp2) {
                    *sp1 = *sp2 = 0;
                    w[0] = d.s, w[1] = sp1 + 1, w[2] = sp2 + 1;
                    pval out = pv;
                    out.v = w;
                    out.nv = 3;
                    add_list(x, &out, ctx);
                } else {
                    add_value(x, d.s, d.len, ctx);
                }
            }
            sh_buf_free(&d);
            vk_free(sh->p, pat);
            vk_free(sh->p, rep);
            pval_free(sh, &pv);
            return;
        }
    }
    if (!pv.list) {
        /* ${x@a} shows a declared variable's attributes even while it has no value */
        bool attrs_only = !pv.set && so.kind == 5 && so.top == 'a' && so.name &&
                          sh_var_get(sh, so.name);
        if (pv.set || so.kind != 5 || attrs_only) {
            char *r = apply_op(sh, &so, pv.s ? pv.s : "");
            if (!r)
                x->oom = true;
            else
                add_value(x, r, strlen(r), ctx);
            vk_free(sh->p, r);
        }
    } else if (so.kind == 5 && (so.top == 'K' || so.top == 'k' || so.top == 'A') &&
               list_transform(x, &pv, so.top, name, nlen, sub, indirect, ctx)) {
        /* done */
    } else {
        /* element-wise; substring selects elements */
        pval out = pv;
        char **nv = vk_calloc(sh->p, (size_t)pv.nv + 2, sizeof *nv);
        int nn = 0;
        if (!nv) {
            x->oom = true;
        } else if (so.kind == 4) {
            /* positional parameters count $0 at offset 0 */
            bool positional = nlen == 1 && (name[0] == '@' || name[0] == '*') && !sub;
            int total = pv.nv + (positional ? 1 : 0);
            int64_t off = so.off;
            if (off < 0) off += total;
            if (off < 0) off = total;
            int64_t len = so.has_len ? so.len : total - off;
            /* an indexed array's offset is an index: the slice starts at the first element
             * whose index is at least that (counted from the last index + 1 if negative) */
            sh_var *av = NULL;
            if (sub && !indirect && nlen < 256) {
                char nm[256];
                memcpy(nm, name, nlen);
                nm[nlen] = 0;
                av = sh_var_get(sh, nm);
            }
            if (av && (av->flags & VF_ARRAY) && !(av->flags & VF_ASSOC) &&
                av->narr == (size_t)pv.nv && pv.nv > 0) {
                int64_t ix = so.off;
                if (ix < 0) ix += av->arr[pv.nv - 1].idx + 1;
                off = total;
                if (ix >= 0)
                    for (int e = 0; e < pv.nv; e++)
                        if (av->arr[e].idx >= ix) {
                            off = e;
                            break;
                        }
                len = so.has_len ? so.len : total - off;
            }
            for (int64_t i = off; i < total && i - off < len; i++) {
                const char *e = positional ? (i == 0 ? (sh->arg0 ? sh->arg0 : "bash")
                                                     : pv.v[i - 1])
                                           : pv.v[i];
                nv[nn++] = vk_strdup(sh->p, e);
            }
        } else {
            for (int i = 0; i < pv.nv; i++) nv[nn++] = apply_op(sh, &so, pv.v[i]);
        }
        if (nv) {
            out.v = nv;
            out.nv = nn;
            add_list(x, &out, ctx);
            for (int i = 0; i < nn; i++) vk_free(sh->p, nv[i]);
            vk_free(sh->p, nv);
        }
        (void)quoted;
    }
    vk_free(sh->p, pat);
    vk_free(sh->p, rep);
    pval_free(sh, &pv);
}

/* ---- $'...' ---- */
static void put_utf8(sh_buf *b, uint32_t cp)
{
    if (cp < 0x80) {
        sh_buf_addc(b, (int)cp);
    } else if (cp < 0x800) {
        sh_buf_addc(b, 0xc0 | (int)(cp >> 6));
        sh_buf_addc(b, 0x80 | (int)(cp & 0x3f));
    } else if (cp < 0x10000) {
        sh_buf_addc(b, 0xe0 | (int)(cp >> 12));
        sh_buf_addc(b, 0x80 | (int)((cp >> 6) & 0x3f));
        sh_buf_addc(b, 0x80 | (int)(cp & 0x3f));
    } else {
        sh_buf_addc(b, 0xf0 | (int)(cp >> 18));
        sh_buf_addc(b, 0x80 | (int)((cp >> 12) & 0x3f));
        sh_buf_addc(b, 0x80 | (int)((cp >> 6) & 0x3f));
        sh_buf_addc(b, 0x80 | (int)(cp & 0x3f));
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void ansic_decode(sh_buf *b, const char *s, size_t n, bool utf8)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            sh_buf_addc(b, s[i]);
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 'a': sh_buf_addc(b, '\a'); break;
        case 'b': sh_buf_addc(b, '\b'); break;
        case 'e':
        case 'E': sh_buf_addc(b, 27); break;
        case 'f': sh_buf_addc(b, '\f'); break;
        case 'n': sh_buf_addc(b, '\n'); break;
        case 'r': sh_buf_addc(b, '\r'); break;
        case 't': sh_buf_addc(b, '\t'); break;
        case 'v': sh_buf_addc(b, '\v'); break;
        case '\\': sh_buf_addc(b, '\\'); break;
        case '\'': sh_buf_addc(b, '\''); break;
        case '"': sh_buf_addc(b, '"'); break;
        case '?': sh_buf_addc(b, '?'); break;
        case 'c':
            if (i + 1 < n) {
                char d = s[++i];
                /* \c\\ is control-backslash; \c? is DEL, as bash's TOCTRL */
                if (d == '\\' && i + 1 < n && s[i + 1] == '\\') i++;
                sh_buf_addc(b, d == '?' ? 0x7f : (d >= 'a' && d <= 'z' ? d - 32 : d) & 0x1f);
            } else {
                sh_buf_add(b, "\\c", 2);
            }
            break;
        case 'x': {
            int v = 0, k = 0;
            while (k < 2 && i + 1 < n && hexval((unsigned char)s[i + 1]) >= 0) {
                v = v * 16 + hexval((unsigned char)s[++i]);
                k++;
            }
            if (k == 0)
                sh_buf_add(b, "\\x", 2);
            else
                sh_buf_addc(b, v);
            break;
        }
        case 'u':
        case 'U': {
            uint32_t v = 0;
            int k = 0, max = c == 'u' ? 4 : 8;
            while (k < max && i + 1 < n && hexval((unsigned char)s[i + 1]) >= 0) {
                v = v * 16 + (uint32_t)hexval((unsigned char)s[++i]);
                k++;
            }
            if (k == 0) {
                sh_buf_addc(b, '\\');
                sh_buf_addc(b, c);
            } else if (v < 0x80 || utf8) {
                put_utf8(b, v);
            } else {
                /* bash in the C locale cannot encode it and keeps the escape */
                sh_buf_printf(b, c == 'u' ? "\\u%04X" : "\\U%08X", (unsigned)v);
            }
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0', k = 1;
                while (k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7') {
                    v = v * 8 + (s[++i] - '0');
                    k++;
                }
                sh_buf_addc(b, v & 0xff);
            } else {
                sh_buf_addc(b, '\\');
                sh_buf_addc(b, c);
            }
        }
    }
}

/* ---- command substitution ---- */
static void add_cmdsubst(xbuf *x, const char *src, size_t len, int ctx)
{
    char *out = sh_command_subst(x->sh, src, len);
    if (!out) {
        if (vk_dying(x->sh->p)) x->err = true;
        return;
    }
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '\n') n--;
    add_value(x, out, n, ctx);
    vk_free(x->sh->p, out);
}

static void add_backquote(xbuf *x, const char *s, size_t n, int ctx)
{
    /* inside `...`, backslash quotes only $ ` \ (and " inside double quotes) */
    sh_buf b;
    sh_buf_init(&b, x->sh->p);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n &&
            (s[i + 1] == '$' || s[i + 1] == '`' || s[i + 1] == '\\' ||
             ((ctx & CX_DQ) && s[i + 1] == '"'))) {
            i++;
        }
        sh_buf_addc(&b, s[i]);
    }
    if (b.oom) {
        x->oom = true;
        sh_buf_free(&b);
        return;
    }
    /* `...` is parsed only when it runs: bash names its syntax errors "command substitution" */
    const char *save = x->sh->parse_ctx;
    x->sh->parse_ctx = "command substitution";
    add_cmdsubst(x, b.s ? b.s : "", b.len, ctx);
    x->sh->parse_ctx = save;
    sh_buf_free(&b);
}

static void add_arith(xbuf *x, const char *s, size_t n, int ctx)
{
    bool err = false;
    /* most expressions have nothing to expand */
    bool plain = true;
    for (size_t i = 0; i < n && plain; i++)
        if (strchr("$`\"'\\", s[i])) plain = false;
    char *e = plain ? vk_strndup(x->sh->p, s, n)
                    : expand_sub_str(x->sh, s, n, CX_DQ | CX_PAT | CX_ARITH, &err);
    if (err || !e) {
        vk_free(x->sh->p, e);
        x_error(x, 1);
        return;
    }
    int64_t v;
    if (sh_arith(x->sh, e, &v) != 0) {
        vk_free(x->sh->p, e);
        /* an unbound variable under set -u ends the script with 127 */
        x_error(x, x->sh->fatal ? 127 : 1);
        return;
    }
    vk_free(x->sh->p, e);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)v);
    add_value(x, num, strlen(num), ctx);
}

/* $ at s[i]; returns the index after the expansion */
static size_t expand_dollar(xbuf *x, const char *s, size_t i, size_t n, int ctx)
{
    sh_state *sh = x->sh;
    bool quoted = ctx & (CX_DQ | CX_HEREDOC);
    if (i + 1 >= n) {
        x_addc(x, '$', quoted ? XQ : 0);
        return i + 1;
    }
    char c = s[i + 1];
    if (c == '{') {
        size_t e = skip_brace(sh, s, i + 1, n);
        param_expand(x, s + i + 2, e - i - 3, ctx);
        return e;
    }
    if (c == '(') {
        if (i + 2 < n && s[i + 2] == '(') {
            size_t e = arith_end(s, i + 1, n);
            if (e) {
                add_arith(x, s + i + 3, e - i - 5, ctx);
                return e;
            }
        }
        size_t e = sh_cmdsubst_end(sh, s, i + 2, n);
        add_cmdsubst(x, s + i + 2, e > i + 2 ? e - i - 3 : 0, ctx);
        return e;
    }
    if (c == '[') {
        /* $[expr]: bash's old spelling of $((expr)) */
        size_t e = bracket_arith_end(s, i + 1, n);
        if (e) {
            add_arith(x, s + i + 2, e - i - 3, ctx);
            return e;
        }
    }
    /* extquote: $'...' and $"..." are quotes in the word of "${x:-word}" (not in a
     * here-document's) */
    bool ext = (ctx & CX_OPW) && !(ctx & CX_HEREDOC) && sh->shopt[SO_EXTQUOTE];
    if (c == '\'' && (!quoted || ext)) {
        size_t e = skip_squote(s, i + 1, n, true);
        sh_buf b;
        sh_buf_init(&b, sh->p);
        ansic_decode(&b, s + i + 2, e - i - 3, sh_utf8_locale(sh));
        if (b.oom)
            x->oom = true;
        else
            x_add(x, b.s ? b.s : "", b.len, XQ);
        x_addc(x, 0, XMARK);
        sh_buf_free(&b);
        return e;
    }
    if (c == '"' && (!quoted || ext)) return i + 1; /* $"..." is "..." */
    if (sh_is_name_start((unsigned char)c)) {
        size_t e = i + 1;
        while (e < n && sh_is_name_char((unsigned char)s[e])) e++;
        param_expand(x, s + i + 1, e - i - 1, ctx);
        return e;
    }
    if ((c >= '0' && c <= '9') || is_special_param(c)) {
        param_expand(x, s + i + 1, 1, ctx);
        return i + 2;
    }
    x_addc(x, '$', quoted ? XQ : 0);
    return i + 1;
}

static void tilde(xbuf *x, const char *name, size_t n)
{
    sh_state *sh = x->sh;
    const char *home = NULL;
    if (n == 0) {
        home = sh_var_value(sh, "HOME");
        if (!home) home = vk_homedir(sh->p);
    } else if (n == 1 && name[0] == '+') {
        home = sh_var_value(sh, "PWD");
    } else if (n == 1 && name[0] == '-') {
        home = sh_var_value(sh, "OLDPWD");
    } else {
        const char *user = vk_username(sh->p);
        if (user && strlen(user) == n && memcmp(user, name, n) == 0)
            home = vk_homedir(sh->p);
        else if (n == 4 && memcmp(name, "root", 4) == 0)
            home = "/root";
    }
    if (!home) {
        x_addc(x, '~', 0);
        x_add(x, name, n, 0);
        return;
    }
    x_add(x, home, strlen(home), XQ);
}

/* s[eq] is the '=' of an assignment: the first one, after a name (name+= and name[sub]=
 * too); a tilde after a later '=' stays */
static bool assign_eq(const char *s, size_t eq)
{
    size_t e = eq;
    if (memchr(s, '=', eq)) return false;
    const char *lb = memchr(s, '[', eq);
    if (lb) e = (size_t)(lb - s);
    else if (e > 0 && s[e - 1] == '+') e--;
    return e > 0 && sh_is_name(s, e);
}

/* a tilde prefix at s[i]: its length when it is one (chars up to / or :), else 0 */
static size_t tilde_prefix(const char *s, size_t i, size_t n, int ctx)
{
    size_t e = i + 1;
    while (e < n && s[e] != '/' && !((ctx & CX_ASSIGN) && s[e] == ':')) {
        if (strchr("'\"\\$`", s[e])) return 0;
        e++;
    }
    return e - i;
}

static bool expand_text(xbuf *x, const char *s, size_t n, int ctx)
{
    sh_state *sh = x->sh;
    bool dq = ctx & CX_DQ, hd = ctx & CX_HEREDOC;
    uint8_t litf = (dq || hd) ? XQ : ((ctx & CX_SPLITLIT) ? XS : 0);
    size_t i = 0;
    while (i < n && !x_fail(x)) {
        char c = s[i];
        if (c == '"' && (ctx & CX_ARITH)) {
            i++;
            continue;
        }
        if (c == '\'' && !dq && !hd) {
            size_t e = skip_squote(s, i, n, false);
            x_add(x, s + i + 1, e - i - 2 > n ? 0 : e - i - 2, XQ);
            x_addc(x, 0, XMARK);
            i = e;
        } else if (c == '"' && ((!dq && !hd) || (ctx & CX_OPW))) {
            bool closed;
            size_t e = skip_dquote_c(sh, s, i, n, &closed);
            size_t before = x->n;
            bool save = x->at_empty;
            x->at_empty = false;
            /* no closing quote (text the parser did not check: PS4, a here-document's
             * ${x%%"...}): the quote is literal and the rest is read as quoted, as bash does */
            if (!closed && !(ctx & CX_OPW)) x_addc(x, '"', XQ);
            expand_text(x, s + i + 1, closed ? e - i - 2 : e - i - 1,
                        (ctx | CX_DQ) & ~(CX_PAT | CX_SPLITLIT | CX_OPW));
            if (!(x->n == before && x->at_empty)) x_addc(x, 0, XMARK);
            x->at_empty = save;
            i = e;
        } else if (c == '\\') {
            if (i + 1 >= n) {
                x_addc(x, '\\', litf);
                i++;
            } else if (dq || hd) {
                char d = s[i + 1];
                /* in the word of "${x-word}" (and a here-document's), \} is } as in bash */
                if (d == '$' || d == '`' || d == '\\' || (dq && d == '"') ||
                    (d == '}' && (ctx & CX_OPW))) {
                    x_addc(x, d, XQ);
                    i += 2;
                } else if (d == '\n') {
                    i += 2;
                } else {
                    x_addc(x, '\\', XQ);
                    i++;
                }
            } else {
                x_addc(x, s[i + 1], XQ);
                i += 2;
            }
        } else if (c == '$') {
            if (i + 1 < n && s[i + 1] == '"' && !dq && !hd) {
                i++;
                continue;
            }
            i = expand_dollar(x, s, i, n, ctx);
        } else if (c == '`') {
            size_t e = skip_backquote(s, i, n);
            add_backquote(x, s + i + 1, e - i - 2 > n ? 0 : e - i - 2, ctx);
            i = e;
        } else if ((c == '<' || c == '>') && i + 1 < n && s[i + 1] == '(' && !dq && !hd) {
            size_t e = sh_cmdsubst_end(sh, s, i + 2, n);
            char *path = sh_process_subst(sh, s + i + 2, e > i + 2 ? e - i - 3 : 0, c == '>');
            if (!path) {
                x_error(x, 1);
                break;
            }
            x_add(x, path, strlen(path), XQ);
            vk_free(sh->p, path);
            i = e;
        } else if (c == '~' && !dq && !hd &&
                   (i == 0 || ((ctx & CX_ASSIGN) && (s[i - 1] == ':' ||
                                                     (s[i - 1] == '=' && assign_eq(s, i - 1)))))) {
            size_t tl = tilde_prefix(s, i, n, ctx);
            if (tl) {
                tilde(x, s + i + 1, tl - 1);
                i += tl;
            } else {
                x_addc(x, c, litf);
                i++;
            }
        } else {
            x_addc(x, c, litf);
            i++;
        }
    }
    return !x_fail(x);
}

/* ---- field splitting and globbing ---- */
typedef struct fvec {
    vk_proc *p;
    char **v;
    int n, cap;
    bool oom;
    bool err; /* failglob: a pattern matched nothing (reported) */
} fvec;

static void fv_push(fvec *f, char *s)
{
    if (!s) {
        f->oom = true;
        return;
    }
    if (f->n + 1 >= f->cap) {
        int nc = f->cap ? f->cap * 2 : 8;
        char **nv = vk_realloc(f->p, f->v, (size_t)nc * sizeof *nv);
        if (!nv) {
            vk_free(f->p, s);
            f->oom = true;
            return;
        }
        f->v = nv;
        f->cap = nc;
    }
    f->v[f->n++] = s;
    f->v[f->n] = NULL;
}

/* a [ is a pattern character only when a ] follows it (the command [ is not a pattern,
 * failglob or not) */
static bool bracket_closes(const xbuf *x, size_t i, size_t e)
{
    for (; i < e; i++)
        if (x->c[i] == ']' && !(x->f[i] & (XMARK | XBRK))) return true;
    return false;
}

/* one field [b, e) of x: glob it or push it as is */
static void emit_field(sh_state *sh, xbuf *x, size_t b, size_t e, fvec *out)
{
    bool glob = false;
    if (!sh->opt[O_NOGLOB]) {
        for (size_t i = b; i < e; i++)
            if (!(x->f[i] & (XQ | XMARK | XBRK)) &&
                (strchr("*?", x->c[i]) || (x->c[i] == '[' && bracket_closes(x, i + 1, e)) ||
                 (sh->shopt[SO_EXTGLOB] && strchr("@!+", x->c[i]) && i + 1 < e &&
                  x->c[i + 1] == '(')))
                glob = true;
    }
    sh_buf lit;
    sh_buf_init(&lit, sh->p);
    for (size_t i = b; i < e; i++)
        if (!(x->f[i] & (XMARK | XBRK))) sh_buf_addc(&lit, x->c[i]);
    if (glob) {
        sh_buf pat;
        sh_buf_init(&pat, sh->p);
        for (size_t i = b; i < e; i++) {
            if (x->f[i] & (XMARK | XBRK)) continue;
            char c = x->c[i];
            if ((x->f[i] & XQ) && strchr("*?[]\\()|@!+", c)) sh_buf_addc(&pat, '\\');
            sh_buf_addc(&pat, c);
        }
        char **m = NULL;
        int nm = 0;
        if (!pat.oom && sh_glob(sh, pat.s ? pat.s : "", &m, &nm) == 0 && nm > 0) {
            for (int i = 0; i < nm; i++) fv_push(out, m[i]);
            vk_free(sh->p, m);
            sh_buf_free(&pat);
            sh_buf_free(&lit);
            return;
        }
        vk_free(sh->p, m);
        sh_buf_free(&pat);
        if (sh->shopt[SO_FAILGLOB]) {
            sh_error(sh, "no match: %s", lit.s ? lit.s : "");
            sh_buf_free(&lit);
            out->err = true;
            /* bash abandons the command line (the script goes on with status 1); under
             * set -e the shell ends */
            sh->status = 1;
            sh->fatal = true;
            sh->discard = !(sh->opt[O_ERREXIT] && !sh->interactive);
            return;
        }
        if (sh->shopt[SO_NULLGLOB]) {
            sh_buf_free(&lit);
            return;
        }
    }
    if (lit.oom) {
        out->oom = true;
        sh_buf_free(&lit);
        return;
    }
    fv_push(out, lit.s ? sh_buf_take(&lit) : vk_strdup(sh->p, ""));
    sh_buf_free(&lit);
}

static void split_fields(sh_state *sh, xbuf *x, fvec *out, bool split)
{
    const char *ifs = ifs_value(sh);
    size_t start = 0;
    bool started = false;
    size_t i = 0;
#define IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n')
    while (i < x->n) {
        uint8_t f = x->f[i];
        char c = x->c[i];
        if (f & XBRK) {
            /* an unquoted empty element makes no field */
            if (started) emit_field(sh, x, start, i, out);
            i++;
            start = i;
            started = false;
            continue;
        }
        if (split && (f & XS) && c && strchr(ifs, c)) {
            size_t j = i;
            bool nonws = false;
            while (j < x->n && (x->f[j] & XS) && IS_WS(x->c[j]) && strchr(ifs, x->c[j])) j++;
            if (j < x->n && (x->f[j] & XS) && x->c[j] && strchr(ifs, x->c[j]) &&
                !IS_WS(x->c[j])) {
                nonws = true;
                j++;
                while (j < x->n && (x->f[j] & XS) && IS_WS(x->c[j]) && strchr(ifs, x->c[j]))
                    j++;
            }
            if (started || nonws) emit_field(sh, x, start, i, out);
            started = false;
            i = j;
            start = i;
            continue;
        }
        started = true;
        i++;
    }
#undef IS_WS
    if (started) emit_field(sh, x, start, x->n, out);
}

static bool plain_word(const char *w)
{
    for (const char *s = w; *s; s++)
        if (strchr("$`'\"\\~*?[<>", *s)) return false;
    return true;
}

/* ---- brace expansion: on the source text of a word, before the other expansions ---- */
/* the end of the quoted or substituted construct at s[i], or i + 1 for a plain char */
static size_t skip_construct(sh_state *sh, const char *s, size_t i, size_t n)
{
    switch (s[i]) {
    case '\\': return i + 2 <= n ? i + 2 : n;
    case '\'': return skip_squote(s, i, n, false);
    case '"': return skip_dquote(sh, s, i, n);
    case '`': return skip_backquote(s, i, n);
    case '$': return i + 1 < n ? skip_dollar(sh, s, i, n) : n;
    default: return i + 1;
    }
}

/* s[i] is '{': its matching '}' (or 0), and whether a comma is at its top level */
static size_t brace_close(sh_state *sh, const char *s, size_t i, size_t n, bool *comma)
{
    int depth = 0;
    *comma = false;
    for (size_t k = i; k < n;) {
        char c = s[k];
        if (c == '{') {
            depth++;
        } else if (c == '}') {
            if (--depth == 0) return k;
        } else if (c == ',' && depth == 1) {
            *comma = true;
        } else if (strchr("\\'\"`$", c)) {
            size_t e = skip_construct(sh, s, k, n);
            k = e > k ? e : k + 1;
            continue;
        }
        k++;
    }
    return 0;
}

static bool seq_int(const char *s, size_t n, int64_t *v, int *width)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    if (i >= n || n - i > 18) return false;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9') return false;
    char buf[24];
    memcpy(buf, s, n);
    buf[n] = 0;
    if (!sh_parse_int(buf, v)) return false;
    size_t digits = n - i;
    *width = (digits > 1 && s[i] == '0') ? (int)n : 0;
    return true;
}

typedef struct wlist {
    vk_proc *p;
    char **v;
    size_t n, cap, bytes;
    bool oom;
} wlist;

static void wl_add(wlist *l, char *w)
{
    if (!w) {
        l->oom = true;
        return;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        char **nv = vk_realloc(l->p, l->v, nc * sizeof *nv);
        if (!nv) {
            vk_free(l->p, w);
            l->oom = true;
            return;
        }
        l->v = nv;
        l->cap = nc;
    }
    l->bytes += strlen(w) + 1;
    l->v[l->n++] = w;
}

/* {x..y[..step]}: the items as words (integers, zero-padded when an end is, or letters) */
static bool brace_seq(sh_state *sh, const char *b, size_t n, char ***items, size_t *count)
{
    const char *d1 = NULL;
    for (size_t k = 0; k + 1 < n; k++)
        if (b[k] == '.' && b[k + 1] == '.') {
            d1 = b + k;
            break;
        }
    if (!d1) return false;
    const char *x = b, *y = d1 + 2, *st = NULL;
    size_t xl = (size_t)(d1 - b), yl = n - xl - 2, sl = 0;
    for (size_t k = 0; k + 1 < yl; k++)
        if (y[k] == '.' && y[k + 1] == '.') {
            st = y + k + 2;
            sl = yl - k - 2;
            yl = k;
            break;
        }
    int64_t a, z, step = 1;
    int wa = 0, wz = 0, ws;
    bool num = seq_int(x, xl, &a, &wa) && seq_int(y, yl, &z, &wz);
    bool chr = !num && xl == 1 && yl == 1 &&
               ((x[0] >= 'a' && x[0] <= 'z') || (x[0] >= 'A' && x[0] <= 'Z')) &&
               ((y[0] >= 'a' && y[0] <= 'z') || (y[0] >= 'A' && y[0] <= 'Z'));
    if (!num && !chr) return false;
    if (st && !seq_int(st, sl, &step, &ws)) return false;
    if (chr) {
        a = (unsigned char)x[0];
        z = (unsigned char)y[0];
    }
    if (step < 0) step = -step;
    if (step == 0) step = 1;
    uint64_t span = (uint64_t)(a < z ? z - a : a - z);
    uint64_t cnt = span / (uint64_t)step + 1;
    const vos_limits *lim = vk_limits(sh->p);
    uint64_t maxb = lim && lim->expand_bytes ? lim->expand_bytes : (uint64_t)64 << 20;
    if (cnt > maxb / 2) {
        sh_error(sh, "brace expansion too large (expand_bytes limit %llu)",
                 (unsigned long long)maxb);
        vk_limit_hit(sh->p, VOS_EEXPAND);
        return false;
    }
    char **v = vk_calloc(sh->p, (size_t)cnt + 1, sizeof *v);
    if (!v) return false;
    int width = wa > wz ? wa : wz;
    int64_t cur = a;
    for (uint64_t i = 0; i < cnt; i++) {
        char buf[48];
        if (chr)
            snprintf(buf, sizeof buf, "%c", (char)cur);
        else if (width)
            snprintf(buf, sizeof buf, "%0*lld", width, (long long)cur);
        else
            snprintf(buf, sizeof buf, "%lld", (long long)cur);
        v[i] = vk_strdup(sh->p, buf);
        cur = a <= z ? cur + step : cur - step;
    }
    *items = v;
    *count = (size_t)cnt;
    return true;
}

static char *join3(vk_proc *p, const char *a, size_t al, const char *b, size_t bl, const char *c)
{
    size_t cl = strlen(c);
    char *r = vk_malloc(p, al + bl + cl + 1);
    if (!r) return NULL;
    memcpy(r, a, al);
    memcpy(r + al, b, bl);
    memcpy(r + al + bl, c, cl + 1);
    return r;
}

static void brace_expand(sh_state *sh, const char *w, wlist *out, int depth);

/* one alternative (an arena string, taken): its own braces are expanded in turn, up to a
 * nesting depth past which it is kept as it is */
static void brace_more(sh_state *sh, char *nw, wlist *out, int depth)
{
    if (!nw || depth >= 64) {
        wl_add(out, nw);
        return;
    }
    brace_expand(sh, nw, out, depth + 1);
    vk_free(sh->p, nw);
}

/* expand the braces of w (source text) into words appended to out */
static void brace_expand(sh_state *sh, const char *w, wlist *out, int depth)
{
    size_t n = strlen(w);
    const vos_limits *lim = vk_limits(sh->p);
    size_t maxb = lim && lim->expand_bytes ? (size_t)lim->expand_bytes : (size_t)64 << 20;
    for (size_t i = 0; i < n && !out->oom;) {
        char c = w[i];
        if (c == '$' && i + 1 < n && w[i + 1] == '{') {
            i = skip_construct(sh, w, i, n);
            continue;
        }
        if (c != '{') {
            size_t e = strchr("\\'\"`$", c) ? skip_construct(sh, w, i, n) : i + 1;
            i = e > i ? e : i + 1;
            continue;
        }
        bool comma;
        size_t j = brace_close(sh, w, i, n, &comma);
        if (!j) break;
        const char *body = w + i + 1;
        size_t bl = j - i - 1;
        char **items = NULL;
        size_t cnt = 0;
        if (!comma && !brace_seq(sh, body, bl, &items, &cnt)) {
            i++;
            continue;
        }
        if (items) {
            for (size_t k = 0; k < cnt && !out->oom; k++) {
                const char *it = items[k] ? items[k] : "";
                char *nw = join3(sh->p, w, i, it, strlen(it), w + j + 1);
                brace_more(sh, nw, out, depth);
                if (out->bytes > maxb) break;
            }
            for (size_t k = 0; k < cnt; k++) vk_free(sh->p, items[k]);
            vk_free(sh->p, items);
        } else {
            /* the alternatives: split the body at its top-level commas */
            size_t start = 0;
            int d = 0;
            for (size_t k = 0; k <= bl && !out->oom; k++) {
                if (k < bl) {
                    char ch = body[k];
                    if (ch == '{') d++;
                    else if (ch == '}') d--;
                    else if (strchr("\\'\"`$", ch)) {
                        size_t e = skip_construct(sh, body, k, bl);
                        k = (e > k ? e : k + 1) - 1;
                        continue;
                    }
                    if (!(ch == ',' && d == 0)) continue;
                }
                char *nw = join3(sh->p, w, i, body + start, k - start, w + j + 1);
                brace_more(sh, nw, out, depth);
                start = k + 1;
                if (out->bytes > maxb) break;
            }
        }
        if (out->bytes > maxb && !out->oom) {
            sh_error(sh, "brace expansion too large (expand_bytes limit %zu)", maxb);
            vk_limit_hit(sh->p, VOS_EEXPAND);
            out->oom = true;
        }
        return;
    }
    wl_add(out, vk_strdup(sh->p, w));
}

static bool has_brace(const char *w)
{
    const char *o = strchr(w, '{');
    return o && strchr(o, '}');
}

char **sh_brace_words(sh_state *sh, const char *w, size_t *n)
{
    wlist l = {.p = sh->p};
    brace_expand(sh, w, &l, 0);
    char **v = l.oom ? NULL : vk_realloc(sh->p, l.v, (l.n + 1) * sizeof *v);
    if (!v) {
        for (size_t i = 0; i < l.n; i++) vk_free(sh->p, l.v[i]);
        vk_free(sh->p, l.v);
        return NULL;
    }
    v[l.n] = NULL;
    *n = l.n;
    return v;
}

int sh_expand_words(sh_state *sh, char **words, int nwords, char ***fields, int *nfields)
{
    fvec out = {.p = sh->p};
    *fields = NULL;
    *nfields = 0;
    wlist braced = {.p = sh->p};
    for (int w = 0; w < nwords; w++) {
        const char *word = words[w];
        size_t nb = 1;
        char **bw = (char **)&word;
        if (sh->opt[O_BRACEEXPAND] && has_brace(word)) {
            braced.n = braced.bytes = 0;
            brace_expand(sh, word, &braced, 0);
            if (braced.oom) {
                for (size_t i = 0; i < braced.n; i++) vk_free(sh->p, braced.v[i]);
                vk_free(sh->p, braced.v);
                for (int i = 0; i < out.n; i++) vk_free(sh->p, out.v[i]);
                vk_free(sh->p, out.v);
                sh->status = 1;
                return -1;
            }
            nb = braced.n;
            bw = braced.v;
        }
        for (size_t b = 0; b < nb; b++) {
            const char *ww = bw[b];
            if (plain_word(ww)) {
                if (nb > 1 && !*ww) continue; /* x{,y}: an empty alternative is no word */
                fv_push(&out, vk_strdup(sh->p, ww));
                if (out.oom) break;
                continue;
            }
            xbuf x;
            x_init(&x, sh);
            /* an argument that looks like an assignment gets an assignment's tildes (not in
             * posix mode) */
            int wctx = !sh->opt[O_POSIX] && sh_is_assignment(ww) ? CX_ASSIGN : 0;
            expand_text(&x, ww, strlen(ww), wctx);
            if (x_fail(&x)) {
                bool oom = x.oom;
                x_free(&x);
                for (int i = 0; i < out.n; i++) vk_free(sh->p, out.v[i]);
                vk_free(sh->p, out.v);
                if (bw != (char **)&word)
                    for (size_t i = 0; i < braced.n; i++) vk_free(sh->p, braced.v[i]);
                vk_free(sh->p, braced.v);
                if (oom) sh->status = 1;
                return -1;
            }
            const char *ifs = ifs_value(sh);
            split_fields(sh, &x, &out, *ifs != 0);
            x_free(&x);
            if (out.oom || out.err) break;
        }
        if (bw != (char **)&word)
            for (size_t i = 0; i < braced.n; i++) vk_free(sh->p, braced.v[i]);
        if (out.oom || out.err) break;
    }
    vk_free(sh->p, braced.v);
    if (out.oom || out.err) {
        for (int i = 0; i < out.n; i++) vk_free(sh->p, out.v[i]);
        vk_free(sh->p, out.v);
        sh->status = 1;
        if (out.err) sh->fatal = true;
        return -1;
    }
    if (!out.v) {
        out.v = vk_calloc(sh->p, 1, sizeof *out.v);
        if (!out.v) return -1;
    }
    *fields = out.v;
    *nfields = out.n;
    return 0;
}

void sh_fields_free(sh_state *sh, char **fields)
{
    if (!fields) return;
    for (char **f = fields; *f; f++) vk_free(sh->p, *f);
    vk_free(sh->p, fields);
}

static char *expand_flat(sh_state *sh, const char *word, int ctx)
{
    bool err;
    char *r = expand_sub_str(sh, word, strlen(word), ctx, &err);
    if (err) {
        vk_free(sh->p, r);
        return NULL;
    }
    return r;
}

char *sh_expand_str(sh_state *sh, const char *word)
{
    if (plain_word(word)) return vk_strdup(sh->p, word);
    return expand_flat(sh, word, CX_ASSIGN);
}

/* The text of (( )) or of a for (( ; ; )) part: expanded as $(( )) expands its text (as in
 * double quotes: no process substitution in x<(1), no splitting); NULL after an error. */
char *sh_expand_arith(sh_state *sh, const char *text)
{
    bool plain = true;
    for (const char *c = text; *c && plain; c++)
        if (strchr("$`\"'\\", *c)) plain = false;
    if (plain) return vk_strdup(sh->p, text);
    bool err = false;
    char *e = expand_sub_str(sh, text, strlen(text), CX_DQ | CX_PAT | CX_ARITH, &err);
    if (err) {
        vk_free(sh->p, e);
        return NULL;
    }
    return e;
}

char *sh_expand_heredoc(sh_state *sh, const char *body)
{
    return expand_flat(sh, body, CX_HEREDOC);
}

char *sh_expand_pattern(sh_state *sh, const char *word)
{
    bool err;
    char *r = expand_sub_pattern(sh, word, strlen(word), &err);
    if (err) {
        vk_free(sh->p, r);
        return NULL;
    }
    return r;
}

char *sh_expand_pattern_all(sh_state *sh, const char *word)
{
    bool err;
    char *r = expand_pattern_esc(sh, word, strlen(word), ESC_ALL, &err);
    if (err) {
        vk_free(sh->p, r);
        return NULL;
    }
    return r;
}

char *sh_expand_regex(sh_state *sh, const char *word)
{
    bool err;
    char *r = expand_pattern_esc(sh, word, strlen(word), ESC_REGEX, &err);
    if (err) {
        vk_free(sh->p, r);
        return NULL;
    }
    return r;
}

char *sh_expand_word(sh_state *sh, const char *word)
{
    if (plain_word(word)) return vk_strdup(sh->p, word);
    return expand_flat(sh, word, 0);
}

char *sh_expand_redir(sh_state *sh, const char *word)
{
    char **f;
    int n;
    if (sh_expand_words(sh, (char **)&word, 1, &f, &n) != 0) return NULL;
    if (n != 1) {
        sh_error(sh, "%s: ambiguous redirect", word);
        sh_fields_free(sh, f);
        sh->status = 1;
        return NULL;
    }
    char *r = f[0];
    vk_free(sh->p, f);
    return r;
}
