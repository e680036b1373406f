#include "core/scheduler_base.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mpitune {

bool ReachedBudget(double step, double budget) { return step >= budget * (1.0 - 1e-9) - 1e-12; }

SchedulerBase::SchedulerBase(const SearchSpace& space, const SchedulerOptions& options)
    : space_(space),
      options_(options),
      rng_(options.seed),
      sampler_(MakeSampler(space, options.sampler, options.seed)) {}

NextAction SchedulerBase::Next(double now) { return NextWithin(now, HUGE_VAL); }

NextAction SchedulerBase::NextWithin(double now, double max_units) {
  // Interrupted runs go first, in the order they were interrupted, each if it fits.
  for (auto it = interrupted_.begin(); it != interrupted_.end(); ++it) {
    const TrialRecord& trial = trials_[static_cast<std::size_t>(*it)];
    if (trial.target_budget - trial.checkpoint_step > max_units) continue;
    const TrialId id = *it;
    interrupted_.erase(it);
    return ResumeTrial(id, trial.rung, trial.target_budget, now);
  }
  // Interrupted work that does not fit keeps the study open for a later resume with more time.
  if (finished_) return interrupted_.empty() ? NextAction(Done{}) : NextAction(Wait{});
  NextAction action = PolicyNext(now, max_units);
  if (std::holds_alternative<Done>(action)) {
    if (!interrupted_.empty()) return Wait{};
    FinishStudy(now);
  }
  return action;
}

Decision SchedulerBase::Report(TrialId id, double step, double value, double now) {
  if (id < 0 || id >= trials_started()) return Decision::Stop();
  TrialRecord& trial = trials_[static_cast<std::size_t>(id)];
  if (trial.state != TrialState::kRunning || !on_worker_[static_cast<std::size_t>(id)]) return Decision::Stop();
  if (!std::isfinite(step)) return Decision::Continue();
  trial.last_step = std::max(trial.last_step, step);
  trial.last_value = value;
  const double key = NormalisedKey(value, options_.mode);
  if (trial.reports == 0 || key < NormalisedKey(trial.best_value, options_.mode)) trial.best_value = value;
  ++trial.reports;
  return OnReport(trial, step, key, now);
}

void SchedulerBase::Finished(TrialId id, TrialOutcome outcome, double now) {
  if (id < 0 || id >= trials_started() || !on_worker_[static_cast<std::size_t>(id)]) return;
  on_worker_[static_cast<std::size_t>(id)] = 0;
  --running_;
  TrialRecord& trial = trials_[static_cast<std::size_t>(id)];
  trial.last_outcome = outcome;
  if (trial.state == TrialState::kPaused) {
    if (outcome == TrialOutcome::kExited || outcome == TrialOutcome::kInterrupted) {
      OnPaused(trial, NormalisedKey(trial.last_value, options_.mode), now);
    } else {  // the checkpoint may be missing: the trial cannot be resumed
      OnEnded(trial, HUGE_VAL, outcome == TrialOutcome::kLost ? TrialState::kLost : TrialState::kFailed, now);
    }
    return;
  }
  if (trial.state != TrialState::kRunning) return;  // a Stop decision already settled it
  switch (outcome) {
    case TrialOutcome::kInterrupted:
      trial.state = TrialState::kPending;
      interrupted_.push_back(id);
      return;
    case TrialOutcome::kExited:
      if (trial.reports > 0) {
        OnEnded(trial, NormalisedKey(trial.last_value, options_.mode), TrialState::kRunning, now);
        return;
      }
      OnEnded(trial, HUGE_VAL, TrialState::kFailed, now);  // exited without a metric
      return;
    case TrialOutcome::kFailed:
    case TrialOutcome::kTimedOut:
      OnEnded(trial, HUGE_VAL, TrialState::kFailed, now);
      return;
    case TrialOutcome::kLost:
      OnEnded(trial, HUGE_VAL, TrialState::kLost, now);
      return;
  }
}

bool SchedulerBase::SetMaxTrials(std::int64_t max_trials) {
  if (finished_ || !TakesMoreTrials()) return false;
  const std::int64_t limit = std::clamp<std::int64_t>(max_trials, std::max<std::int64_t>(trials_started(), 1),
                                                      kMaxTrialsLimit);
  if (limit == options_.max_trials) return false;
  options_.max_trials = limit;
  return true;
}

bool SchedulerBase::SetMaxBudget(double max_budget) {
  if (finished_ || !std::isfinite(max_budget) || !(max_budget > 0.0) || max_budget == options_.max_budget) return false;
  return ChangeMaxBudget(max_budget);
}

bool SchedulerBase::CanStartNewTrial() const {
  if (sampler_exhausted_ || trials_started() >= options_.max_trials) return false;
  const std::optional<std::int64_t> capacity = sampler_->Capacity();
  return !capacity || trials_started() < *capacity;
}

std::optional<Assignment> SchedulerBase::StartNewTrial(int bracket, int rung, double budget, double now) {
  std::optional<Config> config = sampler_->Next(rng_);
  if (!config) {
    sampler_exhausted_ = true;
    return std::nullopt;
  }
  const TrialRecord& trial = AddTrial(std::move(*config), bracket, now);
  sampler_->Started(trial.id, trial.config);
  return ResumeTrial(trial.id, rung, budget, now);
}

TrialRecord& SchedulerBase::AddTrial(Config config, int bracket, double now) {
  TrialRecord trial;
  trial.id = trials_started();
  trial.config = std::move(config);
  trial.bracket = bracket;
  trial.last_value = std::numeric_limits<double>::quiet_NaN();
  trial.best_value = trial.last_value;
  trial.start_time = now;
  trials_.push_back(std::move(trial));
  on_worker_.push_back(0);
  return trials_.back();
}

Assignment SchedulerBase::ResumeTrial(TrialId id, int rung, double budget, double now) {
  (void)now;
  TrialRecord& trial = trials_[static_cast<std::size_t>(id)];
  trial.state = TrialState::kRunning;
  trial.rung = rung;
  trial.target_budget = budget;
  on_worker_[static_cast<std::size_t>(id)] = 1;
  ++running_;
  Assignment assignment{id, trial.config, budget, trial.checkpoint_step, trial.bracket, rung, std::nullopt};
  if (trial.restore_from >= 0) assignment.restore_from = trial.restore_from;
  return assignment;
}

void SchedulerBase::SetTerminal(TrialRecord& trial, TrialState state, double now) {
  trial.state = state;
  trial.end_time = now;
  sampler_->Ended(trial.id);
}

void SchedulerBase::LearnFrom(const TrialRecord& trial, int rung, double key) {
  sampler_->Observed(trial.id, trial.config, rung, key);
}

void SchedulerBase::FinishStudy(double now) {
  finished_ = true;
  for (std::size_t i = 0; i < trials_.size(); ++i) {
    if (trials_[i].state == TrialState::kPaused) SetTerminal(trials_[i], TrialState::kStopped, now);
  }
}

// ---- save / load -------------------------------------------------------------------

namespace {
template <typename T, typename F>
std::vector<T> Column(const TrialTable& trials, F field) {
  std::vector<T> column;
  column.reserve(trials.size());
  for (const TrialRecord& trial : trials) column.push_back(static_cast<T>(field(trial)));
  return column;
}
}  // namespace

void SchedulerBase::Save(SavedState& state) const {
  using Ints = SavedState::Ints;
  using Doubles = SavedState::Doubles;
  state.PutString("scheduler/kind", PolicyName());
  state.PutInt("scheduler/space_hash", static_cast<std::int64_t>(space_.Hash()));
  Ints rng;
  for (std::uint64_t word : rng_.state()) rng.push_back(static_cast<std::int64_t>(word));
  state.Put("scheduler/rng", std::move(rng));
  state.Put("scheduler/interrupted", Ints(interrupted_.begin(), interrupted_.end()));
  state.PutInt("scheduler/sampler_exhausted", sampler_exhausted_);
  state.PutInt("scheduler/finished", finished_);
  sampler_->Save(state, "sampler/");

  Doubles configs;
  configs.reserve(trials_.size() * space_.size());
  for (const TrialRecord& trial : trials_) configs.insert(configs.end(), trial.config.values.begin(), trial.config.values.end());
  state.Put("trials/config", std::move(configs));
  state.Put("trials/state", Column<std::int64_t>(trials_, [](auto& t) { return t.state; }));
  state.Put("trials/outcome", Column<std::int64_t>(trials_, [](auto& t) { return t.last_outcome; }));
  state.Put("trials/bracket", Column<std::int64_t>(trials_, [](auto& t) { return t.bracket; }));
  state.Put("trials/rung", Column<std::int64_t>(trials_, [](auto& t) { return t.rung; }));
  state.Put("trials/reports", Column<std::int64_t>(trials_, [](auto& t) { return t.reports; }));
  state.Put("trials/parent", Column<std::int64_t>(trials_, [](auto& t) { return t.parent; }));
  state.Put("trials/restore_from", Column<std::int64_t>(trials_, [](auto& t) { return t.restore_from; }));
  state.Put("trials/on_worker", Ints(on_worker_.begin(), on_worker_.end()));
  state.Put("trials/target_budget", Column<double>(trials_, [](auto& t) { return t.target_budget; }));
  state.Put("trials/last_step", Column<double>(trials_, [](auto& t) { return t.last_step; }));
  state.Put("trials/checkpoint_step", Column<double>(trials_, [](auto& t) { return t.checkpoint_step; }));
  state.Put("trials/last_value", Column<double>(trials_, [](auto& t) { return t.last_value; }));
  state.Put("trials/best_value", Column<double>(trials_, [](auto& t) { return t.best_value; }));
  state.Put("trials/start_time", Column<double>(trials_, [](auto& t) { return t.start_time; }));
  state.Put("trials/end_time", Column<double>(trials_, [](auto& t) { return t.end_time; }));
  SavePolicy(state);
}

namespace {
// Reads a per-trial column and checks its length, so a truncated state is refused.
template <typename T>
Status ReadColumn(const SavedState& state, const std::string& key, std::size_t rows, std::vector<T>& out) {
  Result<std::vector<T>> values = [&] {
    if constexpr (std::is_same_v<T, double>) return state.GetDoubles(key);
    else return state.GetInts(key);
  }();
  if (!values.ok()) return values.status();
  if (values->size() != rows) {
    return Status::BadInput(fmt::format("scheduler state: '{}' has {} rows, expected {}", key, values->size(), rows));
  }
  out = std::move(*values);
  return Status::Ok();
}
}  // namespace

Status SchedulerBase::Load(const SavedState& state) {
  Result<std::string> kind = state.GetString("scheduler/kind");
  if (!kind.ok()) return kind.status();
  if (*kind != PolicyName()) {
    return Status::BadInput(fmt::format("scheduler state: saved by scheduler '{}', cannot load into '{}'", *kind, PolicyName()));
  }
  Result<std::int64_t> hash = state.GetInt("scheduler/space_hash");
  if (!hash.ok()) return hash.status();
  if (static_cast<std::uint64_t>(*hash) != space_.Hash()) {
    return Status::BadInput("scheduler state: saved with a different search space");
  }
  Result<SavedState::Ints> rng = state.GetInts("scheduler/rng");
  if (!rng.ok()) return rng.status();
  if (rng->size() != 4) return Status::BadInput("scheduler state: 'scheduler/rng' must hold 4 words");
  Result<SavedState::Ints> interrupted = state.GetInts("scheduler/interrupted");
  if (!interrupted.ok()) return interrupted.status();
  Result<std::int64_t> exhausted = state.GetInt("scheduler/sampler_exhausted");
  if (!exhausted.ok()) return exhausted.status();
  Result<std::int64_t> finished = state.GetInt("scheduler/finished");
  if (!finished.ok()) return finished.status();
  MPITUNE_RETURN_IF_ERROR(sampler_->Load(state, "sampler/"));

  Result<SavedState::Doubles> configs = state.GetDoubles("trials/config");
  if (!configs.ok()) return configs.status();
  const std::size_t dims = space_.size();
  if (dims == 0 || configs->size() % dims != 0) return Status::BadInput("scheduler state: 'trials/config' has a ragged shape");
  const std::size_t rows = configs->size() / dims;

  std::vector<std::int64_t> states, outcomes, brackets, rungs, reports, parents, on_worker;
  std::vector<double> targets, last_steps, checkpoints, last_values, best_values, starts, ends;
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/state", rows, states));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/outcome", rows, outcomes));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/bracket", rows, brackets));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/rung", rows, rungs));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/reports", rows, reports));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/parent", rows, parents));
  // States saved before population-based training have no restore_from column.
  std::vector<std::int64_t> restore_from(rows, -1);
  if (state.Has("trials/restore_from")) {
    MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/restore_from", rows, restore_from));
  }
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/on_worker", rows, on_worker));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/target_budget", rows, targets));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/last_step", rows, last_steps));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/checkpoint_step", rows, checkpoints));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/last_value", rows, last_values));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/best_value", rows, best_values));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/start_time", rows, starts));
  MPITUNE_RETURN_IF_ERROR(ReadColumn(state, "trials/end_time", rows, ends));

  TrialTable trials;
  std::int64_t running = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    trials.push_back(TrialRecord{});
    TrialRecord& trial = trials[i];
    trial.id = static_cast<TrialId>(i);
    trial.config.values.assign(configs->begin() + static_cast<std::ptrdiff_t>(i * dims),
                               configs->begin() + static_cast<std::ptrdiff_t>((i + 1) * dims));
    if (states[i] < 0 || states[i] > static_cast<std::int64_t>(TrialState::kLost) || outcomes[i] < 0 ||
        outcomes[i] > static_cast<std::int64_t>(TrialOutcome::kInterrupted)) {
      return Status::BadInput(fmt::format("scheduler state: trial {} has an invalid state", i));
    }
    trial.state = static_cast<TrialState>(states[i]);
    trial.last_outcome = static_cast<TrialOutcome>(outcomes[i]);
    trial.bracket = static_cast<int>(brackets[i]);
    trial.rung = static_cast<int>(rungs[i]);
    trial.reports = reports[i];
    trial.parent = parents[i];
    trial.restore_from = restore_from[i];
    if (trial.restore_from < -1 || trial.restore_from >= static_cast<std::int64_t>(rows)) {
      return Status::BadInput(fmt::format("scheduler state: trial {} restores from an unknown trial", i));
    }
    trial.target_budget = targets[i];
    trial.last_step = last_steps[i];
    trial.checkpoint_step = checkpoints[i];
    trial.last_value = last_values[i];
    trial.best_value = best_values[i];
    trial.start_time = starts[i];
    trial.end_time = ends[i];
    running += on_worker[i] != 0;
  }
  for (TrialId id : *interrupted) {
    if (id < 0 || static_cast<std::size_t>(id) >= rows) return Status::BadInput("scheduler state: bad interrupted trial id");
  }
  trials_ = std::move(trials);
  on_worker_.assign(on_worker.begin(), on_worker.end());
  running_ = running;
  interrupted_.assign(interrupted->begin(), interrupted->end());
  sampler_exhausted_ = *exhausted != 0;
  finished_ = *finished != 0;
  Rng::State words;
  for (std::size_t i = 0; i < 4; ++i) words[i] = static_cast<std::uint64_t>((*rng)[i]);
  rng_.set_state(words);
  return LoadPolicy(state);
}

}  // namespace mpitune
