# Sourced by scripts/package.sh and scripts/test: how a router's architecture is built and
# run here. Debian's Rust (rustc-web, beside rustup's, called by its full path) builds the
# target's standard library from rust-web-src (-Z build-std), so no foreign architecture is
# added to dpkg (the mirror's armhf index has been seen stale); qemu-user runs the result.
# The Debian architectures link with Debian's cross gcc and glibc; OpenWrt's are static musl
# builds linked by zig (through cargo-zigbuild), which carries musl for every target.

# The cross build directory (.ci/run keeps it between runs).
cross_dir=${DYNWARD_CROSS_TARGET:-target/cross}

# The zig and cargo-zigbuild of the OpenWrt builds (zig 0.15 is the first to name the MIPS
# musl targets as cargo-zigbuild 0.24 does: mipsel-linux-musleabi).
zig_version=0.15.2
zigbuild_version=0.24.1
zig_dir=${DYNWARD_ZIG_DIR:-$cross_dir/zig-$zig_version}

# The OpenWrt builds' architectures.
openwrt_arches="openwrt-aarch64 openwrt-armv7 openwrt-mipsel openwrt-mips"

# cross_target ARCH: sets triple (Rust's), qemu, file_says (what `file` says of its binaries)
# and for Debian's architectures gnu (the triplet of its gcc and C library), for OpenWrt's
# musl=1, rustflags and opkg_archs (the OpenWrt package architectures a static build of this
# family runs on, as `opkg print-architecture` names them); fails for one not built here.
cross_target() {
  gnu= musl= rustflags= opkg_archs=
  case "$1" in
    arm64) triple=aarch64-unknown-linux-gnu gnu=aarch64-linux-gnu qemu=qemu-aarch64 file_says="ARM aarch64" ;;
    armhf) triple=armv7-unknown-linux-gnueabihf gnu=arm-linux-gnueabihf qemu=qemu-arm file_says="ARM, EABI5" ;;
    openwrt-aarch64)
      triple=aarch64-unknown-linux-musl qemu=qemu-aarch64 file_says="ARM aarch64"
      opkg_archs="aarch64_generic aarch64_cortex-a53 aarch64_cortex-a72 aarch64_cortex-a76" ;;
    openwrt-armv7)
      # Soft-float EABI: a static binary then runs on every ARMv7 core, the VFP-less
      # Cortex-A9 of bcm53xx too; nothing dynward does is floating point.
      triple=armv7-unknown-linux-musleabi qemu=qemu-arm file_says="ARM, EABI5"
      opkg_archs="arm_cortex-a5_vfpv4 arm_cortex-a7 arm_cortex-a7_neon-vfpv4 arm_cortex-a7_vfpv4 arm_cortex-a8_vfpv3 arm_cortex-a9 arm_cortex-a9_neon arm_cortex-a9_vfpv3-d16 arm_cortex-a15_neon-vfpv4" ;;
    openwrt-mipsel)
      # MIPS32 release 2 (Rust's baseline for this target): the 24Kc and 74Kc, not the
      # release-1 cores of mipsel_mips32. Position-dependent: the default static-pie
      # build crashes at start on MIPS.
      triple=mipsel-unknown-linux-musl qemu=qemu-mipsel file_says="LSB executable, MIPS"
      rustflags="-C relocation-model=static" opkg_archs="mipsel_24kc mipsel_74kc" ;;
    openwrt-mips)
      triple=mips-unknown-linux-musl qemu=qemu-mips file_says="MSB executable, MIPS"
      rustflags="-C relocation-model=static" opkg_archs="mips_24kc mips_4kec" ;;
    *) return 1 ;;
  esac
  if [ -z "$gnu" ]; then
    musl=1
    # Static, with zig's musl: Debian's Rust has no self-contained musl objects to add.
    rustflags="-C target-feature=+crt-static -C link-self-contained=no $rustflags"
  fi
  cross_arch=$1
}

# cross_missing: the Debian packages the target set by cross_target still needs, one a line.
cross_missing() {
  { [ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]'; } || echo "rustc-web cargo-web"
  [ -d /usr/lib/rustlib/src/rust/library ] || echo rust-web-src
  if [ -n "$musl" ]; then
    [ -x "$zig_dir/bin/zig" ] || echo "zig $zig_version"
    [ "$(cargo-zigbuild --version 2>/dev/null)" = "cargo-zigbuild $zigbuild_version" ] || echo "cargo-zigbuild $zigbuild_version"
  else
    command -v "$gnu-gcc" >/dev/null 2>&1 || echo "gcc-$gnu"
    [ -d "/usr/$gnu/lib" ] || echo "libc6-dev-$cross_arch-cross"
  fi
  command -v "$qemu" >/dev/null 2>&1 || echo qemu-user
  command -v file >/dev/null 2>&1 || echo file
}

# cross_install: installs what cross_missing names (apt-get for Debian's packages; zig from
# its Python wheel into a virtualenv in the cross build directory; cargo-zigbuild with cargo).
cross_install() {
  local need apt
  need=$(cross_missing)
  apt=$(grep -v -e '^zig ' -e '^cargo-zigbuild ' <<<"$need" || true)
  if [ -n "$apt" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086 # one package name a word
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $apt python3-venv
  fi
  if grep -q '^zig ' <<<"$need"; then
    rm -rf "$zig_dir"
    python3 -m venv "$zig_dir/venv"
    "$zig_dir/venv/bin/pip" install -q --disable-pip-version-check "ziglang==$zig_version"
    mkdir -p "$zig_dir/bin"
    ln -sf "$("$zig_dir/venv/bin/python" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))')/zig" "$zig_dir/bin/zig"
  fi
  if grep -q '^cargo-zigbuild ' <<<"$need"; then
    cargo install --locked --quiet cargo-zigbuild --version "$zigbuild_version"
  fi
}

# cross_cargo COMMAND ARGS...: Debian's cargo for the target, into the cross build directory;
# for musl, cargo-zigbuild's COMMAND (build becomes zigbuild) with this zig first on PATH.
cross_cargo() {
  local up command=$1
  shift
  up=$(tr 'a-z-' 'A-Z_' <<<"$triple")
  if [ -n "$musl" ]; then
    [ "$command" != build ] || command=zigbuild
    env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo CARGO_TARGET_DIR="$cross_dir" \
      PATH="$(realpath "$zig_dir/bin"):$PATH" "CARGO_TARGET_${up}_RUSTFLAGS=$rustflags" \
      cargo-zigbuild "$command" "$@" --target "$triple"
  else
    env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO_TARGET_DIR="$cross_dir" \
      "CARGO_TARGET_${up}_LINKER=$gnu-gcc" \
      /usr/bin/cargo "$command" "$@" --target "$triple"
  fi
}

# cross_release: the release binary, as its package ships it ($cross_dir/$triple/release/dynward):
# the release profile (size, LTO, abort on panic, stripped) and, for OpenWrt, the state
# directory on flash (/var is RAM there). The test command tries this same binary.
cross_release() {
  if [ -n "$musl" ]; then
    DYNWARD_STATE_DIR=/etc/dynward/state cross_cargo build --release --locked -Z build-std=std,panic_abort --bin dynward
  else
    cross_cargo build --release --locked -Z build-std=std,panic_abort --bin dynward
  fi
}

# cross_runner: sets the array cross_run to the command that runs a target binary: qemu on the
# cross C library Debian ships under /usr/<triplet> (-L), unless the target's own is
# installed (a foreign dpkg architecture): -L would then pair the two, and every test hangs.
cross_runner() {
  cross_run=("$qemu")
  [ -z "$musl" ] || return 0
  cross_run=("$qemu" -L "/usr/$gnu")
  [ ! -e "/lib/$(basename "$(ls "/usr/$gnu"/lib/ld-linux-*.so.* | head -1)")" ] || cross_run=("$qemu")
}
