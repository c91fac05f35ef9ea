/* cmd_calc.c: bc and dc under the VM's limits: a runaway loop ends on the step budget or the
 * time limit, a huge number on the memory limit, deep recursion with a clear error; the VM
 * stays usable after each. (Outputs are checked against GNU bc/dc in tests/cmd/bc.test and
 * tests/cmd/dc.test.) */
#include <string.h>

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

TEST(bc_endless_loop_ends_on_step_budget)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int rc = exec_steps(vm, "echo 'while(1){}' | bc", 100000, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '2+2' | bc", "4\n", 0);
}

TEST(bc_endless_loop_ends_on_time_limit)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, "echo 'x=0;while(1){x+=1}' | bc", 300, 0, &r);
    ASSERT(rc != 0);
    ASSERT(test_now_ms() - t0 < 5000 * TEST_SLOW);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo 'scale=3;1/3' | bc", ".333\n", 0);
}

TEST(dc_endless_macro_ends_on_step_budget)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int rc = exec_steps(vm, "echo '[lax]salax' | dc", 100000, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '2 3*p' | dc", "6\n", 0);
}

TEST(bc_huge_power_bounded_by_memory)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = 8u << 20;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    int rc = test_exec_limited(vm, "echo '2^100000000' | bc", 20000, 0, &r);
    /* ends on memory (status non-zero) or on the time limit, never hangs or crashes */
    ASSERT(rc != 0 || r.status != 0);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '2^64' | bc", "18446744073709551616\n", 0);
}

TEST(bc_deep_recursion_clear_error)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    ASSERT_OK(test_exec(vm, "echo 'define f(n){return f(n+1)}; f(1); 7' | bc", &r));
    ASSERT_STR(r.out, "");
    ASSERT(strstr(r.err, "Runtime error (func=f, adr=") != NULL);
    ASSERT(strstr(r.err, "function call nesting too deep") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo 5 | bc", "5\n", 0);
}

TEST(dc_deep_recursion_clear_error)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    /* not a tail call: the frames pile up */
    ASSERT_OK(test_exec(vm, "echo '[lax 1]salax' | dc", &r));
    ASSERT(strstr(r.err, "dc: macro nesting too deep") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '1 2+p' | dc", "3\n", 0);
}

TEST(dc_tail_call_loop_runs_in_constant_space)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "echo '0[1+d200000>a]salaxp' | dc", "200000\n", 0);
}

TEST(bc_dc_stream_their_input)
{
    vos_vm *vm = test_vm_new();
    /* endless input: the pipeline ends when head has its lines */
    ASSERT_EXEC(vm, "yes 1+1 | bc | head -n 3", "2\n2\n2\n", 0);
    ASSERT_EXEC(vm, "yes 1p | dc | head -n 2", "1\n1\n", 0);
    test_vm_free(vm);
    /* more input than the VM's memory: read a line at a time */
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = 4u << 20;
    cfg.limits = &lim;
    vm = test_vm_new_cfg(&cfg);
    ASSERT_EXEC(vm, "(yes 'x+=1' | head -n 1000000; echo x) | bc", "1000000\n", 0);
    ASSERT_EXEC(vm, "yes 'x=x+1;1' | head -n 300000 | bc | tail -n 1", "1\n", 0);
    ASSERT_EXEC(vm, "yes '1+' | head -n 1000000 | dc 2>/dev/null | head -n 1; echo end", "end\n", 0);
}

TEST(bc_dc_scale_near_int_max_ends_cleanly)
{
    /* a scale near 2^31 in a division, a remainder or a square root: the scale sums must not
     * overflow (UBSan found them); the run ends on memory, as GNU's would, or works */
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {
        "echo 'scale=2147483647; 1/3' | bc",
        "echo 'scale=2147483647; 1.5/3.25' | bc",
        "echo 'scale=2147483647; 5%3' | bc",
        "echo 'scale=2147483647; sqrt(2)' | bc -l",
        "echo 'scale=2147483647; sqrt(.5)' | bc",
        "echo '2147483647k 1 3/p' | dc",
        "echo '2147483647k 7 3%p' | dc",
        "echo '2147483647k 7 3~f' | dc",
        "echo '2147483647k 2vp' | dc",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
        vos_result r;
        int rc = test_exec_limited(vm, scripts[i], 5000, 0, &r);
        if (rc != 0 || r.status != 1 || !strstr(r.err, "memory exhausted"))
            test_fail(__FILE__, __LINE__, "%s: rc %d status %d err %s", scripts[i], rc, r.status,
                      r.err ? r.err : "");
        vos_result_free(&r);
    }
    ASSERT_EXEC(vm, "echo 'scale=20; sqrt(2)' | bc", "1.41421356237309504880\n", 0);
}

TEST(dc_modexp_at_a_large_scale_counts_its_work)
{
    /* | (modular power) at a scale of 100,000 digits: each step converts numbers of that many
     * (mostly zero) digits, work the step budget must see (the fuzzer found one running 16 s
     * past a 300 ms limit under ASan) */
    vos_vm *vm = test_vm_new();
    vos_result r;
    int rc = exec_steps(vm, "echo '100000k 2 1000000 7|p' | dc", 300, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo '2 10 1000|p' | dc", "24\n", 0);
    test_vm_free(vm);
}
