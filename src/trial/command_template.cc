// Argument templating for command trials (see command_trial.h).
#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
  if (name == "hpo_param_path") return context.hpo_param_path;
  if (name == "metric_file") return context.metric_file;
  if (name == "config_file") return context.config_file;
  if (name == "resume_step") return fmt::format("{}", context.resume_step);
  if (name == "subset") return fmt::format("{}", context.subset);
  return std::nullopt;
}

// The environment variable that carries a placeholder's value in shell mode.
Result<std::string> VariableOf(const std::string& name, const SearchSpace& space) {
  if (name == "trial_id") return std::string("MPITUNE_TRIAL_ID");
  if (name == "budget") return std::string("MPITUNE_BUDGET");
  if (name == "checkpoint_dir") return std::string("MPITUNE_CHECKPOINT_DIR");
  if (name == "restore_from") return std::string("MPITUNE_RESTORE_FROM");
  if (name == "params_json") return std::string("MPITUNE_PARAMS_JSON");
  if (name == "hpo_param_path") return std::string("MPITUNE_HPO_PARAM_PATH");
  if (name == "metric_file") return std::string("MPITUNE_METRIC_FILE");
  if (name == "config_file") return std::string("MPITUNE_CONFIG_FILE");
  if (name == "subset") return std::string("MPITUNE_SUBSET");
  if (const std::optional<std::size_t> i = space.Find(name)) return ParamVariable(space, *i);
  return Status::BadInput(
      fmt::format("trial.command: '{{{}}}' is not a space parameter or a built-in placeholder", name));
}

// Calls `placeholder(name)` for each "{name}" in `text` and `literal(piece)` for the
// text between; "{}", JSON and other braces are text.
template <typename Literal, typename Placeholder>
Status ScanPlaceholders(const std::string& text, Literal&& literal, Placeholder&& placeholder) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find('{', pos);
    if (open == std::string::npos) break;
    std::size_t close = open + 1;
    while (close < text.size() && IsPlaceholderChar(text[close])) ++close;
    if (close == open + 1 || close == text.size() || text[close] != '}') {
      literal(std::string_view(text).substr(pos, open + 1 - pos));
      pos = open + 1;
      continue;
    }
    literal(std::string_view(text).substr(pos, open - pos));
    MPITUNE_RETURN_IF_ERROR(placeholder(text.substr(open + 1, close - open - 1)));
    pos = close + 1;
  }
  literal(std::string_view(text).substr(pos));
  return Status::Ok();
}

// Where a shell line stands at some point: inside '...', inside "...", or neither.
class QuoteState {
 public:
  void Feed(std::string_view text) {
    for (const char c : text) {
      if (escaped_) {
        escaped_ = false;
      } else if (state_ == kSingle) {
        if (c == '\'') state_ = kNone;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        state_ = state_ == kDouble ? kNone : kDouble;
      } else if (c == '\'' && state_ == kNone) {
        state_ = kSingle;
      }
    }
  }
  // A reference to `variable` that expands to its value, unsplit and unglobbed,
  // wherever it stands; the value itself never becomes shell text.
  std::string Reference(const std::string& variable) const {
    switch (state_) {
      case kDouble: return "${" + variable + "}";
      case kSingle: return "'\"${" + variable + "}\"'";
      case kNone: break;
    }
    return "\"${" + variable + "}\"";
  }

 private:
  enum State { kNone, kSingle, kDouble };
  State state_ = kNone;
  bool escaped_ = false;
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

std::string ParamVariable(const SearchSpace& space, std::size_t i) {
  const auto sanitized = [](const std::string& name) {
    std::string out;
    for (const char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
  };
  const std::string mine = sanitized(space.param(i).name);
  // Two names that differ only in characters a variable cannot hold get the position.
  for (std::size_t j = 0; j < space.size(); ++j) {
    if (j != i && sanitized(space.param(j).name) == mine) return fmt::format("MPITUNE_PARAM_{}_{}", i, mine);
  }
  return "MPITUNE_PARAM_" + mine;
}

std::vector<std::pair<std::string, std::string>> ParamEnvironment(const SearchSpace& space, const Config& config) {
  std::vector<std::pair<std::string, std::string>> variables;
  for (std::size_t i = 0; i < space.size() && i < config.values.size(); ++i) {
    variables.emplace_back(ParamVariable(space, i), space.Format(config, i));
  }
  return variables;
}

Result<std::vector<std::string>> ExpandCommand(const TrialSpec& spec, const SearchSpace& space,
                                               const Config& config, const TrialContext& context) {
  if (spec.command.empty()) return Status::BadInput("trial.command: is empty");
  if (config.values.size() != space.size()) {
    return Status::Internal(fmt::format("ExpandCommand: config has {} values for a space of {} parameters",
                                        config.values.size(), space.size()));
  }
  if (!spec.shell) {
    // Each element is one argument, the values put in as they are: no shell reads them.
    std::vector<std::string> words;
    for (const std::string& element : spec.command) {
      std::string word;
      MPITUNE_RETURN_IF_ERROR(ScanPlaceholders(
          element, [&](std::string_view text) { word += text; },
          [&](const std::string& name) -> Status {
            if (std::optional<std::string> value = BuiltinValue(name, context)) {
              word += *value;
            } else if (const std::optional<std::size_t> i = space.Find(name)) {
              word += space.Format(config, *i);
            } else {
              return VariableOf(name, space).status();
            }
            return Status::Ok();
          }));
      words.push_back(std::move(word));
    }
    return words;
  }
  // Shell mode: the template is shell text as written (pipes, redirections, quotes of
  // its own), but no value ever is: each placeholder becomes a reference to the
  // environment variable that holds its value (BuildTrialEnvironment sets them all),
  // quoted for where it stands, so no value is split, globbed or executed.
  std::string line;
  QuoteState quotes;
  for (std::size_t e = 0; e < spec.command.size(); ++e) {
    if (e > 0) {
      line += ' ';
      quotes.Feed(" ");
    }
    MPITUNE_RETURN_IF_ERROR(ScanPlaceholders(
        spec.command[e],
        [&](std::string_view text) {
          line += text;
          quotes.Feed(text);
        },
        [&](const std::string& name) -> Status {
          Result<std::string> variable = VariableOf(name, space);
          if (!variable.ok()) return variable.status();
          line += quotes.Reference(*variable);
          return Status::Ok();
        }));
  }
  return std::vector<std::string>{"/bin/sh", "-c", std::move(line)};
}

}  // namespace mpitune
