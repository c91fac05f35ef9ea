/* expand_tabs.h: tab stops as GNU expand and unexpand share them (coreutils' expand-common):
 * "-t N" (every N columns), "-t A,B,C" (a list, blanks or commas between), a last value
 * "/N" (then every N) or "+N" (then every N after the last stop), the obsolete "-N,M"
 * options, and the input as one stream over several files. Private to expand.c and
 * unexpand.c. */
#ifndef VL_EXPAND_TABS_H
#define VL_EXPAND_TABS_H

#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

typedef struct tabs {
    uint64_t *list;
    size_t n, cap;
    uint64_t tab_size, extend, increment, max_width;
} tabs;

static void tabs_add(vl_ctx *c, tabs *t, uint64_t v)
{
    uint64_t prev = t->n ? t->list[t->n - 1] : 0;
    uint64_t w = prev <= v ? v - prev : 0;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->list = vl_xrealloc(c, t->list, t->cap * sizeof *t->list);
    }
    t->list[t->n++] = v;
    if (t->max_width < w) t->max_width = w;
}

/* Parse one -t argument; reports GNU's messages and returns false on errors. */
static bool tabs_parse(vl_ctx *c, tabs *t, const char *s)
{
    bool have = false, ext = false, inc = false, ok = true;
    uint64_t v = 0;
    const char *num = NULL;
    for (; *s; s++) {
        if (*s == ',' || *s == ' ' || *s == '\t') {
            if (have) {
                if (ext) {
                    if (t->extend) {
                        vl_error(c, "'/' specifier only allowed with the last value");
                        ok = false;
                        break;
                    }
                    t->extend = v;
                } else if (inc) {
                    if (t->increment) {
                        vl_error(c, "'+' specifier only allowed with the last value");
                        ok = false;
                        break;
                    }
                    t->increment = v;
                } else {
                    tabs_add(c, t, v);
                }
            }
            have = false;
        } else if (*s == '/') {
            if (have) {
                vl_error(c, "'/' specifier not at start of number: %s", vl_quote_locale(c, s));
                ok = false;
            }
            ext = true;
            inc = false;
        } else if (*s == '+') {
            if (have) {
                vl_error(c, "'+' specifier not at start of number: %s", vl_quote_locale(c, s));
                ok = false;
            }
            inc = true;
            ext = false;
        } else if (*s >= '0' && *s <= '9') {
            if (!have) {
                v = 0;
                have = true;
                num = s;
            }
            unsigned d = (unsigned)(*s - '0');
            if (v > (UINT64_MAX - d) / 10) {
                size_t len = strspn(num, "0123456789");
                char *bad = vl_xmalloc(c, len + 1);
                memcpy(bad, num, len);
                bad[len] = '\0';
                vl_error(c, "tab stop is too large %s", vl_quote_locale(c, bad));
                ok = false;
                s = num + len - 1;
            } else {
                v = v * 10 + d;
            }
        } else {
            vl_error(c, "tab size contains invalid character(s): %s", vl_quote_locale(c, s));
            ok = false;
            break;
        }
    }
    if (ok && have) {
        if (ext) {
            if (t->extend) {
                vl_error(c, "'/' specifier only allowed with the last value");
                ok = false;
            }
            t->extend = v;
        } else if (inc) {
            if (t->increment) {
                vl_error(c, "'+' specifier only allowed with the last value");
                ok = false;
            }
            t->increment = v;
        } else {
            tabs_add(c, t, v);
        }
    }
    return ok;
}

static void tabs_finalize(vl_ctx *c, tabs *t)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->list[i] == 0) vl_die(c, 1, "tab size cannot be 0");
        if (t->list[i] <= prev) vl_die(c, 1, "tab sizes must be ascending");
        prev = t->list[i];
    }
    if (t->increment && t->extend) vl_die(c, 1, "'/' specifier is mutually exclusive with '+'");
    if (t->n == 0)
        t->tab_size = t->max_width = t->extend ? t->extend : t->increment ? t->increment : 8;
    else if (t->n == 1 && !t->extend && !t->increment)
        t->tab_size = t->list[0];
    else
        t->tab_size = 0;
}

static uint64_t tabs_next(const tabs *t, uint64_t col, size_t *idx, bool *last)
{
    *last = false;
    if (t->tab_size) return col + (t->tab_size - col % t->tab_size);
    for (; *idx < t->n; (*idx)++)
        if (col < t->list[*idx]) return t->list[*idx];
    if (t->extend) return col + (t->extend - col % t->extend);
    if (t->increment) return col + (t->increment - (col - t->list[t->n - 1]) % t->increment);
    *last = true;
    return 0;
}

/* The obsolete "-N" and "-N,M" options (digits and commas), taken out of argv before
 * vl_getopt sees them; their text goes to tabs_parse. Returns the new argc. */
static int tabs_obsolete(vl_ctx *c, tabs *t, int argc, char **argv, bool *seen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || a[1] < '0' || a[1] > '9') continue;
        const char *prev = argv[i - 1];
        size_t pl = strlen(prev);
        if (i > 1 && (strcmp(prev, "--tabs") == 0 ||
                      (prev[0] == '-' && prev[1] != '-' && pl > 1 && prev[pl - 1] == 't')))
            continue; /* the argument of -t */
        if (strspn(a + 1, "0123456789,") != strlen(a + 1)) continue;
        if (!tabs_parse(c, t, a + 1)) vl_exit(c, 1);
        *seen = true;
        for (int j = i; j < argc; j++) argv[j] = argv[j + 1];
        argc--;
        i--;
    }
    return argc;
}

/* Every -t argument in order (GNU adds them all up; vl_getopt keeps only the last). Call before
 * vl_getopt, which reorders argv; returns false after an error message. */
static bool tabs_collect(vl_ctx *c, tabs *t, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || a[1] == '\0') continue;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (len < 3 || len > 6 || strncmp(a, "--tabs", len) != 0) continue;
            val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        } else {
            const char *q = strchr(a + 1, 't');
            if (!q || strspn(a + 1, "aiu") < (size_t)(q - a - 1)) continue;
            val = q[1] ? q + 1 : (i + 1 < argc ? argv[++i] : NULL);
        }
        if (val && !tabs_parse(c, t, val)) return false;
    }
    return true;
}

/* The files as one stream of bytes, GNU's next_file: a file that cannot be opened is reported
 * and skipped; the exit status remembers it. */
typedef struct tstream {
    char **names;
    int n, next;
    vl_in *in;
    const char *cur;
    char buf[65536];
    size_t pos, len;
} tstream;

static int tstream_getc(vl_ctx *c, tstream *s)
{
    while (s->pos == s->len) {
        if (!s->in) {
            if (s->next >= s->n) return -1;
            s->cur = s->names[s->next++];
            s->in = vl_in_open(c, s->cur);
            continue;
        }
        ssize_t r = vl_in_read(c, s->in, s->buf, sizeof s->buf);
        if (r > 0) {
            s->pos = 0;
            s->len = (size_t)r;
            int rc = vk_steps(c->p, (uint64_t)r / 64 + 1);
            if (rc < 0 && rc != VOS_EINTR) {
                int w = vk_dying(c->p);
                vl_exit(c, w ? VK_WSHELL(w) : 1);
            }
            break;
        }
        if (r < 0) vl_perror(c, vl_quote(c, s->cur), (int)r);
        vl_in_close(c, s->in);
        s->in = NULL;
    }
    return (unsigned char)s->buf[s->pos++];
}

#endif
