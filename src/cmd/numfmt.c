/* numfmt: convert numbers to and from human-readable forms, as coreutils 9.1 does in the C
 * locale: --from/--to (none auto si iec iec-i), --from-unit/--to-unit, --suffix, --padding and
 * GNU's automatic padding of blank-led fields, --field lists, -d, --format (%'-0N.Pf with text
 * around it), --round, --invalid, --header, -z, --grouping (no effect in the C locale). The
 * arithmetic is long double, like GNU's, so rounding and scaling give the same digits. */
#include "lib/cmd.h"
#include "lib/enc.h"
#include "lib/format.h"

#include <stdio.h>
#include <string.h>

enum { SC_NONE, SC_AUTO, SC_SI, SC_IEC, SC_IEC_I };
enum { R_UP, R_DOWN, R_FROM_ZERO, R_TOWARDS_ZERO, R_NEAREST };
enum { INV_ABORT, INV_FAIL, INV_WARN, INV_IGNORE };
enum { E_OK, E_LOSS, E_OVERFLOW, E_INVALID, E_FORBIDDEN_SUFFIX, E_BAD_SUFFIX, E_MISSING_I };

enum {
    O_FROM = 256, O_FROM_UNIT, O_TO, O_TO_UNIT, O_ROUND, O_SUFFIX, O_GROUPING, O_PADDING,
    O_FIELD, O_DEBUG, O_HEADER, O_FORMAT, O_INVALID,
};

#define MAX_UNSCALED_DIGITS 18
#define MAX_ACCEPTABLE_DIGITS 27

typedef struct nf {
    vl_ctx *c;
    int from, to, round, invalid;
    uint64_t from_unit, to_unit;
    const char *suffix;
    bool grouping;
    long padding;        /* output width */
    bool pad_left;       /* '-': pad on the right */
    bool auto_padding;
    long zero_pad;
    long user_precision; /* -1: none */
    char *prefix, *fsuffix;
    int delim;           /* -1: blanks */
    char line_delim;
    /* fields */
    struct { uint64_t lo, hi; } *ranges;
    size_t nranges;
    bool all_fields;
    int conv_status;     /* exit status of a conversion error (abort: 2, else 0: go on) */
    vl_buf num;          /* the number being formatted */
    vl_buf out, copy;    /* a field's text and its conversion */
    long cur_padding;
} nf;

static long double powerld(long double base, unsigned x)
{
    long double r = 1;
    while (x--) r *= base;
    return r;
}

static long double absld(long double v)
{
    return v < 0 ? -v : v;
}

static long double expld(long double val, unsigned base, unsigned *x)
{
    unsigned power = 0;
    if (val >= -1.189731495357231765e+4932L && val <= 1.189731495357231765e+4932L)
        while (absld(val) >= base) {
            power++;
            val /= base;
        }
    if (x) *x = power;
    return val;
}

static long double round_floor(long double v)
{
    long double i = (long double)(intmax_t)v;
    return (i > v) ? i - 1 : i;
}

static long double round_ceil(long double v)
{
    long double i = (long double)(intmax_t)v;
    return (i < v) ? i + 1 : i;
}

static long double simple_round(long double v, int how)
{
    /* GNU rounds through intmax_t: values beyond it stay as they are */
    if (v <= (long double)INTMAX_MIN || v >= (long double)INTMAX_MAX) return v;
    switch (how) {
    case R_UP: return round_ceil(v);
    case R_DOWN: return round_floor(v);
    case R_FROM_ZERO: return v < 0 ? round_floor(v) : round_ceil(v);
    case R_TOWARDS_ZERO: return v < 0 ? round_ceil(v) : round_floor(v);
    default: return v < 0 ? round_ceil(v - 0.5L) : round_floor(v + 0.5L);
    }
}

static unsigned scale_base(int s)
{
    return (s == SC_IEC || s == SC_IEC_I) ? 1024 : 1000;
}

static int suffix_power(char ch)
{
    static const char units[] = "KMGTPEZY";
    const char *p = ch ? strchr(units, ch) : NULL;
    return p ? (int)(p - units) + 1 : 0;
}

/* ---- parsing ---- */

/* GNU's simple_strtod_int: [-]digits; leading zeros do not count toward the digit limits.
 * With no digit it is valid only when a decimal point follows. */
static int parse_int_part(const char **pp, long double *val, bool *neg)
{
    const char *p = *pp;
    int e = E_OK, digits = 0;
    bool found = false;
    *neg = false;
    if (*p == '-') *neg = true, p++;
    long double v = 0;
    while (*p >= '0' && *p <= '9') {
        found = true;
        if (v != 0 || *p != '0') digits++;
        if (digits > MAX_UNSCALED_DIGITS) e = E_LOSS;
        if (digits > MAX_ACCEPTABLE_DIGITS) return E_OVERFLOW;
        v = v * 10 + (*p - '0');
        p++;
    }
    if (!found && *p != '.') return E_INVALID;
    *val = *neg ? -v : v;
    *pp = p;
    return e;
}

static int parse_number(const nf *o, const char *s, long double *val, size_t *prec,
                        const char **end)
{
    const char *p = s;
    bool neg, fneg;
    long double v = 0, f = 0;
    int e = parse_int_part(&p, &v, &neg);
    if (e != E_OK && e != E_LOSS) return e;
    *prec = 0;
    if (*p == '.') {
        p++;
        const char *fs = p;
        int e2 = parse_int_part(&p, &f, &fneg);
        if (e2 != E_OK && e2 != E_LOSS) return e2;
        if (e2 == E_LOSS) e = e2;
        if (fneg) return E_INVALID;
        size_t k = (size_t)(p - fs);
        f /= powerld(10, (unsigned)k);
        v = neg ? v - f : v + f;
        *prec = k;
    }
    int power = 0;
    unsigned base = scale_base(o->from);
    if (*p) {
        while (*p == ' ' || *p == '\t') p++;
        if (!suffix_power(*p)) return E_BAD_SUFFIX;
        if (o->from == SC_NONE) return E_FORBIDDEN_SUFFIX;
        power = suffix_power(*p++);
        if (o->from == SC_AUTO && *p == 'i') {
            base = 1024;
            p++;
        }
        *prec = 0;
    }
    if (o->from == SC_IEC_I) {
        if (*p == 'i') p++;
        else return E_MISSING_I;
    }
    v *= powerld(base, (unsigned)power);
    *val = v;
    *end = p;
    return e;
}

/* Report a bad input field as GNU does (aborting when --invalid=abort). */
static void conv_error(nf *o, const char *fmt, const char *a, const char *b)
{
    vl_ctx *c = o->c;
    if (o->invalid == INV_IGNORE) return;
    if (b) vl_eprintf(c, "%s: ", c->name), vl_eprintf(c, fmt, a, b), vl_eprintf(c, "\n");
    else vl_eprintf(c, "%s: ", c->name), vl_eprintf(c, fmt, a), vl_eprintf(c, "\n");
    if (o->conv_status) vl_exit(c, o->conv_status);
}

static bool parse_human(nf *o, const char *s, long double *val, size_t *prec)
{
    vl_ctx *c = o->c;
    const char *end = NULL;
    int e = parse_number(o, s, val, prec, &end);
    if ((e == E_OK || e == E_LOSS) && !(end && *end)) return true;
    const char *q = vl_quote_locale(c, s);
    switch (e) {
    case E_OK:
    case E_LOSS: break;
    case E_OVERFLOW: conv_error(o, "value too large to be converted: %s", q, NULL); return false;
    case E_INVALID: conv_error(o, "invalid number: %s", q, NULL); return false;
    case E_FORBIDDEN_SUFFIX:
        conv_error(o, "rejecting suffix in input: %s (consider using --from)", q, NULL);
        return false;
    case E_BAD_SUFFIX: conv_error(o, "invalid suffix in input: %s", q, NULL); return false;
    case E_MISSING_I:
        conv_error(o, "missing 'i' suffix in input: %s (e.g Ki/Mi/Gi)", q, NULL);
        return false;
    }
    if (end && *end) {
        conv_error(o, "invalid suffix in input %s: %s", q, vl_quote_locale(c, end));
        return false;
    }
    return true;
}

/* ---- output ---- */

static void to_human(nf *o, long double val, long prec, vl_buf *b)
{
    vl_ctx *c = o->c;
    char fmt[64], tmp[256];
    int k = 0;
    fmt[k++] = '%';
    if (o->zero_pad) k += snprintf(fmt + k, sizeof fmt - (size_t)k, "0%ld", o->zero_pad);
    if (o->to == SC_NONE) {
        val *= powerld(10, (unsigned)prec);
        val = simple_round(val, o->round);
        val /= powerld(10, (unsigned)prec);
        snprintf(fmt + k, sizeof fmt - (size_t)k, ".*Lf");
        snprintf(tmp, sizeof tmp, fmt, (int)prec, val);
        vl_buf_adds(c, b, tmp);
        return;
    }
    unsigned base = scale_base(o->to), power = 0;
    val = expld(val, base, &power);
    unsigned adjust = 0;
    if (o->user_precision != -1) adjust = power * 3 < (unsigned long)o->user_precision
                                               ? power * 3 : (unsigned)o->user_precision;
    else if (absld(val) < 10) adjust = 1;
    val *= powerld(10, adjust);
    val = simple_round(val, o->round);
    val /= powerld(10, adjust);
    if (absld(val) >= base) {
        val /= base;
        power++;
    }
    long show = val != 0 && absld(val) < 10 && power > 0;
    if (o->user_precision != -1) show = (long)(power * 3) < o->user_precision ? power * 3 : o->user_precision;
    snprintf(fmt + k, sizeof fmt - (size_t)k, ".%ldLf%%s", show);
    static const char sfx[] = " KMGTPEZY";
    char s[4] = {0};
    if (power > 0) {
        s[0] = power < 9 ? sfx[power] : '?';
        if (o->to == SC_IEC_I) s[1] = 'i';
    }
    snprintf(tmp, sizeof tmp, fmt, val, s);
    vl_buf_adds(c, b, tmp);
}

/* The text of a converted field, or false (then the field is printed as it was). */
static bool convert(nf *o, char *text, uint64_t field, vl_buf *out)
{
    vl_ctx *c = o->c;
    if (o->suffix) {
        size_t tl = strlen(text), sl = strlen(o->suffix);
        if (tl > sl && strcmp(text + tl - sl, o->suffix) == 0) text[tl - sl] = 0;
    }
    char *p = text;
    while (*p == ' ' || *p == '\t') p++;
    if (o->auto_padding) o->cur_padding = (text < p || field > 1) ? (long)strlen(text) : 0;
    long double val = 0;
    size_t prec = 0;
    if (!parse_human(o, p, &val, &prec)) return false;
    if (o->from_unit != 1 || o->to_unit != 1)
        val = (val * (long double)o->from_unit) / (long double)o->to_unit;
    long used = o->user_precision == -1 ? (long)prec : o->user_precision;
    unsigned x;
    expld(val, 10, &x);
    char g[64];
    if (o->to == SC_NONE && x + (unsigned long)used > MAX_UNSCALED_DIGITS) {
        snprintf(g, sizeof g, "%Lg", val);
        if (used) {
            char t[96];
            snprintf(t, sizeof t, "%s/%ld", g, used);
            conv_error(o, "value/precision too large to be printed: '%s' (consider using --to)", t,
                       NULL);
        } else {
            conv_error(o, "value too large to be printed: '%s' (consider using --to)", g, NULL);
        }
        return false;
    }
    if (x > MAX_ACCEPTABLE_DIGITS - 1) {
        snprintf(g, sizeof g, "%Lg", val);
        conv_error(o, "value too large to be printed: '%s' (cannot handle values > 999Y)", g, NULL);
        return false;
    }
    vl_buf *num = &o->num; /* reused from field to field */
    num->len = 0;
    to_human(o, val, used, num);
    if (o->suffix) vl_buf_adds(c, num, o->suffix);
    if (o->prefix) vl_buf_adds(c, out, o->prefix);
    size_t w = o->cur_padding > 0 ? (size_t)o->cur_padding : 0;
    if (w > num->len && !o->pad_left)
        for (size_t i = num->len; i < w; i++) vl_buf_addc(c, out, ' ');
    vl_buf_add(c, out, num->data, num->len);
    if (w > num->len && o->pad_left)
        for (size_t i = num->len; i < w; i++) vl_buf_addc(c, out, ' ');
    if (o->fsuffix) vl_buf_adds(c, out, o->fsuffix);
    return true;
}

static bool selected(const nf *o, uint64_t f)
{
    if (o->all_fields) return true;
    if (!o->ranges) return f == 1;
    for (size_t i = 0; i < o->nranges; i++)
        if (f >= o->ranges[i].lo && f <= o->ranges[i].hi) return true;
    return false;
}

static bool process_line(nf *o, char *line, size_t len, bool newline)
{
    vl_ctx *c = o->c;
    bool ok = true;
    uint64_t field = 0;
    size_t i = 0;
    vl_buf out = o->out, copy = o->copy; /* reused from line to line */
    for (;;) {
        field++;
        size_t start = i;
        if (o->delim >= 0) {
            while (i < len && line[i] != (char)o->delim) i++;
        } else {
            while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
            while (i < len && line[i] != ' ' && line[i] != '\t') i++;
        }
        bool last = i >= len;
        char save = last ? 0 : line[i];
        line[i] = 0;
        char *text = line + start;
        if (selected(o, field)) {
            out.len = 0;
            o->cur_padding = o->padding;
            copy.len = 0;
            vl_buf_add(c, &copy, text, (size_t)(line + i - text));
            if (convert(o, copy.data, field, &out)) {
                vl_write(c, out.data, out.len);
            } else {
                vl_puts(c, text);
                ok = false;
            }
        } else {
            vl_puts(c, text);
        }
        if (last) break;
        line[i] = save;
        vl_putc(c, o->delim >= 0 ? o->delim : ' ');
        i++;
    }
    o->out = out;
    o->copy = copy;
    if (newline) vl_putc(c, o->line_delim);
    return ok;
}

/* ---- options ---- */

static int pick(vl_ctx *c, const char *opt, const char *arg, const char *const *names, int n)
{
    int hit = -1, nhit = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(arg, names[i]) == 0) return i;
        if (*arg && strncmp(arg, names[i], strlen(arg)) == 0) hit = i, nhit++;
    }
    if (nhit == 1) return hit;
    vl_buf b = {0};
    vl_buf_printf(c, &b, "%s: %s argument %s for %s\nValid arguments are:\n", c->name,
                  nhit > 1 ? "ambiguous" : "invalid", vl_quote_locale(c, arg),
                  vl_quote_locale(c, opt));
    for (int i = 0; i < n; i++) vl_buf_printf(c, &b, "  - '%s'\n", names[i]);
    vl_eprintf(c, "%s", b.data);
    vl_try_help(c);
}

static uint64_t unit_size(vl_ctx *c, const char *s)
{
    size_t n = strlen(s);
    const char *q = s;
    uint64_t v = 0;
    bool any = false, over = false;
    while (*q >= '0' && *q <= '9') {
        unsigned d = (unsigned)(*q++ - '0');
        if (v > (UINT64_MAX - d) / 10) over = true;
        else v = v * 10 + d;
        any = true;
    }
    uint64_t mult = 1;
    if (any && *q) {
        int p = suffix_power(*q);
        uint64_t base = 1000;
        if (p && q[1] == 'i' && q[2] == 0) base = 1024;
        else if (!p || q[1]) any = false;
        for (int i = 0; i < p && any; i++) {
            if (mult > UINT64_MAX / base) over = true;
            else mult *= base;
        }
    }
    if (!any || over || n == 0 || v == 0 || v > UINT64_MAX / mult)
        vl_die(c, 1, "invalid unit size: %s", vl_quote_locale(c, s));
    return v * mult;
}

static void parse_fields(nf *o, const char *s)
{
    vl_ctx *c = o->c;
    if (strcmp(s, "-") == 0) {
        o->all_fields = true;
        return;
    }
    const char *p = s;
    while (*p) {
        uint64_t lo = 0, hi = 0;
        bool have_lo = false, have_hi = false, dash = false;
        while (*p >= '0' && *p <= '9') lo = lo * 10 + (uint64_t)(*p++ - '0'), have_lo = true;
        if (*p == '-') {
            dash = true;
            p++;
            while (*p >= '0' && *p <= '9') hi = hi * 10 + (uint64_t)(*p++ - '0'), have_hi = true;
        }
        if ((*p && *p != ',' && *p != ' ') || (!have_lo && !have_hi && !dash)) {
            if (*p && *p != ',' && *p != ' ' && (*p < '0' || *p > '9'))
                vl_usage_error(c, "invalid field value %s", vl_quote_locale(c, s));
            vl_usage_error(c, "invalid field range");
        }
        if (!have_lo && !have_hi) vl_usage_error(c, "invalid range with no endpoint: -");
        if ((have_lo && lo == 0) || (have_hi && hi == 0))
            vl_usage_error(c, "fields are numbered from 1");
        if (!dash) hi = lo;
        else if (!have_lo) lo = 1;
        else if (!have_hi) hi = UINT64_MAX;
        if (hi < lo) vl_usage_error(c, "invalid decreasing range");
        o->ranges = vl_xrealloc(c, o->ranges, sizeof(*o->ranges) * (o->nranges + 1));
        o->ranges[o->nranges].lo = lo;
        o->ranges[o->nranges].hi = hi;
        o->nranges++;
        if (*p) p++;
    }
}

static void parse_format(nf *o, const char *fmt)
{
    vl_ctx *c = o->c;
    size_t i = 0, prefix_len = 0;
    const char *q = vl_quote_locale(c, fmt);
    for (; !(fmt[i] == '%' && fmt[i + 1] != '%'); i += (fmt[i] == '%') + 1) {
        if (!fmt[i]) vl_die(c, 1, "format %s has no %% directive", q);
        prefix_len++;
    }
    size_t pstart = i;
    i++;
    bool zero = false;
    for (;;) {
        size_t skip = strspn(fmt + i, " ");
        i += skip;
        if (fmt[i] == '\'') o->grouping = true, i++;
        else if (fmt[i] == '0') zero = true, i++;
        else if (!skip) break;
    }
    const char *p = fmt + i;
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    long pad = 0;
    bool any = false;
    while (*p >= '0' && *p <= '9') {
        if (pad > 100000000) vl_die(c, 1, "invalid format %s (width overflow)", q);
        pad = pad * 10 + (*p++ - '0');
        any = true;
    }
    if (!any) p = fmt + i;
    if (neg) pad = -pad;
    if (any && pad != 0) {
        if (pad < 0) {
            o->pad_left = true;
            o->padding = -pad;
        } else if (zero) {
            o->zero_pad = pad;
        } else {
            o->padding = pad;
        }
    }
    i = (size_t)(p - fmt);
    if (fmt[i] == 0) vl_die(c, 1, "format %s ends in %%", q);
    if (fmt[i] == '.') {
        i++;
        if (fmt[i] == ' ' || fmt[i] == '\t' || fmt[i] == '+' || fmt[i] == '-')
            vl_die(c, 1, "invalid precision in format %s", q);
        long pr = 0;
        while (fmt[i] >= '0' && fmt[i] <= '9') {
            if (pr > 100000000) vl_die(c, 1, "invalid precision in format %s", q);
            pr = pr * 10 + (fmt[i++] - '0');
        }
        o->user_precision = pr;
    }
    if (fmt[i] != 'f')
        vl_die(c, 1, "invalid format %s, directive must be %%[0]['][-][N][.][N]f", q);
    i++;
    size_t spos = i;
    for (; fmt[i]; i += (fmt[i] == '%') + 1)
        if (fmt[i] == '%' && fmt[i + 1] != '%')
            vl_die(c, 1, "format %s has too many %% directives", q);
    /* GNU keeps as many leading bytes as it counted characters ("%%" counts once) */
    (void)pstart;
    if (prefix_len) {
        o->prefix = vl_xmalloc(c, prefix_len + 1);
        memcpy(o->prefix, fmt, prefix_len);
        o->prefix[prefix_len] = 0;
    }
    if (fmt[spos]) o->fsuffix = vl_xstrdup(c, fmt + spos);
}

static int numfmt_main(vl_ctx *c, int argc, char **argv)
{
    nf o;
    memset(&o, 0, sizeof o);
    o.c = c;
    o.round = R_FROM_ZERO;
    o.from_unit = o.to_unit = 1;
    o.user_precision = -1;
    o.delim = -1;
    o.line_delim = '\n';
    int n = vl_getopt(c, argc, argv);
    static const char *const scales[] = {"none", "auto", "si", "iec", "iec-i"};
    static const char *const to_scales[] = {"none", "si", "iec", "iec-i"};
    static const char *const rounds[] = {"up", "down", "from-zero", "towards-zero", "nearest"};
    static const char *const invalids[] = {"abort", "fail", "warn", "ignore"};
    if (vl_has(c, O_FROM)) o.from = pick(c, "--from", vl_arg(c, O_FROM), scales, 5);
    if (vl_has(c, O_TO)) {
        int t = pick(c, "--to", vl_arg(c, O_TO), to_scales, 4);
        o.to = t == 0 ? SC_NONE : t + 1;
    }
    if (vl_has(c, O_FROM_UNIT)) o.from_unit = unit_size(c, vl_arg(c, O_FROM_UNIT));
    if (vl_has(c, O_TO_UNIT)) o.to_unit = unit_size(c, vl_arg(c, O_TO_UNIT));
    if (vl_has(c, O_ROUND)) o.round = pick(c, "--round", vl_arg(c, O_ROUND), rounds, 5);
    if (vl_has(c, O_INVALID)) o.invalid = pick(c, "--invalid", vl_arg(c, O_INVALID), invalids, 4);
    if (vl_has(c, O_SUFFIX)) o.suffix = vl_arg(c, O_SUFFIX);
    if (vl_has(c, 'd')) {
        const char *d = vl_arg(c, 'd');
        if (d[0] && d[1]) vl_die(c, 1, "the delimiter must be a single character");
        o.delim = (unsigned char)d[0];
    }
    if (vl_has(c, 'z')) o.line_delim = 0;
    if (vl_has(c, O_PADDING)) {
        int64_t v;
        const char *a = vl_arg(c, O_PADDING);
        if (vl_parse_int(a, &v, false) < 0 || v == 0 || v < -INT32_MAX || v > INT32_MAX)
            vl_die(c, 1, "invalid padding value %s", vl_quote_locale(c, a));
        if (v < 0) o.pad_left = true, v = -v;
        o.padding = (long)v;
    }
    if (vl_has(c, O_FIELD)) parse_fields(&o, vl_arg(c, O_FIELD));
    if (vl_has(c, O_GROUPING)) o.grouping = true;
    if (vl_has(c, O_FORMAT)) parse_format(&o, vl_arg(c, O_FORMAT));
    uint64_t header = 0;
    if (vl_has(c, O_HEADER)) {
        const char *a = vl_arg(c, O_HEADER);
        header = 1;
        if (a) {
            int64_t v;
            if (vl_parse_int(a, &v, false) < 0 || v <= 0)
                vl_die(c, 1, "invalid header value %s", vl_quote_locale(c, a));
            header = (uint64_t)v;
        }
    }
    if (vl_has(c, O_FORMAT) && vl_has(c, O_GROUPING))
        vl_die(c, 1, "--grouping cannot be combined with --format");
    if (o.grouping && o.to != SC_NONE) vl_die(c, 1, "grouping cannot be combined with --to");
    o.auto_padding = o.padding == 0 && o.delim < 0;
    o.conv_status = o.invalid == INV_ABORT ? 2 : 0;
    bool ok = true;
    if (n > 0) {
        for (int i = 1; i <= n; i++) {
            char *copy = vl_xstrdup(c, argv[i]);
            ok &= process_line(&o, copy, strlen(copy), true);
            vl_xfree(c, copy);
        }
    } else {
        vl_in *in = vl_in_fd(c, 0, "-");
        char *line;
        ssize_t len;
        vl_buf tmp = {0};
        while (header > 0 && (len = vl_in_getdelim(c, in, o.line_delim, &line)) > 0) {
            vl_write(c, line, (size_t)len);
            header--;
        }
        while ((len = vl_in_getdelim(c, in, o.line_delim, &line)) > 0) {
            bool nl = line[len - 1] == o.line_delim;
            tmp.len = 0;
            vl_buf_add(c, &tmp, line, (size_t)len - nl);
            ok &= process_line(&o, tmp.data, tmp.len, nl);
            vl_enc_steps(c, 1);
        }
        vl_buf_free(c, &tmp);
        if (len < 0) vl_die(c, 1, "error reading input");
    }
    if (!ok && o.invalid != INV_WARN && o.invalid != INV_IGNORE) return 2;
    return 0;
}

static const vl_opt numfmt_opts[] = {
    {'d', "delimiter", VL_ARG, "X", "use X instead of whitespace for field delimiter"},
    {O_FIELD, "field", VL_ARG, "FIELDS", "replace the numbers in these input fields (default=1)"},
    {O_FORMAT, "format", VL_ARG, "FORMAT", "use printf style floating-point FORMAT"},
    {O_FROM, "from", VL_ARG, "UNIT", "auto-scale input numbers to UNITs; default is 'none'"},
    {O_FROM_UNIT, "from-unit", VL_ARG, "N", "specify the input unit size (instead of the default 1)"},
    {O_GROUPING, "grouping", VL_NOARG, NULL, "use locale-defined grouping of digits"},
    {O_HEADER, "header", VL_OPTARG, "N", "print (without converting) the first N header lines"},
    {O_INVALID, "invalid", VL_ARG, "MODE", "failure mode for invalid numbers"},
    {O_PADDING, "padding", VL_ARG, "N", "pad the output to N characters"},
    {O_ROUND, "round", VL_ARG, "METHOD", "use METHOD for rounding when scaling"},
    {O_SUFFIX, "suffix", VL_ARG, "SUFFIX", "add SUFFIX to output numbers"},
    {O_TO, "to", VL_ARG, "UNIT", "auto-scale output numbers to UNITs"},
    {O_TO_UNIT, "to-unit", VL_ARG, "N", "the output unit size (instead of the default 1)"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {O_DEBUG, "debug", VL_NOARG, NULL, "print warnings about invalid input"},
    {0}};
VL_COMMAND(numfmt, numfmt_main, numfmt_opts, "[OPTION]... [NUMBER]...",
           "Reformat NUMBER(s), or the numbers from standard input if none are specified.", 0, 1);
