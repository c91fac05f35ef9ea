/* net.c: HTTP(S) requests for the VM (docs/network.md). Deny by default: a request goes out
 * only when the first network rule matching its origin, path and method allows it (or the
 * host says yes to an "ask" rule). The name is resolved once per hop by the host's resolver,
 * every answer must be a public address (or the rule's exact `address`), and libcurl connects
 * only to the checked address (CURLOPT_RESOLVE pins it, the open-socket callback verifies
 * it), so a second, different answer (DNS rebinding) never reaches a socket. Redirects are
 * followed here, hop by hop, each hop decided again. The rule's headers (credentials) go
 * only to the origin of the first hop and never back to the VM. https trusts the host's CA file
 * (vos_config.net_ca_file); skipping the check needs the rule's `insecure`. A request's cookie
 * engine (curl -b/-c) lives in a libcurl share for that one request; its lines come from and
 * go back to the caller, which keeps them in the VM's files. */
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "kernel/net_int.h"

#define DEFAULT_TIMEOUT_MS 300000
#define DEFAULT_CONNECT_MS 30000
#define MAX_ADDRS 16

typedef struct net_rule {
    vos_net_rule r;  /* strings below are owned copies */
} net_rule;

struct vk_net {
    net_rule *rules;
    size_t n;
    int (*resolve)(void *ud, const char *host, char (*addrs)[64], int max);
    void *resolve_ud;
    char *ca_file;                    /* https trust anchors, or NULL: libcurl's default */
    _Atomic uint64_t requests, bytes; /* over the VM's life (limits.net_requests/net_bytes) */
    _Atomic uint64_t conns;           /* transfers in progress (limits.net_conns) */
};

static char *xdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

int vk_net_init(vk_vm *vm, const vk_vm_config *cfg)
{
    /* host memory: the rules are the host's configuration, like the path rules' strings */
    struct vk_net *n = calloc(1, sizeof *n);
    if (!n) return VOS_ENOMEM;
    n->resolve = cfg->net_resolve;
    n->resolve_ud = cfg->net_resolve_ud;
    if (cfg->net_ca_file && !(n->ca_file = strdup(cfg->net_ca_file))) {
        free(n);
        return VOS_ENOMEM;
    }
    if (cfg->n_net_rules) {
        n->rules = calloc(cfg->n_net_rules, sizeof *n->rules);
        if (!n->rules) {
            free(n->ca_file);
            free(n);
            return VOS_ENOMEM;
        }
        n->n = cfg->n_net_rules;
        for (size_t i = 0; i < n->n; i++) {
            const vos_net_rule *s = &cfg->net_rules[i];
            vos_net_rule *d = &n->rules[i].r;
            d->origin = xdup(s->origin ? s->origin : "");
            d->path_prefix = xdup(s->path_prefix);
            d->methods = xdup(s->methods);
            d->outcome = s->outcome;
            d->address = xdup(s->address);
            d->insecure = s->insecure;
            if (s->n_headers) {
                vos_header *h = calloc(s->n_headers, sizeof *h);
                if (h) {
                    for (size_t j = 0; j < s->n_headers; j++) {
                        h[j].name = xdup(s->headers[j].name);
                        h[j].value = xdup(s->headers[j].value);
                    }
                    d->headers = h;
                    d->n_headers = s->n_headers;
                }
            }
        }
    }
    vm->net = n;
    return 0;
}

void vk_net_free(vk_vm *vm)
{
    struct vk_net *n = vm->net;
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) {
        vos_net_rule *d = &n->rules[i].r;
        free((char *)d->origin);
        free((char *)d->path_prefix);
        free((char *)d->methods);
        free((char *)d->address);
        for (size_t j = 0; j < d->n_headers; j++) {
            free((char *)d->headers[j].name);
            /* a credential: wipe it before the memory goes back */
            if (d->headers[j].value) {
                volatile char *v = (volatile char *)d->headers[j].value;
                while (*v) *v++ = 0;
            }
            free((char *)d->headers[j].value);
        }
        free((vos_header *)d->headers);
    }
    free(n->rules);
    free(n->ca_file);
    free(n);
    vm->net = NULL;
}

/* ---- matching ---- */


static int default_port(const char *scheme)
{
    return !strcasecmp(scheme, "https") ? 443 : 80;
}

/* "https://h", "http://h:8080", "*.h", "*": does it cover (scheme, host, port)? */
static bool origin_match(const char *o, const url_parts *u)
{
    if (!strcmp(o, "*")) return true;
    const char *sep = strstr(o, "://");
    if (!sep) return false;
    size_t sl = (size_t)(sep - o);
    if (sl != strlen(u->scheme) || strncasecmp(o, u->scheme, sl)) return false;
    const char *h = sep + 3;
    const char *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end) return false;
        end++;
    } else {
        end = h + strcspn(h, ":/");
    }
    size_t hl = (size_t)(end - h);
    int port = default_port(u->scheme);
    if (*end == ':') port = atoi(end + 1);
    if (port != u->port) return false;
    size_t ul = strlen(u->host);
    if (hl >= 2 && h[0] == '*' && h[1] == '.') {
        /* subdomains only: "*.example.com" covers "a.example.com", not "example.com" */
        return ul > hl - 1 && !strncasecmp(u->host + ul - (hl - 1), h + 1, hl - 1);
    }
    return hl == ul && !strncasecmp(h, u->host, hl);
}

static bool method_match(const char *list, const char *m)
{
    if (!list || !*list) return true;
    size_t ml = strlen(m);
    for (const char *s = list; *s;) {
        s += strspn(s, ", ");
        size_t l = strcspn(s, ", ");
        if (l == ml && !strncasecmp(s, m, l)) return true;
        s += l;
    }
    return false;
}

/* Index of the first rule matching, or -1. A tunnel (tunnel: CONNECT through the escalation
 * proxy) has no path or method to see: the first rule for its origin decides. */
static int find_rule(struct vk_net *n, const url_parts *u, const char *method, bool tunnel)
{
    for (size_t i = 0; n && i < n->n; i++) {
        const vos_net_rule *r = &n->rules[i].r;
        if (!origin_match(r->origin, u)) continue;
        if (tunnel) return (int)i;
        if (r->path_prefix && *r->path_prefix &&
            strncmp(u->path, r->path_prefix, strlen(r->path_prefix)))
            continue;
        if (!method_match(r->methods, method)) continue;
        return (int)i;
    }
    return -1;
}

int vk_net_parse_url(const char *url, url_parts *u, vk_http_res *res)
{
    memset(u, 0, sizeof *u);
    CURLU *h = curl_url();
    if (!h) return VOS_ENOMEM;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int rc = 0;
    CURLUcode uc = curl_url_set(h, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
    if (uc == CURLUE_OK) uc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
    if (uc == CURLUE_OK && strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
        res->code = 1;
        snprintf(res->err, sizeof res->err,
                 "Protocol \"%s\" not supported or disabled in libcurl", scheme);
        rc = VOS_EIO;
        goto out;
    }
    if (uc == CURLUE_OK) uc = curl_url_get(h, CURLUPART_HOST, &host, 0);
    if (uc != CURLUE_OK || !host || !*host) {
        res->code = 3;
        snprintf(res->err, sizeof res->err, "URL using bad/illegal format or missing URL");
        rc = VOS_EIO;
        goto out;
    }
    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(h, CURLUPART_PATH, &path, 0);
    curl_url_get(h, CURLUPART_QUERY, &query, 0);
    snprintf(u->scheme, sizeof u->scheme, "%s", scheme);
    for (char *c = u->scheme; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    snprintf(u->host, sizeof u->host, "%s", host);
    u->port = port ? atoi(port) : default_port(u->scheme);
    snprintf(u->path, sizeof u->path, "%s%s%s", path ? path : "/", query ? "?" : "",
             query ? query : "");
    snprintf(u->origin, sizeof u->origin, "%s://%s:%d", u->scheme, u->host, u->port);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(h);
    return rc;
}

/* ---- resolving ---- */

static int default_resolve(const char *host, char (*addrs)[64], int max)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &ai) != 0) return 0;
    int n = 0;
    for (struct addrinfo *a = ai; a && n < max; a = a->ai_next) {
        char buf[64];
        if (getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, NULL, 0, NI_NUMERICHOST))
            continue;
        snprintf(addrs[n++], 64, "%s", buf);
    }
    freeaddrinfo(ai);
    return n;
}

/* ---- the transfer ---- */

typedef struct hop {
    vk_proc *p;
    const vk_http_cb *cb;
    vk_http_res *res;
    vk_net_addr pin;
    bool follow;
    long status;          /* from the status line of the response being read */
    bool has_location;
    bool skip_body;       /* a redirect we follow: its body is not the answer */
    int cb_err;
    uint64_t body_bytes;
    uint64_t header_bytes;
    struct vk_net *net;
    uint64_t max_bytes;
    bool over_quota;
    struct cookie_order *order;
} hop;

/* The order cookies were made in (loaded, then Set-Cookie by Set-Cookie), by name: libcurl's
 * cookie list comes out in hash order, curl writes its jar newest first. */
#define MAX_COOKIES 1000
typedef struct cookie_order {
    char *names[MAX_COOKIES];
    int n;
} cookie_order;

static void order_note(cookie_order *o, const char *name, size_t len)
{
    if (!o || o->n >= MAX_COOKIES || !len) return;
    for (int i = 0; i < o->n; i++)
        if (strlen(o->names[i]) == len && !memcmp(o->names[i], name, len)) return;
    char *d = malloc(len + 1);
    if (!d) return;
    memcpy(d, name, len);
    d[len] = 0;
    o->names[o->n++] = d;
}

static int order_of(const cookie_order *o, const char *name, size_t len)
{
    for (int i = 0; i < o->n; i++)
        if (strlen(o->names[i]) == len && !memcmp(o->names[i], name, len)) return i;
    return o->n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    hop *h = ud;
    size_t n = size * nmemb;
    h->header_bytes += n;
    if (n > 5 && !strncmp(data, "HTTP/", 5)) {
        const char *sp = memchr(data, ' ', n);
        h->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        h->has_location = false;
    } else if (n > 9 && !strncasecmp(data, "location:", 9)) {
        h->has_location = true;
    } else if (n > 11 && !strncasecmp(data, "set-cookie:", 11)) {
        const char *v = data + 11, *e = data + n;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        const char *eq = memchr(v, '=', (size_t)(e - v));
        if (eq) {
            const char *ne = eq;
            while (ne > v && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
            order_note(h->order, v, (size_t)(ne - v));
        }
    } else if ((n == 2 && data[0] == '\r') || (n == 1 && data[0] == '\n')) {
        h->skip_body = h->follow && h->has_location && h->status >= 300 && h->status < 400 &&
                       h->status != 304;
    }
    if (h->cb && h->cb->header) {
        int rc = h->cb->header(h->cb->ud, data, n);
        if (rc < 0) {
            h->cb_err = rc;
            return 0;
        }
    }
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    hop *h = ud;
    size_t n = size * nmemb;
    if (h->skip_body) return n;
    if (atomic_fetch_add(&h->net->bytes, n) + n > h->max_bytes) {
        h->over_quota = true;
        return 0;
    }
    h->body_bytes += n;
    if (h->cb && h->cb->body) {
        int rc = h->cb->body(h->cb->ud, data, n);
        if (rc < 0) {
            h->cb_err = rc;
            return 0;
        }
    }
    return n;
}

/* The last guard: a socket opens only to the address that was checked. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *sa)
{
    hop *h = ud;
    (void)purpose;
    bool ok = false;
    if (sa->family == AF_INET && !h->pin.v6) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa->addr;
        ok = !memcmp(&in->sin_addr, h->pin.a, 4);
    } else if (sa->family == AF_INET6 && h->pin.v6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa->addr;
        ok = !memcmp(&in6->sin6_addr, h->pin.a, 16);
    }
    if (!ok) return CURL_SOCKET_BAD;
    return socket(sa->family, sa->socktype, sa->protocol);
}

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static bool same_name(const char *line, const char *name)
{
    size_t l = strcspn(line, ":;");
    return l == strlen(name) && !strncasecmp(line, name, l);
}

static void denied(vk_proc *p, vk_http_res *res, const char *url, const char *method,
                   const char *rule, const char *fmt, const char *a, const char *b)
{
    res->denied = true;
    res->code = 7;
    char why[400];
    snprintf(why, sizeof why, fmt, a, b);
    snprintf(res->err, sizeof res->err, "Blocked by the VM's network policy: %s", why);
    vos_audit_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VOS_AUDIT_DENIED;
    ev.kind = VOS_REQ_NET;
    ev.subject = url;
    ev.detail = method;
    ev.rule = rule;
    ev.pid = p->pid;
    vk_audit(p->vm, &ev);
}

/* The name of a cookie line (Netscape file format or "Set-Cookie: n=v"), or len 0 */
static const char *cookie_line_name(const char *l, size_t *len)
{
    *len = 0;
    if (!strncasecmp(l, "Set-Cookie:", 11)) {
        l += 11;
        while (*l == ' ' || *l == '\t') l++;
        *len = strcspn(l, "=;");
        return l;
    }
    if (*l == '#' && strncmp(l, "#HttpOnly_", 10)) return l;
    for (int f = 0; f < 5; f++) {
        const char *t = strchr(l, '\t');
        if (!t) return l;
        l = t + 1;
    }
    *len = strcspn(l, "\t");
    return l;
}

/* Start the cookie engine of a request: a share every hop's handle uses, loaded with the
 * VM's cookie lines. */
static CURLSH *cookies_start(const char *lines, cookie_order *order)
{
    CURLSH *sh = curl_share_init();
    if (!sh) return NULL;
    curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    CURL *t = curl_easy_init();
    if (!t) {
        curl_share_cleanup(sh);
        return NULL;
    }
    curl_easy_setopt(t, CURLOPT_SHARE, sh);
    curl_easy_setopt(t, CURLOPT_COOKIEFILE, "");
    char line[8192];
    int count = 0;
    for (const char *l = lines ? lines : ""; *l && count < MAX_COOKIES;) {
        size_t n = strcspn(l, "\n");
        size_t m = n;
        while (m && l[m - 1] == '\r') m--;
        if (m && m < sizeof line) {
            memcpy(line, l, m);
            line[m] = 0;
            size_t nl;
            const char *nm = cookie_line_name(line, &nl);
            if (nl) {
                order_note(order, nm, nl);
                curl_easy_setopt(t, CURLOPT_COOKIELIST, line);
                count++;
            }
        }
        l += n + (l[n] == '\n');
    }
    curl_easy_cleanup(t);
    return sh;
}

/* Hand the engine's cookies to the caller, oldest first, and end the engine. */
static void cookies_end(CURLSH *sh, cookie_order *order, const vk_http_cb *cb)
{
    CURL *t = cb && cb->cookie ? curl_easy_init() : NULL;
    if (t) {
        struct curl_slist *list = NULL;
        curl_easy_setopt(t, CURLOPT_SHARE, sh);
        curl_easy_getinfo(t, CURLINFO_COOKIELIST, &list);
        size_t n = 0;
        for (struct curl_slist *c = list; c; c = c->next) n++;
        struct curl_slist **v = n ? calloc(n, sizeof *v) : NULL;
        int *rank = n ? calloc(n, sizeof *rank) : NULL;
        if (v && rank) {
            size_t i = 0;
            for (struct curl_slist *c = list; c; c = c->next, i++) {
                size_t nl;
                const char *nm = cookie_line_name(c->data, &nl);
                int r = order_of(order, nm, nl);
                /* insertion sort by rank, stable */
                size_t j = i;
                for (; j > 0 && rank[j - 1] > r; j--) {
                    v[j] = v[j - 1];
                    rank[j] = rank[j - 1];
                }
                v[j] = c;
                rank[j] = r;
            }
            for (i = 0; i < n; i++) cb->cookie(cb->ud, v[i]->data);
        }
        free(v);
        free(rank);
        curl_slist_free_all(list);
        curl_easy_cleanup(t);
    }
    curl_share_cleanup(sh);
    for (int i = 0; i < order->n; i++) free(order->names[i]);
    free(order);
}

static curl_mime *make_mime(CURL *e, const vk_http_req *rq)
{
    curl_mime *mime = curl_mime_init(e);
    if (!mime) return NULL;
    for (size_t i = 0; i < rq->n_parts; i++) {
        const vk_http_part *pt = &rq->parts[i];
        curl_mimepart *mp = curl_mime_addpart(mime);
        if (!mp) break;
        curl_mime_name(mp, pt->name);
        curl_mime_data(mp, pt->len ? pt->data : "", pt->len);
        if (pt->filename) curl_mime_filename(mp, pt->filename);
        if (pt->type) curl_mime_type(mp, pt->type);
        if (pt->n_headers) {
            struct curl_slist *hl = NULL;
            for (size_t j = 0; j < pt->n_headers; j++) hl = curl_slist_append(hl, pt->headers[j]);
            curl_mime_headers(mp, hl, 1);
        }
    }
    return mime;
}

/* Run one prepared easy handle to its end, polling vk_check; the CPU token goes back while
 * waiting for the network. Returns 0 or vk_check's code. */
static int run_handle(vk_proc *p, CURL *e, CURLcode *out)
{
    CURLM *m = curl_multi_init();
    if (!m) return VOS_ENOMEM;
    curl_multi_add_handle(m, e);
    int rc = 0;
    *out = CURLE_OK;
    for (;;) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc != CURLM_OK) {
            *out = CURLE_OUT_OF_MEMORY;
            break;
        }
        if (!running) break;
        int c = vk_check(p);
        if (c < 0 && c != VOS_EINTR) {
            rc = c;
            break;
        }
        vk_cpu_give();
        curl_multi_poll(m, NULL, 0, 50, NULL);
        vk_cpu_ensure(p->vm);
    }
    int q;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &q)))
        if (msg->msg == CURLMSG_DONE) *out = msg->data.result;
    curl_multi_remove_handle(m, e);
    curl_multi_cleanup(m);
    return rc;
}

/* ---- the decision ---- */

int vk_net_decide(vk_proc *p, const url_parts *u, const char *url, const char *method,
                  unsigned flags, vk_http_res *res, vk_net_addr *pin, bool *literal,
                  const vos_net_rule **rule_out, char *rulename, size_t rn)
{
    struct vk_net *net = p->vm->net;
    bool tunnel = flags & VK_NET_TUNNEL;
    snprintf(rulename, rn, "%s", "");
    /* the rule */
    int ri = find_rule(net, u, method, tunnel);
    if (ri < 0) {
        char what[2200];
        snprintf(what, sizeof what, "%s %s", method, url);
        denied(p, res, url, method, "", "no network rule allows %s%s", what, "");
        return VOS_EACCES;
    }
    const vos_net_rule *rule = &net->rules[ri].r;
    *rule_out = rule;
    snprintf(rulename, rn, "net rule %d (%s)", ri + 1, rule->origin);
    if (tunnel && rule->outcome != VOS_POLICY_DENY &&
        ((rule->path_prefix && *rule->path_prefix && strcmp(rule->path_prefix, "/")) ||
         (rule->methods && *rule->methods))) {
        /* inside the tunnel (TLS) neither can be checked: only a rule for the whole origin
         * opens one */
        denied(p, res, url, method, rulename,
               "%s limits paths or methods, which a tunnel (CONNECT) cannot check: %s", rulename,
               url);
        return VOS_EACCES;
    }
    if (rule->outcome == VOS_POLICY_ASK) {
        vos_request q;
        memset(&q, 0, sizeof q);
        q.struct_size = sizeof q;
        q.kind = VOS_REQ_NET;
        q.subject = url;
        q.detail = method;
        q.rule = rulename;
        if (vk_ask(p, &q) != VOS_POLICY_ALLOW) {
            denied(p, res, url, method, rulename, "%s was not allowed by the host (%s)", url,
                   rulename);
            return VOS_EACCES;
        }
    } else if (rule->outcome != VOS_POLICY_ALLOW) {
        denied(p, res, url, method, rulename, "%s denies %s", rulename, url);
        return VOS_EACCES;
    }
    bool tls = !strcmp(u->scheme, "https");
    if ((flags & VK_NET_INSECURE) && tls && !rule->insecure) {
        denied(p, res, url, method, rulename,
               "%s does not allow skipping the certificate check (--insecure) for %s", rulename,
               url);
        return VOS_EACCES;
    }
    vk_net_addr rule_addr;
    bool has_rule_addr = rule->address && vk_net_parse_addr(rule->address, &rule_addr) == 0;

    /* the address: a literal, or the resolver's answers, each one checked */
    *literal = vk_net_parse_addr(u->host, pin) == 0;
    if (*literal) {
        const char *cls = vk_net_class(pin);
        if (cls && !(has_rule_addr && !memcmp(rule_addr.a, pin->a, 16) &&
                     rule_addr.v6 == pin->v6)) {
            char a[300];
            snprintf(a, sizeof a, "%s is %s %s address", pin->text,
                     strchr("aeiouAEIOU", cls[0]) ? "an" : "a", cls);
            denied(p, res, url, method, rulename, "%s (%s)", a, url);
            return VOS_EACCES;
        }
        return 0;
    }
    const char *ncls = vk_net_name_class(u->host);
    if (ncls) {
        denied(p, res, url, method, rulename, "%s is a %s name", u->host, ncls);
        return VOS_EACCES;
    }
    char addrs[MAX_ADDRS][64];
    vk_cpu_give();
    int na = net->resolve ? net->resolve(net->resolve_ud, u->host, addrs, MAX_ADDRS)
                          : default_resolve(u->host, addrs, MAX_ADDRS);
    vk_cpu_ensure(p->vm);
    if (na <= 0) {
        res->code = 6;
        snprintf(res->err, sizeof res->err, "Could not resolve host: %s", u->host);
        return VOS_EIO;
    }
    if (na > MAX_ADDRS) na = MAX_ADDRS;
    for (int i = 0; i < na; i++) {
        vk_net_addr a;
        const char *cls = vk_net_parse_addr(addrs[i], &a) ? "invalid" : vk_net_class(&a);
        if (cls && has_rule_addr && !memcmp(rule_addr.a, a.a, 16) && rule_addr.v6 == a.v6)
            cls = NULL;
        if (cls) {
            char w[400];
            snprintf(w, sizeof w, "%s resolves to %s, %s %s address", u->host, a.text,
                     strchr("aeiouAEIOU", cls[0]) ? "an" : "a", cls);
            denied(p, res, url, method, rulename, "%s%s", w, "");
            return VOS_EACCES;
        }
        if (i == 0) *pin = a;
    }
    return 0;
}

int vk_net_admit(vk_proc *p, const char *url, const char *method, vk_http_res *res)
{
    struct vk_net *net = p->vm->net;
    const vos_limits *lim = &p->vm->lim;
    if (atomic_fetch_add(&net->requests, 1) >= lim->net_requests) {
        denied(p, res, url, method, "", "the VM's quota of %s network requests is used up%s",
               "limits.net_requests", "");
        return VOS_EACCES;
    }
    if (atomic_fetch_add(&net->conns, 1) >= lim->net_conns) {
        atomic_fetch_sub(&net->conns, 1);
        denied(p, res, url, method, "", "too many transfers at once (%s)%s", "limits.net_conns",
               "");
        return VOS_EACCES;
    }
    return 0;
}

void vk_net_leave(vk_vm *vm)
{
    atomic_fetch_sub(&vm->net->conns, 1);
}

bool vk_net_take_bytes(vk_vm *vm, uint64_t n)
{
    return atomic_fetch_add(&vm->net->bytes, n) + n <= vm->lim.net_bytes;
}

bool vk_net_has_rules(vk_vm *vm)
{
    return vm->net && vm->net->n > 0;
}

void vk_net_audit(vk_proc *p, const char *url, const char *method, const char *rule,
                  int status, uint64_t bytes, int64_t ns)
{
    vos_audit_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = VOS_AUDIT_NET;
    ev.subject = url;
    ev.detail = method;
    ev.rule = rule;
    ev.pid = p->pid;
    ev.status = status;
    ev.bytes = bytes;
    ev.ns = ns;
    vk_audit(p->vm, &ev);
}

int vk_http(vk_proc *p, const vk_http_req *rq, const vk_http_cb *cb, vk_http_res *res)
{
    memset(res, 0, sizeof *res);
    pthread_once(&g_curl_once, curl_init_once);
    struct vk_net *net = p->vm->net;
    int64_t t0 = vk_now_mono();
    int64_t total_ms = rq->timeout_ms > 0 ? rq->timeout_ms : DEFAULT_TIMEOUT_MS;
    int64_t deadline = t0 + total_ms * 1000000;
    int max_redirs = rq->max_redirs < 0 ? 50 : rq->max_redirs;
    char method[32];
    snprintf(method, sizeof method, "%s",
             rq->method ? rq->method : rq->head ? "HEAD" : rq->has_body ? "POST" : "GET");
    bool has_body = rq->has_body;
    char *url = strdup(rq->url);
    if (!url) return VOS_ENOMEM;
    char first_origin[300] = "";
    int rc = 0;
    cookie_order *order = NULL;
    CURLSH *share = NULL;
    if (rq->cookie_engine) {
        order = calloc(1, sizeof *order);
        if (order) share = cookies_start(rq->cookie_lines, order);
        if (!share) {
            free(order);
            free(url);
            return VOS_ENOMEM;
        }
    }
    for (int hopn = 0;; hopn++) {
        url_parts u;
        rc = vk_net_parse_url(url, &u, res);
        if (rc) break;
        snprintf(res->url, sizeof res->url, "%s", url);
        if (hopn == 0) snprintf(first_origin, sizeof first_origin, "%s", u.origin);
        bool same_origin = !strcmp(first_origin, u.origin);

        char rulename[400];
        const vos_net_rule *rule = NULL;
        hop h;
        memset(&h, 0, sizeof h);
        bool literal = false;
        rc = vk_net_decide(p, &u, url, method, rq->insecure ? VK_NET_INSECURE : 0, res, &h.pin,
                           &literal, &rule, rulename, sizeof rulename);
        if (rc) break;
        bool tls = !strcmp(u.scheme, "https");
        rc = vk_net_admit(p, url, method, res);
        if (rc) break;
        const vos_limits *lim = &p->vm->lim;
        h.net = net;
        h.max_bytes = lim->net_bytes;

        /* the request */
        CURL *e = curl_easy_init();
        if (!e) {
            atomic_fetch_sub(&net->conns, 1);
            rc = VOS_ENOMEM;
            break;
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        struct curl_slist *resolve = NULL, *hdrs = NULL;
        char fixed_url[2300];
        if (literal) {
            /* connect to the canonical spelling of the address that was checked */
            CURLU *cu = curl_url();
            char hostbuf[80], *out = NULL;
            snprintf(hostbuf, sizeof hostbuf, h.pin.v6 ? "[%s]" : "%s", h.pin.text);
            curl_url_set(cu, CURLUPART_URL, url, CURLU_GUESS_SCHEME);
            curl_url_set(cu, CURLUPART_HOST, hostbuf, 0);
            curl_url_get(cu, CURLUPART_URL, &out, 0);
            snprintf(fixed_url, sizeof fixed_url, "%s", out ? out : url);
            curl_free(out);
            curl_url_cleanup(cu);
        } else {
            char pinline[400];
            snprintf(pinline, sizeof pinline, h.pin.v6 ? "%s:%d:[%s]" : "%s:%d:%s", u.host,
                     u.port, h.pin.text);
            resolve = curl_slist_append(NULL, pinline);
            snprintf(fixed_url, sizeof fixed_url, "%s", url);
        }
        bool creds = same_origin && rule->n_headers > 0;
        for (size_t i = 0; i < rq->n_headers; i++) {
            const char *l = rq->headers[i];
            if (!same_origin && (same_name(l, "Authorization") || same_name(l, "Cookie")))
                continue;
            bool replaced = false;
            for (size_t j = 0; creds && j < rule->n_headers; j++)
                if (same_name(l, rule->headers[j].name)) replaced = true;
            if (!replaced) hdrs = curl_slist_append(hdrs, l);
        }
        for (size_t j = 0; creds && j < rule->n_headers; j++) {
            size_t len = strlen(rule->headers[j].name) + strlen(rule->headers[j].value) + 3;
            char *l = malloc(len);
            if (!l) continue;
            snprintf(l, len, "%s: %s", rule->headers[j].name, rule->headers[j].value);
            hdrs = curl_slist_append(hdrs, l);
            memset(l, 0, len);
            free(l);
        }
        h.p = p;
        h.order = order;
        h.cb = cb;
        h.res = res;
        h.follow = rq->follow && res->redirects < max_redirs + 1;
        curl_easy_setopt(e, CURLOPT_URL, fixed_url);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
        if (resolve) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &h);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &h);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &h);
        if (hdrs) curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
        if (rq->compressed) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        if (rq->user_agent) curl_easy_setopt(e, CURLOPT_USERAGENT, rq->user_agent);
        if (rq->referer) curl_easy_setopt(e, CURLOPT_REFERER, rq->referer);
        /* the VM's own credentials, like the rule's, stay with the first origin */
        if (rq->userpwd && same_origin) curl_easy_setopt(e, CURLOPT_USERPWD, rq->userpwd);
        if (rq->cookie && same_origin) curl_easy_setopt(e, CURLOPT_COOKIE, rq->cookie);
        if (share) {
            curl_easy_setopt(e, CURLOPT_SHARE, share);
            curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
        }
        if (tls && net->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, net->ca_file);
        if (tls && rq->insecure) {
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        curl_mime *mime = NULL;
        int64_t left_ms = (deadline - vk_now_mono()) / 1000000;
        if (left_ms < 1) left_ms = 1;
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left_ms);
        int64_t cto = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : DEFAULT_CONNECT_MS;
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cto);
        if (!strcmp(method, "HEAD")) {
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        } else if (has_body && rq->n_parts) {
            mime = make_mime(e, rq);
            curl_easy_setopt(e, CURLOPT_MIMEPOST, mime);
            if (strcmp(method, "POST")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        } else if (has_body) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body_len ? rq->body : "");
            if (strcmp(method, "POST")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        } else if (strcmp(method, "GET")) {
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        }
        if (rq->head) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);

        CURLcode cc;
        int64_t hop0 = vk_now_mono();
        int krc = run_handle(p, e, &cc);
        atomic_fetch_sub(&net->conns, 1);
        long status = 0;
        char *redir = NULL, *ctype = NULL, *ip = NULL;
        long rport = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redir);
        curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
        curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
        curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &rport);
        res->status = status;
        res->bytes = h.body_bytes;
        res->header_bytes += h.header_bytes;
        snprintf(res->content_type, sizeof res->content_type, "%s", ctype ? ctype : "");
        snprintf(res->remote_ip, sizeof res->remote_ip, "%s", ip ? ip : "");
        res->remote_port = (int)rport;
        {
            long reqsz = 0, ver = 0, nconn = 0, lport = 0, ssl = 0;
            curl_off_t up = 0;
            char *lip = NULL, *sch = NULL;
            curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &reqsz);
            curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
            curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver);
            curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
            curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &lip);
            curl_easy_getinfo(e, CURLINFO_LOCAL_PORT, &lport);
            curl_easy_getinfo(e, CURLINFO_SSL_VERIFYRESULT, &ssl);
            curl_easy_getinfo(e, CURLINFO_SCHEME, &sch);
            res->request_bytes += (uint64_t)reqsz;
            res->upload_bytes = (uint64_t)up;
            res->http_version = ver == CURL_HTTP_VERSION_1_0 ? 10 : ver == CURL_HTTP_VERSION_1_1 ? 11
                                : ver == CURL_HTTP_VERSION_2_0 ? 20 : ver == CURL_HTTP_VERSION_3 ? 30 : 0;
            res->num_connects += (int)nconn;
            snprintf(res->local_ip, sizeof res->local_ip, "%s", lip ? lip : "");
            res->local_port = (int)lport;
            res->ssl_verify_result = ssl;
            snprintf(res->scheme, sizeof res->scheme, "%s", sch ? sch : "");
        }
        snprintf(res->redirect_url, sizeof res->redirect_url, "%s", redir ? redir : "");
        char *next = redir && *redir ? strdup(redir) : NULL;
        curl_easy_cleanup(e);
        curl_mime_free(mime);
        curl_slist_free_all(resolve);
        curl_slist_free_all(hdrs);
        vk_net_audit(p, url, method, rulename, (int)status, h.body_bytes, vk_now_mono() - hop0);
        if (krc < 0) {
            free(next);
            rc = krc;
            break;
        }
        if (h.cb_err < 0) {
            free(next);
            rc = h.cb_err;
            break;
        }
        if (h.over_quota) {
            free(next);
            res->code = 63;
            snprintf(res->err, sizeof res->err,
                     "Exceeded the VM's network byte quota (limits.net_bytes)");
            rc = VOS_EIO;
            break;
        }
        if (cc != CURLE_OK) {
            free(next);
            res->code = (int)cc;
            snprintf(res->err, sizeof res->err, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
            rc = VOS_EIO;
            break;
        }
        if (rq->follow && next && status >= 300 && status < 400 && status != 304) {
            if (res->redirects >= max_redirs) {
                free(next);
                res->code = 47;
                snprintf(res->err, sizeof res->err, "Maximum (%d) redirects followed",
                         max_redirs);
                rc = VOS_EIO;
                break;
            }
            res->redirects++;
            if (status == 303 || ((status == 301 || status == 302) && !strcmp(method, "POST"))) {
                if (strcmp(method, "HEAD")) snprintf(method, sizeof method, "GET");
                has_body = false;
            }
            free(url);
            url = next;
            res->redirect_url[0] = 0;
            continue;
        }
        free(next);
        break;
    }
    res->total_ns = vk_now_mono() - t0;
    if (share) cookies_end(share, order, cb);
    free(url);
    return rc;
}
