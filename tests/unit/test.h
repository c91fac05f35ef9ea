/* test.h: the unit-test framework. TEST(name) { ... } registers a test; the ASSERT macros
 * print both sides on failure and end the test. Each test that wants a VM calls
 * test_vm_new(), which uses a counting allocator: the runner checks that every byte the VM
 * allocated is back once the test ends. The runner ends with "N passed, N failed". */
#ifndef VOS_TEST_H
#define VOS_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "vos.h"

typedef void (*test_fn)(void);
void test_register(const char *name, const char *file, test_fn fn);
_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                \
    __attribute__((constructor)) static void test_reg_##name(void)                                \
    {                                                                                              \
        test_register(#name, __FILE__, test_##name);                                              \
    }                                                                                              \
    static void test_##name(void)

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) test_fail(__FILE__, __LINE__, "assertion failed: %s", #cond);                 \
    } while (0)
#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);     \
    } while (0)
#define ASSERT_RC(expr, rc)                                                                        \
    do {                                                                                           \
        int r_ = (expr), e_ = (rc);                                                                \
        if (r_ != e_)                                                                              \
            test_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d (%s)", #expr, r_,              \
                      vos_errname(r_), e_, vos_errname(e_));                                       \
    } while (0)
#define ASSERT_OK(expr) ASSERT_RC(expr, 0)
#define ASSERT_STR(a, b)                                                                           \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            test_fail(__FILE__, __LINE__, "%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", #a, #b,    \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    } while (0)

/* How much slower than a plain build on an idle machine this run is: the sanitizer's own
 * factor (TEST_SAN_SLOW) times the machine's load per CPU, measured by the runner at start
 * (VOS_TEST_SLOW overrides it). Bounds on the cost of hostile input and on timings are
 * multiplied by it, so they still catch a runaway but not the sanitizers' overhead or a busy
 * CI machine. */
#if defined(__SANITIZE_THREAD__)
#define TEST_SAN_SLOW 20
#elif defined(__SANITIZE_ADDRESS__)
#define TEST_SAN_SLOW 4
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_SAN_SLOW 20
#elif __has_feature(address_sanitizer)
#define TEST_SAN_SLOW 4
#endif
#endif
#ifndef TEST_SAN_SLOW
#define TEST_SAN_SLOW 1
#endif
int test_slow(void);
#define TEST_SLOW (test_slow())

/* A VM with a counting allocator; freed (and its bytes checked) by the runner after the test
 * if the test did not free it itself. */
vos_vm *test_vm_new(void);
vos_vm *test_vm_new_cfg(vos_config *cfg);
void test_vm_free(vos_vm *vm);
/* Run a script; returns the vos_exec rc, fills res (freed by the caller). */
int test_exec(vos_vm *vm, const char *script, vos_result *res);
/* The same with per-exec time and output limits (0: the VM's). */
int test_exec_limited(vos_vm *vm, const char *script, uint64_t time_ms, uint64_t output_bytes,
                      vos_result *res);
/* Run script while another thread calls vos_interrupt(vm) after first_ms, then every 10 ms
 * until the exec returns (the first could land before the exec starts on a loaded machine).
 * Returns vos_exec's code; *dt_ms (if given) is how long the exec took. res is initialised. */
int test_exec_interrupted(vos_vm *vm, const char *script, int first_ms, vos_result *res,
                          int64_t *dt_ms);
/* The monotonic clock in milliseconds. */
int64_t test_now_ms(void);
/* Run a script and assert its stdout and status. */
#define ASSERT_EXEC(vm_, script_, out_, status_)                                                   \
    do {                                                                                           \
        vos_result r_;                                                                             \
        int rc_ = test_exec((vm_), (script_), &r_);                                                \
        if (rc_ != 0 || strcmp(r_.out, (out_)) != 0 || r_.status != (status_))                     \
            test_fail(__FILE__, __LINE__,                                                          \
                      "exec %s\n  rc %d, status %d (want %d)\n  out:  \"%s\"\n  want: \"%s\"\n"   \
                      "  err:  \"%s\"",                                                            \
                      #script_, rc_, r_.status, (status_), r_.out, (out_), r_.err);              \
        vos_result_free(&r_);                                                                      \
    } while (0)
/* script_ ends at a time limit of ms_ (VOS_ETIME), and the VM still runs a command after it */
#define ASSERT_TIMES_OUT(vm_, script_, ms_)                                                        \
    do {                                                                                           \
        vos_result t_;                                                                             \
        int trc_ = test_exec_limited((vm_), (script_), (ms_), 0, &t_);                             \
        vos_result_free(&t_);                                                                      \
        if (trc_ != VOS_ETIME) test_fail(__FILE__, __LINE__, "%s: rc %d", (script_), trc_);        \
        ASSERT_EXEC((vm_), "echo alive", "alive\n", 0);                                            \
    } while (0)
/* A fresh host temp directory (removed after the test). */
const char *test_tmpdir(void);
/* A TCP socket listening on 127.0.0.1 (its port in *port), for a test's server thread; and a
 * connection made and dropped at once, to wake that thread's accept. */
int test_listen_loopback(int *port);
void test_poke_loopback(int port);

#endif
