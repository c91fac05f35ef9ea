/* shell.c: fuzz target for the shell and everything a script reaches (parser, expansion,
 * evaluator, commands, kernel): each input is a script run in a fresh VM under tight limits.
 * Built with libFuzzer by `make fuzz`; linked with tests/fuzz/replay.c by `make test`, which
 * replays every saved crasher in tests/fuzz/crashers/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *script = malloc(size + 1);
    if (!script) return 0;
    memcpy(script, data, size);
    script[size] = 0; /* a NUL ends the script early, as it would for bash -c */
    vos_config cfg;
    vos_limits cfg_lim;
    vos_limits_init(&cfg_lim);
    vos_config_init(&cfg);
    cfg.limits = &cfg_lim;
    cfg_lim.time_ms = 300;
    cfg_lim.cpu_steps = 200000;
    cfg_lim.mem_bytes = 64u << 20;
    cfg_lim.fs_bytes = 4u << 20;
    cfg_lim.output_bytes = 64u << 10;
    cfg_lim.procs = 16;
    cfg_lim.call_depth = 64;
    cfg_lim.nest_depth = 64;
    cfg_lim.expand_bytes = 1u << 20;
    vos_vm *vm;
    if (vos_vm_new(&cfg, &vm) == 0) {
        vos_result r;
        vos_result_init(&r);
        vos_exec(vm, script, NULL, &r);
        vos_result_free(&r);
        /* and once more in the same session: state left behind must be sound */
        vos_exec(vm, "echo ok", NULL, &r);
        vos_result_free(&r);
        vos_vm_free(vm);
    }
    free(script);
    return 0;
}
