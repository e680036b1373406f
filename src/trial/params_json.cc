#include "trial/params_json.h"

#include <variant>

namespace mpitune {

nlohmann::ordered_json ParamValueJson(const ParamValue& value) {
  return std::visit([](const auto& v) { return nlohmann::ordered_json(v); }, value);
}

nlohmann::ordered_json ParamsJsonObject(const SearchSpace& space, const std::vector<ParamValue>& values) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < space.size() && i < values.size(); ++i) {
    params[space.param(i).name] = ParamValueJson(values[i]);
  }
  return params;
}

nlohmann::ordered_json ParamsJsonObject(const SearchSpace& space, const Config& config) {
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < space.size() && i < config.values.size(); ++i) {
    params[space.param(i).name] = ParamValueJson(space.Value(config, i));
  }
  return params;
}

}  // namespace mpitune
