/* echo: print the arguments separated by spaces, then a newline. Options -n, -e, -E in any
 * bundle (an argument with another letter is text). Bash's builtin and GNU's /bin/echo differ
 * in their escapes (see lib/format.c) and in --help, which only GNU's answers, alone. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <string.h>

static bool is_option(const char *a)
{
    if (a[0] != '-' || !a[1]) return false;
    for (const char *q = a + 1; *q; q++)
        if (!strchr("neE", *q)) return false;
    return true;
}

static int echo_main(vl_ctx *c, int argc, char **argv)
{
    if (!c->builtin && argc == 2 && strcmp(argv[1], "--help") == 0) {
        vl_help(c);
        return 0;
    }
    if (!c->builtin && argc == 2 && strcmp(argv[1], "--version") == 0) {
        vl_version(c);
        return 0;
    }
    bool newline = true, escapes = false;
    int i = 1;
    for (; i < argc && is_option(argv[i]); i++) {
        for (const char *q = argv[i] + 1; *q; q++) {
            if (*q == 'n') newline = false;
            else if (*q == 'e') escapes = true;
            else escapes = false;
        }
    }
    vl_buf b = {0};
    for (int first = i; i < argc; i++) {
        if (i > first) vl_putc(c, ' ');
        if (!escapes) {
            vl_puts(c, argv[i]);
            continue;
        }
        b.len = 0;
        bool stop = vl_unescape(c, &b, argv[i], VL_ESC_ECHO);
        vl_write(c, b.data, b.len);
        if (stop) return 0;
    }
    if (newline) vl_putc(c, '\n');
    return 0;
}

static const vl_opt echo_opts[] = {
    {'n', NULL, VL_NOARG, NULL, "do not output the trailing newline"},
    {'e', NULL, VL_NOARG, NULL, "enable interpretation of backslash escapes"},
    {'E', NULL, VL_NOARG, NULL, "disable interpretation of backslash escapes (default)"},
    {0}};
VL_COMMAND(echo, echo_main, echo_opts, "[SHORT-OPTION]... [STRING]...",
           "Echo the STRING(s) to standard output.", VL_NO_OPTIONS, 1);
