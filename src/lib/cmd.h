/* cmd.h: what every command in src/cmd/ is built on: the declaration (name, usage, options,
 * help) that VL_COMMAND turns into a registry entry, GNU-style option parsing, buffered
 * stdout, line input, and coreutils-shaped error reporting. A command reaches the host only
 * through the kernel's system calls (kernel/kernel.h); it never calls libc's file, process
 * or environment functions. */
#ifndef VL_CMD_H
#define VL_CMD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

/* ---- declaration ---- */
enum {
    VL_NOARG = 0,  /* a flag */
    VL_ARG = 1,    /* takes an argument (-n 5, -n5, --lines=5, --lines 5) */
    VL_OPTARG = 2, /* optional argument, only as --long=x or -xVALUE */
    VL_PLUS = 8,   /* or'ed in, bash builtins only: the option also comes as +x (declare +i) */
};

typedef struct vl_opt {
    int id;           /* the short option char, or a value >= 256 for long-only options */
    const char *lng;  /* long name without "--", or NULL */
    int arg;          /* VL_NOARG / VL_ARG / VL_OPTARG */
    const char *argname; /* for --help ("NUM") */
    const char *help;    /* one line for --help; NULL hides the option */
} vl_opt;

enum {
    VL_STOP_AT_OPERAND = 1, /* options end at the first operand (env, nice, ...) */
    VL_NO_OPTIONS = 2,      /* the command parses its argv itself (echo, [, true) */
};

typedef struct vl_ctx vl_ctx;
typedef int (*vl_main_fn)(vl_ctx *c, int argc, char **argv);

typedef struct vl_cmd_decl {
    const char *name;
    vl_main_fn main;
    const vl_opt *opts;  /* terminated by an entry with id 0 */
    const char *usage;   /* "[OPTION]... [FILE]..." */
    const char *help;    /* description after the usage line; may hold "\n" */
    int flags;           /* VL_STOP_AT_OPERAND... */
    int usage_status;    /* exit status for usage errors (GNU: 1 for most, 2 for ls, 125 env) */
} vl_cmd_decl;

/* Declare a command: VL_COMMAND(head, head_main, head_opts, "usage", "help", flags, status).
 * The build finds every VL_COMMAND in src/cmd and src/shell and generates the registry. For
 * a command whose name is not a C identifier use VL_COMMAND_NAMED(ident, "name", ...). */
#define VL_COMMAND_NAMED(ident, cname, mainfn, optv, usg, hlp, flg, ustatus)                     \
    const vl_cmd_decl vl_cmd_##ident = {cname, mainfn, optv, usg, hlp, flg, ustatus}
#define VL_COMMAND(ident, mainfn, optv, usg, hlp, flg, ustatus)                                  \
    VL_COMMAND_NAMED(ident, #ident, mainfn, optv, usg, hlp, flg, ustatus)

/* The registry (generated): sorted by name. */
const vl_cmd_decl *vl_cmd_find(const char *name);
extern const vl_cmd_decl *const vl_cmd_table[];
extern const size_t vl_cmd_count;

/* ---- the running command ----
 * vl_run sets a jump point in the ctx: vl_exit/vl_die unwind only to vl_run (never past it), so
 * the shell can run a command in its own process as a builtin (echo, printf, test...) with
 * vl_run. Everything vl_x* allocates belongs to the ctx and is freed when vl_run returns. */
typedef struct vl_optval {
    int count;        /* times given */
    int last;         /* position (1-based order among all options) of the last occurrence */
    const char *arg;  /* argument of the last occurrence (or NULL) */
} vl_optval;

typedef struct vl_buf {
    char *data;
    size_t len, cap;
} vl_buf;

struct vl_ctx {
    vk_proc *p;
    const vl_cmd_decl *decl;
    const char *name;     /* program name for messages: argv[0] as GNU tools use it */
    vl_optval *opt;       /* indexed like decl->opts, sized from it (arena) */
    int nopt;             /* entries in decl->opts */
    int status;           /* exit status so far (vl_error sets 1 unless set higher) */
    char *outbuf;         /* stdout buffer */
    size_t outlen, outcap;
    bool out_error;       /* a write to stdout failed */
    jmp_buf jb;           /* vl_exit unwinds here (set by vl_run) */
    void *allocs;         /* list of vl_x* allocations, freed by vl_run */
    /* Set by vl_run_builtin: the command runs as a bash builtin. It then prints bash's
     * messages where bash and GNU differ (test, printf), usage errors in bash's shape
     * ("PREFIX: -x: invalid option" + "NAME: usage: BASH_USAGE", status 2), and echo
     * takes no --help. name is then the full prefix ("bash: line 3: test"). */
    bool builtin;
    const char *bash_usage; /* "pwd [-LP]" (builtin mode; NULL: decl->usage) */
};

/* Run a command as the main program of process p (what vk_execve calls). Never ends the
 * process: returns the exit status (141 when stdout hit EPIPE) after flushing stdout, closing
 * what vl_in_open opened and freeing every vl_x* allocation. */
int vl_run(vk_proc *p, const vl_cmd_decl *d, int argc, char **argv);
/* Run a command as a bash builtin in the shell's own process (echo, printf, test, [, true,
 * false, pwd): like vl_run, but messages start with prefix ("bash: line 3: test") and usage
 * errors take bash's shape, using bash_usage ("pwd [-LP]"; NULL: decl->usage) and status 2.
 * argv[0] is the command name. prefix is borrowed for the call. */
int vl_run_builtin(vk_proc *p, const vl_cmd_decl *d, const char *prefix, const char *bash_usage,
                   int argc, char **argv);

/* Parse options from argv (argv[0] is the program name). GNU rules: bundling (-abc), -n5,
 * --long=x, --long x, unambiguous prefixes of long names, "--" ends options, "-" is an
 * operand; operands and options may mix unless VL_STOP_AT_OPERAND. Handles --help (prints
 * the generated help, exits 0) and --version. On a bad option prints GNU's message and
 * "Try 'NAME --help' for more information." and exits with usage_status.
 * Returns the number of operands, moved to argv[1..n] in order (argv[n+1] = NULL). */
int vl_getopt(vl_ctx *c, int argc, char **argv);
/* Option results, by id. */
bool vl_has(vl_ctx *c, int id);
int vl_count(vl_ctx *c, int id);
const char *vl_arg(vl_ctx *c, int id);   /* argument of the last occurrence, or NULL */
int vl_last(vl_ctx *c, int id);          /* order position of the last occurrence, 0 if none */
/* Print the generated --help text to stdout. */
void vl_help(vl_ctx *c);
/* Print "NAME (vos) VERSION" to stdout (what --version does). */
void vl_version(vl_ctx *c);
/* Usage error: "NAME: msg\nTry 'NAME --help' for more information." then exit. */
_Noreturn void vl_usage_error(vl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After a usage message the command printed itself: "Try 'NAME --help'..." (bash's usage
 * line for a builtin), then exit with the usage status. */
_Noreturn void vl_try_help(vl_ctx *c);

/* ---- bash builtins' options ----
 * The rules of bash's own option reader (internal_getopt), shared by the shell's builtins and
 * the commands run as builtins (vl_run_builtin): options end at the first word that is not one
 * (not starting with '-', or with '+' when the table has VL_PLUS options; "-" and "+" alone are
 * operands); "--" ends them and is skipped; bundles (-abc); an option's argument attached (-n5)
 * or in the next word (-n 5), or only attached for VL_OPTARG; "--help" as a whole word asks for
 * the builtin's help. The table is a vl_opt array ended by id 0, whose ids are the letters
 * (lng, argname and help are not used). Reading stops at the first error. */
typedef struct vl_bopts {
    const vl_opt *opts;
    int argc;
    char **argv;
    int ind;         /* word being read; once options end, the first operand */
    int pos;         /* position in argv[ind] (0: at the start of a word) */
    const char *arg; /* argument of the option just returned, or NULL */
    bool plus;       /* the option just returned came as +x */
    char bad[3];     /* after an error, the option it names: "-z", "+z", "--" */
} vl_bopts;

enum {
    VL_BOPT_END = 0,      /* no more options: operands start at ind */
    VL_BOPT_HELP = -1,    /* "--help" */
    VL_BOPT_INVALID = -2, /* bad names an option not in the table */
    VL_BOPT_NEEDARG = -3, /* bad names an option whose argument is missing */
};

void vl_bopts_init(vl_bopts *g, const vl_opt *opts, int argc, char **argv);
/* The next option's letter (> 0), or a VL_BOPT_* code. */
int vl_bopts_next(vl_bopts *g);
/* bash's usage line on fd 2: "NAME: usage: USAGE". */
void vl_bash_usage(vk_proc *p, const char *name, const char *usage);
/* bash's message for a VL_BOPT_INVALID / VL_BOPT_NEEDARG code rc on fd 2 ("PREFIX: -z: invalid
 * option", "PREFIX: -a: option requires an argument", PREFIX being "bash: line 3: read"), then
 * the usage line. Returns 2, the status bash gives. */
int vl_bash_opt_error(vk_proc *p, const char *prefix, const vl_bopts *g, int rc, const char *name,
                      const char *usage);

/* ---- errors (coreutils' shape: "NAME: message") ---- */
void vl_error(vl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "NAME: what: strerror(err)" (err is a negative VOS code); sets status 1 */
void vl_perror(vl_ctx *c, const char *what, int err);
_Noreturn void vl_die(vl_ctx *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Message text for a negative code, as the C library's strerror would give it. */
const char *vl_strerror(int err);
/* exit the command: flushes stdout first */
_Noreturn void vl_exit(vl_ctx *c, int status);
/* Quote a file name the way GNU's error messages do ('a b', "it's", plain when safe). */
const char *vl_quote(vl_ctx *c, const char *s);
/* GNU quotearg's shell-escape styles. vl_quote(c, s) is vl_quote_style(c, s, VL_Q_COLON)
 * (coreutils' quotef: what "cat: 'a:b': No such file" uses); VL_Q_ALWAYS quotes even safe
 * names ("head: cannot open 'x' for reading"). The result lives in the arena. */
enum { VL_Q_ALWAYS = 1, VL_Q_COLON = 2 };
const char *vl_quote_style(vl_ctx *c, const char *s, int flags);
/* vl_quote_style(c, s, VL_Q_ALWAYS): GNU's quote(), 'x' */
const char *vl_quote_always(vl_ctx *c, const char *s);

/* ---- memory (process arena; on exhaustion they end the command with "memory exhausted") */
void *vl_xmalloc(vl_ctx *c, size_t n);
void *vl_xcalloc(vl_ctx *c, size_t n, size_t size);
void *vl_xrealloc(vl_ctx *c, void *p, size_t n);
char *vl_xstrdup(vl_ctx *c, const char *s);
void vl_xfree(vl_ctx *c, void *p);

/* ---- output: buffered stdout ---- */
void vl_write(vl_ctx *c, const void *data, size_t n);
void vl_puts(vl_ctx *c, const char *s); /* no newline added */
void vl_putc(vl_ctx *c, int ch);
void vl_printf(vl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flush stdout; returns 0 or a negative code (EPIPE ends the command as SIGPIPE would). */
int vl_flush(vl_ctx *c);
/* Write to stderr unbuffered (stdout is flushed first). */
void vl_eprintf(vl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write all of buf to fd; returns 0 or a negative code. */
int vl_write_fd(vl_ctx *c, int fd, const void *buf, size_t n);

/* ---- input ---- */
typedef struct vl_in {
    int fd;
    bool close_fd;
    char *buf;
    size_t pos, len, cap;
    bool eof;
    int err;
    const char *name; /* "-" for stdin, for messages */
} vl_in;
/* Open path for reading ("-" is stdin). Returns NULL after reporting
 * "NAME: path: No such file or directory" (and setting status 1). */
vl_in *vl_in_open(vl_ctx *c, const char *path);
vl_in *vl_in_fd(vl_ctx *c, int fd, const char *name);
/* Read up to n bytes; 0 at end, negative on error. */
ssize_t vl_in_read(vl_ctx *c, vl_in *in, void *buf, size_t n);
/* Next line including its delimiter (the last line may lack it). *line points into an
 * internal buffer valid until the next call; returns the length, 0 at end, negative on
 * error. */
ssize_t vl_in_getdelim(vl_ctx *c, vl_in *in, int delim, char **line);
void vl_in_close(vl_ctx *c, vl_in *in);
/* Open path for reading without reporting anything: NULL and *err (a negative code) on
 * failure, for commands whose message differs ("head: cannot open 'x' for reading: ..."). */
vl_in *vl_in_open_quiet(vl_ctx *c, const char *path, int *err);

/* Run fn on every operand argv[1..n] in turn ("-", or no operand at all, is standard input),
 * with head/tail's "==> name <==" headers (always with verbose, never with quiet, else when
 * there are several), reporting files that cannot be opened or read. Returns c->status. */
typedef int (*vl_each_fn)(vl_ctx *c, vl_in *in, void *arg);
int vl_each_with_headers(vl_ctx *c, int n, char **argv, bool quiet, bool verbose,
                         vl_each_fn fn, void *arg);

/* ---- growable buffer (binary-safe) ---- */
void vl_buf_add(vl_ctx *c, vl_buf *b, const void *data, size_t n);
void vl_buf_addc(vl_ctx *c, vl_buf *b, int ch);
void vl_buf_adds(vl_ctx *c, vl_buf *b, const char *s);
void vl_buf_printf(vl_ctx *c, vl_buf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vl_buf_free(vl_ctx *c, vl_buf *b);

/* ---- helpers ---- */
/* Parse a decimal integer with GNU's size suffixes when suffixes != NULL ("bkKmMgG..."):
 * returns 0 or VOS_EINVAL / VOS_ERANGE (negative, like every VOS_E* code). */
int vl_parse_int(const char *s, int64_t *out, bool allow_suffixes);
/* A count as GNU's xstrtoumax reads it (head -n, tail -c): suffixes allowed, no sign, values up
 * to UINT64_MAX accepted and clamped to INT64_MAX (more than any input holds); VOS_ERANGE only
 * past 64 bits ("Value too large for defined data type"), VOS_EINVAL when malformed. */
int vl_parse_count(const char *s, int64_t *out);
/* Join dir and name with one '/', in the arena. */
char *vl_path_join(vl_ctx *c, const char *dir, const char *name);
/* Base name / dir name as basename(1) / dirname(1) compute them (arena strings). */
char *vl_basename(vl_ctx *c, const char *path);
char *vl_dirname(vl_ctx *c, const char *path);
/* Format mode bits as ls does ("-rw-r--r--"), into out[11]. */
void vl_mode_string(uint32_t mode, char out[11]);

#endif
