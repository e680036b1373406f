// The self-contained HTML report of a study: the data (report_data.h), the chart
// library and the page's script in one file that opens offline.
#pragma once

#include <string>

#include "mpitune/study.h"
#include "report/report_data.h"

namespace mpitune::report {

// `chart_library`: the text of Chart.js (chart_library.h); `plan`: the study's time
// plan, when it has a time budget and a unit cost.
std::string HtmlReport(const Study& study, const std::string& chart_library, const ReportLimits& limits = {},
                       const ShownPlan* plan = nullptr);

}  // namespace mpitune::report
