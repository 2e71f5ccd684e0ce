#!/bin/sh
# Installs the bundled node agent on a hypervisor host:
#   sudo sh install.sh [--prefix DIR] [--config-dir DIR] [--unit-dir DIR] [--no-systemd]
# Copies dist/haaas-agent.js to $PREFIX (default /opt/haaas-agent), links /usr/local/bin/haaas-agent,
# writes an example configuration to $CONFIG_DIR/agent.json only if there is none (never overwrites
# one, never touches the token), installs the systemd unit and reloads systemd. It does not start the
# agent: write the token file first (see docs/node-agent.md), then `systemctl enable --now haaas-agent`.
# Needs Node.js 20.19 or later on PATH; exits 1 with the reason otherwise.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BUNDLE="$HERE/../dist/haaas-agent.js"
[ -f "$BUNDLE" ] || BUNDLE="$HERE/haaas-agent.js"
PREFIX=/opt/haaas-agent
CONFIG_DIR=/etc/haaas-agent
UNIT_DIR=/etc/systemd/system
BIN_DIR=/usr/local/bin
SYSTEMD=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --config-dir) CONFIG_DIR=$2; shift 2 ;;
    --unit-dir) UNIT_DIR=$2; shift 2 ;;
    --bin-dir) BIN_DIR=$2; shift 2 ;;
    --no-systemd) SYSTEMD=no; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$BUNDLE" ] || { echo "install.sh: no haaas-agent.js next to this script or in ../dist (run npm pack or npm run build in apps/agent)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "install.sh: node is not on PATH (Node.js 20.19 or later is needed)" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "install.sh: Node.js $(node --version) is too old (20.19 or later is needed)" >&2; exit 1; }

install -d -m 0755 "$PREFIX" "$BIN_DIR"
install -m 0755 "$BUNDLE" "$PREFIX/haaas-agent.js"
ln -sf "$PREFIX/haaas-agent.js" "$BIN_DIR/haaas-agent"
install -d -m 0700 "$CONFIG_DIR"
if [ ! -e "$CONFIG_DIR/agent.json" ]; then
  EXAMPLE="$HERE/../agent.example.json"
  [ -f "$EXAMPLE" ] || EXAMPLE="$HERE/agent.example.json"
  install -m 0600 "$EXAMPLE" "$CONFIG_DIR/agent.json"
  echo "wrote $CONFIG_DIR/agent.json: set apiUrl and the checks of this host"
fi
if [ "$SYSTEMD" = yes ]; then
  install -d -m 0755 "$UNIT_DIR"
  sed "s#/opt/haaas-agent/haaas-agent.js#$PREFIX/haaas-agent.js#; s#/etc/haaas-agent/agent.json#$CONFIG_DIR/agent.json#" \
    "$HERE/haaas-agent.service" > "$UNIT_DIR/haaas-agent.service"
  chmod 0644 "$UNIT_DIR/haaas-agent.service"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  echo "installed $UNIT_DIR/haaas-agent.service"
fi
echo "haaas-agent $("$BIN_DIR/haaas-agent" --version) installed in $PREFIX"
echo "next: write the token to $CONFIG_DIR/token (mode 0600), then: systemctl enable --now haaas-agent"
