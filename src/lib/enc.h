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
 * The encodings of coreutils' base64, base32 and basenc. Decoding follows their rules: newlines
 * are skipped anywhere; a group that is bad stops decoding after the bytes it could still give
 * (base64 gives the bytes of a group's first valid characters, base32 none); padding ends a
 * group, and another group may follow it. */
enum {
    VL_B64 = 1, VL_B64URL, VL_B32, VL_B32HEX, VL_B16, VL_B2MSBF, VL_B2LSBF, VL_Z85,
};
/* Bytes per input group and characters per output group. */
void vl_enc_group(int kind, size_t *in_group, size_t *out_group);
/* Encode n bytes; n is a multiple of the input group except for the input's last piece
 * (padded as the encoding wants; Z85 cannot, the caller refuses that). out holds at least
 * (n / in_group + 1) * out_group chars. Returns the chars written. */
size_t vl_encode(int kind, const unsigned char *in, size_t n, char *out);
/* Is ch a character of the encoding's alphabet (for --ignore-garbage, which keeps '=' too)? */
bool vl_enc_alphabet(int kind, unsigned char ch);

typedef struct vl_decoder {
    int kind;
    size_t glen;          /* characters per group */
    char grp[8];          /* a partial group (newlines removed) */
    size_t n;
    signed char val[256]; /* character -> digit value, -1 if not in the alphabet */
} vl_decoder;
void vl_decoder_init(vl_decoder *d, int kind);
/* Decode n characters into out (room for n bytes); *outn = bytes written. false: invalid
 * input (out holds what came before it). */
bool vl_decode(vl_decoder *d, const char *in, size_t n, unsigned char *out, size_t *outn);
/* End of input: false when a partial group remains (after writing what it gives). */
bool vl_decode_end(vl_decoder *d, unsigned char *out, size_t *outn);

/* The main of base64 and base32 (kind fixed) and basenc (kind 0: its options choose), and
 * their option tables. */
int vl_basenc_main(vl_ctx *c, int argc, char **argv, int kind);
extern const vl_opt vl_base_opts[];
extern const vl_opt vl_basenc_opts[];

#endif
