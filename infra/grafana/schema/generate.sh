#!/usr/bin/env bash
# Regenerates dashboard.schema.json (JSON Schema draft-07) from the TypeScript types of Grafana's dashboard JSON
# model (v1, the "classic" dashboard JSON that file provisioning reads) in the npm package @grafana/schema:
# dist/types/raw/dashboard/x/types.gen.d.ts, type Dashboard. The tests (GrafanaDashboardTests) validate every
# infra/grafana/dashboards/*.json against it. After bumping the version, also bump the dashboards' schemaVersion
# (defaultDashboard.schemaVersion in the same package, printed below), the Grafana image in
# infra/compose/compose.yaml, and VERSION.
set -euo pipefail
SCHEMA_VERSION_PKG=13.2.3          # @grafana/schema
GENERATOR_VERSION=2.10.0           # ts-json-schema-generator (brings its own TypeScript, 6.0.3 when generated;
                                   # asks for node >= 22, runs on node 20 with a warning)
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent \
  "@grafana/schema@$SCHEMA_VERSION_PKG" "ts-json-schema-generator@$GENERATOR_VERSION"
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "skipLibCheck": true, "target": "es2020", "module": "commonjs" } }
JSON
npx ts-json-schema-generator \
  --path node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts \
  --type Dashboard --tsconfig tsconfig.json --no-type-check \
  -o "$here/dashboard.schema.json"
echo "dashboard schemaVersion of @grafana/schema $SCHEMA_VERSION_PKG:"
grep -o 'schemaVersion: [0-9]*' node_modules/@grafana/schema/dist/esm/raw/dashboard/x/types.gen.mjs
