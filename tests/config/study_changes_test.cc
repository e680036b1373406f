// StudyConfigChanges: what makes a requested config another study than the stored
// one (one line per changed key, naming it), and what does not (how trials run).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/study_store.h"
#include "store/study_test_util.h"
#include "config/study_changes.h"

namespace mpitune {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr const char* kBase = R"(study:
  name: changes
  metric: loss
  mode: min
  seed: 5
space:
  x: {type: uniform, low: 0, high: 1}
  opt: {type: choice, values: [sgd, adam]}
scheduler:
  type: asha
  max_trials: 30
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  objective: curve
  timeout: 30
resources:
  gpus_per_trial: 0
)";

// The base config with `from` replaced by `to` (which must occur exactly once).
std::string Edited(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " is there twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> Changes(const std::string& requested) {
  return StudyConfigChanges(testing::ParseConfigOrDie(kBase, "stored.yaml"),
                            testing::ParseConfigOrDie(requested, "requested.yaml"));
}

TEST(StudyConfigChanges, IdenticalConfigsAreTheSameStudy) {
  EXPECT_THAT(Changes(kBase), IsEmpty());
  // Formatting, comments and the source file are not the study.
  EXPECT_THAT(Changes(std::string("# the same study\n") + kBase), IsEmpty());
}

TEST(StudyConfigChanges, SpaceBound) {
  EXPECT_THAT(Changes(Edited("high: 1}", "high: 2}")), ElementsAre(AllOf(StartsWith("space.x:"), HasSubstr("0..1"),
                                                                          HasSubstr("0..2"))));
}

TEST(StudyConfigChanges, ParameterType) {
  EXPECT_THAT(Changes(Edited("type: uniform, low: 0", "type: loguniform, low: 0.1")),
              ElementsAre(StartsWith("space.x:")));
}

TEST(StudyConfigChanges, ChoiceValues) {
  EXPECT_THAT(Changes(Edited("[sgd, adam]", "[sgd, adam, adamw]")),
              ElementsAre(AllOf(StartsWith("space.opt:"), HasSubstr("adamw"))));
}

TEST(StudyConfigChanges, AddedParameter) {
  EXPECT_THAT(Changes(Edited("  opt: {", "  y: {type: int, low: 1, high: 4}\n  opt: {")),
              ElementsAre("space.y: added"));
}

TEST(StudyConfigChanges, RemovedParameter) {
  EXPECT_THAT(Changes(Edited("  opt: {type: choice, values: [sgd, adam]}\n", "")), ElementsAre("space.opt: removed"));
}

TEST(StudyConfigChanges, ParametersInAnotherOrder) {
  EXPECT_THAT(Changes(Edited("  x: {type: uniform, low: 0, high: 1}\n  opt: {type: choice, values: [sgd, adam]}\n",
                             "  opt: {type: choice, values: [sgd, adam]}\n  x: {type: uniform, low: 0, high: 1}\n")),
              ElementsAre(StartsWith("space:")));
}

TEST(StudyConfigChanges, Objective) {
  EXPECT_THAT(Changes(Edited("objective: curve", "objective: branin")),
              ElementsAre(AllOf(StartsWith("trial:"), HasSubstr("curve"), HasSubstr("branin"))));
  EXPECT_THAT(Changes(Edited("objective: curve", "command: [python3, train.py, \"{x}\"]")),
              ElementsAre(StartsWith("trial:")));
}

TEST(StudyConfigChanges, MetricAndMode) {
  EXPECT_THAT(Changes(Edited("metric: loss", "metric: val_loss")), ElementsAre("study.metric: loss -> val_loss"));
  EXPECT_THAT(Changes(Edited("mode: min", "mode: max")), ElementsAre("study.mode: min -> max"));
}

TEST(StudyConfigChanges, MaxTrials) {
  EXPECT_THAT(Changes(Edited("max_trials: 30", "max_trials: 40")), ElementsAre("scheduler.max_trials: 30 -> 40"));
}

TEST(StudyConfigChanges, Seed) {
  EXPECT_THAT(Changes(Edited("seed: 5", "seed: 6")), ElementsAre("study.seed: 5 -> 6"));
}

TEST(StudyConfigChanges, SchedulerOptions) {
  EXPECT_THAT(Changes(Edited("type: asha", "type: hyperband")), ElementsAre(StartsWith("scheduler.type:")));
  EXPECT_THAT(Changes(Edited("eta: 3", "eta: 2")), ElementsAre(StartsWith("scheduler.eta:")));
  EXPECT_THAT(Changes(Edited("max_budget: 9", "max_budget: 27")), ElementsAre(StartsWith("scheduler.max_budget:")));
}

TEST(StudyConfigChanges, PbtOptions) {
  const std::string stored = Edited("type: asha", "type: pbt\n  population: 4\n  perturbation_interval: 2");
  const auto changes = [&stored](const std::string& from, const std::string& to) {
    std::string requested = stored;
    requested.replace(requested.find(from), from.size(), to);
    return StudyConfigChanges(testing::ParseConfigOrDie(stored, "stored.yaml"),
                              testing::ParseConfigOrDie(requested, "requested.yaml"));
  };
  EXPECT_THAT(changes("population: 4", "population: 6"), ElementsAre("scheduler.population: 4 -> 6"));
  EXPECT_THAT(changes("perturbation_interval: 2", "perturbation_interval: 3"),
              ElementsAre("scheduler.perturbation_interval: 2 -> 3"));
  EXPECT_THAT(changes("population: 4", "population: 4\n  quantile: 0.5"),
              ElementsAre("scheduler.quantile: 0.25 -> 0.5"));
  EXPECT_THAT(changes("population: 4", "population: 4\n  perturbation_factors: [0.5, 2]"),
              ElementsAre("scheduler.perturbation_factors: [0.8, 1.2] -> [0.5, 2]"));
  EXPECT_THAT(changes("population: 4", "population: 4\n  synchronous: true"),
              ElementsAre("scheduler.synchronous: false -> true"));
  EXPECT_THAT(changes("population: 4", "population: 4\n  burn_in: 3"), ElementsAre("scheduler.burn_in: 0 -> 3"));
  EXPECT_THAT(changes("population: 4", "population: 4\n  resample_probability: 0"),
              ElementsAre("scheduler.resample_probability: 0.25 -> 0"));
}

TEST(StudyConfigChanges, HowTrialsRunIsNotAChange) {
  EXPECT_THAT(Changes(Edited("timeout: 30", "timeout: 600")), IsEmpty());
  EXPECT_THAT(Changes(Edited("timeout: 30", "timeout: 30\n  lost_after: 60")), IsEmpty());
  EXPECT_THAT(Changes(Edited("gpus_per_trial: 0", "gpus_per_trial: 2")), IsEmpty());
  EXPECT_THAT(Changes(Edited("gpus_per_trial: 0", "gpus_per_trial: 1\n  devices: [0, 1]")), IsEmpty());
}

TEST(StudyConfigChanges, SeveralChangesOneLineEach) {
  std::string requested = Edited("seed: 5", "seed: 6");
  requested.replace(requested.find("max_trials: 30"), 14, "max_trials: 31");
  requested.replace(requested.find("high: 1}"), 8, "high: 3}");
  const std::vector<std::string> changes = Changes(requested);
  EXPECT_EQ(changes.size(), 3u);
  EXPECT_THAT(changes, ::testing::Contains(StartsWith("space.x:")));
  EXPECT_THAT(changes, ::testing::Contains("study.seed: 5 -> 6"));
  EXPECT_THAT(changes, ::testing::Contains("scheduler.max_trials: 30 -> 31"));
}

}  // namespace
}  // namespace mpitune
