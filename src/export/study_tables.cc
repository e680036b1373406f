#include "export/study_tables.h"

#include <cmath>
#include <map>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "export/column_names.h"
#include "export/trial_facts.h"
#include "trial/params_json.h"

namespace mpitune::sql {
namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

Value Number(double value) { return std::isfinite(value) ? Value(value) : Value(); }
Value Number(const std::optional<double>& value) { return value ? Number(*value) : Value(); }
template <typename T>
Value Optional(const std::optional<T>& value) {
  if (!value) return Value();
  if constexpr (std::is_integral_v<T>) {
    return Value(static_cast<std::int64_t>(*value));
  } else {
    return Value(*value);
  }
}

Column Col(std::string name, ColumnType type, std::string comment) {
  return Column{std::move(name), type, std::move(comment)};
}

Column StudyColumn() { return Col("study", ColumnType::kString, "study name (study.name), part of every key"); }

// The column type a value of this kind fits.
ColumnType TypeOf(const ParamValue& value) {
  switch (value.index()) {
    case 0: return ColumnType::kBoolean;
    case 1: return ColumnType::kBigint;
    case 2: return ColumnType::kDouble;
    default: return ColumnType::kString;
  }
}

ColumnType Merged(ColumnType a, ColumnType b) {
  if (a == b) return a;
  const auto numeric = [](ColumnType t) { return t == ColumnType::kBigint || t == ColumnType::kDouble; };
  if (numeric(a) && numeric(b)) return ColumnType::kDouble;
  return ColumnType::kString;
}

ColumnType TypeOf(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform: return ColumnType::kDouble;
    case ParamType::kInt: return ColumnType::kBigint;
    case ParamType::kChoice:
    case ParamType::kConstant: break;
  }
  if (spec.choices.empty()) return ColumnType::kString;
  ColumnType type = TypeOf(spec.choices.front());
  for (const ParamValue& choice : spec.choices) type = Merged(type, TypeOf(choice));
  return type;
}

Value ParamCell(const ParamValue& value, ColumnType type) {
  switch (type) {
    case ColumnType::kBoolean:
      if (const auto* b = std::get_if<bool>(&value)) return *b;
      return Value();
    case ColumnType::kBigint:
      if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
      return Value();
    case ColumnType::kDouble:
      if (const auto* i = std::get_if<std::int64_t>(&value)) return Number(static_cast<double>(*i));
      if (const auto* d = std::get_if<double>(&value)) return Number(*d);
      return Value();
    case ColumnType::kString: return FormatParamValue(value);
    case ColumnType::kTimestamp: return Value();  // no hyperparameter is a time
  }
  return Value();
}

// Every hyperparameter name of the studies, in order of first appearance, with its
// column name and type.
struct HyperparameterColumn {
  std::string name;
  std::string column;
  ColumnType type = ColumnType::kString;
};

std::vector<HyperparameterColumn> HyperparameterColumnsOf(const std::vector<Study>& studies) {
  std::vector<HyperparameterColumn> columns;
  std::map<std::string, std::size_t> index;
  for (const Study& study : studies) {
    for (const ParamSpec& spec : study.space.params()) {
      const auto [it, added] = index.emplace(spec.name, columns.size());
      if (added) {
        columns.push_back({spec.name, "", TypeOf(spec)});
      } else {
        columns[it->second].type = Merged(columns[it->second].type, TypeOf(spec));
      }
    }
  }
  std::vector<std::string> names;
  for (const HyperparameterColumn& column : columns) names.push_back(column.name);
  const std::vector<std::string> safe = HyperparameterColumns(names);
  for (std::size_t i = 0; i < columns.size(); ++i) columns[i].column = safe[i];
  return columns;
}

// The keys the config takes for this scheduler, so PBT's are not hidden behind
// ASHA's variant and eta that it ignores.
Json SchedulerJson(const SchedulerOptions& options) {
  if (options.kind == SchedulerKind::kPbt) {
    const PbtOptions& pbt = options.pbt;
    return {{"type", SchedulerKindName(options.kind)},
            {"population", pbt.population},
            {"perturbation_interval", pbt.perturbation_interval},
            {"quantile", pbt.quantile},
            {"perturbation_factors", {pbt.factor_down, pbt.factor_up}},
            {"resample_probability", pbt.resample_probability},
            {"burn_in", pbt.burn_in},
            {"synchronous", pbt.synchronous},
            {"max_trials", options.max_trials},
            {"max_budget", options.max_budget},
            {"seed", options.seed}};
  }
  return {{"type", SchedulerKindName(options.kind)}, {"variant", AshaVariantName(options.variant)},
          {"max_trials", options.max_trials},        {"min_budget", options.min_budget},
          {"max_budget", options.max_budget},        {"eta", options.eta},
          {"grace", options.grace},                  {"seed", options.seed}};
}

// The wall-clock time of a study time; NULL for files that recorded no sessions.
Value WallTime(const Study& study, double study_time) {
  const std::optional<double> wall = WallTimeOf(study, study_time);
  return wall ? Value(Timestamp{*wall}) : Value();
}

}  // namespace

Table StudiesTable(const std::vector<Study>& studies, const std::string& prefix) {
  Table table;
  table.name = prefix + "studies";
  table.comment = "mpitune studies: one row per study";
  table.columns = {
      StudyColumn(),
      Col("file", ColumnType::kString, "the study file it was exported from"),
      Col("metric", ColumnType::kString, "the metric trials are ranked on"),
      Col("mode", ColumnType::kString, "min or max: which direction is better"),
      Col("scheduler", ColumnType::kString, "fifo, sha, asha or hyperband"),
      Col("scheduler_options", ColumnType::kString, "JSON: the scheduler's options"),
      Col("seed", ColumnType::kBigint, "the study's random seed"),
      Col("max_trials", ColumnType::kBigint, "configurations the study may start"),
      Col("rung_budgets", ColumnType::kString, "JSON array: the budget of each rung"),
      Col("state", ColumnType::kString, "finished, open or stopped"),
      Col("trials", ColumnType::kBigint, "trials started"),
      Col("completed", ColumnType::kBigint, "trials that reached the maximum budget"),
      Col("failed", ColumnType::kBigint, "trials that failed or were lost"),
      Col("reports", ColumnType::kBigint, "metric reports"),
      Col("study_seconds", ColumnType::kDouble, "the study's clock at its last record (seconds)"),
      Col("started_at", ColumnType::kTimestamp, "wall clock (UTC) when the study was created"),
      Col("last_record_at", ColumnType::kTimestamp, "wall clock (UTC) of its last record"),
      Col("best_trial", ColumnType::kBigint, "the best trial, as mpitune status and best show it"),
      Col("best_value", ColumnType::kDouble, "its value"),
      Col("best_budget", ColumnType::kDouble, "the budget of that value"),
      Col("best_params", ColumnType::kString, "JSON: its hyperparameters, by their names"),
      Col("hyperparameter_columns", ColumnType::kString,
          "JSON: hyperparameter name -> its column in the trials table"),
      Col("config_yaml", ColumnType::kString, "the study's configuration as it was run"),
  };
  const std::vector<HyperparameterColumn> hyper = HyperparameterColumnsOf(studies);
  for (const Study& study : studies) {
    Json rung_budgets = Json::array();
    for (const double budget : study.rung_budgets) rung_budgets.push_back(budget);
    Json columns = Json::object();
    for (const ParamSpec& spec : study.space.params()) {
      for (const HyperparameterColumn& h : hyper) {
        if (h.name == spec.name) columns[spec.name] = h.column;
      }
    }
    const StudyTrial* best = study.best_trial();
    table.rows.push_back({
        study.name,
        study.path,
        study.metric,
        MetricModeName(study.mode),
        SchedulerKindName(study.scheduler.kind),
        Dump(SchedulerJson(study.scheduler)),
        static_cast<std::int64_t>(study.scheduler.seed),
        study.scheduler.max_trials,
        Dump(rung_budgets),
        StudyStateName(study.state),
        static_cast<std::int64_t>(study.trials.size()),
        study.Count(TrialState::kCompleted),
        study.Count(TrialState::kFailed) + study.Count(TrialState::kLost),
        static_cast<std::int64_t>(study.reports.size()),
        Number(study.study_time),
        study.sessions.empty() ? Value() : Value(Timestamp{study.sessions.front().wall_time}),
        WallTime(study, study.study_time),
        best ? Value(best->id) : Value(),
        best ? Number(best->value) : Value(),
        best ? Number(best->value_budget) : Value(),
        best ? Value(Dump(ParamsJsonObject(study.space, best->params))) : Value(),
        Dump(columns),
        study.config_yaml,
    });
  }
  return table;
}

Table TrialsTable(const std::vector<Study>& studies, const std::string& prefix) {
  Table table;
  table.name = prefix + "trials";
  table.columns = {
      StudyColumn(),
      Col("trial", ColumnType::kBigint, "trial id within the study"),
      Col("state", ColumnType::kString, "pending, running, paused, completed, stopped, failed or lost"),
      Col("last_outcome", ColumnType::kString, "how its last run ended"),
      Col("position", ColumnType::kBigint, "its place in the study's ranking (1: the best trial)"),
      Col("is_best", ColumnType::kBoolean, "whether it is the study's best trial"),
      Col("value", ColumnType::kDouble, "the value it is ranked on: at the highest rung it has a result at"),
      Col("value_budget", ColumnType::kDouble, "the budget of that rung"),
      Col("best_reported", ColumnType::kDouble, "the best finite value it reported at any step"),
      Col("last_value", ColumnType::kDouble, "the value of its last report"),
      Col("budget_reached", ColumnType::kDouble, "the highest step it reported"),
      Col("target_budget", ColumnType::kDouble, "the budget of its current or last assignment"),
      Col("bracket", ColumnType::kBigint, "hyperband bracket"),
      Col("rung", ColumnType::kBigint, "the rung it runs towards or was last recorded at"),
      Col("rung_values", ColumnType::kString, "JSON array by rung: the value it was ranked on there, or null"),
      Col("reports", ColumnType::kBigint, "reports it made"),
      Col("parent", ColumnType::kBigint, "population-based training: the trial it last copied"),
      Col("runs", ColumnType::kBigint, "runs on workers (starts and resumes)"),
      Col("rank", ColumnType::kBigint, "the MPI rank of its last run"),
      Col("device", ColumnType::kString, "the device of its last run (CUDA_VISIBLE_DEVICES, or cpu)"),
      Col("exit_code", ColumnType::kBigint, "the exit code of its last finished run"),
      Col("duration_seconds", ColumnType::kDouble, "seconds its finished runs took, summed"),
      Col("start_seconds", ColumnType::kDouble, "study clock at its first assignment (seconds)"),
      Col("end_seconds", ColumnType::kDouble, "study clock when it ended; null while it has not"),
      Col("start_time", ColumnType::kTimestamp, "wall clock (UTC) at its first assignment"),
      Col("end_time", ColumnType::kTimestamp, "wall clock (UTC) when it ended; null while it has not"),
      Col("params", ColumnType::kString, "JSON: its hyperparameters by their original names"),
  };
  const std::vector<HyperparameterColumn> hyper = HyperparameterColumnsOf(studies);
  std::string mapping;
  for (const HyperparameterColumn& h : hyper) {
    table.columns.push_back(Col(h.column, h.type, "hyperparameter " + h.name));
    mapping += fmt::format("{}{}={}", mapping.empty() ? "" : ", ", h.column, h.name);
  }
  table.comment = "mpitune trials: one row per trial; hyperparameter columns: " + (mapping.empty() ? "none" : mapping);

  for (const Study& study : studies) {
    const std::vector<TrialFacts> facts = CollectTrialFacts(study);
    const std::vector<const StudyTrial*> ranked = RankTrials(study);
    std::vector<std::int64_t> position(study.trials.size(), 0);
    for (std::size_t i = 0; i < ranked.size(); ++i) position[static_cast<std::size_t>(ranked[i]->id)] = static_cast<std::int64_t>(i) + 1;
    // This study's parameter at each hyperparameter column, or none.
    std::vector<std::optional<std::size_t>> param_of(hyper.size());
    for (std::size_t c = 0; c < hyper.size(); ++c) param_of[c] = study.space.Find(hyper[c].name);

    for (const StudyTrial& trial : study.trials) {
      const std::size_t id = static_cast<std::size_t>(trial.id);
      const TrialFacts& f = facts[id];
      Json rung_values = Json::array();
      for (const std::optional<double>& value : trial.rung_values) {
        rung_values.push_back(value && std::isfinite(*value) ? Json(*value) : Json(nullptr));
      }
      std::vector<Value> row = {
          study.name,
          trial.id,
          TrialStateName(trial.state),
          f.runs > 0 ? Value(TrialOutcomeName(trial.last_outcome)) : Value(),
          position[id],
          study.best && *study.best == trial.id,
          Number(trial.value),
          trial.value ? Number(trial.value_budget) : Value(),
          Number(f.best_reported),
          trial.reports > 0 ? Number(trial.last_value) : Value(),
          Number(trial.last_step),
          Number(trial.target_budget),
          static_cast<std::int64_t>(trial.bracket),
          static_cast<std::int64_t>(trial.rung),
          Dump(rung_values),
          trial.reports,
          trial.parent >= 0 ? Value(trial.parent) : Value(),
          f.runs,
          Optional(f.rank),
          Optional(f.device),
          Optional(f.exit_code),
          Number(f.duration),
          Number(trial.start_time),
          IsTerminal(trial.state) ? Number(trial.end_time) : Value(),
          WallTime(study, trial.start_time),
          IsTerminal(trial.state) ? WallTime(study, trial.end_time) : Value(),
          Dump(ParamsJsonObject(study.space, trial.params)),
      };
      for (std::size_t c = 0; c < hyper.size(); ++c) {
        row.push_back(param_of[c] && *param_of[c] < trial.params.size()
                          ? ParamCell(trial.params[*param_of[c]], hyper[c].type)
                          : Value());
      }
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

Table ReportsTable(const std::vector<Study>& studies, const std::string& prefix) {
  Table table;
  table.name = prefix + "reports";
  table.comment = "mpitune reports: every metric report, in the order the scheduler saw them";
  table.columns = {
      StudyColumn(),
      Col("seq", ColumnType::kBigint, "its place in the study's order of reports (0-based)"),
      Col("trial", ColumnType::kBigint, "trial id"),
      Col("step", ColumnType::kDouble, "the step (budget) it was reported at"),
      Col("value", ColumnType::kDouble, "the metric; null when NaN or infinite"),
      Col("study_seconds", ColumnType::kDouble, "study clock when the scheduler saw it (seconds)"),
      Col("reported_at", ColumnType::kTimestamp, "wall clock (UTC) when the scheduler saw it"),
      Col("rank", ColumnType::kBigint, "the MPI rank of the run that made it"),
  };
  for (const Study& study : studies) {
    std::int64_t seq = 0;
    for (const ReportRecord& report : study.reports) {
      table.rows.push_back({study.name, seq++, report.trial, Number(report.step), Number(report.value),
                            Number(report.time), WallTime(study, report.time),
                            static_cast<std::int64_t>(report.rank)});
    }
  }
  return table;
}

Table ExploitsTable(const std::vector<Study>& studies, const std::string& prefix) {
  Table table;
  table.name = prefix + "exploits";
  table.comment = "mpitune exploits (population-based training): a trial copied another's checkpoint";
  table.columns = {
      StudyColumn(),
      Col("seq", ColumnType::kBigint, "its place in the study's order of exploits (0-based)"),
      Col("recipient", ColumnType::kBigint, "the trial that copied"),
      Col("donor", ColumnType::kBigint, "the trial it copied"),
      Col("step", ColumnType::kDouble, "the recipient's step when it exploited"),
      Col("donor_step", ColumnType::kDouble, "the step of the donor's checkpoint it continued from"),
      Col("study_seconds", ColumnType::kDouble, "study clock when it happened (seconds)"),
      Col("exploited_at", ColumnType::kTimestamp, "wall clock (UTC) when it happened"),
      Col("old_params", ColumnType::kString, "JSON: the recipient's hyperparameters before"),
      Col("new_params", ColumnType::kString, "JSON: its hyperparameters after explore"),
  };
  for (const Study& study : studies) {
    std::int64_t seq = 0;
    for (const StudyExploit& exploit : study.exploits) {
      table.rows.push_back({study.name, seq++, exploit.recipient, exploit.donor, Number(exploit.step),
                            Number(exploit.donor_step), Number(exploit.time), WallTime(study, exploit.time),
                            Dump(ParamsJsonObject(study.space, exploit.old_params)),
                            Dump(ParamsJsonObject(study.space, exploit.new_params))});
    }
  }
  return table;
}

}  // namespace mpitune::sql
