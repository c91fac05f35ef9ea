/* exec_limits.c: whole execs through the public API: streaming pipelines (yes | head ends at
 * once, seq | tail runs in bounded memory), time limits and interrupts ending a busy loop, a
 * sleep and a blocked pipe read within 100 ms of the limit with a distinct status, the output
 * limit cutting at exactly N bytes, and the VM staying usable afterwards. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kernel/internal.h"
#include "api/api.h"
#include "test.h"

TEST(stream_yes_head_ends_at_once)
{
    vos_vm *vm = test_vm_new();
    int64_t t0 = test_now_ms();
    ASSERT_EXEC(vm, "yes | head -n 1", "y\n", 0);
    ASSERT(test_now_ms() - t0 < 1000 * TEST_SLOW);
    ASSERT_EXEC(vm, "yes | head -c 3; echo \" ${PIPESTATUS[*]}\"", "y\ny 141 0\n", 0);
}

TEST(stream_seq_tail_bounded_memory)
{
    vos_vm *vm = test_vm_new();
    size_t base = vos_vm_mem_used(vm);
    atomic_store(&api_kvm(vm)->mem_peak, base);
    ASSERT_EXEC(vm, "seq 1 10000000 | tail -n 1", "10000000\n", 0);
    size_t peak = atomic_load(&api_kvm(vm)->mem_peak);
    /* 10 M lines is 78 MB of text; the pipeline holds a pipe buffer and a few lines */
    ASSERT(peak - base < (2u << 20));
}

TEST(time_limit_ends_busy_loop_sleep_and_blocked_read)
{
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {
        "while :; do :; done",
        "sleep 100",
        "yes | sleep 100",
        "cat /dev/zero | sleep 100 | cat",
        "f() { f; }; while :; do true; done",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        vos_result r;
        vos_result_init(&r);
        int64_t t0 = test_now_ms();
        int rc = test_exec_limited(vm, scripts[i], 300, 0, &r);
        int64_t dt = test_now_ms() - t0;
        if (rc != VOS_ETIME || r.status != 124 || dt < 300 || dt > 300 + 100 * TEST_SLOW)
            test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms", scripts[i], rc,
                      r.status, (long long)dt);
        ASSERT(strstr(r.err, "vos: Wall time limit exceeded") != NULL);
        ASSERT_EQ(r.limit, VOS_ETIME);
        vos_result_free(&r);
        ASSERT_EXEC(vm, "echo still here", "still here\n", 0);
    }
}

TEST(interrupt_from_another_thread)
{
    vos_vm *vm = test_vm_new();
    vos_interrupt(vm); /* nothing runs: nothing happens */
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    const char *scripts[] = {"while :; do :; done", "sleep 100", "cat /dev/zero | sleep 50"};
    for (size_t i = 0; i < 3; i++) {
        vos_result r;
        int64_t dt;
        int rc = test_exec_interrupted(vm, scripts[i], 100, &r, &dt);
        /* the interrupt comes at 100 ms: the exec must end within 100 ms of it */
        if (rc != VOS_EINTERRUPTED || r.status != 130 || dt > 100 + 100 * TEST_SLOW)
            test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms", scripts[i], rc,
                      r.status, (long long)dt);
        vos_result_free(&r);
        ASSERT_EXEC(vm, "echo again", "again\n", 0);
    }
}

TEST(output_limit_exact)
{
    vos_vm *vm = test_vm_new();
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits o_lim;
    vos_limits_init(&o_lim);
    o.struct_size = sizeof o;
    o.limits = &o_lim;
    o_lim.output_bytes = 10;
    vos_result r;
    vos_result_init(&r);
    /* exactly N bytes is fine */
    ASSERT_OK(vos_exec(vm, "printf 0123456789", &o, &r));
    ASSERT_EQ(r.out_len, 10);
    vos_result_free(&r);
    /* N + 1 ends the exec, keeping exactly N */
    ASSERT_RC(vos_exec(vm, "printf 0123456789A; echo more", &o, &r), VOS_EOUTPUT);
    ASSERT_EQ(r.out_len, 10);
    ASSERT(memcmp(r.out, "0123456789", 10) == 0);
    ASSERT_EQ(r.limit, VOS_EOUTPUT);
    vos_result_free(&r);
    ASSERT_RC(vos_exec(vm, "yes", &o, &r), VOS_EOUTPUT);
    ASSERT_EQ(r.out_len, 10);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo fine", "fine\n", 0);
}

TEST(memory_limit_ends_exec)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.mem_bytes = 8u << 20;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    int rc = vos_exec(vm, "x=y; while :; do x=$x$x; done", NULL, &r);
    ASSERT(rc == VOS_EMEMLIMIT || rc == VOS_EEXPAND);
    ASSERT(r.status != 0);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(session_state_persists)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "cd /tmp; export A=1; B=2; f() { echo f$1; }; echo x > file", "", 0);
    ASSERT_EXEC(vm, "pwd; echo $A $B; f 3; cat file", "/tmp\n1 2\nf3\nx\n", 0);
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.isolated = 1;
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(vos_exec(vm, "cd /; A=changed", &o, &r));
    vos_result_free(&r);
    ASSERT_EXEC(vm, "pwd; echo $A", "/tmp\n1\n", 0);
    vos_env_var env[] = {{"ONLY_HERE", "yes"}};
    o.isolated = 0;
    o.env = env;
    o.n_env = 1;
    ASSERT_OK(vos_exec(vm, "echo $ONLY_HERE; printenv ONLY_HERE", &o, &r));
    ASSERT_STR(r.out, "yes\nyes\n");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo \"[$ONLY_HERE]\"", "[]\n", 0);
    /* a syntax error is reported, the session survives */
    ASSERT_RC(vos_exec(vm, "if then fi", NULL, &r), VOS_ESYNTAX);
    ASSERT_EQ(r.status, 2);
    ASSERT(r.err_len > 0);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo $A", "1\n", 0);
    /* exit ends the script, not the VM */
    ASSERT_EXEC(vm, "exit 3; echo no", "", 3);
    ASSERT_EXEC(vm, "echo $A", "1\n", 0);
}

TEST(nothing_written_is_lost_by_a_failed_command)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "echo keep > /tmp/k; cat /nope; false; echo $?", "1\n", 0);
    void *d;
    size_t n;
    ASSERT_OK(vos_read_file(vm, "/tmp/k", &d, &n));
    ASSERT_STR(d, "keep\n");
    vos_free(d);
}

static void on_out(void *ud, const void *data, size_t len)
{
    char *buf = ud;
    size_t l = strlen(buf);
    if (l + len < 256) {
        memcpy(buf + l, data, len);
        buf[l + len] = 0;
    }
}

TEST(spawn_streams_and_takes_stdin)
{
    vos_vm *vm = test_vm_new();
    static char got[256];
    got[0] = 0;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.on_stdout = on_out;
    o.ud = got;
    vos_proc *p;
    ASSERT_OK(vos_spawn(vm, "while read x; do echo got $x; done; exit 5", &o, &p));
    ASSERT(vos_proc_pid(p) > 1);
    ASSERT_OK(vos_proc_write(p, "a\nb\n", 4));
    ASSERT_OK(vos_proc_close_stdin(p));
    ASSERT_EQ(vos_proc_wait(p, 5000), 5);
    ASSERT_STR(got, "got a\ngot b\n");
    vos_proc_free(p);
    ASSERT_OK(vos_spawn(vm, "sleep 100", &o, &p));
    ASSERT_RC(vos_proc_wait(p, 50), VOS_ETIMEDOUT);
    ASSERT_OK(vos_proc_kill(p, VOS_SIGTERM));
    ASSERT_EQ(vos_proc_wait(p, 5000), 143);
    vos_proc_free(p);
}

TEST(status_persists_and_isolated_exec_leaves_it)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "false", "", 1);
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.isolated = 1;
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(vos_exec(vm, "true; printf x", &o, &r)); /* what a prompt would run */
    ASSERT_STR(r.out, "x");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo $?", "1\n", 0);
}

TEST(time_and_times_report_real_cpu)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm,
                        "TIMEFORMAT='%3U %3S %3R'; "
                        "time (i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done)",
                        &r));
    double u = 0, s = 0, real = 0;
    ASSERT_EQ(sscanf(r.err, "%lf %lf %lf", &u, &s, &real), 3);
    ASSERT(u > 0.01);            /* the loop burned CPU, and it is counted */
    ASSERT(u + s <= real + 0.05); /* one thread: no more CPU than wall time */
    vos_result_free(&r);
    ASSERT_OK(test_exec(vm, "times", &r));
    int m1, m2, m3, m4;
    double a, b, cu, cs;
    ASSERT_EQ(sscanf(r.out, "%dm%lfs %dm%lfs\n%dm%lfs %dm%lfs", &m1, &a, &m2, &b, &m3, &cu, &m4, &cs),
              8);
    vos_result_free(&r);
    /* the busy subshell of the previous exec was a waited-for child of the session, which
     * keeps its accounting from one exec to the next */
    ASSERT(m3 * 60 + cu > 0.01);
}
