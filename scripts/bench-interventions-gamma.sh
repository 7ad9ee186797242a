#!/usr/bin/env bash
# Intervention estimates by the strength of time-varying confounding (issue 17, item 1, point 5). For each gamma (the v2
# scenario key `confounding.gamma`: services follow notifications and strain with that strength) generates a
# population with seed 7301 (fixed before any run, the same for every gamma; never tune on it), ingests it, trains a
# logreg with `adjustment: none` and one with `adjustment: treatment`, and prints one row per (gamma, bundle) from
# evaluate-interventions (docs/interventions.md, "How estimates are judged"). Prints figures, asserts nothing.
#
#   scripts/bench-interventions-gamma.sh [WORK]      (default WORK /tmp/servicepath-gamma)
#
# PERSONS per population (default 20000), LIMIT children evaluated, the first of the truth file (default 2000),
# GAMMAS (default "0 1 2 4"), STEP_TIMEOUT seconds per command (default 900). The evaluated children are those of
# the training population (about 70% of them in its training split), so the figures are in-sample for the model.
# Uses the built CLI: DIST (default dist, built here with npm run build; another folder is used as it is).
# About 2 minutes per gamma at 20,000 persons on 2 cores; existing populations, stores and bundles are reused.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${1:-/tmp/servicepath-gamma}
PERSONS=${PERSONS:-20000}
LIMIT=${LIMIT:-2000}
GAMMAS=${GAMMAS:-0 1 2 4}
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
SEED=7301
DIST=${DIST:-dist}
[ "$DIST" != dist ] || npm run build > /dev/null
sp() { timeout "$STEP_TIMEOUT" node "$DIST/src/cli/main.js" "$@"; }
stamp() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(stamp)" 'BEGIN { printf "%.0f", b - a }'; }
mkdir -p "$WORK"
echo '{"adjustment": "treatment"}' > "$WORK/treatment.json"
echo '{"adjustment": "none"}' > "$WORK/none.json"

echo "== seed $SEED, persons $PERSONS, evaluated children $LIMIT, gammas $GAMMAS; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for g in $GAMMAS; do
  RUN="$WORK/g$g-$PERSONS-$SEED"
  mkdir -p "$RUN"
  echo "{\"v2\": {\"confounding\": {\"gamma\": $g}}}" > "$RUN/scenario.json"
  T=$(stamp)
  [ -d "$RUN/pop" ] || sp synth --persons "$PERSONS" --seed "$SEED" --scenario "$RUN/scenario.json" --out "$RUN/pop" > "$RUN/synth.txt"
  EXTRACTED=$(grep -o '"extractionDate": *"[0-9-]*"' "$RUN/pop/truth/effects.json" | head -n 1 | grep -o '[0-9]\{4\}-[0-9-]*')
  [ -d "$RUN/store" ] || sp ingest --input "$RUN/pop" --format canonical --out "$RUN/store" --demo-key --extraction-date "$EXTRACTED" > "$RUN/ingest.txt"
  [ -d "$RUN/models/none" ] || sp train --store "$RUN/store" --task "$RUN/pop/task.json" --model logreg --out "$RUN/models" --name none \
    --demo-key --config "$WORK/none.json" --json > "$RUN/none.json" 2> "$RUN/none.err"
  [ -d "$RUN/models/treatment" ] || sp train --store "$RUN/store" --task "$RUN/pop/task.json" --model logreg --out "$RUN/models" \
    --name treatment --demo-key --config "$WORK/treatment.json" --json > "$RUN/treatment.json" 2> "$RUN/treatment.err"
  sp evaluate-interventions --bundle "$RUN/models/none/1" --bundle "$RUN/models/treatment/1" --truth "$RUN/pop/truth" \
    --limit "$LIMIT" --json > "$RUN/evaluate.json"
  echo "gamma $g: $(since "$T") s (0 = reused), load $(cut -d' ' -f1-3 /proc/loadavg)"
done

node -e '
const fs = require("fs");
const [work, persons, seed, gammas] = process.argv.slice(1);
const f = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d));
const ci = (x, i, d) => (i && i.lower !== null ? `${f(x, d)} [${f(i.lower, d)}, ${f(i.upper, d)}]` : f(x, d));
console.log("| gamma | adjustment | children | top-3 | top-1 [95% CI] | Spearman | sign err | regret [95% CI] | regret share [95% CI] | policy/oracle 1% | 5% | 10% | bias | coverage |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const g of gammas.split(" ").filter((x) => x !== "")) {
  const file = `${work}/g${g}-${persons}-${seed}/evaluate.json`;
  if (!fs.existsSync(file)) continue;
  for (const r of JSON.parse(fs.readFileSync(file, "utf8")).results) {
    const iv = r.intervals;
    const pol = r.policy.map((p, j) => `${ci(p.ratio, iv.policyRatio[j], 2)} (k ${p.k})`);
    console.log(`| ${g} | ${r.adjustment} | ${r.children} | ${f(r.top3HitRate)} | ${ci(r.top1Agreement, iv.top1Agreement, 3)} | ${f(r.meanSpearman)} | ${f(r.signErrorRate)} | ${ci(r.meanRegret, iv.meanRegret, 4)} | ${ci(r.meanRegretShare, iv.meanRegretShare, 2)} | ${pol.join(" | ")} | ${f(r.bias, 4)} | ${r.coverage.coverage === null ? "none" : f(r.coverage.coverage)} |`);
  }
}
' "$WORK" "$PERSONS" "$SEED" "$GAMMAS"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg); files: $WORK"
