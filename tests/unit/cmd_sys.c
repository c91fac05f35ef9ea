/* cmd_sys.c: the system commands under the VM's limits. Commands that wait or repeat (watch,
 * timeout, sleep under timeout) end on the exec's time limit and on vos_interrupt and leave
 * the VM usable; expr's big integers and date -f over a long file stay within the step and
 * memory budgets. (Formats and messages are checked against the GNU/procps/util-linux tools
 * in tests/cmd/{date,expr,timeout,which,getopt,tput,sys-*}.test.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

/* a script ends on the exec's time limit, in about that time, and the VM still answers */
static void ends_on_time_limit(const char *script)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, script, 300, 0, &r);
    int64_t dt = test_now_ms() - t0;
    if (rc != VOS_ETIME || dt > 2000 * TEST_SLOW)
        test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms (err '%s')", script, rc,
                  r.status, (long long)dt, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo still here", "still here\n", 0);
    test_vm_free(vm);
}

TEST(sys_watch_stops_at_the_time_limit)
{
    ends_on_time_limit("watch -n 0.1 echo hi > /dev/null");
}

TEST(sys_watch_forever_command_stops_at_the_time_limit)
{
    ends_on_time_limit("watch -n 0.1 'while :; do :; done'");
}

TEST(sys_timeout_longer_than_the_exec_stops_at_the_time_limit)
{
    ends_on_time_limit("timeout 100 sleep 100");
}

TEST(sys_timeout_of_a_busy_loop_stops_it)
{
    vos_vm *vm = test_vm_new();
    int64_t t0 = test_now_ms();
    ASSERT_EXEC(vm, "timeout 0.2 sh -c 'while :; do :; done'; echo $?", "124\n", 0);
    ASSERT(test_now_ms() - t0 < 3000 * TEST_SLOW);
    /* nothing of the command is left running */
    ASSERT_EXEC(vm, "ps -e -o comm= | grep -x -e sh -e timeout; echo $?", "1\n", 0);
}

TEST(sys_interrupt_stops_watch_and_timeout)
{
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {"watch -n 0.05 echo x > /dev/null", "timeout 50 sleep 50",
                             "watch -n 0.1 sleep 10"};
    for (size_t i = 0; i < 3; i++) {
        vos_result r;
        int64_t dt;
        int rc = test_exec_interrupted(vm, scripts[i], 150, &r, &dt);
        if (rc != VOS_EINTERRUPTED || dt > 2000 * TEST_SLOW)
            test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms", scripts[i], rc,
                      r.status, (long long)dt);
        vos_result_free(&r);
        ASSERT_EXEC(vm, "echo again", "again\n", 0);
    }
}

TEST(sys_expr_big_numbers_are_exact_and_bounded)
{
    vos_vm *vm = test_vm_new();
    /* 2^200 by repeated squaring, and back down by division */
    ASSERT_EXEC(vm,
                "a=2; for i in 1 2 3; do a=$(expr $a '*' $a); done; "
                "b=$(expr $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a "
                "'*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a '*' $a "
                "'*' $a '*' $a '*' $a '*' $a); expr $b; expr $b / $a / $a % 1000",
                "1606938044258990275541962092341162602522202993782792835301376\n816\n", 0);
    /* a number of 20,000 digits squared: finished or stopped by the step budget, never hung */
    vos_result r;
    int64_t t0 = test_now_ms();
    test_exec_limited(vm, "n=$(printf '%020000d' 7 | tr 0 9); expr $n '*' $n | wc -c", 5000, 0, &r);
    ASSERT(test_now_ms() - t0 < 5000 + 3000 * TEST_SLOW);
    ASSERT(r.status == 0 ? strcmp(r.out, "40001\n") == 0 : r.limit != 0);
    vos_result_free(&r);
    /* and divided back: exact, in well under the exec's time */
    t0 = test_now_ms();
    ASSERT_EXEC(vm, "n=$(printf '%020000d' 7 | tr 0 9); m=$(expr $n '*' $n); "
                    "test \"$(expr $m / $n)\" = \"$n\" && expr $m % $n",
                "0\n", 1);
    ASSERT(test_now_ms() - t0 < 8000 * TEST_SLOW);
    ASSERT_EXEC(vm, "expr 1 + 1", "2\n", 0);
}

TEST(sys_date_file_of_many_lines_streams)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "i=0; while [ $i -lt 2000 ]; do echo @$((i * 86400)); i=$((i + 1)); done > d;"
                    " date -u -f d +%F | tail -1",
                "1975-06-23\n", 0);
}

TEST(sys_date_relative_forms_agree)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "date -u -d '2024-02-29 +1 year' +%F; date -u -d '2024-03-31 -1 month' +%F; "
                    "date -u -d '2024-05-01 10:00 next hour' '+%F %T'; "
                    "date -u -d 'last monday' +%A; date -u -d '@1e3' 2>&1; echo $?",
                "2025-03-01\n2024-03-02\n2024-05-01 11:00:00\nMonday\n"
                "date: invalid date '@1e3'\n1\n",
                0);
}
