// `mpitune best`: the trial `status` calls best, in each format, values in their own
// types; --top follows the ranking; one-line errors where there is nothing to say.
// And the PBT schedule traced back through exploits.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli/cli_test_util.h"
#include "cli/pbt_schedule.h"

namespace mpitune::cli_testing {
namespace {

using Json = nlohmann::json;

constexpr const char* kMixedStudy = R"(study: {name: mixed, seed: 3}
space:
  "feature_config.features[:].embedding_dim": {type: int, low: 8, high: 64}
  opt: {type: choice, values: [adam, "0.5", true]}
  lr: {type: loguniform, low: 0.001, high: 1}
scheduler: {type: fifo, max_trials: 12, min_budget: 1, max_budget: 1}
trial: {command: [sh, -c, "echo mpitune: step=1 loss={lr}"]}
)";

class BestCliTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    WriteYaml("mixed.yaml", kMixedStudy);
    ASSERT_EQ(Run({"run", "mixed.yaml", "--storage", "mixed.h5", "-q"}).exit_code, 0);
  }
};

TEST_F(BestCliTest, EveryFormatNamesTheTrialStatusCallsBest) {
  const Invocation status = Run({"status", "mixed.h5", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const Json expected = Json::parse(status.out)["best"];

  const Invocation json = Run({"best", "mixed.h5", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const Json best = Json::parse(json.out);
  EXPECT_EQ(best["trial"], expected["trial"]);
  EXPECT_EQ(best["value"], expected["value"]);
  EXPECT_EQ(best["budget"], expected["budget"]);
  EXPECT_EQ(best["params"], expected["params"]);
  EXPECT_TRUE(best["params"]["feature_config.features[:].embedding_dim"].is_number_integer());

  const Invocation yaml = Run({"best", "mixed.h5"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  const YAML::Node node = YAML::Load(yaml.out);
  EXPECT_EQ(node["trial"].as<std::int64_t>(), expected["trial"].get<std::int64_t>());
  EXPECT_EQ(node["value"].as<double>(), expected["value"].get<double>());
  EXPECT_EQ(node["params"]["lr"].as<double>(), expected["params"]["lr"].get<double>());
  // The choice "0.5" stays a string, true stays a bool: quoted only where needed.
  const Json& opt = expected["params"]["opt"];
  if (opt.is_string() && opt.get<std::string>() == "0.5") {
    EXPECT_NE(yaml.out.find("opt: \"0.5\""), std::string::npos) << yaml.out;
  }

  const Invocation easyrec = Run({"best", "mixed.h5", "--format", "easyrec"});
  ASSERT_EQ(easyrec.exit_code, 0) << easyrec.err;
  EXPECT_EQ(Json::parse(easyrec.out), Json({{"param", expected["params"]}}));

  const Invocation env = Run({"best", "mixed.h5", "--format", "env"});
  ASSERT_EQ(env.exit_code, 0) << env.err;
  WriteYaml("best.env", env.out);
  ASSERT_EQ(Run({"--version"}, 0, ". ./best.env && echo \"$MPITUNE_BEST_TRIAL $MPITUNE_PARAM_lr\" >sourced.txt; ").exit_code, 0);
  EXPECT_NE(ReadFile(dir_ / "sourced.txt").find(fmt::format("{} {}", expected["trial"].get<std::int64_t>(),
                                         expected["params"]["lr"].get<double>())),
            std::string::npos)
      << env.out;
}

TEST_F(BestCliTest, TopFollowsTheRankingBestFirst) {
  const Invocation top = Run({"best", "mixed.h5", "--top", "4", "--format", "json"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  const Json trials = Json::parse(top.out);
  ASSERT_EQ(trials.size(), 4u);
  const Json best = Json::parse(Run({"best", "mixed.h5", "--format", "json"}).out);
  EXPECT_EQ(trials[0]["trial"], best["trial"]);
  for (std::size_t i = 0; i < trials.size(); ++i) EXPECT_EQ(trials[i]["position"], i + 1);
  // Lower is better here, at the same budget.
  for (std::size_t i = 1; i < trials.size(); ++i) {
    if (trials[i]["budget"] == trials[i - 1]["budget"]) {
      EXPECT_LE(trials[i - 1]["value"], trials[i]["value"]);
    }
  }
}

TEST_F(BestCliTest, ScheduleOfAStudyWithoutExploitsIsEmptyAndSaysWhy) {
  const Invocation result = Run({"best", "mixed.h5", "--schedule", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Json::parse(result.out)["schedule"].empty());
  EXPECT_NE(result.err.find("not population-based training"), std::string::npos) << result.err;
}

TEST_F(BestCliTest, OneLineErrors) {
  ExpectOneLineError(Run({"best", "missing.h5"}), 2, "missing.h5");
  ExpectOneLineError(Run({"best", "mixed.h5", "--format", "easyrec", "--top", "2"}), 2, "--top");
  ExpectOneLineError(Run({"best", "mixed.h5", "--format", "xml"}), 2, "xml");
  ExpectOneLineError(Run({"export", "mixed.h5", "--dialect", "hive", "-o", "no/such/dir/out.sql"}), 1,
                     "no/such/dir/out.sql");
  ExpectOneLineError(Run({"export", "mixed.h5", "--dialect", "hive", "--prefix", "a b"}), 2, "--prefix");
}

TEST_F(BestCliTest, ExportToAFileReplacesItWhole) {
  WriteYaml("out.sql", "old contents\n");
  ASSERT_EQ(Run({"export", "mixed.h5", "--dialect", "sqlite", "--partition", "ds=20261127", "-o", "out.sql"}).exit_code, 0);
  const std::string text = ReadFile(dir_ / "out.sql");
  EXPECT_EQ(text.find("old contents"), std::string::npos);
  EXPECT_EQ(text.rfind("COMMIT;\n"), text.size() - 8);
  EXPECT_FALSE(fs::exists(dir_ / "out.sql.tmp-mpitune"));
}

// Trial 2 copied trial 0 at step 4 (0 had copied 1 at step 2): 2's model was trained
// by 1 up to step 2, by 0 up to step 4, then by 2 itself.
TEST(PbtScheduleTest, TracesTheModelBackThroughItsDonors) {
  Study study;
  study.space = SearchSpace::Create({{"lr", ParamType::kUniform, 0, 1, false, {}}}).value();
  for (TrialId id = 0; id < 3; ++id) {
    StudyTrial trial;
    trial.id = id;
    trial.params = {0.1 * static_cast<double>(id + 1)};
    study.trials.push_back(trial);
  }
  study.trials[0].params = {0.25};  // after its exploit
  study.trials[2].params = {0.3};
  study.exploits.push_back({0, 1, 2, 2, 10, {0.1}, {0.25}});
  study.exploits.push_back({2, 0, 4, 4, 20, {0.7}, {0.3}});
  const std::vector<cli::ScheduleSegment> schedule = cli::PbtSchedule(study, 2);
  ASSERT_EQ(schedule.size(), 3u);
  EXPECT_EQ(schedule[0].trial, 1);
  EXPECT_EQ(schedule[0].from_step, 0.0);
  EXPECT_EQ(std::get<double>(schedule[0].params[0]), 0.2);
  EXPECT_EQ(schedule[1].trial, 0);
  EXPECT_EQ(schedule[1].from_step, 2.0);
  EXPECT_EQ(std::get<double>(schedule[1].params[0]), 0.25);
  EXPECT_EQ(schedule[2].trial, 2);
  EXPECT_EQ(schedule[2].from_step, 4.0);
  EXPECT_EQ(std::get<double>(schedule[2].params[0]), 0.3);
  EXPECT_TRUE(cli::PbtSchedule(study, 7).empty());
  study.exploits.clear();
  EXPECT_TRUE(cli::PbtSchedule(study, 2).empty());
}

}  // namespace
}  // namespace mpitune::cli_testing
