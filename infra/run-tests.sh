#!/usr/bin/env bash
# Starts the local stack, runs every test of the workspace against it, and
# stops the stack whatever happens.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
trap 'bash infra/local/stack.sh stop' EXIT
bash infra/local/stack.sh start
cargo test --workspace --locked
