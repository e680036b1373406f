#include "config/config_template.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

namespace mpitune {
namespace {

constexpr std::array<std::string_view, 5> kBuiltins = {"trial_id", "budget", "checkpoint_dir", "restore_from",
                                                       "resume_step"};

std::string Trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// Calls `literal` for text and `placeholder` for each "{{name}}", in order.
template <typename Literal, typename Placeholder>
Status Scan(const std::string& text, Literal&& literal, Placeholder&& placeholder) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    const std::size_t line_end = text.find('\n', open);
    if (close == std::string::npos || (line_end != std::string::npos && line_end < close)) {
      return Status::BadInput(fmt::format("an unclosed '{{{{' at byte {}", open));
    }
    literal(std::string_view(text).substr(pos, open - pos));
    MPITUNE_RETURN_IF_ERROR(placeholder(Trimmed(std::string_view(text).substr(open + 2, close - open - 2))));
    pos = close + 2;
  }
  literal(std::string_view(text).substr(pos));
  return Status::Ok();
}

}  // namespace

bool IsTemplateBuiltin(const std::string& name) {
  for (const std::string_view builtin : kBuiltins) {
    if (name == builtin) return true;
  }
  return false;
}

Status CheckConfigTemplate(const std::string& text, const SearchSpace& space, const std::string& path) {
  const Status status = Scan(
      text, [](std::string_view) {},
      [&space](const std::string& name) {
        if (space.Find(name) || IsTemplateBuiltin(name)) return Status::Ok();
        return Status::BadInput(fmt::format("'{{{{{}}}}}' is not a space parameter or one of trial_id, budget, "
                                            "checkpoint_dir, restore_from, resume_step",
                                            name));
      });
  return status.WithContext(path);
}

Result<std::string> RenderConfigTemplate(const std::string& text,
                                         const std::function<std::optional<std::string>(const std::string&)>& value_of) {
  std::string out;
  out.reserve(text.size());
  const Status status = Scan(
      text, [&out](std::string_view piece) { out += piece; },
      [&](const std::string& name) {
        const std::optional<std::string> value = value_of(name);
        if (!value) return Status::BadInput(fmt::format("config_template: unknown placeholder '{{{{{}}}}}'", name));
        out += *value;
        return Status::Ok();
      });
  if (!status.ok()) return status;
  return out;
}

}  // namespace mpitune
