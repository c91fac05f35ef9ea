/* api.h: what tests and benchmarks of this tree may reach behind a public handle. Not for
 * hosts: they use include/vos.h only. */
#ifndef VOS_API_INTERNAL_H
#define VOS_API_INTERNAL_H

#include "kernel/host.h"
#include "vos.h"

/* The kernel VM behind a handle. */
vk_vm *api_kvm(vos_vm *vm);

#endif
