/* testexpr.h: the one parser of test and [ expressions, for the command (src/cmd/test.c, GNU's
 * messages) and the shell's builtin (src/shell/cond.c, bash's): POSIX's rules by argument count,
 * then bash's precedence parser (! ( ) -a -o) beyond four arguments, and the primaries both
 * evaluate alike. What differs (the unary primaries, integer syntax, message text) comes from
 * the caller's vl_test_ops. It never prints by itself and never unwinds past its caller. */
#ifndef VL_TESTEXPR_H
#define VL_TESTEXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/kernel.h"

/* The syntax errors; in brackets, the word reported with each. */
typedef enum vl_test_err {
    VL_TEST_NEED_ARG,     /* an operand is missing after [the word before, or ""] */
    VL_TEST_NEED_PAREN,   /* the words end where ')' should come [NULL] */
    VL_TEST_PAREN_FOUND,  /* [the word] stands where ')' should */
    VL_TEST_NEED_UNARY,   /* [the word] is not a unary operator */
    VL_TEST_NEED_BINARY,  /* [the word] is not a binary operator */
    VL_TEST_EXTRA,        /* [the first word] left over after a whole expression */
    VL_TEST_BAD_INTEGER,  /* [the operand] of an integer comparison is not an integer */
} vl_test_err;

typedef struct vl_test vl_test;

typedef struct vl_test_ops {
    const char *unary_ops; /* the letters X for which -X is a unary primary */
    /* Evaluate the unary primary -op a (op is one of unary_ops). */
    bool (*unary)(vl_test *t, char op, const char *a);
    /* Evaluate a binary primary other than the string comparisons (= == != < >): the file
     * comparisons, and the integer ones, which vl_test_int_binary does. */
    bool (*binary)(vl_test *t, const char *a, const char *op, const char *b);
    /* Parse an integer operand; false when s is not one (nothing reported). */
    bool (*integer)(const char *s, int64_t *v);
    /* Print the message of a syntax error (only the first of a run gets here). */
    void (*report)(vl_test *t, vl_test_err err, const char *arg);
} vl_test_ops;

struct vl_test {
    const vl_test_ops *ops;
    void *ud;         /* the caller's state (a vl_ctx, an sh_state) */
    const char *name; /* for messages: "test", "[", or a longer prefix */
    char **argv;      /* the operands (without the command name and the closing "]") */
    int argc, pos;
    bool err;         /* an error was reported: stop evaluating, the value means nothing */
};

/* Evaluate argv[0..argc) (borrowed): 0 true, 1 false, 2 after a syntax error, which
 * ops->report has printed. Errors unwind by return; nothing here jumps. */
int vl_test_run(const vl_test_ops *ops, void *ud, const char *name, int argc, char **argv);

/* For the callbacks: report err with arg (the first error of a run only) and mark the run
 * failed; the callback may then return anything. */
void vl_test_fail(vl_test *t, vl_test_err err, const char *arg);
/* Parse an integer operand by ops->integer; reports VL_TEST_BAD_INTEGER when it is not one. */
bool vl_test_integer(vl_test *t, const char *s, int64_t *v);
/* a OP b for OP in -eq -ne -lt -le -gt -ge, operands parsed by vl_test_integer. */
bool vl_test_int_binary(vl_test *t, const char *a, const char *op, const char *b);
/* x OP y for OP in -eq -ne -lt -le -gt (anything else is -ge). */
bool vl_test_int_compare(const char *op, int64_t x, int64_t y);

/* Is s -X with X in letters? */
bool vl_test_is_unary(const char *letters, const char *s);
/* Is s one of test's binary operators (= == != < > -eq -ne -lt -le -gt -ge -nt -ot -ef)? */
bool vl_test_is_binary(const char *s);

/* The file primaries both sides share, through the kernel calls of process p: the unary ones
 * (-a -b -c -d -e -f -g -G -h -k -L -N -O -p -r -s -S -u -w -x; false for any other op) and
 * -nt -ot -ef (op is one of those three). */
bool vl_test_file(vk_proc *p, char op, const char *a);
bool vl_test_file_compare(vk_proc *p, const char *a, const char *op, const char *b);

/* bash's wording of err, a printf format taking the word as its one %s (when it has one). */
const char *vl_test_bash_fmt(vl_test_err err);

#endif
