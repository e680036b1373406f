#include "runtime/mpi/pmi2_support.h"

#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace mpitune {
namespace {

bool ProbePmi2() {
#if defined(__SANITIZE_ADDRESS__)
  // Open MPI's tool interface leaks by design (as its MPI_Finalize does, see
  // mpirun_e2e.sh) and unloads the components that allocated; our probe holds nothing.
  __lsan::ScopedDisabler open_mpi_leaks;
#endif
  return MpiSupportsPmi2();
}

// The probe reads MPI's tool interface; ompi_info lists the same components.
TEST(MpiSupportsPmi2Test, AgreesWithOmpiInfo) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen("ompi_info --parsable 2>/dev/null", "r"), pclose);
  ASSERT_NE(pipe, nullptr);
  std::string listing;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe.get()) != nullptr) listing += buffer;
  if (listing.find("mca:pmix:") == std::string::npos) GTEST_SKIP() << "ompi_info is not there to compare with";
  const bool listed = listing.find("mca:pmix:s2:") != std::string::npos;
  EXPECT_EQ(ProbePmi2(), listed);
}

}  // namespace
}  // namespace mpitune
