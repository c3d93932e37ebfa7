#!/usr/bin/env bash
# Runs every case of routes.txt against ../alertmanager.yml with amtool (Debian package prometheus-alertmanager).
# Usage: infra/alertmanager/tests/routes-test.sh     exit 1 when a case routes elsewhere.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
config="$here/../alertmanager.yml"
fail=0 n=0
while read -r receivers labels; do
  [[ -z "$receivers" || "$receivers" == \#* ]] && continue
  n=$((n + 1))
  # shellcheck disable=SC2086 # labels are whitespace-separated LABEL=VALUE words
  if ! got="$(amtool config routes test --config.file="$config" --verify.receivers="$receivers" $labels 2>/dev/null)"; then
    echo "FAIL: $labels -> $got (expected $receivers)"; fail=1
  fi
done < "$here/routes.txt"
echo "$n route cases, $([[ $fail == 0 ]] && echo all pass || echo FAILURES)"
exit "$fail"
