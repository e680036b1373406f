// Command trials: the user's own training command, run as a child process on a
// worker. The MPI worker loop drives one CommandTrial per assigned trial:
//
//   auto argv = ExpandCommand(spec, space, config, context);       // no I/O
//   WriteParamsJson(context.params_json_path, context.trial, context.budget, space, config);
//   auto env = BuildTrialEnvironment(spec, context, environ);
//   auto trial = CommandTrial::Start(*argv, env, trial_dir, options, clock.Now());
//   while ((*trial)->Running()) {
//     (*trial)->WaitForOutput(0.1);
//     for (const MetricReport& r : (*trial)->Poll(clock.Now())) { ...scheduler.Report... }
//     if (decision is Stop/Pause) (*trial)->RequestStop(clock.Now());
//   }
//   TrialExit exit = (*trial)->Finish();
//
// The command never goes through a shell unless the spec asks for one, and then
// every substituted value is single-quoted. The child runs in its own process group
// so that a stop, a timeout or the end of the trial reaches everything it spawned.
// No fork(): the worker is an MPI process, so children are made with posix_spawnp.
// Time is passed in (`now`, seconds on any steady clock); nothing here reads a clock.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/study_config.h"
#include "mpitune/run_record.h"
#include "mpitune/space.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"

namespace mpitune {

// What the worker knows about this run of a trial, for the placeholders
// {trial_id}, {budget}, {checkpoint_dir}, {restore_from}, {params_json},
// {hpo_param_path}, {metric_file}, {config_file}, {resume_step}, {subset} and the MPITUNE_* environment variables.
struct TrialContext {
  TrialId trial = -1;
  double budget = 0.0;
  std::string checkpoint_dir;
  std::string restore_from;  // checkpoint to resume from; empty = fresh start
  std::string params_json_path;
  // Unset: CUDA_VISIBLE_DEVICES is inherited. "" hides every GPU from the trial.
  std::optional<std::string> cuda_visible_devices;
  // ParamEnvironment of the trial's config: exported, and what shell mode refers to.
  std::vector<std::pair<std::string, std::string>> params;
  // The step the study resumes the trial from (its checkpoint's, as the study has
  // it); 0 = fresh start. A trial whose checkpoint is later reports that step again.
  double resume_step = 0.0;
  std::string hpo_param_path;  // EasyRec's {"param": {...}} (easyrec_param.h)
  std::string metric_file;     // trial.metric_file's absolute path, or empty
  std::string config_file;     // trial.config_template rendered for this run, or empty
  // The data fraction of a proxy task (trial.min_subset); 1 = all of it.
  double subset = 1.0;
};

// The argv to spawn. With spec.shell false, each template element becomes exactly
// one argv element, whatever the substituted values contain. With spec.shell true,
// the result is {"/bin/sh", "-c", line} where line joins the elements with spaces,
// the template text kept as written (so pipes, redirections and quotes work), and
// every placeholder a reference to the environment variable holding its value
// ("${MPITUNE_PARAM_lr}", "${MPITUNE_BUDGET}"...), quoted for where it stands (bare,
// inside "...", inside '...'): no value ever becomes shell text, however the template
// quotes it. Fails on an unknown placeholder or an empty command.
Result<std::vector<std::string>> ExpandCommand(const TrialSpec& spec, const SearchSpace& space,
                                               const Config& config, const TrialContext& context);

// `value` as one /bin/sh word: 'it'\''s' for it's.
std::string ShellQuote(const std::string& value);

// The environment variable that holds parameter i's value for command trials:
// "MPITUNE_PARAM_" + its name with every character other than a letter, digit or '_'
// made '_' (with its position added where two names would meet).
std::string ParamVariable(const SearchSpace& space, std::size_t i);
// Every parameter's variable and value (formatted as in argv).
std::vector<std::pair<std::string, std::string>> ParamEnvironment(const SearchSpace& space, const Config& config);

// {"trial_id": .., "budget": .., "params": {name: value}}, each value with its JSON
// type (number, integer, bool, string). Written to a temporary file and renamed, so
// a reader never sees half a file.
std::string ParamsJson(TrialId trial, double budget, const SearchSpace& space, const Config& config);
Status WriteParamsJson(const std::string& path, TrialId trial, double budget, const SearchSpace& space,
                       const Config& config);
// Writes `text` to a temporary beside `path` and renames it over `path` (creating the
// folder), so a reader never sees half a file.
Status WriteTrialFile(const std::string& path, const std::string& text);

// `parent` (NAME=value strings, e.g. from `environ`, may be null) with spec.env on
// top, then MPITUNE_TRIAL_ID, MPITUNE_BUDGET, MPITUNE_CHECKPOINT_DIR,
// MPITUNE_RESTORE_FROM, MPITUNE_RESUME_STEP, MPITUNE_PARAMS_JSON, the MPITUNE_PARAM_*
// of context.params and CUDA_VISIBLE_DEVICES (when the context sets it). The worker's
// values win over spec.env: the GPU pinning and the
// trial's identity are not the user's to override. Later values replace earlier ones
// of the same name, so every name appears once.
std::vector<std::string> BuildTrialEnvironment(const TrialSpec& spec, const TrialContext& context,
                                               const char* const* parent);

// One metric value the trial printed.
struct MetricReport {
  double step = 0.0;
  double value = 0.0;  // may be NaN or +-Inf; the scheduler ranks those worst
};

struct CommandTrialOptions {
  std::string metric = "loss";             // the key read from "mpitune: step=.. <metric>=.." lines
  std::string metric_regex;                // optional ECMAScript regex
  std::optional<MetricRegexGroups> metric_regex_groups;  // nullopt: group 1 value, group 2 step
  double timeout_seconds = 0.0;            // from Start; 0 = no limit; then stopped as below
  double stop_grace_seconds = 10.0;        // a stop or timeout: SIGTERM, SIGKILL after this long
  bool parse_stderr = true;                // metric lines count on stderr too (Python logging)
  std::size_t max_line_bytes = 64 * 1024;  // longer lines are cut for parsing
  std::size_t stderr_tail_lines = 20;
  // Each of stdout.log and stderr.log keeps at most about this many bytes of a run:
  // the first half and the last (trial.log_limit); 0 = no cap.
  std::uint64_t log_limit_bytes = 64ull << 20;
  // trial.metric_file: an absolute path followed as it grows (empty: none), the
  // metric's key (empty: `metric`) and the step's key.
  std::string metric_file;
  std::string metric_file_key;
  std::string metric_file_step_key = "global_step";
};

struct TrialExit {
  TrialOutcome outcome = TrialOutcome::kFailed;
  std::optional<int> exit_code;  // set when the process exited by itself
  int signal = 0;                // the signal that ended it, 0 if it exited
  bool stop_requested = false;   // RequestStop or Kill was called
  bool killed_after_grace = false;
  bool timed_out = false;
  double duration_seconds = 0.0;         // from Start until Poll saw it end
  std::string message;                   // one line: "exited with code 3", "cannot run ...", ...
  std::vector<std::string> stderr_tail;  // the last lines of stderr, control bytes as '?'
  std::int64_t reports = 0;              // metric reports returned by Poll
  MetricLineCounts lines;                // metric lines that made no report
  // Why the output held no report, quoting what came closest (for a trial that
  // reported nothing it should have).
  std::string why_no_report;
};

class CommandTrial {
 public:
  // Spawns argv[0] (searched on the worker's PATH) with `env`, in a new process
  // group, stdin from /dev/null, stdout and stderr into pipes whose bytes are
  // appended to <trial_dir>/stdout.log and stderr.log. Creates trial_dir. Fails only
  // when the worker cannot set the trial up (directory, logs, pipes, a bad
  // metric_regex); a command that cannot be run gives a trial that has already
  // ended with kFailed and says why in its message and stderr.log.
  static Result<std::unique_ptr<CommandTrial>> Start(const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& env,
                                                     const std::string& trial_dir,
                                                     const CommandTrialOptions& options, double now);

  CommandTrial(const CommandTrial&) = delete;
  CommandTrial& operator=(const CommandTrial&) = delete;
  // Kills the whole group and reaps the process if it is still running.
  ~CommandTrial();

  // Never blocks: reads what the pipes hold, appends it to the logs, parses metric
  // lines, reaps the process if it ended (killing whatever it left behind in its
  // group and reading its last output), and enforces the timeout and the stop grace
  // period against `now`. Returns the reports since the last call.
  std::vector<MetricReport> Poll(double now);

  // Blocks until a pipe has something to read or `max_seconds` have passed. The
  // process ending is not a wake-up of its own, so keep max_seconds short.
  void WaitForOutput(double max_seconds);

  // True until Poll has seen the process end.
  bool Running() const;
  pid_t pid() const;

  // SIGTERM to the whole group; SIGKILL once stop_grace_seconds have passed (checked
  // by Poll). The trial then ends as kExited however it went down.
  void RequestStop(double now);
  // SIGKILL to the whole group at once; also counts as a requested stop.
  void Kill();

  // How the trial ended. Call once Running() is false; if it is still running it is
  // killed and reaped first.
  TrialExit Finish();

 private:
  class Impl;
  explicit CommandTrial(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpitune
