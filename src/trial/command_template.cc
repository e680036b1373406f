// Argument templating for command trials (see command_trial.h).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "trial/command_trial.h"

namespace mpitune {
namespace {

// The same name rule as the config loader's placeholder check.
bool IsPlaceholderChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

std::optional<std::string> BuiltinValue(std::string_view name, const TrialContext& context) {
  if (name == "trial_id") return std::to_string(context.trial);
  // Shortest text that reads back as the same double: 3.0 -> "3", 0.1 -> "0.1".
  if (name == "budget") return fmt::format("{}", context.budget);
  if (name == "checkpoint_dir") return context.checkpoint_dir;
  if (name == "restore_from") return context.restore_from;
  if (name == "params_json") return context.params_json_path;
  if (name == "resume_step") return fmt::format("{}", context.resume_step);
  return std::nullopt;
}

struct Expander {
  const SearchSpace& space;
  const Config& config;
  const TrialContext& context;
  bool quote;

  // Built-ins first: the config loader refuses parameters named like them.
  Result<std::string> Lookup(const std::string& name) const {
    if (std::optional<std::string> value = BuiltinValue(name, context)) return *value;
    if (const std::optional<std::size_t> i = space.Find(name)) return space.Format(config, *i);
    return Status::BadInput(
        fmt::format("trial.command: '{{{}}}' is not a space parameter or a built-in placeholder", name));
  }

  Result<std::string> Expand(const std::string& word) const {
    std::string out;
    std::size_t pos = 0;
    while (pos < word.size()) {
      const std::size_t open = word.find('{', pos);
      if (open == std::string::npos) break;
      std::size_t close = open + 1;
      while (close < word.size() && IsPlaceholderChar(word[close])) ++close;
      if (close == open + 1 || close == word.size() || word[close] != '}') {
        // Not a placeholder ("{}", JSON, "${HOME}"): keep the brace, look further.
        out.append(word, pos, open + 1 - pos);
        pos = open + 1;
        continue;
      }
      Result<std::string> value = Lookup(word.substr(open + 1, close - open - 1));
      if (!value.ok()) return value.status();
      out.append(word, pos, open - pos);
      out += quote ? ShellQuote(*value) : *value;
      pos = close + 1;
    }
    out.append(word, pos, std::string::npos);
    return out;
  }
};

}  // namespace

std::string ShellQuote(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    // A single quote cannot appear inside '...': close, add an escaped one, reopen.
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

Result<std::vector<std::string>> ExpandCommand(const TrialSpec& spec, const SearchSpace& space,
                                               const Config& config, const TrialContext& context) {
  if (spec.command.empty()) return Status::BadInput("trial.command: is empty");
  if (config.values.size() != space.size()) {
    return Status::Internal(fmt::format("ExpandCommand: config has {} values for a space of {} parameters",
                                        config.values.size(), space.size()));
  }
  const Expander expander{space, config, context, spec.shell};
  std::vector<std::string> words;
  for (const std::string& element : spec.command) {
    Result<std::string> word = expander.Expand(element);
    if (!word.ok()) return word.status();
    words.push_back(std::move(word).value());
  }
  if (!spec.shell) return words;
  std::string line;
  for (const std::string& word : words) {
    if (!line.empty()) line += ' ';
    line += word;
  }
  return std::vector<std::string>{"/bin/sh", "-c", std::move(line)};
}

}  // namespace mpitune
