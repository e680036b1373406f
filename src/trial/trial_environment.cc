// What a command trial gets besides its argv: the environment and params.json.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "trial/command_trial.h"
#include "trial/params_json.h"

namespace mpitune {
namespace {

// Keeps each name once, in first-seen order, with its latest value.
class EnvironmentBuilder {
 public:
  void Set(std::string_view name, std::string_view value) {
    std::string entry = fmt::format("{}={}", name, value);
    const auto [it, inserted] = index_.try_emplace(std::string(name), entries_.size());
    if (inserted) {
      entries_.push_back(std::move(entry));
    } else {
      entries_[it->second] = std::move(entry);
    }
  }
  bool Has(std::string_view name) const { return index_.find(name) != index_.end(); }
  std::vector<std::string> Take() { return std::move(entries_); }

 private:
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<std::string> entries_;
};

}  // namespace

std::vector<std::string> BuildTrialEnvironment(const TrialSpec& spec, const TrialContext& context,
                                               const char* const* parent) {
  EnvironmentBuilder env;
  for (const char* const* entry = parent; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    // getenv() reads the first of duplicate names; keep the child's view the same.
    if (env.Has(text.substr(0, eq))) continue;
    env.Set(text.substr(0, eq), text.substr(eq + 1));
  }
  for (const auto& [name, value] : spec.env) env.Set(name, value);
  env.Set("MPITUNE_TRIAL_ID", std::to_string(context.trial));
  env.Set("MPITUNE_BUDGET", fmt::format("{}", context.budget));
  env.Set("MPITUNE_CHECKPOINT_DIR", context.checkpoint_dir);
  env.Set("MPITUNE_RESTORE_FROM", context.restore_from);
  env.Set("MPITUNE_RESUME_STEP", fmt::format("{}", context.resume_step));
  env.Set("MPITUNE_SUBSET", fmt::format("{}", context.subset));
  env.Set("MPITUNE_PARAMS_JSON", context.params_json_path);
  env.Set("MPITUNE_HPO_PARAM_PATH", context.hpo_param_path);
  if (!context.metric_file.empty()) env.Set("MPITUNE_METRIC_FILE", context.metric_file);
  if (!context.config_file.empty()) env.Set("MPITUNE_CONFIG_FILE", context.config_file);
  for (const auto& [name, value] : context.params) env.Set(name, value);
  if (context.cuda_visible_devices) env.Set("CUDA_VISIBLE_DEVICES", *context.cuda_visible_devices);
  return env.Take();
}

std::string ParamsJson(TrialId trial, double budget, const SearchSpace& space, const Config& config) {
  nlohmann::ordered_json doc;
  doc["trial_id"] = trial;
  doc["budget"] = budget;
  doc["params"] = ParamsJsonObject(space, config);
  // replace: a choice string with invalid UTF-8 must not throw here.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Status WriteParamsJson(const std::string& path, TrialId trial, double budget, const SearchSpace& space,
                       const Config& config) {
  if (config.values.size() != space.size()) {
    return Status::Internal(fmt::format("WriteParamsJson: config has {} values for a space of {} parameters",
                                        config.values.size(), space.size()));
  }
  return WriteTrialFile(path, ParamsJson(trial, budget, space, config));
}

Status WriteTrialFile(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return Status::Io(fmt::format("{}: cannot create directory: {}", path, ec.message()));
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      const int error = errno;
      std::filesystem::remove(temp, ec);
      return Status::Io(fmt::format("{}: cannot write: {}", temp, std::generic_category().message(error)));
    }
  }
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return Status::Io(fmt::format("{}: cannot write: {}", path, ec.message()));
  }
  return Status::Ok();
}

}  // namespace mpitune
