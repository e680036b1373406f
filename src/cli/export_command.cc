// `mpitune export STUDY.h5... --dialect maxcompute|hive|sqlite [--prefix P]
// [--partition ds=YYYYMMDD] [-o FILE]`: the studies as one SQL script (export.h).
// The file is written whole or not at all: a temporary beside it, synced, renamed.
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "mpitune/export.h"
#include "mpitune/study.h"

namespace mpitune::cli {
namespace {

// Today in UTC as YYYYMMDD: the partition when none is given.
std::string TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return fmt::format("{:04}{:02}{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
}

}  // namespace

CLI::App* AddExportCommand(CLI::App& app, ExportCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "export", "Write studies as SQL (DDL and data) for MaxCompute, Hive or SQLite; never changes them");
  command->add_option("STUDY", options.paths, "Study files (HDF5)")->required()->type_name("PATH");
  command->add_option("--dialect", options.dialect, "maxcompute, hive or sqlite")->required()->type_name("NAME");
  command->add_option("--prefix", options.prefix, "Prefix of the table names")->type_name("TEXT");
  command->add_option("--partition", options.partition, "The partition the rows replace (default: today, UTC)")
      ->type_name("ds=YYYYMMDD");
  command->add_option("--lifecycle", options.lifecycle_days, "MaxCompute: days the partitions are kept")
      ->type_name("DAYS");
  command->add_option("--max-statement-bytes", options.max_statement_bytes,
                      "An INSERT holds rows up to this size (MaxCompute refuses statements over 2 MB)")
      ->type_name("BYTES");
  command->add_option("-o,--output", options.output, "Write the SQL to this file (default: standard output)")
      ->type_name("FILE");
  return command;
}

int RunExportCommand(const ExportCommandOptions& options) {
  ExportOptions export_options;
  Result<SqlDialect> dialect = ParseSqlDialect(options.dialect);
  if (!dialect.ok()) return ReportError(dialect.status());
  export_options.dialect = *dialect;
  export_options.prefix = options.prefix;
  Result<std::string> partition = ParsePartition(options.partition.value_or("ds=" + TodayUtc()));
  if (!partition.ok()) return ReportError(partition.status());
  export_options.partition = *partition;
  export_options.lifecycle_days = options.lifecycle_days;
  if (options.max_statement_bytes < 1024) return ReportError(Status::BadInput("--max-statement-bytes: at least 1024"));
  export_options.max_statement_bytes = options.max_statement_bytes;
  if (Status valid = ValidateExportOptions(export_options); !valid.ok()) return ReportError(valid);

  std::vector<Study> studies;
  for (const std::string& path : options.paths) {
    Result<Study> study = ReadStudy(path);
    if (!study.ok()) return ReportError(study.status());
    studies.push_back(std::move(study).value());
  }
  Result<std::string> script = ExportStudies(studies, export_options);
  if (!script.ok()) return ReportError(script.status());
  if (!options.output) {
    fmt::print("{}", *script);
    std::fflush(stdout);
    return kExitOk;
  }
  if (Status written = WriteAtomically(*options.output, *script); !written.ok()) return ReportError(written);
  return kExitOk;
}

}  // namespace mpitune::cli
