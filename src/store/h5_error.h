// Turning HDF5's error stack into one-line Status messages.
#pragma once

#include <string>

#include "mpitune/status.h"

namespace mpitune::store {

// Turns off HDF5's automatic printing of its error stack to stderr (process-wide;
// every H5File entry point calls it, it is idempotent).
void SilenceHdf5Errors();

// The most specific message on HDF5's current error stack, on one line, e.g.
// "file signature not found"; empty when the stack is empty. Clears the stack.
std::string TakeHdf5Error();

// "<file>: <object>: <what>: <HDF5's reason>", with the object left out when empty
// and the reason left out when HDF5 recorded none.
std::string H5Message(const std::string& file, const std::string& object, const std::string& what);

}  // namespace mpitune::store
