/* tools.h: the system calls of host tools (kernel/tools.c), for src/cmd/hosttool.c, the
 * command that every registered collection runs as. */
#ifndef VK_TOOLS_H
#define VK_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

typedef struct vk_tool_info {
    const char *coll_desc;
    size_t n_functions;
    /* function i (NULL when i >= n_functions) */
    const char *name, *desc, *schema;
    uint64_t timeout_ms;
} vk_tool_desc;

/* What collection coll holds, and its function i. The strings live as long as the VM.
 * 0 or VOS_ENOENT (no such collection). */
int vk_tool_info(vk_proc *p, const char *coll, size_t i, vk_tool_desc *out);

/* Call function fname of collection coll with the input JSON in[0..inlen). 0: *out holds the
 * result JSON; 1: *out holds the tool's error message; both vk_malloc'd (free with vk_free),
 * NUL-terminated. Negative: VOS_ENOENT (no such function), VOS_EDENIED (the policy),
 * VOS_ETIMEDOUT (no answer within the function's timeout), VOS_ENOMEM, or the vk_check code
 * that ended the wait (kill, deadline, interrupt). */
int vk_tool_call(vk_proc *p, const char *coll, const char *fname, const char *in, size_t inlen,
                 char **out, size_t *outlen);

#endif
