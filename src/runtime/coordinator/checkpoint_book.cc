#include "runtime/coordinator/checkpoint_book.h"

#include <utility>

namespace mpitune {

void CheckpointBook::Keep(TrialId trial, double step, std::vector<std::uint8_t> state) {
  if (store_ != nullptr) {
    store_->Checkpointed(trial, step, std::move(state));
  } else {
    memory_[trial] = StoredCheckpoint{step, std::move(state)};
  }
}

const StoredCheckpoint* CheckpointBook::Find(TrialId trial) const {
  if (store_ != nullptr) return store_->FindCheckpoint(trial);
  const auto it = memory_.find(trial);
  return it == memory_.end() ? nullptr : &it->second;
}

}  // namespace mpitune
