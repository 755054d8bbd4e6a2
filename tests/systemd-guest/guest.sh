#!/usr/bin/env bash
# Boots or removes a throw-away Debian guest with systemd as PID 1, under systemd-nspawn, on
# a host whose own PID 1 is not systemd.
#   guest.sh up NAME ROOTFS.tar [nspawn args]  -> prints "INIT_PID ROOT_DIR STATE"
#   guest.sh down NAME
# Run commands inside with: nsenter -t INIT_PID -a -- env -i PATH=... CMD
set -euo pipefail
cmd=$1 name=$2
dir=${DYNWARD_GUEST_DIR:-/dev/shm/dynward-guests}/$name   # tmpfs: untar in a fraction of a second

hierarchies() {
  if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    echo /sys/fs/cgroup
  else
    echo /sys/fs/cgroup/systemd
    [ -d /sys/fs/cgroup/unified ] && echo /sys/fs/cgroup/unified
  fi
  return 0
}

case $cmd in
up)
  tarball=$3
  shift 3
  mkdir -p "$dir/root"
  tar -C "$dir/root" -xf "$tarball"
  echo "$name" > "$dir/root/etc/hostname"
  # nspawn --keep-unit creates <cgroup>/payload and <cgroup>/supervisor: give it a cgroup of
  # its own so nothing lands at the top of the host hierarchy.
  cgs=$(hierarchies | tr '\n' ' ')
  for h in $cgs; do mkdir -p "$h/dynward-$name"; done
  # No host D-Bus or machined: --register=no --keep-unit. The host's /run is not a tmpfs, so
  # nspawn gets a private mount namespace with a tmpfs for its propagation directory.
  setsid bash -c '
    for h in '"$cgs"'; do echo $$ > "$h/dynward-'"$name"'/cgroup.procs"; done
    exec unshare --mount --propagation private -- bash -c "
      mkdir -p /run/systemd/nspawn && mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn &&
      exec systemd-nspawn -q -D '"$dir/root"' -M '"$name"' --boot --register=no --keep-unit --console=pipe \"\$@\"" -- "$@"
  ' -- "$@" </dev/null >"$dir/nspawn.log" 2>&1 &
  nspawn=$!
  echo "$nspawn" > "$dir/nspawn.pid"
  # The guest's init is nspawn's child in another PID namespace (nspawn's short-lived helper
  # child lives in ours).
  mine=$(readlink /proc/self/ns/pid)
  init=
  for _ in $(seq 1 200); do
    for c in $(ps -o pid= --ppid "$nspawn" 2>/dev/null); do
      ns=$(readlink "/proc/$c/ns/pid" 2>/dev/null || true)
      if [ -n "$ns" ] && [ "$ns" != "$mine" ]; then init=$c; fi
    done
    [ -n "$init" ] && break
    kill -0 "$nspawn" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$init" ] || { cat "$dir/nspawn.log" >&2; exit 1; }
  echo "$init" > "$dir/init.pid"
  # Poll: systemctl cannot connect until PID 1 has made its private socket.
  state=
  for _ in $(seq 1 600); do
    state=$(nsenter -t "$init" -a -- systemctl is-system-running 2>/dev/null || true)
    case $state in running|degraded|maintenance) break ;; esac
    sleep 0.1
  done
  echo "$init $dir/root $state"
  ;;
down)
  [ -f "$dir/nspawn.pid" ] || exit 0
  nspawn=$(cat "$dir/nspawn.pid")
  init=$(cat "$dir/init.pid" 2>/dev/null || true)
  kill -TERM "$nspawn" 2>/dev/null || true       # nspawn asks the guest to halt cleanly
  for _ in $(seq 1 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$nspawn" 2>/dev/null; then
    kill -KILL "$nspawn" 2>/dev/null || true
    [ -n "$init" ] && kill -KILL "$init" 2>/dev/null || true
  fi
  for h in $(hierarchies); do
    [ -d "$h/dynward-$name" ] && find "$h/dynward-$name" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
  ;;
*)
  echo "usage: guest.sh up NAME ROOTFS.tar [nspawn args] | down NAME" >&2
  exit 2
  ;;
esac
