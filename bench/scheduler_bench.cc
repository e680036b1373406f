// Scheduler decision cost: one iteration = Next() + Report() + Finished() on a study
// that already holds N trials (10^4, 10^5, 10^6); for PBT, the cost per report with a
// population of 10^3 and 10^5 members (RunPbt); for the TPE sampler, the cost of one
// new trial's config in a study that has seen N = 10^3, 10^4, 10^5 results and has
// 1,000 trials running (RunTpe). Run:
//   build/bench/scheduler_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// and read the median of "time" (ns per next+report pair).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

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

// The TPE sampler in the steady state of a big study: N results spread over four
// rungs as ASHA leaves them (N, N/3, N/9, N/27), 1,000 trials running (liars); each
// iteration proposes a config, starts it, and retires the oldest running trial with
// a result, so the counts stay put while it is measured.
void RunTpe(benchmark::State& state) {
  const std::int64_t results = state.range(0);
  std::vector<ParamSpec> params;
  for (const char* name : {"x1", "x2", "x3", "x4", "x5"}) params.push_back(ParamSpec{name, ParamType::kUniform, 0, 1, false, {}});
  params.push_back(ParamSpec{"opt", ParamType::kChoice, 0, 1, false, {std::string("sgd"), std::string("adam")}});
  const SearchSpace space = *SearchSpace::Create(params);
  SamplerOptions options;
  options.kind = SamplerKind::kTpe;
  auto sampler = MakeSampler(space, options, 1);
  Rng rng(4);
  std::vector<double> unit(space.size());
  const auto random_config = [&] {
    for (double& u : unit) u = rng.Uniform();
    return space.Decode(unit);
  };
  TrialId next_id = 0;
  for (int rung = 0, share = 1; rung < 4; ++rung, share *= 3) {
    for (std::int64_t i = 0; i < results / share; ++i) sampler->Observed(next_id++, random_config(), rung, rng.Uniform());
  }
  constexpr TrialId kRunning = 1'000;
  std::vector<std::pair<TrialId, Config>> running;
  for (TrialId i = 0; i < kRunning; ++i) {
    running.emplace_back(next_id, random_config());
    sampler->Started(next_id++, running.back().second);
  }
  std::size_t oldest = 0;
  for (auto _ : state) {
    const Config config = *sampler->Next(rng);
    sampler->Started(next_id, config);
    auto& [id, started] = running[oldest];
    sampler->Observed(id, started, 0, rng.Uniform());
    running[oldest] = {next_id++, config};
    oldest = (oldest + 1) % running.size();
  }
  state.SetItemsProcessed(state.iterations());
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
  for (std::int64_t results : {1'000, 10'000, 100'000}) {
    benchmark::RegisterBenchmark("TpeNewTrial", RunTpe)->Arg(results)->Iterations(2'000)->Unit(benchmark::kMicrosecond);
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
