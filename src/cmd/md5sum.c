/* md5sum: print or check MD5 (128-bit) checksums, as coreutils 9.1 does (the shared main and the
 * algorithms are in lib/digest.h). */
#include "lib/digest.h"

static int md5sum_main(vl_ctx *c, int argc, char **argv)
{
    return vl_sum_main(c, argc, argv, VL_H_MD5);
}

VL_COMMAND(md5sum, md5sum_main, vl_sum_opts, VL_SUM_USAGE,
           "Print or check MD5 (128-bit) checksums.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
