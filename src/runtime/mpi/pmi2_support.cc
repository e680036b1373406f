#include "runtime/mpi/pmi2_support.h"

#include <string_view>

#include <mpi.h>

namespace mpitune {

bool MpiSupportsPmi2() {
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return false;
  int count = 0;
  bool found = false;
  if (MPI_T_cvar_get_num(&count) == MPI_SUCCESS) {
    // Every Open MPI component registers "<framework>_<component>_major_version"
    // and the like, so the s2 component shows as variables named pmix_s2_*.
    constexpr std::string_view kPrefix = "pmix_s2_";
    for (int index = 0; index < count && !found; ++index) {
      char name[256] = {};
      int name_length = sizeof(name);
      int verbosity = 0;
      int bind = 0;
      int scope = 0;
      int description_length = 0;  // 0: the description is not wanted
      MPI_Datatype type = MPI_DATATYPE_NULL;
      MPI_T_enum enumtype = MPI_T_ENUM_NULL;
      if (MPI_T_cvar_get_info(index, name, &name_length, &verbosity, &type, &enumtype, nullptr, &description_length,
                              &bind, &scope) != MPI_SUCCESS) {
        continue;
      }
      found = std::string_view(name).starts_with(kPrefix);
    }
  }
  MPI_T_finalize();
  return found;
}

}  // namespace mpitune
