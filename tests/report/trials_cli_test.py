"""`mpitune trials`, `mpitune report` and `status --watch` on real study files.

Usage: trials_cli_test.py MPITUNE_BINARY SOURCE_DIR

(1) `trials` as CSV (read with Python's csv module) and as JSON lines matches
    `status --json --history` row for row: ids, states, values (NaN too), value per
    rung, parents, and parameters in their own types; `--reports` matches every
    report in order. ASHA, PBT, and a study with failed trials and NaN values.
(2) `trials` and `report` leave the study file as it was (byte for byte).
(3) Bad input: a missing file, a file that is not a study, an -o folder that does
    not exist, an unknown --format, a missing chart library: one line on stderr
    naming the path, and the documented exit code.
(4) A running study: `report` and `trials` work on it, and `status --watch` ends by
    itself once the study is finished.
"""
import csv
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_studies  # noqa: E402

SLOW_YAML = """study: {name: slow, seed: 4}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: asha, max_trials: 24, min_budget: 1, max_budget: 9, eta: 3}
trial:
  command: [sh, -c, "for s in 1 2 3; do sleep 0.04; echo mpitune: step=$s loss={x}; done"]
"""


def fail(message):
    print("trials_cli_test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def mpitune(binary, args, env=None, timeout=120):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def same_number(text_or_value, expected):
    """A CSV/JSON cell against status's value (None there: no value, or NaN/Inf)."""
    if expected is None:
        return text_or_value in ("", None, "nan", "inf", "-inf")
    return float(text_or_value) == float(expected)


def check_tables(binary, path):
    status = json.loads(mpitune(binary, ["status", path, "--json", "--history"]).stdout)
    history = status["history"]
    rows = list(csv.DictReader(io.StringIO(mpitune(binary, ["trials", path]).stdout)))
    lines = [json.loads(line) for line in mpitune(binary, ["trials", path, "--format", "jsonl"]).stdout.splitlines()]
    if not (len(rows) == len(lines) == len(history["trials"]) == status["trials"]):
        fail("%s: %d CSV rows, %d JSON lines, %d trials in status" % (path, len(rows), len(lines), len(history["trials"])))
    budgets = [r["budget"] for r in status["rungs"]]
    for row, line, trial in zip(rows, lines, history["trials"]):
        where = "%s trial %s" % (path, trial["trial"])
        if int(row["trial"]) != trial["trial"] or line["trial"] != trial["trial"]:
            fail(where + ": rows out of order")
        if row["state"] != trial["state"] or line["state"] != trial["state"]:
            fail(where + ": state %s / %s, status says %s" % (row["state"], line["state"], trial["state"]))
        if not same_number(row["value"], trial["value"]) or line["value"] != trial["value"]:
            fail(where + ": value %r / %r, status says %r" % (row["value"], line["value"], trial["value"]))
        if trial["value"] is None and row["value"] not in ("", "nan"):
            fail(where + ": a trial without a finite value has value %r" % row["value"])
        parent = trial["parent"]
        if (row["parent"] or None) != (None if parent is None else str(parent)) or line["parent"] != parent:
            fail(where + ": parent")
        for k, value in enumerate(trial["rung_values"]):
            column = "value_at_%s" % format(budgets[k], "g") if k < len(budgets) else None
            if column and column in row and not same_number(row[column], value):
                fail(where + ": %s is %r, status says %r" % (column, row[column], value))
        for name, value in trial["params"].items():
            if line["params_" + name] != value or type(line["params_" + name]) is not type(value):
                fail(where + ": JSON params_%s is %r, status says %r" % (name, line["params_" + name], value))
            text = row["params_" + name]
            ok = text == value if isinstance(value, str) else (text == str(value).lower() if isinstance(value, bool)
                                                                 else float(text) == float(value))
            if not ok:
                fail(where + ": CSV params_%s is %r, status says %r" % (name, text, value))
        if row["rank"] == "" or row["device"] == "" or row["start_wall"] == "":
            fail(where + ": no rank, device or start time")
    reports = list(csv.reader(io.StringIO(mpitune(binary, ["trials", path, "--reports"]).stdout)))
    header, reports = reports[0], reports[1:]
    if header != ["trial", "step", "value", "time", "wall", "rank"] or len(reports) != len(history["reports"]):
        fail("%s: %d report rows, status has %d" % (path, len(reports), len(history["reports"])))
    for row, (trial, step, value, rank) in zip(reports, history["reports"]):
        if int(row[0]) != trial or float(row[1]) != step or int(row[5]) != rank or not same_number(row[2], value):
            fail("%s: report row %s, status says %s" % (path, row, [trial, step, value, rank]))
        if value is None and not math.isnan(float(row[2])) and not math.isinf(float(row[2])):
            fail("%s: a NaN report reads %r" % (path, row[2]))
    return len(rows)


def one_line_error(result, code, needle, what):
    lines = result.stderr.strip().splitlines()
    if result.returncode != code or len(lines) != 1 or needle not in lines[0] or result.stdout.strip():
        fail("%s: exit %d, stderr %r (expected exit %d and one line naming %s)" %
             (what, result.returncode, result.stderr, code, needle))


def main():
    binary, source_dir = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="mpitune_trials_cli_")
    try:
        # (1) and (2)
        for kind in ("asha", "pbt", "failing"):
            path = report_studies.make_study(kind, binary, source_dir, work)
            before = hashlib.sha256(open(path, "rb").read()).hexdigest()
            count = check_tables(binary, path)
            if mpitune(binary, ["report", path, "-o", os.path.join(work, kind + ".html")]).returncode != 0:
                fail(kind + ": report failed")
            if hashlib.sha256(open(path, "rb").read()).hexdigest() != before:
                fail(kind + ": trials or report changed the study file")
            print("trials_cli_test: %s: %d trials match status" % (kind, count))
        study = os.path.join(work, "asha.h5")

        # (3)
        missing = os.path.join(work, "missing.h5")
        one_line_error(mpitune(binary, ["trials", missing]), 2, missing, "trials on a missing file")
        one_line_error(mpitune(binary, ["report", missing]), 2, missing, "report on a missing file")
        foreign = os.path.join(work, "foreign.h5")
        open(foreign, "w").write("not a study\n" * 100)
        one_line_error(mpitune(binary, ["trials", foreign]), 2, foreign, "trials on a foreign file")
        one_line_error(mpitune(binary, ["report", foreign]), 2, foreign, "report on a foreign file")
        nowhere = os.path.join(work, "no-such-folder", "report.html")
        one_line_error(mpitune(binary, ["report", study, "-o", nowhere]), 1, nowhere, "report -o into a missing folder")
        one_line_error(mpitune(binary, ["trials", study, "-o", nowhere]), 1, nowhere, "trials -o into a missing folder")
        if os.path.exists(os.path.dirname(nowhere)):
            fail("a failed -o left something behind")
        one_line_error(mpitune(binary, ["trials", study, "--format", "xml"]), 2, "xml", "an unknown --format")
        library = os.path.join(work, "no-chart.js")
        one_line_error(mpitune(binary, ["report", study, "-o", os.path.join(work, "x.html")],
                               env={"MPITUNE_CHART_JS": library}), 1, library, "a missing chart library")

        # (4)
        config = os.path.join(work, "slow.yaml")
        open(config, "w").write(SLOW_YAML)
        slow = os.path.join(work, "slow.h5")
        running = subprocess.Popen([binary, "run", config, "--storage", slow, "-q"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not os.path.exists(slow) and time.monotonic() < deadline:
                time.sleep(0.02)
            live = mpitune(binary, ["report", slow, "-o", os.path.join(work, "live.html")])
            if live.returncode != 0:
                fail("report on a running study: " + live.stderr)
            if mpitune(binary, ["trials", slow]).returncode != 0:
                fail("trials on a running study")
            watch = mpitune(binary, ["status", slow, "--watch", "--interval", "0.2"], timeout=90)
        finally:
            running.wait(timeout=90)
        if watch.returncode != 0 or "(finished)" not in watch.stdout.split("refreshing")[-1]:
            fail("status --watch did not end with the finished study: exit %d, %r" % (watch.returncode, watch.stdout[-500:]))
        if running.returncode != 0:
            fail("the slow study exited %d" % running.returncode)
        print("trials_cli_test: status --watch refreshed %d times and ended with the study" % watch.stdout.count("refreshing"))
        print("trials_cli_test: OK")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
