// Exporting studies as SQL for a warehouse: DDL and data for the tables
// <prefix>studies, <prefix>trials, <prefix>reports and <prefix>exploits, in the dialect
// of MaxCompute (PAI), Hive (EMR) or SQLite (README "Exporting to a warehouse").
//
// Every table is partitioned by `ds`; running the script replaces that partition with
// the exported studies (INSERT OVERWRITE, or DELETE then INSERT in one SQLite
// transaction), so running it twice leaves the same rows. Values come from the read
// model (study.h): the best trial and a trial's value are the ones `status` shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mpitune/status.h"
#include "mpitune/study.h"

namespace mpitune {

enum class SqlDialect { kMaxCompute, kHive, kSqlite };
const char* SqlDialectName(SqlDialect dialect);  // "maxcompute", "hive", "sqlite"
// "maxcompute", "hive" or "sqlite"; anything else is a BadInput error naming the choices.
Result<SqlDialect> ParseSqlDialect(const std::string& name);

struct ExportOptions {
  SqlDialect dialect = SqlDialect::kMaxCompute;
  std::string prefix = "hpo_";   // of every table name: letters, digits, '_'
  std::string partition = "";    // the ds value, YYYYMMDD (ValidatePartition)
  std::int64_t lifecycle_days = 365;  // MaxCompute's LIFECYCLE
  // An INSERT holds rows up to this many bytes (one row that alone is longer still
  // goes, alone): MaxCompute refuses statements over 2 MB.
  std::size_t max_statement_bytes = 1 << 20;
};

// "ds=YYYYMMDD" (a real calendar date) -> "YYYYMMDD"; BadInput otherwise.
Result<std::string> ParsePartition(const std::string& text);
// Checks the prefix and the partition of `options`.
Status ValidateExportOptions(const ExportOptions& options);

// The whole SQL script for `studies` (their names must differ): DDL, then each table's
// rows. Several studies share the tables; the trials table has one typed column per
// hyperparameter of any of them.
Result<std::string> ExportStudies(const std::vector<Study>& studies, const ExportOptions& options);

}  // namespace mpitune
