/* less and more: pagers. A VM has no terminal, and both then copy their input to standard
 * output as they do when it is not a terminal: less like cat (its options accepted and
 * ignored; a file it cannot open is reported, status 0), more with a "::::::::::::::" header
 * before each file (none for standard input). */
#include "lib/cmd.h"

#include <string.h>

static void copy(vl_ctx *c, vl_in *in)
{
    char buf[65536];
    ssize_t n;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_write(c, buf, (size_t)n);
        if (vk_check(c->p) < 0) vl_exit(c, 1);
    }
}

static int page(vl_ctx *c, int argc, char **argv, bool more)
{
    /* options: anything starting with '-' or '+' before the files is accepted; less's options
     * that take a value in the next word are skipped with it */
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--help")) {
            vl_printf(c, more ? "\nUsage:\n more [options] <file>...\n" : "less: a pager (vos: copies its input)\n");
            return 0;
        }
        if ((a[0] != '-' && a[0] != '+') || !a[1]) break;
        if (!more && a[0] == '-' && a[1] != '-' && !a[2] && strchr("bhjkoOpPtTxyz#", a[1]) && i + 1 < argc)
            i++;
    }
    if (i >= argc) {
        vl_in *in = vl_in_fd(c, 0, "-");
        copy(c, in);
        return 0;
    }
    for (; i < argc; i++) {
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, argv[i], &err);
        if (!in) {
            if (more) vl_eprintf(c, "more: cannot open %s: %s\n", argv[i], vl_strerror(err));
            else vl_printf(c, "%s: %s\n", argv[i], vl_strerror(err)); /* less says it on stdout */
            continue;
        }
        struct vk_stat st;
        if (vk_fstat(c->p, in->fd, &st) == 0 && VK_S_ISDIR(st.mode)) {
            if (more) vl_eprintf(c, "\n*** %s: directory ***\n\n", argv[i]);
            else vl_eprintf(c, "%s is a directory\n", argv[i]);
            vl_in_close(c, in);
            continue;
        }
        if (more) vl_printf(c, "::::::::::::::\n%s\n::::::::::::::\n", argv[i]);
        copy(c, in);
        vl_in_close(c, in);
    }
    return 0;
}

static int less_main(vl_ctx *c, int argc, char **argv) { return page(c, argc, argv, false); }
static int more_main(vl_ctx *c, int argc, char **argv) { return page(c, argc, argv, true); }

static const vl_opt no_opts[] = {{0}};
VL_COMMAND(less, less_main, no_opts, "[options] [file]...", "A pager.", VL_NO_OPTIONS, 1);
VL_COMMAND(more, more_main, no_opts, "[options] <file>...", "A file perusal filter.",
           VL_NO_OPTIONS, 1);
