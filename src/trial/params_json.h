// A configuration as JSON, each value in its own JSON type (number, integer, bool,
// string), keys in the space's order: for params.json and for status output.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "mpitune/space.h"

namespace mpitune {

nlohmann::ordered_json ParamValueJson(const ParamValue& value);
// {name: value, ...}; `values` in the space's order.
nlohmann::ordered_json ParamsJsonObject(const SearchSpace& space, const std::vector<ParamValue>& values);
nlohmann::ordered_json ParamsJsonObject(const SearchSpace& space, const Config& config);

}  // namespace mpitune
