// `mpitune run` / `resume` / `status` against real study files: reuse of a finished
// study, refusal of a changed one, --force-new, resume after a stop, status output,
// and files that are not studies.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <chrono>
#include <set>
#include <thread>
#include <string>

#include <fmt/format.h>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;

std::string Bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

class StudyFileCliTest : public CliTest {};

TEST_F(StudyFileCliTest, FinishedStudyIsReportedAgainWithoutWork) {
  const Invocation first = Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "12"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string before = Bytes(dir_ / "s.h5");
  const Invocation again = Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "12"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("study already finished in s.h5 (12 trials"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("0 trials run, 0 reports"), std::string::npos) << again.out;
  // The same best trial, and the file untouched.
  const auto best_line = [](const std::string& out) { return out.substr(out.find("best: ")); };
  EXPECT_EQ(best_line(first.out).substr(0, best_line(first.out).find('\n')),
            best_line(again.out).substr(0, best_line(again.out).find('\n')));
  EXPECT_EQ(Bytes(dir_ / "s.h5"), before);
}

TEST_F(StudyFileCliTest, ChangedStudyIsRefusedSayingWhatChangedAndLeftAlone) {
  ASSERT_EQ(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "5"}).exit_code, 0);
  const std::string before = Bytes(dir_ / "s.h5");
  const std::string changed =
      WriteYaml("changed.yaml", BraninYaml().replace(BraninYaml().find("high: 10"), 8, "high: 12"));
  ExpectOneLineError(Run({"run", changed, "--storage", "s.h5"}), 2, "space.x1: uniform -5..10 -> uniform -5..12");
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "6"}), 2,
                     "scheduler.max_trials: 5 -> 6");
  EXPECT_EQ(Bytes(dir_ / "s.h5"), before);
}

TEST_F(StudyFileCliTest, ForceNewKeepsTheOldStudyAside) {
  ASSERT_EQ(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "5"}).exit_code, 0);
  const std::string old_bytes = Bytes(dir_ / "s.h5");
  const Invocation result =
      Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "7", "--force-new"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("the old one is now s."), std::string::npos) << result.out;
  int aside = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name != "s.h5" && name.rfind("s.", 0) == 0 && name.size() > 3 && name.substr(name.size() - 3) == ".h5") {
      ++aside;
      EXPECT_EQ(Bytes(entry.path()), old_bytes) << name;
    }
  }
  EXPECT_EQ(aside, 1);
  const Invocation status = Run({"status", "s.h5"});
  EXPECT_NE(status.out.find("trials: 7 ("), std::string::npos) << status.out;
}

TEST_F(StudyFileCliTest, StatusPrintsCountsBestRungsAndJson) {
  ASSERT_EQ(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "20"}).exit_code, 0);
  const Invocation text = Run({"status", "s.h5"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("file: s.h5 (finished)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("trials: 20 ("), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("best: trial "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("bracket 0 rung 0 budget 1: 20 results"), std::string::npos) << text.out;

  const Invocation json = Run({"status", "s.h5", "--json", "--history"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["state"], "finished");
  EXPECT_EQ(parsed["trials"], 20);
  std::int64_t counted = 0;
  for (const auto& [state, count] : parsed["counts"].items()) counted += count.get<std::int64_t>();
  EXPECT_EQ(counted, 20);
  ASSERT_TRUE(parsed["best"].is_object());
  EXPECT_TRUE(parsed["best"]["params"].contains("x1"));
  EXPECT_EQ(parsed["history"]["trials"].size(), 20u);
  EXPECT_EQ(parsed["history"]["reports"].size(), parsed["reports"].get<std::size_t>());
  EXPECT_GT(parsed["reports"].get<std::size_t>(), 20u);
}

TEST_F(StudyFileCliTest, ResumeGoesOnWithAStoppedStudy) {
  // A command trial that raises SIGTERM against mpitune itself on trial 3 stops the
  // study the way a scheduler's signal would.
  const std::string path = WriteYaml(
      "stop.yaml", BraninYaml("", "  command: [/bin/sh, -c, \"if [ $MPITUNE_TRIAL_ID = 3 ] && [ ! -e stopped ]; then "
                                  "touch stopped; kill -TERM $PPID; sleep 1; fi; echo mpitune: step=$MPITUNE_BUDGET "
                                  "loss={x1}\"]\n"));
  const Invocation stopped = Run({"run", path, "--storage", "s.h5"});
  EXPECT_EQ(stopped.exit_code, 75) << stopped.out << stopped.err;
  EXPECT_NE(stopped.err.find("`mpitune resume s.h5`"), std::string::npos) << stopped.err;
  const Invocation between = Run({"status", "s.h5", "--json"});
  ASSERT_EQ(between.exit_code, 0) << between.err;
  const nlohmann::json partial = nlohmann::json::parse(between.out);
  EXPECT_EQ(partial["state"], "stopped");
  EXPECT_LT(partial["trials"].get<int>(), 20);

  const Invocation resumed = Run({"resume", "s.h5"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("storage: resuming s.h5"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("\ntrials: 20 ("), std::string::npos) << resumed.out;
  const nlohmann::json done = nlohmann::json::parse(Run({"status", "s.h5", "--json", "--history"}).out);
  EXPECT_EQ(done["state"], "finished");
  // Trial 3 was interrupted, re-queued and then ran to an end like every other.
  for (const auto& trial : done["history"]["trials"]) {
    const std::string state = trial["state"];
    EXPECT_TRUE(state == "completed" || state == "stopped") << trial.dump();
  }
}

TEST_F(StudyFileCliTest, FilesThatAreNotStudiesAreRefusedAndLeftAlone) {
  WriteYaml("text.h5", "not an hdf5 file\n");
  ExpectOneLineError(Run({"status", "text.h5"}), 2, "text.h5");
  ExpectOneLineError(Run({"resume", "text.h5"}), 2, "text.h5");
  // Not a study: the hint is to name another file, never --force-new, which would move it.
  const Invocation text = Run({"run", Config("default.yaml"), "--storage", "text.h5"});
  ExpectOneLineError(text, 2, "--storage");
  EXPECT_EQ(text.err.find("--force-new"), std::string::npos) << text.err;
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--storage", "text.h5", "--force-new"}), 2,
                     "not a study file");
  EXPECT_EQ(Bytes(dir_ / "text.h5"), "not an hdf5 file\n");

  ASSERT_EQ(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "5"}).exit_code, 0);
  const std::string whole = Bytes(dir_ / "s.h5");
  std::ofstream(dir_ / "cut.h5", std::ios::binary) << whole.substr(0, whole.size() / 2);
  ExpectOneLineError(Run({"status", "cut.h5"}), 2, "cut.h5");
  ExpectOneLineError(Run({"resume", "missing.h5"}), 2, "missing.h5: no such study file");
}

// Issue: --force-new with --storage naming a directory moved the user's directory
// aside and made a file in its place.
TEST_F(StudyFileCliTest, ForceNewNeverMovesADirectoryAside) {
  fs::create_directory(dir_ / "results");
  std::ofstream(dir_ / "results" / "keep.txt") << "mine\n";
  for (const std::string storage : {"results", "results/"}) {
    const Invocation refused = Run({"run", Config("default.yaml"), "--storage", storage, "--force-new"});
    ExpectOneLineError(refused, 2, "is a directory");
    EXPECT_NE(refused.err.find("results/branin-asha.h5"), std::string::npos) << refused.err;
  }
  ExpectOneLineError(Run({"run", Config("default.yaml"), "--storage", "results/"}), 2, "--storage");
  EXPECT_TRUE(fs::is_directory(dir_ / "results"));
  EXPECT_EQ(ReadFile(dir_ / "results" / "keep.txt"), "mine\n");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find("results."), std::string::npos) << entry.path();
  }
}

// Issue: a new study of the same name appended to the logs an earlier study left in
// <name>.trials/ (its file deleted by hand).
TEST_F(StudyFileCliTest, ANewStudyNeverWritesIntoAnEarlierStudysTrialFolders) {
  const std::string path = WriteYaml(
      "command.yaml", BraninYaml("", "  command: [/bin/sh, -c, \"echo mpitune: step=$MPITUNE_BUDGET loss={x1}\"]\n"));
  ASSERT_EQ(Run({"run", path, "--max-trials", "2"}).exit_code, 0);
  const std::string first_log = ReadFile(dir_ / "cli-test.trials" / "0" / "stdout.log");
  ASSERT_FALSE(first_log.empty());
  fs::remove(dir_ / "cli-test.h5");
  const Invocation again = Run({"run", path, "--max-trials", "2", "--seed", "9"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("an earlier study's trial folders are now in"), std::string::npos) << again.out;
  // The new trial 0 has a log of its own; the old one is kept, unchanged, aside.
  EXPECT_NE(ReadFile(dir_ / "cli-test.trials" / "0" / "stdout.log"), first_log + first_log);
  bool kept = false;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().filename().string().rfind("cli-test.trials.", 0) == 0) {
      kept = ReadFile(entry.path() / "0" / "stdout.log") == first_log;
    }
  }
  EXPECT_TRUE(kept);
}

// Issue: --no-store wrote <name>.trials/ and appended to the logs of a stored study of
// the same name.
TEST_F(StudyFileCliTest, NoStoreLeavesNothingBehindAndTouchesNoStudy) {
  const std::string path = WriteYaml(
      "command.yaml", BraninYaml("", "  command: [/bin/sh, -c, \"echo mpitune: step=$MPITUNE_BUDGET loss={x1}\"]\n"));
  ASSERT_EQ(Run({"run", path, "--max-trials", "2"}).exit_code, 0);
  std::set<std::string> before;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) before.insert(entry.path().string() + ":" + ReadFile(entry.path()));
  const Invocation unsaved = Run({"run", path, "--max-trials", "3", "--no-store"});
  ASSERT_EQ(unsaved.exit_code, 0) << unsaved.err;
  std::set<std::string> after;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) after.insert(entry.path().string() + ":" + ReadFile(entry.path()));
  // Only the runs' own stdout/stderr captures differ: no file or folder was added, none changed.
  for (auto* files : {&before, &after}) {
    std::erase_if(*files, [](const std::string& f) { return f.find("/stdout.txt:") != std::string::npos ||
                                                            f.find("/stderr.txt:") != std::string::npos; });
  }
  EXPECT_EQ(before, after);
}

// Issue: status could not tell a study being written now from one whose writer was
// killed, and said "running 2" while listing 3 runs (a pausing trial's run is still open).
TEST_F(StudyFileCliTest, StatusTellsALiveWriterFromAKilledOne) {
  const std::string path = WriteYaml(
      "slow.yaml", BraninYaml("", "  command: [/bin/sh, -c, \"sleep 30; echo mpitune: step=1 loss={x1}\"]\n"));
  const std::string start = "cd " + ShellQuote(dir_.string()) + " && (" + ShellQuote(MPITUNE_BINARY) + " run " +
                            ShellQuote(path) + " -q --storage live.h5 >run.out 2>&1 & echo $! >run.pid)";
  ASSERT_EQ(std::system(start.c_str()), 0);
  const std::string pid = ReadFile(dir_ / "run.pid");
  std::string live;
  for (int i = 0; i < 100 && live.find("on workers (1)") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    live = Run({"status", "live.h5"}).out;
  }
  EXPECT_NE(live.find("(open: a running process writes it, last write"), std::string::npos) << live;
  EXPECT_NE(live.find("on workers (1):"), std::string::npos) << live;
  EXPECT_NE(live.find(", running\n"), std::string::npos) << live;
  ASSERT_EQ(std::system(("kill -9 " + pid).c_str()), 0);
  std::system("pkill -9 -f 'sleep 30; echo mpitune' 2>/dev/null");
  std::string killed;
  for (int i = 0; i < 100 && killed.find("no process writes it") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    killed = Run({"status", "live.h5"}).out;
  }
  EXPECT_NE(killed.find("(open: no process writes it (killed?), last write"), std::string::npos) << killed;
  EXPECT_NE(killed.find("`mpitune resume live.h5` goes on"), std::string::npos) << killed;
  const nlohmann::json json = nlohmann::json::parse(Run({"status", "live.h5", "--json"}).out);
  EXPECT_EQ(json["state"], "open");
  EXPECT_EQ(json["writer"], "none");
  EXPECT_TRUE(json["seconds_since_write"].is_number());
}

// Issue: the rung lines showed each trial's latest value (trial 35 with 0.442 at every
// rung), not its value at that rung (0.957, 0.907, 0.767, 0.442 as h5py shows).
TEST_F(StudyFileCliTest, RungLinesShowTheValueAtEachRung) {
  const Invocation run = Run({"run", Config("default.yaml"), "--storage", "s.h5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const Invocation& shown : {run, Run({"status", "s.h5"})}) {
    EXPECT_NE(shown.out.find("rung 0 budget 1: 60 results, 23 promoted, best trial 35 (0.957348)"), std::string::npos)
        << shown.out;
    EXPECT_NE(shown.out.find("rung 1 budget 3: 23 results, 10 promoted, best trial 35 (0.907107)"), std::string::npos)
        << shown.out;
    EXPECT_NE(shown.out.find("rung 2 budget 9: 10 results, 4 promoted, best trial 35 (0.767013)"), std::string::npos)
        << shown.out;
    EXPECT_NE(shown.out.find("rung 3 budget 27: 4 results, 0 promoted, best trial 35 (0.442394)"), std::string::npos)
        << shown.out;
  }
  const nlohmann::json json = nlohmann::json::parse(Run({"status", "s.h5", "--json", "--history"}).out);
  const nlohmann::json& trial35 = json["history"]["trials"][35];
  ASSERT_EQ(trial35["rung_values"].size(), 4u);
  EXPECT_NEAR(trial35["rung_values"][0].get<double>(), 0.957348, 1e-6);
  EXPECT_NEAR(trial35["rung_values"][3].get<double>(), 0.442394, 1e-6);
  EXPECT_EQ(json["rungs"][2]["best_trial"], 35);
}

// Issue: text and JSON status disagreed on the best value (value at the best budget
// against the best value at any step).
TEST_F(StudyFileCliTest, TextAndJsonStatusAgreeOnTheBest) {
  ASSERT_EQ(Run({"run", Config("hartmann6-hyperband.yaml"), "--storage", "h.h5", "--max-trials", "40"}).exit_code, 0);
  const std::string text = Run({"status", "h.h5"}).out;
  const nlohmann::json json = nlohmann::json::parse(Run({"status", "h.h5", "--json"}).out);
  ASSERT_TRUE(json["best"].is_object());
  const std::string expected = "best: trial " + std::to_string(json["best"]["trial"].get<int>()) + ", " +
                               json["metric"].get<std::string>() + " " +
                               fmt::format("{:.6g}", json["best"]["value"].get<double>()) + " at budget " +
                               fmt::format("{:g}", json["best"]["budget"].get<double>()) + ",";
  EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
}

// Issue: a trial that reported 0.5 and then crashed was shown as the best.
TEST_F(StudyFileCliTest, ACrashedTrialIsNeverShownAsTheBest) {
  // Trial 0 reports the best value there is and crashes; the others complete, worse.
  const std::string path = WriteYaml(
      "crash.yaml",
      BraninYaml("", "  command: [/bin/sh, -c, \"if [ {trial_id} = 0 ]; then echo mpitune: step=1 "
                                    "loss=-100; exit 3; fi; echo mpitune: step=$MPITUNE_BUDGET loss={x1}\"]\n"));
  const Invocation run = Run({"run", path, "--max-trials", "3", "--storage", "c.h5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("best: trial 0,"), std::string::npos) << run.out;
  const nlohmann::json json = nlohmann::json::parse(Run({"status", "c.h5", "--json"}).out);
  ASSERT_TRUE(json["best"].is_object());
  EXPECT_NE(json["best"]["trial"], 0);
  EXPECT_GT(json["best"]["value"].get<double>(), -100.0);
}

TEST_F(StudyFileCliTest, H5dumpReadsAFinishedStudy) {
  ASSERT_EQ(Run({"run", Config("default.yaml"), "--storage", "s.h5", "--max-trials", "8"}).exit_code, 0);
  const fs::path out = dir_ / "dump.txt";
  const std::string command = "h5dump -d /trials/trial_id -d /params/x1 -a /format -a /name " +
                              ShellQuote((dir_ / "s.h5").string()) + " >" + ShellQuote(out.string()) + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << ReadFile(out);
  const std::string dump = ReadFile(out);
  EXPECT_NE(dump.find("DATASET \"/trials/trial_id\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("H5T_STD_I64LE"), std::string::npos) << dump;
  EXPECT_NE(dump.find("(0): 0, 1, 2, 3, 4, 5, 6, 7"), std::string::npos) << dump;
  EXPECT_NE(dump.find("DATASET \"/params/x1\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"mpitune-study\""), std::string::npos) << dump;
  EXPECT_NE(dump.find("\"branin-asha\""), std::string::npos) << dump;
}

}  // namespace
