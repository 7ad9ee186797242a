#!/usr/bin/env bash
# Learning curve (issue 15, point 4): test AUROC of logreg and the default gru trained on 2,000, 5,000, 20,000 and
# all training children of one population. Validation and test stay the same at every size (split.maxTrainExamples
# drops whole families from the training split only), so the AUROCs are on the same test children.
#
#   scripts/bench-learning-curve.sh RUN_DIR          RUN_DIR from scripts/bench-sequence-world.sh (pop/, store/, models/)
#
# The "all" row reuses RUN_DIR/models/{logreg,gru} when they exist. Uses the built CLI (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?run dir}
DIST=${DIST:-dist}
SIZES=${SIZES:-2000 5000 20000}
sp() { node "$DIST/src/cli/main.js" "$@"; }
OUT="$RUN/curve"
mkdir -p "$OUT"
echo "== load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
  echo "{\"split\": {\"maxTrainExamples\": $n}}" > "$OUT/cap-$n.json"
  for model in logreg gru; do
    [ -d "$OUT/models/$model-$n" ] || sp train --store "$RUN/store" --task "$RUN/pop/task.json" --model "$model" --out "$OUT/models" \
      --name "$model-$n" --truth "$RUN/pop" --demo-key --config "$OUT/cap-$n.json" > "$OUT/$model-$n.txt" 2> "$OUT/$model-$n.err"
  done
done
node -e '
const fs = require("fs");
const [run, sizes] = process.argv.slice(1);
const row = (dir) => {
  if (!fs.existsSync(`${dir}/1/metrics.json`)) return null;
  const m = JSON.parse(fs.readFileSync(`${dir}/1/metrics.json`, "utf8"));
  const mf = JSON.parse(fs.readFileSync(`${dir}/1/manifest.json`, "utf8"));
  const a = m.test.overall.auroc;
  return { train: mf.splits.train.persons, positives: mf.splits.train.positives, text: `${a.estimate.toFixed(3)} [${a.lower.toFixed(3)}, ${a.upper.toFixed(3)}]`, oracle: m.test.oracle?.auroc?.estimate };
};
console.log("| training children (with the outcome) | logreg test AUROC [95% CI] | gru test AUROC [95% CI] | oracle |");
console.log("| --- | --- | --- | --- |");
for (const n of [...sizes.split(" "), "all"]) {
  const base = n === "all" ? `${run}/models` : `${run}/curve/models`;
  const lr = row(n === "all" ? `${base}/logreg` : `${base}/logreg-${n}`);
  const gru = row(n === "all" ? `${base}/gru` : `${base}/gru-${n}`);
  if (lr === null || gru === null) continue;
  console.log(`| ${lr.train} (${lr.positives}) | ${lr.text} | ${gru.text} | ${(lr.oracle ?? NaN).toFixed(3)} |`);
}
' "$RUN" "$SIZES"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
