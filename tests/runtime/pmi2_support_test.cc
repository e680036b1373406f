#include "runtime/mpi/pmi2_support.h"

#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace mpitune {
namespace {

// The probe reads MPI's tool interface; ompi_info lists the same components.
TEST(MpiSupportsPmi2Test, AgreesWithOmpiInfo) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen("ompi_info --parsable 2>/dev/null", "r"), pclose);
  ASSERT_NE(pipe, nullptr);
  std::string listing;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe.get()) != nullptr) listing += buffer;
  if (listing.find("mca:pmix:") == std::string::npos) GTEST_SKIP() << "ompi_info is not there to compare with";
  const bool listed = listing.find("mca:pmix:s2:") != std::string::npos;
  EXPECT_EQ(MpiSupportsPmi2(), listed);
}

}  // namespace
}  // namespace mpitune
