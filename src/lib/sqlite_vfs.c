/* sqlite_vfs.c: SQLite's files as VM files (see sqlite_vfs.h).
 *
 * One sqlite3_vfs per process that opens databases, registered under a unique name, whose
 * pAppData is the process: SQLite calls the VFS on the thread of the command that runs the
 * statement, so every call below is a system call of that process and obeys its VM.
 *
 * Locks: the VM's processes are threads of one host process, so there are no host advisory
 * locks to take; SQLite's five lock levels are kept in a table of the files in use, keyed by
 * the VM (the address of its hostname, stable while the VM lives), the mount (st_dev) and the
 * inode, and guarded by one of SQLite's static mutexes. Two connections in one VM (two
 * sqlite3 commands in a pipeline) thus see each other's locks; two VMs sharing a host
 * directory do not (a wish: a kernel lock call).
 *
 * Temporary files (no name: sorter spills, temp tables, statement journals) are buffers in
 * the VM's memory, charged to its memory limit. The main database, its journal and super
 * journals are ordinary VM files. WAL mode works: the WAL is a VM file, the WAL index is memory
 * shared by the process's connections to the database (no -shm file). */
#include "lib/sqlite_vfs.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct vl_sqlite_vfs {
    sqlite3_vfs base;
    vk_proc *p;
    char name[48];
};

/* One entry of the lock table: a file some connection holds open. */
typedef struct vfs_inode {
    const void *vm;
    uint64_t dev, ino;
    int nref;
    int nshared; /* connections holding at least SHARED */
    int elock;   /* strongest lock held by anyone */
    /* WAL index ("shared memory"): regions shared by the connections of the process */
    void **regions;
    int nregion;
    int shm_shared[SQLITE_SHM_NLOCK]; /* holders of each slot's shared lock */
    bool shm_excl[SQLITE_SHM_NLOCK];
    struct vfs_inode *next;
} vfs_inode;

static vfs_inode *inodes;

typedef struct vfs_file {
    sqlite3_file base;
    vk_proc *p;
    int fd;                /* -1 for a memory file */
    vfs_inode *inode;      /* NULL for a memory file */
    int elock;
    char *delname;         /* delete on close (VM path, vk_malloc'ed) */
    unsigned char *mem;    /* memory file: data (vk_malloc'ed) */
    int64_t memlen, memcap;
    unsigned shm_shared, shm_excl; /* WAL-index slots this connection holds (bit masks) */
} vfs_file;

static sqlite3_mutex *lock_mutex(void) { return sqlite3_mutex_alloc(SQLITE_MUTEX_STATIC_VFS1); }

/* The SQLite code for a failed write: a full filesystem or quota is SQLITE_FULL (SQLite then
 * says "database or disk is full"), a read-only mount SQLITE_READONLY. */
static int write_error(int rc)
{
    if (rc == VOS_ENOSPC || rc == VOS_EDQUOT || rc == VOS_EFSBYTES || rc == VOS_EFSINODES || rc == VOS_EFBIG)
        return SQLITE_FULL;
    if (rc == VOS_EROFS || rc == VOS_EACCES || rc == VOS_EPERM) return SQLITE_READONLY;
    if (rc == VOS_ENOMEM || rc == VOS_EMEMLIMIT) return SQLITE_IOERR_NOMEM;
    return SQLITE_IOERR_WRITE;
}

/* ---- file methods ---- */

/* Drop the WAL-index slots f holds (lock mutex held). */
static void shm_release(vfs_file *f)
{
    vfs_inode *n = f->inode;
    for (int i = 0; i < SQLITE_SHM_NLOCK; i++) {
        if (f->shm_excl & (1u << i)) n->shm_excl[i] = false;
        if (f->shm_shared & (1u << i)) n->shm_shared[i]--;
    }
    f->shm_excl = f->shm_shared = 0;
}

static int f_close(sqlite3_file *sf)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->fd >= 0) vk_close(f->p, f->fd);
    f->fd = -1;
    if (f->inode) {
        sqlite3_mutex *mu = lock_mutex();
        sqlite3_mutex_enter(mu);
        vfs_inode *n = f->inode;
        if (f->elock >= SQLITE_LOCK_SHARED) {
            n->nshared--;
            if (n->nshared == 0) n->elock = SQLITE_LOCK_NONE;
            else if (f->elock > SQLITE_LOCK_SHARED) n->elock = SQLITE_LOCK_SHARED;
        }
        shm_release(f);
        if (--n->nref == 0) {
            for (vfs_inode **pp = &inodes; *pp; pp = &(*pp)->next)
                if (*pp == n) {
                    *pp = n->next;
                    break;
                }
            for (int i = 0; i < n->nregion; i++) sqlite3_free(n->regions[i]);
            sqlite3_free(n->regions);
            sqlite3_free(n);
        }
        sqlite3_mutex_leave(mu);
        f->inode = NULL;
    }
    if (f->delname) {
        vk_unlink(f->p, f->delname);
        vk_free(f->p, f->delname);
        f->delname = NULL;
    }
    if (f->mem) vk_free(f->p, f->mem);
    f->mem = NULL;
    return SQLITE_OK;
}

static int f_read(sqlite3_file *sf, void *buf, int amt, sqlite3_int64 off)
{
    vfs_file *f = (vfs_file *)sf;
    int64_t got = 0;
    if (f->fd < 0) {
        if (off < f->memlen) {
            got = f->memlen - off < amt ? f->memlen - off : amt;
            memcpy(buf, f->mem + off, (size_t)got);
        }
    } else {
        while (got < amt) {
            ssize_t n = vk_pread(f->p, f->fd, (char *)buf + got, (size_t)(amt - got), off + got);
            if (n < 0) return SQLITE_IOERR_READ;
            if (n == 0) break;
            got += n;
        }
    }
    if (got < amt) {
        memset((char *)buf + got, 0, (size_t)(amt - got));
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int mem_reserve(vfs_file *f, int64_t need)
{
    if (need <= f->memcap) return SQLITE_OK;
    int64_t cap = f->memcap ? f->memcap : 8192;
    while (cap < need) cap *= 2;
    unsigned char *m = vk_realloc(f->p, f->mem, (size_t)cap);
    if (!m) return SQLITE_FULL;
    f->mem = m;
    f->memcap = cap;
    return SQLITE_OK;
}

static int f_write(sqlite3_file *sf, const void *buf, int amt, sqlite3_int64 off)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->fd < 0) {
        int rc = mem_reserve(f, off + amt);
        if (rc) return rc;
        if (off > f->memlen) memset(f->mem + f->memlen, 0, (size_t)(off - f->memlen));
        memcpy(f->mem + off, buf, (size_t)amt);
        if (off + amt > f->memlen) f->memlen = off + amt;
        return SQLITE_OK;
    }
    /* no pwrite in the kernel: seek, then write (one process uses one fd at a time) */
    int64_t at = vk_lseek(f->p, f->fd, off, VK_SEEK_SET);
    if (at < 0) return SQLITE_IOERR_SEEK;
    ssize_t n = vk_write(f->p, f->fd, buf, (size_t)amt);
    if (n < 0) return write_error((int)n);
    if (n < amt) return SQLITE_FULL;
    return SQLITE_OK;
}

static int f_truncate(sqlite3_file *sf, sqlite3_int64 size)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->fd < 0) {
        if (size < f->memlen) f->memlen = size;
        return SQLITE_OK;
    }
    int rc = vk_ftruncate(f->p, f->fd, (uint64_t)size);
    return rc < 0 ? SQLITE_IOERR_TRUNCATE : SQLITE_OK;
}

static int f_sync(sqlite3_file *sf, int flags)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->fd < 0) return SQLITE_OK;
    int rc = vk_fsync(f->p, f->fd);
    return rc < 0 && rc != VOS_EINVAL && rc != VOS_ENOSYS ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}

static int f_size(sqlite3_file *sf, sqlite3_int64 *size)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->fd < 0) {
        *size = f->memlen;
        return SQLITE_OK;
    }
    struct vk_stat st;
    int rc = vk_fstat(f->p, f->fd, &st);
    if (rc < 0) return SQLITE_IOERR_FSTAT;
    *size = (sqlite3_int64)st.size;
    return SQLITE_OK;
}

/* SQLite's lock levels over the lock table, with the rules of its unix VFS. */
static int f_lock(sqlite3_file *sf, int level)
{
    vfs_file *f = (vfs_file *)sf;
    if (!f->inode || f->elock >= level) {
        if (!f->inode && level > f->elock) f->elock = level;
        return SQLITE_OK;
    }
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    vfs_inode *n = f->inode;
    int rc = SQLITE_OK;
    if (f->elock != n->elock && (n->elock >= SQLITE_LOCK_PENDING || level > SQLITE_LOCK_SHARED)) {
        rc = SQLITE_BUSY;
    } else if (level == SQLITE_LOCK_SHARED) {
        n->nshared++;
        if (n->elock == SQLITE_LOCK_NONE) n->elock = SQLITE_LOCK_SHARED;
        f->elock = SQLITE_LOCK_SHARED;
    } else if (level == SQLITE_LOCK_RESERVED) {
        n->elock = f->elock = SQLITE_LOCK_RESERVED;
    } else { /* EXCLUSIVE (PENDING on the way while readers remain) */
        if (n->nshared > 1) {
            n->elock = f->elock = SQLITE_LOCK_PENDING;
            rc = SQLITE_BUSY;
        } else {
            n->elock = f->elock = SQLITE_LOCK_EXCLUSIVE;
        }
    }
    sqlite3_mutex_leave(mu);
    return rc;
}

static int f_unlock(sqlite3_file *sf, int level)
{
    vfs_file *f = (vfs_file *)sf;
    if (f->elock <= level) return SQLITE_OK;
    if (!f->inode) {
        f->elock = level;
        return SQLITE_OK;
    }
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    vfs_inode *n = f->inode;
    if (f->elock > SQLITE_LOCK_SHARED) {
        n->elock = SQLITE_LOCK_SHARED;
        f->elock = SQLITE_LOCK_SHARED;
    }
    if (level == SQLITE_LOCK_NONE) {
        n->nshared--;
        if (n->nshared == 0) n->elock = SQLITE_LOCK_NONE;
        f->elock = SQLITE_LOCK_NONE;
    }
    sqlite3_mutex_leave(mu);
    return SQLITE_OK;
}

static int f_check_reserved(sqlite3_file *sf, int *out)
{
    vfs_file *f = (vfs_file *)sf;
    *out = 0;
    if (!f->inode) return SQLITE_OK;
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    *out = f->inode->elock > SQLITE_LOCK_SHARED;
    sqlite3_mutex_leave(mu);
    return SQLITE_OK;
}

/* The WAL index lives in memory shared by the process's connections to the database (there is
 * no -shm file); it goes when the last of them closes, as the unix VFS deletes its -shm. */
static int f_shm_map(sqlite3_file *sf, int region, int size, int extend, void volatile **pp)
{
    vfs_file *f = (vfs_file *)sf;
    *pp = NULL;
    if (!f->inode) return SQLITE_IOERR_SHMMAP;
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    vfs_inode *n = f->inode;
    int rc = SQLITE_OK;
    if (region >= n->nregion && extend) {
        void **r = sqlite3_realloc64(n->regions, (sqlite3_uint64)(region + 1) * sizeof *r);
        if (!r) {
            rc = SQLITE_IOERR_NOMEM;
        } else {
            n->regions = r;
            while (n->nregion <= region) {
                void *m = sqlite3_malloc(size);
                if (!m) {
                    rc = SQLITE_IOERR_NOMEM;
                    break;
                }
                memset(m, 0, (size_t)size);
                n->regions[n->nregion++] = m;
            }
        }
    }
    if (rc == SQLITE_OK && region < n->nregion) *pp = n->regions[region];
    sqlite3_mutex_leave(mu);
    return rc;
}

static int f_shm_lock(sqlite3_file *sf, int ofst, int cnt, int flags)
{
    vfs_file *f = (vfs_file *)sf;
    if (!f->inode) return SQLITE_IOERR_SHMLOCK;
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    vfs_inode *n = f->inode;
    int rc = SQLITE_OK;
    if (flags & SQLITE_SHM_UNLOCK) {
        for (int i = ofst; i < ofst + cnt; i++) {
            unsigned bit = 1u << i;
            if (f->shm_excl & bit) n->shm_excl[i] = false;
            if (f->shm_shared & bit) n->shm_shared[i]--;
            f->shm_excl &= ~bit;
            f->shm_shared &= ~bit;
        }
    } else if (flags & SQLITE_SHM_SHARED) {
        for (int i = ofst; i < ofst + cnt && rc == SQLITE_OK; i++)
            if (n->shm_excl[i] && !(f->shm_excl & (1u << i))) rc = SQLITE_BUSY;
        for (int i = ofst; i < ofst + cnt && rc == SQLITE_OK; i++) {
            unsigned bit = 1u << i;
            if (!(f->shm_shared & bit)) {
                n->shm_shared[i]++;
                f->shm_shared |= bit;
            }
        }
    } else {
        for (int i = ofst; i < ofst + cnt && rc == SQLITE_OK; i++) {
            unsigned bit = 1u << i;
            if ((n->shm_excl[i] && !(f->shm_excl & bit)) ||
                n->shm_shared[i] - ((f->shm_shared & bit) ? 1 : 0) > 0)
                rc = SQLITE_BUSY;
        }
        for (int i = ofst; i < ofst + cnt && rc == SQLITE_OK; i++) {
            n->shm_excl[i] = true;
            f->shm_excl |= 1u << i;
        }
    }
    sqlite3_mutex_leave(mu);
    return rc;
}

static void f_shm_barrier(sqlite3_file *sf)
{
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    sqlite3_mutex_leave(mu);
}

static int f_shm_unmap(sqlite3_file *sf, int delete_flag)
{
    vfs_file *f = (vfs_file *)sf;
    if (!f->inode) return SQLITE_OK;
    sqlite3_mutex *mu = lock_mutex();
    sqlite3_mutex_enter(mu);
    shm_release(f);
    sqlite3_mutex_leave(mu);
    return SQLITE_OK;
}

static int f_control(sqlite3_file *sf, int op, void *arg) { return SQLITE_NOTFOUND; }
static int f_sector_size(sqlite3_file *sf) { return 4096; }
static int f_device_chars(sqlite3_file *sf) { return 0; }

static const sqlite3_io_methods file_methods = {
    2, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock, f_unlock,
    f_check_reserved, f_control, f_sector_size, f_device_chars,
    f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, NULL, NULL,
};

/* ---- vfs methods ---- */

static vk_proc *vfs_proc(sqlite3_vfs *vfs) { return ((vl_sqlite_vfs *)vfs)->p; }

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *sf, int flags, int *outflags)
{
    vfs_file *f = (vfs_file *)sf;
    memset(f, 0, sizeof *f);
    f->p = vfs_proc(vfs);
    f->fd = -1;
    if (!name) { /* a temporary file: memory */
        f->base.pMethods = &file_methods;
        if (outflags) *outflags = flags;
        return SQLITE_OK;
    }
    int oflags = VK_O_CLOEXEC;
    if (flags & SQLITE_OPEN_READWRITE) oflags |= VK_O_RDWR;
    else oflags |= VK_O_RDONLY;
    if (flags & SQLITE_OPEN_CREATE) oflags |= VK_O_CREAT;
    if (flags & SQLITE_OPEN_EXCLUSIVE) oflags |= VK_O_EXCL;
    int fd = vk_open(f->p, name, oflags, 0644);
    if (fd < 0 && (flags & SQLITE_OPEN_READWRITE) && fd != VOS_EISDIR &&
        (fd == VOS_EROFS || fd == VOS_EACCES || fd == VOS_EPERM)) {
        /* as the unix VFS: a file we may not write is opened read-only */
        flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
        fd = vk_open(f->p, name, VK_O_RDONLY | VK_O_CLOEXEC, 0);
    }
    if (fd < 0) return SQLITE_CANTOPEN;
    struct vk_stat st;
    if (vk_fstat(f->p, fd, &st) < 0 || VK_S_ISDIR(st.mode)) {
        vk_close(f->p, fd);
        return SQLITE_CANTOPEN;
    }
    f->fd = fd;
    if (flags & SQLITE_OPEN_DELETEONCLOSE) {
        f->delname = vk_strdup(f->p, name);
        if (!f->delname) {
            vk_close(f->p, fd);
            f->fd = -1;
            return SQLITE_NOMEM;
        }
    }
    if (flags & SQLITE_OPEN_MAIN_DB) {
        const void *vm = vk_hostname(f->p);
        sqlite3_mutex *mu = lock_mutex();
        sqlite3_mutex_enter(mu);
        vfs_inode *n = inodes;
        while (n && !(n->vm == vm && n->dev == st.dev && n->ino == st.ino)) n = n->next;
        if (!n) {
            n = sqlite3_malloc(sizeof *n);
            if (n) {
                memset(n, 0, sizeof *n);
                n->vm = vm;
                n->dev = st.dev;
                n->ino = st.ino;
                n->next = inodes;
                inodes = n;
            }
        }
        if (n) n->nref++;
        sqlite3_mutex_leave(mu);
        if (!n) {
            vk_close(f->p, fd);
            f->fd = -1;
            if (f->delname) vk_free(f->p, f->delname);
            f->delname = NULL;
            return SQLITE_NOMEM;
        }
        f->inode = n;
    }
    f->base.pMethods = &file_methods;
    if (outflags) *outflags = flags;
    return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int syncdir)
{
    int rc = vk_unlink(vfs_proc(vfs), name);
    if (rc == VOS_ENOENT) return SQLITE_IOERR_DELETE_NOENT;
    return rc < 0 ? SQLITE_IOERR_DELETE : SQLITE_OK;
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    vk_proc *p = vfs_proc(vfs);
    struct vk_stat st;
    *out = 0;
    if (flags == SQLITE_ACCESS_EXISTS) {
        /* as the unix VFS: an empty regular file (a journal truncated to 0) does not count */
        *out = vk_stat(p, name, &st) == 0 && (!VK_S_ISREG(st.mode) || st.size > 0);
    } else {
        *out = vk_access(p, name, VK_R_OK | VK_W_OK) == 0;
    }
    return SQLITE_OK;
}

/* Collapse "//", "/./" and "/../" of an absolute path in place. */
static void normalize(char *path)
{
    char *w = path;
    const char *r = path;
    while (*r) {
        while (*r == '/') r++;
        const char *e = r;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - r);
        if (n == 0) break;
        if (n == 1 && r[0] == '.') {
        } else if (n == 2 && r[0] == '.' && r[1] == '.') {
            while (w > path && *--w != '/') {
            }
        } else {
            *w++ = '/';
            memmove(w, r, n);
            w += n;
        }
        r = e;
    }
    if (w == path) *w++ = '/';
    *w = 0;
}

/* As the unix VFS: the absolute, canonical path (symbolic links resolved; the last component
 * may not exist yet), so the journal sits beside the real file and .databases names it. */
static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int nout, char *out)
{
    vk_proc *p = vfs_proc(vfs);
    int n;
    char *real = NULL;
    if (vk_realpath(p, name, true, &real) == 0 && real) {
        n = snprintf(out, (size_t)nout, "%s", real);
        vk_free(p, real);
        return n < 0 || n >= nout ? SQLITE_CANTOPEN : SQLITE_OK;
    }
    if (name[0] == '/') {
        n = snprintf(out, (size_t)nout, "%s", name);
    } else {
        const char *cwd = vk_getcwd(p);
        n = snprintf(out, (size_t)nout, "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", name);
    }
    if (n < 0 || n >= nout) return SQLITE_CANTOPEN;
    normalize(out);
    return SQLITE_OK;
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    for (int i = 0; i < n; i += 8) {
        uint64_t r = vk_random(vfs_proc(vfs));
        memcpy(out + i, &r, (size_t)(n - i < 8 ? n - i : 8));
    }
    return n;
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
    vk_sleep_ns(vfs_proc(vfs), (int64_t)us * 1000);
    return us;
}

static int v_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    /* Julian day in ms: the epoch is day 2440587.5 */
    *out = (sqlite3_int64)210866760000000LL + vk_time_ns(vfs_proc(vfs)) / 1000000;
    return SQLITE_OK;
}

static int v_current_time(sqlite3_vfs *vfs, double *out)
{
    sqlite3_int64 ms;
    v_current_time64(vfs, &ms);
    *out = (double)ms / 86400000.0;
    return SQLITE_OK;
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    if (n > 0) out[0] = 0;
    return 0;
}

vl_sqlite_vfs *vl_sqlite_vfs_new(vk_proc *p)
{
    vl_sqlite_vfs *v = vk_calloc(p, 1, sizeof *v);
    if (!v) return NULL;
    v->p = p;
    snprintf(v->name, sizeof v->name, "vos-%p", (void *)v);
    v->base.iVersion = 2;
    v->base.szOsFile = (int)sizeof(vfs_file);
    v->base.mxPathname = VK_PATH_MAX;
    v->base.zName = v->name;
    v->base.pAppData = v;
    v->base.xOpen = v_open;
    v->base.xDelete = v_delete;
    v->base.xAccess = v_access;
    v->base.xFullPathname = v_full_pathname;
    v->base.xRandomness = v_randomness;
    v->base.xSleep = v_sleep;
    v->base.xCurrentTime = v_current_time;
    v->base.xGetLastError = v_last_error;
    v->base.xCurrentTimeInt64 = v_current_time64;
    if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK) {
        vk_free(p, v);
        return NULL;
    }
    return v;
}

const char *vl_sqlite_vfs_name(const vl_sqlite_vfs *v) { return v->name; }

void vl_sqlite_vfs_free(vl_sqlite_vfs *v)
{
    if (!v) return;
    sqlite3_vfs_unregister(&v->base);
    vk_free(v->p, v);
}
