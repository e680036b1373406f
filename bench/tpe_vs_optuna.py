"""mpitune's samplers against Optuna's TPE + HyperbandPruner, side by side.

  cmake --build build -j2 --target sampler_quality_bench
  /usr/bin/python3 bench/tpe_vs_optuna.py [--seeds 10] [--first-seed 100] [--budget 2700]
      [--jobs 2] [--workers 1] [--subset N]

Same objectives (bit-exact; checked first), budgets 1..27, eta 3, equal budget in
units actually trained (a resumed mpitune trial pays only its new units). With
--workers W both sides keep W trials in flight in the same lock step (each tick every
busy worker trains one unit; Optuna's TPESampler then uses constant_liar=True).
Prints, per objective and method, the median and IQR of the best full-budget value,
how many seeds reached the target and the median budget they needed, and the wall
time each method spends deciding (sampling + pruning) per trial; then each mpitune
method against Optuna paired by seed index (better/equal/worse, median difference,
two-sided sign test). --subset N prints the same for the first N seeds as well.
Needs python3-optuna.
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
OPTUNA = "Optuna TPE + Hyperband"


def parse(lines):
    rows = []
    for line in lines.strip().splitlines():
        seed, best, to_target, trials, decide_us, ticks = line.split()
        rows.append((float(best), float(to_target), int(trials), float(decide_us), int(ticks)))
    return rows


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def summary(rows, digits, workers):
    q1, med, q3 = quartiles([r[0] for r in rows])
    reached = [r[1] for r in rows if not math.isnan(r[1])]
    to_target = "%d/%d, %s" % (len(reached), len(rows), "%.0f" % statistics.median(reached) if reached else "-")
    text = "%.*f | %.*f .. %.*f | %s | %.0f | %.1f" % (
        digits, med, digits, q1, digits, q3, to_target, statistics.median(r[2] for r in rows),
        statistics.median(r[3] for r in rows))
    if workers > 1:
        text += " | %.0f" % statistics.median(r[4] for r in rows)
    return text


def sign_test(wins, losses):
    """Two-sided sign test p-value (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(0, min(wins, losses) + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def paired(ours, theirs, digits):
    """Ours against Optuna on the same seed index (the two RNGs share no stream)."""
    diffs = [a[0] - b[0] for a, b in zip(ours, theirs)]
    wins, ties = sum(d < 0 for d in diffs), sum(d == 0 for d in diffs)
    losses = len(diffs) - wins - ties
    return "%d / %d / %d | %+.*f | %.3f" % (wins, ties, losses, digits, statistics.median(diffs),
                                           sign_test(wins, losses))


def label_of(objective, minimum, target):
    return objective + (" (min %g)" % minimum if minimum is not None else "") + ", target %g" % target


def print_tables(results, seeds, workers):
    """The table and the paired counts over the first `seeds` seeds."""
    extra = " | virtual time" if workers > 1 else ""
    print("| objective | method | median best | IQR | reached target: seeds, median units | trials | "
          "decide µs/trial%s |" % extra)
    print("|---|---|---|---|---|---|---|" + ("---|" if workers > 1 else ""))
    for objective, minimum, target in OBJECTIVES:
        digits = 4 if objective != "hartmann6" else 3
        for name, rows in results[objective]:
            print("| %s | %s | %s |" % (label_of(objective, minimum, target), name,
                                        summary(rows[:seeds], digits, workers)))
    print()
    print("Paired by seed index against %s (lower is better; the implementations' RNGs differ, so a seed "
          "index pairs runs, not random streams):" % OPTUNA)
    print()
    print("| objective | method | better / equal / worse | median difference | sign test p |")
    print("|---|---|---|---|---|")
    for objective, minimum, target in OBJECTIVES:
        digits = 4 if objective != "hartmann6" else 3
        theirs = dict(results[objective])[OPTUNA][:seeds]
        for name, rows in results[objective]:
            if name != OPTUNA:
                print("| %s | %s | %s |" % (objective, name, paired(rows[:seeds], theirs, digits)))
    print(flush=True)


def optuna_seed(args):
    objective, seed, budget, target, workers = args
    out = subprocess.run([sys.executable, PEER, "run", objective, str(seed), str(budget), str(target), str(workers)],
                         capture_output=True, text=True, check=True).stdout
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--budget", type=float, default=2700)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="trials in flight on each side (lock step)")
    parser.add_argument("--subset", type=int, default=0, help="also print the tables for the first N seeds")
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
    results = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for objective, _, target in OBJECTIVES:
            results[objective] = []
            for name, scheduler, sampler in OURS:
                out = subprocess.run([BINARY, objective, scheduler, sampler, str(args.first_seed), str(args.seeds),
                                      str(args.budget), str(target), str(args.workers)],
                                     capture_output=True, text=True, check=True)
                results[objective].append((name, parse(out.stdout)))
            jobs = [(objective, seed, args.budget, target, args.workers)
                    for seed in range(args.first_seed, args.first_seed + args.seeds)]
            results[objective].append((OPTUNA, parse("".join(pool.map(optuna_seed, jobs)))))
            print("%s done" % objective, file=sys.stderr, flush=True)

    workers = "one worker" if args.workers == 1 else (
        "%d workers in lock step (Optuna: TPESampler(constant_liar=True))" % args.workers)
    for seeds in sorted({s for s in (args.subset, args.seeds) if 0 < s <= args.seeds}):
        print("budget %g units per run, %d seeds from %d, budgets 1..27, eta 3, %s"
              % (args.budget, seeds, args.first_seed, workers))
        print()
        print_tables(results, seeds, args.workers)


if __name__ == "__main__":
    main()
