"""Real study files for the report tests, made by running the real `mpitune` binary:
ASHA (single process), Hyperband under mpirun with 3 workers, population-based
training, command trials that fail or report NaN, a study whose trials all failed,
a Hyperband study planned for a time budget, and a 100,000-trial study."""
import os
import shutil
import subprocess

FAILING_YAML = r"""study: {name: failing, seed: 11}
space:
  outcome: {type: choice, values: [ok, fail, nan]}
  lr: {type: loguniform, low: 0.0001, high: 0.1}
  layers: {type: int, low: 1, high: 4}
scheduler: {type: asha, max_trials: 24, min_budget: 1, max_budget: 4, eta: 2}
trial:
  command: [/bin/sh, -c, 'case "$1" in fail) echo "out of memory </script><b>" >&2; exit 7;; nan) echo "mpitune: step=1 loss=nan"; exit 0;; esac; for s in 1 2 3 4; do echo "mpitune: step=$s loss=$2"; done', sh, "{outcome}", "{lr}"]
  fail_fast: 0
resources: {gpus_per_trial: 0}
"""

HYPERBAND_YAML = """study: {name: hyperband-mpi, seed: 5}
space:
  x1: {type: uniform, low: -5, high: 10}
  x2: {type: uniform, low: 0, high: 15}
  opt: [sgd, adam, rmsprop]
scheduler: {type: hyperband, max_trials: 90, min_budget: 1, max_budget: 27, eta: 3}
trial:
  command: [/bin/sh, -c, 'for s in $(seq 1 $2); do sleep 0.002; echo "mpitune: step=$s loss=$(awk "BEGIN{print ($1 + 5) / $s}")"; done', sh, "{x1}", "{budget}"]
resources: {gpus_per_trial: 0}
"""

ALL_FAILED_YAML = """study: {name: all-failed, seed: 1}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: asha, max_trials: 10, min_budget: 1, max_budget: 9, eta: 3}
trial:
  command: [/bin/false]
"""

# A time budget with a unit cost: the scheduler's settings come from the time plan.
BUDGETED_YAML = """study: {name: budgeted, seed: 2, time_budget: 20s}
space:
  x1: {type: uniform, low: -5, high: 10}
  x2: {type: uniform, low: 0, high: 15}
scheduler: {type: hyperband}
trial: {objective: branin, unit_seconds: 0.002}
"""

BIG_YAML = """study: {name: big, seed: 3}
space:
  x1: {type: uniform, low: -5, high: 10}
  x2: {type: uniform, low: 0, high: 15}
scheduler: {type: asha, max_trials: %d, min_budget: 1, max_budget: 9, eta: 3}
trial: {objective: branin}
"""


def run(binary, args, cwd, ok_codes=(0,)):
    result = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True, timeout=240)
    if result.returncode not in ok_codes:
        raise SystemExit("mpitune %s exited %d: %s%s" % (" ".join(args), result.returncode, result.stdout, result.stderr))
    return result


def make_study(kind, binary, source_dir, workdir):
    """Runs the study `kind` in `workdir` and returns its study file's path."""
    path = os.path.join(workdir, kind + ".h5")
    config = os.path.join(workdir, kind + ".yaml")
    if kind == "asha":
        run(binary, ["run", os.path.join(source_dir, "configs/default.yaml"), "--storage", path, "-q"], workdir)
    elif kind == "pbt":
        run(binary, ["run", os.path.join(source_dir, "configs/pbt-example.yaml"), "--storage", path, "-q"], workdir)
    elif kind == "failing":
        open(config, "w").write(FAILING_YAML)
        run(binary, ["run", config, "--storage", path, "-q"], workdir, ok_codes=(0, 3))
    elif kind == "budgeted":
        open(config, "w").write(BUDGETED_YAML)
        run(binary, ["run", config, "--storage", path, "-q"], workdir)
    elif kind == "all_failed":
        # Stopped by fail fast (exit 3): no trial has a value, and no report exists.
        open(config, "w").write(ALL_FAILED_YAML)
        run(binary, ["run", config, "--storage", path, "-q"], workdir, ok_codes=(3,))
    elif kind == "hyperband":
        open(config, "w").write(HYPERBAND_YAML)
        mpirun = shutil.which("mpirun")
        if mpirun is None:
            # Without mpirun the same scheduler over a built-in objective.
            open(config, "w").write(HYPERBAND_YAML.replace("  command:", "  objective: branin\n  #"))
            run(binary, ["run", config, "--storage", path, "-q"], workdir)
        else:
            cmd = [mpirun, "--oversubscribe", "--allow-run-as-root", "-np", "4", binary, "run", config,
                   "--storage", path, "-q"]
            # Open MPI's own allocations are never freed: as the mpirun tests do, no
            # leak check for the ranks of a sanitised build.
            options = os.environ.get("ASAN_OPTIONS", "")
            env = dict(os.environ, ASAN_OPTIONS=(options + ":" if options else "") + "detect_leaks=0")
            result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=240, env=env)
            if result.returncode != 0:
                raise SystemExit("mpirun hyperband study exited %d: %s%s" % (result.returncode, result.stdout, result.stderr))
    elif kind.startswith("big"):
        open(config, "w").write(BIG_YAML % int(kind[3:]))
        run(binary, ["run", config, "--storage", path, "-q"], workdir)
    else:
        raise ValueError(kind)
    return path
