#include "export/table_script.h"

#include <fmt/format.h>

#include "export/sql_literal.h"

namespace mpitune::sql {
namespace {

constexpr const char* kPartitionColumn = "ds";

std::string PartitionClause(const ExportOptions& options) {
  return fmt::format("PARTITION ({}={})", kPartitionColumn, StringLiteral(options.partition, options.dialect));
}

std::string RowLiteral(const std::vector<Value>& row, const ExportOptions& options) {
  std::string out = "(";
  if (options.dialect == SqlDialect::kSqlite) out += StringLiteral(options.partition, options.dialect) + ", ";
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ", ";
    out += Literal(row[i], options.dialect);
  }
  out += ')';
  return out;
}

std::string InsertHead(const Table& table, const ExportOptions& options, bool first) {
  const std::string name = QuoteName(table.name, options.dialect);
  if (options.dialect == SqlDialect::kSqlite) {
    // Named columns: a table that an export of more hyperparameters created takes
    // these rows too (the missing ones are NULL).
    std::string columns = kPartitionColumn;
    for (const Column& column : table.columns) columns += ", " + QuoteName(column.name, options.dialect);
    return fmt::format("INSERT INTO {} ({}) VALUES\n", name, columns);
  }
  return fmt::format("INSERT {} TABLE {} {} VALUES\n", first ? "OVERWRITE" : "INTO", name, PartitionClause(options));
}

}  // namespace

void WriteCreateTable(const Table& table, const ExportOptions& options, std::string& out) {
  const SqlDialect dialect = options.dialect;
  const bool sqlite = dialect == SqlDialect::kSqlite;
  // SQLite keeps no comments: the table's goes before it, on comment lines.
  if (sqlite) {
    out += "-- " + table.name + ": ";
    for (const char c : table.comment) out += c == '\n' || c == '\r' ? ' ' : c;
    out += '\n';
  }
  out += fmt::format("CREATE TABLE IF NOT EXISTS {} (\n", QuoteName(table.name, dialect));
  if (sqlite) out += fmt::format("  {} TEXT NOT NULL,\n", kPartitionColumn);
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const Column& column = table.columns[i];
    out += fmt::format("  {} {}", QuoteName(column.name, dialect), TypeName(column.type, dialect));
    if (!sqlite && !column.comment.empty()) out += " COMMENT " + StringLiteral(column.comment, dialect);
    out += i + 1 < table.columns.size() ? ",\n" : "\n";
  }
  out += ")";
  switch (dialect) {
    case SqlDialect::kMaxCompute:
      out += fmt::format("\nCOMMENT {}\nPARTITIONED BY ({} STRING)\nLIFECYCLE {}", StringLiteral(table.comment, dialect),
                         kPartitionColumn, options.lifecycle_days);
      break;
    case SqlDialect::kHive:
      out += fmt::format("\nCOMMENT {}\nPARTITIONED BY ({} STRING)\nSTORED AS ORC", StringLiteral(table.comment, dialect),
                         kPartitionColumn);
      break;
    case SqlDialect::kSqlite: break;
  }
  out += ";\n";
}

void WriteTableRows(const Table& table, const ExportOptions& options, std::string& out) {
  const std::string name = QuoteName(table.name, options.dialect);
  if (options.dialect == SqlDialect::kSqlite) {
    out += fmt::format("DELETE FROM {} WHERE {} = {};\n", name, kPartitionColumn,
                       StringLiteral(options.partition, options.dialect));
  } else if (table.rows.empty()) {
    out += fmt::format("ALTER TABLE {} DROP IF EXISTS {};\n", name, PartitionClause(options));
    return;
  }
  std::string statement;
  bool first = true;
  const auto flush = [&] {
    if (statement.empty()) return;
    out += statement;
    out += ";\n";
    statement.clear();
    first = false;
  };
  for (const std::vector<Value>& row : table.rows) {
    const std::string literal = RowLiteral(row, options);
    // ",\n" before each row after the first, ";\n" at the end.
    if (!statement.empty() && statement.size() + literal.size() + 4 > options.max_statement_bytes) flush();
    if (statement.empty()) {
      statement = InsertHead(table, options, first);
    } else {
      statement += ",\n";
    }
    statement += literal;
  }
  flush();
}

}  // namespace mpitune::sql
