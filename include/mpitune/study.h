// The read model of a study: what a study file holds, decoded for people and
// programs. Trials come with their parameters in their own types, the value each was
// ranked on at every rung it reached, every run and report; "the best trial" and "the
// value of a trial" are defined here once (see BestTrialOf in scheduler.h), so
// `status`, the end-of-run table, `best`, exports and reports all say the same.
//
// ReadStudy reads a study file without MPI and without changing it, also while the
// study runs (it replays the journal up to its last whole record).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpitune/run_record.h"
#include "mpitune/scheduler.h"
#include "mpitune/space.h"
#include "mpitune/status.h"
#include "mpitune/trial.h"

namespace mpitune {

// finished: the scheduler said Done; open: its journal is there (the study runs now,
// or its writer was killed); stopped: closed before the end (a signal, an error).
enum class StudyState { kFinished, kOpen, kStopped };
const char* StudyStateName(StudyState state);  // "finished", "open", "stopped"

struct StudyTrial {
  TrialId id = -1;
  TrialState state = TrialState::kPending;
  TrialOutcome last_outcome = TrialOutcome::kExited;
  int bracket = 0;
  int rung = 0;                  // the rung it runs towards, or was last recorded at
  double target_budget = 0.0;    // budget of its current (or last) assignment
  double last_step = 0.0;        // highest step reported
  double last_value = 0.0;       // the metric of its last report (NaN: none)
  std::int64_t reports = 0;
  TrialId parent = -1;           // population-based training: the donor it last copied
  double start_time = 0.0;
  double end_time = 0.0;
  std::vector<ParamValue> params;  // in the space's order, each in its own type
  // Indexed by rung (RungBudgets): the value it was ranked on there (NaN: ranked
  // worst: failed, lost, NaN/Inf), or nullopt where it has no result.
  std::vector<std::optional<double>> rung_values;
  // Its value: the one at the highest rung it has a result at, with that rung's
  // budget; nullopt while it has none (running towards its first rung, or failed).
  std::optional<double> value;
  double value_budget = 0.0;
};

struct StudyRung {
  int bracket = 0;
  int rung = 0;
  double budget = 0.0;
  std::int64_t results = 0;
  std::int64_t promoted = 0;
  std::optional<TrialId> best;  // the best finite value there of a trial that has not failed
  double best_value = 0.0;
};

// Population-based training: a member that copied another's checkpoint and
// hyperparameters (exploit), then changed them (explore). In the order they happened.
struct StudyExploit {
  TrialId recipient = -1;
  TrialId donor = -1;
  double step = 0.0;         // the recipient's step when it exploited
  double donor_step = 0.0;   // the step of the donor's checkpoint it continues from
  double time = 0.0;         // study time
  std::vector<ParamValue> old_params;  // the recipient's, before
  std::vector<ParamValue> new_params;  // after explore, in the space's order
};

// Population-based training: from `step` on, member `trial` trained with `params`. A
// member's
// schedule follows its lineage back to the start: replayed in a plain training run
// (set the hyperparameters of each entry at its step), it reproduces the member.
struct ScheduleStep {
  double step = 0.0;
  TrialId trial = -1;
  std::vector<ParamValue> params;  // in the space's order
};

struct Study {
  std::string path;  // the study file; empty for a study that is not stored
  std::string name;
  std::string metric;
  MetricMode mode = MetricMode::kMin;
  std::string config_yaml;
  double time_budget = 0.0;  // seconds of study time, 0: none
  // The settings the time plan chose ("scheduler.max_trials", ...); the config gave
  // the rest. Their values, re-planned from measured costs, are in `scheduler`.
  std::vector<std::string> derived;
  SearchSpace space;
  SchedulerOptions scheduler;
  std::vector<double> rung_budgets;

  StudyState state = StudyState::kOpen;
  // kOpen: whether a process is writing the study now (it holds the journal's lock),
  // or none is (it was killed; `resume` goes on), and how long ago it last wrote.
  bool writer_alive = false;
  std::optional<double> seconds_since_write;
  std::int64_t events = 0;    // scheduler events recorded over the study's life
  bool torn_tail = false;     // the journal ended in a partial record (a crash), dropped
  double study_time = 0.0;    // the latest study time recorded

  std::vector<StudyTrial> trials;  // indexed by trial id
  std::vector<StudyRung> rungs;
  std::vector<StudySession> sessions;  // in order; empty for files written before 0.3
  std::vector<RunRecord> runs;     // in the order they were handed out
  std::vector<ReportRecord> reports;  // every report, in order (empty when not kept)
  bool has_reports = false;
  std::optional<TrialId> best;
  std::vector<StudyExploit> exploits;  // empty unless the scheduler is PBT
  std::vector<ScheduleStep> best_schedule;  // PBT: the best trial's schedule (empty otherwise)

  const StudyTrial* best_trial() const { return best ? &trials[static_cast<std::size_t>(*best)] : nullptr; }
  std::int64_t Count(TrialState state) const;
  // Runs that have not finished (running now, or cut short by a crash).
  std::vector<const RunRecord*> OpenRuns() const;
};

// The wall-clock time (seconds since the Unix epoch, UTC) at study time `study_time`:
// the session it fell in began at a known wall time, and the study's clock runs with
// the wall clock within a session. nullopt when the file recorded no sessions.
std::optional<double> WallTimeOf(const Study& study, double study_time);

// PBT: `trial`'s hyperparameter schedule along its lineage (see ScheduleStep), from
// step 0; one entry for a trial that never exploited.
std::vector<ScheduleStep> LineageSchedule(const Study& study, TrialId trial);

// Every trial, best first: the best trial; then trials that did not fail, by the
// budget of their value (higher first) and their value; then those without a value;
// failed and lost last; ties by id.
std::vector<const StudyTrial*> RankTrials(const Study& study);

// Reads the study file at `path` (a missing, foreign or damaged file is a BadInput
// error naming it). `with_reports` false skips the report rows.
Result<Study> ReadStudy(const std::string& path, bool with_reports = true);

}  // namespace mpitune
