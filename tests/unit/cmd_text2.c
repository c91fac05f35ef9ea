/* cmd_text2.c: the limits of the text tools of part two. tail -f ends on the exec's time limit
 * and on vos_interrupt and follows what is appended meanwhile; shuf of an input larger than
 * the VM's memory ends with the memory limit and leaves the VM usable; split into many files
 * stops at the filesystem quota with GNU's message; tail of a big file reads only its end.
 * (Outputs are checked against the GNU tools in tests/cmd/.) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdbool.h>

#include "test.h"

static vos_vm *vm_with(uint64_t mem, uint64_t fs_bytes, uint64_t fs_inodes)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    if (mem) lim.mem_bytes = mem;
    if (fs_bytes) lim.fs_bytes = fs_bytes;
    if (fs_inodes) lim.fs_inodes = fs_inodes;
    cfg.limits = &lim;
    return test_vm_new_cfg(&cfg);
}

TEST(text2_tail_f_follows_appends_until_time_limit)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, "printf 'a\\n' > f; (sleep 0.2; echo b >> f) & tail -f -s 0.05 f",
                               800 * TEST_SLOW, 0, &r);
    int64_t dt = test_now_ms() - t0;
    if (rc != VOS_ETIME || strcmp(r.out, "a\nb\n") != 0 || dt > 1500 * TEST_SLOW)
        test_fail(__FILE__, __LINE__, "rc %d out '%s' err '%s' after %lld ms", rc, r.out, r.err,
                  (long long)dt);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo still here", "still here\n", 0);
}

TEST(text2_tail_F_and_pipes_end_on_time_limit)
{
    vos_vm *vm = test_vm_new();
    const char *scripts[] = {"tail -F missing", "printf 'x\\n' > f; tail -f f nope",
                             "sleep 100 | tail -f"};
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        vos_result r;
        vos_result_init(&r);
        int rc = test_exec_limited(vm, scripts[i], 300, 0, &r);
        if (rc != VOS_ETIME) test_fail(__FILE__, __LINE__, "%s: rc %d err '%s'", scripts[i], rc, r.err);
        vos_result_free(&r);
    }
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

typedef struct interrupter {
    vos_vm *vm;
    int ms;
} interrupter;

static void *interrupt_later(void *arg)
{
    interrupter *it = arg;
    struct timespec ts = {it->ms / 1000, (long)(it->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    vos_interrupt(it->vm);
    return NULL;
}

TEST(text2_tail_f_ends_on_interrupt)
{
    vos_vm *vm = test_vm_new();
    interrupter it = {vm, 200};
    pthread_t th;
    pthread_create(&th, NULL, interrupt_later, &it);
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec(vm, "printf 'x\\n' > f; tail -f f", &r);
    int64_t dt = test_now_ms() - t0;
    pthread_join(th, NULL);
    if (rc != VOS_EINTERRUPTED || strcmp(r.out, "x\n") != 0 || dt > 2000 * TEST_SLOW)
        test_fail(__FILE__, __LINE__, "rc %d out '%s' after %lld ms", rc, r.out, (long long)dt);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

TEST(text2_shuf_bigger_than_memory_ends_cleanly)
{
    vos_vm *vm = vm_with(16u << 20, 64u << 20, 0);
    vos_result r;
    vos_result_init(&r);
    /* 24 MB of lines through a pipe: shuf must hold them all, more than the VM has */
    int rc = test_exec(vm, "head -c 24000000 /dev/zero | tr '\\0' 'x' | fold -w 99 | shuf | wc -l", &r);
    if (rc != VOS_EMEMLIMIT) test_fail(__FILE__, __LINE__, "rc %d status %d err '%s'", rc, r.status, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "seq 5 | shuf | sort -n | tr '\\n' ' '", "1 2 3 4 5 ", 0);
    /* -n over a stream keeps only the sample: the same input passes */
    ASSERT_EXEC(vm, "head -c 24000000 /dev/zero | tr '\\0' 'x' | fold -w 99 | shuf -n 3 | wc -l", "3\n", 0);
}

TEST(text2_split_stops_at_the_fs_quota)
{
    vos_vm *vm = vm_with(0, 1u << 20, 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "cd /tmp && seq 400000 | split -l 1000; echo \"status $?\"; ls | wc -l", &r));
    if (strstr(r.out, "status 1\n") == NULL || strstr(r.err, "split: x") == NULL ||
        strstr(r.err, "limit exceeded") == NULL)
        test_fail(__FILE__, __LINE__, "out '%s' err '%s'", r.out, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "cd /tmp && rm -f x* && echo ok > y && cat y", "ok\n", 0);
}

TEST(text2_split_many_files_obeys_the_inode_quota)
{
    vos_vm *vm = vm_with(0, 0, 300);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "cd /tmp && seq 2000 | split -l 1; echo \"status $?\"", &r));
    if (strstr(r.out, "status 1\n") == NULL || strstr(r.err, "split: x") == NULL)
        test_fail(__FILE__, __LINE__, "out '%s' err '%s'", r.out, r.err);
    vos_result_free(&r);
}

TEST(text2_tail_of_a_big_file_reads_only_its_end)
{
    vos_vm *vm = test_vm_new();
    /* 64 MB in the VM; tail -n must not scan it (the step budget would notice a full read) */
    ASSERT_EXEC(vm, "head -c 64000000 /dev/zero | tr '\\0' 'a' | fold -w 79 > /tmp/big; echo ok", "ok\n", 0);
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    ASSERT_OK(test_exec(vm, "tail -n 2 /tmp/big | wc -c; tail -c 5 /tmp/big | wc -c", &r));
    int64_t dt = test_now_ms() - t0;
    ASSERT_STR(r.out, "126\n5\n"); /* 79 + newline, then a last line of 46 without one */
    if (dt > 100 * TEST_SLOW) test_fail(__FILE__, __LINE__, "took %lld ms", (long long)dt);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "rm /tmp/big", "", 0);
}

TEST(text2_tac_fmt_nl_stream_big_inputs_in_bounded_memory)
{
    /* a 40 MB file on a host mount, a VM of 16 MB: tac reads it backwards a block at a time,
     * fmt and nl stream. Under ThreadSanitizer (20x slower, and there for races, not for
     * output) the file is 2 MB and the checks that need GNU's sums of the 40 MB file are left
     * to the plain and ASan runs. */
    bool full = TEST_SAN_SLOW < 20;
    long n = full ? 6000000 : 300000;
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/n", dir);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    for (long i = 1; i <= n; i++) fprintf(f, "%ld\n", i);
    fclose(f);
    vos_vm *vm = vm_with(16u << 20, 0, 0);
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/h", &ms));
    char want[128];
    snprintf(want, sizeof want, "%ld\n%ld\n1\n", n, n - 1);
    ASSERT_EXEC(vm, "tac /h/n | head -n 2; tac /h/n | tail -n 1", want, 0);
    snprintf(want, sizeof want, "%ld\n%ld\n", n, n);
    ASSERT_EXEC(vm, "tail -n 1 /h/n; wc -l < /h/n", want, 0);
    if (full) {
        /* the sums are GNU fmt's and nl's output for the same input */
        ASSERT_EXEC(vm, "fmt -w 60 /h/n | md5sum", "f5449efd1ebd69fee17e42eaa7ba92e3  -\n", 0);
        ASSERT_EXEC(vm, "nl /h/n | md5sum", "5f51fe81defae030a8726e239af2ca09  -\n", 0);
        /* csplit streams: only the lines a search looks ahead at are held (outputs: GNU's) */
        ASSERT_EXEC(vm,
                    "csplit -f /h/out /h/n 3000000 '/^5999999$/' && wc -l < /h/out01 && cat /h/out02",
                    "22888888\n23999992\n16\n2999999\n5999999\n6000000\n", 0);
        ASSERT_EXEC(vm, "csplit -f /h/out /h/n '/^5999999$/' 3000000 && rm /h/out0*",
                    "46888880\n0\n16\n", 0);
    } else {
        ASSERT_EXEC(vm, "fmt -w 60 /h/n | wc -l; nl /h/n | tail -n 1 | tr -d ' \t'",
                    "34901\n300000300000\n", 0);
    }
    remove(path);
}
