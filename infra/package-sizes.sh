#!/usr/bin/env bash
# Release arm64 zip size of each function, as Lambda would receive it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo lambda build --release --arm64 --output-format zip --bin customers-api --bin invoices-api --bin outbox-relay --bin invoice-delivery --bin mail-feedback >&2
for f in target/lambda/*/bootstrap.zip; do
  printf '%-16s %8d bytes\n' "$(basename "$(dirname "$f")")" "$(stat -c %s "$f")"
done
