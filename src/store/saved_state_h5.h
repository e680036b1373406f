// A SavedState as a tree of HDF5 datasets: key "asha/rung/0/trial" under group
// "/scheduler" is the dataset /scheduler/asha/rung/0/trial. Ints are int64, doubles
// float64 (bit-exact, NaN payloads included), strings variable-length UTF-8.
#pragma once

#include <string>

#include "mpitune/saved_state.h"
#include "mpitune/status.h"
#include "store/h5_file.h"

namespace mpitune::store {

// Creates `group` (and its parents) and writes one dataset per key beneath it; an empty
// state leaves an empty group. Keys must be relative paths without empty, "." or ".."
// components, and no key may be a prefix directory of another ("a" and "a/b").
Status WriteSavedState(H5File& file, const std::string& group, const SavedState& state);

// Reads back every dataset below `group`, at any depth. A dataset of a type SavedState
// has no field for (bytes, compound, ...) is an error naming it.
Result<SavedState> ReadSavedState(const H5File& file, const std::string& group);

}  // namespace mpitune::store
