/* b2sum: print or check BLAKE2b 512-bit checksums, as coreutils 9.1 does (the shared main and the
 * algorithms are in lib/digest.h). */
#include "lib/digest.h"

static int b2sum_main(vl_ctx *c, int argc, char **argv)
{
    return vl_sum_main(c, argc, argv, VL_H_BLAKE2B);
}

VL_COMMAND(b2sum, b2sum_main, vl_b2sum_opts, VL_SUM_USAGE,
           "Print or check BLAKE2b 512-bit checksums.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
