/* cmd_rg.c: rg within the VM's limits. Big inputs stream in bounded memory, endless ones end
 * on the exec's time limit, a walk over many directories ends on the step budget, a pattern
 * PCRE2 would backtrack on forever ends with a message, and on every way out the compiled
 * patterns (JIT code outside the arena) are given back. (Output and messages are checked
 * against ripgrep in tests/cmd/rg.test.) */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "kernel/internal.h"
#include "test.h"

TEST(rg_streams_in_bounded_memory)
{
    vos_vm *vm = test_vm_new();
    size_t base = vos_vm_mem_used(vm);
    atomic_store(&api_kvm(vm)->mem_peak, base);
    ASSERT_EXEC(vm, "yes abcdefghij | head -c 100000000 | rg -c 'x|j$'", "9090909\n", 0);
    ASSERT_EXEC(vm, "yes abcdefghij | head -c 20000000 | rg -v -n j | wc -l", "1\n", 0);
    ASSERT(atomic_load(&api_kvm(vm)->mem_peak) - base < (4u << 20));
    /* /dev/zero: binary, searched anyway as an operand (NULs end lines); nothing grows */
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec_limited(vm, "rg -c x /dev/zero", 300, 0, &r);
    ASSERT_RC(rc, VOS_ETIME);
    vos_result_free(&r);
    ASSERT(atomic_load(&api_kvm(vm)->mem_peak) - base < (4u << 20));
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(rg_walk_ends_on_the_step_budget)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    ASSERT_EXEC(vm, "mkdir -p /tmp/w && cd /tmp/w && for d in $(seq 30); do mkdir d$d; "
                    "for f in $(seq 30); do echo hit > d$d/f$f; done; done; echo made",
                "made\n", 0);
    ASSERT_EXEC(vm, "rg -c hit /tmp/w | wc -l", "900\n", 0);
    vos_limits small;
    vos_limits_init(&small);
    small.cpu_steps = 300;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.limits = &small;
    vos_result r;
    vos_result_init(&r);
    int rc = vos_exec(vm, "rg -c hit /tmp/w > /dev/null", &o, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "cd / && rg -l hit /tmp/w/d1 | wc -l", "30\n", 0);
}

/* Rust's engine never backtracks; PCRE2 would on (a+)+$: its limits end the search with a
 * message and status 2, quickly. */
TEST(rg_backtracking_pattern_ends_quickly)
{
    vos_vm *vm = test_vm_new();
    int64_t t0 = test_now_ms();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "s=$(printf 'a%.0s' $(seq 40)); echo \"${s}b\" | rg '(a+)+$'; echo $?", &r));
    ASSERT(strstr(r.out, "2\n") != NULL);
    vos_result_free(&r);
    ASSERT(test_now_ms() - t0 < 3000 * TEST_SLOW);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(rg_frees_its_patterns_on_every_way_out)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    size_t base = 0;
    for (int i = 0; i < 30; i++) {
        if (i == 1) base = vos_vm_mem_used(vm); /* (after the shell's first-run state) */
        ASSERT_OK(test_exec(vm, "yes | rg 'y|z' | head -n 1; rg '(' /dev/null; rg -g '[' x /dev/null; "
                                "rg --frob; rg -t nosuch x /dev/null; echo a | rg -w -t rust a", &r));
        vos_result_free(&r);
    }
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    ASSERT(vos_vm_mem_used(vm) <= base + 256); /* (the shell's $_ and the like vary a little) */
}
