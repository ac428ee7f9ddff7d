# The two commands: `make dev` runs the whole system locally, `make test`
# runs every test against it. Both install what they need into .local/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK := infra/local/stack.sh
export PATH := $(CURDIR)/.local/venv/bin:$(PATH)

.PHONY: help tools build dev test lint stop package

help:
	@echo "make dev      build, start DynamoDB Local + moto, serve o2c on http://127.0.0.1:$${O2C_PORT:-3000}"
	@echo "make test     the same set-up, then every test (template lint, unit, property, integration, end-to-end)"
	@echo "make package  release arm64 build of every function and sam build (needs the aarch64 Rust target)"
	@echo "make stop     stop a stack left running by an interrupted run"

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
