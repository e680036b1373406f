// Error values that cross module boundaries (config, store, export, transport).
//
// A Status is either ok or carries a one-line message that names the offending
// file/key and the constraint it broke, e.g.
//   "study.yaml: scheduler.eta: expected a number >= 2, got 1".
// Result<T> holds either a value or a non-ok Status. Both are [[nodiscard]] so a
// caller cannot silently drop an error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mpitune {

enum class ErrorKind {
  kOk = 0,
  kBadInput,  // the user's config, file or arguments are wrong (exit code 2)
  kIo,        // the operating system refused something (exit code 1)
  kInternal,  // a bug or an unexpected state (exit code 1)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status BadInput(std::string message) { return Status(ErrorKind::kBadInput, std::move(message)); }
  static Status Io(std::string message) { return Status(ErrorKind::kIo, std::move(message)); }
  static Status Internal(std::string message) { return Status(ErrorKind::kInternal, std::move(message)); }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with where the error happened, e.g. a file name.
  Status WithContext(const std::string& where) const {
    if (ok()) return *this;
    return Status(kind_, where + ": " + message_);
  }

 private:
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mpitune

#define MPITUNE_RETURN_IF_ERROR(expr)              \
  do {                                             \
    ::mpitune::Status mpitune_status_ = (expr);    \
    if (!mpitune_status_.ok()) return mpitune_status_; \
  } while (false)
