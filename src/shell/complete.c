/* complete.c: programmable completion's builtins without a terminal: compgen (the words a
 * completion would offer, on stdout), complete (a table of specifications per command name,
 * listed as bash lists them) and compopt. A VM has no line editor, so nothing ever completes
 * interactively; scripts use compgen to list commands, variables, functions and files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cmd.h"
#include "shell/sh.h"

/* actions, in the order bash generates their words and prints them */
enum {
    A_ALIAS,
    A_ARRAYVAR,
    A_BINDING,
    A_BUILTIN,
    A_COMMAND,
    A_DIRECTORY,
    A_DISABLED,
    A_ENABLED,
    A_EXPORT,
    A_FILE,
    A_FUNCTION,
    A_GROUP,
    A_HELPTOPIC,
    A_HOSTNAME,
    A_JOB,
    A_KEYWORD,
    A_RUNNING,
    A_SERVICE,
    A_SETOPT,
    A_SHOPT,
    A_SIGNAL,
    A_STOPPED,
    A_USER,
    A_VARIABLE,
    A_COUNT
};

static const struct {
    const char *name;
    char letter; /* its one-letter option, or 0 (then -A name) */
} actions[A_COUNT] = {
    {"alias", 'a'},    {"arrayvar", 0},  {"binding", 0},   {"builtin", 'b'}, {"command", 'c'},
    {"directory", 'd'}, {"disabled", 0}, {"enabled", 0},   {"export", 'e'},  {"file", 'f'},
    {"function", 0},   {"group", 'g'},   {"helptopic", 0}, {"hostname", 0},  {"job", 'j'},
    {"keyword", 'k'},  {"running", 0},   {"service", 's'}, {"setopt", 0},    {"shopt", 0},
    {"signal", 0},     {"stopped", 0},   {"user", 'u'},    {"variable", 'v'},
};

/* the letters as bash prints them: -a -b -c -d -e -f -g -j -k -s -u -v */
static const int letter_order[] = {A_ALIAS,  A_BUILTIN, A_COMMAND, A_DIRECTORY,
                                   A_EXPORT, A_FILE,    A_GROUP,   A_JOB,
                                   A_KEYWORD, A_SERVICE, A_USER,   A_VARIABLE};

static const char *const copt_names[] = {"bashdefault", "default", "dirnames", "filenames",
                                         "noquote",     "nosort",  "nospace",  "plusdirs"};
enum { CO_BASHDEFAULT = 1, CO_DEFAULT = 2, CO_DIRNAMES = 4, CO_PLUSDIRS = 128 };
#define N_COPTS 8

struct sh_compspec {
    char *name; /* the command, or "-D" / "-E" / "-I" */
    uint32_t actions;
    int copts;
    char *glob, *words, *prefix, *suffix, *filter, *command, *func;
    uint32_t bucket; /* bash's hash of the name in its 512 buckets: complete -p lists by it */
    uint64_t seq;    /* newer first within a bucket */
    struct sh_compspec *next;
};

/* bash keeps -D, -E and -I under these names */
static const char *const special_names[][2] = {
    {"-D", "_DefaultCmD_"}, {"-E", "_EmptycmD_"}, {"-I", "_InitialWorD_"}};

static const char *key_of(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, special_names[i][0]) == 0) return special_names[i][1];
    return name;
}

static const char *shown_name(const char *key)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(key, special_names[i][1]) == 0) return special_names[i][0];
    return key;
}

static uint32_t bucket_of(const char *key)
{
    uint32_t h = 2166136261u; /* bash's hash_string (FNV-1) */
    for (const char *q = key; *q; q++) {
        h *= 16777619u;
        h ^= (uint32_t)(int32_t)(signed char)*q;
    }
    return h & 511;
}

static const char *const spec_args_usage_c =
    "compgen [-abcdefgjksuv] [-o option] [-A action] [-G globpat] [-W wordlist] [-F function] "
    "[-C command] [-X filterpat] [-P prefix] [-S suffix] [word]";

/* ---- the words of each action ---- */

typedef struct wlist {
    sh_state *sh;
    char **v;
    size_t n, cap;
    bool oom;
} wlist;

static void wl_addn(wlist *w, const char *s, size_t n);

static void wl_add(wlist *w, const char *s) { wl_addn(w, s, strlen(s)); }

static void wl_addn(wlist *w, const char *s, size_t n)
{
    if (w->oom) return;
    if (w->n + 1 >= w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 32;
        char **nv = vk_realloc(w->sh->p, w->v, nc * sizeof *nv);
        if (!nv) {
            w->oom = true;
            return;
        }
        w->v = nv;
        w->cap = nc;
    }
    char *d = vk_strndup(w->sh->p, s, n);
    if (!d) {
        w->oom = true;
        return;
    }
    w->v[w->n++] = d;
}

static void wl_free(wlist *w)
{
    for (size_t i = 0; i < w->n; i++) vk_free(w->sh->p, w->v[i]);
    vk_free(w->sh->p, w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

static bool has_prefix(const char *s, const char *pre) { return strncmp(s, pre, strlen(pre)) == 0; }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names in a directory of the VM that start with base (dirs only if dirs_only), each as
 * dir + name; hidden names included, . and .. never, in the directory's order */
static void files(wlist *w, const char *word, bool dirs_only, bool exec_only, bool bare)
{
    sh_state *sh = w->sh;
    const char *slash = strrchr(word, '/');
    char *dir = slash ? vk_strndup(sh->p, word, (size_t)(slash - word + 1)) : NULL;
    const char *base = slash ? slash + 1 : word;
    if (slash && !dir) {
        w->oom = true;
        return;
    }
    const char *open_at = dir ? dir : ".";
    int fd = vk_open(sh->p, open_at, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd >= 0) {
        vk_dirent ent;
        sh_buf path;
        sh_buf_init(&path, sh->p);
        while (vk_readdir(sh->p, fd, &ent) == 1 && !w->oom) {
            if (strcmp(ent.name, ".") == 0 || strcmp(ent.name, "..") == 0) continue;
            if (!has_prefix(ent.name, base)) continue;
            path.len = 0;
            if (dir) sh_buf_adds(&path, dir);
            sh_buf_adds(&path, ent.name);
            if (dirs_only || exec_only) {
                struct vk_stat st;
                if (vk_stat(sh->p, path.s, &st) < 0) continue;
                if (dirs_only && !VK_S_ISDIR(st.mode)) continue;
                if (exec_only && (VK_S_ISDIR(st.mode) || !(st.mode & 0111))) continue;
            }
            wl_add(w, bare ? ent.name : path.s);
        }
        sh_buf_free(&path);
        vk_close(sh->p, fd);
    }
    vk_free(sh->p, dir);
}

/* the lines of a file of the VM (/etc/passwd, /etc/hosts), each passed to fn, NUL-ended */
static void each_line(wlist *w, const char *file, const char *word,
                      void (*fn)(wlist *, char *, const char *))
{
    size_t n;
    int err;
    char *text = sh_read_file(w->sh->p, file, &n, &err);
    if (!text) return;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        fn(w, line, word);
        if (!nl) break;
        line = nl + 1;
    }
    vk_free(w->sh->p, text);
}

/* /etc/passwd, /etc/group: the first ':'-separated field */
static void first_field(wlist *w, char *line, const char *word)
{
    line[strcspn(line, ":")] = 0;
    if (*line && *line != '#' && has_prefix(line, word)) wl_add(w, line);
}

/* /etc/hosts: every name after the address */
static void host_line(wlist *w, char *line, const char *word)
{
    line[strcspn(line, "#")] = 0;
    int field = 0;
    for (char *t = line; *t;) {
        t += strspn(t, " \t");
        size_t k = strcspn(t, " \t");
        if (!k) break;
        char save = t[k];
        t[k] = 0;
        if (field++ > 0 && has_prefix(t, word)) wl_add(w, t);
        t[k] = save;
        t += k;
    }
}

static void vars(wlist *w, const char *word, int need, bool array_only)
{
    size_t n = 0;
    sh_var **arr = sh_vars_sorted(w->sh, &n);
    if (!arr) {
        w->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sh_var *v = arr[i];
        if (need && !(v->flags & need)) continue;
        if (array_only && !(v->flags & (VF_ARRAY | VF_ASSOC))) continue;
        if (has_prefix(v->name, word)) wl_add(w, v->name);
    }
    vk_free(w->sh->p, arr);
}

static void funcs(wlist *w, const char *word)
{
    wlist f = {.sh = w->sh};
    for (sh_func *fn = w->sh->funcs; fn; fn = fn->next)
        if (has_prefix(fn->name, word)) wl_add(&f, fn->name);
    if (f.n) qsort(f.v, f.n, sizeof *f.v, cmp_str);
    for (size_t i = 0; i < f.n; i++) wl_add(w, f.v[i]);
    w->oom |= f.oom;
    wl_free(&f);
}

static void aliases(wlist *w, const char *word)
{
    wlist a = {.sh = w->sh};
    for (sh_alias *al = w->sh->aliases; al; al = al->next)
        if (has_prefix(al->name, word)) wl_add(&a, al->name);
    if (a.n) qsort(a.v, a.n, sizeof *a.v, cmp_str);
    for (size_t i = 0; i < a.n; i++) wl_add(w, a.v[i]);
    w->oom |= a.oom;
    wl_free(&a);
}

/* builtins: all (-1), enabled (1) or disabled (0) */
static void builtins(wlist *w, const char *word, int which)
{
    const sh_builtin *bi;
    for (size_t k = 0; (bi = sh_builtin_at(k)); k++) {
        bool on = sh_builtin_get(w->sh, bi->name) != NULL;
        if (which >= 0 && on != (which == 1)) continue;
        if (has_prefix(bi->name, word)) wl_add(w, bi->name);
    }
}

static const char *const keywords[] = {"if",   "then",  "else",  "elif",     "fi",   "case",
                                       "esac", "for",   "select", "while",   "until", "do",
                                       "done", "in",    "function", "time",  "{",    "}",
                                       "!",    "[[",    "]]",    "coproc"};

static void commands(wlist *w, const char *word)
{
    sh_state *sh = w->sh;
    aliases(w, word);
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (has_prefix(keywords[i], word)) wl_add(w, keywords[i]);
    funcs(w, word);
    builtins(w, word, 1);
    if (strchr(word, '/')) {
        files(w, word, false, true, false);
        return;
    }
    const char *path = sh_var_value(sh, "PATH");
    if (!path) return;
    for (const char *p = path;; p++) {
        size_t k = strcspn(p, ":");
        char *dir = vk_strndup(sh->p, p, k);
        if (!dir) {
            w->oom = true;
            return;
        }
        sh_buf pre;
        sh_buf_init(&pre, sh->p);
        sh_buf_adds(&pre, k ? dir : ".");
        sh_buf_addc(&pre, '/');
        sh_buf_adds(&pre, word);
        files(w, pre.s, false, true, true);
        sh_buf_free(&pre);
        vk_free(sh->p, dir);
        p += k;
        if (!*p) break;
    }
}

static void jobs(wlist *w, const char *word, int state)
{
    /* state: 0 any, 1 running, 2 stopped (a VM's jobs never stop for a terminal) */
    if (state == 2) return;
    sh_job *list[256];
    size_t n = 0;
    for (sh_job *j = w->sh->jobs; j && n < 256; j = j->next)
        if (!j->procsub && j->num > 0 && (state == 0 || !j->done)) list[n++] = j;
    /* oldest first, by the command's first word */
    while (n--) {
        const char *cmd = list[n]->cmd ? list[n]->cmd : "";
        size_t k = strcspn(cmd, " \t");
        char *first = vk_strndup(w->sh->p, cmd, k);
        if (!first) {
            w->oom = true;
            return;
        }
        if (has_prefix(first, word)) wl_add(w, first);
        vk_free(w->sh->p, first);
    }
}

static void from_table(wlist *w, const char *word, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && has_prefix(names[i], word)) wl_add(w, names[i]);
}

static void gen_action(wlist *w, int a, const char *word)
{
    switch (a) {
    case A_ALIAS: aliases(w, word); break;
    case A_ARRAYVAR: vars(w, word, 0, true); break;
    case A_BINDING: break; /* no line editor, no bindings */
    case A_BUILTIN: builtins(w, word, -1); break;
    case A_COMMAND: commands(w, word); break;
    case A_DIRECTORY: files(w, word, true, false, false); break;
    case A_DISABLED: builtins(w, word, 0); break;
    case A_ENABLED: builtins(w, word, 1); break;
    case A_EXPORT: vars(w, word, VF_EXPORT, false); break;
    case A_FILE: files(w, word, false, false, false); break;
    case A_FUNCTION: funcs(w, word); break;
    case A_GROUP: each_line(w, "/etc/group", word, first_field); break;
    case A_HELPTOPIC: builtins(w, word, -1); break;
    case A_HOSTNAME: each_line(w, "/etc/hosts", word, host_line); break;
    case A_JOB: jobs(w, word, 0); break;
    case A_KEYWORD: from_table(w, word, keywords, sizeof keywords / sizeof keywords[0]); break;
    case A_RUNNING: jobs(w, word, 1); break;
    case A_SERVICE: break; /* the VM has no /etc/services */
    case A_SETOPT: {
        /* bash lists set -o's names sorted */
        wlist o = {.sh = w->sh};
        from_table(&o, word, sh_set_option_names(), (size_t)O_COUNT);
        if (o.n) qsort(o.v, o.n, sizeof *o.v, cmp_str);
        for (size_t i = 0; i < o.n; i++) wl_add(w, o.v[i]);
        w->oom |= o.oom;
        wl_free(&o);
        break;
    }
    case A_SHOPT: from_table(w, word, sh_shopt_names(), (size_t)SO_COUNT); break;
    case A_SIGNAL:
        for (int s = 1; s < VK_NSIG; s++) {
            const char *nm = sh_sig_name(s);
            if (!nm) continue;
            char full[32];
            snprintf(full, sizeof full, "SIG%s", nm);
            if (has_prefix(full, word)) wl_add(w, full);
        }
        break;
    case A_STOPPED: jobs(w, word, 2); break;
    case A_USER: each_line(w, "/etc/passwd", word, first_field); break;
    case A_VARIABLE: vars(w, word, 0, false); break;
    }
}

/* -W's list: split as words (quotes kept together), then each expanded as a word is */
static void gen_words(wlist *w, const char *list, const char *word)
{
    sh_state *sh = w->sh;
    wlist raw = {.sh = sh};
    const char *ifs = sh_var_value(sh, "IFS");
    if (!ifs) ifs = " \t\n";
    for (const char *s = list; *s && !raw.oom;) {
        while (*s && strchr(ifs, *s)) s++;
        if (!*s) break;
        const char *st = s;
        while (*s && !strchr(ifs, *s)) {
            const char *n = *s == '\\' || *s == '\'' || *s == '"' ? sh_skip_quoted(s) : s + 1;
            s = n ? n : s + strlen(s); /* an unclosed quote runs to the end */
        }
        wl_addn(&raw, st, (size_t)(s - st));
    }
    char **fields = NULL;
    int nf = 0;
    w->oom |= raw.oom;
    if (raw.n && !raw.oom && sh_expand_words(sh, raw.v, (int)raw.n, &fields, &nf) == 0) {
        for (int i = 0; i < nf; i++)
            if (has_prefix(fields[i], word)) wl_add(w, fields[i]);
        sh_fields_free(sh, fields);
    }
    wl_free(&raw);
}

/* -G: a glob's matches (then filtered by nothing: the word is not a prefix here) */
static void gen_glob(wlist *w, const char *pat)
{
    sh_state *sh = w->sh;
    char *words[1] = {(char *)pat};
    char **fields = NULL;
    int nf = 0;
    if (sh_expand_words(sh, words, 1, &fields, &nf) == 0) {
        for (int i = 0; i < nf; i++)
            if (strcmp(fields[i], pat) != 0) wl_add(w, fields[i]);
        sh_fields_free(sh, fields);
    }
}

/* -C: the command's output lines */
static void gen_command(wlist *w, const char *cmd, const char *word)
{
    sh_state *sh = w->sh;
    sh_buf s;
    sh_buf_init(&s, sh->p);
    /* bash appends the command being completed, the word and the word before it */
    sh_buf_adds(&s, "$(");
    sh_buf_adds(&s, cmd);
    sh_buf_adds(&s, " compgen ");
    sh_quote(&s, word);
    sh_buf_adds(&s, " '')");
    char *out = sh_expand_str(sh, s.s);
    sh_buf_free(&s);
    if (!out) return;
    for (char *line = out; *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        wl_add(w, line);
        if (!nl) break;
        line = nl + 1;
    }
    sh_xfree(sh, out);
}

/* -F: the function's COMPREPLY after a call with COMP_WORDS/COMP_CWORD set for word */
static void gen_func(wlist *w, const char *fn, const char *cmd, const char *word)
{
    sh_state *sh = w->sh;
    sh_buf s;
    sh_buf_init(&s, sh->p);
    sh_buf_adds(&s, "COMPREPLY=(); ");
    sh_buf_adds(&s, fn);
    sh_buf_addc(&s, ' ');
    sh_quote(&s, cmd);
    sh_buf_addc(&s, ' ');
    sh_quote(&s, word);
    sh_buf_adds(&s, " ''");
    int save = sh->status;
    sh_run_source(sh, s.s, s.len, sh->lineno, false);
    sh->status = save;
    sh_buf_free(&s);
    sh_var *v = sh_var_get(sh, "COMPREPLY");
    if (v && (v->flags & VF_ARRAY))
        for (size_t i = 0; i < v->narr; i++)
            if (v->arr[i].val) wl_add(w, v->arr[i].val);
}

/* ---- the specification, read from options ---- */

typedef struct cspec {
    uint32_t actions;
    int copts, copts_off;
    const char *glob, *words, *prefix, *suffix, *filter, *command, *func;
    bool print, remove, dflt, empty, initial;
} cspec;

static int action_index(const char *name)
{
    for (int a = 0; a < A_COUNT; a++)
        if (strcmp(actions[a].name, name) == 0) return a;
    return -1;
}

static int copt_index(const char *name)
{
    for (int i = 0; i < N_COPTS; i++)
        if (strcmp(copt_names[i], name) == 0) return i;
    return -1;
}

/* mode: 0 compgen, 1 complete, 2 compopt. Returns the first operand's index, or -1 after the
 * message (status 2 for usage, 1 for a bad option or action name as bash gives). */
static int read_spec(sh_state *sh, int argc, char **argv, int mode, cspec *c, int *status)
{
    static const vl_opt gen_opts[] = {
        {.id = 'a'}, {.id = 'b'}, {.id = 'c'}, {.id = 'd'}, {.id = 'e'}, {.id = 'f'},
        {.id = 'g'}, {.id = 'j'}, {.id = 'k'}, {.id = 's'}, {.id = 'u'}, {.id = 'v'},
        {.id = 'o', .arg = VL_ARG}, {.id = 'A', .arg = VL_ARG}, {.id = 'G', .arg = VL_ARG},
        {.id = 'W', .arg = VL_ARG}, {.id = 'F', .arg = VL_ARG}, {.id = 'C', .arg = VL_ARG},
        {.id = 'X', .arg = VL_ARG}, {.id = 'P', .arg = VL_ARG}, {.id = 'S', .arg = VL_ARG},
        {.id = 'p'}, {.id = 'r'}, {.id = 'D'}, {.id = 'E'}, {.id = 'I'}, {0},
    };
    static const vl_opt opt_opts[] = {
        {.id = 'o', .arg = VL_ARG | VL_PLUS}, {.id = 'D'}, {.id = 'E'}, {.id = 'I'}, {0},
    };
    /* compgen takes neither -p -r nor -D -E -I: cut them off the table */
    vl_opt compgen_opts[sizeof gen_opts / sizeof gen_opts[0]];
    const vl_opt *table = gen_opts;
    if (mode == 0) {
        size_t k = 0;
        for (size_t i = 0; gen_opts[i].id; i++)
            if (!strchr("prDEI", gen_opts[i].id)) compgen_opts[k++] = gen_opts[i];
        compgen_opts[k] = (vl_opt){0};
        table = compgen_opts;
    } else if (mode == 2) {
        table = opt_opts;
    }
    const char *usage = mode == 0 ? spec_args_usage_c
                        : mode == 1
                            ? "complete [-abcdefgjksuv] [-pr] [-DEI] [-o option] [-A action] "
                              "[-G globpat] [-W wordlist] [-F function] [-C command] "
                              "[-X filterpat] [-P prefix] [-S suffix] [name ...]"
                            : "compopt [-o|+o option] [-DEI] [name ...]";
    vl_bopts g;
    vl_bopts_init(&g, table, argc, argv);
    int ch;
    char prefix[512];
    while ((ch = vl_bopts_next(&g)) > 0) {
        const char *letters = "abcdefgjksuv";
        const char *l = strchr(letters, ch);
        if (l && ch) {
            for (int a = 0; a < A_COUNT; a++)
                if (actions[a].letter == ch) c->actions |= 1u << a;
            continue;
        }
        switch (ch) {
        case 'o': {
            int k = copt_index(g.arg);
            if (k < 0) {
                sh_builtin_error(sh, argv[0], "%s: invalid option name", g.arg);
                *status = 2;
                return -1;
            }
            if (g.plus) c->copts_off |= 1 << k;
            else c->copts |= 1 << k;
            break;
        }
        case 'A': {
            int a = action_index(g.arg);
            if (a < 0) {
                sh_builtin_error(sh, argv[0], "%s: invalid action name", g.arg);
                *status = 2;
                return -1;
            }
            c->actions |= 1u << a;
            break;
        }
        case 'G': c->glob = g.arg; break;
        case 'W': c->words = g.arg; break;
        case 'F': c->func = g.arg; break;
        case 'C': c->command = g.arg; break;
        case 'X': c->filter = g.arg; break;
        case 'P': c->prefix = g.arg; break;
        case 'S': c->suffix = g.arg; break;
        case 'p': c->print = true; break;
        case 'r': c->remove = true; break;
        case 'D': c->dflt = true; break;
        case 'E': c->empty = true; break;
        case 'I': c->initial = true; break;
        }
    }
    if (ch < 0) {
        if (ch == VL_BOPT_HELP) {
            vl_bash_usage(sh->p, argv[0], usage);
        } else {
            sh_msg_prefix(sh, prefix, sizeof prefix, argv[0]);
            vl_bash_opt_error(sh->p, prefix, &g, ch, argv[0], usage);
        }
        *status = 2;
        return -1;
    }
    return g.ind;
}

/* ---- compgen ---- */

/* the words spec c gives for word (cmd: the command being completed, for -F) */
static void generate(sh_state *sh, const cspec *c, const char *word, const char *cmd, wlist *w)
{
    for (int a = 0; a < A_COUNT; a++)
        if (c->actions & (1u << a)) gen_action(w, a, word);
    if (c->glob) gen_glob(w, c->glob);
    if (c->words) gen_words(w, c->words, word);
    if (c->func) gen_func(w, c->func, cmd, word);
    if (c->command) gen_command(w, c->command, word);
    if (c->filter) {
        /* -X pat removes the words pat matches; !pat keeps only those */
        const char *pat = c->filter;
        bool keep = *pat == '!';
        if (keep) pat++;
        size_t k = 0;
        for (size_t i = 0; i < w->n; i++) {
            bool m = sh_pmatch_case(sh, pat, w->v[i], sh->shopt[SO_EXTGLOB]);
            if (m == keep) w->v[k++] = w->v[i];
            else vk_free(sh->p, w->v[i]);
        }
        w->n = k;
    }
    int opts = c->copts & ~c->copts_off;
    if (!w->n && (opts & CO_DIRNAMES)) files(w, word, true, false, false);
    if (opts & CO_PLUSDIRS) files(w, word, true, false, false);
    if (!w->n && (opts & (CO_DEFAULT | CO_BASHDEFAULT))) files(w, word, false, false, false);
}

int sh_bi_compgen(sh_state *sh, int argc, char **argv)
{
    cspec c = {0};
    int status = 0;
    int i = read_spec(sh, argc, argv, 0, &c, &status);
    if (i < 0) return status;
    const char *word = i < argc ? argv[i] : "";
    if (c.func)
        sh_builtin_error(sh, argv[0], "warning: -F option may not work as you expect");
    if (c.command)
        sh_builtin_error(sh, argv[0], "warning: -C option may not work as you expect");
    wlist w = {.sh = sh};
    generate(sh, &c, word, "compgen", &w);
    if (w.oom) {
        wl_free(&w);
        sh_builtin_error(sh, argv[0], "out of memory");
        return 1;
    }
    sh_buf out;
    sh_buf_init(&out, sh->p);
    for (size_t k = 0; k < w.n; k++) {
        if (c.prefix) sh_buf_adds(&out, c.prefix);
        sh_buf_adds(&out, w.v[k]);
        if (c.suffix) sh_buf_adds(&out, c.suffix);
        sh_buf_addc(&out, '\n');
    }
    bool any = w.n > 0;
    wl_free(&w);
    sh_write_str(sh, 1, out.s ? out.s : "");
    sh_buf_free(&out);
    /* no word asked for and nothing to generate is success, as in bash */
    if (!any && (c.actions || c.glob || c.words || c.func || c.command || c.copts)) return 1;
    return 0;
}

/* ---- complete and compopt ---- */

static void spec_free(vk_proc *p, struct sh_compspec *s)
{
    char **f[] = {&s->name, &s->glob, &s->words, &s->prefix, &s->suffix,
                  &s->filter, &s->command, &s->func};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) vk_free(p, *f[i]);
    vk_free(p, s);
}

void sh_comp_free(sh_state *sh)
{
    while (sh->compspecs) {
        struct sh_compspec *s = sh->compspecs;
        sh->compspecs = s->next;
        spec_free(sh->p, s);
    }
}

static char *dup_or_null(vk_proc *p, const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = vk_strdup(p, s);
    if (!d) *oom = true;
    return d;
}

static struct sh_compspec *spec_new(vk_proc *p, const char *name, uint32_t acts, int copts,
                                    const char *const strs[7])
{
    struct sh_compspec *s = vk_calloc(p, 1, sizeof *s);
    if (!s) return NULL;
    bool oom = false;
    s->name = dup_or_null(p, name, &oom);
    s->bucket = bucket_of(name);
    s->actions = acts;
    s->copts = copts;
    s->glob = dup_or_null(p, strs[0], &oom);
    s->words = dup_or_null(p, strs[1], &oom);
    s->prefix = dup_or_null(p, strs[2], &oom);
    s->suffix = dup_or_null(p, strs[3], &oom);
    s->filter = dup_or_null(p, strs[4], &oom);
    s->command = dup_or_null(p, strs[5], &oom);
    s->func = dup_or_null(p, strs[6], &oom);
    if (oom) {
        spec_free(p, s);
        return NULL;
    }
    return s;
}

bool sh_comp_copy(sh_state *to, const sh_state *from)
{
    to->compspecs = NULL;
    struct sh_compspec **tail = &to->compspecs;
    for (const struct sh_compspec *s = from->compspecs; s; s = s->next) {
        const char *strs[7] = {s->glob, s->words, s->prefix, s->suffix,
                               s->filter, s->command, s->func};
        struct sh_compspec *n = spec_new(to->p, s->name, s->actions, s->copts, strs);
        if (!n) return false;
        n->seq = s->seq;
        *tail = n;
        tail = &n->next;
    }
    return true;
}

static struct sh_compspec **spec_find(sh_state *sh, const char *name)
{
    name = key_of(name);
    struct sh_compspec **pp = &sh->compspecs;
    while (*pp && strcmp((*pp)->name, name) != 0) pp = &(*pp)->next;
    return pp;
}

static void print_spec(sh_buf *b, const struct sh_compspec *s)
{
    sh_buf_adds(b, "complete");
    for (int i = 0; i < N_COPTS; i++)
        if (s->copts & (1 << i)) sh_buf_printf(b, " -o %s", copt_names[i]);
    for (size_t i = 0; i < sizeof letter_order / sizeof letter_order[0]; i++)
        if (s->actions & (1u << letter_order[i]))
            sh_buf_printf(b, " -%c", actions[letter_order[i]].letter);
    for (int a = 0; a < A_COUNT; a++)
        if (!actions[a].letter && (s->actions & (1u << a)))
            sh_buf_printf(b, " -A %s", actions[a].name);
    const struct {
        const char *flag, *val;
    } args[] = {{"-G", s->glob},   {"-W", s->words},   {"-P", s->prefix},
                {"-S", s->suffix}, {"-X", s->filter}, {"-C", s->command}};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        if (!args[i].val) continue;
        sh_buf_printf(b, " %s '", args[i].flag);
        for (const char *c = args[i].val; *c; c++) {
            if (*c == '\'') sh_buf_adds(b, "'\\''");
            else sh_buf_addc(b, *c);
        }
        sh_buf_addc(b, '\'');
    }
    if (s->func) sh_buf_printf(b, " -F %s", s->func);
    sh_buf_printf(b, " %s\n", shown_name(s->name));
}

static int cmp_spec(const void *a, const void *b)
{
    const struct sh_compspec *x = *(const struct sh_compspec *const *)a;
    const struct sh_compspec *y = *(const struct sh_compspec *const *)b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    return x->seq > y->seq ? -1 : x->seq < y->seq;
}

/* every specification, in bash's order: bucket by bucket, the newest first in each */
static void print_all(sh_state *sh, sh_buf *b)
{
    size_t n = 0;
    for (struct sh_compspec *s = sh->compspecs; s; s = s->next) n++;
    if (!n) return;
    struct sh_compspec **v = vk_malloc(sh->p, n * sizeof *v);
    if (!v) return;
    n = 0;
    for (struct sh_compspec *s = sh->compspecs; s; s = s->next) v[n++] = s;
    qsort(v, n, sizeof *v, cmp_spec);
    for (size_t i = 0; i < n; i++) print_spec(b, v[i]);
    vk_free(sh->p, v);
}

/* the names a complete/compopt command line names: its operands, plus -D -E -I */
static int spec_names(const cspec *c, int argc, char **argv, int i, const char **names,
                      int max)
{
    int n = 0;
    if (c->dflt && n < max) names[n++] = "-D";
    if (c->empty && n < max) names[n++] = "-E";
    if (c->initial && n < max) names[n++] = "-I";
    for (; i < argc && n < max; i++) names[n++] = argv[i];
    return n;
}

typedef int (*names_fn)(sh_state *sh, const cspec *c, char **argv, const char **names, int n);

/* complete and compopt (mode 1, 2): their options, then fn on the names they list */
static int spec_and_names(sh_state *sh, int argc, char **argv, int mode, names_fn fn)
{
    cspec c = {0};
    int status = 0;
    int i = read_spec(sh, argc, argv, mode, &c, &status);
    if (i < 0) return status;
    const char **names = vk_malloc(sh->p, (size_t)(argc - i + 3) * sizeof *names);
    if (!names) {
        sh_builtin_error(sh, argv[0], "out of memory");
        return 1;
    }
    int n = spec_names(&c, argc, argv, i, names, argc - i + 3);
    int rc = fn(sh, &c, argv, names, n);
    vk_free(sh->p, names);
    return rc;
}

static int complete_names(sh_state *sh, const cspec *c0, char **argv, const char **names, int n);

int sh_bi_complete(sh_state *sh, int argc, char **argv)
{
    return spec_and_names(sh, argc, argv, 1, complete_names);
}

/* complete's work once its options and names are read */
static int complete_names(sh_state *sh, const cspec *c0, char **argv, const char **names, int n)
{
    cspec c = *c0;
    bool defines = c.actions || c.copts || c.glob || c.words || c.prefix || c.suffix ||
                   c.filter || c.command || c.func;
    if (c.remove) {
        if (!n) {
            sh_comp_free(sh);
            return 0;
        }
        for (int k = 0; k < n; k++) {
            struct sh_compspec **pp = spec_find(sh, names[k]);
            if (!*pp) continue; /* bash says nothing when removing what is not there */
            struct sh_compspec *s = *pp;
            *pp = s->next;
            spec_free(sh->p, s);
        }
        return 0;
    }
    if (c.print || (!n && !defines)) {
        sh_buf b;
        sh_buf_init(&b, sh->p);
        int rc = 0;
        if (!n) {
            print_all(sh, &b);
        } else {
            for (int k = 0; k < n; k++) {
                struct sh_compspec *s = *spec_find(sh, names[k]);
                if (s) {
                    print_spec(&b, s);
                } else {
                    sh_write_str(sh, 1, b.s ? b.s : "");
                    b.len = 0;
                    if (b.s) b.s[0] = 0;
                    sh_builtin_error(sh, argv[0], "%s: no completion specification", names[k]);
                    rc = 1;
                }
            }
        }
        sh_write_str(sh, 1, b.s ? b.s : "");
        sh_buf_free(&b);
        return rc;
    }
    if (!n) {
        vl_bash_usage(sh->p, argv[0],
                      "complete [-abcdefgjksuv] [-pr] [-DEI] [-o option] [-A action] "
                      "[-G globpat] [-W wordlist] [-F function] [-C command] [-X filterpat] "
                      "[-P prefix] [-S suffix] [name ...]");
        return 2;
    }
    const char *strs[7] = {c.glob, c.words, c.prefix, c.suffix, c.filter, c.command, c.func};
    for (int k = 0; k < n; k++) {
        struct sh_compspec *s = spec_new(sh->p, key_of(names[k]), c.actions, c.copts, strs);
        if (!s) {
            sh_builtin_error(sh, argv[0], "out of memory");
            return 1;
        }
        /* a new specification replaces the old in its place */
        uint64_t top = 0;
        for (struct sh_compspec *o = sh->compspecs; o; o = o->next)
            if (o->seq > top) top = o->seq;
        struct sh_compspec **pp = spec_find(sh, names[k]);
        if (*pp) {
            /* bash replaces the data of an entry in its place */
            s->seq = (*pp)->seq;
            s->next = (*pp)->next;
            spec_free(sh->p, *pp);
        } else {
            s->seq = top + 1;
        }
        *pp = s;
    }
    return 0;
}

static int compopt_names(sh_state *sh, const cspec *c0, char **argv, const char **names, int n);

int sh_bi_compopt(sh_state *sh, int argc, char **argv)
{
    return spec_and_names(sh, argc, argv, 2, compopt_names);
}

/* compopt's work once its options and names are read */
static int compopt_names(sh_state *sh, const cspec *c0, char **argv, const char **names, int n)
{
    cspec c = *c0;
    if (!n) {
        /* outside a completion function there is nothing current to change */
        sh_builtin_error(sh, argv[0], "not currently executing completion function");
        return 1;
    }
    int rc = 0;
    for (int k = 0; k < n; k++) {
        struct sh_compspec *s = *spec_find(sh, names[k]);
        if (!s) {
            sh_builtin_error(sh, argv[0], "%s: no completion specification", names[k]);
            rc = 1;
            continue;
        }
        if (!c.copts && !c.copts_off) {
            sh_buf b;
            sh_buf_init(&b, sh->p);
            sh_buf_adds(&b, "compopt");
            for (int o = 0; o < N_COPTS; o++)
                sh_buf_printf(&b, " %co %s", s->copts & (1 << o) ? '-' : '+', copt_names[o]);
            sh_buf_printf(&b, " %s\n", names[k]);
            sh_write_str(sh, 1, b.s);
            sh_buf_free(&b);
            continue;
        }
        s->copts = (s->copts | c.copts) & ~c.copts_off;
    }
    return rc;
}
