/* each.c: the loop head and tail share: every operand in turn ("-" and no operand mean
 * standard input), GNU's "==> name <==" headers between files, and their two messages for a
 * file that cannot be opened or read. What to do with each input is the caller's. */
#include <string.h>

#include "lib/cmd.h"

int vl_each_with_headers(vl_ctx *c, int n, char **argv, bool quiet, bool verbose,
                         vl_each_fn fn, void *arg)
{
    static char dash[] = "-";
    char *stdin_only[] = {NULL, dash};
    if (n == 0) {
        argv = stdin_only;
        n = 1;
    }
    bool headers = verbose || (n > 1 && !quiet);
    bool first = true;
    for (int i = 1; i <= n; i++) {
        const char *shown = strcmp(argv[i], "-") == 0 ? "standard input" : argv[i];
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, argv[i], &err);
        if (!in) {
            vl_error(c, "cannot open %s for reading: %s", vl_quote_always(c, argv[i]),
                     vl_strerror(err));
            continue;
        }
        if (headers) {
            vl_printf(c, "%s==> %s <==\n", first ? "" : "\n", shown);
            first = false;
        }
        int rc = fn(c, in, arg);
        if (rc < 0)
            vl_error(c, "error reading %s: %s", vl_quote_always(c, shown), vl_strerror(rc));
        vl_in_close(c, in);
    }
    return c->status;
}
