# Sourced by scripts/package.sh for --arch openwrt-FAMILY (cross_target has set the target):
# the static musl build, OpenWrt's packages of it, and their checks.
#
# An .ipk (opkg, OpenWrt 24.10 and before) is a gzip'd tar of debian-binary, data.tar.gz and
# control.tar.gz. opkg installs one only when its Architecture is the router's, so there is
# one per package architecture of the family; they differ in that field alone. OpenWrt 25's
# apk takes apk-tools 3 packages (ADB), which nothing reachable here can make: the tarball
# holds the same files, to unpack at / (README, "On OpenWrt").

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
license=$(sed -n 's/^license = "\(.*\)"$/\1/p' Cargo.toml | head -1)
out=target/openwrt
mkdir -p "$out"

cross_install
cross_release
bin="$cross_dir/$triple/release/dynward"
cross_runner

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
install -D -m 755 "$bin" "$root/usr/bin/dynward"
install -D -m 600 config/dynward.toml "$root/etc/dynward/dynward.toml"
install -D -m 755 openwrt/dynward.init "$root/etc/init.d/dynward"
install -D -m 644 openwrt/keep.d "$root/lib/upgrade/keep.d/dynward"
install -d -m 700 "$root/etc/dynward/state"

# Reproducible archives: owned by root, one time (the last commit's), sorted.
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
pack() { # pack OUT DIR MEMBERS...
  local to=$1 dir=$2
  shift 2
  tar --numeric-owner --owner=0 --group=0 --mtime="@$epoch" --sort=name --format=gnu \
    -C "$dir" -cf - "$@" | gzip -9n > "$to"
}
pack "$stage/data.tar.gz" "$root" .
installed=$(du -sb --apparent-size "$root" | cut -f1)

for opkg_arch in $opkg_archs; do rm -f "$out"/dynward_*-1_"$opkg_arch".ipk; done
rm -f "$out/dynward-"*"-$cross_arch.tar.gz"
for opkg_arch in $opkg_archs; do
  ctl="$stage/control"
  rm -rf "$ctl"
  mkdir -p "$ctl"
  cat > "$ctl/control" <<CONTROL
Package: dynward
Version: $version-1
Source: https://github.com/dynward/dynward
License: $license
Section: net
Architecture: $opkg_arch
Installed-Size: $installed
Maintainer: dynward developers <dev@dynward.invalid>
Description: Dynamic DNS update daemon: dyndns2 providers, DNS host APIs, RFC 2136
 Keeps DNS names pointing at the router's changing address. Reacts to address changes
 through netlink without polling, never re-sends an unchanged address, never retries after a
 fatal answer. One static binary (musl); runs under procd.
CONTROL
  echo /etc/dynward/dynward.toml > "$ctl/conffiles"
  install -m 755 openwrt/postinst openwrt/prerm "$ctl/"
  pack "$stage/control.tar.gz" "$ctl" ./control ./conffiles ./postinst ./prerm
  echo 2.0 > "$stage/debian-binary"
  ipk="$out/dynward_${version}-1_${opkg_arch}.ipk"
  pack "$ipk" "$stage" ./debian-binary ./data.tar.gz ./control.tar.gz
done
tarball="$out/dynward-$version-$cross_arch.tar.gz"
pack "$tarball" "$root" ./usr ./etc ./lib

# The checks, on what was written.
check="$stage/check"
for opkg_arch in $opkg_archs; do
  ipk="$out/dynward_${version}-1_${opkg_arch}.ipk"
  [ -f "$ipk" ] || fail "no $ipk"
  rm -rf "$check"
  mkdir -p "$check"
  members=$(tar -tzf "$ipk" | tr '\n' ' ')
  [ "$members" = "./debian-binary ./data.tar.gz ./control.tar.gz " ] || fail "$ipk holds $members"
  tar -xzf "$ipk" -C "$check"
  [ "$(cat "$check/debian-binary")" = 2.0 ] || fail "$ipk: debian-binary is not 2.0"
  control=$(tar -xzOf "$check/control.tar.gz" ./control)
  grep -qx "Architecture: $opkg_arch" <<<"$control" || fail "$ipk: $(grep Architecture <<<"$control")"
  grep -qx "Package: dynward" <<<"$control" || fail "$ipk: not dynward's control file"
  [ "$(tar -xzOf "$check/control.tar.gz" ./conffiles)" = /etc/dynward/dynward.toml ] || fail "$ipk: conffiles"
  cmp -s "$check/data.tar.gz" "$stage/data.tar.gz" || fail "$ipk: its data differ from the family's"
done
has_entries "$(tar -tvzf "$stage/data.tar.gz")" \
  "-rwxr-xr-x 0/0 .* ./usr/bin/dynward$" \
  "-rw------- 0/0 .* ./etc/dynward/dynward.toml$" \
  "-rwxr-xr-x 0/0 .* ./etc/init.d/dynward$" \
  "-rw-r--r-- 0/0 .* ./lib/upgrade/keep.d/dynward$" \
  "drwx------ 0/0 .* ./etc/dynward/state/$"
rm -rf "$check"
mkdir -p "$check"
tar -xzf "$tarball" -C "$check"
cmp -s "$check/usr/bin/dynward" "$bin" || fail "$tarball: not this build's binary"
cmp -s "$check/etc/init.d/dynward" openwrt/dynward.init || fail "$tarball: not the init script"
sh -n "$check/etc/init.d/dynward" || fail "the init script is not valid sh"
what=$(file "$check/usr/bin/dynward")
grep -q "$file_says" <<<"$what" || fail "the binary is not $cross_arch's: $what"
grep -q "statically linked" <<<"$what" || fail "the binary is not static: $what"
"${cross_run[@]}" "$check/usr/bin/dynward" --version | grep -q "^dynward $version$" || fail "the binary does not run under $qemu"
# The state directory built in: what the daemon, status and reset use without a config line.
printf '[[policy]]\nname = "home"\nprovider = "dyn"\nusername = "u"\npassword = "p"\nhosts = ["home.example.org"]\ninterface = "auto"\n' > "$stage/check.toml"
chmod 600 "$stage/check.toml"
said=$("${cross_run[@]}" "$check/usr/bin/dynward" --config "$stage/check.toml" check) || fail "check under $qemu: $said"
grep -qx "  state: /etc/dynward/state/state.json" <<<"$said" || fail "the build's state directory is not /etc/dynward/state: $said"
echo "package OK: $cross_arch: /usr/bin/dynward $(stat -c %s "$bin") bytes, static; $(wc -w <<<"$opkg_archs") .ipk of $(stat -c %s "$ipk") bytes ($opkg_archs) and $tarball ($(stat -c %s "$tarball") bytes)"
