#!/usr/bin/python3
"""Checks a study file's view (`mpitune status --json --history`) against an earlier
one: trial ids 0..n-1 without gaps, and every report of the earlier view still there,
in the same order, unchanged (no acknowledged report lost, none rewritten).

Usage: check_reports_kept.py NOW.json [BEFORE.json] [WHEN]
Prints one line "after WHEN: T trials, R reports, state S"; exits non-zero saying what
is wrong."""
import json
import sys

now = json.load(open(sys.argv[1]))
before_path = sys.argv[2] if len(sys.argv) > 2 else ""
when = sys.argv[3] if len(sys.argv) > 3 else "this stop"
reports = now["history"]["reports"]
ids = [t["trial"] for t in now["history"]["trials"]]
if ids != list(range(len(ids))):
    sys.exit(f"trial ids are not 0..{len(ids) - 1}: duplicates or gaps")
if before_path:
    before = json.load(open(before_path))["history"]["reports"]
    if reports[:len(before)] != before:
        first = next(i for i, (a, b) in enumerate(zip(before, reports + [None] * len(before))) if a != b)
        sys.exit(f"report {first} of {len(before)} seen before {when} is gone or changed")
print(f"  after {when}: {len(ids)} trials, {len(reports)} reports, state {now['state']}")
