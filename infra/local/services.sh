#!/usr/bin/env bash
# MS5 local dev stack: third-party services (PostgreSQL, InfluxDB, Prometheus, Alertmanager).
#
#   infra/local/services.sh up|down|status|env [SERVICE...]
#   SERVICE ∈ postgres influxdb prometheus alertmanager node-exporter postgres-exporter   (default: all)
#
# Each service runs as OUR OWN instance (not Debian's init-managed one) under $MS5_HOME
# (default: <repo>/.ms5), bound to 127.0.0.1 only:
#   postgres      127.0.0.1:55432   postgresql://ms5@127.0.0.1:55432/ms5   data: $MS5_HOME/pg/data
#   influxdb      127.0.0.1:58086   (RPC 127.0.0.1:58088), database ms5    data: $MS5_HOME/influxdb
#   prometheus    127.0.0.1:59090   config: infra/prometheus/prometheus.yml data: $MS5_HOME/prometheus
#   alertmanager  127.0.0.1:59093   config: infra/alertmanager/alertmanager.yml data: $MS5_HOME/alertmanager
#   node-exporter 127.0.0.1:59100   prometheus-node-exporter (CPU, memory, disk of this machine)
#   postgres-exporter 127.0.0.1:59187 prometheus-postgres-exporter (connections, transactions, locks, size) of MS5's PostgreSQL
# Logs: $MS5_HOME/logs/<service>.log (apt output: $MS5_HOME/logs/install.log). Pids: $MS5_HOME/run/<service>.pid
#
# External servers: setting MS5_PG / MS5_INFLUX_URL / MS5_PROMETHEUS_URL / MS5_ALERTMANAGER_URL
# makes this script skip the matching local service (status only checks that it answers).
#
# Postgres refuses to run as root, so (when run as root) initdb/pg_ctl run as the `postgres`
# OS user. That user must be able to traverse every parent directory of $MS5_HOME/pg; when it
# cannot (e.g. the repo lives under /root, which is 0700), `up` adds o+x (search only, NOT read)
# to exactly those parent directories and says so. Nothing else's permissions are changed.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
MS5_HOME="${MS5_HOME:-$REPO_ROOT/.ms5}"
case "$MS5_HOME" in /*) ;; *) MS5_HOME="$PWD/$MS5_HOME" ;; esac
MS5_HOME="${MS5_HOME%/}"
LOG_DIR="$MS5_HOME/logs"
RUN_DIR="$MS5_HOME/run"
INSTALL_LOG="$LOG_DIR/install.log"

ALL_SERVICES=(postgres influxdb prometheus alertmanager node-exporter postgres-exporter)
HEALTH_TIMEOUT=60
STOP_TIMEOUT=10

# MS5_PORT_OFFSET (default 0) moves every port of the local stack (services and MS5 processes) by the same amount, so a
# second, independent stack (e.g. the deploy tests' own, with its own MS5_HOME) can run beside the usual one.
MS5_PORT_OFFSET="${MS5_PORT_OFFSET:-0}"
[[ "$MS5_PORT_OFFSET" =~ ^[0-9]{1,4}$ ]] && ((MS5_PORT_OFFSET <= 5000)) \
  || { printf '[ms5] ERROR: MS5_PORT_OFFSET must be a whole number from 0 to 5000, got "%s"\n' "$MS5_PORT_OFFSET" >&2; exit 1; }
port() { echo $(($1 + MS5_PORT_OFFSET)); }

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=$(port 55432)
PG_DATA="$MS5_HOME/pg/data"
PG_SOCK="$MS5_HOME/pg/run"
PG_LOCAL_URI="postgresql://ms5@127.0.0.1:${PG_PORT}/ms5"
INFLUX_CONF="$MS5_HOME/influxdb/influxdb.conf"
INFLUX_LOCAL_URL="http://127.0.0.1:$(port 58086)"
PROM_LOCAL_URL="http://127.0.0.1:$(port 59090)"
AM_LOCAL_URL="http://127.0.0.1:$(port 59093)"
NODE_EXPORTER_URL="http://127.0.0.1:$(port 59100)"
PG_EXPORTER_URL="http://127.0.0.1:$(port 59187)"
PROM_CONFIG="$REPO_ROOT/infra/prometheus/prometheus.yml"
AM_CONFIG="$REPO_ROOT/infra/alertmanager/alertmanager.yml"

# Every fixed port of the local stack before MS5_PORT_OFFSET: the services above, InfluxDB's backup RPC, the dev broker,
# the simulator's metrics, the deploy proxy's admin port and both slots' API, historian, engine and reports ports
# (releases.sh slot_port). Keep in step when a port is added.
STACK_PORTS=(55432 58086 58088 59090 59093 59100 59187 59092 59465 59468 58081 58082 59464 59474 59466 59476 59467 59477)

# Linux picks the local port of an outgoing connection from net.ipv4.ip_local_port_range (32768-60999 by default), and
# the stack listens on fixed ports inside that range: any client's connection can hold one for its lifetime (seen: the
# dev broker's own loopback connection on the proxy's admin port, after which the proxy could not start). Ports listed
# in net.ipv4.ip_local_reserved_ports are never picked for that, and listening on them is unaffected: root adds the
# stack's ports to the list (kept until reboot; other entries stay), anyone else is told the command.
RESERVED_PORTS_FILE=/proc/sys/net/ipv4/ip_local_reserved_ports
reserve_ports() {
  local file="$RESERVED_PORTS_FILE" current p missing=() range lo hi taken
  current="$(tr -d ' \n' 2>/dev/null < "$file")" || return 0
  for p in "${STACK_PORTS[@]}"; do
    p="$(port "$p")" taken=0
    for range in ${current//,/ }; do
      lo="${range%-*}" hi="${range#*-}"
      ((p >= lo && p <= hi)) && { taken=1; break; }
    done
    ((taken)) || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local list
  list="$(IFS=,; echo "${missing[*]}")"
  if { echo "${current:+$current,}$list" > "$file"; } 2>/dev/null; then
    say "reserved the stack's ports $list from outgoing connections (net.ipv4.ip_local_reserved_ports)"
  else
    warn "ports $list are not reserved: an outgoing connection may hold one and a process then fails to start; as root: sysctl -w net.ipv4.ip_local_reserved_ports=${current:+$current,}$list"
  fi
}

say()  { printf '[ms5] %s\n' "$*"; }
warn() { printf '[ms5] WARNING: %s\n' "$*" >&2; }
die()  { printf '[ms5] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $0 up|down|status|env [SERVICE...]
  SERVICE: ${ALL_SERVICES[*]} (default: all)
  MS5_HOME=$MS5_HOME
EOF
  exit 2
}

# ---------------------------------------------------------------- per-service metadata
package_of() {
  case "$1" in
    postgres) echo postgresql ;; influxdb) echo influxdb ;;
    prometheus) echo prometheus ;; alertmanager) echo prometheus-alertmanager ;;
    node-exporter) echo prometheus-node-exporter ;; postgres-exporter) echo prometheus-postgres-exporter ;;
  esac
}
binary_of() {
  case "$1" in
    postgres) echo "$PG_BIN/postgres" ;; influxdb) echo /usr/bin/influxd ;;
    prometheus) echo /usr/bin/prometheus ;; alertmanager) echo /usr/bin/prometheus-alertmanager ;;
    node-exporter) echo /usr/bin/prometheus-node-exporter ;; postgres-exporter) echo /usr/bin/prometheus-postgres-exporter ;;
  esac
}
external_var_of() {
  case "$1" in
    postgres) echo MS5_PG ;; influxdb) echo MS5_INFLUX_URL ;;
    prometheus) echo MS5_PROMETHEUS_URL ;; alertmanager) echo MS5_ALERTMANAGER_URL ;;
    *) echo "" ;;   # the exporters always run locally (the postgres exporter watches MS5_PG when it is set)
  esac
}
is_external() { local v; v="$(external_var_of "$1")"; [[ -n "$v" && -n "${!v:-}" ]]; }
url_of() {
  case "$1" in
    postgres) echo "${MS5_PG:-$PG_LOCAL_URI}" ;;
    influxdb) local u="${MS5_INFLUX_URL:-$INFLUX_LOCAL_URL}"; echo "${u%/}" ;;
    prometheus) local u="${MS5_PROMETHEUS_URL:-$PROM_LOCAL_URL}"; echo "${u%/}" ;;
    alertmanager) local u="${MS5_ALERTMANAGER_URL:-$AM_LOCAL_URL}"; echo "${u%/}" ;;
    node-exporter) echo "$NODE_EXPORTER_URL" ;;
    postgres-exporter) echo "$PG_EXPORTER_URL" ;;
  esac
}
# A unique substring of OUR instance's /proc/PID/cmdline (NULs turned into spaces).
cmdline_marker_of() {
  case "$1" in
    postgres) echo "-D $PG_DATA" ;;
    influxdb) echo "-config $INFLUX_CONF" ;;
    prometheus) echo "--storage.tsdb.path=$MS5_HOME/prometheus" ;;
    alertmanager) echo "--storage.path=$MS5_HOME/alertmanager" ;;
    node-exporter) echo "--collector.textfile.directory=$MS5_HOME/node-exporter" ;;
    postgres-exporter) echo "--extend.query-path=$MS5_HOME/postgres-exporter/queries.yaml" ;;
  esac
}

# ---------------------------------------------------------------- helpers
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

healthy() {
  local svc="$1" url; url="$(url_of "$svc")"
  case "$svc" in
    postgres)
      if is_external postgres; then pg_isready -q -t 3 -d "$url" >/dev/null 2>&1
      else pg_isready -q -t 3 -h 127.0.0.1 -p "$PG_PORT" -U ms5 -d postgres >/dev/null 2>&1; fi ;;
    influxdb) [[ "$(http_code "$url/ping")" == 204 ]] ;;
    prometheus|alertmanager) [[ "$(http_code "$url/-/ready")" == 200 ]] ;;
    node-exporter|postgres-exporter) [[ "$(http_code "$url/metrics")" == 200 ]] ;;
  esac
}

pidfile_of() { echo "$RUN_DIR/$1.pid"; }

# Is PID alive (not a zombie) and is it OUR instance of SERVICE?
pid_is_ours() {
  local svc="$1" pid="$2" cmd state stat
  local -a argv=()
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # fork-free: this runs for every process when a pid file is missing
  { mapfile -d '' -t argv < "/proc/$pid/cmdline"; } 2>/dev/null || return 1
  ((${#argv[@]})) || return 1
  cmd="${argv[*]}"
  [[ "$cmd" == *"$(cmdline_marker_of "$svc")"* && "${argv[0]##*/}" == "$(basename "$(binary_of "$svc")")" ]] || return 1
  { read -r stat < "/proc/$pid/stat"; } 2>/dev/null || return 1
  state="${stat##*) }"; state="${state%% *}"
  [[ -n "$state" && "$state" != Z ]]
}

# Prints the pid of our running instance (from our pid file, or postmaster.pid for postgres).
running_pid() {
  local svc="$1" pf pid=""
  pf="$(pidfile_of "$svc")"
  [[ -f "$pf" ]] && pid="$(head -n1 "$pf" 2>/dev/null || true)"
  if ! pid_is_ours "$svc" "$pid" && [[ "$svc" == postgres && -f "$PG_DATA/postmaster.pid" ]]; then
    pid="$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  fi
  if ! pid_is_ours "$svc" "$pid"; then
    # Lost/overwritten pid file: look for a process whose command line is unmistakably our instance
    # (binary + our MS5_HOME data path). Processes of other checkouts/instances never match.
    local p
    pid=""
    for p in /proc/[0-9]*; do
      p="${p#/proc/}"
      if pid_is_ours "$svc" "$p"; then pid="$p"; break; fi
    done
    [[ -n "$pid" ]] || return 1
  fi
  echo "$pid"
}

process_gone() { # gone or zombie
  local stat="" s
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 0
  s="${stat##*) }"; s="${s%% *}"
  [[ -z "$s" || "$s" == Z ]]
}

log_tail() {
  local f="$LOG_DIR/$1.log"
  if [[ -s "$f" ]]; then echo "----- last 25 lines of $f -----" >&2; tail -n 25 "$f" >&2; echo "-----" >&2; fi
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# Run a command as the postgres OS user (postgres refuses to run as root), from / so that an
# unreadable cwd does not produce warnings.
as_pg() {
  if is_root; then (cd / && runuser -u postgres -- "$@")
  else (cd / && "$@"); fi
}

write_if_changed() { # file, content on stdin; returns 0 if changed
  local f="$1" tmp; tmp="$(mktemp "$f.XXXXXX")"
  cat > "$tmp"
  if [[ -f "$f" ]] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; return 1; fi
  mv -f "$tmp" "$f"; chmod 0644 "$f"; return 0
}

# ---------------------------------------------------------------- install
pkg_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_CREATED=0
cleanup_policy_rc() { if [[ "$POLICY_RC_CREATED" == 1 ]]; then rm -f "$POLICY_RC"; POLICY_RC_CREATED=0; fi; }

ensure_packages() {
  local -a want=("$@") missing=()
  local p
  for p in "${want[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  local SUDO=()
  if ! is_root; then command -v sudo >/dev/null || die "packages missing (${missing[*]}) and not root / no sudo"; SUDO=(sudo); fi
  say "installing ${missing[*]} ... (apt, log: $INSTALL_LOG)"
  # Debian's packages would try to start their own system-wide daemons (postgres :5432, influxd :8086,
  # prometheus :9090, ...). We do not want or rely on those: block autostart for the duration of the
  # install unless a policy-rc.d is already in place.
  if [[ ! -e "$POLICY_RC" ]]; then
    trap cleanup_policy_rc EXIT
    printf '#!/bin/sh\n# temporary, created by ms5 infra/local/services.sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY_RC" >/dev/null
    "${SUDO[@]}" chmod 0755 "$POLICY_RC"; POLICY_RC_CREATED=1
  fi
  {
    echo "=== $(date -Is) apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    echo "=== $(date -Is) apt-get install ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  } >> "$INSTALL_LOG" 2>&1 || { cleanup_policy_rc; tail -n 30 "$INSTALL_LOG" >&2; die "apt-get failed (full log: $INSTALL_LOG)"; }
  if [[ "$POLICY_RC_CREATED" == 1 ]]; then "${SUDO[@]}" rm -f "$POLICY_RC"; POLICY_RC_CREATED=0; fi
  for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p still not installed (see $INSTALL_LOG)"; done
}

# ---------------------------------------------------------------- generic daemon start/stop
# Start a daemon fully detached (own session, stdin from /dev/null, output to its log).
# The intermediate subshell exits at once, so the daemon is re-parented away from this script:
# the calling shell never holds it as a (potential zombie) child.
spawn() {
  local svc="$1"; shift
  local log="$LOG_DIR/$svc.log" pf; pf="$(pidfile_of "$svc")"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$svc" >> "$log"
  (
    cd "$MS5_HOME" || exit 1
    setsid "$@" < /dev/null >> "$log" 2>&1 &
    echo $! > "$pf"
  )
}

wait_healthy() {
  local svc="$1" deadline=$((SECONDS + HEALTH_TIMEOUT)) pid=""
  pid="$(head -n1 "$(pidfile_of "$svc")" 2>/dev/null || true)"
  until healthy "$svc"; do
    if [[ -n "$pid" ]] && process_gone "$pid"; then
      log_tail "$svc"; rm -f "$(pidfile_of "$svc")"
      die "$svc exited during startup (log: $LOG_DIR/$svc.log)"
    fi
    if ((SECONDS >= deadline)); then
      log_tail "$svc"
      die "$svc not healthy after ${HEALTH_TIMEOUT}s (pid ${pid:-?}, log: $LOG_DIR/$svc.log)"
    fi
    sleep 0.2
  done
}

stop_pid() { # svc pid: SIGTERM, then SIGKILL after STOP_TIMEOUT
  local svc="$1" pid="$2" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do process_gone "$pid" && return 0; sleep 0.1; done
  warn "$svc (pid $pid) did not stop after ${STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do process_gone "$pid" && return 0; sleep 0.1; done
  warn "$svc (pid $pid) still present after SIGKILL"
}

# Fail clearly if something that is not ours already answers on our port.
check_port_free() {
  local svc="$1"
  if healthy "$svc"; then
    die "$svc: something not started from MS5_HOME=$MS5_HOME already answers at $(url_of "$svc") — stop it (e.g. '$0 down' from the other checkout) or point $(external_var_of "$svc") at it"
  fi
}

# ---------------------------------------------------------------- postgres
pg_locale() {
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then echo C.UTF-8; else echo C; fi
}

# Make every parent of $1 traversable by the postgres user (adds o+x only where needed).
pg_ensure_traversable() {
  is_root || return 0
  local target="$1" d="" part
  local -a parts
  IFS=/ read -ra parts <<< "${target#/}"
  for part in "${parts[@]}"; do
    [[ -n "$part" ]] || continue
    d="$d/$part"
    [[ -d "$d" ]] || break
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      chmod o+x "$d"
      say "postgres: added o+x (traverse only) to $d so the postgres user can reach its data dir"
    fi
  done
}

pg_conf() {
  cat <<EOF
# Managed by infra/local/services.sh (rewritten on every 'up'; put local overrides in postgresql.auto.conf via ALTER SYSTEM).
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 512MB
effective_cache_size = 2GB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
synchronous_commit = on
# MS5's statements are short and run often: compiling them (JIT) costs more than it saves (the OEE engine's
# batch queries took hundreds of ms more with it).
jit = off
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
log_checkpoints = on
timezone = 'UTC'
log_timezone = 'UTC'
EOF
}

pg_start() {
  [[ -x "$PG_BIN/postgres" ]] || die "postgres binaries not found in $PG_BIN"
  local pid
  if pid="$(running_pid postgres)"; then
    echo "$pid" > "$(pidfile_of postgres)"
    # refresh config; reload is harmless if nothing changed
    if pg_conf | write_if_changed "$PG_DATA/ms5.conf"; then
      chown postgres: "$PG_DATA/ms5.conf" 2>/dev/null || true
      as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" reload >/dev/null
      say "postgres: config changed, reloaded (settings needing a restart apply after 'down'/'up')"
    fi
    pg_post_start; return 0
  fi
  rm -f "$(pidfile_of postgres)"
  check_port_free postgres
  ((${#PG_SOCK} + 16 < 108)) || die "unix socket path $PG_SOCK/.s.PGSQL.$PG_PORT is too long (>107 chars); use a shorter MS5_HOME"

  if is_root; then id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (is the postgresql package installed?)"; fi
  mkdir -p "$MS5_HOME/pg" "$PG_SOCK"
  if is_root; then chown postgres: "$MS5_HOME/pg" "$PG_SOCK"; fi
  chmod 0711 "$MS5_HOME/pg"   # others may traverse (to reach the socket dir), not list
  pg_ensure_traversable "$MS5_HOME/pg"
  local log="$LOG_DIR/postgres.log"
  touch "$log"; if is_root; then chown postgres: "$log"; fi

  if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
    [[ -d "$PG_DATA" ]] && [[ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]] && die "$PG_DATA exists but is not a postgres cluster; remove it"
    local loc; loc="$(pg_locale)"
    say "postgres: initdb $PG_DATA (locale $loc)"
    printf '\n===== %s initdb =====\n' "$(date -Is)" >> "$log"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U ms5 --auth=trust -E UTF8 --locale="$loc" >> "$log" 2>&1 \
      || { log_tail postgres; die "initdb failed (log: $log)"; }
    echo "include_if_exists = 'ms5.conf'" >> "$PG_DATA/postgresql.conf"
  fi
  pg_conf | write_if_changed "$PG_DATA/ms5.conf" || true
  if is_root; then chown postgres: "$PG_DATA/ms5.conf"; fi

  # A leftover postmaster.pid whose pid is a zombie (possible where PID 1 does not reap orphans,
  # e.g. some containers) would make postgres refuse to start: kill(pid, 0) succeeds on zombies.
  # Same for the unix socket lock file.
  local lock oldpid
  for lock in "$PG_DATA/postmaster.pid" "$PG_SOCK/.s.PGSQL.$PG_PORT.lock"; do
    oldpid="$(head -n1 "$lock" 2>/dev/null || true)"
    if [[ "$oldpid" =~ ^[0-9]+$ ]] && [[ -e "/proc/$oldpid" ]] && process_gone "$oldpid"; then
      rm -f "$lock"
    fi
  done
  printf '\n===== %s starting postgres =====\n' "$(date -Is)" >> "$log"
  # pg_ctl daemonizes the postmaster itself (new session); -w waits until it accepts connections.
  if ! as_pg setsid "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$log" -w -t "$HEALTH_TIMEOUT" start < /dev/null >> "$log" 2>&1; then
    log_tail postgres; die "postgres failed to start (log: $log)"
  fi
  head -n1 "$PG_DATA/postmaster.pid" > "$(pidfile_of postgres)"
  wait_healthy postgres
  pg_post_start
}

pg_post_start() {
  local q=(psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U ms5 -d postgres -v ON_ERROR_STOP=1 -tA)
  if [[ "$("${q[@]}" -c "select 1 from pg_database where datname = 'ms5'")" != 1 ]]; then
    "${q[@]}" -c 'CREATE DATABASE ms5' >/dev/null
    say "postgres: created database ms5"
  fi
}

pg_stop() {
  local pid
  if pid="$(running_pid postgres)"; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >> "$LOG_DIR/postgres.log" 2>&1 \
      || { warn "pg_ctl stop failed, signalling postmaster"; stop_pid postgres "$pid"; }
    say "postgres: stopped (pid $pid)"
  fi
  rm -f "$(pidfile_of postgres)"
}

# ---------------------------------------------------------------- influxdb
influx_conf() {
  local h="$MS5_HOME/influxdb"
  cat <<EOF
# Managed by infra/local/services.sh — regenerated on every 'up'.
# Debian's influxdb 1.6 build renamed upstream's 'reporting-disabled = true' to 'reporting-enabled = false'.
reporting-enabled = false
bind-address = "127.0.0.1:$(port 58088)"

[meta]
  dir = "$h/meta"
  retention-autocreate = true
  logging-enabled = true

[data]
  dir = "$h/data"
  wal-dir = "$h/wal"
  query-log-enabled = false
  index-version = "inmem"

[coordinator]
  log-queries-after = "0s"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:$(port 58086)"
  auth-enabled = false
  log-enabled = false
  suppress-write-log = true
  pprof-enabled = false
  max-body-size = 0

[ifql]
  enabled = false

[subscriber]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false
EOF
}

influx_launch() {
  local changed=0
  mkdir -p "$MS5_HOME/influxdb"
  influx_conf | write_if_changed "$INFLUX_CONF" && changed=1
  local pid
  if pid="$(running_pid influxdb)"; then
    echo "$pid" > "$(pidfile_of influxdb)"
    ((changed)) && warn "influxdb: $INFLUX_CONF changed; restart ('down influxdb' then 'up influxdb') to apply"
    return 0
  fi
  rm -f "$(pidfile_of influxdb)"
  check_port_free influxdb
  spawn influxdb /usr/bin/influxd -config "$INFLUX_CONF"
}

influx_post_start() {
  local url out; url="$(url_of influxdb)"
  out="$(curl -s -m 10 -XPOST "$url/query" --data-urlencode 'q=CREATE DATABASE ms5')" \
    || die "influxdb: CREATE DATABASE ms5 failed"
  [[ "$out" != *'"error"'* ]] || die "influxdb: CREATE DATABASE ms5 failed: $out"
}

# ---------------------------------------------------------------- prometheus / alertmanager
# The configuration Prometheus runs: a copy of the shipped one in $MS5_HOME/prometheus-config, beside a link to the
# shipped rules, with the ports moved by MS5_PORT_OFFSET. The MS5 processes are listed in targets/ms5.json there
# (file service discovery): ./ms5 writes it for the release slot that serves (infra/local/releases.sh), and
# Prometheus follows changes to it by itself. Until then it is the shipped default (infra/prometheus/targets).
prom_config() {
  local dir="$MS5_HOME/prometheus-config" src; src="$(dirname "$PROM_CONFIG")"
  [[ -f "$PROM_CONFIG" ]] || die "missing $PROM_CONFIG"
  mkdir -p "$dir/targets"
  ln -sfn "$src/rules" "$dir/rules"
  offset_ports < "$PROM_CONFIG" > "$dir/prometheus.yml"
  [[ -s "$dir/targets/ms5.json" ]] || offset_ports < "$src/targets/ms5.json" > "$dir/targets/ms5.json"
  echo "$dir/prometheus.yml"
}

# Moves every 127.0.0.1:PORT of stdin by MS5_PORT_OFFSET.
offset_ports() {
  if ((MS5_PORT_OFFSET == 0)); then cat; return; fi
  local line re='(.*)127\.0\.0\.1:([0-9]+)(.*)' head
  while IFS= read -r line || [[ -n "$line" ]]; do
    head=""
    while [[ "$line" =~ $re ]]; do
      head="127.0.0.1:$((BASH_REMATCH[2] + MS5_PORT_OFFSET))${BASH_REMATCH[3]}$head"
      line="${BASH_REMATCH[1]}"
    done
    printf '%s%s\n' "$line" "$head"
  done
}

prom_launch() {
  local pid
  if pid="$(running_pid prometheus)"; then
    echo "$pid" > "$(pidfile_of prometheus)"
    # Running already: it re-reads the shipped configuration and rules (they may have changed since it started).
    prom_config > /dev/null
    curl -s -m 10 -o /dev/null -X POST "$PROM_LOCAL_URL/-/reload" || warn "prometheus: reload of $PROM_CONFIG failed"
    return 0
  fi
  rm -f "$(pidfile_of prometheus)"
  check_port_free prometheus
  mkdir -p "$MS5_HOME/prometheus"
  spawn prometheus /usr/bin/prometheus \
    --config.file="$(prom_config)" \
    --storage.tsdb.path="$MS5_HOME/prometheus" \
    --web.listen-address=127.0.0.1:$(port 59090) \
    --web.enable-lifecycle
}

am_launch() {
  local pid
  [[ -f "$AM_CONFIG" ]] || die "missing $AM_CONFIG"
  # The shipped configuration runs from a copy beside the secrets: its webhook to the API reads its key from
  # secrets/alertmanager.apikey (./ms5 up makes it once the API is up; Alertmanager reads it on each notification).
  local conf="$MS5_HOME/alertmanager/config"
  rm -rf "$conf"; mkdir -p "$conf" "$MS5_HOME/secrets"
  offset_ports < "$AM_CONFIG" > "$conf/alertmanager.yml"
  cp -r "$(dirname "$AM_CONFIG")/templates" "$conf/templates"
  ln -sfn "$MS5_HOME/secrets" "$conf/secrets"
  if pid="$(running_pid alertmanager)"; then
    echo "$pid" > "$(pidfile_of alertmanager)"
    curl -s -m 10 -o /dev/null -X POST "$AM_LOCAL_URL/-/reload" || warn "alertmanager: reload of $AM_CONFIG failed"
    return 0
  fi
  rm -f "$(pidfile_of alertmanager)"
  check_port_free alertmanager
  mkdir -p "$MS5_HOME/alertmanager"
  spawn alertmanager /usr/bin/prometheus-alertmanager \
    --config.file="$conf/alertmanager.yml" \
    --storage.path="$MS5_HOME/alertmanager" \
    --web.listen-address=127.0.0.1:$(port 59093) \
    --cluster.listen-address=
}

# ---------------------------------------------------------------- exporters
node_exporter_launch() {
  local pid
  if pid="$(running_pid node-exporter)"; then echo "$pid" > "$(pidfile_of node-exporter)"; return 0; fi
  rm -f "$(pidfile_of node-exporter)"
  check_port_free node-exporter
  mkdir -p "$MS5_HOME/node-exporter"
  # Debian enables the systemd collector; without systemd as init (containers) it logs an error on every scrape.
  local systemd=()
  [[ -d /run/systemd/system ]] || systemd=(--no-collector.systemd)
  spawn node-exporter /usr/bin/prometheus-node-exporter \
    --web.listen-address=127.0.0.1:$(port 59100) \
    --collector.textfile.directory="$MS5_HOME/node-exporter" "${systemd[@]}"
}

# The PostgreSQL connection of the exporter: MS5's database (local, or MS5_PG), without TLS only for the local one.
pg_exporter_dsn() {
  if is_external postgres; then echo "$MS5_PG"; else echo "$PG_LOCAL_URI?sslmode=disable"; fi
}

pg_exporter_launch() {
  local pid
  if pid="$(running_pid postgres-exporter)"; then echo "$pid" > "$(pidfile_of postgres-exporter)"; return 0; fi
  rm -f "$(pidfile_of postgres-exporter)"
  check_port_free postgres-exporter
  mkdir -p "$MS5_HOME/postgres-exporter"
  # One extra query (the oldest open transaction of MS5's database); its path also tells our instance apart.
  cat > "$MS5_HOME/postgres-exporter/queries.yaml" <<'YAML'
pg_ms5_oldest_transaction:
  query: "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) AS seconds FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL"
  metrics:
    - seconds:
        usage: "GAUGE"
        description: "Age of the oldest open transaction in MS5's database, seconds"
YAML
  spawn postgres-exporter env DATA_SOURCE_NAME="$(pg_exporter_dsn)" /usr/bin/prometheus-postgres-exporter \
    --web.listen-address=127.0.0.1:$(port 59187) \
    --extend.query-path="$MS5_HOME/postgres-exporter/queries.yaml"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local -a svcs=("$@") local_svcs=() pkgs=(curl)
  local s
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  reserve_ports
  for s in "${svcs[@]}"; do
    if is_external "$s"; then
      [[ "$s" == postgres ]] && ! command -v pg_isready >/dev/null && pkgs+=(postgresql-client)
    else
      local_svcs+=("$s"); pkgs+=("$(package_of "$s")")
    fi
  done
  ensure_packages "${pkgs[@]}"

  # Launch the cheap daemons first (they start in parallel with postgres' initdb), then postgres.
  for s in "${local_svcs[@]}"; do
    case "$s" in influxdb) influx_launch ;; prometheus) prom_launch ;; alertmanager) am_launch ;; node-exporter) node_exporter_launch ;; postgres-exporter) pg_exporter_launch ;; esac
  done
  for s in "${local_svcs[@]}"; do [[ "$s" == postgres ]] && pg_start; done
  for s in "${local_svcs[@]}"; do
    [[ "$s" == postgres ]] && continue
    wait_healthy "$s"
    [[ "$s" == influxdb ]] && influx_post_start
  done

  for s in "${svcs[@]}"; do
    if is_external "$s"; then
      if healthy "$s"; then printf '[ms5] %-13s external  %s\n' "$s" "$(url_of "$s")"
      else warn "$s: external $(external_var_of "$s")=$(url_of "$s") is not reachable"; fi
    else
      printf '[ms5] %-13s up (pid %s)  %s\n' "$s" "$(running_pid "$s" || echo '?')" "$(url_of "$s")"
    fi
  done
}

cmd_down() {
  local s pid pf
  for s in "$@"; do
    if is_external "$s"; then say "$s: external ($(external_var_of "$s")), not touched"; continue; fi
    if [[ "$s" == postgres ]]; then pg_stop; continue; fi
    pf="$(pidfile_of "$s")"
    if pid="$(running_pid "$s")"; then
      stop_pid "$s" "$pid"
      say "$s: stopped (pid $pid)"
    elif [[ -f "$pf" ]]; then
      say "$s: stale pid file removed (pid $(head -n1 "$pf" 2>/dev/null) not ours / not running)"
    fi
    rm -f "$pf"
  done
}

cmd_status() {
  local s rc=0 state extra
  for s in "$@"; do
    extra=""
    if is_external "$s"; then
      if healthy "$s"; then state=external; else state=DOWN; extra=" (external, unreachable)"; rc=1; fi
    elif healthy "$s"; then
      state=healthy
      local pid; if pid="$(running_pid "$s")"; then extra=" (pid $pid)"; else extra=" (not started from this MS5_HOME)"; fi
    else
      state=DOWN; rc=1
    fi
    printf '%-13s %-9s %s%s\n' "$s" "$state" "$(url_of "$s")" "$extra"
  done
  return "$rc"
}

cmd_env() {
  printf 'export MS5_PG=%q\n' "$(url_of postgres)"
  printf 'export MS5_INFLUX_URL=%q\n' "$(url_of influxdb)"
  printf 'export MS5_INFLUX_DB=%q\n' "${MS5_INFLUX_DB:-ms5}"
  printf 'export MS5_PROMETHEUS_URL=%q\n' "$(url_of prometheus)"
  printf 'export MS5_ALERTMANAGER_URL=%q\n' "$(url_of alertmanager)"
}

main() {
  (($#)) || usage
  local cmd="$1"; shift
  local -a svcs=()
  local s a
  if (($#)); then
    for a in "$@"; do
      case " ${ALL_SERVICES[*]} " in *" $a "*) ;; *) die "unknown service '$a' (expected: ${ALL_SERVICES[*]})" ;; esac
    done
    # keep canonical order, drop duplicates
    for s in "${ALL_SERVICES[@]}"; do for a in "$@"; do [[ "$a" == "$s" ]] && { svcs+=("$s"); break; }; done; done
  else
    svcs=("${ALL_SERVICES[@]}")
  fi
  case "$cmd" in
    up) cmd_up "${svcs[@]}" ;;
    down) cmd_down "${svcs[@]}" ;;
    status) cmd_status "${svcs[@]}" ;;
    env) cmd_env ;;
    -h|--help|help) usage ;;
    *) usage ;;
  esac
}

# (sourcing this file only defines the functions, for testing)
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
