// Literals per dialect: a string survives the clients that split scripts at ';' and
// cut "--" comments, NaN is NULL, doubles stay doubles; hyperparameter names become
// safe, unique column names.
#include "export/sql_literal.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "export/column_names.h"

namespace mpitune::sql {
namespace {

TEST(SqlLiteralTest, HiveAndMaxComputeEscapeWithBackslashes) {
  for (const SqlDialect dialect : {SqlDialect::kHive, SqlDialect::kMaxCompute}) {
    EXPECT_EQ(StringLiteral("it's \"x\"", dialect), R"('it\'s \"x\"')");
    EXPECT_EQ(StringLiteral("a\\b", dialect), R"('a\\b')");
    EXPECT_EQ(StringLiteral("a\nb\tc\rd", dialect), R"('a\nb\tc\rd')");
    const bool maxcompute = dialect == SqlDialect::kMaxCompute;
    EXPECT_EQ(StringLiteral("a;b", dialect), R"('a\073b')");
    EXPECT_EQ(StringLiteral(std::string("a\0b", 3), dialect), maxcompute ? R"('a\0b')" : R"('a\000b')");
    // MaxCompute: a digit after NUL's "\0" would extend it; it goes as octal.
    EXPECT_EQ(StringLiteral(std::string("\0" "7", 2), dialect), maxcompute ? R"('\0\067')" : R"('\0007')");
    EXPECT_EQ(StringLiteral("\x01\x7f", dialect), R"('\001\177')");
    EXPECT_EQ(StringLiteral("-- 😀 é", dialect), "'-- 😀 é'");
    EXPECT_EQ(StringLiteral("", dialect), "''");
  }
}

TEST(SqlLiteralTest, SqliteDoublesQuotesAndSpellsControlCharactersAsChar) {
  const SqlDialect sqlite = SqlDialect::kSqlite;
  EXPECT_EQ(StringLiteral("it's", sqlite), "'it''s'");
  EXPECT_EQ(StringLiteral("a\\b;--c", sqlite), "'a\\b;--c'");
  EXPECT_EQ(StringLiteral("a\nb", sqlite), "'a'||char(10)||'b'");
  EXPECT_EQ(StringLiteral(std::string("\0", 1), sqlite), "char(0)");
  EXPECT_EQ(StringLiteral("\t\t", sqlite), "char(9)||char(9)");
  EXPECT_EQ(StringLiteral("😀", sqlite), "'😀'");
  EXPECT_EQ(StringLiteral("", sqlite), "''");
}

TEST(SqlLiteralTest, NonFiniteNumbersAreNullAndDoublesKeepAPoint) {
  for (const SqlDialect dialect : {SqlDialect::kHive, SqlDialect::kMaxCompute, SqlDialect::kSqlite}) {
    EXPECT_EQ(Literal(NAN, dialect), "NULL");
    EXPECT_EQ(Literal(HUGE_VAL, dialect), "NULL");
    EXPECT_EQ(Literal(-HUGE_VAL, dialect), "NULL");
    EXPECT_EQ(Literal(Value(), dialect), "NULL");
    EXPECT_EQ(Literal(27.0, dialect), "27.0");
    EXPECT_EQ(Literal(0.1, dialect), "0.1");
    EXPECT_EQ(Literal(1e-300, dialect), "1e-300");
    EXPECT_EQ(Literal(std::int64_t{-9007199254740993}, dialect), "-9007199254740993");
  }
  EXPECT_EQ(Literal(true, SqlDialect::kHive), "TRUE");
  EXPECT_EQ(Literal(false, SqlDialect::kSqlite), "0");
}

TEST(SqlLiteralTest, TypesPerDialect) {
  EXPECT_STREQ(TypeName(ColumnType::kString, SqlDialect::kMaxCompute), "STRING");
  EXPECT_STREQ(TypeName(ColumnType::kBoolean, SqlDialect::kHive), "BOOLEAN");
  EXPECT_STREQ(TypeName(ColumnType::kDouble, SqlDialect::kSqlite), "REAL");
  EXPECT_STREQ(TypeName(ColumnType::kBigint, SqlDialect::kSqlite), "INTEGER");
}

TEST(ColumnNamesTest, NamesBecomeSafeUniqueAndBounded) {
  const std::string long_name(10'000, 'x');
  const std::vector<std::string> columns = HyperparameterColumns(
      {"feature_config.features[:].embedding_dim", "LR", "lr", "l-r", "😀", "';DROP TABLE x;--", long_name, long_name + "y"});
  ASSERT_EQ(columns.size(), 8U);
  EXPECT_EQ(columns[0], "p_feature_config_features_embedding_dim");
  EXPECT_EQ(columns[1], "p_lr");
  EXPECT_EQ(columns[2], "p_lr_2");
  EXPECT_EQ(columns[3], "p_l_r");
  EXPECT_EQ(columns[4], "p_param");
  EXPECT_EQ(columns[5], "p_drop_table_x");
  EXPECT_LE(columns[6].size(), kMaxColumnName);
  EXPECT_EQ(columns[7], columns[6] + "_2");
  for (const std::string& column : columns) {
    for (const char c : column) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << column;
  }
}

}  // namespace
}  // namespace mpitune::sql
