// Values and types spelled in each dialect. Strings are escaped so that the script
// survives the clients that run it: MaxCompute's odpscmd and the Hive CLI split
// statements at ';' and cut "--" comments, so a literal never holds a raw ';',
// newline or control character there; SQLite takes any text between quotes except
// NUL, and spells control characters as char(n).
#pragma once

#include <string>

#include "export/sql_table.h"
#include "mpitune/export.h"

namespace mpitune::sql {

const char* TypeName(ColumnType type, SqlDialect dialect);
std::string StringLiteral(const std::string& text, SqlDialect dialect);
// NaN and +-Inf are NULL; doubles always carry a '.' or an exponent.
std::string Literal(const Value& value, SqlDialect dialect);
// A table or column name that column_names.h made safe, quoted for the dialect.
std::string QuoteName(const std::string& name, SqlDialect dialect);

}  // namespace mpitune::sql
