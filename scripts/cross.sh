# Sourced by scripts/package.sh and scripts/test: how an ARM architecture is built and run
# here. Debian's Rust (rustc-web, beside rustup's, called by its full path) builds the
# target's standard library from rust-web-src (-Z build-std), so no foreign architecture is
# added to dpkg (the mirror's armhf index has been seen stale); qemu-user runs the result.

# The cross build directory (.ci/run keeps it between runs).
cross_dir=${DYNWARD_CROSS_TARGET:-target/cross}

# cross_target ARCH: sets triple (Rust's), gnu (the triplet of its gcc and C library), qemu
# and file_says (what `file` says of its binaries); fails for an architecture not built here.
cross_target() {
  case "$1" in
    arm64) triple=aarch64-unknown-linux-gnu gnu=aarch64-linux-gnu qemu=qemu-aarch64 file_says="ARM aarch64" ;;
    armhf) triple=armv7-unknown-linux-gnueabihf gnu=arm-linux-gnueabihf qemu=qemu-arm file_says="ARM, EABI5" ;;
    *) return 1 ;;
  esac
  cross_arch=$1
}

# cross_missing: the Debian packages the target set by cross_target still needs, one a line.
cross_missing() {
  { [ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]'; } || echo "rustc-web cargo-web"
  [ -d /usr/lib/rustlib/src/rust/library ] || echo rust-web-src
  command -v "$gnu-gcc" >/dev/null 2>&1 || echo "gcc-$gnu"
  [ -d "/usr/$gnu/lib" ] || echo "libc6-dev-$cross_arch-cross"
  command -v "$qemu" >/dev/null 2>&1 || echo qemu-user
  command -v file >/dev/null 2>&1 || echo file
}

# cross_cargo ARGS...: Debian's cargo for the target, into the cross build directory.
cross_cargo() {
  env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO_TARGET_DIR="$cross_dir" \
    "CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$triple")_LINKER=$gnu-gcc" \
    /usr/bin/cargo "$@" --target "$triple"
}

# cross_runner: sets the array cross_run to the command that runs a target binary: qemu on the
# cross C library Debian ships under /usr/<triplet> (-L), unless the target's own is
# installed (a foreign dpkg architecture): -L would then pair the two, and every test hangs.
cross_runner() {
  cross_run=("$qemu" -L "/usr/$gnu")
  [ ! -e "/lib/$(basename "$(ls "/usr/$gnu"/lib/ld-linux-*.so.* | head -1)")" ] || cross_run=("$qemu")
}
