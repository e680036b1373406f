// A SavedState written as a tree of datasets reads back identical (bit-exact doubles,
// empty arrays, nested keys), and malformed states and foreign groups are errors.
#include "store/saved_state_h5.h"

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_files.h"

namespace mpitune::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SavedStateH5Test : public mpitune::testing::StoreTest {
 protected:
  Result<SavedState> RoundTrip(const SavedState& state, const std::string& group) {
    const std::string path = PathOf("state.h5");
    {
      Result<H5File> file = H5File::Create(path);
      if (!file.ok()) return file.status();
      MPITUNE_RETURN_IF_ERROR(WriteSavedState(*file, group, state));
      MPITUNE_RETURN_IF_ERROR(file->Close());
    }
    Result<H5File> file = H5File::OpenReadOnly(path);
    if (!file.ok()) return file.status();
    return ReadSavedState(*file, group);
  }
};

SavedState SchedulerLikeState() {
  SavedState state;
  state.PutString("kind", "asha");
  state.PutInt("asha/eta", 3);
  state.PutDouble("asha/min_budget", 1.0 / 3.0);
  state.Put("asha/rung/0/trial", SavedState::Ints{0, 1, 2, 3, 4, 5, 6, 7, 8});
  state.Put("asha/rung/0/value", SavedState::Doubles{0.5, std::numeric_limits<double>::quiet_NaN(),
                                                     std::bit_cast<double>(std::uint64_t{0xFFF0000000000123u}),
                                                     std::numeric_limits<double>::infinity(),
                                                     -std::numeric_limits<double>::infinity(), -0.0, 1e-310, 2.0, 3.0});
  state.Put("asha/rung/1/trial", SavedState::Ints{});
  state.Put("asha/rung/1/value", SavedState::Doubles{});
  state.Put("asha/rung/10/trial", SavedState::Ints{std::numeric_limits<std::int64_t>::min()});
  state.Put("sampler/names", SavedState::Strings{"lr", "", "momentum ✓"});
  state.Put("sampler/empty", SavedState::Strings{});
  return state;
}

TEST_F(SavedStateH5Test, NestedStateRoundTripsExactly) {
  const SavedState state = SchedulerLikeState();
  Result<SavedState> read = RoundTrip(state, "/scheduler");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(*read == state);
  // operator== is bit-exact; check one NaN payload directly so a lenient comparison
  // could not hide a canonicalised NaN.
  const SavedState::Doubles values = *read->GetDoubles("asha/rung/0/value");
  EXPECT_EQ(std::bit_cast<std::uint64_t>(values[2]), 0xFFF0000000000123u);
  EXPECT_EQ(*read->GetInts("asha/rung/1/trial"), SavedState::Ints{});
  EXPECT_EQ(*read->GetString("kind"), "asha");
}

TEST_F(SavedStateH5Test, LayoutIsOneDatasetPerKey) {
  const std::string path = PathOf("layout.h5");
  Result<H5File> file = H5File::Create(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(WriteSavedState(*file, "/run/scheduler", SchedulerLikeState()).ok());
  EXPECT_EQ(*file->DatasetType("/run/scheduler/asha/rung/0/trial"), H5Type::kInt64);
  EXPECT_EQ(*file->DatasetType("/run/scheduler/asha/rung/0/value"), H5Type::kFloat64);
  EXPECT_EQ(*file->DatasetType("/run/scheduler/kind"), H5Type::kString);
  Result<std::vector<H5Child>> rungs = file->ListChildren("/run/scheduler/asha/rung");
  ASSERT_TRUE(rungs.ok());
  EXPECT_THAT(*rungs, ElementsAre(H5Child{"0", H5ObjectKind::kGroup}, H5Child{"1", H5ObjectKind::kGroup},
                                  H5Child{"10", H5ObjectKind::kGroup}));
}

TEST_F(SavedStateH5Test, EmptyStateIsAnEmptyGroup) {
  Result<SavedState> read = RoundTrip(SavedState(), "/scheduler");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->fields().empty());
}

TEST_F(SavedStateH5Test, TwoStatesInOneFileStaySeparate) {
  const std::string path = PathOf("two.h5");
  SavedState a;
  a.PutInt("x", 1);
  SavedState b;
  b.PutString("x", "one");
  b.PutDouble("y/z", 2.0);
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(WriteSavedState(*file, "/a", a).ok());
    ASSERT_TRUE(WriteSavedState(*file, "/b", b).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  Result<H5File> file = H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(*ReadSavedState(*file, "/a") == a);
  EXPECT_TRUE(*ReadSavedState(*file, "b") == b);
}

TEST_F(SavedStateH5Test, KeyThatIsAlsoAParentIsRejected) {
  SavedState state;
  state.PutInt("asha/rung", 1);
  state.PutInt("asha/rung/0", 2);
  Result<SavedState> read = RoundTrip(state, "/s");
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("key 'asha/rung' is both a value and the parent of 'asha/rung/0'"));
}

TEST_F(SavedStateH5Test, KeysThatAreNotCleanRelativePathsAreRejected) {
  for (const std::string key : {"", "/abs", "a//b", "a/", "./a", "a/../b"}) {
    SavedState state;
    state.PutInt(key, 1);
    Result<SavedState> read = RoundTrip(state, "/s");
    ASSERT_FALSE(read.ok()) << "key '" << key << "'";
    EXPECT_THAT(read.status().message(), HasSubstr("key '" + key + "' is not a relative path")) << key;
  }
}

TEST_F(SavedStateH5Test, ForeignContentIsAnErrorNamingTheDataset) {
  const std::string path = PathOf("foreign.h5");
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->WriteInts("/s/fine", std::vector<std::int64_t>{1}).ok());
    ASSERT_TRUE(file->WriteBytes("/s/deep/blob", std::vector<std::uint8_t>{1, 2}).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  Result<H5File> file = H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok());
  Result<SavedState> read = ReadSavedState(*file, "/s");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), path + ": /s/deep/blob: bytes have no place in a saved state");
  Result<SavedState> missing = ReadSavedState(*file, "/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nope: no such object"));
}

}  // namespace
}  // namespace mpitune::store
