// `mpitune simulate`: the study's scheduler driven by N virtual workers in virtual
// time, to see what a cluster would do before paying for one.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/results_table.h"
#include "base/clock.h"
#include "mpitune/scheduler.h"
#include "sim/simulator.h"
#include "study/stored_config.h"
#include "study/study_builder.h"

namespace mpitune::cli {

CLI::App* AddSimulateCommand(CLI::App& app, SimulateCommandOptions& options) {
  CLI::App* command =
      app.add_subcommand("simulate", "Simulate a study on N virtual workers with its built-in objective");
  command->add_option("CONFIG", options.config_path, "Study config file (YAML)")->required()->type_name("PATH");
  command->add_option("--workers", options.workers, "Number of virtual workers")
      ->required()
      ->type_name("N")
      ->check(PositiveNumber());
  command
      ->add_option("--time-limit", options.time_limit,
                   "Stop the study at this virtual time (seconds), interrupting running trials, as a "
                   "time-budgeted study would be; default: run until the scheduler is done")
      ->type_name("S")
      ->check(PositiveNumber());
  AddTimeBudgetOption(*command, options.time_budget);
  command
      ->add_option_function<double>(
          "--unit-seconds", [&options](const double& seconds) { options.unit_seconds = seconds; },
          "The deadline's first estimate of one budget unit's cost (overrides trial.unit_seconds)")
      ->type_name("S")
      ->check(PositiveNumber());
  AddOverrideOptions(*command, options.overrides);
  return command;
}

int RunSimulateCommand(const SimulateCommandOptions& options) {
  Result<StudyConfig> loaded = LoadStudy(options.config_path, options.overrides);
  if (!loaded.ok()) return ReportError(loaded.status());
  StudyConfig& config = *loaded;
  const double time_budget = TimeBudgetOf(config, options.time_budget, options.unit_seconds.value_or(0.0));
  const Result<std::optional<TimePlan>> plan =
      ApplyTimePlan(config, time_budget, options.workers, options.unit_seconds.value_or(0.0));
  if (!plan.ok()) return ReportError(plan.status());
  Result<std::unique_ptr<Objective>> objective = MakeBuiltinObjective(
      config, "the simulator needs a built-in objective (trial.objective); command trials cannot be simulated");
  if (!objective.ok()) return ReportError(objective.status());

  fmt::print("{}\n", DescribeStudy(config));
  fmt::print("workers: {} (virtual)\n", options.workers);
  std::fflush(stdout);

  const std::unique_ptr<Scheduler> scheduler = MakeScheduler(config.space, config.scheduler);
  SimulationOptions simulation;
  simulation.workers = options.workers;
  simulation.report_every = ReportEvery(config, options.overrides);
  simulation.time_limit = options.time_limit;
  if (time_budget > 0.0) {
    // A built-in objective stops between two reports: no grace, no closing margin.
    simulation.deadline.deadline = time_budget;
    simulation.deadline.unit_seconds = options.unit_seconds.value_or(config.trial.unit_seconds);
    simulation.deadline.replan_max_trials = ReplansMaxTrials(config);
    simulation.deadline.replan_max_budget = ReplansMaxBudget(config);
    if (*plan) fmt::print("time plan applied: {} derived\n", fmt::join((*plan)->derived, ", "));
  }
  const std::unique_ptr<Clock> clock = MakeSteadyClock();
  const double start = clock->Now();
  const SimulationResult result = Simulate(*scheduler, **objective, simulation);
  const double wall = clock->Now() - start;

  if (result.best_trial) {
    fmt::print("best: trial {}, {} {:.6g}\n", *result.best_trial, config.metric, result.best_value);
  } else {
    fmt::print("best: none\n");
  }
  fmt::print("trials run: {}\n", result.trials_started);
  fmt::print("virtual makespan: {:.6g} s{}\n", result.makespan, result.hit_time_limit     ? " (time limit reached)"
                                                                  : result.deadline_reached ? " (deadline reached)"
                                                                                            : "");
  fmt::print("worker utilisation: {:.1f} %\n", 100.0 * result.utilisation);
  if (config.scheduler.kind == SchedulerKind::kPbt) fmt::print("exploits: {}\n", result.exploits);
  fmt::print("events: {}\n", result.events);
  const double rate = wall > 0.0 ? static_cast<double>(result.events) / wall : 0.0;
  fmt::print("wall: {}, {:.0f} events/s\n", FormatSeconds(wall), rate);
  const StudyDefinition definition = DefinitionOf(config);
  StudyParts parts;
  parts.definition = &definition;
  parts.scheduler = scheduler.get();
  fmt::print("rungs:\n");
  for (const std::string& line : FormatRungs(BuildStudy(parts))) fmt::print("  {}\n", line);
  return kExitOk;
}

}  // namespace mpitune::cli
