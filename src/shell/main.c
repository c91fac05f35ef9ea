/* main.c: the shell's entry points: the "sh" and "bash" commands (-c string, script file,
 * stdin), the VM's session shell (sh_session_hooks: one long-lived state, one script per
 * exec), creating / copying / freeing a shell state, running a string command by command,
 * and the per-step check that runs traps and notices limits. */
#include <stdio.h>
#include <string.h>

#include "lib/cmd.h"
#include "shell/jobs.h"
#include "shell/session.h"
#include "shell/sh.h"

static const char *const special_vars[] = {
    "RANDOM", "SECONDS", "LINENO", "BASHPID", "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM",
    "BASH_SUBSHELL", "SHELLOPTS", "BASHOPTS", "BASH_COMMAND", NULL,
};

static void set_default(sh_state *sh, const char *name, const char *val)
{
    if (!sh_var_value(sh, name)) sh_var_set(sh, name, val, 0);
}

sh_state *sh_new(vk_proc *p, const char *argv0, char *const *env)
{
    sh_state *sh = vk_calloc(p, 1, sizeof *sh);
    if (!sh) return NULL;
    sh->p = p;
    sh_vars_init(sh);
    if (!sh->vars.tab) {
        vk_free(p, sh);
        return NULL;
    }
    sh->arg0 = vk_strdup(p, argv0 ? argv0 : "bash");
    sh->srcname = sh->arg0;
    static const bool shopt_defaults[] = {
#define SH_SHOPT_DEFAULT_(n, s, d) d,
        SH_SHOPTS(SH_SHOPT_DEFAULT_)
#undef SH_SHOPT_DEFAULT_
    };
    for (int i = 0; i < SO_COUNT; i++) sh->shopt[i] = shopt_defaults[i];
    sh->opt[O_HASHALL] = true;
    sh->opt[O_BRACEEXPAND] = true;
    sh->opt[O_INTERACTIVE_COMMENTS] = true;
    sh->rootpid = vk_getpid(p);
    sh->frames_dirty = true;
    sh->start_ns = vk_monotonic_ns(p);
    sh->lineno = 1;
    for (int i = 0; special_vars[i]; i++) sh_var_flag(sh, special_vars[i], VF_SPECIAL, true);
    /* signals ignored at entry: a non-interactive shell cannot trap them (bash) */
    for (int s = 1; s < VK_NSIG && s < 32; s++) {
        if (s == VOS_SIGKILL || s == 19) continue;
        int old = vk_signal(p, s, VK_SIG_IGN);
        vk_signal(p, s, old);
        if (old == VK_SIG_IGN) sh->ign_entry |= 1u << s;
    }
    if (env) {
        for (char *const *e = env; *e; e++) {
            const char *eq = strchr(*e, '=');
            if (!eq || !sh_is_name(*e, (size_t)(eq - *e))) continue;
            sh_var_set_len(sh, *e, (size_t)(eq - *e), eq + 1, VF_EXPORT);
        }
    }
    char num[32];
    const char *lvl = sh_var_value(sh, "SHLVL");
    int64_t shlvl = 0;
    if (!lvl || !sh_parse_int(lvl, &shlvl) || shlvl < 0) shlvl = 0;
    snprintf(num, sizeof num, "%lld", (long long)shlvl + 1);
    sh_var_set(sh, "SHLVL", num, VF_EXPORT);
    snprintf(num, sizeof num, "%d", vk_getppid(p));
    sh_var_set(sh, "PPID", num, VF_READONLY);
    snprintf(num, sizeof num, "%u", vk_getuid(p));
    sh_var_set(sh, "UID", num, VF_READONLY);
    sh_var_set(sh, "EUID", num, VF_READONLY);
    sh_var_set(sh, "IFS", " \t\n", 0);
    sh_var_set(sh, "PS4", "+ ", 0);
    sh_var_set(sh, "OPTIND", "1", 0);
    sh_var_set(sh, "OPTERR", "1", 0);
    sh_var_set(sh, "BASH", "/bin/bash", 0);
    sh_var_set(sh, "BASH_VERSION", "5.2.15(1)-release", 0);
    sh_var *vi = sh_array_new(sh, "BASH_VERSINFO");
    static const char *const versinfo[] = {"5", "2", "15", "1", "release", "x86_64-pc-linux-gnu"};
    for (int i = 0; vi && i < 6; i++) sh_array_set(sh, vi, i, versinfo[i]);
    sh_var_flag(sh, "BASH_VERSINFO", VF_READONLY, true);
    sh_var_flag(sh, "SHELLOPTS", VF_READONLY, true);
    sh_var_flag(sh, "BASHOPTS", VF_READONLY, true);
    sh_var_set(sh, "HOSTTYPE", "x86_64", 0);
    sh_var_set(sh, "MACHTYPE", "x86_64-pc-linux-gnu", 0);
    sh_var_set(sh, "OSTYPE", "linux-gnu", 0);
    snprintf(num, sizeof num, "%u", vk_getgid(p));
    sh_var *gr = sh_array_new(sh, "GROUPS");
    if (gr) sh_array_set(sh, gr, 0, num);
    const char *host = vk_hostname(p);
    if (host) sh_var_set(sh, "HOSTNAME", host, 0);
    set_default(sh, "PATH", "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin:.");
    set_default(sh, "SHELL", "/bin/bash");
    const char *cwd = vk_getcwd(p);
    if (cwd) sh_var_set(sh, "PWD", cwd, VF_EXPORT);
    if (!sh_var_get(sh, "OLDPWD")) sh_var_flag(sh, "OLDPWD", VF_EXPORT, true);
    sh_import_functions(sh, env);
    /* $_ at startup: the environment's _, else the name the shell was run by, as bash */
    const char *u = sh_var_value(sh, "_");
    if (sh->arg0 && (!u || !*u)) sh_var_set(sh, "_", sh->arg0, 0);
    return sh;
}

/* one BASH_FUNC_name%%=() {...} entry: defined when it is exactly that function */
static void import_function(sh_state *sh, const char *name, size_t nl, const char *val)
{
    vk_proc *p = sh->p;
    char *fname = vk_strndup(p, name, nl);
    sh_buf text;
    sh_buf_init(&text, p);
    sh_buf_add(&text, name, nl);
    sh_buf_addc(&text, ' ');
    sh_buf_adds(&text, val);
    bool ok = false;
    if (fname && text.s) {
        sh_parser *ps = sh_parser_new(sh, text.s, text.len, 1);
        if (ps) {
            sh_parser_quiet(ps);
            sh_pool pool = {.p = p};
            sh_node *n = NULL;
            if (sh_parse_next(ps, &pool, &n) == PARSE_OK && n && n->type == N_FUNCDEF &&
                strcmp(n->name, fname) == 0 && sh_parser_at_end(ps) &&
                sh_func_define(sh, fname, n->a) == 0) {
                sh->funcs->exported = true;
                ok = true;
            }
            sh_pool_free(&pool);
            sh_parser_free(ps);
        }
    }
    if (!ok && fname) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "%s: warning: %s: ignoring function definition attempt\n"
                 "%s: error importing function definition for `%s'\n",
                 sh->arg0, fname, sh->arg0, fname);
        vk_write(p, 2, msg, strlen(msg));
    }
    sh_buf_free(&text);
    vk_free(p, fname);
}

void sh_import_functions(sh_state *sh, char *const *env)
{
    if (!env) return;
    for (char *const *e = env; *e; e++) {
        if (strncmp(*e, "BASH_FUNC_", 10) != 0) continue;
        const char *eq = strchr(*e, '=');
        if (!eq || eq - *e < 13 || strncmp(eq - 2, "%%", 2) != 0) continue;
        const char *name = *e + 10;
        size_t nl = (size_t)(eq - 2 - name);
        /* bash only looks at values that start as a definition does */
        if (!nl || strncmp(eq + 1, "() {", 4) != 0) continue;
        import_function(sh, name, nl, eq + 1);
    }
    sh->env_dirty = true;
}

static void free_pos(sh_state *sh)
{
    for (int i = 0; i < sh->npos; i++) vk_free(sh->p, sh->pos[i]);
    vk_free(sh->p, sh->pos);
    sh->pos = NULL;
    sh->npos = 0;
}

static int set_pos(sh_state *sh, const char *const *args, int n)
{
    char **v = vk_calloc(sh->p, (size_t)n + 1, sizeof *v);
    if (!v) return -1;
    for (int i = 0; i < n; i++) {
        v[i] = vk_strdup(sh->p, args[i]);
        if (!v[i]) {
            for (int k = 0; k < i; k++) vk_free(sh->p, v[k]);
            vk_free(sh->p, v);
            return -1;
        }
    }
    free_pos(sh);
    sh->pos = v;
    sh->npos = n;
    return 0;
}

void sh_free(sh_state *sh)
{
    if (!sh) return;
    vk_proc *p = sh->p;
    sh_tempenv_pop(sh, NULL);
    sh_vars_free(sh);
    while (sh->funcs) {
        sh_func *f = sh->funcs;
        sh->funcs = f->next;
        sh_func_unref(sh, f);
    }
    sh_hash_clear(sh);
    sh_comp_free(sh);
    while (sh->aliases) {
        sh_alias *a = sh->aliases;
        sh->aliases = a->next;
        vk_free(p, a->name);
        vk_free(p, a->val);
        vk_free(p, a);
    }
    free_pos(sh);
    vk_free(p, sh->frames);
    for (int i = 0; i < sh->ndirs; i++) vk_free(p, sh->dirstack[i]);
    vk_free(p, sh->dirstack);
    for (int i = 0; i < VK_NSIG; i++) vk_free(p, sh->traps[i]);
    for (int i = 0; i < 3; i++) vk_free(p, sh->ptraps[i]);
    sh_trapsnap_free(sh);
    vk_free(p, sh->exit_trap);
    vk_free(p, sh->sig_notice);
    sh_jobs_free(sh);
    sh_coproc_free(sh);
    vk_free(p, sh->arg0);
    vk_free(p, sh);
}

sh_state *sh_clone(sh_state *sh, vk_proc *child)
{
    sh_state *c = vk_calloc(child, 1, sizeof *c);
    if (!c) return NULL;
    *c = *sh;
    c->p = child;
    c->vars.tab = NULL;
    c->locals = NULL;
    c->funcs = NULL;
    c->aliases = NULL;
    c->compspecs = NULL;
    c->hashtab = NULL;
    if (!sh_hash_copy(c, sh)) return NULL;
    c->pos = NULL;
    c->npos = 0;
    c->tempenv = NULL;
    c->jobs = NULL;
    c->exit_trap = NULL;
    c->sig_notice = NULL;
    for (int i = 0; i < 3; i++) c->ptraps[i] = NULL;
    c->parent_traps = NULL;
    c->in_trap = false;
    c->is_child = true;
    c->can_exec_last = true; /* a process of its own */
    c->tail_node = NULL;
    c->cur_cmd = NULL; /* the parent's node is not the child's to keep */
    c->exec_tail = false;
    c->run_depth = 0;
    c->nprocsub = 0; /* inherited open; the child does not own them */
    c->coproc_pid = 0; /* the parent's coprocess is not the child's */
    c->coproc_name = NULL;
    c->subshell = sh->subshell + 1;
    c->last_bg = sh->last_bg;
    c->sig_pending = 0;
    for (int i = 0; i < VK_NSIG; i++) c->traps[i] = NULL;
    c->arg0 = vk_strdup(child, sh->arg0 ? sh->arg0 : "bash");
    if (!c->arg0) return NULL;
    /* its own copy: a sourced file's name goes when `source` returns, and a background
     * child started inside it may outlive that */
    c->srcname = c->arg0;
    if (sh->srcname && sh->srcname != sh->arg0 && !(c->srcname = vk_strdup(child, sh->srcname)))
        return NULL;
    if (!sh_var_copy_table(c, sh)) return NULL;
    /* functions, newest first like the parent (order does not matter for lookup) */
    sh_func **tail = &c->funcs;
    for (sh_func *f = sh->funcs; f; f = f->next) {
        sh_func *nf = vk_calloc(child, 1, sizeof *nf);
        if (!nf) return NULL;
        nf->pool.p = child;
        nf->name = vk_strdup(child, f->name);
        nf->body = sh_node_copy(&nf->pool, f->body);
        nf->file = f->file ? sh_pool_strndup(&nf->pool, f->file, strlen(f->file)) : NULL;
        nf->line = f->line;
        nf->readonly = f->readonly;
        nf->exported = f->exported;
        nf->refs = 1;
        if (!nf->name || !nf->body) return NULL;
        *tail = nf;
        tail = &nf->next;
    }
    sh_alias **at = &c->aliases;
    for (sh_alias *a = sh->aliases; a; a = a->next) {
        sh_alias *na = vk_calloc(child, 1, sizeof *na);
        if (!na) return NULL;
        na->name = vk_strdup(child, a->name);
        na->val = vk_strdup(child, a->val);
        if (!na->name || !na->val) return NULL;
        *at = na;
        at = &na->next;
    }
    if (!sh_comp_copy(c, sh)) return NULL;
    c->dirstack = NULL;
    c->ndirs = 0;
    /* the call stack, with its strings in the child's arena (they live as long as it) */
    c->frames = NULL;
    c->nframes = c->cframes = 0;
    c->frames_dirty = true;
    if (sh->nframes) {
        c->frames = vk_calloc(child, (size_t)sh->nframes, sizeof *c->frames);
        if (!c->frames) return NULL;
        c->cframes = sh->nframes;
        for (int i = 0; i < sh->nframes; i++) {
            char *nm = vk_strdup(child, sh->frames[i].name);
            char *src = vk_strdup(child, sh->frames[i].source);
            if (!nm || !src) return NULL;
            c->frames[i] = (sh_frame){nm, src, sh->frames[i].line};
            c->nframes = i + 1;
        }
    }
    if (sh->ndirs) {
        c->dirstack = vk_calloc(child, (size_t)sh->ndirs, sizeof *c->dirstack);
        if (!c->dirstack) return NULL;
        for (int i = 0; i < sh->ndirs; i++) {
            c->dirstack[i] = vk_strdup(child, sh->dirstack[i]);
            if (!c->dirstack[i]) return NULL;
            c->ndirs = i + 1;
        }
    }
    c->pos = vk_calloc(child, (size_t)sh->npos + 1, sizeof *c->pos);
    if (!c->pos) return NULL;
    for (int i = 0; i < sh->npos; i++) {
        c->pos[i] = vk_strdup(child, sh->pos[i]);
        if (!c->pos[i]) return NULL;
        c->npos = i + 1;
    }
    /* traps: caught ones are reset in a subshell, ignored ones stay ignored */
    for (int i = 0; i < VK_NSIG; i++)
        if (sh->traps[i] && !*sh->traps[i]) c->traps[i] = vk_strdup(child, "");
    if (!sh_trapsnap_copy(c, sh)) return NULL;
    return c;
}

/* ---- the call stack ---- */
void sh_frame_push(sh_state *sh, const char *name, const char *source, int line)
{
    if (sh->nframes == sh->cframes) {
        int nc = sh->cframes ? sh->cframes * 2 : 16;
        sh_frame *nf = vk_realloc(sh->p, sh->frames, (size_t)nc * sizeof *nf);
        if (!nf) return; /* the arrays show fewer frames; nothing else depends on them */
        sh->frames = nf;
        sh->cframes = nc;
    }
    sh->frames[sh->nframes++] = (sh_frame){name, source, line};
    sh->frames_dirty = true;
}

void sh_frame_pop(sh_state *sh)
{
    if (sh->nframes > 0) sh->nframes--;
    sh->frames_dirty = true;
}

/* ---- traps ---- */
void sh_run_trap(sh_state *sh, const char *action)
{
    char *copy = vk_strdup(sh->p, action);
    if (!copy) return;
    int save_status = sh->status;
    int save_line = sh->lineno;
    bool save_in = sh->in_trap;
    sh->in_trap = true;
    sh_run_string(sh, copy, strlen(copy), sh->lineno);
    sh->in_trap = save_in;
    vk_free(sh->p, copy);
    sh->lineno = save_line;
    if (sh->jump != J_EXIT) {
        if (sh->jump == J_RETURN && sh->func_depth > 0) return;
        sh->status = save_status;
    }
}

bool sh_step(sh_state *sh)
{
    if (sh->dying) return false;
    int rc = vk_steps(sh->p, 1);
    if (rc != 0 && rc != VOS_EINTR && vk_dying(sh->p)) {
        sh->dying = true;
        return false;
    }
    uint32_t sigs = vk_sig_take(sh->p) | sh->sig_pending;
    sh->sig_pending = 0;
    if (sigs && !sh->in_trap) {
        for (int s = 1; s < VK_NSIG; s++) {
            if (!(sigs & (1u << s))) continue;
            if (sh->traps[s] && *sh->traps[s]) sh_run_trap(sh, sh->traps[s]);
            if (sh->jump == J_EXIT || sh->dying) break;
        }
    } else if (sigs) {
        sh->sig_pending = sigs;
    }
    if (vk_dying(sh->p)) {
        sh->dying = true;
        return false;
    }
    return true;
}

void sh_run_exit_trap(sh_state *sh)
{
    if (!sh->exit_trap || sh->dying) return;
    char *action = sh->exit_trap;
    sh->exit_trap = NULL;
    int save_jump = sh->jump;
    bool save_fatal = sh->fatal;
    sh->jump = J_NONE;
    sh->fatal = false;
    int status = sh->status;
    sh->in_trap = true;
    sh_run_string(sh, action, strlen(action), sh->lineno);
    sh->in_trap = false;
    if (sh->jump != J_EXIT) sh->status = status;
    sh->jump = save_jump == J_NONE ? sh->jump : save_jump;
    sh->fatal = save_fatal;
    vk_free(sh->p, action);
}

/* ---- running a string ---- */
/* the simple command a list ends with (a ; b ; c), if it ends with one */
static sh_node *last_simple(sh_node *n)
{
    while (n && n->type == N_SEQ) n = n->b;
    return n && n->type == N_SIMPLE ? n : NULL;
}

sh_node *sh_tail_of(sh_node *n)
{
    if (n && n->type == N_SUBSHELL && !n->redirs) n = n->a;
    return last_simple(n);
}

int sh_run_string(sh_state *sh, const char *src, size_t len, int first_line)
{
    return sh_run_source(sh, src, len, first_line, true);
}

int sh_run_source(sh_state *sh, const char *src, size_t len, int first_line, bool echo)
{
    sh_parser *ps = sh_parser_new(sh, src, len, first_line);
    if (!ps) {
        sh_set_status(sh, 1);
        return 1;
    }
    sh->syntax_err = false;
    for (;;) {
        sh_pool pool = {.p = sh->p};
        sh_node *n = NULL;
        int rc = sh_parse_next(ps, &pool, &n);
        if (echo) sh_parser_echo(ps, sh->opt[O_VERBOSE]);
        if (rc == PARSE_EOF) {
            sh_pool_free(&pool);
            break;
        }
        if (rc == PARSE_ERROR && sh_parser_skip_line(ps)) {
            sh_pool_free(&pool);
            sh_set_status(sh, 1);
            continue;
        }
        if (rc != PARSE_OK) {
            sh_pool_free(&pool);
            sh->syntax_err = rc == PARSE_ERROR;
            sh->syntax_array = sh_parser_err_array(ps);
            sh_set_status(sh, rc == PARSE_ERROR ? sh_parser_err_status(ps, sh->status) : 1);
            if (rc == PARSE_NOMEM) sh_error(sh, "out of memory while parsing");
            break;
        }
        if (n && !sh->opt[O_NOEXEC]) {
            if (sh->can_exec_last && sh->run_depth == 0 && !sh->in_trap &&
                sh_parser_at_end(ps))
                sh->tail_node = last_simple(n);
            sh->run_depth++;
            sh_eval(sh, n);
            sh->run_depth--;
            sh->tail_node = NULL;
        }
        if (!sh->in_trap) sh->cur_cmd = NULL; /* its node goes with the pool (a trap sets none) */
        sh_pool_free(&pool);
        if (sh->fatal && sh->discard && !sh->dying) {
            /* bash's jump to the top level: this command is over, the loop goes on */
            sh->fatal = false;
            if (sh->jump == J_EXIT) sh->jump = J_NONE;
            sh_set_status(sh, 1);
        }
        sh->discard = false;
        if (sh->jump != J_NONE || sh->dying || sh->fatal) break;
    }
    sh_parser_free(ps);
    return sh->status;
}

/* bash's check of a script file's first 80 bytes: a NUL in the first line (anywhere in them
 * after a "#!" line) means a binary file, which it refuses to run */
static bool binary_script(const char *s, size_t n)
{
    if (n > 80) n = 80;
    bool shebang = n >= 2 && s[0] == '#' && s[1] == '!';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && !shebang) return false;
        if (s[i] == 0) return true;
    }
    return false;
}

/* ---- the sh / bash command ---- */
static int opt_index(const char *name)
{
    static const char *const names[] = {
#define SH_OPT_NAME_(n, c, s) s,
        SH_OPTIONS(SH_OPT_NAME_)
#undef SH_OPT_NAME_
    };
    for (int i = 0; i < O_COUNT; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

static int opt_letter(int c)
{
    static const char letters[] = {
#define SH_OPT_LETTER2_(n, ch, s) ch,
        SH_OPTIONS(SH_OPT_LETTER2_)
#undef SH_OPT_LETTER2_
    };
    for (int i = 0; i < O_COUNT; i++)
        if (letters[i] && letters[i] == c) return i;
    return -1;
}

/* read a whole file (or stdin when path is NULL) into an arena string */
char *sh_read_file(vk_proc *p, const char *path, size_t *len, int *err)
{
    int fd = 0;
    *err = 0;
    if (path) {
        struct vk_stat st;
        int rc = vk_stat(p, path, &st);
        if (rc == 0 && VK_S_ISDIR(st.mode)) {
            *err = VOS_EISDIR;
            return NULL;
        }
        fd = vk_open(p, path, VK_O_RDONLY, 0);
        if (fd < 0) {
            *err = fd;
            return NULL;
        }
    }
    size_t cap = 4096, n = 0;
    char *buf = vk_malloc(p, cap);
    if (!buf) {
        if (path) vk_close(p, fd);
        *err = VOS_ENOMEM;
        return NULL;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = vk_realloc(p, buf, cap * 2);
            if (!nb) {
                vk_free(p, buf);
                if (path) vk_close(p, fd);
                *err = VOS_ENOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = vk_read(p, fd, buf + n, cap - n - 1);
        if (r == VOS_EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    if (path) vk_close(p, fd);
    buf[n] = 0;
    *len = n;
    return buf;
}

static void write2(vk_proc *p, const char *s) { vk_write(p, 2, s, strlen(s)); }
static void write1(vk_proc *p, const char *s) { vk_write(p, 1, s, strlen(s)); }

static int shopt_index(const char *name)
{
    static const char *const names[] = {
#define SH_SHOPT_NAME_(n, s, d) s,
        SH_SHOPTS(SH_SHOPT_NAME_)
#undef SH_SHOPT_NAME_
    };
    for (int i = 0; i < SO_COUNT; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* Could the line [s, s+n) (a newline at its end) complete a command that waits for a closing
 * quote, bracket, brace or keyword? Conservative: a false yes only costs a parse. */
static bool may_close(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr("})]'\"`", s[i]) && s[i]) return true;
    for (size_t i = 0; i + 1 < n; i++)
        if ((s[i] == 'f' && s[i + 1] == 'i') ||
            (i + 3 < n && (memcmp(s + i, "done", 4) == 0 || memcmp(s + i, "esac", 4) == 0)))
            return true;
    return false;
}

/* the text ends (before its newline and blanks) in an operator or a backslash after which
 * any line may go on: &&, ||, |, |&, ! */
static bool ends_open(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    return n > 0 && strchr("&|!\\", s[n - 1]);
}

/* A script on standard input is read as bash reads it: one line at a time, one byte at a
 * time, more lines only while the command is incomplete, and each complete command runs
 * before the next is read. So a command the script runs (head, read, cat) gets the rest of
 * the input. */
static int run_stdin(sh_state *sh)
{
    vk_proc *p = sh->p;
    sh_buf acc;
    sh_buf_init(&acc, p);
    int line = 1;
    bool eof = false;
    sh->syntax_err = false;
    /* what the text read so far waits for (SH_MORE_*): lines that cannot give it are not
     * parsed again, so a long function or here-document costs one parse, not one per line */
    int more = SH_MORE_NO;
    size_t line_start = 0; /* where the last line read starts in acc */
    char delim[128];
    while (!eof) {
        line_start = acc.len;
        for (;;) {
            char c;
            ssize_t r = vk_read(p, 0, &c, 1);
            if (r == VOS_EINTR) {
                if (!sh_step(sh)) break;
                continue;
            }
            if (r <= 0) {
                eof = true;
                break;
            }
            if (c == 0) continue; /* bash's reader skips NUL bytes in a script */
            sh_buf_addc(&acc, c);
            if (c == '\n') break;
        }
        if (acc.oom) {
            sh_error(sh, "out of memory while reading the script");
            sh_set_status(sh, 1);
            break;
        }
        if (sh->dying) break;
        if (acc.len == 0) break;
        if (!eof) {
            const char *ls = acc.s + line_start;
            size_t ln = acc.len - line_start;
            bool probe = true;
            if (more == SH_MORE_DELIM) {
                /* the body goes on until a line equal to the delimiter (<<- strips tabs) */
                while (ln > 0 && *ls == '\t') ls++, ln--;
                if (ln > 0 && ls[ln - 1] == '\n') ln--;
                probe = ln == strlen(delim) && memcmp(ls, delim, ln) == 0;
            } else if (more == SH_MORE_CLOSE) {
                probe = may_close(ls, ln) || ends_open(acc.s, line_start);
            }
            if (!probe) continue;
            more = sh_parse_incomplete(sh, acc.s, acc.len, line, delim, sizeof delim);
            if (more != SH_MORE_NO) continue;
        }
        more = SH_MORE_NO;
        sh_run_string(sh, acc.s, acc.len, line);
        for (size_t k = 0; k < acc.len; k++)
            if (acc.s[k] == '\n') line++;
        acc.len = 0;
        if (sh->jump != J_NONE || sh->dying || sh->fatal || sh->syntax_err) break;
    }
    sh_buf_free(&acc);
    return sh->status;
}

/* what bash prints after an invalid option */
static const char usage_text[] =
    "Usage:\tbash [GNU long option] [option] ...\n"
    "\tbash [GNU long option] [option] script-file ...\n"
    "GNU long options:\n"
    "\t--debug\n\t--debugger\n\t--dump-po-strings\n\t--dump-strings\n\t--help\n"
    "\t--init-file\n\t--login\n\t--noediting\n\t--noprofile\n\t--norc\n\t--posix\n"
    "\t--pretty-print\n\t--rcfile\n\t--restricted\n\t--verbose\n\t--version\n"
    "Shell options:\n"
    "\t-ilrsD or -c command or -O shopt_option\t\t(invocation only)\n"
    "\t-abefhkmnptuvxBCEHPT or -o option\n";

static int sh_main(vl_ctx *c, int argc, char **argv)
{
    vk_proc *p = c->p;
    const char *me = argc > 0 && argv[0] ? argv[0] : "bash";
    int setopts[O_COUNT];
    for (int i = 0; i < O_COUNT; i++) setopts[i] = -1;
    const char *base = strrchr(me, '/') ? strrchr(me, '/') + 1 : me;
    if (strcmp(base, "sh") == 0) setopts[O_POSIX] = 1; /* bash run as sh is in posix mode */
    bool cflag = false, sflag = false, vfile = false;
    int shopts[SO_COUNT]; /* -O name / +O name: -1 untouched */
    for (int k = 0; k < SO_COUNT; k++) shopts[k] = -1;
    int list_shopts = 0;  /* -O (1) or +O (2) without a name: list them, as shopt / shopt -p */
    int i = 1;
    char msg[512];
    while (i < argc && (argv[i][0] == '-' || argv[i][0] == '+') && argv[i][1]) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || strcmp(a, "-") == 0) {
            i++;
            break;
        }
        if (a[0] == '-' && a[1] == '-') {
            if (strcmp(a, "--version") == 0) {
                const char *v = "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)\n";
                vk_write(p, 1, v, strlen(v));
                return 0;
            }
            if (strcmp(a, "--vos-script-file") == 0) {
                /* vos_spawn's script_file: the string runs as a script file named $0 */
                cflag = vfile = true;
                i++;
                continue;
            }
            if (strcmp(a, "--posix") == 0) {
                setopts[O_POSIX] = 1;
                i++;
                continue;
            }
            if (strcmp(a, "--login") == 0) shopts[SO_LOGIN_SHELL] = 1;
            if (strcmp(a, "--norc") == 0 || strcmp(a, "--noprofile") == 0 ||
                strcmp(a, "--login") == 0 || strcmp(a, "--noediting") == 0 ||
                strcmp(a, "--debug") == 0) {
                i++;
                continue;
            }
            if (strcmp(a, "--rcfile") == 0 || strcmp(a, "--init-file") == 0) {
                /* read only by an interactive shell: the name is taken and left alone */
                if (i + 1 >= argc) {
                    snprintf(msg, sizeof msg, "%s: %s: option requires an argument\n", me, a + 2);
                    write2(p, msg);
                    return 2;
                }
                i += 2;
                continue;
            }
            if (strcmp(a, "--verbose") == 0) {
                setopts[O_VERBOSE] = 1;
                i++;
                continue;
            }
            if (strcmp(a, "--help") == 0) {
                write1(p, "GNU bash, version 5.2.15(1)-release-(x86_64-pc-linux-gnu)\n"
                          "Usage:\tbash [GNU long option] [option] ...\n"
                          "\tbash [GNU long option] [option] script-file ...\n"
                          "GNU long options:\n\t--debug\n\t--debugger\n\t--dump-po-strings\n"
                          "\t--dump-strings\n\t--help\n\t--init-file\n\t--login\n"
                          "\t--noediting\n\t--noprofile\n\t--norc\n\t--posix\n"
                          "\t--pretty-print\n\t--rcfile\n\t--restricted\n\t--verbose\n"
                          "\t--version\nShell options:\n"
                          "\t-ilrsD or -c command or -O shopt_option\t\t(invocation only)\n"
                          "\t-abefhkmnptuvxBCEHPT or -o option\n"
                          "Type `bash -c \"help set\"' for more information about shell options.\n"
                          "Type `bash -c help' for more information about shell builtin "
                          "commands.\n"
                          "Use the `bashbug' command to report bugs.\n\n"
                          "bash home page: <http://www.gnu.org/software/bash>\n"
                          "General help using GNU software: <http://www.gnu.org/gethelp/>\n");
                return 0;
            }
            snprintf(msg, sizeof msg, "%s: %s: invalid option\n", me, a);
            write2(p, msg);
            write2(p, usage_text);
            return 2;
        }
        bool on = a[0] == '-';
        i++;
        for (const char *s = a + 1; *s; s++) {
            if (*s == 'c') {
                cflag = true;
            } else if (*s == 's') {
                sflag = true;
            } else if (*s == 'l') {
                shopts[SO_LOGIN_SHELL] = 1; /* a login shell reads no profile in a VM */
            } else if (*s == 'i') {
                /* interactive: no terminal in a VM, nothing to do */
            } else if (*s == 'O') {
                if (i >= argc) {
                    list_shopts = on ? 1 : 2;
                    continue;
                }
                int k = shopt_index(argv[i]);
                if (k < 0) {
                    /* bash reports it as a builtin error before any line is read */
                    snprintf(msg, sizeof msg, "%s: line 0: %s: invalid shell option name\n", me,
                             argv[i]);
                    write2(p, msg);
                    return 2;
                }
                shopts[k] = on;
                i++;
            } else if (*s == 'o') {
                if (i >= argc) {
                    snprintf(msg, sizeof msg, "%s: -o: option requires an argument\n", me);
                    write2(p, msg);
                    return 2;
                }
                int k = opt_index(argv[i]);
                if (k < 0) {
                    snprintf(msg, sizeof msg, "%s: %s: invalid option name\n", me, argv[i]);
                    write2(p, msg);
                    return 2;
                }
                setopts[k] = on;
                i++;
            } else {
                int k = opt_letter(*s);
                if (k < 0) {
                    snprintf(msg, sizeof msg, "%s: -%c: invalid option\n", me, *s);
                    write2(p, msg);
                    write2(p, usage_text);
                    return 2;
                }
                setopts[k] = on;
            }
        }
    }
    const char *script = NULL;
    char *owned = NULL;
    size_t slen = 0;
    const char *name = me;
    bool cmode = false, from_stdin = false;
    if (cflag) {
        if (i >= argc) {
            snprintf(msg, sizeof msg, "%s: -c: option requires an argument\n", me);
            write2(p, msg);
            return 2;
        }
        script = argv[i++];
        slen = strlen(script);
        if (i < argc) name = argv[i++];
        cmode = !vfile;
    } else if (!sflag && i < argc) {
        int err;
        name = argv[i++];
        owned = sh_read_file(p, name, &slen, &err);
        if (!owned) {
            /* a directory: bash names the script itself, as for a binary file */
            const char *who = err == VOS_EISDIR ? name : me;
            snprintf(msg, sizeof msg, "%s: %s: %s\n", who ? who : "bash", name,
                     vos_strerror(err));
            write2(p, msg);
            return err == VOS_ENOENT ? 127 : 126;
        }
        script = owned;
        if (binary_script(owned, slen)) {
            snprintf(msg, sizeof msg, "%s: %s: cannot execute binary file\n", name, name);
            write2(p, msg);
            vk_free(p, owned);
            return 126;
        }
    } else {
        from_stdin = true;
    }
    if (owned) {
        /* bash's reader skips NUL bytes in a script */
        size_t k = 0;
        for (size_t j = 0; j < slen; j++)
            if (owned[j]) owned[k++] = owned[j];
        slen = k;
        owned[k] = 0;
    }
    sh_state *sh = sh_new(p, name, vk_environ(p));
    if (!sh) {
        vk_free(p, owned);
        write2(p, "bash: out of memory\n");
        return 1;
    }
    sh->cmode = cmode;
    if (cmode) sh_var_set(sh, "BASH_EXECUTION_STRING", script, 0);
    sh->from_stdin = !cmode && !vfile && name == me; /* no script file was named */
    sh->can_exec_last = cmode;
    for (int k = 0; k < O_COUNT; k++)
        if (setopts[k] >= 0) sh->opt[k] = setopts[k];
    if (sh->opt[O_POSIX]) sh_set_posix(sh, true);
    for (int k = 0; k < SO_COUNT; k++)
        if (shopts[k] >= 0) sh->shopt[k] = shopts[k];
    if (list_shopts) {
        const char *ls = list_shopts == 1 ? "shopt" : "shopt -p";
        sh_run_string(sh, ls, strlen(ls), 1);
    }
    if (set_pos(sh, (const char *const *)argv + i, argc - i) != 0) {
        sh_free(sh);
        vk_free(p, owned);
        return 1;
    }
    if (from_stdin)
        run_stdin(sh);
    else
        sh_run_string(sh, script, slen, 1);
    /* a fatal expansion error (set -u, ${x?}) ends a -c string with 127 but a script file or
     * standard input with 1, as bash does */
    if (!cmode && sh->fatal && sh->status == 127) sh->status = 1;
    int status = sh->status;
    sh_run_exit_trap(sh);
    status = sh->status;
    if (sh->dying) status = VK_WSHELL(vk_dying(p));
    sh_free(sh);
    vk_free(p, owned);
    return status & 0xff;
}

static const vl_opt sh_opts[] = {{0, NULL, 0, NULL, NULL}};
VL_COMMAND_NAMED(sh, "sh", sh_main, sh_opts, "[option] [-c string | file] [arg ...]",
                 "The vos shell (bash-compatible).", VL_NO_OPTIONS, 2);
VL_COMMAND_NAMED(bash, "bash", sh_main, sh_opts, "[option] [-c string | file] [arg ...]",
                 "The vos shell (bash-compatible).", VL_NO_OPTIONS, 2);

/* ---- the session ---- */
static void *session_new(vk_proc *p)
{
    return sh_new(p, "bash", vk_environ(p));
}

typedef struct iso_arg {
    sh_state *sh;
    const char *script;
} iso_arg;

static int iso_entry(vk_proc *p, void *arg)
{
    iso_arg *ia = arg;
    sh_state *sh = ia->sh;
    sh_run_string(sh, ia->script, strlen(ia->script), 1);
    if (!sh->cmode && sh->fatal && sh->status == 127) sh->status = 1;
    sh->jump = J_NONE;
    sh->fatal = false;
    sh_run_exit_trap(sh); /* a syntax error left $? as bash leaves it */
    int st = sh->status;
    (void)p;
    return st & 0xff;
}

static int session_exec(void *session, vk_proc *p, const char *script, const char *argv0,
                        const char *const *args, const vos_env_var *env, size_t n_env,
                        int flags)
{
    bool isolated = flags & SH_SESSION_ISOLATED;
    sh_state *sh = session;
    if (!sh || !script) return 2;
    sh->p = p;
    /* the host may have moved the session's cwd */
    const char *cwd = vk_getcwd(p);
    const char *pwd = sh_var_value(sh, "PWD");
    if (cwd && (!pwd || strcmp(pwd, cwd) != 0)) sh_var_set(sh, "PWD", cwd, VF_EXPORT);
    char *name = vk_strdup(p, argv0 ? argv0 : "vos");
    if (name) {
        vk_free(p, sh->arg0);
        sh->arg0 = name;
        sh->srcname = name;
    }
    /* Like a terminal, the session keeps $?, PIPESTATUS, $_, $!, set -- and the rest from one
     * exec to the next; an exec that passes arguments gets them as $1..., and the next exec
     * without arguments does not inherit them. */
    if (args || sh->pos_from_args) {
        int nargs = 0;
        while (args && args[nargs]) nargs++;
        set_pos(sh, args, nargs);
        sh->pos_from_args = args != NULL;
    }
    /* a -c string, or a script file named argv0 (then a "main" frame, no c in $-) */
    sh->cmode = !(flags & SH_SESSION_FILE);
    if (sh->cmode) sh_var_set(sh, "BASH_EXECUTION_STRING", script, 0);
    else sh_var_unset(sh, "BASH_EXECUTION_STRING");
    sh->jump = J_NONE;
    sh->fatal = false;
    sh->dying = false;
    sh->syntax_err = false;
    sh->cond = 0;
    sh->nest = 0;
    sh->loop_depth = 0;
    sh->lineno = 1;
    sh->can_exec_last = false; /* the session outlives its scripts */
    sh->tail_node = NULL;
    sh->exec_tail = false;
    sh_saved *mark = sh->tempenv;
    for (size_t i = 0; i < n_env; i++) {
        if (!env[i].name || !sh_is_name(env[i].name, strlen(env[i].name))) continue;
        if (env[i].value)
            sh_tempenv_push(sh, env[i].name, env[i].value);
    }
    int status;
    bool syntax = false, exited = false;
    if (isolated) {
        vk_proc *child;
        int rc = vk_proc_new(p, &child);
        if (rc < 0) {
            status = 1;
        } else {
            iso_arg ia = {.sh = sh_clone(sh, child), .script = script};
            if (!ia.sh) {
                vk_proc_discard(child);
                status = 1;
            } else {
                ia.sh->subshell = sh->subshell;
                ia.sh->is_child = false;
                int ws = vk_proc_run(child, iso_entry, &ia);
                status = ws < 0 ? 1 : VK_WSHELL(ws);
            }
        }
    } else {
        sh_run_string(sh, script, strlen(script), 1);
        syntax = sh->syntax_err;
        /* `exit` or set -e ended the script: where a terminal would close */
        exited = sh->jump == J_EXIT && !sh->fatal;
        status = sh->status;
        /* a fatal error (set -u, ${x?}) ends a script file with 1, a -c string with 127 */
        if (!sh->cmode && sh->fatal && status == 127) status = sh->status = 1;
        sh->jump = J_NONE;
        sh->fatal = false;
        sh_run_exit_trap(sh);
        status = sh->status;
        if (sh->dying) status = VK_WSHELL(vk_dying(p));
    }
    sh_tempenv_pop(sh, mark);
    sh_vars_pop_level(sh, 1);
    sh->func_depth = 0;
    sh->jump = J_NONE;
    sh->fatal = false;
    sh->dying = false;
    if (!isolated) sh->status = status & 0xff; /* an isolated exec leaves $? alone too */
    sh_jobs_reap(sh);
    /* processes the host spawns next start from the session's environment */
    sh_env_sync(sh);
    if (syntax) return (status & 0xff) | SH_SESSION_SYNTAX;
    return (status & 0xff) | (exited ? SH_SESSION_EXITED : 0);
}

const sh_session_api sh_session_hooks = {session_new, session_exec};
