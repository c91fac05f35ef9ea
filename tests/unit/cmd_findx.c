/* cmd_findx.c: find and xargs beyond what tests/cmd can show: deep trees and wide directories,
 * symbolic-link loops, expressions 100,000 operators deep (no C recursion), runaway -exec and
 * xargs children ended by the time limit with the VM still usable, endless input to xargs in
 * bounded memory, and -P children all gone after a limit. (Outputs and messages are checked
 * against GNU findutils in tests/cmd/find.test and xargs.test.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "kernel/internal.h"
#include "test.h"

/* run script with a time limit; asserts the exec ended on the limit within a bound */
static void ends_on_time_limit(vos_vm *vm, const char *script, uint64_t ms)
{
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, script, ms, 0, &r);
    int64_t dt = test_now_ms() - t0;
    if (rc != VOS_ETIME || r.status != 124 || dt > (int64_t)(ms + 500) * TEST_SLOW)
        test_fail(__FILE__, __LINE__, "%s: rc %d status %d after %lld ms; err %s", script, rc,
                  r.status, (long long)dt, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo still here", "still here\n", 0);
}

TEST(find_deep_tree)
{
    vos_vm *vm = test_vm_new();
    /* 1,500 levels: the path is near the kernel's 4096-byte limit */
    ASSERT_EXEC(vm,
                "p=t; for i in $(seq 1 1500); do p=$p/x; done; mkdir -p $p; touch $p/f; "
                "find t | wc -l; find t -type f | wc -c; find t -depth | head -n 1 | wc -c; "
                "find t -name f -printf '%d\\n'",
                "1502\n3004\n3004\n1501\n", 0);
    ASSERT_EXEC(vm, "find t -delete; ls", "", 0);
}

TEST(find_wide_directory)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm,
                "mkdir d && cd d && seq 1 20000 | xargs touch && cd .. && "
                "find d -type f | wc -l; find d -name '*77*' | wc -l; "
                "find d -empty | wc -l",
                "20000\n" "560\n" "20000\n", 0);
    ASSERT_EXEC(vm, "find d -type f -exec echo {} + | wc -w", "20000\n", 0);
    ASSERT_EXEC(vm, "find d -type f -delete; find d", "d\n", 0);
}

TEST(find_symlink_loops)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    ASSERT_OK(test_exec(vm, "mkdir -p d/s && ln -s .. d/s/up && ln -s a d/b && ln -s b d/a && "
                            "find -L d | sort", &r));
    ASSERT_STR(r.out, "d\nd/a\nd/b\nd/s\n");
    ASSERT(strstr(r.err, "File system loop detected; 'd/s/up' is part of the same file system "
                         "loop as 'd'.") != NULL);
    ASSERT_EQ(r.status, 0); /* the status of sort */
    vos_result_free(&r);
    ASSERT_EXEC(vm, "find -L d > /dev/null 2>&1; echo $?", "1\n", 0);
    ASSERT_EXEC(vm, "find d -type l | sort", "d/a\nd/b\nd/s/up\n", 0);
}

/* a script "find d E E E ... -print" with n copies of word */
static char *repeated(const char *pre, const char *word, int n, const char *post)
{
    size_t wl = strlen(word);
    char *s = malloc(strlen(pre) + wl * (size_t)n + strlen(post) + 1);
    char *p = s + sprintf(s, "%s", pre);
    for (int i = 0; i < n; i++) memcpy(p, word, wl), p += wl;
    strcpy(p, post);
    return s;
}

TEST(find_huge_expressions)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "mkdir d", "", 0);
    /* 100,000 negations (an even number: true) */
    char *s = repeated("find d ", "! ", 100000, "-true");
    ASSERT_EXEC(vm, s, "d\n", 0);
    free(s);
    /* 100,000 nested parentheses */
    char *open = repeated("find d ", "\\( ", 100000, "-name d");
    char *all = repeated(open, " \\)", 100000, " -print");
    ASSERT_EXEC(vm, all, "d\n", 0);
    free(open);
    free(all);
    /* a chain of 100,000 -o */
    s = repeated("find d -false", " -o -false", 100000, " -o -name d");
    ASSERT_EXEC(vm, s, "d\n", 0);
    free(s);
}

TEST(find_exec_time_limit)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "mkdir d && touch d/a d/b", "", 0);
    ends_on_time_limit(vm, "find d -exec sleep 100 \\;", 300);
    ends_on_time_limit(vm, "find d -exec sh -c 'while :; do :; done' {} +", 300);
    /* a find that never ends on its own: -L through a link cycle is cut by loop detection,
     * so use an endless stream of -exec instead */
    ends_on_time_limit(vm, "while :; do find d -exec true \\;; done", 300);
}

TEST(xargs_child_time_limit)
{
    vos_vm *vm = test_vm_new();
    ends_on_time_limit(vm, "echo 100 | xargs sleep", 300);
    ends_on_time_limit(vm, "yes | xargs -n1 sh -c 'while :; do :; done'", 300);
}

TEST(xargs_endless_input_bounded)
{
    vos_vm *vm = test_vm_new();
    size_t base = vos_vm_mem_used(vm);
    atomic_store(&api_kvm(vm)->mem_peak, base);
    ends_on_time_limit(vm, "yes | xargs > /dev/null", 1000);
    /* an endless single argument is cut at the command size */
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec_limited(vm, "tr -d '\\n' < /dev/zero | tr '\\0' a | xargs", 3000, 0, &r);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(r.status, 1);
    ASSERT(strstr(r.err, "xargs: argument line too long") != NULL);
    vos_result_free(&r);
    size_t peak = atomic_load(&api_kvm(vm)->mem_peak);
    ASSERT(peak - base < (8u << 20));
}

TEST(xargs_parallel_cleanup)
{
    vos_vm *vm = test_vm_new();
    ends_on_time_limit(vm, "yes 100 | xargs -P 4 -n 1 sleep", 300);
    ends_on_time_limit(vm, "seq 1 1000000 | xargs -P 3 -n 2 true", 300);
    /* every child is gone: a full run of parallel children works again */
    ASSERT_EXEC(vm, "seq 1 40 | xargs -P 8 -n 1 echo | sort -n | tail -n 1", "40\n", 0);
    ASSERT_EXEC(vm, "seq 1 6 | xargs -P 3 -n 1 sh -c 'exit $(($0 % 2))'; echo $?", "123\n", 0);
}
