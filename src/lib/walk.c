/* walk.c: shared machinery of the filesystem commands (see walk.h): directory reading, the
 * tree walk, mode parsing, /etc name lookups and data copying. It never prints
 * and never decides policy (what to do with an entry is the caller's business); all state
 * lives in the caller's ctx arena, so VMs on different threads share nothing. */
#include "lib/walk.h"

#include <stdlib.h>
#include <string.h>

/* ---- directories ---- */

int vl_dir_names(vl_ctx *c, const char *path, vl_names *out)
{
    out->v = NULL;
    out->n = 0;
    int fd = vk_open(c->p, path, VK_O_RDONLY | VK_O_DIRECTORY, 0);
    if (fd < 0) return fd;
    size_t cap = 0;
    vk_dirent de;
    int rc;
    while ((rc = vk_readdir(c->p, fd, &de)) > 0) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = vl_xrealloc(c, out->v, cap * sizeof *out->v);
        }
        out->v[out->n++] = vl_xstrdup(c, de.name);
    }
    vk_close(c->p, fd);
    if (rc < 0) {
        vl_names_free(c, out);
        return rc;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vl_names_sort(vl_names *nm)
{
    if (nm->n > 1) qsort(nm->v, nm->n, sizeof *nm->v, cmp_names);
}

void vl_names_free(vl_ctx *c, vl_names *nm)
{
    for (size_t i = 0; i < nm->n; i++) vl_xfree(c, nm->v[i]);
    vl_xfree(c, nm->v);
    nm->v = NULL;
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
    e.err = vl_dir_names(c, root, &nm);
    if (e.err < 0) {
        r = fn(c, &e, VL_WALK_DNR, ud);
        free_ent(c, &e);
        return r & (VL_WALK_KEPT | VL_WALK_STOP);
    }
    vl_names_sort(&nm);
    cap = 8;
    stk = vl_xmalloc(c, cap * sizeof *stk);
    stk[0] = (frame){e, nm, 0};
    nstk = 1;
    int result = 0;
    while (nstk > 0) {
        frame *top = &stk[nstk - 1];
        if (top->next < top->names.n) {
            const char *name = top->names.v[top->next++];
            vl_walk_ent ch = {0};
            ch.path = vl_path_join(c, top->ent.path, name);
            ch.rel = top->ent.rel[0] ? vl_path_join(c, top->ent.rel, name) : vl_xstrdup(c, name);
            ch.name = name;
            ch.depth = top->ent.depth + 1;
            ch.err = do_stat(c, ch.path, follow, &ch.st);
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
                        ch.err = vl_dir_names(c, ch.path, &nm);
                        if (ch.err < 0) {
                            r = fn(c, &ch, VL_WALK_DNR, ud);
                        } else {
                            vl_names_sort(&nm);
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

int vl_copy_data(vl_ctx *c, const char *src, const char *dst, unsigned mode, bool excl,
                 int *stage)
{
    *stage = VL_COPY_OPEN_SRC;
    int in = vk_open(c->p, src, VK_O_RDONLY, 0);
    if (in < 0) return in;
    *stage = VL_COPY_OPEN_DST;
    int flags = VK_O_WRONLY | VK_O_CREAT | (excl ? VK_O_EXCL : VK_O_TRUNC);
    int out = vk_open(c->p, dst, flags, mode & 07777);
    if (out < 0) {
        vk_close(c->p, in);
        return out;
    }
    enum { CHUNK = 64 * 1024 };
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
    vk_close(c->p, in);
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
