/* net_int.h: private to net.c and net_addr.c. */
#ifndef VK_NET_INT_H
#define VK_NET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/internal.h"
#include "kernel/net.h"

typedef struct vk_net_addr {
    unsigned char a[16];
    bool v6;
    char text[64]; /* canonical numeric form */
} vk_net_addr;

/* Parse a numeric address (IPv6 possibly in brackets, IPv4 in any inet_aton spelling):
 * 0, or -1 when s is not numeric. */
int vk_net_parse_addr(const char *s, vk_net_addr *out);
/* NULL when public, else why it is refused */
const char *vk_net_class(const vk_net_addr *a);
const char *vk_net_name_class(const char *host);

/* A URL as the rules see it. */
typedef struct url_parts {
    char scheme[16];
    char host[256];   /* as in the URL, IPv6 in brackets */
    int port;
    char path[2048];
    char origin[300]; /* scheme://host:port */
} url_parts;

/* Split an http(s) URL: 0, or VOS_EIO with curl's code and message in res. */
int vk_net_parse_url(const char *url, url_parts *u, vk_http_res *res);

#define VK_NET_INSECURE 1u /* the request skips the certificate check */
#define VK_NET_TUNNEL 2u   /* a CONNECT tunnel: no path or method is seen */

/* Decide one request (one hop) of process p by the VM's network rules, asking the host for an
 * "ask" rule, then find the address it may connect to: a literal, or the resolver's answers,
 * each checked (private and loopback only where the rule names that exact address). *pin is
 * the one address to connect to, *literal whether the URL named it. 0; VOS_EACCES when
 * refused (res->denied, audited); VOS_EIO when the name does not resolve (res->code/err). */
int vk_net_decide(vk_proc *p, const url_parts *u, const char *url, const char *method,
                  unsigned flags, vk_http_res *res, vk_net_addr *pin, bool *literal,
                  const vos_net_rule **rule, char *rulename, size_t rn);
/* Count a request against limits.net_requests and hold a transfer of limits.net_conns (give it
 * back with vk_net_leave): 0, or VOS_EACCES (res says why). */
int vk_net_admit(vk_proc *p, const char *url, const char *method, vk_http_res *res);
void vk_net_leave(vk_vm *vm);
/* Count n bytes received against limits.net_bytes: false once it is past. */
bool vk_net_take_bytes(vk_vm *vm, uint64_t n);
/* The audit event of a request that was made. */
void vk_net_audit(vk_proc *p, const char *url, const char *method, const char *rule,
                  int status, uint64_t bytes, int64_t ns);

#endif
