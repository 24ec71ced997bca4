// The schema lives here as a list of forward migrations; user_version counts how many
// have run. Connections get the busy timeout, secure_delete and in-memory temporaries
// before their first statement, and persistent WAL files (SQLITE_FCNTL_PERSIST_WAL):
// a read-only group member cannot create -wal or -shm, so they must outlive every
// writer (DESIGN.md section 7).
#include "checkpw/userdb.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

namespace checkpw {
namespace {

constexpr int kDefaultBusyTimeoutMs = 5000;

// Migration i takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    // 0 -> 1: accounts and settings.
    "CREATE TABLE accounts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 255),"
    "  hash TEXT NOT NULL CHECK (hash <> ''),"
    "  cram_md5 BLOB CHECK (cram_md5 IS NULL OR length(cram_md5) = 32),"
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
    "  uid INTEGER CHECK (uid IS NULL OR uid BETWEEN 1 AND 4294967294),"
    "  gid INTEGER CHECK (gid IS NULL OR gid BETWEEN 1 AND 4294967294),"
    "  home TEXT,"
    "  shell TEXT,"
    "  created INTEGER NOT NULL,"
    "  changed INTEGER NOT NULL,"
    "  last_login INTEGER,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  total_failures INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;",
};
static_assert(std::size(kMigrations) == kUserdbSchemaVersion);

constexpr const char* kAccountColumns =
    "id, name, hash, cram_md5, enabled, uid, gid, home, shell, created, changed, last_login, "
    "failures, total_failures";

std::int64_t now() noexcept {
  return static_cast<std::int64_t>(std::time(nullptr));
}

Error misuse(std::string message) {
  return {Verdict::kMisuse, std::move(message)};
}

Error reject(std::string message) {
  return {Verdict::kReject, std::move(message)};
}

// Wipes a string's whole buffer, including bytes past size() left by short-string moves.
void wipe_string(std::string& s) noexcept {
  s.resize(s.capacity());
  sodium_memzero(s.data(), s.size());
  s.clear();
}

// An IMMEDIATE transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) noexcept : db_(db) {}
  ~Transaction() {
    if (!sqlite3_get_autocommit(db_.get()))
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  [[nodiscard]] Status begin() { return db_.exec("BEGIN IMMEDIATE"); }
  [[nodiscard]] Status commit() { return db_.exec("COMMIT"); }

 private:
  SqliteDb& db_;
};

Result<int> read_user_version(SqliteDb& db) {
  auto st = SqliteStmt::prepare(db, "PRAGMA user_version");
  if (!st) return st.error();
  auto r = st->step();
  if (!r) return r.error();
  if (*r != SqliteStmt::Step::kRow) return temp_error("no schema version");
  return static_cast<int>(st->column_int64(0));
}

bool parse_int(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status check_range(std::string_view key, std::string_view value, std::int64_t lo, std::int64_t hi,
                   std::int64_t& out) {
  if (!parse_int(value, out) || out < lo || out > hi) {
    return misuse(std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
  }
  return ok_status();
}

// Bytes, or with a K, M or G suffix (KiB, MiB, GiB).
bool parse_size(std::string_view s, std::int64_t& out) noexcept {
  std::int64_t mult = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
        mult = 1 << 10;
        break;
      case 'M':
        mult = 1 << 20;
        break;
      case 'G':
        mult = 1 << 30;
        break;
      default:
        break;
    }
    if (mult != 1) s.remove_suffix(1);
  }
  std::int64_t n = 0;
  if (!parse_int(s, n) || n < 0 || n > (std::int64_t{1} << 40) / mult) return false;
  out = n * mult;
  return true;
}

bool domain_valid(std::string_view d) noexcept {
  if (d.empty()) return true;
  if (d.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : d) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if (alnum || c == '-') {
      if (c == '-' && label == 0) return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label != 0 && prev != '-';
}

constexpr SettingInfo kSettings[] = {
    {"argon2_opslimit",
     "Argon2id passes for new hashes; 1 to 64 (default 2). Existing hashes are "
     "upgraded at their next successful plaintext login."},
    {"argon2_memlimit",
     "Argon2id memory for new hashes in bytes, or with a K, M or G suffix; a multiple of "
     "1024 from 8K to 1G (default 19M)."},
    {"busy_timeout_ms",
     "How long to wait for a writer before a temporary failure; 0 to 600000 (default 5000)."},
    {"failure_delay_ms",
     "Delay before the checkpassword programs report a rejection; 0 to 60000 (default 1000)."},
    {"log_failed_names", "Log the user name of rejected logins: yes or no (default no)."},
    {"default_domain",
     "Domain for user names given without one; empty (the default) or a DNS name."},
};

}  // namespace

// --- settings --------------------------------------------------------------------

std::span<const SettingInfo> setting_keys() noexcept {
  return kSettings;
}

std::optional<std::string> setting_get(const Settings& s, std::string_view key) {
  if (key == "argon2_opslimit") return std::to_string(s.cost.opslimit);
  if (key == "argon2_memlimit") return std::to_string(s.cost.memlimit);
  if (key == "busy_timeout_ms") return std::to_string(s.busy_timeout_ms);
  if (key == "failure_delay_ms") return std::to_string(s.failure_delay_ms);
  if (key == "log_failed_names") return std::string(s.log_failed_names ? "yes" : "no");
  if (key == "default_domain") return s.default_domain;
  return std::nullopt;
}

Status setting_parse(Settings& s, std::string_view key, std::string_view value) {
  std::int64_t n = 0;
  if (key == "argon2_opslimit") {
    if (auto r = check_range(key, value, crypto_pwhash_argon2id_OPSLIMIT_MIN, 64, n); !r) return r;
    s.cost.opslimit = static_cast<unsigned long long>(n);
  } else if (key == "argon2_memlimit") {
    if (!parse_size(value, n) || n < std::int64_t{crypto_pwhash_argon2id_MEMLIMIT_MIN} ||
        n > (std::int64_t{1} << 30) || n % 1024 != 0) {
      return misuse(
          "argon2_memlimit must be a multiple of 1024 bytes from 8K (8192) to 1G (1073741824)");
    }
    s.cost.memlimit = static_cast<std::size_t>(n);
  } else if (key == "busy_timeout_ms") {
    if (auto r = check_range(key, value, 0, 600000, n); !r) return r;
    s.busy_timeout_ms = static_cast<int>(n);
  } else if (key == "failure_delay_ms") {
    if (auto r = check_range(key, value, 0, 60000, n); !r) return r;
    s.failure_delay_ms = static_cast<int>(n);
  } else if (key == "log_failed_names") {
    if (value == "yes" || value == "1" || value == "true" || value == "on") {
      s.log_failed_names = true;
    } else if (value == "no" || value == "0" || value == "false" || value == "off") {
      s.log_failed_names = false;
    } else {
      return misuse("log_failed_names must be yes or no");
    }
  } else if (key == "default_domain") {
    if (!domain_valid(value)) return misuse("default_domain must be empty or a DNS name");
    s.default_domain = std::string(value);
  } else {
    return misuse("no such setting: " + std::string(key));
  }
  return ok_status();
}

// --- accounts and their fields ----------------------------------------------------

Account::~Account() {
  wipe_string(hash);
  sodium_memzero(cram_md5.data(), cram_md5.size());
}

namespace {

// Length of the UTF-8 sequence at s[i] (RFC 3629: no overlongs, surrogates or values
// past U+10FFFF), or 0 if invalid. `cp` receives the code point.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  std::uint32_t min = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2, cp = c & 0x1fu, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, cp = c & 0x0fu, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// Valid UTF-8 without C0, DEL or C1 control characters.
Status text_check(std::string_view s, std::string_view what) {
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) return misuse(std::string(what) + " is not valid UTF-8");
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      return misuse(std::string(what) + " contains a control character");
    }
    i += n;
  }
  return ok_status();
}

}  // namespace

Status user_name_check(std::string_view name) {
  if (name.empty()) return misuse("user name is empty");
  if (name.size() > kUserNameMax) return misuse("user name is longer than 255 bytes");
  return text_check(name, "user name");
}

Status user_id_check(std::int64_t id, std::string_view what) {
  if (id == 0) return misuse(std::string(what) + " 0 (root) is not allowed");
  if (id < 1 || id > 4294967294) {
    return misuse(std::string(what) + " must be from 1 to 4294967294");
  }
  return ok_status();
}

Status user_path_check(std::string_view path, std::string_view what) {
  if (path.empty() || path[0] != '/')
    return misuse(std::string(what) + " must be an absolute path");
  if (path.size() > 4095) return misuse(std::string(what) + " is longer than 4095 bytes");
  return text_check(path, what);
}

namespace {

Status account_fields_check(const Account& a) {
  if (auto r = user_name_check(a.name); !r) return r;
  if (a.hash.empty()) return misuse("empty password hash");
  if (a.uid) {
    if (auto r = user_id_check(*a.uid, "uid"); !r) return r;
  }
  if (a.gid) {
    if (auto r = user_id_check(*a.gid, "gid"); !r) return r;
  }
  if (a.home) {
    if (auto r = user_path_check(*a.home, "home"); !r) return r;
  }
  if (a.shell) {
    if (auto r = user_path_check(*a.shell, "shell"); !r) return r;
  }
  return ok_status();
}

void bind_optional_id(SqliteStmt& st, int i, const std::optional<std::uint32_t>& v) {
  if (v) {
    st.bind_int64(i, *v);
  } else {
    st.bind_null(i);
  }
}

void bind_optional_text(SqliteStmt& st, int i, const std::optional<std::string>& v) {
  if (v) {
    st.bind_text(i, *v);
  } else {
    st.bind_null(i);
  }
}

Result<Account> account_from_row(const SqliteStmt& st) {
  Account a;
  a.id = st.column_int64(0);
  a.name = st.column_text(1);
  a.hash = st.column_text(2);
  if (!st.is_null(3)) {
    const auto blob = st.column_blob(3);
    if (blob.size() != a.cram_md5.size()) return temp_error("corrupt CRAM-MD5 secret");
    std::memcpy(a.cram_md5.data(), blob.data(), blob.size());
    a.has_cram_md5 = true;
  }
  a.enabled = st.column_int64(4) != 0;
  for (int col : {5, 6}) {
    if (st.is_null(col)) continue;
    const std::int64_t v = st.column_int64(col);
    // 0 is read as it is: the programs refuse a uid-0 target as a rejection (DESIGN.md
    // section 3), which a hand-edited row must not turn into a temporary failure.
    if (v < 0 || v > 4294967294) return temp_error("corrupt uid or gid");
    (col == 5 ? a.uid : a.gid) = static_cast<std::uint32_t>(v);
  }
  if (!st.is_null(7)) a.home = st.column_text(7);
  if (!st.is_null(8)) a.shell = st.column_text(8);
  a.created = st.column_int64(9);
  a.changed = st.column_int64(10);
  if (!st.is_null(11)) a.last_login = st.column_int64(11);
  a.failures = st.column_int64(12);
  a.total_failures = st.column_int64(13);
  return a;
}

// Runs one UPDATE or DELETE whose ?1 is the user name, in its own transaction;
// kReject when no row matched.
template <class Bind>
Status write_by_name(SqliteDb& db, std::string_view sql, std::string_view name, Bind bind) {
  Transaction tx(db);
  if (auto r = tx.begin(); !r) return r;
  auto st = SqliteStmt::prepare(db, sql);
  if (!st) return st.error();
  st->bind_text(1, name);
  bind(*st);
  auto r = st->step();
  if (!r) return r.error();
  if (sqlite3_changes(db.get()) == 0) return reject("no such user");
  return tx.commit();
}

}  // namespace

// --- opening ----------------------------------------------------------------------

Result<Userdb> Userdb::open(const std::string& path, Mode mode) {
  const bool read_only = mode == Mode::kReadOnly || mode == Mode::kInspect;
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  auto opened = SqliteDb::open(path, flags);
  if (!opened) return opened.error();
  Userdb u(std::move(opened.value()), path);
  sqlite3* raw = u.db_.get();
  sqlite3_busy_timeout(raw, kDefaultBusyTimeoutMs);
  int persist = 1;
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  if (auto r = u.db_.exec("PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY"); !r)
    return r.error();
  if (!read_only && sqlite3_db_readonly(raw, "main") == 1) {
    return temp_error("database is not writable");
  }
  auto version = read_user_version(u.db_);
  if (!version) return version.error();
  if (mode == Mode::kInspect) return u;
  if (*version > kUserdbSchemaVersion) {
    return temp_error("database schema version " + std::to_string(*version) +
                      " is newer than this program's (" + std::to_string(kUserdbSchemaVersion) +
                      "): upgrade checkpw");
  }
  if (mode != Mode::kAdmin && *version < kUserdbSchemaVersion) {
    return temp_error("database schema version " + std::to_string(*version) +
                      " is older than this program's (" + std::to_string(kUserdbSchemaVersion) +
                      "): run userdb-tool init to migrate it");
  }
  if (!read_only) {
    // Already WAL for databases made by create(); this converts older files.
    auto st = SqliteStmt::prepare(u.db_, "PRAGMA journal_mode = WAL");
    if (!st) return st.error();
    if (auto r = st->step(); !r) return r.error();
  }
  if (*version == kUserdbSchemaVersion) {
    if (auto r = u.apply_busy_timeout(); !r) return r.error();
  }
  return u;
}

Status Userdb::apply_busy_timeout() {
  auto s = settings();
  if (!s) return s.error();
  sqlite3_busy_timeout(db_.get(), s->busy_timeout_ms);
  return ok_status();
}

Result<Userdb> Userdb::open_readonly(const std::string& path) {
  return open(path, Mode::kReadOnly);
}

Result<Userdb> Userdb::open_readwrite(const std::string& path) {
  return open(path, Mode::kReadWrite);
}

Result<Userdb> Userdb::open_admin(const std::string& path) {
  return open(path, Mode::kAdmin);
}

Result<Userdb> Userdb::open_inspect(const std::string& path) {
  return open(path, Mode::kInspect);
}

namespace {

// Removes a half-made database so a failed init leaves nothing behind.
struct CreateCleanup {
  const std::string& path;
  bool armed = true;
  ~CreateCleanup() {
    if (!armed) return;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) unlink((path + suffix).c_str());
  }
};

}  // namespace

Result<Userdb> Userdb::create(const std::string& path, const CreateOptions& opts) {
  // Mode and group are set on the empty file before SQLite writes a byte; SQLite then
  // gives -wal and -shm the database's mode (and owner, when run as root).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    Error e = temp_error(std::strerror(errno));
    if (errno == EEXIST) e.verdict = Verdict::kReject;
    return e;
  }
  CreateCleanup cleanup{path};
  bool ok = true;
  if (opts.group) ok = fchown(fd, static_cast<uid_t>(-1), *opts.group) == 0;
  if (ok) ok = fchmod(fd, opts.group ? 0640 : 0600) == 0;
  const int saved = errno;
  close(fd);
  if (!ok) return temp_error(std::string("unable to set mode and group: ") + std::strerror(saved));

  auto opened = SqliteDb::open(path, SQLITE_OPEN_READWRITE);
  if (!opened) return opened.error();
  Userdb u(std::move(opened.value()), path);
  sqlite3_busy_timeout(u.db_.get(), kDefaultBusyTimeoutMs);
  int persist = 1;
  sqlite3_file_control(u.db_.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  if (auto r = u.db_.exec("PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
                          "PRAGMA journal_mode = WAL");
      !r) {
    return r.error();
  }
  if (auto r = u.migrate(); !r) return r.error();
  if (auto r = u.ensure_wal_files(); !r) return r.error();
  if (auto r = u.apply_busy_timeout(); !r) return r.error();
  cleanup.armed = false;
  return u;
}

Result<int> Userdb::schema_version() {
  return read_user_version(db_);
}

Result<int> Userdb::migrate() {
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return r.error();
  auto from = read_user_version(db_);
  if (!from) return from.error();
  if (*from > kUserdbSchemaVersion) {
    return temp_error("database schema version " + std::to_string(*from) +
                      " is newer than this program's (" + std::to_string(kUserdbSchemaVersion) +
                      ")");
  }
  if (*from == kUserdbSchemaVersion) return from;
  for (int v = *from; v < kUserdbSchemaVersion; ++v) {
    if (auto r = db_.exec(kMigrations[v]); !r) return r.error();
  }
  // Defaults are written out so `config` shows every value and programs need no guess.
  const Settings defaults;
  auto st = SqliteStmt::prepare(db_, "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)");
  if (!st) return st.error();
  for (const SettingInfo& info : kSettings) {
    st->reset();
    st->bind_text(1, info.key);
    st->bind_text(2, *setting_get(defaults, info.key));
    if (auto r = st->step(); !r) return r.error();
  }
  const std::string pragma = "PRAGMA user_version = " + std::to_string(kUserdbSchemaVersion);
  if (auto r = db_.exec(pragma.c_str()); !r) return r.error();
  if (auto r = tx.commit(); !r) return r.error();
  return from;
}

Status Userdb::ensure_wal_files() {
  // A read transaction makes SQLite open (and create, if missing) -wal and -shm.
  if (auto r = db_.exec("SELECT count(*) FROM sqlite_schema"); !r) return r;
  struct stat db_st {};
  if (stat(path_.c_str(), &db_st) != 0) {
    return temp_error(std::string("unable to stat database: ") + std::strerror(errno));
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = path_ + suffix;
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return temp_error("unable to open " + p + ": " + std::strerror(errno));
    struct stat st {};
    bool ok = fstat(fd, &st) == 0;
    if (ok && (st.st_uid != db_st.st_uid || st.st_gid != db_st.st_gid)) {
      const uid_t owner = geteuid() == 0 ? db_st.st_uid : static_cast<uid_t>(-1);
      ok = fchown(fd, owner, db_st.st_gid) == 0;
    }
    if (ok && (st.st_mode & 07777) != (db_st.st_mode & 0666)) {
      ok = fchmod(fd, db_st.st_mode & 0666) == 0;
    }
    const int saved = errno;
    close(fd);
    if (!ok)
      return temp_error("unable to set mode and group of " + p + ": " + std::strerror(saved));
  }
  return ok_status();
}

// --- settings ---------------------------------------------------------------------

Result<Settings> Userdb::settings() {
  auto st = SqliteStmt::prepare(db_, "SELECT key, value FROM settings");
  if (!st) return st.error();
  Settings s;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    const std::string key = st->column_text(0);
    if (!setting_get(s, key)) continue;  // a key this build does not know
    if (auto p = setting_parse(s, key, st->column_text(1)); !p) {
      return temp_error("invalid setting in database: " + p.error().message);
    }
  }
  return s;
}

Status Userdb::set_setting(std::string_view key, std::string_view value) {
  Settings s;
  if (auto r = setting_parse(s, key, value); !r) return r;
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  auto st = SqliteStmt::prepare(db_,
                                "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!st) return st.error();
  st->bind_text(1, key);
  st->bind_text(2, *setting_get(s, key));  // canonical form: "19M" is stored as bytes
  if (auto r = st->step(); !r) return r.error();
  return tx.commit();
}

// --- accounts ---------------------------------------------------------------------

Result<std::optional<Account>> Userdb::find(std::string_view name) {
  auto st = SqliteStmt::prepare(
      db_, std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE name = ?1");
  if (!st) return st.error();
  st->bind_text(1, name);
  auto r = st->step();
  if (!r) return r.error();
  if (*r == SqliteStmt::Step::kDone) return std::optional<Account>();
  auto a = account_from_row(*st);
  if (!a) return a.error();
  return std::optional<Account>(std::move(a.value()));
}

Result<std::vector<Account>> Userdb::list() {
  auto st = SqliteStmt::prepare(
      db_, std::string("SELECT ") + kAccountColumns + " FROM accounts ORDER BY name");
  if (!st) return st.error();
  std::vector<Account> out;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    auto a = account_from_row(*st);
    if (!a) return a.error();
    out.push_back(std::move(a.value()));
  }
  return out;
}

Result<std::int64_t> Userdb::count() {
  auto st = SqliteStmt::prepare(db_, "SELECT count(*) FROM accounts");
  if (!st) return st.error();
  auto r = st->step();
  if (!r) return r.error();
  return st->column_int64(0);
}

Status Userdb::record_success(std::string_view name) {
  return write_by_name(db_, "UPDATE accounts SET last_login = ?2, failures = 0 WHERE name = ?1",
                       name, [](SqliteStmt& st) { st.bind_int64(2, now()); });
}

Status Userdb::record_failure(std::string_view name) {
  return write_by_name(db_,
                       "UPDATE accounts SET failures = failures + 1, "
                       "total_failures = total_failures + 1 WHERE name = ?1",
                       name, [](SqliteStmt&) {});
}

Status Userdb::update_password(std::string_view name, std::string_view new_hash,
                               const std::array<unsigned char, 32>* cram_md5) {
  if (new_hash.empty()) return misuse("empty password hash");
  return write_by_name(db_,
                       "UPDATE accounts SET hash = ?2, cram_md5 = ?3, changed = ?4 WHERE name = ?1",
                       name, [&](SqliteStmt& st) {
                         st.bind_text(2, new_hash);
                         if (cram_md5 != nullptr) {
                           st.bind_blob(3, *cram_md5);
                         } else {
                           st.bind_null(3);
                         }
                         st.bind_int64(4, now());
                       });
}

Status Userdb::add(const Account& a) {
  if (auto r = account_fields_check(a); !r) return r;
  Transaction tx(db_);
  if (auto r = tx.begin(); !r) return r;
  auto st = SqliteStmt::prepare(
      db_,
      "INSERT INTO accounts (name, hash, cram_md5, enabled, uid, gid, home, shell, created, "
      "changed, last_login, failures, total_failures) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, NULL, 0, 0) "
      "ON CONFLICT (name) DO NOTHING");
  if (!st) return st.error();
  st->bind_text(1, a.name);
  st->bind_text(2, a.hash);
  if (a.has_cram_md5) {
    st->bind_blob(3, a.cram_md5);
  } else {
    st->bind_null(3);
  }
  st->bind_int64(4, a.enabled ? 1 : 0);
  bind_optional_id(*st, 5, a.uid);
  bind_optional_id(*st, 6, a.gid);
  bind_optional_text(*st, 7, a.home);
  bind_optional_text(*st, 8, a.shell);
  st->bind_int64(9, a.created != 0 ? a.created : now());
  if (auto r = st->step(); !r) return r.error();
  if (sqlite3_changes(db_.get()) == 0) return reject("user exists");
  return tx.commit();
}

Status Userdb::remove(std::string_view name) {
  return write_by_name(db_, "DELETE FROM accounts WHERE name = ?1", name, [](SqliteStmt&) {});
}

Status Userdb::set_enabled(std::string_view name, bool enabled) {
  return write_by_name(db_, "UPDATE accounts SET enabled = ?2, changed = ?3 WHERE name = ?1", name,
                       [&](SqliteStmt& st) {
                         st.bind_int64(2, enabled ? 1 : 0);
                         st.bind_int64(3, now());
                       });
}

Status Userdb::change(std::string_view name, const AccountChanges& c) {
  if (c.uid) {
    if (auto r = user_id_check(*c.uid, "uid"); !r) return r;
  }
  if (c.gid) {
    if (auto r = user_id_check(*c.gid, "gid"); !r) return r;
  }
  if (c.home) {
    if (auto r = user_path_check(*c.home, "home"); !r) return r;
  }
  if (c.shell) {
    if (auto r = user_path_check(*c.shell, "shell"); !r) return r;
  }
  // Fixed SQL: each field is "set to ?n" (which may be NULL) or "keep", by a flag.
  return write_by_name(db_,
                       "UPDATE accounts SET "
                       "uid = CASE ?2 WHEN 1 THEN ?3 ELSE uid END, "
                       "gid = CASE ?4 WHEN 1 THEN ?5 ELSE gid END, "
                       "home = CASE ?6 WHEN 1 THEN ?7 ELSE home END, "
                       "shell = CASE ?8 WHEN 1 THEN ?9 ELSE shell END, "
                       "changed = ?10 WHERE name = ?1",
                       name, [&](SqliteStmt& st) {
                         st.bind_int64(2, c.uid || c.clear_uid ? 1 : 0);
                         bind_optional_id(st, 3, c.clear_uid ? std::nullopt : c.uid);
                         st.bind_int64(4, c.gid || c.clear_gid ? 1 : 0);
                         bind_optional_id(st, 5, c.clear_gid ? std::nullopt : c.gid);
                         st.bind_int64(6, c.home || c.clear_home ? 1 : 0);
                         bind_optional_text(st, 7, c.clear_home ? std::nullopt : c.home);
                         st.bind_int64(8, c.shell || c.clear_shell ? 1 : 0);
                         bind_optional_text(st, 9, c.clear_shell ? std::nullopt : c.shell);
                         st.bind_int64(10, now());
                       });
}

Result<std::string> Userdb::integrity_check() {
  auto st = SqliteStmt::prepare(db_, "PRAGMA integrity_check");
  if (!st) return st.error();
  std::string out;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (*r == SqliteStmt::Step::kDone) break;
    if (!out.empty()) out += '\n';
    out += st->column_text(0);
  }
  return out;
}

}  // namespace checkpw
