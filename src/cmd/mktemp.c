/* mktemp: create a temporary file or directory with a unique name (GNU coreutils 9.1: -d -u -q
 * -p/--tmpdir -t --suffix, TMPDIR, GNU's template rules and messages). The random part comes
 * from the VM's random source; files are made 0600 and exclusively, directories 0700. */
#include "lib/cmd.h"
#include "lib/walk.h"

#include <string.h>

enum { OPT_SUFFIX = 256, OPT_TMPDIR };

static const vl_opt mktemp_opts[] = {
    {'d', "directory", VL_NOARG, NULL, "create a directory, not a file"},
    {'u', "dry-run", VL_NOARG, NULL, "do not create anything; merely print a name (unsafe)"},
    {'q', "quiet", VL_NOARG, NULL, "suppress diagnostics about file/dir-creation failure"},
    {OPT_SUFFIX, "suffix", VL_ARG, "SUFF",
     "append SUFF to TEMPLATE; SUFF must not contain a slash.\n"
     "This option is implied if TEMPLATE does not end in X"},
    {'p', NULL, VL_ARG, "DIR", NULL},
    {OPT_TMPDIR, "tmpdir", VL_OPTARG, "DIR",
     "interpret TEMPLATE relative to DIR; if DIR is not specified, use $TMPDIR if set,\n"
     "else /tmp.  With this option, TEMPLATE must not be an absolute name; unlike with\n"
     "-t, TEMPLATE may contain slashes, but mktemp creates only the final component"},
    {'t', NULL, VL_NOARG, NULL,
     "interpret TEMPLATE as a single file name component, relative to a directory: $TMPDIR,\n"
     "if set; else the directory specified via -p; else /tmp [deprecated]"},
    {0, NULL, 0, NULL, NULL},
};

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static int mktemp_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (n > 1) vl_usage_error(c, "too many templates");
    bool dir = vl_has(c, 'd'), dry = vl_has(c, 'u'), quiet = vl_has(c, 'q');
    bool use_dir = n == 0 || vl_has(c, 'p') || vl_has(c, OPT_TMPDIR) || vl_has(c, 't');
    const char *tmpl = n ? argv[1] : "tmp.XXXXXXXXXX";
    const char *suffix = vl_arg(c, OPT_SUFFIX);
    vl_buf t = {0};
    size_t slen;
    if (suffix) {
        size_t len = strlen(tmpl);
        if (!len || tmpl[len - 1] != 'X')
            vl_die(c, 1, "with --suffix, template %s must end in X", vl_quote_always(c, tmpl));
        vl_buf_adds(c, &t, tmpl);
        vl_buf_adds(c, &t, suffix);
        slen = strlen(suffix);
    } else {
        vl_buf_adds(c, &t, tmpl);
        const char *x = strrchr(tmpl, 'X');
        slen = x ? strlen(x + 1) : 0;
    }
    vl_buf_addc(c, &t, '\0');
    size_t tlen = t.len - 1;
    const char *suf = t.data + tlen - slen;
    if (slen && strchr(suf, '/'))
        vl_die(c, 1, "invalid suffix %s, contains directory separator", vl_quote_always(c, suf));
    size_t xs = 0;
    while (xs < tlen - slen && suf[-1 - (ptrdiff_t)xs] == 'X') xs++;
    if (xs < 3) vl_die(c, 1, "too few X's in template %s", vl_quote_always(c, t.data));
    char *name = t.data;
    if (use_dir) {
        const char *env = vk_getenv(c->p, "TMPDIR");
        /* -p DIR and --tmpdir[=DIR] are one option: the last given counts */
        const char *parg = vl_last(c, 'p') > vl_last(c, OPT_TMPDIR) ? vl_arg(c, 'p')
                                                                    : vl_arg(c, OPT_TMPDIR);
        const char *ddir;
        if (vl_has(c, 't')) {
            ddir = env && *env ? env : parg && *parg ? parg : "/tmp";
            if (strchr(t.data, '/'))
                vl_die(c, 1, "invalid template, %s, contains directory separator",
                       vl_quote_always(c, t.data));
        } else {
            ddir = parg && *parg ? parg : env && *env ? env : "/tmp";
            if (t.data[0] == '/')
                vl_die(c, 1, "invalid template, %s; with --tmpdir, it may not be absolute",
                       vl_quote_always(c, t.data));
        }
        size_t dl = strlen(ddir);
        vl_buf j = {0};
        vl_buf_adds(c, &j, ddir);
        if (dl == 0 || ddir[dl - 1] != '/') vl_buf_addc(c, &j, '/');
        vl_buf_adds(c, &j, t.data);
        vl_buf_addc(c, &j, '\0');
        name = j.data;
        tlen = j.len - 1;
    }
    char *shown = vl_xstrdup(c, name); /* the template, for messages */
    char *xstart = name + tlen - slen - xs;
    int rc = VOS_EEXIST;
    /* 62^3 names at least: give up only after many tries, as GNU does */
    for (int attempt = 0; attempt < 100000 && rc == VOS_EEXIST; attempt++) {
        uint64_t r = vk_random(c->p);
        for (size_t i = 0; i < xs; i++) {
            if (i % 10 == 9) r = vk_random(c->p);
            xstart[i] = letters[r % 62];
            r /= 62;
        }
        if (dry) {
            struct vk_stat st;
            rc = vk_lstat(c->p, name, &st);
            rc = rc == 0 ? VOS_EEXIST : rc == VOS_ENOENT ? 0 : rc;
        } else if (dir) {
            rc = vk_mkdir(c->p, name, 0700);
        } else {
            int fd = vk_open(c->p, name, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, 0600);
            rc = fd < 0 ? fd : 0;
            if (fd >= 0) vk_close(c->p, fd);
        }
        if (rc == VOS_EEXIST && (attempt & 255) == 255) {
            int k = vk_check(c->p);
            if (k < 0 && k != VOS_EINTR) vl_exit(c, 1);
        }
    }
    if (rc < 0) {
        if (!quiet)
            vl_error(c, "failed to create %s via template %s: %s", dir ? "directory" : "file",
                     vl_quote_always(c, shown), vl_strerror(rc));
        return 1;
    }
    vl_puts(c, name);
    vl_putc(c, '\n');
    return 0;
}

VL_COMMAND(mktemp, mktemp_main, mktemp_opts, "[OPTION]... [TEMPLATE]",
           "Create a temporary file or directory, safely, and print its name.\n"
           "TEMPLATE must contain at least 3 consecutive 'X's in last component.\n"
           "If TEMPLATE is not specified, use tmp.XXXXXXXXXX, and --tmpdir is implied.\n"
           "Files are created u+rw, and directories u+rwx, minus umask restrictions.",
           0, 1);
