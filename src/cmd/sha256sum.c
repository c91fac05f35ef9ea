/* sha256sum: print or check SHA256 (256-bit) checksums, as coreutils 9.1 does (the shared main and the
 * algorithms are in lib/digest.h). */
#include "lib/digest.h"

static int sha256sum_main(vl_ctx *c, int argc, char **argv)
{
    return vl_sum_main(c, argc, argv, VL_H_SHA256);
}

VL_COMMAND(sha256sum, sha256sum_main, vl_sum_opts, VL_SUM_USAGE,
           "Print or check SHA256 (256-bit) checksums.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
