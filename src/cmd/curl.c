/* curl: HTTP(S) transfers through the kernel's network module (kernel/net.h), which decides
 * each request against the VM's network rules, pins the checked address and follows
 * redirects hop by hop. This file is only curl's command line: the flags models use, curl's
 * exit codes and "curl: (N) message" lines, the -w variables. A request the policy refuses
 * fails like a connection curl could not make: "curl: (7) Blocked by the VM's network
 * policy: ..." (docs/network.md). There is no progress meter (the VM has no terminal). Form
 * files, @data files and cookie files are read and written here, through the VM's files; the
 * kernel gets their bytes. Request bytes and output are checked against curl 7.88 in
 * tests/unit/net.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/net.h"
#include "lib/cmd.h"

typedef struct curl_opts {
    bool silent, show_error, fail, fail_body, location, include, head, verbose, get, compressed;
    bool remote_name, insecure;
    const char *out_file;
    const char *user_agent, *referer, *userpwd, *cookie;
    bool cookie_engine;
    const char *cookie_jar;  /* -c FILE */
    vl_buf cookies;          /* the engine's cookies between transfers, oldest first */
    vk_http_part *parts;
    size_t nparts, capparts;
    bool form;
    const char *method;
    const char *wfmt;
    const char **hdrs;
    size_t nhdrs, caphdrs;
    vl_buf data;
    bool has_data;
    int64_t max_time_ms, connect_ms;
    int max_redirs;
    int retry, retry_delay_s;
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
    uint64_t written;
    vl_buf jar;           /* the cookie engine's lines after this transfer */
    vl_buf last_headers;  /* the header lines of the last response (%header{name}) */
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
    x->written += n;
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
        x->last_headers.len = 0;
    }
    vl_buf_add(x->c, &x->last_headers, line, n);
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

/* the file behind "@file" ("-": stdin), whole: false when it cannot be opened */
static bool slurp(vl_ctx *c, const char *path, vl_buf *b, bool strip_newlines)
{
    vl_in *in = strcmp(path, "-") ? vl_in_open_quiet(c, path, &(int){0}) : vl_in_fd(c, 0, "-");
    if (!in) return false;
    char buf[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (!strip_newlines || (buf[i] != '\r' && buf[i] != '\n')) vl_buf_addc(c, b, buf[i]);
    }
    vl_in_close(c, in);
    return true;
}

static void read_file(vl_ctx *c, const char *path, vl_buf *b, bool strip_newlines)
{
    if (!slurp(c, path, b, strip_newlines))
        vl_eprintf(c, "Warning: Couldn't read data from file \"%s\", this makes an empty \n"
                      "Warning: POST.\n", path);
}

static void urlencode(vl_ctx *c, vl_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            vl_buf_addc(c, b, (char)ch);
        } else if (ch == ' ') {
            vl_buf_addc(c, b, '+');
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
            /* "=content": no name, the content alone */
            if (eq > arg) {
                vl_buf_add(c, &o->data, arg, (size_t)(eq - arg));
                vl_buf_addc(c, &o->data, '=');
            }
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

/* -F NAME=CONTENT: "value", "@file", "<file", each with ";type=T", ";filename=F",
 * ";headers=H" after it (curl's tool_formparse). false: a file could not be read. */
static bool add_form(vl_ctx *c, curl_opts *o, const char *arg, bool literal)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        vl_eprintf(c, "Warning: Illegally formatted input field!\n");
        return false;
    }
    if (o->nparts == o->capparts) {
        o->capparts = o->capparts ? o->capparts * 2 : 8;
        o->parts = vl_xrealloc(c, o->parts, o->capparts * sizeof *o->parts);
    }
    vk_http_part *pt = &o->parts[o->nparts++];
    memset(pt, 0, sizeof *pt);
    char *name = vl_xmalloc(c, (size_t)(eq - arg) + 1);
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = 0;
    pt->name = name;
    const char *v = eq + 1;
    char kind = literal ? 0 : (*v == '@' || *v == '<') ? *v++ : 0;
    size_t vl = literal ? strlen(v) : strcspn(v, ";");
    char *val = vl_xmalloc(c, vl + 1);
    memcpy(val, v, vl);
    val[vl] = 0;
    const char **hdrs = NULL;
    size_t nh = 0, caph = 0;
    for (const char *q = v + vl; *q == ';';) {
        q++;
        size_t l = strcspn(q, ";");
        char *kv = vl_xmalloc(c, l + 1);
        memcpy(kv, q, l);
        kv[l] = 0;
        q += l;
        if (!strncmp(kv, "type=", 5)) pt->type = kv + 5;
        else if (!strncmp(kv, "filename=", 9)) pt->filename = kv + 9;
        else if (!strncmp(kv, "headers=", 8)) push(c, &hdrs, &nh, &caph, kv + 8);
        else if (!o->silent) vl_eprintf(c, "Warning: skip unknown form field: %s\n", kv);
    }
    pt->headers = hdrs;
    pt->n_headers = nh;
    if (!kind) {
        pt->data = val;
        pt->len = vl;
        return true;
    }
    vl_buf b = {0};
    if (!slurp(c, val, &b, false)) return false;
    pt->data = b.data;
    pt->len = b.len;
    if (kind == '@' && !pt->filename) {
        const char *base = strrchr(val, '/');
        pt->filename = base ? base + 1 : val;
    }
    return true;
}


typedef struct wctx {
    const vk_http_res *r;
    int code;
    const char *method, *url, *filename;
    int num;
    const char *referer;
    const vl_buf *headers;
} wctx;

/* %header{name}: the value of a response header of the last hop */
static void header_value(vl_ctx *c, vl_buf *b, const vl_buf *h, const char *name)
{
    size_t nl = strlen(name);
    bool first = true;
    for (size_t i = 0; i < h->len;) {
        const char *l = h->data + i;
        const char *e = memchr(l, '\n', h->len - i);
        size_t n = e ? (size_t)(e - l) : h->len - i;
        i += n + 1;
        if (n > nl && l[nl] == ':' && !strncasecmp(l, name, nl)) {
            const char *v = l + nl + 1;
            size_t vl = n - nl - 1;
            while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
            /* as curl 7.88: an empty value keeps its CR */
            while (vl > 1 && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) vl--;
            /* curl 7.88 gives the first one */
            if (first) vl_buf_add(c, b, v, vl);
            first = false;
        }
    }
}

static int count_headers(const vl_buf *h)
{
    int n = 0;
    for (size_t i = 0; i < h->len; i++)
        if (h->data[i] == '\n') n++;
    return n > 2 ? n - 2 : 0; /* not the status line, not the blank line */
}

static void write_out(vl_ctx *c, const char *f, const wctx *w)
{
    const vk_http_res *r = w->r;
    vl_buf b = {0};
    int fd = 1; /* %{stderr} / %{stdout} switch */
    for (const char *s = f; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            if (*s == 'n' || *s == 't' || *s == 'r' || *s == '\\')
                vl_buf_addc(c, &b, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : '\\');
            else {
                vl_buf_addc(c, &b, '\\');
                vl_buf_addc(c, &b, *s);
            }
            continue;
        }
        if (*s == '%' && s[1] == '%') {
            vl_buf_addc(c, &b, '%');
            s++;
            continue;
        }
        if (*s == '%' && !strncmp(s + 1, "header{", 7) && strchr(s, '}')) {
            const char *e = strchr(s, '}');
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(e - s - 8), s + 8);
            header_value(c, &b, w->headers, name);
            s = e;
            continue;
        }
        if (*s == '%' && s[1] == '{' && strchr(s, '}')) {
            const char *e = strchr(s, '}');
            char v[64];
            size_t l = (size_t)(e - s - 2);
            snprintf(v, sizeof v, "%.*s", (int)(l < 63 ? l : 63), s + 2);
            s = e;
            if (!strcmp(v, "http_code") || !strcmp(v, "response_code"))
                vl_buf_printf(c, &b, "%03ld", r->status);
            else if (!strcmp(v, "http_connect"))
                vl_buf_adds(c, &b, "000");
            else if (!strcmp(v, "url_effective"))
                vl_buf_adds(c, &b, r->url[0] ? r->url : w->url);
            else if (!strcmp(v, "url"))
                vl_buf_adds(c, &b, w->url);
            else if (!strcmp(v, "urlnum"))
                vl_buf_printf(c, &b, "%d", w->num);
            else if (!strcmp(v, "filename_effective"))
                vl_buf_adds(c, &b, w->filename);
            else if (!strcmp(v, "content_type"))
                vl_buf_adds(c, &b, r->content_type);
            else if (!strcmp(v, "size_download"))
                vl_buf_printf(c, &b, "%llu", (unsigned long long)r->bytes);
            else if (!strcmp(v, "size_header"))
                vl_buf_printf(c, &b, "%llu", (unsigned long long)r->header_bytes);
            else if (!strcmp(v, "size_request"))
                vl_buf_printf(c, &b, "%llu", (unsigned long long)r->request_bytes);
            else if (!strcmp(v, "size_upload"))
                vl_buf_printf(c, &b, "%llu", (unsigned long long)r->upload_bytes);
            else if (!strcmp(v, "num_redirects"))
                vl_buf_printf(c, &b, "%d", r->redirects);
            else if (!strcmp(v, "num_connects"))
                vl_buf_printf(c, &b, "%d", r->num_connects);
            else if (!strcmp(v, "num_headers"))
                vl_buf_printf(c, &b, "%d", count_headers(w->headers));
            else if (!strcmp(v, "redirect_url"))
                vl_buf_adds(c, &b, r->redirect_url);
            else if (!strcmp(v, "referer"))
                vl_buf_adds(c, &b, w->referer ? w->referer : "");
            else if (!strcmp(v, "remote_ip"))
                vl_buf_adds(c, &b, r->remote_ip);
            else if (!strcmp(v, "remote_port"))
                vl_buf_printf(c, &b, "%d", r->remote_port);
            else if (!strcmp(v, "local_ip"))
                vl_buf_adds(c, &b, r->local_ip);
            else if (!strcmp(v, "local_port"))
                vl_buf_printf(c, &b, "%d", r->local_port);
            else if (!strcmp(v, "scheme"))
                vl_buf_adds(c, &b, r->scheme);
            else if (!strcmp(v, "http_version"))
                vl_buf_adds(c, &b, r->http_version == 10 ? "1.0" : r->http_version == 11 ? "1.1"
                                   : r->http_version == 20 ? "2" : r->http_version == 30 ? "3" : "0");
            else if (!strcmp(v, "ssl_verify_result") || !strcmp(v, "proxy_ssl_verify_result"))
                vl_buf_printf(c, &b, "%ld", !strcmp(v, "ssl_verify_result") ? r->ssl_verify_result : 0L);
            else if (!strcmp(v, "exitcode"))
                vl_buf_printf(c, &b, "%d", w->code);
            else if (!strcmp(v, "errormsg"))
                vl_buf_adds(c, &b, w->code ? r->err : "");
            else if (!strcmp(v, "method"))
                vl_buf_adds(c, &b, w->method);
            else if (!strncmp(v, "time_", 5))
                vl_buf_printf(c, &b, "%.6f", (double)r->total_ns / 1e9);
            else if (!strcmp(v, "speed_download"))
                vl_buf_printf(c, &b, "%.0f", r->total_ns ? r->bytes * 1e9 / r->total_ns : 0.0);
            else if (!strcmp(v, "speed_upload"))
                vl_buf_printf(c, &b, "%.0f",
                              r->total_ns ? r->upload_bytes * 1e9 / r->total_ns : 0.0);
            else if (!strcmp(v, "stderr") || !strcmp(v, "stdout")) {
                if (fd == 1) vl_write(c, b.data ? b.data : "", b.len);
                else vl_eprintf(c, "%.*s", (int)b.len, b.data ? b.data : "");
                b.len = 0;
                fd = !strcmp(v, "stderr") ? 2 : 1;
            } else
                vl_eprintf(c, "curl: unknown --write-out variable: '%s'\n", v);
            continue;
        }
        vl_buf_addc(c, &b, *s);
    }
    if (fd == 1) vl_write(c, b.data ? b.data : "", b.len);
    else vl_eprintf(c, "%.*s", (int)b.len, b.data ? b.data : "");
}

static int64_t secs_ms(const char *s)
{
    double d = 0;
    sscanf(s, "%lf", &d);
    return (int64_t)(d * 1000);
}

static void on_cookie(void *ud, const char *line)
{
    xfer *x = ud;
    vl_buf_adds(x->c, &x->jar, line);
    vl_buf_addc(x->c, &x->jar, '\n');
}

/* curl's transient failures for --retry: a timeout, a name that did not resolve, or an HTTP
 * status that may go away */
static const char *transient(int rc, const vk_http_res *r)
{
    if (rc < 0 && !r->denied && (r->code == 28 || r->code == 6)) return ": timeout";
    if (rc == 0 && (r->status == 408 || r->status == 429 || r->status == 500 ||
                    r->status == 502 || r->status == 503 || r->status == 504 ||
                    r->status == 522 || r->status == 524))
        return ": HTTP error";
    return NULL;
}

static int transfer(vl_ctx *c, curl_opts *o, const char *url0, int num)
{
    const char *url = url0;
    const char *method = o->method;
    bool has_body = o->has_data || o->form;
    if (o->get && o->has_data) {
        url = vl_xmalloc(c, strlen(url0) + o->data.len + 2);
        sprintf((char *)url, "%s%c%.*s", url0, strchr(url0, '?') ? '&' : '?', (int)o->data.len,
                o->data.data);
        /* curl 7.88 appends the query through libcurl's URL parser, which writes the
         * appended part's %XX in lowercase */
        for (char *q = (char *)url + strlen(url0) + 1; *q; q++)
            if (q[0] == '%' && isxdigit((unsigned char)q[1]) && isxdigit((unsigned char)q[2]))
                for (int k = 1; k <= 2; k++) q[k] = (char)tolower((unsigned char)q[k]);
        has_body = false;
    }
    xfer x = {.c = c, .o = o, .fd = -1};
    const char *outname = num == 0 ? o->out_file : NULL;
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
    const char *m0 = method ? method : o->head ? "HEAD" : has_body ? "POST" : "GET";
    if (o->verbose) {
        vl_eprintf(c, "> %s %s\n", m0, url);
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
    rq.user_agent = o->user_agent;
    rq.referer = o->referer;
    rq.userpwd = o->userpwd;
    rq.cookie = o->cookie;
    rq.cookie_engine = o->cookie_engine;
    if (o->cookie_engine) {
        vl_buf_addc(c, &o->cookies, 0);
        o->cookies.len--;
        rq.cookie_lines = o->cookies.data;
    }
    if (o->form && !o->get) {
        rq.parts = o->parts;
        rq.n_parts = o->nparts;
    }
    rq.insecure = o->insecure;
    vk_http_cb cb = {&x, on_header, on_body, on_cookie};
    vk_http_res r;
    int rc = 0;
    int64_t delay = o->retry_delay_s > 0 ? o->retry_delay_s * 1000 : 1000;
    for (int attempt = 0;; attempt++) {
        x.jar.len = 0;
        x.failed = false;
        x.status = 0;
        rc = vk_http(c->p, &rq, &cb, &r);
        const char *why = transient(rc, &r);
        if (!(attempt < o->retry && why)) break;
        if (!o->silent)
            vl_eprintf(c, "Warning: Problem %s. Will retry in %lld seconds. %d retries left.\n",
                       why, (long long)(delay / 1000), o->retry - attempt);
        if (x.fd >= 0 && x.written) {
            /* the next attempt starts the file again */
            if (vk_ftruncate(c->p, x.fd, 0) < 0 || vk_lseek(c->p, x.fd, 0, VK_SEEK_SET) < 0) {
                if (!o->silent || o->show_error)
                    vl_eprintf(c, "curl: (23) Failed to truncate file\n");
                vk_close(c->p, x.fd);
                return 23;
            }
        }
        x.written = 0;
        vk_sleep_ns(c->p, delay * 1000000);
        if (o->retry_delay_s <= 0 && delay < 600000) delay *= 2;
    }
    if (o->cookie_engine) {
        o->cookies = x.jar;
        x.jar = (vl_buf){0};
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
    if (o->wfmt) {
        wctx w = {&r, code, m0, url0, outname && strcmp(outname, "-") ? outname : "", num,
                  o->referer, &x.last_headers};
        write_out(c, o->wfmt, &w);
    }
    if (code && (!o->silent || o->show_error)) {
        vl_flush(c);
        vl_eprintf(c, "curl: (%d) %s\n", code, r.err);
        if (code == 60)
            vl_eprintf(c, "More details here: https://curl.se/docs/sslcerts.html\n\n"
                          "curl failed to verify the legitimacy of the server and therefore could not\n"
                          "establish a secure connection to it. To learn more about this situation and\n"
                          "how to fix it, please visit the web page mentioned above.\n");
    }
    return code;
}

/* curl's request kinds, for its "only one HTTP request method" check */
enum { REQ_NONE, REQ_HEAD, REQ_FORM, REQ_POST };
static const char *const req_name[] = {"", "HEAD (-I, --head)", "multipart formpost (-F, --form)",
                                       "POST (-d, --data)"};

/* false (after curl's warning) when a request kind is already chosen */
static bool set_req(vl_ctx *c, int *cur, int req)
{
    if (*cur == REQ_NONE || *cur == req) {
        *cur = req;
        return true;
    }
    /* curl wraps its warnings at 79 columns */
    char msg[256];
    snprintf(msg, sizeof msg,
             "You can only select one HTTP request method! You asked for both %s and %s.",
             req_name[req], req_name[*cur]);
    const char *m = msg;
    while (*m) {
        size_t n = strlen(m);
        if (n > 79 - 9) {
            n = 79 - 9;
            while (n > 0 && m[n] != ' ') n--;
            n++;
        }
        vl_eprintf(c, "Warning: %.*s\n", (int)n, m);
        m += n;
    }
    return false;
}

static int usage_err(vl_ctx *c, const char *fmt, const char *a)
{
    vl_eprintf(c, fmt, a);
    vl_eprintf(c, "curl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
}

static const struct {
    char short_name;
    const char *name;
    bool arg;
} curl_flags[] = {
    {'s', "--silent", 0}, {'S', "--show-error", 0}, {'f', "--fail", 0},
    {0, "--fail-with-body", 0}, {'L', "--location", 0}, {'i', "--include", 0},
    {'I', "--head", 0}, {'v', "--verbose", 0}, {'G', "--get", 0}, {0, "--compressed", 0},
    {'O', "--remote-name", 0}, {'k', "--insecure", 0}, {'#', "--progress-bar", 0},
    {0, "--no-progress-meter", 0}, {'N', "--no-buffer", 0}, {'g', "--globoff", 0},
    {0, "--http1.1", 0}, {0, "--location-trusted", 0},
    {'o', "--output", 1}, {'X', "--request", 1}, {'H', "--header", 1}, {'d', "--data", 1},
    {0, "--data-raw", 1}, {0, "--data-binary", 1}, {0, "--data-ascii", 1},
    {0, "--data-urlencode", 1}, {'u', "--user", 1}, {'w', "--write-out", 1},
    {'m', "--max-time", 1}, {0, "--connect-timeout", 1}, {0, "--retry", 1},
    {0, "--retry-delay", 1}, {0, "--retry-max-time", 1}, {'A', "--user-agent", 1},
    {'e', "--referer", 1}, {'b', "--cookie", 1}, {'c', "--cookie-jar", 1}, {0, "--url", 1},
    {0, "--max-redirs", 1}, {'F', "--form", 1}, {0, "--form-string", 1},
    {'x', "--proxy", 1}, {0, "--cacert", 1}, {0, "--capath", 1}, {0, "--resolve", 1},
    {0, "--connect-to", 1}, {'T', "--upload-file", 1}, {'E', "--cert", 1},
    {0, NULL, 0}};

static int curl_main(vl_ctx *c, int argc, char **argv)
{
    curl_opts o = {0};
    o.max_redirs = -1;
    o.user_agent = "curl/7.88.1";
    int req = REQ_NONE;
    bool no_opts = false, form_err = false;
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
        /* each flag of a short bundle, or the one long option; an argument ends a bundle */
        for (const char *sp = a + 1; *sp; sp++) {
            int k = -1;
            const char *val = NULL;
            char shown[80];
            if (a[1] == '-') {
                const char *eq = strchr(a, '=');
                size_t nl = eq ? (size_t)(eq - a) : strlen(a);
                for (int j = 0; curl_flags[j].name; j++)
                    if (strlen(curl_flags[j].name) == nl && !strncmp(curl_flags[j].name, a, nl))
                        k = j;
                if (k < 0) return usage_err(c, "curl: option %s: is unknown\n", a);
                snprintf(shown, sizeof shown, "%s", curl_flags[k].name);
                if (curl_flags[k].arg) {
                    if (eq) val = eq + 1;
                    else if (i + 1 < argc) val = argv[++i];
                    else return usage_err(c, "curl: option %s: requires parameter\n", shown);
                }
                sp = a + strlen(a) - 1;
            } else {
                for (int j = 0; curl_flags[j].name; j++)
                    if (curl_flags[j].short_name == *sp) k = j;
                snprintf(shown, sizeof shown, "-%c", *sp);
                if (k < 0) return usage_err(c, "curl: option %s: is unknown\n", shown);
                if (curl_flags[k].arg) {
                    if (sp[1]) val = sp + 1;
                    else if (i + 1 < argc) val = argv[++i];
                    else return usage_err(c, "curl: option %s: requires parameter\n", shown);
                    sp = sp + strlen(sp) - 1;
                }
            }
            const char *n = curl_flags[k].name + 2;
            if (!strcmp(n, "silent")) o.silent = true;
            else if (!strcmp(n, "show-error")) o.show_error = true;
            else if (!strcmp(n, "fail")) o.fail = true;
            else if (!strcmp(n, "fail-with-body")) o.fail = o.fail_body = true;
            else if (!strcmp(n, "location")) o.location = true;
            else if (!strcmp(n, "include")) o.include = true;
            else if (!strcmp(n, "head")) {
                o.head = true;
                if (!set_req(c, &req, REQ_HEAD))
                    return usage_err(c, "curl: option %s: is badly used here\n", shown);
            } else if (!strcmp(n, "verbose")) o.verbose = true;
            else if (!strcmp(n, "get")) o.get = true;
            else if (!strcmp(n, "compressed")) o.compressed = true;
            else if (!strcmp(n, "remote-name")) o.remote_name = true;
            else if (!strcmp(n, "insecure")) o.insecure = true;
            else if (!strcmp(n, "output")) o.out_file = val;
            else if (!strcmp(n, "request")) o.method = val;
            else if (!strcmp(n, "header")) push(c, &o.hdrs, &o.nhdrs, &o.caphdrs, val);
            else if (!strcmp(n, "data") || !strcmp(n, "data-ascii")) add_data(c, &o, "ascii", val);
            else if (!strcmp(n, "data-raw")) add_data(c, &o, "raw", val);
            else if (!strcmp(n, "data-binary")) add_data(c, &o, "binary", val);
            else if (!strcmp(n, "data-urlencode")) add_data(c, &o, "urlencode", val);
            else if (!strcmp(n, "user")) o.userpwd = val;
            else if (!strcmp(n, "write-out")) o.wfmt = val;
            else if (!strcmp(n, "max-time")) o.max_time_ms = secs_ms(val);
            else if (!strcmp(n, "connect-timeout")) o.connect_ms = secs_ms(val);
            else if (!strcmp(n, "retry")) o.retry = atoi(val);
            else if (!strcmp(n, "retry-delay")) o.retry_delay_s = atoi(val);
            else if (!strcmp(n, "max-redirs")) o.max_redirs = atoi(val);
            else if (!strcmp(n, "user-agent")) o.user_agent = val;
            else if (!strcmp(n, "referer")) o.referer = val;
            else if (!strcmp(n, "url")) push(c, &o.urls, &o.nurls, &o.capurls, val);
            else if (!strcmp(n, "cookie")) {
                if (strchr(val, '=')) {
                    o.cookie = val;
                } else {
                    /* a cookie file, read through the VM; a missing one starts empty */
                    o.cookie_engine = true;
                    vl_buf f = {0};
                    if (slurp(c, val, &f, false)) {
                        vl_buf_add(c, &o.cookies, f.data ? f.data : "", f.len);
                        vl_buf_addc(c, &o.cookies, '\n');
                    }
                }
            } else if (!strcmp(n, "cookie-jar")) {
                o.cookie_engine = true;
                o.cookie_jar = val;
            } else if (!strcmp(n, "form") || !strcmp(n, "form-string")) {
                if (!strchr(val, '=')) {
                    vl_eprintf(c, "Warning: Illegally formatted input field!\n");
                    return usage_err(c, "curl: option %s: is badly used here\n", shown);
                }
                if (!set_req(c, &req, REQ_FORM))
                    return usage_err(c, "curl: option %s: is badly used here\n", shown);
                o.form = true;
                if (!add_form(c, &o, val, !strcmp(n, "form-string"))) form_err = true;
            } else if (!strcmp(n, "retry-max-time") || !strcmp(n, "progress-bar") ||
                       !strcmp(n, "no-progress-meter") || !strcmp(n, "no-buffer") ||
                       !strcmp(n, "globoff") || !strcmp(n, "http1.1") ||
                       !strcmp(n, "location-trusted"))
                ;
            else {
                /* proxies, resolve overrides, client certificates, extra CAs, uploads: the
                 * kernel decides where a request goes and whom it trusts */
                vl_eprintf(c, "curl: %s is not supported in the VM\n", curl_flags[k].name);
                return 2;
            }
        }
    }
    /* curl checks -d's request kind after the whole command line */
    if (o.has_data && !o.get && !set_req(c, &req, REQ_POST)) return 2;
    if (o.nurls == 0) return usage_err(c, "curl: no URL specified!\n", "");
    if (form_err) {
        if (!o.silent || o.show_error)
            vl_eprintf(c, "curl: (26) Failed to open/read local data from file/application\n");
        return 26;
    }
    int code = 0;
    for (size_t i = 0; i < o.nurls; i++) {
        int rc = transfer(c, &o, o.urls[i], (int)i);
        if (rc) code = rc;
    }
    if (o.cookie_jar) {
        /* curl writes its jar once every transfer is done, newest cookie first */
        vl_buf j = {0};
        vl_buf_adds(c, &j, "# Netscape HTTP Cookie File\n"
                           "# https://curl.se/docs/http-cookies.html\n"
                           "# This file was generated by libcurl! Edit at your own risk.\n\n");
        size_t end = o.cookies.len;
        while (end > 0) {
            size_t b = end - 1;
            while (b > 0 && o.cookies.data[b - 1] != '\n') b--;
            vl_buf_add(c, &j, o.cookies.data + b, end - b);
            end = b;
        }
        if (!strcmp(o.cookie_jar, "-")) {
            vl_write(c, j.data, j.len);
        } else {
            int fd = vk_open(c->p, o.cookie_jar, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
            if (fd < 0 || vl_write_fd(c, fd, j.data, j.len) < 0) {
                if (!o.silent)
                    vl_eprintf(c, "Warning: Failed to save cookies in %s\n", o.cookie_jar);
            }
            if (fd >= 0) vk_close(c->p, fd);
        }
    }
    return code;
}

VL_COMMAND(curl, curl_main, NULL, "[options...] <url>", "transfer a URL", VL_NO_OPTIONS, 2);
