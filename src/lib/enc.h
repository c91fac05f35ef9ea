/* enc.h: what the encodings/checksums/numbers commands share (od, xxd, hexdump, strings,
 * base64/base32/basenc, the *sum family, cksum, iconv, numfmt, tsort, factor, envsubst):
 * step counting that ends the command on a limit, the options in the order they were given
 * (od -t x -c, hexdump -C -c print one block per format, in order), and the base-N codecs.
 * Hashes live in digest.h. Nothing here does I/O beyond the command framework's. */
#ifndef VL_ENC_H
#define VL_ENC_H

#include "lib/cmd.h"

/* Count n steps against the exec's budget; on a limit (anything but VOS_EINTR) the command
 * ends at once with the status the process dies with. */
void vl_enc_steps(vl_ctx *c, uint64_t n);

/* The options of argv in the order given, after vl_getopt validated them: call vl_getopt on
 * argv first (it reports bad options and handles --help), with a copy of the original argv
 * kept for this. Each entry is (id of the option in the command's table, its argument or
 * NULL). Returns the count; *out lives in the arena. */
typedef struct vl_optocc {
    int id;
    const char *arg;
} vl_optocc;
int vl_enc_optseq(vl_ctx *c, int argc, char **argv, vl_optocc **out);
/* A copy of argv[0..argc] (NULL-terminated) in the arena, for vl_enc_optseq. */
char **vl_enc_argv_dup(vl_ctx *c, int argc, char **argv);

/* ---- base-N codecs (base64, base64url, base32, base32hex, base16, base2msbf/lsbf, z85) ----
 * An encoder turns each complete input group into text; a decoder takes text with newlines
 * already removed (the caller strips them, and rejects what it must). */
enum {
    VL_B64 = 1, VL_B64URL, VL_B32, VL_B32HEX, VL_B16, VL_B2MSBF, VL_B2LSBF, VL_Z85,
};
/* Bytes per input group and characters per output group of an encoding. */
void vl_enc_group(int kind, size_t *in_group, size_t *out_group);
/* Encode n bytes of in (n a multiple of the input group, or the last piece of the input
 * when last) into out; returns the characters written. out holds at least
 * vl_enc_outlen(kind, n). Z85 refuses a last piece that is not a multiple of 4 (returns
 * (size_t)-1). */
size_t vl_enc_outlen(int kind, size_t n);
size_t vl_encode(int kind, const unsigned char *in, size_t n, bool last, char *out);

/* A streaming decoder: feed characters, get bytes. It keeps a partial group between calls.
 * Returns false on invalid input (after writing the bytes decoded before the bad one). */
typedef struct vl_decoder {
    int kind;
    bool ignore_garbage;
    unsigned char q[8]; /* a partial group of sextets/quintets/... */
    size_t nq;
    int pad;            /* '=' seen: how many */
    bool done;          /* padding ended the data: only more padding or a new group may follow */
} vl_decoder;
void vl_decoder_init(vl_decoder *d, int kind, bool ignore_garbage);
/* Decode n chars of in (newlines allowed and skipped) into out (at least n bytes);
 * *outn set to the bytes written. */
bool vl_decode(vl_decoder *d, const char *in, size_t n, unsigned char *out, size_t *outn);
/* End of input: a partial group left over is invalid (true when all was well). */
bool vl_decode_end(vl_decoder *d, unsigned char *out, size_t *outn);

#endif
