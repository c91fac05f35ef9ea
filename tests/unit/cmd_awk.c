/* cmd_awk.c: awk's bounds. A runaway program (an endless loop, endless recursion, an array or
 * a string that grows without end) ends on the VM's step, time or memory limit, or with a
 * clear error, and the VM stays usable. (Behaviour is checked against gawk in
 * tests/cmd/awk*.test.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

static int exec_steps(vos_vm *vm, const char *script, uint64_t steps, vos_result *r)
{
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.cpu_steps = steps;
    o.limits = &lim;
    vos_result_init(r);
    return vos_exec(vm, script, &o, r);
}

TEST(awk_endless_loop_ends_on_the_step_budget)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    ASSERT_RC(exec_steps(vm, "awk 'BEGIN{while(1);}'", 200000, &r), VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_RC(exec_steps(vm, "awk 'BEGIN{for(;;) x++}'", 200000, &r), VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_RC(exec_steps(vm, "awk 'BEGIN{do x++; while (1)}'", 200000, &r), VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive; awk 'BEGIN{print 1+1}'", "alive\n2\n", 0);
}

TEST(awk_endless_loop_ends_on_the_time_limit)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int64_t t0 = test_now_ms();
    ASSERT_RC(test_exec_limited(vm, "awk 'BEGIN{while(1) x = x + 1}'", 300, 0, &r), VOS_ETIME);
    vos_result_free(&r);
    ASSERT(test_now_ms() - t0 < 5000 * TEST_SLOW);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(awk_endless_recursion_is_an_error_not_a_crash)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    ASSERT_OK(test_exec(vm, "awk 'function f(n){return f(n+1)} BEGIN{f(1)}'", &r));
    ASSERT_EQ(r.status, 2);
    ASSERT(strstr(r.err, "awk: cmd. line:1: fatal: function call nesting too deep") != NULL);
    vos_result_free(&r);
    /* recursion through getline and arrays too */
    ASSERT_OK(test_exec(vm, "awk 'function g(a, n){a[n]=n; return g(a, n+1)} BEGIN{g(x, 1)}'", &r));
    ASSERT_EQ(r.status, 2);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "awk 'function f(n){return n ? n + f(n-1) : 0} BEGIN{print f(300)}'",
                "45150\n", 0);
}

TEST(awk_growing_array_and_string_end_on_the_memory_limit)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = 16u << 20;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, "awk 'BEGIN{while(1) a[i++] = i}'", &r);
    ASSERT(rc == VOS_EMEMLIMIT || r.status != 0);
    vos_result_free(&r);
    rc = test_exec(vm, "awk 'BEGIN{s = \"x\"; while(1) s = s s}'", &r);
    ASSERT(rc == VOS_EMEMLIMIT || r.status != 0);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive; awk 'BEGIN{a[1]=2; print a[1]}'", "alive\n2\n", 0);
}

TEST(awk_deeply_nested_program_is_a_syntax_error)
{
    vos_vm *vm = test_vm_new();
    /* 5000 nested parentheses: the parser stops with an error, not a stack overflow */
    char *prog = malloc(20000);
    ASSERT(prog != NULL);
    strcpy(prog, "awk 'BEGIN{x=");
    for (int i = 0; i < 5000; i++) strcat(prog, "(");
    strcat(prog, "1");
    for (int i = 0; i < 5000; i++) strcat(prog, ")");
    strcat(prog, "}'");
    vos_result r;
    ASSERT_OK(test_exec(vm, prog, &r));
    ASSERT_EQ(r.status, 1);
    ASSERT(strstr(r.err, "nested too deeply") != NULL);
    vos_result_free(&r);
    free(prog);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(awk_long_expression_chain_is_an_error_not_a_crash)
{
    vos_vm *vm = test_vm_new();
    /* 1+1+...+1, 300000 terms: a left-deep tree the evaluator recurses into */
    size_t n = 300000;
    char *prog = malloc(2 * n + 64);
    ASSERT(prog != NULL);
    char *p = prog;
    p += sprintf(p, "awk 'BEGIN{print ");
    for (size_t i = 0; i < n; i++) {
        *p++ = '1';
        *p++ = i + 1 < n ? '+' : '}';
    }
    strcpy(p, "'");
    vos_result r;
    ASSERT_OK(test_exec(vm, prog, &r));
    ASSERT_EQ(r.status, 2);
    ASSERT(strstr(r.err, "fatal: expression nested too deeply") != NULL);
    vos_result_free(&r);
    free(prog);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(awk_stops_on_interrupt)
{
    vos_vm *vm = test_vm_new();
    /* a busy loop, a loop over getline from an endless command, and a wait for input */
    const char *scripts[] = {
        "awk 'BEGIN{while(1) x++}'",
        "awk 'BEGIN{while ((\"yes\" | getline l) > 0) n++}'",
        "sleep 100 | awk '{print}'",
        "awk 'function f(n) { while (1) n++ } BEGIN { f(1) }'",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
        vos_result r;
        int64_t dt;
        int rc = test_exec_interrupted(vm, scripts[i], 100, &r, &dt);
        if (rc != VOS_EINTERRUPTED || dt > 2000 * TEST_SLOW)
            test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms", scripts[i], rc,
                      r.status, (long long)dt);
        vos_result_free(&r);
        ASSERT_EXEC(vm, "echo again", "again\n", 0);
    }
}

TEST(awk_children_outlive_awk_stopped_while_waiting)
{
    /* awk waits for a command that never ends; the time limit stops awk first, and the
     * command must not read arguments awk has freed (a use after free the fuzzer found) */
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {
        "awk 'BEGIN{system(\"while :; do :; done\")}'",
        "awk 'BEGIN{print \"x\" | \"while :; do :; done\"; close(\"while :; do :; done\")}'",
        "awk 'BEGIN{\"while :; do :; done\" | getline l}'",
        "awk 'BEGIN{ENVIRON[\"V\"]=1; system(\"while :; do :; done\")}'",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++)
        ASSERT_TIMES_OUT(vm, scripts[i], 200);
}
