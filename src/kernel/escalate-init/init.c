/* init.c: the first process of an escalated program's PID namespace in a VM's persistent jail
 * (src/kernel/escalate.c embeds this static program and execs it from a sealed memfd).
 * argv: init PROGRAM ARGS...; the environment, cwd, stdio, limits and namespaces are the
 * program's already, with no capability left. It starts the program as its child (so the
 * program is not a PID namespace's init, whose default signals are ignored: a program that
 * kills itself dies as elsewhere), reaps every orphan of the namespace, and ends with the
 * program's status; its end takes every process still in the namespace with it. A signal's
 * death becomes the status 128+N, which vos reads as the kernel would report the signal. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *name, int err)
{
    const char *desc = strerror(err);
    const char *parts[] = {"bwrap: execvp ", name, ": ", desc, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        ssize_t w = write(2, parts[i], strlen(parts[i]));
        (void)w;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) return 127;
    pid_t pid = vfork();
    if (pid < 0) return 126;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        say(argv[1], errno);
        _exit(1);
    }
    for (;;) {
        int st;
        pid_t w = wait(&st);
        if (w == pid) {
            if (WIFEXITED(st)) return WEXITSTATUS(st);
            return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 9);
        }
        if (w < 0 && errno != EINTR) return 126;
    }
}
