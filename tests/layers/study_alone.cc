// Links mpitune_study (the read model) and its layers below, but no MPI and no
// runtime: a reader of study files needs neither.
#include <cstdio>

#include "mpitune/study.h"

int main() {
  const mpitune::Result<mpitune::Study> study = mpitune::ReadStudy("/nonexistent/study.h5");
  if (study.ok() || study.status().kind() != mpitune::ErrorKind::kBadInput) {
    std::fprintf(stderr, "expected a BadInput error for a missing study file\n");
    return 1;
  }
  return 0;
}
