#!/usr/bin/env bash
# Fetches the sample configs that Debian's ddclient and inadyn packages ship (their
# documentation's examples and inadyn's /etc/inadyn.conf) into DIR, for tests/import.rs:
#   tests/import-samples/fetch.sh [DIR]   (default /var/cache/dynward-tests/import-samples)
# The packages are downloaded, not installed: nothing of them runs.
set -euo pipefail
dir=${1:-/var/cache/dynward-tests/import-samples}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download ddclient inadyn >/dev/null 2>&1 || { apt-get update -qq && apt-get download ddclient inadyn; }
for deb in ./*.deb; do dpkg-deb -x "$deb" x; done
rm -rf "$dir.new"
mkdir -p "$dir.new/ddclient" "$dir.new/inadyn"
cp x/usr/share/doc/ddclient/examples/sample-etc_ddclient.conf "$dir.new/ddclient/"
cp x/usr/share/doc/inadyn/examples/*.conf "$dir.new/inadyn/"
cp x/etc/inadyn.conf "$dir.new/inadyn/etc-inadyn.conf"
ls ./*.deb | sed 's|^\./||' > "$dir.new/packages.txt"
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "sample configs in $dir: $(tr '\n' ' ' < "$dir/packages.txt")"
