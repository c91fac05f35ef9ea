/* fairness.c: one VM must not starve another. VM B times `echo hi | cat` (a fresh exec each
 * time) while idle, then while VM A, on another host thread, runs 250 busy subshells; the
 * ratio of the medians is the result (target: within 2x of idle). Also reported: the mean
 * and the worst run. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

#define RUNS 60

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, mean, max;
} stats;

/* Time `echo hi | cat` RUNS times in vm. */
static int measure(vos_vm *vm, stats *st)
{
    double t[RUNS], sum = 0;
    for (int i = 0; i < RUNS; i++) {
        vos_result r;
        vos_result_init(&r);
        double t0 = now_ms();
        int rc = vos_exec(vm, "echo hi | cat", NULL, &r);
        t[i] = now_ms() - t0;
        bool ok = rc == 0 && r.status == 0 && strcmp(r.out, "hi\n") == 0;
        vos_result_free(&r);
        if (!ok) return -1;
        sum += t[i];
        usleep(2000);
    }
    qsort(t, RUNS, sizeof *t, cmp_dbl);
    st->median = t[RUNS / 2];
    st->mean = sum / RUNS;
    st->max = t[RUNS - 1];
    return 0;
}

typedef struct busy {
    vos_vm *vm;
    atomic_bool started, done;
    int rc;
} busy;

static void on_out(void *ud, const void *data, size_t len)
{
    (void)data;
    (void)len;
    atomic_store(&((busy *)ud)->started, true);
}

static void *run_busy(void *arg)
{
    busy *b = arg;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.time_ms = 60000;
    o.limits = &lim;
    o.on_stdout = on_out;
    o.ud = b;
    vos_result r;
    vos_result_init(&r);
    b->rc = vos_exec(b->vm,
                     "for i in $(seq 250); do (while :; do :; done) & done; echo started; wait",
                     &o, &r);
    vos_result_free(&r);
    atomic_store(&b->done, true);
    return NULL;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    vos_config cfg;
    vos_config_init(&cfg);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.procs = 400;
    lim.cpu_steps = UINT64_MAX;
    cfg.limits = &lim;
    vos_vm *a = NULL, *b = NULL;
    if (vos_vm_new(&cfg, &a) != 0 || vos_vm_new(NULL, &b) != 0) return 1;
    stats idle, loaded;
    measure(b, &idle); /* warm-up: the first execs of a process pay for its first threads */
    if (measure(b, &idle) < 0) {
        printf("fairness NOT MEASURED: echo hi | cat failed in the idle VM\n");
        return 1;
    }
    busy bz = {.vm = a};
    pthread_t th;
    pthread_create(&th, NULL, run_busy, &bz);
    for (int i = 0; i < 5000 && !atomic_load(&bz.started); i++) usleep(1000);
    usleep(200000); /* let the 250 subshells get going */
    int rc = measure(b, &loaded);
    bool still_busy = atomic_load(&bz.done) == false;
    vos_interrupt(a);
    pthread_join(th, NULL);
    vos_vm_free(a);
    vos_vm_free(b);
    if (rc < 0 || !atomic_load(&bz.started) || !still_busy) {
        printf("fairness NOT MEASURED: %s\n",
               rc < 0                      ? "echo hi | cat failed beside the busy VM"
               : !atomic_load(&bz.started) ? "the busy VM did not start"
                                           : "the busy VM stopped early");
        return 1;
    }
    double ratio = loaded.median / idle.median;
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s | ratio %7.3f | target %s\n",
           "fairness", "VM B echo hi|cat, A runs 250 busy", loaded.median, "ms",
           "VM B echo hi|cat, A idle", idle.median, "ms", ratio,
           ratio <= 2.0 ? "within 2x of idle: met" : "within 2x of idle: MISSED");
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s |\n", "fairness",
           "  mean / worst beside the busy VM", loaded.mean, "ms", "  worst idle", idle.max,
           "ms");
    printf("%-9s %-38s %10.2f %-2s |\n", "fairness", "  worst beside the busy VM", loaded.max,
           "ms");
    return 0;
}
