// What a driver (the MPI coordinator, the single-process runners) tells the study
// store besides the scheduler's own events: where each run went, how it ended, a
// built-in objective's checkpoint, and the passing of time (so buffered records reach
// the disk while nothing else happens). Every method is optional to call; a null
// observer means the study is not stored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mpitune/status.h"
#include "mpitune/trial.h"

namespace mpitune {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // The run just assigned to `trial` went to this rank / device.
  virtual void RunStarted(TrialId trial, int rank, const std::string& device) = 0;
  // Its worker's account of how the run ended (call before Scheduler::Finished).
  virtual void RunEnded(TrialId trial, int exit_code, double duration, const std::string& message) = 0;
  // A built-in objective's state at `step`, for resuming the trial later, anywhere.
  virtual void Checkpointed(TrialId trial, double step, std::vector<std::uint8_t> state) = 0;
  // The last checkpoint of `trial`, or null.
  virtual const std::vector<std::uint8_t>* FindCheckpoint(TrialId trial) const = 0;
  // Called by idle loops: writes, syncs and snapshots what is due. An error means the
  // study can no longer be stored: the driver should stop.
  virtual Status Tick(double now) = 0;
};

}  // namespace mpitune
