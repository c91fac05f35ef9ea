/* hostfs.h: what the kernel asks of the host-directory driver beyond vos_driver.h, through its
 * ctl method (multicall mode: is a file, or a host symlink, the vos binary itself?). */
#ifndef VK_HOSTFS_H
#define VK_HOSTFS_H

#include <stdbool.h>
#include <stdint.h>

#include "vos_driver.h"

enum {
    /* the host (dev, ino) of rel, without following it */
    VK_HOSTFS_CTL_HOST_ID = 0x686f0001,
    /* result: is rel, a symlink in the mount, a link on the host to the file (dev, ino)? */
    VK_HOSTFS_CTL_LINKS_TO = 0x686f0002,
    /* arg an int *: a new O_PATH fd of the mount's root (O_CLOEXEC; the caller closes it), so
     * escalation can bind the very directory the mount holds into its jail */
    VK_HOSTFS_CTL_ROOT_FD = 0x686f0003,
};

typedef struct vk_hostfs_id {
    const char *rel;
    uint64_t dev, ino;
    bool result;
} vk_hostfs_id;

/* The driver ("hostfs", mounted by vos_mount with a host directory as its source). */
int hostfs_new(vos_host *h, const char *host_path, bool rdonly, vos_fs **out);

#endif
