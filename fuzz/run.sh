#!/usr/bin/env bash
# Runs fuzz targets one after another for SECONDS each and prints, per
# target, the executions libFuzzer reached and whether it found a crash.
#
#   bash fuzz/run.sh SECONDS TARGET...      (what `make fuzz` runs)
#
# Needs `cargo +nightly` and cargo-fuzz on PATH (`make fuzz` installs it
# into .local/cargo). New inputs libFuzzer finds go to fuzz/target/corpus/
# (git-ignored); the seeds in fuzz/corpus/ are only read. A crash input is
# saved under fuzz/artifacts/TARGET/ and the run goes on with the next
# target; the exit status is non-zero when any target crashed.
set -uo pipefail

seconds=${1:?usage: run.sh SECONDS TARGET...}
shift
[ $# -gt 0 ] || { echo "usage: run.sh SECONDS TARGET..." >&2; exit 2; }
cd "$(dirname "$0")/.."

logs=fuzz/target/logs
mkdir -p "$logs"

echo "== building every fuzz target (nightly, AddressSanitizer, debug assertions)"
if ! cargo +nightly fuzz build; then
  echo "fuzz: the build failed" >&2
  exit 1
fi

failed=0
rows=()
for target in "$@"; do
  scratch=fuzz/target/corpus/$target
  mkdir -p "$scratch"
  log=$logs/$target.txt
  echo "== $target: ${seconds} s (log: $log)"
  cargo +nightly fuzz run "$target" "$scratch" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    outcome="no crash"
  else
    failed=1
    artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | sed 's/Test unit written to //')
    outcome="CRASH (exit $rc) ${artifact:-see the log}"
    grep -m 1 -A 3 "panicked at" "$log" | sed 's/^/    /'
  fi
  rows+=("$(printf '%-20s %12s %9s  %s' "$target" "${execs:-?}" "${rate:-?}" "$outcome")")
done

echo
printf '%-20s %12s %9s  %s\n' target executions "execs/s" outcome
printf '%s\n' "${rows[@]}"
exit "$failed"
