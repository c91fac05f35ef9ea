/* parsedate.h: date strings as GNU's parse_datetime reads them (touch -d, find -newermt).
 * Nothing here allocates, prints or touches files. */
#ifndef VL_PARSEDATE_H
#define VL_PARSEDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/timefmt.h"

/* Parse s into *out (ns since the epoch). now_ns is the base of relative items and of missing
 * date fields; dates and times without a zone of their own are local times of tz (NULL: UTC).
 * False when s is not a date this parser understands. */
bool vl_parse_date(const char *s, int64_t now_ns, const vl_tz *tz, int64_t *out);

#endif
