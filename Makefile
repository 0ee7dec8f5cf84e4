# bqw: `make run` sets up, builds and prints the overview; `make test` runs every test.
# Everything below wraps CMake; see README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# make test's ctest runs one test more than the cores: a fifth of the suite's time is
# tests waiting on a terminal, Neovim or Chromium at a third of a core (tests/README.md)
SUITE_JOBS ?= $(shell expr $(JOBS) + 1)

FUZZ_SECONDS ?= 60
PREFIX     ?= /usr/local

.PHONY: all deps build run test spec test-fast test-asan test-package fuzz bench bench-1g lint format golden nvim clean install uninstall deb cli-ref fields-ref

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

run: build
	@$(BUILD)/bqw overview

# The C module built against LuaJIT into lua/bqw/core.so, for Neovim's runtimepath.
nvim: deps
	@cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) --target bqw_lua_jit -j $(JOBS) -- --no-print-directory

# make install [PREFIX=/usr/local] [DESTDIR=…]; make uninstall removes exactly those files.
# Builds only what is installed (no tests); without DESTDIR, as root, it runs ldconfig.
install: deps
	@cmake -S . -B $(BUILD) -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) --target installables -j $(JOBS) -- --no-print-directory
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)
	@cp $(BUILD)/install_manifest.txt $(BUILD)/installed-files.txt

# bqw, libbqw0 and libbqw-dev _<version>_<arch>.deb in build-deb/, for /usr (dpkg -i);
# Depends from dpkg-shlibdeps; `lintian build-deb/*.deb` reports no error or warning.
deb: deps
	@cmake -S . -B build-deb -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr -DBQW_TESTS=OFF >/dev/null
	@cmake --build build-deb --target installables -j $(JOBS) -- --no-print-directory
	@cd build-deb && cpack -G DEB

# the list is kept apart from install_manifest.txt, which the install test rewrites
uninstall:
	@DESTDIR=$(DESTDIR) sh scripts/uninstall.sh $(BUILD)/installed-files.txt

# The suite: gcc build, then a clang build under ASan+UBSan. The packaging tests (label
# `package`: the .deb, the rock, ThreadSanitizer's own build) each build bqw again: they
# run in test-package, which CI (.ci/run) runs after this.
#
# One ctest, build/suite (scripts/suite.sh), runs both trees' tests (`ctest -N` there lists them;
# the sanitizer tree's are named asan:NAME): the sanitizer tree is built by its first test,
# asan_build, while the gcc tree's tests run, and ctest keeps both cores busy to the end
# instead of waiting on the last test of one tree before starting the other.
# A busted spec that asserts the same in both trees (label `twin` on the gcc tree's copy:
# tests/CMakeLists.txt) runs once, under the sanitizers; test-fast runs every test of the
# gcc tree, test-asan every test of the sanitizer tree.
test: build
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DBQW_SANITIZE=ON >/dev/null
	@sh scripts/suite.sh $(BUILD) $(ASAN_BUILD) $(JOBS)
	@cd $(BUILD)/suite && ctest --output-on-failure -j $(SUITE_JOBS) -LE '^(package|asan-skipped|twin)$$'

test-package: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L package

# One busted spec (tests/lua/S_spec.lua) in the gcc build: make spec S=where
spec: build
	@test -n "$(S)" || { echo "usage: make spec S=NAME (tests/lua/NAME_spec.lua)"; exit 2; }
	@test -f tests/lua/$(S)_spec.lua || { echo "no tests/lua/$(S)_spec.lua"; exit 2; }
	@cd $(BUILD) && ctest --output-on-failure -R '^lua_$(S)$$'

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE package

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DBQW_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE nosan

# Each libFuzzer harness (tests/fuzz) for FUZZ_SECONDS; fails on any finding, an input
# over 6 s or 1024 MB of RSS among them (FUZZ_TIMEOUT, FUZZ_RSS_MB: tests/fuzz/run.sh).
fuzz: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DBQW_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) --target fuzz_load fuzz_search fuzz_where fuzz_codebook -j $(JOBS)
	@status=0; for f in fuzz_load fuzz_search fuzz_where fuzz_codebook; do \
	  sh tests/fuzz/run.sh $(ASAN_BUILD)/tests/fuzz/$$f tests/fuzz $(FUZZ_SECONDS) || status=1; \
	done; exit $$status

# make bench BASE=REV also runs bqw's commands on REV (built once in bench/out/base-REV
# from git archive) beside this build: bench/compare.sh; make bench-compare runs only that.
bench: build
	@scripts/deps.sh bench
	@if [ -n "$(BASE)" ]; then bench/compare.sh --base $(BASE) $(BUILD); fi
	@cmake -S . -B $(BUILD) >/dev/null
	@cmake --build $(BUILD) --target bench_load bench_search -j $(JOBS)
	@bench/run.sh $(BUILD)
	@bench/search.sh $(BUILD)
	@bench/convert.sh $(BUILD)
	@$(BUILD)/bqw run bench/loop_gap.lua bench/out/corpus-100mb.txt 3
	@bench/export.py --size 100 --repeat 1 $(BUILD)
	@bench/outputs.sh $(BUILD)
	@$(MAKE) --no-print-directory nvim
	@bench/nvim.py --check --runs 3

bench-compare: build
	@bench/compare.sh --base $(or $(BASE),548b587) $(BUILD)

# Exports of a 1 GB digest (opt-in: generating it and one run of each export take
# minutes; markdown and html, 4-9 min each there as they format every cell in Lua, are
# left out: bench/export.py --size 1024 --repeat 1 --formats markdown,html build).
bench-1g: build
	@scripts/deps.sh bench
	@bench/export.py --size 1024 --repeat 1 --formats csv,tsv,ndjson,json,csv@city $(BUILD)

lint:
	@luacheck -q lua plugins tests examples bench tools
	@clang-format --dry-run --Werror core/*.c core/*.h binding/*.c binding/*.h host/*.c tools/*.c tests/c/*.c tests/c/*.h tests/fuzz/*.c bench/*.c sqlite/*.c sqlite/*.h

format:
	@clang-format -i core/*.c core/*.h binding/*.c binding/*.h host/*.c tools/*.c tests/c/*.c tests/c/*.h tests/fuzz/*.c bench/*.c sqlite/*.c sqlite/*.h

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-deb

# Rewrites the command-line section of doc/bqw.txt from lua/bqw/commands.lua (the man
# page and completions are generated at build time).
cli-ref:
	@lua5.4 tools/gen_cli_ref.lua vimdoc doc/bqw.txt

# Rewrites the field tables of README.md and doc/bqw.txt from libbqw's schema
# (core/bqw_schema.h, read by the built bqw).
fields-ref: build
	@$(BUILD)/bqw run tools/gen_fields_ref.lua write README.md doc/bqw.txt
	@git --no-pager diff --stat -- doc/bqw.txt

# Regenerates the golden JSON of the parsed digest: a deliberate act; review the diff.
golden: build
	@$(BUILD)/bqw dump > tests/golden/digest.json
	@git --no-pager diff --stat -- tests/golden/digest.json
