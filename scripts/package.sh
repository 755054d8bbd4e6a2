#!/usr/bin/env bash
# Builds the Debian package and checks what is in it.
#   scripts/package.sh          -> target/debian/dynward_<version>_<arch>.deb
# Needs cargo-deb (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked

# The man page: the complete reference, from src/docs.rs and the CLI definition.
cargo run --quiet --locked --example manpage -- target/man/man1/dynward.1
gzip -9nf target/man/man1/dynward.1

cargo deb --locked
deb=$(ls -t target/debian/dynward_*.deb | head -1)

fail() { echo "package check failed: $*" >&2; exit 1; }
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
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
cmp -s "$tmp/etc/dynward/dynward.toml" config/dynward.toml || fail "packaged config differs from config/dynward.toml"
unit=
for u in "$tmp"/usr/lib/systemd/system/dynward.service "$tmp"/lib/systemd/system/dynward.service; do
  [ -f "$u" ] && unit=$u
done
[ -n "$unit" ] || fail "no unit file in the package"
cmp -s "$unit" systemd/dynward.service || fail "packaged unit differs from systemd/dynward.service"
zcat "$tmp/usr/share/man/man1/dynward.1.gz" | grep -q "dyndns2" || fail "man page is not dynward's"
"$tmp/usr/bin/dynward" --version | grep -q "^dynward " || fail "packaged binary does not run"
size=$(stat -c %s "$tmp/usr/bin/dynward")
echo "package OK: $deb ($(stat -c %s "$deb") bytes; /usr/bin/dynward $size bytes)"
