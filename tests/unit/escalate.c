/* escalate.c: programs the VM escalates (python3, git, cc, node) run natively in a bubblewrap
 * jail over the VM's files (src/kernel/escalate.c). Each test is skipped, with the reason
 * printed, when the machine has no bwrap or no user namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "kernel/escalate.h"

/* NULL when escalation can run here, else why not. */
static const char *why_not(void)
{
    static int state; /* 0 unknown, 1 yes, 2 no */
    static char reason[200];
    if (state == 0) {
        state = 1;
        if (access("/usr/bin/bwrap", X_OK) != 0) {
            snprintf(reason, sizeof reason, "/usr/bin/bwrap is not installed");
            state = 2;
        } else if (system("/usr/bin/bwrap --unshare-all --unshare-user --ro-bind /usr /usr "
                          "--symlink usr/lib64 /lib64 --symlink usr/lib /lib "
                          "/usr/bin/true 2>/dev/null") != 0) {
            snprintf(reason, sizeof reason, "bwrap cannot create user namespaces here");
            state = 2;
        } else if (access("/usr/bin/python3", X_OK) != 0 || access("/usr/bin/git", X_OK) != 0) {
            snprintf(reason, sizeof reason, "/usr/bin/python3 or /usr/bin/git is missing");
            state = 2;
        }
    }
    return state == 2 ? reason : NULL;
}

#define SKIP_UNLESS_JAIL()                                                                         \
    do {                                                                                           \
        if (why_not()) {                                                                           \
            printf("  skipped %s: %s\n", __func__, why_not());                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static const char *const progs[] = {"python3", "git", "cc", "node", "make", "a.out", "x", NULL};

static vos_vm *esc_vm(uint64_t fs_bytes)
{
    vos_config cfg;
    vos_config_init(&cfg);
    static vos_limits lim;
    vos_limits_init(&lim);
    lim.fs_bytes = fs_bytes;
    cfg.limits = &lim;
    cfg.escalate = progs;
    return test_vm_new_cfg(&cfg);
}

/* Run script, assert stdout and status (stderr shown on failure). */
#define RUN(vm_, script_, out_, status_) ASSERT_EXEC(vm_, script_, out_, status_)

TEST(escalate_denied_by_default)
{
    vos_vm *vm = test_vm_new();
    RUN(vm, "python3 -c 'print(1)' 2>/dev/null; echo $?", "127\n", 0);
    RUN(vm, "ls /usr/bin/python3 2>/dev/null; echo $?", "2\n", 0);
}

TEST(escalate_denied_rule_wins)
{
    SKIP_UNLESS_JAIL();
    vos_config cfg;
    vos_config_init(&cfg);
    static const char *const deny[] = {"python3", NULL};
    cfg.escalate = progs;
    cfg.denied_commands = deny;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    RUN(vm, "python3 -c 'print(1)' 2>/dev/null; echo $?", "127\n", 0);
}

TEST(escalate_python_memfs)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    RUN(vm, "cd /home/agent && printf 'hello\\n' > a.txt && mkdir -p d && "
            "python3 -c 'import os\n"
            "s = open(\"a.txt\").read()\n"
            "open(\"d/b.txt\", \"w\").write(s.upper())\n"
            "os.rename(\"a.txt\", \"c.txt\")\n"
            "os.symlink(\"c.txt\", \"l\")\n"
            "os.chmod(\"d/b.txt\", 0o600)\n"
            "print(os.getcwd(), os.getuid())' && cat d/b.txt l && ls && stat -c %a d/b.txt",
        "/home/agent 1000\nHELLO\nhello\nc.txt\nd\nl\n600\n", 0);
    /* deletes land too */
    RUN(vm, "cd /home/agent && python3 -c 'import os, shutil; os.remove(\"c.txt\"); "
            "shutil.rmtree(\"d\")'; ls", "l\n", 0);
}

TEST(escalate_python_hostfs_and_overlay)
{
    SKIP_UNLESS_JAIL();
    const char *rw = test_tmpdir(), *lower = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/in.txt", lower);
    FILE *f = fopen(p, "w");
    fputs("lower\n", f);
    fclose(f);
    vos_vm *vm = esc_vm(0);
    vos_mount_spec s;
    vos_mount_spec_init(&s);
    s.kind = VOS_MOUNT_HOST_RW;
    s.host_path = rw;
    ASSERT_OK(vos_mount(vm, "/work", &s));
    s.kind = VOS_MOUNT_OVERLAY;
    s.host_path = lower;
    ASSERT_OK(vos_mount(vm, "/ov", &s));
    s.kind = VOS_MOUNT_HOST_RO;
    ASSERT_OK(vos_mount(vm, "/ro", &s));
    RUN(vm, "python3 -c 'open(\"/work/out.txt\", \"w\").write(open(\"/ov/in.txt\").read())\n"
            "open(\"/ov/in.txt\", \"a\").write(\"upper\\n\")'; cat /work/out.txt /ov/in.txt",
        "lower\nlower\nupper\n", 0);
    snprintf(p, sizeof p, "%s/out.txt", rw);
    struct stat st;
    ASSERT_OK(stat(p, &st));
    ASSERT_EQ(st.st_size, 6);
    snprintf(p, sizeof p, "%s/in.txt", lower);
    ASSERT_OK(stat(p, &st));
    ASSERT_EQ(st.st_size, 6); /* the lower stays as it was */
    /* a read-only mount stays read-only: the write is not kept */
    RUN(vm, "python3 -c 'open(\"/ro/new\", \"w\").write(\"x\")' 2>/dev/null; echo $?; "
            "ls /ro",
        "1\nin.txt\n", 0);
}

TEST(escalate_git_memfs)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    RUN(vm, "mkdir -p /home/agent/r && cd /home/agent/r && git init -q -b main && "
            "git config user.email a@b && git config user.name A && "
            "echo one > f && git add f && git commit -qm first && "
            "echo two >> f && git diff --stat && git status --short && "
            "git commit -qam second && git branch b2 && git checkout -q b2 && "
            "git log --format=%s && git branch --show-current && git status --short | wc -l",
        " f | 1 +\n 1 file changed, 1 insertion(+)\n M f\nsecond\nfirst\nb2\n0\n", 0);
}

TEST(escalate_pipes_and_status)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    int64_t t0 = test_now_ms();
    RUN(vm, "python3 -c 'while 1: print(1)' | head -1; echo ${PIPESTATUS[0]}", "1\n141\n", 0);
    ASSERT(test_now_ms() - t0 < 10000 * TEST_SLOW);
    RUN(vm, "printf 'a\\nb\\n' | python3 -c 'import sys; print(len(sys.stdin.read()))'", "4\n",
        0);
    RUN(vm, "python3 -c 'import sys; sys.exit(7)'; echo $?", "7\n", 0);
    RUN(vm, "python3 -c 'import os; os.kill(os.getpid(), 9)'; echo $?", "137\n", 0);
    RUN(vm, "python3 -c 'import sys; print(\"e\", file=sys.stderr)' 2>&1 >/dev/null", "e\n", 0);
    /* a shebang through env, and $PATH */
    RUN(vm, "printf '#!/usr/bin/env python3\\nprint(\"sb\")\\n' > /tmp/s && chmod +x /tmp/s && "
            "/tmp/s && command -v python3",
        "sb\n/usr/bin/python3\n", 0);
}

TEST(escalate_python_unittest)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    /* a test run as agents do: discovery over the VM's files, failures in the status */
    RUN(vm, "mkdir -p /home/agent/p && cd /home/agent/p && "
            "printf 'def add(a, b): return a + b\\n' > calc.py && "
            "printf 'import unittest, calc\\nclass T(unittest.TestCase):\\n"
            "    def test_ok(self): self.assertEqual(calc.add(1, 2), 3)\\n"
            "    def test_bad(self): self.assertEqual(calc.add(1, 1), 3)\\n' > test_calc.py && "
            "python3 -m unittest -q 2>&1 | tail -1; echo ${PIPESTATUS[0]}; ls -d __pycache__",
        "FAILED (failures=1)\n1\n__pycache__\n", 0);
}

TEST(escalate_kill_timeout_interrupt)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    /* a tag unique to this test process, so other processes on the host cannot match */
    char py[96], cmd[256];
    snprintf(py, sizeof py, "python3 -c 'import time; time.sleep(30) # vos-esc-%d'", (int)getpid());
    int64_t t0 = test_now_ms();
    snprintf(cmd, sizeof cmd, "%s & p=$!; sleep 0.3; kill $p; wait $p; echo $?", py);
    RUN(vm, cmd, "143\n", 0);
    snprintf(cmd, sizeof cmd, "timeout 0.5 %s; echo $?", py);
    RUN(vm, cmd, "124\n", 0);
    ASSERT(test_now_ms() - t0 < 10000 * TEST_SLOW);
    vos_result r;
    int64_t dt;
    int rc = test_exec_interrupted(vm, py, 300, &r, &dt);
    vos_result_free(&r);
    ASSERT_RC(rc, VOS_EINTERRUPTED);
    ASSERT(dt < 10000 * TEST_SLOW);
    /* no jailed process is left behind (the kill is delivered; give it a moment to land) */
    snprintf(cmd, sizeof cmd, "pgrep -f 'vos-es[c]-%d' >/dev/null", (int)getpid());
    int left = 0;
    for (int i = 0; i < 50 && (left = system(cmd)) != 256; i++) usleep(100000);
    ASSERT_EQ(left, 256);
}

TEST(escalate_quota_import)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(1 << 20);
    RUN(vm, "cd /home/agent && echo keep > k && "
            "python3 -c 'open(\"k\", \"w\").write(\"changed\")\n"
            "open(\"big\", \"wb\").write(b\"x\" * 3000000)'; echo $?; cat k; ls",
        "1\nkeep\nk\n", 0);
    vos_result r;
    ASSERT_OK(test_exec(vm, "cd /home/agent && python3 -c 'open(\"big\", \"wb\").write(b\"x\" "
                            "* 3000000)'", &r));
    ASSERT(strstr(r.err, "filesystem size limit exceeded") != NULL);
    vos_result_free(&r);
}

TEST(escalate_jail_refuses)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    /* the host's secrets, the vos process itself (no process but the program and the jail's
     * init is visible, so neither vos's pid nor its memory) and the network are out of reach */
    char script[1600];
    snprintf(script, sizeof script,
             "python3 -c 'import os\n"
             "for f in (\"/etc/shadow\", \"/root/.bashrc\"):\n"
             "    try: open(f).read(); print(\"read\", f)\n"
             "    except OSError as e: print(\"no\", f)\n"
             "print(\"host pid\" if os.path.exists(\"/proc/%d\") else \"no host pid\")\n"
             "seen = []\n"
             "for d in os.listdir(\"/proc\"):\n"
             "    if not d.isdigit(): continue\n"
             "    try: c = open(\"/proc/%%s/cmdline\" %% d, \"rb\").read()\n"
             "    except OSError: continue\n"
             "    a0 = os.path.basename(c.split(b\"\\0\")[0])\n"
             "    if d != str(os.getpid()) and a0 not in (b\"vos-init\", b\"bwrap\"): seen.append(d)\n"
             "print(\"vos seen\" if seen else \"vos unseen\")\n"
             "import socket\n"
             "try: socket.create_connection((\"1.1.1.1\", 80), timeout=2); print(\"net\")\n"
             "except OSError: print(\"no net\")'",
             (int)getpid());
    RUN(vm, script, "no /etc/shadow\nno /root/.bashrc\nno host pid\nvos unseen\nno net\n", 0);
}

TEST(escalate_cc_and_node)
{
    SKIP_UNLESS_JAIL();
    if (access("/usr/bin/cc", X_OK) != 0 || access("/usr/bin/node", X_OK) != 0) {
        printf("  skipped %s: /usr/bin/cc or /usr/bin/node is missing\n", __func__);
        return;
    }
    vos_vm *vm = esc_vm(0);
    RUN(vm, "cd /home/agent && printf '#include <stdio.h>\\nint main(void){puts(\"hi\");"
            "return 3;}\\n' > x.c && cc -o a.out x.c && ./a.out; echo $?",
        "hi\n3\n", 0);
    /* make running cc, then the VM running what it built */
    RUN(vm, "cd /home/agent && printf 'x: x.c\\n\\tcc -o x x.c\\n' > Makefile && make -s && ./x; "
            "echo $?; make",
        "hi\n3\nmake: 'x' is up to date.\n", 0);
    RUN(vm, "cd /home/agent && node -e 'require(\"fs\").writeFileSync(\"n.txt\", "
            "String(6*7))' && cat n.txt",
        "42", 0);
}

TEST(escalate_venv_pip_sdist)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    /* an sdist built in the VM, installed into a venv with pip, no network (the jail has
     * none): --no-build-isolation uses the system's setuptools through the venv */
    RUN(vm, "cd /home/agent && mkdir -p pkg/src/hello && "
            "printf '[build-system]\\nrequires = [\"setuptools\"]\\n"
            "build-backend = \"setuptools.build_meta\"\\n[project]\\nname = \"hello\"\\n"
            "version = \"0.1\"\\n' > pkg/pyproject.toml && "
            "echo 'def hi(): return \"hi from hello\"' > pkg/src/hello/__init__.py && "
            "(cd pkg && python3 -c 'from setuptools import build_meta as b; "
            "print(b.build_sdist(\"dist\"))' 2>/dev/null | tail -1) && "
            "python3 -m venv --system-site-packages v && "
            "v/bin/pip install -q --no-index --no-build-isolation pkg/dist/hello-0.1.tar.gz && "
            "v/bin/python3 -c 'import hello; print(hello.hi())' && "
            "v/bin/pip list 2>/dev/null | grep -c '^hello ' && "
            "python3 -c 'import hello' 2>/dev/null; echo $?",
        "hello-0.1.tar.gz\nhi from hello\n1\n1\n", 0);
}

TEST(escalate_incremental_copy)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(1 << 20);
    const char *ls = "python3 -c 'import os; print(sorted(os.listdir(\".\")), "
                     "[open(f).read() for f in sorted(os.listdir(\".\")) if os.path.isfile(f)])'";
    char s2[2048];
    snprintf(s2, sizeof s2, "mkdir -p /home/agent/w && cd /home/agent/w && echo a > a && "
                            "echo b > b && %s && echo A > a && rm b && mkdir d && %s", ls, ls);
    RUN(vm, s2, "['a', 'b'] ['a\\n', 'b\\n']\n['a', 'd'] ['A\\n']\n", 0);
    /* a program's write the quota refused is not there for the next program */
    snprintf(s2, sizeof s2, "cd /home/agent/w && python3 -c 'open(\"big\", \"w\").write(\"x\" * "
                            "3000000)' 2>/dev/null; %s", ls);
    RUN(vm, s2, "['a', 'd'] ['A\\n']\n", 0);
    /* a file the program wrote, changed by the VM after: the next program sees the change */
    RUN(vm, "cd /home/agent/w && python3 -c 'open(\"g\", \"w\").write(\"p\")' && echo -n v >> g && "
            "python3 -c 'print(open(\"g\").read())' && echo -n w > g && "
            "python3 -c 'print(open(\"g\").read())'",
        "pv\nw\n", 0);
}

TEST(escalate_git_overlay_and_tools)
{
    SKIP_UNLESS_JAIL();
    /* a real repository on the host, seen through an overlay: git works in the VM, the
     * host's repository stays as it was */
    const char *d = test_tmpdir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd %s && git init -q -b main && git -c user.email=a@b -c user.name=A commit -q "
             "--allow-empty -m base && echo x > f && git add f && git -c user.email=a@b -c "
             "user.name=A commit -qm f && git rev-parse HEAD > /tmp/vos-esc-head-%d",
             d, (int)getpid());
    ASSERT_EQ(system(cmd), 0);
    vos_vm *vm = esc_vm(0);
    vos_mount_spec s;
    vos_mount_spec_init(&s);
    s.kind = VOS_MOUNT_OVERLAY;
    s.host_path = d;
    ASSERT_OK(vos_mount(vm, "/repo", &s));
    RUN(vm, "cd /repo && git config --global --add safe.directory '*' && "
            "echo y >> f && git -c user.email=a@b -c user.name=A commit -qam vm && "
            "git log --format=%s | head -2 && git checkout -q -b b2 HEAD~1 && cat f",
        "vm\nf\nx\n", 0);
    snprintf(cmd, sizeof cmd,
             "cd %s && test \"$(git rev-parse HEAD)\" = \"$(cat /tmp/vos-esc-head-%d)\" && "
             "test \"$(cat f)\" = x && test -z \"$(git status --short)\" && "
             "test \"$(git branch --show-current)\" = main",
             d, (int)getpid());
    int st = system(cmd);
    snprintf(cmd, sizeof cmd, "rm -f /tmp/vos-esc-head-%d", (int)getpid());
    if (system(cmd) != 0) {}
    ASSERT_EQ(st, 0);
    /* reached through xargs, env and find -exec too; ps sees it */
    RUN(vm, "echo 1 2 | xargs python3 -c 'import sys; print(sys.argv[1:])'; "
            "env python3 -c 'print(3)'; find /repo -maxdepth 0 -exec python3 -c 'print(4)' \\;",
        "['1', '2']\n3\n4\n", 0);
    RUN(vm, "python3 -c 'import time; time.sleep(0.6)' & sleep 0.3; ps -o comm= | grep -c python3; "
            "wait $!; echo $?",
        "1\n0\n", 0);
}

TEST(escalate_limits_and_concurrency)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    vos_result r;
    int64_t t0 = test_now_ms();
    /* the exec's output and time limits hold for an escalated program */
    ASSERT_RC(test_exec_limited(vm, "python3 -c 'while 1: print(\"x\" * 100)'", 0, 10000, &r),
              VOS_EOUTPUT);
    vos_result_free(&r);
    ASSERT_RC(test_exec_limited(vm, "python3 -c 'import time; time.sleep(30)'", 500, 0, &r),
              VOS_ETIME);
    vos_result_free(&r);
    ASSERT(test_now_ms() - t0 < 10000 * TEST_SLOW);
    /* the VM is usable after, and programs run side by side (each with its own copy) */
    RUN(vm, "cd /home/agent && for i in 1 2 3; do "
            "python3 -c \"import time; time.sleep(0.2); open('f$i', 'w').write('$i')\" & done; "
            "wait; cat f1 f2 f3",
        "123", 0);
}

/* Host-directory mounts are bound into the jail as they are: writes to a read-write one land in
 * the host directory (the same inode the host sees, no copy), a read-only one refuses writes
 * with EROFS, and nothing of the host beyond the mounted directories is there. */
TEST(escalate_hostfs_direct_bind)
{
    SKIP_UNLESS_JAIL();
    const char *rw = test_tmpdir(), *ro = test_tmpdir(), *other = test_tmpdir();
    char p[4096], script[8192];
    snprintf(p, sizeof p, "%s/a.txt", rw);
    FILE *f = fopen(p, "w");
    fputs("a\n", f);
    fclose(f);
    struct stat st;
    ASSERT_OK(stat(p, &st));
    snprintf(p, sizeof p, "%s/r.txt", ro);
    f = fopen(p, "w");
    fputs("r\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/secret", other);
    f = fopen(p, "w");
    fputs("s\n", f);
    fclose(f);
    vos_vm *vm = esc_vm(0);
    vos_mount_spec s;
    vos_mount_spec_init(&s);
    s.kind = VOS_MOUNT_HOST_RW;
    s.host_path = rw;
    ASSERT_OK(vos_mount(vm, "/work", &s));
    s.kind = VOS_MOUNT_HOST_RO;
    s.host_path = ro;
    ASSERT_OK(vos_mount(vm, "/home/agent/ro", &s));
    snprintf(script, sizeof script,
             "cd /work && python3 -c 'import os\n"
             "print(os.stat(\"a.txt\").st_ino == %llu)\n"
             "open(\"new.txt\", \"w\").write(\"n\\n\")\n"
             "os.mkdir(\"d\"); os.rename(\"a.txt\", \"d/b.txt\")\n"
             "for op in (lambda: open(\"/home/agent/ro/x\", \"w\"),\n"
             "           lambda: os.chmod(\"/home/agent/ro/r.txt\", 0o600),\n"
             "           lambda: os.remove(\"/home/agent/ro/r.txt\")):\n"
             "    try: op(); print(\"written\")\n"
             "    except OSError as e: print(os.strerror(e.errno))\n"
             "print(open(\"/home/agent/ro/r.txt\").read(), end=\"\")\n"
             "print([os.path.exists(h) for h in (\"%s\", \"%s\", \"%s\")])\n"
             "print(sorted(os.listdir(\"/proc/self/fd\")))' && cat new.txt d/b.txt && ls",
             (unsigned long long)st.st_ino, rw, ro, p);
    RUN(vm, script,
        "True\nRead-only file system\nRead-only file system\nRead-only file system\nr\n"
        "[False, False, False]\n['0', '1', '2', '3']\nn\na\nd\nnew.txt\n",
        0);
    /* on the host at once, and the read-only directory as it was */
    snprintf(p, sizeof p, "%s/d/b.txt", rw);
    ASSERT_OK(stat(p, &st));
    ASSERT_EQ(st.st_size, 2);
    snprintf(p, sizeof p, "%s/a.txt", rw);
    ASSERT(stat(p, &st) < 0);
    snprintf(p, sizeof p, "%s/x", ro);
    ASSERT(stat(p, &st) < 0);
    snprintf(p, sizeof p, "%s/r.txt", ro);
    ASSERT_OK(stat(p, &st));
    ASSERT_EQ(st.st_mode & 0777, 0644);
    /* the VM sees the program's changes after it (its caches notwithstanding) */
    RUN(vm, "cd /work && ls d && python3 -c 'import os; os.remove(\"d/b.txt\")' && ls d | wc -l",
        "b.txt\n0\n", 0);
}

/* A host directory the VM's path rules treat unevenly is not bound whole: with writes denied it
 * is bound read-only; with a part of it hidden it is copied, without that part. */
TEST(escalate_hostfs_bind_policy)
{
    SKIP_UNLESS_JAIL();
    const char *rw = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "mkdir -p %s/hide && echo h > %s/hide/h && echo a > %s/a", rw, rw, rw);
    ASSERT_EQ(system(p), 0);
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    vos_path_rule rules[] = {{"/w1", VOS_ACCESS_READ}, {"/w2/hide", VOS_ACCESS_NONE}};
    cfg.path_rules = rules;
    cfg.n_path_rules = 2;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_mount_spec s;
    vos_mount_spec_init(&s);
    s.kind = VOS_MOUNT_HOST_RW;
    s.host_path = rw;
    ASSERT_OK(vos_mount(vm, "/w1", &s));
    ASSERT_OK(vos_mount(vm, "/w2", &s));
    RUN(vm, "python3 -c 'import os\n"
            "try: open(\"/w1/n\", \"w\"); print(\"written\")\n"
            "except OSError as e: print(os.strerror(e.errno))\n"
            "print(sorted(os.listdir(\"/w2\")), os.path.exists(\"/w2/hide/h\"))'",
        "Read-only file system\n['a'] False\n", 0);
}

/* The host copy is reused while the VM's files stand still, but not past a change of an
 * overlay's lower on the host, nor past a VM write made while a program ran. */
TEST(escalate_copy_reuse_and_changes)
{
    SKIP_UNLESS_JAIL();
    const char *lower = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "echo one > %s/f", lower);
    ASSERT_EQ(system(p), 0);
    vos_vm *vm = esc_vm(0);
    vos_mount_spec s;
    vos_mount_spec_init(&s);
    s.kind = VOS_MOUNT_OVERLAY;
    s.host_path = lower;
    ASSERT_OK(vos_mount(vm, "/ov", &s));
    const char *rd = "python3 -c 'print(open(\"/ov/f\").read(), open(\"/tmp/g\").read(), "
                     "sep=\"\", end=\"\")'";
    RUN(vm, "echo a > /tmp/g", "", 0);
    RUN(vm, rd, "one\na\n", 0);
    RUN(vm, rd, "one\na\n", 0);
    snprintf(p, sizeof p, "echo two > %s/f", lower);
    ASSERT_EQ(system(p), 0);
    RUN(vm, rd, "two\na\n", 0);
    RUN(vm, "python3 -c 'import time; time.sleep(0.5)' & sleep 0.1; echo b > /tmp/g; wait; "
            "python3 -c 'print(open(\"/tmp/g\").read(), end=\"\")'",
        "b\n", 0);
}

/* Program after program changes a tree (the later imports look only where the watches saw
 * changes): every change reaches the VM, and the next program sees the VM's files. */
TEST(escalate_import_sequence)
{
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    const char *py = "cd /home/agent && python3 -c 'import os, shutil\n";
    const char *steps[][2] = {
        {"os.makedirs(\"t/a/b\"); open(\"t/a/b/f\", \"w\").write(\"1\")", "t/a/b/f:1"},
        {"open(\"t/a/b/f\", \"a\").write(\"2\"); os.rename(\"t/a\", \"t/c\")", "t/c/b/f:12"},
        {"os.makedirs(\"t/a\"); os.rename(\"t/c/b\", \"t/a/b\"); os.chmod(\"t/a/b/f\", 0o600)",
         "t/a/b/f:12"},
        {"shutil.rmtree(\"t/c\"); os.symlink(\"b/f\", \"t/a/l\"); open(\"t/g\", \"w\")",
         "t/a/l:12"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char s[2048], want[256];
        const char *colon = strchr(steps[i][1], ':');
        snprintf(s, sizeof s, "%s%s'; cat %.*s; echo; find t | sort | tr '\\n' ' '", py,
                 steps[i][0], (int)(colon - steps[i][1]), steps[i][1]);
        vos_result r;
        ASSERT_OK(test_exec(vm, s, &r));
        snprintf(want, sizeof want, "%s\n", colon + 1);
        ASSERT(strncmp(r.out, want, strlen(want)) == 0);
        vos_result_free(&r);
    }
    RUN(vm, "cd /home/agent && find t | sort | tr '\\n' ' '; stat -c %a t/a/b/f",
        "t t/a t/a/b t/a/b/f t/a/l t/g 600\n", 0);
    RUN(vm, "cd /home/agent && python3 -c 'import os\n"
            "print(sorted(os.path.join(r, f) for r, d, fs in os.walk(\"t\") for f in d + fs))'",
        "['t/a', 't/a/b', 't/a/b/f', 't/a/l', 't/g']\n", 0);
}

/* The VM's persistent jail (one set of namespaces, each program in its own PID namespace):
 * nothing of one program outlives it (a detached child, /dev/shm, the jail's root), a program
 * that kills itself dies as elsewhere, and a top-level directory or a copy replaced since the
 * jail was made is seen (the jail is made again). */
TEST(escalate_persistent_jail)
{
#if defined(__SANITIZE_THREAD__)
    /* the kernel builds no persistent jail under ThreadSanitizer (see escalate.c) */
    printf("  skipped %s: no persistent jail under ThreadSanitizer\n", __func__);
    return;
#endif
    SKIP_UNLESS_JAIL();
    vos_vm *vm = esc_vm(0);
    RUN(vm,
        "cd && printf '%s\\n' 'import os, subprocess' "
        "'subprocess.Popen([\"sleep\", \"100\"], start_new_session=True)' "
        "'open(\"/dev/shm/x\", \"w\").write(\"1\")' "
        "'try: open(\"/x\", \"w\")' 'except OSError as e: print(e.strerror)' > a.py && "
        "python3 a.py",
        "Read-only file system\n", 0);
    RUN(vm,
        "python3 -c 'import os; print(os.getpid(), sorted(int(x) for x in os.listdir(\"/proc\") "
        "if x.isdigit()), os.path.exists(\"/dev/shm/x\"))'",
        "2 [1, 2] False\n", 0);
    RUN(vm, "python3 -c 'import os; os.kill(os.getpid(), 15)'; echo $?", "143\n", 0);
    /* as root (uid 0 in the jail), who may make top-level directories */
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    cfg.user = "root";
    vm = test_vm_new_cfg(&cfg);
    RUN(vm, "python3 -c 'import os; print(os.getuid(), [l for l in open(\"/proc/self/status\") "
            "if l.startswith(\"CapEff\")])'",
        "0 ['CapEff:\\t0000000000000000\\n']\n", 0);
    RUN(vm, "mkdir /data && echo one > /data/f && python3 -c 'print(open(\"/data/f\").read())'",
        "one\n\n", 0);
    RUN(vm,
        "rm -rf /data && mkdir /data && echo two > /data/f && "
        "python3 -c 'print(open(\"/data/f\").read())'",
        "two\n\n", 0);
    RUN(vm, "python3 -c 'import os; print(os.path.exists(\"/data\"))'; rm -rf /data; "
            "python3 -c 'import os; print(os.path.exists(\"/data\"))'",
        "True\nFalse\n", 0);
}

/* A VM's jail made from the process's base (the default) and by bwrap (the fallback) look
 * alike to the program: nothing of the base's host tree, the VM's own hostname, network, IPC
 * and UTS namespaces (kept between its calls, not shared with another VM), the loopback up, a
 * hostfs mount bound whole, read-only where the VM's mount is. */
static char *jail_probe(vos_vm *vm, const char *host)
{
    const char *probe =
        "python3 -c 'import os, socket\n"
        "s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)\n"
        "c = socket.create_connection(s.getsockname()); print(\"lo\", c.fileno() > 0)\n"
        "print(socket.gethostname())\n"
        "l = os.listdir(\"/\"); print(\"data\" in l and \"home\" in l and \"usr\" in l, l)\n"
        "print(any(\".vos-\" in x for x in open(\"/proc/self/mountinfo\")))\n"
        "print(open(\"/data/h.txt\").read(), end=\"\")\n"
        "try: open(\"/data/x\", \"w\")\n"
        "except OSError as e: print(e.strerror)\n"
        "print(*[os.stat(\"/proc/self/ns/\" + n).st_ino for n in (\"net\", \"ipc\", \"uts\")])'";
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(vos_exec(vm, probe, NULL, &r));
    if (r.status != 0) printf("  stderr: %.*s\n", (int)r.err_len, r.err);
    ASSERT_EQ(r.status, 0);
    char want[256];
    snprintf(want, sizeof want, "lo True\n%s\nTrue [", host);
    ASSERT(r.out_len > strlen(want) && !strncmp(r.out, want, strlen(want)));
    const char *rest = strstr(r.out, "]\n");
    ASSERT(rest != NULL && !memchr(r.out, '.', (size_t)(rest - r.out)));
    const char *tail = "]\nFalse\nhost\nRead-only file system\n";
    ASSERT(!strncmp(rest, tail, strlen(tail)));
    char *ns = strdup(rest + strlen(tail));
    vos_result_free(&r);
    return ns;
}

TEST(escalate_jail_from_base)
{
#if defined(__SANITIZE_THREAD__)
    printf("  skipped %s: no persistent jail under ThreadSanitizer\n", __func__);
    return;
#endif
    SKIP_UNLESS_JAIL();
    const char *dir = test_tmpdir();
    char p[4096];
    snprintf(p, sizeof p, "%s/h.txt", dir);
    FILE *f = fopen(p, "w");
    fputs("host\n", f);
    fclose(f);
    for (int mode = 0; mode < 2; mode++) {
        vk_escalate_compose(mode == 0);
        vos_config cfg;
        vos_config_init(&cfg);
        cfg.escalate = progs;
        cfg.hostname = "box1";
        vos_vm *a = test_vm_new_cfg(&cfg);
        cfg.hostname = "box2";
        vos_vm *b = test_vm_new_cfg(&cfg);
        vos_mount_spec s;
        vos_mount_spec_init(&s);
        s.kind = VOS_MOUNT_HOST_RO;
        s.host_path = dir;
        ASSERT_OK(vos_mount(a, "/data", &s));
        ASSERT_OK(vos_mount(b, "/data", &s));
        char *a1 = jail_probe(a, "box1"), *a2 = jail_probe(a, "box1"), *b1 = jail_probe(b, "box2");
        ASSERT_STR(a1, a2); /* a's namespaces stay between its calls */
        char *save = NULL;
        for (char *t = strtok_r(b1, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
            ASSERT(strstr(a1, t) == NULL); /* b's are none of a's */
        free(a1);
        free(a2);
        free(b1);
        test_vm_free(a);
        test_vm_free(b);
    }
    vk_escalate_compose(true);
}

/* A freed VM's host copy is kept for the next VM's first call: its directories only. The next
 * VM sees its own files and nothing of the last one's (files, directories it lacks, a FIFO
 * and a socket the program left, which the import does not carry into a VM). */
TEST(escalate_copy_kept_for_next_vm)
{
    SKIP_UNLESS_JAIL();
    const char *ino = "python3 -c 'import os; print(os.stat(\"/home\").st_ino)'";
    vos_vm *a = esc_vm(0);
    RUN(a,
        "mkdir -p ~/onlya/deep ~/both && echo s > ~/secret && echo a > ~/both/f && "
        "python3 -c 'import os, socket\n"
        "os.mkfifo(os.path.expanduser(\"~/fifo\"))\n"
        "socket.socket(socket.AF_UNIX).bind(os.path.expanduser(\"~/sock\"))\n"
        "open(os.path.expanduser(\"~/both/g\"), \"w\").write(\"g\")' && ls ~ ~/both",
        "/home/agent:\nboth\nonlya\nsecret\n\n/home/agent/both:\nf\ng\n", 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(vos_exec(a, ino, NULL, &r));
    char *ia = strndup(r.out, r.out_len);
    vos_result_free(&r);
    test_vm_free(a);
    vos_vm *b = esc_vm(0);
    RUN(b,
        "mkdir -p ~/both ~/onlyb && echo b > ~/both/f && "
        "python3 -c 'import os\n"
        "for d, ds, fs in sorted(os.walk(\"/home\")): print(d, sorted(ds), sorted(fs))\n"
        "print(open(os.path.expanduser(\"~/both/f\")).read(), end=\"\")'",
        "/home ['agent'] []\n/home/agent ['both', 'onlyb'] []\n/home/agent/both [] ['f']\n"
        "/home/agent/onlyb [] []\nb\n",
        0);
    vos_result_init(&r);
    ASSERT_OK(vos_exec(b, ino, NULL, &r));
    ASSERT_STR(r.out, ia); /* the same host directory, kept */
    vos_result_free(&r);
    free(ia);
}

/* A jail image the host names: its /usr and links, the /etc files it has (an image without
 * /etc/ssl, say, is no error), in a VM's jail made from the base and by bwrap alike. */
TEST(escalate_image_dir)
{
    SKIP_UNLESS_JAIL();
    const char *img = test_tmpdir();
    char p[4096], t[256];
    snprintf(p, sizeof p, "%s/usr", img);
    ASSERT_OK(symlink("/usr", p));
    static const char *const links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL};
    for (int i = 0; links[i]; i++) {
        char host[64];
        snprintf(host, sizeof host, "/%s", links[i]);
        ssize_t n = readlink(host, t, sizeof t - 1);
        if (n <= 0) continue;
        t[n] = 0;
        snprintf(p, sizeof p, "%s/%s", img, links[i]);
        ASSERT_OK(symlink(t, p));
    }
    snprintf(p, sizeof p, "%s/etc", img);
    ASSERT_OK(mkdir(p, 0755));
    snprintf(p, sizeof p, "%s/etc/os-release", img);
    FILE *f = fopen(p, "w");
    fputs("ID=vostest\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/etc/ld.so.cache", img);
    FILE *in = fopen("/etc/ld.so.cache", "rb"), *out = fopen(p, "wb");
    ASSERT(in && out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) ASSERT_EQ(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    for (int mode = 0; mode < 2; mode++) {
        vk_escalate_compose(mode == 0);
        vos_config cfg;
        vos_config_init(&cfg);
        cfg.escalate = progs;
        cfg.escalate_image = img;
        vos_vm *vm = test_vm_new_cfg(&cfg);
        RUN(vm,
            "python3 -c 'import os; print(open(\"/etc/os-release\").read().strip(), "
            "os.path.exists(\"/etc/ssl/openssl.cnf\"), os.path.exists(\"/etc/passwd\"))'",
            "ID=vostest False True\n", 0);
        test_vm_free(vm);
    }
    vk_escalate_compose(true);
}

/* A VM whose /tmp is a symlink: the jail's /tmp is that symlink (no empty tmpfs made over it,
 * which made every escalation fail), and what the program writes through it lands in the VM. */
TEST(escalate_tmp_symlink)
{
    SKIP_UNLESS_JAIL();
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    cfg.user = "root";
    vos_vm *vm = test_vm_new_cfg(&cfg);
    RUN(vm,
        "mkdir /tmpx && rm -rf /tmp && ln -s /tmpx /tmp && "
        "python3 -c 'import os; print(os.readlink(\"/tmp\")); open(\"/tmp/f\", \"w\").write(\"x\")' "
        "&& cat /tmpx/f",
        "/tmpx\nx", 0);
}

/* The jail's /etc is built once per process for each image, uid, user and home, and shared
 * by the VMs that match: each VM still sees its own user, and one VM's end leaves the shared
 * copy to the others. */
TEST(escalate_etc_shared)
{
    SKIP_UNLESS_JAIL();
    const char *who = "python3 -c 'import os, pwd; p = pwd.getpwuid(os.getuid()); "
                      "print(p.pw_name, p.pw_dir, os.path.exists(\"/etc/ld.so.cache\"))'";
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    vos_vm *a = test_vm_new_cfg(&cfg);
    RUN(a, who, "agent /home/agent True\n", 0);
    cfg.user = "alice";
    vos_vm *b = test_vm_new_cfg(&cfg);
    RUN(b, who, "alice /home/alice True\n", 0);
    cfg.user = NULL;
    vos_vm *c = test_vm_new_cfg(&cfg);
    test_vm_free(a);
    RUN(c, who, "agent /home/agent True\n", 0);
    RUN(c, "python3 -c 'import os; print(os.access(\"/etc/passwd\", os.W_OK))'", "False\n", 0);
}

/* ---- the network of escalated programs: the proxy on the jail's loopback ---- */

/* A host HTTP server: each request is answered with its method, path, body and whether the
 * rule's credential header reached it. */
typedef struct web {
    int fd, port;
    pthread_t th;
    atomic_bool stop;
} web;

static void *web_main(void *arg)
{
    web *w = arg;
    while (!atomic_load(&w->stop)) {
        int c = accept(w->fd, NULL, NULL);
        if (c < 0) continue;
        char req[8192];
        size_t n = 0;
        char *end = NULL;
        while (n < sizeof req - 1 && !end) {
            ssize_t r = recv(c, req + n, sizeof req - 1 - n, 0);
            if (r <= 0) break;
            n += (size_t)r;
            req[n] = 0;
            end = strstr(req, "\r\n\r\n");
        }
        if (end) {
            char *cl = strcasestr(req, "\r\nContent-Length:");
            size_t want = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
            size_t have = n - (size_t)(end + 4 - req);
            while (have < want && n < sizeof req - 1) {
                ssize_t r = recv(c, req + n, sizeof req - 1 - n, 0);
                if (r <= 0) break;
                n += (size_t)r;
                have += (size_t)r;
            }
            req[n] = 0;
            char line[256];
            snprintf(line, sizeof line, "%.*s", (int)strcspn(req, "\r"), req);
            const char *secret = strcasestr(req, "\r\nX-Secret: s3cret\r\n") ? "yes" : "no";
            const char *closing = strcasestr(req, "\r\nConnection: close\r\n") ? "close" : "open";
            const char *host = strcasestr(req, "\r\nHost: ");
            int hostlen = host ? (int)strcspn(host + 8, "\r") : 0;
            char body[1024];
            int bl = snprintf(body, sizeof body, "%s secret=%s conn=%s host=%.*s body=%s\n", line,
                              secret, closing, hostlen, host ? host + 8 : "", end + 4);
            char head[256];
            int hl = snprintf(head, sizeof head,
                              "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
                              bl);
            send(c, head, (size_t)hl, MSG_NOSIGNAL);
            send(c, body, (size_t)bl, MSG_NOSIGNAL);
        }
        close(c);
    }
    return NULL;
}

static web *web_start(void)
{
    web *w = calloc(1, sizeof *w);
    w->fd = test_listen_loopback(&w->port);
    pthread_create(&w->th, NULL, web_main, w);
    return w;
}

static void web_stop(web *w)
{
    atomic_store(&w->stop, true);
    test_poke_loopback(w->port); /* wake accept */
    pthread_join(w->th, NULL);
    close(w->fd);
    free(w);
}

/* web.test and tun.test are the test server (a loopback address: each rule names it) */
static int web_resolve(void *ud, const char *host, char (*addrs)[64], int max)
{
    (void)ud;
    (void)max;
    if (!strcmp(host, "web.test") || !strcmp(host, "tun.test") || !strcmp(host, "limited.test")) {
        strcpy(addrs[0], "127.0.0.1");
        return 1;
    }
    return 0;
}

/* A program in the jail reaches the network only through vos's proxy, and only where the
 * VM's network rules allow, as curl would: plain http decided on method and path with the
 * rule's credential added (the program never sees it), https as a CONNECT tunnel decided on
 * its origin, everything else refused with the policy's reason; no rule, no proxy. */
TEST(escalate_network_proxy)
{
#if defined(__SANITIZE_THREAD__)
    printf("  skipped %s: no persistent jail under ThreadSanitizer (the proxy lives in it)\n",
           __func__);
    return;
#endif
    SKIP_UNLESS_JAIL();
    web *w = web_start();
    char o1[64], o2[64], o3[64];
    snprintf(o1, sizeof o1, "http://web.test:%d", w->port);
    snprintf(o2, sizeof o2, "https://tun.test:%d", w->port);
    snprintf(o3, sizeof o3, "https://limited.test:%d", w->port);
    static const vos_header secret[] = {{"X-Secret", "s3cret"}};
    vos_net_rule rules[3];
    memset(rules, 0, sizeof rules);
    rules[0].origin = o1;
    rules[0].outcome = VOS_POLICY_ALLOW;
    rules[0].address = "127.0.0.1";
    rules[0].headers = secret;
    rules[0].n_headers = 1;
    rules[0].path_prefix = "/ok";
    rules[1].origin = o2;
    rules[1].outcome = VOS_POLICY_ALLOW;
    rules[1].address = "127.0.0.1";
    rules[2].origin = o3;
    rules[2].outcome = VOS_POLICY_ALLOW;
    rules[2].address = "127.0.0.1";
    rules[2].path_prefix = "/v1/";
    vos_config cfg;
    vos_config_init(&cfg);
    cfg.escalate = progs;
    cfg.net_rules = rules;
    cfg.n_net_rules = 3;
    cfg.net_resolve = web_resolve;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    char script[4096], want[2048];
    snprintf(script, sizeof script,
             "cd && cat > t.py <<'EOF'\n"
             "import os, socket, urllib.request, urllib.error\n"
             "print(os.environ['http_proxy'].startswith('http://127.0.0.1:'), "
             "os.environ['no_proxy'], os.environ.get('ALL_PROXY'))\n"
             "def get(url, data=None):\n"
             "    try:\n"
             "        r = urllib.request.urlopen(url, data)\n"
             "        print(r.status, r.read().decode(), end='')\n"
             "    except urllib.error.HTTPError as e:\n"
             "        print(e.code, e.read().decode(), end='')\n"
             "get('http://web.test:%d/ok/a?q=1')\n"
             "get(urllib.request.Request('http://web.test:%d/ok/p', b'abc', {'Host': 'evil'}))\n"
             "get('http://web.test:%d/no')\n"
             "get('http://other.test:%d/ok')\n"
             "def tunnel(hp):\n"
             "    px = os.environ['https_proxy'][7:].split(':')\n"
             "    s = socket.create_connection((px[0], int(px[1])))\n"
             "    s.sendall(b'CONNECT %%s HTTP/1.1\\r\\nHost: %%s\\r\\n\\r\\n' %% (hp, hp))\n"
             "    f = s.makefile('rb')\n"
             "    st = f.readline().decode().strip()\n"
             "    print(st)\n"
             "    if not st.endswith('established'):\n"
             "        while f.readline() not in (b'\\r\\n', b''): pass\n"
             "        print(f.read().decode(), end='')\n"
             "        return\n"
             "    f.readline()\n"
             "    s.sendall(b'GET /inside HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n"
             "    print(f.read().decode().split('\\r\\n\\r\\n', 1)[1], end='')\n"
             "tunnel(b'tun.test:%d')\n"
             "tunnel(b'limited.test:%d')\n"
             "tunnel(b'web.test:%d')\n"
             "try: socket.create_connection(('1.1.1.1', 80), timeout=2); print('direct')\n"
             "except OSError: print('no direct')\n"
             "EOF\n"
             "ALL_PROXY=http://elsewhere:1 python3 t.py; ps -o comm= > ps.txt; grep -c netproxy ps.txt || true",
             w->port, w->port, w->port, w->port, w->port, w->port, w->port);
    snprintf(want, sizeof want,
             "True localhost,127.0.0.1,::1 None\n"
             "200 GET /ok/a?q=1 HTTP/1.1 secret=yes conn=close host=web.test:%d body=\n"
             "200 POST /ok/p HTTP/1.1 secret=yes conn=close host=web.test:%d body=abc\n"
             "403 vos: Blocked by the VM's network policy: no network rule allows GET "
             "http://web.test:%d/no\n"
             "403 vos: Blocked by the VM's network policy: no network rule allows GET "
             "http://other.test:%d/ok\n"
             "HTTP/1.1 200 Connection established\n"
             "GET /inside HTTP/1.1 secret=no conn=open host=x body=\n"
             "HTTP/1.1 403 Forbidden\n"
             "vos: Blocked by the VM's network policy: net rule 3 (https://limited.test:%d) "
             "limits paths or methods, which a tunnel (CONNECT) cannot check: "
             "https://limited.test:%d\n"
             "HTTP/1.1 403 Forbidden\n"
             "vos: Blocked by the VM's network policy: no network rule allows CONNECT "
             "https://web.test:%d\n"
             "no direct\n"
             "0\n",
             w->port, w->port, w->port, w->port, w->port, w->port, w->port);
    RUN(vm, script, want, 0);
    /* without a rule there is no proxy: the program's network is the empty namespace */
    vos_vm *plain = esc_vm(0);
    RUN(plain, "python3 -c 'import os; print(os.environ.get(\"http_proxy\"))'", "None\n", 0);
    web_stop(w);
}

/* Host copies a dead process left in /tmp go at the next process's first escalation; one a
 * live process holds (locked), or one just made, stays. */
TEST(escalate_stale_copies_swept)
{
    SKIP_UNLESS_JAIL();
    char stale[64], held[64], fresh[64], f[128];
    snprintf(stale, sizeof stale, "/tmp/vos-esc-XXXXXX");
    snprintf(held, sizeof held, "/tmp/vos-esc-XXXXXX");
    snprintf(fresh, sizeof fresh, "/tmp/vos-esc-XXXXXX");
    ASSERT(mkdtemp(stale) && mkdtemp(held) && mkdtemp(fresh));
    snprintf(f, sizeof f, "%s/root", stale);
    ASSERT_OK(mkdir(f, 0755));
    struct timeval old[2];
    gettimeofday(&old[0], NULL);
    old[0].tv_sec -= 3600;
    old[1] = old[0];
    ASSERT_OK(utimes(stale, old));
    ASSERT_OK(utimes(held, old));
    int fd = open(held, O_RDONLY | O_DIRECTORY);
    ASSERT(fd >= 0 && flock(fd, LOCK_EX) == 0);
    vos_vm *vm = esc_vm(0);
    RUN(vm, "python3 -c 'print(1)'", "1\n", 0);
    struct stat st;
    ASSERT(stat(stale, &st) < 0 && errno == ENOENT);
    ASSERT_OK(stat(held, &st));
    ASSERT_OK(stat(fresh, &st));
    close(fd);
    rmdir(held);
    rmdir(fresh);
}
