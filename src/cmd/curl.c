/* curl: HTTP(S) transfers through the kernel's network module (kernel/net.h), which decides
 * each request against the VM's network rules, pins the checked address and follows
 * redirects hop by hop. This file is only curl's command line: the flags models use, curl's
 * exit codes and "curl: (N) message" lines, the -w variables. A request the policy refuses
 * fails like a connection curl could not make: "curl: (7) Blocked by the VM's network
 * policy: ..." (docs/network.md). There is no progress meter (the VM has no terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/net.h"
#include "lib/cmd.h"

typedef struct curl_opts {
    bool silent, show_error, fail, fail_body, location, include, head, verbose, get, compressed;
    bool remote_name;
    const char *out_file;
    const char *method;
    const char *wfmt;
    const char **hdrs;
    size_t nhdrs, caphdrs;
    vl_buf data;
    bool has_data;
    int64_t max_time_ms, connect_ms;
    int max_redirs;
    int retry;
    const char **urls;
    size_t nurls, capurls;
} curl_opts;

/* state of one transfer */
typedef struct xfer {
    vl_ctx *c;
    curl_opts *o;
    int fd;          /* -1: stdout */
    long status;     /* of the response being read */
    bool failed;     /* -f and a status >= 400: body not written */
    bool last_hop_headers;
} xfer;

static void push(vl_ctx *c, const char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = vl_xrealloc(c, *v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = s;
}

static int out_write(xfer *x, const void *d, size_t n)
{
    if (x->fd < 0) {
        vl_write(x->c, d, n);
        return 0;
    }
    return vl_write_fd(x->c, x->fd, d, n);
}

static int on_header(void *ud, const char *line, size_t n)
{
    xfer *x = ud;
    if (n > 5 && !memcmp(line, "HTTP/", 5)) {
        const char *sp = memchr(line, ' ', n);
        long st = 0;
        for (const char *q = sp ? sp + 1 : line + n; q < line + n && *q >= '0' && *q <= '9'; q++)
            st = st * 10 + (*q - '0');
        x->status = st;
    }
    if (x->o->verbose) {
        vl_eprintf(x->c, "< %.*s", (int)n, line);
    }
    if (x->o->fail && !x->o->fail_body && x->status >= 400) return 0;
    if (x->o->include || x->o->head) return out_write(x, line, n);
    return 0;
}

static int on_body(void *ud, const void *d, size_t n)
{
    xfer *x = ud;
    if (x->o->fail && !x->o->fail_body && x->status >= 400) {
        x->failed = true;
        return 0;
    }
    return out_write(x, d, n);
}

/* the file behind "@file" ("-": stdin), whole */
static void read_file(vl_ctx *c, const char *path, vl_buf *b, bool strip_newlines)
{
    vl_in *in = strcmp(path, "-") ? vl_in_open_quiet(c, path, &(int){0}) : vl_in_fd(c, 0, "-");
    if (!in) {
        vl_eprintf(c, "Warning: Couldn't read data from file \"%s\", this makes an empty \n"
                      "Warning: POST.\n", path);
        return;
    }
    char buf[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (!strip_newlines || (buf[i] != '\r' && buf[i] != '\n')) vl_buf_addc(c, b, buf[i]);
    }
    vl_in_close(c, in);
}

static void urlencode(vl_ctx *c, vl_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            vl_buf_addc(c, b, (char)ch);
        } else {
            vl_buf_addc(c, b, '%');
            vl_buf_addc(c, b, hex[ch >> 4]);
            vl_buf_addc(c, b, hex[ch & 15]);
        }
    }
}

static void add_data(vl_ctx *c, curl_opts *o, const char *kind, const char *arg)
{
    if (o->has_data) vl_buf_addc(c, &o->data, '&');
    o->has_data = true;
    if (!strcmp(kind, "urlencode")) {
        const char *eq = strchr(arg, '=');
        const char *at = strchr(arg, '@');
        if (eq && (!at || eq < at)) {
            vl_buf_add(c, &o->data, arg, (size_t)(eq - arg));
            vl_buf_addc(c, &o->data, '=');
            urlencode(c, &o->data, eq + 1, strlen(eq + 1));
        } else if (at) {
            vl_buf f = {0};
            read_file(c, at + 1, &f, false);
            if (at > arg) {
                vl_buf_add(c, &o->data, arg, (size_t)(at - arg));
                vl_buf_addc(c, &o->data, '=');
            }
            urlencode(c, &o->data, f.data ? f.data : "", f.len);
        } else {
            urlencode(c, &o->data, arg, strlen(arg));
        }
        return;
    }
    if (arg[0] == '@' && strcmp(kind, "raw")) {
        read_file(c, arg + 1, &o->data, !strcmp(kind, "ascii"));
        return;
    }
    vl_buf_adds(c, &o->data, arg);
}

static char *base64(vl_ctx *c, const char *s)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = vl_xmalloc(c, (n + 2) / 3 * 4 + 1), *w = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        *w++ = t[v >> 18 & 63];
        *w++ = t[v >> 12 & 63];
        *w++ = i + 1 < n ? t[v >> 6 & 63] : '=';
        *w++ = i + 2 < n ? t[v & 63] : '=';
    }
    *w = 0;
    return out;
}

static bool has_header(curl_opts *o, const char *name)
{
    size_t l = strlen(name);
    for (size_t i = 0; i < o->nhdrs; i++)
        if (!strncasecmp(o->hdrs[i], name, l) && (o->hdrs[i][l] == ':' || o->hdrs[i][l] == ';'))
            return true;
    return false;
}

static void write_out(vl_ctx *c, const char *f, const vk_http_res *r, int code, const char *method)
{
    vl_buf b = {0};
    for (const char *s = f; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            vl_buf_addc(c, &b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s);
            continue;
        }
        if (*s == '%' && s[1] == '%') {
            vl_buf_addc(c, &b, '%');
            s++;
            continue;
        }
        if (*s == '%' && s[1] == '{') {
            const char *e = strchr(s, '}');
            if (e) {
                char v[64];
                size_t l = (size_t)(e - s - 2);
                snprintf(v, sizeof v, "%.*s", (int)(l < 63 ? l : 63), s + 2);
                s = e;
                if (!strcmp(v, "http_code") || !strcmp(v, "response_code"))
                    vl_buf_printf(c, &b, "%03ld", r->status);
                else if (!strcmp(v, "url_effective") || !strcmp(v, "url"))
                    vl_buf_adds(c, &b, r->url);
                else if (!strcmp(v, "content_type"))
                    vl_buf_adds(c, &b, r->content_type);
                else if (!strcmp(v, "size_download"))
                    vl_buf_printf(c, &b, "%llu", (unsigned long long)r->bytes);
                else if (!strcmp(v, "size_header"))
                    vl_buf_printf(c, &b, "%llu", (unsigned long long)r->header_bytes);
                else if (!strcmp(v, "num_redirects"))
                    vl_buf_printf(c, &b, "%d", r->redirects);
                else if (!strcmp(v, "redirect_url"))
                    vl_buf_adds(c, &b, r->redirect_url);
                else if (!strcmp(v, "remote_ip"))
                    vl_buf_adds(c, &b, r->remote_ip);
                else if (!strcmp(v, "remote_port"))
                    vl_buf_printf(c, &b, "%d", r->remote_port);
                else if (!strcmp(v, "exitcode"))
                    vl_buf_printf(c, &b, "%d", code);
                else if (!strcmp(v, "errormsg"))
                    vl_buf_adds(c, &b, code ? r->err : "");
                else if (!strcmp(v, "method"))
                    vl_buf_adds(c, &b, method);
                else if (!strncmp(v, "time_", 5))
                    vl_buf_printf(c, &b, "%.6f", (double)r->total_ns / 1e9);
                else if (!strcmp(v, "speed_download"))
                    vl_buf_printf(c, &b, "%.0f", r->total_ns ? r->bytes * 1e9 / r->total_ns : 0.0);
                else
                    vl_eprintf(c, "curl: unknown --write-out variable: '%s'\n", v);
                continue;
            }
        }
        vl_buf_addc(c, &b, *s);
    }
    vl_write(c, b.data ? b.data : "", b.len);
}

static int64_t secs_ms(const char *s)
{
    double d = 0;
    sscanf(s, "%lf", &d);
    return (int64_t)(d * 1000);
}

static int transfer(vl_ctx *c, curl_opts *o, const char *url0, bool first)
{
    const char *url = url0;
    const char *method = o->method;
    bool has_body = o->has_data;
    if (o->get && o->has_data) {
        url = vl_xmalloc(c, strlen(url0) + o->data.len + 2);
        sprintf((char *)url, "%s%c%.*s", url0, strchr(url0, '?') ? '&' : '?', (int)o->data.len,
                o->data.data);
        has_body = false;
    }
    xfer x = {.c = c, .o = o, .fd = -1};
    const char *outname = first ? o->out_file : NULL;
    if (o->remote_name) {
        const char *q = url0 + strcspn(url0, "?#");
        const char *s = q;
        while (s > url0 && s[-1] != '/') s--;
        const char *scheme = strstr(url0, "://");
        if (s == q || (scheme && s <= scheme + 3)) {
            if (!o->silent || o->show_error)
                vl_eprintf(c, "curl: Remote file name has no length!\n");
            return 23;
        }
        outname = vl_xstrdup(c, s);
        ((char *)outname)[q - s] = 0;
    }
    if (outname && strcmp(outname, "-")) {
        x.fd = vk_open(c->p, outname, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (x.fd < 0) {
            if (!o->silent || o->show_error)
                vl_eprintf(c, "curl: (23) Failure writing output to destination\n");
            return 23;
        }
    }
    if (o->verbose) {
        const char *m = method ? method : o->head ? "HEAD" : has_body ? "POST" : "GET";
        vl_eprintf(c, "> %s %s\n", m, url);
        for (size_t i = 0; i < o->nhdrs; i++) vl_eprintf(c, "> %s\n", o->hdrs[i]);
        vl_eprintf(c, "* (headers the VM's network rules add are not shown)\n");
    }
    vk_http_req rq = {0};
    rq.method = method;
    rq.url = url;
    rq.headers = o->hdrs;
    rq.n_headers = o->nhdrs;
    rq.body = o->data.data;
    rq.body_len = o->data.len;
    rq.has_body = has_body;
    rq.head = o->head;
    rq.follow = o->location;
    rq.max_redirs = o->max_redirs;
    rq.compressed = o->compressed;
    rq.timeout_ms = o->max_time_ms;
    rq.connect_timeout_ms = o->connect_ms;
    vk_http_cb cb = {&x, on_header, on_body};
    vk_http_res r;
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        rc = vk_http(c->p, &rq, &cb, &r);
        /* --retry: transient failures (timeouts, 408, 429, 5xx) before any body was written */
        bool transient = (rc < 0 && (r.code == 28 || r.code == 7) && !r.denied) ||
                         (rc == 0 && (r.status == 408 || r.status == 429 || r.status >= 500));
        if (!(attempt < o->retry && transient && r.bytes == 0)) break;
        if (!o->silent)
            vl_eprintf(c, "Warning: Problem : %s. Will retry in 1 seconds. %d retries left.\n",
                       rc < 0 ? "timeout" : "HTTP error", o->retry - attempt);
        vk_sleep_ns(c->p, 1000000000);
    }
    int code = 0;
    if (rc < 0 && r.code == 0 && x.failed == false) {
        if (rc == VOS_ENOMEM) vl_die(c, 27, "curl: (27) Out of memory");
        if (rc != VOS_EPIPE) {
            if (x.fd >= 0) vk_close(c->p, x.fd);
            vl_exit(c, 23);
        }
    }
    if (x.failed || (rc == 0 && o->fail && r.status >= 400)) {
        code = 22;
        snprintf(r.err, sizeof r.err, "The requested URL returned error: %ld", r.status);
    } else if (rc < 0) {
        code = r.code ? r.code : 23;
    }
    if (x.fd >= 0) vk_close(c->p, x.fd);
    if (o->wfmt) write_out(c, o->wfmt, &r, code,
                           method ? method : o->head ? "HEAD" : has_body ? "POST" : "GET");
    if (code && (!o->silent || o->show_error)) {
        vl_flush(c);
        vl_eprintf(c, "curl: (%d) %s\n", code, r.err);
    }
    return code;
}

enum { O_NONE, O_ARG };

static int curl_main(vl_ctx *c, int argc, char **argv)
{
    curl_opts o = {0};
    o.max_redirs = -1;
    const char *user = NULL, *agent = NULL, *referer = NULL, *cookie = NULL;
    bool no_opts = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (no_opts || a[0] != '-' || !a[1]) {
            push(c, &o.urls, &o.nurls, &o.capurls, a);
            continue;
        }
        if (!strcmp(a, "--")) {
            no_opts = true;
            continue;
        }
        /* long options, some with an argument */
        static const char *const with_arg[] = {
            "--output", "--request", "--header", "--data", "--data-raw", "--data-binary",
            "--data-ascii", "--data-urlencode", "--user", "--write-out", "--max-time",
            "--connect-timeout", "--retry", "--user-agent", "--referer", "--cookie",
            "--cookie-jar", "--url", "--max-redirs", "--form", "--retry-delay",
            "--retry-max-time", "--proxy", "--cacert", "--resolve", "--connect-to", NULL};
        if (a[1] == '-') {
            char name[64];
            const char *val = NULL;
            const char *eq = strchr(a, '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
            bool takes = false;
            for (int k = 0; with_arg[k]; k++)
                if (!strcmp(name, with_arg[k])) takes = true;
            if (takes) {
                if (eq) val = eq + 1;
                else if (i + 1 < argc) val = argv[++i];
                else {
                    vl_eprintf(c, "curl: option %s: requires parameter\n"
                                  "curl: try 'curl --help' or 'curl --manual' for more information\n", a);
                    return 2;
                }
            }
            if (!strcmp(name, "--silent")) o.silent = true;
            else if (!strcmp(name, "--show-error")) o.show_error = true;
            else if (!strcmp(name, "--fail")) o.fail = true;
            else if (!strcmp(name, "--fail-with-body")) o.fail = o.fail_body = true;
            else if (!strcmp(name, "--location")) o.location = true;
            else if (!strcmp(name, "--include")) o.include = true;
            else if (!strcmp(name, "--head")) o.head = true;
            else if (!strcmp(name, "--verbose")) o.verbose = true;
            else if (!strcmp(name, "--get")) o.get = true;
            else if (!strcmp(name, "--compressed")) o.compressed = true;
            else if (!strcmp(name, "--remote-name")) o.remote_name = true;
            else if (!strcmp(name, "--progress-bar") || !strcmp(name, "--no-progress-meter") ||
                     !strcmp(name, "--no-buffer") || !strcmp(name, "--globoff") ||
                     !strcmp(name, "--http1.1") || !strcmp(name, "--location-trusted"))
                ;
            else if (!strcmp(name, "--insecure")) {
                vl_eprintf(c, "curl: (60) --insecure is refused in the VM: certificates are always checked\n");
                return 60;
            } else if (!strcmp(name, "--output")) o.out_file = val;
            else if (!strcmp(name, "--request")) o.method = val;
            else if (!strcmp(name, "--header")) push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, val);
            else if (!strcmp(name, "--data") || !strcmp(name, "--data-ascii")) add_data(c, &o, "ascii", val);
            else if (!strcmp(name, "--data-raw")) add_data(c, &o, "raw", val);
            else if (!strcmp(name, "--data-binary")) add_data(c, &o, "binary", val);
            else if (!strcmp(name, "--data-urlencode")) add_data(c, &o, "urlencode", val);
            else if (!strcmp(name, "--user")) user = val;
            else if (!strcmp(name, "--write-out")) o.wfmt = val;
            else if (!strcmp(name, "--max-time")) o.max_time_ms = secs_ms(val);
            else if (!strcmp(name, "--connect-timeout")) o.connect_ms = secs_ms(val);
            else if (!strcmp(name, "--retry")) o.retry = atoi(val);
            else if (!strcmp(name, "--max-redirs")) o.max_redirs = atoi(val);
            else if (!strcmp(name, "--user-agent")) agent = val;
            else if (!strcmp(name, "--referer")) referer = val;
            else if (!strcmp(name, "--cookie")) cookie = val;
            else if (!strcmp(name, "--url")) push(c, &o.urls, &o.nurls, &o.capurls, val);
            else if (!strcmp(name, "--cookie-jar") || !strcmp(name, "--retry-delay") ||
                     !strcmp(name, "--retry-max-time"))
                ;
            else if (!strcmp(name, "--proxy") || !strcmp(name, "--resolve") ||
                     !strcmp(name, "--connect-to") || !strcmp(name, "--cacert") ||
                     !strcmp(name, "--form")) {
                vl_eprintf(c, "curl: %s is not supported in the VM\n", name);
                return 2;
            } else {
                vl_eprintf(c, "curl: option %s: is unknown\n"
                              "curl: try 'curl --help' or 'curl --manual' for more information\n", a);
                return 2;
            }
            continue;
        }
        /* short options, bundled; one taking an argument ends the bundle */
        for (const char *s = a + 1; *s; s++) {
            char ch = *s;
            if (strchr("oXHdumwAebcFT", ch)) {
                const char *val = s[1] ? s + 1 : i + 1 < argc ? argv[++i] : NULL;
                if (!val) {
                    vl_eprintf(c, "curl: option -%c: requires parameter\n"
                                  "curl: try 'curl --help' or 'curl --manual' for more information\n", ch);
                    return 2;
                }
                switch (ch) {
                case 'o': o.out_file = val; break;
                case 'X': o.method = val; break;
                case 'H': push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, val); break;
                case 'd': add_data(c, &o, "ascii", val); break;
                case 'u': user = val; break;
                case 'm': o.max_time_ms = secs_ms(val); break;
                case 'w': o.wfmt = val; break;
                case 'A': agent = val; break;
                case 'e': referer = val; break;
                case 'b': cookie = val; break;
                case 'c': break;
                default:
                    vl_eprintf(c, "curl: -%c is not supported in the VM\n", ch);
                    return 2;
                }
                break;
            }
            switch (ch) {
            case 's': o.silent = true; break;
            case 'S': o.show_error = true; break;
            case 'f': o.fail = true; break;
            case 'L': o.location = true; break;
            case 'i': o.include = true; break;
            case 'I': o.head = true; break;
            case 'v': o.verbose = true; break;
            case 'G': o.get = true; break;
            case 'O': o.remote_name = true; break;
            case '#': break;
            case 'k':
                vl_eprintf(c, "curl: (60) --insecure is refused in the VM: certificates are always checked\n");
                return 60;
            default:
                vl_eprintf(c, "curl: option -%c: is unknown\n"
                              "curl: try 'curl --help' or 'curl --manual' for more information\n", ch);
                return 2;
            }
        }
    }
    if (o.nurls == 0) {
        vl_eprintf(c, "curl: no URL specified!\n"
                      "curl: try 'curl --help' or 'curl --manual' for more information\n");
        return 2;
    }
    if (user) {
        char *h = vl_xmalloc(c, strlen(user) * 2 + 40);
        sprintf(h, "Authorization: Basic %s", base64(c, user));
        if (!has_header(&o, "Authorization")) push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, h);
    }
    if (!has_header(&o, "User-Agent"))
        push(c, &o.hdrs, &o.nhdrs, &o.caphdrs,
             agent ? vl_xstrdup(c, "User-Agent: ") : "User-Agent: curl/7.88.1");
    if (agent) {
        char *h = (char *)o.hdrs[o.nhdrs - 1];
        if (!strncmp(h, "User-Agent: ", 12) && !h[12]) {
            char *n = vl_xmalloc(c, strlen(agent) + 13);
            sprintf(n, "User-Agent: %s", agent);
            o.hdrs[o.nhdrs - 1] = n;
        }
    }
    if (referer) {
        char *n = vl_xmalloc(c, strlen(referer) + 10);
        sprintf(n, "Referer: %s", referer);
        push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, n);
    }
    if (cookie && strchr(cookie, '=')) {
        char *n = vl_xmalloc(c, strlen(cookie) + 10);
        sprintf(n, "Cookie: %s", cookie);
        push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, n);
    }
    if (o.has_data && !o.get && !has_header(&o, "Content-Type"))
        push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, "Content-Type: application/x-www-form-urlencoded");
    int code = 0;
    for (size_t i = 0; i < o.nurls; i++) {
        int rc = transfer(c, &o, o.urls[i], i == 0);
        if (rc) code = rc;
    }
    return code;
}

VL_COMMAND(curl, curl_main, NULL, "[options...] <url>", "transfer a URL", VL_NO_OPTIONS, 2);
