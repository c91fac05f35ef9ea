/* envsubst: copy standard input to standard output with $VAR and ${VAR} replaced by the
 * environment's values (unset: empty), as gettext 0.21's envsubst does; with a SHELL-FORMAT
 * operand only the variables it names are replaced, and -v lists them. No other shell syntax
 * (${VAR:-x}, $1, $$) is recognized: it is copied as it is. Streams line by line. */
#include "lib/cmd.h"
#include "lib/enc.h"

#include <string.h>

static bool name_start(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool name_char(char ch)
{
    return name_start(ch) || (ch >= '0' && ch <= '9');
}

/* The variable reference at s[i] ('$'): its name's start and length, and the reference's
 * length; false when there is none. */
static bool reference(const char *s, size_t n, size_t i, size_t *ns, size_t *nl, size_t *rl)
{
    size_t j = i + 1;
    bool brace = j < n && s[j] == '{';
    if (brace) j++;
    if (j >= n || !name_start(s[j])) return false;
    size_t start = j;
    while (j < n && name_char(s[j])) j++;
    if (brace) {
        if (j >= n || s[j] != '}') return false;
        j++;
    }
    *ns = start;
    *nl = (j - start) - (brace ? 1 : 0);
    *rl = j - i;
    return true;
}

typedef struct names {
    char **v;
    size_t n;
} names;

static bool listed(const names *w, const char *s, size_t len)
{
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->v[i]) == len && memcmp(w->v[i], s, len) == 0) return true;
    return false;
}

static int envsubst_main(vl_ctx *c, int argc, char **argv)
{
    int n = vl_getopt(c, argc, argv);
    if (vl_has(c, 'h')) {
        vl_help(c);
        return 0;
    }
    if (vl_has(c, 'V')) {
        vl_version(c);
        return 0;
    }
    if (n > 1) vl_die(c, 1, "too many arguments");
    bool vars = vl_has(c, 'v');
    if (vars && n == 0) vl_die(c, 1, "missing arguments");
    names w = {NULL, 0};
    if (n == 1) {
        const char *f = argv[1];
        size_t len = strlen(f);
        for (size_t i = 0; i < len; i++) {
            size_t ns, nl, rl;
            if (f[i] != '$' || !reference(f, len, i, &ns, &nl, &rl)) continue;
            if (vars) {
                vl_write(c, f + ns, nl);
                vl_putc(c, '\n');
            } else {
                w.v = vl_xrealloc(c, w.v, sizeof(char *) * (w.n + 1));
                char *s = vl_xmalloc(c, nl + 1);
                memcpy(s, f + ns, nl);
                s[nl] = 0;
                w.v[w.n++] = s;
            }
            i += rl - 1;
        }
        if (vars) return 0;
    }
    vl_in *in = vl_in_fd(c, 0, "-");
    char *line;
    ssize_t len;
    vl_buf name = {0};
    while ((len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        size_t start = 0;
        for (size_t i = 0; i < (size_t)len; i++) {
            size_t ns, nl, rl;
            if (line[i] != '$' || !reference(line, (size_t)len, i, &ns, &nl, &rl)) continue;
            if (n == 1 && !listed(&w, line + ns, nl)) {
                i += rl - 1;
                continue;
            }
            vl_write(c, line + start, i - start);
            name.len = 0;
            vl_buf_add(c, &name, line + ns, nl);
            const char *val = vk_getenv(c->p, name.data);
            if (val) vl_puts(c, val);
            i += rl - 1;
            start = i + 1;
        }
        vl_write(c, line + start, (size_t)len - start);
        vl_enc_steps(c, 1);
    }
    vl_buf_free(c, &name);
    if (len < 0) vl_die(c, 1, "error while reading \"%s\"", "standard input");
    return 0;
}

static const vl_opt envsubst_opts[] = {
    {'v', "variables", VL_NOARG, NULL, "output the variables occurring in SHELL-FORMAT"},
    {'h', NULL, VL_NOARG, NULL, NULL},
    {'V', NULL, VL_NOARG, NULL, NULL},
    {0}};
VL_COMMAND(envsubst, envsubst_main, envsubst_opts, "[OPTION] [SHELL-FORMAT]",
           "Substitutes the values of environment variables.\n\n"
           "In normal operation mode, standard input is copied to standard output,\n"
           "with references to environment variables of the form $VARIABLE or ${VARIABLE}\n"
           "being replaced with the corresponding values.  If a SHELL-FORMAT is given,\n"
           "only those environment variables that are referenced in SHELL-FORMAT are\n"
           "substituted; otherwise all environment variables references occurring in\n"
           "standard input are substituted.",
           0, 1);
