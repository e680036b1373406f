#!/usr/bin/env python3
"""Example command trial for mpitune: minibatch SGD on a synthetic linear regression.

What a real training script has to do, in miniature (pure standard library):
  - read its hyperparameters from the params file (MPITUNE_PARAMS_JSON, or --params),
  - train until the budget (MPITUNE_BUDGET, in epochs) is reached,
  - print one "mpitune: step=<epoch> loss=<validation loss>" line per epoch, flushed,
  - then write that epoch's checkpoint into MPITUNE_CHECKPOINT_DIR (atomically, so a
    trial stopped mid-write never leaves a broken checkpoint): report first, so that
    a kill between the two costs a retrained epoch, never a checkpoint the study has
    no report for,
  - resume from MPITUNE_RESTORE_FROM when the scheduler promotes a paused trial (or
    an interrupted one goes on); if the checkpoint is later than the step the study
    resumes it from (MPITUNE_RESUME_STEP: the study may have lost the report with a
    crash), report that epoch again before training on, so the trial is ranked on
    what its checkpoint holds,
  - on SIGTERM (a stop, pause or timeout), finish the epoch and its checkpoint and
    exit 0,
  - as a proxy task (trial.min_subset), train on the fraction MPITUNE_SUBSET of the
    training data: a subset drawn with a fixed seed (so every trial, and every resume
    of one, sees the same rows), at least MIN_SUBSET_ROWS; validation stays whole.
"""
import argparse
import json
import math
import os
import random
import signal
import sys

FEATURES = 8
TRAIN_SIZE = 512
MIN_SUBSET_ROWS = 32
VALID_SIZE = 128
CHECKPOINT_NAME = "checkpoint.json"

stop_requested = False


def on_sigterm(_signum, _frame):
    global stop_requested
    stop_requested = True


def make_dataset(seed):
    """The same data for every trial: only the hyperparameters differ."""
    rng = random.Random(seed)
    true_w = [rng.uniform(-2.0, 2.0) for _ in range(FEATURES)]
    true_b = rng.uniform(-1.0, 1.0)

    def sample(n):
        rows = []
        for _ in range(n):
            x = [rng.gauss(0.0, 1.0) for _ in range(FEATURES)]
            y = sum(wi * xi for wi, xi in zip(true_w, x)) + true_b + rng.gauss(0.0, 0.1)
            rows.append((x, y))
        return rows

    return sample(TRAIN_SIZE), sample(VALID_SIZE)


def mse(w, b, rows):
    total = 0.0
    for x, y in rows:
        err = sum(wi * xi for wi, xi in zip(w, x)) + b - y
        total += err * err  # not err ** 2: that raises OverflowError once training diverges
    return total / len(rows)


def sgd_epoch(w, b, rows, lr, batch, rng):
    order = list(range(len(rows)))
    rng.shuffle(order)
    for start in range(0, len(order), batch):
        chunk = [rows[i] for i in order[start:start + batch]]
        grad_w = [0.0] * FEATURES
        grad_b = 0.0
        for x, y in chunk:
            err = sum(wi * xi for wi, xi in zip(w, x)) + b - y
            for j in range(FEATURES):
                grad_w[j] += err * x[j]
            grad_b += err
        scale = 2.0 * lr / len(chunk)
        w = [wi - scale * gi for wi, gi in zip(w, grad_w)]
        b -= scale * grad_b
        if not all(math.isfinite(v) for v in w):
            break  # diverged; the loss says so
    return w, b


def load_checkpoint(path):
    if os.path.isdir(path):
        path = os.path.join(path, CHECKPOINT_NAME)
    with open(path) as f:
        state = json.load(f)
    return state["epoch"], state["w"], state["b"]


def save_checkpoint(directory, epoch, w, b):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, CHECKPOINT_NAME)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"epoch": epoch, "w": w, "b": b}, f)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=os.environ.get("MPITUNE_PARAMS_JSON", ""))
    args = parser.parse_args()
    if not args.params:
        sys.exit("train_example.py: no params file (set MPITUNE_PARAMS_JSON or pass --params)")

    with open(args.params) as f:
        spec = json.load(f)
    params = spec["params"]
    lr = float(params.get("lr", 0.01))
    batch = max(1, int(params.get("batch", 32)))
    trial_id = int(spec.get("trial_id", os.environ.get("MPITUNE_TRIAL_ID", 0)))
    budget = float(os.environ.get("MPITUNE_BUDGET", spec.get("budget", 1)))
    checkpoint_dir = os.environ.get("MPITUNE_CHECKPOINT_DIR", "")
    restore_from = os.environ.get("MPITUNE_RESTORE_FROM", "")
    resume_step = float(os.environ.get("MPITUNE_RESUME_STEP", "0"))

    signal.signal(signal.SIGTERM, on_sigterm)
    train, valid = make_dataset(seed=12345)
    subset = min(1.0, max(0.0, float(os.environ.get("MPITUNE_SUBSET", "1"))))
    if subset < 1.0:
        rows = max(MIN_SUBSET_ROWS, round(subset * len(train)))
        train = random.Random(2024).sample(train, min(rows, len(train)))

    epoch, w, b = 0, [0.0] * FEATURES, 0.0
    if restore_from:
        epoch, w, b = load_checkpoint(restore_from)
        print(f"resumed from {restore_from} at epoch {epoch}", file=sys.stderr, flush=True)
        if epoch > resume_step:
            # The study resumes us from an earlier step: its record of this epoch was
            # lost (or never made). Report it again; the data is the same, so is the loss.
            print(f"mpitune: step={epoch} loss={mse(w, b, valid):.6g}", flush=True)

    while epoch < budget and not stop_requested:
        epoch += 1
        rng = random.Random(trial_id * 1000003 + epoch)  # reproducible across resumes
        w, b = sgd_epoch(w, b, train, lr, batch, rng)
        print(f"mpitune: step={epoch} loss={mse(w, b, valid):.6g}", flush=True)
        if checkpoint_dir:
            save_checkpoint(checkpoint_dir, epoch, w, b)


if __name__ == "__main__":
    main()
