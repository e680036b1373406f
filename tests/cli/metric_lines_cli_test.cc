// What a command trial prints that is not a usable report (issue 9, items 1 and 8): a
// trial that ends without one fails, saying what came closest; malformed, ignored and
// backward-going metric lines are counted and shown at the end of the run, in
// `status` (text and JSON) and per run in the study file.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

class MetricLinesCliTest : public CliTest {
 protected:
  // A one-trial-per-config FIFO study whose command is `script` run by /bin/sh.
  std::string Study(const std::string& script, const std::string& trial_extra = "", int max_trials = 3,
                    int max_budget = 1) {
    std::ofstream(dir_ / "train.sh") << script;
    return WriteYaml("study.yaml", fmt::format("study: {{name: lines, seed: 5}}\n"
                                               "space:\n  x: {{type: uniform, low: 0, high: 1}}\n"
                                               "scheduler: {{type: fifo, max_trials: {}, min_budget: 1, "
                                               "max_budget: {}}}\n"
                                               "trial:\n  command: [/bin/sh, {}]\n{}"
                                               "resources: {{gpus_per_trial: 0}}\n",
                                               max_trials, max_budget, (dir_ / "train.sh").string(), trial_extra));
  }

  static std::string FailuresLine(const std::string& out) {
    for (const std::string& line : Lines(out)) {
      if (line.rfind("failures: ", 0) == 0) return line;
    }
    return "";
  }
};

// Regression: `mpitune: loss: 0.5` instead of `loss=0.5` made every trial "exit" with
// no reason anywhere (no failures line, no recent failures, /runs outcome `exited`).
TEST_F(MetricLinesCliTest, MetricLinesThatDoNotMatchFailTheTrialSayingWhy) {
  const std::string config = Study("echo 'mpitune: loss: 0.5'\necho 'mpitune: loss: 0.7'\n");
  const Invocation run = Run({"run", config});
  EXPECT_NE(run.out.find("trials: 3 (failed 3)"), std::string::npos) << run.out;
  const std::string failures = FailuresLine(run.out);
  EXPECT_NE(failures.find("failures: 3 (last: trial 2: exited with code 0 without reporting loss: 2 lines started "
                          "with \"mpitune:\" but none matched \"mpitune: step=<s> loss=<v>\", e.g. \"mpitune: loss: "
                          "0.5\""),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("metric lines dropped: 6 malformed, 0 ignored, 0 going back in step (in 3 runs)"),
            std::string::npos)
      << run.out;

  const Invocation text = Run({"status", "lines.h5"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("metric lines dropped: 6 malformed, 0 ignored, 0 going back in step (in 3 runs)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("recent failures:\n  trial 2 on rank 0: failed (exit 0): exited with code 0 without "
                          "reporting loss"),
            std::string::npos)
      << text.out;

  const Invocation json = Run({"status", "lines.h5", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["metric_lines"]["malformed"], 6);
  EXPECT_EQ(parsed["metric_lines"]["ignored"], 0);
  EXPECT_EQ(parsed["metric_lines"]["steps_back"], 0);
  ASSERT_EQ(parsed["recent_failures"].size(), 3u);
  const nlohmann::json& failure = parsed["recent_failures"][0];
  EXPECT_EQ(failure["outcome"], "failed");
  EXPECT_EQ(failure["metric_lines"]["malformed"], 2);
  EXPECT_NE(failure["message"].get<std::string>().find("e.g. \"mpitune: loss: 0.5\""), std::string::npos)
      << failure["message"];
}

// The other ways a user's metric goes unread: another metric name, an over-escaped
// metric_regex, nothing printed at all. Each failure quotes what came closest.
TEST_F(MetricLinesCliTest, EveryKindOfMissingMetricIsExplained) {
  struct Case {
    std::string script;
    std::string trial_extra;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"echo 'mpitune: step=1 acc=0.9'\n", "",
       "without reporting loss: 1 \"mpitune:\" line had no loss=<v>, e.g. \"mpitune: step=1 acc=0.9\""},
      {"echo 'epoch 1 loss=0.5'\n", "  metric_regex: 'loss=(\\\\d+\\.\\d+)'\n",
       "without reporting loss: no line matched metric_regex \"loss=(\\\\d+\\.\\d+)\"; 1 line mentions \"loss\", "
       "e.g. \"epoch 1 loss=0.5\""},
      {"echo 'training...'\n", "",
       "without reporting loss: it printed no metric line (expected \"mpitune: step=<s> loss=<v>\" on stdout or "
       "stderr)"},
      {"echo 'loss: 0.25'\n", "",
       "without reporting loss: 1 line mentions \"loss\" but does not start with \"mpitune:\", e.g. \"loss: 0.25\""},
  };
  for (const Case& c : cases) {
    std::filesystem::remove(dir_ / "lines.h5");
    const Invocation run = Run({"run", Study(c.script, c.trial_extra, 1)});
    EXPECT_NE(FailuresLine(run.out).find(c.expected), std::string::npos)
        << "expected: " << c.expected << "\nin: " << run.out << run.err;
  }
}

// Regression (item 8): metric_regex took the value from group 1 and the step from
// group 2, so `epoch (\d+) loss ([0-9.]+)` swapped them; a step going back was
// accepted. The groups are named in the config; a step going back is dropped and
// counted.
TEST_F(MetricLinesCliTest, RegexGroupsAreNamedAndStepsGoingBackAreDropped) {
  const std::string config =
      Study("echo 'epoch 1 loss 0.9'\necho 'epoch 3 loss 0.5'\necho 'epoch 2 loss 0.7'\n",
            "  metric_regex: 'epoch (\\d+) loss ([0-9.]+)'\n  metric_regex_groups: {value: 2, step: 1}\n", 1, 5);
  const Invocation run = Run({"run", config});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("metric lines dropped: 0 malformed, 0 ignored, 1 going back in step (in 1 run)"),
            std::string::npos)
      << run.out;
  const Invocation json = Run({"status", "lines.h5", "--json", "--history"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["metric_lines"]["steps_back"], 1);
  // Steps 1 and 3 reached the scheduler, epoch 2 did not: ranked on 0.5.
  ASSERT_EQ(parsed["history"]["reports"].size(), 2u) << parsed["history"]["reports"];
  EXPECT_EQ(parsed["history"]["reports"][0][1], 1.0);
  EXPECT_EQ(parsed["history"]["reports"][1][1], 3.0);
  EXPECT_EQ(parsed["best"]["value"], 0.5);
}

TEST_F(MetricLinesCliTest, RegexGroupsAreChecked) {
  ExpectOneLineError(Run({"run", Study("true\n", "  metric_regex: 'loss ([0-9.]+)'\n"
                                                 "  metric_regex_groups: {value: 1, step: 2}\n")}),
                     2, "study.yaml: trial.metric_regex_groups.step: expected a group of metric_regex (1..1), got 2");
  ExpectOneLineError(Run({"run", Study("true\n", "  metric_regex_groups: {value: 1}\n")}), 2,
                     "study.yaml: trial.metric_regex_groups: needs trial.metric_regex");
  ExpectOneLineError(Run({"run", Study("true\n", "  metric_regex: '(\\d+) ([0-9.]+)'\n"
                                                 "  metric_regex_groups: {value: 1, step: 1}\n")}),
                     2, "study.yaml: trial.metric_regex_groups.step: must differ from value (1)");
}

}  // namespace
