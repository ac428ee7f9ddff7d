#!/usr/bin/env bash
# Release arm64 zip size of each function, as Lambda would receive it. The
# binaries are read from template.yaml (`BuildProperties: Binary:`), so a
# new function is measured without editing this script.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
mapfile -t BINS < <(sed -n 's/^ *Binary: *\([a-z0-9-]*\) *$/\1/p' template.yaml)
if [ "${#BINS[@]}" -eq 0 ]; then
  echo "no function binaries found in template.yaml" >&2
  exit 1
fi
args=()
for b in "${BINS[@]}"; do args+=(--bin "$b"); done
cargo lambda build --release --arm64 --output-format zip "${args[@]}" >&2
for b in "${BINS[@]}"; do
  printf '%-16s %8d bytes\n' "$b" "$(stat -c %s "target/lambda/$b/bootstrap.zip")"
done
