#include "export/sql_literal.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <type_traits>

#include <fmt/format.h>

namespace mpitune::sql {
namespace {

// Hive and MaxCompute read backslash escapes in string literals: the usual letters
// and three octal digits (Hive: any byte; MaxCompute documents 001 to 177 and "\\0"
// for NUL).
std::string BackslashEscaped(const std::string& text, SqlDialect dialect) {
  const bool maxcompute = dialect == SqlDialect::kMaxCompute;
  std::string out = "'";
  out.reserve(text.size() + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    // After MaxCompute's "\0", a digit would be read as part of an octal escape.
    const bool after_nul = maxcompute && i > 0 && text[i - 1] == '\0';
    if (after_nul && c >= '0' && c <= '9') {
      out += fmt::format("\\{:03o}", byte);
      continue;
    }
    switch (c) {
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      // The clients split scripts at ';' without always minding quotes: as octal, no
      // raw ';' is left inside a literal (MaxCompute's "\\;" would leave one).
      case ';': out += "\\073"; break;
      case '\0': out += maxcompute ? "\\0" : "\\000"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += fmt::format("\\{:03o}", byte);
        } else {
          out += c;  // UTF-8 passes as it is
        }
    }
  }
  out += '\'';
  return out;
}

// SQLite: '' for a quote; a control character (NUL included, which cannot be inside
// a literal at all) is concatenated as char(n), so each row stays on one line.
std::string SqliteEscaped(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 2);
  bool open = false;
  bool any = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      if (open) out += '\'';
      out += fmt::format("{}char({})", any ? "||" : "", byte);
      open = false;
      any = true;
      continue;
    }
    if (!open) {
      out += any ? "||'" : "'";
      open = true;
      any = true;
    }
    out += c;
    if (c == '\'') out += '\'';
  }
  if (!any) return "''";
  if (open) out += '\'';
  return out;
}

std::string DoubleLiteral(double value) {
  if (!std::isfinite(value)) return "NULL";
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// UTC "YYYY-MM-DD HH:MM:SS.mmm" as each dialect takes a constant of its time type:
// Hive's TIMESTAMP '...' literal, MaxCompute's DATETIME '...' (whole seconds, the
// form its documentation gives), SQLite's text that its date functions read.
std::string TimestampLiteral(const Timestamp& time, SqlDialect dialect) {
  if (!std::isfinite(time.unix_seconds) || time.unix_seconds < 0 || time.unix_seconds > 253402300799.0) {
    return "NULL";  // before 1970 or after 9999: no clock of ours said that
  }
  const double whole = std::floor(time.unix_seconds);
  const auto seconds = static_cast<std::time_t>(whole);
  const int millis = std::min(999, static_cast<int>((time.unix_seconds - whole) * 1000.0));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  const std::string date = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", utc.tm_year + 1900, utc.tm_mon + 1,
                                       utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  switch (dialect) {
    case SqlDialect::kMaxCompute: return fmt::format("DATETIME '{}'", date);
    case SqlDialect::kHive: return fmt::format("TIMESTAMP '{}.{:03}'", date, millis);
    case SqlDialect::kSqlite: break;
  }
  return fmt::format("'{}.{:03}'", date, millis);
}

}  // namespace

const char* TypeName(ColumnType type, SqlDialect dialect) {
  const bool sqlite = dialect == SqlDialect::kSqlite;
  switch (type) {
    case ColumnType::kBigint: return sqlite ? "INTEGER" : "BIGINT";
    case ColumnType::kDouble: return sqlite ? "REAL" : "DOUBLE";
    case ColumnType::kString: return sqlite ? "TEXT" : "STRING";
    case ColumnType::kBoolean: return sqlite ? "INTEGER" : "BOOLEAN";
    case ColumnType::kTimestamp:
      return sqlite ? "TEXT" : dialect == SqlDialect::kMaxCompute ? "DATETIME" : "TIMESTAMP";
  }
  return "?";
}

std::string StringLiteral(const std::string& text, SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? SqliteEscaped(text) : BackslashEscaped(text, dialect);
}

std::string Literal(const Value& value, SqlDialect dialect) {
  return std::visit(
      [dialect](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, bool>) {
          if (dialect == SqlDialect::kSqlite) return v ? "1" : "0";
          return v ? "TRUE" : "FALSE";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return fmt::format("{}", v);
        } else if constexpr (std::is_same_v<T, double>) {
          return DoubleLiteral(v);
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return TimestampLiteral(v, dialect);
        } else {
          return StringLiteral(v, dialect);
        }
      },
      value);
}

std::string QuoteName(const std::string& name, SqlDialect dialect) {
  return dialect == SqlDialect::kSqlite ? "\"" + name + "\"" : "`" + name + "`";
}

}  // namespace mpitune::sql
