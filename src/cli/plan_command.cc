// `mpitune plan CONFIG --time-budget 2h --workers 16 [--unit-seconds S]`: the scheduler
// settings a time budget leads to (core/time_plan.h), without running anything.
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/study_setup.h"

namespace mpitune::cli {
namespace {

std::string FormatRungs(const PlannedBracket& bracket) {
  std::vector<std::string> rungs;
  for (const PlannedRung& rung : bracket.rungs) {
    rungs.push_back(rung.subset < 1.0 ? fmt::format("{} x {:g} (subset {:.3g})", rung.trials, rung.budget, rung.subset)
                                      : fmt::format("{} x {:g}", rung.trials, rung.budget));
  }
  return fmt::format("{} ({:.6g} units)", fmt::join(rungs, ", "), bracket.units);
}

// "2.00 h", "45.0 min", "9.5 s".
std::string FormatDuration(double seconds) {
  if (seconds >= 3600.0) return fmt::format("{:.2f} h", seconds / 3600.0);
  if (seconds >= 60.0) return fmt::format("{:.1f} min", seconds / 60.0);
  return fmt::format("{:.1f} s", seconds);
}

}  // namespace

CLI::App* AddPlanCommand(CLI::App& app, PlanCommandOptions& options) {
  CLI::App* command = app.add_subcommand(
      "plan", "Print the scheduler settings a time budget leads to (brackets, trials and budgets per rung, "
              "expected utilisation and finish), without running anything");
  command->add_option("CONFIG", options.config_path, "Study config file (YAML)")->required()->type_name("PATH");
  AddTimeBudgetOption(*command, options.time_budget);
  command->add_option("--workers", options.workers, "Workers the study will run on (default 1)")
      ->type_name("N")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}));
  command
      ->add_option_function<double>(
          "--unit-seconds", [&options](const double& seconds) { options.unit_seconds = seconds; },
          "Seconds one budget unit takes (overrides trial.unit_seconds)")
      ->type_name("S")
      ->check(PositiveNumber());
  AddOverrideOptions(*command, options.overrides);
  return command;
}

int RunPlanCommand(const PlanCommandOptions& options) {
  Result<StudyConfig> loaded = LoadStudy(options.config_path, options.overrides);
  if (!loaded.ok()) return ReportError(loaded.status());
  const StudyConfig& config = *loaded;
  const double unit_seconds = options.unit_seconds.value_or(config.trial.unit_seconds);
  const double time_budget = TimeBudgetOf(config, options.time_budget, unit_seconds);
  if (time_budget <= 0.0 && config.expected_time_ratio <= 0.0) {
    return ReportError(Status::BadInput(fmt::format(
        "{}: study.time_budget: not set; give it (or study.expected_time_ratio) there or as --time-budget",
        config.source)));
  }
  if (unit_seconds <= 0.0) {
    return ReportError(Status::BadInput(fmt::format(
        "{}: trial.unit_seconds: not set; give the seconds one budget unit takes there or as --unit-seconds",
        config.source)));
  }
  Result<TimePlan> plan = PlanStudy(config, time_budget, options.workers, unit_seconds);
  if (!plan.ok()) return ReportError(plan.status());
  const SchedulerOptions& scheduler = plan->scheduler;
  fmt::print("plan for study {}: scheduler {}, time budget {} on {} worker{}, {:g} s per budget unit\n", config.name,
             SchedulerKindName(scheduler.kind), FormatDuration(time_budget), options.workers,
             options.workers == 1 ? "" : "s", unit_seconds);
  if (!options.time_budget && config.time_budget_seconds <= 0.0) {
    fmt::print("time budget from study.expected_time_ratio: {:g} full trainings of {:g} units x {:g} s = {}\n",
               config.expected_time_ratio, config.scheduler.max_budget, unit_seconds, FormatDuration(time_budget));
  }
  fmt::print("usable: {} (trial.stop_grace and closing kept apart); capacity {:.6g} budget units\n",
             FormatDuration(plan->usable_seconds), plan->capacity_units);
  if (scheduler.kind == SchedulerKind::kPbt) {
    fmt::print("settings: population {}, max_budget {:g}, perturbation_interval {:g}, max_trials {}\n",
               scheduler.pbt.population, scheduler.max_budget, scheduler.pbt.perturbation_interval,
               scheduler.max_trials);
  } else {
    fmt::print("settings: max_trials {}, min_budget {:g}, max_budget {:g}, eta {:g}\n", scheduler.max_trials,
               scheduler.min_budget, scheduler.max_budget, scheduler.eta);
  }
  fmt::print("derived: {} (settings the config gives are kept)\n",
             plan->derived.empty() ? std::string("none") : fmt::format("{}", fmt::join(plan->derived, ", ")));
  for (std::size_t b = 0; b < plan->brackets.size(); ++b) {
    fmt::print("bracket {}: trials x budget per rung: {}\n", b, FormatRungs(plan->brackets[b]));
  }
  fmt::print("planned {}: {}{}\n", scheduler.kind == SchedulerKind::kPbt ? "members" : "trials", plan->planned_trials,
             scheduler.max_trials <= plan->planned_trials ? std::string()
             : scheduler.kind == SchedulerKind::kPbt
                 ? fmt::format(" (max_trials {} leaves room to replace failed members)", scheduler.max_trials)
                 : fmt::format(" (max_trials {} leaves room: the deadline ends the study)", scheduler.max_trials));
  fmt::print("expected: {:.1f} % of the workers' time used, finished after {}\n",
             100.0 * plan->expected_utilisation, FormatDuration(plan->expected_finish));
  for (const std::string& warning : plan->warnings) fmt::print("warning: {}\n", warning);
  return kExitOk;
}

}  // namespace mpitune::cli
