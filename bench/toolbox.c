/* toolbox.c: the command benchmarks. Reads bench/toolbox/NAME.bench (format below), makes each
 * case's data once on the host, then times the case's command under vos (through the public
 * API, in a VM that sees the data) and under /bin/bash with the GNU tools, in the same run,
 * and prints medians and the ratio. It does not judge correctness beyond the exit status
 * (the tests do that); a case whose command fails on either side is reported NOT MEASURED.
 *
 * Case format (one file may hold many cases):
 *   === name of the case                 the name printed in the table
 *   # free comment lines
 *   --- setup                            host bash script, run once in a fresh host temp dir
 *   ...                                  (the data: GNU tools may be used freely here)
 *   --- each                             optional: run before every timed run, untimed, on
 *   ...                                  both sides (e.g. rm -rf the output of the last run)
 *   --- run                              the timed script, run in the data dir on both sides
 *   ...
 *   --- where memfs|hostfs               optional, default hostfs: where vos sees the data.
 *                                        hostfs mounts the temp dir read-write at its own host
 *                                        path; memfs copies every file into the VM's memory
 *                                        filesystem at that same path before timing.
 *   --- target 1.5                       optional: the ratio vos/GNU to meet (default 1.5)
 * Runs: at least 3, at most 11, within a budget of 20 s per side and case.
 * Usage: toolbox [VOS_BINARY] [--filter WORD] [--dir DIR] */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

#define MAX_RUNS 11
#define MIN_RUNS 3
#define BUDGET_MS 20000.0

extern char **environ;

typedef struct bcase {
    char *file, *name, *setup, *each, *run;
    bool memfs;
    double target;
} bcase;

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

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fputs("toolbox: out of memory\n", stderr);
        exit(2);
    }
    return d;
}

static void append(char **dst, const char *line)
{
    size_t a = *dst ? strlen(*dst) : 0, b = strlen(line);
    char *n = realloc(*dst, a + b + 1);
    if (!n) exit(2);
    memcpy(n + a, line, b + 1);
    *dst = n;
}

static bcase *g_cases;
static size_t g_n, g_cap;

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char *line = NULL;
    size_t lcap = 0;
    bcase *c = NULL;
    char **sect = NULL;
    while (getline(&line, &lcap, f) > 0) {
        if (strncmp(line, "=== ", 4) == 0) {
            if (g_n == g_cap) {
                g_cap = g_cap ? g_cap * 2 : 32;
                g_cases = realloc(g_cases, g_cap * sizeof *g_cases);
                if (!g_cases) exit(2);
            }
            c = &g_cases[g_n++];
            memset(c, 0, sizeof *c);
            c->file = xstrdup(path);
            line[strcspn(line, "\n")] = 0;
            c->name = xstrdup(line + 4);
            c->target = 1.5;
            sect = NULL;
            continue;
        }
        if (!c) continue;
        if (strncmp(line, "--- ", 4) == 0) {
            char *w = line + 4;
            w[strcspn(w, "\n")] = 0;
            if (strcmp(w, "setup") == 0) sect = &c->setup;
            else if (strcmp(w, "each") == 0) sect = &c->each;
            else if (strcmp(w, "run") == 0) sect = &c->run;
            else if (strncmp(w, "where ", 6) == 0) {
                c->memfs = strcmp(w + 6, "memfs") == 0;
                sect = NULL;
            } else if (strncmp(w, "target ", 7) == 0) {
                c->target = atof(w + 7);
                sect = NULL;
            } else {
                fprintf(stderr, "toolbox: %s: unknown section '%s'\n", path, w);
                exit(2);
            }
            continue;
        }
        if (sect) append(sect, line);
        else if (line[0] != '#' && line[0] != '\n')
            fprintf(stderr, "toolbox: %s: line outside a section: %s", path, line);
    }
    free(line);
    fclose(f);
}

/* bash -c script in dir; returns the wall time in ms, or -1 when it failed. */
static double run_bash(const char *dir, const char *script)
{
    char *argv[] = {"bash", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=/tmp", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    double t0 = now_ms();
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/bash", &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    double t1 = now_ms();
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    return t1 - t0;
}

/* Copy the host tree src into the VM at the same path (memfs). */
static int copy_in(vos_vm *vm, const char *src)
{
    DIR *d = opendir(src);
    if (!d) return -1;
    int rc = vos_mkdir(vm, src, 0755, 1);
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", src, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            rc = copy_in(vm, path);
        } else if (S_ISREG(sb.st_mode)) {
            FILE *f = fopen(path, "rb");
            if (!f) return -1;
            char *data = malloc((size_t)sb.st_size + 1);
            size_t n = data ? fread(data, 1, (size_t)sb.st_size, f) : 0;
            fclose(f);
            rc = data ? vos_write_file(vm, path, data, n, sb.st_mode & 07777) : -1;
            free(data);
        }
    }
    closedir(d);
    return rc;
}

static vos_vm *vm_for(const bcase *c, const char *dir)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.mem_bytes = 8ull << 30;
    cfg_lim.fs_bytes = 4ull << 30;
    cfg_lim.fs_inodes = 4000000;
    cfg_lim.time_ms = 600000;
    cfg_lim.output_bytes = 1ull << 30;
    vos_vm *vm = NULL;
    if (vos_vm_new(&cfg, &vm) != 0) return NULL;
    int rc;
    if (c->memfs) {
        rc = copy_in(vm, dir);
    } else {
        vos_mount_spec ms;
        memset(&ms, 0, sizeof ms);
        ms.struct_size = sizeof ms;
        ms.kind = VOS_MOUNT_HOST_RW;
        ms.host_path = dir;
        rc = vos_mount(vm, dir, &ms);
    }
    if (rc != 0) {
        fprintf(stderr, "toolbox: %s: cannot give the VM the data: %s %s\n", c->name,
                vos_errname(rc), vos_errmsg(vm));
        vos_vm_free(vm);
        return NULL;
    }
    return vm;
}

/* vos_exec of script in dir; the wall time in ms, or -1 (reported) when it failed. */
static double run_vos(vos_vm *vm, const bcase *c, const char *dir, const char *script)
{
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.cwd = dir;
    o.isolated = 1;
    vos_result r;
    vos_result_init(&r);
    double t0 = now_ms();
    int rc = vos_exec(vm, script, &o, &r);
    double t1 = now_ms();
    bool ok = rc == 0 && r.status == 0;
    if (!ok)
        fprintf(stderr, "toolbox: %s: vos: rc %s status %d: %.300s\n", c->name, vos_errname(rc),
                r.status, r.err ? r.err : "");
    vos_result_free(&r);
    return ok ? t1 - t0 : -1;
}

static void row(const bcase *c, double v, int vn, double b, int bn)
{
    char what[96];
    snprintf(what, sizeof what, "%s (%s)", c->name, c->memfs ? "memfs" : "hostfs");
    double ratio = b > 0 ? v / b : 0;
    printf("%-9s %-46s %9.2f ms | ref GNU %9.2f ms | ratio %6.3f | target <= %.2f: %s (%d/%d "
           "runs)\n",
           "toolbox", what, v, b, ratio, c->target, ratio <= c->target ? "met" : "MISSED", vn,
           bn);
    fflush(stdout);
}

static int run_case(const bcase *c)
{
    char dir[] = "/tmp/vos-bench-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    char rm[256];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    int failed = 0;
    if (c->setup && run_bash(dir, c->setup) < 0) {
        printf("%-9s %-46s NOT MEASURED: the setup failed\n", "toolbox", c->name);
        run_bash("/", rm);
        return 1;
    }
    vos_vm *vm = vm_for(c, dir);
    double tv[MAX_RUNS], tb[MAX_RUNS];
    int nv = 0, nb = 0;
    double start = now_ms();
    /* alternate the two sides, so a change in the machine's load hits both alike */
    while (vm && (nv < MIN_RUNS || (nv < MAX_RUNS && now_ms() - start < 2 * BUDGET_MS))) {
        if (c->each && run_vos(vm, c, dir, c->each) < 0) break;
        double v = run_vos(vm, c, dir, c->run);
        if (v < 0) break;
        tv[nv++] = v;
        if (c->each && run_bash(dir, c->each) < 0) break;
        double b = run_bash(dir, c->run);
        if (b < 0) {
            fprintf(stderr, "toolbox: %s: bash failed\n", c->name);
            break;
        }
        tb[nb++] = b;
        if (v + b > 2 * BUDGET_MS) break; /* one very slow run is enough to tell */
    }
    if (!vm || nv == 0 || nb == 0 || nb < nv) {
        printf("%-9s %-46s NOT MEASURED: %s failed (above)\n", "toolbox", c->name,
               !vm || nv == 0 ? "vos" : "bash");
        failed = 1;
    } else {
        row(c, median(tv, nv), nv, median(tb, nb), nb);
    }
    vos_vm_free(vm);
    run_bash("/", rm);
    return failed;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *filter = NULL, *dir = "bench/toolbox";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "toolbox: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char *files[256];
    int nf = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && nf < 256) {
        size_t l = strlen(e->d_name);
        if (l > 6 && strcmp(e->d_name + l - 6, ".bench") == 0) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            files[nf++] = xstrdup(p);
        }
    }
    closedir(d);
    qsort(files, (size_t)nf, sizeof *files, cmp_str);
    for (int i = 0; i < nf; i++) load(files[i]);
    int failed = 0;
    for (size_t i = 0; i < g_n; i++) {
        if (filter && !strstr(g_cases[i].name, filter) && !strstr(g_cases[i].file, filter))
            continue;
        if (!g_cases[i].run) continue;
        failed |= run_case(&g_cases[i]);
    }
    return failed;
}
