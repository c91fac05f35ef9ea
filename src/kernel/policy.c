/* policy.c: the VM's policy engine. One list of rules for paths, commands, environment
 * variables and host tools (the legacy path rules and command lists are converted into it),
 * the network rules carried for vos_policy_explain, and the two places where the kernel hands
 * a question or a record to the host: vk_ask (a rule whose outcome is "ask": the host's
 * callback decides, within a timeout) and vk_audit (structured events for a host that logs or
 * bills). The modules that own each kind of request (path.c, proc.c, the API's environment,
 * the network and host-tool modules) call vk_policy_decide at their boundary. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/internal.h"

/* One question in flight. The host callback runs on its own thread so that a callback that
 * never answers costs the asking process only the timeout; whoever finishes last frees it. */
typedef struct ask_call {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    bool done;
    int answer;
    vos_ask_fn fn;
    void *ud;
    vos_request req;
    char strs[]; /* subject, detail, rule, each NUL-terminated */
} ask_call;

static void ask_unref(ask_call *c)
{
    pthread_mutex_lock(&c->mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (!last) return;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void *ask_main(void *arg)
{
    ask_call *c = arg;
    int a = c->fn(c->ud, &c->req);
    pthread_mutex_lock(&c->mu);
    c->answer = a == VOS_POLICY_ALLOW ? VOS_POLICY_ALLOW : VOS_POLICY_DENY;
    c->done = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    ask_unref(c);
    return NULL;
}

static const char *nz(const char *s) { return s ? s : ""; }

/* p NULL: asked from a host thread (the API's environment check), which holds no CPU token
 * and cannot be killed; only the timeout bounds the wait. */
static int ask_wait(vk_vm *vm, vk_proc *p, const vos_request *req)
{
    if (!vm->ask) return VOS_POLICY_DENY;
    const char *s[3] = {nz(req->subject), nz(req->detail), nz(req->rule)};
    size_t l[3], total = 0;
    for (int i = 0; i < 3; i++) total += (l[i] = strlen(s[i])) + 1;
    ask_call *c = malloc(sizeof *c + total); /* host memory: it may outlive the VM */
    if (!c) return VOS_POLICY_DENY;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->refs = 2;
    c->done = false;
    c->answer = VOS_POLICY_DENY;
    c->fn = vm->ask;
    c->ud = vm->ask_ud;
    memset(&c->req, 0, sizeof c->req);
    c->req.struct_size = sizeof c->req;
    c->req.kind = req->kind;
    char *at = c->strs;
    const char **dst[3] = {&c->req.subject, &c->req.detail, &c->req.rule};
    for (int i = 0; i < 3; i++) {
        memcpy(at, s[i], l[i] + 1);
        *dst[i] = at;
        at += l[i] + 1;
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, ask_main, c);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        c->refs = 1;
        ask_unref(c);
        return VOS_POLICY_DENY;
    }
    /* Wait in slices so that a kill, the exec's deadline or vos_interrupt still end the
     * process while the host thinks; the CPU token goes back meanwhile. */
    if (p) vk_cpu_give();
    int64_t until = vk_now_mono() + (int64_t)vm->ask_timeout_ms * 1000000;
    int answer = VOS_POLICY_DENY;
    pthread_mutex_lock(&c->mu);
    while (!c->done) {
        int64_t now = vk_now_mono();
        if (now >= until || (p && vk_check(p) < 0)) break;
        int64_t slice = until - now < 50000000 ? until - now : 50000000;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += slice % 1000000000;
        ts.tv_sec += slice / 1000000000 + ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    if (c->done) answer = c->answer;
    pthread_mutex_unlock(&c->mu);
    ask_unref(c);
    if (p) vk_cpu_ensure(vm);
    return answer;
}

int vk_ask(vk_proc *p, const vos_request *req) { return ask_wait(p->vm, p, req); }

void vk_audit(vk_vm *vm, const vos_audit_event *ev)
{
    if (!vm->audit) return;
    vos_audit_event e = *ev;
    e.struct_size = sizeof e;
    e.subject = nz(e.subject);
    e.detail = nz(e.detail);
    e.rule = nz(e.rule);
    vm->audit(vm->audit_ud, &e);
}

/* ---- the rules ---- */

/* One rule of the engine. legacy names where a converted vos_path_rule or command list entry
 * came from, so that its denials keep their old wording. */
typedef struct prule {
    int kind;
    char *pattern;
    char *detail;       /* path rules: "read", "write" or NULL (both) */
    int outcome;
    const char *legacy; /* "none", "read-only", "read-write", "denied", "allowed", or NULL */
} prule;

#define ASK_CACHE 32
typedef struct ask_memo {
    int kind;
    int answer;
    char key[256]; /* subject NUL detail; "" : a free slot */
} ask_memo;

struct vk_policy {
    prule *r;
    size_t n, cap;
    unsigned strict;      /* bit (1 << kind): rules of that kind were given, deny the rest */
    vos_net_rule *net;    /* copies, for explain (the network module matches its own) */
    size_t nnet;
    /* answers of the host to ask rules: a script that stats the same file 50 times asks
     * once */
    pthread_mutex_t mu;
    ask_memo memo[ASK_CACHE];
    unsigned memo_next;
};

static const char *outcome_name(int o)
{
    return o == VOS_POLICY_ALLOW ? "allow" : o == VOS_POLICY_ASK ? "ask" : "deny";
}

static const char *kind_name(int k)
{
    switch (k) {
    case VOS_REQ_PATH: return "path";
    case VOS_REQ_COMMAND: return "command";
    case VOS_REQ_ENV: return "env";
    case VOS_REQ_NET: return "network";
    case VOS_REQ_TOOL: return "tool";
    }
    return "?";
}

static int add_rule(vk_vm *vm, vk_policy *pol, int kind, const char *pattern, const char *detail,
                    int outcome, const char *legacy)
{
    if (pol->n == pol->cap) {
        size_t nc = pol->cap ? pol->cap * 2 : 8;
        prule *nr = vk_vm_alloc(vm, nc * sizeof *nr);
        if (!nr) return VOS_ENOMEM;
        if (pol->n) memcpy(nr, pol->r, pol->n * sizeof *nr);
        if (pol->r) vk_vm_free(vm, pol->r, pol->cap * sizeof *nr);
        pol->r = nr;
        pol->cap = nc;
    }
    prule *r = &pol->r[pol->n];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->outcome = outcome;
    r->legacy = legacy;
    r->pattern = vk_vm_strdup(vm, pattern);
    r->detail = detail ? vk_vm_strdup(vm, detail) : NULL;
    if (!r->pattern || (detail && !r->detail)) {
        if (r->pattern) vk_vm_strfree(vm, r->pattern);
        return VOS_ENOMEM;
    }
    pol->n++;
    return 0;
}

static char *dup_or_null(vk_vm *vm, const char *s, int *rc)
{
    if (!s || *rc) return NULL;
    char *d = vk_vm_strdup(vm, s);
    if (!d) *rc = VOS_ENOMEM;
    return d;
}

static void free_str(vk_vm *vm, const char *s)
{
    if (s) vk_vm_strfree(vm, (char *)s);
}

int vk_policy_init(vk_vm *vm, const vk_vm_config *cfg)
{
    vk_policy *pol = vk_vm_alloc(vm, sizeof *pol);
    if (!pol) return VOS_ENOMEM;
    memset(pol, 0, sizeof *pol);
    pthread_mutex_init(&pol->mu, NULL);
    vm->policy = pol;
    int rc = 0;
    /* legacy path rules: none denies both accesses, read-only denies writes */
    for (size_t i = 0; rc == 0 && i < cfg->nrules; i++) {
        const vos_path_rule *lr = &cfg->rules[i];
        if (!lr->prefix || lr->prefix[0] != '/') return VOS_EINVAL;
        if (lr->access == VOS_ACCESS_NONE) {
            rc = add_rule(vm, pol, VOS_REQ_PATH, lr->prefix, NULL, VOS_POLICY_DENY, "none");
        } else if (lr->access == VOS_ACCESS_READ) {
            rc = add_rule(vm, pol, VOS_REQ_PATH, lr->prefix, "write", VOS_POLICY_DENY,
                          "read-only");
            if (rc == 0)
                rc = add_rule(vm, pol, VOS_REQ_PATH, lr->prefix, "read", VOS_POLICY_ALLOW,
                              "read-only");
        } else {
            rc = add_rule(vm, pol, VOS_REQ_PATH, lr->prefix, NULL, VOS_POLICY_ALLOW,
                          "read-write");
        }
    }
    /* legacy command lists: a denied name before everything, an allow list denies the rest */
    for (const char *const *d = cfg->denied_cmds; rc == 0 && d && *d; d++)
        rc = add_rule(vm, pol, VOS_REQ_COMMAND, *d, NULL, VOS_POLICY_DENY, "denied");
    for (size_t i = 0; rc == 0 && i < cfg->n_prules; i++) {
        const vos_policy_rule *r = &cfg->prules[i];
        if (!r->pattern || r->kind < VOS_REQ_PATH || r->kind > VOS_REQ_TOOL ||
            r->kind == VOS_REQ_NET || r->outcome < VOS_POLICY_DENY ||
            r->outcome > VOS_POLICY_ASK)
            return VOS_EINVAL;
        if (r->kind == VOS_REQ_PATH &&
            (r->pattern[0] != '/' ||
             (r->detail && strcmp(r->detail, "read") != 0 && strcmp(r->detail, "write") != 0)))
            return VOS_EINVAL;
        rc = add_rule(vm, pol, r->kind, r->pattern, r->kind == VOS_REQ_PATH ? r->detail : NULL,
                      r->outcome, NULL);
        pol->strict |= 1u << r->kind;
    }
    if (cfg->allowed_cmds) pol->strict |= 1u << VOS_REQ_COMMAND;
    for (const char *const *a = cfg->allowed_cmds; rc == 0 && a && *a; a++)
        rc = add_rule(vm, pol, VOS_REQ_COMMAND, *a, NULL, VOS_POLICY_ALLOW, "allowed");
    if (rc == 0 && cfg->n_net_rules) {
        if (!cfg->net_rules) return VOS_EINVAL;
        pol->net = vk_vm_alloc(vm, cfg->n_net_rules * sizeof *pol->net);
        if (!pol->net) return VOS_ENOMEM;
        memset(pol->net, 0, cfg->n_net_rules * sizeof *pol->net);
        pol->nnet = cfg->n_net_rules;
        for (size_t i = 0; rc == 0 && i < cfg->n_net_rules; i++) {
            const vos_net_rule *s = &cfg->net_rules[i];
            vos_net_rule *d = &pol->net[i];
            if (!s->origin) return VOS_EINVAL;
            d->outcome = s->outcome;
            d->origin = dup_or_null(vm, s->origin, &rc);
            d->path_prefix = dup_or_null(vm, s->path_prefix, &rc);
            d->methods = dup_or_null(vm, s->methods, &rc);
            d->address = dup_or_null(vm, s->address, &rc);
            /* the headers (credentials) stay with the network module: explain names the
             * rule, never its secrets */
        }
    }
    return rc;
}

void vk_policy_free(vk_vm *vm)
{
    vk_policy *pol = vm->policy;
    if (!pol) return;
    for (size_t i = 0; i < pol->n; i++) {
        vk_vm_strfree(vm, pol->r[i].pattern);
        free_str(vm, pol->r[i].detail);
    }
    if (pol->r) vk_vm_free(vm, pol->r, pol->cap * sizeof *pol->r);
    for (size_t i = 0; i < pol->nnet; i++) {
        free_str(vm, pol->net[i].origin);
        free_str(vm, pol->net[i].path_prefix);
        free_str(vm, pol->net[i].methods);
        free_str(vm, pol->net[i].address);
    }
    if (pol->net) vk_vm_free(vm, pol->net, pol->nnet * sizeof *pol->net);
    pthread_mutex_destroy(&pol->mu);
    vk_vm_free(vm, pol, sizeof *pol);
    vm->policy = NULL;
}

/* How exactly rule r matches (kind, subject, detail): -1 not at all, else higher is more
 * exact. */
static long rule_score(const prule *r, const char *subj, const char *detail)
{
    const char *pat = r->pattern;
    size_t pl = strlen(pat);
    switch (r->kind) {
    case VOS_REQ_PATH: {
        if (r->detail && strcmp(r->detail, detail) != 0) return -1;
        while (pl > 1 && pat[pl - 1] == '/') pl--;
        bool root = pl == 1 && pat[0] == '/';
        if (!root && !(strncmp(subj, pat, pl) == 0 && (subj[pl] == 0 || subj[pl] == '/')))
            return -1;
        return (long)pl * 2 + (r->detail != NULL);
    }
    case VOS_REQ_COMMAND:
        if (strcmp(pat, "*") == 0) return 1;
        return strcmp(pat, subj) == 0 ? 2 : -1;
    case VOS_REQ_ENV:
        if (strcmp(pat, subj) == 0) return 1L << 20;
        if (pl && pat[pl - 1] == '*' && strncmp(pat, subj, pl - 1) == 0) return (long)pl;
        return -1;
    case VOS_REQ_TOOL: {
        if (strcmp(pat, "*") == 0) return 1;
        if (strcmp(pat, subj) == 0) return 3;
        const char *sp = strchr(subj, ' ');
        size_t cl = sp ? (size_t)(sp - subj) : strlen(subj);
        if (pl == cl + 2 && strncmp(pat, subj, cl) == 0 && strcmp(pat + cl, " *") == 0)
            return 2;
        return -1;
    }
    }
    return -1;
}

/* The system trees a VM needs to run at all: readable (and /dev writable) unless a rule names
 * them, even under a default-deny path policy. */
static bool system_path(const char *abs, bool write)
{
    static const char *const ro[] = {"/proc", "/usr/bin", "/bin", "/dev"};
    for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
        size_t l = strlen(ro[i]);
        if (strncmp(abs, ro[i], l) == 0 && (abs[l] == 0 || abs[l] == '/'))
            return !write || i == 3;
    }
    return false;
}

/* The name of the rule that decided (best, or the default when NULL), as the ask and audit
 * callbacks, the error messages and explain show it. */
static void rule_name(const prule *best, int kind, int outcome, char *name, size_t nn)
{
    if (best) {
        if (best->legacy && kind == VOS_REQ_PATH)
            snprintf(name, nn, "the path rule '%s' (%s)", best->pattern, best->legacy);
        else if (best->legacy)
            snprintf(name, nn, "the %s_commands entry '%s'", best->legacy, best->pattern);
        else if (best->detail)
            snprintf(name, nn, "the %s rule '%s' (%s: %s)", kind_name(kind), best->pattern,
                     best->detail, outcome_name(best->outcome));
        else
            snprintf(name, nn, "the %s rule '%s' (%s)", kind_name(kind), best->pattern,
                     outcome_name(best->outcome));
    } else {
        snprintf(name, nn, "no %s rule matches (default: %s)", kind_name(kind),
                 outcome_name(outcome));
    }
}

/* The rule that decides (NULL: the kind's default) and its outcome in *outcome. Every file
 * access comes here: no formatting, no allocation. */
static const prule *decide(vk_policy *pol, int kind, const char *subj, const char *detail,
                           int *outcome)
{
    const prule *best = NULL;
    long bs = -1;
    for (size_t i = 0; i < pol->n; i++) {
        if (pol->r[i].kind != kind) continue;
        long sc = rule_score(&pol->r[i], subj, detail);
        if (sc > bs) {
            bs = sc;
            best = &pol->r[i];
        }
    }
    if (best) {
        *outcome = best->outcome;
        return best;
    }
    bool deny = (pol->strict >> kind) & 1;
    if (deny && kind == VOS_REQ_PATH && system_path(subj, strcmp(detail, "write") == 0))
        deny = false;
    *outcome = deny ? VOS_POLICY_DENY : VOS_POLICY_ALLOW;
    return NULL;
}

/* ---- network rules, for explain ---- */

static bool ieq(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl) return false;
    for (size_t i = 0; i < al; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
    return true;
}

/* Split "scheme://host[:port]" (and the rest, the path, for a URL); false when it is not one.
 * The port defaults to the scheme's. */
static bool split_origin(const char *u, const char **sch, size_t *schl, const char **host,
                         size_t *hl, unsigned *port, const char **rest)
{
    const char *c = strstr(u, "://");
    if (!c) return false;
    *sch = u;
    *schl = (size_t)(c - u);
    bool https = ieq(u, *schl, "https", 5);
    if (!https && !ieq(u, *schl, "http", 4)) return false;
    const char *h = c + 3, *e = h + strcspn(h, "/?#");
    const char *at = memchr(h, '@', (size_t)(e - h)); /* userinfo is not the host */
    if (at) h = at + 1;
    const char *colon = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(e - h));
        if (rb && rb + 1 < e && rb[1] == ':') colon = rb + 1;
    } else {
        colon = memchr(h, ':', (size_t)(e - h));
    }
    *host = h;
    *hl = (size_t)((colon ? colon : e) - h);
    *port = https ? 443 : 80;
    if (colon) *port = (unsigned)strtoul(colon + 1, NULL, 10);
    *rest = *e ? e : "/";
    return *hl > 0;
}

static bool net_match(const vos_net_rule *r, const char *url, const char *method)
{
    const char *us, *uh, *path;
    size_t usl, uhl;
    unsigned up;
    if (!split_origin(url, &us, &usl, &uh, &uhl, &up, &path)) return false;
    if (strcmp(r->origin, "*") != 0) {
        const char *rs, *rh, *rrest;
        size_t rsl, rhl;
        unsigned rp;
        if (!split_origin(r->origin, &rs, &rsl, &rh, &rhl, &rp, &rrest)) return false;
        if (!ieq(us, usl, rs, rsl) || up != rp) return false;
        if (rhl > 2 && rh[0] == '*' && rh[1] == '.') {
            size_t sl = rhl - 1; /* ".example.com" */
            if (uhl <= sl || !ieq(uh + uhl - sl, sl, rh + 1, sl)) return false;
        } else if (!ieq(uh, uhl, rh, rhl)) {
            return false;
        }
    }
    if (r->path_prefix && *r->path_prefix &&
        strncmp(path, r->path_prefix, strlen(r->path_prefix)) != 0)
        return false;
    if (r->methods && *r->methods && method && *method) {
        size_t ml = strlen(method);
        for (const char *m = r->methods;;) {
            size_t l = strcspn(m, ",");
            while (l && *m == ' ') m++, l--;
            if (ieq(m, l, method, ml)) return true;
            if (!m[l]) return false;
            m += l + 1;
        }
    }
    return true;
}

static int net_decide(vk_policy *pol, const char *url, const char *method, char *name,
                      size_t nn)
{
    for (size_t i = 0; i < pol->nnet; i++) {
        const vos_net_rule *r = &pol->net[i];
        if (!net_match(r, url, method)) continue;
        snprintf(name, nn, "the network rule %zu '%s%s%s%s' (%s)", i + 1, r->origin,
                 r->path_prefix ? r->path_prefix : "", r->methods ? " " : "",
                 r->methods ? r->methods : "", outcome_name(r->outcome));
        return r->outcome == VOS_POLICY_ALLOW || r->outcome == VOS_POLICY_ASK ? r->outcome
                                                                              : VOS_POLICY_DENY;
    }
    snprintf(name, nn, "no network rule matches (default: deny)");
    return VOS_POLICY_DENY;
}

int vk_policy_explain(vk_vm *vm, int kind, const char *subj, const char *detail, char *buf,
                      size_t n)
{
    if (kind < VOS_REQ_PATH || kind > VOS_REQ_TOOL) return VOS_EINVAL;
    subj = nz(subj);
    detail = nz(detail);
    if (kind == VOS_REQ_PATH && !*detail) detail = "read";
    char name[600];
    int outcome;
    if (kind == VOS_REQ_NET)
        outcome = net_decide(vm->policy, subj, detail, name, sizeof name);
    else {
        const prule *r = decide(vm->policy, kind, subj, detail, &outcome);
        rule_name(r, kind, outcome, name, sizeof name);
    }
    if (n)
        snprintf(buf, n, "%s: %s %s%s%s: %s", outcome_name(outcome), kind_name(kind), subj,
                 *detail ? " " : "", detail, name);
    return outcome;
}

/* ---- deciding at the boundary ---- */

static bool memo_get(vk_policy *pol, int kind, const char *key, size_t kl, int *answer)
{
    bool hit = false;
    pthread_mutex_lock(&pol->mu);
    for (int i = 0; i < ASK_CACHE && !hit; i++)
        if (pol->memo[i].kind == kind && memcmp(pol->memo[i].key, key, kl) == 0) {
            *answer = pol->memo[i].answer;
            hit = true;
        }
    pthread_mutex_unlock(&pol->mu);
    return hit;
}

static void memo_put(vk_policy *pol, int kind, const char *key, size_t kl, int answer)
{
    pthread_mutex_lock(&pol->mu);
    ask_memo *m = &pol->memo[pol->memo_next++ % ASK_CACHE];
    m->kind = kind;
    m->answer = answer;
    memset(m->key, 0, sizeof m->key);
    memcpy(m->key, key, kl);
    pthread_mutex_unlock(&pol->mu);
}

int vk_policy_decide(vk_vm *vm, vk_proc *p, int kind, const char *subj, const char *detail,
                     char *rule, size_t rn)
{
    subj = nz(subj);
    detail = nz(detail);
    vk_policy *pol = vm->policy;
    if (pol->n == 0 && pol->strict == 0 && kind != VOS_REQ_NET) return VOS_POLICY_ALLOW;
    char name[600];
    int outcome;
    if (kind == VOS_REQ_NET) {
        outcome = net_decide(pol, subj, detail, name, sizeof name);
    } else {
        const prule *r = decide(pol, kind, subj, detail, &outcome);
        if (outcome == VOS_POLICY_ALLOW) return VOS_POLICY_ALLOW; /* no name needed */
        rule_name(r, kind, outcome, name, sizeof name);
    }
    if (rule && rn) snprintf(rule, rn, "%s", name);
    if (outcome == VOS_POLICY_ALLOW) return VOS_POLICY_ALLOW;
    vos_request req = {sizeof req, (vos_request_kind)kind, subj, detail, name};
    if (outcome == VOS_POLICY_ASK) {
        /* key: subject NUL detail NUL, when it fits the memo */
        char key[256] = {0};
        size_t sl = strlen(subj), dl = strlen(detail), kl = sl + dl + 2;
        bool memo = kl <= sizeof key;
        if (memo) {
            memcpy(key, subj, sl);
            memcpy(key + sl + 1, detail, dl);
        }
        int answer;
        if (!memo || !memo_get(pol, kind, key, kl, &answer)) {
            answer = p ? vk_ask(p, &req) : ask_wait(vm, NULL, &req);
            /* only answers are remembered: no callback or a timeout asks again next time */
            if (memo && vm->ask) memo_put(pol, kind, key, kl, answer);
            vos_audit_event ev = {.type = VOS_AUDIT_ASKED, .kind = (vos_request_kind)kind,
                                  .subject = subj, .detail = detail, .rule = name,
                                  .pid = p ? p->pid : 0, .status = answer};
            vk_audit(vm, &ev);
        }
        outcome = answer;
        if (outcome == VOS_POLICY_ALLOW) return VOS_POLICY_ALLOW;
    }
    vos_audit_event ev = {.type = VOS_AUDIT_DENIED, .kind = (vos_request_kind)kind,
                          .subject = subj, .detail = detail, .rule = name,
                          .pid = p ? p->pid : 0};
    vk_audit(vm, &ev);
    return VOS_POLICY_DENY;
}

bool vk_policy_path_subtree(vk_vm *vm, const char *abs, int *read, int *write)
{
    vk_policy *pol = vm->policy;
    size_t al = strlen(abs);
    for (size_t i = 0; i < pol->n; i++) {
        const prule *r = &pol->r[i];
        if (r->kind != VOS_REQ_PATH) continue;
        size_t pl = strlen(r->pattern);
        while (pl > 1 && r->pattern[pl - 1] == '/') pl--;
        if (pl > al && (al == 1 || (strncmp(r->pattern, abs, al) == 0 && r->pattern[al] == '/')))
            return false;
    }
    decide(pol, VOS_REQ_PATH, abs, "read", read);
    decide(pol, VOS_REQ_PATH, abs, "write", write);
    return true;
}

bool vk_policy_lists(vk_vm *vm, int kind, const char *subj)
{
    int outcome;
    decide(vm->policy, kind, subj, "", &outcome);
    return outcome != VOS_POLICY_DENY;
}
