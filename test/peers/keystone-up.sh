#!/bin/bash
# A throw-away Keystone (Debian 12's python3-keystone, "Zed") on 127.0.0.1:PORT, for tests and
# local use. Installs its Debian packages when missing (as root), writes keystone.conf, a SQLite
# database (WAL mode), fernet keys and the bootstrap admin into DIR, then runs uwsgi in the
# foreground (exec: the caller's pid is the server's; stop it with SIGTERM).
# Usage: keystone-up.sh DIR PORT        admin password: $ADMIN_PW (default s3cret)
# Recipe and figures: ../shared/peers/keystone.md. About 11-14 s from an empty DIR.
set -euo pipefail
D=${1:?usage: keystone-up.sh DIR PORT}; PORT=${2:?usage: keystone-up.sh DIR PORT}
# pyenv/venv pythons must not shadow Debian's /usr/bin/python3, which has keystone's modules
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ADMIN_PW=${ADMIN_PW:-s3cret}

if ! command -v keystone-manage >/dev/null || [ ! -e /usr/lib/uwsgi/plugins/python3_plugin.so ]; then
  [ "$(id -u)" = 0 ] || { echo "install: apt-get install --no-install-recommends python3-keystone uwsgi-core uwsgi-plugin-python3" >&2; exit 1; }
  # not the `keystone` package: it would start a system daemon on port 5000
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    python3-keystone uwsgi-core uwsgi-plugin-python3 >&2
fi

U=$(id -un); G=$(id -gn)
mkdir -p "$D"
cat > "$D/keystone.conf" <<CONF
[DEFAULT]
use_stderr = true
[database]
connection = sqlite:///$D/keystone.db
[token]
provider = fernet
expiration = ${KS_TOKEN_EXPIRATION:-3600}
[fernet_tokens]
key_repository = $D/fernet-keys
[fernet_receipts]
key_repository = $D/fernet-keys
[credential]
key_repository = $D/credential-keys
[identity]
# 4 rounds instead of 12: a token in ~70 ms instead of ~300 ms (a test peer, not a real cloud)
password_hash_rounds = 4
CONF
km() { keystone-manage --config-file "$D/keystone.conf" "$@" >>"$D/manage.log" 2>&1; }
if [ ! -e "$D/keystone.db" ]; then
  km db_sync
  # without WAL about one request in 13 waits 5 s for SQLite's lock and fails
  /usr/bin/python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$D/keystone.db"
  km fernet_setup     --keystone-user "$U" --keystone-group "$G"
  km credential_setup --keystone-user "$U" --keystone-group "$G"
  km bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-username admin \
     --bootstrap-project-name admin --bootstrap-role-name admin \
     --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
     --bootstrap-public-url "http://127.0.0.1:$PORT/v3/" \
     --bootstrap-internal-url "http://127.0.0.1:$PORT/v3/" \
     --bootstrap-admin-url "http://127.0.0.1:$PORT/v3/"
fi
# one process, no threads: SQLite
exec uwsgi --plugin python3 --http-socket "127.0.0.1:$PORT" \
    --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 1 --lazy-apps \
    --die-on-term --need-app --add-header 'Connection: close' \
    --env "OS_KEYSTONE_CONFIG_FILES=$D/keystone.conf"
