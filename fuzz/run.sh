#!/usr/bin/env bash
# Fuzzes each parser for a bounded time (default 60 s each) from the corpus in fuzz/corpus.
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). RUSTC_BOOTSTRAP lets the stable toolchain
# build with the sanitizer flags cargo-fuzz uses. Not part of CI's test command (too slow).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(reply api dns config template checkip rtnl)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
# The sanitizer keeps freed memory in a quarantine (256 MB by default) to catch use after
# free; the reply target frees a lot per run, and that alone would pass the RSS limit below.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp)
  # No unbounded allocation: a 256 MB malloc limit and a 512 MB RSS limit fail the run.
  if ! cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=512 \
       -malloc_limit_mb=256 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz target $t FAILED (crash input in fuzz/artifacts/$t)" >&2
    exit 1
  fi
  execs=$(grep -m1 "stat::number_of_executed_units" "$log" | awk '{print $2}')
  echo "$t: ${execs:-?} executions in ${secs} s, no crash"
  rm -f "$log"
done
