#!/usr/bin/env bash
# Builds the package for an architecture and checks what is in it.
#   scripts/package.sh [--arch amd64|arm64|armhf|openwrt-aarch64|openwrt-armv7|openwrt-mipsel|openwrt-mips]
#     amd64 (the default) -> target/debian/dynward_<version>_amd64.deb
#     arm64, armhf        -> target/cross/debian/dynward_<version>_<arch>.deb
#                            ($DYNWARD_CROSS_TARGET/debian when that names the cross build
#                            directory: .ci/run keeps it between runs)
#     openwrt-FAMILY      -> target/openwrt/dynward_<version>-1_<opkg arch>.ipk, one for each
#                            OpenWrt package architecture of the family (the same static
#                            binary), and target/openwrt/dynward-<version>-openwrt-FAMILY.tar.gz
#                            (the same files, for OpenWrt 25's apk, which cannot be made here)
# On an amd64 Debian 12 machine. Needs cargo-deb (installed when missing); a cross build
# installs what it needs when missing: Debian's own Rust (rustc-web, whose standard library
# source builds the target's: rustup's cross targets cannot be fetched here), the target's gcc
# and C library (Debian) or zig and cargo-zigbuild (OpenWrt's static musl), and qemu-user to
# try the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs a value}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    *) echo "usage: scripts/package.sh [--arch amd64|arm64|armhf|openwrt-aarch64|openwrt-armv7|openwrt-mipsel|openwrt-mips]" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/cross.sh
. scripts/cross.sh
if [ "$arch" != amd64 ] && ! cross_target "$arch"; then
  echo "scripts/package.sh: unknown --arch $arch (amd64, arm64, armhf, openwrt-aarch64, openwrt-armv7, openwrt-mipsel or openwrt-mips)" >&2; exit 2
fi
fail() { echo "package check failed: $*" >&2; exit 1; }
# has_entries LISTING PATTERN...: each pattern (an extended regex) matches a line of the
# package's listing (`tar -tv`, `dpkg-deb -c`).
has_entries() {
  local listing=$1 want
  shift
  for want in "$@"; do
    grep -Eq -- "$want" <<<"$listing" || fail "no entry matching '$want' in:
$listing"
  done
}
if [ -n "${musl:-}" ]; then
  . scripts/openwrt.sh
  exit
fi

command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked

# The man page: the complete reference, from src/docs.rs and the CLI definition.
cargo run --quiet --locked --example manpage -- target/man/man1/dynward.1
gzip -9nf target/man/man1/dynward.1

if [ "$arch" = amd64 ]; then
  cargo deb --locked
  deb=$(ls -t target/debian/dynward_*_amd64.deb | head -1)
  run=()
else
  cross_install
  cross_release
  export CARGO_TARGET_DIR=$cross_dir
  cargo deb --locked --no-build --target "$triple"
  deb=$(ls -t "$CARGO_TARGET_DIR"/debian/dynward_*_"$arch".deb | head -1)
  # cargo-deb reads the dependencies off the cross C library's version; the binary says
  # what it needs: the newest glibc symbol version it uses, and libgcc_s where it links it.
  bin="$CARGO_TARGET_DIR/$triple/release/dynward"
  glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  deps="libc6 (>= $glibc)"
  if objdump -p "$bin" | grep -q 'NEEDED *libgcc_s.so.1'; then deps="$deps, libgcc-s1 (>= 3.0)"; fi
  unpacked=$(mktemp -d); trap 'rm -rf "$unpacked"' EXIT
  dpkg-deb -R "$deb" "$unpacked/pkg"
  sed -i "s/^Depends: .*/Depends: $deps/" "$unpacked/pkg/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz -b "$unpacked/pkg" "$deb" >/dev/null
  cross_runner
  run=("${cross_run[@]}")
fi

[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is $(dpkg-deb -f "$deb" Architecture), not $arch"
grep -Eq '^libc6 \(>= 2\.[0-9]+\)' <<<"$(dpkg-deb -f "$deb" Depends)" || fail "Depends is '$(dpkg-deb -f "$deb" Depends)'"
has_entries "$(dpkg-deb -c "$deb")" \
  "-rwxr-xr-x .* ./usr/bin/dynward$" \
  "-rw------- .* ./etc/dynward/dynward.toml$" \
  "-rw-r--r-- .* ./usr/share/man/man1/dynward.1.gz$" \
  "-rw-r--r-- .* ./usr/lib/sysusers.d/dynward.conf$" \
  "-rw-r--r-- .* ./usr/lib/systemd/system/dynward.service$|-rw-r--r-- .* ./lib/systemd/system/dynward.service$"
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep -q "systemd-sysusers" || fail "postinst does not create the dynward user"
grep -qx "/etc/dynward/dynward.toml" <<<"$conffiles" || fail "the config is not a conffile: $conffiles"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" ${unpacked:-}' EXIT
dpkg-deb -x "$deb" "$tmp"
cmp -s "$tmp/etc/dynward/dynward.toml" config/dynward.toml || fail "packaged config differs from config/dynward.toml"
unit=
for u in "$tmp"/usr/lib/systemd/system/dynward.service "$tmp"/lib/systemd/system/dynward.service; do
  [ -f "$u" ] && unit=$u
done
[ -n "$unit" ] || fail "no unit file in the package"
cmp -s "$unit" systemd/dynward.service || fail "packaged unit differs from systemd/dynward.service"
zcat "$tmp/usr/share/man/man1/dynward.1.gz" | grep -q "dyndns2" || fail "man page is not dynward's"
if [ "$arch" != amd64 ]; then
  file "$tmp/usr/bin/dynward" | grep -q "$file_says" || fail "the binary is not $arch's: $(file "$tmp/usr/bin/dynward")"
fi
"${run[@]}" "$tmp/usr/bin/dynward" --version | grep -q "^dynward " || fail "packaged binary does not run"
size=$(stat -c %s "$tmp/usr/bin/dynward")
echo "package OK: $deb ($(stat -c %s "$deb") bytes; /usr/bin/dynward $size bytes; Depends: $(dpkg-deb -f "$deb" Depends))"
