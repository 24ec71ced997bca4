// The store seam (doc/design.md section 7): the one interface through which the login
// decision reads accounts and settings and the bookkeeping records what happened. The
// SQLite store (sqlite_store.h) is one implementation; a PostgreSQL store will be the
// second. Nothing here names a database library, and no call takes SQL or a handle.
// Errors: kTempFail for anything the store could not do (busy past its timeout, I/O,
// corrupt or unexpected data), kReject for "no such account" or "no longer the one
// verified"; messages never hold a secret.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/account.h"
#include "store/settings.h"

namespace checkpw {

class Store {
 public:
  virtual ~Store() = default;

  [[nodiscard]] virtual Result<Settings> settings() = 0;
  // The account named exactly `name`; nullopt when there is none. A stored row that is
  // not what userdb-tool would write is kTempFail (account_read_check).
  [[nodiscard]] virtual Result<std::optional<Account>> find(std::string_view name) = 0;

  // Bookkeeping after a verdict, each one short write; `now` in unix seconds. Success:
  // account_count_success; failure: account_count_failure under `policy` (account.h),
  // each as one atomic write, so parallel guesses are all counted.
  [[nodiscard]] virtual Status record_success(std::string_view name, std::int64_t now) = 0;
  [[nodiscard]] virtual Status record_failure(std::string_view name, std::int64_t now,
                                              const Lockout& policy) = 0;
  // Clears a lock and the window's count (userdb-tool unlock). kReject: no such account.
  [[nodiscard]] virtual Status unlock(std::string_view name) = 0;
  // Stores `fresh` (and the CRAM-MD5 secret, or none for nullptr) only while the stored
  // hash is still `verified`: a password changed while a login ran is never undone.
  // kReject when the hash changed or the account is gone.
  [[nodiscard]] virtual Status replace_hash(std::string_view name, std::string_view verified,
                                            std::string_view fresh, const CramSecret* cram,
                                            std::int64_t now) = 0;
};

// How a checkpassword program opens the store: read-only for the decision, or writable
// for the best-effort bookkeeping, which waits at most `busy_ms` for another writer.
enum class StoreAccess { kDecide, kBookkeep };
inline constexpr int kBookkeepingBusyMs = 200;

// Upkeep after a bookkeeping write, started off the login's path: for SQLite, when the
// -wal file has passed kWalCheckpointBytes, a detached process checkpoints and truncates
// it, so that no login waits for a checkpoint and none reads a long WAL when it opens the
// database. Call it with no store open in this process (a forked child must not inherit
// SQLite's open files). Never blocks on the store, never fails.
void store_tidy(const std::string& location) noexcept;

// Opens the store at `location` (a path to an SQLite file, or a postgresql:// URI).
// kTempFail when it is missing, unreadable, not ours, of another schema version, or
// (kBookkeep) not writable.
[[nodiscard]] Result<std::unique_ptr<Store>> store_open(const std::string& location,
                                                        StoreAccess access);

// Whether this build has the PostgreSQL client. The checkpassword programs in BINDIR
// are linked without it (lib/store/store_open_sqlite.cc: libpq and the static OpenSSL
// would cost every SQLite login their start-up, doc/design.md section 7); their
// store_open() knows SQLite only, and they hand a PostgreSQL location to the build
// with it (pg_build_take_over() in auth/login.h). Everything else links store_open.cc.
bool store_has_postgres() noexcept;

}  // namespace checkpw
