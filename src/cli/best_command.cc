// `mpitune best STUDY.h5 [--format yaml|json|easyrec|env] [--top K] [--schedule]`:
// the best configuration of a study (the trial `status` names best; RankTrials for
// the next ones), its value and budget, each parameter in its own type.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli/cli_errors.h"
#include "cli/commands.h"
#include "cli/pbt_view.h"
#include "mpitune/study.h"
#include "trial/command_trial.h"
#include "trial/easyrec_param.h"
#include "trial/params_json.h"

namespace mpitune::cli {
namespace {

using Json = nlohmann::ordered_json;

Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

// The schedule `status` prints, in the same form; none outside PBT.
Json BestScheduleJson(const Study& study, TrialId trial) {
  if (study.scheduler.kind != SchedulerKind::kPbt) return Json::array();
  return ScheduleJson(study, LineageSchedule(study, trial));
}

Json TrialJson(const Study& study, const StudyTrial& trial, std::size_t position, bool schedule) {
  Json out;
  out["study"] = study.name;
  out["metric"] = study.metric;
  out["mode"] = MetricModeName(study.mode);
  out["position"] = position;
  out["trial"] = trial.id;
  out["value"] = trial.value ? Number(*trial.value) : Json(nullptr);
  out["budget"] = trial.value ? Json(trial.value_budget) : Json(nullptr);
  out["state"] = TrialStateName(trial.state);
  out["params"] = ParamsJsonObject(study.space, trial.params);
  if (schedule) out["schedule"] = BestScheduleJson(study, trial.id);
  return out;
}

// A float that reads back as a float in YAML 1.1 too (PyYAML wants a '.': 27.0,
// 1.0e-05); JSON has no NaN or Inf, so none comes here.
std::string YamlFloat(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find('.') != std::string::npos) return text;
  const std::size_t exponent = text.find('e');
  if (exponent == std::string::npos) return text + ".0";
  return text.insert(exponent, ".0");
}

// JSON into YAML, keeping each scalar's type: strings that look like numbers or
// bools are quoted by the emitter's own rules only when they are strings.
void EmitYaml(YAML::Emitter& out, const Json& json) {
  switch (json.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : json.items()) {
        out << YAML::Key << key << YAML::Value;
        EmitYaml(out, value);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const Json& value : json) EmitYaml(out, value);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const std::string text = json.get<std::string>();
      // A string YAML would read back as another type keeps its quotes.
      const YAML::Node probe = YAML::Load(text.empty() ? "''" : text);
      bool plain = probe.IsScalar() && probe.Tag() == "?";
      if (plain) {
        bool as_bool = false;
        double as_double = 0.0;
        plain = !YAML::convert<bool>::decode(probe, as_bool) && !YAML::convert<double>::decode(probe, as_double) &&
                text != "null" && text != "~";
      }
      out << (plain ? YAML::Auto : YAML::DoubleQuoted) << text;
      break;
    }
    case Json::value_t::boolean: out << json.get<bool>(); break;
    case Json::value_t::number_integer: out << json.get<std::int64_t>(); break;
    case Json::value_t::number_unsigned: out << json.get<std::uint64_t>(); break;
    case Json::value_t::number_float: out << YamlFloat(json.get<double>()); break;
    default: out << YAML::Null; break;
  }
}

std::string Yaml(const Json& json) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  EmitYaml(out, json);
  return std::string(out.c_str()) + "\n";
}

std::string Dump(const Json& json, int indent) { return json.dump(indent, ' ', false, Json::error_handler_t::replace); }

std::string EnvLines(const Study& study, const StudyTrial& trial) {
  std::string out = fmt::format("export MPITUNE_BEST_TRIAL={}\n", trial.id);
  out += fmt::format("export MPITUNE_BEST_VALUE={}\n",
                     ShellQuote(trial.value ? FormatParamValue(*trial.value) : std::string()));
  out += fmt::format("export MPITUNE_BEST_BUDGET={}\n",
                     ShellQuote(trial.value ? FormatParamValue(trial.value_budget) : std::string()));
  for (std::size_t i = 0; i < study.space.size() && i < trial.params.size(); ++i) {
    out += fmt::format("export {}={}\n", ParamVariable(study.space, i), ShellQuote(FormatParamValue(trial.params[i])));
  }
  return out;
}

}  // namespace

CLI::App* AddBestCommand(CLI::App& app, BestCommandOptions& options) {
  CLI::App* command = app.add_subcommand("best", "Print a study's best configuration, its value and budget");
  command->add_option("FILE", options.path, "Study file (HDF5)")->required()->type_name("PATH");
  command->add_option("--format", options.format, "yaml, json, easyrec (EasyRec's hpo_param JSON) or env (shell)")
      ->check(CLI::IsMember({"yaml", "json", "easyrec", "env"}))
      ->type_name("FORMAT");
  command->add_option("--top", options.top, "The K best trials, best first (yaml, json)")
      ->check(CLI::PositiveNumber)
      ->type_name("K");
  command->add_flag("--schedule", options.schedule,
                    "Population-based training: the hyperparameter schedule behind the model (yaml, json)");
  return command;
}

int RunBestCommand(const BestCommandOptions& options) {
  const bool structured = options.format == "yaml" || options.format == "json";
  if (!structured && (options.top != 1 || options.schedule)) {
    return ReportError(Status::BadInput(
        fmt::format("--format {}: prints one configuration; --top and --schedule go with yaml or json", options.format)));
  }
  Result<Study> study = ReadStudy(options.path, /*with_reports=*/false);
  if (!study.ok()) return ReportError(study.status());
  const StudyTrial* best = study->best_trial();
  if (best == nullptr) {
    return ReportError(Status::BadInput(fmt::format(
        "{}: no best trial yet: no trial has a finite value ({} trials)", options.path, study->trials.size())));
  }
  if (options.format == "easyrec") {
    // EasyRec's hpo_param file: {"param": {"name": value}} with the original names.
    fmt::print("{}", EasyRecParamText(study->space, best->params));
    return kExitOk;
  }
  if (options.format == "env") {
    fmt::print("{}", EnvLines(*study, *best));
    return kExitOk;
  }
  if (options.schedule && study->scheduler.kind != SchedulerKind::kPbt) {
    fmt::print(stderr, "mpitune: {}: no schedule: the study is not population-based training\n",
               options.path);
  }
  Json out;
  if (options.top == 1) {
    out = TrialJson(*study, *best, 1, options.schedule);
  } else {
    out = Json::array();
    const std::vector<const StudyTrial*> ranked = RankTrials(*study);
    const std::size_t count = std::min(ranked.size(), static_cast<std::size_t>(options.top));
    for (std::size_t i = 0; i < count; ++i) out.push_back(TrialJson(*study, *ranked[i], i + 1, options.schedule));
  }
  fmt::print("{}", options.format == "json" ? Dump(out, 2) + "\n" : Yaml(out));
  return kExitOk;
}

}  // namespace mpitune::cli
