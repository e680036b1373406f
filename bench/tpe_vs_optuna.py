"""mpitune's samplers against Optuna's TPE + HyperbandPruner, side by side.

  cmake --build build -j2 --target sampler_quality_bench
  /usr/bin/python3 bench/tpe_vs_optuna.py [--seeds 10] [--first-seed 100] [--budget 2700]

Same objectives (bit-exact; checked first), budgets 1..27, eta 3, equal budget in
units actually trained (a resumed mpitune trial pays only its new units), one worker.
Prints, per objective and method, the median and IQR of the best full-budget value,
how many seeds reached the target and the median budget they needed, and the wall
time each method spends deciding (sampling + pruning) per trial. Needs python3-optuna.
"""
import argparse
import concurrent.futures
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.path.join(HERE, "..", "build", "bench", "sampler_quality_bench")
PEER = os.path.join(HERE, "optuna_peer.py")
# (objective, known minimum or None, target for "budget to reach")
OBJECTIVES = [("branin", 0.397887, 0.41), ("hartmann6", -3.32237, -3.0), ("mixed", None, 0.13)]
OURS = [("mpitune hyperband + tpe", "hyperband", "tpe"), ("mpitune asha + tpe", "asha", "tpe"),
        ("mpitune asha + random", "asha", "random")]


def parse(lines):
    rows = []
    for line in lines.strip().splitlines():
        seed, best, to_target, trials, decide_us = line.split()
        rows.append((float(best), float(to_target), int(trials), float(decide_us)))
    return rows


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def summary(rows, digits):
    q1, med, q3 = quartiles([r[0] for r in rows])
    reached = [r[1] for r in rows if not math.isnan(r[1])]
    to_target = "%d/%d, %s" % (len(reached), len(rows), "%.0f" % statistics.median(reached) if reached else "-")
    return "%.*f | %.*f .. %.*f | %s | %.0f | %.1f" % (
        digits, med, digits, q1, digits, q3, to_target, statistics.median(r[2] for r in rows),
        statistics.median(r[3] for r in rows))


def optuna_seed(args):
    objective, seed, budget, target = args
    out = subprocess.run([sys.executable, PEER, "run", objective, str(seed), str(budget), str(target)],
                         capture_output=True, text=True, check=True).stdout
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--budget", type=float, default=2700)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    for objective, _, _ in OBJECTIVES:
        worst = subprocess.run([sys.executable, PEER, "check", objective, BINARY], capture_output=True, text=True,
                               check=True).stdout.strip()
        ok = float(worst) <= 1e-12
        print("objective %s: Python re-implementation vs mpitune, max |difference| over 300 configs = %s (%s)"
              % (objective, worst, "ok" if ok else "MISMATCH"))
        if not ok:
            sys.exit(1)
    print()
    print("budget %g units per run, %d seeds from %d, budgets 1..27, eta 3, one worker"
          % (args.budget, args.seeds, args.first_seed))
    print()
    print("| objective | method | median best | IQR | reached target: seeds, median units | trials | decide µs/trial |")
    print("|---|---|---|---|---|---|---|")
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for objective, minimum, target in OBJECTIVES:
            digits = 4 if objective != "hartmann6" else 3
            label = objective + (" (min %g)" % minimum if minimum is not None else "") + ", target %g" % target
            for name, scheduler, sampler in OURS:
                out = subprocess.run([BINARY, objective, scheduler, sampler, str(args.first_seed), str(args.seeds),
                                      str(args.budget), str(target)], capture_output=True, text=True, check=True)
                print("| %s | %s | %s |" % (label, name, summary(parse(out.stdout), digits)))
            jobs = [(objective, seed, args.budget, target) for seed in range(args.first_seed, args.first_seed + args.seeds)]
            rows = parse("".join(pool.map(optuna_seed, jobs)))
            print("| %s | Optuna TPE + Hyperband | %s |" % (label, summary(rows, digits)), flush=True)


if __name__ == "__main__":
    main()
