/* kernel_floor.c: the kernel's ground floor under pressure: host file descriptors a VM may pin,
 * appends from many writers at once, a session that filled its memory, limits at the edge of
 * what the clock can count, handles used after they were freed or from the wrong place, and a
 * slow driver that must not stall the rest of the VM (the driver here is a minimal example of
 * vos_driver.h: a tree of one directory whose files read slowly). */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "example/slowfs.h"
#include "test.h"

#define ASSERT_HAS(hay, needle)                                                                    \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", \
                      n_);                                                                         \
    } while (0)

static vos_vm *vm_with(vos_limits *lim)
{
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.limits = lim;
    return test_vm_new_cfg(&cfg);
}

static void mount_host(vos_vm *vm, const char *at, const char *dir)
{
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, at, &ms));
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 65536; fd++)
        if (fcntl(fd, F_GETFD) >= 0) n++;
    return n;
}

/* A VM's open hostfs files hold host fds: its budget caps them, and whatever it does, the host
 * keeps fds for itself and another VM can still open files. */
TEST(floor_host_fd_budget)
{
    const char *d = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/f", d);
    FILE *f = fopen(p, "w");
    fputs("data\n", f);
    fclose(f);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.host_fds = 50;
    vos_vm *vm = vm_with(&lim);
    mount_host(vm, "/h", d);
    int before = open_fds();
    /* one process opens fds until the VM's budget says no */
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm,
                        "n=0; while exec {fd}</h/f; do n=$((n+1)); [ $n -ge 1000 ] && break; done "
                        "2>/dev/null; echo $n",
                        &r));
    int got = atoi(r.out);
    vos_result_free(&r);
    ASSERT(got >= 40 && got < 50); /* the mount's root holds one */
    ASSERT(open_fds() - before <= 50);
    /* the host still opens files, and another VM reads them */
    int hfd = open(p, O_RDONLY);
    ASSERT(hfd >= 0);
    close(hfd);
    vos_vm *other = test_vm_new();
    mount_host(other, "/h", d);
    ASSERT_EXEC(other, "cat /h/f", "data\n", 0);
    /* the message names the limit */
    ASSERT_OK(test_exec(vm, "cat /h/f", &r));
    ASSERT_EQ(r.status, 1);
    ASSERT_HAS(r.err, "Too many open files");
    vos_result_free(&r);
    test_vm_free(vm);
    ASSERT(open_fds() <= before);
}

/* Many VM processes at once cannot take the host's fds either: the library keeps a share of
 * RLIMIT_NOFILE for the host whatever the VMs' budgets say. */
TEST(floor_host_fds_library_share)
{
    struct rlimit rl;
    ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
    const char *d = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/f", d);
    FILE *f = fopen(p, "w");
    fputs("x\n", f);
    fclose(f);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.host_fds = UINT64_MAX;      /* no per-VM budget: only the library's share */
    lim.open_files = 1u << 16;
    vos_vm *vm = vm_with(&lim);
    mount_host(vm, "/h", d);
    vos_result r;
    vos_result_init(&r);
    char script[256];
    snprintf(script, sizeof script,
             "n=0; while exec {fd}</h/f; do n=$((n+1)); [ $n -ge %llu ] && break; done "
             "2>/dev/null; echo $n",
             (unsigned long long)rl.rlim_cur + 10);
    ASSERT_OK(test_exec_limited(vm, script, 120000 * TEST_SLOW, 0, &r));
    long got = atol(r.out);
    vos_result_free(&r);
    ASSERT(got > 0 && (rlim_t)got < rl.rlim_cur);
    /* the host still has fds to spare */
    int fds[16];
    for (int i = 0; i < 16; i++) ASSERT((fds[i] = open(p, O_RDONLY)) >= 0);
    for (int i = 0; i < 16; i++) close(fds[i]);
    vos_vm *other = test_vm_new();
    ASSERT_EXEC(other, "echo ok > /tmp/x; cat /tmp/x", "ok\n", 0);
}

/* O_APPEND on a host directory is the host's own: concurrent appenders lose nothing. */
typedef struct appender {
    vos_vm *vm;
    int rc, status;
} appender;

static void *append_many(void *arg)
{
    appender *a = arg;
    vos_result r;
    vos_result_init(&r);
    a->rc = test_exec_limited(a->vm, "for i in $(seq 3000); do echo line $i >> /w/log; done", 120000 * TEST_SLOW, 0, &r);
    a->status = r.status;
    vos_result_free(&r);
    return NULL;
}

TEST(floor_append_is_atomic_on_hostfs)
{
    const char *d = test_tmpdir();
    appender a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i].vm = test_vm_new();
        mount_host(a[i].vm, "/w", d);
    }
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, append_many, &a[i]);
    /* and a host process appends at the same time */
    char p[4096];
    snprintf(p, sizeof p, "%s/log", d);
    for (int i = 0; i < 1000; i++) {
        int fd = open(p, O_WRONLY | O_APPEND | O_CREAT, 0644);
        ASSERT(fd >= 0);
        ASSERT_EQ(write(fd, "host\n", 5), 5);
        close(fd);
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        ASSERT_OK(a[i].rc);
        ASSERT_EQ(a[i].status, 0);
    }
    ASSERT_EXEC(a[0].vm, "wc -l < /w/log", "13000\n", 0);
    /* and within one VM, on memfs, background appenders too */
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm,
                "for j in 1 2 3 4; do (for i in $(seq 500); do echo $j.$i >> /tmp/log; done) & "
                "done; wait; wc -l < /tmp/log",
                "2000\n", 0);
}

/* A session that filled its memory with state: the exec that hit the limit ends, and the next
 * ones still run (a reserve is kept for them), so the state can be freed. */
TEST(floor_full_session_stays_usable)
{
    vos_limits lim;
    vos_limits_init(&lim);
    lim.mem_bytes = 64u << 20;
    vos_vm *vm = vm_with(&lim);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec_limited(vm,
                               "for ((i=0;;i++)); do eval v$i=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done",
                               120000 * TEST_SLOW, 0, &r);
    ASSERT_RC(rc, VOS_EMEMLIMIT);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
    ASSERT_EXEC(vm, "echo $v10", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 0);
    ASSERT_EXEC(vm, "for ((i=0;i<2000000;i++)); do [[ -v v$i ]] || break; unset v$i; done; echo freed",
                "freed\n", 0);
    ASSERT_EXEC(vm, "x=$(seq 1000 | wc -l); echo $x", "1000\n", 0);
    /* functions, too; and a reset gives it all back at once */
    rc = test_exec_limited(vm, "for ((i=0;;i++)); do eval \"f$i() { echo $i; }\"; done",
                           120000 * TEST_SLOW, 0, &r);
    ASSERT_RC(rc, VOS_EMEMLIMIT);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo still", "still\n", 0);
    size_t full = vos_vm_mem_used(vm);
    ASSERT_OK(vos_session_reset(vm));
    ASSERT(vos_vm_mem_used(vm) < full / 4);
    ASSERT_EXEC(vm, "type f1 >/dev/null 2>&1 || echo gone; pwd", "gone\n/home/agent\n", 0);
}

/* Limits at the edge: a time limit the clock cannot count is no limit, and a busy loop that
 * makes each step slower still stops near its limit. */
TEST(floor_time_limits_do_not_overflow)
{
    vos_vm *vm = test_vm_new();
    uint64_t huge[] = {1ull << 44, 1ull << 50, (1ull << 63) - 1, UINT64_MAX - 1};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        vos_result r;
        vos_result_init(&r);
        ASSERT_OK(test_exec_limited(vm, "echo fine", huge[i], 0, &r));
        ASSERT_STR(r.out, "fine\n");
        vos_result_free(&r);
    }
    vos_limits lim;
    vos_limits_init(&lim);
    lim.time_ms = 1ull << 45;
    vos_vm *vm2 = vm_with(&lim);
    ASSERT_EXEC(vm2, "echo fine", "fine\n", 0);
    /* x doubles each step until the expansion limit: steps get slow, the deadline holds */
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, "x=1; while :; do x=$x$x; done", 1000, 0, &r);
    int64_t took = test_now_ms() - t0;
    ASSERT(rc == VOS_ETIME || rc == VOS_EEXPAND || rc == VOS_EMEMLIMIT);
    vos_result_free(&r);
    ASSERT(took < 1000 + 500 * TEST_SLOW);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(floor_config_errors)
{
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.n_path_rules = 3;
    cfg.path_rules = NULL;
    vos_vm *vm = NULL;
    ASSERT_RC(vos_vm_new(&cfg, &vm), VOS_EINVAL);
    ASSERT(vm == NULL);
    vos_path_rule bad[] = {{NULL, VOS_ACCESS_READ}};
    cfg.path_rules = bad;
    cfg.n_path_rules = 1;
    ASSERT_RC(vos_vm_new(&cfg, &vm), VOS_EINVAL);
    vos_path_rule rel[] = {{"relative", VOS_ACCESS_READ}};
    cfg.path_rules = rel;
    ASSERT_RC(vos_vm_new(&cfg, &vm), VOS_EINVAL);
    /* a hostname past Linux's 64 bytes (a jail could not take it) */
    vos_config_init(&cfg);
    char host[66];
    memset(host, 'h', 65);
    host[65] = 0;
    cfg.hostname = host;
    ASSERT_RC(vos_vm_new(&cfg, &vm), VOS_EINVAL);
    host[64] = 0;
    ASSERT_RC(vos_vm_new(&cfg, &vm), 0);
    ASSERT_EXEC(vm, "hostname | wc -c", "65\n", 0);
    vos_vm_free(vm);
}

/* ---- handles ---- */
typedef struct freer {
    vos_vm *vm;
    atomic_int started;
    int rc;
} freer;

static void note_started(void *ud, const void *data, size_t len)
{
    (void)data;
    (void)len;
    atomic_store(&((freer *)ud)->started, 1);
}

static void *exec_long(void *arg)
{
    freer *f = arg;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.on_stdout = note_started;
    o.ud = f;
    vos_result r;
    vos_result_init(&r);
    f->rc = vos_exec(f->vm, "echo go; sleep 100", &o, &r);
    vos_result_free(&r);
    return NULL;
}

static void free_in_callback(void *ud, const void *data, size_t len)
{
    (void)data;
    (void)len;
    vos_vm_free(ud);
}

TEST(floor_handles_after_free)
{
    /* not through test_vm_new: these VMs are freed by the test, in odd ways */
    vos_vm *vm = NULL;
    ASSERT_OK(vos_vm_new(NULL, &vm));
    vos_vm_free(vm);
    vos_vm_free(vm); /* twice: ignored */
    vos_result r;
    vos_result_init(&r);
    ASSERT_RC(vos_exec(vm, "echo x", NULL, &r), VOS_EMISUSE);
    ASSERT_RC(vos_write_file(vm, "/tmp/x", "x", 1, 0), VOS_EMISUSE);
    vos_interrupt(vm);
    ASSERT_EQ(vos_vm_mem_used(vm), 0);
    int local;
    ASSERT_RC(vos_exec((vos_vm *)&local, "echo x", NULL, &r), VOS_EMISUSE);

    /* freed from another thread during an exec: the exec is interrupted, then the VM goes */
    freer f = {0};
    ASSERT_OK(vos_vm_new(NULL, &f.vm));
    pthread_t t;
    pthread_create(&t, NULL, exec_long, &f);
    for (int i = 0; i < 5000 && !atomic_load(&f.started); i++) usleep(1000);
    ASSERT(atomic_load(&f.started));
    int64_t t0 = test_now_ms();
    vos_vm_free(f.vm);
    pthread_join(t, NULL);
    ASSERT(test_now_ms() - t0 < 5000 * TEST_SLOW);
    ASSERT_RC(f.rc, VOS_EINTERRUPTED);
    ASSERT_RC(vos_exec(f.vm, "echo x", NULL, &r), VOS_EMISUSE);

    /* freed inside its own output callback: the exec ends, then the VM is freed */
    vos_vm *v2 = NULL;
    ASSERT_OK(vos_vm_new(NULL, &v2));
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.on_stdout = free_in_callback;
    o.ud = v2;
    int rc = vos_exec(v2, "echo bye; sleep 100; echo never", &o, &r);
    ASSERT_RC(rc, VOS_EINTERRUPTED);
    vos_result_free(&r);
    ASSERT_RC(vos_exec(v2, "echo x", NULL, &r), VOS_EMISUSE);

    /* a process handle outliving its VM */
    vos_vm *v3 = NULL;
    ASSERT_OK(vos_vm_new(NULL, &v3));
    vos_proc *p = NULL;
    ASSERT_OK(vos_spawn(v3, "sleep 100", NULL, &p));
    vos_vm_free(v3);
    ASSERT_RC(vos_proc_wait(p, 0), VOS_EMISUSE);
    ASSERT_RC(vos_proc_kill(p, VOS_SIGTERM), VOS_EMISUSE);
    vos_proc_free(p);
    vos_proc_free(p); /* twice: ignored */
}

static void mount_slow(vos_vm *vm, int64_t *delay)
{
    int rc = vos_driver_register(&slowfs_driver);
    ASSERT(rc == 0 || rc == VOS_EEXIST);
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.driver = "slowfs";
    ms.arg = delay;
    ASSERT_OK(vos_mount(vm, "/slow", &ms));
}

TEST(floor_driver_registry)
{
    ASSERT_RC(vos_driver_register(NULL), VOS_EINVAL);
    vos_driver bad = slowfs_driver;
    bad.version = 99;
    ASSERT_RC(vos_driver_register(&bad), VOS_EINVAL);
    bad = slowfs_driver;
    bad.name = "memfs";
    ASSERT_RC(vos_driver_register(&bad), VOS_EEXIST);
    vos_vm *vm = test_vm_new();
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.driver = "no-such-driver";
    ASSERT_RC(vos_mount(vm, "/x", &ms), VOS_EINVAL);
    ASSERT_HAS(vos_errmsg(vm), "no-such-driver");
    int64_t fast = 0;
    mount_slow(vm, &fast);
    ASSERT_EXEC(vm, "ls /slow; cat /slow/slow", "slow\nslow\n", 0);
    void *mounts = NULL;
    size_t mlen = 0;
    ASSERT_OK(vos_read_file(vm, "/proc/mounts", &mounts, &mlen));
    ASSERT_HAS((char *)mounts, "slowfs /slow slowfs ro 0 0\n");
    vos_free(mounts);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "echo x > /slow/new", &r));
    ASSERT_HAS(r.err, "Read-only file system");
    vos_result_free(&r);
}

/* A process inside a slow driver call stalls nobody else in its VM, and an interrupt or the
 * deadline ends the call at once. */
TEST(floor_slow_driver_does_not_stall_the_vm)
{
    vos_vm *vm = test_vm_new();
    int64_t delay = 300000000; /* 300 ms per read */
    mount_slow(vm, &delay);
    vos_result r;
    vos_result_init(&r);
    /* a background reader sits in the driver; the pipeline beside it runs at full speed */
    int64_t t0 = test_now_ms();
    ASSERT_OK(test_exec(vm,
                        "(for i in 1 2 3 4 5 6; do cat /slow/slow >/dev/null; done) & "
                        "seq 200000 | tail -n 1; wait",
                        &r));
    ASSERT_STR(r.out, "200000\n");
    int64_t took = test_now_ms() - t0;
    vos_result_free(&r);
    ASSERT(took >= 6 * 300 * 2 - 100); /* the reads did take their time... */
    /* ...and the pipeline alone: far less than the slow reads */
    t0 = test_now_ms();
    ASSERT_OK(test_exec(vm, "(cat /slow/slow; cat /slow/slow) >/dev/null & seq 200000 | tail -n 1", &r));
    int64_t pipe_ms = test_now_ms() - t0;
    ASSERT_STR(r.out, "200000\n");
    vos_result_free(&r);
    ASSERT(pipe_ms < 500 * TEST_SLOW);
    /* the deadline ends a driver call that sleeps */
    delay = 60ll * 1000000000;
    t0 = test_now_ms();
    ASSERT_RC(test_exec_limited(vm, "cat /slow/slow", 300, 0, &r), VOS_ETIME);
    vos_result_free(&r);
    ASSERT(test_now_ms() - t0 < 300 + 1000 * TEST_SLOW);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}
