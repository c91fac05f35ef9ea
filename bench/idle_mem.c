/* idle_mem.c: what an idle VM costs in resident memory: 10,000 VMs alive at once, each
 * holding one ~100-byte file, measured as the growth of this process's RSS and as
 * vos_vm_mem_used, beside an idle bash process's RSS. It does not run scripts in the VMs. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

#define NVMS 10000
#define TARGET_KB 64.0

extern char **environ;

/* Resident bytes of a process from /proc/PID/statm (field 2, in pages). */
static long long rss_bytes(const char *statm)
{
    FILE *f = fopen(statm, "r");
    if (!f) return -1;
    long long size = 0, res = -1;
    if (fscanf(f, "%lld %lld", &size, &res) != 2) res = -1;
    fclose(f);
    return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

/* One line of the table every bench prints: what, vos's value, the reference, the ratio. */
static void row(const char *bench, const char *what, double v, const char *unit,
                const char *refwhat, double ref, const char *target)
{
    printf("%-9s %-38s %10.2f %-2s | ref %-34s %10.2f %-2s | ratio %7.3f | target %s\n", bench,
           what, v, unit, refwhat, ref, unit, ref > 0 ? v / ref : 0.0, target);
}

/* An idle bash: started, given time to settle, measured, killed. */
static long long idle_bash_rss(void)
{
    int p[2];
    if (pipe(p) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    char *argv[] = {"bash", "-c", "read x", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/bash", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[0]);
    if (rc != 0) {
        close(p[1]);
        return -1;
    }
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    long long r = rss_bytes(path);
    close(p[1]); /* read sees end of file: bash exits */
    int st;
    waitpid(pid, &st, 0);
    return r;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static char data[100];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (char)('a' + i % 26);
    data[sizeof data - 1] = '\n';

    vos_vm **vms = calloc(NVMS, sizeof *vms);
    if (!vms) return 1;
    /* One VM first, so the library's one-time costs (code pages, tables) are not counted as
     * per-VM memory. */
    vos_vm *warm = NULL;
    if (vos_vm_new(NULL, &warm) != 0) {
        fprintf(stderr, "idle_mem: vos_vm_new failed\n");
        return 1;
    }
    vos_write_file(warm, "/tmp/note.txt", data, sizeof data, 0644);

    long long before = rss_bytes("/proc/self/statm");
    size_t used = 0;
    for (int i = 0; i < NVMS; i++) {
        int rc = vos_vm_new(NULL, &vms[i]);
        if (rc != 0) {
            fprintf(stderr, "idle_mem: vos_vm_new #%d: %s\n", i, vos_strerror(rc));
            return 1;
        }
        rc = vos_write_file(vms[i], "/tmp/note.txt", data, sizeof data, 0644);
        if (rc != 0) {
            fprintf(stderr, "idle_mem: vos_write_file: %s (%s)\n", vos_strerror(rc),
                    vos_errmsg(vms[i]));
            return 1;
        }
    }
    long long after = rss_bytes("/proc/self/statm");
    for (int i = 0; i < NVMS; i++) used += vos_vm_mem_used(vms[i]);
    for (int i = 0; i < NVMS; i++) vos_vm_free(vms[i]);
    vos_vm_free(warm);
    free(vms);

    long long bash = idle_bash_rss();
    double kb = (double)(after - before) / 1024.0 / NVMS;
    double used_kb = (double)used / 1024.0 / NVMS;
    double bash_kb = bash > 0 ? (double)bash / 1024.0 : 0;
    char t1[64], t2[64];
    snprintf(t1, sizeof t1, "< %.0f KB: %s", TARGET_KB, kb < TARGET_KB ? "met" : "MISSED");
    snprintf(t2, sizeof t2, "< %.0f KB: %s", TARGET_KB, used_kb < TARGET_KB ? "met" : "MISSED");
    row("idle_mem", "RSS per idle VM (10k VMs, 1 file each)", kb, "KB", "idle bash process RSS",
        bash_kb, t1);
    row("idle_mem", "vos_vm_mem_used per idle VM", used_kb, "KB", "idle bash process RSS",
        bash_kb, t2);
    return 0;
}
