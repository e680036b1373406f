// `mpitune best`: the trial `status` calls best, in each format, values in their own
// types; --top follows the ranking; one-line errors where there is nothing to say.
// And a PBT study's schedule, as status shows it.
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli/cli_test_util.h"

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

// A population-based study: --schedule is the best member's schedule exactly as
// `status --json` gives it, from step 0 along its lineage.
TEST_F(CliTest, BestScheduleOfAPbtStudyIsTheScheduleStatusShows) {
  WriteYaml("pbt.yaml", R"(study: {name: pbt, metric: loss, mode: min, seed: 5}
space:
  h0: {type: uniform, low: 0, high: 2}
  h1: {type: uniform, low: 0, high: 2}
scheduler: {type: pbt, population: 6, perturbation_interval: 1, max_budget: 6}
trial: {objective: pbt_toy}
)");
  ASSERT_EQ(Run({"run", "pbt.yaml", "--storage", "pbt.h5", "-q"}).exit_code, 0);
  const Invocation status = Run({"status", "pbt.h5", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const Json expected = Json::parse(status.out);
  ASSERT_FALSE(expected["exploits"].empty()) << "the study should have exploited";
  const Invocation best = Run({"best", "pbt.h5", "--schedule", "--format", "json"});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_TRUE(best.err.empty()) << best.err;
  const Json schedule = Json::parse(best.out)["schedule"];
  ASSERT_FALSE(schedule.empty());
  EXPECT_EQ(schedule, expected["best_schedule"]);
  EXPECT_EQ(schedule[0]["step"], 0.0);
  EXPECT_EQ(schedule.back()["trial"], Json::parse(best.out)["trial"]);

  // The export carries the same lineage: one exploits row per exploit, and each
  // member's parent.
  ASSERT_EQ(Run({"export", "pbt.h5", "--dialect", "sqlite", "-o", "pbt.sql"}).exit_code, 0);
  const std::string dump = (dir_ / "dump.json").string();
  const std::string command = fmt::format("/usr/bin/python3 {}/tests/export/sqlite_dump.py {} hpo_ {} > {}",
                                          MPITUNE_SOURCE_DIR, (dir_ / "pbt.db").string(),
                                          (dir_ / "pbt.sql").string(), dump);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const Json tables = Json::parse(ReadFile(dump));
  EXPECT_EQ(tables["exploits"].size(), expected["exploits"].get<std::size_t>());
  EXPECT_EQ(tables["studies"][0]["scheduler"], "pbt");
  EXPECT_EQ(Json::parse(tables["studies"][0]["scheduler_options"].get<std::string>())["population"], 6);
  for (const Json& member : expected["population"]) {
    const Json& row = tables["trials"][member["trial"].get<std::size_t>()];
    ASSERT_EQ(row["trial"], member["trial"]);
    EXPECT_EQ(row["parent"], member["parent"]) << member.dump();
  }
}

}  // namespace
}  // namespace mpitune::cli_testing
