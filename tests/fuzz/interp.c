/* interp.c: fuzz target for one of the interpreters (awk, jq, bc, dc, sed): each input is a
 * program, written to /p in a fresh VM under tight limits and run by the command FUZZ_CMD
 * (a shell line that names /p and a small input file /in). Built per interpreter by
 * `make fuzz-interp` (clang, libFuzzer, ASan+UBSan); crashers land in tests/fuzz/crashers/
 * with the interpreter's name in front. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vos.h"

#ifndef FUZZ_CMD
#error "build with -DFUZZ_CMD='\"awk -f /p /in\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char input[] = "alpha 1 x\nbeta 22 y\n{\"a\":[1,2,{\"b\":null}],\"c\":\"s\"}\n"
                            "3.5 -7 0x10\n\n  spaced   line  \n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    vos_config cfg;
    vos_limits lim;
    vos_limits_init(&lim);
    vos_config_init(&cfg);
    cfg.limits = &lim;
    lim.time_ms = 300;
    lim.cpu_steps = 200000;
    lim.mem_bytes = 64u << 20;
    lim.fs_bytes = 4u << 20;
    lim.output_bytes = 64u << 10;
    lim.procs = 8;
    vos_vm *vm;
    if (vos_vm_new(&cfg, &vm) != 0) return 0;
    if (vos_write_file(vm, "/p", data, size, 0644) == 0 &&
        vos_write_file(vm, "/in", input, sizeof input - 1, 0644) == 0) {
        vos_result r;
        vos_result_init(&r);
        vos_exec(vm, FUZZ_CMD " < /dev/null", NULL, &r);
        vos_result_free(&r);
        vos_exec(vm, "echo ok", NULL, &r); /* the VM must still be sound */
        vos_result_free(&r);
    }
    vos_vm_free(vm);
    return 0;
}
