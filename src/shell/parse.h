/* parse.h: what the lexer and the parser share (private to lexer.c and parser.c): the parser
 * state, the token kinds, and the lexer's entry points. Nothing else includes it. */
#ifndef SH_PARSE_H
#define SH_PARSE_H

#include "shell/sh.h"

enum {
    T_EOF = 0,
    T_NL,
    T_WORD,
    T_SEMI,      /* ; */
    T_DSEMI,     /* ;; */
    T_SEMIAND,   /* ;& */
    T_DSEMIAND,  /* ;;& */
    T_AMP,       /* & */
    T_AND,       /* && */
    T_PIPE,      /* | */
    T_PIPEAMP,   /* |& */
    T_OR,        /* || */
    T_LPAREN,
    T_RPAREN,
    T_REDIR,     /* op in tok_op, fd in tok_fd */
    T_DLPAREN,   /* (( at command start: arithmetic command, text in tok_text */
};

typedef struct hd_pending {
    sh_redir *r;
    struct hd_pending *next;
} hd_pending;

struct sh_parser {
    sh_state *sh;
    const char *src;
    size_t len, pos;
    int line;
    sh_pool *pool;
    /* current token */
    int tok;
    char *tok_text;   /* T_WORD / T_DLPAREN text in pool */
    int tok_op, tok_fd;
    char *tok_var;    /* {name}> : name (in pool), else NULL */
    bool tok_strip;   /* <<- */
    int tok_line;
    int cond_line;    /* the line of the [[ being parsed (its end-of-text errors name it) */
    size_t tok_start; /* offset of the token in src */
    bool have_tok;
    bool cmd_start;   /* the next token is in command position (for (( )) */
    int prev_tok;          /* the token before the one being read (T_EOF at the start) */
    bool prev_word_opens;  /* it was a word after which a command starts (then, do, a=1...) */
    bool assign_pos;  /* the next word may still be an assignment (before the command name):
                         a[i + 1]=x keeps its blanks inside the brackets */
    hd_pending *hd;   /* here-docs waiting for the next newline */
    int depth;        /* nesting, against the limit */
    int lexdepth;     /* nested $( ${ $(( inside one word, against the same limit */
    int err;          /* PARSE_ERROR / PARSE_NOMEM after the first error */
    int err_kind;     /* ERRK_*: what the first reported error does to $? */
    size_t err_pos;   /* where the lexer was then */
    bool sub;         /* a $(...) being checked: ')' ends it */
    int sub_eof_line; /* nonzero: the line to report an unclosed $( at (a "$((" that was not
                         arithmetic: bash names the line it began on) */
    bool quiet;       /* do not report (used when probing) */
    bool cond_err;    /* the error was in a [[ ]] expression: bash leaves $? as it was */
    bool hit_eof;     /* the error (or an unclosed here-document) is at the end of the text:
                         more input could complete the command */
    char eof_delim[128]; /* the here-document that met the end of the text: its delimiter
                            (empty if none or too long); only a line equal to it goes on */
    size_t echoed;    /* set -v: the text before this offset was read (echoed if verbose) */
    bool own_src;     /* src was allocated by the parser (alias expansion replaces it) */
    /* aliases being expanded: a word inside [0, end) of the current text that names one of
     * them is not expanded again (alias ls='ls -l') */
    const char *alias_active[16];
    size_t alias_end[16];
    int nalias;
    /* the last alias's value ended in a blank: the next word, the first token at or after
     * alias_blank_end in the current text, is checked for an alias too */
    bool alias_blank;
    size_t alias_blank_end;
};

/* What a syntax error does to $? where bash reads the script (-c string, file): its yacc
 * errors set 2; the errors its lexer and [[ ]] parser report themselves keep $?, but the
 * grammar's recovery sets 2 for a $? of 0 when it meets the end of the text before a
 * newline; an error inside $( ) / <( ) throws to the top level, which ends a -c string with
 * 127; a '(' inside a=( ) abandons the rest of its line only (status 1, the script goes on). */
enum { ERRK_SYNTAX = 0, ERRK_KEEP, ERRK_EOF, ERRK_SUBST, ERRK_LINE, ERRK_ARRAY };

/* lexer.c */
int sh_lex_next(sh_parser *ps);          /* fills the token fields, returns tok */
void sh_lex_read_heredocs(sh_parser *ps);
void sh_syntax_error(sh_parser *ps, const char *tokdesc);
void sh_syntax_eof(sh_parser *ps);
void sh_syntax_cond(sh_parser *ps, const char *msg); /* "NAME: line N: msg" from [[ ]] */
/* after the input ended inside an operand of [[ ]] (an open quote): bash's [[ ]] parser
 * reports msg too, at the line where the input ended */
void sh_syntax_cond_eof(sh_parser *ps, const char *msg);
/* the next token inside [[ ]]: an operand, the operand of =~, or the pattern after ==, =
 * or != (where bash reads extended patterns even with extglob off) */
enum { CLEX_WORD, CLEX_REGEX, CLEX_PATTERN };
int sh_lex_cond(sh_parser *ps, int mode);
void sh_lex_error_eof_match(sh_parser *ps, int line, char want);
const char *sh_tok_desc(sh_parser *ps);
/* parser.c: parse a $(...) body from ps->pos; *end: offset after its ')' */
int sh_parse_sub(sh_parser *ps, size_t *end);
/* The nest limit for the parser and the lexer (nest_depth; 1000 when unset). */
int sh_nest_max(sh_parser *ps);
/* Is depth within the nest limit, with C stack left? If not, report it (the first time) and
 * fail the parse with PARSE_DEPTH. */
bool sh_nest_ok(sh_parser *ps, int depth);

#endif
