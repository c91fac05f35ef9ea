/* interp.c: fuzz target for one of the interpreters (awk, jq, bc, dc, sed): each input is a
 * program, written to /p in a fresh VM under tight limits and run by the command FUZZ_CMD
 * (a shell line that names /p and a small input file /in). Built per interpreter by
 * `make fuzz-interp` (clang, libFuzzer, ASan+UBSan); crashers land in tests/fuzz/crashers/
 * with the interpreter's name in front. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vos.h"

/* The command: fixed at build time for a fuzzer (-DFUZZ_CMD='"awk -f /p /in"'), or taken
 * from the environment variable FUZZ_CMD by the replay binary that `make test` runs over
 * tests/fuzz/crashers/<interpreter>/. */
static const char *fuzz_cmd(void)
{
#ifdef FUZZ_CMD
    return FUZZ_CMD;
#else
    static const char *cmd;
    if (!cmd) cmd = getenv("FUZZ_CMD");
    if (!cmd) abort();
    return cmd;
#endif
}

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
        char script[256];
        snprintf(script, sizeof script, "%s < /dev/null", fuzz_cmd());
        vos_exec(vm, script, NULL, &r);
        vos_result_free(&r);
        vos_exec(vm, "echo ok", NULL, &r); /* the VM must still be sound */
        vos_result_free(&r);
    }
    vos_vm_free(vm);
    return 0;
}
