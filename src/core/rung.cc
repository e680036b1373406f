#include "core/rung.h"

#include <algorithm>
#include <cmath>

namespace mpitune {

std::size_t Rung::Add(TrialId trial, double key, std::size_t top_size) {
  const std::size_t index = entries_.size();
  const bool eligible = std::isfinite(key);
  entries_.push_back(Entry{trial, key, !eligible, false});
  const HeapItem item = Item(index);
  if (!best_ || Better(item, Item(*best_))) best_ = index;
  if (eligible) {
    unpromoted_.push_back(item);
    std::push_heap(unpromoted_.begin(), unpromoted_.end(), BestFirst);
  }
  if (!top_.empty() && Better(item, top_.front())) {
    entries_[index].in_top = true;
    if (eligible) ++unpromoted_in_top_;
    top_.push_back(item);
    std::push_heap(top_.begin(), top_.end(), WorstFirst);
  } else {
    rest_.push_back(item);
    std::push_heap(rest_.begin(), rest_.end(), BestFirst);
  }
  SetTopSize(top_size);
  return index;
}

void Rung::SetTopSize(std::size_t top_size) {
  while (top_.size() > top_size) MoveWorstTopToRest();
  while (top_.size() < top_size && !rest_.empty()) MoveBestRestToTop();
}

void Rung::MoveWorstTopToRest() {
  std::pop_heap(top_.begin(), top_.end(), WorstFirst);
  const HeapItem item = top_.back();
  top_.pop_back();
  entries_[item.index].in_top = false;
  if (!entries_[item.index].promoted) --unpromoted_in_top_;
  rest_.push_back(item);
  std::push_heap(rest_.begin(), rest_.end(), BestFirst);
}

void Rung::MoveBestRestToTop() {
  std::pop_heap(rest_.begin(), rest_.end(), BestFirst);
  const HeapItem item = rest_.back();
  rest_.pop_back();
  entries_[item.index].in_top = true;
  if (!entries_[item.index].promoted) ++unpromoted_in_top_;
  top_.push_back(item);
  std::push_heap(top_.begin(), top_.end(), WorstFirst);
}

std::optional<std::size_t> Rung::PromotableTop() const {
  if (unpromoted_in_top_ == 0) return std::nullopt;
  return unpromoted_.front().index;
}

void Rung::PromoteTop() {
  std::pop_heap(unpromoted_.begin(), unpromoted_.end(), BestFirst);
  const std::uint32_t index = unpromoted_.back().index;
  unpromoted_.pop_back();
  entries_[index].promoted = true;
  if (entries_[index].in_top) --unpromoted_in_top_;
}

Rung Rung::Rebuild(const std::vector<Entry>& entries, std::size_t top_size) {
  Rung rung;
  rung.entries_ = entries;
  for (std::size_t i = 0; i < rung.entries_.size(); ++i) {
    Entry& entry = rung.entries_[i];
    entry.in_top = false;
    if (!std::isfinite(entry.key)) entry.promoted = true;
    if (!rung.best_ || Better(rung.Item(i), rung.Item(*rung.best_))) rung.best_ = i;
    rung.rest_.push_back(rung.Item(i));
    if (!entry.promoted) rung.unpromoted_.push_back(rung.Item(i));
  }
  std::make_heap(rung.rest_.begin(), rung.rest_.end(), BestFirst);
  std::make_heap(rung.unpromoted_.begin(), rung.unpromoted_.end(), BestFirst);
  rung.SetTopSize(top_size);
  return rung;
}

}  // namespace mpitune
