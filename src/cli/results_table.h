// The text people read about a study, at the end of a run and from `status`: pure
// functions of the read model (mpitune/study.h), so two runs with the same seed print
// the same text and `run` and `status` say the same.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mpitune/study.h"

namespace mpitune::cli {

// The first `limit` trials by RankTrials, columns trial, state, budget, <metric> (its
// value and the budget of the rung it has it at), the rank and device of its last run
// when the study ran on more than one, and one per parameter.
std::string FormatResultsTable(const Study& study, std::size_t limit);

// "trials: 60 (completed 3, stopped 52, paused 0, ...)" with zero counts left out.
std::string FormatStateCounts(const Study& study);

// "best: trial 17, loss 0.398 at budget 27, x1=3.14 x2=2.27", or "best: none".
std::string FormatBestTrial(const Study& study);

// One line per rung: "bracket 0 rung 1 budget 3: 20 results, 6 promoted, best trial 35 (0.957)",
// the best being the best value recorded at that rung.
std::vector<std::string> FormatRungs(const Study& study);

// "metric lines dropped: 6 malformed, 0 ignored, 1 going back in step (in 3 runs)":
// what command trials printed that made no report, over `runs`; empty when nothing.
std::string FormatMetricLines(const std::vector<RunRecord>& runs);

// Wall times for humans: "0.000412 s" for tiny runs, "12.345 s" otherwise.
std::string FormatSeconds(double seconds);
// Ages for humans: "0.3 s", "12 s", "5.0 min", "2.1 h".
std::string FormatAge(double seconds);

// A metric for tables: 6 significant digits, "-" for none, "nan" for a worst-ranked one.
std::string FormatMetric(const std::optional<double>& value);

}  // namespace mpitune::cli
