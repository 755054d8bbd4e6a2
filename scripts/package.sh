#!/usr/bin/env bash
# Builds the Debian package for an architecture and checks what is in it.
#   scripts/package.sh [--arch amd64|arm64|armhf]
#     amd64 (the default) -> target/debian/dynward_<version>_amd64.deb
#     arm64, armhf        -> target/cross/debian/dynward_<version>_<arch>.deb
#                            ($DYNWARD_CROSS_TARGET/debian when that names the cross build
#                            directory: .ci/run keeps it between runs)
# On an amd64 Debian 12 machine. Needs cargo-deb (installed when missing); a cross build
# installs what it needs from Debian's packages when missing: Debian's own Rust (rustc-web,
# whose standard library source builds the target's: rustup's cross targets cannot be
# fetched here), the target's gcc and C library, and qemu-user to try the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs a value}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    *) echo "usage: scripts/package.sh [--arch amd64|arm64|armhf]" >&2; exit 2 ;;
  esac
done

# The target of each architecture: Rust's triple, the GNU triple of its gcc and C library,
# and qemu-user's program.
case "$arch" in
  amd64) triple=x86_64-unknown-linux-gnu ;;
  arm64) triple=aarch64-unknown-linux-gnu gnu=aarch64-linux-gnu qemu=qemu-aarch64 file_says="ARM aarch64" ;;
  armhf) triple=armv7-unknown-linux-gnueabihf gnu=arm-linux-gnueabihf qemu=qemu-arm file_says="ARM, EABI5" ;;
  *) echo "scripts/package.sh: unknown --arch $arch (amd64, arm64 or armhf)" >&2; exit 2 ;;
esac

command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked

# The man page: the complete reference, from src/docs.rs and the CLI definition.
cargo run --quiet --locked --example manpage -- target/man/man1/dynward.1
gzip -9nf target/man/man1/dynward.1

fail() { echo "package check failed: $*" >&2; exit 1; }

if [ "$arch" = amd64 ]; then
  cargo deb --locked
  deb=$(ls -t target/debian/dynward_*_amd64.deb | head -1)
  run=()
else
  # Debian's Rust is installed beside rustup's and called by its full path; its standard
  # library is built for the target from rust-web-src (-Z build-std), so no foreign
  # architecture is added to dpkg (the mirror's armhf index has been seen stale).
  need=()
  [ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]' || need+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
  command -v "$gnu-gcc" >/dev/null 2>&1 || need+=("gcc-$gnu")
  [ -d "/usr/$gnu/lib" ] || need+=("libc6-dev-${arch}-cross")
  command -v "$qemu" >/dev/null 2>&1 || need+=(qemu-user)
  command -v file >/dev/null 2>&1 || need+=(file)
  if [ "${#need[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
  export CARGO_TARGET_DIR=${DYNWARD_CROSS_TARGET:-target/cross}
  linker_var="CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_LINKER"
  # The same release profile as amd64's (size, LTO, abort on panic, stripped).
  env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc "$linker_var=$gnu-gcc" \
    /usr/bin/cargo build --release --locked --target "$triple" -Z build-std=std,panic_abort
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
  # qemu runs it on the cross C library, unless the target's own is installed (-L would
  # then pair the two).
  run=("$qemu" -L "/usr/$gnu")
  [ ! -e "/lib/$(basename "$(ls "/usr/$gnu"/lib/ld-linux-*.so.* | head -1)")" ] || run=("$qemu")
fi

[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture is $(dpkg-deb -f "$deb" Architecture), not $arch"
grep -Eq '^libc6 \(>= 2\.[0-9]+\)' <<<"$(dpkg-deb -f "$deb" Depends)" || fail "Depends is '$(dpkg-deb -f "$deb" Depends)'"
contents=$(dpkg-deb -c "$deb")
for want in \
  "-rwxr-xr-x .* ./usr/bin/dynward$" \
  "-rw------- .* ./etc/dynward/dynward.toml$" \
  "-rw-r--r-- .* ./usr/share/man/man1/dynward.1.gz$" \
  "-rw-r--r-- .* ./usr/lib/sysusers.d/dynward.conf$" \
  "-rw-r--r-- .* ./usr/lib/systemd/system/dynward.service$|-rw-r--r-- .* ./lib/systemd/system/dynward.service$"; do
  grep -Eq -- "$want" <<<"$contents" || fail "no entry matching '$want' in:
$contents"
done
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
