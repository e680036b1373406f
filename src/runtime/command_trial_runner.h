// One run of a command trial (a start or a resume), written once and driven by both
// the MPI worker (command_worker.cc) and the single-process runner
// (local_command_runner.cc). It owns the trial's directory layout and turns the
// process's output into reports that wait, one at a time, for the scheduler's
// decision: the scheduler must see every report before the trial's Finished, and a
// Stop/Pause decision makes any later report meaningless.
//
// Layout: <storage dir>/<study name>.trials/<trial id>/ holds stdout.log, stderr.log
// and params.json; its checkpoint/ folder outlives pauses, so a promoted trial
// resumes from it on any rank that shares the file system.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "mpitune/command_trial.h"
#include "mpitune/device_map.h"
#include "mpitune/status.h"
#include "mpitune/study_config.h"
#include "mpitune/trial.h"

namespace mpitune {

// What every trial of a study shares on one worker.
struct CommandRunnerSettings {
  std::string trials_dir;  // absolute: <storage dir>/<study name>.trials
  std::optional<std::string> cuda_visible_devices;  // unset: inherited
  CommandTrialOptions options;
};

// `device` is the worker's assignment (or why it has none). A trial is pinned to
// the worker's devices; a CPU worker hides every GPU only when the study asked for
// GPUs, so that a CPU-only study keeps the environment it was started with.
CommandRunnerSettings MakeCommandRunnerSettings(const StudyConfig& config, const Result<DeviceAssignment>& device);

std::string TrialDirectory(const std::string& trials_dir, TrialId trial);
std::string CheckpointDirectory(const std::string& trials_dir, TrialId trial);

// How a run ended, as Scheduler::Finished and the Finished message want it.
struct CommandRunEnd {
  TrialOutcome outcome = TrialOutcome::kFailed;
  int exit_code = 0;
  double duration = 0.0;
  std::string message;  // empty when it went well; else the reason and the stderr tail
};

class CommandTrialRunner {
 public:
  // Sets the trial up and starts its process. Never fails: a trial that cannot be
  // set up (directory, params file, template) has already ended as kFailed.
  CommandTrialRunner(const StudyConfig& config, const CommandRunnerSettings& settings, const Assignment& assignment,
                     double now);
  ~CommandTrialRunner();
  CommandTrialRunner(const CommandTrialRunner&) = delete;
  CommandTrialRunner& operator=(const CommandTrialRunner&) = delete;

  // Blocks until the process prints something or `max_seconds` pass.
  void Wait(double max_seconds);
  // Never blocks: collects output and enforces the timeout and the stop grace.
  void Poll(double now);
  // The next report for the scheduler, unless one is still waiting for its decision.
  std::optional<MetricReport> TakeReport();
  // The scheduler's answer to the last report taken.
  void Decide(DecisionKind kind, double now);
  // Rank 0 or a signal stops the study: end the process, report kInterrupted.
  void Interrupt(double now);
  bool interrupted() const { return interrupted_; }

  // The process has ended and no report is left for the scheduler.
  bool Done() const;
  // Call once Done(); kills the process if it is not.
  CommandRunEnd Finish();

  TrialId trial() const { return trial_; }
  double started_at() const { return started_at_; }

 private:
  bool Running() const { return process_ != nullptr && process_->Running(); }
  void Stop(double now);

  TrialId trial_;
  double started_at_;
  std::unique_ptr<CommandTrial> process_;
  std::string setup_error_;  // set when there is no process
  std::deque<MetricReport> pending_;
  bool awaiting_decision_ = false;
  bool stopping_ = false;  // a decision or an interrupt ended it: later reports are dropped
  bool interrupted_ = false;
};

}  // namespace mpitune
