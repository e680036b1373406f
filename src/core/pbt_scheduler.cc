#include "core/pbt_scheduler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

namespace mpitune {

namespace {

bool Better(const std::pair<double, TrialId>& a, const std::pair<double, TrialId>& b) {
  return a.first < b.first || (a.first == b.first && a.second < b.second);
}

// The k best of `ranked`, in the (deterministic) order nth_element leaves them.
std::vector<TrialId> Best(std::vector<std::pair<double, TrialId>>& ranked, std::size_t k) {
  k = std::min(k, ranked.size());
  std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), ranked.end(), Better);
  std::vector<TrialId> best;
  best.reserve(k);
  for (std::size_t i = 0; i < k; ++i) best.push_back(ranked[i].second);
  return best;
}

std::size_t QuantileCount(std::size_t n, double quantile) {
  return static_cast<std::size_t>(std::floor(static_cast<double>(n) * quantile + 1e-9));
}

// Ready points reached at `step` (0 before the first one).
std::int64_t ReadyPointsReached(double step, double interval, double max_budget) {
  const auto total = static_cast<std::int64_t>(std::ceil(max_budget / interval - 1e-9));
  if (ReachedBudget(step, max_budget)) return total;
  const auto reached = static_cast<std::int64_t>(std::floor(step / interval + 1e-9));
  return std::clamp<std::int64_t>(reached, 0, total - 1);
}

bool Competes(const TrialRecord& trial) {
  return trial.reports > 0 && trial.state != TrialState::kFailed && trial.state != TrialState::kLost &&
         trial.state != TrialState::kStopped;
}

// Beyond this many paused members waiting for a donor, Next stops looking (and waits):
// a hand-out must not cost a ranking of the population per waiting member.
constexpr int kWaitingLookedAt = 16;

}  // namespace

std::vector<TrialId> ExploitCandidates(std::vector<std::pair<double, TrialId>> ranked, TrialId member,
                                       double quantile) {
  const std::size_t n = ranked.size();
  const std::size_t k = QuantileCount(n, quantile);
  if (k == 0) return {};
  const auto self = std::find_if(ranked.begin(), ranked.end(), [member](const auto& e) { return e.second == member; });
  if (self == ranked.end()) return {};
  const std::pair<double, TrialId> mine = *self;
  const auto better = static_cast<std::size_t>(
      std::count_if(ranked.begin(), ranked.end(), [&mine](const auto& e) { return Better(e, mine); }));
  if (better < n - k) return {};  // not in the bottom quantile
  std::vector<TrialId> top = Best(ranked, k);
  // After nth_element every one of the first k is at least as good as ranked[k]; the
  // worst of them is the largest: a tie with it is no reason to copy anyone.
  const auto worst_top = std::max_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), Better);
  if (!(mine.first > worst_top->first)) return {};
  return top;
}

double NextReadyPoint(double step, double interval, double max_budget) {
  const double next = (std::floor(step / interval + 1e-9) + 1.0) * interval;
  return std::min(next, max_budget);
}

PbtScheduler::PbtScheduler(const SearchSpace& space, const SchedulerOptions& options)
    : SchedulerBase(space, options), rng_(options.seed ^ 0x9b7d'2a41'c3e5'f086ULL) {
  generation_point_ = NextReadyPoint(0.0, pbt().perturbation_interval, options_.max_budget);
}

double PbtScheduler::RunBudget(double from_step) const {
  if (pbt().synchronous) return generation_point_;
  return NextReadyPoint(from_step, pbt().perturbation_interval, options_.max_budget);
}

bool PbtScheduler::CanLend(const TrialRecord& trial) const {
  return trial.state == TrialState::kPaused && !on_worker(trial.id) && trial.checkpoint_step > 0.0 &&
         !ReachedBudget(trial.checkpoint_step, options_.max_budget);
}

void PbtScheduler::Refresh(const TrialRecord& t) {
  const auto slot = static_cast<std::size_t>(t.bracket);
  if (slot >= members_.size() || members_[slot] != t.id) return;
  if (standings_.size() < members_.size()) standings_.resize(members_.size());
  standings_[slot] = Standing{NormalisedKey(t.last_value, options_.mode), t.last_step, Competes(t)};
}

std::vector<TrialId> PbtScheduler::TopFor(TrialId member, double step) const {
  const TrialRecord& self = trial(member);
  if (!Competes(self) || !ReachedBudget(self.last_step, step)) return {};
  // Most members are not in the bottom quantile: one counting pass tells, without
  // ranking anyone (the same test ExploitCandidates makes).
  const std::pair<double, TrialId> mine{NormalisedKey(self.last_value, options_.mode), member};
  std::size_t n = 0;
  std::size_t better = 0;
  for (std::size_t slot = 0; slot < standings_.size(); ++slot) {
    const Standing& s = standings_[slot];
    if (!s.competes || !ReachedBudget(s.last_step, step)) continue;
    ++n;
    better += Better({s.key, members_[slot]}, mine);
  }
  const std::size_t k = QuantileCount(n, pbt().quantile);
  if (k == 0 || better < n - k) return {};
  std::vector<std::pair<double, TrialId>> ranked;
  ranked.reserve(n);
  for (std::size_t slot = 0; slot < standings_.size(); ++slot) {
    const Standing& s = standings_[slot];
    if (s.competes && ReachedBudget(s.last_step, step)) ranked.emplace_back(s.key, members_[slot]);
  }
  return ExploitCandidates(std::move(ranked), member, pbt().quantile);
}

TrialId PbtScheduler::PickDonor(const std::vector<TrialId>& candidates, TrialId member) {
  const auto can_lend = [&](TrialId id) { return id != member && CanLend(trial(id)); };
  // Uniform among those that can lend: draws among all candidates, kept when the
  // drawn one can (with a population larger than the workers most can), and only
  // after a run of misses a pass over all of them.
  if (candidates.empty()) return -1;
  for (int draw = 0; draw < 16; ++draw) {
    const TrialId id = candidates[rng_.Below(candidates.size())];
    if (can_lend(id)) return id;
  }
  std::vector<TrialId> able;
  for (TrialId id : candidates) {
    if (can_lend(id)) able.push_back(id);
  }
  if (able.empty()) return -1;
  return able[rng_.Below(able.size())];
}

void PbtScheduler::Release(TrialRecord& trial) {
  if (trial.restore_from < 0) return;
  const auto donor = static_cast<std::size_t>(trial.restore_from);
  if (donor < lent_.size() && lent_[donor] > 0) --lent_[donor];
  trial.restore_from = -1;
}

void PbtScheduler::Exploit(TrialRecord& recipient, TrialId donor_id, Config old_config, double now) {
  const TrialRecord& donor = trial(donor_id);
  ExploitRecord record;
  record.recipient = recipient.id;
  record.donor = donor_id;
  record.step = recipient.checkpoint_step;
  record.donor_step = donor.checkpoint_step;
  record.time = now;
  record.old_config = std::move(old_config);
  record.new_config = space_.Perturb(
      donor.config, rng_, PerturbOptions{pbt().factor_down, pbt().factor_up, pbt().resample_probability});
  Release(recipient);
  recipient.config = record.new_config;
  recipient.parent = donor_id;
  recipient.restore_from = donor_id;
  recipient.checkpoint_step = donor.checkpoint_step;
  recipient.last_step = donor.checkpoint_step;
  if (lent_.size() < trial_count()) lent_.resize(trial_count(), 0);
  ++lent_[static_cast<std::size_t>(donor_id)];
  exploits_.push_back(std::move(record));
  Refresh(recipient);
}

std::optional<Assignment> PbtScheduler::FillSlot(int slot, double max_units, bool& filled, bool& unfit, double now) {
  filled = false;
  if (trials_started() >= options_.max_trials) return std::nullopt;
  // A replacement copies a top member, as a bottom member would; the first members,
  // and replacements while no member can lend, are fresh samples.
  const bool replacing = static_cast<std::size_t>(slot) < members_.size() && members_[static_cast<std::size_t>(slot)] >= 0;
  if (replacing) {
    std::vector<std::pair<double, TrialId>> ranked;
    for (TrialId id : members_) {
      if (id >= 0 && Competes(trial(id))) ranked.emplace_back(NormalisedKey(trial(id).last_value, options_.mode), id);
    }
    const std::size_t k = std::max<std::size_t>(1, QuantileCount(ranked.size(), pbt().quantile));
    const TrialId donor = PickDonor(Best(ranked, k), -1);
    if (donor >= 0) {
      const Config old_config = trial(members_[static_cast<std::size_t>(slot)]).config;
      TrialRecord& member = AddTrial(trial(donor).config, slot, now);
      member.state = TrialState::kPaused;
      Exploit(member, donor, old_config, now);
      members_[static_cast<std::size_t>(slot)] = member.id;
      Refresh(member);
      ready_.emplace(member.checkpoint_step, member.id);
      filled = true;
      return std::nullopt;
    }
  }
  if (!CanStartNewTrial()) return std::nullopt;
  if (RunBudget(0.0) > max_units) {
    unfit = true;
    return std::nullopt;
  }
  std::optional<Assignment> started = StartNewTrial(slot, 0, RunBudget(0.0), now);
  if (!started) return std::nullopt;
  if (static_cast<std::size_t>(slot) >= members_.size()) members_.resize(static_cast<std::size_t>(slot) + 1, -1);
  members_[static_cast<std::size_t>(slot)] = started->trial;
  Refresh(trial(started->trial));
  filled = true;
  return started;
}

std::optional<Assignment> PbtScheduler::ResumeReady(bool force, double max_units, bool& unfit, double now) {
  int looked_at = 0;
  for (auto it = ready_.begin(); it != ready_.end(); ++it) {
    const TrialId id = it->second;
    if (pbt().synchronous && ReachedBudget(it->first, generation_point_)) break;
    const auto index = static_cast<std::size_t>(id);
    if (!force && index < lent_.size() && lent_[index] > 0) continue;  // a recipient is copying it
    TrialRecord& member = MutableTrial(id);
    const auto fits = [&](double from) { return RunBudget(from) - from <= max_units; };
    // Checked before a donor is drawn too: a run that does not fit changes nothing.
    if (!fits(member.checkpoint_step)) {
      unfit = true;
      continue;
    }
    TrialId donor = -1;
    if (!pbt().synchronous && member.checkpoint_step >= pbt().burn_in && member.restore_from < 0) {
      if (looked_at++ >= kWaitingLookedAt && !force) return std::nullopt;
      const std::vector<TrialId> top = TopFor(id, member.checkpoint_step);
      donor = PickDonor(top, id);
      // A donor that is running pauses at its next ready point: wait for it.
      const bool donor_coming = std::any_of(top.begin(), top.end(), [this](TrialId t) { return on_worker(t); });
      if (donor < 0 && donor_coming && !force) continue;
    }
    if (donor >= 0 && !fits(trial(donor).checkpoint_step)) {
      unfit = true;
      continue;
    }
    ready_.erase(it);
    if (donor >= 0) Exploit(member, donor, member.config, now);
    return ResumeTrial(id, 0, RunBudget(member.checkpoint_step), now);
  }
  return std::nullopt;
}

void PbtScheduler::CloseGeneration(double now) {
  const double point = generation_point_;
  if (ReachedBudget(point, options_.max_budget)) return;
  if (point >= pbt().burn_in) {
    // Every decision of a generation is made on one ranking, before anyone moves on.
    std::vector<std::pair<double, TrialId>> ranked;
    for (TrialId id : members_) {
      if (id >= 0 && Competes(trial(id)) && ReachedBudget(trial(id).last_step, point)) {
        ranked.emplace_back(NormalisedKey(trial(id).last_value, options_.mode), id);
      }
    }
    std::sort(ranked.begin(), ranked.end(), Better);
    const std::size_t k = QuantileCount(ranked.size(), pbt().quantile);
    if (k > 0) {
      std::vector<TrialId> top;
      for (std::size_t i = 0; i < k; ++i) top.push_back(ranked[i].second);
      const double worst_top = ranked[k - 1].first;
      for (std::size_t i = ranked.size() - k; i < ranked.size(); ++i) {
        if (!(ranked[i].first > worst_top)) continue;
        TrialRecord& member = MutableTrial(ranked[i].second);
        if (member.state != TrialState::kPaused || on_worker(member.id)) continue;
        const TrialId donor = PickDonor(top, member.id);
        if (donor < 0) continue;
        ready_.erase({member.checkpoint_step, member.id});
        Exploit(member, donor, member.config, now);
        ready_.emplace(member.checkpoint_step, member.id);
      }
    }
  }
  generation_point_ = NextReadyPoint(point, pbt().perturbation_interval, options_.max_budget);
}

NextAction PbtScheduler::PolicyNext(double now, double max_units) {
  bool unfit = false;  // work is left that does not fit in max_units
  for (int pass = 0; pass < 2; ++pass) {
    while (!vacant_.empty() || static_cast<std::int64_t>(members_.size()) < population()) {
      const int slot = vacant_.empty() ? static_cast<int>(members_.size()) : vacant_.front();
      bool filled = false;
      std::optional<Assignment> started = FillSlot(slot, max_units, filled, unfit, now);
      if (!filled) break;
      if (!vacant_.empty() && vacant_.front() == slot) vacant_.pop_front();
      if (started) return *started;
    }
    if (std::optional<Assignment> resumed = ResumeReady(false, max_units, unfit, now)) return *resumed;
    if (running() > 0 || unfit) return Wait{};
    // Nothing runs: a synchronous generation is complete (a crashed member left it
    // when it crashed, so nobody is waited for).
    if (pbt().synchronous && pass == 0 && !ReachedBudget(generation_point_, options_.max_budget)) {
      CloseGeneration(now);
      continue;
    }
    break;
  }
  // Nothing runs, so nothing a paused member waits for can happen: resume it anyway.
  if (std::optional<Assignment> resumed = ResumeReady(true, max_units, unfit, now)) return *resumed;
  return unfit ? NextAction{Wait{}} : NextAction{Done{}};
}

Decision PbtScheduler::OnReport(TrialRecord& trial, double step, double /*key*/, double /*now*/) {
  Release(trial);  // it reports, so its run has taken the donor's copy
  Refresh(trial);
  if (!ReachedBudget(step, trial.target_budget)) return Decision::Continue();
  trial.state = TrialState::kPaused;
  trial.checkpoint_step = step;
  return Decision::Pause();
}

void PbtScheduler::OnPaused(TrialRecord& trial, double /*key*/, double now) {
  if (ReachedBudget(trial.checkpoint_step, options_.max_budget)) {
    SetTerminal(trial, TrialState::kCompleted, now);
    return;
  }
  ready_.emplace(trial.checkpoint_step, trial.id);
}

bool PbtScheduler::ChangeMaxBudget(double max_budget) {
  for (const TrialRecord& t : trials()) {
    if (t.state == TrialState::kCompleted) return false;
    // No run may already be bound past it, nor a member have trained past it.
    if (max_budget < std::max({t.target_budget, t.last_step, t.checkpoint_step})) return false;
  }
  options_.max_budget = max_budget;
  // A synchronous generation no member was handed yet ends at the new max_budget.
  generation_point_ = std::min(generation_point_, max_budget);
  return true;
}

void PbtScheduler::Vacate(const TrialRecord& trial) {
  const auto slot = static_cast<std::size_t>(trial.bracket);
  if (slot < members_.size() && members_[slot] == trial.id) vacant_.push_back(trial.bracket);
}

void PbtScheduler::OnEnded(TrialRecord& trial, double /*key*/, TrialState state, double now) {
  Release(trial);
  if (state == TrialState::kRunning && ReachedBudget(trial.last_step, options_.max_budget)) {
    SetTerminal(trial, TrialState::kCompleted, now);
    return;
  }
  // Failed, lost, or ended by itself short of max_budget (with no checkpoint at a
  // ready point to go on from): its slot gets a new member.
  SetTerminal(trial, state == TrialState::kRunning ? TrialState::kStopped : state, now);
  Refresh(trial);
  Vacate(trial);
}

void PbtScheduler::VisitRungs(RungVisitor& visitor) const {
  // One "rung" per ready point, holding the members whose latest report lies there
  // (from that point up to the next), so the best trial is the best of the members
  // trained furthest. The last rung is the furthest point half the competing members
  // reached, and holds every member trained at least that far: when the deadline stops
  // a study, the one member that got an interval ahead of the others is not its best
  // whatever its value.
  std::vector<std::pair<std::int64_t, TrialId>> placed;
  std::vector<std::int64_t> competing;
  for (const TrialRecord& t : trials()) {
    if (t.reports == 0) continue;
    const std::int64_t points = ReadyPointsReached(t.last_step, pbt().perturbation_interval, options_.max_budget);
    placed.emplace_back(points, t.id);
    if (Competes(t)) competing.push_back(points);
  }
  if (!competing.empty()) {
    const auto half = competing.begin() + static_cast<std::ptrdiff_t>((competing.size() - 1) / 2);
    std::nth_element(competing.begin(), half, competing.end(), std::greater<>());
    for (auto& [points, id] : placed) points = std::min(points, *half);
  }
  std::sort(placed.begin(), placed.end());
  std::int64_t open = -1;
  for (const auto& [points, id] : placed) {
    if (points != open) {
      open = points;
      const double budget =
          points == 0 ? 0.0 : std::min(static_cast<double>(points) * pbt().perturbation_interval, options_.max_budget);
      visitor.BeginRung(0, static_cast<int>(std::min<std::int64_t>(points, std::numeric_limits<int>::max())), budget);
    }
    const TrialRecord& t = trial(id);
    const bool failed = t.state == TrialState::kFailed || t.state == TrialState::kLost;
    const double value = failed || !std::isfinite(t.last_value) ? NAN : t.last_value;
    visitor.Entry(RungEntry{id, value, false, failed});
  }
}

// ---- save / load -------------------------------------------------------------------

void PbtScheduler::SavePolicy(SavedState& state) const {
  using Ints = SavedState::Ints;
  using Doubles = SavedState::Doubles;
  state.Put("pbt/members", Ints(members_.begin(), members_.end()));
  state.Put("pbt/vacant", Ints(vacant_.begin(), vacant_.end()));
  Ints rng;
  for (std::uint64_t word : rng_.state()) rng.push_back(static_cast<std::int64_t>(word));
  state.Put("pbt/rng", std::move(rng));
  state.PutDouble("pbt/generation_point", generation_point_);
  Ints recipient, donor;
  Doubles step, donor_step, time, old_config, new_config;
  for (const ExploitRecord& e : exploits_) {
    recipient.push_back(e.recipient);
    donor.push_back(e.donor);
    step.push_back(e.step);
    donor_step.push_back(e.donor_step);
    time.push_back(e.time);
    old_config.insert(old_config.end(), e.old_config.values.begin(), e.old_config.values.end());
    new_config.insert(new_config.end(), e.new_config.values.begin(), e.new_config.values.end());
  }
  state.Put("pbt/exploit/recipient", std::move(recipient));
  state.Put("pbt/exploit/donor", std::move(donor));
  state.Put("pbt/exploit/step", std::move(step));
  state.Put("pbt/exploit/donor_step", std::move(donor_step));
  state.Put("pbt/exploit/time", std::move(time));
  state.Put("pbt/exploit/old_config", std::move(old_config));
  state.Put("pbt/exploit/new_config", std::move(new_config));
}

Status PbtScheduler::LoadPolicy(const SavedState& state) {
  const Status bad = Status::BadInput("scheduler state: inconsistent 'pbt' section");
  Result<SavedState::Ints> members = state.GetInts("pbt/members");
  Result<SavedState::Ints> vacant = state.GetInts("pbt/vacant");
  Result<SavedState::Ints> rng = state.GetInts("pbt/rng");
  Result<double> generation_point = state.GetDouble("pbt/generation_point");
  Result<SavedState::Ints> recipient = state.GetInts("pbt/exploit/recipient");
  Result<SavedState::Ints> donor = state.GetInts("pbt/exploit/donor");
  Result<SavedState::Doubles> step = state.GetDoubles("pbt/exploit/step");
  Result<SavedState::Doubles> donor_step = state.GetDoubles("pbt/exploit/donor_step");
  Result<SavedState::Doubles> time = state.GetDoubles("pbt/exploit/time");
  Result<SavedState::Doubles> old_config = state.GetDoubles("pbt/exploit/old_config");
  Result<SavedState::Doubles> new_config = state.GetDoubles("pbt/exploit/new_config");
  for (const Status* status :
       {&members.status(), &vacant.status(), &rng.status(), &generation_point.status(), &recipient.status(),
        &donor.status(), &step.status(), &donor_step.status(), &time.status(), &old_config.status(),
        &new_config.status()}) {
    if (!status->ok()) return *status;
  }
  const auto trials = static_cast<std::int64_t>(trial_count());
  const auto valid_id = [trials](std::int64_t id) { return id >= 0 && id < trials; };
  if (rng->size() != 4 || static_cast<std::int64_t>(members->size()) > population()) return bad;
  for (std::int64_t id : *members) {
    if (id != -1 && !valid_id(id)) return bad;
  }
  for (std::int64_t slot : *vacant) {
    if (slot < 0 || slot >= static_cast<std::int64_t>(members->size())) return bad;
  }
  const std::size_t n = recipient->size();
  const std::size_t dims = space_.size();
  if (donor->size() != n || step->size() != n || donor_step->size() != n || time->size() != n ||
      old_config->size() != n * dims || new_config->size() != n * dims) {
    return bad;
  }
  std::vector<ExploitRecord> exploits(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid_id((*recipient)[i]) || !valid_id((*donor)[i])) return bad;
    ExploitRecord& e = exploits[i];
    e.recipient = (*recipient)[i];
    e.donor = (*donor)[i];
    e.step = (*step)[i];
    e.donor_step = (*donor_step)[i];
    e.time = (*time)[i];
    const auto from = static_cast<std::ptrdiff_t>(i * dims);
    const auto to = static_cast<std::ptrdiff_t>((i + 1) * dims);
    e.old_config.values.assign(old_config->begin() + from, old_config->begin() + to);
    e.new_config.values.assign(new_config->begin() + from, new_config->begin() + to);
  }
  members_.assign(members->begin(), members->end());
  vacant_.assign(vacant->begin(), vacant->end());
  Rng::State words;
  for (std::size_t i = 0; i < 4; ++i) words[i] = static_cast<std::uint64_t>((*rng)[i]);
  rng_.set_state(words);
  generation_point_ = *generation_point;
  exploits_ = std::move(exploits);
  // Which members wait to be resumed, and which donors are lent, follow from the trial table.
  ready_.clear();
  lent_.assign(trial_count(), 0);
  standings_.assign(members_.size(), Standing{});
  for (TrialId id : members_) {
    if (id >= 0) Refresh(trial(id));
  }
  for (const TrialRecord& t : this->trials()) {
    if (t.state == TrialState::kPaused && !on_worker(t.id)) ready_.emplace(t.checkpoint_step, t.id);
    if (t.restore_from >= 0) ++lent_[static_cast<std::size_t>(t.restore_from)];
  }
  return Status::Ok();
}

}  // namespace mpitune
