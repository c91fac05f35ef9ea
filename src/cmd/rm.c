/* rm: remove files and trees (GNU coreutils 9.1: -f -i -I --interactive -r/-R -d -v
 * --preserve-root --one-file-system). With no terminal in a VM, prompts go to stderr and
 * answers are read from stdin, as GNU does when stdin is a pipe. Never removes "/", "." or
 * "..", and never follows a symbolic link while descending. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_INTERACTIVE = 256, OPT_PRESERVE_ROOT, OPT_NO_PRESERVE_ROOT, OPT_ONE_FS };

static const vl_opt rm_opts[] = {
    {'f', "force", VL_NOARG, NULL, "ignore nonexistent files and arguments, never prompt"},
    {'i', NULL, VL_NOARG, NULL, "prompt before every removal"},
    {'I', NULL, VL_NOARG, NULL,
     "prompt once before removing more than three files, or when removing recursively"},
    {OPT_INTERACTIVE, "interactive", VL_OPTARG, "WHEN",
     "prompt according to WHEN: never, once (-I), or always (-i); without WHEN, prompt always"},
    {OPT_ONE_FS, "one-file-system", VL_NOARG, NULL,
     "when removing a hierarchy recursively, skip any directory that is on a file system\n"
     "different from that of the corresponding command line argument"},
    {OPT_NO_PRESERVE_ROOT, "no-preserve-root", VL_NOARG, NULL, "do not treat '/' specially"},
    {OPT_PRESERVE_ROOT, "preserve-root", VL_OPTARG, "all",
     "do not remove '/' (default); with 'all', reject any command line argument on a\n"
     "separate device from its parent"},
    {'r', "recursive", VL_NOARG, NULL, "remove directories and their contents recursively"},
    {'R', NULL, VL_NOARG, NULL, "same as -r"},
    {'d', "dir", VL_NOARG, NULL, "remove empty directories"},
    {'v', "verbose", VL_NOARG, NULL, "explain what is being done"},
    {0, NULL, 0, NULL, NULL},
};

enum { PROMPT_NEVER, PROMPT_ONCE, PROMPT_ALWAYS };

typedef struct rmstate {
    bool force, recursive, dirs, verbose, one_fs, preserve_root;
    int interactive;
    uint64_t root_dev;
    vl_in *in; /* stdin, for answers */
} rmstate;

/* Ask on stderr, read one line of stdin: yes when it starts with y or Y (GNU's rpmatch in
 * the C locale). End of input is no. */
static bool ask(vl_ctx *c, rmstate *s, const char *what, const char *path)
{
    vl_eprintf(c, "%s: %s %s? ", c->name, what, vl_quote_always(c, path));
    if (!s->in) s->in = vl_in_fd(c, 0, "-");
    char *line;
    ssize_t n = vl_in_getdelim(c, s->in, '\n', &line);
    return n > 0 && (line[0] == 'y' || line[0] == 'Y');
}

/* "remove regular file", "remove write-protected regular file"... */
static const char *prompt_text(vl_ctx *c, const char *path, const struct vk_stat *st, vl_buf *tmp)
{
    const char *t = vl_file_type(st->mode, st->size);
    bool prot = !VK_S_ISLNK(st->mode) && vk_access(c->p, path, VK_W_OK) < 0;
    vl_buf_printf(c, tmp, "remove %s%s", prot ? "write-protected " : "", t);
    vl_buf_addc(c, tmp, '\0');
    return tmp->data;
}

static void cannot(vl_ctx *c, const char *path, int rc)
{
    vl_error(c, "cannot remove %s: %s", vl_quote_always(c, path), vl_strerror(rc));
}

/* Remove a non-directory (or, with isdir, an empty directory). Returns VL_WALK_KEPT when
 * the entry is still there. */
static int remove_entry(vl_ctx *c, rmstate *s, const char *path, const struct vk_stat *st, bool isdir)
{
    if (s->interactive == PROMPT_ALWAYS) {
        vl_buf tmp = {0};
        bool yes = ask(c, s, isdir ? "remove directory" : prompt_text(c, path, st, &tmp), path);
        vl_buf_free(c, &tmp);
        if (!yes) return VL_WALK_KEPT;
    }
    int rc = isdir ? vk_rmdir(c->p, path) : vk_unlink(c->p, path);
    if (rc < 0) {
        if (!(s->force && rc == VOS_ENOENT)) cannot(c, path, rc);
        return rc == VOS_ENOENT ? 0 : VL_WALK_KEPT;
    }
    if (s->verbose)
        vl_printf(c, isdir ? "removed directory %s\n" : "removed %s\n", vl_quote_always(c, path));
    return 0;
}

static bool dir_is_empty(vl_ctx *c, const char *path)
{
    vl_names nm;
    if (vl_dir_names(c, path, &nm) < 0) return false;
    bool empty = nm.n == 0;
    vl_names_free(c, &nm);
    return empty;
}

static int walk_cb(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    rmstate *s = ud;
    switch (event) {
    case VL_WALK_FILE: return remove_entry(c, s, e->path, &e->st, false);
    case VL_WALK_NS:
        if (e->err == VOS_ENOENT) return 0; /* vanished meanwhile */
        cannot(c, e->path, e->err);
        return VL_WALK_KEPT;
    case VL_WALK_PRE:
        if (s->one_fs && e->st.dev != s->root_dev) {
            vl_error(c, "skipping %s, since it's on a different device",
                     vl_quote_always(c, e->path));
            return VL_WALK_SKIP | VL_WALK_KEPT;
        }
        if (s->interactive == PROMPT_ALWAYS) {
            /* GNU asks to descend only into a directory that has entries */
            if (dir_is_empty(c, e->path))
                return remove_entry(c, s, e->path, &e->st, true) | VL_WALK_SKIP;
            if (!ask(c, s, "descend into directory", e->path))
                return VL_WALK_SKIP | VL_WALK_KEPT;
        }
        return 0;
    case VL_WALK_POST:
        if (e->kept) return VL_WALK_KEPT; /* something below stays: so does the directory */
        return remove_entry(c, s, e->path, &e->st, true);
    case VL_WALK_DNR: {
        /* unreadable: it can still go if it happens to be empty */
        int rc = vk_rmdir(c->p, e->path);
        if (rc == 0) {
            if (s->verbose) vl_printf(c, "removed directory %s\n", vl_quote_always(c, e->path));
            return 0;
        }
        cannot(c, e->path, e->err);
        return VL_WALK_KEPT;
    }
    default: /* VL_WALK_LOOP cannot happen without following links */
        cannot(c, e->path, VOS_ELOOP);
        return VL_WALK_KEPT;
    }
}

static void remove_operand(vl_ctx *c, rmstate *s, const char *path)
{
    struct vk_stat st;
    int rc = vk_lstat(c->p, path, &st);
    if (rc < 0) {
        if (!(s->force && rc == VOS_ENOENT)) cannot(c, path, rc);
        return;
    }
    if (!VK_S_ISDIR(st.mode)) {
        remove_entry(c, s, path, &st, false);
        return;
    }
    if (!s->recursive) {
        if (s->dirs) remove_entry(c, s, path, &st, true);
        else cannot(c, path, VOS_EISDIR);
        return;
    }
    if (vl_is_dot_or_dotdot(path)) {
        vl_error(c, "refusing to remove '.' or '..' directory: skipping %s",
                 vl_quote_always(c, path));
        return;
    }
    if (s->preserve_root) {
        char *real = NULL;
        if (vk_realpath(c->p, path, false, &real) == 0 && strcmp(real, "/") == 0) {
            if (strcmp(path, "/") == 0)
                vl_error(c, "it is dangerous to operate recursively on '/'");
            else
                vl_error(c, "it is dangerous to operate recursively on %s (same as '/')",
                         vl_quote_always(c, path));
            vl_error(c, "use --no-preserve-root to override this failsafe");
            return;
        }
    }
    s->root_dev = st.dev;
    /* without prompts, a file needs no stat before its unlink: the listing's type will do
     * (-I asks once, before the walk) */
    int flags = s->interactive == PROMPT_ALWAYS ? 0 : VL_WALK_DTYPE;
    vl_walk(c, path, flags, walk_cb, s);
}

static int rm_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    rmstate s = {0};
    s.recursive = vl_has(c, 'r') || vl_has(c, 'R');
    s.dirs = vl_has(c, 'd');
    s.verbose = vl_has(c, 'v');
    s.one_fs = vl_has(c, OPT_ONE_FS);
    s.preserve_root = vl_last(c, OPT_NO_PRESERVE_ROOT) <= vl_last(c, OPT_PRESERVE_ROOT) ||
                      !vl_has(c, OPT_NO_PRESERVE_ROOT);
    if (vl_has(c, OPT_PRESERVE_ROOT) && vl_arg(c, OPT_PRESERVE_ROOT) &&
        strcmp(vl_arg(c, OPT_PRESERVE_ROOT), "all") != 0)
        vl_usage_error(c, "unrecognized --preserve-root argument: %s",
                       vl_quote_always(c, vl_arg(c, OPT_PRESERVE_ROOT)));
    /* -f, -i, -I and --interactive override each other: the last one given wins */
    int last = 0;
    if (vl_last(c, 'f') > last) last = vl_last(c, 'f'), s.interactive = PROMPT_NEVER;
    if (vl_last(c, 'i') > last) last = vl_last(c, 'i'), s.interactive = PROMPT_ALWAYS;
    if (vl_last(c, 'I') > last) last = vl_last(c, 'I'), s.interactive = PROMPT_ONCE;
    if (vl_last(c, OPT_INTERACTIVE) > last) {
        const char *w = vl_arg(c, OPT_INTERACTIVE);
        if (!w || !strcmp(w, "always") || !strcmp(w, "yes")) s.interactive = PROMPT_ALWAYS;
        else if (!strcmp(w, "once")) s.interactive = PROMPT_ONCE;
        else if (!strcmp(w, "never") || !strcmp(w, "no") || !strcmp(w, "none"))
            s.interactive = PROMPT_NEVER;
        else {
            vl_error(c, "invalid argument %s for '--interactive'", vl_quote_always(c, w));
            vl_eprintf(c, "Valid arguments are:\n  - 'never', 'no', 'none'\n"
                          "  - 'once'\n  - 'always', 'yes'\n");
            vl_eprintf(c, "Try '%s --help' for more information.\n", c->name);
            vl_exit(c, 1);
        }
    }
    s.force = vl_has(c, 'f') && vl_last(c, 'f') == last;
    if (n == 0) {
        if (s.force) return 0;
        vl_usage_error(c, "missing operand");
    }
    if (s.interactive == PROMPT_ONCE && (n > 3 || s.recursive)) {
        vl_eprintf(c, "%s: remove %d argument%s%s? ", c->name, n, n == 1 ? "" : "s",
                   s.recursive ? " recursively" : "");
        s.in = vl_in_fd(c, 0, "-");
        char *line;
        ssize_t len = vl_in_getdelim(c, s.in, '\n', &line);
        if (!(len > 0 && (line[0] == 'y' || line[0] == 'Y'))) return 0;
    }
    for (int i = 1; i <= n; i++) remove_operand(c, &s, argv[i]);
    return c->status;
}

VL_COMMAND(rm, rm_main, rm_opts, "[OPTION]... [FILE]...",
           "Remove (unlink) the FILE(s).\n\n"
           "By default, rm does not remove directories.  Use the --recursive (-r or -R)\n"
           "option to remove each listed directory, too, along with all of its contents.",
           0, 1);
