/* tools.c: host tools (docs/tools.md): a collection registered with vos_tools_add is a
 * command in the VM whose flags come from each function's JSON schema; the input is checked
 * before the callback runs; results, tool errors, timeouts, interrupts, calls back into the
 * VM, the policy and the audit events. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

static _Atomic int g_calls;

static char *dup_out(const char *s, size_t *len)
{
    char *o = strdup(s);
    *len = strlen(o);
    return o;
}

static int echo_fn(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud;
    atomic_fetch_add(&g_calls, 1);
    *out = malloc(len + 1);
    memcpy(*out, in, len + 1);
    *out_len = len;
    return 0;
}

static int fail_fn(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud, (void)in, (void)len;
    atomic_fetch_add(&g_calls, 1);
    *out = dup_out("boom", out_len);
    return 1;
}

static int notjson_fn(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud, (void)in, (void)len;
    *out = dup_out("{nope", out_len);
    return 0;
}

static int sleep_fn(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)in, (void)len, (void)out, (void)out_len;
    long ms = (long)(intptr_t)ud;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    return 0;
}

/* Calls back into the VM it was called from: the answer is the codes it got. */
static int reenter_fn(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)in, (void)len;
    vos_vm *vm = ud;
    vos_result r;
    vos_result_init(&r);
    int a = vos_exec(vm, "echo hi", NULL, &r);
    vos_result_free(&r);
    int b = vos_write_file(vm, "/tmp/x", "x", 1, 0644);
    char buf[128];
    snprintf(buf, sizeof buf, "[%d,%d,\"%s\"]", a, b, vos_errmsg(vm));
    *out = dup_out(buf, out_len);
    return 0;
}

static const char *SEARCH_SCHEMA =
    "{\"type\":\"object\",\"properties\":{"
    "\"query\":{\"type\":\"string\",\"description\":\"what to look for\"},"
    "\"maxCount\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"at most\"},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"fast\",\"exact\"]},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"verbose\":{\"type\":\"boolean\"},"
    "\"opts\":{\"type\":\"object\",\"properties\":{\"depth\":{\"type\":\"integer\"}},"
    "\"additionalProperties\":false}},"
    "\"required\":[\"query\"],\"additionalProperties\":false}";

static void add_tools(vos_vm *vm)
{
    vos_tool_function fns[] = {
        {"search", "Search things.", SEARCH_SCHEMA, echo_fn, NULL, 0},
        {"bad", "Always fails.", NULL, fail_fn, NULL, 0},
        {"notjson", NULL, NULL, notjson_fn, NULL, 0},
        {"slow", NULL, NULL, sleep_fn, (void *)(intptr_t)3000, 150},
        {"slower", NULL, NULL, sleep_fn, (void *)(intptr_t)3000, 0},
        {"reenter", NULL, NULL, reenter_fn, vm, 0},
    };
    vos_tool_collection tc = {sizeof tc, "t", "Test tools.", fns, sizeof fns / sizeof fns[0]};
    ASSERT_OK(vos_tools_add(vm, &tc));
}

/* Run script; assert status, stdout and that stderr contains err_part. */
static void check(vos_vm *vm, const char *script, int status, const char *out, const char *err_part)
{
    vos_result r;
    int rc = test_exec(vm, script, &r);
    if (rc != 0 || r.status != status || strcmp(r.out, out) != 0 || !strstr(r.err, err_part))
        test_fail(__FILE__, __LINE__,
                  "%s\n  rc %d status %d (want %d)\n  out: \"%s\" (want \"%s\")\n  err: \"%s\" "
                  "(want \"%s\" in it)",
                  script, rc, r.status, status, r.out, out, r.err, err_part);
    vos_result_free(&r);
}

TEST(tools_flags_from_schema)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    atomic_store(&g_calls, 0);
    check(vm,
          "t search --query q --max-count 3 --mode=fast --tags a --tags b --verbose "
          "--json '{\"opts\":{\"depth\":2},\"query\":\"over\"}'",
          0,
          "{\"ok\":true,\"result\":{\"opts\":{\"depth\":2},\"query\":\"q\",\"maxCount\":3,"
          "\"mode\":\"fast\",\"tags\":[\"a\",\"b\"],\"verbose\":true}}\n",
          "");
    check(vm, "t search --query 'a \"b\"' --no-verbose", 0,
          "{\"ok\":true,\"result\":{\"query\":\"a \\\"b\\\"\",\"verbose\":false}}\n", "");
    check(vm, "echo '{\"query\":\"stdin\"}' | t search", 0,
          "{\"ok\":true,\"result\":{\"query\":\"stdin\"}}\n", "");
    check(vm, "echo '{\"query\":\"f\"}' > /tmp/in.json; t search --json-file /tmp/in.json", 0,
          "{\"ok\":true,\"result\":{\"query\":\"f\"}}\n", "");
    ASSERT_EQ(atomic_load(&g_calls), 4);
    /* the collection is a program in /usr/bin */
    check(vm, "ls /usr/bin | grep -x t; command -v t; /usr/bin/t search --query x >/dev/null",
          0, "t\n/usr/bin/t\n", "");
    test_vm_free(vm);
}

TEST(tools_validation)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    atomic_store(&g_calls, 0);
    check(vm, "t search --query q --max-count 1.5", 2, "", "t search: --max-count: invalid integer '1.5'\nTry 't search --help' for more information.\n");
    check(vm, "t search --query q --max-count 0", 2, "", "--max-count: 0 is out of range");
    check(vm, "t search --query q --mode slow", 2, "", "--mode: \"slow\" is not one of [\"fast\",\"exact\"]");
    check(vm, "t search --max-count 2", 2, "", "t search: missing required --query");
    check(vm, "t search --query q --nope 1", 2, "", "unknown option '--nope'");
    check(vm, "t search --query q --verbose=maybe", 2, "", "");
    check(vm, "t search --json '{\"query\":\"q\",\"zz\":1}'", 2, "", "input: unknown property 'zz'");
    check(vm, "t search --json '{\"query\":\"q\",\"opts\":{\"depth\":\"x\"}}'", 2, "",
          "--opts.depth: expected integer, got string");
    check(vm, "t search --json '[1]'", 2, "", "the input must be a JSON object");
    check(vm, "t search --json '{\"query\":'", 2, "", "--json: invalid JSON (1:10: unexpected end of input)");
    check(vm, "t nosuch", 2, "", "t: unknown function 'nosuch'");
    check(vm, "t", 2, "", "t: missing function name");
    ASSERT_EQ(atomic_load(&g_calls), 0); /* the host was never called */
    test_vm_free(vm);
}

TEST(tools_help)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    vos_result r;
    ASSERT_OK(test_exec(vm, "t --help", &r));
    ASSERT_EQ(r.status, 0);
    ASSERT(strstr(r.out, "Usage: t FUNCTION"));
    ASSERT(strstr(r.out, "Test tools."));
    ASSERT(strstr(r.out, "  search   Search things.\n"));
    vos_result_free(&r);
    ASSERT_OK(test_exec(vm, "t search --help", &r));
    ASSERT_EQ(r.status, 0);
    ASSERT(strstr(r.out, "Usage: t search [OPTION]...\nSearch things.\n"));
    ASSERT(strstr(r.out, "  --query STRING             what to look for (required)\n"));
    ASSERT(strstr(r.out, "  --max-count INT            at most\n"));
    ASSERT(strstr(r.out, "(one of: fast, exact)"));
    ASSERT(strstr(r.out, "--tags STRING"));
    ASSERT(strstr(r.out, "(repeatable)"));
    ASSERT(strstr(r.out, "--verbose, --no-verbose"));
    vos_result_free(&r);
    test_vm_free(vm);
}

TEST(tools_errors)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    check(vm, "t bad", 1, "", "t bad: boom\n");
    check(vm, "t notjson", 1, "", "t notjson: the tool's result is not JSON");
    check(vm, "t bad || echo failed $?", 0, "failed 1\n", "");
    test_vm_free(vm);
}

TEST(tools_timeout_and_interrupt)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    int64_t t0 = test_now_ms();
    check(vm, "t slow; echo $?", 0, "124\n", "t slow: no answer within 150 ms");
    ASSERT(test_now_ms() - t0 < 2500 * TEST_SLOW);
    /* the VM is usable after it */
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    vos_result r;
    int64_t dt;
    ASSERT_RC(test_exec_interrupted(vm, "t slower", 100, &r, &dt), VOS_EINTERRUPTED);
    vos_result_free(&r);
    ASSERT(dt < 2500 * TEST_SLOW);
    /* an exec deadline ends the wait too */
    ASSERT_RC(test_exec_limited(vm, "t slower", 200, 0, &r), VOS_ETIME);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    test_vm_free(vm);
}

TEST(tools_reentry_is_an_error)
{
    vos_vm *vm = test_vm_new();
    add_tools(vm);
    char want[256];
    snprintf(want, sizeof want,
             "{\"ok\":true,\"result\":[%d,%d,\"a host tool callback may not call into the VM "
             "that called it\"]}\n",
             VOS_EBUSY, VOS_EBUSY);
    check(vm, "t reenter", 0, want, "");
    test_vm_free(vm);
}

typedef struct audit_log {
    pthread_mutex_t mu;
    char text[1024];
} audit_log;

static void audit_fn(void *ud, const vos_audit_event *ev)
{
    audit_log *a = ud;
    if (ev->type != VOS_AUDIT_TOOL && ev->type != VOS_AUDIT_DENIED) return;
    pthread_mutex_lock(&a->mu);
    size_t l = strlen(a->text);
    snprintf(a->text + l, sizeof a->text - l, "%d:%s:%d;", (int)ev->type, ev->subject,
             ev->status);
    pthread_mutex_unlock(&a->mu);
}

TEST(tools_policy_and_audit)
{
    static audit_log log = {PTHREAD_MUTEX_INITIALIZER, ""};
    log.text[0] = 0;
    vos_policy_rule rules[] = {{VOS_REQ_TOOL, "t bad", NULL, VOS_POLICY_DENY},
                               {VOS_REQ_TOOL, "*", NULL, VOS_POLICY_ALLOW}};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.rules = rules;
    cfg.n_rules = 2;
    cfg.audit = audit_fn;
    cfg.audit_ud = &log;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    add_tools(vm);
    atomic_store(&g_calls, 0);
    check(vm, "t bad", 126, "", "t bad: denied by the VM's policy");
    ASSERT_EQ(atomic_load(&g_calls), 0);
    check(vm, "t search --query q >/dev/null", 0, "", "");
    ASSERT_STR(log.text, "3:t bad:0;5:t search:0;");
    test_vm_free(vm);
    /* a collection listed as a denied command is no command at all (as a denied built-in) */
    const char *denied2[] = {"t", NULL};
    cfg.rules = NULL;
    cfg.n_rules = 0;
    cfg.denied_commands = denied2;
    vm = test_vm_new_cfg(&cfg);
    add_tools(vm);
    check(vm, "t search --query q", 127, "", "t: command not found");
    test_vm_free(vm);
}

TEST(tools_names)
{
    vos_vm *vm = test_vm_new();
    vos_tool_function f = {"f", NULL, NULL, echo_fn, NULL, 0};
    vos_tool_collection tc = {sizeof tc, "ls", NULL, &f, 1};
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EEXIST); /* a built-in command's name */
    tc.name = "Bad";
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EINVAL);
    tc.name = "-x";
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EINVAL);
    tc.name = "ok";
    f.input_schema = "{\"type\":";
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EINVAL);
    ASSERT(strstr(vos_errmsg(vm), "input schema: 1:9"));
    f.input_schema = "[]";
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EINVAL);
    f.input_schema = NULL;
    f.fn = NULL;
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EINVAL);
    f.fn = echo_fn;
    ASSERT_OK(vos_tools_add(vm, &tc));
    ASSERT_RC(vos_tools_add(vm, &tc), VOS_EEXIST);
    ASSERT_EXEC(vm, "ok f", "{\"ok\":true,\"result\":{}}\n", 0);
    test_vm_free(vm);
}
