/* memfs.h: the in-memory filesystem driver ("memfs"), also the overlay's upper layer. */
#ifndef VK_MEMFS_H
#define VK_MEMFS_H

#include "vos_driver.h"

int memfs_new(vos_host *h, vos_fs **out);
extern const vos_driver vk_memfs_driver;

#endif
