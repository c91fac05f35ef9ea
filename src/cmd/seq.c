/* seq: print numbers from FIRST to LAST by INCREMENT, GNU-compatible: -s, -w, -f, decimal
 * steps printed with the precision of the arguments, negative steps. Integer ranges run in
 * 64-bit integers, the rest in long double (x = first + i * step, so errors do not add up);
 * output streams through the buffer. Numbers beyond 64 bits are not exact (GNU's are). */
#include "lib/cmd.h"
#include "lib/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct operand {
    long double v;
    int width;
    int prec; /* digits after '.', or -1 when unknown (exponent, hex, inf, nan) */
    bool integer;
    int64_t iv;
} operand;

static operand scan_arg(vl_ctx *c, const char *s)
{
    operand o = {0};
    char *end;
    o.v = strtold(s, &end);
    if (end == s || *end || o.v != o.v)
        vl_usage_error(c, "invalid floating point argument: %s", vl_quote_locale(c, s));
    const char *t = s;
    while (*t == ' ' || *t == '\t') t++;
    if (*t == '+') t++;
    o.width = (int)strlen(t);
    bool odd = strpbrk(t, "eExXiInN") != NULL;
    const char *dot = strchr(t, '.');
    o.prec = odd ? -1 : dot ? (int)strlen(dot + 1) : 0;
    o.integer = !odd && !dot && vl_parse_int(t, &o.iv, false) == 0;
    return o;
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
    if (!fmt && first.integer && step.integer && last.integer) {
        int width = 0;
        if (equal) width = first.width > last.width ? first.width : last.width;
        char num[48];
        if (first.iv >= 0 && step.iv > 0 && step.iv < 10 && !equal) {
            /* the common case (seq N, seq A B): count in a decimal string instead of
             * formatting each number, which is what makes GNU seq fast too */
            char dig[24], out[65536];
            size_t ol = 0;
            int dl = snprintf(dig, sizeof dig, "%lld", (long long)first.iv);
            for (int64_t x = first.iv; x <= last.iv;) {
                if (ol + sl + (size_t)dl + 1 > sizeof out) {
                    vl_write(c, out, ol);
                    ol = 0;
                }
                if (any) {
                    if (sl > sizeof out / 2) {
                        vl_write(c, out, ol);
                        ol = 0;
                        vl_write(c, sep, sl);
                    } else {
                        memcpy(out + ol, sep, sl);
                        ol += sl;
                    }
                }
                memcpy(out + ol, dig, (size_t)dl);
                ol += (size_t)dl;
                any = true;
                if (__builtin_add_overflow(x, step.iv, &x)) break;
                /* add step to the decimal string */
                int carry = (int)step.iv, i = dl - 1;
                while (carry && i >= 0) {
                    int d = dig[i] - '0' + carry;
                    dig[i] = (char)('0' + d % 10);
                    carry = d / 10;
                    i--;
                }
                if (carry) {
                    memmove(dig + 1, dig, (size_t)dl + 1);
                    dig[0] = (char)('0' + carry);
                    dl++;
                }
            }
            vl_write(c, out, ol);
            if (any) vl_putc(c, '\n');
            return 0;
        }
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
        snprintf(num, sizeof num, f, x);
        if (past) {
            /* GNU prints a value just past LAST when it looks exactly like LAST */
            snprintf(lastnum, sizeof lastnum, f, last.v);
            if (strcmp(num, lastnum) != 0) break;
        }
        if (any) vl_write(c, sep, sl);
        vl_puts(c, num);
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
