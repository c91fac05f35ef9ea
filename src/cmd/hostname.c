/* hostname: the VM's host name (-s the part before the first dot; -f, -a, -A, -d, -i, -I as
 * far as a VM without a network can say). Setting it is refused, as for a user who is not
 * root: a VM's name is its configuration's. */
#include "lib/cmd.h"

#include <string.h>

static int hostname_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0 || vl_has(c, 'F')) vl_die(c, 1, "you must be root to change the host name");
    const char *h = vk_hostname(c->p);
    const char *dot = strchr(h, '.');
    if (vl_has(c, 'd')) {
        vl_printf(c, "%s\n", dot ? dot + 1 : "");
        return 0;
    }
    if (vl_has(c, 'i') || vl_has(c, 'I')) {
        vl_puts(c, vl_has(c, 'i') ? "127.0.1.1\n" : "\n");
        return 0;
    }
    if (vl_has(c, 'a') || vl_has(c, 'A')) {
        vl_puts(c, "\n");
        return 0;
    }
    if (vl_has(c, 's')) vl_printf(c, "%.*s\n", (int)(dot ? (size_t)(dot - h) : strlen(h)), h);
    else vl_printf(c, "%s\n", h);
    return 0;
}

static const vl_opt hostname_opts[] = {
    {'a', "alias", VL_NOARG, NULL, "alias names"},
    {'A', "all-fqdns", VL_NOARG, NULL, "all long host names (FQDNs)"},
    {'d', "domain", VL_NOARG, NULL, "DNS domain name"},
    {'f', "fqdn", VL_NOARG, NULL, "long host name (FQDN)"},
    {'f', "long", VL_NOARG, NULL, NULL},
    {'F', "file", VL_ARG, "FILE", "read host name from given file"},
    {'i', "ip-address", VL_NOARG, NULL, "addresses for the host name"},
    {'I', "all-ip-addresses", VL_NOARG, NULL, "all addresses for the host"},
    {'s', "short", VL_NOARG, NULL, "short host name"},
    {0}};
VL_COMMAND(hostname, hostname_main, hostname_opts, "[-s|--short] [-f|--fqdn] [-d|--domain]",
           "Show the system's host name.", 0, 1);
