/* digest.h: the checksums of md5sum, sha1sum, sha224sum, sha256sum, sha384sum, sha512sum,
 * b2sum, cksum and sum: one streaming interface over every algorithm, and the shared main of
 * the *sum commands (computing, --tag, -z, escaped names, and check mode with its messages,
 * as coreutils 9.1 prints them). MD5 and the SHA family come from OpenSSL's libcrypto (its
 * assembly uses the CPU's SHA extensions); BLAKE2b (any length), SM3 and the CRC/sum
 * checksums are written here. */
#ifndef VL_DIGEST_H
#define VL_DIGEST_H

#include "lib/cmd.h"

enum {
    VL_H_SYSV = 0, /* sum -s */
    VL_H_BSD,      /* sum -r */
    VL_H_CRC,      /* cksum's POSIX CRC */
    VL_H_MD5,
    VL_H_SHA1,
    VL_H_SHA224,
    VL_H_SHA256,
    VL_H_SHA384,
    VL_H_SHA512,
    VL_H_BLAKE2B,
    VL_H_SM3,
    VL_H_COUNT
};

typedef struct vl_hash {
    vl_ctx *c;
    void *ext; /* the CRC's tables (arena) */
    int algo;
    size_t outlen;  /* digest bytes (BLAKE2b: 1..64) */
    uint64_t total; /* bytes hashed */
    _Alignas(16) unsigned char st[400];
} vl_hash;

/* outlen: BLAKE2b's digest bytes (0: 64); ignored by the others. */
void vl_hash_init(vl_ctx *c, vl_hash *h, int algo, size_t outlen);
void vl_hash_update(vl_hash *h, const void *data, size_t n);
/* Writes outlen bytes (for CRC/SYSV/BSD: the checksum as a 32-bit big-endian value) and
 * releases what init took. */
void vl_hash_final(vl_hash *h, unsigned char *out);
/* "MD5", "SHA256", "BLAKE2b", "SM3", "CRC", "SYSV", "BSD" */
const char *vl_hash_tag(int algo);
/* Does the CRC use carry-less multiplication on this CPU (cksum --debug says so)? */
bool vl_hash_crc_clmul(void);
/* Digest bytes of an algorithm at its default length. */
size_t vl_hash_len(int algo);

/* The main of md5sum, sha*sum and b2sum (algo fixed), and of cksum (algo < 0: -a chooses). */
int vl_sum_main(vl_ctx *c, int argc, char **argv, int algo);
/* Their option tables. */
extern const vl_opt vl_sum_opts[];
extern const vl_opt vl_b2sum_opts[];
extern const vl_opt vl_cksum_opts[];
#define VL_SUM_USAGE "[OPTION]... [FILE]..."

/* Hash one open input to its end through buf (counting steps); 0 or the read error. */
int vl_hash_in(vl_ctx *c, vl_in *in, vl_hash *h, unsigned char *buf, size_t bufsize);

#endif
