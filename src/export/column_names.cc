#include "export/column_names.h"

#include <set>

#include <fmt/format.h>

namespace mpitune::sql {
namespace {

// "feature_config.features[:].embedding_dim" -> "p_feature_config_features_embedding_dim":
// each run of other characters becomes one '_'.
std::string Sanitised(const std::string& name) {
  std::string out = "p_";
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (out.back() != '_') {
      out += '_';
    }
  }
  while (out.size() > 2 && out.back() == '_') out.pop_back();
  if (out.size() == 2) out += "param";
  return out;
}

}  // namespace

std::vector<std::string> HyperparameterColumns(const std::vector<std::string>& names) {
  std::vector<std::string> columns;
  columns.reserve(names.size());
  std::set<std::string> taken;
  for (const std::string& name : names) {
    std::string base = Sanitised(name);
    // Room for a "_<n>" suffix within the limit.
    if (base.size() > kMaxColumnName - 8) base.resize(kMaxColumnName - 8);
    std::string column = base;
    for (int n = 2; taken.count(column) != 0; ++n) column = fmt::format("{}_{}", base, n);
    taken.insert(column);
    columns.push_back(std::move(column));
  }
  return columns;
}

}  // namespace mpitune::sql
