/* parse.c: fuzz target for the shell's parser alone (issue 8): each input is a script written
 * to /p in a fresh VM and read by `bash -n` (noexec: every command is parsed, none runs), once
 * as a file (the parser over the whole text) and once on standard input (the reader that asks
 * the parser whether a command is complete, a line at a time). Built with libFuzzer by
 * `make fuzz-parse`; linked with tests/fuzz/replay.c by `make test`, which replays every saved
 * crasher in tests/fuzz/crashers/parse/. */
#include <stdint.h>
#include <stdlib.h>

#include "vos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return 0;
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    cfg.limits = &lim;
    lim.time_ms = 1000;
    lim.mem_bytes = 64u << 20;
    lim.fs_bytes = 4u << 20;
    lim.output_bytes = 64u << 10;
    lim.procs = 8;
    lim.nest_depth = 64;
    vos_vm *vm;
    if (vos_vm_new(&cfg, &vm) != 0) return 0;
    if (vos_write_file(vm, "/p", data, size, 0644) == 0) {
        vos_result r;
        vos_result_init(&r);
        vos_exec(vm, "bash -n /p", NULL, &r);
        vos_result_free(&r);
        vos_exec(vm, "bash -n < /p", NULL, &r);
        vos_result_free(&r);
        vos_exec(vm, "echo ok", NULL, &r); /* the VM must still be sound */
        vos_result_free(&r);
    }
    vos_vm_free(vm);
    return 0;
}
