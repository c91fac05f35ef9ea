/* fs_memfs.c: the memory filesystem's lookups. Big directories are hashed and deep paths
 * walk from the last directory reached; both must answer exactly as the plain scan did, in
 * every order of creation, removal and rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "fs/hostfs.h"
#include "fs/memfs.h"
#include "fs/overlay.h"
#include "kernel/internal.h"
#include "test.h"

/* Does /d/<name> exist, as the model says it should? */
static void check_all(vos_vm *vm, const char *dir, const unsigned char *present, int n)
{
    char path[64];
    vos_stat st;
    st.struct_size = sizeof st;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        int rc = vos_stat_path(vm, path, &st);
        if (present[i] ? rc != 0 : rc != VOS_ENOENT)
            test_fail(__FILE__, __LINE__, "%s: rc %d, want %s", path, rc,
                      present[i] ? "present" : "ENOENT");
    }
}

TEST(memfs_big_directory_index_agrees_with_the_model)
{
    vos_vm *vm = test_vm_new();
    enum { N = 3000 };
    unsigned char *in_a = calloc(N, 1), *in_b = calloc(N, 1);
    char p[64], q[64];
    ASSERT_OK(vos_mkdir(vm, "/a", 0755, 0));
    ASSERT_OK(vos_mkdir(vm, "/b", 0755, 0));
    for (int i = 0; i < N; i++) {
        snprintf(p, sizeof p, "/a/f%d", i);
        ASSERT_OK(vos_write_file(vm, p, "x", 1, 0644));
        in_a[i] = 1;
    }
    check_all(vm, "/a", in_a, N);
    /* remove every third, move every fifth to /b, rename every seventh within /a */
    srand(7);
    for (int i = 0; i < N; i++) {
        if (!in_a[i]) continue;
        snprintf(p, sizeof p, "/a/f%d", i);
        if (i % 3 == 0) {
            ASSERT_OK(vos_remove(vm, p, 0));
            in_a[i] = 0;
        } else if (i % 5 == 0) {
            snprintf(q, sizeof q, "/b/f%d", i);
            ASSERT_OK(vos_rename(vm, p, q));
            in_a[i] = 0;
            in_b[i] = 1;
        } else if (i % 7 == 0 && i + 1 < N && !in_a[i + 1] && (i + 1) % 3 != 0) {
            snprintf(q, sizeof q, "/a/f%d", i + 1);
            ASSERT_OK(vos_rename(vm, p, q));
            in_a[i] = 0;
            in_a[i + 1] = 1;
        }
    }
    check_all(vm, "/a", in_a, N);
    check_all(vm, "/b", in_b, N);
    /* the listing holds exactly the survivors */
    char **names;
    size_t n, want = 0;
    for (int i = 0; i < N; i++) want += in_a[i];
    ASSERT_OK(vos_list_dir(vm, "/a", &names, &n));
    ASSERT_EQ(n, want);
    vos_free_list(names, n);
    /* shrink below the index and grow again: still right */
    for (int i = 0; i < N; i++) {
        if (!in_a[i] || i < 5) continue;
        snprintf(p, sizeof p, "/a/f%d", i);
        ASSERT_OK(vos_remove(vm, p, 0));
        in_a[i] = 0;
    }
    check_all(vm, "/a", in_a, N);
    for (int i = 0; i < 100; i++) {
        snprintf(p, sizeof p, "/a/f%d", i);
        ASSERT_OK(vos_write_file(vm, p, "y", 1, 0644));
        in_a[i] = 1;
    }
    check_all(vm, "/a", in_a, N);
    /* creation order is the listing order of ls -U, as before */
    ASSERT_EXEC(vm, "cd /b && touch zz aa && ls -U | tail -n 2", "zz\naa\n", 0);
    free(in_a);
    free(in_b);
}

TEST(memfs_deep_paths_after_removal_and_rename)
{
    vos_vm *vm = test_vm_new();
    /* the walk starts from the last directory reached: it must forget a directory that is
     * gone or moved, even when a new one takes its name */
    ASSERT_EXEC(vm,
                "mkdir -p /tmp/t/a/b/c && echo 1 > /tmp/t/a/b/c/f && rm -r /tmp/t/a && mkdir -p /tmp/t/a/b/c "
                "&& cat /tmp/t/a/b/c/f 2>/dev/null; echo $?; echo 2 > /tmp/t/a/b/c/f; cat /tmp/t/a/b/c/f",
                "1\n2\n", 0);
    ASSERT_EXEC(vm,
                "mv /tmp/t/a /tmp/t/x && cat /tmp/t/x/b/c/f && ls /tmp/t/a 2>/dev/null; echo $?; "
                "mkdir /tmp/t/a; mv /tmp/t/x/b /tmp/t/a/; cat /tmp/t/a/b/c/f; ls /tmp/t/x",
                "2\n2\n2\n", 0);
    /* 1000 levels: linear per lookup, so mkdir -p, find and rm -r take milliseconds */
    ASSERT_EXEC(vm,
                "d=$(printf 'd/%.0s' $(seq 1000)); cd /tmp/t && mkdir -p $d && echo x > $d/f && "
                "cat $d/f && cd $d && cd /tmp/t && rm -r d && ls /tmp/t",
                "x\na\nx\n", 0);
}

/* Straight through the driver, where a walk may start below a directory just removed or
 * moved (the kernel itself always walks down from the top). */
TEST(memfs_driver_forgets_removed_and_moved_directories)
{
    vos_vm *vm = test_vm_new();
    vos_fs *m = NULL;
    ASSERT_OK(memfs_new(vk_host(api_kvm(vm)), &m));
    vos_dstat st;
    ASSERT_OK(m->ops->mkdir(m, NULL, "a", 0755));
    ASSERT_OK(m->ops->mkdir(m, NULL, "a/b", 0755));
    ASSERT_OK(m->ops->mkdir(m, NULL, "a/b/c", 0755));
    ASSERT_OK(m->ops->lstat(m, NULL, "a/b", &st)); /* the walk now starts at a/b */
    ASSERT_OK(m->ops->rmdir(m, NULL, "a/b/c"));
    ASSERT_OK(m->ops->rmdir(m, NULL, "a/b"));
    ASSERT_RC(m->ops->lstat(m, NULL, "a/b/c", &st), VOS_ENOENT);
    ASSERT_OK(m->ops->mkdir(m, NULL, "a/b", 0755));
    ASSERT_OK(m->ops->mkdir(m, NULL, "x", 0755));
    ASSERT_OK(m->ops->lstat(m, NULL, "a/b", &st));
    ASSERT_OK(m->ops->rename(m, NULL, "a/b", "x/b"));
    ASSERT_RC(m->ops->mkdir(m, NULL, "a/b/c", 0755), VOS_ENOENT);
    ASSERT_OK(m->ops->mkdir(m, NULL, "x/b/c", 0755));
    ASSERT_OK(m->ops->lstat(m, NULL, "x/b/c", &st));
    ASSERT_EQ(VK_S_ISDIR(st.mode), 1);
    m->ops->unmount(m);
}
