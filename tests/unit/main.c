/* main.c: the unit-test runner behind test.h: a registry filled by TEST()'s constructors, a
 * run where each test is a forked child with its own timeout (a crash or a hang fails that test
 * and the run goes on), failures unwinding through longjmp inside the child, a counting
 * allocator that proves every VM gave back all its bytes, and host temp dirs cleaned after
 * each test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "kernel/escalate.h"

/* One test may hang (a kernel bug): its child is killed after this long (times the slowness
 * factor, at most 5x) and the run goes on. */
#ifndef TEST_TIMEOUT_S
#define TEST_TIMEOUT_S 120
#endif

typedef struct tcase {
    const char *name;
    const char *file;
    test_fn fn;
    size_t order; /* registration order, for a stable sort by file */
} tcase;

static tcase *g_tests;
static size_t g_ntests, g_captests;

/* State of the running test. */
static jmp_buf g_jb;
static bool g_in_test;
static pthread_t g_main_thread;
static const tcase *g_cur;
static char g_failmsg[4096];

static pthread_mutex_t g_vms_mu = PTHREAD_MUTEX_INITIALIZER; /* tests may make VMs on threads */
static vos_vm **g_vms; /* VMs the test created and has not freed */
static size_t g_nvms, g_capvms;
static char **g_tmpdirs;
static size_t g_ntmpdirs, g_captmpdirs;

/* The counting allocator: each block carries its size so a wrong osize from the kernel is
 * caught instead of silently skewing the count. */
typedef struct blkhdr {
    size_t size;
    size_t magic;
} blkhdr; /* 16 bytes: keeps the payload 16-byte aligned like malloc's */
#define BLK_MAGIC ((size_t)0x74657374626c6b31u)
static atomic_llong g_bytes;     /* bytes live now (over all the test's VMs) */
static atomic_llong g_bad_osize; /* calls whose osize did not match the block */
static atomic_llong g_bad_ptr;   /* frees/reallocs of a pointer this allocator never gave */

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    blkhdr *h = ptr ? (blkhdr *)ptr - 1 : NULL;
    if (h) {
        if (h->magic != BLK_MAGIC) {
            atomic_fetch_add(&g_bad_ptr, 1);
            return NULL; /* never hand a foreign pointer to free() */
        }
        if (h->size != osize) atomic_fetch_add(&g_bad_osize, 1);
    }
    if (nsize == 0) {
        if (h) {
            atomic_fetch_sub(&g_bytes, (long long)h->size);
            h->magic = 0;
            free(h);
        }
        return NULL;
    }
    if (nsize > SIZE_MAX - sizeof(blkhdr)) return NULL;
    size_t old = h ? h->size : 0;
    blkhdr *n = realloc(h, sizeof(blkhdr) + nsize);
    if (!n) return NULL;
    n->size = nsize;
    n->magic = BLK_MAGIC;
    atomic_fetch_add(&g_bytes, (long long)nsize - (long long)old);
    return n + 1;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "unit: out of memory\n");
        exit(2);
    }
    return q;
}

void test_register(const char *name, const char *file, test_fn fn)
{
    if (g_ntests == g_captests) {
        g_captests = g_captests ? g_captests * 2 : 64;
        g_tests = xrealloc(g_tests, g_captests * sizeof *g_tests);
    }
    g_tests[g_ntests] = (tcase){name, file, fn, g_ntests};
    g_ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[sizeof g_failmsg - 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!g_in_test || !pthread_equal(pthread_self(), g_main_thread)) {
        /* No frame to unwind to: a longjmp from another thread would corrupt the run. */
        fprintf(stderr, "%s:%d: %s: %s (failed outside the test's thread)\n", file, line,
                g_cur ? g_cur->name : "?", msg);
        abort();
    }
    snprintf(g_failmsg, sizeof g_failmsg, "%s:%d: %s", file, line, msg);
    longjmp(g_jb, 1);
}

vos_vm *test_vm_new_cfg(vos_config *cfg)
{
    cfg->alloc = count_alloc;
    cfg->alloc_ud = NULL;
    vos_vm *vm = NULL;
    int rc = vos_vm_new(cfg, &vm);
    if (rc != 0 || !vm)
        test_fail(__FILE__, __LINE__, "vos_vm_new: %d (%s)", rc, vos_errname(rc));
    pthread_mutex_lock(&g_vms_mu);
    if (g_nvms == g_capvms) {
        g_capvms = g_capvms ? g_capvms * 2 : 8;
        g_vms = xrealloc(g_vms, g_capvms * sizeof *g_vms);
    }
    g_vms[g_nvms++] = vm;
    pthread_mutex_unlock(&g_vms_mu);
    return vm;
}

vos_vm *test_vm_new(void)
{
    vos_config cfg;
    vos_config_init(&cfg);
    return test_vm_new_cfg(&cfg);
}

void test_vm_free(vos_vm *vm)
{
    pthread_mutex_lock(&g_vms_mu);
    for (size_t i = 0; i < g_nvms; i++) {
        if (g_vms[i] == vm) {
            g_vms[i] = g_vms[--g_nvms];
            break;
        }
    }
    pthread_mutex_unlock(&g_vms_mu);
    vos_vm_free(vm);
}

int test_exec(vos_vm *vm, const char *script, vos_result *res)
{
    return test_exec_limited(vm, script, 0, 0, res);
}

int test_exec_limited(vos_vm *vm, const char *script, uint64_t time_ms, uint64_t output_bytes,
                      vos_result *res)
{
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits o_lim;
    vos_limits_init(&o_lim);
    o.struct_size = sizeof o;
    o.limits = &o_lim;
    o_lim.time_ms = time_ms;
    o_lim.output_bytes = output_bytes;
    vos_result_init(res);
    return vos_exec(vm, script, &o, res);
}

typedef struct interrupter {
    vos_vm *vm;
    int first_ms;
    _Atomic int done;
} interrupter;

static void *interrupt_loop(void *arg)
{
    interrupter *it = arg;
    struct timespec first = {it->first_ms / 1000, (long)(it->first_ms % 1000) * 1000000},
                    next = {0, 10000000};
    nanosleep(&first, NULL);
    while (!atomic_load(&it->done)) {
        vos_interrupt(it->vm);
        nanosleep(&next, NULL);
    }
    return NULL;
}

int test_exec_interrupted(vos_vm *vm, const char *script, int first_ms, vos_result *res,
                          int64_t *dt_ms)
{
    interrupter it = {vm, first_ms, 0};
    pthread_t t;
    vos_result_init(res);
    if (pthread_create(&t, NULL, interrupt_loop, &it) != 0) return VOS_ENOMEM;
    int64_t t0 = test_now_ms();
    int rc = vos_exec(vm, script, NULL, res);
    if (dt_ms) *dt_ms = test_now_ms() - t0;
    atomic_store(&it.done, 1);
    pthread_join(t, NULL);
    return rc;
}

int64_t test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int test_listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT(listen(fd, 16) == 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

void test_poke_loopback(int port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    connect(c, (struct sockaddr *)&a, sizeof a);
    close(c);
}

const char *test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t n = strlen(base) + 32;
    char *path = xrealloc(NULL, n);
    snprintf(path, n, "%s/vos-unit-XXXXXX", base);
    if (!mkdtemp(path)) {
        int e = errno;
        free(path);
        test_fail(__FILE__, __LINE__, "mkdtemp in %s: %s", base, strerror(e));
    }
    if (g_ntmpdirs == g_captmpdirs) {
        g_captmpdirs = g_captmpdirs ? g_captmpdirs * 2 : 4;
        g_tmpdirs = xrealloc(g_tmpdirs, g_captmpdirs * sizeof *g_tmpdirs);
    }
    g_tmpdirs[g_ntmpdirs++] = path;
    return path;
}

/* Remove name (relative to dirfd) and everything under it. Directories a test made read-only
 * are opened up first, so a test's chmod cannot leave litter behind. */
static void rm_tree_at(int at, const char *name)
{
    if (unlinkat(at, name, 0) == 0 || errno == ENOENT) return;
    fchmodat(at, name, 0700, 0);
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                rm_tree_at(dirfd(d), e->d_name);
            }
            closedir(d);
        } else {
            close(fd);
        }
    }
    unlinkat(at, name, AT_REMOVEDIR);
}

/* After a test (passed or not): free the VMs it left, check the bytes, remove temp dirs.
 * Returns false (with g_failmsg set, unless already failed) when memory was not given back. */
static bool cleanup_test(bool failed)
{
    while (g_nvms > 0) vos_vm_free(g_vms[--g_nvms]);
    for (size_t i = 0; i < g_ntmpdirs; i++) {
        rm_tree_at(AT_FDCWD, g_tmpdirs[i]);
        free(g_tmpdirs[i]);
    }
    g_ntmpdirs = 0;

    long long left = atomic_exchange(&g_bytes, 0);
    long long bad_osize = atomic_exchange(&g_bad_osize, 0);
    long long bad_ptr = atomic_exchange(&g_bad_ptr, 0);
    if (failed) return false;
    if (left != 0) {
        snprintf(g_failmsg, sizeof g_failmsg,
                 "%s: %lld bytes leaked (allocated through the VM allocator, never freed)",
                 g_cur->file, left);
        return false;
    }
    if (bad_osize || bad_ptr) {
        snprintf(g_failmsg, sizeof g_failmsg,
                 "%s: allocator misuse: %lld calls with a wrong osize, %lld with a foreign "
                 "pointer",
                 g_cur->file, bad_osize, bad_ptr);
        return false;
    }
    return true;
}

static int g_passed, g_failed;

/* The setjmp lives in its own frame so main's locals cannot be clobbered by the longjmp. */
static bool run_body(const tcase *t)
{
    g_in_test = true;
    if (setjmp(g_jb) != 0) {
        g_in_test = false;
        return false;
    }
    t->fn();
    g_in_test = false;
    return true;
}

static int cmp_tests(const void *a, const void *b)
{
    const tcase *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- a test in a child process ----
 * Each test runs in its own forked child (the parent never runs test code and never makes a
 * thread, so the fork is safe): a crash or a hang fails that test only, and the run goes on.
 * The child's stdout and stderr (failure message, sanitizer reports) come back through a pipe
 * and are printed with the test's verdict. */
typedef struct job {
    const tcase *t;
    pid_t pid;
    int fd;           /* read end of the child's output */
    char *out;        /* what the child printed */
    size_t len, cap;
    int64_t deadline; /* ms, monotonic */
} job;

static int g_slow = 1;

int test_slow(void) { return g_slow; }

_Noreturn static void child_run(const tcase *t)
{
    g_cur = t;
    g_failmsg[0] = '\0';
    bool ok = run_body(t);
    ok = cleanup_test(!ok);
    if (!ok) printf("%s\n", g_failmsg);
    fflush(stdout);
    fflush(stderr);
    vk_escalate_process_end(); /* _exit runs no destructor */
    _exit(ok ? 0 : 1);
}

static bool job_start(job *j, const tcase *t, int timeout_s)
{
    int p[2];
    if (pipe(p) != 0) return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[1]);
        child_run(t);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    memset(j, 0, sizeof *j);
    j->t = t;
    j->pid = pid;
    j->fd = p[0];
    j->deadline = test_now_ms() + (int64_t)timeout_s * 1000;
    return true;
}

/* Read what is there; false at end of file. */
static bool job_read(job *j)
{
    for (;;) {
        if (j->len + 4096 > j->cap) {
            j->cap = j->cap ? j->cap * 2 : 8192;
            j->out = xrealloc(j->out, j->cap);
        }
        ssize_t r = read(j->fd, j->out + j->len, j->cap - j->len - 1);
        if (r > 0) {
            j->len += (size_t)r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        return false;
    }
}

static void job_finish(job *j, bool timed_out, int timeout_s, bool verbose)
{
    int st = 0;
    if (timed_out) kill(j->pid, SIGKILL);
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR) {
    }
    job_read(j);
    close(j->fd);
    if (j->out) j->out[j->len] = '\0';
    bool ok = !timed_out && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (ok) {
        g_passed++;
        if (verbose) printf("ok   %s\n", j->t->name);
        if (j->len) fputs(j->out, stdout); /* a passing test's own notes still show */
    } else {
        g_failed++;
        if (timed_out)
            printf("FAIL %s: %s: timed out after %d s (hung or far too slow; killed)\n",
                   j->t->name, j->t->file, timeout_s);
        else if (WIFSIGNALED(st))
            printf("FAIL %s: %s: died of signal %d (%s)\n", j->t->name, j->t->file,
                   WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            printf("FAIL %s: ", j->t->name);
        if (j->len) {
            fputs(j->out, stdout);
            if (j->out[j->len - 1] != '\n') putchar('\n');
        } else if (!timed_out && !WIFSIGNALED(st)) {
            printf("failed without a message (exit status %d)\n", WEXITSTATUS(st));
        }
    }
    fflush(stdout);
    free(j->out);
}

/* How much slower than a plain build on an idle machine this run is: the sanitizer's factor
 * times the load per CPU (1 to 8). Time bounds in tests are multiplied by it, so they still
 * catch a runaway but not a busy CI machine or the sanitizers' own overhead. VOS_TEST_SLOW
 * overrides it. */
static int measure_slow(void)
{
    const char *env = getenv("VOS_TEST_SLOW");
    if (env && atoi(env) > 0) return atoi(env);
    double load = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = 0;
        fclose(f);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    int factor = (int)(load / (double)ncpu + 0.999);
    if (factor < 1) factor = 1;
    if (factor > 8) factor = 8;
    return TEST_SAN_SLOW * factor;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: unit [--filter SUBSTR] [--list] [-v] [-j N] [--timeout S]\n"
               "Run the unit tests whose name (or file) contains SUBSTR, each in its own child\n"
               "process, N at a time (default 1); --list prints them.\n");
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    bool list = false, verbose = false;
    int jobs = 1, timeout_s = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
        } else if (strncmp(argv[i], "--filter=", 9) == 0) {
            filter = argv[i] + 9;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = true;
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc) {
            jobs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout_s = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "unit: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (jobs < 1) jobs = 1;
    if (jobs > 64) jobs = 64;

    if (g_ntests) qsort(g_tests, g_ntests, sizeof *g_tests, cmp_tests);
    g_main_thread = pthread_self();
    /* A test writing to a closed pipe must fail, not kill the run. */
    signal(SIGPIPE, SIG_IGN);
    g_slow = measure_slow();
    if (timeout_s <= 0) timeout_s = TEST_TIMEOUT_S * (g_slow < 5 ? g_slow : 5);

    job running[64];
    int nrun = 0;
    size_t next = 0;
    for (;;) {
        while (nrun < jobs && next < g_ntests) {
            const tcase *t = &g_tests[next++];
            if (filter && !strstr(t->name, filter) && !strstr(t->file, filter)) continue;
            if (list) {
                printf("%s (%s)\n", t->name, t->file);
                continue;
            }
            if (!job_start(&running[nrun], t, timeout_s)) {
                fprintf(stderr, "unit: cannot start %s: %s\n", t->name, strerror(errno));
                return 2;
            }
            nrun++;
        }
        if (nrun == 0) break;
        /* wait for output, an end, or the nearest deadline */
        struct pollfd pfd[64];
        int64_t now = test_now_ms(), wait = 1000;
        for (int i = 0; i < nrun; i++) {
            pfd[i].fd = running[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
            if (running[i].deadline - now < wait) wait = running[i].deadline - now;
        }
        if (wait < 0) wait = 0;
        if (nrun > 0) poll(pfd, (nfds_t)nrun, (int)wait);
        now = test_now_ms();
        for (int i = 0; i < nrun; i++) {
            bool eof = (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && !job_read(&running[i]);
            bool late = now >= running[i].deadline;
            if (!eof && !late) continue;
            job_finish(&running[i], !eof, timeout_s, verbose);
            running[i] = running[nrun - 1];
            pfd[i] = pfd[nrun - 1];
            nrun--;
            i--;
        }
    }
    if (list) return 0;
    printf("%d passed, %d failed\n", g_passed, g_failed);
    free(g_tests);
    free(g_vms);
    free(g_tmpdirs);
    return g_failed ? 1 : 0;
}
