#!/usr/bin/env bash
# Eunomia GiBleed (docs/gibleed.md): ingest the OMOP sample, train logreg and gru on the GI-bleed task and
# print test AUROC/AUPRC with bootstrap 95% intervals. Not part of the tests. Needs `npm run build` first.
# GRU_BACKEND=cpu GRU_EPOCHS=4 scripts/gibleed.sh   falls back to the cpu backend with few epochs.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${GIBLEED_DIR:-../shared/data/eunomia-gibleed-omop}
WORK=${GIBLEED_WORK:-tmp/gibleed}
TASK=data-samples/tasks/gibleed-gi-bleed.json
CATALOGUE=data-samples/tasks/gibleed-catalogue.json
sp() { node dist/src/cli/main.js "$@"; }

rm -rf "$WORK"
mkdir -p "$WORK"
echo "== ingest (2,649 orphan observation periods make 1.2 % of rows: --max-reject-rate 0.02, docs/importers.md)"
sp ingest --input "$DATA" --format omop --out "$WORK/store" --demo-key --max-reject-rate 0.02 --extraction-date 2020-01-01 | tail -n 6

gru_args=()
[[ -n "${GRU_BACKEND:-}" ]] && gru_args+=(--backend "$GRU_BACKEND")
[[ -n "${GRU_EPOCHS:-}" ]] && gru_args+=(--epochs "$GRU_EPOCHS")

for model in logreg gru; do
  echo "== train $model"
  extra=()
  [[ $model == gru ]] && extra=("${gru_args[@]}")
  sp train --store "$WORK/store" --task "$TASK" --catalogue "$CATALOGUE" --model "$model" --out "$WORK/models" \
    --name "gibleed-$model" --json "${extra[@]}" > "$WORK/$model.json"
done

echo "== test-split metrics (estimate [bootstrap 95% interval])"
node -e '
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const f = (x) => (x === null ? "n/a" : x.toFixed(3));
for (const model of ["logreg", "gru"]) {
  const run = JSON.parse(readFileSync(join(process.argv[1], `${model}.json`), "utf8"));
  const m = JSON.parse(readFileSync(join(run.bundle, "metrics.json"), "utf8")).test;
  const show = (k) => `${k} ${f(m.overall[k].estimate)} [${f(m.overall[k].lower)}, ${f(m.overall[k].upper)}]`;
  console.log(`${model.padEnd(7)} examples ${run.examples} (${run.positives} with the outcome, ${(100 * run.positives / run.examples).toFixed(1)} %); test n ${m.n}, positives ${m.positives}`);
  console.log(`        ${["auroc", "auprc", "brier", "calibrationSlope"].map(show).join("; ")}`);
}' "$WORK"
