/* seq: print numbers from FIRST to LAST by INCREMENT, GNU-compatible: -s, -w, -f, decimal
 * steps printed with the precision of the arguments (exponents included: 1e6 is an integer),
 * negative steps. Like GNU, non-negative integer ranges with a small step count in decimal
 * strings, so they are exact at any size ("seq 1e400 1e400" prints all 401 digits); other
 * integer ranges run in 64-bit integers, the rest in long double (x = first + i * step, so
 * errors do not add up); output streams through the buffer. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct operand {
    long double v;
    int width; /* characters the number takes when printed with its own precision */
    int prec;  /* digits after '.', or -1 when unknown (hexadecimal: printed with %Lg) */
    bool integer;
    int64_t iv;
} operand;

#define SEQ_FAST_STEP_LIMIT 200 /* GNU's bound for counting in decimal strings */

static bool all_digits(const char *s)
{
    return *s >= '0' && *s <= '9' && strspn(s, "0123456789") == strlen(s);
}

/* Value, precision and printed width of an operand, by GNU's rules: "1.5e1" has precision 0
 * and width 2, "10e-1" precision 1 and width 3... (the width only matters for -w). */
static operand scan_arg(vl_ctx *c, const char *s)
{
    operand o = {0};
    char *end;
    errno = 0;
    o.v = strtold(s, &end);
    /* an overflow ("1e5000") is invalid, an underflow to zero is not (gnulib's xstrtold) */
    if (end == s || *end || (errno == ERANGE && o.v != 0))
        vl_usage_error(c, "invalid floating point argument: %s", vl_quote_locale(c, s));
    if (o.v != o.v)
        vl_usage_error(c, "invalid %s argument: %s", vl_quote_locale(c, "not-a-number"),
                       vl_quote_locale(c, s));
    const char *t = s;
    while (*t == ' ' || *t == '\t') t++;
    if (*t == '+') t++;
    o.width = (int)strlen(t);
    bool finite = o.v - o.v == 0;
    if (strpbrk(t, "xX")) {
        o.prec = -1;
    } else if (finite) {
        const char *dot = strchr(t, '.');
        size_t frac = 0;
        if (dot) {
            frac = strcspn(dot + 1, "eE");
            o.prec = frac > 4096 ? 4096 : (int)frac;
            /* "5." prints as "5"; ".5" as "0.5" */
            o.width += frac == 0 ? -1 : (dot == t || dot[-1] < '0' || dot[-1] > '9');
        }
        const char *e = strpbrk(t, "eE");
        if (e) {
            long x = strtol(e + 1, NULL, 10);
            if (x < -4096) x = -4096;
            if (x > 4096) x = 4096;
            o.width -= (int)strlen(e); /* the exponent itself is not printed */
            if (x < 0) {
                o.prec += (int)-x;
                if (!dot || e == dot + 1) o.width++; /* a "0." in front */
                o.width += (int)-x;
            } else {
                int used = o.prec < x ? o.prec : (int)x; /* fraction digits moved left */
                o.prec -= used;
                if (dot && o.prec == 0 && o.width) o.width--; /* no '.' any more */
                o.width += (int)x - used;
            }
        }
    }
    /* an integer value in 64 bits: the exact integer loops below */
    o.integer = o.prec == 0 && finite && o.v > -9.2e18L && o.v < 9.2e18L;
    if (o.integer) o.iv = (int64_t)o.v;
    return o;
}

/* Count from a to b (decimal digit strings, b may be "inf") by step, GNU's fast path: exact
 * at any size. */
static void count_decimal(vl_ctx *c, const char *a, const char *b, int step, const char *sep,
                          size_t sl)
{
    bool inf = strcmp(b, "inf") == 0;
    while (a[0] == '0' && a[1]) a++;
    while (b[0] == '0' && b[1]) b++;
    size_t bl = strlen(b), dl = strlen(a), cap = dl + 64;
    char *dig = vl_xmalloc(c, cap);
    memcpy(dig, a, dl);
    char out[65536];
    size_t ol = 0;
    bool any = false;
    while (inf || dl < bl || (dl == bl && memcmp(dig, b, dl) <= 0)) {
        if (ol + sl + dl > sizeof out) {
            vl_write(c, out, ol);
            ol = 0;
        }
        if (any) {
            memcpy(out + ol, sep, sl);
            ol += sl;
        }
        if (dl > sizeof out) {
            vl_write(c, out, ol);
            vl_write(c, dig, dl);
            ol = 0;
        } else {
            memcpy(out + ol, dig, dl);
            ol += dl;
        }
        any = true;
        /* add step to the decimal string */
        int carry = step;
        for (size_t i = dl; carry && i-- > 0;) {
            int d = dig[i] - '0' + carry;
            dig[i] = (char)('0' + d % 10);
            carry = d / 10;
        }
        while (carry) {
            if (dl + 1 > cap) dig = vl_xrealloc(c, dig, cap *= 2);
            memmove(dig + 1, dig, dl++);
            dig[0] = (char)('0' + carry % 10);
            carry /= 10;
        }
    }
    vl_write(c, out, ol);
    if (any) vl_putc(c, '\n');
    vl_xfree(c, dig);
}

/* A -f format: exactly one floating directive; the C printf then does the work. */
static void check_format(vl_ctx *c, const char *f)
{
    int n = 0;
    for (const char *q = f; *q; q++) {
        if (*q != '%') continue;
        if (q[1] == '%') {
            q++;
            continue;
        }
        q++;
        while (*q && strchr("-+ #0'", *q)) q++;
        while (*q >= '0' && *q <= '9') q++;
        if (*q == '.')
            for (q++; *q >= '0' && *q <= '9'; q++) {}
        if (!*q || !strchr("eEfFgGaA", *q)) {
            if (!*q) vl_die(c, 1, "format %s ends in %%", vl_quote_locale(c, f));
            vl_die(c, 1, "format %s has unknown %%%c directive", vl_quote_locale(c, f), *q);
        }
        n++;
    }
    if (n == 0) vl_die(c, 1, "format %s has no %% directive", vl_quote_locale(c, f));
    if (n > 1) vl_die(c, 1, "format %s has too many %% directives", vl_quote_locale(c, f));
}

/* Turn the user's format (one directive for a double) into one for a long double. */
static char *long_double_format(vl_ctx *c, const char *f)
{
    vl_buf b = {0};
    for (const char *q = f; *q; q++) {
        vl_buf_addc(c, &b, *q);
        if (*q != '%') continue;
        if (q[1] == '%') {
            vl_buf_addc(c, &b, *++q);
            continue;
        }
        q++;
        while (*q && !strchr("eEfFgGaA", *q)) vl_buf_addc(c, &b, *q++);
        vl_buf_addc(c, &b, 'L');
        vl_buf_addc(c, &b, *q);
    }
    return b.data;
}

/* Format x into buf, or into an arena string when it does not fit ("%.0Lf" of 1e400 has
 * 401 digits); the caller frees a result that is not buf. */
static const char *format_num(vl_ctx *c, char *buf, size_t n, const char *f, long double x)
{
    int k = snprintf(buf, n, f, x);
    if (k < 0 || (size_t)k < n) return buf;
    char *big = vl_xmalloc(c, (size_t)k + 1);
    snprintf(big, (size_t)k + 1, f, x);
    return big;
}

static int seq_main(vl_ctx *c, int argc, char **argv)
{
    /* a negative number ends the options ("seq -1 1"), as in GNU */
    int stop = argc;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        const char *a = argv[i];
        if (a[0] == '-' && ((a[1] >= '0' && a[1] <= '9') || a[1] == '.')) {
            stop = i;
            break;
        }
        if (a[0] == '-' && (strcmp(a, "-s") == 0 || strcmp(a, "-f") == 0)) i++;
    }
    char **rest = vl_xcalloc(c, (size_t)(argc - stop) + 1, sizeof *rest);
    for (int i = stop; i < argc; i++) rest[i - stop] = argv[i];
    int n = vl_getopt(c, stop, argv);
    const char *ops[3];
    int nops = 0;
    for (int i = 1; i <= n || (i - n - 1 < argc - stop); i++) {
        const char *a = i <= n ? argv[i] : rest[i - n - 1];
        if (nops == 3) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, a));
        ops[nops++] = a;
    }
    if (nops == 0) vl_usage_error(c, "missing operand");
    const char *sep = vl_has(c, 's') ? vl_arg(c, 's') : "\n";
    const char *fmt = vl_arg(c, 'f');
    bool equal = vl_has(c, 'w');
    if (fmt && equal) vl_usage_error(c, "format string may not be specified when printing equal width strings");
    operand first = {1, 1, 0, true, 1}, step = {1, 1, 0, true, 1}, last;
    if (nops == 1) last = scan_arg(c, ops[0]);
    else {
        first = scan_arg(c, ops[0]);
        if (nops == 3) step = scan_arg(c, ops[1]);
        last = scan_arg(c, ops[nops - 1]);
    }
    if (step.v == 0) vl_usage_error(c, "invalid Zero increment value: %s", vl_quote_locale(c, ops[1]));
    if (fmt) check_format(c, fmt);
    size_t sl = strlen(sep);
    bool any = false;
    /* GNU's fast paths: non-negative integers, a small step, one-byte separator */
    bool fast = !fmt && !equal && sl == 1 && step.v > 0 && step.v <= SEQ_FAST_STEP_LIMIT;
    if (fast && all_digits(ops[0]) && (nops == 1 || all_digits(ops[1])) &&
        (nops < 3 || all_digits(ops[2]))) {
        count_decimal(c, nops == 1 ? "1" : ops[0], ops[nops - 1], (int)step.v, sep, sl);
        return 0;
    }
    if (fast && first.prec == 0 && step.prec == 0 && last.prec == 0 && first.v >= 0 &&
        first.v - first.v == 0 && last.v >= 0) {
        vl_buf a = {0}, b = {0};
        vl_buf_printf(c, &a, "%.0Lf", first.v);
        if (last.v - last.v == 0) vl_buf_printf(c, &b, "%.0Lf", last.v);
        else vl_buf_adds(c, &b, "inf");
        count_decimal(c, a.data, b.data, (int)step.v, sep, sl);
        return 0;
    }
    if (!fmt && first.integer && step.integer && last.integer) {
        int width = 0;
        if (equal) width = first.width > last.width ? first.width : last.width;
        char num[48];
        for (int64_t x = first.iv;;) {
            if (step.iv > 0 ? x > last.iv : x < last.iv) break;
            if (any) vl_write(c, sep, sl);
            int k = snprintf(num, sizeof num, "%0*lld", width, (long long)x);
            vl_write(c, num, (size_t)k);
            any = true;
            if (__builtin_add_overflow(x, step.iv, &x)) break;
        }
        if (any) vl_putc(c, '\n');
        return 0;
    }
    char autofmt[32];
    const char *f;
    if (fmt) f = long_double_format(c, fmt);
    else {
        int prec = first.prec > step.prec ? first.prec : step.prec;
        if (first.prec < 0 || step.prec < 0 || last.prec < 0) f = "%Lg";
        else if (equal) {
            int fw = first.width + (prec - first.prec), lw = last.width + (prec - last.prec);
            if (last.prec && prec == 0) lw--;
            if (last.prec == 0 && prec) lw++;
            if (first.prec == 0 && prec) fw++;
            snprintf(autofmt, sizeof autofmt, "%%0%d.%dLf", fw > lw ? fw : lw, prec);
            f = autofmt;
        } else {
            snprintf(autofmt, sizeof autofmt, "%%.%dLf", prec);
            f = autofmt;
        }
    }
    char num[512], lastnum[512];
    for (uint64_t i = 0;; i++) {
        long double x = first.v + (long double)i * step.v;
        bool past = step.v > 0 ? x > last.v : x < last.v;
        const char *s = format_num(c, num, sizeof num, f, x);
        if (past) {
            /* GNU prints a value just past LAST when it looks exactly like LAST */
            const char *ls = format_num(c, lastnum, sizeof lastnum, f, last.v);
            bool same = strcmp(s, ls) == 0;
            if (ls != lastnum) vl_xfree(c, (char *)ls);
            if (!same) {
                if (s != num) vl_xfree(c, (char *)s);
                break;
            }
        }
        if (any) vl_write(c, sep, sl);
        vl_puts(c, s);
        if (s != num) vl_xfree(c, (char *)s);
        any = true;
        if (past) break;
    }
    if (any) vl_putc(c, '\n');
    return 0;
}

static const vl_opt seq_opts[] = {
    {'f', "format", VL_ARG, "FORMAT", "use printf style floating-point FORMAT"},
    {'s', "separator", VL_ARG, "STRING", "use STRING to separate numbers (default: \\n)"},
    {'w', "equal-width", VL_NOARG, NULL, "equalize width by padding with leading zeroes"},
    {0}};
VL_COMMAND(seq, seq_main, seq_opts, "[OPTION]... LAST\n  or:  seq [OPTION]... FIRST LAST\n"
           "  or:  seq [OPTION]... FIRST INCREMENT LAST",
           "Print numbers from FIRST to LAST, in steps of INCREMENT.", 0, 1);
