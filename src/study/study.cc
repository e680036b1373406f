#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/lineage.h"
#include "store/writer_probe.h"
#include "study/stored_config.h"
#include "study/study_builder.h"

namespace mpitune {

const char* StudyStateName(StudyState state) {
  switch (state) {
    case StudyState::kFinished: return "finished";
    case StudyState::kOpen: return "open";
    case StudyState::kStopped: return "stopped";
  }
  return "?";
}

std::int64_t Study::Count(TrialState wanted) const {
  return std::count_if(trials.begin(), trials.end(), [wanted](const StudyTrial& t) { return t.state == wanted; });
}

std::vector<const RunRecord*> Study::OpenRuns() const {
  std::vector<const RunRecord*> open;
  for (const RunRecord& run : runs) {
    if (!run.finished) open.push_back(&run);
  }
  std::sort(open.begin(), open.end(), [](const RunRecord* a, const RunRecord* b) { return a->trial < b->trial; });
  return open;
}

std::optional<double> WallTimeOf(const Study& study, double study_time) {
  if (study.sessions.empty()) return std::nullopt;
  const StudySession* session = &study.sessions.front();
  for (const StudySession& s : study.sessions) {
    if (s.study_time <= study_time) session = &s;
  }
  return session->wall_time + (study_time - session->study_time);
}

std::vector<ScheduleStep> LineageSchedule(const Study& study, TrialId trial) {
  std::vector<ScheduleStep> schedule;
  for (const LineagePoint& point : LineagePath(study.exploits, trial, study.trials.size())) {
    const std::vector<ParamValue>& params =
        point.exploit >= 0      ? study.exploits[static_cast<std::size_t>(point.exploit)].new_params
        : point.start_from >= 0 ? study.exploits[static_cast<std::size_t>(point.start_from)].old_params
                                : study.trials[static_cast<std::size_t>(point.trial)].params;
    schedule.push_back(ScheduleStep{point.step, point.trial, params});
  }
  return schedule;
}

Study BuildStudy(const StudyParts& parts) {
  const StudyDefinition& definition = *parts.definition;
  const Scheduler& scheduler = *parts.scheduler;
  Study study;
  study.path = parts.path;
  study.name = definition.name;
  study.metric = definition.metric;
  study.mode = definition.scheduler.mode;
  study.config_yaml = definition.config_yaml;
  study.time_budget = StoredTimeBudget(definition, parts.path);
  study.derived = definition.derived.value_or(std::vector<std::string>{});
  study.space = definition.space;
  study.scheduler = definition.scheduler;
  // PBT's "rungs" are its ready points, up to millions of them: a trial's value there
  // is its `value`, and no per-rung column is kept.
  study.rung_budgets = definition.scheduler.kind == SchedulerKind::kPbt ? std::vector<double>{}
                       : definition.scheduler.kind == SchedulerKind::kFifo
                           ? std::vector<double>{definition.scheduler.max_budget}
                           : RungBudgets(definition.scheduler.min_budget, definition.scheduler.max_budget,
                                         definition.scheduler.eta);
  study.state = parts.state;
  study.events = parts.events;
  study.torn_tail = parts.torn_tail;
  study.study_time = parts.study_time;

  const std::size_t rung_count = study.rung_budgets.size();
  study.trials.reserve(scheduler.trial_count());
  for (const TrialRecord& record : scheduler.trials()) {
    StudyTrial trial;
    trial.id = record.id;
    trial.state = record.state;
    trial.last_outcome = record.last_outcome;
    trial.bracket = record.bracket;
    trial.rung = record.rung;
    trial.target_budget = record.target_budget;
    trial.last_step = record.last_step;
    trial.last_value = record.reports > 0 ? record.last_value : NAN;
    trial.reports = record.reports;
    trial.parent = record.parent;
    trial.start_time = record.start_time;
    trial.end_time = record.end_time;
    trial.params.reserve(study.space.size());
    for (std::size_t i = 0; i < study.space.size(); ++i) trial.params.push_back(study.space.Value(record.config, i));
    trial.rung_values.assign(rung_count, std::nullopt);
    study.trials.push_back(std::move(trial));
  }

  const std::vector<RungSummary> rungs = scheduler.Rungs();
  for (const RungSummary& rung : rungs) {
    StudyRung view;
    view.bracket = rung.bracket;
    view.rung = rung.rung;
    view.budget = rung.budget;
    view.results = static_cast<std::int64_t>(rung.entries.size());
    double best_key = HUGE_VAL;
    for (const RungEntry& entry : rung.entries) {
      view.promoted += entry.promoted;
      if (entry.trial < 0 || static_cast<std::size_t>(entry.trial) >= study.trials.size()) continue;
      StudyTrial& trial = study.trials[static_cast<std::size_t>(entry.trial)];
      if (static_cast<std::size_t>(rung.rung) < rung_count) {
        trial.rung_values[static_cast<std::size_t>(rung.rung)] = entry.value;
      }
      if (!trial.value || rung.budget >= trial.value_budget) {
        trial.value = entry.value;
        trial.value_budget = rung.budget;
      }
      const double key = NormalisedKey(entry.value, study.mode);
      if (!entry.failed && std::isfinite(entry.value) &&
          (key < best_key || (key == best_key && entry.trial < *view.best))) {
        best_key = key;
        view.best = entry.trial;
        view.best_value = entry.value;
      }
    }
    study.rungs.push_back(view);
  }
  study.best = BestTrialOf(rungs, study.mode);
  const std::vector<ExploitRecord>& exploits = scheduler.Exploits();
  study.exploits.reserve(exploits.size());
  for (const ExploitRecord& record : exploits) {
    StudyExploit exploit;
    exploit.recipient = record.recipient;
    exploit.donor = record.donor;
    exploit.step = record.step;
    exploit.donor_step = record.donor_step;
    exploit.time = record.time;
    for (std::size_t i = 0; i < study.space.size(); ++i) {
      exploit.old_params.push_back(study.space.Value(record.old_config, i));
      exploit.new_params.push_back(study.space.Value(record.new_config, i));
    }
    study.exploits.push_back(std::move(exploit));
  }
  if (definition.scheduler.kind == SchedulerKind::kPbt && study.best) {
    study.best_schedule = LineageSchedule(study, *study.best);
  }
  if (parts.sessions != nullptr) study.sessions = *parts.sessions;
  if (parts.runs != nullptr) study.runs = *parts.runs;
  if (parts.reports != nullptr) {
    study.reports.assign(parts.reports->begin(), parts.reports->end());
    study.has_reports = true;
  }
  return study;
}

Study BuildStudy(const StoredStudy& stored, bool with_reports) {
  StudyParts parts;
  parts.path = stored.path;
  parts.definition = &stored.definition;
  parts.scheduler = stored.scheduler.get();
  parts.sessions = &stored.history.sessions;
  parts.runs = &stored.history.runs;
  parts.reports = with_reports ? &stored.history.reports : nullptr;
  const WriterProbe writer = ProbeWriter(stored.path);
  if (stored.history.done) {
    parts.state = StudyState::kFinished;
  } else {
    parts.state = writer.journal ? StudyState::kOpen : StudyState::kStopped;
  }
  parts.events = stored.last_sequence;
  parts.torn_tail = stored.torn_tail;
  parts.study_time = stored.history.last_time;
  Study study = BuildStudy(parts);
  study.writer_alive = writer.writer_alive;
  study.seconds_since_write = writer.seconds_since_write;
  return study;
}

Result<Study> ReadStudy(const std::string& path, bool with_reports) {
  if (::access(path.c_str(), F_OK) != 0) return Status::BadInput(path + ": no such study file");
  Result<StoredStudy> stored = ReadStudyFile(path, &LegacyDefinitionUpgrade());
  if (!stored.ok()) return stored.status();
  Study study = BuildStudy(*stored, with_reports);
  if (study.state == StudyState::kStopped && stored->journal_events > 0) {
    // Its writer may have ended (final snapshot, journal removed) after the read and
    // before the probe: what the file says now.
    stored = ReadStudyFile(path, &LegacyDefinitionUpgrade());
    if (!stored.ok()) return stored.status();
    study = BuildStudy(*stored, with_reports);
  }
  return study;
}

std::vector<const StudyTrial*> RankTrials(const Study& study) {
  std::vector<const StudyTrial*> ranked;
  ranked.reserve(study.trials.size());
  for (const StudyTrial& trial : study.trials) ranked.push_back(&trial);
  const auto failed = [](const StudyTrial* t) { return t->state == TrialState::kFailed || t->state == TrialState::kLost; };
  const auto has_value = [](const StudyTrial* t) { return t->value.has_value() && std::isfinite(*t->value); };
  // Lexicographic keys; each line below is one tier of the documented order.
  std::stable_sort(ranked.begin(), ranked.end(), [&](const StudyTrial* a, const StudyTrial* b) {
    const bool a_best = study.best && a->id == *study.best;
    const bool b_best = study.best && b->id == *study.best;
    if (a_best != b_best) return a_best;
    if (failed(a) != failed(b)) return !failed(a);
    if (has_value(a) != has_value(b)) return has_value(a);
    if (has_value(a)) {
      if (a->value_budget != b->value_budget) return a->value_budget > b->value_budget;
      const double a_key = NormalisedKey(*a->value, study.mode);
      const double b_key = NormalisedKey(*b->value, study.mode);
      if (a_key != b_key) return a_key < b_key;
    }
    return a->id < b->id;
  });
  return ranked;
}

}  // namespace mpitune
