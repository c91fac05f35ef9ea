/* test and [: evaluate a conditional expression with POSIX's rules for up to four arguments
 * and bash's precedence parser beyond (! ( ) -a -o), all unary file/string tests and binary
 * string/integer/file comparisons. Messages are bash's when run as its builtin, GNU's
 * otherwise. -o OPTNAME and -v VAR need the shell's state: the shell answers those itself;
 * here -v looks at the environment and -o is false. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct tst {
    vl_ctx *c;
    char **argv;
    int argc, pos;
} tst;

_Noreturn static void syntax(tst *t, const char *bash_fmt, const char *gnu_fmt, const char *arg)
{
    vl_ctx *c = t->c;
    if (c->builtin) {
        vl_eprintf(c, "%s: ", c->name);
        vl_eprintf(c, bash_fmt, arg);
    } else {
        vl_eprintf(c, "%s: ", c->name);
        vl_eprintf(c, gnu_fmt, arg ? vl_quote_locale(c, arg) : "");
    }
    vl_eprintf(c, "\n");
    vl_exit(c, 2);
}

static int64_t integer(tst *t, const char *s)
{
    const char *q = s;
    while (*q == ' ' || *q == '\t' || *q == '\n') q++;
    const char *e = q + strlen(q);
    while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n')) e--;
    char buf[64];
    int64_t v;
    if ((size_t)(e - q) < sizeof buf) {
        memcpy(buf, q, (size_t)(e - q));
        buf[e - q] = '\0';
        if (buf[0] != ' ' && vl_parse_int(buf, &v, false) == 0) return v;
    }
    syntax(t, "%s: integer expression expected", "invalid integer %s", s);
}

static bool is_unop(const char *s)
{
    return s[0] == '-' && s[1] && !s[2] && strchr("abcdefghknoprstuvwxzGLNOS", s[1]);
}

static bool is_binop(const char *s)
{
    static const char *const ops[] = {"=",   "==",  "!=",  "<",   ">",   "-eq", "-ne", "-lt",
                                      "-le", "-gt", "-ge", "-nt", "-ot", "-ef", NULL};
    for (int i = 0; ops[i]; i++)
        if (strcmp(s, ops[i]) == 0) return true;
    return false;
}

static bool unary(tst *t, char op, const char *a)
{
    vk_proc *p = t->c->p;
    struct vk_stat st;
    switch (op) {
    case 'z': return !*a;
    case 'n': return *a != 0;
    case 'o': return false;
    case 'v': return vk_getenv(p, a) != NULL;
    case 't': {
        int64_t fd = integer(t, a);
        return fd >= 0 && fd < 1024 && vk_isatty(p, (int)fd) > 0;
    }
    case 'h':
    case 'L': return vk_lstat(p, a, &st) == 0 && VK_S_ISLNK(st.mode);
    case 'r': return vk_access(p, a, VK_R_OK) == 0;
    case 'w': return vk_access(p, a, VK_W_OK) == 0;
    case 'x': return vk_access(p, a, VK_X_OK) == 0;
    default: break;
    }
    if (vk_stat(p, a, &st) != 0) return false;
    switch (op) {
    case 'a':
    case 'e': return true;
    case 'f': return VK_S_ISREG(st.mode);
    case 'd': return VK_S_ISDIR(st.mode);
    case 'b': return (st.mode & VK_S_IFMT) == VK_S_IFBLK;
    case 'c': return VK_S_ISCHR(st.mode);
    case 'p': return VK_S_ISFIFO(st.mode);
    case 'S': return (st.mode & VK_S_IFMT) == VK_S_IFSOCK;
    case 's': return st.size > 0;
    case 'u': return (st.mode & 04000) != 0;
    case 'g': return (st.mode & 02000) != 0;
    case 'k': return (st.mode & 01000) != 0;
    case 'O': return st.uid == vk_getuid(p);
    case 'G': return st.gid == vk_getgid(p);
    case 'N': return st.mtime_ns > st.atime_ns;
    default: return false;
    }
}

static bool binary(tst *t, const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "=") || !strcmp(op, "==")) return strcmp(a, b) == 0;
    if (!strcmp(op, "!=")) return strcmp(a, b) != 0;
    if (!strcmp(op, "<")) return strcmp(a, b) < 0;
    if (!strcmp(op, ">")) return strcmp(a, b) > 0;
    if (op[1] == 'n' || op[1] == 'o' || !strcmp(op, "-ef")) {
        struct vk_stat sa, sb;
        bool ha = vk_stat(t->c->p, a, &sa) == 0, hb = vk_stat(t->c->p, b, &sb) == 0;
        if (!strcmp(op, "-ef")) return ha && hb && sa.dev == sb.dev && sa.ino == sb.ino;
        if (!strcmp(op, "-nt")) return ha && (!hb || sa.mtime_ns > sb.mtime_ns);
        return hb && (!ha || sa.mtime_ns < sb.mtime_ns);
    }
    int64_t x = integer(t, a), y = integer(t, b);
    if (!strcmp(op, "-eq")) return x == y;
    if (!strcmp(op, "-ne")) return x != y;
    if (!strcmp(op, "-lt")) return x < y;
    if (!strcmp(op, "-le")) return x <= y;
    if (!strcmp(op, "-gt")) return x > y;
    return x >= y;
}

/* ---- the full parser (more than four arguments, or inside one) ---- */
static bool expr(tst *t);

_Noreturn static void need_arg(tst *t)
{
    syntax(t, "argument expected", "missing argument after %s",
           t->pos > 0 ? t->argv[t->pos - 1] : "");
}

static bool term(tst *t)
{
    if (t->pos >= t->argc) need_arg(t);
    const char *a = t->argv[t->pos];
    if (!strcmp(a, "!")) {
        t->pos++;
        return !term(t);
    }
    if (!strcmp(a, "(")) {
        t->pos++;
        bool v = expr(t);
        if (t->pos >= t->argc) syntax(t, "`)' expected", "')' expected%s", NULL);
        if (strcmp(t->argv[t->pos], ")"))
            syntax(t, "`)' expected, found %s", "')' expected, found %s", t->argv[t->pos]);
        t->pos++;
        return v;
    }
    if (t->pos + 2 < t->argc && is_binop(t->argv[t->pos + 1])) {
        bool v = binary(t, a, t->argv[t->pos + 1], t->argv[t->pos + 2]);
        t->pos += 3;
        return v;
    }
    if (a[0] == '-' && a[1] && !a[2]) {
        if (!is_unop(a)) syntax(t, "%s: unary operator expected", "%s: unary operator expected", a);
        if (t->pos + 1 >= t->argc) {
            t->pos++;
            need_arg(t);
        }
        bool v = unary(t, a[1], t->argv[t->pos + 1]);
        t->pos += 2;
        return v;
    }
    t->pos++;
    return *a != 0;
}

static bool and_expr(tst *t)
{
    bool v = term(t);
    while (t->pos < t->argc && !strcmp(t->argv[t->pos], "-a")) {
        t->pos++;
        bool w = term(t);
        v = v && w;
    }
    return v;
}

static bool expr(tst *t)
{
    bool v = and_expr(t);
    while (t->pos < t->argc && !strcmp(t->argv[t->pos], "-o")) {
        t->pos++;
        bool w = and_expr(t);
        v = v || w;
    }
    return v;
}

/* ---- POSIX's rules by argument count ---- */
static bool nargs(tst *t, int n);

static bool two(tst *t)
{
    const char *a = t->argv[t->pos], *b = t->argv[t->pos + 1];
    if (!strcmp(a, "!")) {
        t->pos += 2;
        return *b == 0;
    }
    if (is_unop(a)) {
        t->pos += 2;
        return unary(t, a[1], b);
    }
    syntax(t, "%s: unary operator expected", "%s: unary operator expected", a);
}

static bool three(tst *t)
{
    char **v = t->argv + t->pos;
    if (is_binop(v[1])) {
        t->pos += 3;
        return binary(t, v[0], v[1], v[2]);
    }
    if (!strcmp(v[0], "!")) {
        t->pos++;
        return !two(t);
    }
    if (!strcmp(v[0], "(") && !strcmp(v[2], ")")) {
        t->pos += 3;
        return *v[1] != 0;
    }
    if (!strcmp(v[1], "-a") || !strcmp(v[1], "-o")) return expr(t);
    syntax(t, "%s: binary operator expected", "%s: binary operator expected", v[1]);
}

static bool nargs(tst *t, int n)
{
    char **v = t->argv + t->pos;
    switch (n) {
    case 0: return false;
    case 1: t->pos++; return *v[0] != 0;
    case 2: return two(t);
    case 3: return three(t);
    case 4:
        if (!strcmp(v[0], "!")) {
            t->pos++;
            return !three(t);
        }
        if (!strcmp(v[0], "(") && !strcmp(v[3], ")")) {
            t->pos++;
            t->argc--;
            bool r = two(t);
            t->argc++;
            t->pos++;
            return r;
        }
        /* fallthrough */
    default: return expr(t);
    }
}

static int run_test(vl_ctx *c, int argc, char **argv)
{
    tst t = {c, argv + 1, argc - 1, 0};
    bool v = nargs(&t, t.argc);
    if (t.pos < t.argc)
        syntax(&t, "too many arguments", "extra argument %s", t.argv[t.pos]);
    return v ? 0 : 1;
}

static int test_main(vl_ctx *c, int argc, char **argv)
{
    return run_test(c, argc, argv);
}

static int lbracket_main(vl_ctx *c, int argc, char **argv)
{
    if (!c->builtin && argc == 2 && !strcmp(argv[1], "--help")) {
        vl_help(c);
        return 0;
    }
    if (!c->builtin && argc == 2 && !strcmp(argv[1], "--version")) {
        vl_version(c);
        return 0;
    }
    if (argc < 2 || strcmp(argv[argc - 1], "]") != 0) {
        if (c->builtin) vl_eprintf(c, "%s: missing `]'\n", c->name);
        else vl_eprintf(c, "%s: missing %s\n", c->name, vl_quote_locale(c, "]"));
        return 2;
    }
    return run_test(c, argc - 1, argv);
}

static const vl_opt test_opts[] = {{0}};
VL_COMMAND(test, test_main, test_opts, "EXPRESSION\n  or:  test",
           "Exit with the status determined by EXPRESSION.", VL_NO_OPTIONS, 2);
VL_COMMAND_NAMED(lbracket, "[", lbracket_main, test_opts, "EXPRESSION ]\n  or:  [ ]",
                 "Exit with the status determined by EXPRESSION.", VL_NO_OPTIONS, 2);
