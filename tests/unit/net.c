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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#include "test.h"

#define SECRET "s3cr3t-token-4242"

typedef struct server {
    int fd;
    int port;
    SSL_CTX *tls;   /* NULL: plain http */
    SSL *ssl;       /* of the connection being served */
    int hits;       /* /flaky: every odd hit fails */
    char full[65536]; /* the last request, head and body, as received */
    size_t full_len;
    pthread_t th;
    atomic_int accepts;
    atomic_bool stop;
    pthread_mutex_t mu;
    char last[8192]; /* the last request's head, as received */
} server;

static __thread SSL *t_ssl; /* the TLS connection of the serving thread, or NULL */

static ssize_t conn_recv(int fd, char *b, size_t n)
{
    if (t_ssl) return SSL_read(t_ssl, b, (int)n);
    return recv(fd, b, n, 0);
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = t_ssl ? SSL_write(t_ssl, s, (int)n) : send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void respond_n(int fd, int status, const char *extra, const char *body, size_t blen)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, blen, extra);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, blen);
}

static void respond(int fd, int status, const char *extra, const char *body)
{
    respond_n(fd, status, extra, body, strlen(body));
}

static void serve(server *s, int fd)
{
    char req[16384];
    size_t len = 0;
    char *end = NULL;
    while (len < sizeof req - 1) {
        ssize_t r = conn_recv(fd, req + len, sizeof req - 1 - len);
        if (r <= 0) return;
        len += (size_t)r;
        req[len] = 0;
        if ((end = strstr(req, "\r\n\r\n"))) break;
    }
    if (!end) return;
    size_t headlen = (size_t)(end - req) + 4;
    const char *cl = strcasestr(req, "\r\nContent-Length:");
    size_t want = cl && cl < end ? (size_t)atol(cl + 17) : 0;
    const char *ex = strcasestr(req, "\r\nExpect: 100-continue");
    if (ex && ex < end && len < headlen + want) send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    while (len < headlen + want && len < sizeof req - 1) {
        ssize_t r = conn_recv(fd, req + len, sizeof req - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        req[len] = 0;
    }
    pthread_mutex_lock(&s->mu);
    snprintf(s->last, sizeof s->last, "%.*s", (int)headlen, req);
    memcpy(s->full, req, len);
    s->full_len = len;
    int hit = strncmp(req, "GET /flaky", 10) ? 0 : ++s->hits;
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
    } else if (!strncmp(path, "/raw", 4)) {
        /* the request exactly as received, head and body */
        respond_n(fd, 200, "", req, len);
    } else if (!strncmp(path, "/cookies", 8)) {
        respond(fd, 200,
                "Set-Cookie: zeta=1\r\nSet-Cookie: alpha=2; Path=/\r\n"
                "Set-Cookie: mid=3; Max-Age=100000000\r\nSet-Cookie: first=changed\r\n",
                "cookies\n");
    } else if (!strncmp(path, "/gzip", 5)) {
        /* "compressed hello" gzip-encoded */
        unsigned char out[256];
        z_stream z = {0};
        deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)"compressed hello\n";
        z.avail_in = 17;
        z.next_out = out;
        z.avail_out = sizeof out;
        deflate(&z, Z_FINISH);
        size_t zn = sizeof out - z.avail_out;
        deflateEnd(&z);
        respond_n(fd, 200, "Content-Encoding: gzip\r\n", (char *)out, zn);
    } else if (!strncmp(path, "/headers", 8)) {
        respond(fd, 200, "X-A: 1\r\nX-A: 2\r\nX-Empty:\r\nContent-Type: application/json\r\n",
                "{}\n");
    } else if (!strncmp(path, "/flaky", 6)) {
        if (hit % 2) respond(fd, 503, "", "try again\n");
        else respond(fd, 200, "", "fine\n");
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
        t_ssl = NULL;
        if (s->tls) {
            t_ssl = SSL_new(s->tls);
            SSL_set_fd(t_ssl, c);
            if (SSL_accept(t_ssl) != 1) {
                SSL_free(t_ssl);
                t_ssl = NULL;
                close(c);
                continue;
            }
        }
        serve(s, c);
        if (t_ssl) {
            SSL_shutdown(t_ssl);
            SSL_free(t_ssl);
            t_ssl = NULL;
        }
        close(c);
    }
    return NULL;
}

static server *server_start_tls(SSL_CTX *tls)
{
    server *s = calloc(1, sizeof *s);
    s->tls = tls;
    pthread_mutex_init(&s->mu, NULL);
    s->fd = test_listen_loopback(&s->port);
    pthread_create(&s->th, NULL, server_main, s);
    return s;
}

static server *server_start(void)
{
    return server_start_tls(NULL);
}

static void server_stop(server *s)
{
    atomic_store(&s->stop, true);
    test_poke_loopback(s->port); /* wake accept */
    pthread_join(s->th, NULL);
    close(s->fd);
    if (s->tls) SSL_CTX_free(s->tls);
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
static int g_audit_net, g_audit_denied;

static void on_audit(void *ud, const vos_audit_event *ev)
{
    (void)ud;
    pthread_mutex_lock(&g_audit_mu);
    size_t l = strlen(g_audit);
    snprintf(g_audit + l, sizeof g_audit - l, "%d %s %s %s %d\n", ev->type, ev->subject,
             ev->detail, ev->rule, ev->status);
    if (ev->type == VOS_AUDIT_NET) g_audit_net++;
    if (ev->type == VOS_AUDIT_DENIED && ev->kind == VOS_REQ_NET) g_audit_denied++;
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
    ASSERT_EXEC(vm, sc, "GET /echo?q=a+b%26c HTTP/1.1", 0);
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
    /* -k reaches the kernel, which refuses it unless the rule allows it (net_https_*) */
    ASSERT_EXEC(vm, "curl -sk https://example.com/; echo rc=$?", "rc=7\n", 0);
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
    pthread_mutex_lock(&g_audit_mu);
    int net0 = g_audit_net, denied0 = g_audit_denied;
    pthread_mutex_unlock(&g_audit_mu);
    int res0 = atomic_load(&g_resolves);
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
    /* no transfer was even started (a started one is a VOS_AUDIT_NET event, whatever its
     * outcome): each request was refused before libcurl had a handle; the numeric spellings
     * and the reserved names never reached the resolver (only the three .test names did) */
    pthread_mutex_lock(&g_audit_mu);
    ASSERT_EQ(g_audit_net - net0, 0);
    ASSERT_EQ(g_audit_denied - denied0, n);
    pthread_mutex_unlock(&g_audit_mu);
    ASSERT_EQ(atomic_load(&g_resolves) - res0, 3);
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
    ASSERT_EXEC(vm, "wget -q --no-check-certificate https://example.com/; echo rc=$?", "rc=4\n", 0);
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

/* ---- vos curl against the real curl (/usr/bin/curl, a test reference in tools/bootstrap.sh):
 * the same flags, the same local server; the bytes the server receives and what curl prints
 * (stdout, stderr, exit status) must be the same. Multipart boundaries are random in both. */

typedef struct outcome {
    char *out, *err, *req;
    size_t out_len, err_len, req_len;
    int status;
} outcome;

static char *slurp_host(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = malloc(1 << 20);
    size_t n = f ? fread(b, 1, (1 << 20) - 1, f) : 0;
    if (f) fclose(f);
    b[n] = 0;
    *len = n;
    return b;
}

/* "------------------------" and 16 hex digits: curl's boundary; the same token everywhere */
static void unbound(char *s, size_t n)
{
    for (size_t i = 0; i + 40 <= n; i++) {
        if (strncmp(s + i, "------------------------", 24)) continue;
        size_t j = i + 24;
        while (j < n && s[j] == '-') j++;
        if (j + 16 > n) break;
        bool hex = true;
        for (size_t k = 0; k < 16; k++)
            if (!strchr("0123456789abcdef", s[j + k])) hex = false;
        if (hex) memset(s + j, 'B', 16);
        i = j + 15;
    }
}

static void take_request(server *s, outcome *o)
{
    pthread_mutex_lock(&s->mu);
    o->req = malloc(s->full_len + 1);
    memcpy(o->req, s->full, s->full_len);
    o->req[s->full_len] = 0;
    o->req_len = s->full_len;
    s->full_len = 0;
    pthread_mutex_unlock(&s->mu);
    unbound(o->req, o->req_len);
}

static const char *const g_files[][2] = {
    {"d.txt", "line one\nline two\r\n"},
    {"pic.png", "\x89PNG\r\n"},
    {"cookies.txt", "# Netscape HTTP Cookie File\n"
                    "127.0.0.1\tFALSE\t/\tFALSE\t0\tfirst\tone\n"
                    "127.0.0.1\tFALSE\t/\tFALSE\t0\tsecond\ttwo\n"},
    {NULL, NULL}};

static char *expand(const char *args, server *s, server *tls)
{
    char *r = malloc(8192), *w = r;
    for (const char *a = args; *a; a++) {
        if (*a == '@' && a[1] == 'U')
            w += sprintf(w, "http://127.0.0.1:%d", s->port), a++;
        else if (*a == '@' && a[1] == 'S')
            w += sprintf(w, "https://127.0.0.1:%d", tls ? tls->port : 1), a++;
        else
            *w++ = *a;
    }
    *w = 0;
    return r;
}

static void run_host(const char *dir, const char *args, const char *ca, server *s, outcome *o)
{
    char cmd[10000];
    snprintf(cmd, sizeof cmd,
             "cd %s && env -i PATH=/usr/bin:/bin HOME=%s LC_ALL=C CURL_CA_BUNDLE=%s "
             "curl %s >o 2>e </dev/null; echo $? >st",
             dir, dir, ca ? ca : "/nonexistent", args);
    ASSERT(system(cmd) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/o", dir);
    o->out = slurp_host(path, &o->out_len);
    snprintf(path, sizeof path, "%s/e", dir);
    o->err = slurp_host(path, &o->err_len);
    snprintf(path, sizeof path, "%s/st", dir);
    size_t n;
    char *st = slurp_host(path, &n);
    o->status = atoi(st);
    free(st);
    take_request(s, o);
    unbound(o->out, o->out_len);
}

static void run_vos(const char *args, server *s, server *tls, const char *ca, outcome *o)
{
    char ho[100], so[100];
    snprintf(ho, sizeof ho, "http://127.0.0.1:%d", s->port);
    snprintf(so, sizeof so, "https://127.0.0.1:%d", tls ? tls->port : 1);
    vos_net_rule rules[2] = {{.origin = ho, .outcome = VOS_POLICY_ALLOW, .address = "127.0.0.1"},
                             {.origin = so, .outcome = VOS_POLICY_ALLOW, .address = "127.0.0.1"}};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.net_rules = rules;
    cfg.n_net_rules = 2;
    cfg.net_ca_file = ca;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    for (int i = 0; g_files[i][0]; i++) {
        char p[100];
        snprintf(p, sizeof p, "/tmp/%s", g_files[i][0]);
        ASSERT_OK(vos_write_file(vm, p, g_files[i][1], strlen(g_files[i][1]), 0644));
    }
    char sc[10000];
    snprintf(sc, sizeof sc, "cd /tmp && curl %s", args);
    vos_result r;
    ASSERT_OK(test_exec(vm, sc, &r));
    o->out = malloc(r.out_len + 1);
    memcpy(o->out, r.out, r.out_len);
    o->out[r.out_len] = 0;
    o->out_len = r.out_len;
    o->err = malloc(r.err_len + 1);
    memcpy(o->err, r.err, r.err_len);
    o->err[r.err_len] = 0;
    o->err_len = r.err_len;
    o->status = r.status;
    vos_result_free(&r);
    test_vm_free(vm);
    take_request(s, o);
    unbound(o->out, o->out_len);
}

static void outcome_free(outcome *o)
{
    free(o->out);
    free(o->err);
    free(o->req);
}

/* Run "curl ARGS" (@U: the http server, @S: the https one) both ways; count mismatches. */
static int same_as_curl(const char *dir, server *s, server *tls, const char *ca, const char *args0)
{
    char *args = expand(args0, s, tls);
    outcome h = {0}, v = {0};
    run_host(dir, args, ca, s, &h);
    run_vos(args, s, tls, ca, &v);
    int bad = 0;
    struct {
        const char *what, *a, *b;
        size_t al, bl;
    } cmp[] = {{"stdout", h.out, v.out, h.out_len, v.out_len},
               {"stderr", h.err, v.err, h.err_len, v.err_len},
               {"request", h.req, v.req, h.req_len, v.req_len}};
    for (int i = 0; i < 3; i++) {
        if (cmp[i].al == cmp[i].bl && !memcmp(cmp[i].a, cmp[i].b, cmp[i].al)) continue;
        fprintf(stderr, "  curl %s: %s differs (%zu, %zu bytes)\n    curl: [%s]\n    vos:  [%s]\n",
                args0, cmp[i].what, cmp[i].al, cmp[i].bl, cmp[i].a, cmp[i].b);
        bad++;
    }
    if (h.status != v.status) {
        fprintf(stderr, "  curl %s: status curl %d, vos %d\n", args0, h.status, v.status);
        bad++;
    }
    outcome_free(&h);
    outcome_free(&v);
    free(args);
    return bad;
}

static char *make_dir(void)
{
    char *dir = strdup("/tmp/vos-net-XXXXXX");
    ASSERT(mkdtemp(dir) != NULL);
    for (int i = 0; g_files[i][0]; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, g_files[i][0]);
        FILE *f = fopen(p, "wb");
        fwrite(g_files[i][1], 1, strlen(g_files[i][1]), f);
        fclose(f);
    }
    return dir;
}

static void rm_dir(char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ASSERT(system(cmd) == 0);
    free(dir);
}

TEST(net_curl_flags_same_as_real_curl)
{
    ASSERT(access("/usr/bin/curl", X_OK) == 0);
    server *s = server_start();
    char *dir = make_dir();
    static const char *const cases[] = {
        "-s @U/raw",
        "-s -i @U/raw",
        "-s -I @U/raw",
        "-s -I -i @U/raw",
        "-s -d a=1 -d b=2 @U/raw",
        "-s --data-raw @d.txt @U/raw",
        "-s --data-binary @d.txt @U/raw",
        "-s -d @d.txt @U/raw",
        "-s --data-urlencode 'q=a b&c' --data-urlencode @d.txt -G @U/raw",
        "-s -G -d x=1 -d y=2 '@U/raw?z=0'",
        "-s -X PUT -d x @U/raw",
        "-s -u 'user:pa:ss' @U/raw",
        "-s -u user: @U/raw",
        "-s -A agent/1 -e http://ref.example/ @U/raw",
        "-s -H 'X-A: 1' -H 'Accept: text/plain' -H 'User-Agent:' @U/raw",
        "-s -F a=b -F f=@d.txt -F 'g=@d.txt;type=text/x;filename=z.txt' -F 'h=<d.txt' @U/raw",
        "-s -F f=@pic.png -F 'v=x;type=text/y' --form-string 'w=@not;a=file' @U/raw",
        "-s -F a=@missing @U/raw",
        "--no-progress-meter -F a=@missing @U/raw",
        "--no-progress-meter -F 'a=b;zz' @U/raw",
        "-F ab @U/raw",
        "-d x -F a=b @U/raw",
        "-I -d x @U/raw",
        "-I -F a=b @U/raw",
        "-s -b 'a=1; b=2' @U/raw",
        "-s -b cookies.txt @U/raw",
        "-s -b nonexistent.txt -c - @U/cookies",
        "-s -b cookies.txt -c - @U/cookies",
        "-s -b cookies.txt -c jar @U/cookies @U/raw",
        "-s -L -c - '@U/redir?to=/cookies'",
        "-s --compressed @U/gzip",
        "-s @U/gzip",
        "-s -o out -w '%{http_code} %{response_code} %{content_type} %{size_download} "
        "%{size_header} %{num_redirects} %{url_effective} %{url} %{method} %{exitcode} "
        "[%{errormsg}] %{http_version} %{scheme} %{num_headers} %{size_request} "
        "%{size_upload} %{urlnum} %{filename_effective} %{remote_ip} %{redirect_url} "
        "%header{x-a} [%header{x-empty}] %{num_connects} %{ssl_verify_result}\\n' @U/headers",
        "-s -w '%{stderr}err %{http_code}\\n%{stdout}out\\n' -o /dev/null @U/raw",
        "-s -w '%{http_code} %{redirect_url}\\n' '@U/redir?to=/hello'",
        "-s -L -w '%{http_code} %{num_redirects} %{url_effective}\\n' -d a=b '@U/redir?to=/raw'",
        "-s -w '%{unknownvar}\\n' @U/hello",
        "-s -f @U/status/404",
        "-sS -f @U/status/404",
        "--no-progress-meter -f @U/status/404",
        "-s --fail-with-body -w '%{http_code}' @U/status/503",
        "-s --retry 1 @U/flaky",
        "--no-progress-meter --retry 1 @U/flaky",
        "-s --retry 1 -o out -w '%{http_code}\\n' @U/flaky",
        "-s -o /dev/null -w '%{http_code}\\n' @U/status/201",
        "-s @U/hello @U/raw",
        "-s -O @U/hello -w '%{filename_effective}\\n'",
        "-s -i -L '@U/redir?to=/hello'",
        "-s -I -L '@U/redir?to=/hello'",
        "-s -L -F a=b '@U/redir?to=/raw'",
        "-s -o out -w '%{http_code} %{size_download}\\n' @U/status/404",
        "-sS -f -w '%{exitcode} %{errormsg}\\n' @U/nope",
        "-sS -L --max-redirs 0 '@U/redir?to=/hello'",
        "-s -H 'Content-Type: text/plain' -d x @U/raw",
        "-s -X POST @U/raw",
        "-s -d '' @U/raw",
        "-s --data-urlencode '=a b' --data-urlencode 'name@d.txt' @U/raw",
        "-s -H 'Cookie: c=1' -b 'a=1' @U/raw",
        "-s -u a:b -H 'Authorization: Bearer x' @U/raw",
        "-s -G -d 'x=%4A%4a%zz' --data-urlencode 'n=a\nb' '@U/raw?q=%4A'",
        "-sS -G -d 'x=a b' @U/raw",
        "-sf --retry 1 -w '%{http_code}\\n' @U/flaky",
        "-s --retry 1 -c - -b cookies.txt @U/flaky",
        NULL};
    int bad = 0;
    for (int i = 0; cases[i]; i++) bad += same_as_curl(dir, s, NULL, NULL, cases[i]);
    ASSERT_EQ(bad, 0);
    rm_dir(dir);
    server_stop(s);
}

/* ---- https: a TLS server with a certificate made now by the openssl program ---- */

typedef struct tls_env {
    char *dir;
    char cert[600], key[600];
} tls_env;

static void tls_env_new(tls_env *t)
{
    ASSERT(access("/usr/bin/openssl", X_OK) == 0);
    t->dir = make_dir();
    snprintf(t->cert, sizeof t->cert, "%s/cert.pem", t->dir);
    snprintf(t->key, sizeof t->key, "%s/key.pem", t->dir);
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 2>/dev/null",
             t->key, t->cert);
    ASSERT(system(cmd) == 0);
}

static server *tls_server(const tls_env *t)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ASSERT(ctx != NULL);
    ASSERT(SSL_CTX_use_certificate_file(ctx, t->cert, SSL_FILETYPE_PEM) == 1);
    ASSERT(SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) == 1);
    return server_start_tls(ctx);
}

static vos_vm *tls_vm(server *s, const char *ca, int insecure, char *origin, size_t on)
{
    snprintf(origin, on, "https://127.0.0.1:%d", s->port);
    static vos_net_rule rule;
    memset(&rule, 0, sizeof rule);
    rule.origin = origin;
    rule.outcome = VOS_POLICY_ALLOW;
    rule.address = "127.0.0.1";
    rule.insecure = insecure;
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.net_rules = &rule;
    cfg.n_net_rules = 1;
    cfg.net_ca_file = ca;
    return test_vm_new_cfg(&cfg);
}

TEST(net_https_with_the_configured_ca)
{
    tls_env t;
    tls_env_new(&t);
    server *s = tls_server(&t);
    char o[100], sc[600];
    vos_vm *vm = tls_vm(s, t.cert, 0, o, sizeof o);
    snprintf(sc, sizeof sc, "curl -sS %s/hello; wget -q -O - %s/hello", o, o);
    ASSERT_EXEC(vm, sc, "hello\nhello\n", 0);
    test_vm_free(vm);
    /* the same bytes as the real curl trusting the same CA (s serves both @U and @S here) */
    int bad = same_as_curl(t.dir, s, s, t.cert, "-s @S/raw");
    bad += same_as_curl(t.dir, s, s, t.cert,
                        "-s -o /dev/null -w '%{scheme} %{ssl_verify_result} %{http_code}\\n' @S/raw");
    /* a CA the server's certificate does not chain to: curl's (60), as the real curl */
    bad += same_as_curl(t.dir, s, s, "/etc/ssl/certs/ca-certificates.crt", "-sS @S/raw");
    ASSERT_EQ(bad, 0);
    server_stop(s);
    rm_dir(t.dir);
}

TEST(net_https_insecure_only_where_the_rule_allows)
{
    tls_env t;
    tls_env_new(&t);
    server *s = tls_server(&t);
    char o[100], sc[600];
    /* no CA for this certificate, -k refused by the rule: no connection is made */
    vos_vm *vm = tls_vm(s, NULL, 0, o, sizeof o);
    snprintf(sc, sizeof sc,
             "curl -sSk %s/hello; echo rc=$?; wget -q --no-check-certificate -O - %s/hello;"
             " echo rc=$?", o, o);
    vos_result r;
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=7\nrc=4\n");
    char want[800];
    snprintf(want, sizeof want,
             "curl: (7) Blocked by the VM's network policy: net rule 1 (%s) does not allow "
             "skipping the certificate check (--insecure) for %s/hello\n"
             "wget: Blocked by the VM's network policy: net rule 1 (%s) does not allow "
             "skipping the certificate check (--insecure) for %s/hello\n", o, o, o, o);
    ASSERT_STR(r.err, want);
    vos_result_free(&r);
    ASSERT_EQ(atomic_load(&s->accepts), 0);
    /* without -k the certificate is checked, and fails */
    snprintf(sc, sizeof sc, "curl -sS %s/hello; echo rc=$?", o);
    run(vm, sc, &r);
    ASSERT_STR(r.out, "rc=60\n");
    ASSERT(strstr(r.err, "curl: (60) SSL certificate problem") == r.err);
    vos_result_free(&r);
    /* -k to a plain http origin is no request for insecure TLS: curl ignores it there */
    test_vm_free(vm);
    /* a rule that allows it */
    vm = tls_vm(s, NULL, 1, o, sizeof o);
    snprintf(sc, sizeof sc, "curl -sk %s/hello; wget -q --no-check-certificate -O - %s/hello", o,
             o);
    ASSERT_EXEC(vm, sc, "hello\nhello\n", 0);
    test_vm_free(vm);
    server_stop(s);
    rm_dir(t.dir);
}

TEST(net_https_from_a_json_policy)
{
    tls_env t;
    tls_env_new(&t);
    server *s = tls_server(&t);
    char json[2000], err[200];
    snprintf(json, sizeof json,
             "{\"network\": [{\"origin\": \"https://127.0.0.1:%d\", \"address\": \"127.0.0.1\","
             " \"path_prefix\": \"/hello\", \"insecure\": false}],"
             " \"network_ca_file\": \"%s\"}", s->port, t.cert);
    vos_policy *pol = NULL;
    ASSERT_OK(vos_policy_parse_json(json, strlen(json), &pol, err, sizeof err));
    vos_config cfg;
    vos_config_init(&cfg);
    vos_policy_apply(pol, &cfg);
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_policy_free(pol);
    char sc[300];
    snprintf(sc, sizeof sc, "curl -sS https://127.0.0.1:%d/hello; curl -sk https://127.0.0.1:%d/hello;"
             " echo rc=$?", s->port, s->port);
    ASSERT_EXEC(vm, sc, "hello\nrc=7\n", 0);
    test_vm_free(vm);
    snprintf(json, sizeof json, "{\"network\": [{\"origin\": \"*\", \"insecure\": 1}]}");
    ASSERT(vos_policy_parse_json(json, strlen(json), &pol, err, sizeof err) == VOS_EINVAL);
    ASSERT_STR(err, "1:42: expected true or false");
    server_stop(s);
    rm_dir(t.dir);
}

/* ---- the CLI (the vos binary next to this test binary; skipped when it is not built) ---- */

static bool vos_cli_path(char *buf, size_t n)
{
    ssize_t l = readlink("/proc/self/exe", buf, n - 8);
    if (l <= 0) return false;
    buf[l] = 0;
    char *s = strrchr(buf, '/');
    if (!s) return false;
    strcpy(s + 1, "vos");
    return access(buf, X_OK) == 0;
}

/* stdout and stderr of `vos ARGS` (stderr after stdout), and its status */
static char *vos_cli(const char *vos, const char *args, int *status)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/tmp/vos-net-cli-err.$$ </dev/null; st=$?;"
             " cat /tmp/vos-net-cli-err.$$; rm -f /tmp/vos-net-cli-err.$$; exit $st", vos, args);
    FILE *f = popen(cmd, "r");
    ASSERT(f);
    char *out = calloc(1, 65536);
    size_t n = fread(out, 1, 65535, f);
    out[n] = 0;
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

TEST(net_cli_policy_allow_net_and_demo_tools)
{
    char vos[4096];
    if (!vos_cli_path(vos, sizeof vos)) return;
    server *s = server_start();
    char *dir = make_dir();
    char file[600], args[3000];
    snprintf(file, sizeof file, "%s/p.json", dir);
    FILE *f = fopen(file, "w");
    ASSERT(f);
    fprintf(f, "{\"network\": [{\"origin\": \"http://127.0.0.1:%d\", \"address\": \"127.0.0.1\","
               " \"headers\": {\"X-Secret\": \"%s\"}}]}\n", s->port, SECRET);
    fclose(f);
    /* the policy file's rule: the request goes out with the credential the VM never sees */
    snprintf(args, sizeof args,
             "--policy '%s' -c 'curl -sv http://127.0.0.1:%d/echo | tr \"|\" \"\\n\" | grep -i "
             "secret; env'",
             file, s->port);
    int st;
    char *out = vos_cli(vos, args, &st);
    ASSERT_EQ(st, 0);
    ASSERT(strstr(out, "X-Secret: ####") != NULL);
    ASSERT(strstr(out, SECRET) == NULL);
    free(out);
    pthread_mutex_lock(&s->mu);
    ASSERT(strstr(s->last, "X-Secret: " SECRET "\r\n") != NULL);
    pthread_mutex_unlock(&s->mu);
    int before = atomic_load(&s->accepts);
    /* --allow-net names an origin but no address: loopback stays refused, nothing connects */
    snprintf(args, sizeof args, "--allow-net http://127.0.0.1:%d -c 'curl -sS http://127.0.0.1:%d/hello'",
             s->port, s->port);
    out = vos_cli(vos, args, &st);
    ASSERT_EQ(st, 7);
    char want[300];
    snprintf(want, sizeof want,
             "curl: (7) Blocked by the VM's network policy: 127.0.0.1 is a loopback address "
             "(http://127.0.0.1:%d/hello)\n", s->port);
    ASSERT_STR(out, want);
    free(out);
    /* no rule at all */
    snprintf(args, sizeof args, "-c 'wget -q -O - http://127.0.0.1:%d/hello; echo $?'", s->port);
    out = vos_cli(vos, args, &st);
    snprintf(want, sizeof want,
             "4\nwget: Blocked by the VM's network policy: no network rule allows GET "
             "http://127.0.0.1:%d/hello\n", s->port);
    ASSERT_STR(out, want);
    free(out);
    ASSERT_EQ(atomic_load(&s->accepts), before);
    /* host tools in the CLI: the demo collection's flags, help, validation, failure */
    out = vos_cli(vos, "--demo-tools -c 'demo add --a 1 --b 2.5; demo echo --text hi --upper;"
                       " demo echo --json \"{\\\"text\\\":3}\"; echo rc=$?; demo fail; echo rc=$?;"
                       " demo --help | head -n 1'", &st);
    ASSERT_STR(out, "{\"ok\":true,\"result\":3.5}\n"
                    "{\"ok\":true,\"result\":{\"text\":\"hi\",\"upper\":true}}\n"
                    "rc=2\nrc=1\n"
                    "Usage: demo FUNCTION [--FLAG VALUE]... [--json JSON | --json-file FILE]\n"
                    "demo echo: --text: expected string, got number\n"
                    "Try 'demo echo --help' for more information.\n"
                    "demo fail: the demo tool failed, as asked\n");
    ASSERT_EQ(st, 0);
    free(out);
    rm_dir(dir);
    server_stop(s);
}
