// study.time_budget, trial.unit_seconds and which scheduler settings a file gives.
#include <gtest/gtest.h>

#include <string>

#include "config/study_config.h"
#include "config/yaml_reader.h"

namespace mpitune {
namespace {

std::string Config(const std::string& study_extra, const std::string& scheduler = "",
                   const std::string& trial_extra = "") {
  return "study:\n  name: t\n" + study_extra + "space:\n  x: {type: uniform, low: 0, high: 1}\n" + scheduler +
         "trial:\n  objective: branin\n" + trial_extra;
}

void ExpectBudgetError(const std::string& value) {
  const Result<StudyConfig> config = ParseStudyConfig(Config("  time_budget: " + value + "\n"), "study.yaml");
  ASSERT_FALSE(config.ok()) << value;
  const std::string& message = config.status().message();
  EXPECT_EQ(message.rfind("study.yaml: study.time_budget: expected a duration > 0", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(TimeBudgetConfigTest, DurationsInSecondsMinutesHoursAndDays) {
  EXPECT_EQ(yaml::ParseDuration("2h"), 7200.0);
  EXPECT_EQ(yaml::ParseDuration("45m"), 2700.0);
  EXPECT_EQ(yaml::ParseDuration("90s"), 90.0);
  EXPECT_EQ(yaml::ParseDuration("1h30m"), 5400.0);
  EXPECT_EQ(yaml::ParseDuration("1.5h"), 5400.0);
  EXPECT_EQ(yaml::ParseDuration("1d"), 86400.0);
  EXPECT_EQ(yaml::ParseDuration("120"), 120.0);
  for (const char* bad : {"", "0", "-5m", "2x", "h", "30m2h", "1h1h", "1h30", "inf", "400d", "5 m"}) {
    EXPECT_FALSE(yaml::ParseDuration(bad).has_value()) << bad;
  }
}

TEST(TimeBudgetConfigTest, ExpectedTimeRatioNeedsAFullTrainingAndExcludesATimeBudget) {
  const std::string max_budget = "scheduler:\n  max_budget: 9\n";
  const Result<StudyConfig> config = ParseStudyConfig(Config("  expected_time_ratio: 2.5\n", max_budget), "s.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->expected_time_ratio, 2.5);
  EXPECT_EQ(config->time_budget_seconds, 0.0);
  EXPECT_EQ(ParseStudyConfig(Config(""), "s.yaml")->expected_time_ratio, 0.0);

  const auto error = [](const std::string& text) {
    const Result<StudyConfig> bad = ParseStudyConfig(text, "s.yaml");
    EXPECT_FALSE(bad.ok()) << text;
    const std::string message = bad.ok() ? "" : bad.status().message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  };
  EXPECT_NE(error(Config("  expected_time_ratio: 4\n")).find("s.yaml: study.expected_time_ratio: needs scheduler.max_budget"),
            std::string::npos);
  EXPECT_NE(error(Config("  time_budget: 1h\n  expected_time_ratio: 4\n", max_budget))
                .find("study.expected_time_ratio: give either it or study.time_budget"),
            std::string::npos);
  for (const char* value : {"0", "-1", "four", "[4]", ".nan"}) {
    EXPECT_NE(error(Config(std::string("  expected_time_ratio: ") + value + "\n", max_budget))
                  .find("s.yaml: study.expected_time_ratio: "),
              std::string::npos)
        << value;
  }
}

TEST(TimeBudgetConfigTest, StudyTimeBudgetIsReadAndValidated) {
  const Result<StudyConfig> config = ParseStudyConfig(Config("  time_budget: 45m\n"), "study.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->time_budget_seconds, 2700.0);
  EXPECT_EQ(ParseStudyConfig(Config(""), "study.yaml")->time_budget_seconds, 0.0);
  ExpectBudgetError("2x");
  ExpectBudgetError("0s");
  ExpectBudgetError("[1, 2]");
  ExpectBudgetError("-1h");
}

TEST(TimeBudgetConfigTest, UnitSecondsMustBePositive) {
  const Result<StudyConfig> good = ParseStudyConfig(Config("", "", "  unit_seconds: 2.5\n"), "study.yaml");
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->trial.unit_seconds, 2.5);
  const Result<StudyConfig> bad = ParseStudyConfig(Config("", "", "  unit_seconds: 0\n"), "study.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("trial.unit_seconds"), std::string::npos) << bad.status().message();
}

TEST(TimeBudgetConfigTest, MinSubsetIsAFraction) {
  const Result<StudyConfig> good = ParseStudyConfig(Config("", "", "  min_subset: 0.2\n"), "study.yaml");
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(good->trial.min_subset, 0.2);
  for (const char* bad : {"0", "1.5", "-0.1", "half"}) {
    const Result<StudyConfig> config =
        ParseStudyConfig(Config("", "", std::string("  min_subset: ") + bad + "\n"), "study.yaml");
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_NE(config.status().message().find("trial.min_subset"), std::string::npos) << config.status().message();
  }
}

TEST(TimeBudgetConfigTest, RecordsWhichSchedulerSettingsTheFileGives) {
  const Result<StudyConfig> config =
      ParseStudyConfig(Config("", "scheduler:\n  max_budget: 27\n  eta: 3\n"), "study.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->scheduler_given.max_budget);
  EXPECT_TRUE(config->scheduler_given.eta);
  EXPECT_FALSE(config->scheduler_given.max_trials);
  EXPECT_FALSE(config->scheduler_given.min_budget);
}

}  // namespace
}  // namespace mpitune
