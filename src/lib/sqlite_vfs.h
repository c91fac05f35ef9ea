/* sqlite_vfs.h: a sqlite3_vfs whose files are VM files. Every open, read, write, truncate,
 * sync, lock, delete and access goes through the kernel's system calls of one process, so a
 * database obeys the VM's mounts, quotas, read-only mounts and path rules; temporary files
 * (sorts, temp tables, statement journals) live in memory allocated from the VM (charged to
 * its memory limit); time and randomness come from the kernel. No host path is ever used. */
#ifndef VL_SQLITE_VFS_H
#define VL_SQLITE_VFS_H

#include <sqlite3.h>

#include "kernel/kernel.h"

typedef struct vl_sqlite_vfs vl_sqlite_vfs;

/* Register a VFS for process p under a fresh unique name (not the default VFS). Returns NULL
 * when the VM's memory is exhausted. */
vl_sqlite_vfs *vl_sqlite_vfs_new(vk_proc *p);
/* Its name, for sqlite3_open_v2. */
const char *vl_sqlite_vfs_name(const vl_sqlite_vfs *v);
/* Unregister and free it: every connection using it must be closed first. */
void vl_sqlite_vfs_free(vl_sqlite_vfs *v);

#endif
