/* sed_parse.c: sed's compiler, after GNU sed 4.9's compile.c: the script (its -e and -f pieces
 * in order) becomes an array of commands. Blocks and `a\` text may span pieces, as in GNU.
 * Errors carry GNU's wording and position ("-e expression #2, char 5: ...", "file F line 3:
 * ..."): the position is the count of characters read so far in the piece. Regexes are
 * compiled here, `w` files opened (and truncated) here, as GNU does; labels are resolved at
 * the end. Execution is in sed.c. */
#include "cmd/sed.h"

#include <stdio.h>
#include <string.h>

#define SEOF (-1)

typedef struct parser {
    vl_ctx *c;
    const sed_opts *o;
    sed_prog *prog;
    sed_piece *pieces;
    int npieces, cur;
    size_t pos;  /* in the current piece */
    int line;    /* in the current piece (for -f) */
    int *blocks; /* indexes of open '{' */
    int nblocks, capblocks;
    /* `a\` text left open at the end of a piece: continues in the next one */
    vl_buf pending;
    int pending_cmd; /* -1: none */
    bool first_script;
} parser;

_Noreturn static void bad(parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bad(parser *ps, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const sed_piece *pc = &ps->pieces[ps->cur < ps->npieces ? ps->cur : ps->npieces - 1];
    if (pc->file)
        vl_eprintf(ps->c, "%s: file %s line %d: %s\n", ps->c->name, pc->name, ps->line, msg);
    else
        vl_eprintf(ps->c, "%s: -e expression #%d, char %zu: %s\n", ps->c->name, pc->index,
                   ps->pos, msg);
    vl_exit(ps->c, 1);
}

static int inchar(parser *ps)
{
    const sed_piece *pc = &ps->pieces[ps->cur];
    if (ps->pos >= pc->len) return SEOF;
    int ch = (unsigned char)pc->text[ps->pos++];
    if (ch == '\n') ps->line++;
    return ch;
}

static void savchar(parser *ps, int ch)
{
    if (ch == SEOF) return;
    if (ch == '\n' && ps->line > 1) ps->line--;
    ps->pos--;
}

static bool is_space(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'; }
static bool is_blank(int ch) { return ch == ' ' || ch == '\t'; }
static bool is_digit(int ch) { return ch >= '0' && ch <= '9'; }

/* the next character that is not a blank (space, tab) */
static int in_nonblank(parser *ps)
{
    int ch;
    do ch = inchar(ps);
    while (is_blank(ch));
    return ch;
}

static int64_t in_integer(parser *ps, int ch)
{
    int64_t n = 0;
    while (is_digit(ch)) {
        if (n < INT64_MAX / 10) n = n * 10 + (ch - '0');
        ch = inchar(ps);
    }
    savchar(ps, ch);
    return n;
}

/* After a command: blanks, then the end of the command (; newline EOF), or a } or # kept. */
static void read_end_of_cmd(parser *ps)
{
    int ch = in_nonblank(ps);
    if (ch == '}' || ch == '#')
        savchar(ps, ch);
    else if (ch != SEOF && ch != '\n' && ch != ';')
        bad(ps, "extra characters after command");
}

/* ---- escapes (GNU's normalize_text) ---- */
enum { TX_NONE, TX_REGEX, TX_REPL, TX_BUFFER };

/* \dNNN \oNNN \xHH: up to as many digits as fit a byte (3, 3, 2) */
static size_t convert_number(const char *s, size_t n, int base, int *out)
{
    int v = 0, max = 1;
    size_t i = 1;
    for (; i < n && max <= 255; i++, max *= base) {
        int d = -1, ch = (unsigned char)s[i];
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
        if (d < 0 || d >= base) break;
        v = v * base + d;
    }
    if (i == 1) {
        *out = (unsigned char)s[0]; /* no digit: the letter itself */
        return 1;
    }
    *out = v & 0xff;
    return i;
}

/* Convert the GNU escapes of s[0..n) in place; returns the new length. Other backslash pairs are
 * kept as they are (the regex compiler and the replacement parser read them), except in `a i c`
 * text where the backslash goes. */
static size_t normalize(parser *ps, char *s, size_t n, int type)
{
    size_t i = 0, o = 0;
    while (i < n) {
        if (s[i] != '\\' || i + 1 >= n) {
            s[o++] = s[i++];
            continue;
        }
        int ch = (unsigned char)s[i + 1], v;
        size_t used;
        switch (ch) {
        case 'a': s[o++] = '\a'; i += 2; continue;
        case 'f': s[o++] = '\f'; i += 2; continue;
        case 'n':
            if (type == TX_REPL) break; /* the replacement parser reads \n */
            s[o++] = '\n';
            i += 2;
            continue;
        case 'r': s[o++] = '\r'; i += 2; continue;
        case 't': s[o++] = '\t'; i += 2; continue;
        case 'v': s[o++] = '\v'; i += 2; continue;
        case 'd': case 'o': case 'x':
            used = convert_number(s + i + 1, n - i - 1, ch == 'd' ? 10 : ch == 'o' ? 8 : 16, &v);
            if (used == 1) break;
            /* in a replacement, a produced & or \ is literal */
            if (type == TX_REPL && (v == '&' || v == '\\')) s[o++] = '\\';
            s[o++] = (char)v;
            i += 1 + used;
            continue;
        case 'c':
            if (i + 2 >= n) break;
            if (s[i + 2] == '\\') {
                if (i + 3 < n && s[i + 3] == '\\' && type != TX_BUFFER) {
                    /* \c\\ is control-backslash */
                    s[o++] = 0x1c;
                    i += 4;
                    continue;
                }
                bad(ps, "recursive escaping after \\c not allowed");
            }
            v = (unsigned char)s[i + 2];
            if (v >= 'a' && v <= 'z') v -= 32;
            v ^= 0x40;
            if (type == TX_REPL && (v == '&' || v == '\\')) s[o++] = '\\';
            s[o++] = (char)v;
            i += 3;
            continue;
        default:
            break;
        }
        if (type == TX_BUFFER) {
            /* text of a i c: a backslash keeps the next character as it is */
            s[o++] = (char)ch;
            i += 2;
            continue;
        }
        s[o++] = s[i++];
        s[o++] = s[i++];
    }
    return o;
}

/* ---- regexes ---- */
static sed_rx *compile_rx(parser *ps, vl_buf *b, int flags)
{
    vl_ctx *c = ps->c;
    sed_rx *rx = vl_xcalloc(c, 1, sizeof *rx);
    rx->next = ps->prog->rxs;
    ps->prog->rxs = rx;
    if (b->len == 0) {
        /* the empty regex: the last one used, as it was compiled */
        if (flags & (VL_RE_ICASE | VL_RE_NEWLINE)) bad(ps, "cannot specify modifiers on empty regexp");
        return rx;
    }
    size_t n = normalize(ps, b->data, b->len, TX_REGEX);
    vl_re_diag diag;
    memset(&diag, 0, sizeof diag);
    int syntax = ps->o->ere ? VL_RE_ERE : VL_RE_BRE;
    if (ps->o->ere) flags |= VL_RE_PAREN_STRICT;
    int rc = vl_re_compile(c->p, b->data, n, syntax, flags | VL_RE_NL_END, &rx->re, &diag);
    if (rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG) bad(ps, "%s", diag.msg);
    if (rc < 0) {
        int w = vk_dying(c->p);
        vl_eprintf(c, "%s: %s\n", c->name, vl_strerror(rc));
        vl_exit(c, w ? VK_WSHELL(w) : 4);
    }
    rx->ngroups = vl_re_ngroups(rx->re);
    return rx;
}

/* Read up to the delimiter slash (GNU's match_slash): \slash is slash, \n a newline in a regex,
 * a backslash-newline a newline; other pairs are kept. false at the end of the line or piece. */
static bool match_slash(parser *ps, int slash, bool regex, vl_buf *b)
{
    b->len = 0;
    int ch;
    while ((ch = inchar(ps)) != SEOF && ch != '\n') {
        if (ch == '[' && regex) {
            /* a bracket expression: the delimiter is an ordinary character inside it */
            vl_buf_addc(ps->c, b, ch);
            ch = inchar(ps);
            if (ch == '^') {
                vl_buf_addc(ps->c, b, ch);
                ch = inchar(ps);
            }
            if (ch == ']') {
                vl_buf_addc(ps->c, b, ch);
                ch = inchar(ps);
            }
            while (ch != SEOF && ch != '\n' && ch != ']') {
                if (ch == '[') {
                    int k = inchar(ps);
                    vl_buf_addc(ps->c, b, ch);
                    if (k == ':' || k == '.' || k == '=') {
                        /* [:class:] [.coll.] [=equiv=] */
                        vl_buf_addc(ps->c, b, k);
                        int prev = 0;
                        ch = inchar(ps);
                        while (ch != SEOF && ch != '\n' && !(ch == ']' && prev == k)) {
                            vl_buf_addc(ps->c, b, ch);
                            prev = ch;
                            ch = inchar(ps);
                        }
                        if (ch == ']') vl_buf_addc(ps->c, b, ch), ch = inchar(ps);
                        continue;
                    }
                    ch = k;
                    continue;
                }
                if (ch == '\\') {
                    int k = inchar(ps);
                    if (k == 'n') {
                        vl_buf_addc(ps->c, b, '\n');
                        ch = inchar(ps);
                        continue;
                    }
                    vl_buf_addc(ps->c, b, ch);
                    ch = k;
                    continue;
                }
                vl_buf_addc(ps->c, b, ch);
                ch = inchar(ps);
            }
            if (ch != ']') break;
            vl_buf_addc(ps->c, b, ch);
            continue;
        }
        if (ch == slash) {
            vl_buf_addc(ps->c, b, 0);
            b->len--;
            return true;
        }
        if (ch == '\\') {
            ch = inchar(ps);
            if (ch == SEOF) break;
            if (ch == 'n' && regex)
                ch = '\n';
            else if (ch != '\n' && (ch != slash || (!regex && ch == '&')))
                vl_buf_addc(ps->c, b, '\\');
        }
        vl_buf_addc(ps->c, b, ch);
    }
    if (ch == '\n') savchar(ps, ch);
    return false;
}

/* Address flags after /re/: I and M, any number of times. */
static int rx_flags(parser *ps)
{
    int flags = 0;
    for (;;) {
        int ch = inchar(ps);
        if (ch == 'I')
            flags |= VL_RE_ICASE;
        else if (ch == 'M')
            flags |= VL_RE_NEWLINE;
        else {
            savchar(ps, ch);
            return flags;
        }
    }
}

static bool compile_address(parser *ps, sed_addr *a, int ch)
{
    memset(a, 0, sizeof *a);
    if (ch == '/' || ch == '\\') {
        if (ch == '\\') ch = inchar(ps);
        if (ch == SEOF) bad(ps, "unterminated address regex");
        vl_buf b = {0};
        if (!match_slash(ps, ch, true, &b)) bad(ps, "unterminated address regex");
        int flags = rx_flags(ps);
        a->type = AD_RE;
        a->rx = compile_rx(ps, &b, flags);
        vl_buf_free(ps->c, &b);
        return true;
    }
    if (is_digit(ch)) {
        a->n1 = in_integer(ps, ch);
        a->type = AD_LINE;
        ch = in_nonblank(ps);
        if (ch != '~' || ps->o->posix) {
            savchar(ps, ch);
        } else {
            int d = in_nonblank(ps);
            if (is_digit(d)) {
                a->n2 = in_integer(ps, d);
                a->type = AD_STEP;
            } else {
                savchar(ps, d);
            }
        }
        return true;
    }
    if ((ch == '+' || ch == '~') && !ps->o->posix) {
        /* +N / ~N; without digits N is 0 */
        a->n1 = in_integer(ps, inchar(ps));
        a->type = ch == '+' ? AD_PLUS : AD_MOD;
        return true;
    }
    if (ch == '$') {
        a->type = AD_LAST;
        return true;
    }
    return false;
}

/* ---- text of a i c ---- */
static void text_done(parser *ps, sed_cmd *cmd, vl_buf *b, bool normalize_it)
{
    size_t n = b->len;
    if (normalize_it) n = normalize(ps, b->data, b->len, TX_BUFFER);
    cmd->text = vl_xmalloc(ps->c, n + 1);
    memcpy(cmd->text, b->data, n);
    cmd->text[n] = 0;
    cmd->tlen = n;
}

/* Read text lines (GNU's read_text): a backslash-newline goes on to the next line; the text
 * ends at a newline without backslash or at the end of the piece; a backslash at the very end
 * of a piece leaves the text open for the next piece. */
static void read_text(parser *ps, int idx, int leadin)
{
    vl_buf *b = &ps->pending;
    sed_cmd *cmd = &ps->prog->cmds[idx];
    if (leadin == SEOF) {
        ps->pending_cmd = idx;
        return;
    }
    if (leadin != '\n') vl_buf_addc(ps->c, b, leadin);
    int ch = inchar(ps);
    while (ch != SEOF && ch != '\n') {
        if (ch == '\\') {
            ch = inchar(ps);
            if (ch != SEOF) vl_buf_addc(ps->c, b, '\\');
        }
        if (ch == SEOF) {
            /* open at the end of the piece: kept as it is if no piece continues it */
            vl_buf_addc(ps->c, b, '\n');
            text_done(ps, cmd, b, false);
            ps->pending_cmd = idx;
            return;
        }
        vl_buf_addc(ps->c, b, ch);
        ch = inchar(ps);
    }
    vl_buf_addc(ps->c, b, '\n');
    text_done(ps, cmd, b, true);
    b->len = 0;
    ps->pending_cmd = -1;
}

/* ---- file names, labels ---- */
static char *read_filename(parser *ps)
{
    vl_buf b = {0};
    int ch = in_nonblank(ps);
    while (ch != SEOF && ch != '\n') {
        vl_buf_addc(ps->c, &b, ch);
        ch = inchar(ps);
    }
    vl_buf_addc(ps->c, &b, 0);
    return b.data;
}

static char *read_label(parser *ps)
{
    vl_buf b = {0};
    int ch = in_nonblank(ps);
    while (ch != SEOF && ch != '\n' && !is_space(ch) && ch != ';' && ch != '}' && ch != '#') {
        vl_buf_addc(ps->c, &b, ch);
        ch = inchar(ps);
    }
    savchar(ps, ch);
    vl_buf_addc(ps->c, &b, 0);
    return b.data;
}

static sed_out *get_out(parser *ps, const char *name)
{
    for (sed_out *o = ps->prog->outs; o; o = o->next)
        if (strcmp(o->name, name) == 0) return o;
    vl_ctx *c = ps->c;
    sed_out *o = vl_xcalloc(c, 1, sizeof *o);
    o->name = vl_xstrdup(c, name);
    if (strcmp(name, "/dev/stdout") == 0) {
        o->fd = -1;
    } else if (strcmp(name, "/dev/stderr") == 0) {
        o->fd = 2;
    } else {
        o->fd = vk_open(c->p, name, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC | VK_O_CLOEXEC, 0666);
        if (o->fd < 0) {
            int w = vk_dying(c->p);
            if (w) vl_exit(c, VK_WSHELL(w));
            vl_eprintf(c, "%s: couldn't open file %s: %s\n", c->name, name, vl_strerror(o->fd));
            vl_exit(c, 4);
        }
    }
    o->next = ps->prog->outs;
    ps->prog->outs = o;
    return o;
}

static sed_rfile *get_rfile(parser *ps, const char *name)
{
    for (sed_rfile *r = ps->prog->rfiles; r; r = r->next)
        if (strcmp(r->name, name) == 0) return r;
    sed_rfile *r = vl_xcalloc(ps->c, 1, sizeof *r);
    r->name = vl_xstrdup(ps->c, name);
    r->fd = -2;
    r->next = ps->prog->rfiles;
    ps->prog->rfiles = r;
    return r;
}

/* ---- s ---- */
static void compile_repl(parser *ps, sed_subst *sub, vl_buf *b)
{
    vl_ctx *c = ps->c;
    size_t n = b->len ? normalize(ps, b->data, b->len, TX_REPL) : 0;
    const char *s = b->data;
    /* at most one part per byte, plus one */
    sub->parts = vl_xcalloc(c, n + 1, sizeof *sub->parts);
    char *out = vl_xmalloc(c, n + 1); /* literal text, unescaped */
    size_t olen = 0, tstart = 0;
    int np = 0;
#define FLUSH_TEXT()                                                                               \
    do {                                                                                           \
        if (olen > tstart) {                                                                       \
            sub->parts[np].kind = RP_TEXT;                                                         \
            sub->parts[np].s = out + tstart;                                                       \
            sub->parts[np].len = olen - tstart;                                                    \
            np++;                                                                                  \
        }                                                                                          \
        tstart = olen;                                                                             \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '&') {
            FLUSH_TEXT();
            sub->parts[np].kind = RP_GROUP;
            sub->parts[np++].n = 0;
            continue;
        }
        if (ch != '\\' || i + 1 >= n) {
            out[olen++] = ch;
            continue;
        }
        char e = s[++i];
        if (e >= '0' && e <= '9') {
            FLUSH_TEXT();
            sub->parts[np].kind = RP_GROUP;
            sub->parts[np++].n = e - '0';
            if (e - '0' > sub->maxref) sub->maxref = e - '0';
            continue;
        }
        int cs = -1;
        switch (e) {
        case 'L': cs = CASE_L; break;
        case 'U': cs = CASE_U; break;
        case 'l': cs = CASE_ONE_L; break;
        case 'u': cs = CASE_ONE_U; break;
        case 'E': cs = CASE_END; break;
        case 'n': out[olen++] = '\n'; continue;
        default: out[olen++] = e; continue;
        }
        if (ps->o->posix) {
            out[olen++] = e;
            continue;
        }
        FLUSH_TEXT();
        sub->parts[np].kind = RP_CASE;
        sub->parts[np++].n = cs;
    }
    FLUSH_TEXT();
#undef FLUSH_TEXT
    sub->nparts = np;
}

static void compile_s(parser *ps, sed_cmd *cmd)
{
    vl_ctx *c = ps->c;
    int slash = inchar(ps);
    if (slash == SEOF) bad(ps, "unterminated `s' command");
    vl_buf re = {0}, rp = {0};
    if (!match_slash(ps, slash, true, &re)) bad(ps, "unterminated `s' command");
    if (!match_slash(ps, slash, false, &rp)) bad(ps, "unterminated `s' command");
    sed_subst *sub = vl_xcalloc(c, 1, sizeof *sub);
    cmd->sub = sub;
    int flags = 0;
    bool have_num = false;
    sub->numb = 1;
    for (;;) {
        int ch = inchar(ps);
        switch (ch) {
        case 'i': case 'I':
            flags |= VL_RE_ICASE;
            break;
        case 'm': case 'M':
            flags |= VL_RE_NEWLINE;
            break;
        case 'e':
            if (ps->o->sandbox) bad(ps, "e/r/w commands disabled in sandbox mode");
            sub->eval = true;
            break;
        case 'p':
            if (sub->print) bad(ps, "multiple `p' options to `s' command");
            sub->print = true;
            break;
        case 'g':
            if (sub->global) bad(ps, "multiple `g' options to `s' command");
            sub->global = true;
            break;
        case 'w':
            if (ps->o->sandbox) bad(ps, "e/r/w commands disabled in sandbox mode");
            {
                char *f = read_filename(ps);
                if (!*f) bad(ps, "missing filename in r/R/w/W commands");
                sub->out = get_out(ps, f);
            }
            goto done;
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            if (have_num) bad(ps, "multiple number options to `s' command");
            have_num = true;
            sub->numb = in_integer(ps, ch);
            if (sub->numb == 0) bad(ps, "number option to `s' command may not be zero");
            break;
        case '}': case '#':
            savchar(ps, ch);
            goto done;
        case '\n': case ';': case SEOF:
            goto done;
        case '\r':
            if (inchar(ps) == '\n') goto done;
            bad(ps, "unknown option to `s'");
        default:
            if (is_blank(ch)) {
                read_end_of_cmd(ps);
                goto done;
            }
            bad(ps, "unknown option to `s'");
        }
    }
done:
    sub->rx = compile_rx(ps, &re, flags);
    compile_repl(ps, sub, &rp);
    if (sub->rx->re && (size_t)sub->maxref > sub->rx->ngroups)
        bad(ps, "invalid reference \\%d on `s' command's RHS", sub->maxref);
    vl_buf_free(c, &re);
    vl_buf_free(c, &rp);
}

/* y/src/dst/: \\ is a backslash, \n a newline, \slash the slash; the other escapes as GNU */
static void compile_y(parser *ps, sed_cmd *cmd)
{
    vl_ctx *c = ps->c;
    int slash = inchar(ps);
    if (slash == SEOF) bad(ps, "unterminated `y' command");
    vl_buf a = {0}, b = {0};
    if (!match_slash(ps, slash, false, &a)) bad(ps, "unterminated `y' command");
    if (!match_slash(ps, slash, false, &b)) bad(ps, "unterminated `y' command");
    size_t na = a.len ? normalize(ps, a.data, a.len, TX_NONE) : 0;
    size_t nb = b.len ? normalize(ps, b.data, b.len, TX_NONE) : 0;
    /* resolve the remaining backslash pairs */
    unsigned char *sa = vl_xmalloc(c, na + 1), *sb = vl_xmalloc(c, nb + 1);
    size_t la = 0, lb = 0;
    for (int k = 0; k < 2; k++) {
        const char *s = k ? b.data : a.data;
        size_t n = k ? nb : na;
        unsigned char *d = k ? sb : sa;
        size_t *l = k ? &lb : &la;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '\\' && i + 1 < n) {
                unsigned char e = (unsigned char)s[i + 1];
                if (e == '\\') {
                    ch = '\\';
                    i++;
                } else if (e == 'n') {
                    ch = '\n';
                    i++;
                } else if (e == (unsigned char)slash) {
                    ch = e;
                    i++;
                }
            }
            d[(*l)++] = ch;
        }
    }
    if (la != lb) bad(ps, "strings for `y' command are different lengths");
    cmd->ytab = vl_xmalloc(c, 256);
    for (int i = 0; i < 256; i++) cmd->ytab[i] = (unsigned char)i;
    for (size_t i = 0; i < la; i++) cmd->ytab[sa[i]] = sb[i];
    vl_buf_free(c, &a);
    vl_buf_free(c, &b);
    read_end_of_cmd(ps);
}

static sed_cmd *new_cmd(parser *ps)
{
    sed_prog *pg = ps->prog;
    if (pg->ncmds == pg->cap) {
        pg->cap = pg->cap ? pg->cap * 2 : 16;
        pg->cmds = vl_xrealloc(ps->c, pg->cmds, (size_t)pg->cap * sizeof *pg->cmds);
    }
    sed_cmd *cmd = &pg->cmds[pg->ncmds++];
    memset(cmd, 0, sizeof *cmd);
    cmd->jump = -1;
    cmd->num = -1;
    return cmd;
}

/* Compile the current piece. */
static void compile_piece(parser *ps)
{
    vl_ctx *c = ps->c;
    if (ps->pending_cmd >= 0) read_text(ps, ps->pending_cmd, '\n');
    for (;;) {
        int ch = inchar(ps);
        /* "#n" starting the first piece: -n */
        if (ch == '#' && ps->first_script && ps->pos == 1) {
            ch = inchar(ps);
            if (ch == 'n') ps->prog->hash_n = true; /* GNU looks at these two bytes only */
            while (ch != SEOF && ch != '\n') ch = inchar(ps);
            continue;
        }
        while (ch == ';' || is_space(ch)) ch = inchar(ps);
        if (ch == SEOF) break;
        sed_cmd *cmd = new_cmd(ps);
        int idx = ps->prog->ncmds - 1;
        cmd->piece = ps->cur;
        if (compile_address(ps, &cmd->a1, ch)) {
            if ((cmd->a1.type == AD_PLUS || cmd->a1.type == AD_MOD) && cmd->a1.n1 != 0)
                bad(ps, "invalid usage of +N or ~N as first address");
            if (cmd->a1.type == AD_STEP && cmd->a1.n2 == 0) {
                /* first~0 is line first */
                cmd->a1.type = AD_LINE;
            }
            ch = in_nonblank(ps);
            if (ch == ',') {
                if (!compile_address(ps, &cmd->a2, in_nonblank(ps))) bad(ps, "unexpected `,'");
                if (cmd->a2.type == AD_STEP) {
                    /* n~m as second address: a line number */
                    cmd->a2.type = AD_LINE;
                }
            } else {
                savchar(ps, ch);
            }
            ch = in_nonblank(ps);
        }
        /* 0 is only the start of 0,/re/ (and the address of 0r); GNU checks before the '!' */
        if (cmd->a1.type == AD_LINE && cmd->a1.n1 == 0) {
            if (cmd->a2.type == AD_RE)
                cmd->a1.type = AD_ZERO, cmd->range = RANGE_ACTIVE;
            else if (!(cmd->a2.type == AD_NONE && ch == 'r'))
                bad(ps, "invalid usage of line address 0");
            else
                cmd->a1.type = AD_ZERO;
        }
        if (ch == '!') {
            cmd->neg = true;
            ch = in_nonblank(ps);
            while (is_space(ch)) ch = inchar(ps);
            if (ch == '!') bad(ps, "multiple `!'s");
        }
        bool addr = cmd->a1.type != AD_NONE;
        cmd->op = (char)ch;
        switch (ch) {
        case '#':
            if (addr) bad(ps, "comments don't accept any addresses");
            while (ch != SEOF && ch != '\n') ch = inchar(ps);
            ps->prog->ncmds--;
            continue;
        case 'v': {
            /* v [VERSION]: fails when VERSION is newer than 4.9, in strverscmp's order as
             * GNU (digit runs of any length; "05" and "4.09" are older) */
            char *ver = read_label(ps);
            if (strverscmp(ver, "4.9") > 0) bad(ps, "expected newer version of sed");
            read_end_of_cmd(ps);
            ps->prog->ncmds--;
            continue;
        }
        case '{':
            if (ps->nblocks == ps->capblocks) {
                ps->capblocks = ps->capblocks ? 2 * ps->capblocks : 8;
                ps->blocks = vl_xrealloc(c, ps->blocks, (size_t)ps->capblocks * sizeof *ps->blocks);
            }
            ps->blocks[ps->nblocks++] = idx;
            break;
        case '}':
            if (ps->nblocks == 0) bad(ps, "unexpected `}'");
            if (addr) bad(ps, "`}' doesn't want any addresses");
            ps->prog->cmds[ps->blocks[--ps->nblocks]].jump = idx + 1;
            read_end_of_cmd(ps);
            break;
        case 'e':
            if (ps->o->sandbox) bad(ps, "e/r/w commands disabled in sandbox mode");
            {
                char *f = read_filename(ps);
                cmd->text = f;
                cmd->tlen = strlen(f);
            }
            break;
        case 'a': case 'i': case 'c':
            ch = in_nonblank(ps);
            if (ch == SEOF) bad(ps, "expected \\ after `a', `c' or `i'");
            if (ch == '\\') {
                ch = inchar(ps);
            } else {
                if (ps->o->posix) bad(ps, "expected \\ after `a', `c' or `i'");
                savchar(ps, ch);
                ch = '\n';
            }
            ps->pending.len = 0;
            read_text(ps, idx, ch);
            break;
        case ':':
            if (addr) bad(ps, ": doesn't want any addresses");
            {
                char *l = read_label(ps);
                if (!*l) bad(ps, "\":\" lacks a label");
                cmd->text = l;
            }
            break; /* GNU reads the next command right after a label */
        case 'T': case 'b': case 't':
            cmd->text = read_label(ps);
            break;
        case 'Q': case 'q':
            if (cmd->a2.type != AD_NONE) bad(ps, "command only uses one address");
            /* fall through */
        case 'L': case 'l':
            ch = in_nonblank(ps);
            if (is_digit(ch))
                cmd->num = in_integer(ps, ch);
            else
                savchar(ps, ch);
            read_end_of_cmd(ps);
            break;
        case '=': case 'd': case 'D': case 'F': case 'g': case 'G': case 'h': case 'H':
        case 'n': case 'N': case 'p': case 'P': case 'z': case 'x':
            read_end_of_cmd(ps);
            break;
        case 'r': case 'R': case 'w': case 'W':
            if (ps->o->sandbox) bad(ps, "e/r/w commands disabled in sandbox mode");
            {
                char *f = read_filename(ps);
                if (!*f) bad(ps, "missing filename in r/R/w/W commands");
                if (ch == 'w' || ch == 'W')
                    cmd->out = get_out(ps, f);
                else
                    cmd->rf = get_rfile(ps, f);
            }
            break;
        case 's':
            compile_s(ps, cmd);
            break;
        case 'y':
            compile_y(ps, cmd);
            break;
        case SEOF:
            bad(ps, "missing command");
        default:
            bad(ps, "unknown command: `%c'", ch);
        }
    }
}

void sed_compile(vl_ctx *c, const sed_opts *o, sed_piece *pieces, int npieces, sed_prog *prog)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.c = c;
    ps.o = o;
    ps.prog = prog;
    ps.pieces = pieces;
    ps.npieces = npieces;
    ps.pending_cmd = -1;
    for (ps.cur = 0; ps.cur < npieces; ps.cur++) {
        ps.pos = 0;
        ps.line = 1;
        ps.first_script = ps.cur == 0;
        compile_piece(&ps);
    }
    ps.cur = npieces - 1;
    if (ps.pending_cmd >= 0 && !prog->cmds[ps.pending_cmd].text) {
        /* "a\" at the very end: the text is empty */
        prog->cmds[ps.pending_cmd].text = vl_xstrdup(c, "");
    }
    if (ps.nblocks > 0) {
        ps.pos = 0;
        ps.line = 0;
        bad(&ps, "unmatched `{'");
    }
    /* labels (GNU reports the last jump without one) */
    for (int i = prog->ncmds - 1; i >= 0; i--) {
        sed_cmd *cmd = &prog->cmds[i];
        if (cmd->op != 'b' && cmd->op != 't' && cmd->op != 'T') continue;
        if (!*cmd->text) {
            cmd->jump = -1;
            continue;
        }
        int target = -2;
        for (int k = 0; k < prog->ncmds; k++)
            if (prog->cmds[k].op == ':' && strcmp(prog->cmds[k].text, cmd->text) == 0) {
                target = k;
                break;
            }
        if (target == -2) {
            vl_eprintf(c, "%s: can't find label for jump to `%s'\n", c->name, cmd->text);
            vl_exit(c, 4);
        }
        cmd->jump = target;
    }
    vl_buf_free(c, &ps.pending);
    vl_xfree(c, ps.blocks);
}

void sed_free_prog(sed_prog *prog)
{
    for (sed_rx *rx = prog->rxs; rx; rx = rx->next) {
        vl_re_free(rx->re);
        rx->re = NULL;
    }
}
