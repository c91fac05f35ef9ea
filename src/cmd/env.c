/* env: run a command in a modified environment (-i, -u NAME, NAME=VALUE, -C DIR), or print
 * the environment. Exec failures give GNU's 126 (found but not runnable) / 127 (not found);
 * its own errors give 125. It does not split -S strings. */
#include "lib/cmd.h"

#include <string.h>

/* Every -u NAME in argv (vl_getopt keeps only the last); forms: -u N, -uN, -iu N,
 * --unset=N, --unset N (and its prefixes), up to the first operand. */
static const char **collect_unsets(vl_ctx *c, int argc, char **argv)
{
    const char **names = vl_xcalloc(c, (size_t)argc + 1, sizeof *names);
    int k = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1] || strcmp(a, "--") == 0) break;
        if (a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t nl = eq ? (size_t)(eq - a) : strlen(a);
            bool takes = nl > 2 && strncmp("--unset", a, nl) == 0;
            bool chdir_ = nl > 2 && strncmp("--chdir", a, nl) == 0;
            if (takes) names[k++] = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : "");
            else if (chdir_ && !eq) i++;
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            if (*q != 'u' && *q != 'C') continue;
            const char *v = q[1] ? q + 1 : (i + 1 < argc ? argv[++i] : "");
            if (*q == 'u') names[k++] = v;
            break;
        }
    }
    return names;
}

static int env_main(vl_ctx *c, int argc, char **argv)
{
    const char **unsets = collect_unsets(c, argc, argv);
    int n = vl_getopt(c, argc, argv);
    int first = 1;
    bool clear = vl_has(c, 'i');
    if (n >= 1 && strcmp(argv[1], "-") == 0) clear = true, first = 2;
    /* the environment as a list of "K=V" pointers we can edit */
    size_t ne = 0, cap = 16;
    char **env = vl_xmalloc(c, cap * sizeof *env);
    if (!clear)
        for (char *const *e = vk_environ(c->p); e && *e; e++) {
            if (ne + 1 >= cap) env = vl_xrealloc(c, env, (cap *= 2) * sizeof *env);
            env[ne++] = *e;
        }
    for (const char **u = unsets; *u; u++) {
        const char *unset = *u;
        if (strchr(unset, '=') || !*unset)
            vl_die(c, 125, "cannot unset %s: Invalid argument", vl_quote_always(c, unset));
        size_t ul = strlen(unset), k = 0;
        for (size_t j = 0; j < ne; j++)
            if (!(strncmp(env[j], unset, ul) == 0 && env[j][ul] == '=')) env[k++] = env[j];
        ne = k;
    }
    int i = first;
    for (; i <= n && strchr(argv[i], '=') && argv[i][0] != '='; i++) {
        size_t kl = (size_t)(strchr(argv[i], '=') - argv[i]);
        size_t j = 0;
        for (; j < ne; j++)
            if (strncmp(env[j], argv[i], kl + 1) == 0) break;
        if (j == ne) {
            if (ne + 1 >= cap) env = vl_xrealloc(c, env, (cap *= 2) * sizeof *env);
            ne++;
        }
        env[j] = argv[i];
    }
    env[ne] = NULL;
    int end = vl_has(c, '0') ? 0 : '\n';
    if (i > n) {
        for (size_t j = 0; j < ne; j++) {
            vl_puts(c, env[j]);
            vl_putc(c, end);
        }
        return 0;
    }
    if (vl_has(c, '0')) vl_usage_error(c, "cannot specify --null (-0) with command");
    const char *dir = vl_arg(c, 'C');
    if (dir) {
        int rc = vk_chdir(c->p, dir);
        if (rc < 0)
            vl_die(c, 125, "cannot change directory to %s: %s", vl_quote_always(c, dir),
                   vl_strerror(rc));
    }
    vl_flush(c);
    int rc = vk_execve(c->p, argv[i], &argv[i], env);
    vl_error(c, "%s: %s", vl_quote_always(c, argv[i]), vl_strerror(rc));
    return rc == VOS_ENOENT ? 127 : 126;
}

static const vl_opt env_opts[] = {
    {'i', "ignore-environment", VL_NOARG, NULL, "start with an empty environment"},
    {'0', "null", VL_NOARG, NULL, "end each output line with NUL, not newline"},
    {'u', "unset", VL_ARG, "NAME", "remove variable from the environment"},
    {'C', "chdir", VL_ARG, "DIR", "change working directory to DIR"},
    {0}};
VL_COMMAND(env, env_main, env_opts, "[OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]",
           "Set each NAME to VALUE in the environment and run COMMAND.", VL_STOP_AT_OPERAND, 125);
