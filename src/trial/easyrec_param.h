// EasyRec's hpo_param file: {"param": {"feature_config.features[:].embedding_dim": 48,
// ...}}, the form EasyRec's trainer takes with --hpo_param_path, and what `mpitune best
// --format easyrec` prints. A linked parameter (a choice named "a;b" with values such
// as "32;64", from EasyRec's hyperparams.json) becomes one key per name, each value
// typed as a number where it reads as one.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "mpitune/space.h"

namespace mpitune {

nlohmann::ordered_json EasyRecParamJson(const SearchSpace& space, const std::vector<ParamValue>& values);
// {"param": ...} as text, two-space indented, ending in a newline.
std::string EasyRecParamText(const SearchSpace& space, const std::vector<ParamValue>& values);

}  // namespace mpitune
