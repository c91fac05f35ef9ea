/* cli_start.c: the cost of starting the vos program as a host process (`vos -c true`) beside
 * `bash -c true`, median wall time of each over many runs. It measures the whole process
 * (exec, dynamic linking, VM creation, exit), not the library alone (see startup.c).
 * Usage: cli_start PATH_TO_VOS_CLI */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 200

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

/* One line of the table every bench prints: what, vos's value, the reference, the ratio. */
static void row(const char *bench, const char *what, double v, const char *unit,
                const char *refwhat, double ref, const char *target)
{
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s | ratio %7.3f | target %s\n", bench,
           what, v, unit, refwhat, ref, unit, ref > 0 ? v / ref : 0.0, target);
}

/* Median wall time of running argv with stdin and stdout on /dev/null; -1 when a run fails. */
static double time_runs(const char *path, char *const argv[], int runs)
{
    double *t = calloc((size_t)runs, sizeof *t);
    if (!t) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double med = -1;
    for (int i = 0; i < runs; i++) {
        double t0 = now_us();
        pid_t pid;
        int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
        if (rc != 0) {
            fprintf(stderr, "cli_start: cannot run %s: %s\n", path, strerror(rc));
            goto out;
        }
        int st;
        waitpid(pid, &st, 0);
        t[i] = now_us() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "cli_start: %s %s %s: exit status %d\n", path, argv[1], argv[2],
                    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            goto out;
        }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_dbl);
    med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
out:
    posix_spawn_file_actions_destroy(&fa);
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cli_start PATH_TO_VOS_CLI\n");
        return 2;
    }
    char *vargv[] = {"vos", "-c", "true", NULL};
    char *bargv[] = {"bash", "-c", "true", NULL};
    time_runs(argv[1], vargv, 5); /* page cache warm-up */
    double v = time_runs(argv[1], vargv, RUNS);
    double b = time_runs("/bin/bash", bargv, RUNS);
    if (v < 0 || b < 0) return 1;
    row("cli_start", "`vos -c true` process, 200 runs", v, "us", "`bash -c true`", b, "none");
    return 0;
}
