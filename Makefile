# dev8-init: build, test, benchmark, run.
#   make build   the static binary build/dev8-init (installs what it needs)
#   make lint    shellcheck on every shell script, actionlint on every workflow
#   make test    lint, unit tests (plain and ASan+UBSan), the PID-1 integration tests,
#                the fuzz targets over their corpora plus a short run, the
#                deploy/ manifests against their platforms' schemas, and the
#                image end-to-end tests in Docker (docker/test.sh)
#   make deploy-check   only the deploy/ manifest checks (tests/deploy/run.sh)
#   make fuzz    each fuzz target for FUZZ_SECONDS (60) seconds (build-fuzz/, clang)
#   make bench   benchmarks against tini, dumb-init and s6-svscan, as a table
#   make up      the nodejs workspace in Docker with compose (docker/workspace.sh)
#   make down    stop it; its volumes are kept
#   make images  the four Dev8 images (docker/build.sh all)
#   make up-ns   dev8-init as PID 1 in a private PID namespace with sshd, no Docker
#   make dev     a dynamic debug build for quick iteration (build-dev/)

SHELL := /bin/bash
JOBS ?= $(shell nproc)
DEPS_PREFIX ?= $(shell scripts/deps.sh prefix)
PYTEST ?= /usr/bin/python3 -m pytest
# The images' builder: `make build DEPS=build TARGETS=dev8-init` installs only
# what the static binary needs and builds it alone, without the unit tests.
DEPS ?= all
TARGETS ?=
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10

.PHONY: build deps code-server dev asan unit unit-asan integration fuzz-build fuzz fuzz-check \
	deploy-check docker-test lint test bench up down images up-ns clean format

deps:
	scripts/deps.sh $(DEPS)

# Node 24 and code-server from npm, for the code-server tests and benchmark.
code-server:
	scripts/deps.sh code-server

build: deps
	cmake -S . -B build -DDEV8_STATIC=ON -DCMAKE_BUILD_TYPE=Release -DDEV8_DEPS_PREFIX=$(DEPS_PREFIX) >/dev/null
	cmake --build build -j$(JOBS) $(TARGETS:%=--target %)
	@file build/dev8-init | grep -q 'statically linked' || { echo "build/dev8-init is not static"; exit 1; }

dev:
	scripts/deps.sh apt
	cmake -S . -B build-dev -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-dev -j$(JOBS)

asan:
	scripts/deps.sh apt
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDEV8_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)

unit: build
	build/dev8-tests

unit-asan: asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 build-asan/dev8-tests

integration: build code-server
	DEV8_INIT=$(CURDIR)/build/dev8-init DEV8_TEST_CODE_SERVER=$$(scripts/deps.sh code-server-bin) \
	  $(PYTEST) -q tests/integration

# libFuzzer needs clang; Debian 12's clang 16 builds only the modules the
# targets link, instrumented and sanitised (tests/fuzz/CMakeLists.txt).
fuzz-build:
	scripts/deps.sh apt
	CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -DDEV8_FUZZ=ON -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
	cmake --build build-fuzz -j$(JOBS)

fuzz: fuzz-build
	scripts/fuzz.sh run $(FUZZ_SECONDS)

fuzz-check: fuzz-build
	scripts/fuzz.sh check $(FUZZ_CHECK_SECONDS)

# The Kubernetes, ECS and ACI manifests against their published schemas, and
# their environments against `dev8-init plan`; the validators come from Debian
# and npm (scripts/deploy-tools.sh).
deploy-check: build code-server
	DEV8_INIT=$(CURDIR)/build/dev8-init tests/deploy/run.sh

# Builds dev8/base and dev8/nodejs first; skipped, saying so, where no Docker
# engine can be started.
docker-test:
	docker/test.sh

# shellcheck on every shell script, actionlint on every workflow: a finding
# fails `make test`.
lint:
	scripts/lint.sh

test: lint unit unit-asan integration fuzz-check deploy-check docker-test

bench: build
	bench/run.sh

up:
	docker/workspace.sh up

down:
	docker/workspace.sh down

images:
	scripts/deps.sh docker
	docker/build.sh all

up-ns: build
	scripts/up.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build build-dev build-asan build-fuzz
