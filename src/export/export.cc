#include "mpitune/export.h"

#include <set>

#include <fmt/format.h>

#include "export/study_tables.h"
#include "export/table_script.h"

namespace mpitune {
namespace {

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool IsDate(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
}

}  // namespace

const char* SqlDialectName(SqlDialect dialect) {
  switch (dialect) {
    case SqlDialect::kMaxCompute: return "maxcompute";
    case SqlDialect::kHive: return "hive";
    case SqlDialect::kSqlite: return "sqlite";
  }
  return "?";
}

Result<SqlDialect> ParseSqlDialect(const std::string& name) {
  for (const SqlDialect dialect : {SqlDialect::kMaxCompute, SqlDialect::kHive, SqlDialect::kSqlite}) {
    if (name == SqlDialectName(dialect)) return dialect;
  }
  return Status::BadInput(fmt::format("--dialect: expected maxcompute, hive or sqlite, got '{}'", name));
}

Result<std::string> ParsePartition(const std::string& text) {
  const auto bad = [&text] {
    return Status::BadInput(fmt::format("--partition: expected ds=YYYYMMDD (a date), got '{}'", text));
  };
  if (text.size() != 11 || text.rfind("ds=", 0) != 0) return bad();
  const std::string date = text.substr(3);
  for (const char c : date) {
    if (c < '0' || c > '9') return bad();
  }
  if (!IsDate(std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)), std::stoi(date.substr(6, 2)))) return bad();
  return date;
}

Status ValidateExportOptions(const ExportOptions& options) {
  for (const char c : options.prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return Status::BadInput(fmt::format("--prefix: only letters, digits and '_', got '{}'", options.prefix));
  }
  if (options.prefix.size() > 64) return Status::BadInput("--prefix: at most 64 characters");
  if (!options.prefix.empty() && options.prefix[0] >= '0' && options.prefix[0] <= '9') {
    return Status::BadInput(fmt::format("--prefix: must not start with a digit, got '{}'", options.prefix));
  }
  Result<std::string> partition = ParsePartition("ds=" + options.partition);
  if (!partition.ok()) return partition.status();
  if (options.lifecycle_days < 1) return Status::BadInput("--lifecycle: expected a number of days >= 1");
  return Status::Ok();
}

Result<std::string> ExportStudies(const std::vector<Study>& studies, const ExportOptions& options) {
  MPITUNE_RETURN_IF_ERROR(ValidateExportOptions(options));
  std::set<std::string> names;
  for (const Study& study : studies) {
    if (!names.insert(study.name).second) {
      return Status::BadInput(fmt::format("two study files hold a study named '{}': its rows would mix", study.name));
    }
  }
  const std::vector<sql::Table> tables = {
      sql::StudiesTable(studies, options.prefix), sql::TrialsTable(studies, options.prefix),
      sql::ReportsTable(studies, options.prefix), sql::ExploitsTable(studies, options.prefix)};
  std::string out = fmt::format("-- mpitune export: {} studies, dialect {}, partition ds={}\n", studies.size(),
                                SqlDialectName(options.dialect), options.partition);
  if (options.dialect == SqlDialect::kSqlite) out += "BEGIN;\n";
  for (const sql::Table& table : tables) sql::WriteCreateTable(table, options, out);
  for (const sql::Table& table : tables) sql::WriteTableRows(table, options, out);
  if (options.dialect == SqlDialect::kSqlite) out += "COMMIT;\n";
  return out;
}

}  // namespace mpitune
