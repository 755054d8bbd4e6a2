#!/usr/bin/env bash
# Checks systemd/dynward.service: `systemd-analyze security` must score 1.5 or lower and
# `systemd-analyze verify` must be clean. Needs a built binary (target/debug or release)
# and the man page (scripts/package.sh or `cargo run --example manpage`).
set -euo pipefail
cd "$(dirname "$0")/.."
unit=systemd/dynward.service

score_line=$(systemd-analyze security --offline=true "$unit" --no-pager | grep "Overall exposure level")
echo "$score_line"
score=$(grep -oE '[0-9]+\.[0-9]+' <<<"$score_line" | head -1)
awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }' || { echo "exposure $score is above 1.5" >&2; exit 1; }

# verify resolves ExecStart= and man: references; point them at what this tree built.
bin=$PWD/target/release/dynward
[ -x "$bin" ] || bin=$PWD/target/debug/dynward
[ -x "$bin" ] || { echo "build dynward first" >&2; exit 1; }
[ -f target/man/man1/dynward.1 ] || [ -f target/man/man1/dynward.1.gz ] || cargo run --quiet --locked --example manpage -- target/man/man1/dynward.1
mkdir -p target/verify
sed "s#/usr/bin/dynward#$bin#g" "$unit" > target/verify/dynward.service
out=$(MANPATH=$PWD/target/man systemd-analyze verify target/verify/dynward.service 2>&1) || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify is not clean:" >&2; echo "$out" >&2; exit 1; }
echo "systemd-analyze verify: clean"
