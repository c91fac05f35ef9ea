/* bc: the arbitrary-precision calculator language, GNU bc 1.07.1 compatible. Like GNU, the
 * parser (recursive descent here, yacc there) compiles each input line into GNU's byte code,
 * which then runs on a stack machine; error messages name the byte address GNU names
 * ("Runtime error (func=(main), adr=3): Divide by zero"). Function calls keep their own
 * frame stack (no C recursion), loops count steps against the VM's budget, and numbers live
 * in the command's arena (bc_num.c). Not here: interactive line editing, the -s/-w POSIX
 * warnings (the options are accepted). */
#include "cmd/bc.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const vl_opt bc_opts[] = {
    {'l', "mathlib", VL_NOARG, NULL, "use the predefined math routines"},
    {'q', "quiet", VL_NOARG, NULL, "don't print initial banner"},
    {'s', "standard", VL_NOARG, NULL, "non-standard bc constructs are errors"},
    {'w', "warn", VL_NOARG, NULL, "warn about non-standard bc constructs"},
    {'i', "interactive", VL_NOARG, NULL, "force interactive mode"},
    {0, NULL, 0, NULL, NULL},
};

/* The math library (-l), GNU's algorithms, so the digits are GNU's. */
static const char mathlib[] =
    "scale=20\n"
    "define e(x){\n"
    "auto a,b,d,e,f,i,m,n,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=e(x);ibase=b;return(v)}\n"
    "if(x<0){m=1;x=-x}\n"
    "z=scale;n=6+z+.44*x;scale=scale(x)+1\n"
    "while(x>1){f+=1;x/=2;scale+=1}\n"
    "scale=n;v=1+x;a=x;d=1\n"
    "for(i=2;1;i++){e=(a*=x)/(d*=i)\n"
    "if(e==0){if(f>0)while(f--)v=v*v\n"
    "scale=z\n"
    "if(m)return(1/v)\n"
    "return(v/1)}\n"
    "v+=e}}\n"
    "define l(x){\n"
    "auto b,e,f,i,m,n,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=l(x);ibase=b;return(v)}\n"
    "if(x<=0)return((1-10^scale)/1)\n"
    "z=scale;scale=6+scale\n"
    "f=2;i=0\n"
    "while(x>=2){f*=2;x=sqrt(x)}\n"
    "while(x<=.5){f*=2;x=sqrt(x)}\n"
    "v=n=(x-1)/(x+1);m=n*n\n"
    "for(i=3;1;i+=2){e=(n*=m)/i\n"
    "if(e==0){v=f*v;scale=z;return(v/1)}\n"
    "v+=e}}\n"
    "define s(x){\n"
    "auto b,e,i,m,n,s,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=s(x);ibase=b;return(v)}\n"
    "z=scale;scale=1.1*z+2\n"
    "v=a(1)\n"
    "if(x<0){m=1;x=-x}\n"
    "scale=0;n=(x/v+2)/4;x=x-4*n*v\n"
    "if(n%2)x=-x\n"
    "scale=z+2;v=e=x;s=-x*x\n"
    "for(i=3;1;i+=2){e*=s/(i*(i-1))\n"
    "if(e==0){scale=z\n"
    "if(m)return(-v/1)\n"
    "return(v/1)}\n"
    "v+=e}}\n"
    "define c(x){\n"
    "auto b,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=c(x);ibase=b;return(v)}\n"
    "z=scale;scale=scale*1.2\n"
    "v=s(x+2*a(1))\n"
    "scale=z\n"
    "return(v/1)}\n"
    "define a(x){\n"
    "auto a,b,e,f,i,m,n,s,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=a(x);ibase=b;return(v)}\n"
    "m=1\n"
    "if(x<0){m=-1;x=-x}\n"
    "if(x==1){if(scale<=25)return(.7853981633974483096156608/m)\n"
    "if(scale<=40)return(.7853981633974483096156608458198757210492/m)\n"
    "if(scale<=60)return(.785398163397448309615660845819875721049292349843776455243736/m)}\n"
    "if(x==.2){if(scale<=25)return(.1973955598498807583700497/m)\n"
    "if(scale<=40)return(.1973955598498807583700497651947902934475/m)\n"
    "if(scale<=60)return(.197395559849880758370049765194790293447585103787852101517688/m)}\n"
    "z=scale\n"
    "if(x>.2){scale=z+5;a=a(.2)}\n"
    "scale=z+3\n"
    "while(x>.2){f+=1;x=(x-.2)/(1+x*.2)}\n"
    "v=n=x;s=-x*x\n"
    "for(i=3;1;i+=2){e=(n*=s)/i\n"
    "if(e==0){scale=z\n"
    "return((f*a+v)/m)}\n"
    "v+=e}}\n"
    "define j(n,x){\n"
    "auto a,b,d,e,f,i,m,s,v,z\n"
    "if(ibase!=A){b=ibase;ibase=A;v=j(n,x);ibase=b;return(v)}\n"
    "z=scale;scale=0;n=n/1\n"
    "if(n<0){n=-n;if(n%2==1)m=1}\n"
    "a=1\n"
    "for(i=2;i<=n;i++)a*=i\n"
    "scale=1.5*z\n"
    "a=(x^n)/2^n/a\n"
    "v=e=1;s=-x*x/4\n"
    "scale=1.5*z+length(a)-scale(a)\n"
    "for(i=1;1;i++){e=e*s/i/(n+i)\n"
    "if(e==0){scale=z\n"
    "if(m)return(-a*v/1)\n"
    "return(a*v/1)}\n"
    "v+=e}}\n";

enum { EX_ASSGN = 1, EX_REG = 2, EX_COMP = 4, EX_PAREN = 8, EX_VOID = 16 };

enum {
    T_EOF, T_NL, T_NUM, T_NAME, T_STR, T_OP, T_ASSIGN, T_REL, T_INCDEC, T_AND, T_OR,
    T_DEFINE, T_BREAK, T_CONTINUE, T_QUIT, T_LENGTH, T_RETURN, T_FOR, T_IF, T_WHILE,
    T_SQRT, T_SCALE, T_IBASE, T_OBASE, T_AUTO, T_ELSE, T_READ, T_HALT, T_LAST, T_PRINT,
    T_LIMITS, T_WARRANTY, T_HISTORY, T_VOID, T_BAD,
};

static const struct {
    const char *w;
    int t;
} keywords[] = {
    {"define", T_DEFINE}, {"break", T_BREAK}, {"continue", T_CONTINUE}, {"quit", T_QUIT},
    {"length", T_LENGTH}, {"return", T_RETURN}, {"for", T_FOR}, {"if", T_IF},
    {"while", T_WHILE}, {"sqrt", T_SQRT}, {"scale", T_SCALE}, {"ibase", T_IBASE},
    {"obase", T_OBASE}, {"auto", T_AUTO}, {"else", T_ELSE}, {"read", T_READ},
    {"halt", T_HALT}, {"last", T_LAST}, {"print", T_PRINT}, {"limits", T_LIMITS},
    {"warranty", T_WARRANTY}, {"history", T_HISTORY}, {"void", T_VOID},
};

typedef struct saved {
    struct saved *next;
    void *v; /* bn* for a variable, an array* for an array */
} saved;

typedef struct array {
    bn **v;
    size_t n;
} array;

typedef struct func {
    char *name;
    bool defined;
    bool is_void; /* define void f(): a call gives no value to print or assign */
    vl_buf code;
    int *labels;
    int nlabels;
    int *params; /* variable ids; arrays as -id-1 ... stored with flag below */
    bool *parr;
    int nparams;
    int *autos;
    bool *aarr;
    int nautos;
} func;

typedef struct names {
    char **name;
    int n, cap;
} names;

typedef struct frame {
    int func;             /* the function running */
    int ret_func, ret_pc; /* where its return goes */
} frame;

typedef struct bcs {
    vl_ctx *c;
    /* lexer */
    const char *src, *end, *p;
    /* a streamed source (a file, standard input): lines are read as the lexer needs them, and
     * what is consumed is dropped between top-level items, so input of any size streams */
    vl_in *in;
    char *buf;
    size_t cap;
    size_t nl_off; /* offset in buf just past the last newline read */
    const char *fname; /* "(standard_in)" or the file name */
    int line;          /* lines read so far + 1 */
    int tok;
    char *tval;        /* text of a NAME / NUM / STR / OP token (arena, reused) */
    size_t tcap;
    int top; /* operator char / assign op char / rel code */
    /* the token after the current one is not needed: one lookahead as yacc */
    /* code generation */
    func *fn;
    int nfn, capfn;
    int cur;           /* function being generated (0 = main) */
    int next_label, break_label, continue_label, if_label;
    bool in_func, had_error, did_gen;
    jmp_buf perr;
    names vars, arrs;
    /* machine */
    bn **vval;
    saved **vsave;
    int nvars;
    array **aval;
    saved **asave;
    int narrs;
    bn **stk;
    int sp, scap;
    frame *fr;
    int nfr, capfr;
    int ibase, obase, scale;
    int out_col, line_size;
    bool rt_error;
    int pc;
    int adr; /* address for runtime messages */
    bool stdin_src;
    int depth;   /* parser nesting */
    /* yacc's error recovery, as GNU's parser does it: after an error, 3 tokens must be taken
     * before another error is reported; the state it resumes in decides what is skipped */
    int errstatus;
    int braces;     /* '{' open in the line being parsed */
    bool semi_seen; /* a ';' was taken at the top level of this line */
} bcs;

#define MAX_FRAMES 100000

static void out_ch(void *arg, int ch)
{
    bcs *b = arg;
    if (ch == '\n') {
        b->out_col = 0;
        vl_putc(b->c, '\n');
        return;
    }
    b->out_col++;
    if (b->out_col == b->line_size - 1 && b->line_size != 0) {
        vl_putc(b->c, '\\');
        vl_putc(b->c, '\n');
        b->out_col = 1;
    }
    vl_putc(b->c, ch);
}

/* ---- lexer ---- */

static void tset(bcs *b, const char *s, size_t n)
{
    if (n + 1 > b->tcap) {
        b->tcap = n + 64;
        b->tval = vl_xrealloc(b->c, b->tval, b->tcap);
    }
    memcpy(b->tval, s, n);
    b->tval[n] = 0;
}

static void next1(bcs *b);

/* Read one more line into the buffer; false at the end of input. Moves the buffer: raw
 * pointers into it must be rebased (more_at does it for the lexer's). */
static bool more(bcs *b)
{
    if (!b->in) return false;
    char *line;
    ssize_t n = vl_in_getdelim(b->c, b->in, '\n', &line);
    if (n <= 0) {
        b->in = NULL;
        return false;
    }
    size_t off = (size_t)(b->p - b->src), len = (size_t)(b->end - b->src);
    if (len + (size_t)n + 1 > b->cap) {
        b->cap = (len + (size_t)n + 1) * 2;
        b->buf = vl_xrealloc(b->c, b->buf, b->cap);
    }
    memcpy(b->buf + len, line, (size_t)n);
    len += (size_t)n;
    if (b->buf[len - 1] == '\n') b->nl_off = len;
    b->src = b->buf;
    b->p = b->buf + off;
    b->end = b->buf + len;
    return true;
}

static bool more_at(bcs *b, const char **p, const char **s)
{
    size_t po = (size_t)(*p - b->src), so = s ? (size_t)(*s - b->src) : 0;
    bool ok = more(b);
    *p = b->src + po;
    if (s) *s = b->src + so;
    return ok;
}

/* Make sure a whole line is in the buffer from the current position. */
static void fill_line(bcs *b)
{
    while (b->in && (size_t)(b->p - b->src) >= b->nl_off)
        if (!more(b)) break;
}

/* Between top-level items: drop what was consumed. */
static void compact(bcs *b)
{
    if (!b->buf || b->p == b->src) return;
    size_t rest = (size_t)(b->end - b->p), used = (size_t)(b->p - b->src);
    memmove(b->buf, b->p, rest);
    b->nl_off = b->nl_off > used ? b->nl_off - used : 0;
    b->src = b->p = b->buf;
    b->end = b->buf + rest;
}

/* GNU's lexer reports a character it cannot use, skips it and goes on; the line does not run */
static void next(bcs *b)
{
    if (b->errstatus) b->errstatus--; /* the current token is taken */
    for (;;) {
        next1(b);
        if (b->tok != T_BAD) return;
        unsigned char ch = (unsigned char)*b->p;
        if (ch < 32) /* control characters as ^M, others past ASCII as \377, as GNU */
            vl_eprintf(b->c, "%s %d: illegal character: ^%c\n", b->fname, b->line, ch ^ 0x40);
        else if (ch >= 127)
            vl_eprintf(b->c, "%s %d: illegal character: \\%03o\n", b->fname, b->line, ch);
        else vl_eprintf(b->c, "%s %d: illegal character: %c\n", b->fname, b->line, ch);
        b->had_error = true;
        b->p++;
    }
}

static void next1(bcs *b)
{
    fill_line(b);
    const char *p = b->p;
    for (;;) {
        if (p >= b->end && more_at(b, &p, NULL)) continue;
        while (p < b->end && (*p == ' ' || *p == '\t')) /* GNU: \r \f \v are illegal */
            p++;
        if (p + 1 < b->end && p[0] == '\\' && p[1] == '\n') {
            p += 2;
            b->line++;
            continue;
        }
        if (p + 1 < b->end && p[0] == '/' && p[1] == '*') {
            p += 2;
            for (;;) {
                if (p + 1 >= b->end && !more_at(b, &p, NULL)) {
                    vl_eprintf(b->c, "EOF encountered in a comment.\n");
                    p = b->end;
                    break;
                }
                if (p[0] == '*' && p + 1 < b->end && p[1] == '/') break;
                if (*p == '\n') b->line++;
                p++;
            }
            p = p < b->end ? p + 2 : p;
            continue;
        }
        if (p < b->end && *p == '#') {
            while (p < b->end && *p != '\n') p++;
            continue;
        }
        break;
    }
    if (p >= b->end) {
        b->p = p;
        b->tok = T_EOF;
        return;
    }
    const char *s = p;
    char ch = *p;
    if (ch == '\n') {
        b->line++;
        b->p = p + 1;
        b->tok = T_NL;
        return;
    }
    /* GNU takes every capital letter as a digit (A is 10, Z is 35) */
    if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
        (ch == '.' && p + 1 < b->end && ((p[1] >= '0' && p[1] <= '9') || (p[1] >= 'A' && p[1] <= 'Z')))) {
        /* digits, '.', digits; a backslash-newline may split it */
        vl_buf t = {0};
        bool dot = false;
        while (p < b->end) {
            if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z')) vl_buf_addc(b->c, &t, *p++);
            else if (*p == '.' && !dot) dot = true, vl_buf_addc(b->c, &t, *p++);
            else if (*p == '\\' && p + 1 < b->end && p[1] == '\n') {
                p += 2, b->line++;
                if (p >= b->end) more_at(b, &p, NULL);
            } else break;
        }
        /* GNU's lexer drops leading zeros ("0.5" is ".5", "000" is "0") */
        size_t z = 0;
        while (z < t.len && t.data[z] == '0') z++;
        if (z == t.len) z--;
        tset(b, t.data + z, t.len - z);
        vl_buf_free(b->c, &t);
        b->p = p;
        b->tok = T_NUM;
        return;
    }
    if (ch >= 'a' && ch <= 'z') {
        while (p < b->end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            p++;
        tset(b, s, (size_t)(p - s));
        b->p = p;
        b->tok = T_NAME;
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if (strcmp(keywords[i].w, b->tval) == 0) b->tok = keywords[i].t;
        return;
    }
    if (ch == '"') {
        int line0 = b->line;
        p++;
        for (;;) {
            if (p >= b->end && !more_at(b, &p, &s)) break;
            if (*p == '"') break;
            if (*p == '\n') b->line++;
            p++;
        }
        if (p >= b->end) { /* no closing quote: the quote is an illegal character */
            b->line = line0;
            b->p = s;
            b->tok = T_BAD;
            return;
        }
        tset(b, s + 1, (size_t)(p - s - 1));
        b->p = p + 1;
        b->tok = T_STR;
        return;
    }
    char c2 = p + 1 < b->end ? p[1] : 0;
    b->p = p + 1;
    if (!strchr(".+-*/%^=!<>&|()[]{},;", ch)) {
        b->p = p;
        b->tok = T_BAD;
        return;
    }
    b->top = ch;
    switch (ch) {
    case '.':
        b->tok = T_LAST;
        return;
    case '+':
    case '-':
        if (c2 == ch) {
            b->p++;
            b->tok = T_INCDEC;
            return;
        }
        /* fallthrough */
    case '*':
    case '/':
    case '%':
    case '^':
        if (c2 == '=') {
            b->p++;
            b->tok = T_ASSIGN;
            return;
        }
        b->tok = T_OP;
        return;
    case '=':
        if (c2 == '=') {
            b->p++;
            b->tok = T_REL;
            b->top = '=';
            return;
        }
        b->tok = T_ASSIGN;
        return;
    case '!':
        if (c2 == '=') {
            b->p++;
            b->tok = T_REL;
            b->top = '#';
            return;
        }
        b->tok = T_OP;
        return;
    case '<':
    case '>':
        b->tok = T_REL;
        if (c2 == '=') {
            b->p++;
            b->top = ch == '<' ? '{' : '}';
        }
        return;
    case '&':
        if (c2 == '&') {
            b->p++;
            b->tok = T_AND;
            return;
        }
        b->tok = T_OP; /* a token the grammar has no place for: a syntax error */
        return;
    case '|':
        if (c2 == '|') {
            b->p++;
            b->tok = T_OR;
            return;
        }
        b->p = p;
        break;
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case ';':
        b->tok = T_OP;
        return;
    }
    b->tok = T_BAD;
}

/* ---- names ---- */

static int lookup(bcs *b, names *nm, const char *s, int first)
{
    for (int i = 0; i < nm->n; i++)
        if (strcmp(nm->name[i], s) == 0) return i + first;
    if (nm->n == nm->cap) {
        nm->cap = nm->cap ? nm->cap * 2 : 32;
        nm->name = vl_xrealloc(b->c, nm->name, (size_t)nm->cap * sizeof *nm->name);
    }
    nm->name[nm->n++] = vl_xstrdup(b->c, s);
    return nm->n - 1 + first;
}

static int var_id(bcs *b, const char *s)
{
    int id = lookup(b, &b->vars, s, 5);
    if (id >= b->nvars) {
        int n = id + 32;
        b->vval = vl_xrealloc(b->c, b->vval, (size_t)n * sizeof *b->vval);
        b->vsave = vl_xrealloc(b->c, b->vsave, (size_t)n * sizeof *b->vsave);
        for (int i = b->nvars; i < n; i++) b->vval[i] = NULL, b->vsave[i] = NULL;
        b->nvars = n;
    }
    return id;
}

static int arr_id(bcs *b, const char *s)
{
    int id = lookup(b, &b->arrs, s, 1);
    if (id >= b->narrs) {
        int n = id + 32;
        b->aval = vl_xrealloc(b->c, b->aval, (size_t)n * sizeof *b->aval);
        b->asave = vl_xrealloc(b->c, b->asave, (size_t)n * sizeof *b->asave);
        for (int i = b->narrs; i < n; i++) b->aval[i] = NULL, b->asave[i] = NULL;
        b->narrs = n;
    }
    return id;
}

static int func_id(bcs *b, const char *s)
{
    for (int i = 1; i < b->nfn; i++)
        if (strcmp(b->fn[i].name, s) == 0) return i;
    if (b->nfn == b->capfn) {
        b->capfn = b->capfn ? b->capfn * 2 : 16;
        b->fn = vl_xrealloc(b->c, b->fn, (size_t)b->capfn * sizeof *b->fn);
    }
    func *f = &b->fn[b->nfn];
    memset(f, 0, sizeof *f);
    f->name = vl_xstrdup(b->c, s);
    return b->nfn++;
}

/* ---- code generation ---- */

static void emit(bcs *b, int byte)
{
    b->did_gen = true;
    vl_buf_addc(b->c, &b->fn[b->cur].code, byte);
}

static void emit_id(bcs *b, int op, int id)
{
    emit(b, op);
    if (id < 128) emit(b, id);
    else {
        emit(b, ((id >> 8) & 0xff) | 0x80);
        emit(b, id & 0xff);
    }
}

static void emit_label(bcs *b, int op, int lab)
{
    emit(b, op);
    emit(b, lab & 0xff);
    emit(b, (lab >> 8) & 0xff);
}

static void def_label(bcs *b, int lab)
{
    func *f = &b->fn[b->cur];
    if (lab >= f->nlabels) {
        int n = lab + 16;
        f->labels = vl_xrealloc(b->c, f->labels, (size_t)n * sizeof *f->labels);
        for (int i = f->nlabels; i < n; i++) f->labels[i] = 0;
        f->nlabels = n;
    }
    f->labels[lab] = (int)f->code.len;
}

static void clear_code(bcs *b, int fi)
{
    func *f = &b->fn[fi];
    f->code.len = 0;
    f->nlabels = 0;
}

/* ---- parser ---- */

_Noreturn static void syntax_error(bcs *b)
{
    longjmp(b->perr, 1);
}

static void compile_error(bcs *b, int line, const char *msg)
{
    vl_eprintf(b->c, "%s %d: %s\n", b->fname, line, msg);
    b->had_error = true;
}

static bool is_op(bcs *b, int ch) { return b->tok == T_OP && b->top == ch; }

static void expect_op(bcs *b, int ch)
{
    if (!is_op(b, ch)) syntax_error(b);
    next(b);
}

static void skip_nl(bcs *b)
{
    while (b->tok == T_NL) next(b);
}

static int expr(bcs *b, int minprec);
static int expr1(bcs *b, int minprec);

enum { P_OR = 1, P_AND, P_NOT, P_REL, P_ADD, P_MUL, P_POW, P_UNARY };

/* named_expression: returns var id (>= 0) or -(array id) - 1 */
static bool named(bcs *b, int *id)
{
    switch (b->tok) {
    case T_IBASE: *id = 0; next(b); return true;
    case T_OBASE: *id = 1; next(b); return true;
    case T_SCALE: *id = 2; next(b); return true;
    case T_HISTORY: *id = 3; next(b); return true;
    case T_LAST: *id = 4; next(b); return true;
    case T_NAME: {
        char *nm = vl_xstrdup(b->c, b->tval);
        next(b);
        if (is_op(b, '[')) {
            next(b);
            int fl = expr(b, P_OR);
            (void)fl;
            expect_op(b, ']');
            *id = -arr_id(b, nm) - 1;
        } else {
            *id = var_id(b, nm);
        }
        vl_xfree(b->c, nm);
        return true;
    }
    default: return false;
    }
}

static void emit_load(bcs *b, int id)
{
    if (id < 0) emit_id(b, 'L', -id - 1);
    else emit_id(b, 'l', id);
}

static void emit_num(bcs *b, const char *s)
{
    if (strcmp(s, "0") == 0) emit(b, '0');
    else if (strcmp(s, "1") == 0) emit(b, '1');
    else {
        emit(b, 'K');
        for (; *s; s++) emit(b, *s == '.' ? '.' : *s >= 'A' ? *s - 'A' + 10 : *s - '0');
        emit(b, ':');
    }
}

static int primary(bcs *b)
{
    int id;
    switch (b->tok) {
    case T_NUM: {
        emit_num(b, b->tval);
        next(b);
        return EX_REG;
    }
    case T_OP:
        if (b->top == '(') {
            next(b);
            int fl = expr(b, P_OR);
            expect_op(b, ')');
            return fl | EX_REG | EX_PAREN;
        }
        if (b->top == '-') {
            next(b);
            int fl = expr(b, P_UNARY);
            emit(b, 'n');
            return fl & ~EX_PAREN;
        }
        if (b->top == '!') {
            next(b);
            int fl = expr(b, P_REL);
            emit(b, '!');
            return fl & ~EX_PAREN;
        }
        syntax_error(b);
    case T_INCDEC: {
        int op = b->top;
        next(b);
        if (!named(b, &id)) syntax_error(b);
        if (id < 0) {
            emit(b, 'D');
            emit_id(b, op == '+' ? 'A' : 'M', -id - 1);
            emit_id(b, 'L', -id - 1);
        } else {
            emit_id(b, op == '+' ? 'i' : 'd', id);
            emit_id(b, 'l', id);
        }
        return EX_REG;
    }
    case T_LENGTH:
    case T_SQRT:
    case T_SCALE:
    case T_READ: {
        int t = b->tok;
        if (t == T_SCALE) {
            /* scale alone is the variable */
            size_t save = (size_t)(b->p - b->src);
            int line = b->line;
            next(b);
            if (!is_op(b, '(')) {
                b->p = b->src + save;
                b->line = line;
                b->tok = T_SCALE;
                break;
            }
        } else {
            next(b);
            if (!is_op(b, '(')) syntax_error(b);
        }
        next(b);
        if (t != T_READ) expr(b, P_OR);
        expect_op(b, ')');
        emit(b, 'c');
        emit(b, t == T_LENGTH ? 'L' : t == T_SQRT ? 'R' : t == T_SCALE ? 'S' : 'I');
        return EX_REG;
    }
    case T_NAME: {
        /* a call? */
        const char *q = b->p;
        while (q < b->end && (*q == ' ' || *q == '\t')) q++;
        if (q < b->end && *q == '(') {
            int f = func_id(b, b->tval);
            next(b);
            next(b);
            vl_buf types = {0};
            if (!is_op(b, ')')) {
                for (;;) {
                    bool arr = false;
                    if (b->tok == T_NAME) { /* NAME[] passes an array */
                        const char *r = b->p;
                        while (r < b->end && (*r == ' ' || *r == '\t')) r++;
                        if (r < b->end && *r == '[') {
                            const char *r2 = r + 1;
                            while (r2 < b->end && (*r2 == ' ' || *r2 == '\t')) r2++;
                            if (r2 < b->end && *r2 == ']') {
                                int a = arr_id(b, b->tval);
                                char nb[16];
                                snprintf(nb, sizeof nb, "%d", a);
                                emit(b, 'K');
                                for (char *s = nb; *s; s++) emit(b, *s - '0');
                                emit(b, ':');
                                b->p = r2 + 1;
                                next(b);
                                arr = true;
                            }
                        }
                    }
                    if (!arr) expr(b, P_OR);
                    vl_buf_addc(b->c, &types, arr ? '1' : '0');
                    if (is_op(b, ',')) {
                        next(b);
                        continue;
                    }
                    break;
                }
            }
            expect_op(b, ')');
            emit_id(b, 'C', f);
            for (size_t i = 0; i < types.len; i++) emit(b, types.data[i]);
            emit(b, ':');
            vl_buf_free(b->c, &types);
            return b->fn[f].is_void ? EX_VOID : EX_REG;
        }
        break;
    }
    default:
        break;
    }
    if (!named(b, &id)) syntax_error(b);
    if (b->tok == T_ASSIGN) {
        int op = b->top;
        next(b);
        if (op != '=') {
            if (id < 0) {
                emit(b, 'D');
                emit_id(b, 'L', -id - 1);
            } else emit_id(b, 'l', id);
        }
        int rf = expr(b, P_OR);
        if (rf & EX_VOID) compile_error(b, b->line, "Assignment of a void expression");
        if (op != '=') emit(b, op);
        if (id < 0) emit_id(b, 'S', -id - 1);
        else emit_id(b, 's', id);
        return EX_ASSGN;
    }
    if (b->tok == T_INCDEC) {
        int op = b->top;
        next(b);
        if (id < 0) {
            emit(b, 'D');
            emit_id(b, 'L', -id - 1);
            emit(b, 'x');
            emit_id(b, op == '+' ? 'A' : 'M', -id - 1);
        } else {
            emit_id(b, 'l', id);
            emit_id(b, op == '+' ? 'i' : 'd', id);
        }
        return EX_REG;
    }
    emit_load(b, id);
    return EX_REG;
}

/* The parser recurses for parentheses and nested statements; a bound keeps a pathological
 * input from exhausting the thread's stack (GNU's yacc stack has a bound too). */
#define MAX_NEST 1000

static int expr(bcs *b, int minprec)
{
    if (++b->depth > MAX_NEST) {
        b->depth = 0;
        syntax_error(b);
    }
    int fl = expr1(b, minprec);
    b->depth--;
    return fl;
}

static int expr1(bcs *b, int minprec)
{
    int fl = primary(b);
    for (;;) {
        int prec, op = b->top;
        switch (b->tok) {
        case T_OR: prec = P_OR; break;
        case T_AND: prec = P_AND; break;
        case T_REL: prec = P_REL; break;
        case T_OP:
            if (op == '+' || op == '-') prec = P_ADD;
            else if (op == '*' || op == '/' || op == '%') prec = P_MUL;
            else if (op == '^') prec = P_POW;
            else return fl;
            break;
        default: return fl;
        }
        if (prec < minprec) return fl;
        int tok = b->tok;
        next(b);
        if (tok == T_AND) {
            int lab = b->next_label++;
            emit(b, 'D');
            emit_label(b, 'Z', lab);
            emit(b, 'p');
            int f2 = expr(b, P_AND + 1);
            emit(b, 'D');
            emit_label(b, 'Z', lab);
            emit(b, 'p');
            emit(b, '1');
            def_label(b, lab);
            fl = (fl | f2) & ~EX_PAREN;
        } else if (tok == T_OR) {
            int lab = b->next_label++;
            emit_label(b, 'B', lab);
            int f2 = expr(b, P_OR + 1);
            int tmp = b->next_label++;
            emit_label(b, 'B', lab);
            emit(b, '0');
            emit_label(b, 'J', tmp);
            def_label(b, lab);
            emit(b, '1');
            def_label(b, tmp);
            fl = (fl | f2) & ~EX_PAREN;
        } else if (tok == T_REL) {
            expr(b, P_REL + 1);
            emit(b, op);
            fl = EX_REG | EX_COMP;
        } else {
            int f2 = expr(b, prec == P_POW ? P_POW : prec + 1);
            emit(b, op);
            fl = (fl | f2) & ~EX_PAREN;
        }
    }
}

/* Can the current token begin an expression? */
static bool starts_expr(bcs *b)
{
    switch (b->tok) {
    case T_NUM: case T_NAME: case T_INCDEC: case T_LAST: case T_IBASE: case T_OBASE:
    case T_SCALE: case T_HISTORY: case T_LENGTH: case T_SQRT: case T_READ:
        return true;
    case T_OP:
        return b->top == '(' || b->top == '-' || b->top == '!';
    default:
        return false;
    }
}

static int opt_expr(bcs *b)
{
    if (is_op(b, ';') || is_op(b, ')')) return EX_VOID;
    return expr(b, P_OR);
}

static void statement(bcs *b);

/* statements separated by newlines or ';' until '}' */
static void statement_list(bcs *b)
{
    for (;;) {
        if (b->tok == T_NL || is_op(b, ';')) {
            next(b);
            continue;
        }
        if (is_op(b, '}') || b->tok == T_EOF) return;
        statement(b);
        if (!(b->tok == T_NL || is_op(b, ';') || is_op(b, '}'))) syntax_error(b);
    }
}

static void statement1(bcs *b);

static void statement(bcs *b)
{
    if (++b->depth > MAX_NEST) {
        b->depth = 0;
        syntax_error(b);
    }
    statement1(b);
    b->depth--;
}

static void statement1(bcs *b)
{
    switch (b->tok) {
    case T_STR:
        emit(b, 'w');
        for (const char *s = b->tval; *s; s++) emit(b, (unsigned char)*s);
        emit(b, '"');
        next(b);
        return;
    case T_BREAK:
    case T_CONTINUE: {
        bool brk = b->tok == T_BREAK;
        int line = b->line;
        next(b);
        int lab = brk ? b->break_label : b->continue_label;
        if (lab == 0)
            compile_error(b, line, brk ? "Break outside a for/while" : "Continue outside a for");
        else emit_label(b, 'J', lab);
        return;
    }
    case T_QUIT:
        vl_exit(b->c, 0);
    case T_HALT:
        next(b);
        emit(b, 'h');
        return;
    case T_RETURN: {
        next(b);
        if (!starts_expr(b)) emit(b, '0'); /* "return" alone, even before a stray token */
        else expr(b, P_OR);
        if (!b->in_func) compile_error(b, b->line, "Return outside of a function.");
        emit(b, 'R');
        return;
    }
    case T_FOR: {
        next(b);
        int save_break = b->break_label;
        b->break_label = b->next_label++;
        expect_op(b, '(');
        int f1 = opt_expr(b);
        expect_op(b, ';');
        if (!(f1 & EX_VOID)) emit(b, 'p');
        int l_test = b->next_label++;
        def_label(b, l_test);
        int f2 = opt_expr(b);
        expect_op(b, ';');
        if (f2 & EX_VOID) emit(b, '1');
        int l_body = b->next_label++;
        emit_label(b, 'B', l_body);
        emit_label(b, 'J', b->break_label);
        int save_cont = b->continue_label;
        b->continue_label = b->next_label++;
        def_label(b, b->continue_label);
        int f3 = opt_expr(b);
        expect_op(b, ')');
        if (!(f3 & EX_VOID)) emit(b, 'p');
        emit_label(b, 'J', l_test);
        def_label(b, l_body);
        if (b->tok == T_NL) next(b);
        statement(b);
        emit_label(b, 'J', b->continue_label);
        def_label(b, b->break_label);
        b->break_label = save_break;
        b->continue_label = save_cont;
        return;
    }
    case T_IF: {
        next(b);
        expect_op(b, '(');
        expr(b, P_OR);
        expect_op(b, ')');
        int save_if = b->if_label;
        b->if_label = b->next_label++;
        emit_label(b, 'Z', b->if_label);
        if (b->tok == T_NL) next(b);
        statement(b);
        if (b->tok == T_ELSE) {
            next(b);
            int lab = b->next_label++;
            emit_label(b, 'J', lab);
            def_label(b, b->if_label);
            b->if_label = lab;
            if (b->tok == T_NL) next(b);
            statement(b);
        }
        def_label(b, b->if_label);
        b->if_label = save_if;
        return;
    }
    case T_WHILE: {
        next(b);
        int save_cont = b->continue_label;
        b->continue_label = b->next_label++;
        def_label(b, b->continue_label);
        expect_op(b, '(');
        expr(b, P_OR);
        int save_break = b->break_label;
        b->break_label = b->next_label++;
        emit_label(b, 'Z', b->break_label);
        expect_op(b, ')');
        if (b->tok == T_NL) next(b);
        statement(b);
        emit_label(b, 'J', b->continue_label);
        def_label(b, b->break_label);
        b->break_label = save_break;
        b->continue_label = save_cont;
        return;
    }
    case T_PRINT:
        next(b);
        for (;;) {
            if (b->tok == T_STR) {
                emit(b, 'O');
                for (const char *s = b->tval; *s; s++) emit(b, (unsigned char)*s);
                emit(b, '"');
                next(b);
            } else {
                expr(b, P_OR);
                emit(b, 'P');
            }
            if (!is_op(b, ',')) break;
            next(b);
        }
        return;
    case T_LIMITS:
        next(b);
        vl_printf(b->c, "BC_BASE_MAX     = 2147483647\nBC_DIM_MAX      = 16777215\n"
                        "BC_SCALE_MAX    = 2147483647\nBC_STRING_MAX   = 2147483647\n"
                        "MAX Exponent    = 9223372036854775807\nNumber of vars  = 32767\n");
        return;
    case T_WARRANTY: /* printed while parsing, like limits (GNU's text) */
        next(b);
        vl_puts(b->c,
                "\nbc 1.07.1\nCopyright 1991-1994, 1997, 1998, 2000, 2004, 2006, 2008, 2012-2017 "
                "Free Software Foundation, Inc.\n\n"
                "    This program is free software; you can redistribute it and/or modify\n"
                "    it under the terms of the GNU General Public License as published by\n"
                "    the Free Software Foundation; either version 3 of the License , or\n"
                "    (at your option) any later version.\n\n"
                "    This program is distributed in the hope that it will be useful,\n"
                "    but WITHOUT ANY WARRANTY; without even the implied warranty of\n"
                "    MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the\n"
                "    GNU General Public License for more details.\n\n"
                "    You should have received a copy of the GNU General Public License\n"
                "    along with this program. If not, write to\n\n"
                "       The Free Software Foundation, Inc.\n"
                "       51 Franklin Street, Fifth Floor\n"
                "       Boston, MA 02110-1335  USA\n\n");
        return;
    case T_OP:
        if (b->top == '{') {
            next(b);
            b->braces++;
            statement_list(b);
            expect_op(b, '}');
            b->braces--;
            return;
        }
        if (b->top == ';') return; /* empty statement */
        break;
    case T_NL:
        return;
    default:
        break;
    }
    int fl = expr(b, P_OR);
    if (fl & EX_REG) emit(b, 'W');
    else emit(b, 'p');
}

static void param_list(bcs *b, int **ids, bool **arr, int *n, bool autos)
{
    vl_buf ib = {0}, ab = {0};
    for (;;) {
        if (b->tok != T_NAME) syntax_error(b);
        char *nm = vl_xstrdup(b->c, b->tval);
        next(b);
        bool isarr = false;
        if (is_op(b, '[')) {
            next(b);
            expect_op(b, ']');
            isarr = true;
        } else if (!autos && b->tok == T_OP && b->top == '*') {
            syntax_error(b);
        }
        int id = isarr ? arr_id(b, nm) : var_id(b, nm);
        vl_buf_add(b->c, &ib, &id, sizeof id);
        vl_buf_add(b->c, &ab, &isarr, sizeof isarr);
        vl_xfree(b->c, nm);
        if (!is_op(b, ',')) break;
        next(b);
    }
    *ids = (int *)ib.data;
    *arr = (bool *)ab.data;
    *n = (int)(ib.len / sizeof(int));
}

static void define(bcs *b)
{
    next(b);
    bool is_void = false;
    if (b->tok == T_VOID) {
        is_void = true;
        next(b);
    }
    if (b->tok != T_NAME) syntax_error(b);
    int f = func_id(b, b->tval);
    b->fn[f].is_void = is_void;
    next(b);
    expect_op(b, '(');
    func *fn = &b->fn[f];
    fn->nparams = 0;
    fn->nautos = 0;
    if (!is_op(b, ')')) param_list(b, &b->fn[f].params, &b->fn[f].parr, &b->fn[f].nparams, false);
    expect_op(b, ')');
    if (b->tok == T_NL) next(b);
    if (!is_op(b, '{')) syntax_error(b);
    next(b);
    skip_nl(b);
    if (b->tok == T_AUTO) {
        next(b);
        param_list(b, &b->fn[f].autos, &b->fn[f].aarr, &b->fn[f].nautos, true);
        if (b->tok == T_NL || is_op(b, ';')) next(b);
        else syntax_error(b);
    }
    int save_cur = b->cur, save_label = b->next_label;
    b->cur = f;
    b->in_func = true;
    clear_code(b, f);
    b->next_label = 1;
    b->fn[f].defined = true;
    b->braces++;
    statement_list(b);
    expect_op(b, '}');
    b->braces--;
    emit(b, '0');
    emit(b, 'R');
    b->cur = save_cur;
    b->next_label = save_label;
    b->in_func = false;
}

/* ---- the machine ---- */

static void push(bcs *b, bn *n)
{
    if (b->sp == b->scap) {
        b->scap = b->scap ? b->scap * 2 : 64;
        b->stk = vl_xrealloc(b->c, b->stk, (size_t)b->scap * sizeof *b->stk);
    }
    b->stk[b->sp++] = n;
}

static bn *pop(bcs *b) { return b->sp ? b->stk[--b->sp] : bn_zero(b->c); }

static void rt_msg(bcs *b, const char *kind, const char *msg)
{
    const char *fname = b->nfr ? b->fn[b->fr[b->nfr - 1].func].name : "(main)";
    vl_eprintf(b->c, "Runtime %s (func=%s, adr=%d): %s\n", kind, fname, b->adr, msg);
}

static void rt_error(bcs *b, const char *msg)
{
    rt_msg(b, "error", msg);
    b->rt_error = true;
}

static bn *get_var(bcs *b, int id)
{
    switch (id) {
    case 0: return bn_from_long(b->c, b->ibase);
    case 1: return bn_from_long(b->c, b->obase);
    case 2: return bn_from_long(b->c, b->scale);
    case 3: return bn_from_long(b->c, -1);
    }
    if (!b->vval[id]) b->vval[id] = bn_zero(b->c);
    return bn_ref(b->vval[id]);
}

static void set_var(bcs *b, int id, bn *v)
{
    bool ok;
    long t;
    switch (id) {
    case 0:
        t = bn_to_long(v, &ok);
        if (!ok) t = 0;
        if (t < 2) {
            rt_msg(b, "warning", "ibase too small, set to 2");
            b->ibase = 2;
        } else if (t > 16) {
            rt_msg(b, "warning", "ibase too large, set to 16");
            b->ibase = 16;
        } else b->ibase = (int)t;
        return;
    case 1:
        t = bn_to_long(v, &ok);
        if (!ok) t = 0;
        if (t < 2) {
            rt_msg(b, "warning", "obase too small, set to 2");
            b->obase = 2;
        } else b->obase = (int)(t > 2147483647 ? 2147483647 : t);
        return;
    case 2:
        t = bn_to_long(v, &ok);
        if (!ok) t = 0;
        if (!ok) t = 2147483648L;
        if (t < 0) {
            rt_msg(b, "warning", "negative scale, set to 0");
            b->scale = 0;
        } else if (t > 2147483647) {
            rt_msg(b, "warning", "scale too large, set to 2147483647");
            b->scale = 2147483647;
        } else b->scale = (int)t;
        return;
    case 3: return;
    }
    bn *old = b->vval[id];
    b->vval[id] = bn_ref(v);
    bn_unref(b->c, old);
}

static array *get_arr(bcs *b, int id)
{
    if (!b->aval[id]) b->aval[id] = vl_xcalloc(b->c, 1, sizeof(array));
    return b->aval[id];
}

static bool arr_index(bcs *b, int id, bn *ix, size_t *out)
{
    bool ok;
    long v = bn_to_long(ix, &ok);
    if (!ok || v < 0 || v > 16777215) {
        char msg[300];
        snprintf(msg, sizeof msg, "Array %s subscript out of bounds.",
                 id - 1 < b->arrs.n ? b->arrs.name[id - 1] : "?");
        rt_error(b, msg);
        return false;
    }
    *out = (size_t)v;
    return true;
}

static bn **arr_slot(bcs *b, int id, size_t i)
{
    array *a = get_arr(b, id);
    if (i >= a->n) {
        size_t n = i + 1 > a->n * 2 ? i + 1 : a->n * 2;
        a->v = vl_xrealloc(b->c, a->v, n * sizeof *a->v);
        for (size_t k = a->n; k < n; k++) a->v[k] = NULL;
        a->n = n;
    }
    if (!a->v[i]) a->v[i] = bn_zero(b->c);
    return &a->v[i];
}

static void free_array(bcs *b, array *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) bn_unref(b->c, a->v[i]);
    vl_xfree(b->c, a->v);
    vl_xfree(b->c, a);
}

static void save_push(bcs *b, saved **list, void *v)
{
    saved *s = vl_xmalloc(b->c, sizeof *s);
    s->v = v;
    s->next = *list;
    *list = s;
}

static void *save_pop(bcs *b, saved **list)
{
    saved *s = *list;
    if (!s) return NULL;
    *list = s->next;
    void *v = s->v;
    vl_xfree(b->c, s);
    return v;
}

/* restore the params and autos of the function of the top frame */
static void pop_frame(bcs *b)
{
    func *f = &b->fn[b->fr[b->nfr - 1].func];
    for (int i = f->nautos - 1; i >= 0; i--) {
        if (f->aarr[i]) {
            free_array(b, b->aval[f->autos[i]]);
            b->aval[f->autos[i]] = save_pop(b, &b->asave[f->autos[i]]);
        } else {
            bn_unref(b->c, b->vval[f->autos[i]]);
            b->vval[f->autos[i]] = save_pop(b, &b->vsave[f->autos[i]]);
        }
    }
    for (int i = f->nparams - 1; i >= 0; i--) {
        if (f->parr[i]) {
            free_array(b, b->aval[f->params[i]]);
            b->aval[f->params[i]] = save_pop(b, &b->asave[f->params[i]]);
        } else {
            bn_unref(b->c, b->vval[f->params[i]]);
            b->vval[f->params[i]] = save_pop(b, &b->vsave[f->params[i]]);
        }
    }
    b->nfr--;
}

static array *copy_array(bcs *b, array *src)
{
    array *a = vl_xcalloc(b->c, 1, sizeof *a);
    if (src && src->n) {
        a->v = vl_xcalloc(b->c, src->n, sizeof *a->v);
        a->n = src->n;
        for (size_t i = 0; i < src->n; i++) a->v[i] = bn_ref(src->v[i]);
    }
    return a;
}

static int fetch(bcs *b, const unsigned char *code)
{
    return code[b->pc++];
}

static int fetch_id(bcs *b, const unsigned char *code)
{
    int v = code[b->pc++];
    if (v & 0x80) v = ((v & 0x7f) << 8) | code[b->pc++];
    return v;
}

static void print_str(bcs *b, const unsigned char *code, bool esc)
{
    int ch;
    while ((ch = fetch(b, code)) != '"') {
        if (!esc || ch != '\\') {
            out_ch(b, ch);
            continue;
        }
        ch = fetch(b, code);
        if (ch == '"') break;
        switch (ch) {
        case 'a': out_ch(b, 7); break;
        case 'b': out_ch(b, '\b'); break;
        case 'f': out_ch(b, '\f'); break;
        case 'n': out_ch(b, '\n'); break;
        case 'q': out_ch(b, '"'); break;
        case 'r': out_ch(b, '\r'); break;
        case 't': out_ch(b, '\t'); break;
        case '\\': out_ch(b, '\\'); break;
        default: break;
        }
    }
}

static bn *read_number(bcs *b);

static void execute(bcs *b)
{
    vl_ctx *c = b->c;
    b->pc = 0;
    b->nfr = 0;
    b->rt_error = false;
    int curf = 0;
    uint64_t steps = 0;
    while (!b->rt_error) {
        func *f = &b->fn[curf];
        if ((size_t)b->pc >= f->code.len) break;
        const unsigned char *code = (const unsigned char *)f->code.data;
        int inst = fetch(b, code);
        if (++steps >= 1024) {
            bn_work(c, steps * 64);
            steps = 0;
        }
        bn *x, *y, *r;
        int id;
        switch (inst) {
        case '0': push(b, bn_zero(c)); break;
        case '1': push(b, bn_one(c)); break;
        case 'K': {
            signed char dg[4096];
            signed char *d = dg;
            int n = 0, cap = (int)sizeof dg;
            int ch;
            while ((ch = fetch(b, code)) != ':') {
                if (n == cap) {
                    signed char *nd = vl_xmalloc(c, (size_t)cap * 2);
                    memcpy(nd, d, (size_t)cap);
                    if (d != dg) vl_xfree(c, d);
                    d = nd;
                    cap *= 2;
                }
                d[n++] = (signed char)(ch == '.' ? -1 : ch);
            }
            push(b, bn_from_digits(c, d, n, b->ibase, false));
            if (d != dg) vl_xfree(c, d);
            break;
        }
        case 'l':
            id = fetch_id(b, code);
            push(b, get_var(b, id));
            break;
        case 's':
            id = fetch_id(b, code);
            b->adr = b->pc;
            set_var(b, id, b->stk[b->sp - 1]);
            break;
        case 'i':
        case 'd': {
            id = fetch_id(b, code);
            x = get_var(b, id);
            bn *one = bn_one(c);
            r = inst == 'i' ? bn_add(c, x, one, 0) : bn_sub(c, x, one, 0);
            set_var(b, id, r);
            bn_unref(c, r);
            bn_unref(c, one);
            bn_unref(c, x);
            break;
        }
        case 'L':
        case 'S':
        case 'A':
        case 'M': {
            id = fetch_id(b, code);
            b->adr = b->pc;
            bn *val = inst == 'S' ? pop(b) : NULL;
            x = pop(b);
            size_t ix;
            bool ok = arr_index(b, id, x, &ix);
            bn_unref(c, x);
            if (!ok) {
                bn_unref(c, val);
                break;
            }
            bn **slot = arr_slot(b, id, ix);
            if (inst == 'L') push(b, bn_ref(*slot));
            else if (inst == 'S') {
                bn_unref(c, *slot);
                *slot = bn_ref(val);
                push(b, val);
            } else {
                bn *one = bn_one(c);
                r = inst == 'A' ? bn_add(c, *slot, one, 0) : bn_sub(c, *slot, one, 0);
                bn_unref(c, one);
                bn_unref(c, *slot);
                *slot = r;
            }
            break;
        }
        case 'D': push(b, bn_ref(b->stk[b->sp - 1])); break;
        case 'x':
            x = b->stk[b->sp - 1];
            b->stk[b->sp - 1] = b->stk[b->sp - 2];
            b->stk[b->sp - 2] = x;
            break;
        case 'p': bn_unref(c, pop(b)); break;
        case 'W':
        case 'P':
            x = pop(b);
            bn_print(c, x, b->obase, out_ch, b);
            if (inst == 'W') out_ch(b, '\n');
            bn_unref(c, b->vval[4]);
            b->vval[4] = x;
            break;
        case 'w': print_str(b, code, false); break;
        case 'O': print_str(b, code, true); break;
        case 'n':
            x = pop(b);
            y = bn_zero(c);
            push(b, bn_sub(c, y, x, 0));
            bn_unref(c, x);
            bn_unref(c, y);
            break;
        case '!':
            x = pop(b);
            push(b, bn_is_zero(x) ? bn_one(c) : bn_zero(c));
            bn_unref(c, x);
            break;
        case '+': case '-': case '*': case '/': case '%': case '^':
        case '=': case '#': case '<': case '{': case '>': case '}': {
            b->adr = b->pc;
            y = pop(b);
            x = pop(b);
            r = NULL;
            int cmp;
            switch (inst) {
            case '+': r = bn_add(c, x, y, 0); break;
            case '-': r = bn_sub(c, x, y, 0); break;
            case '*': r = bn_mul(c, x, y, b->scale); break;
            case '/':
                r = bn_div(c, x, y, b->scale);
                if (!r) rt_error(b, "Divide by zero");
                break;
            case '%':
                r = bn_mod(c, x, y, b->scale);
                if (!r) rt_error(b, "Modulo by zero");
                break;
            case '^': {
                bool warn = y->scale != 0;
                const char *err = NULL;
                if (warn) rt_msg(b, "warning", "non-zero scale in exponent");
                r = bn_raise(c, x, y, b->scale, &warn, &err);
                if (!r) rt_error(b, err);
                break;
            }
            default:
                cmp = bn_cmp(x, y);
                bool t = inst == '=' ? cmp == 0 : inst == '#' ? cmp != 0 : inst == '<' ? cmp < 0
                         : inst == '{' ? cmp <= 0 : inst == '>' ? cmp > 0 : cmp >= 0;
                r = t ? bn_one(c) : bn_zero(c);
            }
            bn_unref(c, x);
            bn_unref(c, y);
            if (r) push(b, r);
            break;
        }
        case 'B':
        case 'Z':
        case 'J': {
            int lab = fetch(b, code);
            lab |= fetch(b, code) << 8;
            bool jump = inst == 'J';
            if (!jump) {
                x = pop(b);
                bool nz = !bn_is_zero(x);
                bn_unref(c, x);
                jump = inst == 'B' ? nz : !nz;
            }
            if (jump) b->pc = lab < f->nlabels ? f->labels[lab] : (int)f->code.len;
            break;
        }
        case 'c': {
            int k = fetch(b, code);
            b->adr = b->pc;
            if (k == 'I') {
                push(b, read_number(b));
                break;
            }
            x = pop(b);
            if (k == 'L') push(b, bn_from_long(c, bn_length(x)));
            else if (k == 'S') push(b, bn_from_long(c, x->scale));
            else {
                r = bn_sqrt(c, x, b->scale);
                if (!r) rt_error(b, "Square root of a negative number");
                else push(b, r);
            }
            bn_unref(c, x);
            break;
        }
        case 'h':
            vl_exit(c, 0);
        case 'C': {
            int fi = fetch_id(b, code);
            b->adr = b->pc;
            func *g = fi < b->nfn ? &b->fn[fi] : NULL;
            if (!g || !g->defined) {
                char msg[256];
                snprintf(msg, sizeof msg, "Function %s not defined.", g ? g->name : "?");
                rt_error(b, msg);
                break;
            }
            int nargs = 0;
            int tstart = b->pc;
            while (code[b->pc] != ':') b->pc++, nargs++;
            b->adr = b->pc;
            b->pc++;
            if (nargs != g->nparams) {
                rt_error(b, "Parameter number mismatch");
                break;
            }
            for (int i = 0; i < nargs; i++)
                if ((code[tstart + i] == '1') != g->parr[i]) {
                    rt_error(b, "Parameter type mismatch");
                    break;
                }
            if (b->rt_error) break;
            if (b->nfr >= MAX_FRAMES) {
                rt_error(b, "function call nesting too deep");
                break;
            }
            /* take the arguments (last on top) */
            void **vals = vl_xmalloc(c, (size_t)(nargs ? nargs : 1) * sizeof *vals);
            for (int i = nargs - 1; i >= 0; i--) {
                x = pop(b);
                if (g->parr[i]) {
                    bool ok;
                    long a = bn_to_long(x, &ok);
                    vals[i] = copy_array(b, a < b->narrs ? b->aval[a] : NULL);
                    bn_unref(c, x);
                } else vals[i] = x;
            }
            for (int i = 0; i < nargs; i++) {
                if (g->parr[i]) {
                    save_push(b, &b->asave[g->params[i]], b->aval[g->params[i]]);
                    b->aval[g->params[i]] = vals[i];
                } else {
                    save_push(b, &b->vsave[g->params[i]], b->vval[g->params[i]]);
                    b->vval[g->params[i]] = vals[i];
                }
            }
            vl_xfree(c, vals);
            for (int i = 0; i < g->nautos; i++) {
                if (g->aarr[i]) {
                    save_push(b, &b->asave[g->autos[i]], b->aval[g->autos[i]]);
                    b->aval[g->autos[i]] = NULL;
                } else {
                    save_push(b, &b->vsave[g->autos[i]], b->vval[g->autos[i]]);
                    b->vval[g->autos[i]] = NULL;
                }
            }
            if (b->nfr == b->capfr) {
                b->capfr = b->capfr ? b->capfr * 2 : 16;
                b->fr = vl_xrealloc(c, b->fr, (size_t)b->capfr * sizeof *b->fr);
            }
            b->fr[b->nfr].func = fi;
            b->fr[b->nfr].ret_pc = b->pc;
            b->fr[b->nfr].ret_func = curf;
            b->nfr++;
            curf = fi;
            b->pc = 0;
            break;
        }
        case 'R': {
            x = pop(b);
            if (b->nfr == 0) {
                bn_unref(c, x);
                b->pc = (int)f->code.len;
                break;
            }
            curf = b->fr[b->nfr - 1].ret_func;
            b->pc = b->fr[b->nfr - 1].ret_pc;
            pop_frame(b);
            push(b, x);
            break;
        }
        default:
            b->adr = b->pc;
            rt_error(b, "bad instruction");
            break;
        }
    }
    while (b->nfr) pop_frame(b);
    while (b->sp) bn_unref(c, pop(b));
}

/* read(): a number from the next line of standard input (GNU reads it with the same rules as
 * a constant in the program, in the current ibase) */
static _Thread_local const char *stdin_data, *stdin_end, *stdin_pos;
static _Thread_local bool stdin_loaded;
static char *slurp(vl_ctx *c, vl_in *in, size_t *n);

static void load_stdin(bcs *b)
{
    vl_in *in = vl_in_fd(b->c, 0, "-");
    size_t len;
    char *src = slurp(b->c, in, &len);
    stdin_data = stdin_pos = src;
    stdin_end = src + len;
    stdin_loaded = true;
}

static bn *read_number(bcs *b)
{
    if (!b->stdin_src && !stdin_loaded) load_stdin(b);
    if (b->stdin_src) fill_line(b);
    const char **pp = b->stdin_src ? &b->p : &stdin_pos;
    const char *end = b->stdin_src ? b->end : stdin_end;
    const char *p = *pp;
    if (!p) p = end;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    vl_buf d = {0};
    bool dot = false;
    while (p < end) {
        int v = -2;
        if (*p >= '0' && *p <= '9') v = *p - '0';
        else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
        else if (*p == '.' && !dot) dot = true, v = -1;
        if (v == -2) break;
        vl_buf_addc(b->c, &d, v);
        p++;
    }
    while (p < end && *p != '\n') p++;
    if (p < end) {
        p++;
        if (b->stdin_src) b->line++;
    }
    *pp = p;
    bn *r = bn_from_digits(b->c, (signed char *)d.data, (int)d.len, b->ibase, neg);
    vl_buf_free(b->c, &d);
    return r;
}

/* Drop the current token without taking it (yacc discarding input while recovering). */
static void next1_skip(bcs *b)
{
    int save = b->errstatus;
    next(b);
    b->errstatus = save;
}

/* Can tok begin a statement (what yacc accepts after the error token)? */
static bool starts_statement(int tok, bcs *b)
{
    switch (tok) {
    case T_NUM: case T_NAME: case T_STR: case T_INCDEC: case T_LAST: case T_IBASE:
    case T_OBASE: case T_SCALE: case T_HISTORY: case T_LENGTH: case T_SQRT: case T_READ:
    case T_IF: case T_WHILE: case T_FOR: case T_BREAK: case T_CONTINUE: case T_QUIT:
    case T_HALT: case T_RETURN: case T_PRINT: case T_LIMITS: case T_WARRANTY:
        return true;
    case T_OP:
        return b->top == '(' || b->top == '-' || b->top == '!' || b->top == '{';
    default:
        return false;
    }
}

static void reset_gen(bcs *b)
{
    clear_code(b, 0);
    b->cur = 0;
    b->in_func = false;
    b->next_label = 1;
    b->break_label = b->continue_label = b->if_label = 0;
    b->had_error = false;
    b->did_gen = false;
    b->depth = 0;
}

/* Run a program from in (streamed), or from src[0..n) when in is NULL. */
static void run_source(bcs *b, vl_in *in, const char *src, size_t n, const char *fname)
{
    b->in = in;
    if (in) {
        if (!b->buf) {
            b->cap = 4096;
            b->buf = vl_xmalloc(b->c, b->cap);
        }
        src = b->buf;
        n = 0;
    }
    b->nl_off = in ? 0 : n;
    b->src = src;
    b->p = src;
    b->end = src + n;
    b->fname = fname;
    b->line = 1;
    reset_gen(b);
    bool resume = false; /* recovered into the middle of a line: parse the rest of it */
    if (setjmp(b->perr)) {
        if (!b->errstatus) vl_eprintf(b->c, "%s %d: syntax error\n", b->fname, b->line);
        bool nl_ok = !b->semi_seen && !b->braces; /* the line's first state takes error-NL */
        if (b->errstatus == 3) { /* nothing taken since the last error: drop the token */
            if (b->tok == T_EOF) goto done;
            next1_skip(b);
        }
        b->errstatus = 3;
        b->depth = 0;
        b->braces = 0;
        b->cur = 0;
        b->in_func = false;
        b->break_label = b->continue_label = b->if_label = 0;
        for (;;) {
            if (b->tok == T_EOF) goto done;
            if (b->tok == T_NL && nl_ok) {
                reset_gen(b);
                b->semi_seen = false;
                next(b);
                break;
            }
            if (starts_statement(b->tok, b)) {
                resume = true;
                b->had_error = true;
                break;
            }
            next1_skip(b);
        }
    } else {
        next(b);
    }
    for (;;) {
        if (b->tok == T_EOF) break;
        if (b->tok == T_NL && !resume) {
            reset_gen(b);
            b->semi_seen = false;
            if (b->in) compact(b);
            next(b);
            continue;
        }
        if (b->tok == T_DEFINE && !resume) {
            define(b);
            reset_gen(b);
            continue;
        }
        bool any = resume;
        resume = false;
        for (;;) {
            if (is_op(b, ';')) {
                b->semi_seen = true;
                next(b);
                continue;
            }
            if (b->tok == T_NL || b->tok == T_EOF) break;
            statement(b);
            any = true;
            if (!(is_op(b, ';') || b->tok == T_NL)) syntax_error(b);
        }
        if (b->tok == T_EOF && any) syntax_error(b);
        if (!b->had_error && b->did_gen) execute(b);
        reset_gen(b);
        b->semi_seen = false;
        if (b->tok == T_NL) {
            if (b->in) compact(b);
            next(b);
        }
    }
done:
    b->in = NULL;
    b->errstatus = 0;
}

static char *slurp(vl_ctx *c, vl_in *in, size_t *n)
{
    vl_buf buf = {0};
    char tmp[65536];
    ssize_t r;
    while ((r = vl_in_read(c, in, tmp, sizeof tmp)) > 0) vl_buf_add(c, &buf, tmp, (size_t)r);
    vl_buf_addc(c, &buf, 0);
    *n = buf.len - 1;
    return buf.data;
}

static const char bc_usage[] =
    "usage: bc [options] [file ...]\n"
    "  -h  --help         print this usage and exit\n"
    "  -i  --interactive  force interactive mode\n"
    "  -l  --mathlib      use the predefined math routines\n"
    "  -q  --quiet        don't print initial banner\n"
    "  -s  --standard     non-standard bc constructs are errors\n"
    "  -w  --warn         warn about non-standard bc constructs\n"
    "  -v  --version      print version information and exit\n";

/* GNU bc's own option handling (getopt_long over "hilqswv"), with its usage text and messages;
 * returns the operands moved to argv[1..n]. */
static int bc_options(vl_ctx *c, int argc, char **argv, bool *use_mathlib)
{
    static const char *const longs[] = {"help", "interactive", "mathlib", "quiet",
                                        "standard", "warn", "version"};
    static const char shorts[] = "hilqswv";
    int n = 0;
    bool only_operands = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_operands || a[0] != '-' || a[1] == 0) {
            argv[++n] = a;
            continue;
        }
        char opts[64];
        size_t no = 0;
        if (a[1] == '-') {
            if (a[2] == 0) {
                only_operands = true;
                continue;
            }
            int found = -1, matches = 0;
            size_t l = strlen(a + 2);
            for (int k = 0; k < 7; k++) {
                if (strcmp(longs[k], a + 2) == 0) {
                    found = k;
                    matches = 1;
                    break;
                }
                if (strncmp(longs[k], a + 2, l) == 0) found = k, matches++;
            }
            if (matches != 1) {
                vl_eprintf(c, matches ? "bc: option '%s' is ambiguous\n"
                                      : "bc: unrecognized option '%s'\n", a);
                vl_puts(c, bc_usage);
                vl_exit(c, 1);
            }
            opts[no++] = shorts[found];
        } else {
            for (const char *q = a + 1; *q && no < sizeof opts; q++) {
                if (!strchr(shorts, *q)) {
                    vl_eprintf(c, "bc: invalid option -- '%c'\n", *q);
                    vl_puts(c, bc_usage);
                    vl_exit(c, 1);
                }
                opts[no++] = *q;
            }
        }
        for (size_t k = 0; k < no; k++) {
            if (opts[k] == 'h') {
                vl_puts(c, bc_usage);
                vl_exit(c, 0);
            }
            if (opts[k] == 'v') {
                vl_puts(c, "bc 1.07.1\nCopyright 1991-1994, 1997, 1998, 2000, 2004, 2006, 2008, "
                           "2012-2017 Free Software Foundation, Inc.\n");
                vl_exit(c, 0);
            }
            if (opts[k] == 'l') *use_mathlib = true;
        }
    }
    argv[n + 1] = NULL;
    return n;
}

static int bc_main(vl_ctx *c, int argc, char **argv)
{
    /* BC_ENV_ARGS: words taken as arguments before the command line's (GNU) */
    const char *env = vk_getenv(c->p, "BC_ENV_ARGS");
    if (env) {
        int extra = 0;
        for (const char *q = env; *q;) {
            while (*q == ' ' || *q == '\t' || *q == '\n') q++;
            if (!*q) break;
            extra++;
            while (*q && *q != ' ' && *q != '\t' && *q != '\n') q++;
        }
        char **nv = vl_xcalloc(c, (size_t)(argc + extra + 1), sizeof *nv);
        int k = 0;
        nv[k++] = argv[0];
        for (const char *q = env; *q;) {
            while (*q == ' ' || *q == '\t' || *q == '\n') q++;
            if (!*q) break;
            const char *st = q;
            while (*q && *q != ' ' && *q != '\t' && *q != '\n') q++;
            char *w = vl_xmalloc(c, (size_t)(q - st) + 1);
            memcpy(w, st, (size_t)(q - st));
            w[q - st] = 0;
            nv[k++] = w;
        }
        for (int i = 1; i < argc; i++) nv[k++] = argv[i];
        argv = nv;
        argc = k;
    }
    bool use_mathlib = false;
    int n = bc_options(c, argc, argv, &use_mathlib);
    bn_init(c);
    stdin_loaded = false;
    stdin_data = stdin_pos = stdin_end = NULL;
    bcs *b = vl_xcalloc(c, 1, sizeof *b);
    b->c = c;
    b->ibase = b->obase = 10;
    b->line_size = 70;
    const char *ll = vk_getenv(c->p, "BC_LINE_LENGTH");
    if (ll) {
        b->line_size = atoi(ll);
        if (b->line_size < 3 && b->line_size != 0) b->line_size = 70;
    }
    func_id(b, "(main)");
    b->fn[0].defined = true;
    /* room for the specials (ibase obase scale history last: 0..4); names count from 5 */
    b->nvars = 64;
    b->vval = vl_xcalloc(c, (size_t)b->nvars, sizeof *b->vval);
    b->vsave = vl_xcalloc(c, (size_t)b->nvars, sizeof *b->vsave);
    if (use_mathlib) {
        run_source(b, NULL, mathlib, sizeof mathlib - 1, "(mathlib)");
        /* GNU loads the library as byte code: its parameter and auto names are not in the
         * name table, and the user's variables number from 6 (observed: one id is taken).
         * Forgetting the names keeps the byte addresses in messages equal to GNU's; the
         * library's functions only use their own parameters and autos, saved and restored
         * around each call, so sharing ids with user variables changes nothing. */
        b->vars.n = 0;
        var_id(b, "");
    }
    for (int i = 1; i <= n; i++) {
        int err;
        vl_in *in = vl_in_open_quiet(c, argv[i], &err);
        if (!in) {
            vl_eprintf(c, "File %s is unavailable.\n", argv[i]);
            vl_exit(c, 1);
        }
        run_source(b, in, NULL, 0, argv[i]);
        vl_in_close(c, in);
    }
    b->stdin_src = true;
    if (stdin_loaded) /* read() already took standard input in */
        run_source(b, NULL, stdin_pos, (size_t)(stdin_end - stdin_pos), "(standard_in)");
    else run_source(b, vl_in_fd(c, 0, "-"), NULL, 0, "(standard_in)");
    return 0;
}

VL_COMMAND(bc, bc_main, bc_opts, "[OPTION]... [FILE]...",
           "An arbitrary precision calculator language.", VL_NO_OPTIONS, 1);
