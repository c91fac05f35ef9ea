/* policy.c: the VM's policy engine at its boundaries: path, command, environment, tool and
 * network rules, each allowed, denied and asked (a host that allows, one that denies, one
 * that never answers in time), the compatibility of a VM without rules, vos_policy_explain,
 * and the audit events (exec started/finished, denials, asks). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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

TEST(policy_commands)
{
    vos_policy_rule rules[] = {
        {VOS_REQ_COMMAND, "cat", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_COMMAND, "sort", NULL, VOS_POLICY_ASK},
        {VOS_REQ_COMMAND, "sh", NULL, VOS_POLICY_ALLOW},
    };
    vos_vm *vm = vm_rules(rules, 3, ask_allow);
    /* a command denied outright is not in /usr/bin: the shell does not find it, as bash
     * would not find a command the machine lacks */
    ASSERT_STR(run(vm, "echo b | cat; printf 'b\\na\\n' | sort; ls /; echo $?"),
               "b\na\nb\n127\nerr: vos: line 1: ls: command not found\nstatus 0");
    ASSERT(strstr(g_log, "ask 2 sort  [the command rule 'sort' (ask)]\n"));
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "ls", NULL),
               "deny: command ls: no command rule matches (default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "cat", NULL),
               "allow: command cat: the command rule 'cat' (allow)");
    /* /usr/bin lists what may run (ask included) */
    vk_proc *s = api_kvm(vm)->session;
    struct vk_stat st;
    ASSERT_OK(vk_stat(s, "/usr/bin/sort", &st));
    ASSERT_RC(vk_stat(s, "/usr/bin/ls", &st), VOS_ENOENT);
    test_vm_free(vm);

    /* "*" with exceptions; an exact name beats "*" whatever the order */
    vos_policy_rule r2[] = {
        {VOS_REQ_COMMAND, "*", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_COMMAND, "rm", NULL, VOS_POLICY_DENY},
    };
    vm = vm_rules(r2, 2, NULL);
    ASSERT_STR(run(vm, "touch /tmp/a; rm /tmp/a; ls /tmp"),
               "a\nerr: vos: line 1: rm: command not found\nstatus 0");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "rm", ""),
               "deny: command rm: the command rule 'rm' (deny)");
    /* the kernel's exec of it names the rule and audits the denial */
    char *argv[] = {"rm", "/tmp/a", NULL};
    ASSERT_RC(vk_execve(api_kvm(vm)->session, "rm", argv, NULL), VOS_ECMDDENIED);
    char msg[300];
    vk_vm_errmsg_take(api_kvm(vm), msg, sizeof msg);
    ASSERT_STR(msg, "command 'rm' is denied by the command rule 'rm' (deny)");
    ASSERT(strstr(g_log, "denied 2 rm  [the command rule 'rm' (deny)]\n"));
}

TEST(policy_commands_legacy_lists)
{
    const char *allowed[] = {"cat", "rm", NULL}, *denied[] = {"rm", NULL};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.allowed_commands = allowed;
    cfg.denied_commands = denied;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "rm", ""),
               "deny: command rm: the denied_commands entry 'rm'");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "cat", ""),
               "allow: command cat: the allowed_commands entry 'cat'");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "ls", ""),
               "deny: command ls: no command rule matches (default: deny)");
    ASSERT_STR(run(vm, "echo x | cat; ls"),
               "x\nerr: vos: line 1: ls: command not found\nstatus 127");
}

static vos_env_var g_env[] = {
    {"PUBLIC_A", "a"}, {"PUBLIC_SECRET", "s"}, {"OTHER", "o"}, {"TOKEN", "t"}, {"ASKED", "q"},
};

static const char *run_env(vos_vm *vm, const char *script)
{
    static char buf[2048];
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.env = g_env;
    o.n_env = sizeof g_env / sizeof g_env[0];
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(vos_exec(vm, script, &o, &r));
    snprintf(buf, sizeof buf, "%serr: %sstatus %d", r.out, r.err, r.status);
    vos_result_free(&r);
    return buf;
}

TEST(policy_env)
{
    const char *script = "echo \"${PUBLIC_A-unset} ${PUBLIC_SECRET-unset} ${OTHER-unset} "
                         "${TOKEN-unset} ${ASKED-unset} $HOME\"";
    /* no env rule: every variable the host gives is set */
    vos_vm *vm = vm_rules(NULL, 0, NULL);
    ASSERT_STR(run_env(vm, script), "a s o t q /home/agent\nerr: status 0");
    test_vm_free(vm);

    vos_policy_rule rules[] = {
        {VOS_REQ_ENV, "PUBLIC_*", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_ENV, "PUBLIC_SECRET", NULL, VOS_POLICY_DENY},
        {VOS_REQ_ENV, "ASKED", NULL, VOS_POLICY_ASK},
    };
    vm = vm_rules(rules, 3, ask_allow);
    ASSERT_STR(run_env(vm, script), "a unset unset unset q /home/agent\nerr: status 0");
    ASSERT(strstr(g_log, "denied 3 PUBLIC_SECRET  [the env rule 'PUBLIC_SECRET' (deny)]\n"));
    ASSERT(strstr(g_log, "denied 3 TOKEN  [no env rule matches (default: deny)]\n"));
    ASSERT(strstr(g_log, "asked 3 ASKED  -> 1\n"));
    ASSERT_STR(explain(vm, VOS_REQ_ENV, "PUBLIC_B", NULL),
               "allow: env PUBLIC_B: the env rule 'PUBLIC_*' (allow)");
    test_vm_free(vm);

    /* the same through vos_spawn */
    vm = vm_rules(rules, 3, ask_deny);
    char out[256] = "";
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.env = g_env;
    o.n_env = sizeof g_env / sizeof g_env[0];
    o.on_stdout = NULL;
    vos_proc *p;
    ASSERT_OK(vos_spawn(vm, "echo \"${PUBLIC_A-unset} ${TOKEN-unset} ${ASKED-unset}\" > /tmp/o",
                        &o, &p));
    ASSERT_EQ(vos_proc_wait(p, -1), 0);
    vos_proc_free(p);
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/tmp/o", &data, &len));
    snprintf(out, sizeof out, "%s", (char *)data);
    vos_free(data);
    ASSERT_STR(out, "a unset unset\n");
}

TEST(policy_tools)
{
    vos_policy_rule rules[] = {
        {VOS_REQ_TOOL, "github *", NULL, VOS_POLICY_ALLOW},
        {VOS_REQ_TOOL, "github delete_repo", NULL, VOS_POLICY_ASK},
        {VOS_REQ_TOOL, "*", NULL, VOS_POLICY_DENY},
    };
    vos_vm *vm = vm_rules(rules, 3, ask_deny);
    vk_vm *k = api_kvm(vm);
    char rule[300];
    ASSERT_EQ(vk_policy_decide(k, NULL, VOS_REQ_TOOL, "github list_issues", "", rule,
                               sizeof rule), VOS_POLICY_ALLOW);
    ASSERT_EQ(vk_policy_decide(k, NULL, VOS_REQ_TOOL, "github delete_repo", "", rule,
                               sizeof rule), VOS_POLICY_DENY);
    ASSERT_STR(rule, "the tool rule 'github delete_repo' (ask)");
    ASSERT_EQ(vk_policy_decide(k, NULL, VOS_REQ_TOOL, "mail send", "", rule, sizeof rule),
              VOS_POLICY_DENY);
    ASSERT_STR(explain(vm, VOS_REQ_TOOL, "mail send", NULL),
               "deny: tool mail send: the tool rule '*' (deny)");
    ASSERT_STR(explain(vm, VOS_REQ_TOOL, "githubx y", NULL),
               "deny: tool githubx y: the tool rule '*' (deny)");
    ASSERT(strstr(g_log, "asked 5 github delete_repo  -> 0\n"));
    test_vm_free(vm);
    /* no tool rule: the host's registered tools are allowed */
    vm = vm_rules(NULL, 0, NULL);
    ASSERT_STR(explain(vm, VOS_REQ_TOOL, "mail send", NULL),
               "allow: tool mail send: no tool rule matches (default: allow)");
}

TEST(policy_net_explain)
{
    vos_header h = {"Authorization", "Bearer sekrit"};
    vos_net_rule nr[] = {
        {"https://api.example.com", "/v1/", "GET,HEAD", VOS_POLICY_ALLOW, NULL, &h, 1, 0},
        {"https://*.example.org", NULL, NULL, VOS_POLICY_ASK, NULL, NULL, 0, 0},
        {"http://127.0.0.1:8080", NULL, "post", VOS_POLICY_ALLOW, "127.0.0.1", NULL, 0, 0},
    };
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.net_rules = nr;
    cfg.n_net_rules = 3;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://api.example.com/v1/x", "GET"),
               "allow: network https://api.example.com/v1/x GET: "
               "the network rule 1 'https://api.example.com/v1/ GET,HEAD' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://API.example.com:443/v1/x?q", "HEAD"),
               "allow: network https://API.example.com:443/v1/x?q HEAD: "
               "the network rule 1 'https://api.example.com/v1/ GET,HEAD' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://api.example.com/v1/x", "POST"),
               "deny: network https://api.example.com/v1/x POST: no network rule matches "
               "(default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://api.example.com/v2/", "GET"),
               "deny: network https://api.example.com/v2/ GET: no network rule matches "
               "(default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "http://api.example.com/v1/", "GET"),
               "deny: network http://api.example.com/v1/ GET: no network rule matches "
               "(default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://a.b.example.org/", "PUT"),
               "ask: network https://a.b.example.org/ PUT: "
               "the network rule 2 'https://*.example.org' (ask)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "https://example.org/", "GET"),
               "deny: network https://example.org/ GET: no network rule matches "
               "(default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "http://127.0.0.1:8080/x", "POST"),
               "allow: network http://127.0.0.1:8080/x POST: "
               "the network rule 3 'http://127.0.0.1:8080 post' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "http://127.0.0.1/x", "POST"),
               "deny: network http://127.0.0.1/x POST: no network rule matches "
               "(default: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "ftp://api.example.com/v1/", "GET"),
               "deny: network ftp://api.example.com/v1/ GET: no network rule matches "
               "(default: deny)");
    /* explain never shows a credential */
    ASSERT(!strstr(explain(vm, VOS_REQ_NET, "https://api.example.com/v1/", "GET"), "sekrit"));
}

TEST(policy_explain_errors)
{
    vos_vm *vm = vm_rules(NULL, 0, NULL);
    char buf[64] = "junk";
    vos_request q = {sizeof q, (vos_request_kind)9, "x", NULL, NULL};
    ASSERT_RC(vos_policy_explain(vm, &q, buf, sizeof buf), VOS_EINVAL);
    ASSERT_STR(buf, "");
    ASSERT_RC(vos_policy_explain(NULL, &q, buf, sizeof buf), VOS_EMISUSE);
    ASSERT_RC(vos_policy_explain(vm, NULL, buf, sizeof buf), VOS_EMISUSE);
    q.kind = VOS_REQ_PATH;
    q.subject = "/a/very/long/path/that/does/not/fit/into/the/buffer/at/all";
    ASSERT_EQ(vos_policy_explain(vm, &q, buf, 10), VOS_POLICY_ALLOW);
    ASSERT_STR(buf, "allow: pa");
    ASSERT_EQ(vos_policy_explain(vm, &q, NULL, 0), VOS_POLICY_ALLOW);
    /* bad rules are refused at creation */
    vos_policy_rule bad[][1] = {
        {{VOS_REQ_PATH, "relative", NULL, VOS_POLICY_ALLOW}},
        {{VOS_REQ_PATH, "/x", "exec", VOS_POLICY_ALLOW}},
        {{VOS_REQ_COMMAND, NULL, NULL, VOS_POLICY_ALLOW}},
        {{VOS_REQ_NET, "*", NULL, VOS_POLICY_ALLOW}},
        {{VOS_REQ_ENV, "X", NULL, (vos_policy_outcome)7}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vos_config cfg;
        vos_config_init(&cfg);
        cfg.rules = bad[i];
        cfg.n_rules = 1;
        vos_vm *b = NULL;
        ASSERT_RC(vos_vm_new(&cfg, &b), VOS_EINVAL);
        ASSERT(!b);
    }
}

TEST(policy_audit_exec)
{
    vos_vm *vm = vm_rules(NULL, 0, NULL);
    ASSERT_STR(run(vm, "exit 3"), "err: status 3");
    ASSERT_STR(g_log, "start exit 3\nend 3\n");
    log_reset();
    vos_proc *p;
    ASSERT_OK(vos_spawn(vm, "exit 4", NULL, &p));
    ASSERT_EQ(vos_proc_wait(p, -1), 4);
    ASSERT_EQ(vos_proc_wait(p, -1), 4); /* reported once */
    vos_proc_free(p);
    ASSERT_STR(g_log, "start exit 4\nend 4\n");
}

static const char *json_err(const char *text)
{
    static char err[300];
    vos_policy *pol = (vos_policy *)1;
    int rc = vos_policy_parse_json(text, strlen(text), &pol, err, sizeof err);
    ASSERT_RC(rc, VOS_EINVAL);
    ASSERT(pol == NULL);
    return err;
}

TEST(policy_json_file)
{
    const char *text =
        "{\n"
        "  \"paths\": {\"/\": \"write\", \"/etc\": \"read\", \"/secret\": \"none\",\n"
        "            \"/inbox\": {\"read\": \"allow\", \"write\": \"ask\"}},\n"
        "  \"commands\": {\"*\": \"allow\", \"rm\": \"deny\"},\n"
        "  \"env\": {\"PUBLIC_*\": \"allow\", \"PUBLIC_KEY\": \"deny\"},\n"
        "  \"tools\": {\"github *\": \"allow\"},\n"
        "  \"network\": [{\"origin\": \"https://api.example.com\", \"path_prefix\": \"/v1/\",\n"
        "               \"methods\": [\"GET\", \"HEAD\"], \"outcome\": \"allow\",\n"
        "               \"address\": \"10.0.0.1\",\n"
        "               \"headers\": {\"Authorization\": \"Bearer s\\u00e9krit\"}},\n"
        "              {\"origin\": \"*\", \"outcome\": \"ask\"}],\n"
        "  \"ask_timeout_ms\": 1234\n"
        "}\n";
    vos_policy *pol;
    char err[200];
    ASSERT_OK(vos_policy_parse_json(text, strlen(text), &pol, err, sizeof err));
    ASSERT_STR(err, "");
    vos_config cfg;
    vos_config_init(&cfg);
    vos_policy_apply(pol, &cfg);
    ASSERT_EQ(cfg.n_rules, 11);
    ASSERT_EQ(cfg.n_net_rules, 2);
    ASSERT_EQ(cfg.ask_timeout_ms, 1234);
    ASSERT_STR(cfg.net_rules[0].methods, "GET,HEAD");
    ASSERT_STR(cfg.net_rules[0].address, "10.0.0.1");
    ASSERT_EQ(cfg.net_rules[0].n_headers, 1);
    ASSERT_STR(cfg.net_rules[0].headers[0].name, "Authorization");
    ASSERT_STR(cfg.net_rules[0].headers[0].value, "Bearer s\xc3\xa9krit");
    ASSERT_EQ(cfg.net_rules[1].outcome, VOS_POLICY_ASK);
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_policy_free(pol); /* the VM has its copy */
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/etc/passwd", "write"),
               "deny: path /etc/passwd write: the path rule '/etc' (write: deny)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/secret/x", "read"),
               "deny: path /secret/x read: the path rule '/secret' (deny)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/inbox/m", "write"),
               "ask: path /inbox/m write: the path rule '/inbox' (write: ask)");
    ASSERT_STR(explain(vm, VOS_REQ_PATH, "/tmp/x", "write"),
               "allow: path /tmp/x write: the path rule '/' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_COMMAND, "rm", ""),
               "deny: command rm: the command rule 'rm' (deny)");
    ASSERT_STR(explain(vm, VOS_REQ_ENV, "PUBLIC_KEY", ""),
               "deny: env PUBLIC_KEY: the env rule 'PUBLIC_KEY' (deny)");
    ASSERT_STR(explain(vm, VOS_REQ_TOOL, "github x", ""),
               "allow: tool github x: the tool rule 'github *' (allow)");
    ASSERT_STR(explain(vm, VOS_REQ_NET, "http://other.example/", "POST"),
               "ask: network http://other.example/ POST: the network rule 2 '*' (ask)");
    ASSERT_STR(run(vm, "echo a > /etc/a; echo $?; echo b > /tmp/b; cat /tmp/b"),
               "1\nb\nerr: vos: line 1: /etc/a: Denied by policy\nstatus 0");
    /* an empty policy object: no rules, the defaults */
    ASSERT_OK(vos_policy_parse_json(" {} ", 4, &pol, NULL, 0));
    vos_config_init(&cfg);
    vos_policy_apply(pol, &cfg);
    ASSERT_EQ(cfg.n_rules, 0);
    ASSERT(cfg.net_rules == NULL);
    vos_policy_free(pol);
}

TEST(policy_json_errors)
{
    ASSERT_STR(json_err(""), "1:1: unexpected end of the file");
    ASSERT_STR(json_err("[]"), "1:1: expected the policy object");
    ASSERT_STR(json_err("{\n  \"paths\": {\"/x\": \"read\",}\n}"), "2:26: expected a string key");
    ASSERT_STR(json_err("{\"paths\": {\"/x\": \"rw\"}}"),
               "1:18: expected \"read\", \"write\", \"none\", \"ask\" or an object of "
               "\"read\"/\"write\" outcomes");
    ASSERT_STR(json_err("{\"paths\": {\"x\": \"read\"}}"),
               "1:17: path \"x\": want an absolute VM path");
    ASSERT_STR(json_err("{\"paths\": {\"/x\": {\"exec\": \"allow\"}}}"),
               "1:27: expected \"read\" or \"write\"");
    ASSERT_STR(json_err("{\"commands\": {\"a\": \"allow\", \"a\": \"deny\"}}"),
               "1:29: duplicate key \"a\"");
    ASSERT_STR(json_err("{\"commands\": {\"a\": \"maybe\"}}"),
               "1:20: expected \"allow\", \"deny\" or \"ask\"");
    ASSERT_STR(json_err("{\"commands\": [\"a\"]}"),
               "1:14: expected an object of patterns and outcomes");
    ASSERT_STR(json_err("{\"colors\": 1}"),
               "1:12: unknown key \"colors\" (want paths, commands, env, network, tools, "
               "ask_timeout_ms, network_ca_file)");
    ASSERT_STR(json_err("{\"network\": [{\"path_prefix\": \"/\"}]}"),
               "1:14: a network rule needs an \"origin\"");
    ASSERT_STR(json_err("{\"network\": [{\"origin\": \"*\", \"port\": 1}]}"),
               "1:38: unknown key \"port\" in a network rule");
    ASSERT_STR(json_err("{\"network\": [{\"origin\": \"*\", \"headers\": {\"A\": 1}}]}"),
               "1:47: expected a header value");
    ASSERT_STR(json_err("{\"ask_timeout_ms\": 1.5}"),
               "1:20: expected a whole number of milliseconds (1 to 86400000)");
    ASSERT_STR(json_err("{} x"), "1:4: text after the policy object");
    ASSERT_STR(json_err("{\"a\\q\": 1}"), "1:4: invalid escape in a string");
    ASSERT_STR(json_err("{\"a\": \"\\ud800\"}"), "1:8: lone surrogate in a string");
    ASSERT_STR(json_err("{\"a\": \"x\ty\"}"), "1:9: control character in a string");
    ASSERT_STR(json_err("{\"a\": \"unterminated}"), "1:7: unterminated string");
    ASSERT_STR(json_err("{\"a\": 01}"), "1:8: expected ',' or '}'");
    ASSERT_STR(json_err("{\"a\": -}"), "1:7: unexpected character '-'");
    ASSERT_STR(json_err("{\"a\": 1.}"), "1:7: invalid number");
    ASSERT_STR(json_err("{\"a\": tru}"), "1:7: unexpected character 't'");
    ASSERT_STR(json_err("{\"a\" 1}"), "1:6: expected ':'");
    ASSERT_STR(json_err("{\"a\": [1 2]}"), "1:10: expected ',' or ']'");
    /* nesting is bounded */
    char deep[300] = "{\"a\": ";
    for (int i = 0; i < 100; i++) strcat(deep, "[");
    ASSERT_STR(json_err(deep), "1:70: nested too deeply");
    /* a short error buffer is cut, never overrun */
    char small[8];
    vos_policy *pol;
    ASSERT_RC(vos_policy_parse_json("[]", 2, &pol, small, sizeof small), VOS_EINVAL);
    ASSERT_STR(small, "1:1: ex");
    ASSERT_RC(vos_policy_parse_json("{}", 2, NULL, NULL, 0), VOS_EMISUSE);
}

TEST(policy_ask_interrupted)
{
    /* a host that thinks for a long time: vos_interrupt still ends the exec at once */
    vos_policy_rule rules[] = {{VOS_REQ_PATH, "/", NULL, VOS_POLICY_ASK}};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.rules = rules;
    cfg.n_rules = 1;
    cfg.ask = ask_slow;
    cfg.ask_timeout_ms = 60000;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    int64_t dt;
    ASSERT_RC(test_exec_interrupted(vm, "cat /etc/hostname", 100, &r, &dt), VOS_EINTERRUPTED);
    vos_result_free(&r);
    ASSERT(dt < 1400 * TEST_SLOW);
}

/* ---- the CLI (the vos binary next to this test binary; skipped when it is not built) ---- */

static bool cli_path(char *buf, size_t n)
{
    ssize_t l = readlink("/proc/self/exe", buf, n - 8);
    if (l <= 0) return false;
    buf[l] = 0;
    char *s = strrchr(buf, '/');
    if (!s) return false;
    strcpy(s + 1, "vos");
    return access(buf, X_OK) == 0;
}

/* Run the CLI with args (a shell fragment, no user input); its stdout+stderr and status. */
static const char *cli(const char *vos, const char *args, int *status)
{
    static char out[2048];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1 </dev/null", vos, args);
    FILE *f = popen(cmd, "r");
    ASSERT(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

/* A script on the CLI's stdin is read as bash reads one: a line (a whole command) at a
 * time, so a command in it takes the lines after it; a fatal error ends it with 1. */
TEST(cli_script_on_stdin)
{
    char vos[4096];
    if (!cli_path(vos, sizeof vos)) return;
    char cmd[4400], out[512];
    const char *cases[][2] = {
        {"printf 'echo a\\nhead -n1\\necho b\\necho c\\n'", "a\necho b\n0\n"},
        {"printf 'read x\\nhello\\necho \"[$x]\"\\n'", "[hello]\n0\n"},
        {"printf 'echo $0\\nnosuch\\necho ${x?unset}\\necho no\\n'",
         "vos\nvos: line 2: nosuch: command not found\nvos: line 3: x: unset\n1\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(cmd, sizeof cmd, "%s | '%s' 2>&1; echo $?", cases[k][0], vos);
        FILE *f = popen(cmd, "r");
        ASSERT(f);
        size_t n = fread(out, 1, sizeof out - 1, f);
        out[n] = 0;
        pclose(f);
        ASSERT_STR(out, cases[k][1]);
    }
}

/* The host's /dev/null as the CLI's stdin is the VM's /dev/null: a device, not an empty pipe,
 * so rg without a path searches the directory as on the host. */
TEST(cli_null_stdin)
{
    char vos[4096];
    if (!cli_path(vos, sizeof vos)) return;
    int st;
    ASSERT_STR(cli(vos, "-c '[ -c /dev/stdin ] && echo device; cd && echo hi > a && rg hi'", &st),
               "device\na:hi\n");
    ASSERT_EQ(st, 0);
}

TEST(policy_cli)
{
    char vos[4096];
    if (!cli_path(vos, sizeof vos)) return;
    char file[4200];
    snprintf(file, sizeof file, "%s/p.json", test_tmpdir());
    FILE *f = fopen(file, "w");
    ASSERT(f);
    fputs("{\"paths\": {\"/\": \"write\", \"/etc\": \"read\"},\n"
          " \"commands\": {\"*\": \"allow\", \"rm\": \"deny\"},\n"
          " \"env\": {\"PUBLIC_*\": \"allow\"},\n"
          " \"network\": [{\"origin\": \"https://api.example.com\", \"methods\": \"GET\"}]}\n",
          f);
    fclose(f);
    char args[4400];
    int st;
    snprintf(args, sizeof args, "policy explain --policy '%s' path /etc/passwd write", file);
    ASSERT_STR(cli(vos, args, &st),
               "deny: path /etc/passwd write: the path rule '/etc' (write: deny)\n");
    ASSERT_EQ(st, 1);
    snprintf(args, sizeof args, "policy explain --policy '%s' path /etc/passwd", file);
    ASSERT_STR(cli(vos, args, &st),
               "allow: path /etc/passwd read: the path rule '/etc' (read: allow)\n");
    ASSERT_EQ(st, 0);
    snprintf(args, sizeof args,
             "policy explain --policy='%s' network https://api.example.com/x GET", file);
    ASSERT_STR(cli(vos, args, &st),
               "allow: network https://api.example.com/x GET: the network rule 1 "
               "'https://api.example.com GET' (allow)\n");
    ASSERT_EQ(st, 0);
    ASSERT_STR(cli(vos, "policy explain command rm", &st),
               "allow: command rm: no command rule matches (default: allow)\n");
    ASSERT_EQ(st, 0);
    ASSERT_STR(cli(vos, "policy explain colour red", &st),
               "vos: policy explain: unknown kind 'colour' (want path, command, env, network "
               "or tool)\nTry 'vos --help' for more information.\n");
    ASSERT_EQ(st, 2);
    /* --policy on a script: the rules bind it, the env rules filter --env */
    snprintf(args, sizeof args,
             "--policy '%s' --env PUBLIC_A=1 --env TOKEN=2 -c "
             "'echo \"$PUBLIC_A ${TOKEN-unset}\"; echo x > /etc/y; echo $?'",
             file);
    ASSERT_STR(cli(vos, args, &st), "1 unset\nvos: line 1: /etc/y: Denied by policy\n1\n");
    ASSERT_EQ(st, 0);
    /* an error in the file: its line and column */
    f = fopen(file, "w");
    ASSERT(f);
    fputs("{\n  \"paths\": {\"/x\": \"read\",}\n}\n", f);
    fclose(f);
    snprintf(args, sizeof args, "--policy '%s' -c true", file);
    char want[4400];
    snprintf(want, sizeof want, "vos: --policy: %s:2:26: expected a string key\n", file);
    ASSERT_STR(cli(vos, args, &st), want);
    ASSERT_EQ(st, 2);
}
