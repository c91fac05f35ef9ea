/* net_int.h: private to net.c and net_addr.c. */
#ifndef VK_NET_INT_H
#define VK_NET_INT_H

#include <stdbool.h>

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

#endif
