/* net_addr.c: which addresses a VM may reach without a rule naming them. Everything that is
 * not plainly a public unicast address is refused: private, loopback, link-local, CGNAT,
 * multicast, unspecified, reserved, cloud metadata, and every IPv6 form that embeds an IPv4
 * address (mapped, compatible, NAT64, 6to4, Teredo), since the host's stack may route those
 * to the embedded address. Numeric spellings (2130706433, 0x7f000001, 0177.0.0.1, 127.1) are
 * read the way inet_aton and the resolver read them, so that no spelling slips past. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "kernel/net_int.h"

static const char *v4_class(const unsigned char *a)
{
    unsigned x = (unsigned)a[0] << 24 | (unsigned)a[1] << 16 | (unsigned)a[2] << 8 | a[3];
    if (x == 0xa9fea9feu) return "metadata"; /* 169.254.169.254 */
    if (a[0] == 0) return "unspecified";
    if (a[0] == 10) return "private";
    if (a[0] == 127) return "loopback";
    if (a[0] == 100 && (a[1] & 0xc0) == 64) return "carrier-grade NAT";
    if (a[0] == 169 && a[1] == 254) return "link-local";
    if (a[0] == 172 && (a[1] & 0xf0) == 16) return "private";
    if (a[0] == 192 && a[1] == 168) return "private";
    if (a[0] == 192 && a[1] == 0 && a[2] == 0) return "reserved";
    if (a[0] == 198 && (a[1] & 0xfe) == 18) return "reserved";
    if (a[0] >= 224 && a[0] < 240) return "multicast";
    if (a[0] >= 240) return "reserved";
    return NULL;
}

static const char *v6_class(const unsigned char *a)
{
    static const unsigned char zero[16];
    if (!memcmp(a, zero, 15) && a[15] == 0) return "unspecified";
    if (!memcmp(a, zero, 15) && a[15] == 1) return "loopback";
    if (!memcmp(a, zero, 10) && a[10] == 0xff && a[11] == 0xff) return "IPv4-mapped";
    if (!memcmp(a, zero, 12)) return "IPv4-compatible";
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) return "NAT64";
    if (a[0] == 0x20 && a[1] == 0x02) return "6to4";
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0) return "Teredo";
    if (a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x0e && a[3] == 0xc2) return "metadata";
    if ((a[0] & 0xfe) == 0xfc) return "private";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "link-local";
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return "site-local";
    if (a[0] == 0xff) return "multicast";
    if (a[0] == 0x01 && !memcmp(a + 1, zero, 7)) return "discard";
    return NULL;
}

int vk_net_parse_addr(const char *s, vk_net_addr *out)
{
    char buf[80];
    size_t n = strlen(s);
    if (n >= sizeof buf) return -1;
    if (s[0] == '[') {
        if (n < 2 || s[n - 1] != ']') return -1;
        memcpy(buf, s + 1, n - 2);
        buf[n - 2] = 0;
    } else {
        memcpy(buf, s, n + 1);
    }
    memset(out, 0, sizeof *out);
    if (strchr(buf, ':')) {
        if (strchr(buf, '%')) return -1; /* zone ids: link-local only anyway */
        if (inet_pton(AF_INET6, buf, out->a) != 1) return -1;
        out->v6 = true;
        inet_ntop(AF_INET6, out->a, out->text, sizeof out->text);
        return 0;
    }
    /* inet_aton reads every numeric IPv4 spelling the C library's resolver accepts */
    struct in_addr in;
    for (const char *c = buf; *c; c++)
        if (!strchr("0123456789abcdefABCDEFxX.", *c)) return -1;
    if (!buf[0] || inet_aton(buf, &in) == 0) return -1;
    memcpy(out->a, &in, 4);
    out->v6 = false;
    inet_ntop(AF_INET, out->a, out->text, sizeof out->text);
    return 0;
}

const char *vk_net_class(const vk_net_addr *a)
{
    return a->v6 ? v6_class(a->a) : v4_class(a->a);
}

const char *vk_net_addr_class(const char *numeric)
{
    vk_net_addr a;
    if (vk_net_parse_addr(numeric, &a) != 0) return "invalid";
    return vk_net_class(&a);
}

/* Names that always mean this machine or the cloud's metadata service, whatever a resolver
 * says about them. */
const char *vk_net_name_class(const char *host)
{
    size_t n = strlen(host);
    while (n && host[n - 1] == '.') n--;
    if ((n == 9 && !strncasecmp(host, "localhost", 9)) ||
        (n > 10 && !strncasecmp(host + n - 10, ".localhost", 10)))
        return "loopback";
    static const char *const meta[] = {"metadata.google.internal", "metadata", "metadata.goog",
                                       "instance-data", "instance-data.ec2.internal", NULL};
    for (int i = 0; meta[i]; i++)
        if (strlen(meta[i]) == n && !strncasecmp(host, meta[i], n)) return "metadata";
    return NULL;
}
