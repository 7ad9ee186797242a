#!/usr/bin/env bash
# Espoo-scale training benchmark (issue 4): the default sequence model (gru, default config) on a generated
# population of PERSONS (default 520,000: ~240,000 examples). Target: the whole `servicepath train` run within
# 30 minutes on the 2-core reference machine with peak RSS under 4 GB (docs/training.md "Espoo-scale run").
#
#   scripts/bench-train-scale.sh [PERSONS] [WORK]        e.g. scripts/bench-train-scale.sh 100000 /tmp/scale
#
# Setup (not timed against the target): synth + ingest into WORK (reused when already there).
# Timed: `train --model gru` under /usr/bin/time -v, every stderr line stamped with seconds since start and
# the RSS sampled every 2 s, so each stage gets its wall time and its peak RSS. Extra train flags can be
# passed in TRAIN_ARGS (e.g. TRAIN_ARGS="--epochs 3" for a quick look; not the target's configuration).
# Uses the built CLI (npm run build); DIST=folder picks another build (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=${1:-520000}
WORK=${2:-/tmp/servicepath-scale}
SEED=${SEED:-5}
DIST=${DIST:-dist}
TRAIN_ARGS=${TRAIN_ARGS:-}
NODE_FLAGS=${NODE_FLAGS:-} # e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for a profile of the timed run
sp() { node "$DIST/src/cli/main.js" "$@"; }
POP="$WORK/pop-$PERSONS"
STORE="$WORK/store-$PERSONS"
RUN="$WORK/run-$PERSONS-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$WORK" "$RUN"

if [ ! -d "$POP" ]; then
  echo "== setup: synth $PERSONS persons (seed $SEED)"
  sp synth --persons "$PERSONS" --seed "$SEED" --out "$POP" > "$RUN/synth.txt"
fi
if [ ! -d "$STORE" ]; then
  EXTRACTED=$(grep -o "\"extractionDate\": *\"[0-9-]*\"" "$POP/truth/effects.json" | head -n 1 | grep -o "[0-9]\{4\}-[0-9-]*")
  echo "== setup: ingest (extraction date $EXTRACTED)"
  sp ingest --input "$POP" --format canonical --out "$STORE" --demo-key --extraction-date "$EXTRACTED" > "$RUN/ingest.txt"
fi

echo "== load before the timed run: $(uptime)"
echo "== train (timed): gru, default config ${TRAIN_ARGS:+($TRAIN_ARGS)}"
START=$(date +%s.%N)
# shellcheck disable=SC2086
/usr/bin/time -v -o "$RUN/time.txt" node $NODE_FLAGS "$DIST/src/cli/main.js" train --store "$STORE" --task "$POP/task.json" --model gru \
  --out "$RUN/models" --name scale --truth "$POP/truth" --demo-key $TRAIN_ARGS > "$RUN/result.txt" 2> "$RUN/stderr.raw" &
TIME_PID=$!
# Sample the trainer's RSS (the child of /usr/bin/time) and the machine's load every 2 s.
(
  while kill -0 "$TIME_PID" 2> /dev/null; do
    child=$(pgrep -P "$TIME_PID" | head -n 1 || true)
    if [ -n "$child" ] && [ -r "/proc/$child/status" ]; then
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status" 2> /dev/null || echo 0)
      printf '%s %s %s\n' "$(echo "$(date +%s.%N) - $START" | bc)" "${rss:-0}" "$(cut -d' ' -f1 /proc/loadavg)"
    fi
    sleep 2
  done
) > "$RUN/rss.txt" &
SAMPLER=$!
# Stamp every stderr line as it arrives (the CLI prints one line per stage and per epoch when not on a terminal).
tail -n +1 -F "$RUN/stderr.raw" 2> /dev/null | while IFS= read -r line; do
  printf '%8.1f %s\n' "$(echo "$(date +%s.%N) - $START" | bc)" "$line"
done > "$RUN/stages.txt" &
STAMPER=$!
set +e
wait "$TIME_PID"
STATUS=$?
set -e
wait "$SAMPLER" 2> /dev/null || true
sleep 1
kill "$STAMPER" 2> /dev/null || true
END=$(date +%s.%N)
printf '%8.1f %s\n' "$(echo "$END - $START" | bc)" "(process exit $STATUS)" >> "$RUN/stages.txt"

echo "== stages (seconds since start, the stage's wall time, peak RSS while it ran)"
awk 'NR == FNR { t[NR] = $1; r[NR] = $2; n = NR; next }
     { st[FNR] = $1; $1 = ""; line[FNR] = substr($0, 2); m = FNR }
     END {
       prev = 0
       for (i = 1; i <= m; i++) {
         peak = 0
         for (k = 1; k <= n; k++) if (t[k] >= prev && t[k] <= st[i] && r[k] > peak) peak = r[k]
         printf "%8.1f s  +%7.1f s  peak %6.0f MB  %s\n", st[i], st[i] - prev, peak / 1024, line[i]
         prev = st[i]
       }
     }' "$RUN/rss.txt" "$RUN/stages.txt"
echo "(a stage line is printed when the stage starts; '+' is the time since the previous line, i.e. the previous stage's work)"

echo "== result"
cat "$RUN/result.txt"
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$RUN/time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RUN/time.txt")
LOAD=$(awk '{ s += $3; n++ } END { if (n) printf "%.1f", s / n }' "$RUN/rss.txt")
EPOCHS=$(grep -c '^ *[0-9.]* epoch [0-9]*:' "$RUN/stages.txt" || true)
EXS=$(grep -o '[0-9]* ex/s' "$RUN/stages.txt" | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n }')
AUROC=$(grep -o 'Test AUROC [0-9.]*' "$RUN/result.txt" | awk '{print $3}')
ORACLE=$(grep -o 'oracle AUROC [0-9.]*' "$RUN/result.txt" | awk '{print $3}')
echo "== summary"
SEEN=$(grep -o '"examplesSeen":[0-9]*' "$RUN"/models/scale/*/training-log.jsonl 2> /dev/null | tail -n 1 | cut -d: -f2 || true)
echo "persons $PERSONS; wall $WALL; peak RSS $((RSS_KB / 1024)) MB; $EPOCHS evaluation rounds (= epochs unless an epoch is cut into rounds;" \
  "${SEEN:-n/a} training examples seen); mean $EXS training examples/s;" \
  "test AUROC ${AUROC:-n/a}; oracle ${ORACLE:-n/a}; gap $(awk -v a="${AUROC:-0}" -v o="${ORACLE:-0}" 'BEGIN { printf "%.3f", o - a }');" \
  "mean load during the run $LOAD (2 cores); exit $STATUS"
echo "files: $RUN (stages.txt, rss.txt, time.txt, result.txt)"
exit "$STATUS"
