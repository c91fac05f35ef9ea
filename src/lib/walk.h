/* walk.h: what the filesystem commands (ls, rm, cp, mv, mkdir, stat...) share: reading a
 * whole directory, an iterative depth-first walk that never loops and never overflows the
 * C stack, chmod-style mode parsing, user/group names from the VM's /etc files, and file
 * copying. Everything goes through the kernel calls; nothing here prints. */
#ifndef VL_WALK_H
#define VL_WALK_H

#include "lib/cmd.h"

/* ---- directories ---- */
typedef struct vl_names {
    char **v; /* names (without "." and ".."), arena strings */
    size_t n;
    unsigned char *types; /* vl_dir_entries: the listing's VK_DT_* of each (else NULL) */
} vl_names;

/* Read every entry of directory path (in the driver's order). 0 or a negative code. */
int vl_dir_names(vl_ctx *c, const char *path, vl_names *out);
/* The same, with each entry's VK_DT_* type in out->types (arena). */
int vl_dir_entries(vl_ctx *c, const char *path, vl_names *out);
/* Sort by bytes (LC_ALL=C order). */
void vl_names_sort(vl_ctx *c, vl_names *nm);
void vl_names_free(vl_ctx *c, vl_names *nm);

/* ---- walking a tree ----
 * Entries below a directory come sorted by name, so outputs are stable on every driver. */
enum {
    VL_WALK_FILE = 1, /* anything that is not descended into */
    VL_WALK_PRE,      /* a directory, before its entries */
    VL_WALK_POST,     /* a directory, after its entries (only when PRE asked to descend) */
    VL_WALK_DNR,      /* a directory that could not be read (err); no POST follows */
    VL_WALK_LOOP,     /* a directory that is its own ancestor (only when following links) */
    VL_WALK_NS,       /* an entry that could not be stat'ed (err) */
};
/* What a callback returns (bits). */
enum {
    VL_WALK_KEPT = 1, /* the entry still exists (rm: its parent is not empty) */
    VL_WALK_SKIP = 2, /* PRE: do not descend (no entries, no POST) */
    VL_WALK_STOP = 4, /* end the whole walk */
};
/* Flags of vl_walk. */
enum {
    VL_WALK_FOLLOW = 1,      /* stat every entry (follow symlinks) */
    VL_WALK_FOLLOW_ROOT = 2, /* stat the root only (cp -H, command-line links) */
    /* Trust the directory listing's type for entries that are not directories: no stat for
     * them (e->partial; only the type bits of e->st.mode are set). rm -r, which needs nothing
     * more, saves a driver call per file. */
    VL_WALK_DTYPE = 4,
};
/* Deepest level descended into: the kernel's path length bounds real trees well before. */
#define VL_WALK_MAXDEPTH 2048

typedef struct vl_walk_ent {
    const char *path; /* root joined with the names below it */
    const char *rel;  /* path relative to the root ("" for the root itself) */
    const char *name; /* last component (the root: the whole root argument) */
    struct vk_stat st;
    int depth;        /* 0 for the root */
    int err;          /* DNR, NS: the negative code */
    int kept;         /* POST: how many entries below returned VL_WALK_KEPT */
    bool partial;     /* VL_WALK_DTYPE: st holds only the type */
} vl_walk_ent;

typedef int (*vl_walk_fn)(vl_ctx *c, vl_walk_ent *e, int event, void *ud);
/* Walk root depth first. Returns VL_WALK_KEPT when the root is still there per the callback
 * (or VL_WALK_STOP when a callback stopped the walk). */
int vl_walk(vl_ctx *c, const char *root, int flags, vl_walk_fn fn, void *ud);

/* ---- file modes ---- */
/* Parse a chmod-style mode ("755", "u+rwx,go-w", "a=rX") applied to base. umask is used by
 * "+rw" without who letters; is_dir enables X. 0 or VOS_EINVAL. */
int vl_mode_parse(const char *s, unsigned base, unsigned umask, bool is_dir, unsigned *out);
/* "regular file", "regular empty file", "directory", "symbolic link"... as GNU stat names
 * them. */
const char *vl_file_type(uint32_t mode, uint64_t size);

/* ---- names of users and groups (/etc/passwd, /etc/group of the VM) ---- */
typedef struct vl_ids vl_ids;
vl_ids *vl_ids_new(vl_ctx *c);
/* Borrowed name, or NULL when the id has no entry. */
const char *vl_ids_user(vl_ids *ids, unsigned uid);
const char *vl_ids_group(vl_ids *ids, unsigned gid);

/* ---- copying ---- */
/* Copy the bytes of src to dst (created with mode & 07777 when missing, truncated when not,
 * or created exclusively when excl). Returns 0 or a negative code; on error *stage says
 * which step failed (VL_COPY_OPEN_SRC...), so the caller can word its message. */
enum { VL_COPY_OPEN_SRC, VL_COPY_OPEN_DST, VL_COPY_READ, VL_COPY_WRITE };
int vl_copy_data(vl_ctx *c, const char *src, const char *dst, unsigned mode, bool excl,
                 int *stage);

/* Does path end in a "." or ".." component (after trailing slashes)? */
bool vl_is_dot_or_dotdot(const char *path);
/* Strip trailing slashes in place (keeping a lone "/"). */
void vl_strip_slashes(char *path);

/* The operands of cp and mv (options -t DIR and -T): returns the directory every source goes
 * into (and lowers *n to the number of sources), or NULL when argv[1] and argv[2] are one source
 * and its destination. Dies with GNU's messages on bad operands. */
const char *vl_target_dir(vl_ctx *c, int *n, char **argv);

#endif

/* ---- options given several times ----
 * Every argument given to option id, in order (ls -I, du --exclude take each one). argv must be
 * the command's argv as received, before vl_getopt permuted it: keep a copy of the pointers.
 * Call after vl_getopt (which has already rejected bad options). Returns the count; *out is an
 * arena array. */
int vl_opt_all(vl_ctx *c, int argc, char **argv, int id, const char ***out);
/* How the last occurrence of option id was written ("-B" or "--block-size"), for GNU's messages
 * that quote the option as typed; "" if absent. Same argv rules as vl_opt_all. */
const char *vl_opt_spelling(vl_ctx *c, int argc, char **argv, int id);

/* ---- sizes: GNU's human_readable and --block-size (ls, du, df) ---- */
enum {
    VL_HUMAN_CEIL = 0,     /* round up (GNU's default) */
    VL_HUMAN_NEAREST = 1,
    VL_HUMAN_FLOOR = 2,
    VL_HUMAN_GROUP = 4,    /* thousands separators (none in the C locale) */
    VL_HUMAN_SUPPRESS_POINT_ZERO = 8,
    VL_HUMAN_AUTOSCALE = 16, /* pick the unit (-h, --si) */
    VL_HUMAN_BASE_1024 = 32,
    VL_HUMAN_SPACE = 64,   /* a space before the unit */
    VL_HUMAN_SI = 128,     /* print the unit letter */
    VL_HUMAN_B = 256,      /* print "B" (and "i" with 1024) after it */
};
#define VL_HUMAN_BUFSIZE 48
/* n units of from_size bytes, expressed in units of to_size, written into buf; returns buf's
 * start (the text ends at the NUL). */
char *vl_human(char buf[VL_HUMAN_BUFSIZE], uint64_t n, int opts, uint64_t from_size,
               uint64_t to_size);
/* A --block-size value ("1K", "KiB", "MB", "human-readable", "si", "'1M"), or when spec is NULL
 * the environment's (env_name first, e.g. "LS_BLOCK_SIZE", then BLOCK_SIZE and BLOCKSIZE; else
 * 1024, or 512 with POSIXLY_CORRECT). Returns 0, VOS_EINVAL (bad number: "invalid ... argument"),
 * VOS_ERANGE (too large) or VOS_ENOTSUP (bad suffix: "invalid suffix in ..."). */
int vl_block_size(vl_ctx *c, const char *spec, const char *env_name, int *opts, uint64_t *size);
/* Report a bad --block-size as GNU does ("invalid --block-size argument 'x'") and exit 1
 * (status: the command's usage status). */
_Noreturn void vl_block_size_die(vl_ctx *c, int rc, const char *opt, const char *spec, int status);

/* ---- quoting file names (GNU quotearg: ls --quoting-style, stat %N, QUOTING_STYLE) ---- */
enum {
    VL_QS_LITERAL,
    VL_QS_SHELL,
    VL_QS_SHELL_ALWAYS,
    VL_QS_SHELL_ESCAPE,
    VL_QS_SHELL_ESCAPE_ALWAYS,
    VL_QS_C,
    VL_QS_C_MAYBE,
    VL_QS_ESCAPE,
    VL_QS_LOCALE,
    VL_QS_CLOCALE,
};
/* The style named word ("shell-escape"...), or -1. */
int vl_quoting_style(const char *word);
extern const char *const vl_quoting_style_names[]; /* NULL-terminated, in GNU's order */
/* Append s (len bytes) quoted in style to out; extra: 256-bit map of more bytes to quote (or
 * NULL). Bytes outside printable ASCII are unprintable (the C locale). Returns whether the
 * result differs from s. */
bool vl_quotearg(vl_ctx *c, vl_buf *out, const char *s, size_t len, int style,
                 const uint32_t *extra);

/* ---- canonical names (realpath, readlink -f/-e/-m, ln -r, install) ----
 * GNU's canonicalize_filename_mode: EXISTING (every component must exist), ALL_BUT_LAST (the
 * last may be missing), MISSING (nothing need exist); NOLINKS resolves "." and ".." without
 * expanding symbolic links (realpath -s; the logical first pass of -L). 0 and *out (arena),
 * or a negative code. */
enum { VL_CAN_EXISTING = 0, VL_CAN_ALL_BUT_LAST = 1, VL_CAN_MISSING = 2, VL_CAN_NOLINKS = 4 };
int vl_canonicalize(vl_ctx *c, const char *name, int mode, char **out);
/* The relative path from directory dir to file, both canonical absolute names (arena). */
char *vl_relpath(vl_ctx *c, const char *file, const char *dir);
/* Is path equal to prefix or below it (canonical names)? */
bool vl_path_prefix(const char *prefix, const char *path);

/* ---- ownership: chown and chgrp ----
 * The VM has one user: an owner or group can only be "changed" to what the kernel would allow
 * an ordinary user that cannot really change anything, i.e. the owner's own file kept at its
 * owner and at the user's group. Anything else fails with GNU's "changing ownership of 'f':
 * Operation not permitted". The option table and the whole run are shared by both commands. */
extern const vl_opt vl_chown_opts[];
extern const vl_opt vl_chgrp_opts[];
int vl_chown_run(vl_ctx *c, int argc, char **argv, bool chgrp);

/* ---- backups (cp, mv, ln, install: -b, --backup[=CONTROL], -S) ---- */
enum { VL_BACKUP_NONE, VL_BACKUP_SIMPLE, VL_BACKUP_EXISTING, VL_BACKUP_NUMBERED };
/* The backup type asked for by the options b_id (-b), backup_id (--backup[=CONTROL]) and
 * suffix_id (-S, which implies a backup), VERSION_CONTROL and SIMPLE_BACKUP_SUFFIX, as GNU
 * reads them; dies with GNU's message for a bad CONTROL. *suffix gets the suffix ("~"). */
int vl_backup_type(vl_ctx *c, int b_id, int backup_id, int suffix_id, const char **suffix);
/* The name a backup of existing file dst gets (arena), or NULL for VL_BACKUP_NONE. */
char *vl_backup_name(vl_ctx *c, const char *dst, int type, const char *suffix);

/* ---- writing a file safely ----
 * Open a new temporary file next to path ("DIR/.NAME.vosXXXXXX", created exclusively with
 * mode & 07777): returns the fd and *tmp (arena), or a negative code. The caller writes it, then
 * renames it over path (or unlinks it on failure), so path is never left half-written. */
int vl_temp_beside(vl_ctx *c, const char *path, unsigned mode, char **tmp);
/* The id of user (group) name in the VM's /etc files; false when unknown. */
bool vl_ids_find(vl_ids *ids, const char *name, bool group, unsigned *id);
