/* kernel_proc.c: fds (dup, cloexec, append, seek), pipes (blocking, EOF, EPIPE + SIGPIPE),
 * processes on threads (wait statuses, orphans), virtual signals (default, ignored, caught,
 * waking a blocked process), exec of commands and scripts, and the limits of each at exactly
 * N and N+1. Everything at the kernel's system-call level. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "api/api.h"
#include "test.h"

static vk_proc *S(vos_vm *vm) { return api_kvm(vm)->session; }

static vk_proc *child(vos_vm *vm)
{
    vk_proc *c;
    ASSERT_OK(vk_proc_new(S(vm), &c));
    return c;
}

TEST(fd_basics)
{
    vos_vm *vm = test_vm_new();
    vk_proc *c = child(vm);
    int fd = vk_open(c, "/tmp/f", VK_O_RDWR | VK_O_CREAT | VK_O_TRUNC, 0644);
    ASSERT_EQ(fd, 0); /* lowest free fd */
    ASSERT_EQ(vk_write(c, fd, "hello world", 11), 11);
    ASSERT_EQ(vk_lseek(c, fd, 6, VK_SEEK_SET), 6);
    char buf[32] = {0};
    ASSERT_EQ(vk_read(c, fd, buf, sizeof buf), 5);
    ASSERT_STR(buf, "world");
    ASSERT_EQ(vk_lseek(c, fd, -5, VK_SEEK_END), 6);
    int d = vk_dup(c, fd);
    ASSERT_EQ(d, 1);
    /* dup shares the offset */
    ASSERT_EQ(vk_read(c, d, buf, 2), 2);
    ASSERT_EQ(vk_lseek(c, fd, 0, VK_SEEK_CUR), 8);
    ASSERT_EQ(vk_dup2(c, fd, 7), 7);
    ASSERT_EQ(vk_get_cloexec(c, 7), 0);
    ASSERT_OK(vk_set_cloexec(c, 7, true));
    ASSERT_EQ(vk_get_cloexec(c, 7), 1);
    ASSERT_EQ(vk_dupfd(c, fd, 5, true), 5);
    ASSERT_EQ(vk_get_cloexec(c, 5), 1);
    ASSERT_OK(vk_close(c, 7));
    ASSERT_RC(vk_close(c, 7), VOS_EBADF);
    ASSERT_RC((int)vk_read(c, 7, buf, 1), VOS_EBADF);
    ASSERT_RC((int)vk_write(c, 99, buf, 1), VOS_EBADF);
    /* append */
    int a = vk_open(c, "/tmp/f", VK_O_WRONLY | VK_O_APPEND, 0);
    ASSERT_EQ(vk_write(c, a, "!", 1), 1);
    struct vk_stat st;
    ASSERT_OK(vk_fstat(c, a, &st));
    ASSERT_EQ(st.size, 12);
    /* read-only fds refuse writes and vice versa */
    int r = vk_open(c, "/tmp/f", VK_O_RDONLY, 0);
    ASSERT_RC((int)vk_write(c, r, "x", 1), VOS_EBADF);
    ASSERT_RC((int)vk_read(c, a, buf, 1), VOS_EBADF);
    /* directories */
    int dfd = vk_open(c, "/etc", VK_O_RDONLY, 0);
    ASSERT(dfd >= 0);
    ASSERT_RC((int)vk_read(c, dfd, buf, 1), VOS_EISDIR);
    vk_dirent de;
    int n = 0, found = 0;
    while (vk_readdir(c, dfd, &de) == 1) {
        n++;
        if (strcmp(de.name, "passwd") == 0 && de.type == VK_DT_REG) found = 1;
    }
    ASSERT(n >= 5);
    ASSERT(found);
    vk_proc_discard(c);
}

TEST(fd_limit_exact)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.open_files = 8;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vk_proc *c = child(vm);
    for (int i = 0; i < 8; i++) ASSERT_EQ(vk_open(c, "/dev/null", VK_O_RDONLY, 0), i);
    ASSERT_RC(vk_open(c, "/dev/null", VK_O_RDONLY, 0), VOS_EMFILE);
    ASSERT_RC(vk_dup2(c, 0, 8), VOS_EBADF);
    ASSERT_OK(vk_close(c, 3));
    ASSERT_EQ(vk_dup(c, 0), 3);
    vk_proc_discard(c);
}

typedef struct pipe_job {
    int rfd, wfd;
    size_t total;
    int rc;
} pipe_job;

static int writer_entry(vk_proc *p, void *arg)
{
    pipe_job *j = arg;
    vk_close(p, j->rfd);
    static char chunk[10000];
    memset(chunk, 'x', sizeof chunk);
    for (size_t done = 0; done < j->total; done += sizeof chunk)
        if (vk_write(p, j->wfd, chunk, sizeof chunk) < 0) return 3;
    return 0;
}

TEST(pipe_streams_with_backpressure)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = child(vm);
    int fds[2];
    ASSERT_OK(vk_pipe(s, fds));
    pipe_job j = {fds[0], fds[1], 1000000, 0};
    vk_proc *w;
    ASSERT_OK(vk_proc_new(s, &w));
    int pid = vk_proc_start(w, writer_entry, &j);
    ASSERT(pid > 0);
    vk_close(s, fds[1]);
    char buf[4096];
    size_t got = 0;
    ssize_t n;
    while ((n = vk_read(s, fds[0], buf, sizeof buf)) > 0) got += (size_t)n;
    ASSERT_EQ(n, 0); /* EOF once the writer is gone */
    ASSERT_EQ(got, 1000000);
    int ws;
    ASSERT_EQ(vk_waitpid(s, pid, &ws, 0), pid);
    ASSERT(VK_WIFEXITED(ws) && VK_WEXITSTATUS(ws) == 0);
    ASSERT_RC(vk_waitpid(s, -1, &ws, 0), VOS_ECHILD);
    vk_proc_discard(s);
}

TEST(pipe_epipe_kills_writer_with_sigpipe)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = child(vm);
    int fds[2];
    ASSERT_OK(vk_pipe(s, fds));
    pipe_job j = {fds[0], fds[1], 100000000, 0};
    vk_proc *w;
    ASSERT_OK(vk_proc_new(s, &w));
    int pid = vk_proc_start(w, writer_entry, &j);
    vk_close(s, fds[1]);
    char buf[10];
    ASSERT_EQ(vk_read(s, fds[0], buf, sizeof buf), 10);
    vk_close(s, fds[0]); /* the writer is blocked on a full pipe: it must wake and die */
    int ws;
    ASSERT_EQ(vk_waitpid(s, pid, &ws, 0), pid);
    ASSERT(VK_WIFSIGNALED(ws));
    ASSERT_EQ(VK_WTERMSIG(ws), VOS_SIGPIPE);
    ASSERT_EQ(VK_WSHELL(ws), 141);
    vk_proc_discard(s);
}

static int sleeper_entry(vk_proc *p, void *arg)
{
    int catch_sig = *(int *)arg;
    if (catch_sig) vk_signal(p, catch_sig, VK_SIG_CATCH);
    int rc = vk_sleep_ns(p, 10LL * 1000000000);
    if (rc == VOS_EINTR) return (int)(vk_sig_take(p) == (1u << catch_sig)) ? 42 : 43;
    return 7;
}

static int64_t ms_since(int64_t t0) { return (vk_now_mono() - t0) / 1000000; }

TEST(signals_default_caught_ignored)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = child(vm);
    int zero = 0, usr1 = VOS_SIGUSR1;
    vk_proc *c;
    int ws;
    /* default action of TERM: death, and a blocked sleep wakes at once */
    ASSERT_OK(vk_proc_new(s, &c));
    int pid = vk_proc_start(c, sleeper_entry, &zero);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    int64_t t0 = vk_now_mono();
    ASSERT_OK(vk_kill(s, pid, VOS_SIGTERM));
    ASSERT_EQ(vk_waitpid(s, pid, &ws, 0), pid);
    ASSERT(ms_since(t0) < 100);
    ASSERT(VK_WIFSIGNALED(ws) && VK_WTERMSIG(ws) == VOS_SIGTERM);
    /* caught: the sleep returns EINTR and the process sees the signal */
    ASSERT_OK(vk_proc_new(s, &c));
    pid = vk_proc_start(c, sleeper_entry, &usr1);
    nanosleep(&ts, NULL);
    ASSERT_OK(vk_kill(s, pid, VOS_SIGUSR1));
    ASSERT_EQ(vk_waitpid(s, pid, &ws, 0), pid);
    ASSERT(VK_WIFEXITED(ws));
    ASSERT_EQ(VK_WEXITSTATUS(ws), 42);
    /* ignored signals do nothing; KILL cannot be caught or ignored */
    ASSERT_RC(vk_signal(s, VOS_SIGKILL, VK_SIG_IGN), VOS_EINVAL);
    ASSERT_OK(vk_proc_new(s, &c));
    c->sigdisp[VOS_SIGTERM] = VK_SIG_IGN;
    pid = vk_proc_start(c, sleeper_entry, &zero);
    nanosleep(&ts, NULL);
    ASSERT_OK(vk_kill(s, pid, VOS_SIGTERM));
    ASSERT_EQ(vk_waitpid(s, pid, &ws, VK_WNOHANG), 0);
    ASSERT_OK(vk_kill(s, pid, VOS_SIGKILL));
    ASSERT_EQ(vk_waitpid(s, pid, &ws, 0), pid);
    ASSERT(VK_WIFSIGNALED(ws) && VK_WTERMSIG(ws) == VOS_SIGKILL);
    ASSERT_RC(vk_kill(s, 99999, VOS_SIGTERM), VOS_ESRCH);
    vk_proc_discard(s);
}

TEST(procs_limit_exact)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.procs = 4; /* the session + 3 */
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vk_proc *a, *b, *c, *d;
    ASSERT_OK(vk_proc_new(S(vm), &a));
    ASSERT_OK(vk_proc_new(S(vm), &b));
    ASSERT_OK(vk_proc_new(S(vm), &c));
    ASSERT_RC(vk_proc_new(S(vm), &d), VOS_EPROCS);
    vk_proc_discard(b);
    ASSERT_OK(vk_proc_new(S(vm), &d));
    vk_proc_discard(a);
    vk_proc_discard(c);
    vk_proc_discard(d);
}

static int run_status(vk_proc *parent, char **argv);

static int exec_entry(vk_proc *p, void *arg)
{
    char **argv = arg;
    int rc = vk_execve(p, argv[0], argv, NULL);
    return rc == VOS_ENOENT ? 127 : rc == VOS_ECMDDENIED ? 99 : rc == VOS_EACCES ? 126 : 1;
}

static int run_status(vk_proc *parent, char **argv)
{
    vk_proc *c;
    ASSERT_OK(vk_proc_new(parent, &c));
    int w = vk_proc_run(c, exec_entry, argv);
    return VK_WSHELL(w);
}

TEST(exec_commands_scripts_and_policy)
{
    const char *denied[] = {"rm", NULL};
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.denied_commands = denied;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vk_proc *s = child(vm);
    char *a1[] = {"true", NULL}, *a2[] = {"false", NULL}, *a3[] = {"no-such-cmd", NULL};
    char *a4[] = {"rm", "-rf", "/tmp", NULL}, *a5[] = {"/tmp/noexec", NULL};
    ASSERT_EQ(run_status(s, a1), 0);
    ASSERT_EQ(run_status(s, a2), 1);
    ASSERT_EQ(run_status(s, a3), 127);
    ASSERT_EQ(run_status(s, a4), 99);
    struct vk_stat st;
    ASSERT_RC(vk_stat(s, "/bin/rm", &st), VOS_ENOENT); /* a denied command is not listed */
    ASSERT_OK(vos_write_file(vm, "/tmp/noexec", "true\n", 5, 0644));
    ASSERT_EQ(run_status(s, a5), 126);
    vk_proc_discard(s);
}

TEST(fs_limits_exact)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.fs_bytes = 4096;
    cfg_lim.fs_inodes = 60;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    int64_t room = 4096 - api_kvm(vm)->fs_bytes;
    ASSERT(room > 1000);
    static char big[4096];
    memset(big, 'a', sizeof big);
    ASSERT_OK(vos_write_file(vm, "/tmp/a", big, (size_t)room, 0644)); /* exactly N */
    ASSERT_RC(vos_write_file(vm, "/tmp/b", big, 1, 0644), VOS_EFSBYTES); /* N + 1 */
    ASSERT_OK(vos_remove(vm, "/tmp/b", 0)); /* created empty before the write failed */
    ASSERT_OK(vos_write_file(vm, "/tmp/a", big, 10, 0644)); /* space comes back */
    ASSERT_OK(vos_write_file(vm, "/tmp/b", big, 10, 0644));
    /* inodes */
    int64_t free_inodes = 60 - api_kvm(vm)->fs_inodes;
    char name[64];
    for (int64_t i = 0; i < free_inodes; i++) {
        snprintf(name, sizeof name, "/tmp/i%lld", (long long)i);
        ASSERT_OK(vos_write_file(vm, name, "", 0, 0644));
    }
    ASSERT_RC(vos_write_file(vm, "/tmp/one-more", "", 0, 0644), VOS_EFSINODES);
    ASSERT_RC(vos_mkdir(vm, "/tmp/dir", 0755, 0), VOS_EFSINODES);
}

TEST(memfs_links_unlink_rename)
{
    vos_vm *vm = test_vm_new();
    vk_proc *c = child(vm);
    ASSERT_OK(vos_write_file(vm, "/tmp/f", "data", 4, 0644));
    ASSERT_OK(vk_link(c, "/tmp/f", "/tmp/g"));
    struct vk_stat st, st2;
    ASSERT_OK(vk_stat(c, "/tmp/f", &st));
    ASSERT_EQ(st.nlink, 2);
    ASSERT_OK(vk_stat(c, "/tmp/g", &st2));
    ASSERT_EQ(st.ino, st2.ino);
    ASSERT_RC(vk_link(c, "/tmp", "/tmp/dirlink"), VOS_EPERM);
    /* an unlinked file lives while it is open */
    int fd = vk_open(c, "/tmp/f", VK_O_RDONLY, 0);
    ASSERT_OK(vk_unlink(c, "/tmp/f"));
    ASSERT_OK(vk_unlink(c, "/tmp/g"));
    ASSERT_RC(vk_stat(c, "/tmp/f", &st), VOS_ENOENT);
    char buf[8] = {0};
    ASSERT_EQ(vk_read(c, fd, buf, sizeof buf), 4);
    ASSERT_STR(buf, "data");
    vk_close(c, fd);
    /* rename rules */
    ASSERT_OK(vk_mkdir(c, "/tmp/d", 0755));
    ASSERT_OK(vk_mkdir(c, "/tmp/d/sub", 0755));
    ASSERT_RC(vk_rename(c, "/tmp/d", "/tmp/d/sub/x"), VOS_EINVAL);
    ASSERT_OK(vos_write_file(vm, "/tmp/x", "1", 1, 0644));
    ASSERT_OK(vos_write_file(vm, "/tmp/y", "22", 2, 0644));
    ASSERT_OK(vk_rename(c, "/tmp/x", "/tmp/y"));
    ASSERT_OK(vk_stat(c, "/tmp/y", &st));
    ASSERT_EQ(st.size, 1);
    ASSERT_RC(vk_rename(c, "/tmp/y", "/tmp/d"), VOS_EISDIR);
    ASSERT_RC(vk_rename(c, "/tmp/d", "/tmp/y"), VOS_ENOTDIR);
    ASSERT_RC(vk_rmdir(c, "/tmp/d"), VOS_ENOTEMPTY);
    ASSERT_OK(vk_mkdir(c, "/tmp/e", 0755));
    ASSERT_OK(vk_rename(c, "/tmp/d/sub", "/tmp/e")); /* over an empty dir */
    ASSERT_OK(vk_rmdir(c, "/tmp/d"));
    /* truncate extends with zeros */
    ASSERT_OK(vk_truncate(c, "/tmp/y", 5));
    fd = vk_open(c, "/tmp/y", VK_O_RDONLY, 0);
    memset(buf, 9, sizeof buf);
    ASSERT_EQ(vk_read(c, fd, buf, sizeof buf), 5);
    ASSERT(buf[0] == '1' && buf[1] == 0 && buf[4] == 0);
    vk_close(c, fd);
    /* permissions: the agent cannot read a file it made unreadable */
    ASSERT_OK(vk_chmod(c, "/tmp/y", 0200));
    ASSERT_RC(vk_open(c, "/tmp/y", VK_O_RDONLY, 0), VOS_EACCES);
    ASSERT_RC(vk_open(c, "/etc/passwd", VK_O_WRONLY, 0), VOS_EACCES); /* owned by root */
    int64_t t[2] = {1000000000LL, 2000000000LL};
    ASSERT_OK(vk_utimens(c, "/tmp/y", t, true));
    ASSERT_OK(vk_stat(c, "/tmp/y", &st));
    ASSERT_EQ(st.mtime_ns, 2000000000LL);
    ASSERT_EQ(st.atime_ns, 1000000000LL);
    vk_proc_discard(c);
}

TEST(api_misuse_is_an_error)
{
    vos_result r;
    vos_result_init(&r);
    ASSERT_RC(vos_vm_new(NULL, NULL), VOS_EMISUSE);
    ASSERT_RC(vos_exec(NULL, "true", NULL, &r), VOS_EMISUSE);
    vos_result_free(&r);
    vos_result_free(&r); /* twice is fine */
    vos_result_free(NULL);
    vos_vm_free(NULL);
    vos_vm *vm = test_vm_new();
    ASSERT_RC(vos_exec(vm, NULL, NULL, &r), VOS_EMISUSE);
    ASSERT_RC(vos_exec(vm, "true", NULL, NULL), VOS_EMISUSE);
    ASSERT_RC(vos_write_file(vm, NULL, "x", 1, 0), VOS_EMISUSE);
    ASSERT_RC(vos_write_file(vm, "/tmp/x", NULL, 1, 0), VOS_EMISUSE);
    void *d;
    size_t n;
    ASSERT_RC(vos_read_file(vm, "/nope", &d, &n), VOS_ENOENT);
    ASSERT(d == NULL);
    ASSERT_RC(vos_read_file(vm, "/tmp", &d, &n), VOS_EISDIR);
    ASSERT_RC(vos_mount(vm, "relative", &(vos_mount_spec){.struct_size = sizeof(vos_mount_spec), .kind = VOS_MOUNT_MEMFS, .host_path = NULL}), VOS_EINVAL);
    ASSERT_RC(vos_mount(vm, "/x", &(vos_mount_spec){.struct_size = sizeof(vos_mount_spec), .kind = 99, .host_path = NULL}), VOS_EINVAL);
    ASSERT_RC(vos_mount(vm, "/x", &(vos_mount_spec){.struct_size = sizeof(vos_mount_spec), .kind = VOS_MOUNT_HOST_RO, .host_path = "/definitely/not/here"}), VOS_ENOENT);
    ASSERT(strstr(vos_errmsg(vm), "/definitely") == NULL); /* no host paths in messages */
    ASSERT_STR(vos_strerror(VOS_ENOENT), "No such file or directory");
    ASSERT_STR(vos_errname(VOS_ETIME), "ETIME");
    ASSERT_STR(vos_strerror(-99999), "Unknown error");
    ASSERT_STR(vos_version(), VOS_VERSION_STRING);
}

TEST(api_files_binary_safe_and_listing)
{
    vos_vm *vm = test_vm_new();
    const char bin[] = {'a', 0, 'b', 0, (char)0xff};
    ASSERT_OK(vos_write_file(vm, "/tmp/bin", bin, sizeof bin, 0600));
    void *d;
    size_t n;
    ASSERT_OK(vos_read_file(vm, "/tmp/bin", &d, &n));
    ASSERT_EQ(n, sizeof bin);
    ASSERT(memcmp(d, bin, n) == 0);
    vos_free(d);
    vos_stat st;
    st.struct_size = sizeof st;
    ASSERT_OK(vos_stat_path(vm, "/tmp/bin", &st));
    ASSERT_EQ(st.type, VOS_TYPE_REG);
    ASSERT_EQ(st.mode, 0600);
    ASSERT_EQ(st.size, 5);
    ASSERT_OK(vos_mkdir(vm, "/w/a/b/c", 0755, 1));
    ASSERT_OK(vos_write_file(vm, "/w/a/z", "z", 1, 0));
    ASSERT_OK(vos_write_file(vm, "/w/a/b/y", "y", 1, 0));
    char **names;
    ASSERT_OK(vos_list_dir(vm, "/w/a", &names, &n));
    ASSERT_EQ(n, 2);
    ASSERT_STR(names[0], "b");
    ASSERT_STR(names[1], "z");
    vos_free_list(names, n);
    ASSERT_RC(vos_remove(vm, "/w/a", 0), VOS_ENOTEMPTY);
    ASSERT_OK(vos_rename(vm, "/w/a/z", "/w/z"));
    ASSERT_OK(vos_remove(vm, "/w/a", 1));
    ASSERT_RC(vos_stat_path(vm, "/w/a", &st), VOS_ENOENT);
    ASSERT_OK(vos_stat_path(vm, "/w/z", &st));
    const char *const *cmds = vos_commands();
    int has_sh = 0;
    for (size_t i = 0; cmds[i]; i++)
        if (strcmp(cmds[i], "sh") == 0) has_sh = 1;
    ASSERT(has_sh);
}

TEST(api_read_file_is_bounded)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.mem_bytes = 4u << 20;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    void *d = (void *)1;
    size_t n = 1;
    ASSERT_RC(vos_read_file(vm, "/dev/zero", &d, &n), VOS_EFBIG);
    ASSERT(d == NULL && n == 0);
    ASSERT(strstr(vos_errmsg(vm), "memory limit") != NULL);
    ASSERT_OK(vos_read_file(vm, "/dev/null", &d, &n));
    ASSERT_EQ(n, 0);
    vos_free(d);
}

TEST(multicall_host_link_to_self_runs_the_named_command)
{
    /* the host process here is the unit binary: links to it stand for vos's own binary */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT(n > 0);
    self[n] = 0;
    const char *dir = test_tmpdir();
    char link[4200], other[4200];
    snprintf(link, sizeof link, "%s/echo", dir);
    snprintf(other, sizeof other, "%s/true", dir);
    ASSERT_EQ(symlink(self, link), 0);
    ASSERT_EQ(symlink("/usr/sbin/nologin", other), 0); /* exists on the host, not in the VM */
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.multicall_self = 1;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_mount_spec spec = {.struct_size = sizeof spec, .kind = VOS_MOUNT_HOST_RO, .host_path = dir};
    ASSERT_OK(vos_mount(vm, "/host", &spec));
    ASSERT_EXEC(vm, "/host/echo via the link", "via the link\n", 0);
    /* a link to another host binary leads outside the VM: not found */
    ASSERT_EXEC(vm, "/host/true 2>/dev/null; echo $?", "127\n", 0);
    /* without multicall, the link to vos is just a dangling link too */
    vos_vm *plain = test_vm_new();
    ASSERT_OK(vos_mount(plain, "/host", &spec));
    ASSERT_EXEC(plain, "/host/echo hi 2>/dev/null; echo $?", "127\n", 0);
}

/* vk_copy_range: inside one memfs, across drivers (through a kernel buffer), and between
 * files of a host directory (the host's copy_file_range); positions moved or offsets given. */
TEST(fd_copy_range)
{
    vos_vm *vm = test_vm_new();
    const char *d = test_tmpdir();
    vos_mount_spec ms = {.struct_size = sizeof ms, .kind = VOS_MOUNT_HOST_RW, .host_path = d};
    ASSERT_OK(vos_mount(vm, "/h", &ms));
    vk_proc *c = child(vm);
    static const char *pairs[][2] = {
        {"/tmp/a", "/tmp/b"}, {"/tmp/a", "/h/b"}, {"/h/a", "/h/c"}, {"/h/a", "/tmp/c"}};
    for (size_t i = 0; i < 4; i++) {
        const char *src = pairs[i][0], *dst = pairs[i][1];
        int a = vk_open(c, src, VK_O_RDWR | VK_O_CREAT | VK_O_TRUNC, 0644);
        ASSERT(a >= 0);
        ASSERT_EQ(vk_write(c, a, "0123456789", 10), 10);
        ASSERT_EQ(vk_lseek(c, a, 2, VK_SEEK_SET), 2);
        int b = vk_open(c, dst, VK_O_RDWR | VK_O_CREAT | VK_O_TRUNC, 0644);
        ASSERT(b >= 0);
        /* from the position, to the position */
        ASSERT_EQ(vk_copy_range(c, a, NULL, b, NULL, 3), 3);
        ASSERT_EQ(vk_lseek(c, a, 0, VK_SEEK_CUR), 5);
        ASSERT_EQ(vk_lseek(c, b, 0, VK_SEEK_CUR), 3);
        /* at offsets: the positions stay */
        int64_t ia = 7, ib = 10;
        ASSERT_EQ(vk_copy_range(c, a, &ia, b, &ib, 100), 3); /* only 3 bytes left */
        ASSERT_EQ(ia, 10);
        ASSERT_EQ(ib, 13);
        ASSERT_EQ(vk_copy_range(c, a, &ia, b, &ib, 100), 0); /* the end */
        ASSERT_EQ(vk_lseek(c, a, 0, VK_SEEK_CUR), 5);
        char buf[32] = {0};
        ASSERT_EQ(vk_pread(c, b, buf, sizeof buf - 1, 0), 13);
        ASSERT(memcmp(buf, "234\0\0\0\0\0\0\0" "789", 13) == 0);
        vk_close(c, a);
        vk_close(c, b);
    }
    /* the wrong kinds of fds */
    int r = vk_open(c, "/tmp/a", VK_O_RDONLY, 0), w = vk_open(c, "/tmp/b", VK_O_WRONLY, 0);
    ASSERT_RC((int)vk_copy_range(c, w, NULL, r, NULL, 1), VOS_EBADF);
    ASSERT_RC((int)vk_copy_range(c, 99, NULL, w, NULL, 1), VOS_EBADF);
    vk_proc_discard(c);
}

/* Processes run on a pool of host threads; a host that forks keeps only the forking thread,
 * so the child's pool must start empty instead of handing work to threads it does not
 * have (a $( ) or a pipeline there would wait forever). */
TEST(pool_threads_after_host_fork)
{
#if defined(__SANITIZE_THREAD__)
    /* ThreadSanitizer aborts any thread started in a child of a multi-threaded fork, which is
     * what this test is about: it runs in the plain and ASan builds */
    printf("  skipped %s: ThreadSanitizer cannot start threads after a multi-threaded fork\n",
           __func__);
    return;
#endif
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "x=$(echo a | cat); echo $x", "a\n", 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        /* the parent's idle pool threads do not exist here */
        vos_result r;
        vos_result_init(&r);
        int rc = vos_exec(vm, "x=$(echo b | cat); echo $x", NULL, &r);
        bool ok = rc == 0 && r.out_len == 2 && memcmp(r.out, "b\n", 2) == 0;
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    int64_t until = test_now_ms() + 20000;
    pid_t w = 0;
    while ((w = waitpid(pid, &st, WNOHANG)) == 0 && test_now_ms() < until) usleep(10000);
    if (w == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    ASSERT(w == pid);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    test_vm_free(vm);
}
