#include "report/report_data.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "trial/params_json.h"

namespace mpitune::report {
namespace {

using Json = nlohmann::ordered_json;

// JSON has no NaN or Inf: such a value is null (the page draws it as a gap or "NaN").
Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }
Json Number(const std::optional<double>& value) { return value ? Number(*value) : Json(nullptr); }

bool Better(double a, double b, MetricMode mode) { return NormalisedKey(a, mode) < NormalisedKey(b, mode); }

bool IsFailure(TrialOutcome outcome) {
  return outcome == TrialOutcome::kFailed || outcome == TrialOutcome::kTimedOut || outcome == TrialOutcome::kLost;
}

// A series kept only where it changes (a running best is a step function), so a
// million reports make a few dozen points; `last_x` closes it at the end of the study.
class StepSeries {
 public:
  void Add(double x, double y) {
    if (!points_.empty() && points_.back()[1] == y) return;
    points_.push_back({x, y});
  }
  Json Close(double last_x) const {
    Json points = Json::array();
    for (const auto& [x, y] : points_) points.push_back({x, y});
    if (!points_.empty() && last_x > points_.back()[0]) points.push_back({last_x, points_.back()[1]});
    return points;
  }
  bool empty() const { return points_.empty(); }

 private:
  std::vector<std::array<double, 2>> points_;
};

// The best value so far, one line per rung budget: a report counts for a rung when
// its trial first reaches that budget (low budgets see another, biased, metric, so
// their values are not mixed with the top rung's). Studies without rungs (PBT) get
// one line over every report. Against study time and against the budget spent (the
// steps trained by all trials together).
Json BestSoFar(const Study& study) {
  const std::vector<double>& budgets = study.rung_budgets;
  const std::size_t lines = std::max<std::size_t>(budgets.size(), 1);
  std::vector<std::optional<double>> best(lines);
  std::vector<StepSeries> over_time(lines), over_budget(lines);
  std::vector<double> last_step(study.trials.size(), 0.0);
  std::vector<std::size_t> next_rung(study.trials.size(), 0);
  double spent = 0.0;
  for (const ReportRecord& report : study.reports) {
    if (report.trial < 0 || static_cast<std::size_t>(report.trial) >= study.trials.size()) continue;
    const auto t = static_cast<std::size_t>(report.trial);
    spent += std::max(0.0, report.step - last_step[t]);
    last_step[t] = report.step;
    const auto record = [&](std::size_t line) {
      if (!std::isfinite(report.value)) return;
      if (best[line] && !Better(report.value, *best[line], study.mode)) return;
      best[line] = report.value;
      over_time[line].Add(report.time, report.value);
      over_budget[line].Add(spent, report.value);
    };
    if (budgets.empty()) {
      record(0);
      continue;
    }
    // A trial starts at its bracket's first rung; a report at or past a budget is
    // the trial's value there.
    while (next_rung[t] < budgets.size() && report.step >= budgets[next_rung[t]] * (1 - 1e-9)) {
      record(next_rung[t]++);
    }
  }
  Json series = Json::array();
  for (std::size_t line = 0; line < lines; ++line) {
    if (over_time[line].empty()) continue;
    series.push_back({{"label", budgets.empty() ? std::string("any report") : fmt::format("budget {}", budgets[line])},
                      {"time", over_time[line].Close(study.study_time)},
                      {"budget", over_budget[line].Close(spent)}});
  }
  return {{"series", series}, {"budget_spent", spent}};
}

// Which trials are drawn one by one: the best first (so the good region is always
// shown), then trials spread evenly over the rest, so the picture is the study's.
std::vector<const StudyTrial*> SampleTrials(const std::vector<const StudyTrial*>& ranked, std::size_t limit) {
  if (ranked.size() <= limit) return ranked;
  const std::size_t top = limit / 4;
  std::vector<const StudyTrial*> chosen(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top));
  const std::size_t rest = ranked.size() - top;
  const std::size_t wanted = limit - top;
  for (std::size_t i = 0; i < wanted; ++i) chosen.push_back(ranked[top + i * rest / wanted]);
  return chosen;
}

// Went on past the first rung it was ranked at (promoted, or continued under the
// stopping variant); with one rung (FIFO, PBT) every trial trains to the end.
bool WentOn(const Study& study, const StudyTrial& trial) {
  if (study.rung_budgets.size() <= 1) return true;
  return std::count_if(trial.rung_values.begin(), trial.rung_values.end(),
                       [](const std::optional<double>& v) { return v.has_value(); }) > 1;
}

// The points of a curve worth drawing: all of a short one; of a long one (a trial
// that reports thousands of steps), about `limit` evenly spaced plus every rung
// budget and the last point, so rungs and the end stay exact.
std::vector<std::size_t> CurvePoints(const std::vector<double>& steps, const std::vector<double>& rung_budgets,
                                     std::size_t limit) {
  std::vector<std::size_t> kept;
  const std::size_t stride = steps.size() <= limit ? 1 : (steps.size() + limit - 1) / limit;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const bool at_rung = std::find(rung_budgets.begin(), rung_budgets.end(), steps[i]) != rung_budgets.end();
    if (i % stride == 0 || at_rung || i + 1 == steps.size()) kept.push_back(i);
  }
  return kept;
}

// Every report's step and value, per trial in the sample (long curves thinned), plus
// the median and the 10%/90% quantiles at each step over all trials (for the many
// not drawn; only where the steps are few enough to name, as budgets usually are).
Json Curves(const Study& study, const std::vector<const StudyTrial*>& sample) {
  constexpr std::size_t kPointsPerCurve = 200;
  constexpr std::size_t kBandSteps = 400;
  std::vector<int> drawn(study.trials.size(), -1);
  std::vector<std::vector<double>> steps(sample.size()), values(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) drawn[static_cast<std::size_t>(sample[i]->id)] = static_cast<int>(i);
  std::map<double, std::vector<double>> by_step;
  bool banded = true;
  for (const ReportRecord& report : study.reports) {
    if (report.trial < 0 || static_cast<std::size_t>(report.trial) >= drawn.size()) continue;
    if (const int slot = drawn[static_cast<std::size_t>(report.trial)]; slot >= 0) {
      steps[static_cast<std::size_t>(slot)].push_back(report.step);
      values[static_cast<std::size_t>(slot)].push_back(report.value);
    }
    if (!banded || !std::isfinite(report.value)) continue;
    if (by_step.size() < kBandSteps || by_step.contains(report.step)) {
      by_step[report.step].push_back(report.value);
    } else {
      banded = false;  // too many distinct steps to name
      by_step.clear();
    }
  }
  Json trials = Json::array();
  for (std::size_t i = 0; i < sample.size(); ++i) {
    Json kept_steps = Json::array(), kept_values = Json::array();
    for (std::size_t k : CurvePoints(steps[i], study.rung_budgets, kPointsPerCurve)) {
      kept_steps.push_back(steps[i][k]);
      kept_values.push_back(Number(values[i][k]));
    }
    trials.push_back({{"id", sample[i]->id},
                      {"state", TrialStateName(sample[i]->state)},
                      {"went_on", WentOn(study, *sample[i])},
                      {"bracket", sample[i]->bracket},
                      {"steps", kept_steps},
                      {"values", kept_values}});
  }
  Json band = Json::array();
  if (sample.size() < study.trials.size()) {
    for (auto& [step, at_step] : by_step) {
      std::sort(at_step.begin(), at_step.end());
      const auto at = [&at_step](double q) { return at_step[static_cast<std::size_t>(q * (at_step.size() - 1))]; };
      band.push_back({step, at(0.1), at(0.5), at(0.9), at_step.size()});
    }
  }
  return {{"trials", trials}, {"shown", sample.size()}, {"total", study.trials.size()}, {"band", band}};
}

Json ParamsMeta(const Study& study) {
  Json params = Json::array();
  for (const ParamSpec& param : study.space.params()) {
    Json entry = {{"name", param.name}, {"type", ParamTypeName(param.type)}, {"low", param.low}, {"high", param.high},
                  {"log", param.type == ParamType::kLogUniform || param.log}};
    Json choices = Json::array();
    for (const ParamValue& choice : param.choices) choices.push_back(FormatParamValue(choice));
    entry["choices"] = choices;
    params.push_back(std::move(entry));
  }
  return params;
}

// A parameter as a number to plot: choices by their index among the options.
Json PlotValue(const ParamSpec& param, const ParamValue& value) {
  if (param.type == ParamType::kChoice || param.type == ParamType::kConstant) {
    for (std::size_t i = 0; i < param.choices.size(); ++i) {
      if (param.choices[i] == value) return i;
    }
    return nullptr;
  }
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return *integer;
  if (const auto* real = std::get_if<double>(&value)) return Number(*real);
  return nullptr;
}

// Columns of the sampled trials: id, state, value, budget, one column per parameter.
Json TrialColumns(const Study& study, const std::vector<const StudyTrial*>& sample) {
  Json ids = Json::array(), states = Json::array(), values = Json::array(), budgets = Json::array();
  std::vector<Json> params(study.space.params().size(), Json::array());
  for (const StudyTrial* trial : sample) {
    ids.push_back(trial->id);
    states.push_back(TrialStateName(trial->state));
    values.push_back(Number(trial->value));
    budgets.push_back(trial->value ? Json(trial->value_budget) : Json(nullptr));
    for (std::size_t i = 0; i < params.size() && i < trial->params.size(); ++i) {
      params[i].push_back(PlotValue(study.space.params()[i], trial->params[i]));
    }
  }
  return {{"id", ids}, {"state", states}, {"value", values}, {"budget", budgets}, {"params", params},
          {"shown", sample.size()}, {"total", study.trials.size()}};
}

// Which rank ran which trial when. Up to `max_runs` runs, each one as a bar; beyond,
// how many workers were busy in each of 400 slices of the study. Utilisation: the
// time the ranks spent running trials over the time they were there (first hand-out
// to last end, times the ranks).
Json Timeline(const Study& study, std::size_t max_runs) {
  std::map<int, std::string> devices;
  std::map<int, double> busy;
  std::map<int, std::int64_t> counts;
  double first = study.study_time, last = 0.0;
  const auto end_of = [&study](const RunRecord& run) { return run.finished ? run.finished_at : study.study_time; };
  for (const RunRecord& run : study.runs) {
    devices[run.rank] = run.device;
    busy[run.rank] += std::max(0.0, end_of(run) - run.assigned_at);
    ++counts[run.rank];
    first = std::min(first, run.assigned_at);
    last = std::max(last, end_of(run));
  }
  const double span = std::max(0.0, last - first);
  Json ranks = Json::array();
  std::map<int, std::size_t> row;
  double busy_total = 0.0;
  for (const auto& [rank, device] : devices) {
    row[rank] = ranks.size();
    busy_total += busy[rank];
    ranks.push_back({{"rank", rank}, {"device", device}, {"runs", counts[rank]}, {"busy", busy[rank]},
                     {"utilisation", span > 0 ? Json(busy[rank] / span) : Json(nullptr)}});
  }
  Json out = {{"ranks", ranks}, {"start", first}, {"end", last}, {"runs", study.runs.size()}};
  out["utilisation"] = span > 0 && !devices.empty() ? Json(busy_total / (span * static_cast<double>(devices.size())))
                                                    : Json(nullptr);
  if (study.runs.size() <= max_runs) {
    Json bars = Json::array();  // [row, start, end, trial, outcome]
    for (const RunRecord& run : study.runs) {
      const char* outcome = !run.finished ? "running" : IsFailure(run.outcome) ? "failed" : "ok";
      bars.push_back({row[run.rank], run.assigned_at, end_of(run), run.trial, outcome});
    }
    out["bars"] = bars;
    return out;
  }
  constexpr std::size_t kSlices = 400;
  const double width = span > 0 ? span / kSlices : 1.0;
  std::vector<double> busy_in(kSlices, 0.0);
  for (const RunRecord& run : study.runs) {
    const double a = run.assigned_at - first, b = end_of(run) - first;
    for (auto i = static_cast<std::size_t>(std::max(0.0, a / width)); i < kSlices && i * width < b; ++i) {
      busy_in[i] += std::max(0.0, std::min(b, (i + 1) * width) - std::max(a, i * width)) / width;
    }
  }
  Json slices = Json::array();
  for (std::size_t i = 0; i < kSlices; ++i) slices.push_back({first + (i + 0.5) * width, busy_in[i]});
  out["busy_workers"] = slices;
  return out;
}

Json Brackets(const Study& study) {
  Json brackets = Json::array();
  for (const StudyRung& rung : study.rungs) {
    if (brackets.empty() || brackets.back()["bracket"] != rung.bracket) {
      brackets.push_back({{"bracket", rung.bracket}, {"rungs", Json::array()}});
    }
    brackets.back()["rungs"].push_back({{"rung", rung.rung}, {"budget", rung.budget}, {"results", rung.results},
                                        {"promoted", rung.promoted},
                                        {"best_trial", rung.best ? Json(*rung.best) : Json(nullptr)},
                                        {"best_value", rung.best ? Number(rung.best_value) : Json(nullptr)}});
  }
  return brackets;
}

// PBT: each trial's steps on its member's row (a member keeps its trial through
// exploits), each exploit as an edge from the donor's checkpoint to the recipient,
// and the best trial's schedule.
Json Population(const Study& study) {
  Json members = Json::array();  // [trial, member, from step, to step, value]
  for (const StudyTrial& trial : study.trials) {
    members.push_back({trial.id, trial.bracket, 0.0, trial.last_step, Number(trial.value)});
  }
  const auto member_of = [&study](TrialId id) {
    return id >= 0 && static_cast<std::size_t>(id) < study.trials.size() ? study.trials[static_cast<std::size_t>(id)].bracket
                                                                         : -1;
  };
  Json exploits = Json::array();  // [recipient, donor, step, donor step, recipient's member, donor's member]
  for (const StudyExploit& e : study.exploits) {
    exploits.push_back({e.recipient, e.donor, e.step, e.donor_step, member_of(e.recipient), member_of(e.donor)});
  }
  Json schedule = Json::array();
  for (const ScheduleStep& step : study.best_schedule) {
    schedule.push_back({{"step", step.step}, {"trial", step.trial}, {"params", ParamsJsonObject(study.space, step.params)}});
  }
  return {{"members", members}, {"exploits", exploits}, {"schedule", schedule}};
}

// Failed runs grouped by the first line of their message (the reason), most common
// first, and the latest ones in full.
Json Failures(const Study& study, std::size_t listed) {
  std::map<std::string, std::pair<std::int64_t, TrialId>> reasons;
  Json recent = Json::array();
  std::int64_t total = 0;
  for (auto it = study.runs.rbegin(); it != study.runs.rend(); ++it) {
    if (!it->finished || !IsFailure(it->outcome)) continue;
    ++total;
    std::string reason = it->message.substr(0, it->message.find('\n'));
    if (reason.size() > 200) reason = reason.substr(0, 200) + "...";
    if (reason.empty()) reason = TrialOutcomeName(it->outcome);
    auto& [count, example] = reasons[reason];
    ++count;
    example = it->trial;
    if (recent.size() < listed) {
      recent.push_back({{"trial", it->trial}, {"rank", it->rank}, {"outcome", TrialOutcomeName(it->outcome)},
                        {"exit_code", it->exit_code}, {"message", it->message}});
    }
  }
  std::vector<std::pair<std::string, std::pair<std::int64_t, TrialId>>> sorted(reasons.begin(), reasons.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  Json by_reason = Json::array();
  for (const auto& [reason, counted] : sorted) {
    by_reason.push_back({{"reason", reason}, {"runs", counted.first}, {"example_trial", counted.second}});
  }
  std::int64_t nan_values = 0;
  for (const StudyTrial& trial : study.trials) {
    if (trial.value && !std::isfinite(*trial.value)) ++nan_values;
  }
  return {{"failed_runs", total}, {"non_finite_values", nan_values}, {"by_reason", by_reason}, {"recent", recent}};
}

Json Summary(const Study& study) {
  Json out = {{"name", study.name},
              {"file", study.path},
              {"metric", study.metric},
              {"mode", MetricModeName(study.mode)},
              {"scheduler", SchedulerKindName(study.scheduler.kind)},
              {"state", StudyStateName(study.state)},
              {"writer_alive", study.writer_alive},
              {"events", study.events},
              {"trials", study.trials.size()},
              {"reports", study.reports.size()},
              {"runs", study.runs.size()},
              {"max_trials", study.scheduler.max_trials},
              {"min_budget", study.scheduler.min_budget},
              {"max_budget", study.scheduler.max_budget},
              {"eta", study.scheduler.eta},
              {"time_used", study.study_time},
              {"derived", study.derived},
              {"rung_budgets", study.rung_budgets},
              {"config_yaml", study.config_yaml}};
  const double budget = study.time_budget;
  out["time_budget"] = budget > 0 ? Json(budget) : Json(nullptr);
  const std::optional<double> started = WallTimeOf(study, 0.0);
  out["started_wall"] = started ? Json(*started) : Json(nullptr);
  std::map<std::string, std::int64_t> counts;
  for (const StudyTrial& trial : study.trials) ++counts[TrialStateName(trial.state)];
  out["counts"] = counts;
  if (const StudyTrial* best = study.best_trial()) {
    out["best"] = {{"trial", best->id}, {"value", Number(best->value)}, {"budget", best->value_budget},
                   {"params", ParamsJsonObject(study.space, best->params)}};
  } else {
    out["best"] = nullptr;
  }
  return out;
}

Json PlanJson(const ShownPlan& shown) {
  const TimePlan& plan = shown.plan;
  Json brackets = Json::array();
  for (const PlannedBracket& bracket : plan.brackets) {
    Json rungs = Json::array();
    for (const PlannedRung& rung : bracket.rungs) {
      rungs.push_back({{"budget", rung.budget}, {"trials", rung.trials}, {"subset", rung.subset}});
    }
    brackets.push_back({{"rungs", rungs}, {"units", bracket.units}});
  }
  return {{"workers", shown.workers},
          {"unit_seconds", shown.unit_seconds},
          {"usable_seconds", plan.usable_seconds},
          {"capacity_units", plan.capacity_units},
          {"max_trials", plan.scheduler.max_trials},
          {"min_budget", plan.scheduler.min_budget},
          {"max_budget", plan.scheduler.max_budget},
          {"eta", plan.scheduler.eta},
          {"derived", plan.derived},
          {"brackets", brackets},
          {"planned_trials", plan.planned_trials},
          {"expected_utilisation", plan.expected_utilisation},
          {"expected_finish", plan.expected_finish},
          {"warnings", plan.warnings}};
}

}  // namespace

Json ReportData(const Study& study, const ReportLimits& limits, const ShownPlan* plan) {
  const std::vector<const StudyTrial*> ranked = RankTrials(study);
  Json data;
  data["study"] = Summary(study);
  data["params"] = ParamsMeta(study);
  data["best_so_far"] = BestSoFar(study);
  data["curves"] = Curves(study, SampleTrials(ranked, limits.curves));
  data["parallel"] = TrialColumns(study, SampleTrials(ranked, limits.parallel));
  data["scatter"] = TrialColumns(study, SampleTrials(ranked, limits.scatter));
  data["timeline"] = Timeline(study, limits.timeline_runs);
  data["brackets"] = Brackets(study);
  if (study.scheduler.kind == SchedulerKind::kPbt) data["population"] = Population(study);
  data["failures"] = Failures(study, limits.failures_listed);
  data["plan"] = plan != nullptr ? PlanJson(*plan) : Json(nullptr);
  return data;
}

}  // namespace mpitune::report
