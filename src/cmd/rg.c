/* rg: ripgrep 13.0.0 as Debian ships it, without a terminal (no colour, no heading, no line
 * numbers unless asked): Rust regex syntax (rg_syntax.c turns it into PCRE2, run with UTF and
 * Unicode properties), recursive search honouring .gitignore (inside a git repository),
 * .ignore, .rgignore, .git/info/exclude, --ignore-file and the ignore files of parent
 * directories, hidden and binary files skipped, symbolic links not followed, file types, globs,
 * and the output modes models use (-n -c -l -o -r -A/-B/-C --column --vimgrep --json
 * --stats...). Entries are visited in --sort path order (real rg's order without it depends
 * on its threads), or by time with --sort modified/accessed. Files are read in 64 KiB chunks, as `rg --no-mmap` reads them, so
 * binary detection and streaming behave alike; -U reads a whole file. Not here: --pre,
 * --search-zip, encodings, --null-data, the global git excludes file, colours. */
#include "cmd/rg.h"
#include "lib/regex.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define CHUNK 65536

/* ---- options ---- */
enum {
    O_NONE = 0,
    O_AFTER, O_BEFORE, O_CONTEXT, O_COUNT, O_COUNT_MATCHES, O_COLUMN, O_NO_COLUMN, O_REGEXP,
    O_FILE, O_FILES, O_FILES_WITH, O_FILES_WITHOUT, O_FIXED, O_NO_FIXED, O_FOLLOW, O_NO_FOLLOW,
    O_GLOB, O_IGLOB, O_HEADING, O_NO_HEADING, O_HIDDEN, O_NO_HIDDEN, O_ICASE, O_CASE_SENSITIVE,
    O_SMART, O_IGNORE_FILE, O_INVERT, O_LINE_NUMBER, O_NO_LINE_NUMBER, O_LINE_REGEXP,
    O_MAX_COUNT, O_MAX_DEPTH, O_MAX_FILESIZE, O_MULTILINE, O_NO_MULTILINE, O_DOTALL,
    O_NO_DOTALL, O_NO_IGNORE, O_NO_IGNORE_VCS, O_NO_IGNORE_PARENT, O_NO_IGNORE_DOT, O_NULL,
    O_ONLY, O_PASSTHRU, O_PCRE2, O_NO_PCRE2, O_QUIET, O_REPLACE, O_SORT, O_SORTR, O_STATS,
    O_NO_STATS, O_TEXT, O_NO_TEXT, O_THREADS, O_TRIM, O_NO_TRIM, O_TYPE, O_TYPE_NOT,
    O_TYPE_ADD, O_TYPE_CLEAR, O_TYPE_LIST, O_UNRESTRICTED, O_VIMGREP, O_WITH_FILENAME,
    O_NO_FILENAME, O_WORD, O_JSON, O_NO_JSON, O_NO_MESSAGES, O_MESSAGES, O_COLOR, O_PRETTY,
    O_NULL_DATA, O_NO_MMAP, O_MMAP, O_BINARY, O_NO_BINARY, O_HELP, O_VERSION, O_NO_CONFIG,
    O_NO_IGNORE_EXCLUDE, O_NO_IGNORE_GLOBAL, O_NO_IGNORE_FILES, O_NO_REQUIRE_GIT,
    O_IGNORE_CASE_GLOB, O_BYTE_OFFSET, O_MAX_COLUMNS, O_ENGINE, O_CRLF, O_NO_CRLF,
    O_NO_UNICODE, O_SEARCH_ZIP, O_PRE, O_ENCODING, O_INCLUDE_ZERO, O_ONE_FILE_SYSTEM,
    O_CONTEXT_SEP, O_FIELD_CTX_SEP, O_FIELD_MATCH_SEP, O_PATH_SEP, O_LINE_BUFFERED,
    O_BLOCK_BUFFERED, O_DEBUG, O_TRACE, O_IGNORE, O_COLORS, O_NO_IGNORE_MESSAGES,
    O_MAX_COLUMNS_PREVIEW, O_VERSION_SHORT, O_IGNORE_FILE_ICASE, O_NO_CONTEXT_SEP,
    O_NO_IGNORE_CASE_GLOB, O_NO_IGNORE_FILE_ICASE, O_NO_MAX_COLUMNS_PREVIEW, O_PCRE2_VERSION,
    O_IGNORE_ON, O_IGNORE_MESSAGES_ON, O_REQUIRE_GIT, O_IGNORE_DOT_ON, O_IGNORE_VCS_ON,
    O_IGNORE_PARENT_ON, O_IGNORE_EXCLUDE_ON, O_IGNORE_FILES_ON,
};

typedef struct ropt {
    char sh;
    const char *lng;
    int id;
    bool arg;
    const char *val; /* clap's value name, for its messages */
    bool hyphen;     /* the value may start with '-' */
} ropt;

static const ropt ropts[] = {
    {'A', "after-context", O_AFTER, true, "<NUM>", false},
    {'B', "before-context", O_BEFORE, true, "<NUM>", false},
    {0, "binary", O_BINARY, false, NULL, false},
    {0, "block-buffered", O_BLOCK_BUFFERED, false, NULL, false},
    {'b', "byte-offset", O_BYTE_OFFSET, false, NULL, false},
    {'s', "case-sensitive", O_CASE_SENSITIVE, false, NULL, false},
    {0, "color", O_COLOR, true, "<WHEN>", false},
    {0, "colors", O_COLORS, true, "<COLOR_SPEC>...", false},
    {0, "column", O_COLUMN, false, NULL, false},
    {'C', "context", O_CONTEXT, true, "<NUM>", false},
    {0, "context-separator", O_CONTEXT_SEP, true, "<SEPARATOR>", false},
    {'c', "count", O_COUNT, false, NULL, false},
    {0, "count-matches", O_COUNT_MATCHES, false, NULL, false},
    {0, "crlf", O_CRLF, false, NULL, false},
    {0, "debug", O_DEBUG, false, NULL, false},
    {0, "dfa-size-limit", O_NONE, true, "<NUM+SUFFIX?>", false},
    {'E', "encoding", O_ENCODING, true, "<ENCODING>", false},
    {0, "engine", O_ENGINE, true, "<ENGINE>", false},
    {0, "field-context-separator", O_FIELD_CTX_SEP, true, "<SEPARATOR>", false},
    {0, "field-match-separator", O_FIELD_MATCH_SEP, true, "<SEPARATOR>", false},
    {'f', "file", O_FILE, true, "<PATTERNFILE>...", true},
    {0, "files", O_FILES, false, NULL, false},
    {'l', "files-with-matches", O_FILES_WITH, false, NULL, false},
    {0, "files-without-match", O_FILES_WITHOUT, false, NULL, false},
    {'F', "fixed-strings", O_FIXED, false, NULL, false},
    {'L', "follow", O_FOLLOW, false, NULL, false},
    {'g', "glob", O_GLOB, true, "<GLOB>...", true},
    {0, "glob-case-insensitive", O_IGNORE_CASE_GLOB, false, NULL, false},
    {'h', "help", O_HELP, false, NULL, false},
    {0, "heading", O_HEADING, false, NULL, false},
    {0, "hidden", O_HIDDEN, false, NULL, false},
    {0, "iglob", O_IGLOB, true, "<GLOB>...", true},
    {'i', "ignore-case", O_ICASE, false, NULL, false},
    {0, "ignore-file", O_IGNORE_FILE, true, "<PATH>...", true},
    {0, "ignore-file-case-insensitive", O_IGNORE_FILE_ICASE, false, NULL, false},
    {0, "include-zero", O_INCLUDE_ZERO, false, NULL, false},
    {'v', "invert-match", O_INVERT, false, NULL, false},
    {0, "json", O_JSON, false, NULL, false},
    {0, "line-buffered", O_LINE_BUFFERED, false, NULL, false},
    {'n', "line-number", O_LINE_NUMBER, false, NULL, false},
    {'x', "line-regexp", O_LINE_REGEXP, false, NULL, false},
    {'M', "max-columns", O_MAX_COLUMNS, true, "<NUM>", false},
    {0, "max-columns-preview", O_MAX_COLUMNS_PREVIEW, false, NULL, false},
    {'m', "max-count", O_MAX_COUNT, true, "<NUM>", false},
    {0, "max-depth", O_MAX_DEPTH, true, "<NUM>", false},
    {0, "max-filesize", O_MAX_FILESIZE, true, "<NUM+SUFFIX?>", false},
    {0, "mmap", O_MMAP, false, NULL, false},
    {'U', "multiline", O_MULTILINE, false, NULL, false},
    {0, "multiline-dotall", O_DOTALL, false, NULL, false},
    {0, "no-binary", O_NO_BINARY, false, NULL, false},
    {0, "no-column", O_NO_COLUMN, false, NULL, false},
    {0, "no-config", O_NO_CONFIG, false, NULL, false},
    {0, "no-crlf", O_NO_CRLF, false, NULL, false},
    {0, "no-fixed-strings", O_NO_FIXED, false, NULL, false},
    {0, "no-follow", O_NO_FOLLOW, false, NULL, false},
    {0, "no-heading", O_NO_HEADING, false, NULL, false},
    {0, "no-hidden", O_NO_HIDDEN, false, NULL, false},
    {0, "no-ignore", O_NO_IGNORE, false, NULL, false},
    {0, "no-ignore-dot", O_NO_IGNORE_DOT, false, NULL, false},
    {0, "no-ignore-exclude", O_NO_IGNORE_EXCLUDE, false, NULL, false},
    {0, "no-ignore-files", O_NO_IGNORE_FILES, false, NULL, false},
    {0, "no-ignore-global", O_NO_IGNORE_GLOBAL, false, NULL, false},
    {0, "no-ignore-messages", O_NO_IGNORE_MESSAGES, false, NULL, false},
    {0, "no-ignore-parent", O_NO_IGNORE_PARENT, false, NULL, false},
    {0, "no-ignore-vcs", O_NO_IGNORE_VCS, false, NULL, false},
    {0, "no-json", O_NO_JSON, false, NULL, false},
    {'N', "no-line-number", O_NO_LINE_NUMBER, false, NULL, false},
    {0, "no-messages", O_NO_MESSAGES, false, NULL, false},
    {0, "no-mmap", O_NO_MMAP, false, NULL, false},
    {0, "no-multiline", O_NO_MULTILINE, false, NULL, false},
    {0, "no-multiline-dotall", O_NO_DOTALL, false, NULL, false},
    {0, "no-pcre2", O_NO_PCRE2, false, NULL, false},
    {0, "no-require-git", O_NO_REQUIRE_GIT, false, NULL, false},
    {0, "no-stats", O_NO_STATS, false, NULL, false},
    {0, "no-text", O_NO_TEXT, false, NULL, false},
    {0, "no-trim", O_NO_TRIM, false, NULL, false},
    {0, "no-unicode", O_NO_UNICODE, false, NULL, false},
    {'I', "no-filename", O_NO_FILENAME, false, NULL, false},
    {'0', "null", O_NULL, false, NULL, false},
    {0, "null-data", O_NULL_DATA, false, NULL, false},
    {0, "one-file-system", O_ONE_FILE_SYSTEM, false, NULL, false},
    {'o', "only-matching", O_ONLY, false, NULL, false},
    {0, "passthru", O_PASSTHRU, false, NULL, false},
    {0, "passthrough", O_PASSTHRU, false, NULL, false},
    {0, "path-separator", O_PATH_SEP, true, "<SEPARATOR>", false},
    {'P', "pcre2", O_PCRE2, false, NULL, false},
    {0, "pre", O_PRE, true, "<COMMAND>", false},
    {'p', "pretty", O_PRETTY, false, NULL, false},
    {'q', "quiet", O_QUIET, false, NULL, false},
    {0, "regex-size-limit", O_NONE, true, "<NUM+SUFFIX?>", false},
    {'e', "regexp", O_REGEXP, true, "<PATTERN>...", true},
    {'r', "replace", O_REPLACE, true, "<REPLACEMENT_TEXT>", true},
    {'z', "search-zip", O_SEARCH_ZIP, false, NULL, false},
    {'S', "smart-case", O_SMART, false, NULL, false},
    {0, "sort", O_SORT, true, "<SORTBY>", false},
    {0, "sort-files", O_NONE, false, NULL, false},
    {0, "sortr", O_SORTR, true, "<SORTBY>", false},
    {0, "stats", O_STATS, false, NULL, false},
    {'a', "text", O_TEXT, false, NULL, false},
    {'j', "threads", O_THREADS, true, "<NUM>", false},
    {0, "trim", O_TRIM, false, NULL, false},
    {'t', "type", O_TYPE, true, "<TYPE>...", false},
    {0, "type-add", O_TYPE_ADD, true, "<TYPE_SPEC>...", false},
    {0, "type-clear", O_TYPE_CLEAR, true, "<TYPE>...", false},
    {0, "type-list", O_TYPE_LIST, false, NULL, false},
    {'T', "type-not", O_TYPE_NOT, true, "<TYPE>...", false},
    {'u', "unrestricted", O_UNRESTRICTED, false, NULL, false},
    {'V', "version", O_VERSION, false, NULL, false},
    {0, "vimgrep", O_VIMGREP, false, NULL, false},
    {'H', "with-filename", O_WITH_FILENAME, false, NULL, false},
    {'w', "word-regexp", O_WORD, false, NULL, false},
    {0, "auto-hybrid-regex", O_NONE, false, NULL, false},
    {0, "no-auto-hybrid-regex", O_NONE, false, NULL, false},
    {0, "no-block-buffered", O_NONE, false, NULL, false},
    {0, "no-line-buffered", O_NONE, false, NULL, false},
    {0, "no-context-separator", O_NO_CONTEXT_SEP, false, NULL, false},
    {0, "no-encoding", O_NONE, false, NULL, false},
    {0, "no-glob-case-insensitive", O_NO_IGNORE_CASE_GLOB, false, NULL, false},
    {0, "no-ignore-file-case-insensitive", O_NO_IGNORE_FILE_ICASE, false, NULL, false},
    {0, "no-max-columns-preview", O_NO_MAX_COLUMNS_PREVIEW, false, NULL, false},
    {0, "no-one-file-system", O_NONE, false, NULL, false},
    {0, "no-pcre2-unicode", O_NONE, false, NULL, false},
    {0, "unicode", O_NONE, false, NULL, false},
    {0, "no-pre", O_NONE, false, NULL, false},
    {0, "no-search-zip", O_NONE, false, NULL, false},
    {0, "pcre2-version", O_PCRE2_VERSION, false, NULL, false},
    {0, "pre-glob", O_NONE, true, "<GLOB>...", false},
    {0, "ignore", O_IGNORE_ON, false, NULL, false},
    {0, "messages", O_MESSAGES, false, NULL, false},
    {0, "ignore-messages", O_IGNORE_MESSAGES_ON, false, NULL, false},
    {0, "require-git", O_REQUIRE_GIT, false, NULL, false},
    {0, "ignore-dot", O_IGNORE_DOT_ON, false, NULL, false},
    {0, "ignore-vcs", O_IGNORE_VCS_ON, false, NULL, false},
    {0, "ignore-parent", O_IGNORE_PARENT_ON, false, NULL, false},
    {0, "ignore-exclude", O_IGNORE_EXCLUDE_ON, false, NULL, false},
    {0, "ignore-global", O_NONE, false, NULL, false},
    {0, "ignore-files", O_IGNORE_FILES_ON, false, NULL, false},
    {0, "pcre2-unicode", O_NONE, false, NULL, false},
    {0, "trace", O_NONE, false, NULL, false},
    {0, NULL, 0, false, NULL, false},
};

static const char USAGE[] =
    "USAGE:\n    \n    rg [OPTIONS] PATTERN [PATH ...]\n    rg [OPTIONS] -e PATTERN ... [PATH ...]\n"
    "    rg [OPTIONS] -f PATTERNFILE ... [PATH ...]\n    rg [OPTIONS] --files [PATH ...]\n"
    "    rg [OPTIONS] --type-list\n    command | rg [OPTIONS] PATTERN\n    rg [OPTIONS] --help\n"
    "    rg [OPTIONS] --version\n\nFor more information try --help\n";

/* ---- state ---- */

/* one compiled gitignore-style rule */
typedef struct rule {
    vl_re *re;
    bool neg;      /* "!pat": a whitelist */
    bool dir_only; /* "pat/" */
} rule;

typedef struct ruleset {
    rule *v;
    size_t n, cap;
} ruleset;

/* the ignore files of one directory */
typedef struct level {
    ruleset git, ign, rgi, excl;
    bool has_git;
    const char *prefix; /* prepended to the walk-relative path (parents of the root) */
    size_t rel_len;     /* bytes of the walk-relative path that belong to this directory */
} level;

typedef struct tdef {
    const char *name;
    char **globs;
    size_t n;
} tdef;

typedef struct rg {
    vl_ctx *c;
    vl_re *re;
    vl_re **res; /* every compiled pattern, freed at exit */
    size_t nres, capres;
    /* options */
    bool count, count_matches, list, list_without, only, invert, quiet, lineno, column;
    bool vimgrep, json, stats, passthru, trim, nul, heading, text, binary_convert, multiline;
    bool hidden, follow, no_ignore, no_vcs, no_parent, no_dot, no_messages, files_mode;
    bool with_filename_set, with_filename, byte_offset, include_zero;
    bool has_replace, dotall_flag, no_require_git, crlf;
    size_t cur_len; /* bytes in buf of the file being searched (where its data ends) */
    vl_buf gnames; /* "NAME=NUMBER\n" of the named groups, for -r's $NAME */
    const char *replace;
    int64_t max_count, max_depth, max_filesize, max_columns;
    bool max_preview;
    bool one_thread;
    bool in_parents; /* loading the ignore files of the directories above a root */ /* -j1: rg's single-threaded walker words a missing operand differently */
    int64_t before, after;
    bool sort_rev;
    char sort_time; /* --sort modified ('m') / accessed ('a'); 0: by path */
    const char *ctx_sep;
    const char *msep, *csep; /* --field-match-separator, --field-context-separator */
    char pathsep;            /* --path-separator (0: '/') */
    bool glob_icase, ign_icase, no_excl, no_ign_files, no_ign_messages;
    /* filters */
    ruleset overrides;
    size_t n_whitelist;
    ruleset explicit_ign;
    vl_re *type_sel, *type_neg;
    /* walk */
    level *levels;
    size_t nlev, caplev;
    /* results */
    bool matched, had_error, printed, printed_group, matched_without;
    int64_t st_matches, st_lines, st_files_matched, st_files, st_printed, st_searched;
    /* buffer */
    char *buf;
    size_t cap;
    tdef *types;
    size_t ntypes;
    int64_t t0;
} rg;

/* ---- helpers ---- */

static void free_res(void *arg)
{
    rg *g = arg;
    for (size_t i = 0; i < g->nres; i++) vl_re_free(g->res[i]);
    g->nres = 0;
}

static void keep_re(rg *g, vl_re *re)
{
    if (g->nres == g->capres) {
        g->capres = g->capres ? g->capres * 2 : 16;
        g->res = vl_xrealloc(g->c, g->res, g->capres * sizeof *g->res);
    }
    g->res[g->nres++] = re;
}

static _Noreturn void dying(rg *g)
{
    int w = vk_dying(g->c->p);
    vl_exit(g->c, w ? VK_WSHELL(w) : 2);
}

static void errmsg(rg *g, const char *fmt, const char *a, const char *b)
{
    g->had_error = true;
    if (g->no_messages) return;
    vl_eprintf(g->c, fmt, a, b);
}

/* rg's words for an OS error: "No such file or directory (os error 2)" */
static const char *os_error(vl_ctx *c, int err)
{
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s (os error %d)", vl_strerror(err), -err);
    return vl_xstrdup(c, tmp);
}

static bool same_str(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* ---- clap-like errors ---- */

/* clap's long names in the order rg 13 defines them: its "Did you mean" takes the first best */
static const char *const clap_order[] = {
    "after-context", "auto-hybrid-regex", "no-auto-hybrid-regex", "before-context", "binary",
    "no-binary", "block-buffered", "no-block-buffered", "byte-offset", "case-sensitive", "color",
    "colors", "column", "no-column", "context", "context-separator", "no-context-separator",
    "count", "count-matches", "crlf", "no-crlf", "debug", "trace", "dfa-size-limit", "encoding",
    "no-encoding", "engine", "field-context-separator", "field-match-separator", "file", "files",
    "files-with-matches", "files-without-match", "fixed-strings", "no-fixed-strings", "follow",
    "no-follow", "glob", "glob-case-insensitive", "no-glob-case-insensitive", "heading",
    "no-heading", "hidden", "no-hidden", "iglob", "ignore-case", "ignore-file",
    "ignore-file-case-insensitive", "no-ignore-file-case-insensitive", "include-zero",
    "invert-match", "json", "no-json", "line-buffered", "no-line-buffered", "line-number",
    "no-line-number", "line-regexp", "max-columns", "max-columns-preview",
    "no-max-columns-preview", "max-count", "max-depth", "max-filesize", "mmap", "no-mmap",
    "multiline", "no-multiline", "multiline-dotall", "no-multiline-dotall", "no-config",
    "no-ignore", "ignore", "no-ignore-dot", "ignore-dot", "no-ignore-exclude", "ignore-exclude",
    "no-ignore-files", "ignore-files", "no-ignore-global", "ignore-global", "no-ignore-messages",
    "ignore-messages", "no-ignore-parent", "ignore-parent", "no-ignore-vcs", "ignore-vcs",
    "no-messages", "messages", "no-pcre2-unicode", "pcre2-unicode", "no-require-git",
    "require-git", "no-unicode", "unicode", "null", "null-data", "one-file-system",
    "no-one-file-system", "only-matching", "path-separator", "passthru", "pcre2", "no-pcre2",
    "pcre2-version", "pre", "no-pre", "pre-glob", "pretty", "quiet", "regex-size-limit", "regexp",
    "replace", "search-zip", "no-search-zip", "smart-case", "sort-files", "no-sort-files", "sort",
    "sortr", "stats", "no-stats", "text", "no-text", "threads", "trim", "no-trim", "type",
    "type-add", "type-clear", "type-list", "type-not", "unrestricted", "vimgrep", "with-filename",
    "no-filename", "word-regexp", "help", "version", NULL,
};

/* strsim's jaro_winkler as clap 2 calls it (the common prefix is not limited to 4) */
static double jaro_winkler(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (!la || !lb) return 0;
    size_t range = (la > lb ? la : lb) / 2;
    range = range > 0 ? range - 1 : 0;
    bool ma[128] = {0}, mb[128] = {0};
    if (la > 127 || lb > 127) return 0;
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > range ? i - range : 0, hi = i + range + 1 < lb ? i + range + 1 : lb;
        for (size_t j = lo; j < hi; j++)
            if (!mb[j] && a[i] == b[j]) {
                ma[i] = mb[j] = true;
                m++;
                break;
            }
    }
    if (!m) return 0;
    size_t k = 0, tr = 0;
    for (size_t i = 0; i < la; i++)
        if (ma[i]) {
            while (!mb[k]) k++;
            if (a[i] != b[k]) tr++;
            k++;
        }
    double dm = (double)m;
    double j = (dm / (double)la + dm / (double)lb + (dm - (double)tr / 2) / dm) / 3;
    size_t l = 0;
    while (l < la && l < lb && a[l] == b[l]) l++;
    double r = j + (double)l * 0.1 * (1 - j);
    return r > 1 ? 1 : r;
}

static _Noreturn void bad_arg(vl_ctx *c, const char *arg)
{
    vl_buf b = {0};
    vl_buf_printf(c, &b, "error: Found argument '%s' which wasn't expected, or isn't valid in this context\n", arg);
    if (arg[0] == '-' && arg[1] == '-') {
        const char *nm = arg + 2;
        size_t nl = strcspn(nm, "=");
        char *n = vl_xmalloc(c, nl + 1);
        memcpy(n, nm, nl);
        n[nl] = 0;
        double best = 0.8;
        const char *pick = NULL;
        for (const char *const *o = clap_order; *o; o++) {
            double s = jaro_winkler(n, *o);
            if (s > best) best = s, pick = *o;
        }
        if (pick) vl_buf_printf(c, &b, "\tDid you mean --%s?\n", pick);
    }
    vl_buf_printf(c, &b, "\n%s\n", USAGE);
    vl_write_fd(c, 2, b.data, b.len);
    vl_exit(c, 2);
}

static _Noreturn void missing_pattern(vl_ctx *c)
{
    vl_buf b = {0};
    vl_buf_printf(c, &b, "error: The following required arguments were not provided:\n    <PATTERN>\n\n%s\n", USAGE);
    vl_write_fd(c, 2, b.data, b.len);
    vl_exit(c, 2);
}

static _Noreturn void die_msg(rg *g, const char *msg)
{
    vl_eprintf(g->c, "%s\n", msg);
    vl_exit(g->c, 2);
}

/* a non-negative number as Rust's usize parser reads it */
static bool parse_usize(const char *s, int64_t *out, const char **why)
{
    if (!*s) {
        *why = "cannot parse integer from empty string";
        return false;
    }
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            *why = "invalid digit found in string";
            return false;
        }
        if (v > (UINT64_MAX - 9) / 10) {
            *why = "number too large to fit in target type";
            return false;
        }
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v > INT64_MAX ? INT64_MAX : (int64_t)v;
    return true;
}

static int64_t clap_num(rg *g, const char *s, const char *what)
{
    int64_t v;
    const char *why;
    if (!parse_usize(s, &v, &why)) {
        vl_eprintf(g->c, "error: Invalid value for '%s': %s\n\n", what, why);
        vl_exit(g->c, 2);
    }
    return v;
}

static int64_t plain_num(rg *g, const char *s)
{
    int64_t v;
    const char *why;
    if (!parse_usize(s, &v, &why)) die_msg(g, why);
    return v;
}

/* --max-filesize: NUM with an optional K, M or G suffix */
static int64_t parse_size(rg *g, const char *s)
{
    size_t n = strlen(s);
    int64_t mul = 1;
    char tmp[64];
    if (n && strchr("KMGkmg", s[n - 1])) {
        char u = (char)(s[n - 1] | 32);
        mul = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : 1024LL * 1024 * 1024;
        n--;
    }
    if (n >= sizeof tmp) n = sizeof tmp - 1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    int64_t v;
    const char *why;
    if (!parse_usize(tmp, &v, &why)) {
        vl_eprintf(g->c, "invalid format for size '%s', which should be a sequence of digits "
                         "followed by an optional 'K', 'M' or 'G' suffix\n", s);
        vl_exit(g->c, 2);
    }
    return v * mul;
}

/* ---- compiling globs ---- */

/* A glob as a compiled pattern, or NULL with the glob error in err. */
static vl_re *compile_glob(rg *g, const char *glob, size_t len, bool icase, vl_buf *err)
{
    vl_ctx *c = g->c;
    vl_buf out = {0};
    if (rg_glob_translate(c, glob, len, &out, err) < 0) {
        vl_buf_free(c, &out);
        return NULL;
    }
    vl_re *re = NULL;
    vl_re_diag d;
    int rc = vl_re_compile(c->p, out.data, out.len, VL_RE_PCRE, icase ? VL_RE_ICASE : 0, &re, &d);
    vl_buf_free(c, &out);
    if (rc < 0) {
        if (rc != VL_RE_ESYNTAX && rc != VL_RE_ETOOBIG) dying(g);
        vl_buf_adds(c, err, d.msg);
        return NULL;
    }
    keep_re(g, re);
    return re;
}

static void rules_add(rg *g, ruleset *rs, rule r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 8;
        rs->v = vl_xrealloc(g->c, rs->v, rs->cap * sizeof *rs->v);
    }
    rs->v[rs->n++] = r;
}

/* one line of a gitignore file (or an override glob: src NULL): false when it holds no rule. A
 * bad glob in a file is reported and skipped (rg's status stays); a bad -g glob ends rg. */
static bool gitignore_line(rg *g, ruleset *rs, const char *s, size_t n, bool icase, bool override,
                           const char *src, size_t lineno)
{
    vl_ctx *c = g->c;
    const char *orig = s;
    size_t orig_n = n;
    if (n && s[n - 1] == '\r' && !override) n--;
    if (!n) return false;
    if (s[0] == '#' && !override) return false;
    /* trailing spaces, unless escaped */
    if (!override)
        while (n && s[n - 1] == ' ' && !(n >= 2 && s[n - 2] == '\\')) n--;
    if (!n) return false;
    rule r = {0};
    if (s[0] == '!') {
        r.neg = true;
        s++, n--;
    } else if (s[0] == '\\' && n > 1 && (s[1] == '!' || s[1] == '#')) {
        s++, n--;
    }
    if (!n) return false;
    if (n > 1 && s[n - 1] == '/') {
        r.dir_only = true;
        n--;
    }
    bool anchored = false;
    if (s[0] == '/') {
        anchored = true;
        s++, n--;
    } else if (memchr(s, '/', n)) {
        anchored = true;
    }
    vl_buf pat = {0};
    if (!anchored && !(n >= 3 && memcmp(s, "**/", 3) == 0)) vl_buf_adds(c, &pat, "**/");
    vl_buf_add(c, &pat, s, n);
    vl_buf err = {0};
    r.re = compile_glob(g, pat.data, pat.len, icase, &err);
    vl_buf_free(c, &pat);
    if (!r.re) {
        size_t on = orig_n;
        if (!override) /* (the line as written, without its trailing blanks) */
            while (on && (orig[on - 1] == '\r' || orig[on - 1] == ' ')) on--;
        if (override) {
            vl_eprintf(c, "error parsing glob '%.*s': %.*s\n", (int)on, orig, (int)err.len, err.data);
            vl_exit(c, 2);
        }
        if (!g->no_messages && !g->no_ign_messages)
            vl_eprintf(c, "%s: line %zu: error parsing glob '%.*s': %.*s\n", src, lineno, (int)on, orig,
                       (int)err.len, err.data);
        if (g->in_parents) g->had_error = true; /* (rg counts those of parent directories only) */
        vl_buf_free(c, &err);
        return false;
    }
    vl_buf_free(c, &err);
    rules_add(g, rs, r);
    return true;
}

static void gitignore_text(rg *g, ruleset *rs, const char *data, size_t len, const char *src)
{
    size_t i = 0, lineno = 0;
    while (i < len) {
        const char *e = memchr(data + i, '\n', len - i);
        size_t le = e ? (size_t)(e - data) : len;
        gitignore_line(g, rs, data + i, le - i, g->ign_icase, false, src, ++lineno);
        i = le + 1;
    }
}

/* read a small file whole: 0 and its bytes, or a negative code */
static int slurp(rg *g, const char *path, vl_buf *out)
{
    vl_ctx *c = g->c;
    int fd = vk_open(c->p, path, VK_O_RDONLY, 0);
    if (fd < 0) return fd;
    char tmp[8192];
    for (;;) {
        ssize_t r = vk_read(c->p, fd, tmp, sizeof tmp);
        if (r == VOS_EINTR) continue;
        if (r < 0) {
            vk_close(c->p, fd);
            if (vk_dying(c->p)) dying(g);
            return (int)r;
        }
        if (r == 0) break;
        vl_buf_add(c, out, tmp, (size_t)r);
    }
    vk_close(c->p, fd);
    return 0;
}

/* the rules of an ignore file (opened as path, named as shown in messages) */
static void load_ignore(rg *g, ruleset *rs, const char *path, const char *shown)
{
    vl_buf b = {0};
    if (slurp(g, path, &b) == 0) gitignore_text(g, rs, b.data ? b.data : "", b.len, shown);
    vl_buf_free(g->c, &b);
}

/* 1 match (a rule that ignores), -1 whitelist, 0 none: the last rule matching wins */
static int rules_match(rg *g, const ruleset *rs, const char *path, size_t len, bool is_dir)
{
    for (size_t i = rs->n; i-- > 0;) {
        const rule *r = &rs->v[i];
        if (r->dir_only && !is_dir) continue;
        int m = vl_re_search(r->re, path, len, 0, VL_RE_ANY, NULL, 0);
        if (m < 0) dying(g);
        if (m) return r->neg ? -1 : 1;
    }
    return 0;
}

/* ---- file types ---- */

static tdef *type_find(tdef *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (same_str(v[i].name, name)) return &v[i];
    return NULL;
}

static void type_add_glob(vl_ctx *c, tdef *t, const char *glob)
{
    t->globs = vl_xrealloc(c, t->globs, (t->n + 1) * sizeof *t->globs);
    t->globs[t->n++] = vl_xstrdup(c, glob);
}

static tdef *type_new(vl_ctx *c, tdef **v, size_t *n, const char *name)
{
    tdef *t = type_find(*v, *n, name);
    if (t) return t;
    *v = vl_xrealloc(c, *v, (*n + 1) * sizeof **v);
    t = &(*v)[(*n)++];
    t->name = vl_xstrdup(c, name);
    t->globs = NULL;
    t->n = 0;
    return t;
}

static int cmp_type(const void *a, const void *b)
{
    return strcmp(((const tdef *)a)->name, ((const tdef *)b)->name);
}

static void types_init(vl_ctx *c, tdef **v, size_t *n)
{
    static const struct {
        const char *name, *globs;
    } builtin[] = {
#define RG_TYPE(name, globs) {name, globs},
#include "cmd/rg_types.inc"
#undef RG_TYPE
    };
    *v = NULL;
    *n = 0;
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++) {
        tdef *t = type_new(c, v, n, builtin[i].name);
        const char *s = builtin[i].globs;
        while (*s) {
            size_t l = strcspn(s, ",");
            char *gl = vl_xmalloc(c, l + 1);
            memcpy(gl, s, l);
            gl[l] = 0;
            type_add_glob(c, t, gl);
            vl_xfree(c, gl);
            s += l;
            while (*s == ',' || *s == ' ') s++;
        }
    }
}

/* --type-add 'name:glob[,glob]' or 'name:include:a,b' */
static void type_add(rg *g, tdef **v, size_t *n, const char *spec)
{
    vl_ctx *c = g->c;
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec) {
        vl_eprintf(c, "invalid definition (format is type:glob, e.g., html:*.html)\n");
        vl_exit(c, 2);
    }
    char *name = vl_xmalloc(c, (size_t)(colon - spec) + 1);
    memcpy(name, spec, (size_t)(colon - spec));
    name[colon - spec] = 0;
    const char *rest = colon + 1;
    if (strncmp(rest, "include:", 8) == 0) {
        tdef *t = type_new(c, v, n, name);
        const char *s = rest + 8;
        while (*s) {
            size_t l = strcspn(s, ",");
            char *inc = vl_xmalloc(c, l + 1);
            memcpy(inc, s, l);
            inc[l] = 0;
            tdef *src = type_find(*v, *n, inc);
            if (!src) {
                vl_eprintf(c, "unrecognized file type: %s\n", inc);
                vl_exit(c, 2);
            }
            t = type_find(*v, *n, name); /* (the array may have moved) */
            for (size_t k = 0; k < src->n; k++) type_add_glob(c, t, src->globs[k]);
            s += l;
            if (*s == ',') s++;
        }
        return;
    }
    tdef *t = type_new(c, v, n, name);
    type_add_glob(c, t, rest);
}

static vl_re *types_regex(rg *g, char **names, size_t nn)
{
    vl_ctx *c = g->c;
    vl_buf all = {0};
    for (size_t i = 0; i < nn; i++) {
        tdef *sel = NULL;
        if (same_str(names[i], "all")) {
            for (size_t k = 0; k < g->ntypes; k++)
                for (size_t j = 0; j < g->types[k].n; j++) {
                    vl_buf one = {0}, err = {0};
                    const char *gl = g->types[k].globs[j];
                    if (rg_glob_translate(c, gl, strlen(gl), &one, &err) == 0) {
                        if (all.len) vl_buf_addc(c, &all, '|');
                        vl_buf_add(c, &all, one.data, one.len);
                    }
                    vl_buf_free(c, &one);
                    vl_buf_free(c, &err);
                }
            continue;
        }
        sel = type_find(g->types, g->ntypes, names[i]);
        if (!sel) {
            vl_eprintf(c, "unrecognized file type: %s\n", names[i]);
            vl_exit(c, 2);
        }
        for (size_t j = 0; j < sel->n; j++) {
            vl_buf one = {0}, err = {0};
            if (rg_glob_translate(c, sel->globs[j], strlen(sel->globs[j]), &one, &err) < 0) {
                vl_eprintf(c, "error parsing glob '%s': %.*s\n", sel->globs[j], (int)err.len, err.data);
                vl_exit(c, 2);
            }
            if (all.len) vl_buf_addc(c, &all, '|');
            vl_buf_add(c, &all, one.data, one.len);
            vl_buf_free(c, &one);
            vl_buf_free(c, &err);
        }
    }
    if (!all.len) vl_buf_adds(c, &all, "(?!)");
    vl_re *re = NULL;
    vl_re_diag d;
    int rc = vl_re_compile(c->p, all.data, all.len, VL_RE_PCRE, 0, &re, &d);
    vl_buf_free(c, &all);
    if (rc < 0) {
        if (rc != VL_RE_ESYNTAX && rc != VL_RE_ETOOBIG) dying(g);
        vl_eprintf(c, "error compiling file types: %s\n", d.msg);
        vl_exit(c, 2);
    }
    keep_re(g, re);
    return re;
}

/* ---- is a walked entry filtered out? (the ignore crate's Ignore::matched) ---- */

static const char *strip_dot(const char *p)
{
    while (p[0] == '.' && p[1] == '/') {
        p += 2;
        while (*p == '/') p++;
    }
    return p;
}

/* rel: the path relative to the walk root ("a/b"); disp: the path as shown; name: last
 * component. True when the entry is to be skipped. */
static bool filtered(rg *g, const char *rel, size_t rlen, const char *disp, const char *name, bool is_dir)
{
    /* overrides: -g / --iglob */
    if (g->overrides.n) {
        const char *p = strip_dot(disp);
        int m = rules_match(g, &g->overrides, p, strlen(p), is_dir);
        if (m == 1) return false; /* (a plain glob: whitelist) */
        if (m == -1) return true; /* "!glob" */
        if (g->n_whitelist && !is_dir) return true;
    }
    bool white = false;
    /* ignore files */
    int m_rgi = 0, m_ign = 0, m_git = 0, m_excl = 0;
    bool saw_git = false;
    bool any_git = g->no_require_git;
    for (size_t i = 0; i < g->nlev && !any_git; i++) any_git = g->levels[i].has_git;
    vl_buf tmp = {0};
    for (size_t i = g->nlev; i-- > 0;) {
        level *lv = &g->levels[i];
        const char *p;
        size_t pl;
        if (!lv->rgi.n && !lv->ign.n && !lv->git.n && !lv->excl.n) {
            saw_git = saw_git || lv->has_git;
            continue;
        }
        if (lv->prefix) {
            /* rg joins the path as shown (not the walk-relative one) to the root's absolute
             * path, "." components dropped: `rg x a/b` matches a parent's rules against
             * "b/a/b/x" (so they rarely apply), `cd a/b; rg x` against "b/x" */
            vl_buf_adds(g->c, &tmp, "");
            tmp.len = 0;
            vl_buf_adds(g->c, &tmp, lv->prefix);
            for (const char *q = disp; *q;) {
                size_t k = strcspn(q, "/");
                if (k && !(k == 1 && q[0] == '.')) {
                    vl_buf_add(g->c, &tmp, q, k);
                    if (q[k]) vl_buf_addc(g->c, &tmp, '/');
                }
                q += k;
                while (*q == '/') q++;
            }
            p = tmp.data;
            pl = tmp.len;
        } else {
            if (lv->rel_len > rlen) continue;
            p = rel + lv->rel_len;
            pl = rlen - lv->rel_len;
        }
        if (!m_rgi && lv->rgi.n) m_rgi = rules_match(g, &lv->rgi, p, pl, is_dir);
        if (!m_ign && lv->ign.n) m_ign = rules_match(g, &lv->ign, p, pl, is_dir);
        if (any_git && !saw_git) {
            if (!m_git && lv->git.n) m_git = rules_match(g, &lv->git, p, pl, is_dir);
            if (!m_excl && lv->excl.n) m_excl = rules_match(g, &lv->excl, p, pl, is_dir);
        }
        saw_git = saw_git || lv->has_git;
    }
    vl_buf_free(g->c, &tmp);
    int m = m_rgi ? m_rgi : m_ign ? m_ign : m_git ? m_git : m_excl;
    if (!m && g->explicit_ign.n) {
        const char *p = strip_dot(disp);
        m = rules_match(g, &g->explicit_ign, p, strlen(p), is_dir);
    }
    if (m == 1) return true;
    if (m == -1) white = true;
    /* types (files only) */
    if (!is_dir && (g->type_sel || g->type_neg)) {
        size_t nl = strlen(name);
        if (g->type_neg) {
            int r = vl_re_search(g->type_neg, name, nl, 0, VL_RE_ANY, NULL, 0);
            if (r < 0) dying(g);
            if (r) return true;
        }
        if (g->type_sel) {
            int r = vl_re_search(g->type_sel, name, nl, 0, VL_RE_ANY, NULL, 0);
            if (r < 0) dying(g);
            if (!r) return true;
            white = true;
        }
    }
    if (!white && !g->hidden && name[0] == '.') return true;
    return false;
}

/* ---- searching one input ---- */

typedef struct sfile {
    const char *name; /* as printed */
    int fd;
    bool is_reg;
    bool quit_binary; /* found by the walk: a NUL byte ends the search silently */
    int64_t off;      /* file offset of buf[0] */
    size_t len, pos;
    int64_t lineno;   /* number of the line starting at lnpos */
    size_t lnpos;
    int64_t last_out; /* file offset just past the last line printed, -1: none */
    int64_t pending;  /* trailing context lines still to print */
    int64_t nsel, nmatch;
    int64_t nlines;   /* -U: lines the matches span (--stats, --json) */
    int64_t nread;    /* bytes read */
    int64_t binoff;   /* offset of the first NUL byte, -1: none seen */
    bool quit;        /* quit_binary and a NUL was seen */
    bool stop, eof, maxed, began;
    int64_t printed0;
} sfile;

static bool summary_mode(const rg *g)
{
    return g->count || g->count_matches || g->list || g->list_without || g->quiet;
}

/* output that counts for --stats' "bytes printed" */
static void out(rg *g, const void *p, size_t n)
{
    vl_write(g->c, p, n);
    g->st_printed += (int64_t)n;
    g->printed = true;
}
static void outs(rg *g, const char *s) { out(g, s, strlen(s)); }
static void outc(rg *g, char ch) { out(g, &ch, 1); }
/* the end of a line rg adds itself (--crlf: CRLF) */
static void out_eol(rg *g) { outs(g, g->crlf ? "\r\n" : "\n"); }

/* the end of the line ending at le: its own newline, else the one rg adds */
static void out_line_end(rg *g, size_t le)
{
    if (le < g->cur_len && g->buf[le] == '\n') outc(g, '\n');
    else out_eol(g);
}

static void outnum(rg *g, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    out(g, tmp, (size_t)n);
}

/* newlines in p[0, n), eight bytes at a time (exact: no carries between bytes) */
static int64_t count_nl(const char *p, size_t n)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL, nl = 0x0a0a0a0a0a0a0a0aULL;
    int64_t k = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        x ^= nl; /* a newline is now a zero byte */
        uint64_t t = ~(((x & lo7) + lo7) | x | lo7);
        k += (int64_t)(((t >> 7) * 0x0101010101010101ULL) >> 56); /* (sum of the 0/1 bytes) */
    }
    for (; i < n; i++) k += p[i] == '\n';
    return k;
}

/* the number of the line starting at buffer index pos (pos is a line start) */
static int64_t line_number(rg *g, sfile *f, size_t pos)
{
    if (pos > f->lnpos) {
        f->lineno += count_nl(g->buf + f->lnpos, pos - f->lnpos);
        f->lnpos = pos;
    }
    return f->lineno;
}

static void re_fail(rg *g, sfile *f, int rc)
{
    if (rc == VL_RE_ECOMPLEX) {
        vl_eprintf(g->c, "%s: %s\n", f->name, vl_re_limit_msg(g->re));
        vl_exit(g->c, 2);
    }
    dying(g);
}

/* Matches of one line, as Rust's find_iter gives them: after an empty match the search moves
 * one character on, and an empty match right where the last match ended is skipped. */
typedef struct miter {
    size_t last_end;
    ptrdiff_t last_match;
} miter;

static miter miter_at(size_t ls) { return (miter){ls, -1}; }

static int next_match(rg *g, sfile *f, size_t le, miter *it, vl_re_span *m, size_t nm)
{
    /* (the subject keeps the line's newline, so "$" sees what follows as in the first search;
     * no match can hold it) */
    size_t subj = le < f->len && g->buf[le] == '\n' ? le + 1 : le;
    for (;;) {
        if (it->last_end > le) return 0;
        int rc = vl_re_search(g->re, g->buf, subj, it->last_end, 0, m, nm);
        if (rc < 0) re_fail(g, f, rc);
        if (rc == 0 || (size_t)m[0].so > le) return 0;
        size_t e = (size_t)m[0].eo;
        if (m[0].so == m[0].eo) {
            it->last_end = e + 1;
            while (it->last_end < le && ((unsigned char)g->buf[it->last_end] & 0xC0) == 0x80) it->last_end++;
            if ((ptrdiff_t)e == it->last_match) continue;
        } else {
            it->last_end = e;
        }
        it->last_match = (ptrdiff_t)e;
        return 1;
    }
}

/* ---- JSON ---- */
static void json_str(rg *g, vl_buf *b, const char *s, size_t n)
{
    vl_ctx *c = g->c;
    vl_buf_addc(c, b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': vl_buf_adds(c, b, "\\\""); break;
        case '\\': vl_buf_adds(c, b, "\\\\"); break;
        case '\n': vl_buf_adds(c, b, "\\n"); break;
        case '\r': vl_buf_adds(c, b, "\\r"); break;
        case '\t': vl_buf_adds(c, b, "\\t"); break;
        case '\b': vl_buf_adds(c, b, "\\b"); break;
        case '\f': vl_buf_adds(c, b, "\\f"); break;
        default:
            if (ch < 0x20 || ch == 0x7f) vl_buf_printf(c, b, "\\u%04x", ch);
            else vl_buf_addc(c, b, (char)ch);
        }
    }
    vl_buf_addc(c, b, '"');
}

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned b = p[i];
        size_t k = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n) return false;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return false;
        i += k;
    }
    return true;
}

static void base64(rg *g, vl_buf *b, const unsigned char *s, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        vl_buf_addc(g->c, b, t[(v >> 18) & 63]);
        vl_buf_addc(g->c, b, t[(v >> 12) & 63]);
        vl_buf_addc(g->c, b, i + 1 < n ? t[(v >> 6) & 63] : '=');
        vl_buf_addc(g->c, b, i + 2 < n ? t[v & 63] : '=');
    }
}

static void json_data(rg *g, vl_buf *b, const char *s, size_t n)
{
    if (valid_utf8(s, n)) {
        vl_buf_adds(g->c, b, "{\"text\":");
        json_str(g, b, s, n);
    } else {
        vl_buf_adds(g->c, b, "{\"bytes\":\"");
        base64(g, b, (const unsigned char *)s, n);
        vl_buf_addc(g->c, b, '"');
    }
    vl_buf_addc(g->c, b, '}');
}

static void json_begin(rg *g, sfile *f)
{
    if (f->began) return;
    f->began = true;
    vl_buf b = {0};
    vl_buf_adds(g->c, &b, "{\"type\":\"begin\",\"data\":{\"path\":");
    json_data(g, &b, f->name, strlen(f->name));
    vl_buf_adds(g->c, &b, "}}\n");
    out(g, b.data, b.len);
    vl_buf_free(g->c, &b);
}

/* a line (or lines with -U) as a JSON match/context message */
static void json_line(rg *g, sfile *f, size_t ls, size_t le, bool match, int64_t lineno)
{
    vl_ctx *c = g->c;
    json_begin(g, f);
    vl_buf b = {0};
    vl_buf_printf(c, &b, "{\"type\":\"%s\",\"data\":{\"path\":", match ? "match" : "context");
    json_data(g, &b, f->name, strlen(f->name));
    size_t lend = le < f->len && g->buf[le] == '\n' ? le + 1 : le;
    vl_buf_adds(c, &b, ",\"lines\":");
    json_data(g, &b, g->buf + ls, lend - ls);
    vl_buf_printf(c, &b, ",\"line_number\":%lld,\"absolute_offset\":%lld,\"submatches\":[",
                  (long long)lineno, (long long)(f->off + (int64_t)ls));
    if (match && !g->invert) {
        miter it = miter_at(ls);
        vl_re_span m;
        bool first = true;
        while (next_match(g, f, le, &it, &m, 1) == 1) {
            {
                if (!first) vl_buf_addc(c, &b, ',');
                first = false;
                vl_buf_adds(c, &b, "{\"match\":");
                json_data(g, &b, g->buf + m.so, (size_t)(m.eo - m.so));
                vl_buf_printf(c, &b, ",\"start\":%lld,\"end\":%lld}", (long long)((size_t)m.so - ls),
                              (long long)((size_t)m.eo - ls));
            }
        }
    }
    vl_buf_adds(c, &b, "]}}\n");
    out(g, b.data, b.len);
    vl_buf_free(c, &b);
}

/* ---- the standard printer ---- */

static void heading(rg *g, sfile *f)
{
    if (f->began) return;
    f->began = true;
    if (!g->heading || !g->with_filename) return;
    if (g->st_files_matched > 0 || g->printed) out_eol(g); /* (rg -j1's; threaded rg writes "\n") */
    outs(g, f->name);
    out_eol(g);
}

static void prefix(rg *g, sfile *f, char kind, int64_t lineno, int64_t col, int64_t boff)
{
    const char *sep = kind == ':' ? g->msep : g->csep;
    if (g->with_filename && !g->heading) {
        outs(g, f->name);
        if (g->nul) outc(g, '\0');
        else outs(g, sep);
    }
    if (g->lineno) {
        outnum(g, lineno);
        outs(g, sep);
    }
    if (col > 0) {
        outnum(g, col);
        outs(g, sep);
    }
    if (boff >= 0) {
        outnum(g, boff);
        outs(g, sep);
    }
}

static void separator(rg *g, sfile *f, size_t ls)
{
    if (!(g->before || g->after) || g->passthru || !g->printed_group) return;
    if (f->last_out < 0 ? !g->heading : f->off + (int64_t)ls != f->last_out) {
        if (g->ctx_sep) {
            outs(g, g->ctx_sep);
            out_eol(g);
        }
    }
}

/* -M: is the line too long to print? Then its stand-in has been printed. */
static bool too_long(rg *g, size_t ls, size_t le, bool match)
{
    if (g->max_columns <= 0 || (int64_t)(le - ls) <= g->max_columns) return false;
    if (g->max_preview) {
        size_t e = ls;
        for (int64_t n = 0; e < le; e++) {
            if (((unsigned char)g->buf[e] & 0xC0) != 0x80 && n++ == g->max_columns) break;
        }
        out(g, g->buf + ls, e - ls);
        outs(g, " [... omitted end of long line]\n");
    } else {
        outs(g, match ? "[Omitted long matching line]\n" : "[Omitted long context line]\n");
    }
    return true;
}

/* the text of a line [ls, le), --trim'med, with its newline */
static void line_text(rg *g, size_t ls, size_t le)
{
    if (g->trim)
        while (ls < le && (g->buf[ls] == ' ' || g->buf[ls] == '\t' || g->buf[ls] == '\f' ||
                           g->buf[ls] == '\r' || g->buf[ls] == '\v'))
            ls++;
    out(g, g->buf + ls, le - ls);
    out_line_end(g, le);
}

/* --replace: $0, $1, ${1}, $$ expanded for match m into b (named groups expand to nothing) */
static void expand_replacement(rg *g, vl_buf *b, const vl_re_span *m, size_t nm)
{
    vl_ctx *c = g->c;
    const char *r = g->replace;
    while (*r) {
        if (*r != '$') {
            size_t k = strcspn(r, "$");
            vl_buf_add(c, b, r, k);
            r += k;
            continue;
        }
        r++;
        if (*r == '$') {
            vl_buf_addc(c, b, '$');
            r++;
            continue;
        }
        const char *nm_s;
        size_t nl;
        if (*r == '{') {
            const char *e = strchr(r, '}');
            if (!e) {
                vl_buf_addc(c, b, '$');
                continue;
            }
            nm_s = r + 1;
            nl = (size_t)(e - r - 1);
            r = e + 1;
        } else {
            nm_s = r;
            while (*r == '_' || (*r >= '0' && *r <= '9') || ((*r | 32) >= 'a' && (*r | 32) <= 'z')) r++;
            nl = (size_t)(r - nm_s);
            if (!nl) {
                vl_buf_addc(c, b, '$');
                continue;
            }
        }
        size_t idx = 0;
        bool num = nl > 0;
        for (size_t i = 0; i < nl; i++)
            if (nm_s[i] < '0' || nm_s[i] > '9') num = false;
            else idx = idx * 10 + (size_t)(nm_s[i] - '0');
        for (size_t i = 0; !num && i < g->gnames.len;) { /* a named group */
            const char *ln = g->gnames.data + i, *e = memchr(ln, '\n', g->gnames.len - i);
            const char *eq = memchr(ln, '=', (size_t)(e - ln));
            if ((size_t)(eq - ln) == nl && memcmp(ln, nm_s, nl) == 0) {
                idx = (size_t)atoi(eq + 1);
                num = true;
            }
            i = (size_t)(e - g->gnames.data) + 1;
        }
        if (num && idx < nm && m[idx].so >= 0)
            vl_buf_add(c, b, g->buf + m[idx].so, (size_t)(m[idx].eo - m[idx].so));
    }
}

/* the replacement of match m; returns its last byte (-1: empty) */
static int replacement(rg *g, const vl_re_span *m, size_t nm)
{
    vl_buf b = {0};
    expand_replacement(g, &b, m, nm);
    int last = b.len ? (unsigned char)b.data[b.len - 1] : -1;
    if (b.len) out(g, b.data, b.len);
    vl_buf_free(g->c, &b);
    return last;
}

/* -o: a match and its line terminator, unless it ends with one (-U); --crlf ends it with CRLF */
static void only_match(rg *g, const vl_re_span *m, size_t nm)
{
    int last;
    if (g->has_replace) {
        last = replacement(g, m, nm);
    } else {
        out(g, g->buf + m[0].so, (size_t)(m[0].eo - m[0].so));
        last = m[0].eo > m[0].so ? (unsigned char)g->buf[m[0].eo - 1] : -1;
    }
    if (last != '\n') outs(g, g->crlf ? "\r\n" : "\n");
}

#define NM 32 /* spans asked of a search: the match and its first 31 groups (for -r) */

static void context_line(rg *g, sfile *f, size_t ls, size_t le, int64_t lineno)
{
    if (g->json) {
        json_line(g, f, ls, le, false, lineno);
    } else {
        heading(g, f);
        separator(g, f, ls);
        prefix(g, f, '-', lineno, -1, g->byte_offset ? f->off + (int64_t)ls : -1);
        if (!too_long(g, ls, le, false)) line_text(g, ls, le);
    }
    g->printed_group = true;
    f->last_out = f->off + (int64_t)le + 1;
}

/* -B: up to that many lines before ls, after the last line printed */
static void leading_context(rg *g, sfile *f, size_t ls, int64_t lineno)
{
    if (g->before <= 0) return;
    /* back over up to -B lines (not before the last line printed), then forward printing them:
     * no list of line starts, so a huge -B costs nothing */
    size_t lo = f->last_out > f->off ? (size_t)(f->last_out - f->off) : 0;
    int64_t k = 0;
    size_t p = ls;
    while (k < g->before && p > lo) {
        size_t q = p - 1;
        while (q > lo && g->buf[q - 1] != '\n') q--;
        k++;
        p = q;
    }
    for (; k > 0; k--) {
        const char *e = memchr(g->buf + p, '\n', ls - p);
        size_t le = e ? (size_t)(e - g->buf) : ls - 1;
        context_line(g, f, p, le, lineno - k);
        p = le + 1;
    }
}

static void print_selected(rg *g, sfile *f, size_t ls, size_t le)
{
    int64_t lineno = g->lineno || g->json ? line_number(g, f, ls) : 0;
    leading_context(g, f, ls, lineno);
    if (g->json) {
        json_line(g, f, ls, le, true, lineno);
    } else {
        heading(g, f);
        separator(g, f, ls);
        bool per_match = (g->only || g->vimgrep) && !g->invert;
        if (per_match) {
            miter it = miter_at(ls);
            vl_re_span m[NM];
            while (next_match(g, f, le, &it, m, NM) == 1) {
                size_t so = (size_t)m[0].so;
                {
                    prefix(g, f, ':', lineno, g->column ? (int64_t)(so - ls) + 1 : -1,
                           g->byte_offset ? f->off + (int64_t)so : -1);
                    if (g->vimgrep) {
                        line_text(g, ls, le);
                    } else {
                        only_match(g, m, NM);
                    }
                }
            }
        } else {
            int64_t col = -1;
            vl_re_span m[NM];
            bool have = false;
            miter it = miter_at(ls);
            if ((g->column || g->has_replace) && !g->invert) have = next_match(g, f, le, &it, m, NM) == 1;
            if (g->column && !g->invert) col = have ? (int64_t)((size_t)m[0].so - ls) + 1 : 1;
            prefix(g, f, ':', lineno, col, g->byte_offset ? f->off + (int64_t)ls : -1);
            if (too_long(g, ls, le, true)) {
            } else if (g->has_replace && have) {
                size_t a = ls;
                if (g->trim)
                    while (a < le && (g->buf[a] == ' ' || g->buf[a] == '\t')) a++;
                while (have) {
                    size_t so = (size_t)m[0].so;
                    if (so >= a) {
                        out(g, g->buf + a, so - a);
                        replacement(g, m, NM);
                        a = (size_t)m[0].eo;
                    }
                    have = next_match(g, f, le, &it, m, NM) == 1;
                }
                out(g, g->buf + a, le > a ? le - a : 0);
                out_line_end(g, le);
            } else {
                line_text(g, ls, le);
            }
        }
    }
    g->printed_group = true;
    f->last_out = f->off + (int64_t)le + 1;
    f->pending = g->after;
}

static int64_t count_matches(rg *g, sfile *f, size_t ls, size_t le)
{
    int64_t n = 0;
    miter it = miter_at(ls);
    vl_re_span m;
    while (next_match(g, f, le, &it, &m, 1) == 1) n++;
    return n;
}

static void binary_message(rg *g, sfile *f, bool warning)
{
    if (g->with_filename) {
        outs(g, f->name);
        outs(g, ": ");
    }
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s (found \"\\0\" byte around offset %lld)\n",
             warning ? "WARNING: stopped searching binary file after match" : "binary file matches",
             (long long)f->binoff);
    outs(g, tmp);
}

/* a selected line [ls, le) */
static void selected(rg *g, sfile *f, size_t ls, size_t le)
{
    if (f->binoff >= 0 && !f->quit && !summary_mode(g) && !g->json) {
        /* a match in a binary file searched anyway: announce it and stop */
        f->nsel++;
        g->matched = true;
        binary_message(g, f, false);
        f->stop = true;
        return;
    }
    f->nsel++;
    g->matched = true;
    if (g->count_matches || g->stats || g->json || (g->count && g->only)) {
        if (!g->invert) f->nmatch += count_matches(g, f, ls, le);
    }
    /* (--files-without-match reads a walked file to its end: rg gives up on one with a NUL
     * byte anywhere, and then counts it as without a match, unlisted) */
    if (g->quiet || g->list || (g->list_without && !f->quit_binary)) {
        f->stop = true;
        return;
    }
    if (!summary_mode(g)) print_selected(g, f, ls, le);
    if (g->max_count >= 0 && f->nsel >= g->max_count) {
        f->maxed = true;
        if (f->pending <= 0 || summary_mode(g)) f->stop = true;
    }
}

/* lines [a, b) that are not selected (or, selected true, -v's selected lines) */
static void other_lines(rg *g, sfile *f, size_t a, size_t b, bool sel_lines)
{
    while (a < b && !f->stop) {
        bool sel = sel_lines && !f->maxed;
        if (!sel && !g->passthru && (f->pending <= 0 || summary_mode(g))) {
            if (f->maxed) f->stop = true;
            return;
        }
        const char *e = memchr(g->buf + a, '\n', b - a);
        size_t le = e ? (size_t)(e - g->buf) : b;
        if (sel) {
            selected(g, f, a, le);
        } else if (g->passthru && !summary_mode(g)) {
            context_line(g, f, a, le, g->lineno || g->json ? line_number(g, f, a) : 0);
        } else if (!summary_mode(g)) {
            context_line(g, f, a, le, g->lineno || g->json ? line_number(g, f, a) : 0);
            if (--f->pending == 0 && f->maxed) f->stop = true;
        }
        a = e ? le + 1 : b;
    }
}

/* search the complete lines in buf[pos, end) */
static void scan(rg *g, sfile *f, size_t end)
{
    while (f->pos < end && !f->stop) {
        if (f->maxed) {
            other_lines(g, f, f->pos, end, false);
            f->pos = end;
            break;
        }
        vl_re_span m;
        int rc = vl_re_search(g->re, g->buf, end, f->pos, VL_RE_ANY, &m, 1);
        if (rc < 0) re_fail(g, f, rc);
        /* a match at the very end, after the last newline, belongs to no line */
        if (rc == 1 && (size_t)m.so == end && end > 0 && g->buf[end - 1] == '\n') rc = 0;
        if (rc == 0) {
            other_lines(g, f, f->pos, end, g->invert);
            f->pos = end;
            break;
        }
        size_t so = (size_t)m.so;
        const char *b = so > f->pos ? memrchr(g->buf + f->pos, '\n', so - f->pos) : NULL;
        size_t ls = b ? (size_t)(b - g->buf) + 1 : f->pos;
        const char *e = memchr(g->buf + so, '\n', end - so);
        size_t le = e ? (size_t)(e - g->buf) : end;
        size_t next = e ? le + 1 : end;
        other_lines(g, f, f->pos, ls, g->invert);
        if (!f->stop) {
            if (g->invert || f->maxed) other_lines(g, f, ls, next, false);
            else selected(g, f, ls, le);
        }
        f->pos = next;
    }
}

/* -U: matches may span lines. Matches whose lines touch form a group, printed once as the lines
 * it spans (with -o, match by match); -c counts groups, as rg does. */

static size_t line_end_at(rg *g, size_t i, size_t end)
{
    const char *e = i < end ? memchr(g->buf + i, '\n', end - i) : NULL;
    return e ? (size_t)(e - g->buf) : end;
}

/* ms: nm matches, w spans each (the groups too only when -r needs them) */
static void print_group(rg *g, sfile *f, size_t gls, size_t gle, const vl_re_span *ms, size_t w, size_t nm)
{
    int64_t lineno = g->lineno || g->json ? line_number(g, f, gls) : 0;
    leading_context(g, f, gls, lineno);
    if (g->json) {
        json_line(g, f, gls, gle, true, lineno);
        return;
    }
    heading(g, f);
    separator(g, f, gls);
    size_t so0 = (size_t)ms[0].so;
    const char *b0 = so0 > gls ? memrchr(g->buf + gls, '\n', so0 - gls) : NULL;
    int64_t col0 = (int64_t)(so0 - (b0 ? (size_t)(b0 - g->buf) + 1 : gls)) + 1;
    if (g->only || g->vimgrep) {
        for (size_t k = 0; k < nm; k++) {
            size_t so = (size_t)ms[k * w].so;
            int64_t ln = 0;
            const char *q = so > 0 ? memrchr(g->buf, '\n', so) : NULL;
            size_t lstart = q ? (size_t)(q - g->buf) + 1 : 0;
            if (g->lineno) ln = line_number(g, f, lstart);
            prefix(g, f, ':', ln, g->column ? (int64_t)(so - lstart) + 1 : -1,
                   g->byte_offset ? f->off + (int64_t)so : -1);
            if (g->vimgrep) {
                line_text(g, lstart, line_end_at(g, lstart, f->len));
            } else {
                only_match(g, &ms[k * w], w);
            }
        }
        return;
    }
    /* the group's text (matches replaced with -r), printed line by line */
    vl_buf t = {0};
    if (g->has_replace) {
        size_t a = gls;
        for (size_t k = 0; k < nm; k++) {
            size_t so = (size_t)ms[k * w].so;
            if (so < a) continue;
            vl_buf_add(g->c, &t, g->buf + a, so - a);
            expand_replacement(g, &t, &ms[k * w], w);
            a = (size_t)ms[k * w].eo;
        }
        if (gle > a) vl_buf_add(g->c, &t, g->buf + a, gle - a);
    } else {
        vl_buf_add(g->c, &t, g->buf + gls, gle - gls);
    }
    size_t a = 0;
    for (;;) {
        const char *q = a < t.len ? memchr(t.data + a, '\n', t.len - a) : NULL;
        size_t qe = q ? (size_t)(q - t.data) : t.len;
        prefix(g, f, ':', lineno++, g->column ? col0 : -1, g->byte_offset ? f->off + (int64_t)gls : -1);
        if (!(g->max_columns > 0 && (int64_t)(qe - a) > g->max_columns && !g->max_preview)) {
            size_t x = a;
            if (g->trim)
                while (x < qe && (t.data[x] == ' ' || t.data[x] == '\t')) x++;
            out(g, t.data + x, qe - x);
            if (q) outc(g, '\n');
            else out_line_end(g, gle);
        } else {
            outs(g, "[Omitted long matching line]\n");
        }
        if (!q) break;
        a = qe + 1;
    }
    vl_buf_free(g->c, &t);
}

static void scan_multiline(rg *g, sfile *f)
{
    size_t end = f->len;
    if (end == 0) return; /* (an empty file has no line to match) */
    /* (a last line without its newline ends the data; a match after a final newline belongs
     * to no line) */
    miter it = miter_at(0);
    size_t w = g->has_replace ? NM : 1;
    vl_re_span *ms = NULL;
    size_t cap = 0;
    vl_re_span cur[NM];
    bool have = next_match(g, f, end, &it, cur, NM) == 1;
    if (have && (size_t)cur[0].so == end && end > 0 && g->buf[end - 1] == '\n') have = false;
    while (have && !f->stop) {
        size_t so = (size_t)cur[0].so;
        const char *b = so > 0 ? memrchr(g->buf, '\n', so) : NULL;
        size_t gls = b ? (size_t)(b - g->buf) + 1 : 0;
        size_t n = 0;
        size_t gle = 0;
        int64_t nlines = 0;
        for (;;) {
            size_t mso = (size_t)cur[0].so, meo = (size_t)cur[0].eo;
            size_t last = meo > mso ? meo - 1 : mso; /* the last byte the match covers */
            size_t le = last >= end                                ? end
                        : meo > mso && g->buf[last] == '\n' ? last
                                                             : line_end_at(g, last, end);
            /* (plain output needs only the first match: where the column is) */
            if (n == 0 || g->only || g->vimgrep || g->has_replace) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    ms = vl_xrealloc(g->c, ms, cap * w * sizeof *ms);
                }
                memcpy(&ms[n * w], cur, w * sizeof *ms);
            }
            n++;
            if (le > gle) gle = le;
            have = next_match(g, f, end, &it, cur, NM) == 1;
            if (have && (size_t)cur[0].so == end && end > 0 && g->buf[end - 1] == '\n') have = false;
            if (!have || (size_t)cur[0].so > gle) break;
        }
        for (size_t i = gls; i < gle; i++)
            if (g->buf[i] == '\n') nlines++;
        nlines++;
        if (g->invert) {
            other_lines(g, f, f->pos, gls, true);
        } else {
            other_lines(g, f, f->pos, gls, false);
            f->nsel++;
            f->nlines += nlines;
            f->nmatch += (int64_t)n;
            g->matched = true;
            if (g->quiet || g->list || g->list_without) {
                f->stop = true;
                break;
            }
            if (!summary_mode(g)) {
                print_group(g, f, gls, gle, ms, w, n);
                g->printed_group = true;
                f->last_out = f->off + (int64_t)gle + 1;
                f->pending = g->after;
            }
            if (g->max_count >= 0 && f->nsel >= g->max_count) f->maxed = true;
        }
        f->pos = gle < end ? gle + 1 : end;
        if (f->maxed) break;
    }
    vl_xfree(g->c, ms);
    if (!f->stop && f->pos < end) other_lines(g, f, f->pos, end, g->invert && !f->maxed);
}

/* Read the next chunk after the kept data: bytes read, 0 at the end, or an error. */
static ssize_t fill(rg *g, sfile *f)
{
    vl_ctx *c = g->c;
    size_t keep = f->pos;
    if (g->multiline) keep = 0;
    if (keep > 0 && g->before > 0 && !summary_mode(g)) {
        size_t lo = f->last_out > f->off ? (size_t)(f->last_out - f->off) : 0;
        for (int64_t k = 0; k < g->before && keep > lo; k++) {
            size_t q = keep - 1;
            while (q > lo && g->buf[q - 1] != '\n') q--;
            keep = q;
        }
    }
    if (keep > 0) {
        if (g->lineno || g->json) line_number(g, f, keep);
        memmove(g->buf, g->buf + keep, f->len - keep);
        f->len -= keep;
        f->pos -= keep;
        f->lnpos = f->lnpos >= keep ? f->lnpos - keep : 0;
        f->off += (int64_t)keep;
    }
    if (g->cap == 0) {
        g->cap = CHUNK;
        g->buf = vl_xmalloc(c, g->cap);
    }
    if (f->len == g->cap) {
        g->cap *= 2;
        g->buf = vl_xrealloc(c, g->buf, g->cap);
    }
    size_t want = g->cap - f->len, got = 0;
    while (got < want && !f->eof) {
        ssize_t r = vk_read(c->p, f->fd, g->buf + f->len + got, want - got);
        if (r == VOS_EINTR) continue;
        if (r < 0) {
            if (vk_dying(c->p)) dying(g);
            if (got) break;
            return r;
        }
        if (r == 0) {
            f->eof = true;
            break;
        }
        got += (size_t)r;
        if (!f->is_reg) break;
    }
    f->nread += (int64_t)got;
    char *nw = g->buf + f->len;
    if (got && !g->text) {
        char *z = memchr(nw, 0, got);
        if (z) {
            if (f->binoff < 0) f->binoff = f->off + (int64_t)(f->len + (size_t)(z - nw));
            if (f->quit_binary) {
                f->quit = true;
                return 0;
            }
            for (; z; z = memchr(z + 1, 0, got - (size_t)(z + 1 - nw))) *z = '\n';
        }
    }
    return (ssize_t)got;
}

static void search_fd(rg *g, int fd, const char *name, bool is_reg, bool quit_binary)
{
    vl_ctx *c = g->c;
    sfile f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.fd = fd;
    f.is_reg = is_reg;
    f.quit_binary = quit_binary;
    f.lineno = 1;
    f.last_out = -1;
    f.binoff = -1;
    f.printed0 = g->st_printed;
    g->st_files++;
    int64_t t0 = g->json ? vk_monotonic_ns(c->p) : 0;
    int64_t searched0 = g->st_searched;
    bool failed = false;
    if (g->max_count != 0) {
        for (;;) {
            ssize_t r = fill(g, &f);
            if (r < 0) {
                errmsg(g, "%s: %s\n", name, os_error(c, (int)r));
                failed = true;
                break;
            }
            if (f.quit) break;
            g->cur_len = f.len;
            if (r == 0 && f.eof) {
                if (g->multiline) scan_multiline(g, &f);
                else if (f.pos < f.len) scan(g, &f, f.len);
                break;
            }
            f.len += (size_t)r;
            g->cur_len = f.len;
            if (g->multiline) continue;
            const char *last = memrchr(g->buf + f.pos, '\n', f.len - f.pos);
            if (last) scan(g, &f, (size_t)(last - g->buf) + 1);
            if (f.stop) break;
        }
    }
    /* bytes searched: all that was read, or for a binary file given up on, what was searched
     * before (as rg counts) */
    g->st_searched += f.quit ? f.off + (int64_t)f.pos : f.nread;
    if (failed) return;
    bool quit_hidden = f.quit && summary_mode(g);
    if (f.quit && f.nsel > 0 && !summary_mode(g) && !g->json) binary_message(g, &f, true);
    if (quit_hidden) f.nsel = 0;
    if (f.nsel > 0) g->st_files_matched++;
    g->st_lines += g->multiline && !g->invert ? f.nlines : f.nsel;
    g->st_matches += f.nmatch;
    if (g->quiet) {
        if (f.nsel > 0 && !g->stats) {
            vl_exit(c, 0);
        }
        return;
    }
    if ((g->count || g->count_matches) && !quit_hidden) {
        int64_t n = g->count_matches || (g->count && g->only) ? f.nmatch : f.nsel;
        if (g->count_matches && g->invert) n = f.nsel;
        if (n > 0 || g->include_zero) {
            if (g->with_filename) {
                vl_puts(c, name);
                vl_putc(c, g->nul ? '\0' : ':');
            }
            vl_printf(c, "%lld%s", (long long)n, g->crlf ? "\r\n" : "\n");
        }
    } else if (g->list && f.nsel > 0) {
        vl_puts(c, name);
        if (g->nul) vl_putc(c, '\0');
        else vl_puts(c, g->crlf ? "\r\n" : "\n");
    } else if (g->list_without && f.nsel == 0) {
        if (!f.quit) { /* (a binary file given up on is not listed, but counts for the status) */
            vl_puts(c, name);
            if (g->nul) vl_putc(c, '\0');
        else vl_puts(c, g->crlf ? "\r\n" : "\n");
        }
        g->matched_without = true;
    }
    if (g->json && f.began) {
        int64_t ns = vk_monotonic_ns(c->p) - t0;
        vl_buf b = {0};
        vl_buf_adds(c, &b, "{\"type\":\"end\",\"data\":{\"path\":");
        json_data(g, &b, name, strlen(name));
        if (f.binoff >= 0) vl_buf_printf(c, &b, ",\"binary_offset\":%lld", (long long)f.binoff);
        else vl_buf_adds(c, &b, ",\"binary_offset\":null");
        int64_t printed = g->st_printed - f.printed0;
        /* (the end message itself counts in bytes_printed: rg counts what it printed before) */
        vl_buf_printf(c, &b, ",\"stats\":{\"elapsed\":{\"secs\":%lld,\"nanos\":%lld,\"human\":\"%.6fs\"},"
                      "\"searches\":1,\"searches_with_match\":%d,\"bytes_searched\":%lld,"
                      "\"bytes_printed\":%lld,\"matched_lines\":%lld,\"matches\":%lld}}}\n",
                      (long long)(ns / 1000000000), (long long)(ns % 1000000000), (double)ns / 1e9,
                      f.nsel > 0, (long long)(g->st_searched - searched0), (long long)printed,
                      (long long)(g->multiline && !g->invert ? f.nlines : f.nsel), (long long)f.nmatch);
        out(g, b.data, b.len);
        g->st_printed -= (int64_t)b.len;
        vl_buf_free(c, &b);
    }
}

static void search_path(rg *g, const char *open, const char *name, bool quit_binary)
{
    vl_ctx *c = g->c;
    int fd = vk_open(c->p, open, VK_O_RDONLY, 0);
    if (fd < 0) {
        if (vk_dying(c->p)) dying(g);
        errmsg(g, "%s: %s\n", name, os_error(c, fd));
        return;
    }
    struct vk_stat st;
    bool reg = true;
    if (!quit_binary && vk_fstat(c->p, fd, &st) == 0) reg = VK_S_ISREG(st.mode);
    search_fd(g, fd, name, reg, quit_binary);
    vk_close(c->p, fd);
}

/* ---- the walk ---- */

typedef struct wframe {
    char *disp;   /* the directory as shown, with its trailing '/' ("" for the implicit ./) */
    char *rel;    /* relative to the root, with a trailing '/' ("" for the root) */
    char *abs;    /* the working directory while in it (walking by chdir) */
    char **names;
    unsigned char *types;
    size_t n, i;
    uint64_t dev, ino;
} wframe;

static level *push_level(rg *g)
{
    if (g->nlev == g->caplev) {
        g->caplev = g->caplev ? g->caplev * 2 : 16;
        g->levels = vl_xrealloc(g->c, g->levels, g->caplev * sizeof *g->levels);
    }
    level *lv = &g->levels[g->nlev++];
    memset(lv, 0, sizeof *lv);
    return lv;
}

static void free_ruleset(rg *g, ruleset *rs)
{
    /* (the compiled patterns stay in g->res until the end) */
    vl_xfree(g->c, rs->v);
    memset(rs, 0, sizeof *rs);
}

static void pop_level(rg *g)
{
    level *lv = &g->levels[--g->nlev];
    free_ruleset(g, &lv->git);
    free_ruleset(g, &lv->ign);
    free_ruleset(g, &lv->rgi);
    free_ruleset(g, &lv->excl);
}

static bool has_name(char **names, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (names[i][0] == '.' && same_str(names[i], want)) return true;
    return false;
}

static char *join2(vl_ctx *c, const char *a, const char *b, bool slash);

/* the ignore files of directory dir (a path to open them by: "" is the working directory; shown:
 * the directory as messages name it, with its trailing '/') */
static void load_level(rg *g, level *lv, const char *dir, const char *shown, bool has_git,
                       char **names, size_t n)
{
    vl_ctx *c = g->c;
    lv->has_git = has_git;
    if (g->no_ignore) return;
    if (!*shown) shown = "./";
    static const char *const files[] = {".gitignore", ".git/info/exclude", ".ignore", ".rgignore"};
    for (int k = 0; k < 4; k++) {
        if (k < 2 && g->no_vcs) continue;
        if (k == 1 && (!has_git || g->no_excl)) continue;
        if (k >= 2 && g->no_dot) continue;
        if (names && k != 1 && !has_name(names, n, files[k])) continue;
        ruleset *rs = k == 0 ? &lv->git : k == 1 ? &lv->excl : k == 2 ? &lv->ign : &lv->rgi;
        char *p = *dir ? vl_path_join(c, dir, files[k]) : NULL;
        char *sh = join2(c, shown, files[k], false);
        load_ignore(g, rs, p ? p : files[k], sh);
        vl_xfree(c, p);
        vl_xfree(c, sh);
    }
}

typedef struct dent {
    char *name;
    int64_t t; /* --sort modified/accessed: the entry's time */
    unsigned char type;
} dent;

static int cmp_dent(const void *a, const void *b)
{
    const dent *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int read_dir(rg *g, const char *path, wframe *fr)
{
    vl_ctx *c = g->c;
    int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    struct vk_stat st;
    if (g->follow && vk_fstat(c->p, fd, &st) == 0) {
        fr->dev = st.dev;
        fr->ino = st.ino;
    }
    size_t cap = 0;
    vk_dirent de;
    int rc;
    dent *tmp = NULL;
    while ((rc = g->sort_time ? vk_readdir_attr(c->p, fd, &de, &st) : vk_readdir(c->p, fd, &de)) > 0) {
        if (fr->n == cap) {
            cap = cap ? cap * 2 : 16;
            tmp = vl_xrealloc(c, tmp, cap * sizeof *tmp);
        }
        tmp[fr->n].name = vl_xstrdup(c, de.name);
        tmp[fr->n].t = 0;
        if (g->sort_time) { /* (the listing's attributes, else the entry's own, not followed) */
            if (rc != 2) {
                char *ep = vl_path_join(c, path, de.name);
                if (vk_lstat(c->p, ep, &st) < 0) memset(&st, 0, sizeof st);
                vl_xfree(c, ep);
            }
            tmp[fr->n].t = g->sort_time == 'a' ? st.atime_ns : st.mtime_ns;
        }
        tmp[fr->n++].type = (unsigned char)de.type;
    }
    vk_close(c->p, fd);
    if (fr->n) {
        qsort(tmp, fr->n, sizeof *tmp, cmp_dent);
        fr->names = vl_xmalloc(c, fr->n * sizeof *fr->names);
        fr->types = vl_xmalloc(c, fr->n);
        for (size_t i = 0; i < fr->n; i++) {
            size_t k = g->sort_rev ? fr->n - 1 - i : i;
            fr->names[i] = tmp[k].name;
            fr->types[i] = tmp[k].type;
        }
    }
    vl_xfree(c, tmp);
    return rc;
}

static char *join2(vl_ctx *c, const char *a, const char *b, bool slash)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = vl_xmalloc(c, la + lb + 2);
    memcpy(p, a, la);
    memcpy(p + la, b, lb);
    if (slash) p[la + lb++] = '/';
    p[la + lb] = 0;
    return p;
}

static void found_file(rg *g, const char *open, const char *disp, bool walked)
{
    char *own = NULL;
    if (g->pathsep && g->pathsep != '/') {
        own = vl_xstrdup(g->c, disp);
        for (char *q = own; *q; q++)
            if (*q == '/') *q = g->pathsep;
        disp = own;
    }
    if (g->files_mode) {
        outs(g, disp);
        outc(g, g->nul ? '\0' : '\n');
        g->matched = true;
    } else {
        search_path(g, open, disp, walked && !g->binary_convert);
    }
    vl_xfree(g->c, own);
}

/* the ignore files of the directories above the root, outermost first */
static void parent_levels(rg *g, const char *root)
{
    vl_ctx *c = g->c;
    vl_buf abs = {0};
    if (root[0] != '/') {
        vl_buf_adds(c, &abs, vk_getcwd(c->p));
        vl_buf_addc(c, &abs, '/');
    }
    vl_buf_adds(c, &abs, root);
    /* normalize: components without "." and ".." */
    char **comp = vl_xmalloc(c, (abs.len / 2 + 2) * sizeof *comp);
    size_t nc = 0;
    char *s = abs.data;
    while (*s) {
        while (*s == '/') *s++ = 0;
        if (!*s) break;
        char *st = s;
        while (*s && *s != '/') s++;
        if (*s) *s++ = 0;
        if (same_str(st, ".")) continue;
        if (same_str(st, "..")) {
            if (nc) nc--;
            continue;
        }
        comp[nc++] = st;
    }
    for (size_t k = 0; k < nc; k++) { /* ancestors: "/", "/a", ... up to the root's parent */
        vl_buf dir = {0}, pre = {0};
        vl_buf_adds(c, &dir, "/");
        for (size_t j = 0; j < k; j++) {
            vl_buf_adds(c, &dir, comp[j]);
            vl_buf_addc(c, &dir, '/');
        }
        for (size_t j = k; j < nc; j++) {
            vl_buf_adds(c, &pre, comp[j]);
            vl_buf_addc(c, &pre, '/');
        }
        char *gitp = join2(c, dir.data, ".git", false);
        struct vk_stat st;
        bool has_git = vk_stat(c->p, gitp, &st) == 0;
        vl_xfree(c, gitp);
        level *lv = push_level(g);
        g->in_parents = true;
        if (!g->no_parent) load_level(g, lv, dir.data, dir.data, has_git, NULL, 0);
        else lv->has_git = false;
        g->in_parents = false;
        lv->prefix = vl_xstrdup(c, pre.data);
        vl_buf_free(c, &dir);
        vl_buf_free(c, &pre);
    }
    vl_xfree(c, comp);
    vl_buf_free(c, &abs);
}

static void free_frame(rg *g, wframe *fr)
{
    for (size_t i = 0; i < fr->n; i++) vl_xfree(g->c, fr->names[i]);
    vl_xfree(g->c, fr->names);
    vl_xfree(g->c, fr->types);
    vl_xfree(g->c, fr->disp);
    vl_xfree(g->c, fr->rel);
    vl_xfree(g->c, fr->abs);
    memset(fr, 0, sizeof *fr);
}

static void walk(rg *g, const char *root, bool implicit)
{
    vl_ctx *c = g->c;
    size_t lev0 = g->nlev;
    parent_levels(g, root);
    size_t cap = 16, depth;
    wframe *st = vl_xcalloc(c, cap, sizeof *st);
    char *orig = vl_xstrdup(c, vk_getcwd(c->p));
    bool cd = vk_chdir(c->p, root) == 0;
    if (implicit) st[0].disp = vl_xstrdup(c, "");
    else {
        size_t rl = strlen(root);
        st[0].disp = join2(c, root, "", rl == 0 || root[rl - 1] != '/');
    }
    st[0].rel = vl_xstrdup(c, "");
    if (cd) st[0].abs = vl_xstrdup(c, vk_getcwd(c->p));
    int rc = read_dir(g, cd ? "." : root, &st[0]);
    if (rc < 0) {
        if (vk_dying(c->p)) dying(g);
        errmsg(g, "%s: %s\n", root, os_error(c, rc));
        free_frame(g, &st[0]);
        vl_xfree(c, st);
        if (cd) vk_chdir(c->p, orig);
        vl_xfree(c, orig);
        while (g->nlev > lev0) pop_level(g);
        return;
    }
    {
        level *lv = push_level(g);
        load_level(g, lv, cd ? "" : root, st[0].disp, has_name(st[0].names, st[0].n, ".git"), st[0].names,
                   st[0].n);
        lv->rel_len = 0;
    }
    depth = 1;
    while (depth > 0) {
        wframe *fr = &st[depth - 1];
        if (fr->i >= fr->n || (g->max_depth >= 0 && (int64_t)depth > g->max_depth)) {
            free_frame(g, fr);
            pop_level(g);
            depth--;
            if (cd && depth > 0 && vk_chdir(c->p, st[depth - 1].abs) < 0) dying(g);
            continue;
        }
        size_t idx = fr->i++;
        const char *name = fr->names[idx];
        unsigned type = fr->types[idx];
        int r = vk_steps(c->p, 1);
        if (r < 0) dying(g);
        char *disp = join2(c, fr->disp, name, false);
        const char *open = cd ? name : disp;
        if (type == VK_DT_UNKNOWN || (type == VK_DT_LNK && g->follow)) {
            struct vk_stat sb;
            r = g->follow ? vk_stat(c->p, open, &sb) : vk_lstat(c->p, open, &sb);
            if (r < 0) {
                if (vk_dying(c->p)) dying(g);
                errmsg(g, "%s: %s\n", disp, os_error(c, r));
                vl_xfree(c, disp);
                continue;
            }
            type = VK_S_ISDIR(sb.mode) ? VK_DT_DIR : VK_S_ISREG(sb.mode) ? VK_DT_REG
                   : VK_S_ISLNK(sb.mode) ? VK_DT_LNK : VK_DT_CHR;
        }
        if (type != VK_DT_DIR && type != VK_DT_REG) {
            vl_xfree(c, disp);
            continue;
        }
        bool is_dir = type == VK_DT_DIR;
        char *rel = join2(c, fr->rel, name, false);
        if (filtered(g, rel, strlen(rel), disp, name, is_dir)) {
            vl_xfree(c, rel);
            vl_xfree(c, disp);
            continue;
        }
        if (!is_dir) {
            if (g->max_filesize >= 0) {
                struct vk_stat sb;
                if (vk_stat(c->p, open, &sb) == 0 && (int64_t)sb.size > g->max_filesize) {
                    vl_xfree(c, rel);
                    vl_xfree(c, disp);
                    continue;
                }
            }
            found_file(g, open, disp, true);
            vl_xfree(c, rel);
            vl_xfree(c, disp);
            continue;
        }
        if (g->max_depth >= 0 && (int64_t)depth + 1 > g->max_depth) { /* (nothing below counts) */
            vl_xfree(c, rel);
            vl_xfree(c, disp);
            continue;
        }
        if (depth == cap) {
            st = vl_xrealloc(c, st, cap * 2 * sizeof *st);
            memset(st + cap, 0, cap * sizeof *st);
            cap *= 2;
            fr = &st[depth - 1]; /* (the frames moved) */
        }
        wframe *nf = &st[depth];
        memset(nf, 0, sizeof *nf);
        nf->disp = join2(c, disp, "", true);
        nf->rel = join2(c, rel, "", true);
        vl_xfree(c, rel);
        if (cd) {
            rc = vk_chdir(c->p, name);
            if (rc == 0) {
                nf->abs = vl_xstrdup(c, vk_getcwd(c->p));
                rc = read_dir(g, ".", nf);
            }
        } else {
            rc = read_dir(g, disp, nf);
        }
        if (rc < 0) {
            if (vk_dying(c->p)) dying(g);
            errmsg(g, "%s: %s\n", disp, os_error(c, rc));
            if (cd && nf->abs && vk_chdir(c->p, fr->abs) < 0) dying(g);
            free_frame(g, nf);
            vl_xfree(c, disp);
            continue;
        }
        /* a directory that is its own ancestor (only through links, with -L) */
        /* a link to a directory that is its own ancestor (with -L: rg checks links only, and
         * names the nearest such ancestor) */
        size_t anc = SIZE_MAX;
        if (g->follow && fr->types[idx] == VK_DT_LNK)
            for (size_t i = depth; i-- > 0;)
                if (st[i].dev == nf->dev && st[i].ino == nf->ino) {
                    anc = i;
                    break;
                }
        if (anc != SIZE_MAX) {
            char *a = vl_xstrdup(c, st[anc].disp);
            size_t al = strlen(a);
            if (al > 1 && a[al - 1] == '/') a[al - 1] = 0;
            errmsg(g, "File system loop found: %s points to an ancestor %s\n", disp, a);
            vl_xfree(c, a);
            if (cd && vk_chdir(c->p, fr->abs) < 0) dying(g);
            free_frame(g, nf);
            vl_xfree(c, disp);
            continue;
        }
        level *lv = push_level(g);
        load_level(g, lv, cd ? "" : disp, nf->disp, has_name(nf->names, nf->n, ".git"), nf->names, nf->n);
        lv->rel_len = strlen(nf->rel);
        vl_xfree(c, disp);
        depth++;
    }
    vl_xfree(c, st);
    if (cd && vk_chdir(c->p, orig) < 0) dying(g);
    vl_xfree(c, orig);
    while (g->nlev > lev0) pop_level(g);
}

/* ---- options and patterns ---- */

typedef struct occ {
    int id;
    const char *arg;
} occ;

static const ropt *find_long(const char *name, size_t n)
{
    for (const ropt *o = ropts; o->lng; o++)
        if (strlen(o->lng) == n && memcmp(o->lng, name, n) == 0) return o;
    return NULL;
}

static const ropt *find_short(char ch)
{
    for (const ropt *o = ropts; o->lng; o++)
        if (o->sh == ch) return o;
    return NULL;
}

/* The word after an option that takes a value: clap reads a word starting with '-' as an option
 * (unless the option allows such values), so the value is missing, or the word is unknown. */
static const char *next_value(vl_ctx *c, const ropt *o, const char *w)
{
    if (o->hyphen || w[0] != '-' || !w[1]) return w;
    bool known;
    if (w[1] == '-') {
        const char *eq = strchr(w + 2, '=');
        known = !w[2] || find_long(w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2));
    } else {
        known = find_short(w[1]) != NULL;
    }
    if (!known) bad_arg(c, w);
    vl_buf b = {0};
    size_t vl = strlen(o->val);
    if (vl > 3 && strcmp(o->val + vl - 3, "...") == 0)
        vl_buf_printf(c, &b, "error: The argument '--%s %s' requires a value but none was supplied\n", o->lng, o->val);
    else
        vl_buf_printf(c, &b, "error: The argument '--%s %s' requires 1 values, but 0 were provided\n", o->lng, o->val);
    vl_buf_printf(c, &b, "\n%s\n", USAGE);
    vl_write_fd(c, 2, b.data, b.len);
    vl_exit(c, 2);
}

/* clap's reading of argv: options (bundled short ones, --long=value, --long value) anywhere,
 * "--" ending them; the rest are positionals */
static void parse_args(vl_ctx *c, int argc, char **argv, occ **ov, size_t *no, char ***pos, size_t *np)
{
    size_t cap = 1; /* a bundle (-iiw) gives one occurrence per letter */
    for (int i = 1; i < argc; i++) cap += strlen(argv[i]) + 1;
    *ov = vl_xcalloc(c, cap, sizeof **ov);
    *pos = vl_xcalloc(c, (size_t)argc + 1, sizeof **pos);
    *no = *np = 0;
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!opts || a[0] != '-' || !a[1]) {
            (*pos)[(*np)++] = a;
            continue;
        }
        if (same_str(a, "--")) {
            opts = false;
            continue;
        }
        if (a[1] == '-') {
            const char *nm = a + 2;
            const char *eq = strchr(nm, '=');
            size_t nl = eq ? (size_t)(eq - nm) : strlen(nm);
            const ropt *o = find_long(nm, nl);
            if (!o) bad_arg(c, a);
            const char *val = NULL;
            if (o->arg) {
                if (eq) val = eq + 1;
                else if (i + 1 < argc) val = next_value(c, o, argv[++i]);
                else missing_pattern(c);
            } else if (eq) {
                bad_arg(c, a);
            }
            (*ov)[*no].id = o->id;
            (*ov)[(*no)++].arg = val;
            continue;
        }
        for (size_t k = 1; a[k]; k++) {
            const ropt *o = find_short(a[k]);
            if (!o) {
                char bad[3] = {'-', a[k], 0};
                bad_arg(c, bad);
            }
            const char *val = NULL;
            if (o->arg) {
                if (a[k + 1]) val = a + k + 1 + (a[k + 1] == '=');
                else if (i + 1 < argc) val = next_value(c, o, argv[++i]);
                else missing_pattern(c);
                (*ov)[*no].id = o->id;
                (*ov)[(*no)++].arg = val;
                break;
            }
            (*ov)[*no].id = o->id == O_VERSION ? O_VERSION_SHORT : o->id;
            (*ov)[(*no)++].arg = NULL;
        }
    }
}

static void print_type_list(rg *g)
{
    qsort(g->types, g->ntypes, sizeof *g->types, cmp_type);
    for (size_t i = 0; i < g->ntypes; i++) {
        tdef *t = &g->types[i];
        if (!t->n) continue;
        outs(g, t->name);
        outs(g, ": ");
        for (size_t j = 0; j < t->n; j++) {
            if (j) outs(g, ", ");
            outs(g, t->globs[j]);
        }
        outc(g, '\n');
    }
}

static void print_stats(rg *g)
{
    vl_ctx *c = g->c;
    int64_t ns = vk_monotonic_ns(c->p) - g->t0;
    if (g->json) {
        vl_buf b = {0};
        vl_buf_printf(c, &b,
                      "{\"data\":{\"elapsed_total\":{\"human\":\"%.6fs\",\"nanos\":%lld,\"secs\":%lld},"
                      "\"stats\":{\"bytes_printed\":%lld,\"bytes_searched\":%lld,\"elapsed\":{\"human\":"
                      "\"%.6fs\",\"nanos\":%lld,\"secs\":%lld},\"matched_lines\":%lld,\"matches\":%lld,"
                      "\"searches\":%lld,\"searches_with_match\":%lld}},\"type\":\"summary\"}\n",
                      (double)ns / 1e9, (long long)(ns % 1000000000), (long long)(ns / 1000000000),
                      (long long)g->st_printed, (long long)g->st_searched, (double)ns / 1e9,
                      (long long)(ns % 1000000000), (long long)(ns / 1000000000),
                      (long long)g->st_lines, (long long)g->st_matches, (long long)g->st_files,
                      (long long)g->st_files_matched);
        vl_write(c, b.data, b.len);
        vl_buf_free(c, &b);
        return;
    }
    vl_printf(c, "\n%lld matches\n%lld matched lines\n%lld files contained matches\n"
                 "%lld files searched\n%lld bytes printed\n%lld bytes searched\n"
                 "%.6f seconds spent searching\n%.6f seconds\n",
              (long long)g->st_matches, (long long)g->st_lines, (long long)g->st_files_matched,
              (long long)g->st_files, (long long)g->st_printed, (long long)g->st_searched,
              (double)ns / 1e9, (double)ns / 1e9);
}

static int hexdig(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if ((ch | 32) >= 'a' && (ch | 32) <= 'f') return (ch | 32) - 'a' + 10;
    return -1;
}

/* rg's unescaping of separators: \\ \n \r \t \0 \xHH; anything else stays as written */
static const char *unescape(vl_ctx *c, const char *s)
{
    char *o = vl_xmalloc(c, strlen(s) + 1), *q = o;
    while (*s) {
        if (*s != '\\' || !s[1]) {
            *q++ = *s++;
            continue;
        }
        char e = s[1];
        if (e == 'x' && hexdig(s[2]) >= 0 && hexdig(s[3]) >= 0) {
            *q++ = (char)(hexdig(s[2]) * 16 + hexdig(s[3]));
            s += 4;
            continue;
        }
        char r = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == '0' ? '\0' : e == '\\' ? '\\' : 0;
        if (!r && e != '0') {
            *q++ = *s++;
            continue;
        }
        *q++ = r;
        s += 2;
    }
    *q = 0;
    return o;
}

static int rg_main(vl_ctx *c, int argc, char **argv)
{
    rg *g = vl_xcalloc(c, 1, sizeof *g);
    g->c = c;
    vl_defer(c, free_res, g);
    g->t0 = vk_monotonic_ns(c->p);
    occ *ov;
    size_t no, np;
    char **pos;
    parse_args(c, argc, argv, &ov, &no, &pos, &np);

    /* the last of each pair of opposite flags wins */
    int icase = 0; /* 0 sensitive, 1 -i, 2 -S */
    bool fixed = false, pcre = false, word = false, linex = false;
    bool with_fn = false, no_fn = false, type_list = false;
    int unrestricted = 0;
    const char *sort = NULL;
    vl_buf pats = {0};
    size_t npats = 0;
    bool any_pat_opt = false;
    char **tsel = NULL, **tneg = NULL;
    size_t ntsel = 0, ntneg = 0;
    g->max_count = g->max_depth = g->max_filesize = -1;
    g->ctx_sep = "--";
    types_init(c, &g->types, &g->ntypes);
    g->msep = ":";
    g->csep = "-";
    /* flags that change how other options are read, whatever their place */
    for (size_t i = 0; i < no; i++) {
        if (ov[i].id == O_IGNORE_CASE_GLOB || ov[i].id == O_NO_IGNORE_CASE_GLOB)
            g->glob_icase = ov[i].id == O_IGNORE_CASE_GLOB;
        if (ov[i].id == O_IGNORE_FILE_ICASE || ov[i].id == O_NO_IGNORE_FILE_ICASE)
            g->ign_icase = ov[i].id == O_IGNORE_FILE_ICASE;
        if (ov[i].id == O_NO_IGNORE_FILES || ov[i].id == O_IGNORE_FILES_ON)
            g->no_ign_files = ov[i].id == O_NO_IGNORE_FILES;
        if (ov[i].id == O_NO_IGNORE_MESSAGES || ov[i].id == O_IGNORE_MESSAGES_ON)
            g->no_ign_messages = ov[i].id == O_NO_IGNORE_MESSAGES;
    }
    vl_buf *patlist = vl_xcalloc(c, (size_t)no + 1, sizeof *patlist);
    for (size_t i = 0; i < no; i++) {
        const char *a = ov[i].arg;
        switch (ov[i].id) {
        case O_AFTER: g->after = clap_num(g, a, "--after-context <NUM>"); break;
        case O_BEFORE: g->before = clap_num(g, a, "--before-context <NUM>"); break;
        case O_CONTEXT: g->after = g->before = clap_num(g, a, "--context <NUM>"); break;
        case O_COUNT: g->count = true; g->count_matches = false; break;
        case O_COUNT_MATCHES: g->count_matches = true; g->count = false; break;
        case O_COLUMN: g->column = true; break;
        case O_NO_COLUMN: g->column = false; break;
        case O_REGEXP:
            any_pat_opt = true;
            vl_buf_add(c, &patlist[npats++], a, strlen(a));
            break;
        case O_FILE: {
            any_pat_opt = true;
            vl_buf b = {0};
            int rc;
            if (same_str(a, "-")) {
                char tmp[4096];
                ssize_t r;
                while ((r = vk_read(c->p, 0, tmp, sizeof tmp)) > 0) vl_buf_add(c, &b, tmp, (size_t)r);
                rc = r < 0 ? (int)r : 0;
            } else {
                rc = slurp(g, a, &b);
            }
            if (rc < 0) { /* (rg words a failed read without the space) */
                vl_eprintf(c, rc == VOS_EISDIR ? "%s:%s\n" : "%s: %s\n", a, os_error(c, rc));
                vl_exit(c, 2);
            }
            size_t k = 0;
            while (k < b.len) {
                const char *e = memchr(b.data + k, '\n', b.len - k);
                size_t le = e ? (size_t)(e - b.data) : b.len;
                size_t l2 = le;
                if (l2 > k && b.data[l2 - 1] == '\r') l2--;
                patlist = vl_xrealloc(c, patlist, (no + npats + 2) * sizeof *patlist);
                memset(&patlist[npats], 0, sizeof *patlist);
                vl_buf_add(c, &patlist[npats], b.data + k, l2 - k);
                vl_buf_adds(c, &patlist[npats], "");
                npats++;
                k = le + 1;
            }
            vl_buf_free(c, &b);
            break;
        }
        case O_FILES: g->files_mode = true; break;
        case O_FILES_WITH: g->list = true; g->list_without = false; break;
        case O_FILES_WITHOUT: g->list_without = true; g->list = false; break;
        case O_FIXED: fixed = true; break;
        case O_NO_FIXED: fixed = false; break;
        case O_FOLLOW: g->follow = true; break;
        case O_NO_FOLLOW: g->follow = false; break;
        case O_GLOB:
        case O_IGLOB: {
            bool neg = a[0] == '!';
            if (!neg) g->n_whitelist++;
            if (!gitignore_line(g, &g->overrides, a, strlen(a), ov[i].id == O_IGLOB || g->glob_icase, true,
                                NULL, 0) && !neg)
                g->n_whitelist--;
            break;
        }
        case O_HEADING: g->heading = true; break;
        case O_NO_HEADING: g->heading = false; break;
        case O_HIDDEN: g->hidden = true; break;
        case O_NO_HIDDEN: g->hidden = false; break;
        case O_ICASE: icase = 1; break;
        case O_CASE_SENSITIVE: icase = 0; break;
        case O_SMART: icase = 2; break;
        case O_IGNORE_FILE:
            if (!g->no_ign_files) load_ignore(g, &g->explicit_ign, a, a);
            break;
        case O_NO_IGNORE_EXCLUDE: g->no_excl = true; break;
        case O_FIELD_MATCH_SEP: g->msep = unescape(c, a); break;
        case O_FIELD_CTX_SEP: g->csep = unescape(c, a); break;
        case O_PATH_SEP:
            a = unescape(c, a);
            if (strlen(a) > 1) {
                vl_eprintf(c, "A path separator must be exactly one byte, but the given separator is %zu bytes: %s\n"
                              "In some shells on Windows '/' is automatically expanded. Use '//' instead.\n", strlen(a), a);
                vl_exit(c, 2);
            }
            g->pathsep = a[0];
            break;
        case O_ENGINE:
            if (same_str(a, "pcre2")) pcre = true;
            else if (same_str(a, "default")) pcre = false;
            else if (!same_str(a, "auto")) {
                vl_eprintf(c, "error: '%s' isn't a valid value for '--engine <ENGINE>'\n\t[possible values: auto, default, pcre2]\n\n\n%s\n", a, USAGE);
                vl_exit(c, 2);
            }
            break;
        case O_INVERT: g->invert = true; break;
        case O_LINE_NUMBER: g->lineno = true; break;
        case O_NO_LINE_NUMBER: g->lineno = false; break;
        case O_LINE_REGEXP: linex = true; break;
        case O_MAX_COUNT: g->max_count = clap_num(g, a, "--max-count <NUM>"); break;
        case O_MAX_DEPTH: g->max_depth = clap_num(g, a, "--max-depth <NUM>"); break;
        case O_MAX_COLUMNS: g->max_columns = clap_num(g, a, "--max-columns <NUM>"); break;
        case O_MAX_COLUMNS_PREVIEW: g->max_preview = true; break;
        case O_MAX_FILESIZE: g->max_filesize = parse_size(g, a); break;
        case O_MULTILINE: g->multiline = true; break;
        case O_NO_MULTILINE: g->multiline = false; break;
        case O_DOTALL: g->dotall_flag = true; break;
        case O_NO_DOTALL: g->dotall_flag = false; break;
        case O_NO_IGNORE: g->no_ignore = true; break;
        case O_IGNORE_ON: g->no_ignore = false; break;
        case O_IGNORE_DOT_ON: g->no_dot = false; break;
        case O_IGNORE_VCS_ON: g->no_vcs = false; break;
        case O_IGNORE_PARENT_ON: g->no_parent = false; break;
        case O_IGNORE_EXCLUDE_ON: g->no_excl = false; break;
        case O_REQUIRE_GIT: g->no_require_git = false; break;
        case O_MESSAGES: g->no_messages = false; break;
        case O_NO_IGNORE_VCS: g->no_vcs = true; break;
        case O_NO_IGNORE_PARENT: g->no_parent = true; break;
        case O_NO_IGNORE_DOT: g->no_dot = true; break;
        case O_NULL: g->nul = true; break;
        case O_ONLY: g->only = true; break;
        case O_PASSTHRU: g->passthru = true; break;
        case O_PCRE2: pcre = true; break;
        case O_NO_PCRE2: pcre = false; break;
        case O_QUIET: g->quiet = true; break;
        case O_REPLACE: g->has_replace = true; g->replace = a; break;
        case O_SORT: sort = a; g->sort_rev = false; break;
        case O_SORTR: sort = a; g->sort_rev = true; break;
        case O_STATS: g->stats = true; break;
        case O_NO_STATS: g->stats = false; break;
        case O_TEXT: g->text = true; break;
        case O_NO_TEXT: g->text = false; break;
        case O_BINARY: g->binary_convert = true; break;
        case O_NO_BINARY: g->binary_convert = false; break;
        case O_THREADS: g->one_thread = plain_num(g, a) == 1; break;
        case O_TRIM: g->trim = true; break;
        case O_NO_TRIM: g->trim = false; break;
        case O_TYPE:
            tsel = vl_xrealloc(c, tsel, (ntsel + 1) * sizeof *tsel);
            tsel[ntsel++] = (char *)a;
            break;
        case O_TYPE_NOT:
            tneg = vl_xrealloc(c, tneg, (ntneg + 1) * sizeof *tneg);
            tneg[ntneg++] = (char *)a;
            break;
        case O_TYPE_ADD: type_add(g, &g->types, &g->ntypes, a); break;
        case O_TYPE_CLEAR: {
            tdef *t = type_find(g->types, g->ntypes, a);
            if (t) t->n = 0;
            break;
        }
        case O_TYPE_LIST: type_list = true; break;
        case O_UNRESTRICTED: unrestricted++; break;
        case O_VIMGREP: g->vimgrep = true; break;
        case O_WITH_FILENAME: with_fn = true; no_fn = false; break;
        case O_NO_FILENAME: no_fn = true; with_fn = false; break;
        case O_WORD: word = true; break;
        case O_JSON: g->json = true; break;
        case O_NO_JSON: g->json = false; break;
        case O_NO_MESSAGES: g->no_messages = true; break;
        case O_BYTE_OFFSET: g->byte_offset = true; break;
        case O_INCLUDE_ZERO: g->include_zero = true; break;
        case O_CONTEXT_SEP: g->ctx_sep = unescape(c, a); break;
        case O_NO_CONTEXT_SEP: g->ctx_sep = NULL; break;
        case O_NO_MAX_COLUMNS_PREVIEW: g->max_preview = false; break;
        case O_PCRE2_VERSION:
            vl_puts(c, "PCRE2 10.32 is available\nJIT is available\n"); /* (what Debian's rg says) */
            vl_exit(c, 0);
        case O_NO_REQUIRE_GIT: g->no_require_git = true; break;
        case O_COLOR:
            if (!same_str(a, "never") && !same_str(a, "auto") && !same_str(a, "always") && !same_str(a, "ansi")) {
                vl_eprintf(c, "error: '%s' isn't a valid value for '--color <WHEN>'\n\t[possible values: always, ansi, auto, never]\n\n\n%s\n", a, USAGE);
                vl_exit(c, 2);
            }
            if (!same_str(a, "never") && !same_str(a, "auto")) die_msg(g, "rg: --color=always is not supported in vos (no terminal)");
            break;
        case O_HELP:
            vl_puts(c, "rg (vos) 13.0.0\nrecursively search the current directory for lines matching a pattern\n\n");
            vl_puts(c, USAGE);
            vl_exit(c, 0);
        case O_VERSION:
            vl_puts(c, "ripgrep 13.0.0\n-SIMD -AVX (compiled)\n+SIMD +AVX (runtime)\n");
            vl_exit(c, 0);
        case O_VERSION_SHORT:
            vl_puts(c, "ripgrep 13.0.0\n");
            vl_exit(c, 0);
        case O_NULL_DATA: die_msg(g, "rg: --null-data is not supported in vos");
        case O_PRE: die_msg(g, "rg: --pre is not supported in vos");
        case O_SEARCH_ZIP: die_msg(g, "rg: --search-zip is not supported in vos");
        case O_ENCODING:
            if (!same_str(a, "utf-8") && !same_str(a, "none") && !same_str(a, "auto"))
                die_msg(g, "rg: --encoding other than utf-8 is not supported in vos");
            break;
        case O_CRLF: g->crlf = true; break;
        case O_NO_CRLF: g->crlf = false; break;
        case O_PRETTY: die_msg(g, "rg: --pretty is not supported in vos (no colours)");
        default: break;
        }
    }
    if (g->json) {
        const char *clash = g->count ? "--count" : g->count_matches ? "--count-matches"
                            : g->files_mode ? "--files" : g->list ? "--files-with-matches"
                            : g->list_without ? "--files-without-match" : NULL;
        if (clash) {
            vl_eprintf(c, "error: The argument '%s' cannot be used with '--json'\n\n%s\n", clash, USAGE);
            vl_exit(c, 2);
        }
        g->vimgrep = g->only = g->heading = false;
    }
    if (g->count || g->count_matches) g->list = g->list_without = false; /* (rg: counts win) */
    if (unrestricted >= 1) g->no_ignore = true;
    if (unrestricted >= 2) g->hidden = true;
    if (unrestricted >= 3) g->binary_convert = true;
    if (sort && !same_str(sort, "path") && !same_str(sort, "none")) {
        if (same_str(sort, "modified")) g->sort_time = 'm';
        else if (same_str(sort, "accessed")) g->sort_time = 'a';
        else if (same_str(sort, "created"))
            die_msg(g, "rg: --sort created is not supported in vos (files have no creation time)");
        else {
            vl_eprintf(c, "error: '%s' isn't a valid value for '--sort <SORTBY>'\n\t[possible values: accessed, created, modified, none, path]\n\n\n%s\n", sort, USAGE);
            vl_exit(c, 2);
        }
    }
    if (sort && same_str(sort, "none")) g->sort_rev = false;
    if (type_list) {
        print_type_list(g);
        vl_exit(c, 0);
    }
    if (ntsel) g->type_sel = types_regex(g, tsel, ntsel);
    if (ntneg) g->type_neg = types_regex(g, tneg, ntneg);

    /* the pattern: -e/-f, else the first positional */
    size_t first_path = 0;
    if (!g->files_mode && !any_pat_opt) {
        if (np == 0) missing_pattern(c);
        vl_buf_add(c, &patlist[npats++], pos[0], strlen(pos[0]));
        first_path = 1;
    }
    if (g->vimgrep) g->lineno = g->column = true;
    if (g->column) g->lineno = true;
    bool vim = g->vimgrep;
    if (vim) g->heading = false; /* (one line per match, always named) */
    if (g->only && g->vimgrep) g->vimgrep = false; /* (-o's output, with vimgrep's names) */

    if (!g->files_mode) {
        int tflags = (g->multiline ? RG_TR_MULTILINE : 0) | (g->dotall_flag && g->multiline ? RG_TR_DOTALL : 0) |
                     (fixed ? RG_TR_FIXED : 0) | (g->crlf ? RG_TR_CRLF : 0);
        bool any_upper = false, any_literal = false;
        int ngroups = 0;
        vl_buf lit = {0};
        bool all_literal = true;
        for (size_t k = 0; k < npats; k++) {
            vl_buf one = {0}, err = {0};
            rg_tr_info info;
            lit.len = 0;
            const char *pd = patlist[k].data ? patlist[k].data : "";
            size_t pl = patlist[k].len;
            if (pcre) {
                vl_buf_adds(c, &one, "(?m)");
                vl_buf_add(c, &one, pd, pl);
                for (size_t q = 0; q < pl; q++) {
                    if (pd[q] >= 'A' && pd[q] <= 'Z' && (q == 0 || pd[q - 1] != '\\')) any_upper = true;
                    any_literal = true;
                }
                all_literal = false;
            } else if (rg_translate(c, pd, pl, tflags, ngroups, &g->gnames, &one, &lit, &info, &err) < 0) {
                vl_write_fd(c, 2, err.data, err.len);
                vl_exit(c, 2);
            } else {
                any_upper |= info.any_upper;
                any_literal |= info.any_literal;
                all_literal &= info.literal;
                ngroups += info.ngroups;
            }
            if (pats.len) vl_buf_addc(c, &pats, '|');
            vl_buf_adds(c, &pats, "(?:");
            vl_buf_add(c, &pats, one.data, one.len);
            vl_buf_addc(c, &pats, ')');
            vl_buf_free(c, &one);
            vl_buf_free(c, &err);
        }
        vl_buf full = {0};
        if (npats == 0) {
            vl_buf_adds(c, &full, "(?!)");
        } else if (linex) {
            vl_buf_adds(c, &full, "(?m)^(?:");
            vl_buf_add(c, &full, pats.data, pats.len);
            vl_buf_adds(c, &full, ")$");
        } else if (word) {
            vl_buf_adds(c, &full, "(?m)(?<!\\w)(?:");
            vl_buf_add(c, &full, pats.data, pats.len);
            vl_buf_adds(c, &full, ")(?!\\w)");
        } else {
            vl_buf_add(c, &full, pats.data, pats.len);
        }
        bool ci = icase == 1 || (icase == 2 && !any_upper && any_literal);
        int flags = VL_RE_UTF | (ci ? VL_RE_ICASE : 0);
        /* -P: PCRE2 sees one line at a time (its \s could match the newline otherwise) */
        if (pcre && !g->multiline) flags |= VL_RE_RECORDS;
        vl_re_diag d;
        int rc;
        /* one plain literal: the wrapper's literal search is the fastest */
        bool ascii = true;
        for (size_t q = 0; q < lit.len; q++) ascii &= (unsigned char)lit.data[q] < 0x80;
        if (npats == 1 && all_literal && !ci && !linex && !word && ascii && lit.len)
            rc = vl_re_compile(c->p, lit.data, lit.len, VL_RE_FIXED, 0, &g->re, &d);
        else
            rc = vl_re_compile(c->p, full.data, full.len, VL_RE_PCRE, flags, &g->re, &d);
        vl_buf_free(c, &lit);
        if (rc < 0) {
            if (rc != VL_RE_ESYNTAX && rc != VL_RE_ETOOBIG) dying(g);
            if (pcre) vl_eprintf(c, "%s\n", d.msg);
            else vl_eprintf(c, "regex parse error:\n    %.*s\n    ^\nerror: %s\n", (int)(patlist[0].len), patlist[0].data ? patlist[0].data : "", d.msg);
            vl_exit(c, 2);
        }
        keep_re(g, g->re);
        vl_buf_free(c, &full);
    }

    /* where to search */
    char **paths = pos + first_path;
    size_t npaths = np - first_path;
    bool use_stdin = false;
    if (npaths == 0 && !g->files_mode) {
        struct vk_stat st;
        if (vk_fstat(c->p, 0, &st) == 0 &&
            (VK_S_ISREG(st.mode) || VK_S_ISFIFO(st.mode) || (st.mode & VK_S_IFMT) == VK_S_IFSOCK))
            use_stdin = true;
    }
    bool dir_arg = false;
    for (size_t k = 0; k < npaths; k++) {
        struct vk_stat st;
        if (!same_str(paths[k], "-") && vk_stat(c->p, paths[k], &st) == 0 && VK_S_ISDIR(st.mode)) dir_arg = true;
    }
    g->with_filename = npaths > 1 || dir_arg || (npaths == 0 && !use_stdin) || vim;
    if (with_fn) g->with_filename = true;
    if (no_fn) g->with_filename = false;

    if (use_stdin) {
        struct vk_stat st;
        bool reg = vk_fstat(c->p, 0, &st) == 0 && VK_S_ISREG(st.mode);
        search_fd(g, 0, "<stdin>", reg, false);
    } else if (npaths == 0) {
        walk(g, ".", true);
    } else {
        for (size_t k = 0; k < npaths; k++) {
            const char *p = paths[k];
            if (same_str(p, "-")) {
                struct vk_stat st;
                bool reg = vk_fstat(c->p, 0, &st) == 0 && VK_S_ISREG(st.mode);
                if (g->files_mode) found_file(g, "-", "<stdin>", false);
                else search_fd(g, 0, "<stdin>", reg, false);
                continue;
            }
            struct vk_stat st;
            int r = vk_stat(c->p, p, &st);
            if (r < 0) {
                if (vk_dying(c->p)) dying(g);
                if (g->one_thread) {
                    const char *e = os_error(c, r);
                    vl_buf b = {0};
                    vl_buf_printf(c, &b, "IO error for operation on %s: %s", p, e);
                    errmsg(g, "%s: %s\n", p, b.data);
                    vl_buf_free(c, &b);
                } else {
                    errmsg(g, "%s: %s\n", p, os_error(c, r));
                }
                continue;
            }
            if (VK_S_ISDIR(st.mode)) walk(g, p, false);
            else found_file(g, p, p, false);
        }
    }
    if (g->stats || (g->json && !g->quiet)) print_stats(g);
    if (g->list_without) g->matched = g->matched_without;
    if (g->matched && (g->quiet || !g->had_error)) return 0;
    return g->had_error ? 2 : 1;
}

static const vl_opt rg_opts[] = {{0, NULL, 0, NULL, NULL}};

VL_COMMAND(rg, rg_main, rg_opts, "[OPTIONS] PATTERN [PATH ...]",
           "Recursively search the current directory for lines matching a pattern (ripgrep 13).",
           VL_NO_OPTIONS, 2);
