// Links mpitune_store and what it declares it needs (core, base, HDF5) and nothing
// else: if the store called into config, trial or runtime, this would not link.
#include <cstdio>

#include "store/study_store.h"

int main() {
  const mpitune::Result<mpitune::StoredStudy> study = mpitune::ReadStudyFile("/nonexistent/study.h5");
  if (study.ok() || study.status().kind() != mpitune::ErrorKind::kBadInput) {
    std::fprintf(stderr, "expected a BadInput error for a missing study file\n");
    return 1;
  }
  return 0;
}
