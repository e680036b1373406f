// `mpitune report STUDY.h5 [-o report.html]`: a self-contained HTML report of a
// study (src/report/). It only reads the study file, so it works while the study runs.
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "mpitune/study.h"
#include "report/chart_library.h"
#include "report/html_report.h"

namespace mpitune::cli {

CLI::App* AddReportCommand(CLI::App& app, ReportCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "report", "Write a self-contained HTML report of a study (charts, tables; opens offline); never changes it");
  command->add_option("FILE", options.path, "Study file (HDF5)")->required()->type_name("PATH");
  command->add_option("-o,--output", options.output, "The HTML file (default: the study file's name with .html)")
      ->type_name("FILE");
  return command;
}

int RunReportCommand(const ReportCommandOptions& options) {
  Result<std::string> library = report::ReadChartLibrary(report::ChartLibraryPath());
  if (!library.ok()) return ReportError(library.status());
  Result<Study> study = ReadStudy(options.path);
  if (!study.ok()) return ReportError(study.status());
  const std::string output =
      options.output.empty() ? std::filesystem::path(options.path).replace_extension(".html").string() : options.output;
  std::error_code ignored;
  if (std::filesystem::weakly_canonical(output, ignored) == std::filesystem::weakly_canonical(options.path, ignored)) {
    return ReportError(Status::BadInput(fmt::format("{}: the report would replace the study file; give -o", output)));
  }
  if (Status written = WriteAtomically(output, report::HtmlReport(*study, *library)); !written.ok()) {
    return ReportError(written);
  }
  fmt::print("{}\n", output);
  return kExitOk;
}

}  // namespace mpitune::cli
