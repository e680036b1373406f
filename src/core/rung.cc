#include "core/rung.h"

#include <algorithm>
#include <cmath>

namespace mpitune {

namespace {
// Heap comparators over entry indices, adapting Rung::Better.
template <typename BetterFn>
auto WorstFirst(BetterFn better) {
  return [better](std::uint32_t a, std::uint32_t b) { return better(a, b); };
}
template <typename BetterFn>
auto BestFirst(BetterFn better) {
  return [better](std::uint32_t a, std::uint32_t b) { return better(b, a); };
}
}  // namespace

std::size_t Rung::Add(TrialId trial, double key, std::size_t top_size) {
  const auto index = static_cast<std::uint32_t>(entries_.size());
  const bool eligible = std::isfinite(key);
  entries_.push_back(Entry{trial, key, !eligible, false});
  auto better = [this](std::size_t a, std::size_t b) { return Better(a, b); };
  if (!best_ || Better(index, *best_)) best_ = index;
  if (eligible) {
    unpromoted_.push_back(index);
    std::push_heap(unpromoted_.begin(), unpromoted_.end(), BestFirst(better));
  }
  if (!top_.empty() && Better(index, top_.front())) {
    entries_[index].in_top = true;
    if (eligible) ++unpromoted_in_top_;
    top_.push_back(index);
    std::push_heap(top_.begin(), top_.end(), WorstFirst(better));
  } else {
    rest_.push_back(index);
    std::push_heap(rest_.begin(), rest_.end(), BestFirst(better));
  }
  SetTopSize(top_size);
  return index;
}

void Rung::SetTopSize(std::size_t top_size) {
  while (top_.size() > top_size) MoveWorstTopToRest();
  while (top_.size() < top_size && !rest_.empty()) MoveBestRestToTop();
}

void Rung::MoveWorstTopToRest() {
  auto better = [this](std::size_t a, std::size_t b) { return Better(a, b); };
  std::pop_heap(top_.begin(), top_.end(), WorstFirst(better));
  const std::uint32_t index = top_.back();
  top_.pop_back();
  entries_[index].in_top = false;
  if (!entries_[index].promoted) --unpromoted_in_top_;
  rest_.push_back(index);
  std::push_heap(rest_.begin(), rest_.end(), BestFirst(better));
}

void Rung::MoveBestRestToTop() {
  auto better = [this](std::size_t a, std::size_t b) { return Better(a, b); };
  std::pop_heap(rest_.begin(), rest_.end(), BestFirst(better));
  const std::uint32_t index = rest_.back();
  rest_.pop_back();
  entries_[index].in_top = true;
  if (!entries_[index].promoted) ++unpromoted_in_top_;
  top_.push_back(index);
  std::push_heap(top_.begin(), top_.end(), WorstFirst(better));
}

std::optional<std::size_t> Rung::PromotableTop() const {
  if (unpromoted_in_top_ == 0) return std::nullopt;
  return unpromoted_.front();
}

void Rung::PromoteTop() {
  auto better = [this](std::size_t a, std::size_t b) { return Better(a, b); };
  std::pop_heap(unpromoted_.begin(), unpromoted_.end(), BestFirst(better));
  const std::uint32_t index = unpromoted_.back();
  unpromoted_.pop_back();
  entries_[index].promoted = true;
  if (entries_[index].in_top) --unpromoted_in_top_;
}

Rung Rung::Rebuild(const std::vector<Entry>& entries, std::size_t top_size) {
  Rung rung;
  rung.entries_ = entries;
  auto better = [&rung](std::size_t a, std::size_t b) { return rung.Better(a, b); };
  for (std::uint32_t i = 0; i < rung.entries_.size(); ++i) {
    Entry& entry = rung.entries_[i];
    entry.in_top = false;
    if (!std::isfinite(entry.key)) entry.promoted = true;
    if (!rung.best_ || rung.Better(i, *rung.best_)) rung.best_ = i;
    rung.rest_.push_back(i);
    if (!entry.promoted) rung.unpromoted_.push_back(i);
  }
  std::make_heap(rung.rest_.begin(), rung.rest_.end(), BestFirst(better));
  std::make_heap(rung.unpromoted_.begin(), rung.unpromoted_.end(), BestFirst(better));
  rung.SetTopSize(top_size);
  return rung;
}

}  // namespace mpitune
