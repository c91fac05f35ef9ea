/* paste: GNU paste: the lines of the files side by side (or, with -s, each file's lines on one
 * line), joined by the -d list's delimiters in turn (\n \t \\ \0 and the other C escapes), with
 * GNU's handling of files that run out early and of "-" given several times (each reads the
 * next line of standard input). Streams one line per file at a time. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

#define NO_DELIM (-1)

typedef struct paste_state {
    int *delims; /* each a byte, or NO_DELIM (\0) */
    size_t nd;
    int eol;
    uint64_t lines;
} paste_state;

static void steps(vl_ctx *c, paste_state *s)
{
    if ((++s->lines & 4095) != 0) return;
    int rc = vk_steps(c->p, 64);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static void parse_delims(vl_ctx *c, paste_state *s, const char *list)
{
    size_t n = strlen(list);
    s->delims = vl_xmalloc(c, (n + 1) * sizeof *s->delims);
    s->nd = 0;
    if (n == 0) {
        s->delims[s->nd++] = NO_DELIM;
        return;
    }
    for (const char *p = list; *p; p++) {
        int d = (unsigned char)*p;
        if (*p == '\\') {
            p++;
            switch (*p) {
            case '0': d = NO_DELIM; break;
            case 'b': d = '\b'; break;
            case 'f': d = '\f'; break;
            case 'n': d = '\n'; break;
            case 'r': d = '\r'; break;
            case 't': d = '\t'; break;
            case 'v': d = '\v'; break;
            case 0:
                vl_die(c, 1, "delimiter list ends with an unescaped backslash: %s", list);
            default: d = (unsigned char)*p; break;
            }
        }
        s->delims[s->nd++] = d;
    }
}

static void put_delim(vl_ctx *c, const paste_state *s, size_t *dp)
{
    if (s->delims[*dp] != NO_DELIM) vl_putc(c, s->delims[*dp]);
    if (++*dp == s->nd) *dp = 0;
}

static int paste_serial(vl_ctx *c, paste_state *s, int n, char **files)
{
    for (int i = 0; i < n; i++) {
        vl_in *in = vl_in_open(c, files[i]);
        if (!in) continue;
        char *line;
        ssize_t len;
        size_t dp = 0;
        bool first = true;
        while ((len = vl_in_getdelim(c, in, s->eol, &line)) > 0) {
            if (!first) put_delim(c, s, &dp);
            first = false;
            vl_write(c, line, (size_t)len - (line[len - 1] == (char)s->eol));
            steps(c, s);
        }
        vl_putc(c, s->eol);
        if (len < 0) vl_perror(c, vl_quote(c, files[i]), (int)len);
        vl_in_close(c, in);
    }
    return c->status;
}

static int paste_parallel(vl_ctx *c, paste_state *s, int n, char **files)
{
    vl_in **in = vl_xcalloc(c, (size_t)n, sizeof *in);
    bool *open = vl_xcalloc(c, (size_t)n, sizeof *open);
    vl_in *std = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(files[i], "-") == 0) {
            if (!std) std = vl_in_fd(c, 0, "-");
            in[i] = std;
        } else {
            int err = 0;
            in[i] = vl_in_open_quiet(c, files[i], &err);
            if (!in[i]) vl_die(c, 1, "%s: %s", vl_quote(c, files[i]), vl_strerror(err));
        }
        open[i] = true;
    }
    size_t nopen = (size_t)n;
    vl_buf saved = {0};
    while (nopen) {
        bool somedone = false;
        size_t dp = 0;
        saved.len = 0;
        for (int i = 0; i < n && nopen; i++) {
            char *line = NULL;
            ssize_t len = 0;
            if (open[i]) len = vl_in_getdelim(c, in[i], s->eol, &line);
            if (len <= 0) {
                if (open[i]) {
                    if (len < 0) vl_perror(c, vl_quote(c, files[i]), (int)len);
                    open[i] = false;
                    nopen--;
                }
                if (i + 1 == n) {
                    if (somedone) {
                        vl_write(c, saved.data, saved.len);
                        saved.len = 0;
                        vl_putc(c, s->eol);
                    }
                } else {
                    if (s->delims[dp] != NO_DELIM) vl_buf_addc(c, &saved, s->delims[dp]);
                    if (++dp == s->nd) dp = 0;
                }
                continue;
            }
            if (saved.len) {
                vl_write(c, saved.data, saved.len);
                saved.len = 0;
            }
            somedone = true;
            vl_write(c, line, (size_t)len - (line[len - 1] == (char)s->eol));
            if (i + 1 != n) put_delim(c, s, &dp);
            else vl_putc(c, s->eol);
        }
        steps(c, s);
    }
    vl_buf_free(c, &saved);
    return c->status;
}

static int paste_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    paste_state s;
    memset(&s, 0, sizeof s);
    s.eol = vl_has(c, 'z') ? 0 : '\n';
    parse_delims(c, &s, vl_has(c, 'd') ? vl_arg(c, 'd') : "\t");
    char dash[] = "-";
    char *stdin_only[] = {dash};
    char **files = argv + 1;
    if (n == 0) {
        files = stdin_only;
        n = 1;
    }
    return vl_has(c, 's') ? paste_serial(c, &s, n, files) : paste_parallel(c, &s, n, files);
}

static const vl_opt paste_opts[] = {
    {'d', "delimiters", VL_ARG, "LIST", "reuse characters from LIST instead of TABs"},
    {'s', "serial", VL_NOARG, NULL, "paste one file at a time instead of in parallel"},
    {'z', "zero-terminated", VL_NOARG, NULL, "line delimiter is NUL, not newline"},
    {0}};
VL_COMMAND(paste, paste_main, paste_opts, "[OPTION]... [FILE]...",
           "Write lines consisting of the sequentially corresponding lines from\n"
           "each FILE, separated by TABs, to standard output.\n\n"
           "With no FILE, or when FILE is -, read standard input.",
           0, 1);
