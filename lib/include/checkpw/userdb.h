// The user store: one SQLite file in WAL mode, schema versioned with PRAGMA user_version
// (DESIGN.md section 7). The checkpassword programs open it read-only for the decision
// and read-write, without migrating, for best-effort bookkeeping; userdb-tool is the
// only writer of accounts and the only one that creates or migrates the schema.
// Never a plaintext password: the file holds hashes and CRAM-MD5 secrets, and
// secure_delete plus in-memory temporaries keep old values out of free pages and temp
// files. Every write is one IMMEDIATE transaction; a failed call changes nothing.
// Errors: kTempFail (busy past the timeout, I/O, corrupt, out of memory, wrong schema),
// kReject (no such user, user exists), kMisuse (invalid name or value).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpw/password.h"
#include "checkpw/result.h"
#include "checkpw/sqlite.h"
#include "checkpw/visibility.h"

namespace checkpw {

inline constexpr int kUserdbSchemaVersion = 1;
inline constexpr std::size_t kUserNameMax = 255;  // bytes

struct Settings {
  PasswordCost cost{2, 19u << 20};
  int busy_timeout_ms = 5000;
  int failure_delay_ms = 1000;
  bool log_failed_names = false;
  std::string default_domain;
};

// One settings key: its name, what it means and which values it takes (for `config`).
struct SettingInfo {
  const char* key;
  const char* help;
};
CHECKPW_API std::span<const SettingInfo> setting_keys() noexcept;
// The value of `key` in `s`, as `config` prints and parses it.
CHECKPW_API std::optional<std::string> setting_get(const Settings& s, std::string_view key);
// Parses and range-checks `value` into `s`: kMisuse (with the allowed range) when the
// key is unknown or the value is invalid; `s` is unchanged then.
[[nodiscard]] CHECKPW_API Status setting_parse(Settings& s, std::string_view key,
                                               std::string_view value);

// One row; the destructor wipes hash and cram_md5 (and copies wipe their own).
struct CHECKPW_API Account {
  std::int64_t id = 0;
  std::string name;
  std::string hash;  // Argon2id or legacy crypt string; never logged or shown
  bool has_cram_md5 = false;
  std::array<unsigned char, 32> cram_md5{};  // DESIGN section 4 layout
  bool enabled = true;
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  std::int64_t created = 0, changed = 0;  // unix seconds
  std::optional<std::int64_t> last_login;
  std::int64_t failures = 0;  // consecutive failures since the last success
  std::int64_t total_failures = 0;

  Account() = default;
  ~Account();
  Account(const Account&) = default;
  Account& operator=(const Account&) = default;
  Account(Account&&) = default;
  Account& operator=(Account&&) = default;
};

// Checks an account name: 1..255 bytes of valid UTF-8 with no control character
// (C0, DEL, C1; so no NUL, TAB or LF). kMisuse with the reason otherwise.
[[nodiscard]] CHECKPW_API Status user_name_check(std::string_view name);
// uid and gid: 1..4294967294 (0 is root; 4294967295 is (uid_t)-1).
[[nodiscard]] CHECKPW_API Status user_id_check(std::int64_t id, std::string_view what);
// home and shell: an absolute path of valid UTF-8, at most 4095 bytes, no control characters.
[[nodiscard]] CHECKPW_API Status user_path_check(std::string_view path, std::string_view what);

// Changes for `set`: a field left nullopt keeps its value; `clear_*` sets it to NULL.
struct AccountChanges {
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  bool clear_uid = false, clear_gid = false, clear_home = false, clear_shell = false;
};

// File mode and owner for a new database.
struct CreateOptions {
  std::optional<gid_t> group;  // 0640 and this group; 0600 and the caller's group if none
};

class CHECKPW_API Userdb {
 public:
  // For the checkpassword programs: SQLITE_OPEN_READONLY, the busy timeout, and
  // PRAGMA user_version == kUserdbSchemaVersion (newer or older: kTempFail saying so).
  // Missing file, not a database, unreadable, corrupt: kTempFail.
  [[nodiscard]] static Result<Userdb> open_readonly(const std::string& path);
  // Read-write without migrating (best-effort bookkeeping by the programs). Same checks.
  [[nodiscard]] static Result<Userdb> open_readwrite(const std::string& path);
  // For userdb-tool: read-write, any schema version not newer than ours (see migrate()).
  [[nodiscard]] static Result<Userdb> open_admin(const std::string& path);
  // For `userdb-tool check`: read-only, any schema version, settings not read.
  [[nodiscard]] static Result<Userdb> open_inspect(const std::string& path);
  // Creates a new database (fails if `path` exists): file mode and group first, then
  // WAL mode with persistent -wal and -shm of the same mode and group, then the schema
  // and default settings.
  [[nodiscard]] static Result<Userdb> create(const std::string& path, const CreateOptions& opts);

  Userdb(Userdb&&) noexcept = default;
  Userdb& operator=(Userdb&&) noexcept = default;
  Userdb(const Userdb&) = delete;
  Userdb& operator=(const Userdb&) = delete;
  ~Userdb() = default;

  [[nodiscard]] Result<int> schema_version();
  // Runs pending forward migrations in one transaction; returns the version it started
  // from. kTempFail for a schema newer than this build.
  [[nodiscard]] Result<int> migrate();
  // Makes sure the -wal and -shm files exist with the database's mode and group, so a
  // read-only group member can open it (DESIGN.md section 7). Needs a writable
  // connection; called by create() and by every userdb-tool write.
  [[nodiscard]] Status ensure_wal_files();

  [[nodiscard]] Result<Settings> settings();
  // Validates with setting_parse and stores; kMisuse for an unknown key or bad value.
  [[nodiscard]] Status set_setting(std::string_view key, std::string_view value);

  // nullopt = no such user. Busy past the timeout / I/O: kTempFail.
  [[nodiscard]] Result<std::optional<Account>> find(std::string_view name);
  // Every account, ordered by name.
  [[nodiscard]] Result<std::vector<Account>> list();
  [[nodiscard]] Result<std::int64_t> count();

  // Bookkeeping after a verdict (each one short transaction). No such user: kReject.
  [[nodiscard]] Status record_success(std::string_view name);  // last_login = now, failures = 0
  [[nodiscard]] Status record_failure(std::string_view name);  // failures, total_failures += 1
  // Stores a new hash and CRAM-MD5 secret (nullptr: none); changed = now.
  [[nodiscard]] Status update_password(std::string_view name, std::string_view new_hash,
                                       const std::array<unsigned char, 32>* cram_md5);

  // userdb-tool's writes. add: kReject if the name exists; the others: kReject if not found.
  [[nodiscard]] Status add(const Account& account);
  [[nodiscard]] Status remove(std::string_view name);
  [[nodiscard]] Status set_enabled(std::string_view name, bool enabled);
  [[nodiscard]] Status change(std::string_view name, const AccountChanges& changes);

  // PRAGMA integrity_check: "ok" or the problems it lists.
  [[nodiscard]] Result<std::string> integrity_check();
  const std::string& path() const noexcept { return path_; }
  SqliteDb& db() noexcept { return db_; }

 private:
  Userdb(SqliteDb db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  enum class Mode { kReadOnly, kReadWrite, kAdmin, kInspect };
  static Result<Userdb> open(const std::string& path, Mode mode);
  Status apply_busy_timeout();

  SqliteDb db_;
  std::string path_;
};

}  // namespace checkpw
