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

#include "store/admin_store.h"
#include "store/sqlite.h"

namespace checkpw {

// The WAL size past which a bookkeeping write starts a checkpoint (store_tidy), and how long
// that checkpoint may take.
inline constexpr long kWalCheckpointBytes = 64 * 1024;
inline constexpr unsigned kTidySeconds = 10;

class SqliteStore final : public AdminStore {
 public:
  enum class Mode {
    kDecide,    // read-only, current schema (userdb-tool's reads; -shm shared as usual)
    kLogin,     // as kDecide, -shm mapped read-only, all reads in one snapshot until the
                // connection closes (the programs' decision: open, settings, one find, close)
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

  // --- administration (userdb-tool, admin_store.h) ---
  [[nodiscard]] Result<int> schema_version() override;
  [[nodiscard]] Result<int> migrate() override;
  [[nodiscard]] Status set_setting(std::string_view key, std::string_view value) override;
  [[nodiscard]] Result<std::vector<Account>> list() override;
  [[nodiscard]] Result<std::int64_t> count() override;
  [[nodiscard]] Status add(const Account& account) override;
  [[nodiscard]] Status add_all(std::span<const Account> accounts) override;
  [[nodiscard]] Status restore_all(
      std::span<const Account> accounts,
      std::span<const std::pair<std::string, std::string>> settings) override;
  [[nodiscard]] Status set_password(std::string_view name, std::string_view hash,
                                    const CramSecret* cram) override;
  [[nodiscard]] Status remove(std::string_view name) override;
  [[nodiscard]] Status set_enabled(std::string_view name, bool enabled) override;
  [[nodiscard]] Status change(std::string_view name, const AccountChanges& changes) override;
  // wal_truncate, then ensure_wal_files.
  std::vector<std::string> after_write() override;
  // PRAGMA integrity_check: "ok" or the problems it lists.
  [[nodiscard]] Result<std::string> integrity_check() override;
  // Objects in the file that the schema does not define (schema.h).
  [[nodiscard]] Result<std::vector<std::string>> unexpected_objects() override;

  // Makes sure -wal and -shm exist with the database's mode and group, so a read-only
  // group member can open it.
  [[nodiscard]] Status ensure_wal_files();
  // wal_truncate (sqlite.h) on this connection: with secure_delete, no earlier version of
  // a changed or deleted row is left in any of the database's files. kTempFail when
  // readers kept it from completing.
  [[nodiscard]] Status wal_truncate();
  const std::string& path() const noexcept { return path_; }

 private:
  SqliteStore(SqliteDb db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  Status prepare_connection(Mode mode);
  // open() with -shm mapped read-only or not; *why (when given) says whether the first read
  // failed because -shm could not be opened or because its index needs rebuilding.
  enum class ShmTrouble { kNone, kMissing, kRecovering };
  static Result<SqliteStore> open_with(const std::string& path, Mode mode, bool shm_read_only,
                                       ShmTrouble* why);

  SqliteDb db_;
  std::string path_;
};

}  // namespace checkpw
