// `mpitune report STUDY.h5 [-o report.html]`: a self-contained HTML report of a
// study (src/report/). It only reads the study file, so it works while the study runs.
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/output_file.h"
#include "cli/study_setup.h"
#include "mpitune/study.h"
#include "report/chart_library.h"
#include "report/html_report.h"

namespace mpitune::cli {
namespace {

// A study with a time budget and a unit cost was planned (README "Time budget"): the
// plan of its stored config on the ranks that ran its trials, as `mpitune plan` gives it.
std::optional<report::ShownPlan> PlanOf(const Study& study) {
  Result<StudyConfig> config = ParseStudyConfig(study.config_yaml, study.path, ConfigOrigin::kStored);
  if (!config.ok()) return std::nullopt;
  config->time_budget_seconds = study.time_budget;
  if (config->time_budget_seconds <= 0.0 || config->trial.unit_seconds <= 0.0) return std::nullopt;
  std::set<int> ranks;
  for (const RunRecord& run : study.runs) ranks.insert(run.rank);
  const auto workers = static_cast<std::int64_t>(std::max<std::size_t>(ranks.size(), 1));
  Result<TimePlan> plan = PlanStudy(*config, config->time_budget_seconds, workers);
  if (!plan.ok()) return std::nullopt;
  return report::ShownPlan{std::move(plan).value(), workers, config->trial.unit_seconds};
}

}  // namespace

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
  const std::optional<report::ShownPlan> plan = PlanOf(*study);
  const std::string page = report::HtmlReport(*study, *library, {}, plan ? &*plan : nullptr);
  if (Status written = WriteAtomically(output, page); !written.ok()) {
    return ReportError(written);
  }
  fmt::print("{}\n", output);
  return kExitOk;
}

}  // namespace mpitune::cli
