/* arith.c: $(( )) arithmetic as bash does it: 64-bit wrapping integers, every C operator with
 * C precedence, ** , assignment operators, ++/--, ternary and comma, 0x / 0 / base#n
 * constants, variables evaluated recursively as expressions, short-circuit without side
 * effects, and bash's error messages. The text is already expanded; no $ handling here. */
#include <stdio.h>
#include <string.h>

#include "shell/sh.h"

enum {
    A_EOF = 0, A_NUM, A_ID, A_LP, A_RP,
    A_PLUS, A_MINUS, A_MUL, A_DIV, A_MOD, A_POW, A_SHL, A_SHR, A_LT, A_LE, A_GT, A_GE, A_EQ,
    A_NE, A_BAND, A_BXOR, A_BOR, A_LAND, A_LOR, A_NOT, A_BNOT, A_QUEST, A_COLON, A_COMMA,
    A_INC, A_DEC, A_ASSIGN,
    A_BAD, /* a character no token starts with, where an operand is expected */
    /* compound assignments: A_ASSIGN + 1 + the binary op's position */
    A_ASG_FIRST,
};

typedef struct actx {
    sh_state *sh;
    const char *expr;     /* whole expression (leading blanks skipped) */
    const char *p;        /* lexer position */
    int tok;
    int asg_op;           /* for compound assignment tokens: the binary operator */
    int64_t num;
    const char *id;
    size_t idlen;
    const char *tok_start;
    const char *prev_start; /* start of the last consumed token (bash's error token) */
    int last;             /* the token before this one */
    int noeval;
    bool err;
    int depth;
} actx;

static void aerror(actx *a, const char *msg, const char *at)
{
    if (a->err) return;
    a->err = true;
    if (!at) at = a->prev_start ? a->prev_start : a->expr;
    if (a->sh->arith_ctx)
        sh_error(a->sh, "%s: %s: %s (error token is \"%s\")", a->sh->arith_ctx, a->expr, msg,
                 at);
    else
        sh_error(a->sh, "%s: %s (error token is \"%s\")", a->expr, msg, at);
}

/* a bad constant: bash shows the expression up to the end of the constant, and the
 * constant as the error token */
static void aerror_num(actx *a, const char *msg, const char *s)
{
    if (a->err) return;
    const char *e = s;
    while (sh_is_name_char((unsigned char)*e) || *e == '#' || *e == '@') e++;
    char expr[512], tok[256];
    snprintf(expr, sizeof expr, "%.*s", (int)(e - a->expr), a->expr);
    snprintf(tok, sizeof tok, "%.*s", (int)(e - s), s);
    a->err = true;
    if (a->sh->arith_ctx)
        sh_error(a->sh, "%s: %s: %s (error token is \"%s\")", a->sh->arith_ctx, expr, msg, tok);
    else
        sh_error(a->sh, "%s: %s (error token is \"%s\")", expr, msg, tok);
}

static int digit_val(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 36;
    if (c == '@') return 62;
    if (c == '_') return 63;
    return 99;
}

/* parse an integer constant at s; returns chars used or -1 after an error */
static int parse_number(actx *a, const char *s, int64_t *out)
{
    const char *q = s;
    uint64_t v = 0;
    int base = 10;
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
        base = 16;
        q += 2;
    } else if (q[0] == '0') {
        base = 8;
    }
    /* a constant is bash's token: letters, digits, _, @ and #; a # after a 0 or 0x prefix,
     * or a second one, is "invalid number" */
    const char *t = q;
    while (sh_is_name_char((unsigned char)*t) || *t == '@' || *t == '#') t++;
    const char *hash = memchr(q, '#', (size_t)(t - q));
    if (hash && base != 10) {
        /* bash reads in order: a digit too great for the prefix's base comes first */
        for (const char *d = q; d < hash; d++) {
            int dv = digit_val((unsigned char)*d);
            if (base == 16 && *d >= 'A' && *d <= 'F') dv = *d - 'A' + 10;
            if (dv >= base) {
                aerror_num(a, "value too great for base", s);
                return -1;
            }
        }
        aerror_num(a, "invalid number", s);
        return -1;
    }
    /* base#digits */
    const char *h = q;
    while (*h >= '0' && *h <= '9') h++;
    if (*h == '#' && base == 10) {
        int64_t b = 0;
        for (const char *d = q; d < h && b <= 64; d++) b = b * 10 + (*d - '0'); /* past 64: bad */
        if (b < 2 || b > 64) {
            aerror_num(a, "invalid arithmetic base", s);
            return -1;
        }
        base = (int)b;
        q = h + 1;
        const char *start = q;
        while (sh_is_name_char((unsigned char)*q) || *q == '@') {
            int dv = digit_val((unsigned char)*q);
            if (base <= 36 && *q >= 'A' && *q <= 'Z') dv = *q - 'A' + 10;
            if (dv >= base) {
                aerror_num(a, "value too great for base", s);
                return -1;
            }
            v = v * (uint64_t)base + (uint64_t)dv;
            q++;
        }
        if (q == start) {
            aerror_num(a, "invalid integer constant", s);
            return -1;
        }
        if (*q == '#') {
            aerror_num(a, "invalid number", s);
            return -1;
        }
        *out = (int64_t)v;
        return (int)(q - s);
    }
    while (sh_is_name_char((unsigned char)*q)) {
        int dv = digit_val((unsigned char)*q);
        if (base == 16 && *q >= 'A' && *q <= 'F') dv = *q - 'A' + 10;
        if (dv >= base) {
            aerror_num(a, "value too great for base", s);
            return -1;
        }
        v = v * (uint64_t)base + (uint64_t)dv;
        q++;
    }
    *out = (int64_t)v;
    return (int)(q - s);
}

/* the operators, longest first where one is the start of another */
static const struct {
    const char *s;
    int tok, asg;
} ops[] = {
    {"<<=", A_ASSIGN, A_SHL}, {">>=", A_ASSIGN, A_SHR}, {"**", A_POW, 0},
    {"*=", A_ASSIGN, A_MUL},  {"/=", A_ASSIGN, A_DIV},  {"%=", A_ASSIGN, A_MOD},
    {"+=", A_ASSIGN, A_PLUS}, {"-=", A_ASSIGN, A_MINUS}, {"&=", A_ASSIGN, A_BAND},
    {"^=", A_ASSIGN, A_BXOR}, {"|=", A_ASSIGN, A_BOR},  {"<<", A_SHL, 0},
    {">>", A_SHR, 0},         {"<=", A_LE, 0},          {">=", A_GE, 0},
    {"==", A_EQ, 0},          {"!=", A_NE, 0},          {"&&", A_LAND, 0},
    {"||", A_LOR, 0},         {"++", A_INC, 0},         {"--", A_DEC, 0},
    {"+", A_PLUS, 0},         {"-", A_MINUS, 0},        {"*", A_MUL, 0},
    {"/", A_DIV, 0},          {"%", A_MOD, 0},          {"<", A_LT, 0},
    {">", A_GT, 0},           {"=", A_ASSIGN, 0},       {"&", A_BAND, 0},
    {"^", A_BXOR, 0},         {"|", A_BOR, 0},          {"!", A_NOT, 0},
    {"~", A_BNOT, 0},         {"?", A_QUEST, 0},        {":", A_COLON, 0},
    {",", A_COMMA, 0},        {"(", A_LP, 0},           {")", A_RP, 0},
};

/* c starts some token (an operator, a number or a name) */
static bool starts_token(char c)
{
    if ((c >= '0' && c <= '9') || sh_is_name_start((unsigned char)c)) return true;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].s[0] == c) return true;
    return false;
}

static void next_(actx *a);

static void next(actx *a)
{
    a->last = a->tok;
    next_(a);
}

static void next_(actx *a)
{
    a->prev_start = a->tok_start;
    while (*a->p == ' ' || *a->p == '\t' || *a->p == '\n' || *a->p == '\r') a->p++;
    a->tok_start = a->p;
    const char *s = a->p;
    char c = *s;
    if (!c) {
        a->tok = A_EOF;
        return;
    }
    if (c >= '0' && c <= '9') {
        int n = parse_number(a, s, &a->num);
        if (n < 0) {
            a->tok = A_EOF;
            return;
        }
        a->p += n;
        a->tok = A_NUM;
        return;
    }
    if (sh_is_name_start((unsigned char)c)) {
        const char *q = s;
        while (sh_is_name_char((unsigned char)*q)) q++;
        if (*q == '[') {
            /* an array element: the subscript is part of the identifier */
            int depth = 0;
            const char *e = q;
            for (; *e; e++) {
                if (*e == '[') depth++;
                if (*e == ']' && --depth == 0) break;
            }
            if (*e == ']') q = e + 1;
        }
        a->id = s;
        a->idlen = (size_t)(q - s);
        a->p = q;
        a->tok = A_ID;
        if (a->last == A_NUM || a->last == A_ID || a->last == A_RP) {
            /* a name where an operator belongs: bash has read the token after it first,
             * so a character no token starts with is the error reported ("a b @") */
            const char *n = q;
            while (*n == ' ' || *n == '\t' || *n == '\n' || *n == '\r') n++;
            if (*n && !starts_token(*n)) {
                a->prev_start = n;
                aerror(a, "syntax error: invalid arithmetic operator", n);
                a->tok = A_EOF;
            }
        }
        return;
    }
    /* ++ and -- are increments after a variable or before one; elsewhere they are two
     * signs, as bash reads them: --2 is 2, 1--2 is 3 */
    if ((c == '+' || c == '-') && s[1] == c && a->tok != A_ID) {
        const char *q = s + 2;
        while (*q == ' ' || *q == '\t' || *q == '\n') q++;
        if (!sh_is_name_start((unsigned char)*q)) {
            a->p += 1;
            a->tok = c == '+' ? A_PLUS : A_MINUS;
            a->asg_op = 0;
            return;
        }
    }
    /* longest first; the first character rules most entries out */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *o = ops[i].s;
        if (o[0] != c || (o[1] && o[1] != s[1]) || (o[1] && o[2] && o[2] != s[2])) continue;
        size_t n = o[1] ? (o[2] ? 3 : 2) : 1;
        {
            a->p += n;
            a->tok = ops[i].tok;
            a->asg_op = ops[i].asg;
            return;
        }
    }
    a->tok_start = s;
    /* bash: where an operand is expected the character is a missing operand ([0-9]+, 'a b',
     * é); after an operand it is a bad operator (1 @ 2) */
    bool after_operand = a->last == A_NUM || a->last == A_ID || a->last == A_RP;
    if (!after_operand) {
        a->tok = A_BAD;
        return;
    }
    a->prev_start = s;
    aerror(a, "syntax error: invalid arithmetic operator", s);
    a->tok = A_EOF;
}

static int64_t expr_comma(actx *a);
static int64_t expr_assign(actx *a);
static int arith_eval(sh_state *sh, const char *expr, int64_t *out);

/* name[sub] in an expression: the variable (NULL when unset) and, for an indexed array,
 * the index (the subscript is an expression) or, for an associative one, the key (text) */
typedef struct elem_ref {
    char name[256];
    sh_var *var;
    bool elem;      /* a subscript was given */
    int64_t idx;
    char key[256];
} elem_ref;

static bool resolve(actx *a, const char *id, size_t n, elem_ref *r)
{
    r->elem = false;
    r->idx = 0;
    r->key[0] = 0;
    const char *br = memchr(id, '[', n);
    size_t nl = br ? (size_t)(br - id) : n;
    if (nl >= sizeof r->name) nl = sizeof r->name - 1;
    memcpy(r->name, id, nl);
    r->name[nl] = 0;
    r->var = sh_var_get(a->sh, r->name);
    if (!br) return true;
    r->elem = true;
    const char *sub = br + 1;
    size_t sl = n - nl - 2;
    if (r->var && (r->var->flags & VF_ASSOC)) {
        if (sl >= sizeof r->key) sl = sizeof r->key - 1;
        memcpy(r->key, sub, sl);
        r->key[sl] = 0;
        return true;
    }
    char tmp[256];
    if (sl >= sizeof tmp) sl = sizeof tmp - 1;
    memcpy(tmp, sub, sl);
    tmp[sl] = 0;
    actx s2 = {.sh = a->sh, .expr = tmp, .p = tmp, .depth = a->depth + 1, .noeval = a->noeval};
    next(&s2);
    r->idx = s2.err ? 0 : expr_comma(&s2);
    if (s2.err) {
        a->err = true;
        return false;
    }
    if (r->idx < 0 && r->var && (r->var->flags & VF_ARRAY) && r->var->narr)
        r->idx += r->var->arr[r->var->narr - 1].idx + 1;
    return true;
}

/* value of a variable used in an expression */
static int64_t var_value(actx *a, const char *name, size_t n)
{
    /* a branch not taken (0 && x, 1 ? 3 : a[1+]) reads nothing: bash neither evaluates the
     * value nor the subscript there */
    if (a->noeval) return 0;
    elem_ref r;
    if (!resolve(a, name, n, &r)) return 0;
    const char *v = NULL;
    if (!r.elem)
        v = sh_var_value(a->sh, r.name);
    else if (r.var && (r.var->flags & VF_ASSOC))
        v = sh_assoc_get(r.var, r.key);
    else if (r.var)
        v = sh_array_get(r.var, r.idx);
    if (!v) {
        if (a->sh->opt[O_NOUNSET] && !a->noeval) {
            sh_error(a->sh, "%.*s: unbound variable", (int)n, name);
            a->err = true;
            a->sh->fatal = true;
            a->sh->status = 127; /* a -c string ends with 127, a script file with 1 */
            a->sh->arith_unbound = true;
        }
        return 0;
    }
    while (*v == ' ' || *v == '\t' || *v == '\n') v++;
    if (!*v) return 0;
    int64_t out;
    const char *d = v + (*v == '-' || *v == '+');
    /* plain decimal is the common case; a leading 0 means octal, left to the parser */
    if (!(d[0] == '0' && d[1]) && sh_parse_int(v, &out)) return out;
    if (a->depth > 1000) {
        aerror(a, "expression recursion level exceeded", name); /* bash: from the name on */
        return 0;
    }
    out = 0;
    actx sub = {.sh = a->sh, .expr = v, .p = v, .depth = a->depth + 1, .noeval = a->noeval};
    next(&sub);
    if (!sub.err) out = expr_comma(&sub);
    if (!sub.err && sub.tok != A_EOF) aerror(&sub, "syntax error in expression", sub.tok_start);
    if (sub.err) a->err = true;
    return out;
}

static void set_var(actx *a, const char *name, size_t n, int64_t v)
{
    if (a->noeval) return;
    elem_ref r;
    if (!resolve(a, name, n, &r)) return;
    char val[32];
    snprintf(val, sizeof val, "%lld", (long long)v);
    int rc;
    if (!r.elem) {
        rc = sh_var_set(a->sh, r.name, val, 0);
    } else if (r.var && (r.var->flags & VF_READONLY)) {
        sh_error(a->sh, "%s: readonly variable", r.name);
        rc = -1;
    } else if (r.var && (r.var->flags & VF_ASSOC)) {
        rc = sh_assoc_set(a->sh, r.var, r.key, val);
    } else {
        sh_var *var = r.var ? r.var : sh_array_new(a->sh, r.name);
        rc = var ? sh_array_set(a->sh, var, r.idx, val) : -1;
    }
    if (rc != 0) a->err = true;
}

static int64_t ipow(int64_t b, int64_t e)
{
    uint64_t r = 1, x = (uint64_t)b;
    while (e > 0) {
        if (e & 1) r *= x;
        x *= x;
        e >>= 1;
    }
    return (int64_t)r;
}

/* l op r; at: bash's error token for a division by 0 or a negative exponent (NULL: the last
 * token read) */
static int64_t binop(actx *a, int op, int64_t l, int64_t r, const char *at)
{
    switch (op) {
    case A_PLUS: return (int64_t)((uint64_t)l + (uint64_t)r);
    case A_MINUS: return (int64_t)((uint64_t)l - (uint64_t)r);
    case A_MUL: return (int64_t)((uint64_t)l * (uint64_t)r);
    case A_DIV:
    case A_MOD:
        if (r == 0) {
            if (!a->noeval) aerror(a, "division by 0", at);
            return 0;
        }
        if (l == INT64_MIN && r == -1) return op == A_DIV ? l : 0;
        return op == A_DIV ? l / r : l % r;
    case A_POW:
        if (r < 0) {
            if (!a->noeval) aerror(a, "exponent less than 0", at);
            return 0;
        }
        return ipow(l, r);
    case A_SHL: return (int64_t)((uint64_t)l << (r & 63));
    case A_SHR: return l >> (r & 63);
    case A_LT: return l < r;
    case A_LE: return l <= r;
    case A_GT: return l > r;
    case A_GE: return l >= r;
    case A_EQ: return l == r;
    case A_NE: return l != r;
    case A_BAND: return l & r;
    case A_BXOR: return l ^ r;
    case A_BOR: return l | r;
    }
    return 0;
}

static int64_t expr_unary(actx *a);

static bool too_deep(actx *a);

static int64_t expr_primary_(actx *a);

static int64_t expr_primary(actx *a)
{
    if (a->err || too_deep(a)) return 0;
    a->sh->arith_nest++;
    int64_t v = expr_primary_(a);
    a->sh->arith_nest--;
    return v;
}

static int64_t expr_primary_(actx *a)
{
    switch (a->tok) {
    case A_NUM: {
        int64_t v = a->num;
        next(a);
        return v;
    }
    case A_ID: {
        const char *id = a->id;
        size_t n = a->idlen;
        next(a);
        if (a->tok == A_INC || a->tok == A_DEC) {
            int d = a->tok == A_INC ? 1 : -1;
            int64_t v = var_value(a, id, n);
            set_var(a, id, n, v + d);
            next(a);
            return v;
        }
        /* a name followed by = where no assignment can be (!i=3): bash does not read its
         * value; the error is the assignment's */
        if (a->tok == A_ASSIGN && a->asg_op == 0) return 0;
        return var_value(a, id, n);
    }
    case A_LP: {
        next(a);
        int64_t v = expr_comma(a);
        if (a->err) return 0;
        if (a->tok != A_RP) {
            aerror(a, "missing `)'", a->tok_start);
            return 0;
        }
        next(a);
        return v;
    }
    case A_EOF:
        aerror(a, "syntax error: operand expected", NULL);
        return 0;
    default:
        aerror(a, "syntax error: operand expected", a->tok_start);
        return 0;
    }
}

/* every recursion of the grammar passes through unary or primary: stop before the C stack
 * ends ((((...1)))) 100000 deep is a limit, not a host crash) */
static bool too_deep(actx *a)
{
    /* a count as well as the stack: a few thousand levels is far past any real expression,
     * and keeps the calls under what ThreadSanitizer can record (64K) */
    if (a->sh->arith_nest < 8192 && !vk_stack_low()) return false;
    aerror(a, "expression recursion level exceeded", a->tok_start);
    vk_limit_hit(a->sh->p, VOS_ENEST);
    return true;
}

static int64_t expr_unary_(actx *a);

static int64_t expr_unary(actx *a)
{
    if (a->err || too_deep(a)) return 0;
    a->sh->arith_nest++;
    int64_t v = expr_unary_(a);
    a->sh->arith_nest--;
    return v;
}

static int64_t expr_unary_(actx *a)
{
    int t = a->tok;
    if (t == A_PLUS || t == A_MINUS || t == A_NOT || t == A_BNOT) {
        next(a);
        int64_t v = expr_unary(a);
        if (t == A_MINUS) return (int64_t)(0 - (uint64_t)v);
        if (t == A_NOT) return !v;
        if (t == A_BNOT) return ~v;
        return v;
    }
    if (t == A_INC || t == A_DEC) {
        next(a);
        if (a->tok != A_ID) /* --2 is -(-2) and ++3 is +(+3) in bash */
            return expr_unary(a);
        const char *id = a->id;
        size_t n = a->idlen;
        next(a);
        int64_t v = var_value(a, id, n) + (t == A_INC ? 1 : -1);
        set_var(a, id, n, v);
        if (!a->err && (a->tok == A_INC || a->tok == A_DEC)) {
            /* --n++: the value of --n is no variable (bash has changed n already) */
            aerror(a, a->tok == A_INC ? "++: assignment requires lvalue"
                                      : "--: assignment requires lvalue", a->tok_start);
            return 0;
        }
        return v;
    }
    return expr_primary(a);
}

static int64_t expr_pow(actx *a)
{
    int64_t l = expr_unary(a);
    if (!a->err && a->tok == A_POW) {
        next(a);
        int64_t r = expr_pow(a); /* right associative */
        if (a->err) return 0;
        /* bash's error token for a negative exponent: the token after it, if any */
        return binop(a, A_POW, l, r, a->tok == A_EOF ? NULL : a->tok_start);
    }
    return l;
}

static int prec(int tok)
{
    switch (tok) {
    case A_MUL: case A_DIV: case A_MOD: return 10;
    case A_PLUS: case A_MINUS: return 9;
    case A_SHL: case A_SHR: return 8;
    case A_LT: case A_LE: case A_GT: case A_GE: return 7;
    case A_EQ: case A_NE: return 6;
    case A_BAND: return 5;
    case A_BXOR: return 4;
    case A_BOR: return 3;
    case A_LAND: return 2;
    case A_LOR: return 1;
    }
    return 0;
}

static int64_t expr_bin(actx *a, int minprec)
{
    int64_t l = expr_pow(a);
    for (;;) {
        if (a->err) return 0;
        int op = a->tok;
        int pr = prec(op);
        if (pr == 0 || pr < minprec) return l;
        next(a);
        if (op == A_LAND || op == A_LOR) {
            bool skip = op == A_LAND ? !l : l;
            if (skip) a->noeval++;
            int64_t r = expr_bin(a, pr + 1);
            if (skip) a->noeval--;
            l = op == A_LAND ? (l && r) : (l || r);
            continue;
        }
        const char *rs = a->tok_start; /* bash's error token for a division by 0 */
        int64_t r = expr_bin(a, pr + 1);
        if (a->err) return 0;
        l = binop(a, op, l, r, rs);
    }
}

static int64_t expr_cond(actx *a)
{
    int64_t c = expr_bin(a, 1);
    if (a->err || a->tok != A_QUEST) return c;
    next(a);
    if (a->tok == A_COLON || a->tok == A_EOF) {
        aerror(a, "expression expected", a->tok_start);
        return 0;
    }
    if (!c) a->noeval++;
    int64_t t = expr_comma(a);
    if (!c) a->noeval--;
    if (a->err) return 0;
    if (a->tok != A_COLON) {
        /* at the end bash shows the last token */
        aerror(a, "`:' expected for conditional expression",
               a->tok == A_EOF ? a->prev_start : a->tok_start);
        return 0;
    }
    const char *colon = a->tok_start;
    next(a);
    if (a->tok == A_EOF) {
        aerror(a, "expression expected", colon);
        return 0;
    }
    if (c) a->noeval++;
    int64_t f = expr_cond(a);
    if (c) a->noeval--;
    return c ? t : f;
}

static int64_t expr_assign(actx *a)
{
    const char *save_p = a->p, *save_start = a->tok_start, *save_prev = a->prev_start;
    int save_tok = a->tok;
    if (a->tok == A_ID) {
        /* look ahead for an assignment operator */
        next(a);
        bool asg = a->tok == A_ASSIGN;
        a->p = save_p;
        a->tok_start = save_start;
        a->prev_start = save_prev;
        a->tok = save_tok;
        /* re-lex the identifier */
        a->p = save_start;
        next(a);
        a->prev_start = save_prev;
        if (asg) {
            /* only here, at the start of an assignment expression, is `name op=` an
             * assignment: -i=3 and a || i=3 assign to a non-variable, as in bash */
            const char *id = a->id;
            size_t n = a->idlen;
            next(a);
            int op = a->asg_op;
            next(a);
            /* n op= rhs: bash reads n before the right side runs (n+=2*n-- adds to the old
             * n) */
            int64_t old = op ? var_value(a, id, n) : 0;
            if (a->err) return 0;
            int64_t r = expr_assign(a);
            if (a->err) return 0;
            int64_t v = op ? binop(a, op, old, r, NULL) : r;
            if (a->err) return 0;
            set_var(a, id, n, v);
            return v;
        }
    }
    int64_t v = expr_cond(a);
    if (!a->err && a->tok == A_ASSIGN) {
        aerror(a, "attempted assignment to non-variable", a->tok_start);
        return 0;
    }
    return v;
}

static int64_t expr_comma(actx *a)
{
    int64_t v = expr_assign(a);
    while (!a->err && a->tok == A_COMMA) {
        next(a);
        v = expr_assign(a);
    }
    return v;
}

int sh_arith(sh_state *sh, const char *expr, int64_t *out)
{
    while (*expr == ' ' || *expr == '\t' || *expr == '\n') expr++;
    *out = 0;
    if (!*expr) return 0;
    return arith_eval(sh, expr, out);
}

static int arith_eval(sh_state *sh, const char *expr, int64_t *out)
{
    actx a = {.sh = sh, .expr = expr, .p = expr};
    next(&a);
    int64_t v = a.err ? 0 : expr_comma(&a);
    if (!a.err && a.tok == A_BAD)
        aerror(&a, "syntax error: invalid arithmetic operator", a.tok_start);
    if (!a.err && a.tok != A_EOF) aerror(&a, "syntax error in expression", a.tok_start);
    if (a.err) return -1;
    *out = v;
    return 0;
}
