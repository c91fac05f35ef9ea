/* strings: print the runs of printable characters in files, as binutils 2.40's strings does
 * on data that is not an object file (every file is scanned whole, as with -a): -n/-NUM/
 * --bytes, -t/-o offsets, -e s S b l B L encodings, -w, -f, -s, and binutils' own option
 * messages and usage text. Not done: --unicode modes other than the default, object-file
 * sections for -d (it scans everything, like -a). */
#include "lib/cmd.h"
#include "lib/enc.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "Usage: %s [option(s)] [file(s)]\n"
    " Display printable strings in [file(s)] (stdin by default)\n"
    " The options are:\n"
    "  -a - --all                Scan the entire file, not just the data section [default]\n"
    "  -d --data                 Only scan the data sections in the file\n"
    "  -f --print-file-name      Print the name of the file before each string\n"
    "  -n <number>               Locate & print any sequence of at least <number>\n"
    "    --bytes=<number>         displayable characters.  (The default is 4).\n"
    "  -t --radix={o,d,x}        Print the location of the string in base 8, 10 or 16\n"
    "  -w --include-all-whitespace Include all whitespace as valid string characters\n"
    "  -o                        An alias for --radix=o\n"
    "  -T --target=<BFDNAME>     Specify the binary file format\n"
    "  -e --encoding={s,S,b,l,B,L} Select character size and endianness:\n"
    "                            s = 7-bit, S = 8-bit, {b,l} = 16-bit, {B,L} = 32-bit\n"
    "  --unicode={default|show|invalid|hex|escape|highlight}\n"
    "  -U {d|s|i|x|e|h}          Specify how to treat UTF-8 encoded unicode characters\n"
    "  -s --output-separator=<string> String used to separate strings in output.\n"
    "  @<file>                   Read options from <file>\n"
    "  -h --help                 Display this information\n"
    "  -v -V --version           Print the program's version number\n";
static const char targets_text[] =
    "%s: supported targets: elf64-x86-64 elf32-i386 elf32-iamcu elf32-x86-64 pei-i386 "
    "pe-x86-64 pei-x86-64 elf64-little elf64-big elf32-little elf32-big pe-bigobj-x86-64 "
    "pe-i386 pdb srec symbolsrec verilog tekhex binary ihex plugin\n";

typedef struct st {
    vl_ctx *c;
    uint64_t min;
    char radix; /* 0, o, d, x */
    char enc;   /* s S b l B L */
    bool all_ws, print_name;
    const char *sep;
} st;

_Noreturn static void usage(vl_ctx *c, int status)
{
    if (status == 0) {
        vl_printf(c, usage_text, c->name);
        vl_printf(c, targets_text, c->name);
        vl_puts(c, "Report bugs to <https://sourceware.org/bugzilla/>\n");
    } else {
        vl_eprintf(c, usage_text, c->name);
        vl_eprintf(c, targets_text, c->name);
    }
    vl_exit(c, status);
}

static bool graphic(const st *s, uint32_t ch)
{
    if (ch > 255) return false;
    if (ch == '\t' || (ch >= 0x20 && ch < 0x7f)) return true;
    if (s->enc == 'S' && ch > 127) return true;
    if (s->all_ws && (ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v')) return true;
    return false;
}

static void put_start(st *s, const char *name, uint64_t off)
{
    vl_ctx *c = s->c;
    if (s->print_name) vl_printf(c, "%s: ", name);
    switch (s->radix) {
    case 'o': vl_printf(c, "%7llo ", (unsigned long long)off); break;
    case 'd': vl_printf(c, "%7llu ", (unsigned long long)off); break;
    case 'x': vl_printf(c, "%7llx ", (unsigned long long)off); break;
    default: break;
    }
}

static void scan(st *s, vl_in *in, const char *name)
{
    vl_ctx *c = s->c;
    size_t w = (s->enc == 'b' || s->enc == 'l') ? 2 : (s->enc == 'B' || s->enc == 'L') ? 4 : 1;
    bool big = s->enc == 'b' || s->enc == 'B';
    unsigned char *buf = vl_xmalloc(c, 65536 + 4);
    size_t have = 0; /* bytes of a partial unit kept from the last read */
    uint64_t off = 0, start = 0;
    vl_buf run = {0};
    uint64_t runlen = 0;
    bool printing = false;
    for (;;) {
        ssize_t r = vl_in_read(c, in, buf + have, 65536);
        if (r < 0) {
            vl_error(c, "%s: %s", name, vl_strerror((int)r));
            break;
        }
        if (r == 0) break;
        size_t n = have + (size_t)r, i = 0;
        for (; i + w <= n; i += w, off += w) {
            uint32_t ch = 0;
            if (w == 1) ch = buf[i];
            else if (big)
                for (size_t k = 0; k < w; k++) ch = ch << 8 | buf[i + k];
            else
                for (size_t k = w; k-- > 0;) ch = ch << 8 | buf[i + k];
            if (!graphic(s, ch)) {
                if (printing) vl_puts(c, s->sep ? s->sep : "\n");
                printing = false;
                runlen = 0;
                run.len = 0;
                continue;
            }
            if (printing) {
                vl_putc(c, (int)ch);
                continue;
            }
            if (runlen == 0) start = off;
            runlen++;
            vl_buf_addc(c, &run, (int)ch);
            if (runlen >= s->min) {
                put_start(s, name, start);
                vl_write(c, run.data, run.len);
                run.len = 0;
                printing = true;
            }
        }
        have = n - i;
        memmove(buf, buf + i, have);
        vl_enc_steps(c, 1);
    }
    if (printing) vl_puts(c, s->sep ? s->sep : "\n");
    vl_buf_free(c, &run);
    vl_xfree(c, buf);
}

/* binutils' options, with its messages: getopt's words, then the whole usage text. */
static const struct lopt {
    const char *name;
    int has_arg;
    int id;
} lopts[] = {
    {"all", 0, 'a'},        {"bytes", 1, 'n'},  {"data", 0, 'd'},
    {"encoding", 1, 'e'},   {"help", 0, 'h'},   {"include-all-whitespace", 0, 'w'},
    {"output-separator", 1, 's'}, {"print-file-name", 0, 'f'}, {"radix", 1, 't'},
    {"target", 1, 'T'},     {"unicode", 1, 'U'}, {"version", 0, 'v'},
    {NULL, 0, 0}};

static void apply(vl_ctx *c, st *s, int id, const char *arg)
{
    switch (id) {
    case 'a':
    case 'd': break;
    case 'f': s->print_name = true; break;
    case 'w': s->all_ws = true; break;
    case 'o': s->radix = 'o'; break;
    case 'n': {
        const char *q = arg;
        int base = 10;
        if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) base = 16, q += 2;
        else if (q[0] == '0') base = 8;
        uint64_t v = 0;
        bool neg = false;
        if (*q == '-') neg = true, q++;
        else if (*q == '+') q++;
        for (; *q; q++) {
            int d = (*q >= '0' && *q <= '9') ? *q - '0'
                    : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
                    : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10 : 99;
            if (d >= base) vl_die(c, 1, "invalid integer argument %s", arg);
            v = v * (uint64_t)base + (uint64_t)d;
        }
        if (neg) v = 0 - v;
        if (v == 0) vl_die(c, 1, "invalid minimum string length 0");
        s->min = v;
        break;
    }
    case 't':
        if (arg[1] || !strchr("odx", arg[0])) usage(c, 1);
        s->radix = arg[0];
        break;
    case 'T': break;
    case 'e':
        if (arg[1] || !strchr("sSblBL", arg[0])) usage(c, 1);
        s->enc = arg[0];
        break;
    case 'U':
        if (strcmp(arg, "d") != 0 && strcmp(arg, "default") != 0 && strcmp(arg, "locale") != 0)
            vl_die(c, 1, "--unicode=%s is not supported", arg);
        break;
    case 's': s->sep = arg; break;
    case 'h': usage(c, 0);
    case 'v':
    case 'V':
        vl_printf(c, "GNU strings (vos) %s\n", VOS_VERSION_STRING);
        vl_exit(c, 0);
    default: usage(c, 1);
    }
}

static int strings_main(vl_ctx *c, int argc, char **argv)
{
    st s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.min = 4;
    s.enc = 's';
    char **ops = vl_xmalloc(c, sizeof(char *) * (size_t)(argc + 1));
    int nops = 0;
    bool only_ops = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_ops || a[0] != '-' || a[1] == 0) {
            if (strcmp(a, "-") == 0 && !only_ops) usage(c, 1);
            ops[nops++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_ops = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            const struct lopt *hit = NULL;
            int nhit = 0;
            for (const struct lopt *o = lopts; o->name; o++) {
                if (strncmp(o->name, name, nl) != 0) continue;
                if (strlen(o->name) == nl) {
                    hit = o;
                    nhit = 1;
                    break;
                }
                if (!hit) hit = o;
                nhit++;
            }
            if (nhit != 1) {
                if (nhit == 0) vl_eprintf(c, "%s: unrecognized option '%s'\n", c->name, a);
                else vl_eprintf(c, "%s: option '%s' is ambiguous\n", c->name, a);
                usage(c, 1);
            }
            const char *arg = NULL;
            if (hit->has_arg) {
                if (eq) arg = eq + 1;
                else if (i + 1 < argc) arg = argv[++i];
                else {
                    vl_eprintf(c, "%s: option '--%s' requires an argument\n", c->name, hit->name);
                    usage(c, 1);
                }
            } else if (eq) {
                vl_eprintf(c, "%s: option '--%s' doesn't allow an argument\n", c->name, hit->name);
                usage(c, 1);
            }
            apply(c, &s, hit->id, arg);
            continue;
        }
        for (char *q = a + 1; *q; q++) {
            if (*q >= '0' && *q <= '9') {
                /* -NUM is -n NUM */
                char *e = q;
                while (*e >= '0' && *e <= '9') e++;
                char save = *e;
                *e = 0;
                apply(c, &s, 'n', q);
                *e = save;
                q = e - 1;
                continue;
            }
            if (!strchr("adfhnotTeUwsvV", *q)) {
                vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, *q);
                usage(c, 1);
            }
            if (strchr("ntTeUs", *q)) {
                const char *arg = q[1] ? q + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!arg) {
                    vl_eprintf(c, "%s: option requires an argument -- '%c'\n", c->name, *q);
                    usage(c, 1);
                }
                apply(c, &s, *q, arg);
                break;
            }
            apply(c, &s, *q, NULL);
        }
    }
    if (nops == 0) {
        vl_in *in = vl_in_fd(c, 0, "-");
        scan(&s, in, "{standard input}");
        return c->status;
    }
    for (int i = 0; i < nops; i++) {
        struct vk_stat sb;
        int rc = vk_stat(c->p, ops[i], &sb);
        if (rc < 0) {
            vl_error(c, "'%s': No such file", ops[i]);
            continue;
        }
        if (VK_S_ISDIR(sb.mode)) {
            vl_error(c, "Warning: '%s' is a directory", ops[i]);
            continue;
        }
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, ops[i], &err);
        if (!in) {
            vl_error(c, "%s: %s", ops[i], vl_strerror(err));
            continue;
        }
        scan(&s, in, ops[i]);
        vl_in_close(c, in);
    }
    return c->status;
}

static const vl_opt strings_opts[] = {{0}};
VL_COMMAND(strings, strings_main, strings_opts, "[option(s)] [file(s)]",
           "Display printable strings in [file(s)] (stdin by default)", VL_NO_OPTIONS, 1);
