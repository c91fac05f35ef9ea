/* faults.c: every allocation and every driver call may fail. The allocation loop fails the Nth
 * allocation, for every N, across a VM's creation, a mount, a file write, an exec with a
 * pipeline and a file read; the driver loop fails the Nth driver call across a script that
 * works on memfs and on a host directory. Each run must end without a crash, a hang or a leaked
 * byte, with a clear error where one was met, and leave the VM usable (or freed cleanly). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "kernel/internal.h"
#include "test.h"

/* ---- an allocator that fails the Nth allocation (growing calls only) ---- */
typedef struct failing {
    atomic_long calls;   /* allocations seen */
    long fail_at;        /* the one to refuse (0: none) */
    atomic_long failed;  /* how many were refused */
    atomic_llong bytes;  /* live bytes */
} failing;

typedef struct fhdr {
    size_t size;
    size_t pad;
} fhdr;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    failing *f = ud;
    fhdr *h = ptr ? (fhdr *)ptr - 1 : NULL;
    (void)osize;
    if (nsize == 0) {
        if (h) {
            atomic_fetch_sub(&f->bytes, (long long)h->size);
            free(h);
        }
        return NULL;
    }
    if (!h || nsize > h->size) {
        long n = atomic_fetch_add(&f->calls, 1) + 1;
        if (n == f->fail_at) {
            atomic_fetch_add(&f->failed, 1);
            return NULL;
        }
    }
    size_t old = h ? h->size : 0;
    fhdr *nh = realloc(h, sizeof *nh + nsize);
    if (!nh) return NULL;
    nh->size = nsize;
    atomic_fetch_add(&f->bytes, (long long)nsize - (long long)old);
    return nh + 1;
}

/* One pass of the workload with the Nth allocation refused. Returns whether the refusal
 * happened (false: the workload needs fewer than N allocations, the loop is done). */
static bool alloc_pass(long n, const char *host_dir)
{
    failing f = {0};
    f.fail_at = n;
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.alloc = failing_alloc;
    cfg.alloc_ud = &f;
    vos_vm *vm = NULL;
    int rc = vos_vm_new(&cfg, &vm);
    if (rc == 0) {
        vos_mount_spec ms;
        vos_mount_spec_init(&ms);
        ms.kind = VOS_MOUNT_MEMFS;
        rc = vos_mount(vm, "/m", &ms);
        if (rc != 0 && rc != VOS_ENOMEM && rc != VOS_ENOSPC && rc != VOS_EFSINODES)
            test_fail(__FILE__, __LINE__, "N=%ld: mount: %s", n, vos_errname(rc));
        vos_mount_spec_init(&ms);
        ms.kind = VOS_MOUNT_OVERLAY;
        ms.host_path = host_dir;
        vos_mount(vm, "/w", &ms);
        vos_write_file(vm, "/tmp/in", "a\nb\nc\n", 6, 0644);
        vos_result r;
        vos_result_init(&r);
        rc = vos_exec(vm, "cat /tmp/in | tail -n 2 | cat | wc -l > /tmp/n; ls /w; cat /w/f",
                      NULL, &r);
        /* whatever failed, the exec returned and its result can be freed */
        if (rc != 0 && rc != VOS_ENOMEM && rc != VOS_EMEMLIMIT && rc != VOS_ESYNTAX)
            test_fail(__FILE__, __LINE__, "N=%ld: exec: %s (%s)", n, vos_errname(rc),
                      vos_errmsg(vm));
        vos_result_free(&r);
        void *d = NULL;
        size_t len = 0;
        if (vos_read_file(vm, "/tmp/n", &d, &len) == 0) vos_free(d);
        /* the VM still answers once the one refusal is behind it (it may fall in one of
         * these execs, so one of two may fail) */
        bool answered = false;
        for (int i = 0; i < 2 && !answered; i++) {
            rc = vos_exec(vm, "echo ok", NULL, &r);
            answered = rc == 0 && strcmp(r.out, "ok\n") == 0;
            vos_result_free(&r);
        }
        if (!answered) test_fail(__FILE__, __LINE__, "N=%ld: the VM does not answer after the fault", n);
        vos_vm_free(vm);
    } else if (rc != VOS_ENOMEM) {
        test_fail(__FILE__, __LINE__, "N=%ld: vos_vm_new: %s", n, vos_errname(rc));
    } else if (vm) {
        test_fail(__FILE__, __LINE__, "N=%ld: a failed vos_vm_new handed out a VM", n);
    }
    long long left = atomic_load(&f.bytes);
    if (left != 0) test_fail(__FILE__, __LINE__, "N=%ld: %lld bytes leaked", n, left);
    return atomic_load(&f.failed) > 0;
}

TEST(fault_every_allocation_fails_once)
{
    const char *d = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/f", d);
    FILE *fp = fopen(path, "w");
    fputs("host file\n", fp);
    fclose(fp);
    long n = 1;
    int64_t t0 = test_now_ms();
    while (alloc_pass(n, d)) {
        n++;
        if (n > 200000) test_fail(__FILE__, __LINE__, "the workload never ends");
    }
    /* the loop went past every allocation the workload makes */
    ASSERT(n > 100);
    printf("fault: %ld allocations failed in turn\n", n - 1);
    (void)t0;
}

/* ---- the driver boundary: fail the Nth driver call ---- */
TEST(fault_every_driver_call_fails_once)
{
    const char *d = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/h", d);
    FILE *fp = fopen(path, "w");
    fputs("host\n", fp);
    fclose(fp);
    static const char *script =
        "mkdir -p /tmp/a/b && echo one > /tmp/a/b/f && cat /tmp/a/b/f && ls /tmp/a "
        "&& cp /tmp/a/b/f /h/copy && cat /h/h /h/copy && echo more >> /h/copy "
        "&& mv /h/copy /h/moved && rm /h/moved && rm -r /tmp/a && echo done";
    long n = 1;
    for (;; n++) {
        vos_vm *vm = test_vm_new();
        vos_mount_spec ms;
        vos_mount_spec_init(&ms);
        ms.kind = VOS_MOUNT_HOST_RW;
        ms.host_path = d;
        ASSERT_OK(vos_mount(vm, "/h", &ms));
        vk_vfs_fault(api_kvm(vm), n, VOS_EIO);
        vos_result r;
        vos_result_init(&r);
        int rc = test_exec(vm, script, &r);
        long left = atomic_load(&api_kvm(vm)->fault_nth);
        bool injected = left == 0;
        if (rc != 0)
            test_fail(__FILE__, __LINE__, "N=%ld: exec: %s %s", n, vos_errname(rc), r.err);
        if (!injected) {
            /* the whole script ran without reaching the Nth call: done */
            ASSERT_EQ(r.status, 0);
            ASSERT_STR(r.out, "one\nb\nhost\none\ndone\n");
            vos_result_free(&r);
            test_vm_free(vm);
            break;
        }
        /* a failure must say what failed, as the tools do */
        if (r.status != 0 && r.err_len == 0)
            test_fail(__FILE__, __LINE__, "N=%ld: failed (status %d) without a message", n,
                      r.status);
        vos_result_free(&r);
        vk_vfs_fault(api_kvm(vm), 0, 0);
        ASSERT_EXEC(vm, "echo ok; rm -rf /tmp/a /h/copy /h/moved", "ok\n", 0);
        test_vm_free(vm);
        if (n > 5000) test_fail(__FILE__, __LINE__, "the script never ends");
    }
    ASSERT(n > 20);
    printf("fault: %ld driver calls failed in turn\n", n - 1);
}
