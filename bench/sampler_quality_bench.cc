// The mpitune half of the side-by-side comparison with Optuna (bench/tpe_vs_optuna.py
// runs both and prints the table). WORKERS virtual workers (default 1) train trials in
// lock step at equal budget: every budget unit trained costs one unit, a promoted
// trial pays only its new units, and the run stops when the budget is spent. Run:
//   build/bench/sampler_quality_bench OBJECTIVE SCHEDULER SAMPLER FIRST_SEED SEEDS BUDGET TARGET [WORKERS]
//     OBJECTIVE branin | hartmann6 | mixed; SCHEDULER asha | hyperband; SAMPLER tpe | random
// Prints one line per seed: "seed best units_to_target trials decide_us time" (decide_us:
// wall microseconds inside the scheduler per trial; time: virtual ticks, one unit per
// busy worker each).
//   build/bench/sampler_quality_bench values OBJECTIVE < configs
// evaluates "trial budget v1 v2 ..." lines (native encoding) and prints each value
// with 17 digits, for the Python re-implementation's equality check.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/scheduler.h"

namespace mpitune {
namespace {

constexpr double kMaxBudget = 27.0;
// The objective's own seed (curve shapes and noise) is fixed: only the search varies.
constexpr std::uint64_t kObjectiveSeed = 1;

ParamSpec Numeric(const char* name, ParamType type, double low, double high, bool log = false) {
  return ParamSpec{name, type, low, high, log, {}};
}

ParamSpec Categorical(const char* name, std::vector<ParamValue> choices) {
  return ParamSpec{name, ParamType::kChoice, 0, 1, false, std::move(choices)};
}

// "mixed" is the curve objective over eight parameters of every kind; bench/
// optuna_peer.py declares the same spaces.
Result<SearchSpace> BenchSpace(const std::string& objective) {
  if (objective == "branin") {
    return SearchSpace::Create({Numeric("x1", ParamType::kUniform, -5, 10), Numeric("x2", ParamType::kUniform, 0, 15)});
  }
  if (objective == "hartmann6") {
    std::vector<ParamSpec> params;
    for (const char* name : {"x1", "x2", "x3", "x4", "x5", "x6"}) params.push_back(Numeric(name, ParamType::kUniform, 0, 1));
    return SearchSpace::Create(std::move(params));
  }
  if (objective == "mixed") {
    return SearchSpace::Create({
        Numeric("x1", ParamType::kUniform, 0, 1),
        Numeric("x2", ParamType::kUniform, 0, 1),
        Numeric("x3", ParamType::kUniform, 0, 1),
        Numeric("lr", ParamType::kLogUniform, 1e-4, 1.0),
        Numeric("layers", ParamType::kInt, 1, 8),
        Numeric("batch", ParamType::kInt, 16, 512, true),
        Categorical("optimizer", {std::string("sgd"), std::string("adam"), std::string("rmsprop"), std::string("lamb")}),
        Categorical("activation", {std::string("relu"), std::string("tanh"), std::string("gelu")}),
    });
  }
  return Status::BadInput("objective: expected branin, hartmann6 or mixed, got '" + objective + "'");
}

std::string ObjectiveName(const std::string& objective) { return objective == "mixed" ? "curve" : objective; }

struct RunResult {
  double best = HUGE_VAL;          // best value reported at the full budget
  double units_to_target = NAN;    // units spent when a full-budget value first reached the target
  std::int64_t trials = 0;
  double decide_seconds = 0.0;     // wall time inside the scheduler's Next/Report/Finished
  std::int64_t decisions = 0;
  double time = 0.0;               // virtual time: one unit per worker per tick
};

// One virtual worker: the trial it trains, if any.
struct Slot {
  Assignment assignment;
  std::unique_ptr<ObjectiveSession> run;
  double step = 0.0;
};

// `workers` virtual workers in lock step: each tick every busy worker trains one
// unit and reports it (in worker order), then every free worker asks for work (in
// worker order). Virtual time is the tick count, so with one worker it equals the
// units spent. The run stops when the budget is spent, mid-trial if need be.
RunResult RunOne(const SearchSpace& space, const Objective& objective, SchedulerOptions options, double budget,
                 double target, int workers) {
  auto scheduler = MakeScheduler(space, options);
  RunResult result;
  double units = 0.0;
  const auto timed = [&](auto call) {
    const auto start = std::chrono::steady_clock::now();
    auto answer = call();
    result.decide_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++result.decisions;
    return answer;
  };
  std::vector<Slot> slots(static_cast<std::size_t>(workers));
  bool done = false;
  const auto hand_out = [&] {
    for (Slot& slot : slots) {
      if (slot.run != nullptr || done) continue;
      const NextAction action = timed([&] { return scheduler->Next(result.time); });
      if (std::holds_alternative<Done>(action)) done = true;
      const auto* assignment = std::get_if<Assignment>(&action);
      if (assignment == nullptr) continue;  // Wait: ask again next tick
      result.trials = std::max<std::int64_t>(result.trials, assignment->trial + 1);
      slot.assignment = *assignment;
      slot.run = objective.Start(assignment->config, assignment->trial, assignment->resume_step);
      slot.step = assignment->resume_step;
    }
  };
  hand_out();
  while (units < budget) {
    bool busy = false;
    result.time += 1.0;
    for (Slot& slot : slots) {
      if (slot.run == nullptr) continue;
      busy = true;
      if (units + 1.0 > budget + 1e-9) return result;
      const Assignment& assignment = slot.assignment;
      slot.step = std::min(std::floor(slot.step) + 1.0, assignment.budget);
      units += 1.0;
      const double value = slot.run->Advance(slot.step);
      if (slot.step >= kMaxBudget && value < result.best) {
        result.best = value;
        if (std::isnan(result.units_to_target) && value <= target) result.units_to_target = units;
      }
      const Decision decision =
          timed([&] { return scheduler->Report(assignment.trial, slot.step, value, result.time); });
      if (decision.kind != DecisionKind::kContinue || slot.step >= assignment.budget) {
        timed([&] {
          scheduler->Finished(assignment.trial, TrialOutcome::kExited, result.time);
          return 0;
        });
        slot.run.reset();
      }
    }
    if (!busy) {  // nothing ran this tick: the scheduler is done or waits on nothing
      result.time -= 1.0;
      break;
    }
    hand_out();
  }
  return result;
}

int PrintValues(const std::string& name) {
  Result<SearchSpace> space = BenchSpace(name);
  if (!space.ok()) return std::fprintf(stderr, "%s\n", space.status().message().c_str()), 2;
  auto objective = MakeObjective(ObjectiveName(name), *space, kMaxBudget, kObjectiveSeed);
  if (!objective.ok()) return std::fprintf(stderr, "%s\n", objective.status().message().c_str()), 2;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    TrialId trial = 0;
    double budget = 0;
    Config config;
    in >> trial >> budget;
    for (double v = 0; in >> v;) config.values.push_back(v);
    if (config.values.size() != space->size() || !space->Contains(config)) {
      return std::fprintf(stderr, "bad config line: %s\n", line.c_str()), 2;
    }
    std::printf("%.17g\n", (*objective)->Start(config, trial, 0.0)->Advance(budget));
  }
  return 0;
}

int Run(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "values") return PrintValues(argv[2]);
  if (argc != 8 && argc != 9) {
    std::fprintf(stderr, "usage: %s OBJECTIVE asha|hyperband tpe|random FIRST_SEED SEEDS BUDGET TARGET [WORKERS]\n",
                 argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const std::string scheduler = argv[2];
  const std::string sampler = argv[3];
  const int first_seed = std::atoi(argv[4]);
  const int seeds = std::atoi(argv[5]);
  const double budget = std::atof(argv[6]);
  const double target = std::atof(argv[7]);
  const int workers = argc == 9 ? std::atoi(argv[8]) : 1;
  Result<SearchSpace> space = BenchSpace(name);
  if (!space.ok()) return std::fprintf(stderr, "%s\n", space.status().message().c_str()), 2;
  auto objective = MakeObjective(ObjectiveName(name), *space, kMaxBudget, kObjectiveSeed);
  if (!objective.ok()) return std::fprintf(stderr, "%s\n", objective.status().message().c_str()), 2;
  if ((scheduler != "asha" && scheduler != "hyperband") || (sampler != "tpe" && sampler != "random") || workers < 1) {
    std::fprintf(stderr, "scheduler: asha or hyperband; sampler: tpe or random; workers: at least 1\n");
    return 2;
  }
  SchedulerOptions options;
  options.kind = scheduler == "asha" ? SchedulerKind::kAsha : SchedulerKind::kHyperband;
  options.min_budget = 1;
  options.max_budget = kMaxBudget;
  options.eta = 3;
  options.max_trials = kMaxTrialsLimit;
  options.sampler.kind = sampler == "tpe" ? SamplerKind::kTpe : SamplerKind::kRandom;
  for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
    options.seed = static_cast<std::uint64_t>(seed);
    const RunResult r = RunOne(*space, **objective, options, budget, target, workers);
    std::printf("%d %.17g %.17g %lld %.3f %.0f\n", seed, r.best, r.units_to_target, static_cast<long long>(r.trials),
                1e6 * r.decide_seconds / static_cast<double>(std::max<std::int64_t>(r.trials, 1)), r.time);
  }
  return 0;
}

}  // namespace
}  // namespace mpitune

int main(int argc, char** argv) { return mpitune::Run(argc, argv); }
