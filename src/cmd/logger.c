/* logger: make entries in the system log. A VM has no syslog: the message is accepted and
 * dropped, and with -s (--stderr) it is also written to standard error as util-linux writes
 * it there ("<PRI>Mmm dd hh:mm:ss TAG: MESSAGE"). The message is the arguments, or each line
 * of -f FILE or of standard input. */
#include "lib/cmd.h"
#include "lib/timefmt.h"

#include <string.h>

static const char *const facilities[] = {"kern", "user", "mail", "daemon", "auth", "syslog",
                                         "lpr", "news", "uucp", "cron", "authpriv", "ftp"};
static const char *const levels[] = {"emerg", "alert", "crit", "err",
                                     "warning", "notice", "info", "debug"};

/* "facility.level" or "level" -> priority number; -1 if unknown */
static int priority(const char *s)
{
    int fac = 1, lev = 5;
    const char *dot = strchr(s, '.');
    const char *l = s;
    if (dot) {
        fac = -1;
        for (int i = 0; i < 12; i++)
            if (strlen(facilities[i]) == (size_t)(dot - s) &&
                !strncmp(s, facilities[i], (size_t)(dot - s)))
                fac = i;
        if (fac < 0 && !strncmp(s, "local", 5) && s[5] >= '0' && s[5] <= '7' && s + 6 == dot)
            fac = 16 + s[5] - '0';
        if (fac < 0) return -1;
        l = dot + 1;
    }
    lev = -1;
    for (int i = 0; i < 8; i++)
        if (!strcmp(l, levels[i])) lev = i;
    if (!strcmp(l, "warn")) lev = 4;
    if (!strcmp(l, "error")) lev = 3;
    if (!strcmp(l, "panic")) lev = 0;
    if (lev < 0) return -1;
    return fac * 8 + lev;
}

static void emit(vl_ctx *c, int pri, const char *tag, const char *msg, size_t len)
{
    if (!vl_has(c, 's')) return;
    vl_tm tm;
    char when[32] = "";
    vl_tz tz;
    vl_tz_from_env(c, &tz);
    if (vl_time_split(vk_time_ns(c->p) / 1000000000, 0, &tz, &tm))
        vl_strftime(when, sizeof when, "%b %e %H:%M:%S", &tm);
    vl_eprintf(c, "<%d>%s %s: %.*s\n", pri, when, tag, (int)len, msg);
}

static int logger_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    int pri = 13;
    if (vl_arg(c, 'p')) {
        pri = priority(vl_arg(c, 'p'));
        if (pri < 0) vl_die(c, 1, "unknown priority name: %s", vl_arg(c, 'p'));
    }
    const char *tag = vl_arg(c, 't') ? vl_arg(c, 't') : vk_username(c->p);
    if (n > 0) {
        vl_buf b = {0};
        for (int i = 1; i <= n; i++) {
            if (i > 1) vl_buf_addc(c, &b, ' ');
            vl_buf_adds(c, &b, argv[i]);
        }
        emit(c, pri, tag, b.data ? b.data : "", b.len);
        return 0;
    }
    vl_in *in = vl_arg(c, 'f') ? vl_in_open(c, vl_arg(c, 'f')) : vl_in_fd(c, 0, "-");
    if (!in) return 1;
    char *line;
    ssize_t len;
    while ((len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        if (line[len - 1] == '\n') len--;
        if (len || !vl_has(c, 'e')) emit(c, pri, tag, line, (size_t)len);
    }
    return 0;
}

static const vl_opt logger_opts[] = {
    {'e', "skip-empty", VL_NOARG, NULL, "do not log empty lines when processing files"},
    {'f', "file", VL_ARG, "FILE", "log the contents of this file"},
    {'i', NULL, VL_NOARG, NULL, "log the logger command's PID"},
    {'n', "server", VL_ARG, "NAME", "write to this remote syslog server"},
    {'P', "port", VL_ARG, "PORT", "use this port for UDP or TCP connection"},
    {'p', "priority", VL_ARG, "PRIO", "mark given message with this priority"},
    {'s', "stderr", VL_NOARG, NULL, "output message to standard error as well"},
    {'S', "size", VL_ARG, "SIZE", "maximum size for a single message"},
    {'t', "tag", VL_ARG, "TAG", "mark every line with this tag"},
    {'T', "tcp", VL_NOARG, NULL, "use TCP only"},
    {'d', "udp", VL_NOARG, NULL, "use UDP only"},
    {'u', "socket", VL_ARG, "SOCKET", "write to this Unix socket"},
    {0}};
VL_COMMAND(logger, logger_main, logger_opts, "[options] [<message>]",
           "Enter messages into the system log.", 0, 1);
