/* free: the VM's memory (its /proc/meminfo: the VM's memory limit as total, what its processes
 * hold as used; no swap, no buffers or cache) in procps-ng's table: -b -k (default) -m -g
 * --tera --peta, --kilo/--mega/... and --si for powers of 1000, -h human-readable, -w wide
 * (buffers and cache apart), -t a Total line, -c N repeats with -s SECONDS between. */
#include "lib/cmd.h"
#include "sys_proc.h"

#include <stdio.h>
#include <string.h>

static const char free_usage[] =
    "\nUsage:\n free [options]\n\nOptions:\n"
    " -b, --bytes         show output in bytes\n"
    "     --kilo          show output in kilobytes\n"
    "     --mega          show output in megabytes\n"
    "     --giga          show output in gigabytes\n"
    "     --tera          show output in terabytes\n"
    "     --peta          show output in petabytes\n"
    " -k, --kibi          show output in kibibytes\n"
    " -m, --mebi          show output in mebibytes\n"
    " -g, --gibi          show output in gibibytes\n"
    "     --tebi          show output in tebibytes\n"
    "     --pebi          show output in pebibytes\n"
    " -h, --human         show human-readable output\n"
    "     --si            use powers of 1000 not 1024\n"
    " -l, --lohi          show detailed low and high memory statistics\n"
    " -t, --total         show total for RAM + swap\n"
    " -v, --committed     show committed memory and commit limit\n"
    " -s N, --seconds N   repeat printing every N seconds\n"
    " -c N, --count N     repeat printing N times, then exit\n"
    " -w, --wide          wide output\n\n"
    "     --help     display this help and exit\n"
    " -V, --version  output version information and exit\n\n"
    "For more details see free(1).\n";

typedef struct unit {
    int shift;   /* 0 bytes, 1 kilo, 2 mega... */
    bool si;
    bool human;
} unit;

static void cell(vl_ctx *c, uint64_t bytes, const unit *u)
{
    char b[32];
    double base = u->si ? 1000.0 : 1024.0;
    if (u->human) {
        static const char units[] = "BKMGTPE";
        if (bytes < (uint64_t)base) {
            snprintf(b, sizeof b, "%lluB", (unsigned long long)bytes);
        } else {
            double v = (double)bytes;
            int i = 0;
            while (v >= base && i < 6) v /= base, i++;
            if (v < 10) snprintf(b, sizeof b, "%.1f%c%s", v, units[i], u->si ? "" : "i");
            else snprintf(b, sizeof b, "%d%c%s", (int)v, units[i], u->si ? "" : "i");
        }
    } else {
        uint64_t div = 1;
        for (int i = 0; i < u->shift; i++) div *= u->si ? 1000 : 1024;
        snprintf(b, sizeof b, "%llu", (unsigned long long)(bytes / div));
    }
    vl_printf(c, " %11s", b);
}

static uint64_t meminfo(const char *text, const char *key)
{
    const char *f = sys_field(text, key);
    return f ? strtoull(f, NULL, 10) * 1024 : 0;
}

static int free_main(vl_ctx *c, int argc, char **argv)
{
    unit u = {1, false, false};
    bool wide = false, total = false;
    long count = 1;
    double every = 1;
    bool repeat = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const struct { const char *s, *l; int shift; int si; } sizes[] = {
            {"-b", "--bytes", 0, 0}, {"-k", "--kibi", 1, 0}, {"-m", "--mebi", 2, 0},
            {"-g", "--gibi", 3, 0}, {NULL, "--tebi", 4, 0}, {NULL, "--pebi", 5, 0},
            {NULL, "--kilo", 1, 1}, {NULL, "--mega", 2, 1}, {NULL, "--giga", 3, 1},
            {NULL, "--tera", 4, 1}, {NULL, "--peta", 5, 1}};
        bool done = false;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            if ((sizes[k].s && !strcmp(a, sizes[k].s)) || !strcmp(a, sizes[k].l)) {
                u.shift = sizes[k].shift;
                if (sizes[k].si) u.si = true;
                done = true;
            }
        if (done) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--human")) u.human = true;
        else if (!strcmp(a, "--si")) u.si = true;
        else if (!strcmp(a, "-w") || !strcmp(a, "--wide")) wide = true;
        else if (!strcmp(a, "-t") || !strcmp(a, "--total")) total = true;
        else if (!strcmp(a, "-l") || !strcmp(a, "--lohi") || !strcmp(a, "-v") ||
                 !strcmp(a, "--committed")) {
        } else if ((!strcmp(a, "-c") || !strcmp(a, "--count") || !strcmp(a, "-s") ||
                    !strcmp(a, "--seconds")) && i + 1 < argc) {
            const char *v = argv[++i];
            if (a[1] == 'c' || a[2] == 'c') {
                count = atol(v);
                if (count < 1) vl_die(c, 1, "failed to parse count argument: '%s'", v);
            } else {
                every = atof(v);
                if (!(every > 0)) vl_die(c, 1, "seconds argument '%s' is not positive number", v);
                if (count == 1) count = -1;
            }
            repeat = true;
        } else if (!strcmp(a, "--help")) {
            vl_puts(c, free_usage);
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            vl_puts(c, "free from procps-ng 4.0.2 (vos)\n");
            return 0;
        } else {
            if (a[0] == '-' && a[1] && a[1] != '-')
                vl_eprintf(c, "%s: invalid option -- '%c'\n", c->name, a[1]);
            else if (a[0] == '-' && a[1] == '-')
                vl_eprintf(c, "%s: unrecognized option '%s'\n", c->name, a);
            vl_eprintf(c, "%s", free_usage);
            return 1;
        }
    }
    for (long round = 0; count < 0 || round < count; round++) {
        if (round) {
            vl_putc(c, '\n');
            vl_flush(c);
            int rc = vk_sleep_ns(c->p, (int64_t)(every * 1e9));
            if (rc < 0 && vk_dying(c->p)) return VK_WSHELL(vk_dying(c->p));
        }
        char *mi = sys_slurp(c, "/proc/meminfo", NULL);
        if (!mi) vl_die(c, 1, "Unable to create meminfo structure");
        uint64_t tot = meminfo(mi, "MemTotal"), fr = meminfo(mi, "MemFree");
        uint64_t avail = meminfo(mi, "MemAvailable"), stot = meminfo(mi, "SwapTotal");
        uint64_t sfree = meminfo(mi, "SwapFree"), shared = meminfo(mi, "Shmem");
        uint64_t buffers = meminfo(mi, "Buffers"), cached = meminfo(mi, "Cached");
        uint64_t used = tot > fr + buffers + cached ? tot - fr - buffers - cached : 0;
        if (wide)
            vl_puts(c, "               total        used        free      shared     buffers       "
                       "cache   available\n");
        else
            vl_puts(c, "               total        used        free      shared  buff/cache   "
                       "available\n");
        vl_printf(c, "%-8s", "Mem:");
        cell(c, tot, &u);
        cell(c, used, &u);
        cell(c, fr, &u);
        cell(c, shared, &u);
        if (wide) {
            cell(c, buffers, &u);
            cell(c, cached, &u);
        } else {
            cell(c, buffers + cached, &u);
        }
        cell(c, avail, &u);
        vl_printf(c, "\n%-8s", "Swap:");
        cell(c, stot, &u);
        cell(c, stot - sfree, &u);
        cell(c, sfree, &u);
        vl_putc(c, '\n');
        if (total) {
            vl_printf(c, "%-8s", "Total:");
            cell(c, tot + stot, &u);
            cell(c, used + stot - sfree, &u);
            cell(c, fr + sfree, &u);
            vl_putc(c, '\n');
        }
        if (repeat && vk_check(c->p) < 0) break;
    }
    return 0;
}

static const vl_opt free_opts[] = {{0}};
VL_COMMAND(free, free_main, free_opts, "[options]", "Display amount of free and used memory.",
           VL_NO_OPTIONS, 1);
