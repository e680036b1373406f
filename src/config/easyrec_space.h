// Search spaces written for EasyRec's HPO, read into parameters (README "EasyRec"):
//
// - EasyRec's hyperparams.json, a list of
//     {"type": "Categorical", "name": "feature_config.features[:].embedding_dim",
//      "candidates": ["16", "32"]}
//     {"type": "Integer" | "Real", "name": ..., "min_value": 1, "max_value": 9}
//   A name "a;b" with candidates "32;64" links two keys: it stays one choice
//   parameter (named "a;b", values "32;64"), which the hpo_param file and
//   `best --format easyrec` split into {"a": 32, "b": 64}.
// - The NNI-style search_space.json of EasyRec's newer HPO, an object of
//     "path": {"_type": "choice" | "randint" | "uniform" | "loguniform" | "quniform",
//              "_value": [...]}
//   randint's upper bound is exclusive (NNI's); quniform [low, high, q] becomes the
//   choice of low, low+q, ..., high.
//
// Candidates that read as numbers become numbers ("16" -> 16). Errors are one line
// naming the file and the entry.
#pragma once

#include <string>
#include <vector>

#include "mpitune/space.h"
#include "mpitune/status.h"

namespace mpitune {

Result<std::vector<ParamSpec>> ReadEasyRecSpaceFile(const std::string& path);
// The same from text; `source` names it in messages.
Result<std::vector<ParamSpec>> ParseEasyRecSpace(const std::string& text, const std::string& source);

// The parameters as a config's `space:` section, which reads back to the same
// parameters (strings always quoted, so "16" stays a string).
std::string SpaceSectionYaml(const std::vector<ParamSpec>& params);

}  // namespace mpitune
