// A command trial's run on a worker (TrialExecution): the user's training command as a
// child process, its metric lines turned into reports. The same code serves MPI
// worker ranks and the single-process study.
//
// Layout: <storage dir>/<study name>.trials/<trial id>/ holds stdout.log, stderr.log
// and params.json; its checkpoint/ folder outlives pauses, so a promoted trial
// resumes from it on any rank that shares the file system.
//
// Exploit (population-based training): the process is stopped as for a pause; once it
// has exited, the recipient's checkpoint/ is replaced by a copy of the donor's (copied
// to a temporary sibling, synced, renamed over: never half a directory), and the
// command starts again with the new hyperparameters, restoring from that copy at the
// donor's step.
//
// A process that exits by itself with code 0 must have reported, from the step it was
// resumed from (MPITUNE_RESUME_STEP, 0 for a fresh start) on: one that did not fails,
// saying why (its metric lines did not match, it printed none, or it restored a
// checkpoint ahead of the study and exited without reporting that step again), rather
// than ending "well" and being ranked on nothing, or on a step older than its
// checkpoint.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "config/study_config.h"
#include "mpitune/run_record.h"
#include "mpitune/space.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"
#include "runtime/worker/device_map.h"
#include "runtime/worker/trial_execution.h"
#include "runtime/worker/worker.h"
#include "trial/command_trial.h"

namespace mpitune {

// What every command trial of a study shares on one worker.
struct CommandRunnerSettings {
  std::string trials_dir;  // absolute: <storage dir>/<study name>.trials
  std::optional<std::string> cuda_visible_devices;  // unset: inherited
  TrialSpec spec;       // the command template, shell, environment
  SearchSpace space;
  CommandTrialOptions options;
  double max_budget = 0.0;  // scheduler.max_budget: a proxy task's subset is relative to it
};

// `device` is the worker's assignment (or why it has none). A trial is pinned to
// the worker's devices; a CPU worker hides every GPU only when the study asked for
// GPUs, so that a CPU-only study keeps the environment it was started with.
CommandRunnerSettings MakeCommandRunnerSettings(const StudyConfig& config, const Result<DeviceAssignment>& device);

std::string TrialDirectory(const std::string& trials_dir, TrialId trial);
std::string CheckpointDirectory(const std::string& trials_dir, TrialId trial);

class CommandExecution final : public TrialExecution {
 public:
  // Sets the trial up and starts its process. Never fails: a trial that cannot be
  // set up (directory, params file, template) is already Quiet and finishes kFailed.
  CommandExecution(const CommandRunnerSettings& settings, const Assignment& assignment, double now);
  ~CommandExecution() override;

  void Progress(double now, double max_seconds, int max_reports, std::vector<MetricPoint>& out) override;
  void End(DecisionKind kind, double now) override;
  void Exploit(const ExploitSource& source, double now) override;
  void Interrupt(double now) override;
  bool Quiet() const override;
  RunEnd Finish(double now) override;

 private:
  bool Running() const { return process_ != nullptr && process_->Running(); }
  // Starts the command for `config` from `resume_step` (0: fresh).
  void Launch(const Config& config, double resume_step, double now);
  // Renders trial.config_template into context.config_file.
  Status WriteConfigFile(const Config& config, const TrialContext& context) const;
  void Stop(double now);
  // The process stopped for an exploit has exited: take the donor's checkpoint, go on.
  void ContinueFromDonor(double now);
  // Why a process that exited 0 fails: it reported nothing from its resume step on.
  std::string NoReportMessage(const TrialExit& exit) const;

  const CommandRunnerSettings& settings_;
  TrialId trial_;
  double budget_;
  double started_at_;
  std::unique_ptr<CommandTrial> process_;
  std::string setup_error_;  // set when there is no process
  std::deque<MetricPoint> pending_;
  double resume_step_ = 0.0;  // of the current process
  // Its reports passed on to rank 0, from resume_step_ on and before it.
  std::int64_t reports_ = 0;
  std::int64_t reports_before_resume_ = 0;
  MetricLineCounts lines_;    // of the processes that have ended
  bool stopping_ = false;     // ended by a decision or an interrupt: later output is moot
  bool interrupted_ = false;
  std::optional<ExploitSource> exploit_;  // waiting for the old process to exit
};

// The worker's factory for runs of the study's command. `settings` must outlive it.
ExecutionFactory CommandExecutions(const CommandRunnerSettings& settings);

}  // namespace mpitune
