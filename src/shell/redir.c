/* redir.c: applying redirections to the shell's own fd table (< > >> >| <> <& >& &> &>> << <<-
 * <<< and {name}> forms), remembering the previous fds so a builtin's or function's
 * redirections can be undone, and bash's messages when one fails. Commands started
 * afterwards inherit the result. */
#include <stdio.h>
#include <string.h>

#include "shell/sh.h"

#define SAVE_MIN 10

static int one(sh_state *sh, sh_redir *r, sh_redir_undo *undo);

static bool saved_already(sh_redir_undo *u, int fd)
{
    for (int i = 0; i < u->n; i++)
        if (u->s[i].fd == fd) return true;
    return false;
}

static int save_fd(sh_state *sh, sh_redir_undo *u, int fd)
{
    if (!u || saved_already(u, fd)) return 0;
    if (u->n == u->cap) {
        int nc = u->cap ? u->cap * 2 : 4;
        sh_redir_save *ns = vk_realloc(sh->p, u->s, (size_t)nc * sizeof *ns);
        if (!ns) return -1;
        u->s = ns;
        u->cap = nc;
    }
    int saved = -1;
    if (vk_fd_valid(sh->p, fd)) {
        saved = vk_dupfd(sh->p, fd, SAVE_MIN, true);
        if (saved < 0) return saved;
    }
    u->s[u->n].fd = fd;
    u->s[u->n].saved = saved;
    u->n++;
    return 0;
}

void sh_redir_restore(sh_state *sh, sh_redir_undo *u)
{
    for (int i = u->n; i-- > 0;) {
        sh_redir_save *s = &u->s[i];
        if (s->saved >= 0) {
            vk_dup2(sh->p, s->saved, s->fd);
            vk_close(sh->p, s->saved);
        } else {
            vk_close(sh->p, s->fd);
        }
    }
    vk_free(sh->p, u->s);
    u->s = NULL;
    u->n = u->cap = 0;
}

/* put the open file newfd at fd */
/* fds a redirection may name: below the VM's open_files limit */
static int fd_limit(sh_state *sh)
{
    const vos_limits *lim = vk_limits(sh->p);
    return lim && lim->open_files && lim->open_files < 1024 ? (int)lim->open_files : 1024;
}

static int install(sh_state *sh, int newfd, int fd)
{
    if (newfd == fd) return 0;
    int rc = vk_dup2(sh->p, newfd, fd);
    vk_close(sh->p, newfd);
    return rc < 0 ? rc : 0;
}

/* here-doc / here-string content as a readable fd */
static int content_fd(sh_state *sh, const char *data, size_t len)
{
    if (len <= 60000) {
        int fds[2];
        int rc = vk_pipe(sh->p, fds);
        if (rc < 0) return rc;
        if (len) vk_write(sh->p, fds[1], data, len);
        vk_close(sh->p, fds[1]);
        return fds[0];
    }
    /* larger than a pipe holds: a temporary file, unlinked once open */
    char path[64];
    for (int tries = 0; tries < 100; tries++) {
        snprintf(path, sizeof path, "/tmp/.sh-heredoc-%d-%llx", vk_getpid(sh->p),
                 (unsigned long long)(vk_random(sh->p) & 0xffffffffull));
        int fd = vk_open(sh->p, path, VK_O_RDWR | VK_O_CREAT | VK_O_EXCL, 0600);
        if (fd == VOS_EEXIST) continue;
        if (fd < 0) return fd;
        ssize_t w = vk_write(sh->p, fd, data, len);
        vk_unlink(sh->p, path);
        if (w < 0) {
            vk_close(sh->p, fd);
            return (int)w;
        }
        vk_lseek(sh->p, fd, 0, VK_SEEK_SET);
        return fd;
    }
    return VOS_EEXIST;
}

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static int open_file(sh_state *sh, const char *path, int op)
{
    int flags;
    switch (op) {
    case R_IN: flags = VK_O_RDONLY; break;
    case R_RDWR: flags = VK_O_RDWR | VK_O_CREAT; break;
    case R_APPEND:
    case R_APPERR: flags = VK_O_WRONLY | VK_O_CREAT | VK_O_APPEND; break;
    default: flags = VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC; break;
    }
    if (sh->opt[O_NOCLOBBER] && (op == R_OUT || op == R_OUTERR)) {
        struct vk_stat st;
        if (vk_stat(sh->p, path, &st) == 0 && VK_S_ISREG(st.mode)) return VOS_EEXIST;
        flags |= 0; /* a race with another writer is acceptable here */
    }
    return vk_open(sh->p, path, flags, 0666);
}

/* {name}>target: open like the plain form onto a fresh fd (10 and up), store its number in
 * name; it stays open after the command, as in bash. {name}>&- closes the fd in name. */
/* the value of {name} or {name[subscript]} (NULL: unset); *own: free it */
static const char *named_value(sh_state *sh, const char *name, char **own)
{
    *own = NULL;
    if (!strchr(name, '[')) return sh_var_value(sh, name);
    sh_buf b;
    sh_buf_init(&b, sh->p);
    sh_buf_adds(&b, "${");
    sh_buf_adds(&b, name);
    sh_buf_adds(&b, "}");
    char *ref = sh_buf_take(&b);
    *own = ref ? sh_expand_str(sh, ref) : NULL;
    vk_free(sh->p, ref);
    return *own && **own ? *own : NULL;
}

static int named_set(sh_state *sh, const char *name, const char *val)
{
    const char *lb = strchr(name, '[');
    if (!lb) return sh_var_set(sh, name, val, 0);
    char *base = vk_strndup(sh->p, name, (size_t)(lb - name));
    char *sub = vk_strndup(sh->p, lb + 1, strlen(lb + 1) - 1); /* without the ']' */
    int rc = base && sub ? sh_assign_elem(sh, base, sub, val, false) : -1;
    vk_free(sh->p, base);
    vk_free(sh->p, sub);
    return rc;
}

static int named(sh_state *sh, sh_redir *r, sh_redir_undo *undo)
{
    if (r->op == R_DUPOUT || r->op == R_DUPIN) {
        char *target = sh_expand_redir(sh, r->word);
        if (!target) return -1;
        if (strcmp(target, "-") == 0) {
            char *own;
            const char *v = named_value(sh, r->varname, &own);
            int64_t fd;
            int rc = 0;
            if (!v || !sh_parse_int(v, &fd) || fd < 0) {
                sh_error(sh, "%s: ambiguous redirect", r->varname);
                rc = -1;
            } else if (!vk_fd_valid(sh->p, (int)fd)) {
                sh_error(sh, "%s: Bad file descriptor", v);
                rc = -1;
            } else {
                vk_close(sh->p, (int)fd);
                sh_coproc_fd_closed(sh, (int)fd);
            }
            vk_free(sh->p, own);
            vk_free(sh->p, target);
            return rc;
        }
        vk_free(sh->p, target);
    }
    /* the plain form applied to a placeholder fd, then moved up */
    int tmp = 10, max = fd_limit(sh);
    while (tmp < max && vk_fd_valid(sh->p, tmp)) tmp++;
    if (tmp >= max) {
        /* every fd is taken: what opening the target would say */
        char *target = sh_expand_redir(sh, r->word);
        if (!target) return -1;
        sh_error(sh, "%s: %s", target, sh_strerror(VOS_EMFILE));
        vk_free(sh->p, target);
        return -1;
    }
    /* varredir_close: the fd is closed when the command is done (not after exec) */
    if (undo && sh->shopt[SO_VARREDIR_CLOSE] && save_fd(sh, undo, tmp) < 0) return -1;
    sh_redir plain = *r;
    plain.varname = NULL;
    plain.next = NULL;
    plain.fd = tmp;
    if (one(sh, &plain, NULL) != 0) return -1;
    char num[16];
    snprintf(num, sizeof num, "%d", tmp);
    return named_set(sh, r->varname, num) == 0 ? 0 : -1;
}

static int one(sh_state *sh, sh_redir *r, sh_redir_undo *undo)
{
    if (r->varname) return named(sh, r, undo);
    int op = r->op;
    int fd = r->fd;
    if (fd < 0)
        fd = (op == R_IN || op == R_RDWR || op == R_DUPIN || op == R_HEREDOC || op == R_HERESTR)
                 ? 0
                 : 1;
    if (fd >= fd_limit(sh)) {
        sh_error(sh, "%d: %s", fd, sh_strerror(VOS_EBADF));
        return -1;
    }
    if (op == R_HEREDOC || op == R_HERESTR) {
        char *text;
        size_t len;
        if (op == R_HEREDOC) {
            text = r->quoted ? vk_strdup(sh->p, r->body ? r->body : "")
                             : sh_expand_heredoc(sh, r->body ? r->body : "");
            if (!text) return -1;
            len = strlen(text);
        } else {
            char *w = sh_expand_str(sh, r->word);
            if (!w) return -1;
            len = strlen(w);
            text = vk_malloc(sh->p, len + 2);
            if (!text) {
                vk_free(sh->p, w);
                return -1;
            }
            memcpy(text, w, len);
            text[len++] = '\n';
            text[len] = 0;
            vk_free(sh->p, w);
        }
        if (save_fd(sh, undo, fd) < 0) {
            vk_free(sh->p, text);
            return -1;
        }
        int nfd = content_fd(sh, text, len);
        vk_free(sh->p, text);
        if (nfd < 0) {
            sh_error(sh, "cannot create temp file for here-document: %s", sh_strerror(nfd));
            return -1;
        }
        return install(sh, nfd, fd) < 0 ? -1 : 0;
    }
    char *target = sh_expand_redir(sh, r->word);
    if (!target) return -1;
    int rc = 0;
    if (op == R_DUPIN || op == R_DUPOUT) {
        if (strcmp(target, "-") == 0) {
            if (save_fd(sh, undo, fd) < 0) {
                rc = -1;
            } else {
                vk_close(sh->p, fd);
                if (!undo) sh_coproc_fd_closed(sh, fd);
            }
        } else if (all_digits(target)) {
            int from = 0;
            for (const char *s = target; *s && from < 100000; s++) from = from * 10 + (*s - '0');
            if (!vk_fd_valid(sh->p, from) || from >= 100000) {
                sh_error(sh, "%s: Bad file descriptor", r->word); /* the word as written */
                rc = -1;
            } else if (from != fd) {
                if (save_fd(sh, undo, fd) < 0 || vk_dup2(sh->p, from, fd) < 0) rc = -1;
            }
        } else if (strlen(target) > 1 && target[strlen(target) - 1] == '-' &&
                   strspn(target, "0123456789") == strlen(target) - 1) {
            /* N>&M- / N<&M-: move M to N (dup, then close M) */
            int from = 0;
            for (const char *s = target; *s != '-' && from < 100000; s++)
                from = from * 10 + (*s - '0');
            if (!vk_fd_valid(sh->p, from) || from >= 100000) {
                sh_error(sh, "%d: Bad file descriptor", from);
                rc = -1;
            } else if (from != fd) {
                if (save_fd(sh, undo, fd) < 0 || save_fd(sh, undo, from) < 0 ||
                    vk_dup2(sh->p, from, fd) < 0)
                    rc = -1;
                else
                    vk_close(sh->p, from);
            }
        } else if (op == R_DUPOUT && r->fd < 0) {
            /* >&word with a file name is &>word */
            op = R_OUTERR;
            goto file;
        } else {
            sh_error(sh, "%s: ambiguous redirect", r->word);
            rc = -1;
        }
        vk_free(sh->p, target);
        return rc;
    }
file:;
    /* save before opening: the new file may land on the very fd (when it was closed) */
    if (op == R_OUTERR || op == R_APPERR) {
        if (save_fd(sh, undo, 1) < 0 || save_fd(sh, undo, 2) < 0) {
            vk_free(sh->p, target);
            return -1;
        }
    } else if (save_fd(sh, undo, fd) < 0) {
        vk_free(sh->p, target);
        return -1;
    }
    int nfd = open_file(sh, target, op);
    if (nfd < 0) {
        if (nfd == VOS_EEXIST && sh->opt[O_NOCLOBBER])
            sh_error(sh, "%s: cannot overwrite existing file", target);
        else
            sh_error(sh, "%s: %s", target, sh_strerror(nfd));
        vk_free(sh->p, target);
        return -1;
    }
    vk_free(sh->p, target);
    if (op == R_OUTERR || op == R_APPERR) {
        if (nfd != 2 && vk_dup2(sh->p, nfd, 2) < 0) rc = -1;
        if (install(sh, nfd, 1) < 0) rc = -1;
        return rc;
    }
    return install(sh, nfd, fd) < 0 ? -1 : 0;
}

int sh_redirect(sh_state *sh, sh_redir *r, sh_redir_undo *undo)
{
    for (; r; r = r->next) {
        if (one(sh, r, undo) != 0) {
            if (!sh->fatal || !sh->status) sh->status = 1; /* <${u?} keeps 127 */
            return -1;
        }
    }
    return 0;
}
