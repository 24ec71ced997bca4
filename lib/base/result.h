// Result<T>: a value or an Error, for every library function that can fail.
// The library never throws on the authentication path and never exits; it returns an
// Error whose verdict says how the caller must treat it (usually kTempFail), and whose
// message is safe to log (it never holds a secret).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "base/verdict.h"

namespace checkpw {

struct Error {
  Verdict verdict = Verdict::kTempFail;
  std::string message;
};

inline Error temp_error(std::string message) {
  return {Verdict::kTempFail, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

using Status = Result<std::monostate>;
inline Status ok_status() {
  return Status(std::monostate{});
}

}  // namespace checkpw
