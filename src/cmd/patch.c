/* patch: apply a diff to files, as GNU patch 2.7.6 does: unified, context and normal diffs,
 * several files per patch, git headers (new/deleted files, modes, renames), -p/-R/-N/-f/-t,
 * offsets and fuzz found the way GNU searches, its messages, .rej files in its format, backups
 * (-b, and .orig when a hunk did not match exactly), --dry-run, -o, -d, -E. Without a terminal
 * every question takes its default answer, as GNU's does when stdout is not a tty. A patched
 * file is written to a temporary file in its directory, then renamed over the original. It does
 * not run ed for ed-script patches, nor merge (--merge) or -D. */
#include "lib/cmd.h"
#include "lib/diffcore.h"
#include "lib/walk.h"

#include <stdio.h>
#include <string.h>

enum { NO_DIFF, CONTEXT_DIFF, NORMAL_DIFF, NEW_CONTEXT_DIFF, UNI_DIFF, GIT_ONLY };
enum { OLD = 0, NEW = 1, INDEX = 2, NONE = 3 };
enum { V_SILENT, V_DEFAULT, V_VERBOSE };
enum { BK_NONE, BK_SIMPLE, BK_NUMBERED, BK_EXISTING };

typedef struct pl {
    const char *s;
    size_t len;
} pl;

/* A hunk in GNU's normalized form: [0] the "***" line, old lines (' ', '-', '!'), the "---"
 * line ('='), new lines (' ', '+', '!'), then a '^' sentinel. */
typedef struct hunk {
    char *ch;
    pl *line;
    int64_t cap;
    int64_t end; /* p_end */
    int64_t first, ptrn_lines, newfirst, repl_lines;
    int64_t prefix_context, suffix_context;
    const char *c_function; /* with its leading space, up to the newline */
    size_t c_function_len;
    int64_t hunk_beg;
} hunk;

typedef struct written {
    char *name;
} written;

typedef struct P {
    vl_ctx *c;
    /* options */
    int64_t strip; /* -1: not given */
    bool reverse_flag, noreverse, force, batch, dry_run, remove_empty, posix;
    int verbosity;
    int64_t maxfuzz;
    const char *patchname, *outfile, *rejname, *origprae, *origbase, *suffix;
    int backup_type;
    bool make_backups, backup_if_mismatch, no_backup_if_mismatch_given, backup_if_mismatch_given;
    int force_type; /* -c -u -n */
    int reject_format; /* 0 same as patch, CONTEXT_DIFF, UNI_DIFF */
    bool ignore_ws;
    const char *inname_arg;
    /* the patch text */
    char *pbuf;
    size_t plen;
    size_t pos;   /* cursor */
    int64_t input_line; /* line number of the last line read */
    size_t p_base;
    int64_t p_bline;
    size_t p_start;
    int64_t p_sline;
    int diff_type;
    char *p_name[3];
    char *p_timestr[2];
    int says_nonexistent[2];
    bool git_diff;
    unsigned git_mode[2];
    char *rename_from, *rename_to;
    bool is_rename, is_copy;
    /* the file being patched */
    char *inname;
    int inerrno;
    struct vk_stat instat;
    bool reverse;
    bool skip_rest_of_patch;
    char *ibuf;
    size_t ilen;
    pl *iline;
    int64_t input_lines;
    /* output */
    vl_buf out;
    bool after_newline;
    bool zero_output;
    int64_t last_frozen_line;
    int64_t in_offset, out_offset;
    /* rejects */
    vl_buf rej;
    /* the current hunk */
    hunk h;
    bool somefailed;
    written *done;
    size_t ndone, capdone;
} P;

/* ---- messages ---- */

/* GNU patch's default quoting (quotearg's shell style): like the shell-escape quoting of other
 * commands, but control characters stay as they are inside the single quotes. */
static const char *q(P *p, const char *s)
{
    const char *e = vl_quote_style(p->c, s, 0);
    if (!strstr(e, "$'")) return e;
    vl_buf b = {0};
    vl_buf_addc(p->c, &b, '\'');
    for (; *s; s++) {
        if (*s == '\'') vl_buf_adds(p->c, &b, "'\\''");
        else vl_buf_addc(p->c, &b, *s);
    }
    vl_buf_addc(p->c, &b, '\'');
    return b.data;
}

static void say(P *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(P *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[1024];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *big = small;
    if ((size_t)n >= sizeof small) {
        big = vl_xmalloc(p->c, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* with -o -, the patched text is standard output and the messages go to stderr */
    if (p->outfile && strcmp(p->outfile, "-") == 0) vl_eprintf(p->c, "%s", big);
    else vl_write(p->c, big, (size_t)n);
    if (big != small) vl_xfree(p->c, big);
}

_Noreturn static void fatal(P *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn static void fatal(P *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vl_flush(p->c);
    vl_eprintf(p->c, "%s: **** %s\n", p->c->name, msg);
    vl_exit(p->c, 2);
}

/* No terminal: a question is printed and answered with its default. */
static void ask(P *p, const char *prompt)
{
    say(p, "%s\n", prompt);
}

/* ---- reading the patch ---- */

/* The next line of the patch (with its newline); false at the end. */
static bool get_line(P *p, pl *l)
{
    if (p->pos >= p->plen) return false;
    const char *s = p->pbuf + p->pos;
    const char *nl = memchr(s, '\n', p->plen - p->pos);
    size_t len = nl ? (size_t)(nl - s) + 1 : p->plen - p->pos;
    p->pos += len;
    p->input_line++;
    l->s = s;
    l->len = len;
    return true;
}

static bool starts(const pl *l, const char *w)
{
    size_t n = strlen(w);
    return l->len >= n && memcmp(l->s, w, n) == 0;
}

static char *dupz(P *p, const char *s, size_t n)
{
    char *d = vl_xmalloc(p->c, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static bool is_sp(int ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* ---- time stamps in headers: is this the epoch (a nonexistent file)? ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool num(const char **s, int digits, int *out)
{
    int v = 0;
    for (int i = 0; i < digits; i++) {
        if (**s < '0' || **s > '9') return false;
        v = v * 10 + (*(*s)++ - '0');
    }
    *out = v;
    return true;
}

/* Parse "YYYY-MM-DD HH:MM:SS[.frac] [+-]HHMM" or "Www Mmm DD HH:MM:SS YYYY"; true and *t. */
static bool parse_stamp(const char *s, int64_t *t)
{
    while (is_sp((unsigned char)*s)) s++;
    int y, mo, d, h, mi, se;
    const char *p = s;
    if (num(&p, 4, &y) && *p == '-') {
        p++;
        if (!num(&p, 2, &mo) || *p++ != '-' || !num(&p, 2, &d) || *p++ != ' ' || !num(&p, 2, &h) ||
            *p++ != ':' || !num(&p, 2, &mi) || *p++ != ':' || !num(&p, 2, &se))
            return false;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++) continue;
        int64_t v = (days_from_civil(y, mo, d) * 24 + h) * 3600 + mi * 60 + se;
        while (*p == ' ') p++;
        if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, zh, zm;
            if (num(&p, 2, &zh) && num(&p, 2, &zm)) v -= sign * (zh * 3600 + zm * 60);
        }
        *t = v;
        return true;
    }
    /* ctime style */
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    p = s;
    if (strlen(p) < 24) return false;
    p += 4;
    const char *m = NULL;
    for (int i = 0; i < 12; i++)
        if (memcmp(p, months + 3 * i, 3) == 0) m = months + 3 * i;
    if (!m) return false;
    mo = (int)((m - months) / 3) + 1;
    p += 4;
    if (*p == ' ') p++;
    d = 0;
    while (*p >= '0' && *p <= '9') d = d * 10 + (*p++ - '0');
    if (*p++ != ' ' || !num(&p, 2, &h) || *p++ != ':' || !num(&p, 2, &mi) || *p++ != ':' ||
        !num(&p, 2, &se) || *p++ != ' ' || !num(&p, 4, &y))
        return false;
    *t = (days_from_civil(y, mo, d) * 24 + h) * 3600 + mi * 60 + se;
    return true;
}

/* ---- file names from headers (GNU's fetchname) ---- */

/* Unquote a C-quoted name ("a\tb"); returns NULL when malformed. *end after the quote. */
static char *parse_c_string(P *p, const char *s, const char **end)
{
    vl_buf b = {0};
    s++;
    while (*s && *s != '"' && *s != '\n') {
        if (*s != '\\') {
            vl_buf_addc(p->c, &b, *s++);
            continue;
        }
        s++;
        switch (*s) {
        case 'a': vl_buf_addc(p->c, &b, '\a'); s++; break;
        case 'b': vl_buf_addc(p->c, &b, '\b'); s++; break;
        case 'f': vl_buf_addc(p->c, &b, '\f'); s++; break;
        case 'n': vl_buf_addc(p->c, &b, '\n'); s++; break;
        case 'r': vl_buf_addc(p->c, &b, '\r'); s++; break;
        case 't': vl_buf_addc(p->c, &b, '\t'); s++; break;
        case 'v': vl_buf_addc(p->c, &b, '\v'); s++; break;
        case '\\': case '"': vl_buf_addc(p->c, &b, *s++); break;
        default:
            if (*s >= '0' && *s <= '7') {
                int v = 0;
                for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++) v = v * 8 + (*s++ - '0');
                vl_buf_addc(p->c, &b, v);
            } else {
                vl_buf_free(p->c, &b);
                return NULL;
            }
        }
    }
    if (*s != '"') {
        vl_buf_free(p->c, &b);
        return NULL;
    }
    *end = s + 1;
    vl_buf_addc(p->c, &b, 0);
    return b.data;
}

/* The name on a header line (at: after "--- "), stripped of -p components; NULL when absent
 * or without enough components. *timestr: what follows the name on the line (for .rej
 * headers); *nonexistent: /dev/null or an epoch time stamp. */
static char *fetchname(P *p, const char *at, size_t len, char **timestr, int *nonexistent)
{
    char *line = dupz(p, at, len);
    char *nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *s = line;
    while (is_sp((unsigned char)*s)) s++;
    char *name;
    const char *t;
    if (*s == '"') {
        name = parse_c_string(p, s, &t);
        if (!name) return NULL;
    } else {
        for (t = s; *t; t++) {
            if (is_sp((unsigned char)*t)) {
                /* names may hold spaces when a tab separates them from the date */
                const char *u = t;
                while (*u != '\t' && is_sp((unsigned char)u[1])) u++;
                if (*u != '\t' && strchr(u + 1, '\t')) continue;
                break;
            }
        }
        name = dupz(p, s, (size_t)(t - s));
    }
    if (timestr) *timestr = vl_xstrdup(p->c, t);
    if (nonexistent) {
        int64_t stamp;
        *nonexistent = 0;
        if (strcmp(name, "/dev/null") == 0) *nonexistent = 2;
        else if (parse_stamp(t, &stamp) && stamp == 0) *nonexistent = 2;
    }
    if (strcmp(name, "/dev/null") == 0) return NULL;
    /* strip leading components */
    int64_t sleading = p->strip;
    char *n = name;
    for (char *u = name; *u; u++) {
        if (*u == '/') {
            while (u[1] == '/') u++;
            if (p->strip < 0 || --sleading >= 0) n = u + 1;
        }
    }
    if (sleading > 0 && p->strip >= 0) return NULL;
    if (!*n) return NULL;
    return vl_xstrdup(p->c, n);
}

/* ---- choosing the file (GNU's best_name) ---- */

static int prefix_components(P *p, const char *filename, bool checkdirs)
{
    int count = 0;
    const char *f = filename;
    if (*f)
        while (*++f)
            if (f[0] == '/' && f[-1] != '/') {
                if (checkdirs) {
                    char *dir = dupz(p, filename, (size_t)(f - filename));
                    struct vk_stat st;
                    int rc = vk_stat(p->c->p, dir, &st);
                    vl_xfree(p->c, dir);
                    if (!(rc == 0 && VK_S_ISDIR(st.mode))) break;
                }
                count++;
            }
    return count;
}

static size_t base_len(const char *name)
{
    const char *b = strrchr(name, '/');
    return strlen(b ? b + 1 : name);
}

static int best_name(P *p, char *const *name, const int *ignore)
{
    int components[3] = {0}, components_min = 1 << 30;
    size_t basename_len[3] = {0}, basename_len_min = SIZE_MAX, len[3] = {0}, len_min = SIZE_MAX;
    for (int i = OLD; i <= INDEX; i++)
        if (name[i] && !ignore[i]) {
            components[i] = prefix_components(p, name[i], false);
            if (components_min < components[i]) continue;
            components_min = components[i];
            basename_len[i] = base_len(name[i]);
            if (basename_len_min < basename_len[i]) continue;
            basename_len_min = basename_len[i];
            len[i] = strlen(name[i]);
            if (len_min < len[i]) continue;
            len_min = len[i];
        }
    int i;
    for (i = OLD; i <= INDEX; i++)
        if (name[i] && !ignore[i] && components[i] == components_min &&
            basename_len[i] == basename_len_min && len[i] == len_min)
            break;
    return i;
}

static bool ok_to_reverse(P *p, const char *msg);

/* ---- finding the next patch (GNU's intuit_diff_type) ---- */

static bool is_command_line(const pl *l)
{
    const char *s = l->s, *e = l->s + l->len;
    if (s >= e || *s < '0' || *s > '9') return false;
    while (s < e && *s >= '0' && *s <= '9') s++;
    if (s < e && *s == ',') {
        s++;
        if (s >= e || *s < '0' || *s > '9') return false;
        while (s < e && *s >= '0' && *s <= '9') s++;
    }
    if (s >= e || (*s != 'a' && *s != 'c' && *s != 'd')) return false;
    s++;
    if (s >= e || *s < '0' || *s > '9') return false;
    while (s < e && *s >= '0' && *s <= '9') s++;
    if (s < e && *s == ',') {
        s++;
        if (s >= e || *s < '0' || *s > '9') return false;
        while (s < e && *s >= '0' && *s <= '9') s++;
    }
    while (s < e && (*s == '\r' || *s == ' ')) s++;
    return s == e || *s == '\n';
}

static void reset_names(P *p)
{
    for (int i = 0; i < 3; i++) p->p_name[i] = NULL;
    p->p_timestr[0] = p->p_timestr[1] = NULL;
    p->says_nonexistent[0] = p->says_nonexistent[1] = 0;
    p->git_diff = false;
    p->git_mode[0] = p->git_mode[1] = 0;
    p->rename_from = p->rename_to = NULL;
    p->is_rename = p->is_copy = false;
}

static unsigned parse_mode(const pl *l, size_t skip)
{
    unsigned m = 0;
    for (size_t i = skip; i < l->len && l->s[i] >= '0' && l->s[i] <= '7'; i++) m = m * 8 + (unsigned)(l->s[i] - '0');
    return m;
}

static int intuit_diff_type(P *p)
{
    reset_names(p);
    p->pos = p->p_base;
    p->input_line = p->p_bline - 1;
    size_t previous_line = p->pos, this_line;
    bool stars_last_line = false, last_line_was_command = false;
    int retval = NO_DIFF;
    bool saw_header = false;
    char *git_a = NULL, *git_b = NULL;
    bool in_git_header = false;
    pl l;
    for (;;) {
        this_line = p->pos;
        if (!get_line(p, &l)) {
            if (in_git_header && (p->is_rename || p->is_copy || p->git_mode[0] || p->git_mode[1])) {
                p->p_start = this_line;
                p->p_sline = p->input_line + 1;
                retval = GIT_ONLY;
            }
            break;
        }
        bool stars_this_line = starts(&l, "********");
        bool this_is_command = is_command_line(&l);
        if (starts(&l, "diff --git ")) {
            if (in_git_header && (p->is_rename || p->is_copy || p->git_mode[0] || p->git_mode[1])) {
                /* the previous git patch had no hunks */
                p->pos = this_line;
                p->input_line--;
                p->p_start = this_line;
                p->p_sline = p->input_line + 1;
                retval = GIT_ONLY;
                break;
            }
            reset_names(p);
            saw_header = true;
            p->git_diff = true;
            in_git_header = true;
            /* "diff --git a/x b/y" */
            char *hdr = dupz(p, l.s + 11, l.len - 11);
            char *nl = strchr(hdr, '\n');
            if (nl) *nl = 0;
            char *sp = strstr(hdr, " b/");
            if (!sp) sp = strrchr(hdr, ' ');
            if (sp) {
                *sp = 0;
                git_a = hdr;
                git_b = sp + 1;
            }
        } else if (in_git_header && starts(&l, "new file mode ")) {
            p->git_mode[NEW] = parse_mode(&l, 14);
            p->says_nonexistent[OLD] = 2;
        } else if (in_git_header && starts(&l, "deleted file mode ")) {
            p->git_mode[OLD] = parse_mode(&l, 18);
            p->says_nonexistent[NEW] = 2;
        } else if (in_git_header && starts(&l, "old mode ")) {
            p->git_mode[OLD] = parse_mode(&l, 9);
        } else if (in_git_header && starts(&l, "new mode ")) {
            p->git_mode[NEW] = parse_mode(&l, 9);
        } else if (in_git_header && (starts(&l, "rename from ") || starts(&l, "copy from "))) {
            size_t k = starts(&l, "rename from ") ? 12 : 10;
            if (k == 12) p->is_rename = true;
            else p->is_copy = true;
            p->rename_from = dupz(p, l.s + k, l.len - k - (l.s[l.len - 1] == '\n'));
        } else if (in_git_header && (starts(&l, "rename to ") || starts(&l, "copy to "))) {
            size_t k = starts(&l, "rename to ") ? 10 : 8;
            p->rename_to = dupz(p, l.s + k, l.len - k - (l.s[l.len - 1] == '\n'));
        } else if (starts(&l, "Index:")) {
            saw_header = true;
            p->p_name[INDEX] = fetchname(p, l.s + 6, l.len - 6, NULL, NULL);
        } else if (!stars_last_line && starts(&l, "*** ")) {
            saw_header = true;
            p->p_name[OLD] = fetchname(p, l.s + 4, l.len - 4, &p->p_timestr[OLD], &p->says_nonexistent[OLD]);
        } else if (starts(&l, "+++ ")) {
            saw_header = true;
            /* swapped with NEW at the "@@" line */
            p->p_name[OLD] = fetchname(p, l.s + 4, l.len - 4, &p->p_timestr[OLD], &p->says_nonexistent[OLD]);
        } else if (starts(&l, "--- ")) {
            saw_header = true;
            p->p_name[NEW] = fetchname(p, l.s + 4, l.len - 4, &p->p_timestr[NEW], &p->says_nonexistent[NEW]);
        }
        if (starts(&l, "@@ -") && l.len > 4 && (saw_header || p->inname_arg)) {
            /* the names of a unified diff came as "+++ " then "--- " in GNU's slots */
            char *t = p->p_name[OLD];
            p->p_name[OLD] = p->p_name[NEW];
            p->p_name[NEW] = t;
            t = p->p_timestr[OLD];
            p->p_timestr[OLD] = p->p_timestr[NEW];
            p->p_timestr[NEW] = t;
            int ne = p->says_nonexistent[OLD];
            p->says_nonexistent[OLD] = p->says_nonexistent[NEW];
            p->says_nonexistent[NEW] = ne;
            p->p_start = this_line;
            p->p_sline = p->input_line;
            retval = UNI_DIFF;
            break;
        }
        if (stars_last_line && starts(&l, "*** ") && (saw_header || p->inname_arg)) {
            const char *e = l.s + l.len - (l.s[l.len - 1] == '\n');
            p->p_start = previous_line;
            p->p_sline = p->input_line - 1;
            retval = e > l.s && e[-1] == '*' ? NEW_CONTEXT_DIFF : CONTEXT_DIFF;
            break;
        }
        if (last_line_was_command && (saw_header || p->inname_arg) && l.len >= 2 &&
            (l.s[0] == '<' || l.s[0] == '>') &&
            (l.s[1] == ' ' || l.s[1] == '\t')) {
            p->p_start = previous_line;
            p->p_sline = p->input_line - 1;
            retval = NORMAL_DIFF;
            break;
        }
        if (this_is_command && l.len >= 2 && l.s[0] >= '0') {
            /* "5d4" needs no following lines: a deletion's "<" lines make it a normal diff */
        }
        stars_last_line = stars_this_line;
        last_line_was_command = this_is_command;
        previous_line = this_line;
    }
    if (retval == NO_DIFF) return NO_DIFF;
    if (p->force_type && retval != GIT_ONLY && retval != p->force_type &&
        !(p->force_type == CONTEXT_DIFF && retval == NEW_CONTEXT_DIFF)) {
        /* -c/-u/-n: the patch must be of that kind (GNU ignores other kinds) */
    }
    if (p->git_diff) {
        int strip = (int)p->strip;
        /* names from "diff --git" when the patch gave none */
        if (!p->p_name[OLD] && !p->p_name[NEW] && git_a && git_b) {
            int64_t save = p->strip;
            (void)strip;
            p->p_name[OLD] = fetchname(p, git_a, strlen(git_a), NULL, NULL);
            p->p_name[NEW] = fetchname(p, git_b, strlen(git_b), NULL, NULL);
            p->strip = save;
            if (p->says_nonexistent[OLD] == 2) p->p_name[OLD] = NULL;
            if (p->says_nonexistent[NEW] == 2) p->p_name[NEW] = NULL;
        }
        if (p->is_rename || p->is_copy) {
            if (git_a) p->rename_from = fetchname(p, git_a, strlen(git_a), NULL, NULL);
            if (git_b) p->rename_to = fetchname(p, git_b, strlen(git_b), NULL, NULL);
        }
    }

    /* choose the file (GNU: old, new, index; the best existing name, else the best one to
     * create when the patch creates a file) */
    int i = NONE;
    if (!p->inname_arg) {
        int stat_errno[3] = {0, 0, 0};
        struct vk_stat st[3];
        memset(st, 0, sizeof st);
        int i0 = NONE;
        if (!p->posix && (p->p_name[OLD] || p->p_name[NEW]) && p->p_name[INDEX])
            p->p_name[INDEX] = NULL;
        for (i = OLD; i <= INDEX; i++)
            if (p->p_name[i]) {
                if (i0 != NONE && strcmp(p->p_name[i0], p->p_name[i]) == 0) {
                    stat_errno[i] = stat_errno[i0];
                    if (!stat_errno[i]) st[i] = st[i0];
                } else {
                    int rc = vk_stat(p->c->p, p->p_name[i], &st[i]);
                    stat_errno[i] = rc < 0 ? rc : 0;
                    if (rc == 0 && p->posix) break;
                }
                i0 = i;
            }
        if (!p->posix) {
            i = best_name(p, p->p_name, stat_errno);
            bool is_empty = i == NONE || st[i].size == 0;
            if ((!is_empty) < p->says_nonexistent[p->reverse ^ is_empty] && i0 != NONE) {
                char msg[1024];
                const char *nm = q(p, p->p_name[i == NONE ? i0 : i]);
                snprintf(msg, sizeof msg, "The next patch%s would %s the file %s,\nwhich %s!",
                         p->reverse ? ", when reversed," : "",
                         i == NONE ? "delete" : st[i].size == 0 ? "empty out" : "create", nm,
                         i == NONE ? "does not exist"
                                   : st[i].size == 0 ? "is already empty" : "already exists");
                p->reverse ^= ok_to_reverse(p, msg);
            }
            if (i == NONE && p->says_nonexistent[p->reverse]) {
                int newdirs[3] = {0}, newdirs_min = 1 << 30, distance[3] = {1, 1, 1};
                for (int k = OLD; k <= INDEX; k++)
                    if (p->p_name[k]) {
                        newdirs[k] = prefix_components(p, p->p_name[k], false) -
                                     prefix_components(p, p->p_name[k], true);
                        if (newdirs[k] < newdirs_min) newdirs_min = newdirs[k];
                    }
                for (int k = OLD; k <= INDEX; k++)
                    if (p->p_name[k]) distance[k] = newdirs[k] - newdirs_min;
                i = best_name(p, p->p_name, distance);
            }
        } else if (i > INDEX) {
            i = NONE;
        }
        if (i != NONE) {
            p->inname = vl_xstrdup(p->c, p->p_name[i]);
            p->inerrno = stat_errno[i];
            p->instat = st[i];
        } else {
            p->inname = NULL;
            p->inerrno = -1;
        }
    } else {
        p->inname = vl_xstrdup(p->c, p->inname_arg);
        int rc = vk_stat(p->c->p, p->inname, &p->instat);
        p->inerrno = rc < 0 ? rc : 0;
        if (rc < 0 || VK_S_ISREG(p->instat.mode)) {
            bool nonexistent = rc < 0, is_empty = rc < 0 || p->instat.size == 0;
            if ((!is_empty) < p->says_nonexistent[p->reverse ^ is_empty]) {
                char msg[1024];
                snprintf(msg, sizeof msg, "The next patch%s would %s the file %s,\nwhich %s!",
                         p->reverse ? ", when reversed," : "",
                         nonexistent ? "delete" : is_empty ? "empty out" : "create",
                         q(p, p->inname),
                         nonexistent ? "does not exist"
                                     : is_empty ? "is already empty" : "already exists");
                p->reverse ^= ok_to_reverse(p, msg);
            }
        }
    }
    return retval;
}

/* ---- questions ---- */

static bool ok_to_reverse(P *p, const char *msg)
{
    bool r = false;
    if (p->noreverse || !(p->force && p->verbosity == V_SILENT)) say(p, "%s", msg);
    if (p->noreverse) {
        say(p, "  Skipping patch.\n");
        p->skip_rest_of_patch = true;
    } else if (p->force) {
        if (p->verbosity != V_SILENT) say(p, "  Applying it anyway.\n");
    } else if (p->batch) {
        say(p, p->reverse ? "  Ignoring -R.\n" : "  Assuming -R.\n");
        r = true;
    } else {
        ask(p, p->reverse ? "  Ignore -R? [n] " : "  Assume -R? [n] ");
        ask(p, "Apply anyway? [n] ");
        if (p->verbosity != V_SILENT) say(p, "Skipping patch.\n");
        p->skip_rest_of_patch = true;
    }
    return r;
}

/* ---- hunks ---- */

static void hunk_grow(P *p, int64_t need)
{
    hunk *h = &p->h;
    if (need + 2 <= h->cap) return;
    int64_t ncap = h->cap ? h->cap : 64;
    while (ncap < need + 2) ncap *= 2;
    h->ch = vl_xrealloc(p->c, h->ch, (size_t)ncap);
    h->line = vl_xrealloc(p->c, h->line, sizeof *h->line * (size_t)ncap);
    h->cap = ncap;
}

/* A hunk cannot hold more lines than the patch has bytes left: refuse impossible counts before
 * allocating for them. */
static void check_room(P *p, int64_t lines)
{
    if (lines > 0 && (uint64_t)lines > (uint64_t)(p->plen - p->pos) + 4)
        fatal(p, "unexpected end of file in patch");
}

_Noreturn static void malformed(P *p, const pl *l)
{
    size_t n = l->len;
    fatal(p, "malformed patch at line %lld: %.*s", (long long)p->input_line, (int)n, l->s);
}

/* A line number at s, in the patch line l (GNU's messages quote the whole line). */
static const char *scan_linenum(P *p, const char *s, const pl *l, int64_t *out)
{
    const char *e = l->s + l->len, *s0 = s;
    uint64_t v = 0;
    bool overflow = false;
    while (s < e && *s >= '0' && *s <= '9') {
        unsigned dg = (unsigned)(*s++ - '0');
        if (v > (UINT64_MAX - dg) / 10) overflow = true;
        else v = v * 10 + dg;
    }
    if (s == s0)
        fatal(p, "missing line number at line %lld: %.*s", (long long)p->input_line, (int)l->len, l->s);
    if (overflow || v > (uint64_t)INT64_MAX)
        fatal(p, "line number %.*s is too large at line %lld: %.*s", (int)(s - s0), s0,
              (long long)p->input_line, (int)l->len, l->s);
    if (v > (uint64_t)INT64_MAX / 4) malformed(p, l);
    *out = (int64_t)v;
    return s;
}


/* Is the next patch line "\ No newline..."? If so, consume it. */
static bool incomplete_line(P *p)
{
    if (p->pos < p->plen && p->pbuf[p->pos] == '\\') {
        pl l;
        get_line(p, &l);
        return true;
    }
    return false;
}

static void set_line(hunk *h, int64_t i, char ch, const char *s, size_t len)
{
    h->ch[i] = ch;
    h->line[i].s = s;
    h->line[i].len = len;
}

/* 1: a hunk was read; 0: no more hunks for this file. */
static int another_hunk_unified(P *p)
{
    hunk *h = &p->h;
    size_t line_beginning = p->pos;
    int64_t lb_line = p->input_line;
    pl l;
    if (!get_line(p, &l) || l.len <= 4 || !starts(&l, "@@ -")) {
        p->pos = line_beginning;
        p->input_line = lb_line;
        return 0;
    }
    const char *e = l.s + l.len;
    const char *s = scan_linenum(p, l.s + 4, &l, &h->first);
    if (s < e && *s == ',') s = scan_linenum(p, s + 1, &l, &h->ptrn_lines);
    else h->ptrn_lines = 1;
    if (s < e && *s == ' ') s++;
    if (s >= e || *s != '+') malformed(p, &l);
    s = scan_linenum(p, s + 1, &l, &h->newfirst);
    if (s < e && *s == ',') s = scan_linenum(p, s + 1, &l, &h->repl_lines);
    else h->repl_lines = 1;
    if (s < e && *s == ' ') s++;
    if (s >= e || *s++ != '@') malformed(p, &l);
    h->c_function = NULL;
    if (s < e && *s++ == '@' && s < e && *s == ' ') {
        const char *f = s;
        while (s < e && *s != '\n') s++;
        h->c_function = f;
        h->c_function_len = (size_t)(s - f);
    }
    if (!h->ptrn_lines) h->first++;
    if (!h->repl_lines) h->newfirst++;
    check_room(p, h->ptrn_lines > h->repl_lines ? h->ptrn_lines : h->repl_lines);
    int64_t pmax = h->ptrn_lines + h->repl_lines + 1;
    hunk_grow(p, pmax + 1);
    int64_t fillold = 1, fillnew = fillold + h->ptrn_lines;
    h->end = fillnew + h->repl_lines;
    set_line(h, 0, '*', "", 0);
    set_line(h, fillnew++, '=', "", 0);
    int64_t context = 0;
    h->prefix_context = -1;
    h->hunk_beg = p->input_line + 1;
    while (fillold <= h->ptrn_lines || fillnew <= h->end) {
        char ch;
        const char *txt;
        size_t n;
        if (!get_line(p, &l)) {
            if (pmax - fillnew < 3) {
                l.s = " \n"; /* assume blank lines got chopped */
                l.len = 2;
            } else {
                fatal(p, "unexpected end of file in patch");
            }
        }
        if (l.s[0] == '\t' || l.s[0] == '\n') {
            ch = ' ';
            txt = l.s;
            n = l.len;
        } else {
            ch = l.s[0];
            txt = l.s + 1;
            n = l.len - 1;
        }
        switch (ch) {
        case ' ':
            if (fillold > h->ptrn_lines || fillnew > h->end) malformed(p, &l);
            context++;
            if (n > 0 && txt[n - 1] == '\n' && (fillold == h->ptrn_lines || fillnew == h->end) &&
                incomplete_line(p))
                n--;
            set_line(h, fillold++, ' ', txt, n);
            set_line(h, fillnew++, ' ', txt, n);
            break;
        case '-':
            if (fillold > h->ptrn_lines) malformed(p, &l);
            if (h->prefix_context == -1) h->prefix_context = context;
            context = 0;
            if (n > 0 && txt[n - 1] == '\n' && fillold == h->ptrn_lines && incomplete_line(p)) n--;
            set_line(h, fillold++, '-', txt, n);
            break;
        case '=':
        case '+':
            if (fillnew > h->end) malformed(p, &l);
            if (h->prefix_context == -1) h->prefix_context = context;
            context = 0;
            if (n > 0 && txt[n - 1] == '\n' && fillnew == h->end && incomplete_line(p)) n--;
            set_line(h, fillnew++, '+', txt, n);
            break;
        default:
            malformed(p, &l);
        }
        vl_dsteps(p->c, 1);
    }
    if (h->prefix_context == -1) h->prefix_context = context;
    h->suffix_context = context;
    h->ch[h->end + 1] = '^';
    return 1;
}

static int another_hunk_context(P *p)
{
    hunk *h = &p->h;
    size_t line_beginning = p->pos;
    int64_t lb_line = p->input_line;
    pl l;
    if (!get_line(p, &l) || l.len <= 8 || !starts(&l, "********")) {
        p->pos = line_beginning;
        p->input_line = lb_line;
        return 0;
    }
    {
        const char *s = l.s, *e = l.s + l.len;
        while (s < e && *s == '*') s++;
        h->c_function = NULL;
        if (s < e && *s == ' ') {
            const char *f = s;
            while (s < e && *s != '\n') s++;
            h->c_function = f;
            h->c_function_len = (size_t)(s - f);
        }
    }
    int64_t repl_beginning = 0, fillcnt = 0, fillsrc = 0, filldst = 0;
    bool ptrn_spaces_eaten = false, some_context = false, repl_could_be_missing = true;
    bool ptrn_missing = false, repl_missing = false;
    size_t repl_backtrack_position = 0;
    int64_t repl_patch_line = 0, repl_context = 0;
    int64_t ptrn_prefix_context = -1, ptrn_suffix_context = -1, repl_prefix_context = -1;
    int64_t ptrn_copiable = 0, repl_copiable = 0;
    int64_t context = 0;
    int64_t pmax = 1 << 20;
    h->end = -1;
    h->hunk_beg = p->input_line + 1;
    h->first = h->ptrn_lines = h->newfirst = h->repl_lines = 0;
    int64_t prefix_context_global = 0;
    while (h->end < pmax) {
        if (!get_line(p, &l)) {
            if (repl_beginning && repl_could_be_missing) {
                repl_missing = true;
                goto hunk_done;
            }
            if (pmax - h->end < 4) {
                l.s = "  \n";
                l.len = 3;
            } else {
                fatal(p, "unexpected end of file in patch");
            }
        }
        h->end++;
        hunk_grow(p, h->end + 1);
        set_line(h, h->end, l.s[0], "", 0);
        const char *s, *e = l.s + l.len;
        size_t n;
        switch (l.s[0]) {
        case '*':
            if (starts(&l, "********")) {
                if (repl_beginning && repl_could_be_missing) {
                    h->end--;
                    p->pos -= l.len;
                    p->input_line--;
                    repl_missing = true;
                    goto hunk_done;
                }
                fatal(p, "unexpected end of hunk at line %lld", (long long)p->input_line);
            }
            if (h->end != 0) {
                if (repl_beginning && repl_could_be_missing) {
                    h->end--;
                    p->pos -= l.len;
                    p->input_line--;
                    repl_missing = true;
                    goto hunk_done;
                }
                fatal(p, "unexpected '***' at line %lld: %.*s", (long long)p->input_line,
                      (int)l.len, l.s);
            }
            context = 0;
            set_line(h, h->end, '*', l.s, l.len);
            for (s = l.s; s < e && !(*s >= '0' && *s <= '9'); s++) continue;
            if (e - s >= 3 && memcmp(s, "0,0", 3) == 0) s += 2;
            s = scan_linenum(p, s, &l, &h->first);
            if (s < e && *s == ',') {
                while (s < e && !(*s >= '0' && *s <= '9')) s++;
                scan_linenum(p, s, &l, &h->ptrn_lines);
                h->ptrn_lines += 1 - h->first;
                if (h->ptrn_lines < 0) malformed(p, &l);
            } else if (h->first) {
                h->ptrn_lines = 1;
            } else {
                h->ptrn_lines = 0;
                h->first = 1;
            }
            check_room(p, h->ptrn_lines / 2);
            pmax = h->ptrn_lines + 6;
            hunk_grow(p, pmax + 1);
            pmax = h->cap - 2;
            break;
        case '-':
            if (l.len < 2 || l.s[1] != '-') goto change_line;
            if (ptrn_prefix_context == -1) ptrn_prefix_context = context;
            ptrn_suffix_context = context;
            if (repl_beginning ||
                h->end != h->ptrn_lines + 1 + (h->ch[h->end - 1] == '\n')) {
                if (h->end == 1) {
                    ptrn_missing = true;
                    h->end = h->ptrn_lines + 1;
                    hunk_grow(p, h->end + 1);
                    ptrn_prefix_context = ptrn_suffix_context = -1;
                    fillsrc = h->end + 1;
                    filldst = 1;
                    fillcnt = h->ptrn_lines;
                } else if (!repl_beginning) {
                    fatal(p, "%s '---' at line %lld; check line numbers at line %lld",
                          h->end <= h->ptrn_lines ? "Premature" : "Overdue",
                          (long long)p->input_line, (long long)h->hunk_beg);
                } else if (!repl_could_be_missing) {
                    fatal(p, "duplicate '---' at line %lld; check line numbers at line %lld",
                          (long long)p->input_line, (long long)(h->hunk_beg + repl_beginning));
                } else {
                    h->end--;
                    p->pos -= l.len;
                    p->input_line--;
                    repl_missing = true;
                    goto hunk_done;
                }
            }
            repl_beginning = h->end;
            repl_backtrack_position = p->pos;
            repl_patch_line = p->input_line;
            repl_context = context;
            set_line(h, h->end, '=', l.s, l.len);
            for (s = l.s; s < e && !(*s >= '0' && *s <= '9'); s++) continue;
            s = scan_linenum(p, s, &l, &h->newfirst);
            if (s < e && *s == ',') {
                do {
                    if (++s >= e) malformed(p, &l);
                } while (!(*s >= '0' && *s <= '9'));
                scan_linenum(p, s, &l, &h->repl_lines);
                h->repl_lines += 1 - h->newfirst;
                if (h->repl_lines < 0) malformed(p, &l);
            } else if (h->newfirst) {
                h->repl_lines = 1;
            } else {
                h->repl_lines = 0;
                h->newfirst = 1;
            }
            /* (an omitted new side is filled from the old one) */
            check_room(p, h->repl_lines - h->end);
            pmax = h->repl_lines + h->end;
            hunk_grow(p, pmax + 1);
            if (h->repl_lines != ptrn_copiable &&
                (prefix_context_global != 0 || context != 0 || h->repl_lines != 1))
                repl_could_be_missing = false;
            context = 0;
            break;
        case '+':
        case '!':
            repl_could_be_missing = false;
        change_line:
            s = l.s + 1;
            n = l.len - 1;
            if (n > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
            } else if (repl_beginning && repl_could_be_missing) {
                h->end--;
                p->pos -= l.len;
                p->input_line--;
                repl_missing = true;
                goto hunk_done;
            }
            if (!repl_beginning) {
                if (ptrn_prefix_context == -1) ptrn_prefix_context = context;
            } else {
                if (repl_prefix_context == -1) repl_prefix_context = context;
            }
            if (n > 0 && s[n - 1] == '\n' && h->end == (repl_beginning ? pmax : h->ptrn_lines) &&
                incomplete_line(p))
                n--;
            set_line(h, h->end, l.s[0], s, n);
            context = 0;
            break;
        case '\t':
        case '\n':
            s = l.s;
            n = l.len;
            if (*l.s == '\t') {
                s++;
                n--;
            }
            if (repl_beginning && repl_could_be_missing &&
                (!ptrn_spaces_eaten || p->diff_type == NEW_CONTEXT_DIFF)) {
                h->end--;
                p->pos -= l.len;
                p->input_line--;
                repl_missing = true;
                goto hunk_done;
            }
            if (n > 0 && s[n - 1] == '\n' && h->end == (repl_beginning ? pmax : h->ptrn_lines) &&
                incomplete_line(p))
                n--;
            set_line(h, h->end, l.s[0], s, n);
            if (h->end != h->ptrn_lines + 1) {
                ptrn_spaces_eaten |= repl_beginning != 0;
                some_context = true;
                context++;
                if (repl_beginning) repl_copiable++;
                else ptrn_copiable++;
                h->ch[h->end] = ' ';
            }
            break;
        case ' ':
            s = l.s + 1;
            n = l.len - 1;
            if (n > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                n--;
            } else if (repl_beginning && repl_could_be_missing) {
                h->end--;
                p->pos -= l.len;
                p->input_line--;
                repl_missing = true;
                goto hunk_done;
            }
            some_context = true;
            context++;
            if (repl_beginning) repl_copiable++;
            else ptrn_copiable++;
            if (n > 0 && s[n - 1] == '\n' && h->end == (repl_beginning ? pmax : h->ptrn_lines) &&
                incomplete_line(p))
                n--;
            set_line(h, h->end, ' ', s, n);
            break;
        default:
            if (repl_beginning && repl_could_be_missing) {
                h->end--;
                p->pos -= l.len;
                p->input_line--;
                repl_missing = true;
                goto hunk_done;
            }
            malformed(p, &l);
        }
        vl_dsteps(p->c, 1);
    }
hunk_done:
    if (h->end >= 0 && !repl_beginning)
        fatal(p, "no '---' found in patch at line %lld", (long long)h->hunk_beg);
    if (repl_missing) {
        p->input_line = repl_patch_line;
        context = repl_context;
        h->end = repl_beginning;
        p->pos = repl_backtrack_position;
        fillsrc = 1;
        filldst = repl_beginning + 1;
        fillcnt = h->repl_lines;
        h->end = pmax;
        hunk_grow(p, h->end + 1);
    } else if (!ptrn_missing && ptrn_copiable != repl_copiable) {
        fatal(p, "context mangled in hunk at line %lld", (long long)h->hunk_beg);
    } else if (!some_context && fillcnt == 1) {
        while (filldst < h->end) {
            h->line[filldst] = h->line[filldst + 1];
            h->ch[filldst] = h->ch[filldst + 1];
            filldst++;
        }
        h->end--;
        h->first++;
        fillcnt = 0;
        h->ptrn_lines = 0;
    }
    h->prefix_context = (repl_prefix_context == -1 ||
                         (ptrn_prefix_context != -1 && ptrn_prefix_context < repl_prefix_context))
                            ? ptrn_prefix_context
                            : repl_prefix_context;
    h->suffix_context = (ptrn_suffix_context != -1 && ptrn_suffix_context < context)
                            ? ptrn_suffix_context
                            : context;
    if (h->prefix_context == -1 || h->suffix_context == -1)
        fatal(p, "replacement text or line numbers mangled in hunk at line %lld",
              (long long)h->hunk_beg);
    if (p->diff_type == CONTEXT_DIFF &&
        (fillcnt || (h->first > 1 && h->prefix_context + h->suffix_context < ptrn_copiable)))
        p->diff_type = NEW_CONTEXT_DIFF;
    if (fillcnt) {
        while (fillcnt-- > 0) {
            while (fillsrc <= h->end && fillsrc != repl_beginning && h->ch[fillsrc] != ' ')
                fillsrc++;
            if (h->end < fillsrc || fillsrc == repl_beginning)
                fatal(p, "replacement text or line numbers mangled in hunk at line %lld",
                      (long long)h->hunk_beg);
            h->line[filldst] = h->line[fillsrc];
            h->ch[filldst] = h->ch[fillsrc];
            fillsrc++;
            filldst++;
        }
        while (fillsrc <= h->end && fillsrc != repl_beginning) {
            if (h->ch[fillsrc] == ' ')
                fatal(p, "replacement text or line numbers mangled in hunk at line %lld",
                      (long long)h->hunk_beg);
            fillsrc++;
        }
    }
    h->ch[h->end + 1] = '^';
    return 1;
}

static int another_hunk_normal(P *p)
{
    hunk *h = &p->h;
    size_t line_beginning = p->pos;
    int64_t lb_line = p->input_line;
    pl l;
    h->prefix_context = h->suffix_context = 0;
    h->c_function = NULL;
    if (!get_line(p, &l) || !(l.s[0] >= '0' && l.s[0] <= '9')) {
        p->pos = line_beginning;
        p->input_line = lb_line;
        return 0;
    }
    const char *e = l.s + l.len;
    const char *s = scan_linenum(p, l.s, &l, &h->first);
    if (s < e && *s == ',') {
        s = scan_linenum(p, s + 1, &l, &h->ptrn_lines);
        h->ptrn_lines += 1 - h->first;
    } else {
        h->ptrn_lines = s < e && *s != 'a';
    }
    char hunk_type = s < e ? *s : 0;
    if (hunk_type == 'a') h->first++;
    int64_t min, max;
    s = scan_linenum(p, s + 1, &l, &min);
    if (s < e && *s == ',') scan_linenum(p, s + 1, &l, &max);
    else max = min;
    if (min > max) malformed(p, &l);
    if (hunk_type == 'd') min++;
    h->newfirst = min;
    h->repl_lines = max - min + 1;
    check_room(p, h->ptrn_lines + h->repl_lines);
    h->end = h->ptrn_lines + h->repl_lines + 1;
    h->hunk_beg = p->input_line + 1;
    hunk_grow(p, h->end + 1);
    set_line(h, 0, '*', "", 0);
    int64_t i;
    for (i = 1; i <= h->ptrn_lines; i++) {
        if (!get_line(p, &l))
            fatal(p, "unexpected end of file in patch at line %lld", (long long)p->input_line);
        if (l.len < 2 || l.s[0] != '<' || (l.s[1] != ' ' && l.s[1] != '\t'))
            fatal(p, "'<' followed by space or tab expected at line %lld of patch",
                  (long long)p->input_line);
        size_t n = l.len - 2;
        if (i == h->ptrn_lines && n > 0 && l.s[l.len - 1] == '\n' && incomplete_line(p)) n--;
        set_line(h, i, '-', l.s + 2, n);
    }
    if (hunk_type == 'c') {
        if (!get_line(p, &l))
            fatal(p, "unexpected end of file in patch at line %lld", (long long)p->input_line);
        if (l.s[0] != '-') fatal(p, "'---' expected at line %lld of patch", (long long)p->input_line);
    }
    set_line(h, i, '=', "", 0);
    for (i++; i <= h->end; i++) {
        if (!get_line(p, &l))
            fatal(p, "unexpected end of file in patch at line %lld", (long long)p->input_line);
        if (l.len < 2 || l.s[0] != '>' || (l.s[1] != ' ' && l.s[1] != '\t'))
            fatal(p, "'>' followed by space or tab expected at line %lld of patch",
                  (long long)p->input_line);
        size_t n = l.len - 2;
        if (i == h->end && n > 0 && l.s[l.len - 1] == '\n' && incomplete_line(p)) n--;
        set_line(h, i, '+', l.s + 2, n);
    }
    h->ch[h->end + 1] = '^';
    return 1;
}

/* Swap the old and new sides of the current hunk (-R). */
static void pch_swap(P *p)
{
    hunk *h = &p->h;
    int64_t n = h->end + 1;
    char *tc = vl_xmalloc(p->c, (size_t)n + 1);
    pl *tl = vl_xmalloc(p->c, sizeof *tl * (size_t)(n + 1));
    memcpy(tc, h->ch, (size_t)n);
    memcpy(tl, h->line, sizeof *tl * (size_t)n);
    int64_t i = h->ptrn_lines + 1, k = 0;
    bool blankline = false;
    if (tc[i] == '\n') {
        blankline = true;
        i++;
    }
    /* the new side becomes the old one: "---" becomes "***", '+' becomes '-' */
    h->ch[k] = '*';
    h->line[k] = tl[h->ptrn_lines + 1];
    k++;
    for (i = h->ptrn_lines + 2; i <= h->end; i++, k++) {
        h->ch[k] = tc[i] == '+' ? '-' : tc[i];
        h->line[k] = tl[i];
    }
    if (blankline) {
        h->ch[k] = tc[h->ptrn_lines + 1];
        h->line[k] = tl[h->ptrn_lines + 1];
        k++;
    }
    h->ch[k] = '=';
    h->line[k] = tl[0];
    k++;
    for (i = 1; k <= h->end; i++, k++) {
        h->ch[k] = tc[i] == '-' ? '+' : tc[i];
        h->line[k] = tl[i];
    }
    int64_t t = h->ptrn_lines;
    h->ptrn_lines = h->repl_lines;
    h->repl_lines = t;
    t = h->first;
    h->first = h->newfirst;
    h->newfirst = t;
    h->ch[h->end + 1] = '^';
    vl_xfree(p->c, tc);
    vl_xfree(p->c, tl);
}

static int another_hunk(P *p)
{
    int r;
    switch (p->diff_type) {
    case UNI_DIFF: r = another_hunk_unified(p); break;
    case CONTEXT_DIFF:
    case NEW_CONTEXT_DIFF: r = another_hunk_context(p); break;
    case NORMAL_DIFF: r = another_hunk_normal(p); break;
    default: r = 0; break;
    }
    if (r > 0 && p->reverse) pch_swap(p);
    return r;
}

/* ---- the input file ---- */

static void read_input(P *p, const char *name)
{
    vl_ctx *c = p->c;
    p->ibuf = NULL;
    p->ilen = 0;
    p->input_lines = 0;
    p->iline = NULL;
    if (name && p->inerrno == 0) {
        int fd = vk_open(c->p, name, VK_O_RDONLY, 0);
        if (fd < 0) fatal(p, "Can't open file %s : %s", q(p, name), vl_strerror(fd));
        int rc = vl_dread_fd(c, fd, &p->ibuf, &p->ilen);
        vk_close(c->p, fd);
        if (rc < 0) fatal(p, "Can't read file %s : %s", q(p, name), vl_strerror(rc));
    }
    int64_t n = 0;
    for (size_t i = 0; i < p->ilen;) {
        const char *nl = memchr(p->ibuf + i, '\n', p->ilen - i);
        i = nl ? (size_t)(nl - p->ibuf) + 1 : p->ilen;
        n++;
    }
    p->iline = vl_xmalloc(c, sizeof *p->iline * (size_t)(n + 2));
    int64_t k = 1;
    for (size_t i = 0; i < p->ilen; k++) {
        const char *s = p->ibuf + i;
        const char *nl = memchr(s, '\n', p->ilen - i);
        size_t len = nl ? (size_t)(nl - s) + 1 : p->ilen - i;
        p->iline[k].s = s;
        p->iline[k].len = len;
        i += len;
    }
    p->input_lines = n;
    vl_dsteps(c, (uint64_t)n / 64 + 1);
}

/* GNU's similar(): equal up to runs of white space (-l). */
static bool similar(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
    while (a < ae && b < be) {
        if (is_sp((unsigned char)*a) && *a != '\n' && is_sp((unsigned char)*b) && *b != '\n') {
            while (a < ae && is_sp((unsigned char)*a) && *a != '\n') a++;
            while (b < be && is_sp((unsigned char)*b) && *b != '\n') b++;
            continue;
        }
        if (is_sp((unsigned char)*a) && *a != '\n') {
            while (a < ae && is_sp((unsigned char)*a) && *a != '\n') a++;
            continue;
        }
        if (is_sp((unsigned char)*b) && *b != '\n') {
            while (b < be && is_sp((unsigned char)*b) && *b != '\n') b++;
            continue;
        }
        if (*a++ != *b++) return false;
    }
    while (a < ae && is_sp((unsigned char)*a)) a++;
    while (b < be && is_sp((unsigned char)*b)) b++;
    return a == ae && b == be;
}

static bool patch_match(P *p, int64_t base, int64_t offset, int64_t prefix_fuzz, int64_t suffix_fuzz)
{
    hunk *h = &p->h;
    int64_t pline = 1 + prefix_fuzz;
    int64_t pat_lines = h->ptrn_lines - suffix_fuzz;
    for (int64_t iline = base + offset + prefix_fuzz; pline <= pat_lines; pline++, iline++) {
        if (iline < 1 || iline > p->input_lines) return false;
        const pl *il = &p->iline[iline];
        const pl *hl = &h->line[pline];
        if (p->ignore_ws) {
            if (!similar(il->s, il->len, hl->s, hl->len)) return false;
        } else if (il->len != hl->len || memcmp(il->s, hl->s, il->len) != 0) {
            return false;
        }
    }
    return true;
}

static int64_t locate_hunk(P *p, int64_t fuzz)
{
    hunk *h = &p->h;
    int64_t first_guess = h->first + p->in_offset;
    int64_t pat_lines = h->ptrn_lines;
    int64_t prefix_context = h->prefix_context, suffix_context = h->suffix_context;
    int64_t context = prefix_context < suffix_context ? suffix_context : prefix_context;
    int64_t prefix_fuzz = fuzz + prefix_context - context;
    int64_t suffix_fuzz = fuzz + suffix_context - context;
    int64_t max_where = p->input_lines - (pat_lines - suffix_fuzz) + 1;
    int64_t min_where = p->last_frozen_line + 1;
    int64_t max_pos_offset = max_where - first_guess;
    int64_t max_neg_offset = first_guess - min_where;
    int64_t max_offset = max_pos_offset < max_neg_offset ? max_neg_offset : max_pos_offset;
    if (!pat_lines) return first_guess;
    if (first_guess <= max_neg_offset) max_neg_offset = first_guess - 1;
    if (prefix_fuzz < 0 && h->first <= 1) {
        if (suffix_fuzz < 0)
            if (pat_lines != p->input_lines || prefix_context < p->last_frozen_line) return 0;
        int64_t offset = 1 - first_guess;
        if (p->last_frozen_line <= prefix_context && offset <= max_pos_offset &&
            patch_match(p, first_guess, offset, 0, suffix_fuzz)) {
            p->in_offset += offset;
            return first_guess + offset;
        }
        return 0;
    } else if (prefix_fuzz < 0) {
        prefix_fuzz = 0;
    }
    if (suffix_fuzz < 0) {
        int64_t offset = first_guess - (p->input_lines - pat_lines + 1);
        if (offset <= max_neg_offset && patch_match(p, first_guess, -offset, prefix_fuzz, 0)) {
            p->in_offset -= offset;
            return first_guess - offset;
        }
        return 0;
    }
    for (int64_t offset = 0; offset <= max_offset; offset++) {
        if ((offset & 1023) == 1023) vl_dsteps(p->c, 64);
        if (offset <= max_pos_offset && patch_match(p, first_guess, offset, prefix_fuzz, suffix_fuzz)) {
            p->in_offset += offset;
            return first_guess + offset;
        }
        /* (a fully fuzzed pattern matches anywhere: GNU still keeps it inside the file) */
        if (0 < offset && offset <= max_neg_offset && -offset <= max_pos_offset &&
            patch_match(p, first_guess, -offset, prefix_fuzz, suffix_fuzz)) {
            p->in_offset -= offset;
            return first_guess - offset;
        }
    }
    return 0;
}

/* ---- writing the output ---- */

static void out_line(P *p, const pl *l)
{
    vl_buf_add(p->c, &p->out, l->s, l->len);
}

static bool copy_till(P *p, int64_t lastline)
{
    int64_t r = p->last_frozen_line;
    if (r > lastline) {
        say(p, "misordered hunks! output would be garbled\n");
        return false;
    }
    while (r < lastline) {
        ++r;
        if (r > p->input_lines) continue; /* GNU's ifetch gives nothing past the end */
        const pl *l = &p->iline[r];
        if (l->len) {
            if (!p->after_newline) vl_buf_addc(p->c, &p->out, '\n');
            out_line(p, l);
            p->after_newline = l->s[l->len - 1] == '\n';
            p->zero_output = false;
        }
    }
    p->last_frozen_line = r;
    return true;
}

static void write_hunk_line(P *p, int64_t i)
{
    const pl *l = &p->h.line[i];
    vl_buf_add(p->c, &p->out, l->s, l->len);
    p->after_newline = l->len > 0 && l->s[l->len - 1] == '\n';
    p->zero_output = false;
}

static bool apply_hunk(P *p, int64_t where)
{
    hunk *h = &p->h;
    int64_t old = 1, lastline = h->ptrn_lines, new = lastline + 1;
    int64_t pat_end = h->end;
    where--;
    while (h->ch[new] == '=' || h->ch[new] == '\n') new++;
    while (old <= lastline) {
        if (h->ch[old] == '-') {
            if (!copy_till(p, where + old - 1)) return false;
            p->last_frozen_line++;
            old++;
        } else if (new > pat_end) {
            break;
        } else if (h->ch[new] == '+') {
            if (!copy_till(p, where + old - 1)) return false;
            write_hunk_line(p, new);
            new++;
        } else if (h->ch[new] != h->ch[old]) {
            fatal(p, "Out-of-sync patch, lines %lld,%lld -- mangled text or line numbers, maybe?",
                  (long long)(h->hunk_beg + old), (long long)(h->hunk_beg + new));
        } else if (h->ch[new] == '!') {
            if (!copy_till(p, where + old - 1)) return false;
            while (h->ch[old] == '!') {
                p->last_frozen_line++;
                old++;
            }
            while (h->ch[new] == '!') {
                write_hunk_line(p, new);
                new++;
            }
        } else {
            old++;
            new++;
        }
    }
    if (new <= pat_end && h->ch[new] == '+') {
        if (!copy_till(p, where + old - 1)) return false;
        while (new <= pat_end && h->ch[new] == '+') {
            write_hunk_line(p, new);
            new++;
        }
    }
    return true;
}

/* ---- rejects ---- */

static void rej_line(P *p, int64_t i)
{
    const pl *l = &p->h.line[i];
    vl_buf_add(p->c, &p->rej, l->s, l->len);
}

static void print_header_line(P *p, const char *tag, bool reverse)
{
    const char *name = p->p_name[reverse];
    const char *ts = p->p_timestr[reverse];
    vl_buf_printf(p->c, &p->rej, "%s %s%s\n", tag, name ? name : "/dev/null", ts ? ts : "");
}

static void unidiff_range(P *p, int64_t start, int64_t count)
{
    switch (count) {
    case 0: vl_buf_printf(p->c, &p->rej, "%lld,0", (long long)(start - 1)); break;
    case 1: vl_buf_printf(p->c, &p->rej, "%lld", (long long)start); break;
    default: vl_buf_printf(p->c, &p->rej, "%lld,%lld", (long long)start, (long long)count); break;
    }
}

static void abort_hunk_unified(P *p, bool header, bool reverse)
{
    hunk *h = &p->h;
    int64_t old = 1, lastline = h->ptrn_lines, new = lastline + 1;
    if (header) {
        if (p->p_name[INDEX]) vl_buf_printf(p->c, &p->rej, "Index: %s\n", p->p_name[INDEX]);
        print_header_line(p, "---", reverse);
        print_header_line(p, "+++", !reverse);
    }
    vl_buf_adds(p->c, &p->rej, "@@ -");
    unidiff_range(p, h->first + p->out_offset, lastline);
    vl_buf_adds(p->c, &p->rej, " +");
    unidiff_range(p, h->newfirst + p->out_offset, h->repl_lines);
    vl_buf_adds(p->c, &p->rej, " @@");
    if (h->c_function) vl_buf_add(p->c, &p->rej, h->c_function, h->c_function_len);
    vl_buf_addc(p->c, &p->rej, '\n');
    while (h->ch[new] == '=' || h->ch[new] == '\n') new++;
    for (;; old++, new++) {
        for (; h->ch[old] == '-' || (h->ch[old] == '!' && old <= lastline); old++) {
            vl_buf_addc(p->c, &p->rej, '-');
            rej_line(p, old);
        }
        for (; h->ch[new] == '+' || h->ch[new] == '!'; new++) {
            vl_buf_addc(p->c, &p->rej, '+');
            rej_line(p, new);
        }
        if (old > lastline) break;
        vl_buf_addc(p->c, &p->rej, ' ');
        rej_line(p, old);
    }
}

static void abort_hunk_context(P *p, bool header, bool reverse)
{
    hunk *h = &p->h;
    int64_t oldfirst = h->first + p->out_offset, newfirst = h->newfirst + p->out_offset;
    int64_t oldlast = oldfirst + h->ptrn_lines - 1, newlast = newfirst + h->repl_lines - 1;
    bool newstyle = p->diff_type == NEW_CONTEXT_DIFF || p->diff_type == UNI_DIFF;
    const char *stars = newstyle ? " ****" : "";
    const char *minuses = newstyle ? " ----" : " -----";
    vl_ctx *c = p->c;
    if (header) {
        if (p->p_name[INDEX]) vl_buf_printf(c, &p->rej, "Index: %s\n", p->p_name[INDEX]);
        print_header_line(p, "***", reverse);
        print_header_line(p, "---", !reverse);
    }
    vl_buf_adds(c, &p->rej, "***************");
    if (h->c_function) vl_buf_add(c, &p->rej, h->c_function, h->c_function_len);
    vl_buf_addc(c, &p->rej, '\n');
    /* a unified hunk shows as a context one: lines changed on both sides become '!' */
    char *ch = vl_xmalloc(c, (size_t)h->end + 2);
    memcpy(ch, h->ch, (size_t)h->end + 2);
    if (p->diff_type == UNI_DIFF) {
        int64_t old = 1, new = h->ptrn_lines + 2;
        while (old <= h->ptrn_lines || new <= h->end) {
            int64_t o0 = old, n0 = new;
            while (old <= h->ptrn_lines && ch[old] == '-') old++;
            while (new <= h->end && ch[new] == '+') new++;
            if (old > o0 && new > n0) {
                for (int64_t k = o0; k < old; k++) ch[k] = '!';
                for (int64_t k = n0; k < new; k++) ch[k] = '!';
            }
            if (old <= h->ptrn_lines && ch[old] == ' ') old++;
            if (new <= h->end && ch[new] == ' ') new++;
            if (old == o0 && new == n0) break;
        }
    }
    bool any_old = false, any_new = false;
    for (int64_t i = 1; i <= h->ptrn_lines; i++)
        if (ch[i] != ' ') any_old = true;
    for (int64_t i = h->ptrn_lines + 2; i <= h->end; i++)
        if (ch[i] != ' ') any_new = true;
    for (int64_t i = 0; i <= h->end; i++) {
        switch (ch[i]) {
        case '*':
            if (oldlast < oldfirst) vl_buf_printf(c, &p->rej, "*** 0%s\n", stars);
            else if (oldlast == oldfirst) vl_buf_printf(c, &p->rej, "*** %lld%s\n", (long long)oldfirst, stars);
            else vl_buf_printf(c, &p->rej, "*** %lld,%lld%s\n", (long long)oldfirst, (long long)oldlast, stars);
            break;
        case '=':
            if (newlast < newfirst) vl_buf_printf(c, &p->rej, "--- 0%s\n", minuses);
            else if (newlast == newfirst) vl_buf_printf(c, &p->rej, "--- %lld%s\n", (long long)newfirst, minuses);
            else vl_buf_printf(c, &p->rej, "--- %lld,%lld%s\n", (long long)newfirst, (long long)newlast, minuses);
            break;
        case ' ':
        case '-':
        case '+':
        case '!':
            /* a unified hunk's context diff leaves out a side with nothing but context */
            if (p->diff_type == UNI_DIFF && ((i <= h->ptrn_lines && !any_old) || (i > h->ptrn_lines && !any_new)))
                break;
            vl_buf_printf(c, &p->rej, "%c ", ch[i]);
            rej_line(p, i);
            break;
        case '\n':
            rej_line(p, i);
            break;
        default:
            break;
        }
    }
    vl_xfree(c, ch);
}

static void abort_hunk(P *p, bool header, bool reverse)
{
    if (p->reject_format == UNI_DIFF || (p->reject_format == 0 && p->diff_type == UNI_DIFF))
        abort_hunk_unified(p, header, reverse);
    else
        abort_hunk_context(p, header, reverse);
}

/* ---- files ---- */

static void die_errno(P *p, const char *what, const char *name, int err)
{
    fatal(p, "%s %s : %s", what, q(p, name), vl_strerror(err));
}

/* Create the directories leading to name (for new files). */
static void make_dirs(P *p, const char *name)
{
    char *d = vl_xstrdup(p->c, name);
    for (char *s = d + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        struct vk_stat st;
        if (vk_stat(p->c->p, d, &st) < 0) {
            int rc = vk_mkdir(p->c->p, d, 0777);
            if (rc < 0 && rc != VOS_EEXIST) die_errno(p, "Can't create directory", d, rc);
        }
        *s = '/';
    }
    vl_xfree(p->c, d);
}

/* Remove now-empty parent directories of name (after deleting a file). */
static void remove_dirs(P *p, const char *name)
{
    char *d = vl_xstrdup(p->c, name);
    for (;;) {
        char *slash = strrchr(d, '/');
        if (!slash || slash == d) break;
        *slash = 0;
        if (vk_rmdir(p->c->p, d) < 0) break;
    }
    vl_xfree(p->c, d);
}

static bool already_written(P *p, const char *name)
{
    for (size_t i = 0; i < p->ndone; i++)
        if (strcmp(p->done[i].name, name) == 0) return true;
    return false;
}

static void remember_written(P *p, const char *name)
{
    if (p->ndone == p->capdone) {
        p->capdone = p->capdone ? p->capdone * 2 : 8;
        p->done = vl_xrealloc(p->c, p->done, sizeof *p->done * p->capdone);
    }
    p->done[p->ndone++].name = vl_xstrdup(p->c, name);
}

/* The backup name of a file (GNU: simple suffix, numbered ~N~, or "existing"). */
static char *backup_name(P *p, const char *name)
{
    vl_ctx *c = p->c;
    const char *suffix = p->suffix ? p->suffix : ".orig";
    int type = p->backup_type;
    if (p->origprae || p->origbase) {
        char *dir = vl_dirname(c, name), *base = vl_basename(c, name);
        vl_buf b = {0};
        if (p->origprae) vl_buf_adds(c, &b, p->origprae);
        if (p->origbase) {
            if (strchr(name, '/')) {
                vl_buf_adds(c, &b, dir);
                vl_buf_addc(c, &b, '/');
            }
            vl_buf_adds(c, &b, p->origbase);
            vl_buf_adds(c, &b, base);
        } else {
            vl_buf_adds(c, &b, name);
        }
        if (p->suffix) vl_buf_adds(c, &b, p->suffix);
        return b.data;
    }
    if (type == BK_NUMBERED || type == BK_EXISTING) {
        char *dir = vl_dirname(c, name), *base = vl_basename(c, name);
        vl_names nm;
        int64_t highest = 0;
        if (vl_dir_names(c, dir, &nm) == 0) {
            size_t bl = strlen(base);
            for (size_t i = 0; i < nm.n; i++) {
                const char *e = nm.v[i];
                if (strncmp(e, base, bl) != 0 || e[bl] != '.' || e[bl + 1] != '~') continue;
                int64_t v = 0;
                const char *s = e + bl + 2;
                if (*s < '1' || *s > '9') continue;
                while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
                if (strcmp(s, "~") == 0 && v > highest) highest = v;
            }
            vl_names_free(c, &nm);
        }
        if (type == BK_NUMBERED || highest > 0) {
            vl_buf b = {0};
            vl_buf_printf(c, &b, "%s.~%lld~", name, (long long)(highest + 1));
            return b.data;
        }
    }
    vl_buf b = {0};
    vl_buf_printf(c, &b, "%s%s", name, suffix);
    return b.data;
}

static void make_backup(P *p, const char *name, bool exists)
{
    if (already_written(p, name)) return;
    char *bak = backup_name(p, name);
    vl_ctx *c = p->c;
    make_dirs(p, bak);
    vk_unlink(c->p, bak);
    if (!exists) {
        int fd = vk_open(c->p, bak, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC, 0666);
        if (fd < 0) die_errno(p, "Can't create file", bak, fd);
        vk_close(c->p, fd);
        return;
    }
    int rc = vk_link(c->p, name, bak);
    if (rc < 0) {
        int stage;
        rc = vl_copy_data(c, name, bak, p->instat.mode & 07777, false, &stage);
        if (rc < 0) die_errno(p, "Can't create file", bak, rc);
    }
}

/* Write data to name through a temporary file in the same directory, then rename. */
static void write_file(P *p, const char *name, const char *data, size_t len, unsigned mode)
{
    vl_ctx *c = p->c;
    make_dirs(p, name);
    char *dir = vl_dirname(c, name);
    char *tmp = NULL;
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        vl_buf b = {0};
        vl_buf_printf(c, &b, "%s/.patch%llx", dir, (unsigned long long)(vk_random(c->p) & 0xffffffffffULL));
        tmp = b.data;
        fd = vk_open(c->p, tmp, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, mode & 07777);
        if (fd < 0 && fd != VOS_EEXIST) die_errno(p, "Can't create temporary file", tmp, fd);
    }
    if (fd < 0) die_errno(p, "Can't create temporary file", tmp, VOS_EEXIST);
    int rc = vl_write_fd(c, fd, data, len);
    vk_close(c->p, fd);
    if (rc < 0) {
        vk_unlink(c->p, tmp);
        die_errno(p, "Can't write to file", tmp, rc);
    }
    vk_chmod(c->p, tmp, mode & 07777);
    rc = vk_rename(c->p, tmp, name);
    if (rc < 0) {
        vk_unlink(c->p, tmp);
        die_errno(p, "Can't rename file", tmp, rc);
    }
}

static unsigned get_umask(P *p)
{
    unsigned m = vk_umask(p->c->p, 022);
    vk_umask(p->c->p, m);
    return m;
}

/* ---- the main loop ---- */

static void on_opt(vl_ctx *c, int id, const char *arg, void *ud);

static int64_t numarg(P *p, const char *arg, const char *what)
{
    int64_t v = 0;
    const char *s = arg;
    if (!(*s >= '0' && *s <= '9')) fatal(p, "%s %s is not a number", what, q(p, arg));
    while (*s >= '0' && *s <= '9') {
        if (v > (INT64_MAX / 4 - 9) / 10) fatal(p, "%s %s is too large", what, q(p, arg));
        v = v * 10 + (*s++ - '0');
    }
    if (*s) fatal(p, "%s %s is not a number", what, q(p, arg));
    return v;
}

enum {
    O_DRY_RUN = 256, O_BINARY, O_BACKUP_IF_MISMATCH, O_NO_BACKUP_IF_MISMATCH, O_POSIX,
    O_VERBOSE, O_REJECT_FORMAT, O_READ_ONLY, O_FOLLOW, O_QUOTING, O_MERGE, O_DEBUG,
};

static void on_opt(vl_ctx *c, int id, const char *arg, void *ud)
{
    P *p = ud;
    switch (id) {
    case 'b': p->make_backups = true; break;
    case 'B': p->origprae = arg; break;
    case 'c': p->force_type = CONTEXT_DIFF; break;
    case 'd': {
        int rc = vk_chdir(c->p, arg);
        if (rc < 0) fatal(p, "Can't change to directory %s : %s", q(p, arg), vl_strerror(rc));
        break;
    }
    case 'D': fatal(p, "-D (--ifdef) is not supported");
    case 'e': fatal(p, "ed scripts (-e, --ed) are not supported");
    case 'E': p->remove_empty = true; break;
    case 'f': p->force = true; break;
    case 'F': p->maxfuzz = numarg(p, arg, "fuzz factor"); break;
    case 'g': break;
    case 'i': p->patchname = arg; break;
    case 'l': p->ignore_ws = true; break;
    case 'n': p->force_type = NORMAL_DIFF; break;
    case 'N': p->noreverse = true; break;
    case 'o': p->outfile = arg; break;
    case 'p': p->strip = numarg(p, arg, "strip count"); break;
    case 'r': p->rejname = arg; break;
    case 'R': p->reverse_flag = true; break;
    case 's': p->verbosity = V_SILENT; break;
    case 't': p->batch = true; break;
    case 'T': case 'Z': break;
    case 'u': p->force_type = UNI_DIFF; break;
    case 'v': vl_version(c); vl_exit(c, 0);
    case 'V':
        if (strcmp(arg, "none") == 0 || strcmp(arg, "off") == 0) p->backup_type = BK_NONE;
        else if (strcmp(arg, "simple") == 0 || strcmp(arg, "never") == 0) p->backup_type = BK_SIMPLE;
        else if (strcmp(arg, "numbered") == 0 || strcmp(arg, "t") == 0) p->backup_type = BK_NUMBERED;
        else if (strcmp(arg, "existing") == 0 || strcmp(arg, "nil") == 0) p->backup_type = BK_EXISTING;
        else {
            vl_eprintf(c, "%s: invalid version control type %s\n", c->name, vl_quote_always(c, arg));
            vl_eprintf(c, "Valid arguments are:\n  - 'none', 'off'\n  - 'simple', 'never'\n"
                          "  - 'existing', 'nil'\n  - 'numbered', 't'\n");
            vl_eprintf(c, "Usage: %s [OPTION]... [ORIGFILE [PATCHFILE]]\n", c->name);
            vl_exit(c, 2);
        }
        break;
    case 'x': break;
    case 'Y': p->origbase = arg; break;
    case 'z': p->suffix = arg; break;
    case O_DRY_RUN: p->dry_run = true; break;
    case O_BINARY: break;
    case O_BACKUP_IF_MISMATCH: p->backup_if_mismatch_given = true; p->backup_if_mismatch = true; break;
    case O_NO_BACKUP_IF_MISMATCH: p->no_backup_if_mismatch_given = true; p->backup_if_mismatch = false; break;
    case O_POSIX: p->posix = true; break;
    case O_VERBOSE: p->verbosity = V_VERBOSE; break;
    case O_REJECT_FORMAT:
        if (strcmp(arg, "context") == 0) p->reject_format = NEW_CONTEXT_DIFF;
        else if (strcmp(arg, "unified") == 0) p->reject_format = UNI_DIFF;
        else vl_dusage(c, "unrecognized reject format %s", q(p, arg));
        break;
    case O_READ_ONLY: case O_FOLLOW: case O_QUOTING: case O_DEBUG: break;
    case O_MERGE: fatal(p, "--merge is not supported");
    default: break;
    }
}

static const vl_opt patch_opts[] = {
    {'p', "strip", VL_ARG, "NUM", "strip NUM leading components from file names"},
    {'F', "fuzz", VL_ARG, "LINES", "set the fuzz factor to LINES for inexact matching"},
    {'l', "ignore-whitespace", VL_NOARG, NULL, "ignore white space changes between patch and input"},
    {'c', "context", VL_NOARG, NULL, "interpret the patch as a context difference"},
    {'e', "ed", VL_NOARG, NULL, NULL},
    {'n', "normal", VL_NOARG, NULL, "interpret the patch as a normal difference"},
    {'u', "unified", VL_NOARG, NULL, "interpret the patch as a unified difference"},
    {'N', "forward", VL_NOARG, NULL, "ignore patches that appear to be reversed or already applied"},
    {'R', "reverse", VL_NOARG, NULL, "assume patches were created with old and new files swapped"},
    {'i', "input", VL_ARG, "PATCHFILE", "read patch from PATCHFILE instead of stdin"},
    {'o', "output", VL_ARG, "FILE", "output patched files to FILE"},
    {'r', "reject-file", VL_ARG, "FILE", "output rejects to FILE"},
    {'D', "ifdef", VL_ARG, "NAME", NULL},
    {O_MERGE, "merge", VL_OPTARG, "STYLE", NULL},
    {'E', "remove-empty-files", VL_NOARG, NULL, "remove output files that are empty after patching"},
    {'Z', "set-utc", VL_NOARG, NULL, NULL},
    {'T', "set-time", VL_NOARG, NULL, NULL},
    {'b', "backup", VL_NOARG, NULL, "back up the original contents of each file"},
    {O_BACKUP_IF_MISMATCH, "backup-if-mismatch", VL_NOARG, NULL,
     "back up if the patch does not match exactly"},
    {O_NO_BACKUP_IF_MISMATCH, "no-backup-if-mismatch", VL_NOARG, NULL,
     "back up mismatches only if otherwise requested"},
    {'V', "version-control", VL_ARG, "STYLE", "use STYLE version control (simple, numbered, existing)"},
    {'B', "prefix", VL_ARG, "PREFIX", "prepend PREFIX to backup file names"},
    {'Y', "basename-prefix", VL_ARG, "PREFIX", "prepend PREFIX to backup file basenames"},
    {'z', "suffix", VL_ARG, "SUFFIX", "append SUFFIX to backup file names"},
    {'g', "get", VL_ARG, "NUM", NULL},
    {'t', "batch", VL_NOARG, NULL, "ask no questions; skip bad-Prereq patches; assume reversed"},
    {'f', "force", VL_NOARG, NULL, "like -t, but ignore bad-Prereq patches, and assume unreversed"},
    {'s', "quiet", VL_NOARG, NULL, "work silently unless an error occurs"},
    {'s', "silent", VL_NOARG, NULL, NULL},
    {O_VERBOSE, "verbose", VL_NOARG, NULL, "output extra information about the work being done"},
    {O_DRY_RUN, "dry-run", VL_NOARG, NULL, "do not actually change any files; just print what would happen"},
    {O_POSIX, "posix", VL_NOARG, NULL, "conform to the POSIX standard"},
    {'d', "directory", VL_ARG, "DIR", "change the working directory to DIR first"},
    {O_REJECT_FORMAT, "reject-format", VL_ARG, "FORMAT", "create 'context' or 'unified' rejects"},
    {O_BINARY, "binary", VL_NOARG, NULL, "read and write data in binary mode"},
    {O_READ_ONLY, "read-only", VL_ARG, "BEHAVIOR", NULL},
    {O_FOLLOW, "follow-symlinks", VL_NOARG, NULL, NULL},
    {O_QUOTING, "quoting-style", VL_ARG, "WORD", NULL},
    {'x', "debug", VL_ARG, "NUM", NULL},
    {'v', "version", VL_NOARG, NULL, NULL},
    {0}};

static void reinit(P *p)
{
    p->inname = NULL;
    p->skip_rest_of_patch = false;
    p->reverse = p->reverse_flag;
    p->in_offset = p->out_offset = 0;
    p->last_frozen_line = 0;
}

static int patch_main(vl_ctx *c, int argc, char **argv)
{
    P p0, *p = &p0;
    memset(p, 0, sizeof *p);
    p->c = c;
    p->strip = -1;
    p->maxfuzz = 2;
    p->verbosity = V_DEFAULT;
    p->backup_if_mismatch = true;
    p->backup_type = BK_SIMPLE;
    const char *vc = vk_getenv(c->p, "PATCH_VERSION_CONTROL");
    if (!vc) vc = vk_getenv(c->p, "VERSION_CONTROL");
    if (vc) {
        if (strcmp(vc, "numbered") == 0 || strcmp(vc, "t") == 0) p->backup_type = BK_NUMBERED;
        else if (strcmp(vc, "existing") == 0 || strcmp(vc, "nil") == 0) p->backup_type = BK_EXISTING;
    }
    if (vk_getenv(c->p, "POSIXLY_CORRECT")) p->posix = true;
    const char *suf = vk_getenv(c->p, "SIMPLE_BACKUP_SUFFIX");
    if (suf && *suf) p->suffix = suf;
    int n = vl_dgetopt(c, argc, argv, false, on_opt, p, NULL, NULL);
    if (p->posix && !p->backup_if_mismatch_given) p->backup_if_mismatch = false;
    if (n >= 1) p->inname_arg = argv[1];
    if (n >= 2) p->patchname = argv[2];
    if (n > 2) vl_dusage(c, "%s: extra operand", q(p, argv[3]));

    /* the whole patch in memory */
    int pfd = 0;
    if (p->patchname && strcmp(p->patchname, "-") != 0) {
        pfd = vk_open(c->p, p->patchname, VK_O_RDONLY, 0);
        if (pfd < 0) fatal(p, "Can't open patch file %s : %s", q(p, p->patchname), vl_strerror(pfd));
    }
    int rc = vl_dread_fd(c, pfd, &p->pbuf, &p->plen);
    if (pfd > 0) vk_close(c->p, pfd);
    if (rc < 0) fatal(p, "Can't read patch file : %s", vl_strerror(rc));
    p->p_base = 0;
    p->p_bline = 1;
    bool any_patch = false;

    for (;;) {
        reinit(p);
        if (p->p_base >= p->plen) {
            if (p->verbosity == V_VERBOSE && any_patch) say(p, "done\n");
            break;
        }
        if (p->verbosity == V_VERBOSE) say(p, "Hmm...");
        p->diff_type = intuit_diff_type(p);
        if (p->diff_type == NO_DIFF) {
            if (p->verbosity == V_VERBOSE)
                say(p, any_patch ? "  Ignoring the trailing garbage.\ndone\n"
                                 : "  I can't seem to find a patch in there anywhere.\n");
            if (!any_patch && p->plen) fatal(p, "Only garbage was found in the patch input.");
            break;
        }
        if (p->verbosity == V_VERBOSE)
            say(p, "  %sooks like %s to me...\n", any_patch ? "The next patch l" : "L",
                p->diff_type == UNI_DIFF ? "a unified diff"
                : p->diff_type == CONTEXT_DIFF ? "a context diff"
                : p->diff_type == NEW_CONTEXT_DIFF ? "a new-style context diff"
                : p->diff_type == NORMAL_DIFF ? "a normal diff" : "a git diff");
        any_patch = true;
        bool skip_at_start = p->skip_rest_of_patch;
        if (!skip_at_start && p->verbosity != V_SILENT && !p->inname && p->diff_type != GIT_ONLY) {
            say(p, "can't find file to patch at input line %lld\n", (long long)p->p_sline);
            if (p->diff_type != NORMAL_DIFF)
                say(p, p->strip == -1 ? "Perhaps you should have used the -p or --strip option?\n"
                                      : "Perhaps you used the wrong -p or --strip option?\n");
        }
        /* the text leading up to the hunks, when no file was found */
        if ((p->verbosity == V_VERBOSE || (!skip_at_start && !p->inname)) && p->p_base < p->p_start &&
            p->diff_type != GIT_ONLY) {
            say(p, "The text leading up to this was:\n--------------------------\n");
            for (size_t o = p->p_base; o < p->p_start;) {
                const char *s = p->pbuf + o;
                const char *nl = memchr(s, '\n', p->p_start - o);
                size_t len = nl ? (size_t)(nl - s) + 1 : p->p_start - o;
                say(p, "|%.*s", (int)len, s);
                o += len;
            }
            say(p, "--------------------------\n");
        }
        p->pos = p->p_start;
        p->input_line = p->p_sline - 1;
        bool no_file = false;
        if (!skip_at_start && !p->inname && p->diff_type != GIT_ONLY) {
            if (p->force || p->batch) {
                say(p, "No file to patch.  Skipping patch.\n");
            } else {
                ask(p, "File to patch: ");
                ask(p, "Skip this patch? [y] ");
                if (p->verbosity != V_SILENT) say(p, "Skipping patch.\n");
            }
            p->skip_rest_of_patch = true;
            no_file = true;
        }

        /* git renames and copies: the file read is the old one, the file written the new */
        const char *outname = p->outfile ? p->outfile : p->inname;
        bool renaming = false;
        if (p->diff_type == GIT_ONLY || p->is_rename || p->is_copy) {
            const char *from = p->reverse ? p->rename_to : p->rename_from;
            const char *to = p->reverse ? p->rename_from : p->rename_to;
            if ((p->is_rename || p->is_copy) && from && to) {
                p->inname = vl_xstrdup(c, from);
                struct vk_stat st;
                int r = vk_stat(c->p, from, &st);
                p->inerrno = r < 0 ? r : 0;
                if (r == 0) p->instat = st;
                outname = p->outfile ? p->outfile : to;
                renaming = true;
            } else if (!p->inname) {
                p->inname = p->p_name[OLD] ? p->p_name[OLD] : p->p_name[NEW];
                outname = p->inname;
                if (p->inname) {
                    struct vk_stat st;
                    int r = vk_stat(c->p, p->inname, &st);
                    p->inerrno = r < 0 ? r : 0;
                    if (r == 0) p->instat = st;
                }
            }
        }

        if (!p->skip_rest_of_patch) {
            if (p->inerrno == 0 && !VK_S_ISREG(p->instat.mode))
                fatal(p, "File %s is not a regular file -- refusing to patch", q(p, p->inname));
            read_input(p, p->inerrno == 0 ? p->inname : NULL);
            if (p->verbosity != V_SILENT) {
                if (renaming)
                    say(p, "%s file %s (%s from %s)\n", p->dry_run ? "checking" : "patching",
                        q(p, outname), p->is_copy ? "copied" : "renamed", q(p, p->inname));
                else if (p->outfile && p->inname && strcmp(p->outfile, p->inname) != 0)
                    say(p, "%s file %s (read from %s)\n", p->dry_run ? "checking" : "patching",
                        q(p, outname), q(p, p->inname));
                else
                    say(p, "%s file %s\n", p->dry_run ? "checking" : "patching", q(p, outname));
            }
            if (p->verbosity == V_VERBOSE) say(p, "Using Plan A...\n");
        } else {
            p->input_lines = 0;
        }

        p->out.len = 0;
        p->rej.len = 0;
        p->after_newline = true;
        p->zero_output = true;
        int hunkno = 0, failed = 0;
        bool mismatch = false;
        int got;
        while ((got = another_hunk(p)) > 0) {
            struct hunk *h = &p->h;
            int64_t where = 0, fuzz = 0, mymaxfuzz;
            bool apply_anyway = false;
            int64_t context = h->prefix_context < h->suffix_context ? h->suffix_context : h->prefix_context;
            mymaxfuzz = p->maxfuzz < context ? p->maxfuzz : context;
            hunkno++;
            if (!p->skip_rest_of_patch) {
                do {
                    where = locate_hunk(p, fuzz);
                    if (!where || fuzz || p->in_offset) mismatch = true;
                    if (hunkno == 1 && !where && !p->force) {
                        pch_swap(p);
                        where = locate_hunk(p, fuzz);
                        if (where && ok_to_reverse(p, p->reverse ? "Unreversed patch detected!"
                                                                 : "Reversed (or previously applied) patch detected!")) {
                            p->reverse = !p->reverse;
                        } else {
                            pch_swap(p);
                            if (where) {
                                apply_anyway = true;
                                fuzz--;
                                where = 0;
                            }
                        }
                    }
                } while (!p->skip_rest_of_patch && !where && ++fuzz <= mymaxfuzz);
            }
            int64_t newwhere = (where ? where : h->first) + p->out_offset;
            bool bad = p->skip_rest_of_patch ||
                       (where == 1 && p->says_nonexistent[p->reverse] == 2 && p->instat.size &&
                        p->inerrno == 0) ||
                       !where || !apply_hunk(p, where);
            if (bad) {
                abort_hunk(p, !failed, p->reverse);
                failed++;
                if (p->verbosity == V_VERBOSE || (!p->skip_rest_of_patch && p->verbosity != V_SILENT))
                    say(p, "Hunk #%d %s at %lld.\n", hunkno, p->skip_rest_of_patch ? "ignored" : "FAILED",
                        (long long)newwhere);
            } else {
                if (p->verbosity == V_VERBOSE || (p->verbosity != V_SILENT && (fuzz || p->in_offset))) {
                    say(p, "Hunk #%d %s at %lld", hunkno, apply_anyway ? "applied" : "succeeded",
                        (long long)newwhere);
                    if (fuzz) say(p, " with fuzz %lld", (long long)fuzz);
                    if (p->in_offset)
                        say(p, " (offset %lld line%s)", (long long)p->in_offset,
                            p->in_offset == 1 ? "" : "s");
                    say(p, ".\n");
                }
                p->out_offset += h->repl_lines - h->ptrn_lines;
            }
            vl_dsteps(c, 1);
        }
        /* the end of this file's patch */
        p->p_base = p->pos;
        p->p_bline = p->input_line + 1;
        if (p->diff_type == GIT_ONLY) {
            /* nothing but a rename or a mode change */
        } else if (got < 0) {
            fatal(p, "unexpected end of file in patch");
        }

        if (!p->skip_rest_of_patch) {
            if (p->last_frozen_line < p->input_lines) copy_till(p, p->input_lines);
            unsigned mode = p->inerrno == 0 ? (p->instat.mode & 07777) : (0666 & ~get_umask(p));
            if (p->inerrno != 0 && p->git_mode[p->reverse ? OLD : NEW])
                mode = p->git_mode[p->reverse ? OLD : NEW] & 0777;
            else if (p->git_mode[p->reverse ? OLD : NEW] && p->git_mode[p->reverse ? NEW : OLD])
                mode = p->git_mode[p->reverse ? OLD : NEW] & 0777;
            bool remove = p->out.len == 0 &&
                          (p->remove_empty || p->says_nonexistent[!p->reverse] == 2);
            if (!remove && p->says_nonexistent[!p->reverse] == 2 && !p->dry_run && !failed) {
                say(p, "Not deleting file %s as content differs from patch\n", q(p, outname));
                p->somefailed = true;
            }
            if (!p->dry_run && p->outfile && strcmp(p->outfile, "-") == 0) {
                vl_write(c, p->out.data ? p->out.data : "", p->out.len);
            } else if (!p->dry_run) {
                bool backup = p->make_backups || (p->backup_if_mismatch && mismatch);
                bool exists_out = true;
                struct vk_stat ost;
                if (vk_stat(c->p, outname, &ost) < 0) exists_out = false;
                if (backup && !p->outfile) make_backup(p, outname, exists_out && p->inerrno == 0);
                else if (backup && p->outfile && exists_out) make_backup(p, outname, true);
                if (remove) {
                    if (exists_out) vk_unlink(c->p, outname);
                    if (renaming && p->is_rename) vk_unlink(c->p, p->inname);
                    remove_dirs(p, outname);
                } else {
                    write_file(p, outname, p->out.data ? p->out.data : "", p->out.len, mode);
                    if (renaming && p->is_rename && strcmp(p->inname, outname) != 0) {
                        vk_unlink(c->p, p->inname);
                        remove_dirs(p, p->inname);
                    }
                }
                remember_written(p, outname);
            }
        }
        if (failed) {
            p->somefailed = true;
            say(p, "%d out of %d hunk%s %s", failed, hunkno, hunkno == 1 ? "" : "s",
                p->skip_rest_of_patch ? "ignored" : "FAILED");
            if (!no_file && outname && !skip_at_start && (!p->rejname || strcmp(p->rejname, "-") != 0)) {
                char *rej;
                if (p->rejname) {
                    rej = vl_xstrdup(c, p->rejname);
                } else {
                    vl_buf b = {0};
                    vl_buf_printf(c, &b, "%s.rej", outname);
                    rej = b.data;
                }
                if (!p->dry_run) {
                    say(p, " -- saving rejects to file %s\n", q(p, rej));
                    write_file(p, rej, p->rej.data ? p->rej.data : "", p->rej.len, 0666 & ~get_umask(p));
                } else {
                    say(p, "\n");
                }
            } else {
                say(p, "\n");
            }
        }
        vl_dsteps(c, 1);
    }
    return p->somefailed ? 1 : 0;
}

VL_COMMAND(patch, patch_main, patch_opts, "[OPTION]... [ORIGFILE [PATCHFILE]]",
           "Apply a diff file to an original.",
           VL_NO_OPTIONS, 2);
