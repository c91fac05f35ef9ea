/* sum: the BSD (default, -r) or System V (-s) 16-bit checksum and block count of each file,
 * as coreutils 9.1 prints them (the name follows when files were named). */
#include "lib/digest.h"

#include <string.h>

static int sum_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int algo = vl_last(c, 's') > vl_last(c, 'r') ? VL_H_SYSV : VL_H_BSD;
    static char dash[] = "-";
    char *only_stdin[] = {NULL, dash, NULL};
    bool named = n > 0;
    if (n == 0) {
        argv = only_stdin;
        n = 1;
    }
    size_t bufsize = 256 * 1024;
    unsigned char *buf = vl_xmalloc(c, bufsize);
    for (int i = 1; i <= n; i++) {
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, argv[i], &err);
        if (!in) {
            vl_perror(c, vl_quote(c, argv[i]), err);
            continue;
        }
        vl_hash h;
        vl_hash_init(c, &h, algo, 0);
        int rc = vl_hash_in(c, in, &h, buf, bufsize);
        vl_in_close(c, in);
        unsigned char d[4];
        vl_hash_final(&h, d);
        if (rc < 0) {
            vl_perror(c, vl_quote(c, argv[i]), rc);
            continue;
        }
        unsigned v = (unsigned)d[0] << 24 | (unsigned)d[1] << 16 | (unsigned)d[2] << 8 | d[3];
        if (algo == VL_H_SYSV)
            vl_printf(c, "%u %llu", v, (unsigned long long)((h.total + 511) / 512));
        else
            vl_printf(c, "%05u %5llu", v, (unsigned long long)((h.total + 1023) / 1024));
        if (named) vl_printf(c, " %s", argv[i]);
        vl_putc(c, '\n');
    }
    vl_xfree(c, buf);
    return c->status;
}

static const vl_opt sum_opts[] = {
    {'r', NULL, VL_NOARG, NULL, "use BSD sum algorithm (the default), use 1K blocks"},
    {'s', "sysv", VL_NOARG, NULL, "use System V sum algorithm, use 512 bytes blocks"},
    {0}};
VL_COMMAND(sum, sum_main, sum_opts, "[OPTION]... [FILE]...",
           "Print or check BSD (16-bit) checksums.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
