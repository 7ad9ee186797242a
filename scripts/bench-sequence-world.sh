#!/usr/bin/env bash
# Does the default sequence model earn its place? (issue 15, point 3). On a population generated with SEED (decide
# it before looking, never tune on it), trains the logreg baseline and the default gru on the same store and prints
# the paired comparison (compare), the gap to the oracle, the calibration slope, the synth headroom, wall times and
# the load average. SCENARIO is v2 (default) or additive.
#
#   scripts/bench-sequence-world.sh PERSONS SEED [SCENARIO] [WORK]     e.g. scripts/bench-sequence-world.sh 100000 151
#
# Targets (v2): gru - logreg AUROC >= +0.02 with the 95% interval above 0 and AUPRC not worse; gap to the oracle
# <= 0.02 at 100,000 persons and <= 0.01 at 520,000; calibration slope 0.9-1.1. additive: gru - logreg >= -0.005.
# Extra train flags for the gru in GRU_ARGS (e.g. GRU_ARGS="--config cfg.json"). Uses the built CLI (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=${1:?persons}
SEED=${2:?seed}
SCENARIO=${3:-v2}
WORK=${4:-/tmp/servicepath-world}
DIST=${DIST:-dist}
GRU_ARGS=${GRU_ARGS:-}
sp() { node "$DIST/src/cli/main.js" "$@"; }
RUN="$WORK/$SCENARIO-$PERSONS-$SEED"
mkdir -p "$RUN"
stamp() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(stamp)" 'BEGIN { printf "%.0f", b - a }'; }

echo "== load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
T=$(stamp)
[ -d "$RUN/pop" ] || sp synth --persons "$PERSONS" --seed "$SEED" --scenario "$SCENARIO" --out "$RUN/pop" > "$RUN/synth.txt"
SYNTH_S=$(since "$T")
EXTRACTED=$(grep -o '"extractionDate": *"[0-9-]*"' "$RUN/pop/truth/effects.json" | head -n 1 | grep -o '[0-9]\{4\}-[0-9-]*')
T=$(stamp)
[ -d "$RUN/store" ] || sp ingest --input "$RUN/pop" --format canonical --out "$RUN/store" --demo-key --extraction-date "$EXTRACTED" > "$RUN/ingest.txt"
INGEST_S=$(since "$T")
T=$(stamp)
[ -d "$RUN/models/logreg" ] || sp train --store "$RUN/store" --task "$RUN/pop/task.json" --model logreg --out "$RUN/models" --name logreg \
  --truth "$RUN/pop" --demo-key --json > "$RUN/logreg.json" 2> "$RUN/logreg.err"
LOGREG_S=$(since "$T")
T=$(stamp)
# shellcheck disable=SC2086
[ -d "$RUN/models/gru" ] || sp train --store "$RUN/store" --task "$RUN/pop/task.json" --model gru --out "$RUN/models" --name gru \
  --truth "$RUN/pop" --demo-key --json $GRU_ARGS > "$RUN/gru.json" 2> "$RUN/gru.err"
GRU_S=$(since "$T")
sp compare --baseline "$RUN/models/logreg/1" --candidate "$RUN/models/gru/1" --store "$RUN/store" > "$RUN/compare.txt"
sp compare --baseline "$RUN/models/logreg/1" --candidate "$RUN/models/gru/1" --store "$RUN/store" --json > "$RUN/compare.json"

echo "== synth"
cat "$RUN/synth.txt"
echo "== paired comparison (candidate gru - baseline logreg, test split)"
cat "$RUN/compare.txt"
echo "== summary"
node -e '
const fs = require("fs");
const [run, persons, seed, scenario] = process.argv.slice(1);
const read = (f) => JSON.parse(fs.readFileSync(`${run}/${f}`, "utf8"));
const lr = read("logreg.json"), gru = read("gru.json"), cmp = read("compare.json");
const t = (r) => r.test ?? r.evaluation?.test ?? r;
const d = cmp.comparison?.difference ?? cmp.difference;
const f = (x) => (x === undefined || x === null ? "n/a" : Number(x).toFixed(4));
const diff = (k) => { const v = d?.[k]; return v ? `${f(v.estimate)} [${f(v.lower)}, ${f(v.upper)}]` : "n/a"; };
const g = t(gru), l = t(lr);
console.log(`scenario ${scenario}, persons ${persons}, seed ${seed}`);
console.log(`logreg test AUROC ${f(l.auroc)}, AUPRC ${f(l.auprc)}; gru test AUROC ${f(g.auroc)}, AUPRC ${f(g.auprc)}, calibration slope ${f(g.calibrationSlope)}`);
console.log(`oracle AUROC (test) ${f(g.oracleAuroc)}; gru gap to oracle ${f(g.oracleAuroc - g.auroc)}`);
console.log(`gru - logreg: AUROC ${diff("auroc")}; AUPRC ${diff("auprc")}; Brier ${diff("brier")}`);
' "$RUN" "$PERSONS" "$SEED" "$SCENARIO"
echo "walls (s): synth $SYNTH_S, ingest $INGEST_S, logreg $LOGREG_S, gru $GRU_S (0 = reused); load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files: $RUN"
