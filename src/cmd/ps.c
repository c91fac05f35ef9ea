/* ps: the VM's processes from its /proc, in procps-ng's layouts: the default (PID TTY TIME
 * CMD), -f, BSD "aux", -o FORMAT (pid ppid pgid uid user gid group comm cmd args command stat
 * s etime etimes time tty tt rss vsz %cpu %mem ni pri c stime start, with HEADER= renames),
 * selected by -e/-A, -p PIDS, -u/-U USERS, -C NAMES (default: all, as no process of a VM has a
 * terminal); --no-headers. The kernel does not account per-process CPU, memory or start time:
 * those columns print 0, and every process started when the VM booted. Status 1 when nothing
 * was selected. */
#include "lib/cmd.h"
#include "lib/timefmt.h"
#include "sys_proc.h"
#include "sys_user.h"

#include <stdio.h>
#include <string.h>

typedef struct col {
    const char *key, *head;
    int width;
    bool left;
} col;

static const col cols[] = {
    {"pid", "PID", 5, false},
    {"ppid", "PPID", 5, false},
    {"pgid", "PGID", 5, false},
    {"pgrp", "PGRP", 5, false},
    {"sid", "SID", 5, false},
    {"uid", "UID", 5, false},
    {"euid", "EUID", 5, false},
    {"user", "USER", 8, true},
    {"euser", "EUSER", 8, true},
    {"uname", "USER", 8, true},
    {"ruser", "RUSER", 8, true},
    {"gid", "GID", 5, false},
    {"group", "GROUP", 8, true},
    {"comm", "COMMAND", 15, true},
    {"ucomm", "COMMAND", 15, true},
    {"ucmd", "CMD", 15, true},
    {"fname", "COMMAND", 8, true},
    {"cmd", "CMD", 27, true},
    {"args", "COMMAND", 27, true},
    {"command", "COMMAND", 27, true},
    {"stat", "STAT", 4, true},
    {"s", "S", 1, true},
    {"state", "S", 1, true},
    {"etime", "ELAPSED", 11, false},
    {"etimes", "ELAPSED", 7, false},
    {"time", "TIME", 8, false},
    {"cputime", "TIME", 8, false},
    {"bsdtime", "TIME", 6, false},
    {"tty", "TT", 8, true},
    {"tt", "TT", 8, true},
    {"tname", "TTY", 8, true},
    {"rss", "RSS", 5, false},
    {"rssize", "RSS", 5, false},
    {"vsz", "VSZ", 6, false},
    {"vsize", "VSZ", 6, false},
    {"%cpu", "%CPU", 4, false},
    {"pcpu", "%CPU", 4, false},
    {"%mem", "%MEM", 4, false},
    {"pmem", "%MEM", 4, false},
    {"ni", "NI", 3, false},
    {"nice", "NI", 3, false},
    {"pri", "PRI", 3, false},
    {"c", "C", 2, false},
    {"stime", "STIME", 5, true},
    {"start_time", "START", 5, false},
    {"start", "STARTED", 8, false},
    {"bsdstart", "START", 6, false},
    {"lstart", "STARTED", 24, true},
    {"f", "F", 1, false},
    {"wchan", "WCHAN", 6, true},
    {"nlwp", "NLWP", 4, false},
    {"lwp", "LWP", 5, false},
    {"psr", "PSR", 3, false},
    {"sz", "SZ", 5, false},
};

typedef struct field {
    const col *c;
    const char *head;
} field;

typedef struct psopt {
    field f[64];
    int nf;
    bool headers;
    bool sel;                /* a selection was given */
    int pids[256];
    int npids;
    const char *users[32];
    int nusers;
    const char *names[32];
    int nnames;
} psopt;

static const col *find_col(const char *k)
{
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (strcmp(cols[i].key, k) == 0) return &cols[i];
    return NULL;
}

/* add "a,b c=HEAD" to the format (procps-ng 4: a HEAD= ends at the next comma or blank) */
static void add_format(vl_ctx *c, psopt *o, const char *spec)
{
    char *s = vl_xstrdup(c, spec);
    for (char *p = s; *p;) {
        while (*p == ',' || *p == ' ') p++;
        if (!*p) break;
        char *e = p + strcspn(p, ", =");
        const char *head = NULL;
        if (*e == '=') {
            *e = '\0';
            head = e + 1;
            e = e + 1 + strcspn(e + 1, ", ");
            if (*e) *e++ = '\0';
        } else if (*e) {
            *e++ = '\0';
        }
        const col *k = find_col(p);
        if (!k) {
            vl_eprintf(
                c,
                "error: unknown user-defined format specifier \"%s\"\n\nUsage:\n ps [options]\n\n"
                " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                "For more details see ps(1).\n",
                p);
            vl_exit(c, 1);
        }
        if (o->nf < 64) o->f[o->nf++] = (field){k, head ? head : k->head};
        p = e;
    }
}

static void add_list(vl_ctx *c, psopt *o, const char *list, int kind)
{
    char *s = vl_xstrdup(c, list);
    for (char *tok = s; *tok;) {
        char *e = tok + strcspn(tok, ", ");
        bool more = *e;
        *e = '\0';
        if (*tok) {
            if (kind == 'p') {
                char *end;
                long v = strtol(tok, &end, 10);
                if (*end || v <= 0) {
                    vl_eprintf(c, "error: process ID list syntax error\n\nUsage:\n ps [options]\n\n"
                                  " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                                  "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                                  "For more details see ps(1).\n");
                    vl_exit(c, 1);
                }
                if (o->npids < 256) o->pids[o->npids++] = (int)v;
            } else if (kind == 'u') {
                if (o->nusers < 32) o->users[o->nusers++] = tok;
            } else if (o->nnames < 32) {
                o->names[o->nnames++] = tok;
            }
        }
        tok = more ? e + 1 : e;
    }
    o->sel = true;
}

static bool selected(vl_ctx *c, const psopt *o, const sys_proc *q)
{
    if (!o->npids && !o->nusers && !o->nnames) return true;
    for (int i = 0; i < o->npids; i++)
        if (o->pids[i] == q->pid) return true;
    for (int i = 0; i < o->nusers; i++) {
        sys_ent e;
        char *end;
        unsigned long v = strtoul(o->users[i], &end, 10);
        if (sys_lookup(c, "/etc/passwd", o->users[i], 0, &e) ? e.id == q->uid
                                                              : (!*end && v == q->uid))
            return true;
    }
    for (int i = 0; i < o->nnames; i++)
        if (strcmp(o->names[i], q->name) == 0) return true;
    return false;
}

/* [[dd-]hh:]mm:ss */
static void fmt_elapsed(char *b, size_t n, int64_t s)
{
    if (s >= 86400)
        snprintf(b, n, "%lld-%02lld:%02lld:%02lld", (long long)(s / 86400),
                 (long long)(s / 3600 % 24), (long long)(s / 60 % 60), (long long)(s % 60));
    else if (s >= 3600)
        snprintf(b, n, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                 (long long)(s % 60));
    else snprintf(b, n, "%02lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

static const char *value(vl_ctx *c, const col *k, const sys_proc *q, int64_t boot, int64_t now,
                         char *b, size_t n)
{
    const char *key = k->key;
    sys_ent e;
    vl_tm tm;
    b[0] = '\0';
    if (!strcmp(key, "pid") || !strcmp(key, "lwp")) snprintf(b, n, "%d", q->pid);
    else if (!strcmp(key, "ppid")) snprintf(b, n, "%d", q->ppid);
    else if (!strcmp(key, "pgid") || !strcmp(key, "pgrp") || !strcmp(key, "sid"))
        snprintf(b, n, "%d", q->pgid);
    else if (!strcmp(key, "uid") || !strcmp(key, "euid")) snprintf(b, n, "%u", q->uid);
    else if (!strcmp(key, "gid")) snprintf(b, n, "%u", q->gid);
    else if (strstr(key, "user") || !strcmp(key, "uname")) {
        if (sys_lookup(c, "/etc/passwd", NULL, q->uid, &e)) snprintf(b, n, "%s", e.name);
        else snprintf(b, n, "%u", q->uid);
    } else if (!strcmp(key, "group")) {
        if (sys_lookup(c, "/etc/group", NULL, q->gid, &e)) snprintf(b, n, "%s", e.name);
        else snprintf(b, n, "%u", q->gid);
    } else if (!strcmp(key, "comm") || !strcmp(key, "ucomm") || !strcmp(key, "ucmd") ||
               !strcmp(key, "fname"))
        return q->name;
    else if (!strcmp(key, "cmd") || !strcmp(key, "args") || !strcmp(key, "command")) {
        if (q->args) return q->args;
        snprintf(b, n, "[%s]", q->name);
    } else if (!strcmp(key, "stat") || !strcmp(key, "s") || !strcmp(key, "state"))
        snprintf(b, n, "%c", q->state);
    else if (!strcmp(key, "etime")) fmt_elapsed(b, n, now - boot);
    else if (!strcmp(key, "etimes")) snprintf(b, n, "%lld", (long long)(now - boot));
    else if (!strcmp(key, "time") || !strcmp(key, "cputime")) snprintf(b, n, "00:00:00");
    else if (!strcmp(key, "bsdtime")) snprintf(b, n, "0:00");
    else if (!strcmp(key, "tty") || !strcmp(key, "tt") || !strcmp(key, "tname"))
        snprintf(b, n, "?");
    else if (!strcmp(key, "%cpu") || !strcmp(key, "pcpu") || !strcmp(key, "%mem") ||
             !strcmp(key, "pmem"))
        snprintf(b, n, "0.0");
    else if (!strcmp(key, "pri")) snprintf(b, n, "19");
    else if (!strcmp(key, "f")) snprintf(b, n, "0");
    else if (!strcmp(key, "wchan")) snprintf(b, n, "-");
    else if (!strcmp(key, "nlwp")) snprintf(b, n, "1");
    else if (vl_time_split(boot, 0, NULL, &tm)) {
        if (!strcmp(key, "lstart")) vl_strftime(b, n, "%a %b %e %H:%M:%S %Y", &tm);
        else if (!strcmp(key, "start"))
            vl_strftime(b, n, now - boot < 86400 ? "%H:%M:%S" : "%b %d", &tm);
        else if (!strcmp(key, "stime") || !strcmp(key, "start_time") || !strcmp(key, "bsdstart"))
            vl_strftime(b, n, now - boot < 86400 ? "%H:%M" : "%b%d", &tm);
        else snprintf(b, n, "0");
    } else snprintf(b, n, "0");
    return b;
}

static void emit(vl_ctx *c, const char *s, const col *k, bool last)
{
    int len = (int)strlen(s);
    if (last && k->left) {
        vl_puts(c, s);
        return;
    }
    if (!k->left)
        for (int i = len; i < k->width; i++) vl_putc(c, ' ');
    if (k->left && !last && len > k->width &&
        (!strcmp(k->key, "cmd") || !strcmp(k->key, "args") || !strcmp(k->key, "command") ||
         strstr(k->key, "comm")))
        vl_write(c, s, (size_t)k->width); /* a command not last is cut to its width */
    else vl_puts(c, s);
    if (k->left && !last)
        for (int i = len; i < k->width; i++) vl_putc(c, ' ');
}

static int ps_main(vl_ctx *c, int argc, char **argv)
{
    psopt o = {.headers = true};
    bool full = false, bsd_u = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--no-headers") || !strcmp(a, "--no-heading")) {
            o.headers = false;
        } else if (!strcmp(a, "--help")) {
            vl_puts(c, "\nUsage:\n ps [options]\n\n"
                       " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                       "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                       "For more details see ps(1).\n");
            return 0;
        } else if (!strncmp(a, "--pid=", 6) || !strcmp(a, "--pid")) {
            add_list(c, &o, a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : ""), 'p');
        } else if (!strncmp(a, "--format=", 9) || !strcmp(a, "--format")) {
            add_format(c, &o, a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : ""));
        } else if (!strncmp(a, "--user=", 7) || !strcmp(a, "--user")) {
            add_list(c, &o, a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : ""), 'u');
        } else if (!strncmp(a, "--sort", 6) || !strcmp(a, "--forest") || !strcmp(a, "--cols") ||
                   !strncmp(a, "--width", 7) || !strncmp(a, "--columns", 9)) {
            if (!strchr(a, '=') && strcmp(a, "--forest") && i + 1 < argc) i++; /* accepted */
        } else if (a[0] == '-' && a[1] != '-') {
            for (const char *p = a + 1; *p; p++) {
                char ch = *p;
                if (ch == 'e' || ch == 'A' || ch == 'a' || ch == 'd' || ch == 'N' || ch == 'x' ||
                    ch == 'w' || ch == 'H' || ch == 'T' || ch == 'r' || ch == 'l' || ch == 'y' ||
                    ch == 'j') {
                    if (ch == 'l') full = true;
                    continue;
                }
                if (ch == 'f' || ch == 'F') {
                    full = true;
                    continue;
                }
                if (ch == 'p' || ch == 'u' || ch == 'U' || ch == 'C' || ch == 'o' || ch == 'q' ||
                    ch == 'G' || ch == 'g' || ch == 's' || ch == 't') {
                    const char *arg = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
                    if (!arg) {
                        vl_eprintf(c, "error: list of %s must follow -%c\n",
                                   ch == 'o' ? "format specifiers" : "process IDs", ch);
                        return 1;
                    }
                    if (ch == 'o') add_format(c, &o, arg);
                    else if (ch == 'p' || ch == 'q') add_list(c, &o, arg, 'p');
                    else if (ch == 'u' || ch == 'U') add_list(c, &o, arg, 'u');
                    else if (ch == 'C') add_list(c, &o, arg, 'C');
                    break;
                }
                vl_eprintf(c, "error: unsupported SysV option\n\nUsage:\n ps [options]\n\n"
                              " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                              "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                              "For more details see ps(1).\n");
                return 1;
            }
        } else if (a[0] != '-') {
            /* BSD options: a u x h w e f, o FORMAT, p PIDS, U USERS */
            for (const char *p = a; *p; p++) {
                char ch = *p;
                if (ch == 'u') bsd_u = true;
                else if (ch == 'h') o.headers = false;
                else if (ch == 'o' || ch == 'p' || ch == 'U' || ch == 'O') {
                    const char *arg = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : "");
                    if (ch == 'o' || ch == 'O') add_format(c, &o, arg);
                    else add_list(c, &o, arg, ch == 'p' ? 'p' : 'u');
                    break;
                } else if (!strchr("axwefcrjlsvXSTn", ch)) {
                    vl_eprintf(c,
                               "error: unsupported option (BSD syntax)\n\nUsage:\n ps [options]\n\n"
                               " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                               "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                               "For more details see ps(1).\n");
                    return 1;
                }
            }
        } else {
            vl_eprintf(c, "error: unknown gnu long option\n\nUsage:\n ps [options]\n\n"
                          " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
                          "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
                          "For more details see ps(1).\n");
            return 1;
        }
    }
    if (!o.nf) {
        if (bsd_u)
            add_format(c, &o, "user,pid,%cpu,%mem,vsz,rss,tname,stat,start_time,bsdtime,args");
        else if (full) add_format(c, &o, "uid,pid,ppid,c,stime,tname,time,cmd");
        else add_format(c, &o, "pid,tname,time,ucmd");
        /* -f and u name users in the UID/USER column */
        if (full && !bsd_u) o.f[0] = (field){find_col("user"), "UID"};
        if (bsd_u) {
            o.f[8].head = "START";
            o.f[9].head = "TIME";
        }
    }
    int n;
    sys_proc *v = sys_procs(c, &n);
    /* the VM's boot: now less its /proc/uptime */
    int64_t now = vk_time_ns(c->p) / 1000000000, boot = now;
    char *up = sys_slurp(c, "/proc/uptime", NULL);
    if (up) boot = now - atoll(up);
    bool any_head = false;
    for (int k = 0; k < o.nf; k++) any_head |= o.f[k].head[0] != '\0';
    if (o.headers && any_head) {
        for (int k = 0; k < o.nf; k++) {
            if (k) vl_putc(c, ' ');
            emit(c, o.f[k].head, o.f[k].c, k == o.nf - 1);
        }
        vl_putc(c, '\n');
    }
    int shown = 0;
    char b[256];
    for (int i = 0; i < n; i++) {
        if (!selected(c, &o, &v[i])) continue;
        shown++;
        for (int k = 0; k < o.nf; k++) {
            if (k) vl_putc(c, ' ');
            emit(c, value(c, o.f[k].c, &v[i], boot, now, b, sizeof b), o.f[k].c, k == o.nf - 1);
        }
        vl_putc(c, '\n');
    }
    return shown ? 0 : 1;
}

static const vl_opt ps_opts[] = {{0}};
VL_COMMAND(ps, ps_main, ps_opts, "[options]", "Report a snapshot of the current processes.",
           VL_NO_OPTIONS, 1);
