/* wget: download over HTTP(S) through the kernel's network module (kernel/net.h), like
 * curl.c: the kernel decides each request against the VM's network rules and follows
 * redirects hop by hop. Exit codes are wget's: 4 for a network failure (a refused request
 * too), 8 for an error response from the server, 2 for a usage error. Without -q it prints a
 * short log to stderr (no dates, no progress bar: docs/differences.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/net.h"
#include "lib/cmd.h"

typedef struct wx {
    vl_ctx *c;
    int fd;             /* -1: stdout */
    bool server_resp;   /* -S */
    bool quiet;
    long status;
    char reason[128];
    bool error;         /* status >= 400: the body is not saved */
    const char *path;   /* where the body goes, opened on the first byte */
    bool opened;
    int open_err;
} wx;

static int w_header(void *ud, const char *line, size_t n)
{
    wx *x = ud;
    if (n > 5 && !memcmp(line, "HTTP/", 5)) {
        const char *sp = memchr(line, ' ', n);
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        const char *rs = sp ? memchr(sp + 1, ' ', (size_t)(line + n - sp - 1)) : NULL;
        size_t rl = rs ? (size_t)(line + n - rs - 1) : 0;
        while (rl && (rs[rl] == '\r' || rs[rl] == '\n' || rs[rl] == 0)) rl--;
        snprintf(x->reason, sizeof x->reason, "%.*s", rs ? (int)rl : 0, rs ? rs + 1 : "");
        while (*x->reason && strchr("\r\n", x->reason[strlen(x->reason) - 1]))
            x->reason[strlen(x->reason) - 1] = 0;
    }
    if (x->server_resp && n > 2) vl_eprintf(x->c, "  %.*s\n", (int)(n - 2), line);
    return 0;
}

static int w_body(void *ud, const void *d, size_t n)
{
    wx *x = ud;
    if (x->status >= 400) {
        x->error = true;
        return 0;
    }
    if (x->path && !x->opened) {
        x->opened = true;
        x->fd = vk_open(x->c->p, x->path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (x->fd < 0) {
            x->open_err = x->fd;
            return x->fd;
        }
    }
    if (x->fd < 0) {
        vl_write(x->c, d, n);
        return 0;
    }
    return vl_write_fd(x->c, x->fd, d, n);
}

enum { W_HEADER = 256, W_POST_DATA, W_METHOD, W_NO_CHECK, W_BODY_DATA, W_NO_VERBOSE };

static int wget_main(vl_ctx *c, int argc, char **argv)
{
    /* --header may repeat: collect every occurrence before option parsing keeps the last */
    const char **hdrs = vl_xcalloc(c, (size_t)argc + 3, sizeof *hdrs);
    size_t nh = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strncmp(argv[i], "--header=", 9)) hdrs[nh++] = argv[i] + 9;
        else if (!strcmp(argv[i], "--header") && i + 1 < argc) hdrs[nh++] = argv[++i];
    }
    int n = vl_getopt(c, argc, argv);
    bool quiet = vl_has(c, 'q');
    if (n == 0) {
        vl_eprintf(c, "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\n"
                      "Try `wget --help' for more options.\n");
        return 1;
    }
    const char *ua = vl_arg(c, 'U');
    char *uah = vl_xmalloc(c, (ua ? strlen(ua) : 16) + 16);
    sprintf(uah, "User-Agent: %s", ua ? ua : "Wget/1.21.3");
    hdrs[nh++] = uah;
    const char *post = vl_arg(c, W_POST_DATA);
    if (!post) post = vl_arg(c, W_BODY_DATA);
    if (post) hdrs[nh++] = "Content-Type: application/x-www-form-urlencoded";
    int64_t tmo = 0;
    if (vl_arg(c, 'T')) tmo = (int64_t)(atof(vl_arg(c, 'T')) * 1000);
    int tries = vl_arg(c, 't') ? atoi(vl_arg(c, 't')) : 1;
    if (tries < 1) tries = 1;
    const char *ofile = vl_arg(c, 'O');
    const char *pdir = vl_arg(c, 'P');
    int code = 0;
    for (int i = 1; i <= n; i++) {
        const char *url = argv[i];
        wx x = {.c = c, .fd = -1, .server_resp = vl_has(c, 'S'), .quiet = quiet};
        char *path = NULL;
        if (ofile && !strcmp(ofile, "-")) {
            x.fd = -1;
        } else if (ofile) {
            path = (char *)ofile;
        } else {
            const char *q = url + strcspn(url, "?#");
            const char *s = q;
            while (s > url && s[-1] != '/') s--;
            const char *sch = strstr(url, "://");
            size_t l = (size_t)(q - s);
            if (l == 0 || (sch && s <= sch + 3)) {
                s = "index.html";
                l = 10;
            }
            path = vl_xmalloc(c, (pdir ? strlen(pdir) : 0) + l + 2);
            sprintf(path, "%s%s%.*s", pdir ? pdir : "", pdir ? "/" : "", (int)l, s);
        }
        x.path = path;
        if (!quiet) vl_eprintf(c, "--  %s\n", url);
        vk_http_req rq = {0};
        rq.url = url;
        rq.method = vl_arg(c, W_METHOD);
        rq.headers = hdrs;
        rq.n_headers = nh;
        rq.body = post;
        rq.body_len = post ? strlen(post) : 0;
        rq.has_body = post != NULL;
        rq.follow = true;
        rq.max_redirs = 20;
        rq.timeout_ms = tmo;
        rq.connect_timeout_ms = tmo;
        rq.insecure = vl_has(c, W_NO_CHECK);
        vk_http_cb cb = {&x, w_header, w_body, NULL};
        vk_http_res r;
        int rc = 0;
        for (int t = 0; t < tries; t++) {
            rc = vk_http(c->p, &rq, &cb, &r);
            if (!(rc < 0 && !r.denied && r.code && r.code != 6)) break;
        }
        if (path && !x.opened && rc == 0 && r.status < 400) {
            /* an empty body still makes the file */
            int fd = vk_open(c->p, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
            if (fd >= 0) vk_close(c->p, fd);
        }
        if (x.fd >= 0) vk_close(c->p, x.fd);
        if (x.open_err) {
            vl_eprintf(c, "%s: %s\n", path, vl_strerror(x.open_err));
            code = 3;
            continue;
        }
        if (rc < 0 && r.code == 0 && !x.error) {
            code = code ? code : 1;
            continue;
        }
        if (rc < 0 && !x.error) {
            if (r.code == 6) {
                const char *h = strstr(url, "://");
                h = h ? h + 3 : url;
                vl_eprintf(c, "wget: unable to resolve host address '%.*s'\n",
                           (int)strcspn(h, ":/?#"), h);
            } else {
                vl_eprintf(c, "wget: %s\n", r.err);
            }
            code = 4;
            continue;
        }
        if (!quiet) vl_eprintf(c, "HTTP request sent, awaiting response... %ld %s\n", r.status, x.reason);
        if (r.status >= 400) {
            if (!quiet) vl_eprintf(c, "ERROR %ld: %s.\n", r.status, x.reason);
            code = 8;
            continue;
        }
        if (!quiet && path) vl_eprintf(c, "Saving to: '%s'\n", path);
    }
    return code;
}

static const vl_opt wget_opts[] = {
    {'q', "quiet", VL_NOARG, NULL, "quiet (no output)"},
    {'O', "output-document", VL_ARG, "FILE", "write documents to FILE"},
    {'P', "directory-prefix", VL_ARG, "PREFIX", "save files to PREFIX/.."},
    {'S', "server-response", VL_NOARG, NULL, "print server response"},
    {'T', "timeout", VL_ARG, "SECONDS", "set all timeout values to SECONDS"},
    {'t', "tries", VL_ARG, "NUMBER", "set number of retries to NUMBER"},
    {'U', "user-agent", VL_ARG, "AGENT", "identify as AGENT instead of Wget/VERSION"},
    {W_NO_VERBOSE, "no-verbose", VL_NOARG, NULL, "turn off verboseness"},
    {W_HEADER, "header", VL_ARG, "STRING", "insert STRING among the headers"},
    {W_POST_DATA, "post-data", VL_ARG, "STRING", "use the POST method; send STRING as the data"},
    {W_BODY_DATA, "body-data", VL_ARG, "STRING", "send STRING as data (with --method)"},
    {W_METHOD, "method", VL_ARG, "HTTPMethod", "use method \"HTTPMethod\" in the request"},
    {W_NO_CHECK, "no-check-certificate", VL_NOARG, NULL, "don't validate the server's certificate (if the network rule allows it)"},
    {0}};
VL_COMMAND(wget, wget_main, wget_opts, "[OPTION]... [URL]...",
           "GNU Wget, a non-interactive network retriever.", 0, 2);
