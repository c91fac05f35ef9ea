/* runner.c: the spec/cmd case runner. Reads *.test files (format: tests/README.md), runs each
 * case under /bin/bash (a child process in a fresh temp dir) and under vos (a fresh VM, in
 * this process, through the public API only), and checks both against the expectations.
 * It does not judge which side is right: a case passes only when both sides match. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

/* A case's time: 10 s, times a sanitizer's slowdown and the machine's load per CPU when the
 * run starts (a busy 2-core CI machine must not fail a case for being slow); VOS_TEST_SLOW=N
 * sets the factor. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SAN_SLOW 3
#else
#define SAN_SLOW 1
#endif
static int64_t g_case_ms = 10000;
#define CASE_TIMEOUT_MS g_case_ms

static void measure_case_time(void)
{
    const char *env = getenv("VOS_TEST_SLOW");
    int factor = env && atoi(env) > 0 ? atoi(env) : 0;
    if (!factor) {
        double load = 0;
        FILE *f = fopen("/proc/loadavg", "r");
        if (f) {
            if (fscanf(f, "%lf", &load) != 1) load = 0;
            fclose(f);
        }
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu < 1) ncpu = 1;
        factor = (int)(load / (double)ncpu + 0.999);
        if (factor < 1) factor = 1;
        if (factor > 4) factor = 4;
        factor *= SAN_SLOW;
    }
    g_case_ms = 10000 * (int64_t)factor;
}
/* Grace before the watchdog interrupts a VM whose own time limit did not end the exec. */
#define VOS_GRACE_MS 3000
#define DIFF_MAX_LINES 40

extern char **environ;

/* ---- small helpers ---- */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void die_oom(void)
{
    fputs("vos-runner: out of memory\n", stderr);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die_oom();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void buf_add(buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) die_oom();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_adds(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the case file format ---- */

typedef struct sect {
    bool set;
    char *data;
    size_t len;
} sect;

typedef struct tcase {
    char *file;
    int line;
    char *name;
    char *script;
    sect in, out, err, status, vout, verr, vstatus;
    bool skip_bash;
    bool as_sh; /* "--- sh": bash run as sh (posix mode) against vos's sh */
    int want_status, want_vstatus;
    char *error; /* a format error: the case fails with this message, nothing runs */
} tcase;

static tcase *g_cases;
static size_t g_ncases, g_capcases;

static tcase *new_case(const char *file, int line, const char *name, size_t namelen)
{
    if (g_ncases == g_capcases) {
        g_capcases = g_capcases ? g_capcases * 2 : 256;
        tcase *c = realloc(g_cases, g_capcases * sizeof *c);
        if (!c) die_oom();
        g_cases = c;
    }
    tcase *c = &g_cases[g_ncases++];
    memset(c, 0, sizeof *c);
    c->file = xstrndup(file, strlen(file));
    c->line = line;
    c->name = xstrndup(name, namelen);
    return c;
}

__attribute__((format(printf, 2, 3))) static void case_error(tcase *c, const char *fmt, ...)
{
    if (c->error) return; /* the first problem is the one to fix */
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    c->error = xstrndup(tmp, strlen(tmp));
}

static const struct {
    const char *name;
    size_t off;
} g_sections[] = {
    {"stdin", offsetof(tcase, in)},        {"stdout", offsetof(tcase, out)},
    {"stderr", offsetof(tcase, err)},      {"status", offsetof(tcase, status)},
    {"vos-stdout", offsetof(tcase, vout)}, {"vos-stderr", offsetof(tcase, verr)},
    {"vos-status", offsetof(tcase, vstatus)}, {"skip-bash", 0}, {"sh", 0},
};

/* A marker is exactly "--- NAME" or "--- NAME -n" with a known NAME, so text such as diff's
 * "--- a.txt" header inside an expected output stays text. Returns the section index or -1. */
static int parse_marker(const char *s, size_t n, bool *strip_nl)
{
    if (n < 4 || memcmp(s, "--- ", 4) != 0) return -1;
    s += 4;
    n -= 4;
    *strip_nl = false;
    if (n > 3 && memcmp(s + n - 3, " -n", 3) == 0) {
        *strip_nl = true;
        n -= 3;
    }
    for (size_t i = 0; i < sizeof g_sections / sizeof g_sections[0]; i++)
        if (strlen(g_sections[i].name) == n && memcmp(g_sections[i].name, s, n) == 0)
            return (int)i;
    return -1;
}

static bool parse_status(tcase *c, const sect *s, const char *what, int *out)
{
    char tmp[32];
    size_t n = s->len;
    const char *p = s->data ? s->data : "";
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    while (n > 0 && (*p == ' ' || *p == '\t')) p++, n--;
    if (n == 0 || n >= sizeof tmp) {
        case_error(c, "--- %s: want a number 0-255", what);
        return false;
    }
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    char *end;
    long v = strtol(tmp, &end, 10);
    if (*end || v < 0 || v > 255) {
        case_error(c, "--- %s: '%s' is not a number 0-255", what, tmp);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Check what a whole case must satisfy once all its lines are read. */
static void finish_case(tcase *c, buf *script, bool has_differs, bool has_vos_only)
{
    c->script = script->data ? script->data : xstrndup("", 0);
    *script = (buf){0};
    c->want_status = 0;
    if (c->status.set) parse_status(c, &c->status, "status", &c->want_status);
    c->want_vstatus = c->want_status;
    if (c->vstatus.set) parse_status(c, &c->vstatus, "vos-status", &c->want_vstatus);
    bool vos_diff = c->vout.set || c->verr.set || c->vstatus.set;
    if (vos_diff && !has_differs)
        case_error(c, "vos-* sections need a '# differs: why' line right after the === line");
    if (c->skip_bash && !has_vos_only)
        case_error(c, "skip-bash needs a '# vos only: why' line right after the === line");
}

static void parse_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tcase *c = new_case(path, 0, "(file)", 6);
        case_error(c, "cannot read: %s", strerror(errno));
        return;
    }
    buf text = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&text, chunk, n);
    fclose(f);

    tcase *c = NULL;
    buf script = {0};
    sect *cur = NULL;          /* the section lines go to; NULL: the script (or the preamble) */
    bool cur_strip = false;
    bool after_skip = false;   /* right after "--- skip-bash" or "--- sh" */
    bool in_header = false;    /* right after ===: "# differs" / "# vos only" lines */
    bool has_differs = false, has_vos_only = false;
    int lineno = 0;
    size_t pos = 0;
    buf sectbuf = {0};

/* Close the section being filled: its text, with the final newline dropped for " -n". */
#define CLOSE_SECTION()                                                                            \
    do {                                                                                           \
        if (cur) {                                                                                 \
            cur->data = sectbuf.data ? sectbuf.data : xstrndup("", 0);                             \
            cur->len = sectbuf.len;                                                                \
            if (cur_strip && cur->len > 0 && cur->data[cur->len - 1] == '\n')                      \
                cur->data[--cur->len] = '\0';                                                      \
            sectbuf = (buf){0};                                                                    \
        }                                                                                          \
    } while (0)

    while (pos < text.len) {
        const char *line = text.data + pos;
        const char *nl = memchr(line, '\n', text.len - pos);
        size_t linelen = nl ? (size_t)(nl - line) + 1 : text.len - pos; /* with its newline */
        size_t bare = nl ? linelen - 1 : linelen;
        pos += linelen;
        lineno++;

        if (bare >= 4 && memcmp(line, "=== ", 4) == 0) {
            if (c) {
                CLOSE_SECTION();
                finish_case(c, &script, has_differs, has_vos_only);
            }
            size_t nlen = bare - 4;
            if (nlen > 0 && line[4 + nlen - 1] == '\r') nlen--;
            c = new_case(path, lineno, line + 4, nlen);
            cur = NULL;
            after_skip = false;
            in_header = true;
            has_differs = has_vos_only = false;
            continue;
        }
        if (!c) continue; /* free comments before the first case */

        bool strip;
        int si = parse_marker(line, bare, &strip);
        if (si >= 0) {
            CLOSE_SECTION();
            in_header = false;
            after_skip = false;
            if (strcmp(g_sections[si].name, "skip-bash") == 0 ||
                strcmp(g_sections[si].name, "sh") == 0) {
                if (g_sections[si].name[0] == 's' && g_sections[si].name[1] == 'h')
                    c->as_sh = true;
                else
                    c->skip_bash = true;
                after_skip = true;
                cur = NULL;
                continue;
            }
            sect *s = (sect *)((char *)c + g_sections[si].off);
            if (s->set) case_error(c, "line %d: section '%s' given twice", lineno,
                                   g_sections[si].name);
            s->set = true;
            cur = s;
            cur_strip = strip;
            continue;
        }
        if (in_header && (strncmp(line, "# differs", 9) == 0 ||
                          strncmp(line, "# vos only", 10) == 0)) {
            if (line[2] == 'd') has_differs = true;
            else has_vos_only = true;
            continue;
        }
        in_header = false;
        if (cur) {
            buf_add(&sectbuf, line, linelen);
        } else if (after_skip) {
            /* "--- skip-bash" / "--- sh" have no text: what follows would silently vanish */
            if (bare > 0) case_error(c, "line %d: text after a --- skip-bash/sh marker", lineno);
        } else {
            buf_add(&script, line, linelen);
        }
    }
    if (c) {
        CLOSE_SECTION();
        finish_case(c, &script, has_differs, has_vos_only);
    }
#undef CLOSE_SECTION
    free(script.data);
    free(sectbuf.data);
    free(text.data);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect *.test files under path (sorted, so the order of cases is stable). */
static int collect(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "vos-runner: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        parse_file(path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "vos-runner: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) die_oom();
            names = nn;
        }
        names[n++] = xstrndup(e->d_name, strlen(e->d_name));
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(path) + strlen(names[i]) + 2;
        char *full = xmalloc(plen);
        snprintf(full, plen, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        struct stat cst;
        if (stat(full, &cst) == 0) {
            size_t l = strlen(names[i]);
            if (S_ISDIR(cst.st_mode)) {
                if (collect(full) != 0) rc = -1;
            } else if (l > 5 && strcmp(names[i] + l - 5, ".test") == 0) {
                parse_file(full);
            }
        }
        free(full);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- running a side ---- */

typedef struct side {
    bool ran;
    char *out, *err;
    size_t out_len, err_len;
    int status;
    char note[160]; /* "timed out", "vos_exec: ETIME"... */
} side;

static void side_free(side *s)
{
    free(s->out);
    free(s->err);
    memset(s, 0, sizeof *s);
}

/* Remove a tree the script may have left (read-only dirs included). */
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

static void drain_fd(int fd, buf *b, bool *open_)
{
    char tmp[65536];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r > 0) {
            buf_add(b, tmp, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) *open_ = false;
        return; /* EAGAIN: nothing more now */
    }
}

/* Run `bash -c SCRIPT bash` (for a "--- sh" case: bash run as `sh -c SCRIPT sh`) in dir with the environment env -i would leave plus PATH, HOME,
 * LC_ALL, TZ. The child gets its own process group so a timeout kills what it started too. */
static void run_bash(const tcase *c, const char *dir, side *s)
{
    s->ran = true;
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, in = -1;
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        snprintf(s->note, sizeof s->note, "pipe: %s", strerror(errno));
        s->status = -1;
        goto out;
    }
    /* stdin is a regular file (seekable, as `bash -c ... <file` has it); without a stdin
     * section it is /dev/null, as vos_exec gives when it has no stdin data */
    in = c->in.set ? memfd_create("stdin", MFD_CLOEXEC) : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(s->note, sizeof s->note, "stdin: %s", strerror(errno));
        s->status = -1;
        goto out;
    }
    if (c->in.set) {
        size_t off = 0;
        while (off < c->in.len) {
            ssize_t w = write(in, c->in.data + off, c->in.len - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                break;
            }
            off += (size_t)w;
        }
        lseek(in, 0, SEEK_SET);
    }

    size_t hl = strlen(dir) + 6;
    char *home = xmalloc(hl);
    snprintf(home, hl, "HOME=%s", dir);
    char *envp[] = {"PATH=/usr/bin:/bin", home, "LC_ALL=C", "TZ=UTC", NULL};
    char *name = c->as_sh ? "sh" : "bash";
    char *argv[] = {name, "-c", c->script, name, NULL};

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all); /* the runner ignores SIGPIPE; bash must not */
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/bash", &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(home);
    close(po[1]);
    close(pe[1]);
    po[1] = pe[1] = -1;
    if (rc != 0) {
        snprintf(s->note, sizeof s->note, "spawn /bin/bash: %s", strerror(rc));
        s->status = -1;
        goto out;
    }
    fcntl(po[0], F_SETFL, O_NONBLOCK);
    fcntl(pe[0], F_SETFL, O_NONBLOCK);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    buf ob = {0}, eb = {0};
    bool oopen = true, eopen = true, exited = false, timed_out = false;
    int64_t deadline = now_ms() + CASE_TIMEOUT_MS;
    while (!exited) {
        struct pollfd pf[3];
        int np = 0;
        if (oopen) pf[np++] = (struct pollfd){.fd = po[0], .events = POLLIN};
        if (eopen) pf[np++] = (struct pollfd){.fd = pe[0], .events = POLLIN};
        if (pidfd >= 0) pf[np++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        /* Without a pidfd, poll the child's state every few milliseconds. */
        int wait = pidfd >= 0 ? (int)left : (left < 5 ? (int)left : 5);
        int pr = poll(pf, (nfds_t)np, wait);
        if (pr < 0 && errno != EINTR) break;
        if (oopen) drain_fd(po[0], &ob, &oopen);
        if (eopen) drain_fd(pe[0], &eb, &eopen);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* WNOWAIT: the zombie keeps its pid (and group id) reserved until the group is killed */
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
            exited = true;
    }
    /* Background jobs the script left may still hold the pipes: take what is there, then end
     * the whole group. */
    if (oopen) drain_fd(po[0], &ob, &oopen);
    if (eopen) drain_fd(pe[0], &eb, &eopen);
    kill(-pid, SIGKILL);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) close(pidfd);
    if (timed_out) {
        snprintf(s->note, sizeof s->note, "bash timed out after %d s (killed)",
                 (int)(CASE_TIMEOUT_MS / 1000));
        s->status = -1;
    } else if (WIFEXITED(wst)) {
        s->status = WEXITSTATUS(wst);
    } else if (WIFSIGNALED(wst)) {
        s->status = 128 + WTERMSIG(wst);
    }
    s->out = ob.data ? ob.data : xstrndup("", 0);
    s->out_len = ob.len;
    s->err = eb.data ? eb.data : xstrndup("", 0);
    s->err_len = eb.len;
out:
    if (po[0] >= 0) close(po[0]);
    if (pe[0] >= 0) close(pe[0]);
    if (po[1] >= 0) close(po[1]);
    if (pe[1] >= 0) close(pe[1]);
    if (in >= 0) close(in);
    if (!s->out) s->out = xstrndup("", 0);
    if (!s->err) s->err = xstrndup("", 0);
}

/* The watchdog: each worker publishes the VM it runs and when it must be done. A VM whose own
 * time limit failed to end the exec is interrupted, so one kernel bug cannot hang the suite. */
typedef struct slot {
    pthread_mutex_t mu;
    vos_vm *vm;
    int64_t deadline;
    bool fired;
    const tcase *cur; /* for the crash handler */
} slot;

#define MAX_WORKERS 16
static slot g_slots[MAX_WORKERS];
static int g_nworkers = 2;
static atomic_bool g_done;

static void *watchdog(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_done)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        int64_t t = now_ms();
        for (int i = 0; i < g_nworkers; i++) {
            pthread_mutex_lock(&g_slots[i].mu);
            if (g_slots[i].vm && !g_slots[i].fired && t > g_slots[i].deadline) {
                vos_interrupt(g_slots[i].vm);
                g_slots[i].fired = true;
            }
            pthread_mutex_unlock(&g_slots[i].mu);
        }
    }
    return NULL;
}

/* Every case's VM runs on a counting allocator: what it allocated must all be back once the
 * VM is freed, or the case fails (a leak in any command or in the shell shows up here). */
static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    _Atomic long long *live = ud;
    if (nsize == 0) {
        if (ptr) atomic_fetch_sub(live, (long long)osize);
        free(ptr);
        return NULL;
    }
    void *q = realloc(ptr, nsize);
    if (q) atomic_fetch_add(live, (long long)nsize - (long long)(ptr ? osize : 0));
    return q;
}

static void run_vos(const tcase *c, const char *dir, side *s, slot *sl)
{
    s->ran = true;
    vos_vm *vm = NULL;
    _Atomic long long live = 0;
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.alloc = count_alloc;
    cfg.alloc_ud = (void *)&live;
    int rc = vos_vm_new(&cfg, &vm);
    if (rc != 0) {
        snprintf(s->note, sizeof s->note, "vos_vm_new: %s", vos_errname(rc));
        s->status = -1;
        s->out = xstrndup("", 0);
        s->err = xstrndup("", 0);
        return;
    }
    rc = vos_mkdir(vm, dir, 0755, 1);
    if (rc != 0)
        snprintf(s->note, sizeof s->note, "vos_mkdir %s: %s", dir, vos_errname(rc));

    vos_env_var env[] = {{"PATH", "/usr/bin:/bin"}, {"HOME", dir}, {"LC_ALL", "C"}, {"TZ", "UTC"}};
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits o_lim;
    vos_limits_init(&o_lim);
    o.struct_size = sizeof o;
    o.limits = &o_lim;
    o.stdin_data = c->in.set ? c->in.data : NULL;
    o.stdin_len = c->in.set ? c->in.len : 0;
    o.env = env;
    o.n_env = sizeof env / sizeof env[0];
    o.cwd = dir;
    o.argv0 = "bash";
    /* "--- sh": the script is run by vos's `sh` program (bash run as sh: posix mode), which
     * the session shell execs with the script as its argument */
    const char *sh_args[] = {c->script, NULL};
    if (c->as_sh) o.args = sh_args;
    o_lim.time_ms = CASE_TIMEOUT_MS;

    pthread_mutex_lock(&sl->mu);
    sl->vm = vm;
    sl->deadline = now_ms() + CASE_TIMEOUT_MS + VOS_GRACE_MS;
    sl->fired = false;
    pthread_mutex_unlock(&sl->mu);

    vos_result res;

    vos_result_init(&res);
    vos_result_init(&res);
    rc = vos_exec(vm, c->as_sh ? "exec sh -c \"$1\" sh" : c->script, &o, &res);

    pthread_mutex_lock(&sl->mu);
    bool fired = sl->fired;
    sl->vm = NULL;
    pthread_mutex_unlock(&sl->mu);

    if (fired) {
        snprintf(s->note, sizeof s->note,
                 "vos ignored its %d s time limit; the runner interrupted it",
                 (int)(CASE_TIMEOUT_MS / 1000));
    } else if (rc != 0 && rc != VOS_ESYNTAX && !s->note[0]) {
        snprintf(s->note, sizeof s->note, "vos_exec returned %s (%s)", vos_errname(rc),
                 vos_strerror(rc));
    }
    s->out = xstrndup(res.out ? res.out : "", res.out ? res.out_len : 0);
    s->out_len = res.out ? res.out_len : 0;
    s->err = xstrndup(res.err ? res.err : "", res.err ? res.err_len : 0);
    s->err_len = res.err ? res.err_len : 0;
    s->status = res.status;
    vos_result_free(&res);
    vos_vm_free(vm);
    if (atomic_load(&live) != 0) {
        snprintf(s->note, sizeof s->note, "the VM leaked %lld bytes", (long long)atomic_load(&live));
        s->status = -1;
    }
}

/* ---- comparing and reporting ---- */

typedef struct line {
    const char *p;
    size_t n; /* without the newline */
    bool nl;  /* ends with a newline */
} line;

static size_t split_lines(const char *s, size_t len, line **out)
{
    size_t n = 0, cap = 16;
    line *v = xmalloc(cap * sizeof *v);
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - (s + pos)) : len - pos;
        if (n == cap) {
            cap *= 2;
            line *nv = realloc(v, cap * sizeof *nv);
            if (!nv) die_oom();
            v = nv;
        }
        v[n++] = (line){s + pos, l, nl != NULL};
        pos += l + (nl ? 1 : 0);
    }
    *out = v;
    return n;
}

static bool line_eq(const line *a, const line *b)
{
    return a->n == b->n && a->nl == b->nl && memcmp(a->p, b->p, a->n) == 0;
}

/* Show a line so that control bytes and a missing final newline are visible. */
static void put_line(buf *b, char mark, const line *l)
{
    buf_printf(b, "      %c", mark);
    for (size_t i = 0; i < l->n; i++) {
        unsigned char ch = (unsigned char)l->p[i];
        if (ch == '\\') buf_adds(b, "\\\\");
        else if (ch == '\t') buf_adds(b, "\\t");
        else if (ch == '\r') buf_adds(b, "\\r");
        else if (ch < 0x20 || ch == 0x7f) buf_printf(b, "\\x%02x", ch);
        else buf_add(b, &l->p[i], 1);
    }
    if (!l->nl) buf_adds(b, "  (no newline at end)");
    buf_adds(b, "\n");
}

enum { OP_EQ, OP_DEL, OP_ADD };

/* A line diff of want against got: the common ends are trimmed, the middle is an LCS when
 * small enough, else shown whole. Prints at most DIFF_MAX_LINES lines with 2 lines of context. */
static void diff_text(buf *b, const char *want, size_t wlen, const char *got, size_t glen)
{
    line *a, *c;
    size_t na = split_lines(want, wlen, &a), nc = split_lines(got, glen, &c);
    size_t pre = 0;
    while (pre < na && pre < nc && line_eq(&a[pre], &c[pre])) pre++;
    size_t suf = 0;
    while (suf < na - pre && suf < nc - pre && line_eq(&a[na - 1 - suf], &c[nc - 1 - suf])) suf++;
    size_t ma = na - pre - suf, mc = nc - pre - suf;

    /* ops: an edit script over the whole of both texts */
    size_t nops = 0, capops = na + nc + 1;
    struct op {
        int kind;
        const line *l;
    } *ops = xmalloc(capops * sizeof *ops);
    for (size_t i = 0; i < pre; i++) ops[nops++] = (struct op){OP_EQ, &a[i]};
    if (ma > 0 && mc > 0 && ma * mc <= 4000000) {
        /* lcs[i][j]: LCS length of a[pre+i..] and c[pre+j..] */
        size_t w = mc + 1;
        uint32_t *lcs = calloc((ma + 1) * w, sizeof *lcs);
        if (!lcs) die_oom();
        for (size_t i = ma; i-- > 0;)
            for (size_t j = mc; j-- > 0;)
                lcs[i * w + j] = line_eq(&a[pre + i], &c[pre + j])
                                     ? lcs[(i + 1) * w + j + 1] + 1
                                     : (lcs[(i + 1) * w + j] > lcs[i * w + j + 1]
                                            ? lcs[(i + 1) * w + j]
                                            : lcs[i * w + j + 1]);
        size_t i = 0, j = 0;
        while (i < ma || j < mc) {
            if (i < ma && j < mc && line_eq(&a[pre + i], &c[pre + j])) {
                ops[nops++] = (struct op){OP_EQ, &a[pre + i]};
                i++, j++;
            } else if (i < ma && (j == mc || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
                ops[nops++] = (struct op){OP_DEL, &a[pre + i]};
                i++;
            } else {
                ops[nops++] = (struct op){OP_ADD, &c[pre + j]};
                j++;
            }
        }
        free(lcs);
    } else {
        for (size_t i = 0; i < ma; i++) ops[nops++] = (struct op){OP_DEL, &a[pre + i]};
        for (size_t j = 0; j < mc; j++) ops[nops++] = (struct op){OP_ADD, &c[pre + j]};
    }
    for (size_t i = 0; i < suf; i++) ops[nops++] = (struct op){OP_EQ, &a[na - suf + i]};

    int shown = 0;
    bool skipped = false;
    for (size_t k = 0; k < nops; k++) {
        bool near = ops[k].kind != OP_EQ;
        for (size_t d = 1; d <= 2 && !near; d++) {
            if (k >= d && ops[k - d].kind != OP_EQ) near = true;
            if (k + d < nops && ops[k + d].kind != OP_EQ) near = true;
        }
        if (!near) {
            skipped = true;
            continue;
        }
        if (shown >= DIFF_MAX_LINES) {
            buf_printf(b, "       ... (diff cut at %d lines)\n", DIFF_MAX_LINES);
            break;
        }
        if (skipped && shown > 0) buf_adds(b, "       ...\n");
        skipped = false;
        put_line(b, ops[k].kind == OP_EQ ? ' ' : ops[k].kind == OP_DEL ? '-' : '+', ops[k].l);
        shown++;
    }
    free(ops);
    free(a);
    free(c);
}

/* Compare one side with what it must print. Appends the report of a mismatch to rep. */
static bool check_side(buf *rep, const tcase *c, const char *who, const side *s,
                       const sect *want_out, const sect *want_err, int want_status)
{
    const char *wo = want_out->set ? want_out->data : "";
    size_t wol = want_out->set ? want_out->len : 0;
    bool out_ok = s->out_len == wol && memcmp(s->out, wo, wol) == 0;
    bool err_ok = !want_err->set ||
                  (s->err_len == want_err->len && memcmp(s->err, want_err->data, s->err_len) == 0);
    bool st_ok = s->status == want_status && !s->note[0];
    if (out_ok && err_ok && st_ok) return true;

    buf_printf(rep, "FAIL %s:%d %s [%s]\n", c->file, c->line, c->name, who);
    if (s->note[0]) buf_printf(rep, "    %s\n", s->note);
    if (!out_ok) {
        buf_adds(rep, "    stdout (-want +got):\n");
        diff_text(rep, wo, wol, s->out, s->out_len);
    }
    if (!err_ok) {
        buf_adds(rep, "    stderr (-want +got):\n");
        diff_text(rep, want_err->data, want_err->len, s->err, s->err_len);
    }
    if (s->status != want_status && s->status >= 0) buf_printf(rep, "    status: want %d, got %d\n", want_status,
                                             s->status);
    if (!want_err->set && s->err_len > 0) {
        /* not compared, but usually the reason */
        buf_adds(rep, "    stderr (not compared):\n");
        line *l;
        size_t n = split_lines(s->err, s->err_len, &l);
        for (size_t i = 0; i < n && i < 5; i++) put_line(rep, ' ', &l[i]);
        if (n > 5) buf_printf(rep, "       ... (%zu more lines)\n", n - 5);
        free(l);
    }
    return false;
}

/* ---- workers ---- */

typedef struct result {
    bool done;
    bool pass;
    int bash_state, vos_state; /* -1 not run, 0 fail, 1 ok */
    buf report;
} result;

static result *g_results;
static atomic_size_t g_next;
static pthread_mutex_t g_print_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t g_printed;
static const char *g_filter;
static int g_only; /* 0 both, 1 bash, 2 vos */
static bool g_verbose;

static bool selected(const tcase *c)
{
    return !g_filter || strstr(c->name, g_filter) || strstr(c->file, g_filter);
}

static void run_case(const tcase *c, result *r, slot *sl)
{
    r->bash_state = r->vos_state = -1;
    if (c->error) {
        buf_printf(&r->report, "FAIL %s:%d %s: bad case: %s\n", c->file, c->line, c->name,
                   c->error);
        r->pass = false;
        return;
    }
    char dir[] = "/tmp/vos-runner-XXXXXX";
    if (!mkdtemp(dir)) {
        buf_printf(&r->report, "FAIL %s:%d %s: mkdtemp: %s\n", c->file, c->line, c->name,
                   strerror(errno));
        r->pass = false;
        return;
    }
    bool ok = true;
    if (g_only != 2 && !c->skip_bash) {
        side s = {0};
        run_bash(c, dir, &s);
        r->bash_state = check_side(&r->report, c, "bash", &s, &c->out, &c->err, c->want_status);
        ok &= r->bash_state == 1;
        side_free(&s);
    }
    rm_tree_at(AT_FDCWD, dir);
    if (g_only != 1) {
        side s = {0};
        run_vos(c, dir, &s, sl);
        const sect *wo = c->vout.set ? &c->vout : &c->out;
        const sect *we = c->verr.set ? &c->verr : &c->err;
        r->vos_state = check_side(&r->report, c, "vos", &s, wo, we, c->want_vstatus);
        ok &= r->vos_state == 1;
        side_free(&s);
    }
    r->pass = ok;
}

/* Mark case i done (i == SIZE_MAX: none) and print, in file order, every case that is. */
static void print_ready(size_t i)
{
    pthread_mutex_lock(&g_print_mu);
    if (i != SIZE_MAX) g_results[i].done = true;
    while (g_printed < g_ncases && g_results[g_printed].done) {
        result *r = &g_results[g_printed];
        const tcase *c = &g_cases[g_printed];
        if (r->report.len) fputs(r->report.data, stdout);
        else if (g_verbose && selected(c))
            printf("ok   %s:%d %s\n", c->file, c->line, c->name);
        g_printed++;
    }
    fflush(stdout);
    pthread_mutex_unlock(&g_print_mu);
}

static void *worker(void *arg)
{
    slot *sl = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&g_next, 1);
        if (i >= g_ncases) break;
        if (selected(&g_cases[i])) {
            sl->cur = &g_cases[i];
            run_case(&g_cases[i], &g_results[i], sl);
            sl->cur = NULL;
        }
        print_ready(i);
    }
    return NULL;
}

/* A crash in vos takes the runner down; at least say which case did it. */
static void on_crash(int sig)
{
    static const char pre[] = "\nvos-runner: crashed while running ";
    for (int i = 0; i < g_nworkers; i++) {
        const tcase *c = g_slots[i].cur;
        if (!c) continue;
        ssize_t w = write(2, pre, sizeof pre - 1);
        w = write(2, c->file, strlen(c->file));
        w = write(2, ": ", 2);
        w = write(2, c->name, strlen(c->name));
        w = write(2, "\n", 1);
        (void)w;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void usage(FILE *f)
{
    fputs("Usage: vos-runner [--vos PATH] [--filter SUBSTR] [--only bash|vos] [-j N] [-v]\n"
          "                  DIR_OR_FILE...\n"
          "Run the *.test cases (format: tests/README.md) under /bin/bash and under vos\n"
          "(in this process, one fresh VM per case) and check both against the expectations.\n"
          "  --vos PATH       the vos CLI (accepted for symmetry; cases run in-process)\n"
          "  --filter SUBSTR  only cases whose name or file contains SUBSTR\n"
          "  --only SIDE      run one side only (bash or vos)\n"
          "  -j N             parallel workers (default 2)\n"
          "  -v               also list the cases that pass\n",
          f);
}

int main(int argc, char **argv)
{
    measure_case_time();
    const char **paths = xmalloc((size_t)argc * sizeof *paths);
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--vos") == 0 || strcmp(a, "--filter") == 0 || strcmp(a, "--only") == 0 ||
             strcmp(a, "-j") == 0) &&
            i + 1 >= argc) {
            fprintf(stderr, "vos-runner: option '%s' requires an argument\n", a);
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--vos") == 0) {
            i++; /* the CLI's path: cases run through the API in this process */
        } else if (strcmp(a, "--filter") == 0) {
            g_filter = argv[++i];
        } else if (strcmp(a, "--only") == 0) {
            const char *s = argv[++i];
            if (strcmp(s, "bash") == 0) g_only = 1;
            else if (strcmp(s, "vos") == 0) g_only = 2;
            else {
                fprintf(stderr, "vos-runner: --only takes bash or vos, not '%s'\n", s);
                return 2;
            }
        } else if (strcmp(a, "-j") == 0) {
            g_nworkers = atoi(argv[++i]);
            if (g_nworkers < 1 || g_nworkers > MAX_WORKERS) {
                fprintf(stderr, "vos-runner: -j takes 1 to %d\n", MAX_WORKERS);
                return 2;
            }
        } else if (strcmp(a, "-v") == 0) {
            g_verbose = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vos-runner: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            paths[npaths++] = a;
        }
    }
    if (npaths == 0) {
        usage(stderr);
        return 2;
    }
    int bad_paths = 0;
    for (int i = 0; i < npaths; i++)
        if (collect(paths[i]) != 0) bad_paths++;
    free(paths);

    signal(SIGPIPE, SIG_IGN);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);

    g_results = calloc(g_ncases ? g_ncases : 1, sizeof *g_results);
    if (!g_results) die_oom();
    for (int i = 0; i < g_nworkers; i++) pthread_mutex_init(&g_slots[i].mu, NULL);
    pthread_t wd, th[MAX_WORKERS];
    pthread_create(&wd, NULL, watchdog, NULL);
    for (int i = 0; i < g_nworkers; i++) pthread_create(&th[i], NULL, worker, &g_slots[i]);
    for (int i = 0; i < g_nworkers; i++) pthread_join(th[i], NULL);
    atomic_store(&g_done, true);
    pthread_join(wd, NULL);
    print_ready(SIZE_MAX);

    int passed = 0, failed = bad_paths;
    int bash_ok = 0, bash_n = 0, vos_ok = 0, vos_n = 0;
    /* per file (a command's cases in tests/cmd): passed/cases, four to a line */
    int col = 0, fpass = 0, fn = 0;
    for (size_t i = 0; i <= g_ncases; i++) {
        bool end = i == g_ncases || (i > 0 && strcmp(g_cases[i].file, g_cases[i - 1].file) != 0);
        if (end && fn) {
            const char *f = g_cases[i - 1].file, *b = strrchr(f, '/');
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(b ? b + 1 : f, "."), b ? b + 1 : f);
            printf("%s%-16s %4d/%-4d%s", col ? " " : "", name, fpass, fn, fpass < fn ? "!" : " ");
            if (++col == 4) {
                putchar('\n');
                col = 0;
            }
            fpass = fn = 0;
        }
        if (i == g_ncases) break;
        if (!selected(&g_cases[i])) continue;
        fn++;
        fpass += g_results[i].pass;
    }
    if (col) putchar('\n');
    for (size_t i = 0; i < g_ncases; i++) {
        if (!selected(&g_cases[i])) continue;
        result *r = &g_results[i];
        if (r->pass) passed++;
        else failed++;
        if (r->bash_state >= 0) bash_n++, bash_ok += r->bash_state;
        if (r->vos_state >= 0) vos_n++, vos_ok += r->vos_state;
        free(r->report.data);
    }
    printf("bash: %d/%d ok, vos: %d/%d ok\n", bash_ok, bash_n, vos_ok, vos_n);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
