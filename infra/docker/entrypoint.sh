#!/bin/sh
# Dispatches to one MS5 program: stream | api | ingest (see infra/docker/Dockerfile).
set -eu
program="${1:-api}"
shift || true
case "$program" in
  stream) exec dotnet /app/stream/Ms5.Stream.dll "$@" ;;
  api) exec dotnet /app/api/Ms5.Api.dll "$@" ;;
  ingest) exec dotnet /app/ingest/Ms5.Ingest.dll "$@" ;;
  *) echo "unknown program '$program' (stream, api, ingest)" >&2; exit 2 ;;
esac
