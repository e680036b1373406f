// Where rank 0 keeps built-in objectives' checkpoints between a pause and the resume
// (or an exploit that copies a donor): in the study file when the study is stored, so
// a resumed study has them, else in memory.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "mpitune/trial.h"
#include "store/study_store.h"

namespace mpitune {

class CheckpointBook {
 public:
  explicit CheckpointBook(StudyStore* store) : store_(store) {}

  void Keep(TrialId trial, double step, std::vector<std::uint8_t> state);
  // The last checkpoint of `trial`, or null.
  const StoredCheckpoint* Find(TrialId trial) const;

 private:
  StudyStore* store_;
  std::unordered_map<TrialId, StoredCheckpoint> memory_;  // without a store
};

}  // namespace mpitune
