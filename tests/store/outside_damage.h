// What another process can do to a journal while its writer runs (a log rotation, a
// mistyped `>`, a cleanup script), for the tests of how the writer copes.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_files.h"

namespace mpitune::testing {

enum class OutsideDamage {
  kTruncatedToZero,
  kTruncatedInPart,
  kHeaderOverwritten,  // in place: the same file, the same size
  kOverwritten,        // with other text, as `>` does
  kAppendedTo,
  kReplaced,  // another file renamed over it
  kDeleted,
};

inline std::string OutsideDamageName(const ::testing::TestParamInfo<OutsideDamage>& info) {
  switch (info.param) {
    case OutsideDamage::kTruncatedToZero:
      return "TruncatedToZero";
    case OutsideDamage::kTruncatedInPart:
      return "TruncatedInPart";
    case OutsideDamage::kHeaderOverwritten:
      return "HeaderOverwritten";
    case OutsideDamage::kOverwritten:
      return "Overwritten";
    case OutsideDamage::kAppendedTo:
      return "AppendedTo";
    case OutsideDamage::kReplaced:
      return "Replaced";
    case OutsideDamage::kDeleted:
      return "Deleted";
  }
  return "";
}

// Does `damage` to the file at `path`; `scratch` is a free path in the same directory.
inline void DamageFromOutside(const std::string& path, OutsideDamage damage, const std::string& scratch) {
  std::vector<std::uint8_t> bytes = ReadBytes(path);
  switch (damage) {
    case OutsideDamage::kTruncatedToZero:
      std::filesystem::resize_file(path, 0);
      return;
    case OutsideDamage::kTruncatedInPart:
      std::filesystem::resize_file(path, bytes.size() / 2);
      return;
    case OutsideDamage::kHeaderOverwritten: {
      std::fill_n(bytes.begin(), 8, 'X');
      std::FILE* file = std::fopen(path.c_str(), "r+b");
      ASSERT_NE(file, nullptr);
      ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), file), bytes.size());
      std::fclose(file);
      return;
    }
    case OutsideDamage::kOverwritten:
      WriteText(path, "2026-11-26 12:00:00 INFO a log line that went to the wrong file\n");
      return;
    case OutsideDamage::kAppendedTo: {
      std::FILE* file = std::fopen(path.c_str(), "ab");
      ASSERT_NE(file, nullptr);
      std::fputs("junk", file);
      std::fclose(file);
      return;
    }
    case OutsideDamage::kReplaced:
      WriteText(scratch, "another file\n");
      std::filesystem::rename(scratch, path);
      return;
    case OutsideDamage::kDeleted:
      std::filesystem::remove(path);
      return;
  }
}

}  // namespace mpitune::testing
