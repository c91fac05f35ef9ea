/* cmd_fs.c: what the filesystem commands do that tests/cmd cannot show against GNU: moves
 * across mounts (copy + remove), owner names from the VM's /etc files, stat's default format,
 * and trees deeper than a thread stack would allow with recursion. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

static void mount_memfs(vos_vm *vm, const char *at)
{
    vos_mount_spec spec = {.struct_size = sizeof spec, .kind = VOS_MOUNT_MEMFS, .host_path = NULL};
    ASSERT_OK(vos_mount(vm, at, &spec));
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Run a script, assert it ends with status, and return a copy of its stdout (static). */
static const char *run(vos_vm *vm, const char *script, int status)
{
    static char out[8192];
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, script, &r);
    if (rc != 0 || r.status != status)
        test_fail(__FILE__, __LINE__, "exec %s: rc %d status %d (want %d)\n  out: %s\n  err: %s",
                  script, rc, r.status, status, r.out, r.err);
    snprintf(out, sizeof out, "%s", r.out);
    vos_result_free(&r);
    return out;
}

TEST(mv_across_mounts_copies_then_removes)
{
    vos_vm *vm = test_vm_new();
    mount_memfs(vm, "/mnt/m");
    const char *out = run(vm,
                          "cd /tmp && mkdir -p d/sub && echo hi > d/sub/f && "
                          "ln -s sub/f d/l && mkdir -m 700 d/priv && "
                          "touch -d @1000 d/sub/f d/sub d/priv d && mv -v d /mnt/m/",
                          0);
    ASSERT_STR(out, "created directory '/mnt/m/d'\n"
                    "copied 'd/l' -> '/mnt/m/d/l'\n"
                    "created directory '/mnt/m/d/priv'\n"
                    "created directory '/mnt/m/d/sub'\n"
                    "copied 'd/sub/f' -> '/mnt/m/d/sub/f'\n"
                    "removed 'd/l'\n"
                    "removed directory 'd/priv'\n"
                    "removed 'd/sub/f'\n"
                    "removed directory 'd/sub'\n"
                    "removed directory 'd'\n");
    out = run(vm, "cd /mnt/m/d && stat -c '%n %F %a %Y' . sub sub/f priv && stat -c %N l && "
                  "ls /tmp",
              0);
    ASSERT_STR(out, ". directory 755 1000\n"
                    "sub directory 755 1000\n"
                    "sub/f regular file 644 1000\n"
                    "priv directory 700 1000\n"
                    "'l' -> 'sub/f'\n");
    void *data;
    size_t len;
    ASSERT_OK(vos_read_file(vm, "/mnt/m/d/sub/f", &data, &len));
    ASSERT_EQ(len, 3);
    ASSERT(memcmp(data, "hi\n", 3) == 0);
    vos_free(data);
    /* a plain file, over an existing one, without -v */
    run(vm, "echo new > /tmp/a && echo old > /mnt/m/a && mv /tmp/a /mnt/m/a", 0);
    ASSERT_OK(vos_read_file(vm, "/mnt/m/a", &data, &len));
    ASSERT_EQ(len, 4);
    vos_free(data);
    out = run(vm, "ls /tmp; ls /mnt/m", 0);
    ASSERT_STR(out, "a\nd\n");
}

TEST(ls_and_stat_show_vm_owner_names)
{
    vos_vm *vm = test_vm_new();
    const char *out = run(vm, "cd /tmp && : > f && stat -c '%U %u' f && ls -l f", 0);
    /* the session user is agent (uid 1000); its group comes from /etc/group */
    ASSERT(starts_with(out, "agent 1000\n-rw-r--r-- 1 agent "));
    out = run(vm, "ls -n /tmp/f", 0);
    ASSERT(starts_with(out, "-rw-r--r-- 1 1000 "));
    out = run(vm, "stat -c '%U %G' /", 0);
    ASSERT_STR(out, "root root\n");
}

TEST(stat_default_format)
{
    vos_vm *vm = test_vm_new();
    const char *out = run(vm,
                          "cd /tmp && printf hello > a && touch -d '2020-01-02 03:04:05' a && "
                          "ln -s a l && stat a l",
                          0);
    ASSERT(starts_with(out, "  File: a\n  Size: 5         \tBlocks: "));
    ASSERT(strstr(out, " IO Block: ") != NULL);
    ASSERT(strstr(out, "   regular file\nDevice: ") != NULL);
    ASSERT(strstr(out, "Access: (0644/-rw-r--r--)  Uid: ( 1000/   agent)   Gid: ") != NULL);
    ASSERT(strstr(out, "\nAccess: 2020-01-02 03:04:05.000000000 +0000\n"
                       "Modify: 2020-01-02 03:04:05.000000000 +0000\nChange: ") != NULL);
    ASSERT(strstr(out, " Birth: -\n  File: l -> a\n  Size: 1 ") != NULL);
    ASSERT(strstr(out, "Access: (0777/lrwxrwxrwx)") != NULL);
    out = run(vm, "stat -t /tmp/a", 0);
    ASSERT(starts_with(out, "/tmp/a 5 "));
}

TEST(deep_trees_copy_list_and_remove)
{
    vos_vm *vm = test_vm_new();
    /* 600 levels: far deeper than a recursive walk would want on a thread's stack */
    char deep[1300] = "d";
    for (int i = 0; i < 600; i++) strcat(deep, "/d");
    char script[8192];
    snprintf(script, sizeof script,
             "cd /tmp && mkdir -p %s && : > %s/leaf && cp -r d e && stat -c %%F e/%s/leaf && "
             "ls -R e > list && n=0 && while read -r line; do "
             "case $line in *:) n=$((n + 1));; esac; done < list && echo $n && "
             "rm -r d e list && ls",
             deep, deep, deep + 2);
    const char *out = run(vm, script, 0);
    ASSERT_STR(out, "regular empty file\n601\n");
}

/* cp, mv (across mounts) and sort -o over an existing file: when the new content cannot be
 * written whole (here the VM's memory, which holds memfs files, runs out), the old content
 * stays and no temporary file is left beside it. */
TEST(overwrite_that_fails_midway_keeps_the_old_content)
{
    const char *dir = test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/big", dir);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    for (int i = 0; i < 100000; i++) fprintf(f, "line %d of a file bigger than the VM's memory\n", i);
    fclose(f);
    snprintf(path, sizeof path, "%s/big2", dir);
    f = fopen(path, "w");
    ASSERT(f != NULL);
    for (int i = 0; i < 100000; i++) fprintf(f, "another line %d, too big to fit\n", i);
    fclose(f);

    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = 3u << 20;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/h", &ms));
    ASSERT(strcmp(run(vm, "mkdir /tmp/w; echo old > /tmp/w/c; cp /h/big /tmp/w/c", 1), "") == 0);
    ASSERT(strcmp(run(vm, "cat /tmp/w/c; ls -A /tmp/w", 0), "old\nc\n") == 0);
    ASSERT(starts_with(run(vm, "echo old > /tmp/w/m; mv /h/big2 /tmp/w/m", 1), ""));
    ASSERT(strcmp(run(vm, "cat /tmp/w/m; ls -A /tmp/w; ls /h", 0), "old\nc\nm\nbig\nbig2\n") == 0);
    run(vm, "echo old > /tmp/w/s; sort -o /tmp/w/s /h/big", 2);
    ASSERT(strcmp(run(vm, "cat /tmp/w/s; ls -A /tmp/w", 0), "old\nc\nm\ns\n") == 0);
    vos_vm_free(vm);
}
