/* format.h: the printf engine shared by the printf command, bash's printf builtin (through
 * vl_run_builtin or directly for printf -v) and echo -e: backslash escapes and conversions.
 * Which dialect applies (bash's or GNU coreutils') follows c->builtin. */
#ifndef VL_FORMAT_H
#define VL_FORMAT_H

#include "lib/cmd.h"

/* Where escapes appear; each has its own rules in both bash and GNU. */
enum {
    VL_ESC_FORMAT = 0, /* a printf format string */
    VL_ESC_B = 1,      /* a %b argument */
    VL_ESC_ECHO = 2,   /* echo -e */
};

/* Append s to out with its backslash escapes interpreted for mode. Returns true when \c
 * ended the output (the caller prints nothing more). In GNU mode a bad \x or \u ends the
 * command with GNU's message and status 1; bash warns and keeps the text. */
bool vl_unescape(vl_ctx *c, vl_buf *out, const char *s, int mode);

/* Format argv[0..argc) with fmt as printf(1) does (the format is reused while arguments
 * remain). Appends to out, or writes to stdout when out is NULL. Returns the exit status
 * (0, or 1 after a conversion error); errors go to stderr in bash's or GNU's words. */
int vl_format(vl_ctx *c, vl_buf *out, const char *fmt, int argc, char **argv);

/* Quote s for reuse as shell input: bash's printf %q (backslashes, $'..' for control
 * characters) when c->builtin, else GNU's (quotearg shell-escape: 'a b'). */
void vl_shell_quote(vl_ctx *c, vl_buf *out, const char *s);

/* Quote s the way GNU's quote() does in the C locale ('a\'b'), for messages of printf, seq,
 * test. The result lives in the arena. */
const char *vl_quote_locale(vl_ctx *c, const char *s);

#endif
