// In-process transport: one FIFO per receiving rank, shared by all endpoints. With
// InProcessWire::kEncoded messages go through Encode/Decode, so that tests exercise the
// wire format exactly as the MPI transport does; a single-process study passes them
// as they are (kDirect), which costs a queue push and pop per message.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "runtime/protocol/transport.h"

namespace mpitune {
namespace {

struct Envelope {
  int from = -1;
  int tag = 0;
  std::vector<std::uint8_t> bytes;  // kEncoded
  std::optional<Message> message;   // kDirect
};

struct Mailboxes {
  InProcessWire wire = InProcessWire::kEncoded;
  std::vector<std::deque<Envelope>> inbox;  // indexed by the receiving rank
};

class InProcessTransport final : public Transport {
 public:
  InProcessTransport(std::shared_ptr<Mailboxes> boxes, int rank) : boxes_(std::move(boxes)), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(boxes_->inbox.size()); }

  Status Send(int to, const Message& message) override {
    if (to < 0 || to >= size()) {
      return Status::Internal(fmt::format("rank {}: send to rank {} outside 0..{}", rank_, to, size() - 1));
    }
    std::deque<Envelope>& inbox = boxes_->inbox[static_cast<std::size_t>(to)];
    if (boxes_->wire == InProcessWire::kDirect) {
      inbox.push_back(Envelope{rank_, 0, {}, message});
    } else {
      inbox.push_back(Envelope{rank_, MessageTag(KindOf(message)), Encode(message), std::nullopt});
    }
    return Status::Ok();
  }

  std::optional<std::pair<int, Message>> Poll() override {
    std::deque<Envelope>& inbox = boxes_->inbox[static_cast<std::size_t>(rank_)];
    while (!inbox.empty()) {
      Envelope envelope = std::move(inbox.front());
      inbox.pop_front();
      if (envelope.message) return std::make_pair(envelope.from, std::move(*envelope.message));
      Result<Message> message = Decode(envelope.tag, envelope.bytes);
      if (message.ok()) return std::make_pair(envelope.from, std::move(*message));
      fmt::print(stderr, "mpitune: rank {}: dropped a message from rank {}: {}\n", rank_, envelope.from,
                 message.status().message());
    }
    return std::nullopt;
  }

  Status Flush() override { return Status::Ok(); }  // delivery is immediate

 private:
  std::shared_ptr<Mailboxes> boxes_;
  int rank_;
};

}  // namespace

std::vector<std::unique_ptr<Transport>> MakeInProcessTransports(int size, InProcessWire wire) {
  auto boxes = std::make_shared<Mailboxes>();
  boxes->wire = wire;
  boxes->inbox.resize(static_cast<std::size_t>(size));
  std::vector<std::unique_ptr<Transport>> endpoints;
  for (int rank = 0; rank < size; ++rank) endpoints.push_back(std::make_unique<InProcessTransport>(boxes, rank));
  return endpoints;
}

}  // namespace mpitune
