/* policy.c: the VM's policy engine at its boundaries: path, command, environment, tool and
 * network rules, each allowed, denied and asked (a host that allows, one that denies, one
 * that never answers in time), the compatibility of a VM without rules, vos_policy_explain,
 * and the audit events (exec started/finished, denials, asks). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "api/api.h"
#include "test.h"

/* ---- what the host saw ---- */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[8192]; /* one line per event or question */

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&g_mu);
    size_t l = strlen(g_log);
    vsnprintf(g_log + l, sizeof g_log - l, fmt, ap);
    pthread_mutex_unlock(&g_mu);
    va_end(ap);
}

static int ask_allow(void *ud, const vos_request *r)
{
    (void)ud;
    logf_("ask %d %s %s [%s]\n", r->kind, r->subject, r->detail, r->rule);
    return VOS_POLICY_ALLOW;
}

static int ask_deny(void *ud, const vos_request *r)
{
    (void)ud;
    logf_("ask %d %s %s [%s]\n", r->kind, r->subject, r->detail, r->rule);
    return VOS_POLICY_DENY;
}

/* A host that does not answer in time (it answers allow, too late). */
static int ask_slow(void *ud, const vos_request *r)
{
    (void)ud;
    (void)r;
    usleep(1500 * 1000);
    return VOS_POLICY_ALLOW;
}

static void audit(void *ud, const vos_audit_event *e)
{
    (void)ud;
    switch (e->type) {
    case VOS_AUDIT_EXEC_START: logf_("start %s\n", e->subject); break;
    case VOS_AUDIT_EXEC_END: logf_("end %d%s\n", e->status, e->ns > 0 ? "" : " (no time)"); break;
    case VOS_AUDIT_DENIED:
        logf_("denied %d %s %s [%s]\n", e->kind, e->subject, e->detail, e->rule);
        break;
    case VOS_AUDIT_ASKED:
        logf_("asked %d %s %s -> %d\n", e->kind, e->subject, e->detail, e->status);
        break;
    default: logf_("event %d\n", e->type); break;
    }
}

static void log_reset(void)
{
    pthread_mutex_lock(&g_mu);
    g_log[0] = 0;
    pthread_mutex_unlock(&g_mu);
}

static vos_vm *vm_rules(const vos_policy_rule *rules, size_t n, vos_ask_fn ask)
{
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.rules = rules;
    cfg.n_rules = n;
    cfg.ask = ask;
    cfg.ask_timeout_ms = 300;
    cfg.audit = audit;
    log_reset();
    return test_vm_new_cfg(&cfg);
}

/* Run a script; its stdout, then "err: " and stderr, then "status N". */
static const char *run(vos_vm *vm, const char *script)
{
    static char buf[4096];
    vos_result r;
    test_exec(vm, script, &r);
    snprintf(buf, sizeof buf, "%serr: %sstatus %d", r.out, r.err, r.status);
    vos_result_free(&r);
    return buf;
}

static const char *explain(vos_vm *vm, vos_request_kind kind, const char *subj,
                           const char *detail)
{
    static char buf[700];
    vos_request q = {sizeof q, kind, subj, detail, NULL};
    int o = vos_policy_explain(vm, &q, buf, sizeof buf);
    ASSERT(o >= 0);
    return buf;
}

static void put(vos_vm *vm, const char *path, const char *text)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    if (dir[0]) ASSERT_OK(vos_mkdir(vm, dir, 0755, 1));
    ASSERT_OK(vos_write_file(vm, path, text, strlen(text), 0644));
}

TEST(policy_none_keeps_defaults)
{
    vos_vm *vm = vm_rules(NULL, 0, NULL);
    put(vm, "/etc/x", "x\n");
    ASSERT_STR(run(vm, "cat /etc/x; echo y > /tmp/y && cat /tmp/y; ls / >/dev/null"),
               "x\ny\nerr: status 0");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/etc/x", "write"),
               "allow: path /etc/x write: no path rule matches (default: allow)");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "rm", ""),
               "allow: command rm: no command rule matches (default: allow)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://example.com/", "GET"),
               "deny: network https://example.com/ GET: no network rule matches (default: deny)");
}

TEST(policy_paths_allow_deny)
{
    vos_policy_rule rules[] = {
        {VOS_REQ_PATH, "/", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_PATH, "/data", "write", VOS_POLICY_DENY},
        {VOS_REQ_PATH, "/secret", NULL, VOS_POLICY_DENY},
    };
    vos_vm *vm = vm_rules(rules, 3, NULL);
    put(vm, "/data/a", "a\n");
    put(vm, "/secret/k", "k\n");
    ASSERT_STR(run(vm, "cat /data/a; echo b > /data/a; cat /secret/k; echo ok > /tmp/t; cat /tmp/t"),
               "a\nok\nerr: "
               "vos: line 1: /data/a: Denied by policy\n"
               "cat: /secret/k: Denied by policy\nstatus 0");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/data/a", "write"),
               "deny: path /data/a write: the path rule '/data' (write: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/data/a", "read"),
               "allow: path /data/a read: the path rule '/' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/secretive", "read"),
               "allow: path /secretive read: the path rule '/' (allow)");
    /* the denial is an error naming the rule */
    vk_proc *s = api_kvm(vm)->session;
    int fd = vk_open(s, "/secret/k", VK_O_RDONLY, 0);
    ASSERT_RC(fd, VOS_EDENIED);
    char msg[300];
    vk_vm_errmsg_take(api_kvm(vm), msg, sizeof msg);
    ASSERT_STR(msg, "access of '/secret/k' denied by the path rule '/secret' (deny)");
    ASSERT(strstr(g_log, "denied 1 /secret/k read [the path rule '/secret' (deny)]"));
}

TEST(policy_paths_default_deny_once_given)
{
    /* a path rule given: what it does not grant is denied, but the VM's system trees still
     * work (commands run, /dev/null takes writes) */
    vos_policy_rule rules[] = {{VOS_REQ_PATH, "/work", NULL, VOS_POLICY_ALLOW}};
    vos_vm *vm = vm_rules(rules, 1, NULL);
    put(vm, "/work/f", "w\n");
    put(vm, "/etc/x", "x\n");
    ASSERT_STR(run(vm, "cat /work/f; echo z > /dev/null; cat /etc/x; echo n > /tmp/n"),
               "w\nerr: cat: /etc/x: Denied by policy\n"
               "vos: line 1: /tmp/n: Denied by policy\nstatus 1");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/etc/x", "read"),
               "deny: path /etc/x read: no path rule matches (default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/usr/bin/cat", "read"),
               "allow: path /usr/bin/cat read: no path rule matches (default: allow)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/usr/bin/cat", "write"),
               "deny: path /usr/bin/cat write: no path rule matches (default: deny)");
}

TEST(policy_paths_legacy_rules_unchanged)
{
    vos_path_rule pr[] = {{"/ro", VOS_ACCESS_READ}, {"/no", VOS_ACCESS_NONE}};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.path_rules = pr;
    cfg.n_path_rules = 2;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    put(vm, "/ro/f", "r\n");
    put(vm, "/no/f", "n\n");
    ASSERT_STR(run(vm, "cat /ro/f; echo x >> /ro/f; cat /no/f; echo t > /tmp/t; cat /tmp/t"),
               "r\nt\nerr: vos: line 1: /ro/f: Denied by policy\n"
               "cat: /no/f: Denied by policy\nstatus 0");
    vk_proc *s = api_kvm(vm)->session;
    char msg[300];
    ASSERT_RC(vk_open(s, "/ro/f", VK_O_WRONLY, 0), VOS_EDENIED);
    vk_vm_errmsg_take(api_kvm(vm), msg, sizeof msg);
    ASSERT_STR(msg, "write of '/ro/f' denied by the path rule '/ro' (read-only)");
    ASSERT_RC(vk_open(s, "/no/f", VK_O_RDONLY, 0), VOS_EDENIED);
    vk_vm_errmsg_take(api_kvm(vm), msg, sizeof msg);
    ASSERT_STR(msg, "access of '/no/f' denied by the path rule '/no' (none)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/ro/f", "read"),
               "allow: path /ro/f read: the path rule '/ro' (read-only)");
}

TEST(policy_paths_ask)
{
    vos_policy_rule rules[] = {
        {VOS_REQ_PATH, "/", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_PATH, "/ask", "read", VOS_POLICY_ASK},
    };
    vos_vm *vm = vm_rules(rules, 2, ask_allow);
    put(vm, "/ask/f", "f\n");
    ASSERT_STR(run(vm, "cat /ask/f; cat /ask/f"), "f\nf\nerr: status 0");
    /* asked once: the answer is remembered */
    ASSERT_STR(g_log, "start cat /ask/f; cat /ask/f\n"
                      "ask 1 /ask/f read [the path rule '/ask' (read: ask)]\n"
                      "asked 1 /ask/f read -> 1\n"
                      "end 0\n");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/ask/f", "read"),
               "ask: path /ask/f read: the path rule '/ask' (read: ask)");
    test_vm_free(vm);

    vm = vm_rules(rules, 2, ask_deny);
    put(vm, "/ask/f", "f\n");
    ASSERT_STR(run(vm, "cat /ask/f"), "err: cat: /ask/f: Denied by policy\nstatus 1");
    ASSERT(strstr(g_log, "asked 1 /ask/f read -> 0\n"
                         "denied 1 /ask/f read [the path rule '/ask' (read: ask)]\n"));
    test_vm_free(vm);

    /* no ask callback: denied */
    vm = vm_rules(rules, 2, NULL);
    put(vm, "/ask/f", "f\n");
    ASSERT_STR(run(vm, "cat /ask/f"), "err: cat: /ask/f: Denied by policy\nstatus 1");
}

TEST(policy_ask_timeout_denies_vm_usable)
{
    vos_policy_rule rules[] = {
        {VOS_REQ_COMMAND, "*", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_COMMAND, "rm", NULL, VOS_POLICY_ASK},
    };
    vos_vm *vm = vm_rules(rules, 2, ask_slow); /* timeout 300 ms, answer after 1.5 s */
    int64_t t0 = test_now_ms();
    ASSERT_STR(run(vm, "rm -f /tmp/x; echo $?"),
               "126\nerr: vos: line 1: rm: Command denied by policy\nstatus 0");
    ASSERT_STR(vos_errmsg(vm), "command 'rm' is denied by the command rule 'rm' (ask)");
    int64_t dt = test_now_ms() - t0;
    ASSERT(dt >= 250 && dt < 1400 * TEST_SLOW);
    ASSERT(strstr(g_log, "asked 2 rm  -> 0\n"));
    ASSERT_STR(run(vm, "echo still; cat /dev/null; echo $?"), "still\n0\nerr: status 0");
}
