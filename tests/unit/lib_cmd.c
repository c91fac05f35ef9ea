/* lib_cmd.c: the command framework (src/lib/cmd.c, src/lib/format.c) where tests/cmd cannot
 * reach: number parsing with suffixes, mode strings, --help/--version generation, builtins
 * leaving the shell's state alone, bail-outs freeing everything (the runner checks that each
 * VM ends at zero bytes), streaming in constant memory and EPIPE endings. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/internal.h"
#include "lib/cmd.h"
#include "api/api.h"
#include "test.h"

TEST(parse_int_plain_and_signed)
{
    int64_t v;
    ASSERT_OK(vl_parse_int("42", &v, false));
    ASSERT_EQ(v, 42);
    ASSERT_OK(vl_parse_int("-7", &v, false));
    ASSERT_EQ(v, -7);
    ASSERT_OK(vl_parse_int("+3", &v, false));
    ASSERT_EQ(v, 3);
    ASSERT_OK(vl_parse_int("9223372036854775807", &v, false));
    ASSERT_EQ(v, INT64_MAX);
    ASSERT_OK(vl_parse_int("-9223372036854775808", &v, false));
    ASSERT_EQ(v, INT64_MIN);
    ASSERT_RC(vl_parse_int("9223372036854775808", &v, false), VOS_ERANGE);
    ASSERT_RC(vl_parse_int("", &v, false), VOS_EINVAL);
    ASSERT_RC(vl_parse_int("abc", &v, false), VOS_EINVAL);
    ASSERT_RC(vl_parse_int("12x", &v, false), VOS_EINVAL);
    ASSERT_RC(vl_parse_int("5K", &v, false), VOS_EINVAL);
}

TEST(parse_int_suffixes)
{
    int64_t v;
    ASSERT_OK(vl_parse_int("1b", &v, true));
    ASSERT_EQ(v, 512);
    ASSERT_OK(vl_parse_int("2K", &v, true));
    ASSERT_EQ(v, 2048);
    ASSERT_OK(vl_parse_int("2k", &v, true));
    ASSERT_EQ(v, 2048);
    ASSERT_OK(vl_parse_int("1kB", &v, true));
    ASSERT_EQ(v, 1000);
    ASSERT_OK(vl_parse_int("1KiB", &v, true));
    ASSERT_EQ(v, 1024);
    ASSERT_OK(vl_parse_int("3M", &v, true));
    ASSERT_EQ(v, 3 * 1024 * 1024);
    ASSERT_OK(vl_parse_int("1MB", &v, true));
    ASSERT_EQ(v, 1000000);
    ASSERT_OK(vl_parse_int("1G", &v, true));
    ASSERT_EQ(v, 1024LL * 1024 * 1024);
    ASSERT_OK(vl_parse_int("1T", &v, true));
    ASSERT_EQ(v, 1024LL * 1024 * 1024 * 1024);
    ASSERT_OK(vl_parse_int("1E", &v, true));
    ASSERT_EQ(v, 1LL << 60);
    ASSERT_RC(vl_parse_int("8E", &v, true), VOS_ERANGE);
    ASSERT_RC(vl_parse_int("1Z", &v, true), VOS_ERANGE);
    ASSERT_RC(vl_parse_int("1Q", &v, true), VOS_EINVAL);
    ASSERT_RC(vl_parse_int("1KBx", &v, true), VOS_EINVAL);
    ASSERT_RC(vl_parse_int("bK", &v, true), VOS_EINVAL);
}

TEST(mode_string)
{
    char m[11];
    vl_mode_string(VK_S_IFREG | 0644, m);
    ASSERT_STR(m, "-rw-r--r--");
    vl_mode_string(VK_S_IFDIR | 0755, m);
    ASSERT_STR(m, "drwxr-xr-x");
    vl_mode_string(VK_S_IFLNK | 0777, m);
    ASSERT_STR(m, "lrwxrwxrwx");
    vl_mode_string(VK_S_IFREG | 04755, m);
    ASSERT_STR(m, "-rwsr-xr-x");
    vl_mode_string(VK_S_IFREG | 02644, m);
    ASSERT_STR(m, "-rw-r-Sr--");
    vl_mode_string(VK_S_IFDIR | 01777, m);
    ASSERT_STR(m, "drwxrwxrwt");
    vl_mode_string(VK_S_IFDIR | 01770, m);
    ASSERT_STR(m, "drwxrwx--T");
}

TEST(help_is_generated_from_the_table)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "head --help | head -n 1", "Usage: head [OPTION]... [FILE]...\n", 0);
    ASSERT_EXEC(vm, "wc --version", "wc (vos) " VOS_VERSION_STRING "\n", 0);
    ASSERT_EXEC(vm, "wc --vers", "wc (vos) " VOS_VERSION_STRING "\n", 0);
    /* --help wins wherever it stands among operands, as with getopt_long */
    ASSERT_EXEC(vm, "cat nope --help > /dev/null; echo $?", "0\n", 0);
}

TEST(help_lists_aliases_and_arguments)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "head --help", &r));
    ASSERT(strstr(r.out, "  -q, --quiet, --silent") != NULL);
    ASSERT(strstr(r.out, "  -n, --lines=[-]NUM") != NULL);
    ASSERT(strstr(r.out, "      --help") != NULL);
    ASSERT(strstr(r.out, "      --version") != NULL);
    ASSERT_EQ(r.status, 0);
    vos_result_free(&r);
}

TEST(builtins_leave_the_shell_argv_alone)
{
    vos_vm *vm = test_vm_new();
    /* the shell reads $_ from its argv after a builtin; [ and pwd must not have cut it */
    ASSERT_EXEC(vm, "[ a = a ]; echo \"$_\"", "]\n", 0);
    ASSERT_EXEC(vm, "pwd -P > /dev/null; echo \"$_\"", "-P\n", 0);
    ASSERT_EXEC(vm, "echo -n x y; echo \" $_\"", "x y y\n", 0);
}

TEST(bailouts_free_everything)
{
    vos_vm *vm = test_vm_new();
    /* errors that leave through vl_exit/vl_die/vl_usage_error, in builtins and commands */
    for (int i = 0; i < 20; i++) {
        vos_result r;
        vos_result_init(&r);
        ASSERT_OK(test_exec(vm,
                            "printf '%d %s %q\\n' abc x 'a b'; printf 'a%k'; test 1 -eq x; "
                            "[ a; head -n x; seq 1 0 2; wc nope; cat nope - < /dev/null; "
                            "tail -n 3 nope; env -u; sleep 1x; basename; echo -e 'a\\cb'",
                            &r));
        vos_result_free(&r);
    }
    ASSERT_EXEC(vm, "echo done", "done\n", 0);
}

TEST(streams_in_constant_memory)
{
    vos_vm *vm = test_vm_new();
    size_t before = vos_vm_mem_used(vm);
    ASSERT_EXEC(vm, "seq 1 300000 | tail -n 2", "299999\n300000\n", 0);
    ASSERT_EXEC(vm, "seq 1 300000 | head -n -299998", "1\n2\n", 0);
    ASSERT_EXEC(vm, "yes abc | head -c 7", "abc\nabc", 0);
    ASSERT_EXEC(vm, "seq 1 300000 | cat | wc -l", "300000\n", 0);
    /* nothing stays allocated after the pipelines (the session may keep a little state) */
    ASSERT(vos_vm_mem_used(vm) < before + 65536);
}

TEST(epipe_ends_writers_with_141)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "yes | head -n 1; echo ${PIPESTATUS[0]}", "y\n141\n", 0);
    ASSERT_EXEC(vm, "seq 1 10000000 | head -n 1; echo ${PIPESTATUS[0]}", "1\n141\n", 0);
}

TEST(long_lines_and_binary_input)
{
    vos_vm *vm = test_vm_new();
    char *big = malloc(300001);
    ASSERT(big != NULL);
    memset(big, 'x', 300000);
    big[300000] = '\n';
    ASSERT_OK(vos_write_file(vm, "/tmp/big", big, 300001, 0644));
    free(big);
    ASSERT_EXEC(vm, "head -n 1 /tmp/big | wc -c; tail -n 1 /tmp/big | wc -L", "300001\n300000\n",
                0);
    static const char bin[] = {'a', 0, 'b', '\n', 0, 0, 'c'};
    ASSERT_OK(vos_write_file(vm, "/tmp/bin", bin, sizeof bin, 0644));
    ASSERT_EXEC(vm, "cat /tmp/bin | wc -c; head -n 1 /tmp/bin | wc -c; tail -c 3 /tmp/bin | wc -c",
                "7\n4\n3\n", 0);
}

/* A declaration with more options than any fixed bound: every one is parsed and kept. */
enum { MANY = 100 };
static vl_opt many_opts[MANY + 1];
static char many_names[MANY][16];
static const vl_cmd_decl many_decl = {"many", NULL, many_opts, "[OPTION]...", "", 0, 1};

static int many_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n != 1 || strcmp(argv[1], "operand") != 0) return 10;
    for (int k = 0; k < MANY; k++) {
        bool want = k % 3 == 0 || k == MANY - 1;
        if (vl_has(c, 256 + k) != want) return 11;
    }
    const char *a = vl_arg(c, 256 + MANY - 1);
    if (!a || strcmp(a, "last") != 0) return 12;
    if (vl_last(c, 256 + MANY - 1) <= vl_last(c, 256)) return 13;
    return 0;
}

static int many_entry(vk_proc *p, void *arg)
{
    char **argv = arg;
    int argc = 0;
    while (argv[argc]) argc++;
    vl_cmd_decl d = many_decl;
    d.main = many_main;
    return vl_run(p, &d, argc, argv);
}

TEST(options_have_no_fixed_bound)
{
    vos_vm *vm = test_vm_new();
    for (int k = 0; k < MANY; k++) {
        snprintf(many_names[k], sizeof many_names[k], "o%d", k);
        many_opts[k] = (vl_opt){.id = 256 + k, .lng = many_names[k],
                                .arg = k == MANY - 1 ? VL_ARG : VL_NOARG, .help = "x"};
    }
    many_opts[MANY] = (vl_opt){0};
    char *argv[MANY + 4];
    char words[MANY][16];
    int n = 0;
    argv[n++] = "many";
    for (int k = 0; k < MANY - 1; k += 3) {
        snprintf(words[k], sizeof words[k], "--o%d", k);
        argv[n++] = words[k];
    }
    argv[n++] = "operand";
    argv[n++] = "--o99=last";
    argv[n] = NULL;
    vk_proc *c;
    ASSERT_OK(vk_proc_new(api_kvm(vm)->session, &c));
    int ws = vk_proc_run(c, many_entry, argv);
    ASSERT(VK_WIFEXITED(ws));
    ASSERT_EQ(VK_WEXITSTATUS(ws), 0);
}

/* bash's option rules for builtins, word by word */
static const vl_opt bopts_table[] = {
    {.id = 'r'},
    {.id = 'a', .arg = VL_ARG},
    {.id = 'i', .arg = VL_PLUS},
    {.id = 'o', .arg = VL_OPTARG},
    {0},
};

static int bopts_all(char **argv, char *out, size_t n)
{
    int argc = 0;
    while (argv[argc]) argc++;
    vl_bopts g;
    vl_bopts_init(&g, bopts_table, argc, argv);
    int ch;
    size_t k = 0;
    while ((ch = vl_bopts_next(&g)) > 0)
        k += (size_t)snprintf(out + k, n - k, "%s%c%s%s ", g.plus ? "+" : "", ch,
                              g.arg ? "=" : "", g.arg ? g.arg : "");
    if (ch < 0) snprintf(out + k, n - k, "error %d %s", ch, g.bad);
    else snprintf(out + k, n - k, "ops at %d", g.ind);
    return ch;
}

TEST(bash_builtin_options)
{
    char out[256];
    bopts_all((char *[]){"b", "-ra", "x", "-ax", "-a", "y", "z", NULL}, out, sizeof out);
    ASSERT_STR(out, "r a=x a=x a=y ops at 6");
    bopts_all((char *[]){"b", "-r", "--", "-r", NULL}, out, sizeof out);
    ASSERT_STR(out, "r ops at 3");
    bopts_all((char *[]){"b", "-", "-r", NULL}, out, sizeof out);
    ASSERT_STR(out, "ops at 1");
    bopts_all((char *[]){"b", "+i", "-i", "+", NULL}, out, sizeof out);
    ASSERT_STR(out, "+i i ops at 3");
    bopts_all((char *[]){"b", "-o", "x", NULL}, out, sizeof out);
    ASSERT_STR(out, "o ops at 2");
    bopts_all((char *[]){"b", "-ofoo", NULL}, out, sizeof out);
    ASSERT_STR(out, "o=foo ops at 2");
    ASSERT_EQ(bopts_all((char *[]){"b", "-rz", NULL}, out, sizeof out), VL_BOPT_INVALID);
    ASSERT_STR(out, "r error -2 -z");
    ASSERT_EQ(bopts_all((char *[]){"b", "+r", NULL}, out, sizeof out), VL_BOPT_INVALID);
    ASSERT_STR(out, "error -2 +r");
    ASSERT_EQ(bopts_all((char *[]){"b", "--foo", NULL}, out, sizeof out), VL_BOPT_INVALID);
    ASSERT_STR(out, "error -2 --");
    ASSERT_EQ(bopts_all((char *[]){"b", "-r", "-a", NULL}, out, sizeof out), VL_BOPT_NEEDARG);
    ASSERT_STR(out, "r error -3 -a");
    ASSERT_EQ(bopts_all((char *[]){"b", "-r", "--help", NULL}, out, sizeof out), VL_BOPT_HELP);
    bopts_all((char *[]){"b", "x", "-r", NULL}, out, sizeof out);
    ASSERT_STR(out, "ops at 1");
    /* without any VL_PLUS option, +x is an operand */
    static const vl_opt plain[] = {{.id = 'r'}, {0}};
    vl_bopts g;
    char *argv[] = {"b", "+r", NULL};
    vl_bopts_init(&g, plain, 2, argv);
    ASSERT_EQ(vl_bopts_next(&g), VL_BOPT_END);
    ASSERT_EQ(g.ind, 1);
}

/* A command run as a bash builtin reads its options with bash's rules and reports with bash's
 * messages (the same reader and printer as the shell's builtins). */
static int bmode_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    vl_printf(c, "n=%d a=%s b=%d", n, vl_arg(c, 'a') ? vl_arg(c, 'a') : "-", vl_count(c, 'b'));
    for (int i = 1; i <= n; i++) vl_printf(c, " [%s]", argv[i]);
    vl_putc(c, '\n');
    return 0;
}

static const vl_opt bmode_opts[] = {{'a', NULL, VL_ARG, NULL, NULL}, {'b', NULL, 0, NULL, NULL},
                                    {0}};
static const vl_cmd_decl bmode_decl = {"tst", bmode_main, bmode_opts, "[-b] [-a x] [arg ...]", "",
                                       0, 1};

static int bmode_entry(vk_proc *p, void *arg)
{
    char **argv = arg;
    int argc = 0;
    while (argv[argc]) argc++;
    int fd = vk_open(p, "/tmp/bmode", VK_O_WRONLY | VK_O_CREAT | VK_O_APPEND, 0644);
    vk_dup2(p, fd, 1);
    vk_dup2(p, fd, 2);
    vk_close(p, fd);
    return vl_run_builtin(p, &bmode_decl, "bash: line 1: tst", "tst [-b] [-a x]", argc, argv);
}

static int bmode_run(vos_vm *vm, char **argv)
{
    vk_proc *c;
    ASSERT_OK(vk_proc_new(api_kvm(vm)->session, &c));
    int ws = vk_proc_run(c, bmode_entry, argv);
    ASSERT(VK_WIFEXITED(ws));
    return VK_WEXITSTATUS(ws);
}

TEST(builtin_mode_uses_bash_rules)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "-ba", "x", "-b", "op", "-b", NULL}), 0);
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "-ax", "--", "-b", NULL}), 0);
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "-b", "-", NULL}), 0);
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "-bz", NULL}), 2);
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "-a", NULL}), 2);
    ASSERT_EQ(bmode_run(vm, (char *[]){"tst", "--long", NULL}), 2);
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/tmp/bmode", &data, &len));
    char text[1024];
    snprintf(text, sizeof text, "%.*s", (int)len, (const char *)data);
    vos_free(data);
    ASSERT_STR(text, "n=2 a=x b=2 [op] [-b]\n"
                     "n=1 a=x b=0 [-b]\n"
                     "n=1 a=- b=1 [-]\n"
                     "bash: line 1: tst: -z: invalid option\n"
                     "tst: usage: tst [-b] [-a x]\n"
                     "bash: line 1: tst: -a: option requires an argument\n"
                     "tst: usage: tst [-b] [-a x]\n"
                     "bash: line 1: tst: --: invalid option\n"
                     "tst: usage: tst [-b] [-a x]\n");
}
