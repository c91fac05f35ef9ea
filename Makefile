# vos: one non-recursive Makefile. Targets: all (default), test, check (ASan+UBSan), tsan,
# bench, format, shell, clean. BUILD selects the output tree (build/, build-asan/...).
.SUFFIXES:
SHELL := /bin/bash
CC ?= cc
BUILD ?= build
MODE ?= release

WARN := -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
        -Wno-unused-parameter -Wno-format-nonliteral
ifeq ($(CI),true)
WARN += -Werror
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(MODE),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
else ifeq ($(MODE),tsan)
OPT := -O1 -g -fsanitize=thread
LDSAN := -fsanitize=thread
else ifeq ($(MODE),fuzz)
OPT := -O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
LDSAN := -fsanitize=address,undefined
else ifeq ($(MODE),debug)
OPT := -O0 -g
else
OPT := -O2 -g
endif
CPPFLAGS := -D_GNU_SOURCE -Iinclude -Isrc -I$(BUILD)/gen
CFLAGS := $(WARN) $(OPT) -fPIC -fvisibility=hidden -pthread
LDFLAGS := $(LDSAN) -pthread
LIBS := -lpcre2-8
# md5sum and the sha*sum commands: OpenSSL's MD5/SHA (SHA-NI/AVX2 assembly, 3-4x GNU's C code),
# loaded at its first use (src/kernel/lazylib.c), not linked
# jq's math builtins (floor, pow, log, sin...)
LIBS += -lm

# tar, zip/unzip, gzip, bzip2, xz, zstd: libarchive for the archive formats, zlib, libbz2, liblzma
# and libzstd for the streams (DESIGN.md's list), all fed through VM file descriptors.
# libarchive and libcurl (below) are not linked: src/kernel/lazylib.c loads each at its first
# use (their dependencies were most of a process's start)
LIBS += -lz -lbz2 -llzma -lzstd

# sqlite3 (DESIGN.md names libsqlite3): the engine under the sqlite3 command, files through a VM VFS
LIBS += -lsqlite3

# curl and wget: the kernel's network module (src/kernel/net.c) makes the transfers with libcurl,
# loaded at its first use (src/kernel/lazylib.c)

LIB_SRC := $(wildcard src/api/*.c src/kernel/*.c src/fs/*.c src/lib/*.c src/shell/*.c src/cmd/*.c)
CMD_DECL_SRC := $(wildcard src/cmd/*.c src/shell/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/cmdtable.o
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRC))
RUNNER_SRC := $(wildcard tests/runner/*.c)
RUNNER_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(RUNNER_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
DEPS := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(RUNNER_OBJ:.o=.d)

BOOTSTRAP_STAMP := $(BUILD)/.bootstrap

all: $(BUILD)/libvos.a $(BUILD)/libvos.so $(BUILD)/vos

$(BOOTSTRAP_STAMP): tools/bootstrap.sh
	@mkdir -p $(@D)
	@sh tools/bootstrap.sh
	@touch $@

# The command registry: every VL_COMMAND / VL_COMMAND_NAMED in src/cmd and src/shell.
$(BUILD)/gen/cmdtable.c: $(CMD_DECL_SRC) tools/gencmds.sh | $(BOOTSTRAP_STAMP)
	@mkdir -p $(@D)
	@sh tools/gencmds.sh $(CMD_DECL_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/cmdtable.o: $(BUILD)/gen/cmdtable.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The escalated programs' PID-namespace init (src/kernel/escalate-init/), a static program of
# its own (no C library, no sanitizer), embedded in escalate.o.
$(BUILD)/gen/escalate-init: src/kernel/escalate-init/init.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -static -nostdlib -ffreestanding -fno-stack-protector \
	  -fno-builtin -fno-asynchronous-unwind-tables -o $@ $<
$(BUILD)/obj/src/kernel/escalate.o: $(BUILD)/gen/escalate-init
$(BUILD)/obj/src/kernel/escalate.o: CPPFLAGS += -DVK_ESC_INIT='"$(BUILD)/gen/escalate-init"'

$(BUILD)/obj/%.o: %.c | $(BOOTSTRAP_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libvos.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvos.so: $(LIB_OBJ)
	$(CC) -shared -o $@ $^ $(LDFLAGS) $(LIBS)

$(BUILD)/vos: $(CLI_OBJ) $(BUILD)/libvos.a
	$(CC) -o $@ $(CLI_OBJ) $(BUILD)/libvos.a $(LDFLAGS) $(LIBS) -ledit

# tests and benchmarks share the example driver in tests/example/
$(UNIT_OBJ): CPPFLAGS += -Itests

# -lssl: tests/unit/net.c's TLS test server for the https cases
$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/libvos.a
	$(CC) -o $@ $(UNIT_OBJ) $(BUILD)/libvos.a $(LDFLAGS) $(LIBS) -lssl

$(BUILD)/vos-runner: $(RUNNER_OBJ) $(BUILD)/libvos.a
	$(CC) -o $@ $(RUNNER_OBJ) $(BUILD)/libvos.a $(LDFLAGS) $(LIBS)

$(BUILD)/fuzz-replay: tests/fuzz/shell.c tests/fuzz/replay.c $(BUILD)/libvos.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fuzz/shell.c tests/fuzz/replay.c $(BUILD)/libvos.a $(LDFLAGS) $(LIBS)
$(BUILD)/fuzz-replay-parse: tests/fuzz/parse.c tests/fuzz/replay.c $(BUILD)/libvos.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fuzz/parse.c tests/fuzz/replay.c $(BUILD)/libvos.a $(LDFLAGS) $(LIBS)
$(BUILD)/fuzz-replay-interp: tests/fuzz/interp.c tests/fuzz/replay.c $(BUILD)/libvos.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fuzz/interp.c tests/fuzz/replay.c $(BUILD)/libvos.a $(LDFLAGS) $(LIBS)

# The interpreters `make fuzz-interp` fuzzes, and the command each runs its input with.
FUZZ_INTERPS := awk jq bc dc sed
FUZZ_CMD_awk := awk -f /p /in
FUZZ_CMD_jq := jq -f /p /in
FUZZ_CMD_bc := bc -l /p
FUZZ_CMD_dc := dc /p
FUZZ_CMD_sed := sed -f /p /in

$(BUILD)/bench/%: bench/%.c $(BUILD)/libvos.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) -o $@ $< $(BUILD)/libvos.a $(LDFLAGS) $(LIBS)

# ---- tests ----
.PHONY: all test unit spec cmdtest boxes check tsan bench format shell clean clang fuzz fuzz-parse fuzz-interp fuzz-interp-one diff-fuzz
test: all $(BUILD)/unit $(BUILD)/vos-runner $(BUILD)/fuzz-replay $(BUILD)/fuzz-replay-parse \
      $(BUILD)/fuzz-replay-interp
	@sh tools/check-boxes.sh
	@sh tools/check-exports.sh $(BUILD)/libvos.so
	@$(BUILD)/unit
	@$(BUILD)/fuzz-replay tests/fuzz/crashers tests/fuzz/corpus/shell
	@$(BUILD)/fuzz-replay-parse tests/fuzz/crashers/parse tests/fuzz/corpus/shell
	@$(foreach s,$(FUZZ_INTERPS),FUZZ_CMD='$(FUZZ_CMD_$(s))' $(BUILD)/fuzz-replay-interp tests/fuzz/crashers/$(s) &&) true
	@$(BUILD)/vos-runner --vos $(BUILD)/vos tests/spec tests/cmd

unit: $(BUILD)/unit
	@$(BUILD)/unit

check:
	@$(MAKE) --no-print-directory BUILD=build-asan MODE=asan test

tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan MODE=tsan build-tsan/unit
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/unit

bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b $(BUILD)/vos || exit 1; done

# libFuzzer over the shell (and all a script reaches); new crashers land in tests/fuzz/crashers/,
# which `make test` replays. FUZZ_TIME seconds (default 60).
FUZZ_TIME ?= 60
# libFuzzer over each interpreter (awk, jq, bc, dc, sed): the input is a program run on a small
# input file in a fresh VM, starting from the programs of the interpreter's own cases
# (tools/fuzz-seeds.py). FUZZ_TIME seconds each (default 60), FUZZ_INTERPS to choose; crashers
# land in tests/fuzz/crashers/<interpreter>/, which `make test` replays.
fuzz-interp:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang MODE=fuzz build-fuzz/libvos.a
	@$(foreach s,$(FUZZ_INTERPS),$(MAKE) --no-print-directory fuzz-interp-one SPEC=$(s) &&) true

fuzz-interp-one:
	clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -pthread \
	    '-DFUZZ_CMD="$(FUZZ_CMD_$(SPEC))"' -o build-fuzz/fuzz-$(SPEC) tests/fuzz/interp.c \
	    build-fuzz/libvos.a $(LIBS)
	@python3 tools/fuzz-seeds.py $(SPEC) build-fuzz/seeds-$(SPEC)
	@mkdir -p build-fuzz/corpus-$(SPEC) tests/fuzz/crashers/$(SPEC)
	@echo "fuzz-interp: $(SPEC) ($(FUZZ_CMD_$(SPEC))) for $(FUZZ_TIME) s"
	@UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/fuzz-$(SPEC) -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix=tests/fuzz/crashers/$(SPEC)/ build-fuzz/corpus-$(SPEC) \
	    build-fuzz/seeds-$(SPEC) 2>&1 | grep -E "^#[0-9]+ *DONE|^==|ERROR|SUMMARY|runtime error|Done [0-9]+ runs" || true

# libFuzzer over the whole shell (parse, expand, run, with the toolbox) in a fresh VM under tight
# limits, seeded from tests/fuzz/corpus/shell and every script of tests/spec; crashers land in
# tests/fuzz/crashers/, which `make test` replays. FUZZ_TIME seconds.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang MODE=fuzz build-fuzz/libvos.a
	@python3 tools/fuzz-seeds.py sh build-fuzz/seeds-sh
	@mkdir -p build-fuzz/corpus
	clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -pthread \
	    -o build-fuzz/fuzz-shell tests/fuzz/shell.c build-fuzz/libvos.a $(LIBS)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/fuzz-shell -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix=tests/fuzz/crashers/ build-fuzz/corpus tests/fuzz/corpus/shell build-fuzz/seeds-sh

# libFuzzer over the shell's parser alone (`bash -n` on the input as a file and on stdin: parse,
# no run), starting from the scripts of tests/spec and the shell corpus; crashers land in
# tests/fuzz/crashers/parse/, which `make test` replays. FUZZ_TIME seconds.
fuzz-parse:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang MODE=fuzz build-fuzz/libvos.a
	@python3 tools/fuzz-seeds.py sh build-fuzz/seeds-parse
	@mkdir -p build-fuzz/corpus-parse tests/fuzz/crashers/parse
	clang $(CPPFLAGS) -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -pthread \
	    -o build-fuzz/fuzz-parse tests/fuzz/parse.c build-fuzz/libvos.a $(LIBS)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/fuzz-parse -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix=tests/fuzz/crashers/parse/ build-fuzz/corpus-parse \
	    build-fuzz/seeds-parse tests/fuzz/corpus/shell

# differential fuzzer: random scripts under /bin/bash and vos, mismatches printed as cases
# (not part of `make test`). DIFF_N scripts from seed DIFF_SEED.
DIFF_N ?= 1000
DIFF_SEED ?= 1
diff-fuzz: $(BUILD)/vos
	python3 tools/diffsh.py --vos $(BUILD)/vos -n $(DIFF_N) --seed $(DIFF_SEED) -j 2

clang:
	@$(MAKE) --no-print-directory BUILD=build-clang CC=clang WERROR=1 all

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

shell: all
	@$(BUILD)/vos

clean:
	rm -rf build build-*

-include $(DEPS)
