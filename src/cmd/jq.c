/* jq: vos's own implementation of the jq 1.7 language (jq.h describes the parts). This file
 * is the command: jq's options (-n -r -j -a -c -s -e -S -R --tab --indent --arg --argjson
 * --slurpfile --rawfile --args --jsonargs --seq --stream -f), the input loop, output and
 * jq's messages and exit statuses (2 usage, 3 compile error, 5 runtime error, 1/4 for -e).
 * Not here: colour (-C is accepted and ignored: there is no terminal in a VM) and modules
 * (-L, import and include are refused). */
#include "cmd/jq.h"
#include "cmd/jq_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jq_node *jq_parse_program(jq_state *J, const char *src, size_t len, bool is_prelude,
                          const char **err, int *errline);
jq_reader *jq_reader_new(jq_state *J, char **files, int nfiles, bool raw);
int jq_reader_raw(jq_state *J, jq_reader *R, jv *out, bool all);
bool jq_reader_open_failed(jq_reader *R);
int jq_reader_line(jq_reader *R);
const char *jq_reader_name(jq_reader *R);

typedef struct jq_main {
    jq_state *J;
    bool raw_in, slurp, null_in, raw_out, join, ascii, compact, exit_status, sort, tab, seq,
        stream, raw0;
    int indent;
    bool any_input; /* a value was read (errors then name a location) */
    int last_truthy; /* -e: -1 no output, 0 last false/null, 1 otherwise */
    vl_buf out;
    bool stream_pending, slurp_done;
    jv stream_q; /* --stream: events of the current value */
    uint32_t stream_i;
} jq_main;

static _Noreturn void usage_error(vl_ctx *c, const char *fmt, const char *arg)
{
    vl_eprintf(c, "jq: ");
    vl_eprintf(c, fmt, arg);
    vl_eprintf(c, "\nUse jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://jqlang.github.io/jq\n");
    vl_exit(c, 2);
}

static const char usage_text[] =
    "Usage:\tjq [OPTIONS] FILTER [FILES...]\n"
    "\tjq [OPTIONS] --args FILTER [ARGUMENTS...]\n"
    "\tjq [OPTIONS] --jsonargs FILTER [JSON_VALUES...]\n\n"
    "jq is a tool for processing JSON inputs, applying the given filter to\n"
    "its JSON text inputs and producing the filter's results as JSON on\n"
    "standard output.\n\n"
    "The simplest filter is ., which copies jq's input to its output\n"
    "unmodified except for formatting. For more advanced usage see\n"
    "the jq(1) manpage (\"man jq\") and/or https://jqlang.github.io/jq/.\n\n"
    "Example:\n\n\t$ echo '{\"foo\": 0}' | jq .\n\t{\n\t  \"foo\": 0\n\t}\n\n"
    "Command options:\n"
    "  -n, --null-input          use `null` as the single input value;\n"
    "  -R, --raw-input           read each line as string instead of JSON;\n"
    "  -s, --slurp               read all inputs into an array and use it as\n"
    "                            the single input value;\n"
    "  -c, --compact-output      compact instead of pretty-printed output;\n"
    "  -r, --raw-output          output strings without escapes and quotes;\n"
    "      --raw-output0         implies -r and output NUL after each output;\n"
    "  -j, --join-output         implies -r and output without newline after\n"
    "                            each output;\n"
    "  -a, --ascii-output        output strings by only ASCII characters\n"
    "                            using escape sequences;\n"
    "  -S, --sort-keys           sort keys of each object on output;\n"
    "  -C, --color-output        colorize JSON output;\n"
    "  -M, --monochrome-output   disable colored output;\n"
    "      --tab                 use tabs for indentation;\n"
    "      --indent n            use n spaces for indentation (max 7 spaces);\n"
    "      --unbuffered          flush output stream after each output;\n"
    "      --stream              parse the input value in streaming fashion;\n"
    "      --stream-errors       implies --stream and report parse error as\n"
    "                            an array;\n"
    "      --seq                 parse input/output as application/json-seq;\n"
    "  -f, --from-file file      load filter from the file;\n"
    "  -L directory              search modules from the directory;\n"
    "      --arg name value      set $name to the string value;\n"
    "      --argjson name value  set $name to the JSON value;\n"
    "      --slurpfile name file set $name to an array of JSON values read\n"
    "                            from the file;\n"
    "      --rawfile name file   set $name to string contents of file;\n"
    "      --args                consume remaining arguments as positional\n"
    "                            string values;\n"
    "      --jsonargs            consume remaining arguments as positional\n"
    "                            JSON values;\n"
    "  -e, --exit-status         set exit status code based on the output;\n"
    "  -V, --version             show the version;\n"
    "  --build-configuration     show jq's build configuration;\n"
    "  -h, --help                show the help;\n"
    "  --                        terminates argument processing;\n\n"
    "Named arguments are also available as $ARGS.named[], while\n"
    "positional arguments are available as $ARGS.positional[].\n";

/* Read a whole file (for -f, --slurpfile, --rawfile); NULL after jq's message. */
static char *read_file(vl_ctx *c, const char *path, size_t *len, const char *what)
{
    int err = 0;
    vl_in *in = vl_in_open_quiet(c, path, &err);
    if (!in) {
        vl_eprintf(c, "jq: error: Could not open %s: %s\n", path, vl_strerror(err));
        vl_exit(c, 2);
    }
    vl_buf b = {0};
    char tmp[65536];
    for (;;) {
        ssize_t n = vl_in_read(c, in, tmp, sizeof tmp);
        if (n < 0) {
            vl_eprintf(c, "jq: error: Could not read %s: %s\n", path, vl_strerror((int)n));
            vl_exit(c, 2);
        }
        if (n == 0) break;
        vl_buf_add(c, &b, tmp, (size_t)n);
    }
    vl_in_close(c, in);
    vl_buf_addc(c, &b, 0);
    *len = b.len - 1;
    (void)what;
    return b.data;
}

static jq_main *M_of(jq_state *J);

/* the location part of runtime error messages */
static void err_loc(jq_state *J, char *buf, size_t n)
{
    jq_reader *R = J->rd;
    if (!R || !M_of(J)->any_input) {
        snprintf(buf, n, "<unknown>");
        return;
    }
    const char *name = jq_reader_name(R);
    snprintf(buf, n, "%s:%d", name ? name : "<stdin>", jq_reader_line(R));
}

static void print_error(jq_state *J, jv e)
{
    char loc[300];
    err_loc(J, loc, sizeof loc);
    if (e.k == JV_STRING) {
        vl_eprintf(J->c, "jq: error (at %s): %s\n", loc, e.u.s->s);
    } else {
        vl_buf b = {0};
        jq_dump(J, &b, e, 0, 0);
        vl_buf_addc(J->c, &b, 0);
        vl_eprintf(J->c, "jq: error (at %s) (not a string): %s\n", loc, b.data);
        vl_buf_free(J->c, &b);
    }
}

static jq_main *M_of(jq_state *J) { return (jq_main *)J->tmp_owner; }

/* stream events of v ([path, leaf] and closing [path]) */
static void to_stream(jq_state *J, jv *q, jv v, jv path, bool top)
{
    if ((v.k == JV_ARRAY && v.u.a->len) || (v.k == JV_OBJECT && v.u.o->len)) {
        uint32_t n = jv_len(v);
        jv lastp = jv_invalid();
        for (uint32_t i = 0; i < n; i++) {
            jv p = jv_ref(path);
            p = jv_arr_push(J, p, v.k == JV_ARRAY ? jv_num(i) : jv_ref(v.u.o->e[i].key));
            to_stream(J, q, v.k == JV_ARRAY ? v.u.a->v[i] : v.u.o->e[i].val, p, false);
            if (i + 1 == n) lastp = jv_ref(p);
            jv_unref(J, p);
        }
        jv ev = jv_arr_push(J, jv_arr_new(J, 1), lastp);
        *q = jv_arr_push(J, *q, ev);
    } else {
        jv ev = jv_arr_push(J, jv_arr_new(J, 2), jv_ref(path));
        ev = jv_arr_push(J, ev, jv_ref(v));
        *q = jv_arr_push(J, *q, ev);
    }
    (void)top;
}

static void parse_error(jq_state *J, jq_main *M, jv err)
{
    /* jq 1.7: the input's position is in the message itself */
    vl_eprintf(J->c, "jq: error (at <unknown>): %s\n", err.u.s->s);
    (void)M;
}

/* The next input value: 1, 0 at the end, -1 after a parse error (reported; exit 2). */
static int next_input(jq_state *J, jq_main *M, jv *out)
{
    if (M->stream) {
        for (;;) {
            if (M->stream_q.k == JV_ARRAY && M->stream_i < M->stream_q.u.a->len) {
                *out = jv_ref(M->stream_q.u.a->v[M->stream_i++]);
                return 1;
            }
            if (M->stream_q.k == JV_ARRAY) jv_unref(J, M->stream_q);
            M->stream_q = jv_invalid();
            jv v, err;
            int r = jq_reader_next(J, J->rd, &v, &err);
            if (r <= 0) {
                if (r < 0) {
                    parse_error(J, M, err);
                    jv_unref(J, err);
                    return -1;
                }
                return 0;
            }
            M->any_input = true;
            M->stream_q = jv_arr_new(J, 8);
            M->stream_i = 0;
            jv root = jv_arr_new(J, 1);
            to_stream(J, &M->stream_q, v, root, true);
            jv_unref(J, root);
            jv_unref(J, v);
        }
    }
    if (M->raw_in) {
        int r = jq_reader_raw(J, J->rd, out, false);
        if (r > 0) M->any_input = true;
        return r;
    }
    jv err;
    int r = jq_reader_next(J, J->rd, out, &err);
    if (r < 0) {
        parse_error(J, M, err);
        jv_unref(J, err);
        return -1;
    }
    if (r > 0) M->any_input = true;
    return r;
}

int jq_next_input(jq_state *J, jv *out);
int jq_next_input(jq_state *J, jv *out)
{
    jq_main *M = M_of(J);
    if (M->slurp && M->null_in) {
        /* -n -s: the one input is the slurped array */
        if (M->slurp_done) return 0;
        M->slurp_done = true;
        if (M->raw_in) {
            jq_reader_raw(J, J->rd, out, true);
            return 1;
        }
        jv all = jv_arr_new(J, 16);
        for (;;) {
            jv v;
            int r = next_input(J, M, &v);
            if (r < 0) vl_exit(J->c, 2);
            if (r == 0) break;
            all = jv_arr_push(J, all, v);
        }
        *out = all;
        return 1;
    }
    int r = next_input(J, M, out);
    if (r < 0) {
        M->J->halt_status = 2;
        vl_exit(J->c, 2);
    }
    return r;
}

static int out_cb(jq_state *J, jv v, jv *p, void *ud)
{
    jq_main *M = ud;
    vl_buf *b = &M->out;
    b->len = 0;
    if (M->seq) vl_buf_addc(J->c, b, 0x1e);
    if (M->raw_out && v.k == JV_STRING) {
        if (M->ascii) {
            /* jq: -r with -a prints the string as JSON, quotes and all */
            jq_dump(J, b, v, JQ_DUMP_ASCII, 0);
        } else {
            vl_buf_add(J->c, b, v.u.s->s, v.u.s->len);
        }
    } else {
        int fl = (M->compact ? 0 : JQ_DUMP_PRETTY) | (M->sort ? JQ_DUMP_SORT : 0) |
                 (M->ascii ? JQ_DUMP_ASCII : 0) | (M->tab ? JQ_DUMP_TAB : 0);
        jq_dump(J, b, v, fl, M->indent);
    }
    if (M->raw0) vl_buf_addc(J->c, b, 0);
    else if (!M->join) vl_buf_addc(J->c, b, '\n');
    vl_write(J->c, b->data, b->len);
    M->last_truthy = jv_truthy(v) ? 1 : 0;
    return JQ_OK;
}

static int run_one(jq_state *J, jq_main *M, jq_node *prog, jv in, int *status)
{
    int rc = jq_run(J, prog, in, out_cb, M);
    if (rc == JQ_ERR) {
        print_error(J, J->err);
        jv_unref(J, J->err);
        J->err = jv_null();
        *status = 5;
        return 0;
    }
    if (rc == JQ_BREAK) {
        print_error(J, jv_str_c(J, "break"));
        *status = 5;
        return 0;
    }
    if (rc == JQ_HALT) {
        jv e = J->err;
        if (e.k == JV_STRING) {
            vl_flush(J->c);
            vl_write_fd(J->c, 2, e.u.s->s, e.u.s->len);
        } else if (e.k != JV_INVALID && e.k != JV_NULL) {
            vl_buf b = {0};
            jq_dump(J, &b, e, 0, 0);
            vl_buf_addc(J->c, &b, '\n');
            vl_flush(J->c);
            vl_write_fd(J->c, 2, b.data, b.len);
            vl_buf_free(J->c, &b);
        }
        vl_exit(J->c, J->halt_status & 255);
    }
    return 0;
}

static int jq_main_fn(vl_ctx *c, int argc, char **argv)
{
    jq_state *J = vl_xcalloc(c, 1, sizeof *J);
    J->c = c;
    J->err = jv_null();
    J->env_obj = jv_invalid();
    jq_main *M = vl_xcalloc(c, 1, sizeof *M);
    M->J = J;
    M->indent = 2;
    M->last_truthy = -1;
    M->stream_q = jv_invalid();
    J->tmp_owner = M;
    J->named_args = jv_obj_new(J);
    J->pos_args = jv_arr_new(J, 4);

    const char *program = NULL;
    char *progbuf = NULL;
    bool from_file = false;
    char **files = vl_xcalloc(c, (size_t)argc + 1, sizeof(char *));
    int nfiles = 0;
    int args_mode = 0; /* 1 --args, 2 --jsonargs */
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* jq's isoptish: "-x" and "--x" are options; "-(1)" or "-1" is a program or value */
        bool optish = a[0] == '-' && (a[1] == '-' || (a[1] >= 'a' && a[1] <= 'z') ||
                                      (a[1] >= 'A' && a[1] <= 'Z'));
        if (opts_done || !optish) {
            if (!program) {
                program = a; /* with -f: the program file */
                continue;
            }
            if (args_mode == 1) {
                J->pos_args = jv_arr_push(J, J->pos_args, jv_str_c(J, a));
            } else if (args_mode == 2) {
                jv err = jv_invalid();
                jv v = jq_parse_json(J, a, strlen(a), &err);
                if (v.k == JV_INVALID) {
                    vl_eprintf(c, "jq: Invalid JSON text passed to --jsonargs\n");
                    vl_eprintf(c, "Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://jqlang.github.io/jq\n");
                    vl_exit(c, 2);
                }
                J->pos_args = jv_arr_push(J, J->pos_args, v);
            } else {
                files[nfiles++] = (char *)a;
            }
            continue;
        }
        if (!strcmp(a, "--")) {
            opts_done = true;
            continue;
        }
        if (a[1] == '-') {
            const char *o = a + 2;
            if (!strcmp(o, "null-input")) M->null_in = true;
            else if (!strcmp(o, "raw-input")) M->raw_in = true;
            else if (!strcmp(o, "slurp")) M->slurp = true;
            else if (!strcmp(o, "raw-output")) M->raw_out = true;
            else if (!strcmp(o, "raw-output0")) M->raw_out = M->raw0 = true;
            else if (!strcmp(o, "join-output")) M->raw_out = M->join = true;
            else if (!strcmp(o, "ascii-output")) M->ascii = true;
            else if (!strcmp(o, "compact-output")) M->compact = true;
            else if (!strcmp(o, "sort-keys")) M->sort = true;
            else if (!strcmp(o, "color-output") || !strcmp(o, "monochrome-output")) {}
            else if (!strcmp(o, "tab")) { M->tab = true; M->indent = 1; }
            else if (!strcmp(o, "unbuffered")) {}
            else if (!strcmp(o, "exit-status")) M->exit_status = true;
            else if (!strcmp(o, "seq")) M->seq = true;
            else if (!strcmp(o, "stream")) M->stream = true;
            else if (!strcmp(o, "args")) args_mode = 1;
            else if (!strcmp(o, "jsonargs")) args_mode = 2;
            else if (!strcmp(o, "help")) {
                vl_puts(c, usage_text);
                vl_exit(c, 0);
            } else if (!strcmp(o, "version")) {
                vl_puts(c, "jq-1.7.1\n");
                vl_exit(c, 0);
            } else if (!strcmp(o, "indent")) {
                if (i + 1 >= argc) usage_error(c, "%s takes one parameter", "--indent");
                char *end;
                long n = strtol(argv[++i], &end, 10);
                if (*end || end == argv[i]) usage_error(c, "%s takes a number", "--indent");
                if (n < -1) usage_error(c, "Cannot indent less than %s characters", "-1");
                if (n > 7) usage_error(c, "Cannot indent more than %s characters", "7");
                M->indent = (int)n;
                M->tab = false;
            } else if (!strcmp(o, "arg") || !strcmp(o, "argjson") || !strcmp(o, "slurpfile") ||
                       !strcmp(o, "rawfile")) {
                if (i + 2 >= argc) {
                    vl_eprintf(c, "jq: --%s takes two parameters (e.g. --%s varname %s)\n", o, o,
                               !strcmp(o, "arg") ? "value" : !strcmp(o, "argjson") ? "text" : "filename");
                    vl_eprintf(c, "Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://jqlang.github.io/jq\n");
                    vl_exit(c, 2);
                }
                const char *name = argv[++i], *val = argv[++i];
                jv v;
                if (!strcmp(o, "arg")) {
                    v = jv_str_c(J, val);
                } else if (!strcmp(o, "argjson")) {
                    jv err = jv_invalid();
                    v = jq_parse_json(J, val, strlen(val), &err);
                    if (v.k == JV_INVALID) {
                        vl_eprintf(c, "jq: invalid JSON text passed to --argjson\n");
                        vl_eprintf(c, "Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://jqlang.github.io/jq\n");
                        vl_exit(c, 2);
                    }
                } else {
                    size_t len;
                    char *data = read_file(c, val, &len, o);
                    if (!strcmp(o, "rawfile")) {
                        vl_buf t = {0};
                        extern void jq_utf8_clean(jq_state * J, vl_buf * b, const char *s, size_t n);
                        jq_utf8_clean(J, &t, data, len);
                        v = jv_str_new(J, t.data, t.len);
                        vl_buf_free(c, &t);
                    } else {
                        v = jv_arr_new(J, 4);
                        /* every value of the file */
                        jq_reader *save = J->rd;
                        char *fl[1] = {(char *)val};
                        J->rd = jq_reader_new(J, fl, 1, false);
                        for (;;) {
                            jv x, err;
                            int r = jq_reader_next(J, J->rd, &x, &err);
                            if (r < 0) {
                                vl_eprintf(c, "jq: Bad JSON in --slurpfile %s %s: %s\n", name, val, err.u.s->s);
                                vl_exit(c, 2);
                            }
                            if (r == 0) break;
                            v = jv_arr_push(J, v, x);
                        }
                        J->rd = save;
                    }
                    vl_xfree(c, data);
                }
                J->named_args = jv_obj_set(J, J->named_args, jv_str_c(J, name), v);
            } else if (!strcmp(o, "from-file")) {
                from_file = true;
            } else if (!strcmp(o, "build-configuration")) {
                vl_puts(c, "vos\n");
                vl_exit(c, 0);
            } else {
                usage_error(c, "Unknown option: %s", a);
            }
            continue;
        }
        /* short options, bundled */
        for (const char *p = a + 1; *p; p++) {
            switch (*p) {
            case 'n': M->null_in = true; break;
            case 'R': M->raw_in = true; break;
            case 's': M->slurp = true; break;
            case 'r': M->raw_out = true; break;
            case 'j': M->raw_out = M->join = true; break;
            case 'a': M->ascii = true; break;
            case 'c': M->compact = true; break;
            case 'S': M->sort = true; break;
            case 'C': case 'M': break;
            case 'e': M->exit_status = true; break;
            case 'f': from_file = true; break;
            case 'h': vl_puts(c, usage_text); vl_exit(c, 0);
            case 'V': vl_puts(c, "jq-1.7.1\n"); vl_exit(c, 0);
            case 'L':
                vl_eprintf(c, "jq: error: modules are not supported (-L)\n");
                vl_exit(c, 2);
            default: {
                usage_error(c, "Unknown option: %s", a);
            }
            }
        }
    }
    if (from_file) {
        /* -f FILE: the first operand is the program file; the rest are inputs */
        const char *pf = program;
        if (!pf) {
            vl_eprintf(c, "%s", usage_text);
            vl_exit(c, 2);
        }
        size_t len;
        progbuf = read_file(c, pf, &len, "-f");
        program = progbuf;
    }
    if (!program) {
        /* jq's default program when stdin and stdout are not terminals (none in a VM) */
        program = ".";
    }
    const char *err = NULL;
    int errline = 1;
    jq_node *prog = jq_parse_program(J, program, strlen(program), false, &err, &errline);
    if (!prog) {
        /* jq shows the line and pads as many spaces as the error's column */
        size_t pos = (size_t)errline, ls = 0;
        int line = 1;
        for (size_t i = 0; i < pos && program[i]; i++)
            if (program[i] == '\n') {
                line++;
                ls = i + 1;
            }
        size_t le = ls;
        while (program[le] && program[le] != '\n') le++;
        if (program[le] == '\n') le++;
        vl_eprintf(c, "jq: error: %s at <top-level>, line %d:\n%.*s%*s\njq: 1 compile error\n", err,
                   line, (int)(le - ls), program + ls, (int)(pos - ls), "");
        vl_exit(c, 3);
    }
    J->rd = jq_reader_new(J, files, nfiles, M->raw_in);
    J->seq = M->seq;
    J->dump_flags = M->ascii ? JQ_DUMP_ASCII : 0;
    if (M->indent == 0 && !M->tab) M->compact = true;
    if (M->indent < 0) M->compact = true;
    int status = 0;
    if (M->null_in) {
        run_one(J, M, prog, jv_null(), &status);
    } else if (M->slurp) {
        jv all;
        if (M->raw_in) {
            jq_reader_raw(J, J->rd, &all, true);
            M->any_input = true;
        } else {
            all = jv_arr_new(J, 16);
            for (;;) {
                jv v;
                int r = next_input(J, M, &v);
                if (r < 0) vl_exit(c, 2);
                if (r == 0) break;
                all = jv_arr_push(J, all, v);
            }
        }
        run_one(J, M, prog, all, &status);
        jv_unref(J, all);
    } else {
        for (;;) {
            jv v;
            int r = next_input(J, M, &v);
            if (r < 0) {
                vl_exit(c, 2);
            }
            if (r == 0) break;
            status = 0; /* jq's status is the last input's */
            run_one(J, M, prog, v, &status);
            jv_unref(J, v);
        }
    }
    if (jq_reader_open_failed(J->rd) && status == 0) status = 2;
    if (status) return status;
    if (M->exit_status) {
        if (M->last_truthy < 0) return 4;
        return M->last_truthy ? 0 : 1;
    }
    return 0;
}

static const vl_opt jq_opts[] = {{0, NULL, 0, NULL, NULL}};

VL_COMMAND(jq, jq_main_fn, jq_opts, "[OPTIONS] FILTER [FILES...]",
           "Process JSON inputs with a jq filter (the jq 1.7 language).", VL_NO_OPTIONS, 2);
