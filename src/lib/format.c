/* format.c: printf(1)'s engine in two dialects, bash's builtin and GNU coreutils' (chosen by
 * c->builtin): escapes, conversions with flags/width/precision, argument reuse, numeric
 * argument checks and their messages, %q quoting. It does not do bash's %(fmt)T (time
 * formatting needs the VM's time zone rules) nor printf -v (the shell passes a buffer). */
#include "lib/format.h"
#include "lib/fnmatch.h"
#include "lib/timefmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- escapes ---- */

static bool utf8_locale(vl_ctx *c)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = vk_getenv(c->p, vars[i]);
        if (v && *v) return strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "utf-8");
    }
    return false;
}

static void put_utf8(vl_ctx *c, vl_buf *out, uint32_t v)
{
    char b[4];
    size_t n;
    if (v < 0x80) b[0] = (char)v, n = 1;
    else if (v < 0x800) b[0] = (char)(0xc0 | (v >> 6)), b[1] = (char)(0x80 | (v & 0x3f)), n = 2;
    else if (v < 0x10000) {
        b[0] = (char)(0xe0 | (v >> 12));
        b[1] = (char)(0x80 | ((v >> 6) & 0x3f));
        b[2] = (char)(0x80 | (v & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | ((v >> 18) & 0x07));
        b[1] = (char)(0x80 | ((v >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((v >> 6) & 0x3f));
        b[3] = (char)(0x80 | (v & 0x3f));
        n = 4;
    }
    vl_buf_add(c, out, b, n);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* \u / \U: s points at the 'u'. Returns the characters consumed after the backslash. */
static size_t esc_unicode(vl_ctx *c, vl_buf *out, const char *s, int mode)
{
    bool bash = c->builtin;
    char u = s[0];
    int maxd = u == 'u' ? 4 : 8, n = 0;
    uint32_t v = 0;
    while (n < maxd && hexval(s[1 + n]) >= 0) v = v * 16 + (uint32_t)hexval(s[1 + n++]);
    if (!bash) {
        if (n < maxd) vl_die(c, 1, "missing hexadecimal number in escape");
        if ((v < 0xa0 && v != 0x24 && v != 0x40 && v != 0x60) || (v >= 0xd800 && v <= 0xdfff))
            vl_die(c, 1, "invalid universal character name \\%c%0*x", u, maxd, v);
    } else if (n == 0) {
        if (mode != VL_ESC_ECHO) vl_eprintf(c, "%s: missing unicode digit for \\%c\n", c->name, u);
        vl_buf_addc(c, out, '\\');
        vl_buf_addc(c, out, u);
        return 1;
    }
    if (utf8_locale(c) && v <= 0x10ffff) put_utf8(c, out, v);
    else if (v < 0x80) vl_buf_addc(c, out, (int)v);
    else vl_buf_printf(c, out, u == 'u' ? "\\u%04X" : "\\U%08X", v);
    return 1 + (size_t)n;
}

/* One escape; s points after the backslash. Returns the characters consumed after it. */
static size_t esc_one(vl_ctx *c, vl_buf *out, const char *s, int mode, bool *stop)
{
    bool bash = c->builtin;
    switch (s[0]) {
    case '\0': vl_buf_addc(c, out, '\\'); return 0;
    case 'a': vl_buf_addc(c, out, '\a'); return 1;
    case 'b': vl_buf_addc(c, out, '\b'); return 1;
    case 'f': vl_buf_addc(c, out, '\f'); return 1;
    case 'n': vl_buf_addc(c, out, '\n'); return 1;
    case 'r': vl_buf_addc(c, out, '\r'); return 1;
    case 't': vl_buf_addc(c, out, '\t'); return 1;
    case 'v': vl_buf_addc(c, out, '\v'); return 1;
    case '\\': vl_buf_addc(c, out, '\\'); return 1;
    case 'e': vl_buf_addc(c, out, 033); return 1;
    case 'E':
        if (bash) vl_buf_addc(c, out, 033);
        else vl_buf_adds(c, out, "\\E");
        return 1;
    case 'c':
        if (bash && mode == VL_ESC_FORMAT) vl_buf_adds(c, out, "\\c");
        else *stop = true;
        return 1;
    case '"':
        if (mode == VL_ESC_FORMAT || (!bash && mode == VL_ESC_B)) vl_buf_addc(c, out, '"');
        else vl_buf_adds(c, out, "\\\"");
        return 1;
    case '\'':
    case '?':
        if (bash && mode == VL_ESC_FORMAT) vl_buf_addc(c, out, s[0]);
        else vl_buf_addc(c, out, '\\'), vl_buf_addc(c, out, s[0]);
        return 1;
    case 'x': {
        int n = 0, v = 0;
        while (n < 2 && hexval(s[1 + n]) >= 0) v = v * 16 + hexval(s[1 + n++]);
        if (n == 0) {
            if (mode != VL_ESC_ECHO) {
                if (!bash) vl_die(c, 1, "missing hexadecimal number in escape");
                vl_eprintf(c, "%s: missing hex digit for \\x\n", c->name);
            }
            vl_buf_adds(c, out, "\\x");
            return 1;
        }
        vl_buf_addc(c, out, v);
        return 1 + (size_t)n;
    }
    case 'u':
    case 'U':
        if (!bash && mode == VL_ESC_ECHO) break;
        return esc_unicode(c, out, s, mode);
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        size_t skip = 0;
        if (mode != VL_ESC_FORMAT && s[0] == '0') skip = 1;
        else if (mode == VL_ESC_ECHO && bash) break; /* bash's echo knows only \0NNN */
        int n = 0, v = 0;
        while (n < 3 && s[skip + n] >= '0' && s[skip + n] <= '7') v = v * 8 + (s[skip + n++] - '0');
        vl_buf_addc(c, out, v & 0xff);
        return skip + (size_t)n;
    }
    default: break;
    }
    vl_buf_addc(c, out, '\\');
    vl_buf_addc(c, out, s[0]);
    return 1;
}

bool vl_unescape(vl_ctx *c, vl_buf *out, const char *s, int mode)
{
    bool stop = false;
    while (*s && !stop) {
        const char *bs = strchr(s, '\\');
        if (!bs) {
            vl_buf_adds(c, out, s);
            break;
        }
        vl_buf_add(c, out, s, (size_t)(bs - s));
        s = bs + 1;
        s += esc_one(c, out, s, mode, &stop);
    }
    return stop;
}

/* ---- quoting ---- */

const char *vl_quote_locale(vl_ctx *c, const char *s)
{
    vl_buf b = {0};
    vl_buf_addc(c, &b, '\'');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        const char *esc = strchr("\aa\bb\ff\nn\rr\tt\vv", ch);
        if (ch == '\'' || ch == '\\') vl_buf_addc(c, &b, '\\'), vl_buf_addc(c, &b, ch);
        else if (ch && esc && ch < 0x20) vl_buf_printf(c, &b, "\\%c", esc[1]);
        else if (ch < 0x20 || ch >= 0x7f) vl_buf_printf(c, &b, "\\%03o", ch);
        else vl_buf_addc(c, &b, ch);
    }
    vl_buf_addc(c, &b, '\'');
    return b.data;
}

/* The length of the printable multibyte character at q in a UTF-8 locale, else 0. */
static size_t u8_printable(bool u8, const char *q)
{
    uint32_t cp;
    size_t n = u8 && (unsigned char)*q >= 0x80 ? vl_u8_decode(q, NULL, &cp) : 0;
    return n && vl_uc_print(cp) ? n : 0;
}

void vl_shell_quote(vl_ctx *c, vl_buf *out, const char *s)
{
    if (!c->builtin) {
        vl_buf_adds(c, out, vl_quote_style(c, s, 0));
        return;
    }
    if (!*s) {
        vl_buf_adds(c, out, "''");
        return;
    }
    /* bash keeps a printable character of a UTF-8 locale as it is */
    bool u8 = utf8_locale(c), ctrl = false;
    for (const char *q = s; *q; q++) {
        size_t n = u8_printable(u8, q);
        if (n) q += n - 1;
        else if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f) ctrl = true;
    }
    if (ctrl) {
        /* bash's ANSI-C form, $'...' */
        vl_buf_adds(c, out, "$'");
        for (const char *q = s; *q; q++) {
            unsigned char ch = (unsigned char)*q;
            const char *esc = strchr("\aa\bb\033E\ff\nn\rr\tt\vv", ch);
            size_t n = u8_printable(u8, q);
            if (n) {
                vl_buf_add(c, out, q, n);
                q += n - 1;
            } else if (ch == '\\' || ch == '\'') {
                vl_buf_addc(c, out, '\\'), vl_buf_addc(c, out, ch);
            } else if (esc && ch < 0x20) {
                vl_buf_printf(c, out, "\\%c", esc[1]);
            } else if (ch < 0x20 || ch >= 0x7f) {
                vl_buf_printf(c, out, "\\%03o", ch);
            } else {
                vl_buf_addc(c, out, ch);
            }
        }
        vl_buf_addc(c, out, '\'');
        return;
    }
    for (const char *q = s; *q; q++) {
        bool special = strchr(" \t\n'\"\\|&;()<>!{}*[?]^$`,", *q) != NULL;
        if ((*q == '~' || *q == '#') && q == s) special = true;
        if (special) vl_buf_addc(c, out, '\\');
        vl_buf_addc(c, out, *q);
    }
}

/* ---- numeric arguments ---- */

typedef struct fmt_state {
    vl_ctx *c;
    int argc, ai;
    char **argv;
    int status;
} fmt_state;

static const char *next_arg(fmt_state *st)
{
    return st->ai < st->argc ? st->argv[st->ai++] : NULL;
}

/* Report a numeric argument that did not convert cleanly, in each dialect's words. */
static void check_num(fmt_state *st, const char *s, const char *end, int err)
{
    vl_ctx *c = st->c;
    if (c->builtin) {
        if (*end) {
            const char *what = "invalid number";
            if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') what = "invalid octal number";
            else if (s[0] == '0' && s[1] == 'x') what = "invalid hex number";
            vl_eprintf(c, "%s: %s: %s\n", c->name, s, what);
            st->status = 1;
        } else if (err) {
            vl_eprintf(c, "%s: warning: %s: %s\n", c->name, s, vl_strerror(err));
        }
        return;
    }
    if (err) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, vl_quote_locale(c, s), vl_strerror(err));
        st->status = 1;
    } else if (*end) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, vl_quote_locale(c, s),
                   s == end ? "expected a numeric value" : "value not completely converted");
        st->status = 1;
    }
}

/* A character constant ('A or "A): its code, or -1 when s is not one. */
static int char_const(fmt_state *st, const char *s)
{
    if (s[0] != '\'' && s[0] != '"') return -1;
    if (!st->c->builtin && !s[1]) return -1; /* GNU: a lone quote is not a number */
    if (!st->c->builtin && s[1] && s[2])
        vl_eprintf(st->c, "%s: warning: %s: character(s) following character constant have "
                   "been ignored\n", st->c->name, s + 2);
    return (unsigned char)s[1];
}

static intmax_t arg_int(fmt_state *st)
{
    const char *s = next_arg(st);
    if (!s || !*s) return 0;
    int ch = char_const(st, s);
    if (ch >= 0) return ch;
    char *end;
    errno = 0;
    intmax_t v = strtoimax(s, &end, 0);
    check_num(st, s, end, errno ? -errno : 0);
    return v;
}

static uintmax_t arg_uint(fmt_state *st)
{
    const char *s = next_arg(st);
    if (!s || !*s) return 0;
    int ch = char_const(st, s);
    if (ch >= 0) return (uintmax_t)ch;
    char *end;
    errno = 0;
    uintmax_t v = strtoumax(s, &end, 0);
    check_num(st, s, end, errno ? -errno : 0);
    return v;
}

static long double arg_float(fmt_state *st)
{
    const char *s = next_arg(st);
    if (!s || !*s) return 0;
    int ch = char_const(st, s);
    if (ch >= 0) return ch;
    char *end;
    errno = 0;
    long double v = strtold(s, &end);
    /* overflow to inf is reported; underflow to a tiny value is not an error for printf */
    int err = errno == ERANGE && (v > 1 || v < -1) ? -ERANGE : 0;
    check_num(st, s, end, err);
    return v;
}

/* ---- conversions ---- */

/* Pad bytes to a width, or cut them to a precision, as %s does (binary-safe). */
static void put_padded(vl_ctx *c, vl_buf *out, const char *s, size_t n, bool left, int width,
                       int prec)
{
    if (prec >= 0 && (size_t)prec < n) n = (size_t)prec;
    size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    if (!left)
        for (size_t i = 0; i < pad; i++) vl_buf_addc(c, out, ' ');
    vl_buf_add(c, out, s, n);
    if (left)
        for (size_t i = 0; i < pad; i++) vl_buf_addc(c, out, ' ');
}

/* snprintf with a spec that may hold "*" for width and ".*" for precision. */
#define EMIT(spec, hasw, hasp, w, p, val)                                                          \
    do {                                                                                           \
        if (hasw && hasp) vl_buf_printf(c, out, spec, w, p, val);                                  \
        else if (hasw) vl_buf_printf(c, out, spec, w, val);                                        \
        else if (hasp) vl_buf_printf(c, out, spec, p, val);                                        \
        else vl_buf_printf(c, out, spec, val);                                                     \
    } while (0)

/* A conversion error ends printf: bash prints what it has, GNU exits at once. */
_Noreturn static void bad_spec(fmt_state *st, vl_buf *out, bool flush, const char *start,
                               const char *f)
{
    vl_ctx *c = st->c;
    if (flush) vl_write(c, out->data, out->len), out->len = 0;
    if (c->builtin) {
        if (!*f) vl_eprintf(c, "%s: `%s': missing format character\n", c->name, start);
        else vl_eprintf(c, "%s: `%c': invalid format character\n", c->name, *f);
    } else {
        vl_eprintf(c, "%s: %.*s: invalid conversion specification\n", c->name,
                   (int)(f - start + (*f ? 1 : 0)), start);
    }
    vl_exit(c, 1);
}

/* A '*' width or precision; a negative precision means none, as in C. */
static int star_arg(fmt_state *st, bool prec)
{
    intmax_t v = arg_int(st);
    if (prec && v < 0) return -1;
    if (v > 0x7fffffff || v < -0x7fffffff) {
        if (!st->c->builtin)
            vl_die(st->c, 1, "invalid %s: %s", prec ? "precision" : "field width",
                   vl_quote_locale(st->c, st->argv[st->ai - 1]));
        v = v > 0 ? 0x7fffffff : -0x7fffffff;
    }
    return (int)v;
}

/* One pass over the format. Returns true when \c (in %b or the format) ended the output. */
static bool one_pass(fmt_state *st, vl_buf *out, bool flush, const char *fmt)
{
    vl_ctx *c = st->c;
    bool bash = c->builtin;
    const char *f = fmt;
    while (*f) {
        if (*f == '\\') {
            bool stop = false;
            f++;
            f += esc_one(c, out, f, VL_ESC_FORMAT, &stop);
            if (stop) return true;
            continue;
        }
        if (*f != '%') {
            const char *q = f;
            while (*q && *q != '%' && *q != '\\') q++;
            vl_buf_add(c, out, f, (size_t)(q - f));
            f = q;
            continue;
        }
        const char *start = f++;
        if (*f == '%') {
            vl_buf_addc(c, out, '%');
            f++;
            continue;
        }
        char spec[64];
        size_t sl = 0;
        spec[sl++] = '%';
        bool left = false;
        while (*f && strchr("-+ #0'", *f)) {
            if (*f == '-') left = true;
            if (sl < 16) spec[sl++] = *f;
            f++;
        }
        bool hasw = false, hasp = false;
        int width = 0, prec = -1;
        if (*f == '*') {
            hasw = true;
            width = star_arg(st, false);
            if (width < 0) left = true;
            f++;
        } else if (*f >= '0' && *f <= '9') {
            hasw = true;
            long w = strtol(f, (char **)&f, 10);
            width = w > 0x7fffffff ? 0x7fffffff : (int)w;
        }
        if (*f == '.') {
            hasp = true;
            f++;
            if (*f == '*') {
                prec = star_arg(st, true);
                f++;
            } else {
                long p = strtol(f, (char **)&f, 10);
                prec = p > 0x7fffffff ? 0x7fffffff : p < 0 ? 0 : (int)p;
            }
        }
        /* A width or precision is a promise of that many bytes: one beyond the VM's
         * expansion limit would spin in the C library for seconds before anything could stop
         * it, so it is refused up front (bash and GNU would try, and fail on memory or write). */
        uint64_t cap = vk_limits(c->p)->expand_bytes;
        if ((hasw && (uint64_t)(width < 0 ? -(int64_t)width : width) > cap) ||
            (hasp && prec > 0 && (uint64_t)prec > cap))
            vl_die(c, 1, "%.*s: field width or precision exceeds the expansion limit (%llu bytes)",
                   (int)(f - start), start, (unsigned long long)cap);
        if (hasw) spec[sl++] = '*';
        if (hasp) spec[sl++] = '.', spec[sl++] = '*';
        while (*f && strchr("hlLjzt", *f)) f++; /* length modifiers mean nothing here */
        if (bash && *f == '(') {
            /* bash's %(FMT)T: the argument (seconds since the epoch; -1 or none: now, -2:
             * the shell's start, which is now here) formatted by strftime in the VM's TZ */
            const char *close = strchr(f, ')');
            if (!close || close[1] != 'T') bad_spec(st, out, flush, start, close ? close + 1 : f);
            size_t tl = (size_t)(close - f - 1);
            char *tf = vl_xmalloc(c, tl + 1);
            memcpy(tf, f + 1, tl);
            tf[tl] = 0;
            const char *a = next_arg(st);
            intmax_t t = -1;
            if (a && *a) {
                char *end;
                errno = 0;
                t = strtoimax(a, &end, 0);
                check_num(st, a, end, errno ? -errno : 0);
            }
            if (t == -1 || t == -2) t = vk_time_ns(c->p) / 1000000000;
            vl_tz tz;
            vl_tz_from_env(c, &tz);
            vl_tm tm;
            vl_buf tmp = {0};
            if (vl_time_split((int64_t)t, 0, &tz, &tm)) vl_strftime_buf(c, &tmp, tf, &tm);
            put_padded(c, out, tmp.data ? tmp.data : "", tmp.len, left, width, prec);
            vl_buf_free(c, &tmp);
            vl_xfree(c, tf);
            f = close + 2;
            continue;
        }
        char conv = *f;
        if (!conv) bad_spec(st, out, flush, start, f);
        if (!bash && (conv == 'b' || conv == 'q') && f - start > 1)
            bad_spec(st, out, flush, start, f);
        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v = arg_int(st);
            memcpy(spec + sl, "jd", 3);
            EMIT(spec, hasw, hasp, width, prec, v);
            break;
        }
        case 'o':
        case 'u':
        case 'x':
        case 'X': {
            uintmax_t v = arg_uint(st);
            spec[sl] = 'j', spec[sl + 1] = conv, spec[sl + 2] = 0;
            EMIT(spec, hasw, hasp, width, prec, v);
            break;
        }
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': {
            long double v = arg_float(st);
            spec[sl] = 'L', spec[sl + 1] = conv, spec[sl + 2] = 0;
            EMIT(spec, hasw, hasp, width, prec, v);
            break;
        }
        case 'c': {
            const char *s = next_arg(st);
            char ch = s ? s[0] : '\0';
            put_padded(c, out, &ch, 1, left, width, -1);
            break;
        }
        case 's': {
            const char *s = next_arg(st);
            if (!s) s = "";
            put_padded(c, out, s, strlen(s), left, width, prec);
            break;
        }
        case 'b': {
            const char *s = next_arg(st);
            vl_buf tmp = {0};
            bool stop = vl_unescape(c, &tmp, s ? s : "", VL_ESC_B);
            put_padded(c, out, tmp.data ? tmp.data : "", tmp.len, left, width, prec);
            vl_buf_free(c, &tmp);
            if (stop) return true;
            break;
        }
        case 'q': {
            const char *s = next_arg(st);
            vl_buf tmp = {0};
            vl_shell_quote(c, &tmp, s ? s : "");
            put_padded(c, out, tmp.data ? tmp.data : "", tmp.len, left, width, prec);
            vl_buf_free(c, &tmp);
            break;
        }
        case 'Q': {
            /* bash 5.2: the precision cuts the argument before it is quoted */
            if (!bash) {
                bad_spec(st, out, flush, start, f);
                break;
            }
            const char *s = next_arg(st);
            if (!s) s = "";
            size_t n = strlen(s);
            if (prec >= 0 && (size_t)prec < n) n = (size_t)prec;
            char *cut = vl_xmalloc(c, n + 1);
            memcpy(cut, s, n);
            cut[n] = 0;
            vl_buf tmp = {0};
            vl_shell_quote(c, &tmp, cut);
            put_padded(c, out, tmp.data ? tmp.data : "", tmp.len, left, width, -1);
            vl_buf_free(c, &tmp);
            vl_xfree(c, cut);
            break;
        }
        default:
            bad_spec(st, out, flush, start, f);
        }
        f++;
    }
    return false;
}

int vl_format(vl_ctx *c, vl_buf *out, const char *fmt, int argc, char **argv)
{
    fmt_state st = {c, argc, 0, argv, 0};
    vl_buf local = {0};
    vl_buf *o = out ? out : &local;
    bool flush = out == NULL;
    for (;;) {
        int before = st.ai;
        bool stop = one_pass(&st, o, flush, fmt);
        if (flush && local.len) {
            vl_write(c, local.data, local.len);
            local.len = 0;
        }
        if (stop || st.ai >= argc || st.ai == before) break;
    }
    if (!c->builtin && st.ai == 0 && argc > 0)
        vl_eprintf(c, "%s: warning: ignoring excess arguments, starting with %s\n", c->name,
                   vl_quote_locale(c, argv[0]));
    vl_buf_free(c, &local);
    return st.status;
}
