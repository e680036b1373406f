#include "trial/easyrec_param.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "trial/params_json.h"

namespace mpitune {
namespace {

std::vector<std::string> SplitOnSemicolons(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t at = text.find(';'); at != std::string::npos; at = text.find(';', start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "32" -> 32, "0.5" -> 0.5, anything else stays text.
nlohmann::ordered_json Typed(const std::string& text) {
  std::int64_t integer = 0;
  const char* end = text.data() + text.size();
  if (!text.empty() && std::from_chars(text.data(), end, integer).ptr == end) return integer;
  double number = 0.0;
  if (!text.empty() && std::from_chars(text.data(), end, number).ptr == end && std::isfinite(number)) return number;
  return text;
}

}  // namespace

nlohmann::ordered_json EasyRecParamJson(const SearchSpace& space, const std::vector<ParamValue>& values) {
  nlohmann::ordered_json param = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < space.size() && i < values.size(); ++i) {
    const std::string& name = space.param(i).name;
    const auto* text = std::get_if<std::string>(&values[i]);
    const std::vector<std::string> names = SplitOnSemicolons(name);
    if (names.size() > 1 && text != nullptr) {
      const std::vector<std::string> parts = SplitOnSemicolons(*text);
      if (parts.size() == names.size()) {
        for (std::size_t k = 0; k < names.size(); ++k) param[names[k]] = Typed(parts[k]);
        continue;
      }
    }
    param[name] = ParamValueJson(values[i]);
  }
  return {{"param", param}};
}

std::string EasyRecParamText(const SearchSpace& space, const std::vector<ParamValue>& values) {
  return EasyRecParamJson(space, values).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mpitune
