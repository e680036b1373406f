// End-to-end tests of the `mpitune` executable: each runs the built binary in a
// fresh temporary directory and checks its exit code, stdout and stderr.
#include <stdlib.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

// The table and counts of a `run` output: everything but the wall-clock and the
// study-file lines.
std::string WithoutTimings(const std::string& out) {
  std::string kept;
  for (const std::string& line : Lines(out)) {
    if (line.rfind("elapsed:", 0) != 0 && line.rfind("storage:", 0) != 0) kept += line + '\n';
  }
  return kept;
}

TEST_F(CliTest, AppHelpListsSubcommandsAndVersion) {
  const Invocation result = Run({"--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* word : {"run", "simulate", "--version", "--help"}) {
    EXPECT_NE(result.out.find(word), std::string::npos) << word;
  }
}

TEST_F(CliTest, VersionExitsZero) {
  const Invocation result = Run({"--version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("mpitune "), std::string::npos) << result.out;
}

TEST_F(CliTest, RunHelpMentionsEveryOption) {
  const Invocation result = Run({"run", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* option : {"CONFIG", "--storage", "--seed", "--max-trials", "--report-every"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << " missing in:\n" << result.out;
  }
}

TEST_F(CliTest, SimulateHelpMentionsEveryOption) {
  const Invocation result = Run({"simulate", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* option : {"CONFIG", "--workers", "--time-limit", "--seed", "--max-trials", "--report-every"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << " missing in:\n" << result.out;
  }
}

TEST_F(CliTest, RunDefaultConfigPrintsBestTrialFirst) {
  const Invocation result = Run({"run", Config("default.yaml")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  std::smatch best;
  ASSERT_TRUE(std::regex_search(result.out, best, std::regex(R"(best: trial (\d+), loss (\S+) at budget 27)")))
      << result.out;
  EXPECT_TRUE(std::isfinite(std::stod(best[2].str()))) << best[0];
  // The table's first row is the best trial, at the full budget, with its value.
  const std::regex first_row(R"(\n\s*trial\s+state\s+budget\s+loss\s+x1\s+x2\n\s*)" + best[1].str() +
                             R"(\s+completed\s+27\s+)" + best[2].str() + R"(\s)");
  EXPECT_TRUE(std::regex_search(result.out, first_row)) << result.out;
  EXPECT_NE(result.out.find("trials: 60 ("), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("bracket 0 rung 3 budget 27"), std::string::npos) << result.out;
  // Regression: "elapsed" counted the study loop only and did not say so.
  std::smatch elapsed;
  ASSERT_TRUE(std::regex_search(result.out, elapsed,
                                std::regex(R"(elapsed: (\S+) s in all \((\S+) s in the study loop\), 60 trials run)")))
      << result.out;
  EXPECT_GE(std::stod(elapsed[1].str()), std::stod(elapsed[2].str())) << elapsed[0];
  // study.storage defaults to <name>.h5, beside where mpitune runs; a study that
  // ended cleanly leaves no journal behind.
  EXPECT_NE(result.out.find("storage: new study file branin-asha.h5"), std::string::npos) << result.out;
  EXPECT_TRUE(fs::exists(dir_ / "branin-asha.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "branin-asha.h5.journal"));
}

TEST_F(CliTest, MaxTrialsLimitsTheStudy) {
  const Invocation result = Run({"run", Config("default.yaml"), "--max-trials", "5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\ntrials: 5 ("), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("max_trials 5"), std::string::npos) << result.out;
}

TEST_F(CliTest, SeedMakesRunsReproducible) {
  const Invocation first = Run({"run", Config("default.yaml"), "--seed", "11", "--storage", "a.h5"});
  const Invocation again = Run({"run", Config("default.yaml"), "--seed", "11", "--storage", "b.h5"});
  const Invocation other = Run({"run", Config("default.yaml"), "--seed", "12", "--storage", "c.h5"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(WithoutTimings(first.out), WithoutTimings(again.out));
  EXPECT_NE(WithoutTimings(first.out), WithoutTimings(other.out));
}

TEST_F(CliTest, ReportEveryChangesTheReportCount) {
  const Invocation every_one = Run({"run", Config("default.yaml"), "--report-every", "1", "--storage", "one.h5"});
  const Invocation every_half =
      Run({"run", Config("default.yaml"), "--report-every", "0.5", "--storage", "half.h5"});
  ASSERT_EQ(every_one.exit_code, 0) << every_one.err;
  ASSERT_EQ(every_half.exit_code, 0) << every_half.err;
  std::smatch one, half;
  const std::regex reports(R"((\d+) reports)");
  ASSERT_TRUE(std::regex_search(every_one.out, one, reports)) << every_one.out;
  ASSERT_TRUE(std::regex_search(every_half.out, half, reports)) << every_half.out;
  EXPECT_GT(std::stol(half[1].str()), std::stol(one[1].str()));
}

TEST_F(CliTest, MissingConfigFileIsBadInput) {
  ExpectOneLineError(Run({"run", "no-such-study.yaml"}), 2, "no-such-study.yaml");
}

// Issue: `mpitune run /dev/zero` ended with std::bad_alloc after 7 s and a FIFO as
// the config blocked forever.
TEST_F(CliTest, AConfigThatIsNoRegularFileIsRefusedAtOnce) {
  ExpectOneLineError(Run({"run", "/dev/zero"}), 2, "/dev/zero: not a regular file (a character device)");
  const fs::path fifo = dir_ / "config.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ExpectOneLineError(Run({"run", fifo.string()}), 2, "not a regular file (a FIFO)");
  ExpectOneLineError(Run({"simulate", fifo.string(), "--workers", "2"}), 2, "not a regular file (a FIFO)");
}

TEST_F(CliTest, MisspelledKeyIsBadInputNamingTheKey) {
  const std::string path = WriteYaml("typo.yaml", BraninYaml("  max_trails: 5\n"));
  ExpectOneLineError(Run({"run", path}), 2, "max_trails");
}

TEST_F(CliTest, UnknownOptionIsBadInput) {
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--max-trial", "5"}), 2, "--max-trial");
}

TEST_F(CliTest, MissingSubcommandIsBadInput) { ExpectOneLineError(Run({}), 2, "subcommand"); }

// Regression: `mpitune runn` said "A subcommand is required".
TEST_F(CliTest, AMisspelledSubcommandSuggestsTheNearestOne) {
  ExpectOneLineError(Run({"runn", Config("default.yaml")}), 2, "unknown command 'runn' (did you mean run?)");
  ExpectOneLineError(Run({"stats", "x.h5"}), 2, "unknown command 'stats' (did you mean status?)");
  ExpectOneLineError(Run({"frobnicate"}), 2,
                     "unknown command 'frobnicate' (run, resume, status, simulate, export, best, plan, trials or report)");
}

// Regression: `--seed -1` and `--seed 99999999999999999999` were accepted (the first as
// 18446744073709551615). The command line gets the config's checks and messages.
TEST_F(CliTest, OverridesGetTheConfigsValidation) {
  for (const char* name : {"run", "simulate"}) {
    const std::string command = name;
    std::vector<std::string> args = {command, Config("default.yaml")};
    if (command == "simulate") args.insert(args.end(), {"--workers", "2"});
    const auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> all = args;
      all.insert(all.end(), extra.begin(), extra.end());
      return Run(all);
    };
    ExpectOneLineError(with({"--seed", "-1"}), 2, "--seed: expected a non-negative integer, got -1");
    ExpectOneLineError(with({"--seed", "99999999999999999999"}), 2,
                       "--seed: expected a non-negative integer, got 99999999999999999999");
    ExpectOneLineError(with({"--seed", "1.5"}), 2, "--seed: expected a non-negative integer, got 1.5");
    ExpectOneLineError(with({"--max-trials", "1.5"}), 2, "--max-trials: expected an integer, got 1.5");
    ExpectOneLineError(with({"--max-trials", "0"}), 2, "--max-trials: expected an integer >= 1, got 0");
    ExpectOneLineError(with({"--report-every", "0"}), 2, "--report-every: expected a number > 0, got 0");
  }
  // What the config accepts, the command line accepts too.
  EXPECT_EQ(Run({"run", Config("default.yaml"), "--no-store", "--seed", "18446744073709551615", "--max-trials",
                 "1e1"})
                .exit_code,
            0);
}

TEST_F(CliTest, InvalidOverridesAreBadInput) {
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--max-trials", "0"}), 2, "--max-trials: expected an integer >= 1, got 0");
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--report-every", "0"}), 2, "--report-every");
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--seed", "abc"}), 2, "--seed");
}

TEST_F(CliTest, StorageInMissingDirectoryIsBadInput) {
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--storage", "/nonexistent/dir/x.h5"}), 2,
                     "--storage: directory '/nonexistent/dir' does not exist or is not writable");
}

// Issue 10 item 10: /proc passes access(W_OK) as root, yet no file can be made there;
// that is the user's bad path (exit 2), found before any file is opened.
TEST_F(CliTest, StorageUnderProcIsBadInputNotAnIoError) {
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--storage", "/proc/s.h5"}), 2,
                     "--storage: directory '/proc' does not exist or is not writable");
}

TEST_F(CliTest, StorageIsWrittenWhereAsked) {
  fs::create_directory(dir_ / "results");
  const fs::path storage = dir_ / "results" / "study.h5";
  const Invocation result = Run({"run", Config("default.yaml"), "--storage", storage.string(), "--max-trials", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("storage: new study file " + storage.string()), std::string::npos) << result.out;
  EXPECT_TRUE(fs::exists(storage));
}

TEST_F(CliTest, CommandTrialsRunInThisProcess) {
  // The metric is x1 itself, so the trials' values are easy to tell apart.
  const std::string path = WriteYaml(
      "command.yaml", BraninYaml("", "  command: [/bin/sh, -c, \"echo mpitune: step=$MPITUNE_BUDGET loss={x1}\"]\n"));
  const Invocation result = Run({"run", path, "--max-trials", "5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("trials: 5 ("), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("failed"), std::string::npos) << result.out;
  for (int id = 0; id < 5; ++id) {
    const fs::path trial = dir_ / "cli-test.trials" / std::to_string(id);
    EXPECT_TRUE(fs::exists(trial / "stdout.log")) << trial;
    EXPECT_TRUE(fs::exists(trial / "params.json")) << trial;
    EXPECT_TRUE(fs::is_directory(trial / "checkpoint")) << trial;
  }
}

// A program that cannot be run fails its trials, not the study: the scheduler ranks
// them worst and the run completes, naming the failure, and exits 3 since no trial
// succeeded.
TEST_F(CliTest, CommandThatCannotRunFailsItsTrialsOnly) {
  const std::string path = WriteYaml("command.yaml", BraninYaml("", "  command: [/nonexistent/train, \"{x1}\"]\n"));
  const Invocation result = Run({"run", path, "--max-trials", "3"});
  ExpectOneLineError(result, 3, "no trial succeeded: all 3 trials failed (last: trial 2: cannot run");
  EXPECT_NE(result.out.find("trials: 3 (failed 3)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("failures: 3 (last: trial 2: "), std::string::npos) << result.out;
}

// Regression (issue 9, item 9): a trial past trial.timeout got SIGKILL at once, with no
// chance to checkpoint. It gets SIGTERM, then trial.stop_grace before SIGKILL, and is
// still recorded as timed out.
TEST_F(CliTest, ATimedOutTrialGetsSigtermAndTheStopGraceBeforeSigkill) {
  const std::string path = WriteYaml(
      "command.yaml",
      BraninYaml("", "  command: [/bin/sh, -c, \"trap 'echo checkpointed >$MPITUNE_CHECKPOINT_DIR/on-term; exit 0' "
                     "TERM; while :; do sleep 0.05; done\"]\n  timeout: 0.3\n  stop_grace: 5\n"));
  const Invocation result = Run({"run", path, "--max-trials", "1"});
  EXPECT_NE(result.out.find("trials: 1 (failed 1)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("failures: 1 (last: trial 0: timed out after 0.3 s (exited with code 0 after SIGTERM)"),
            std::string::npos)
      << result.out;
  EXPECT_EQ(ReadFile(dir_ / "cli-test.trials" / "0" / "checkpoint" / "on-term"), "checkpointed\n");
  ExpectOneLineError(Run({"run", WriteYaml("bad.yaml", BraninYaml("", "  command: [\"true\"]\n  stop_grace: -1\n"))}),
                     2, "bad.yaml: trial.stop_grace: expected a number >= 0, got -1");
}

TEST_F(CliTest, CommandTrialsCannotBeSimulated) {
  const std::string path =
      WriteYaml("command.yaml", BraninYaml("", "  command: [python3, train.py, --x1, \"{x1}\", --x2, \"{x2}\"]\n"));
  ExpectOneLineError(Run({"simulate", path, "--workers", "4"}), 2, "trial.command: the simulator needs");
}

TEST_F(CliTest, SimulatePrintsUtilisation) {
  const Invocation result = Run({"simulate", Config("default.yaml"), "--workers", "8"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::smatch utilisation;
  ASSERT_TRUE(std::regex_search(result.out, utilisation, std::regex(R"(worker utilisation: ([0-9.]+) %)")))
      << result.out;
  const double percent = std::stod(utilisation[1].str());
  EXPECT_GT(percent, 0.0);
  EXPECT_LE(percent, 100.0);
  for (const char* line : {"best: trial ", "trials run: 60", "virtual makespan: ", "events: ", "events/s", "rungs:"}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << line << " missing in:\n" << result.out;
  }
}

TEST_F(CliTest, SimulateTimeLimitCutsTheStudyOff) {
  const Invocation full = Run({"simulate", Config("default.yaml"), "--workers", "4"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(full.out.find("time limit reached"), std::string::npos);
  const Invocation cut = Run({"simulate", Config("default.yaml"), "--workers", "4", "--time-limit", "5"});
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_NE(cut.out.find("virtual makespan: 5 s (time limit reached)"), std::string::npos) << cut.out;
  ExpectOneLineError(Run({"simulate", Config("default.yaml"), "--workers", "4", "--time-limit", "-1"}), 2,
                     "--time-limit");
}

TEST_F(CliTest, SimulateNeedsWorkers) {
  ExpectOneLineError(Run({"simulate", Config("default.yaml")}), 2, "--workers");
  ExpectOneLineError(Run({"simulate", Config("default.yaml"), "--workers", "0"}), 2, "--workers");
}

}  // namespace
