/* enc.c: the helpers of enc.h that are not codecs: step counting for long loops, and the
 * options of a command line in the order they were given (vl_getopt keeps only the last
 * occurrence of each). It does not validate options: vl_getopt has done that. */
#include "lib/enc.h"

#include <string.h>

void vl_enc_steps(vl_ctx *c, uint64_t n)
{
    int rc = vk_steps(c->p, n);
    if (rc < 0 && rc != VOS_EINTR) {
        int w = vk_dying(c->p);
        vl_exit(c, w ? VK_WSHELL(w) : 1);
    }
}

char **vl_enc_argv_dup(vl_ctx *c, int argc, char **argv)
{
    char **v = vl_xmalloc(c, sizeof(char *) * ((size_t)(argc > 0 ? argc : 0) + 1));
    for (int i = 0; i < argc; i++) v[i] = argv[i];
    v[argc > 0 ? argc : 0] = NULL;
    return v;
}

/* The option a "--name" (prefix) stands for; vl_getopt accepted it, so any match will do
 * unless an exact one exists. */
static const vl_opt *find_long(const vl_opt *opts, const char *name, size_t nl)
{
    const vl_opt *prefix = NULL;
    for (const vl_opt *o = opts; o->id; o++) {
        if (!o->lng || strncmp(o->lng, name, nl) != 0) continue;
        if (strlen(o->lng) == nl) return o;
        if (!prefix) prefix = o;
    }
    return prefix;
}

int vl_enc_optseq(vl_ctx *c, int argc, char **argv, vl_optocc **out)
{
    const vl_opt *opts = c->decl->opts;
    /* A bundle such as -echoAn yields one occurrence per letter, so the
     * bound is the letters of every argument, not the count of arguments. */
    size_t cap = 1;
    for (int i = 1; i < argc; i++) cap += strlen(argv[i]);
    vl_optocc *v = vl_xmalloc(c, sizeof *v * cap);
    int n = 0;
    bool stop = (c->decl->flags & VL_STOP_AT_OPERAND) != 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (stop) break;
            continue;
        }
        if (strcmp(a, "--") == 0) break;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            const vl_opt *o = find_long(opts, name, nl);
            if (!o) continue;
            const char *arg = NULL;
            if (eq) arg = eq + 1;
            else if (o->arg == VL_ARG && i + 1 < argc) arg = argv[++i];
            v[n].id = o->id;
            v[n++].arg = arg;
            continue;
        }
        for (char *q = a + 1; *q; q++) {
            const vl_opt *o = NULL;
            for (const vl_opt *k = opts; k->id; k++)
                if (k->id == (unsigned char)*q) {
                    o = k;
                    break;
                }
            if (!o) break;
            if (o->arg == VL_NOARG) {
                v[n].id = o->id;
                v[n++].arg = NULL;
                continue;
            }
            const char *arg = NULL;
            if (q[1]) arg = q + 1;
            else if (o->arg == VL_ARG && i + 1 < argc) arg = argv[++i];
            v[n].id = o->id;
            v[n++].arg = arg;
            break;
        }
    }
    *out = v;
    return n;
}
