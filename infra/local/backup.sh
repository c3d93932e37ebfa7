# ./ms5 backup and ./ms5 restore DIR: sourced by ./ms5 (uses services.sh: url_of, is_external, cmd_up, say/warn/die;
# and ./ms5: proc_pid, MS5_PROCS, SECRETS, ROOT).
#
# A backup is a folder $MS5_HOME/backups/<UTC timestamp, e.g. 20261201T001500Z>/ holding
#   postgres.dump   pg_dump custom format of MS5's database (the local one or MS5_PG)
#   influxdb/       InfluxDB portable backup of MS5's database (influxd backup -portable, over InfluxDB's RPC port)
#   config/         the plants as stored (one JSON per plant), the env file in use, infra/prometheus and infra/alertmanager
#   secrets/        the local stack's $MS5_HOME/secrets (modes kept): the admin key and signing key match the database
#   release         the release running when the backup was made ("none" before releases)
#   manifest.json   format, when, where, git commit, release, PostgreSQL version and migration head, InfluxDB database,
#                   row counts (the same snapshot as the dump), InfluxDB point counts, every file with size and sha256
#   SHA256SUMS      sha256sum -c format, every file above
# It is written into a hidden temporary folder beside and renamed when complete: a folder with a timestamp name is
# always a whole backup.

BACKUP_FORMAT=1
# The main tables whose row counts the manifest holds and a restore must reproduce exactly (those that exist).
BACKUP_TABLES=(raw_events state_intervals oee_events oee_minute andons andon_transitions reports orders plants machines users api_keys audit_log)
INFLUX_LOCAL_RPC="127.0.0.1:58088"   # bind-address in influx_conf (services.sh)

backup_root() { echo "$MS5_HOME/backups"; }
influx_db() { echo "${MS5_INFLUX_DB:-ms5}"; }

# ------------------------------------------------------------------ PostgreSQL addresses
# The database MS5_PG names (libpq URI or key=value string); the local stack's is ms5.
pg_db_of() {
  local url="$1" db
  case "$url" in
    postgres://* | postgresql://*)
      db="${url#*://}"; db="${db%%\?*}"
      [[ "$db" == */* ]] && db="${db#*/}" || db=""
      db="$(printf '%b' "${db//%/\\x}")" ;;
    *) db="$(sed -n "s/.*\(^\|[[:space:]]\)dbname=\([^[:space:]]*\).*/\2/p" <<<"$url")"; db="${db//\'/}" ;;
  esac
  [[ -n "$db" ]] || die "the PostgreSQL address '$url' names no database (…/DBNAME or dbname=DBNAME)"
  echo "$db"
}

# The same server and credentials, another database (for DROP/CREATE DATABASE from the maintenance database).
pg_url_with_db() {
  local url="$1" db="$2" head rest query=""
  case "$url" in
    postgres://* | postgresql://*)
      head="${url%%://*}://"; rest="${url#*://}"
      [[ "$rest" == *\?* ]] && { query="?${rest#*\?}"; rest="${rest%%\?*}"; }
      echo "$head${rest%%/*}/$db$query" ;;
    *) echo "$url dbname=$db" ;;   # libpq: a later keyword wins
  esac
}

pg_q() { psql "$1" -XqtA -v ON_ERROR_STOP=1 "${@:2}"; }

# pg_dump / pg_restore must be at least the server's major version (an older client refuses or loses objects).
pg_check_client() {
  local tool="$1" url="$2" client server
  command -v "$tool" >/dev/null || die "$tool not found: install the PostgreSQL client (postgresql-client)"
  client="$("$tool" --version | sed -n 's/.* \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1.\2/p' | head -n1)"
  server="$(pg_q "$url" -c 'SHOW server_version' 2>&1)" || die "PostgreSQL at $(pg_safe "$url") does not answer: $server"
  server="${server%% *}"
  [[ -n "$client" && -n "$server" ]] || die "cannot tell the versions of $tool ('$client') and the server ('$server')"
  if ((${client%%.*} < ${server%%.*})); then
    die "$tool $client is older than the PostgreSQL server $server at $(pg_safe "$url"): install postgresql-client-${server%%.*} (or newer) and put it first on PATH"
  fi
  PG_SERVER_VERSION="$server"
}

# The address without a password (for messages and the manifest).
pg_safe() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#; s#(password=)[^[:space:]]*#\1***#' <<<"$1"; }

# ------------------------------------------------------------------ InfluxDB addresses
# host:port of InfluxDB's RPC service (influxd backup/restore): the local stack's, or MS5_INFLUX_BACKUP_HOST, or the
# external URL's host with InfluxDB's default RPC port 8088.
influx_rpc() {
  if [[ -n "${MS5_INFLUX_BACKUP_HOST:-}" ]]; then echo "$MS5_INFLUX_BACKUP_HOST"
  elif is_external influxdb; then
    local h="${MS5_INFLUX_URL#*://}"; h="${h%%/*}"; h="${h%:*}"; echo "$h:8088"
  else echo "$INFLUX_LOCAL_RPC"; fi
}

influx_check_rpc() {
  local rpc="$1" host port
  host="${rpc%:*}"; port="${rpc##*:}"
  [[ "$port" =~ ^[0-9]+$ ]] || die "InfluxDB RPC address '$rpc' is not HOST:PORT (MS5_INFLUX_BACKUP_HOST)"
  if ! timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
    if is_external influxdb || [[ -n "${MS5_INFLUX_BACKUP_HOST:-}" ]]; then
      die "InfluxDB's backup RPC does not answer at $rpc: set MS5_INFLUX_BACKUP_HOST to the bind-address (top of influxdb.conf, default port 8088) of the server at $(url_of influxdb)"
    fi
    die "InfluxDB's backup RPC does not answer at $rpc (MS5_INFLUX_BACKUP_HOST): is the local InfluxDB running with the current config? (./ms5 down influxdb && ./ms5 up)"
  fi
}

influx_query() { # QUERY [DB] -> JSON (fails with InfluxDB's error)
  local out
  out="$(curl -sS -m 60 -G "$(url_of influxdb)/query" ${2:+--data-urlencode "db=$2"} --data-urlencode "q=$1" 2>&1)" \
    || { echo "InfluxDB at $(url_of influxdb) does not answer: $out" >&2; return 1; }
  if [[ "$out" == *'"error"'* ]]; then echo "InfluxDB: $1: $out" >&2; return 1; fi
  printf '%s' "$out"
}

# {"measurement": points} of database DB (the largest field count per measurement).
influx_counts() {
  local out
  out="$(influx_query 'SELECT count(*) FROM /.*/' "$1")" || return 1
  jq -c '[.results[0].series // [] | .[] | {(.name): ([.values[0][1:][] | numbers] | max // 0)}] | add // {}' <<<"$out"
}

influx_has_db() {
  local out; out="$(influx_query 'SHOW DATABASES')" || return 2
  jq -e --arg db "$1" '[.results[0].series[0].values // [] | .[][0]] | index($db) != null' <<<"$out" >/dev/null
}

# Row counts of BACKUP_TABLES as "table|count" lines (tables that do not exist are left out).
counts_sql() {
  local t list=""
  for t in "${BACKUP_TABLES[@]}"; do list+="${list:+,}'$t'"; done
  echo "SELECT t || '|' || (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM ' || quote_ident(t), false, true, '')))[1]::text
        FROM unnest(ARRAY[$list]) AS t WHERE to_regclass(quote_ident(t)) IS NOT NULL ORDER BY t;"
}

counts_json() { jq -R -n '[inputs | select(length > 0) | split("|") | {(.[0]): (.[1] | tonumber)}] | add // {}'; }

# ------------------------------------------------------------------ steps
BACKUP_STEP=""
BACKUP_TMP=""
backup_step() { BACKUP_STEP="$1"; }
backup_fail() { die "backup failed at step '$BACKUP_STEP': $*"; }
backup_cleanup() {
  [[ -n "$BACKUP_TMP" && -d "$BACKUP_TMP" ]] && rm -rf "$BACKUP_TMP"
  [[ -n "${BACKUP_SNAP_PID:-}" ]] && kill "$BACKUP_SNAP_PID" 2>/dev/null
  return 0
}

# ------------------------------------------------------------------ ./ms5 backup
cmd_ms5_backup() {
  local keep="${MS5_BACKUP_KEEP:-7}"
  while (($#)); do
    case "$1" in
      --keep) [[ $# -ge 2 ]] || die "--keep needs a number"; keep="$2"; shift 2 ;;
      *) die "unknown option '$1' (usage: ./ms5 backup [--keep N])" ;;
    esac
  done
  [[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep (or MS5_BACKUP_KEEP) must be a whole number of backups, at least 1 (got '$keep')"
  command -v jq >/dev/null || ensure_packages jq
  command -v influxd >/dev/null || die "influxd not found: the InfluxDB package (influxdb) provides 'influxd backup'"

  local start=$SECONDS root pg db idb rpc ts dir
  root="$(backup_root)"; mkdir -p "$root"
  pg="$(url_of postgres)"; idb="$(influx_db)"; rpc="$(influx_rpc)"
  # A stopped local stack is backed up too: its PostgreSQL and InfluxDB are started (external servers are not touched).
  local s need=()
  for s in postgres influxdb; do is_external "$s" || healthy "$s" || need+=("$s"); done
  ((${#need[@]} == 0)) || { say "starting the local ${need[*]} for the backup"; cmd_up "${need[@]}"; }
  backup_step "check PostgreSQL"
  pg_check_client pg_dump "$pg"
  db="$(pg_q "$pg" -c 'SELECT current_database()')" || backup_fail "cannot read the database name at $(pg_safe "$pg")"
  backup_step "check InfluxDB"
  influx_has_db "$idb" || { [[ $? == 1 ]] && backup_fail "InfluxDB at $(url_of influxdb) has no database '$idb' (MS5_INFLUX_DB)"; backup_fail "InfluxDB at $(url_of influxdb) does not answer"; }
  influx_check_rpc "$rpc"

  ts="$(date -u +%Y%m%dT%H%M%SZ)"
  while [[ -e "$root/$ts" ]]; do sleep 1; ts="$(date -u +%Y%m%dT%H%M%SZ)"; done
  dir="$root/$ts"
  BACKUP_TMP="$root/.tmp-$ts-$$"
  trap backup_cleanup EXIT
  mkdir -p "$BACKUP_TMP"/{influxdb,config/plants}
  say "backup $ts: PostgreSQL $(pg_safe "$pg") (database $db), InfluxDB $(url_of influxdb) database $idb (RPC $rpc)"

  # One REPEATABLE READ snapshot for the dump and the row counts: the manifest's counts are exactly the dump's.
  backup_step "PostgreSQL snapshot"
  local snap_in="$BACKUP_TMP/.snap.in" snap_out="$BACKUP_TMP/.snap.out" snap counts head i
  mkfifo "$snap_in"; : > "$snap_out"   # appended to: truncated between the answers
  psql "$pg" -XqtA -v ON_ERROR_STOP=1 < "$snap_in" >> "$snap_out" 2> "$BACKUP_TMP/.snap.err" &
  BACKUP_SNAP_PID=$!
  exec 7> "$snap_in"
  trap '' PIPE   # psql may end on an error: a write then fails (and is reported) instead of killing ./ms5
  snap_send() { printf '%s\n' "$@" >&7 2>/dev/null || backup_fail "psql ended: $(cat "$BACKUP_TMP/.snap.err")"; }
  snap_wait() { # LINE: waits for it in psql's output
    for ((i = 0; i < 6000; i++)); do grep -qx -- "$1" "$snap_out" && return 0; process_gone "$BACKUP_SNAP_PID" && break; sleep 0.1; done
    backup_fail "psql: $(cat "$BACKUP_TMP/.snap.err")"
  }
  snap_send 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;' 'SELECT pg_export_snapshot();' "SELECT '#snap';"
  snap_wait '#snap'
  snap="$(head -n1 "$snap_out")"
  [[ "$snap" =~ ^[0-9A-F-]+$ ]] || backup_fail "could not export a snapshot: $(cat "$BACKUP_TMP/.snap.err")"

  backup_step "pg_dump"
  pg_dump -d "$pg" --format=custom --snapshot="$snap" --file="$BACKUP_TMP/postgres.dump" 2> "$BACKUP_TMP/.pg_dump.err" \
    || backup_fail "$(tail -n 5 "$BACKUP_TMP/.pg_dump.err")"
  backup_step "row counts"
  : > "$snap_out"
  snap_send "$(counts_sql)" "SELECT '#head|' || coalesce(max(version), '') FROM schema_migrations;"
  # The plants as stored (the dump holds them too; these are for people): config/plants/<plant_id>.json
  snap_send "\\copy (SELECT plant_id, config::text FROM plants ORDER BY plant_id) TO '$BACKUP_TMP/.plants.csv' WITH (FORMAT csv)"
  snap_send "SELECT '#end';"
  snap_wait '#end'
  snap_send 'COMMIT;' '\q'
  exec 7>&-
  wait "$BACKUP_SNAP_PID" || backup_fail "psql: $(cat "$BACKUP_TMP/.snap.err")"
  BACKUP_SNAP_PID=""
  trap - PIPE
  counts="$(grep -v '^#' "$snap_out" | counts_json)"
  head="$(sed -n 's/^#head|//p' "$snap_out")"

  # InfluxDB has no snapshot: its points are counted before and after the backup, and a restore must bring back a
  # number between the two (the same number when nothing was written meanwhile).
  backup_step "InfluxDB backup"
  local points_before points_after
  points_before="$(influx_counts "$idb")" || backup_fail "cannot count InfluxDB points of $idb"
  influxd backup -portable -db "$idb" -host "$rpc" "$BACKUP_TMP/influxdb" > "$BACKUP_TMP/.influx.log" 2>&1 \
    || backup_fail "influxd backup -portable -db $idb -host $rpc: $(tail -n 5 "$BACKUP_TMP/.influx.log")"
  points_after="$(influx_counts "$idb")" || backup_fail "cannot count InfluxDB points of $idb"

  backup_step "configuration"
  if [[ -s "$BACKUP_TMP/.plants.csv" ]]; then
    python3 - "$BACKUP_TMP/.plants.csv" "$BACKUP_TMP/config/plants" <<'PY' || backup_fail "cannot write the plant files"
import csv, json, sys, os
for plant_id, config in csv.reader(open(sys.argv[1], newline='', encoding='utf-8')):
    with open(os.path.join(sys.argv[2], plant_id + ".json"), "w", encoding="utf-8") as f:
        json.dump(json.loads(config), f, indent=2, ensure_ascii=False); f.write("\n")
PY
  fi
  local env_file=""
  if [[ -n "${MS5_ENV_FILE:-}" ]]; then env_file="$MS5_ENV_FILE"
  elif declare -F current_env_file >/dev/null; then env_file="$(current_env_file || true)"
  elif [[ -n "${MS5_ENV:-}" ]]; then env_file="$ROOT/infra/env/$MS5_ENV.env"; fi
  if [[ -n "$env_file" ]]; then
    [[ -f "$env_file" ]] || backup_fail "the env file in use ($env_file) does not exist"
    cp -p "$env_file" "$BACKUP_TMP/config/$(basename "$env_file")"
  fi
  cp -rp "$ROOT/infra/prometheus" "$BACKUP_TMP/config/prometheus"
  cp -rp "$ROOT/infra/alertmanager" "$BACKUP_TMP/config/alertmanager"

  backup_step "secrets"
  local has_secrets=false
  if [[ -d "$SECRETS" ]] && [[ -n "$(ls -A "$SECRETS" 2>/dev/null)" ]]; then
    cp -rp "$SECRETS" "$BACKUP_TMP/secrets"
    chmod 700 "$BACKUP_TMP/secrets"
    has_secrets=true
  fi

  backup_step "release"
  local release=none
  if declare -F current_release_id >/dev/null; then release="$(current_release_id 2>/dev/null || true)"; release="${release:-none}"; fi
  echo "$release" > "$BACKUP_TMP/release"

  backup_step "manifest"
  rm -f "$BACKUP_TMP"/.snap.* "$BACKUP_TMP"/.pg_dump.err "$BACKUP_TMP"/.plants.csv
  mv "$BACKUP_TMP/.influx.log" "$BACKUP_TMP/influxdb.log"
  local files commit
  commit="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1)" ]] || commit="$commit+dirty"
  files="$(cd "$BACKUP_TMP" && find . -type f ! -name manifest.json ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
    | while IFS= read -r f; do printf '%s\t%s\t%s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"; done \
    | jq -R -n '[inputs | split("\t") | {path: .[0], size: (.[1] | tonumber), sha256: .[2]}]')"
  jq -n --argjson format "$BACKUP_FORMAT" --arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg name "$ts" \
    --arg hostname "$(hostname)" --arg commit "$commit" --arg release "$release" \
    --arg pgServer "$PG_SERVER_VERSION" --arg pgDump "$(pg_dump --version)" --arg pgDatabase "$db" --arg pgAddress "$(pg_safe "$pg")" \
    --arg head "$head" --arg idb "$idb" --arg influxUrl "$(url_of influxdb)" --arg influxd "$(influxd version 2>/dev/null | head -n1)" \
    --argjson counts "$counts" --argjson before "$points_before" --argjson after "$points_after" --argjson secrets "$has_secrets" --argjson files "$files" \
    --arg envFile "${env_file:+config/$(basename "$env_file")}" '{
      format: $format, name: $name, created: $created, hostname: $hostname, ms5Commit: $commit, release: $release,
      postgres: {serverVersion: $pgServer, client: $pgDump, database: $pgDatabase, address: $pgAddress, migrationHead: $head,
                 dump: "postgres.dump", rowCounts: $counts},
      influxdb: {database: $idb, url: $influxUrl, server: $influxd, backup: "influxdb/",
                 pointCountsBefore: $before, pointCountsAfter: $after},
      config: {plants: "config/plants/", envFile: (if $envFile == "" then null else $envFile end),
               prometheus: "config/prometheus/", alertmanager: "config/alertmanager/"},
      secrets: (if $secrets then {path: "secrets/", note: "the local stack'"'"'s .ms5/secrets (admin password, admin API key, token signing key, Alertmanager key), modes 0600 in a 0700 folder: a restored stack needs them, else its admin key and signing key no longer match its database (API keys and sessions). Keep this backup as secret as the secrets."}
               else {path: null, note: "no local secrets (.ms5/secrets) when the backup was made: a restored stack makes new ones and the API keys stored in the database will not match them"} end),
      files: $files
    }' > "$BACKUP_TMP/manifest.json" || backup_fail "cannot write manifest.json"
  (cd "$BACKUP_TMP" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs -r -d '\n' sha256sum > SHA256SUMS) \
    || backup_fail "cannot write SHA256SUMS"

  backup_step "rename"
  mv "$BACKUP_TMP" "$dir" || backup_fail "cannot rename $BACKUP_TMP to $dir"
  BACKUP_TMP=""
  trap - EXIT

  say "backup complete: $dir ($(du -sh "$dir" | cut -f1), $((SECONDS - start))s)"
  printf '  %-16s %s\n' "postgres.dump" "$(du -h "$dir/postgres.dump" | cut -f1)  (database $db, migration $head)" \
    "influxdb/" "$(du -sh "$dir/influxdb" | cut -f1)  (database $idb)" \
    "config/" "$(du -sh "$dir/config" | cut -f1)" \
    "secrets/" "$($has_secrets && du -sh "$dir/secrets" | cut -f1 || echo none)" \
    "release" "$release"
  say "rows: $(jq -r 'to_entries | map("\(.key) \(.value)") | join(", ")' <<<"$counts")"
  backup_retention "$keep"
}

# Keeps the newest N complete backups (timestamp folders holding a manifest.json), deletes older ones.
backup_retention() {
  local keep="$1" root d n=0 pid
  root="$(backup_root)"
  # Hidden temporary folders of backups that died (their process is gone).
  for d in "$root"/.tmp-*; do
    [[ -d "$d" ]] || continue
    pid="${d##*-}"
    if [[ "$pid" =~ ^[0-9]+$ ]] && process_gone "$pid"; then rm -rf "$d"; say "removed the unfinished backup $(basename "$d")"; fi
  done
  while IFS= read -r d; do
    [[ -f "$root/$d/manifest.json" ]] || { warn "$root/$d has no manifest.json: not a complete backup, left alone"; continue; }
    n=$((n + 1))
    if ((n > keep)); then rm -rf "${root:?}/$d"; say "retention (keep $keep): deleted backup $d"; fi
  done < <(find "$root" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/[0-9]{8}T[0-9]{6}Z' -printf '%f\n' | LC_ALL=C sort -r)
  say "backups kept: $((n < keep ? n : keep)) of at most $keep in $root"
}

# ------------------------------------------------------------------ ./ms5 restore DIR
# Checks SHA256SUMS and the manifest; prints nothing but fails naming the first file that does not match.
backup_verify() {
  local dir="$1" bad out
  [[ -f "$dir/SHA256SUMS" ]] || die "$dir/SHA256SUMS is missing: not a complete MS5 backup"
  [[ -f "$dir/manifest.json" ]] || die "$dir/manifest.json is missing: not a complete MS5 backup"
  out="$(cd "$dir" && sha256sum --quiet -c SHA256SUMS 2>&1)" || {
    bad="$(sed -n 's/^\(.*\): FAILED.*/\1/p' <<<"$out" | head -n1)"
    die "restore refused: $dir/${bad:-?} does not match its checksum in SHA256SUMS (the backup is damaged)${bad:+}$([[ -z "$bad" ]] && printf ': %s' "$out")"
  }
  grep -q ' manifest.json$' "$dir/SHA256SUMS" || die "restore refused: SHA256SUMS does not cover manifest.json"
  local format
  format="$(jq -r '.format // empty' "$dir/manifest.json" 2>/dev/null)" || die "restore refused: $dir/manifest.json is not JSON"
  [[ "$format" == "$BACKUP_FORMAT" ]] || die "restore refused: $dir/manifest.json has format '${format:-none}'; this MS5 restores format $BACKUP_FORMAT only"
  # Every file the manifest lists is in SHA256SUMS with the same hash (and so on disk, checked above).
  bad="$(jq -r '.files[] | "\(.sha256)  \(.path)"' "$dir/manifest.json" | LC_ALL=C sort | comm -23 - <(LC_ALL=C sort "$dir/SHA256SUMS") | head -n1)"
  [[ -z "$bad" ]] || die "restore refused: manifest.json lists ${bad#*  } with a checksum SHA256SUMS does not have"
  jq -e '.postgres.rowCounts and .influxdb.database and .postgres.dump' "$dir/manifest.json" >/dev/null \
    || die "restore refused: $dir/manifest.json lacks postgres.rowCounts, postgres.dump or influxdb.database"
}

cmd_ms5_restore() {
  (($# == 1)) || die "usage: ./ms5 restore DIR   (a folder made by ./ms5 backup, e.g. $(backup_root)/20261201T001500Z)"
  local dir="$1" start=$SECONDS
  [[ -d "$dir" ]] || die "backup folder not found: $dir"
  dir="$(cd "$dir" && pwd -P)"
  command -v jq >/dev/null || ensure_packages jq
  command -v influxd >/dev/null || die "influxd not found: the InfluxDB package (influxdb) provides 'influxd restore'"

  say "verifying $dir ..."
  backup_verify "$dir"
  local m="$dir/manifest.json"

  # Nothing of MS5 may write while the databases are replaced (the dev broker may run: it holds no MS5 state).
  local p running=()
  local -a names=("${MS5_PROCS[@]}")
  declare -F release_proc_names >/dev/null && names+=($(release_proc_names))
  for p in "${names[@]}"; do
    [[ $p == devbroker ]] && continue
    proc_pid "$p" >/dev/null 2>&1 && running+=("$p (pid $(proc_pid "$p"))")
  done
  # Any other .NET process ./ms5 keeps a pid file for (a release's slot processes, e.g. api-green), except the dev broker.
  local pf pid argv
  for pf in "$RUN_DIR"/*.pid; do
    [[ -f "$pf" ]] || continue
    p="$(basename "$pf" .pid)"
    case " ${ALL_SERVICES[*]} devbroker ${names[*]} " in *" $p "*) continue ;; esac
    pid="$(head -n1 "$pf" 2>/dev/null)"
    [[ "$pid" =~ ^[0-9]+$ ]] && ! process_gone "$pid" || continue
    argv="$( { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null || true)"
    [[ "$argv" == *.dll* ]] && running+=("$p (pid $pid)")
  done
  ((${#running[@]} == 0)) || die "restore refused: MS5 processes run against this stack: ${running[*]} — stop them first: ./ms5 down"

  cmd_up postgres influxdb
  local pg db admin idb src_idb rpc
  pg="$(url_of postgres)"; db="$(pg_db_of "$pg")"; admin="$(pg_url_with_db "$pg" postgres)"
  idb="$(influx_db)"; src_idb="$(jq -r .influxdb.database "$m")"; rpc="$(influx_rpc)"
  pg_check_client pg_restore "$admin"
  influx_check_rpc "$rpc"
  say "restoring backup $(jq -r .name "$m") (made $(jq -r .created "$m") on $(jq -r .hostname "$m"), release $(jq -r .release "$m"), migration $(jq -r .postgres.migrationHead "$m"))"
  say "  into PostgreSQL $(pg_safe "$pg") (database $db, server $PG_SERVER_VERSION) and InfluxDB $(url_of influxdb) database $idb"

  # PostgreSQL: end every session on the database, drop it, create it empty, pg_restore.
  local ended
  ended="$(pg_q "$admin" -v db="$db" <<'SQL'
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
SQL
)" || die "restore: cannot reach the maintenance database at $(pg_safe "$admin")"
  ((ended == 0)) || say "  ended $ended session(s) on $db"
  PGOPTIONS='-c client_min_messages=warning' pg_q "$admin" -v db="$db" <<'SQL' || die "restore: cannot drop and create database $db"
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SELECT format('CREATE DATABASE %I', :'db') \gexec
SQL
  # The read-only role of migration 0007 is global (not in the dump): made where it is missing and may be made.
  pg_q "$pg" >/dev/null 2>&1 <<'SQL' || true
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ms5_reader') THEN CREATE ROLE ms5_reader LOGIN; END IF;
EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
SQL
  local log="$LOG_DIR/restore.log"
  mkdir -p "$LOG_DIR"
  printf '\n===== %s restore %s =====\n' "$(date -Is)" "$dir" >> "$log"
  local acl=()
  pg_q "$pg" -c "SELECT 1 FROM pg_roles WHERE rolname = 'ms5_reader'" | grep -q 1 || acl=(--no-acl)
  # Columns' compression methods (migration 0025 asks for lz4) are not restored: a server built without lz4 would
  # refuse them and stop the restore; the data itself is the same either way.
  pg_restore --help 2>/dev/null | grep -q -- --no-toast-compression && acl+=(--no-toast-compression)
  if ! pg_restore --exit-on-error --no-owner "${acl[@]}" -d "$pg" "$dir/postgres.dump" >> "$log" 2>&1; then
    tail -n 10 "$log" >&2
    die "restore: pg_restore of $dir/postgres.dump into $db failed (log: $log); the database is incomplete — run the restore again"
  fi
  say "  PostgreSQL: restored $db from postgres.dump"

  # InfluxDB 1.6: a portable restore creates the database (-newdb) and refuses an existing one: drop it first.
  influx_query "DROP DATABASE \"$idb\"" > /dev/null || die "restore: cannot drop InfluxDB database $idb"
  if ! influxd restore -portable -db "$src_idb" -newdb "$idb" -host "$rpc" "$dir/influxdb" >> "$log" 2>&1; then
    tail -n 10 "$log" >&2
    die "restore: influxd restore -portable -db $src_idb -newdb $idb -host $rpc failed (log: $log)"
  fi
  influx_has_db "$idb" || { influx_query "CREATE DATABASE \"$idb\"" > /dev/null || die "restore: cannot create InfluxDB database $idb"; }
  say "  InfluxDB: restored $idb from influxdb/ (backed up as $src_idb)"

  # The secrets belong with the database (admin key, signing key).
  if [[ -d "$dir/secrets" ]]; then
    rm -rf "$SECRETS.restoring"
    cp -rp "$dir/secrets" "$SECRETS.restoring"
    chmod 700 "$SECRETS.restoring"
    rm -rf "$SECRETS"; mv "$SECRETS.restoring" "$SECRETS"
    say "  secrets: $SECRETS ($(find "$SECRETS" -maxdepth 1 -type f -printf '%f ' ))"
  else
    warn "the backup holds no secrets: API keys stored in the database do not match this stack's $SECRETS"
  fi

  # The same rows and points as the manifest, or no success.
  local counts points diff
  counts="$(pg_q "$pg" -c "$(counts_sql)" | counts_json)" || die "restore: cannot count rows in $db"
  points="$(influx_counts "$idb")" || die "restore: cannot count InfluxDB points in $idb"
  diff="$(jq -r --argjson got "$counts" '.postgres.rowCounts | to_entries[] | select($got[.key] != .value) | "\n\(.key): backup \(.value), restored \($got[.key] // "missing")"' "$m")"
  diff+="$(jq -r --argjson got "$points" '.influxdb as $i | ($i.pointCountsBefore + $i.pointCountsAfter | keys[]) as $k
      | ($i.pointCountsBefore[$k] // 0) as $lo | ($i.pointCountsAfter[$k] // $lo) as $hi | ($got[$k] // 0) as $n
      | select($n < $lo or $n > $hi) | "\ninfluxdb \($k): backup \($lo)\(if $hi != $lo then "..\($hi)" else "" end) points, restored \($n)"' "$m")"
  say "  rows (restored = backup):"
  jq -r --argjson got "$counts" '.postgres.rowCounts | to_entries[] | "    \(.key | . + " " * (20 - length)) \($got[.key] // "missing") / \(.value)"' "$m"
  jq -r --argjson got "$points" '.influxdb.pointCountsBefore | to_entries[] | "    influxdb \(.key | . + " " * (16 - length)) \($got[.key] // "missing") / \(.value)"' "$m"
  [[ -z "$diff" ]] || die "restore: what was restored differs from the manifest:$diff"

  jq -n --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg from "$dir" --slurpfile man "$m" --arg db "$db" --arg idb "$idb" \
    --argjson counts "$counts" --argjson points "$points" '{
      restoredAt: $at, from: $from, backup: $man[0].name, backupCreated: $man[0].created, backupHostname: $man[0].hostname,
      release: $man[0].release, ms5Commit: $man[0].ms5Commit, migrationHead: $man[0].postgres.migrationHead,
      postgresDatabase: $db, influxDatabase: $idb, rowCounts: $counts, influxPointCounts: $points}' > "$MS5_HOME/restored.json"
  say "restore complete in $((SECONDS - start))s (recorded in $MS5_HOME/restored.json); start MS5 with: ./ms5 up"
  say "  the backup's configuration copies (env file, Prometheus, Alertmanager, plants) are in $dir/config/ for reference"
}
