#include "report/html_report.h"

#include <string>

#include <nlohmann/json.hpp>

namespace mpitune::report {
namespace {

// The page's own script, a JavaScript file kept as one raw string literal.
constexpr const char* kPageScript =
#include "report/report_script.js.inc"
    ;

constexpr const char* kStyle = R"CSS(
body { font-family: sans-serif; margin: 16px 24px; color: #222; max-width: 1300px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; max-width: 700px;
         overflow-wrap: anywhere; white-space: pre-wrap; }
th { background: #f2f2f2; }
.note { color: #555; font-size: 13px; max-width: 1260px; }
.row, .grid { display: flex; flex-wrap: wrap; gap: 8px; }
.chart { display: inline-block; }
pre.config { background: #f7f7f7; padding: 8px; font-size: 12px; max-height: 400px; overflow: auto; }
#render-check { color: #999; font-size: 10px; white-space: pre-wrap; }
)CSS";

// Text safe inside a <script> element: "</script>" or "<!--" in it would end or
// confuse the element, so no '<' is left raw (in JSON, '<' only occurs in strings,
// where \u003c means the same; in the library, in strings and regular expressions,
// where "<\/" does).
std::string ScriptSafeJson(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

std::string ScriptSafeLibrary(std::string text) {
  for (std::size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 3)) {
    text.replace(at, 2, "<\\/");
  }
  return text;
}

}  // namespace

std::string HtmlReport(const Study& study, const std::string& chart_library, const ReportLimits& limits,
                       const ShownPlan* plan) {
  const std::string data =
      ReportData(study, limits, plan).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string page;
  page.reserve(data.size() + chart_library.size() + 40000);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mpitune report</title>\n<style>";
  page += kStyle;
  page += "</style>\n<script>\n";
  page += ScriptSafeLibrary(chart_library);
  page += "\n</script>\n</head>\n<body>\n<main id=\"report\"></main>\n";
  page += "<details><summary>render check</summary><pre id=\"render-check\">not drawn</pre></details>\n";
  page += "<script type=\"application/json\" id=\"study-data\">";
  page += ScriptSafeJson(data);
  page += "</script>\n<script>\n";
  page += kPageScript;
  page += "\n</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace mpitune::report
