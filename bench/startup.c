/* startup.c: how long a host waits for a fresh VM's first output: vos_vm_new + vos_exec
 * "echo hi" + vos_vm_free, against the cheapest host-process start (posix_spawn /bin/true).
 * It measures wall time only; memory is idle_mem's job. Usage: startup [PATH_TO_VOS_CLI] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "vos.h"

#define RUNS 2000
#define REF_RUNS 300
#define TARGET_US 50.0

extern char **environ;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double pct(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1));
    return sorted[i];
}

/* One line of the table every bench prints: what, vos's value, the reference, the ratio. */
static void row(const char *bench, const char *what, double v, const char *unit,
                const char *refwhat, double ref, const char *target)
{
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s | ratio %7.3f | target %s\n", bench,
           what, v, unit, refwhat, ref, unit, ref > 0 ? v / ref : 0.0, target);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static double t[RUNS];
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;

    /* warm the allocator and the code paths once */
    for (int i = 0; i < 20 + RUNS; i++) {
        double t0 = now_us();
        vos_vm *vm = NULL;
        int rc = vos_vm_new(NULL, &vm);
        if (rc != 0) {
            fprintf(stderr, "startup: vos_vm_new: %s\n", vos_strerror(rc));
            return 1;
        }
        vos_result res;
        vos_result_init(&res);
        vos_result_init(&res);
        rc = vos_exec(vm, "echo hi", &o, &res);
        if (rc != 0 || !res.out || strcmp(res.out, "hi\n") != 0) {
            fprintf(stderr, "startup: echo hi gave rc %s, out \"%s\", err \"%s\"\n",
                    vos_errname(rc), res.out ? res.out : "", res.err ? res.err : "");
            return 1;
        }
        vos_result_free(&res);
        vos_vm_free(vm);
        double t1 = now_us();
        if (i >= 20) t[i - 20] = t1 - t0;
    }
    double med = median(t, RUNS);
    double p10 = pct(t, RUNS, 0.10), p90 = pct(t, RUNS, 0.90);

    static double r[REF_RUNS];
    char *targv[] = {"true", NULL};
    for (int i = 0; i < REF_RUNS; i++) {
        double t0 = now_us();
        pid_t pid;
        if (posix_spawn(&pid, "/bin/true", NULL, NULL, targv, environ) != 0) {
            perror("startup: posix_spawn /bin/true");
            return 1;
        }
        int st;
        waitpid(pid, &st, 0);
        r[i] = now_us() - t0;
    }
    double ref = median(r, REF_RUNS);

    char what[64], target[64];
    snprintf(what, sizeof what, "new+exec(echo hi)+free, %d runs", RUNS);
    snprintf(target, sizeof target, "< %.0f us: %s (p10 %.1f, p90 %.1f)", TARGET_US,
             med < TARGET_US ? "met" : "MISSED", p10, p90);
    row("startup", what, med, "us", "posix_spawn /bin/true + waitpid", ref, target);
    return 0;
}
