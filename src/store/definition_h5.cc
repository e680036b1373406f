#include "store/definition_h5.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mpitune::store {
namespace {

enum ChoiceKind : std::int64_t { kBool = 0, kInt = 1, kFloat = 2, kString = 3 };

template <typename T>
Status ReadInto(Result<T> result, T& target) {
  if (!result.ok()) return result.status();
  target = std::move(*result);
  return Status::Ok();
}

template <typename Enum, typename NameOf>
Result<Enum> ParseName(const std::string& text, int count, NameOf name_of, const std::string& where) {
  for (int i = 0; i < count; ++i) {
    if (text == name_of(static_cast<Enum>(i))) return static_cast<Enum>(i);
  }
  return Status::BadInput(fmt::format("{}: unknown value '{}'", where, text));
}

std::string SpacePath(const ParamSpec& param) { return "/space/" + param.name; }

Status WriteParam(H5File& file, const ParamSpec& param, std::size_t position) {
  const std::string path = SpacePath(param);
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup(path));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "type", ParamTypeName(param.type)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "position", static_cast<std::int64_t>(position)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "low", param.low));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "high", param.high));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "log", static_cast<std::int64_t>(param.log ? 1 : 0)));
  if (param.choices.empty()) return Status::Ok();
  std::vector<std::string> text;
  std::vector<std::int64_t> kind, integer;
  std::vector<double> number;
  for (const ParamValue& value : param.choices) {
    text.push_back(FormatParamValue(value));
    std::int64_t as_int = 0;
    double as_double = 0.0;
    if (const bool* flag = std::get_if<bool>(&value)) {
      kind.push_back(kBool);
      as_int = *flag ? 1 : 0;
    } else if (const std::int64_t* whole = std::get_if<std::int64_t>(&value)) {
      kind.push_back(kInt);
      as_int = *whole;
    } else if (const double* real = std::get_if<double>(&value)) {
      kind.push_back(kFloat);
      as_double = *real;
    } else {
      kind.push_back(kString);
    }
    integer.push_back(as_int);
    number.push_back(as_double);
  }
  MPITUNE_RETURN_IF_ERROR(file.WriteStrings(path + "/choices", text));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(path + "/choice_kind", kind));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(path + "/choice_int", integer));
  return file.WriteDoubles(path + "/choice_float", number);
}

Result<ParamSpec> ReadParam(const H5File& file, const std::string& name) {
  ParamSpec param;
  param.name = name;
  const std::string path = "/space/" + name;
  std::string type;
  std::int64_t log = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute(path, "type"), type));
  Result<ParamType> parsed = ParseName<ParamType>(type, 5, ParamTypeName, path + " type");
  if (!parsed.ok()) return parsed.status();
  param.type = *parsed;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute(path, "low"), param.low));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute(path, "high"), param.high));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute(path, "log"), log));
  param.log = log != 0;
  if (param.type != ParamType::kChoice && param.type != ParamType::kConstant) return param;
  std::vector<std::string> text;
  std::vector<std::int64_t> kind, integer;
  std::vector<double> number;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStrings(path + "/choices"), text));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts(path + "/choice_kind"), kind));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts(path + "/choice_int"), integer));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles(path + "/choice_float"), number));
  if (kind.size() != text.size() || integer.size() != text.size() || number.size() != text.size()) {
    return Status::BadInput(fmt::format("{}: the choice datasets differ in length", path));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    switch (kind[i]) {
      case kBool: param.choices.emplace_back(integer[i] != 0); break;
      case kInt: param.choices.emplace_back(integer[i]); break;
      case kFloat: param.choices.emplace_back(number[i]); break;
      case kString: param.choices.emplace_back(text[i]); break;
      default:
        return Status::BadInput(fmt::format("{}/choice_kind: unknown kind {}", path, kind[i]));
    }
  }
  return param;
}

Result<SearchSpace> ReadSpace(const H5File& file) {
  Result<std::vector<H5Child>> children = file.ListChildren("/space");
  if (!children.ok()) return children.status();
  std::vector<std::pair<std::int64_t, ParamSpec>> placed;
  for (const H5Child& child : *children) {
    Result<ParamSpec> param = ReadParam(file, child.name);
    if (!param.ok()) return param.status();
    std::int64_t position = 0;
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/space/" + child.name, "position"), position));
    placed.emplace_back(position, std::move(*param));
  }
  std::sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ParamSpec> params;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    if (placed[i].first != static_cast<std::int64_t>(i)) {
      return Status::BadInput("/space: the parameters' positions are not 0..n-1");
    }
    params.push_back(std::move(placed[i].second));
  }
  Result<SearchSpace> space = SearchSpace::Create(std::move(params));
  if (!space.ok()) return Status::BadInput("/space: " + space.status().message());
  return space;
}

// Population-based training's options, as attributes of / named after their config keys
// (written for pbt studies only).
Status WritePbtOptions(H5File& file, const PbtOptions& pbt) {
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "population", pbt.population));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "perturbation_interval", pbt.perturbation_interval));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "quantile", pbt.quantile));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "perturbation_factor_down", pbt.factor_down));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "perturbation_factor_up", pbt.factor_up));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "resample_probability", pbt.resample_probability));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "burn_in", pbt.burn_in));
  return file.WriteAttribute("/", "synchronous", std::int64_t{pbt.synchronous ? 1 : 0});
}

Status ReadPbtOptions(const H5File& file, PbtOptions& pbt) {
  std::int64_t synchronous = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "population"), pbt.population));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "perturbation_interval"), pbt.perturbation_interval));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "quantile"), pbt.quantile));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "perturbation_factor_down"), pbt.factor_down));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "perturbation_factor_up"), pbt.factor_up));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "resample_probability"), pbt.resample_probability));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "burn_in"), pbt.burn_in));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "synchronous"), synchronous));
  pbt.synchronous = synchronous != 0;
  return Status::Ok();
}

}  // namespace

Status WriteDefinition(H5File& file, const StudyDefinition& definition) {
  const SchedulerOptions& options = definition.scheduler;
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "name", definition.name));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "metric", definition.metric));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "mode", MetricModeName(options.mode)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "seed", std::bit_cast<std::int64_t>(options.seed)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "max_trials", options.max_trials));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "report_every", definition.report_every));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "config_yaml", definition.config_yaml));
  if (definition.time_budget) MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "time_budget", *definition.time_budget));
  if (definition.derived) {
    MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "derived", fmt::format("{}", fmt::join(*definition.derived, ","))));
  }
  MPITUNE_RETURN_IF_ERROR(
      file.WriteAttribute("/", "space_hash", std::bit_cast<std::int64_t>(definition.space.Hash())));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "scheduler", SchedulerKindName(options.kind)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "variant", AshaVariantName(options.variant)));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "min_budget", options.min_budget));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "max_budget", options.max_budget));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "eta", options.eta));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "grace", options.grace));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "sampler", SamplerKindName(options.sampler.kind)));
  MPITUNE_RETURN_IF_ERROR(
      file.WriteAttribute("/", "grid_points", static_cast<std::int64_t>(options.sampler.grid_points)));
  if (options.kind == SchedulerKind::kPbt) MPITUNE_RETURN_IF_ERROR(WritePbtOptions(file, options.pbt));
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup("/space"));
  for (std::size_t i = 0; i < definition.space.size(); ++i) {
    MPITUNE_RETURN_IF_ERROR(WriteParam(file, definition.space.param(i), i));
  }
  return Status::Ok();
}

Result<StudyDefinition> ReadDefinition(const H5File& file) {
  StudyDefinition definition;
  SchedulerOptions& options = definition.scheduler;
  std::string mode, kind, variant, sampler;
  std::int64_t seed = 0, space_hash = 0, grid_points = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "name"), definition.name));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "metric"), definition.metric));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "mode"), mode));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "seed"), seed));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "max_trials"), options.max_trials));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "report_every"), definition.report_every));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "config_yaml"), definition.config_yaml));
  if (file.HasAttribute("/", "time_budget")) {
    double time_budget = 0.0;
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "time_budget"), time_budget));
    if (!(time_budget >= 0.0) || !std::isfinite(time_budget)) {
      return Status::BadInput(fmt::format("/ time_budget: {} is not a number of seconds >= 0", time_budget));
    }
    definition.time_budget = time_budget;
  }
  if (file.HasAttribute("/", "derived")) {
    std::string derived;
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "derived"), derived));
    definition.derived.emplace();
    for (std::size_t start = 0; start < derived.size();) {
      const std::size_t end = std::min(derived.find(',', start), derived.size());
      definition.derived->push_back(derived.substr(start, end - start));
      start = end + 1;
    }
  }
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "space_hash"), space_hash));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "scheduler"), kind));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "variant"), variant));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "min_budget"), options.min_budget));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "max_budget"), options.max_budget));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "eta"), options.eta));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "grace"), options.grace));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "sampler"), sampler));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "grid_points"), grid_points));
  options.seed = std::bit_cast<std::uint64_t>(seed);
  options.sampler.grid_points = static_cast<int>(std::clamp<std::int64_t>(grid_points, 0, 1 << 30));
  Result<MetricMode> parsed_mode = ParseName<MetricMode>(mode, 2, MetricModeName, "/ mode");
  Result<SchedulerKind> parsed_kind = ParseName<SchedulerKind>(kind, 5, SchedulerKindName, "/ scheduler");
  Result<AshaVariant> parsed_variant = ParseName<AshaVariant>(variant, 2, AshaVariantName, "/ variant");
  Result<SamplerKind> parsed_sampler = ParseName<SamplerKind>(sampler, 4, SamplerKindName, "/ sampler");
  for (const Status* status :
       {&parsed_mode.status(), &parsed_kind.status(), &parsed_variant.status(), &parsed_sampler.status()}) {
    if (!status->ok()) return *status;
  }
  options.mode = *parsed_mode;
  options.kind = *parsed_kind;
  options.variant = *parsed_variant;
  options.sampler.kind = *parsed_sampler;
  if (options.kind == SchedulerKind::kPbt) MPITUNE_RETURN_IF_ERROR(ReadPbtOptions(file, options.pbt));
  if (Status valid = ValidateSchedulerOptions(options); !valid.ok()) {
    return Status::BadInput("stored scheduler options: " + valid.message());
  }
  Result<SearchSpace> space = ReadSpace(file);
  if (!space.ok()) return space.status();
  definition.space = std::move(*space);
  if (definition.space.Hash() != std::bit_cast<std::uint64_t>(space_hash)) {
    return Status::BadInput("/space: the stored search space does not match its hash (corrupt file)");
  }
  return definition;
}

}  // namespace mpitune::store
