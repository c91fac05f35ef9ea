/* eval.c: the evaluator: one switch over node types; simple commands (assignments including
 * arrays, the lookup order function > builtin > PATH, temporary environments, xtrace, exec
 * in place of a fork where bash does it), compound commands, loops with break/continue,
 * select, functions with their locals, set -e as bash applies it. Child processes
 * (pipelines, subshells, background, $(...)) are in jobs.c, [[ ]] in cond.c. */
#include <stdio.h>
#include <string.h>

#include "shell/sh.h"
#include "shell/jobs.h"

void sh_set_status(sh_state *sh, int status)
{
    sh->status = status;
    sh->pipestatus[0] = status;
    sh->npipestatus = 1;
    sh->pstat_dirty = true;
}

/* the shell must stop what it is doing (exit, return, break, a fatal error, death) */
static bool unwinding(sh_state *sh)
{
    return sh->jump != J_NONE || sh->dying || sh->fatal;
}

/* a command failed where set -e counts: run the ERR trap, then maybe exit */
static void check_errexit(sh_state *sh)
{
    if (sh->cond != 0 || sh->status == 0 || sh->jump != J_NONE || sh->in_trap) return;
    /* inside a compound command under ! the ERR trap runs, unless set -e is on (bash) */
    if (sh->bang && sh->opt[O_ERREXIT]) return;
    /* functions inherit the ERR trap only with set -E */
    if (sh->ptraps[SH_TRAP_ERR] && *sh->ptraps[SH_TRAP_ERR] &&
        (sh->func_depth == 0 || sh->opt[O_ERRTRACE]))
        sh_run_trap(sh, sh->ptraps[SH_TRAP_ERR]);
    if (sh->opt[O_ERREXIT] && sh->jump == J_NONE) sh->jump = J_EXIT;
}

/* a fatal shell error in a non-interactive shell ends it (status already set) */
static void fatal_exit(sh_state *sh)
{
    if (sh->fatal && !sh->interactive) {
        sh->jump = J_EXIT;
    }
}

/* ---- xtrace ---- */
static void xtrace_words(sh_state *sh, char **assigns, int na, char **argv, int argc)
{
    if (!sh->opt[O_XTRACE]) return;
    const char *ps4 = sh_var_value(sh, "PS4");
    char *prefix = NULL;
    if (ps4) {
        bool save = sh->opt[O_XTRACE];
        sh->opt[O_XTRACE] = false;
        prefix = sh_expand_heredoc(sh, ps4);
        sh->opt[O_XTRACE] = save;
    }
    sh_buf b;
    sh_buf_init(&b, sh->p);
    /* bash repeats the first character of PS4 once per level of subshell nesting */
    const char *pf = prefix ? prefix : "";
    for (int i = 0; i < sh->xlevel && *pf; i++) sh_buf_addc(&b, pf[0]);
    for (int i = 0; i < na; i++) {
        if (i > 0) {
            sh_buf_addc(&b, '\n');
            for (int k = 0; k < sh->xlevel && *pf; k++) sh_buf_addc(&b, pf[0]);
        }
        sh_buf_adds(&b, pf);
        sh_buf_adds(&b, assigns[i]);
    }
    if (argc > 0) {
        if (na > 0) {
            sh_buf_addc(&b, '\n');
            for (int k = 0; k < sh->xlevel && *pf; k++) sh_buf_addc(&b, pf[0]);
        }
        sh_buf_adds(&b, pf);
        for (int i = 0; i < argc; i++) {
            if (i > 0) sh_buf_addc(&b, ' ');
            sh_quote(&b, argv[i]);
        }
    }
    sh_buf_addc(&b, '\n');
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
    vk_free(sh->p, prefix);
}

void sh_xtrace_line(sh_state *sh, const char *text)
{
    const char *ps4 = sh_var_value(sh, "PS4");
    char *prefix = NULL;
    if (ps4) {
        bool save = sh->opt[O_XTRACE];
        sh->opt[O_XTRACE] = false;
        prefix = sh_expand_heredoc(sh, ps4);
        sh->opt[O_XTRACE] = save;
    }
    const char *pf = prefix ? prefix : "";
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int i = 0; i < sh->xlevel && *pf; i++) sh_buf_addc(&b, pf[0]);
    sh_buf_adds(&b, pf);
    sh_buf_adds(&b, text);
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
    vk_free(sh->p, prefix);
}

/* "+ for x in a "b c"" / "+ case WORD in": bash shows the source words of these */
static void trace_source(sh_state *sh, const char *kw, const char *name, char **words, int nw,
                         bool in)
{
    const char *ps4 = sh_var_value(sh, "PS4");
    sh_buf b;
    sh_buf_init(&b, sh->p);
    const char *pf = ps4 ? ps4 : "";
    for (int i = 0; i < sh->xlevel && *pf; i++) sh_buf_addc(&b, pf[0]);
    sh_buf_adds(&b, pf);
    sh_buf_adds(&b, kw);
    if (name) {
        sh_buf_addc(&b, ' ');
        sh_buf_adds(&b, name);
    }
    if (!name) {
        sh_buf_addc(&b, ' ');
        sh_buf_adds(&b, words[0]);
        sh_buf_adds(&b, " in");
    } else if (in) {
        sh_buf_adds(&b, " in");
        for (int i = 0; i < nw; i++) {
            sh_buf_addc(&b, ' ');
            sh_buf_adds(&b, words[i]);
        }
    } else {
        sh_buf_adds(&b, " in \"$@\"");
    }
    sh_buf_addc(&b, '\n');
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
}

/* ---- functions ---- */
sh_func *sh_func_get(sh_state *sh, const char *name)
{
    for (sh_func *f = sh->funcs; f; f = f->next)
        if (f->name[0] == name[0] && strcmp(f->name, name) == 0) return f;
    return NULL;
}

void sh_func_unref(sh_state *sh, sh_func *f)
{
    if (--f->refs > 0) return;
    sh->cur_cmd = NULL; /* it may point into the body */
    sh_pool_free(&f->pool);
    vk_free(sh->p, f->name);
    vk_free(sh->p, f);
}

static void func_remove(sh_state *sh, const char *name)
{
    for (sh_func **pp = &sh->funcs; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) == 0) {
            sh_func *f = *pp;
            *pp = f->next;
            sh_func_unref(sh, f);
            return;
        }
    }
}

/* bash's check for a function's name (outside posix mode): written without expansions or
 * quotes (f$x() is refused; 12() and a.b() are fine) */
static bool func_name_ok(const char *name) { return !strpbrk(name, "$`'\"\\"); }

int sh_func_define(sh_state *sh, const char *name, sh_node *body)
{
    sh_func *old = sh_func_get(sh, name);
    if (old && old->readonly) {
        sh_error(sh, "%s: readonly function", name);
        return -1;
    }
    sh_func *f = vk_calloc(sh->p, 1, sizeof *f);
    if (!f) return -1;
    f->pool.p = sh->p;
    f->name = vk_strdup(sh->p, name);
    f->body = sh_node_copy(&f->pool, body);
    const char *file = sh->source_depth > 0 ? sh->srcname
                       : sh->cmode                ? "environment"
                       : sh->from_stdin           ? "main" /* bash's name for stdin */
                                                  : sh->arg0;
    if (!file) file = "";
    f->file = sh_pool_strndup(&f->pool, file, strlen(file));
    if (!f->name || !f->body || !f->file) {
        sh_pool_free(&f->pool);
        vk_free(sh->p, f->name);
        vk_free(sh->p, f);
        return -1;
    }
    f->refs = 1;
    /* the export attribute stays with the name, as in bash */
    f->exported = old && old->exported;
    if (f->exported) sh->env_dirty = true;
    func_remove(sh, name);
    f->next = sh->funcs;
    sh->funcs = f;
    return 0;
}

int sh_func_unset(sh_state *sh, const char *name)
{
    sh_func *f = sh_func_get(sh, name);
    if (f && f->readonly) {
        sh_builtin_error(sh, "unset", "%s: cannot unset: readonly function", name);
        return -1;
    }
    if (f && f->exported) sh->env_dirty = true;
    func_remove(sh, name);
    return 0;
}

int sh_call_function(sh_state *sh, sh_func *f, char **argv, int argc)
{
    const vos_limits *lim = vk_limits(sh->p);
    uint64_t max = lim && lim->call_depth ? lim->call_depth : 1000;
    const char *fn = sh_var_value(sh, "FUNCNEST");
    int64_t fnest;
    bool by_funcnest = false;
    if (fn && sh_parse_int(fn, &fnest) && fnest > 0 && (uint64_t)fnest < max) {
        max = (uint64_t)fnest;
        by_funcnest = true;
    }
    if ((uint64_t)sh->func_depth >= max) {
        sh_error(sh, "%s: maximum function nesting level exceeded (%llu)", f->name,
                 (unsigned long long)max);
        /* FUNCNEST is the script's own choice; the VM limit is reported as a limit */
        if (!by_funcnest) vk_limit_hit(sh->p, VOS_EDEPTH);
        sh_set_status(sh, 1);
        /* like bash, abandon the whole call chain */
        sh->fatal = true;
        sh->jump = J_EXIT;
        return 1;
    }
    char **newpos = vk_calloc(sh->p, (size_t)argc, sizeof *newpos);
    if (!newpos) return 1;
    for (int i = 1; i < argc; i++) {
        newpos[i - 1] = vk_strdup(sh->p, argv[i]);
        if (!newpos[i - 1]) {
            for (int k = 1; k < i; k++) vk_free(sh->p, newpos[k - 1]);
            vk_free(sh->p, newpos);
            return 1;
        }
    }
    char **oldpos = sh->pos;
    int oldn = sh->npos;
    int oldloop = sh->loop_depth;
    sh->pos = newpos;
    sh->npos = argc - 1;
    sh->loop_depth = 0;
    f->refs++;
    sh->func_depth++;
    int save_call_line = sh->call_line;
    sh->call_line = sh->lineno;
    sh_frame_push(sh, f->name, f->file ? f->file : "", sh->lineno);
    /* functions inherit the RETURN trap only with set -T, as in bash; one the function sets
     * runs when it returns, and stays */
    char *outer_ret = NULL;
    bool hide_ret = !sh->opt[O_FUNCTRACE];
    if (hide_ret) {
        outer_ret = sh->ptraps[SH_TRAP_RETURN];
        sh->ptraps[SH_TRAP_RETURN] = NULL;
    }
    struct sh_localopt lo = {.saved = false}, *outer_lo = sh->localopt;
    sh->localopt = &lo;
    /* set -T: the DEBUG trap runs once more as the function starts (BASH_COMMAND still the
     * call), as bash does */
    if (sh->opt[O_FUNCTRACE] && sh->ptraps[SH_TRAP_DEBUG] && *sh->ptraps[SH_TRAP_DEBUG] &&
        !sh->in_trap)
        sh_run_trap(sh, sh->ptraps[SH_TRAP_DEBUG]);
    /* a redirection of the body (f() { ...; } >x) that fails names the definition's line */
    sh->body_node = f->body;
    int st = sh->jump == J_NONE ? sh_eval(sh, f->body) : sh->status;
    sh->body_node = NULL;
    sh->localopt = outer_lo;
    if (lo.saved) memcpy(sh->opt, lo.opt, sizeof sh->opt);
    bool returned = sh->jump == J_RETURN;
    if (sh->jump == J_RETURN) {
        sh->jump = J_NONE;
        st = sh->status;
    }
    if (sh->ptraps[SH_TRAP_RETURN] && *sh->ptraps[SH_TRAP_RETURN] && !sh->in_trap &&
        sh->jump == J_NONE) {
        sh->status = returned ? 0 : st; /* after `return N` bash shows the trap $? = 0 */
        sh_run_trap(sh, sh->ptraps[SH_TRAP_RETURN]);
    }
    if (hide_ret) {
        if (sh->ptraps[SH_TRAP_RETURN])
            vk_free(sh->p, outer_ret);
        else
            sh->ptraps[SH_TRAP_RETURN] = outer_ret;
    }
    sh_vars_pop_level(sh, sh->func_depth);
    sh->func_depth--;
    sh->call_line = save_call_line;
    sh_frame_pop(sh);
    sh_func_unref(sh, f);
    for (int i = 0; i < sh->npos; i++) vk_free(sh->p, sh->pos[i]);
    vk_free(sh->p, sh->pos);
    sh->pos = oldpos;
    sh->npos = oldn;
    sh->loop_depth = oldloop;
    return st;
}

/* ---- PATH ---- */
/* find_external's status when command_not_found_handle is to run instead of the message */
#define CNF_HANDLER 1000

char *sh_path_search(sh_state *sh, const char *name)
{
    const char *path = sh_var_value(sh, "PATH");
    if (!path) path = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.";
    char *noexec = NULL;
    const char *s = path;
    for (;;) {
        const char *e = strchr(s, ':');
        size_t dl = e ? (size_t)(e - s) : strlen(s);
        char buf[VK_PATH_MAX];
        int n;
        if (dl == 0) /* an empty entry is the current directory */
            n = snprintf(buf, sizeof buf, "./%s", name);
        else
            n = snprintf(buf, sizeof buf, "%.*s/%s", (int)dl, s, name);
        if (n > 0 && (size_t)n < sizeof buf) {
            struct vk_stat st;
            if (vk_stat(sh->p, buf, &st) == 0 && !VK_S_ISDIR(st.mode)) {
                if (vk_access(sh->p, buf, VK_X_OK) == 0) {
                    vk_free(sh->p, noexec);
                    return vk_strdup(sh->p, buf);
                }
                if (!noexec) noexec = vk_strdup(sh->p, buf);
            }
        }
        if (!e) break;
        s = e + 1;
    }
    return noexec;
}

/* ---- running an external command ---- */
typedef struct exec_arg {
    const char *path;
    const char *name;
    char **argv;
    char **envp;
    char prefix[300]; /* "bash: line 3: " */
} exec_arg;

/* vk_execve and, when it returns, bash's message for the failure: the status */
static int exec_or_report(vk_proc *p, exec_arg *ea)
{
    int rc = vk_execve(p, ea->path, ea->argv, ea->envp);
    char msg[600];
    int status = 126;
    const char *what;
    switch (rc) {
    case VOS_ENOENT:
        status = 127;
        what = "No such file or directory";
        break;
    case VOS_ENOEXEC:
        what = "cannot execute binary file: Exec format error";
        break;
    default:
        what = sh_strerror(rc);
    }
    snprintf(msg, sizeof msg, "%s%s: %s\n", ea->prefix, ea->name, what);
    vk_write(p, 2, msg, strlen(msg));
    return status;
}

static int exec_entry(vk_proc *p, void *arg) { return exec_or_report(p, arg); }

static void msg_prefix(sh_state *sh, char *buf, size_t n)
{
    const char *src = (sh->cmode && sh->func_depth > 0) ? "environment"
                                                         : (sh->srcname ? sh->srcname : "bash");
    snprintf(buf, n, sh->shopt[SO_GNU_ERRFMT] ? "%s:%d: " : "%s: line %d: ", src, sh->lineno);
}

/* the path of an external command (an arena string), or NULL after bash's message and *status
 * set; exec_builtin: the messages of `exec cmd` */
static char *find_external(sh_state *sh, const char *name, bool exec_builtin, int *status)
{
    char *abs = NULL;
    if (exec_builtin && strchr(name, '/') && name[0] != '/') {
        /* exec names a relative path by its absolute form in messages ($PWD/path) */
        const char *pwd = sh_var_value(sh, "PWD");
        const char *rel = name[0] == '.' && name[1] == '/' ? name + 2 : name;
        size_t l = strlen(pwd ? pwd : "") + strlen(rel) + 2;
        abs = vk_malloc(sh->p, l);
        if (abs) {
            snprintf(abs, l, "%s/%s", pwd ? pwd : "", rel);
            name = abs;
        }
    }
    if (strchr(name, '/')) {
        struct vk_stat st;
        if (vk_stat(sh->p, name, &st) == 0 && VK_S_ISDIR(st.mode)) {
            sh_error(sh, "%s: Is a directory", name);
            if (exec_builtin) sh_error(sh, "exec: %s: cannot execute: Is a directory", name);
            *status = 126;
            vk_free(sh->p, abs);
            return NULL;
        }
        char *path = abs ? abs : vk_strdup(sh->p, name);
        if (!path) *status = 1;
        return path;
    }
    const char *hashed = sh_hash_find(sh, name);
    struct vk_stat hst;
    /* checkhash: a hashed path that is gone means a new search */
    if (hashed && sh->shopt[SO_CHECKHASH] &&
        (vk_stat(sh->p, hashed, &hst) != 0 || VK_S_ISDIR(hst.mode)))
        hashed = NULL;
    if (hashed) {
        /* bash runs the hashed path and counts the hit */
        for (sh_hashent *e = sh->hashtab; e; e = e->next)
            if (strcmp(e->name, name) == 0) e->hits++;
        char *path = vk_strdup(sh->p, hashed);
        if (!path) *status = 1;
        return path;
    }
    char *path = sh_path_search(sh, name);
    if (path) sh_hash_add(sh, name, path, 1);
    if (!path) {
        *status = 127;
        if (!exec_builtin && sh_func_get(sh, "command_not_found_handle")) {
            *status = CNF_HANDLER; /* the caller runs it */
            return NULL;
        }
        if (exec_builtin)
            sh_error(sh, "exec: %s: not found", name);
        else
            sh_error(sh, "%s: command not found", name);
    }
    return path;
}

static bool traps_set(sh_state *sh)
{
    if (sh->exit_trap) return true;
    for (int i = 0; i < 3; i++)
        if (sh->ptraps[i]) return true;
    for (int i = 1; i < VK_NSIG; i++)
        if (sh->traps[i] && *sh->traps[i]) return true;
    return false;
}

/* replace: run the command in this process (vk_execve), as exec does and as bash does with the
 * last command of a process of its own; returns only when that fails */
/* bash lowers SHLVL when the shell gives its process to a command (exec, or the last command
 * of a -c string), so the command sees the level of the shell's parent; raised back when the
 * exec fails */
static void shlvl_add(sh_state *sh, int d)
{
    const char *lvl = sh_var_value(sh, "SHLVL");
    int64_t n = 0;
    if (!lvl || !sh_parse_int(lvl, &n)) n = 0;
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)(n + d));
    sh_var_set(sh, "SHLVL", num, VF_EXPORT);
}

/* envp (built with a spare slot) with _ set to the command's path, as bash passes it */
static void env_set_underscore(sh_state *sh, char **envp, const char *path)
{
    size_t len = strlen(path) + 3;
    char *kv = vk_malloc(sh->p, len);
    if (!kv) return;
    snprintf(kv, len, "_=%s", path);
    size_t i = 0;
    for (; envp[i]; i++) {
        if (envp[i][0] == '_' && envp[i][1] == '=') {
            vk_free(sh->p, envp[i]);
            envp[i] = kv;
            return;
        }
    }
    envp[i] = kv;
    envp[i + 1] = NULL;
}

static int run_external(sh_state *sh, char **argv, int argc, char **assigns, int nassigns,
                        bool replace)
{
    int status = 1;
    char *path = find_external(sh, argv[0], false, &status);
    if (!path && status == CNF_HANDLER) return sh_run_cnf(sh, argv, argc);
    if (!path) return status;
    /* without assignments the command gets the process environment as it is (kept in step
     * with the exported variables), which costs no copy here */
    char **envp = NULL;
    if (replace) shlvl_add(sh, -1);
    if (nassigns) {
        envp = sh_env_build(sh, assigns, nassigns);
        if (!envp) {
            if (replace) shlvl_add(sh, 1);
            vk_free(sh->p, path);
            return 1;
        }
        env_set_underscore(sh, envp, path);
    } else {
        sh_env_sync(sh);
        vk_setenv(sh->p, "_", path);
        sh->env_dirty = true; /* the next sync puts back the shell's own _ */
    }
    exec_arg ea = {.path = path, .name = argv[0], .argv = argv, .envp = envp};
    msg_prefix(sh, ea.prefix, sizeof ea.prefix);
    if (replace) {
        status = exec_or_report(sh->p, &ea);
        shlvl_add(sh, 1);
    } else {
        vk_proc *child;
        int rc = vk_proc_new(sh->p, &child);
        if (rc < 0) {
            sh_error(sh, "fork: %s", sh_strerror(rc));
            status = 254;
        } else {
            int pid = vk_getpid(child);
            int ws = vk_proc_run(child, exec_entry, &ea);
            status = ws < 0 ? 126 : VK_WSHELL(ws);
            sh_notify_signal(sh, ws, pid, sh->cur_cmd, NULL, false);
        }
    }
    sh_env_free(sh, envp);
    vk_free(sh->p, path);
    return status;
}

int sh_exec_replace(sh_state *sh, char **argv, const char *argv0, bool clear_env)
{
    int status = 1;
    char *path = find_external(sh, argv[0], true, &status);
    if (!path) return status;
    char *none[] = {NULL};
    char **envp = clear_env ? none : NULL;
    shlvl_add(sh, -1);
    if (!clear_env) sh_env_sync(sh);
    const char *name = strchr(argv[0], '/') ? path : argv[0];
    char *save0 = argv[0];
    if (argv0) argv[0] = (char *)argv0;
    exec_arg ea = {.path = path, .name = name, .argv = argv, .envp = envp};
    msg_prefix(sh, ea.prefix, sizeof ea.prefix);
    status = exec_or_report(sh->p, &ea);
    shlvl_add(sh, 1);
    argv[0] = save0;
    if (status == 126) {
        int rc = vk_access(sh->p, path, VK_X_OK);
        sh_error(sh, "exec: %s: cannot execute: %s", name,
                 sh_strerror(rc < 0 ? rc : VOS_EACCES));
    }
    vk_free(sh->p, path);
    return status;
}

/* ---- simple commands ---- */
/* The value an assignment stores: val, or old followed by val with +=; for an integer
 * variable the arithmetic value of val, plus old's with +=. NULL after an arithmetic error
 * (reported) or out of memory; the caller frees it. */
static char *assigned_value(sh_state *sh, bool integer, const char *old, const char *val,
                            bool append)
{
    if (integer) {
        int64_t a = 0, b = 0;
        if (append && old) sh_arith(sh, old, &a);
        if (sh_arith(sh, val, &b)) return NULL;
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)(int64_t)((uint64_t)a + (uint64_t)b));
        return vk_strdup(sh->p, num);
    }
    if (!append || !old) return vk_strdup(sh->p, val);
    size_t ol = strlen(old);
    char *joined = vk_malloc(sh->p, ol + strlen(val) + 1);
    if (!joined) return NULL;
    memcpy(joined, old, ol);
    strcpy(joined + ol, val);
    return joined;
}

/* a[idx]=val / a[idx]+=val on an indexed array v */
static int elem_set_idx(sh_state *sh, sh_var *v, int64_t idx, const char *val, bool append)
{
    char *nv = assigned_value(sh, v->flags & VF_INTEGER, sh_array_get(v, idx), val, append);
    if (!nv) return -1;
    int rc = sh_array_set(sh, v, idx, nv);
    vk_free(sh->p, nv);
    return rc;
}

/* m[key]=val / m[key]+=val on an associative array (key already expanded) */
static int sh_assign_elem_key(sh_state *sh, sh_var *v, const char *key, const char *val,
                              bool append)
{
    char *nv = assigned_value(sh, v->flags & VF_INTEGER, sh_assoc_get(v, key), val, append);
    if (!nv) return -1;
    int rc = sh_assoc_set(sh, v, key, nv);
    vk_free(sh->p, nv);
    return rc;
}

/* set one element (a[i]=v, m[k]=v); sub is the subscript's source text */
int sh_assign_elem(sh_state *sh, const char *name, const char *sub, const char *val,
                   bool append)
{
    sh_var *v = sh_var_get(sh, name);
    if (v && (v->flags & VF_READONLY)) {
        sh_error(sh, "%s: readonly variable", name);
        return -1;
    }
    char *subx = sh_expand_word(sh, sub);
    if (!subx) return -1;
    if (v && (v->flags & VF_ASSOC)) {
        int rc = sh_assign_elem_key(sh, v, subx, val, append);
        sh_var_touch(sh, v);
        vk_free(sh->p, subx);
        return rc;
    }
    int64_t idx = 0;
    int rc = sh_arith(sh, subx, &idx);
    vk_free(sh->p, subx);
    if (rc) return -1;
    v = sh_var_get(sh, name); /* the subscript may have made it (b[b[0]=1]=x) */
    if (!v) v = sh_array_new(sh, name);
    if (!v) return -1;
    if (idx < 0) {
        int64_t n = (v->flags & VF_ARRAY) && v->narr ? v->arr[v->narr - 1].idx + 1
                                                      : (v->val ? 1 : 0);
        if (idx + n < 0) {
            sh_error(sh, "%s[%s]: bad array subscript", name, sub);
            sh->bad_subscript = true;
            return -1;
        }
        idx += n;
    }
    return elem_set_idx(sh, v, idx, val, append);
}

/* "[sub]=value" / "[sub]+=value" in a compound assignment: the offsets of ] and = */
static bool list_elem_key(const char *w, size_t *close, size_t *eq)
{
    if (w[0] != '[') return false;
    size_t i = sh_subscript_end(w);
    if (!i) return false;
    size_t e = i + 1;
    if (w[e] == '+') e++;
    if (w[e] != '=') return false;
    *close = i;
    *eq = e;
    return true;
}

/* the expanded elements of a compound assignment, before any is stored: the list may use
 * the variable it replaces (a=("${a[@]}" x)) */
typedef struct list_elem {
    char *key;     /* [key]=: the expanded subscript; NULL for a plain word */
    char *val;
    bool append;   /* [key]+= */
} list_elem;

/* the end of a quoted string or escape at s[i] (the index after it), or i when none starts */
static size_t skip_quoted(const char *s, size_t i)
{
    if (s[i] == '\\') return s[i + 1] ? i + 2 : i + 1;
    if (s[i] != '\'' && s[i] != '"') return i;
    char q = s[i++];
    for (; s[i] && s[i] != q; i++)
        if (q == '"' && s[i] == '\\' && s[i + 1]) i++;
    return s[i] ? i + 1 : i;
}

/* "_ " and the list with the blanks of each [sub]= key escaped, so that the parser keeps
 * ([a b]=1 [i + 1]=2) as two words, as bash reads them */
static char *protect_keys(sh_state *sh, const char *list)
{
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_buf_add(&b, "_ ", 2);
    bool start = true;
    for (size_t i = 0; list[i];) {
        char c = list[i];
        if (start && c == '[') {
            /* find the matching ] followed by = or += on this line */
            size_t k = i, close = 0;
            int depth = 0, paren = 0;
            for (; list[k] && list[k] != '\n'; k++) {
                size_t e = skip_quoted(list, k);
                if (e != k) {
                    k = e - 1;
                    continue;
                }
                if (list[k] == '(') paren++;
                if (list[k] == ')') paren--;
                if (list[k] == '[') depth++;
                if (list[k] == ']' && --depth == 0) {
                    size_t a = k + 1;
                    if (list[a] == '+') a++;
                    if (list[a] == '=') close = k;
                    break;
                }
            }
            if (close) {
                paren = 0;
                for (size_t j = i; j <= close;) {
                    size_t e = skip_quoted(list, j);
                    if (e != j) {
                        sh_buf_add(&b, list + j, e - j);
                        j = e;
                        continue;
                    }
                    if (list[j] == '(') paren++;
                    if (list[j] == ')') paren--;
                    if ((list[j] == ' ' || list[j] == '\t') && paren == 0) sh_buf_addc(&b, '\\');
                    sh_buf_addc(&b, list[j++]);
                }
                i = close + 1;
                start = false;
                continue;
            }
        }
        size_t e = skip_quoted(list, i);
        if (e != i) {
            sh_buf_add(&b, list + i, e - i);
            i = e;
            start = false;
            continue;
        }
        sh_buf_addc(&b, c);
        start = c == ' ' || c == '\t' || c == '\n' || c == '(';
        i++;
    }
    return sh_buf_take(&b);
}

static int assign_list_core(sh_state *sh, const char *name, const char *list, bool append,
                            int kind);

int sh_assign_list(sh_state *sh, const char *name, const char *list, bool append, int kind)
{
    int rc = assign_list_core(sh, name, list, append, kind);
    sh_var *v = rc == 0 ? sh_var_get(sh, name) : NULL;
    if (v) v->flags &= ~VF_INVISIBLE; /* assigned, if only an empty list */
    return rc;
}

static int assign_list_core(sh_state *sh, const char *name, const char *list, bool append,
                            int kind)
{
    /* the list is split into words by the parser (as the arguments of a dummy command) */
    char *text = protect_keys(sh, list);
    if (!text) return -1;
    sh_parser *ps = sh_parser_new(sh, text, strlen(text), sh->lineno);
    vk_free(sh->p, text);
    if (!ps) return -1;
    sh_pool pool = {.p = sh->p};
    sh_node *node = NULL;
    int prc = sh_parse_next(ps, &pool, &node);
    sh_parser_free(ps);
    if (prc != PARSE_OK || !node || node->type != N_SIMPLE || node->nwords < 1) {
        sh_pool_free(&pool);
        return -1;
    }
    sh_var *v = sh_var_get(sh, name);
    if (v && (v->flags & VF_READONLY)) {
        sh_error(sh, "%s: readonly variable", name);
        sh_pool_free(&pool);
        return -1;
    }
    list_elem *el = NULL;
    size_t nel = 0, cap = 0;
    int rc = 0;
    for (int i = 1; rc == 0 && i < node->nwords; i++) {
        const char *w = node->words[i];
        size_t close, eq;
        char **f = NULL;
        int nf = 0;
        char *key = NULL, *val = NULL;
        bool keyed = list_elem_key(w, &close, &eq);
        if (keyed) {
            char *sub = vk_strndup(sh->p, w + 1, close - 1);
            key = sub ? sh_expand_word(sh, sub) : NULL;
            val = key ? sh_expand_str(sh, w + eq + 1) : NULL;
            vk_free(sh->p, sub);
            if (!key || !val) rc = -1;
            nf = 1;
        } else if (sh_expand_words(sh, &node->words[i], 1, &f, &nf) != 0) {
            rc = -1;
        }
        if (rc == 0 && nel + (size_t)nf > cap) {
            size_t nc = (nel + (size_t)nf) * 2 + 8;
            list_elem *ne = vk_realloc(sh->p, el, nc * sizeof *ne);
            if (!ne) rc = -1;
            else {
                el = ne;
                cap = nc;
            }
        }
        if (rc == 0 && keyed) {
            el[nel++] = (list_elem){key, val, eq > close + 1};
            key = val = NULL;
        } else if (rc == 0) {
            for (int k = 0; k < nf; k++) el[nel++] = (list_elem){NULL, f[k], false};
            vk_free(sh->p, f);
            f = NULL;
        }
        vk_free(sh->p, key);
        vk_free(sh->p, val);
        if (f) sh_fields_free(sh, f);
    }
    sh_pool_free(&pool);
    bool assoc = kind == VF_ASSOC || (kind == 0 && v && (v->flags & VF_ASSOC));
    int64_t next = 0;
    if (rc == 0) {
        v = sh_var_get(sh, name);
        if (append && v && (v->flags & VF_ARRAY) && v->narr)
            next = v->arr[v->narr - 1].idx + 1;
        else if (append && v && !(v->flags & (VF_ARRAY | VF_ASSOC)) && v->val)
            next = 1;
        if (!append || !v || (assoc != ((v->flags & VF_ASSOC) != 0))) {
            int keep = v ? v->flags & (VF_EXPORT | VF_INTEGER | VF_LOWER | VF_UPPER |
                                       VF_CAPCASE)
                         : 0;
            v = assoc ? sh_assoc_new(sh, name) : sh_array_new(sh, name);
            if (v) v->flags |= keep;
            next = 0;
        }
        if (!v) rc = -1;
        else v->flags &= ~VF_INVISIBLE; /* b+=() assigns, if nothing */
    }
    const char *pending_key = NULL; /* assoc lists may also be "key value key value" */
    /* ... when their first word has no [key]=: then every word is a key or a value */
    bool kv = assoc && nel > 0 && !el[0].key;
    for (size_t i = 0; rc == 0 && i < nel; i++) {
        list_elem *e = &el[i];
        if (e->key && !assoc) {
            int64_t idx = 0;
            if (sh_arith(sh, e->key, &idx) != 0) {
                rc = -1;
                break;
            }
            if (idx < 0) idx += next;
            rc = elem_set_idx(sh, v, idx, e->val, e->append);
            next = idx + 1;
        } else if (e->key) {
            rc = sh_assign_elem_key(sh, v, e->key, e->val, e->append);
        } else if (!assoc) {
            rc = elem_set_idx(sh, v, next++, e->val, false);
        } else if (!kv) {
            /* declare's words still carry their quotes in bash's message */
            if (kind)
                sh_error(sh, "%s: '%s': must use subscript when assigning associative array",
                         name, e->val);
            else
                sh_error(sh, "%s: %s: must use subscript when assigning associative array",
                         name, e->val);
        } else if (!pending_key) {
            pending_key = e->val;
        } else {
            rc = sh_assign_elem_key(sh, v, pending_key, e->val, false);
            pending_key = NULL;
        }
    }
    if (pending_key && rc == 0) rc = sh_assoc_set(sh, v, pending_key, "");
    for (size_t i = 0; i < nel; i++) {
        vk_free(sh->p, el[i].key);
        vk_free(sh->p, el[i].val);
    }
    vk_free(sh->p, el);
    return rc;
}

/* assignment word "name=value" / "name+=value" / "name[i]=value" / "name=(list)" */
/* Is the target of assignment word w (name=, name+=, name[...]=) readonly? */
static bool assign_to_readonly(sh_state *sh, const char *w)
{
    size_t n = strcspn(w, "[+=");
    char name[256];
    if (n >= sizeof name) return false;
    memcpy(name, w, n);
    name[n] = 0;
    sh_var *v = sh_var_get(sh, name);
    return v && (v->flags & VF_READONLY);
}

static int do_assign(sh_state *sh, const char *w, bool temp)
{
    const char *eq = sh_assign_eq(w);
    if (!eq) eq = strchr(w, '=');
    size_t nl = (size_t)(eq - w);
    bool append = nl > 0 && w[nl - 1] == '+';
    if (append) nl--;
    char name[256];
    if (nl >= sizeof name) return -1;
    memcpy(name, w, nl);
    name[nl] = 0;
    const char *rhs = eq + 1;
    char *br = strchr(name, '[');
    size_t rl = strlen(rhs);
    if (!temp && !br && rhs[0] == '(' && rl >= 2 && rhs[rl - 1] == ')') {
        char *inner = vk_strndup(sh->p, rhs + 1, rl - 2);
        if (!inner) return -1;
        int rc = sh_assign_list(sh, name, inner, append, 0);
        vk_free(sh->p, inner);
        return rc;
    }
    char *val = sh_expand_str(sh, rhs);
    if (!val) return -1;
    int rc;
    if (br) {
        char *close = strrchr(br, ']');
        if (!close) {
            vk_free(sh->p, val);
            return -1;
        }
        *br = 0;
        *close = 0;
        rc = sh_assign_elem(sh, name, br + 1, val, append);
        vk_free(sh->p, val);
        return rc;
    }
    sh_var *v = sh_var_get(sh, name);
    if (append && !temp) {
        rc = sh_var_append(sh, name, val);
        if (rc <= 0) {
            vk_free(sh->p, val);
            return rc;
        }
    }
    if (append || (v && (v->flags & VF_INTEGER))) {
        bool integer = v && (v->flags & VF_INTEGER);
        char *nv = assigned_value(sh, integer, sh_var_value(sh, name), val, append);
        vk_free(sh->p, val);
        if (!nv) return -1;
        /* an integer variable is set where it lives, even before a command (as before) */
        if (integer) {
            rc = sh_var_set(sh, name, nv, 0);
            vk_free(sh->p, nv);
            return rc;
        }
        val = nv;
    }
    if (temp)
        rc = sh_tempenv_push(sh, name, val);
    else
        rc = sh_var_set(sh, name, val, 0);
    vk_free(sh->p, val);
    return rc;
}

/* expanded assignment strings ("k=v") for an external command's environment */
/* with push, each value is also made a temporary variable as soon as it is known, so the
 * next assignments and the command search see it (a=1 b=$a cmd; PATH=... cmd); the caller
 * pops them */
static char **expand_assigns_env_(sh_state *sh, char **assigns, int n, bool push)
{
    char **out = vk_calloc(sh->p, (size_t)n + 1, sizeof *out);
    if (!out) return NULL;
    for (int i = 0; i < n; i++) {
        const char *eq = sh_assign_eq(assigns[i]);
        if (!eq) eq = strchr(assigns[i], '=');
        size_t nl = (size_t)(eq - assigns[i]);
        bool append = nl > 0 && assigns[i][nl - 1] == '+';
        char *val = sh_expand_str(sh, eq + 1);
        if (!val) {
            sh_env_free(sh, out);
            return NULL;
        }
        size_t kl = append ? nl - 1 : nl;
        const char *old = NULL;
        char nm[256];
        snprintf(nm, sizeof nm, "%.*s", (int)kl, assigns[i]);
        sh_var *rv = sh_var_get(sh, nm);
        if (rv && (rv->flags & VF_READONLY)) {
            /* bash reports it and the command sees the variable's own value */
            sh_error(sh, "%s: readonly variable", nm);
            const char *cur = sh_var_value(sh, nm);
            char *keep = vk_strdup(sh->p, cur ? cur : "");
            vk_free(sh->p, val);
            if (!keep) {
                sh_env_free(sh, out);
                return NULL;
            }
            val = keep;
            append = false;
        }
        if (append) old = sh_var_value(sh, nm);
        size_t len = kl + 1 + (old ? strlen(old) : 0) + strlen(val) + 1;
        out[i] = vk_malloc(sh->p, len);
        if (!out[i]) {
            vk_free(sh->p, val);
            sh_env_free(sh, out);
            return NULL;
        }
        snprintf(out[i], len, "%.*s=%s%s", (int)kl, assigns[i], old ? old : "", val);
        vk_free(sh->p, val);
        if (push && !(rv && (rv->flags & VF_READONLY)) && sh_is_name(nm, strlen(nm)))
            sh_tempenv_push(sh, nm, out[i] + kl + 1);
    }
    return out;
}

static char **expand_assigns_env(sh_state *sh, char **assigns, int n)
{
    return expand_assigns_env_(sh, assigns, n, false);
}

/* declare, local, export, readonly, typeset: their name=value arguments expand as
 * assignments do (no splitting, no globbing; a list is left to the builtin, SH_RAW_LIST) */
static bool is_decl_cmd(const char *w)
{
    return !strcmp(w, "declare") || !strcmp(w, "local") || !strcmp(w, "export") ||
           !strcmp(w, "readonly") || !strcmp(w, "typeset");
}

/* NAME=value of a declaration builtin: the value expanded as an assignment's (no splitting
 * or globbing); a NAME=(list) is passed raw, marked, for the builtin to parse. */
static char *decl_assign_word(sh_state *sh, const char *w)
{
    const char *eq = sh_assign_eq(w);
    if (!eq) eq = strchr(w, '=');
    const char *val = eq + 1;
    size_t vl = strlen(val);
    bool list = val[0] == '(' && vl >= 2 && val[vl - 1] == ')';
    if (list && !memchr(w, '[', (size_t)(eq - w))) {
        size_t l = strlen(w);
        char *a = vk_malloc(sh->p, l + 2);
        if (a) {
            a[0] = SH_RAW_LIST;
            memcpy(a + 1, w, l + 1);
        }
        return a;
    }
    char *x = sh_expand_str(sh, val);
    if (!x) return NULL;
    size_t nl = (size_t)(eq - w) + 1, xl = strlen(x);
    char *a = vk_malloc(sh->p, nl + xl + 1);
    if (a) {
        memcpy(a, w, nl);
        memcpy(a + nl, x, xl + 1);
    }
    vk_free(sh->p, x);
    return a;
}

static bool decl_is_list(const char *w)
{
    const char *eq = sh_assign_eq(w);
    if (!eq) eq = strchr(w, '=');
    size_t vl = strlen(eq + 1);
    return eq[1] == '(' && vl >= 2 && eq[vl] == ')';
}

/* the words of a declaration builtin; *raws (NULL-terminated, not owning) lists the fields
 * that are SH_RAW_LIST lists */
static int expand_decl_words(sh_state *sh, char **words, int nwords, char ***fields, int *nf,
                             char ***raws)
{
    char **out = vk_calloc(sh->p, (size_t)nwords + 1, sizeof *out);
    char **rl = vk_calloc(sh->p, (size_t)nwords + 1, sizeof *rl);
    if (!out || !rl) {
        vk_free(sh->p, out);
        vk_free(sh->p, rl);
        return -1;
    }
    int n = 0, cap = nwords, nr = 0;
    for (int i = 0; i < nwords; i++) {
        const char *w = words[i];
        char **bw = NULL;
        size_t nb = 1;
        /* declare n={1..3}: the braces expand first, into n=1 n=2 n=3, as bash does */
        if (i > 0 && sh_is_assignment(w) && sh->opt[O_BRACEEXPAND] && !decl_is_list(w) &&
            strchr(w, '{')) {
            bw = sh_brace_words(sh, w, &nb);
            if (!bw) goto fail;
        }
        for (size_t b = 0; b < nb; b++) {
            const char *ww = bw ? bw[b] : w;
            if (bw && nb > 1 && !*ww) continue;
            char **f = NULL;
            int k = 1;
            char *a = NULL;
            if (i > 0 && sh_is_assignment(ww)) {
                a = decl_assign_word(sh, ww);
                if (!a) {
                    sh_fields_free(sh, bw);
                    goto fail;
                }
            } else if (sh_expand_words(sh, (char **)&ww, 1, &f, &k) != 0) {
                sh_fields_free(sh, bw);
                goto fail;
            }
            if (n + k + (nwords - i) > cap) {
                int nc = n + k + (nwords - i) + 8;
                char **no = vk_realloc(sh->p, out, (size_t)(nc + 1) * sizeof *no);
                if (!no) {
                    vk_free(sh->p, a);
                    sh_fields_free(sh, f);
                    sh_fields_free(sh, bw);
                    goto fail;
                }
                out = no;
                cap = nc;
            }
            if (a) {
                /* only a list starts with the mark (an assignment starts with its name) */
                if (a[0] == SH_RAW_LIST && nr < nwords) rl[nr++] = a;
                out[n++] = a;
            } else {
                for (int j = 0; j < k; j++) out[n++] = f[j];
                vk_free(sh->p, f);
            }
        }
        sh_fields_free(sh, bw);
    }
    out[n] = NULL;
    *fields = out;
    *nf = n;
    *raws = rl;
    return 0;
fail:
    out[n] = NULL;
    sh_fields_free(sh, out);
    vk_free(sh->p, rl);
    return -1;
}

static int simple_words(sh_state *sh, sh_node *n, char **words, int nwords, char **assigns,
                        int nassigns);

static int eval_simple(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    sh->cmd_seq++;
    if (!sh->in_trap) sh->cur_cmd = n;
    if (sh->ptraps[SH_TRAP_DEBUG] && *sh->ptraps[SH_TRAP_DEBUG] && !sh->in_trap &&
        (sh->func_depth == 0 || sh->opt[O_FUNCTRACE])) {
        sh_run_trap(sh, sh->ptraps[SH_TRAP_DEBUG]);
        if (sh->jump != J_NONE) return sh->status;
    }
    /* set -k: assignment words after the command name go to its environment too */
    char **words = n->words, **assigns = n->assigns, **kw = NULL;
    int nwords = n->nwords, nassigns = n->nassigns;
    if (sh->opt[O_KEYWORD] && n->nwords > 1 && !is_decl_cmd(n->words[0])) {
        int k = 0;
        for (int i = 1; i < n->nwords; i++) k += sh_is_assignment(n->words[i]);
        kw = k ? vk_calloc(sh->p, (size_t)(n->nwords + n->nassigns + k) + 2, sizeof *kw) : NULL;
        if (kw) {
            words = kw;
            assigns = kw + n->nwords + 1;
            nwords = nassigns = 0;
            words[nwords++] = n->words[0];
            for (int i = 0; i < n->nassigns; i++) assigns[nassigns++] = n->assigns[i];
            for (int i = 1; i < n->nwords; i++) {
                if (sh_is_assignment(n->words[i]))
                    assigns[nassigns++] = n->words[i];
                else
                    words[nwords++] = n->words[i];
            }
        }
    }
    int st = simple_words(sh, n, words, nwords, assigns, nassigns);
    vk_free(sh->p, kw);
    return st;
}

static int simple_words(sh_state *sh, sh_node *n, char **words, int nwords, char **assigns,
                        int nassigns)
{
    char **argv = NULL;
    int argc = 0;
    /* a command that expands to nothing has the status of its last command substitution,
     * in its words or in its assignments */
    sh->subst_ran = false;
    char **raws = NULL;
    int xrc = nwords > 1 && is_decl_cmd(words[0])
                  ? expand_decl_words(sh, words, nwords, &argv, &argc, &raws)
                  : sh_expand_words(sh, words, nwords, &argv, &argc);
    if (xrc != 0) {
        if (!sh->fatal && sh->status == 0) sh->status = 1;
        sh->fatal = true;
        fatal_exit(sh);
        return sh->status;
    }
    int status = 0;
    if (argc == 0) {
        /* assignments only (and redirections, done in a scratch context) */
        int st = 0;
        for (int i = 0; i < n->nassigns; i++) {
            sh->bad_subscript = false;
            if (do_assign(sh, n->assigns[i], false) != 0) {
                /* an expansion error in the value (x=${u?}) keeps its status (127); posix
                 * mode ends the shell with 127 on a readonly variable too */
                st = sh->fatal && sh->status ? sh->status : 1;
                if (!sh->fatal && sh->opt[O_POSIX] &&
                    (sh->bad_subscript || assign_to_readonly(sh, n->assigns[i])))
                    st = 127;
                sh->fatal = true;
                /* a readonly variable or a bad subscript (b[-1]=x with b unset) abandons
                 * the command line, as bash's jump to the top level; the shell goes on */
                sh->discard = sh->discard || (st != 127 && (sh->bad_subscript ||
                                                            assign_to_readonly(sh, n->assigns[i])));
                break;
            }
        }
        if (sh->opt[O_XTRACE] && n->nassigns) {
            /* bash traces the expanded values */
            char **shown = vk_calloc(sh->p, (size_t)n->nassigns + 1, sizeof *shown);
            if (shown) {
                for (int i = 0; i < n->nassigns; i++) {
                    const char *eq = sh_assign_eq(n->assigns[i]);
                    if (!eq) eq = strchr(n->assigns[i], '=');
                    char nm[256];
                    snprintf(nm, sizeof nm, "%.*s", (int)(eq - n->assigns[i]), n->assigns[i]);
                    char *plus = strchr(nm, '+');
                    if (plus) *plus = 0;
                    const char *v = sh_var_value(sh, nm);
                    sh_buf b;
                    sh_buf_init(&b, sh->p);
                    sh_buf_adds(&b, nm);
                    sh_buf_addc(&b, '=');
                    sh_quote(&b, v ? v : "");
                    shown[i] = sh_buf_take(&b);
                }
                bool ok = true;
                for (int i = 0; i < n->nassigns; i++)
                    if (!shown[i]) ok = false;
                if (ok) xtrace_words(sh, shown, n->nassigns, NULL, 0);
                sh_env_free(sh, shown);
            }
        }
        bool afail = st != 0; /* an assignment failed: bash does no redirection then */
        if (st == 0 && sh->subst_ran) st = sh->status;
        if (n->redirs && !afail) {
            sh_redir_undo u = {0};
            if (sh_redirect(sh, n->redirs, &u) != 0) {
                st = sh->status;
                /* bash does these redirections in a child: an expansion error ends it */
                sh->fatal = sh->discard = false;
            }
            sh_redir_restore(sh, &u);
        }
        sh_fields_free(sh, argv);
        vk_free(sh->p, raws);
        sh_var_set(sh, "_", "", 0);
        sh_set_status(sh, st);
        if (sh->fatal) {
            if (!sh->interactive) sh->jump = J_EXIT;
        }
        return st;
    }
    if (n == sh->tail_node) {
        sh->exec_tail = true;
        sh->tail_node = NULL;
    }
    char *const *save_raws = sh->raw_lists;
    sh->raw_lists = raws;
    status = sh_run_command(sh, argv, argc, assigns, nassigns, n->redirs,
                            n == sh->keep_redir_node);
    sh->raw_lists = save_raws;
    /* $_: the last argument of the previous command (of a list assignment, its name) */
    const char *last = argv[argc - 1];
    char nm[256];
    for (char **r = raws; r && *r; r++)
        if (*r == last) {
            snprintf(nm, sizeof nm, "%.*s", (int)strcspn(last + 1, "+="), last + 1);
            last = nm;
        }
    vk_free(sh->p, raws);
    sh_var *u = sh_var_get(sh, "_");
    if (!u || !(u->flags & VF_READONLY)) sh_var_set(sh, "_", last, 0);
    sh_fields_free(sh, argv);
    return status;
}

int sh_run_command(sh_state *sh, char **argv, int argc, char **assigns, int nassigns,
                   sh_redir *redirs, bool keep)
{
    int status = 0;
    bool tail = sh->exec_tail && !traps_set(sh);
    sh->exec_tail = false;
    const sh_builtin *bi = NULL;
    sh_func *fn = NULL;
    /* posix mode finds a special builtin before a function of the same name */
    bool posix = sh->opt[O_POSIX];
    if (posix) {
        bi = sh_builtin_get(sh, argv[0]);
        if (bi && !bi->special) bi = NULL;
    }
    if (!bi) fn = sh_func_get(sh, argv[0]);
    if (!fn && !bi) bi = sh_builtin_get(sh, argv[0]);
    /* POSIX special builtins in posix mode: their errors end a non-interactive shell and
     * their prefix assignments stay (exported, as bash leaves them) */
    bool special = posix && bi && bi->special;
    if (sh->opt[O_XTRACE]) {
        char **shown = NULL;
        if (nassigns) shown = expand_assigns_env(sh, assigns, nassigns);
        xtrace_words(sh, shown, shown ? nassigns : 0, argv, argc);
        sh_env_free(sh, shown);
    }
    /* the prefix assignments are expanded (and made) before the redirections, as bash
     * expands them with the words: x=$(cmd 2>&1) cmd 2>/dev/null reports to the old fd 2 */
    sh_saved *mark = sh->tempenv;
    char **env = NULL;
    if (special) {
        for (int i = 0; i < nassigns; i++) {
            if (do_assign(sh, assigns[i], false) != 0) {
                if (!sh->fatal) {
                    /* a readonly variable: bash ends the shell with 127 */
                    sh_set_status(sh, 127);
                    sh->fatal = true;
                }
                if (!sh->interactive) sh->jump = J_EXIT;
                return sh->status;
            }
            size_t nl = strcspn(assigns[i], "+=[");
            char nm[256];
            if (nl < sizeof nm) {
                memcpy(nm, assigns[i], nl);
                nm[nl] = 0;
                sh_var_flag(sh, nm, VF_EXPORT, true);
            }
        }
    } else if (fn || bi) {
        bool ok = true;
        for (int i = 0; i < nassigns; i++) {
            if (do_assign(sh, assigns[i], true) != 0) ok = false;
        }
        if (!ok && sh->fatal) {
            /* x=${u?} cmd: the expansion error ends the shell before cmd runs, as bash */
            sh_tempenv_pop(sh, mark);
            return sh->status;
        }
        if (!ok && posix) {
            /* posix mode: a readonly variable in a prefix abandons the command line, as
             * after an expansion error (status 1) */
            sh_tempenv_pop(sh, mark);
            sh_set_status(sh, 1);
            sh->fatal = sh->discard = true;
            return 1;
        }
    } else if (nassigns) {
        env = expand_assigns_env_(sh, assigns, nassigns, true);
        if (!env) {
            sh_tempenv_pop(sh, mark);
            int st = sh->fatal && sh->status ? sh->status : 1; /* x=${u?} keeps 127 */
            sh_set_status(sh, st);
            return st;
        }
        if (posix) {
            /* posix mode: a readonly variable in a prefix stops the command (status 1) */
            for (int i = 0; i < nassigns; i++) {
                if (assign_to_readonly(sh, assigns[i])) {
                    sh_env_free(sh, env);
                    sh_tempenv_pop(sh, mark);
                    sh_set_status(sh, 1);
                    sh->fatal = sh->discard = true;
                    return 1;
                }
            }
        }
    }
    sh_redir_undo u = {0};
    bool exec_noargs = bi && strcmp(argv[0], "exec") == 0 && argc == 1;
    if (redirs && !special) sh_tempenv_hide(sh, mark, true);
    int rrc = redirs ? sh_redirect(sh, redirs, exec_noargs ? NULL : &u) : 0;
    if (redirs && !special) sh_tempenv_hide(sh, mark, false);
    if (rrc != 0) {
        sh_redir_restore(sh, &u);
        sh_env_free(sh, env);
        if (!special) sh_tempenv_pop(sh, mark);
        int st = sh->fatal && sh->status ? sh->status : 1; /* <${u?} keeps 127 */
        if (sh->fatal && !fn && !bi) {
            /* bash expands an external command's redirections in its child: an expansion
             * error there ends the child only */
            sh->fatal = sh->discard = false;
        }
        sh_set_status(sh, st);
        if (special && !sh->interactive) sh->jump = J_EXIT;
        return st;
    }
    if (special) {
        sh->special_err = false;
        status = sh_builtin_run(sh, bi, argc, argv);
        bool err = sh->special_err;
        sh->special_err = false;
        if (err && !sh->interactive && sh->jump == J_NONE) {
            sh_set_status(sh, status);
            sh->jump = J_EXIT;
        }
    } else if (fn || bi) {
        if (fn) {
            status = sh_call_function(sh, fn, argv, argc);
        } else {
            status = sh_builtin_run(sh, bi, argc, argv);
        }
        sh_tempenv_pop(sh, mark);
    } else {
        status = run_external(sh, argv, argc, env, nassigns, tail);
        sh_env_free(sh, env);
        sh_tempenv_pop(sh, mark);
    }
    if (!keep) sh_redir_restore(sh, &u);
    else vk_free(sh->p, u.s); /* (the saved fds go with the process) */
    sh_flush_notice(sh);
    if (sh->jump == J_EXIT || sh->jump == J_RETURN) return sh->status;
    sh_set_status(sh, status);
    if (sh->sig_self) {
        /* kill $$: its trap runs now, as bash runs it, with the status kept */
        sh->sig_self = false;
        sh_step(sh);
    }
    return status;
}

/* ---- compound commands ---- */
static int eval_cond(sh_state *sh, sh_node *n)
{
    sh->cond++;
    int st = sh_eval(sh, n);
    sh->cond--;
    return st;
}

/* after a loop body: handle break/continue; true when the loop must stop */
static bool loop_jump(sh_state *sh, bool *cont)
{
    *cont = false;
    if (sh->jump == J_BREAK) {
        if (--sh->jump_n <= 0) sh->jump = J_NONE;
        return true;
    }
    if (sh->jump == J_CONTINUE) {
        if (--sh->jump_n <= 0) {
            sh->jump = J_NONE;
            *cont = true;
            return false;
        }
        return true;
    }
    return sh->jump != J_NONE || sh->dying || sh->fatal;
}

static int eval_loop(sh_state *sh, sh_node *n, bool until)
{
    int status = 0;
    sh->loop_depth++;
    for (;;) {
        if (!sh_step(sh)) break;
        int c = eval_cond(sh, n->a);
        bool cont;
        if (loop_jump(sh, &cont)) break;
        /* `continue` in the test: its status 0 ends an until loop (as bash), a while loop
         * skips its body and tests again */
        if (cont) {
            if (until) break;
            continue;
        }
        if (until ? c == 0 : c != 0) break;
        status = sh_eval(sh, n->b);
        if (loop_jump(sh, &cont)) break;
    }
    sh->loop_depth--;
    if (sh->jump == J_NONE && !sh->fatal) sh_set_status(sh, status);
    return sh->status;
}

/* one part of for (( ; ; )): its value, or -1 (message printed) */
static int for_arith_part(sh_state *sh, const char *text, int64_t *v)
{
    *v = 1;
    const char *t = text;
    while (*t == ' ' || *t == '\t' || *t == '\n') t++;
    if (!*t) return 0;
    char *e = sh_expand_arith(sh, text);
    if (!e) return -1;
    sh->arith_ctx = "((";
    int rc = sh_arith(sh, e, v);
    sh->arith_ctx = NULL;
    vk_free(sh->p, e);
    return rc;
}

static int eval_for_arith(sh_state *sh, sh_node *n)
{
    int64_t v;
    int status = 0;
    if (for_arith_part(sh, n->words[0], &v) != 0) {
        sh_set_status(sh, sh->fatal ? 127 : 1);
        return sh->status;
    }
    sh->loop_depth++;
    for (;;) {
        if (!sh_step(sh)) break;
        if (for_arith_part(sh, n->words[1], &v) != 0) {
            status = 1;
            break;
        }
        if (!v) break;
        status = sh_eval(sh, n->a);
        bool cont;
        if (loop_jump(sh, &cont)) break;
        if (for_arith_part(sh, n->words[2], &v) != 0) {
            status = 1;
            break;
        }
    }
    sh->loop_depth--;
    if (sh->jump == J_NONE && !sh->fatal) sh_set_status(sh, status);
    return sh->status;
}

static int eval_select(sh_state *sh, sh_node *n, char **items, int nitems);

static int eval_for(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    if (n->flags & NF_FOR_ARITH) return eval_for_arith(sh, n);
    if (!sh_is_name(n->name, strlen(n->name))) {
        sh_error(sh, "`%s': not a valid identifier", n->name);
        sh_set_status(sh, 1);
        return 1;
    }
    char **items;
    int nitems;
    if (n->flags & NF_FOR_IN) {
        if (sh_expand_words(sh, n->words, n->nwords, &items, &nitems) != 0) {
            sh->fatal = true;
            fatal_exit(sh);
            return sh->status;
        }
    } else {
        items = vk_calloc(sh->p, (size_t)sh->npos + 1, sizeof *items);
        if (!items) return 1;
        nitems = 0;
        for (int i = 0; i < sh->npos; i++) {
            items[i] = vk_strdup(sh->p, sh->pos[i]);
            if (!items[i]) break;
            nitems++;
        }
    }
    if (n->flags & NF_SELECT) {
        int st = eval_select(sh, n, items, nitems);
        sh_fields_free(sh, items);
        return st;
    }
    int status = 0;
    sh->loop_depth++;
    for (int i = 0; i < nitems; i++) {
        if (!sh_step(sh)) break;
        if (sh->opt[O_XTRACE]) trace_source(sh, "for", n->name, n->words, n->nwords,
                                            (n->flags & NF_FOR_IN) != 0);
        /* a nameref loop variable is pointed at each word in turn, as in bash */
        sh_var *lv = sh_var_get_raw(sh, n->name);
        int vf = lv && (lv->flags & VF_NAMEREF) ? VF_NAMEREF : 0;
        if (sh_var_set(sh, n->name, items[i], vf) != 0) {
            status = 1;
            if (sh->opt[O_POSIX] && !sh->interactive) {
                /* a readonly loop variable ends a posix-mode shell with 127, as bash */
                status = 127;
                sh_set_status(sh, status);
                sh->jump = J_EXIT;
            }
            break;
        }
        status = sh_eval(sh, n->a);
        bool cont;
        if (loop_jump(sh, &cont)) break;
    }
    sh->loop_depth--;
    sh_fields_free(sh, items);
    if (sh->jump == J_NONE) sh_set_status(sh, status);
    return sh->status;
}

/* select's menu on stderr, in bash's layout: numbered items in columns that fit $COLUMNS,
 * filled top to bottom, then left to right */
static void select_menu(sh_state *sh, char **items, int n)
{
    int maxlen = 0;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(items[i]);
        if (l > maxlen) maxlen = l;
    }
    int ilen = 1;
    for (int k = n; k >= 10; k /= 10) ilen++;
    int width = maxlen + ilen + 4;
    int64_t ncols = 80;
    const char *cv = sh_var_value(sh, "COLUMNS");
    if (cv && (!sh_parse_int(cv, &ncols) || ncols <= 0)) ncols = 80;
    int cols = width ? (int)(ncols / width) : 1;
    if (cols == 0) cols = 1;
    int rows = n / cols + (n % cols != 0);
    cols = n / rows + (n % rows != 0);
    if (rows == 1) {
        rows = cols;
        cols = 1;
    }
    int first_len = 1;
    for (int k = rows; k >= 10; k /= 10) first_len++;
    sh_buf b;
    sh_buf_init(&b, sh->p);
    for (int row = 0; row < rows; row++) {
        int pos = 0;
        for (int ind = row, col = 0; ind < n; ind += rows, col++) {
            if (col > 0) {
                /* tabs (and blanks) to the column's start */
                int to = col * width;
                while (pos < to) {
                    if (to / 8 > pos / 8) {
                        sh_buf_addc(&b, '\t');
                        pos += 8 - pos % 8;
                    } else {
                        sh_buf_addc(&b, ' ');
                        pos++;
                    }
                }
            }
            int before = (int)b.len;
            sh_buf_printf(&b, "%*d) %s", col == 0 ? first_len : ilen, ind + 1, items[ind]);
            pos += (int)b.len - before;
        }
        sh_buf_addc(&b, '\n');
    }
    if (!b.oom) vk_write(sh->p, 2, b.s, b.len);
    sh_buf_free(&b);
}

/* one line of stdin for select (without its newline); NULL at the end of input */
static char *select_read(sh_state *sh)
{
    sh_buf line;
    sh_buf_init(&line, sh->p);
    for (;;) {
        char ch;
        ssize_t r = vk_read(sh->p, 0, &ch, 1);
        if (r == VOS_EINTR) {
            if (!sh_step(sh)) break;
            continue;
        }
        if (r <= 0) {
            if (!line.len) {
                sh_buf_free(&line);
                return NULL;
            }
            break;
        }
        if (ch == '\n') break;
        sh_buf_addc(&line, ch);
    }
    if (!line.s && !line.oom) sh_buf_add(&line, "", 0);
    return sh_buf_take(&line);
}

static int eval_select(sh_state *sh, sh_node *n, char **items, int nitems)
{
    int status = 0;
    bool menu = true;
    if (nitems == 0) {
        /* nothing to choose from: bash neither prompts nor reads */
        sh_set_status(sh, 0);
        return 0;
    }
    sh->loop_depth++;
    for (;;) {
        if (!sh_step(sh)) break;
        if (menu) select_menu(sh, items, nitems);
        menu = false;
        const char *ps3 = sh_var_value(sh, "PS3");
        sh_write_str(sh, 2, ps3 ? ps3 : "#? ");
        char *reply = select_read(sh);
        if (!reply) {
            sh_write_str(sh, 1, "\n"); /* bash ends the prompt line on stdout */
            status = 1;
            break;
        }
        if (!*reply) {
            vk_free(sh->p, reply);
            menu = true;
            continue;
        }
        int64_t k = 0;
        const char *pick = sh_parse_int(reply, &k) && k >= 1 && k <= nitems ? items[k - 1] : "";
        int rc = sh_var_set(sh, "REPLY", reply, 0);
        vk_free(sh->p, reply);
        if (rc != 0 || sh_var_set(sh, n->name, pick, 0) != 0) {
            status = 1;
            break;
        }
        status = sh_eval(sh, n->a);
        bool cont;
        if (loop_jump(sh, &cont)) break;
    }
    sh->loop_depth--;
    if (sh->jump == J_NONE && !sh->fatal) sh_set_status(sh, status);
    return sh->status;
}

static int eval_case(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    if (sh->opt[O_XTRACE]) trace_source(sh, "case", NULL, n->words, 1, true);
    char *word = sh_expand_str(sh, n->words[0]);
    if (!word) {
        sh->fatal = true;
        fatal_exit(sh);
        return sh->status;
    }
    int status = 0;
    bool fall = false;
    for (sh_node *it = n->a; it; it = it->next) {
        bool match = fall;
        for (int i = 0; !match && i < it->nwords; i++) {
            char *pat = sh_expand_pattern(sh, it->words[i]);
            if (!pat) {
                vk_free(sh->p, word);
                sh->fatal = true;
                fatal_exit(sh);
                return sh->status;
            }
            match = sh_pmatch_case(sh, pat, word, sh->shopt[SO_EXTGLOB]);
            vk_free(sh->p, pat);
        }
        if (!match) continue;
        status = it->a ? sh_eval(sh, it->a) : 0;
        if (unwinding(sh)) break;
        if (it->flags & NF_CASE_FALL) {
            fall = true;
            continue;
        }
        fall = false;
        if (it->flags & NF_CASE_TEST) continue;
        break;
    }
    vk_free(sh->p, word);
    if (sh->jump == J_NONE) sh_set_status(sh, status);
    return sh->status;
}

static int eval_arith_cmd(sh_state *sh, sh_node *n)
{
    sh->lineno = n->line;
    char *e = sh_expand_arith(sh, n->words[0]);
    if (!e) {
        sh_set_status(sh, 1);
        return 1;
    }
    int64_t v = 0;
    sh->arith_ctx = "((";
    int st = sh_arith(sh, e, &v) != 0 ? (sh->fatal ? 127 : 1) : (v ? 0 : 1);
    sh->arith_ctx = NULL;
    if (sh->opt[O_XTRACE]) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        sh_buf_adds(&b, "(( ");
        sh_buf_adds(&b, e);
        sh_buf_adds(&b, " ))");
        char *s = sh_buf_take(&b);
        if (s) {
            char *one[1] = {s};
            const char *ps4 = sh_var_value(sh, "PS4");
            char line[4096];
            snprintf(line, sizeof line, "%s%s\n", ps4 ? ps4 : "", s);
            sh_write_str(sh, 2, line);
            (void)one;
            vk_free(sh->p, s);
        }
    }
    vk_free(sh->p, e);
    sh_set_status(sh, st);
    return st;
}

/* The body of a compound command; sh_eval applies and undoes its redirections around it. */
static int eval_compound(sh_state *sh, sh_node *n)
{
    switch (n->type) {
    case N_GROUP: return sh_eval(sh, n->a);
    case N_IF: {
        int c = eval_cond(sh, n->a);
        if (unwinding(sh)) return sh->status;
        if (c == 0) return sh_eval(sh, n->b);
        if (n->c) return sh_eval(sh, n->c);
        sh_set_status(sh, 0);
        return 0;
    }
    case N_WHILE:
    case N_UNTIL: return eval_loop(sh, n, n->type == N_UNTIL);
    case N_FOR: return eval_for(sh, n);
    case N_CASE: return eval_case(sh, n);
    case N_ARITH: return eval_arith_cmd(sh, n);
    default: return sh_eval_cond(sh, n); /* N_COND */
    }
}

int sh_eval(sh_state *sh, sh_node *n)
{
    if (!n || unwinding(sh)) return sh->status;
    /* set -n: a non-interactive shell reads on but runs nothing more, even on this line */
    if (sh->opt[O_NOEXEC] && !sh->interactive) return sh->status;
    if (!sh_step(sh)) return sh->status;
    const vos_limits *lim = vk_limits(sh->p);
    /* a guard for the C stack: deep enough for call_depth levels of function recursion
     * (a few evaluator frames each) plus nest_depth levels of compound commands */
    uint64_t calls = lim && lim->call_depth && lim->call_depth < 100000 ? lim->call_depth : 1000;
    uint64_t nests = lim && lim->nest_depth && lim->nest_depth < 100000 ? lim->nest_depth : 1000;
    uint64_t max = calls * 6 + nests * 2;
    if ((uint64_t)++sh->nest > max || vk_stack_low()) {
        sh_error(sh, (uint64_t)sh->nest > max ? "evaluation nested too deeply (nest_depth limit)"
                                              : "evaluation nested too deeply (out of stack)");
        vk_limit_hit(sh->p, VOS_ENEST);
        sh->nest--;
        sh->fatal = true;
        sh->jump = J_EXIT;
        sh_set_status(sh, 1);
        return 1;
    }
    int st = sh->status;
    int procsub_mark = sh->nprocsub;
    switch (n->type) {
    case N_SIMPLE:
        st = eval_simple(sh, n);
        check_errexit(sh);
        break;
    case N_PIPE:
        st = sh_eval_pipe(sh, n);
        if (!(n->flags & NF_BANG)) check_errexit(sh);
        break;
    case N_AND:
    case N_OR:
        st = eval_cond(sh, n->a);
        if (unwinding(sh)) break;
        if ((n->type == N_AND) == (st == 0)) st = sh_eval(sh, n->b);
        break;
    case N_SEQ:
        sh_eval(sh, n->a);
        st = sh_eval(sh, n->b);
        break;
    case N_BG:
        st = sh_eval_bg(sh, n->a);
        break;
    case N_COPROC:
        st = sh_eval_coproc(sh, n);
        break;
    case N_SUBSHELL:
        st = sh_eval_subshell(sh, n);
        check_errexit(sh);
        break;
    case N_GROUP:
    case N_IF:
    case N_WHILE:
    case N_UNTIL:
    case N_FOR:
    case N_CASE:
    case N_ARITH:
    case N_COND: {
        sh_redir_undo u = {0};
        if (n->redirs && n->end_line)
            sh->lineno = n == sh->body_node ? n->line : n->end_line;
        sh->body_node = NULL;
        if (n->redirs && sh_redirect(sh, n->redirs, &u) != 0) {
            sh_redir_restore(sh, &u);
            st = sh->status; /* 1, or 127 for >${u?} */
            sh_set_status(sh, st);
            sh->redir_fail_node = n; /* (! does not invert this status, as in bash) */
            break;
        }
        st = eval_compound(sh, n);
        sh_redir_restore(sh, &u);
        if (n->type == N_ARITH) check_errexit(sh);
        if (n->type != N_COND) break;
        if (sh->fatal) {
            fatal_exit(sh);
            break;
        }
        sh_set_status(sh, st);
        check_errexit(sh);
        break;
    }
    case N_FUNCDEF:
        sh->lineno = n->line;
        const sh_builtin *sb = sh->opt[O_POSIX] ? sh_builtin_find(n->name) : NULL;
        if (sb && sb->special) {
            /* posix mode: a function cannot take a special builtin's name (fatal, 2) */
            sh_error(sh, "`%s': is a special builtin", n->name);
            sh_set_status(sh, 2);
            if (!sh->interactive) sh->jump = J_EXIT;
            break;
        }
        if (sh->opt[O_POSIX] && !sh_is_name(n->name, strlen(n->name))) {
            /* posix mode: a function's name must be a name (fatal, 2) */
            sh_error(sh, "`%s': not a valid identifier", n->name);
            sh_set_status(sh, 2);
            if (!sh->interactive) sh->jump = J_EXIT;
            break;
        }
        if (!func_name_ok(n->name)) {
            sh_error(sh, "`%s': not a valid identifier", n->name);
            st = 1;
        } else if (sh_func_define(sh, n->name, n->a) != 0) {
            st = 1;
        } else {
            sh->funcs->line = n->line; /* sh_func_define put it first */
            st = 0;
        }
        sh_set_status(sh, st);
        break;
    case N_CASEITEM:
    default:
        sh_error(sh, "internal error: unexpected node %s", sh_node_type_name(n->type));
        st = 2;
        sh_set_status(sh, st);
        break;
    }
    sh_procsub_close(sh, procsub_mark);
    sh->nest--;
    return st;
}
