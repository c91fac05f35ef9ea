/* net.c: the VM's network boundary (docs/network.md), against a tiny HTTP server this file
 * starts on 127.0.0.1 (allowed only through a rule's exact `address`). The server counts the
 * connections it accepts: a refused request must leave the count unchanged. A fake resolver
 * answers the test names and counts its calls. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define SECRET "s3cr3t-token-4242"

typedef struct server {
    int fd;
    int port;
    pthread_t th;
    atomic_int accepts;
    atomic_bool stop;
    pthread_mutex_t mu;
    char last[8192]; /* the last request's head, as received */
} server;

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int status, const char *extra, const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, strlen(body), extra);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, strlen(body));
}

static void serve(server *s, int fd)
{
    char req[16384];
    size_t len = 0;
    char *end = NULL;
    while (len < sizeof req - 1) {
        ssize_t r = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (r <= 0) return;
        len += (size_t)r;
        req[len] = 0;
        if ((end = strstr(req, "\r\n\r\n"))) break;
    }
    if (!end) return;
    size_t headlen = (size_t)(end - req) + 4;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    size_t want = cl && cl < end ? (size_t)atol(cl + 17) : 0;
    while (len < headlen + want && len < sizeof req - 1) {
        ssize_t r = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (r <= 0) break;
        len += (size_t)r;
        req[len] = 0;
    }
    pthread_mutex_lock(&s->mu);
    snprintf(s->last, sizeof s->last, "%.*s", (int)headlen, req);
    pthread_mutex_unlock(&s->mu);
    char method[16], path[2048];
    if (sscanf(req, "%15s %2047s", method, path) != 2) return;
    if (!strncmp(path, "/hello", 6)) {
        respond(fd, 200, "", "hello\n");
    } else if (!strncmp(path, "/echo", 5)) {
        /* the request back, secrets masked (the VM may read what the server sends) */
        char body[16384];
        snprintf(body, sizeof body, "%s", req);
        for (char *p; (p = strstr(body, SECRET));) memset(p, '#', strlen(SECRET));
        for (char *p = body; *p; p++)
            if (*p == '\r') *p = '|';
        respond(fd, 200, "", body);
    } else if (!strncmp(path, "/redir?to=", 10)) {
        char loc[2100];
        snprintf(loc, sizeof loc, "Location: %s\r\n", path + 10);
        respond(fd, 302, loc, "moved\n");
    } else if (!strncmp(path, "/status/", 8)) {
        char b[64];
        snprintf(b, sizeof b, "status %d\n", atoi(path + 8));
        respond(fd, atoi(path + 8), "", b);
    } else if (!strncmp(path, "/slow", 5)) {
        for (int i = 0; i < 100 && !atomic_load(&s->stop); i++) usleep(50000);
        respond(fd, 200, "", "slow\n");
    } else {
        respond(fd, 404, "", "not found\n");
    }
}

static void *server_main(void *arg)
{
    server *s = arg;
    while (!atomic_load(&s->stop)) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) continue;
        if (atomic_load(&s->stop)) {
            close(c);
            break;
        }
        atomic_fetch_add(&s->accepts, 1);
        serve(s, c);
        close(c);
    }
    return NULL;
}

static server *server_start(void)
{
    server *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT(bind(s->fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT(listen(s->fd, 16) == 0);
    socklen_t l = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &l);
    s->port = ntohs(a.sin_port);
    pthread_create(&s->th, NULL, server_main, s);
    return s;
}

static void server_stop(server *s)
{
    atomic_store(&s->stop, true);
    /* wake accept */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s->port);
    connect(c, (struct sockaddr *)&a, sizeof a);
    close(c);
    pthread_join(s->th, NULL);
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- the fake resolver ---- */
static atomic_int g_resolves, g_rebind_calls;

static int fake_resolve(void *ud, const char *host, char (*addrs)[64], int max)
{
    (void)ud;
    (void)max;
    atomic_fetch_add(&g_resolves, 1);
    if (!strcmp(host, "other.test") || !strcmp(host, "evil.test") || !strcmp(host, "public.test")) {
        strcpy(addrs[0], "127.0.0.1");
        return 1;
    }
    if (!strcmp(host, "rebind.test")) {
        /* the first answer is the allowed address, later ones private */
        strcpy(addrs[0], atomic_fetch_add(&g_rebind_calls, 1) == 0 ? "127.0.0.1" : "10.0.0.1");
        return 1;
    }
    if (!strcmp(host, "multi.test")) {
        strcpy(addrs[0], "127.0.0.1");
        strcpy(addrs[1], "192.168.0.7");
        return 2;
    }
    if (!strcmp(host, "v6.test")) {
        strcpy(addrs[0], "::ffff:127.0.0.1");
        return 1;
    }
    return 0;
}

/* audit events seen */
static pthread_mutex_t g_audit_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_audit[16384];
static int g_audit_net;

static void on_audit(void *ud, const vos_audit_event *ev)
{
    (void)ud;
    pthread_mutex_lock(&g_audit_mu);
    size_t l = strlen(g_audit);
    snprintf(g_audit + l, sizeof g_audit - l, "%d %s %s %s %d\n", ev->type, ev->subject,
             ev->detail, ev->rule, ev->status);
    if (ev->type == VOS_AUDIT_NET) g_audit_net++;
    pthread_mutex_unlock(&g_audit_mu);
}

static vos_vm *net_vm(server *s, vos_net_rule *rules, size_t n)
{
    (void)s;
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.net_rules = rules;
    cfg.n_net_rules = n;
    cfg.net_resolve = fake_resolve;
    cfg.audit = on_audit;
    return test_vm_new_cfg(&cfg);
}

static const vos_header g_secret_hdr[] = {{"X-Secret", SECRET}};

/* rule 1: the server's origin, with its address and a credential; rule 2: other.test */
static vos_vm *std_vm(server *s, char *origin, size_t on, char *other, size_t otn)
{
    snprintf(origin, on, "http://127.0.0.1:%d", s->port);
    snprintf(other, otn, "http://other.test:%d", s->port);
    static vos_net_rule rules[3];
    memset(rules, 0, sizeof rules);
    rules[0].origin = origin;
    rules[0].outcome = VOS_POLICY_ALLOW;
    rules[0].address = "127.0.0.1";
    rules[0].headers = g_secret_hdr;
    rules[0].n_headers = 1;
    rules[1].origin = other;
    rules[1].outcome = VOS_POLICY_ALLOW;
    rules[1].address = "127.0.0.1";
    rules[2].origin = "http://rebind.test:*"; /* never matches: ports are numbers */
    return net_vm(s, rules, 2);
}

static void run(vos_vm *vm, const char *script, vos_result *r)
{
    ASSERT_OK(test_exec(vm, script, r));
}

TEST(net_allowed_request_and_common_flags)
{
    server *s = server_start();
    char o[100], ot[100], sc[4096];
    vos_vm *vm = std_vm(s, o, sizeof o, ot, sizeof ot);
    snprintf(sc, sizeof sc, "curl -s %s/hello", o);
    ASSERT_EXEC(vm, sc, "hello\n", 0);
    snprintf(sc, sizeof sc, "curl -s -o /tmp/f -w '%%{http_code}\\n' %s/hello; cat /tmp/f", o);
    ASSERT_EXEC(vm, sc, "200\nhello\n", 0);
    snprintf(sc, sizeof sc, "curl -sS -f %s/status/404; echo rc=$?", o);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=22\n");
    ASSERT_STR(r.err, "curl: (22) The requested URL returned error: 404\n");
    vos_result_free(&r);
    snprintf(sc, sizeof sc, "curl -s %s/status/500; echo rc=$?", o);
    ASSERT_EXEC(vm, sc, "status 500\nrc=0\n", 0);
    snprintf(sc, sizeof sc, "curl -s --fail-with-body %s/status/503; echo rc=$?", o);
    ASSERT_EXEC(vm, sc, "status 503\nrc=22\n", 0);
    snprintf(sc, sizeof sc, "curl -si %s/hello | tr -d '\\r' | grep -E '^HTTP|^hello'", o);
    ASSERT_EXEC(vm, sc, "HTTP/1.1 200 X\nhello\n", 0);
    snprintf(sc, sizeof sc, "curl -sI %s/hello | head -n1 | tr -d '\\r'", o);
    ASSERT_EXEC(vm, sc, "HTTP/1.1 200 X\n", 0);
    /* POST data, methods, -G */
    snprintf(sc, sizeof sc, "curl -s -d a=1 -d b=2 %s/echo | tr '|' '\\n' | grep -E '^(POST|a=)'", o);
    ASSERT_EXEC(vm, sc, "POST /echo HTTP/1.1\na=1&b=2\n", 0);
    snprintf(sc, sizeof sc, "curl -s -G --data-urlencode 'q=a b&c' %s/echo | head -c 28", o);
    ASSERT_EXEC(vm, sc, "GET /echo?q=a%20b%26c HTTP/1", 0);
    snprintf(sc, sizeof sc, "curl -s -X DELETE %s/echo | head -c 12", o);
    ASSERT_EXEC(vm, sc, "DELETE /echo", 0);
    snprintf(sc, sizeof sc, "printf 'x\\ny' > /tmp/d; curl -s --data-binary @/tmp/d %s/echo | tr '|' '\\n' | tail -n 2", o);
    ASSERT_EXEC(vm, sc, "x\ny", 0);
    /* -L within the origin, -w variables */
    snprintf(sc, sizeof sc, "curl -sL -w ' %%{http_code} %%{num_redirects}' '%s/redir?to=/hello'", o);
    ASSERT_EXEC(vm, sc, "hello\n 200 1", 0);
    snprintf(sc, sizeof sc, "curl -s -w '%%{http_code} %%{redirect_url}' '%s/redir?to=/hello'", o);
    vos_result r2;
    run(vm, sc, &r2);
    char want[300];
    snprintf(want, sizeof want, "moved\n302 %s/hello", o);
    ASSERT_STR(r2.out, want);
    vos_result_free(&r2);
    /* the VM's proxy variables are ignored */
    snprintf(sc, sizeof sc, "http_proxy=http://10.1.1.1:3128 HTTP_PROXY=$http_proxy curl -s %s/hello", o);
    ASSERT_EXEC(vm, sc, "hello\n", 0);
    ASSERT_EXEC(vm, "curl -k https://example.com/; echo rc=$?", "rc=60\n", 0);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_denied_without_rule_no_connection)
{
    server *s = server_start();
    vos_vm *vm = net_vm(s, NULL, 0);
    char sc[512];
    snprintf(sc, sizeof sc, "curl http://127.0.0.1:%d/hello; echo rc=$?", s->port);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=7\n");
    char want[300];
    snprintf(want, sizeof want,
             "curl: (7) Blocked by the VM's network policy: no network rule allows GET "
             "http://127.0.0.1:%d/hello\n", s->port);
    ASSERT_STR(r.err, want);
    vos_result_free(&r);
    snprintf(sc, sizeof sc, "curl -s http://public.test:%d/; echo rc=$?", s->port);
    ASSERT_EXEC(vm, sc, "rc=7\n", 0);
    ASSERT_EQ(atomic_load(&s->accepts), 0);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_blocked_address_spellings)
{
    server *s = server_start();
    /* "*" allows every origin, but no rule names an address: every spelling of a private,
     * loopback, link-local, metadata or IPv4-embedding address is refused before connecting */
    vos_net_rule rule = {.origin = "*", .outcome = VOS_POLICY_ALLOW};
    vos_vm *vm = net_vm(s, &rule, 1);
    static const char *const hosts[] = {
        "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0", "0.0.0.0", "[::1]",
        "[::ffff:127.0.0.1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]",
        "localhost", "169.254.169.254", "metadata.google.internal", "10.0.0.1", "172.16.0.1",
        "192.168.1.1", "100.64.0.1", "[fe80::1]", "[fc00::1]", "[fd00:ec2::254]",
        "[2001:0:7f00:1::]", "127.0.0.1", "foo.localhost", "[::]", "224.0.0.1",
        "public.test", "v6.test", "multi.test", "0x7f.1", "[::ffff:7f00:1]", NULL};
    int n = 0;
    for (int i = 0; hosts[i]; i++, n++) {
        char sc[512];
        snprintf(sc, sizeof sc, "curl -sS http://%s:%d/hello; echo rc=$?", hosts[i], s->port);
        vos_result r;
        run(vm, sc, &r);
        if (strcmp(r.out, "rc=7\n") || !strstr(r.err, "Blocked by the VM's network policy"))
            test_fail(__FILE__, __LINE__, "%s: out '%s' err '%s'", hosts[i], r.out, r.err);
        vos_result_free(&r);
    }
    ASSERT(n >= 23);
    ASSERT_EQ(atomic_load(&s->accepts), 0);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_dns_rebinding_blocked)
{
    server *s = server_start();
    char origin[100], o2[100];
    snprintf(origin, sizeof origin, "http://rebind.test:%d", s->port);
    snprintf(o2, sizeof o2, "http://multi.test:%d", s->port);
    vos_net_rule rules[2] = {{.origin = origin, .outcome = VOS_POLICY_ALLOW, .address = "127.0.0.1"},
                             {.origin = o2, .outcome = VOS_POLICY_ALLOW, .address = "127.0.0.1"}};
    atomic_store(&g_rebind_calls, 0);
    vos_vm *vm = net_vm(s, rules, 2);
    char sc[512];
    snprintf(sc, sizeof sc, "curl -sS %s/hello; curl -sS %s/hello; echo rc=$?", origin, origin);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "hello\nrc=7\n");
    ASSERT(strstr(r.err, "rebind.test resolves to 10.0.0.1, a private address") != NULL);
    vos_result_free(&r);
    ASSERT_EQ(atomic_load(&s->accepts), 1);
    /* one answer of several private: refused */
    snprintf(sc, sizeof sc, "curl -sS %s/hello; echo rc=$?", o2);
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=7\n");
    ASSERT(strstr(r.err, "192.168.0.7") != NULL);
    vos_result_free(&r);
    ASSERT_EQ(atomic_load(&s->accepts), 1);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_redirects_rechecked_and_credentials_hidden)
{
    server *s = server_start();
    char o[100], ot[100], sc[4096];
    vos_vm *vm = std_vm(s, o, sizeof o, ot, sizeof ot);
    /* a redirect to an origin no rule allows: refused at that hop */
    snprintf(sc, sizeof sc, "curl -sSL '%s/redir?to=http://evil.test:%d/hello'; echo rc=$?", o,
             s->port);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=7\n");
    ASSERT(strstr(r.err, "no network rule allows GET http://evil.test") != NULL);
    vos_result_free(&r);
    ASSERT_EQ(atomic_load(&s->accepts), 1);
    /* a redirect to a scheme other than http(s) */
    snprintf(sc, sizeof sc, "curl -sSL '%s/redir?to=file:///etc/passwd'; echo rc=$?", o);
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=1\n");
    vos_result_free(&r);
    /* the credential reaches the server, replacing the VM's own header of that name... */
    snprintf(sc, sizeof sc,
             "curl -sv -i -H 'x-secret: guest' -w '%%{url_effective} %%{errormsg}' -o /tmp/o %s/echo;"
             " cat /tmp/o; env", o);
    run(vm, sc, &r);
    ASSERT_EQ(r.status, 0);
    pthread_mutex_lock(&s->mu);
    ASSERT(strstr(s->last, "X-Secret: " SECRET "\r\n") != NULL);
    ASSERT(strstr(s->last, "guest") == NULL);
    ASSERT(strcasestr(s->last, "x-secret: guest") == NULL);
    pthread_mutex_unlock(&s->mu);
    /* ...and the VM never sees it: not in output, verbose output, errors or files */
    ASSERT(strstr(r.out, SECRET) == NULL);
    ASSERT(strstr(r.err, SECRET) == NULL);
    ASSERT(strstr(r.out, "X-Secret: ####") != NULL); /* the server saw it (masked echo) */
    vos_result_free(&r);
    /* not sent after a redirect to another origin, even an allowed one */
    snprintf(sc, sizeof sc, "curl -sSL '%s/redir?to=http://other.test:%d/echo' | head -c 10", o,
             s->port);
    ASSERT_EXEC(vm, sc, "GET /echo ", 0);
    pthread_mutex_lock(&s->mu);
    ASSERT(strstr(s->last, SECRET) == NULL);
    ASSERT(strstr(s->last, "Host: other.test") != NULL);
    pthread_mutex_unlock(&s->mu);
    /* the audit trail names requests, never the credential */
    pthread_mutex_lock(&g_audit_mu);
    ASSERT(strstr(g_audit, SECRET) == NULL);
    ASSERT(g_audit_net > 0);
    pthread_mutex_unlock(&g_audit_mu);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_timeouts_and_interrupt)
{
    server *s = server_start();
    char o[100], ot[100], sc[4096];
    vos_vm *vm = std_vm(s, o, sizeof o, ot, sizeof ot);
    snprintf(sc, sizeof sc, "curl -sS --max-time 0.5 %s/slow; echo rc=$?", o);
    int64_t t0 = test_now_ms();
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=28\n");
    ASSERT(strncmp(r.err, "curl: (28) ", 11) == 0);
    vos_result_free(&r);
    ASSERT(test_now_ms() - t0 < 4000 * TEST_SLOW);
    /* vos_interrupt ends a transfer promptly */
    snprintf(sc, sizeof sc, "curl -s %s/slow", o);
    int64_t dt = 0;
    test_exec_interrupted(vm, sc, 200, &r, &dt);
    vos_result_free(&r);
    ASSERT(dt < 3000 * TEST_SLOW);
    ASSERT_EXEC(vm, "echo still-usable", "still-usable\n", 0);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_wget)
{
    server *s = server_start();
    char o[100], ot[100], sc[4096];
    vos_vm *vm = std_vm(s, o, sizeof o, ot, sizeof ot);
    snprintf(sc, sizeof sc, "wget -q -O - %s/hello", o);
    ASSERT_EXEC(vm, sc, "hello\n", 0);
    snprintf(sc, sizeof sc, "mkdir /tmp/w && wget -q -P /tmp/w %s/hello && cat /tmp/w/hello", o);
    ASSERT_EXEC(vm, sc, "hello\n", 0);
    snprintf(sc, sizeof sc, "wget -q -O /tmp/x %s/status/404; echo rc=$?; test -e /tmp/x || echo none", o);
    ASSERT_EXEC(vm, sc, "rc=8\nnone\n", 0);
    snprintf(sc, sizeof sc, "wget -q -O - --header 'A: 1' --header 'B: 2' --post-data x=1 %s/echo | tr '|' '\\n' | grep -E '^(POST|A:|B:|x=)'", o);
    ASSERT_EXEC(vm, sc, "POST /echo HTTP/1.1\nA: 1\nB: 2\nx=1\n", 0);
    snprintf(sc, sizeof sc, "wget -q -O - 'http://127.0.0.1:%d/hello'", s->port + 0);
    ASSERT_EXEC(vm, sc, "hello\n", 0);
    snprintf(sc, sizeof sc, "wget -q -O - http://evil.test:%d/; echo rc=$?", s->port);
    ASSERT_EXEC(vm, sc, "rc=4\n", 0);
    ASSERT_EXEC(vm, "wget -q --no-check-certificate https://example.com/; echo rc=$?", "rc=2\n", 0);
    pthread_mutex_lock(&g_audit_mu);
    ASSERT(strstr(g_audit, SECRET) == NULL);
    pthread_mutex_unlock(&g_audit_mu);
    test_vm_free(vm);
    server_stop(s);
}

TEST(net_quotas)
{
    server *s = server_start();
    char origin[100], sc[512];
    snprintf(origin, sizeof origin, "http://127.0.0.1:%d", s->port);
    vos_net_rule rule = {.origin = origin, .outcome = VOS_POLICY_ALLOW, .address = "127.0.0.1"};
    vos_config cfg;
    vos_limits lim;
    vos_config_init(&cfg);
    vos_limits_init(&lim);
    lim.net_requests = 2;
    lim.net_bytes = 9;
    cfg.limits = &lim;
    cfg.net_rules = &rule;
    cfg.n_net_rules = 1;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    snprintf(sc, sizeof sc, "curl -s %s/hello; curl -sS %s/hello; echo rc=$?; curl -sS %s/hello; echo rc=$?",
             origin, origin, origin);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "hello\nrc=63\nrc=7\n");
    ASSERT_STR(r.err, "curl: (63) Exceeded the VM's network byte quota (limits.net_bytes)\n"
                      "curl: (7) Blocked by the VM's network policy: the VM's quota of "
                      "limits.net_requests network requests is used up\n");
    vos_result_free(&r);
    ASSERT_EQ(atomic_load(&s->accepts), 2);
    test_vm_free(vm);
    server_stop(s);
}
