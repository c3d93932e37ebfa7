# Environments (infra/env/staging.env, infra/env/production.env, or any FILE of the same format): sourced by ./ms5
# after infra/local/services.sh (say, warn, die, REPO_ROOT, MS5_HOME).
#
#   load_env NAME|FILE          parse, export, validate; dies listing every bad or missing setting
#   check_env_safe              production safety (real Kafka, TLS, 2FA for admins, no default secrets); lists every
#                               failure, returns 1 when there is one
#   env_check_for_deploy ENV    what `./ms5 deploy --env ENV` runs first: load_env, and for a production profile
#                               check_env_safe too; dies naming every problem
#
# The file is parsed, never sourced: a line is blank, a comment (# first), or NAME=value with NAME matching
# ^[A-Za-z_][A-Za-z0-9_]*$ (Ms5__Auth__X style names included); anything else stops with file:line. The value is the
# rest of the line, verbatim (no quotes, no expansion). The file wins: each NAME it lists is exported with its value,
# and an empty value unsets NAME (the setting's default applies). To change a value, use another file (--env FILE).

ENV_DIR="$REPO_ROOT/infra/env"

# The MS5_* names an environment file may set (a misspelt MS5_ name is refused): Ms5Settings.cs plus ./ms5's own.
ENV_MS5_NAMES=(MS5_PG MS5_KAFKA_BOOTSTRAP MS5_KAFKA_DEVBROKER_URL MS5_INFLUX_URL MS5_INFLUX_DB MS5_INFLUX_TOKEN_FILE
  MS5_ALERTMANAGER_URL MS5_PROMETHEUS_URL MS5_API_URL MS5_PROFILE MS5_AUTH_SIGNING_KEY_FILE MS5_ADMIN_PASSWORD_FILE
  MS5_ADMIN_APIKEY_FILE MS5_TLS_CERT_FILE MS5_TLS_KEY_FILE MS5_FEATURE_REPORTS MS5_FEATURE_ML MS5_FEATURE_EMAIL
  MS5_SIMULATOR MS5_SIMULATOR_BACKFILL MS5_SIMULATOR_BACKFILL_RATE)
# Present and non-empty in every environment file.
ENV_REQUIRED=(MS5_PROFILE MS5_PG MS5_INFLUX_URL MS5_INFLUX_DB MS5_API_URL MS5_FEATURE_REPORTS MS5_FEATURE_ML
  MS5_FEATURE_EMAIL Logging__LogLevel__Default)
# Also required (non-empty) with MS5_PROFILE=production.
ENV_REQUIRED_PRODUCTION=(MS5_KAFKA_BOOTSTRAP MS5_AUTH_SIGNING_KEY_FILE MS5_ADMIN_PASSWORD_FILE MS5_ADMIN_APIKEY_FILE
  MS5_TLS_CERT_FILE MS5_TLS_KEY_FILE)
# Secrets themselves: never in an environment file (their *_FILE form is).
ENV_SECRET_VALUES=(MS5_INFLUX_TOKEN MS5_API_TOKEN Ms5__Auth__SigningKey Reports__Smtp__Password Proxy__AdminToken)

ENV_FILE=""        # the file load_env read
ENV_LABEL=""       # its name in messages (staging.env)
ENV_NAMES=()       # the names it set, in file order

# The reports host makes the reports and trains the ML models: it is not run when both features are off.
reports_host_off() { [[ "${MS5_FEATURE_REPORTS:-true}" == false && "${MS5_FEATURE_ML:-true}" == false ]]; }

# Addresses of the local stack in an environment file (staging) mean "the local service ./ms5 runs": ./ms5's
# forget_local_addresses unsets them (when it is defined, i.e. inside ./ms5), so they are started, not taken as external.
env_local_addresses() { if declare -F forget_local_addresses > /dev/null; then forget_local_addresses; fi; }

# NAME|FILE → path: a bare name is infra/env/NAME.env.
env_file_of() {
  local spec="$1"
  if [[ "$spec" != */* && "$spec" != *.env ]]; then
    [[ -f "$ENV_DIR/$spec.env" ]] || die "no environment '$spec' (infra/env has: $(cd "$ENV_DIR" && ls -- *.env 2>/dev/null | sed 's/\.env$//' | tr '\n' ' '))"
    echo "$ENV_DIR/$spec.env"
  else
    [[ -f "$spec" ]] || die "environment file not found: $spec"
    [[ -r "$spec" ]] || die "environment file not readable: $spec"
    echo "$(cd "$(dirname "$spec")" && pwd -P)/$(basename "$spec")"
  fi
}

# Parses FILE and exports its settings (no validation). Dies on the first line that is not blank, a comment or NAME=value.
env_parse() {
  local file="$1" line name value n=0 known k
  ENV_FILE="$file"; ENV_LABEL="$(basename "$file")"; ENV_NAMES=()
  local -A seen=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    n=$((n + 1))
    [[ "$line" == *$'\r' ]] && die "$ENV_LABEL:$n: carriage return at the end of the line (save the file with Unix line ends)"
    [[ "$line" =~ ^[[:space:]]*$ || "$line" =~ ^[[:space:]]*# ]] && continue
    [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] \
      || die "$ENV_LABEL:$n: not a comment, blank, or NAME=value line: '${line:0:80}' (file $file)"
    name="${BASH_REMATCH[1]}"; value="${BASH_REMATCH[2]}"
    [[ -z "${seen[$name]:-}" ]] || die "$ENV_LABEL:$n: $name is set twice (first on line ${seen[$name]})"
    seen[$name]=$n
    if [[ "$name" == MS5_* ]]; then
      known=0
      # Secret names are known too, so that they are refused as secrets (env_problems), not as misspellings.
      for k in "${ENV_MS5_NAMES[@]}" "${ENV_SECRET_VALUES[@]}"; do [[ "$k" == "$name" ]] && known=1 && break; done
      ((known)) || die "$ENV_LABEL:$n: unknown setting $name (MS5_* settings: ${ENV_MS5_NAMES[*]})"
    fi
    ENV_NAMES+=("$name")
    if [[ -n "$value" ]]; then export "$name=$value"; else unset "$name"; fi
  done < "$file"
  export MS5_ENV="$ENV_LABEL"
}

# Each problem of the loaded settings on its own line (nothing when they are good).
env_problems() {
  local name v
  local -A listed=()
  for name in "${ENV_NAMES[@]}"; do listed[$name]=1; done
  for name in "${ENV_REQUIRED[@]}"; do
    if [[ -z "${listed[$name]:-}" ]]; then echo "$name: missing (required in every environment)"
    elif [[ -z "${!name:-}" ]]; then echo "$name: empty (required in every environment)"; fi
  done
  if [[ "${MS5_PROFILE:-}" == production ]]; then
    for name in "${ENV_REQUIRED_PRODUCTION[@]}"; do
      [[ -n "${!name:-}" ]] || echo "$name: missing (required with MS5_PROFILE=production)"
    done
  fi
  for name in "${ENV_SECRET_VALUES[@]}"; do
    [[ -z "${listed[$name]:-}" ]] || echo "$name: a secret value in an environment file; put it in a file and name that (${name}_FILE / …File)"
  done

  [[ -z "${MS5_PROFILE:-}" || "$MS5_PROFILE" =~ ^(development|production)$ ]] || echo "MS5_PROFILE: must be development or production, got '$MS5_PROFILE'"
  if [[ -n "${MS5_PG:-}" ]]; then
    [[ "$MS5_PG" =~ ^postgres(ql)?://[^/[:space:]]+/[A-Za-z0-9_.-]+(\?[^[:space:]]*)?$ ]] \
      || echo "MS5_PG: not a PostgreSQL URI (postgresql://user@host:port/database?sslmode=require)"
    [[ ! "$MS5_PG" =~ ^postgres(ql)?://[^@/]*:[^@/]*@ ]] || echo "MS5_PG: holds a password; use passfile=/path/to/pgpass in the URI instead"
  fi
  if [[ -n "${MS5_KAFKA_BOOTSTRAP:-}" ]]; then
    local hp='[][A-Za-z0-9_.:-]+:[0-9]{1,5}'
    [[ "$MS5_KAFKA_BOOTSTRAP" =~ ^$hp(,$hp)*$ ]] \
      || echo "MS5_KAFKA_BOOTSTRAP: must be host:port[,host:port...], got '$MS5_KAFKA_BOOTSTRAP'"
  fi
  for name in MS5_INFLUX_URL MS5_PROMETHEUS_URL MS5_ALERTMANAGER_URL MS5_API_URL MS5_KAFKA_DEVBROKER_URL Reports__PublicUrl; do
    v="${!name:-}"
    [[ -z "$v" || "$v" =~ ^https?://[A-Za-z0-9_.-]+(:[0-9]{1,5})?(/[^[:space:]]*)?$ || "$v" =~ ^https?://\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?(/[^[:space:]]*)?$ ]] \
      || echo "$name: not an http(s) URL, got '$v'"
  done
  [[ -z "${MS5_INFLUX_DB:-}" || "$MS5_INFLUX_DB" =~ ^[A-Za-z0-9_.-]+$ ]] || echo "MS5_INFLUX_DB: letters, digits, . _ - only, got '$MS5_INFLUX_DB'"
  for name in MS5_FEATURE_REPORTS MS5_FEATURE_ML MS5_FEATURE_EMAIL MS5_SIMULATOR; do
    v="${!name:-}"
    [[ -z "$v" || "$v" =~ ^(true|false)$ ]] || echo "$name: must be true or false, got '$v'"
  done
  env_int_in Ms5__Auth__PasswordMinLength 8 128
  env_int_in Ms5__Auth__LockoutAttempts 1 100
  env_int_in Reports__Smtp__Port 1 65535
  for name in LoginPerAddressPerMinute LoginPerUserPerMinute ApiPerIdentityPerSecond ApiBurst IngestPerKeyPerSecond; do
    env_int_in "Ms5__Auth__RateLimits__$name" 1 1000000
  done
  env_int_in MS5_SIMULATOR_BACKFILL_RATE 1 10000000
  for name in Ms5__Auth__LockoutDuration Ms5__Auth__AccessTokenLifetime Ms5__Auth__SessionLifetime Reports__Retention Reports__CatchUp; do
    v="${!name:-}"
    [[ -z "$v" || "$v" =~ ^([0-9]+\.)?[0-9]{1,2}:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,7})?)?$ ]] \
      || echo "$name: not a duration (d.hh:mm:ss, e.g. 00:15:00 or 180.00:00:00), got '$v'"
  done
  [[ -z "${MS5_SIMULATOR_BACKFILL:-}" || "$MS5_SIMULATOR_BACKFILL" =~ ^(0|[1-9][0-9]*[dh])$ ]] \
    || echo "MS5_SIMULATOR_BACKFILL: a span such as 7d or 36h (0: none), got '$MS5_SIMULATOR_BACKFILL'"
  [[ -z "${Reports__Smtp__Security:-}" || "$Reports__Smtp__Security" =~ ^(none|starttls|ssl|auto)$ ]] \
    || echo "Reports__Smtp__Security: none, starttls, ssl or auto, got '$Reports__Smtp__Security'"
  [[ -z "${Logging__LogLevel__Default:-}" || "$Logging__LogLevel__Default" =~ ^(Trace|Debug|Information|Warning|Error|Critical|None)$ ]] \
    || echo "Logging__LogLevel__Default: Trace, Debug, Information, Warning, Error, Critical or None, got '$Logging__LogLevel__Default'"
  # Files the settings name: they must exist and be readable by this account (the processes run as it).
  for name in "${ENV_NAMES[@]}"; do
    [[ "$name" == *_FILE || "$name" == *File ]] || continue
    v="${!name:-}"
    [[ -n "$v" ]] || continue
    if [[ ! -e "$v" ]]; then echo "$name: no file $v"
    elif [[ ! -f "$v" || ! -r "$v" ]]; then echo "$name: $v is not a readable file"; fi
  done
  if [[ "${MS5_PG:-}" =~ [?\&]passfile=([^\&]+) ]]; then
    v="${BASH_REMATCH[1]}"
    [[ -f "$v" && -r "$v" ]] || echo "MS5_PG: its passfile $v is not a readable file"
  fi
  [[ -z "${MS5_TLS_KEY_FILE:-}" || -n "${MS5_TLS_CERT_FILE:-}" ]] || echo "MS5_TLS_KEY_FILE: set without MS5_TLS_CERT_FILE"
  [[ -z "${MS5_TLS_CERT_FILE:-}" || -n "${MS5_TLS_KEY_FILE:-}" ]] || echo "MS5_TLS_CERT_FILE: set without MS5_TLS_KEY_FILE"
  return 0
}

env_int_in() { # NAME MIN MAX: prints a problem unless NAME is unset or an integer in [MIN, MAX]
  local v="${!1:-}"
  [[ -z "$v" ]] && return 0
  if [[ ! "$v" =~ ^[0-9]{1,9}$ ]] || ((10#$v < $2 || 10#$v > $3)); then echo "$1: must be an integer from $2 to $3, got '$v'"; fi
}

# Lists problems (prefixed with the file's name) on stderr and dies when there are any.
env_die_on() { # TITLE PROBLEMS
  [[ -z "$2" ]] && return 0
  printf '%s\n' "$2" | sed "s|^|[ms5] ERROR: $ENV_LABEL: |" >&2
  die "$ENV_LABEL ($ENV_FILE): $(printf '%s\n' "$2" | wc -l) $1; nothing was started"
}

load_env() {
  (($#)) || die "load_env: NAME (staging, production) or FILE"
  env_parse "$(env_file_of "$1")"
  env_die_on "bad or missing setting(s)" "$(env_problems)"
  env_local_addresses
  say "environment $ENV_LABEL loaded ($ENV_FILE, profile ${MS5_PROFILE:-development})"
}

# A secret file's problems: missing, empty, world-readable, or a value found in the repository.
env_secret_problems() { # NAME FILE MIN-LENGTH
  local name="$1" file="$2" min="$3" value mode
  if [[ -z "$file" ]]; then echo "$name: not set (a secret file is required in production)"; return; fi
  if [[ ! -f "$file" || ! -r "$file" ]]; then echo "$name: no readable file $file"; return; fi
  mode="$(stat -c %a "$file")"
  ((8#$mode & 8#004)) && echo "$name: $file is world-readable (mode $mode; chmod 600)"
  value="$(head -n1 "$file" | tr -d '\r')"
  if ((${#value} < min)); then echo "$name: $file holds ${#value} characters, fewer than $min"; return; fi
  if [[ "${value,,}" =~ ^(admin|administrator|password|passw0rd|changeme|change-me|secret|ms5|ms5admin|default|letmein|123456.*|qwerty.*)$ ]]; then
    echo "$name: $file holds a default value"; return
  fi
  # A value that is in the repository is public: a sample, a test fixture or a README example.
  if git -C "$REPO_ROOT" grep -q -F -e "$value" -- . 2>/dev/null; then
    echo "$name: $file holds a value that appears in the repository (a default or example secret)"
  fi
}

# Production safety of the loaded settings; prints each failure, returns 1 when there is one.
env_unsafe() {
  local v host
  # No dev broker: a real cluster, not an address the dev broker ever had on this machine, not loopback.
  if [[ -z "${MS5_KAFKA_BOOTSTRAP:-}" ]]; then
    echo "dev broker: MS5_KAFKA_BOOTSTRAP is empty, so ./ms5 would start the Kafka dev broker; name the plant's Kafka cluster"
  else
    local brokers
    IFS=, read -r -a brokers <<<"$MS5_KAFKA_BOOTSTRAP"
    for v in "${brokers[@]}"; do
      host="${v%:*}"
      if grep -qxF "$v" "$MS5_HOME/kafka.bootstrap.history" 2>/dev/null || [[ "$(cat "$MS5_HOME/kafka.bootstrap" 2>/dev/null)" == *"$v"* ]]; then
        echo "dev broker: MS5_KAFKA_BOOTSTRAP $v is the local Kafka dev broker's address"
      elif [[ "$host" =~ ^(localhost|127\.[0-9.]+|\[?::1\]?|0\.0\.0\.0)$ ]]; then
        echo "dev broker: MS5_KAFKA_BOOTSTRAP $v is a loopback address (the dev broker's kind), not a cluster"
      fi
    done
  fi
  # TLS on.
  [[ "${MS5_API_URL:-}" == https://* ]] || echo "TLS: MS5_API_URL must be https://..., got '${MS5_API_URL:-}'"
  for v in MS5_TLS_CERT_FILE MS5_TLS_KEY_FILE; do
    if [[ -z "${!v:-}" ]]; then echo "TLS: $v is not set"
    elif [[ ! -f "${!v}" || ! -r "${!v}" ]]; then echo "TLS: $v: no readable file ${!v}"; fi
  done
  if [[ -r "${MS5_TLS_CERT_FILE:-}" ]] && command -v openssl >/dev/null; then
    openssl x509 -noout -in "$MS5_TLS_CERT_FILE" 2>/dev/null || echo "TLS: MS5_TLS_CERT_FILE $MS5_TLS_CERT_FILE is not a PEM certificate"
    openssl x509 -noout -checkend 0 -in "$MS5_TLS_CERT_FILE" >/dev/null 2>&1 || echo "TLS: the certificate in $MS5_TLS_CERT_FILE has expired (or is unreadable)"
  fi
  if [[ -r "${MS5_TLS_KEY_FILE:-}" ]]; then
    v="$(stat -c %a "$MS5_TLS_KEY_FILE")"
    ((8#$v & 8#004)) && echo "TLS: MS5_TLS_KEY_FILE $MS5_TLS_KEY_FILE is world-readable (mode $v; chmod 600)"
  fi
  # 2FA for admins: the production profile makes every admin enrol TOTP before anything else.
  [[ "${MS5_PROFILE:-}" == production ]] || echo "2FA: MS5_PROFILE must be production (admins must enrol two-factor authentication), got '${MS5_PROFILE:-development}'"
  # No default secrets.
  env_secret_problems MS5_AUTH_SIGNING_KEY_FILE "${MS5_AUTH_SIGNING_KEY_FILE:-}" 32 | sed 's/^/secret: /'
  env_secret_problems MS5_ADMIN_PASSWORD_FILE "${MS5_ADMIN_PASSWORD_FILE:-}" "${Ms5__Auth__PasswordMinLength:-12}" | sed 's/^/secret: /'
  env_secret_problems MS5_ADMIN_APIKEY_FILE "${MS5_ADMIN_APIKEY_FILE:-}" 32 | sed 's/^/secret: /'
  for v in MS5_INFLUX_TOKEN_FILE Reports__Smtp__PasswordFile; do
    [[ -n "${!v:-}" ]] && env_secret_problems "$v" "${!v}" 8 | sed 's/^/secret: /'
  done
  if [[ "${MS5_PG:-}" =~ [?\&]passfile=([^\&]+) && -f "${BASH_REMATCH[1]}" ]]; then
    v="$(stat -c %a "${BASH_REMATCH[1]}")"
    ((8#$v & 8#077)) && echo "secret: MS5_PG passfile ${BASH_REMATCH[1]} is readable by others (mode $v; libpq needs 0600)"
  fi
  [[ "${MS5_SIMULATOR:-false}" == false ]] || echo "simulator: MS5_SIMULATOR must be false in production (simulated events would mix with real ones)"
  return 0
}

check_env_safe() {
  local problems
  problems="$(env_unsafe)"
  [[ -z "$problems" ]] && { say "$ENV_LABEL: production settings are safe"; return 0; }
  printf '%s\n' "$problems" | sed "s|^|[ms5] UNSAFE: $ENV_LABEL: |" >&2
  warn "$ENV_LABEL: $(printf '%s\n' "$problems" | wc -l) unsafe production setting(s)"
  return 1
}

# ./ms5 up --env E and ./ms5 deploy --env E: load E, and refuse a production profile (or the production file) that is
# not safe. Every problem, bad or unsafe, is listed before it dies; nothing has been started.
env_check_for_deploy() {
  (($#)) || die "env_check_for_deploy: NAME or FILE"
  local file problems
  file="$(env_file_of "$1")"
  env_parse "$file"
  problems="$(env_problems)"
  if [[ "${MS5_PROFILE:-}" == production || "$1" == production ]]; then
    local line path
    while IFS= read -r line; do
      [[ -n "$line" ]] || continue
      # A missing file is already named by the validation above.
      if [[ "$line" =~ no\ readable\ file\ (.*)$ ]]; then
        path="${BASH_REMATCH[1]}"
        [[ $'\n'"$problems" == *": no file $path"* ]] && continue
      fi
      problems+=$'\n'"unsafe: $line"
    done <<<"$(env_unsafe)"
    problems="$(printf '%s\n' "$problems" | sed '/^$/d')"
  fi
  env_die_on "bad, missing or unsafe setting(s)" "$problems"
  env_local_addresses
  say "environment $ENV_LABEL loaded ($ENV_FILE, profile ${MS5_PROFILE:-development})"
}
