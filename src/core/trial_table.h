// Every trial's record, indexed by trial id; chunked so a growing study never copies it.
#pragma once

#include "base/chunked_vector.h"
#include "mpitune/trial_record.h"

namespace mpitune {

using TrialTable = ChunkedVector<TrialRecord>;

}  // namespace mpitune
