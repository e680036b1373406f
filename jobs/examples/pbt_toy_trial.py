#!/usr/bin/env python3
"""Example command trial for population-based training (configs/pbt-command-example.yaml).

The PBT paper's toy problem as a training script: theta in R^2 starts at (0.9, 0.9)
and takes gradient steps on the surrogate h0*theta0^2 + h1*theta1^2 (h0, h1 are the
hyperparameters); the loss it reports is theta0^2 + theta1^2. What a PBT trial does:
  - read h0, h1 from MPITUNE_PARAM_h0 / MPITUNE_PARAM_h1 (or the params file),
  - restore theta from MPITUNE_RESTORE_FROM when MPITUNE_RESUME_STEP > 0: after an
    exploit that directory holds a copy of the donor's checkpoint, so the trial goes
    on from the donor's theta at the donor's step (MPITUNE_RESUME_STEP, also the
    {resume_step} placeholder) with its own new h,
  - print one "mpitune: step=<s> loss=<value>" line per budget unit up to
    MPITUNE_BUDGET (the next ready point), then write the checkpoint atomically
    (temporary file, fsync, rename) so that a kill never leaves half a checkpoint,
  - on SIGTERM (a pause at a ready point, or a stop) finish the step and its
    checkpoint and exit 0.
It writes "restored step=<s> theta=<t0>,<t1>" to stderr when it restores, so that
tests can check which checkpoint a member continued from.
"""
import json
import os
import signal
import sys
import time

STEPS_PER_UNIT = 5
LEARNING_RATE = 0.01
CHECKPOINT_NAME = "theta.json"

stop_requested = False


def on_sigterm(_signum, _frame):
    global stop_requested
    stop_requested = True


def param(name):
    value = os.environ.get("MPITUNE_PARAM_" + name)
    if value is not None:
        return float(value)
    with open(os.environ["MPITUNE_PARAMS_JSON"]) as f:
        return float(json.load(f)["params"][name])


def save(directory, step, theta):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, CHECKPOINT_NAME)
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump({"step": step, "theta": theta}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    h = [param("h0"), param("h1")]
    budget = int(round(float(os.environ["MPITUNE_BUDGET"])))
    resume = int(round(float(os.environ.get("MPITUNE_RESUME_STEP", "0"))))
    checkpoint_dir = os.environ["MPITUNE_CHECKPOINT_DIR"]
    step, theta = 0, [0.9, 0.9]
    if resume > 0:
        with open(os.path.join(os.environ["MPITUNE_RESTORE_FROM"], CHECKPOINT_NAME)) as f:
            saved = json.load(f)
        step, theta = int(saved["step"]), saved["theta"]
        print("restored step=%d theta=%r,%r" % (step, theta[0], theta[1]), file=sys.stderr, flush=True)
        if step > resume:  # the study lost that report in a crash: report it again
            print("mpitune: step=%d loss=%r" % (step, theta[0] ** 2 + theta[1] ** 2), flush=True)
    delay = float(os.environ.get("PBT_TOY_SECONDS_PER_UNIT", "0"))
    while step < budget and not stop_requested:
        for _ in range(STEPS_PER_UNIT):
            theta = [t - LEARNING_RATE * 2.0 * hi * t for t, hi in zip(theta, h)]
        step += 1
        if delay > 0:
            time.sleep(delay)
        print("mpitune: step=%d loss=%r" % (step, theta[0] ** 2 + theta[1] ** 2), flush=True)
        save(checkpoint_dir, step, theta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
