/* sys_proc.h: the VM's processes as its /proc shows them (PID/status: Name, State, PPid, Uid,
 * Gid; PID/cmdline: the arguments, NUL-separated), for ps, pgrep and pkill (a private header of
 * src/cmd). Today's kernel names every process "vos" and leaves cmdline empty: the commands
 * show what /proc says. */
#ifndef SYS_PROC_H
#define SYS_PROC_H

#include "lib/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the machine name uname -m and arch print: the one vos was built for */
#if defined(__x86_64__)
#define VOS_MACHINE "x86_64"
#elif defined(__aarch64__)
#define VOS_MACHINE "aarch64"
#elif defined(__i386__)
#define VOS_MACHINE "i686"
#elif defined(__arm__)
#define VOS_MACHINE "armv7l"
#elif defined(__riscv)
#define VOS_MACHINE "riscv64"
#else
#define VOS_MACHINE "unknown"
#endif

typedef struct sys_proc {
    int pid, ppid, pgid;
    unsigned uid, gid;
    char state;      /* R, S, Z... */
    char *name;      /* comm */
    char *args;      /* the arguments joined with spaces, or NULL when cmdline is empty */
} sys_proc;

/* the whole of a small /proc file, NUL-terminated, or NULL */
static inline char *sys_slurp(vl_ctx *c, const char *path, size_t *len)
{
    int fd = vk_open(c->p, path, VK_O_RDONLY, 0);
    if (fd < 0) return NULL;
    vl_buf b = {0};
    char tmp[4096];
    ssize_t n;
    while ((n = vk_read(c->p, fd, tmp, sizeof tmp)) > 0) vl_buf_add(c, &b, tmp, (size_t)n);
    vk_close(c->p, fd);
    vl_buf_addc(c, &b, 0);
    if (len) *len = b.len - 1;
    return b.data;
}

static inline const char *sys_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
            l += kl + 1;
            while (*l == ' ' || *l == '\t') l++;
            return l;
        }
    return NULL;
}

static inline int sys_cmp_pid(const void *a, const void *b)
{
    return ((const sys_proc *)a)->pid - ((const sys_proc *)b)->pid;
}

/* Every process of the VM, sorted by pid; the count in *n. */
static inline sys_proc *sys_procs(vl_ctx *c, int *n)
{
    int fd = vk_open(c->p, "/proc", VK_O_RDONLY | VK_O_DIRECTORY, 0);
    size_t cap = 16;
    sys_proc *v = vl_xcalloc(c, cap, sizeof *v);
    *n = 0;
    if (fd < 0) return v;
    vk_dirent ent;
    while (vk_readdir(c->p, fd, &ent) == 1) {
        char *end;
        long pid = strtol(ent.name, &end, 10);
        if (*end || pid <= 0) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/status", pid);
        char *st = sys_slurp(c, path, NULL);
        if (!st) continue; /* ended meanwhile */
        sys_proc q = {0};
        q.pid = (int)pid;
        const char *f;
        if ((f = sys_field(st, "Name")))
            q.name = vl_xstrdup(c, f), q.name[strcspn(q.name, "\n")] = 0;
        else q.name = vl_xstrdup(c, "?");
        q.state = (f = sys_field(st, "State")) ? *f : '?';
        q.ppid = (f = sys_field(st, "PPid")) ? atoi(f) : 0;
        q.uid = (f = sys_field(st, "Uid")) ? (unsigned)strtoul(f, NULL, 10) : 0;
        q.gid = (f = sys_field(st, "Gid")) ? (unsigned)strtoul(f, NULL, 10) : 0;
        q.pgid = q.pid;
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        size_t len = 0;
        char *cl = sys_slurp(c, path, &len);
        if (cl && len) {
            while (len && cl[len - 1] == '\0') len--;
            for (size_t i = 0; i < len; i++)
                if (cl[i] == '\0') cl[i] = ' ';
            cl[len] = '\0';
            q.args = cl;
        }
        if (*n == (int)cap) v = vl_xrealloc(c, v, (cap *= 2) * sizeof *v);
        v[(*n)++] = q;
    }
    vk_close(c->p, fd);
    qsort(v, (size_t)*n, sizeof *v, sys_cmp_pid);
    return v;
}

#endif
