// A table as the exporter builds it, dialect-free: typed columns and rows of values.
// The dialect is applied only when it is written (table_script.h).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mpitune::sql {

enum class ColumnType { kBigint, kDouble, kString, kBoolean, kTimestamp };

// A point in time, UTC: DATETIME (MaxCompute), TIMESTAMP (Hive), ISO-8601 text (SQLite).
struct Timestamp {
  double unix_seconds = 0.0;
};

// monostate is NULL. Non-finite doubles are written as NULL.
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, Timestamp>;

struct Column {
  std::string name;     // a safe identifier (column_names.h)
  ColumnType type = ColumnType::kString;
  std::string comment;  // free text; escaped when written
};

struct Table {
  std::string name;     // prefix included
  std::string comment;
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;  // each as long as `columns`, in their order
};

}  // namespace mpitune::sql
