/* escalate.c: the cost of escalation (issue 10). Escalated `python3 -c 'print(1)'`, `node -e 1`
 * and `git status` in a 1,000-file memfs workspace, each against the same command run bare on
 * the host (git on a host copy of the same tree); medians and ratios in one run. Targets:
 * python3 within 1.3x, git status within 2x. Skips (exit 0, with the reason) when bwrap cannot
 * run. Usage: escalate [PATH_TO_VOS_CLI] (the argument is ignored) */
#include <fcntl.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vos.h"

#define RUNS 15
#define RUNS_MAX 101
static int runs = RUNS; /* VOS_BENCH_RUNS overrides */


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

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* CPU time (user+system, ms) of this process and its reaped children: what a run costs,
 * less sensitive than wall time to a loaded machine's waits. */
static double cpu_ms(void)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    double us = (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec +
                         b.ru_stime.tv_sec) * 1e6 +
                (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
                         b.ru_stime.tv_usec);
    return us / 1e3;
}

/* One escalated run in the VM: ms, or -1 on failure. */
static double once_vm(vos_vm *vm, const char *script)
{
    vos_result r;
    vos_result_init(&r);
    double t0 = now_ms();
    int rc = vos_exec(vm, script, NULL, &r);
    double t = now_ms() - t0;
    if (rc != 0 || r.status != 0) {
        fprintf(stderr, "escalate: vos: %s: rc %d status %d: %s\n", script, rc, r.status, r.err);
        t = -1;
    }
    vos_result_free(&r);
    return t;
}

/* One bare run on the host: argv spawned directly (no shell), stdout to /dev/null, with an
 * environment like the VM's: no host settings (such as NODE_EXTRA_CA_CERTS, which makes node
 * load a file at start). */
static double once_host(char *const argv[])
{
    static char *const env[] = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = now_ms();
    pid_t pid;
    int st = -1;
    bool ok = posix_spawn(&pid, argv[0], &fa, NULL, argv, env) == 0 &&
              waitpid(pid, &st, 0) == pid && st == 0;
    double t = now_ms() - t0;
    posix_spawn_file_actions_destroy(&fa);
    return ok ? t : -1;
}

/* Medians and minimums of `runs` runs each, the VM's and the host's alternating (a busy
 * machine slows both alike; the minimums are what a quiet moment gives). */
static void pair(vos_vm *vm, const char *script, char *const argv[], double *vos, double *host,
                 double *vmin, double *hmin, double *vcpu, double *hcpu)
{
    double v[RUNS_MAX], h[RUNS_MAX];
    *vos = *host = -1;
    *vcpu = *hcpu = 0;
    if (once_vm(vm, script) < 0 || once_host(argv) < 0) return; /* warm-up */
    for (int i = 0; i < runs; i++) {
        double c0 = cpu_ms();
        if ((v[i] = once_vm(vm, script)) < 0) return;
        double c1 = cpu_ms();
        if ((h[i] = once_host(argv)) < 0) return;
        *vcpu += c1 - c0;
        *hcpu += cpu_ms() - c1;
    }
    *vcpu /= runs;
    *hcpu /= runs;
    *vos = median(v, (size_t)runs); /* sorts */
    *host = median(h, (size_t)runs);
    *vmin = v[0];
    *hmin = h[0];
}

static void row(const char *name, vos_vm *vm, const char *script, char *const argv[],
                double target)
{
    double vos, host, vmin = 0, hmin = 0, vcpu, hcpu;
    pair(vm, script, argv, &vos, &host, &vmin, &hmin, &vcpu, &hcpu);
    if (vos < 0 || host < 0) {
        printf("%-34s NOT MEASURED\n", name);
        return;
    }
    printf("%-34s vos %8.1f ms  host %8.1f ms  ratio %5.2f  (target %.1f)\n"
           "%-34s min: vos %.1f host %.1f ratio %.2f; mean cpu: vos %.1f host %.1f ratio %.2f\n",
           name, vos, host, vos / host, target, "", vmin, hmin, vmin / hmin, vcpu, hcpu,
           hcpu > 0 ? vcpu / hcpu : 0);
}

/* A VM's first escalated call (its jail and host copy made then), each run in a new VM (made
 * and freed outside the timing), against the host's: from the second on, as in a backend that
 * makes VM after VM, the VM's jail is made from the process's base and its host copy starts
 * from the directories a freed VM's left. */
static void first(const vos_config *cfg, const char *name, const char *script,
                  char *const argv[])
{
    double v[RUNS_MAX], h[RUNS_MAX];
    int n = runs < 11 ? runs : 11;
    for (int i = 0; i < n; i++) {
        vos_vm *vm;
        if (vos_vm_new(cfg, &vm) != 0) return;
        v[i] = once_vm(vm, script);
        vos_vm_free(vm);
        h[i] = once_host(argv);
        if (v[i] < 0 || h[i] < 0) {
            printf("%-34s NOT MEASURED\n", name);
            return;
        }
    }
    double v0 = v[0], h0 = h[0]; /* (median sorts) */
    double vm_ = median(v, (size_t)n), host = median(h, (size_t)n);
    printf("%-34s vos %8.1f ms  host %8.1f ms  ratio %5.2f  (medians of %d)\n", name, vm_, host,
           vm_ / host, n);
    /* the first of them was the process's first escalation: its base jail, its shared /etc,
     * no host copy kept from a freed VM (one run, so noisy) */
    printf("%-34s the process's first: vos %.1f ms  host %.1f ms  ratio %.2f (one run)\n", "",
           v0, h0, v0 / h0);
}

int main(void)
{
    const char *rs = getenv("VOS_BENCH_RUNS");
    if (rs && atoi(rs) > 0) runs = atoi(rs) < RUNS_MAX ? atoi(rs) : RUNS_MAX;
    if (system("/usr/bin/bwrap --unshare-all --unshare-user --ro-bind /usr /usr --symlink "
               "usr/lib /lib --symlink usr/lib64 /lib64 /usr/bin/true 2>/dev/null") != 0) {
        printf("escalate: skipped: bwrap or user namespaces are not available\n");
        return 0;
    }
    static const char *const progs[] = {"python3", "node", "git", NULL};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    vos_vm *vm;
    if (vos_vm_new(&cfg, &vm) != 0) return 1;
    printf("escalation, medians of %d runs, VM and host alternating (host side: posix_spawn, "
           "VM-like environment)\n", runs);
    first(&cfg, "python3 -c 'print(1)', a VM's first", "python3 -c 'print(1)' >/dev/null",
          (char *[]){"/usr/bin/python3", "-c", "print(1)", NULL});
    row("python3 -c 'print(1)'", vm, "python3 -c 'print(1)' >/dev/null",
        (char *[]){"/usr/bin/python3", "-c", "print(1)", NULL}, 1.3);
    row("node -e 1", vm, "node -e 1", (char *[]){"/usr/bin/node", "-e", "1", NULL}, 1.3);

    /* a 1,000-file repository: in the VM's memfs, and the same on the host */
    char dir[] = "/tmp/vos-bench-esc-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    const char *mk =
        "mkdir -p /home/agent/ws && cd /home/agent/ws && git init -q -b main && "
        "git config user.email a@b && git config user.name A && "
        "for d in 0 1 2 3 4 5 6 7 8 9; do mkdir d$d; for f in $(seq 100); do "
        "echo \"file $d $f\" > d$d/f$f.txt; done; done && git add -A && git commit -qm init && "
        "echo changed >> d3/f7.txt";
    vos_result r;
    vos_result_init(&r);
    int rc = vos_exec(vm, mk, NULL, &r);
    if (rc != 0 || r.status != 0) fprintf(stderr, "escalate: setup: %s\n", r.err);
    vos_result_free(&r);
    char host[4096];
    snprintf(host, sizeof host,
             "cd %s && git init -q -b main && git config user.email a@b && git config "
             "user.name A && for d in 0 1 2 3 4 5 6 7 8 9; do mkdir d$d; for f in $(seq 100); "
             "do echo \"file $d $f\" > d$d/f$f.txt; done; done && git add -A && git commit "
             "-qm init && echo changed >> d3/f7.txt",
             dir);
    if (system(host) != 0) return 1;
    row("git status, 1,000 files (memfs)", vm,
        "cd /home/agent/ws && git status --short >/dev/null",
        (char *[]){"/usr/bin/git", "-C", dir, "status", "--short", NULL}, 2.0);
    snprintf(host, sizeof host, "rm -rf %s", dir);
    if (system(host) != 0) return 1;
    vos_vm_free(vm);
    return 0;
}
