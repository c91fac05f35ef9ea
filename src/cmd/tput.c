/* tput: terminal capabilities from a built-in table (a VM reads no terminfo files):
 * the xterm family as ncurses 6.4 describes it (also used for screen, tmux, linux, vt100 and
 * rxvt names, which differ only in rarely used strings), and dumb. A VM has no terminal, so
 * cols and lines come from COLUMNS/LINES or the terminal's defaults (80x24), as ncurses gives
 * without a tty. Messages and statuses as ncurses': 2 without TERM, 3 for an unknown terminal,
 * 4 for an unknown capability, 1 for a boolean that is false or a missing string. */
#include "lib/cmd.h"
#include "sys_term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cap {
    const char *name;
    const char *str; /* a string capability; "%1" / "%2" are the parameters */
} cap;

static const cap xterm_caps[] = {
    {"clear", "\033[H\033[2J\033[3J"}, {"el", "\033[K"}, {"el1", "\033[1K"}, {"ed", "\033[J"},
    {"bold", "\033[1m"}, {"dim", "\033[2m"}, {"sitm", "\033[3m"}, {"ritm", "\033[23m"},
    {"smul", "\033[4m"}, {"rmul", "\033[24m"}, {"blink", "\033[5m"}, {"rev", "\033[7m"},
    {"invis", "\033[8m"}, {"smso", "\033[7m"}, {"rmso", "\033[27m"}, {"sgr0", "\033(B\033[m"},
    {"civis", "\033[?25l"}, {"cnorm", "\033[?12l\033[?25h"}, {"cvvis", "\033[?12;25h"},
    {"home", "\033[H"}, {"bel", "\a"}, {"cr", "\r"}, {"smcup", "\033[?1049h\033[22;0;0t"},
    {"rmcup", "\033[?1049l\033[23;0;0t"}, {"sc", "\0337"}, {"rc", "\0338"}, {"cuu1", "\033[A"},
    {"cud1", "\n"}, {"cub1", "\b"}, {"cuf1", "\033[C"}, {"ind", "\n"}, {"ri", "\033M"},
    {"setaf", "\033[3%1m"}, {"setab", "\033[4%1m"}, {"cup", "\033[%1;%2H"},
    {"cuu", "\033[%1A"}, {"cud", "\033[%1B"}, {"cuf", "\033[%1C"}, {"cub", "\033[%1D"},
    {"hpa", "\033[%1G"}, {"vpa", "\033[%1d"}, {"ech", "\033[%1X"}, {"dch", "\033[%1P"},
    {"ich", "\033[%1@"}, {"il", "\033[%1L"}, {"dl", "\033[%1M"}, {NULL, NULL}};

static int colors_of(const char *t)
{
    if (sys_term_kind(t) == 2) return -1;
    if (strstr(t, "256color")) return 256;
    if (strstr(t, "direct")) return 16777216;
    if (!strncmp(t, "vt1", 3) || !strncmp(t, "vt2", 3)) return -1;
    if (!strcmp(t, "xterm-16color") || !strncmp(t, "rxvt", 4))
        return strncmp(t, "rxvt", 4) ? 16 : 8;
    return 8;
}

/* columns or lines: the environment, else 80x24 */
static long dim(vl_ctx *c, const char *var, long dflt)
{
    const char *v = vk_getenv(c->p, var);
    if (v && *v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (!*end && n > 0) return n;
    }
    return dflt;
}

static void put_str(vl_ctx *c, const char *s, char **params, int np, bool one_based)
{
    for (; *s; s++) {
        if (*s == '%' && (s[1] == '1' || s[1] == '2')) {
            int k = s[1] - '1';
            long v = k < np ? strtol(params[k], NULL, 10) : 0;
            if (one_based) v++; /* cup takes 0-based rows and columns */
            vl_printf(c, "%ld", v);
            s++;
            continue;
        }
        vl_putc(c, *s);
    }
}

static int tput_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    const char *term = vl_arg(c, 'T') ? vl_arg(c, 'T') : vk_getenv(c->p, "TERM");
    if (n == 0) {
        vl_eprintf(
            c, "Usage: tput [options] [command]\n\nOptions:\n"
               "  -S <<       read commands from standard input\n"
               "  -T TERM     use this instead of $TERM\n"
               "  -V          print curses-version\n"
               "  -x          do not try to clear scrollback\n\nCommands:\n"
               "  clear       clear the screen\n"
               "  init        initialize the terminal\n"
               "  reset       reinitialize the terminal\n"
               "  capname     unlike clear/init/reset, print value for capability \"capname\"\n");
        return 2;
    }
    int kind = sys_term_kind(term);
    if (kind == 0) vl_die(c, 2, "No value for $TERM and no -T specified");
    if (kind < 0) vl_die(c, 3, "unknown terminal \"%s\"", term);
    const char *capname = argv[1];
    if (!strcmp(capname, "cols") || !strcmp(capname, "columns")) {
        vl_printf(c, "%ld\n", dim(c, "COLUMNS", 80));
        return 0;
    }
    if (!strcmp(capname, "lines")) {
        vl_printf(c, "%ld\n", dim(c, "LINES", 24));
        return 0;
    }
    if (!strcmp(capname, "colors")) {
        vl_printf(c, "%d\n", colors_of(term));
        return 0;
    }
    if (!strcmp(capname, "longname")) {
        vl_puts(c, kind == 2 ? "80-column dumb tty" : "xterm terminal emulator (X Window System)");
        return 0;
    }
    if (!strcmp(capname, "init") || !strcmp(capname, "reset")) return 0;
    if (kind == 2 && !strcmp(capname, "bel")) {
        vl_putc(c, '\a');
        return 0;
    }
    if (kind == 2 && !strcmp(capname, "cr")) {
        vl_putc(c, '\r');
        return 0;
    }
    for (const cap *k = xterm_caps; k->name; k++) {
        if (strcmp(k->name, capname) != 0) continue;
        if (kind == 2) return 1; /* dumb has none of these */
        const char *s = k->str;
        if (!strcmp(capname, "clear") && vl_has(c, 'x')) s = "\033[H\033[2J";
        put_str(c, s, argv + 2, n - 1, !strcmp(capname, "cup"));
        return 0;
    }
    vl_die(c, 4, "unknown terminfo capability '%s'", capname);
}

static const vl_opt tput_opts[] = {
    {'T', NULL, VL_ARG, "TERM", "use this instead of $TERM"},
    {'x', NULL, VL_NOARG, NULL, "do not try to clear scrollback"},
    {'S', NULL, VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(tput, tput_main, tput_opts, "[options] [command]",
           "Print a terminal capability.", VL_STOP_AT_OPERAND, 2);
