// Links mpitune_report (tables and the HTML report) and its layers below, but no MPI
// and no runtime: a report is made from the read model alone.
#include <cstdio>
#include <string>

#include "mpitune/study.h"
#include "report/html_report.h"
#include "report/trials_table.h"

int main() {
  mpitune::Study study;
  study.name = "empty";
  const std::string page = mpitune::report::HtmlReport(study, "/* Chart */");
  const std::string table = mpitune::report::TrialsTable(study, mpitune::report::TableFormat::kCsv);
  if (page.find("id=\"study-data\"") == std::string::npos || table.rfind("trial,state,", 0) != 0) {
    std::fprintf(stderr, "an empty study's report or trials table is missing its parts\n");
    return 1;
  }
  return 0;
}
