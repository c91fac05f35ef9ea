/* chmod: change file mode bits (GNU coreutils 9.1 behaviour: octal and symbolic modes, -R, -v,
 * -c, -f, --reference, --preserve-root, modes given as options like "chmod -w f").
 * Command-line symlinks are followed; symlinks met inside a -R walk are left alone (Linux cannot
 * change a link's own mode). Mode arithmetic is vl_mode_parse's (GNU's rules). */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_REFERENCE = 256, OPT_PRESERVE_ROOT, OPT_NO_PRESERVE_ROOT };

/* In GNU's order, which its "ambiguous option" message lists possibilities in. */
static const vl_opt chmod_opts[] = {
    {'c', "changes", VL_NOARG, NULL, "like verbose but report only when a change is made"},
    {'R', "recursive", VL_NOARG, NULL, "change files and directories recursively"},
    {OPT_NO_PRESERVE_ROOT, "no-preserve-root", VL_NOARG, NULL,
     "do not treat '/' specially (the default)"},
    {OPT_PRESERVE_ROOT, "preserve-root", VL_NOARG, NULL, "fail to operate recursively on '/'"},
    {'f', "quiet", VL_NOARG, NULL, NULL},
    {OPT_REFERENCE, "reference", VL_ARG, "RFILE", "use RFILE's mode instead of MODE values"},
    {'f', "silent", VL_NOARG, NULL, "suppress most error messages"},
    {'v', "verbose", VL_NOARG, NULL, "output a diagnostic for every file processed"},
    {0, NULL, 0, NULL, NULL},
};

enum { V_OFF, V_CHANGES, V_ALL };

/* How one file fared, in GNU's order: the first two count as failures. */
enum { CH_NO_STAT, CH_FAILED, CH_NOT_APPLIED, CH_NO_CHANGE, CH_SUCCEEDED };

typedef struct chopts {
    const char *mode;   /* the mode string (a --reference mode is spelled in octal) */
    unsigned umask;
    int verbosity;
    bool silent;
    bool recursive;
    bool surprises;     /* the mode came as options ("-w"): report what the umask kept */
    bool preserve_root;
    struct vk_stat root; /* "/" for --preserve-root */
    bool ok;
} chopts;

/* A mode given as an option: "-w", "-rwx", "-022", "-g+s,o-t". GNU's getopt takes these
 * letters as options with an optional argument, and chmod takes the whole word as a mode. */
static bool is_mode_char(char ch)
{
    return ch && strchr("rwxXstugoa,+=01234567", ch) != NULL;
}

static bool is_mode_option(const char *a)
{
    if (a[0] != '-' || a[1] == '\0' || a[1] == '-') return false;
    size_t i = 1;
    while (a[i] && strchr("Rcfv", a[i])) i++; /* flags bundled before the mode letters */
    return is_mode_char(a[i]);
}

/* Does a (a "--xxx" word) abbreviate --reference and so take the next word as its file? */
static bool takes_reference_arg(const char *a)
{
    size_t n = strlen(a);
    return n > 4 && !strchr(a, '=') && strncmp(a, "--reference", n) == 0;
}

/* Move the mode options out of argv (joined with commas, as GNU does) before the ordinary
 * option parsing sees them. Returns the new argc. */
static int take_mode_options(vl_ctx *c, int argc, char **argv, char **mode)
{
    vl_buf b = {0};
    int out = 1;
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) opts_done = true;
        if (!opts_done && is_mode_option(a)) {
            if (b.len) vl_buf_addc(c, &b, ',');
            vl_buf_adds(c, &b, a);
            continue;
        }
        argv[out++] = a;
        if (!opts_done && takes_reference_arg(a) && i + 1 < argc) argv[out++] = argv[++i];
    }
    argv[out] = NULL;
    if (b.len) {
        vl_buf_addc(c, &b, '\0');
        *mode = b.data;
    }
    return out;
}

static void describe(vl_ctx *c, const char *path, int status, unsigned old, unsigned now)
{
    const char *q = vl_quote_always(c, path);
    if (status == CH_NOT_APPLIED) {
        vl_printf(c, "neither symbolic link %s nor referent has been changed\n", q);
        return;
    }
    if (status == CH_NO_STAT) {
        vl_printf(c, "%s could not be accessed\n", q);
        return;
    }
    char os[11], ns[11];
    vl_mode_string(old, os);
    vl_mode_string(now, ns);
    if (status == CH_NO_CHANGE)
        vl_printf(c, "mode of %s retained as %04o (%s)\n", q, now & 07777, ns + 1);
    else
        vl_printf(c, "%s %s %sfrom %04o (%s) to %04o (%s)\n",
                  status == CH_SUCCEEDED ? "mode of" : "failed to change mode of", q,
                  status == CH_SUCCEEDED ? "changed " : "", old & 07777, os + 1, now & 07777,
                  ns + 1);
}

/* The message of a file that could not be looked at; GNU names a dangling command-line link. */
static void cannot_access(vl_ctx *c, chopts *o, vl_walk_ent *e)
{
    if (o->silent) return;
    struct vk_stat lst;
    if (e->depth == 0 && e->err == VOS_ENOENT && vk_lstat(c->p, e->path, &lst) == 0 &&
        VK_S_ISLNK(lst.mode))
        vl_error(c, "cannot operate on dangling symlink %s", vl_quote_always(c, e->path));
    else
        vl_error(c, "cannot access %s: %s", vl_quote_always(c, e->path), vl_strerror(e->err));
}

/* Did the mode really change? Set-id and sticky bits may be dropped silently by a file system,
 * so when the new mode has one, look again. */
static bool mode_changed(vl_ctx *c, chopts *o, const char *path, unsigned old, unsigned now)
{
    if (now & 07000) {
        struct vk_stat st;
        int rc = vk_stat(c->p, path, &st);
        if (rc < 0) {
            if (!o->silent)
                vl_error(c, "getting new attributes of %s: %s", vl_quote_always(c, path),
                         vl_strerror(rc));
            return false;
        }
        now = st.mode;
    }
    return ((old ^ now) & 07777) != 0;
}

static int visit(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    chopts *o = ud;
    int status = CH_NO_STAT;
    unsigned old = 0, now = 0;
    switch (event) {
    case VL_WALK_POST: return 0;
    case VL_WALK_NS: cannot_access(c, o, e); break;
    case VL_WALK_DNR:
        if (!o->silent)
            vl_error(c, "cannot read directory %s: %s", vl_quote_always(c, e->path),
                     vl_strerror(e->err));
        break;
    case VL_WALK_LOOP:
        /* only a cycle through mounts can get here: a physical walk never follows links */
        vl_error(c,
                 "WARNING: Circular directory structure.\nThis almost certainly means that you "
                 "have a corrupted file system.\nNOTIFY YOUR SYSTEM MANAGER.\nThe following "
                 "directory is part of the cycle:\n  %s\n",
                 vl_quote_always(c, e->path));
        o->ok = false;
        return VL_WALK_SKIP;
    default: status = CH_NOT_APPLIED; break;
    }
    if (status == CH_NOT_APPLIED && o->recursive && o->preserve_root &&
        e->st.dev == o->root.dev && e->st.ino == o->root.ino) {
        if (strcmp(e->path, "/") == 0)
            vl_error(c, "it is dangerous to operate recursively on %s", vl_quote_always(c, "/"));
        else
            vl_error(c, "it is dangerous to operate recursively on %s (same as %s)",
                     vl_quote_always(c, e->path), vl_quote_always(c, "/"));
        vl_error(c, "use --no-preserve-root to override this failsafe");
        o->ok = false;
        return VL_WALK_SKIP;
    }
    if (status == CH_NOT_APPLIED && !VK_S_ISLNK(e->st.mode)) {
        old = e->st.mode;
        bool dir = VK_S_ISDIR(old);
        if (vl_mode_parse(o->mode, old, o->umask, dir, &now) < 0) now = old; /* checked before */
        int rc = vk_chmod(c->p, e->path, now);
        if (rc == 0) {
            status = CH_SUCCEEDED;
        } else {
            if (!o->silent)
                vl_error(c, "changing permissions of %s: %s", vl_quote_always(c, e->path),
                         vl_strerror(rc));
            status = CH_FAILED;
        }
    }
    if (o->verbosity != V_OFF) {
        if (status == CH_SUCCEEDED && !mode_changed(c, o, e->path, old, now))
            status = CH_NO_CHANGE;
        if (status == CH_SUCCEEDED || o->verbosity == V_ALL) describe(c, e->path, status, old, now);
    }
    if (status >= CH_NO_CHANGE && o->surprises) {
        /* "chmod -w f" with umask 022 leaves group and other write on: say so */
        unsigned naive = now;
        vl_mode_parse(o->mode, old, 0, VK_S_ISDIR(old), &naive);
        if (now & ~naive) {
            char got[11], want[11];
            vl_mode_string(now, got);
            vl_mode_string(naive, want);
            vl_error(c, "%s: new permissions are %s, not %s", vl_quote(c, e->path), got + 1,
                     want + 1);
            status = CH_FAILED;
        }
    }
    if (status < CH_NOT_APPLIED) o->ok = false;
    return o->recursive ? 0 : VL_WALK_SKIP;
}

/* fts keeps one trailing slash of "d//" and prints paths below it as "d/x": so do we. */
static char *trim_root(vl_ctx *c, const char *arg)
{
    char *s = vl_xstrdup(c, arg);
    size_t n = strlen(s);
    if (n > 2 && s[n - 1] == '/')
        while (n > 1 && s[n - 2] == '/') s[--n] = '\0';
    return s;
}

static int chmod_main(vl_ctx *c, int argc, char **argv)
{
    char *mode = NULL;
    argc = take_mode_options(c, argc, argv, &mode);
    int n = vl_getopt(c, argc, argv);
    chopts o = {0};
    o.ok = true;
    o.surprises = mode != NULL;
    o.silent = vl_has(c, 'f');
    o.recursive = vl_has(c, 'R');
    o.preserve_root = vl_last(c, OPT_PRESERVE_ROOT) > vl_last(c, OPT_NO_PRESERVE_ROOT);
    if (vl_last(c, 'v') || vl_last(c, 'c'))
        o.verbosity = vl_last(c, 'v') > vl_last(c, 'c') ? V_ALL : V_CHANGES;
    const char *ref = vl_arg(c, OPT_REFERENCE);
    int first = 1;
    bool mode_operand = false;
    if (ref) {
        if (mode) vl_usage_error(c, "cannot combine mode and --reference options");
    } else if (!mode && n >= 1) {
        mode = argv[first++];
        mode_operand = true;
    }
    if (first > n) {
        if (mode_operand) vl_usage_error(c, "missing operand after %s", vl_quote_always(c, mode));
        vl_usage_error(c, "missing operand");
    }
    unsigned probe;
    if (ref) {
        struct vk_stat st;
        int rc = vk_stat(c->p, ref, &st);
        if (rc < 0)
            vl_die(c, 1, "failed to get attributes of %s: %s", vl_quote_always(c, ref),
                   vl_strerror(rc));
        /* five octal digits set every bit, set-id bits of directories included */
        char *m = vl_xmalloc(c, 8);
        m[0] = '0';
        for (int i = 4; i >= 1; i--) m[i] = (char)('0' + ((st.mode >> (3 * (4 - i))) & 7));
        m[5] = '\0';
        mode = m;
    } else if (vl_mode_parse(mode, 0, 0, false, &probe) < 0) {
        vl_usage_error(c, "invalid mode: %s", vl_quote_always(c, mode));
    }
    o.mode = mode;
    o.umask = vk_umask(c->p, 0);
    vk_umask(c->p, o.umask);
    if (o.recursive && o.preserve_root) {
        int rc = vk_stat(c->p, "/", &o.root);
        if (rc < 0)
            vl_die(c, 1, "failed to get attributes of %s: %s", vl_quote_always(c, "/"),
                   vl_strerror(rc));
    }
    for (int i = first; i <= n; i++)
        vl_walk(c, trim_root(c, argv[i]), VL_WALK_FOLLOW_ROOT, visit, &o);
    return o.ok ? 0 : 1;
}

VL_COMMAND(chmod, chmod_main, chmod_opts, "[OPTION]... MODE[,MODE]... FILE...",
           "  or:  chmod [OPTION]... OCTAL-MODE FILE...\n"
           "  or:  chmod [OPTION]... --reference=RFILE FILE...\n"
           "Change the mode of each FILE to MODE.\n"
           "With --reference, change the mode of each FILE to that of RFILE.",
           0, 1);
