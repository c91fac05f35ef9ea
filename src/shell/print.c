/* print.c: prints a syntax tree back as shell text in bash's canonical layout (what `type f`
 * and `declare -f` show: four-space indents, "f () " then "{ " lines, ";" after commands
 * inside compound bodies). It prints the words as written, never expanded. */
#include <string.h>

#include "shell/sh.h"

/* or'ed into the indent level: not inside a function definition (jobs' text), where bash
 * prints a { } group on one line */
#define PR_FLAT (1 << 20)

static void indent(sh_buf *b, int n)
{
    n &= ~PR_FLAT;
    for (int i = 0; i < n; i++) sh_buf_adds(b, "    ");
}

static void pr_cmd(sh_buf *b, sh_node *n, int ind);

/* the items of a ; / & list, in order */
static int flatten(sh_node *n, sh_node **items, int max, int k)
{
    if (!n) return k;
    if (n->type == N_SEQ) {
        k = flatten(n->a, items, max, k);
        return flatten(n->b, items, max, k);
    }
    if (k < max) items[k++] = n;
    return k;
}

/* a list on separate lines at ind; term: end the last command with ";" too */
static void pr_lines(sh_buf *b, sh_node *n, int ind, bool term)
{
    sh_node *items[256];
    int k = flatten(n, items, 256, 0);
    for (int i = 0; i < k; i++) {
        indent(b, ind);
        pr_cmd(b, items[i], ind);
        bool bg = items[i]->type == N_BG;
        if (i + 1 < k) {
            sh_buf_adds(b, bg ? "\n" : ";\n");
        } else if (term && !bg) {
            sh_buf_addc(b, ';');
        }
    }
}

/* a list on one line: "a; b" */
static void pr_inline(sh_buf *b, sh_node *n, int ind)
{
    sh_node *items[256];
    int k = flatten(n, items, 256, 0);
    for (int i = 0; i < k; i++) {
        pr_cmd(b, items[i], ind);
        if (i + 1 < k) sh_buf_adds(b, items[i]->type == N_BG ? " " : "; ");
    }
}

static void pr_heredocs(sh_buf *b, sh_redir *r)
{
    for (; r; r = r->next) {
        if (r->op != R_HEREDOC) continue;
        sh_buf_addc(b, '\n');
        sh_buf_adds(b, r->body ? r->body : "");
        /* the delimiter without its quotes */
        for (const char *s = r->word; *s; s++)
            if (*s != '\'' && *s != '"' && *s != '\\') sh_buf_addc(b, *s);
        sh_buf_addc(b, '\n');
    }
}

static void pr_redirs(sh_buf *b, sh_redir *r)
{
    static const char *const ops[] = {
#define SH_REDIR_STR2_(n, s) s,
        SH_REDIR_OPS(SH_REDIR_STR2_)
#undef SH_REDIR_STR2_
    };
    for (; r; r = r->next) {
        sh_buf_addc(b, ' ');
        if (r->varname)
            sh_buf_printf(b, "{%s}", r->varname);
        else if (r->fd >= 0)
            sh_buf_printf(b, "%d", r->fd);
        if (r->op == R_HEREDOC) {
            sh_buf_adds(b, r->strip_tabs ? "<<-" : "<<");
            sh_buf_adds(b, r->word);
            continue;
        }
        sh_buf_adds(b, ops[r->op]);
        if (r->op != R_DUPIN && r->op != R_DUPOUT) sh_buf_addc(b, ' ');
        sh_buf_adds(b, r->word);
    }
}

static void trim_add(sh_buf *b, const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    sh_buf_add(b, s, n);
}

/* the inside of [[ ]] */
static void pr_cond(sh_buf *b, sh_node *n)
{
    if (!n) return;
    const char *op = n->name;
    if (!strcmp(op, "&&") || !strcmp(op, "||")) {
        pr_cond(b, n->a);
        sh_buf_printf(b, " %s ", op);
        pr_cond(b, n->b);
    } else if (!strcmp(op, "!")) {
        sh_buf_adds(b, "! ");
        pr_cond(b, n->a);
    } else if (!strcmp(op, "(")) {
        sh_buf_adds(b, "( ");
        pr_cond(b, n->a);
        sh_buf_adds(b, " )");
    } else if (n->flags & NF_COND_WORD) {
        sh_buf_adds(b, n->words[0]);
    } else if (n->nwords == 1) {
        sh_buf_printf(b, "%s %s", op, n->words[0]);
    } else {
        sh_buf_printf(b, "%s %s %s", n->words[0], op, n->words[1]);
    }
}

static void pr_cmd(sh_buf *b, sh_node *n, int ind)
{
    if (!n) return;
    switch (n->type) {
    case N_COND:
        sh_buf_adds(b, "[[ ");
        pr_cond(b, n->a);
        sh_buf_adds(b, " ]]");
        break;
    case N_SIMPLE: {
        bool first = true;
        for (int i = 0; i < n->nassigns; i++) {
            if (!first) sh_buf_addc(b, ' ');
            sh_buf_adds(b, n->assigns[i]);
            first = false;
        }
        for (int i = 0; i < n->nwords; i++) {
            if (!first) sh_buf_addc(b, ' ');
            sh_buf_adds(b, n->words[i]);
            first = false;
        }
        pr_redirs(b, n->redirs);
        pr_heredocs(b, n->redirs);
        return;
    }
    case N_PIPE:
        if (n->flags & NF_TIMED) sh_buf_adds(b, (n->flags & NF_TIME_POSIX) ? "time -p " : "time ");
        if (n->flags & NF_BANG) sh_buf_adds(b, "! ");
        for (sh_node *c = n->a; c; c = c->next) {
            pr_cmd(b, c, ind);
            if (c->next) sh_buf_adds(b, " | ");
        }
        return;
    case N_AND:
    case N_OR:
        pr_cmd(b, n->a, ind);
        sh_buf_adds(b, n->type == N_AND ? " && " : " || ");
        pr_cmd(b, n->b, ind);
        return;
    case N_SEQ:
        pr_inline(b, n, ind);
        return;
    case N_BG:
        pr_cmd(b, n->a, ind);
        sh_buf_adds(b, " &");
        return;
    case N_COPROC:
        sh_buf_adds(b, "coproc ");
        sh_buf_adds(b, n->name);
        sh_buf_addc(b, ' ');
        pr_cmd(b, n->a, ind);
        return;
    case N_SUBSHELL: {
        /* bash puts each command after the first on a line of its own: "( a;\n    b )" */
        sh_buf_adds(b, "( ");
        sh_node *items[256];
        int k = flatten(n->a, items, 256, 0);
        for (int i = 0; i < k; i++) {
            if (i > 0 && items[i - 1]->type != N_BG) indent(b, ind);
            pr_cmd(b, items[i], ind);
            if (i + 1 < k) sh_buf_adds(b, items[i]->type == N_BG ? " " : ";\n");
        }
        sh_buf_adds(b, " )");
        break;
    }
    case N_GROUP:
        if (ind & PR_FLAT) {
            sh_node *items[256];
            int k = flatten(n->a, items, 256, 0);
            sh_buf_adds(b, "{ ");
            pr_inline(b, n->a, ind);
            sh_buf_adds(b, k && items[k - 1]->type == N_BG ? " }" : "; }");
            break;
        }
        sh_buf_adds(b, "{ \n");
        pr_lines(b, n->a, ind + 1, false);
        sh_buf_addc(b, '\n');
        indent(b, ind);
        sh_buf_addc(b, '}');
        break;
    case N_IF:
        sh_buf_adds(b, "if ");
        pr_inline(b, n->a, ind);
        sh_buf_adds(b, "; then\n");
        pr_lines(b, n->b, ind + 1, true);
        if (n->c) {
            sh_buf_addc(b, '\n');
            indent(b, ind);
            sh_buf_adds(b, "else\n");
            pr_lines(b, n->c, ind + 1, true);
        }
        sh_buf_addc(b, '\n');
        indent(b, ind);
        sh_buf_adds(b, "fi");
        break;
    case N_WHILE:
    case N_UNTIL:
        sh_buf_adds(b, n->type == N_WHILE ? "while " : "until ");
        pr_inline(b, n->a, ind);
        sh_buf_adds(b, "; do\n");
        pr_lines(b, n->b, ind + 1, true);
        sh_buf_addc(b, '\n');
        indent(b, ind);
        sh_buf_adds(b, "done");
        break;
    case N_FOR:
        if (n->flags & NF_FOR_ARITH) {
            sh_buf_adds(b, "for ((");
            for (int i = 0; i < 3; i++) {
                if (i) sh_buf_adds(b, "; ");
                trim_add(b, n->words[i]);
            }
            sh_buf_adds(b, "))\n");
        } else {
            sh_buf_printf(b, "%s %s", (n->flags & NF_SELECT) ? "select" : "for", n->name);
            if (n->flags & NF_FOR_IN) {
                sh_buf_adds(b, " in");
                for (int i = 0; i < n->nwords; i++) {
                    sh_buf_addc(b, ' ');
                    sh_buf_adds(b, n->words[i]);
                }
            } else {
                sh_buf_adds(b, " in \"$@\"");
            }
            sh_buf_adds(b, ";\n");
        }
        indent(b, ind);
        sh_buf_adds(b, "do\n");
        pr_lines(b, n->a, ind + 1, true);
        sh_buf_addc(b, '\n');
        indent(b, ind);
        sh_buf_adds(b, "done");
        break;
    case N_CASE:
        sh_buf_printf(b, "case %s in \n", n->words[0]);
        for (sh_node *it = n->a; it; it = it->next) {
            indent(b, ind + 1);
            for (int i = 0; i < it->nwords; i++) {
                if (i) sh_buf_adds(b, " | ");
                sh_buf_adds(b, it->words[i]);
            }
            sh_buf_adds(b, ")\n");
            if (it->a) pr_lines(b, it->a, ind + 2, false);
            sh_buf_addc(b, '\n');
            indent(b, ind + 1);
            sh_buf_adds(b, (it->flags & NF_CASE_FALL)   ? ";&\n"
                           : (it->flags & NF_CASE_TEST) ? ";;&\n"
                                                        : ";;\n");
        }
        indent(b, ind);
        sh_buf_adds(b, "esac");
        break;
    case N_FUNCDEF:
        sh_print_function(b, n->name, n->a, ind);
        return;
    case N_ARITH:
        sh_buf_adds(b, "((");
        sh_buf_adds(b, n->words[0]);
        sh_buf_adds(b, "))");
        break;
    default:
        return;
    }
    pr_redirs(b, n->redirs);
    pr_heredocs(b, n->redirs);
}

void sh_print_command(sh_buf *b, sh_node *n) { pr_inline(b, n, PR_FLAT); }

void sh_print_function(sh_buf *b, const char *name, sh_node *body, int ind)
{
    sh_buf_printf(b, "%s () \n", name);
    indent(b, ind);
    sh_buf_adds(b, "{ \n");
    if (body && body->type == N_GROUP && !body->redirs)
        pr_lines(b, body->a, ind + 1, false);
    else
        pr_lines(b, body, ind + 1, false);
    sh_buf_addc(b, '\n');
    indent(b, ind);
    sh_buf_addc(b, '}');
    if (body && body->type == N_GROUP && body->redirs) pr_redirs(b, body->redirs);
}

char *sh_func_env_text(sh_state *sh, const char *name, sh_node *body)
{
    sh_buf t, out;
    sh_buf_init(&t, sh->p);
    sh_buf_init(&out, sh->p);
    sh_print_function(&t, name, body, 0);
    if (t.oom || !t.s) {
        sh_buf_free(&t);
        return NULL;
    }
    /* drop "name () \n", keep "{ " and join the first body line to it */
    const char *s = strchr(t.s, '\n');
    s = s ? s + 1 : t.s;
    sh_buf_adds(&out, "() ");
    int k = 0; /* line number after the header: 0 is "{ ", which runs on into line 1 */
    for (const char *line = s; *line; k++) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t lead = strspn(line, " \t");
        if (lead > len) lead = len;
        if (k > 1) sh_buf_addc(&out, '\n');
        if (lead) sh_buf_addc(&out, ' ');
        sh_buf_add(&out, line + lead, len - lead);
        if (!nl) break;
        line = nl + 1;
    }
    sh_buf_free(&t);
    if (out.oom || !out.s) {
        sh_buf_free(&out);
        return NULL;
    }
    return out.s; /* the buffer's storage is the caller's now */
}
