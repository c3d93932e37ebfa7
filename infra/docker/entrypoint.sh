#!/bin/sh
# Dispatches to one MS5 program: historian | oee-engine | api | reports | proxy | ingest (see infra/docker/Dockerfile).
set -eu
program="${1:-api}"
shift || true
case "$program" in
  historian|stream) exec dotnet /app/historian/Ms5.Historian.dll "$@" ;;
  oee-engine) exec dotnet /app/oee-engine/Ms5.OeeEngine.dll "$@" ;;
  api) exec dotnet /app/api/Ms5.Api.dll "$@" ;;
  reports) exec dotnet /app/reports/Ms5.ReportsHost.dll "$@" ;;
  proxy) exec dotnet /app/proxy/Ms5.Proxy.dll "$@" ;;
  ingest) exec dotnet /app/ingest/Ms5.Ingest.dll "$@" ;;
  *) echo "unknown program '$program' (historian, oee-engine, api, reports, proxy, ingest)" >&2; exit 2 ;;
esac
