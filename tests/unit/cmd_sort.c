/* cmd_sort.c: sort beyond memory. A VM whose memory limit is smaller than its input sorts a
 * file on a host mount by spilling runs to -T on that mount and merging them; the runs never
 * outlive the command, also when a limit ends it half way. (Orderings and messages are
 * checked against GNU sort in tests/cmd/sort.test.) */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#define NLINES 400000

/* A host file of NLINES distinct 8-digit numbers in a scrambled order ("%08d\n" of a
 * permutation of 0..NLINES-1): 3.6 MB. */
static void write_scrambled(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) test_fail(__FILE__, __LINE__, "fopen %s: %s", path, strerror(errno));
    for (long i = 0; i < NLINES; i++) fprintf(f, "%08ld\n", (i * 7919) % NLINES);
    fclose(f);
}

/* Names in a host directory other than those listed (NULL-terminated), or "" */
static const char *extra_names(const char *dir, const char *const *known)
{
    static char out[1024];
    out[0] = 0;
    DIR *d = opendir(dir);
    if (!d) return "(cannot open)";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        bool ok = false;
        for (const char *const *k = known; *k; k++)
            if (!strcmp(*k, e->d_name)) ok = true;
        if (!ok && strlen(out) + strlen(e->d_name) + 2 < sizeof out) {
            strcat(out, e->d_name);
            strcat(out, " ");
        }
    }
    closedir(d);
    return out;
}

static vos_vm *small_vm(const char *host, uint64_t mem)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = mem;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = host;
    ASSERT_OK(vos_mount(vm, "/h", &ms));
    return vm;
}

TEST(sort_file_larger_than_vm_memory_spills_to_host_mount)
{
    const char *dir = test_tmpdir();
    char in[4096], out[4096];
    snprintf(in, sizeof in, "%s/big", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_scrambled(in);
    struct stat sb;
    ASSERT(stat(in, &sb) == 0 && sb.st_size > (3 << 20));
    vos_vm *vm = small_vm(dir, 2u << 20); /* 2 MiB: less than the input */
    vos_result r;
    ASSERT_OK(test_exec(vm, "sort -T /h /h/big > /h/out && sort -c /h/out && echo sorted", &r));
    if (r.status != 0 || strcmp(r.out, "sorted\n") != 0)
        test_fail(__FILE__, __LINE__, "status %d out '%s' err '%s'", r.status, r.out, r.err);
    vos_result_free(&r);
    /* the output is every number once, in order */
    FILE *f = fopen(out, "r");
    ASSERT(f != NULL);
    char line[64];
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        char want[64];
        snprintf(want, sizeof want, "%08ld\n", n);
        if (strcmp(line, want) != 0) {
            fclose(f);
            test_fail(__FILE__, __LINE__, "line %ld: '%s', want '%s'", n + 1, line, want);
        }
        n++;
    }
    fclose(f);
    ASSERT_EQ(n, NLINES);
    const char *known[] = {"big", "out", NULL};
    ASSERT_STR(extra_names(dir, known), "");
    /* -o over its own input, -u and -n through the same runs */
    ASSERT_EXEC(vm, "sort -T /h -S 64K -u -n -o /h/big /h/big; sort -C /h/big && head -n 2 /h/big",
                "00000000\n00000001\n", 0);
    ASSERT_STR(extra_names(dir, known), "");
}

TEST(sort_runs_do_not_outlive_a_limit)
{
    const char *dir = test_tmpdir();
    char in[4096];
    snprintf(in, sizeof in, "%s/big", dir);
    write_scrambled(in);
    vos_vm *vm = small_vm(dir, 2u << 20);
    /* a step budget far too small for the sort: it ends half way, with runs written */
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.cpu_steps = 3000;
    o.limits = &lim;
    vos_result r;
    vos_result_init(&r);
    int rc = vos_exec(vm, "sort -S 64K -T /h /h/big > /dev/null", &o, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    vos_result_free(&r);
    const char *known[] = {"big", NULL};
    ASSERT_STR(extra_names(dir, known), "");
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}
