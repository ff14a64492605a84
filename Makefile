# sandbox-release: the release as a graph of make targets and state files.
# `make help` lists the targets. Every recipe runs in bash with errexit and pipefail.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules

BUILD   ?= build
# A second checkout or a parallel build can use its own SwiftPM scratch folder (.build-NAME).
SCRATCH ?= .build
BIN     := $(SCRATCH)/release
VENV    ?= $(BUILD)/venv
PYTHON  := $(VENV)/bin/python
# The official SigV4 test vectors live beside the repository, never inside it.
SIGV4_SUITE ?= $(abspath ../shared/sigv4-test-suite)

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed -E 's/^## ([^:]+): /  \1\t/' | column -t -s "$$(printf '\t')"

## build: the release binaries of every tool under .build/release
build: $(BUILD)/.deps-apt
	swift build -c release --scratch-path $(SCRATCH)

include Tests/deps.mk
include Tests/tests.mk
include Tests/bench.mk
include Tests/emulator/emulator.mk
include stacks/stacks.mk
-include ansible/ansible.mk

.PHONY: help build
