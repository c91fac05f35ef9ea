/* sys_term.h: what the terminal commands share (a private header of src/cmd): the kind of
 * terminal TERM names for tput and clear, and the pager that less and more become without a
 * terminal. */
#ifndef SYS_TERM_H
#define SYS_TERM_H

#include "lib/cmd.h"

#include <string.h>

/* 0 no TERM, 1 xterm-like, 2 dumb, -1 unknown */
static inline int sys_term_kind(const char *t)
{
    if (!t || !*t) return 0;
    if (!strcmp(t, "dumb")) return 2;
    static const char *const pre[] = {"xterm", "screen", "tmux", "linux", "vt100", "vt220",
                                      "rxvt", "ansi", "konsole", "gnome", "alacritty", "kitty"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (!strncmp(t, pre[i], strlen(pre[i]))) return 1;
    return -1;
}

/* copy in to stdout, stopping when the process must end */
static inline void sys_copy(vl_ctx *c, vl_in *in)
{
    char buf[65536];
    ssize_t n;
    while ((n = vl_in_read(c, in, buf, sizeof buf)) > 0) {
        vl_write(c, buf, (size_t)n);
        if (vk_check(c->p) < 0) vl_exit(c, 1);
    }
}

/* less (more false) or more: options skipped, then each file (or stdin) copied */
static inline int sys_page(vl_ctx *c, int argc, char **argv, bool more)
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
            vl_printf(c, more ? "\nUsage:\n more [options] <file>...\n"
                              : "less: a pager (vos: copies its input)\n");
            return 0;
        }
        if ((a[0] != '-' && a[0] != '+') || !a[1]) break;
        if (!more && a[0] == '-' && a[1] != '-' && !a[2] && strchr("bhjkoOpPtTxyz#", a[1]) &&
            i + 1 < argc)
            i++;
    }
    if (i >= argc) {
        vl_in *in = vl_in_fd(c, 0, "-");
        sys_copy(c, in);
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
        sys_copy(c, in);
        vl_in_close(c, in);
    }
    return 0;
}

#endif
