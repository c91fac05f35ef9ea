/* overlay.h: a copy-on-write memory layer over any filesystem (the VM's view of a host repo
 * whose writes stay in the VM). */
#ifndef VK_OVERLAY_H
#define VK_OVERLAY_H

#include "vos_driver.h"

/* On failure lower is left to the caller; on success the overlay owns it. */
int overlay_new(vos_host *h, vos_fs *lower, vos_fs **out);

#endif
