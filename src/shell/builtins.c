/* builtins.c: the shell's builtin commands, in one table with bash's usage lines (for --help
 * and help): the ones that change the shell (cd, export, set, shift, exit, return, eval,
 * exec, source, read, mapfile, trap, local, declare, pushd...) and cheap ones that would be
 * slow as processes. echo and printf are the commands of src/cmd run in the shell's process
 * (vl_run_builtin); test and [ are cond.c's. Messages are bash's. */
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
    sh_error(sh, "%s: %s", bname, msg);
}

static void out(sh_state *sh, const char *s, size_t n) { vk_write(sh->p, 1, s, n); }
static void outs(sh_state *sh, const char *s) { out(sh, s, strlen(s)); }

static void out_buf(sh_state *sh, sh_buf *b)
{
    if (!b->oom && b->len) out(sh, b->s, b->len);
    sh_buf_free(b);
}

static bool parse_num_arg(const char *s, int64_t *v)
{
    return sh_parse_int(s, v);
}

/* ---- commands from src/cmd run in-process ---- */
static int run_cmd_builtin(sh_state *sh, const char *cmd, const char *usage, int argc,
                           char **argv)
{
    const vl_cmd_decl *d = vl_cmd_find(cmd);
    if (!d) {
        sh_error(sh, "%s: command not found", argv[0]);
        return 127;
    }
    char prefix[512];
    const char *src = (sh->cmode && sh->func_depth > 0) ? "environment"
                                                         : (sh->srcname ? sh->srcname : "bash");
    snprintf(prefix, sizeof prefix, "%s: line %d: %s", src, sh->lineno, argv[0]);
    sh_env_sync(sh);
    return vl_run_builtin(sh->p, d, prefix, usage, argc, argv);
}

static int b_echo(sh_state *sh, int argc, char **argv)
{
    return run_cmd_builtin(sh, "echo", "echo [-neE] [arg ...]", argc, argv);
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

static const vl_opt printf_v_opts[] = {{0, NULL, 0, NULL, NULL}};
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

static int b_printf(sh_state *sh, int argc, char **argv)
{
    static const char usage[] = "printf [-v var] format [arguments]";
    if (argc < 2 || strncmp(argv[1], "-v", 2) != 0)
        return run_cmd_builtin(sh, "printf", usage, argc, argv);
    const char *var = argv[1][2] ? argv[1] + 2 : (argc > 2 ? argv[2] : NULL);
    int first = argv[1][2] ? 2 : 3;
    if (!var) {
        sh_builtin_error(sh, "printf", "-v: option requires an argument");
        sh_usage(sh, "printf: usage: %s", usage);
        return 2;
    }
    if (first < argc && strcmp(argv[first], "--") == 0) first++;
    if (first >= argc) {
        sh_usage(sh, "printf: usage: %s", usage);
        return 2;
    }
    if (!valid_lvalue(var)) {
        sh_builtin_error(sh, "printf", "`%s': not a valid identifier", var);
        return 2;
    }
    sh_buf out;
    sh_buf_init(&out, sh->p);
    char addr[32];
    snprintf(addr, sizeof addr, "%llx", (unsigned long long)(uintptr_t)&out);
    int n = argc - first;
    char **av = vk_calloc(sh->p, (size_t)n + 3, sizeof *av);
    if (!av) return 1;
    av[0] = argv[0];
    av[1] = addr;
    for (int i = 0; i < n; i++) av[i + 2] = argv[first + i];
    char prefix[512];
    const char *src = (sh->cmode && sh->func_depth > 0) ? "environment"
                                                         : (sh->srcname ? sh->srcname : "bash");
    snprintf(prefix, sizeof prefix, "%s: line %d: printf", src, sh->lineno);
    sh_env_sync(sh);
    int st = vl_run_builtin(sh->p, &printf_v_decl, prefix, usage, n + 2, av);
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

static int b_cd(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    bool physical = sh->opt[O_PHYSICAL];
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        bool ok = true;
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'P') physical = true;
            else if (*s == 'L') physical = false;
            else if (*s == 'e' || *s == '@') ;
            else ok = false;
        }
        if (!ok) {
            sh_builtin_error(sh, argv[0], "%s: invalid option", argv[i]);
            sh_usage(sh, "cd: usage: cd [-L|[-P [-e]] [-@]] [dir]");
            return 2;
        }
    }
    if (argc - i > 1) {
        sh_builtin_error(sh, argv[0], "too many arguments");
        return 1;
    }
    const char *dir = i < argc ? argv[i] : NULL;
    bool print = false;
    if (!dir) {
        dir = sh_var_value(sh, "HOME");
        if (!dir) {
            sh_builtin_error(sh, argv[0], "HOME not set");
            return 1;
        }
    } else if (strcmp(dir, "-") == 0) {
        dir = sh_var_value(sh, "OLDPWD");
        if (!dir) {
            sh_builtin_error(sh, argv[0], "OLDPWD not set");
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
    if (rc < 0) {
        sh_builtin_error(sh, argv[0], "%s: %s", dir, sh_strerror(rc));
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

static int b_pwd(sh_state *sh, int argc, char **argv)
{
    bool physical = sh->opt[O_PHYSICAL];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-P") == 0)
            physical = true;
        else if (strcmp(argv[i], "-L") == 0)
            physical = false;
        else if (argv[i][0] == '-' && argv[i][1]) {
            sh_builtin_error(sh, "pwd", "%.2s: invalid option", argv[i]);
            sh_usage(sh, "pwd: usage: pwd [-LP]");
            return 2;
        }
    }
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
    if (k == 0) f[k++] = '-';
    f[k] = 0;
    sh_buf_adds(b, "declare -");
    sh_buf_adds(b, f);
    sh_buf_addc(b, ' ');
}

static void print_decl(sh_state *sh, sh_buf *b, sh_var *v)
{
    decl_flags(b, v);
    sh_buf_adds(b, v->name);
    if (v->flags & (VF_ARRAY | VF_ASSOC)) {
        if (v->narr) {
            bool assoc = v->flags & VF_ASSOC;
            sh_buf_adds(b, "=(");
            for (size_t i = 0; i < v->narr; i++) {
                if (i && !assoc) sh_buf_addc(b, ' ');
                if (assoc) {
                    sh_buf_addc(b, '[');
                    sh_quote(b, v->arr[i].key);
                    sh_buf_adds(b, "]=");
                } else {
                    sh_buf_printf(b, "[%lld]=", (long long)v->arr[i].idx);
                }
                dquote(b, v->arr[i].val);
                if (assoc) sh_buf_addc(b, ' ');
            }
            sh_buf_addc(b, ')');
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

static void list_flagged(sh_state *sh, int flag)
{
    size_t n;
    sh_var **vars = sh_vars_sorted(sh, &n);
    if (!vars) return;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (size_t i = 0; i < n; i++)
        if (vars[i]->flags & flag) print_decl(sh, &b, vars[i]);
    vk_free(sh->p, vars);
    out_buf(sh, &b);
}

static bool valid_assign_name(const char *arg, size_t *nl)
{
    if (arg[0] == SH_RAW_LIST) arg++;
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
        int keep = v ? v->flags & (VF_EXPORT | VF_INTEGER | VF_LOWER | VF_UPPER) : 0;
        char *old = v && v->val ? vk_strdup(sh->p, v->val) : NULL;
        v = sh_assoc_new(sh, name);
        if (!v) {
            vk_free(sh->p, old);
            return 1;
        }
        v->flags |= keep;
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
        if (!v) v = sh_array_new(sh, name);
        if (!v) return 1;
        if (!(v->flags & VF_ARRAY)) {
            if (v->val)
                sh_array_set(sh, v, 0, v->val);
            else
                v->flags |= VF_ARRAY;
        }
    }
    return 0;
}

/* one argument of declare / local / export / readonly: "name", "name=value" (value already
 * expanded), "name[sub]=value", SH_RAW_LIST "name=(list)"; flags are VF_* to turn on */
static int assign_arg(sh_state *sh, const char *bname, const char *arg, int flags, bool local)
{
    bool raw = arg[0] == SH_RAW_LIST;
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
        sh_builtin_error(sh, bname, "%s: readonly variable", name);
        return 1;
    }
    if (type && !raw && set_type(sh, name, type)) return 1;
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
        if (v && (v->flags & (VF_ARRAY | VF_ASSOC))) {
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
                if (sh_arith(sh, val, &x) != 0) {
                    vk_free(sh->p, joined);
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
static const char *arg_text(const char *a) { return a[0] == SH_RAW_LIST ? a + 1 : a; }

static int b_export(sh_state *sh, int argc, char **argv)
{
    bool unexport = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'n') unexport = true;
            else if (*s == 'p' || *s == 'f') ;
            else {
                sh_builtin_error(sh, argv[0], "-%c: invalid option", *s);
                sh_usage(sh, "%s: usage: %s [-fn] [name[=value] ...] or %s -p", argv[0],
                                argv[0], argv[0]);
                return 2;
            }
        }
    }
    if (i >= argc) {
        list_flagged(sh, VF_EXPORT);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        size_t nl;
        if (!valid_assign_name(argv[i], &nl)) {
            sh_builtin_error(sh, argv[0], "`%s': not a valid identifier", arg_text(argv[i]));
            st = 1;
            continue;
        }
        if (unexport) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)nl, arg_text(argv[i]));
            sh_var_flag(sh, name, VF_EXPORT, false);
            continue;
        }
        if (assign_arg(sh, argv[0], argv[i], VF_EXPORT, false)) st = 1;
    }
    return st;
}

static int b_readonly(sh_state *sh, int argc, char **argv)
{
    int i = 1, rflags = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'a') rflags |= VF_ARRAY;
            else if (*s == 'A') rflags |= VF_ASSOC;
            else if (*s != 'p' && *s != 'f') {
                sh_builtin_error(sh, "readonly", "-%c: invalid option", *s);
                sh_usage(sh, "readonly: usage: readonly [-aAf] [name[=value] ...] or "
                                    "readonly -p");
                return 2;
            }
        }
    }
    if (i >= argc) {
        list_flagged(sh, VF_READONLY);
        return 0;
    }
    int st = 0;
    for (; i < argc; i++) {
        size_t nl;
        if (!valid_assign_name(argv[i], &nl)) {
            sh_builtin_error(sh, "readonly", "`%s': not a valid identifier", arg_text(argv[i]));
            st = 1;
            continue;
        }
        if (assign_arg(sh, "readonly", argv[i], VF_READONLY | rflags, false)) st = 1;
    }
    return st;
}

static int b_unset(sh_state *sh, int argc, char **argv)
{
    int mode = 0; /* 0 var-then-func, 1 var, 2 func */
    bool refs = false; /* -n: a nameref itself, not what it refers to */
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'v') mode = 1;
            else if (*s == 'f') mode = 2;
            else if (*s == 'n') refs = true;
            else {
                sh_builtin_error(sh, "unset", "-%c: invalid option", *s);
                sh_usage(sh, "unset: usage: unset [-f] [-v] [-n] [name ...]");
                return 2;
            }
        }
    }
    int st = 0;
    for (; i < argc; i++) {
        const char *name = argv[i];
        if (mode == 2) {
            sh_func_unset(sh, name);
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
                sh_var_unset(sh, nm);
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
            sh_builtin_error(sh, "unset", "`%s': not a valid identifier", name);
            st = 1;
            continue;
        }
        sh_var *rv = refs ? sh_var_get_raw(sh, name) : NULL;
        if (rv && (rv->flags & VF_NAMEREF)) rv->flags &= ~VF_NAMEREF;
        sh_var *v = sh_var_get(sh, name);
        if (v) {
            if (sh_var_unset(sh, name) != 0) {
                sh_builtin_error(sh, "unset", "%s: cannot unset: readonly variable", name);
                st = 1;
            }
        } else if (mode == 0) {
            sh_func_unset(sh, name);
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

/* declare, typeset and local (is_local): the same options and arguments */
static int declare_cmd(sh_state *sh, int argc, char **argv, bool is_local)
{
    const char *me = argv[0];
    int flags = 0, unflags = 0;
    bool print = false, global = false, funcs = false, names_only = false;
    int i = 1;
    for (; i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        bool on = argv[i][0] == '-';
        for (const char *s = argv[i] + 1; *s; s++) {
            int f = 0;
            switch (*s) {
            case 'r': f = VF_READONLY; break;
            case 'x': f = VF_EXPORT; break;
            case 'i': f = VF_INTEGER; break;
            case 'a': f = VF_ARRAY; break;
            case 'A': f = VF_ASSOC; break;
            case 'l': f = VF_LOWER; break;
            case 'u': f = VF_UPPER; break;
            case 't': f = VF_TRACE; break;
            case 'n': f = VF_NAMEREF; break;
            case 'p': print = true; break;
            case 'g': global = !is_local; break;
            case 'I': break;
            case 'f': funcs = true; break;
            case 'F': funcs = names_only = true; break;
            default:
                sh_builtin_error(sh, me, "-%c: invalid option", *s);
                if (is_local)
                    sh_usage(sh, "local: usage: local [option] name[=value] ...");
                else
                    sh_usage(sh, "%s: usage: %s [-aAfFgiIlnrtux] [name[=value] ...] or %s -p "
                                 "[-aAfFilnrtux] [name ...]",
                             me, me, me);
                return 2;
            }
            if (on)
                flags |= f;
            else
                unflags |= f;
        }
    }
    if (flags & VF_LOWER) unflags |= VF_UPPER;
    if (flags & VF_UPPER) unflags |= VF_LOWER;
    if (is_local && sh->func_depth == 0) {
        sh_builtin_error(sh, "local", "can only be used in a function");
        return 1;
    }
    if (funcs) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        int st = 0;
        if (i >= argc) {
            sh_func **v;
            int n = sort_funcs(sh, &v);
            if (n < 0) return 1;
            for (int x = 0; x < n; x++) {
                if (names_only) {
                    sh_buf_printf(&b, "declare -f %s\n", v[x]->name);
                } else {
                    sh_print_function(&b, v[x]->name, v[x]->body, 0);
                    sh_buf_addc(&b, '\n');
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
            if (names_only) {
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
        out_buf(sh, &b);
        return 0;
    }
    int st = 0;
    bool local = is_local || (sh->func_depth > 0 && !global);
    for (; i < argc; i++) {
        size_t nl;
        if (!valid_assign_name(argv[i], &nl)) {
            sh_builtin_error(sh, me, "`%s': not a valid identifier", arg_text(argv[i]));
            st = 1;
            continue;
        }
        char nm[256];
        snprintf(nm, sizeof nm, "%.*s", (int)nl, arg_text(argv[i]));
        char *br = strchr(nm, '[');
        if (br) *br = 0;
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
        if (assign_arg(sh, me, argv[i], flags, local)) {
            st = 1;
            continue;
        }
        sh_var *v = sh_var_get(sh, nm);
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

static int b_local(sh_state *sh, int argc, char **argv)
{
    return declare_cmd(sh, argc, argv, true);
}

static int b_declare(sh_state *sh, int argc, char **argv)
{
    return declare_cmd(sh, argc, argv, false);
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
            if (v->flags & VF_ARRAY) {
                sh_buf_adds(&b, v->name);
                sh_buf_adds(&b, "=(");
                for (size_t k = 0; k < v->narr; k++) {
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
            sh_quote(&b, val);
            sh_buf_addc(&b, '\n');
        }
        vk_free(sh->p, vars);
        /* then the functions, sorted by name, as declare -f prints them */
        int nf = 0;
        for (sh_func *f = sh->funcs; f; f = f->next) nf++;
        sh_func **fv = vk_calloc(sh->p, (size_t)nf + 1, sizeof *fv);
        if (fv) {
            nf = 0;
            for (sh_func *f = sh->funcs; f; f = f->next) fv[nf++] = f;
            for (int x = 1; x < nf; x++)
                for (int y = x; y > 0 && strcmp(fv[y - 1]->name, fv[y]->name) > 0; y--) {
                    sh_func *t = fv[y];
                    fv[y] = fv[y - 1];
                    fv[y - 1] = t;
                }
            for (int x = 0; x < nf; x++) {
                sh_print_function(&b, fv[x]->name, fv[x]->body, 0);
                sh_buf_addc(&b, '\n');
            }
            vk_free(sh->p, fv);
        }
        out_buf(sh, &b);
        return 0;
    }
    int i = 1;
    bool set_args = false;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' && a[0] != '+') break;
        if (strcmp(a, "--") == 0) {
            i++;
            set_args = true;
            break;
        }
        if (strcmp(a, "-") == 0) {
            sh->opt[O_XTRACE] = false;
            sh->opt[O_VERBOSE] = false;
            i++;
            set_args = i < argc;
            break;
        }
        bool on = a[0] == '-';
        for (const char *s = a + 1; *s; s++) {
            if (*s == 'o') {
                if (i + 1 >= argc) {
                    print_options(sh, !on);
                    continue;
                }
                const char *name = argv[++i];
                int k = -1;
                for (int o = 0; o < O_COUNT; o++)
                    if (strcmp(opt_names[o], name) == 0) k = o;
                if (k < 0) {
                    sh_builtin_error(sh, "set", "%s: invalid option name", name);
                    return 2;
                }
                sh->opt[k] = on;
                continue;
            }
            int k = -1;
            for (int o = 0; o < O_COUNT; o++)
                if (opt_letters[o] && opt_letters[o] == *s) k = o;
            if (k < 0) {
                sh_builtin_error(sh, "set", "%c%c: invalid option", a[0], *s);
                sh_usage(sh, "set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] "
                                    "[--] [-] [arg ...]");
                return 2;
            }
            sh->opt[k] = on;
        }
    }
    if (i < argc || set_args) return set_positional(sh, argv + i, argc - i);
    return 0;
}

static int b_shift(sh_state *sh, int argc, char **argv)
{
    int64_t n = 1;
    if (argc > 2) {
        sh_builtin_error(sh, "shift", "too many arguments");
        return 1;
    }
    if (argc == 2 && !parse_num_arg(argv[1], &n)) {
        sh_builtin_error(sh, "shift", "%s: numeric argument required", argv[1]);
        return 1;
    }
    if (n < 0) {
        sh_builtin_error(sh, "shift", "%s: shift count out of range", argv[1]);
        return 1;
    }
    if (n > sh->npos) return 1;
    for (int i = 0; i < n; i++) vk_free(sh->p, sh->pos[i]);
    memmove(sh->pos, sh->pos + n, (size_t)(sh->npos - n) * sizeof *sh->pos);
    sh->npos -= (int)n;
    sh->pos[sh->npos] = NULL;
    return 0;
}

/* ---- control flow ---- */
static int b_exit(sh_state *sh, int argc, char **argv)
{
    int st = sh->status;
    if (argc > 1) {
        int64_t v;
        if (!parse_num_arg(argv[1], &v)) {
            sh_builtin_error(sh, "exit", "%s: numeric argument required", argv[1]);
            st = 2;
        } else if (argc > 2) {
            sh_builtin_error(sh, "exit", "too many arguments");
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
    if (sh->func_depth == 0 && sh->source_depth == 0) {
        sh_builtin_error(sh, "return", "can only `return' from a function or sourced script");
        return 2;
    }
    int st = sh->status;
    if (argc > 1) {
        int64_t v;
        if (!parse_num_arg(argv[1], &v)) {
            sh_builtin_error(sh, "return", "%s: numeric argument required", argv[1]);
            st = 2;
        } else {
            st = (int)(v & 0xff);
        }
    }
    sh->status = st;
    sh->jump = J_RETURN;
    return st;
}

static int loop_ctl(sh_state *sh, int argc, char **argv, int kind)
{
    int64_t n = 1;
    if (argc > 1) {
        if (!parse_num_arg(argv[1], &n)) {
            sh_builtin_error(sh, argv[0], "%s: numeric argument required", argv[1]);
            n = 1;
            if (sh->loop_depth == 0) return 1;
            sh->jump = kind;
            sh->jump_n = (int)sh->loop_depth;
            sh->status = 1;
            return 1;
        }
        if (n < 1) {
            /* bash complains, then leaves the loop anyway */
            sh_builtin_error(sh, argv[0], "%s: loop count out of range", argv[1]);
            if (sh->loop_depth > 0) {
                sh->jump = J_BREAK;
                sh->jump_n = 1;
            }
            sh->status = 1;
            return 1;
        }
    }
    if (sh->loop_depth == 0) {
        sh_builtin_error(sh, argv[0], "only meaningful in a `for', `while', or `until' loop");
        return 0;
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
    int i = 1;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
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
    if (sh->syntax_err) {
        /* the eval failed, not the script around it */
        sh->syntax_err = false;
        return 2;
    }
    return sh->status;
}

static int b_exec(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    bool clear_env = false, login = false;
    const char *name = NULL;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'c') {
                clear_env = true;
            } else if (*s == 'l') {
                login = true;
            } else if (*s == 'a' && !s[1] && i + 1 < argc) {
                name = argv[++i];
                break;
            } else {
                if (*s == 'a')
                    sh_builtin_error(sh, "exec", "-a: option requires an argument");
                else
                    sh_builtin_error(sh, "exec", "-%c: invalid option", *s);
                sh_usage(sh, "exec: usage: exec [-cl] [-a name] [command [argument ...]] "
                             "[redirection ...]");
                return 2;
            }
        }
    }
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
    sh->jump = J_EXIT;
    return st;
}

static int b_source(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) {
        sh_builtin_error(sh, argv[0], "filename argument required");
        sh_usage(sh, "%s: usage: %s filename [arguments]", argv[0], argv[0]);
        return 2;
    }
    const char *file = argv[i];
    char *path = NULL;
    if (!strchr(file, '/')) {
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
    sh_frame_pop(sh);
    sh->source_depth--;
    sh->srcname = savesrc;
    vk_free(sh->p, srcname);
    sh->lineno = saveline;
    if (sh->jump == J_RETURN && sh->func_depth == 0) sh->jump = J_NONE;
    else if (sh->jump == J_RETURN && sh->source_depth >= 0) sh->jump = J_NONE;
    if (newargs) {
        for (int k = 0; k < sh->npos; k++) vk_free(sh->p, sh->pos[k]);
        vk_free(sh->p, sh->pos);
        sh->pos = savepos;
        sh->npos = savenpos;
    }
    sh_buf_free(&b);
    if (sh->syntax_err) {
        sh->syntax_err = false;
        return 2;
    }
    return sh->status;
}

/* ---- read ---- */
static int b_read(sh_state *sh, int argc, char **argv)
{
    bool raw = false;
    const char *prompt = NULL, *array = NULL;
    int delim = '\n';
    int64_t nchars = -1;
    bool exact = false, zero_timeout = false;
    int fd = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            char o = *s;
            if (o == 'r') {
                raw = true;
                continue;
            }
            if (o == 's' || o == 'e') continue;
            if (strchr("pdantNui", o)) {
                const char *arg = s[1] ? s + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!arg) {
                    sh_builtin_error(sh, "read", "-%c: option requires an argument", o);
                    sh_usage(sh, "read: usage: read [-ers] [-a array] [-d delim] [-i "
                                        "text] [-n nchars] [-N nchars] [-p prompt] [-t "
                                        "timeout] [-u fd] [name ...]");
                    return 2;
                }
                int64_t v;
                switch (o) {
                case 'p': prompt = arg; break;
                case 'd': delim = (unsigned char)arg[0]; break;
                case 'a': array = arg; break;
                case 'i': break;
                case 't':
                    /* -t 0 only asks whether input is there; without a way to poll, an open
                     * fd counts as ready */
                    if (strcmp(arg, "0") == 0 || strcmp(arg, "0.0") == 0) zero_timeout = true;
                    break;
                case 'n':
                case 'N':
                    if (!sh_parse_int(arg, &v) || v < 0) {
                        sh_builtin_error(sh, "read", "%s: invalid number", arg);
                        return 1;
                    }
                    nchars = v;
                    exact = o == 'N';
                    break;
                case 'u':
                    if (!sh_parse_int(arg, &v) || v < 0) {
                        sh_builtin_error(sh, "read", "%s: invalid file descriptor "
                                                     "specification", arg);
                        return 1;
                    }
                    if (!vk_fd_valid(sh->p, (int)v)) {
                        sh_builtin_error(sh, "read", "%s: invalid file descriptor: %s", arg,
                                         sh_strerror(VOS_EBADF));
                        return 1;
                    }
                    fd = (int)v;
                    break;
                }
                break;
            }
            sh_builtin_error(sh, "read", "-%c: invalid option", o);
            sh_usage(sh, "read: usage: read [-ers] [-a array] [-d delim] [-i text] [-n "
                                "nchars] [-N nchars] [-p prompt] [-t timeout] [-u fd] [name "
                                "...]");
            return 2;
        }
    }
    for (int k = i; k < argc; k++) {
        if (!sh_is_name(argv[k], strlen(argv[k]))) {
            sh_builtin_error(sh, "read", "`%s': not a valid identifier", argv[k]);
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
    int st = eof ? 1 : 0;
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
static int b_mapfile(sh_state *sh, int argc, char **argv)
{
    const char *me = argv[0];
    int delim = '\n', fd = 0;
    bool strip = false;
    int64_t count = 0, origin = 0, skip = 0, quantum = 5000;
    const char *callback = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            char o = *s;
            if (o == 't') {
                strip = true;
                continue;
            }
            if (!strchr("dnOsuCc", o)) {
                sh_builtin_error(sh, me, "-%c: invalid option", o);
                sh_usage(sh, "%s: usage: %s [-d delim] [-n count] [-O origin] [-s count] [-t] "
                             "[-u fd] [-C callback] [-c quantum] [array]",
                         me, me);
                return 2;
            }
            const char *arg = s[1] ? s + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!arg) {
                sh_builtin_error(sh, me, "-%c: option requires an argument", o);
                sh_usage(sh, "%s: usage: %s [-d delim] [-n count] [-O origin] [-s count] [-t] "
                             "[-u fd] [-C callback] [-c quantum] [array]",
                         me, me);
                return 2;
            }
            int64_t v = 0;
            if (o == 'd') {
                delim = (unsigned char)arg[0];
            } else if (o == 'C') {
                callback = arg;
            } else if (!sh_parse_int(arg, &v) || v < 0 || (o == 'c' && v == 0)) {
                if (o == 'u')
                    sh_builtin_error(sh, me, "%s: invalid file descriptor specification", arg);
                else if (o == 'c')
                    sh_builtin_error(sh, me, "%s: invalid callback quantum", arg);
                else if (o == 'O')
                    sh_builtin_error(sh, me, "%s: invalid array origin", arg);
                else
                    sh_builtin_error(sh, me, "%s: invalid line count", arg);
                return 1;
            } else if (o == 'n') {
                count = v;
            } else if (o == 'O') {
                origin = v;
            } else if (o == 's') {
                skip = v;
            } else if (o == 'c') {
                quantum = v;
            } else if (o == 'u') {
                if (!vk_fd_valid(sh->p, (int)v)) {
                    sh_builtin_error(sh, me, "%s: invalid file descriptor: %s", arg,
                                     sh_strerror(VOS_EBADF));
                    return 1;
                }
                fd = (int)v;
            }
            break;
        }
    }
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
    else
        sh_buf_printf(b, " SIG%s\n", sh_sig_name(sig));
}

static int pseudo_trap(const char *name)
{
    if (strcmp(name, "ERR") == 0) return SH_TRAP_ERR;
    if (strcmp(name, "DEBUG") == 0) return SH_TRAP_DEBUG;
    if (strcmp(name, "RETURN") == 0) return SH_TRAP_RETURN;
    return -1;
}

static int b_trap(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    bool print = false;
    if (i < argc && strcmp(argv[i], "-l") == 0) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (int s = 1; s < VK_NSIG; s++)
            sh_buf_printf(&b, "%2d) SIG%s%s", s, sh_sig_name(s), s % 5 == 0 ? "\n" : "\t");
        sh_buf_addc(&b, '\n');
        out_buf(sh, &b);
        return 0;
    }
    if (i < argc && strcmp(argv[i], "-p") == 0) {
        print = true;
        i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc || print) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        /* trap -p NAME... shows just those */
        for (int k = i; k < argc; k++) {
            int pt = pseudo_trap(argv[k]);
            int sig = pt >= 0 ? -1 : sh_sig_number(argv[k]);
            if (pt >= 0 && sh->ptraps[pt]) trap_print(sh, &b, -1 - pt, sh->ptraps[pt]);
            else if (sig == 0 && sh->exit_trap) trap_print(sh, &b, 0, sh->exit_trap);
            else if (sig > 0 && sh->traps[sig]) trap_print(sh, &b, sig, sh->traps[sig]);
        }
        if (i >= argc) {
            if (sh->exit_trap) trap_print(sh, &b, 0, sh->exit_trap);
            for (int s = 1; s < VK_NSIG; s++)
                if (sh->traps[s]) trap_print(sh, &b, s, sh->traps[s]);
            for (int t = 0; t < 3; t++)
                if (sh->ptraps[t]) trap_print(sh, &b, -1 - t, sh->ptraps[t]);
        }
        out_buf(sh, &b);
        return 0;
    }
    const char *action = argv[i];
    int first = i + 1;
    /* "trap SIG..." with a signal as the first word resets those signals */
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
        vk_free(sh->p, sh->traps[sig]);
        sh->traps[sig] = copy;
        if (sig == 9 || sig == 19) continue;
        vk_signal(sh->p, sig, reset ? VK_SIG_DFL : (*action ? VK_SIG_CATCH : VK_SIG_IGN));
    }
    return st;
}

static int b_kill(sh_state *sh, int argc, char **argv)
{
    int sig = 15;
    int i = 1;
    if (argc < 2) {
        sh_error(sh, "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... "
                     "or kill -l [sigspec]");
        return 2;
    }
    if (strcmp(argv[1], "-l") == 0 || strcmp(argv[1], "-L") == 0) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        if (argc == 2) {
            for (int s = 1; s < VK_NSIG; s++)
                sh_buf_printf(&b, "%2d) SIG%s%s", s, sh_sig_name(s), s % 5 == 0 ? "\n" : "\t");
            sh_buf_addc(&b, '\n');
        }
        int st = 0;
        for (int k = 2; k < argc; k++) {
            int64_t n;
            if (sh_parse_int(argv[k], &n)) {
                if (n > 128) n -= 128;
                const char *nm = sh_sig_name((int)n);
                if (!nm) {
                    sh_builtin_error(sh, "kill", "%s: invalid signal specification", argv[k]);
                    st = 1;
                    continue;
                }
                sh_buf_printf(&b, "%s\n", nm);
            } else {
                int s = sh_sig_number(argv[k]);
                if (s <= 0) {
                    sh_builtin_error(sh, "kill", "%s: invalid signal specification", argv[k]);
                    st = 1;
                    continue;
                }
                sh_buf_printf(&b, "%d\n", s);
            }
        }
        out_buf(sh, &b);
        return st;
    }
    if (strcmp(argv[1], "-s") == 0 || strcmp(argv[1], "-n") == 0) {
        if (argc < 3) {
            sh_builtin_error(sh, "kill", "%s: option requires an argument", argv[1]);
            return 2;
        }
        sig = sh_sig_number(argv[2]);
        if (sig < 0) {
            sh_builtin_error(sh, "kill", "%s: invalid signal specification", argv[2]);
            return 1;
        }
        i = 3;
    } else if (argv[1][0] == '-' && argv[1][1] && strcmp(argv[1], "--") != 0) {
        sig = sh_sig_number(argv[1] + 1);
        if (sig < 0) {
            sh_builtin_error(sh, "kill", "%s: invalid signal specification", argv[1] + 1);
            return 1;
        }
        i = 2;
    } else if (strcmp(argv[1], "--") == 0) {
        i = 2;
    }
    if (i >= argc) {
        sh_error(sh, "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... "
                     "or kill -l [sigspec]");
        return 2;
    }
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
    /* a signal to ourselves is delivered before the next command */
    sh_step(sh);
    return st;
}

static int b_wait(sh_state *sh, int argc, char **argv)
{
    int i = 1;
    if (i < argc && strcmp(argv[i], "-n") == 0) {
        /* any one job */
        for (;;) {
            sh_jobs_reap(sh);
            for (sh_job *j = sh->jobs; j; j = j->next) {
                if (j->done) {
                    bool found;
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
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
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
        } else if (!sh_parse_int(argv[i], &pid) || pid <= 0) {
            sh_builtin_error(sh, "wait", "`%s': not a pid or valid job spec", argv[i]);
            st = 2;
            continue;
        }
        bool found;
        st = sh_wait_pid(sh, (int)pid, &found);
        if (!found) {
            sh_builtin_error(sh, "wait", "pid %lld is not a child of this shell", (long long)pid);
            st = 127;
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

/* describe name for type (mode 0 long, 't' word, 'p' path) or command -v ('v') / -V ('V') */
static bool describe(sh_state *sh, sh_buf *b, const char *name, int mode, bool funcs)
{
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
        return true;
    }
    if (is_keyword(name)) {
        if (mode == 't') sh_buf_adds(b, "keyword\n");
        else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
        else if (mode != 'p') sh_buf_printf(b, "%s is a shell keyword\n", name);
        return true;
    }
    sh_func *fn = funcs ? sh_func_get(sh, name) : NULL;
    if (fn) {
        if (mode == 't') sh_buf_adds(b, "function\n");
        else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
        else if (mode != 'p') {
            sh_buf_printf(b, "%s is a function\n", name);
            sh_print_function(b, name, fn->body, 0);
            sh_buf_addc(b, '\n');
        }
        return true;
    }
    if (sh_builtin_find(name)) {
        if (mode == 't') sh_buf_adds(b, "builtin\n");
        else if (mode == 'v') sh_buf_printf(b, "%s\n", name);
        else if (mode != 'p') sh_buf_printf(b, "%s is a shell builtin\n", name);
        return true;
    }
    char *path = strchr(name, '/') ? (vk_access(sh->p, name, VK_X_OK) == 0
                                          ? vk_strdup(sh->p, name)
                                          : NULL)
                                   : sh_path_search(sh, name);
    if (path) {
        if (mode == 't') sh_buf_adds(b, "file\n");
        else if (mode == 'v' || mode == 'p') sh_buf_printf(b, "%s\n", path);
        else sh_buf_printf(b, "%s is %s\n", name, path);
        vk_free(sh->p, path);
        return true;
    }
    return false;
}

static int b_type(sh_state *sh, int argc, char **argv)
{
    int mode = 0;
    bool funcs = true;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 't') mode = 't';
            else if (*s == 'p' || *s == 'P') mode = 'p';
            else if (*s == 'f') funcs = false;
            else if (*s == 'a') ;
            else {
                sh_builtin_error(sh, "type", "-%c: invalid option", *s);
                sh_usage(sh, "type: usage: type [-afptP] name [name ...]");
                return 2;
            }
        }
    }
    int st = 0;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (; i < argc; i++) {
        if (!describe(sh, &b, argv[i], mode, funcs)) {
            st = 1;
            if (mode == 0) {
                out_buf(sh, &b);
                sh_buf_init(&b, sh->p);
                sh_builtin_error(sh, "type", "%s: not found", argv[i]);
            }
        }
    }
    out_buf(sh, &b);
    return st;
}

static int b_command(sh_state *sh, int argc, char **argv)
{
    int mode = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'v') mode = 'v';
            else if (*s == 'V') mode = 'V';
            else if (*s == 'p') ;
            else {
                sh_builtin_error(sh, "command", "-%c: invalid option", *s);
                sh_usage(sh, "command: usage: command [-pVv] command [arg ...]");
                return 2;
            }
        }
    }
    if (i >= argc) return 0;
    if (mode) {
        int st = 0;
        sh_buf b;
        sh_buf_init(&b, sh->p);
        for (; i < argc; i++) {
            if (!describe(sh, &b, argv[i], mode == 'v' ? 'v' : 0, true)) {
                st = 1;
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
    const sh_builtin *bi = sh_builtin_find(argv[i]);
    if (bi) return bi->fn(sh, argc - i, argv + i);
    sh_func *saved = sh->funcs;
    sh->funcs = NULL; /* hide functions for the lookup only */
    int st = sh_run_command(sh, argv + i, argc - i, NULL, 0, NULL);
    sh->funcs = saved;
    return st;
}

static int b_builtin(sh_state *sh, int argc, char **argv)
{
    if (argc < 2) return 0;
    const sh_builtin *bi = sh_builtin_find(argv[1]);
    if (!bi) {
        sh_builtin_error(sh, "builtin", "%s: not a shell builtin", argv[1]);
        return 1;
    }
    return bi->fn(sh, argc - 1, argv + 1);
}

/* ---- getopts ---- */
static int b_getopts(sh_state *sh, int argc, char **argv)
{
    if (argc < 3) {
        sh_usage(sh, "getopts: usage: getopts optstring name [arg ...]");
        return 2;
    }
    const char *optstring = argv[1];
    const char *name = argv[2];
    char **args = argc > 3 ? argv + 3 : sh->pos;
    int nargs = argc > 3 ? argc - 3 : sh->npos;
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
static int b_umask(sh_state *sh, int argc, char **argv)
{
    bool sym = false;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-S") == 0) {
        sym = true;
        i++;
    }
    if (i < argc && strcmp(argv[i], "-p") == 0) i++;
    if (i >= argc) {
        unsigned m = vk_umask(sh->p, 0);
        vk_umask(sh->p, m);
        char buf[64];
        if (sym) {
            unsigned a = ~m & 0777;
            char u[4], g[4], o[4];
            int k;
#define PERM(dst, bits)                                                                            \
    k = 0;                                                                                         \
    if ((bits) & 4) dst[k++] = 'r';                                                                \
    if ((bits) & 2) dst[k++] = 'w';                                                                \
    if ((bits) & 1) dst[k++] = 'x';                                                                \
    dst[k] = 0;
            PERM(u, a >> 6)
            PERM(g, (a >> 3) & 7)
            PERM(o, a & 7)
#undef PERM
            snprintf(buf, sizeof buf, "u=%s,g=%s,o=%s\n", u, g, o);
        } else {
            snprintf(buf, sizeof buf, "%04o\n", m);
        }
        outs(sh, buf);
        return 0;
    }
    const char *s = argv[i];
    unsigned m = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '7') {
            sh_builtin_error(sh, "umask", "%s: octal number out of range", s);
            return 1;
        }
        m = m * 8 + (unsigned)(*c - '0');
    }
    if (m > 0777) {
        sh_builtin_error(sh, "umask", "%s: octal number out of range", s);
        return 1;
    }
    vk_umask(sh->p, m);
    return 0;
}

/* ---- alias ---- */
static void alias_print(sh_state *sh, sh_buf *b, sh_alias *a)
{
    sh_buf_printf(b, "alias %s='", a->name);
    for (const char *s = a->val; *s; s++) {
        if (*s == '\'')
            sh_buf_adds(b, "'\\''");
        else
            sh_buf_addc(b, *s);
    }
    sh_buf_adds(b, "'\n");
}

static int b_alias(sh_state *sh, int argc, char **argv)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    int i = 1;
    if (i < argc && strcmp(argv[i], "-p") == 0) i++;
    if (i >= argc) {
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
        out_buf(sh, &b);
        return 0;
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
        char *name = vk_strndup(sh->p, argv[i], (size_t)(eq - argv[i]));
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

static int b_unalias(sh_state *sh, int argc, char **argv)
{
    if (argc < 2) {
        sh_error(sh, "unalias: usage: unalias [-a] name [name ...]");
        return 2;
    }
    if (strcmp(argv[1], "-a") == 0) {
        while (sh->aliases) {
            sh_alias *a = sh->aliases;
            sh->aliases = a->next;
            vk_free(sh->p, a->name);
            vk_free(sh->p, a->val);
            vk_free(sh->p, a);
        }
        return 0;
    }
    int st = 0;
    for (int i = 1; i < argc; i++) {
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
    if (argc < 2) {
        sh_builtin_error(sh, "let", "expression expected");
        return 1;
    }
    int64_t v = 0;
    sh->arith_ctx = "let";
    for (int i = 1; i < argc; i++) {
        if (sh_arith(sh, argv[i], &v) != 0) {
            sh->arith_ctx = NULL;
            return 1;
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

static int b_shopt(sh_state *sh, int argc, char **argv)
{
    int mode = 0; /* 's' set, 'u' unset */
    bool quiet = false, print = false, oflag = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 's') mode = 's';
            else if (*s == 'u') mode = 'u';
            else if (*s == 'q') quiet = true;
            else if (*s == 'p') print = true;
            else if (*s == 'o') oflag = true;
            else {
                sh_builtin_error(sh, "shopt", "-%c: invalid option", *s);
                sh_usage(sh, "shopt: usage: shopt [-pqsu] [-o] [optname ...]");
                return 2;
            }
        }
    }
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
        for (int o = 0; o < count; o++)
            if (strcmp(names[o], argv[i]) == 0) k = o;
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
        if (mode == 's') vals[k] = true;
        else if (mode == 'u') vals[k] = false;
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

static int b_hash(sh_state *sh, int argc, char **argv)
{
    int st = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        char *p = sh_path_search(sh, argv[i]);
        if (!p) {
            sh_builtin_error(sh, "hash", "%s: not found", argv[i]);
            st = 1;
        }
        vk_free(sh->p, p);
    }
    if (argc == 1) sh_usage(sh, "hash: hash table empty");
    return st;
}

/* jobs: the running background jobs (bash forgets finished ones before a script's next
 * command, so they are not listed) */
static int b_jobs(sh_state *sh, int argc, char **argv)
{
    bool pids = false, longer = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'p') pids = true;
            else if (*s == 'l') longer = true;
            else if (!strchr("nrs", *s)) {
                sh_builtin_error(sh, "jobs", "-%c: invalid option", *s);
                sh_usage(sh, "jobs: usage: jobs [-lnprs] [jobspec ...] or jobs -x command "
                             "[args]");
                return 2;
            }
        }
    }
    sh_jobs_reap(sh);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    /* oldest first; + is the newest, - the one before */
    sh_job *list[256];
    int n = 0;
    for (sh_job *j = sh->jobs; j && n < 256; j = j->next)
        if (!j->procsub && !j->done) list[n++] = j;
    int st = 0;
    for (int k = n - 1; k >= 0; k--) {
        sh_job *j = list[k];
        bool wanted = i >= argc;
        for (int a = i; a < argc && !wanted; a++) {
            sh_job *f = sh_job_find(sh, argv[a], "jobs");
            if (f == j) wanted = true;
        }
        if (!wanted) continue;
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
    for (int a = i; a < argc; a++)
        if (argv[a][0] == '%' && !sh_job_find(sh, argv[a], "jobs")) st = 1;
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

static int b_disown(sh_state *sh, int argc, char **argv)
{
    int st = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        sh_job *j = NULL;
        if (argv[i][0] == '%') {
            j = sh_job_find(sh, argv[i], "disown");
        } else {
            int64_t pid;
            if (sh_parse_int(argv[i], &pid))
                for (sh_job *k = sh->jobs; k && !j; k = k->next)
                    if (k->pid == pid) j = k;
            if (!j) sh_builtin_error(sh, "disown", "%s: no such job", argv[i]);
        }
        if (!j) {
            st = 1;
            continue;
        }
        /* it runs on, reaped by the VM once it ends */
        j->procsub = true;
    }
    if (argc == 1)
        for (sh_job *j = sh->jobs; j; j = j->next)
            if (!j->done) j->procsub = true;
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

/* "+N" / "-N": an index into the stack (0..ndirs), or -1 */
static int dir_index(sh_state *sh, const char *a)
{
    int64_t n;
    if ((a[0] != '+' && a[0] != '-') || !sh_parse_int(a + 1, &n) || n < 0 || n > sh->ndirs)
        return -1;
    return a[0] == '+' ? (int)n : sh->ndirs - (int)n;
}

/* cd for pushd / popd (who name themselves in cd's messages) */
static int cd_to(sh_state *sh, const char *me, const char *dir)
{
    char *argv[] = {(char *)me, (char *)(dir[0] == '-' ? "--" : dir), (char *)dir, NULL};
    return b_cd(sh, dir[0] == '-' ? 3 : 2, argv);
}

static int b_dirs(sh_state *sh, int argc, char **argv)
{
    bool longer = false, lines = false, verbose = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            for (const char *s = a + 1; *s; s++) {
                if (*s == 'c') {
                    for (int k = 0; k < sh->ndirs; k++) vk_free(sh->p, sh->dirstack[k]);
                    sh->ndirs = 0;
                } else if (*s == 'l') longer = true;
                else if (*s == 'p') lines = true;
                else if (*s == 'v') verbose = true;
                else {
                    sh_builtin_error(sh, "dirs", "-%c: invalid option", *s);
                    sh_usage(sh, "dirs: usage: dirs [-clpv] [+N] [-N]");
                    return 2;
                }
            }
            continue;
        }
        int k = dir_index(sh, a);
        if (k < 0) {
            sh_builtin_error(sh, "dirs", "%s: directory stack index out of range", a);
            return 1;
        }
        sh_buf b;
        sh_buf_init(&b, sh->p);
        dir_show(sh, &b, dir_at(sh, k), longer);
        sh_buf_addc(&b, '\n');
        out_buf(sh, &b);
        return 0;
    }
    print_dirs(sh, longer, lines, verbose);
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
    int i = 1;
    if (i < argc && strcmp(argv[i], "-n") == 0) {
        nocd = true;
        i++;
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) {
        if (sh->ndirs == 0) {
            sh_builtin_error(sh, "pushd", "no other directory");
            return 1;
        }
        /* swap the top two */
        char *top = vk_strdup(sh->p, cur_dir(sh));
        if (!top) return 1;
        if (!nocd && cd_to(sh, argv[0], sh->dirstack[0]) != 0) {
            vk_free(sh->p, top);
            return 1;
        }
        vk_free(sh->p, sh->dirstack[0]);
        sh->dirstack[0] = top;
        print_dirs(sh, false, false, false);
        return 0;
    }
    const char *a = argv[i];
    int k = (a[0] == '+' || a[0] == '-') && a[1] >= '0' && a[1] <= '9' ? dir_index(sh, a) : -2;
    if (k == -1) {
        sh_builtin_error(sh, "pushd", "%s: directory stack index out of range", a);
        return 1;
    }
    if (k >= 0) {
        /* rotate so that entry k is on top */
        int n = sh->ndirs + 1;
        char **all = vk_calloc(sh->p, (size_t)n, sizeof *all);
        if (!all) return 1;
        all[0] = vk_strdup(sh->p, cur_dir(sh));
        for (int j = 1; j < n; j++) all[j] = sh->dirstack[j - 1];
        if (!all[0] || cd_to(sh, argv[0], all[k]) != 0) {
            vk_free(sh->p, all[0]);
            vk_free(sh->p, all);
            return 1;
        }
        for (int j = 1; j < n; j++) sh->dirstack[j - 1] = all[(k + j) % n];
        vk_free(sh->p, all[k]);
        vk_free(sh->p, all);
        print_dirs(sh, false, false, false);
        return 0;
    }
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
    int k = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0) {
            nocd = true;
            continue;
        }
        k = dir_index(sh, argv[i]);
        if (k < 0) {
            sh_builtin_error(sh, "popd", "%s: invalid argument", argv[i]);
            sh_usage(sh, "popd: usage: popd [-n] [+N | -N]");
            return 2;
        }
    }
    if (sh->ndirs == 0) {
        sh_builtin_error(sh, "popd", "directory stack empty");
        return 1;
    }
    if (k == 0) {
        if (!nocd && cd_to(sh, argv[0], sh->dirstack[0]) != 0) return 1;
        if (nocd) {
            vk_free(sh->p, sh->dirstack[0]);
            memmove(sh->dirstack, sh->dirstack + 1, (size_t)(sh->ndirs - 1) * sizeof(char *));
        } else {
            vk_free(sh->p, sh->dirstack[0]);
            memmove(sh->dirstack, sh->dirstack + 1, (size_t)(sh->ndirs - 1) * sizeof(char *));
        }
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

static int b_times(sh_state *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
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
static int b_caller(sh_state *sh, int argc, char **argv)
{
    (void)argv;
    if (sh->func_depth == 0 || argc > 1) return 1;
    char buf[64];
    snprintf(buf, sizeof buf, "%d NULL\n", sh->call_line);
    outs(sh, buf);
    return 0;
}

static int b_help(sh_state *sh, int argc, char **argv);

static const sh_builtin builtins[] = {
    {".", b_source, true,
     ". filename [arguments]",
     "Execute commands from a file in the current shell."},
    {":", b_true, true,
     ":",
     "Null command."},
    {"[", b_test, false,
     "[ arg... ]",
     "Evaluate conditional expression."},
    {"alias", b_alias, false,
     "alias [-p] [name[=value] ... ]",
     "Define or display aliases."},
    {"bg", b_fg, false,
     "bg [job_spec ...]",
     "Move jobs to the background."},
    {"break", b_break, true,
     "break [n]",
     "Exit for, while, or until loops."},
    {"builtin", b_builtin, false,
     "builtin [shell-builtin [arg ...]]",
     "Execute shell builtins."},
    {"caller", b_caller, false,
     "caller [expr]",
     "Return the context of the current subroutine call."},
    {"cd", b_cd, false,
     "cd [-L|[-P [-e]] [-@]] [dir]",
     "Change the shell working directory."},
    {"command", b_command, false,
     "command [-pVv] command [arg ...]",
     "Execute a simple command or display information about commands."},
    {"continue", b_continue, true,
     "continue [n]",
     "Resume for, while, or until loops."},
    {"declare", b_declare, false,
     "declare [-aAfFgiIlnrtux] [name[=value] ...] or declare -p [-aAfFilnrtux] [name ...]",
     "Set variable values and attributes."},
    {"dirs", b_dirs, false,
     "dirs [-clpv] [+N] [-N]",
     "Display directory stack."},
    {"disown", b_disown, false,
     "disown [-h] [-ar] [jobspec ... | pid ...]",
     "Remove jobs from current shell."},
    {"echo", b_echo, false,
     "echo [-neE] [arg ...]",
     "Write arguments to the standard output."},
    {"eval", b_eval, true,
     "eval [arg ...]",
     "Execute arguments as a shell command."},
    {"exec", b_exec, true,
     "exec [-cl] [-a name] [command [argument ...]] [redirection ...]",
     "Replace the shell with the given command."},
    {"exit", b_exit, true,
     "exit [n]",
     "Exit the shell."},
    {"export", b_export, true,
     "export [-fn] [name[=value] ...] or export -p",
     "Set export attribute for shell variables."},
    {"false", b_false, false,
     "false",
     "Return an unsuccessful result."},
    {"fg", b_fg, false,
     "fg [job_spec]",
     "Move job to the foreground."},
    {"getopts", b_getopts, false,
     "getopts optstring name [arg ...]",
     "Parse option arguments."},
    {"hash", b_hash, false,
     "hash [-lr] [-p pathname] [-dt] [name ...]",
     "Remember or display program locations."},
    {"help", b_help, false,
     "help [-dms] [pattern ...]",
     "Display information about builtin commands."},
    {"jobs", b_jobs, false,
     "jobs [-lnprs] [jobspec ...] or jobs -x command [args]",
     "Display status of jobs."},
    {"kill", b_kill, false,
     "kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]",
     "Send a signal to a job."},
    {"let", b_let, false,
     "let arg [arg ...]",
     "Evaluate arithmetic expressions."},
    {"local", b_local, false,
     "local [option] name[=value] ...",
     "Define local variables."},
    {"mapfile", b_mapfile, false,
     "mapfile [-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] [-C callback] [-c "
     "quantum] [array]",
     "Read lines from the standard input into an indexed array variable."},
    {"popd", b_popd, false,
     "popd [-n] [+N | -N]",
     "Remove directories from stack."},
    {"printf", b_printf, false,
     "printf [-v var] format [arguments]",
     "Formats and prints ARGUMENTS under control of the FORMAT."},
    {"pushd", b_pushd, false,
     "pushd [-n] [+N | -N | dir]",
     "Add directories to stack."},
    {"pwd", b_pwd, false,
     "pwd [-LP]",
     "Print the name of the current working directory."},
    {"read", b_read, false,
     "read [-ers] [-a array] [-d delim] [-i text] [-n nchars] [-N nchars] [-p prompt] [-t "
     "timeout] [-u fd] [name ...]",
     "Read a line from the standard input and split it into fields."},
    {"readarray", b_mapfile, false,
     "readarray [-d delim] [-n count] [-O origin] [-s count] [-t] [-u fd] [-C callback] [-c "
     "quantum] [array]",
     "Read lines from a file into an array variable."},
    {"readonly", b_readonly, true,
     "readonly [-aAf] [name[=value] ...] or readonly -p",
     "Mark shell variables as unchangeable."},
    {"return", b_return, true,
     "return [n]",
     "Return from a shell function."},
    {"set", b_set, true,
     "set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]",
     "Set or unset values of shell options and positional parameters."},
    {"shift", b_shift, true,
     "shift [n]",
     "Shift positional parameters."},
    {"shopt", b_shopt, false,
     "shopt [-pqsu] [-o] [optname ...]",
     "Set and unset shell options."},
    {"source", b_source, false,
     "source filename [arguments]",
     "Execute commands from a file in the current shell."},
    {"test", b_test, false,
     "test [expr]",
     "Evaluate conditional expression."},
    {"times", b_times, true,
     "times",
     "Display process times."},
    {"trap", b_trap, true,
     "trap [-lp] [[arg] signal_spec ...]",
     "Trap signals and other events."},
    {"true", b_true, false,
     "true",
     "Return a successful result."},
    {"type", b_type, false,
     "type [-afptP] name [name ...]",
     "Display information about command type."},
    {"typeset", b_declare, false,
     "typeset [-aAfFgiIlnrtux] name[=value] ... or typeset -p [-aAfFilnrtux] [name ...]",
     "Set variable values and attributes."},
    {"umask", b_umask, false,
     "umask [-p] [-S] [mode]",
     "Display or set file mode mask."},
    {"unalias", b_unalias, false,
     "unalias [-a] name [name ...]",
     "Remove each NAME from the list of defined aliases."},
    {"unset", b_unset, true,
     "unset [-f] [-v] [-n] [name ...]",
     "Unset values and attributes of shell variables and functions."},
    {"wait", b_wait, false,
     "wait [-fn] [-p var] [id ...]",
     "Wait for job completion and return exit status."},
};

bool sh_builtin_help(sh_state *sh, const sh_builtin *bi, int argc, char **argv, int *status)
{
    if (argc < 2 || strcmp(argv[1], "--help") != 0) return false;
    static const char *const plain[] = {"echo", "test", "[", "true", "false", ":", NULL};
    for (int i = 0; plain[i]; i++)
        if (strcmp(bi->name, plain[i]) == 0) return false;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_buf_printf(&b, "%s: %s\n    %s\n", bi->name, bi->usage, bi->desc);
    out_buf(sh, &b);
    *status = 2;
    return true;
}

static int b_help(sh_state *sh, int argc, char **argv)
{
    bool dflag = false, sflag = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *s = argv[i] + 1; *s; s++) {
            if (*s == 'd') dflag = true;
            else if (*s == 's') sflag = true;
            else if (*s != 'm') {
                sh_builtin_error(sh, "help", "-%c: invalid option", *s);
                sh_usage(sh, "help: usage: help [-dms] [pattern ...]");
                return 2;
            }
        }
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
