// `mpitune trials`: a study's trials (or its reports) as one table, CSV or JSON
// lines, for pandas, R and DuckDB. Every trial with its parameters in their own
// columns and types, its state, value, value at each rung, where it ran and when.
#pragma once

#include <string>

#include "mpitune/status.h"
#include "mpitune/study.h"

namespace mpitune::report {

enum class TableFormat { kCsv, kJsonLines };
Result<TableFormat> ParseTableFormat(const std::string& name);  // "csv", "jsonl"

// One row per trial, by id. Columns: trial, state, bracket, rung, value, budget,
// value_at_<budget> per rung, last_step, reports, parent, runs, rank, device,
// exit_code, duration, start_time, end_time (study seconds), start_wall, end_wall
// (UTC, ISO 8601), then params_<name> per hyperparameter. A value that is NaN/Inf is
// "nan"/"inf" in CSV and null in JSON; a missing one is an empty field / null.
std::string TrialsTable(const Study& study, TableFormat format);

// One row per report, in the order the scheduler saw them: trial, step, value, time,
// wall, rank.
std::string ReportsTable(const Study& study, TableFormat format);

// UTC "YYYY-MM-DDTHH:MM:SS.mmmZ", or empty when `unix_seconds` is not a plausible time.
std::string IsoUtc(double unix_seconds);

}  // namespace mpitune::report
