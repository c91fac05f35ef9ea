/* shell_session.c: the shell through the public API where the spec cases cannot reach: state
 * that persists between execs of one VM (variables, functions, cwd, exports), isolated execs,
 * syntax errors as VOS_ESYNTAX, per-exec env overrides and arguments, and the call-depth,
 * nesting and expansion limits ending an exec with their own codes. */
#include <string.h>

#include "test.h"

static int exec_opts(vos_vm *vm, const char *script, vos_exec_opts *o, vos_result *r)
{
    vos_result_init(r);
    return vos_exec(vm, script, o, r);
}

TEST(shell_session_state_persists)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "x=kept; f() { echo \"f sees $1\"; }; export E=env; mkdir -p /tmp/s; cd /tmp/s",
                "", 0);
    ASSERT_EXEC(vm, "echo $x; f arg; sh -c 'echo $E'; pwd", "kept\nf sees arg\nenv\n/tmp/s\n", 0);
}

TEST(shell_isolated_exec_does_not_leak)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "x=before", "", 0);
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.isolated = 1;
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(exec_opts(vm, "x=inside; g() { :; }; echo $x", &o, &r));
    ASSERT_STR(r.out, "inside\n");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo $x; type -t g || echo none", "before\nnone\n", 0);
}

TEST(shell_syntax_error_is_esyntax)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_RC(test_exec(vm, "echo first\nfi", &r), VOS_ESYNTAX);
    ASSERT_STR(r.out, "first\n");
    ASSERT_EQ(r.status, 2);
    ASSERT(strstr(r.err, "syntax error near unexpected token `fi'") != NULL);
    vos_result_free(&r);
    /* the session survives it */
    ASSERT_EXEC(vm, "echo fine", "fine\n", 0);
}

TEST(shell_args_and_env_overrides)
{
    vos_vm *vm = test_vm_new();
    const char *args[] = {"one", "two words", NULL};
    vos_env_var env[] = {{"OVR", "temp"}};
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.argv0 = "myscript";
    o.args = args;
    o.env = env;
    o.n_env = 1;
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(exec_opts(vm, "echo \"$0 $# $2 $OVR\"; sh -c 'echo $OVR'; nosuch", &o, &r));
    ASSERT_STR(r.out, "myscript 2 two words temp\ntemp\n");
    ASSERT_STR(r.err, "myscript: line 1: nosuch: command not found\n");
    ASSERT_EQ(r.status, 127);
    vos_result_free(&r);
    /* the override was for that exec only */
    ASSERT_EXEC(vm, "echo \"[$OVR]\"", "[]\n", 0);
}

TEST(shell_call_depth_limit)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.call_depth = 50;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    ASSERT_RC(test_exec(vm, "f() { f; }; f; echo not reached", &r), VOS_EDEPTH);
    ASSERT_STR(r.out, "");
    ASSERT(strstr(r.err, "maximum function nesting level exceeded (50)") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "g() { [ $1 -lt 40 ] && g $(($1+1)) || echo $1; }; g 1", "40\n", 0);
}

TEST(shell_nest_depth_limit)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.nest_depth = 20;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    char script[512] = "";
    for (int i = 0; i < 30; i++) strcat(script, "{ ");
    strcat(script, "echo deep;");
    for (int i = 0; i < 30; i++) strcat(script, " }");
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, script, &r);
    ASSERT(rc == VOS_ENEST || rc == VOS_ESYNTAX);
    ASSERT_STR(r.out, "");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "{ { echo shallow; }; }", "shallow\n", 0);
}

TEST(shell_expansion_limit)
{
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.expand_bytes = 4096;
    vos_vm *vm = test_vm_new_cfg(&cfg);
    vos_result r;
    vos_result_init(&r);
    int rc = test_exec(vm, "x=0123456789; while :; do x=$x$x; done", &r);
    ASSERT_RC(rc, VOS_EEXPAND);
    ASSERT(strstr(r.err, "expand_bytes") != NULL);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo ok", "ok\n", 0);
}

TEST(shell_background_jobs_and_wait)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "(exit 3) & p=$!; wait $p; echo $?; wait; echo all", "3\nall\n", 0);
}

TEST(shell_trap_runs_on_signal_to_self)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "trap 'echo got' USR1; kill -USR1 $$; echo after", "got\nafter\n", 0);
}

/* The session process lives as long as the VM: what one exec allocates must be given back,
 * or a long session would grow without bound. */
TEST(shell_session_does_not_grow)
{
    vos_vm *vm = test_vm_new();
    const char *script =
        "x=$(echo sub | while read l; do echo \"$l\"; done); f() { local v=$1; echo ${v%b}; };"
        " for i in 1 2 3; do f ab$i > /dev/null; done; a=(1 2 3); : ${a[@]} $((i*2));"
        " case $x in s*) y=${x/u/U};; esac; cat <<EOF >/dev/null\n$y\nEOF\n"
        " trap 'echo t' EXIT; (exit 2) || true; set -- p q; shift; eval 'z=$1'; nosuch 2>/dev/null;"
        " echo \"$z ${PIPESTATUS[*]}\" | { read w; }; bad=; : ${bad:-d} > /dev/null";
    vos_result r;
    vos_result_init(&r);
    for (int i = 0; i < 5; i++) {
        ASSERT_OK(test_exec(vm, script, &r));
        vos_result_free(&r);
    }
    size_t before = vos_vm_mem_used(vm);
    for (int i = 0; i < 50; i++) {
        ASSERT_OK(test_exec(vm, script, &r));
        vos_result_free(&r);
    }
    size_t after = vos_vm_mem_used(vm);
    if (after > before + 4096)
        test_fail(__FILE__, __LINE__, "session grew from %zu to %zu bytes over 50 execs", before,
                  after);
}

static void collect(void *ud, const void *data, size_t len)
{
    char *buf = ud;
    size_t l = strlen(buf);
    if (l + len < 256) {
        memcpy(buf + l, data, len);
        buf[l + len] = 0;
    }
}

/* A terminal keeps $? and the rest of the shell's state from one command line to the next. */
TEST(shell_session_keeps_status_between_execs)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "false", "", 1);
    ASSERT_EXEC(vm, "echo $?", "1\n", 0);
    ASSERT_EXEC(vm, "true | false | (exit 3)", "", 3);
    ASSERT_EXEC(vm, "echo ${PIPESTATUS[@]}", "0 1 3\n", 0);
    ASSERT_EXEC(vm, "echo last arg", "last arg\n", 0);
    ASSERT_EXEC(vm, "echo $_", "arg\n", 0);
    ASSERT_EXEC(vm, "mkdir -p /tmp/a /tmp/b; cd /tmp/a; cd /tmp/b", "", 0);
    ASSERT_EXEC(vm, "echo $OLDPWD; cd -", "/tmp/a\n/tmp/a\n", 0);
    ASSERT_EXEC(vm, "sleep 0 & p=$!", "", 0);
    ASSERT_EXEC(vm, "[ \"$!\" = \"$p\" ] && wait $! && echo waited", "waited\n", 0);
    ASSERT_EXEC(vm, "set -- x y", "", 0);
    ASSERT_EXEC(vm, "echo $# $2", "2 y\n", 0);
}

TEST(shell_session_args_do_not_leak_to_the_next_exec)
{
    vos_vm *vm = test_vm_new();
    const char *args[] = {"a1", "a2", NULL};
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.args = args;
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(exec_opts(vm, "echo $#", &o, &r));
    ASSERT_STR(r.out, "2\n");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo $#", "0\n", 0);
}

/* vos_result.exited: the script ran exit (or set -e ended it), where a terminal would close;
 * the session still runs the next exec. */
TEST(shell_session_exit_sets_exited)
{
    vos_vm *vm = test_vm_new();
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "x=1; echo hi", &r));
    ASSERT_EQ(r.exited, 0);
    ASSERT_EQ(r.status, 0);
    vos_result_free(&r);
    ASSERT_OK(test_exec(vm, "echo before; exit 3; echo after", &r));
    ASSERT_STR(r.out, "before\n");
    ASSERT_EQ(r.exited, 1);
    ASSERT_EQ(r.status, 3);
    vos_result_free(&r);
    ASSERT_OK(test_exec(vm, "(exit 4); f() { return 5; }; f", &r));
    ASSERT_EQ(r.exited, 0);
    ASSERT_EQ(r.status, 5);
    vos_result_free(&r);
    ASSERT_OK(test_exec(vm, "set -e; false; echo not here", &r));
    ASSERT_EQ(r.exited, 1);
    ASSERT_EQ(r.status, 1);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "set +e; echo $x still", "1 still\n", 0);
}

/* An exported variable reaches the commands the shell runs in its own process (echo, printf,
 * test) and the processes the host spawns next. */
TEST(shell_session_exports_reach_builtins_and_spawn)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "export LC_ALL=C; echo -e 'A\\u263A'", "A\\u263A\n", 0);
    ASSERT_EXEC(vm, "LC_ALL=C.UTF-8 echo -e '\\u263A'; echo -e 'B\\u263A'",
                "\xe2\x98\xba\nB\\u263A\n", 0);
    ASSERT_EXEC(vm, "export SPAWNED=yes", "", 0);
    static char got[256];
    got[0] = 0;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.on_stdout = collect;
    o.ud = got;
    vos_proc *p;
    ASSERT_OK(vos_spawn(vm, "echo $SPAWNED", &o, &p));
    ASSERT_EQ(vos_proc_wait(p, 5000), 0);
    ASSERT_STR(got, "yes\n");
    vos_proc_free(p);
}

/* bash -c 'one simple command' replaces the shell by the command (no fork): the spawned pid is
 * the command's, and SIGTERM ends it at once with 143. */
TEST(shell_spawn_single_command_is_execd)
{
    vos_vm *vm = test_vm_new();
    static char got[256];
    got[0] = 0;
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.on_stdout = collect;
    o.ud = got;
    vos_proc *p;
    ASSERT_OK(vos_spawn(vm, "echo $$; exec sh -c 'echo $$'", &o, &p));
    ASSERT_EQ(vos_proc_wait(p, 5000), 0);
    char want[64];
    snprintf(want, sizeof want, "%d\n%d\n", vos_proc_pid(p), vos_proc_pid(p));
    ASSERT_STR(got, want);
    vos_proc_free(p);
    got[0] = 0;
    ASSERT_OK(vos_spawn(vm, "echo $$; sh -c 'echo $PPID'", &o, &p));
    ASSERT_EQ(vos_proc_wait(p, 5000), 0);
    /* the last command replaced the shell: its parent is the shell's parent, not the shell */
    snprintf(want, sizeof want, "%d\n", vos_proc_pid(p));
    ASSERT(strncmp(got, want, strlen(want)) == 0);
    ASSERT(strcmp(got + strlen(want), want) != 0);
    vos_proc_free(p);
    ASSERT_OK(vos_spawn(vm, "sleep 100", &o, &p));
    ASSERT_RC(vos_proc_wait(p, 20), VOS_ETIMEDOUT);
    ASSERT_OK(vos_proc_kill(p, VOS_SIGTERM));
    ASSERT_EQ(vos_proc_wait(p, 1000), 143);
    vos_proc_free(p);
    ASSERT_OK(vos_spawn(vm, "x=1; sleep 100", &o, &p));
    ASSERT_RC(vos_proc_wait(p, 20), VOS_ETIMEDOUT);
    ASSERT_OK(vos_proc_kill(p, VOS_SIGTERM));
    ASSERT_EQ(vos_proc_wait(p, 1000), 143);
    vos_proc_free(p);
}

/* exec in the session replaces the session shell, as a terminal's shell would be: the result
 * says the shell is gone, and the next exec starts a new one. */
TEST(shell_session_exec_replaces_the_shell)
{
    vos_vm *vm = test_vm_new();
    ASSERT_EXEC(vm, "x=kept", "", 0);
    vos_result r;
    vos_result_init(&r);
    ASSERT_OK(test_exec(vm, "echo before; exec sh -c 'echo replaced; exit 4'; echo not reached",
                        &r));
    ASSERT_STR(r.out, "before\nreplaced\n");
    ASSERT_EQ(r.status, 4);
    ASSERT_EQ(r.exited, 1);
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo \"new shell [$x]\"", "new shell []\n", 0);
    /* a failed exec ends the script like exit */
    ASSERT_OK(test_exec(vm, "exec nosuch_cmd_q; echo no", &r));
    ASSERT_EQ(r.status, 127);
    ASSERT_EQ(r.exited, 1);
    ASSERT_STR(r.err, "vos: line 1: exec: nosuch_cmd_q: not found\n");
    vos_result_free(&r);
    ASSERT_EXEC(vm, "echo alive", "alive\n", 0);
}

/* vos_spawn's output, gathered (the callbacks may run on another thread; the wait orders
 * them before the read) */
typedef struct sbuf_out {
    char b[512];
    size_t n;
} sbuf_out;

static void gather(void *ud, const void *data, size_t len)
{
    sbuf_out *s = ud;
    if (len > sizeof s->b - 1 - s->n) len = sizeof s->b - 1 - s->n;
    memcpy(s->b + s->n, data, len);
    s->n += len;
    s->b[s->n] = 0;
}

/* script_file: the script runs as bash runs a script file named argv0 (a "main" frame, no c
 * in $-, a fatal error ends it with 1), through vos_exec and vos_spawn alike; without it, as
 * a -c string (127). Neither runs in posix mode. */
TEST(shell_script_file_mode)
{
    vos_vm *vm = test_vm_new();
    const char *script = "f() { echo \"${FUNCNAME[*]} ${BASH_SOURCE[*]}\"; }; f\n"
                         "echo \"$- $0 $1 ${BASH_EXECUTION_STRING-unset}\"; shopt -qo posix || "
                         "echo notposix\necho ${x?gone}\necho no\n";
    const char *args[] = {"a1", NULL};
    const char *want = "f main s.sh s.sh\nhB s.sh a1 unset\nnotposix\n";
    for (int spawn = 0; spawn < 2; spawn++) {
        vos_exec_opts o;
        vos_exec_opts_init(&o);
        o.argv0 = "s.sh";
        o.args = args;
        o.script_file = 1;
        int status;
        sbuf_out out = {.n = 0};
        if (spawn) {
            o.on_stdout = gather;
            o.ud = &out;
            vos_proc *p = NULL;
            ASSERT_OK(vos_spawn(vm, script, &o, &p));
            status = vos_proc_wait(p, 10000 * TEST_SLOW);
            vos_proc_free(p);
        } else {
            vos_result r;
            ASSERT_OK(exec_opts(vm, script, &o, &r));
            snprintf(out.b, sizeof out.b, "%s", r.out);
            status = r.status;
            vos_result_free(&r);
        }
        ASSERT_STR(out.b, want);
        ASSERT_EQ(status, 1);
    }
    /* the -c form: a fatal error is 127 */
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.argv0 = "s.sh";
    vos_result r;
    ASSERT_OK(exec_opts(vm, "echo \"$-\"; f() { echo ${FUNCNAME[*]}; }; f; echo ${x?gone}", &o, &r));
    ASSERT_STR(r.out, "hBc\nf\n");
    ASSERT_STR(r.err, "s.sh: line 1: x: gone\n");
    ASSERT_EQ(r.status, 127);
    vos_result_free(&r);
    sbuf_out out = {.n = 0};
    o.on_stdout = gather;
    o.ud = &out;
    vos_proc *p = NULL;
    ASSERT_OK(vos_spawn(vm, "shopt -qo posix && echo posix; echo \"$-\"; echo ${x?gone}", &o, &p));
    ASSERT_EQ(vos_proc_wait(p, 10000 * TEST_SLOW), 127);
    vos_proc_free(p);
    ASSERT_STR(out.b, "hBc\n");
}
