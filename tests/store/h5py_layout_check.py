"""The study file layout the README documents, read with h5py as a user would.

Usage: h5py_layout_check.py MPITUNE_BINARY WORK_DIR
Runs a small study with command trials (one of which fails) and a choice of every
kind, then checks each group, column and attribute the README lists, and that
the values agree with `mpitune status --json --history`; then the same for a PBT
study's options, exploits and lineage.
"""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np

binary, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
config = os.path.join(work, "layout.yaml")
storage = os.path.join(work, "layout.h5")
for leftover in (storage, storage + ".journal"):
    if os.path.exists(leftover):
        os.remove(leftover)

# Trial 1 crashes; the others report twice. lr's value picks the metric so that the
# file's values can be checked against what the script printed.
script = (
    "import os,sys\n"
    "t=int(os.environ['MPITUNE_TRIAL_ID'])\n"
    "if t==1: sys.exit(3)\n"
    "lr=float(os.environ['MPITUNE_PARAM_lr'])\n"
    "b=int(float(os.environ['MPITUNE_BUDGET']))\n"
    "for s in range(1,b+1): print('mpitune: step=%d loss=%r' % (s, lr*s), flush=True)\n"
)
with open(config, "w") as f:
    f.write(
        "study: {name: layout, metric: loss, mode: min, seed: 3}\n"
        "space:\n"
        "  lr: {type: loguniform, low: 0.001, high: 1}\n"
        "  opt: {type: choice, values: [adam, \"it's\"]}\n"
        "  layers: {type: choice, values: [1, 4]}\n"
        "  bn: {type: choice, values: [true, false]}\n"
        "  drop: {type: choice, values: [0.25, 0.5]}\n"
        "scheduler: {type: fifo, max_trials: 4, max_budget: 2}\n"
        "trial:\n"
        f"  command: [/usr/bin/python3, -c, {json.dumps(script)}]\n"
    )
run = subprocess.run([binary, "run", config, "--storage", storage, "-q"], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"mpitune run exited {run.returncode}: {run.stderr}")
status = json.loads(
    subprocess.run([binary, "status", storage, "--json", "--history"], capture_output=True, text=True, check=True).stdout
)

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


with h5py.File(storage, "r") as f:
    root = f.attrs
    for name in ("format", "format_version", "name", "metric", "mode", "config_yaml", "seed", "max_trials",
                 "report_every", "time_budget", "scheduler", "variant", "min_budget", "max_budget", "eta", "grace", "sampler",
                 "grid_points", "space_hash", "last_sequence", "study_time", "done", "measured_units",
                 "measured_seconds", "measured_observations"):
        check(name in root, f"root attribute {name}")
    check(root["format"] == "mpitune-study", "format is mpitune-study")
    check(int(root["format_version"]) == 2, "format_version 2")
    check(root["name"] == "layout" and root["metric"] == "loss" and root["mode"] == "min", "name/metric/mode")
    check(int(root["done"]) == 1, "done")
    check("it's" in root["config_yaml"], "config_yaml keeps the config text")

    for name in ("lr", "opt", "layers", "bn", "drop"):
        check(name in f["space"], f"/space/{name}")
    check(f["space/lr"].attrs["type"] == "loguniform", "/space/lr type")
    check(int(f["space/lr"].attrs["position"]) == 0, "/space/lr position")
    kinds = {"opt": 3, "layers": 1, "bn": 0, "drop": 2}
    for name, kind in kinds.items():
        group = f["space"][name]
        check(list(group["choice_kind"][:]) == [kind, kind], f"/space/{name}/choice_kind {kind}")
    check([c.decode() if isinstance(c, bytes) else c for c in f["space/opt/choices"][:]] == ["adam", "it's"],
          "/space/opt/choices keeps the quote")
    check(list(f["space/layers/choice_int"][:]) == [1, 4], "/space/layers/choice_int")
    check(list(f["space/drop/choice_float"][:]) == [0.25, 0.5], "/space/drop/choice_float")

    trial_columns = ("trial_id", "state", "bracket", "rung", "target_budget", "last_step", "checkpoint_step",
                     "last_value", "best_value", "reports", "parent_id", "start_time", "end_time", "last_outcome")
    for column in trial_columns:
        check(column in f["trials"] and f["trials"][column].shape == (4,), f"/trials/{column} with 4 rows")
    check(f["trials/trial_id"].dtype == np.dtype("<i8"), "/trials/trial_id is int64 little-endian")
    check(f["trials/last_value"].dtype == np.dtype("<f8"), "/trials/last_value is float64 little-endian")
    states = [s.decode() if isinstance(s, bytes) else s for s in f["trials/state"][:]]
    check(states[1] == "failed" and states.count("completed") == 3, f"trial states {states}")

    for name in ("lr", "opt", "layers", "bn", "drop"):
        check(f["params"][name].shape == (4,), f"/params/{name} with 4 rows")
    for column in ("trial_id", "step", "value", "time", "rank"):
        check(f["reports"][column].shape == (6,), f"/reports/{column} with 6 rows")
    lr = f["params/lr"][:]
    for trial, step, value in zip(f["reports/trial_id"][:], f["reports/step"][:], f["reports/value"][:]):
        check(math.isclose(value, lr[trial] * step, rel_tol=1e-9), f"report of trial {trial} at {step}")

    run_columns = ("trial_id", "rank", "device", "assigned_at", "first_report_at", "finished_at", "outcome",
                   "exit_code", "duration", "message", "malformed_lines", "ignored_lines", "steps_back")
    for column in run_columns:
        check(column in f["runs"] and f["runs"][column].shape == (4,), f"/runs/{column} with 4 rows")
    runs = {int(t): i for i, t in enumerate(f["runs/trial_id"][:])}
    outcome = f["runs/outcome"][runs[1]]
    check((outcome.decode() if isinstance(outcome, bytes) else outcome) == "failed", "trial 1's run failed")
    check(int(f["runs/exit_code"][runs[1]]) == 3, "trial 1's exit code 3")

    # One session (this study was run once), begun at study time 0 a moment ago.
    import time
    check(f["sessions/study_time"].shape == (1,) and f["sessions/study_time"][0] == 0.0, "/sessions/study_time")
    wall = float(f["sessions/wall_time"][0])
    check(time.time() - 600 < wall <= time.time(), f"/sessions/wall_time {wall} is about now")

    # What status reads is what h5py reads.
    by_trial = {t["trial"]: t for t in status["history"]["trials"]}
    for i, trial in enumerate(f["trials/trial_id"][:]):
        shown = by_trial[int(trial)]
        check(shown["state"] == states[i], f"status state of trial {trial}")
        opt = f["space/opt/choices"][int(f["params/opt"][i])]
        opt = opt.decode() if isinstance(opt, bytes) else opt
        check(shown["params"]["opt"] == opt, f"status opt of trial {trial}")
        check(shown["params"]["layers"] == int(f["space/layers/choice_int"][int(f["params/layers"][i])]),
              f"status layers of trial {trial}")

# A PBT study (built-in pbt_toy): its options, exploits and lineage as documented.
pbt_config = os.path.join(work, "pbt.yaml")
pbt_storage = os.path.join(work, "pbt.h5")
for leftover in (pbt_storage, pbt_storage + ".journal"):
    if os.path.exists(leftover):
        os.remove(leftover)
with open(pbt_config, "w") as f:
    f.write(
        "study: {name: pbt, seed: 4}\n"
        "space:\n"
        "  h0: {type: uniform, low: 0, high: 2}\n"
        "  h1: {type: loguniform, low: 0.01, high: 2}\n"
        "scheduler: {type: pbt, population: 6, perturbation_interval: 1, max_budget: 6, quantile: 0.5}\n"
        "trial: {objective: pbt_toy}\n"
        "resources: {gpus_per_trial: 0}\n"
    )
run = subprocess.run([binary, "run", pbt_config, "--storage", pbt_storage, "-q"], capture_output=True, text=True)
if run.returncode != 0:
    sys.exit(f"mpitune run (pbt) exited {run.returncode}: {run.stderr}")
pbt_status = json.loads(
    subprocess.run([binary, "status", pbt_storage, "--json", "--history"], capture_output=True, text=True,
                   check=True).stdout
)
with h5py.File(pbt_storage, "r") as f:
    root = f.attrs
    for name in ("population", "perturbation_interval", "quantile", "perturbation_factor_down",
                 "perturbation_factor_up", "resample_probability", "burn_in", "synchronous"):
        check(name in root, f"pbt root attribute {name}")
    check(root["scheduler"] == "pbt" and int(root["population"]) == 6, "pbt scheduler and population")
    exploit = f["scheduler/pbt/exploit"]
    n = exploit["recipient"].shape[0]
    check(n == pbt_status["exploits"] and n > 0, f"{n} exploits in the file, status says {pbt_status['exploits']}")
    for column in ("recipient", "donor"):
        check(exploit[column].dtype == np.dtype("<i8"), f"/scheduler/pbt/exploit/{column} is int64")
    for column in ("step", "donor_step", "time"):
        check(exploit[column].shape == (n,), f"/scheduler/pbt/exploit/{column} with {n} rows")
    for column in ("old_config", "new_config"):
        check(exploit[column].shape == (n * 2,), f"/scheduler/pbt/exploit/{column}: {n} rows of 2 parameters")
    shown = pbt_status["history"]["exploits"]
    new_config = exploit["new_config"][:].reshape(n, 2)
    last_donor = {}
    for i in range(n):
        recipient, donor = int(exploit["recipient"][i]), int(exploit["donor"][i])
        check(shown[i]["recipient"] == recipient and shown[i]["donor"] == donor, f"exploit {i} as status shows it")
        check(math.isclose(shown[i]["new_params"]["h1"], new_config[i][1], rel_tol=1e-12), f"exploit {i} new h1")
        check(float(exploit["donor_step"][i]) == shown[i]["donor_step"], f"exploit {i} donor_step")
        last_donor[recipient] = donor
    for i, trial in enumerate(f["trials/trial_id"][:]):
        check(int(f["trials/parent_id"][i]) == last_donor.get(int(trial), -1), f"parent_id of trial {trial}")
    schedule = pbt_status["best_schedule"]
    stored = f["pbt/best_schedule"]
    check(list(stored["step"][:]) == [s["step"] for s in schedule], "/pbt/best_schedule/step as status shows it")
    check(list(stored["trial_id"][:]) == [s["trial"] for s in schedule], "/pbt/best_schedule/trial_id")
    configs = stored["config"][:].reshape(len(schedule), 2)
    for i, entry in enumerate(schedule):
        check(math.isclose(configs[i][0], entry["params"]["h0"], rel_tol=1e-12), f"/pbt/best_schedule/config row {i}")

if failures:
    for failure in failures:
        print("FAILED:", failure)
    sys.exit(1)
print("h5py reads every documented part of the study file")
