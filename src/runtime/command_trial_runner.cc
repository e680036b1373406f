#include "runtime/command_trial_runner.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace mpitune {
namespace {

namespace fs = std::filesystem;

// The Finished message carries one string; the stderr tail is what explains a crash.
std::string FailureMessage(const TrialExit& exit) {
  std::string message = exit.message;
  for (const std::string& line : exit.stderr_tail) message += "\n  " + line;
  return message;
}

}  // namespace

CommandRunnerSettings MakeCommandRunnerSettings(const StudyConfig& config, const Result<DeviceAssignment>& device) {
  CommandRunnerSettings settings;
  std::error_code error;
  fs::path storage = fs::absolute(fs::path(config.storage), error);
  if (error) storage = fs::path(config.storage);
  settings.trials_dir = (storage.parent_path() / (config.name + ".trials")).string();
  if (device.ok() && !device->cpu()) {
    settings.cuda_visible_devices = device->cuda_visible_devices;
  } else if (config.resources.gpus_per_trial > 0) {
    settings.cuda_visible_devices = "";
  }
  settings.options.metric = config.metric;
  settings.options.metric_regex = config.trial.metric_regex;
  settings.options.timeout_seconds = config.trial.timeout_seconds;
  return settings;
}

std::string TrialDirectory(const std::string& trials_dir, TrialId trial) {
  return (fs::path(trials_dir) / std::to_string(trial)).string();
}

std::string CheckpointDirectory(const std::string& trials_dir, TrialId trial) {
  return (fs::path(TrialDirectory(trials_dir, trial)) / "checkpoint").string();
}

CommandTrialRunner::CommandTrialRunner(const StudyConfig& config, const CommandRunnerSettings& settings,
                                       const Assignment& assignment, double now)
    : trial_(assignment.trial), started_at_(now) {
  const std::string dir = TrialDirectory(settings.trials_dir, trial_);
  TrialContext context;
  context.trial = trial_;
  context.budget = assignment.budget;
  context.checkpoint_dir = CheckpointDirectory(settings.trials_dir, trial_);
  if (assignment.resume_step > 0.0) {
    context.restore_from = CheckpointDirectory(settings.trials_dir, assignment.restore_from.value_or(trial_));
  }
  context.params_json_path = (fs::path(dir) / "params.json").string();
  context.cuda_visible_devices = settings.cuda_visible_devices;

  std::error_code error;
  fs::create_directories(context.checkpoint_dir, error);
  if (error) {
    setup_error_ = fmt::format("cannot create {}: {}", context.checkpoint_dir, error.message());
    return;
  }
  Result<std::vector<std::string>> argv = ExpandCommand(config.trial, config.space, assignment.config, context);
  if (!argv.ok()) {
    setup_error_ = argv.status().message();
    return;
  }
  if (Status written = WriteParamsJson(context.params_json_path, trial_, assignment.budget, config.space,
                                       assignment.config);
      !written.ok()) {
    setup_error_ = written.message();
    return;
  }
  const std::vector<std::string> env = BuildTrialEnvironment(config.trial, context, environ);
  Result<std::unique_ptr<CommandTrial>> started = CommandTrial::Start(*argv, env, dir, settings.options, now);
  if (!started.ok()) {
    setup_error_ = started.status().message();
    return;
  }
  process_ = std::move(*started);
}

CommandTrialRunner::~CommandTrialRunner() = default;

void CommandTrialRunner::Wait(double max_seconds) {
  if (Running()) process_->WaitForOutput(max_seconds);
}

void CommandTrialRunner::Poll(double now) {
  if (process_ == nullptr) return;
  for (const MetricReport& report : process_->Poll(now)) {
    if (!stopping_) pending_.push_back(report);
  }
}

std::optional<MetricReport> CommandTrialRunner::TakeReport() {
  if (awaiting_decision_ || stopping_ || pending_.empty()) return std::nullopt;
  const MetricReport report = pending_.front();
  pending_.pop_front();
  awaiting_decision_ = true;
  return report;
}

void CommandTrialRunner::Decide(DecisionKind kind, double now) {
  awaiting_decision_ = false;
  // Exploit (population-based training) is not something a running command can do;
  // the trial goes on as under Continue.
  if (kind == DecisionKind::kStop || kind == DecisionKind::kPause) Stop(now);
}

void CommandTrialRunner::Interrupt(double now) {
  interrupted_ = true;
  Stop(now);
}

void CommandTrialRunner::Stop(double now) {
  stopping_ = true;
  awaiting_decision_ = false;
  pending_.clear();
  if (Running()) process_->RequestStop(now);
}

bool CommandTrialRunner::Done() const {
  if (Running()) return false;
  return stopping_ || (pending_.empty() && !awaiting_decision_);
}

CommandRunEnd CommandTrialRunner::Finish() {
  CommandRunEnd end;
  if (process_ == nullptr) {
    end.message = "cannot start the trial: " + setup_error_;
    return end;
  }
  const TrialExit exit = process_->Finish();
  end.duration = exit.duration_seconds;
  end.exit_code = exit.exit_code.value_or(exit.signal != 0 ? 128 + exit.signal : -1);
  // A trial stopped for the study's shutdown is not at fault, however it went down.
  end.outcome = interrupted_ ? TrialOutcome::kInterrupted : exit.outcome;
  if (end.outcome == TrialOutcome::kFailed || end.outcome == TrialOutcome::kTimedOut) {
    end.message = FailureMessage(exit);
  }
  return end;
}

}  // namespace mpitune
