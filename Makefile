# The two commands: `make dev` runs the whole system locally, `make test`
# runs every test against it. Both install what they need into .local/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK := infra/local/stack.sh
export PATH := $(CURDIR)/.local/venv/bin:$(PATH)

.PHONY: help tools build dev test lint stop package fuzz

help:
	@echo "make dev      build, start DynamoDB Local + moto, serve o2c on http://127.0.0.1:$${O2C_PORT:-3000}"
	@echo "make test     the same set-up, then every test (template lint, unit, property, integration, end-to-end)"
	@echo "make package  release arm64 build of every function and sam build (needs the aarch64 Rust target)"
	@echo "make stop     stop a stack left running by an interrupted run"
	@echo "make fuzz     every parser under libFuzzer for FUZZ_SECONDS (60) each (nightly; not part of make test)"

tools:
	@bash $(STACK) install

build:
	cargo build --workspace --all-targets --locked

dev: tools build
	@bash $(STACK) front

lint: tools
	@bash infra/lint-template.sh

test: tools build lint
	@bash infra/run-tests.sh

stop:
	@bash $(STACK) stop

package: tools
	rustup target add aarch64-unknown-linux-gnu
	SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 SAM_CLI_TELEMETRY=0 sam build --beta-features
	bash infra/package-sizes.sh

# libFuzzer over every parser (fuzz/, docs/fuzzing.md). cargo-fuzz is
# installed into .local/cargo at the pinned version when missing.
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= camt bai2 mt940 csv statement_roundtrip stripe_webhook request_json

fuzz:
	@if ! $(CURDIR)/.local/cargo/bin/cargo-fuzz --version 2>/dev/null | grep -qx 'cargo-fuzz $(CARGO_FUZZ_VERSION)'; then \
	  CARGO_INSTALL_ROOT=$(CURDIR)/.local/cargo cargo install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION); \
	fi
	PATH=$(CURDIR)/.local/cargo/bin:$$PATH bash fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
