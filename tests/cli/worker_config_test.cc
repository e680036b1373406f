// What rank 0 broadcasts to the workers at start-up (cli/worker_config.h): the config
// they run with arrives whole, from the message alone, with rank 0's effective values.
#include "cli/worker_config.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace mpitune::cli {
namespace {

constexpr const char* kConfig = R"(study: {name: wc, seed: 4, storage: rel/wc.h5}
space:
  x: {type: uniform, low: 0, high: 1}
scheduler: {type: asha, max_trials: 9, min_budget: 1, max_budget: 9}
trial:
  command: [/bin/echo, "{x}"]
  stop_grace: 7
)";

TEST(WorkerConfigTest, AConfigArrivesWithRankZerosEffectiveValuesAndAbsolutePaths) {
  Result<StudyConfig> config = ParseStudyConfig(kConfig, "wc.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  config->seed = 11;  // as --seed, --max-trials and --report-every set them
  config->scheduler.seed = 11;
  config->scheduler.max_trials = 3;
  config->trial.report_every = 0.5;

  const Result<WorkerStart> start = DecodeWorkerStart(EncodeWorkerConfig(*config, ConfigOrigin::kUser));
  ASSERT_TRUE(start.ok()) << start.status().message();
  ASSERT_TRUE(start->config.has_value());
  const StudyConfig& got = *start->config;
  EXPECT_EQ(got.source, "wc.yaml");
  EXPECT_EQ(got.yaml_text, kConfig);
  EXPECT_EQ(got.seed, 11u);
  EXPECT_EQ(got.scheduler.seed, 11u);
  EXPECT_EQ(got.scheduler.max_trials, 3);
  EXPECT_EQ(got.scheduler.max_budget, 9.0);
  EXPECT_EQ(got.trial.report_every, 0.5);
  EXPECT_EQ(got.trial.stop_grace_seconds, 7.0);
  EXPECT_EQ(got.trial.command, config->trial.command);
  EXPECT_EQ(got.space.Hash(), config->space.Hash());
  const std::filesystem::path cwd = std::filesystem::current_path();
  EXPECT_EQ(got.storage, (cwd / "rel/wc.h5").string());
  EXPECT_EQ(got.trials_dir, (cwd / "rel/wc.trials").string());
  EXPECT_EQ(TrialsDirectory(got), got.trials_dir);
}

TEST(WorkerConfigTest, ARankZeroFailureCarriesItsExitCode) {
  const Result<WorkerStart> start = DecodeWorkerStart(EncodeRankZeroFailure(2));
  ASSERT_TRUE(start.ok()) << start.status().message();
  EXPECT_FALSE(start->config.has_value());
  EXPECT_EQ(start->rank_zero_exit_code, 2);
}

TEST(WorkerConfigTest, TruncatedOrForeignMessagesAreErrorsNotCrashes) {
  const Result<StudyConfig> config = ParseStudyConfig(kConfig, "wc.yaml");
  ASSERT_TRUE(config.ok());
  const std::vector<std::uint8_t> whole = EncodeWorkerConfig(*config, ConfigOrigin::kUser);
  for (std::size_t length = 0; length < whole.size(); ++length) {
    const Result<WorkerStart> start = DecodeWorkerStart(std::span(whole.data(), length));
    EXPECT_FALSE(start.ok()) << length;
  }
  std::vector<std::uint8_t> newer = whole;
  newer[0] = 99;
  const Result<WorkerStart> start = DecodeWorkerStart(newer);
  ASSERT_FALSE(start.ok());
  EXPECT_NE(start.status().message().find("version 99"), std::string::npos) << start.status().message();
}

}  // namespace
}  // namespace mpitune::cli
