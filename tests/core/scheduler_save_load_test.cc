// Save/Load of the complete scheduler state: a scheduler saved at any event and loaded
// into a fresh one must make exactly the same decisions as the original from then on.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/scheduler_test_util.h"

namespace mpitune {
namespace {

using testing::OneParamSpace;
using testing::Options;

// A deterministic cluster: W workers, events picked by its own RNG, faults injected
// (failures, interruptions, NaN results) so every code path is crossed. Copyable, so
// a cut can continue two identical clusters against the original and the reloaded
// scheduler.
class FakeCluster {
 public:
  FakeCluster(int workers, std::uint64_t seed) : rng_(seed), workers_(static_cast<std::size_t>(workers)) {}

  bool finished() const { return retired_ == workers_.size(); }

  void Step(Scheduler& scheduler, std::vector<std::string>& trace) {
    now_ += 1.0;
    Worker& worker = workers_[rng_.Below(workers_.size())];
    if (worker.retired) return;
    if (!worker.busy) {
      NextAction action = scheduler.Next(now_);
      if (auto* a = std::get_if<Assignment>(&action)) {
        worker.busy = true;
        worker.assignment = *a;
        worker.step = a->resume_step;
        trace.push_back(fmt::format("assign {} b{} r{} budget {} from {} of {} x={}", a->trial, a->bracket, a->rung,
                                    a->budget, a->resume_step, a->restore_from.value_or(a->trial),
                                    a->config.values.at(0)));
      } else if (std::holds_alternative<Done>(action)) {
        worker.retired = true;
        ++retired_;
        trace.push_back("done");
      } else {
        trace.push_back("wait");
      }
      return;
    }
    const TrialId trial = worker.assignment.trial;
    const std::uint64_t dice = rng_.Below(100);
    if (dice < 3 || dice == 3) {
      const TrialOutcome outcome = dice < 2 ? TrialOutcome::kFailed : dice == 2 ? TrialOutcome::kLost : TrialOutcome::kInterrupted;
      scheduler.Finished(trial, outcome, now_);
      worker.busy = false;
      trace.push_back(fmt::format("finished {} {}", trial, TrialOutcomeName(outcome)));
      return;
    }
    worker.step = std::min(worker.step + 1.0, worker.assignment.budget);
    const double value = dice < 6 ? std::numeric_limits<double>::quiet_NaN()
                                  : static_cast<double>(Rng::Mix(static_cast<std::uint64_t>(trial), 17) % 1000) /
                                        (1.0 + worker.step);
    const Decision decision = scheduler.Report(trial, worker.step, value, now_);
    trace.push_back(fmt::format("report {} {} -> {}", trial, worker.step, DecisionKindName(decision.kind)));
    if (decision.kind != DecisionKind::kContinue || worker.step >= worker.assignment.budget) {
      scheduler.Finished(trial, TrialOutcome::kExited, now_);
      worker.busy = false;
    }
  }

  std::vector<std::string> RunToEnd(Scheduler& scheduler) {
    std::vector<std::string> trace;
    for (int guard = 0; guard < 200000 && !finished(); ++guard) Step(scheduler, trace);
    EXPECT_TRUE(finished()) << "study did not end";
    return trace;
  }

 private:
  struct Worker {
    bool busy = false;
    bool retired = false;
    Assignment assignment;
    double step = 0.0;
  };
  Rng rng_;
  std::vector<Worker> workers_;
  std::size_t retired_ = 0;
  double now_ = 0.0;
};

struct Case {
  std::string name;
  SchedulerOptions options;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> AllSchedulers() {
  std::vector<Case> cases = {
      {"fifo", Options(SchedulerKind::kFifo, 1, 4, 12)},
      {"sha", Options(SchedulerKind::kSha, 1, 9, 18)},
      {"asha_promotion", Options(SchedulerKind::kAsha, 1, 9, 30)},
      {"asha_stopping", Options(SchedulerKind::kAsha, 1, 9, 30, AshaVariant::kStopping)},
      {"hyperband_promotion", Options(SchedulerKind::kHyperband, 1, 9, 30)},
      {"hyperband_stopping", Options(SchedulerKind::kHyperband, 1, 9, 30, AshaVariant::kStopping)},
  };
  Case quasi = {"asha_quasi", Options(SchedulerKind::kAsha, 1, 9, 20)};
  quasi.options.sampler.kind = SamplerKind::kQuasiRandom;
  cases.push_back(quasi);
  // The model-based sampler with each policy: enough trials that the model is fitted
  // (and refitted from a higher rung) well before the end, with pending trials as liars.
  for (Case tpe : {Case{"fifo_tpe", Options(SchedulerKind::kFifo, 1, 4, 24)},
                   Case{"sha_tpe", Options(SchedulerKind::kSha, 1, 9, 27)},
                   Case{"asha_promotion_tpe", Options(SchedulerKind::kAsha, 1, 9, 40)},
                   Case{"hyperband_stopping_tpe", Options(SchedulerKind::kHyperband, 1, 9, 40, AshaVariant::kStopping)}}) {
    tpe.options.sampler.kind = SamplerKind::kTpe;
    cases.push_back(tpe);
  }
  for (const bool synchronous : {false, true}) {
    Case pbt = {synchronous ? "pbt_synchronous" : "pbt_asynchronous", Options(SchedulerKind::kPbt, 1, 9, 30)};
    pbt.options.pbt.population = 5;  // more members than the cluster's 3 workers
    pbt.options.pbt.perturbation_interval = 2;
    pbt.options.pbt.quantile = 0.4;
    pbt.options.pbt.synchronous = synchronous;
    cases.push_back(pbt);
  }
  return cases;
}

class SaveLoadTest : public ::testing::TestWithParam<Case> {};

TEST_P(SaveLoadTest, ReloadedSchedulerDecidesExactlyLikeTheOriginalAtEveryCut) {
  const SearchSpace space = OneParamSpace();
  const SchedulerOptions& options = GetParam().options;
  const int workers = 3;

  auto reference = MakeScheduler(space, options);
  FakeCluster reference_cluster(workers, 99);
  const std::vector<std::string> full = reference_cluster.RunToEnd(*reference);
  ASSERT_GT(full.size(), 20u);

  for (std::size_t cut = 0; cut <= full.size(); ++cut) {
    auto original = MakeScheduler(space, options);
    FakeCluster cluster(workers, 99);
    std::vector<std::string> prefix;
    for (std::size_t i = 0; i < cut && !cluster.finished(); ++i) cluster.Step(*original, prefix);

    SavedState saved;
    original->Save(saved);
    auto reloaded = MakeScheduler(space, options);
    ASSERT_TRUE(reloaded->Load(saved).ok()) << "cut " << cut;
    SavedState resaved;
    reloaded->Save(resaved);
    ASSERT_TRUE(resaved == saved) << "save -> load -> save differs at cut " << cut;

    FakeCluster twin = cluster;
    std::vector<std::string> rest_original = cluster.RunToEnd(*original);
    std::vector<std::string> rest_reloaded = twin.RunToEnd(*reloaded);
    ASSERT_EQ(rest_original, rest_reloaded) << "decisions diverge after cut " << cut;

    prefix.insert(prefix.end(), rest_original.begin(), rest_original.end());
    ASSERT_EQ(prefix, full) << "cut " << cut;
    SavedState end_original, end_reloaded;
    original->Save(end_original);
    reloaded->Save(end_reloaded);
    ASSERT_TRUE(end_original == end_reloaded) << "final states differ after cut " << cut;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers, SaveLoadTest, ::testing::ValuesIn(AllSchedulers()),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

TEST(SaveLoad, RefusesAStateFromAnotherScheduler) {
  const SearchSpace space = OneParamSpace();
  auto asha = MakeScheduler(space, Options(SchedulerKind::kAsha, 1, 9, 10));
  SavedState saved;
  asha->Save(saved);
  auto sha = MakeScheduler(space, Options(SchedulerKind::kSha, 1, 9, 10));
  const Status status = sha->Load(saved);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("'asha'"), std::string::npos) << status.message();
}

TEST(SaveLoad, RefusesMissingOrTruncatedColumnsWithoutChangingTheScheduler) {
  const SearchSpace space = OneParamSpace();
  auto scheduler = MakeScheduler(space, Options(SchedulerKind::kAsha, 1, 9, 10));
  for (int i = 0; i < 4; ++i) (void)scheduler->Next(0);
  SavedState saved;
  scheduler->Save(saved);

  SavedState truncated = saved;
  truncated.Put("trials/last_step", SavedState::Doubles{1.0});
  auto target = MakeScheduler(space, Options(SchedulerKind::kAsha, 1, 9, 10));
  Status status = target->Load(truncated);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("trials/last_step"), std::string::npos) << status.message();
  EXPECT_TRUE(target->trials().empty());

  SavedState missing;
  for (const auto& [key, field] : saved.fields()) {
    if (key != "asha/bracket0/rung1/key") missing.Set(key, field);
  }
  status = target->Load(missing);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("asha/bracket0/rung1/key"), std::string::npos) << status.message();

  SavedState wrong_type = saved;
  wrong_type.Put("scheduler/rng", SavedState::Strings{"x"});
  EXPECT_FALSE(target->Load(wrong_type).ok());
}

TEST(SaveLoad, RefusesAStateFromAnotherSearchSpace) {
  auto scheduler = MakeScheduler(OneParamSpace(), Options(SchedulerKind::kAsha, 1, 9, 10));
  SavedState saved;
  scheduler->Save(saved);
  ParamSpec y;
  y.name = "y";
  Result<SearchSpace> other = SearchSpace::Create({y});
  ASSERT_TRUE(other.ok());
  auto target = MakeScheduler(*other, Options(SchedulerKind::kAsha, 1, 9, 10));
  EXPECT_FALSE(target->Load(saved).ok());
}

}  // namespace
}  // namespace mpitune
