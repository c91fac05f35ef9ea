/* base32: Base32 encode or decode FILE (or standard input) to standard output, as coreutils 9.1
 * does (wrapping, -d, -i, "invalid input"); the codec is in lib/basecodec.c. */
#include "lib/enc.h"

static int base32_main(vl_ctx *c, int argc, char **argv)
{
    return vl_basenc_main(c, argc, argv, VL_B32);
}

VL_COMMAND(base32, base32_main, vl_base_opts, "[OPTION]... [FILE]",
           "Base32 encode or decode FILE, or standard input, to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
