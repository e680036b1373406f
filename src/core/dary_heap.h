// A 4-ary heap over chunked storage, best element (by `Before`) at the top.
//
// Four children per node halve the depth of a binary heap and sit in one cache line
// (16-byte items), which is what matters once a rung holds 10^6 results and the lower
// levels no longer fit in cache; chunked storage means growth never moves the heap.
#pragma once

#include <cstddef>

#include "base/chunked_vector.h"

namespace mpitune {

template <typename T, typename Before>
class DaryHeap {
 public:
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const T& top() const { return items_[0]; }

  void push(const T& item) {
    items_.push_back(item);
    std::size_t i = items_.size() - 1;
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!Before()(item, items_[parent])) break;
      items_[i] = items_[parent];
      i = parent;
    }
    items_[i] = item;
  }

  T pop() {
    const T top_item = items_[0];
    const T last = items_.back();
    items_.pop_back();
    const std::size_t n = items_.size();
    if (n == 0) return top_item;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (Before()(items_[c], items_[best])) best = c;
      }
      if (!Before()(items_[best], last)) break;
      items_[i] = items_[best];
      i = best;
    }
    items_[i] = last;
    return top_item;
  }

 private:
  static constexpr std::size_t kArity = 4;
  ChunkedVector<T> items_;
};

}  // namespace mpitune
