#include "runtime/worker/command_execution.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/posix_file.h"
#include "config/config_template.h"
#include "trial/easyrec_param.h"

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

// fsync of every file under `dir` and of the directories themselves, so a rename of
// `dir` never makes a half-written copy visible after a crash.
Status SyncTree(const fs::path& dir) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file(error)) MPITUNE_RETURN_IF_ERROR(SyncFile(it->path().string()));
  }
  if (error) return Status::Io(fmt::format("{}: {}", dir.string(), error.message()));
  return SyncFile(dir.string());
}

// Replaces `target` by a copy of `source`: copy to a sibling, sync, swap in by rename.
Status ReplaceDirectory(const fs::path& source, const fs::path& target) {
  std::error_code error;
  const fs::path staging = target.string() + ".incoming";
  const fs::path old = target.string() + ".replaced";
  fs::remove_all(staging, error);
  fs::remove_all(old, error);
  fs::create_directories(staging, error);
  if (error) return Status::Io(fmt::format("{}: {}", staging.string(), error.message()));
  if (fs::exists(source)) {
    fs::copy(source, staging, fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
    if (error) return Status::Io(fmt::format("copying {} to {}: {}", source.string(), staging.string(), error.message()));
  }
  MPITUNE_RETURN_IF_ERROR(SyncTree(staging));
  if (fs::exists(target)) {
    fs::rename(target, old, error);
    if (error) return Status::Io(fmt::format("{}: {}", target.string(), error.message()));
  }
  fs::rename(staging, target, error);
  if (error) return Status::Io(fmt::format("{}: {}", target.string(), error.message()));
  MPITUNE_RETURN_IF_ERROR(SyncParentDirectory(target.string()));
  fs::remove_all(old, error);
  return Status::Ok();
}

}  // namespace

CommandRunnerSettings MakeCommandRunnerSettings(const StudyConfig& config, const Result<DeviceAssignment>& device) {
  CommandRunnerSettings settings;
  settings.trials_dir = TrialsDirectory(config);
  if (device.ok() && !device->cpu()) {
    settings.cuda_visible_devices = device->cuda_visible_devices;
  } else if (config.resources.gpus_per_trial > 0) {
    settings.cuda_visible_devices = "";
  }
  settings.spec = config.trial;
  settings.space = config.space;
  settings.max_budget = config.scheduler.max_budget;
  settings.options.metric = config.metric;
  settings.options.metric_regex = config.trial.metric_regex;
  settings.options.metric_regex_groups = config.trial.metric_regex_groups;
  if (config.trial.metric_file) {
    settings.options.metric_file = config.trial.metric_file->path;  // made absolute per trial (Launch)
    settings.options.metric_file_key = config.trial.metric_file->key;
    settings.options.metric_file_step_key = config.trial.metric_file->step_key;
  }
  settings.options.timeout_seconds = config.trial.timeout_seconds;
  settings.options.log_limit_bytes = config.trial.log_limit_bytes;
  settings.options.stop_grace_seconds = config.trial.stop_grace_seconds;
  return settings;
}

std::string TrialDirectory(const std::string& trials_dir, TrialId trial) {
  return (fs::path(trials_dir) / std::to_string(trial)).string();
}

std::string CheckpointDirectory(const std::string& trials_dir, TrialId trial) {
  return (fs::path(TrialDirectory(trials_dir, trial)) / "checkpoint").string();
}

CommandExecution::CommandExecution(const CommandRunnerSettings& settings, const Assignment& assignment, double now)
    : settings_(settings), trial_(assignment.trial), budget_(assignment.budget), started_at_(now) {
  std::optional<TrialId> restore_source = assignment.restore_from;
  if (restore_source && *restore_source != trial_ && assignment.resume_step > 0.0) {
    // Resuming from another trial's checkpoint: take a copy of it first. A donor that
    // wrote none would have the recipient start over while the study thinks it goes on.
    const std::string donor_dir = CheckpointDirectory(settings_.trials_dir, *restore_source);
    std::error_code error;
    if (!fs::is_directory(donor_dir, error) || fs::is_empty(donor_dir, error)) {
      setup_error_ = fmt::format(
          "trial {} (the donor it continues from) left nothing in {}: a command trial must write its checkpoint "
          "into MPITUNE_CHECKPOINT_DIR to be copied",
          *restore_source, donor_dir);
      return;
    }
    if (Status copied = ReplaceDirectory(CheckpointDirectory(settings_.trials_dir, *restore_source),
                                         CheckpointDirectory(settings_.trials_dir, trial_));
        !copied.ok()) {
      setup_error_ = copied.message();
      return;
    }
  }
  Launch(assignment.config, assignment.resume_step, now);
}

CommandExecution::~CommandExecution() = default;

Status CommandExecution::WriteConfigFile(const Config& config, const TrialContext& context) const {
  const auto value_of = [&](const std::string& name) -> std::optional<std::string> {
    if (const std::optional<std::size_t> i = settings_.space.Find(name)) return settings_.space.Format(config, *i);
    if (name == "trial_id") return std::to_string(context.trial);
    if (name == "budget") return fmt::format("{}", context.budget);
    if (name == "checkpoint_dir") return context.checkpoint_dir;
    if (name == "restore_from") return context.restore_from;
    if (name == "resume_step") return fmt::format("{}", context.resume_step);
    return std::nullopt;
  };
  Result<std::string> text = RenderConfigTemplate(*settings_.spec.config_template, value_of);
  if (!text.ok()) return text.status();
  return WriteTrialFile(context.config_file, *text);
}

void CommandExecution::Launch(const Config& config, double resume_step, double now) {
  const std::string dir = TrialDirectory(settings_.trials_dir, trial_);
  TrialContext context;
  context.trial = trial_;
  context.budget = budget_;
  context.checkpoint_dir = CheckpointDirectory(settings_.trials_dir, trial_);
  if (resume_step > 0.0) context.restore_from = context.checkpoint_dir;
  context.resume_step = resume_step;
  context.subset = ProxySubset(budget_, settings_.max_budget, settings_.spec.min_subset);
  context.params_json_path = (fs::path(dir) / "params.json").string();
  context.hpo_param_path = (fs::path(dir) / "hpo_param.json").string();
  CommandTrialOptions options = settings_.options;
  if (!options.metric_file.empty()) {
    options.metric_file = (fs::path(dir) / options.metric_file).string();  // an absolute path stays
    context.metric_file = options.metric_file;
  }
  context.cuda_visible_devices = settings_.cuda_visible_devices;
  context.params = ParamEnvironment(settings_.space, config);

  std::error_code error;
  fs::create_directories(context.checkpoint_dir, error);
  if (error) {
    setup_error_ = fmt::format("cannot create {}: {}", context.checkpoint_dir, error.message());
    return;
  }
  if (settings_.spec.config_template) {
    context.config_file = (fs::path(dir) / settings_.spec.config_template_output).string();
    if (Status rendered = WriteConfigFile(config, context); !rendered.ok()) {
      setup_error_ = rendered.message();
      return;
    }
  }
  Result<std::vector<std::string>> argv = ExpandCommand(settings_.spec, settings_.space, config, context);
  if (!argv.ok()) {
    setup_error_ = argv.status().message();
    return;
  }
  if (Status written = WriteParamsJson(context.params_json_path, trial_, budget_, settings_.space, config);
      !written.ok()) {
    setup_error_ = written.message();
    return;
  }
  std::vector<ParamValue> values;
  for (std::size_t i = 0; i < settings_.space.size(); ++i) values.push_back(settings_.space.Value(config, i));
  if (Status written = WriteTrialFile(context.hpo_param_path, EasyRecParamText(settings_.space, values));
      !written.ok()) {
    setup_error_ = written.message();
    return;
  }
  const std::vector<std::string> env = BuildTrialEnvironment(settings_.spec, context, environ);
  Result<std::unique_ptr<CommandTrial>> started = CommandTrial::Start(*argv, env, dir, options, now);
  if (!started.ok()) {
    setup_error_ = started.status().message();
    return;
  }
  process_ = std::move(*started);
  resume_step_ = resume_step;
  reports_ = 0;
  reports_before_resume_ = 0;
}

void CommandExecution::Progress(double now, double max_seconds, int max_reports, std::vector<MetricPoint>& out) {
  if (process_ == nullptr) return;
  if (pending_.empty() && Running() && max_seconds > 0.0) process_->WaitForOutput(max_seconds);
  for (const MetricReport& report : process_->Poll(now)) {
    if (stopping_ || exploit_) continue;
    pending_.push_back(MetricPoint{report.step, report.value});
    if (report.step >= resume_step_) {
      ++reports_;
    } else {
      ++reports_before_resume_;
    }
  }
  if (exploit_ && !Running()) ContinueFromDonor(now);
  for (int i = 0; i < max_reports && !pending_.empty(); ++i) {
    out.push_back(pending_.front());
    pending_.pop_front();
  }
}

void CommandExecution::Stop(double now) {
  pending_.clear();
  if (Running()) process_->RequestStop(now);
}

void CommandExecution::End(DecisionKind /*kind*/, double now) {
  stopping_ = true;
  exploit_.reset();
  Stop(now);
}

void CommandExecution::Interrupt(double now) {
  interrupted_ = true;
  End(DecisionKind::kStop, now);
}

void CommandExecution::Exploit(const ExploitSource& source, double now) {
  if (stopping_) return;
  exploit_ = source;
  Stop(now);
}

void CommandExecution::ContinueFromDonor(double now) {
  const ExploitSource source = std::move(*exploit_);
  exploit_.reset();
  const TrialExit exit = process_->Finish();
  process_.reset();
  lines_ += exit.lines;
  if (exit.outcome == TrialOutcome::kFailed || exit.outcome == TrialOutcome::kTimedOut) {
    setup_error_ = "stopped for an exploit, it failed: " + FailureMessage(exit);
    return;
  }
  if (Status copied = ReplaceDirectory(CheckpointDirectory(settings_.trials_dir, source.donor),
                                       CheckpointDirectory(settings_.trials_dir, trial_));
      !copied.ok()) {
    setup_error_ = fmt::format("cannot take trial {}'s checkpoint: {}", source.donor, copied.message());
    return;
  }
  Launch(source.config, source.step, now);
}

std::string CommandExecution::NoReportMessage(const TrialExit& exit) const {
  const std::string& metric = settings_.options.metric;
  if (resume_step_ <= 0.0) return fmt::format("{} without reporting {}: {}", exit.message, metric, exit.why_no_report);
  // Ranking it on what the study had would rank it on a step older than its checkpoint.
  const std::string contract = fmt::format(
      "a trial restored from a checkpoint must report from MPITUNE_RESUME_STEP={:g} on, and report its "
      "checkpoint's step again when that is later (README: checkpoints and reports)",
      resume_step_);
  if (reports_before_resume_ > 0) {
    return fmt::format("{} having reported {} only at steps before {:g}: {}", exit.message, metric, resume_step_,
                       contract);
  }
  return fmt::format("{} without reporting {}: {}; {}", exit.message, metric, contract, exit.why_no_report);
}

bool CommandExecution::Quiet() const { return !exploit_ && !Running() && pending_.empty(); }

RunEnd CommandExecution::Finish(double now) {
  RunEnd end;
  end.duration = now - started_at_;
  if (process_ == nullptr) {
    end.outcome = interrupted_ ? TrialOutcome::kInterrupted : TrialOutcome::kFailed;
    end.exit_code = -1;
    end.message = "cannot start the trial: " + setup_error_;
    return end;
  }
  const TrialExit exit = process_->Finish();
  lines_ += exit.lines;
  end.lines = lines_;
  end.exit_code = exit.exit_code.value_or(exit.signal != 0 ? 128 + exit.signal : -1);
  // A trial stopped for the study's shutdown is not at fault, however it went down.
  end.outcome = interrupted_ ? TrialOutcome::kInterrupted : exit.outcome;
  if (end.outcome == TrialOutcome::kExited && !stopping_ && reports_ == 0) {
    // It ended by itself and "well", yet gave the scheduler nothing (new) to rank it on.
    end.outcome = TrialOutcome::kFailed;
    end.message = NoReportMessage(exit);
    return end;
  }
  if (end.outcome == TrialOutcome::kFailed || end.outcome == TrialOutcome::kTimedOut) end.message = FailureMessage(exit);
  return end;
}

ExecutionFactory CommandExecutions(const CommandRunnerSettings& settings) {
  return [&settings](const Assignment& assignment, const std::vector<std::uint8_t>& /*restore_state*/,
                     double now) -> std::unique_ptr<TrialExecution> {
    return std::make_unique<CommandExecution>(settings, assignment, now);
  };
}

}  // namespace mpitune
