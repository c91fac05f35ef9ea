/* cmd_arch.c: the archive commands against a host directory. Extracting hostile archives
 * (names with '..', absolute names, symbolic links pointing out followed by files through them,
 * hard links pointing out) into a target on a hostfs mount writes nothing outside the target;
 * a compression bomb stops at the VM's filesystem limit with a clear error and no partial
 * file, and the VM stays usable; long compression ends at the exec's time limit. (Listings and
 * messages are checked against GNU tar/gzip in the tests/cmd files.) */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

/* gzipped tar archives made with Python's tarfile (see tests/cmd/tar.test) */
static const char fx_dotdot[] = "H4sIAAAAAAACA+3TMQqAMAxA0cyeoieobY32PM4OFa3g8S2ODgqCgvjfEki2wLe2Xkab1yzPcUWnus/iOIsgLjbatdrue++9RjFOXrDMuZ+MkSml0x9c3T9qrQQ/loaH47/Vv4vB0z/9AwAAAAAAAAAAAAAA4MoGdNHLwQAoAAA=";
static const char fx_abs[] = "H4sIAAAAAAACA+3TMQqAMAxA0cyeoifQVmM9j64OhVrB41s6OigICuJ/SyDZAr8Zp6VOW5IH2cyrlpkdZ9aKHTr1vfZl75zrVIyVF6xLGqMxEkM4fcLV/aO2SvBjYX66/jv926F19E//AAAAAAAAAAAAAAAAuLIDeeIk8QAoAAA=";
static const char fx_middot[] = "H4sIAAAAAAACA+3TMQqEQAyF4dR7ijnBbEajnkewsxjQEeb4zlpaKAguiP9H4EFSpXjD1/vfZJ9yknto0ZptWeyzqES72trGmm0fgtUqTuUPljn1k3MyxXj4/9n9ofJH8GJxvLH4l/uvXRXoP/0HAAAAAAAAAAAAAADAmRUAAWRrACgAAA==";
static const char fx_symout[] = "H4sIAAAAAAACA+3TQQqDMBCF4Vn3FDlBmoxRz9NVBYVAGsHjN9idi1YKqRT/bzMDM4uQ4U1Snyu6ENZabOur75vQtaFde1/2vRi1tv7j5ke+JWMkxZjf7X2a/6npmocU5/tg85IPu79u7q+qjRj3iw84+f2Xi+DE4lgx+F/n3/XqyT/5BwAAAAAAAAAAAAAAezwB8lPSpgAoAAA=";
static const char fx_symabs[] = "H4sIAAAAAAACA+3ROw6DQAxFUddZxawgDPNx1jPUICJwJJYfRDqKUAFC3NPYkl1Yfm2R3fmZprTU2br++ldMmlNe+tqrqrhQWffe+7jPaGVwToa+t397W/OLaktVmjE8bbIT8w+r/Oscozh/xANunv/0EAAAAAAAAAAAAAAAAAAX9QV72q+nACgAAA==";
static const char fx_hardout[] = "H4sIAAAAAAACA+3OMQ6DMBAEQD/FLzCxMM570qUDgZF4Poh0KZIKqplmV9ri7h2u9zjUUs48fOenP/tShzKcPec+1xBzSt06pba1C59bl/aaYwzzOP48828HAAAAAAAAAACAG+2uBc/PACgAAA==";
static const char fx_sym2[] = "H4sIAAAAAAACA+3TQQrDIBBA0Vn3FJ5gYs2o5zEXCKQGPH4l3WXRrmwb+G8zA7oQPhYZz3fJ7Jjdeb72PFuKFo/97n00cWH5wuP2Ry2bc7Kta31379P5RS3/2T+k0PurTqr0H6lMTWurP+4fzv1zzuK88P9HazcBAAAAAAAAAAAAAADAhT0BTNTk8wAoAAA=";

static const char fx_zip[] = "UEsDBBQAAAAAAAAAIQB9DhbaAwAAAAMAAAAGAAAAb2sudHh0b2sKUEsDBBQAAAAAAAAAIQBB45FiAwAAAAMAAAAJAAAALi4vdXAudHh0dXAKUEsDBBQAAAAAAAAAIQAfk0oNBAAAAAQAAAAIAAAAL2Ficy50eHRhYnMKUEsDBBQAAAAAAAAAIQAfCOpGAgAAAAIAAAANAAAAZC8uLi8uLi94LnR4dHgKUEsBAhQDFAAAAAAAAAAhAH0OFtoDAAAAAwAAAAYAAAAAAAAAAAAAAKSBAAAAAG9rLnR4dFBLAQIUAxQAAAAAAAAAIQBB45FiAwAAAAMAAAAJAAAAAAAAAAAAAACkgScAAAAuLi91cC50eHRQSwECFAMUAAAAAAAAACEAH5NKDQQAAAAEAAAACAAAAAAAAAAAAAAApIFRAAAAL2Ficy50eHRQSwECFAMUAAAAAAAAACEAHwjqRgIAAAACAAAADQAAAAAAAAAAAAAApIF7AAAAZC8uLi8uLi94LnR4dFBLBQYAAAAABAAEANwAAACoAAAAAAA=";

/* The names in a host directory, sorted, space-separated. */
static const char *names_in(const char *dir)
{
    static char out[2048];
    char *v[64];
    int n = 0;
    out[0] = 0;
    DIR *d = opendir(dir);
    if (!d) return "(cannot open)";
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(v[i], v[j]) > 0) {
                char *t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
    for (int i = 0; i < n; i++) {
        if (strlen(out) + strlen(v[i]) + 2 < sizeof out) {
            if (i) strcat(out, " ");
            strcat(out, v[i]);
        }
        free(v[i]);
    }
    return out;
}

static vos_vm *vm_with_host(const char *host, uint64_t fs_bytes)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    if (fs_bytes) lim.fs_bytes = fs_bytes;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = host;
    ASSERT_OK(vos_mount(vm, "/h", &ms));
    return vm;
}

#define ASSERT_STREQ(a_, b_)                                                                       \
    do {                                                                                           \
        const char *x_ = (a_), *y_ = (b_);                                                         \
        if (strcmp(x_, y_) != 0) test_fail(__FILE__, __LINE__, "got \"%s\"\n  want \"%s\"", x_, y_); \
    } while (0)

TEST(tar_hostile_archives_write_nothing_outside_the_target)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/box", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/box/target", dir);
    mkdir(path, 0755);
    vos_vm *vm = vm_with_host(dir, 0);
    static const struct {
        const char *name, *b64;
    } fx[] = {{"dotdot", fx_dotdot}, {"abs", fx_abs},         {"middot", fx_middot},
              {"symout", fx_symout}, {"symabs", fx_symabs},   {"hardout", fx_hardout},
              {"sym2", fx_sym2}};
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        char script[2048];
        snprintf(script, sizeof script,
                 "echo '%s' | base64 -d > /tmp/%s.tgz && cd /h/box/target && "
                 "tar xf /tmp/%s.tgz 2>/dev/null; tar xPf /tmp/%s.tgz -C /tmp 2>/dev/null; "
                 "echo done",
                 fx[i].b64, fx[i].name, fx[i].name, fx[i].name);
        ASSERT_EXEC(vm, script, "done\n", 0);
        /* nothing next to the target, nothing next to the box */
        ASSERT_STREQ(names_in(dir), "box");
        snprintf(path, sizeof path, "%s/box", dir);
        ASSERT_STREQ(names_in(path), "target");
    }
    /* what did land is inside the target, and links out are links, not followed */
    snprintf(path, sizeof path, "%s/box/target", dir);
    ASSERT_STREQ(names_in(path), "a abs.txt b l la ok.txt");
    struct stat sb;
    snprintf(path, sizeof path, "%s/box/target/l", dir);
    ASSERT(lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode));
    vos_vm_free(vm);
}

TEST(unzip_hostile_paths_write_nothing_outside_the_target)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/box", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/box/target", dir);
    mkdir(path, 0755);
    vos_vm *vm = vm_with_host(dir, 0);
    char script[2048];
    snprintf(script, sizeof script,
             "echo '%s' | base64 -d > /tmp/e.zip && cd /h/box/target && "
             "unzip -o /tmp/e.zip >/dev/null 2>&1; echo $?", fx_zip);
    ASSERT_EXEC(vm, script, "1\n", 0);
    ASSERT_STREQ(names_in(dir), "box");
    snprintf(path, sizeof path, "%s/box", dir);
    ASSERT_STREQ(names_in(path), "target");
    snprintf(path, sizeof path, "%s/box/target", dir);
    ASSERT_STREQ(names_in(path), "abs.txt d ok.txt up.txt");
    vos_vm_free(vm);
}

static void write_zeros(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f) test_fail(__FILE__, __LINE__, "fopen %s: %s", path, strerror(errno));
    static char z[65536];
    for (long i = 0; i < n; i += (long)sizeof z) fwrite(z, 1, sizeof z, f);
    fclose(f);
}

TEST(tar_bomb_stops_at_the_filesystem_limit)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/zeros", dir);
    write_zeros(path, 8L << 20);
    vos_vm *vm = vm_with_host(dir, 1u << 20); /* memfs: 1 MiB of file data */
    ASSERT_EXEC(vm, "tar czf /h/bomb.tgz -C /h zeros && echo made", "made\n", 0);
    vos_result r;
    ASSERT_OK(test_exec(vm, "mkdir -p /tmp/x && cd /tmp/x && tar xzf /h/bomb.tgz; echo $?; ls", &r));
    if (strcmp(r.out, "2\n") != 0 || !strstr(r.err, "tar: zeros: Cannot write: ") ||
        !strstr(r.err, "tar: Error is not recoverable: exiting now"))
        test_fail(__FILE__, __LINE__, "out '%s' err '%s'", r.out, r.err);
    vos_result_free(&r);
    /* the VM goes on, and the space came back */
    ASSERT_EXEC(vm, "echo small > /tmp/x/ok && cat /tmp/x/ok", "small\n", 0);
    vos_vm_free(vm);
}

TEST(gunzip_bomb_leaves_no_partial_file)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/zeros", dir);
    write_zeros(path, 8L << 20);
    vos_vm *vm = vm_with_host(dir, 1u << 20);
    ASSERT_EXEC(vm, "gzip -c /h/zeros > /tmp/z.gz && echo made", "made\n", 0);
    vos_result r;
    ASSERT_OK(test_exec(vm, "gunzip /tmp/z.gz; echo $?; ls -a /tmp", &r));
    if (strncmp(r.out, "1\n", 2) != 0 || strstr(r.out, ".vos") || strstr(r.out, "\nz\n") ||
        !strstr(r.out, "z.gz") || !strstr(r.err, "gzip: "))
        test_fail(__FILE__, __LINE__, "out '%s' err '%s'", r.out, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "for c in bzip2 xz zstd; do $c -c /h/zeros > /tmp/z.$c; done; "
                    "bunzip2 /tmp/z.bzip2 2>/dev/null; echo $?; unxz -S .xz /tmp/z.xz 2>/dev/null; "
                    "rm -f /tmp/z.xz; ls /tmp | grep -c vos",
                "1\n0\n", 1);
    vos_vm_free(vm);
}

TEST(compression_ends_at_the_time_limit)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/zeros", dir);
    write_zeros(path, 128L << 20);
    vos_vm *vm = vm_with_host(dir, 0);
    int64_t t0 = test_now_ms();
    vos_result r;
    int rc = test_exec_limited(vm, "bzip2 -c /h/zeros > /dev/null; echo after", 200, 0, &r);
    int64_t ms = test_now_ms() - t0;
    if (rc != VOS_ETIME || ms > 5000 * TEST_SAN_SLOW)
        test_fail(__FILE__, __LINE__, "rc %d after %lld ms, out '%s'", rc, (long long)ms, r.out);
    vos_result_free(&r);
    t0 = test_now_ms();
    rc = test_exec_limited(vm, "tar cJf - /h/zeros | tar tJvf - > /dev/null; echo after", 200, 0, &r);
    ms = test_now_ms() - t0;
    if (rc != VOS_ETIME || ms > 5000 * TEST_SAN_SLOW)
        test_fail(__FILE__, __LINE__, "rc %d after %lld ms, out '%s'", rc, (long long)ms, r.out);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo fine", "fine\n", 0);
    vos_vm_free(vm);
}

static void write_random(const char *path, long n)
{
    FILE *f = fopen(path, "wb");
    if (!f) test_fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
    uint32_t x = 12345;
    for (long i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 24), f);
    }
    fclose(f);
}

/* tar czf compresses in a child process (as GNU tar runs gzip): the child's failures, the
 * limits and a VM with no process to spare all end as they did in one process */
TEST(tar_czf_child_at_the_limits)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/noise", dir);
    write_random(path, 3L << 20);
    snprintf(path, sizeof path, "%s/zeros", dir);
    write_zeros(path, 64L << 20);
    vos_vm *vm = vm_with_host(dir, 1u << 20); /* memfs: 1 MiB of file data */
    vos_result r;
    ASSERT_OK(test_exec(vm, "tar czf /tmp/n.tgz -C /h noise; echo $?", &r));
    if (strcmp(r.out, "2\n") != 0 || !strstr(r.err, "tar: /tmp/n.tgz: Cannot write: ") ||
        !strstr(r.err, "tar: Error is not recoverable: exiting now"))
        test_fail(__FILE__, __LINE__, "out '%s' err '%s'", r.out, r.err);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "rm /tmp/n.tgz; tar czf - -C /h noise | head -c 100 | wc -c; "
                    "echo ${PIPESTATUS[0]}",
                "100\n2\n", 0);
    /* (in a loop: one round takes about the limit itself on an idle machine) */
    int rc = test_exec_limited(
        vm, "while :; do tar czf - /h/zeros | tar tzvf - > /dev/null; done; echo after", 200, 0, &r);
    if (rc != VOS_ETIME) test_fail(__FILE__, __LINE__, "rc %d, out '%s'", rc, r.out);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "tar czf /tmp/z.tgz -C /h zeros && tar tzf /tmp/z.tgz", "zeros\n", 0);
    vos_vm_free(vm);
    /* no process to spare for the child: tar compresses in its own */
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.procs = 2;
    cfg.limits = &lim;
    vm = test_vm_new_cfg(&cfg);
    ASSERT_EXEC(vm, "cd /tmp; echo x > a; tar czf t.tgz a; echo $?; tar tzf t.tgz", "0\na\n", 0);
    vos_vm_free(vm);
}
