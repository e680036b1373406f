// Applying journal events: to the history tables, and to a scheduler, which must make
// exactly the calls it made the first time (a divergence means the file does not
// belong to this scheduler, or is corrupt).
#pragma once

#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "store/study_store.h"
#include "store/study_events.h"

namespace mpitune::store {

void ApplyToHistory(StudyHistory& history, const StudyEvent& event);

// Re-makes the scheduler call the event records (Next for Assign, Done and Wait, Report,
// Finished); runtime facts are no scheduler calls and pass.
Status ApplyToScheduler(Scheduler& scheduler, const StudyEvent& event);

}  // namespace mpitune::store
