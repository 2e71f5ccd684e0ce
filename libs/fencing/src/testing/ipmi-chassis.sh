#!/bin/sh
# chassis_control program for ipmi_sim (without one every power command fails). Keeps the chassis
# power state in STATE_DIR/power (1 on, 0 off). When STATE_DIR/power-hook exists, it is run after a
# change with `on`, `off` or `cycle` (hard reset): a simulated host's libvirtd dies with its power.
# ipmi_sim calls it as: ipmi-chassis.sh STATE_DIR MC get|set PARAM [VALUE] ...
# ipmi_sim's PATH may lack sbin
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
dir=$1
shift 2
op=$1
shift
[ -f "$dir/power" ] || echo 1 > "$dir/power"
echo "$(date +%s.%N) $op $*" >> "$dir/chassis.log"

hook() {
  [ -f "$dir/power-hook" ] && /bin/sh "$dir/power-hook" "$1" >> "$dir/power-hook.log" 2>&1
}

case $op in
  get)
    while [ -n "${1:-}" ]; do
      case $1 in
        power) echo "power:$(cat "$dir/power")" ;;
        boot) echo "boot:default" ;;
        *) echo "Invalid parameter: $1"; exit 1 ;;
      esac
      shift
    done ;;
  set)
    while [ -n "${1:-}" ]; do
      p=$1 v=${2:-}
      shift 2
      case $p in
        power)
          old=$(cat "$dir/power")
          echo "$v" > "$dir/power"
          if [ "$old" != "$v" ]; then
            if [ "$v" = 1 ]; then hook on; else hook off; fi
          fi ;;
        reset) [ "$(cat "$dir/power")" = 1 ] && hook cycle ;;
        boot|shutdown) ;;
        identify) shift ;;
        *) echo "Invalid parameter: $p"; exit 1 ;;
      esac
    done ;;
  *) exit 1 ;;
esac
exit 0
