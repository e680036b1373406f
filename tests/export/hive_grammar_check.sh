#!/usr/bin/env bash
# The Hive export parses with a real Hive grammar: dt-sql-parser's HiveSQL (an ANTLR4
# port of Apache Hive's HiveParser.g), pinned in tests/tools/hive-grammar/package.json
# and installed there by `jobs/install-deps.sh --tests` (npm ci). Checked: the hostile
# study (hostile_study.sh), two studies in one script with small statements, and the
# golden Hive file. The MaxCompute export, its LIFECYCLE clause aside and DATETIME
# read as TIMESTAMP, is Hive's SQL
# too and is checked the same way. Exit 77 (skipped) only when Node.js or the parser
# cannot be had here.
# Usage: hive_grammar_check.sh MPITUNE_BINARY SOURCE_DIR
set -u
binary=$1
source_dir=$2
grammar=$source_dir/tests/tools/hive-grammar
fail() {
  echo "hive_grammar_check: FAIL: $*" >&2
  exit 1
}
if ! command -v node >/dev/null; then
  echo "hive_grammar_check: SKIP: no node (run jobs/install-deps.sh --tests)"
  exit 77
fi
if [[ ! -d $grammar/node_modules/dt-sql-parser ]]; then
  (cd "$grammar" && npm ci --no-audit --no-fund >/dev/null 2>&1) || {
    echo "hive_grammar_check: SKIP: dt-sql-parser is not installed and npm ci failed in $grammar"
    exit 77
  }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpitune_hive_grammar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
source "$source_dir/tests/export/hostile_study.sh"
make_hostile_study "$binary" || fail "the hostile study did not run"
"$binary" run "$source_dir/configs/default.yaml" --storage branin.h5 -q >/dev/null 2>&1 || fail "the branin study did not run"

check() {
  node --import "$grammar/register.mjs" "$grammar/check-hive.mjs" "$1" >check.out 2>&1 || {
    cat check.out
    fail "$2 does not parse as Hive"
  }
  echo "$2: $(tail -1 check.out)"
}
"$binary" export hostile.h5 --dialect hive --partition ds=20261127 -o hostile.sql || fail "export hive"
check hostile.sql "the hostile study"
"$binary" export hostile.h5 branin.h5 --dialect hive --partition ds=20261127 --max-statement-bytes 4096 -o both.sql ||
  fail "export two studies"
check both.sql "two studies, small statements"
check "$source_dir/tests/export/golden/v1.hive.sql" "the golden file"
"$binary" export hostile.h5 branin.h5 --dialect maxcompute --partition ds=20261127 -o maxcompute.sql ||
  fail "export maxcompute"
# DATETIME (type and literal) is MaxCompute's name for what Hive calls TIMESTAMP.
grep -v '^LIFECYCLE ' maxcompute.sql | sed -e "s/ DATETIME '/ TIMESTAMP '/g" -e 's/` DATETIME COMMENT/` TIMESTAMP COMMENT/g' \
  >maxcompute-as-hive.sql
grep -q "TIMESTAMP '" maxcompute-as-hive.sql || fail "the MaxCompute script has no DATETIME value"
check maxcompute-as-hive.sql "the MaxCompute script without LIFECYCLE, DATETIME as TIMESTAMP"
# The parser does find errors: a broken statement must fail.
printf 'INSERT OVERWRITE TABLE t PARTITION (ds=) VALUES (1);\n' >broken.sql
node --import "$grammar/register.mjs" "$grammar/check-hive.mjs" broken.sql >/dev/null 2>&1 && fail "a broken statement parsed"
echo "hive_grammar_check: OK"
