// What both kinds of worker loop (built-in objectives and command trials) do first in
// each Step(): greet rank 0 once, then handle every message it has sent meanwhile.
#pragma once

#include <cstdio>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "mpitune/protocol.h"
#include "mpitune/status.h"
#include "mpitune/transport.h"
#include "runtime/worker.h"

namespace mpitune {

inline constexpr int kCoordinatorRank = 0;

inline Status SendHello(Transport& transport, const WorkerOptions& options) {
  return transport.Send(kCoordinatorRank, HelloMsg{kProtocolVersion, transport.rank(), options.hostname,
                                                   options.device, options.device_note});
}

// Hands each waiting message from rank 0 to `handle` until the inbox is empty or
// `shut_down` turns true; messages from other ranks are logged and dropped. Returns
// whether any message arrived (the loop was busy).
template <typename Handle>
Result<bool> ServeInbox(Transport& transport, const bool& shut_down, Handle&& handle) {
  bool busy = false;
  while (!shut_down) {
    std::optional<std::pair<int, Message>> received = transport.Poll();
    if (!received) break;
    busy = true;
    if (received->first != kCoordinatorRank) {
      fmt::print(stderr, "mpitune: rank {}: ignored a message from rank {}\n", transport.rank(), received->first);
      continue;
    }
    MPITUNE_RETURN_IF_ERROR(handle(received->second));
  }
  return busy;
}

}  // namespace mpitune
