/* net.h: the VM's one way to the network (docs/network.md). A command (curl, wget) describes
 * an HTTP request; the kernel decides it against the VM's network rules, resolves the name
 * once per hop through the host's resolver, refuses private, loopback, link-local and
 * metadata addresses unless the rule names that exact address, pins the connection to the
 * checked address, follows redirects itself (each hop decided again), adds the rule's
 * credential headers where the VM never sees them, and streams the response back through
 * callbacks. */
#ifndef VK_NET_H
#define VK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

struct vk_http_part;

typedef struct vk_http_req {
    const char *method;           /* NULL: GET, or POST when has_body */
    const char *url;
    const char *const *headers;   /* "Name: value" lines the VM sets */
    size_t n_headers;
    const void *body;
    size_t body_len;
    bool has_body;
    bool head;                    /* no response body (HEAD) */
    bool follow;                  /* follow redirects (each hop decided again) */
    int max_redirs;               /* with follow; <0: 50 */
    bool compressed;              /* ask for and decode gzip/deflate/br */
    int64_t timeout_ms;           /* whole request, all hops; 0: the kernel's default */
    int64_t connect_timeout_ms;   /* 0: the kernel's default */
    const char *user_agent;       /* NULL: none (as libcurl's CURLOPT_USERAGENT) */
    const char *referer;          /* NULL: none */
    const char *userpwd;          /* "user:password" for Basic authentication, NULL: none */
    const char *cookie;           /* "a=1; b=2" sent as given (curl -b STRING), NULL: none */
    bool cookie_engine;           /* keep cookies across hops (curl -b FILE / -c FILE) */
    const char *cookie_lines;     /* with cookie_engine: cookies to start with, one a line, in
                                     the Netscape cookie-file format or "Set-Cookie: ..." */
    const struct vk_http_part *parts; /* multipart/form-data body (curl -F), or NULL */
    size_t n_parts;
    bool insecure;                /* skip the certificate check: refused unless the deciding
                                     rule allows it (vos_net_rule.insecure) */
} vk_http_req;

/* One part of a multipart/form-data body. */
typedef struct vk_http_part {
    const char *name;
    const void *data;
    size_t len;
    const char *filename;         /* NULL: none (a plain field) */
    const char *type;             /* NULL: libcurl's guess from the file name, or none */
    const char *const *headers;   /* extra part headers, "Name: value" */
    size_t n_headers;
} vk_http_part;

/* Callbacks, called on the requesting process's thread. header gets each raw response header
 * line (status line, fields, the blank line) of every hop; body gets the body of the last hop
 * only. A negative return stops the transfer (vk_http then returns that code). */
typedef struct vk_http_cb {
    void *ud;
    int (*header)(void *ud, const char *line, size_t n);
    int (*body)(void *ud, const void *data, size_t n);
    /* with cookie_engine: once the request ends (even failed), each cookie the engine holds,
     * as a Netscape cookie-file line without its newline, oldest first; may be NULL */
    void (*cookie)(void *ud, const char *line);
} vk_http_cb;

typedef struct vk_http_res {
    int code;            /* curl's exit code for what went wrong (6, 7, 28, 47, 56...), 0: ok */
    char err[512];       /* curl's message for it, without "curl: (N) "; never a credential */
    bool denied;         /* the policy refused (code 7) */
    long status;         /* HTTP status of the last hop, 0 when none */
    char url[2048];      /* URL of the last hop */
    char redirect_url[2048]; /* a Location not followed, or "" */
    int redirects;
    uint64_t bytes;      /* body bytes of the last hop */
    uint64_t header_bytes;
    int64_t total_ns;
    char remote_ip[64];
    int remote_port;
    char content_type[256];
    uint64_t request_bytes;  /* request head and body sent, all hops */
    uint64_t upload_bytes;   /* body bytes sent on the last hop */
    long http_version;       /* of the last response: 10, 11, 20, 30; 0: none */
    int num_connects;        /* new connections made, all hops */
    char local_ip[64];
    int local_port;
    long ssl_verify_result;
    char scheme[16];         /* of the last hop, as libcurl names it ("HTTP", "HTTPS") */
} vk_http_res;

/* Make the request. Returns 0 when an HTTP response arrived (whatever its status), else a
 * negative code: VOS_EACCES (the policy refused), VOS_EIO (network error, res->code/err say
 * which), a callback's code, or vk_check's code when the process must end. */
int vk_http(vk_proc *p, const vk_http_req *rq, const vk_http_cb *cb, vk_http_res *res);

/* Has the VM any network rule (without one, every request is refused)? */
bool vk_net_has_rules(vk_vm *vm);

/* The network of escalated programs (netproxy.c, docs/escalation.md): serve the HTTP proxy
 * whose listening socket lfd (taken) lies in the jail's network namespace. Each connection is
 * a VM process (a child of p's server process, all in one new process group) that decides
 * its request by the VM's network rules as vk_http does. Returns the server's pid (end the
 * group -pid and reap the server once the program ends) or a negative code. */
int vk_netproxy_start(vk_proc *p, int lfd);

/* Address class of a numeric address: NULL when public, else a word ("loopback", "private",
 * "link-local", "metadata"...). For tests and explain. */
const char *vk_net_addr_class(const char *numeric);

#endif
