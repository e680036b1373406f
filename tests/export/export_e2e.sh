#!/usr/bin/env bash
# End-to-end: `mpitune export` and `mpitune best` on real study files.
# Usage: export_e2e.sh MPITUNE_BINARY SOURCE_DIR
# (1) a study (hostile_study.sh) whose hyperparameter names and values are hostile (quotes, ';', '--',
#     newlines, tabs, emoji, a 10,000-character string), with failed trials and NaN
#     metrics, exported for SQLite and loaded twice into a real sqlite3 (Python's
#     module): the best trial is the one `mpitune best` names, with the same value and
#     parameters; the row counts are those `status --json` gives; no duplicates.
# (2) two studies into the same tables, several statements per table.
# (3) -o into a directory that does not exist: one line naming it, nothing written;
#     a bad --partition and an unknown dialect likewise.
# (4) golden files: the v1 study files of tests/data exported for MaxCompute and Hive
#     are byte for byte tests/export/golden/*.sql (MPITUNE_UPDATE_GOLDEN=1 rewrites them).
set -u
binary=$1
source_dir=$2
python=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_export_e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "export_e2e: FAIL: $*" >&2
  exit 1
}
cd "$tmp" || exit 1

source "$source_dir/tests/export/hostile_study.sh"
make_hostile_study "$binary" || fail "the hostile study did not run"
"$binary" run "$source_dir/configs/default.yaml" --storage branin.h5 -q >/dev/null 2>&1 || fail "the branin study did not run"

# (1)
"$binary" export hostile.h5 --dialect sqlite --partition ds=20261127 -o hostile.sql || fail "export sqlite"
"$binary" best hostile.h5 --format json >best.json || fail "best"
"$binary" status hostile.h5 --json --history >status.json || fail "status"
"$python" "$source_dir/tests/export/sqlite_dump.py" db1.sqlite hpo_ hostile.sql hostile.sql >dump.json ||
  fail "the SQLite script does not load"
"$python" - <<'PY' || fail "(1) the SQLite tables do not match the study"
import json, math
tables = json.load(open("dump.json"))
best = json.load(open("best.json"))
status = json.load(open("status.json"))
study = tables["studies"]
assert len(study) == 1, study
assert study[0]["best_trial"] == best["trial"] == status["best"]["trial"], (study[0]["best_trial"], best["trial"])
assert study[0]["best_value"] == best["value"]
trials = tables["trials"]
assert len(trials) == status["trials"] == len(status["history"]["trials"]), len(trials)
assert len(tables["reports"]) == status["reports"] == len(status["history"]["reports"])
assert len(tables["exploits"]) == 0
# Wall-clock times: the study was made just now; reports and trials fall inside it.
import datetime
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
def when(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
started = when(study[0]["started_at"])
assert now - datetime.timedelta(minutes=10) < started <= now, (started, now)
assert started <= when(study[0]["last_record_at"]) <= now
reported = [when(r["reported_at"]) for r in tables["reports"]]
assert reported == sorted(reported) and started <= reported[0] and reported[-1] <= now, "reported_at"
assert all(started <= when(t["start_time"]) <= now for t in trials), "start_time"
top = [t for t in trials if t["is_best"] == 1]
assert len(top) == 1 and top[0]["trial"] == best["trial"] and top[0]["position"] == 1
assert json.loads(top[0]["params"]) == best["params"], (top[0]["params"], best["params"])
name = "it's; -- a name 😀"
for t in trials:
    params = json.loads(t["params"])
    assert t["p_it_s_a_name"] == params[name], (t["p_it_s_a_name"], params[name])
    assert t["p_feature_config_features_embedding_dim"] == params["feature_config.features[:].embedding_dim"]
values = {json.loads(t["params"])[name] for t in trials}
assert "L" * 10000 in values and "x;y -- z\n\\t" in values, "the hostile values"
failed = [t for t in trials if json.loads(t["params"])["outcome"] == "fail"]
assert failed and all(t["state"] == "failed" and t["exit_code"] == 7 and t["value"] is None for t in failed), failed
nan = [t for t in trials if json.loads(t["params"])["outcome"] == "nan"]
assert nan and all(t["value"] is None and t["last_value"] is None for t in nan), nan
assert any(r["value"] is None for r in tables["reports"])
PY

# (2) two studies, small statements: still every row once.
"$binary" export hostile.h5 branin.h5 --dialect sqlite --partition ds=20261127 --max-statement-bytes 4096 \
  -o both.sql || fail "export two studies"
[[ $(grep -c '^INSERT INTO "hpo_reports" (' both.sql) -gt 2 ]] || fail "(2) expected several INSERTs for the reports"
"$python" "$source_dir/tests/export/sqlite_dump.py" db2.sqlite hpo_ both.sql hostile.sql both.sql >dump2.json ||
  fail "(2) the scripts do not load"
"$python" - <<'PY' || fail "(2) two studies in one table"
import json
tables = json.load(open("dump2.json"))
one = json.load(open("dump.json"))
assert sorted(s["study"] for s in tables["studies"]) == ["branin-asha", "hostile"], tables["studies"]
assert len([t for t in tables["trials"] if t["study"] == "hostile"]) == len(one["trials"])
assert len([t for t in tables["trials"] if t["study"] == "branin-asha"]) == 60
PY

# (3) errors: one line each, exit code non-zero, nothing left behind.
"$binary" export hostile.h5 --dialect hive -o "$tmp/missing/out.sql" 2>err.txt && fail "(3) wrote into a missing directory"
[[ $(wc -l <err.txt) -eq 1 ]] && grep -q "missing/out.sql" err.txt || fail "(3) $(cat err.txt)"
[[ -e missing ]] && fail "(3) created the missing directory"
"$binary" export hostile.h5 --dialect hive --partition ds=2026-11-27 2>err.txt && fail "(3) took a bad partition"
grep -q -- "--partition" err.txt || fail "(3) $(cat err.txt)"
"$binary" export hostile.h5 --dialect mysql 2>err.txt && fail "(3) took an unknown dialect"
grep -q "maxcompute, hive or sqlite" err.txt || fail "(3) $(cat err.txt)"
"$binary" export nothere.h5 --dialect hive 2>err.txt && fail "(3) exported a missing file"
grep -q "nothere.h5" err.txt || fail "(3) $(cat err.txt)"

# (4) golden files.
cp "$source_dir/tests/data/v1-sha.h5" "$source_dir/tests/data/v1-hyperband.h5" .
for dialect in maxcompute hive; do
  "$binary" export v1-sha.h5 v1-hyperband.h5 --dialect "$dialect" --partition ds=20261127 -o "$dialect.sql" ||
    fail "(4) export $dialect"
  golden="$source_dir/tests/export/golden/v1.$dialect.sql"
  if [[ ${MPITUNE_UPDATE_GOLDEN:-0} == 1 ]]; then
    cp "$dialect.sql" "$golden"
  fi
  diff -u "$golden" "$dialect.sql" >diff.txt || { head -40 diff.txt; fail "(4) $dialect differs from $golden"; }
done
echo "export_e2e: OK"
