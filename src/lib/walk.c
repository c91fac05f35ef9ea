/* walk.c: shared machinery of the filesystem commands (see walk.h): directory reading, the
 * tree walk, mode parsing, /etc name lookups and data copying. It never prints
 * and never decides policy (what to do with an entry is the caller's business); all state
 * lives in the caller's ctx arena, so VMs on different threads share nothing. */
#include "lib/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

/* ---- directories ---- */

static int read_dir(vl_ctx *c, const char *path, vl_names *out, bool types)
{
    out->v = NULL;
    out->n = 0;
    out->types = NULL;
    int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    size_t cap = 0;
    vk_dirent de;
    int rc;
    while ((rc = vk_readdir(c->p, fd, &de)) > 0) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = vl_xrealloc(c, out->v, cap * sizeof *out->v);
            if (types) out->types = vl_xrealloc(c, out->types, cap);
        }
        if (types) out->types[out->n] = (unsigned char)de.type;
        out->v[out->n++] = vl_xstrdup(c, de.name);
    }
    vk_close(c->p, fd);
    if (rc < 0) {
        vl_names_free(c, out);
        return rc;
    }
    return 0;
}

int vl_dir_names(vl_ctx *c, const char *path, vl_names *out)
{
    return read_dir(c, path, out, false);
}

int vl_dir_entries(vl_ctx *c, const char *path, vl_names *out)
{
    return read_dir(c, path, out, true);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct name_type {
    char *name;
    unsigned char type;
} name_type;

static int cmp_pairs(const void *a, const void *b)
{
    return strcmp(((const name_type *)a)->name, ((const name_type *)b)->name);
}

void vl_names_sort(vl_ctx *c, vl_names *nm)
{
    if (nm->n < 2) return;
    if (!nm->types) {
        qsort(nm->v, nm->n, sizeof *nm->v, cmp_names);
        return;
    }
    /* the types move with their names */
    name_type *pairs = vl_xmalloc(c, nm->n * sizeof *pairs);
    for (size_t i = 0; i < nm->n; i++) pairs[i] = (name_type){nm->v[i], nm->types[i]};
    qsort(pairs, nm->n, sizeof *pairs, cmp_pairs);
    for (size_t i = 0; i < nm->n; i++) nm->v[i] = pairs[i].name, nm->types[i] = pairs[i].type;
    vl_xfree(c, pairs);
}

void vl_names_free(vl_ctx *c, vl_names *nm)
{
    for (size_t i = 0; i < nm->n; i++) vl_xfree(c, nm->v[i]);
    vl_xfree(c, nm->v);
    vl_xfree(c, nm->types);
    nm->v = NULL;
    nm->types = NULL;
    nm->n = 0;
}

/* ---- the walk ----
 * Iterative with an explicit stack in the arena: a deep tree costs heap, never C stack (VM
 * processes are threads whose stacks are not large). */
typedef struct frame {
    vl_walk_ent ent;
    vl_names names;
    size_t next;
} frame;

static int do_stat(vl_ctx *c, const char *path, bool follow, struct vk_stat *st)
{
    return follow ? vk_stat(c->p, path, st) : vk_lstat(c->p, path, st);
}

static void free_ent(vl_ctx *c, vl_walk_ent *e)
{
    vl_xfree(c, (char *)e->path);
    vl_xfree(c, (char *)e->rel);
}

int vl_walk(vl_ctx *c, const char *root, int flags, vl_walk_fn fn, void *ud)
{
    bool follow = flags & VL_WALK_FOLLOW;
    vl_walk_ent e = {0};
    e.path = vl_xstrdup(c, root);
    e.rel = vl_xstrdup(c, "");
    e.name = root;
    e.err = do_stat(c, root, follow || (flags & VL_WALK_FOLLOW_ROOT), &e.st);
    int r;
    if (e.err < 0) {
        r = fn(c, &e, VL_WALK_NS, ud);
        free_ent(c, &e);
        return r & (VL_WALK_KEPT | VL_WALK_STOP);
    }
    if (!VK_S_ISDIR(e.st.mode)) {
        r = fn(c, &e, VL_WALK_FILE, ud);
        free_ent(c, &e);
        return r & (VL_WALK_KEPT | VL_WALK_STOP);
    }
    r = fn(c, &e, VL_WALK_PRE, ud);
    if (r & (VL_WALK_SKIP | VL_WALK_STOP)) {
        free_ent(c, &e);
        return r & (VL_WALK_KEPT | VL_WALK_STOP);
    }
    frame *stk = NULL;
    size_t nstk = 0, cap = 0;
    vl_names nm;
    bool dtype = flags & VL_WALK_DTYPE;
    e.err = dtype ? vl_dir_entries(c, root, &nm) : vl_dir_names(c, root, &nm);
    if (e.err < 0) {
        r = fn(c, &e, VL_WALK_DNR, ud);
        free_ent(c, &e);
        return r & (VL_WALK_KEPT | VL_WALK_STOP);
    }
    vl_names_sort(c, &nm);
    cap = 8;
    stk = vl_xmalloc(c, cap * sizeof *stk);
    stk[0] = (frame){e, nm, 0};
    nstk = 1;
    int result = 0;
    while (nstk > 0) {
        frame *top = &stk[nstk - 1];
        if (top->next < top->names.n) {
            size_t idx = top->next++;
            const char *name = top->names.v[idx];
            vl_walk_ent ch = {0};
            ch.path = vl_path_join(c, top->ent.path, name);
            ch.rel = top->ent.rel[0] ? vl_path_join(c, top->ent.rel, name) : vl_xstrdup(c, name);
            ch.name = name;
            ch.depth = top->ent.depth + 1;
            /* -DTYPE: a listed type that is not a directory (nor a link to follow) needs no
             * stat */
            unsigned t = top->names.types ? top->names.types[idx] : VK_DT_UNKNOWN;
            if (t != VK_DT_UNKNOWN && t != VK_DT_DIR && !(follow && t == VK_DT_LNK)) {
                ch.partial = true;
                ch.st.mode = t == VK_DT_REG ? VK_S_IFREG : t == VK_DT_LNK ? VK_S_IFLNK
                             : t == VK_DT_FIFO ? VK_S_IFIFO : t == VK_DT_CHR ? VK_S_IFCHR
                                                                          : VK_S_IFREG;
            } else {
                ch.err = do_stat(c, ch.path, follow, &ch.st);
            }
            bool pushed = false;
            if (ch.err < 0) {
                r = fn(c, &ch, VL_WALK_NS, ud);
            } else if (!VK_S_ISDIR(ch.st.mode)) {
                r = fn(c, &ch, VL_WALK_FILE, ud);
            } else {
                bool loop = false;
                for (size_t i = 0; i < nstk && !loop; i++)
                    loop = stk[i].ent.st.dev == ch.st.dev && stk[i].ent.st.ino == ch.st.ino;
                if (loop) {
                    r = fn(c, &ch, VL_WALK_LOOP, ud);
                } else if (ch.depth > VL_WALK_MAXDEPTH) {
                    ch.err = VOS_ENAMETOOLONG;
                    r = fn(c, &ch, VL_WALK_DNR, ud);
                } else {
                    r = fn(c, &ch, VL_WALK_PRE, ud);
                    if (!(r & (VL_WALK_SKIP | VL_WALK_STOP))) {
                        ch.err = dtype ? vl_dir_entries(c, ch.path, &nm)
                                       : vl_dir_names(c, ch.path, &nm);
                        if (ch.err < 0) {
                            r = fn(c, &ch, VL_WALK_DNR, ud);
                        } else {
                            vl_names_sort(c, &nm);
                            if (nstk == cap) {
                                cap *= 2;
                                stk = vl_xrealloc(c, stk, cap * sizeof *stk);
                            }
                            stk[nstk++] = (frame){ch, nm, 0};
                            pushed = true;
                        }
                    }
                }
            }
            if (pushed) continue;
            free_ent(c, &ch);
            if (r & VL_WALK_STOP) {
                result = VL_WALK_STOP;
                break;
            }
            if (r & VL_WALK_KEPT) stk[nstk - 1].ent.kept++;
        } else {
            r = fn(c, &top->ent, VL_WALK_POST, ud);
            free_ent(c, &top->ent);
            vl_names_free(c, &top->names);
            nstk--;
            if (r & VL_WALK_STOP) {
                result = VL_WALK_STOP;
                break;
            }
            if (nstk > 0) {
                if (r & VL_WALK_KEPT) stk[nstk - 1].ent.kept++;
            } else {
                result = r & VL_WALK_KEPT;
            }
        }
    }
    while (nstk > 0) { /* stopped early */
        nstk--;
        free_ent(c, &stk[nstk].ent);
        vl_names_free(c, &stk[nstk].names);
    }
    vl_xfree(c, stk);
    return result;
}

/* ---- modes ----
 * GNU's rules (coreutils' modechange), which differ from a naive reading in a few places that
 * scripts do meet: X looks at the mode as changed so far in the same string ("a-x,a+X" on a
 * file adds nothing); without who letters the umask filters what is set or cleared; a
 * directory keeps its set-user/group-ID bits unless the mode names them ("chmod 755 dir" keeps
 * setgid, "chmod 00755 dir" clears it); and "u=g" copies the group bits as they are now. */

#define MODE_ALL 07777u
#define MODE_SETID 06000u

static bool is_octal(char ch)
{
    return ch >= '0' && ch <= '7';
}

/* Read an octal number at *q; false when it grows past 07777. */
static bool read_octal(const char **q, unsigned *out)
{
    unsigned v = 0;
    for (; is_octal(**q); (*q)++) {
        v = v * 8 + (unsigned)(**q - '0');
        if (v > MODE_ALL) return false;
    }
    *out = v;
    return true;
}

/* Apply one operation to mode. who: the bits named by u/g/o/a (0: none named, then the umask
 * filters); mentioned: the bits the operation names, which decides whether a directory's set-id
 * bits are spared. */
static unsigned apply_op(unsigned mode, char op, unsigned who, unsigned value, unsigned mentioned,
                         unsigned umask, bool is_dir)
{
    unsigned spared = (is_dir ? MODE_SETID : 0) & ~mentioned;
    value &= (who ? who : ~umask) & ~spared & MODE_ALL;
    if (op == '+') return mode | value;
    if (op == '-') return mode & ~value;
    unsigned kept = (who ? ~who : 0) | spared;
    return ((mode & kept) | value) & MODE_ALL;
}

int vl_mode_parse(const char *s, unsigned base, unsigned umask, bool is_dir, unsigned *out)
{
    if (!s) return VOS_EINVAL;
    unsigned mode = base & MODE_ALL;
    const char *q = s;
    if (is_octal(*q)) {
        unsigned v;
        if (!read_octal(&q, &v) || *q) return VOS_EINVAL;
        /* up to four digits leave a directory's set-id bits alone unless they are set */
        unsigned mentioned = q - s < 5 ? (v & MODE_SETID) | 01777 : MODE_ALL;
        *out = apply_op(mode, '=', MODE_ALL, v, mentioned, umask, is_dir);
        return 0;
    }
    for (;;) {
        unsigned who = 0;
        for (; *q == 'u' || *q == 'g' || *q == 'o' || *q == 'a'; q++)
            who |= *q == 'u' ? 04700 : *q == 'g' ? 02070 : *q == 'o' ? 01007 : MODE_ALL;
        if (*q != '+' && *q != '-' && *q != '=') return VOS_EINVAL;
        do {
            char op = *q++;
            unsigned value = 0, mentioned = 0;
            if (is_octal(*q)) {
                /* "+644", "-022": octal after an operator, only alone in its clause */
                if (!read_octal(&q, &value) || who || (*q && *q != ',')) return VOS_EINVAL;
                who = mentioned = MODE_ALL;
            } else if (*q == 'u' || *q == 'g' || *q == 'o') {
                /* copy one class's current bits to the classes named */
                int shift = *q == 'u' ? 6 : *q == 'g' ? 3 : 0;
                unsigned bits = (mode >> shift) & 7;
                value = bits * 0111;
                mentioned = who ? who & (07u << shift) : (07u << shift);
                q++;
            } else {
                bool cond_x = false;
                for (;; q++) {
                    if (*q == 'r') value |= 0444;
                    else if (*q == 'w') value |= 0222;
                    else if (*q == 'x') value |= 0111;
                    else if (*q == 'X') cond_x = true;
                    else if (*q == 's') value |= MODE_SETID;
                    else if (*q == 't') value |= 01000;
                    else break;
                }
                mentioned = who ? who & value : value;
                if (cond_x && ((mode & 0111) || is_dir)) value |= 0111;
            }
            mode = apply_op(mode, op, who, value, mentioned, umask, is_dir);
        } while (*q == '+' || *q == '-' || *q == '=');
        if (*q == '\0') break;
        if (*q != ',') return VOS_EINVAL;
        q++;
    }
    *out = mode;
    return 0;
}

const char *vl_file_type(uint32_t mode, uint64_t size)
{
    switch (mode & VK_S_IFMT) {
    case VK_S_IFREG: return size ? "regular file" : "regular empty file";
    case VK_S_IFDIR: return "directory";
    case VK_S_IFLNK: return "symbolic link";
    case VK_S_IFCHR: return "character special file";
    case VK_S_IFBLK: return "block special file";
    case VK_S_IFIFO: return "fifo";
    case VK_S_IFSOCK: return "socket";
    default: return "weird file";
    }
}

/* ---- /etc/passwd and /etc/group ---- */
typedef struct idname {
    unsigned id;
    char *name;
} idname;

struct vl_ids {
    idname *users, *groups;
    size_t nusers, ngroups;
};

/* Read a whole (small) file through the kernel; NULL when it cannot be read. */
static char *slurp(vl_ctx *c, const char *path)
{
    int fd = vk_open(c->p, path, VK_O_RDONLY, 0);
    if (fd < 0) return NULL;
    size_t len = 0, cap = 1024;
    char *buf = vl_xmalloc(c, cap);
    for (;;) {
        if (cap - len < 512) {
            if (cap > (1u << 22)) break; /* an absurd /etc file: use what we have */
            cap *= 2;
            buf = vl_xrealloc(c, buf, cap);
        }
        ssize_t n = vk_read(c->p, fd, buf + len, cap - len - 1);
        if (n <= 0) break;
        len += (size_t)n;
    }
    vk_close(c->p, fd);
    buf[len] = '\0';
    return buf;
}

/* "name:x:id:..." lines: field 0 is the name, field 2 the id. */
static void load_ids(vl_ctx *c, const char *path, idname **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    char *text = slurp(c, path);
    if (!text) return;
    size_t cap = 0;
    char *line = text;
    while (*line) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        char *colon1 = strchr(line, ':');
        char *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
        if (colon1 && colon2 && colon1 > line) {
            char *stop;
            unsigned long id = strtoul(colon2 + 1, &stop, 10);
            if (stop != colon2 + 1 && (*stop == ':' || *stop == '\0')) {
                if (*nout == cap) {
                    cap = cap ? cap * 2 : 16;
                    *out = vl_xrealloc(c, *out, cap * sizeof **out);
                }
                *colon1 = '\0';
                (*out)[*nout].id = (unsigned)id;
                (*out)[(*nout)++].name = vl_xstrdup(c, line);
            }
        }
        if (!end) break;
        line = end + 1;
    }
    vl_xfree(c, text);
}

vl_ids *vl_ids_new(vl_ctx *c)
{
    vl_ids *ids = vl_xcalloc(c, 1, sizeof *ids);
    load_ids(c, "/etc/passwd", &ids->users, &ids->nusers);
    load_ids(c, "/etc/group", &ids->groups, &ids->ngroups);
    return ids;
}

static const char *find_id(const idname *v, size_t n, unsigned id)
{
    for (size_t i = 0; i < n; i++) /* the first entry wins, as getpwuid does */
        if (v[i].id == id) return v[i].name;
    return NULL;
}

const char *vl_ids_user(vl_ids *ids, unsigned uid)
{
    return find_id(ids->users, ids->nusers, uid);
}

const char *vl_ids_group(vl_ids *ids, unsigned gid)
{
    return find_id(ids->groups, ids->ngroups, gid);
}

/* ---- copying ---- */

static int copy_fds(vl_ctx *c, int in, int out, int *stage);

int vl_copy_data(vl_ctx *c, const char *src, const char *dst, unsigned mode, bool excl,
                 int *stage)
{
    *stage = VL_COPY_OPEN_SRC;
    int in = vk_open(c->p, src, VK_O_RDONLY, 0);
    if (in < 0) return in;
    *stage = VL_COPY_OPEN_DST;
    /* Over an existing regular file (one link), the data goes to a new file beside it that
     * replaces it only when complete: a failure midway (a quota, a limit, an interrupt)
     * leaves the old content, never a partial file. The new file takes the old one's mode,
     * as writing into it would keep it. */
    char *tmp = NULL;
    struct vk_stat dst_st;
    if (!excl && vk_lstat(c->p, dst, &dst_st) == 0 && VK_S_ISREG(dst_st.mode) &&
        dst_st.nlink == 1 && vk_access(c->p, dst, VK_W_OK) == 0) {
        size_t dl = strlen(dst);
        const char *base = strrchr(dst, '/');
        size_t dirlen = base ? (size_t)(base - dst) + 1 : 0;
        tmp = vl_xmalloc(c, dl + 40);
        static _Atomic unsigned seq;
        for (int tries = 0; tries < 8; tries++) {
            snprintf(tmp, dl + 40, "%.*s.%s.vos%d-%u", (int)dirlen, dst, dst + dirlen,
                     vk_getpid(c->p), (unsigned)atomic_fetch_add(&seq, 1));
            int out = vk_open(c->p, tmp, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, dst_st.mode & 07777);
            if (out == VOS_EEXIST) continue;
            if (out < 0) break; /* a directory we may not write into: write in place below */
            int rc = copy_fds(c, in, out, stage);
            vk_close(c->p, in);
            if (rc == 0 && (rc = vk_rename(c->p, tmp, dst)) < 0) *stage = VL_COPY_WRITE;
            if (rc < 0) vk_unlink(c->p, tmp);
            vl_xfree(c, tmp);
            return rc;
        }
        vl_xfree(c, tmp);
    }
    int flags = VK_O_WRONLY | VK_O_CREAT | (excl ? VK_O_EXCL : VK_O_TRUNC);
    int out = vk_open(c->p, dst, flags, mode & 07777);
    if (out < 0) {
        vk_close(c->p, in);
        return out;
    }
    int rc = copy_fds(c, in, out, stage);
    vk_close(c->p, in);
    return rc;
}

/* Copy in to out and close out (its close can report a write error). */
static int copy_fds(vl_ctx *c, int in, int out, int *stage)
{
    enum { CHUNK = 256 * 1024 }; /* big reads and writes: the copy is syscall-bound on memfs */
    char *buf = vl_xmalloc(c, CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = vk_read(c->p, in, buf, CHUNK);
        if (n < 0) {
            *stage = VL_COPY_READ;
            rc = (int)n;
            break;
        }
        if (n == 0) break;
        ssize_t w = vk_write(c->p, out, buf, (size_t)n);
        if (w < 0) {
            *stage = VL_COPY_WRITE;
            rc = (int)w;
            break;
        }
    }
    vl_xfree(c, buf);
    int crc = vk_close(c->p, out);
    if (rc == 0 && crc < 0) {
        *stage = VL_COPY_WRITE;
        rc = crc;
    }
    return rc;
}

bool vl_is_dot_or_dotdot(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/') start--;
    size_t n = len - start;
    return (n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.');
}

void vl_strip_slashes(char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
}

/* cp and mv read their operands the same way; see walk.h. */
const char *vl_target_dir(vl_ctx *c, int *np, char **argv)
{
    int n = *np;
    const char *tdir = vl_arg(c, 't');
    if (tdir && vl_has(c, 'T'))
        vl_usage_error(c, "cannot combine --target-directory (-t) and --no-target-directory (-T)");
    if (n == 0) vl_usage_error(c, "missing file operand");
    if (vl_has(c, 'T')) {
        if (n == 1)
            vl_usage_error(c, "missing destination file operand after %s",
                           vl_quote_always(c, argv[1]));
        if (n > 2) vl_usage_error(c, "extra operand %s", vl_quote_always(c, argv[3]));
        return NULL;
    }
    struct vk_stat st;
    if (tdir) {
        int rc = vk_stat(c->p, tdir, &st);
        if (rc < 0)
            vl_die(c, 1, "target directory %s: %s", vl_quote_always(c, tdir), vl_strerror(rc));
        if (!VK_S_ISDIR(st.mode))
            vl_die(c, 1, "target directory %s: %s", vl_quote_always(c, tdir),
                   vl_strerror(VOS_ENOTDIR));
        return tdir;
    }
    if (n == 1)
        vl_usage_error(c, "missing destination file operand after %s", vl_quote_always(c, argv[1]));
    int rc = vk_stat(c->p, argv[n], &st);
    bool isdir = rc == 0 && VK_S_ISDIR(st.mode);
    if (!isdir && n == 2) return NULL;
    if (!isdir) {
        if (rc < 0) vl_die(c, 1, "target %s: %s", vl_quote_always(c, argv[n]), vl_strerror(rc));
        vl_die(c, 1, "target %s is not a directory", vl_quote_always(c, argv[n]));
    }
    *np = n - 1;
    return argv[n];
}

/* ---- options given several times ---- */

/* Walk argv's options as GNU's getopt would, calling fn for each occurrence (o, its argument,
 * and how it was spelled: "-B" or "--block-size"). */
typedef void (*opt_fn)(const vl_opt *o, const char *arg, const char *spelled, void *ud);

static void scan_opts(vl_ctx *c, int argc, char **argv, opt_fn fn, void *ud)
{
    const vl_opt *opts = c->decl->opts;
    int nopt = 0;
    while (opts[nopt].id) nopt++;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || a[1] == '\0') {
            if (c->decl->flags & VL_STOP_AT_OPERAND) break;
            continue;
        }
        if (a[1] == '-') {
            const vl_opt *o = NULL;
            const char *arg = NULL, *name = a + 2, *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            for (int k = 0; k < nopt && !o; k++) /* an exact name wins over prefixes */
                if (opts[k].lng && strlen(opts[k].lng) == nl && !strncmp(opts[k].lng, name, nl))
                    o = &opts[k];
            for (int k = 0; k < nopt && !o; k++)
                if (opts[k].lng && nl && !strncmp(opts[k].lng, name, nl)) o = &opts[k];
            if (!o) continue; /* --help, --version: vl_getopt has handled them */
            if (eq) arg = eq + 1;
            else if (o->arg == VL_ARG && i + 1 < argc) arg = argv[++i];
            char spelled[80];
            snprintf(spelled, sizeof spelled, "--%s", o->lng);
            fn(o, arg, spelled, ud);
            continue;
        }
        for (const char *q = a + 1; *q; q++) {
            const vl_opt *o = NULL;
            for (int k = 0; k < nopt; k++)
                if (opts[k].id == (unsigned char)*q) {
                    o = &opts[k];
                    break;
                }
            if (!o) continue;
            char spelled[3] = {'-', *q, '\0'};
            if (o->arg == VL_NOARG) {
                fn(o, NULL, spelled, ud);
                continue;
            }
            const char *arg = NULL;
            if (q[1]) arg = q + 1;
            else if (o->arg == VL_ARG && i + 1 < argc) arg = argv[++i];
            fn(o, arg, spelled, ud);
            break;
        }
    }
}

typedef struct collect {
    vl_ctx *c;
    int id;
    const char **v;
    int n, cap;
    char spelled[80];
} collect;

static void collect_one(const vl_opt *o, const char *arg, const char *spelled, void *ud)
{
    collect *k = ud;
    if (o->id != k->id) return;
    snprintf(k->spelled, sizeof k->spelled, "%s", spelled);
    if (!arg) return;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 4;
        k->v = vl_xrealloc(k->c, k->v, (size_t)k->cap * sizeof *k->v);
    }
    k->v[k->n++] = arg;
}

int vl_opt_all(vl_ctx *c, int argc, char **argv, int id, const char ***out)
{
    collect k = {c, id, NULL, 0, 0, ""};
    scan_opts(c, argc, argv, collect_one, &k);
    *out = k.v;
    return k.n;
}

const char *vl_opt_spelling(vl_ctx *c, int argc, char **argv, int id)
{
    collect k = {c, id, NULL, 0, 0, ""};
    scan_opts(c, argc, argv, collect_one, &k);
    vl_xfree(c, k.v);
    return vl_xstrdup(c, k.spelled);
}

/* ---- sizes ---- */

char *vl_human(char buf[VL_HUMAN_BUFSIZE], uint64_t n, int opts, uint64_t from_size,
               uint64_t to_size)
{
    int inexact = opts & (VL_HUMAN_NEAREST | VL_HUMAN_FLOOR);
    unsigned base = (opts & VL_HUMAN_BASE_1024) ? 1024 : 1000;
    static const char letters[] = "\0KMGTPEZY";
    const int exp_max = 8;
    int exponent = -1;
    char *end = buf + VL_HUMAN_BUFSIZE - 8; /* the unit suffix goes after the number */
    char *p = end;
    uint64_t amt;
    unsigned tenths = 0;
    /* rounding: 0 exact, 1 below half a tenth, 2 exactly half, 3 above half */
    unsigned rounding = 0;
    if (from_size == 0) from_size = 1;
    if (to_size == 0) to_size = 1;
    if (to_size <= from_size && from_size % to_size == 0 &&
        !__builtin_mul_overflow(n, from_size / to_size, &amt)) {
        /* exact */
    } else if (to_size > from_size && to_size % from_size == 0) {
        uint64_t div = to_size / from_size;
        uint64_t r10 = (n % div) * 10, r2 = (r10 % div) * 2;
        amt = n / div;
        tenths = (unsigned)(r10 / div);
        rounding = r2 < div ? 0 < r2 : 2 + (div < r2);
    } else {
        /* sizes that do not divide: long double as GNU falls back to */
        long double d = (long double)n * from_size / to_size;
        amt = (uint64_t)d;
        long double frac = (d - amt) * 10;
        tenths = (unsigned)frac;
        long double rest = frac - tenths;
        rounding = rest == 0 ? 0 : rest < 0.5L ? 1 : rest == 0.5L ? 2 : 3;
    }
    if (opts & VL_HUMAN_AUTOSCALE) {
        exponent = 0;
        if (base <= amt) {
            do {
                unsigned r10 = (unsigned)(amt % base) * 10 + tenths;
                unsigned r2 = (r10 % base) * 2 + (rounding >> 1);
                amt /= base;
                tenths = r10 / base;
                rounding = r2 < base ? (r2 + rounding) != 0 : 2 + (base < r2 + rounding);
                exponent++;
            } while (base <= amt && exponent < exp_max);
            if (amt < 10) {
                if (inexact == VL_HUMAN_NEAREST ? 2 < rounding + (tenths & 1)
                                                : inexact == VL_HUMAN_CEIL && 0 < rounding) {
                    tenths++;
                    rounding = 0;
                    if (tenths == 10) {
                        amt++;
                        tenths = 0;
                    }
                }
                if (amt < 10 && (tenths || !(opts & VL_HUMAN_SUPPRESS_POINT_ZERO))) {
                    *--p = (char)('0' + tenths);
                    *--p = '.';
                    tenths = rounding = 0;
                }
            }
        }
    }
    if (inexact == VL_HUMAN_NEAREST ? 5 < tenths + (0 < rounding + (amt & 1))
                                    : inexact == VL_HUMAN_CEIL && 0 < tenths + rounding) {
        amt++;
        if ((opts & VL_HUMAN_AUTOSCALE) && amt == base && exponent < exp_max) {
            exponent++;
            if (!(opts & VL_HUMAN_SUPPRESS_POINT_ZERO)) {
                *--p = '0';
                *--p = '.';
            }
            amt = 1;
        }
    }
    do *--p = (char)('0' + amt % 10);
    while ((amt /= 10) != 0);
    char *s = end;
    if (opts & VL_HUMAN_SI) {
        if (exponent < 0) {
            exponent = 0;
            for (uint64_t power = 1; power < to_size; power *= base)
                if (++exponent == exp_max) break;
        }
        if ((exponent || (opts & VL_HUMAN_B)) && (opts & VL_HUMAN_SPACE)) *s++ = ' ';
        if (exponent)
            *s++ = !(opts & VL_HUMAN_BASE_1024) && exponent == 1 ? 'k' : letters[exponent];
        if (opts & VL_HUMAN_B) {
            if ((opts & VL_HUMAN_BASE_1024) && exponent) *s++ = 'i';
            *s++ = 'B';
        }
    }
    *s = '\0';
    return p;
}

/* A number with GNU's suffixes as xstrtoumax reads block sizes: K M G T P E Z Y (and k), with
 * an optional "B" (powers of 1000) or "iB" (1024) after; no number means 1. */
static int size_spec(const char *s, uint64_t *out, const char **endp)
{
    const char *p = s;
    uint64_t v = 1;
    if (*p >= '0' && *p <= '9') {
        v = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
                return VOS_ERANGE;
    } else if (!*p || !strchr("eEgGkKmMpPtTyYzZ", *p)) {
        return VOS_EINVAL;
    }
    *endp = p;
    if (*p) {
        static const char units[] = "KMGTPEZY";
        const char *u = strchr(units, *p == 'k' ? 'K' : *p);
        if (!u || !*p) return VOS_ENOTSUP;
        int power = (int)(u - units) + 1;
        unsigned base = 1024;
        p++;
        if (p[0] == 'i' && p[1] == 'B') p += 2;
        else if (p[0] == 'B') base = 1000, p++;
        if (*p) return VOS_ENOTSUP;
        for (int i = 0; i < power; i++)
            if (__builtin_mul_overflow(v, base, &v)) return VOS_ERANGE;
    }
    *out = v;
    return 0;
}

int vl_block_size(vl_ctx *c, const char *spec, const char *env_name, int *opts, uint64_t *size)
{
    if (!spec && env_name) spec = vk_getenv(c->p, env_name);
    if (!spec) spec = vk_getenv(c->p, "BLOCK_SIZE");
    if (!spec) spec = vk_getenv(c->p, "BLOCKSIZE");
    *opts = 0;
    uint64_t def = vk_getenv(c->p, "POSIXLY_CORRECT") ? 512 : 1024;
    if (!spec) {
        *size = def;
        return 0;
    }
    int o = 0;
    if (*spec == '\'') {
        o |= VL_HUMAN_GROUP;
        spec++;
    }
    if (strcmp(spec, "human-readable") == 0) {
        *opts = o | VL_HUMAN_AUTOSCALE | VL_HUMAN_SI | VL_HUMAN_BASE_1024;
        *size = 1;
        return 0;
    }
    if (strcmp(spec, "si") == 0) {
        *opts = o | VL_HUMAN_AUTOSCALE | VL_HUMAN_SI;
        *size = 1;
        return 0;
    }
    const char *end = spec;
    uint64_t v = 0;
    int rc = size_spec(spec, &v, &end);
    if (rc < 0 || v == 0) {
        *size = def;
        return rc < 0 ? rc : VOS_EINVAL;
    }
    if (!(*spec >= '0' && *spec <= '9')) {
        /* a unit alone ("K", "MB", "KiB"): sizes are printed with it */
        size_t n = strlen(spec);
        o |= VL_HUMAN_SI;
        if (spec[n - 1] == 'B') o |= VL_HUMAN_B;
        if (spec[n - 1] != 'B' || (n >= 2 && spec[n - 2] == 'i')) o |= VL_HUMAN_BASE_1024;
    }
    *opts = o;
    *size = v;
    return 0;
}

_Noreturn void vl_block_size_die(vl_ctx *c, int rc, const char *opt, const char *spec, int status)
{
    if (rc == VOS_ENOTSUP)
        vl_error(c, "invalid suffix in %s argument %s", opt, vl_quote_always(c, spec));
    else if (rc == VOS_ERANGE)
        vl_error(c, "%s argument %s too large", opt, vl_quote_always(c, spec));
    else
        vl_error(c, "invalid %s argument %s", opt, vl_quote_always(c, spec));
    vl_exit(c, status);
}

/* ---- quoting (GNU quotearg's styles, C locale) ---- */

const char *const vl_quoting_style_names[] = {
    "literal", "shell", "shell-always", "shell-escape", "shell-escape-always",
    "c",       "c-maybe", "escape",     "locale",       "clocale",          NULL,
};

int vl_quoting_style(const char *word)
{
    for (int i = 0; vl_quoting_style_names[i]; i++)
        if (strcmp(word, vl_quoting_style_names[i]) == 0) return i;
    return -1;
}

enum { QA_DONE, QA_FORCE_QUOTES, QA_USE_C };

typedef struct qa {
    int base;  /* VL_QS_SHELL_ALWAYS, VL_QS_C, VL_QS_ESCAPE or VL_QS_LOCALE */
    bool elide; /* try without outer quotes first (shell, shell-escape, c-maybe) */
    bool esc;   /* backslash escapes */
    const uint32_t *extra;
    char lq, rq; /* outer quotes (0: none) */
} qa;

static bool qbit(const uint32_t *m, unsigned char ch)
{
    return m && (m[ch / 32] >> (ch % 32)) & 1;
}

static int qa_run(vl_ctx *c, vl_buf *out, const unsigned char *s, size_t len, const qa *q)
{
    bool shell = q->base == VL_QS_SHELL_ALWAYS;
    bool pending_end = false, single = false, all_compat = true;
    if (!q->elide && q->lq) vl_buf_addc(c, out, q->lq);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = s[i];
        char esc = 0;
        bool escaping = false, compat = false;
        bool right = q->esc && !shell && q->rq && ch == (unsigned char)q->rq;
        if (right && q->elide) return QA_FORCE_QUOTES;
        switch (ch) {
        case '?':
            if (shell && q->elide) return QA_FORCE_QUOTES;
            goto tail;
        case '\a': esc = 'a'; goto c_escape;
        case '\b': esc = 'b'; goto c_escape;
        case '\f': esc = 'f'; goto c_escape;
        case '\v': esc = 'v'; goto c_escape;
        case '\n': esc = 'n'; goto c_and_shell_escape;
        case '\r': esc = 'r'; goto c_and_shell_escape;
        case '\t': esc = 't'; goto c_and_shell_escape;
        case '\\':
            esc = '\\';
            if (shell) {
                if (q->elide) return QA_FORCE_QUOTES;
                goto store_c;
            }
            if (q->esc && q->elide && q->extra) goto store_c;
        c_and_shell_escape:
            if (shell && q->elide) return QA_FORCE_QUOTES;
        c_escape:
            if (q->esc) {
                ch = (unsigned char)esc;
                goto store_escape;
            }
            goto tail;
        case '{':
        case '}':
            if (len != 1) goto tail;
            /* fall through */
        case '#':
        case '~':
            if (i != 0) goto tail;
            /* fall through */
        case ' ':
            compat = true;
            /* fall through */
        case '!': case '"': case '$': case '&': case '(': case ')': case '*': case ';':
        case '<': case '=': case '>': case '[': case '^': case '`': case '|':
            if (shell && q->elide) return QA_FORCE_QUOTES;
            goto tail;
        case '\'':
            single = true;
            compat = true;
            if (shell) {
                if (q->elide) return QA_FORCE_QUOTES;
                vl_buf_adds(c, out, "'\\'");
            }
            goto tail;
        default:
            if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                strchr("%+,-./:]_", ch)) {
                compat = true;
                goto tail;
            }
            compat = ch >= 32 && ch < 127;
            if (q->esc && !compat) {
                /* START_ESC, then three octal digits */
                if (q->elide) return QA_FORCE_QUOTES;
                escaping = true;
                if (shell && !pending_end) {
                    vl_buf_adds(c, out, "'$'");
                    pending_end = true;
                }
                vl_buf_addc(c, out, '\\');
                vl_buf_addc(c, out, (char)('0' + (ch >> 6)));
                vl_buf_addc(c, out, (char)('0' + ((ch >> 3) & 7)));
                ch = (unsigned char)('0' + (ch & 7));
                goto store_c;
            }
            goto tail;
        }
    tail:
        if (!(((q->esc && !shell) || q->elide) && qbit(q->extra, ch)) && !right) goto store_c;
    store_escape:
        if (q->elide) return QA_FORCE_QUOTES;
        escaping = true;
        if (shell && !pending_end) {
            vl_buf_adds(c, out, "'$'");
            pending_end = true;
        }
        vl_buf_addc(c, out, '\\');
    store_c:
        if (pending_end && !escaping) {
            vl_buf_adds(c, out, "''");
            pending_end = false;
        }
        vl_buf_addc(c, out, (char)ch);
        if (!compat) all_compat = false;
    }
    if (len == 0 && shell && q->elide) return QA_FORCE_QUOTES;
    if (shell && !q->elide && single && all_compat) return QA_USE_C;
    if (!q->elide && q->rq) vl_buf_addc(c, out, q->rq);
    return QA_DONE;
}

bool vl_quotearg(vl_ctx *c, vl_buf *out, const char *s, size_t len, int style,
                 const uint32_t *extra)
{
    static const uint32_t none[8];
    size_t start = out->len;
    const unsigned char *u = (const unsigned char *)s;
    if (style == VL_QS_LITERAL) {
        vl_buf_add(c, out, s, len);
        return false;
    }
    qa q = {VL_QS_SHELL_ALWAYS, false, false, extra ? extra : none, '\'', '\''};
    switch (style) {
    case VL_QS_SHELL: q.elide = true; break;
    case VL_QS_SHELL_ESCAPE: q.elide = q.esc = true; break;
    case VL_QS_SHELL_ESCAPE_ALWAYS: q.esc = true; break;
    case VL_QS_C_MAYBE: q.elide = true; /* fall through */
    case VL_QS_C: q.base = VL_QS_C, q.esc = true, q.lq = q.rq = '"'; break;
    case VL_QS_ESCAPE: q.base = VL_QS_ESCAPE, q.esc = true, q.lq = q.rq = 0; break;
    case VL_QS_LOCALE: q.base = VL_QS_LOCALE, q.esc = true; break;
    case VL_QS_CLOCALE: q.base = VL_QS_LOCALE, q.esc = true, q.lq = q.rq = '"'; break;
    default: break;
    }
    int r = qa_run(c, out, u, len, &q);
    if (r == QA_FORCE_QUOTES) {
        /* quotes make the extra characters safe: they are not looked at again */
        out->len = start;
        q.elide = false;
        q.extra = NULL;
        r = qa_run(c, out, u, len, &q);
    }
    if (r == QA_USE_C) {
        /* a name with an apostrophe and nothing else special reads better as "it's" */
        out->len = start;
        q.base = VL_QS_C;
        q.esc = true;
        q.lq = q.rq = '"';
        qa_run(c, out, u, len, &q);
    }
    return out->len - start != len || memcmp(out->data + start, s, len) != 0;
}

/* ---- canonical names ---- */

/* Does the rest of the name (after a component) need the component to be a directory: a
 * trailing slash, or "/." or "/.." next? */
static bool suffix_needs_dir(const char *end)
{
    while (*end == '/') {
        while (*end == '/') end++;
        char ch = *end++;
        if (ch == '\0') return true;
        if (ch != '.') return false;
        if (!*end || *end == '/' || (*end == '.' && (!end[1] || end[1] == '/'))) return true;
    }
    return false;
}

int vl_canonicalize(vl_ctx *c, const char *name, int mode, char **out)
{
    int exist = mode & 3;
    bool logical = mode & VL_CAN_NOLINKS;
    if (!name[0]) return VOS_ENOENT;
    vl_buf r = {0};       /* the result so far, without a trailing slash except "/" */
    vl_buf rest = {0};    /* what is left to walk */
    if (name[0] != '/') vl_buf_adds(c, &r, vk_getcwd(c->p));
    else vl_buf_addc(c, &r, '/');
    vl_buf_adds(c, &rest, name);
    vl_buf_addc(c, &rest, '\0');
    int links = 0, rc = 0;
    size_t pos = 0;
    char *link = vl_xmalloc(c, VK_PATH_MAX);
    vl_buf *seen = NULL; /* links met after the first 20, with what followed them */
    size_t nseen = 0, capseen = 0;
    for (;;) {
        const char *s = rest.data + pos;
        while (*s == '/') s++;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - s);
        if (n == 0) break;
        pos = (size_t)(e - rest.data);
        if (n == 1 && s[0] == '.') continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (r.len > 1 && r.data[r.len - 1] != '/') r.len--;
            if (r.len > 1) r.len--;
            continue;
        }
        size_t before = r.len;
        if (r.data[r.len - 1] != '/') vl_buf_addc(c, &r, '/');
        vl_buf_add(c, &r, s, n);
        vl_buf_addc(c, &r, '\0');
        r.len--;
        ssize_t ln = VOS_EINVAL;
        if (!logical) ln = vk_readlink(c->p, r.data, link, VK_PATH_MAX - 1);
        if (ln >= 0) {
            /* a loop, not a long chain, is an error (GNU resolves chains of any length): after
             * 20 links, the same link met again with the same rest of the name is a loop */
            bool loop = false;
            if (++links > 20) {
                vl_buf key = {0};
                vl_buf_adds(c, &key, r.data);
                vl_buf_addc(c, &key, '\0');
                vl_buf_adds(c, &key, rest.data + pos);
                for (size_t k = 0; k < nseen && !loop; k++)
                    loop = seen[k].len == key.len && memcmp(seen[k].data, key.data, key.len) == 0;
                if (loop || links > 65536) {
                    vl_buf_free(c, &key);
                    loop = true;
                } else {
                    if (nseen == capseen) {
                        capseen = capseen ? capseen * 2 : 16;
                        seen = vl_xrealloc(c, seen, capseen * sizeof *seen);
                    }
                    seen[nseen++] = key;
                }
            }
            if (loop) {
                if (exist == VL_CAN_MISSING) continue; /* leave the looping link as it is */
                rc = VOS_ELOOP;
                break;
            }
            /* splice the target in front of what is left */
            link[ln] = '\0';
            vl_buf nrest = {0};
            vl_buf_add(c, &nrest, link, (size_t)ln);
            vl_buf_adds(c, &nrest, rest.data + pos);
            vl_buf_addc(c, &nrest, '\0');
            vl_buf_free(c, &rest);
            rest = nrest;
            pos = 0;
            if (link[0] == '/') r.len = 1;
            else r.len = before > 1 && r.data[before - 1] == '/' ? before - 1 : before;
            if (r.len == 0) r.len = 1;
            continue;
        }
        bool last = e[strspn(e, "/")] == '\0';
        int err = 0;
        struct vk_stat st;
        if (suffix_needs_dir(e)) {
            err = vk_stat(c->p, r.data, &st);
            if (err == 0 && !VK_S_ISDIR(st.mode)) err = VOS_ENOTDIR;
        } else if (!logical) {
            err = ln == VOS_EINVAL ? 0 : (int)ln;
        } else if (last) {
            err = vk_stat(c->p, r.data, &st);
        }
        if (err < 0 && exist != VL_CAN_MISSING) {
            if (!(exist == VL_CAN_ALL_BUT_LAST && err == VOS_ENOENT && last)) {
                rc = err;
                break;
            }
        }
    }
    vl_xfree(c, link);
    vl_buf_free(c, &rest);
    for (size_t k = 0; k < nseen; k++) vl_buf_free(c, &seen[k]);
    vl_xfree(c, seen);
    if (rc < 0) {
        vl_buf_free(c, &r);
        return rc;
    }
    vl_buf_addc(c, &r, '\0');
    *out = r.data;
    return 0;
}

bool vl_path_prefix(const char *prefix, const char *path)
{
    if (strcmp(prefix, "/") == 0) return path[0] == '/';
    size_t n = strlen(prefix);
    return strncmp(prefix, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

char *vl_relpath(vl_ctx *c, const char *file, const char *dir)
{
    /* the longest common prefix ending at a component boundary */
    size_t common = 0;
    for (size_t i = 0;; i++) {
        bool fend = file[i] == '\0' || file[i] == '/';
        bool dend = dir[i] == '\0' || dir[i] == '/';
        if (fend && dend) common = i;
        if (file[i] != dir[i] || file[i] == '\0') break;
    }
    if (strcmp(dir, "/") == 0 || strcmp(file, "/") == 0) common = 0;
    vl_buf b = {0};
    for (const char *q = dir + common; *q; q++)
        if (*q == '/' && q[1] != '\0') vl_buf_adds(c, &b, b.len ? "/.." : "..");
    const char *rest = file + common;
    while (*rest == '/') rest++;
    if (*rest) {
        if (b.len) vl_buf_addc(c, &b, '/');
        vl_buf_adds(c, &b, rest);
    }
    if (!b.len) vl_buf_addc(c, &b, '.');
    vl_buf_addc(c, &b, '\0');
    return b.data;
}

/* ---- ownership ---- */

enum { CH_FAILED_, CH_NO_CHANGE_, CH_SUCCEEDED_ };

enum {
    CO_DEREF = 256,
    CO_FROM,
    CO_NO_PRESERVE_ROOT,
    CO_PRESERVE_ROOT,
    CO_REFERENCE,
};

#define CHOWN_COMMON_OPTS                                                                        \
    {'c', "changes", VL_NOARG, NULL, "like verbose but report only when a change is made"},      \
        {'f', "silent", VL_NOARG, NULL, "suppress most error messages"},                         \
        {'f', "quiet", VL_NOARG, NULL, NULL},                                                    \
        {'v', "verbose", VL_NOARG, NULL, "output a diagnostic for every file processed"},        \
        {CO_DEREF, "dereference", VL_NOARG, NULL,                                                \
         "affect the referent of each symbolic link (this is the default), rather than the\n"   \
         "symbolic link itself"},                                                                \
        {'h', "no-dereference", VL_NOARG, NULL,                                                  \
         "affect symbolic links instead of any referenced file"},                                \
        {CO_NO_PRESERVE_ROOT, "no-preserve-root", VL_NOARG, NULL,                                \
         "do not treat '/' specially (the default)"},                                            \
        {CO_PRESERVE_ROOT, "preserve-root", VL_NOARG, NULL, "fail to operate recursively on '/'"}, \
        {CO_REFERENCE, "reference", VL_ARG, "RFILE", "use RFILE's ownership rather than specifying values"}, \
        {'R', "recursive", VL_NOARG, NULL, "operate on files and directories recursively"},      \
        {'H', NULL, VL_NOARG, NULL,                                                              \
         "if a command line argument is a symbolic link to a directory, traverse it"},          \
        {'L', NULL, VL_NOARG, NULL, "traverse every symbolic link to a directory encountered"},   \
    {                                                                                            \
        'P', NULL, VL_NOARG, NULL, "do not traverse any symbolic links (default)"               \
    }

const vl_opt vl_chown_opts[] = {
    CHOWN_COMMON_OPTS,
    {CO_FROM, "from", VL_ARG, "CURRENT_OWNER:CURRENT_GROUP",
     "change the owner and/or group of each file only if its current owner and/or group\n"
     "match those specified here.  Either may be omitted, in which case a match is not\n"
     "required for the omitted attribute"},
    {0, NULL, 0, NULL, NULL},
};

const vl_opt vl_chgrp_opts[] = {
    CHOWN_COMMON_OPTS,
    {0, NULL, 0, NULL, NULL},
};

typedef struct pwent {
    char *name;
    unsigned id, gid;
} pwent;

typedef struct chown_state {
    bool chgrp, silent, recursive, deref, ok, preserve_root;
    int verbosity; /* 0, 1 changes, 2 all */
    long uid, gid; /* -1: unchanged */
    long from_uid, from_gid;
    const char *user_name, *group_name; /* for messages, NULL when not given */
    unsigned me, my_gid;
    vl_ids *ids;
    struct vk_stat root;
} chown_state;

/* "name:x:uid:gid:..." of /etc/passwd (or group): the entry named s or with number s. */
static bool find_pw(vl_ctx *c, const char *file, const char *s, bool by_name, pwent *out)
{
    char *text = slurp(c, file);
    if (!text) return false;
    bool found = false;
    for (char *line = text; *line && !found;) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        char *f[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && f[i - 1]; i++) {
            char *col = strchr(f[i - 1], ':');
            if (col) *col = '\0', f[i] = col + 1;
        }
        if (f[2]) {
            unsigned long id = strtoul(f[2], NULL, 10);
            bool hit = by_name ? strcmp(f[0], s) == 0 : (unsigned long)atol(s) == id;
            if (hit) {
                out->name = vl_xstrdup(c, f[0]);
                out->id = (unsigned)id;
                out->gid = f[3] ? (unsigned)strtoul(f[3], NULL, 10) : 0;
                found = true;
            }
        }
        if (!end) break;
        line = end + 1;
    }
    vl_xfree(c, text);
    return found;
}

static bool all_digits(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

/* A user or group given by name or number: the id, and the name to show. */
static bool lookup_id(vl_ctx *c, const char *s, bool group, long *id, const char **name)
{
    pwent e;
    const char *file = group ? "/etc/group" : "/etc/passwd";
    if (*s != '+' && find_pw(c, file, s, true, &e)) {
        *id = e.id;
        *name = e.name;
        return true;
    }
    if (*s == '+') s++;
    if (!all_digits(s) || strlen(s) > 10 || strtoul(s, NULL, 10) > 0xfffffffeul) return false;
    *id = (long)strtoul(s, NULL, 10);
    *name = find_pw(c, file, s, false, &e) ? e.name : s;
    return true;
}

static const char *uid_str(chown_state *s, vl_ctx *c, unsigned id, bool group)
{
    const char *n = group ? vl_ids_group(s->ids, id) : vl_ids_user(s->ids, id);
    if (n) return n;
    char b[16];
    snprintf(b, sizeof b, "%u", id);
    return vl_xstrdup(c, b);
}

/* "USER[:GROUP]" ("." accepted with GNU's warning); false after the message. */
static void parse_owner(vl_ctx *c, chown_state *s, const char *spec, bool from)
{
    long *uid = from ? &s->from_uid : &s->uid, *gid = from ? &s->from_gid : &s->gid;
    const char *sep = strchr(spec, ':');
    char *user = NULL;
    const char *group = NULL;
    if (!sep) {
        const char *dot = strchr(spec, '.');
        if (dot) {
            /* "user.group", if it is not a user name itself */
            pwent e;
            if (!find_pw(c, "/etc/passwd", spec, true, &e)) {
                vl_error(c, "warning: '.' should be ':': %s", vl_quote_always(c, spec));
                c->status = 0;
                sep = dot;
            }
        }
    }
    if (sep) {
        user = vl_xmalloc(c, (size_t)(sep - spec) + 1);
        memcpy(user, spec, (size_t)(sep - spec));
        user[sep - spec] = '\0';
        group = sep + 1;
    } else {
        user = vl_xstrdup(c, spec);
    }
    const char *uname = NULL, *gname = NULL;
    if (*user) {
        if (!lookup_id(c, user, false, uid, &uname)) vl_die(c, 1, "invalid user: %s", vl_quote_always(c, spec));
        if (sep && !*group) {
            /* "user:": the user's login group */
            pwent e;
            if (!find_pw(c, "/etc/passwd", uname, true, &e))
                vl_die(c, 1, "invalid spec: %s", vl_quote_always(c, spec));
            *gid = e.gid;
            gname = uid_str(s, c, e.gid, true);
        }
    }
    if (group && *group) {
        if (!lookup_id(c, group, true, gid, &gname))
            vl_die(c, 1, "invalid group: %s", vl_quote_always(c, spec));
        /* GNU names the change "ownership :GROUP" (an empty user) when the group was given by
         * a name it found, "group GROUP" when by number */
        pwent e;
        if (!*user && find_pw(c, "/etc/group", group, true, &e)) uname = "";
    }
    if (!from) {
        s->user_name = uname;
        s->group_name = gname;
    }
}

static void chown_describe(vl_ctx *c, chown_state *s, const char *path, int status,
                           const struct vk_stat *st)
{
    const char *q = vl_quote_always(c, path);
    const char *u = s->user_name, *g = s->group_name;
    vl_buf spec = {0}, old = {0};
    if (u) vl_buf_adds(c, &spec, u);
    if (g) {
        if (u) vl_buf_addc(c, &spec, ':');
        vl_buf_adds(c, &spec, g);
    }
    vl_buf_addc(c, &spec, '\0');
    if (st) {
        if (u) vl_buf_adds(c, &old, uid_str(s, c, st->uid, false));
        if (g) {
            if (u) vl_buf_addc(c, &old, ':');
            vl_buf_adds(c, &old, uid_str(s, c, st->gid, true));
        }
    }
    vl_buf_addc(c, &old, '\0');
    switch (status) {
    case CH_SUCCEEDED_:
        if (u) vl_printf(c, "changed ownership of %s from %s to %s\n", q, old.data, spec.data);
        else if (g) vl_printf(c, "changed group of %s from %s to %s\n", q, old.data, spec.data);
        else vl_printf(c, "no change to ownership of %s\n", q);
        break;
    case CH_FAILED_:
        if (st && (u || g)) {
            vl_printf(c, "failed to change %s of %s from %s to %s\n", u ? "ownership" : "group", q,
                      old.data, spec.data);
        } else if (u || g) {
            vl_printf(c, "failed to change %s of %s to %s\n", u ? "ownership" : "group", q,
                      spec.data);
        } else {
            vl_printf(c, "failed to change ownership of %s\n", q);
        }
        break;
    default: /* what is kept: the current owner and group */
        if (u) vl_printf(c, "ownership of %s retained as %s\n", q, old.data);
        else if (g) vl_printf(c, "group of %s retained as %s\n", q, old.data);
        else vl_printf(c, "ownership of %s retained\n", q);
        break;
    }
    vl_buf_free(c, &spec);
    vl_buf_free(c, &old);
}

static int chown_visit(vl_ctx *c, vl_walk_ent *e, int event, void *ud)
{
    chown_state *s = ud;
    /* a directory is changed after its contents (fts's post-order), as GNU does */
    if (event == VL_WALK_PRE) {
        if (s->recursive && s->preserve_root && e->st.dev == s->root.dev &&
            e->st.ino == s->root.ino) {
            if (strcmp(e->path, "/") == 0)
                vl_error(c, "it is dangerous to operate recursively on %s", vl_quote_always(c, "/"));
            else
                vl_error(c, "it is dangerous to operate recursively on %s (same as %s)",
                         vl_quote_always(c, e->path), vl_quote_always(c, "/"));
            vl_error(c, "use --no-preserve-root to override this failsafe");
            s->ok = false;
            return VL_WALK_SKIP;
        }
        if (s->recursive) return 0;
    }
    if (event == VL_WALK_LOOP) return VL_WALK_SKIP;
    if (event == VL_WALK_DNR) {
        if (!s->silent)
            vl_error(c, "cannot read directory %s: %s", vl_quote_always(c, e->path),
                     vl_strerror(e->err));
        s->ok = false;
    }
    int status = CH_NO_CHANGE_;
    const struct vk_stat *shown = NULL;
    struct vk_stat st = e->st;
    if (event == VL_WALK_NS) {
        if (!s->silent)
            vl_error(c, "cannot access %s: %s", vl_quote_always(c, e->path), vl_strerror(e->err));
        status = CH_FAILED_;
    } else if (e->depth == 0 && s->deref && VK_S_ISLNK(st.mode) &&
               vk_stat(c->p, e->path, &st) < 0) {
        /* the command line's links are followed unless -h (or -R without -H/-L) */
        int rc = vk_stat(c->p, e->path, &st);
        if (!s->silent)
            vl_error(c, "cannot dereference %s: %s", vl_quote_always(c, e->path), vl_strerror(rc));
        st = e->st;
        shown = &st;
        status = CH_FAILED_;
    } else {
        shown = &st;
        bool match = (s->from_uid < 0 || (unsigned long)s->from_uid == st.uid) &&
                     (s->from_gid < 0 || (unsigned long)s->from_gid == st.gid);
        if (match) {
            bool uid_ok = s->uid < 0 || (s->me == st.uid && (unsigned long)s->uid == st.uid);
            bool gid_ok = s->gid < 0 || (s->me == st.uid && (unsigned long)s->gid == st.gid);
            bool changes = (s->uid >= 0 && (unsigned long)s->uid != st.uid) ||
                           (s->gid >= 0 && (unsigned long)s->gid != st.gid);
            if (!uid_ok || !gid_ok) {
                if (!s->silent)
                    vl_error(c, "changing %s of %s: %s", s->uid >= 0 ? "ownership" : "group",
                             vl_quote_always(c, e->path), vl_strerror(VOS_EPERM));
                status = CH_FAILED_;
            } else {
                status = changes ? CH_SUCCEEDED_ : CH_NO_CHANGE_;
            }
        }
    }
    if (status == CH_FAILED_) s->ok = false;
    if (s->verbosity == 2 || (s->verbosity == 1 && status == CH_SUCCEEDED_))
        chown_describe(c, s, e->path, status, shown);
    return s->recursive ? 0 : VL_WALK_SKIP;
}

int vl_chown_run(vl_ctx *c, int argc, char **argv, bool chgrp)
{
    int n = vl_getopt(c, argc, argv);
    chown_state s = {0};
    s.chgrp = chgrp;
    s.ok = true;
    s.uid = s.gid = s.from_uid = s.from_gid = -1;
    s.silent = vl_has(c, 'f');
    s.recursive = vl_has(c, 'R');
    s.preserve_root = vl_last(c, CO_PRESERVE_ROOT) > vl_last(c, CO_NO_PRESERVE_ROOT);
    if (vl_has(c, 'v') || vl_has(c, 'c')) s.verbosity = vl_last(c, 'v') > vl_last(c, 'c') ? 2 : 1;
    s.me = vk_getuid(c->p);
    s.my_gid = vk_getgid(c->p);
    s.ids = vl_ids_new(c);
    /* traversal: the last of -H -L -P (default -P) */
    int walk = 0, lastt = 0;
    if (vl_last(c, 'H') > lastt) lastt = vl_last(c, 'H'), walk = 'H';
    if (vl_last(c, 'L') > lastt) lastt = vl_last(c, 'L'), walk = 'L';
    if (vl_last(c, 'P') > lastt) lastt = vl_last(c, 'P'), walk = 'P';
    int deref = -1;
    if (vl_has(c, 'h') || vl_has(c, CO_DEREF))
        deref = vl_last(c, CO_DEREF) > vl_last(c, 'h') ? 1 : 0;
    if (s.recursive && (walk == 0 || walk == 'P')) {
        if (deref == 1) vl_die(c, 1, "-R --dereference requires either -H or -L");
        deref = 0;
    }
    s.deref = deref != 0;
    const char *ref = vl_arg(c, CO_REFERENCE);
    int first = 1;
    if (ref) {
        struct vk_stat st;
        int rc = vk_stat(c->p, ref, &st);
        if (rc < 0)
            vl_die(c, 1, "failed to get attributes of %s: %s", vl_quote_always(c, ref),
                   vl_strerror(rc));
        if (!chgrp) {
            s.uid = st.uid;
            s.user_name = uid_str(&s, c, st.uid, false);
        }
        s.gid = st.gid;
        s.group_name = uid_str(&s, c, st.gid, true);
    } else {
        if (n == 0) vl_usage_error(c, "missing operand");
        const char *spec = argv[first++];
        if (first > n) vl_usage_error(c, "missing operand after %s", vl_quote_always(c, spec));
        if (chgrp) {
            const char *gname;
            if (!*spec) {
                s.group_name = NULL;
            } else if (!lookup_id(c, spec, true, &s.gid, &gname)) {
                vl_die(c, 1, "invalid group: %s", vl_quote_always(c, spec));
            } else {
                s.group_name = gname;
            }
        } else {
            parse_owner(c, &s, spec, false);
        }
    }
    if (first > n) vl_usage_error(c, "missing operand");
    if (!chgrp && vl_has(c, CO_FROM)) parse_owner(c, &s, vl_arg(c, CO_FROM), true);
    if (s.recursive && s.preserve_root) vk_stat(c->p, "/", &s.root);
    int flags = 0;
    if (s.recursive && walk == 'L') flags = VL_WALK_FOLLOW;
    else if (s.recursive && walk == 'H') flags = VL_WALK_FOLLOW_ROOT;
    for (int i = first; i <= n; i++) vl_walk(c, argv[i], flags, chown_visit, &s);
    return s.ok ? 0 : 1;
}

/* ---- backups ---- */

int vl_backup_type(vl_ctx *c, int b_id, int backup_id, int suffix_id, const char **suffix)
{
    const char *s = vl_arg(c, suffix_id);
    if (!s) s = vk_getenv(c->p, "SIMPLE_BACKUP_SUFFIX");
    *suffix = s && *s && !strchr(s, '/') ? s : "~";
    if (!vl_has(c, b_id) && !vl_has(c, backup_id) && !vl_has(c, suffix_id)) return VL_BACKUP_NONE;
    const char *word = vl_arg(c, backup_id);
    const char *context = "backup type";
    if (!word || !*word) {
        word = vk_getenv(c->p, "VERSION_CONTROL");
        context = "$VERSION_CONTROL";
        if (!word || !*word) return VL_BACKUP_EXISTING;
    }
    static const char *const words[] = {"none", "off",      "simple", "never",
                                        "existing", "nil", "numbered", "t", NULL};
    static const int vals[] = {VL_BACKUP_NONE,     VL_BACKUP_NONE,     VL_BACKUP_SIMPLE,
                               VL_BACKUP_SIMPLE,   VL_BACKUP_EXISTING, VL_BACKUP_EXISTING,
                               VL_BACKUP_NUMBERED, VL_BACKUP_NUMBERED};
    size_t n = strlen(word);
    int found = -1;
    bool ambiguous = false;
    for (int i = 0; words[i]; i++) {
        if (strcmp(word, words[i]) == 0) return vals[i];
        if (strncmp(word, words[i], n) == 0) {
            if (found >= 0 && vals[found] != vals[i]) ambiguous = true;
            if (found < 0) found = i;
        }
    }
    if (found >= 0 && !ambiguous) return vals[found];
    vl_error(c, "%s argument %s for %s", ambiguous ? "ambiguous" : "invalid",
             vl_quote_always(c, word), vl_quote_always(c, context));
    vl_eprintf(c, "Valid arguments are:\n"
                  "  - 'none', 'off'\n"
                  "  - 'simple', 'never'\n"
                  "  - 'existing', 'nil'\n"
                  "  - 'numbered', 't'\n"
                  "Try '%s --help' for more information.\n",
               c->name);
    vl_exit(c, 1);
}

char *vl_backup_name(vl_ctx *c, const char *dst, int type, const char *suffix)
{
    if (type == VL_BACKUP_NONE) return NULL;
    vl_buf b = {0};
    if (type != VL_BACKUP_SIMPLE) {
        /* the highest N of the "NAME.~N~" backups beside dst */
        char *dir = vl_dirname(c, dst), *base = vl_basename(c, dst);
        size_t bl = strlen(base);
        vl_names nm;
        uint64_t high = 0;
        bool any = false;
        if (vl_dir_names(c, dir, &nm) == 0) {
            for (size_t i = 0; i < nm.n; i++) {
                const char *e = nm.v[i];
                if (strncmp(e, base, bl) != 0 || e[bl] != '.' || e[bl + 1] != '~') continue;
                const char *d = e + bl + 2;
                uint64_t v = 0;
                const char *q = d;
                while (*q >= '0' && *q <= '9' && v < UINT64_MAX / 10) v = v * 10 + (uint64_t)(*q++ - '0');
                if (q == d || *d == '0' || q[0] != '~' || q[1] != '\0') continue;
                any = true;
                if (v > high) high = v;
            }
            vl_names_free(c, &nm);
        }
        if (type == VL_BACKUP_NUMBERED || any) {
            vl_buf_printf(c, &b, "%s.~%llu~", dst, (unsigned long long)(high + 1));
            vl_buf_addc(c, &b, '\0');
            return b.data;
        }
    }
    vl_buf_adds(c, &b, dst);
    vl_buf_adds(c, &b, suffix);
    vl_buf_addc(c, &b, '\0');
    return b.data;
}

/* ---- writing a file safely ---- */

int vl_temp_beside(vl_ctx *c, const char *path, unsigned mode, char **tmp)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *dir = vl_dirname(c, path), *base = vl_basename(c, path);
    size_t bl = strlen(base);
    if (bl > 200) bl = 200; /* stay under NAME_MAX */
    int fd = VOS_EEXIST;
    for (int attempt = 0; attempt < 100 && fd == VOS_EEXIST; attempt++) {
        vl_buf b = {0};
        if (strcmp(dir, ".") != 0 || path[0] == '.') {
            vl_buf_adds(c, &b, dir);
            if (dir[strlen(dir) - 1] != '/') vl_buf_addc(c, &b, '/');
        }
        vl_buf_addc(c, &b, '.');
        vl_buf_add(c, &b, base, bl);
        vl_buf_adds(c, &b, ".vos");
        uint64_t r = vk_random(c->p);
        for (int i = 0; i < 6; i++, r /= 62) vl_buf_addc(c, &b, letters[r % 62]);
        vl_buf_addc(c, &b, '\0');
        fd = vk_open(c->p, b.data, VK_O_WRONLY | VK_O_CREAT | VK_O_EXCL, mode & 07777);
        if (fd >= 0) *tmp = b.data;
        else vl_buf_free(c, &b);
    }
    return fd;
}

bool vl_ids_find(vl_ids *ids, const char *name, bool group, unsigned *id)
{
    const idname *v = group ? ids->groups : ids->users;
    size_t n = group ? ids->ngroups : ids->nusers;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) {
            *id = v[i].id;
            return true;
        }
    return false;
}
