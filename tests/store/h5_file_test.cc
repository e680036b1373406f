// H5File against real files: every dataset and attribute type round-trips through
// disk, mismatches and damaged files come back as one-line errors naming the file,
// and HDF5 never prints to stderr.
#include "store/h5_file.h"

#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/file_seal.h"
#include "test_files.h"

namespace mpitune::store {
namespace {

using mpitune::testing::WriteText;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class H5FileTest : public mpitune::testing::StoreTest {
 protected:
  // Writes with `write`, closes, reopens read-only: every check reads from disk.
  template <typename WriteFn>
  H5File WriteAndReopen(const std::string& name, WriteFn write) {
    const std::string path = PathOf(name);
    {
      Result<H5File> file = H5File::Create(path);
      EXPECT_TRUE(file.ok()) << file.status().message();
      write(*file);
      EXPECT_TRUE(file->Close().ok());
    }
    Result<H5File> file = H5File::OpenReadOnly(path);
    EXPECT_TRUE(file.ok()) << file.status().message();
    return std::move(file).value();
  }
};

std::uint64_t Bits(double value) { return std::bit_cast<std::uint64_t>(value); }

TEST_F(H5FileTest, IntsRoundTrip) {
  const std::vector<std::int64_t> values = {0, 1, -1, std::numeric_limits<std::int64_t>::min(),
                                            std::numeric_limits<std::int64_t>::max(), 1234567890123};
  H5File file = WriteAndReopen("ints.h5", [&](H5File& f) { ASSERT_TRUE(f.WriteInts("/values", values).ok()); });
  Result<std::vector<std::int64_t>> read = file.ReadInts("/values");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, values);
}

TEST_F(H5FileTest, DoublesRoundTripBitExactIncludingNanAndInf) {
  const double payload_nan = std::bit_cast<double>(std::uint64_t{0x7FF800000000ABCDu});
  const double negative_nan = std::bit_cast<double>(std::uint64_t{0xFFF8000000000001u});
  const std::vector<double> values = {0.1,
                                      -0.0,
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN(),
                                      payload_nan,
                                      negative_nan,
                                      std::numeric_limits<double>::denorm_min(),
                                      std::numeric_limits<double>::max()};
  H5File file = WriteAndReopen("doubles.h5", [&](H5File& f) { ASSERT_TRUE(f.WriteDoubles("d", values).ok()); });
  Result<std::vector<double>> read = file.ReadDoubles("d");
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(Bits((*read)[i]), Bits(values[i])) << "index " << i;
}

TEST_F(H5FileTest, StringsRoundTripIncludingUtf8AndEmpty) {
  const std::vector<std::string> values = {"asha", "", "héllo wörld ✓", std::string(10000, 'x'), " padded  "};
  H5File file = WriteAndReopen("strings.h5", [&](H5File& f) { ASSERT_TRUE(f.WriteStrings("/names", values).ok()); });
  Result<std::vector<std::string>> read = file.ReadStrings("/names");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, values);
}

TEST_F(H5FileTest, BytesRoundTripEveryByteValue) {
  std::vector<std::uint8_t> values(256);
  for (int i = 0; i < 256; ++i) values[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(255 - i);
  H5File file = WriteAndReopen("bytes.h5", [&](H5File& f) { ASSERT_TRUE(f.WriteBytes("/blob", values).ok()); });
  Result<std::vector<std::uint8_t>> read = file.ReadBytes("/blob");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, values);
}

TEST_F(H5FileTest, EmptyArraysOfEveryType) {
  H5File file = WriteAndReopen("empty.h5", [](H5File& f) {
    ASSERT_TRUE(f.WriteInts("e/ints", {}).ok());
    ASSERT_TRUE(f.WriteDoubles("e/doubles", {}).ok());
    ASSERT_TRUE(f.WriteStrings("e/strings", {}).ok());
    ASSERT_TRUE(f.WriteBytes("e/bytes", {}).ok());
  });
  Result<std::vector<std::int64_t>> ints = file.ReadInts("e/ints");
  Result<std::vector<double>> doubles = file.ReadDoubles("e/doubles");
  Result<std::vector<std::string>> strings = file.ReadStrings("e/strings");
  Result<std::vector<std::uint8_t>> bytes = file.ReadBytes("e/bytes");
  ASSERT_TRUE(ints.ok() && doubles.ok() && strings.ok() && bytes.ok());
  EXPECT_THAT(*ints, IsEmpty());
  EXPECT_THAT(*doubles, IsEmpty());
  EXPECT_THAT(*strings, IsEmpty());
  EXPECT_THAT(*bytes, IsEmpty());
  // Empty datasets still carry their type.
  EXPECT_EQ(*file.DatasetType("e/doubles"), H5Type::kFloat64);
  EXPECT_EQ(*file.DatasetType("e/strings"), H5Type::kString);
}

TEST_F(H5FileTest, DatasetTypeTellsTheReaderToUse) {
  H5File file = WriteAndReopen("types.h5", [](H5File& f) {
    ASSERT_TRUE(f.WriteInts("i", std::vector<std::int64_t>{1}).ok());
    ASSERT_TRUE(f.WriteDoubles("f", std::vector<double>{1.0}).ok());
    ASSERT_TRUE(f.WriteStrings("s", std::vector<std::string>{"a"}).ok());
    ASSERT_TRUE(f.WriteBytes("b", std::vector<std::uint8_t>{1}).ok());
  });
  EXPECT_EQ(*file.DatasetType("i"), H5Type::kInt64);
  EXPECT_EQ(*file.DatasetType("f"), H5Type::kFloat64);
  EXPECT_EQ(*file.DatasetType("s"), H5Type::kString);
  EXPECT_EQ(*file.DatasetType("b"), H5Type::kBytes);
  Result<H5Type> missing = file.DatasetType("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nope"));
}

TEST_F(H5FileTest, TypeMismatchNamesFileObjectAndBothTypes) {
  H5File file = WriteAndReopen("study.h5", [](H5File& f) {
    ASSERT_TRUE(f.WriteStrings("/trials/state", std::vector<std::string>{"done"}).ok());
    ASSERT_TRUE(f.WriteInts("/trials/id", std::vector<std::int64_t>{7}).ok());
  });
  Result<std::vector<double>> doubles = file.ReadDoubles("trials/state");
  ASSERT_FALSE(doubles.ok());
  EXPECT_EQ(doubles.status().kind(), ErrorKind::kBadInput);
  EXPECT_EQ(doubles.status().message(), PathOf("study.h5") + ": /trials/state: expected float64, found string");

  Result<std::vector<std::string>> strings = file.ReadStrings("/trials/id");
  ASSERT_FALSE(strings.ok());
  EXPECT_THAT(strings.status().message(), HasSubstr("expected string, found int64"));
  Result<std::vector<std::uint8_t>> bytes = file.ReadBytes("/trials/id");
  ASSERT_FALSE(bytes.ok());
  EXPECT_THAT(bytes.status().message(), HasSubstr("expected bytes, found int64"));
  Result<std::vector<std::int64_t>> ints = file.ReadInts("/trials");
  ASSERT_FALSE(ints.ok());
  EXPECT_THAT(ints.status().message(), AllOf(HasSubstr("/trials"), HasSubstr("cannot open as a dataset")));
}

TEST_F(H5FileTest, MissingDatasetErrorNamesFileAndPath) {
  H5File file = WriteAndReopen("m.h5", [](H5File& f) { ASSERT_TRUE(f.CreateGroup("/g").ok()); });
  ::testing::internal::CaptureStderr();
  Result<std::vector<std::int64_t>> read = file.ReadInts("/g/missing");
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), PathOf("m.h5") + ": /g/missing: no such dataset");
  EXPECT_THAT(err, IsEmpty());
}

TEST_F(H5FileTest, WritingAnExistingDatasetIsAnError) {
  Result<H5File> file = H5File::Create(PathOf("twice.h5"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->WriteInts("/x", std::vector<std::int64_t>{1}).ok());
  Status again = file->WriteInts("x", std::vector<std::int64_t>{2});
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.message(), HasSubstr("/x: already exists"));
  EXPECT_EQ(*file->ReadInts("/x"), std::vector<std::int64_t>{1});
}

TEST_F(H5FileTest, GroupsAreCreatedWithParentsAndIdempotently) {
  Result<H5File> file = H5File::Create(PathOf("groups.h5"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->CreateGroup("/a/b/c").ok());
  ASSERT_TRUE(file->CreateGroup("a/b").ok());  // exists already: fine
  EXPECT_TRUE(file->Exists("/a"));
  EXPECT_TRUE(file->Exists("/a/b/c"));
  EXPECT_EQ(*file->ObjectKind("/a/b"), H5ObjectKind::kGroup);
  ASSERT_TRUE(file->WriteInts("/a/x", std::vector<std::int64_t>{1}).ok());
  Status over_dataset = file->CreateGroup("/a/x");
  ASSERT_FALSE(over_dataset.ok());
  EXPECT_THAT(over_dataset.message(), HasSubstr("/a/x: exists and is not a group"));
  Status below_dataset = file->WriteInts("/a/x/y/z", std::vector<std::int64_t>{1});
  ASSERT_FALSE(below_dataset.ok());
  EXPECT_EQ(below_dataset.message(), PathOf("groups.h5") + ": /a/x/y/z: /a/x is not a group");
  EXPECT_FALSE(file->CreateGroup("/a/x/g").ok());
}

TEST_F(H5FileTest, ExistsNeverFailsOnOddPaths) {
  Result<H5File> file = H5File::Create(PathOf("exists.h5"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->WriteDoubles("/g/d", std::vector<double>{1.0}).ok());
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(file->Exists("/"));
  EXPECT_TRUE(file->Exists(""));
  EXPECT_TRUE(file->Exists("g/d"));
  EXPECT_FALSE(file->Exists("/g/e"));
  EXPECT_FALSE(file->Exists("/missing/parent/d"));
  EXPECT_FALSE(file->Exists("/g/d/below_a_dataset"));
  EXPECT_FALSE(file->Exists("/g//d"));
  EXPECT_FALSE(file->Exists("/g/../g"));
  EXPECT_THAT(::testing::internal::GetCapturedStderr(), IsEmpty());
}

TEST_F(H5FileTest, ListChildrenIsSortedAndTyped) {
  H5File file = WriteAndReopen("list.h5", [](H5File& f) {
    ASSERT_TRUE(f.WriteInts("/top/zeta", std::vector<std::int64_t>{1}).ok());
    ASSERT_TRUE(f.CreateGroup("/top/alpha").ok());
    ASSERT_TRUE(f.WriteStrings("/top/10", std::vector<std::string>{"x"}).ok());
    ASSERT_TRUE(f.WriteBytes("/top/2", std::vector<std::uint8_t>{}).ok());
  });
  Result<std::vector<H5Child>> children = file.ListChildren("/top");
  ASSERT_TRUE(children.ok()) << children.status().message();
  EXPECT_THAT(*children, ElementsAre(H5Child{"10", H5ObjectKind::kDataset}, H5Child{"2", H5ObjectKind::kDataset},
                                     H5Child{"alpha", H5ObjectKind::kGroup}, H5Child{"zeta", H5ObjectKind::kDataset}));
  EXPECT_THAT(*file.ListChildren("/top/alpha"), IsEmpty());
  EXPECT_THAT(*file.ListChildren("/"), ElementsAre(H5Child{"top", H5ObjectKind::kGroup}));
  Result<std::vector<H5Child>> of_dataset = file.ListChildren("/top/zeta");
  ASSERT_FALSE(of_dataset.ok());
  EXPECT_THAT(of_dataset.status().message(), HasSubstr("/top/zeta: not a group"));
}

TEST_F(H5FileTest, AttributesRoundTripOnRootGroupAndDataset) {
  H5File file = WriteAndReopen("attrs.h5", [](H5File& f) {
    ASSERT_TRUE(f.WriteAttribute("/", "format", "mpitune-study").ok());
    ASSERT_TRUE(f.WriteAttribute("/", "version", std::int64_t{3}).ok());
    ASSERT_TRUE(f.WriteAttribute("/", "version", std::int64_t{4}).ok());  // replaces
    ASSERT_TRUE(f.CreateGroup("/trials").ok());
    ASSERT_TRUE(f.WriteAttribute("/trials", "best", -0.0).ok());
    ASSERT_TRUE(f.WriteAttribute("trials", "nan", std::numeric_limits<double>::quiet_NaN()).ok());
    ASSERT_TRUE(f.WriteAttribute("trials", "note", std::string("ü")).ok());
    ASSERT_TRUE(f.WriteInts("/trials/id", std::vector<std::int64_t>{1}).ok());
    ASSERT_TRUE(f.WriteAttribute("/trials/id", "units", "count").ok());
  });
  EXPECT_EQ(*file.ReadStringAttribute("/", "format"), "mpitune-study");
  EXPECT_EQ(*file.ReadIntAttribute("/", "version"), 4);
  EXPECT_EQ(Bits(*file.ReadDoubleAttribute("/trials", "best")), Bits(-0.0));
  EXPECT_EQ(Bits(*file.ReadDoubleAttribute("/trials", "nan")), Bits(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(*file.ReadStringAttribute("/trials", "note"), "ü");
  EXPECT_EQ(*file.ReadStringAttribute("/trials/id", "units"), "count");
  EXPECT_TRUE(file.HasAttribute("/", "format"));
  EXPECT_FALSE(file.HasAttribute("/", "missing"));
  EXPECT_FALSE(file.HasAttribute("/missing", "format"));
}

TEST_F(H5FileTest, AttributeErrorsNameTheAttribute) {
  H5File file = WriteAndReopen("a.h5", [](H5File& f) { ASSERT_TRUE(f.WriteAttribute("/", "version", "one").ok()); });
  Result<std::int64_t> wrong = file.ReadIntAttribute("/", "version");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), PathOf("a.h5") + ": /: attribute 'version': expected int64, found string");
  Result<double> missing = file.ReadDoubleAttribute("/", "lr");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("attribute 'lr': not found"));
}

TEST_F(H5FileTest, BadInputsAreRejectedBeforeHdf5SeesThem) {
  Result<H5File> file = H5File::Create(PathOf("bad.h5"));
  ASSERT_TRUE(file.ok());
  Status nul = file->WriteStrings("/s", std::vector<std::string>{"ok", std::string("a\0b", 3)});
  ASSERT_FALSE(nul.ok());
  EXPECT_THAT(nul.message(), HasSubstr("string 1 contains a NUL byte"));
  EXPECT_FALSE(file->Exists("/s"));
  Status empty_component = file->WriteInts("/a//b", std::vector<std::int64_t>{1});
  ASSERT_FALSE(empty_component.ok());
  EXPECT_THAT(empty_component.message(), HasSubstr("invalid object path '/a//b'"));
  EXPECT_FALSE(file->WriteInts("/a/./b", std::vector<std::int64_t>{1}).ok());
  EXPECT_FALSE(file->WriteAttribute("/", "", std::int64_t{1}).ok());
  EXPECT_FALSE(file->WriteAttribute("/nowhere", "x", std::int64_t{1}).ok());
}

TEST_F(H5FileTest, ReadOnlyAndClosedFilesRefuseWrites) {
  H5File file = WriteAndReopen("ro.h5", [](H5File& f) { ASSERT_TRUE(f.CreateGroup("/g").ok()); });
  Status write = file.WriteInts("/g/x", std::vector<std::int64_t>{1});
  ASSERT_FALSE(write.ok());
  EXPECT_THAT(write.message(), HasSubstr("read-only"));
  ASSERT_TRUE(file.Close().ok());
  Result<std::vector<H5Child>> after_close = file.ListChildren("/");
  ASSERT_FALSE(after_close.ok());
  EXPECT_FALSE(file.Exists("/g"));
}

TEST_F(H5FileTest, FlushMakesDataVisibleToAnotherReaderBeforeClose) {
  const std::string path = PathOf("flush.h5");
  Result<H5File> writer = H5File::Create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->WriteInts("/n", std::vector<std::int64_t>{42}).ok());
  ASSERT_TRUE(writer->Flush().ok());
  EXPECT_GT(std::filesystem::file_size(path), 0u);
  ASSERT_TRUE(writer->Close().ok());
  Result<H5File> reader = H5File::OpenReadOnly(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*reader->ReadInts("/n"), std::vector<std::int64_t>{42});
}

// ---- files that are not (whole) HDF5 files ----

// Opening must fail with BadInput, name the file, print nothing on stderr.
void ExpectCleanOpenFailure(const std::string& path, const std::string& reason) {
  ::testing::internal::CaptureStderr();
  Result<H5File> file = H5File::OpenReadOnly(path);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().kind(), ErrorKind::kBadInput);
  EXPECT_THAT(file.status().message(), AllOf(::testing::StartsWith(path + ": "), HasSubstr(reason)));
  EXPECT_THAT(file.status().message(), Not(HasSubstr("\n")));
  EXPECT_THAT(err, IsEmpty());
}

TEST_F(H5FileTest, TextFileIsNotHdf5) {
  WriteText(PathOf("config.yaml"), "study:\n  name: branin\n");
  ExpectCleanOpenFailure(PathOf("config.yaml"), "not an HDF5 file");
}

TEST_F(H5FileTest, ZeroByteFileIsNotHdf5) {
  WriteText(PathOf("empty.h5"), "");
  ExpectCleanOpenFailure(PathOf("empty.h5"), "not an HDF5 file (empty)");
}

TEST_F(H5FileTest, MissingFileAndDirectoryAreClearErrors) {
  ExpectCleanOpenFailure(PathOf("absent.h5"), "No such file or directory");
  ExpectCleanOpenFailure(dir_.string(), "not a regular file");
}

TEST_F(H5FileTest, TruncatedFileIsAnErrorNotACrash) {
  const std::string path = PathOf("truncated.h5");
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->WriteDoubles("/trials/loss", std::vector<double>(4096, 0.5)).ok());
    ASSERT_TRUE(file->WriteStrings("/trials/state", std::vector<std::string>(100, "done")).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 32768u);
  std::filesystem::resize_file(path, size / 2);
  ExpectCleanOpenFailure(path, "truncated file");
}

TEST_F(H5FileTest, HeaderOnlyPrefixIsAnError) {
  // The first bytes of a real file: the signature is there, the rest is not.
  const std::string path = PathOf("prefix.h5");
  {
    Result<H5File> file = H5File::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->WriteInts("/x", std::vector<std::int64_t>{1, 2, 3}).ok());
    ASSERT_TRUE(file->Close().ok());
  }
  std::filesystem::resize_file(path, 12);
  ExpectCleanOpenFailure(path, "not a readable HDF5 file");
}

TEST_F(H5FileTest, CreateInMissingDirectoryNamesTheFile) {
  const std::string path = PathOf("no/such/dir/study.h5");
  ::testing::internal::CaptureStderr();
  Result<H5File> file = H5File::Create(path);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().kind(), ErrorKind::kIo);
  EXPECT_THAT(file.status().message(),
              AllOf(::testing::StartsWith(path + ": cannot create HDF5 file"), HasSubstr("No such file or directory")));
  EXPECT_THAT(file.status().message(), Not(HasSubstr("\n")));
  EXPECT_THAT(err, IsEmpty());
}

// ---- datasets written by other tools ----

// h5py and other writers use types this library never writes; the readers convert the
// ones with an obvious meaning and refuse the rest by name.
TEST_F(H5FileTest, ReadsForeignIntegerFloatAndFixedStringTypes) {
  const std::string path = PathOf("foreign.h5");
  {
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hsize_t dims[1] = {3};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    const std::int32_t ints[3] = {-5, 0, 7};
    hid_t d = H5Dcreate2(file, "i32", H5T_STD_I32BE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, ints), 0);
    H5Dclose(d);
    const float floats[3] = {0.5f, -2.0f, 1e10f};
    d = H5Dcreate2(file, "f32", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, floats), 0);
    H5Dclose(d);
    hid_t fixed = H5Tcopy(H5T_C_S1);
    H5Tset_size(fixed, 4);
    H5Tset_strpad(fixed, H5T_STR_NULLPAD);
    const char strings[12] = {'a', 'b', 'c', 'd', 'x', 0, 0, 0, 0, 0, 0, 0};
    d = H5Dcreate2(file, "fixed", fixed, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    EXPECT_GE(H5Dwrite(d, fixed, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings), 0);
    H5Dclose(d);
    H5Tclose(fixed);
    hid_t compound = H5Tcreate(H5T_COMPOUND, 8);
    H5Tinsert(compound, "v", 0, H5T_NATIVE_DOUBLE);
    d = H5Dcreate2(file, "compound", compound, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Tclose(compound);
    const hsize_t dims2[2] = {2, 2};
    hid_t space2 = H5Screate_simple(2, dims2, nullptr);
    d = H5Dcreate2(file, "matrix", H5T_STD_I64LE, space2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(space2);
    H5Sclose(space);
    H5Fclose(file);
  }
  Result<H5File> file = H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(*file->ReadInts("i32"), (std::vector<std::int64_t>{-5, 0, 7}));
  EXPECT_EQ(*file->ReadDoubles("f32"), (std::vector<double>{0.5, -2.0, 1e10}));
  EXPECT_EQ(*file->ReadStrings("fixed"), (std::vector<std::string>{"abcd", "x", ""}));
  Result<H5Type> compound = file->DatasetType("compound");
  ASSERT_FALSE(compound.ok());
  EXPECT_THAT(compound.status().message(), HasSubstr("/compound: unsupported type compound"));
  Result<std::vector<double>> as_doubles = file->ReadDoubles("compound");
  ASSERT_FALSE(as_doubles.ok());
  EXPECT_THAT(as_doubles.status().message(), HasSubstr("expected float64, found compound"));
  Result<std::vector<std::int64_t>> matrix = file->ReadInts("matrix");
  ASSERT_FALSE(matrix.ok());
  EXPECT_THAT(matrix.status().message(), HasSubstr("/matrix: expected a 1-D dataset, found rank 2"));
}

TEST_F(H5FileTest, MovedFromFileIsEmptyAndTheMovedToOneWorks) {
  Result<H5File> created = H5File::Create(PathOf("moved.h5"));
  ASSERT_TRUE(created.ok());
  H5File file = std::move(created).value();
  ASSERT_TRUE(file.WriteInts("/x", std::vector<std::int64_t>{9}).ok());
  H5File other = std::move(file);
  EXPECT_EQ(*other.ReadInts("/x"), std::vector<std::int64_t>{9});
  ASSERT_TRUE(other.Close().ok());
}

// ---- files made in memory, sealed, written by the caller ----

std::vector<std::uint8_t> SealedImage(const std::string& name) {
  Result<H5File> file = H5File::CreateInMemory(name, kSealSize);
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return {};
  EXPECT_TRUE(file->WriteDoubles("/trials/loss", std::vector<double>(1000, 0.25)).ok());
  EXPECT_TRUE(file->WriteAttribute("/", "config_yaml", "study: {name: x}").ok());
  Result<std::vector<std::uint8_t>> image = file->Image();
  EXPECT_TRUE(image.ok()) << image.status().message();
  EXPECT_TRUE(file->Close().ok());
  if (!image.ok()) return {};
  SealImage(*image);
  return *image;
}

TEST_F(H5FileTest, AnInMemoryFileWrittenWithItsSealReadsBack) {
  const std::string path = PathOf("sealed.h5");
  ASSERT_FALSE(std::filesystem::exists(path)) << "made in memory only";
  const std::vector<std::uint8_t> image = SealedImage(path);
  ASSERT_FALSE(std::filesystem::exists(path)) << "made in memory only";
  ASSERT_GT(image.size(), kSealSize);
  mpitune::testing::WriteBytes(path, image);
  Result<H5File> file = H5File::OpenReadOnly(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(*file->ReadDoubles("/trials/loss"), std::vector<double>(1000, 0.25));
  EXPECT_EQ(*file->ReadStringAttribute("/", "config_yaml"), "study: {name: x}");
}

TEST_F(H5FileTest, ASealedFileChangedAfterItsSealIsNeverOpened) {
  const std::string path = PathOf("sealed.h5");
  std::vector<std::uint8_t> image = SealedImage(path);
  ASSERT_GT(image.size(), 4000u);
  image[image.size() - 3000] ^= 0x01;
  mpitune::testing::WriteBytes(path, image);
  ExpectCleanOpenFailure(path, "damaged study file (checksum mismatch");
  EXPECT_EQ(mpitune::testing::ReadBytes(path), image) << "a reader never changes the file";
}

}  // namespace
}  // namespace mpitune::store
