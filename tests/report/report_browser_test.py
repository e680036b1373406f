"""`mpitune report` opened in a real headless browser (Debian's chromium).

Usage: report_browser_test.py MPITUNE_BINARY SOURCE_DIR SCREENSHOT_DIR

For an ASHA study, a Hyperband study under mpirun, a PBT study, a study with failed
trials and NaN values, one whose trials all failed, one planned for a time budget
(its plan shown beside what happened), and a 100,000-trial study: the report is written, chromium
loads it offline, and the page's own render check (a JSON element the page script
fills in after drawing, read from the dumped DOM) must show no JavaScript error,
every chart the study calls for drawn (its data elements and non-blank canvas
pixels counted) and no console message at all. A screenshot of each is written to
SCREENSHOT_DIR for people to look at. Exits 77 (skipped) where chromium is missing;
jobs/install-deps.sh --tests installs it.
"""
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_studies  # noqa: E402

# A sanitised Debug build runs the study itself ~20x slower: it makes a 20,000-trial one
# (still above the 4,000 runs where the timeline switches to busy workers over time).
BIG_TRIALS = int(os.environ.get("REPORT_TEST_BIG_TRIALS", "100000"))
# The page must have drawn a 100,000-trial report within this (its own script's time,
# measured in the page); on the 2-core CI machine it takes about one second.
BIG_RENDER_LIMIT_MS = 15_000


def fail(message):
    print("report_browser_test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def open_in_browser(chromium, page, screenshot):
    """Loads `page` headless; returns (render check, console lines, the DOM after its script ran)."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--user-data-dir=" + profile,
             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=30000", "--window-size=1320,2600",
             "--screenshot=" + screenshot, "--dump-dom", "file://" + os.path.abspath(page)],
            capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="render-check">(.*?)</pre>', result.stdout, re.S)
    if not match:
        fail("%s: no render check in the dumped DOM (chromium exit %d): %s" % (page, result.returncode, result.stderr[-2000:]))
    text = html.unescape(match.group(1))
    if text == "not drawn":
        fail("%s: the page script never finished (render check still 'not drawn')" % page)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(text), console, result.stdout


def expected_charts(kind, params):
    if kind == "all_failed":
        return ["chart-timeline"]  # nothing else has data; the page says so instead
    charts = ["chart-best-time", "chart-best-budget", "chart-curves", "chart-parallel", "chart-timeline"]
    charts += ["chart-param-%d" % k for k in range(params)]
    if kind in ("hyperband", "budgeted"):
        charts.append("chart-brackets")
    if kind == "pbt":
        charts += ["chart-lineage", "chart-schedule-0", "chart-schedule-1"]
    return charts


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    binary, source_dir, shots = sys.argv[1], sys.argv[2], sys.argv[3]
    chromium = browser()
    if chromium is None:
        print("report_browser_test: skipped: no chromium (bash jobs/install-deps.sh --tests installs it)")
        sys.exit(77)
    os.makedirs(shots, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mpitune_report_browser_")
    try:
        studies = {"asha": 2, "hyperband": 3, "pbt": 2, "failing": 3, "all_failed": 1, "budgeted": 2,
                   "big%d" % BIG_TRIALS: 2}
        for kind, params in studies.items():
            path = report_studies.make_study(kind, binary, source_dir, work)
            before = digest(path)
            page = os.path.join(work, kind + ".html")
            started = time.monotonic()
            written = subprocess.run([binary, "report", path, "-o", page], capture_output=True, text=True, timeout=120)
            seconds = time.monotonic() - started
            if written.returncode != 0:
                fail("%s: report exited %d: %s" % (kind, written.returncode, written.stderr))
            if digest(path) != before:
                fail("%s: writing the report changed the study file" % kind)
            if "http://" in open(page, encoding="utf-8").read().replace("http://www.w3.org", ""):
                fail("%s: the report refers to the network" % kind)
            check, console, dom = open_in_browser(chromium, page, os.path.join(shots, kind + ".png"))
            if check["errors"]:
                fail("%s: JavaScript errors: %s" % (kind, check["errors"]))
            if console:
                fail("%s: console messages: %s" % (kind, console[:5]))
            for chart in expected_charts(kind, params):
                drawn = check["charts"].get(chart)
                if drawn is None:
                    fail("%s: %s was not drawn (drawn: %s)" % (kind, chart, sorted(check["charts"])))
                if drawn["elements"] < 1 or drawn["ink"] < 500:
                    fail("%s: %s looks empty: %s" % (kind, chart, drawn))
            print("report_browser_test: %s: report %.2f s, %d bytes; drawn in the page in %d ms; %d charts" %
                  (kind, seconds, os.path.getsize(page), check["ms"], len(check["charts"])))
            dom_text = open(page, encoding="utf-8").read()
            if kind == "failing":
                # The failure reason is shown (as text: the page's markup is not broken by it).
                if "out of memory" not in dom_text or "<b>" in dom_text.split('id="study-data"')[1].split("</script>")[0]:
                    fail("failing: the failure reason is missing or not escaped")
            if kind == "budgeted" and ("<h3>Time plan</h3>" not in dom or "trials x budget per rung" not in dom):
                fail("budgeted: the time plan is not shown")
            if kind != "budgeted" and "<h3>Time plan</h3>" in dom:
                fail("%s: a time plan is shown for a study without a time budget" % kind)
            if kind == "all_failed" and set(check["charts"]) != {"chart-timeline"}:
                fail("all_failed: charts drawn without data: %s" % sorted(check["charts"]))
            if kind.startswith("big") and check["ms"] > BIG_RENDER_LIMIT_MS:
                fail("%s: the page took %d ms to draw (limit %d)" % (kind, check["ms"], BIG_RENDER_LIMIT_MS))
        print("report_browser_test: OK; screenshots in " + shots)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
