#!/bin/sh
# One simulated KVM host: a libvirtd running libvirt's test driver, every file under DIR, plus a
# "holder" client (the test driver inside libvirtd resets when its last client disconnects; the
# holder is also a lifecycle event stream in DIR/events.log).
#   up:    start libvirtd and the holder (returns at once; the socket appears ~0.2 s later)
#   down:  SIGKILL both: a host losing power, not a clean shutdown
#   cycle: down, then up
# usage: libvirt-host.sh up|down|cycle DIR
# Used by libvirt-host.peer.ts and, as a BMC's power hook, by ipmi_sim (ipmi-chassis.sh). Everything
# it starts is in its own session (setsid) with its pid in DIR/*.pid, so the peer can stop it.
# run from ipmi_sim too, whose PATH may lack sbin
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
set -u
cmd=$1
d=$2
sock="$d/run/libvirt-sock"
uri="test+unix:///default?socket=$sock"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

kill_pidfile() {
  if [ -f "$1" ]; then
    pid=$(cat "$1")
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    rm -f "$1"
  fi
}

up() {
  alive "$d/libvirtd.pid" && return 0
  mkdir -p "$d/run" "$d/config" "$d/cache" "$d/data"
  rm -f "$sock" "$d/run/libvirt-sock-ro" "$d/run/libvirt-admin-sock"
  printf 'unix_sock_dir = "%s/run"\nunix_sock_rw_perms = "0777"\nauth_unix_rw = "none"\nlog_outputs = "3:file:%s/libvirtd.log"\n' "$d" "$d" > "$d/libvirtd.conf"
  if [ "$(id -u)" = 0 ]; then
    # as root libvirtd would use /run and /etc whatever XDG says: run it as nobody in DIR
    chown -R nobody:nogroup "$d"
    set -- setpriv --reuid=nobody --regid=nogroup --clear-groups
  else
    set --
  fi
  setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$d" XDG_RUNTIME_DIR="$d/run" XDG_CONFIG_HOME="$d/config" \
    XDG_CACHE_HOME="$d/cache" XDG_DATA_HOME="$d/data" "$@" libvirtd -f "$d/libvirtd.conf" \
    </dev/null >>"$d/libvirtd.out" 2>&1 &
  echo $! > "$d/libvirtd.pid"
  # the holder connects once the socket is there (in the background: a BMC must answer at once)
  setsid sh -c '
    i=0
    while [ $i -lt 200 ]; do
      virsh -q -c "$1" uri >/dev/null 2>&1 && exec virsh -c "$1" event --loop --all --timestamp
      i=$((i + 1)); sleep 0.05
    done' holder "$uri" </dev/null >>"$d/events.log" 2>&1 &
  echo $! > "$d/holder.pid"
}

down() {
  kill_pidfile "$d/holder.pid"
  kill_pidfile "$d/libvirtd.pid"
}

case $cmd in
  up) up ;;
  down) down ;;
  cycle) down; up ;;
  *) echo "usage: $0 up|down|cycle DIR" >&2; exit 2 ;;
esac
