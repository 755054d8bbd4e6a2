#!/usr/bin/env bash
# Runs the dynward benchmarks (as root: they create a network namespace and remove it after).
#   bench/run.sh                       dynward only
#   bench/run.sh --compare             also ddclient and inadyn, when installed
#   bench/run.sh --compare --install   installs ddclient and inadyn first (Debian packages)
#   --idle SECS                        length of the idle measurement (default 60)
#   --others-only                      only ddclient and inadyn (with --compare)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/run.sh needs root (network namespaces)" >&2; exit 1; }
args=()
for a in "$@"; do
  if [ "$a" = "--install" ]; then
    apt-get update -qq
    # No recommends, no services started by the packages' own scripts.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ddclient inadyn
    rm -f /usr/sbin/policy-rc.d
  else
    args+=("$a")
  fi
done
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example bench
exec target/release/examples/bench --bin target/release/dynward "${args[@]}"
