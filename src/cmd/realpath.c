/* realpath: print the resolved absolute file name (GNU coreutils 9.1: -e -m -L -P -s -q -z
 * --relative-to --relative-base). Resolution is vl_canonicalize's (GNU's
 * canonicalize_filename_mode), symbolic links resolved by the VM's rules. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_RELATIVE_TO = 256, OPT_RELATIVE_BASE };

static const vl_opt realpath_opts[] = {
    {'e', "canonicalize-existing", VL_NOARG, NULL, "all components of the path must exist"},
    {'m', "canonicalize-missing", VL_NOARG, NULL,
     "no path components need exist or be a directory"},
    {'L', "logical", VL_NOARG, NULL, "resolve '..' components before symlinks"},
    {'P', "physical", VL_NOARG, NULL, "resolve symlinks as encountered (default)"},
    {'q', "quiet", VL_NOARG, NULL, "suppress most error messages"},
    {OPT_RELATIVE_TO, "relative-to", VL_ARG, "DIR", "print the resolved path relative to DIR"},
    {OPT_RELATIVE_BASE, "relative-base", VL_ARG, "DIR",
     "print absolute paths unless paths below DIR"},
    {'s', "strip", VL_NOARG, NULL, "don't expand symlinks"},
    {'s', "no-symlinks", VL_NOARG, NULL, NULL},
    {'z', "zero", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {0, NULL, 0, NULL, NULL},
};

typedef struct rp {
    int mode;
    bool logical;
} rp;

/* -L: a lexical pass, then the physical one */
static int canon(vl_ctx *c, const rp *r, const char *name, char **out)
{
    int rc = vl_canonicalize(c, name, r->mode, out);
    if (rc == 0 && r->logical) {
        char *first = *out;
        rc = vl_canonicalize(c, first, r->mode & ~VL_CAN_NOLINKS, out);
        vl_xfree(c, first);
    }
    return rc;
}

static char *canon_dir(vl_ctx *c, const rp *r, const char *dir)
{
    char *out;
    int rc = canon(c, r, dir, &out);
    if (rc < 0) vl_die(c, 1, "%s: %s", vl_quote(c, dir), vl_strerror(rc));
    if ((r->mode & 3) == VL_CAN_EXISTING) {
        struct vk_stat st;
        if (vk_stat(c->p, out, &st) < 0 || !VK_S_ISDIR(st.mode))
            vl_die(c, 1, "%s: %s", vl_quote(c, dir), vl_strerror(VOS_ENOTDIR));
    }
    return out;
}

static int realpath_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n == 0) vl_usage_error(c, "missing operand");
    rp r = {VL_CAN_ALL_BUT_LAST, false};
    if (vl_has(c, 'e') || vl_has(c, 'm')) {
        bool e = vl_last(c, 'e') > vl_last(c, 'm');
        r.mode = e ? VL_CAN_EXISTING : VL_CAN_MISSING;
    }
    /* the last of -L, -P, -s decides */
    int lp = vl_last(c, 'L'), pp = vl_last(c, 'P'), sp = vl_last(c, 's');
    if (lp > pp && lp > sp) r.mode |= VL_CAN_NOLINKS, r.logical = true;
    else if (sp > pp && sp > lp) r.mode |= VL_CAN_NOLINKS;
    bool quiet = vl_has(c, 'q');
    char eol = vl_has(c, 'z') ? '\0' : '\n';
    const char *to = vl_arg(c, OPT_RELATIVE_TO), *base = vl_arg(c, OPT_RELATIVE_BASE);
    char *cto = NULL, *cbase = NULL;
    if (base && !to) to = base;
    if (to) cto = canon_dir(c, &r, to);
    if (base == to) {
        cbase = cto;
    } else if (base) {
        cbase = canon_dir(c, &r, base);
        if (!vl_path_prefix(cbase, cto)) {
            /* --relative-to is a no-op when it is not below --relative-base */
            cbase = NULL;
            cto = NULL;
        }
    }
    for (int i = 1; i <= n; i++) {
        char *out;
        int rc = canon(c, &r, argv[i], &out);
        if (rc < 0) {
            if (!quiet) vl_perror(c, vl_quote(c, argv[i]), rc);
            c->status = 1;
            continue;
        }
        if (cto && !(cbase && !vl_path_prefix(cbase, out))) vl_puts(c, vl_relpath(c, out, cto));
        else vl_puts(c, out);
        vl_putc(c, eol);
    }
    return c->status;
}

VL_COMMAND(realpath, realpath_main, realpath_opts, "[OPTION]... FILE...",
           "Print the resolved absolute file name;\n"
           "all but the last component must exist",
           0, 1);
