// The file is readable by the standard tools: h5dump shows our datasets with the
// documented types and values.
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/h5_file.h"
#include "test_files.h"

namespace mpitune::store {
namespace {

using ::testing::HasSubstr;

class H5DumpTest : public mpitune::testing::StoreTest {};

TEST_F(H5DumpTest, DumpShowsDatasetsTypesValuesAndAttributes) {
  const std::string h5dump = MPITUNE_H5DUMP;
  ASSERT_FALSE(h5dump.empty()) << "h5dump was not found when configuring (install hdf5-tools)";
  const std::string path = PathOf("study.h5");
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_TRUE(file->WriteAttribute("/", "format", "mpitune-study").ok());
    ASSERT_TRUE(file->WriteInts("/trials/id", std::vector<std::int64_t>{3, 1234567890123}).ok());
    ASSERT_TRUE(file->WriteDoubles("/trials/loss", std::vector<double>{0.125, -2.5}).ok());
    ASSERT_TRUE(file->WriteStrings("/trials/state", std::vector<std::string>{"completed", "pruned"}).ok());
    ASSERT_TRUE(file->WriteBytes("/blob", std::vector<std::uint8_t>{0xAB, 7}).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  int status = 0;
  const std::string dump = mpitune::testing::RunCommand(h5dump + " '" + path + "' 2>&1", &status);
  ASSERT_EQ(status, 0) << dump;
  EXPECT_THAT(dump, HasSubstr("DATASET \"loss\""));
  EXPECT_THAT(dump, HasSubstr("H5T_IEEE_F64LE"));
  EXPECT_THAT(dump, HasSubstr("0.125, -2.5"));
  EXPECT_THAT(dump, HasSubstr("DATASET \"id\""));
  EXPECT_THAT(dump, HasSubstr("H5T_STD_I64LE"));
  EXPECT_THAT(dump, HasSubstr("3, 1234567890123"));
  EXPECT_THAT(dump, HasSubstr("STRSIZE H5T_VARIABLE"));
  EXPECT_THAT(dump, HasSubstr("CSET H5T_CSET_UTF8"));
  EXPECT_THAT(dump, HasSubstr("\"completed\", \"pruned\""));
  EXPECT_THAT(dump, HasSubstr("H5T_STD_U8LE"));
  EXPECT_THAT(dump, HasSubstr("171, 7"));
  EXPECT_THAT(dump, HasSubstr("ATTRIBUTE \"format\""));
  EXPECT_THAT(dump, HasSubstr("\"mpitune-study\""));
}

}  // namespace
}  // namespace mpitune::store
