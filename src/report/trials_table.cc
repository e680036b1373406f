#include "report/trials_table.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <optional>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "export/trial_facts.h"

namespace mpitune::report {
namespace {

using Json = nlohmann::ordered_json;

// A cell before it is written: null (no value), a number, an integer, a bool or text.
using Cell = std::variant<std::monostate, double, std::int64_t, bool, std::string>;

Cell CellOf(const ParamValue& value) {
  return std::visit([](const auto& v) -> Cell { return v; }, value);
}

Cell OptionalNumber(const std::optional<double>& value) { return value ? Cell(*value) : Cell(); }
Cell OptionalText(const std::string& text) { return text.empty() ? Cell() : Cell(text); }

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string CsvNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);  // shortest form that reads back exactly
}

std::string CsvCell(const Cell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(double v) const { return CsvNumber(v); }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return CsvField(v); }
  };
  return std::visit(Visitor{}, cell);
}

Json JsonCell(const Cell& cell) {
  struct Visitor {
    Json operator()(std::monostate) const { return nullptr; }
    Json operator()(double v) const { return std::isfinite(v) ? Json(v) : Json(nullptr); }
    Json operator()(std::int64_t v) const { return v; }
    Json operator()(bool v) const { return v; }
    Json operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, cell);
}

// Collects rows of cells under a fixed header and writes them in either format.
class TableWriter {
 public:
  TableWriter(TableFormat format, std::vector<std::string> columns) : format_(format), columns_(std::move(columns)) {
    if (format_ == TableFormat::kCsv) {
      for (std::size_t i = 0; i < columns_.size(); ++i) AddCsv(i, CsvField(columns_[i]));
      text_ += "\n";
    }
  }

  void Add(const std::vector<Cell>& row) {
    if (format_ == TableFormat::kCsv) {
      for (std::size_t i = 0; i < row.size(); ++i) AddCsv(i, CsvCell(row[i]));
    } else {
      Json object = Json::object();
      for (std::size_t i = 0; i < row.size(); ++i) object[columns_[i]] = JsonCell(row[i]);
      text_ += object.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    text_ += "\n";
  }

  std::string Take() { return std::move(text_); }

 private:
  // Appended piece by piece: `"," + field` trips GCC 12's -Wrestrict at -O3 (bug 105651).
  void AddCsv(std::size_t column, const std::string& field) {
    if (column > 0) text_ += ',';
    text_ += field;
  }

  TableFormat format_;
  std::vector<std::string> columns_;
  std::string text_;
};

Cell WallCell(const Study& study, double study_time) {
  const std::optional<double> wall = WallTimeOf(study, study_time);
  return wall ? OptionalText(IsoUtc(*wall)) : Cell();
}

// "1", "3", "0.5": a rung's budget as a column name's suffix.
std::string BudgetSuffix(double budget) { return fmt::format("{}", budget); }

}  // namespace

Result<TableFormat> ParseTableFormat(const std::string& name) {
  if (name == "csv") return TableFormat::kCsv;
  if (name == "jsonl") return TableFormat::kJsonLines;
  return Status::BadInput(fmt::format("--format: expected csv or jsonl, got '{}'", name));
}

std::string IsoUtc(double unix_seconds) {
  if (!std::isfinite(unix_seconds) || unix_seconds < 0 || unix_seconds > 253402300799.0) return {};
  const double whole = std::floor(unix_seconds);
  const auto seconds = static_cast<std::time_t>(whole);
  const int millis = std::min(999, static_cast<int>((unix_seconds - whole) * 1000.0));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string TrialsTable(const Study& study, TableFormat format) {
  std::vector<std::string> columns = {"trial", "state", "bracket", "rung", "value", "budget"};
  for (double budget : study.rung_budgets) columns.push_back("value_at_" + BudgetSuffix(budget));
  for (const char* column : {"last_step", "reports", "parent", "runs", "rank", "device", "exit_code", "duration",
                             "start_time", "end_time", "start_wall", "end_wall"}) {
    columns.emplace_back(column);
  }
  for (const ParamSpec& param : study.space.params()) columns.push_back("params_" + param.name);

  const std::vector<sql::TrialFacts> facts = sql::CollectTrialFacts(study);
  TableWriter table(format, columns);
  std::vector<Cell> row;
  for (const StudyTrial& trial : study.trials) {
    const sql::TrialFacts& fact = facts[static_cast<std::size_t>(trial.id)];
    const bool ended = IsTerminal(trial.state);
    row.clear();
    row.insert(row.end(), {std::int64_t{trial.id}, std::string(TrialStateName(trial.state)),
                           std::int64_t{trial.bracket}, std::int64_t{trial.rung}, OptionalNumber(trial.value),
                           trial.value ? Cell(trial.value_budget) : Cell()});
    for (std::size_t rung = 0; rung < study.rung_budgets.size(); ++rung) {
      row.push_back(rung < trial.rung_values.size() ? OptionalNumber(trial.rung_values[rung]) : Cell());
    }
    row.insert(row.end(),
               {trial.reports > 0 ? Cell(trial.last_step) : Cell(), std::int64_t{trial.reports},
                trial.parent >= 0 ? Cell(std::int64_t{trial.parent}) : Cell(), std::int64_t{fact.runs},
                fact.rank ? Cell(std::int64_t{*fact.rank}) : Cell(), fact.device ? Cell(*fact.device) : Cell(),
                fact.exit_code ? Cell(*fact.exit_code) : Cell(), fact.runs > 0 ? Cell(fact.duration) : Cell(),
                fact.runs > 0 ? Cell(trial.start_time) : Cell(), ended ? Cell(trial.end_time) : Cell(),
                fact.runs > 0 ? WallCell(study, trial.start_time) : Cell(),
                ended ? WallCell(study, trial.end_time) : Cell()});
    for (const ParamValue& value : trial.params) row.push_back(CellOf(value));
    table.Add(row);
  }
  return table.Take();
}

std::string ReportsTable(const Study& study, TableFormat format) {
  TableWriter table(format, {"trial", "step", "value", "time", "wall", "rank"});
  for (const ReportRecord& report : study.reports) {
    table.Add({std::int64_t{report.trial}, report.step, report.value, report.time, WallCell(study, report.time),
               std::int64_t{report.rank}});
  }
  return table.Take();
}

}  // namespace mpitune::report
