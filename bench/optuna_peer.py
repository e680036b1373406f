"""The Optuna half of the side-by-side comparison (bench/tpe_vs_optuna.py runs both).

The objectives are bit-exact re-implementations of mpitune's built-in branin,
hartmann6 and curve (src/trial/builtin_objectives.cc), on the spaces that
bench/sampler_quality_bench.cc declares; `check` compares them with the C++ ones.
Budget is counted like the mpitune side: one unit per step trained, the run stops
when the budget is spent (Optuna trials always start from scratch).

  python3 bench/optuna_peer.py run OBJECTIVE SEED BUDGET TARGET [WORKERS]
      prints "seed best units_to_target trials decide_us time" (WORKERS trials in
      flight in lock step, as bench/sampler_quality_bench.cc runs them; time in ticks)
  python3 bench/optuna_peer.py check OBJECTIVE BENCH_BINARY
      prints the largest absolute difference over sample configurations
"""
import math
import random
import struct
import subprocess
import sys
import time
import warnings

MAX_BUDGET = 27.0
OBJECTIVE_SEED = 1
MASK = (1 << 64) - 1

# ---- mpitune's Rng (xoshiro256** seeded by splitmix64) ----------------------------


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return x, z ^ (z >> 31)


def mix(a, b):
    x = a ^ ((b + 0x9E3779B97F4A7C15 + ((a << 6) & MASK) + (a >> 2)) & MASK)
    return splitmix64(x)[1]


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Rng:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x, word = splitmix64(x)
            self.s.append(word)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return float(self.next() >> 11) * 2.0**-53


# ---- spaces: (name, kind, low, high, log or choices) -------------------------------

SPACES = {
    "branin": [("x1", "uniform", -5.0, 10.0), ("x2", "uniform", 0.0, 15.0)],
    "hartmann6": [("x%d" % i, "uniform", 0.0, 1.0) for i in range(1, 7)],
    "mixed": [
        ("x1", "uniform", 0.0, 1.0),
        ("x2", "uniform", 0.0, 1.0),
        ("x3", "uniform", 0.0, 1.0),
        ("lr", "loguniform", 1e-4, 1.0),
        ("layers", "int", 1, 8),
        ("batch", "logint", 16, 512),
        ("optimizer", "choice", ["sgd", "adam", "rmsprop", "lamb"]),
        ("activation", "choice", ["relu", "tanh", "gelu"]),
    ],
}

BELOW_ONE = 1.0 - 2.0**-53


def clamp_unit(u):
    return min(max(u, 0.0), BELOW_ONE)


def encode(space, values):
    """SearchSpace::Encode: native values to the unit cube."""
    unit = []
    for spec, v in zip(space, values):
        kind = spec[1]
        if kind == "uniform":
            unit.append(clamp_unit((v - spec[2]) / (spec[3] - spec[2])))
        elif kind == "loguniform":
            lo, hi = math.log(spec[2]), math.log(spec[3])
            unit.append(clamp_unit((math.log(v) - lo) / (hi - lo)))
        elif kind == "int":
            cells = spec[3] - spec[2] + 1.0
            unit.append(clamp_unit((v - spec[2] + 0.5) / cells))
        elif kind == "logint":
            lo, hi = math.log(spec[2]), math.log(spec[3] + 1.0)
            centre = 0.5 * (math.log(v) + math.log(v + 1.0))
            unit.append(clamp_unit((centre - lo) / (hi - lo)))
        else:
            unit.append(clamp_unit((v + 0.5) / float(len(spec[2]))))
    return unit


# ---- objectives: value(native values, trial, budget) ------------------------------


def fidelity(budget):
    return min(max(budget / MAX_BUDGET, 0.0), 1.0)


def branin(x, _trial, budget):
    z = fidelity(budget)
    x1, x2 = x
    pi = math.pi
    b = 5.1 / (4.0 * pi * pi) - 0.01 * (1.0 - z)
    c = 5.0 / pi - 0.1 * (1.0 - z)
    t = 1.0 / (8.0 * pi) + 0.05 * (1.0 - z)
    inner = x2 - b * x1 * x1 + c * x1 - 6.0
    return inner * inner + 10.0 * (1.0 - t) * math.cos(x1) + 10.0


HA = [[10.0, 3.0, 17.0, 3.5, 1.7, 8.0], [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
      [3.0, 3.5, 1.7, 10.0, 17.0, 8.0], [17.0, 8.0, 0.05, 10.0, 0.1, 14.0]]
HP = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
      [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
HALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(x, _trial, budget):
    z = fidelity(budget)
    total = 0.0
    for i in range(4):
        exponent = 0.0
        for j in range(6):
            d = x[j] - HP[i][j]
            exponent += HA[i][j] * d * d
        total += (HALPHA[i] - 0.1 * (1.0 - z)) * math.exp(-exponent)
    return -total


class Curve:
    def __init__(self, space, seed):
        self.space, self.seed = space, seed
        rng = Rng(mix(seed, 0x637572766555))
        n = max(1.0, float(len(space)))
        self.dims = []
        for _ in space:
            weight = (0.5 + rng.uniform()) / n
            centre = 0.2 + 0.6 * rng.uniform()
            scale_freq = 0.5 + rng.uniform()
            scale_phase = 2.0 * math.pi * rng.uniform()
            rate_freq = 0.5 + rng.uniform()
            rate_phase = 2.0 * math.pi * rng.uniform()
            self.dims.append((weight, centre, scale_freq, scale_phase, rate_freq, rate_phase))

    def smooth(self, u, for_rate):
        total = 0.0
        for ui, dim in zip(u, self.dims):
            freq, phase = (dim[4], dim[5]) if for_rate else (dim[2], dim[3])
            total += math.sin(2.0 * math.pi * freq * ui + phase)
        return 0.5 + 0.5 * math.tanh(1.5 * total / math.sqrt(float(len(u))))

    def __call__(self, x, trial, budget):
        u = encode(self.space, x)
        final = 0.1
        for ui, dim in zip(u, self.dims):
            d = ui - dim[1]
            final += dim[0] * d * d
        scale = 0.2 + 1.3 * self.smooth(u, False)
        rate = 0.3 + 0.9 * self.smooth(u, True)
        b = max(budget, 1e-3)
        bits = struct.unpack("<Q", struct.pack("<d", budget))[0]
        noise = 0.01 * (float(mix(mix(self.seed, trial), bits) >> 11) * 2.0**-53 * 2.0 - 1.0)
        return final + scale * math.pow(b, -rate) + noise


def objective_fn(name):
    if name == "mixed":
        return Curve(SPACES[name], OBJECTIVE_SEED)
    return {"branin": branin, "hartmann6": hartmann6}[name]


def suggest(trial, space):
    values = []
    for spec in space:
        name, kind = spec[0], spec[1]
        if kind in ("uniform", "loguniform"):
            values.append(trial.suggest_float(name, spec[2], spec[3], log=kind == "loguniform"))
        elif kind in ("int", "logint"):
            values.append(float(trial.suggest_int(name, spec[2], spec[3], log=kind == "logint")))
        else:
            values.append(float(spec[2].index(trial.suggest_categorical(name, spec[2]))))
    return values


def run(name, seed, budget, target, workers=1):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space, fn = SPACES[name], objective_fn(name)
    # HyperbandPruner assigns trials to brackets by hashing the study name with the
    # trial number: a fixed name makes the run repeatable (the default name is random).
    # With several workers the sampler treats running trials as constant liars
    # (Optuna's own answer to parallel TPE; experimental in 3.1, hence the filter).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=workers > 1)
    study = optuna.create_study(
        study_name="%s-seed%d" % (name, seed), sampler=sampler,
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=int(MAX_BUDGET), reduction_factor=3))
    units, best, to_target, decide, trials, time_ = 0, math.inf, math.nan, 0.0, 0, 0

    def start_trial():
        nonlocal decide, trials
        started = time.perf_counter()
        trial = study.ask()
        x = suggest(trial, space)
        decide += time.perf_counter() - started
        trials += 1
        return [trial, x, 0]

    # The same lock step as the mpitune side: each tick every worker trains one unit
    # and reports it (in worker order), then free workers ask for trials (in order).
    slots = [start_trial() for _ in range(workers)]
    while units < budget:
        time_ += 1
        for w, slot in enumerate(slots):
            if slot is None:
                continue
            trial, x, step = slot
            if units + 1 > budget:
                for other in slots:
                    if other is not None:
                        study.tell(other[0], state=optuna.trial.TrialState.FAIL)
                units = budget
                break
            units += 1
            step += 1
            slot[2] = step
            value = fn(x, trial.number, float(step))
            started = time.perf_counter()
            trial.report(value, step)
            if step == int(MAX_BUDGET):
                study.tell(trial, value)
                decide += time.perf_counter() - started
                slots[w] = None
                if value < best:
                    best = value
                    if math.isnan(to_target) and value <= target:
                        to_target = units
                continue
            pruned = trial.should_prune()
            if pruned:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                slots[w] = None
            decide += time.perf_counter() - started
        if units < budget:
            slots = [start_trial() if slot is None else slot for slot in slots]
    print("%d %.17g %.17g %d %.3f %d" % (seed, best, to_target, trials, 1e6 * decide / max(trials, 1), time_))


def random_config(space, rng):
    values = []
    for spec in space:
        kind = spec[1]
        if kind == "uniform":
            values.append(rng.uniform(spec[2], spec[3]))
        elif kind == "loguniform":
            values.append(math.exp(rng.uniform(math.log(spec[2]), math.log(spec[3]))))
        elif kind in ("int", "logint"):
            values.append(float(rng.randint(spec[2], spec[3])))
        else:
            values.append(float(rng.randrange(len(spec[2]))))
    return values


def check(name, binary, samples=300):
    space, fn = SPACES[name], objective_fn(name)
    rng = random.Random(12345)
    cases = [(rng.randrange(10000), float(rng.randint(1, int(MAX_BUDGET))), random_config(space, rng))
             for _ in range(samples)]
    lines = "".join("%d %r %s\n" % (t, b, " ".join(repr(v) for v in x)) for t, b, x in cases)
    out = subprocess.run([binary, "values", name], input=lines, capture_output=True, text=True, check=True).stdout
    theirs = [float(v) for v in out.split()]
    if len(theirs) != len(cases):
        sys.exit("check %s: %d values for %d configs" % (name, len(theirs), len(cases)))
    worst = max(abs(fn(x, t, b) - v) for (t, b, x), v in zip(cases, theirs))
    print("%.3g" % worst)


if __name__ == "__main__":
    if len(sys.argv) in (6, 7) and sys.argv[1] == "run":
        run(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]),
            int(sys.argv[6]) if len(sys.argv) == 7 else 1)
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
