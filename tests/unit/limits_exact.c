/* limits_exact.c: the shell's limits at their boundary: exactly N is allowed, N + 1 ends the
 * exec with the limit's own code, and the VM goes on working. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static vos_vm *vm_with(uint64_t call_depth, uint64_t nest_depth, uint64_t expand_bytes)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.call_depth = call_depth;
    cfg_lim.nest_depth = nest_depth;
    cfg_lim.expand_bytes = expand_bytes;
    return test_vm_new_cfg(&cfg);
}

TEST(limit_call_depth_exact)
{
    vos_vm *vm = vm_with(50, 0, 0);
    const char *f = "f() { if [ $1 -lt $2 ]; then f $(($1+1)) $2; else echo $1; fi; }; ";
    char script[256];
    snprintf(script, sizeof script, "%sf 1 50", f);
    ASSERT_EXEC(vm, script, "50\n", 0); /* 50 nested calls */
    vos_result r;
    vos_result_init(&r);
    snprintf(script, sizeof script, "%sf 1 51", f);
    ASSERT_RC(test_exec(vm, script, &r), VOS_EDEPTH); /* 51 */
    ASSERT_EQ(r.limit, VOS_EDEPTH);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

static int nested(vos_vm *vm, int depth)
{
    char script[4096] = "";
    for (int i = 0; i < depth; i++) strcat(script, "{ ");
    strcat(script, "echo deep;");
    for (int i = 0; i < depth; i++) strcat(script, " }");
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, script, &r);
    vos_result_free(&r);
    return rc;
}

TEST(limit_nest_depth_exact)
{
    vos_vm *vm = vm_with(0, 20, 0);
    int ok_depth = 0;
    /* find the deepest nesting that parses: it must be the limit itself, exactly */
    for (int d = 1; d <= 40; d++)
        if (nested(vm, d) == 0) ok_depth = d;
    ASSERT_EQ(ok_depth, 20);
    ASSERT(nested(vm, 21) == VOS_ENEST || nested(vm, 21) == VOS_ESYNTAX);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(limit_expand_bytes_exact)
{
    vos_vm *vm = vm_with(0, 0, 4096);
    /* a word of exactly 4096 bytes is fine */
    ASSERT_EXEC(vm, "x=$(printf '%4096s' ''); echo ${#x}", "4096\n", 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_RC(test_exec(vm, "x=$(printf '%4096s' ''); y=${x}a; echo ${#y}", &r), VOS_EEXPAND);
    ASSERT_EQ(r.limit, VOS_EEXPAND);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(limit_printf_width_is_bounded)
{
    vos_vm *vm = vm_with(0, 0, 1u << 20);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "printf '%999999999999d' 1; echo \" $?\"", &r));
    ASSERT_STR(r.out, " 1\n");
    ASSERT(strstr(r.err, "exceeds the expansion limit") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "printf '%1048576s' x | wc -c", "1048576\n", 0); /* exactly the limit */
}

/* Words nested 100,000 deep end on the nest limit at once: no stack overflow, no quadratic
 * look-ahead. */
TEST(limit_deep_words_hit_the_nest_limit)
{
    vos_vm *vm = vm_with(0, 0, 0);
    static const char *const opens[] = {"echo $(", "echo ${x:-", "x=$((", "echo \"${x:-"};
    static const char *const closes[] = {")", "}", "))", "}"};
    enum { N = 100000 };
    for (int k = 0; k < 4; k++) {
        size_t lo = strlen(opens[k]), lc = strlen(closes[k]);
        char *s = malloc(N * (lo + lc) + 2);
        char *q = s;
        for (int i = 0; i < N; i++, q += lo) memcpy(q, opens[k], lo);
        *q++ = '1';
        for (int i = 0; i < N; i++, q += lc) memcpy(q, closes[k], lc);
        *q = 0;
        vos_result r;
        vos_result_init(&r);
        int rc = test_exec(vm, s, &r);
        free(s);
        if (rc != VOS_ENEST || !strstr(r.err, "nest_depth"))
            test_fail(__FILE__, __LINE__, "%s...: rc %d err %.100s", opens[k], rc, r.err);
        vos_result_free(&r);
        ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    }
}
