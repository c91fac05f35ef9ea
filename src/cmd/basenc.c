/* basenc: encode or decode FILE (or standard input) in one of the encodings its options name
 * (base64, base64url, base32, base32hex, base16, base2msbf, base2lsbf, z85), as coreutils 9.1
 * does; the codec is in lib/basecodec.c. */
#include "lib/enc.h"

static int basenc_main(vl_ctx *c, int argc, char **argv)
{
    return vl_basenc_main(c, argc, argv, 0);
}

VL_COMMAND(basenc, basenc_main, vl_basenc_opts, "[OPTION]... [FILE]",
           "basenc encode or decode FILE, or standard input, to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
