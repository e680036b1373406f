#include "config/easyrec_space.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_reader.h"

namespace mpitune {
namespace {

using namespace yaml;  // NOLINT: the general readers

// quniform expands to at most this many values.
constexpr double kMaxQuantisedValues = 10'000;

// "16" -> 16, "0.5" -> 0.5, "true" -> true, "adam" -> "adam"; JSON numbers likewise.
Status ReadCandidate(const YAML::Node& node, const std::string& path, ParamValue* out) {
  if (!node.IsScalar()) return Expected(path, "a string, number or bool (lists are not supported)", node);
  const std::string& text = node.Scalar();
  if (text.find('\0') != std::string::npos) return Fail(path, "contains a NUL byte");
  if (const auto flag = ParseYamlBool(text); flag && (text == "true" || text == "false")) {
    *out = *flag;
  } else if (const auto integer = ParseYamlInteger(text)) {
    *out = *integer;
  } else if (const auto number = ParseYamlFloat(text); number && std::isfinite(*number)) {
    *out = *number;
  } else {
    *out = text;
  }
  return Status::Ok();
}

Status ReadCandidates(const YAML::Node& node, const std::string& path, ParamSpec* spec) {
  if (!node.IsSequence() || node.size() == 0) return Expected(path, "a non-empty list of candidates", node);
  spec->type = ParamType::kChoice;
  std::size_t i = 0;
  for (const YAML::Node& item : node) {
    ParamValue value;
    MPITUNE_RETURN_IF_ERROR(ReadCandidate(item, Index(path, i++), &value));
    spec->choices.push_back(std::move(value));
  }
  if (const auto duplicate = FindDuplicateValue(spec->choices)) {
    return Fail(Index(path, duplicate->second), fmt::format("duplicate candidate {}", Describe(node[duplicate->second])));
  }
  return Status::Ok();
}

// A linked name "a;b" needs every candidate to hold as many ';'-separated values.
Status CheckLinked(const ParamSpec& spec, const std::string& path) {
  const auto parts = [](const std::string& text) { return std::count(text.begin(), text.end(), ';') + 1; };
  const auto keys = parts(spec.name);
  if (keys == 1) return Status::Ok();
  if (spec.type != ParamType::kChoice) return Fail(path, "linked names (a;b) need a Categorical parameter");
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    const auto* text = std::get_if<std::string>(&spec.choices[i]);
    if (text == nullptr || parts(*text) != keys) {
      return Fail(Index(Join(path, "candidates"), i),
                  fmt::format("expected {} values separated by ';' for the {} linked names", keys, keys));
    }
  }
  return Status::Ok();
}

Status ReadBoundsOf(const YAML::Node& entry, const std::string& path, double* low, double* high) {
  const YAML::Node min = entry["min_value"];
  const YAML::Node max = entry["max_value"];
  if (!min) return Fail(Join(path, "min_value"), "required key is missing");
  if (!max) return Fail(Join(path, "max_value"), "required key is missing");
  MPITUNE_RETURN_IF_ERROR(ReadNumber(min, Join(path, "min_value"), std::nullopt, low));
  return ReadNumber(max, Join(path, "max_value"), std::nullopt, high);
}

Status ReadEasyRecEntry(const YAML::Node& entry, const std::string& path, ParamSpec* spec) {
  if (!entry.IsMap()) return Expected(path, "an object with type and name", entry);
  const YAML::Node type = entry["type"];
  const YAML::Node name = entry["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty()) return Expected(Join(path, "name"), "a non-empty string", name);
  spec->name = name.Scalar();
  if (!type || !type.IsScalar()) return Expected(Join(path, "type"), "Categorical, Integer or Real", type);
  const std::string& kind = type.Scalar();
  if (kind == "Categorical") {
    MPITUNE_RETURN_IF_ERROR(ReadCandidates(entry["candidates"], Join(path, "candidates"), spec));
  } else if (kind == "Integer" || kind == "Real") {
    MPITUNE_RETURN_IF_ERROR(ReadBoundsOf(entry, path, &spec->low, &spec->high));
    spec->type = kind == "Integer" ? ParamType::kInt : ParamType::kUniform;
  } else {
    return Expected(Join(path, "type"), "Categorical, Integer or Real", type);
  }
  return CheckLinked(*spec, path);
}

Status ReadNumbers(const YAML::Node& values, const std::string& path, std::size_t count, std::vector<double>* out) {
  if (!values.IsSequence() || values.size() != count) {
    return Expected(path, fmt::format("a list of {} numbers", count), values);
  }
  for (std::size_t i = 0; i < count; ++i) {
    double number = 0.0;
    MPITUNE_RETURN_IF_ERROR(ReadNumber(values[i], Index(path, i), std::nullopt, &number));
    out->push_back(number);
  }
  return Status::Ok();
}

Status ReadNniEntry(const YAML::Node& entry, const std::string& path, ParamSpec* spec) {
  if (!entry.IsMap()) return Expected(path, "an object with _type and _value", entry);
  const YAML::Node type = entry["_type"];
  const YAML::Node values = entry["_value"];
  const std::string value_path = Join(path, "_value");
  if (!values) return Fail(value_path, "required key is missing");
  const std::string kind = type && type.IsScalar() ? type.Scalar() : "";
  std::vector<double> numbers;
  if (kind == "choice") return ReadCandidates(values, value_path, spec);
  if (kind == "randint") {
    MPITUNE_RETURN_IF_ERROR(ReadNumbers(values, value_path, 2, &numbers));
    spec->type = ParamType::kInt;
    spec->low = numbers[0];
    spec->high = numbers[1] - 1;  // NNI: upper bound exclusive
    return Status::Ok();
  }
  if (kind == "uniform" || kind == "loguniform") {
    MPITUNE_RETURN_IF_ERROR(ReadNumbers(values, value_path, 2, &numbers));
    spec->type = kind == "uniform" ? ParamType::kUniform : ParamType::kLogUniform;
    spec->low = numbers[0];
    spec->high = numbers[1];
    return Status::Ok();
  }
  if (kind == "quniform") {
    MPITUNE_RETURN_IF_ERROR(ReadNumbers(values, value_path, 3, &numbers));
    const double low = numbers[0], high = numbers[1], q = numbers[2];
    if (!(q > 0) || !(high >= low) || (high - low) / q > kMaxQuantisedValues) {
      return Fail(value_path, fmt::format("expected [low, high, q] with q > 0, low <= high and at most {} steps",
                                          kMaxQuantisedValues));
    }
    spec->type = ParamType::kChoice;
    const bool integral = low == std::round(low) && q == std::round(q);
    const auto steps = static_cast<std::int64_t>(std::floor((high - low) / q + 1e-9));
    for (std::int64_t i = 0; i <= steps; ++i) {
      const double value = low + static_cast<double>(i) * q;
      spec->choices.push_back(integral ? ParamValue(static_cast<std::int64_t>(value)) : ParamValue(value));
    }
    return Status::Ok();
  }
  return Expected(Join(path, "_type"), "choice, randint, uniform, loguniform or quniform", type ? type : entry);
}

}  // namespace

Result<std::vector<ParamSpec>> ParseEasyRecSpace(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    return Status::BadInput(Escape(fmt::format("{}: not JSON: {}", source, error.msg)));
  }
  std::vector<ParamSpec> params;
  Status status;
  try {
    if (root.IsSequence() && root.size() > 0) {
      std::size_t i = 0;
      for (const YAML::Node& entry : root) {
        ParamSpec spec;
        status = ReadEasyRecEntry(entry, Index("", i++), &spec);
        if (!status.ok()) break;
        params.push_back(std::move(spec));
      }
    } else if (root.IsMap() && root.size() > 0) {
      for (const auto& entry : root) {
        ParamSpec spec;
        spec.name = entry.first.Scalar();
        status = ReadNniEntry(entry.second, spec.name, &spec);
        if (!status.ok()) break;
        params.push_back(std::move(spec));
      }
    } else {
      status = Fail("", "expected EasyRec's hyperparams list or an NNI search_space object, not empty");
    }
  } catch (const YAML::Exception& error) {
    status = Status::BadInput(fmt::format("invalid search space: {}", error.msg));
  }
  if (!status.ok()) return Status::BadInput(Escape(status.message())).WithContext(source);
  // The space's own checks (bounds, unique names) say which parameter.
  Result<SearchSpace> space = SearchSpace::Create(params);
  if (!space.ok()) return Status::BadInput(Escape(space.status().message())).WithContext(source);
  return params;
}

Result<std::vector<ParamSpec>> ReadEasyRecSpaceFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::BadInput(fmt::format("{}: cannot read the search space file", path));
  std::ostringstream text;
  text << file.rdbuf();
  return ParseEasyRecSpace(text.str(), path);
}

std::string SpaceSectionYaml(const std::vector<ParamSpec>& params) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  const auto value = [&out](const ParamValue& v) {
    std::visit(
        [&out](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out << YAML::DoubleQuoted << x;
          } else if constexpr (std::is_same_v<T, double>) {
            // A '.' keeps it a float when read back ("1.0", not "1").
            std::string text = fmt::format("{}", x);
            if (text.find_first_of(".en") == std::string::npos) text += ".0";
            out << text;
          } else {
            out << x;
          }
        },
        v);
  };
  out << YAML::BeginMap << YAML::Key << "space" << YAML::Value << YAML::BeginMap;
  for (const ParamSpec& spec : params) {
    out << YAML::Key << YAML::DoubleQuoted << spec.name << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << ParamTypeName(spec.type);
    switch (spec.type) {
      case ParamType::kUniform:
      case ParamType::kLogUniform:
        out << YAML::Key << "low" << YAML::Value;
        value(spec.low);
        out << YAML::Key << "high" << YAML::Value;
        value(spec.high);
        break;
      case ParamType::kInt:
        out << YAML::Key << "low" << YAML::Value << static_cast<std::int64_t>(spec.low);
        out << YAML::Key << "high" << YAML::Value << static_cast<std::int64_t>(spec.high);
        if (spec.log) out << YAML::Key << "log" << YAML::Value << true;
        break;
      case ParamType::kChoice:
        out << YAML::Key << "values" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (const ParamValue& choice : spec.choices) value(choice);
        out << YAML::EndSeq;
        break;
      case ParamType::kConstant:
        out << YAML::Key << "value" << YAML::Value;
        value(spec.choices.front());
        break;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mpitune
