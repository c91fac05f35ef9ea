/* getopt: util-linux's enhanced getopt, which parses a script's parameters the way glibc's
 * getopt_long does (permutation, clustered short options, long options and their unique
 * prefixes, -a for long options after one dash, '+' or POSIXLY_CORRECT to stop at the first
 * non-option, '-' to keep them in place) and prints them normalized for `eval set --`:
 * options, their arguments quoted (-u: not), "--", then the other parameters. The old form
 * `getopt OPTSTRING PARAMS` prints unquoted. Status: 0, 1 when the parameters had errors (the
 * valid part is still printed), 2 for getopt's own usage errors, 4 for -T. */
#include "lib/cmd.h"

#include <stdlib.h>
#include <string.h>

typedef struct lopt {
    const char *name;
    int has_arg; /* 0, 1 required, 2 optional */
} lopt;

typedef struct gst {
    vl_ctx *c;
    const char *prog;
    const char *optstr;
    lopt *longs;
    int nlong, caplong;
    bool quote, quiet, quiet_out, alt, csh;
    int errors;
    vl_buf out;
} gst;

static void add_longs(gst *g, const char *spec)
{
    char *s = vl_xstrdup(g->c, spec);
    for (char *t = s; *t;) {
        size_t l = strcspn(t, ", \t\n");
        char *next = t + l + (t[l] ? 1 : 0);
        t[l] = '\0';
        if (l) {
            int ha = 0;
            if (l >= 2 && t[l - 1] == ':' && t[l - 2] == ':') ha = 2, t[l - 2] = '\0';
            else if (t[l - 1] == ':') ha = 1, t[l - 1] = '\0';
            if (g->nlong == g->caplong)
                g->longs = vl_xrealloc(g->c, g->longs,
                                       (size_t)(g->caplong = g->caplong * 2 + 8) * sizeof(lopt));
            g->longs[g->nlong++] = (lopt){t, ha};
        }
        t = next;
    }
}

static void put_arg(gst *g, const char *s)
{
    vl_buf_addc(g->c, &g->out, ' ');
    if (!g->quote) {
        vl_buf_adds(g->c, &g->out, s);
        return;
    }
    vl_buf_addc(g->c, &g->out, '\'');
    for (; *s; s++) {
        if (*s == '\'') vl_buf_adds(g->c, &g->out, "'\\''");
        else if (g->csh && *s == '!') vl_buf_adds(g->c, &g->out, "'\\!'");
        else if (g->csh && *s == '\n') vl_buf_adds(g->c, &g->out, "\\n");
        else if (g->csh && (*s == ' ' || *s == '\t' || *s == '\v' || *s == '\f' || *s == '\r')) {
            char w[5] = {'\'', '\\', *s, '\'', 0}; /* tcsh: whitespace outside the quotes */
            vl_buf_adds(g->c, &g->out, w);
        }
        else vl_buf_addc(g->c, &g->out, *s);
    }
    vl_buf_addc(g->c, &g->out, '\'');
}

static void put_opt(gst *g, const char *dash, const char *name, size_t n)
{
    vl_buf_addc(g->c, &g->out, ' ');
    vl_buf_adds(g->c, &g->out, dash);
    vl_buf_add(g->c, &g->out, name, n);
}

static void err(gst *g, const char *fmt, const char *a, const char *b)
{
    g->errors++;
    if (g->quiet) return;
    vl_buf m = {0};
    vl_buf_printf(g->c, &m, "%s: ", g->prog);
    vl_buf_printf(g->c, &m, fmt, a, b);
    vl_buf_addc(g->c, &m, 0);
    vl_eprintf(g->c, "%s\n", m.data);
}

/* Parse a long option at params[*i] (name starts after dash). Returns false when no long
 * option matched and the caller may try short options instead (-a). */
static bool long_opt(gst *g, char **params, int n, int *i, const char *dash, bool may_fall_back)
{
    const char *name = params[*i] + strlen(dash);
    const char *eq = strchr(name, '=');
    size_t nl = eq ? (size_t)(eq - name) : strlen(name);
    int found = -1, matches = 0;
    for (int k = 0; k < g->nlong; k++)
        if (strlen(g->longs[k].name) == nl && strncmp(g->longs[k].name, name, nl) == 0) {
            found = k;
            matches = 1;
            break;
        }
    if (found < 0)
        for (int k = 0; k < g->nlong; k++)
            if (strncmp(g->longs[k].name, name, nl) == 0) {
                if (found < 0) found = k;
                matches++;
            }
    if (matches > 1) {
        g->errors++;
        if (!g->quiet) {
            vl_buf m = {0};
            vl_buf_printf(g->c, &m, "%s: option '%s%.*s' is ambiguous; possibilities:", g->prog,
                          dash, (int)nl, name);
            for (int k = 0; k < g->nlong; k++)
                if (strncmp(g->longs[k].name, name, nl) == 0)
                    vl_buf_printf(g->c, &m, " '%s%s'", dash, g->longs[k].name);
            vl_buf_addc(g->c, &m, 0);
            vl_eprintf(g->c, "%s\n", m.data);
        }
        (*i)++;
        return true;
    }
    if (found < 0) {
        if (may_fall_back) return false;
        err(g, "unrecognized option '%s%s'", dash, name);
        (*i)++;
        return true;
    }
    const lopt *o = &g->longs[found];
    (*i)++;
    if (eq && o->has_arg == 0) {
        err(g, "option '%s%s' doesn't allow an argument", dash, o->name);
        return true;
    }
    const char *arg = eq ? eq + 1 : NULL;
    if (!arg && o->has_arg == 1) {
        if (*i >= n) {
            err(g, "option '%s%s' requires an argument", dash, o->name);
            return true;
        }
        arg = params[(*i)++];
    }
    put_opt(g, "--", o->name, strlen(o->name));
    if (o->has_arg) put_arg(g, arg ? arg : "");
    return true;
}

static void short_opts(gst *g, char **params, int n, int *i)
{
    const char *a = params[*i] + 1;
    (*i)++;
    for (; *a; a++) {
        const char *p = *a == ':' ? NULL : strchr(g->optstr, *a);
        if (!p) {
            char ch[2] = {*a, 0};
            err(g, "invalid option -- '%s'%s", ch, "");
            continue;
        }
        int ha = p[1] == ':' ? (p[2] == ':' ? 2 : 1) : 0;
        if (!ha) {
            put_opt(g, "-", a, 1);
            continue;
        }
        const char *arg = a[1] ? a + 1 : NULL;
        if (!arg && ha == 1) {
            if (*i >= n) {
                char ch[2] = {*a, 0};
                err(g, "option requires an argument -- '%s'%s", ch, "");
                return;
            }
            arg = params[(*i)++];
        }
        put_opt(g, "-", a, 1);
        put_arg(g, arg ? arg : "");
        return;
    }
}

static const char getopt_usage_tail[] = "Try 'getopt --help' for more information.\n";
static const char getopt_help[] =
    "\nUsage:\n getopt <optstring> <parameters>\n"
    " getopt [options] [--] <optstring> <parameters>\n"
    " getopt [options] -o|--options <optstring> [options] [--] <parameters>\n";

static int getopt_main(vl_ctx *c, int argc, char **argv)
{
    gst g = {.c = c, .prog = "getopt", .quote = true};
    const char *optstr = NULL;
    int i = 1;
    bool compat = vk_getenv(c->p, "GETOPT_COMPATIBLE") != NULL;
    if (argc > 1 && argv[1][0] != '-') {
        /* the old form: getopt OPTSTRING PARAMS, unquoted */
        g.quote = false;
        optstr = argv[1];
        i = 2;
    } else {
        /* getopt's own options, in order, up to the first non-option or "--" */
        static const vl_opt own[] = {
            {'a', "alternative", VL_NOARG, NULL, NULL}, {'h', "help", VL_NOARG, NULL, NULL},
            {'l', "longoptions", VL_ARG, NULL, NULL},   {'n', "name", VL_ARG, NULL, NULL},
            {'o', "options", VL_ARG, NULL, NULL},       {'q', "quiet", VL_NOARG, NULL, NULL},
            {'Q', "quiet-output", VL_NOARG, NULL, NULL}, {'s', "shell", VL_ARG, NULL, NULL},
            {'T', "test", VL_NOARG, NULL, NULL},        {'u', "unquoted", VL_NOARG, NULL, NULL},
            {'V', "version", VL_NOARG, NULL, NULL},     {0}};
        while (i < argc) {
            char *a = argv[i];
            if (strcmp(a, "--") == 0) {
                i++;
                break;
            }
            if (a[0] != '-' || !a[1]) break;
            const vl_opt *o = NULL;
            const char *arg = NULL;
            if (a[1] == '-') {
                const char *nm = a + 2, *eq = strchr(nm, '=');
                size_t nl = eq ? (size_t)(eq - nm) : strlen(nm);
                int hits = 0;
                for (const vl_opt *k = own; k->id; k++)
                    if (strncmp(k->lng, nm, nl) == 0) {
                        if (strlen(k->lng) == nl) {
                            o = k;
                            hits = 1;
                            break;
                        }
                        o = k;
                        hits++;
                    }
                if (hits != 1) {
                    vl_eprintf(c, hits ? "getopt: option '%s' is ambiguous\n%s"
                                       : "getopt: unrecognized option '%s'\n%s",
                               a, getopt_usage_tail);
                    return 2;
                }
                i++;
                if (o->arg) {
                    if (eq) arg = eq + 1;
                    else if (i < argc) arg = argv[i++];
                    else {
                        vl_eprintf(c, "getopt: option '--%s' requires an argument\n%s", o->lng,
                                   getopt_usage_tail);
                        return 2;
                    }
                } else if (eq) {
                    vl_eprintf(c, "getopt: option '--%s' doesn't allow an argument\n%s", o->lng,
                               getopt_usage_tail);
                    return 2;
                }
                goto apply;
            }
            i++;
            for (const char *p = a + 1; *p; p++) {
                o = NULL;
                for (const vl_opt *k = own; k->id; k++)
                    if (k->id == *p) o = k;
                if (!o) {
                    vl_eprintf(c, "getopt: invalid option -- '%c'\n%s", *p, getopt_usage_tail);
                    return 2;
                }
                arg = NULL;
                if (o->arg) {
                    if (p[1]) arg = p + 1;
                    else if (i < argc) arg = argv[i++];
                    else {
                        vl_eprintf(c, "getopt: option requires an argument -- '%c'\n%s", *p,
                                   getopt_usage_tail);
                        return 2;
                    }
                }
                if (!o->arg) {
                    /* apply a flag and go on with the cluster */
                    switch (o->id) {
                    case 'a': g.alt = true; break;
                    case 'q': g.quiet = true; break;
                    case 'Q': g.quiet_out = true; break;
                    case 'u': g.quote = false; break;
                    case 'T': return 4;
                    case 'h':
                        vl_puts(c, getopt_help);
                        return 0;
                    case 'V': vl_puts(c, "getopt from util-linux 2.38.1 (vos)\n"); return 0;
                    }
                    continue;
                }
                break;
            }
            if (!o || !o->arg) continue;
        apply:
            switch (o->id) {
            case 'a': g.alt = true; break;
            case 'q': g.quiet = true; break;
            case 'Q': g.quiet_out = true; break;
            case 'u': g.quote = false; break;
            case 'T': return 4;
            case 'h':
                vl_puts(c, getopt_help);
                return 0;
            case 'V': vl_puts(c, "getopt from util-linux 2.38.1 (vos)\n"); return 0;
            case 'l': add_longs(&g, arg); break;
            case 'n': g.prog = arg; break;
            case 'o': optstr = arg; break;
            case 's':
                if (!strcmp(arg, "sh") || !strcmp(arg, "bash")) g.csh = false;
                else if (!strcmp(arg, "csh") || !strcmp(arg, "tcsh")) g.csh = true;
                else {
                    vl_eprintf(c, "getopt: unknown shell after -s or --shell argument\n%s",
                               getopt_usage_tail);
                    return 2;
                }
                break;
            }
        }
        if (!optstr) {
            if (i >= argc) {
                vl_eprintf(c, "getopt: missing optstring argument\n%s", getopt_usage_tail);
                return 2;
            }
            optstr = argv[i++];
        }
    }
    if (compat) g.quote = false;
    bool in_order = false, require = vk_getenv(c->p, "POSIXLY_CORRECT") != NULL;
    if (*optstr == '+') require = true, optstr++;
    else if (*optstr == '-') in_order = true, optstr++;
    g.optstr = optstr;

    char **params = argv + i;
    int n = argc - i, k = 0;
    char **rest = vl_xcalloc(c, (size_t)n + 1, sizeof *rest);
    int nrest = 0;
    while (k < n) {
        if (vk_check(c->p) < 0) vl_exit(c, 1);
        const char *a = params[k];
        if (strcmp(a, "--") == 0) {
            k++;
            while (k < n) rest[nrest++] = params[k++];
            break;
        }
        if (a[0] != '-' || !a[1]) {
            if (require) {
                while (k < n) rest[nrest++] = params[k++];
                break;
            }
            if (in_order) put_arg(&g, a);
            else rest[nrest++] = params[k];
            k++;
            continue;
        }
        if (a[1] == '-') {
            long_opt(&g, params, n, &k, "--", false);
            continue;
        }
        if (g.alt && (a[2] || !strchr(optstr, a[1]))) {
            bool may_fall = strchr(optstr, a[1]) && a[1] != ':';
            if (long_opt(&g, params, n, &k, "-", may_fall)) continue;
        }
        short_opts(&g, params, n, &k);
    }
    vl_buf_adds(c, &g.out, " --");
    for (int r = 0; r < nrest; r++) put_arg(&g, rest[r]);
    vl_buf_addc(c, &g.out, '\n');
    if (!g.quiet_out) vl_write(c, g.out.data, g.out.len);
    return g.errors ? 1 : 0;
}

static const vl_opt getopt_opts[] = {{0}};
VL_COMMAND(getopt, getopt_main, getopt_opts, "<optstring> <parameters>",
           "Parse command options.", VL_NO_OPTIONS, 2);
