// Scheduler decision cost: one iteration = Next() + Report() + Finished() on a study
// that already holds N trials (10^4, 10^5, 10^6); for PBT, the cost per report with a
// population of 10^3 and 10^5 members (RunPbt). Run:
//   build/bench/scheduler_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// and read the median of "time" (ns per next+report pair).
#include <benchmark/benchmark.h>

#include <memory>

#include "mpitune/scheduler.h"

namespace mpitune {
namespace {

SearchSpace BenchSpace() {
  ParamSpec lr{"lr", ParamType::kLogUniform, 1e-5, 1e-1, false, {}};
  ParamSpec layers{"layers", ParamType::kInt, 1, 8, false, {}};
  return *SearchSpace::Create({lr, layers});
}

// One worker's cycle: take work, report its result at the target budget, let go.
void Cycle(Scheduler& scheduler, Rng& values, double& now) {
  NextAction action = scheduler.Next(now);
  const Assignment& a = std::get<Assignment>(action);
  scheduler.Report(a.trial, a.budget, values.Uniform(), now);
  scheduler.Finished(a.trial, TrialOutcome::kExited, now);
  now += 1.0;
}

std::unique_ptr<Scheduler> Prefilled(SchedulerKind kind, AshaVariant variant, std::int64_t trials) {
  SchedulerOptions options;
  options.kind = kind;
  options.variant = variant;
  options.min_budget = 1;
  options.max_budget = 81;
  options.eta = 3;
  options.max_trials = kMaxTrialsLimit;  // never the limit here
  options.seed = 1;
  auto scheduler = MakeScheduler(BenchSpace(), options);
  Rng values(2);
  double now = 0;
  while (static_cast<std::int64_t>(scheduler->trials().size()) < trials) Cycle(*scheduler, values, now);
  return scheduler;
}

void RunPairs(benchmark::State& state, SchedulerKind kind, AshaVariant variant) {
  auto scheduler = Prefilled(kind, variant, state.range(0));
  Rng values(3);
  double now = 0;
  for (auto _ : state) Cycle(*scheduler, values, now);
  state.SetItemsProcessed(state.iterations());
  state.counters["trials_in_study"] = static_cast<double>(scheduler->trials().size());
}

// Population-based training with P members on one worker: every iteration resumes
// the member trained least (its exploit decision ranks the population: O(P)) and
// feeds it `reports` reports up to its next ready point, where it pauses. The time
// per item is the cost per report; with reports = 1 every report is a ready point
// (the worst case).
void RunPbt(benchmark::State& state, int reports) {
  const std::int64_t population = state.range(0);
  SchedulerOptions options;
  options.kind = SchedulerKind::kPbt;
  options.max_trials = population;
  options.max_budget = 1e12;  // nobody finishes while it is measured
  options.seed = 1;
  options.pbt.population = population;
  options.pbt.perturbation_interval = reports;
  auto scheduler = MakeScheduler(BenchSpace(), options);
  Rng values(2);
  double now = 0;
  const auto run = [&] {
    const Assignment a = std::get<Assignment>(scheduler->Next(now));
    for (int i = 1; i <= reports; ++i) scheduler->Report(a.trial, a.resume_step + i, values.Uniform(), now);
    scheduler->Finished(a.trial, TrialOutcome::kExited, now);
    now += 1.0;
  };
  for (std::int64_t i = 0; i < population; ++i) run();  // every member has a checkpoint
  for (auto _ : state) run();
  state.SetItemsProcessed(state.iterations() * reports);
  state.counters["exploits"] = static_cast<double>(scheduler->Exploits().size());
}

// Each size is its own benchmark with a fixed N/10 iterations, so the study grows by
// at most 10% while it is measured and "10^6" really means about 10^6 trials.
void RegisterAll() {
  struct Variant {
    const char* name;
    SchedulerKind kind;
    AshaVariant variant;
  };
  for (const Variant v : {Variant{"AshaPromotion", SchedulerKind::kAsha, AshaVariant::kPromotion},
                          Variant{"AshaStopping", SchedulerKind::kAsha, AshaVariant::kStopping},
                          Variant{"HyperbandPromotion", SchedulerKind::kHyperband, AshaVariant::kPromotion}}) {
    for (std::int64_t trials : {10'000, 100'000, 1'000'000}) {
      benchmark::RegisterBenchmark(v.name, [v](benchmark::State& state) { RunPairs(state, v.kind, v.variant); })
          ->Arg(trials)
          ->Iterations(trials / 10)
          ->Unit(benchmark::kNanosecond);
    }
  }
  for (const int reports : {1, 10}) {
    for (std::int64_t population : {1'000, 100'000}) {
      benchmark::RegisterBenchmark(reports == 1 ? "PbtEveryReportAReadyPoint" : "PbtTenReportsPerReadyPoint",
                                   [reports](benchmark::State& state) { RunPbt(state, reports); })
          ->Arg(population)
          ->Iterations(population >= 100'000 ? 2'000 : 20'000)
          ->Unit(benchmark::kNanosecond);
    }
  }
}

}  // namespace
}  // namespace mpitune

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  mpitune::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
