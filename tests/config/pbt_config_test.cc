// The pbt scheduler's keys: defaults, every key read, and one-line errors naming the key.
#include <gtest/gtest.h>

#include <string>

#include "config/study_config.h"

namespace mpitune {
namespace {

std::string Config(const std::string& scheduler) {
  return "study: {name: t}\nspace:\n  x: {type: uniform, low: 0, high: 1}\nscheduler:\n" + scheduler +
         "trial: {objective: branin}\n";
}

void ExpectError(const std::string& scheduler, const std::string& expected) {
  const Result<StudyConfig> result = ParseStudyConfig(Config(scheduler), "study.yaml");
  ASSERT_FALSE(result.ok()) << "parsed OK but expected: " << expected;
  const std::string& message = result.status().message();
  EXPECT_EQ(message.rfind("study.yaml", 0), 0u) << message;
  EXPECT_NE(message.find(expected), std::string::npos) << "message: " << message << "\nwanted: " << expected;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(PbtConfigTest, DefaultsAreFilledIn) {
  const Result<StudyConfig> config = ParseStudyConfig(Config("  type: pbt\n"), "study.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const SchedulerOptions& s = config->scheduler;
  EXPECT_EQ(s.kind, SchedulerKind::kPbt);
  EXPECT_EQ(s.pbt.population, 8);
  EXPECT_EQ(s.pbt.perturbation_interval, 1.0);
  EXPECT_EQ(s.pbt.quantile, 0.25);
  EXPECT_EQ(s.pbt.factor_down, 0.8);
  EXPECT_EQ(s.pbt.factor_up, 1.2);
  EXPECT_EQ(s.pbt.resample_probability, 0.25);
  EXPECT_EQ(s.pbt.burn_in, 0.0);
  EXPECT_FALSE(s.pbt.synchronous);
  EXPECT_EQ(s.max_trials, 100);
}

TEST(PbtConfigTest, EveryKeyIsRead) {
  const Result<StudyConfig> config = ParseStudyConfig(
      Config("  type: pbt\n  population: 80\n  perturbation_interval: 2.5\n  quantile: 0.5\n"
             "  perturbation_factors: [0.5, 2]\n  resample_probability: 0\n  burn_in: 5\n  synchronous: true\n"
             "  max_budget: 50\n"),
      "study.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const PbtOptions& pbt = config->scheduler.pbt;
  EXPECT_EQ(pbt.population, 80);
  EXPECT_EQ(pbt.perturbation_interval, 2.5);
  EXPECT_EQ(pbt.quantile, 0.5);
  EXPECT_EQ(pbt.factor_down, 0.5);
  EXPECT_EQ(pbt.factor_up, 2.0);
  EXPECT_EQ(pbt.resample_probability, 0.0);
  EXPECT_EQ(pbt.burn_in, 5.0);
  EXPECT_TRUE(pbt.synchronous);
  EXPECT_EQ(config->scheduler.max_budget, 50.0);
  EXPECT_EQ(config->scheduler.max_trials, 160);  // not given: twice the population
}

TEST(PbtConfigTest, BadValuesNameTheKey) {
  ExpectError("  type: pbt\n  population: 1\n", "scheduler.population");
  ExpectError("  type: pbt\n  population: many\n", "scheduler.population");
  ExpectError("  type: pbt\n  population: 20\n  max_trials: 10\n", "scheduler.population");
  ExpectError("  type: pbt\n  perturbation_interval: 0\n", "scheduler.perturbation_interval");
  ExpectError("  type: pbt\n  quantile: 0.6\n", "scheduler.quantile: must be <= 0.5");
  ExpectError("  type: pbt\n  quantile: 0\n", "scheduler.quantile");
  ExpectError("  type: pbt\n  perturbation_factors: 1.2\n", "scheduler.perturbation_factors");
  ExpectError("  type: pbt\n  perturbation_factors: [0.8, 1.2, 1.5]\n", "scheduler.perturbation_factors");
  ExpectError("  type: pbt\n  perturbation_factors: [0.8, -1]\n", "scheduler.perturbation_factors[1]");
  ExpectError("  type: pbt\n  resample_probability: 1.5\n", "scheduler.resample_probability");
  ExpectError("  type: pbt\n  burn_in: -1\n", "scheduler.burn_in");
  ExpectError("  type: pbt\n  synchronous: maybe\n", "scheduler.synchronous");
  ExpectError("  type: pbt\n  populaton: 8\n", "populaton");
}

TEST(PbtConfigTest, PbtKeysAreRefusedForOtherSchedulers) {
  ExpectError("  type: asha\n  population: 8\n", "scheduler.population: only applies to pbt, not asha");
  ExpectError("  quantile: 0.25\n", "scheduler.quantile: only applies to pbt");
}

}  // namespace
}  // namespace mpitune
