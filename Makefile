# slim - build, test, bench. `make help` lists the targets.
#
# Quiet by default; V=1 shows the commands. Objects go to $(BUILD); the
# tools go to bin/. Variants (sanitizers, the AArch64 cross build) are the
# same rules run again with another BUILD, CC and flags.

.DEFAULT_GOAL := all
SHELL := /bin/bash

V ?= 0
Q := $(if $(filter 1,$(V)),,@)
BUILD ?= build/native
BINDIR ?= bin
PREFIX ?= /usr/local
OPT ?= -O2
SAN ?=
EXTRA_CFLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
        -Wcast-align -Wno-override-init
# -ffp-contract=off: results must match ggml's reference bit for bit, so the
# compiler may not fuse a*b+c into an FMA anywhere in the library.
CFLAGS_ALL := -std=gnu11 $(OPT) -g -fPIC -ffp-contract=off -pthread \
              -Iinclude -I. -DSLIM_BUILDING_LIBRARY -MMD -MP $(WARN) $(SAN) $(EXTRA_CFLAGS)
LDLIBS_CORE := -lpthread -lm
LDLIBS_FULL := -lzstd -lxxhash -lpcre2-8 -ljansson -lutf8proc $(LDLIBS_CORE)

MACHINE := $(shell $(CC) -dumpmachine)
ifneq (,$(findstring x86_64,$(MACHINE)))
  ARCH_SRCS := $(wildcard simd/x86/*.c)
endif
ifneq (,$(findstring aarch64,$(MACHINE)))
  ARCH_SRCS := $(wildcard simd/arm/*.c)
endif

# The core (cpu dispatch, kernels, quantization) has no external dependency,
# so it can be cross-built for the NEON tests without arm64 packages.
CORE_SRCS := $(wildcard core/*.c simd/*.c simd/ref/*.c quant/*.c) $(ARCH_SRCS)
FULL_SRCS := $(CORE_SRCS) $(wildcard tok/*.c formats/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
# tok/*.S embed data files (the built-in vocabularies) with .incbin.
FULL_ASM := $(wildcard tok/*.S)
FULL_OBJS := $(FULL_SRCS:%.c=$(BUILD)/%.o) $(FULL_ASM:%.S=$(BUILD)/%.o)

LIB_STATIC := $(BUILD)/libslim.a
LIB_CORE := $(BUILD)/libslim-core.a
LIB_SHARED := $(BUILD)/libslim.so

CLI_SRCS := $(wildcard tools/cli_*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TOOL_NAMES := $(patsubst tools/%.c,%,$(wildcard tools/slim-*.c))
TOOLS := $(TOOL_NAMES:%=$(BINDIR)/%)

# Criterion tests: every tests/test_*.c, plus helpers in tests/util_*.c
# (plain C without Criterion: the kernel checker links them too).
TEST_UTIL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/util_*.c))
TEST_SRCS := $(wildcard tests/test_*.c tests/util_*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/tests/slim-tests
# Standalone kernel checker (no Criterion): every path against _ref; also
# cross-built and run under qemu for NEON.
KCHECK_BIN := $(BUILD)/tests/kernel-check
KCHECK_OBJS := $(BUILD)/tests/kernel_check.o $(TEST_UTIL_OBJS)

FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)

SHARED_DATA ?= $(abspath ../shared/data)
export SLIM_SHARED_DATA := $(SHARED_DATA)

## all: build the library and the tools into bin/
all: $(LIB_STATIC) $(LIB_SHARED) $(TOOLS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# .incbin paths are relative to the repository root, where make runs.
$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@
$(BUILD)/tok/vocab_data.o: $(wildcard data/vocab/*.zst)

# Archives are built aside and renamed into place, so a link running at the
# same time (another make in the same tree) never sees a half-written one.
$(LIB_STATIC): $(FULL_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(LIB_CORE): $(CORE_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@.tmp && ar rcs $@.tmp $^ && mv -f $@.tmp $@

$(LIB_SHARED): $(FULL_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -fvisibility=hidden $(SAN) -o $@ $^ $(LDLIBS_FULL)

$(BINDIR)/%: $(BUILD)/tools/%.o $(CLI_OBJS) $(LIB_STATIC)
	@mkdir -p $(BINDIR)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(CLI_OBJS) $(LIB_STATIC) $(LDLIBS_FULL)

$(TEST_BIN): $(TEST_OBJS) $(LIB_STATIC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $(TEST_OBJS) $(LIB_STATIC) -lcriterion $(LDLIBS_FULL)

$(KCHECK_BIN): $(KCHECK_OBJS) $(LIB_CORE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_CORE)

$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay_main.o $(LIB_STATIC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_FULL)

## deps: install the Debian packages slim needs (apt-get as root, else prints the command)
deps:
	$(Q)bash scripts/deps.sh

## demo: install what is missing, build, and run the main jobs on built-in defaults
demo: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	$(Q)bash scripts/demo.sh

## test: install what is missing, build, then run every test (unit, kernels on every path, NEON under qemu, sanitizers, fuzz replay)
test: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	$(Q)$(MAKE) --no-print-directory test-unit
	$(Q)$(MAKE) --no-print-directory check-neon
	$(Q)$(MAKE) --no-print-directory check-sanitize
	$(Q)$(MAKE) --no-print-directory fuzz-replay
	@echo "make test: all suites passed"

## test-unit: Criterion tests, the kernel checker on this machine's paths, the tools' CLI checks
test-unit: $(TEST_BIN) $(KCHECK_BIN) $(BINDIR)/slim-quant $(BINDIR)/slim-pack $(BINDIR)/slim-tok
	$(Q)$(KCHECK_BIN)
	$(Q)$(TEST_BIN) -j$(JOBS)
	$(Q)bash tests/cli_quant.sh $(BINDIR)/slim-quant
	$(Q)bash tests/cli_convert.sh $(BINDIR)/slim-quant
	$(Q)bash tests/cli_report.sh $(BINDIR)/slim-quant
	$(Q)bash tests/cli_pack.sh $(BINDIR)/slim-pack
	$(Q)bash tests/cli_archive.sh $(BINDIR)/slim-pack
	$(Q)bash tests/cli_batch.sh $(BINDIR)/slim-tok
	$(Q)bash tests/cli_tok_gguf.sh $(BINDIR)/slim-tok

## check-neon: cross-build the core for AArch64 and check the NEON kernels under qemu
check-neon:
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/aarch64 CC=aarch64-linux-gnu-gcc \
	    build/aarch64/tests/kernel-check
	$(Q)qemu-aarch64 -L /usr/aarch64-linux-gnu build/aarch64/tests/kernel-check

## check-sanitize: the unit tests and fuzz replays under ASan and UBSan
check-sanitize:
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    build/asan/tests/slim-tests build/asan/tests/kernel-check \
	    $(FUZZ_TARGETS:%=build/asan/fuzz/replay_%)
	$(Q)build/asan/tests/kernel-check --quick
	$(Q)ASAN_OPTIONS=detect_leaks=1 build/asan/tests/slim-tests -j$(JOBS)
	$(Q)for t in $(FUZZ_TARGETS); do build/asan/fuzz/replay_$$t fuzz/corpus/$$t fuzz/crashes/$$t || exit 1; done

## fuzz-replay: run every fuzz target once over its corpus and past crashes
fuzz-replay: $(FUZZ_REPLAY)
	$(Q)for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz/replay_$$t fuzz/corpus/$$t fuzz/crashes/$$t || exit 1; done

## fuzz: build libFuzzer targets with clang and run each for FUZZ_SECONDS (default 60)
FUZZ_SECONDS ?= 60
fuzz:
	$(Q)bash scripts/fuzz.sh libfuzzer $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## fuzz-afl: build the targets with AFL++ (afl-clang-fast) into build/afl
fuzz-afl:
	$(Q)bash scripts/fuzz.sh afl 0 $(FUZZ_TARGETS)

## bench: benchmarks against the scalar reference and the peers (prints ratios)
bench: all
	$(Q)$(MAKE) --no-print-directory $(BUILD)/bench/bench-quant $(BUILD)/bench/bench-tok $(BUILD)/bench/bench-batch
	$(Q)$(BUILD)/bench/bench-quant
	$(Q)BENCH_TOK=$(BUILD)/bench/bench-tok bash bench/bench_tok.sh
	$(Q)BENCH_BATCH=$(BUILD)/bench/bench-batch bash bench/bench_batch.sh
	$(Q)bash bench/bench_convert.sh

## bench-convert: Q4_K_M from a synthetic BF16 model, slim-quant convert vs llama-quantize (LLAMA_QUANTIZE=path)
bench-convert: $(BINDIR)/slim-quant
	$(Q)bash bench/bench_convert.sh

## bench-tok: slim's tokenizers against npm tiktoken and tokenizers, one run (installed into bench/.cache)
bench-tok: $(BUILD)/bench/bench-tok
	$(Q)BENCH_TOK=$(BUILD)/bench/bench-tok bash bench/bench_tok.sh

## bench-batch: slim-tok batch on a ~1 GB corpus vs single-document encode and HF encodeBatch (BENCH_BATCH_MB=64 for a quick run)
bench-batch: $(BINDIR)/slim-tok $(BUILD)/bench/bench-batch
	$(Q)BENCH_BATCH=$(BUILD)/bench/bench-batch bash bench/bench_batch.sh

$(BUILD)/bench/bench-%: bench/bench_%.c $(LIB_STATIC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB_STATIC) $(LDLIBS_FULL)

## bench-ggml: ggml's quantizer vs slim's, same input and run (GGML_DIR=a ggml checkout built with cmake in GGML_DIR/build)
GGML_DIR ?= ../ggml
bench-ggml: $(LIB_STATIC)
	@test -f $(GGML_DIR)/include/ggml.h || { echo "bench-ggml: set GGML_DIR to a ggml checkout (cmake -B build && cmake --build build --target ggml-base)"; exit 2; }
	@mkdir -p $(BUILD)/bench
	$(Q)$(CC) -O2 -Iinclude -I$(GGML_DIR)/include -o $(BUILD)/bench/vs-ggml bench/vs_ggml.c $(LIB_STATIC) \
	    -L$(GGML_DIR)/build/src -lggml-base -Wl,-rpath,$(abspath $(GGML_DIR))/build/src $(LDLIBS_FULL)
	$(Q)$(BUILD)/bench/vs-ggml

## install: install the tools, library, header and slim.pc under PREFIX
install: all
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	$(Q)install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	$(Q)install -m 644 $(LIB_STATIC) $(DESTDIR)$(PREFIX)/lib/libslim.a
	$(Q)install -m 755 $(LIB_SHARED) $(DESTDIR)$(PREFIX)/lib/libslim.so
	$(Q)install -m 644 include/slim.h $(DESTDIR)$(PREFIX)/include/slim.h
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/.*SLIM_VERSION_STRING "\(.*\)"/\1/p' include/slim.h)|g' \
	    scripts/slim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/slim.pc
	@echo "installed under $(DESTDIR)$(PREFIX)"

## clean: remove build output
clean:
	$(Q)rm -rf build bin

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /' -e 's/: /\t/'

.PHONY: all deps demo test test-unit check-neon check-sanitize fuzz-replay fuzz fuzz-afl bench bench-tok bench-batch bench-convert bench-ggml install clean help
.SECONDARY:

-include $(FULL_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TOOL_NAMES:%=$(BUILD)/tools/%.d) $(KCHECK_OBJS:.o=.d) \
    $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%.d) $(BUILD)/fuzz/replay_main.d
