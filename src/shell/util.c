/* util.c: small things every part of the shell uses: the growable string, allocation in the
 * shell's process arena, bash-shaped error messages, word quoting and signal names.
 * Nothing here knows about the syntax tree or the evaluator. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shell/sh.h"

/* ---- growable string ---- */
void sh_buf_init(sh_buf *b, vk_proc *p)
{
    b->p = p;
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

static bool buf_grow(sh_buf *b, size_t add)
{
    if (b->oom) return false;
    if (b->len + add + 1 <= b->cap) return true;
    if (add > SIZE_MAX / 4 - b->len) { /* no buffer that big: a caller's bad length */
        b->oom = true;
        return false;
    }
    size_t ncap = b->cap ? b->cap * 2 : 64;
    while (ncap < b->len + add + 1) ncap *= 2;
    char *ns = vk_realloc(b->p, b->s, ncap);
    if (!ns) {
        b->oom = true;
        return false;
    }
    b->s = ns;
    b->cap = ncap;
    return true;
}

bool sh_buf_add(sh_buf *b, const void *data, size_t n)
{
    if (!buf_grow(b, n)) return false;
    if (n) memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = 0;
    return true;
}

bool sh_buf_addc(sh_buf *b, int c)
{
    char ch = (char)c;
    return sh_buf_add(b, &ch, 1);
}

bool sh_buf_adds(sh_buf *b, const char *s) { return sh_buf_add(b, s, strlen(s)); }

bool sh_buf_printf(sh_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if ((size_t)n < sizeof tmp) return sh_buf_add(b, tmp, (size_t)n);
    if (!buf_grow(b, (size_t)n)) return false;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

char *sh_buf_take(sh_buf *b)
{
    if (b->oom) {
        sh_buf_free(b);
        return NULL;
    }
    if (!b->s && !buf_grow(b, 0)) return NULL;
    if (!b->s) return NULL;
    b->s[b->len] = 0;
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sh_buf_free(sh_buf *b)
{
    vk_free(b->p, b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* ---- memory ---- */
void *sh_alloc(sh_state *sh, size_t n) { return vk_malloc(sh->p, n); }

char *sh_strdup(sh_state *sh, const char *s) { return s ? vk_strdup(sh->p, s) : NULL; }

char *sh_strndup(sh_state *sh, const char *s, size_t n) { return vk_strndup(sh->p, s, n); }

void sh_xfree(sh_state *sh, void *ptr) { vk_free(sh->p, ptr); }

/* ---- messages ---- */
void sh_write_str(sh_state *sh, int fd, const char *s)
{
    vk_write(sh->p, fd, s, strlen(s));
}

/* bash names the source of a message: $0 at top level of a -c string, "environment" inside
 * a function defined by one (bash 5.2 does exactly this). */
static const char *msg_source(sh_state *sh)
{
    if (sh->cmode && sh->func_depth > 0) return "environment";
    return sh->srcname ? sh->srcname : "bash";
}

void sh_msg_prefix(sh_state *sh, char *buf, size_t n, const char *what)
{
    snprintf(buf, n, sh->shopt[SO_GNU_ERRFMT] ? "%s:%d: %s" : "%s: line %d: %s", msg_source(sh),
             sh->lineno, what);
}

static void verror(sh_state *sh, bool with_line, const char *fmt, va_list ap)
{
    char msg[1024];
    int n;
    if (with_line)
        n = snprintf(msg, sizeof msg, sh->shopt[SO_GNU_ERRFMT] ? "%s:%d: " : "%s: line %d: ",
                     msg_source(sh), sh->lineno);
    else
        n = snprintf(msg, sizeof msg, "%s: ", msg_source(sh));
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
    int m = vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
    if (m < 0) m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof msg - 2) len = sizeof msg - 2;
    msg[len++] = '\n';
    vk_write(sh->p, 2, msg, len);
}

void sh_error(sh_state *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(sh, true, fmt, ap);
    va_end(ap);
}

void sh_error_noline(sh_state *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(sh, false, fmt, ap);
    va_end(ap);
}

const char *sh_strerror(int err) { return vos_strerror(err); }

/* ---- names ---- */
bool sh_is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool sh_is_name_char(int c) { return sh_is_name_start(c) || (c >= '0' && c <= '9'); }

bool sh_is_name(const char *s, size_t n)
{
    if (n == 0 || !sh_is_name_start((unsigned char)s[0])) return false;
    for (size_t i = 1; i < n; i++)
        if (!sh_is_name_char((unsigned char)s[i])) return false;
    return true;
}

bool sh_parse_int(const char *s, int64_t *out)
{
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    bool neg = false;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (*s < '0' || *s > '9') return false;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    if (*s) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* ---- quoting the way bash shows words (set -x, trap -p, export -p) ---- */
static bool needs_quotes(const char *s)
{
    if (!*s) return true;
    for (const char *c = s; *c; c++) {
        if (strchr(" \t\n'\"\\|&;()<>!{}*[?]^$`#~=%,", *c)) {
            /* bash leaves = , % ~ alone except where they would mean something */
            if (*c == '=' || *c == '%' || *c == ',') continue;
            if (*c == '~' && c != s) continue;
            if (*c == '#' && c != s) continue;
            return true;
        }
    }
    return false;
}

static bool needs_ansic(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 32 || *c == 127) {
            if (*c == '\t' || *c == '\n') continue;
            return true;
        }
    return false;
}

void sh_quote_ansic(sh_buf *b, const char *s)
{
    sh_buf_adds(b, "$'");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '\n': sh_buf_adds(b, "\\n"); break;
        case '\t': sh_buf_adds(b, "\\t"); break;
        case '\r': sh_buf_adds(b, "\\r"); break;
        case '\a': sh_buf_adds(b, "\\a"); break;
        case '\b': sh_buf_adds(b, "\\b"); break;
        case '\f': sh_buf_adds(b, "\\f"); break;
        case '\v': sh_buf_adds(b, "\\v"); break;
        case 27: sh_buf_adds(b, "\\E"); break;
        case '\'': sh_buf_adds(b, "\\'"); break;
        case '\\': sh_buf_adds(b, "\\\\"); break;
        default:
            if (*c < 32 || *c == 127)
                sh_buf_printf(b, "\\%03o", *c);
            else
                sh_buf_addc(b, *c);
        }
    }
    sh_buf_addc(b, '\'');
}

void sh_quote(sh_buf *b, const char *s)
{
    if (needs_ansic(s)) {
        sh_quote_ansic(b, s);
        return;
    }
    if (!needs_quotes(s)) {
        sh_buf_adds(b, s);
        return;
    }
    sh_buf_addc(b, '\'');
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            sh_buf_adds(b, "'\\''");
        else
            sh_buf_addc(b, *c);
    }
    sh_buf_addc(b, '\'');
}

/* ---- signals (Linux numbering) ---- */
static const char *const sig_names[VK_NSIG] = {
    NULL,   "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT", "BUS",   "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD", "CONT",  "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS",
};

const char *sh_sig_name(int sig)
{
    if (sig <= 0 || sig >= VK_NSIG) return NULL;
    return sig_names[sig];
}

int sh_sig_number(const char *name)
{
    int64_t n;
    if (sh_parse_int(name, &n)) return (n >= 0 && n < VK_NSIG) ? (int)n : -1;
    const char *s = name;
    if ((s[0] == 'S' || s[0] == 's') && (s[1] == 'I' || s[1] == 'i') &&
        (s[2] == 'G' || s[2] == 'g'))
        s += 3;
    if (strcasecmp(s, "EXIT") == 0) return 0;
    if (strcasecmp(s, "POLL") == 0) return 29;
    if (strcasecmp(s, "IOT") == 0) return 6;
    for (int i = 1; i < VK_NSIG; i++)
        if (strcasecmp(s, sig_names[i]) == 0) return i;
    return -1;
}

/* ---- Unicode case mapping (UTF-8 locales) ----
 * The simple one-to-one mappings of the scripts models meet (Latin-1, Latin Extended-A and
 * Additional, Greek, Cyrillic, Armenian, fullwidth Latin), as glibc's towupper/towlower give
 * them; characters outside these ranges keep their case. */
uint32_t sh_u_toupper(uint32_t c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
    if (c >= 0xe0 && c <= 0xfe && c != 0xf7) return c - 32;
    if (c == 0xff) return 0x178;
    if (c == 0xb5) return 0x39c;
    if (c == 0x131) return 'I';
    if (c == 0x17f) return 'S';
    if (c >= 0x1c4 && c <= 0x1cc) return c - (c - 0x1c4) % 3;     /* DŽ Dž dž, LJ, NJ */
    if (c >= 0x1f1 && c <= 0x1f3) return 0x1f1;                   /* DZ Dz dz */
    if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
        return c & 1 ? c - 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return c & 1 ? c : c - 1;
    if (c >= 0x3b1 && c <= 0x3cb && c != 0x3c2) return c - 32;
    if (c == 0x3c2) return 0x3a3;
    if (c == 0x3ac) return 0x386;
    if (c >= 0x3ad && c <= 0x3af) return c - 37;
    if (c == 0x3cc) return 0x38c;
    if (c == 0x3cd || c == 0x3ce) return c - 63;
    if (c >= 0x430 && c <= 0x44f) return c - 32;
    if (c >= 0x450 && c <= 0x45f) return c - 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
        return c & 1 ? c - 1 : c;
    if (c >= 0x4c1 && c <= 0x4ce) return c & 1 ? c : c - 1;
    if (c >= 0x561 && c <= 0x586) return c - 48;
    if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff)) return c & 1 ? c - 1 : c;
    if (c >= 0xff41 && c <= 0xff5a) return c - 32;
    return c;
}

uint32_t sh_u_tolower(uint32_t c)
{
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 32;
    if (c == 0x178) return 0xff;
    if (c == 0x130) return 'i';
    if (c == 0x1e9e) return 0xdf;
    if (c >= 0x1c4 && c <= 0x1cc) return c - (c - 0x1c4) % 3 + 2;
    if (c >= 0x1f1 && c <= 0x1f3) return 0x1f3;
    if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
        return c & 1 ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) return c & 1 ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3ab && c != 0x3a2) return c + 32;
    if (c == 0x386) return 0x3ac;
    if (c >= 0x388 && c <= 0x38a) return c + 37;
    if (c == 0x38c) return 0x3cc;
    if (c == 0x38e || c == 0x38f) return c + 63;
    if (c >= 0x410 && c <= 0x42f) return c + 32;
    if (c >= 0x400 && c <= 0x40f) return c + 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
        return c & 1 ? c : c + 1;
    if (c >= 0x4c1 && c <= 0x4ce) return c & 1 ? c + 1 : c;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff)) return c & 1 ? c : c + 1;
    if (c >= 0xff21 && c <= 0xff3a) return c + 32;
    return c;
}

size_t sh_u8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    size_t want = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    *cp = c;
    if (want == 1) return 1;
    if (want == 0 || want > n) return 0;
    for (size_t k = 1; k < want; k++)
        if ((u[k] & 0xc0) != 0x80) return 0;
    if (want == 3 && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] > 0x9f))) return 0;
    if (want == 4 && ((c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] > 0x8f))) return 0;
    uint32_t v = c & (want == 2 ? 0x1f : want == 3 ? 0x0f : 0x07);
    for (size_t k = 1; k < want; k++) v = (v << 6) | (u[k] & 0x3f);
    *cp = v;
    return want;
}

size_t sh_u8_encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

bool sh_utf8_locale(sh_state *sh)
{
    const char *names[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = sh_var_value(sh, names[i]);
        if (v && *v) return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return false;
}
