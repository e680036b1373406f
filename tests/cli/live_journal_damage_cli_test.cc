// The journal of a running `mpitune run` is truncated or overwritten by another
// process (issue 10, item 3). Before, the run went on, then exited 2 with "not an
// mpitune journal (bad magic)", and from then on the study could not be opened. Now
// the run finishes normally (exit 0) with one warning, the damaged journal is kept
// aside, and `status` shows every report it showed before the damage, and the rest.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_test_util.h"

namespace {

using namespace mpitune::cli_testing;
using Json = nlohmann::json;

enum class Damage { kTruncatedToZero, kOverwritten };

class LiveJournalDamageCliTest : public CliTest, public ::testing::WithParamInterface<Damage> {
 protected:
  // `status --json --history` once the study holds at least `reports` reports.
  Json WaitForReports(std::size_t reports) {
    for (int i = 0; i < 1200 && !BackgroundEnded(); ++i) {
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
};

TEST_P(LiveJournalDamageCliTest, TheRunFinishesAndTheStudyKeepsWhatItRecorded) {
  const std::string config = WriteYaml("slow.yaml", kSlowCommandStudy);
  StartInBackground({"run", config, "--storage", "s.h5"});
  const Json before = WaitForReports(12);
  ASSERT_FALSE(before.is_null());
  ASSERT_EQ(before["state"], "open");
  const fs::path journal = dir_ / "s.h5.journal";
  ASSERT_FALSE(BackgroundEnded()) << "the study ended before its journal could be damaged";
  if (GetParam() == Damage::kTruncatedToZero) {
    fs::resize_file(journal, 0);
  } else {
    WriteYaml("s.h5.journal", "2026-11-26 12:00:00 INFO a log line in the wrong file\n");
  }

  const int exit_code = WaitForBackground();
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
