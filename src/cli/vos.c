/* vos.c: the `vos` program: an interactive shell (libedit), `vos -c`, `vos FILE`, a script on
 * stdin, and multicall (a symlink named cat, sh... runs that command over the host's cwd).
 * It is a thin host of libvos: it includes only vos.h, and never interprets shell itself. */
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vos.h"

extern char **environ;

/* ---- small helpers ---- */

typedef struct sbuf {
    char *data;
    size_t len, cap;
} sbuf;

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vos: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) die(1, "out of memory");
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static void sbuf_add(sbuf *b, const void *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, d, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Read all of fd; returns false (errno set) on a read error. */
static bool read_all(int fd, sbuf *b)
{
    char tmp[65536];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) break;
        sbuf_add(b, tmp, (size_t)r);
    }
    if (!b->data) sbuf_add(b, "", 0);
    return true;
}

/* ---- output: streamed from the VM's processes to the host's fds ---- */

typedef struct io {
    pthread_mutex_t mu;
    vos_vm *vm;
    bool wrote_out, wrote_err; /* the callbacks ran (else the result holds the output) */
    bool broken_pipe;          /* the host's stdout or stderr reader went away */
    /* Interactive mode holds back stderr that starts with a syntax error: an incomplete
     * line ("unexpected end of file") is not an error, it asks for the next line. */
    bool hold;
    sbuf held;
} io;

static void write_host(io *o, int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0 && !o->broken_pipe) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            if (errno == EPIPE) {
                /* SIGPIPE is ignored (the library may do that): end the script instead, and
                 * die of SIGPIPE at the end as a host program would. */
                o->broken_pipe = true;
                if (o->vm) vos_interrupt(o->vm);
            }
            return;
        }
        p += w;
        len -= (size_t)w;
    }
}

static void on_stdout(void *ud, const void *data, size_t len)
{
    io *o = ud;
    pthread_mutex_lock(&o->mu);
    o->wrote_out = true;
    write_host(o, 1, data, len);
    pthread_mutex_unlock(&o->mu);
}

static void on_stderr(void *ud, const void *data, size_t len)
{
    io *o = ud;
    pthread_mutex_lock(&o->mu);
    o->wrote_err = true;
    if (o->hold) {
        sbuf_add(&o->held, data, len);
        const char *nl = memchr(o->held.data, '\n', o->held.len);
        if (nl) {
            /* Decided once the first line is complete: only a syntax error stays held. */
            size_t first = (size_t)(nl - o->held.data);
            bool syntax = memmem(o->held.data, first, "syntax error", 12) != NULL ||
                          memmem(o->held.data, first, "unexpected EOF", 14) != NULL;
            if (!syntax) {
                o->hold = false;
                write_host(o, 2, o->held.data, o->held.len);
                o->held.len = 0;
            }
        }
    } else {
        write_host(o, 2, data, len);
    }
    pthread_mutex_unlock(&o->mu);
}

/* ---- options ---- */

typedef struct mountopt {
    char *host, *vmpath;
    vos_mount_kind kind;
} mountopt;

typedef struct cli {
    vos_config cfg;
    vos_limits lim;      /* the VM's (cfg.limits points here) */
    vos_limits exec_lim; /* one exec's (--timeout) */
    vos_vm *vm;
    mountopt *mounts;
    size_t nmounts;
    vos_env_var *env;
    size_t nenv;
    const char *cwd;
    uint64_t timeout_ms; /* 0: none */
    bool interactive;
    bool keep_vm; /* a thread may still be inside a call on the VM: do not free it */
    bool demo_tools; /* --demo-tools */
    bool script_file; /* the script is a host file's text: run it as bash runs a file */
    vos_net_rule *allow_net; /* --allow-net rules, after the policy file's network rules */
    size_t n_allow_net;
    io out;
} cli;

/* --allow-net ORIGIN: one more allow rule (public addresses only, no credentials) */
static void add_net_rule(cli *c, const char *origin)
{
    vos_net_rule *r = realloc(c->allow_net, (c->n_allow_net + 1) * sizeof *r);
    if (!r) die(1, "out of memory");
    memset(&r[c->n_allow_net], 0, sizeof *r);
    r[c->n_allow_net].origin = origin;
    r[c->n_allow_net].outcome = VOS_POLICY_ALLOW;
    c->allow_net = r;
    c->n_allow_net++;
}

/* The VM's network rules: the policy file's (first: the first matching rule decides), then
 * the --allow-net ones. The array lives as long as the process. */
static void join_net_rules(cli *c)
{
    if (!c->n_allow_net) return;
    size_t n = c->cfg.n_net_rules + c->n_allow_net;
    vos_net_rule *r = malloc(n * sizeof *r);
    if (!r) die(1, "out of memory");
    if (c->cfg.n_net_rules) memcpy(r, c->cfg.net_rules, c->cfg.n_net_rules * sizeof *r);
    memcpy(r + c->cfg.n_net_rules, c->allow_net, c->n_allow_net * sizeof *r);
    c->cfg.net_rules = r;
    c->cfg.n_net_rules = n;
    free(c->allow_net);
    c->allow_net = NULL;
    c->n_allow_net = 0;
}

static void usage(FILE *f)
{
    fputs("Usage: vos [OPTION]... [-c SCRIPT [NAME [ARG]...] | FILE [ARG]...]\n"
          "Run bash scripts in a fresh vos virtual machine.\n"
          "With no SCRIPT or FILE: an interactive shell on a terminal, else the script on\n"
          "standard input.\n"
          "\n"
          "  -c SCRIPT                run SCRIPT; NAME is its $0, the ARGs $1...\n"
          "  --mount HOST:VM[:MODE]   mount host directory HOST at VM path VM; MODE is ro\n"
          "                           (read-only, the default), rw (writes reach the host) or\n"
          "                           overlay (writes stay in the VM); repeatable\n"
          "  --cwd PATH               start in VM directory PATH (created when missing)\n"
          "  --env NAME=VALUE         set an environment variable in the VM; repeatable\n"
          "  --timeout SECONDS        wall time limit of each script (exit status 124)\n"
          "  --memory BYTES           memory limit of the VM (suffixes K, M, G)\n"
          "  --policy FILE            the VM's policy: a JSON file of path, command, env,\n"
          "                           network and tool rules (docs/security.md); a rule\n"
          "                           that asks prompts on the terminal (no terminal: deny)\n"
          "  --allow-net ORIGIN       let curl/wget reach ORIGIN (https://host[:port], *.host,\n"
          "                           or *); public addresses only (docs/network.md)\n"
          "  --demo-tools             add the host tool collection 'demo' (demo --help)\n"
          "  --escalate NAME,...      run these programs natively in a jail over the VM's\n"
          "                           files (* for any); see docs/escalation.md\n"
          "  --help                   show this help and exit\n"
          "  --version                show the version and exit\n"
          "\n"
          "\n"
          "  vos policy explain [--policy FILE] KIND SUBJECT [DETAIL]\n"
          "                           say which rule decides a request: KIND is path (DETAIL\n"
          "                           read or write), command, env, network (SUBJECT a URL,\n"
          "                           DETAIL the method) or tool (\"collection function\")\n"
          "\n"
          "Invoked through a link named after a command (sh, bash, cat, seq...), vos runs that\n"
          "command with the host's current directory mounted read-write at its own path.\n"
          "The exit status is the script's.\n",
          f);
}

/* ---- policy ---- */

static void usage_error(const char *fmt, const char *arg) __attribute__((noreturn));

/* --policy FILE: read and apply it; errors name the file, line and column. */
static vos_policy *load_policy(vos_config *cfg, const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(2, "--policy: %s: %s", file, strerror(errno));
    sbuf text = {0};
    if (!read_all(fd, &text)) die(2, "--policy: %s: %s", file, strerror(errno));
    close(fd);
    vos_policy *pol;
    char err[400];
    if (vos_policy_parse_json(text.data ? text.data : "", text.len, &pol, err, sizeof err) != 0)
        die(2, "--policy: %s:%s", file, err);
    free(text.data);
    vos_policy_apply(pol, cfg);
    return pol;
}

static const char *const kind_names[] = {"", "path", "command", "env", "network", "tool"};

/* A rule that asks: the person at the terminal decides; no terminal, no answer: deny. */
static int ask_tty(void *ud, const vos_request *r)
{
    (void)ud;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return VOS_POLICY_DENY;
    char q[1200];
    int n = snprintf(q, sizeof q, "vos: allow %s %s%s%s (%s)? [y/N] ",
                     r->kind >= 1 && r->kind <= 5 ? kind_names[r->kind] : "?", r->subject,
                     r->detail[0] ? " " : "", r->detail, r->rule);
    if (n > 0 && write(fd, q, (size_t)n < sizeof q ? (size_t)n : sizeof q - 1) < 0) {
        close(fd);
        return VOS_POLICY_DENY;
    }
    char a[16] = "";
    ssize_t k = read(fd, a, sizeof a - 1);
    close(fd);
    return k > 0 && (a[0] == 'y' || a[0] == 'Y') ? VOS_POLICY_ALLOW : VOS_POLICY_DENY;
}

static int policy_main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[2], "explain") != 0) {
        fputs("Usage: vos policy explain [--policy FILE] KIND SUBJECT [DETAIL]\n", stderr);
        return 2;
    }
    vos_config cfg;
    vos_config_init(&cfg);
    vos_policy *pol = NULL;
    int i = 3;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--policy") == 0 && i + 1 < argc) {
            if (pol) usage_error("%s: given twice", "--policy");
            pol = load_policy(&cfg, argv[++i]);
        } else if (strncmp(a, "--policy=", 9) == 0) {
            if (pol) usage_error("%s: given twice", "--policy");
            pol = load_policy(&cfg, a + 9);
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (a[0] == '-' && a[1]) {
            usage_error("unrecognized option '%s'", a);
        } else {
            break;
        }
    }
    if (argc - i < 2 || argc - i > 3)
        usage_error("%s: want KIND SUBJECT [DETAIL]", "policy explain");
    vos_request q = {sizeof q, 0, argv[i + 1], argc - i == 3 ? argv[i + 2] : "", NULL};
    for (int k = 1; k <= 5; k++)
        if (strcmp(argv[i], kind_names[k]) == 0) q.kind = (vos_request_kind)k;
    if (!q.kind)
        usage_error("policy explain: unknown kind '%s' (want path, command, env, network or "
                    "tool)", argv[i]);
    if (q.kind == VOS_REQ_PATH && q.detail[0] && strcmp(q.detail, "read") != 0 &&
        strcmp(q.detail, "write") != 0)
        usage_error("policy explain: a path's access is read or write, not '%s'", q.detail);
    vos_vm *vm;
    int rc = vos_vm_new(&cfg, &vm);
    if (rc != 0) die(2, "policy explain: %s", vos_strerror(rc));
    char line[1200];
    rc = vos_policy_explain(vm, &q, line, sizeof line);
    vos_vm_free(vm);
    vos_policy_free(pol);
    if (rc < 0) die(2, "policy explain: %s", vos_strerror(rc));
    printf("%s\n", line);
    /* the status says it too: 0 allow, 1 deny, 3 ask */
    return rc == VOS_POLICY_ALLOW ? 0 : rc == VOS_POLICY_ASK ? 3 : 1;
}

/* --escalate a,b,c: append to the VM's escalate list (kept for the process's life) */
static void add_escalate(cli *c, const char *val)
{
    static const char **list;
    static size_t n;
    for (const char *s = val; *s;) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l) {
            const char **nl = realloc(list, (n + 2) * sizeof *nl);
            char *name = strndup(s, l);
            if (!nl || !name) usage_error("%s", "out of memory");
            list = nl;
            list[n++] = name;
            list[n] = NULL;
        }
        s += l + (e != NULL);
    }
    c->cfg.escalate = list;
}

static void usage_error(const char *fmt, const char *arg)
{
    fputs("vos: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'vos --help' for more information.\n", stderr);
    exit(2);
}

static uint64_t parse_bytes(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-') usage_error("--memory: invalid size '%s'", s);
    unsigned long long mul = 1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: usage_error("--memory: invalid size '%s'", s);
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v == 0) usage_error("--memory: invalid size '%s'", s);
    if (v > UINT64_MAX / mul) usage_error("--memory: size too large '%s'", s);
    return v * mul;
}

static uint64_t parse_seconds(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v > 0) || v > 1e9)
        usage_error("--timeout: invalid number of seconds '%s'", s);
    uint64_t ms = (uint64_t)(v * 1000.0 + 0.5);
    return ms ? ms : 1;
}

static void add_mount(cli *c, const char *spec)
{
    char *s = xstrdup(spec);
    vos_mount_kind kind = VOS_MOUNT_HOST_RO; /* safe default: nothing reaches the host */
    char *colon = strrchr(s, ':');
    if (colon) {
        if (strcmp(colon + 1, "ro") == 0) kind = VOS_MOUNT_HOST_RO, *colon = '\0';
        else if (strcmp(colon + 1, "rw") == 0) kind = VOS_MOUNT_HOST_RW, *colon = '\0';
        else if (strcmp(colon + 1, "overlay") == 0) kind = VOS_MOUNT_OVERLAY, *colon = '\0';
    }
    colon = strrchr(s, ':');
    if (!colon || colon == s || colon[1] != '/')
        usage_error("--mount: expected HOSTDIR:VMPATH[:ro|rw|overlay] with an absolute "
                    "VMPATH, got '%s'", spec);
    *colon = '\0';
    char *real = realpath(s, NULL);
    if (!real) die(2, "--mount: %s: %s", s, strerror(errno));
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) die(2, "--mount: %s: Not a directory", s);
    c->mounts = xrealloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
    c->mounts[c->nmounts++] = (mountopt){real, xstrdup(colon + 1), kind};
    free(s);
}

static void add_env(cli *c, const char *name, size_t nlen, const char *value)
{
    c->env = xrealloc(c->env, (c->nenv + 1) * sizeof *c->env);
    char *n = xrealloc(NULL, nlen + 1);
    memcpy(n, name, nlen);
    n[nlen] = '\0';
    c->env[c->nenv++] = (vos_env_var){n, xstrdup(value)};
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

/* ---- --demo-tools: a small host tool collection to try (docs/tools.md) ---- */
static char *demo_dup(const char *s, size_t *len)
{
    char *o = strdup(s);
    if (o) *len = strlen(o);
    return o;
}

/* The number after "key": in the (schema-checked) input; 0 if none. */
static double demo_num(const char *in, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(in, pat);
    return p ? strtod(p + strlen(pat), NULL) : 0;
}

static int demo_echo(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud;
    (void)len;
    *out = demo_dup(in, out_len); /* the input object, as the tool received it */
    return 0;
}

static int demo_add(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud;
    (void)len;
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", demo_num(in, "a") + demo_num(in, "b"));
    *out = demo_dup(buf, out_len);
    return 0;
}

static int demo_now(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud;
    (void)in;
    (void)len;
    char buf[64];
    snprintf(buf, sizeof buf, "{\"unix\":%lld}", (long long)time(NULL));
    *out = demo_dup(buf, out_len);
    return 0;
}

static int demo_fail(void *ud, const char *in, size_t len, char **out, size_t *out_len)
{
    (void)ud;
    (void)in;
    (void)len;
    *out = demo_dup("the demo tool failed, as asked", out_len);
    return 1;
}

static void add_demo_tools(cli *c)
{
    static const vos_tool_function fns[] = {
        {"echo", "Return the input object.",
         "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
         "\"description\":\"text to echo\"},\"upper\":{\"type\":\"boolean\","
         "\"description\":\"a flag\"}},\"required\":[\"text\"],"
         "\"additionalProperties\":false}",
         demo_echo, NULL, 0},
        {"add", "Add two numbers.",
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
         "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"],"
         "\"additionalProperties\":false}",
         demo_add, NULL, 0},
        {"now", "The host's time (seconds since the epoch).",
         "{\"type\":\"object\",\"additionalProperties\":false}", demo_now, NULL, 0},
        {"fail", "Fail with an error message.", NULL, demo_fail, NULL, 0},
    };
    vos_tool_collection tc = {sizeof tc, "demo", "A demo collection of host tools (vos --demo-tools).",
                              fns, sizeof fns / sizeof fns[0]};
    int rc = vos_tools_add(c->vm, &tc);
    if (rc != 0) die(1, "--demo-tools: %s: %s", vos_strerror(rc), vos_errmsg(c->vm));
}

/* ---- running scripts ---- */

static void cli_open(cli *c)
{
    join_net_rules(c);
    int rc = vos_vm_new(&c->cfg, &c->vm);
    if (rc != 0) die(1, "cannot create the VM: %s", vos_strerror(rc));
    c->out.vm = c->vm;
    if (c->demo_tools) add_demo_tools(c);
    for (size_t i = 0; i < c->nmounts; i++) {
        vos_mount_spec ms;
        vos_mount_spec_init(&ms);
        ms.kind = c->mounts[i].kind;
        ms.host_path = c->mounts[i].host;
        rc = vos_mount(c->vm, c->mounts[i].vmpath, &ms);
        if (rc != 0) {
            const char *detail = vos_errmsg(c->vm);
            die(1, "cannot mount %s at %s: %s%s%s", c->mounts[i].host, c->mounts[i].vmpath,
                vos_strerror(rc), detail && *detail ? ": " : "", detail ? detail : "");
        }
    }
    if (c->cwd) {
        rc = vos_mkdir(c->vm, c->cwd, 0755, 1);
        if (rc != 0 && rc != VOS_EEXIST) die(1, "--cwd %s: %s", c->cwd, vos_strerror(rc));
    }
}

static void fill_opts(cli *c, vos_exec_opts *o, const char *argv0, char **args)
{
    vos_exec_opts_init(o);
    vos_limits_init(&c->exec_lim);
    o->limits = &c->exec_lim;
    o->env = c->env;
    o->n_env = c->nenv;
    o->cwd = c->cwd;
    o->argv0 = argv0;
    o->args = (const char *const *)args;
    o->script_file = c->script_file;
    if (c->timeout_ms) c->exec_lim.time_ms = c->timeout_ms;
    o->on_stdout = on_stdout;
    o->on_stderr = on_stderr;
    o->ud = &c->out;
}

/* Turn what ended an exec into the exit status, with a message for limits. */
static int finish_status(cli *c, int rc, int status)
{
    if (rc == 0 || rc == VOS_ESYNTAX) return status;
    if (rc == VOS_ETIME) {
        fputs("vos: time limit exceeded\n", stderr);
        return 124;
    }
    if (rc == VOS_EINTERRUPTED) {
        if (c->out.broken_pipe) return status;
        return c->interactive ? 130 : (status ? status : 130);
    }
    /* "Memory limit exceeded" -> "memory limit exceeded"; "CPU step..." keeps its case */
    const char *msg = vos_strerror(rc);
    bool lower = msg[0] >= 'A' && msg[0] <= 'Z' && !(msg[1] >= 'A' && msg[1] <= 'Z');
    fprintf(stderr, "vos: %c%s\n", lower ? msg[0] - 'A' + 'a' : msg[0], msg + 1);
    return status ? status : 1;
}

/* One exec with its stdin given whole. Output streams through the callbacks; whatever the
 * library captured instead (callbacks not called) is written at the end. */
static int run_exec(cli *c, const char *script, const char *argv0, char **args, const void *in,
                    size_t inlen, vos_result *res_out)
{
    vos_exec_opts o;
    fill_opts(c, &o, argv0, args);
    o.stdin_data = in;
    o.stdin_len = inlen;
    vos_result res;
    vos_result_init(&res);
    c->out.wrote_out = c->out.wrote_err = false;
    int rc = vos_exec(c->vm, script, &o, &res);
    pthread_mutex_lock(&c->out.mu);
    if (!c->out.wrote_out && res.out_len) write_host(&c->out, 1, res.out, res.out_len);
    /* A limit's message is ours to print (finish_status), not the library's. */
    if (!c->out.wrote_err && res.err_len && !c->out.hold && !res.limit)
        write_host(&c->out, 2, res.err, res.err_len);
    pthread_mutex_unlock(&c->out.mu);
    if (res_out) *res_out = res;
    else vos_result_free(&res);
    return rc;
}

/* The host's stdin, fed to a spawned process as it arrives (so `yes | vos -c 'head -1'`
 * ends at once instead of reading forever). */
typedef struct pump {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vos_proc *p; /* NULL once the main thread has taken it back */
    bool in_call;  /* inside vos_proc_write / close_stdin */
} pump;

/* Enter a call on the process, unless the main thread has taken it back. */
static vos_proc *pump_enter(pump *pu)
{
    pthread_mutex_lock(&pu->mu);
    vos_proc *p = pu->p;
    pu->in_call = p != NULL;
    pthread_mutex_unlock(&pu->mu);
    return p;
}

static void pump_leave(pump *pu)
{
    pthread_mutex_lock(&pu->mu);
    pu->in_call = false;
    pthread_cond_broadcast(&pu->cv);
    pthread_mutex_unlock(&pu->mu);
}

static void *pump_stdin(void *arg)
{
    pump *pu = arg;
    char tmp[65536];
    for (;;) {
        ssize_t r = read(0, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        vos_proc *p = pump_enter(pu);
        if (!p) return NULL;
        int rc = vos_proc_write(p, tmp, (size_t)r);
        pump_leave(pu);
        if (rc != 0) return NULL; /* the reader is gone */
    }
    vos_proc *p = pump_enter(pu);
    if (p) {
        vos_proc_close_stdin(p);
        pump_leave(pu);
    }
    return NULL;
}

/* Take the process back from the pump thread (which may stay blocked reading the host's
 * stdin: it no longer touches p). False when it is stuck inside a call on p; then p must
 * not be freed. */
static bool pump_stop(pump *pu)
{
    pthread_mutex_lock(&pu->mu);
    pu->p = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    int rc = 0;
    while (pu->in_call && rc == 0) rc = pthread_cond_timedwait(&pu->cv, &pu->mu, &ts);
    bool idle = !pu->in_call;
    pthread_mutex_unlock(&pu->mu);
    return idle;
}

/* Run a one-shot script. Stdin: none on a terminal, else the host's. Returns the status. */
static int run_once(cli *c, const char *script, const char *argv0, char **args)
{
    bool give_stdin = !isatty(0);
    struct stat st;
    /* A pipe (or socket...) is streamed; a regular file or /dev/null is given whole through
     * vos_exec, which also tells which limit ended a script (a spawned process only has its
     * status). */
    struct stat devnull;
    bool null_in = give_stdin && fstat(0, &st) == 0 && S_ISCHR(st.st_mode) &&
                   stat("/dev/null", &devnull) == 0 && st.st_rdev == devnull.st_rdev;
    bool streamed = give_stdin && !null_in && fstat(0, &st) == 0 && !S_ISREG(st.st_mode);
    /* the host's /dev/null: the VM's (no stdin data), so that tools see a device, not an
     * empty pipe (`rg x` then searches the directory, as it does on the host) */
    if (null_in) give_stdin = false;
    if (streamed) {
        vos_exec_opts o;
        fill_opts(c, &o, argv0, args);
        c->exec_lim.time_ms = 0; /* our own timer below tells a timeout from a status */
        vos_proc *p = NULL;
        if (vos_spawn(c->vm, script, &o, &p) == 0) {
            /* static: the pump thread may outlive this frame, blocked on the host's stdin */
            static pump pu = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, false};
            pu.p = p;
            pthread_t th;
            pthread_attr_t at;
            pthread_attr_init(&at);
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            bool pumping = pthread_create(&th, &at, pump_stdin, &pu) == 0;
            pthread_attr_destroy(&at);
            if (!pumping) vos_proc_close_stdin(p);
            int st2 = vos_proc_wait(p, c->timeout_ms ? (int64_t)c->timeout_ms : -1);
            if (st2 == VOS_ETIMEDOUT) {
                vos_proc_kill(p, VOS_SIGKILL);
                vos_proc_wait(p, -1);
                fputs("vos: time limit exceeded\n", stderr);
                st2 = 124;
            } else if (st2 < 0) {
                st2 = finish_status(c, st2, 1);
            }
            if (pump_stop(&pu)) {
                vos_proc_free(p);
            } else {
                c->keep_vm = true; /* the pump is stuck in a call on p: leave both be */
            }
            return st2;
        }
        /* No spawn: fall back to giving stdin whole. */
    }
    sbuf in = {0};
    if (give_stdin && !read_all(0, &in)) die(1, "standard input: %s", strerror(errno));
    vos_result res;
    int rc = run_exec(c, script, argv0, args, in.data, in.len, &res);
    int status = finish_status(c, rc, res.status);
    vos_result_free(&res);
    free(in.data);
    return status;
}

static void exit_with(cli *c, int status) __attribute__((noreturn));
static void exit_with(cli *c, int status)
{
    if (c->out.broken_pipe) {
        /* die of SIGPIPE, as a host program writing to a closed pipe would */
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    fflush(stdout);
    if (c->vm && !c->keep_vm) vos_vm_free(c->vm);
    exit(status);
}

/* ---- interactive ---- */

static char g_prompt[PATH_MAX + 128];
static volatile sig_atomic_t g_sigint;
static int g_intr_pipe[2] = {-1, -1};

static char *prompt_fn(EditLine *el)
{
    (void)el;
    return g_prompt;
}

static void on_sigint(int sig)
{
    (void)sig;
    int e = errno;
    g_sigint = 1;
    char b = 1;
    ssize_t w = write(g_intr_pipe[1], &b, 1);
    (void)w;
    errno = e;
}

/* vos_interrupt is not async-signal-safe: a thread calls it for the handler. */
static void *interrupter(void *arg)
{
    vos_vm *vm = arg;
    char b;
    for (;;) {
        ssize_t r = read(g_intr_pipe[0], &b, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return NULL;
        vos_interrupt(vm);
    }
}

/* The prompt as bash's default shows it: user@host:dir$ with the home as ~. */
static void update_prompt(cli *c)
{
    vos_exec_opts o;
    vos_exec_opts_init(&o);
    o.struct_size = sizeof o;
    o.isolated = 1; /* must not change $? or anything else of the session */
    vos_result res;
    vos_result_init(&res);
    int rc = vos_exec(c->vm, "printf '%s\\0%s\\0%s' \"$PWD\" \"$HOME\" \"${USER:-agent}\"", &o,
                      &res);
    if (rc == 0 && res.out && res.out_len > 2) {
        const char *pwd = res.out;
        const char *home = pwd + strlen(pwd) + 1;
        const char *user = home + strlen(home) + 1;
        size_t hl = strlen(home);
        char dir[PATH_MAX + 2];
        if (hl > 1 && strncmp(pwd, home, hl) == 0 && (pwd[hl] == '/' || pwd[hl] == '\0'))
            snprintf(dir, sizeof dir, "~%s", pwd + hl);
        else
            snprintf(dir, sizeof dir, "%s", pwd);
        const char *host = c->cfg.hostname ? c->cfg.hostname : "vos";
        snprintf(g_prompt, sizeof g_prompt, "%s@%s:%s$ ", *user ? user : "agent", host, dir);
    } else if (!g_prompt[0]) {
        snprintf(g_prompt, sizeof g_prompt, "agent@vos$ ");
    }
    vos_result_free(&res);
}

/* Does the line end in an unquoted backslash (a continuation line)? */
static bool ends_in_backslash(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    size_t k = 0;
    while (k < n && s[n - 1 - k] == '\\') k++;
    return k % 2 == 1;
}

/* `exit` and `logout` as the first word end the interactive shell (after running the line,
 * so `exit 3` sets the status). */
static bool is_exit_line(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    const char *w[] = {"exit", "logout"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(w[i]);
        if (strncmp(s, w[i], n) == 0 &&
            (s[n] == '\0' || s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == ';'))
            return true;
    }
    return false;
}

/* A parse that failed only because the text ended: bash says "syntax error: unexpected end
 * of file", or "unexpected EOF while looking for matching `''" for an open quote. */
static bool at_eof_error(const char *err, size_t len)
{
    return err && len && (memmem(err, len, "unexpected end of file", 22) ||
                          memmem(err, len, "unexpected EOF", 14));
}

static int interactive(cli *c)
{
    c->interactive = true;
    /* A session setup that persists: exported variables and the starting directory. */
    if (c->nenv) {
        char **args = xrealloc(NULL, (c->nenv + 1) * sizeof *args);
        for (size_t i = 0; i < c->nenv; i++) {
            size_t n = strlen(c->env[i].name) + strlen(c->env[i].value) + 2;
            args[i] = xrealloc(NULL, n);
            snprintf(args[i], n, "%s=%s", c->env[i].name, c->env[i].value);
        }
        args[c->nenv] = NULL;
        const vos_env_var *env = c->env;
        size_t nenv = c->nenv;
        c->env = NULL;
        c->nenv = 0;
        run_exec(c, "export \"$@\"", "vos", args, NULL, 0, NULL);
        c->env = (vos_env_var *)env;
        c->nenv = nenv;
        for (size_t i = 0; i < c->nenv; i++) free(args[i]);
        free(args);
    }
    if (c->cwd) {
        char *args[] = {(char *)c->cwd, NULL};
        const char *cwd = c->cwd;
        c->cwd = NULL;
        run_exec(c, "cd -- \"$1\"", "vos", args, NULL, 0, NULL);
        c->cwd = cwd;
    }
    vos_env_var *keep_env = c->env;
    size_t keep_nenv = c->nenv;
    c->env = NULL; /* from now on the session holds them */
    c->nenv = 0;
    c->cwd = NULL;

    if (pipe2(g_intr_pipe, O_CLOEXEC) == 0) {
        pthread_t th;
        if (pthread_create(&th, NULL, interrupter, c->vm) == 0) pthread_detach(th);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: Ctrl-C at the prompt interrupts the line read */
        sigaction(SIGINT, &sa, NULL);
    }
    signal(SIGQUIT, SIG_IGN);

    EditLine *el = el_init("vos", stdin, stdout, stderr);
    History *hist = history_init();
    HistEvent ev;
    history(hist, &ev, H_SETSIZE, 1000);
    history(hist, &ev, H_SETUNIQUE, 1);
    char histfile[PATH_MAX] = "";
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(histfile, sizeof histfile, "%s/.vos_history", home);
        history(hist, &ev, H_LOAD, histfile);
    }
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_HIST, history, hist);
    el_set(el, EL_PROMPT, prompt_fn);
    el_source(el, NULL);

    int status = 0;
    sbuf acc = {0};
    bool more = false;
    update_prompt(c);
    for (;;) {
        int count = 0;
        g_sigint = 0;
        const char *line = el_gets(el, &count);
        if (g_sigint) {
            /* Ctrl-C at the prompt: drop what was typed, as bash does */
            fputs("\n", stdout);
            fflush(stdout);
            acc.len = 0;
            more = false;
            el_reset(el);
            update_prompt(c);
            status = 130;
            continue;
        }
        if (!line || count <= 0) {
            if (more) {
                fprintf(stderr, "vos: syntax error: unexpected end of file\n");
                acc.len = 0;
                more = false;
                update_prompt(c);
                status = 2;
                continue;
            }
            fputs("exit\n", stdout);
            break;
        }
        sbuf_add(&acc, line, (size_t)count);
        if (ends_in_backslash(acc.data, acc.len)) {
            /* the backslash-newline joins the lines; drop both as the lexer would */
            while (acc.len && (acc.data[acc.len - 1] == '\n' || acc.data[acc.len - 1] == '\r'))
                acc.len--;
            acc.len--;
            acc.data[acc.len] = '\0';
            more = true;
            snprintf(g_prompt, sizeof g_prompt, "> ");
            continue;
        }
        const char *p = acc.data;
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) {
            acc.len = 0;
            continue;
        }

        c->out.hold = true;
        c->out.held.len = 0;
        vos_result res;
        int rc = run_exec(c, acc.data, "vos", NULL, NULL, 0, &res);
        pthread_mutex_lock(&c->out.mu);
        c->out.hold = false;
        bool incomplete = rc == VOS_ESYNTAX && (at_eof_error(res.err, res.err_len) ||
                                                at_eof_error(c->out.held.data, c->out.held.len));
        if (!incomplete) {
            if (c->out.held.len) write_host(&c->out, 2, c->out.held.data, c->out.held.len);
            else if (!c->out.wrote_err && res.err_len && !res.limit)
                write_host(&c->out, 2, res.err, res.err_len);
        }
        c->out.held.len = 0;
        pthread_mutex_unlock(&c->out.mu);
        if (incomplete) {
            vos_result_free(&res);
            more = true;
            snprintf(g_prompt, sizeof g_prompt, "> ");
            continue;
        }
        status = finish_status(c, rc, res.status);
        if (rc == VOS_EINTERRUPTED) fputs("\n", stdout); /* after the ^C the tty echoed */
        fflush(stdout);
        vos_result_free(&res);
        /* history keeps the whole command, without its final newline */
        char *h = xstrdup(acc.data);
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == '\n') h[--hl] = '\0';
        history(hist, &ev, H_ENTER, h);
        bool leave = is_exit_line(h);
        free(h);
        acc.len = 0;
        more = false;
        if (leave) break;
        update_prompt(c);
    }
    if (histfile[0]) history(hist, &ev, H_SAVE, histfile);
    history_end(hist);
    el_end(el);
    free(acc.data);
    c->env = keep_env;
    c->nenv = keep_nenv;
    return status;
}

/* ---- main ---- */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Multicall: run NAME (argv[0]'s base name) over the host's cwd, as the host would. */
static int multicall(cli *c, const char *name, int argc, char **argv)
{
    char *cwd = getcwd(NULL, 0);
    if (!cwd) die(126, "cannot get the current directory: %s", strerror(errno));
    if (strcmp(cwd, "/") != 0) {
        c->mounts = xrealloc(c->mounts, sizeof *c->mounts);
        c->mounts[0] = (mountopt){xstrdup(cwd), xstrdup(cwd), VOS_MOUNT_HOST_RW};
        c->nmounts = 1;
    }
    c->cwd = cwd;
    /* The host's environment, but PATH: the VM's commands are found on the VM's PATH. */
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || !valid_name(*e, (size_t)(eq - *e))) continue;
        if ((size_t)(eq - *e) == 4 && strncmp(*e, "PATH", 4) == 0) continue;
        add_env(c, *e, (size_t)(eq - *e), eq + 1);
    }
    cli_open(c);
    bool shell = strcmp(name, "sh") == 0 || strcmp(name, "bash") == 0;
    if (shell && argc == 1 && isatty(0)) {
        /* a shell with nothing to run on a terminal is an interactive shell */
        exit_with(c, interactive(c));
    }
    /* The VM's own command parses its arguments, so every byte passes through unchanged. */
    return run_once(c, "exec \"$0\" \"$@\"", name, argv + 1);
}

int main(int argc, char **argv)
{
    static cli c;
    pthread_mutex_init(&c.out.mu, NULL);
    vos_config_init(&c.cfg);
    c.cfg.multicall_self = 1;
    /* A CLI user bounds time with --timeout; the output streams, so it needs no cap. */
    vos_limits_init(&c.lim);
    c.cfg.limits = &c.lim;
    c.lim.time_ms = UINT64_MAX;
    c.lim.cpu_steps = UINT64_MAX;
    c.lim.output_bytes = UINT64_MAX;

    const char *name = base_name(argc > 0 ? argv[0] : "vos");
    if (strcmp(name, "vos") != 0 && name[0]) exit_with(&c, multicall(&c, name, argc, argv));
    if (argc > 1 && strcmp(argv[1], "policy") == 0) return policy_main(argc, argv);
    vos_policy *policy = NULL;

    const char *script = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') break;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("vos %s\n", vos_version());
            return 0;
        }
        if (strcmp(a, "--demo-tools") == 0) {
            c.demo_tools = true;
            continue;
        }
        if (strcmp(a, "-c") == 0) {
            if (i + 1 >= argc) usage_error("option '%s' requires an argument", "-c");
            script = argv[++i];
            i++;
            break; /* what follows is $0 and the arguments */
        }
        static const char *const withval[] = {"--mount", "--cwd", "--env", "--timeout",
                                              "--memory", "--policy", "--allow-net", "--escalate"};
        size_t k, nk = sizeof withval / sizeof withval[0];
        for (k = 0; k < nk; k++) {
            size_t n = strlen(withval[k]);
            if (strncmp(a, withval[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                if (a[n] == '=') {
                    val = a + n + 1;
                } else {
                    if (i + 1 >= argc) usage_error("option '%s' requires an argument", a);
                    val = argv[++i];
                }
                break;
            }
        }
        if (k == nk) usage_error("unrecognized option '%s'", a);
        switch (k) {
        case 0: add_mount(&c, val); break;
        case 1:
            if (val[0] != '/') usage_error("--cwd: want an absolute VM path, got '%s'", val);
            c.cwd = val;
            break;
        case 2: {
            const char *eq = strchr(val, '=');
            if (!eq || !valid_name(val, (size_t)(eq - val)))
                usage_error("--env: expected NAME=VALUE, got '%s'", val);
            add_env(&c, val, (size_t)(eq - val), eq + 1);
            break;
        }
        case 3: c.timeout_ms = parse_seconds(val); break;
        case 4: c.lim.mem_bytes = parse_bytes(val); break;
        case 5:
            if (policy) usage_error("%s: given twice", "--policy");
            policy = load_policy(&c.cfg, val);
            c.cfg.ask = ask_tty;
            break;
        case 6: add_net_rule(&c, val); break;
        case 7: add_escalate(&c, val); break;
        }
    }

    if (script) {
        const char *argv0 = i < argc ? argv[i++] : "vos";
        cli_open(&c);
        exit_with(&c, run_once(&c, script, argv0, argv + i));
    }
    if (i < argc) {
        /* vos FILE [ARG]...: a host file, run with $0 = FILE */
        const char *file = argv[i];
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) die(127, "%s: %s", file, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) die(126, "%s: Is a directory", file);
        sbuf text = {0};
        if (!read_all(fd, &text)) die(126, "%s: %s", file, strerror(errno));
        close(fd);
        if (memchr(text.data, '\0', text.len)) die(126, "%s: cannot execute binary file", file);
        cli_open(&c);
        c.script_file = true;
        exit_with(&c, run_once(&c, text.data, file, argv + i + 1));
    }
    if (isatty(0)) {
        cli_open(&c);
        exit_with(&c, interactive(&c));
    }
    /* A script on stdin: the VM's shell reads it as bash does, a line (or a whole command)
     * at a time, so a command in it reads the lines after it (`printf 'head -n1\nx\n' | vos`). */
    cli_open(&c);
    exit_with(&c, run_once(&c, "exec -a \"$0\" bash", "vos", NULL));
}
