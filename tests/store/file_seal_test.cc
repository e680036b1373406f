// The seal in a study file's user block: a sealed file passes; any change to any byte
// after sealing, a truncation, an appended byte and a damaged seal are BadInput errors
// naming the file; unsealed HDF5 files (written before seals) pass unchecked.
#include "store/file_seal.h"

#include <fcntl.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/unique_fd.h"
#include "test_files.h"

namespace mpitune::store {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class FileSealTest : public mpitune::testing::StoreTest {
 protected:
  // A sealed image: a seal, then an HDF5 signature and some bytes standing for a file.
  static std::vector<std::uint8_t> Sealed(std::size_t size = 5000) {
    std::vector<std::uint8_t> image(size);
    const std::uint8_t signature[] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    std::copy(std::begin(signature), std::end(signature), image.begin() + kSealSize);
    for (std::size_t i = kSealSize + 8; i < size; ++i) image[i] = static_cast<std::uint8_t>(i * 31);
    SealImage(image);
    return image;
  }

  Result<SealState> Check(const std::vector<std::uint8_t>& bytes) {
    const std::string path = PathOf("study.h5");
    mpitune::testing::WriteBytes(path, bytes);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    Result<SealState> state = CheckSeal(fd.get(), path);
    EXPECT_EQ(mpitune::testing::ReadBytes(path), bytes) << "checking never changes the file";
    return state;
  }

  void ExpectDamaged(const std::vector<std::uint8_t>& bytes, const std::string& why) {
    Result<SealState> state = Check(bytes);
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.status().kind(), ErrorKind::kBadInput);
    EXPECT_THAT(state.status().message(), StartsWith(PathOf("study.h5") + ": "));
    EXPECT_THAT(state.status().message(), HasSubstr(why));
  }
};

TEST_F(FileSealTest, ASealedFilePasses) {
  Result<SealState> state = Check(Sealed());
  ASSERT_TRUE(state.ok()) << state.status().message();
  EXPECT_EQ(*state, SealState::kSealed);
}

TEST_F(FileSealTest, TheSealTellsWhatItIs) {
  const std::vector<std::uint8_t> image = Sealed();
  const std::string text(image.begin() + 32, image.begin() + kSealSize);
  EXPECT_THAT(text, HasSubstr("mpitune study file"));
}

// Every bit of the file counts, the seal's own unused bytes included.
TEST_F(FileSealTest, EveryFlippedBitIsFound) {
  const std::vector<std::uint8_t> image = Sealed(1200);
  for (std::size_t offset = 0; offset < image.size(); ++offset) {
    std::vector<std::uint8_t> damaged = image;
    damaged[offset] ^= static_cast<std::uint8_t>(1u << (offset % 8));
    Result<SealState> state = Check(damaged);
    ASSERT_FALSE(state.ok()) << "flip at " << offset;
    ASSERT_EQ(state.status().kind(), ErrorKind::kBadInput) << state.status().message();
  }
}

TEST_F(FileSealTest, TruncatedOrExtendedFilesAreFound) {
  std::vector<std::uint8_t> image = Sealed();
  std::vector<std::uint8_t> shorter(image.begin(), image.end() - 1);
  ExpectDamaged(shorter, "truncated or appended to");
  image.push_back(0);
  ExpectDamaged(image, "truncated or appended to");
  const std::vector<std::uint8_t> whole = Sealed();
  ExpectDamaged(std::vector<std::uint8_t>(whole.begin(), whole.begin() + 100), "shorter than its seal");
}

TEST_F(FileSealTest, ADamagedSealIsSaidToBeOne) {
  std::vector<std::uint8_t> image = Sealed();
  image[0] = 'X';  // the magic itself
  ExpectDamaged(image, "its seal is damaged");
  image = Sealed();
  image[300] ^= 0x40;
  ExpectDamaged(image, "its seal is damaged");
}

TEST_F(FileSealTest, ZeroedSealIsFound) {
  std::vector<std::uint8_t> image = Sealed();
  std::fill_n(image.begin(), kSealSize, 0);
  ExpectDamaged(image, "its seal is damaged");
}

TEST_F(FileSealTest, UnsealedHdf5FilesPassUnchecked) {
  std::vector<std::uint8_t> image = Sealed();
  image.erase(image.begin(), image.begin() + kSealSize);
  Result<SealState> state = Check(image);
  ASSERT_TRUE(state.ok()) << state.status().message();
  EXPECT_EQ(*state, SealState::kUnsealed);
}

TEST_F(FileSealTest, OtherFilesAreNotHdf5) {
  Result<SealState> state = Check(std::vector<std::uint8_t>{'s', 't', 'u', 'd', 'y', ':', '\n'});
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(state.status().message(), HasSubstr("not an HDF5 file"));
}

TEST_F(FileSealTest, SealFileInPlaceSealsAChangedFileAgain) {
  std::vector<std::uint8_t> image = Sealed();
  image[kSealSize + 100] ^= 0x01;
  const std::string path = PathOf("study.h5");
  mpitune::testing::WriteBytes(path, image);
  ASSERT_TRUE(SealFileInPlace(path).ok());
  Result<SealState> state = Check(mpitune::testing::ReadBytes(path));
  ASSERT_TRUE(state.ok()) << state.status().message();
}

}  // namespace
}  // namespace mpitune::store
