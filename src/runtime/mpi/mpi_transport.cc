#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include "runtime/mpi/mpi_runtime.h"
#include "runtime/poll_loop.h"
#include "runtime/mpi/mpi_error.h"

namespace mpitune {
namespace {

class MpiTransport final : public Transport {
 public:
  MpiTransport(MPI_Comm comm, int rank, int size) : comm_(comm), rank_(rank), size_(size) {}

  ~MpiTransport() override {
    if (Status status = Flush(); !status.ok()) {
      fmt::print(stderr, "mpitune: rank {}: {}\n", rank_, status.message());
    }
    MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status Send(int to, const Message& message) override {
    if (to < 0 || to >= size_) {
      return Status::Internal(fmt::format("rank {}: send to rank {} outside 0..{}", rank_, to, size_ - 1));
    }
    // The bytes' heap buffer does not move when the vector is moved into the list,
    // so the pointer given to MPI_Isend stays valid until MPI_Test completes it.
    PendingSend pending{MPI_REQUEST_NULL, Encode(message)};
    MPITUNE_RETURN_IF_ERROR(MpiStatus(MPI_Isend(pending.bytes.data(), static_cast<int>(pending.bytes.size()),
                                                MPI_BYTE, to, MessageTag(KindOf(message)), comm_, &pending.request),
                                      "MPI_Isend"));
    pending_.push_back(std::move(pending));
    return TestPending();
  }

  std::optional<std::pair<int, Message>> Poll() override {
    if (Status status = TestPending(); !status.ok()) {
      fmt::print(stderr, "mpitune: rank {}: {}\n", rank_, status.message());
    }
    while (true) {
      int arrived = 0;
      MPI_Status probe;
      if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &arrived, &probe) != MPI_SUCCESS || !arrived) {
        return std::nullopt;
      }
      int count = 0;
      MPI_Get_count(&probe, MPI_BYTE, &count);
      const bool too_big = count < 0 || static_cast<std::size_t>(count) > kMaxMessageBytes;
      // An oversized message is still received (truncated to nothing) so that it
      // leaves the queue, but no buffer of the size it claims is allocated.
      std::vector<std::uint8_t> bytes(too_big ? 0 : static_cast<std::size_t>(count));
      std::uint8_t sink = 0;
      MPI_Recv(too_big ? &sink : bytes.data(), too_big ? 0 : count, MPI_BYTE, probe.MPI_SOURCE, probe.MPI_TAG, comm_,
               MPI_STATUS_IGNORE);
      if (too_big) {
        fmt::print(stderr, "mpitune: rank {}: dropped a {}-byte message from rank {} (limit {})\n", rank_, count,
                   probe.MPI_SOURCE, kMaxMessageBytes);
        continue;
      }
      Result<Message> message = Decode(probe.MPI_TAG, bytes);
      if (message.ok()) return std::make_pair(probe.MPI_SOURCE, std::move(*message));
      fmt::print(stderr, "mpitune: rank {}: dropped a message from rank {}: {}\n", rank_, probe.MPI_SOURCE,
                 message.status().message());
    }
  }

  Status Flush() override {
    IdlePacer pacer;
    while (!pending_.empty()) {
      MPITUNE_RETURN_IF_ERROR(TestPending());
      if (!pending_.empty()) pacer.Sleep();
    }
    return Status::Ok();
  }

 private:
  struct PendingSend {
    MPI_Request request;
    std::vector<std::uint8_t> bytes;
  };

  // Drops the sends MPI has finished with; never waits.
  Status TestPending() {
    Status result;
    for (std::size_t i = 0; i < pending_.size();) {
      int done = 0;
      MPI_Status status;
      const int code = MPI_Test(&pending_[i].request, &done, &status);
      if (code != MPI_SUCCESS) {
        result = MpiStatus(code, "MPI_Test");
        done = 1;  // the request is dead either way; keeping it would spin forever
      }
      if (done) {
        pending_[i] = std::move(pending_.back());
        pending_.pop_back();
      } else {
        ++i;
      }
    }
    return result;
  }

  MPI_Comm comm_;
  int rank_;
  int size_;
  std::vector<PendingSend> pending_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeMpiTransport() {
  MPI_Comm comm = MPI_COMM_NULL;
  MPITUNE_RETURN_IF_ERROR(MpiStatus(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup"));
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  return std::unique_ptr<Transport>(std::make_unique<MpiTransport>(comm, rank, size));
}

}  // namespace mpitune
