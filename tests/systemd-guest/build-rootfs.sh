#!/usr/bin/env bash
# Builds a minimal Debian bookworm tree with systemd + journald for the real-systemd test, as a
# tarball. Slow (about a minute): CI keeps the result between runs.
#   build-rootfs.sh OUT.tar
set -euo pipefail
out=$1
# The mirror is whatever apt on this machine uses; none is named here.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "no Debian mirror in the apt sources" >&2; exit 1; }
work=$(mktemp -d /tmp/dynward-rootfs.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
if ! debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2 \
      bookworm "$work/root" "$mirror" >"$work/log" 2>&1; then
  tail -30 "$work/log" >&2
  exit 1
fi
r=$work/root
# Nothing host- or mirror-specific stays in the tree; each boot gets a new machine id.
rm -f "$r"/var/cache/apt/archives/*.deb
rm -rf "$r"/var/lib/apt/lists/*
: > "$r/etc/apt/sources.list"
: > "$r/etc/machine-id"
rm -f "$r/var/lib/dbus/machine-id"
mkdir -p "$(dirname "$out")"
tar -C "$r" -cf "$out.part" . && mv "$out.part" "$out"
echo "rootfs: $out ($(du -h "$out" | cut -f1))"
