// How rank 0 and the workers exchange protocol messages (protocol.h).
//
// Two implementations: the MPI one (mpi_runtime.h) for real runs, and an in-process
// one whose endpoints share queues, so that the coordinator and the workers can be
// driven in one thread by a unit test with no mpirun.
//
// Neither call ever blocks: the runtime's loops poll and sleep with a backoff, because
// a rank blocked inside MPI busy-polls a whole core (DESIGN.md "Runtime").
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/protocol/messages.h"
#include "mpitune/status.h"

namespace mpitune {

class Transport {
 public:
  virtual ~Transport() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Queues `message` for rank `to` and returns at once; messages from one sender to
  // one receiver arrive in the order they were sent.
  virtual Status Send(int to, const Message& message) = 0;

  // One received message with its sender's rank, or nullopt when none is waiting.
  // Also moves pending sends along. A message that fails to decode is logged
  // (with both ranks) and dropped: a bad peer must not bring this rank down.
  virtual std::optional<std::pair<int, Message>> Poll() = 0;

  // Waits (polling, with short sleeps) until every message sent so far has left this
  // process, so that it is safe to shut the transport down.
  virtual Status Flush() = 0;
};

enum class InProcessWire {
  kEncoded,  // every message is encoded and decoded, as over MPI (tests)
  kDirect,   // messages are passed as they are (a single-process study)
};

// `size` endpoints, indexed by rank, sharing one set of queues. Not thread-safe:
// drive all endpoints from one thread.
std::vector<std::unique_ptr<Transport>> MakeInProcessTransports(int size,
                                                                InProcessWire wire = InProcessWire::kEncoded);

}  // namespace mpitune
