#include "mpitune/simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <utility>
#include <variant>
#include <vector>

namespace mpitune {
namespace {

// Relative slack when comparing report steps with the budget, so that e.g. ten
// reports of 0.1 land on a budget of 1.0 and not on 0.9999999 and then 1.0.
constexpr double kStepSlack = 1e-9;

// A worker's next report. `seq` breaks ties between equal times in the order the
// events were scheduled, so runs are reproducible.
struct Event {
  double time;
  std::uint64_t seq;
  std::int64_t worker;
};

struct LaterEvent {
  bool operator()(const Event& a, const Event& b) const {
    if (a.time != b.time) return a.time > b.time;
    return a.seq > b.seq;
  }
};

// What a busy worker is doing. The current segment runs at a constant cost from
// (base_time, base_step); report k of the segment is at step k * report_every.
struct WorkerSlot {
  TrialId trial = -1;
  double budget = 0.0;
  double base_time = 0.0;
  double base_step = 0.0;
  double cost = 1.0;
  double busy_since = 0.0;
  std::int64_t next_k = 0;
  double next_step = 0.0;
  std::unique_ptr<ObjectiveSession> session;
};

class Simulation {
 public:
  Simulation(Scheduler& scheduler, const Objective& objective, const SimulationOptions& options)
      : scheduler_(scheduler), objective_(objective), options_(options),
        slots_(static_cast<std::size_t>(options.workers)) {
    std::vector<Event> storage;
    storage.reserve(slots_.size());
    events_ = EventQueue(LaterEvent(), std::move(storage));
    std::vector<std::int64_t> idle_storage;
    idle_storage.reserve(slots_.size());
    idle_ = IdleQueue(std::greater<>(), std::move(idle_storage));
  }

  SimulationResult Run() {
    for (std::int64_t w = 0; w < options_.workers; ++w) idle_.push(w);
    active_workers_ = options_.workers;
    HandOutWork();
    while (active_workers_ > 0 && !events_.empty()) {
      const Event event = events_.top();
      if (options_.time_limit > 0.0 && event.time > options_.time_limit) {
        InterruptAll(options_.time_limit);
        break;
      }
      events_.pop();
      now_ = event.time;
      HandleReport(event.worker);
    }
    return Summarise();
  }

 private:
  using EventQueue = std::priority_queue<Event, std::vector<Event>, LaterEvent>;
  // Idle workers, lowest index first, so who gets work is deterministic.
  using IdleQueue =
      std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>>;

  // Offers work to idle workers until the scheduler has nothing more to hand out.
  void HandOutWork() {
    while (!idle_.empty()) {
      const std::int64_t worker = idle_.top();
      NextAction action = scheduler_.Next(now_);
      if (std::holds_alternative<Wait>(action)) return;
      idle_.pop();
      if (std::holds_alternative<Done>(action)) {
        --active_workers_;
        continue;
      }
      StartTrial(worker, std::get<Assignment>(std::move(action)));
    }
  }

  void StartTrial(std::int64_t worker, Assignment assignment) {
    ++result_.events;
    CountIfNew(assignment.trial);
    WorkerSlot& slot = Slot(worker);
    slot.trial = assignment.trial;
    slot.budget = assignment.budget;
    slot.busy_since = now_;
    BeginSegment(slot, assignment.config, now_ + options_.assign_latency, assignment.resume_step);
    ScheduleNextReport(worker);
  }

  // Resumed trials come back with the same id; only first assignments count.
  void CountIfNew(TrialId trial) {
    if (trial < 0) return;
    const auto index = static_cast<std::size_t>(trial);
    if (index >= started_.size()) started_.resize(std::max(index + 1, 2 * started_.size()), 0);
    if (started_[index] == 0) {
      started_[index] = 1;
      ++result_.trials_started;
    }
  }

  // (Re)starts the objective from `step` at `time`: on assignment, and when an
  // Exploit decision swaps the config under a running trial.
  void BeginSegment(WorkerSlot& slot, const Config& config, double time, double step) {
    slot.session = objective_.Start(config, slot.trial, step);
    slot.cost = objective_.CostPerBudget(config);
    slot.base_time = time;
    slot.base_step = step;
    slot.next_k = FirstReportIndex(step);
  }

  // The index k of the first report step k * report_every strictly above `step`.
  std::int64_t FirstReportIndex(double step) const {
    if (!(options_.report_every > 0.0)) return 0;
    const double k = std::floor(step / options_.report_every * (1.0 + kStepSlack) + kStepSlack);
    return static_cast<std::int64_t>(k) + 1;
  }

  // Queues the worker's next report: the next multiple of report_every, capped at
  // (and snapped to) the budget, which is always the last report.
  void ScheduleNextReport(std::int64_t worker) {
    WorkerSlot& slot = Slot(worker);
    double step = slot.budget;
    if (options_.report_every > 0.0) {
      const double candidate = static_cast<double>(slot.next_k) * options_.report_every;
      if (candidate < slot.budget * (1.0 - kStepSlack)) step = candidate;
    }
    ++slot.next_k;
    slot.next_step = step;
    const double time = slot.base_time + slot.cost * std::max(0.0, step - slot.base_step);
    events_.push(Event{time, next_seq_++, worker});
  }

  void HandleReport(std::int64_t worker) {
    WorkerSlot& slot = Slot(worker);
    const double step = slot.next_step;
    const double value = slot.session->Advance(step);
    ++result_.events;
    Decision decision = scheduler_.Report(slot.trial, step, value, now_);
    const bool at_budget = step >= slot.budget;
    switch (decision.kind) {
      case DecisionKind::kExploit:
        // The donor's checkpoint is as good as ours for stateless objectives; only
        // the config (and so the curve and cost) changes from here on.
        if (!at_budget) BeginSegment(slot, decision.new_config, now_, step);
        [[fallthrough]];
      case DecisionKind::kContinue:
        if (!at_budget) {
          ScheduleNextReport(worker);
          return;
        }
        break;
      case DecisionKind::kStop:
      case DecisionKind::kPause:
        break;
    }
    FinishTrial(worker);
  }

  void FinishTrial(std::int64_t worker) {
    WorkerSlot& slot = Slot(worker);
    // The assignment latency counts as busy: the worker holds the trial meanwhile.
    result_.busy_time += now_ - slot.busy_since;
    slot.session.reset();
    ++result_.events;
    scheduler_.Finished(slot.trial, TrialOutcome::kExited, now_);
    slot.trial = -1;
    idle_.push(worker);
    HandOutWork();
  }

  // The time limit struck: every running trial is cut off where it stands.
  void InterruptAll(double limit) {
    now_ = limit;
    result_.hit_time_limit = true;
    for (WorkerSlot& slot : slots_) {
      if (slot.trial < 0) continue;
      result_.busy_time += limit - slot.busy_since;
      slot.session.reset();
      scheduler_.Finished(slot.trial, TrialOutcome::kInterrupted, limit);
      slot.trial = -1;
    }
  }

  SimulationResult Summarise() {
    result_.makespan = now_;
    const double capacity = static_cast<double>(options_.workers) * result_.makespan;
    result_.utilisation = capacity > 0.0 ? result_.busy_time / capacity : 0.0;
    result_.best_trial = scheduler_.BestTrial();
    if (result_.best_trial) {
      if (const TrialRecord* record = FindRecord(*result_.best_trial)) {
        // The best trial is judged at its highest budget, which is its last report.
        result_.best_value = record->last_value;
      }
    }
    return std::move(result_);
  }

  const TrialRecord* FindRecord(TrialId id) const {
    const TrialTable& records = scheduler_.trials();
    if (id >= 0 && static_cast<std::size_t>(id) < records.size() &&
        records[static_cast<std::size_t>(id)].id == id) {
      return &records[static_cast<std::size_t>(id)];
    }
    const auto it = std::find_if(records.begin(), records.end(),
                                 [id](const TrialRecord& record) { return record.id == id; });
    return it == records.end() ? nullptr : &*it;
  }

  WorkerSlot& Slot(std::int64_t worker) { return slots_[static_cast<std::size_t>(worker)]; }

  Scheduler& scheduler_;
  const Objective& objective_;
  const SimulationOptions& options_;
  std::vector<WorkerSlot> slots_;
  std::vector<std::uint8_t> started_;  // indexed by trial id
  EventQueue events_;
  IdleQueue idle_;
  std::int64_t active_workers_ = 0;
  std::uint64_t next_seq_ = 0;
  double now_ = 0.0;
  SimulationResult result_;
};

}  // namespace

SimulationResult Simulate(Scheduler& scheduler, const Objective& objective,
                          const SimulationOptions& options) {
  if (options.workers <= 0) return SimulationResult{};
  Simulation simulation(scheduler, objective, options);
  return simulation.Run();
}

}  // namespace mpitune
