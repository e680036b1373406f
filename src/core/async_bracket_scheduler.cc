#include "core/async_bracket_scheduler.h"

#include <cmath>

#include <fmt/format.h>

namespace mpitune {

AsyncBracketScheduler::AsyncBracketScheduler(const SearchSpace& space, const SchedulerOptions& options)
    : SchedulerBase(space, options) {
  const bool fifo = options.kind == SchedulerKind::kFifo;
  budgets_ = fifo ? std::vector<double>{options.max_budget}
                  : RungBudgets(options.min_budget, options.max_budget, options.eta);
  const int brackets = options.kind == SchedulerKind::kHyperband ? top_rung() + 1 : 1;
  for (int s = 0; s < brackets; ++s) {
    brackets_.push_back(Bracket{s, std::vector<Rung>(budgets_.size(), Rung(promotion()))});
  }
  bracket_weights_ = options.kind == SchedulerKind::kHyperband ? HyperbandBracketSizes(top_rung(), options.eta)
                                                                : std::vector<std::int64_t>{1};
  bracket_credit_.assign(bracket_weights_.size(), 0);
}

std::size_t AsyncBracketScheduler::TopSize(std::size_t n) const {
  const double ratio = static_cast<double>(n) / options_.eta;
  // The epsilon keeps n = 6, eta = 3 at exactly 2 despite floating division.
  return static_cast<std::size_t>(promotion() ? std::floor(ratio + 1e-9) : std::ceil(ratio - 1e-9));
}

bool AsyncBracketScheduler::Record(const TrialRecord& trial, int rung, double key) {
  Rung& target = brackets_[static_cast<std::size_t>(trial.bracket)].rungs[static_cast<std::size_t>(rung)];
  const std::size_t index = target.Add(trial.id, key, TopSize(target.size() + 1));
  LearnFrom(trial, rung, key);
  return target.InTop(index);
}

double AsyncBracketScheduler::NewTrialBudget(int bracket) const {
  const int rung = brackets_[static_cast<std::size_t>(bracket)].base_rung;
  return promotion() ? budgets_[static_cast<std::size_t>(rung)] : budgets_.back();
}

int AsyncBracketScheduler::ChooseBracket(double max_units) {
  // Smooth weighted round robin: over any window of sum(weights) new trials, bracket s
  // gets exactly weights[s] of them, spread evenly rather than in runs. Brackets whose
  // first run does not fit (near a deadline) are passed over; their credit grows on.
  std::int64_t total = 0;
  std::optional<std::size_t> chosen;
  for (std::size_t s = 0; s < bracket_weights_.size(); ++s) {
    total += bracket_weights_[s];
    if (NewTrialBudget(static_cast<int>(s)) > max_units) continue;
    if (!chosen || bracket_credit_[s] + bracket_weights_[s] > bracket_credit_[*chosen] + bracket_weights_[*chosen]) {
      chosen = s;
    }
  }
  if (!chosen) return -1;
  for (std::size_t s = 0; s < bracket_weights_.size(); ++s) bracket_credit_[s] += bracket_weights_[s];
  bracket_credit_[*chosen] -= total;
  return static_cast<int>(*chosen);
}

std::optional<Assignment> AsyncBracketScheduler::Promote(double now, double max_units, bool& unfit) {
  // Highest rung first: finishing good trials beats widening the search.
  for (int rung = top_rung() - 1; rung >= 0; --rung) {
    for (Bracket& bracket : brackets_) {
      if (rung < bracket.base_rung) continue;
      Rung& from = bracket.rungs[static_cast<std::size_t>(rung)];
      if (static_cast<std::int64_t>(from.size()) < options_.grace) continue;
      const std::optional<std::size_t> index = from.PromotableTop();
      if (!index) continue;
      const TrialId id = from.entries()[*index].trial;
      // Every promotion out of this rung adds about as much; a lower rung's may fit.
      if (budgets_[static_cast<std::size_t>(rung + 1)] - trial(id).checkpoint_step > max_units) {
        unfit = true;
        continue;
      }
      from.PromoteTop();
      return ResumeTrial(id, rung + 1, budgets_[static_cast<std::size_t>(rung + 1)], now);
    }
  }
  return std::nullopt;
}

NextAction AsyncBracketScheduler::PolicyNext(double now, double max_units) {
  bool unfit = false;  // work is left that does not fit in max_units
  if (promotion()) {
    if (std::optional<Assignment> promoted = Promote(now, max_units, unfit)) return *promoted;
  }
  if (CanStartNewTrial()) {
    const int bracket = ChooseBracket(max_units);
    if (bracket < 0) {
      unfit = true;
    } else {
      const int rung = brackets_[static_cast<std::size_t>(bracket)].base_rung;
      if (std::optional<Assignment> started = StartNewTrial(bracket, rung, NewTrialBudget(bracket), now)) {
        return *started;
      }
    }
  }
  if (running() > 0 || unfit) return Wait{};
  return Done{};
}

Decision AsyncBracketScheduler::OnReport(TrialRecord& trial, double step, double key, double now) {
  if (promotion()) {
    if (!ReachedBudget(step, trial.target_budget)) return Decision::Continue();
    if (trial.rung == top_rung()) {
      Record(trial, trial.rung, key);
      SetTerminal(trial, TrialState::kCompleted, now);
      return Decision::Stop();
    }
    trial.state = TrialState::kPaused;
    trial.checkpoint_step = step;
    return Decision::Pause();
  }
  // Stopping variant: `rung` is the next milestone the trial has not yet passed.
  while (trial.rung < top_rung() && ReachedBudget(step, budgets_[static_cast<std::size_t>(trial.rung)])) {
    Rung& rung = brackets_[static_cast<std::size_t>(trial.bracket)].rungs[static_cast<std::size_t>(trial.rung)];
    const bool in_top = Record(trial, trial.rung, key);
    ++trial.rung;
    if (!in_top && static_cast<std::int64_t>(rung.size()) >= options_.grace) {
      SetTerminal(trial, TrialState::kStopped, now);
      return Decision::Stop();
    }
  }
  if (trial.rung == top_rung() && ReachedBudget(step, budgets_.back())) {
    Record(trial, trial.rung, key);
    SetTerminal(trial, TrialState::kCompleted, now);
    return Decision::Stop();
  }
  return Decision::Continue();
}

void AsyncBracketScheduler::OnEnded(TrialRecord& trial, double key, TrialState state, double now) {
  // Whatever ended it, the trial is ranked at the rung it was running towards, so the
  // rung's size (and with it how many others it may promote) stays honest.
  Record(trial, trial.rung, key);
  if (state != TrialState::kRunning) {
    SetTerminal(trial, state, now);
  } else if (promotion() && trial.rung < top_rung()) {
    trial.state = TrialState::kPaused;  // exited by itself at a rung: promotable like any other
    trial.checkpoint_step = trial.last_step;
  } else {
    SetTerminal(trial, ReachedBudget(trial.last_step, budgets_.back()) ? TrialState::kCompleted : TrialState::kStopped, now);
  }
}

void AsyncBracketScheduler::OnPaused(TrialRecord& trial, double key, double /*now*/) { Record(trial, trial.rung, key); }

void AsyncBracketScheduler::VisitRungs(RungVisitor& visitor) const {
  for (std::size_t b = 0; b < brackets_.size(); ++b) {
    for (std::size_t k = static_cast<std::size_t>(brackets_[b].base_rung); k < budgets_.size(); ++k) {
      visitor.BeginRung(static_cast<int>(b), static_cast<int>(k), budgets_[k]);
      for (const Rung::Entry& entry : brackets_[b].rungs[k].entries()) {
        const bool finite = std::isfinite(entry.key);
        const TrialState state = trial(entry.trial).state;
        visitor.Entry(RungEntry{entry.trial, finite ? RawValue(entry.key, options_.mode) : NAN, finite && entry.promoted,
                                state == TrialState::kFailed || state == TrialState::kLost});
      }
    }
  }
}

void AsyncBracketScheduler::SavePolicy(SavedState& state) const {
  state.Put("asha/bracket_credit", bracket_credit_);
  for (std::size_t b = 0; b < brackets_.size(); ++b) {
    for (std::size_t k = 0; k < budgets_.size(); ++k) {
      const std::string prefix = fmt::format("asha/bracket{}/rung{}/", b, k);
      SavedState::Ints trials, promoted;
      SavedState::Doubles keys;
      for (const Rung::Entry& entry : brackets_[b].rungs[k].entries()) {
        trials.push_back(entry.trial);
        keys.push_back(entry.key);
        promoted.push_back(entry.promoted);
      }
      state.Put(prefix + "trial", std::move(trials));
      state.Put(prefix + "key", std::move(keys));
      state.Put(prefix + "promoted", std::move(promoted));
    }
  }
}

Status AsyncBracketScheduler::LoadPolicy(const SavedState& state) {
  Result<SavedState::Ints> credit = state.GetInts("asha/bracket_credit");
  if (!credit.ok()) return credit.status();
  if (credit->size() != bracket_credit_.size()) return Status::BadInput("scheduler state: bracket count differs");
  std::vector<Bracket> brackets = brackets_;
  for (std::size_t b = 0; b < brackets.size(); ++b) {
    for (std::size_t k = 0; k < budgets_.size(); ++k) {
      const std::string prefix = fmt::format("asha/bracket{}/rung{}/", b, k);
      Result<SavedState::Ints> trials = state.GetInts(prefix + "trial");
      Result<SavedState::Doubles> keys = state.GetDoubles(prefix + "key");
      Result<SavedState::Ints> promoted = state.GetInts(prefix + "promoted");
      if (!trials.ok()) return trials.status();
      if (!keys.ok()) return keys.status();
      if (!promoted.ok()) return promoted.status();
      if (keys->size() != trials->size() || promoted->size() != trials->size()) {
        return Status::BadInput(fmt::format("scheduler state: '{}' columns differ in length", prefix));
      }
      std::vector<Rung::Entry> entries;
      for (std::size_t i = 0; i < trials->size(); ++i) {
        if ((*trials)[i] < 0 || (*trials)[i] >= trials_started()) {
          return Status::BadInput(fmt::format("scheduler state: '{}' names unknown trial {}", prefix, (*trials)[i]));
        }
        entries.push_back(Rung::Entry{(*trials)[i], (*keys)[i], (*promoted)[i] != 0, false});
      }
      brackets[b].rungs[k] = Rung::Rebuild(entries, TopSize(entries.size()), promotion());
    }
  }
  brackets_ = std::move(brackets);
  bracket_credit_ = std::move(*credit);
  return Status::Ok();
}

}  // namespace mpitune
