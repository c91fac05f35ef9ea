/* builtins.c: the shell's builtin commands, declared in one table (name, function, usage line,
 * summary, options): the ones that change the shell (cd, export, set, shift, exit, return, eval,
 * exec, source, read, mapfile, trap, local, declare, pushd...) and cheap ones that would be
 * slow as processes. Every builtin's options are read by one iterator with bash's rules
 * (lib/cmd.h's vl_bopts) and reported by one printer with bash's messages. echo and printf are
 * the commands of src/cmd run in the shell's process (vl_run_builtin); test and [ are cond.c's.
 * Messages are bash's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmd.h"
#include "lib/format.h"
#include "shell/jobs.h"
#include "shell/sh.h"

void sh_builtin_error(sh_state *sh, const char *bname, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a builtin's message keeps "line N:" under gnu_errfmt (bash's builtin_error) */
    bool gnu = sh->shopt[SO_GNU_ERRFMT];
    sh->shopt[SO_GNU_ERRFMT] = false;
    sh_error(sh, "%s: %s", bname, msg);
    sh->shopt[SO_GNU_ERRFMT] = gnu;
}

static void out(sh_state *sh, const char *s, size_t n) { vk_write(sh->p, 1, s, n); }
static void outs(sh_state *sh, const char *s) { out(sh, s, strlen(s)); }

static void out_buf(sh_state *sh, sh_buf *b)
{
    if (!b->oom && b->len) out(sh, b->s, b->len);
    sh_buf_free(b);
}

/* ---- options ---- */

/* NAME --help: the usage line and the summary (bash prints its long help text; see
 * docs/differences.md), status 2 */
static int print_help(sh_state *sh, const sh_builtin *bi)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_buf_printf(&b, "%s: %s\n    %s\n", bi->name, bi->usage, bi->desc);
    out_buf(sh, &b);
    return 2;
}

/* bash's usage line of builtin name alone ("read: usage: read [-ers] ..."); returns 2 */
static int usage(sh_state *sh, const char *name)
{
    const sh_builtin *bi = sh_builtin_find(name);
    vl_bash_usage(sh->p, name, bi ? bi->usage : name);
    sh->special_err = true;
    return 2;
}

/* The options of the running builtin argv[0], in order, with bash's rules (vl_bopts over the
 * table of its declaration):
 *     bopts o;
 *     opts_begin(&o, sh, argc, argv);
 *     while ((c = opts_next(&o)) > 0) switch (c) { ... }
 *     if (c < 0) return 2;
 *     operands: argv[o.g.ind .. argc-1] */
typedef struct bopts {
    sh_state *sh;
    const sh_builtin *bi;
    vl_bopts g;
} bopts;

static void opts_begin(bopts *o, sh_state *sh, int argc, char **argv)
{
    static const vl_opt none[] = {{0}};
    o->sh = sh;
    o->bi = sh_builtin_find(argv[0]);
    vl_bopts_init(&o->g, o->bi && o->bi->opts ? o->bi->opts : none, argc, argv);
}

/* The next option's letter (o->g.arg: its argument, o->g.plus: given as +x); 0 once options
 * end; -1 after bash's message for a bad option, or after --help (the builtin returns 2). */
static int opts_next(bopts *o)
{
    int ch = vl_bopts_next(&o->g);
    if (ch >= 0) return ch;
    if (ch == VL_BOPT_HELP && o->bi) {
        print_help(o->sh, o->bi);
    } else {
        const char *name = o->g.argv[0];
        char prefix[512];
        sh_msg_prefix(o->sh, prefix, sizeof prefix, name);
        vl_bash_opt_error(o->sh->p, prefix, &o->g, ch, name, o->bi ? o->bi->usage : name);
        o->sh->special_err = true;
    }
    return -1;
}

/* A builtin that takes no option (eval, source, times...) still rejects "-x" and skips "--",
 * as bash's do: the index of the first operand, or -1 after the message (status 2). */
static int no_options(sh_state *sh, int argc, char **argv)
{
    bopts o;
    opts_begin(&o, sh, argc, argv);
    return opts_next(&o) < 0 ? -1 : o.g.ind;
}

/* the table of a builtin that takes no option */
static const vl_opt no_opts[] = {{0}};

/* exit, return, shift, break, continue, let: no options, but a first "--" is skipped (a number
 * may be negative, so "-1" is an operand, not an option) */
static int skip_ddash(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
}

static bool parse_num_arg(const char *s, int64_t *v)
{
    return sh_parse_int(s, v);
}

/* ---- commands from src/cmd run in-process ---- */
static int run_cmd_builtin(sh_state *sh, const vl_cmd_decl *d, const char *usage, int argc,
                           char **argv)
{
    char prefix[512];
    sh_msg_prefix(sh, prefix, sizeof prefix, argv[0]);
    sh_env_sync(sh);
    return vl_run_builtin(sh->p, d, prefix, usage, argc, argv);
}

/* echo reads its own words (-neE only in a word of nothing else, no "--"): src/cmd/echo.c */
static int b_echo(sh_state *sh, int argc, char **argv)
{
    const vl_cmd_decl *d = vl_cmd_find("echo");
    if (!d) return 1;
    if (!sh->shopt[SO_XPG_ECHO]) return run_cmd_builtin(sh, d, "echo [-neE] [arg ...]", argc, argv);
    /* xpg_echo: escapes on by default, as if -e came first (a later -E still turns them off) */
    char **av = vk_calloc(sh->p, (size_t)argc + 2, sizeof *av);
    if (!av) return 1;
    av[0] = argv[0];
    av[1] = "-e";
    for (int i = 1; i < argc; i++) av[i + 1] = argv[i];
    int st = run_cmd_builtin(sh, d, "echo [-neE] [arg ...]", argc + 1, av);
    vk_free(sh->p, av);
    return st;
}

/* printf -v: the format engine (lib/format.h) needs a command context, so the output is
 * produced by this declaration run as a builtin. It is not registered as a command (only
 * b_printf reaches it); argv[1] carries the address of the sh_buf that receives the text. */
static int printf_v_main(vl_ctx *c, int argc, char **argv)
{
    sh_buf *dst = (sh_buf *)(uintptr_t)strtoull(argv[1], NULL, 16);
    vl_buf b = {0};
    int st = vl_format(c, &b, argv[2], argc - 3, argv + 3);
    sh_buf_add(dst, b.data ? b.data : "", b.len);
    return st;
}

static const vl_opt printf_v_opts[] = {{0}};
static const vl_cmd_decl printf_v_decl = {"printf", printf_v_main, printf_v_opts,
                                          "[-v var] format [arguments]", "", VL_NO_OPTIONS, 2};

static bool valid_lvalue(const char *s)
{
    const char *br = strchr(s, '[');
    size_t l = strlen(s);
    if (!br) return sh_is_name(s, l);
    return l > 2 && s[l - 1] == ']' && sh_is_name(s, (size_t)(br - s));
}

/* assign to name or name[sub] (printf -v, read, mapfile targets) */
static int set_lvalue(sh_state *sh, const char *target, const char *val)
{
    const char *br = strchr(target, '[');
    if (!br) return sh_var_set(sh, target, val, 0);
    char name[256];
    size_t nl = (size_t)(br - target);
    if (nl >= sizeof name) return -1;
    memcpy(name, target, nl);
    name[nl] = 0;
    char *sub = vk_strndup(sh->p, br + 1, strlen(br + 1) - 1);
    if (!sub) return -1;
    int rc = sh_assign_elem(sh, name, sub, val, false);
    vk_free(sh->p, sub);
    return rc;
}

static const vl_opt printf_opts[] = {{.id = 'v', .arg = VL_ARG}, {0}};

/* In a UTF-8 locale bash's printf takes "'é" as the character's code point (233) where a
 * number is wanted; the printf command counts bytes. Walk the format as printf does (reusing
 * it while arguments remain) and hand the command the code point, in decimal, for those
 * arguments. Returns the number of replaced arguments (each a new string in args). */
static int printf_char_consts(sh_state *sh, char **args, int nargs, char **owned)
{
    const char *fmt = args[0];
    int ai = 1, nrep = 0;
    for (;;) {
        int before = ai;
        for (size_t i = 0; fmt[i]; i++) {
            if (fmt[i] == '\\' && fmt[i + 1]) {
                i++;
                continue;
            }
            if (fmt[i] != '%') continue;
            i++;
            if (fmt[i] == '%') continue;
            while (fmt[i] && strchr("-+ #0'", fmt[i])) i++;
            bool numeric_star[2] = {false, false};
            for (int part = 0; part < 2; part++) {
                if (part == 1) {
                    if (fmt[i] != '.') break;
                    i++;
                }
                if (fmt[i] == '*') {
                    numeric_star[part] = true;
                    i++;
                } else {
                    while (fmt[i] >= '0' && fmt[i] <= '9') i++;
                }
            }
            while (fmt[i] && strchr("hlLqjzt", fmt[i])) i++;
            if (!fmt[i]) break;
            int want = 0;
            for (int k = 0; k < 2; k++)
                if (numeric_star[k]) want++;
            bool numeric = strchr("diouxXeEfFgGaA", fmt[i]) != NULL;
            if (fmt[i] == '(') {
                while (fmt[i] && !(fmt[i] == ')' && fmt[i + 1] == 'T')) i++;
                if (!fmt[i]) break;
                i++;
            }
            for (int k = 0; k < want + 1 && ai < nargs; k++, ai++) {
                bool num = k < want || numeric;
                const char *a = args[ai];
                uint32_t cp;
                if (!num || (a[0] != '\'' && a[0] != '"') || (unsigned char)a[1] < 0x80) continue;
                if (sh_u8_decode(a + 1, strlen(a + 1), &cp) < 2) continue;
                char *d = vk_malloc(sh->p, 16);
                if (!d) continue;
                snprintf(d, 16, "%u", (unsigned)cp);
                owned[ai] = d;
                args[ai] = d;
                nrep++;
            }
        }
        if (ai >= nargs || ai == before) break;
    }
    return nrep;
}

static int b_printf_args(sh_state *sh, int argc, char **argv);

static int b_printf(sh_state *sh, int argc, char **argv)
{
    /* find the format (after -v VAR and --) and replace UTF-8 character constants */
    int f = 1;
    if (f < argc && strcmp(argv[f], "-v") == 0) f += 2;
    else if (f < argc && strncmp(argv[f], "-v", 2) == 0) f++;
    if (f < argc && strcmp(argv[f], "--") == 0) f++;
    bool any = false;
    for (int i = f + 1; i < argc; i++)
        if ((argv[i][0] == '\'' || argv[i][0] == '"') && (unsigned char)argv[i][1] >= 0x80)
            any = true;
    if (!any || f >= argc || !sh_utf8_locale(sh)) return b_printf_args(sh, argc, argv);
    char **av = vk_calloc(sh->p, (size_t)argc + 1, sizeof *av);
    char **owned = vk_calloc(sh->p, (size_t)argc + 1, sizeof *owned);
    if (!av || !owned) {
        vk_free(sh->p, av);
        vk_free(sh->p, owned);
        return 1;
    }
    memcpy(av, argv, (size_t)argc * sizeof *av);
    printf_char_consts(sh, av + f, argc - f, owned + f);
    int st = b_printf_args(sh, argc, av);
    for (int i = 0; i < argc; i++) vk_free(sh->p, owned[i]);
    vk_free(sh->p, owned);
    vk_free(sh->p, av);
    return st;
}

static int b_printf_args(sh_state *sh, int argc, char **argv)
{
    const char *var = NULL;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) var = o.g.arg;
    if (c < 0) return 2;
    int first = o.g.ind;
    if (first >= argc) return usage(sh, argv[0]);
    const vl_cmd_decl *d = vl_cmd_find("printf");
    if (!d) return 1;
    /* the usual printf FORMAT ARGS... goes to the command as it is */
    if (!var && first == 1 && argv[1][0] != '-')
        return run_cmd_builtin(sh, d, o.bi ? o.bi->usage : NULL, argc, argv);
    int n = argc - first;
    /* the format and its arguments, after a "--" so that the command reads no option */
    char **av = vk_calloc(sh->p, (size_t)n + 3, sizeof *av);
    if (!av) return 1;
    if (!var) {
        av[0] = argv[0];
        av[1] = "--";
        for (int i = 0; i < n; i++) av[i + 2] = argv[first + i];
        int st = run_cmd_builtin(sh, d, o.bi ? o.bi->usage : NULL, n + 2, av);
        vk_free(sh->p, av);
        return st;
    }
    if (!valid_lvalue(var)) {
        vk_free(sh->p, av);
        sh_builtin_error(sh, "printf", "`%s': not a valid identifier", var);
        return 2;
    }
    sh_buf out;
    sh_buf_init(&out, sh->p);
    char addr[32];
    snprintf(addr, sizeof addr, "%llx", (unsigned long long)(uintptr_t)&out);
    av[0] = argv[0];
    av[1] = addr;
    for (int i = 0; i < n; i++) av[i + 2] = argv[first + i];
    int st = run_cmd_builtin(sh, &printf_v_decl, o.bi ? o.bi->usage : NULL, n + 2, av);
    vk_free(sh->p, av);
    if (out.oom) {
        sh_buf_free(&out);
        return 1;
    }
    if (set_lvalue(sh, var, out.s ? out.s : "") != 0) st = 1;
    sh_buf_free(&out);
    return st;
}

static int b_test(sh_state *sh, int argc, char **argv) { return sh_test_builtin(sh, argc, argv); }

static int b_true(sh_state *sh, int argc, char **argv) { return 0; }
static int b_false(sh_state *sh, int argc, char **argv) { return 1; }

/* ---- cd / pwd ---- */
/* lexically clean an absolute path: //, /./, /../ */
static char *clean_path(sh_state *sh, const char *path)
{
    size_t n = strlen(path);
    char *r = vk_malloc(sh->p, n + 2);
    if (!r) return NULL;
    size_t k = 0;
    const char *s = path;
    while (*s) {
        while (*s == '/') s++;
        if (!*s) break;
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == 1 && s[0] == '.') {
            /* skip */
        } else if (l == 2 && s[0] == '.' && s[1] == '.') {
            while (k > 0 && r[k - 1] != '/') k--;
            if (k > 0) k--;
        } else {
            r[k++] = '/';
            memcpy(r + k, s, l);
            k += l;
        }
        s += l;
    }
    if (k == 0) r[k++] = '/';
    r[k] = 0;
    return r;
}

/* cd to dir (NULL: $HOME; "-": $OLDPWD), logically or physically; me names the builtin in
 * messages (cd, pushd, popd) */
static int cd_dir(sh_state *sh, const char *me, const char *dir, bool physical)
{
    bool print = false;
    if (!dir) {
        dir = sh_var_value(sh, "HOME");
        if (!dir) {
            sh_builtin_error(sh, me, "HOME not set");
            return 1;
        }
    } else if (strcmp(dir, "-") == 0) {
        dir = sh_var_value(sh, "OLDPWD");
        if (!dir) {
            sh_builtin_error(sh, me, "OLDPWD not set");
            return 1;
        }
        print = true;
    }
    if (!*dir) {
        if (print) outs(sh, "\n");
        return 0;
    }
    char *viacd = NULL;
    const char *cdpath = sh_var_value(sh, "CDPATH");
    if (cdpath && *cdpath && dir[0] != '/' && strcmp(dir, ".") && strcmp(dir, "..") &&
        strncmp(dir, "./", 2) && strncmp(dir, "../", 3)) {
        /* CDPATH: the first entry holding dir; an empty entry is the current directory, and
         * cd prints where it went when another entry found it */
        for (const char *e = cdpath;;) {
            const char *c = strchr(e, ':');
            size_t el = c ? (size_t)(c - e) : strlen(e);
            size_t l = el + strlen(dir) + 2;
            char *cand = vk_malloc(sh->p, l);
            if (!cand) break;
            if (el)
                snprintf(cand, l, "%.*s%s%s", (int)el, e, e[el - 1] == '/' ? "" : "/", dir);
            else
                snprintf(cand, l, "%s", dir);
            struct vk_stat st;
            if (vk_stat(sh->p, cand, &st) == 0 && VK_S_ISDIR(st.mode)) {
                if (el) {
                    viacd = cand;
                    dir = viacd;
                    print = true;
                } else {
                    vk_free(sh->p, cand);
                }
                break;
            }
            vk_free(sh->p, cand);
            if (!c) break;
            e = c + 1;
        }
    }
    const char *pwd = sh_var_value(sh, "PWD");
    char *old = vk_strdup(sh->p, pwd ? pwd : (vk_getcwd(sh->p) ? vk_getcwd(sh->p) : "/"));
    char *target;
    if (dir[0] == '/') {
        target = physical ? vk_strdup(sh->p, dir) : clean_path(sh, dir);
    } else {
        const char *base = pwd && pwd[0] == '/' ? pwd : vk_getcwd(sh->p);
        size_t l = strlen(base) + strlen(dir) + 2;
        char *joined = vk_malloc(sh->p, l);
        if (joined) snprintf(joined, l, "%s/%s", base, dir);
        target = joined && !physical ? clean_path(sh, joined) : joined;
        if (target != joined) vk_free(sh->p, joined);
    }
    if (!target || !old) {
        vk_free(sh->p, target);
        vk_free(sh->p, old);
        vk_free(sh->p, viacd);
        return 1;
    }
    int rc = vk_chdir(sh->p, target);
    if (rc < 0 && !physical && dir[0] != '/') {
        /* bash retries the operand as given when the logical path fails */
        int rc2 = vk_chdir(sh->p, dir);
        if (rc2 == 0) {
            rc = 0;
            vk_free(sh->p, target);
            target = vk_strdup(sh->p, vk_getcwd(sh->p));
        }
    }
    if (rc < 0 && sh->shopt[SO_CDABLE_VARS] && !viacd && sh_is_name(dir, strlen(dir))) {
        /* cdable_vars: a name that is no directory may be a variable holding one; cd
         * prints it */
        const char *val = sh_var_value(sh, dir);
        struct vk_stat st;
        char *v = val && *val && vk_stat(sh->p, val, &st) == 0 && VK_S_ISDIR(st.mode)
                      ? vk_strdup(sh->p, val)
                      : NULL;
        if (v) {
            vk_free(sh->p, target);
            vk_free(sh->p, old);
            sh->shopt[SO_CDABLE_VARS] = false;
            int r = cd_dir(sh, me, v, physical);
            sh->shopt[SO_CDABLE_VARS] = true;
            if (r == 0) {
                outs(sh, v);
                outs(sh, "\n");
            }
            vk_free(sh->p, v);
            return r;
        }
    }
    if (rc < 0) {
        sh_builtin_error(sh, me, "%s: %s", dir, sh_strerror(rc));
        vk_free(sh->p, target);
        vk_free(sh->p, old);
        vk_free(sh->p, viacd);
        return 1;
    }
    if (physical) {
        vk_free(sh->p, target);
        target = vk_strdup(sh->p, vk_getcwd(sh->p));
    }
    sh_var_set(sh, "OLDPWD", old, 0);
    if (target) sh_var_set(sh, "PWD", target, 0);
    if (print && target) {
        outs(sh, target);
        outs(sh, "\n");
    }
    vk_free(sh->p, target);
    vk_free(sh->p, old);
    vk_free(sh->p, viacd);
    return 0;
}

static const vl_opt cd_opts[] = {{.id = 'e'}, {.id = 'L'}, {.id = 'P'}, {0}};

static int b_cd(sh_state *sh, int argc, char **argv)
{
    bool physical = sh->opt[O_PHYSICAL];
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0)
        if (c != 'e') physical = c == 'P';
    if (c < 0) return 2;
    int i = o.g.ind;
    if (argc - i > 1) {
        sh_builtin_error(sh, argv[0], "too many arguments");
        return 1;
    }
    return cd_dir(sh, argv[0], i < argc ? argv[i] : NULL, physical);
}

static const vl_opt pwd_opts[] = {{.id = 'L'}, {.id = 'P'}, {0}};

static int b_pwd(sh_state *sh, int argc, char **argv)
{
    bool physical = sh->opt[O_PHYSICAL];
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) physical = c == 'P';
    if (c < 0) return 2;
    const char *pwd = sh_var_value(sh, "PWD");
    char *real = NULL;
    if (physical || !pwd || pwd[0] != '/') {
        if (vk_realpath(sh->p, ".", false, &real) < 0) {
            const char *cwd = vk_getcwd(sh->p);
            outs(sh, cwd ? cwd : "/");
            outs(sh, "\n");
            return 0;
        }
        pwd = real;
    }
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_buf_adds(&b, pwd);
    sh_buf_addc(&b, '\n');
    out_buf(sh, &b);
    vk_free(sh->p, real);
    return 0;
}

/* ---- variables ---- */
/* bash's declare -p value quoting: "..." with \ " $ ` escaped, $'...' when the value has
 * control characters */
static void dquote(sh_buf *b, const char *v)
{
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < 32 || *c == 127) {
            sh_quote_ansic(b, v);
            return;
        }
    sh_buf_addc(b, '"');
    for (const char *s = v; *s; s++) {
        if (strchr("\\\"$`", *s)) sh_buf_addc(b, '\\');
        sh_buf_addc(b, *s);
    }
    sh_buf_addc(b, '"');
}

/* an associative key in declare -p: as bash, bare unless it holds a shell
 * metacharacter (then "..."; $'...' with control characters), and "@" quoted */
static void dquote_key(sh_buf *b, const char *k)
{
    bool meta = strcmp(k, "@") == 0 || k[0] == '#' || k[0] == '~';
    for (const char *s = k; *s && !meta; s++)
        if (strchr(" \t\n'\"\\|&;()<>!{}*[?]^$`", *s) || (unsigned char)*s < 32 ||
            *s == 127 || (*s == '~' && (s[-1] == '=' || s[-1] == ':')))
            meta = true;
    if (meta)
        dquote(b, k);
    else
        sh_buf_adds(b, k);
}

void sh_decl_elems(sh_buf *b, sh_var *v, bool decl)
{
    bool assoc = v->flags & VF_ASSOC;
    if (decl) sh_buf_addc(b, '(');
    for (size_t i = 0; i < v->narr; i++) {
        if (i && !assoc) sh_buf_addc(b, ' ');
        if (decl) sh_buf_addc(b, '[');
        if (assoc)
            dquote_key(b, v->arr[i].key);
        else
            sh_buf_printf(b, "%lld", (long long)v->arr[i].idx);
        sh_buf_adds(b, decl ? "]=" : " ");
        dquote(b, v->arr[i].val);
        if (assoc) sh_buf_addc(b, ' ');
    }
    if (decl) sh_buf_addc(b, ')');
}

/* every function, sorted by name, as declare -f prints them (set and declare list them after
 * the variables) */
static void print_all_functions(sh_state *sh, sh_buf *b)
{
    int nf = 0;
    for (sh_func *f = sh->funcs; f; f = f->next) nf++;
    sh_func **fv = vk_calloc(sh->p, (size_t)nf + 1, sizeof *fv);
    if (!fv) return;
    nf = 0;
    for (sh_func *f = sh->funcs; f; f = f->next) fv[nf++] = f;
    for (int x = 1; x < nf; x++)
        for (int y = x; y > 0 && strcmp(fv[y - 1]->name, fv[y]->name) > 0; y--) {
            sh_func *t = fv[y];
            fv[y] = fv[y - 1];
            fv[y - 1] = t;
        }
    for (int x = 0; x < nf; x++) {
        sh_print_function(b, fv[x]->name, fv[x]->body, 0);
        sh_buf_addc(b, '\n');
    }
    vk_free(sh->p, fv);
}

static void decl_flags(sh_buf *b, sh_var *v)
{
    char f[16];
    int k = 0;
    if (v->flags & VF_ARRAY) f[k++] = 'a';
    if (v->flags & VF_ASSOC) f[k++] = 'A';
    if (v->flags & VF_INTEGER) f[k++] = 'i';
    if (v->flags & VF_NAMEREF) f[k++] = 'n';
    if (v->flags & VF_READONLY) f[k++] = 'r';
    if (v->flags & VF_TRACE) f[k++] = 't';
    if (v->flags & VF_EXPORT) f[k++] = 'x';
    if (v->flags & VF_UPPER) f[k++] = 'u';
    if (v->flags & VF_LOWER) f[k++] = 'l';
    if (v->flags & VF_CAPCASE) f[k++] = 'c';
    if (k == 0) f[k++] = '-';
    f[k] = 0;
    sh_buf_adds(b, "declare -");
    sh_buf_adds(b, f);
    sh_buf_addc(b, ' ');
}

/* head: NULL for declare's form, else posix mode's "export" / "readonly", which show no
 * attribute but -a / -A */
static void print_decl_as(sh_state *sh, sh_buf *b, sh_var *v, const char *head)
{
    if (head) {
        sh_buf_adds(b, head);
        if (v->flags & VF_ARRAY) sh_buf_adds(b, " -a");
        if (v->flags & VF_ASSOC) sh_buf_adds(b, " -A");
        sh_buf_addc(b, ' ');
    } else {
        decl_flags(b, v);
    }
    sh_buf_adds(b, v->name);
    if (v->flags & (VF_ARRAY | VF_ASSOC)) {
        if (!v->narr && !(v->flags & VF_INVISIBLE)) sh_buf_adds(b, "=()");
        if (v->narr) {
            sh_buf_addc(b, '=');
            sh_decl_elems(b, v, true);
        }
    } else {
        const char *val = (v->flags & VF_SPECIAL) ? sh_var_value(sh, v->name) : v->val;
        if (val) {
            sh_buf_addc(b, '=');
            dquote(b, val);
        }
    }
    sh_buf_addc(b, '\n');
}

static void print_decl(sh_state *sh, sh_buf *b, sh_var *v) { print_decl_as(sh, b, v, NULL); }

void sh_var_decl(sh_state *sh, sh_buf *b, sh_var *v) { print_decl_as(sh, b, v, NULL); }

/* export -p / readonly -p: declare's form, or in posix mode "export x="1"" */
static void list_flagged(sh_state *sh, int flag)
{
    size_t n;
    sh_var **vars = sh_vars_sorted(sh, &n);
    if (!vars) return;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    const char *head = !sh->opt[O_POSIX] ? NULL : flag == VF_EXPORT ? "export" : "readonly";
    for (size_t i = 0; i < n; i++)
        if (vars[i]->flags & flag) print_decl_as(sh, &b, vars[i], head);
    vk_free(sh->p, vars);
    out_buf(sh, &b);
}

/* an argument the declaration builtins got as SH_RAW_LIST "name=(list)" from the expander:
 * the evaluator lists those (by address) in sh->raw_lists around the call, since a word of
 * the script can start with the marker byte too (any byte can) and is then just a word */
static bool raw_list(const sh_state *sh, const char *a)
{
    if (a[0] != SH_RAW_LIST || !sh->raw_lists) return false;
    for (char *const *r = sh->raw_lists; *r; r++)
        if (*r == a) return true;
    return false;
}

static bool valid_assign_name(const sh_state *sh, const char *arg, size_t *nl)
{
    if (raw_list(sh, arg)) arg++;
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    if (n > 0 && eq && arg[n - 1] == '+') n--;
    *nl = n;
    if (sh_is_name(arg, n)) return true;
    const char *br = memchr(arg, '[', n);
    return br && arg[n - 1] == ']' && sh_is_name(arg, (size_t)(br - arg));
}

/* give v the type flags asks for (declare -a / -A on an existing variable) */
static int set_type(sh_state *sh, const char *name, int flags)
{
    sh_var *v = sh_var_get(sh, name);
    if (flags & VF_ASSOC) {
        if (v && (v->flags & VF_ASSOC)) return 0;
        if (v && (v->flags & VF_ARRAY)) {
            sh_builtin_error(sh, "declare", "%s: cannot convert indexed to associative array",
                             name);
            return 1;
        }
        int keep = v ? v->flags & (VF_EXPORT | VF_INTEGER | VF_LOWER | VF_UPPER | VF_CAPCASE) : 0;
        char *old = v && v->val ? vk_strdup(sh->p, v->val) : NULL;
        bool fresh = !v || (!v->val && !(v->flags & VF_ARRAY));
        v = sh_assoc_new(sh, name);
        if (!v) {
            vk_free(sh->p, old);
            return 1;
        }
        v->flags |= keep;
        if (fresh) v->flags |= VF_INVISIBLE;
        if (old) sh_assoc_set(sh, v, "0", old);
        vk_free(sh->p, old);
        return 0;
    }
    if (flags & VF_ARRAY) {
        if (v && (v->flags & VF_ASSOC)) {
            sh_builtin_error(sh, "declare", "%s: cannot convert associative to indexed array",
                             name);
            return 1;
        }
        bool fresh = !v;
        if (!v) v = sh_array_new(sh, name);
        if (!v) return 1;
        if (fresh) v->flags |= VF_INVISIBLE;
        if (!(v->flags & VF_ARRAY)) {
            if (v->val)
                sh_array_set(sh, v, 0, v->val);
            else
                v->flags |= VF_ARRAY | VF_INVISIBLE;
        }
    }
    return 0;
}

/* one argument of declare / local / export / readonly: "name", "name=value" (value already
 * expanded), "name[sub]=value", SH_RAW_LIST "name=(list)"; flags are VF_* to turn on */
static int assign_arg(sh_state *sh, const char *bname, const char *arg, int flags, bool local)
{
    bool raw = raw_list(sh, arg);
    if (raw) arg++;
    const char *eq = strchr(arg, '=');
    size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
    bool append = eq && nl > 0 && arg[nl - 1] == '+';
    if (append) nl--;
    char name[256];
    if (nl >= sizeof name) return 1;
    memcpy(name, arg, nl);
    name[nl] = 0;
    char *br = strchr(name, '[');
    if (br) *br = 0;
    if (flags & VF_NAMEREF) {
        /* declare -n name=target: name itself holds the target's name */
        if (raw || br) {
            sh_builtin_error(sh, bname, "%s: reference variable cannot be an array", name);
            return 1;
        }
        const char *target = eq ? eq + 1 : NULL;
        if (target && *target && !valid_lvalue(target)) {
            sh_builtin_error(sh, bname, "`%s': invalid variable name for name reference",
                             target);
            return 1;
        }
        if (target && strcmp(target, name) == 0) {
            sh_builtin_error(sh, bname, "%s: nameref variable self references not allowed",
                             name);
            return 1;
        }
        if (local && sh_var_make_local(sh, name) != 0) return 1;
        sh_var *rv = sh_var_get_raw(sh, name);
        if (rv && (rv->flags & VF_READONLY)) {
            sh_builtin_error(sh, bname, "%s: readonly variable", name);
            return 1;
        }
        if (target) {
            if (sh_var_set_len(sh, name, strlen(name), target, VF_NAMEREF) != 0) return 1;
        } else {
            sh_var_flag(sh, name, VF_NAMEREF, true);
        }
        int more = flags & ~(VF_NAMEREF | VF_ARRAY | VF_ASSOC);
        if (more) {
            rv = sh_var_get_raw(sh, name);
            if (rv) rv->flags |= more;
        }
        return 0;
    }
    sh_var *cur = sh_var_get(sh, name);
    if (local) {
        if (cur && (cur->flags & VF_READONLY) && cur->level < sh->func_depth) {
            sh_builtin_error(sh, bname, "%s: readonly variable", name);
            return 1;
        }
        if (sh_var_make_local(sh, name) != 0) return 1;
        cur = sh_var_get(sh, name);
    }
    int type = flags & (VF_ARRAY | VF_ASSOC);
    int attrs = flags & ~(VF_ARRAY | VF_ASSOC | VF_READONLY);
    if (cur && (cur->flags & VF_READONLY) && (eq || type)) {
        /* export and readonly (special builtins) report an assignment as bash's assignment
         * code does, without their name */
        if (eq && (!strcmp(bname, "export") || !strcmp(bname, "readonly"))) {
            sh_error(sh, "%s: readonly variable", name);
            sh->special_err = true;
        } else {
            sh_builtin_error(sh, bname, "%s: readonly variable", name);
        }
        return 1;
    }
    if (type && !raw && set_type(sh, name, type)) return 1;
    if (raw && (type & VF_ASSOC) && cur && (cur->flags & VF_ARRAY) && !(cur->flags & VF_ASSOC) &&
        !(local && cur->level < sh->func_depth)) {
        /* declare -A a=(...) on an indexed array: bash's message has no builtin name, and
         * the command line is abandoned as after an expansion error */
        sh_error(sh, "%s: cannot convert indexed to associative array", name);
        sh->fatal = true;
        sh->discard = true;
        return 1;
    }
    if (attrs) sh_var_flag(sh, name, attrs, true);
    if (raw) {
        const char *list = eq + 1;
        size_t ll = strlen(list);
        char *inner = vk_strndup(sh->p, list + 1, ll >= 2 ? ll - 2 : 0);
        if (!inner) return 1;
        int rc = sh_assign_list(sh, name, inner, append, type);
        vk_free(sh->p, inner);
        if (rc) return 1;
        if (attrs) sh_var_flag(sh, name, attrs, true);
    } else if (eq && br) {
        char *close = strrchr(br + 1, ']');
        if (close) *close = 0;
        if (sh_assign_elem(sh, name, br + 1, eq + 1, append) != 0) return 1;
    } else if (eq) {
        const char *val = eq + 1;
        sh_var *v = sh_var_get(sh, name);
        size_t vl = strlen(val);
        if (v && (v->flags & (VF_ARRAY | VF_ASSOC)) && vl >= 2 && val[0] == '(' &&
            val[vl - 1] == ')') {
            /* declare -a a='(1 2)': a quoted list is still a compound assignment */
            char *inner = vk_strndup(sh->p, val + 1, vl - 2);
            if (!inner) return 1;
            int rc = sh_assign_list(sh, name, inner, append, v->flags & (VF_ARRAY | VF_ASSOC));
            vk_free(sh->p, inner);
            if (rc) return 1;
        } else if (v && (v->flags & (VF_ARRAY | VF_ASSOC))) {
            /* name=value on an array sets element 0 (or key "0") */
            if (sh_assign_elem(sh, name, "0", val, append) != 0) return 1;
        } else {
            char *joined = NULL;
            if (append) {
                const char *old = sh_var_value(sh, name);
                size_t l = (old ? strlen(old) : 0) + strlen(val) + 1;
                joined = vk_malloc(sh->p, l);
                if (!joined) return 1;
                snprintf(joined, l, "%s%s", old ? old : "", val);
                val = joined;
            }
            char num[32];
            if (v && (v->flags & VF_INTEGER) && !append) {
                int64_t x;
                /* bash names the builtin in the message, and the error ends a
                 * non-interactive shell as it does for name=value */
                const char *save = sh->arith_ctx;
                sh->arith_ctx = bname;
                int arc = sh_arith(sh, val, &x);
                sh->arith_ctx = save;
                if (arc != 0) {
                    vk_free(sh->p, joined);
                    sh->fatal = true;
                    return 1;
                }
                snprintf(num, sizeof num, "%lld", (long long)x);
                val = num;
            } else if (v && (v->flags & VF_INTEGER)) {
                /* x+=n on an integer adds */
                int64_t a = 0, b = 0;
                const char *old = sh_var_value(sh, name);
                if ((old && sh_arith(sh, old, &a) != 0) || sh_arith(sh, eq + 1, &b) != 0) {
                    vk_free(sh->p, joined);
                    return 1;
                }
                snprintf(num, sizeof num, "%lld", (long long)(a + b));
                val = num;
            }
            int rc = sh_var_set(sh, name, val, 0);
            vk_free(sh->p, joined);
            if (rc) return 1;
        }
    } else if (!sh_var_get(sh, name)) {
        /* declared without a value: exists (for declare -p, local scoping), stays unset */
        sh_var_flag(sh, name, attrs, true);
    }
    if (flags & VF_READONLY) sh_var_flag(sh, name, VF_READONLY, true);
    return 0;
}

/* "name" of an argument for messages (without SH_RAW_LIST) */
static const char *arg_text(const sh_state *sh, const char *a)
{
    return raw_list(sh, a) ? a + 1 : a;
}

/* export and readonly: the same options; attr is VF_EXPORT or VF_READONLY */
/* "declare -f" plus a function's attributes: r readonly, x exported */
static void func_decl(sh_buf *b, const sh_func *f)
{
    sh_buf_printf(b, "declare -f%s%s %s\n", f->readonly ? "r" : "", f->exported ? "x" : "",
                  f->name);
}

static int sort_funcs(sh_state *sh, sh_func ***out);

/* export -f / readonly -f without names: the functions with that attribute, each followed
 * by its declaration */
static void list_funcs_with(sh_state *sh, int attr)
{
    sh_func **v;
    int n = sort_funcs(sh, &v);
    if (n < 0) return;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int x = 0; x < n; x++) {
        if (!(attr == VF_READONLY ? v[x]->readonly : v[x]->exported)) continue;
        sh_print_function(&b, v[x]->name, v[x]->body, 0);
        sh_buf_addc(&b, '\n');
        func_decl(&b, v[x]);
    }
    vk_free(sh->p, v);
    out_buf(sh, &b);
}

static const vl_opt export_opts[] = {
    {.id = 'a'}, {.id = 'A'}, {.id = 'f'}, {.id = 'n'}, {.id = 'p'}, {0},
};

static int export_cmd(sh_state *sh, int argc, char **argv, int attr)
{
    const char *me = argv[0];
    bool undo = false, funcs = false;
    int type = 0;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'n') undo = true;
        else if (c == 'f') funcs = true;
        else if (c == 'a') type = VF_ARRAY;
        else if (c == 'A') type = VF_ASSOC;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (funcs) {
        /* readonly -f marks functions; export -f puts them in children's environment */
        if (i >= argc && !undo) {
            list_funcs_with(sh, attr);
            return 0;
        }
        int st = 0;
        for (; i < argc; i++) {
            sh_func *f = sh_func_get(sh, argv[i]);
            if (!f) {
                sh_builtin_error(sh, me, "%s: not a function", argv[i]);
                st = 1;
            } else if (attr == VF_READONLY) {
                if (!undo) f->readonly = true;
            } else if (f->exported != !undo) {
                f->exported = !undo;
                sh->env_dirty = true;
            }
        }
        return st;
    }
    if (i >= argc) {
        list_flagged(sh, attr);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        size_t nl;
        if (!valid_assign_name(sh, argv[i], &nl)) {
            sh_builtin_error(sh, me, "`%s': not a valid identifier", arg_text(sh, argv[i]));
            st = 1;
            continue;
        }
        /* -n: export -n takes the attribute away; readonly -n only assigns. -a / -A only
         * say what a list assignment (name=(...)) makes. */
        int flags = (undo ? 0 : attr) | (raw_list(sh, argv[i]) ? type : 0);
        if (assign_arg(sh, me, argv[i], flags, false)) {
            st = 1;
            continue;
        }
        if (undo && attr == VF_EXPORT) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)nl, arg_text(sh, argv[i]));
            sh_var_flag(sh, name, VF_EXPORT, false);
        }
    }
    return st;
}

static int b_export(sh_state *sh, int argc, char **argv)
{
    return export_cmd(sh, argc, argv, VF_EXPORT);
}

static int b_readonly(sh_state *sh, int argc, char **argv)
{
    return export_cmd(sh, argc, argv, VF_READONLY);
}

static const vl_opt unset_opts[] = {{.id = 'f'}, {.id = 'n'}, {.id = 'v'}, {0}};

static int b_unset(sh_state *sh, int argc, char **argv)
{
    bool vars = false, funcs = false;
    bool refs = false; /* -n: a nameref itself, not what it refers to */
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'v') vars = true;
        else if (c == 'f') funcs = true;
        else refs = true;
    }
    if (c < 0) return 2;
    if (vars && funcs) {
        sh_builtin_error(sh, "unset", "cannot simultaneously unset a function and a variable");
        return 1;
    }
    int mode = vars ? 1 : funcs ? 2 : 0; /* 0 var-then-func, 1 var, 2 func */
    int i = o.g.ind;
    int st = 0;
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (mode == 2) {
            if (sh_func_unset(sh, name) != 0) st = 1;
            continue;
        }
        const char *br = strchr(name, '[');
        if (br && name[strlen(name) - 1] == ']' && sh_is_name(name, (size_t)(br - name))) {
            char nm[256];
            snprintf(nm, sizeof nm, "%.*s", (int)(br - name), name);
            sh_var *v = sh_var_get(sh, nm);
            if (v && (v->flags & VF_READONLY)) {
                sh_builtin_error(sh, "unset", "%s: cannot unset: readonly variable", nm);
                st = 1;
                continue;
            }
            char *sub = vk_strndup(sh->p, br + 1, strlen(br + 1) - 1);
            char *subx = sub ? sh_expand_word(sh, sub) : NULL;
            int64_t idx = 0;
            if (subx && v && (v->flags & VF_ASSOC)) {
                sh_assoc_unset(sh, v, subx);
            } else if (subx && v && (strcmp(subx, "@") == 0 || strcmp(subx, "*") == 0)) {
                /* bash 5.2: every element goes, the (now empty) array stays */
                if (v->flags & VF_ARRAY) {
                    sh_array_clear(sh, v);
                    v->flags &= ~VF_INVISIBLE;
                } else {
                    sh_builtin_error(sh, "unset", "%s: not an array variable", nm);
                    st = 1;
                }
            } else if (subx && v && (v->flags & VF_ARRAY) && sh_arith(sh, subx, &idx) == 0) {
                if (idx < 0 && v->narr) idx += v->arr[v->narr - 1].idx + 1;
                sh_array_unset(sh, v, idx);
            } else if (subx && v && sh_arith(sh, subx, &idx) == 0 && idx == 0) {
                sh_var_unset(sh, nm);
            }
            vk_free(sh->p, subx);
            vk_free(sh->p, sub);
            continue;
        }
        if (!sh_is_name(name, strlen(name))) {
            /* not a variable's name: only -v says so; otherwise it may name a function */
            if (mode == 1) {
                sh_builtin_error(sh, "unset", "`%s': not a valid identifier", name);
                st = 1;
            } else if (!refs && sh_func_unset(sh, name) != 0) {
                st = 1;
            }
            continue;
        }
        if (refs) {
            /* -n unsets a nameref itself, and nothing else */
            sh_var *rv = sh_var_get_raw(sh, name);
            if (!rv || !(rv->flags & VF_NAMEREF)) continue;
            rv->flags &= ~VF_NAMEREF;
        }
        sh_var *v = sh_var_get(sh, name);
        if (!refs && !v && sh_nameref_elem(sh, name)) {
            /* a reference to an array element: the element goes */
            if (sh_var_unset(sh, name) != 0) {
                sh_builtin_error(sh, "unset", "%s: cannot unset: readonly variable", name);
                st = 1;
            }
        } else if (v) {
            if (sh_var_unset(sh, name) != 0) {
                sh_builtin_error(sh, "unset", "%s: cannot unset: readonly variable", name);
                st = 1;
            }
        } else if (!refs && (v = sh_var_get_raw(sh, name)) && (v->flags & VF_NAMEREF)) {
            /* a reference to nothing: a circular one goes itself, as in bash (which warns
             * twice, looking it up and unsetting it) */
            sh->ref_warn_seq = 0;
            sh_var_unset(sh, name);
        } else if (mode == 0 && sh_func_unset(sh, name) != 0) {
            st = 1;
        }
    }
    return st;
}

static int sort_funcs(sh_state *sh, sh_func ***out)
{
    int n = 0;
    for (sh_func *f = sh->funcs; f; f = f->next) n++;
    sh_func **v = vk_calloc(sh->p, (size_t)n + 1, sizeof *v);
    if (!v) return -1;
    n = 0;
    for (sh_func *f = sh->funcs; f; f = f->next) v[n++] = f;
    for (int x = 1; x < n; x++)
        for (int y = x; y > 0 && strcmp(v[y - 1]->name, v[y]->name) > 0; y--) {
            sh_func *t = v[y];
            v[y] = v[y - 1];
            v[y - 1] = t;
        }
    *out = v;
    return n;
}

/* local -I: the new local starts with the value and attributes of the variable it hides */
static void inherit_var(sh_state *sh, const char *name, const sh_var *o)
{
    if (o->flags & (VF_ARRAY | VF_ASSOC)) {
        sh_var *v = (o->flags & VF_ASSOC) ? sh_assoc_new(sh, name) : sh_array_new(sh, name);
        for (size_t k = 0; v && k < o->narr; k++) {
            if (o->flags & VF_ASSOC) sh_assoc_set(sh, v, o->arr[k].key, o->arr[k].val);
            else sh_array_set(sh, v, o->arr[k].idx, o->arr[k].val);
        }
    } else if (o->val) {
        sh_var_set(sh, name, o->val, 0);
    }
    int keep = VF_EXPORT | VF_INTEGER | VF_LOWER | VF_UPPER | VF_CAPCASE | VF_TRACE;
    if (o->flags & keep) sh_var_flag(sh, name, o->flags & keep, true);
}

/* declare, typeset and local: every option also comes as +x (take the attribute away) */
static const vl_opt declare_opts[] = {
    {.id = 'a', .arg = VL_PLUS}, {.id = 'A', .arg = VL_PLUS}, {.id = 'c', .arg = VL_PLUS},
    {.id = 'f', .arg = VL_PLUS}, {.id = 'F', .arg = VL_PLUS}, {.id = 'g', .arg = VL_PLUS},
    {.id = 'G', .arg = VL_PLUS}, {.id = 'i', .arg = VL_PLUS}, {.id = 'I', .arg = VL_PLUS},
    {.id = 'l', .arg = VL_PLUS}, {.id = 'n', .arg = VL_PLUS}, {.id = 'p', .arg = VL_PLUS},
    {.id = 'r', .arg = VL_PLUS}, {.id = 't', .arg = VL_PLUS}, {.id = 'u', .arg = VL_PLUS},
    {.id = 'x', .arg = VL_PLUS}, {0},
};

/* declare, typeset and local (is_local): the same options and arguments */
static int declare_cmd(sh_state *sh, int argc, char **argv, bool is_local)
{
    const char *me = argv[0];
    int flags = 0, unflags = 0;
    bool print = false, global = false, funcs = false, names_only = false, inherit = false;
    if (is_local && sh->func_depth == 0) {
        sh_builtin_error(sh, "local", "can only be used in a function");
        return 1;
    }
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        int f = 0;
        switch (c) {
        case 'r': f = VF_READONLY; break;
        case 'x': f = VF_EXPORT; break;
        case 'i': f = VF_INTEGER; break;
        case 'a': f = VF_ARRAY; break;
        case 'A': f = VF_ASSOC; break;
        case 'c': f = VF_CAPCASE; break;
        case 'l': f = VF_LOWER; break;
        case 'u': f = VF_UPPER; break;
        case 't': f = VF_TRACE; break;
        case 'n': f = VF_NAMEREF; break;
        case 'p': print = true; break;
        /* -G (bash 5.2, undocumented) acts as -g in a script */
        case 'g':
        case 'G': global = global || !o.g.plus; break;
        case 'f': funcs = funcs || !o.g.plus; break;
        case 'F':
            if (!o.g.plus) funcs = names_only = true;
            break;
        case 'I': inherit = !o.g.plus; break;
        }
        if (o.g.plus) unflags |= f;
        else flags |= f;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    /* one case attribute at most: given together they cancel out */
    int cases = flags & (VF_LOWER | VF_UPPER | VF_CAPCASE);
    if (cases & (cases - 1)) flags &= ~cases;
    if (cases) unflags |= (VF_LOWER | VF_UPPER | VF_CAPCASE) & ~flags;
    if (funcs) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        int st = 0;
        if (i >= argc) {
            sh_func **v;
            int n = sort_funcs(sh, &v);
            if (n < 0) return 1;
            for (int x = 0; x < n; x++) {
                /* -x / -r: only the functions with that attribute */
                if ((flags & VF_EXPORT) && !v[x]->exported) continue;
                if ((flags & VF_READONLY) && !v[x]->readonly) continue;
                if (names_only) {
                    func_decl(&b, v[x]);
                } else {
                    sh_print_function(&b, v[x]->name, v[x]->body, 0);
                    sh_buf_addc(&b, '\n');
                    if (v[x]->readonly || v[x]->exported) func_decl(&b, v[x]);
                }
            }
            vk_free(sh->p, v);
        }
        for (; i < argc; i++) {
            sh_func *f = sh_func_get(sh, argv[i]);
            if (!f) {
                st = 1;
                continue;
            }
            /* declare -xf / +x -f / -rf name: the attributes change, nothing is printed */
            if ((flags | unflags) & (VF_EXPORT | VF_READONLY)) {
                if ((flags & VF_EXPORT) && !f->exported) f->exported = sh->env_dirty = true;
                if ((unflags & VF_EXPORT) && f->exported) {
                    f->exported = false;
                    sh->env_dirty = true;
                }
                if (flags & VF_READONLY) f->readonly = true;
                continue;
            }
            if (names_only && sh->shopt[SO_EXTDEBUG]) {
                /* extdebug: where it was defined, as bash ("environment" for -c) */
                sh_buf_printf(&b, "%s %d %s\n", f->name, f->line,
                              f->file && *f->file ? f->file : "environment");
            } else if (names_only) {
                sh_buf_printf(&b, "%s\n", f->name);
            } else {
                sh_print_function(&b, f->name, f->body, 0);
                sh_buf_addc(&b, '\n');
            }
        }
        out_buf(sh, &b);
        return st;
    }
    if (i >= argc) {
        size_t n;
        sh_var **vars = sh_vars_sorted(sh, &n);
        if (!vars) return 1;
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (size_t k = 0; k < n; k++) {
            if (flags && !(vars[k]->flags & flags)) continue;
            if (is_local && vars[k]->level != sh->func_depth) continue;
            if (!print && !flags && !vars[k]->val &&
                !(vars[k]->flags & (VF_ARRAY | VF_ASSOC | VF_SPECIAL)))
                continue;
            if (print || flags || is_local)
                print_decl(sh, &b, vars[k]);
            else if (!(vars[k]->flags & (VF_ARRAY | VF_ASSOC))) {
                const char *val = (vars[k]->flags & VF_SPECIAL) ? sh_var_value(sh, vars[k]->name)
                                                                 : vars[k]->val;
                sh_buf_adds(&b, vars[k]->name);
                sh_buf_addc(&b, '=');
                sh_quote(&b, val ? val : "");
                sh_buf_addc(&b, '\n');
            } else {
                print_decl(sh, &b, vars[k]);
            }
        }
        vk_free(sh->p, vars);
        if (!print && !flags && !is_local) print_all_functions(sh, &b); /* plain declare */
        out_buf(sh, &b);
        return 0;
    }
    int st = 0;
    bool local = (is_local || sh->func_depth > 0) && !global;
    for (; i < argc; i++) {
        size_t nl;
        const char *at = arg_text(sh, argv[i]);
        if (is_local && strcmp(at, "-") == 0) {
            /* local -: the set options come back as they are now when the function returns */
            if (sh->localopt && !sh->localopt->saved) {
                memcpy(sh->localopt->opt, sh->opt, sizeof sh->opt);
                sh->localopt->saved = true;
            }
            continue;
        }
        if (!valid_assign_name(sh, argv[i], &nl) ||
            (print && !strchr(at, '=') && strchr(at, '['))) {
            if (print) /* declare -p looks the word up as it is: a[1] is no name */
                sh_builtin_error(sh, me, "%s: not found", at);
            else
                sh_builtin_error(sh, me, "`%s': not a valid identifier", at);
            st = 1;
            continue;
        }
        char nm[256];
        snprintf(nm, sizeof nm, "%.*s", (int)nl, at);
        char *br = strchr(nm, '[');
        if (br) *br = 0;
        if (print && raw_list(sh, argv[i])) {
            /* declare -p b=(...): bash assigns the list, then shows the variable */
            if (assign_arg(sh, me, argv[i], flags, local)) {
                st = 1;
                continue;
            }
        } else if (print && strchr(at, '=')) {
            sh_builtin_error(sh, me, "%s: not found", at);
            st = 1;
            continue;
        }
        if (print) {
            sh_var *v = sh_var_get_raw(sh, nm);
            if (!v) {
                sh_builtin_error(sh, me, "%s: not found", nm);
                st = 1;
                continue;
            }
            sh_buf b;
            sh_buf_init(&b, sh->p);
            print_decl(sh, &b, v);
            out_buf(sh, &b);
            continue;
        }
        if (inherit && local) {
            sh_var *outer = sh_var_get(sh, nm);
            if (sh_var_make_local(sh, nm) != 0) {
                st = 1;
                continue;
            }
            if (outer && sh_var_get(sh, nm) != outer) inherit_var(sh, nm, outer);
        }
        /* a new case attribute replaces the old one before the value is converted */
        sh_var *cv = cases && !local ? sh_var_get(sh, nm) : NULL;
        if (cv) cv->flags &= ~(unflags & (VF_LOWER | VF_UPPER | VF_CAPCASE));
        if (assign_arg(sh, me, argv[i], flags, local)) {
            st = 1;
            if (sh->fatal) break; /* an arithmetic error in an integer's value: bash stops */
            continue;
        }
        sh_var *rawv = sh_var_get_raw(sh, nm);
        sh_var *v = (flags & VF_NAMEREF) ? rawv : sh_var_get(sh, nm);
        if ((unflags & VF_NAMEREF) && rawv && (rawv->flags & VF_NAMEREF)) {
            /* declare +n acts on the reference itself: its value (the name) stays */
            rawv->flags &= ~VF_NAMEREF;
            v = rawv;
        }
        if (v && unflags) {
            if ((unflags & VF_READONLY) && (v->flags & VF_READONLY)) {
                sh_builtin_error(sh, me, "%s: readonly variable", nm);
                st = 1;
            }
            if (unflags & VF_EXPORT) sh_var_flag(sh, nm, VF_EXPORT, false);
            v->flags &= ~(unflags & ~(VF_READONLY | VF_ARRAY | VF_ASSOC));
        }
    }
    return st;
}

/* declare_cmd's status; an unset variable under set -u in an integer's value (declare -i
 * x=n) keeps 127, as in an arithmetic command */
static int declare_run(sh_state *sh, int argc, char **argv, bool is_local)
{
    sh->arith_unbound = false;
    int st = declare_cmd(sh, argc, argv, is_local);
    return st && sh->fatal && sh->arith_unbound ? 127 : st;
}

static int b_local(sh_state *sh, int argc, char **argv)
{
    return declare_run(sh, argc, argv, true);
}

static int b_declare(sh_state *sh, int argc, char **argv)
{
    return declare_run(sh, argc, argv, false);
}

/* ---- set / shift ---- */
static const char *const opt_names[] = {
#define SH_OPT_NAME3_(n, c, s) s,
    SH_OPTIONS(SH_OPT_NAME3_)
#undef SH_OPT_NAME3_
};
static const char opt_letters[] = {
#define SH_OPT_LETTER3_(n, c, s) c,
    SH_OPTIONS(SH_OPT_LETTER3_)
#undef SH_OPT_LETTER3_
};

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_options(sh_state *sh, bool as_set)
{
    const char *names[O_COUNT];
    for (int i = 0; i < O_COUNT; i++) names[i] = opt_names[i];
    qsort(names, O_COUNT, sizeof *names, cmp_cstr);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int k = 0; k < O_COUNT; k++) {
        int i = 0;
        while (strcmp(opt_names[i], names[k]) != 0) i++;
        if (as_set)
            sh_buf_printf(&b, "set %co %s\n", sh->opt[i] ? '-' : '+', opt_names[i]);
        else
            sh_buf_printf(&b, "%-15s\t%s\n", opt_names[i], sh->opt[i] ? "on" : "off");
    }
    out_buf(sh, &b);
}

static int set_positional(sh_state *sh, char **args, int n)
{
    char **v = vk_calloc(sh->p, (size_t)n + 1, sizeof *v);
    if (!v) return 1;
    for (int i = 0; i < n; i++) {
        v[i] = vk_strdup(sh->p, args[i]);
        if (!v[i]) {
            for (int k = 0; k < i; k++) vk_free(sh->p, v[k]);
            vk_free(sh->p, v);
            return 1;
        }
    }
    for (int i = 0; i < sh->npos; i++) vk_free(sh->p, sh->pos[i]);
    vk_free(sh->p, sh->pos);
    sh->pos = v;
    sh->npos = n;
    return 0;
}

/* set's letters: those of the options that have one (the others, a ':' here, are only
 * reached with -o), and o */
static const vl_opt set_opts[] = {
#define SH_OPT_SET_(n, c, s) {.id = (c) ? (c) : ':', .arg = VL_PLUS},
    SH_OPTIONS(SH_OPT_SET_)
#undef SH_OPT_SET_
    {.id = 'o', .arg = VL_PLUS},
    {0},
};

static int b_set(sh_state *sh, int argc, char **argv)
{
    if (argc == 1) {
        size_t n;
        sh_var **vars = sh_vars_sorted(sh, &n);
        if (!vars) return 1;
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (size_t i = 0; i < n; i++) {
            sh_var *v = vars[i];
            if (v->flags & (VF_ARRAY | VF_ASSOC)) {
                if (v->flags & VF_INVISIBLE) continue; /* declared, never assigned */
                bool assoc = v->flags & VF_ASSOC;
                sh_buf_adds(&b, v->name);
                sh_buf_adds(&b, "=(");
                for (size_t k = 0; k < v->narr; k++) {
                    if (assoc) {
                        sh_buf_addc(&b, '[');
                        dquote_key(&b, v->arr[k].key);
                        sh_buf_adds(&b, "]=");
                        dquote(&b, v->arr[k].val);
                        sh_buf_addc(&b, ' ');
                        continue;
                    }
                    if (k) sh_buf_addc(&b, ' ');
                    sh_buf_printf(&b, "[%lld]=", (long long)v->arr[k].idx);
                    dquote(&b, v->arr[k].val);
                }
                sh_buf_adds(&b, ")\n");
                continue;
            }
            const char *val = (v->flags & VF_SPECIAL) ? sh_var_value(sh, v->name) : v->val;
            if (!val) continue;
            sh_buf_adds(&b, v->name);
            sh_buf_addc(&b, '=');
            /* set quotes any control character, newlines and tabs too, the $'...' way */
            bool ctl = false;
            for (const unsigned char *c = (const unsigned char *)val; *c && !ctl; c++)
                ctl = *c < 32 || *c == 127;
            if (ctl) sh_quote_ansic(&b, val);
            else sh_quote(&b, val);
            sh_buf_addc(&b, '\n');
        }
        vk_free(sh->p, vars);
        print_all_functions(sh, &b);
        out_buf(sh, &b);
        return 0;
    }
    /* bash reads set's options twice. First it checks them up to the first operand, with -o a
     * flag: a bad one changes nothing ("set -?" alone returns 0). Then it applies them, where
     * -o takes the next word after its bundle as an option name unless that word starts with
     * - or + (then it lists the options), "+" alone is skipped, "-" ends the options (and
     * turns -x and -v off) and "--" sets the positional parameters even to nothing. */
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) continue;
    if (c < 0) return strcmp(o.g.bad, "-?") == 0 ? 0 : 2;
    opts_begin(&o, sh, argc, argv);
    int take = 0; /* words the -o of this bundle took as names */
    for (;;) {
        c = opts_next(&o);
        if (c < 0) return strcmp(o.g.bad, "-?") == 0 ? 0 : 2;
        if (c == 0) {
            if (o.g.ind < argc && strcmp(argv[o.g.ind], "+") == 0) {
                o.g.ind++;
                continue;
            }
            break;
        }
        bool word_end = o.g.pos == 0;
        bool on = !o.g.plus;
        if (c == 'o') {
            int nx = (word_end ? o.g.ind : o.g.ind + 1) + take;
            const char *name = nx < argc ? argv[nx] : NULL;
            if (!name || name[0] == '-' || name[0] == '+') {
                print_options(sh, !on);
            } else {
                take++;
                int k = -1;
                for (int n = 0; n < O_COUNT; n++)
                    if (strcmp(opt_names[n], name) == 0) k = n;
                if (k < 0) {
                    sh_builtin_error(sh, "set", "%s: invalid option name", name);
                    sh->special_err = true;
                    return 2;
                }
                if (k == O_POSIX && sh->opt[k] != on) sh_set_posix(sh, on);
                sh->opt[k] = on;
            }
        } else {
            for (int n = 0; n < O_COUNT; n++)
                if (opt_letters[n] == c) sh->opt[n] = on;
        }
        if (word_end) {
            o.g.ind += take;
            take = 0;
        }
    }
    int i = o.g.ind;
    bool set_args = i > 1 && strcmp(argv[i - 1], "--") == 0;
    if (i < argc && strcmp(argv[i], "-") == 0) {
        sh->opt[O_XTRACE] = false;
        sh->opt[O_VERBOSE] = false;
        i++;
        set_args = i < argc;
    }
    if (i < argc || set_args) return set_positional(sh, argv + i, argc - i);
    return 0;
}

/* posix mode on or off changes shopt options as bash's does: on sets inherit_errexit,
 * shift_verbose and expand_aliases; off clears the last two (inherit_errexit stays) and
 * unsets POSIXLY_CORRECT */
void sh_set_posix(sh_state *sh, bool on)
{
    sh_posix_opts(sh, on);
    /* bash keeps POSIXLY_CORRECT in step (set to y, unset) */
    if (on && !sh_var_value(sh, "POSIXLY_CORRECT"))
        sh_var_set(sh, "POSIXLY_CORRECT", "y", 0);
    else if (!on)
        sh_var_unset(sh, "POSIXLY_CORRECT");
}

void sh_posix_opts(sh_state *sh, bool on)
{
    sh->opt[O_POSIX] = on;
    if (on) sh->shopt[SO_INHERIT_ERREXIT] = true;
    sh->shopt[SO_SHIFT_VERBOSE] = on;
    sh->shopt[SO_EXPAND_ALIASES] = on || sh->interactive;
}

static int b_shift(sh_state *sh, int argc, char **argv)
{
    int64_t n = 1;
    int i = skip_ddash(argc, argv);
    if (argc - i > 1) {
        sh_builtin_error(sh, "shift", "too many arguments");
        sh->special_err = true;
        return 1;
    }
    if (argc - i == 1 && !parse_num_arg(argv[i], &n)) {
        sh_builtin_error(sh, "shift", "%s: numeric argument required", argv[i]);
        return 1;
    }
    if (n < 0) {
        sh_builtin_error(sh, "shift", "%s: shift count out of range", argv[i]);
        return 1;
    }
    if (n > sh->npos) {
        /* shopt -s shift_verbose (on in posix mode) reports it */
        if (sh->shopt[SO_SHIFT_VERBOSE]) {
            if (argc > i)
                sh_builtin_error(sh, "shift", "%s: shift count out of range", argv[i]);
            else
                sh_builtin_error(sh, "shift", "shift count out of range");
        }
        return 1;
    }
    if (n == 0) return 0; /* with no parameters there may be no array at all */
    for (int k = 0; k < n; k++) vk_free(sh->p, sh->pos[k]);
    memmove(sh->pos, sh->pos + n, (size_t)(sh->npos - n) * sizeof *sh->pos);
    sh->npos -= (int)n;
    sh->pos[sh->npos] = NULL;
    return 0;
}

/* ---- control flow ---- */
static int b_exit(sh_state *sh, int argc, char **argv)
{
    int st = sh->status;
    int i = skip_ddash(argc, argv);
    if (argc > i) {
        int64_t v;
        if (!parse_num_arg(argv[i], &v)) {
            sh_builtin_error(sh, "exit", "%s: numeric argument required", argv[i]);
            st = 2;
        } else if (argc > i + 1) {
            sh_builtin_error(sh, "exit", "too many arguments");
            sh->special_err = true;
            return 1;
        } else {
            st = (int)(v & 0xff);
        }
    }
    sh->status = st;
    sh->jump = J_EXIT;
    return st;
}

static int b_return(sh_state *sh, int argc, char **argv)
{
    int st = sh->status;
    int i = skip_ddash(argc, argv);
    if (argc > i) {
        int64_t v;
        if (!parse_num_arg(argv[i], &v)) {
            sh_builtin_error(sh, "return", "%s: numeric argument required", argv[i]);
            st = 2;
        } else if (argc > i + 1) {
            /* bash ends the shell here, in any mode */
            sh_builtin_error(sh, "return", "too many arguments");
            sh->status = 1;
            sh->jump = J_EXIT;
            return 1;
        } else {
            st = (int)(v & 0xff);
        }
    }
    if (sh->func_depth == 0 && sh->source_depth == 0) {
        sh_builtin_error(sh, "return", "can only `return' from a function or sourced script");
        sh->special_err = true;
        return 2;
    }
    sh->status = st;
    sh->jump = J_RETURN;
    return st;
}

static int loop_ctl(sh_state *sh, int argc, char **argv, int kind)
{
    int64_t n = 1;
    int i = skip_ddash(argc, argv);
    if (sh->loop_depth == 0) {
        if (!sh->opt[O_POSIX]) /* posix mode says nothing */
            sh_builtin_error(sh, argv[0], "only meaningful in a `for', `while', or `until' loop");
        return 0;
    }
    if (argc > i + 1) {
        /* bash throws to the top level: a -c string ends (1), a script goes on after the
         * command */
        sh_builtin_error(sh, argv[0], "too many arguments");
        sh->status = 1;
        if (sh->cmode && !sh->interactive)
            sh->jump = J_EXIT;
        else
            sh->fatal = sh->discard = true;
        return 1;
    }
    if (argc > i) {
        if (!parse_num_arg(argv[i], &n)) {
            /* bash's throw_to_top_level: the shell ends with $? | 128 */
            sh_builtin_error(sh, argv[0], "%s: numeric argument required", argv[i]);
            sh->status |= 128;
            sh->jump = J_EXIT;
            return sh->status;
        }
        if (n < 1) {
            /* bash complains, then leaves the loop anyway */
            sh_builtin_error(sh, argv[0], "%s: loop count out of range", argv[i]);
            if (sh->loop_depth > 0) {
                sh->jump = J_BREAK;
                sh->jump_n = 1;
            }
            sh->status = 1;
            return 1;
        }
    }
    if (n > sh->loop_depth) n = sh->loop_depth;
    sh->jump = kind;
    sh->jump_n = (int)n;
    return 0;
}

static int b_break(sh_state *sh, int argc, char **argv)
{
    return loop_ctl(sh, argc, argv, J_BREAK);
}

static int b_continue(sh_state *sh, int argc, char **argv)
{
    return loop_ctl(sh, argc, argv, J_CONTINUE);
}

static int b_eval(sh_state *sh, int argc, char **argv)
{
    int i = no_options(sh, argc, argv);
    if (i < 0) return 2;
    if (i >= argc) return 0;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (; i < argc; i++) {
        sh_buf_adds(&b, argv[i]);
        if (i + 1 < argc) sh_buf_addc(&b, ' ');
    }
    if (b.oom || !b.s) {
        sh_buf_free(&b);
        return 0;
    }
    /* bash numbers a multi-line eval string from the line after the eval's */
    int base = sh->lineno + (memchr(b.s, '\n', b.len) ? 1 : 0);
    int save_line = sh->lineno;
    const char *save_ctx = sh->parse_ctx;
    sh->parse_ctx = "eval";
    sh_run_string(sh, b.s, b.len, base);
    sh->parse_ctx = save_ctx;
    sh_buf_free(&b);
    if (sh->jump == J_NONE) sh->lineno = save_line;
    sh->special_err = false; /* errors of the commands inside were theirs */
    if (sh->syntax_err) {
        /* the eval failed, not the script around it */
        sh->syntax_err = false;
        sh->special_err = true;
        return sh->syntax_array ? 1 : 2;
    }
    return sh->status;
}

static const vl_opt exec_opts[] = {{.id = 'a', .arg = VL_ARG}, {.id = 'c'}, {.id = 'l'}, {0}};

static int b_exec(sh_state *sh, int argc, char **argv)
{
    bool clear_env = false, login = false;
    const char *name = NULL;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'c') clear_env = true;
        else if (c == 'l') login = true;
        else name = o.g.arg;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (i >= argc) return 0; /* redirections were made permanent by the caller */
    char *shown = NULL;
    if (login) {
        const char *base = name ? name : argv[i];
        const char *slash = strrchr(base, '/');
        size_t l = strlen(slash ? slash + 1 : base);
        shown = vk_malloc(sh->p, l + 2);
        if (shown) {
            shown[0] = '-';
            memcpy(shown + 1, slash ? slash + 1 : base, l + 1);
            name = shown;
        }
    }
    /* the command replaces the shell: no EXIT trap, nothing after it */
    int st = sh_exec_replace(sh, argv + i, name, clear_env);
    vk_free(sh->p, shown);
    sh->status = st;
    /* back here, the exec failed: execfail keeps the shell going */
    if (!sh->shopt[SO_EXECFAIL]) sh->jump = J_EXIT;
    return st;
}

static int b_source(sh_state *sh, int argc, char **argv)
{
    int i = no_options(sh, argc, argv);
    if (i < 0) return 2;
    if (i >= argc) {
        sh_builtin_error(sh, argv[0], "filename argument required");
        return usage(sh, argv[0]);
    }
    const char *file = argv[i];
    char *path = NULL;
    if (!strchr(file, '/') && sh->shopt[SO_SOURCEPATH]) {
        path = sh_path_search(sh, file);
        if (path) {
            struct vk_stat st;
            if (vk_stat(sh->p, path, &st) != 0 || VK_S_ISDIR(st.mode)) {
                vk_free(sh->p, path);
                path = NULL;
            }
        }
    }
    if (!path) path = vk_strdup(sh->p, file);
    if (!path) return 1;
    int fd = vk_open(sh->p, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        sh_error(sh, "%s: %s", file, sh_strerror(fd));
        vk_free(sh->p, path);
        sh->special_err = true;
        return 1;
    }
    vk_free(sh->p, path);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    char buf[8192];
    for (;;) {
        ssize_t n = vk_read(sh->p, fd, buf, sizeof buf);
        if (n == VOS_EINTR) continue;
        if (n <= 0) break;
        sh_buf_add(&b, buf, (size_t)n);
    }
    vk_close(sh->p, fd);
    if (b.oom) {
        sh_buf_free(&b);
        return 1;
    }
    char **savepos = NULL;
    int savenpos = 0;
    bool newargs = i + 1 < argc;
    if (newargs) {
        savepos = sh->pos;
        savenpos = sh->npos;
        sh->pos = NULL;
        sh->npos = 0;
        set_positional(sh, argv + i + 1, argc - i - 1);
    }
    const char *savesrc = sh->srcname;
    int saveline = sh->lineno;
    /* messages from a sourced file name that file */
    char *srcname = vk_strdup(sh->p, file);
    if (srcname) sh->srcname = srcname;
    sh->source_depth++;
    sh_frame_push(sh, "source", sh->srcname, saveline);
    sh_set_status(sh, 0);
    sh_run_string(sh, b.s ? b.s : "", b.len, 1);
    sh->special_err = false; /* errors of the commands inside were theirs */
    sh_frame_pop(sh);
    sh->source_depth--;
    sh->srcname = savesrc;
    vk_free(sh->p, srcname);
    sh->lineno = saveline;
    bool returned = sh->jump == J_RETURN;
    if (sh->jump == J_RETURN && sh->func_depth == 0) sh->jump = J_NONE;
    else if (sh->jump == J_RETURN && sh->source_depth >= 0) sh->jump = J_NONE;
    if (sh->ptraps[SH_TRAP_RETURN] && *sh->ptraps[SH_TRAP_RETURN] && !sh->in_trap &&
        sh->jump == J_NONE) {
        /* the RETURN trap runs when a sourced file finishes too; after `return N` bash
         * shows it $? = 0 */
        int st = sh->status;
        if (returned) sh->status = 0;
        sh_run_trap(sh, sh->ptraps[SH_TRAP_RETURN]);
        if (sh->jump == J_NONE) sh_set_status(sh, st);
    }
    if (newargs) {
        for (int k = 0; k < sh->npos; k++) vk_free(sh->p, sh->pos[k]);
        vk_free(sh->p, sh->pos);
        sh->pos = savepos;
        sh->npos = savenpos;
    }
    sh_buf_free(&b);
    if (sh->syntax_err) {
        sh->syntax_err = false;
        return sh->syntax_array ? 1 : 2;
    }
    return sh->status;
}

/* ---- read ---- */
static const vl_opt read_opts[] = {
    {.id = 'a', .arg = VL_ARG}, {.id = 'd', .arg = VL_ARG}, {.id = 'e'},
    {.id = 'i', .arg = VL_ARG}, {.id = 'n', .arg = VL_ARG}, {.id = 'N', .arg = VL_ARG},
    {.id = 'p', .arg = VL_ARG}, {.id = 'r'}, {.id = 's'},
    {.id = 't', .arg = VL_ARG}, {.id = 'u', .arg = VL_ARG}, {0},
};

/* read -t's seconds (a decimal fraction, not negative) as ns; false when it is none */
static bool parse_timeout(const char *s, int64_t *ns)
{
    int64_t sec = 0, frac = 0, scale = 1000000000;
    const char *c = s; /* bash takes "" and "." as 0 */
    for (; *c >= '0' && *c <= '9'; c++) {
        if (sec > 100000000000) return false;
        sec = sec * 10 + (*c - '0');
    }
    if (*c == '.') {
        for (c++; *c >= '0' && *c <= '9'; c++)
            if (scale > 1) frac += (*c - '0') * (scale /= 10);
    }
    if (*c) return false;
    *ns = sec * 1000000000 + frac;
    return true;
}

static int b_read(sh_state *sh, int argc, char **argv)
{
    bool raw = false;
    const char *prompt = NULL, *array = NULL;
    int delim = '\n';
    int64_t nchars = -1;
    bool exact = false, zero_timeout = false;
    int64_t timeout_ns = -1; /* -t N (or TMOUT): how long to wait for the line */
    const char *tmout = sh_var_value(sh, "TMOUT");
    if (tmout && *tmout && !parse_timeout(tmout, &timeout_ns)) timeout_ns = -1;
    if (timeout_ns == 0) timeout_ns = -1; /* TMOUT=0: none */
    int fd = 0;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        const char *arg = o.g.arg;
        int64_t v;
        switch (c) {
        case 'r': raw = true; break;
        case 'p': prompt = arg; break;
        case 'd': delim = (unsigned char)arg[0]; break;
        case 'a': array = arg; break;
        case 't':
            if (!parse_timeout(arg, &timeout_ns)) {
                sh_builtin_error(sh, "read", "%s: invalid timeout specification", arg);
                return 1;
            }
            /* -t 0 only asks whether input is there; without a way to poll, an open fd
             * counts as ready */
            if (timeout_ns == 0) zero_timeout = true;
            break;
        case 'n':
        case 'N':
            if (!sh_parse_int(arg, &v) || v < 0) {
                sh_builtin_error(sh, "read", "%s: invalid number", arg);
                return 1;
            }
            nchars = v;
            exact = c == 'N';
            break;
        case 'u':
            if (!sh_parse_int(arg, &v) || v < 0) {
                sh_builtin_error(sh, "read", "%s: invalid file descriptor specification", arg);
                return 1;
            }
            if (!vk_fd_valid(sh->p, (int)v)) {
                sh_builtin_error(sh, "read", "%s: invalid file descriptor: %s", arg,
                                 sh_strerror(VOS_EBADF));
                return 1;
            }
            fd = (int)v;
            break;
        default: break; /* -e, -s (no terminal to edit or hide), -i (only with -e) */
        }
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    for (int k = i; k < argc; k++) {
        if (!sh_is_name(argv[k], strlen(argv[k]))) {
            sh_builtin_error(sh, "read", "`%s': not a valid identifier", argv[k]);
            return 1;
        }
    }
    if (array) {
        /* bash refuses before it reads */
        sh_var *av = sh_var_get(sh, array);
        if (av && (av->flags & VF_ASSOC)) {
            sh_builtin_error(sh, "read", "%s: not an indexed array", array);
            return 1;
        }
    }
    if (zero_timeout) return vk_fd_valid(sh->p, fd) ? 0 : 1;
    /* bash shows the prompt only when reading from a terminal */
    if (prompt && vk_isatty(sh->p, fd) > 0) sh_write_str(sh, 2, prompt);
    /* read the line without consuming what follows it: from a regular file in blocks, giving
     * back the rest with lseek; from anything else one byte at a time */
    sh_buf line, esc;
    sh_buf_init(&line, sh->p);
    sh_buf_init(&esc, sh->p);
    bool eof = false;
    int64_t got = 0;
    struct vk_stat fst;
    bool seekable = vk_fstat(sh->p, fd, &fst) == 0 && VK_S_ISREG(fst.mode) &&
                    vk_lseek(sh->p, fd, 0, VK_SEEK_CUR) >= 0;
    bool timed_out = false;
    if (timeout_ns > 0) {
        int64_t now = vk_monotonic_ns(sh->p);
        vk_set_io_deadline(sh->p, timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns);
    }
    char rbuf[4096];
    size_t rpos = 0, rlen = 0;
    bool pending_bs = false; /* a backslash waits for the next byte */
    for (;;) {
        if (nchars >= 0 && got >= nchars) break;
        if (rpos == rlen) {
            ssize_t n = vk_read(sh->p, fd, rbuf, seekable ? sizeof rbuf : 1);
            if (n == VOS_EINTR) {
                sh->sig_pending |= vk_sig_take(sh->p);
                if (vk_dying(sh->p)) {
                    sh->dying = true;
                    eof = true;
                    break;
                }
                continue;
            }
            if (n == VOS_ETIMEDOUT) {
                /* read -t: what came so far is assigned, the status is 128 + SIGALRM */
                timed_out = eof = true;
                break;
            }
            if (n <= 0) {
                eof = true;
                break;
            }
            rpos = 0;
            rlen = (size_t)n;
        }
        char ch = rbuf[rpos++];
        /* bash drops NUL bytes (unless NUL ends the line): read x < /dev/zero reads on in
         * constant memory, as it does there, until a limit ends it */
        if (ch == 0 && delim != 0) continue;
        if (pending_bs) {
            pending_bs = false;
            if (ch == '\n' && delim == '\n') continue;
            sh_buf_addc(&line, ch);
            sh_buf_addc(&esc, 1);
            got++;
            continue;
        }
        if (!exact && (unsigned char)ch == (unsigned)delim) break;
        if (!raw && ch == '\\' && !exact) {
            pending_bs = true;
            continue;
        }
        sh_buf_addc(&line, ch);
        sh_buf_addc(&esc, 0);
        got++;
    }
    if (timeout_ns > 0) vk_set_io_deadline(sh->p, 0);
    if (seekable && rpos < rlen) vk_lseek(sh->p, fd, -(int64_t)(rlen - rpos), VK_SEEK_CUR);
    if (line.oom || esc.oom) {
        sh_buf_free(&line);
        sh_buf_free(&esc);
        return 1;
    }
    const char *s = line.s ? line.s : "";
    const char *e = esc.s ? esc.s : "";
    size_t len = line.len;
    const char *ifs = sh_var_value(sh, "IFS");
    if (!ifs) ifs = " \t\n";
#define IS_IFS(k) (!e[k] && s[k] && strchr(ifs, s[k]))
#define IS_IFSWS(k) (IS_IFS(k) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
    int st = timed_out ? 128 + 14 : eof ? 1 : 0;
    int nnames = argc - i;
    if (array) {
        sh_var *v = sh_array_new(sh, array);
        size_t k = 0;
        int64_t idx = 0;
        while (v && k < len) {
            while (k < len && IS_IFSWS(k)) k++;
            if (k >= len) break;
            sh_buf f;
            sh_buf_init(&f, sh->p);
            while (k < len && !IS_IFS(k)) sh_buf_addc(&f, s[k++]);
            if (k < len && !IS_IFSWS(k)) k++;
            sh_array_set(sh, v, idx++, f.s ? f.s : "");
            sh_buf_free(&f);
        }
        if (!v) st = 1;
    } else if (nnames == 0) {
        if (sh_var_set(sh, "REPLY", s, 0)) st = 1;
    } else {
        size_t k = 0;
        while (k < len && IS_IFSWS(k)) k++;
        for (int n = 0; n < nnames; n++) {
            const char *name = argv[i + n];
            sh_buf f;
            sh_buf_init(&f, sh->p);
            if (n == nnames - 1) {
                /* the rest, without trailing IFS whitespace */
                size_t end = len;
                while (end > k && IS_IFSWS(end - 1)) end--;
                /* a single trailing non-whitespace separator is dropped too */
                if (end > k && IS_IFS(end - 1) && !IS_IFSWS(end - 1)) {
                    size_t q = end - 1;
                    bool other = false;
                    for (size_t t = k; t < q; t++)
                        if (IS_IFS(t) && !IS_IFSWS(t)) other = true;
                    if (!other) end = q;
                    while (end > k && IS_IFSWS(end - 1)) end--;
                }
                sh_buf_add(&f, s + k, end - k);
                k = len;
            } else {
                while (k < len && !IS_IFS(k)) sh_buf_addc(&f, s[k++]);
                if (k < len) {
                    while (k < len && IS_IFSWS(k)) k++;
                    if (k < len && IS_IFS(k)) {
                        k++;
                        while (k < len && IS_IFSWS(k)) k++;
                    }
                }
            }
            if (sh_var_set(sh, name, f.s ? f.s : "", 0)) st = 1;
            sh_buf_free(&f);
        }
    }
#undef IS_IFS
#undef IS_IFSWS
    sh_buf_free(&line);
    sh_buf_free(&esc);
    return st;
}

/* ---- mapfile / readarray ---- */
static const vl_opt mapfile_opts[] = {
    {.id = 'C', .arg = VL_ARG}, {.id = 'c', .arg = VL_ARG}, {.id = 'd', .arg = VL_ARG},
    {.id = 'n', .arg = VL_ARG}, {.id = 'O', .arg = VL_ARG}, {.id = 's', .arg = VL_ARG},
    {.id = 't'}, {.id = 'u', .arg = VL_ARG}, {0},
};

static int b_mapfile(sh_state *sh, int argc, char **argv)
{
    const char *me = argv[0];
    int delim = '\n', fd = 0;
    bool strip = false;
    int64_t count = 0, origin = 0, skip = 0, quantum = 5000;
    const char *callback = NULL;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        const char *arg = o.g.arg;
        int64_t v = 0;
        if (c == 't') {
            strip = true;
        } else if (c == 'd') {
            delim = (unsigned char)arg[0];
        } else if (c == 'C') {
            callback = arg;
        } else if (!sh_parse_int(arg, &v) || v < 0 || (c == 'c' && v == 0)) {
            if (c == 'u')
                sh_builtin_error(sh, me, "%s: invalid file descriptor specification", arg);
            else if (c == 'c')
                sh_builtin_error(sh, me, "%s: invalid callback quantum", arg);
            else if (c == 'O')
                sh_builtin_error(sh, me, "%s: invalid array origin", arg);
            else
                sh_builtin_error(sh, me, "%s: invalid line count", arg);
            return 1;
        } else if (c == 'n') {
            count = v;
        } else if (c == 'O') {
            origin = v;
        } else if (c == 's') {
            skip = v;
        } else if (c == 'c') {
            quantum = v;
        } else if (c == 'u') {
            if (!vk_fd_valid(sh->p, (int)v)) {
                sh_builtin_error(sh, me, "%s: invalid file descriptor: %s", arg,
                                 sh_strerror(VOS_EBADF));
                return 1;
            }
            fd = (int)v;
        }
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    const char *name = i < argc ? argv[i] : "MAPFILE";
    if (!sh_is_name(name, strlen(name))) {
        sh_builtin_error(sh, me, "`%s': not a valid identifier", name);
        return 1;
    }
    sh_var *v = sh_var_get(sh, name);
    if (v && (v->flags & VF_READONLY)) {
        sh_builtin_error(sh, me, "%s: readonly variable", name);
        return 1;
    }
    if (v && (v->flags & VF_ASSOC)) {
        sh_builtin_error(sh, me, "%s: not an indexed array", name);
        return 1;
    }
    if (!v || !(v->flags & VF_ARRAY) || origin == 0) v = sh_array_new(sh, name);
    if (!v) return 1;
    /* one byte at a time when a count stops early, so the rest stays for the next reader */
    char buf[4096];
    size_t bn = 0, bp = 0;
    int64_t lines = 0, stored = 0;
    sh_buf line;
    sh_buf_init(&line, sh->p);
    bool eof = false;
    int st = 0;
    while (!eof && (count == 0 || stored < count)) {
        sh_buf_free(&line);
        bool got = false;
        for (;;) {
            if (bp == bn) {
                ssize_t r = vk_read(sh->p, fd, buf, count ? 1 : sizeof buf);
                if (r == VOS_EINTR) {
                    if (!sh_step(sh)) {
                        eof = true;
                        break;
                    }
                    continue;
                }
                if (r <= 0) {
                    eof = true;
                    break;
                }
                bn = (size_t)r;
                bp = 0;
            }
            char ch = buf[bp++];
            got = true;
            sh_buf_addc(&line, ch);
            if ((unsigned char)ch == (unsigned)delim) break;
        }
        if (!got) break;
        if (line.oom) {
            st = 1;
            break;
        }
        if (lines++ < skip) continue;
        if (strip && line.len && (unsigned char)line.s[line.len - 1] == (unsigned)delim)
            line.s[--line.len] = 0;
        int64_t idx = origin + stored;
        if (callback && (stored + 1) % quantum == 0) {
            /* bash calls it before storing the element, with the index and the line */
            sh_buf cmd;
            sh_buf_init(&cmd, sh->p);
            sh_buf_printf(&cmd, "%s %lld ", callback, (long long)idx);
            sh_quote(&cmd, line.s ? line.s : "");
            if (!cmd.oom) sh_run_trap(sh, cmd.s);
            sh_buf_free(&cmd);
        }
        if (sh_array_set(sh, v, idx, line.s ? line.s : "") != 0) {
            st = 1;
            break;
        }
        stored++;
    }
    sh_buf_free(&line);
    return st;
}

/* ---- trap / kill / wait ---- */
static void snap_free(vk_proc *p, sh_trapsnap *t)
{
    if (!t) return;
    vk_free(p, t->exit_trap);
    for (int i = 0; i < VK_NSIG; i++) vk_free(p, t->traps[i]);
    for (int i = 0; i < 3; i++) vk_free(p, t->ptraps[i]);
    vk_free(p, t);
}

void sh_trapsnap_free(sh_state *sh)
{
    snap_free(sh->p, sh->parent_traps);
    sh->parent_traps = NULL;
}

bool sh_trapsnap_copy(sh_state *c, const sh_state *sh)
{
    c->parent_traps = NULL;
    const sh_trapsnap *src = sh->parent_traps;
    sh_trapsnap own = {.exit_trap = sh->exit_trap};
    if (!src) {
        bool any = sh->exit_trap != NULL;
        for (int i = 0; i < VK_NSIG; i++) any |= (own.traps[i] = sh->traps[i]) != NULL;
        for (int i = 0; i < 3; i++) any |= (own.ptraps[i] = sh->ptraps[i]) != NULL;
        if (!any) return true; /* the common case: nothing to keep */
        src = &own;
    }
    vk_proc *p = c->p;
    sh_trapsnap *t = vk_calloc(p, 1, sizeof *t);
    if (!t) return false;
    bool ok = true;
#define SNAP_DUP(dst, s)                                                                           \
    if (s && !(dst = vk_strdup(p, s))) ok = false
    SNAP_DUP(t->exit_trap, src->exit_trap);
    for (int i = 0; i < VK_NSIG; i++) SNAP_DUP(t->traps[i], src->traps[i]);
    for (int i = 0; i < 3; i++) SNAP_DUP(t->ptraps[i], src->ptraps[i]);
#undef SNAP_DUP
    if (!ok) {
        snap_free(p, t);
        return false;
    }
    c->parent_traps = t;
    return true;
}

static void trap_print(sh_state *sh, sh_buf *b, int sig, const char *action)
{
    sh_buf_adds(b, "trap -- ");
    sh_buf q;
    sh_buf_init(&q, sh->p);
    /* bash always single-quotes the action here */
    sh_buf_addc(b, '\'');
    for (const char *s = action; *s; s++) {
        if (*s == '\'')
            sh_buf_adds(b, "'\\''");
        else
            sh_buf_addc(b, *s);
    }
    sh_buf_addc(b, '\'');
    sh_buf_free(&q);
    static const char *const pseudo[] = {"ERR", "DEBUG", "RETURN"};
    if (sig < 0)
        sh_buf_printf(b, " %s\n", pseudo[-1 - sig]);
    else if (sig == 0)
        sh_buf_adds(b, " EXIT\n");
    else /* posix mode lists the names without SIG */
        sh_buf_printf(b, " %s%s\n", sh->opt[O_POSIX] ? "" : "SIG", sh_sig_name(sig));
}

static int pseudo_trap(const char *name)
{
    if (strcmp(name, "ERR") == 0) return SH_TRAP_ERR;
    if (strcmp(name, "DEBUG") == 0) return SH_TRAP_DEBUG;
    if (strcmp(name, "RETURN") == 0) return SH_TRAP_RETURN;
    return -1;
}

static const vl_opt trap_opts[] = {{.id = 'l'}, {.id = 'p'}, {0}};

static int b_trap(sh_state *sh, int argc, char **argv)
{
    bool print = false, list = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'l') list = true;
        else print = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (list) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (int s = 1; s < VK_NSIG; s++)
            sh_buf_printf(&b, "%2d) SIG%s%s", s, sh_sig_name(s), s % 5 == 0 ? "\n" : "\t");
        sh_buf_addc(&b, '\n');
        out_buf(sh, &b);
        return 0;
    }
    if (i >= argc || print) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        /* a subshell that has not set a trap yet lists its parent's */
        const sh_trapsnap *ps = sh->parent_traps;
        char *const *traps = ps ? ps->traps : sh->traps;
        char *const *ptraps = ps ? ps->ptraps : sh->ptraps;
        const char *exit_trap = ps ? ps->exit_trap : sh->exit_trap;
        /* trap -p NAME... shows just those */
        for (int k = i; k < argc; k++) {
            int pt = pseudo_trap(argv[k]);
            int sig = pt >= 0 ? -1 : sh_sig_number(argv[k]);
            if (pt >= 0 && ptraps[pt]) trap_print(sh, &b, -1 - pt, ptraps[pt]);
            else if (sig == 0 && exit_trap) trap_print(sh, &b, 0, exit_trap);
            else if (sig > 0 && traps[sig]) trap_print(sh, &b, sig, traps[sig]);
        }
        if (i >= argc) {
            if (exit_trap) trap_print(sh, &b, 0, exit_trap);
            for (int s = 1; s < VK_NSIG; s++)
                if (traps[s]) trap_print(sh, &b, s, traps[s]);
            for (int t = 0; t < 3; t++)
                if (ptraps[t]) trap_print(sh, &b, -1 - t, ptraps[t]);
        }
        out_buf(sh, &b);
        return 0;
    }
    sh_trapsnap_free(sh); /* from here on, the subshell's own traps */
    const char *action = argv[i];
    int first = i + 1;
    /* "trap SIG..." with a signal as the first word resets those signals; a lone word must be
     * a signal */
    if (argc - i == 1 && pseudo_trap(action) < 0 && sh_sig_number(action) < 0)
        return usage(sh, argv[0]);
    if (argc - i == 1 || (sh_sig_number(action) >= 0 && strcmp(action, "-") != 0 &&
                          action[0] >= '0' && action[0] <= '9')) {
        action = "-";
        first = i;
    }
    int st = 0;
    for (int k = first; k < argc; k++) {
        int pt = pseudo_trap(argv[k]);
        if (pt >= 0) {
            bool reset = strcmp(action, "-") == 0;
            char *copy = reset ? NULL : vk_strdup(sh->p, action);
            if (!reset && !copy) return 1;
            vk_free(sh->p, sh->ptraps[pt]);
            sh->ptraps[pt] = copy;
            continue;
        }
        int sig = sh_sig_number(argv[k]);
        if (sig < 0) {
            sh_builtin_error(sh, "trap", "%s: invalid signal specification", argv[k]);
            st = 1;
            continue;
        }
        bool reset = strcmp(action, "-") == 0;
        char *copy = reset ? NULL : vk_strdup(sh->p, action);
        if (!reset && !copy) return 1;
        if (sig == 0) {
            vk_free(sh->p, sh->exit_trap);
            sh->exit_trap = copy;
            continue;
        }
        if (sig < 32 && (sh->ign_entry & (1u << sig)) && !sh->interactive) {
            vk_free(sh->p, copy); /* ignored when the shell started: it stays ignored */
            continue;
        }
        vk_free(sh->p, sh->traps[sig]);
        sh->traps[sig] = copy;
        if (sig == 9 || sig == 19) continue;
        vk_signal(sh->p, sig, reset ? VK_SIG_DFL : (*action ? VK_SIG_CATCH : VK_SIG_IGN));
    }
    return st;
}

/* kill -l [sigspec...]: the table, or each spec converted (a number to its name, a name to its
 * number), each line written as it comes so it interleaves with the messages */
static int kill_list(sh_state *sh, int argc, char **argv, int i)
{
    if (i >= argc) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (int s = 1; s < VK_NSIG; s++)
            sh_buf_printf(&b, "%2d) SIG%s%s", s, sh_sig_name(s), s % 5 == 0 ? "\n" : "\t");
        sh_buf_addc(&b, '\n');
        out_buf(sh, &b);
        return 0;
    }
    int st = 0;
    char line[64];
    for (; i < argc; i++) {
        int64_t n;
        if (sh_parse_int(argv[i], &n)) {
            if (n > 128) n -= 128;
            const char *nm = n == 0 ? "EXIT" : (n > 0 && n < VK_NSIG) ? sh_sig_name((int)n) : NULL;
            if (nm) {
                snprintf(line, sizeof line, "%s\n", nm);
                outs(sh, line);
                continue;
            }
        } else {
            int s = sh_sig_number(argv[i]);
            if (s > 0) {
                snprintf(line, sizeof line, "%d\n", s);
                outs(sh, line);
                continue;
            }
        }
        sh_builtin_error(sh, "kill", "%s: invalid signal specification", argv[i]);
        st = 1;
    }
    return st;
}

/* kill reads its words itself, as bash does: -l / -L (list), -s SIG and -n NUM (also -sNAME
 * and -nNUM attached), "--", and one -SIGSPEC (-9, -TERM); after a signal another "-N" is a
 * process group, so it ends the options. Errors are status 1, except the usage line (2). */
static int b_kill(sh_state *sh, int argc, char **argv)
{
    bool listing = false, saw_signal = false;
    const char *spec = NULL; /* the signal as given, NULL: TERM */
    int i = 1;
    while (i < argc) {
        const char *w = argv[i];
        if (strcmp(w, "-l") == 0 || strcmp(w, "-L") == 0) {
            listing = true;
            i++;
        } else if (strcmp(w, "-s") == 0 || strcmp(w, "-n") == 0) {
            if (i + 1 >= argc) {
                sh_builtin_error(sh, "kill", "%s: option requires an argument", w);
                return 1;
            }
            spec = argv[i + 1];
            saw_signal = true;
            i += 2;
        } else if (w[0] == '-' && ((w[1] == 's' && ((w[2] >= 'a' && w[2] <= 'z') ||
                                                     (w[2] >= 'A' && w[2] <= 'Z'))) ||
                                   (w[1] == 'n' && w[2] >= '0' && w[2] <= '9'))) {
            spec = w + 2;
            saw_signal = true;
            i++;
        } else if (strcmp(w, "--") == 0) {
            i++;
            break;
        } else if (strcmp(w, "-?") == 0) {
            return usage(sh, argv[0]);
        } else if (w[0] == '-' && !saw_signal) {
            spec = w + 1;
            saw_signal = true;
            i++;
        } else {
            break;
        }
    }
    if (listing) return kill_list(sh, argc, argv, i);
    int sig = spec ? sh_sig_number(spec) : 15;
    if (sig < 0) {
        sh_builtin_error(sh, "kill", "%s: invalid signal specification", spec);
        return 1;
    }
    if (i >= argc) return usage(sh, argv[0]);
    int st = 0;
    for (; i < argc; i++) {
        int64_t pid;
        if (argv[i][0] == '%') {
            sh_job *j = sh_job_find(sh, argv[i], "kill");
            if (!j) {
                st = 1;
                continue;
            }
            pid = j->pid;
        } else if (!sh_parse_int(argv[i], &pid)) {
            sh_builtin_error(sh, "kill", "%s: arguments must be process or job IDs", argv[i]);
            st = 1;
            continue;
        }
        int rc = vk_kill(sh->p, (int)pid, sig);
        if (rc < 0) {
            sh_builtin_error(sh, "kill", "(%lld) - %s", (long long)pid, sh_strerror(rc));
            st = 1;
        }
    }
    /* a signal to ourselves is delivered before the next command, once this one's
     * redirections are undone (sh_run_command) */
    sh->sig_self = true;
    return st;
}

/* wait -p var: var names the process whose status wait returns */
static void wait_report(sh_state *sh, const char *var, int pid)
{
    char num[32];
    snprintf(num, sizeof num, "%d", pid);
    if (var) sh_var_set(sh, var, num, 0);
}

static const vl_opt wait_opts[] = {{.id = 'f'}, {.id = 'n'}, {.id = 'p', .arg = VL_ARG}, {0}};

static int b_wait(sh_state *sh, int argc, char **argv)
{
    bool any = false;
    const char *var = NULL;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'n') any = true;
        else if (c == 'p') var = o.g.arg;
        /* -f: without job control every wait is for the end */
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (var) {
        if (!sh_is_name(var, strlen(var))) {
            sh_builtin_error(sh, "wait", "`%s': not a valid identifier", var);
            return 1;
        }
        sh_var_unset(sh, var);
    }
    if (any) {
        /* any one job */
        for (;;) {
            sh_jobs_reap(sh);
            for (sh_job *j = sh->jobs; j; j = j->next) {
                if (j->done) {
                    bool found;
                    wait_report(sh, var, j->pid);
                    return sh_wait_pid(sh, j->pid, &found);
                }
            }
            if (!sh->jobs) return 127;
            int ws;
            int pid = vk_waitpid(sh->p, -1, &ws, 0);
            if (pid == VOS_EINTR) {
                if (!sh_step(sh)) return 128;
                continue;
            }
            if (pid < 0) return 127;
            for (sh_job *j = sh->jobs; j; j = j->next)
                if (j->pid == pid) {
                    j->done = true;
                    j->status = ws;
                }
        }
    }
    if (i >= argc) {
        bool found;
        int st = sh_wait_pid(sh, -1, &found);
        return st;
    }
    int st = 0;
    for (; i < argc; i++) {
        int64_t pid;
        if (argv[i][0] == '%') {
            sh_job *j = sh_job_find(sh, argv[i], "wait");
            if (!j) {
                st = 127;
                continue;
            }
            pid = j->pid;
        } else if (argv[i][strspn(argv[i], "0123456789")] || !argv[i][0] ||
                   !sh_parse_int(argv[i], &pid) || pid > INT32_MAX) {
            sh_builtin_error(sh, "wait", "`%s': not a pid or valid job spec", argv[i]);
            st = 1;
            continue;
        }
        bool found = false;
        if (pid > 0) st = sh_wait_pid(sh, (int)pid, &found);
        if (!found) {
            sh_builtin_error(sh, "wait", "pid %lld is not a child of this shell", (long long)pid);
            st = 127;
        } else {
            wait_report(sh, var, (int)pid);
        }
    }
    return st;
}

/* ---- type / command ---- */
static bool is_keyword(const char *name)
{
    return sh_is_reserved(name);
}

static sh_alias *alias_get(sh_state *sh, const char *name)
{
    for (sh_alias *a = sh->aliases; a; a = a->next)
        if (strcmp(a->name, name) == 0) return a;
    return NULL;
}

/* The next executable file named name in the directories of path (":"-separated, an empty
 * entry the current directory) from *pos on: a new string, or NULL at the end. */
static char *path_next(sh_state *sh, const char *path, const char *name, const char **pos)
{
    while (*pos) {
        const char *s = *pos;
        const char *e = strchr(s, ':');
        *pos = e ? e + 1 : NULL;
        size_t dl = e ? (size_t)(e - s) : strlen(s);
        size_t l = dl + strlen(name) + 2;
        char *cand = vk_malloc(sh->p, l);
        if (!cand) return NULL;
        if (dl) snprintf(cand, l, "%.*s/%s", (int)dl, s, name);
        else snprintf(cand, l, "%s", name);
        struct vk_stat st;
        if (vk_stat(sh->p, cand, &st) == 0 && !VK_S_ISDIR(st.mode) &&
            vk_access(sh->p, cand, VK_X_OK) == 0)
            return cand;
        vk_free(sh->p, cand);
    }
    return NULL;
}

/* what type and command -v / -V show */
typedef struct desc_opts {
    int mode;         /* 0 long ("x is a shell builtin"), 't' the kind, 'p' the path of a file
                       * only, 'v' command -v */
    bool funcs;       /* functions count (not with type -f) */
    bool all;         /* type -a: every meaning, every file in PATH */
    bool force_path;  /* type -P: only files in PATH */
    const char *path; /* where files are looked for; NULL: $PATH */
} desc_opts;

/* a file name resolves to */
static void describe_file(sh_buf *b, const char *name, const char *file, int mode)
{
    if (mode == 't') sh_buf_adds(b, "file\n");
    else if (mode == 'v' || mode == 'p') sh_buf_printf(b, "%s\n", file);
    else sh_buf_printf(b, "%s is %s\n", name, file);
}

/* describe name; false when it is nothing */
static bool describe(sh_state *sh, sh_buf *b, const char *name, const desc_opts *d)
{
    int mode = d->mode;
    bool found = false;
    if (!d->force_path) {
        /* a script does not expand aliases unless told to, and type says so */
        sh_alias *a = sh->shopt[SO_EXPAND_ALIASES] ? alias_get(sh, name) : NULL;
        if (a) {
            if (mode == 't') sh_buf_adds(b, "alias\n");
            else if (mode == 'v') {
                sh_buf_printf(b, "alias %s=", name);
                sh_buf_addc(b, '\'');
                sh_buf_adds(b, a->val);
                sh_buf_adds(b, "'\n");
            } else if (mode != 'p') {
                sh_buf_printf(b, "%s is aliased to `%s'\n", name, a->val);
            }
            if (!d->all) return true;
            found = true;
        }
        if (is_keyword(name)) {
            if (mode == 't') sh_buf_adds(b, "keyword\n");
            else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
            else if (mode != 'p') sh_buf_printf(b, "%s is a shell keyword\n", name);
            if (!d->all) return true;
            found = true;
        }
        sh_func *fn = d->funcs ? sh_func_get(sh, name) : NULL;
        if (fn) {
            if (mode == 't') sh_buf_adds(b, "function\n");
            else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
            else if (mode != 'p') {
                sh_buf_printf(b, "%s is a function\n", name);
                sh_print_function(b, name, fn->body, 0);
                sh_buf_addc(b, '\n');
            }
            if (!d->all) return true;
            found = true;
        }
        const sh_builtin *bi = sh_builtin_get(sh, name);
        if (bi) {
            if (mode == 't') sh_buf_adds(b, "builtin\n");
            else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
            else if (mode != 'p')
                sh_buf_printf(b, "%s is a %sshell builtin\n", name,
                              sh->opt[O_POSIX] && bi->special ? "special " : "");
            if (!d->all) return true;
            found = true;
        }
    }
    if (strchr(name, '/')) {
        if (vk_access(sh->p, name, VK_X_OK) != 0) return found;
        describe_file(b, name, name, mode);
        return true;
    }
    const char *hashed = d->path ? NULL : sh_hash_find(sh, name);
    if (hashed && !d->all) {
        if (mode == 0) sh_buf_printf(b, "%s is hashed (%s)\n", name, hashed);
        else describe_file(b, name, hashed, mode);
        return true;
    }
    if (!d->all && !d->path) {
        char *file = sh_path_search(sh, name);
        if (!file) return found;
        describe_file(b, name, file, mode);
        vk_free(sh->p, file);
        return true;
    }
    const char *path = d->path ? d->path : sh_var_value(sh, "PATH");
    const char *pos = path ? path : "";
    char *file;
    while ((file = path_next(sh, path ? path : "", name, &pos))) {
        describe_file(b, name, file, mode);
        vk_free(sh->p, file);
        found = true;
        if (!d->all) break;
    }
    return found;
}

static const vl_opt type_opts[] = {
    {.id = 'a'}, {.id = 'f'}, {.id = 'p'}, {.id = 'P'}, {.id = 't'}, {0},
};

static int b_type(sh_state *sh, int argc, char **argv)
{
    desc_opts d = {.mode = 0, .funcs = true};
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        /* the last of -t, -p and -P says what is shown; -P also keeps to PATH */
        if (c == 't') d.mode = 't';
        else if (c == 'p') d.mode = 'p';
        else if (c == 'P') d.mode = 'p', d.force_path = true;
        else if (c == 'f') d.funcs = false;
        else d.all = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    int st = 0;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (; i < argc; i++) {
        if (!describe(sh, &b, argv[i], &d)) {
            st = 1;
            if (d.mode == 0) {
                out_buf(sh, &b);
                sh_buf_init(&b, sh->p);
                sh_builtin_error(sh, "type", "%s: not found", argv[i]);
            }
        }
    }
    out_buf(sh, &b);
    return st;
}

static const vl_opt command_opts[] = {{.id = 'p'}, {.id = 'v'}, {.id = 'V'}, {0}};

static int b_command(sh_state *sh, int argc, char **argv)
{
    int mode = 0;
    bool std_path = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'p') std_path = true;
        else mode = c;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (i >= argc) return 0;
    if (mode) {
        int st = 0;
        sh_buf b;
        sh_buf_init(&b, sh->p);
        /* -p: the standard utilities' PATH (what confstr(_CS_PATH) gives), not $PATH */
        desc_opts d = {.mode = mode == 'v' ? 'v' : 0, .funcs = true,
                       .path = std_path ? "/bin:/usr/bin" : NULL};
        st = 1; /* bash: success when any name is found */
        for (; i < argc; i++) {
            if (describe(sh, &b, argv[i], &d)) {
                st = 0;
            } else {
                if (mode == 'V') {
                    out_buf(sh, &b);
                    sh_buf_init(&b, sh->p);
                    sh_builtin_error(sh, "command", "%s: not found", argv[i]);
                }
            }
        }
        out_buf(sh, &b);
        return st;
    }
    /* run, skipping functions */
    const sh_builtin *bi = sh_builtin_get(sh, argv[i]);
    if (bi) return sh_builtin_run(sh, bi, argc - i, argv + i);
    if (std_path && !strchr(argv[i], '/')) {
        /* -p: found on the standard PATH, and hashed there as bash does */
        const char *pos = "/bin:/usr/bin";
        char *file = path_next(sh, "/bin:/usr/bin", argv[i], &pos);
        if (file) {
            sh_hash_add(sh, argv[i], file, 0);
            vk_free(sh->p, file);
        }
    }
    sh_func *saved = sh->funcs;
    sh->funcs = NULL; /* hide functions for the lookup only */
    int st = sh_run_command(sh, argv + i, argc - i, NULL, 0, NULL, false);
    sh->funcs = saved;
    return st;
}

static int b_builtin(sh_state *sh, int argc, char **argv)
{
    int i = no_options(sh, argc, argv);
    if (i < 0) return 2;
    if (i >= argc) return 0;
    const sh_builtin *bi = sh_builtin_get(sh, argv[i]);
    if (!bi) {
        sh_builtin_error(sh, "builtin", "%s: not a shell builtin", argv[i]);
        return 1;
    }
    return sh_builtin_run(sh, bi, argc - i, argv + i);
}

/* ---- getopts ---- */
static int b_getopts(sh_state *sh, int argc, char **argv)
{
    int i = no_options(sh, argc, argv);
    if (i < 0) return 2;
    if (argc - i < 2) return usage(sh, argv[0]);
    const char *optstring = argv[i];
    const char *name = argv[i + 1];
    char **args = argc > i + 2 ? argv + i + 2 : sh->pos;
    int nargs = argc > i + 2 ? argc - i - 2 : sh->npos;
    bool silent = optstring[0] == ':';
    if (silent) optstring++;
    const char *oi = sh_var_value(sh, "OPTIND");
    int64_t optind = 1;
    if (!oi || !sh_parse_int(oi, &optind) || optind < 1) optind = 1;
    if (optind != sh->getopts_ind) sh->optind_pos = 0;
    char num[32];
    if (optind > nargs) {
        sh_var_set(sh, name, "?", 0);
        sh_var_unset(sh, "OPTARG");
        return 1;
    }
    const char *arg = args[optind - 1];
    if (sh->optind_pos == 0) {
        if (arg[0] != '-' || !arg[1]) {
            sh_var_set(sh, name, "?", 0);
            return 1;
        }
        if (strcmp(arg, "--") == 0) {
            snprintf(num, sizeof num, "%lld", (long long)optind + 1);
            sh_var_set(sh, "OPTIND", num, 0);
            sh_var_set(sh, name, "?", 0);
            return 1;
        }
        sh->optind_pos = 1;
    }
    char c = arg[sh->optind_pos++];
    bool last = arg[sh->optind_pos] == 0;
    const char *spec = (c && c != ':') ? strchr(optstring, c) : NULL;
    int st = 0;
    char opt[2] = {c, 0};
    if (!spec) {
        if (silent) {
            sh_var_set(sh, name, "?", 0);
            sh_var_set(sh, "OPTARG", opt, 0);
        } else {
            const char *oe = sh_var_value(sh, "OPTERR");
            if (!oe || strcmp(oe, "0") != 0) sh_error_noline(sh, "illegal option -- %c", c);
            sh_var_set(sh, name, "?", 0);
            sh_var_unset(sh, "OPTARG");
        }
    } else if (spec[1] == ':') {
        if (!last) {
            sh_var_set(sh, "OPTARG", arg + sh->optind_pos, 0);
            last = true;
            sh_var_set(sh, name, opt, 0);
        } else if (optind < nargs) {
            sh_var_set(sh, "OPTARG", args[optind], 0);
            optind++;
            sh_var_set(sh, name, opt, 0);
        } else {
            if (silent) {
                sh_var_set(sh, name, ":", 0);
                sh_var_set(sh, "OPTARG", opt, 0);
            } else {
                const char *oe = sh_var_value(sh, "OPTERR");
                if (!oe || strcmp(oe, "0") != 0)
                    sh_error_noline(sh, "option requires an argument -- %c", c);
                sh_var_set(sh, name, "?", 0);
                sh_var_unset(sh, "OPTARG");
            }
        }
    } else {
        sh_var_set(sh, name, opt, 0);
        sh_var_unset(sh, "OPTARG");
    }
    if (last) {
        optind++;
        sh->optind_pos = 0;
    }
    snprintf(num, sizeof num, "%lld", (long long)optind);
    sh_var_set(sh, "OPTIND", num, 0);
    /* the OPTIND assignment reset the bundle position: restore it */
    sh->getopts_ind = (int)optind;
    if (!last) sh->optind_pos = sh->optind_pos ? sh->optind_pos : 0;
    return st;
}

/* ---- umask ---- */
/* "u=rwx,g=rx,o=rx": the permissions the mask m lets through */
static void umask_symbolic(char *buf, size_t n, unsigned m)
{
    unsigned a = ~m & 0777;
    char who[3][4];
    for (int w = 0; w < 3; w++) {
        unsigned bits = (a >> (6 - 3 * w)) & 7;
        int k = 0;
        if (bits & 4) who[w][k++] = 'r';
        if (bits & 2) who[w][k++] = 'w';
        if (bits & 1) who[w][k++] = 'x';
        who[w][k] = 0;
    }
    snprintf(buf, n, "u=%s,g=%s,o=%s", who[0], who[1], who[2]);
}

/* A symbolic mode ("u=rwx,g+w,o-r", chmod's grammar without X, s, t or copies) applied to the
 * permissions m lets through: the new mask, or -1 after bash's message. */
static long umask_parse_symbolic(sh_state *sh, const char *s, unsigned m)
{
    unsigned allowed = ~m & 0777;
    for (;;) {
        unsigned who = 0;
        for (; *s == 'u' || *s == 'g' || *s == 'o' || *s == 'a'; s++)
            who |= *s == 'u' ? 0700 : *s == 'g' ? 0070 : *s == 'o' ? 0007 : 0777;
        if (!who) who = 0777;
        char op = *s;
        if (op != '+' && op != '-' && op != '=') {
            /* bash shows the character as it is, a NUL included */
            sh_error(sh, "umask: `%c': invalid symbolic mode operator", op);
            return -1;
        }
        s++;
        unsigned perm = 0;
        for (; *s && *s != ','; s++) {
            if (*s == 'r') perm |= 0444;
            else if (*s == 'w') perm |= 0222;
            else if (*s == 'x') perm |= 0111;
            else {
                sh_error(sh, "umask: `%c': invalid symbolic mode character", *s);
                return -1;
            }
        }
        perm &= who;
        if (op == '+') allowed |= perm;
        else if (op == '-') allowed &= ~perm;
        else allowed = (allowed & ~who) | perm;
        if (!*s) break;
        s++;
    }
    return (long)(~allowed & 0777);
}

static const vl_opt umask_opts[] = {{.id = 'p'}, {.id = 'S'}, {0}};

static int b_umask(sh_state *sh, int argc, char **argv)
{
    bool sym = false, reusable = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'S') sym = true;
        else reusable = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    unsigned m = vk_umask(sh->p, 0);
    vk_umask(sh->p, m);
    char buf[64];
    if (i >= argc) {
        char shown[48];
        if (sym) umask_symbolic(shown, sizeof shown, m);
        else snprintf(shown, sizeof shown, "%04o", m);
        snprintf(buf, sizeof buf, "%s%s%s\n", reusable ? "umask " : "",
                 reusable && sym ? "-S " : "", shown);
        outs(sh, buf);
        return 0;
    }
    const char *s = argv[i];
    if (*s >= '0' && *s <= '9') {
        unsigned long v = 0;
        for (const char *q = s; *q; q++) {
            if (*q < '0' || *q > '7' || v > 07777) {
                v = 010000;
                break;
            }
            v = v * 8 + (unsigned)(*q - '0');
        }
        if (v > 07777) {
            sh_builtin_error(sh, "umask", "%s: octal number out of range", s);
            return 1;
        }
        m = (unsigned)v & 0777;
    } else {
        long r = umask_parse_symbolic(sh, s, m);
        if (r < 0) return 1;
        m = (unsigned)r;
    }
    vk_umask(sh->p, m);
    if (sym) {
        umask_symbolic(buf, sizeof buf - 1, m);
        strcat(buf, "\n");
        outs(sh, buf);
    }
    return 0;
}

/* ---- alias ---- */
static void alias_print(sh_state *sh, sh_buf *b, sh_alias *a)
{
    sh_buf_printf(b, "alias %s%s='", a->name[0] == '-' ? "-- " : "", a->name);
    for (const char *s = a->val; *s; s++) {
        if (*s == '\'')
            sh_buf_adds(b, "'\\''");
        else
            sh_buf_addc(b, *s);
    }
    sh_buf_adds(b, "'\n");
}

static const vl_opt alias_opts[] = {{.id = 'p'}, {0}};

static int b_alias(sh_state *sh, int argc, char **argv)
{
    bool print = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) print = true;
    if (c < 0) return 2;
    int i = o.g.ind;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    if (i >= argc || print) {
        /* sorted by name */
        int n = 0;
        for (sh_alias *a = sh->aliases; a; a = a->next) n++;
        sh_alias **v = vk_calloc(sh->p, (size_t)n + 1, sizeof *v);
        if (!v) return 1;
        n = 0;
        for (sh_alias *a = sh->aliases; a; a = a->next) v[n++] = a;
        for (int x = 1; x < n; x++)
            for (int y = x; y > 0 && strcmp(v[y - 1]->name, v[y]->name) > 0; y--) {
                sh_alias *t = v[y];
                v[y] = v[y - 1];
                v[y - 1] = t;
            }
        for (int x = 0; x < n; x++) alias_print(sh, &b, v[x]);
        vk_free(sh->p, v);
        if (i >= argc) {
            out_buf(sh, &b);
            return 0;
        }
    }
    int st = 0;
    for (; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq) {
            sh_alias *a = alias_get(sh, argv[i]);
            if (a) {
                alias_print(sh, &b, a);
            } else {
                out_buf(sh, &b);
                sh_buf_init(&b, sh->p);
                sh_builtin_error(sh, "alias", "%s: not found", argv[i]);
                st = 1;
            }
            continue;
        }
        /* bash's legal_alias_name: no blank, metacharacter, quote, $ or / */
        size_t nl = (size_t)(eq - argv[i]);
        bool bad = false;
        for (size_t k = 0; k < nl; k++)
            if (strchr(" \t\n()<>;&|\"'`\\$/", argv[i][k])) bad = true;
        if (bad) {
            out_buf(sh, &b);
            sh_buf_init(&b, sh->p);
            sh_builtin_error(sh, "alias", "`%.*s': invalid alias name", (int)nl, argv[i]);
            st = 1;
            continue;
        }
        char *name = vk_strndup(sh->p, argv[i], nl);
        char *val = vk_strdup(sh->p, eq + 1);
        if (!name || !val) {
            vk_free(sh->p, name);
            vk_free(sh->p, val);
            st = 1;
            continue;
        }
        sh_alias *a = alias_get(sh, name);
        if (a) {
            vk_free(sh->p, a->val);
            a->val = val;
            vk_free(sh->p, name);
        } else {
            a = vk_calloc(sh->p, 1, sizeof *a);
            if (!a) {
                vk_free(sh->p, name);
                vk_free(sh->p, val);
                st = 1;
                continue;
            }
            a->name = name;
            a->val = val;
            a->next = sh->aliases;
            sh->aliases = a;
        }
    }
    out_buf(sh, &b);
    return st;
}

static const vl_opt unalias_opts[] = {{.id = 'a'}, {0}};

static int b_unalias(sh_state *sh, int argc, char **argv)
{
    bool all = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) all = true;
    if (c < 0) return 2;
    if (all) {
        while (sh->aliases) {
            sh_alias *a = sh->aliases;
            sh->aliases = a->next;
            vk_free(sh->p, a->name);
            vk_free(sh->p, a->val);
            vk_free(sh->p, a);
        }
        return 0;
    }
    if (o.g.ind >= argc) return usage(sh, argv[0]);
    int st = 0;
    for (int i = o.g.ind; i < argc; i++) {
        bool found = false;
        for (sh_alias **pp = &sh->aliases; *pp; pp = &(*pp)->next) {
            if (strcmp((*pp)->name, argv[i]) == 0) {
                sh_alias *a = *pp;
                *pp = a->next;
                vk_free(sh->p, a->name);
                vk_free(sh->p, a->val);
                vk_free(sh->p, a);
                found = true;
                break;
            }
        }
        if (!found) {
            sh_builtin_error(sh, "unalias", "%s: not found", argv[i]);
            st = 1;
        }
    }
    return st;
}

/* ---- let / shopt / hash ---- */
static int b_let(sh_state *sh, int argc, char **argv)
{
    int i = skip_ddash(argc, argv);
    if (i >= argc) {
        sh_builtin_error(sh, "let", "expression expected");
        return 1;
    }
    int64_t v = 0;
    sh->arith_ctx = "let";
    for (; i < argc; i++) {
        if (sh_arith(sh, argv[i], &v) != 0) {
            sh->arith_ctx = NULL;
            return sh->fatal ? 127 : 1;
        }
    }
    sh->arith_ctx = NULL;
    return v ? 0 : 1;
}

static const char *const shopt_names[] = {
#define SH_SHOPT_NAME_(n, s, d) s,
    SH_SHOPTS(SH_SHOPT_NAME_)
#undef SH_SHOPT_NAME_
};

static const vl_opt shopt_opts[] = {
    {.id = 'o'}, {.id = 'p'}, {.id = 'q'}, {.id = 's'}, {.id = 'u'}, {0},
};

static int b_shopt(sh_state *sh, int argc, char **argv)
{
    bool set = false, unset = false, quiet = false, print = false, oflag = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 's') set = true;
        else if (c == 'u') unset = true;
        else if (c == 'q') quiet = true;
        else if (c == 'p') print = true;
        else oflag = true;
    }
    if (c < 0) return 2;
    if (set && unset) {
        sh_builtin_error(sh, "shopt", "cannot set and unset shell options simultaneously");
        return 1;
    }
    int mode = set ? 's' : unset ? 'u' : 0;
    int i = o.g.ind;
    /* -o: the set -o options instead */
    int count = oflag ? O_COUNT : SO_COUNT;
    const char *const *names = oflag ? opt_names : shopt_names;
    bool *vals = oflag ? sh->opt : sh->shopt;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    int st = 0;
    if (i >= argc) {
        for (int k = 0; k < count; k++) {
            if (mode == 's' && !vals[k]) continue;
            if (mode == 'u' && vals[k]) continue;
            if (oflag && (print || mode))
                sh_buf_printf(&b, "set %co %s\n", vals[k] ? '-' : '+', names[k]);
            else if (print || mode)
                sh_buf_printf(&b, "shopt %s %s\n", vals[k] ? "-s" : "-u", names[k]);
            else
                sh_buf_printf(&b, "%-15s\t%s\n", names[k], vals[k] ? "on" : "off");
        }
        if (!quiet) out_buf(sh, &b);
        else sh_buf_free(&b);
        return 0;
    }
    for (; i < argc; i++) {
        int k = -1;
        for (int n = 0; n < count; n++)
            if (strcmp(names[n], argv[i]) == 0) k = n;
        if (k < 0) {
            out_buf(sh, &b);
            sh_buf_init(&b, sh->p);
            if (oflag)
                sh_builtin_error(sh, "shopt", "%s: invalid option name", argv[i]);
            else
                sh_builtin_error(sh, "shopt", "%s: invalid shell option name", argv[i]);
            st = 1;
            continue;
        }
        /* login_shell and restricted_shell only report how the shell started */
        bool fixed = !oflag && (k == SO_LOGIN_SHELL || k == SO_RESTRICTED_SHELL);
        if (mode == 's') vals[k] = fixed ? vals[k] : true;
        else if (mode == 'u') vals[k] = fixed ? vals[k] : false;
        else {
            if (!vals[k]) st = 1;
            if (!quiet) {
                if (print && oflag)
                    sh_buf_printf(&b, "set %co %s\n", vals[k] ? '-' : '+', argv[i]);
                else if (print)
                    sh_buf_printf(&b, "shopt %s %s\n", vals[k] ? "-s" : "-u", argv[i]);
                else
                    sh_buf_printf(&b, "%-15s\t%s\n", argv[i], vals[k] ? "on" : "off");
            }
        }
    }
    out_buf(sh, &b);
    return st;
}

/* hash: bash's table of the commands found on PATH (filled as commands run, emptied when
 * PATH is assigned), listed in bash's order with the hit counts */
static const vl_opt hash_opts[] = {
    {.id = 'd'}, {.id = 'l'}, {.id = 'p', .arg = VL_ARG}, {.id = 'r'}, {.id = 't'}, {0},
};

/* ---- the hash table of commands ---- */
static sh_hashent *hash_get(sh_state *sh, const char *name)
{
    for (sh_hashent *e = sh->hashtab; e; e = e->next)
        if (strcmp(e->name, name) == 0) return e;
    return NULL;
}

const char *sh_hash_find(sh_state *sh, const char *name)
{
    sh_hashent *e = hash_get(sh, name);
    return e ? e->path : NULL;
}

void sh_hash_add(sh_state *sh, const char *name, const char *path, int hits)
{
    sh_hashent *e = hash_get(sh, name);
    if (e) {
        char *np = vk_strdup(sh->p, path);
        if (!np) return;
        vk_free(sh->p, e->path);
        e->path = np;
        e->hits = hits;
        return;
    }
    e = vk_calloc(sh->p, 1, sizeof *e);
    if (!e) return;
    e->name = vk_strdup(sh->p, name);
    e->path = vk_strdup(sh->p, path);
    if (!e->name || !e->path) {
        vk_free(sh->p, e->name);
        vk_free(sh->p, e->path);
        vk_free(sh->p, e);
        return;
    }
    uint32_t h = 2166136261u; /* bash's hash_string (FNV-1) */
    for (const unsigned char *q = (const unsigned char *)name; *q; q++) {
        h *= 16777619u;
        h ^= *q;
    }
    e->bucket = h & 255;
    e->seq = ++sh->hashseq;
    e->hits = hits;
    e->next = sh->hashtab;
    sh->hashtab = e;
}

static void hash_free(sh_state *sh, sh_hashent *e)
{
    vk_free(sh->p, e->name);
    vk_free(sh->p, e->path);
    vk_free(sh->p, e);
}

void sh_hash_clear(sh_state *sh)
{
    while (sh->hashtab) {
        sh_hashent *e = sh->hashtab;
        sh->hashtab = e->next;
        hash_free(sh, e);
    }
}

static bool hash_remove(sh_state *sh, const char *name)
{
    for (sh_hashent **pp = &sh->hashtab; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            sh_hashent *e = *pp;
            *pp = e->next;
            hash_free(sh, e);
            return true;
        }
    }
    return false;
}

bool sh_hash_copy(sh_state *c, const sh_state *sh)
{
    sh_hashent **tail = &c->hashtab;
    for (const sh_hashent *e = sh->hashtab; e; e = e->next) {
        sh_hashent *n = vk_calloc(c->p, 1, sizeof *n);
        if (!n) return false;
        *n = *e;
        n->next = NULL;
        n->name = vk_strdup(c->p, e->name);
        n->path = vk_strdup(c->p, e->path);
        *tail = n;
        tail = &n->next;
        if (!n->name || !n->path) return false;
    }
    return true;
}

/* the entries in bash's order: bucket by bucket, the newest first within one */
static int hash_cmp(const void *a, const void *b)
{
    const sh_hashent *x = *(sh_hashent *const *)a, *y = *(sh_hashent *const *)b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    return x->seq > y->seq ? -1 : x->seq < y->seq;
}

static void hash_list(sh_state *sh, bool as_cmds)
{
    size_t n = 0;
    for (sh_hashent *e = sh->hashtab; e; e = e->next) n++;
    if (n == 0) {
        if (!as_cmds) outs(sh, "hash: hash table empty\n");
        return;
    }
    sh_hashent **v = vk_calloc(sh->p, n, sizeof *v);
    if (!v) return;
    n = 0;
    for (sh_hashent *e = sh->hashtab; e; e = e->next) v[n++] = e;
    qsort(v, n, sizeof *v, hash_cmp);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    if (!as_cmds) sh_buf_adds(&b, "hits\tcommand\n");
    for (size_t k = 0; k < n; k++) {
        if (as_cmds)
            sh_buf_printf(&b, "builtin hash -p %s %s\n", v[k]->path, v[k]->name);
        else
            sh_buf_printf(&b, "%4d\t%s\n", v[k]->hits, v[k]->path);
    }
    vk_free(sh->p, v);
    out_buf(sh, &b);
}

static int b_hash(sh_state *sh, int argc, char **argv)
{
    bool del = false, list = false, show = false, clear = false;
    const char *given = NULL;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'd') del = true;
        else if (c == 'l') list = true;
        else if (c == 't') show = true;
        else if (c == 'p') given = o.g.arg;
        else clear = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if ((show || del) && i >= argc) {
        sh_builtin_error(sh, "hash", "%s: option requires an argument", show ? "-t" : "-d");
        return 1;
    }
    if (clear) sh_hash_clear(sh);
    if (i >= argc) {
        if (!clear || list) hash_list(sh, list);
        return 0;
    }
    int st = 0;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    bool many = argc - i > 1;
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (given) {
            sh_hash_add(sh, name, given, 0);
            continue;
        }
        if (del) {
            /* bash says nothing while the table is empty */
            if (sh->hashtab && !hash_remove(sh, name)) {
                sh_builtin_error(sh, "hash", "%s: not found", name);
                st = 1;
            }
            continue;
        }
        if (show) {
            const char *p = sh_hash_find(sh, name);
            if (!p) {
                out_buf(sh, &b);
                sh_buf_init(&b, sh->p);
                sh_builtin_error(sh, "hash", "%s: not found", name);
                st = 1;
            } else if (many || list) {
                if (list)
                    sh_buf_printf(&b, "builtin hash -p %s %s\n", p, name);
                else
                    sh_buf_printf(&b, "%s\t%s\n", name, p);
            } else {
                sh_buf_printf(&b, "%s\n", p);
            }
            continue;
        }
        /* hash NAME: look it up now (a builtin or a function is not hashed) */
        if (strchr(name, '/') || sh_builtin_get(sh, name) || sh_func_get(sh, name)) continue;
        char *p = sh_path_search(sh, name);
        if (!p) {
            out_buf(sh, &b);
            sh_buf_init(&b, sh->p);
            sh_builtin_error(sh, "hash", "%s: not found", name);
            st = 1;
            continue;
        }
        sh_hash_add(sh, name, p, 0);
        vk_free(sh->p, p);
    }
    out_buf(sh, &b);
    return st;
}

/* jobs: the running background jobs (bash forgets finished ones before a script's next
 * command, so they are not listed) */
/* jobs -x command args: the command run with each job spec replaced by the job's pid */
static int jobs_exec(sh_state *sh, int argc, char **argv)
{
    if (argc == 0) return 0;
    char **av = vk_calloc(sh->p, (size_t)argc + 1, sizeof *av);
    char **nums = vk_calloc(sh->p, (size_t)argc + 1, sizeof *nums);
    int st = 1;
    if (!av || !nums) goto out;
    for (int k = 0; k < argc; k++) {
        av[k] = argv[k];
        if (argv[k][0] != '%') continue;
        sh_job *j = sh_job_find(sh, argv[k], "jobs");
        if (!j) goto out;
        char num[32];
        snprintf(num, sizeof num, "%d", j->pid);
        nums[k] = vk_strdup(sh->p, num);
        if (!nums[k]) goto out;
        av[k] = nums[k];
    }
    st = sh_run_command(sh, av, argc, NULL, 0, NULL, false);
out:
    for (int k = 0; nums && k < argc; k++) vk_free(sh->p, nums[k]);
    vk_free(sh->p, nums);
    vk_free(sh->p, av);
    return st;
}

static const vl_opt jobs_opts[] = {
    {.id = 'l'}, {.id = 'n'}, {.id = 'p'}, {.id = 'r'}, {.id = 's'}, {.id = 'x'}, {0},
};

static int b_jobs(sh_state *sh, int argc, char **argv)
{
    bool pids = false, longer = false, stopped = false, run = false, other = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'x') {
            if (other) {
                sh_builtin_error(sh, "jobs", "no other options allowed with `-x'");
                return 1;
            }
            run = true;
            continue;
        }
        if (c == 'p') pids = true;
        else if (c == 'l') longer = true;
        else if (c == 's') stopped = true; /* -r and -n: every job here is running */
        if (c == 'p' || c == 'l' || c == 'n') other = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    if (run) return jobs_exec(sh, argc - i, argv + i);
    if (stopped) return 0; /* no job is ever stopped: there is no job control */
    sh_jobs_reap(sh);
    /* the jobs newest first: + marks the newest, - the one before */
    int n = 0;
    for (sh_job *j = sh->jobs; j; j = j->next)
        if (!j->procsub && !j->done) n++;
    sh_job **list = vk_calloc(sh->p, (size_t)n + 1, sizeof *list);
    if (!list) return 1;
    n = 0;
    for (sh_job *j = sh->jobs; j; j = j->next)
        if (!j->procsub && !j->done) list[n++] = j;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    int st = 0;
    /* with job specs: those, in their order; else every job, oldest first */
    for (int a = i < argc ? i : -1; a < argc; a++) {
        int from = n - 1, to = 0;
        if (a >= 0) {
            sh_job *f = NULL;
            out_buf(sh, &b);
            sh_buf_init(&b, sh->p);
            if (argv[a][0] == '%') {
                f = sh_job_find(sh, argv[a], "jobs");
            } else {
                sh_builtin_error(sh, "jobs", "%s: no such job", argv[a]);
            }
            for (from = 0; f && from < n && list[from] != f; from++) continue;
            if (!f || from == n) {
                st = 1;
                continue;
            }
            to = from;
        }
        for (int k = from; k >= to; k--) {
            sh_job *j = list[k];
            if (pids) {
                sh_buf_printf(&b, "%d\n", j->pid);
                continue;
            }
            char mark = k == 0 ? '+' : (k == 1 ? '-' : ' ');
            if (longer)
                sh_buf_printf(&b, "[%d]%c %5d %-24s%s &\n", j->num, mark, j->pid, "Running",
                              j->cmd ? j->cmd : "");
            else
                sh_buf_printf(&b, "[%d]%c  %-24s%s &\n", j->num, mark, "Running",
                              j->cmd ? j->cmd : "");
        }
        if (a < 0) break;
    }
    vk_free(sh->p, list);
    out_buf(sh, &b);
    return st;
}

/* fg / bg: a script has no job control */
static int b_fg(sh_state *sh, int argc, char **argv)
{
    (void)argc;
    sh_builtin_error(sh, argv[0], "no job control");
    return 1;
}

/* a job leaves the table: it runs on, reaped by the VM once it ends */
static void disown_job(sh_job *j) { j->procsub = true; }

static const vl_opt disown_opts[] = {{.id = 'a'}, {.id = 'h'}, {.id = 'r'}, {0}};

static int b_disown(sh_state *sh, int argc, char **argv)
{
    bool all = false, running = false, nohup = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'a') all = true;
        else if (c == 'r') running = true;
        else nohup = true;
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    /* -h: the job stays (no SIGHUP ever comes to a VM's jobs, so it changes nothing else) */
    if (i >= argc && (all || running)) {
        for (sh_job *j = sh->jobs; j; j = j->next)
            if (!j->procsub && (!running || !j->done) && !nohup) disown_job(j);
        return 0;
    }
    if (i >= argc) {
        sh_job *cur = NULL;
        for (sh_job *j = sh->jobs; j && !cur; j = j->next)
            if (!j->procsub) cur = j;
        if (!cur) {
            sh_builtin_error(sh, "disown", "current: no such job");
            return 1;
        }
        if (!nohup) disown_job(cur);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        sh_job *j = NULL;
        if (argv[i][0] == '%') {
            j = sh_job_find(sh, argv[i], "disown");
        } else {
            int64_t pid;
            if (sh_parse_int(argv[i], &pid))
                for (sh_job *k = sh->jobs; k && !j; k = k->next)
                    if (k->pid == pid && !k->procsub) j = k;
            if (!j) sh_builtin_error(sh, "disown", "%s: no such job", argv[i]);
        }
        if (!j) {
            st = 1;
            continue;
        }
        if (!nohup) disown_job(j);
    }
    return st;
}

/* ---- the directory stack: pushd / popd / dirs ---- */
/* a directory as dirs shows it: $HOME as ~ unless long */
static void dir_show(sh_state *sh, sh_buf *b, const char *d, bool longer)
{
    const char *home = sh_var_value(sh, "HOME");
    size_t hl = home ? strlen(home) : 0;
    if (!longer && hl > 1 && strncmp(d, home, hl) == 0 && (d[hl] == '/' || !d[hl])) {
        sh_buf_addc(b, '~');
        sh_buf_adds(b, d + hl);
    } else {
        sh_buf_adds(b, d);
    }
}

static const char *cur_dir(sh_state *sh)
{
    const char *pwd = sh_var_value(sh, "PWD");
    return pwd ? pwd : (vk_getcwd(sh->p) ? vk_getcwd(sh->p) : "/");
}

/* entry k of the stack with the current directory as entry 0 */
static const char *dir_at(sh_state *sh, int k)
{
    return k == 0 ? cur_dir(sh) : sh->dirstack[k - 1];
}

static void print_dirs(sh_state *sh, bool longer, bool lines, bool verbose)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int k = 0; k <= sh->ndirs; k++) {
        if (verbose) sh_buf_printf(&b, "%2d  ", k);
        dir_show(sh, &b, dir_at(sh, k), longer);
        sh_buf_addc(&b, (lines || verbose || k == sh->ndirs) ? '\n' : ' ');
    }
    out_buf(sh, &b);
}

/* dirs, pushd and popd read their words as bash does, not with the option reader: -N is an
 * index into the stack rather than an option, so each option is a word of its own (-n, -l...),
 * any other word starting with - or + must be a number, and the words after "--" are ignored
 * (dirs, popd) or the directory (pushd). */

/* "+N" / "-N" in a: its index into the stack (0..ndirs) in *k; false after bash's "invalid
 * number" message and usage line (status 2). *k is -1 when N is out of range. */
static bool dir_index(sh_state *sh, const char *me, const char *a, int *k)
{
    int64_t n;
    if (!sh_parse_int(a + 1, &n)) {
        sh_builtin_error(sh, me, "%s: invalid number", a);
        usage(sh, me);
        return false;
    }
    *k = n < 0 || n > sh->ndirs ? -1 : a[0] == '+' ? (int)n : sh->ndirs - (int)n;
    return true;
}

/* an index out of range: bash says the stack is empty when it is */
static int dir_range_error(sh_state *sh, const char *me, const char *shown)
{
    if (sh->ndirs == 0) sh_builtin_error(sh, me, "directory stack empty");
    else sh_builtin_error(sh, me, "%s: directory stack index out of range", shown);
    return 1;
}

/* cd for pushd / popd (who name themselves in cd's messages) */
static int cd_to(sh_state *sh, const char *me, const char *dir)
{
    return cd_dir(sh, me, dir, sh->opt[O_PHYSICAL]);
}

static int b_dirs(sh_state *sh, int argc, char **argv)
{
    bool longer = false, lines = false, verbose = false;
    const char *at = NULL; /* the last +N / -N */
    int k = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0) {
            for (int d = 0; d < sh->ndirs; d++) vk_free(sh->p, sh->dirstack[d]);
            sh->ndirs = 0;
            return 0;
        }
        if (strcmp(a, "-l") == 0) longer = true;
        else if (strcmp(a, "-p") == 0) lines = true;
        else if (strcmp(a, "-v") == 0) verbose = true;
        else if (strcmp(a, "--") == 0) break;
        else if (a[0] == '+' || a[0] == '-') {
            if (!dir_index(sh, "dirs", a, &k)) return 2;
            at = a;
        } else {
            sh_builtin_error(sh, "dirs", "%s: invalid option", a);
            return usage(sh, "dirs");
        }
    }
    if (!at) {
        print_dirs(sh, longer, lines, verbose);
        return 0;
    }
    if (k < 0) return dir_range_error(sh, "dirs", at + 1);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    if (verbose) sh_buf_printf(&b, "%2d  ", k);
    dir_show(sh, &b, dir_at(sh, k), longer);
    sh_buf_addc(&b, '\n');
    out_buf(sh, &b);
    return 0;
}

static int push_dir(sh_state *sh, const char *d)
{
    char **ns = vk_realloc(sh->p, sh->dirstack, (size_t)(sh->ndirs + 1) * sizeof *ns);
    char *copy = vk_strdup(sh->p, d);
    if (!ns || !copy) {
        if (ns) sh->dirstack = ns;
        vk_free(sh->p, copy);
        return 1;
    }
    sh->dirstack = ns;
    memmove(ns + 1, ns, (size_t)sh->ndirs * sizeof *ns);
    ns[0] = copy;
    sh->ndirs++;
    return 0;
}

static int b_pushd(sh_state *sh, int argc, char **argv)
{
    bool nocd = false;
    const char *at = NULL; /* +N / -N: rotate */
    int k = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-n") == 0) {
            nocd = true;
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if ((a[0] == '+' || a[0] == '-') && a[1]) {
            if (!dir_index(sh, "pushd", a, &k)) return 2;
            at = a;
        } else {
            break;
        }
    }
    if (at) {
        if (k < 0) return dir_range_error(sh, "pushd", at);
        /* rotate so that entry k is on top; without a cd (-n) that top entry is lost, as in
         * bash */
        int n = sh->ndirs + 1;
        char **all = vk_calloc(sh->p, (size_t)n, sizeof *all);
        if (!all) return 1;
        all[0] = vk_strdup(sh->p, cur_dir(sh));
        for (int j = 1; j < n; j++) all[j] = sh->dirstack[j - 1];
        if (!all[0] || (!nocd && cd_to(sh, argv[0], all[k]) != 0)) {
            vk_free(sh->p, all[0]);
            vk_free(sh->p, all);
            return 1;
        }
        for (int j = 1; j < n; j++) sh->dirstack[j - 1] = all[(k + j) % n];
        vk_free(sh->p, all[k]);
        vk_free(sh->p, all);
        if (!nocd) print_dirs(sh, false, false, false);
        return 0;
    }
    if (argc - i > 1) {
        sh_builtin_error(sh, "pushd", "too many arguments");
        return 1;
    }
    if (i >= argc) {
        if (nocd) return 0;
        if (sh->ndirs == 0) {
            sh_builtin_error(sh, "pushd", "no other directory");
            return 1;
        }
        /* swap the top two */
        char *top = vk_strdup(sh->p, cur_dir(sh));
        if (!top) return 1;
        if (cd_to(sh, argv[0], sh->dirstack[0]) != 0) {
            vk_free(sh->p, top);
            return 1;
        }
        vk_free(sh->p, sh->dirstack[0]);
        sh->dirstack[0] = top;
        print_dirs(sh, false, false, false);
        return 0;
    }
    const char *a = argv[i];
    if (nocd) {
        /* the new entry goes below the current directory */
        if (push_dir(sh, a) != 0) return 1;
        print_dirs(sh, false, false, false);
        return 0;
    }
    char *old = vk_strdup(sh->p, cur_dir(sh));
    if (!old) return 1;
    int saved = sh->status;
    if (cd_to(sh, argv[0], a) != 0) {
        vk_free(sh->p, old);
        return 1;
    }
    sh->status = saved;
    int rc = push_dir(sh, old);
    vk_free(sh->p, old);
    if (rc) return 1;
    print_dirs(sh, false, false, false);
    return 0;
}

static int b_popd(sh_state *sh, int argc, char **argv)
{
    bool nocd = false;
    const char *at = NULL;
    int k = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-n") == 0) {
            nocd = true;
        } else if (strcmp(a, "--") == 0) {
            break;
        } else if (a[0] == '+' || a[0] == '-') {
            if (!dir_index(sh, "popd", a, &k)) return 2;
            at = a;
        } else {
            sh_builtin_error(sh, "popd", "%s: invalid argument", a);
            return usage(sh, "popd");
        }
    }
    if (sh->ndirs == 0) {
        sh_builtin_error(sh, "popd", "directory stack empty");
        return 1;
    }
    if (at && k < 0) return dir_range_error(sh, "popd", at);
    if (k == 0) {
        if (!nocd && cd_to(sh, argv[0], sh->dirstack[0]) != 0) return 1;
        vk_free(sh->p, sh->dirstack[0]);
        memmove(sh->dirstack, sh->dirstack + 1, (size_t)(sh->ndirs - 1) * sizeof(char *));
        sh->ndirs--;
    } else {
        vk_free(sh->p, sh->dirstack[k - 1]);
        memmove(sh->dirstack + k - 1, sh->dirstack + k, (size_t)(sh->ndirs - k) * sizeof(char *));
        sh->ndirs--;
    }
    print_dirs(sh, false, false, false);
    return 0;
}

/* times: the shell's own CPU time, then its waited-for children's, as bash prints them */
static void put_min_sec(sh_buf *b, int64_t ns)
{
    int64_t ms = ns / 1000000;
    sh_buf_printf(b, "%lldm%lld.%03llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60),
                  (long long)(ms % 1000));
}

/* ---- ulimit ----
 * The VM's limits in bash's format. A resource the VM bounds (open files, processes, memory,
 * time, file data) shows the VM's value as both soft and hard limit; the others show the
 * values a Linux host typically has. A script may lower a limit and see it (in this shell and
 * its subshells): raising it above the hard limit fails as bash fails. The VM enforces its
 * own limits whatever the script sets (docs/shell.md). */
typedef struct ulim_res {
    char opt;
    const char *desc, *unit;
    int64_t fixed; /* value when the VM has none (-1: unlimited) */
} ulim_res;

static const ulim_res ulim_table[] = {
    {'R', "real-time non-blocking time", "microseconds", -1},
    {'c', "core file size", "blocks", 0},
    {'d', "data seg size", "kbytes", -1},
    {'e', "scheduling priority", NULL, 0},
    {'f', "file size", "blocks", -1},
    {'i', "pending signals", NULL, -1},
    {'l', "max locked memory", "kbytes", 8192},
    {'m', "max memory size", "kbytes", -1},
    {'n', "open files", NULL, -1},
    {'p', "pipe size", "512 bytes", 8},
    {'q', "POSIX message queues", "bytes", 819200},
    {'r', "real-time priority", NULL, 0},
    {'s', "stack size", "kbytes", 8192},
    {'t', "cpu time", "seconds", -1},
    {'u', "max user processes", NULL, -1},
    {'v', "virtual memory", "kbytes", -1},
    {'x', "file locks", NULL, -1},
};
enum { ULIM_N = sizeof ulim_table / sizeof ulim_table[0] };

/* the VM's value of resource k (-1: unlimited) */
static int64_t ulim_vm(sh_state *sh, int k)
{
    const vos_limits *l = vk_limits(sh->p);
    switch (ulim_table[k].opt) {
    case 'n': return (int64_t)l->open_files;
    case 'u':
    case 'i': return (int64_t)l->procs;
    case 'v': return (int64_t)(l->mem_bytes / 1024);
    case 't': return l->time_ms ? (int64_t)((l->time_ms + 999) / 1000) : -1;
    case 'f': return (int64_t)(l->fs_bytes / 1024);
    default: return ulim_table[k].fixed;
    }
}

/* current soft (hard = 0) or hard (1) value, -1 for unlimited */
static int64_t ulim_get(sh_state *sh, int k, int hard)
{
    int64_t v = sh->ulim[hard][k];
    if (v) return v < 0 ? -1 : v - 1;
    return ulim_vm(sh, k);
}

/* a <= b where -1 is unlimited */
static bool ulim_le(int64_t a, int64_t b) { return b < 0 || (a >= 0 && a <= b); }

static void ulim_print(sh_state *sh, sh_buf *b, int k, int hard, bool longfmt)
{
    const ulim_res *r = &ulim_table[k];
    if (longfmt) {
        char unit[64];
        if (r->unit)
            snprintf(unit, sizeof unit, "(%s, -%c) ", r->unit, r->opt);
        else
            snprintf(unit, sizeof unit, "(-%c) ", r->opt);
        sh_buf_printf(b, "%-20s %20s", r->desc, unit);
    }
    int64_t v = ulim_get(sh, k, hard);
    if (v < 0)
        sh_buf_adds(b, "unlimited\n");
    else
        sh_buf_printf(b, "%lld\n", (long long)v);
}

static int b_ulimit(sh_state *sh, int argc, char **argv)
{
    int which[64], nw = 0;     /* resources asked, in order */
    const char *vals[64] = {0}; /* the value given after each */
    bool soft = false, hard = false, all = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1]) {
            if (nw > 0 && !vals[nw - 1]) {
                vals[nw - 1] = a;
                continue;
            }
            break;
        }
        for (const char *c = a + 1; *c; c++) {
            if (*c == 'S') {
                soft = true;
            } else if (*c == 'H') {
                hard = true;
            } else if (*c == 'a') {
                all = true;
            } else {
                int k = -1;
                for (int j = 0; j < ULIM_N; j++)
                    if (ulim_table[j].opt == *c) k = j;
                if (k < 0) {
                    char bad[3] = {'-', *c, 0};
                    sh_builtin_error(sh, "ulimit", "%s: invalid option", bad);
                    return usage(sh, "ulimit");
                }
                if (nw < 64) which[nw++] = k;
            }
        }
    }
    if (i < argc) {
        if (nw == 0) which[nw++] = 4; /* -f */
        if (!vals[nw - 1]) vals[nw - 1] = argv[i];
    }
    if (all) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (int k = 0; k < ULIM_N; k++) ulim_print(sh, &b, k, hard && !soft, true);
        out_buf(sh, &b);
        return 0;
    }
    if (nw == 0) which[nw++] = 4;
    int st = 0;
    int nshow = 0;
    for (int j = 0; j < nw; j++)
        if (!vals[j]) nshow++;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int j = 0; j < nw; j++) {
        int k = which[j];
        if (!vals[j]) {
            ulim_print(sh, &b, k, hard && !soft, nshow > 1);
            continue;
        }
        const char *v = vals[j];
        int64_t n;
        if (strcmp(v, "unlimited") == 0) {
            n = -1;
        } else if (strcmp(v, "hard") == 0) {
            n = ulim_get(sh, k, 1);
        } else if (strcmp(v, "soft") == 0) {
            n = ulim_get(sh, k, 0);
        } else if (!sh_parse_int(v, &n) || n < 0) {
            sh_builtin_error(sh, "ulimit", "%s: invalid number", v);
            st = 1;
            continue;
        }
        bool set_soft = soft || !hard, set_hard = hard || !soft;
        int64_t oh = ulim_get(sh, k, 1), os = ulim_get(sh, k, 0);
        const char *why = NULL;
        if (set_hard && !ulim_le(n, oh))
            why = "Operation not permitted";
        else if (set_soft && !set_hard && !ulim_le(n, oh))
            why = "Invalid argument";
        else if (set_hard && !set_soft && !ulim_le(os, n))
            why = "Invalid argument";
        if (why) {
            sh_builtin_error(sh, "ulimit", "%s: cannot modify limit: %s", ulim_table[k].desc,
                             why);
            st = 1;
            continue;
        }
        int64_t enc = n < 0 ? -1 : n + 1;
        if (set_soft) sh->ulim[0][k] = enc;
        if (set_hard) sh->ulim[1][k] = enc;
    }
    out_buf(sh, &b);
    return st;
}

static int b_times(sh_state *sh, int argc, char **argv)
{
    if (no_options(sh, argc, argv) < 0) return 2;
    vk_tms t;
    vk_times(sh->p, &t);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    put_min_sec(&b, t.utime);
    sh_buf_addc(&b, ' ');
    put_min_sec(&b, t.stime);
    sh_buf_addc(&b, '\n');
    put_min_sec(&b, t.cutime);
    sh_buf_addc(&b, ' ');
    put_min_sec(&b, t.cstime);
    sh_buf_addc(&b, '\n');
    if (!b.oom) outs(sh, b.s);
    sh_buf_free(&b);
    return 0;
}

/* caller: the line a function was called from ("LINE NULL" in a -c string) */
/* caller [N]: read off the call stack's arrays as bash does: with no N, "BASH_LINENO[0]
 * BASH_SOURCE[1]" (NULL when there is none); with N, "BASH_LINENO[N] FUNCNAME[N+1]
 * BASH_SOURCE[N+1]", failing (1, silently) past the stack's end */
/* ---- the interactive-only builtins, as a non-interactive bash runs them: no history list
 * (nothing is saved), no login shell, no job control ---- */
static int b_logout(sh_state *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sh_builtin_error(sh, "logout", "not login shell: use `exit'");
    return 1;
}

static int b_suspend(sh_state *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sh_builtin_error(sh, "suspend", "cannot suspend: no job control");
    return 1;
}

static int b_fc(sh_state *sh, int argc, char **argv)
{
    for (int i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strchr(argv[i], 's')) {
            sh_builtin_error(sh, "fc", "no command found");
            return 1;
        }
    }
    return 0;
}

static int b_history(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--") == 0) {
            i++;
            break;
        }
        if (o[1] == 'd') {
            const char *off = o[2] ? o + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!off) {
                sh_builtin_error(sh, "history", "-d: option requires an argument");
                return 2;
            }
            sh_builtin_error(sh, "history", "%s: history position out of range", off);
            return 1;
        }
        if (strpbrk(o + 1, "anrw")) return 1; /* no history file */
    }
    if (i < argc) {
        const char *n = argv[i];
        bool num = *n != 0;
        for (const char *c = n; *c; c++)
            if (*c < '0' || *c > '9') num = false;
        if (!num) {
            sh_builtin_error(sh, "history", "%s: numeric argument required", n);
            return 1;
        }
    }
    return 0;
}

static const sh_builtin builtins[];
static const size_t n_builtins;

/* enable [-a] [-nps] [name ...]: turn builtins off and on, or list them */
static int b_enable(sh_state *sh, int argc, char **argv)
{
    bool off = false, all = false, special = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            switch (*o) {
            case 'n': off = true; break;
            case 'a': all = true; break;
            case 's': special = true; break;
            case 'p': break;
            case 'd':
            case 'f':
                /* no loadable builtins in a VM */
                sh_builtin_error(sh, "enable", "-%c: loadable builtins are not supported", *o);
                return 1;
            default:
                sh_builtin_error(sh, "enable", "-%c: invalid option", *o);
                vl_bash_usage(sh->p, "enable", "enable [-a] [-dnps] [-f filename] [name ...]");
                return 2;
            }
        }
    }
    if (i >= argc) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (size_t k = 0; k < n_builtins; k++) {
            bool isoff = sh->bi_off[k / 64] >> (k % 64) & 1;
            if (special && !builtins[k].special) continue;
            if (!all && isoff != off) continue;
            sh_buf_printf(&b, "enable %s%s\n", isoff ? "-n " : "", builtins[k].name);
        }
        sh_write_str(sh, 1, b.s ? b.s : "");
        sh_buf_free(&b);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        const sh_builtin *bi = sh_builtin_find(argv[i]);
        if (!bi) {
            sh_builtin_error(sh, "enable", "%s: not a shell builtin", argv[i]);
            st = 1;
            continue;
        }
        size_t k = (size_t)(bi - builtins);
        if (off)
            sh->bi_off[k / 64] |= (uint64_t)1 << (k % 64);
        else
            sh->bi_off[k / 64] &= ~((uint64_t)1 << (k % 64));
    }
    return st;
}

static int b_caller(sh_state *sh, int argc, char **argv)
{
    int i = no_options(sh, argc, argv);
    if (i < 0) return 2;
    sh_var *fn = sh_var_get(sh, "FUNCNAME");
    sh_var *ln = sh_var_get(sh, "BASH_LINENO");
    sh_var *src = sh_var_get(sh, "BASH_SOURCE");
    bool arrays = fn && ln && src && (fn->flags & VF_ARRAY) && (ln->flags & VF_ARRAY) &&
                  (src->flags & VF_ARRAY);
    char buf[1024];
    if (i >= argc) {
        const char *l = arrays ? sh_array_get(ln, 0) : NULL;
        if (!l) return 1;
        const char *s = sh_array_get(src, 1);
        snprintf(buf, sizeof buf, "%s %s\n", l, s ? s : "NULL");
        outs(sh, buf);
        return 0;
    }
    int64_t n;
    if (!sh_parse_int(argv[i], &n)) {
        sh_builtin_error(sh, "caller", "%s: invalid number", argv[i]);
        return usage(sh, "caller");
    }
    if (!arrays || n < 0 || n > INT32_MAX) return 1;
    const char *l = sh_array_get(ln, n), *f = sh_array_get(fn, n + 1),
               *s = sh_array_get(src, n + 1);
    if (!l || !f || !s) return 1;
    snprintf(buf, sizeof buf, "%s %s %s\n", l, f, s);
    outs(sh, buf);
    return 0;
}

static int b_help(sh_state *sh, int argc, char **argv);
static const vl_opt help_opts[] = {{.id = 'd'}, {.id = 'm'}, {.id = 's'}, {0}};

/* Every builtin, sorted by name (sh_builtin_find searches it). A builtin without .opts reads
 * its words itself (see it for why): echo, test and [, true/false/:, kill, dirs/pushd/popd,
 * the numeric ones (exit, return, shift, break, continue, let), caller, fg/bg. */
static const sh_builtin builtins[] = {
    {
        .name = ".",
        .fn = b_source,
        .special = true,
        .usage = ". filename [arguments]",
        .desc = "Execute commands from a file in the current shell.",
        .opts = no_opts,
    },
    {
        .name = ":",
        .fn = b_true,
        .special = true,
        .usage = ":",
        .desc = "Null command.",
        .help_is_arg = true,
    },
    {
        .name = "[",
        .fn = b_test,
        .usage = "[ arg... ]",
        .desc = "Evaluate conditional expression.",
        .help_is_arg = true,
    },
    {
        .name = "alias",
        .fn = b_alias,
        .usage = "alias [-p] [name[=value] ... ]",
        .desc = "Define or display aliases.",
        .opts = alias_opts,
    },
    {
        .name = "bg",
        .fn = b_fg,
        .usage = "bg [job_spec ...]",
        .desc = "Move jobs to the background.",
    },
    {
        .name = "break",
        .fn = b_break,
        .special = true,
        .usage = "break [n]",
        .desc = "Exit for, while, or until loops.",
    },
    {
        .name = "builtin",
        .fn = b_builtin,
        .usage = "builtin [shell-builtin [arg ...]]",
        .desc = "Execute shell builtins.",
        .opts = no_opts,
    },
    {
        .name = "caller",
        .fn = b_caller,
        .usage = "caller [expr]",
        .desc = "Return the context of the current subroutine call.",
    },
    {
        .name = "cd",
        .fn = b_cd,
        .usage = "cd [-L|[-P [-e]] [-@]] [dir]",
        .desc = "Change the shell working directory.",
        .opts = cd_opts,
    },
    {
        .name = "command",
        .fn = b_command,
        .usage = "command [-pVv] command [arg ...]",
        .desc = "Execute a simple command or display information about commands.",
        .opts = command_opts,
    },
    {
        .name = "compgen",
        .fn = sh_bi_compgen,
        .usage = "compgen [-abcdefgjksuv] [-o option] [-A action] [-G globpat] [-W wordlist] "
                 "[-F function] [-C command] [-X filterpat] [-P prefix] [-S suffix] [word]",
        .desc = "Display possible completions depending on the options.",
    },
    {
        .name = "complete",
        .fn = sh_bi_complete,
        .usage = "complete [-abcdefgjksuv] [-pr] [-DEI] [-o option] [-A action] [-G globpat] "
                 "[-W wordlist] [-F function] [-C command] [-X filterpat] [-P prefix] "
                 "[-S suffix] [name ...]",
        .desc = "Specify how arguments are to be completed by Readline.",
    },
    {
        .name = "compopt",
        .fn = sh_bi_compopt,
        .usage = "compopt [-o|+o option] [-DEI] [name ...]",
        .desc = "Modify or display completion options.",
    },
    {
        .name = "continue",
        .fn = b_continue,
        .special = true,
        .usage = "continue [n]",
        .desc = "Resume for, while, or until loops.",
    },
    {
        .name = "declare",
        .fn = b_declare,
        .usage = "declare [-aAfFgiIlnrtux] [name[=value] ...] or declare -p [-aAfFilnrtux] "
                 "[name ...]",
        .desc = "Set variable values and attributes.",
        .opts = declare_opts,
    },
    {
        .name = "dirs",
        .fn = b_dirs,
        .usage = "dirs [-clpv] [+N] [-N]",
        .desc = "Display directory stack.",
    },
    {
        .name = "disown",
        .fn = b_disown,
        .usage = "disown [-h] [-ar] [jobspec ... | pid ...]",
        .desc = "Remove jobs from current shell.",
        .opts = disown_opts,
    },
    {
        .name = "echo",
        .fn = b_echo,
        .usage = "echo [-neE] [arg ...]",
        .desc = "Write arguments to the standard output.",
        .help_is_arg = true,
    },
    {
        .name = "enable",
        .fn = b_enable,
        .usage = "enable [-a] [-dnps] [-f filename] [name ...]",
        .desc = "Enable and disable shell builtins.",
    },
    {
        .name = "eval",
        .fn = b_eval,
        .special = true,
        .usage = "eval [arg ...]",
        .desc = "Execute arguments as a shell command.",
        .opts = no_opts,
    },
    {
        .name = "exec",
        .fn = b_exec,
        .special = true,
        .usage = "exec [-cl] [-a name] [command [argument ...]] [redirection ...]",
        .desc = "Replace the shell with the given command.",
        .opts = exec_opts,
    },
    {
        .name = "exit",
        .fn = b_exit,
        .special = true,
        .usage = "exit [n]",
        .desc = "Exit the shell.",
    },
    {
        .name = "export",
        .fn = b_export,
        .special = true,
        .usage = "export [-fn] [name[=value] ...] or export -p",
        .desc = "Set export attribute for shell variables.",
        .opts = export_opts,
    },
    {
        .name = "false",
        .fn = b_false,
        .usage = "false",
        .desc = "Return an unsuccessful result.",
        .help_is_arg = true,
    },
    {
        .name = "fc",
        .fn = b_fc,
        .usage = "fc [-e ename] [-lnr] [first] [last] or fc -s [pat=rep] [command]",
        .desc = "Display or execute commands from the history list.",
    },
    {
        .name = "fg",
        .fn = b_fg,
        .usage = "fg [job_spec]",
        .desc = "Move job to the foreground.",
    },
    {
        .name = "getopts",
        .fn = b_getopts,
        .usage = "getopts optstring name [arg ...]",
        .desc = "Parse option arguments.",
        .opts = no_opts,
    },
    {
        .name = "hash",
        .fn = b_hash,
        .usage = "hash [-lr] [-p pathname] [-dt] [name ...]",
        .desc = "Remember or display program locations.",
        .opts = hash_opts,
    },
    {
        .name = "help",
        .fn = b_help,
        .usage = "help [-dms] [pattern ...]",
        .desc = "Display information about builtin commands.",
        .opts = help_opts,
    },
    {
        .name = "history",
        .fn = b_history,
        .usage = "history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg "
                 "[arg...]",
        .desc = "Display or manipulate the history list.",
    },
    {
        .name = "jobs",
        .fn = b_jobs,
        .usage = "jobs [-lnprs] [jobspec ...] or jobs -x command [args]",
        .desc = "Display status of jobs.",
        .opts = jobs_opts,
    },
    {
        .name = "kill",
        .fn = b_kill,
        .usage = "kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]",
        .desc = "Send a signal to a job.",
    },
    {
        .name = "let",
        .fn = b_let,
        .usage = "let arg [arg ...]",
        .desc = "Evaluate arithmetic expressions.",
    },
    {
        .name = "local",
        .fn = b_local,
        .usage = "local [option] name[=value] ...",
        .desc = "Define local variables.",
        .opts = declare_opts,
    },
    {
        .name = "logout",
        .fn = b_logout,
        .usage = "logout [n]",
        .desc = "Exit a login shell.",
    },
    {
        .name = "mapfile",
        .fn = b_mapfile,
        .usage = "mapfile [-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] "
                 "[-C callback] [-c quantum] [array]",
        .desc = "Read lines from the standard input into an indexed array variable.",
        .opts = mapfile_opts,
    },
    {
        .name = "popd",
        .fn = b_popd,
        .usage = "popd [-n] [+N | -N]",
        .desc = "Remove directories from stack.",
    },
    {
        .name = "printf",
        .fn = b_printf,
        .usage = "printf [-v var] format [arguments]",
        .desc = "Formats and prints ARGUMENTS under control of the FORMAT.",
        .opts = printf_opts,
    },
    {
        .name = "pushd",
        .fn = b_pushd,
        .usage = "pushd [-n] [+N | -N | dir]",
        .desc = "Add directories to stack.",
    },
    {
        .name = "pwd",
        .fn = b_pwd,
        .usage = "pwd [-LP]",
        .desc = "Print the name of the current working directory.",
        .opts = pwd_opts,
    },
    {
        .name = "read",
        .fn = b_read,
        .usage = "read [-ers] [-a array] [-d delim] [-i text] [-n nchars] [-N nchars] "
                 "[-p prompt] [-t timeout] [-u fd] [name ...]",
        .desc = "Read a line from the standard input and split it into fields.",
        .opts = read_opts,
    },
    {
        .name = "readarray",
        .fn = b_mapfile,
        .usage = "readarray [-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] "
                 "[-C callback] [-c quantum] [array]",
        .desc = "Read lines from a file into an array variable.",
        .opts = mapfile_opts,
    },
    {
        .name = "readonly",
        .fn = b_readonly,
        .special = true,
        .usage = "readonly [-aAf] [name[=value] ...] or readonly -p",
        .desc = "Mark shell variables as unchangeable.",
        .opts = export_opts,
    },
    {
        .name = "return",
        .fn = b_return,
        .special = true,
        .usage = "return [n]",
        .desc = "Return from a shell function.",
    },
    {
        .name = "set",
        .fn = b_set,
        .special = true,
        .usage = "set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]",
        .desc = "Set or unset values of shell options and positional parameters.",
        .opts = set_opts,
    },
    {
        .name = "shift",
        .fn = b_shift,
        .special = true,
        .usage = "shift [n]",
        .desc = "Shift positional parameters.",
    },
    {
        .name = "shopt",
        .fn = b_shopt,
        .usage = "shopt [-pqsu] [-o] [optname ...]",
        .desc = "Set and unset shell options.",
        .opts = shopt_opts,
    },
    {
        .name = "source",
        .fn = b_source,
        .usage = "source filename [arguments]",
        .desc = "Execute commands from a file in the current shell.",
        .opts = no_opts,
    },
    {
        .name = "suspend",
        .fn = b_suspend,
        .usage = "suspend [-f]",
        .desc = "Suspend shell execution.",
    },
    {
        .name = "test",
        .fn = b_test,
        .usage = "test [expr]",
        .desc = "Evaluate conditional expression.",
        .help_is_arg = true,
    },
    {
        .name = "times",
        .fn = b_times,
        .special = true,
        .usage = "times",
        .desc = "Display process times.",
        .opts = no_opts,
    },
    {
        .name = "trap",
        .fn = b_trap,
        .special = true,
        .usage = "trap [-lp] [[arg] signal_spec ...]",
        .desc = "Trap signals and other events.",
        .opts = trap_opts,
    },
    {
        .name = "true",
        .fn = b_true,
        .usage = "true",
        .desc = "Return a successful result.",
        .help_is_arg = true,
    },
    {
        .name = "type",
        .fn = b_type,
        .usage = "type [-afptP] name [name ...]",
        .desc = "Display information about command type.",
        .opts = type_opts,
    },
    {
        .name = "typeset",
        .fn = b_declare,
        .usage = "typeset [-aAfFgiIlnrtux] name[=value] ... or typeset -p [-aAfFilnrtux] "
                 "[name ...]",
        .desc = "Set variable values and attributes.",
        .opts = declare_opts,
    },
    {
        .name = "ulimit",
        .fn = b_ulimit,
        .usage = "ulimit [-SHabcdefiklmnpqrstuvxPRT] [limit]",
        .desc = "Modify shell resource limits.",
    },
    {
        .name = "umask",
        .fn = b_umask,
        .usage = "umask [-p] [-S] [mode]",
        .desc = "Display or set file mode mask.",
        .opts = umask_opts,
    },
    {
        .name = "unalias",
        .fn = b_unalias,
        .usage = "unalias [-a] name [name ...]",
        .desc = "Remove each NAME from the list of defined aliases.",
        .opts = unalias_opts,
    },
    {
        .name = "unset",
        .fn = b_unset,
        .special = true,
        .usage = "unset [-f] [-v] [-n] [name ...]",
        .desc = "Unset values and attributes of shell variables and functions.",
        .opts = unset_opts,
    },
    {
        .name = "wait",
        .fn = b_wait,
        .usage = "wait [-fn] [-p var] [id ...]",
        .desc = "Wait for job completion and return exit status.",
        .opts = wait_opts,
    },
};

int sh_builtin_run(sh_state *sh, const sh_builtin *bi, int argc, char **argv)
{
    if (!bi->help_is_arg && argc >= 2 && strcmp(argv[1], "--help") == 0)
        return print_help(sh, bi);
    return bi->fn(sh, argc, argv);
}

static int b_help(sh_state *sh, int argc, char **argv)
{
    bool dflag = false, sflag = false;
    bopts o;
    int c;
    opts_begin(&o, sh, argc, argv);
    while ((c = opts_next(&o)) > 0) {
        if (c == 'd') dflag = true;
        else if (c == 's') sflag = true;
        /* -m: the summary is all the help there is */
    }
    if (c < 0) return 2;
    int i = o.g.ind;
    size_t nb = sizeof builtins / sizeof builtins[0];
    sh_buf b;
    sh_buf_init(&b, sh->p);
    if (i >= argc) {
        for (size_t k = 0; k < nb; k++) sh_buf_printf(&b, " %s\n", builtins[k].usage);
        out_buf(sh, &b);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        bool any = false;
        /* a builtin's exact name shows just it; otherwise a prefix or a pattern */
        bool exact = sh_builtin_find(argv[i]) != NULL;
        for (size_t k = 0; k < nb; k++) {
            if (exact ? strcmp(builtins[k].name, argv[i]) != 0
                      : (!sh_pmatch(argv[i], builtins[k].name) &&
                         strncmp(builtins[k].name, argv[i], strlen(argv[i])) != 0))
                continue;
            any = true;
            if (dflag)
                sh_buf_printf(&b, "%s - %s\n", builtins[k].name, builtins[k].desc);
            else if (sflag)
                sh_buf_printf(&b, "%s: %s\n", builtins[k].name, builtins[k].usage);
            else
                sh_buf_printf(&b, "%s: %s\n    %s\n", builtins[k].name, builtins[k].usage,
                              builtins[k].desc);
        }
        if (!any) {
            out_buf(sh, &b);
            sh_buf_init(&b, sh->p);
            sh_builtin_error(sh, "help",
                             "no help topics match `%s'.  Try `help help' or `man -k %s' or "
                             "`info %s'.",
                             argv[i], argv[i], argv[i]);
            st = 1;
        }
    }
    out_buf(sh, &b);
    return st;
}

static const size_t n_builtins = sizeof builtins / sizeof builtins[0];

const sh_builtin *sh_builtin_get(sh_state *sh, const char *name)
{
    const sh_builtin *bi = sh_builtin_find(name);
    if (!bi) return NULL;
    size_t k = (size_t)(bi - builtins);
    return (sh->bi_off[k / 64] >> (k % 64) & 1) ? NULL : bi;
}

const sh_builtin *sh_builtin_at(size_t k) { return k < n_builtins ? &builtins[k] : NULL; }

const char *const *sh_set_option_names(void) { return opt_names; }

const char *const *sh_shopt_names(void) { return shopt_names; }

const sh_builtin *sh_builtin_find(const char *name)
{
    size_t lo = 0, hi = sizeof builtins / sizeof builtins[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(builtins[mid].name, name);
        if (c == 0) return &builtins[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
