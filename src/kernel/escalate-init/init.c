/* init.c: the first process of an escalated program's PID namespace in a VM's persistent jail
 * (src/kernel/escalate.c embeds this static program and execs it from a sealed memfd).
 * argv: init PROGRAM ARGS...; the environment, cwd, stdio, limits and namespaces are the
 * program's already, with no capability left. It starts the program as its child (so the
 * program is not a PID namespace's init, whose default signals are ignored: a program that
 * kills itself dies as elsewhere), reaps every orphan of the namespace, and ends with the
 * program's status; its end takes every process still in the namespace with it. A signal's
 * death becomes the status 128+N, which vos reads as it would the signal.
 *
 * No C library: it runs before every escalated program, and a static libc's start-up (its CPU
 * feature probes trap to the hypervisor in a VM) costs more than the rest of it. */
#if defined(__x86_64__)
enum { NR_WRITE = 1, NR_CLONE = 56, NR_EXECVE = 59, NR_EXIT = 60, NR_WAIT4 = 61 };
static long sys4(long n, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return r;
}
__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tmov %rsp, %rdi\n"
        "\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
#elif defined(__aarch64__)
enum { NR_WRITE = 64, NR_CLONE = 220, NR_EXECVE = 221, NR_EXIT = 93, NR_WAIT4 = 260 };
static long sys4(long n, long a, long b, long c, long d)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
__asm__(".text\n.global _start\n_start:\n\tmov x29, #0\n\tmov x30, #0\n\tmov x0, sp\n"
        "\tbl start_c\n\tb .\n");
#else
#error "escalate-init: no system call glue for this architecture"
#endif

#define SIGCHLD_ 17
#define ENOENT_ 2
#define ENOEXEC_ 8
#define EACCES_ 13
#define ENOTDIR_ 20
#define EINTR_ 4

void start_c(long *sp);

static unsigned long len(const char *s)
{
    unsigned long n = 0;
    while (s[n]) n++;
    return n;
}

static void out(const char *s) { sys4(NR_WRITE, 2, (long)s, (long)len(s), 0); }

static __attribute__((noreturn)) void quit(int code)
{
    for (;;) sys4(NR_EXIT, code, 0, 0, 0);
}

/* bwrap's words for a failed execvp */
static void fail(const char *name, long err)
{
    const char *desc = err == ENOENT_    ? "No such file or directory"
                       : err == EACCES_  ? "Permission denied"
                       : err == ENOTDIR_ ? "Not a directory"
                       : err == ENOEXEC_ ? "Exec format error"
                                         : "Cannot execute";
    out("bwrap: execvp ");
    out(name);
    out(": ");
    out(desc);
    out("\n");
}

/* execve, and for a file the kernel cannot run (no #! line), sh running it, as execvp does */
static long try_exec(const char *path, char **argv, char **envp)
{
    long r = sys4(NR_EXECVE, (long)path, (long)argv, (long)envp, 0);
    if (r != -ENOEXEC_) return r;
    int n = 0;
    while (argv[n]) n++;
    char *nv[n + 2];
    nv[0] = "sh";
    nv[1] = (char *)path;
    for (int i = 1; i <= n; i++) nv[i + 1] = argv[i];
    sys4(NR_EXECVE, (long)"/bin/sh", (long)nv, (long)envp, 0);
    return -ENOEXEC_;
}

/* execvp with the environment's PATH */
static void run(char **argv, char **envp)
{
    const char *name = argv[0], *path = "/bin:/usr/bin";
    for (const char *p = name; *p; p++)
        if (*p == '/') {
            fail(name, -try_exec(name, argv, envp));
            quit(1);
        }
    for (char **e = envp; *e; e++)
        if (e[0][0] == 'P' && e[0][1] == 'A' && e[0][2] == 'T' && e[0][3] == 'H' && e[0][4] == '=')
            path = *e + 5;
    long err = -ENOENT_;
    unsigned long nl = len(name);
    char full[4096];
    for (const char *q = path;;) {
        const char *end = q;
        while (*end && *end != ':') end++;
        unsigned long dl = (unsigned long)(end - q);
        if (dl + nl + 3 <= sizeof full) {
            unsigned long k = 0;
            if (dl == 0) full[k++] = '.';
            for (unsigned long i = 0; i < dl; i++) full[k++] = q[i];
            full[k++] = '/';
            for (unsigned long i = 0; i <= nl; i++) full[k++] = name[i];
            long r = try_exec(full, argv, envp);
            if (r == -EACCES_) err = r;
            else if (r != -ENOENT_ && r != -ENOTDIR_) err = r;
        }
        if (!*end) break;
        q = end + 1;
    }
    fail(name, -err);
    quit(1);
}

void start_c(long *sp)
{
    long argc = sp[0];
    char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
    if (argc < 2) quit(127);
    long pid = sys4(NR_CLONE, SIGCHLD_, 0, 0, 0);
    if (pid < 0) quit(126);
    if (pid == 0) run(argv + 1, envp);
    for (;;) {
        int st = 0;
        long w = sys4(NR_WAIT4, -1, (long)&st, 0, 0);
        if (w == pid) {
            if ((st & 0x7f) == 0) quit((st >> 8) & 0xff);
            quit(128 + (st & 0x7f));
        }
        if (w < 0 && w != -EINTR_) quit(126);
    }
}
