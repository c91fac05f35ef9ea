/* pipeline.c: pipelines through vos's kernel pipes: `seq 1 10000000 | tail -n 1` (throughput,
 * and the VM's peak memory while it runs, which must stay flat: pipes are bounded) and
 * `yes | head -n 1` (must end at once), each beside bash running the GNU tools.
 * Runs are repeated within a time budget, so a slow vos keeps `make bench` short. */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

#define MAX_RUNS 15
#define BUDGET_MS 15000.0

extern char **environ;

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One line of the table every bench prints: what, vos's value, the reference, the ratio. */
static void row(const char *bench, const char *what, double v, const char *unit,
                const char *refwhat, double ref, const char *target)
{
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s | ratio %7.3f | target %s\n", bench,
           what, v, unit, refwhat, ref, unit, ref > 0 ? v / ref : 0.0, target);
}

/* The sampler: vos_vm_mem_used of the running VM, every 200 us, keeping the maximum. */
typedef struct sampler {
    const vos_vm *vm;
    atomic_bool stop;
    size_t peak;
} sampler;

static void *sample(void *arg)
{
    sampler *s = arg;
    struct timespec ts = {0, 200 * 1000};
    while (!atomic_load(&s->stop)) {
        size_t u = vos_vm_mem_used(s->vm);
        if (u > s->peak) s->peak = u;
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Median time of `script` in one VM (a fresh VM per run, not timed); checks the output.
 * *peak gets the largest vos_vm_mem_used seen during any run. Returns -1 on failure. */
static double time_vos(const char *script, const char *want, size_t *peak, int *runs_out)
{
    double t[MAX_RUNS];
    int n = 0;
    double start = now_ms();
    *peak = 0;
    while (n < MAX_RUNS && (n < 3 || now_ms() - start < BUDGET_MS)) {
        vos_vm *vm = NULL;
        if (vos_vm_new(NULL, &vm) != 0) return -1;
        vos_exec_opts o;
        vos_exec_opts_init(&o);
        vos_limits o_lim;
        vos_limits_init(&o_lim);
        o.struct_size = sizeof o;
        o.limits = &o_lim;
        o_lim.time_ms = 60000;
        sampler s = {.vm = vm};
        pthread_t th;
        pthread_create(&th, NULL, sample, &s);
        vos_result res;
        vos_result_init(&res);
        vos_result_init(&res);
        double t0 = now_ms();
        int rc = vos_exec(vm, script, &o, &res);
        double t1 = now_ms();
        atomic_store(&s.stop, true);
        pthread_join(th, NULL);
        if (rc != 0 || res.status != 0 || !res.out || strcmp(res.out, want) != 0) {
            fprintf(stderr, "pipeline: vos `%s`: rc %s, status %d, out \"%.40s\", err \"%.200s\"\n",
                    script, vos_errname(rc), res.status, res.out ? res.out : "",
                    res.err ? res.err : "");
            vos_result_free(&res);
            vos_vm_free(vm);
            return -1;
        }
        vos_result_free(&res);
        vos_vm_free(vm);
        if (s.peak > *peak) *peak = s.peak;
        t[n++] = t1 - t0;
        if (t1 - t0 > BUDGET_MS) break; /* one very slow run is enough to tell */
    }
    *runs_out = n;
    return median(t, n);
}

/* Median time of /bin/bash -c script (GNU tools), output checked. */
static double time_bash(const char *script, const char *want, int *runs_out)
{
    double t[MAX_RUNS];
    int n = 0;
    double start = now_ms();
    char *argv[] = {"bash", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    while (n < MAX_RUNS && (n < 3 || now_ms() - start < BUDGET_MS)) {
        int p[2];
        if (pipe(p) != 0) return -1;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        double t0 = now_ms();
        pid_t pid;
        int rc = posix_spawn(&pid, "/bin/bash", &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (rc != 0) {
            close(p[0]);
            return -1;
        }
        char out[256];
        size_t len = 0;
        ssize_t r;
        while ((r = read(p[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
        out[len] = '\0';
        close(p[0]);
        int st;
        waitpid(pid, &st, 0);
        double t1 = now_ms();
        if (strcmp(out, want) != 0) {
            fprintf(stderr, "pipeline: bash `%s`: got \"%s\"\n", script, out);
            return -1;
        }
        t[n++] = t1 - t0;
    }
    *runs_out = n;
    return median(t, n);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *seq = "seq 1 10000000 | tail -n 1";
    const char *yes = "yes | head -n 1";
    int vr, br;
    size_t peak = 0, ypeak = 0;

    int failed = 0;
    double v = time_vos(seq, "10000000\n", &peak, &vr);
    double b = time_bash(seq, "10000000\n", &br);
    if (v < 0 || b < 0) {
        printf("%-9s %-38s NOT MEASURED: %s gave a wrong result (above)\n", "pipeline",
               seq, v < 0 ? "vos" : "bash");
        failed = 1;
    } else {
        char what[64];
        snprintf(what, sizeof what, "%s, %d runs", seq, vr);
        row("pipeline", what, v, "ms", "bash + GNU seq, tail", b, "none");
        /* The reference: the largest resident set among bash, seq and tail (each waited for). */
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        row("pipeline", "  VM peak memory while it runs", (double)peak / 1024.0, "KB",
            "largest max RSS of bash, seq, tail", (double)ru.ru_maxrss, "none");
    }

    v = time_vos(yes, "y\n", &ypeak, &vr);
    b = time_bash(yes, "y\n", &br);
    if (v < 0 || b < 0) {
        printf("%-9s %-38s NOT MEASURED: %s gave a wrong result (above)\n", "pipeline",
               yes, v < 0 ? "vos" : "bash");
        failed = 1;
    } else {
        char what[64];
        snprintf(what, sizeof what, "%s, %d runs", yes, vr);
        row("pipeline", what, v, "ms", "bash + GNU yes, head", b,
            v < 10 ? "ends at once (< 10 ms): met" : "ends at once (< 10 ms): MISSED");
    }
    return failed;
}
