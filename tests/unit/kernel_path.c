/* kernel_path.c: path resolution in the VM namespace: "." and "..", the root and mount
 * boundaries, symlinks (relative, absolute, loops, the ELOOP bound at exactly 40 and 41),
 * trailing slashes, name limits, and the special filesystems. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/internal.h"
#include "api/api.h"
#include "test.h"

static vk_proc *S(vos_vm *vm) { return api_kvm(vm)->session; }

/* The detail a kernel call made outside any exec left on the VM (API calls report it through
 * vos_errmsg; these tests call the kernel directly). */
static const char *kmsg(vos_vm *vm)
{
    static char buf[256];
    vk_vm_errmsg_take(api_kvm(vm), buf, sizeof buf);
    return buf;
}

static void put(vos_vm *vm, const char *path, const char *text)
{
    ASSERT_OK(vos_write_file(vm, path, text, strlen(text), 0644));
}

TEST(path_dotdot_never_leaves_root)
{
    vos_vm *vm = test_vm_new();
    ASSERT_OK(vk_chdir(S(vm), "/../../.."));
    ASSERT_STR(vk_getcwd(S(vm)), "/");
    ASSERT_OK(vk_chdir(S(vm), "/usr/../usr/./bin/.."));
    ASSERT_STR(vk_getcwd(S(vm)), "/usr");
    ASSERT_OK(vk_chdir(S(vm), "../../../../etc"));
    ASSERT_STR(vk_getcwd(S(vm)), "/etc");
}

TEST(path_dotdot_across_mount_boundary)
{
    vos_vm *vm = test_vm_new();
    vos_mount_spec spec = {.struct_size = sizeof spec, .kind = VOS_MOUNT_MEMFS, .host_path = NULL};
    ASSERT_OK(vos_mount(vm, "/mnt/inner", &spec));
    ASSERT_RC(vos_mount(vm, "/mnt/inner", &spec), VOS_EBUSY);
    put(vm, "/mnt/inner/f", "x");
    ASSERT_OK(vk_chdir(S(vm), "/mnt/inner"));
    ASSERT_OK(vk_chdir(S(vm), ".."));
    ASSERT_STR(vk_getcwd(S(vm)), "/mnt");
    struct vk_stat st;
    ASSERT_OK(vk_stat(S(vm), "inner/../inner/f", &st));
    ASSERT_EQ(st.size, 1);
    /* a mount point cannot be removed or renamed */
    ASSERT_RC(vk_rmdir(S(vm), "/mnt/inner"), VOS_EBUSY);
    ASSERT_RC(vk_rename(S(vm), "/mnt/inner", "/mnt/other"), VOS_EBUSY);
    /* files do not move across mounts with rename */
    ASSERT_RC(vk_rename(S(vm), "/mnt/inner/f", "/tmp/f"), VOS_EXDEV);
}

TEST(path_symlinks_relative_and_absolute)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = S(vm);
    put(vm, "/tmp/target", "hello");
    ASSERT_OK(vk_symlink(s, "target", "/tmp/rel"));
    ASSERT_OK(vk_symlink(s, "/tmp/target", "/tmp/abs"));
    ASSERT_OK(vk_mkdir(s, "/tmp/d", 0755));
    ASSERT_OK(vk_symlink(s, "../target", "/tmp/d/up"));
    ASSERT_OK(vk_symlink(s, "/tmp/d", "/tmp/dl"));
    const char *paths[] = {"/tmp/rel", "/tmp/abs", "/tmp/d/up", "/tmp/dl/up", "/tmp/dl/../target"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        void *data;
        size_t len;
        ASSERT_OK(vos_read_file(vm, paths[i], &data, &len));
        ASSERT_STR(data, "hello");
        vos_free(data);
    }
    struct vk_stat st;
    ASSERT_OK(vk_lstat(s, "/tmp/rel", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    char buf[64];
    ssize_t n = vk_readlink(s, "/tmp/abs", buf, sizeof buf);
    ASSERT_EQ(n, 11);
    ASSERT(memcmp(buf, "/tmp/target", 11) == 0);
    ASSERT_RC((int)vk_readlink(s, "/tmp/target", buf, sizeof buf), VOS_EINVAL);
    /* a dangling link: lstat works, stat does not */
    ASSERT_OK(vk_symlink(s, "/nowhere", "/tmp/dangling"));
    ASSERT_OK(vk_lstat(s, "/tmp/dangling", &st));
    ASSERT_RC(vk_stat(s, "/tmp/dangling", &st), VOS_ENOENT);
    /* an absolute link climbing with .. stays in the VM */
    ASSERT_OK(vk_symlink(s, "/../../../../etc/hostname", "/tmp/climb"));
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/tmp/climb", &data, &len));
    ASSERT_STR(data, "vos\n");
    vos_free(data);
}

TEST(path_symlink_loop_bound_is_40)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = S(vm);
    put(vm, "/tmp/f", "x");
    char a[64], b[64];
    ASSERT_OK(vk_symlink(s, "/tmp/f", "/tmp/l1"));
    for (int i = 2; i <= 41; i++) {
        snprintf(a, sizeof a, "/tmp/l%d", i - 1);
        snprintf(b, sizeof b, "/tmp/l%d", i);
        ASSERT_OK(vk_symlink(s, a, b));
    }
    struct vk_stat st;
    ASSERT_OK(vk_stat(s, "/tmp/l40", &st)); /* 40 links followed */
    ASSERT_RC(vk_stat(s, "/tmp/l41", &st), VOS_ELOOP); /* 41 */
    ASSERT_OK(vk_symlink(s, "/tmp/loopb", "/tmp/loopa"));
    ASSERT_OK(vk_symlink(s, "/tmp/loopa", "/tmp/loopb"));
    ASSERT_RC(vk_stat(s, "/tmp/loopa", &st), VOS_ELOOP);
    ASSERT_RC(vk_open(s, "/tmp/loopa/x", VK_O_RDONLY, 0), VOS_ELOOP);
    ASSERT_OK(vk_lstat(s, "/tmp/loopa", &st));
}

TEST(path_errors)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = S(vm);
    struct vk_stat st;
    put(vm, "/tmp/file", "x");
    ASSERT_RC(vk_stat(s, "/tmp/file/", &st), VOS_ENOTDIR);
    ASSERT_RC(vk_stat(s, "/tmp/file/x", &st), VOS_ENOTDIR);
    ASSERT_RC(vk_stat(s, "/tmp/nope/x", &st), VOS_ENOENT);
    ASSERT_RC(vk_stat(s, "", &st), VOS_ENOENT);
    char name[300];
    memset(name, 'a', 257);
    name[0] = '/';
    name[257] = 0; /* a 256-byte component */
    ASSERT_RC(vk_stat(s, name, &st), VOS_ENAMETOOLONG);
    static char longpath[5000];
    for (int i = 0; i < 4999; i++) longpath[i] = i % 2 ? 'a' : '/';
    ASSERT_RC(vk_stat(s, longpath, &st), VOS_ENAMETOOLONG);
    ASSERT_RC(vk_rmdir(s, "/tmp/."), VOS_EINVAL);
    ASSERT_RC(vk_mkdir(s, "/tmp", 0755), VOS_EEXIST);
    ASSERT_RC(vk_unlink(s, "/tmp"), VOS_EISDIR);
    ASSERT_RC(vk_rmdir(s, "/tmp/file"), VOS_ENOTDIR);
    ASSERT_RC(vk_chdir(s, "/tmp/file"), VOS_ENOTDIR);
    ASSERT_RC(vk_open(s, "/tmp/file", VK_O_RDONLY | VK_O_DIRECTORY, 0), VOS_ENOTDIR);
    ASSERT_RC(vk_open(s, "/tmp", VK_O_WRONLY, 0), VOS_EISDIR);
    ASSERT_RC(vk_open(s, "/tmp/file", VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0644), VOS_EEXIST);
}

TEST(path_base_filesystem)
{
    vos_vm *vm = test_vm_new();
    vk_proc *s = S(vm);
    struct vk_stat st;
    ASSERT_OK(vk_stat(s, "/bin/echo", &st));
    ASSERT(VK_S_ISREG(st.mode) && (st.mode & 0111));
    ASSERT_OK(vk_stat(s, "/usr/bin/sh", &st));
    ASSERT_RC(vk_stat(s, "/bin/no-such-command", &st), VOS_ENOENT);
    ASSERT_OK(vk_lstat(s, "/bin", &st));
    ASSERT(VK_S_ISLNK(st.mode));
    ASSERT_STR(vk_getcwd(s), "/home/agent");
    ASSERT_OK(vk_stat(s, "/tmp", &st));
    ASSERT_EQ(st.mode & 07777, 01777);
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/etc/passwd", &data, &len));
    ASSERT(strstr(data, "agent:x:1000:1000:agent:/home/agent:/bin/bash\n") != NULL);
    vos_free(data);
    /* /dev */
    int fd = vk_open(s, "/dev/null", VK_O_RDWR, 0);
    ASSERT(fd >= 0);
    char buf[16];
    ASSERT_EQ(vk_read(s, fd, buf, sizeof buf), 0);
    ASSERT_EQ(vk_write(s, fd, "abc", 3), 3);
    vk_close(s, fd);
    fd = vk_open(s, "/dev/zero", VK_O_RDONLY, 0);
    memset(buf, 1, sizeof buf);
    ASSERT_EQ(vk_read(s, fd, buf, sizeof buf), 16);
    ASSERT_EQ(buf[7], 0);
    vk_close(s, fd);
    fd = vk_open(s, "/dev/full", VK_O_WRONLY, 0);
    ASSERT_RC((int)vk_write(s, fd, "x", 1), VOS_ENOSPC);
    vk_close(s, fd);
    ASSERT_RC(vk_open(s, "/dev/newfile", VK_O_WRONLY | VK_O_CREAT, 0644), VOS_EACCES);
    /* /proc/self is the calling process; its fd entries are magic links to the open files */
    ASSERT_OK(vk_stat(s, "/proc/self", &st));
    ASSERT(VK_S_ISDIR(st.mode));
    fd = vk_open(s, "/etc/hostname", VK_O_RDONLY, 0);
    ASSERT(fd >= 0);
    char pth[64];
    snprintf(pth, sizeof pth, "/proc/self/fd/%d", fd);
    ssize_t n = vk_readlink(s, pth, buf, sizeof buf);
    ASSERT_EQ(n, 13);
    ASSERT(memcmp(buf, "/etc/hostname", 13) == 0);
    snprintf(pth, sizeof pth, "/dev/fd/%d", fd);
    int fd2 = vk_open(s, pth, VK_O_RDONLY, 0);
    ASSERT(fd2 >= 0);
    ASSERT_EQ(vk_read(s, fd2, buf, 3), 3);
    ASSERT(memcmp(buf, "vos", 3) == 0);
    vk_close(s, fd);
    vk_close(s, fd2);
    ASSERT_OK(vos_read_file(vm, "/proc/meminfo", &data, &len));
    ASSERT(strncmp(data, "MemTotal:", 9) == 0);
    vos_free(data);
}

TEST(path_policy_rules)
{
    vos_path_rule rules[] = {
        {"/secret", VOS_ACCESS_NONE},
        {"/ro", VOS_ACCESS_READ},
        {"/ro/rw", VOS_ACCESS_RW},
    };
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.path_rules = rules;
    cfg.n_path_rules = 3;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    /* the host is not bound by the VM's rules */
    ASSERT_OK(vos_mkdir(vm, "/ro/rw", 0755, 1));
    put(vm, "/secret", "s");
    put(vm, "/ro/file", "r");
    /* a process in the VM is */
    vk_proc *c;
    ASSERT_OK(vk_proc_new(S(vm), &c));
    struct vk_stat st;
    ASSERT_RC(vk_stat(c, "/secret", &st), VOS_EDENIED);
    ASSERT(strstr(kmsg(vm), "'/secret' (none)") != NULL);
    ASSERT_RC(vk_open(c, "/secret", VK_O_RDONLY, 0), VOS_EDENIED);
    ASSERT_OK(vk_stat(c, "/ro/file", &st));
    int fd = vk_open(c, "/ro/file", VK_O_RDONLY, 0);
    ASSERT(fd >= 0);
    vk_close(c, fd);
    ASSERT_RC(vk_open(c, "/ro/file", VK_O_WRONLY, 0), VOS_EDENIED);
    ASSERT(strstr(kmsg(vm), "'/ro' (read-only)") != NULL);
    ASSERT_RC(vk_open(c, "/ro/new", VK_O_WRONLY | VK_O_CREAT, 0644), VOS_EDENIED);
    ASSERT_RC(vk_unlink(c, "/ro/file"), VOS_EDENIED);
    ASSERT_RC(vk_rename(c, "/ro/file", "/tmp/file"), VOS_EDENIED);
    /* the longest matching rule wins */
    fd = vk_open(c, "/ro/rw/new", VK_O_WRONLY | VK_O_CREAT, 0644);
    ASSERT(fd >= 0);
    vk_close(c, fd);
    /* a symlink does not get around a rule: the rule applies to where it leads */
    ASSERT_OK(vk_symlink(c, "/secret", "/tmp/sneak"));
    ASSERT_RC(vk_open(c, "/tmp/sneak", VK_O_RDONLY, 0), VOS_EDENIED);
    vk_proc_discard(c);
}

/* The directory cache never answers for a path whose meaning changed: a rename, an rmdir and a
 * new directory of the same name, a mount over it; and a host directory changed by the host is
 * seen again after a short while. */
TEST(path_dir_cache_follows_changes)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "mkdir -p /tmp/a; echo x > /tmp/a/f; ls /tmp/a; mv /tmp/a /tmp/b; "
                    "cat /tmp/a/f 2>/dev/null || echo gone; cat /tmp/b/f; mkdir /tmp/a; "
                    "ls /tmp/a; echo y > /tmp/a/f; cat /tmp/a/f; rm /tmp/a/f; rmdir /tmp/a; "
                    "mkdir /tmp/a; ls /tmp/a; cat /tmp/a/f 2>/dev/null || echo empty",
                "f\ngone\nx\ny\nempty\n", 0);
    /* a cached directory's mode, used for the write checks of what is made in it, follows
     * chmod */
    ASSERT_EXEC(vm, "mkdir /tmp/c; ls /tmp/c; touch /tmp/c/a; rm /tmp/c/a; chmod 555 /tmp/c; "
                    "touch /tmp/c/b 2>/dev/null || echo denied; echo x > /tmp/c/b || echo no; "
                    "chmod 755 /tmp/c; touch /tmp/c/b && echo ok",
                "denied\nno\nok\n", 0);
    ASSERT_EXEC(vm, "mkdir -p /tmp/m; echo under > /tmp/m/f; ls /tmp/m >/dev/null", "", 0);
    vos_mount_spec ms = {.struct_size = sizeof ms, .kind = VOS_MOUNT_MEMFS};
    ASSERT_OK(vos_mount(vm, "/tmp/m", &ms));
    ASSERT_EXEC(vm, "cat /tmp/m/f 2>/dev/null || echo covered", "covered\n", 0);
    const char *d = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/sub", d);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/f", d);
    FILE *fp = fopen(p, "w");
    fputs("one\n", fp);
    fclose(fp);
    vos_mount_spec hs = {.struct_size = sizeof hs, .kind = VOS_MOUNT_HOST_RW, .host_path = d};
    ASSERT_OK(vos_mount(vm, "/h", &hs));
    ASSERT_EXEC(vm, "ls /h/sub; cat /h/sub/f", "f\none\n", 0);
    /* the host replaces the directory */
    char q[4096];
    snprintf(p, sizeof p, "%s/sub", d);
    snprintf(q, sizeof q, "%s/old", d);
    ASSERT_OK(rename(p, q));
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sub/f", d);
    fp = fopen(p, "w");
    fputs("two\n", fp);
    fclose(fp);
    usleep(300000); /* past the time a host directory is trusted */
    ASSERT_EXEC(vm, "cat /h/sub/f", "two\n", 0);
}
