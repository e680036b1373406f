// Figures about how well a study used its workers, computed from the coordinator's
// record of trial runs: the turnaround from handing a trial out to its first report,
// and each worker's busy fraction over a window of the study.
#pragma once

#include <cstddef>
#include <map>
#include <vector>

#include "mpitune/run_record.h"

namespace mpitune {

struct TurnaroundStats {
  std::size_t runs = 0;  // runs that reported at least once
  double median_seconds = 0.0;
  double p99_seconds = 0.0;
};

// Assign -> first Report of every run that reported.
TurnaroundStats MeasureTurnaround(const std::vector<RunRecord>& runs);

// For each worker rank that ran anything: the fraction of [from, to] during which it
// ran a trial, as the worker measured it (a command trial's process lifetime, a
// built-in objective's run), placed to end when its Finished arrived. The time an Assign
// or a Finished spends on the wire and in the loops' sleeps is idle time. A run
// still open counts as busy from its Assign until `to`.
std::map<int, double> BusyFractionByRank(const std::vector<RunRecord>& runs, double from, double to);

}  // namespace mpitune
