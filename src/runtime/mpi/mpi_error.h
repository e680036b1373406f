// MPI return codes as Status values.
#pragma once

#include <string>

#include <mpi.h>

#include "mpitune/status.h"

namespace mpitune {

inline Status MpiStatus(int code, const char* call) {
  if (code == MPI_SUCCESS) return Status::Ok();
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(code, text, &length);
  return Status::Internal(std::string(call) + ": " + std::string(text, static_cast<std::size_t>(length)));
}

}  // namespace mpitune
