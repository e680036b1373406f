#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <system_error>

#include <yaml-cpp/eventhandler.h>

namespace mpitune::yaml {
namespace {

constexpr std::size_t kMaxShownScalar = 40;
constexpr std::size_t kMaxSuggestDistance = 2;

}  // namespace

// ---------------------------------------------------------------------------
// Small text helpers.

// Optimal string alignment distance: like Levenshtein, but a swap of two adjacent
// characters counts once, the most common typo in key names ("max_trails").
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The nearest candidate within kMaxSuggestDistance; ties go to the earlier one.
std::optional<std::string> Suggest(std::string_view word, std::span<const std::string> candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = kMaxSuggestDistance + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::vector<std::string> ToStrings(KeyList keys) { return {keys.begin(), keys.end()}; }

// "a", "a or b", "a, b or c".
std::string JoinOr(std::span<const std::string> words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// Keeps messages on one line whatever the user's text contains.
std::string Escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Quote(std::string_view text) {
  std::string shown = Escape(text);
  if (shown.size() > kMaxShownScalar) shown = shown.substr(0, kMaxShownScalar) + "...";
  return "'" + shown + "'";
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

// ---------------------------------------------------------------------------
// YAML 1.2 core-schema scalars. Parsed by hand rather than with yaml-cpp's as<T>()
// so that "1.5" is not silently truncated to an integer and typos are not numbers.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

std::optional<std::int64_t> ParseYamlInteger(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  const std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// [-+]? ( digits [. digits*]? | . digits ) ( [eE] [-+]? digits )?
bool IsDecimalFloat(std::string_view text) {
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == exponent_start) return false;
  }
  return i == text.size();
}

std::optional<double> ParseYamlFloat(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN")
    return std::numeric_limits<double>::quiet_NaN();
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  double value = 0.0;
  if (text == ".inf" || text == ".Inf" || text == ".INF") {
    value = std::numeric_limits<double>::infinity();
  } else {
    if (!IsDecimalFloat(text)) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<bool> ParseYamlBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

// How a value appears after "got": numbers and bools as written, strings quoted.
YAML::Node PlainScalar(const std::string& text) {
  YAML::Node node(text);
  node.SetTag("?");  // what the parser gives an unquoted scalar
  return node;
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      const bool literal = ParseYamlFloat(text) || ParseYamlBool(text);
      return IsPlain(node) && literal ? Escape(text) : Quote(text);
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

Status Fail(const std::string& path, std::string_view what) {
  return Status::BadInput(fmt::format("{}: {}", path.empty() ? "document" : path, what));
}

Status Expected(const std::string& path, std::string_view what, const YAML::Node& got) {
  return Fail(path, fmt::format("expected {}, got {}", what, Describe(got)));
}

// ---------------------------------------------------------------------------
// Mappings.

Status MapReader::Open(const YAML::Node& node, const std::string& path, KeyList known, MapReader* out) {
  out->path_ = path;
  out->entries_.clear();
  if (node.IsNull()) return Status::Ok();
  if (!node.IsMap()) return Expected(path, "a mapping", node);
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) return Fail(path, "keys must be strings");
    const std::string& key = entry.first.Scalar();
    MPITUNE_RETURN_IF_ERROR(CheckKnown(Join(path, key), key, known));
    if (out->Has(key)) return Fail(Join(path, key), "duplicate key");
    out->entries_.emplace_back(key, entry.second);
  }
  return Status::Ok();
}

bool MapReader::Has(std::string_view key) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const auto& entry) { return entry.first == key; });
}

std::optional<YAML::Node> MapReader::Get(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key && !value.IsNull()) return value;
  }
  return std::nullopt;
}

Status MapReader::CheckKnown(const std::string& key_path, const std::string& key, KeyList known) {
  if (std::find(known.begin(), known.end(), key) != known.end()) return Status::Ok();
  const std::vector<std::string> names = ToStrings(known);
  if (const auto suggestion = Suggest(key, names)) {
    return Fail(key_path, fmt::format("unknown key (did you mean {}?)", *suggestion));
  }
  return Fail(key_path, fmt::format("unknown key (expected {})", JoinOr(names)));
}

// ---------------------------------------------------------------------------
// Typed values.

Status ReadString(const YAML::Node& node, const std::string& path, std::string* out) {
  if (!node.IsScalar()) return Expected(path, "a string", node);
  *out = node.Scalar();
  return Status::Ok();
}

Status ReadNonEmptyString(const YAML::Node& node, const std::string& path, std::string* out) {
  if (!node.IsScalar() || node.Scalar().empty()) return Expected(path, "a non-empty string", node);
  *out = node.Scalar();
  return Status::Ok();
}

Status ReadBool(const YAML::Node& node, const std::string& path, bool* out) {
  const auto value = node.IsScalar() ? ParseYamlBool(node.Scalar()) : std::nullopt;
  if (!value) return Expected(path, "true or false", node);
  *out = *value;
  return Status::Ok();
}

std::string DescribeBound(const Bound& bound) {
  const char* op = bound.inclusive ? ">=" : ">";
  if (bound.name.empty()) return fmt::format("{} {}", op, bound.value);
  return fmt::format("{} {} ({})", op, bound.name, bound.value);
}

// Accepts quoted numbers too: the key says a number is wanted, so "3" is no riddle.
Status ReadNumber(const YAML::Node& node, const std::string& path, std::optional<Bound> bound,
                  double* out) {
  const std::string what = bound ? "a number " + DescribeBound(*bound) : "a number";
  const auto value = node.IsScalar() ? ParseYamlFloat(node.Scalar()) : std::nullopt;
  if (!value || !std::isfinite(*value)) return Expected(path, what, node);
  if (bound && (bound->inclusive ? *value < bound->value : *value <= bound->value)) {
    return Expected(path, what, node);
  }
  *out = *value;
  return Status::Ok();
}

std::optional<double> ParseDuration(std::string_view text) {
  constexpr double kYear = 365.0 * 86400.0;
  if (const auto plain = ParseYamlFloat(text)) {
    if (!std::isfinite(*plain) || *plain <= 0.0 || *plain > kYear) return std::nullopt;
    return *plain;
  }
  double total = 0.0;
  std::size_t at = 0;
  std::string_view units = "smhd";  // each at most once, largest first
  if (text.empty()) return std::nullopt;
  while (at < text.size()) {
    std::size_t end = at;
    while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) ++end;
    if (end == at || end == text.size()) return std::nullopt;
    const auto number = ParseYamlFloat(text.substr(at, end - at));
    const std::size_t unit = units.find(text[end]);
    if (!number || unit == std::string_view::npos) return std::nullopt;
    constexpr std::array<double, 4> kSeconds = {1.0, 60.0, 3600.0, 86400.0};
    total += *number * kSeconds[unit];
    units = units.substr(0, unit);  // "30m2h" and "1h1h" are refused
    at = end + 1;
  }
  if (!std::isfinite(total) || total <= 0.0 || total > kYear) return std::nullopt;
  return total;
}

Status ReadDuration(const YAML::Node& node, const std::string& path, double* out) {
  const auto value = node.IsScalar() ? ParseDuration(node.Scalar()) : std::nullopt;
  if (!value) return Expected(path, "a duration > 0 such as 90s, 45m, 2h or 1h30m (at most 365d)", node);
  *out = *value;
  return Status::Ok();
}

// Integral floats ("1e3", "100.0") are accepted; "1.5" is not.
std::optional<std::int64_t> ParseIntegral(const std::string& text) {
  if (const auto exact = ParseYamlInteger(text)) return exact;
  const auto value = ParseYamlFloat(text);
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  if (!value || std::trunc(*value) != *value || std::fabs(*value) > kExactLimit)
    return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

Status ReadInteger(const YAML::Node& node, const std::string& path, std::int64_t min,
                   std::int64_t max, std::int64_t* out) {
  const auto value = node.IsScalar() ? ParseIntegral(node.Scalar()) : std::nullopt;
  if (!value) return Expected(path, "an integer", node);
  if (*value < min) return Expected(path, fmt::format("an integer >= {}", min), node);
  if (*value > max) return Expected(path, fmt::format("an integer <= {}", max), node);
  *out = *value;
  return Status::Ok();
}

Status ReadInt(const YAML::Node& node, const std::string& path, int min, int* out) {
  std::int64_t value = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInteger(node, path, min, std::numeric_limits<int>::max(), &value));
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ReadUnsigned(const YAML::Node& node, const std::string& path, std::uint64_t* out) {
  std::string_view text = node.IsScalar() ? std::string_view(node.Scalar()) : std::string_view();
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
  if (!digits_only || error != std::errc() || end != text.data() + text.size()) {
    return Expected(path, "a non-negative integer", node);
  }
  *out = value;
  return Status::Ok();
}


Status SyntaxError(const std::string& source, const YAML::Mark& mark, std::string_view what) {
  if (mark.is_null()) return Status::BadInput(fmt::format("{}: invalid YAML: {}", source, what));
  return Status::BadInput(
      fmt::format("{}:{}:{}: invalid YAML: {}", source, mark.line + 1, mark.column + 1, what));
}

namespace {

// Where each document of a stream starts and whether it is empty, without building
// any nodes.
class DocumentScanner : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool empty = true;
  };

  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    documents_.push_back({mark, true});
    at_root_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { at_root_ = false; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { SawContent(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    SawContent();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    SawContent();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    SawContent();
  }
  void OnMapEnd() override {}

 private:
  void SawContent() {
    if (at_root_) documents_.back().empty = false;
    at_root_ = false;
  }

  std::vector<Document> documents_;
  bool at_root_ = false;
};

}  // namespace

// Only the first document is used, so any later one with content is a mistake
// (a trailing "---" is not). yaml-cpp 0.7's LoadAll never returns on a stray ','
// at document level (yaml-cpp issue #1040): the parser keeps reporting an empty
// document without consuming the token. Pulling documents one by one and
// requiring progress turns that into a syntax error.
Status CheckOneDocument(const std::string& yaml_text, const std::string& source) {
  std::istringstream stream(yaml_text);
  YAML::Parser parser(stream);
  DocumentScanner scanner;
  while (parser.HandleNextDocument(scanner)) {
    const auto& documents = scanner.documents();
    const std::size_t n = documents.size();
    if (n >= 2 && documents[n - 1].start.pos <= documents[n - 2].start.pos) {
      const YAML::Mark& mark = documents[n - 1].start;
      const auto pos = static_cast<std::size_t>(mark.pos);
      const std::string token = pos < yaml_text.size() ? Quote(yaml_text.substr(pos, 1)) : "input";
      return SyntaxError(source, mark, fmt::format("unexpected {}", token));
    }
  }
  const auto& documents = scanner.documents();
  const auto with_content = std::count_if(documents.begin(), documents.end(),
                                          [](const auto& document) { return !document.empty; });
  if (with_content == 0) {
    return Status::BadInput(
        fmt::format("{}: empty config (expected study, space and trial)", source));
  }
  if (documents.size() > 1 && (with_content > 1 || documents.front().empty)) {
    return Status::BadInput(fmt::format("{}: expected one YAML document, got {}", source,
                                        std::max<std::ptrdiff_t>(with_content, 2)));
  }
  return Status::Ok();
}

}  // namespace mpitune::yaml
