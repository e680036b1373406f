// The export loaded into a real SQLite (Python's sqlite3 module) and read back: hostile
// names and values arrive unchanged, NaN and Inf as NULL, the best trial is the read
// model's, row counts are the study's, re-running a script replaces its partition, and
// long tables are split into bounded statements. Studies are built in memory so that
// each case (failed trials, NaN, an empty study, exploits) is exactly what it names.
#include "mpitune/export.h"

#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_files.h"

namespace mpitune {
namespace {

using Json = nlohmann::json;

const std::string kLong(10'000, 'q');
const std::string kNul("nul\0here", 8);
const std::string kHostileName = "study 'h\"ostile'; -- \\ drop\n\t😀";

Study HostileStudy() {
  Study study;
  study.path = "hostile.h5";
  study.name = kHostileName;
  study.metric = "loss';--";
  study.mode = MetricMode::kMin;
  study.config_yaml = "study:\n  name: \"x;y\"\n# -- comment\n" + kNul;
  std::vector<ParamSpec> specs(4);
  specs[0] = {"feature_config.features[:].embedding_dim", ParamType::kInt, 8, 64, false, {}};
  specs[1] = {"it's;--\n😀", ParamType::kChoice, 0, 1, false,
              {std::string("a'b"), std::string("x;y--z\n\t\\"), kLong, kNul}};
  specs[2] = {"lr", ParamType::kLogUniform, 1e-5, 1, false, {}};
  specs[3] = {"flag", ParamType::kChoice, 0, 1, false, {true, false}};
  study.space = SearchSpace::Create(specs).value();
  study.scheduler.kind = SchedulerKind::kAsha;
  study.scheduler.max_trials = 4;
  study.rung_budgets = {1, 3};
  study.state = StudyState::kFinished;
  study.study_time = 12.5;
  const auto trial = [&](TrialId id, TrialState state, std::optional<double> value, std::vector<ParamValue> params) {
    StudyTrial t;
    t.id = id;
    t.state = state;
    t.value = value;
    t.value_budget = value ? 3.0 : 0.0;
    t.rung_values = {value, std::nullopt};
    t.params = std::move(params);
    t.start_time = static_cast<double>(id);
    t.end_time = static_cast<double>(id) + 2;
    t.reports = 1;
    t.last_value = value.value_or(NAN);
    return t;
  };
  study.trials = {
      trial(0, TrialState::kCompleted, 0.25, {std::int64_t{32}, std::string("a'b"), 0.001, true}),
      trial(1, TrialState::kFailed, NAN, {std::int64_t{8}, kLong, 1e-5, false}),
      trial(2, TrialState::kStopped, HUGE_VAL, {std::int64_t{64}, kNul, 0.5, true}),
      trial(3, TrialState::kRunning, std::nullopt, {std::int64_t{16}, std::string("x;y--z\n\t\\"), 0.1, false}),
  };
  study.trials[3].reports = 0;
  study.best = 0;
  RunRecord run;
  run.trial = 0;
  run.rank = 2;
  run.device = "0';--";
  run.finished = true;
  run.duration = 1.5;
  study.runs.push_back(run);
  run.trial = 1;
  run.exit_code = 139;
  run.outcome = TrialOutcome::kFailed;
  study.runs.push_back(run);
  study.reports = {{0, 1, 0.5, 1, 2}, {0, 3, 0.25, 2, 2}, {1, 1, NAN, 3, 1}, {2, 1, HUGE_VAL, 4, 1}};
  study.has_reports = true;
  StudyExploit exploit;
  exploit.recipient = 2;
  exploit.donor = 0;
  exploit.step = 1;
  exploit.donor_step = 1;
  exploit.time = 5;
  exploit.old_params = study.trials[2].params;
  exploit.new_params = study.trials[0].params;
  study.exploits.push_back(exploit);
  return study;
}

Study EmptyStudy() {
  Study study;
  study.name = "empty";
  study.metric = "auc";
  study.mode = MetricMode::kMax;
  // "lr" is an int here and a double in the hostile study: one DOUBLE column.
  study.space = SearchSpace::Create({{"lr", ParamType::kInt, 1, 9, false, {}}}).value();
  study.state = StudyState::kStopped;
  return study;
}

class ExportTest : public testing::StoreTest {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = PathOf(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The tables after running `scripts` in order against one database.
  Json LoadIntoSqlite(const std::vector<std::string>& scripts, const std::string& prefix = "hpo_") {
    std::string command = fmt::format("/usr/bin/python3 {}/tests/export/sqlite_dump.py {} {}", MPITUNE_SOURCE_DIR,
                                      PathOf("export.db"), prefix);
    for (const std::string& script : scripts) command += " " + script;
    command += " > " + PathOf("dump.json");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(PathOf("dump.json"));
    return Json::parse(in);
  }

  static std::string Export(const std::vector<Study>& studies, ExportOptions options) {
    Result<std::string> script = ExportStudies(studies, options);
    EXPECT_TRUE(script.ok()) << script.status().message();
    return script.ok() ? *script : "";
  }

  static ExportOptions Sqlite(const std::string& ds = "20261127") {
    ExportOptions options;
    options.dialect = SqlDialect::kSqlite;
    options.partition = ds;
    return options;
  }
};

std::vector<Json> RowsOf(const Json& table, const std::string& study) {
  std::vector<Json> rows;
  for (const Json& row : table) {
    if (row["study"] == study) rows.push_back(row);
  }
  return rows;
}

TEST_F(ExportTest, SqliteHoldsEveryRowAndValueAsTheReadModelHasThem) {
  const Study hostile = HostileStudy();
  const Json tables = LoadIntoSqlite({Write("a.sql", Export({hostile, EmptyStudy()}, Sqlite()))});

  ASSERT_EQ(tables["studies"].size(), 2U);
  const Json& study = tables["studies"][0];
  EXPECT_EQ(study["study"], kHostileName);
  EXPECT_EQ(study["ds"], "20261127");
  EXPECT_EQ(study["metric"], "loss';--");
  EXPECT_EQ(study["config_yaml"], hostile.config_yaml);
  EXPECT_EQ(study["best_trial"], 0);
  EXPECT_EQ(study["best_value"], 0.25);
  EXPECT_EQ(study["trials"], 4);
  EXPECT_EQ(study["failed"], 1);
  const Json columns = Json::parse(study["hyperparameter_columns"].get<std::string>());
  EXPECT_EQ(columns["feature_config.features[:].embedding_dim"], "p_feature_config_features_embedding_dim");
  EXPECT_EQ(columns["it's;--\n😀"], "p_it_s");
  EXPECT_TRUE(tables["studies"][1]["best_trial"].is_null());

  const std::vector<Json> trials = RowsOf(tables["trials"], kHostileName);
  ASSERT_EQ(trials.size(), hostile.trials.size());
  EXPECT_TRUE(RowsOf(tables["trials"], "empty").empty());
  const std::vector<const StudyTrial*> ranked = RankTrials(hostile);
  for (const Json& row : trials) {
    const StudyTrial& trial = hostile.trials[row["trial"].get<std::size_t>()];
    EXPECT_EQ(row["is_best"], trial.id == 0 ? 1 : 0);
    EXPECT_EQ(ranked[row["position"].get<std::size_t>() - 1]->id, trial.id);
    EXPECT_EQ(row["p_feature_config_features_embedding_dim"], std::get<std::int64_t>(trial.params[0]));
    EXPECT_EQ(row["p_it_s"], std::get<std::string>(trial.params[1]));
    EXPECT_EQ(row["p_lr"], std::get<double>(trial.params[2]));
    EXPECT_EQ(row["p_flag"], std::get<bool>(trial.params[3]) ? 1 : 0);
    const Json params = Json::parse(row["params"].get<std::string>());
    EXPECT_EQ(params["it's;--\n😀"], std::get<std::string>(trial.params[1]));
  }
  EXPECT_EQ(trials[0]["value"], 0.25);
  EXPECT_EQ(trials[0]["device"], "0';--");
  EXPECT_EQ(trials[0]["duration_seconds"], 1.5);
  EXPECT_EQ(trials[0]["best_reported"], 0.25);
  EXPECT_TRUE(trials[1]["value"].is_null());  // NaN
  EXPECT_EQ(trials[1]["exit_code"], 139);
  EXPECT_TRUE(trials[2]["value"].is_null());  // +Inf
  EXPECT_TRUE(trials[3]["value"].is_null());  // none yet
  EXPECT_TRUE(trials[3]["end_seconds"].is_null());
  EXPECT_EQ(std::get<std::string>(hostile.trials[2].params[1]), kNul);

  const std::vector<Json> reports = RowsOf(tables["reports"], kHostileName);
  ASSERT_EQ(reports.size(), hostile.reports.size());
  EXPECT_EQ(reports[1]["value"], 0.25);
  EXPECT_TRUE(reports[2]["value"].is_null());
  EXPECT_TRUE(reports[3]["value"].is_null());

  ASSERT_EQ(tables["exploits"].size(), 1U);
  EXPECT_EQ(tables["exploits"][0]["recipient"], 2);
  EXPECT_EQ(tables["exploits"][0]["donor"], 0);
  EXPECT_EQ(Json::parse(tables["exploits"][0]["new_params"].get<std::string>())["lr"], 0.001);
}

TEST_F(ExportTest, RerunningAScriptReplacesItsPartitionAndKeepsOthers) {
  const std::string day1 = Write("day1.sql", Export({HostileStudy(), EmptyStudy()}, Sqlite("20261127")));
  const std::string day2 = Write("day2.sql", Export({HostileStudy()}, Sqlite("20261128")));
  const Json tables = LoadIntoSqlite({day1, day1, day2, day2, day1});
  EXPECT_EQ(tables["studies"].size(), 3U);
  EXPECT_EQ(tables["trials"].size(), 8U);
  EXPECT_EQ(tables["reports"].size(), 8U);
  EXPECT_EQ(tables["exploits"].size(), 2U);
}

TEST_F(ExportTest, LongTablesAreSplitIntoBoundedStatements) {
  Study study = HostileStudy();
  study.reports.clear();
  study.exploits.clear();
  for (int i = 0; i < 500; ++i) study.reports.push_back({0, static_cast<double>(i), 0.5 + i, 1.0 * i, 1});
  ExportOptions options = Sqlite();
  options.max_statement_bytes = 2048;
  const std::string script = Export({study}, options);
  std::size_t inserts = 0;
  std::size_t start = 0;
  while ((start = script.find("INSERT INTO \"hpo_reports\" (", start)) != std::string::npos) {
    const std::size_t end = script.find(";\n", start);
    EXPECT_LE(end + 2 - start, options.max_statement_bytes);
    ++inserts;
    start = end;
  }
  EXPECT_GT(inserts, 5U);
  const Json tables = LoadIntoSqlite({Write("split.sql", script)});
  EXPECT_EQ(tables["reports"].size(), 500U);

  // The same split in Hive: one OVERWRITE that replaces the partition, then INTO.
  options.dialect = SqlDialect::kHive;
  const std::string hive = Export({study}, options);
  std::size_t overwrites = 0;
  for (std::size_t at = 0; (at = hive.find("INSERT OVERWRITE TABLE `hpo_reports`", at)) != std::string::npos; ++at) {
    ++overwrites;
  }
  EXPECT_EQ(overwrites, 1U);
  EXPECT_NE(hive.find("INSERT INTO TABLE `hpo_reports` PARTITION (ds='20261127') VALUES"), std::string::npos);
  EXPECT_NE(hive.find("ALTER TABLE `hpo_exploits` DROP IF EXISTS PARTITION (ds='20261127');"), std::string::npos)
      << "a table without rows still has its partition cleared";
}

TEST_F(ExportTest, NoRawNewlineOrSemicolonInsideAWarehouseLiteral) {
  for (const SqlDialect dialect : {SqlDialect::kHive, SqlDialect::kMaxCompute}) {
    ExportOptions options;
    options.dialect = dialect;
    options.partition = "20261127";
    const std::string script = Export({HostileStudy()}, options);
    // Every ';' ends a statement at the end of a line; no line starts inside a string.
    std::istringstream lines(script);
    for (std::string line; std::getline(lines, line);) {
      const std::size_t semicolon = line.find(';');
      if (semicolon != std::string::npos) {
        EXPECT_EQ(semicolon, line.size() - 1) << line.substr(0, 200);
      }
    }
    EXPECT_EQ(script.find('\0'), std::string::npos);
    EXPECT_NE(script.find("😀"), std::string::npos);
  }
}

TEST_F(ExportTest, BadOptionsAndDuplicateStudyNamesAreRefused) {
  ExportOptions options = Sqlite();
  options.prefix = "hpo;";
  EXPECT_NE(ExportStudies({}, options).status().message().find("--prefix"), std::string::npos);
  options = Sqlite("20260230");
  EXPECT_NE(ExportStudies({}, options).status().message().find("--partition"), std::string::npos);
  EXPECT_FALSE(ParsePartition("ds=2026112").ok());
  EXPECT_FALSE(ParsePartition("dt=20261127").ok());
  EXPECT_EQ(ParsePartition("ds=20240229").value(), "20240229");
  EXPECT_FALSE(ParseSqlDialect("mysql").ok());
  const Result<std::string> twice = ExportStudies({EmptyStudy(), EmptyStudy()}, Sqlite());
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("'empty'"), std::string::npos);
}

TEST_F(ExportTest, AnEmptyExportStillCreatesEveryTable) {
  const Json tables = LoadIntoSqlite({Write("none.sql", Export({}, Sqlite()))});
  EXPECT_TRUE(tables["studies"].empty());
  EXPECT_TRUE(tables["exploits"].empty());
}

}  // namespace
}  // namespace mpitune
