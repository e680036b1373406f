#include "sim/simulator.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "runtime/coordinator/dispatcher.h"
#include "runtime/worker/objective_run.h"

namespace mpitune {
namespace {

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

// What a busy virtual worker is doing. The run's current segment costs `cost` virtual
// seconds per budget unit from (base_time, base_step).
struct WorkerSlot {
  ObjectiveRun run;
  std::uint32_t segment = 0;
  double base_time = 0.0;
  double base_step = 0.0;
  double cost = 1.0;
  double busy_since = 0.0;
};

// Virtual workers in virtual time around the runtime's own Dispatcher: the same
// hand-outs, answers, checkpoints and ends as a real study, with the time a step
// takes taken from the objective's cost model instead of a clock.
class Simulation {
 public:
  Simulation(Scheduler& scheduler, const Objective& objective, const SimulationOptions& options)
      : objective_(objective), options_(options),
        // No fail fast: virtual runs are never interrupted, and built-in objectives fail
        // only on a bug, which the simulator reports as such.
        dispatcher_(scheduler, static_cast<int>(options.workers),
                    DispatcherOptions{0.0, nullptr, false, false, 0, options.deadline}),
        slots_(static_cast<std::size_t>(options.workers)) {
    std::vector<Event> storage;
    storage.reserve(slots_.size());
    events_ = EventQueue(LaterEvent(), std::move(storage));
  }

  SimulationResult Run() {
    for (std::int64_t w = 0; w < options_.workers; ++w) dispatcher_.Join(static_cast<int>(w), 0, "virtual", 0.0);
    HandOutWork();
    const DeadlinePolicy& deadline = dispatcher_.deadline();
    while (!events_.empty()) {
      const Event event = events_.top();
      if (options_.time_limit > 0.0 && event.time > options_.time_limit) {
        InterruptAll(options_.time_limit);
        break;
      }
      // Nothing need happen at the stop time, so the simulation goes there itself,
      // as the coordinator's loop does on the clock.
      if (deadline.enabled() && !dispatcher_.stopping() && event.time >= deadline.stop_at()) {
        now_ = std::max(now_, deadline.stop_at());
        dispatcher_.CheckDeadline(now_);
        StopForDeadline();
        break;
      }
      events_.pop();
      now_ = event.time;
      HandleReport(event.worker);
      if (dispatcher_.stopping()) {
        StopForDeadline();
        break;
      }
    }
    result_.deadline_reached = dispatcher_.summary().deadline_reached;
    return Summarise(dispatcher_);
  }

 private:
  using EventQueue = std::priority_queue<Event, std::vector<Event>, LaterEvent>;

  void HandOutWork() {
    const Status status = dispatcher_.HandOut(
        now_, [this](int worker, const Assignment& assignment, const std::vector<std::uint8_t>& restore) {
          StartTrial(worker, assignment, restore);
          return Status::Ok();
        });
    // A scheduler that waits with nothing running ends the simulation: no event is left.
    (void)status;
  }

  void StartTrial(int worker, const Assignment& assignment, const std::vector<std::uint8_t>& restore) {
    ++result_.events;
    WorkerSlot& slot = Slot(worker);
    slot.busy_since = now_;
    slot.segment = 0;
    if (Status started = slot.run.Start(objective_, assignment, restore, options_.report_every); !started.ok()) {
      Finish(worker, assignment.trial, RunEnd{TrialOutcome::kFailed, 1, 0.0, started.message(), 0.0, {}, {}});
      return;
    }
    BeginSegment(slot, assignment.config, now_ + options_.assign_latency);
    ScheduleNextReport(worker);
  }

  // `config` (and with it the cost per unit) holds from here on.
  void BeginSegment(WorkerSlot& slot, const Config& config, double time) {
    slot.cost = objective_.CostPerBudget(config);
    slot.base_time = time;
    slot.base_step = slot.run.step();
  }

  void ScheduleNextReport(std::int64_t worker) {
    WorkerSlot& slot = Slot(worker);
    const double step = slot.run.NextStep().value_or(slot.run.budget());
    const double time = slot.base_time + slot.cost * std::max(0.0, step - slot.base_step);
    events_.push(Event{time, next_seq_++, worker});
  }

  void HandleReport(std::int64_t worker) {
    WorkerSlot& slot = Slot(worker);
    ObjectiveRun& run = slot.run;
    const MetricPoint point = run.Advance();
    ++result_.events;
    const double step = point.step;
    const double value = point.value;
    std::optional<ReportAnswer> answer = dispatcher_.Report(static_cast<int>(worker), run.trial(), slot.segment,
                                                            std::span<const double>(&step, 1),
                                                            std::span<const double>(&value, 1), now_);
    const DecisionKind kind = answer ? answer->decision.kind : DecisionKind::kStop;
    switch (kind) {
      case DecisionKind::kContinue:
        if (run.NextStep()) {
          ScheduleNextReport(worker);
          return;
        }
        Finish(worker, run.trial(), RunEnd{});
        return;
      case DecisionKind::kExploit: {
        ++slot.segment;
        ExploitSource source{answer->decision.donor, answer->decision.new_config, answer->restore_step, {}};
        if (answer->restore_state != nullptr) source.state = *answer->restore_state;
        if (Status status = run.Exploit(source); !status.ok()) {
          Finish(worker, run.trial(), RunEnd{TrialOutcome::kFailed, 1, 0.0, status.message(), 0.0, {}, {}});
          return;
        }
        BeginSegment(slot, source.config, now_);
        if (run.NextStep()) {
          ScheduleNextReport(worker);
        } else {
          Finish(worker, run.trial(), RunEnd{});
        }
        return;
      }
      case DecisionKind::kPause: {
        RunEnd end;
        if (Result<std::vector<std::uint8_t>> state = run.Checkpoint(); state.ok()) {
          end.checkpoint_step = run.step();
          end.checkpoint = std::move(*state);
        }
        Finish(worker, run.trial(), std::move(end));
        return;
      }
      case DecisionKind::kStop:
        Finish(worker, run.trial(), RunEnd{});
        return;
    }
  }

  void Finish(std::int64_t worker, TrialId trial, RunEnd end) {
    WorkerSlot& slot = Slot(worker);
    // The assignment latency counts as busy: the worker holds the trial meanwhile.
    result_.busy_time += now_ - slot.busy_since;
    ++result_.events;
    slot.run.Reset();
    end.duration = now_ - slot.busy_since;
    dispatcher_.Finished(static_cast<int>(worker), trial, std::move(end), now_);
    HandOutWork();
  }

  // The dispatcher stopped the study: each running trial gets its stop and ends
  // stop_latency later (busy until then), interrupted, as a worker answers a Stop.
  void StopForDeadline() {
    const double stopped_at = now_;
    bool any = false;
    for (const auto& [worker, trial] : dispatcher_.TakeRunsToInterrupt()) {
      WorkerSlot& slot = Slot(worker);
      if (!slot.run.active()) continue;
      any = true;
      now_ = stopped_at + options_.stop_latency;
      result_.busy_time += now_ - slot.busy_since;
      ++result_.events;
      slot.run.Reset();
      dispatcher_.Finished(worker, trial, RunEnd{TrialOutcome::kInterrupted, 0, 0.0, "", 0.0, {}, {}}, now_);
    }
    if (!any) now_ = stopped_at;
  }

  // The time limit struck: every running trial is cut off where it stands.
  void InterruptAll(double limit) {
    now_ = limit;
    result_.hit_time_limit = true;
    for (std::size_t worker = 0; worker < slots_.size(); ++worker) {
      WorkerSlot& slot = slots_[worker];
      if (!slot.run.active()) continue;
      result_.busy_time += limit - slot.busy_since;
      const TrialId trial = slot.run.trial();
      slot.run.Reset();
      dispatcher_.Finished(static_cast<int>(worker), trial, RunEnd{TrialOutcome::kInterrupted, 0, 0.0, "", 0.0, {}, {}},
                           limit);
    }
  }

  SimulationResult Summarise(const Dispatcher& dispatcher) {
    result_.trials_started = dispatcher.summary().trials_started;
    result_.replans = static_cast<std::int64_t>(dispatcher.summary().replans.size());
    result_.makespan = now_;
    const double capacity = static_cast<double>(options_.workers) * result_.makespan;
    result_.utilisation = capacity > 0.0 ? result_.busy_time / capacity : 0.0;
    return std::move(result_);
  }

  WorkerSlot& Slot(std::int64_t worker) { return slots_[static_cast<std::size_t>(worker)]; }

  const Objective& objective_;
  const SimulationOptions& options_;
  Dispatcher dispatcher_;
  std::vector<WorkerSlot> slots_;
  EventQueue events_;
  std::uint64_t next_seq_ = 0;
  double now_ = 0.0;
  SimulationResult result_;
};

}  // namespace

SimulationResult Simulate(Scheduler& scheduler, const Objective& objective, const SimulationOptions& options) {
  if (options.workers <= 0) return SimulationResult{};
  Simulation simulation(scheduler, objective, options);
  SimulationResult result = simulation.Run();
  BestTrialFinder best(scheduler.options().mode);
  scheduler.VisitRungs(best);
  result.best_trial = best.best();
  if (result.best_trial) result.best_value = best.best_value();
  result.exploits = static_cast<std::int64_t>(scheduler.Exploits().size());
  return result;
}

}  // namespace mpitune
