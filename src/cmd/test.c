/* test and [: evaluate a conditional expression with the grammar the shell's builtin shares
 * (lib/testexpr.c: POSIX's rules for up to four arguments, bash's precedence parser beyond),
 * all unary file/string tests and binary string/integer/file comparisons. Messages are bash's
 * when run as its builtin, GNU's otherwise. -o OPTNAME and -v VAR need the shell's state: the
 * shell answers those itself; here -v looks at the environment and -o is false. */
#include "lib/cmd.h"
#include "lib/format.h"
#include "lib/testexpr.h"

#include <string.h>

/* GNU's words for the syntax errors (bash's, in builtin mode, are the shared ones) */
static void report(vl_test *t, vl_test_err err, const char *arg)
{
    static const char *const gnu[] = {
        [VL_TEST_NEED_ARG] = "missing argument after %s",
        [VL_TEST_NEED_PAREN] = "')' expected",
        [VL_TEST_PAREN_FOUND] = "')' expected, found %s",
        [VL_TEST_NEED_UNARY] = "%s: unary operator expected",
        [VL_TEST_NEED_BINARY] = "%s: binary operator expected",
        [VL_TEST_EXTRA] = "extra argument %s",
        [VL_TEST_BAD_INTEGER] = "invalid integer %s",
    };
    vl_ctx *c = t->ud;
    vl_eprintf(c, "%s: ", t->name);
    if (c->builtin) vl_eprintf(c, vl_test_bash_fmt(err), arg);
    else vl_eprintf(c, gnu[err], arg ? vl_quote_locale(c, arg) : "");
    vl_eprintf(c, "\n");
}

/* optional blanks around what vl_parse_int takes */
static bool integer(const char *s, int64_t *v)
{
    const char *q = s;
    while (*q == ' ' || *q == '\t' || *q == '\n') q++;
    const char *e = q + strlen(q);
    while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n')) e--;
    char buf[64];
    if ((size_t)(e - q) >= sizeof buf) return false;
    memcpy(buf, q, (size_t)(e - q));
    buf[e - q] = '\0';
    return buf[0] != ' ' && vl_parse_int(buf, v, false) == 0;
}

static bool unary(vl_test *t, char op, const char *a)
{
    vk_proc *p = ((vl_ctx *)t->ud)->p;
    switch (op) {
    case 'z': return !*a;
    case 'n': return *a != 0;
    case 'o': return false;
    case 'v': return vk_getenv(p, a) != NULL;
    case 't': {
        int64_t fd;
        if (!vl_test_integer(t, a, &fd)) return false;
        return fd >= 0 && fd < 1024 && vk_isatty(p, (int)fd) > 0;
    }
    default: return vl_test_file(p, op, a);
    }
}

static bool binary(vl_test *t, const char *a, const char *op, const char *b)
{
    if (!strcmp(op, "-nt") || !strcmp(op, "-ot") || !strcmp(op, "-ef"))
        return vl_test_file_compare(((vl_ctx *)t->ud)->p, a, op, b);
    return vl_test_int_binary(t, a, op, b);
}

static const vl_test_ops ops = {
    .unary_ops = "abcdefghknoprstuvwxzGLNOS",
    .unary = unary,
    .binary = binary,
    .integer = integer,
    .report = report,
};

static int test_main(vl_ctx *c, int argc, char **argv)
{
    return vl_test_run(&ops, c, c->name, argc - 1, argv + 1);
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
    return test_main(c, argc - 1, argv);
}

static const vl_opt test_opts[] = {{0}};
VL_COMMAND(test, test_main, test_opts, "EXPRESSION\n  or:  test",
           "Exit with the status determined by EXPRESSION.", VL_NO_OPTIONS, 2);
VL_COMMAND_NAMED(lbracket, "[", lbracket_main, test_opts, "EXPRESSION ]\n  or:  [ ]",
                 "Exit with the status determined by EXPRESSION.", VL_NO_OPTIONS, 2);
