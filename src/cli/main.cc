// mpitune: command-line entry point. Parsing and dispatch only; each subcommand
// lives in its own file.
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "config/yaml_reader.h"

namespace {

// CLI11 takes a word that names no subcommand for a stray argument and says "A
// subcommand is required"; a typo deserves its correction. Empty when `word` is fine.
std::string UnknownCommand(const CLI::App& app, const std::string& word) {
  if (word.empty() || word[0] == '-') return {};
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands({})) {
    if (command->check_name(word)) return {};
    names.push_back(command->get_name());
  }
  if (const auto suggestion = mpitune::yaml::Suggest(word, names)) {
    return fmt::format("unknown command '{}' (did you mean {}?)", word, *suggestion);
  }
  return fmt::format("unknown command '{}' ({})", word, mpitune::yaml::JoinOr(names));
}

// Kept in step with project(VERSION) in CMakeLists.txt.
constexpr const char* kVersion = "mpitune 0.1.0";

int Main(int argc, char** argv) {
  using namespace mpitune::cli;
  CLI::App app("mpitune: hyperparameter optimisation with successive halving, on one machine or over MPI",
               "mpitune");
  app.set_version_flag("--version", kVersion, "Print the version and exit");
  app.require_subcommand(1);
  RunCommandOptions run_options;
  RunCommandOptions resume_options;
  StatusCommandOptions status_options;
  SimulateCommandOptions simulate_options;
  ExportCommandOptions export_options;
  BestCommandOptions best_options;
  PlanCommandOptions plan_options;
  TrialsCommandOptions trials_options;
  ReportCommandOptions report_options;
  CLI::App* run = AddRunCommand(app, run_options);
  CLI::App* resume = AddResumeCommand(app, resume_options);
  CLI::App* status = AddStatusCommand(app, status_options);
  CLI::App* simulate = AddSimulateCommand(app, simulate_options);
  CLI::App* export_command = AddExportCommand(app, export_options);
  CLI::App* best = AddBestCommand(app, best_options);
  CLI::App* plan = AddPlanCommand(app, plan_options);
  CLI::App* trials = AddTrialsCommand(app, trials_options);
  CLI::App* report = AddReportCommand(app, report_options);

  if (argc > 1) {
    if (const std::string unknown = UnknownCommand(app, argv[1]); !unknown.empty()) {
      PrintError(unknown);
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help and version are "errors" with exit code 0; CLI11 prints those itself.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(error);
    PrintError(error.what());
    return kExitBadInput;
  }
  if (run->parsed()) return RunRunCommand(run_options);
  if (resume->parsed()) return RunRunCommand(resume_options);
  if (status->parsed()) return RunStatusCommand(status_options);
  if (simulate->parsed()) return RunSimulateCommand(simulate_options);
  if (export_command->parsed()) return RunExportCommand(export_options);
  if (best->parsed()) return RunBestCommand(best_options);
  if (plan->parsed()) return RunPlanCommand(plan_options);
  if (trials->parsed()) return RunTrialsCommand(trials_options);
  if (report->parsed()) return RunReportCommand(report_options);
  return kExitBadInput;  // unreachable: require_subcommand(1)
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& error) {
    mpitune::cli::PrintError(std::string("unexpected exception: ") + error.what());
    return mpitune::cli::kExitFailure;
  }
}
