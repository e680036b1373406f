// One rung of successive halving: the results recorded at one budget.
//
// ASHA asks two questions of a rung after every result, and both must stay cheap with
// 10^6 trials in it: "is this trial in the top m?" (stopping variant) and "which is the
// best trial in the top m that has not been promoted yet?" (promotion variant), where m
// grows with the rung. We keep the rung split into `top` (exactly the m best entries)
// and `rest`, each a heap, plus a heap of eligible unpromoted entries and a count of
// how many of those lie in the top. Because the order is total (key, then trial id),
// the best unpromoted entry is in the top iff any unpromoted entry is, so every
// question costs O(1) and every insert O(log n). Heap items carry key and trial
// inline, so sifting never chases an index into `entries_`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/dary_heap.h"
#include "base/chunked_vector.h"
#include "mpitune/trial.h"

namespace mpitune {

class Rung {
 public:
  struct Entry {
    TrialId trial;
    double key;     // normalised metric, lower is better; +Inf for NaN/Inf/failed
    bool promoted;  // promoted, or never eligible (non-finite key)
    bool in_top;
  };

  // `track_promotions` is off for the stopping variant, which never promotes.
  explicit Rung(bool track_promotions = true) : track_promotions_(track_promotions) {}

  // Records a result and re-splits so the top holds `top_size` entries. Non-finite
  // keys rank worst and are never promotable. Returns the entry's index.
  std::size_t Add(TrialId trial, double key, std::size_t top_size);
  void SetTopSize(std::size_t top_size);

  bool InTop(std::size_t index) const { return entries_[index].in_top; }
  // The best unpromoted eligible entry if it lies in the top, else nullopt.
  std::optional<std::size_t> PromotableTop() const;
  // Marks the entry PromotableTop() returned as promoted.
  void PromoteTop();

  std::size_t size() const { return entries_.size(); }
  const ChunkedVector<Entry>& entries() const { return entries_; }
  std::optional<std::size_t> best() const { return best_; }

  // Rebuilds a rung from saved entries (arrival order); decisions afterwards are
  // the same as the original's because they depend only on the entry set.
  static Rung Rebuild(const std::vector<Entry>& entries, std::size_t top_size, bool track_promotions);

 private:
  // Trial ids fit 32 bits (max_trials is validated), keeping an item at 16 bytes.
  struct HeapItem {
    double key;
    std::uint32_t trial;
    std::uint32_t index;  // into entries_
  };
  static bool Better(const HeapItem& a, const HeapItem& b) {
    return a.key < b.key || (a.key == b.key && a.trial < b.trial);
  }
  struct BestFirst {
    bool operator()(const HeapItem& a, const HeapItem& b) const { return Better(a, b); }
  };
  struct WorstFirst {
    bool operator()(const HeapItem& a, const HeapItem& b) const { return Better(b, a); }
  };
  HeapItem Item(std::size_t index) const {
    return HeapItem{entries_[index].key, static_cast<std::uint32_t>(entries_[index].trial),
                    static_cast<std::uint32_t>(index)};
  }
  void MoveWorstTopToRest();
  void MoveBestRestToTop();

  bool track_promotions_;
  ChunkedVector<Entry> entries_;
  DaryHeap<HeapItem, WorstFirst> top_;        // the m best, worst of them on top
  DaryHeap<HeapItem, BestFirst> rest_;        // the others, best of them on top
  DaryHeap<HeapItem, BestFirst> unpromoted_;  // eligible, not yet promoted
  std::size_t unpromoted_in_top_ = 0;
  std::optional<std::size_t> best_;
};

}  // namespace mpitune
