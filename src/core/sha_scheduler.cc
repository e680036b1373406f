#include "core/sha_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace mpitune {

ShaScheduler::ShaScheduler(const SearchSpace& space, const SchedulerOptions& options)
    : SchedulerBase(space, options), budgets_(RungBudgets(options.min_budget, options.max_budget, options.eta)) {}

NextAction ShaScheduler::PolicyNext(double now, double max_units) {
  for (;;) {
    if (rung_ == 0 && rung0_open_) {
      if (CanStartNewTrial()) {
        // Near a deadline the rung stays open for a later resume with more time.
        if (budgets_[0] > max_units) return Wait{};
        if (std::optional<Assignment> started = StartNewTrial(0, 0, budgets_[0], now)) {
          members_.push_back(started->trial);
          member_keys_.push_back(std::numeric_limits<double>::quiet_NaN());
          ++launched_;
          return *started;
        }
      }
      rung0_open_ = false;
    }
    if (launched_ < members_.size()) {
      const TrialId id = members_[launched_];
      const double budget = budgets_[static_cast<std::size_t>(rung_)];
      if (budget - trial(id).checkpoint_step > max_units) return Wait{};
      ++launched_;
      return ResumeTrial(id, rung_, budget, now);
    }
    if (recorded_ < members_.size()) return Wait{};  // the rung barrier
    if (!AdvanceRung(now)) return running() > 0 ? NextAction{Wait{}} : NextAction{Done{}};
  }
}

bool ShaScheduler::AdvanceRung(double now) {
  if (members_.empty() || rung_ == top_rung()) return false;
  std::vector<std::size_t> order(members_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
    return member_keys_[a] < member_keys_[b] || (member_keys_[a] == member_keys_[b] && members_[a] < members_[b]);
  });
  const auto keep = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(members_.size() / options_.eta + 1e-9)));
  std::vector<TrialId> next;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const TrialId id = members_[order[i]];
    if (next.size() < keep && std::isfinite(member_keys_[order[i]])) {
      next.push_back(id);
      continue;
    }
    TrialRecord& loser = MutableTrial(id);
    if (loser.state == TrialState::kPaused) SetTerminal(loser, TrialState::kStopped, now);
  }
  closed_members_.push_back(members_);
  closed_keys_.push_back(member_keys_);
  if (next.empty()) {
    members_.clear();
    member_keys_.clear();
    launched_ = recorded_ = 0;
    return false;
  }
  std::sort(next.begin(), next.end());  // ascending ids: RecordResult binary-searches
  ++rung_;
  members_ = std::move(next);
  member_keys_.assign(members_.size(), std::numeric_limits<double>::quiet_NaN());
  launched_ = 0;
  recorded_ = 0;
  return true;
}

void ShaScheduler::RecordResult(const TrialRecord& trial, double key) {
  const auto it = std::lower_bound(members_.begin(), members_.end(), trial.id);
  if (it == members_.end() || *it != trial.id) return;
  const auto index = static_cast<std::size_t>(it - members_.begin());
  if (!std::isnan(member_keys_[index])) return;
  member_keys_[index] = key;
  ++recorded_;
  LearnFrom(trial, trial.rung, key);
}

Decision ShaScheduler::OnReport(TrialRecord& trial, double step, double key, double now) {
  if (!ReachedBudget(step, trial.target_budget)) return Decision::Continue();
  if (trial.rung == top_rung()) {
    RecordResult(trial, key);
    SetTerminal(trial, TrialState::kCompleted, now);
    return Decision::Stop();
  }
  trial.state = TrialState::kPaused;
  trial.checkpoint_step = step;
  return Decision::Pause();
}

void ShaScheduler::OnEnded(TrialRecord& trial, double key, TrialState state, double now) {
  RecordResult(trial, key);
  if (state != TrialState::kRunning) {
    SetTerminal(trial, state, now);
  } else if (trial.rung < top_rung()) {
    trial.state = TrialState::kPaused;
    trial.checkpoint_step = trial.last_step;
  } else {
    SetTerminal(trial, ReachedBudget(trial.last_step, budgets_.back()) ? TrialState::kCompleted : TrialState::kStopped, now);
  }
}

void ShaScheduler::OnPaused(TrialRecord& trial, double key, double /*now*/) { RecordResult(trial, key); }

void ShaScheduler::VisitRungs(RungVisitor& visitor) const {
  // Closed rungs k = 0, 1, ... and the open one at rung_; a trial was promoted when
  // the next rung has it.
  std::vector<std::pair<const std::vector<TrialId>*, const std::vector<double>*>> by_rung(budgets_.size(),
                                                                                        {nullptr, nullptr});
  for (std::size_t k = 0; k < closed_members_.size() && k < by_rung.size(); ++k) {
    by_rung[k] = {&closed_members_[k], &closed_keys_[k]};
  }
  if (!members_.empty()) by_rung[static_cast<std::size_t>(rung_)] = {&members_, &member_keys_};
  for (std::size_t k = 0; k < by_rung.size(); ++k) {
    const auto [members, keys] = by_rung[k];
    if (members == nullptr) continue;
    const std::vector<TrialId>* next = k + 1 < by_rung.size() ? by_rung[k + 1].first : nullptr;
    visitor.BeginRung(0, static_cast<int>(k), budgets_[k]);
    for (std::size_t i = 0; i < members->size(); ++i) {
      const double key = (*keys)[i];
      if (std::isnan(key)) continue;  // not in yet
      const TrialId id = (*members)[i];
      const bool promoted = next != nullptr && std::binary_search(next->begin(), next->end(), id);
      const TrialState state = trial(id).state;
      visitor.Entry(RungEntry{id, std::isfinite(key) ? RawValue(key, options_.mode) : NAN, promoted,
                              state == TrialState::kFailed || state == TrialState::kLost});
    }
  }
}

void ShaScheduler::SavePolicy(SavedState& state) const {
  state.PutInt("sha/rung", rung_);
  state.Put("sha/members", SavedState::Ints(members_.begin(), members_.end()));
  state.Put("sha/member_keys", member_keys_);
  state.PutInt("sha/launched", static_cast<std::int64_t>(launched_));
  state.PutInt("sha/rung0_open", rung0_open_);
  state.PutInt("sha/closed_rungs", static_cast<std::int64_t>(closed_members_.size()));
  for (std::size_t k = 0; k < closed_members_.size(); ++k) {
    state.Put(fmt::format("sha/closed{}/trial", k), SavedState::Ints(closed_members_[k].begin(), closed_members_[k].end()));
    state.Put(fmt::format("sha/closed{}/key", k), closed_keys_[k]);
  }
}

Status ShaScheduler::LoadPolicy(const SavedState& state) {
  Result<std::int64_t> rung = state.GetInt("sha/rung");
  Result<SavedState::Ints> members = state.GetInts("sha/members");
  Result<SavedState::Doubles> keys = state.GetDoubles("sha/member_keys");
  Result<std::int64_t> launched = state.GetInt("sha/launched");
  Result<std::int64_t> open = state.GetInt("sha/rung0_open");
  // A state saved before closed rungs were kept (study format 1) has none: its
  // decisions are the same, only Rungs() cannot list the rungs it closed.
  Result<std::int64_t> closed = state.Has("sha/closed_rungs") ? state.GetInt("sha/closed_rungs") : std::int64_t{0};
  for (const Status* status : {&rung.status(), &members.status(), &keys.status(), &launched.status(),
                               &open.status(), &closed.status()}) {
    if (!status->ok()) return *status;
  }
  if (*closed < 0 || *closed > top_rung() + 1) return Status::BadInput("scheduler state: inconsistent 'sha' section");
  std::vector<std::vector<TrialId>> closed_members;
  std::vector<std::vector<double>> closed_keys;
  for (std::int64_t k = 0; k < *closed; ++k) {
    Result<SavedState::Ints> trials = state.GetInts(fmt::format("sha/closed{}/trial", k));
    Result<SavedState::Doubles> results = state.GetDoubles(fmt::format("sha/closed{}/key", k));
    if (!trials.ok()) return trials.status();
    if (!results.ok()) return results.status();
    if (trials->size() != results->size()) return Status::BadInput("scheduler state: inconsistent 'sha' section");
    closed_members.emplace_back(trials->begin(), trials->end());
    closed_keys.push_back(std::move(*results));
  }
  if (*rung < 0 || *rung > top_rung() || keys->size() != members->size() || *launched < 0 ||
      static_cast<std::size_t>(*launched) > members->size()) {
    return Status::BadInput("scheduler state: inconsistent 'sha' section");
  }
  rung_ = static_cast<int>(*rung);
  members_.assign(members->begin(), members->end());
  member_keys_ = std::move(*keys);
  launched_ = static_cast<std::size_t>(*launched);
  recorded_ = static_cast<std::size_t>(std::count_if(member_keys_.begin(), member_keys_.end(),
                                                     [](double key) { return !std::isnan(key); }));
  rung0_open_ = *open != 0;
  closed_members_ = std::move(closed_members);
  closed_keys_ = std::move(closed_keys);
  return Status::Ok();
}

}  // namespace mpitune
