// `mpitune trials STUDY.h5 [--format csv|jsonl] [--reports] [-o FILE]`: every trial
// (or every report) of a study as a table to load into pandas, R or DuckDB. It only
// reads the study file, so it works while the study runs.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "mpitune/study.h"
#include "report/trials_table.h"

namespace mpitune::cli {

CLI::App* AddTrialsCommand(CLI::App& app, TrialsCommandOptions& options) {
  CLI::App* command =
      app.add_subcommand("trials", "Write every trial (or report) of a study as CSV or JSON lines; never changes it");
  command->add_option("FILE", options.path, "Study file (HDF5)")->required()->type_name("PATH");
  command->add_option("--format", options.format, "csv (default) or jsonl")->type_name("FORMAT");
  command->add_flag("--reports", options.reports, "One row per report instead of one per trial");
  command->add_option("-o,--output", options.output, "Write the table to this file (default: standard output)")
      ->type_name("FILE");
  return command;
}

int RunTrialsCommand(const TrialsCommandOptions& options) {
  Result<report::TableFormat> format = report::ParseTableFormat(options.format);
  if (!format.ok()) return ReportError(format.status());
  Result<Study> study = ReadStudy(options.path, options.reports);
  if (!study.ok()) return ReportError(study.status());
  const std::string table =
      options.reports ? report::ReportsTable(*study, *format) : report::TrialsTable(*study, *format);
  if (!options.output) {
    std::fwrite(table.data(), 1, table.size(), stdout);
    std::fflush(stdout);
    return kExitOk;
  }
  if (Status written = WriteAtomically(*options.output, table); !written.ok()) return ReportError(written);
  return kExitOk;
}

}  // namespace mpitune::cli
