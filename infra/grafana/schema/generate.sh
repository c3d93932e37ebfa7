#!/usr/bin/env bash
# Regenerates dashboard.schema.json (JSON Schema draft-07) from the TypeScript types of Grafana's dashboard JSON
# model (v1, the "classic" dashboard JSON that file provisioning reads) in the npm package @grafana/schema:
# dist/types/raw/dashboard/x/types.gen.d.ts, type Dashboard; and panels/*.schema.json from the panel plugins' types
# (raw/composable/<panel>/panelcfg/x/types.gen.d.ts, Options and FieldConfig). The tests (GrafanaDashboardTests) validate every
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
# The options and custom field config of the panel types the dashboards use (panels/<plugin id>.<part>.schema.json).
mkdir -p "$here/panels"
for pair in barchart:barchart bargauge:bargauge stat:stat state-timeline:statetimeline table:table text:text timeseries:timeseries; do
  id="${pair%%:*}" dir="${pair##*:}"
  types="node_modules/@grafana/schema/dist/types/raw/composable/$dir/panelcfg/x/types.gen.d.ts"
  for part in Options FieldConfig; do
    if grep -q "^export interface $part " "$types"; then
      npx ts-json-schema-generator --path "$types" --type "$part" --tsconfig tsconfig.json --no-type-check \
        -o "$here/panels/$id.$(echo "$part" | tr 'A-Z' 'a-z').schema.json"
    fi
  done
done
echo "dashboard schemaVersion of @grafana/schema $SCHEMA_VERSION_PKG:"
grep -o 'schemaVersion: [0-9]*' node_modules/@grafana/schema/dist/esm/raw/dashboard/x/types.gen.mjs
