#include "core/rung.h"

#include <cmath>

namespace mpitune {

std::size_t Rung::Add(TrialId trial, double key, std::size_t top_size) {
  const std::size_t index = entries_.size();
  const bool eligible = std::isfinite(key) && track_promotions_;
  entries_.push_back(Entry{trial, key, !eligible, false});
  const HeapItem item = Item(index);
  if (!best_ || Better(item, Item(*best_))) best_ = index;
  if (eligible) unpromoted_.push(item);
  if (!top_.empty() && Better(item, top_.top())) {
    entries_[index].in_top = true;
    if (eligible) ++unpromoted_in_top_;
    top_.push(item);
  } else {
    rest_.push(item);
  }
  SetTopSize(top_size);
  return index;
}

void Rung::SetTopSize(std::size_t top_size) {
  while (top_.size() > top_size) MoveWorstTopToRest();
  while (top_.size() < top_size && !rest_.empty()) MoveBestRestToTop();
}

void Rung::MoveWorstTopToRest() {
  const HeapItem item = top_.pop();
  entries_[item.index].in_top = false;
  if (!entries_[item.index].promoted) --unpromoted_in_top_;
  rest_.push(item);
}

void Rung::MoveBestRestToTop() {
  const HeapItem item = rest_.pop();
  entries_[item.index].in_top = true;
  if (!entries_[item.index].promoted) ++unpromoted_in_top_;
  top_.push(item);
}

std::optional<std::size_t> Rung::PromotableTop() const {
  if (unpromoted_in_top_ == 0) return std::nullopt;
  return unpromoted_.top().index;
}

void Rung::PromoteTop() {
  const std::uint32_t index = unpromoted_.pop().index;
  entries_[index].promoted = true;
  if (entries_[index].in_top) --unpromoted_in_top_;
}

Rung Rung::Rebuild(const std::vector<Entry>& entries, std::size_t top_size, bool track_promotions) {
  Rung rung(track_promotions);
  for (const Entry& saved : entries) {
    const std::size_t index = rung.entries_.size();
    const bool promoted = saved.promoted || !std::isfinite(saved.key) || !track_promotions;
    rung.entries_.push_back(Entry{saved.trial, saved.key, promoted, false});
    if (!rung.best_ || Better(rung.Item(index), rung.Item(*rung.best_))) rung.best_ = index;
    rung.rest_.push(rung.Item(index));
    if (!promoted) rung.unpromoted_.push(rung.Item(index));
  }
  rung.SetTopSize(top_size);
  return rung;
}

}  // namespace mpitune
