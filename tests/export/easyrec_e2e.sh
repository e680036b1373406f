#!/usr/bin/env bash
# End-to-end: an EasyRec study (configs/easyrec-example.yaml, smaller) with the
# stand-in trainer that follows EasyRec's file protocol: the space comes from
# hyperparams.json (a linked a;b parameter), each trial gets hpo_param.json, metrics
# are read from the JSON lines of the metric file as it grows; garbage lines there
# are counted as malformed; `best --format easyrec` gives the best trial's hpo_param;
# jobs/export-to-warehouse.sh prints the SQL without odpscmd and runs `odpscmd -f`
# when one is on the PATH.
# Usage: easyrec_e2e.sh MPITUNE_BINARY SOURCE_DIR
set -u
binary=$1
source_dir=$2
python=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_easyrec_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "easyrec_e2e: FAIL: $*" >&2
  exit 1
}
cd "$tmp" || exit 1
mkdir configs
cp -r "$source_dir/configs/easyrec" configs/
sed -e "s|jobs/examples/easyrec_standin.py|$source_dir/jobs/examples/easyrec_standin.py|" -e "s|python3,|$python,|" \
  -e "s|max_trials: 12|max_trials: 6|" "$source_dir/configs/easyrec-example.yaml" >configs/easyrec.yaml
"$binary" run configs/easyrec.yaml --storage easyrec.h5 -q >run.out 2>&1 || { cat run.out; fail "the study failed"; }
grep -q "^trials: 6 (" run.out || fail "expected 6 trials: $(cat run.out)"
"$python" - <<'PY' || fail "the trial files do not follow EasyRec's protocol"
import json
param = json.load(open("easyrec-example.trials/0/hpo_param.json"))
assert list(param) == ["param"], param
p = param["param"]
assert "model_config.dnn.hidden_units[0]" in p and "model_config.dnn.hidden_units[1]" in p, p
assert isinstance(p["feature_config.features[:].embedding_dim"], int), p
lines = [json.loads(l) for l in open("easyrec-example.trials/0/hpo_metrics.json")]
assert lines and all({"auc", "loss", "global_step"} <= set(l) for l in lines), lines
PY
"$binary" status easyrec.h5 --json --history >status.json || fail "status"
"$binary" best easyrec.h5 --format easyrec >best.json || fail "best --format easyrec"
"$python" - <<'PY' || fail "status and best disagree, or no reports were read"
import json
status = json.load(open("status.json"))
assert status["reports"] >= 6, status["reports"]
assert status["metric_lines"]["malformed"] == 0, status["metric_lines"]
best = json.load(open("best.json"))["param"]
trial = status["best"]["trial"]
stored = json.load(open(f"easyrec-example.trials/{trial}/hpo_param.json"))["param"]
assert best == stored, (best, stored)
PY

# Garbage in the metric file: counted as malformed, the good lines still report.
cat >garbage.yaml <<YAML
study: {name: garbage, metric: auc, mode: max}
space: {x: {type: uniform, low: 0, high: 1}}
scheduler: {type: fifo, max_trials: 1, min_budget: 2, max_budget: 2}
trial:
  command: [/bin/sh, -c, 'printf "not json\n{\"auc\": 0.5}\n{\"auc\": 0.6, \"global_step\": 1}\n[1,2]\n{\"auc\": 0.7, \"global_step\": 2}" >"\$0"', "{metric_file}"]
  metric_file: {path: m.jsonl}
YAML
"$binary" run garbage.yaml --storage garbage.h5 -q >/dev/null 2>&1 || fail "the garbage study failed"
"$binary" status garbage.h5 --json >garbage.json || fail "status garbage"
"$python" - <<'PY' || fail "malformed metric file lines were not counted"
import json
status = json.load(open("garbage.json"))
assert status["metric_lines"]["malformed"] == 3, status["metric_lines"]
assert status["reports"] == 2, status["reports"]
assert status["best"]["value"] == 0.7, status["best"]
PY

# The export script: printed without odpscmd, run with one.
MPITUNE=$binary PATH=/usr/bin:/bin bash "$source_dir/jobs/export-to-warehouse.sh" maxcompute easyrec.h5 -- \
  --partition ds=20261127 >printed.sql 2>script.err || fail "export-to-warehouse: $(cat script.err)"
grep -q "no odpscmd on the PATH" script.err || fail "expected the no-odpscmd line: $(cat script.err)"
grep -q "^INSERT OVERWRITE TABLE \`hpo_trials\` PARTITION (ds='20261127')" printed.sql || fail "no trials INSERT printed"
mkdir bin
printf '#!/bin/sh\n[ "$1" = -f ] && cp "$2" %s/submitted.sql\n' "$tmp" >bin/odpscmd
chmod +x bin/odpscmd
MPITUNE=$binary PATH=$tmp/bin:/usr/bin:/bin bash "$source_dir/jobs/export-to-warehouse.sh" maxcompute easyrec.h5 -- \
  --partition ds=20261127 >/dev/null 2>&1 || fail "export-to-warehouse with odpscmd"
cmp -s printed.sql submitted.sql || fail "odpscmd -f was not given the script"
echo "easyrec_e2e: OK"
