/* cmd_sqlite.c: the sqlite3 command's bounds and its files. A runaway query stops at the
 * exec's step and time limits, at an interrupt and at the VM's memory limit, leaving the VM
 * usable; a database obeys memfs quotas ("database or disk is full") and read-only mounts
 * ("attempt to write a readonly database"); a database on a host mount is a real SQLite file.
 * (Output bytes are checked against the sqlite3 CLI in tests/cmd/sqlite3.test.) */
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

#define RUNAWAY "sqlite3 :memory: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) " \
                "SELECT count(*) FROM c;'"

static void assert_contains(const char *file, int line, const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle)) test_fail(file, line, "\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}
#define ASSERT_CONTAINS(h, n) assert_contains(__FILE__, __LINE__, (h), (n))

/* Names in a host directory other than those listed (NULL-terminated), or "" */
static const char *extra_names(const char *dir, const char *const *known)
{
    static char out[1024];
    out[0] = 0;
    DIR *d = opendir(dir);
    if (!d) return "(cannot open)";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        bool ok = false;
        for (const char *const *k = known; *k; k++)
            if (!strcmp(*k, e->d_name)) ok = true;
        if (!ok && strlen(out) + strlen(e->d_name) + 2 < sizeof out) {
            strcat(out, e->d_name);
            strcat(out, " ");
        }
    }
    closedir(d);
    return out;
}

TEST(sqlite_runaway_query_stops_at_step_limit)
{
    vos_vm *vm = test_vm_new();
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    vos_limits lim;
    vos_limits_init(&lim);
    lim.cpu_steps = 200000;
    o.limits = &lim;
    vos_result r;
    vos_result_init(&r);
    int64_t t0 = test_now_ms();
    int rc = vos_exec(vm, RUNAWAY, &o, &r);
    ASSERT_RC(rc, VOS_ESTEPS);
    ASSERT(test_now_ms() - t0 < 10000 * TEST_SLOW);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 :memory: 'select 1+1'", "2\n", 0);
}

TEST(sqlite_runaway_query_stops_at_time_limit)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int64_t t0 = test_now_ms();
    int rc = test_exec_limited(vm, RUNAWAY, 300, 0, &r);
    ASSERT_RC(rc, VOS_ETIME);
    ASSERT(test_now_ms() - t0 < 5000 * TEST_SLOW);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 :memory: 'select 1+1'", "2\n", 0);
}

TEST(sqlite_runaway_query_stops_at_interrupt)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    int rc = test_exec_interrupted(vm, RUNAWAY, 200, &r, NULL);
    ASSERT_RC(rc, VOS_EINTERRUPTED);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 :memory: 'select 1+1'", "2\n", 0);
}

TEST(sqlite_memory_limit_stops_a_growing_database)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.mem_bytes = 16u << 20;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    /* 100 MB of rows in a memory database: its pages live in the connection's cache */
    int rc = vos_exec(vm,
                      "sqlite3 :memory: 'create table t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                      "SELECT i+1 FROM c WHERE i<100000) insert into t select randomblob(1000) from c; "
                      "select count(*) from t'",
                      NULL, &r);
    ASSERT_RC(rc, VOS_EMEMLIMIT);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 :memory: 'select 1+1'", "2\n", 0);
    /* one blob bigger than the VM's memory is refused before SQLite allocates it */
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "sqlite3 :memory: 'select length(randomblob(900000000))'", &r));
    ASSERT_EQ(r.status, 18);
    ASSERT_STR(r.err, "Error: stepping, string or blob too big (18)\n");
    vos_result_free(&r);
}

TEST(sqlite_quota_gives_disk_full)
{
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    lim.fs_bytes = 256 * 1024;
    cfg.limits = &lim;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm,
                        "cd /tmp && sqlite3 q.db 'create table t(x)' && sqlite3 q.db 'WITH RECURSIVE "
                        "c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<1000) insert into t "
                        "select randomblob(1000) from c'",
                        &r));
    ASSERT_EQ(r.status, 13);
    ASSERT_STR(r.err, "Error: stepping, database or disk is full (13)\n");
    vos_result_free(&r);
    /* the failed transaction rolled back: the database is intact and its journal gone */
    ASSERT_EXEC(vm, "cd /tmp && sqlite3 q.db 'select count(*) from t; pragma integrity_check' && ls",
                "0\nok\nq.db\n", 0);
}

TEST(sqlite_read_only_mount)
{
    const char *dir = test_tmpdir();
    /* make the database through a read-write mount, then look at it read-only */
    vos_vm *vm = test_vm_new();
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/rw", &ms));
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RO;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/ro", &ms));
    ASSERT_EXEC(vm, "sqlite3 /rw/r.db 'create table t(a); insert into t values(7)'", "", 0);
    /* a real SQLite file on the host */
    char path[4096];
    snprintf(path, sizeof path, "%s/r.db", dir);
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    char head[16];
    ASSERT_EQ(fread(head, 1, 16, f), 16);
    fclose(f);
    ASSERT(memcmp(head, "SQLite format 3", 16) == 0);
    ASSERT_EXEC(vm, "sqlite3 /ro/r.db 'select a from t'", "7\n", 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "sqlite3 /ro/r.db 'insert into t values(8)'", &r));
    ASSERT_EQ(r.status, 8);
    ASSERT_STR(r.err, "Error: stepping, attempt to write a readonly database (8)\n");
    vos_result_free(&r);
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "sqlite3 /ro/new.db 'create table t(a)'", &r));
    ASSERT_EQ(r.status, 1);
    ASSERT_CONTAINS(r.err, "unable to open database");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 /rw/r.db 'select count(*) from t'", "1\n", 0);
}

TEST(sqlite_overlay_keeps_writes_in_memory)
{
    const char *dir = test_tmpdir();
    vos_vm *vm = test_vm_new();
    vos_mount_spec ms;
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_HOST_RW;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/rw", &ms));
    ASSERT_EXEC(vm, "sqlite3 /rw/o.db 'create table t(a); insert into t values(1)'", "", 0);
    vos_mount_spec_init(&ms);
    ms.kind = VOS_MOUNT_OVERLAY;
    ms.host_path = dir;
    ASSERT_OK(vos_mount(vm, "/ov", &ms));
    ASSERT_EXEC(vm, "sqlite3 /ov/o.db 'insert into t values(2); select sum(a) from t'", "3\n", 0);
    /* the host file did not change */
    ASSERT_EXEC(vm, "sqlite3 /rw/o.db 'select sum(a) from t'", "1\n", 0);
}

TEST(sqlite_locks_between_connections)
{
    vos_vm *vm = test_vm_new();
    /* a writer holding a transaction open makes a second writer busy; readers still read */
    ASSERT_EXEC(vm,
                "cd /tmp && sqlite3 l.db 'create table t(a)' && "
                "{ echo 'begin exclusive; insert into t values(1);'; sleep 2; echo 'commit;'; } | sqlite3 l.db & "
                "sleep 0.8; sqlite3 /tmp/l.db 'insert into t values(2)'; echo $?; wait; "
                "sqlite3 /tmp/l.db 'select count(*) from t'",
                "5\n1\n", 0);
}

TEST(sqlite_uri_cannot_reach_host_files)
{
    /* the host's libsqlite3 takes URIs, and a URI can name the host's own VFS */
    const char *dir = test_tmpdir();
    char script[8192];
    vos_vm *vm = test_vm_new();
    snprintf(script, sizeof script,
             "sqlite3 :memory: \"attach 'file:%s/a.db?vfs=unix' as h; create table h.t(x)\"; echo $?; "
             "sqlite3 :memory: \"attach 'file:%s/b.db?v%%66s=unix' as h; create table h.t(x)\"; echo $?; "
             "sqlite3 :memory: \"attach 'file:' || '%s/c.db?vfs=unix' as h; create table h.t(x)\"; echo $?; "
             "sqlite3 'file:%s/d.db?vfs=unix' 'create table t(x)'; echo $?; "
             "sqlite3 :memory: \"create table t(a); vacuum into 'file:%s/e.db?vfs=unix'\"; echo $?",
             dir, dir, dir, dir, dir);
    ASSERT_EXEC(vm, script, "23\n23\n23\n1\n23\n", 0);
    const char *none[] = {NULL};
    ASSERT_STR(extra_names(dir, none), "");
    /* a plain URI still works, on the VM's files */
    ASSERT_EXEC(vm, "cd /tmp && sqlite3 'file:u.db' 'create table t(a)' && ls", "u.db\n", 0);
}

TEST(sqlite_no_pointer_tokenizer_and_no_threads)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "sqlite3 :memory: \"select fts3_tokenizer('simple', x'0102030405060708')\"", &r));
    ASSERT_EQ(r.status, 1);
    ASSERT_STR(r.err, "Error: stepping, fts3tokenize disabled\n");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "sqlite3 :memory: 'pragma threads=4; pragma threads'", "0\n", 0);
    /* global settings of the host's SQLite stay as they are */
    ASSERT_EXEC(vm, "sqlite3 :memory: 'pragma hard_heap_limit=1000; pragma soft_heap_limit=5; select 1'", "1\n", 0);
    ASSERT_EQ(sqlite3_hard_heap_limit64(-1), 0);
    ASSERT_EQ(sqlite3_soft_heap_limit64(-1), 0);
}
