// MPI for the runtime: starting and ending MPI, the transport over MPI, and the few
// collective calls made once at start-up. Everything else (the coordinator and
// worker loops) sees only the Transport interface.
//
// All the functions marked "collective" must be called by every rank, in the same
// order; they are the only blocking MPI calls, and only at start-up.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mpitune/status.h"
#include "runtime/protocol/transport.h"

namespace mpitune {

// MPI_Init_thread (MPI_THREAD_FUNNELED: only the main thread calls MPI) in Start,
// MPI_Finalize in the destructor. One per process.
class MpiSession {
 public:
  static Result<std::unique_ptr<MpiSession>> Start();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }

 private:
  MpiSession(int rank, int size) : world_rank_(rank), world_size_(size) {}
  int world_rank_;
  int world_size_;
};

// Collective. True on every rank when `ok` is true on every rank: lets the ranks
// agree that start-up worked before rank 0 waits for workers that are not coming.
bool AllRanksOk(bool ok);

// Collective. Rank 0's `bytes` on every rank (the length, then the bytes); what the
// other ranks pass is ignored.
Result<std::vector<std::uint8_t>> BroadcastFromRankZero(const std::vector<std::uint8_t>& bytes);

// Collective. This rank's place among the worker ranks (world rank != 0) on its
// node, found with MPI_Comm_split_type(MPI_COMM_TYPE_SHARED); nullopt on rank 0.
struct NodeWorkers {
  int index = 0;  // 0-based, ordered by world rank
  int count = 1;  // worker ranks on this node
};
Result<std::optional<NodeWorkers>> FindNodeWorkers();

// Collective (MPI_Comm_dup of MPI_COMM_WORLD, so no other code's messages can be
// matched). Sends are MPI_Isend of the encoded bytes with the message's tag, their
// buffers kept until MPI_Test says they have gone; Poll is MPI_Iprobe on any
// source and tag, then MPI_Get_count, MPI_Recv and Decode. The destructor flushes
// pending sends and frees the communicator; destroy it before the MpiSession.
Result<std::unique_ptr<Transport>> MakeMpiTransport();

}  // namespace mpitune
