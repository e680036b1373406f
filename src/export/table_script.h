// A table written as SQL in one dialect: its CREATE TABLE, and the statements that
// replace the export's partition with its rows, split so that no INSERT is longer
// than ExportOptions::max_statement_bytes (unless one row alone is).
//
// maxcompute / hive: the first INSERT is INSERT OVERWRITE ... PARTITION (ds='...'),
//   which replaces the partition; the rest are INSERT INTO the same partition. A
//   table without rows gets ALTER TABLE ... DROP IF EXISTS PARTITION instead.
// sqlite: DELETE FROM ... WHERE ds = '...', then INSERT INTO; the caller wraps the
//   whole script in one transaction.
#pragma once

#include <string>

#include "export/sql_table.h"
#include "mpitune/export.h"

namespace mpitune::sql {

void WriteCreateTable(const Table& table, const ExportOptions& options, std::string& out);
void WriteTableRows(const Table& table, const ExportOptions& options, std::string& out);

}  // namespace mpitune::sql
