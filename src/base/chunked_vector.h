// A growable array stored in fixed-size chunks.
//
// Growing never moves what is already stored: no copy of 10^6 elements on a
// reallocation, so a coordinator holding a million-trial study never stalls for tens
// of milliseconds in the middle of handing out work, and references stay valid.
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace mpitune {

template <typename T, std::size_t kShift = 12>
class ChunkedVector {
 public:
  class ConstIterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    ConstIterator() = default;
    ConstIterator(const ChunkedVector* vector, std::size_t index) : vector_(vector), index_(index) {}
    reference operator*() const { return (*vector_)[index_]; }
    pointer operator->() const { return &(*vector_)[index_]; }
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
    const ChunkedVector* vector_ = nullptr;
    std::size_t index_ = 0;
  };

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](std::size_t i) const { return chunks_[i >> kShift][i & kMask]; }
  T& operator[](std::size_t i) { return chunks_[i >> kShift][i & kMask]; }
  const T& back() const { return (*this)[size_ - 1]; }
  T& back() { return (*this)[size_ - 1]; }

  void push_back(T value) {
    if ((size_ & kMask) == 0 && (size_ >> kShift) == chunks_.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    chunks_[size_ >> kShift].push_back(std::move(value));
    ++size_;
  }
  void pop_back() {
    --size_;
    chunks_[size_ >> kShift].pop_back();  // the emptied chunk stays for reuse
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  ConstIterator begin() const { return ConstIterator(this, 0); }
  ConstIterator end() const { return ConstIterator(this, size_); }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << kShift;
  static constexpr std::size_t kMask = kChunk - 1;
  std::vector<std::vector<T>> chunks_;  // each reserved to kChunk: never moves
  std::size_t size_ = 0;
};

}  // namespace mpitune
