/* cmd_jq.c: jq at the VM's limits. Runaway filters (an endless generator, a huge array, deep
 * recursion) and hostile input (nesting 100,000 deep) end with a clear error at the exec's
 * step, time or memory limit or jq's own bounds, never a host crash, and the VM stays usable.
 * (Behaviour is checked against the real jq in tests/cmd/jq.test.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static vos_vm *vm_with(uint64_t steps, uint64_t mem)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    if (steps) lim.cpu_steps = steps;
    if (mem) lim.mem_bytes = mem;
    cfg.limits = &lim;
    return test_vm_new_cfg(&cfg);
}

TEST(jq_endless_generator_ends_at_the_step_budget)
{
    vos_vm *vm = vm_with(2000000, 0);
    vos_result r;
    vos_result_init(&r);
    /* repeat(1) never ends; its output goes nowhere, so only the step budget can stop it */
    int rc = vos_exec(vm, "jq -n 'repeat(1)' > /dev/null", NULL, &r);
    ASSERT(rc != 0 || r.status != 0);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '{\"a\":1}' | jq -c .", "{\"a\":1}\n", 0);
    test_vm_free(vm);
}

TEST(jq_huge_array_ends_at_a_limit)
{
    vos_vm *vm = vm_with(0, 64u << 20);
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, "jq -n '[range(1e9)] | length'", 20000, 0, &r);
    ASSERT(rc != 0 || r.status != 0);
    ASSERT(test_now_ms() - t0 < 20000 * TEST_SAN_SLOW);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "jq -n '[range(5)] | add'", "10\n", 0);
    test_vm_free(vm);
}

TEST(jq_deep_recursion_is_an_error_not_a_crash)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "jq -n 'def f: 1 + f; f'", &r));
    ASSERT_EQ(r.status, 5);
    ASSERT(strstr(r.err, "jq: error") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "jq -n 'def f: if . < 200 then . + 1 | f else . end; 0 | f'", "200\n", 0);
    test_vm_free(vm);
}

TEST(jq_deeply_nested_input_hits_the_parse_depth_limit)
{
    vos_vm *vm = test_vm_new();
    size_t n = 100000;
    char *deep = malloc(n + 1);
    memset(deep, '[', n);
    deep[n] = 0;
    ASSERT_OK(vos_write_file(vm, "/tmp/deep.json", deep, n, 0644));
    free(deep);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "jq . /tmp/deep.json", &r));
    ASSERT_EQ(r.status, 2);
    ASSERT(strstr(r.err, "Exceeds depth limit for parsing") != NULL);
    ASSERT_STR(r.out, "");
    vos_result_free(&r);
    /* 10,000 levels are still fine, and printing them does not overflow the C stack */
    ASSERT_EXEC(vm, "jq -n '[range(9999)] | reduce .[] as $x (1; [.]) | tojson | fromjson | flatten'",
                "[\n  1\n]\n", 0);
    test_vm_free(vm);
}

TEST(jq_interrupted_by_the_time_limit)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, "jq -n 'last(range(1e15))'", 300, 0, &r);
    ASSERT(rc != 0 || r.status != 0);
    ASSERT(test_now_ms() - t0 < 10000 * TEST_SAN_SLOW);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "jq -n '1 + 1'", "2\n", 0);
    test_vm_free(vm);
}

TEST(jq_syntax_error_in_deep_nesting_is_quick)
{
    /* "f(([[[[...][": each level was parsed twice ("Term as" first, then as an expression),
     * 2^depth in all (the fuzzer's timeout) */
    vos_vm *vm = test_vm_new();
    char prog[256];
    memcpy(prog, "jq -n 'getpat((", 15);
    memset(prog + 15, '[', 100);
    memcpy(prog + 115, "]['", 4);
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    ASSERT_OK(test_exec(vm, prog, &r));
    ASSERT(test_now_ms() - t0 < 2000 * TEST_SLOW);
    ASSERT_EQ(r.status, 3);
    ASSERT(strstr(r.err, "jq: error: syntax error, unexpected end of file") != NULL);
    vos_result_free(&r);
    test_vm_free(vm);
}

TEST(jq_syntax_error_at_a_long_token)
{
    /* the message names the token: a long one overflowed the message buffer (fuzzer) */
    vos_vm *vm = test_vm_new();
    char prog[512];
    memcpy(prog, "jq -n 'andak$x", 14);
    memset(prog + 14, 'g', 300);
    memcpy(prog + 314, "'", 2);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, prog, &r));
    ASSERT_EQ(r.status, 3);
    ASSERT(strstr(r.err, "jq: error: syntax error, unexpected $xggg") != NULL);
    ASSERT(strstr(r.err, "jq: 1 compile error\n") != NULL);
    vos_result_free(&r);
    test_vm_free(vm);
}
