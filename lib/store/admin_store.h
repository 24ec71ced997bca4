// The administrator's side of a store (userdb-tool): the Store seam plus the writes only
// userdb-tool makes, the schema and the checks. SQLite (sqlite_store.h) and PostgreSQL
// (pg_store.h) implement it; admin_store_open picks one by the location.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace checkpw {

// Changes for `change`: a field left nullopt keeps its value; `clear_*` sets it to NULL.
struct AccountChanges {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  bool clear_uid = false, clear_gid = false, clear_home = false, clear_shell = false;
};

// uid and gid go together: the programs take an account's identity only when it has both
// (auth/identity.cc), so a change that sets or clears either must leave both or neither.
inline bool changes_identity(const AccountChanges& c) noexcept {
  return c.uid || c.gid || c.clear_uid || c.clear_gid;
}
inline constexpr const char* kHalfIdentity =
    "this would leave the account a uid without a gid or a gid without a uid (give both, or "
    "clear both)";
// What change() says when its UPDATE, which refuses half an identity, changed no row:
// kMisuse when the account is there after all, else `refused` (no such user) as it is.
inline Status change_refused(Status refused, const Result<std::optional<Account>>& found) {
  if (found && found->has_value()) return Error{Verdict::kMisuse, kHalfIdentity};
  return refused;
}

class AdminStore : public Store {
 public:
  [[nodiscard]] virtual Result<int> schema_version() = 0;
  [[nodiscard]] virtual Result<int> migrate() = 0;  // the version it started from
  // Validates with setting_parse and stores the canonical form; kMisuse when invalid.
  [[nodiscard]] virtual Status set_setting(std::string_view key, std::string_view value) = 0;
  // Every row, ordered by name, as stored: rows that find() would refuse are included
  // (check them with account_read_check).
  [[nodiscard]] virtual Result<std::vector<Account>> list() = 0;
  [[nodiscard]] virtual Result<std::int64_t> count() = 0;
  // add: kReject if the name exists; the others: kReject if there is no such account.
  [[nodiscard]] virtual Status add(const Account& account) = 0;
  // All of them in one transaction, or none: the first refusal (kReject: a name exists;
  // kMisuse: a row userdb-tool would not write) rolls everything back and names it.
  [[nodiscard]] virtual Status add_all(std::span<const Account> accounts) = 0;
  // userdb-tool copy: every account with every column as given (the bookkeeping too; ids
  // are the store's own) and every setting, in one transaction. kReject, nothing
  // written, when the store holds an account already; kMisuse naming the first row
  // userdb-tool would not write.
  [[nodiscard]] virtual Status restore_all(
      std::span<const Account> accounts,
      std::span<const std::pair<std::string, std::string>> settings) = 0;
  [[nodiscard]] virtual Status set_password(std::string_view name, std::string_view hash,
                                            const CramSecret* cram) = 0;
  [[nodiscard]] virtual Status remove(std::string_view name) = 0;
  [[nodiscard]] virtual Status set_enabled(std::string_view name, bool enabled) = 0;
  [[nodiscard]] virtual Status change(std::string_view name, const AccountChanges& changes) = 0;
  // After every userdb-tool write: whatever keeps old secrets out of the store's files and
  // the store readable by its readers (SQLite: the WAL truncated, -wal and -shm kept).
  // Warnings, never a failure of the write, which is committed.
  virtual std::vector<std::string> after_write() = 0;
  // The store's own consistency check: "ok" or the problems it lists.
  [[nodiscard]] virtual Result<std::string> integrity_check() = 0;
  // Tables, views, triggers... that the schema does not define ("trigger t").
  [[nodiscard]] virtual Result<std::vector<std::string>> unexpected_objects() = 0;
};

// How userdb-tool opens a store: kRead (current schema, no writes), kWrite (any schema
// up to ours; migrate() first), kInspect (any schema, settings not read: check, init).
enum class AdminAccess { kRead, kWrite, kInspect };
[[nodiscard]] Result<std::unique_ptr<AdminStore>> admin_store_open(const std::string& location,
                                                                   AdminAccess access);

}  // namespace checkpw
