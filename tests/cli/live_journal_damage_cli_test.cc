// The journal of a running `mpitune run` is truncated or overwritten by another
// process (issue 10, item 3). Before, the run went on, then exited 2 with "not an
// mpitune journal (bad magic)", and from then on the study could not be opened. Now
// the run finishes normally (exit 0) with one warning, the damaged journal is kept
// aside, and `status` shows every report it showed before the damage, and the rest.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;
using Json = nlohmann::json;

// About 35 runs of a command that reports three steps 30 ms apart: a few seconds.
constexpr const char* kSlowStudy = R"(study:
  name: live
  seed: 4
space:
  x: {type: uniform, low: 0, high: 1}
scheduler:
  type: asha
  max_trials: 24
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  command: [sh, -c, "for s in 1 2 3; do echo mpitune: step=$s loss={x}; sleep 0.03; done"]
)";

enum class Damage { kTruncatedToZero, kOverwritten };

class LiveJournalDamageCliTest : public CliTest, public ::testing::WithParamInterface<Damage> {
 protected:
  // `mpitune run` in the background; its exit code lands in run.rc.
  void StartRun(const std::string& config) {
    const std::string command =
        fmt::format("cd {} && ({} run {} --storage s.h5 >run.out 2>run.err; echo $? >run.rc) &",
                    ShellQuote(dir_.string()), ShellQuote(MPITUNE_BINARY), ShellQuote(config));
    ASSERT_EQ(std::system(command.c_str()), 0);
  }

  // `status --json --history` once the study holds at least `reports` reports.
  Json WaitForReports(std::size_t reports) {
    for (int i = 0; i < 1200 && !fs::exists(dir_ / "run.rc"); ++i) {
      const Invocation status = Run({"status", "s.h5", "--json", "--history"}, 60);
      if (status.exit_code == 0) {
        Json view = Json::parse(status.out);
        if (view["history"]["reports"].size() >= reports) return view;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the run ended or stalled before " << reports << " reports: " << ReadFile(dir_ / "run.err");
    return Json();
  }

  int WaitForRun() {
    for (int i = 0; i < 2400 && !fs::exists(dir_ / "run.rc"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string rc = ReadFile(dir_ / "run.rc");
    return rc.empty() ? -1 : std::stoi(rc);
  }
};

TEST_P(LiveJournalDamageCliTest, TheRunFinishesAndTheStudyKeepsWhatItRecorded) {
  const std::string config = WriteYaml("live.yaml", kSlowStudy);
  StartRun(config);
  const Json before = WaitForReports(12);
  ASSERT_FALSE(before.is_null());
  ASSERT_EQ(before["state"], "open");
  const fs::path journal = dir_ / "s.h5.journal";
  if (GetParam() == Damage::kTruncatedToZero) {
    fs::resize_file(journal, 0);
  } else {
    WriteYaml("s.h5.journal", "2026-11-26 12:00:00 INFO a log line in the wrong file\n");
  }

  const int exit_code = WaitForRun();
  const std::string err = ReadFile(dir_ / "run.err");
  EXPECT_EQ(exit_code, 0) << err;
  const std::vector<std::string> lines = Lines(err);
  ASSERT_EQ(lines.size(), 1u) << err;
  EXPECT_EQ(lines[0].rfind("mpitune: warning: s.h5.journal ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("kept aside as s.h5.journal.damaged-"), std::string::npos) << lines[0];

  int aside = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    aside += entry.path().filename().string().rfind("s.h5.journal.damaged-", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(aside, 1);
  EXPECT_FALSE(fs::exists(journal)) << "a finished run removes its journal";

  const Invocation after = Run({"status", "s.h5", "--json", "--history"}, 60);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  const Json end = Json::parse(after.out);
  EXPECT_EQ(end["state"], "finished");
  EXPECT_EQ(end["trials"], 24);
  const Json& reports = end["history"]["reports"];
  const Json& earlier = before["history"]["reports"];
  ASSERT_GT(reports.size(), earlier.size());
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    ASSERT_EQ(reports[i], earlier[i]) << "report " << i << " seen before the damage is gone or changed";
  }
}

INSTANTIATE_TEST_SUITE_P(Damages, LiveJournalDamageCliTest,
                         ::testing::Values(Damage::kTruncatedToZero, Damage::kOverwritten),
                         [](const ::testing::TestParamInfo<Damage>& param_info) {
                           return std::string(param_info.param == Damage::kTruncatedToZero ? "TruncatedToZero"
                                                                                     : "Overwritten");
                         });

}  // namespace
