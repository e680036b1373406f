// Loads a study's YAML configuration into StudyConfig.
//
// The file format, every key with its default (null or an absent key means "use the
// default"; unknown keys are errors at every level):
//
//   study:
//     name: branin-asha      # required; letters, digits, '_', '.', '-'
//     metric: loss           # name of the reported metric, default "loss"
//     mode: min              # min | max, default min
//     seed: 42               # non-negative integer, default 0
//     storage: branin.h5     # results file, default "<name>.h5"
//     time_budget: 2h        # wall-clock budget of the whole study (every session):
//                            # seconds, or 90s, 45m, 2h, 1h30m, 1d; default none
//     expected_time_ratio: 4 # or: the budget as a multiple (> 0) of one full training
//                            # (scheduler.max_budget units, which it then needs)
//   space:                   # required, a non-empty mapping; order is kept
//     x1: {type: uniform, low: -5, high: 10}
//     lr: {type: loguniform, low: 1.0e-5, high: 1.0e-1}   # low > 0
//     layers: {type: int, low: 1, high: 8}                 # integer bounds, inclusive
//     units: {type: int, low: 16, high: 1024, log: true}   # log: default false
//     opt: {type: choice, values: [sgd, adam]}
//     bs: {type: constant, value: 64}
//     act: [relu, tanh]      # shorthand: a sequence is a choice
//     epochs: 10             # shorthand: a scalar is a constant
//     # Choice and constant values are strings, numbers or bools: plain true/false
//     # -> bool, integers -> int64, other numbers -> double, anything else (quoted
//     # scalars included) -> string.
//   space_from: hyperparams.json
//                            # EasyRec's hyperparams.json or an NNI search_space.json
//                            # (easyrec_space.h), relative to this file; its parameters
//                            # come first, then those of space: (optional then). The
//                            # study stores the config with the space written out.
//   scheduler:
//     type: asha             # fifo | sha | asha | hyperband | pbt, default asha
//     variant: promotion     # promotion | stopping, default promotion (asha, hyperband)
//     max_trials: 100        # integer >= 1, default 100
//     min_budget: 1          # > 0, default 1
//     max_budget: 81         # >= min_budget, default 81
//     eta: 3                 # >= 2, default 3
//     grace: 0               # integer >= 0, default 0
//     sampler: random        # random | quasi | grid | tpe, default random
//     grid_points: 5         # integer >= 2, default 5 (grid sampler)
//     # pbt only (an error with any other type); min_budget, eta and grace are unused:
//     population: 8          # integer >= 2, <= max_trials, default 8 (max_trials, when
//                            # not given, is then max(100, 2 x population))
//     perturbation_interval: 1  # > 0, default 1: budget between ready points
//     quantile: 0.25         # in (0, 0.5], default 0.25
//     perturbation_factors: [0.8, 1.2]  # two numbers > 0 [down, up], default [0.8, 1.2]
//     resample_probability: 0.25        # in [0, 1], default 0.25
//     burn_in: 0             # >= 0, default 0: no exploit before this step
//     synchronous: false     # generations, default false
//   trial:                   # required: exactly one of objective / command
//     objective: branin      # a built-in: branin, hartmann6, curve, sgd
//     command: [python3, train.py, --lr, "{lr}"]
//       # a sequence of strings, each one argument (a string is refused, with the
//       # list to write; a stored config's string is split on whitespace, as it was
//       # when it ran). {name} is replaced
//       # by the parameter's value; also {trial_id}, {budget}, {checkpoint_dir},
//       # {restore_from}, {params_json}, {hpo_param_path} (EasyRec's
//       # {"param": {...}} file), {resume_step}. A placeholder is '{' + [A-Za-z0-9_.-]+ + '}';
//       # other braces (JSON, "{}") are left alone.
//     shell: false           # run the command through /bin/sh -c, default false
//     timeout: 0             # seconds >= 0, 0 = no limit, default 0
//     stop_grace: 10         # seconds >= 0 from SIGTERM to SIGKILL (stop, pause,
//                            # timeout), default 10
//     unit_seconds: 30       # seconds one budget unit takes, > 0: the first cost estimate
//                            # for time_budget until reports measure it; default unknown
//     min_subset: 0.2        # proxy task: a run with target budget b gets the data fraction
//                            # max(min_subset, b / max_budget), as {subset} and
//                            # MPITUNE_SUBSET; in (0, 1]; default none (always 1)
//     metric_regex: ""       # ECMAScript regex with >= 1 capture group; default "" (none)
//     metric_regex_groups: {value: 1, step: 2}
//                            # which groups hold the value and the step (no step: steps
//                            # count 1, 2, 3, ...); default value 1 and, when the regex
//                            # has a second group, step 2; needs metric_regex
//     report_every: 1        # built-in objectives: report every N budget units, > 0
//     fail_fast: 5           # integer >= 0: stop starting trials once this many have
//                            # failed and none succeeded; 0 = never; default 5
//     metric_file:           # command trials: metrics appended to a file as JSON lines,
//       path: hpo_metrics.json  # e.g. EasyRec's --hpo_metric_save_path; relative to the
//                            # trial's folder; {metric_file} in the command is its path
//       metric: auc          # the key of the metric, default study.metric
//       step: global_step    # the key of the step, default global_step
//     config_template: {path: pipeline.config.tmpl, output: pipeline.config}
//                            # command trials: a file rendered per trial into its folder
//                            # ({config_file} in the command), {{name}} -> a value
//                            # (config_template.h); path relative to this file, or text:
//                            # the template itself; output default the template's name
//     env: {KEY: value}      # extra environment for command trials, default {}
//     log_limit: 67108864    # bytes each of a run's stdout.log/stderr.log keeps (its first
//                            # and last halves), integer >= 0, 0 = no cap, default 64 MiB
//   resources:
//     gpus_per_trial: 1      # integer >= 0, default 1 (0 = CPU only)
//     devices: [0, 1]        # non-negative distinct integers, default [] (all visible)
//
// Errors are one line: "<source>: <key.path>: <what was expected>, got <value>".
#include "config/study_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

// GCC 12 with -O2 and -fsanitize reports maybe-uninitialized deep inside libstdc++'s
// regex compiler (a false positive); keep -Werror builds with MPITUNE_SANITIZE working.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "mpitune/objective.h"
#include "mpitune/scheduler.h"
#include "mpitune/space.h"
#include "mpitune/status.h"
#include "config/config_template.h"
#include "config/easyrec_space.h"
#include "config/yaml_reader.h"

namespace mpitune {
namespace {

using namespace yaml;  // NOLINT: this file is the schema over the general readers

constexpr std::array<std::string_view, 6> kTopKeys = {"study", "space", "space_from", "scheduler", "trial",
                                                      "resources"};
constexpr std::array<std::string_view, 7> kStudyKeys = {"name", "metric", "mode", "seed",
                                                        "storage", "time_budget", "expected_time_ratio"};
constexpr std::array<std::string_view, 16> kSchedulerKeys = {
    "type", "variant", "max_trials", "min_budget", "max_budget",
    "eta",  "grace",   "sampler",    "grid_points",
    // pbt only
    "population", "perturbation_interval", "quantile", "perturbation_factors", "resample_probability",
    "burn_in", "synchronous"};
constexpr std::array<std::string_view, 7> kPbtKeys = {
    "population", "perturbation_interval", "quantile", "perturbation_factors", "resample_probability",
    "burn_in", "synchronous"};
constexpr std::array<std::string_view, 16> kTrialKeys = {
    "objective",    "command",  "shell",         "timeout",      "stop_grace", "lost_after", "fail_fast",
    "unit_seconds", "min_subset", "metric_regex", "metric_regex_groups", "report_every", "env", "log_limit",
    "metric_file",  "config_template"};
constexpr std::array<std::string_view, 3> kConfigTemplateKeys = {"path", "text", "output"};
// A template is a config file, not data.
constexpr std::size_t kMaxTemplateBytes = 1u << 20;
constexpr std::array<std::string_view, 3> kMetricFileKeys = {"path", "metric", "step"};
constexpr std::array<std::string_view, 2> kRegexGroupKeys = {"value", "step"};
constexpr std::array<std::string_view, 2> kResourceKeys = {"gpus_per_trial", "devices"};
// Every key any parameter type accepts; each type allows a subset (see ParamKeys).
constexpr std::array<std::string_view, 6> kAllParamKeys = {"type", "low",    "high",
                                                           "log",  "values", "value"};
constexpr std::array<std::string_view, 10> kBuiltinPlaceholders = {
    "trial_id", "budget", "checkpoint_dir", "restore_from", "params_json", "hpo_param_path", "metric_file",
    "config_file", "resume_step", "subset"};


// A study config is a page or two of YAML; 16 MiB leaves room for 100,000 choices.
constexpr std::size_t kMaxConfigBytes = 16u << 20;

constexpr std::array<EnumName<MetricMode>, 2> kModes = {
    {{"min", MetricMode::kMin}, {"max", MetricMode::kMax}}};
constexpr std::array<EnumName<SchedulerKind>, 5> kSchedulerKinds = {
    {{"fifo", SchedulerKind::kFifo},
     {"sha", SchedulerKind::kSha},
     {"asha", SchedulerKind::kAsha},
     {"hyperband", SchedulerKind::kHyperband},
     {"pbt", SchedulerKind::kPbt}}};
constexpr std::array<EnumName<AshaVariant>, 2> kVariants = {
    {{"promotion", AshaVariant::kPromotion}, {"stopping", AshaVariant::kStopping}}};
constexpr std::array<EnumName<SamplerKind>, 4> kSamplers = {{{"random", SamplerKind::kRandom},
                                                             {"quasi", SamplerKind::kQuasiRandom},
                                                             {"grid", SamplerKind::kGrid},
                                                             {"tpe", SamplerKind::kTpe}}};
constexpr std::array<EnumName<ParamType>, 5> kParamTypes = {{{"uniform", ParamType::kUniform},
                                                             {"loguniform", ParamType::kLogUniform},
                                                             {"int", ParamType::kInt},
                                                             {"choice", ParamType::kChoice},
                                                             {"constant", ParamType::kConstant}}};

// ---------------------------------------------------------------------------
// study:

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' ||
         c == '-';
}

Status ParseStudy(const YAML::Node& node, StudyConfig* config) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "study", kStudyKeys, &map));
  const auto name = map.Get("name");
  if (!name) return Fail(map.KeyPath("name"), "required key is missing");
  const std::string name_what = "a name of letters, digits, '_', '.' or '-'";
  if (!name->IsScalar() || name->Scalar().empty() ||
      !std::all_of(name->Scalar().begin(), name->Scalar().end(), IsNameChar)) {
    return Expected(map.KeyPath("name"), name_what, *name);
  }
  config->name = name->Scalar();
  if (const auto metric = map.Get("metric")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*metric, map.KeyPath("metric"), &config->metric));
  }
  if (const auto mode = map.Get("mode")) {
    MPITUNE_RETURN_IF_ERROR(ReadEnum(*mode, map.KeyPath("mode"), kModes, &config->mode));
  }
  if (const auto seed = map.Get("seed")) {
    MPITUNE_RETURN_IF_ERROR(ReadUnsigned(*seed, map.KeyPath("seed"), &config->seed));
  }
  config->storage = config->name + ".h5";
  if (const auto storage = map.Get("storage")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*storage, map.KeyPath("storage"), &config->storage));
  }
  if (const auto budget = map.Get("time_budget")) {
    MPITUNE_RETURN_IF_ERROR(ReadDuration(*budget, map.KeyPath("time_budget"), &config->time_budget_seconds));
  }
  if (const auto ratio = map.Get("expected_time_ratio")) {
    if (config->time_budget_seconds > 0.0) {
      return Fail(map.KeyPath("expected_time_ratio"), "give either it or study.time_budget, not both");
    }
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*ratio, map.KeyPath("expected_time_ratio"), Bound{0.0, false}, &config->expected_time_ratio));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// space:

// Plain true/false -> bool, integers -> int64, other numbers -> double, else string.
Status ReadParamValue(const YAML::Node& node, const std::string& path, ParamValue* out) {
  if (!node.IsScalar()) return Expected(path, "a string, number or bool", node);
  const std::string& text = node.Scalar();
  // The study file, the trial's environment and its argv all hold C strings.
  if (text.find('\0') != std::string::npos) return Fail(path, "contains a NUL byte");
  if (!IsPlain(node)) {
    *out = text;
  } else if (const auto flag = ParseYamlBool(text)) {
    *out = *flag;
  } else if (const auto integer = ParseYamlInteger(text)) {
    *out = *integer;
  } else if (const auto number = ParseYamlFloat(text)) {
    *out = *number;
  } else {
    *out = text;
  }
  return Status::Ok();
}

Status ReadChoices(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  if (!node.IsSequence() || node.size() == 0) {
    return Expected(path, "a non-empty sequence of values", node);
  }
  spec->type = ParamType::kChoice;
  spec->choices.clear();
  spec->choices.reserve(node.size());
  std::size_t i = 0;
  // Iterated, not indexed: yaml-cpp finds node[i] from the start of the sequence.
  for (const YAML::Node& item : node) {
    ParamValue value;
    MPITUNE_RETURN_IF_ERROR(ReadParamValue(item, Index(path, i++), &value));
    spec->choices.push_back(std::move(value));
  }
  // A repeated value would be sampled twice as often and repeat grid points.
  if (const auto duplicate = FindDuplicateValue(spec->choices)) {
    return Fail(Index(path, duplicate->second),
                fmt::format("duplicate value {}", Describe(node[duplicate->second])));
  }
  return Status::Ok();
}

KeyList ParamKeys(ParamType type) {
  static constexpr std::array<std::string_view, 3> kRange = {"type", "low", "high"};
  static constexpr std::array<std::string_view, 4> kIntRange = {"type", "low", "high", "log"};
  static constexpr std::array<std::string_view, 2> kChoice = {"type", "values"};
  static constexpr std::array<std::string_view, 2> kConstant = {"type", "value"};
  switch (type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
      return kRange;
    case ParamType::kInt:
      return kIntRange;
    case ParamType::kChoice:
      return kChoice;
    case ParamType::kConstant:
      break;
  }
  return kConstant;
}

// low and high of a uniform, loguniform or int parameter.
Status ReadRange(const MapReader& map, ParamSpec* spec) {
  const bool is_int = spec->type == ParamType::kInt;
  const char* type_name = ParamTypeName(spec->type);
  const auto low = map.Get("low");
  const auto high = map.Get("high");
  if (!low) return Fail(map.KeyPath("low"), fmt::format("required for type {}", type_name));
  if (!high) return Fail(map.KeyPath("high"), fmt::format("required for type {}", type_name));
  if (is_int) {
    std::int64_t low_value = 0;
    std::int64_t high_value = 0;
    constexpr std::int64_t kLimit = std::int64_t{1} << 53;  // exact in a double
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*low, map.KeyPath("low"), -kLimit, kLimit, &low_value));
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*high, map.KeyPath("high"), -kLimit, kLimit, &high_value));
    spec->low = static_cast<double>(low_value);
    spec->high = static_cast<double>(high_value);
  } else {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*low, map.KeyPath("low"), std::nullopt, &spec->low));
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*high, map.KeyPath("high"), std::nullopt, &spec->high));
  }
  if (const auto log = map.Get("log"))
    MPITUNE_RETURN_IF_ERROR(ReadBool(*log, map.KeyPath("log"), &spec->log));
  const bool log_scale = spec->type == ParamType::kLogUniform || spec->log;
  if (log_scale && spec->low <= 0) {
    return Fail(map.KeyPath("low"), fmt::format("must be > 0 for {}{}, got {}", type_name,
                                                is_int ? " with log: true" : "", Describe(*low)));
  }
  if (spec->high <= spec->low) {
    return Fail(map.KeyPath("high"),
                fmt::format("must be > low ({}), got {}", Describe(*low), Describe(*high)));
  }
  return Status::Ok();
}

Status ReadTypedParam(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, path, kAllParamKeys, &map));
  const auto type = map.Get("type");
  if (!type) {
    std::vector<std::string> spellings;
    for (const auto& entry : kParamTypes) spellings.emplace_back(entry.name);
    return Fail(map.KeyPath("type"), fmt::format("required ({})", JoinOr(spellings)));
  }
  MPITUNE_RETURN_IF_ERROR(ReadEnum(*type, map.KeyPath("type"), kParamTypes, &spec->type));
  const KeyList allowed = ParamKeys(spec->type);
  for (const auto& entry : map.entries()) {
    if (std::find(allowed.begin(), allowed.end(), entry.first) == allowed.end()) {
      return Fail(map.KeyPath(entry.first),
                  fmt::format("not allowed for type {} (expected {})", type->Scalar(),
                              JoinOr(ToStrings(allowed))));
    }
  }
  switch (spec->type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
    case ParamType::kInt:
      return ReadRange(map, spec);
    case ParamType::kChoice: {
      const auto values = map.Get("values");
      if (!values) return Fail(map.KeyPath("values"), "required for type choice");
      return ReadChoices(*values, map.KeyPath("values"), spec);
    }
    case ParamType::kConstant:
      break;
  }
  const auto value = map.Get("value");
  if (!value) return Fail(map.KeyPath("value"), "required for type constant");
  spec->choices.resize(1);
  return ReadParamValue(*value, map.KeyPath("value"), &spec->choices[0]);
}

Status ReadParam(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  if (node.IsMap()) return ReadTypedParam(node, path, spec);
  if (node.IsSequence()) return ReadChoices(node, path, spec);
  if (node.IsScalar()) {
    spec->type = ParamType::kConstant;
    spec->choices.resize(1);
    return ReadParamValue(node, path, &spec->choices[0]);
  }
  return Expected(path, "a parameter mapping, a sequence (choice) or a scalar (constant)", node);
}

// A name is a group of the study file (/space/<name>, /params/<name>) and part of
// a variable name, so it cannot be a path or hold control bytes.
Status CheckParamName(const std::string& name, const std::string& path) {
  if (name.empty()) return Fail(path, "a parameter name must not be empty");
  if (name == "." || name == "..") return Fail(path, "a parameter name must not be '.' or '..'");
  if (name.find('/') != std::string::npos) return Fail(path, "a parameter name must not contain '/'");
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Fail(path, "a parameter name must not contain control characters");
    }
  }
  return Status::Ok();
}

// The parameters of `space:`, after `params` (those space_from imported).
Status ReadSpace(const YAML::Node& node, std::vector<ParamSpec>& params) {
  const std::string path = "space";
  if (!node.IsMap() || node.size() == 0) {
    return Expected(path, "a non-empty mapping of parameters", node);
  }
  std::set<std::string> seen;
  for (const ParamSpec& imported : params) seen.insert(imported.name);
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return Fail(path, "parameter names must be strings");
    ParamSpec spec;
    spec.name = entry.first.Scalar();
    const std::string param_path = Join(path, spec.name);
    MPITUNE_RETURN_IF_ERROR(CheckParamName(spec.name, param_path));
    if (!seen.insert(spec.name).second) return Fail(param_path, "duplicate parameter");
    MPITUNE_RETURN_IF_ERROR(ReadParam(entry.second, param_path, &spec));
    params.push_back(std::move(spec));
  }
  return Status::Ok();
}

// space_from: FILE (EasyRec's hyperparams.json or an NNI search_space.json, see
// easyrec_space.h), relative to the config's folder; `override` (run
// --space-from-easyrec) replaces it. The study keeps a config that holds the imported
// space itself, so `resume` needs no other file.
Status ParseSpace(const MapReader& map, const std::optional<std::string>& override, StudyConfig* config,
                  std::vector<ParamSpec>* imported_space) {
  std::string from;
  if (override) {
    from = *override;
  } else if (const auto space_from = map.Get("space_from")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*space_from, "space_from", &from));
    const std::filesystem::path given(from);
    if (given.is_relative()) from = (std::filesystem::path(config->source).parent_path() / given).string();
  }
  std::vector<ParamSpec> params;
  if (!from.empty()) {
    Result<std::vector<ParamSpec>> imported = ReadEasyRecSpaceFile(from);
    if (!imported.ok()) return Fail(override ? "--space-from-easyrec" : "space_from", imported.status().message());
    params = std::move(imported).value();
  }
  const auto space_node = map.Get("space");
  if (!space_node && params.empty()) return Fail("space", "required section is missing (or set space_from)");
  if (space_node) MPITUNE_RETURN_IF_ERROR(ReadSpace(*space_node, params));
  auto space = SearchSpace::Create(params);
  if (!space.ok()) return space.status();
  config->space = std::move(space).value();
  if (!from.empty()) *imported_space = params;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// scheduler:

Status ReadBudgets(const MapReader& map, SchedulerOptions* options) {
  const auto min_budget = map.Get("min_budget");
  const auto max_budget = map.Get("max_budget");
  if (min_budget) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*min_budget, map.KeyPath("min_budget"), Bound{0.0, false},
                                       &options->min_budget));
  }
  if (max_budget) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*max_budget, map.KeyPath("max_budget"),
                                       Bound{options->min_budget, true, "min_budget"},
                                       &options->max_budget));
  } else if (min_budget && options->max_budget < options->min_budget) {
    return Fail(map.KeyPath("min_budget"),
                fmt::format("must be <= max_budget ({}, the default), got {}", options->max_budget,
                            Describe(*min_budget)));
  }
  return Status::Ok();
}

Status ReadPbt(const MapReader& map, SchedulerOptions* options) {
  PbtOptions& pbt = options->pbt;
  if (const auto population = map.Get("population")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*population, map.KeyPath("population"), 2, kMaxTrialsLimit, &pbt.population));
  }
  if (const auto interval = map.Get("perturbation_interval")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*interval, map.KeyPath("perturbation_interval"), Bound{0.0, false}, &pbt.perturbation_interval));
  }
  if (const auto quantile = map.Get("quantile")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*quantile, map.KeyPath("quantile"), Bound{0.0, false}, &pbt.quantile));
    if (pbt.quantile > 0.5) {
      return Fail(map.KeyPath("quantile"), fmt::format("must be <= 0.5, got {}", Describe(*quantile)));
    }
  }
  if (const auto factors = map.Get("perturbation_factors")) {
    const std::string path = map.KeyPath("perturbation_factors");
    if (!factors->IsSequence() || factors->size() != 2) {
      return Expected(path, "a sequence of two numbers [down, up]", *factors);
    }
    MPITUNE_RETURN_IF_ERROR(ReadNumber((*factors)[0], path + "[0]", Bound{0.0, false}, &pbt.factor_down));
    MPITUNE_RETURN_IF_ERROR(ReadNumber((*factors)[1], path + "[1]", Bound{0.0, false}, &pbt.factor_up));
  }
  if (const auto resample = map.Get("resample_probability")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*resample, map.KeyPath("resample_probability"), Bound{0.0, true},
                                       &pbt.resample_probability));
    if (pbt.resample_probability > 1.0) {
      return Fail(map.KeyPath("resample_probability"), fmt::format("must be <= 1, got {}", Describe(*resample)));
    }
  }
  if (const auto burn_in = map.Get("burn_in")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*burn_in, map.KeyPath("burn_in"), Bound{0.0, true}, &pbt.burn_in));
  }
  if (const auto synchronous = map.Get("synchronous")) {
    MPITUNE_RETURN_IF_ERROR(ReadBool(*synchronous, map.KeyPath("synchronous"), &pbt.synchronous));
  }
  return Status::Ok();
}

Status ParseScheduler(const YAML::Node& node, SchedulerOptions* options, SchedulerKeysGiven* given) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "scheduler", kSchedulerKeys, &map));
  given->max_trials = map.Get("max_trials").has_value();
  given->min_budget = map.Get("min_budget").has_value();
  given->max_budget = map.Get("max_budget").has_value();
  given->eta = map.Get("eta").has_value();
  given->population = map.Get("population").has_value();
  given->perturbation_interval = map.Get("perturbation_interval").has_value();
  if (const auto type = map.Get("type")) {
    MPITUNE_RETURN_IF_ERROR(ReadEnum(*type, map.KeyPath("type"), kSchedulerKinds, &options->kind));
  }
  if (const auto variant = map.Get("variant")) {
    // fifo and sha have nothing to vary; accepting the key would suggest otherwise.
    if (options->kind != SchedulerKind::kAsha && options->kind != SchedulerKind::kHyperband) {
      return Fail(map.KeyPath("variant"), fmt::format("only applies to asha and hyperband, not {}",
                                                      SchedulerKindName(options->kind)));
    }
    MPITUNE_RETURN_IF_ERROR(
        ReadEnum(*variant, map.KeyPath("variant"), kVariants, &options->variant));
  }
  if (const auto max_trials = map.Get("max_trials")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*max_trials, map.KeyPath("max_trials"), 1,
                                        std::numeric_limits<std::int64_t>::max(),
                                        &options->max_trials));
  }
  MPITUNE_RETURN_IF_ERROR(ReadBudgets(map, options));
  if (const auto eta = map.Get("eta")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*eta, map.KeyPath("eta"), Bound{2.0, true}, &options->eta));
  }
  if (const auto grace = map.Get("grace")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*grace, map.KeyPath("grace"), 0,
                                        std::numeric_limits<std::int64_t>::max(), &options->grace));
  }
  if (const auto sampler = map.Get("sampler")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadEnum(*sampler, map.KeyPath("sampler"), kSamplers, &options->sampler.kind));
  }
  if (options->kind == SchedulerKind::kPbt) {
    MPITUNE_RETURN_IF_ERROR(ReadPbt(map, options));
    if (!map.Get("max_trials")) options->max_trials = std::max<std::int64_t>(100, 2 * options->pbt.population);
  } else {
    for (std::string_view key : kPbtKeys) {
      if (map.Has(key)) {
        return Fail(map.KeyPath(key), fmt::format("only applies to pbt, not {}", SchedulerKindName(options->kind)));
      }
    }
  }
  if (const auto grid_points = map.Get("grid_points")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadInt(*grid_points, map.KeyPath("grid_points"), 2, &options->sampler.grid_points));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// trial:

// Every "{name}" in the command must be something the trial runner can fill in.
Status CheckPlaceholders(const std::vector<std::string>& command, const SearchSpace& space,
                         const std::string& path) {
  std::vector<std::string> known = ToStrings(kBuiltinPlaceholders);
  for (const ParamSpec& param : space.params()) known.push_back(param.name);
  for (const std::string& word : command) {
    for (std::size_t open = word.find('{'); open != std::string::npos;
         open = word.find('{', open + 1)) {
      std::size_t close = open + 1;
      while (close < word.size() && IsNameChar(word[close])) ++close;
      if (close == open + 1 || close == word.size() || word[close] != '}') continue;
      const std::string name = word.substr(open + 1, close - open - 1);
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string message =
          fmt::format("'{{{}}}' is not a space parameter or a built-in placeholder", name);
      if (const auto suggestion = Suggest(name, known)) {
        message += fmt::format(" (did you mean {{{}}}?)", *suggestion);
      }
      return Fail(path, message);
    }
  }
  return Status::Ok();
}

// `word` as an element of a YAML flow list that reads back as the same string: plain
// when it is made of characters no YAML rule touches, else double-quoted.
std::string FlowElement(std::string_view word) {
  constexpr std::string_view kPlainPunctuation = "._/=+-";
  const auto safe = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
           kPlainPunctuation.find(c) != std::string_view::npos;
  };
  if (!word.empty() && std::all_of(word.begin(), word.end(), safe)) return std::string(word);
  std::string escaped;
  for (const char c : word) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "\"" + Escape(escaped) + "\"";  // control characters as YAML writes them: \t, \n
}

std::vector<std::string> SplitOnWhitespace(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// One rule: a list, each element one argument, nothing split. A string is refused with
// the list to write instead (splitting it would have to guess at quotes); a stored
// config keeps the whitespace split it was run with.
Status ReadCommand(const YAML::Node& node, const std::string& path, ConfigOrigin origin,
                   std::vector<std::string>* out) {
  out->clear();
  if (node.IsScalar() && origin == ConfigOrigin::kStored) {
    *out = SplitOnWhitespace(node.Scalar());
  } else if (node.IsScalar()) {
    const std::vector<std::string> words = SplitOnWhitespace(node.Scalar());
    if (words.empty()) return Expected(path, "a non-empty list of strings", node);
    std::string list;
    for (const std::string& word : words) list += (list.empty() ? "" : ", ") + FlowElement(word);
    return Fail(path, fmt::format("expected a list of arguments, got a string; write it as [{}] (each element "
                                  "one argument, nothing split), or with shell: true as one element: [{}]",
                                  list, FlowElement(node.Scalar())));
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string word;
      MPITUNE_RETURN_IF_ERROR(ReadString(node[i], Index(path, i), &word));
      out->push_back(std::move(word));
    }
  }
  if (out->empty() || out->front().empty()) return Expected(path, "a non-empty list of strings", node);
  return Status::Ok();
}

Status ReadMetricRegex(const YAML::Node& node, const std::string& path, std::string* out) {
  MPITUNE_RETURN_IF_ERROR(ReadString(node, path, out));
  if (out->empty()) return Status::Ok();
  try {
    const std::regex regex(*out, std::regex::ECMAScript);
    if (regex.mark_count() < 1) {
      return Fail(path, fmt::format("needs a capture group for the metric, got {}", Quote(*out)));
    }
  } catch (const std::regex_error& error) {
    return Fail(path, fmt::format("invalid regular expression {}: {}", Quote(*out), error.what()));
  }
  return Status::Ok();
}

// One capture group of a regex with `marks` of them.
Status ReadGroup(const YAML::Node& node, const std::string& path, int marks, int* out) {
  const auto group = node.IsScalar() ? ParseIntegral(node.Scalar()) : std::nullopt;
  if (!group || *group < 1 || *group > marks) {
    return Expected(path, fmt::format("a group of metric_regex (1..{})", marks), node);
  }
  *out = static_cast<int>(*group);
  return Status::Ok();
}

// {value: N, step: M}: which groups of metric_regex hold the value and the step (no
// step: steps count 1, 2, 3, ...). `regex` has passed ReadMetricRegex.
Status ReadRegexGroups(const YAML::Node& node, const std::string& path, const std::string& regex,
                       MetricRegexGroups* out) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, path, kRegexGroupKeys, &map));
  if (regex.empty()) return Fail(path, "needs trial.metric_regex");
  const int marks = static_cast<int>(std::regex(regex, std::regex::ECMAScript).mark_count());
  *out = MetricRegexGroups{1, 0};
  if (const auto value = map.Get("value")) {
    MPITUNE_RETURN_IF_ERROR(ReadGroup(*value, map.KeyPath("value"), marks, &out->value));
  }
  if (const auto step = map.Get("step")) {
    MPITUNE_RETURN_IF_ERROR(ReadGroup(*step, map.KeyPath("step"), marks, &out->step));
    if (out->step == out->value) {
      return Fail(map.KeyPath("step"), fmt::format("must differ from value ({})", out->value));
    }
  }
  return Status::Ok();
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
  });
}

Status ReadEnv(const YAML::Node& node, const std::string& path,
               std::map<std::string, std::string>* out) {
  if (!node.IsMap()) return Expected(path, "a mapping of variable names to values", node);
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !IsEnvName(entry.first.Scalar())) {
      return Expected(path, "variable names of letters, digits and '_'", entry.first);
    }
    const std::string key_path = Join(path, entry.first.Scalar());
    std::string value;
    MPITUNE_RETURN_IF_ERROR(ReadString(entry.second, key_path, &value));
    if (!out->emplace(entry.first.Scalar(), std::move(value)).second) {
      return Fail(key_path, "duplicate key");
    }
  }
  return Status::Ok();
}

Status ReadMetricFile(const YAML::Node& node, const std::string& path, std::optional<MetricFileSpec>* out) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, path, kMetricFileKeys, &map));
  MetricFileSpec spec;
  const auto file = map.Get("path");
  if (!file) return Fail(map.KeyPath("path"), "required key is missing");
  MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*file, map.KeyPath("path"), &spec.path));
  if (const auto metric = map.Get("metric")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*metric, map.KeyPath("metric"), &spec.key));
  }
  if (const auto step = map.Get("step")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*step, map.KeyPath("step"), &spec.step_key));
  }
  *out = std::move(spec);
  return Status::Ok();
}

// config_template: {path: FILE | text: TEXT, output: NAME}. A path is read now,
// relative to the config's folder (`config_dir`); the study stores the text itself.
Status ReadConfigTemplate(const YAML::Node& node, const std::string& path, const SearchSpace& space,
                          const std::string& config_dir, TrialSpec* trial, bool* read_file) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, path, kConfigTemplateKeys, &map));
  const auto file = map.Get("path");
  const auto text = map.Get("text");
  if (file.has_value() == text.has_value()) return Fail(path, "set exactly one of path or text");
  std::string body;
  std::string name;
  if (text) {
    MPITUNE_RETURN_IF_ERROR(ReadString(*text, map.KeyPath("text"), &body));
  } else {
    std::string given;
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*file, map.KeyPath("path"), &given));
    std::filesystem::path where(given);
    if (where.is_relative()) where = std::filesystem::path(config_dir) / where;
    std::error_code error;
    if (!std::filesystem::is_regular_file(where, error) || std::filesystem::file_size(where, error) > kMaxTemplateBytes) {
      return Fail(map.KeyPath("path"), fmt::format("{}: not a readable file of at most 1 MiB", where.string()));
    }
    std::ifstream in(where, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    if (!in && !in.eof()) return Fail(map.KeyPath("path"), fmt::format("{}: cannot read", where.string()));
    body = read.str();
    name = where.filename().string();
    *read_file = true;
  }
  if (const auto output = map.Get("output")) {
    MPITUNE_RETURN_IF_ERROR(ReadNonEmptyString(*output, map.KeyPath("output"), &name));
  }
  if (name.empty()) return Fail(map.KeyPath("output"), "required with text");
  if (name.find('/') != std::string::npos || name == "." || name == ".." || name == "stdout.log" ||
      name == "stderr.log" || name == "params.json" || name == "hpo_param.json") {
    return Fail(map.KeyPath("output"), fmt::format("a file name in the trial's folder, not '{}'", Escape(name)));
  }
  MPITUNE_RETURN_IF_ERROR(CheckConfigTemplate(body, space, path));
  trial->config_template = std::move(body);
  trial->config_template_output = std::move(name);
  return Status::Ok();
}

Status ReadObjective(const YAML::Node& node, const std::string& path, std::string* out) {
  const std::vector<std::string> names = BuiltinObjectiveNames();
  if (node.IsScalar() && std::find(names.begin(), names.end(), node.Scalar()) != names.end()) {
    *out = node.Scalar();
    return Status::Ok();
  }
  std::string what = fmt::format("a built-in objective ({})", JoinOr(names));
  if (!node.IsScalar()) return Expected(path, what, node);
  Status status = Expected(path, what, node);
  if (const auto suggestion = Suggest(node.Scalar(), names)) {
    return Status::BadInput(fmt::format("{} (did you mean {}?)", status.message(), *suggestion));
  }
  return status;
}

Status ParseTrial(const YAML::Node& node, const SearchSpace& space, ConfigOrigin origin, const std::string& config_dir,
                  TrialSpec* trial, bool* read_template) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "trial", kTrialKeys, &map));
  const auto objective = map.Get("objective");
  const auto command = map.Get("command");
  if (objective.has_value() == command.has_value()) {
    return Fail("trial", "set exactly one of objective or command");
  }
  if (objective)
    MPITUNE_RETURN_IF_ERROR(ReadObjective(*objective, map.KeyPath("objective"), &trial->objective));
  if (command) {
    MPITUNE_RETURN_IF_ERROR(ReadCommand(*command, map.KeyPath("command"), origin, &trial->command));
    MPITUNE_RETURN_IF_ERROR(CheckPlaceholders(trial->command, space, map.KeyPath("command")));
    // A parameter named like a built-in placeholder would make "{budget}" ambiguous.
    for (const ParamSpec& param : space.params()) {
      const auto clash =
          std::find(kBuiltinPlaceholders.begin(), kBuiltinPlaceholders.end(), param.name);
      if (clash != kBuiltinPlaceholders.end()) {
        return Fail(
            Join("space", param.name),
            fmt::format("clashes with the built-in command placeholder {{{}}}", param.name));
      }
    }
  }
  if (const auto shell = map.Get("shell"))
    MPITUNE_RETURN_IF_ERROR(ReadBool(*shell, map.KeyPath("shell"), &trial->shell));
  if (const auto metric_file = map.Get("metric_file")) {
    if (!command) return Fail(map.KeyPath("metric_file"), "goes with trial.command");
    MPITUNE_RETURN_IF_ERROR(ReadMetricFile(*metric_file, map.KeyPath("metric_file"), &trial->metric_file));
  }
  if (const auto config_template = map.Get("config_template")) {
    if (!command) return Fail(map.KeyPath("config_template"), "goes with trial.command");
    MPITUNE_RETURN_IF_ERROR(ReadConfigTemplate(*config_template, map.KeyPath("config_template"), space, config_dir,
                                               trial, read_template));
  }
  if (const auto timeout = map.Get("timeout")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*timeout, map.KeyPath("timeout"), Bound{0.0, true}, &trial->timeout_seconds));
  }
  if (const auto grace = map.Get("stop_grace")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*grace, map.KeyPath("stop_grace"), Bound{0.0, true}, &trial->stop_grace_seconds));
  }
  if (const auto unit = map.Get("unit_seconds")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*unit, map.KeyPath("unit_seconds"), Bound{0.0, false}, &trial->unit_seconds));
  }
  if (const auto subset = map.Get("min_subset")) {
    MPITUNE_RETURN_IF_ERROR(ReadNumber(*subset, map.KeyPath("min_subset"), Bound{0.0, false}, &trial->min_subset));
    if (trial->min_subset > 1.0) return Expected(map.KeyPath("min_subset"), "a fraction in (0, 1]", *subset);
  }
  if (const auto fail_fast = map.Get("fail_fast")) {
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*fail_fast, map.KeyPath("fail_fast"), 0,
                                        std::numeric_limits<std::int64_t>::max(), &trial->fail_fast));
  }
  if (const auto lost_after = map.Get("lost_after")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*lost_after, map.KeyPath("lost_after"), Bound{0.0, true}, &trial->lost_after_seconds));
  }
  if (const auto regex = map.Get("metric_regex")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadMetricRegex(*regex, map.KeyPath("metric_regex"), &trial->metric_regex));
  }
  if (const auto groups = map.Get("metric_regex_groups")) {
    MetricRegexGroups read;
    MPITUNE_RETURN_IF_ERROR(
        ReadRegexGroups(*groups, map.KeyPath("metric_regex_groups"), trial->metric_regex, &read));
    trial->metric_regex_groups = read;
  }
  if (const auto every = map.Get("report_every")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadNumber(*every, map.KeyPath("report_every"), Bound{0.0, false}, &trial->report_every));
  }
  if (const auto limit = map.Get("log_limit")) {
    std::int64_t bytes = 0;
    MPITUNE_RETURN_IF_ERROR(ReadInteger(*limit, map.KeyPath("log_limit"), 0, std::int64_t{1} << 50, &bytes));
    trial->log_limit_bytes = static_cast<std::uint64_t>(bytes);
  }
  if (const auto env = map.Get("env"))
    MPITUNE_RETURN_IF_ERROR(ReadEnv(*env, map.KeyPath("env"), &trial->env));
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// resources:

Status ReadDevices(const YAML::Node& node, const std::string& path, std::vector<int>* out) {
  if (!node.IsSequence()) return Expected(path, "a sequence of device numbers", node);
  out->clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    int device = 0;
    MPITUNE_RETURN_IF_ERROR(ReadInt(node[i], Index(path, i), 0, &device));
    if (std::find(out->begin(), out->end(), device) != out->end()) {
      return Fail(Index(path, i), fmt::format("duplicate device {}", device));
    }
    out->push_back(device);
  }
  return Status::Ok();
}

Status ParseResources(const YAML::Node& node, ResourceSpec* resources) {
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(node, "resources", kResourceKeys, &map));
  if (const auto gpus = map.Get("gpus_per_trial")) {
    MPITUNE_RETURN_IF_ERROR(
        ReadInt(*gpus, map.KeyPath("gpus_per_trial"), 0, &resources->gpus_per_trial));
  }
  if (const auto devices = map.Get("devices")) {
    MPITUNE_RETURN_IF_ERROR(ReadDevices(*devices, map.KeyPath("devices"), &resources->devices));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The document.

Status ParseDocument(const YAML::Node& root, ConfigOrigin origin, const std::optional<std::string>& space_from,
                     StudyConfig* config) {
  if (!root.IsMap()) {
    return Expected("", "a mapping with study, space, scheduler, trial and resources", root);
  }
  MapReader map;
  MPITUNE_RETURN_IF_ERROR(MapReader::Open(root, "", kTopKeys, &map));
  const auto study = map.Get("study");
  if (!study) return Fail("study", "required section is missing (it must set name)");
  MPITUNE_RETURN_IF_ERROR(ParseStudy(*study, config));
  std::vector<ParamSpec> imported_space;
  MPITUNE_RETURN_IF_ERROR(ParseSpace(map, space_from, config, &imported_space));
  if (const auto scheduler = map.Get("scheduler")) {
    MPITUNE_RETURN_IF_ERROR(ParseScheduler(*scheduler, &config->scheduler, &config->scheduler_given));
  }
  config->scheduler.mode = config->mode;
  config->scheduler.seed = config->seed;
  MPITUNE_RETURN_IF_ERROR(ValidateSchedulerOptions(config->scheduler));
  if (config->expected_time_ratio > 0.0 && !config->scheduler_given.max_budget) {
    return Fail("study.expected_time_ratio",
                "needs scheduler.max_budget: the budget of one full training, which the ratio multiplies");
  }
  const auto trial = map.Get("trial");
  if (!trial)
    return Fail("trial", "required section is missing (set exactly one of objective or command)");
  bool read_template = false;
  MPITUNE_RETURN_IF_ERROR(ParseTrial(*trial, config->space, origin,
                                     std::filesystem::path(config->source).parent_path().string(), &config->trial,
                                     &read_template));
  // What came from other files goes into the stored config itself, so that `resume`
  // needs none of them and sees what this run saw.
  if (!imported_space.empty() || read_template) {
    YAML::Node rest = YAML::Clone(root);
    if (read_template) {
      YAML::Node written;
      written["text"] = *config->trial.config_template;
      written["output"] = config->trial.config_template_output;
      rest["trial"]["config_template"] = written;
    }
    std::string space_text;
    if (!imported_space.empty()) {
      std::vector<ParamSpec> all = config->space.params();
      rest.remove("space_from");
      rest.remove("space");
      space_text = "\n" + SpaceSectionYaml(all);
    }
    config->yaml_text = YAML::Dump(rest) + space_text;
  }
  if (const auto resources = map.Get("resources")) {
    MPITUNE_RETURN_IF_ERROR(ParseResources(*resources, &config->resources));
  }
  return Status::Ok();
}

Status ParseText(const std::string& yaml_text, const std::string& source, ConfigOrigin origin,
                 const std::optional<std::string>& space_from, StudyConfig* config) {
  YAML::Node root;
  try {
    MPITUNE_RETURN_IF_ERROR(CheckOneDocument(yaml_text, source));
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& error) {
    return SyntaxError(source, error.mark, error.msg);
  }
  // The readers check node types before converting, so yaml-cpp should not throw;
  // this is the backstop that keeps malformed input from escaping as an exception.
  try {
    return ParseDocument(root, origin, space_from, config).WithContext(source);
  } catch (const YAML::Exception& error) {
    return Status::BadInput(fmt::format("{}: invalid config: {}", source, error.msg));
  }
}

}  // namespace

Result<StudyConfig> ParseStudyConfig(const std::string& yaml_text, const std::string& source,
                                     ConfigOrigin origin, const std::optional<std::string>& space_from) {
  StudyConfig config;
  config.source = source.empty() ? "<config>" : source;
  config.yaml_text = yaml_text;
  const Status status = ParseText(yaml_text, config.source, origin, space_from, &config);
  if (!status.ok()) return Status::BadInput(Escape(status.message()));
  return config;
}

std::string TrialsDirectory(const StudyConfig& config) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!config.trials_dir.empty()) {
    const fs::path given = fs::absolute(fs::path(config.trials_dir), error);
    return error ? config.trials_dir : given.string();
  }
  fs::path storage = fs::absolute(fs::path(config.storage), error);
  if (error) storage = fs::path(config.storage);
  return (storage.parent_path() / (config.name + ".trials")).string();
}

Result<StudyConfig> LoadStudyConfigFile(const std::string& path, const std::optional<std::string>& space_from) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!error && fs::is_directory(status)) {
    return Status::Io(fmt::format("{}: cannot read study config: is a directory", path));
  }
  // A FIFO would block the read forever and /dev/zero never ends: only files.
  if (!error && !fs::is_regular_file(status)) {
    return Status::BadInput(fmt::format("{}: not a regular file (a {}); a study config is a YAML file", path,
                                        fs::is_fifo(status) ? "FIFO" : fs::is_character_file(status) ? "character device"
                                        : fs::is_block_file(status) ? "block device" : fs::is_socket(status) ? "socket"
                                                                                                          : "special file"));
  }
  if (!error && fs::file_size(path, error) > kMaxConfigBytes && !error) {
    return Status::BadInput(fmt::format("{}: {} bytes is too large for a study config (at most {} MiB)", path,
                                        fs::file_size(path, error), kMaxConfigBytes >> 20));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::Io(fmt::format("{}: cannot open study config: {}", path,
                                  std::generic_category().message(errno)));
  }
  // Read at most one byte past the limit: a file that grew since stat() is caught too.
  std::string text(kMaxConfigBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) return Status::Io(fmt::format("{}: cannot read study config", path));
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > kMaxConfigBytes) {
    return Status::BadInput(fmt::format("{}: too large for a study config (at most {} MiB)", path, kMaxConfigBytes >> 20));
  }
  return ParseStudyConfig(text, path, ConfigOrigin::kUser, space_from);
}

}  // namespace mpitune
