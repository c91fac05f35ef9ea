/* rev: reverse the characters of each line, as util-linux 2.38 does in the C locale: bytes are
 * characters, and a byte past ASCII is an invalid multibyte character there, which ends that
 * file with "rev: FILE: LINE: Invalid or incomplete multibyte or wide character" (status 1), the
 * lines before it already printed. */
#include "lib/cmd.h"

#include <string.h>

/* Count work against the exec's step budget; end when the process must end. */
static void tick(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

static int rev_file(vl_ctx *c, vl_in *in, const char *name)
{
    char *line;
    ssize_t n;
    int64_t lineno = 0;
    vl_buf out = {0}; /* the line so far: util-linux keeps what came before a NUL and reads
                       * the next line onto it, dropping the rest */
    while ((n = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        size_t len = (size_t)n;
        bool nl = line[len - 1] == '\n';
        if (nl) len--;
        const char *z = memchr(line, '\0', len);
        size_t vis = z ? (size_t)(z - line) : len;
        for (size_t i = 0; i < vis; i++)
            if ((unsigned char)line[i] >= 0x80) {
                vl_buf_free(c, &out);
                vl_flush(c);
                vl_eprintf(c, "%s: %s: %lld: Invalid or incomplete multibyte or wide character\n",
                           c->name, name, (long long)lineno);
                c->status = 1;
                return 0;
            }
        vl_buf_add(c, &out, line, vis);
        if (z) continue;
        for (size_t i = 0, j = out.len; i + 1 < j; i++, j--) {
            char t = out.data[i];
            out.data[i] = out.data[j - 1];
            out.data[j - 1] = t;
        }
        vl_write(c, out.data, out.len);
        if (nl) vl_putc(c, '\n');
        out.len = 0;
        lineno++;
        if ((lineno & 1023) == 0) tick(c, 1024);
    }
    if (out.len) {
        for (size_t i = 0, j = out.len; i + 1 < j; i++, j--) {
            char t = out.data[i];
            out.data[i] = out.data[j - 1];
            out.data[j - 1] = t;
        }
        vl_write(c, out.data, out.len);
    }
    vl_buf_free(c, &out);
    if (n < 0) {
        vl_eprintf(c, "%s: %s: %s\n", c->name, name, vl_strerror((int)n));
        c->status = 1;
    }
    return 0;
}

static int rev_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'h')) {
        vl_help(c);
        return 0;
    }
    if (n == 0) {
        rev_file(c, vl_in_fd(c, 0, "-"), "stdin");
        return c->status;
    }
    for (int i = 1; i <= n; i++) {
        /* "-" is a file name for util-linux, not standard input */
        int fd = vk_open(c->p, argv[i], VK_O_RDONLY, 0);
        if (fd < 0) {
            vl_eprintf(c, "%s: cannot open %s: %s\n", c->name, argv[i], vl_strerror(fd));
            c->status = 1;
            continue;
        }
        vl_in *in = vl_in_fd(c, fd, argv[i]);
        rev_file(c, in, argv[i]);
        vl_in_close(c, in);
        vk_close(c->p, fd);
    }
    return c->status;
}

static const vl_opt rev_opts[] = {{'h', NULL, VL_NOARG, NULL, "display this help"}, {0}};
VL_COMMAND(rev, rev_main, rev_opts, "[options] [file ...]", "Reverse lines characterwise.", 0, 1);
