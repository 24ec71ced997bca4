// The SQLite store: one file in WAL mode (doc/design.md section 7), the default location of
// every account. It implements the Store seam for the checkpassword programs (read-only
// for the decision, read-write for bookkeeping, never migrating) and the administrative
// writes that only userdb-tool makes. Every write is one IMMEDIATE transaction; a failed
// call changes nothing. secure_delete and in-memory temporaries keep old secrets out of
// free pages and temp files; triggers and views never run (sqlite.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/store.h"

namespace checkpw {

// Changes for `set`: a field left nullopt keeps its value; `clear_*` sets it to NULL.
struct AccountChanges {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  bool clear_uid = false, clear_gid = false, clear_home = false, clear_shell = false;
};

// The WAL size past which a bookkeeping write starts a checkpoint (store_tidy), and how long
// that checkpoint may take.
inline constexpr long kWalCheckpointBytes = 64 * 1024;
inline constexpr unsigned kTidySeconds = 10;

class SqliteStore final : public Store {
 public:
  enum class Mode {
    kDecide,    // read-only, current schema (the programs' decision, userdb-tool's reads)
    kBookkeep,  // read-write, current schema, gives up on a busy writer after 200 ms
    kAdmin,     // read-write, any schema from 1 to ours (userdb-tool; migrate() first)
    kInspect,   // read-only, any schema, settings not read (userdb-tool check)
  };
  // Missing file, not a database, unreadable, corrupt, a schema the mode does not accept,
  // not writable when the mode writes: kTempFail saying which.
  [[nodiscard]] static Result<SqliteStore> open(const std::string& path, Mode mode);
  // Creates a new database (kReject if `path` exists): mode 0600, or 0640 and `group`,
  // then WAL mode with persistent -wal and -shm of the same mode and group, then the
  // schema and default settings. A failed creation leaves nothing behind.
  [[nodiscard]] static Result<SqliteStore> create(const std::string& path,
                                                  std::optional<gid_t> group);

  // --- the Store seam ---
  [[nodiscard]] Result<Settings> settings() override;
  [[nodiscard]] Result<std::optional<Account>> find(std::string_view name) override;
  [[nodiscard]] Status record_success(std::string_view name, std::int64_t now) override;
  [[nodiscard]] Status record_failure(std::string_view name, std::int64_t now,
                                      const Lockout& policy) override;
  [[nodiscard]] Status unlock(std::string_view name) override;
  [[nodiscard]] Status replace_hash(std::string_view name, std::string_view verified,
                                    std::string_view fresh, const CramSecret* cram,
                                    std::int64_t now) override;

  // --- administration (userdb-tool) ---
  [[nodiscard]] Result<int> schema_version();
  [[nodiscard]] Result<int> migrate();  // the version it started from
  // Makes sure -wal and -shm exist with the database's mode and group, so a read-only
  // group member can open it. Called after every userdb-tool write.
  [[nodiscard]] Status ensure_wal_files();
  // wal_truncate (sqlite.h) on this connection: with secure_delete, no earlier version of
  // a changed or deleted row is left in any of the database's files. kTempFail when
  // readers kept it from completing. Called after every userdb-tool write.
  [[nodiscard]] Status wal_truncate();
  // Validates with setting_parse and stores the canonical form; kMisuse when invalid.
  [[nodiscard]] Status set_setting(std::string_view key, std::string_view value);
  // Every row, ordered by name, as stored: rows that find() would refuse are included
  // (check them with account_read_check).
  [[nodiscard]] Result<std::vector<Account>> list();
  [[nodiscard]] Result<std::int64_t> count();
  // add: kReject if the name exists; the others: kReject if there is no such account.
  [[nodiscard]] Status add(const Account& account);
  // All of them in one transaction, or none: the first refusal (kReject: a name exists;
  // kMisuse: a row userdb-tool would not write) rolls everything back and names it.
  [[nodiscard]] Status add_all(std::span<const Account> accounts);
  [[nodiscard]] Status set_password(std::string_view name, std::string_view hash,
                                    const CramSecret* cram);
  [[nodiscard]] Status remove(std::string_view name);
  [[nodiscard]] Status set_enabled(std::string_view name, bool enabled);
  [[nodiscard]] Status change(std::string_view name, const AccountChanges& changes);
  // PRAGMA integrity_check: "ok" or the problems it lists.
  [[nodiscard]] Result<std::string> integrity_check();
  // Objects in the file that the schema does not define (schema.h).
  [[nodiscard]] Result<std::vector<std::string>> unexpected_objects();
  const std::string& path() const noexcept { return path_; }

 private:
  SqliteStore(SqliteDb db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  Status prepare_connection(Mode mode);

  SqliteDb db_;
  std::string path_;
};

}  // namespace checkpw
