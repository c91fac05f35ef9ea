/* cksum: the POSIX CRC of each file by default, or any digest of -a (sysv, bsd, crc, md5,
 * sha1, sha224, sha256, sha384, sha512, blake2b, sm3) in BSD tagged form, and check mode
 * (algorithms named by the tags), as coreutils 9.1 does. The work is in lib/digest.h. */
#include "lib/digest.h"

static int cksum_main(vl_ctx *c, int argc, char **argv)
{
    return vl_sum_main(c, argc, argv, -1);
}

VL_COMMAND(cksum, cksum_main, vl_cksum_opts, VL_SUM_USAGE,
           "Print or verify checksums.\nBy default use the 32 bit CRC algorithm.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
