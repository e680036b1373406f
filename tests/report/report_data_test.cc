// The report's data and tables from synthetic read-model studies: what is sampled and
// aggregated for large studies, the running best, the timeline and utilisation, and
// that nothing a study holds can break out of the page's script elements or a CSV cell.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "report/html_report.h"
#include "report/report_data.h"
#include "report/trials_table.h"

namespace mpitune::report {
namespace {

using Json = nlohmann::ordered_json;

// `trials` trials over x in [0, 1] and a choice, rungs 1 and 3: trial i reports
// value i at steps 1 (and 3 for even ids, then value i / 2), run by rank 1 + i % ranks
// from time i to i + 1.
Study MakeStudy(int trials, int ranks = 2) {
  Study study;
  study.name = "synthetic";
  study.metric = "loss";
  study.space = SearchSpace::Create({{"x", ParamType::kUniform, 0, 1, false, {}},
                                     {"opt", ParamType::kChoice, 0, 1, false,
                                      {std::string("a,\"b\"\nc"), std::string("</script><b>")}}})
                    .value();
  study.rung_budgets = {1, 3};
  for (int i = 0; i < trials; ++i) {
    StudyTrial trial;
    trial.id = i;
    trial.state = i % 2 == 0 ? TrialState::kCompleted : TrialState::kStopped;
    trial.params = {0.001 * (i % 1000), std::string(i % 2 ? "</script><b>" : "a,\"b\"\nc")};
    trial.rung_values = {static_cast<double>(i), std::nullopt};
    if (i % 2 == 0) trial.rung_values[1] = i / 2.0;
    trial.value = trial.rung_values[1] ? *trial.rung_values[1] : *trial.rung_values[0];
    trial.value_budget = trial.rung_values[1] ? 3 : 1;
    trial.start_time = i;
    trial.end_time = i + 1;
    study.trials.push_back(trial);
    RunRecord run;
    run.trial = i;
    run.rank = 1 + i % ranks;
    run.assigned_at = i;
    run.finished_at = i + 1;
    run.finished = true;
    study.runs.push_back(run);
    study.reports.push_back({i, 1.0, static_cast<double>(i), i + 0.5, run.rank});
    if (i % 2 == 0) study.reports.push_back({i, 3.0, i / 2.0, i + 0.9, run.rank});
  }
  study.study_time = trials;
  study.best = 0;
  return study;
}

TEST(ReportData, RunningBestKeepsOnlyItsChangesPerRung) {
  Study study = MakeStudy(10);
  study.reports.insert(study.reports.begin(), {1, 1.0, 100.0, 0.1, 1});  // worse first, then better
  const Json best = ReportData(study)["best_so_far"];
  ASSERT_EQ(best["series"].size(), 2u);
  EXPECT_EQ(best["series"][0]["label"], "budget 1");
  // 100, then 0 (trial 0) and never better again: two changes and the closing point.
  const Json& time = best["series"][0]["time"];
  ASSERT_EQ(time.size(), 3u);
  EXPECT_EQ(time[0][1], 100.0);
  EXPECT_EQ(time[1][1], 0.0);
  EXPECT_EQ(time[2][0], 10.0);  // closed at the study's end
  // The budget spent counts every step once per trial: 10 at step 1, 5 more to step 3.
  EXPECT_EQ(best["budget_spent"], 10.0 + 5 * 2.0);
}

TEST(ReportData, MaxModeRunsTheOtherWay) {
  Study study = MakeStudy(10);
  study.mode = MetricMode::kMax;
  const Json time = ReportData(study)["best_so_far"]["series"][0]["time"];
  EXPECT_EQ(time[time.size() - 2][1], 9.0);
}

TEST(ReportData, LargeStudiesAreSampledWithTheBestTrialsIn) {
  const Study study = MakeStudy(20'000, 8);
  const Json data = ReportData(study);
  EXPECT_EQ(data["curves"]["shown"], 300u);
  EXPECT_EQ(data["curves"]["total"], 20'000u);
  EXPECT_EQ(data["curves"]["trials"][0]["id"], 0);  // the best trial comes first
  EXPECT_EQ(data["curves"]["band"].size(), 2u);     // steps 1 and 3, over all trials
  EXPECT_EQ(data["parallel"]["id"].size(), 500u);
  EXPECT_EQ(data["scatter"]["id"].size(), 5000u);
  // Above 4,000 runs: busy workers over time, not one bar per run.
  EXPECT_FALSE(data["timeline"].contains("bars"));
  EXPECT_EQ(data["timeline"]["busy_workers"].size(), 400u);
  EXPECT_EQ(data["timeline"]["ranks"].size(), 8u);
}

TEST(ReportData, UtilisationIsBusyTimeOverRanksTimesSpan) {
  Study study = MakeStudy(10, 2);  // runs back to back, alternating ranks: each rank half busy
  const Json timeline = ReportData(study)["timeline"];
  ASSERT_TRUE(timeline.contains("bars"));
  EXPECT_EQ(timeline["bars"].size(), 10u);
  EXPECT_DOUBLE_EQ(timeline["utilisation"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(timeline["ranks"][0]["utilisation"].get<double>(), 0.5);
}

TEST(ReportData, FailuresAreGroupedByTheirReason) {
  Study study = MakeStudy(6);
  for (int i : {1, 3, 5}) {
    study.runs[static_cast<std::size_t>(i)].outcome = TrialOutcome::kFailed;
    study.runs[static_cast<std::size_t>(i)].message = i == 5 ? "exited with code 9\ntail" : "exited with code 7\nOOM";
  }
  study.trials[2].value = std::numeric_limits<double>::quiet_NaN();
  const Json failures = ReportData(study)["failures"];
  EXPECT_EQ(failures["failed_runs"], 3);
  EXPECT_EQ(failures["non_finite_values"], 1);
  ASSERT_EQ(failures["by_reason"].size(), 2u);
  EXPECT_EQ(failures["by_reason"][0]["reason"], "exited with code 7");
  EXPECT_EQ(failures["by_reason"][0]["runs"], 2);
}

TEST(HtmlReport, NothingInTheStudyEndsAScriptElement) {
  Study study = MakeStudy(4);
  study.config_yaml = "# </script><script>alert(1)</script>\n";
  const std::string page = HtmlReport(study, "var Chart = 1; // '</script>' in a string");
  std::size_t ends = 0;
  for (std::size_t at = page.find("</script>"); at != std::string::npos; at = page.find("</script>", at + 1)) ++ends;
  EXPECT_EQ(ends, 3u);  // the library's, the data's, the page script's own
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>\\u003cb>"), std::string::npos);
}

TEST(TrialsTable, CsvQuotesWhatNeedsItAndWritesNaN) {
  Study study = MakeStudy(2);
  study.trials[1].value = std::numeric_limits<double>::quiet_NaN();
  study.trials[1].rung_values[0] = std::numeric_limits<double>::quiet_NaN();
  const std::string csv = TrialsTable(study, TableFormat::kCsv);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "trial,state,bracket,rung,value,budget,value_at_1,value_at_3,last_step,reports,parent,runs,rank,device,"
            "exit_code,duration,start_time,end_time,start_wall,end_wall,params_x,params_opt");
  EXPECT_NE(csv.find(",\"a,\"\"b\"\"\nc\"\n"), std::string::npos) << csv;  // quoted, quotes doubled
  EXPECT_NE(csv.find("\n1,stopped,0,0,nan,1,nan,,"), std::string::npos) << csv;
  const std::string jsonl = TrialsTable(study, TableFormat::kJsonLines);
  const Json second = Json::parse(jsonl.substr(jsonl.find('\n') + 1));
  EXPECT_TRUE(second["value"].is_null());
  EXPECT_EQ(second["params_opt"], "</script><b>");
  EXPECT_TRUE(second["params_x"].is_number_float());
}

}  // namespace
}  // namespace mpitune::report
