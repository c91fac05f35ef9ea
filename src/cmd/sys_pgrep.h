/* sys_pgrep.h: pgrep and pkill's shared work (a private header of src/cmd): find the VM's
 * processes whose name (or with -f command line) matches an extended regular expression, then
 * list them or signal them. */
#ifndef SYS_PGREP_H
#define SYS_PGREP_H

#include "lib/cmd.h"
#include "lib/regex.h"
#include "sys_proc.h"
#include "sys_sig.h"
#include "sys_user.h"

#include <stdio.h>
#include <string.h>

static inline void sys_free_re(void *re) { vl_re_free(re); }

static inline bool sys_in_list(vl_ctx *c, const char *list, unsigned v, bool users)
{
    if (!list) return true;
    char *s = vl_xstrdup(c, list);
    for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
        sys_ent e;
        char *end;
        unsigned long n = strtoul(t, &end, 10);
        if (users && sys_lookup(c, "/etc/passwd", t, 0, &e) && e.id == v) return true;
        if (!*end && n == v) return true;
    }
    return false;
}

static inline int sys_pgrep_run(vl_ctx *c, int argc, char **argv, bool kill)
{
    int sig = VOS_SIGTERM;
    /* pkill's -SIGNAL first (-9, -KILL, -SIGKILL) */
    if (kill && argc > 1 && argv[1][0] == '-' && argv[1][1] && argv[1][1] != '-') {
        int s = sys_sig_number(argv[1] + 1);
        if (s > 0) {
            sig = s;
            argv[1] = argv[0];
            argv++;
            argc--;
        }
    }
    int n = vl_getopt(c, argc, argv);
    if (vl_arg(c, 256)) {
        sig = sys_sig_number(vl_arg(c, 256));
        if (sig < 0) {
            vl_eprintf(c, "%s: Unknown signal \"%s\".\n", c->name, vl_arg(c, 256));
            vl_exit(c, 2);
        }
    }
    const char *ulist = vl_arg(c, 'u') ? vl_arg(c, 'u') : vl_arg(c, 'U');
    const char *plist = vl_arg(c, 'P');
    if (n == 0 && !ulist && !plist) {
        vl_eprintf(c, "%s: no matching criteria specified\nTry `%s --help' for more information.\n",
                   c->name, c->name);
        vl_exit(c, 2);
    }
    if (n > 1) {
        vl_eprintf(c,
                   "%s: only one pattern can be provided\nTry `%s --help' for more information.\n",
                   c->name, c->name);
        vl_exit(c, 2);
    }
    vl_re *re = NULL;
    if (n == 1) {
        vl_re_diag d = {0};
        int flags = (vl_has(c, 'i') ? VL_RE_ICASE : 0) | (vl_has(c, 'x') ? VL_RE_LINE : 0);
        int rc = vl_re_compile(c->p, argv[1], strlen(argv[1]), VL_RE_ERE, flags, &re, &d);
        if (rc < 0) {
            if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG)
                vl_eprintf(c, "%s: regex error: %s\n", c->name, d.msg);
            vl_exit(c, 2);
        }
        vl_defer(c, sys_free_re, re);
    }
    int np;
    sys_proc *v = sys_procs(c, &np);
    int me = vk_getpid(c->p);
    bool full = vl_has(c, 'f'), invert = vl_has(c, 'v');
    int *hit = vl_xcalloc(c, (size_t)np + 1, sizeof *hit);
    int nh = 0;
    for (int i = 0; i < np; i++) {
        sys_proc *q = &v[i];
        if (q->pid == me) continue;
        bool ok =
            sys_in_list(c, ulist, q->uid, true) && sys_in_list(c, plist, (unsigned)q->ppid, false);
        if (ok && re) {
            const char *s = full && q->args ? q->args : q->name;
            int r = vl_re_search(re, s, strlen(s), 0, 0, NULL, 0);
            if (r < 0 && r != VL_RE_ECOMPLEX) vl_exit(c, 3);
            ok = r == 1;
        }
        if (ok != invert) hit[nh++] = i;
    }
    if (nh &&
        (vl_has(c, 'n') || vl_has(c, 'o'))) { /* newest/oldest: by pid, start times being equal */
        hit[0] = vl_has(c, 'n') ? hit[nh - 1] : hit[0];
        nh = 1;
    }
    if (vl_has(c, 'c')) {
        vl_printf(c, "%d\n", nh);
        return nh ? 0 : 1;
    }
    const char *delim = vl_arg(c, 'd') ? vl_arg(c, 'd') : "\n";
    for (int k = 0; k < nh; k++) {
        sys_proc *q = &v[hit[k]];
        if (kill) {
            int rc = vk_kill(c->p, q->pid, sig);
            if (rc < 0 && rc != VOS_ESRCH) {
                vl_eprintf(c, "%s: killing pid %d failed: %s\n", c->name, q->pid, vl_strerror(rc));
                continue;
            }
            if (vl_has(c, 'e')) vl_printf(c, "%s killed (pid %d)\n", q->name, q->pid);
            continue;
        }
        if (k) vl_puts(c, delim);
        vl_printf(c, "%d", q->pid);
        if (vl_has(c, 'a')) vl_printf(c, " %s", q->args ? q->args : q->name);
        else if (vl_has(c, 'l')) vl_printf(c, " %s", q->name);
    }
    if (!kill && nh) vl_putc(c, '\n');
    return nh ? 0 : 1;
}

#endif
