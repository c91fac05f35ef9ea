/* api.c: the public API (include/vos.h) over the kernel: VM creation with its base
 * filesystem, mounts, exec/spawn in the session shell, host file operations, interrupts and
 * errors. Inputs are checked and copied here; results are plain malloc'd memory the host frees
 * with vos_result_free / vos_free. Misuse (NULL, a VM busy on another thread) returns
 * VOS_EMISUSE, never a crash. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "kernel/internal.h"
#include "lib/cmd.h"

/* ---- errors ---- */
const char *vos_strerror(int rc)
{
    if (rc == 0) return "Success";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return msg;
        VOS_ERRNO_MAP(X)
#undef X
    }
    return "Unknown error";
}

const char *vos_errname(int rc)
{
    if (rc == 0) return "OK";
    switch (rc) {
#define X(name, value, msg)                                                                        \
    case value: return #name;
        VOS_ERRNO_MAP(X)
#undef X
    }
    return "EUNKNOWN";
}

const char *vos_version(void) { return VOS_VERSION_STRING; }

const char *vos_errmsg(vos_vm *vm) { return vm ? vm->errmsg : "no VM"; }

static const char *cmd_names[512];
static pthread_once_t cmd_names_once = PTHREAD_ONCE_INIT;
static void fill_cmd_names(void)
{
    size_t n = vl_cmd_count < 511 ? vl_cmd_count : 511;
    for (size_t i = 0; i < n; i++) cmd_names[i] = vl_cmd_table[i]->name;
    cmd_names[n] = NULL;
}
const char *const *vos_commands(void)
{
    pthread_once(&cmd_names_once, fill_cmd_names);
    return cmd_names;
}

/* ---- config ---- */
static const vos_limits default_limits = {
    .time_ms = 300000,
    .cpu_steps = 1000000000ull,
    .mem_bytes = 512ull << 20,
    .fs_bytes = 256ull << 20,
    .fs_inodes = 100000,
    .output_bytes = 16ull << 20,
    .procs = 256,
    .open_files = 1024,
    .call_depth = 1000,
    .nest_depth = 200,
    .expand_bytes = 64ull << 20,
};

void vos_config_init(vos_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->struct_size = sizeof *cfg;
}

static void *default_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

static void resolve_limits(vos_limits *out, const vos_limits *in, const vos_limits *base)
{
    const uint64_t *b = (const uint64_t *)base;
    const uint64_t *i = (const uint64_t *)in;
    uint64_t *o = (uint64_t *)out;
    for (size_t k = 0; k < sizeof(vos_limits) / sizeof(uint64_t); k++)
        o[k] = (in && i[k]) ? i[k] : b[k];
}

static char **copy_list(vk_vm *vm, const char *const *list)
{
    if (!list) return NULL;
    size_t n = 0;
    while (list[n]) n++;
    char **out = vk_vm_alloc(vm, (n + 1) * sizeof(char *));
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) out[i] = vk_vm_strdup(vm, list[i]);
    out[n] = NULL;
    return out;
}

static void free_list(vk_vm *vm, char **list)
{
    if (!list) return;
    size_t n = 0;
    for (; list[n]; n++) vk_vm_strfree(vm, list[n]);
    vk_vm_free(vm, list, (n + 1) * sizeof(char *));
}

/* ---- the base filesystem ---- */
static int root_mkdir(vk_vm *vm, vfs_mount *root, const char *rel, unsigned mode)
{
    (void)vm;
    int rc = root->ops->mkdir(root, rel, mode);
    return rc == VOS_EEXIST ? 0 : rc;
}

static int root_file(vfs_mount *root, const char *rel, const char *text, unsigned mode)
{
    vfs_file *f;
    int rc = root->ops->open(root, rel, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode, &f);
    if (rc < 0) return rc;
    ssize_t w = f->ops->pwrite(f, text, strlen(text), 0);
    f->ops->close(f);
    return w < 0 ? (int)w : 0;
}

static int build_base(vk_vm *vm)
{
    vfs_mount *root, *dev, *proc, *bin;
    int rc = memfs_new(vm, &root);
    if (rc < 0) return rc;
    rc = vk_mount_add(vm, "/", root, VK_MNT_PLAIN);
    if (rc < 0) {
        root->ops->destroy(root);
        return rc;
    }
    static const char *const dirs[] = {"dev", "proc", "etc", "usr", "usr/bin", "usr/local",
                                       "usr/local/bin", "home", "root", "var", "var/tmp", "tmp",
                                       "workspace"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && rc == 0; i++) {
        if (strcmp(dirs[i], "workspace") == 0) continue; /* only when the host mounts one */
        rc = root_mkdir(vm, root, dirs[i], 0755);
    }
    if (rc == 0) rc = root->ops->chmod(root, "tmp", 01777);
    if (rc == 0) rc = root->ops->chmod(root, "var/tmp", 01777);
    if (rc == 0) rc = root->ops->chmod(root, "root", 0700);
    char home[300];
    snprintf(home, sizeof home, "%s", vm->home + 1);
    if (rc == 0 && strcmp(vm->home, "/root") != 0) {
        vm->booting = false; /* the home directory is the user's */
        rc = root_mkdir(vm, root, home, 0755);
        vm->booting = true;
    }
    if (rc == 0) rc = root->ops->symlink(root, "usr/bin", "bin");
    if (rc == 0) rc = root->ops->symlink(root, "usr/bin", "sbin");
    if (rc < 0) return rc;

    char buf[1024];
    unsigned uid = strcmp(vm->user, "root") == 0 ? 0 : 1000; /* vfs_uid is 0 while booting */
    snprintf(buf, sizeof buf,
             "root:x:0:0:root:/root:/bin/bash\n"
             "%s%s:x:%u:%u:%s:%s:/bin/bash\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
             "", uid ? vm->user : "#", uid, uid, uid ? vm->user : "", vm->home);
    if (!uid) snprintf(buf, sizeof buf,
                       "root:x:0:0:root:/root:/bin/bash\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    rc = root_file(root, "etc/passwd", buf, 0644);
    if (rc == 0) {
        if (uid)
            snprintf(buf, sizeof buf, "root:x:0:\n%s:x:%u:\nnogroup:x:65534:\n", vm->user, uid);
        else
            snprintf(buf, sizeof buf, "root:x:0:\nnogroup:x:65534:\n");
        rc = root_file(root, "etc/group", buf, 0644);
    }
    if (rc == 0) {
        snprintf(buf, sizeof buf, "%s\n", vm->hostname);
        rc = root_file(root, "etc/hostname", buf, 0644);
    }
    if (rc == 0)
        rc = root_file(root, "etc/os-release",
                       "PRETTY_NAME=\"vos " VOS_VERSION_STRING "\"\nNAME=\"vos\"\n"
                       "VERSION_ID=\"" VOS_VERSION_STRING "\"\nID=vos\nID_LIKE=debian\n"
                       "HOME_URL=\"https://vos.invalid/\"\n",
                       0644);
    if (rc == 0) rc = root_file(root, "etc/resolv.conf", "# vos: no network yet\n", 0644);
    if (rc == 0) {
        snprintf(buf, sizeof buf, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost\n",
                 vm->hostname);
        rc = root_file(root, "etc/hosts", buf, 0644);
    }
    if (rc == 0) rc = root_file(root, "etc/shells", "/bin/sh\n/bin/bash\n", 0644);
    if (rc < 0) return rc;

    if ((rc = devfs_new(vm, &dev)) < 0) return rc;
    if ((rc = vk_mount_add(vm, "/dev", dev, VK_MNT_DEV)) < 0) {
        dev->ops->destroy(dev);
        return rc;
    }
    if ((rc = procfs_new(vm, &proc)) < 0) return rc;
    if ((rc = vk_mount_add(vm, "/proc", proc, VK_MNT_PROC)) < 0) {
        proc->ops->destroy(proc);
        return rc;
    }
    if ((rc = binfs_new(vm, &bin)) < 0) return rc;
    if ((rc = vk_mount_add(vm, "/usr/bin", bin, VK_MNT_BIN)) < 0) {
        bin->ops->destroy(bin);
        return rc;
    }
    return 0;
}

static int session_create(vk_vm *vm)
{
    vk_proc *s;
    int rc = vk_proc_create(vm, NULL, &s);
    if (rc < 0) return rc;
    s->state = PS_RUNNING;
    s->cwd = vk_strdup(s, vm->home);
    if (!s->cwd) return VOS_ENOMEM;
    char buf[512];
    const char *kv[][2] = {
        {"PATH", "/usr/local/bin:/usr/bin:/bin"},
        {"HOME", vm->home},
        {"USER", vm->user},
        {"LOGNAME", vm->user},
        {"SHELL", "/bin/bash"},
        {"LANG", "C.UTF-8"},
        {"TZ", "UTC"},
        {"TERM", "dumb"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        snprintf(buf, sizeof buf, "%s", kv[i][1]);
        rc = vk_setenv(s, kv[i][0], buf);
        if (rc < 0) return rc;
    }
    vm->session = s;
    return 0;
}

int vos_vm_new(const vos_config *cfg_in, vos_vm **out)
{
    if (!out) return VOS_EMISUSE;
    *out = NULL;
    vos_config cfg;
    vos_config_init(&cfg);
    if (cfg_in) {
        if (cfg_in->struct_size < offsetof(vos_config, limits) ||
            cfg_in->struct_size > sizeof cfg)
            return VOS_EMISUSE;
        memcpy(&cfg, cfg_in, cfg_in->struct_size);
    }
    vos_alloc_fn af = cfg.alloc ? cfg.alloc : default_alloc;
    vk_vm *vm = af(cfg.alloc_ud, NULL, 0, sizeof *vm);
    if (!vm) return VOS_ENOMEM;
    memset(vm, 0, sizeof *vm);
    vm->alloc = af;
    vm->alloc_ud = cfg.alloc_ud;
    atomic_store(&vm->mem_used, sizeof *vm);
    resolve_limits(&vm->lim, &cfg.limits, &default_limits);
    pthread_mutex_init(&vm->mu, NULL);
    pthread_condattr_init(&vm->cattr);
    pthread_condattr_setclock(&vm->cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->procs_cv, &vm->cattr);
    vm->boot_ns = vfs_now_ns();
    vm->next_pid = 1;
    vm->next_dev = 1;
    if (getrandom(vm->rng, sizeof vm->rng, GRND_NONBLOCK) != (ssize_t)sizeof vm->rng) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        vm->rng[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uintptr_t)vm;
        vm->rng[1] = (uint64_t)ts.tv_sec + 1;
        vm->rng[2] = 0x1234567;
        vm->rng[3] = 0xfedcba9;
    }
    int rc = 0;
    vm->hostname = vk_vm_strdup(vm, cfg.hostname ? cfg.hostname : "vos");
    vm->user = vk_vm_strdup(vm, cfg.user ? cfg.user : "agent");
    if (vm->user && strcmp(vm->user, "root") == 0) {
        vm->home = vk_vm_strdup(vm, "/root");
    } else if (vm->user) {
        char h[300];
        snprintf(h, sizeof h, "/home/%s", vm->user);
        vm->home = vk_vm_strdup(vm, h);
    }
    if (!vm->hostname || !vm->user || !vm->home) rc = VOS_ENOMEM;
    if (rc == 0 && (strchr(vm->user, '/') || strchr(vm->user, ':') || !*vm->user ||
                    strlen(vm->user) > 32))
        rc = VOS_EINVAL;
    if (rc == 0 && cfg.n_path_rules) {
        vm->rules = vk_vm_alloc(vm, cfg.n_path_rules * sizeof(vos_path_rule));
        if (!vm->rules) rc = VOS_ENOMEM;
        for (size_t i = 0; rc == 0 && i < cfg.n_path_rules; i++) {
            if (!cfg.path_rules[i].prefix || cfg.path_rules[i].prefix[0] != '/') {
                rc = VOS_EINVAL;
                break;
            }
            vm->rules[i].prefix = vk_vm_strdup(vm, cfg.path_rules[i].prefix);
            vm->rules[i].access = cfg.path_rules[i].access;
            vm->nrules = i + 1;
            if (!vm->rules[i].prefix) rc = VOS_ENOMEM;
        }
    }
    if (rc == 0 && cfg.allowed_commands) {
        vm->allowed_cmds = copy_list(vm, cfg.allowed_commands);
        if (!vm->allowed_cmds) rc = VOS_ENOMEM;
    }
    if (rc == 0 && cfg.denied_commands) {
        vm->denied_cmds = copy_list(vm, cfg.denied_commands);
        if (!vm->denied_cmds) rc = VOS_ENOMEM;
    }
    vm->multicall_self = cfg.multicall_self != 0;
    if (vm->multicall_self) {
        struct stat st;
        if (stat("/proc/self/exe", &st) == 0) {
            vm->self_dev = (uint64_t)st.st_dev;
            vm->self_ino = (uint64_t)st.st_ino;
            vm->self_known = true;
        }
    }
    if (rc == 0) {
        VK_LOCK(vm);
        vm->booting = true;
        rc = build_base(vm);
        vm->booting = false;
        VK_UNLOCK(vm);
    }
    if (rc == 0) rc = session_create(vm);
    if (rc < 0) {
        vos_vm_free(vm);
        return rc;
    }
    *out = vm;
    return 0;
}

void vos_vm_free(vos_vm *vm)
{
    if (!vm) return;
    /* kill everything, then wait for every thread to end */
    VK_LOCK(vm);
    for (vk_proc *q = vm->procs; q; q = q->next) {
        if (q == vm->session) continue;
        int zero = 0;
        atomic_compare_exchange_strong(&q->fatal, &zero, VK_W_SIG(VOS_SIGKILL));
        if (q->ex) {
            int z2 = 0;
            atomic_compare_exchange_strong(&q->ex->abort, &z2, VOS_EINTERRUPTED);
        }
        vk_wake(q);
    }
    for (;;) {
        bool running = false;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q != vm->session && q->state == PS_RUNNING) {
                running = true;
                vk_wake(q);
            }
        if (!running) break;
        vk_timed_wait_ms(vm, 10);
    }
    VK_UNLOCK(vm);
    for (;;) {
        VK_LOCK(vm);
        vk_proc *q = vm->procs;
        while (q && q == vm->session) q = q->next;
        if (q) {
            /* unlink */
            for (vk_proc **pp = &vm->procs; *pp; pp = &(*pp)->next)
                if (*pp == q) {
                    *pp = q->next;
                    break;
                }
            vm->nprocs--;
        }
        VK_UNLOCK(vm);
        if (!q) break;
        if (q->state == PS_EMBRYO) {
            vk_fds_close_all(q);
            vk_arena_free_all(q);
            VK_LOCK(vm);
            vk_exec_unref(vm, q->ex);
            VK_UNLOCK(vm);
        }
        if (q->has_thread) pthread_join(q->thread, NULL);
        pthread_cond_destroy(&q->cv);
        vk_vm_free(vm, q, sizeof *q);
    }
    if (vm->session) {
        vk_proc *s = vm->session;
        vk_fds_close_all(s);
        vk_arena_free_all(s);
        VK_LOCK(vm);
        vk_exec_unref(vm, s->ex);
        VK_UNLOCK(vm);
        pthread_cond_destroy(&s->cv);
        vm->procs = NULL;
        vk_vm_free(vm, s, sizeof *s);
        vm->session = NULL;
        vm->shell = NULL;
    }
    /* mounts: innermost (longest) first, which is the list's order */
    vk_mnt *m = vm->mounts;
    while (m) {
        vk_mnt *n = m->next;
        m->m->ops->destroy(m->m);
        vk_vm_strfree(vm, m->path);
        vk_vm_free(vm, m, sizeof *m);
        m = n;
    }
    for (size_t i = 0; i < vm->nrules; i++) vk_vm_strfree(vm, (char *)vm->rules[i].prefix);
    if (vm->rules) vk_vm_free(vm, vm->rules, vm->nrules * sizeof(vos_path_rule));
    free_list(vm, vm->allowed_cmds);
    free_list(vm, vm->denied_cmds);
    vk_vm_strfree(vm, vm->hostname);
    vk_vm_strfree(vm, vm->user);
    vk_vm_strfree(vm, vm->home);
    pthread_cond_destroy(&vm->procs_cv);
    pthread_condattr_destroy(&vm->cattr);
    pthread_mutex_destroy(&vm->mu);
    vos_alloc_fn af = vm->alloc;
    void *ud = vm->alloc_ud;
    af(ud, vm, sizeof *vm, 0);
}

size_t vos_vm_mem_used(const vos_vm *vm) { return vm ? atomic_load(&vm->mem_used) : 0; }

/* ---- API guard: one host thread at a time ---- */
static int api_enter(vk_vm *vm)
{
    int zero = 0;
    if (!atomic_compare_exchange_strong(&vm->in_api, &zero, 1)) {
        vk_set_errmsg(vm, "the VM is in use by another call");
        return VOS_EMISUSE;
    }
    vm->errmsg[0] = 0;
    return 0;
}

static void api_leave(vk_vm *vm)
{
    if (vm->session) vm->session->privileged = false;
    atomic_store(&vm->in_api, 0);
}

/* A host file call: the host owns the VM, so the VM's path rules do not bind it (the
 * read-only flag of a mount still does). */
static int host_enter(vk_vm *vm)
{
    int rc = api_enter(vm);
    if (rc == 0 && vm->session) vm->session->privileged = true;
    return rc;
}

/* ---- mounts ---- */
static int mkdir_parents(vk_proc *p, const char *path, unsigned mode)
{
    char buf[VK_PATH_MAX];
    size_t l = strlen(path);
    if (l >= sizeof buf) return VOS_ENAMETOOLONG;
    memcpy(buf, path, l + 1);
    for (size_t i = 1; i <= l; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char c = buf[i];
            buf[i] = 0;
            struct vk_stat st;
            int rc = vk_stat(p, buf, &st);
            if (rc == VOS_ENOENT) rc = vk_mkdir(p, buf, mode);
            else if (rc == 0 && !VK_S_ISDIR(st.mode))
                rc = VOS_ENOTDIR;
            if (rc < 0 && rc != VOS_EEXIST) return rc;
            buf[i] = c;
        }
    }
    return 0;
}

int vos_mount(vos_vm *vm, const char *vm_path, const vos_mount_spec *spec)
{
    if (!vm || !vm_path || !spec || spec->struct_size < sizeof(vos_mount_spec) ||
        vm_path[0] != '/')
        return vm ? VOS_EINVAL : VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vm->session;
    vfs_mount *fm = NULL;
    vk_path r;
    rc = mkdir_parents(s, vm_path, 0755);
    if (rc == 0) {
        VK_LOCK(vm);
        rc = vk_resolve(s, vm_path, VK_RES_FOLLOW, &r);
        if (rc == 0 && !VK_S_ISDIR(r.st.mode)) rc = VOS_ENOTDIR;
        VK_UNLOCK(vm);
    }
    if (rc == 0) {
        switch (spec->kind) {
        case VOS_MOUNT_MEMFS: rc = memfs_new(vm, &fm); break;
        case VOS_MOUNT_HOST_RO:
        case VOS_MOUNT_HOST_RW:
        case VOS_MOUNT_OVERLAY:
            if (!spec->host_path) {
                rc = VOS_EINVAL;
                break;
            }
            rc = hostfs_new(vm, spec->host_path, spec->kind != VOS_MOUNT_HOST_RW, &fm);
            if (rc == 0 && spec->kind == VOS_MOUNT_HOST_RO) fm->flags |= VFS_MOUNT_RDONLY;
            if (rc == 0 && spec->kind == VOS_MOUNT_OVERLAY) {
                vfs_mount *lower = fm;
                rc = overlay_new(vm, lower, &fm);
                if (rc < 0) lower->ops->destroy(lower);
            }
            if (rc < 0)
                vk_set_errmsg(vm, "cannot mount the host directory at %s: %s", vm_path,
                              vos_strerror(rc));
            break;
        default: rc = VOS_EINVAL;
        }
    }
    if (rc == 0) {
        VK_LOCK(vm);
        rc = vk_mount_add(vm, r.abs, fm, VK_MNT_PLAIN);
        VK_UNLOCK(vm);
        if (rc < 0) fm->ops->destroy(fm);
    }
    api_leave(vm);
    return rc;
}

int vos_umount(vos_vm *vm, const char *vm_path)
{
    if (!vm || !vm_path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    /* the mount point as the VM would name it: /data/, //data and /x/../data are /data */
    char want[VK_PATH_MAX];
    vk_path r;
    VK_LOCK(vm);
    if (vk_resolve(vm->session, vm_path, VK_RES_FOLLOW, &r) == 0)
        snprintf(want, sizeof want, "%s", r.abs);
    else
        snprintf(want, sizeof want, "%s", vm_path);
    vk_mnt **pp = &vm->mounts, *m = NULL;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->path, want) == 0) {
            m = *pp;
            break;
        }
    if (!m)
        rc = VOS_EINVAL;
    else if (m->kind != VK_MNT_PLAIN || m->len == 1 || m->m->nopen > 0)
        rc = VOS_EBUSY;
    else
        *pp = m->next;
    VK_UNLOCK(vm);
    if (rc == 0) {
        m->m->ops->destroy(m->m);
        vk_vm_strfree(vm, m->path);
        vk_vm_free(vm, m, sizeof *m);
    }
    api_leave(vm);
    return rc;
}

/* ---- exec ---- */
void vos_result_free(vos_result *res)
{
    if (!res) return;
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

static char *dup_bytes(const char *d, size_t n)
{
    char *r = malloc(n + 1);
    if (!r) return NULL;
    if (n) memcpy(r, d, n);
    r[n] = 0;
    return r;
}

static vk_exec *exec_new(vk_vm *vm, const vos_exec_opts *o)
{
    vk_exec *ex = vk_vm_alloc(vm, sizeof *ex);
    if (!ex) return NULL;
    memset(ex, 0, sizeof *ex);
    ex->refs = 1;
    resolve_limits(&ex->lim, o ? &o->limits : NULL, &vm->lim);
    if (ex->lim.time_ms == UINT64_MAX)
        ex->deadline_ns = INT64_MAX;
    else
        ex->deadline_ns = vk_now_mono() + (int64_t)(ex->lim.time_ms * 1000000);
    return ex;
}

static int install_stdio(vk_vm *vm, vk_proc *p, vk_exec *ex, const vos_exec_opts *o,
                         vk_sink **out, vk_sink **err)
{
    vk_ofd *in = vk_ofd_new(vm, OFD_DATA, VK_O_RDONLY);
    if (!in) return VOS_ENOMEM;
    if (o && o->stdin_data && o->stdin_len) {
        in->data = vk_vm_alloc(vm, o->stdin_len);
        if (!in->data) {
            vk_vm_free(vm, in, sizeof *in);
            return VOS_ENOMEM;
        }
        memcpy(in->data, o->stdin_data, o->stdin_len);
        in->data_len = o->stdin_len;
    }
    *out = vk_sink_new(vm, ex);
    *err = vk_sink_new(vm, ex);
    if (!*out || !*err) return VOS_ENOMEM;
    if (o && o->on_stdout) {
        (*out)->cb = o->on_stdout;
        (*out)->ud = o->ud;
    }
    if (o && o->on_stderr) {
        (*err)->cb = o->on_stderr;
        (*err)->ud = o->ud;
    }
    vk_ofd *oo = vk_ofd_new(vm, OFD_SINK, VK_O_WRONLY);
    vk_ofd *eo = vk_ofd_new(vm, OFD_SINK, VK_O_WRONLY);
    if (!oo || !eo) return VOS_ENOMEM;
    oo->sink = *out;
    eo->sink = *err;
    (*out)->refs++;
    (*err)->refs++;
    VK_LOCK(vm);
    int rc = vk_fd_set(p, 0, in, false);
    if (rc >= 0) rc = vk_fd_set(p, 1, oo, false);
    if (rc >= 0) rc = vk_fd_set(p, 2, eo, false);
    vk_ofd_unref(vm, in);
    vk_ofd_unref(vm, oo);
    vk_ofd_unref(vm, eo);
    VK_UNLOCK(vm);
    return rc < 0 ? rc : 0;
}

static void append_err(vos_result *res, const char *msg)
{
    size_t l = strlen(msg);
    char *n = realloc(res->err, res->err_len + l + 1);
    if (!n) return;
    memcpy(n + res->err_len, msg, l + 1);
    res->err = n;
    res->err_len += l;
}

int vos_exec(vos_vm *vm, const char *script, const vos_exec_opts *opts, vos_result *res)
{
    if (res) memset(res, 0, sizeof *res);
    if (!vm || !script || !res) return VOS_EMISUSE;
    if (opts && opts->struct_size != 0 && opts->struct_size < offsetof(vos_exec_opts, on_stdout))
        return VOS_EMISUSE;
    int rc = api_enter(vm);
    if (rc < 0) return rc;
    vk_reap_orphans(vm);
    if (!vm->session) {
        rc = session_create(vm);
        if (rc < 0) {
            api_leave(vm);
            return rc;
        }
    }
    vk_proc *s = vm->session;
    vk_exec *ex = exec_new(vm, opts);
    vk_sink *out = NULL, *err = NULL;
    if (!ex) {
        api_leave(vm);
        return VOS_ENOMEM;
    }
    VK_LOCK(vm);
    s->ex = ex;
    ex->refs++;
    vm->cur_exec = ex;
    atomic_store(&s->fatal, 0);
    atomic_store(&s->sigpending, 0);
    VK_UNLOCK(vm);
    rc = install_stdio(vm, s, ex, opts, &out, &err);
    if (rc == 0 && opts && opts->cwd) {
        rc = vk_chdir(s, opts->cwd);
        if (rc < 0) vk_set_errmsg(vm, "cwd %s: %s", opts->cwd, vos_strerror(rc));
    }
    if (rc == 0 && !vm->shell) {
        vm->shell = sh_session_hooks.session_new(s);
        if (!vm->shell) rc = VOS_ENOMEM;
    }
    int status = 0;
    vk_cpu_start(s); /* the session runs on this host thread during the exec */
    if (rc == 0) {
        jmp_buf jb;
        s->exit_jb = &jb;
        if (setjmp(jb) == 0) {
            int st = sh_session_hooks.session_exec(vm->shell, s, script, opts ? opts->argv0 : NULL,
                                                   opts ? opts->args : NULL,
                                                   opts ? opts->env : NULL, opts ? opts->n_env : 0,
                                                   opts && opts->isolated);
            if (st == VOS_ESYNTAX) {
                rc = VOS_ESYNTAX;
                status = 2;
            } else if (st < 0) {
                status = 1;
            } else {
                status = st & 0xff;
                res->exited = (st & VK_SESSION_EXITED) != 0;
            }
        } else {
            /* the session shell replaced itself (exec) or exited through the kernel: it is
             * gone; a new one starts at the next exec */
            status = VK_WSHELL(s->exit_wstatus);
            res->exited = 1;
            vm->shell = NULL;
            vk_arena_free_all(s);
            s->cwd = vk_strdup(s, vm->home);
            s->env = NULL;
            s->nenv = 0;
            vk_setenv(s, "PATH", "/usr/local/bin:/usr/bin:/bin");
            vk_setenv(s, "HOME", vm->home);
        }
        s->exit_jb = NULL;
    }
    vk_cpu_stop(s);
    int abort_code = atomic_load(&ex->abort);
    int fatal = atomic_load(&s->fatal);
    if (abort_code) {
        /* wait (bounded) for the exec's other processes to die, so nothing of it runs on */
        VK_LOCK(vm);
        int64_t until = vk_now_mono() + 2000000000LL;
        for (;;) {
            bool any = false;
            for (vk_proc *q = vm->procs; q; q = q->next)
                if (q != s && q->ex == ex && q->state == PS_RUNNING) {
                    any = true;
                    vk_wake(q);
                }
            if (!any || vk_now_mono() > until) break;
            vk_timed_wait_ms(vm, 5);
        }
        VK_UNLOCK(vm);
        rc = abort_code;
        status = abort_code == VOS_ETIME || abort_code == VOS_ESTEPS ? 124
                 : abort_code == VOS_EINTERRUPTED                   ? 130
                                                                    : 137;
    } else if (fatal && VK_WIFSIGNALED(fatal)) {
        status = 128 + VK_WTERMSIG(fatal);
    }
    /* collect the output; later writes by background processes are dropped */
    VK_LOCK(vm);
    vm->cur_exec = NULL;
    if (out) {
        res->out = dup_bytes(out->data ? out->data : "", out->len);
        res->out_len = out->len;
        out->closed = true;
    }
    if (err) {
        res->err = dup_bytes(err->data ? err->data : "", err->len);
        res->err_len = err->len;
        err->closed = true;
    }
    for (int fd = 0; fd < 3 && fd < s->nfds; fd++)
        if (s->fds[fd].ofd) {
            vk_ofd_unref(vm, s->fds[fd].ofd);
            s->fds[fd].ofd = NULL;
        }
    if (out) vk_sink_unref(vm, out);
    if (err) vk_sink_unref(vm, err);
    s->ex = NULL;
    vk_exec_unref(vm, ex); /* the session's reference */
    vk_exec_unref(vm, ex); /* ours */
    atomic_store(&s->fatal, 0);
    VK_UNLOCK(vm);
    if (!res->out) res->out = dup_bytes("", 0);
    if (!res->err) res->err = dup_bytes("", 0);
    if (abort_code) {
        char msg[300];
        snprintf(msg, sizeof msg, "vos: %s%s%s\n", vos_strerror(abort_code),
                 vm->errmsg[0] ? ": " : "", vm->errmsg);
        append_err(res, msg);
        res->limit = abort_code;
    }
    res->status = status;
    if (rc < 0 && rc != VOS_ESYNTAX && !abort_code && !vm->errmsg[0])
        vk_set_errmsg(vm, "%s", vos_strerror(rc));
    api_leave(vm);
    return rc;
}

void vos_interrupt(vos_vm *vm)
{
    if (!vm) return;
    VK_LOCK(vm);
    vk_exec *ex = vm->cur_exec;
    if (ex) {
        int zero = 0;
        if (atomic_compare_exchange_strong(&ex->abort, &zero, VOS_EINTERRUPTED))
            for (vk_proc *q = vm->procs; q; q = q->next)
                if (q->ex == ex) vk_wake(q);
    }
    VK_UNLOCK(vm);
}

/* ---- spawn ---- */
struct vos_proc {
    vk_vm *vm;
    int pid;
    vk_ofd *in;      /* write end of the process's stdin */
    vk_exec *ex;
    bool reaped;
    int status;
};

typedef struct spawn_arg {
    char **argv;
    char **envp;
} spawn_arg;

static int spawn_entry(vk_proc *p, void *a)
{
    spawn_arg *sa = a;
    int rc = vk_execve(p, "/bin/sh", sa->argv, sa->envp);
    (void)rc;
    return 127;
}

int vos_spawn(vos_vm *vm, const char *script, const vos_exec_opts *opts, vos_proc **out)
{
    if (out) *out = NULL;
    if (!vm || !script || !out) return VOS_EMISUSE;
    int rc = api_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vm->session, *c = NULL;
    vos_proc *h = calloc(1, sizeof *h);
    vk_exec *ex = exec_new(vm, opts);
    if (!h || !ex) rc = VOS_ENOMEM;
    if (rc == 0) rc = vk_proc_create(vm, s, &c);
    if (rc < 0) {
        free(h);
        if (ex) {
            VK_LOCK(vm);
            vk_exec_unref(vm, ex);
            VK_UNLOCK(vm);
        }
        api_leave(vm);
        return rc;
    }
    VK_LOCK(vm);
    vk_exec_unref(vm, c->ex);
    c->ex = ex;
    ex->refs++;
    c->ppid = 0;
    c->api_owned = true;
    VK_UNLOCK(vm);
    vk_sink *so = NULL, *se = NULL;
    vos_exec_opts o2;
    memset(&o2, 0, sizeof o2);
    if (opts) memcpy(&o2, opts, opts->struct_size && opts->struct_size < sizeof o2 ? opts->struct_size : sizeof o2);
    o2.stdin_data = NULL;
    o2.stdin_len = 0;
    rc = install_stdio(vm, c, ex, &o2, &so, &se);
    /* stdin: a pipe whose write end the handle keeps */
    int pfd[2] = {-1, -1};
    if (rc == 0) rc = vk_pipe(c, pfd);
    if (rc == 0) {
        VK_LOCK(vm);
        h->in = vk_fd_get(c, pfd[1]);
        vk_ofd_ref(h->in);
        vk_fd_set(c, 0, vk_fd_get(c, pfd[0]), false);
        vk_ofd *a = c->fds[pfd[0]].ofd, *b = c->fds[pfd[1]].ofd;
        c->fds[pfd[0]].ofd = c->fds[pfd[1]].ofd = NULL;
        vk_ofd_unref(vm, a);
        vk_ofd_unref(vm, b);
        VK_UNLOCK(vm);
        if (opts && opts->stdin_data && opts->stdin_len) {
            /* given bytes go first (they fit in the pipe or block the host until read) */
        }
    }
    /* argv: sh -c script argv0 args...; env: the session's plus overrides */
    spawn_arg *sa = NULL;
    if (rc == 0) {
        sa = vk_calloc(c, 1, sizeof *sa);
        int nargs = 0;
        while (opts && opts->args && opts->args[nargs]) nargs++;
        if (sa) sa->argv = vk_calloc(c, (size_t)nargs + 5, sizeof(char *));
        if (!sa || !sa->argv) rc = VOS_ENOMEM;
        if (rc == 0) {
            int k = 0;
            sa->argv[k++] = vk_strdup(c, "sh");
            sa->argv[k++] = vk_strdup(c, "-c");
            sa->argv[k++] = vk_strdup(c, script);
            sa->argv[k++] = vk_strdup(c, opts && opts->argv0 ? opts->argv0 : "vos");
            for (int i = 0; i < nargs; i++) sa->argv[k++] = vk_strdup(c, opts->args[i]);
            for (size_t i = 0; opts && i < opts->n_env; i++)
                if (opts->env[i].name) vk_setenv(c, opts->env[i].name, opts->env[i].value);
            if (opts && opts->cwd && vk_chdir(c, opts->cwd) < 0) rc = VOS_ENOENT;
            sa->envp = c->env;
        }
    }
    if (so) {
        VK_LOCK(vm);
        vk_sink_unref(vm, so);
        vk_sink_unref(vm, se);
        VK_UNLOCK(vm);
    }
    if (rc < 0) {
        if (h->in) {
            VK_LOCK(vm);
            vk_ofd_unref(vm, h->in);
            VK_UNLOCK(vm);
        }
        vk_proc_discard(c);
        VK_LOCK(vm);
        vk_exec_unref(vm, ex);
        VK_UNLOCK(vm);
        free(h);
        api_leave(vm);
        return rc;
    }
    h->vm = vm;
    h->ex = ex;
    int pid = vk_proc_start(c, spawn_entry, sa);
    if (pid < 0) {
        VK_LOCK(vm);
        vk_ofd_unref(vm, h->in);
        vk_exec_unref(vm, ex);
        VK_UNLOCK(vm);
        free(h);
        api_leave(vm);
        return pid;
    }
    h->pid = pid;
    if (opts && opts->stdin_data && opts->stdin_len) {
        api_leave(vm);
        vos_proc_write(h, opts->stdin_data, opts->stdin_len);
        *out = h;
        return 0;
    }
    *out = h;
    api_leave(vm);
    return 0;
}

int vos_proc_write(vos_proc *h, const void *data, size_t len)
{
    if (!h || (!data && len)) return VOS_EMISUSE;
    if (len == 0) return vos_proc_close_stdin(h);
    vk_vm *vm = h->vm;
    VK_LOCK(vm);
    if (!h->in) {
        VK_UNLOCK(vm);
        return VOS_EPIPE;
    }
    vk_pipebuf *pp = h->in->pipe;
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        if (pp->readers == 0) {
            rc = VOS_EPIPE;
            break;
        }
        if (pp->len == VK_PIPE_CAP) {
            pthread_cond_wait(&pp->cv, &vm->mu);
            continue;
        }
        done += vk_pipe_put(pp, (const char *)data + done, len - done);
        pthread_cond_broadcast(&pp->cv);
    }
    VK_UNLOCK(vm);
    return rc;
}

int vos_proc_close_stdin(vos_proc *h)
{
    if (!h) return VOS_EMISUSE;
    VK_LOCK(h->vm);
    if (h->in) vk_ofd_unref(h->vm, h->in);
    h->in = NULL;
    VK_UNLOCK(h->vm);
    return 0;
}

int vos_proc_kill(vos_proc *h, int sig)
{
    if (!h) return VOS_EMISUSE;
    if (h->reaped) return VOS_ESRCH;
    return vk_kill_pid(h->vm, h->pid, sig);
}

int vos_proc_pid(const vos_proc *h) { return h ? h->pid : VOS_EMISUSE; }

int vos_proc_wait(vos_proc *h, int64_t timeout_ms)
{
    if (!h) return VOS_EMISUSE;
    if (h->reaped) return h->status;
    vk_vm *vm = h->vm;
    int64_t until = timeout_ms < 0 ? INT64_MAX : vk_now_mono() + timeout_ms * 1000000;
    VK_LOCK(vm);
    vk_proc *z = NULL;
    for (;;) {
        vk_proc *found = NULL;
        for (vk_proc *q = vm->procs; q; q = q->next)
            if (q->pid == h->pid) found = q;
        if (!found) break;
        if (found->state == PS_ZOMBIE) {
            z = found;
            for (vk_proc **pp = &vm->procs; *pp; pp = &(*pp)->next)
                if (*pp == z) {
                    *pp = z->next;
                    break;
                }
            vm->nprocs--;
            break;
        }
        if (vk_now_mono() >= until) {
            VK_UNLOCK(vm);
            return VOS_ETIMEDOUT;
        }
        if (until == INT64_MAX) {
            pthread_cond_wait(&vm->procs_cv, &vm->mu);
        } else {
            struct timespec ts = {until / 1000000000, until % 1000000000};
            pthread_cond_timedwait(&vm->procs_cv, &vm->mu, &ts);
        }
    }
    VK_UNLOCK(vm);
    if (z) {
        h->status = VK_WSHELL(z->wstatus);
        if (z->has_thread) pthread_join(z->thread, NULL);
        pthread_cond_destroy(&z->cv);
        vk_vm_free(vm, z, sizeof *z);
    }
    h->reaped = true;
    return h->status;
}

void vos_proc_free(vos_proc *h)
{
    if (!h) return;
    if (!h->reaped) {
        vk_kill_pid(h->vm, h->pid, VOS_SIGKILL);
        vos_proc_wait(h, -1);
    }
    VK_LOCK(h->vm);
    if (h->in) vk_ofd_unref(h->vm, h->in);
    vk_exec_unref(h->vm, h->ex);
    VK_UNLOCK(h->vm);
    free(h);
}

/* ---- host file operations (through the session process, so the same checks apply) ---- */
int vos_write_file(vos_vm *vm, const char *path, const void *data, size_t len, unsigned mode)
{
    if (!vm || !path || (!data && len)) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vm->session;
    int fd = vk_open(s, path, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, mode ? mode : 0644);
    if (fd < 0) {
        rc = fd;
    } else {
        ssize_t w = len ? vk_write(s, fd, data, len) : 0;
        if (w < 0) rc = (int)w;
        vk_close(s, fd);
    }
    if (rc < 0 && !vm->errmsg[0]) vk_set_errmsg(vm, "%s: %s", path, vos_strerror(rc));
    api_leave(vm);
    return rc;
}

int vos_read_file(vos_vm *vm, const char *path, void **data, size_t *len)
{
    if (data) *data = NULL;
    if (len) *len = 0;
    if (!vm || !path || !data || !len) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    vk_proc *s = vm->session;
    int fd = vk_open(s, path, VK_O_RDONLY, 0);
    if (fd < 0) {
        rc = fd;
    } else {
        struct vk_stat st;
        rc = vk_fstat(s, fd, &st);
        if (rc == 0 && VK_S_ISDIR(st.mode)) rc = VOS_EISDIR;
        /* bounded: a device like /dev/zero never ends, and the bytes land in host memory. A
         * regular file may be as big as the VM's memory; anything else stops at 64 MiB */
        uint64_t maxlen = vm->lim.mem_bytes;
        if (rc == 0 && !VK_S_ISREG(st.mode) && maxlen > (64u << 20)) maxlen = 64u << 20;
        /* a regular file: its size, the NUL, and one byte to see the end in one allocation */
        size_t cap = 4096, n = 0;
        if (rc == 0 && VK_S_ISREG(st.mode) && st.size < maxlen) cap = (size_t)st.size + 2;
        char *buf = rc == 0 ? malloc(cap) : NULL;
        if (rc == 0 && !buf) rc = VOS_ENOMEM;
        while (rc == 0) {
            if (n >= maxlen) {
                rc = VOS_EFBIG;
                vk_set_errmsg(vm, "%s: larger than %llu bytes (%s)", path,
                              (unsigned long long)maxlen,
                              maxlen == vm->lim.mem_bytes ? "the VM's memory limit"
                                                          : "the bound for a device or pipe");
                break;
            }
            if (n + 1 >= cap) {
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    rc = VOS_ENOMEM;
                    break;
                }
                buf = nb;
                cap *= 2;
            }
            ssize_t r = vk_read(s, fd, buf + n, cap - n - 1);
            if (r < 0) rc = (int)r;
            if (r <= 0) break;
            n += (size_t)r;
        }
        vk_close(s, fd);
        if (rc == 0) {
            buf[n] = 0;
            *data = buf;
            *len = n;
        } else {
            free(buf);
        }
    }
    if (rc < 0 && !vm->errmsg[0]) vk_set_errmsg(vm, "%s: %s", path, vos_strerror(rc));
    api_leave(vm);
    return rc;
}

void vos_free(void *p) { free(p); }

static void to_public_stat(const struct vk_stat *in, vos_stat *st)
{
    memset(st, 0, sizeof *st);
    switch (in->mode & VK_S_IFMT) {
    case VK_S_IFDIR: st->type = VOS_TYPE_DIR; break;
    case VK_S_IFLNK: st->type = VOS_TYPE_LNK; break;
    case VK_S_IFCHR: st->type = VOS_TYPE_CHR; break;
    case VK_S_IFIFO: st->type = VOS_TYPE_FIFO; break;
    default: st->type = VOS_TYPE_REG;
    }
    st->mode = in->mode & 07777;
    st->size = in->size;
    st->ino = in->ino;
    st->nlink = in->nlink;
    st->mtime_ns = in->mtime_ns;
    st->atime_ns = in->atime_ns;
    st->ctime_ns = in->ctime_ns;
    st->uid = in->uid;
    st->gid = in->gid;
}

static int stat_api(vos_vm *vm, const char *path, vos_stat *st, bool follow)
{
    if (!vm || !path || !st) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    struct vk_stat ks;
    rc = follow ? vk_stat(vm->session, path, &ks) : vk_lstat(vm->session, path, &ks);
    if (rc == 0) to_public_stat(&ks, st);
    api_leave(vm);
    return rc;
}

int vos_stat_path(vos_vm *vm, const char *path, vos_stat *st)
{
    return stat_api(vm, path, st, true);
}
int vos_lstat_path(vos_vm *vm, const char *path, vos_stat *st)
{
    return stat_api(vm, path, st, false);
}

int vos_mkdir(vos_vm *vm, const char *path, unsigned mode, int parents)
{
    if (!vm || !path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    if (!mode) mode = 0755;
    if (parents) {
        if (path[0] == '/') {
            rc = mkdir_parents(vm->session, path, mode);
        } else {
            char buf[VK_PATH_MAX];
            if (snprintf(buf, sizeof buf, "%s/%s", vk_getcwd(vm->session), path) >=
                (int)sizeof buf)
                rc = VOS_ENAMETOOLONG;
            else
                rc = mkdir_parents(vm->session, buf, mode);
        }
    } else {
        rc = vk_mkdir(vm->session, path, mode);
    }
    api_leave(vm);
    return rc;
}

/* The names in directory path (host memory, unsorted; free with vos_free_list). */
static int read_names(vk_proc *s, const char *path, char ***names, size_t *n)
{
    int fd = vk_open(s, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    int rc = 0;
    size_t cap = 16, k = 0;
    char **arr = malloc(cap * sizeof(char *));
    vk_dirent de;
    if (!arr) rc = VOS_ENOMEM;
    while (rc == 0) {
        int r = vk_readdir(s, fd, &de);
        if (r < 0) rc = r;
        if (r <= 0) break;
        if (k == cap) {
            char **na = realloc(arr, cap * 2 * sizeof(char *));
            if (!na) {
                rc = VOS_ENOMEM;
                break;
            }
            arr = na;
            cap *= 2;
        }
        if (!(arr[k] = strdup(de.name))) {
            rc = VOS_ENOMEM;
            break;
        }
        k++;
    }
    vk_close(s, fd);
    if (rc < 0) {
        vos_free_list(arr, k);
        return rc;
    }
    *names = arr;
    *n = k;
    return 0;
}

/* Remove the tree at path[0..len) (path is a VK_PATH_MAX buffer the recursion extends and
 * restores). Frames are small and PATH_MAX bounds the depth, so any tree the VM can hold can
 * be removed; lstat never follows a link, so there is no loop to meet. */
static int remove_tree(vk_proc *s, char *path, size_t len)
{
    struct vk_stat st;
    int rc = vk_lstat(s, path, &st);
    if (rc < 0) return rc;
    if (!VK_S_ISDIR(st.mode)) return vk_unlink(s, path);
    /* the names first, and the directory closed before going down: an fd per level would
     * meet the fd limit long before PATH_MAX */
    char **names;
    size_t n;
    rc = read_names(s, path, &names, &n);
    if (rc < 0) return rc;
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        size_t nl = strlen(names[i]);
        if (len + 1 + nl >= VK_PATH_MAX) {
            rc = VOS_ENAMETOOLONG;
            break;
        }
        path[len] = '/';
        memcpy(path + len + 1, names[i], nl + 1);
        rc = remove_tree(s, path, len + 1 + nl);
        path[len] = 0;
    }
    vos_free_list(names, n);
    if (rc < 0) return rc;
    return vk_rmdir(s, path);
}

int vos_remove(vos_vm *vm, const char *path, int recursive)
{
    if (!vm || !path) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    struct vk_stat st;
    rc = vk_lstat(vm->session, path, &st);
    if (rc == 0) {
        if (!VK_S_ISDIR(st.mode))
            rc = vk_unlink(vm->session, path);
        else if (recursive) {
            /* the root, or a mount point, is refused before anything in it is touched */
            vk_path r;
            VK_LOCK(vm);
            rc = vk_resolve(vm->session, path, 0, &r);
            bool busy = rc == 0 && (strcmp(r.abs, "/") == 0 || vk_mount_find(vm, r.abs)->len ==
                                                                    strlen(r.abs));
            VK_UNLOCK(vm);
            char *buf = rc == 0 && !busy ? malloc(VK_PATH_MAX) : NULL;
            if (busy) {
                rc = VOS_EBUSY;
                vk_set_errmsg(vm, "%s: is %s", path,
                              strcmp(r.abs, "/") == 0 ? "the root" : "a mount point");
            } else if (rc == 0 && !buf) {
                rc = VOS_ENOMEM;
            } else if (rc == 0) {
                size_t l = strlen(r.abs);
                memcpy(buf, r.abs, l + 1);
                rc = remove_tree(vm->session, buf, l);
            }
            free(buf);
        }
        else
            rc = vk_rmdir(vm->session, path);
    }
    api_leave(vm);
    return rc;
}

int vos_rename(vos_vm *vm, const char *from, const char *to)
{
    if (!vm || !from || !to) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    rc = vk_rename(vm->session, from, to);
    api_leave(vm);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vos_list_dir(vos_vm *vm, const char *path, char ***names, size_t *n)
{
    if (names) *names = NULL;
    if (n) *n = 0;
    if (!vm || !path || !names || !n) return VOS_EMISUSE;
    int rc = host_enter(vm);
    if (rc < 0) return rc;
    char **arr;
    size_t k;
    rc = read_names(vm->session, path, &arr, &k);
    if (rc == 0) {
        qsort(arr, k, sizeof(char *), cmp_str);
        *names = arr;
        *n = k;
    }
    api_leave(vm);
    return rc;
}

void vos_free_list(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
