#!/usr/bin/env bash
# The README's main job on the bundled synthetic sample: ingest -> profile -> train (baseline and default
# sequence model) -> model card -> serve with a one-time dev token. Re-running starts from a clean work folder.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${SERVICEPATH_DEMO_DIR:-.servicepath-demo}
MODEL=${SERVICEPATH_DEMO_MODEL:-gru}
PORT=${PORT:-8080}
sp() { node dist/src/cli/main.js "$@"; }

rm -rf "$WORK"
mkdir -p "$WORK"
# The sample was extracted on the generator's extraction date; giving it makes the store reproducible.
EXTRACTED=$(grep -o "\"extractionDate\": *\"[0-9-]*\"" data-samples/truth/effects.json | head -n 1 | grep -o "[0-9]\{4\}-[0-9-]*")

echo "== ingest (demo key: synthetic data only)"
sp ingest --input data-samples --format canonical --out "$WORK/store" --demo-key --extraction-date "$EXTRACTED"

echo "== profile"
sp profile --store "$WORK/store" --out "$WORK/profile" > "$WORK/profile.txt"; echo "profile tables in $WORK/profile/ (text: $WORK/profile.txt)"

echo "== train: logistic-regression baseline"
sp train --store "$WORK/store" --task data-samples/task.json --model logreg --out "$WORK/models" \
  --name child-welfare-logreg --truth data-samples/truth --demo-key

echo "== train: default sequence model ($MODEL)"
sp train --store "$WORK/store" --task data-samples/task.json --model "$MODEL" --out "$WORK/models" \
  --name child-welfare --truth data-samples/truth --demo-key

echo "== verify the bundle"
sp verify --bundle "$WORK/models/child-welfare/1"

echo "== audit key (MACs every audit entry, signs its checkpoints; docs/audit.md)"
sp keys audit --out "$WORK/keys"

# The demo's bundles are unsigned (no --signing-key): the service loads them only with --allow-unsigned, and the
# page and /v1/models show them as unsigned. Signing: docs/bundle-format.md, "Signature".
# Check the audit log after stopping: node dist/src/cli/main.js audit verify --log "$WORK/audit.jsonl" --key "$WORK/keys/audit.key"
echo "== serve (Ctrl-C to stop); the page is at http://127.0.0.1:$PORT/ and the API docs at /docs"
exec node --max-semi-space-size=32 --min-semi-space-size=32 dist/src/cli/main.js serve --models "$WORK/models" --port "$PORT" --host 127.0.0.1 --dev \
  --allow-unsigned --audit-log "$WORK/audit.jsonl" --audit-key "$WORK/keys/audit.key"
