#include "base/posix_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_files.h"

namespace mpitune {
namespace {

using ::testing::HasSubstr;

class PosixFileTest : public mpitune::testing::StoreTest {};

TEST_F(PosixFileTest, WriteAllThenReadAllRoundTrips) {
  const std::string path = PathOf("data.bin");
  std::vector<std::uint8_t> data(100000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(fd.valid());
    ASSERT_TRUE(WriteAll(fd.get(), data, path).ok());
    ASSERT_TRUE(fd.Close(path).ok());
    EXPECT_FALSE(fd.valid());
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  Result<std::vector<std::uint8_t>> read = ReadAll(fd.get(), path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, data);
  EXPECT_EQ(mpitune::testing::ReadBytes(path), data);
}

TEST_F(PosixFileTest, ErrorsNameThePathAndErrno) {
  Status write = WriteAll(-1, std::vector<std::uint8_t>{1}, "nowhere.bin");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.kind(), ErrorKind::kIo);
  EXPECT_EQ(write.message(), "nowhere.bin: write: Bad file descriptor");
  Status sync = SyncFile(PathOf("missing.h5"));
  ASSERT_FALSE(sync.ok());
  EXPECT_EQ(sync.message(), PathOf("missing.h5") + ": open: No such file or directory");
  Status directory = SyncParentDirectory(PathOf("missing-dir/file"));
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.message(), HasSubstr("missing-dir: open directory: No such file or directory"));
}

TEST_F(PosixFileTest, SyncsOfExistingFilesAndDirectoriesSucceed) {
  const std::string path = PathOf("snapshot.h5");
  mpitune::testing::WriteText(path, "x");
  EXPECT_TRUE(SyncFile(path).ok());
  EXPECT_TRUE(SyncParentDirectory(path).ok());
}

}  // namespace
}  // namespace mpitune
