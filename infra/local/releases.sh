# Releases, blue/green slots, the deploy proxy, ./ms5 deploy and ./ms5 rollback: sourced by ./ms5 (README "Deploy").
#
# A release is an immutable folder $MS5_HOME/releases/<version>/ holding the built hosts (historian, oee, api, reports,
# ingest, proxy, devbroker, ops) and release.json. Every MS5 process runs from a release. The historian, the OEE engine,
# the reports host and the API run in a SLOT (blue or green) with its own ports; the deploy proxy owns the public API
# port (MS5_API_URL, default 8080) and forwards to the API of the slot that serves. A deploy starts the new release in
# the other slot beside the serving one (its historian and engine join the consumer groups, its reports host the Quartz
# cluster), waits for /readyz and a smoke test, switches the proxy, drains and stops the old slot. Any failed step stops
# the new slot and leaves the old one serving.

RELEASES="$MS5_HOME/releases"
RELEASE_KEEP="${MS5_RELEASE_KEEP:-5}"
SLOTTED_PROCS=(stream oee reports api)
PROXY_ADMIN_URL="http://127.0.0.1:$(port 59468)"
PROXY_TOKEN_FILE="$MS5_HOME/secrets/proxy-admin.token"
DEPLOY_STATE="$RELEASES/state"   # lines: active=<version> slot=<slot>, previous=<version>
# The built hosts that make a release: folder in the release = project output.
RELEASE_HOSTS=(historian:stream/Ms5.Historian oee:stream/Ms5.OeeEngine api:api/Ms5.Api reports:reports/Ms5.ReportsHost
  ingest:ingest/Ms5.Ingest proxy:infra/Ms5.Proxy devbroker:infra/devbroker/Ms5.DevBroker ops:infra/Ms5.Ops)

# ------------------------------------------------------------------ state
state_get() { sed -n "s/^$1=//p" "$DEPLOY_STATE" 2>/dev/null | head -n1; }
state_set() { # key=value ...: rewrites the state file atomically
  mkdir -p "$RELEASES"
  local tmp="$DEPLOY_STATE.tmp" kv k
  cp "$DEPLOY_STATE" "$tmp" 2>/dev/null || : > "$tmp"
  for kv in "$@"; do
    k="${kv%%=*}"
    sed -i "/^$k=/d" "$tmp"
    echo "$kv" >> "$tmp"
  done
  mv -f "$tmp" "$DEPLOY_STATE"
}
current_release_id() { local v; v="$(state_get active)"; [[ -n "$v" ]] && echo "$v"; }
active_slot() { local s; s="$(state_get slot)"; echo "${s:-blue}"; }
other_slot() { [[ "$1" == blue ]] && echo green || echo blue; }

# ------------------------------------------------------------------ slots and ports
slot_port() { # slot process
  local base
  case "$2" in api) base=58081 ;; stream) base=59464 ;; oee) base=59466 ;; reports) base=59467 ;; esac
  [[ "$1" == green ]] && base=$((base == 58081 ? 58082 : base + 10))
  port "$base"
}
slot_url() { echo "http://127.0.0.1:$(slot_port "$1" "$2")"; }

# ------------------------------------------------------------------ releases
release_dir() { echo "$RELEASES/$1"; }
release_host_dll() { # version host
  local h p
  for h in "${RELEASE_HOSTS[@]}"; do
    [[ "${h%%:*}" == "$2" ]] || continue
    p="${h#*:}"
    echo "$RELEASES/$1/$2/$(basename "$p").dll"
    return 0
  done
  die "unknown release host $2"
}

# Content fingerprint of the built hosts: MS5's own assemblies, every .json (deps, runtime and app settings), the
# web assets, fonts and SQL. Third-party assemblies change only with a deps.json.
build_fingerprint() {
  local h dirs=()
  for h in "${RELEASE_HOSTS[@]}"; do dirs+=("$ROOT/${h#*:}/bin/$CONFIG/net10.0"); done
  find "${dirs[@]}" -type f \( -name 'Ms5.*' -o -name '*.json' -o -path '*/wwwroot/*' -o -name '*.ttf' -o -name '*.sql' \) \
    -not -name '*.pdb' -print0 | sort -z | xargs -0 sha256sum | sed "s#$ROOT/##" | sha256sum | cut -c1-16
}

# Prints the version of the release made from the current build: an existing one with the same content, else a new
# folder (copied, identical files hard-linked to the newest release's, then made read-only).
release_make() {
  local fp v h src dst tmp commit dirty newest
  fp="$(build_fingerprint)"
  for v in $(ls -1t "$RELEASES" 2>/dev/null); do
    [[ -f "$RELEASES/$v/release.json" ]] || continue
    if grep -q "\"fingerprint\": \"$fp\"" "$RELEASES/$v/release.json"; then echo "$v"; return 0; fi
  done
  commit="$(git -C "$ROOT" rev-parse --short=10 HEAD 2>/dev/null || echo unknown)"
  dirty=""; [[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]] || dirty="-dirty"
  v="$(date -u +%Y%m%dT%H%M%SZ)-$commit$dirty"
  tmp="$RELEASES/.making-$v"
  rm -rf "$tmp"; mkdir -p "$tmp"
  for h in "${RELEASE_HOSTS[@]}"; do
    src="$ROOT/${h#*:}/bin/$CONFIG/net10.0"; dst="$tmp/${h%%:*}"
    [[ -d "$src" ]] || die "release: $src is missing (build first)"
    mkdir -p "$dst"
    cp -a "$src/." "$dst/"
    # Native libraries for other platforms are never loaded here.
    if [[ -d "$dst/runtimes" ]]; then
      find "$dst/runtimes" -mindepth 1 -maxdepth 1 -type d ! -name 'linux-x64' ! -name 'linux' ! -name 'unix' -exec rm -rf {} +
    fi
    find "$dst" -name '*.pdb' -delete
  done
  newest="$(ls -1t "$RELEASES" 2>/dev/null | grep -v '^\.' | grep -v '^state' | head -n1 || true)"
  { printf '{\n  "version": "%s",\n  "commit": "%s",\n  "dirty": %s,\n  "created": "%s",\n  "fingerprint": "%s",\n' \
      "$v" "$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" "$([[ -n $dirty ]] && echo true || echo false)" "$(date -u +%FT%TZ)" "$fp"
    printf '  "migrations": [%s]\n}\n' "$(ls "$ROOT/stream/Ms5.Postgres/Migrations" | sed 's/\.sql$//' | sed 's/.*/"&"/' | paste -sd, -)"
  } > "$tmp/release.json"
  # Identical files share their storage with the previous release (read-only, so a link is as good as a copy).
  if command -v hardlink >/dev/null; then
    hardlink -q "$tmp" ${newest:+"$RELEASES/$newest"} >/dev/null 2>&1 || true
  fi
  chmod -R a-w "$tmp"
  chmod u+w "$tmp"
  mv "$tmp" "$RELEASES/$v"
  chmod u-w "$RELEASES/$v"
  say "release $v made ($(du -sh --apparent-size "$RELEASES/$v" | cut -f1) of files, $(du -sh "$RELEASES/$v" | cut -f1) new on disk)" >&2
  echo "$v"
}

# Releases in use: the serving one, the previous one (rollback target) and any a running process was started from.
releases_in_use() {
  local f
  state_get active; state_get previous
  for f in "$RUN_DIR"/*.pid; do [[ -f "$f" ]] && sed -n 2p "$f" | sed -n "s#^$RELEASES/\([^/]*\)/.*#\1#p"; done
}

# Keeps the newest RELEASE_KEEP releases and every release in use.
releases_prune() {
  local keep used v n=0
  used="$(releases_in_use | sort -u)"
  for v in $(ls -1t "$RELEASES" 2>/dev/null); do
    [[ -f "$RELEASES/$v/release.json" ]] || continue
    n=$((n + 1))
    ((n > RELEASE_KEEP)) || continue
    grep -qxF "$v" <<<"$used" && continue
    chmod -R u+w "$RELEASES/$v" && rm -rf "$RELEASES/$v" && say "release $v removed (keeping the newest $RELEASE_KEEP)"
  done
  rm -rf "$RELEASES"/.making-* 2>/dev/null || true
}

# ------------------------------------------------------------------ processes of a release
# Pid files hold the pid and the dll it runs: proc_pid in ./ms5 accepts a pid only while it still runs that dll.
# NAME is a plain process (devbroker, simulator, proxy) or PROC@SLOT.
pidfile_name() { echo "$RUN_DIR/${1/@/-}.pid"; }

# Starts NAME from release VERSION with extra environment (NAME=value words before --) and arguments.
release_start() { # name version [env...] -- [args...]
  local name="$1" version="$2" host
  shift 2
  host="${name%@*}"; [[ $host == stream ]] && host=historian; [[ $host == simulator ]] && host=ingest
  MS5_RELEASE="$version" dll_start "$name" "$(release_host_dll "$version" "$host")" "$@"
}

# The servers every MS5 process of this stack talks to, as NAME=value words: the local ones (at MS5_PORT_OFFSET) unless
# MS5_* names external ones. Given to each process explicitly: the hosts' built-in defaults are the usual ports.
stack_env() {
  echo "MS5_PG=$(url_of postgres)"
  echo "MS5_INFLUX_URL=$(url_of influxdb)"
  echo "MS5_PROMETHEUS_URL=$(url_of prometheus)"
  echo "MS5_ALERTMANAGER_URL=$(url_of alertmanager)"
}

# Runs a command with stack_env in its environment (e.g. migrate).
with_stack_env() {
  local base=()
  mapfile -t base < <(stack_env)
  env "${base[@]}" "$@"
}

# Starts NAME running DLL, detached, logging to $LOG_DIR/NAME.log; the pid file names the pid and the dll.
dll_start() { # name dll [env...] -- [args...]
  local name="$1" dll="$2" env=() base=() log
  shift 2
  while (($#)) && [[ "$1" != -- ]]; do env+=("$1"); shift; done
  [[ "${1:-}" == -- ]] && shift
  [[ -f "$dll" ]] || die "$name: $dll is missing"
  log="$LOG_DIR/${name/@/-}.log"
  printf '\n===== %s starting %s (%s) =====\n' "$(date -Is)" "$name" "${MS5_RELEASE:-$dll}" >> "$log"
  (
    # In its own folder: a release's files (appsettings*.json among them) are the ones it runs with.
    cd "$(dirname "$dll")" || exit 1
    mapfile -t base < <(stack_env)
    # exec'd directly (not through a function), so $! is the process itself.
    env "${base[@]}" "${env[@]}" MS5_RELEASE="${MS5_RELEASE:-}" setsid dotnet "$dll" "$@" < /dev/null >> "$log" 2>&1 9>&- &
    printf '%s\n%s\n' "$!" "$dll" > "$(pidfile_name "$name")"
  )
  current_bootstrap > "$RUN_DIR/${name/@/-}.kafka"
}

# The environment of a slotted process: its ports, and for the API that the proxy in front of it is trusted.
slot_env() { # proc slot
  case "$1" in
    stream | oee) echo "Stream__MetricsPort=$(slot_port "$2" "$1")" ;;
    reports) echo "Reports__MetricsPort=$(slot_port "$2" reports)" ;;
    api) echo "MS5_API_URL=$(slot_url "$2" api)"; echo "Ms5__Auth__TrustedProxies=127.0.0.1" ;;
  esac
}

slot_health_url() { echo "$(slot_url "$1" "$2")/healthz"; }

# Starts the slot's processes from VERSION (those that do not already run it).
slot_start() { # slot version
  local slot="$1" version="$2" p env
  for p in $(slot_procs); do
    if proc_pid "$p@$slot" > /dev/null; then
      if [[ "$(sed -n 2p "$(pidfile_name "$p@$slot")")" == "$RELEASES/$version/"* \
            && "$(cat "$RUN_DIR/$p-$slot.kafka" 2>/dev/null)" == "$(current_bootstrap)" ]]; then
        continue
      fi
      proc_stop "$p@$slot"
    fi
    mapfile -t env < <(slot_env "$p" "$slot")
    release_start "$p@$slot" "$version" "${env[@]}" --
    [[ ! -v RESTARTED ]] || RESTARTED+=("$p@$slot")
  done
}

# The slotted processes this stack runs (the reports host only while reports or ML are on: it also trains the models).
slot_procs() {
  local p
  for p in "${SLOTTED_PROCS[@]}"; do
    [[ $p == reports ]] && reports_host_off && continue
    echo "$p"
  done
}

# Waits until each of the slot's processes answers /readyz (the API: ready means its dependencies answer).
slot_wait_ready() { # slot timeout-seconds; prints the reason and fails when one is not ready in time
  local slot="$1" deadline=$((SECONDS + $2)) p pid url body
  for p in $(slot_procs); do
    url="$(slot_url "$slot" "$p")/readyz"
    until [[ "$(http_code "$url")" == 200 ]]; do
      pid="$(head -n1 "$(pidfile_name "$p@$slot")" 2>/dev/null || true)"
      if [[ -z "$pid" ]] || process_gone "$pid"; then
        echo "$p@$slot exited during start-up: $(start_failure "$LOG_DIR/$p-$slot.log")"
        return 1
      fi
      if ((SECONDS >= deadline)); then
        body="$(curl -s -m 3 "$url" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
        echo "$p@$slot not ready after $2 s ($url: ${body:-no answer})"
        return 1
      fi
      sleep 0.3
    done
  done
}

# Why a process stopped during start-up: the first "Unhandled exception" line (or else the last line) of its log since
# its last start.
start_failure() { # log
  local run
  run="$(tac "$1" 2>/dev/null | sed '/^===== .* starting /q' | tac)"
  { grep -m1 -E '^Unhandled exception\.' <<<"$run" || grep -m1 -E '"LogLevel":"(Error|Critical)"' <<<"$run" || tail -n 1 <<<"$run"; } \
    | sed 's/^Unhandled exception\. //' | cut -c1-400
}

slot_stop() { # slot: the API first (the proxy no longer sends it anything), then the consumers
  local p
  for p in api reports oee stream; do proc_stop "$p@$1"; done
}

# ------------------------------------------------------------------ the proxy
proxy_token() {
  [[ -s "$PROXY_TOKEN_FILE" ]] || (umask 077; mkdir -p "$(dirname "$PROXY_TOKEN_FILE")"; random_b64url > "$PROXY_TOKEN_FILE")
  head -n1 "$PROXY_TOKEN_FILE"
}

proxy_call() { # METHOD PATH [JSON]: prints the body; fails on a non-2xx answer (body on stderr)
  local out code
  out="$(mktemp)"
  code="$(curl -s -o "$out" -w '%{http_code}' -m 30 -X "$1" -H @<(printf 'X-Proxy-Token: %s\n' "$(proxy_token)") \
    ${3:+-H 'Content-Type: application/json' --data-binary "$3"} "$PROXY_ADMIN_URL$2")" || code=000
  if [[ "$code" != 2* ]]; then cat "$out" >&2; rm -f "$out"; echo "HTTP $code" >&2; return 1; fi
  cat "$out"; rm -f "$out"
}

# Starts the proxy (from VERSION) when it does not run; it serves the given slot until told otherwise.
proxy_ensure() { # version slot
  local pid
  if pid="$(proc_pid proxy)"; then return 0; fi
  proxy_token > /dev/null
  release_start proxy "$1" -- \
    "--Proxy:PublicUrl=$API_URL" "--Proxy:AdminUrl=$PROXY_ADMIN_URL" "--Proxy:StateFile=$RUN_DIR/proxy.json" \
    "--Proxy:AdminTokenFile=$PROXY_TOKEN_FILE" "--Proxy:Upstream=$(slot_url "$2" api)" "--Proxy:Slot=$2" "--Proxy:Release=$1"
  RESTARTED+=(proxy)
  local deadline=$((SECONDS + 60))
  until [[ "$(http_code "$PROXY_ADMIN_URL/healthz")" == 200 ]]; do
    pid="$(head -n1 "$(pidfile_name proxy)" 2>/dev/null || true)"
    if [[ -z "$pid" ]] || process_gone "$pid"; then log_tail proxy; die "proxy exited during startup (log: $LOG_DIR/proxy.log)"; fi
    ((SECONDS < deadline)) || { log_tail proxy; die "proxy not healthy after 60s (log: $LOG_DIR/proxy.log)"; }
    sleep 0.2
  done
}

# After the switch, /readyz through the proxy must answer 200 within TIMEOUT seconds. One answer is not enough to give
# up on: on a loaded machine a dependency check may take longer than one request's patience (a fresh-clone CI run
# saw one such answer roll back a good release). Prints the last answer when it never became 200.
proxy_wait_ready() { # timeout-seconds
  local deadline=$((SECONDS + $1)) code body
  while :; do
    # -m 8: longer than one dependency check may take (HostDefaults.CheckTimeout, 5 s).
    body="$(curl -s -m 8 -w '\n%{http_code}' "$API_URL/readyz" 2>/dev/null || true)"
    code="${body##*$'\n'}"
    [[ "$code" == 200 ]] && return 0
    if ((SECONDS >= deadline)); then
      body="$(tr '\n' ' ' <<<"${body%$'\n'*}" | cut -c1-300)"
      [[ -n "${body// /}" ]] || body="no body"
      echo "$API_URL/readyz is not 200 through the proxy $1 s after the switch (last answer: ${code:-none}, $body)"
      return 1
    fi
    sleep 0.5
  done
}

proxy_switch() { # slot version
  proxy_call POST /proxy/switch "{\"slot\":\"$1\",\"url\":\"$(slot_url "$1" api)\",\"release\":\"$2\"}" > /dev/null
}

# Waits until the proxy has no request in flight to URL (WebSockets excluded: they are closed when it stops).
proxy_drain() { # url timeout-seconds
  local deadline=$((SECONDS + $2)) state n
  while ((SECONDS < deadline)); do
    state="$(proxy_call GET /proxy/state 2>/dev/null)" || { sleep 0.2; continue; }
    # inFlight counts open WebSockets too; they close (1001) when the old API stops, and the board reconnects.
    n="$(jq -r --arg u "$1" '[.upstreams[] | select(.url == $u) | .inFlight - .webSockets] | add // 0' <<<"$state" 2>/dev/null || echo 0)"
    [[ "$n" == 0 ]] && return 0
    sleep 0.2
  done
  warn "the old API still had requests in flight after $2 s; stopping it anyway (they get its answer or a closed connection)"
}

# Prometheus follows the slot that serves (file service discovery, see prom_config in services.sh), and so do the logs'
# short names: .ms5/logs/api.log is a link to the serving slot's api-blue.log or api-green.log.
write_prom_targets() { # slot
  local dir="$MS5_HOME/prometheus-config/targets" slot="$1" p
  for p in "${SLOTTED_PROCS[@]}"; do
    # A plain file of the same name (written before releases) makes way for the link once.
    [[ -L "$LOG_DIR/$p.log" || ! -e "$LOG_DIR/$p.log" ]] || mv -f "$LOG_DIR/$p.log" "$LOG_DIR/$p-before-releases.log"
    ln -sfn "$p-$slot.log" "$LOG_DIR/$p.log"
  done
  mkdir -p "$dir"
  {
    echo '['
    printf '  {"targets": ["%s"], "labels": {"service": "api"}},\n' "${API_URL#*://}"
    printf '  {"targets": ["127.0.0.1:%s"], "labels": {"service": "stream", "slot": "%s"}},\n' "$(slot_port "$slot" stream)" "$slot"
    printf '  {"targets": ["127.0.0.1:%s"], "labels": {"service": "oee", "slot": "%s"}},\n' "$(slot_port "$slot" oee)" "$slot"
    reports_host_off || printf '  {"targets": ["127.0.0.1:%s"], "labels": {"service": "reports", "slot": "%s"}},\n' "$(slot_port "$slot" reports)" "$slot"
    # The simulator only while it runs (./ms5 up --no-simulator: no target that is down by design).
    ! proc_pid simulator > /dev/null || printf '  {"targets": ["127.0.0.1:%s"], "labels": {"service": "ingest"}},\n' "$(port 59465)"
    [[ -n "${MS5_KAFKA_BOOTSTRAP:-}" ]] || printf '  {"targets": ["127.0.0.1:%s"], "labels": {"service": "devbroker"}},\n' "$(port 59092)"
    printf '  {"targets": ["%s"], "labels": {"service": "proxy"}}\n' "${PROXY_ADMIN_URL#*://}"
    echo ']'
  } > "$dir/ms5.json.tmp"
  mv -f "$dir/ms5.json.tmp" "$dir/ms5.json"
}

# ------------------------------------------------------------------ migrations
# Applies the release's migrations. With --expand-only (a deploy beside a running release) a pending migration that
# would break the running release (drops, renames, type changes, new NOT NULL columns without default, ...) is refused
# before anything is applied; the historian's `migrate` names the file, line and statement.
release_migrate() { # version [migrate args...]
  local version="$1"; shift
  with_stack_env dotnet "$(release_host_dll "$version" historian)" migrate "$@"
}

# ------------------------------------------------------------------ deploy and rollback
DEPLOY_STEP=""
deploy_step() { DEPLOY_STEP="$1"; say "deploy: $1"; }

cmd_ms5_deploy() {
  local env_name="" release="" 
  while (($#)); do
    case "$1" in
      --env) [[ $# -ge 2 ]] || die "--env needs staging, production or a file"; env_name="$2"; shift 2 ;;
      --release) [[ $# -ge 2 ]] || die "--release needs a version (ls $RELEASES)"; release="$2"; shift 2 ;;
      *) die "unknown option '$1' (usage: ./ms5 deploy [--env E] [--release VERSION])" ;;
    esac
  done
  if [[ -n "$env_name" ]]; then
    # Loads the file (it wins over the caller's environment), validates every setting and, for production, checks
    # that it is safe (infra/local/envs.sh); lists every problem and stops before anything changes.
    env_check_for_deploy "$env_name"
    API_URL="${MS5_API_URL:-$API_URL}"; API_URL="${API_URL%/}"
  fi
  deploy_locked switch_to "$release" deploy
}

cmd_ms5_rollback() {
  (($# == 0)) || die "usage: ./ms5 rollback"
  local previous; previous="$(state_get previous)"
  [[ -n "$previous" ]] || die "rollback: there is no previous release (nothing was deployed after the first ./ms5 up)"
  [[ -f "$RELEASES/$previous/release.json" ]] || die "rollback: the previous release $previous is no longer in $RELEASES"
  deploy_locked switch_to "$previous" rollback
}

# One deploy or rollback at a time.
deploy_locked() {
  mkdir -p "$RUN_DIR"
  exec 9> "$RUN_DIR/deploy.lock"
  flock -n 9 || die "another deploy or rollback is running (lock: $RUN_DIR/deploy.lock)"
  "$@"
  local rc=$?
  exec 9>&-
  return "$rc"
}

# Switches the stack to release VERSION (made from the working tree when empty) without downtime; on any failure the
# new slot is stopped and the serving one keeps serving; exits non-zero with the reason.
switch_to() { # version mode(deploy|rollback)
  local version="$1" mode="$2" old_version old_slot new_slot start=$SECONDS reason
  old_version="$(current_release_id || true)"
  old_slot="$(active_slot)"
  [[ -n "$old_version" ]] && proxy_pid="$(proc_pid proxy)" && proc_pid "api@$old_slot" > /dev/null \
    || die "$mode: no release is serving here (./ms5 up first)"
  command -v jq > /dev/null || ensure_packages jq > /dev/null 2>&1 || die "$mode needs jq"
  if [[ -z "$version" ]]; then
    build
    version="$(release_make)"
  fi
  [[ -f "$RELEASES/$version/release.json" ]] || die "$mode: no release $version in $RELEASES"
  if [[ "$version" == "$old_version" ]]; then
    say "release $version already serves (slot $old_slot): nothing to $mode"
    return 0
  fi
  new_slot="$(other_slot "$old_slot")"
  say "$mode: $old_version (slot $old_slot) -> $version (slot $new_slot)"

  if [[ "$mode" == deploy ]]; then
    deploy_step "migrations (expand-only: the serving release keeps working on the new schema)"
    if ! reason="$(release_migrate "$version" --expand-only $(plant_args) 2>&1)"; then
      printf '%s\n' "$reason" >&2
      die "deploy refused at '$DEPLOY_STEP': nothing was started; release $old_version keeps serving"
    fi
    printf '%s\n' "$reason" | sed 's/^/  /'
  fi

  deploy_step "start $version in slot $new_slot"
  # Interrupted before the switch (Ctrl-C, SIGTERM): the new slot goes, the serving one stays.
  trap 'trap - INT TERM; deploy_abort "$new_slot" "$old_version" "$version" "interrupted"' INT TERM
  slot_stop "$new_slot"   # leftovers of an earlier failed attempt
  slot_start "$new_slot" "$version"
  if ! reason="$(slot_wait_ready "$new_slot" "${MS5_DEPLOY_READY_TIMEOUT:-120}")"; then
    deploy_abort "$new_slot" "$old_version" "$version" "$reason"
  fi
  deploy_step "smoke test against slot $new_slot: a synthetic event to the historian, the OEE API and the board feed"
  if ! reason="$(MS5_API_TOKEN="$(admin_token)" with_stack_env dotnet "$(release_host_dll "$version" ops)" smoke --url "$(slot_url "$new_slot" api)" 2>&1)"; then
    deploy_abort "$new_slot" "$old_version" "$version" "smoke test failed: $(tail -n 5 <<<"$reason" | tr '\n' ' ')"
  fi
  printf '%s\n' "$reason" | sed 's/^/  /'
  deploy_step "switch the proxy to slot $new_slot"
  if ! reason="$(proxy_switch "$new_slot" "$version" 2>&1)"; then
    deploy_abort "$new_slot" "$old_version" "$version" "the proxy refused the switch: $reason"
  fi
  # From here an interruption must switch the proxy back before the new slot stops.
  trap 'trap - INT TERM; proxy_switch "$old_slot" "$old_version" || warn "could not switch the proxy back to $old_slot"; deploy_abort "$new_slot" "$old_version" "$version" "interrupted"' INT TERM
  if ! reason="$(proxy_wait_ready "${MS5_DEPLOY_SWITCH_TIMEOUT:-30}")"; then
    proxy_switch "$old_slot" "$old_version" || warn "could not switch the proxy back to $old_slot"
    deploy_abort "$new_slot" "$old_version" "$version" "$reason"
  fi
  trap - INT TERM
  state_set "active=$version" "slot=$new_slot" "previous=$old_version"
  write_prom_targets "$new_slot"
  deploy_step "drain and stop $old_version (slot $old_slot)"
  proxy_drain "$(slot_url "$old_slot" api)" "${MS5_DEPLOY_DRAIN_TIMEOUT:-30}"
  slot_stop "$old_slot"
  releases_prune
  say "$mode done in $((SECONDS - start)) s: release $version serves at $API_URL (slot $new_slot); ./ms5 rollback returns to $old_version"
}

# A failed step: the new slot goes, the serving one stays; the reason and a non-zero exit.
deploy_abort() { # new-slot old-version new-version reason
  warn "$DEPLOY_STEP failed: $4"
  say "rolling back: stopping release $3 (slot $1); release $2 keeps serving"
  slot_stop "$1"
  die "deploy of $3 failed at '$DEPLOY_STEP': $4 — release $2 still serves at $API_URL"
}

# The plant file of the last ./ms5 up (deploy loads it the same way: only when it changed since it was loaded).
plant_args() {
  local f; f="$(cat "$MS5_HOME/plant.path" 2>/dev/null || true)"
  [[ -n "$f" && -f "$f" ]] && printf -- '--plant\n%s\n' "$f"
}
