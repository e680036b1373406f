// Column names for hyperparameters whose names are anything a config allows, e.g.
// "feature_config.features[:].embedding_dim": lower-case letters, digits and '_',
// starting with "p_" (never a keyword, never one of the fixed columns), at most
// kMaxColumnName bytes (MaxCompute's limit is 128), unique without regard to case
// (Hive and MaxCompute fold it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mpitune::sql {

inline constexpr std::size_t kMaxColumnName = 64;

// One column name per entry of `names`, in the same order; equal inputs give equal
// outputs only once (the second gets a "_2" suffix, and so on).
std::vector<std::string> HyperparameterColumns(const std::vector<std::string>& names);

}  // namespace mpitune::sql
