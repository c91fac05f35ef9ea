/* escalate.h: running a listed program natively, in a bubblewrap jail over a copy of the VM's
 * files (docs/escalation.md). Private to src/kernel. */
#ifndef VK_ESCALATE_H
#define VK_ESCALATE_H
#include "kernel/internal.h"

/* Does the VM's config list name (a base name) for escalation ("*" lists every name)? */
bool vk_escalate_listed(vk_vm *vm, const char *name);
/* Is name (no slash) listed, allowed by the command rules and found in the jail's image? What
 * /usr/bin shows for it. */
bool vk_escalate_offers(vk_vm *vm, const char *name);
/* Start, in a thread, what a process's first escalation would make (once per image and VM
 * user): called when a VM with programs to escalate is made. */
void vk_escalate_prepare(vk_vm *vm);
/* Drop the VM's host copy (at the VM's end). */
void vk_escalate_vm_free(vk_vm *vm);
/* Run name (a base name, or a VM path to a host binary when path_in_vm) escalated in the
 * current process. Returns only on failure before the program starts (VOS_ENOENT when the
 * image has no such program, VOS_ECMDDENIED, VOS_ENOSYS when bwrap or user namespaces are
 * missing, with a message); else the process ends with the program's status. */
/* Remove the process's kept host copies and shared /etc directories (at its normal end, by a
 * destructor; a process that ends with _exit calls it first). */
void vk_escalate_process_end(void);
/* For tests: make a VM's jail from the process's base (on, the default) or with bwrap. */
void vk_escalate_compose(bool on);
int vk_escalate(vk_proc *p, const char *name, bool path_in_vm, char *const argv[],
                char *const envp[]);
#endif
