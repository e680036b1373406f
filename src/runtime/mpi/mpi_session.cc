#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include "runtime/mpi/mpi_runtime.h"
#include "runtime/mpi/mpi_error.h"

namespace mpitune {

Result<std::unique_ptr<MpiSession>> MpiSession::Start() {
  int provided = 0;
  MPITUNE_RETURN_IF_ERROR(MpiStatus(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided),
                                    "MPI_Init_thread"));
  // Errors come back as codes (turned into Status values) instead of aborting the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiSession>(new MpiSession(rank, size));
}

MpiSession::~MpiSession() { MPI_Finalize(); }

bool AllRanksOk(bool ok) {
  int mine = ok ? 1 : 0;
  int all = 0;
  if (MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) return false;
  return all == 1;
}

Result<std::vector<std::uint8_t>> BroadcastFromRankZero(const std::vector<std::uint8_t>& bytes) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::uint64_t length = rank == 0 ? bytes.size() : 0;
  MPITUNE_RETURN_IF_ERROR(MpiStatus(MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast"));
  if (length > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return Status::Internal(fmt::format("MPI_Bcast: {} bytes is more than one broadcast carries", length));
  }
  std::vector<std::uint8_t> received = rank == 0 ? bytes : std::vector<std::uint8_t>(length);
  MPITUNE_RETURN_IF_ERROR(MpiStatus(
      MPI_Bcast(received.data(), static_cast<int>(length), MPI_UINT8_T, 0, MPI_COMM_WORLD), "MPI_Bcast"));
  return received;
}

Result<std::optional<NodeWorkers>> FindNodeWorkers() {
  int world_rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm node = MPI_COMM_NULL;
  MPITUNE_RETURN_IF_ERROR(MpiStatus(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL, &node),
      "MPI_Comm_split_type"));
  // Rank 0 runs no trials, so it takes no device: split it off the node's workers.
  MPI_Comm workers = MPI_COMM_NULL;
  const int split = MPI_Comm_split(node, world_rank == 0 ? MPI_UNDEFINED : 0, world_rank, &workers);
  MPI_Comm_free(&node);
  MPITUNE_RETURN_IF_ERROR(MpiStatus(split, "MPI_Comm_split"));
  if (workers == MPI_COMM_NULL) return std::optional<NodeWorkers>();
  NodeWorkers place;
  MPI_Comm_rank(workers, &place.index);
  MPI_Comm_size(workers, &place.count);
  MPI_Comm_free(&workers);
  return std::optional<NodeWorkers>(place);
}

}  // namespace mpitune
