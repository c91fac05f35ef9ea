/* translit.h: glibc's //TRANSLIT replacement of a code point that the target charset lacks,
 * in the C locale or in C.UTF-8 (where accents are dropped), for iconv. */
#ifndef VL_TRANSLIT_H
#define VL_TRANSLIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct vl_translit_entry {
    uint32_t cp;
    const char *c, *u; /* UTF-8 replacement in C / C.UTF-8; NULL: none ("?") */
} vl_translit_entry;

typedef struct vl_translit_over {
    uint32_t cp;
    const char *s[3]; /* ISO-8859-1, ISO-8859-15, CP1252 */
} vl_translit_over;

/* The replacement (UTF-8) of cp when converting to target (0 ASCII, 1 ISO-8859-1,
 * 2 ISO-8859-15, 3 CP1252), or NULL when glibc writes "?". */
const char *vl_translit(uint32_t cp, bool utf8_locale, int target);

#endif
