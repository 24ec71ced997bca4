// PgConn and PgResult: the one owner of each libpq handle, and the few calls the
// PostgreSQL store needs, with errors as values. Every statement with data is sent with
// bound parameters (PQexecParams, text format in, text format out): no SQL text is ever
// built from data. Nothing is read from the environment: the connection's every
// parameter comes from the location (doc/design.md section 7).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace checkpw {

class PgResult {
 public:
  PgResult() noexcept = default;
  explicit PgResult(PGresult* r) noexcept : r_(r) {}
  ~PgResult();
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const noexcept;
  bool is_null(int row, int col) const noexcept;
  std::string text(int row, int col) const;
  // An integer column (bigint, integer, boolean as 0/1); kTempFail when it is not one.
  [[nodiscard]] Result<std::int64_t> int64(int row, int col) const;
  // Rows an INSERT, UPDATE or DELETE changed.
  std::int64_t changed() const noexcept;

 private:
  PGresult* r_ = nullptr;
};

// A parameter: text, or NULL. Binary data is sent as hex text ('\x...' bytea input).
struct PgParam {
  std::optional<std::string> text;
  static PgParam null() { return {}; }
  static PgParam of(std::string_view v) { return {std::string(v)}; }
  static PgParam of(std::int64_t v) { return {std::to_string(v)}; }
  static PgParam bytes(std::span<const unsigned char> v);
  ~PgParam();  // wipes: a parameter may be a hash or a CRAM-MD5 secret
  PgParam() = default;
  PgParam(std::optional<std::string> t) : text(std::move(t)) {}
  PgParam(const PgParam&) = default;
  PgParam(PgParam&&) = default;
  PgParam& operator=(const PgParam&) = default;
  PgParam& operator=(PgParam&&) = default;
};

// What a PostgreSQL error means to us: a read-only session (a hot standby), a unique
// violation (the name exists), a table that is not there (no schema yet), or anything else.
enum class PgFailure { kOther, kReadOnly, kUnique, kNoTable };

class PgConn {
 public:
  PgConn() noexcept = default;
  ~PgConn();
  PgConn(PgConn&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  PgConn& operator=(PgConn&& o) noexcept;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  struct Options {
    int connect_timeout_s = 5;
    // libpq's target_session_attrs when the location gives none; `force` overrides it.
    const char* session_default = nullptr;
    const char* session_force = nullptr;
  };
  // kTempFail saying why (the message never holds the location's password).
  [[nodiscard]] static Result<PgConn> connect(const std::string& location, const Options& o);

  // A statement; `params` are $1, $2... kTempFail (with `failure` set) on any error.
  [[nodiscard]] Result<PgResult> exec(std::string_view sql, const std::vector<PgParam>& params = {},
                                      PgFailure* failure = nullptr);
  // Whether this session is read-only (a hot standby, or default_transaction_read_only).
  bool read_only() const noexcept;

 private:
  explicit PgConn(PGconn* c) noexcept : c_(c) {}
  PGconn* c_ = nullptr;
};

// BEGIN ... COMMIT, rolled back unless committed.
class PgTransaction {
 public:
  explicit PgTransaction(PgConn& c) noexcept : c_(c) {}
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  [[nodiscard]] Status begin();
  [[nodiscard]] Status commit();

 private:
  PgConn& c_;
  bool open_ = false;
};

}  // namespace checkpw
