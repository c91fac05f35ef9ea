/* awk.c: the awk command (gawk 5.2's dialect and messages): the command line (-F -v -f -E
 * -e -i --), the translation of awk regexes into the ERE src/lib/regex.h reads, then parsing
 * (awk_parse.c) and running (awk_run.c). Also installed as gawk. */
#include <stdio.h>
#include <string.h>

#include "cmd/awk.h"

static const vl_opt awk_opts[] = {{0}};

/* ---- regexes ----
 * awk regexes are POSIX EREs plus escapes: \/ \" \n \t..., octal and hex bytes, gawk's \y
 * (word boundary), \< \> \B \s \S \w \W \` \'. Inside brackets a backslash escapes too
 * ([\]] is a bracket holding ']'), which POSIX brackets do not allow: the bracket is
 * rewritten with ']' first and '-' last. */

static bool re_special(int ch) { return ch && strchr("\\^$.[]|()*+?{}", ch) != NULL; }

/* decode an escape after a backslash at s[*i]: the byte, or -1 when it is not a plain byte */
static int esc_byte(const char *s, size_t n, size_t *i)
{
    int ch = (unsigned char)s[*i];
    switch (ch) {
    case 'n': (*i)++; return '\n';
    case 't': (*i)++; return '\t';
    case 'r': (*i)++; return '\r';
    case 'f': (*i)++; return '\f';
    case 'v': (*i)++; return '\v';
    case 'a': (*i)++; return '\a';
    case '/': (*i)++; return '/';
    case '"': (*i)++; return '"';
    default: break;
    }
    if (ch >= '0' && ch <= '7') {
        int v = 0, k = 0;
        while (k < 3 && *i < n && s[*i] >= '0' && s[*i] <= '7') {
            v = v * 8 + (s[*i] - '0');
            (*i)++;
            k++;
        }
        return v & 0xff;
    }
    if (ch == 'x' && *i + 1 < n && strchr("0123456789abcdefABCDEF", s[*i + 1]) && s[*i + 1]) {
        (*i)++;
        int v = 0, k = 0;
        while (k < 2 && *i < n && s[*i] && strchr("0123456789abcdefABCDEF", s[*i])) {
            int h = (unsigned char)s[*i];
            v = v * 16 + (h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
            (*i)++;
            k++;
        }
        return v;
    }
    return -1;
}

/* is s[i] (a '{') the start of a valid interval {m}, {m,}, {m,n}, {,n}? */
static bool interval_at(const char *s, size_t n, size_t i)
{
    size_t k = i + 1;
    bool digits = false;
    while (k < n && s[k] >= '0' && s[k] <= '9') k++, digits = true;
    if (k < n && s[k] == ',') {
        k++;
        while (k < n && s[k] >= '0' && s[k] <= '9') k++, digits = true;
    }
    return digits && k < n && s[k] == '}';
}

void aw_regex_translate(vl_ctx *c, vl_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    /* gawk takes an operator with nothing to repeat (at the start, after ( or |) and a brace
     * that opens no valid interval as literal characters, where POSIX says error */
    bool at_start = true;
    while (i < n) {
        char ch = s[i];
        bool was_start = at_start;
        at_start = false;
        if ((ch == '*' || ch == '+' || ch == '?') && was_start) {
            vl_buf_addc(c, out, '\\');
            vl_buf_addc(c, out, ch);
            i++;
            continue;
        }
        if (ch == '{' && (was_start || !interval_at(s, n, i))) {
            vl_buf_adds(c, out, "\\{");
            i++;
            continue;
        }
        if (ch == '(' || ch == '|' || (ch == '^' && was_start)) {
            vl_buf_addc(c, out, ch);
            i++;
            at_start = true;
            continue;
        }
        if (ch == '\\') {
            i++;
            if (i >= n) {
                /* a trailing backslash: the library says "Trailing backslash", as gawk */
                vl_buf_addc(c, out, '\\');
                break;
            }
            int b = esc_byte(s, n, &i);
            if (b >= 0) {
                if (re_special(b)) vl_buf_addc(c, out, '\\');
                vl_buf_addc(c, out, b);
                continue;
            }
            char e = s[i++];
            if (e == 'y') {
                vl_buf_adds(c, out, "\\b");
            } else {
                vl_buf_addc(c, out, '\\');
                vl_buf_addc(c, out, e);
            }
            continue;
        }
        if (ch != '[') {
            vl_buf_addc(c, out, ch);
            i++;
            continue;
        }
        /* a bracket expression */
        size_t j = i + 1;
        bool neg = false;
        if (j < n && s[j] == '^') {
            neg = true;
            j++;
        }
        vl_buf body = {0};
        bool close = false, dash = false, caret = false, first = true;
        while (j < n) {
            char d = s[j];
            if (d == ']' && !first) {
                close = true;
                j++;
                break;
            }
            first = false;
            if (d == '[' && j + 1 < n && (s[j + 1] == ':' || s[j + 1] == '.' || s[j + 1] == '=')) {
                char kind = s[j + 1];
                size_t k = j + 2;
                while (k + 1 < n && !(s[k] == kind && s[k + 1] == ']')) k++;
                if (k + 1 < n) {
                    vl_buf_add(c, &body, s + j, k + 2 - j);
                    j = k + 2;
                    continue;
                }
            }
            if (d == '\\' && j + 1 < n) {
                j++;
                int b = esc_byte(s, n, &j);
                if (b < 0) b = (unsigned char)s[j++];
                if (b == ']') {
                    vl_buf_addc(c, &body, '\x02'); /* a literal ']': goes first */
                } else if (b == '-') {
                    dash = true;
                } else if (b == '^') {
                    caret = true;
                } else {
                    vl_buf_addc(c, &body, b);
                }
                continue;
            }
            if (d == '-' && j + 1 < n && s[j + 1] == ']' && body.len) {
                /* a '-' just before the closing ']' is a literal: it goes last */
                dash = true;
                j++;
                continue;
            }
            vl_buf_addc(c, &body, d);
            j++;
        }
        if (!close) {
            /* unterminated: let the regex library report it */
            vl_buf_add(c, out, s + i, n - i);
            vl_buf_free(c, &body);
            return;
        }
        bool rb = body.len && memchr(body.data, '\x02', body.len);
        if (!neg && !rb && !body.len && caret && !dash) {
            /* [\^] alone: a '^' first in a bracket would negate it */
            vl_buf_adds(c, out, "\\^");
            vl_buf_free(c, &body);
            i = j;
            continue;
        }
        vl_buf_addc(c, out, '[');
        if (neg) vl_buf_addc(c, out, '^');
        if (rb) vl_buf_addc(c, out, ']');
        for (size_t k = 0; k < body.len; k++)
            if (body.data[k] != '\x02') vl_buf_addc(c, out, body.data[k]);
        /* '^' must not come first, '-' must come last */
        if (caret && (neg || rb || body.len)) vl_buf_addc(c, out, '^');
        if (dash) vl_buf_addc(c, out, '-');
        if (caret && !(neg || rb || body.len)) {
            /* only [\-\^]: "-^" is the range-free form */
            out->len--;
            vl_buf_adds(c, out, "-^");
        }
        vl_buf_addc(c, out, ']');
        vl_buf_free(c, &body);
        i = j;
    }
}

vl_re *aw_regex_compile(vl_ctx *c, aw_prog *prog, const char *s, size_t n, bool icase, bool *err,
                        char *msg, size_t msglen)
{
    vl_buf b = {0};
    aw_regex_translate(c, &b, s, n);
    vl_re *re = NULL;
    vl_re_diag diag = {0};
    int rc = vl_re_compile(c->p, b.data ? b.data : "", b.len, VL_RE_ERE, icase ? VL_RE_ICASE : 0, &re, &diag);
    vl_buf_free(c, &b);
    if (rc < 0) {
        *err = true;
        if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) snprintf(msg, msglen, "%s", diag.msg);
        else {
            int w = vk_dying(c->p);
            vl_exit(c, w ? VK_WSHELL(w) : 2);
        }
        return NULL;
    }
    if (prog) {
        if (prog->nres == prog->capres) {
            prog->capres = prog->capres ? prog->capres * 2 : 16;
            prog->res = vl_xrealloc(c, prog->res, prog->capres * sizeof *prog->res);
        }
        prog->res[prog->nres++] = re;
    }
    return re;
}

static void free_parse_res(void *arg)
{
    aw_prog *prog = arg;
    for (size_t i = 0; i < prog->nres; i++) vl_re_free(prog->res[i]);
    prog->nres = 0;
}

/* ---- command line ---- */

static _Noreturn void usage(vl_ctx *c, int status)
{
    const char *n = c->name;
    vl_buf b = {0};
    vl_buf_printf(c, &b, "Usage: %s [POSIX or GNU style options] -f progfile [--] file ...\n", n);
    vl_buf_printf(c, &b, "Usage: %s [POSIX or GNU style options] [--] 'program' file ...\n", n);
    /* gawk's text, options we do not have included (the usage is gawk's) */
    vl_buf_adds(c, &b,
        "POSIX options:\t\tGNU long options: (standard)\n"
        "\t-f progfile\t\t--file=progfile\n"
        "\t-F fs\t\t\t--field-separator=fs\n"
        "\t-v var=val\t\t--assign=var=val\n"
        "Short options:\t\tGNU long options: (extensions)\n"
        "\t-b\t\t\t--characters-as-bytes\n"
        "\t-c\t\t\t--traditional\n"
        "\t-C\t\t\t--copyright\n"
        "\t-d[file]\t\t--dump-variables[=file]\n"
        "\t-D[file]\t\t--debug[=file]\n"
        "\t-e 'program-text'\t--source='program-text'\n"
        "\t-E file\t\t\t--exec=file\n"
        "\t-g\t\t\t--gen-pot\n"
        "\t-h\t\t\t--help\n"
        "\t-i includefile\t\t--include=includefile\n"
        "\t-I\t\t\t--trace\n"
        "\t-l library\t\t--load=library\n"
        "\t-L[fatal|invalid|no-ext]\t--lint[=fatal|invalid|no-ext]\n"
        "\t-M\t\t\t--bignum\n"
        "\t-N\t\t\t--use-lc-numeric\n"
        "\t-n\t\t\t--non-decimal-data\n"
        "\t-o[file]\t\t--pretty-print[=file]\n"
        "\t-O\t\t\t--optimize\n"
        "\t-p[file]\t\t--profile[=file]\n"
        "\t-P\t\t\t--posix\n"
        "\t-r\t\t\t--re-interval\n"
        "\t-s\t\t\t--no-optimize\n"
        "\t-S\t\t\t--sandbox\n"
        "\t-t\t\t\t--lint-old\n"
        "\t-V\t\t\t--version\n"
        "\n"
        "To report bugs, use the `gawkbug' program.\n"
        "For full instructions, see the node `Bugs' in `gawk.info'\n"
        "which is section `Reporting Problems and Bugs' in the\n"
        "printed version.  This same information may be found at\n"
        "https://www.gnu.org/software/gawk/manual/html_node/Bugs.html.\n"
        "PLEASE do NOT try to report bugs by posting in comp.lang.awk,\n"
        "or by using a web forum such as Stack Overflow.\n"
        "\n"
        "gawk is a pattern scanning and processing language.\n"
        "By default it reads standard input and writes standard output.\n"
        "\n");
    vl_buf_adds(c, &b, "Examples:\n");
    vl_buf_printf(c, &b, "\t%s '{ sum += $1 }; END { print sum }' file\n", n);
    vl_buf_printf(c, &b, "\t%s -F: '{ print $1 }' /etc/passwd\n", n);
    if (status == 0) {
        vl_write(c, b.data, b.len);
        vl_buf_free(c, &b);
        vl_exit(c, 0);
    }
    vl_flush(c);
    vl_write_fd(c, 2, b.data, b.len);
    vl_buf_free(c, &b);
    vl_exit(c, status);
}

/* read a -f program file whole */
static char *slurp(vl_ctx *c, const char *path, size_t *len)
{
    int fd = (!strcmp(path, "-") || !strcmp(path, "/dev/stdin")) ? vk_dup(c->p, 0) : vk_open(c->p, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        vl_flush(c);
        vl_eprintf(c, "%s: fatal: cannot open source file `%s' for reading: %s\n", c->name, path, vl_strerror(fd));
        vl_exit(c, 2);
    }
    vl_buf b = {0};
    char tmp[65536];
    for (;;) {
        ssize_t n = vk_read(c->p, fd, tmp, sizeof tmp);
        if (n == VOS_EINTR) continue;
        if (n <= 0) break;
        vl_buf_add(c, &b, tmp, (size_t)n);
    }
    vk_close(c->p, fd);
    *len = b.len;
    if (!b.data) return vl_xstrdup(c, "");
    vl_buf_addc(c, &b, 0);
    return b.data;
}

static int awk_main(vl_ctx *c, int argc, char **argv)
{
    aw_src *srcs = vl_xcalloc(c, (size_t)argc + 1, sizeof *srcs);
    int nsrc = 0;
    char **assigns = vl_xcalloc(c, (size_t)argc + 2, sizeof *assigns);
    int nassign = 0;
    const char *fs = NULL;
    bool have_f = false, inplace = false, end_opts = false;
    int i = 1;
    for (; i < argc && !end_opts; i++) {
        char *a = argv[i];
        if (a[0] != '-' || !a[1]) break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        const char *val = NULL;
        int opt = 0;
        if (a[1] == '-') {
            static const struct {
                const char *name;
                int opt;
            } longs[] = {{"field-separator", 'F'}, {"assign", 'v'}, {"file", 'f'},
                         {"source", 'e'},          {"version", 'V'}, {"help", 'h'},
                         {"posix", 'P'},           {"traditional", 'c'}, {"re-interval", 'r'},
                         {"include", 'i'}, {"exec", 'E'}};
            const char *eq = strchr(a + 2, '=');
            size_t ln = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            for (size_t k = 0; k < sizeof longs / sizeof *longs; k++)
                if (ln && !strncmp(longs[k].name, a + 2, ln)) {
                    opt = longs[k].opt;
                    break;
                }
            if (!opt) usage(c, 1);
            if (strchr("FvfeiE", opt)) {
                if (eq) val = eq + 1;
                else if (i + 1 < argc) val = argv[++i];
                else {
                    vl_flush(c);
                    vl_eprintf(c, "%s: option '--%.*s' requires an argument\n", c->name, (int)ln, a + 2);
                    usage(c, 1);
                }
            }
        } else {
            opt = a[1];
            if (strchr("FvfeiE", opt)) {
                if (a[2]) val = a + 2;
                else if (i + 1 < argc) val = argv[++i];
                else {
                    vl_flush(c);
                    vl_eprintf(c, "%s: option requires an argument -- %c\n", c->name, opt);
                    usage(c, 1);
                }
            } else if (a[2]) {
                /* bundled flags are not supported beyond one */
            }
        }
        switch (opt) {
        case 'F': fs = val; break;
        case 'v':
            if (!strchr(val, '=')) {
                vl_flush(c);
                vl_eprintf(c, "%s: `%s' argument to `-v' not in `var=value' form\n\n", c->name, val);
                usage(c, 1);
            }
            assigns[nassign++] = (char *)val;
            break;
        case 'E':
            /* -E FILE: -f FILE that also ends the options (gawk) */
            end_opts = true;
            /* fallthrough */
        case 'f':
            srcs[nsrc].name = val;
            srcs[nsrc].text = slurp(c, val, &srcs[nsrc].len);
            nsrc++;
            have_f = true;
            break;
        case 'e':
            srcs[nsrc].name = "cmd. line";
            srcs[nsrc].text = val;
            srcs[nsrc].len = strlen(val);
            nsrc++;
            have_f = true;
            break;
        case 'i':
            /* -i inplace: gawk's in-place editing; other names are source files to include
             * (NAME or NAME.awk), before the program */
            if (!strcmp(val, "inplace") || !strcmp(val, "inplace.awk")) {
                inplace = true;
                break;
            }
            {
                int err = 0;
                char *path = (char *)val;
                vl_in *probe = vl_in_open_quiet(c, path, &err);
                if (!probe) {
                    size_t n = strlen(val) + 5;
                    path = vl_xmalloc(c, n);
                    snprintf(path, n, "%s.awk", val);
                    probe = vl_in_open_quiet(c, path, &err);
                }
                if (probe) vl_in_close(c, probe);
                else path = (char *)val;
                srcs[nsrc].name = path;
                srcs[nsrc].text = slurp(c, path, &srcs[nsrc].len);
                nsrc++;
            }
            break;
        case 'V':
            vl_printf(c, "GNU Awk 5.2.1 (vos)\n");
            vl_exit(c, 0);
        case 'h': usage(c, 0);
        case 'P': case 'c': case 'r': break;
        default:
            usage(c, 1);
        }
    }
    if (!have_f) {
        if (i >= argc) usage(c, 1);
        srcs[nsrc].name = "cmd. line";
        srcs[nsrc].text = argv[i];
        srcs[nsrc].len = strlen(argv[i]);
        nsrc++;
        i++;
    }
    aw_prog *prog = vl_xcalloc(c, 1, sizeof *prog);
    prog->inplace = inplace;
    vl_defer(c, free_parse_res, prog);
    aw_parse(c, prog, srcs, nsrc);
    if (fs) {
        /* -F x is FS="x" with escapes processed; -Ft is "t" (gawk) */
        size_t n = strlen(fs) + 4;
        char *a = vl_xmalloc(c, n);
        snprintf(a, n, "FS=%s", fs);
        assigns[nassign++] = a;
        /* -F must come before the -v assignments' order does not matter for FS */
    }
    return aw_run(c, prog, srcs, nsrc, argc - i, argv + i, assigns, nassign);
}

VL_COMMAND(awk, awk_main, awk_opts, "[POSIX or GNU style options] [--] 'program' file ...",
           "Pattern scanning and processing language (gawk dialect).", VL_NO_OPTIONS, 2);
VL_COMMAND_NAMED(gawk, "gawk", awk_main, awk_opts,
                 "[POSIX or GNU style options] [--] 'program' file ...",
                 "Pattern scanning and processing language (gawk dialect).", VL_NO_OPTIONS, 2);
