/* bc.h: the arbitrary-precision decimal numbers bc and dc share (bc_num.c). A number is a
 * sign, integer digits and fraction digits (base 10, most significant first); every
 * operation takes the scale rules of GNU bc's number.c, so results are digit for digit
 * GNU's (truncation, never rounding). Numbers are reference counted and immutable: an
 * operation returns a new number. Memory comes from the command's arena (vl_x*), so a huge
 * number ends the command with "memory exhausted" at the VM's limit; long operations count
 * steps against the VM's budget. */
#ifndef VOS_CMD_BC_H
#define VOS_CMD_BC_H

#include "lib/cmd.h"

typedef struct bn {
    int refs;
    bool neg;
    int len;   /* integer digits (at least 1) */
    int scale; /* fraction digits */
    unsigned char d[]; /* len + scale digits, values 0..9 */
} bn;

void bn_init(vl_ctx *c);
bn *bn_ref(bn *a);
void bn_unref(vl_ctx *c, bn *a);
bn *bn_zero(vl_ctx *c);
bn *bn_one(vl_ctx *c);
bn *bn_from_long(vl_ctx *c, long v);
/* The value as a long; *ok = false when it does not fit (GNU's bc_num2long gives 0 then).
 * The fraction is dropped. */
long bn_to_long(const bn *a, bool *ok);
bool bn_is_zero(const bn *a);
int bn_cmp(const bn *a, const bn *b);
bn *bn_add(vl_ctx *c, const bn *a, const bn *b, int scale_min);
bn *bn_sub(vl_ctx *c, const bn *a, const bn *b, int scale_min);
bn *bn_mul(vl_ctx *c, const bn *a, const bn *b, int scale);
/* NULL when b is zero. */
bn *bn_div(vl_ctx *c, const bn *a, const bn *b, int scale);
bn *bn_mod(vl_ctx *c, const bn *a, const bn *b, int scale);
/* Quotient and remainder at once (dc's ~); false when b is zero. */
bool bn_divmod(vl_ctx *c, const bn *a, const bn *b, int scale, bn **q, bn **r);
/* a^b, b taken as an integer. *warn set when b has a fraction; NULL with *err set to a
 * message when b is too large. */
bn *bn_raise(vl_ctx *c, const bn *a, const bn *b, int scale, bool *warn, const char **err);
/* NULL when a is negative. */
bn *bn_sqrt(vl_ctx *c, const bn *a, int scale);
/* (a^b) mod m for dc's | ; NULL with *err set on a bad operand. */
bn *bn_modexp(vl_ctx *c, const bn *a, const bn *b, const bn *m, int scale, const char **err);
/* A copy with the scale cut (or extended with zeros) to scale. */
bn *bn_rescale(vl_ctx *c, const bn *a, int scale);
/* Number of significant digits as bc's length() counts them. */
int bn_length(const bn *a);
/* Convert digit values (0..15 each, one optional '.' given as -1) read in base ibase, GNU's
 * rules (a digit above the base stands for base-1 except a lone one). */
bn *bn_from_digits(vl_ctx *c, const signed char *dig, int n, int ibase, bool neg);

/* Output: each character goes through put(arg, ch); GNU's layout for every base. */
typedef void (*bn_putc)(void *arg, int ch);
void bn_print(vl_ctx *c, const bn *a, int obase, bn_putc put, void *arg);

/* Count work against the VM's step budget (ends the command on a limit). */
void bn_work(vl_ctx *c, uint64_t n);

#endif
