#!/usr/bin/env bash
# Prepares this machine to run the platform: Node dependencies, PostgreSQL, NATS (JetStream) and Redis running,
# the build in dist/, the database created and migrated. Idempotent; every other script starts here.
set -euo pipefail
cd "$(dirname "$0")/.."

DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/iot}"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
# The embedded broker's persistent sessions (apps/bridge); empty keeps them in memory and needs no Redis.
MQTT_SESSIONS_REDIS_URL="${MQTT_SESSIONS_REDIS_URL-redis://127.0.0.1:6379}"
export DATABASE_URL NATS_URL MQTT_SESSIONS_REDIS_URL

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Sets HOST and PORT from a service URL (default port $2); returns at once when it answers. Otherwise only a
# local service can be started here: a remote one that does not answer stops the setup.
reachable_or_local() {
  local what=$1 url=$2 default_port=$3
  HOST=$(node -e 'console.log(new URL(process.argv[1]).hostname)' "$url")
  PORT=$(node -e 'console.log(new URL(process.argv[1]).port || process.argv[2])' "$url" "$default_port")
  port_open "$HOST" "$PORT" && return 0
  [ "$HOST" = 127.0.0.1 ] || [ "$HOST" = localhost ] || { log "$what at $HOST:$PORT is not reachable"; exit 1; }
  return 1
}

wait_for_port() {
  for _ in $(seq 1 60); do port_open "$HOST" "$PORT" && return; sleep 0.5; done
  log "$1 did not start"; exit 1
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  reachable_or_local PostgreSQL "$DATABASE_URL" 5432 && return
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL from Debian"
    apt_install postgresql
    # A fresh Debian cluster asks for passwords over TCP; the one-machine platform connects as postgres locally.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    done
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  wait_for_port PostgreSQL
}

ensure_nats() {
  reachable_or_local NATS "${NATS_URL%%,*}" 4222 && return
  command -v nats-server >/dev/null || { log "installing NATS from Debian"; apt_install nats-server; }
  log "starting NATS with JetStream"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p "$PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for_port NATS
}

ensure_redis() {
  [ -n "$MQTT_SESSIONS_REDIS_URL" ] || return 0
  reachable_or_local Redis "$MQTT_SESSIONS_REDIS_URL" 6379 && return
  command -v redis-server >/dev/null || { log "installing Redis from Debian"; apt_install redis-server; }
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  # Append-only file: sessions survive a restart of Redis too.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --dir /var/lib/redis --appendonly yes \
    --logfile /var/log/redis/iot.log
  wait_for_port Redis
}

ensure_node_modules() {
  # Reinstall when the lockfile changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing Node dependencies"
    # `npm install`, not `npm ci`: the lockfile cannot list the platform builds of native packages
    # (@swc/core-darwin-…) that this machine's registry does not carry, and `npm ci` refuses such a lockfile.
    npm install --no-audit --no-fund --loglevel=error
  fi
}

ensure_node_modules
ensure_postgres
ensure_nats
ensure_redis
bash scripts/build.sh
node dist/scripts/db.js ensure-database
node dist/scripts/db.js migrate
