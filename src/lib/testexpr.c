/* testexpr.c: test and [ expressions (see testexpr.h), one grammar for the command and the
 * shell's builtin. Errors set t->err and unwind by return, so the builtin, which must not
 * leave through a jump, and the command share every path; each caller turns err into its
 * status. What the callers' primaries mean stays with them. */
#include "lib/testexpr.h"

#include <string.h>

/* ---- helpers for the callers ---- */

void vl_test_fail(vl_test *t, vl_test_err err, const char *arg)
{
    if (t->err) return;
    t->err = true;
    t->ops->report(t, err, arg);
}

bool vl_test_integer(vl_test *t, const char *s, int64_t *v)
{
    if (t->ops->integer(s, v)) return true;
    vl_test_fail(t, VL_TEST_BAD_INTEGER, s);
    return false;
}

bool vl_test_int_compare(const char *op, int64_t x, int64_t y)
{
    if (strcmp(op, "-eq") == 0) return x == y;
    if (strcmp(op, "-ne") == 0) return x != y;
    if (strcmp(op, "-lt") == 0) return x < y;
    if (strcmp(op, "-le") == 0) return x <= y;
    if (strcmp(op, "-gt") == 0) return x > y;
    return x >= y;
}

bool vl_test_int_binary(vl_test *t, const char *a, const char *op, const char *b)
{
    /* the left operand is reported first, and alone when both are bad */
    int64_t x, y;
    if (!vl_test_integer(t, a, &x) || !vl_test_integer(t, b, &y)) return false;
    return vl_test_int_compare(op, x, y);
}

bool vl_test_is_unary(const char *letters, const char *s)
{
    return s[0] == '-' && s[1] && !s[2] && strchr(letters, s[1]);
}

bool vl_test_is_binary(const char *s)
{
    static const char *const ops[] = {"=",   "==",  "!=",  "<",   ">",   "-eq", "-ne", "-lt",
                                      "-le", "-gt", "-ge", "-nt", "-ot", "-ef", NULL};
    for (int i = 0; ops[i]; i++)
        if (strcmp(s, ops[i]) == 0) return true;
    return false;
}

bool vl_test_file(vk_proc *p, char op, const char *a)
{
    struct vk_stat st;
    switch (op) {
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

bool vl_test_file_compare(vk_proc *p, const char *a, const char *op, const char *b)
{
    struct vk_stat sa, sb;
    bool ha = vk_stat(p, a, &sa) == 0, hb = vk_stat(p, b, &sb) == 0;
    if (strcmp(op, "-ef") == 0) return ha && hb && sa.dev == sb.dev && sa.ino == sb.ino;
    if (strcmp(op, "-nt") == 0) return ha && (!hb || sa.mtime_ns > sb.mtime_ns);
    return hb && (!ha || sa.mtime_ns < sb.mtime_ns);
}

const char *vl_test_bash_fmt(vl_test_err err)
{
    switch (err) {
    case VL_TEST_NEED_ARG: return "argument expected";
    case VL_TEST_NEED_PAREN: return "`)' expected";
    case VL_TEST_PAREN_FOUND: return "`)' expected, found %s";
    case VL_TEST_NEED_UNARY: return "%s: unary operator expected";
    case VL_TEST_NEED_BINARY: return "%s: binary operator expected";
    case VL_TEST_EXTRA: return "too many arguments";
    case VL_TEST_BAD_INTEGER: return "%s: integer expression expected";
    }
    return "";
}

/* ---- the primaries ---- */

static bool is_unary(vl_test *t, const char *s)
{
    return vl_test_is_unary(t->ops->unary_ops, s);
}

static bool binary(vl_test *t, const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "=") || !strcmp(op, "==")) return strcmp(a, b) == 0;
    if (!strcmp(op, "!=")) return strcmp(a, b) != 0;
    if (!strcmp(op, "<")) return strcmp(a, b) < 0;
    if (!strcmp(op, ">")) return strcmp(a, b) > 0;
    return t->ops->binary(t, a, op, b);
}

/* ---- the full parser (more than four arguments, or inside one) ----
 * Every function returns false once t->err is set, and every loop stops on it, so nothing
 * is evaluated (or reported) after the first error. */
static bool expr(vl_test *t);

static bool term(vl_test *t)
{
    if (t->err) return false;
    if (t->pos >= t->argc) {
        vl_test_fail(t, VL_TEST_NEED_ARG, t->pos > 0 ? t->argv[t->pos - 1] : "");
        return false;
    }
    const char *a = t->argv[t->pos];
    if (!strcmp(a, "!")) {
        t->pos++;
        return !term(t);
    }
    if (!strcmp(a, "(")) {
        t->pos++;
        bool v = expr(t);
        if (t->err) return false;
        if (t->pos >= t->argc) {
            vl_test_fail(t, VL_TEST_NEED_PAREN, NULL);
            return false;
        }
        if (strcmp(t->argv[t->pos], ")")) {
            vl_test_fail(t, VL_TEST_PAREN_FOUND, t->argv[t->pos]);
            return false;
        }
        t->pos++;
        return v;
    }
    if (t->pos + 2 < t->argc && vl_test_is_binary(t->argv[t->pos + 1])) {
        bool v = binary(t, a, t->argv[t->pos + 1], t->argv[t->pos + 2]);
        t->pos += 3;
        return v;
    }
    if (a[0] == '-' && a[1] && !a[2]) {
        if (!is_unary(t, a)) {
            vl_test_fail(t, VL_TEST_NEED_UNARY, a);
            return false;
        }
        if (t->pos + 1 >= t->argc) {
            vl_test_fail(t, VL_TEST_NEED_ARG, a);
            return false;
        }
        bool v = t->ops->unary(t, a[1], t->argv[t->pos + 1]);
        t->pos += 2;
        return v;
    }
    t->pos++;
    return *a != 0;
}

static bool and_expr(vl_test *t)
{
    bool v = term(t);
    while (!t->err && t->pos < t->argc && !strcmp(t->argv[t->pos], "-a")) {
        t->pos++;
        bool w = term(t);
        v = v && w;
    }
    return v;
}

static bool expr(vl_test *t)
{
    bool v = and_expr(t);
    while (!t->err && t->pos < t->argc && !strcmp(t->argv[t->pos], "-o")) {
        t->pos++;
        bool w = and_expr(t);
        v = v || w;
    }
    return v;
}

/* ---- POSIX's rules by argument count ---- */

static bool two(vl_test *t)
{
    const char *a = t->argv[t->pos], *b = t->argv[t->pos + 1];
    if (!strcmp(a, "!")) {
        t->pos += 2;
        return *b == 0;
    }
    if (is_unary(t, a)) {
        t->pos += 2;
        return t->ops->unary(t, a[1], b);
    }
    vl_test_fail(t, VL_TEST_NEED_UNARY, a);
    return false;
}

static bool three(vl_test *t)
{
    char **v = t->argv + t->pos;
    if (vl_test_is_binary(v[1])) {
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
    vl_test_fail(t, VL_TEST_NEED_BINARY, v[1]);
    return false;
}

static bool nargs(vl_test *t, int n)
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
            /* the two words inside, as if they were all */
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

int vl_test_run(const vl_test_ops *ops, void *ud, const char *name, int argc, char **argv)
{
    vl_test t = {.ops = ops, .ud = ud, .name = name, .argv = argv, .argc = argc};
    bool v = nargs(&t, argc);
    if (!t.err && t.pos < t.argc) vl_test_fail(&t, VL_TEST_EXTRA, t.argv[t.pos]);
    if (t.err) return 2;
    return v ? 0 : 1;
}
