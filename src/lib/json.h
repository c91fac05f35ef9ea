/* json.h: a small strict JSON (RFC 8259) DOM: parse text into a tree of nodes, build and look
 * up nodes, write a tree back as text. Every byte comes from a caller-given allocator of the
 * vos_alloc_fn shape, so the same code serves the api layer (host malloc) and commands (the
 * VM's allocator, which also bounds the size of what a parse may build).
 *
 * Strictness: one value, optionally surrounded by whitespace; no comments, no trailing
 * commas, no NaN/Infinity, no leading zeros or '+', no control characters inside strings,
 * valid UTF-8 only (no overlong forms, no encoded surrogates), \u escapes with surrogate pairs
 * joined and lone surrogates rejected. Numbers keep their text (so 12345678901234567890 or
 * 1.10 survive a round trip unchanged); vl_json_num_* convert on demand. Duplicate keys in an
 * object: the last value wins, at the position of the first. Nesting is bounded (max_depth). */
#ifndef VL_JSON_H
#define VL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vos.h"

typedef enum {
    VL_JSON_NULL,
    VL_JSON_BOOL,
    VL_JSON_NUMBER,
    VL_JSON_STRING,
    VL_JSON_ARRAY,
    VL_JSON_OBJECT,
} vl_json_type;

typedef struct vl_json vl_json;

/* The allocator every call takes. fn(ud, NULL, 0, n) allocates, fn(ud, p, o, n) resizes,
 * fn(ud, p, o, 0) frees; a NULL return for n > 0 is "out of memory", which the parser reports
 * as an error and the builders as a NULL/-1 result. max_depth bounds nesting in a parse
 * (0: VL_JSON_DEFAULT_DEPTH). */
typedef struct vl_json_ctx {
    vos_alloc_fn fn;
    void *ud;
    unsigned max_depth;
} vl_json_ctx;
#define VL_JSON_DEFAULT_DEPTH 256

/* Where and why a parse failed: line and column are 1-based, the column counts bytes. */
typedef struct vl_json_error {
    int line, column;
    size_t offset;
    char msg[96];
} vl_json_error;

/* Parse len bytes. Returns the tree (free with vl_json_free) or NULL with *err filled
 * (err may be NULL). */
vl_json *vl_json_parse(const vl_json_ctx *cx, const char *text, size_t len, vl_json_error *err);
void vl_json_free(const vl_json_ctx *cx, vl_json *v);

/* Reading. All accept NULL (and then answer "nothing"). */
vl_json_type vl_json_type_of(const vl_json *v);
const char *vl_json_type_name(vl_json_type t); /* "null", "boolean", "number"... */
bool vl_json_bool(const vl_json *v);           /* false unless a true boolean */
/* String bytes (NUL-terminated; *len, if given, counts embedded NULs) or a number's text. */
const char *vl_json_str(const vl_json *v, size_t *len);
double vl_json_num_double(const vl_json *v);
/* The number as an int64 when it is an integer in range (1e3 and 2.0 count); false else. */
bool vl_json_num_int64(const vl_json *v, int64_t *out);
size_t vl_json_count(const vl_json *v); /* elements of an array, members of an object */
vl_json *vl_json_at(const vl_json *v, size_t i);            /* array element or member value */
const char *vl_json_key_at(const vl_json *v, size_t i, size_t *klen); /* member key */
vl_json *vl_json_get(const vl_json *obj, const char *key);  /* member by key, or NULL */
vl_json *vl_json_get_n(const vl_json *obj, const char *key, size_t klen);

/* Building. Each returns NULL when out of memory. vl_json_num_text checks the text is a JSON
 * number (NULL if not). */
vl_json *vl_json_new_null(const vl_json_ctx *cx);
vl_json *vl_json_new_bool(const vl_json_ctx *cx, bool b);
vl_json *vl_json_new_num_text(const vl_json_ctx *cx, const char *text, size_t len);
vl_json *vl_json_new_int(const vl_json_ctx *cx, int64_t n);
vl_json *vl_json_new_double(const vl_json_ctx *cx, double d); /* non-finite -> null */
vl_json *vl_json_new_str(const vl_json_ctx *cx, const char *s, size_t len);
vl_json *vl_json_new_array(const vl_json_ctx *cx);
vl_json *vl_json_new_object(const vl_json_ctx *cx);
/* Append to an array / set a member (replacing an existing key's value in place, the old one
 * freed). The tree takes item; on failure (-1: out of memory or wrong type) item is freed. */
int vl_json_append(const vl_json_ctx *cx, vl_json *arr, vl_json *item);
int vl_json_set(const vl_json_ctx *cx, vl_json *obj, const char *key, size_t klen, vl_json *val);
/* Take a member out (the caller owns it) or NULL. */
vl_json *vl_json_take(const vl_json_ctx *cx, vl_json *obj, const char *key);

/* Writing. The text is NUL-terminated, allocated with cx (free with
 * cx->fn(cx->ud, p, *len + 1, 0)); NULL when out of memory. Strings are escaped as JSON
 * requires ('"', '\\', control characters as \b \f \n \r \t or \u00XX, DEL as \u007f); other
 * UTF-8 is written as is, and bytes that are not valid UTF-8 become \ufffd, so the output is
 * always valid JSON. VL_JSON_PRETTY indents by two spaces as jq does. */
enum { VL_JSON_PRETTY = 1 };
char *vl_json_write(const vl_json_ctx *cx, const vl_json *v, int flags, size_t *len);
/* Just a string, quoted and escaped as above. */
char *vl_json_quote(const vl_json_ctx *cx, const char *s, size_t slen, size_t *len);

#endif
