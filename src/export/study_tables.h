// The four exported tables built from studies (README "Exporting to a warehouse"
// lists them column by column): one row per study, per trial, per report and per
// exploit of population-based training.
#pragma once

#include <string>
#include <vector>

#include "export/sql_table.h"
#include "mpitune/study.h"

namespace mpitune::sql {

Table StudiesTable(const std::vector<Study>& studies, const std::string& prefix);
// One typed column per hyperparameter of any of the studies (a name in two studies
// with different types becomes DOUBLE for int and float, else STRING).
Table TrialsTable(const std::vector<Study>& studies, const std::string& prefix);
Table ReportsTable(const std::vector<Study>& studies, const std::string& prefix);
Table ExploitsTable(const std::vector<Study>& studies, const std::string& prefix);

}  // namespace mpitune::sql
