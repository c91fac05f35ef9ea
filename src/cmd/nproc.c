/* nproc: the processors the VM offers (the "processor" lines of its /proc/cpuinfo), less
 * --ignore=N but at least 1; OMP_NUM_THREADS and OMP_THREAD_LIMIT bound it as in GNU's. */
#include "lib/cmd.h"
#include "lib/format.h"

#include <stdlib.h>
#include <string.h>

static long vm_cpus(vl_ctx *c)
{
    int err;
    vl_in *in = vl_in_open_quiet(c, "/proc/cpuinfo", &err);
    if (!in) return 1;
    long n = 0;
    char *line;
    while (vl_in_getdelim(c, in, '\n', &line) > 0)
        if (strncmp(line, "processor", 9) == 0) n++;
    vl_in_close(c, in);
    return n ? n : 1;
}

/* a positive number from the environment, or 0 (the first of a comma list for OMP_NUM_THREADS) */
static unsigned long env_num(vl_ctx *c, const char *name)
{
    const char *s = vk_getenv(c->p, name);
    if (!s) return 0;
    while (*s == ' ' || *s == '\t') s++;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s) return 0;
    while (*end == ' ' || *end == '\t') end++;
    if (*end && *end != ',') return 0;
    return v;
}

static int nproc_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 0) vl_usage_error(c, "extra operand %s", vl_quote_locale(c, argv[1]));
    unsigned long ignore = 0;
    if (vl_arg(c, 256)) {
        int64_t v;
        const char *a = vl_arg(c, 256);
        if (vl_parse_int(a, &v, false) < 0 || v < 0 || a[0] == '-')
            vl_die(c, 1, "invalid number: %s", vl_quote_locale(c, a));
        ignore = (unsigned long)v;
    }
    unsigned long cpus = (unsigned long)vm_cpus(c);
    if (!vl_has(c, 257)) {
        unsigned long omp = env_num(c, "OMP_NUM_THREADS"), lim = env_num(c, "OMP_THREAD_LIMIT");
        if (omp) cpus = omp;
        if (lim && lim < cpus) cpus = lim;
    }
    cpus = ignore < cpus ? cpus - ignore : 1;
    vl_printf(c, "%lu\n", cpus);
    return 0;
}

static const vl_opt nproc_opts[] = {
    {257, "all", VL_NOARG, NULL, "print the number of installed processors"},
    {256, "ignore", VL_ARG, "N", "if possible, exclude N processing units"},
    {0}};
VL_COMMAND(nproc, nproc_main, nproc_opts, "[OPTION]...",
           "Print the number of processing units available to the current process,\n"
           "which may be less than the number of online processors", 0, 1);
