// How long `mpitune export` takes to write a large study as SQL, per dialect: a
// study of 10,000 trials with 5 hyperparameters and 100,000 reports, built in memory
// (reading the study file is the store's cost, measured elsewhere). Prints the
// script's size as a counter.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include "mpitune/export.h"
#include "mpitune/study.h"

namespace mpitune {
namespace {

Study LargeStudy() {
  Study study;
  study.name = "large";
  study.metric = "loss";
  study.space = SearchSpace::Create({{"lr", ParamType::kLogUniform, 1e-5, 1, false, {}},
                                     {"layers", ParamType::kInt, 1, 8, false, {}},
                                     {"feature_config.features[:].embedding_dim", ParamType::kInt, 8, 128, false, {}},
                                     {"opt", ParamType::kChoice, 0, 1, false, {std::string("sgd"), std::string("adam")}},
                                     {"dropout", ParamType::kUniform, 0, 0.5, false, {}}})
                    .value();
  study.rung_budgets = {1, 3, 9, 27};
  constexpr int kTrials = 10'000;
  for (int i = 0; i < kTrials; ++i) {
    StudyTrial trial;
    trial.id = i;
    trial.state = TrialState::kStopped;
    trial.value = std::sin(i) + 1.5;
    trial.value_budget = 1;
    trial.rung_values = {trial.value, std::nullopt, std::nullopt, std::nullopt};
    trial.params = {1e-3 * (1 + i % 7), std::int64_t{1 + i % 8}, std::int64_t{8 + i % 120},
                    std::string(i % 2 ? "sgd" : "adam"), 0.01 * (i % 50)};
    study.trials.push_back(trial);
    RunRecord run;
    run.trial = i;
    run.finished = true;
    run.duration = 1.25;
    study.runs.push_back(run);
    for (int step = 1; step <= 10; ++step) {
      study.reports.push_back({i, static_cast<double>(step), std::sin(i + step) + 1.5, i + 0.1 * step, 1});
    }
  }
  study.best = 0;
  return study;
}

void BM_ExportLargeStudy(benchmark::State& state) {
  static const Study study = LargeStudy();
  ExportOptions options;
  options.dialect = static_cast<SqlDialect>(state.range(0));
  options.partition = "20261127";
  std::size_t bytes = 0;
  for (auto _ : state) {
    Result<std::string> script = ExportStudies({study}, options);
    bytes = script->size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetLabel(SqlDialectName(options.dialect));
  state.counters["script_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_ExportLargeStudy)
    ->Arg(static_cast<int>(SqlDialect::kMaxCompute))
    ->Arg(static_cast<int>(SqlDialect::kHive))
    ->Arg(static_cast<int>(SqlDialect::kSqlite))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mpitune

BENCHMARK_MAIN();
