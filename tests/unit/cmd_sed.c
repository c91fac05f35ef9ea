/* cmd_sed.c: sed under the VM's limits. A script that loops for ever ends at the step budget,
 * one that gathers its whole input ends at the memory limit, each with the limit's code, and
 * the VM stays usable; `sed -i` stopped half way leaves the original file as it was. (Output and messages are checked against GNU sed in
 * tests/cmd/sed.test.) */
#include <stdio.h>
#include <string.h>

#include "test.h"

static vos_vm *vm_with(uint64_t steps, uint64_t mem)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.cpu_steps = steps;
    lim.mem_bytes = mem;
    cfg.limits = &lim;
    return test_vm_new_cfg(&cfg);
}

TEST(sed_branch_loop_ends_at_step_budget)
{
    vos_vm *vm = vm_with(200000, 0);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, "echo x | sed ':a;ba'", &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo abc | sed 's/b/X/'", "aXc\n", 0);
}

TEST(sed_loop_without_input_lines_ends_too)
{
    /* D restarts the cycle without reading: a loop that never reads a line */
    vos_vm *vm = vm_with(200000, 0);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, "echo x | sed 'G;D'", &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(sed_gathering_all_input_ends_at_memory_limit)
{
    vos_vm *vm = vm_with((uint64_t)-1, 16u << 20);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, "yes | sed ':a;N;ba'", &r);
    ASSERT(rc == VOS_EMEMLIMIT);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "seq 3 | sed -n '$p'", "3\n", 0);
}

TEST(sed_streams_in_bounded_memory)
{
    /* 8.5 MB through sed in a VM limited to 4 MiB: only a line is held at a time */
    vos_vm *vm = vm_with((uint64_t)-1, 4u << 20);
    ASSERT_EXEC(vm, "yes abcdefghijklmnop | head -n 500000 | sed 's/b/X/g' | tail -n 1",
                "aXcdefghijklmnop\n", 0);
}

TEST(sed_in_place_interrupted_leaves_original)
{
    vos_vm *vm = vm_with(300000, 0);
    ASSERT_EXEC(vm, "mkdir -p /tmp/t && cd /tmp/t && seq 20000 > f && echo ok", "ok\n", 0);
    vos_result r;
    vos_result_init(&r);
    /* the loop on line 5000 never ends: the step budget stops sed half way through f */
    int rc = test_exec(vm, "cd /tmp/t && sed -i -e '5000{:a;ba}' -e 's/$/x/' f", &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    /* the original is intact; the temporary sedXXXXXX stays, as GNU's does when killed (a dying
     * process may not unlink: the kernel refuses its calls) */
    ASSERT_EXEC(vm, "cd /tmp/t && wc -l < f && tail -n 1 f && ls | grep -c '^sed'", "20000\n20000\n1\n",
                0);
    ASSERT_EXEC(vm, "cd /tmp/t && rm sed* && sed -i.bak 's/$/y/' f && ls && tail -n 1 f",
                "f\nf.bak\n20000y\n", 0);
}

TEST(sed_in_place_out_of_space_leaves_original)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.fs_bytes = 1u << 20;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    ASSERT_EXEC(vm, "cd /tmp && seq 100000 > f && wc -c < f", "588895\n", 0);
    /* the copy with longer lines does not fit beside the original: sed stops, status 4, the
     * original stays and the temporary file is gone */
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "cd /tmp && sed -i 's/$/ and more/' f", &r));
    ASSERT_EQ(r.status, 4);
    ASSERT(strstr(r.err, "sed: couldn't write") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "cd /tmp && ls && wc -c < f && tail -n 1 f", "f\n588895\n100000\n", 0);
}

TEST(sed_e_child_outlives_sed_stopped_while_waiting)
{
    /* sed waits for its e command, the time limit stops sed first: the command must not read
     * arguments on sed's stack or in its freed arena */
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {
        "echo x | sed '1e while :; do :; done'",
        "echo 'while :; do :; done' | sed e",
        "echo 'while :; do :; done' | sed 's/.*/&/e'",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++)
        ASSERT_TIMES_OUT(vm, scripts[i], 200);
}
