/* find: search a directory tree, as GNU findutils 4.9 does: options -H -L -P -D -O, the global
 * options, GNU's tests, actions and operators with their precedence and the implied -print,
 * -printf with GNU's directives, -exec/-execdir/-ok/-okdir ({} ; and {} +), GNU's messages and
 * exit status. Entries come in the directory listing's order (GNU reads directories with
 * readdir, unsorted); a file is stat'ed only when the expression needs more than its name and
 * listing type. Nothing recurses on the C stack: the expression is compiled to a flat program
 * with jumps (so a 100,000-deep expression is fine) and the walk keeps its own stack of open
 * listings. Not here: -context, -fls/-ls quoting of odd bytes, SELinux (%Z). */
#include "lib/cmd.h"
#include "lib/fnmatch.h"
#include "lib/parsedate.h"
#include "lib/regex.h"
#include "lib/timefmt.h"
#include "lib/walk.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL
#define BATCH_MAX (128 * 1024) /* bytes of arguments for one -exec ... {} + run */

/* ---- predicates ---- */
enum {
    P_TRUE, P_FALSE, P_NAME, P_INAME, P_PATH, P_IPATH, P_REGEX, P_TYPE, P_XTYPE, P_SIZE,
    P_EMPTY, P_TIME, P_NEWER, P_USED, P_PERM, P_UID, P_GID, P_USER, P_GROUP, P_NOUSER,
    P_NOGROUP, P_LINKS, P_INUM, P_SAMEFILE, P_ACCESS, P_FSTYPE, P_LNAME, P_ILNAME,
    /* actions */
    P_PRINT, P_PRINT0, P_PRINTF, P_LS, P_DELETE, P_EXEC, P_PRUNE, P_QUIT,
};

enum { CMP_EQ, CMP_LT, CMP_GT };

typedef struct outfile {
    const char *name;
    int fd; /* 1 for stdout */
    vl_buf buf;
} outfile;

typedef struct execp {
    char **argv; /* the template, NULL-terminated */
    int argc;
    bool plus, indir, ok;
    const char *what; /* "-exec"... for messages */
    /* {} + batches */
    char **bv;
    size_t bn, bcap, bbytes, nfixed;
    char *bdir; /* -execdir +: the directory of the batch */
} execp;

typedef struct pred {
    int kind;
    const char *s;    /* pattern, format */
    int cmp;
    int64_t n;        /* numbers; time thresholds */
    double d;
    int64_t unit;
    int which;        /* time: 'a' 'c' 'm'; newer: the entry's time */
    unsigned mode;
    int permkind;     /* 0 exact, '-' all, '/' any */
    unsigned types;   /* -type bits */
    int flags;
    vl_re *re;
    outfile *out;
    execp *ex;
    uint64_t dev, ino;
} pred;

/* the compiled expression: a flat program */
enum { I_PRED, I_JF, I_JT, I_NOT };
typedef struct insn {
    int op;
    int arg; /* predicate index or jump target */
} insn;

typedef struct entry {
    int depth;
    size_t namepos; /* start of the last component in path */
    unsigned dtype;
    bool have_l, have_s;
    int lerr, serr;
    struct vk_stat lst, st;
    bool isdir;
} entry;

typedef struct level {
    char *names;
    size_t *off;
    unsigned char *types;
    struct vk_stat *attrs; /* when the listing gave them (else NULL) */
    unsigned char *hasattr;
    size_t n, i;
    size_t plen; /* length of the directory's own path */
    uint64_t dev, ino;
    entry self; /* -depth: the directory, evaluated after its entries */
    bool post;
} level;

typedef struct find {
    vl_ctx *c;
    int follow; /* 'P' 'H' 'L' */
    int maxdepth, mindepth;
    bool depth_first, xdev, warn;
    const char *last_nonopt; /* the last test or action parsed (for -warn's messages) */
    int regex_syntax;
    pred *preds;
    size_t np, cappred;
    insn *prog;
    size_t nprog, capprog;
    outfile **outs;
    size_t nouts;
    execp **execs;
    size_t nexecs;
    bool need_stat; /* the expression looks at more than names and types */
    int64_t now_ns;
    int64_t origin_ns; /* what -mtime and friends count from (-daystart moves it) */
    vl_tz tz;
    vl_ids *ids;
    /* the walk */
    vl_buf path;
    const char *root;
    uint64_t root_dev;
    entry *cur;
    level *lv;
    size_t nlv, caplv;
    bool prune, quit;
    unsigned ticks;
    vk_statfs_buf *sfs; /* -fstype, %F */
    /* -ls column widths (they grow, as GNU's do) */
    int w_ino, w_blocks, w_nlink, w_user, w_group, w_size;
} find;

static const char *q(find *F, const char *s) { return vl_quote_always(F->c, s); }

static void tick(find *F)
{
    if (++F->ticks < 256) return;
    F->ticks = 0;
    int rc = vk_steps(F->c->p, 256);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(F->c->p);
        vl_exit(F->c, w ? VK_WSHELL(w) : 1);
    }
}

/* ---- stat, on demand ---- */
static const char *cpath(find *F) { return F->path.data; }

static int get_lstat(find *F, entry *e)
{
    if (!e->have_l) {
        e->lerr = vk_lstat(F->c->p, cpath(F), &e->lst);
        e->have_l = true;
    }
    return e->lerr;
}

static bool follows(find *F, entry *e)
{
    return F->follow == 'L' || (F->follow == 'H' && e->depth == 0);
}

/* The status the tests use: followed for -L (and -H roots), else the link itself. A dangling
 * link followed gives the link's own status, as GNU does. */
static int get_stat(find *F, entry *e, struct vk_stat **out)
{
    if (!follows(F, e)) {
        int rc = get_lstat(F, e);
        *out = &e->lst;
        return rc;
    }
    if (!e->have_s) {
        e->have_s = true;
        e->serr = vk_stat(F->c->p, cpath(F), &e->st);
        if (e->serr == VOS_ENOENT || e->serr == VOS_ELOOP) {
            int rc = get_lstat(F, e);
            if (rc == 0) {
                e->st = e->lst;
                e->serr = 0;
            }
        }
    }
    *out = &e->st;
    return e->serr;
}

/* stat for a test; reports a failure once and returns NULL */
static struct vk_stat *need(find *F, entry *e)
{
    struct vk_stat *st;
    int rc = get_stat(F, e, &st);
    if (rc < 0) {
        if (rc != -1000) {
            vl_error(F->c, "%s: %s", q(F, cpath(F)), vl_strerror(rc));
            if (follows(F, e)) e->serr = -1000;
            else e->lerr = -1000;
        }
        return NULL;
    }
    return st;
}

/* ---- the expression's parser ---- */
static pred *new_pred(find *F, int kind)
{
    if (F->np == F->cappred) {
        F->cappred = F->cappred ? F->cappred * 2 : 16;
        F->preds = vl_xrealloc(F->c, F->preds, F->cappred * sizeof *F->preds);
    }
    pred *p = &F->preds[F->np++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    return p;
}

_Noreturn static void die(find *F, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void die(find *F, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_die(F->c, 1, "%s", msg);
}

/* a number with an optional + or - in front */
static bool parse_cmp_num(const char *s, int *cmp, int64_t *n)
{
    *cmp = CMP_EQ;
    if (*s == '+') *cmp = CMP_GT, s++;
    else if (*s == '-') *cmp = CMP_LT, s++;
    if (!isdigit((unsigned char)*s)) return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return false;
    *n = (int64_t)v;
    return true;
}

static bool cmp_ok(int cmp, int64_t v, int64_t n)
{
    return cmp == CMP_EQ ? v == n : cmp == CMP_LT ? v < n : v > n;
}

static unsigned type_bit(int ch)
{
    const char *t = "fdlbcpsD";
    const char *x = ch ? strchr(t, ch) : NULL;
    return x ? 1u << (x - t) : 0;
}

static unsigned mode_type_bit(uint32_t mode)
{
    switch (mode & VK_S_IFMT) {
    case VK_S_IFREG: return type_bit('f');
    case VK_S_IFDIR: return type_bit('d');
    case VK_S_IFLNK: return type_bit('l');
    case VK_S_IFBLK: return type_bit('b');
    case VK_S_IFCHR: return type_bit('c');
    case VK_S_IFIFO: return type_bit('p');
    case VK_S_IFSOCK: return type_bit('s');
    }
    return 0;
}

static unsigned parse_types(find *F, const char *what, const char *s)
{
    unsigned bits = 0;
    if (!*s) die(F, "Arguments to %s should contain at least one letter", what);
    for (const char *p = s; *p; p++) {
        unsigned b = type_bit(*p);
        if (!b) die(F, "Unknown argument to %s: %c", what, *p);
        if (bits & b) die(F, "Duplicate file type '%c' in the argument list to %s.", *p, what);
        bits |= b;
        if (p[1] == ',') {
            p++;
            if (!p[1]) die(F, "Last file type in list argument to %s is missing, i.e., list is ending on: ','", what);
        } else if (p[1]) {
            die(F, "Must separate multiple arguments to %s using: ','", what);
        }
    }
    return bits;
}

static outfile *open_out(find *F, const char *name)
{
    for (size_t i = 0; i < F->nouts; i++)
        if (!strcmp(F->outs[i]->name, name)) return F->outs[i];
    outfile *o = vl_xcalloc(F->c, 1, sizeof *o);
    o->name = name;
    if (!strcmp(name, "/dev/stdout")) o->fd = 1;
    else if (!strcmp(name, "/dev/stderr")) o->fd = 2;
    else {
        o->fd = vk_open(F->c->p, name, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (o->fd < 0) die(F, "%s: %s", q(F, name), vl_strerror(o->fd));
    }
    F->outs = vl_xrealloc(F->c, F->outs, (F->nouts + 1) * sizeof *F->outs);
    F->outs[F->nouts++] = o;
    return o;
}

static int regex_type(const char *s)
{
    static const struct {
        const char *name;
        int syntax;
    } t[] = {
        {"findutils-default", VL_RE_EMACS}, {"ed", VL_RE_BRE}, {"emacs", VL_RE_EMACS},
        {"gnu-awk", VL_RE_ERE}, {"grep", VL_RE_BRE}, {"posix-awk", VL_RE_ERE},
        {"awk", VL_RE_ERE}, {"posix-basic", VL_RE_BRE}, {"posix-egrep", VL_RE_ERE},
        {"egrep", VL_RE_ERE}, {"posix-extended", VL_RE_ERE}, {"posix-minimal-basic", VL_RE_BRE},
        {"sed", VL_RE_BRE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(s, t[i].name)) return t[i].syntax;
    return -1;
}

static void free_res(void *arg)
{
    find *F = arg;
    for (size_t i = 0; i < F->np; i++) {
        vl_re_free(F->preds[i].re);
        F->preds[i].re = NULL;
    }
}

/* -mtime and friends: N days (or minutes) with GNU's boundaries, kept as thresholds on the age
 * in ns; see eval_time */
static void parse_time_arg(find *F, pred *p, const char *what, const char *arg, int64_t unit)
{
    const char *s = arg;
    p->cmp = CMP_EQ;
    if (*s == '+') p->cmp = CMP_GT, s++;
    else if (*s == '-') p->cmp = CMP_LT, s++;
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isdigit((unsigned char)*s) || !isfinite(v))
        die(F, "invalid argument `%s' to `%s'", arg, what);
    p->d = v;
    p->unit = unit;
}

static int64_t ref_time(const struct vk_stat *st, int which)
{
    return which == 'a' ? st->atime_ns : which == 'c' ? st->ctime_ns : st->mtime_ns;
}

static bool is_action(int kind)
{
    return kind >= P_PRINT && kind != P_PRUNE && kind != P_QUIT;
}

/* Tokens of the operator parser */
enum { T_PRED, T_NOT, T_AND, T_OR, T_COMMA, T_LP, T_RP };
typedef struct node {
    int op; /* T_PRED T_NOT T_AND T_OR T_COMMA */
    int a, b;
    int pred;
} node;

typedef struct parser {
    node *nodes;
    size_t nn, capn;
    int *vals; /* operand stack: node indices */
    size_t nv, capv;
    int *ops; /* operator stack: T_* */
    const char **opname;
    size_t no, capo;
} parser;

static int add_node(find *F, parser *P, int op, int a, int b, int pr)
{
    if (P->nn == P->capn) {
        P->capn = P->capn ? P->capn * 2 : 64;
        P->nodes = vl_xrealloc(F->c, P->nodes, P->capn * sizeof *P->nodes);
    }
    P->nodes[P->nn] = (node){op, a, b, pr};
    return (int)P->nn++;
}

static void push_val(find *F, parser *P, int v)
{
    if (P->nv == P->capv) {
        P->capv = P->capv ? P->capv * 2 : 64;
        P->vals = vl_xrealloc(F->c, P->vals, P->capv * sizeof *P->vals);
    }
    P->vals[P->nv++] = v;
}

static void push_op(find *F, parser *P, int op, const char *name)
{
    if (P->no == P->capo) {
        P->capo = P->capo ? P->capo * 2 : 64;
        P->ops = vl_xrealloc(F->c, P->ops, P->capo * sizeof *P->ops);
        P->opname = vl_xrealloc(F->c, P->opname, P->capo * sizeof *P->opname);
    }
    P->ops[P->no] = op;
    P->opname[P->no++] = name;
}

static int prec(int op) { return op == T_NOT ? 4 : op == T_AND ? 3 : op == T_OR ? 2 : op == T_COMMA ? 1 : 0; }

static void reduce(find *F, parser *P)
{
    int op = P->ops[--P->no];
    if (op == T_NOT) {
        int a = P->vals[--P->nv];
        push_val(F, P, add_node(F, P, T_NOT, a, -1, -1));
    } else {
        int b = P->vals[--P->nv], a = P->vals[--P->nv];
        push_val(F, P, add_node(F, P, op, a, b, -1));
    }
}

/* push a binary operator after reducing what binds at least as tightly (left associative) */
static void binary(find *F, parser *P, int op, const char *name)
{
    while (P->no && P->ops[P->no - 1] != T_LP && prec(P->ops[P->no - 1]) >= prec(op)) reduce(F, P);
    push_op(F, P, op, name);
}

static void emit(find *F, int op, int arg)
{
    if (F->nprog == F->capprog) {
        F->capprog = F->capprog ? F->capprog * 2 : 64;
        F->prog = vl_xrealloc(F->c, F->prog, F->capprog * sizeof *F->prog);
    }
    F->prog[F->nprog++] = (insn){op, arg};
}

/* Compile the tree to the flat program, depth first with an explicit stack. */
static void compile(find *F, parser *P, int root)
{
    typedef struct frame {
        int n, state, patch;
    } frame;
    size_t cap = 64, sp = 0;
    frame *st = vl_xmalloc(F->c, cap * sizeof *st);
    st[sp++] = (frame){root, 0, -1};
    while (sp) {
        frame *fr = &st[sp - 1];
        node *nd = &P->nodes[fr->n];
        int child = -1;
        if (nd->op == T_PRED) {
            emit(F, I_PRED, nd->pred);
            sp--;
            continue;
        }
        if (fr->state == 0) {
            fr->state = 1;
            child = nd->a;
        } else if (fr->state == 1) {
            if (nd->op == T_NOT) {
                emit(F, I_NOT, 0);
                sp--;
                continue;
            }
            fr->state = 2;
            if (nd->op != T_COMMA) {
                fr->patch = (int)F->nprog;
                emit(F, nd->op == T_AND ? I_JF : I_JT, 0);
            }
            child = nd->b;
        } else {
            if (fr->patch >= 0) F->prog[fr->patch].arg = (int)F->nprog;
            sp--;
            continue;
        }
        if (sp == cap) st = vl_xrealloc(F->c, st, (cap *= 2) * sizeof *st);
        st[sp++] = (frame){child, 0, -1};
    }
    vl_xfree(F->c, st);
}

static bool needs_stat_kind(int kind)
{
    switch (kind) {
    case P_TRUE: case P_FALSE: case P_NAME: case P_INAME: case P_PATH: case P_IPATH:
    case P_REGEX: case P_PRINT: case P_PRINT0: case P_PRUNE: case P_QUIT: case P_EXEC:
    case P_DELETE: case P_TYPE:
        return false;
    }
    return true;
}

static const char *arg1(find *F, char **argv, int argc, int *i, const char *what)
{
    if (*i + 1 >= argc) die(F, "missing argument to `%s'", what);
    return argv[++*i];
}

static int64_t parse_depth(find *F, const char *what, const char *s)
{
    const char *p = s;
    if (!isdigit((unsigned char)*p)) goto bad;
    while (isdigit((unsigned char)*p)) p++;
    if (*p) goto bad;
    int64_t v = strtoll(s, NULL, 10);
    return v > INT32_MAX ? INT32_MAX : v;
bad:
    die(F, "Expected a positive decimal integer argument to %s, but got %s", what, q(F, s));
}

static void parse_exec(find *F, pred *p, char **argv, int argc, int *i, const char *what)
{
    execp *ex = vl_xcalloc(F->c, 1, sizeof *ex);
    ex->what = what;
    ex->indir = !strcmp(what, "-execdir") || !strcmp(what, "-okdir");
    ex->ok = !strcmp(what, "-ok") || !strcmp(what, "-okdir");
    int start = *i + 1, j = start;
    for (; j < argc; j++) {
        if (!strcmp(argv[j], ";")) break;
        if (!strcmp(argv[j], "+") && j > start && !strcmp(argv[j - 1], "{}") && !ex->ok) {
            ex->plus = true;
            break;
        }
    }
    if (j >= argc || j == start) die(F, "missing argument to `%s'", what);
    ex->argc = j - start;
    if (ex->plus) {
        for (int k = start; k < j - 1; k++)
            if (strstr(argv[k], "{}"))
                die(F, "Only one instance of {} is supported with %s ... +", what);
    }
    ex->argv = vl_xcalloc(F->c, (size_t)ex->argc + 1, sizeof *ex->argv);
    for (int k = 0; k < ex->argc; k++) ex->argv[k] = argv[start + k];
    p->ex = ex;
    F->execs = vl_xrealloc(F->c, F->execs, (F->nexecs + 1) * sizeof *F->execs);
    F->execs[F->nexecs++] = ex;
    *i = j;
}

static void check_octal_perm(find *F, pred *p, const char *s)
{
    unsigned m;
    if (vl_mode_parse(s, 0, 0, false, &m) < 0) die(F, "invalid mode %s", q(F, s));
    p->mode = m & 07777;
}

/* GNU's warning for a global option after a test (only with -warn: GNU turns warnings on when
 * stdin is a terminal, and a VM has none) */
static void global_opt(find *F, const char *w)
{
    if (F->warn && F->last_nonopt)
        vl_eprintf(F->c, "%s: warning: you have specified the global option %s after the argument "
                         "%s, but global options are not positional, i.e., %s affects tests "
                         "specified before it as well as those specified after it.  Please "
                         "specify global options before other arguments.\n",
                   F->c->name, w, F->last_nonopt, w);
}

/* Parse one primary at argv[*i] (a name starting with '-'); returns its predicate index, or -1
 * for a global option (no predicate). */
static int parse_primary(find *F, char **argv, int argc, int *i)
{
    const char *w = argv[*i];
    pred *p = NULL;
    vl_ctx *c = F->c;
#define IS(x) (!strcmp(w, x))
    if (IS("-maxdepth") || IS("-mindepth") || IS("-depth") || IS("-d") || IS("-xdev") ||
        IS("-mount") || IS("-noleaf") || IS("-ignore_readdir_race") ||
        IS("-noignore_readdir_race") || IS("-follow"))
        global_opt(F, w);
    if (IS("-maxdepth")) {
        F->maxdepth = (int)parse_depth(F, w, arg1(F, argv, argc, i, w));
        return -1;
    } else if (IS("-mindepth")) {
        F->mindepth = (int)parse_depth(F, w, arg1(F, argv, argc, i, w));
        return -1;
    } else if (IS("-depth") || IS("-d")) {
        F->depth_first = true;
        return -1;
    } else if (IS("-xdev") || IS("-mount")) {
        F->xdev = true;
        return -1;
    } else if (IS("-noleaf") || IS("-ignore_readdir_race") || IS("-noignore_readdir_race") ||
               IS("-nowarn")) {
        if (IS("-nowarn")) F->warn = false;
        return -1;
    } else if (IS("-daystart")) {
        /* positional: the time tests after it count from the start of tomorrow, local time */
        if (F->origin_ns == F->now_ns) {
            int64_t sec = F->now_ns / NS + 86400;
            vl_tm tm;
            if (vl_time_split(sec, 0, &F->tz, &tm)) sec -= tm.hour * 3600 + tm.min * 60 + tm.sec;
            else sec -= sec % 86400;
            F->origin_ns = sec * NS;
        }
        return -1;
    } else if (IS("-warn")) {
        F->warn = true;
        return -1;
    } else if (IS("-follow")) {
        F->follow = 'L';
        return -1;
    } else if (IS("-regextype")) {
        const char *a = arg1(F, argv, argc, i, w);
        int t = regex_type(a);
        if (t < 0)
            die(F, "Unknown regular expression type %s; valid types are 'findutils-default', "
                   "'ed', 'emacs', 'gnu-awk', 'grep', 'posix-awk', 'awk', 'posix-basic', "
                   "'posix-egrep', 'egrep', 'posix-extended', 'posix-minimal-basic', 'sed'.",
                q(F, a));
        F->regex_syntax = t;
        return -1;
    } else if (IS("-true")) {
        p = new_pred(F, P_TRUE);
    } else if (IS("-false")) {
        p = new_pred(F, P_FALSE);
    } else if (IS("-name") || IS("-iname") || IS("-path") || IS("-ipath") || IS("-wholename") ||
               IS("-iwholename") || IS("-lname") || IS("-ilname")) {
        const char *a = arg1(F, argv, argc, i, w);
        bool ic = w[1] == 'i';
        const char *base = w + 1 + ic;
        int kind = base[0] == 'n' ? P_NAME : base[0] == 'l' ? P_LNAME : P_PATH;
        p = new_pred(F, kind);
        p->s = a;
        p->flags = ic ? VL_FNM_CASEFOLD : 0;
        if (kind == P_NAME && F->warn && strchr(a, '/') && strcmp(a, "/"))
            vl_eprintf(c, "%s: warning: '%s' matches against basenames only, but the given "
                          "pattern contains a directory separator ('/'), thus the expression "
                          "will evaluate to false all the time.  Did you mean '-wholename'?\n",
                       c->name, w);
    } else if (IS("-regex") || IS("-iregex")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_REGEX);
        p->s = a;
        vl_re_diag diag = {0};
        int rc = vl_re_compile(c->p, a, strlen(a), F->regex_syntax, w[1] == 'i' ? VL_RE_ICASE : 0,
                               &p->re, &diag);
        if (rc < 0) {
            if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG)
                die(F, "failed to compile regular expression '%s': %s", a, diag.msg);
            vl_exit(c, 1);
        }
    } else if (IS("-type") || IS("-xtype")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, IS("-type") ? P_TYPE : P_XTYPE);
        p->types = parse_types(F, w, a);
    } else if (IS("-size")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_SIZE);
        const char *s = a;
        p->cmp = CMP_EQ;
        if (*s == '+') p->cmp = CMP_GT, s++;
        else if (*s == '-') p->cmp = CMP_LT, s++;
        char *end;
        if (!isdigit((unsigned char)*s)) die(F, "invalid -size type `%s'", s);
        p->n = (int64_t)strtoull(s, &end, 10);
        p->unit = 512;
        if (*end) {
            switch (*end) {
            case 'c': p->unit = 1; break;
            case 'w': p->unit = 2; break;
            case 'b': p->unit = 512; break;
            case 'k': p->unit = 1024; break;
            case 'M': p->unit = 1024 * 1024; break;
            case 'G': p->unit = 1024 * 1024 * 1024; break;
            default: die(F, "invalid -size type `%c'", *end);
            }
            if (end[1]) die(F, "invalid -size type `%c'", *end);
        }
    } else if (IS("-empty")) {
        p = new_pred(F, P_EMPTY);
    } else if (IS("-mtime") || IS("-atime") || IS("-ctime") || IS("-mmin") || IS("-amin") ||
               IS("-cmin")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_TIME);
        p->which = w[1];
        p->n = F->origin_ns;
        parse_time_arg(F, p, w, a, w[2] == 't' ? 86400 : 60);
    } else if (IS("-used")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_USED);
        const char *s = a;
        char *end;
        p->cmp = CMP_EQ;
        if (*s == '+') p->cmp = CMP_GT, s++;
        else if (*s == '-') p->cmp = CMP_LT, s++;
        p->d = strtod(s, &end);
        if (!*s || *end || !isdigit((unsigned char)*s)) die(F, "Invalid argument %s to -used", a);
        p->unit = 86400;
    } else if (IS("-newer") || IS("-anewer") || IS("-cnewer") ||
               (!strncmp(w, "-newer", 6) && strlen(w) == 8)) {
        int x = 'm', y = 'm';
        if (w[1] == 'a' || w[1] == 'c') x = w[1];
        if (strlen(w) == 8) {
            x = w[6], y = w[7];
            if (!strchr("acm", x) || !strchr("acmt", y)) die(F, "invalid predicate `%s'", w);
        }
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_NEWER);
        p->which = x;
        if (y == 't') {
            if (!vl_parse_date(a, F->now_ns, &F->tz, &p->n))
                die(F, "I cannot figure out how to interpret %s as a date or time", q(F, a));
        } else {
            struct vk_stat st;
            int rc = F->follow == 'P' ? vk_lstat(c->p, a, &st) : vk_stat(c->p, a, &st);
            if (rc < 0) die(F, "%s: %s", q(F, a), vl_strerror(rc));
            p->n = ref_time(&st, y);
        }
    } else if (IS("-perm")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_PERM);
        const char *s = a;
        if (*s == '-' || *s == '/') p->permkind = *s++;
        if (!*s) die(F, "invalid mode %s", q(F, a));
        check_octal_perm(F, p, s);
    } else if (IS("-uid") || IS("-gid") || IS("-links") || IS("-inum")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, IS("-uid") ? P_UID : IS("-gid") ? P_GID : IS("-links") ? P_LINKS : P_INUM);
        if (!parse_cmp_num(a, &p->cmp, &p->n)) die(F, "invalid argument `%s' to `%s'", a, w);
    } else if (IS("-user") || IS("-group")) {
        const char *a = arg1(F, argv, argc, i, w);
        bool grp = IS("-group");
        p = new_pred(F, grp ? P_GID : P_UID);
        p->cmp = CMP_EQ;
        if (!F->ids) F->ids = vl_ids_new(c);
        unsigned id;
        if (!*a) {
            if (grp) die(F, "argument to -group is empty");
            die(F, "The argument to -user should not be empty");
        }
        if (vl_ids_find(F->ids, a, grp, &id)) {
            p->n = id;
        } else {
            const char *s = a;
            while (isdigit((unsigned char)*s)) s++;
            if (*s || !*a) {
                if (grp) die(F, "%s is not the name of an existing group", q(F, a));
                die(F, "%s is not the name of a known user", q(F, a));
            }
            p->n = strtoll(a, NULL, 10);
        }
    } else if (IS("-nouser") || IS("-nogroup")) {
        p = new_pred(F, IS("-nouser") ? P_NOUSER : P_NOGROUP);
        if (!F->ids) F->ids = vl_ids_new(c);
    } else if (IS("-samefile")) {
        const char *a = arg1(F, argv, argc, i, w);
        p = new_pred(F, P_SAMEFILE);
        struct vk_stat st;
        int rc = F->follow == 'L' ? vk_stat(c->p, a, &st) : vk_lstat(c->p, a, &st);
        if (rc < 0) die(F, "%s: %s", q(F, a), vl_strerror(rc));
        p->dev = st.dev, p->ino = st.ino;
    } else if (IS("-readable") || IS("-writable") || IS("-executable")) {
        p = new_pred(F, P_ACCESS);
        p->mode = w[1] == 'r' ? VK_R_OK : w[1] == 'w' ? VK_W_OK : VK_X_OK;
    } else if (IS("-fstype")) {
        p = new_pred(F, P_FSTYPE);
        p->s = arg1(F, argv, argc, i, w);
    } else if (IS("-print") || IS("-print0") || IS("-fprint") || IS("-fprint0")) {
        bool f = w[1] == 'f';
        p = new_pred(F, strchr(w, '0') ? P_PRINT0 : P_PRINT);
        p->out = f ? open_out(F, arg1(F, argv, argc, i, w)) : NULL;
    } else if (IS("-printf") || IS("-fprintf")) {
        outfile *o = NULL;
        if (w[1] == 'f') o = open_out(F, arg1(F, argv, argc, i, w));
        p = new_pred(F, P_PRINTF);
        p->out = o;
        p->s = arg1(F, argv, argc, i, w);
    } else if (IS("-ls") || IS("-fls")) {
        outfile *o = w[1] == 'f' ? open_out(F, arg1(F, argv, argc, i, w)) : NULL;
        p = new_pred(F, P_LS);
        p->out = o;
    } else if (IS("-delete")) {
        p = new_pred(F, P_DELETE);
        F->depth_first = true;
    } else if (IS("-exec") || IS("-execdir") || IS("-ok") || IS("-okdir")) {
        p = new_pred(F, P_EXEC);
        parse_exec(F, p, argv, argc, i, w);
    } else if (IS("-prune")) {
        p = new_pred(F, P_PRUNE);
    } else if (IS("-quit")) {
        p = new_pred(F, P_QUIT);
    } else if (IS("-files0-from")) {
        die(F, "-files0-from is a global option: give it before the starting points");
    } else {
        die(F, "unknown predicate `%s'", w);
    }
#undef IS
    return (int)(p - F->preds);
}

/* Parse the whole expression argv[i..argc) and compile it (with the implied -print). */
static void parse_expr(find *F, char **argv, int argc, int i)
{
    parser P = {0};
    bool expect = true; /* expecting an operand */
    int last = -1;      /* kind of the last token */
    const char *lastname = NULL;
    bool any_action = false;
    for (; i < argc; i++) {
        const char *w = argv[i];
        int tok = T_PRED;
        if (!strcmp(w, "(")) tok = T_LP;
        else if (!strcmp(w, ")")) tok = T_RP;
        else if (!strcmp(w, "!") || !strcmp(w, "-not")) tok = T_NOT;
        else if (!strcmp(w, "-a") || !strcmp(w, "-and")) tok = T_AND;
        else if (!strcmp(w, "-o") || !strcmp(w, "-or")) tok = T_OR;
        else if (!strcmp(w, ",")) tok = T_COMMA;
        else if (w[0] != '-' || !w[1]) {
            vl_error(F->c, "paths must precede expression: `%s'", w);
            if (i > 0 && argv[i - 1][0] == '-' && i - 1 > 0) {
                /* GNU's hint for `-name *.c` unquoted */
                vl_error(F->c, "possible unquoted pattern after predicate `%s'?", argv[i - 1]);
            }
            vl_exit(F->c, 1);
        }
        if (tok == T_PRED) {
            int at = i;
            int pr = parse_primary(F, argv, argc, &i);
            if (pr < 0) continue; /* a global option: no operand */
            F->last_nonopt = argv[at];
            if (is_action(F->preds[pr].kind)) any_action = true;
            if (!expect) binary(F, &P, T_AND, "-a");
            push_val(F, &P, add_node(F, &P, T_PRED, -1, -1, pr));
            expect = false;
        } else if (tok == T_NOT || tok == T_LP) {
            if (!expect) binary(F, &P, T_AND, "-a");
            push_op(F, &P, tok, w);
            expect = true;
        } else if (tok == T_RP) {
            if (expect) {
                if (last == T_LP) die(F, "invalid expression; empty parentheses are not allowed.");
                if (last == T_NOT)
                    die(F, "expected an expression between '%s' and ')'", lastname);
                if (last < 0) die(F, "you have too many ')'");
                die(F, "invalid expression; you have used a binary operator '%s' with nothing "
                       "before it.", lastname);
            }
            while (P.no && P.ops[P.no - 1] != T_LP) reduce(F, &P);
            if (!P.no) die(F, "you have too many ')'");
            P.no--;
        } else { /* binary */
            if (expect)
                die(F, "invalid expression; you have used a binary operator '%s' with nothing "
                       "before it.", w);
            binary(F, &P, tok, w);
            expect = true;
        }
        last = tok;
        lastname = w;
    }
    if (expect && (last >= 0 || P.no)) {
        if (last == T_LP) {
            die(F, "invalid expression; expected to find a ')' but didn't see one. Perhaps you "
                   "need an extra predicate after '%s'", lastname);
        }
        die(F, "expected an expression after '%s'", lastname);
    }
    while (P.no) {
        if (P.ops[P.no - 1] == T_LP)
            die(F, "invalid expression; I was expecting to find a ')' somewhere but did not see "
                   "one.");
        reduce(F, &P);
    }
    int root = P.nv ? P.vals[0] : -1;
    if (!any_action) {
        pred *pp = new_pred(F, P_PRINT);
        (void)pp;
        int pn = add_node(F, &P, T_PRED, -1, -1, (int)F->np - 1);
        root = root < 0 ? pn : add_node(F, &P, T_AND, root, pn, -1);
    }
    compile(F, &P, root);
    for (size_t k = 0; k < F->np; k++)
        if (needs_stat_kind(F->preds[k].kind)) F->need_stat = true;
    vl_xfree(F->c, P.nodes);
    vl_xfree(F->c, P.vals);
    vl_xfree(F->c, P.ops);
    vl_xfree(F->c, P.opname);
}

/* ---- output ---- */
static void out_write(find *F, outfile *o, const void *data, size_t n)
{
    if (!o) {
        vl_write(F->c, data, n);
        return;
    }
    if (o->fd == 1) {
        vl_write(F->c, data, n);
        return;
    }
    vl_buf_add(F->c, &o->buf, data, n);
    if (o->buf.len >= 65536 || o->fd == 2) {
        if (o->fd == 2) vl_flush(F->c);
        vl_write_fd(F->c, o->fd, o->buf.data, o->buf.len);
        o->buf.len = 0;
    }
}

static void out_flush_all(find *F)
{
    vl_flush(F->c);
    for (size_t i = 0; i < F->nouts; i++) {
        outfile *o = F->outs[i];
        if (o->buf.len) vl_write_fd(F->c, o->fd, o->buf.data, o->buf.len);
        o->buf.len = 0;
    }
}

static void out_str(find *F, outfile *o, const char *s) { out_write(F, o, s, strlen(s)); }

/* ---- names ---- */
/* the last component as -name sees it: trailing slashes removed ("/" stays) */
static const char *base_for_name(find *F, entry *e, vl_buf *tmp)
{
    const char *path = cpath(F);
    if (e->depth > 0) return path + e->namepos;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    size_t b = len;
    while (b > 0 && path[b - 1] != '/') b--;
    if (b == len) b = len - 1 < len ? (len ? len - 1 : 0) : 0; /* "/" */
    tmp->len = 0;
    vl_buf_add(F->c, tmp, path + b, len - b);
    vl_buf_addc(F->c, tmp, 0);
    return tmp->data;
}

/* ---- -printf ---- */
static void type_char(uint32_t mode, char *out)
{
    switch (mode & VK_S_IFMT) {
    case VK_S_IFREG: *out = 'f'; break;
    case VK_S_IFDIR: *out = 'd'; break;
    case VK_S_IFLNK: *out = 'l'; break;
    case VK_S_IFBLK: *out = 'b'; break;
    case VK_S_IFCHR: *out = 'c'; break;
    case VK_S_IFIFO: *out = 'p'; break;
    case VK_S_IFSOCK: *out = 's'; break;
    default: *out = 'U';
    }
}

static void fmt_time(find *F, vl_buf *b, int64_t ns, int k)
{
    int64_t sec = ns / NS, frac = ns % NS;
    if (frac < 0) frac += NS, sec--;
    char fr[16];
    snprintf(fr, sizeof fr, "%09lld0", (long long)frac);
    if (k == '@') {
        vl_buf_printf(F->c, b, "%lld.%s", (long long)sec, fr);
        return;
    }
    vl_tm tm;
    if (!vl_time_split(sec, (int32_t)frac, &F->tz, &tm)) {
        vl_buf_printf(F->c, b, "%lld", (long long)sec);
        return;
    }
    char buf[128];
    if (k == 0) { /* %t: ctime's shape with the fraction */
        vl_strftime(buf, sizeof buf, "%a %b %e %H:%M:%S", &tm);
        vl_buf_printf(F->c, b, "%s.%s ", buf, fr);
        vl_strftime(buf, sizeof buf, "%Y", &tm);
        vl_buf_adds(F->c, b, buf);
        return;
    }
    if (k == '+') {
        vl_strftime(buf, sizeof buf, "%Y-%m-%d+%H:%M:%S", &tm);
        vl_buf_printf(F->c, b, "%s.%s", buf, fr);
        return;
    }
    char f[3] = {'%', (char)k, 0};
    vl_strftime(buf, sizeof buf, f, &tm);
    vl_buf_adds(F->c, b, buf);
    if (k == 'S' || k == 'T') vl_buf_printf(F->c, b, ".%s", fr);
}

/* the type letter of the followed file for %Y */
static char followed_type(find *F, entry *e)
{
    struct vk_stat st;
    if (get_lstat(F, e) < 0) return '?';
    if (!VK_S_ISLNK(e->lst.mode)) {
        char t;
        type_char(e->lst.mode, &t);
        return t;
    }
    int rc = vk_stat(F->c->p, cpath(F), &st);
    if (rc == VOS_ELOOP) return 'L';
    if (rc == VOS_ENOENT) return 'N';
    if (rc < 0) return '?';
    char t;
    type_char(st.mode, &t);
    return t;
}

static const char *fstype_of(find *F)
{
    if (!F->sfs) F->sfs = vl_xmalloc(F->c, sizeof *F->sfs);
    if (vk_statfs(F->c->p, cpath(F), F->sfs) < 0) return "unknown";
    return F->sfs->type;
}

static void do_printf(find *F, pred *p, entry *e)
{
    vl_ctx *c = F->c;
    vl_buf out = {0}, val = {0};
    const char *s = p->s;
    for (; *s; s++) {
        if (*s == '\\') {
            s++;
            int ch;
            switch (*s) {
            case 'a': ch = '\a'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'v': ch = '\v'; break;
            case '\\': ch = '\\'; break;
            case 'c': goto done;
            case 0: vl_buf_addc(c, &out, '\\'); s--; continue;
            default:
                if (*s >= '0' && *s <= '7') {
                    ch = 0;
                    for (int k = 0; k < 3 && *s >= '0' && *s <= '7'; k++) ch = ch * 8 + (*s++ - '0');
                    s--;
                } else {
                    vl_buf_addc(c, &out, '\\');
                    ch = *s;
                }
            }
            vl_buf_addc(c, &out, ch);
            continue;
        }
        if (*s != '%') {
            vl_buf_addc(c, &out, *s);
            continue;
        }
        /* %[flags][width][.prec]directive */
        const char *start = s++;
        char flags[8];
        int nf = 0;
        while (*s && strchr("-+ #0", *s)) {
            if (nf < 7) flags[nf++] = *s;
            s++;
        }
        flags[nf] = 0;
        int width = -1, precision = -1;
        if (isdigit((unsigned char)*s)) width = (int)strtol(s, (char **)&s, 10);
        if (*s == '.') {
            s++;
            precision = (int)strtol(s, (char **)&s, 10);
        }
        if (width > 1 << 20) width = 1 << 20;
        int d = *s;
        if (!d) {
            vl_buf_add(c, &out, start, (size_t)(s - start));
            s--;
            continue;
        }
        if (d == '%') {
            vl_buf_addc(c, &out, '%');
            continue;
        }
        val.len = 0;
        const char *path = cpath(F);
        struct vk_stat *st = NULL;
        bool numeric_octal = false;
        unsigned long octal = 0;
        if (strchr("sbkmMnugUGiDtacTACSlyY", d)) {
            if (d == 'y') {
                if (get_lstat(F, e) < 0) st = NULL;
            } else if (!(st = need(F, e)) && d != 'Y' && d != 'l') {
                continue;
            }
        }
        switch (d) {
        case 'p': vl_buf_adds(c, &val, path); break;
        case 'f': {
            if (e->depth > 0) {
                vl_buf_adds(c, &val, path + e->namepos);
            } else {
                /* gnulib's base_name: the last component with its trailing slashes */
                size_t len = strlen(path), k = len;
                while (k > 0 && path[k - 1] == '/') k--;
                if (k == 0) {
                    vl_buf_adds(c, &val, len ? "/" : "");
                } else {
                    while (k > 0 && path[k - 1] != '/') k--;
                    vl_buf_adds(c, &val, path + k);
                }
            }
            break;
        }
        case 'h': {
            /* what GNU prints: the name without its trailing slashes up to its last slash;
             * "." when there is none (the root "d/" gives "d") */
            size_t full = strlen(path), len = full;
            while (len > 1 && path[len - 1] == '/') len--;
            size_t k = len;
            while (k > 0 && path[k - 1] != '/') k--;
            if (k > 0) vl_buf_add(c, &val, path, k - 1);
            else if (len < full) vl_buf_add(c, &val, path, len);
            else vl_buf_adds(c, &val, ".");
            break;
        }
        case 'P': {
            size_t rl = strlen(F->root);
            if (e->depth > 0) {
                const char *r = path + rl;
                if (*r == '/') r++;
                vl_buf_adds(c, &val, r);
            }
            break;
        }
        case 'H': vl_buf_adds(c, &val, F->root); break;
        case 'd': vl_buf_printf(c, &val, "%d", e->depth); break;
        case 's': vl_buf_printf(c, &val, "%llu", (unsigned long long)st->size); break;
        case 'b': vl_buf_printf(c, &val, "%llu", (unsigned long long)st->blocks); break;
        case 'k': vl_buf_printf(c, &val, "%llu", (unsigned long long)(st->blocks + 1) / 2); break;
        case 'n': vl_buf_printf(c, &val, "%u", st->nlink); break;
        case 'i': vl_buf_printf(c, &val, "%llu", (unsigned long long)st->ino); break;
        case 'D': vl_buf_printf(c, &val, "%llu", (unsigned long long)st->dev); break;
        case 'U': vl_buf_printf(c, &val, "%u", st->uid); break;
        case 'G': vl_buf_printf(c, &val, "%u", st->gid); break;
        case 'u':
        case 'g': {
            if (!F->ids) F->ids = vl_ids_new(c);
            const char *nm = d == 'u' ? vl_ids_user(F->ids, st->uid) : vl_ids_group(F->ids, st->gid);
            if (nm) vl_buf_adds(c, &val, nm);
            else vl_buf_printf(c, &val, "%u", d == 'u' ? st->uid : st->gid);
            break;
        }
        case 'm':
            numeric_octal = true;
            octal = st->mode & 07777;
            break;
        case 'M': {
            char m[11];
            vl_mode_string(st->mode, m);
            vl_buf_add(c, &val, m, 10);
            break;
        }
        case 'S': {
            double sp = st->size ? (double)st->blocks * 512 / (double)st->size : 1.0;
            vl_buf_printf(c, &val, "%g", sp);
            break;
        }
        case 'y': {
            char t = '?';
            if (e->have_l && e->lerr == 0) type_char(e->lst.mode, &t);
            vl_buf_addc(c, &val, t);
            break;
        }
        case 'Y': vl_buf_addc(c, &val, followed_type(F, e)); break;
        case 'l': {
            if (get_lstat(F, e) == 0 && VK_S_ISLNK(e->lst.mode)) {
                char lb[VK_PATH_MAX];
                ssize_t n = vk_readlink(c->p, path, lb, sizeof lb);
                if (n > 0) vl_buf_add(c, &val, lb, (size_t)n);
            }
            break;
        }
        case 'F': vl_buf_adds(c, &val, fstype_of(F)); break;
        case 'Z': vl_buf_adds(c, &val, "?"); break;
        case 't': fmt_time(F, &val, st->mtime_ns, 0); break;
        case 'a': fmt_time(F, &val, st->atime_ns, 0); break;
        case 'c': fmt_time(F, &val, st->ctime_ns, 0); break;
        case 'T':
        case 'A':
        case 'C': {
            int k = s[1];
            if (!k) {
                vl_buf_add(c, &out, start, (size_t)(s - start + 1));
                continue;
            }
            s++;
            int64_t t = d == 'T' ? st->mtime_ns : d == 'A' ? st->atime_ns : st->ctime_ns;
            fmt_time(F, &val, t, k);
            break;
        }
        default:
            /* unknown directives were warned about at parse time; copied as written */
            vl_buf_add(c, &out, start, (size_t)(s - start + 1));
            continue;
        }
        if (numeric_octal) {
            /* build %[flags][width][.prec]o */
            char spec[32];
            int n = snprintf(spec, sizeof spec, "%%%s", flags);
            if (width >= 0) n += snprintf(spec + n, sizeof spec - (size_t)n, "%d", width);
            if (precision >= 0) n += snprintf(spec + n, sizeof spec - (size_t)n, ".%d", precision);
            snprintf(spec + n, sizeof spec - (size_t)n, "o");
            vl_buf_printf(c, &out, spec, octal);
            continue;
        }
        /* everything else is a string, printed with %-W.Ps semantics */
        bool left = strchr(flags, '-') != NULL;
        size_t len = val.len;
        if (precision >= 0 && (size_t)precision < len) len = (size_t)precision;
        size_t pad = width > 0 && (size_t)width > len ? (size_t)width - len : 0;
        if (!left)
            for (size_t k = 0; k < pad; k++) vl_buf_addc(c, &out, ' ');
        vl_buf_add(c, &out, val.data ? val.data : "", len);
        if (left)
            for (size_t k = 0; k < pad; k++) vl_buf_addc(c, &out, ' ');
    }
done:
    if (out.len) out_write(F, p->out, out.data, out.len);
    vl_buf_free(c, &out);
    vl_buf_free(c, &val);
}

/* warnings GNU gives once, when the format is parsed */
static void check_printf_format(find *F, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\') {
            s++;
            if (!*s) {
                vl_eprintf(F->c, "%s: warning: escape `\\' followed by nothing at all\n",
                           F->c->name);
                break;
            }
            if (!strchr("abcfnrtv\\01234567", *s))
                vl_eprintf(F->c, "%s: warning: unrecognized escape `\\%c'\n", F->c->name, *s);
            continue;
        }
        if (*s != '%') continue;
        s++;
        while (*s && strchr("-+ #0", *s)) s++;
        while (isdigit((unsigned char)*s)) s++;
        if (*s == '.') {
            s++;
            while (isdigit((unsigned char)*s)) s++;
        }
        if (!*s) die(F, "error: %% at end of format string");
        if (strchr("AC T", *s) && *s != ' ') {
            if (!s[1]) break;
            s++;
            continue;
        }
        if (!strchr("%pfhPHdsbknimMugUGDSyYlFZtac", *s))
            vl_eprintf(F->c, "%s: warning: unrecognized format directive `%%%c'\n", F->c->name,
                       *s);
    }
}

/* ---- -ls ---- */
static void do_ls(find *F, pred *p, entry *e)
{
    vl_ctx *c = F->c;
    struct vk_stat *st = need(F, e);
    if (!st) return;
    if (!F->ids) F->ids = vl_ids_new(c);
    vl_buf b = {0};
    char num[32];
    int n;
    n = snprintf(num, sizeof num, "%llu", (unsigned long long)st->ino);
    if (n > F->w_ino) F->w_ino = n;
    vl_buf_printf(c, &b, "%*s ", F->w_ino, num);
    n = snprintf(num, sizeof num, "%llu", (unsigned long long)(st->blocks + 1) / 2);
    if (n > F->w_blocks) F->w_blocks = n;
    vl_buf_printf(c, &b, "%*s ", F->w_blocks, num);
    char m[11];
    vl_mode_string(st->mode, m);
    vl_buf_printf(c, &b, "%s ", m);
    n = snprintf(num, sizeof num, "%u", st->nlink);
    if (n > F->w_nlink) F->w_nlink = n;
    vl_buf_printf(c, &b, "%*s ", F->w_nlink, num);
    const char *u = vl_ids_user(F->ids, st->uid);
    char ub[16], gb[16];
    if (!u) snprintf(ub, sizeof ub, "%u", st->uid), u = ub;
    const char *g = vl_ids_group(F->ids, st->gid);
    if (!g) snprintf(gb, sizeof gb, "%u", st->gid), g = gb;
    if ((int)strlen(u) > F->w_user) F->w_user = (int)strlen(u);
    vl_buf_printf(c, &b, "%-*s ", F->w_user, u);
    if ((int)strlen(g) > F->w_group) F->w_group = (int)strlen(g);
    vl_buf_printf(c, &b, "%-*s ", F->w_group, g);
    if (VK_S_ISCHR(st->mode) || (st->mode & VK_S_IFMT) == VK_S_IFBLK)
        n = snprintf(num, sizeof num, "%3u, %3u", (unsigned)(st->rdev >> 8) & 0xfff,
                     (unsigned)(st->rdev & 0xff));
    else
        n = snprintf(num, sizeof num, "%llu", (unsigned long long)st->size);
    if (n > F->w_size) F->w_size = n;
    vl_buf_printf(c, &b, "%*s ", F->w_size, num);
    int64_t sec = st->mtime_ns / NS;
    vl_tm tm;
    int64_t six = 15778476; /* GNU: half of a Gregorian year, in seconds */
    int64_t now = F->now_ns / NS;
    bool recent = sec > now - six && sec <= now;
    char tb[64];
    if (vl_time_split(sec, 0, &F->tz, &tm))
        vl_strftime(tb, sizeof tb, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
    else
        snprintf(tb, sizeof tb, "%lld", (long long)sec);
    vl_buf_printf(c, &b, "%s ", tb);
    vl_buf_adds(c, &b, cpath(F));
    if (VK_S_ISLNK(st->mode)) {
        char lb[VK_PATH_MAX];
        ssize_t ln = vk_readlink(c->p, cpath(F), lb, sizeof lb);
        if (ln >= 0) {
            vl_buf_adds(c, &b, " -> ");
            vl_buf_add(c, &b, lb, (size_t)ln);
        }
    }
    vl_buf_addc(c, &b, '\n');
    out_write(F, p->out, b.data, b.len);
    vl_buf_free(c, &b);
}

/* ---- -exec ---- */
typedef struct child_arg {
    char **argv;
    const char *dir;
    bool close_stdin;
    const char *prog;
} child_arg;

static int child_entry(vk_proc *p, void *arg)
{
    child_arg *ca = arg;
    if (ca->dir) {
        int rc = vk_chdir(p, ca->dir);
        if (rc < 0) return 1;
    }
    if (ca->close_stdin) vk_close(p, 0); /* GNU's -ok: the answers were read from stdin */
    int rc = vk_execve(p, ca->argv[0], ca->argv, NULL);
    char msg[600];
    const char *nm = ca->argv[0];
    snprintf(msg, sizeof msg, "%s: '%s': %s\n", ca->prog, nm, vl_strerror(rc));
    vk_write(p, 2, msg, strlen(msg));
    return rc == VOS_ENOENT ? 127 : 126;
}

/* run argv; returns the wait status (or -1 when it could not start) */
static int run_cmd(find *F, char **argv, const char *dir, bool devnull)
{
    out_flush_all(F);
    vk_proc *child;
    int rc = vk_proc_new(F->c->p, &child);
    if (rc < 0) {
        vl_error(F->c, "cannot fork: %s", vl_strerror(rc));
        return -1;
    }
    child_arg ca = {argv, dir, devnull, F->c->name};
    int ws = vk_proc_run(child, child_entry, &ca);
    int w = vk_dying(F->c->p);
    if (w) vl_exit(F->c, VK_WSHELL(w));
    if (ws >= 0 && VK_WIFSIGNALED(ws)) {
        vl_error(F->c, "%s terminated by signal %d", q(F, argv[0]), VK_WTERMSIG(ws));
    }
    return ws;
}

static char *subst(find *F, const char *a, const char *path)
{
    if (!strstr(a, "{}")) return (char *)a;
    vl_buf b = {0};
    for (const char *s = a; *s;) {
        if (s[0] == '{' && s[1] == '}') {
            vl_buf_adds(F->c, &b, path);
            s += 2;
        } else {
            vl_buf_addc(F->c, &b, *s++);
        }
    }
    vl_buf_addc(F->c, &b, 0);
    return b.data;
}

/* the directory and the ./name -execdir uses for the current entry */
static void split_dir(find *F, entry *e, char **dir, char **name)
{
    const char *path = cpath(F);
    if (e->depth > 0) {
        size_t np = e->namepos;
        *dir = vl_xmalloc(F->c, np + 1);
        memcpy(*dir, path, np);
        (*dir)[np] = 0;
        if (np > 1 && (*dir)[np - 1] == '/') (*dir)[np - 1] = 0;
        *name = vl_xmalloc(F->c, strlen(path + np) + 3);
        snprintf(*name, strlen(path + np) + 3, "./%s", path + np);
        return;
    }
    char *d = vl_dirname(F->c, path), *b = vl_basename(F->c, path);
    *dir = d;
    *name = vl_xmalloc(F->c, strlen(b) + 3);
    snprintf(*name, strlen(b) + 3, b[0] == '/' ? "%s" : "./%s", b);
}

static bool ask(find *F, char **argv, const char *path)
{
    vl_ctx *c = F->c;
    out_flush_all(F);
    vl_buf b = {0};
    vl_buf_printf(c, &b, "< %s ... %s > ? ", argv[0], path);
    vl_write_fd(c, 2, b.data, b.len);
    vl_buf_free(c, &b);
    /* read one line of the answer from stdin, byte by byte (the rest stays for later) */
    char first = 0;
    bool got = false;
    for (;;) {
        char ch;
        ssize_t n = vk_read(c->p, 0, &ch, 1);
        if (n <= 0) break;
        if (!got) first = ch, got = true;
        if (ch == '\n') break;
    }
    return first == 'y' || first == 'Y';
}

static bool batch_flush(find *F, execp *ex)
{
    if (!ex->bn) return true;
    size_t total = ex->nfixed + ex->bn;
    char **v = vl_xcalloc(F->c, total + 2, sizeof *v);
    int k = 0;
    for (int i = 0; i < ex->argc - 1; i++) v[k++] = ex->argv[i];
    for (size_t i = 0; i < ex->bn; i++) v[k++] = ex->bv[i];
    v[k] = NULL;
    int ws = run_cmd(F, v, ex->indir ? ex->bdir : NULL, false);
    for (size_t i = 0; i < ex->bn; i++) vl_xfree(F->c, ex->bv[i]);
    ex->bn = 0;
    ex->bbytes = 0;
    vl_xfree(F->c, v);
    if (ws < 0 || VK_WSHELL(ws) != 0) {
        F->c->status = 1;
        return false;
    }
    return true;
}

static bool do_exec(find *F, pred *p, entry *e)
{
    execp *ex = p->ex;
    char *dir = NULL, *name = NULL;
    const char *path = cpath(F);
    if (ex->indir) {
        split_dir(F, e, &dir, &name);
        path = name;
    }
    if (ex->plus) {
        if (ex->indir && ex->bn && strcmp(ex->bdir, dir)) batch_flush(F, ex);
        size_t len = strlen(path) + 1 + sizeof(char *);
        if (ex->bn && ex->bbytes + len > BATCH_MAX) batch_flush(F, ex);
        if (!ex->bn) {
            ex->bbytes = 0;
            ex->nfixed = (size_t)ex->argc - 1;
            for (int i = 0; i < ex->argc - 1; i++)
                ex->bbytes += strlen(ex->argv[i]) + 1 + sizeof(char *);
            if (ex->indir) {
                vl_xfree(F->c, ex->bdir);
                ex->bdir = vl_xstrdup(F->c, dir);
            }
        }
        if (ex->bn == ex->bcap) {
            ex->bcap = ex->bcap ? ex->bcap * 2 : 64;
            ex->bv = vl_xrealloc(F->c, ex->bv, ex->bcap * sizeof *ex->bv);
        }
        ex->bv[ex->bn++] = vl_xstrdup(F->c, path);
        ex->bbytes += len;
        return true;
    }
    char **v = vl_xcalloc(F->c, (size_t)ex->argc + 1, sizeof *v);
    for (int i = 0; i < ex->argc; i++) v[i] = subst(F, ex->argv[i], path);
    bool ok = true;
    if (ex->ok && !ask(F, v, path)) ok = false;
    if (ok) {
        int ws = run_cmd(F, v, dir, ex->ok);
        ok = ws >= 0 && VK_WSHELL(ws) == 0;
    }
    for (int i = 0; i < ex->argc; i++)
        if (v[i] != ex->argv[i]) vl_xfree(F->c, v[i]);
    vl_xfree(F->c, v);
    vl_xfree(F->c, dir);
    vl_xfree(F->c, name);
    return ok;
}

/* ---- tests ---- */
static bool is_empty(find *F, entry *e, struct vk_stat *st)
{
    if (VK_S_ISREG(st->mode)) return st->size == 0;
    if (!VK_S_ISDIR(st->mode)) return false;
    int fd = vk_open(F->c->p, cpath(F), VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) {
        vl_error(F->c, "%s: %s", q(F, cpath(F)), vl_strerror(fd));
        return false;
    }
    vk_dirent de;
    int rc = vk_readdir(F->c->p, fd, &de);
    vk_close(F->c->p, fd);
    (void)e;
    return rc == 0;
}

/* -mtime N and -mmin N, with GNU's boundaries: age is now minus the file's time */
static bool eval_time(find *F, pred *p, int64_t t)
{
    double age = (double)(p->n - t) / 1e9;
    double n = p->d * (double)p->unit;
    if (p->unit == 86400) {
        if (p->cmp == CMP_EQ) return age > n && age <= n + 86400;
        if (p->cmp == CMP_GT) return age > n + 86400;
        return age < n + 1;
    }
    if (p->cmp == CMP_EQ) return age > n - 60 && age <= n;
    if (p->cmp == CMP_GT) return age > n;
    return age < n;
}

static bool eval_pred(find *F, pred *p, entry *e)
{
    struct vk_stat *st;
    vl_ctx *c = F->c;
    switch (p->kind) {
    case P_TRUE: return true;
    case P_FALSE: return false;
    case P_NAME: {
        vl_buf tmp = {0};
        const char *b = base_for_name(F, e, &tmp);
        bool r = vl_fnmatch(p->s, b, p->flags) == 0;
        vl_buf_free(c, &tmp);
        return r;
    }
    case P_PATH: return vl_fnmatch(p->s, cpath(F), p->flags) == 0;
    case P_LNAME: {
        if (get_lstat(F, e) < 0 || !VK_S_ISLNK(e->lst.mode)) return false;
        char lb[VK_PATH_MAX + 1];
        ssize_t n = vk_readlink(c->p, cpath(F), lb, sizeof lb - 1);
        if (n < 0) return false;
        lb[n] = 0;
        return vl_fnmatch(p->s, lb, p->flags) == 0;
    }
    case P_REGEX: {
        const char *s = cpath(F);
        size_t len = strlen(s);
        vl_re_span m;
        int rc = vl_re_search(p->re, s, len, 0, VL_RE_ANCHORED, &m, 1);
        if (rc < 0 && rc != VL_RE_ECOMPLEX) {
            int w = vk_dying(c->p);
            vl_exit(c, w ? VK_WSHELL(w) : 1);
        }
        return rc == 1 && (size_t)m.eo == len;
    }
    case P_TYPE: {
        if (!follows(F, e) && e->dtype != VK_DT_UNKNOWN && !e->have_l) {
            static const struct {
                unsigned dt;
                char ch;
            } map[] = {{VK_DT_REG, 'f'}, {VK_DT_DIR, 'd'}, {VK_DT_LNK, 'l'},
                       {VK_DT_CHR, 'c'}, {VK_DT_FIFO, 'p'}, {6, 'b'}, {12, 's'}};
            for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
                if (map[i].dt == e->dtype) return (p->types & type_bit(map[i].ch)) != 0;
        }
        if (!(st = need(F, e))) return false;
        return (p->types & mode_type_bit(st->mode)) != 0;
    }
    case P_XTYPE: {
        /* the other way round: followed when the walk does not follow, and back */
        struct vk_stat xs;
        int rc;
        if (follows(F, e)) rc = vk_lstat(c->p, cpath(F), &xs);
        else {
            rc = vk_stat(c->p, cpath(F), &xs);
            if (rc < 0) rc = vk_lstat(c->p, cpath(F), &xs);
        }
        if (rc < 0) return false;
        return (p->types & mode_type_bit(xs.mode)) != 0;
    }
    default: break;
    }
    if (p->kind >= P_PRINT) {
        switch (p->kind) {
        case P_PRINT:
            out_str(F, p->out, cpath(F));
            out_write(F, p->out, "\n", 1);
            return true;
        case P_PRINT0:
            out_write(F, p->out, cpath(F), strlen(cpath(F)) + 1);
            return true;
        case P_PRINTF: do_printf(F, p, e); return true;
        case P_LS: do_ls(F, p, e); return true;
        case P_PRUNE: F->prune = true; return true;
        case P_QUIT: F->quit = true; return true;
        case P_EXEC: return do_exec(F, p, e);
        case P_DELETE: {
            const char *path = cpath(F);
            if (!strcmp(path, ".")) return true;
            if (get_lstat(F, e) < 0) return false;
            int rc = VK_S_ISDIR(e->lst.mode) ? vk_rmdir(c->p, path) : vk_unlink(c->p, path);
            if (rc < 0) {
                vl_error(c, "cannot delete %s: %s", q(F, path), vl_strerror(rc));
                return false;
            }
            return true;
        }
        }
        return true;
    }
    if (!(st = need(F, e))) return false;
    switch (p->kind) {
    case P_SIZE: {
        uint64_t units = (st->size + (uint64_t)p->unit - 1) / (uint64_t)p->unit;
        return cmp_ok(p->cmp, (int64_t)units, p->n);
    }
    case P_EMPTY: return is_empty(F, e, st);
    case P_TIME: return eval_time(F, p, ref_time(st, p->which));
    case P_USED: {
        /* days from the status change to the last access; GNU never matches an access before
         * the change */
        double days = (double)(st->atime_ns - st->ctime_ns) / 1e9 / 86400;
        if (days < 0) return false;
        if (p->cmp == CMP_EQ) return days > p->d - 1 && days <= p->d;
        if (p->cmp == CMP_GT) return days > p->d;
        return days < p->d;
    }
    case P_NEWER: return ref_time(st, p->which) > p->n;
    case P_PERM: {
        unsigned m = st->mode & 07777;
        if (p->permkind == '-') return (m & p->mode) == p->mode;
        if (p->permkind == '/') return p->mode == 0 || (m & p->mode) != 0;
        return m == p->mode;
    }
    case P_UID: return cmp_ok(p->cmp, st->uid, p->n);
    case P_GID: return cmp_ok(p->cmp, st->gid, p->n);
    case P_NOUSER: return vl_ids_user(F->ids, st->uid) == NULL;
    case P_NOGROUP: return vl_ids_group(F->ids, st->gid) == NULL;
    case P_LINKS: return cmp_ok(p->cmp, st->nlink, p->n);
    case P_INUM: return cmp_ok(p->cmp, (int64_t)st->ino, p->n);
    case P_SAMEFILE: return st->dev == p->dev && st->ino == p->ino;
    case P_ACCESS: return vk_access(c->p, cpath(F), (int)p->mode) == 0;
    case P_FSTYPE: return !strcmp(fstype_of(F), p->s);
    }
    return false;
}

static void eval(find *F, entry *e)
{
    bool acc = true;
    F->cur = e;
    for (size_t pc = 0; pc < F->nprog;) {
        insn *in = &F->prog[pc];
        switch (in->op) {
        case I_PRED:
            acc = eval_pred(F, &F->preds[in->arg], e);
            if (F->quit) return;
            pc++;
            break;
        case I_NOT: acc = !acc, pc++; break;
        case I_JF: pc = acc ? pc + 1 : (size_t)in->arg; break;
        case I_JT: pc = acc ? (size_t)in->arg : pc + 1; break;
        }
    }
}

/* ---- the walk ---- */
static void set_child_path(find *F, size_t plen, const char *name, entry *e)
{
    F->path.len = plen;
    if (plen == 0 || F->path.data[plen - 1] != '/') vl_buf_addc(F->c, &F->path, '/');
    e->namepos = F->path.len;
    vl_buf_adds(F->c, &F->path, name);
    vl_buf_addc(F->c, &F->path, 0);
    F->path.len--;
}

static void level_free(find *F, level *L)
{
    vl_xfree(F->c, L->names);
    vl_xfree(F->c, L->off);
    vl_xfree(F->c, L->types);
    vl_xfree(F->c, L->attrs);
    vl_xfree(F->c, L->hasattr);
    memset(L, 0, sizeof *L);
}

/* read directory path into L; 0 or a negative code */
static int read_dir(find *F, level *L)
{
    vl_ctx *c = F->c;
    int fd = vk_open(c->p, cpath(F), VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    vl_buf names = {0};
    size_t cap = 0;
    vk_dirent de;
    struct vk_stat st;
    int rc;
    bool want_attr = F->need_stat && F->follow != 'L';
    for (;;) {
        rc = want_attr ? vk_readdir_attr(c->p, fd, &de, &st) : vk_readdir(c->p, fd, &de);
        if (rc <= 0) break;
        if (L->n == cap) {
            cap = cap ? cap * 2 : 16;
            L->off = vl_xrealloc(c, L->off, cap * sizeof *L->off);
            L->types = vl_xrealloc(c, L->types, cap);
            if (want_attr) {
                L->attrs = vl_xrealloc(c, L->attrs, cap * sizeof *L->attrs);
                L->hasattr = vl_xrealloc(c, L->hasattr, cap);
            }
        }
        L->off[L->n] = names.len;
        L->types[L->n] = (unsigned char)de.type;
        if (want_attr) {
            L->hasattr[L->n] = rc == 2;
            if (rc == 2) L->attrs[L->n] = st;
        }
        vl_buf_add(c, &names, de.name, strlen(de.name) + 1);
        L->n++;
        tick(F);
    }
    vk_close(c->p, fd);
    L->names = names.data;
    if (rc < 0) return rc;
    return 0;
}

static level *push_level(find *F)
{
    if (F->nlv == F->caplv) {
        F->caplv = F->caplv ? F->caplv * 2 : 16;
        F->lv = vl_xrealloc(F->c, F->lv, F->caplv * sizeof *F->lv);
    }
    level *L = &F->lv[F->nlv++];
    memset(L, 0, sizeof *L);
    return L;
}

/* Visit the entry whose path is in F->path: evaluate it and, for a directory to descend into,
 * push its listing. */
static void visit(find *F, entry *e)
{
    vl_ctx *c = F->c;
    tick(F);
    /* is it a directory we may enter? */
    bool isdir = false;
    if (follows(F, e)) {
        struct vk_stat *st;
        if (get_stat(F, e, &st) == 0) isdir = VK_S_ISDIR(st->mode);
    } else if (e->dtype != VK_DT_UNKNOWN && !e->have_l) {
        isdir = e->dtype == VK_DT_DIR;
    } else if (get_lstat(F, e) == 0) {
        isdir = VK_S_ISDIR(e->lst.mode);
    }
    if (e->depth == 0) {
        struct vk_stat *st;
        int rc = get_stat(F, e, &st);
        if (rc < 0) {
            vl_error(c, "%s: %s", q(F, cpath(F)), vl_strerror(rc));
            return;
        }
        F->root_dev = st->dev;
        isdir = VK_S_ISDIR(st->mode);
    }
    bool descend = isdir && e->depth < F->maxdepth;
    uint64_t dev = 0, ino = 0;
    if (descend && (follows(F, e) || F->xdev)) {
        struct vk_stat *st;
        if (get_stat(F, e, &st) == 0) {
            dev = st->dev, ino = st->ino;
            if (F->xdev && dev != F->root_dev) descend = false;
            if (follows(F, e) || F->follow == 'L') {
                for (size_t i = 0; i < F->nlv; i++) {
                    if (F->lv[i].dev == dev && F->lv[i].ino == ino) {
                        /* the ancestor's path is the prefix of ours */
                        char *anc = vl_xmalloc(c, F->lv[i].plen + 1);
                        memcpy(anc, cpath(F), F->lv[i].plen);
                        anc[F->lv[i].plen] = 0;
                        vl_error(c, "File system loop detected; %s is part of the same file "
                                    "system loop as %s.", q(F, cpath(F)), q(F, anc));
                        vl_xfree(c, anc);
                        return;
                    }
                }
            }
        }
    }
    bool ok_depth = e->depth >= F->mindepth;
    if (!F->depth_first) {
        if (ok_depth) {
            F->prune = false;
            eval(F, e);
            if (F->quit) return;
            if (F->prune) descend = false;
        }
    }
    if (descend) {
        size_t plen = F->path.len;
        level *L = push_level(F);
        L->plen = plen;
        L->dev = dev, L->ino = ino;
        int rc = read_dir(F, L);
        if (rc < 0) {
            vl_error(c, "%s: %s", q(F, cpath(F)), vl_strerror(rc));
        }
        if (F->depth_first && ok_depth) {
            L->post = true;
            L->self = *e;
        }
        L->self.depth = e->depth;
        return;
    }
    if (F->depth_first && ok_depth) eval(F, e);
}

static void walk_root(find *F, const char *root)
{
    vl_ctx *c = F->c;
    F->root = root;
    F->path.len = 0;
    vl_buf_adds(c, &F->path, root);
    vl_buf_addc(c, &F->path, 0);
    F->path.len--;
    entry e = {0};
    e.depth = 0;
    e.dtype = VK_DT_UNKNOWN;
    visit(F, &e);
    while (F->nlv && !F->quit) {
        level *L = &F->lv[F->nlv - 1];
        if (L->i == L->n) {
            if (L->post) {
                F->path.len = L->plen;
                F->path.data[L->plen] = 0;
                entry self = L->self;
                level_free(F, L);
                F->nlv--;
                eval(F, &self);
            } else {
                level_free(F, L);
                F->nlv--;
            }
            continue;
        }
        size_t i = L->i++;
        entry ce = {0};
        ce.depth = L->self.depth + 1;
        ce.dtype = L->types[i];
        set_child_path(F, L->plen, L->names + L->off[i], &ce);
        if (L->attrs && L->hasattr[i]) {
            ce.lst = L->attrs[i];
            ce.have_l = true;
        }
        visit(F, &ce);
    }
    while (F->nlv) level_free(F, &F->lv[--F->nlv]);
}

/* ---- main ---- */
static void read_files0(find *F, const char *from, char ***roots, int *nroots)
{
    vl_ctx *c = F->c;
    vl_in *in = strcmp(from, "-") ? vl_in_open_quiet(c, from, &(int){0}) : vl_in_fd(c, 0, "-");
    if (!in) die(F, "cannot open %s for reading: No such file or directory", q(F, from));
    char *line;
    ssize_t n;
    int cap = 0;
    long item = 0;
    while ((n = vl_in_getdelim(c, in, 0, &line)) > 0) {
        size_t len = (size_t)n;
        item++;
        if (line[len - 1] == 0) len--;
        if (len == 0) {
            vl_error(c, "%s:%ld: invalid zero-length file name", q(F, from), item);
            continue;
        }
        if (*nroots == cap) {
            cap = cap ? cap * 2 : 16;
            *roots = vl_xrealloc(c, *roots, (size_t)cap * sizeof **roots);
        }
        char *s = vl_xmalloc(c, len + 1);
        memcpy(s, line, len);
        s[len] = 0;
        (*roots)[(*nroots)++] = s;
    }
}

static int find_main(vl_ctx *c, int argc, char **argv)
{
    find *F = vl_xcalloc(c, 1, sizeof *F);
    F->c = c;
    F->follow = 'P';
    F->maxdepth = INT32_MAX;
    F->regex_syntax = VL_RE_EMACS;
    F->now_ns = vk_time_ns(c->p);
    F->origin_ns = F->now_ns;
    F->w_ino = 9, F->w_blocks = 6, F->w_nlink = 3, F->w_user = 8, F->w_group = 8, F->w_size = 8;
    vl_tz_from_env(c, &F->tz);
    vl_defer(c, free_res, F);
    int i = 1;
    if (argc > 1 && !strcmp(argv[1], "--help")) {
        vl_help(c);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--version")) {
        vl_version(c);
        return 0;
    }
    /* leading options */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "-H") || !strcmp(a, "-L") || !strcmp(a, "-P")) {
            F->follow = a[1];
        } else if (!strncmp(a, "-D", 2)) {
            const char *opts = a[2] ? a + 2 : NULL;
            if (!opts) {
                if (i + 1 >= argc) {
                    vl_error(c, "Missing argument after the -D option.");
                    vl_try_help(c);
                }
                opts = argv[++i];
            }
            if (!strcmp(opts, "help")) {
                vl_puts(c, "Valid arguments for -D:\n"
                           "exec       Show diagnostic information relating to -exec, -execdir, "
                           "-ok and -okdir\n"
                           "opt        Show diagnostic information relating to optimisation\n"
                           "rates      Indicate how often each predicate succeeded\n"
                           "search     Navigate the directory tree verbosely\n"
                           "stat       Trace calls to stat(2) and lstat(2)\n"
                           "time       Show diagnostic information relating to time-of-day and "
                           "timestamp comparisons\n"
                           "tree       Display the expression tree\n"
                           "all        Set all of the debug flags (but help)\n"
                           "help       Explain the various -D options\n");
                return 0;
            }
            /* debug output is not kept; unknown flags get GNU's warning */
            char buf[256];
            snprintf(buf, sizeof buf, "%s", opts);
            for (char *tok = buf, *next; tok; tok = next) {
                next = strchr(tok, ',');
                if (next) *next++ = 0;
                static const char *const known[] = {"exec", "opt", "rates", "search", "stat",
                                                    "time", "tree", "all", "help", NULL};
                bool ok = false;
                for (int k = 0; known[k]; k++)
                    if (!strcmp(tok, known[k])) ok = true;
                if (!ok) vl_error(c, "Ignoring unrecognised debug flag %s", q(F, tok));
            }
            c->status = 0;
        } else if (!strncmp(a, "-O", 2)) {
            /* optimisation level: accepted, nothing to do */
        } else {
            break;
        }
    }
    /* starting points */
    int first = i;
    while (i < argc) {
        const char *a = argv[i];
        /* GNU's looks_like_expression: among the starting points ")" and "," are names */
        bool expr = (a[0] == '-' && a[1]) || ((a[0] == '!' || a[0] == '(') && !a[1]);
        if (expr) break;
        i++;
    }
    int npaths = i - first;
    char **roots = argv + first;
    /* -files0-from is a global option given among the expression */
    const char *files0 = NULL;
    for (int k = i; k < argc; k++) {
        if (!strcmp(argv[k], "-files0-from")) {
            if (k + 1 >= argc) die(F, "missing argument to `-files0-from'");
            files0 = argv[k + 1];
            memmove(argv + k, argv + k + 2, (size_t)(argc - k - 2) * sizeof *argv);
            argc -= 2;
            k--;
        }
    }
    parse_expr(F, argv, argc, i);
    for (size_t k = 0; k < F->np; k++)
        if (F->preds[k].kind == P_PRINTF) check_printf_format(F, F->preds[k].s);
    if (F->follow == 'L') F->need_stat = true;
    if (files0) {
        if (npaths) {
            vl_error(c, "extra operand %s", q(F, roots[0]));
            die(F, "file operands cannot be combined with -files0-from");
        }
        roots = NULL;
        npaths = 0;
        read_files0(F, files0, &roots, &npaths);
        if (!npaths) goto end;
    }
    static char dot[] = ".";
    char *defroot[] = {dot};
    if (npaths == 0 && !files0) roots = defroot, npaths = 1;
    for (int k = 0; k < npaths && !F->quit; k++) {
        if (!*roots[k]) {
            vl_error(c, "'': No such file or directory");
            continue;
        }
        walk_root(F, roots[k]);
    }
end:
    for (size_t k = 0; k < F->nexecs; k++) batch_flush(F, F->execs[k]);
    out_flush_all(F);
    for (size_t k = 0; k < F->nouts; k++)
        if (F->outs[k]->fd > 2) vk_close(c->p, F->outs[k]->fd);
    return c->status;
}

static const vl_opt find_opts[] = {{0, NULL, 0, NULL, NULL}};

VL_COMMAND_NAMED(find_cmd, "find", find_main, find_opts, "[-H] [-L] [-P] [-Olevel] [-D debugopts] [path...] [expression]",
           "Search for files in a directory hierarchy.\n\n"
           "Default path is the current directory; default expression is -print.\n"
           "Expression may consist of: operators, options, tests, and actions.",
           VL_NO_OPTIONS, 1);
