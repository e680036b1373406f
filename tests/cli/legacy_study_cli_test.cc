// Study files written by mpitune 0.1.0 (format 1, tests/data/README.md) are read by
// `status` and go on with `resume`, which writes them back in the current format.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "cli/cli_test_util.h"
#include "store/h5_file.h"
#include "store/study_store.h"

namespace {

using namespace mpitune::cli_testing;

std::string Data(const std::string& name) { return std::string(MPITUNE_SOURCE_DIR) + "/tests/data/" + name; }

class LegacyStudyCliTest : public CliTest {};

TEST_F(LegacyStudyCliTest, AFinishedFormat1StudyIsReadWithItsBestTrial) {
  fs::copy_file(Data("v1-hyperband.h5"), dir_ / "old.h5");
  const Invocation text = Run({"status", "old.h5"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("study v1-hyperband: scheduler hyperband"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(finished)"), std::string::npos) << text.out;
  const Invocation json = Run({"status", "old.h5", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json status = nlohmann::json::parse(json.out);
  EXPECT_EQ(status["trials"], 40);
  EXPECT_EQ(status["mode"], "max");
  ASSERT_TRUE(status["best"].is_object());
  // The int parameter keeps its type; status never writes.
  EXPECT_TRUE(status["best"]["params"]["k"].is_number_integer());
  EXPECT_EQ(Run({"status", "old.h5"}).out, text.out);
}

TEST_F(LegacyStudyCliTest, AStoppedFormat1StudyResumesToTheEndInTheCurrentFormat) {
  fs::copy_file(Data("v1-sha.h5"), dir_ / "v1-sha.h5");
  const Invocation before = Run({"status", "v1-sha.h5", "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(nlohmann::json::parse(before.out)["trials"], 19);
  const Invocation resumed = Run({"resume", "v1-sha.h5"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  EXPECT_NE(resumed.out.find("resuming v1-sha.h5 (19 trials"), std::string::npos) << resumed.out;
  const Invocation after = Run({"status", "v1-sha.h5", "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  const nlohmann::json status = nlohmann::json::parse(after.out);
  EXPECT_EQ(status["state"], "finished");
  EXPECT_EQ(status["trials"], 27);
  // A choice of a string, an int, a float and a bool: each value in its own type.
  const nlohmann::json& opt = status["best"]["params"]["opt"];
  EXPECT_TRUE(opt.is_string() || opt.is_number_integer() || opt.is_number_float() || opt.is_boolean()) << opt;
  // Written back by this release, in its format.
  mpitune::Result<mpitune::store::H5File> file = mpitune::store::H5File::OpenReadOnly((dir_ / "v1-sha.h5").string());
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(*file->ReadIntAttribute("/", "format_version"), mpitune::kStudyFormatVersion);
  EXPECT_TRUE(file->Exists("/space/opt/choice_kind"));
}

}  // namespace
