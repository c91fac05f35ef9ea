/* sh.h: the state of one shell (a struct, never globals) and the interfaces between the shell's
 * parts: parser, expansion, arithmetic, variables, redirections, evaluator, builtins.
 * Everything a shell allocates lives in its process's arena (sh->p); a subshell gets a deep
 * copy made in the child's arena before the child starts. */
#ifndef SH_SH_H
#define SH_SH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "shell/node.h"

typedef struct sh_state sh_state;

/* ---- growable string (binary-safe); on memory exhaustion it sets oom and stops growing ---- */
typedef struct sh_buf {
    vk_proc *p;
    char *s;
    size_t len, cap;
    bool oom;
} sh_buf;
void sh_buf_init(sh_buf *b, vk_proc *p);
bool sh_buf_add(sh_buf *b, const void *data, size_t n);
bool sh_buf_addc(sh_buf *b, int c);
bool sh_buf_adds(sh_buf *b, const char *s);
bool sh_buf_printf(sh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand over the NUL-terminated string (NULL when oom; the buffer is then freed). */
char *sh_buf_take(sh_buf *b);
void sh_buf_free(sh_buf *b);

/* ---- options (set -o name / set -x), in the order bash prints $- ---- */
#define SH_OPTIONS(X)                                                                             \
    X(ALLEXPORT, 'a', "allexport")                                                              \
    X(NOTIFY, 'b', "notify")                                                                    \
    X(ERREXIT, 'e', "errexit")                                                                  \
    X(NOGLOB, 'f', "noglob")                                                                    \
    X(HASHALL, 'h', "hashall")                                                                  \
    X(KEYWORD, 'k', "keyword")                                                                  \
    X(MONITOR, 'm', "monitor")                                                                  \
    X(NOEXEC, 'n', "noexec")                                                                    \
    X(PRIVILEGED, 'p', "privileged")                                                            \
    X(ONECMD, 't', "onecmd")                                                                    \
    X(NOUNSET, 'u', "nounset")                                                                  \
    X(VERBOSE, 'v', "verbose")                                                                  \
    X(XTRACE, 'x', "xtrace")                                                                    \
    X(BRACEEXPAND, 'B', "braceexpand")                                                          \
    X(NOCLOBBER, 'C', "noclobber")                                                              \
    X(ERRTRACE, 'E', "errtrace")                                                                \
    X(HISTEXPAND, 'H', "histexpand")                                                            \
    X(PHYSICAL, 'P', "physical")                                                                \
    X(FUNCTRACE, 'T', "functrace")                                                              \
    X(EMACS, 0, "emacs")                                                                        \
    X(HISTORY, 0, "history")                                                                    \
    X(IGNOREEOF, 0, "ignoreeof")                                                                \
    X(INTERACTIVE_COMMENTS, 0, "interactive-comments")                                          \
    X(NOLOG, 0, "nolog")                                                                        \
    X(PIPEFAIL, 0, "pipefail")                                                                  \
    X(POSIX, 0, "posix")                                                                        \
    X(VI, 0, "vi")

enum {
#define SH_OPT_ENUM_(n, c, s) O_##n,
    SH_OPTIONS(SH_OPT_ENUM_)
#undef SH_OPT_ENUM_
    O_COUNT
};

/* shopt options, bash's whole list in its order: X(ENUM, name, on by default). Those the shell
 * does not implement are accepted and shown, and change nothing. */
#define SH_SHOPTS(X)                                                                              \
    X(AUTOCD, "autocd", false)                                                                    \
    X(ASSOC_EXPAND_ONCE, "assoc_expand_once", false)                                              \
    X(CDABLE_VARS, "cdable_vars", false)                                                          \
    X(CDSPELL, "cdspell", false)                                                                  \
    X(CHECKHASH, "checkhash", false)                                                              \
    X(CHECKJOBS, "checkjobs", false)                                                              \
    X(CHECKWINSIZE, "checkwinsize", true)                                                         \
    X(CMDHIST, "cmdhist", true)                                                                   \
    X(COMPAT31, "compat31", false)                                                                \
    X(COMPAT32, "compat32", false)                                                                \
    X(COMPAT40, "compat40", false)                                                                \
    X(COMPAT41, "compat41", false)                                                                \
    X(COMPAT42, "compat42", false)                                                                \
    X(COMPAT43, "compat43", false)                                                                \
    X(COMPAT44, "compat44", false)                                                                \
    X(COMPLETE_FULLQUOTE, "complete_fullquote", true)                                             \
    X(DIREXPAND, "direxpand", false)                                                              \
    X(DIRSPELL, "dirspell", false)                                                                \
    X(DOTGLOB, "dotglob", false)                                                                  \
    X(EXECFAIL, "execfail", false)                                                                \
    X(EXPAND_ALIASES, "expand_aliases", false)                                                    \
    X(EXTDEBUG, "extdebug", false)                                                                \
    X(EXTGLOB, "extglob", false)                                                                  \
    X(EXTQUOTE, "extquote", true)                                                                 \
    X(FAILGLOB, "failglob", false)                                                                \
    X(FORCE_FIGNORE, "force_fignore", true)                                                       \
    X(GLOBASCIIRANGES, "globasciiranges", true)                                                   \
    X(GLOBSKIPDOTS, "globskipdots", true)                                                         \
    X(GLOBSTAR, "globstar", false)                                                                \
    X(GNU_ERRFMT, "gnu_errfmt", false)                                                            \
    X(HISTAPPEND, "histappend", false)                                                            \
    X(HISTREEDIT, "histreedit", false)                                                            \
    X(HISTVERIFY, "histverify", false)                                                            \
    X(HOSTCOMPLETE, "hostcomplete", true)                                                         \
    X(HUPONEXIT, "huponexit", false)                                                              \
    X(INHERIT_ERREXIT, "inherit_errexit", false)                                                  \
    X(INTERACTIVE_COMMENTS, "interactive_comments", true)                                         \
    X(LASTPIPE, "lastpipe", false)                                                                \
    X(LITHIST, "lithist", false)                                                                  \
    X(LOCALVAR_INHERIT, "localvar_inherit", false)                                                \
    X(LOCALVAR_UNSET, "localvar_unset", false)                                                    \
    X(LOGIN_SHELL, "login_shell", false)                                                          \
    X(MAILWARN, "mailwarn", false)                                                                \
    X(NO_EMPTY_CMD_COMPLETION, "no_empty_cmd_completion", false)                                  \
    X(NOCASEGLOB, "nocaseglob", false)                                                            \
    X(NOCASEMATCH, "nocasematch", false)                                                          \
    X(NOEXPAND_TRANSLATION, "noexpand_translation", false)                                        \
    X(NULLGLOB, "nullglob", false)                                                                \
    X(PATSUB_REPLACEMENT, "patsub_replacement", true)                                             \
    X(PROGCOMP, "progcomp", true)                                                                 \
    X(PROGCOMP_ALIAS, "progcomp_alias", false)                                                    \
    X(PROMPTVARS, "promptvars", true)                                                             \
    X(RESTRICTED_SHELL, "restricted_shell", false)                                                \
    X(SHIFT_VERBOSE, "shift_verbose", false)                                                      \
    X(SOURCEPATH, "sourcepath", true)                                                             \
    X(VARREDIR_CLOSE, "varredir_close", false)                                                    \
    X(XPG_ECHO, "xpg_echo", false)                                                                

enum {
#define SH_SHOPT_ENUM_(n, s, d) SO_##n,
    SH_SHOPTS(SH_SHOPT_ENUM_)
#undef SH_SHOPT_ENUM_
    SO_COUNT
};

/* ---- variables ---- */
enum {
    VF_EXPORT = 1,
    VF_READONLY = 2,
    VF_INTEGER = 4,
    VF_ARRAY = 8,   /* indexed array: arr */
    VF_ASSOC = 16,  /* associative array: arr holds key/value pairs in bash's order */
    VF_SPECIAL = 32, /* value computed at each use: RANDOM, SECONDS, LINENO... */
    VF_LOWER = 64,   /* declare -l: values are lowercased */
    VF_UPPER = 128,  /* declare -u: values are uppercased */
    VF_TRACE = 256,  /* declare -t (kept for declare -p only) */
    VF_NAMEREF = 512, /* declare -n: val names the variable this one stands for */
    VF_CAPCASE = 1024, /* declare -c: the first character uppercased, the rest lowercased */
    VF_INVISIBLE = 2048, /* an array declared without a value (declare -a a): declare -p shows
                            no "=()" until something is assigned */
};
/* An argument a declaration builtin (declare, local, export, readonly, typeset) gets as
 * MARK "name=(list)" / MARK "name+=(list)": the list's source text, left for the builtin to
 * assign (the evaluator does not expand it like a word). A word of the script may start
 * with this byte too: only the arguments listed in sh_state.raw_lists are lists. */
#define SH_RAW_LIST '\001'


typedef struct sh_aelem {
    int64_t idx;         /* indexed: the index; associative: the insertion number */
    char *val;
    char *key;           /* associative arrays: the key (NULL otherwise) */
    uint32_t hash;       /* associative arrays: bash's hash of the key */
} sh_aelem;

typedef struct sh_var {
    char *name;
    uint64_t hash;       /* of the name, for the table */
    char *val;           /* scalar value; NULL: declared but unset (export x, local x) */
    size_t vlen, vcap;   /* when vcap != 0: val's length and allocated size (kept by +=,
                            which appends in place); 0 whenever val is replaced */
    int flags;
    sh_aelem *arr;       /* VF_ARRAY: elements sorted by idx; VF_ASSOC: in bash's hash order */
    size_t narr, carr;
    uint32_t nbuckets;   /* VF_ASSOC: the bucket count bash's table would have */
    int64_t aseq;        /* VF_ASSOC: insertions so far */
    int level;           /* function level that owns it (0: global) */
    struct sh_var *shadow; /* the outer variable a local hides */
    struct sh_var *next;   /* hash chain */
    struct sh_var *lnext;  /* stack of locals */
    bool inblock;          /* part of a child's one-block copy of the table: not freed alone */
} sh_var;

typedef struct sh_vars {
    sh_var **tab;
    size_t cap, count;
} sh_vars;

/* ---- functions ---- */
typedef struct sh_func {
    char *name;
    char *file;          /* where it was defined ("" for a -c string), in pool */
    int line;            /* the line of its definition (declare -F under extdebug) */
    sh_pool pool;        /* owns body */
    sh_node *body;
    int refs;            /* table + running calls */
    bool readonly;       /* readonly -f: not redefined, not unset */
    bool exported;       /* export -f: in children's environment as BASH_FUNC_name%% */
    struct sh_func *next;
} sh_func;

typedef struct sh_alias {
    char *name, *val;
    struct sh_alias *next;
} sh_alias;

/* the table of commands found on PATH (bash's hash): listed in bash's bucket order */
typedef struct sh_hashent {
    char *name, *path;
    int hits;
    uint32_t bucket;     /* bash's FNV-1 hash of the name, modulo its 256 buckets */
    uint64_t seq;        /* insertion order (newest first within a bucket) */
    struct sh_hashent *next;
} sh_hashent;

/* background jobs */
typedef struct sh_job {
    int pid;
    int num;             /* job number (%1); 0 for a process substitution */
    int status;          /* wait status when done */
    bool done;
    bool procsub;        /* a process substitution: not listed by jobs */
    char *cmd;           /* the command as jobs shows it */
    struct sh_job *next; /* newest first */
} sh_job;

enum { SH_TRAP_ERR = 0, SH_TRAP_DEBUG = 1, SH_TRAP_RETURN = 2 };

/* control-flow unwinding */
enum { J_NONE = 0, J_BREAK, J_CONTINUE, J_RETURN, J_EXIT };

/* saved value for a temporary assignment (x=1 cmd) */
typedef struct sh_saved {
    char *name;
    sh_var *var;         /* the detached previous variable (NULL: there was none) */
    struct sh_saved *next;
} sh_saved;

struct sh_state {
    vk_proc *p;
    sh_vars vars;
    sh_var *locals;      /* stack of local variables (lnext) */
    sh_func *funcs;
    sh_alias *aliases;
    struct sh_compspec *compspecs; /* complete's table (complete.c) */
    char **pos;          /* $1... (owned) */
    int npos;
    char *arg0;          /* $0 */
    char **dirstack;     /* pushd's stack below the current directory, top first (owned) */
    int ndirs;
    uint64_t bi_off[2];  /* enable -n: builtins turned off (bits by table index) */
    bool opt[O_COUNT];
    /* the running function's place for `local -`: the options to restore when it returns */
    struct sh_localopt {
        bool saved;
        bool opt[O_COUNT];
    } *localopt;
    bool shopt[SO_COUNT];
    bool cmode;          /* running a -c string: messages inside functions say "environment" */
    bool interactive;
    int status;          /* $? */
    int last_bg;         /* $! (0: none) */
    int jump, jump_n;    /* J_*: break/continue count, return/exit status in status */
    int loop_depth;
    int func_depth;
    int source_depth;
    int cond;            /* > 0: inside a condition, errexit is off */
    int bang;            /* > 0: inside a compound command under !: errexit is off, the ERR
                            trap still runs (without set -e) */
    bool errexit_pending;
    int subshell;        /* nesting of subshells ($BASH_SUBSHELL) */
    int xlevel;          /* extra PS4 repeats: one per enclosing command substitution */
    bool is_child;       /* a subshell process: exit ends the process */
    char *traps[VK_NSIG]; /* NULL: default; "": ignored */
    char *exit_trap;
    char *ptraps[3];     /* pseudo-signal traps: ERR, DEBUG, RETURN (SH_TRAP_*) */
    /* in a subshell, the traps of the shell it came from: what `trap` lists there until the
     * subshell sets or resets one (bash's rule, so that $(trap) shows the parent's) */
    struct sh_trapsnap *parent_traps;
    bool in_trap;
    bool sig_self;        /* kill sent a signal to this shell: take it after the command */
    struct sh_node *cur_cmd; /* the simple command running, for $BASH_COMMAND (kept while a
                                trap runs, as bash keeps it) */
    sh_job *jobs;
    int lineno;          /* line of the command being run */
    int line_base;       /* added to lines of a parsed string (eval, functions keep theirs) */
    const char *srcname; /* "bash" (argv0) for messages */
    int64_t start_ns;    /* for SECONDS */
    int64_t seconds_base;
    uint32_t optind_pos; /* getopts: position inside a bundle */
    int getopts_ind;     /* OPTIND value optind_pos refers to */
    int nest;            /* evaluator nesting (limits) */
    int arith_nest;      /* arithmetic recursion (limits) */
    bool dying;          /* the process must end: unwind */
    bool fatal;          /* a fatal shell error (unbound var, ${x?}) in a non-interactive shell */
    bool discard;        /* ...one that ends only the command being run (a bad substitution, an
                          * arithmetic error, a readonly assignment): bash jumps back to the
                          * nearest command loop (the script, eval, .), which goes on */
    bool syntax_err;     /* the last parse failed */
    struct sh_node *redir_fail_node; /* the compound command whose redirection just failed */
    bool arith_unbound;  /* an arithmetic expression met an unset variable under set -u */
    bool syntax_array;   /* ... at the end of the input inside NAME=( ... ) */
    char *sig_notice;    /* a "Killed"-style notice waiting for the redirections to go */
    struct sh_node *keep_redir_node; /* this command's redirections stay: the child ends with it */
    struct sh_node *body_node; /* a function's body about to run (its redirections' errors
                                  name the line of its {) */
    uint64_t cmd_seq;    /* simple commands begun (a circular reference warns once in each) */
    uint64_t ref_warn_seq;
    char ref_warned[64];
    char *const *raw_lists; /* the running declaration builtin's SH_RAW_LIST arguments (by
                               address, NULL-terminated; NULL: none) */
    uint32_t ign_entry;  /* signals ignored when the shell started: trap cannot catch them */
    bool bad_subscript;  /* an element assignment's index was out of range (a[-9]=x), or a
                            name reference it went through leads nowhere (circular) */
    int64_t ulim[2][32]; /* ulimit values set by the script: [0] soft, [1] hard, per
                          * resource (builtins.c's table); 0 = not set (the VM's), -1 =
                          * unlimited, else the value + 1 */
    sh_hashent *hashtab; /* hashed commands (builtins.c) */
    uint64_t hashseq;
    bool from_stdin;     /* running a script read from standard input (no "main" frame) */
    bool special_err;    /* the special builtin just run hit an error that ends a shell in
                          * posix mode (a usage error, too many arguments, a readonly
                          * assignment, a missing `.` file, a syntax error in eval) */
    sh_saved *tempenv;   /* stack of temporary assignments */
    int pipestatus[64];
    int npipestatus;
    bool pstat_dirty;    /* PIPESTATUS array must be rebuilt from pipestatus[] */
    char specbuf[1024];  /* value of a computed variable (RANDOM, LINENO, SHELLOPTS...) */
    uint64_t rand_state; /* $RANDOM after RANDOM=seed */
    bool rand_seeded;
    int rootpid;         /* $$ (subshells keep the parent's) */
    bool subst_ran;      /* a command substitution ran (status of assignment-only commands) */
    uint32_t sig_pending; /* caught signals taken from the kernel, traps not yet run */
    const char *arith_ctx; /* "((" / "let": prefix of arithmetic error messages */
    const char *parse_ctx; /* "eval" while parsing an eval string (syntax error prefix) */
    bool env_dirty;      /* an exported variable changed since sh_env_sync */
    bool pos_from_args;  /* session: $1... are the previous exec's args, not the script's */
    /* bash replaces a process of its own by its last simple command instead of forking it
     * (the last command of -c, ( cmd ), pipeline stages, $(cmd), cmd &): can_exec_last says
     * this shell is such a process, tail_node is that command once known, exec_tail tells
     * run_external to use vk_execve for the command being run */
    bool can_exec_last;
    bool exec_tail;
    sh_node *tail_node;
    int run_depth;       /* nesting of sh_run_string (1: the script itself) */
    /* the coprocess (bash keeps one): its pid (0: none), the shell's ends of its pipes (read,
     * write; -1 once closed) and its name, for NAME, NAME_PID (jobs.c) */
    int coproc_pid;
    int coproc_fd[2];
    char *coproc_name;
    int procsub_fds[32]; /* fds of <( ) >( ) open for the command being run (sh_eval closes) */
    int nprocsub;
    int call_line;       /* line the running function was called from (caller) */
    /* the call stack behind FUNCNAME, BASH_LINENO and BASH_SOURCE (rebuilt when read) */
    struct sh_frame *frames;
    int nframes, cframes;
    bool frames_dirty;
};

typedef struct sh_frame {
    const char *name;    /* function name, or "source" (borrowed: lives as long as the call) */
    const char *source;  /* file of the caller ("" for a -c string) */
    int line;            /* line of the call */
} sh_frame;

/* ---- main.c ---- */
/* Push / pop a call frame (functions and source). */
void sh_frame_push(sh_state *sh, const char *name, const char *source, int line);
void sh_frame_pop(sh_state *sh);
sh_state *sh_new(vk_proc *p, const char *argv0, char *const *env);
void sh_free(sh_state *sh);
/* Deep copy of the state into another process (not started yet). NULL when out of memory. */
sh_state *sh_clone(sh_state *sh, vk_proc *child);
/* Parse and run a whole string (a script, eval, a trap, $(...)): returns the status. */
int sh_run_string(sh_state *sh, const char *src, size_t len, int first_line);
/* the same; echo: the text counts as input read by the shell, which set -v shows (not so
 * for the text of a $(...) or a subshell, read once already with its command) */
int sh_run_source(sh_state *sh, const char *src, size_t len, int first_line, bool echo);
/* The simple command a process running node ends with, which may replace it (see tail_node). */
sh_node *sh_tail_of(sh_node *n);
/* Check for signals, limits and steps: false when the shell must unwind. Runs traps. */
bool sh_step(sh_state *sh);
void sh_run_exit_trap(sh_state *sh);
/* Run a trap action keeping $? (unless the action exits). */
void sh_run_trap(sh_state *sh, const char *action);

/* ---- util.c ---- */
void *sh_alloc(sh_state *sh, size_t n);
char *sh_strdup(sh_state *sh, const char *s);
char *sh_strndup(sh_state *sh, const char *s, size_t n);
void sh_xfree(sh_state *sh, void *ptr);
/* Error message in bash's shape: "NAME: line N: msg" on fd 2. */
void sh_error(sh_state *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, without the "line N: " part (bash leaves it out in a few places). */
void sh_error_noline(sh_state *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sh_write_str(sh_state *sh, int fd, const char *s);
/* "NAME: line N: what" (what a message from builtin what starts with) into buf. */
void sh_msg_prefix(sh_state *sh, char *buf, size_t n, const char *what);
const char *sh_strerror(int err);
bool sh_is_name(const char *s, size_t n);
bool sh_is_name_start(int c);
bool sh_is_name_char(int c);
/* bash's quoting for set -x / declare -p / trap output: 'a b' or plain */
void sh_quote(sh_buf *b, const char *s);
/* $'...' with C escapes (declare -p of a value with control characters) */
void sh_quote_ansic(sh_buf *b, const char *s);
int sh_sig_number(const char *name); /* "TERM", "SIGTERM", "15"; -1 if unknown */
const char *sh_sig_name(int sig);    /* "TERM" or NULL */
bool sh_parse_int(const char *s, int64_t *out);

/* ---- lexer.c / parser.c ---- */
typedef struct sh_parser sh_parser;
enum { PARSE_OK = 0, PARSE_EOF = 1, PARSE_ERROR = -1, PARSE_NOMEM = -2, PARSE_DEPTH = -3 };
/* Parser over src[0..len): lines are numbered from first_line. */
sh_parser *sh_parser_new(sh_state *sh, const char *src, size_t len, int first_line);
void sh_parser_free(sh_parser *ps);
/* The $? a script gets when ps failed with PARSE_ERROR and $? was status (as bash: 2, kept,
 * or 127 for an error inside $( ) in a -c string). */
int sh_parser_err_status(sh_parser *ps, int status);
/* the error was the input ending inside NAME=( ... ) (eval's status is then 1, as bash's) */
bool sh_parser_err_array(sh_parser *ps);
/* After an error that abandons only the rest of its line (a '(' inside a=( )): skip to the
 * next line and return true, the parse can go on; false for any other error. */
bool sh_parser_skip_line(sh_parser *ps);
/* Parse the next complete command (up to an unquoted newline at top level) into pool.
 * *out may be NULL for an empty line. Returns PARSE_*; an error has been reported. */
int sh_parse_next(sh_parser *ps, sh_pool *pool, sh_node **out);
/* Nothing but blanks and comments is left after the command just parsed. */
bool sh_parser_at_end(sh_parser *ps);
/* the last parse error was in a [[ ]] expression */
bool sh_parser_cond_err(const sh_parser *ps);
/* The lines the parser has read since the last call (whole lines, as bash reads them): written
 * to stderr when show (set -v), else only marked as read. */
void sh_parser_echo(sh_parser *ps, bool show);
/* report no syntax error (a probe whose failure the caller reports its own way) */
void sh_parser_quiet(sh_parser *ps);
/* Is w (source text) an assignment word: name=, name+=, name[sub]=? */
bool sh_is_assignment(const char *w);
/* s at a quote or a backslash: past the quoted text (or the escaped character); NULL when the
 * quote is not closed */
const char *sh_skip_quoted(const char *s);
/* s at '[': the offset of its matching ']' (nested brackets counted, quoted text skipped), or
 * 0 when there is none */
size_t sh_subscript_end(const char *s);
/* the '=' of assignment word w (past a subscript's brackets), or NULL when w is none */
const char *sh_assign_eq(const char *w);
/* Check that src parses completely (no run). */
int sh_parse_check(sh_state *sh, const char *src, size_t len, int line);
/* src (text read so far from a script on standard input) stops inside a command: an
 * unclosed quote, here-document or compound command, a line ending in a backslash or an
 * operator. Nothing is reported or run. Returns SH_MORE_NO (complete, or an error more text
 * cannot mend), SH_MORE_ANY (any next line may complete it), SH_MORE_CLOSE (only a line that
 * closes something: a quote, bracket, brace or keyword) or SH_MORE_DELIM (a here-document's
 * body goes on: only a line equal to delim, which is filled in, may end it). */
enum { SH_MORE_NO, SH_MORE_ANY, SH_MORE_CLOSE, SH_MORE_DELIM };
int sh_parse_incomplete(sh_state *sh, const char *src, size_t len, int line, char *delim,
                        size_t cap);
/* s[start..] is the inside of a $( ... ): the offset just after its closing paren, or n. */
size_t sh_cmdsubst_end(sh_state *sh, const char *s, size_t start, size_t n);
/* Is word (source text) an unquoted reserved word? */
bool sh_is_reserved(const char *w);

/* ---- vars.c ---- */
void sh_vars_init(sh_state *sh);
void sh_vars_free(sh_state *sh);
/* The variable called name (through namerefs), or NULL. */
sh_var *sh_var_get(sh_state *sh, const char *name);
/* name is a nameref whose target is an array element ("arr[1]"): that text, else NULL */
const char *sh_nameref_elem(sh_state *sh, const char *name);
/* name is a nameref whose chain leads back to itself (bash: "circular name reference") */
bool sh_nameref_loops(sh_state *sh, const char *name);
/* The same without following a nameref (declare -n, unset -n). */
sh_var *sh_var_get_raw(sh_state *sh, const char *name);
/* Value of a variable as $name reads it (borrowed, valid until the next change); NULL unset.
 * Specials (RANDOM, LINENO, SECONDS...) are computed into a buffer held by the state. */
const char *sh_var_value(sh_state *sh, const char *name);
/* Set a scalar; returns 0, or -1 after reporting "x: readonly variable". */
int sh_var_set(sh_state *sh, const char *name, const char *val, int addflags);
/* name+=val on a set, plain scalar (no attributes but export): appended in place, amortised
 * O(1). 1 when the variable is not such a scalar (the caller assigns the joined value), 0
 * done, -1 out of memory. */
int sh_var_append(sh_state *sh, const char *name, const char *val);
int sh_var_set_len(sh_state *sh, const char *name, size_t nlen, const char *val, int addflags);
int sh_var_unset(sh_state *sh, const char *name);
void sh_var_flag(sh_state *sh, const char *name, int flags, bool on);
/* declare -l / -u: convert s in place for v */
void sh_case_convert(sh_state *sh, const sh_var *v, char *s);
/* Unicode simple case mapping (util.c) and UTF-8 helpers: sh_u8_decode returns the length of
 * the valid sequence at s (0: an invalid byte, *cp its value); out has room for 4 bytes */
uint32_t sh_u_toupper(uint32_t c);
uint32_t sh_u_tolower(uint32_t c);
size_t sh_u8_decode(const char *s, size_t n, uint32_t *cp);
size_t sh_u8_encode(uint32_t c, char *out);
/* does the locale (LC_ALL, LC_CTYPE, LANG: the first set) use UTF-8? */
bool sh_utf8_locale(sh_state *sh);
/* v changed behind the setters' back: keep the environment in step */
void sh_var_touch(sh_state *sh, sh_var *v);
/* local: make name local at the current function level */
int sh_var_make_local(sh_state *sh, const char *name);
void sh_vars_pop_level(sh_state *sh, int level);
/* Arrays (indexed). */
const char *sh_array_get(sh_var *v, int64_t idx);
int sh_array_set(sh_state *sh, sh_var *v, int64_t idx, const char *val);
sh_var *sh_array_new(sh_state *sh, const char *name); /* cleared array variable */
/* Associative arrays: elements are listed (v->arr) in the order bash's hash table walks them,
 * so ${!m[@]} prints the keys as bash does. */
sh_var *sh_assoc_new(sh_state *sh, const char *name); /* cleared associative array */
const char *sh_assoc_get(sh_var *v, const char *key);
int sh_assoc_set(sh_state *sh, sh_var *v, const char *key, const char *val);
void sh_assoc_unset(sh_state *sh, sh_var *v, const char *key);
/* Remove element idx of an indexed array (unset a[i]). */
void sh_array_unset(sh_state *sh, sh_var *v, int64_t idx);
void sh_array_clear(sh_state *sh, sh_var *v);
/* Environment for a child: NULL-terminated "K=V" array allocated in the shell's arena, with
 * extra "K=V" strings added on top (they override). Free with sh_env_free. */
char **sh_env_build(sh_state *sh, char **extra, int nextra);
void sh_env_free(sh_state *sh, char **env);
/* Make the process environment (vk_environ) match the exported variables, when one changed
 * since the last sync: builtins run in the shell's process read it (echo sees LC_ALL). */
void sh_env_sync(sh_state *sh);
/* Sorted list of all variables (for set / export -p); free the array only. */
sh_var **sh_vars_sorted(sh_state *sh, size_t *n);
/* Temporary assignments (x=1 cmd): push saves the old value, pop restores them all. */
int sh_tempenv_push(sh_state *sh, const char *name, const char *val);
void sh_tempenv_hide(sh_state *sh, sh_saved *mark, bool hide);
void sh_tempenv_pop(sh_state *sh, sh_saved *mark);
sh_var *sh_var_copy_table(sh_state *dst, sh_state *src);

/* ---- expand.c ---- */
/* Expand words into fields (all expansions, field splitting, globbing, quote removal).
 * Returns 0 and fields (NULL-terminated, freed with sh_fields_free), or -1 after an error
 * was reported (status set in sh->status). */
int sh_expand_words(sh_state *sh, char **words, int nwords, char ***fields, int *nfields);
/* The brace expansion of the source text w (set -B): a NULL-terminated array of n new words
 * (free with sh_fields_free), or NULL when out of memory or over the expansion limit. */
char **sh_brace_words(sh_state *sh, const char *w, size_t *n);
/* Expand one word without field splitting and globbing (assignments, redirection targets
 * for a non-interactive shell's "ambiguous redirect" check is done by sh_expand_redir). */
char *sh_expand_str(sh_state *sh, const char *word);
/* (( )) text: expanded as $(( )) expands its text; NULL after an error */
char *sh_expand_arith(sh_state *sh, const char *text);
/* Expand a word for a redirection target: one field or an "ambiguous redirect" error. */
char *sh_expand_redir(sh_state *sh, const char *word);
/* Here-doc body: $, ` and \ expansions only. */
char *sh_expand_heredoc(sh_state *sh, const char *body);
/* A case pattern: expanded, with quoted characters escaped for the matcher. */
char *sh_expand_pattern(sh_state *sh, const char *word);
/* The same with every quoted character escaped ([[ == ]], whose trace shows it so). */
char *sh_expand_pattern_all(sh_state *sh, const char *word);
/* An =~ operand: quoted characters special to an extended regex are escaped. */
char *sh_expand_regex(sh_state *sh, const char *word);
/* One word, no field splitting, no globbing ([[ ]] operands). */
char *sh_expand_word(sh_state *sh, const char *word);
void sh_fields_free(sh_state *sh, char **fields);
/* v with its case changed into b: mode 'u' upper, 'l' lower, 't' toggle; all: every
 * character (else the first); pat: only the characters it matches; utf8: by characters
 * (Unicode's simple mappings), else ASCII bytes */
void sh_case_modify(sh_buf *b, const char *v, const char *pat, char mode, bool all, bool utf8);
/* <(src) (out false) / >(src): start it and return "/dev/fd/N" for the fd the shell keeps
 * open until the command that expanded it ends (sh_procsub_close); NULL after a message. */
char *sh_process_subst(sh_state *sh, const char *src, size_t len, bool out);
/* Close the process substitution fds above mark, reaping those that ended. */
void sh_procsub_close(sh_state *sh, int mark);
/* Run a command substitution and return its output without trailing newlines. */
char *sh_command_subst(sh_state *sh, const char *src, size_t len);

/* ---- cond.c ---- */
bool sh_cond_is_unary(const char *s);
bool sh_cond_is_binary(const char *s, bool dbl); /* dbl: [[ (adds =~) */
int sh_test_builtin(sh_state *sh, int argc, char **argv);
int sh_eval_cond(sh_state *sh, sh_node *n);

/* ---- pattern.c ---- */
/* Shell pattern match (* ? [...] with \ escaping); whole string, bytewise. */
bool sh_pmatch(const char *pat, const char *str);
bool sh_pmatch_len(const char *pat, const char *str, size_t len);
/* How a pattern is matched: SH_PM_EXT extended patterns (@(a|b) *(x) ...), SH_PM_UTF8 by
 * UTF-8 characters (bytewise when either side is not valid UTF-8, as bash's [[ ]], case and
 * globbing), SH_PM_LAX with it: an invalid byte is one character (bash's ${x#p}, ${x/p/r}). */
enum { SH_PM_EXT = 1, SH_PM_UTF8 = 2, SH_PM_LAX = 4 };
/* SH_PM_EXT when ext, SH_PM_UTF8 in a UTF-8 locale */
int sh_pmode(sh_state *sh, bool ext);
/* The same as sh_pmatch, in mode (SH_PM_*; a bool true is SH_PM_EXT). */
bool sh_pmatch_ext(const char *pat, const char *str, int mode);
bool sh_pmatch_len_ext(const char *pat, const char *str, size_t len, int mode);
/* The byte length every string that pat matches has, or -1 when it varies (a star, an
 * extended group, ? or [...] in SH_PM_UTF8 mode): ${s//lit/x}, ${s#?} and the like then try
 * one length per position. */
long sh_pattern_fixed_len(const char *pat, int mode);
/* Is k (<= n) at the start of a character of v? (a byte inside a valid UTF-8 sequence is not) */
bool sh_u8_boundary(const char *v, size_t n, size_t k);
/* [[ == ]] and case: pattern matching that honours shopt nocasematch (and the locale) */
bool sh_pmatch_case(sh_state *sh, const char *pat, const char *str, bool ext);
/* Prefix/suffix match lengths for ${x#p} etc: the length of the shortest/longest prefix
 * (or suffix) of str that pat matches, or -1. */
bool sh_has_glob(const char *pat);
/* Glob a pattern (escaped form) against the file system: sorted matches, or 0 of them. */
int sh_glob(sh_state *sh, const char *pat, char ***out, int *nout);

/* ---- arith.c ---- */
/* Evaluate an arithmetic expression (already expanded). 0 ok, -1 after bash's message. */
int sh_arith(sh_state *sh, const char *expr, int64_t *out);

/* ---- redir.c ---- */
typedef struct sh_redir_save {
    int fd, saved; /* saved: the copy of fd before (or -1: fd was closed) */
} sh_redir_save;
typedef struct sh_redir_undo {
    sh_redir_save *s;
    int n, cap;
} sh_redir_undo;
/* Apply redirections; with undo, remember how to restore. Returns 0, or -1 after reporting
 * (what was applied so far is recorded in undo). */
int sh_redirect(sh_state *sh, sh_redir *r, sh_redir_undo *undo);
void sh_redir_restore(sh_state *sh, sh_redir_undo *undo);

/* ---- eval.c ---- */
int sh_eval(sh_state *sh, sh_node *n);
/* Run a function or the body of a script-level call */
int sh_call_function(sh_state *sh, sh_func *f, char **argv, int argc);
sh_func *sh_func_get(sh_state *sh, const char *name);
int sh_func_define(sh_state *sh, const char *name, sh_node *body);
void sh_func_unref(sh_state *sh, sh_func *f);
int sh_func_unset(sh_state *sh, const char *name);
/* Find an executable in PATH: an arena string (sh_xfree), or NULL. */
char *sh_path_search(sh_state *sh, const char *name);
/* One xtrace line: PS4 (expanded, its first character repeated per subshell level) then text
 * (which ends with a newline). */
void sh_xtrace_line(sh_state *sh, const char *text);
/* Set $? and PIPESTATUS for a single command. */
void sh_set_status(sh_state *sh, int status);
/* name=(list) / name+=(list): list is the source text inside the parentheses ([k]=v elements
 * and words expanded with splitting and globbing). kind: VF_ARRAY or VF_ASSOC to force the
 * type (declare -a / -A), 0 to keep the variable's. 0, or -1 after a message. */
int sh_assign_list(sh_state *sh, const char *name, const char *list, bool append, int kind);
/* name[sub]=val (sub: source text of the subscript) with += when append. */
int sh_assign_elem(sh_state *sh, const char *name, const char *sub, const char *val,
                   bool append);
/* Run an expanded command line (function, builtin or external) with its assignments and
 * redirections; sets $?. keep: the redirections stay in force after it (the process ends
 * with this command, and its EXIT trap sees them, as bash's). */
int sh_run_command(sh_state *sh, char **argv, int argc, char **assigns, int nassigns,
                   sh_redir *redirs, bool keep);
/* exec cmd: replace the shell's process by the external command argv (vk_execve, with
 * argv[0] shown as argv0 when not NULL, an empty environment with clear_env). Returns only
 * when that fails: the status, after bash's messages. */
int sh_exec_replace(sh_state *sh, char **argv, const char *argv0, bool clear_env);
/* A job spec (%1 %% %+ %- %name %?text) or NULL after bash's message (bname: the builtin). */
sh_job *sh_job_find(sh_state *sh, const char *spec, const char *bname);
/* Wait for a background pid (or all): the shell's status. */
int sh_wait_pid(sh_state *sh, int pid, bool *found);
/* the shell closed fd: if it is one of the coprocess's pipes, NAME[i] becomes -1 (jobs.c) */
void sh_coproc_fd_closed(sh_state *sh, int fd);
/* forget the coprocess (its name's memory; the fds are left as they are) */
void sh_coproc_free(sh_state *sh);

/* ---- print.c ---- */
/* A command on one line as bash shows it in jobs ("sleep 1", "{ a; b; }"). */
void sh_print_command(sh_buf *b, sh_node *n);
/* bash's notice for a command that a signal ended, kept until sh_flush_notice (jobs.c) */
void sh_notify_signal(sh_state *sh, int ws, int pid, sh_node *cmd, const char *text, bool bg);
void sh_flush_notice(sh_state *sh);
/* run command_not_found_handle in a subshell for argv (jobs.c) */
int sh_run_cnf(sh_state *sh, char **argv, int argc);
/* "name () \n{ \n    ...\n}" as bash prints a function (no final newline). */
void sh_print_function(sh_buf *b, const char *name, sh_node *body, int indent);
/* An exported function's value in the environment, as bash writes it: "() {  cmd;\n ...}"
 * (the text of declare -f with the name dropped and each line's indent cut to one blank).
 * In sh's arena; NULL when out of memory. */
char *sh_func_env_text(sh_state *sh, const char *name, sh_node *body);
/* Define the functions the environment exports (BASH_FUNC_name%%=() {...}): a value that is
 * not exactly one definition of that name is refused with bash's messages. */
void sh_import_functions(sh_state *sh, char *const *env);

/* ---- builtins.c ---- */
/* The hash table of commands: the hashed path of name (NULL: none), adding (or replacing)
 * an entry, forgetting all (PATH assigned, hash -r), copying into a subshell's state. */
const char *sh_hash_find(sh_state *sh, const char *name);
/* set -o posix / +o posix (and --posix, sh): the option and the shopts it implies */
void sh_set_posix(sh_state *sh, bool on);
/* ...the options only (for POSIXLY_CORRECT's own assignment and unset) */
void sh_posix_opts(sh_state *sh, bool on);
/* An array's elements as declare -p shows them ("([0]="a" [1]="b")"), or with decl false as
 * ${a[@]@K} does ("0 "a" 1 "b""; an associative array's pairs each end with a space). */
void sh_decl_elems(sh_buf *b, sh_var *v, bool decl);
void sh_hash_add(sh_state *sh, const char *name, const char *path, int hits);
void sh_hash_clear(sh_state *sh);
bool sh_hash_copy(sh_state *c, const sh_state *sh);
typedef int (*sh_builtin_fn)(sh_state *sh, int argc, char **argv);
/* One builtin's declaration. Its options are read with bash's rules by lib/cmd.h's vl_bopts
 * (bash's internal_getopt) from the opts table, which says which letters are flags, which take
 * an argument and which also come as +x; a builtin whose words follow other rules (set -o, kill
 * -SIG, dirs +N, exit N...) has no table and says why where it reads them. */
typedef struct sh_builtin {
    const char *name;
    sh_builtin_fn fn;
    bool special;               /* POSIX special builtin */
    const char *usage;          /* "cd [-L|[-P [-e]] [-@]] [dir]" */
    const char *desc;           /* one line, for --help and help */
    const struct vl_opt *opts;  /* options (ended by id 0), or NULL */
    bool help_is_arg;           /* --help is an ordinary argument (echo, test, true...) */
} sh_builtin;
/* Run builtin bi (argv[0] its name). NAME --help as the first word prints the builtin's usage
 * and description and returns 2, as bash does (unless help_is_arg). */
int sh_builtin_run(sh_state *sh, const sh_builtin *bi, int argc, char **argv);
const sh_builtin *sh_builtin_find(const char *name);
/* declare -p's line for v (with its newline) */
void sh_var_decl(sh_state *sh, sh_buf *b, sh_var *v);
/* the k-th builtin of the table (sorted by name), NULL past its end */
const sh_builtin *sh_builtin_at(size_t k);
/* set -o's option names (O_COUNT) and shopt's (SO_COUNT), in their tables' order */
const char *const *sh_set_option_names(void);
const char *const *sh_shopt_names(void);

/* The whole of a VM file (path NULL: stdin) in p's arena, NUL-terminated, its length in *len;
 * NULL with *err (VOS_EISDIR, VOS_ENOMEM, the open's error). */
char *sh_read_file(vk_proc *p, const char *path, size_t *len, int *err);

/* ---- complete.c ---- */
int sh_bi_compgen(sh_state *sh, int argc, char **argv);
int sh_bi_complete(sh_state *sh, int argc, char **argv);
int sh_bi_compopt(sh_state *sh, int argc, char **argv);
void sh_comp_free(sh_state *sh);

/* ---- the traps a subshell lists (builtins.c) ---- */
typedef struct sh_trapsnap {
    char *exit_trap;
    char *traps[VK_NSIG];
    char *ptraps[3];
} sh_trapsnap;
/* c's copy of what sh lists (its own snapshot when it has one); false when out of memory */
bool sh_trapsnap_copy(sh_state *c, const sh_state *sh);
void sh_trapsnap_free(sh_state *sh);
bool sh_comp_copy(sh_state *to, const sh_state *from);
/* the builtin name runs as: NULL when there is none or enable -n turned it off */
const sh_builtin *sh_builtin_get(sh_state *sh, const char *name);
/* "NAME: line N: builtin: msg" */
void sh_builtin_error(sh_state *sh, const char *bname, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
