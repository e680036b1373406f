// Every trial's record, indexed by trial id.
//
// Stored in fixed-size chunks rather than one vector: a study growing past 10^6 trials
// never copies the whole table on a reallocation, so the coordinator never stalls for
// tens of milliseconds in the middle of handing out work.
#pragma once

#include <cstddef>
#include <iterator>
#include <vector>

#include "mpitune/trial_record.h"

namespace mpitune {

class TrialTable {
 public:
  class ConstIterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = TrialRecord;
    using difference_type = std::ptrdiff_t;
    using pointer = const TrialRecord*;
    using reference = const TrialRecord&;

    ConstIterator() = default;
    ConstIterator(const TrialTable* table, std::size_t index) : table_(table), index_(index) {}
    reference operator*() const { return (*table_)[index_]; }
    pointer operator->() const { return &(*table_)[index_]; }
    ConstIterator& operator++() {
      ++index_;
      return *this;
    }
    ConstIterator operator++(int) {
      ConstIterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const ConstIterator& other) const { return index_ == other.index_; }

   private:
    const TrialTable* table_ = nullptr;
    std::size_t index_ = 0;
  };

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const TrialRecord& operator[](std::size_t id) const { return chunks_[id >> kShift][id & kMask]; }
  TrialRecord& operator[](std::size_t id) { return chunks_[id >> kShift][id & kMask]; }
  const TrialRecord& back() const { return (*this)[size_ - 1]; }
  TrialRecord& back() { return (*this)[size_ - 1]; }

  void push_back(TrialRecord record) {
    if ((size_ & kMask) == 0) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    chunks_.back().push_back(std::move(record));
    ++size_;
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  ConstIterator begin() const { return ConstIterator(this, 0); }
  ConstIterator end() const { return ConstIterator(this, size_); }

 private:
  static constexpr std::size_t kShift = 12;
  static constexpr std::size_t kChunk = std::size_t{1} << kShift;
  static constexpr std::size_t kMask = kChunk - 1;
  std::vector<std::vector<TrialRecord>> chunks_;  // each reserved to kChunk: never moves
  std::size_t size_ = 0;
};

}  // namespace mpitune
