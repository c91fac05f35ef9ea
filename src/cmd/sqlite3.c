/* sqlite3: the SQLite command-line shell over VM files, giving the bytes of the sqlite3 3.40
 * CLI for the options, output modes and dot-commands people and models use (see
 * docs/commands.md). The engine is libsqlite3; every file it touches goes through
 * lib/sqlite_vfs.c, so a database obeys the VM's mounts, quotas and read-only mounts.
 *
 * Bounds: a progress handler counts VM steps every few thousand VDBE instructions and stops
 * the statement when the exec's step or time budget, an interrupt or a fatal signal says the
 * process must end, or when the connection's memory (page cache, schema, statements) passes
 * the VM's memory limit. SQLite's heap itself is the host's (its allocator is global to the
 * host process): only temporary files are charged to the VM, and the connection's memory is
 * checked against the limit rather than charged (docs/differences.md). */
#include "lib/cmd.h"
#include "lib/regex.h"
#include "lib/sqlite_vfs.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

enum {
    MODE_LINE, MODE_COLUMN, MODE_LIST, MODE_SEMI, MODE_HTML, MODE_INSERT, MODE_QUOTE, MODE_TCL,
    MODE_CSV, MODE_EXPLAIN, MODE_ASCII, MODE_PRETTY, MODE_EQP, MODE_JSON, MODE_MARKDOWN,
    MODE_TABLE, MODE_BOX, MODE_COUNT, MODE_OFF,
};
static const char *const mode_names[] = {
    "line", "column", "list", "semi", "html", "insert", "quote", "tcl", "csv", "explain",
    "ascii", "prettyprint", "eqp", "json", "markdown", "table", "box", "count", "off",
};

#define BOX_24 "\342\224\200"   /* ─ */
#define BOX_13 "\342\224\202"   /* │ */
#define BOX_23 "\342\224\214"   /* ┌ */
#define BOX_34 "\342\224\220"   /* ┐ */
#define BOX_12 "\342\224\224"   /* └ */
#define BOX_14 "\342\224\230"   /* ┘ */
#define BOX_123 "\342\224\234"  /* ├ */
#define BOX_134 "\342\224\244"  /* ┤ */
#define BOX_234 "\342\224\254"  /* ┬ */
#define BOX_124 "\342\224\264"  /* ┴ */
#define BOX_1234 "\342\224\274" /* ┼ */

typedef struct shell {
    vl_ctx *c;
    sqlite3 *db;
    vl_sqlite_vfs *vfs;
    const char *dbname;    /* NULL: ":memory:" */
    bool readonly;
    bool opened;
    int mode, cmode;
    bool header, header_set;
    char colsep[20], rowsep[20];
    char nullvalue[20];
    int *colwidth;         /* .width; actual widths follow */
    int nwidth;
    int *actual;
    int wrap;              /* column modes: --wrap N (0: none) */
    bool wordwrap, quote_cols;
    bool bail, echo, count_changes, timer;
    const char *dest_table;
    int cnt;               /* rows output by the current statement */
    sqlite3_stmt *stmt;
    int outfd;             /* -1: stdout */
    char *outname;
    int once;              /* .once: commands left before the output goes back (as outCount) */
    vl_buf obuf;
    int nerr_stop;         /* set when a limit stopped a statement */
    int64_t mem_limit;
    unsigned ticks;
    int depth;             /* inputs being read (stdin, -init, .read) */
    int lineno;            /* line of the input being read */
    bool writable_schema;  /* .dump wrote "PRAGMA writable_schema=ON" */
    int eqp;               /* .eqp: 0 off, 1 on, 2 full, 3 trigger */
    bool dump_rowids;      /* .dump --preserve-rowids */
    bool newlines;         /* .dump --newlines (stays for insert mode until the next .dump) */
    bool keepalive;        /* .open: a failure falls back to a memory database */
    sqlite3_stmt *live[16]; /* statements prepared and not finalized (nested: .dump) */
    int nlive;
    int *indent;           /* EXPLAIN: indentation of each opcode (loops) */
    int nindent, iindent;
} shell;

/* ---- output ---- */

static void outn(shell *s, const char *d, size_t n)
{
    if (s->outfd < 0) {
        vl_write(s->c, d, n);
        return;
    }
    vl_buf_add(s->c, &s->obuf, d, n);
    if (s->obuf.len >= 65536) {
        vl_write_fd(s->c, s->outfd, s->obuf.data, s->obuf.len);
        s->obuf.len = 0;
    }
}
static void outs(shell *s, const char *z) { outn(s, z, strlen(z)); }
static void outc(shell *s, char ch) { outn(s, &ch, 1); }

static void outf(shell *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *z = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (z) outs(s, z);
    sqlite3_free(z);
}
static void pad(shell *s, int n)
{
    for (int i = 0; i < n; i++) outc(s, ' ');
}


static void errf(shell *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *z = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (s->outfd < 0) vl_flush(s->c);
    if (z) vl_write_fd(s->c, 2, z, strlen(z));
    sqlite3_free(z);
}

static void output_reset(shell *s)
{
    if (s->outfd >= 0) {
        if (s->obuf.len) vl_write_fd(s->c, s->outfd, s->obuf.data, s->obuf.len);
        s->obuf.len = 0;
        vk_close(s->c->p, s->outfd);
        s->outfd = -1;
    }
    s->once = 0;
}

/* ---- the connection ---- */

/* Prepare and finalize through these, so that a command ended half way (a limit, an error
 * exit) finalizes what it had open before closing the connection. */
static int prep(shell *s, const char *sql, int n, sqlite3_stmt **st, const char **tail)
{
    int rc = sqlite3_prepare_v2(s->db, sql, n, st, tail);
    if (*st) {
        if (s->nlive == (int)(sizeof s->live / sizeof *s->live)) {
            sqlite3_finalize(*st);
            *st = NULL;
            return SQLITE_NOMEM;
        }
        s->live[s->nlive++] = *st;
    }
    return rc;
}

static int fin(shell *s, sqlite3_stmt *st)
{
    for (int i = s->nlive - 1; i >= 0; i--)
        if (s->live[i] == st) {
            s->live[i] = s->live[--s->nlive];
            break;
        }
    return sqlite3_finalize(st);
}

static void shell_cleanup(void *arg)
{
    shell *s = arg;
    if (s->db) {
        /* only ours: a virtual table (fts5) owns statements of its own on the connection */
        for (int i = 0; i < s->nlive; i++) sqlite3_finalize(s->live[i]);
        s->nlive = 0;
        sqlite3_close(s->db);
        s->db = NULL;
    }
    if (s->vfs) vl_sqlite_vfs_free(s->vfs);
    s->vfs = NULL;
}

/* Stop a statement when the process must end (step/time budget, interrupt, fatal signal), or
 * when the connection's memory passes the VM's memory limit. */
static int progress(void *arg)
{
    shell *s = arg;
    int rc = vk_steps(s->c->p, 64);
    if (rc < 0 && rc != VOS_EINTR) {
        s->nerr_stop = rc;
        return 1;
    }
    if (s->mem_limit > 0 && (++s->ticks & 15) == 0) {
        int cur, hi;
        int64_t used = 0;
        if (sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0) == SQLITE_OK) used += cur;
        if (sqlite3_db_status(s->db, SQLITE_DBSTATUS_SCHEMA_USED, &cur, &hi, 0) == SQLITE_OK) used += cur;
        if (sqlite3_db_status(s->db, SQLITE_DBSTATUS_STMT_USED, &cur, &hi, 0) == SQLITE_OK) used += cur;
        if (sqlite3_db_status(s->db, SQLITE_DBSTATUS_LOOKASIDE_USED, &cur, &hi, 0) == SQLITE_OK) used += cur;
        if (used > s->mem_limit) {
            s->nerr_stop = VOS_EMEMLIMIT;
            vk_limit_hit(s->c->p, VOS_EMEMLIMIT);
            return 1;
        }
    }
    return 0;
}

/* After a statement stopped by the progress handler: end the command quietly when the
 * process must end (the exec reports the limit), else say which limit stopped it. */
static void check_stopped(shell *s)
{
    if (!s->nerr_stop) return;
    int w = vk_dying(s->c->p);
    if (w) vl_exit(s->c, VK_WSHELL(w));
    errf(s, "sqlite3: %s\n", vl_strerror(s->nerr_stop));
    vl_exit(s->c, 1);
}

static void shell_add_schema(sqlite3_context *ctx, int n, sqlite3_value **v);

/* ---- the CLI's built-in extensions that scripts use: generate_series, REGEXP ---- */

/* generate_series(START, STOP, STEP) as the CLI's series.c (3.40): an eponymous virtual table
 * whose hidden columns start, stop and step are its arguments. */
typedef struct series_cursor {
    sqlite3_vtab_cursor base;
    sqlite3_int64 rowid, value, lo, hi, step, ostep;
    bool desc, eof;
} series_cursor;

static int series_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                          char **err)
{
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(value,start hidden,stop hidden,step hidden)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v) return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    *out = v;
    return SQLITE_OK;
}

static int series_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int series_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    series_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int series_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int series_next(sqlite3_vtab_cursor *cur)
{
    series_cursor *c = (series_cursor *)cur;
    c->rowid++;
    if (c->desc) {
        if (c->value - c->lo < c->step) c->eof = true;
        else c->value -= c->step;
    } else {
        if (c->hi - c->value < c->step) c->eof = true;
        else c->value += c->step;
    }
    return SQLITE_OK;
}

static int series_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    series_cursor *c = (series_cursor *)cur;
    sqlite3_int64 x = i == 1 ? c->lo : i == 2 ? c->hi : i == 3 ? c->ostep : c->value;
    sqlite3_result_int64(ctx, x);
    return SQLITE_OK;
}

static int series_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = ((series_cursor *)cur)->rowid;
    return SQLITE_OK;
}

static int series_eof(sqlite3_vtab_cursor *cur) { return ((series_cursor *)cur)->eof; }

static int series_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
    series_cursor *c = (series_cursor *)cur;
    int i = 0;
    c->lo = idx & 1 ? sqlite3_value_int64(argv[i++]) : 0;
    c->hi = idx & 2 ? sqlite3_value_int64(argv[i++]) : 0xffffffff;
    sqlite3_int64 step = 1;
    if (idx & 4) {
        step = sqlite3_value_int64(argv[i++]);
        if (step == 0) step = 1;
        else if (step < 0 && (idx & 16) == 0) idx |= 8;
    }
    for (i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) { /* a NULL argument: no rows */
            c->lo = 1;
            c->hi = 0;
            step = 1;
            break;
        }
    c->desc = (idx & 8) != 0;
    c->ostep = step;
    c->step = step < 0 ? (step == INT64_MIN ? INT64_MAX : -step) : step;
    c->rowid = 1;
    c->eof = c->lo > c->hi;
    if (!c->eof) {
        if (c->desc) {
            uint64_t span = (uint64_t)c->hi - (uint64_t)c->lo;
            c->value = (sqlite3_int64)((uint64_t)c->hi - span % (uint64_t)c->step);
        } else {
            c->value = c->lo;
        }
    }
    return SQLITE_OK;
}

static int series_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    int idx = 0, unusable = 0, nargs = 0, aidx[3] = {-1, -1, -1};
    bool start_seen = false;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *k = &info->aConstraint[i];
        if (k->iColumn < 1) continue;
        int col = k->iColumn - 1, mask = 1 << col;
        if (col == 0) start_seen = true;
        if (!k->usable) {
            unusable |= mask;
        } else if (k->op == SQLITE_INDEX_CONSTRAINT_EQ) {
            idx |= mask;
            aidx[col] = i;
        }
    }
    for (int i = 0; i < 3; i++)
        if (aidx[i] >= 0) {
            info->aConstraintUsage[aidx[i]].argvIndex = ++nargs;
            info->aConstraintUsage[aidx[i]].omit = 1;
        }
    if (!start_seen) {
        sqlite3_free(v->zErrMsg);
        v->zErrMsg = sqlite3_mprintf("first argument to \"generate_series()\" missing or unusable");
        return SQLITE_ERROR;
    }
    if (unusable & ~idx) return SQLITE_CONSTRAINT;
    if ((idx & 3) == 3) {
        info->estimatedCost = (double)(2 - ((idx & 4) != 0));
        info->estimatedRows = 1000;
        if (info->nOrderBy >= 1 && info->aOrderBy[0].iColumn == 0) {
            idx |= info->aOrderBy[0].desc ? 8 : 16;
            info->orderByConsumed = 1;
        }
    } else {
        info->estimatedRows = 2147483647;
    }
    info->idxNum = idx;
    return SQLITE_OK;
}

static sqlite3_module series_module = {
    0, NULL, series_connect, series_best_index, series_disconnect, NULL, series_open, series_close,
    series_filter, series_next, series_eof, series_column, series_rowid,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* X REGEXP Y is regexp(Y, X): Perl-style patterns (the CLI's own engine takes a subset of
 * them), compiled once per statement. */
static void regexp_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    shell *s = sqlite3_user_data(ctx);
    vl_re *re = sqlite3_get_auxdata(ctx, 0);
    const char *str = (const char *)sqlite3_value_text(argv[1]);
    if (!re) {
        const char *pat = (const char *)sqlite3_value_text(argv[0]);
        if (!pat) return;
        vl_re_diag diag = {{0}, NULL, NULL};
        int rc = vl_re_compile(s->c->p, pat, strlen(pat), VL_RE_PCRE, 0, &re, &diag);
        if (rc != 0) {
            sqlite3_result_error(ctx, rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG ? diag.msg : vl_strerror(rc), -1);
            return;
        }
        sqlite3_set_auxdata(ctx, 0, re, (void (*)(void *))vl_re_free);
        re = sqlite3_get_auxdata(ctx, 0);
        if (!re) return;
    }
    if (!str) return;
    int rc = vl_re_search(re, str, (size_t)sqlite3_value_bytes(argv[1]), 0, VL_RE_ANY, NULL, 0);
    if (rc < 0) {
        sqlite3_result_error(ctx, rc == VL_RE_ECOMPLEX ? vl_re_limit_msg(re) : vl_strerror(rc), -1);
        return;
    }
    sqlite3_result_int(ctx, rc == 1);
}

static void regexpi_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sqlite3_value *args[2] = {argv[0], argv[1]};
    /* the case-insensitive form: compile with VL_RE_ICASE */
    shell *s = sqlite3_user_data(ctx);
    vl_re *re = sqlite3_get_auxdata(ctx, 0);
    if (!re) {
        const char *pat = (const char *)sqlite3_value_text(argv[0]);
        if (!pat) return;
        vl_re_diag diag = {{0}, NULL, NULL};
        int rc = vl_re_compile(s->c->p, pat, strlen(pat), VL_RE_PCRE, VL_RE_ICASE, &re, &diag);
        if (rc != 0) {
            sqlite3_result_error(ctx, rc == VL_RE_ESYNTAX || rc == VL_RE_ETOOBIG ? diag.msg : vl_strerror(rc), -1);
            return;
        }
        sqlite3_set_auxdata(ctx, 0, re, (void (*)(void *))vl_re_free);
    }
    regexp_func(ctx, 2, args);
}

/* The host's libsqlite3 takes "file:" URIs everywhere (built with SQLITE_USE_URI), and a URI
 * may name another VFS ("file:/etc/x?vfs=unix"): the host's own files. A name that is a URI
 * mentioning "vfs" (after the %-decoding SQLite does) is refused, for the main database and
 * for ATTACH / VACUUM INTO; an ATTACH whose file name is not a plain string is refused too. */
static bool names_other_vfs(const char *z)
{
    if (strncmp(z, "file:", 5) != 0) return false;
    size_t n = strlen(z);
    char *d = sqlite3_malloc64(n + 1);
    if (!d) return true;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)z[i];
        if (ch == '%' && i + 2 < n) {
            int hi = z[i + 1], lo = z[i + 2];
            int h = hi >= '0' && hi <= '9' ? hi - '0' : (hi | 32) >= 'a' && (hi | 32) <= 'f' ? (hi | 32) - 'a' + 10 : -1;
            int l = lo >= '0' && lo <= '9' ? lo - '0' : (lo | 32) >= 'a' && (lo | 32) <= 'f' ? (lo | 32) - 'a' + 10 : -1;
            if (h >= 0 && l >= 0) {
                ch = (unsigned char)(h * 16 + l);
                i += 2;
            }
        }
        d[j++] = (char)ch;
    }
    d[j] = 0;
    bool bad = strstr(d, "vfs") != NULL;
    sqlite3_free(d);
    return bad;
}

static int authorizer(void *arg, int action, const char *a1, const char *a2, const char *a3, const char *a4)
{
    if (action == SQLITE_ATTACH && (!a1 || names_other_vfs(a1))) return SQLITE_DENY;
    /* Setting these is ignored: sorter threads would call the VFS (the VM's memory) off the
     * process's thread; the others are global to the host process (every VM, the host's own
     * use of SQLite). */
    static const char *const ignored[] = {"threads", "hard_heap_limit", "soft_heap_limit",
                                          "temp_store_directory", "data_store_directory", NULL};
    if (action == SQLITE_PRAGMA && a1 && a2)
        for (const char *const *q = ignored; *q; q++)
            if (sqlite3_stricmp(a1, *q) == 0) return SQLITE_IGNORE;
    return SQLITE_OK;
}

static int open_db(shell *s)
{
    if (s->opened) return s->db ? 0 : 1;
    s->opened = true;
    if (!s->vfs) {
        s->vfs = vl_sqlite_vfs_new(s->c->p);
        if (!s->vfs) vl_die(s->c, 1, "memory exhausted");
        vl_defer(s->c, shell_cleanup, s);
    }
    const char *name = s->dbname ? s->dbname : ":memory:";
    int flags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = names_other_vfs(name) ? SQLITE_CANTOPEN
                                   : sqlite3_open_v2(name, &s->db, flags, vl_sqlite_vfs_name(s->vfs));
    if (rc == SQLITE_OK) {
        /* whatever the name said, the main database must be on the VM's VFS */
        sqlite3_vfs *used = NULL;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_VFS_POINTER, &used);
        if (!used || strcmp(used->zName, vl_sqlite_vfs_name(s->vfs)) != 0) rc = SQLITE_CANTOPEN;
    }
    if (rc != SQLITE_OK) {
        errf(s, "Error: unable to open database \"%s\": %s\n", name,
             s->db && sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db) : sqlite3_errstr(SQLITE_CANTOPEN));
        sqlite3_close(s->db);
        s->db = NULL;
        if (s->keepalive) { /* as the CLI after a failed .open: carry on in memory */
            s->dbname = NULL;
            s->readonly = false;
            s->opened = false;
            s->keepalive = false;
            return open_db(s);
        }
        vl_exit(s->c, 1);
    }
    sqlite3_progress_handler(s->db, 1000, progress, s);
    sqlite3_set_authorizer(s->db, authorizer, s);
    /* the two-argument fts3_tokenizer() takes a raw C pointer (Debian's build enables it) */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, (int *)0);
    sqlite3_limit(s->db, SQLITE_LIMIT_WORKER_THREADS, 0);
    sqlite3_create_function(s->db, "shell_add_schema", 3, SQLITE_UTF8, s, shell_add_schema, 0, 0);
    sqlite3_create_module(s->db, "generate_series", &series_module, 0);
    sqlite3_create_function(s->db, "regexp", 2, SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, s,
                            regexp_func, 0, 0);
    sqlite3_create_function(s->db, "regexpi", 2, SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, s,
                            regexpi_func, 0, 0);
    const vos_limits *lim = vk_limits(s->c->p);
    s->mem_limit = lim && lim->mem_bytes && lim->mem_bytes != (uint64_t)-1 ? (int64_t)lim->mem_bytes : 0;
    /* one string or blob may not be bigger than the VM's memory: SQLite allocates it from the
     * host's heap in one piece, between two progress checks */
    if (s->mem_limit > 0 && s->mem_limit < 1000000000) sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, (int)s->mem_limit);
    return 0;
}

/* ---- quoting helpers (the CLI's) ---- */

static bool is_number(const char *z)
{
    if (*z == '-' || *z == '+') z++;
    if (!(*z >= '0' && *z <= '9')) return false;
    while (*z >= '0' && *z <= '9') z++;
    if (*z == '.') {
        z++;
        if (!(*z >= '0' && *z <= '9')) return false;
        while (*z >= '0' && *z <= '9') z++;
    }
    if (*z == 'e' || *z == 'E') {
        z++;
        if (*z == '+' || *z == '-') z++;
        if (!(*z >= '0' && *z <= '9')) return false;
        while (*z >= '0' && *z <= '9') z++;
    }
    return *z == 0;
}

static bool is_alpha_(int ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; }
static bool is_alnum_(int ch) { return is_alpha_(ch) || (ch >= '0' && ch <= '9'); }

/* '"' when an identifier needs quoting (not a plain name, or a keyword), else 0 */
static char quote_char(const char *z)
{
    if (!is_alpha_((unsigned char)z[0])) return '"';
    int i;
    for (i = 0; z[i]; i++)
        if (!is_alnum_((unsigned char)z[i])) return '"';
    return sqlite3_keyword_check(z, i) ? '"' : 0;
}

static void output_quoted_string(shell *s, const char *z)
{
    outc(s, '\'');
    for (; *z; z++) {
        if (*z == '\'') outc(s, '\'');
        outc(s, *z);
    }
    outc(s, '\'');
}

static const char *unused_string(const char *z, const char *a, const char *b, char *buf)
{
    if (!strstr(z, a)) return a;
    if (!strstr(z, b)) return b;
    for (unsigned i = 0;; i++) {
        sqlite3_snprintf(20, buf, "(%s%u)", a, i);
        if (!strstr(z, buf)) return buf;
    }
}

static void output_quoted_escaped_string(shell *s, const char *z)
{
    if (!strpbrk(z, "\n\r")) {
        output_quoted_string(s, z);
        return;
    }
    int nnl = 0, ncr = 0;
    for (const char *q = z; *q; q++) {
        if (*q == '\n') nnl++;
        if (*q == '\r') ncr++;
    }
    char b1[20], b2[20];
    const char *znl = NULL, *zcr = NULL;
    if (nnl) {
        outs(s, "replace(");
        znl = unused_string(z, "\\n", "\\012", b1);
    }
    if (ncr) {
        outs(s, "replace(");
        zcr = unused_string(z, "\\r", "\\015", b2);
    }
    outc(s, '\'');
    for (; *z; z++) {
        if (*z == '\'') outs(s, "''");
        else if (*z == '\n') outs(s, znl);
        else if (*z == '\r') outs(s, zcr);
        else outc(s, *z);
    }
    outc(s, '\'');
    if (ncr) outf(s, ",'%s',char(13))", zcr);
    if (nnl) outf(s, ",'%s',char(10))", znl);
}

static void output_hex_blob(shell *s, const unsigned char *b, int n)
{
    static const char hex[] = "0123456789abcdef";
    outs(s, "X'");
    for (int i = 0; i < n; i++) {
        outc(s, hex[b[i] >> 4]);
        outc(s, hex[b[i] & 15]);
    }
    outc(s, '\'');
}

static void output_json_string(shell *s, const char *z, int64_t n)
{
    if (n < 0) n = (int64_t)strlen(z);
    outc(s, '"');
    for (int64_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)z[i];
        if (ch == '\\' || ch == '"') {
            outc(s, '\\');
            outc(s, (char)ch);
        } else if (ch <= 0x1f) {
            outc(s, '\\');
            if (ch == '\b') outc(s, 'b');
            else if (ch == '\f') outc(s, 'f');
            else if (ch == '\n') outc(s, 'n');
            else if (ch == '\r') outc(s, 'r');
            else if (ch == '\t') outc(s, 't');
            else outf(s, "u%04x", ch);
        } else {
            outc(s, (char)ch);
        }
    }
    outc(s, '"');
}

static void output_html_string(shell *s, const char *z)
{
    for (; *z; z++) {
        switch (*z) {
        case '<': outs(s, "&lt;"); break;
        case '&': outs(s, "&amp;"); break;
        case '>': outs(s, "&gt;"); break;
        case '"': outs(s, "&quot;"); break;
        case '\'': outs(s, "&#39;"); break;
        default: outc(s, *z);
        }
    }
}

static void output_csv(shell *s, const char *z, bool sep)
{
    if (!z) {
        outs(s, s->nullvalue);
    } else {
        bool q = z[0] == 0;
        for (const unsigned char *u = (const unsigned char *)z; *u && !q; u++)
            if (*u < 0x20 || *u == ' ' || *u == '"' || *u == '\'' || *u >= 0x7f) q = true;
        if (q || (s->colsep[0] && strstr(z, s->colsep))) {
            outc(s, '"');
            for (; *z; z++) {
                if (*z == '"') outc(s, '"');
                outc(s, *z);
            }
            outc(s, '"');
        } else {
            outs(s, z);
        }
    }
    if (sep) outs(s, s->colsep);
}

static void output_tcl_string(shell *s, const char *z)
{
    outc(s, '"');
    for (; *z; z++) {
        unsigned char ch = (unsigned char)*z;
        if (ch == '\\') outs(s, "\\\\");
        else if (ch == '"') outs(s, "\\\"");
        else if (ch == '\t') outs(s, "\\t");
        else if (ch == '\n') outs(s, "\\n");
        else if (ch == '\r') outs(s, "\\r");
        else if (ch < 0x20 || ch == 0x7f) outf(s, "\\%03o", ch);
        else outc(s, (char)ch);
    }
    outc(s, '"');
}

static void output_real(shell *s, double r, bool insert)
{
    uint64_t ur;
    memcpy(&ur, &r, sizeof r);
    char z[50];
    if (ur == 0x7ff0000000000000ULL) {
        outs(s, "1e999");
        return;
    }
    if (ur == 0xfff0000000000000ULL) {
        outs(s, "-1e999");
        return;
    }
    sqlite3_int64 ir = (sqlite3_int64)r;
    if (insert && r == (double)ir) sqlite3_snprintf(50, z, "%lld.0", ir);
    else sqlite3_snprintf(50, z, "%!.20g", r);
    outs(s, z);
}

static void width_print(shell *s, int w, const char *z);
static int strlen_char(const char *z);
static void print_dashes(shell *s, int n);

/* ---- row output: the row modes ---- */

static void print_row(shell *s, int n, char **val, char **col, int *type)
{
    int i;
    switch (s->cmode) {
    case MODE_LINE: {
        int w = 5;
        for (i = 0; i < n; i++) {
            int len = (int)strlen(col[i] ? col[i] : "");
            if (len > w) w = len;
        }
        if (s->cnt++ > 0) outs(s, s->rowsep);
        for (i = 0; i < n; i++)
            outf(s, "%*s = %s%s", w, col[i], val[i] ? val[i] : s->nullvalue, s->rowsep);
        break;
    }
    case MODE_EXPLAIN: {
        static const int ew[] = {4, 13, 4, 4, 4, 13, 2, 13};
        int nw = 8;
        if (n > nw) n = nw;
        if (s->cnt++ == 0) {
            for (i = 0; i < n; i++) {
                width_print(s, ew[i], col[i]);
                outs(s, i == n - 1 ? "\n" : "  ");
            }
            for (i = 0; i < n; i++) {
                print_dashes(s, ew[i]);
                outs(s, i == n - 1 ? "\n" : "  ");
            }
        }
        for (i = 0; i < n; i++) {
            const char *sep = "  ";
            int w = ew[i];
            if (i == n - 1) w = 0;
            if (val[i] && strlen_char(val[i]) > w) w = strlen_char(val[i]);
            if (i == 1 && s->indent) {
                if (s->iindent < s->nindent) pad(s, s->indent[s->iindent]);
                s->iindent++;
            }
            width_print(s, w, val[i] ? val[i] : s->nullvalue);
            outs(s, i == n - 1 ? "\n" : sep);
        }
        break;
    }
    case MODE_LIST:
        if (s->cnt++ == 0 && s->header)
            for (i = 0; i < n; i++) {
                outs(s, col[i]);
                outs(s, i == n - 1 ? s->rowsep : s->colsep);
            }
        for (i = 0; i < n; i++) {
            outs(s, val[i] ? val[i] : s->nullvalue);
            outs(s, i < n - 1 ? s->colsep : s->rowsep);
        }
        break;
    case MODE_SEMI:
        break;
    case MODE_HTML:
        if (s->cnt++ == 0 && s->header) {
            outs(s, "<TR>");
            for (i = 0; i < n; i++) {
                outs(s, "<TH>");
                output_html_string(s, col[i]);
                outs(s, "</TH>\n");
            }
            outs(s, "</TR>\n");
        }
        outs(s, "<TR>");
        for (i = 0; i < n; i++) {
            outs(s, "<TD>");
            output_html_string(s, val[i] ? val[i] : s->nullvalue);
            outs(s, "</TD>\n");
        }
        outs(s, "</TR>\n");
        break;
    case MODE_TCL:
        if (s->cnt++ == 0 && s->header) {
            for (i = 0; i < n; i++) {
                output_tcl_string(s, col[i] ? col[i] : "");
                if (i < n - 1) outs(s, s->colsep);
            }
            outs(s, s->rowsep);
        }
        for (i = 0; i < n; i++) {
            output_tcl_string(s, val[i] ? val[i] : s->nullvalue);
            if (i < n - 1) outs(s, s->colsep);
        }
        outs(s, s->rowsep);
        break;
    case MODE_CSV:
        if (s->cnt++ == 0 && s->header) {
            for (i = 0; i < n; i++) output_csv(s, col[i] ? col[i] : "", i < n - 1);
            outs(s, s->rowsep);
        }
        if (n > 0) {
            for (i = 0; i < n; i++) output_csv(s, val[i], i < n - 1);
            outs(s, s->rowsep);
        }
        break;
    case MODE_INSERT:
        outf(s, "INSERT INTO %s", s->dest_table);
        if (s->header) {
            outc(s, '(');
            for (i = 0; i < n; i++) {
                if (i > 0) outc(s, ',');
                if (quote_char(col[i])) outf(s, "\"%w\"", col[i]);
                else outs(s, col[i]);
            }
            outc(s, ')');
        }
        s->cnt++;
        for (i = 0; i < n; i++) {
            outs(s, i > 0 ? "," : " VALUES(");
            if (!val[i] || type[i] == SQLITE_NULL) outs(s, "NULL");
            else if (type[i] == SQLITE_TEXT && s->newlines) output_quoted_string(s, val[i]);
            else if (type[i] == SQLITE_TEXT) output_quoted_escaped_string(s, val[i]);
            else if (type[i] == SQLITE_INTEGER) outs(s, val[i]);
            else if (type[i] == SQLITE_FLOAT) output_real(s, sqlite3_column_double(s->stmt, i), true);
            else if (type[i] == SQLITE_BLOB)
                output_hex_blob(s, sqlite3_column_blob(s->stmt, i), sqlite3_column_bytes(s->stmt, i));
            else if (is_number(val[i])) outs(s, val[i]);
            else if (s->newlines) output_quoted_string(s, val[i]);
            else output_quoted_escaped_string(s, val[i]);
        }
        outs(s, ");\n");
        break;
    case MODE_JSON:
        outs(s, s->cnt == 0 ? "[{" : ",\n{");
        s->cnt++;
        for (i = 0; i < n; i++) {
            output_json_string(s, col[i], -1);
            outc(s, ':');
            if (!val[i] || type[i] == SQLITE_NULL) outs(s, "null");
            else if (type[i] == SQLITE_FLOAT) output_real(s, sqlite3_column_double(s->stmt, i), false);
            else if (type[i] == SQLITE_BLOB)
                output_json_string(s, sqlite3_column_blob(s->stmt, i), sqlite3_column_bytes(s->stmt, i));
            else if (type[i] == SQLITE_TEXT) output_json_string(s, val[i], -1);
            else outs(s, val[i]);
            if (i < n - 1) outc(s, ',');
        }
        outc(s, '}');
        break;
    case MODE_QUOTE:
        if (s->cnt == 0 && s->header) {
            for (i = 0; i < n; i++) {
                if (i > 0) outs(s, s->colsep);
                output_quoted_string(s, col[i]);
            }
            outs(s, s->rowsep);
        }
        s->cnt++;
        for (i = 0; i < n; i++) {
            if (i > 0) outs(s, s->colsep);
            if (!val[i] || type[i] == SQLITE_NULL) outs(s, "NULL");
            else if (type[i] == SQLITE_TEXT) output_quoted_string(s, val[i]);
            else if (type[i] == SQLITE_INTEGER) outs(s, val[i]);
            else if (type[i] == SQLITE_FLOAT) {
                char z[50];
                sqlite3_snprintf(50, z, "%!.20g", sqlite3_column_double(s->stmt, i));
                outs(s, z);
            } else if (type[i] == SQLITE_BLOB)
                output_hex_blob(s, sqlite3_column_blob(s->stmt, i), sqlite3_column_bytes(s->stmt, i));
            else if (is_number(val[i])) outs(s, val[i]);
            else output_quoted_string(s, val[i]);
        }
        outs(s, s->rowsep);
        break;
    case MODE_ASCII:
        if (s->cnt++ == 0 && s->header) {
            for (i = 0; i < n; i++) {
                if (i > 0) outs(s, s->colsep);
                outs(s, col[i] ? col[i] : "");
            }
            outs(s, s->rowsep);
        }
        for (i = 0; i < n; i++) {
            if (i > 0) outs(s, s->colsep);
            outs(s, val[i] ? val[i] : s->nullvalue);
        }
        outs(s, s->rowsep);
        break;
    case MODE_COUNT:
    case MODE_OFF:
        break;
    }
}

/* ---- the column modes (column, table, box, markdown): all rows first, then widths ---- */

static int strlen_char(const char *z)
{
    int n = 0;
    for (; *z; z++)
        if ((*z & 0xc0) != 0x80) n++;
    return n;
}

static void width_print(shell *s, int w, const char *z)
{
    int aw = w < 0 ? -w : w;
    int i, n;
    if (!z) z = "";
    for (i = n = 0; z[i]; i++) {
        if ((z[i] & 0xc0) != 0x80) {
            n++;
            if (n == aw) {
                do i++;
                while ((z[i] & 0xc0) == 0x80);
                break;
            }
        }
    }
    if (n >= aw) {
        outn(s, z, (size_t)i);
    } else if (w < 0) {
        pad(s, aw - n);
        outs(s, z);
    } else {
        outs(s, z);
        pad(s, aw - n);
    }
}

/* The CLI's translateForDisplayAndDup: one display line of z (tabs expanded, at most mx
 * characters, 0: no limit); *tail gets the rest for the next line, or NULL. */
static char *display_line(shell *s, const unsigned char *z, const unsigned char **tail, int mx, bool ww)
{
    int i, j, k, n;
    if (!z) {
        *tail = NULL;
        return NULL;
    }
    if (mx < 0) mx = -mx;
    if (mx == 0) mx = 1000000;
    i = j = n = 0;
    while (n < mx) {
        if (z[i] >= ' ') {
            n++;
            do {
                i++;
                j++;
            } while ((z[i] & 0xc0) == 0x80);
            continue;
        }
        if (z[i] == '\t') {
            do {
                n++;
                j++;
            } while ((n & 7) != 0 && n < mx);
            i++;
            continue;
        }
        break;
    }
    if (n >= mx && ww) {
        for (k = i; k > i / 2; k--)
            if (z[k - 1] == ' ' || (z[k - 1] >= '\t' && z[k - 1] <= '\r')) break;
        if (k <= i / 2)
            for (k = i; k > i / 2; k--)
                if (is_alnum_(z[k - 1]) != is_alnum_(z[k]) && (z[k] & 0xc0) != 0x80) break;
        if (k <= i / 2) {
            k = i;
        } else {
            i = k;
            while (z[i] == ' ') i++;
        }
    } else {
        k = i;
    }
    if (n >= mx && z[i] >= ' ') *tail = &z[i];
    else if (z[i] == '\r' && z[i + 1] == '\n') *tail = z[i + 2] ? &z[i + 2] : NULL;
    else if (z[i] == 0 || z[i + 1] == 0) *tail = NULL;
    else *tail = &z[i + 1];
    char *out = vl_xmalloc(s->c, (size_t)j + 1);
    i = j = n = 0;
    while (i < k) {
        if (z[i] >= ' ') {
            n++;
            do out[j++] = (char)z[i++];
            while ((z[i] & 0xc0) == 0x80);
            continue;
        }
        if (z[i] == '\t') {
            do {
                n++;
                out[j++] = ' ';
            } while ((n & 7) != 0 && n < mx);
            i++;
            continue;
        }
        break;
    }
    out[j] = 0;
    return out;
}

static void print_dashes(shell *s, int n)
{
    for (int i = 0; i < n; i++) outc(s, '-');
}

static void row_separator(shell *s, int n, const char *sep)
{
    if (n > 0) {
        outs(s, sep);
        print_dashes(s, s->actual[0] + 2);
        for (int i = 1; i < n; i++) {
            outs(s, sep);
            print_dashes(s, s->actual[i] + 2);
        }
        outs(s, sep);
    }
    outc(s, '\n');
}

static void box_line(shell *s, int n)
{
    for (int i = 0; i < n; i++) outs(s, BOX_24);
}

static void box_separator(shell *s, int n, const char *a, const char *b, const char *c)
{
    if (n > 0) {
        outs(s, a);
        box_line(s, s->actual[0] + 2);
        for (int i = 1; i < n; i++) {
            outs(s, b);
            box_line(s, s->actual[i] + 2);
        }
        outs(s, c);
    }
    outc(s, '\n');
}

static char *quoted_column(shell *s, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return vl_xstrdup(s->c, "NULL");
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return vl_xstrdup(s->c, (const char *)sqlite3_column_text(st, i));
    case SQLITE_TEXT: {
        char *z = sqlite3_mprintf("%Q", sqlite3_column_text(st, i));
        char *r = vl_xstrdup(s->c, z ? z : "");
        sqlite3_free(z);
        return r;
    }
    default: {
        const unsigned char *b = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        char *r = vl_xmalloc(s->c, (size_t)n * 2 + 4);
        static const char hex[] = "0123456789abcdef";
        int j = 0;
        r[j++] = 'x';
        r[j++] = '\'';
        for (int k = 0; k < n; k++) {
            r[j++] = hex[b[k] >> 4];
            r[j++] = hex[b[k] & 15];
        }
        r[j++] = '\'';
        r[j] = 0;
        return r;
    }
    }
}

static void ensure_widths(shell *s, int n)
{
    if (n <= s->nwidth && s->actual) return;
    int old = s->nwidth;
    int nw = n > old ? n : old;
    int *w = vl_xcalloc(s->c, (size_t)nw * 2 + 2, sizeof(int));
    for (int i = 0; i < old; i++) w[i] = s->colwidth[i];
    if (s->colwidth) vl_xfree(s->c, s->colwidth);
    s->colwidth = w;
    s->nwidth = nw;
    s->actual = w + nw;
}

static int step_stmt(shell *s, sqlite3_stmt *st);
static void bind_params(shell *s, sqlite3_stmt *st);

static int exec_columnar(shell *s, sqlite3_stmt *st)
{
    int rc = step_stmt(s, st);
    if (rc != SQLITE_ROW) return rc;
    int ncol = sqlite3_column_count(st);
    size_t nalloc = (size_t)ncol * 4 + 4, nrow = 0;
    char **data = vl_xmalloc(s->c, nalloc * sizeof *data);
    bool *rowdiv = vl_xmalloc(s->c, nalloc * sizeof *rowdiv);
    const unsigned char **next = vl_xcalloc(s->c, (size_t)ncol + 1, sizeof *next);
    char **quoted = vl_xcalloc(s->c, (size_t)ncol + 1, sizeof *quoted);
    bool nextline = false, multiline = false;
    ensure_widths(s, ncol);
    for (int i = 0; i < ncol; i++) s->actual[i] = s->colwidth[i] < 0 ? -s->colwidth[i] : s->colwidth[i];
    for (int i = 0; i < ncol; i++) {
        const unsigned char *unused;
        int wx = s->colwidth[i] ? s->colwidth[i] : s->wrap;
        data[i] = display_line(s, (const unsigned char *)sqlite3_column_name(st, i), &unused, wx, s->wordwrap);
    }
    do {
        bool usenext = nextline;
        nextline = false;
        if ((nrow + 2) * (size_t)ncol >= nalloc) {
            nalloc *= 2;
            data = vl_xrealloc(s->c, data, nalloc * sizeof *data);
            rowdiv = vl_xrealloc(s->c, rowdiv, nalloc * sizeof *rowdiv);
        }
        rowdiv[nrow] = true;
        nrow++;
        for (int i = 0; i < ncol; i++) {
            int wx = s->colwidth[i] ? s->colwidth[i] : s->wrap;
            const unsigned char *u;
            if (usenext) {
                u = next[i];
                if (!u) u = (const unsigned char *)"";
            } else if (s->quote_cols) {
                if (quoted[i]) vl_xfree(s->c, quoted[i]);
                quoted[i] = quoted_column(s, st, i);
                u = (const unsigned char *)quoted[i];
            } else {
                u = sqlite3_column_text(st, i);
                if (!u) u = (const unsigned char *)s->nullvalue;
            }
            data[nrow * (size_t)ncol + (size_t)i] = display_line(s, u, &next[i], wx, s->wordwrap);
            if (next[i]) {
                nextline = true;
                rowdiv[nrow - 1] = false;
                multiline = true;
            }
        }
        if (!nextline) {
            rc = step_stmt(s, st);
            if (rc != SQLITE_ROW) break;
        }
    } while (1);
    size_t total = (size_t)ncol * (nrow + 1);
    for (size_t i = 0; i < total; i++) {
        const char *z = data[i] ? data[i] : "";
        int n = strlen_char(z);
        int j = (int)(i % (size_t)ncol);
        if (n > s->actual[j]) s->actual[j] = n;
    }
    const char *colsep = "  ", *rowsep = "\n";
    int w, n;
    if (ncol == 0) return rc;
    switch (s->cmode) {
    case MODE_COLUMN:
        if (s->header) {
            for (int i = 0; i < ncol; i++) {
                w = s->actual[i];
                if (s->colwidth[i] < 0) w = -w;
                width_print(s, w, data[i]);
                outs(s, i == ncol - 1 ? "\n" : "  ");
            }
            for (int i = 0; i < ncol; i++) {
                print_dashes(s, s->actual[i]);
                outs(s, i == ncol - 1 ? "\n" : "  ");
            }
        }
        break;
    case MODE_TABLE:
        colsep = " | ";
        rowsep = " |\n";
        row_separator(s, ncol, "+");
        outs(s, "| ");
        for (int i = 0; i < ncol; i++) {
            w = s->actual[i];
            n = strlen_char(data[i]);
            pad(s, (w - n) / 2);
            outs(s, data[i]);
            pad(s, (w - n + 1) / 2);
            outs(s, i == ncol - 1 ? " |\n" : " | ");
        }
        row_separator(s, ncol, "+");
        break;
    case MODE_MARKDOWN:
        colsep = " | ";
        rowsep = " |\n";
        outs(s, "| ");
        for (int i = 0; i < ncol; i++) {
            w = s->actual[i];
            n = strlen_char(data[i]);
            pad(s, (w - n) / 2);
            outs(s, data[i]);
            pad(s, (w - n + 1) / 2);
            outs(s, i == ncol - 1 ? " |\n" : " | ");
        }
        row_separator(s, ncol, "|");
        break;
    case MODE_BOX:
        colsep = " " BOX_13 " ";
        rowsep = " " BOX_13 "\n";
        box_separator(s, ncol, BOX_23, BOX_234, BOX_34);
        outs(s, BOX_13 " ");
        for (int i = 0; i < ncol; i++) {
            w = s->actual[i];
            n = strlen_char(data[i]);
            pad(s, (w - n) / 2);
            outs(s, data[i]);
            pad(s, (w - n + 1) / 2);
            outs(s, i == ncol - 1 ? " " BOX_13 "\n" : " " BOX_13 " ");
        }
        box_separator(s, ncol, BOX_123, BOX_1234, BOX_134);
        break;
    }
    for (size_t i = (size_t)ncol, j = 0; i < total; i++, j++) {
        if (j == 0 && s->cmode != MODE_COLUMN) outs(s, s->cmode == MODE_BOX ? BOX_13 " " : "| ");
        const char *z = data[i] ? data[i] : s->nullvalue;
        w = s->actual[j];
        if (s->colwidth[j] < 0) w = -w;
        width_print(s, w, z);
        if (j == (size_t)ncol - 1) {
            outs(s, rowsep);
            if (multiline && rowdiv[i / (size_t)ncol - 1] && i + 1 < total) {
                if (s->cmode == MODE_TABLE) row_separator(s, ncol, "+");
                else if (s->cmode == MODE_BOX) box_separator(s, ncol, BOX_123, BOX_1234, BOX_134);
                else if (s->cmode == MODE_COLUMN) outc(s, '\n');
            }
            j = (size_t)-1;
        } else {
            outs(s, colsep);
        }
    }
    if (s->cmode == MODE_TABLE) row_separator(s, ncol, "+");
    else if (s->cmode == MODE_BOX) box_separator(s, ncol, BOX_12, BOX_124, BOX_14);
    for (size_t i = 0; i < total; i++)
        if (data[i]) vl_xfree(s->c, data[i]);
    vl_xfree(s->c, data);
    vl_xfree(s->c, rowdiv);
    vl_xfree(s->c, next);
    for (int i = 0; i < ncol; i++)
        if (quoted[i]) vl_xfree(s->c, quoted[i]);
    vl_xfree(s->c, quoted);
    return rc;
}

/* ---- EXPLAIN QUERY PLAN as a tree ---- */

typedef struct eqp_row {
    int id, parent;
    char *text;
} eqp_row;

static void eqp_render_level(shell *s, eqp_row *rows, int n, int parent, vl_buf *prefix)
{
    for (int i = 0; i < n; i++) {
        if (rows[i].parent != parent) continue;
        bool last = true;
        for (int j = i + 1; j < n; j++)
            if (rows[j].parent == parent) last = false;
        outn(s, prefix->data ? prefix->data : "", prefix->len);
        outs(s, last ? "`--" : "|--");
        outs(s, rows[i].text);
        outc(s, '\n');
        size_t keep = prefix->len;
        vl_buf_adds(s->c, prefix, last ? "   " : "|  ");
        eqp_render_level(s, rows, n, rows[i].id, prefix);
        prefix->len = keep;
    }
}

static int exec_eqp(shell *s, sqlite3_stmt *st)
{
    eqp_row *rows = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = step_stmt(s, st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = vl_xrealloc(s->c, rows, (size_t)cap * sizeof *rows);
        }
        rows[n].id = sqlite3_column_int(st, 0);
        rows[n].parent = sqlite3_column_int(st, 1);
        const char *t = (const char *)sqlite3_column_text(st, 3);
        rows[n].text = vl_xstrdup(s->c, t ? t : "");
        n++;
    }
    if (n) {
        outs(s, "QUERY PLAN\n");
        vl_buf prefix = {0};
        eqp_render_level(s, rows, n, 0, &prefix);
        vl_buf_free(s->c, &prefix);
    }
    for (int i = 0; i < n; i++) vl_xfree(s->c, rows[i].text);
    if (rows) vl_xfree(s->c, rows);
    return rc;
}

/* ---- running statements ---- */

static int step_stmt(shell *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    check_stopped(s);
    return rc;
}

static bool in_list(const char *z, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(z, *list) == 0) return true;
    return false;
}

/* The CLI's explain_data_prepare: indent the bodies of loops in an EXPLAIN listing. */
static void explain_prepare(shell *s, sqlite3_stmt *st)
{
    static const char *const next[] = {"Next", "Prev", "VPrev", "VNext", "SorterNext", NULL};
    static const char *const yield[] = {"Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind", NULL};
    static const char *const go[] = {"Goto", NULL};
    const char *sql = sqlite3_sql(st);
    if (sqlite3_column_count(st) != 8 || !sql || sqlite3_strnicmp(sql, "explain", 7) != 0) return;
    int cap = 0;
    bool *isyield = NULL;
    for (int op = 0; step_stmt(s, st) == SQLITE_ROW; op++) {
        int addr = sqlite3_column_int(st, 0);
        const char *zop = (const char *)sqlite3_column_text(st, 1);
        int p2 = sqlite3_column_int(st, 3);
        int p2op = p2 + (op - addr);
        if (op >= cap) {
            cap = cap ? cap * 2 : 64;
            s->indent = vl_xrealloc(s->c, s->indent, (size_t)cap * sizeof *s->indent);
            isyield = vl_xrealloc(s->c, isyield, (size_t)cap * sizeof *isyield);
        }
        isyield[op] = zop && in_list(zop, yield);
        s->indent[op] = 0;
        s->nindent = op + 1;
        if (zop && in_list(zop, next) && p2op > 0)
            for (int i = p2op; i < op; i++) s->indent[i] += 2;
        if (zop && in_list(zop, go) && p2op < s->nindent && p2op >= 0 && (isyield[p2op] || sqlite3_column_int(st, 2)))
            for (int i = p2op; i < op; i++) s->indent[i] += 2;
    }
    s->iindent = 0;
    if (isyield) vl_xfree(s->c, isyield);
    sqlite3_reset(st);
}

static int exec_stmt(shell *s, sqlite3_stmt *st)
{
    if (s->cmode == MODE_COLUMN || s->cmode == MODE_TABLE || s->cmode == MODE_BOX ||
        s->cmode == MODE_MARKDOWN)
        return exec_columnar(s, st);
    if (s->cmode == MODE_EQP) return exec_eqp(s, st);
    int rc = step_stmt(s, st);
    if (rc != SQLITE_ROW) return rc;
    int n = sqlite3_column_count(st);
    char **val = vl_xcalloc(s->c, (size_t)n + 1, sizeof *val);
    char **col = vl_xcalloc(s->c, (size_t)n + 1, sizeof *col);
    int *type = vl_xcalloc(s->c, (size_t)n + 1, sizeof *type);
    for (int i = 0; i < n; i++) col[i] = (char *)sqlite3_column_name(st, i);
    int64_t nrows = 0;
    do {
        for (int i = 0; i < n; i++) {
            type[i] = sqlite3_column_type(st, i);
            if (type[i] == SQLITE_BLOB && (s->cmode == MODE_INSERT || s->cmode == MODE_QUOTE))
                val[i] = "";
            else
                val[i] = (char *)sqlite3_column_text(st, i);
        }
        nrows++;
        print_row(s, n, val, col, type);
        rc = step_stmt(s, st);
    } while (rc == SQLITE_ROW);
    if (s->cmode == MODE_JSON) outs(s, "]\n");
    else if (s->cmode == MODE_COUNT) outf(s, "%lld row%s\n", (long long)nrows, nrows != 1 ? "s" : "");
    vl_xfree(s->c, val);
    vl_xfree(s->c, col);
    vl_xfree(s->c, type);
    return rc;
}

/* The CLI's shell_error_context: the statement around the error offset with a marker. */
static char *error_context(const char *sql, sqlite3 *db)
{
    int off;
    if (!db || !sql || (off = sqlite3_error_offset(db)) < 0) return sqlite3_mprintf("");
    while (off > 50) {
        off--;
        sql++;
        while ((sql[0] & 0xc0) == 0x80) {
            sql++;
            off--;
        }
    }
    size_t len = strlen(sql);
    if (len > 78) {
        len = 78;
        while ((sql[len] & 0xc0) == 0x80) len--;
    }
    char *code = sqlite3_mprintf("%.*s", (int)len, sql);
    if (!code) return NULL;
    for (int i = 0; code[i]; i++)
        if (code[i] == ' ' || (code[i] >= '\t' && code[i] <= '\r')) code[i] = ' ';
    if (off < 25) return sqlite3_mprintf("\n  %z\n  %*s^--- error here", code, off, "");
    return sqlite3_mprintf("\n  %z\n  %*serror here ---^", code, off - 14, "");
}

static char *save_err_msg(sqlite3 *db, const char *phase, int rc, const char *sql)
{
    sqlite3_str *str = sqlite3_str_new(0);
    sqlite3_str_appendf(str, "%s, %s", phase, sqlite3_errmsg(db));
    if (rc > 1) sqlite3_str_appendf(str, " (%d)", rc);
    char *ctx = error_context(sql, db);
    if (ctx) {
        sqlite3_str_appendall(str, ctx);
        sqlite3_free(ctx);
    }
    return sqlite3_str_finish(str);
}

static bool is_space(char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); }

/* Run every statement of sql with the current mode; on error *err gets the CLI's message
 * (sqlite3_malloc'ed) and the SQLite code is returned. */
static int shell_exec(shell *s, const char *sql, char **err)
{
    int rc = SQLITE_OK;
    const char *left;
    *err = NULL;
    while (sql[0] && rc == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        rc = prep(s, sql, -1, &st, &left);
        check_stopped(s);
        if (rc != SQLITE_OK) {
            *err = save_err_msg(s->db, "in prepare", rc, sql);
            break;
        }
        if (!st) {
            sql = left;
            while (is_space(sql[0])) sql++;
            continue;
        }
        bind_params(s, st);
        if (s->eqp && sqlite3_stmt_isexplain(st) == 0) {
            /* .eqp on: the plan first, as a tree */
            const char *ssql = sqlite3_sql(st);
            while (ssql && is_space(*ssql)) ssql++;
            char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", ssql ? ssql : "");
            sqlite3_stmt *ex = NULL;
            if (prep(s, q, -1, &ex, 0) == SQLITE_OK && ex) exec_eqp(s, ex);
            if (ex) fin(s, ex);
            sqlite3_free(q);
        }
        s->stmt = st;
        s->cnt = 0;
        s->cmode = s->mode;
        int ex = sqlite3_stmt_isexplain(st);
        if (ex == 2) s->cmode = MODE_EQP;
        else if (ex == 1 && s->mode != MODE_EXPLAIN) s->cmode = MODE_EXPLAIN;
        if (s->cmode == MODE_EXPLAIN) explain_prepare(s, st);
        exec_stmt(s, st);
        if (s->indent) vl_xfree(s->c, s->indent);
        s->indent = NULL;
        s->nindent = s->iindent = 0;
        s->stmt = NULL;
        rc = fin(s, st);
        if (rc == SQLITE_OK) {
            sql = left;
            while (is_space(sql[0])) sql++;
        } else {
            *err = save_err_msg(s->db, "stepping", rc, NULL);
        }
    }
    return rc;
}

/* ---- schema helpers ---- */

static void append_text(shell *s, vl_buf *b, const char *z, char q)
{
    if (!q) {
        vl_buf_adds(s->c, b, z);
        return;
    }
    vl_buf_addc(s->c, b, q);
    for (; *z; z++) {
        if (*z == q) vl_buf_addc(s->c, b, q);
        vl_buf_addc(s->c, b, *z);
    }
    vl_buf_addc(s->c, b, q);
}

/* "name(col,col)" of a view, for the comment .schema adds after it */
static char *fake_schema(shell *s, sqlite3 *db, const char *schema, const char *name)
{
    char *sql = sqlite3_mprintf("PRAGMA \"%w\".table_info=%Q;", schema ? schema : "main", name);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, 0);
    sqlite3_free(sql);
    if (rc) return NULL;
    vl_buf b = {0};
    if (schema) {
        char q = quote_char(schema);
        if (q && sqlite3_stricmp(schema, "temp") == 0) q = 0;
        append_text(s, &b, schema, q);
        vl_buf_adds(s->c, &b, ".");
    }
    append_text(s, &b, name, quote_char(name));
    const char *sep = "(";
    int nrow = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 1);
        nrow++;
        vl_buf_adds(s->c, &b, sep);
        sep = ",";
        append_text(s, &b, col ? col : "", quote_char(col ? col : ""));
    }
    vl_buf_adds(s->c, &b, ")");
    vl_buf_addc(s->c, &b, 0);
    sqlite3_finalize(st);
    char *r = nrow ? sqlite3_mprintf("%s", b.data) : NULL;
    vl_buf_free(s->c, &b);
    return r;
}

static void shell_add_schema(sqlite3_context *ctx, int n, sqlite3_value **v)
{
    static const char *const prefix[] = {"TABLE", "INDEX", "UNIQUE INDEX", "VIEW", "TRIGGER", "VIRTUAL TABLE"};
    shell *s = sqlite3_user_data(ctx);
    const char *in = (const char *)sqlite3_value_text(v[0]);
    const char *schema = (const char *)sqlite3_value_text(v[1]);
    const char *name = (const char *)sqlite3_value_text(v[2]);
    if (in && strncmp(in, "CREATE ", 7) == 0) {
        for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++) {
            int pn = (int)strlen(prefix[i]);
            if (strncmp(in + 7, prefix[i], (size_t)pn) == 0 && in[pn + 7] == ' ') {
                char *z = NULL, *fake = NULL;
                if (schema) {
                    char q = quote_char(schema);
                    if (q && sqlite3_stricmp(schema, "temp") != 0)
                        z = sqlite3_mprintf("%.*s \"%w\".%s", pn + 7, in, schema, in + pn + 8);
                    else
                        z = sqlite3_mprintf("%.*s %s.%s", pn + 7, in, schema, in + pn + 8);
                }
                if (name && prefix[i][0] == 'V' &&
                    (fake = fake_schema(s, sqlite3_context_db_handle(ctx), schema, name))) {
                    if (!z) z = sqlite3_mprintf("%s\n/* %s */", in, fake);
                    else z = sqlite3_mprintf("%z\n/* %s */", z, fake);
                    sqlite3_free(fake);
                }
                if (z) {
                    sqlite3_result_text(ctx, z, -1, sqlite3_free);
                    return;
                }
            }
        }
    }
    sqlite3_result_value(ctx, v[0]);
}

static void print_schema_line(shell *s, const char *z, const char *tail)
{
    char *tofree = NULL;
    if (!z) return;
    if (tail[0] == ';' && (strstr(z, "/*") || strstr(z, "--"))) {
        static const char *const term[] = {"", "*/", "\n"};
        for (int i = 0; i < 3; i++) {
            char *nz = sqlite3_mprintf("%s%s;", z, term[i]);
            if (nz && sqlite3_complete(nz)) {
                nz[strlen(nz) - 1] = 0;
                tofree = nz;
                z = nz;
                break;
            }
            sqlite3_free(nz);
        }
    }
    if (sqlite3_strglob("CREATE TABLE ['\"]*", z) == 0) outf(s, "CREATE TABLE IF NOT EXISTS %s%s", z + 13, tail);
    else outf(s, "%s%s", z, tail);
    sqlite3_free(tofree);
}

/* Run a query whose rows are single SQL texts and print each as a schema line. */
static void print_schema_line_n(shell *s, char *z, int n, const char *tail)
{
    char c = z[n];
    z[n] = 0;
    print_schema_line(s, z, tail);
    z[n] = c;
}

/* Only blanks (or a -- comment) up to the end of the line? */
static bool ws_to_eol(const char *z)
{
    for (int i = 0; z[i]; i++) {
        if (z[i] == '\n') return true;
        if (is_space(z[i])) continue;
        if (z[i] == '-' && z[i + 1] == '-') return true;
        return false;
    }
    return true;
}

/* .schema --indent: the CLI's MODE_Pretty. Blanks squeezed; a statement of 79 characters or
 * more gets one line per top-level element of its column list. */
static void print_pretty(shell *s, const char *sql)
{
    if (!sql) return;
    if (sqlite3_strlike("CREATE VIEW%", sql, 0) == 0 || sqlite3_strlike("CREATE TRIG%", sql, 0) == 0) {
        outf(s, "%s;\n", sql);
        return;
    }
    char *z = vl_xstrdup(s->c, sql);
    int i, j = 0, nparen = 0, nline = 0;
    char c, cend = 0;
    for (i = 0; is_space(z[i]); i++) {
    }
    for (; (c = z[i]) != 0; i++) {
        if (is_space(c)) {
            if (z[j - 1] == '\r') z[j - 1] = '\n';
            if (is_space(z[j - 1]) || z[j - 1] == '(') continue;
        } else if ((c == '(' || c == ')') && j > 0 && is_space(z[j - 1])) {
            j--;
        }
        z[j++] = c;
    }
    while (j > 0 && is_space(z[j - 1])) j--;
    z[j] = 0;
    if ((int)strlen(z) >= 79) {
        for (i = j = 0; (c = z[i]) != 0; i++) {
            if (c == cend) {
                cend = 0;
            } else if (c == '"' || c == '\'' || c == '`') {
                cend = c;
            } else if (c == '[') {
                cend = ']';
            } else if (c == '-' && z[i + 1] == '-') {
                cend = '\n';
            } else if (c == '(') {
                nparen++;
            } else if (c == ')') {
                nparen--;
                if (nline > 0 && nparen == 0 && j > 0) {
                    print_schema_line_n(s, z, j, "\n");
                    j = 0;
                }
            }
            z[j++] = c;
            if (nparen == 1 && cend == 0 && (c == '(' || c == '\n' || (c == ',' && !ws_to_eol(z + i + 1)))) {
                if (c == '\n') j--;
                print_schema_line_n(s, z, j, "\n  ");
                j = 0;
                nline++;
                while (is_space(z[i + 1])) i++;
            }
        }
        z[j] = 0;
    }
    print_schema_line(s, z, ";\n");
    vl_xfree(s->c, z);
}

static int schema_query_mode(shell *s, const char *sql, bool pretty)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(s, sql, -1, &st, 0);
    if (rc) {
        errf(s, "Error: %s\n", sqlite3_errmsg(s->db));
        return 1;
    }
    while ((rc = step_stmt(s, st)) == SQLITE_ROW) {
        const char *z = (const char *)sqlite3_column_text(st, 0);
        if (pretty) print_pretty(s, z);
        else print_schema_line(s, z, ";\n");
    }
    rc = fin(s, st);
    if (rc) {
        errf(s, "Error: %s\n", sqlite3_errmsg(s->db));
        return 1;
    }
    return 0;
}

static int schema_query(shell *s, const char *sql) { return schema_query_mode(s, sql, false); }

/* ---- .dump ---- */

static int dump_table(shell *s, const char *table, const char *type, const char *sql, bool data_only,
                      bool nosys)
{
    if (strcmp(table, "sqlite_sequence") == 0 && !nosys) {
        if (!data_only) outs(s, "DELETE FROM sqlite_sequence;\n");
    } else if (sqlite3_strglob("sqlite_stat?", table) == 0 && !nosys) {
        if (!data_only) outs(s, "ANALYZE sqlite_schema;\n");
    } else if (strncmp(table, "sqlite_", 7) == 0) {
        return 0;
    } else if (data_only) {
        /* no schema */
    } else if (sqlite3_strglob("CREATE VIRTUAL TABLE*", sql) == 0) {
        if (!s->writable_schema) outs(s, "PRAGMA writable_schema=ON;\n");
        s->writable_schema = true;
        outf(s, "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','%q','%q',0,'%q');\n",
             table, table, sql);
        return 0;
    } else {
        print_schema_line(s, sql, ";\n");
    }
    if (strcmp(type, "table") != 0) return 0;
    /* the column list: every column, quoted as needed */
    char *q = sqlite3_mprintf("PRAGMA table_info=\"%w\"", table);
    sqlite3_stmt *st = NULL;
    int rc = prep(s, q, -1, &st, 0);
    sqlite3_free(q);
    if (rc) return 1;
    vl_buf cols = {0};
    int ncol = 0, npk = 0;
    bool ipk = false, used[3] = {false, false, false};
    static const char *const rowid_names[] = {"rowid", "_rowid_", "oid"};
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 1);
        const char *ctype = (const char *)sqlite3_column_text(st, 2);
        if (!col) col = "";
        if (ncol++) vl_buf_adds(s->c, &cols, ",");
        append_text(s, &cols, col, quote_char(col));
        if (sqlite3_column_int(st, 5) > 0) {
            npk++;
            ipk = ctype && sqlite3_stricmp(ctype, "INTEGER") == 0;
        }
        for (int k = 0; k < 3; k++)
            if (sqlite3_stricmp(col, rowid_names[k]) == 0) used[k] = true;
    }
    fin(s, st);
    vl_buf_addc(s->c, &cols, 0);
    /* --preserve-rowids: a rowid that no INTEGER PRIMARY KEY aliases, under its first free name */
    const char *rowid = NULL;
    if (s->dump_rowids && !(npk == 1 && ipk)) {
        for (int k = 0; k < 3 && !rowid; k++)
            if (!used[k]) {
                char *probe = sqlite3_mprintf("SELECT %s FROM \"%w\" LIMIT 0", rowid_names[k], table);
                sqlite3_stmt *ps = NULL;
                if (prep(s, probe, -1, &ps, 0) == SQLITE_OK) rowid = rowid_names[k];
                if (ps) fin(s, ps);
                sqlite3_free(probe);
                break; /* a WITHOUT ROWID table has none under any name */
            }
    }
    vl_buf sel = {0};
    vl_buf_adds(s->c, &sel, "SELECT ");
    if (rowid) {
        vl_buf_adds(s->c, &sel, rowid);
        vl_buf_adds(s->c, &sel, ",");
    }
    vl_buf_adds(s->c, &sel, cols.data);
    vl_buf_adds(s->c, &sel, " FROM ");
    vl_buf dest = {0};
    append_text(s, &dest, table, quote_char(table));
    vl_buf_adds(s->c, &sel, dest.data ? dest.data : "");
    if (rowid) {
        vl_buf_adds(s->c, &dest, "(");
        vl_buf_adds(s->c, &dest, rowid);
        vl_buf_adds(s->c, &dest, ",");
        vl_buf_adds(s->c, &dest, cols.data);
        vl_buf_adds(s->c, &dest, ")");
    }
    vl_buf_addc(s->c, &dest, 0);
    vl_buf_addc(s->c, &sel, 0);
    vl_buf_free(s->c, &cols);
    if (ncol == 0) {
        vl_buf_free(s->c, &sel);
        vl_buf_free(s->c, &dest);
        return 0;
    }
    int save_mode = s->mode;
    bool save_header = s->header;
    const char *save_dest = s->dest_table;
    s->mode = MODE_INSERT;
    s->header = false;
    s->dest_table = dest.data;
    char *err = NULL;
    rc = shell_exec(s, sel.data, &err);
    if (rc == SQLITE_CORRUPT) {
        outs(s, "/****** CORRUPTION ERROR *******/\n");
    }
    sqlite3_free(err);
    s->mode = save_mode;
    s->header = save_header;
    s->dest_table = save_dest;
    vl_buf_free(s->c, &sel);
    vl_buf_free(s->c, &dest);
    return rc ? 1 : 0;
}

static int do_dump(shell *s, int nargs, char **args)
{
    vl_buf like = {0};
    bool data_only = false, nosys = false;
    s->dump_rowids = s->newlines = false;
    for (int i = 1; i < nargs; i++) {
        const char *z = args[i];
        if (z[0] == '-') {
            if (z[1] == '-') z++;
            if (strcmp(z, "-data-only") == 0) data_only = true;
            else if (strcmp(z, "-nosys") == 0) nosys = true;
            else if (strcmp(z, "-preserve-rowids") == 0) s->dump_rowids = true;
            else if (strcmp(z, "-newlines") == 0) s->newlines = true;
            else {
                errf(s, "Unknown option \"%s\" on \".dump\"\n", args[i]);
                vl_buf_free(s->c, &like);
                return 1;
            }
            continue;
        }
        /* the CLI's: the name, or a virtual table's shadow tables */
        char *expr = sqlite3_mprintf("CAST(name AS TEXT) LIKE %Q ESCAPE '\\' OR EXISTS (  SELECT 1 FROM sqlite_schema WHERE "
                                     "    name LIKE %Q ESCAPE '\\' AND    sql LIKE 'CREATE VIRTUAL TABLE%%' AND"
                                     "    substr(o.name, 1, length(name)+1) == (name||'_'))", z, z);
        vl_buf_adds(s->c, &like, like.len ? " OR " : "");
        vl_buf_adds(s->c, &like, expr);
        sqlite3_free(expr);
    }
    vl_buf_addc(s->c, &like, 0);
    const char *zlike = like.len > 1 ? like.data : "true";
    s->writable_schema = false;
    if (!data_only) {
        outs(s, "PRAGMA foreign_keys=OFF;\n");
        outs(s, "BEGIN TRANSACTION;\n");
    }
    char *unused = NULL;
    shell_exec(s, "SAVEPOINT dump; PRAGMA writable_schema=ON", &unused);
    sqlite3_free(unused);
    int nerr = 0;
    char *q = sqlite3_mprintf("SELECT name, type, sql FROM sqlite_schema AS o WHERE (%s) AND type=='table'"
                              "  AND sql NOT NULL ORDER BY tbl_name='sqlite_sequence', rowid", zlike);
    sqlite3_stmt *st = NULL;
    int rc = prep(s, q, -1, &st, 0);
    sqlite3_free(q);
    if (rc == SQLITE_OK) {
        /* collect first: dumping a table runs statements of its own */
        char **rows = NULL;
        size_t n = 0, cap = 0;
        while (step_stmt(s, st) == SQLITE_ROW) {
            if (n + 3 > cap) {
                cap = cap ? cap * 2 : 48;
                rows = vl_xrealloc(s->c, rows, cap * sizeof *rows);
            }
            for (int k = 0; k < 3; k++) {
                const char *t = (const char *)sqlite3_column_text(st, k);
                rows[n++] = vl_xstrdup(s->c, t ? t : "");
            }
        }
        fin(s, st);
        for (size_t i = 0; i < n; i += 3) {
            nerr += dump_table(s, rows[i], rows[i + 1], rows[i + 2], data_only, nosys);
        }
        for (size_t i = 0; i < n; i++) vl_xfree(s->c, rows[i]);
        if (rows) vl_xfree(s->c, rows);
    } else {
        nerr++;
    }
    if (!data_only) {
        q = sqlite3_mprintf("SELECT sql FROM sqlite_schema AS o WHERE (%s) AND sql NOT NULL"
                            "  AND type IN ('index','trigger','view')", zlike);
        nerr += schema_query(s, q);
        sqlite3_free(q);
    }
    shell_exec(s, "PRAGMA writable_schema=OFF; RELEASE dump;", &unused);
    sqlite3_free(unused);
    if (s->writable_schema) {
        outs(s, "PRAGMA writable_schema=OFF;\n");
        s->writable_schema = false;
    }
    if (!data_only) outs(s, nerr ? "ROLLBACK; -- due to errors\n" : "COMMIT;\n");
    s->dump_rowids = s->newlines = false;
    vl_buf_free(s->c, &like);
    return 0;
}

/* ---- .import ---- */

typedef struct csv_reader {
    const char *file;
    const char *data;
    size_t len, pos;
    int line;
    bool eof_row;
} csv_reader;

/* One field of CSV (--csv: RFC 4180 quoting) or plain separated text. *term gets the
 * terminator: 'c' column, 'r' row, 0 end of input. */
static char *csv_field(shell *s, csv_reader *r, bool csv, const char *cs, const char *rs, int *term)
{
    vl_buf b = {0};
    size_t ncs = strlen(cs), nrs = strlen(rs);
    bool csv_nl = csv && strcmp(rs, "\n") == 0;
    if (r->pos >= r->len) {
        *term = 0;
        vl_buf_addc(s->c, &b, 0);
        return b.data;
    }
    if (csv && r->data[r->pos] == '"') {
        int startline = r->line;
        bool closed = false;
        r->pos++;
        while (r->pos < r->len) {
            char ch = r->data[r->pos];
            if (ch == '"') {
                if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                    vl_buf_addc(s->c, &b, '"');
                    r->pos += 2;
                    continue;
                }
                r->pos++;
                closed = true;
                break;
            }
            if (ch == '\n') r->line++;
            vl_buf_addc(s->c, &b, ch);
            r->pos++;
        }
        if (!closed) errf(s, "%s:%d: unterminated \"-quoted field\n", r->file, startline);
    }
    *term = 0;
    while (r->pos < r->len) {
        const char *p = r->data + r->pos;
        if (ncs && r->len - r->pos >= ncs && memcmp(p, cs, ncs) == 0) {
            r->pos += ncs;
            *term = 'c';
            break;
        }
        if (csv_nl && p[0] == '\r' && r->pos + 1 < r->len && p[1] == '\n') {
            r->pos += 2;
            r->line++;
            *term = 'r';
            break;
        }
        if (nrs && r->len - r->pos >= nrs && memcmp(p, rs, nrs) == 0) {
            r->pos += nrs;
            if (rs[0] == '\n') r->line++;
            *term = 'r';
            break;
        }
        vl_buf_addc(s->c, &b, p[0]);
        r->pos++;
    }
    if (*term == 0 && r->pos >= r->len) *term = 'r';
    vl_buf_addc(s->c, &b, 0);
    return b.data;
}

static const char import_usage[] =
    ".import FILE TABLE       Import data from FILE into TABLE\n"
    "   Options:\n"
    "     --ascii               Use \\037 and \\036 as column and row separators\n"
    "     --csv                 Use , and \\n as column and row separators\n"
    "     --skip N              Skip the first N rows of input\n"
    "     --schema S            Target table to be S.TABLE\n"
    "     -v                    \"Verbose\" - increase auxiliary output\n"
    "   Notes:\n"
    "     *  If TABLE does not exist, it is created.  The first row of input\n"
    "        determines the column names.\n"
    "     *  If neither --csv or --ascii are used, the input mode is derived\n"
    "        from the \".mode\" output mode\n"
    "     *  If FILE begins with \"|\" then it is a command that generates the\n"
    "        input text.\n";

static int do_import(shell *s, int nargs, char **args)
{
    const char *file = NULL, *table = NULL;
    int opt = 0; /* 'c' --csv, 'a' --ascii */
    int64_t skip = 0;
    for (int i = 1; i < nargs; i++) {
        const char *z = args[i];
        if (z[0] == '-' && z[1] == '-') z++;
        if (z[0] != '-') {
            if (!file) file = z;
            else if (!table) table = z;
            else {
                outf(s, "ERROR: extra argument: \"%s\".  Usage:\n", z);
                outs(s, import_usage);
                return 1;
            }
        } else if (strcmp(z, "-v") == 0) {
        } else if (strcmp(z, "-skip") == 0 && i < nargs - 1) {
            skip = 0;
            for (const char *d = args[++i]; *d >= '0' && *d <= '9'; d++) skip = skip * 10 + (*d - '0');
        } else if (strcmp(z, "-ascii") == 0) {
            opt = 'a';
        } else if (strcmp(z, "-csv") == 0) {
            opt = 'c';
        } else {
            outf(s, "ERROR: unknown option: \"%s\".  Usage:\n", args[i]);
            outs(s, import_usage);
            return 1;
        }
    }
    if (!table) {
        outf(s, "ERROR: missing %s argument. Usage:\n", file ? "TABLE" : "FILE");
        outs(s, import_usage);
        return 1;
    }
    /* --csv and --ascii fix the separators; else they are the output mode's, read with CSV
     * quoting (except in ascii mode), a CSV mode's "\r\n" row separator read as "\n" */
    const char *cs, *rs;
    if (opt == 'c') {
        cs = ",";
        rs = "\n";
    } else if (opt == 'a') {
        cs = "\037";
        rs = "\036";
    } else {
        cs = s->colsep;
        rs = s->rowsep;
        if (!cs[0]) {
            errf(s, "Error: non-null column separator required for import\n");
            return 1;
        }
        if (strlen(cs) > 1) {
            errf(s, "Error: multi-character column separators not allowed for import\n");
            return 1;
        }
        if (!rs[0]) {
            errf(s, "Error: non-null row separator required for import\n");
            return 1;
        }
        if (s->mode == MODE_CSV && strcmp(rs, "\r\n") == 0) rs = "\n";
        if (strlen(rs) > 1) {
            errf(s, "Error: multi-character row separators not allowed for import\n");
            return 1;
        }
    }
    /* read the whole file (it goes into the database anyway) */
    vl_in *in = strcmp(file, "stdin") == 0 ? vl_in_fd(s->c, 0, "-") : vl_in_open_quiet(s->c, file, &(int){0});
    if (!in) {
        errf(s, "Error: cannot open \"%s\"\n", file);
        return 1;
    }
    vl_buf data = {0};
    char buf[65536];
    ssize_t n;
    while ((n = vl_in_read(s->c, in, buf, sizeof buf)) > 0) vl_buf_add(s->c, &data, buf, (size_t)n);
    vl_in_close(s->c, in);
    bool csv = opt == 'c' || (opt == 0 && s->mode != MODE_ASCII); /* quotes are read */
    csv_reader r = {file, data.data ? data.data : "", data.len, 0, 1, false};
    int term;
    /* skip lines */
    while (skip-- > 0 && r.pos < r.len) {
        do vl_xfree(s->c, csv_field(s, &r, csv, cs, rs, &term));
        while (term == 'c');
    }
    /* does the table exist? */
    char *q = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
    sqlite3_stmt *st = NULL;
    int rc = prep(s, q, -1, &st, 0);
    sqlite3_free(q);
    int ncol;
    if (rc && sqlite3_strglob("no such table: *", sqlite3_errmsg(s->db)) == 0) {
        /* create it from the first row */
        if (r.pos >= r.len) {
            errf(s, "%s: empty file\n", file);
            vl_buf_free(s->c, &data);
            return 1;
        }
        vl_buf cr = {0};
        char *h = sqlite3_mprintf("CREATE TABLE \"%w\"", table);
        vl_buf_adds(s->c, &cr, h);
        sqlite3_free(h);
        char sep = '(';
        do {
            char *f = csv_field(s, &r, csv, cs, rs, &term);
            char *col = sqlite3_mprintf("%c\n\"%w\" TEXT", sep, f);
            vl_buf_adds(s->c, &cr, col);
            sqlite3_free(col);
            vl_xfree(s->c, f);
            sep = ',';
        } while (term == 'c');
        if (sep == '(') {
            errf(s, "%s: empty file\n", file);
            vl_buf_free(s->c, &cr);
            vl_buf_free(s->c, &data);
            return 1;
        }
        vl_buf_adds(s->c, &cr, ")");
        vl_buf_addc(s->c, &cr, 0);
        /* the CLI writes "(\n" first and ", " between: rebuild in its shape */
        vl_buf fixed = {0};
        const char *p = cr.data;
        const char *open = strchr(p, '(');
        vl_buf_add(s->c, &fixed, p, (size_t)(open - p));
        vl_buf_adds(s->c, &fixed, "(\n");
        p = open + 2;
        while (*p) {
            const char *nx = strstr(p, ",\n");
            if (!nx) {
                vl_buf_adds(s->c, &fixed, p);
                break;
            }
            vl_buf_add(s->c, &fixed, p, (size_t)(nx - p));
            vl_buf_adds(s->c, &fixed, ", ");
            p = nx + 2;
        }
        vl_buf_addc(s->c, &fixed, 0);
        rc = sqlite3_exec(s->db, fixed.data, 0, 0, 0);
        vl_buf_free(s->c, &cr);
        vl_buf_free(s->c, &fixed);
        if (rc) {
            errf(s, "%s\n", sqlite3_errmsg(s->db));
            vl_buf_free(s->c, &data);
            return 1;
        }
        q = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
        rc = prep(s, q, -1, &st, 0);
        sqlite3_free(q);
    }
    if (rc) {
        errf(s, "Error: %s\n", sqlite3_errmsg(s->db));
        vl_buf_free(s->c, &data);
        return 1;
    }
    ncol = sqlite3_column_count(st);
    fin(s, st);
    if (ncol == 0) {
        vl_buf_free(s->c, &data);
        return 0;
    }
    vl_buf ins = {0};
    char *h = sqlite3_mprintf("INSERT INTO \"%w\" VALUES(?", table);
    vl_buf_adds(s->c, &ins, h);
    sqlite3_free(h);
    for (int i = 1; i < ncol; i++) vl_buf_adds(s->c, &ins, ",?");
    vl_buf_adds(s->c, &ins, ")");
    vl_buf_addc(s->c, &ins, 0);
    rc = prep(s, ins.data, -1, &st, 0);
    vl_buf_free(s->c, &ins);
    if (rc) {
        errf(s, "Error: %s\n", sqlite3_errmsg(s->db));
        vl_buf_free(s->c, &data);
        return 1;
    }
    bool autocommit = sqlite3_get_autocommit(s->db);
    if (autocommit) sqlite3_exec(s->db, "BEGIN", 0, 0, 0);
    while (r.pos < r.len) {
        int start = r.line, i = 0;
        char *f = NULL;
        do {
            f = csv_field(s, &r, csv, cs, rs, &term);
            if (i < ncol) sqlite3_bind_text(st, i + 1, f, -1, SQLITE_TRANSIENT);
            i++;
            vl_xfree(s->c, f);
        } while (term == 'c');
        if (i == 1 && ncol > 1 && r.pos >= r.len && term != 'r') break;
        if (i < ncol) {
            errf(s, "%s:%d: expected %d columns but found %d - filling the rest with NULL\n", file, start, ncol, i);
            for (int k = i; k < ncol; k++) sqlite3_bind_null(st, k + 1);
        } else if (i > ncol) {
            errf(s, "%s:%d: expected %d columns but found %d - extras ignored\n", file, start, ncol, i);
        }
        step_stmt(s, st);
        rc = sqlite3_reset(st);
        if (rc != SQLITE_OK) {
            errf(s, "%s:%d: INSERT failed: %s\n", file, start, sqlite3_errmsg(s->db));
        }
    }
    fin(s, st);
    if (autocommit) sqlite3_exec(s->db, "COMMIT", 0, 0, 0);
    vl_buf_free(s->c, &data);
    return rc; /* as the CLI: the code of the last row's insert */
}

/* ---- dot-commands ---- */

static int process_input(shell *s, vl_in *in);

static bool boolean_value(shell *s, const char *z)
{
    if (z[0] == '0' && z[1] == 0) return false;
    bool num = z[0] != 0;
    for (const char *q = z; *q; q++)
        if (!(*q >= '0' && *q <= '9')) num = false;
    if (num) return strtol(z, NULL, 10) != 0;
    if (sqlite3_stricmp(z, "on") == 0 || sqlite3_stricmp(z, "yes") == 0 || sqlite3_stricmp(z, "true") == 0) return true;
    if (sqlite3_stricmp(z, "off") == 0 || sqlite3_stricmp(z, "no") == 0 || sqlite3_stricmp(z, "false") == 0) return false;
    errf(s, "ERROR: Not a boolean value: \"%s\". Assuming \"no\".\n", z);
    return false;
}

/* The CLI's resolve_backslashes for separators and .print */
static void resolve_backslashes(char *z)
{
    int i, j;
    char c;
    while (*z && *z != '\\') z++;
    for (i = j = 0; (c = z[i]) != 0; i++, j++) {
        if (c == '\\' && z[i + 1] != 0) {
            c = z[++i];
            if (c == 'a') c = '\a';
            else if (c == 'b') c = '\b';
            else if (c == 't') c = '\t';
            else if (c == 'n') c = '\n';
            else if (c == 'v') c = '\v';
            else if (c == 'f') c = '\f';
            else if (c == 'r') c = '\r';
            else if (c == '"') c = '"';
            else if (c == '\'') c = '\'';
            else if (c == '\\') c = '\\';
            else if (c >= '0' && c <= '7') {
                c -= '0';
                if (z[i + 1] >= '0' && z[i + 1] <= '7') {
                    i++;
                    c = (char)((c << 3) + z[i] - '0');
                    if (z[i + 1] >= '0' && z[i + 1] <= '7') {
                        i++;
                        c = (char)((c << 3) + z[i] - '0');
                    }
                }
            }
        }
        z[j] = c;
    }
    if (j < i) z[j] = 0;
}

static void set_sep(char *dst, const char *src)
{
    sqlite3_snprintf(20, dst, "%s", src);
}

static int set_mode(shell *s, int nargs, char **args, bool from_dot)
{
    const char *m = NULL;
    int wrap = -1;
    bool ww = false, quote = false, have_opts = false;
    const char *tab = NULL;
    for (int i = 1; i < nargs; i++) {
        const char *z = args[i];
        const char *o = z[0] == '-' ? z + 1 + (z[1] == '-') : "";
        if (strcmp(o, "wrap") == 0 && i + 1 < nargs) {
            wrap = (int)strtol(args[++i], NULL, 10);
            have_opts = true;
        } else if (strcmp(o, "ww") == 0) {
            ww = true;
            have_opts = true;
        } else if (strcmp(o, "wordwrap") == 0 && i + 1 < nargs) {
            ww = boolean_value(s, args[++i]);
            have_opts = true;
        } else if (strcmp(o, "quote") == 0) {
            quote = true;
            have_opts = true;
        } else if (strcmp(o, "noquote") == 0) {
            quote = false;
            have_opts = true;
        } else if (!m) {
            m = z;
        } else if (!tab) {
            tab = z; /* the table of insert mode; ignored by the others */
        } else if (z[0] == '-') {
            errf(s, "unknown option: %s\noptions:\n  --noquote\n  --quote\n  --wordwrap on/off\n  --wrap N\n  --ww\n", z);
            return 1;
        } else {
            errf(s, "extra argument: \"%s\"\n", z);
            return 1;
        }
    }
    if (!m) {
        if (s->mode == MODE_COLUMN || (s->mode >= MODE_MARKDOWN && s->mode <= MODE_BOX))
            outf(s, "current output mode: %s --wrap %d --wordwrap %s --%squote\n", mode_names[s->mode],
                 s->wrap, s->wordwrap ? "on" : "off", s->quote_cols ? "" : "no");
        else
            outf(s, "current output mode: %s\n", mode_names[s->mode]);
        /* as the CLI's: asking also resets the column options to their defaults */
        s->wrap = 60;
        s->wordwrap = false;
        s->quote_cols = false;
        return 0;
    }
    size_t n = strlen(m);
    bool colmode = false;
    if (strncmp(m, "lines", n) == 0) {
        s->mode = MODE_LINE;
        set_sep(s->rowsep, "\n");
    } else if (strncmp(m, "columns", n) == 0) {
        s->mode = MODE_COLUMN;
        colmode = true;
    } else if (strncmp(m, "list", n) == 0) {
        s->mode = MODE_LIST;
        set_sep(s->colsep, "|");
        set_sep(s->rowsep, "\n");
    } else if (strncmp(m, "html", n) == 0) {
        s->mode = MODE_HTML;
    } else if (strncmp(m, "tcl", n) == 0) {
        s->mode = MODE_TCL;
        set_sep(s->colsep, " ");
        set_sep(s->rowsep, "\n");
    } else if (strncmp(m, "csv", n) == 0) {
        s->mode = MODE_CSV;
        set_sep(s->colsep, ",");
        set_sep(s->rowsep, "\r\n");
    } else if (strncmp(m, "tabs", n) == 0) {
        s->mode = MODE_LIST;
        set_sep(s->colsep, "\t");
    } else if (strncmp(m, "insert", n) == 0) {
        s->mode = MODE_INSERT;
        s->dest_table = "\"table\"";
        if (tab) {
            char q = quote_char(tab);
            vl_buf b = {0};
            append_text(s, &b, tab, q);
            vl_buf_addc(s->c, &b, 0);
            s->dest_table = b.data;
        }
    } else if (strncmp(m, "quote", n) == 0) {
        s->mode = MODE_QUOTE;
        set_sep(s->colsep, ",");
        set_sep(s->rowsep, "\n");
    } else if (strncmp(m, "ascii", n) == 0) {
        s->mode = MODE_ASCII;
        set_sep(s->colsep, "\037");
        set_sep(s->rowsep, "\036");
    } else if (strncmp(m, "markdown", n) == 0) {
        s->mode = MODE_MARKDOWN;
        colmode = true;
    } else if (strncmp(m, "table", n) == 0) {
        s->mode = MODE_TABLE;
        colmode = true;
    } else if (strncmp(m, "box", n) == 0) {
        s->mode = MODE_BOX;
        colmode = true;
    } else if (strncmp(m, "count", n) == 0) {
        s->mode = MODE_COUNT;
    } else if (strncmp(m, "off", n) == 0) {
        s->mode = MODE_OFF;
    } else if (strncmp(m, "json", n) == 0) {
        s->mode = MODE_JSON;
    } else if (strncmp(m, "qbox", n) == 0) {
        s->mode = MODE_BOX;
        colmode = true;
        if (!have_opts) {
            wrap = 60;
            quote = true;
        }
        have_opts = true;
    } else {
        errf(s, "Error: mode should be one of: ascii box column csv html insert json line list markdown qbox quote table tabs tcl\n");
        return 1;
    }
    if (colmode) {
        if (!s->header_set && from_dot) s->header = true;
        s->wrap = wrap >= 0 ? wrap : have_opts ? s->wrap : 60;
        s->wordwrap = ww;
        s->quote_cols = quote;
        if (!have_opts) {
            s->wrap = 60;
            s->wordwrap = false;
            s->quote_cols = false;
        }
    }
    s->cmode = s->mode;
    return 0;
}

static void show_string(shell *s, const char *z)
{
    outc(s, '"');
    for (const unsigned char *u = (const unsigned char *)z; *u; u++) {
        if (*u == '\\') outs(s, "\\\\");
        else if (*u == '"') outs(s, "\\\"");
        else if (*u == '\t') outs(s, "\\t");
        else if (*u == '\n') outs(s, "\\n");
        else if (*u == '\r') outs(s, "\\r");
        else if (*u < 0x20 || *u == 0x7f) outf(s, "\\%03o", *u);
        else outc(s, (char)*u);
    }
    outc(s, '"');
}

static int open_output(shell *s, const char *name, bool once)
{
    output_reset(s);
    if (!name || strcmp(name, "stdout") == 0) return 0;
    int fd = vk_open(s->c->p, name, VK_O_WRONLY | VK_O_CREAT | VK_O_TRUNC | VK_O_CLOEXEC, 0666);
    if (fd < 0) {
        errf(s, "Error: cannot open \"%s\"\n", name);
        errf(s, "Error: cannot write to \"%s\"\n", name);
        return 1;
    }
    s->outfd = fd;
    s->once = once ? 2 : 0; /* .once itself counts as one command */
    if (s->outname) vl_xfree(s->c, s->outname);
    s->outname = vl_xstrdup(s->c, name);
    return 0;
}

/* Split a dot-command line into words the CLI's way: whitespace separated, '...' and "..."
 * quoting (backslash escapes resolved inside double quotes). */
static int split_args(shell *s, char *line, char **args, int max)
{
    int n = 0;
    char *z = line;
    while (*z && n < max) {
        while (is_space(*z)) z++;
        if (!*z) break;
        if (*z == '\'' || *z == '"') {
            char q = *z++;
            args[n++] = z;
            while (*z && *z != q) {
                if (q == '"' && *z == '\\' && z[1]) z++;
                z++;
            }
            if (*z == q) *z++ = 0;
            if (q == '"') resolve_backslashes(args[n - 1]);
        } else {
            args[n++] = z;
            while (*z && !is_space(*z)) z++;
            if (*z) *z++ = 0;
            resolve_backslashes(args[n - 1]);
        }
    }
    return n;
}

/* .tables / .indexes: names over every attached database (others than main prefixed with
 * theirs), in columns as the CLI lays them out. */
static int list_names(shell *s, bool tables, const char *like)
{
    sqlite3_stmt *st = NULL;
    vl_buf q = {0};
    if (prep(s, "PRAGMA database_list", -1, &st, 0) == SQLITE_OK) {
        while (step_stmt(s, st) == SQLITE_ROW) {
            const char *db = (const char *)sqlite3_column_text(st, 1);
            if (!db) continue;
            if (q.len) vl_buf_adds(s->c, &q, " UNION ALL ");
            if (sqlite3_stricmp(db, "main") == 0) {
                vl_buf_adds(s->c, &q, "SELECT name FROM ");
            } else {
                vl_buf_adds(s->c, &q, "SELECT ");
                append_text(s, &q, db, '\'');
                vl_buf_adds(s->c, &q, "||'.'||name FROM ");
            }
            append_text(s, &q, db, '"');
            vl_buf_adds(s->c, &q, ".sqlite_schema ");
            vl_buf_adds(s->c, &q, tables ? " WHERE type IN ('table','view')   AND name NOT LIKE 'sqlite_%'   AND name LIKE ?1"
                                         : " WHERE type='index'   AND tbl_name LIKE ?1");
        }
    }
    fin(s, st);
    vl_buf_adds(s->c, &q, " ORDER BY 1");
    vl_buf_addc(s->c, &q, 0);
    st = NULL;
    int rc = prep(s, q.data, -1, &st, 0);
    vl_buf_free(s->c, &q);
    if (rc) {
        errf(s, "Error: %s\n", sqlite3_errmsg(s->db));
        return 1;
    }
    sqlite3_bind_text(st, 1, like ? like : "%", -1, SQLITE_STATIC);
    char **names = NULL;
    int n = 0, cap = 0, maxlen = 0;
    while (step_stmt(s, st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = vl_xrealloc(s->c, names, (size_t)cap * sizeof *names);
        }
        names[n] = vl_xstrdup(s->c, t ? t : "");
        int len = (int)strlen(names[n]);
        if (len > maxlen) maxlen = len;
        n++;
    }
    fin(s, st);
    if (n > 0) {
        int ncol = 80 / (maxlen + 2);
        if (ncol < 1) ncol = 1;
        int nrow = (n + ncol - 1) / ncol;
        for (int i = 0; i < nrow; i++) {
            for (int j = i; j < n; j += nrow) {
                outf(s, "%s%-*s", j < nrow ? "" : "  ", maxlen, names[j]);
            }
            outc(s, '\n');
        }
    }
    for (int i = 0; i < n; i++) vl_xfree(s->c, names[i]);
    if (names) vl_xfree(s->c, names);
    return 0;
}

/* .backup/.save ?DB? FILE and .restore ?DB? FILE: SQLite's online backup between the open
 * database and another file on the VM's VFS. */
static int do_backup(shell *s, int nargs, char **args, bool to_file)
{
    const char *file = NULL, *db = NULL;
    int j = 1;
    for (; j < nargs; j++) {
        const char *z = args[j];
        if (z[0] == '-') {
            if (z[1] == '-') z++;
            if (strcmp(z, "-append") == 0 || strcmp(z, "-async") == 0) continue;
            errf(s, "unknown option: %s\n", args[j]);
            return 1;
        }
        if (!file) {
            file = args[j];
        } else if (!db) {
            db = file;
            file = args[j];
        } else {
            errf(s, "Usage: .%s ?DB? ?OPTIONS? FILENAME\n", to_file ? "backup" : "restore");
            return 1;
        }
    }
    if (!file) {
        errf(s, "missing FILENAME argument on .%s\n", to_file ? "backup" : "restore");
        return 1;
    }
    if (!db) db = "main";
    open_db(s);
    sqlite3 *other = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = names_other_vfs(file) ? SQLITE_CANTOPEN : sqlite3_open_v2(file, &other, flags, vl_sqlite_vfs_name(s->vfs));
    if (rc != SQLITE_OK) {
        errf(s, "Error: cannot open \"%s\"\n", file);
        sqlite3_close(other);
        return 1;
    }
    sqlite3_backup *b = to_file ? sqlite3_backup_init(other, "main", s->db, db) : sqlite3_backup_init(s->db, db, other, "main");
    if (!b) {
        errf(s, "Error: %s\n", sqlite3_errmsg(to_file ? other : s->db));
        sqlite3_close(other);
        return 1;
    }
    int dying = 0;
    while ((rc = sqlite3_backup_step(b, 100)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (rc != SQLITE_OK) break;
        int k = vk_steps(s->c->p, 100);
        if (k < 0 && k != VOS_EINTR) {
            dying = k;
            break;
        }
    }
    sqlite3_backup_finish(b);
    if (dying) {
        sqlite3_close(other);
        s->nerr_stop = dying;
        check_stopped(s);
    }
    if (rc == SQLITE_DONE) {
        rc = 0;
    } else {
        errf(s, "Error: %s\n", sqlite3_errmsg(to_file ? other : s->db));
        rc = 1;
    }
    sqlite3_close(other);
    return rc;
}

/* ---- .parameter: bindings kept in temp.sqlite_parameters, as the CLI keeps them ---- */

static void bind_table_init(shell *s)
{
    int wr = 0, defensive = 0;
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)0);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1, &wr);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, (int *)0);
    sqlite3_exec(s->db, "CREATE TABLE IF NOT EXISTS temp.sqlite_parameters(\n  key TEXT PRIMARY KEY,\n  value\n) WITHOUT ROWID;",
                 0, 0, 0);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, wr, (int *)0);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, defensive, (int *)0);
}

/* Bind a statement's parameters from the table (NULL for those not there). */
static void bind_params(shell *s, sqlite3_stmt *st)
{
    int nvar = sqlite3_bind_parameter_count(st);
    if (nvar == 0) return;
    if (sqlite3_table_column_metadata(s->db, "TEMP", "sqlite_parameters", "key", 0, 0, 0, 0, 0) != SQLITE_OK) return;
    sqlite3_stmt *q = NULL;
    if (prep(s, "SELECT value FROM temp.sqlite_parameters WHERE key=?1", -1, &q, 0) || !q) {
        if (q) fin(s, q);
        return;
    }
    for (int i = 1; i <= nvar; i++) {
        char num[30];
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (!name) {
            sqlite3_snprintf(sizeof num, num, "?%d", i);
            name = num;
        }
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) sqlite3_bind_value(st, i, sqlite3_column_value(q, 0));
        else sqlite3_bind_null(st, i);
        sqlite3_reset(q);
    }
    fin(s, q);
}

static int do_parameter(shell *s, int nargs, char **args)
{
    int rc = 0;
    open_db(s);
    if (nargs == 2 && strcmp(args[1], "clear") == 0) {
        sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.sqlite_parameters;", 0, 0, 0);
    } else if (nargs == 2 && strcmp(args[1], "list") == 0) {
        sqlite3_stmt *st = NULL;
        int len = 0;
        if (prep(s, "SELECT max(length(key)) FROM temp.sqlite_parameters;", -1, &st, 0) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            len = sqlite3_column_int(st, 0);
            if (len > 40) len = 40;
        }
        if (st) fin(s, st);
        st = NULL;
        if (len) {
            int rx = prep(s, "SELECT key, quote(value) FROM temp.sqlite_parameters;", -1, &st, 0);
            while (rx == SQLITE_OK && step_stmt(s, st) == SQLITE_ROW)
                outf(s, "%-*s %s\n", len, sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
            if (st) fin(s, st);
        }
    } else if (nargs == 2 && strcmp(args[1], "init") == 0) {
        bind_table_init(s);
    } else if (nargs == 4 && strcmp(args[1], "set") == 0) {
        bind_table_init(s);
        /* the value as an SQL literal, else as text */
        char *sql = sqlite3_mprintf("REPLACE INTO temp.sqlite_parameters(key,value)VALUES(%Q,%s);", args[2], args[3]);
        sqlite3_stmt *st = NULL;
        int rx = prep(s, sql, -1, &st, 0);
        sqlite3_free(sql);
        if (rx != SQLITE_OK) {
            if (st) fin(s, st);
            st = NULL;
            sql = sqlite3_mprintf("REPLACE INTO temp.sqlite_parameters(key,value)VALUES(%Q,%Q);", args[2], args[3]);
            rx = prep(s, sql, -1, &st, 0);
            sqlite3_free(sql);
            if (rx != SQLITE_OK) {
                outf(s, "Error: %s\n", sqlite3_errmsg(s->db));
                rc = 1;
            }
        }
        if (st) {
            step_stmt(s, st);
            fin(s, st);
        }
    } else if (nargs == 3 && strcmp(args[1], "unset") == 0) {
        char *sql = sqlite3_mprintf("DELETE FROM temp.sqlite_parameters WHERE key=%Q", args[2]);
        sqlite3_exec(s->db, sql, 0, 0, 0);
        sqlite3_free(sql);
    } else {
        outs(s, ".parameter CMD ...       Manage SQL parameter bindings\n"
                "   clear                   Erase all bindings\n"
                "   init                    Initialize the TEMP table that holds bindings\n"
                "   list                    List the current parameter bindings\n"
                "   set PARAMETER VALUE     Given SQL parameter PARAMETER a value of VALUE\n"
                "                           PARAMETER should start with one of: $ : @ ?\n"
                "   unset PARAMETER         Remove PARAMETER from the binding table\n");
    }
    return rc;
}

/* Returns 0, 1 (error) or 2 (.quit/.exit). */
static int do_meta_command(shell *s, const char *line)
{
    char *copy = vl_xstrdup(s->c, line + 1);
    char *args[52];
    int nargs = split_args(s, copy, args, 50);
    int rc = 0;
    if (nargs == 0) return 0;
    const char *cmd = args[0];
    size_t n = strlen(cmd);
    char c0 = cmd[0];
#define IS(name, min) (n >= (min) && strncmp(cmd, name, n) == 0)
    if ((c0 == 'b' && n >= 3 && strncmp(cmd, "backup", n) == 0) || (c0 == 's' && n >= 2 && strncmp(cmd, "save", n) == 0)) {
        rc = do_backup(s, nargs, args, true);
    } else if (c0 == 'r' && n >= 3 && strncmp(cmd, "restore", n) == 0) {
        rc = do_backup(s, nargs, args, false);
    } else if (c0 == 'o' && n >= 2 && strncmp(cmd, "open", n) == 0) {
        const char *file = NULL;
        bool fresh = false, ro = false;
        for (int i = 1; i < nargs; i++) {
            const char *z = args[i];
            if (z[0] == '-' && z[1] == '-') z++;
            if (strcmp(z, "-new") == 0) fresh = true;
            else if (strcmp(z, "-readonly") == 0) ro = true;
            else if (strcmp(z, "-nofollow") == 0) {
            } else if (z[0] == '-') {
                errf(s, "unknown option: %s\n", args[i]);
                return 1;
            } else if (file) {
                errf(s, "extra argument: \"%s\"\n", args[i]);
                return 1;
            } else {
                file = args[i];
            }
        }
        /* close the current database; the VFS stays for the next */
        if (s->db) {
            for (int i = 0; i < s->nlive; i++) sqlite3_finalize(s->live[i]);
            s->nlive = 0;
            sqlite3_close(s->db);
            s->db = NULL;
        }
        if (fresh && file && strcmp(file, ":memory:") != 0) vk_unlink(s->c->p, file);
        s->dbname = file && strcmp(file, ":memory:") != 0 ? vl_xstrdup(s->c, file) : NULL;
        s->readonly = ro;
        s->opened = false;
        s->keepalive = true;
        open_db(s);
        s->keepalive = false;
    } else if (c0 == 'c' && n >= 2 && strncmp(cmd, "cd", n) == 0) {
        if (nargs != 2) {
            errf(s, "Usage: .cd DIRECTORY\n");
            rc = 1;
        } else if (vk_chdir(s->c->p, args[1]) < 0) {
            errf(s, "Cannot change to directory \"%s\"\n", args[1]);
            rc = 1;
        }
    } else if (c0 == 'f' && n >= 2 && strncmp(cmd, "fullschema", n) == 0) {
        bool bad = nargs > 2 || (nargs == 2 && strcmp(args[1], "--indent") != 0);
        if (bad) {
            errf(s, "Usage: .fullschema ?--indent?\n");
            rc = 1;
        } else {
            open_db(s);
            rc = schema_query_mode(s, "SELECT sql FROM (SELECT sql sql, type type, tbl_name tbl_name, name name, rowid x"
                                 " FROM sqlite_schema UNION ALL SELECT sql, type, tbl_name, name, rowid FROM "
                                 "sqlite_temp_schema) WHERE type!='meta' AND sql NOTNULL AND name NOT LIKE 'sqlite_%' "
                                 "ORDER BY x",
                                 nargs == 2);
            sqlite3_stmt *st = NULL;
            bool stats = false;
            if (!rc && prep(s, "SELECT rowid FROM sqlite_schema WHERE name GLOB 'sqlite_stat[134]'", -1, &st, 0) == SQLITE_OK)
                stats = step_stmt(s, st) == SQLITE_ROW;
            if (st) fin(s, st);
            if (!stats) {
                outs(s, "/* No STAT tables available */\n");
            } else {
                outs(s, "ANALYZE sqlite_schema;\n");
                int save_mode = s->mode;
                bool save_header = s->header;
                const char *save_dest = s->dest_table;
                s->mode = MODE_INSERT;
                s->header = false;
                char *err = NULL;
                s->dest_table = "sqlite_stat1";
                shell_exec(s, "SELECT * FROM sqlite_stat1", &err);
                sqlite3_free(err);
                err = NULL;
                s->dest_table = "sqlite_stat4";
                shell_exec(s, "SELECT * FROM sqlite_stat4", &err);
                sqlite3_free(err);
                s->mode = save_mode;
                s->header = save_header;
                s->dest_table = save_dest;
                outs(s, "ANALYZE sqlite_schema;\n");
            }
        }
    } else if (c0 == 'p' && n >= 2 && strncmp(cmd, "prompt", n) == 0) {
        /* no prompts without a terminal */
    } else if (c0 == 's' && n >= 2 && strncmp(cmd, "stats", n) == 0 && nargs == 2 &&
               (strcmp(args[1], "off") == 0 || strcmp(args[1], "on") == 0)) {
        /* accepted: vos prints no statistics */
    } else if (c0 == 'b' && IS("bail", 3)) {
        if (nargs != 2) {
            errf(s, "Usage: .bail on|off\n");
            rc = 1;
        } else {
            s->bail = boolean_value(s, args[1]);
        }
    } else if (c0 == 'c' && IS("changes", 3)) {
        if (nargs == 2) s->count_changes = boolean_value(s, args[1]);
        else {
            errf(s, "Usage: .changes on|off\n");
            rc = 1;
        }
    } else if (c0 == 'd' && n > 1 && strncmp(cmd, "databases", n) == 0) {
        open_db(s);
        sqlite3_stmt *st = NULL;
        prep(s, "PRAGMA database_list", -1, &st, 0);
        while (st && step_stmt(s, st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 1);
            const char *file = (const char *)sqlite3_column_text(st, 2);
            int ro = sqlite3_db_readonly(s->db, name);
            outf(s, "%s: %s %s\n", name, file && file[0] ? file : "\"\"", ro == 1 ? "r/o" : "r/w");
        }
        fin(s, st);
    } else if (c0 == 'd' && IS("dump", 2)) {
        open_db(s);
        rc = do_dump(s, nargs, args);
    } else if (c0 == 'e' && IS("echo", 2)) {
        if (nargs == 2) s->echo = boolean_value(s, args[1]);
        else {
            errf(s, "Usage: .echo on|off\n");
            rc = 1;
        }
    } else if (c0 == 'e' && IS("eqp", 2)) {
        if (nargs == 2) {
            if (strcmp(args[1], "full") == 0) s->eqp = 2;
            else if (strcmp(args[1], "trigger") == 0) s->eqp = 3;
            else s->eqp = boolean_value(s, args[1]) ? 1 : 0;
        } else {
            errf(s, "Usage: .eqp off|on|trace|trigger|full\n");
            rc = 1;
        }
    } else if (c0 == 'e' && IS("exit", 2)) {
        if (nargs > 1) vl_exit(s->c, (int)strtol(args[1], NULL, 10) & 0xff);
        rc = 2;
    } else if (c0 == 'q' && IS("quit", 1)) {
        rc = 2;
    } else if (c0 == 'h' && IS("headers", 2)) {
        if (nargs == 2) {
            s->header = boolean_value(s, args[1]);
            s->header_set = true;
        } else {
            errf(s, "Usage: .headers on|off\n");
            rc = 1;
        }
    } else if (c0 == 'h' && IS("help", 2)) {
        /* the CLI's list (some of these commands are not in vos: docs/differences.md) */
        outs(s,
                ".archive ...             Manage SQL archives\n"
                ".auth ON|OFF             Show authorizer callbacks\n"
                ".backup ?DB? FILE        Backup DB (default \"main\") to FILE\n"
                ".bail on|off             Stop after hitting an error.  Default OFF\n"
                ".binary on|off           Turn binary output on or off.  Default OFF\n"
                ".cd DIRECTORY            Change the working directory to DIRECTORY\n"
                ".changes on|off          Show number of rows changed by SQL\n"
                ".check GLOB              Fail if output since .testcase does not match\n"
                ".clone NEWDB             Clone data into NEWDB from the existing database\n"
                ".connection [close] [#]  Open or close an auxiliary database connection\n"
                ".databases               List names and files of attached databases\n"
                ".dbconfig ?op? ?val?     List or change sqlite3_db_config() options\n"
                ".dbinfo ?DB?             Show status information about the database\n"
                ".dump ?OBJECTS?          Render database content as SQL\n"
                ".echo on|off             Turn command echo on or off\n"
                ".eqp on|off|full|...     Enable or disable automatic EXPLAIN QUERY PLAN\n"
                ".excel                   Display the output of next command in spreadsheet\n"
                ".exit ?CODE?             Exit this program with return-code CODE\n"
                ".expert                  EXPERIMENTAL. Suggest indexes for queries\n"
                ".explain ?on|off|auto?   Change the EXPLAIN formatting mode.  Default: auto\n"
                ".filectrl CMD ...        Run various sqlite3_file_control() operations\n"
                ".fullschema ?--indent?   Show schema and the content of sqlite_stat tables\n"
                ".headers on|off          Turn display of headers on or off\n"
                ".help ?-all? ?PATTERN?   Show help text for PATTERN\n"
                ".import FILE TABLE       Import data from FILE into TABLE\n"
                ".imposter INDEX TABLE    Create imposter table TABLE on index INDEX\n"
                ".indexes ?TABLE?         Show names of indexes\n"
                ".limit ?LIMIT? ?VAL?     Display or change the value of an SQLITE_LIMIT\n"
                ".lint OPTIONS            Report potential schema issues.\n"
                ".load FILE ?ENTRY?       Load an extension library\n"
                ".log FILE|off            Turn logging on or off.  FILE can be stderr/stdout\n"
                ".mode MODE ?OPTIONS?     Set output mode\n"
                ".nonce STRING            Suspend safe mode for one command if nonce matches\n"
                ".nullvalue STRING        Use STRING in place of NULL values\n"
                ".once ?OPTIONS? ?FILE?   Output for the next SQL command only to FILE\n"
                ".open ?OPTIONS? ?FILE?   Close existing database and reopen FILE\n"
                ".output ?FILE?           Send output to FILE or stdout if FILE is omitted\n"
                ".parameter CMD ...       Manage SQL parameter bindings\n"
                ".print STRING...         Print literal STRING\n"
                ".progress N              Invoke progress handler after every N opcodes\n"
                ".prompt MAIN CONTINUE    Replace the standard prompts\n"
                ".quit                    Exit this program\n"
                ".read FILE               Read input from FILE or command output\n"
                ".recover                 Recover as much data as possible from corrupt db.\n"
                ".restore ?DB? FILE       Restore content of DB (default \"main\") from FILE\n"
                ".save ?OPTIONS? FILE     Write database to FILE (an alias for .backup ...)\n"
                ".scanstats on|off        Turn sqlite3_stmt_scanstatus() metrics on or off\n"
                ".schema ?PATTERN?        Show the CREATE statements matching PATTERN\n"
                ".selftest ?OPTIONS?      Run tests defined in the SELFTEST table\n"
                ".separator COL ?ROW?     Change the column and row separators\n"
                ".session ?NAME? CMD ...  Create or control sessions\n"
                ".sha3sum ...             Compute a SHA3 hash of database content\n"
                ".shell CMD ARGS...       Run CMD ARGS... in a system shell\n"
                ".show                    Show the current values for various settings\n"
                ".stats ?ARG?             Show stats or turn stats on or off\n"
                ".system CMD ARGS...      Run CMD ARGS... in a system shell\n"
                ".tables ?TABLE?          List names of tables matching LIKE pattern TABLE\n"
                ".testcase NAME           Begin redirecting output to 'testcase-out.txt'\n"
                ".testctrl CMD ...        Run various sqlite3_test_control() operations\n"
                ".timeout MS              Try opening locked tables for MS milliseconds\n"
                ".timer on|off            Turn SQL timer on or off\n"
                ".trace ?OPTIONS?         Output each SQL statement as it is run\n"
                ".vfsinfo ?AUX?           Information about the top-level VFS\n"
                ".vfslist                 List all available VFSes\n"
                ".vfsname ?AUX?           Print the name of the VFS stack\n"
                ".width NUM1 NUM2 ...     Set minimum column widths for columnar output\n");
    } else if (c0 == 'i' && IS("import", 2)) {
        open_db(s);
        rc = do_import(s, nargs, args);
    } else if (c0 == 'i' && (IS("indexes", 3) || IS("indices", 3))) {
        open_db(s);
        if (nargs > 2) {
            errf(s, "Usage: .indexes ?LIKE-PATTERN?\n");
            rc = 1;
        } else {
            rc = list_names(s, false, nargs == 2 ? args[1] : NULL);
        }
    } else if (c0 == 'm' && IS("mode", 1)) {
        rc = set_mode(s, nargs, args, true);
    } else if (c0 == 'n' && IS("nullvalue", 2)) {
        if (nargs == 2) set_sep(s->nullvalue, args[1]);
        else {
            errf(s, "Usage: .nullvalue STRING\n");
            rc = 1;
        }
    } else if ((c0 == 'o' && (IS("output", 3) || IS("once", 2)))) {
        bool once = cmd[1] == 'n', bom = false;
        const char *file = NULL, *bad = NULL, *what = NULL;
        for (int i = 1; i < nargs && !bad; i++) {
            const char *z = args[i];
            if (z[0] == '-' && z[1]) {
                if (z[1] == '-') z++;
                if (strcmp(z, "-bom") == 0) bom = true;
                else bad = args[i], what = "unknown option"; /* -e, -x: no editor or spreadsheet */
            } else if (file) {
                bad = args[i], what = "extra parameter";
            } else {
                file = args[i];
            }
        }
        if (bad) {
            /* the CLI prints these on its output, with the command's help */
            outf(s, "ERROR: %s: \"%s\".  Usage:\n", what, bad);
            outs(s, once ? ".once ?OPTIONS? ?FILE?   Output for the next SQL command only to FILE\n"
                           "     If FILE begins with '|' then open as a pipe\n"
                           "       --bom  Put a UTF8 byte-order mark at the beginning\n"
                           "       -e     Send output to the system text editor\n"
                           "       -x     Send output as CSV to a spreadsheet (same as \".excel\")\n"
                         : ".output ?FILE?           Send output to FILE or stdout if FILE is omitted\n"
                           "   If FILE begins with '|' then open it as a pipe.\n"
                           "   Options:\n"
                           "     --bom                 Prefix output with a UTF8 byte-order mark\n"
                           "     -e                    Send output to the system text editor\n"
                           "     -x                    Send output as CSV to a spreadsheet\n");
            rc = 1;
        } else {
            rc = open_output(s, file, once && file);
            if (!rc && bom) outs(s, "\357\273\277");
        }
    } else if (c0 == 'p' && n >= 2 && strncmp(cmd, "parameter", n) == 0) {
        rc = do_parameter(s, nargs, args);
    } else if (c0 == 'p' && IS("print", 2)) {
        for (int i = 1; i < nargs; i++) {
            if (i > 1) outc(s, ' ');
            outs(s, args[i]);
        }
        outc(s, '\n');
    } else if (c0 == 'r' && IS("read", 3)) {
        if (nargs != 2) {
            errf(s, "Usage: .read FILE\n");
            rc = 1;
        } else {
            int err = 0;
            vl_in *in = vl_in_open_quiet(s->c, args[1], &err);
            if (!in) {
                errf(s, "Error: cannot open \"%s\"\n", args[1]);
                rc = 1;
            } else {
                rc = process_input(s, in);
                vl_in_close(s->c, in);
            }
        }
    } else if (c0 == 's' && IS("schema", 2)) {
        open_db(s);
        const char *pat = NULL;
        bool nosys = false, indent = false;
        for (int i = 1; i < nargs; i++) {
            if (strcmp(args[i], "--indent") == 0 || strcmp(args[i], "--nosys") == 0 || strcmp(args[i], "-nosys") == 0) {
                if (strstr(args[i], "nosys")) nosys = true;
                else indent = true;
            } else if (!pat) {
                pat = args[i];
            } else {
                errf(s, "Usage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?\n");
                return 1;
            }
        }
        if (pat && (sqlite3_strlike(pat, "sqlite_master", '\\') == 0 || sqlite3_strlike(pat, "sqlite_schema", '\\') == 0 ||
                    sqlite3_strlike(pat, "sqlite_temp_master", '\\') == 0 ||
                    sqlite3_strlike(pat, "sqlite_temp_schema", '\\') == 0)) {
            /* the schema table's own definition, as the CLI makes it up */
            char *z = sqlite3_mprintf("CREATE TABLE %s (\n  type text,\n  name text,\n  tbl_name text,\n"
                                      "  rootpage integer,\n  sql text\n)", pat);
            print_schema_line(s, z, ";\n");
            sqlite3_free(z);
        }
        /* every attached database, main first, others' names prefixed with theirs */
        vl_buf q = {0};
        vl_buf_adds(s->c, &q, "SELECT sql FROM (");
        sqlite3_stmt *dl = NULL;
        int ndb = 0;
        if (prep(s, "PRAGMA database_list", -1, &dl, 0) == SQLITE_OK) {
            while (step_stmt(s, dl) == SQLITE_ROW) {
                const char *db = (const char *)sqlite3_column_text(dl, 1);
                if (!db) continue;
                bool is_main = sqlite3_stricmp(db, "main") == 0;
                char *arg = is_main ? sqlite3_mprintf("NULL") : sqlite3_mprintf("%Q", db);
                char *part = sqlite3_mprintf("%sSELECT shell_add_schema(sql,%s,name) AS sql, type, tbl_name, name, "
                                             "rowid, %d AS snum, %Q AS sname FROM \"%w\".sqlite_schema",
                                             ndb ? " UNION ALL " : "", arg, sqlite3_column_int(dl, 0), db, db);
                sqlite3_free(arg);
                vl_buf_adds(s->c, &q, part);
                sqlite3_free(part);
                ndb++;
            }
        }
        if (dl) fin(s, dl);
        vl_buf_adds(s->c, &q, ") WHERE ");
        if (pat) {
            bool glob = strpbrk(pat, "*?[") != NULL;
            char *e = sqlite3_mprintf("%s %s %Q%s AND ",
                                      strchr(pat, '.') ? "lower(printf('%s.%s',sname,tbl_name))" : "lower(tbl_name)",
                                      glob ? "GLOB" : "LIKE", pat, glob ? "" : " ESCAPE '\\' ");
            vl_buf_adds(s->c, &q, e);
            sqlite3_free(e);
        }
        if (nosys) vl_buf_adds(s->c, &q, "name NOT LIKE 'sqlite_%' AND ");
        vl_buf_adds(s->c, &q, "sql IS NOT NULL ORDER BY snum, rowid");
        vl_buf_addc(s->c, &q, 0);
        rc = schema_query_mode(s, q.data, indent);
        vl_buf_free(s->c, &q);
    } else if (c0 == 's' && IS("separator", 3)) {
        if (nargs < 2 || nargs > 3) {
            errf(s, "Usage: .separator COL ?ROW?\n");
            rc = 1;
        } else {
            set_sep(s->colsep, args[1]);
            if (nargs == 3) set_sep(s->rowsep, args[2]);
        }
    } else if (c0 == 's' && IS("show", 2)) {
        if (nargs != 1) {
            errf(s, "Usage: .show\n");
            rc = 1;
        } else {
            outf(s, "%12.12s: %s\n", "echo", s->echo ? "on" : "off");
            static const char *const eqp_names[] = {"off", "on", "full", "trigger"};
            outf(s, "%12.12s: %s\n", "eqp", eqp_names[s->eqp]);
            outf(s, "%12.12s: %s\n", "explain", "auto");
            outf(s, "%12.12s: %s\n", "headers", s->header ? "on" : "off");
            if (s->mode == MODE_COLUMN || (s->mode >= MODE_MARKDOWN && s->mode <= MODE_BOX))
                outf(s, "%12.12s: %s --wrap %d --wordwrap %s --%squote\n", "mode", mode_names[s->mode], s->wrap,
                     s->wordwrap ? "on" : "off", s->quote_cols ? "" : "no");
            else
                outf(s, "%12.12s: %s\n", "mode", mode_names[s->mode]);
            outf(s, "%12.12s: ", "nullvalue");
            show_string(s, s->nullvalue);
            outc(s, '\n');
            outf(s, "%12.12s: %s\n", "output", s->outfd >= 0 && s->outname ? s->outname : "stdout");
            outf(s, "%12.12s: ", "colseparator");
            show_string(s, s->colsep);
            outc(s, '\n');
            outf(s, "%12.12s: ", "rowseparator");
            show_string(s, s->rowsep);
            outc(s, '\n');
            outf(s, "%12.12s: %s\n", "stats", "off");
            outf(s, "%12.12s: ", "width");
            for (int i = 0; i < s->nwidth && s->colwidth; i++) outf(s, "%d ", s->colwidth[i]);
            outc(s, '\n');
            outf(s, "%12.12s: %s\n", "filename", s->dbname ? s->dbname : ":memory:");
        }
    } else if (c0 == 't' && n > 1 && strncmp(cmd, "tables", n) == 0) {
        open_db(s);
        /* extra arguments are ignored, as the CLI does (for .tables, not .indexes) */
        rc = list_names(s, true, nargs >= 2 ? args[1] : NULL);
    } else if (c0 == 't' && IS("timer", 2)) {
        if (nargs == 2) s->timer = boolean_value(s, args[1]);
        else {
            errf(s, "Usage: .timer on|off\n");
            rc = 1;
        }
    } else if (c0 == 'w' && IS("width", 1)) {
        int nw = nargs - 1;
        if (s->colwidth) vl_xfree(s->c, s->colwidth);
        s->colwidth = vl_xcalloc(s->c, (size_t)nw * 2 + 2, sizeof(int));
        s->nwidth = nw;
        s->actual = s->colwidth + nw;
        for (int i = 0; i < nw; i++) {
            int w = (int)strtol(args[i + 1], NULL, 10);
            if (w < -30000) w = -30000;
            if (w > 30000) w = 30000;
            s->colwidth[i] = w;
        }
    } else {
        errf(s, "Error: unknown command or invalid arguments:  \"%s\". Enter \".help\" for help\n", cmd);
        rc = 1;
    }
#undef IS
    vl_xfree(s->c, copy);
    return rc;
}

/* A dot-command; after it, a pending .once counts down as the CLI's does (the output goes back
 * after the next command, SQL or dot-command). */
static int do_meta(shell *s, const char *line)
{
    int rc = do_meta_command(s, line);
    if (s->once && --s->once == 0) output_reset(s);
    return rc;
}

/* ---- reading SQL: the CLI's process_input ---- */

/* Where a line leaves the scan state: 0 plain, or inside a quote/comment (the char). The
 * CLI's quickscan, simplified: *semi is set when the line ends with ';' outside of them. */
static int quickscan(const char *z, int state, bool *semi, bool *white)
{
    *semi = false;
    for (; *z; z++) {
        char ch = *z;
        if (state == 0) {
            if (is_space(ch)) continue;
            *white = false;
            *semi = false;
            if (ch == ';') *semi = true;
            else if (ch == '\'' || ch == '"' || ch == '`') state = ch;
            else if (ch == '[') state = ']';
            else if (ch == '-' && z[1] == '-') {
                *white = false;
                break;
            } else if (ch == '/' && z[1] == '*') {
                state = '*';
                z++;
            }
        } else if (state == '*') {
            if (ch == '*' && z[1] == '/') {
                state = 0;
                z++;
            }
        } else if (ch == state) {
            state = 0;
        }
    }
    return state;
}

static bool all_white(const char *z)
{
    for (; *z; z++) {
        if (is_space(*z)) continue;
        if (*z == '/' && z[1] == '*') {
            z += 2;
            while (*z && !(*z == '*' && z[1] == '/')) z++;
            if (!*z) return false;
            z++;
            continue;
        }
        if (*z == '-' && z[1] == '-') {
            z += 2;
            while (*z && *z != '\n') z++;
            if (!*z) return true;
            continue;
        }
        return false;
    }
    return true;
}

static int run_one(shell *s, const char *sql, int startline, bool numbered)
{
    char *err = NULL;
    open_db(s);
    int64_t t0 = s->timer ? vk_monotonic_ns(s->c->p) : 0;
    vk_tms tm0 = {0, 0, 0, 0};
    if (s->timer) vk_times(s->c->p, &tm0);
    int rc = shell_exec(s, sql, &err);
    if (s->timer) {
        double real = (double)(vk_monotonic_ns(s->c->p) - t0) / 1e9;
        vk_tms tm1 = {0, 0, 0, 0};
        vk_times(s->c->p, &tm1);
        outf(s, "Run Time: real %.3f user %f sys %f\n", real, (double)(tm1.utime - tm0.utime) / 1e9,
             (double)(tm1.stime - tm0.stime) / 1e9);
    }
    if (rc || err) {
        const char *type, *tail;
        if (!err) {
            type = "Error";
            tail = sqlite3_errmsg(s->db);
        } else if (strncmp(err, "in prepare, ", 12) == 0) {
            type = "Parse error";
            tail = err + 12;
        } else if (strncmp(err, "stepping, ", 10) == 0) {
            type = "Runtime error";
            tail = err + 10;
        } else {
            type = "Error";
            tail = err;
        }
        if (numbered) errf(s, "%s near line %d: %s\n", type, startline, tail);
        else errf(s, "%s: %s\n", type, tail);
        sqlite3_free(err);
        return 1;
    }
    if (s->count_changes)
        outf(s, "changes: %lld   total_changes: %lld\n", (long long)sqlite3_changes64(s->db),
             (long long)sqlite3_total_changes64(s->db));
    return 0;
}

static int process_input_nested(shell *s, vl_in *in);

/* Read SQL and dot-commands from in, at most 25 inputs deep as the CLI (a .read of itself). */
static int process_input(shell *s, vl_in *in)
{
    if (s->depth == 25) {
        errf(s, "Input nesting limit (25) reached at line %d. Check recursion.\n", s->lineno);
        return 1;
    }
    int saved = s->lineno;
    s->depth++;
    s->lineno = 0;
    int rc = process_input_nested(s, in);
    s->depth--;
    s->lineno = saved;
    return rc;
}

static int process_input_nested(shell *s, vl_in *in)
{
    vl_buf sql = {0};
    int errcnt = 0, startline = 0, state = 0;
    bool semi = false;
    char *line;
    ssize_t n;
    while (errcnt == 0 || !s->bail) {
        n = vl_in_getdelim(s->c, in, '\n', &line);
        if (n <= 0) break;
        if (line[n - 1] == '\n') n--;
        if (n > 0 && line[n - 1] == '\r') n--;
        char *z = vl_xmalloc(s->c, (size_t)n + 1);
        memcpy(z, line, (size_t)n);
        z[n] = 0;
        s->lineno++;
        if (vk_steps(s->c->p, 1) < 0) {
            int w = vk_dying(s->c->p);
            if (w) vl_exit(s->c, VK_WSHELL(w));
        }
        if (sql.len == 0 && state == 0 && all_white(z)) {
            if (s->echo) outf(s, "%s\n", z);
            vl_xfree(s->c, z);
            continue;
        }
        if (sql.len == 0 && state == 0 && (z[0] == '.' || z[0] == '#')) {
            if (s->echo) outf(s, "%s\n", z);
            if (z[0] == '.') {
                int rc = do_meta(s, z);
                if (rc == 2) {
                    vl_xfree(s->c, z);
                    vl_buf_free(s->c, &sql);
                    return errcnt > 0 ? 1 : 2;
                }
                if (rc) errcnt++;
            }
            vl_xfree(s->c, z);
            continue;
        }
        bool white = sql.len == 0 || all_white(sql.data);
        state = quickscan(z, state, &semi, &white);
        if (sql.len == 0) {
            const char *t = z;
            while (is_space(*t)) t++;
            vl_buf_adds(s->c, &sql, t);
            startline = s->lineno;
        } else {
            vl_buf_addc(s->c, &sql, '\n');
            vl_buf_adds(s->c, &sql, z);
        }
        vl_xfree(s->c, z);
        vl_buf_addc(s->c, &sql, 0);
        sql.len--;
        if (sql.len && semi && state == 0 && sqlite3_complete(sql.data)) {
            if (s->echo) outf(s, "%s\n", sql.data);
            errcnt += run_one(s, sql.data, startline, true);
            sql.len = 0;
            if (s->once) output_reset(s);
            state = 0;
        } else if (sql.len && state == 0 && all_white(sql.data)) {
            if (s->echo) outf(s, "%s\n", sql.data);
            sql.len = 0;
        }
    }
    if (sql.len && (errcnt == 0 || !s->bail)) {
        if (s->echo) outf(s, "%s\n", sql.data);
        errcnt += run_one(s, sql.data, startline, true);
    }
    vl_buf_free(s->c, &sql);
    return errcnt > 0;
}

/* ---- main ---- */

static int sqlite3_main(vl_ctx *c, int argc, char **argv)
{
    shell *s = vl_xcalloc(c, 1, sizeof *s);
    s->c = c;
    s->mode = s->cmode = MODE_LIST;
    set_sep(s->colsep, "|");
    set_sep(s->rowsep, "\n");
    s->outfd = -1;
    s->dest_table = "\"table\"";
    s->wrap = 0;
    char **cmds = vl_xcalloc(c, (size_t)argc + 1, sizeof *cmds);
    int ncmd = 0;
    const char **pre = vl_xcalloc(c, (size_t)argc + 1, sizeof *pre); /* -cmd arguments */
    int npre = 0;
    const char *init = NULL;
    bool no_more_opts = false;
    for (int i = 1; i < argc; i++) {
        const char *z = argv[i];
        if (z[0] != '-' || no_more_opts) {
            if (!s->dbname && ncmd == 0) s->dbname = z;
            else cmds[ncmd++] = argv[i];
            continue;
        }
        if (z[1] == '-' && z[2] == 0) {
            no_more_opts = true;
            continue;
        }
        if (z[1] == '-') z++;
        const char *need = NULL;
        if (strcmp(z, "-separator") == 0 || strcmp(z, "-nullvalue") == 0 || strcmp(z, "-newline") == 0 ||
            strcmp(z, "-cmd") == 0 || strcmp(z, "-init") == 0 || strcmp(z, "-vfs") == 0 ||
            strcmp(z, "-heap") == 0 || strcmp(z, "-pagecache") == 0 || strcmp(z, "-lookaside") == 0 ||
            strcmp(z, "-mmap") == 0 || strcmp(z, "-maxsize") == 0 || strcmp(z, "-threadsafe") == 0) {
            if (i + 1 >= argc) {
                vl_eprintf(c, "sqlite3: Error: missing argument to %s\n", argv[i]);
                return 1;
            }
            need = argv[++i];
        }
        if (strcmp(z, "-separator") == 0) {
            set_sep(s->colsep, need);
        } else if (strcmp(z, "-newline") == 0) {
            set_sep(s->rowsep, need);
        } else if (strcmp(z, "-nullvalue") == 0) {
            set_sep(s->nullvalue, need);
        } else if (strcmp(z, "-cmd") == 0) {
            pre[npre++] = need;
        } else if (strcmp(z, "-init") == 0) {
            init = need;
        } else if (need) {
            /* memory and VFS tuning options: accepted, without effect in a VM */
        } else if (strcmp(z, "-html") == 0) {
            s->mode = MODE_HTML;
        } else if (strcmp(z, "-list") == 0) {
            s->mode = MODE_LIST;
        } else if (strcmp(z, "-quote") == 0) {
            s->mode = MODE_QUOTE;
            set_sep(s->colsep, ",");
            set_sep(s->rowsep, "\n");
        } else if (strcmp(z, "-line") == 0) {
            s->mode = MODE_LINE;
        } else if (strcmp(z, "-column") == 0) {
            s->mode = MODE_COLUMN;
        } else if (strcmp(z, "-json") == 0) {
            s->mode = MODE_JSON;
        } else if (strcmp(z, "-markdown") == 0) {
            s->mode = MODE_MARKDOWN;
        } else if (strcmp(z, "-table") == 0) {
            s->mode = MODE_TABLE;
        } else if (strcmp(z, "-box") == 0) {
            s->mode = MODE_BOX;
        } else if (strcmp(z, "-csv") == 0) {
            s->mode = MODE_CSV;
            set_sep(s->colsep, ",");
        } else if (strcmp(z, "-ascii") == 0) {
            s->mode = MODE_ASCII;
            set_sep(s->colsep, "\037");
            set_sep(s->rowsep, "\036");
        } else if (strcmp(z, "-tabs") == 0) {
            s->mode = MODE_LIST;
            set_sep(s->colsep, "\t");
        } else if (strcmp(z, "-header") == 0 || strcmp(z, "-headers") == 0) {
            s->header = true;
            s->header_set = true;
        } else if (strcmp(z, "-noheader") == 0 || strcmp(z, "-noheaders") == 0) {
            s->header = false;
            s->header_set = true;
        } else if (strcmp(z, "-echo") == 0) {
            s->echo = true;
        } else if (strcmp(z, "-bail") == 0) {
            s->bail = true;
        } else if (strcmp(z, "-readonly") == 0) {
            s->readonly = true;
        } else if (strcmp(z, "-batch") == 0 || strcmp(z, "-interactive") == 0 || strcmp(z, "-safe") == 0 ||
                   strcmp(z, "-nofollow") == 0 || strcmp(z, "-memtrace") == 0 || strcmp(z, "-stats") == 0 ||
                   strcmp(z, "-scanstats") == 0 || strcmp(z, "-append") == 0 || strcmp(z, "-deserialize") == 0 ||
                   strcmp(z, "-no-rowid-in-view") == 0 || strcmp(z, "-nonce") == 0) {
        } else if (strcmp(z, "-version") == 0) {
            vl_printf(c, "%s %s\n", sqlite3_libversion(), sqlite3_sourceid());
            return 0;
        } else if (strcmp(z, "-help") == 0) {
            /* the CLI's usage text, on stderr with status 1 */
            vl_eprintf(c, "%s",
                "Usage: sqlite3 [OPTIONS] FILENAME [SQL]\n"
                "FILENAME is the name of an SQLite database. A new database is created\n"
                "if the file does not previously exist.\n"
                "OPTIONS include:\n"
                "   -A ARGS...           run \".archive ARGS\" and exit\n"
                "   -append              append the database to the end of the file\n"
                "   -ascii               set output mode to 'ascii'\n"
                "   -bail                stop after hitting an error\n"
                "   -batch               force batch I/O\n"
                "   -box                 set output mode to 'box'\n"
                "   -column              set output mode to 'column'\n"
                "   -cmd COMMAND         run \"COMMAND\" before reading stdin\n"
                "   -csv                 set output mode to 'csv'\n"
                "   -deserialize         open the database using sqlite3_deserialize()\n"
                "   -echo                print inputs before execution\n"
                "   -init FILENAME       read/process named file\n"
                "   -[no]header          turn headers on or off\n"
                "   -help                show this message\n"
                "   -html                set output mode to HTML\n"
                "   -interactive         force interactive I/O\n"
                "   -json                set output mode to 'json'\n"
                "   -line                set output mode to 'line'\n"
                "   -list                set output mode to 'list'\n"
                "   -lookaside SIZE N    use N entries of SZ bytes for lookaside memory\n"
                "   -markdown            set output mode to 'markdown'\n"
                "   -maxsize N           maximum size for a --deserialize database\n"
                "   -memtrace            trace all memory allocations and deallocations\n"
                "   -mmap N              default mmap size set to N\n"
                "   -newline SEP         set output row separator. Default: '\\n'\n"
                "   -nofollow            refuse to open symbolic links to database files\n"
                "   -nonce STRING        set the safe-mode escape nonce\n"
                "   -nullvalue TEXT      set text string for NULL values. Default ''\n"
                "   -pagecache SIZE N    use N slots of SZ bytes each for page cache memory\n"
                "   -quote               set output mode to 'quote'\n"
                "   -readonly            open the database read-only\n"
                "   -safe                enable safe-mode\n"
                "   -separator SEP       set output column separator. Default: '|'\n"
                "   -stats               print memory stats before each finalize\n"
                "   -table               set output mode to 'table'\n"
                "   -tabs                set output mode to 'tabs'\n"
                "   -version             show SQLite version\n"
                "   -vfs NAME            use NAME as the default VFS\n"
                "   -zip                 open the file as a ZIP Archive\n");
            return 1;
        } else {
            vl_eprintf(c, "sqlite3: Error: unknown option: %s\nUse -help for a list of options.\n", argv[i]);
            return 1;
        }
    }
    if (s->dbname && strcmp(s->dbname, ":memory:") == 0) s->dbname = NULL;
    if (s->dbname && s->dbname[0] == 0) s->dbname = NULL;
    if (init) {
        int err = 0;
        vl_in *in = vl_in_open_quiet(c, init, &err);
        if (in) {
            int r = process_input(s, in);
            vl_in_close(c, in);
            if (r == 2) return 0;
        } else {
            errf(s, "cannot open: \"%s\"\n", init);
        }
    }
    for (int i = 0; i < npre; i++) {
        if (pre[i][0] == '.') {
            int rc = do_meta(s, pre[i]);
            if (rc == 2) return 0;
            if (rc && s->bail) return rc;
        } else {
            char *err = NULL;
            open_db(s);
            int rc = shell_exec(s, pre[i], &err);
            if (err) {
                errf(s, "Error: %s\n", err);
                sqlite3_free(err);
                if (s->bail) return rc ? rc : 1;
            } else if (rc) {
                errf(s, "Error: unable to process SQL \"%s\"\n", pre[i]);
                if (s->bail) return rc;
            }
        }
    }
    int status = 0;
    if (ncmd > 0) {
        for (int i = 0; i < ncmd; i++) {
            if (cmds[i][0] == '.') {
                int rc = do_meta(s, cmds[i]);
                if (rc) {
                    output_reset(s);
                    return rc == 2 ? 0 : rc;
                }
            } else {
                open_db(s);
                char *err = NULL;
                int rc = shell_exec(s, cmds[i], &err); /* .once lasts to the end here, as in the CLI */
                if (err || rc) {
                    if (err) errf(s, "Error: %s\n", err);
                    else errf(s, "Error: unable to process SQL: %s\n", cmds[i]);
                    sqlite3_free(err);
                    output_reset(s);
                    return rc ? rc : 1;
                }
            }
        }
    } else {
        vl_in *in = vl_in_fd(c, 0, "-");
        int r = process_input(s, in);
        status = r == 1 ? 1 : 0;
    }
    output_reset(s);
    return status;
}

VL_COMMAND(sqlite3, sqlite3_main, NULL, "[OPTIONS] FILENAME [SQL]...",
           "The SQLite command-line shell over VM files.", VL_NO_OPTIONS, 1);
