/* netproxy.c: the network of escalated programs (docs/escalation.md). Their jail has a network
 * namespace of its own with only a loopback; on it the kernel listens (escalate.c makes the
 * socket) and the program finds the address in http_proxy/https_proxy. Each connection is
 * served by a VM process of its own, so it is seen, limited and ended like any other: it reads
 * one request head, decides it by the VM's network rules exactly as curl's requests are
 * decided (vk_net_decide: the rule, "ask" rules, the resolved address checked and pinned),
 * connects from the host to the checked address and relays bytes.
 *  - CONNECT host:port (https): a tunnel. Inside it is TLS between the program and the server,
 *    so only the origin is decided, only a rule for the whole origin opens one, and the rule's
 *    credential headers are not added.
 *  - GET http://host/path (plain http): one request per connection, decided on its method and
 *    path, sent on as origin-form with the rule's headers and "Connection: close"; only its
 *    Content-Length body follows it (a second request on the connection never reaches the
 *    server unchecked), then the response streams back until the server closes.
 * A refusal is an HTTP 403 whose body is the policy's reason; a name that does not resolve or
 * a failed connect is a 502. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/net_int.h"

#define HEAD_MAX 16384
#define HEAD_MS 60000    /* a client that sends no whole request head in this long is dropped */
#define CONNECT_MS 30000 /* as vk_http's connect timeout */
#define BUF 16384

/* Wait for fd to be ready for ev, up to ms (<0: no bound), answering the VM's checks: 1 ready,
 * 0 timed out, or vk_check's code. */
static int wait_fd(vk_proc *p, int fd, short ev, int64_t ms)
{
    int64_t end = ms < 0 ? INT64_MAX : vk_now_mono() + ms * 1000000;
    for (;;) {
        int c = vk_check(p);
        if (c < 0 && c != VOS_EINTR) return c;
        if (vk_now_mono() >= end) return 0;
        struct pollfd pf = {fd, ev, 0};
        vk_cpu_give();
        int n = poll(&pf, 1, 50);
        vk_cpu_ensure(p->vm);
        if (n > 0) return 1;
    }
}

static bool send_all(vk_proc *p, int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(p, fd, POLLOUT, -1) <= 0) return false;
            continue;
        }
        if (w <= 0) return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

/* An answer of the proxy's own: status, and the reason as a text body. */
static void answer(vk_proc *p, int fd, int code, const char *what, const char *why)
{
    char msg[2048];
    int bl = snprintf(msg, sizeof msg, "vos: %s\n", why);
    if (bl < 0 || (size_t)bl >= sizeof msg) bl = (int)sizeof msg - 1;
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                      "Connection: close\r\n\r\n",
                      code, what, bl);
    if (send_all(p, fd, head, (size_t)hl)) send_all(p, fd, msg, (size_t)bl);
}

/* Connect to the checked address: the socket, or a negative errno-style code. */
static int connect_to(vk_proc *p, const vk_net_addr *a, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (a->v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        memcpy(&s6->sin6_addr, a->a, 16);
        len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        memcpy(&s4->sin_addr, a->a, 4);
        len = sizeof *s4;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return -e;
    }
    int r = wait_fd(p, fd, POLLOUT, CONNECT_MS);
    int err = 0;
    socklen_t el = sizeof err;
    if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) return fd;
    close(fd);
    return r == 0 ? -ETIMEDOUT : r < 0 ? r : -(err ? err : ECONNREFUSED);
}

/* One direction of a relay. */
typedef struct dir {
    int from, to;
    char buf[BUF];
    size_t len, off;
    bool eof;          /* from has ended (or this direction has no more to carry) */
    bool shut;         /* to has been told (shutdown write) */
    uint64_t left;     /* bytes still to carry (UINT64_MAX: until EOF) */
    uint64_t moved;
    int status;        /* the server's side: the response's status, once seen */
} dir;

/* Carry bytes both ways until both directions end, the server's side counted against the
 * VM's byte quota: 0, or a negative code (the quota, vk_check's). */
static int relay(vk_proc *p, dir *up, dir *down)
{
    dir *d[2] = {up, down};
    for (;;) {
        int c = vk_check(p);
        if (c < 0 && c != VOS_EINTR) return c;
        bool live = false;
        struct pollfd pf[4];
        int np = 0, idx[4];
        for (int i = 0; i < 2; i++) {
            dir *x = d[i];
            if (x->len > x->off) {
                pf[np] = (struct pollfd){x->to, POLLOUT, 0};
                idx[np++] = i + 2;
                live = true;
            } else if (!x->eof) {
                pf[np] = (struct pollfd){x->from, POLLIN, 0};
                idx[np++] = i;
                live = true;
            } else if (!x->shut) {
                shutdown(x->to, SHUT_WR);
                x->shut = true;
            }
        }
        if (!live) return 0;
        vk_cpu_give();
        int n = poll(pf, (nfds_t)np, 50);
        vk_cpu_ensure(p->vm);
        for (int k = 0; k < np && n > 0; k++) {
            if (!pf[k].revents) continue;
            dir *x = d[idx[k] & 1];
            if (idx[k] >= 2) {
                ssize_t w = send(x->to, x->buf + x->off, x->len - x->off, MSG_NOSIGNAL);
                if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (w <= 0) return 0; /* the other side went: nothing more to do */
                x->off += (size_t)w;
                if (x->off == x->len) x->off = x->len = 0;
                continue;
            }
            size_t want = sizeof x->buf;
            if (x->left < want) want = (size_t)x->left;
            ssize_t r = want ? recv(x->from, x->buf, want, 0) : 0;
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) {
                x->eof = true;
                continue;
            }
            if (x == down && !vk_net_take_bytes(p->vm, (uint64_t)r)) return VOS_EFBIG;
            if (x == down && !x->moved && r > 9 && !memcmp(x->buf, "HTTP/", 5)) {
                const char *sp = memchr(x->buf, ' ', (size_t)r);
                if (sp && sp + 4 <= x->buf + r) x->status = atoi(sp + 1);
            }
            x->len = (size_t)r;
            x->off = 0;
            x->moved += (uint64_t)r;
            if (x->left != UINT64_MAX) x->left -= (uint64_t)r;
            if (!x->left) x->eof = true;
        }
    }
}

/* Does the header line l (no CRLF) name one of these? */
static bool hdr_is(const char *l, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n > k && l[k] == ':' && !strncasecmp(l, name, k);
}

typedef struct conn {
    int fd;
    char head[HEAD_MAX];
    size_t hlen;  /* bytes read */
    size_t hend;  /* end of the head (after the blank line) */
} conn;

/* Read the request head: true when whole. */
static bool read_head(vk_proc *p, conn *cn)
{
    int64_t end = vk_now_mono() + (int64_t)HEAD_MS * 1000000;
    while (cn->hlen < sizeof cn->head - 1) {
        int64_t left = (end - vk_now_mono()) / 1000000;
        if (left <= 0 || wait_fd(p, cn->fd, POLLIN, left) != 1) return false;
        ssize_t r = recv(cn->fd, cn->head + cn->hlen, sizeof cn->head - 1 - cn->hlen, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) return false;
        cn->hlen += (size_t)r;
        cn->head[cn->hlen] = 0;
        char *e = strstr(cn->head, "\r\n\r\n");
        if (e) {
            cn->hend = (size_t)(e + 4 - cn->head);
            return true;
        }
    }
    answer(p, cn->fd, 431, "Request Header Fields Too Large", "the request head is too large");
    return false;
}

/* Serve one connection: a VM process. */
static int serve(vk_proc *p, void *arg)
{
    conn *cn = arg;
    /* hold none of the VM's files: a reader of the program's output must see its EOF */
    for (int fd = 0; fd < p->nfds; fd++)
        if (vk_fd_valid(p, fd)) vk_close(p, fd);
    int up = -1;
    bool admitted = false;
    if (!read_head(p, cn)) goto out;

    /* the request line */
    char method[32], target[2048], version[16];
    const char *sp1 = memchr(cn->head, ' ', cn->hend);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', cn->hend - (size_t)(sp1 + 1 - cn->head)) : NULL;
    const char *eol = strstr(cn->head, "\r\n");
    if (!sp1 || !sp2 || sp2 > eol || (size_t)(sp1 - cn->head) >= sizeof method ||
        (size_t)(sp2 - sp1 - 1) >= sizeof target || (size_t)(eol - sp2 - 1) >= sizeof version) {
        answer(p, cn->fd, 400, "Bad Request", "not an HTTP proxy request");
        goto out;
    }
    snprintf(method, sizeof method, "%.*s", (int)(sp1 - cn->head), cn->head);
    snprintf(target, sizeof target, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
    snprintf(version, sizeof version, "%.*s", (int)(eol - sp2 - 1), sp2 + 1);
    bool tunnel = !strcmp(method, "CONNECT");
    char url[2100];
    if (tunnel) {
        /* host:port, an IPv6 address in brackets */
        const char *colon = strrchr(target, ':');
        if (!colon || colon == target || !colon[1] || strchr(target, '/') ||
            strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
            answer(p, cn->fd, 400, "Bad Request", "CONNECT needs host:port");
            goto out;
        }
        snprintf(url, sizeof url, "https://%s/", target);
    } else if (!strncasecmp(target, "http://", 7)) {
        snprintf(url, sizeof url, "%s", target);
    } else {
        answer(p, cn->fd, 400, "Bad Request",
               "the proxy takes CONNECT host:port or an absolute http:// URL");
        goto out;
    }
    url_parts u;
    vk_http_res res;
    memset(&res, 0, sizeof res);
    if (vk_net_parse_url(url, &u, &res) < 0) {
        answer(p, cn->fd, 400, "Bad Request", res.err);
        goto out;
    }
    if (tunnel) snprintf(url, sizeof url, "%s://%s:%d", u.scheme, u.host, u.port);

    /* the request's own headers (plain http): its body length, nothing chunked */
    uint64_t body = 0;
    if (!tunnel) {
        for (const char *l = eol + 2; l < cn->head + cn->hend - 2;) {
            const char *le = strstr(l, "\r\n");
            size_t n = (size_t)(le - l);
            if (hdr_is(l, n, "Content-Length")) body = strtoull(l + 15, NULL, 10);
            if (hdr_is(l, n, "Transfer-Encoding")) {
                answer(p, cn->fd, 411, "Length Required",
                       "a request body through the proxy needs a Content-Length");
                goto out;
            }
            l = le + 2;
        }
    }

    /* the decision, the quotas, the connection */
    vk_net_addr pin;
    bool literal;
    const vos_net_rule *rule = NULL;
    char rulename[400];
    int64_t t0 = vk_now_mono();
    int rc = vk_net_decide(p, &u, url, method, tunnel ? VK_NET_TUNNEL : 0, &res, &pin, &literal,
                           &rule, rulename, sizeof rulename);
    if (rc == 0) rc = vk_net_admit(p, url, method, &res);
    if (rc == VOS_EACCES) {
        answer(p, cn->fd, 403, "Forbidden", res.err);
        goto out;
    }
    if (rc < 0) {
        answer(p, cn->fd, 502, "Bad Gateway", res.err[0] ? res.err : "the request failed");
        goto out;
    }
    admitted = true;
    up = connect_to(p, &pin, u.port);
    if (up < 0) {
        char why[400];
        snprintf(why, sizeof why, "Failed to connect to %s port %d: %s", u.host, u.port,
                 strerror(-up));
        answer(p, cn->fd, 502, "Bad Gateway", why);
        goto out;
    }
    dir *a = vk_malloc(p, sizeof *a), *b = vk_malloc(p, sizeof *b);
    if (!a || !b) goto out;
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    a->from = cn->fd;
    a->to = up;
    b->from = up;
    b->to = cn->fd;
    a->left = b->left = UINT64_MAX;
    if (tunnel) {
        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        if (!send_all(p, cn->fd, ok, sizeof ok - 1)) goto out;
    } else {
        /* origin-form, the client's headers but the proxy's own, the rule's, one request */
        size_t cap = cn->hend + 4096;
        for (size_t j = 0; rule && j < rule->n_headers; j++)
            cap += strlen(rule->headers[j].name) + strlen(rule->headers[j].value) + 4;
        char *h = vk_malloc(p, cap);
        if (!h) goto out;
        size_t n = (size_t)snprintf(h, cap, "%s %s %s\r\n", method, u.path, version);
        if (n >= cap) n = cap - 1;
        for (const char *l = eol + 2; l < cn->head + cn->hend - 2;) {
            const char *le = strstr(l, "\r\n");
            size_t ln = (size_t)(le - l);
            /* the Host is the URL's, which was decided (not another name on that server) */
            bool drop = hdr_is(l, ln, "Proxy-Connection") ||
                        hdr_is(l, ln, "Proxy-Authorization") || hdr_is(l, ln, "Connection") ||
                        hdr_is(l, ln, "Keep-Alive") || hdr_is(l, ln, "Host");
            for (size_t j = 0; rule && j < rule->n_headers && !drop; j++)
                drop = hdr_is(l, ln, rule->headers[j].name);
            if (!drop && n + ln + 2 < cap) {
                memcpy(h + n, l, ln);
                memcpy(h + n + ln, "\r\n", 2);
                n += ln + 2;
            }
            l = le + 2;
        }
        if (u.port == 80) n += (size_t)snprintf(h + n, cap - n, "Host: %s\r\n", u.host);
        else n += (size_t)snprintf(h + n, cap - n, "Host: %s:%d\r\n", u.host, u.port);
        for (size_t j = 0; rule && j < rule->n_headers; j++)
            n += (size_t)snprintf(h + n, cap - n, "%s: %s\r\n", rule->headers[j].name,
                                  rule->headers[j].value);
        n += (size_t)snprintf(h + n, cap - n, "Connection: close\r\n\r\n");
        bool sent = send_all(p, up, h, n);
        memset(h, 0, cap); /* it may hold a credential */
        vk_free(p, h);
        if (!sent) goto out;
        a->left = body;
        if (!body) a->eof = true;
        a->shut = true; /* no half-close after the body: some servers take it for an abort */
    }
    /* what the client sent past the head goes first (a body, or early tunnel bytes) */
    size_t extra = cn->hlen - cn->hend;
    if (extra > a->left) extra = (size_t)a->left;
    if (extra) {
        memcpy(a->buf, cn->head + cn->hend, extra);
        a->len = extra;
        if (a->left != UINT64_MAX) a->left -= extra;
        if (!a->left) a->eof = true;
    }
    relay(p, a, b);
    vk_net_audit(p, url, method, rulename, tunnel ? 200 : b->status, b->moved,
                 vk_now_mono() - t0);
    vk_free(p, a);
    vk_free(p, b);
out:
    if (admitted) vk_net_leave(p->vm);
    if (up >= 0) close(up);
    close(cn->fd);
    vk_free(p, cn);
    return 0;
}

/* The server: a VM process accepting connections, one VM process each. */
static int accept_loop(vk_proc *p, void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (int fd = 0; fd < p->nfds; fd++)
        if (vk_fd_valid(p, fd)) vk_close(p, fd);
    VK_LOCK(p->vm);
    snprintf(p->comm, sizeof p->comm, "vos-netproxy");
    VK_UNLOCK(p->vm);
    for (;;) {
        /* the connections that ended are reaped here (the VM reaps them once this ends) */
        int ws;
        while (vk_waitpid(p, -1, &ws, VK_WNOHANG) > 0) {}
        int r = wait_fd(p, lfd, POLLIN, 1000);
        if (r < 0) break;
        if (r == 0) continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) continue;
        vk_proc *c = NULL;
        conn *cn = NULL;
        if (vk_proc_new(p, &c) < 0 || !(cn = vk_malloc(c, sizeof *cn))) {
            if (c) vk_proc_discard(c);
            /* at the VM's process limit: the client sees the connection close */
            close(fd);
            continue;
        }
        memset(cn, 0, sizeof *cn);
        cn->fd = fd;
        if (vk_proc_start(c, serve, cn) < 0) close(fd); /* c and cn went with it */
    }
    close(lfd);
    return 0;
}

int vk_netproxy_start(vk_proc *p, int lfd)
{
    vk_proc *c = NULL;
    int rc = vk_proc_new(p, &c);
    if (rc < 0) {
        close(lfd);
        return rc;
    }
    vk_setpgid(c, 0); /* a group of its own, the connections' too: ended as one */
    int pid = vk_proc_start(c, accept_loop, (void *)(intptr_t)lfd);
    if (pid < 0) close(lfd);
    return pid;
}
