#include "store/sqlite_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "auth/password.h"
#include "core/cram_md5.h"
#include "store/schema.h"
#include "support/db.h"
#include "support/process.h"
#include "support/runner.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::bytes_of;

SqliteStore must_create(const std::string& path, std::optional<gid_t> group = std::nullopt) {
  auto u = SqliteStore::create(path, group);
  if (!u) throw std::runtime_error("create: " + u.error().message);
  // The cheapest Argon2id libsodium allows: these tests are not about the cost.
  if (!u->set_setting("argon2_opslimit", "1") || !u->set_setting("argon2_memlimit", "8192")) {
    throw std::runtime_error("set_setting");
  }
  return std::move(u.value());
}

Account make_account(std::string name, std::string_view password = "secret") {
  Account a;
  a.name = std::move(name);
  auto h = password_hash(bytes_of(password), PasswordCost{1, 8192});
  a.hash = h.ok() ? h.value() : "";
  a.has_cram_md5 = true;
  cram_md5_secret(bytes_of(password), a.cram_md5);
  return a;
}

mode_t file_mode(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

gid_t file_gid(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_gid;
}

TEST(SqliteStore, CreateSetsModeSchemaAndDefaults) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  {
    auto u = SqliteStore::create(path, std::nullopt);
    ASSERT_TRUE(u.ok()) << u.error().message;
    auto v = u->schema_version();
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(*v, kSchemaVersion);
    auto s = u->settings();
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->cost.opslimit, 2u);
    EXPECT_EQ(s->cost.memlimit, 19u << 20);
    EXPECT_EQ(s->busy_timeout_ms, 5000);
    EXPECT_EQ(s->failure_delay_ms, 1000);
    EXPECT_FALSE(s->log_failed_names);
    EXPECT_EQ(s->default_domain, "");
  }
  EXPECT_EQ(file_mode(path), 0600u);
  // Persistent WAL files, same mode as the database, survive the last close.
  EXPECT_EQ(file_mode(path + "-wal"), 0600u);
  EXPECT_EQ(file_mode(path + "-shm"), 0600u);
  // A second create refuses (the file exists) and leaves it alone.
  const std::string before = test::db_dump(path);
  auto again = SqliteStore::create(path, std::nullopt);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().verdict, Verdict::kReject);
  EXPECT_EQ(test::db_dump(path), before);
}

TEST(SqliteStore, CreateWithGroupIs0640) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to set a group";
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  { must_create(path, test::kNobody.gid); }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(file_mode(path + suffix), 0640u) << suffix;
    EXPECT_EQ(file_gid(path + suffix), test::kNobody.gid) << suffix;
  }
}

TEST(SqliteStore, AddFindRoundTrip) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto u = must_create(path);
  Account a = make_account("alice@example.org");
  a.uid = 1000;
  a.gid = 1001;
  a.home = "/home/alice";
  a.shell = "/bin/false";
  ASSERT_TRUE(u.add(a).ok());
  auto f = u.find("alice@example.org");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->has_value());
  const Account& b = **f;
  EXPECT_GT(b.id, 0);
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.hash, a.hash);
  EXPECT_TRUE(b.has_cram_md5);
  EXPECT_EQ(b.cram_md5, a.cram_md5);
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.uid, 1000u);
  EXPECT_EQ(b.gid, 1001u);
  EXPECT_EQ(b.home, "/home/alice");
  EXPECT_EQ(b.shell, "/bin/false");
  EXPECT_GT(b.created, 0);
  EXPECT_EQ(b.changed, b.created);
  EXPECT_FALSE(b.last_login.has_value());
  EXPECT_EQ(b.failures, 0);
  EXPECT_EQ(password_verify(b.hash, bytes_of("secret")), PasswordCheck::kMatch);

  auto none = u.find("bob");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto dup = u.add(make_account("alice@example.org"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().verdict, Verdict::kReject);
}

TEST(SqliteStore, BookkeepingAndPasswordUpdate) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto u = must_create(path);
  ASSERT_TRUE(u.add(make_account("carol")).ok());
  ASSERT_TRUE(u.record_failure("carol", 1700000000, Lockout{}).ok());
  ASSERT_TRUE(u.record_failure("carol", 1700000000, Lockout{}).ok());
  auto a = u.find("carol");
  EXPECT_EQ((*a)->failures, 2);
  EXPECT_EQ((*a)->total_failures, 2);
  ASSERT_TRUE(u.record_success("carol", 1700000000).ok());
  a = u.find("carol");
  EXPECT_EQ((*a)->failures, 0);
  EXPECT_EQ((*a)->total_failures, 2);
  ASSERT_TRUE((*a)->last_login.has_value());

  auto h = password_hash(bytes_of("new"), PasswordCost{1, 8192});
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(u.set_password("carol", *h, nullptr).ok());
  a = u.find("carol");
  EXPECT_EQ((*a)->hash, *h);
  EXPECT_FALSE((*a)->has_cram_md5);
  std::array<unsigned char, 32> cram{};
  cram_md5_secret(bytes_of("new"), cram);
  ASSERT_TRUE(u.set_password("carol", *h, &cram).ok());
  a = u.find("carol");
  EXPECT_EQ((*a)->cram_md5, cram);

  for (auto st :
       {u.record_success("nobody", 1700000000), u.record_failure("nobody", 1700000000, Lockout{}),
        u.set_password("nobody", *h, nullptr), u.remove("nobody"),
        u.set_enabled("nobody", false)}) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().verdict, Verdict::kReject);
  }
}

TEST(SqliteStore, ChangeEnableRemoveAndList) {
  test::TempDir dir;
  auto u = must_create(dir.file("users.db"));
  ASSERT_TRUE(u.add(make_account("b")).ok());
  ASSERT_TRUE(u.add(make_account("a")).ok());
  AccountChanges c;
  c.uid = 5;
  c.gid = 6;
  c.home = "/var/mail/b";
  ASSERT_TRUE(u.change("b", c).ok());
  auto b = u.find("b");
  EXPECT_EQ((*b)->uid, 5u);
  EXPECT_EQ((*b)->gid, 6u);
  EXPECT_EQ((*b)->home, "/var/mail/b");
  // Half an identity is refused as misuse, and nothing of that change is written.
  AccountChanges half;
  half.clear_uid = true;
  half.shell = "/bin/false";
  auto refused = u.change("b", half);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().verdict, Verdict::kMisuse);
  b = u.find("b");
  EXPECT_EQ((*b)->uid, 5u);
  EXPECT_FALSE((*b)->shell.has_value());
  AccountChanges clear;
  clear.clear_uid = true;
  clear.clear_gid = true;
  ASSERT_TRUE(u.change("b", clear).ok());
  b = u.find("b");
  EXPECT_FALSE((*b)->uid.has_value());
  EXPECT_FALSE((*b)->gid.has_value());
  EXPECT_EQ((*b)->home, "/var/mail/b");
  ASSERT_TRUE(u.set_enabled("b", false).ok());
  EXPECT_FALSE(u.find("b").value()->enabled);
  auto all = u.list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[1].name, "b");
  ASSERT_TRUE(u.remove("a").ok());
  EXPECT_EQ(u.count().value(), 1);
}

TEST(SqliteStore, RefusesInvalidFieldsAndChangesNothing) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto u = must_create(path);
  ASSERT_TRUE(u.add(make_account("x")).ok());
  const std::string before = test::db_dump(path);
  const std::string bad_names[] = {"",
                                   std::string(256, 'a'),
                                   std::string("a\0b", 3),
                                   "a\tb",
                                   "a\nb",
                                   "a\x7f",
                                   "\xc2\x85",  // NEL, a C1 control
                                   "\xff",
                                   "\xc0\xaf",           // overlong '/'
                                   "\xed\xa0\x80",       // surrogate
                                   "\xf4\x90\x80\x80"};  // past U+10FFFF
  for (const auto& n : bad_names) {
    auto st = u.add(make_account(n));
    ASSERT_FALSE(st.ok()) << n;
    EXPECT_EQ(st.error().verdict, Verdict::kMisuse);
  }
  EXPECT_TRUE(user_name_check(std::string(255, 'a')).ok());
  EXPECT_TRUE(user_name_check("jürgen@example.org").ok());
  Account root = make_account("root");
  root.uid = 0;
  EXPECT_EQ(u.add(root).error().verdict, Verdict::kMisuse);
  AccountChanges c;
  c.gid = 0;
  EXPECT_EQ(u.change("x", c).error().verdict, Verdict::kMisuse);
  c = {};
  c.home = "relative";
  EXPECT_EQ(u.change("x", c).error().verdict, Verdict::kMisuse);
  EXPECT_EQ(u.set_setting("argon2_opslimit", "0").error().verdict, Verdict::kMisuse);
  EXPECT_EQ(u.set_setting("argon2_memlimit", "8191").error().verdict, Verdict::kMisuse);
  EXPECT_EQ(u.set_setting("nonsense", "1").error().verdict, Verdict::kMisuse);
  EXPECT_EQ(u.set_setting("log_failed_names", "maybe").error().verdict, Verdict::kMisuse);
  EXPECT_EQ(u.set_setting("default_domain", "-bad-.org").error().verdict, Verdict::kMisuse);
  EXPECT_EQ(test::db_dump(path), before);
}

TEST(SqliteStore, SettingsRoundTrip) {
  test::TempDir dir;
  auto u = must_create(dir.file("users.db"));
  ASSERT_TRUE(u.set_setting("argon2_memlimit", "64M").ok());
  ASSERT_TRUE(u.set_setting("busy_timeout_ms", "250").ok());
  ASSERT_TRUE(u.set_setting("log_failed_names", "yes").ok());
  ASSERT_TRUE(u.set_setting("default_domain", "example.org").ok());
  auto s = u.settings();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->cost.memlimit, 64u << 20);
  EXPECT_EQ(s->busy_timeout_ms, 250);
  EXPECT_TRUE(s->log_failed_names);
  EXPECT_EQ(s->default_domain, "example.org");
  EXPECT_EQ(*setting_get(*s, "argon2_memlimit"), "67108864");
}

TEST(SqliteStore, OpenFailuresAreTemporary) {
  test::TempDir dir;
  auto missing = SqliteStore::open(dir.file("missing.db"), SqliteStore::Mode::kDecide);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().verdict, Verdict::kTempFail);
  test::write_file(dir.file("junk.db"), std::string(4096, 'x'));
  auto junk = SqliteStore::open(dir.file("junk.db"), SqliteStore::Mode::kDecide);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().verdict, Verdict::kTempFail);
  // A symbolic link is not followed.
  { must_create(dir.file("real.db")); }
  ASSERT_EQ(symlink(dir.file("real.db").c_str(), dir.file("link.db").c_str()), 0);
  EXPECT_FALSE(SqliteStore::open(dir.file("link.db"), SqliteStore::Mode::kDecide).ok());
}

TEST(SqliteStore, SchemaVersionNewerOrOlderIsRefused) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  { must_create(path); }
  test::db_exec(path, "PRAGMA user_version = 3");
  for (auto mode :
       {SqliteStore::Mode::kDecide, SqliteStore::Mode::kBookkeep, SqliteStore::Mode::kAdmin}) {
    auto r = SqliteStore::open(path, mode);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().verdict, Verdict::kTempFail);
    EXPECT_NE(r.error().message.find("newer"), std::string::npos) << r.error().message;
  }
  // An SQLite file without our schema (version 0) is not ours: every mode refuses it,
  // the administrative one too (only create() starts from version 0).
  const std::string old = dir.file("old.db");
  test::db_exec(old, "PRAGMA journal_mode = WAL");
  for (auto mode : {SqliteStore::Mode::kDecide, SqliteStore::Mode::kAdmin}) {
    auto r = SqliteStore::open(old, mode);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("not a checkpw database"), std::string::npos)
        << r.error().message;
  }
  test::db_exec(path, "PRAGMA user_version = 2");
  auto admin = SqliteStore::open(path, SqliteStore::Mode::kAdmin);
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  EXPECT_EQ(admin->migrate().value(), kSchemaVersion);  // nothing left to do
}

TEST(SqliteStore, ReadOnlyOpenCannotWrite) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  { must_create(path).add(make_account("a")).ok(); }
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
  ASSERT_TRUE(ro.ok());
  EXPECT_TRUE(ro->find("a").value().has_value());
  auto st = ro->record_failure("a", 1700000000, Lockout{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().verdict, Verdict::kTempFail);
}

TEST(SqliteStore, BusyPastTheTimeoutIsTemporary) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto writer = must_create(path);
  ASSERT_TRUE(writer.add(make_account("a")).ok());
  ASSERT_TRUE(writer.set_setting("busy_timeout_ms", "50").ok());
  auto other = SqliteStore::open(path, SqliteStore::Mode::kAdmin);
  ASSERT_TRUE(other.ok());
  test::DbConnection holder(path);
  holder.exec("BEGIN IMMEDIATE");
  auto st = other->record_failure("a", 1700000000, Lockout{});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().verdict, Verdict::kTempFail);
  // Readers are never blocked by a writer in WAL mode.
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  EXPECT_TRUE(ro->find("a").value().has_value());
  holder.exec("ROLLBACK");
}

TEST(SqliteStore, NoPlaintextInFileWalOrShm) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  const std::string pw = "Pl4intext-Needle-7731";
  {
    auto u = must_create(path);
    ASSERT_TRUE(u.add(make_account("a", pw)).ok());
    ASSERT_TRUE(u.set_password("a", make_account("a", pw + "2").hash, nullptr).ok());
    for (const char* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(test::read_file(path + suffix).find(pw), std::string::npos) << suffix;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(test::read_file(path + suffix).find(pw), std::string::npos) << suffix;
  }
}

TEST(SqliteStore, AccountCopiesAndMovesKeepTheirValues) {
  Account a = make_account("m");
  Account b = a;
  Account c = std::move(a);
  EXPECT_EQ(b.hash, c.hash);
  EXPECT_EQ(b.cram_md5, c.cram_md5);
}

// doc/design.md section 7: the programs may run as an unprivileged member of the database's
// group, with the file 0640 and a directory that group cannot write. They must read
// with no writer, with a writer holding a transaction open, and with frames in the WAL.
TEST(SqliteStore, GroupMemberReadsWithAndWithoutAWriter) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to build the deployment";
  test::TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string path = dir.file("users.db");
  { ASSERT_TRUE(must_create(path, test::kNobody.gid).add(make_account("first")).ok()); }
  ASSERT_EQ(file_mode(path), 0640u);

  const auto reader = [&](const char* name, bool expect_found) {
    return test::run_forked(
        [&]() -> int {
          auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
          if (!ro) {
            std::fprintf(stderr, "open: %s\n", ro.error().message.c_str());
            return 10;
          }
          auto f = ro->find(name);
          if (!f) {
            std::fprintf(stderr, "find: %s\n", f.error().message.c_str());
            return 11;
          }
          if (f->has_value() != expect_found) return 12;
          if (expect_found &&
              password_verify((*f)->hash, bytes_of("secret")) != PasswordCheck::kMatch) {
            return 13;
          }
          return 0;
        },
        test::kNobody);
  };

  // The group member cannot write anything here: not the file, not the directory.
  EXPECT_EQ(
      test::run_forked([&] { return access(path.c_str(), W_OK) == 0 ? 1 : 0; }, test::kNobody), 0);
  EXPECT_EQ(test::run_forked([&] { return access(dir.path().c_str(), W_OK) == 0 ? 1 : 0; },
                             test::kNobody),
            0);

  EXPECT_EQ(reader("first", true), 0) << "no writer running";

  auto writer = SqliteStore::open(path, SqliteStore::Mode::kAdmin);
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ(reader("first", true), 0) << "writer connected, idle";
  ASSERT_TRUE(writer->add(make_account("second")).ok());
  EXPECT_EQ(reader("second", true), 0) << "committed frames in the WAL";

  {
    test::DbConnection raw(path);
    raw.exec("BEGIN IMMEDIATE");
    raw.exec("DELETE FROM accounts WHERE name = 'first'");
    EXPECT_EQ(reader("first", true), 0) << "writer inside a transaction";
    raw.exec("COMMIT");
  }
  EXPECT_EQ(reader("first", false), 0) << "after the commit";

  // And once more after the last writer closed (the WAL files must still be there).
  writer = Error{};
  EXPECT_EQ(reader("second", true), 0) << "writer closed";
  EXPECT_EQ(file_mode(path + "-wal"), 0640u);
  EXPECT_EQ(file_mode(path + "-shm"), 0640u);

  // The control: without the WAL files (as another SQLite client may leave it), the
  // group member cannot open the database at all; the next userdb-tool write restores them.
  ASSERT_EQ(unlink((path + "-wal").c_str()), 0);
  ASSERT_EQ(unlink((path + "-shm").c_str()), 0);
  EXPECT_EQ(reader("second", true), 10);
  {
    auto admin = SqliteStore::open(path, SqliteStore::Mode::kAdmin);
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE(admin->ensure_wal_files().ok());
  }
  EXPECT_EQ(file_gid(path + "-shm"), test::kNobody.gid);
  EXPECT_EQ(reader("second", true), 0);
}

struct timespec file_mtime(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_mtim;
}

// Sets -shm's modification time to 2001, so that any write to it shows.
void age(const std::string& p) {
  const struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), old, 0), 0) << p;
}

// The decision writes nothing, not even -shm (mapped read-only; with no other connection
// open, SQLite keeps the WAL's index in private memory). Root included, and in a directory
// whose name holds URI syntax ('?', '#', '%', a space, and a leading "//").
TEST(SqliteStore, DecisionWritesNotEvenTheShm) {
  test::TempDir dir;
  const std::string odd = dir.file("we?ird #dir%41");
  ASSERT_EQ(mkdir(odd.c_str(), 0700), 0);
  const std::string path = "/" + odd + "/users.db";
  {
    auto u = must_create(path);
    ASSERT_TRUE(u.add(make_account("a")).ok());
    ASSERT_TRUE(u.add(make_account("b")).ok());
  }
  age(path + "-shm");
  const std::string shm_before = test::read_file(path + "-shm");
  for (const char* name : {"a", "b"}) {
    auto ro = SqliteStore::open(path, SqliteStore::Mode::kLogin);
    ASSERT_TRUE(ro.ok()) << ro.error().message;
    auto f = ro->find(name);
    ASSERT_TRUE(f.ok()) << f.error().message;
    ASSERT_TRUE(f->has_value()) << name;
    EXPECT_EQ(password_verify((*f)->hash, bytes_of("secret")), PasswordCheck::kMatch);
  }
  EXPECT_EQ(file_mtime(path + "-shm").tv_sec, 1000000000);
  EXPECT_EQ(test::read_file(path + "-shm"), shm_before);

  // With a writer connected the shared index is used (read-only) and sees its commits.
  auto writer = SqliteStore::open(path, SqliteStore::Mode::kAdmin);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->add(make_account("c")).ok());
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kLogin);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  auto f = ro->find("c");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->has_value());
}

// A process that keeps the file open in sqlite3's shell, reading SQL from a pipe: another
// holder of -shm and its locks, in a process of its own (a second connection in this one
// would share this process's locks).
class ShellHolder {
 public:
  explicit ShellHolder(const std::string& path) {
    const std::string shell = test::find_executable("sqlite3");
    if (shell.empty()) throw std::runtime_error("sqlite3 is installed by make deps");
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      execl(shell.c_str(), shell.c_str(), "-batch", path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~ShellHolder() {
    close(to_);
    close(from_);
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
  }
  ShellHolder(const ShellHolder&) = delete;
  ShellHolder& operator=(const ShellHolder&) = delete;
  // Runs one statement and returns its output's first line.
  std::string query(const std::string& sql) {
    const std::string line = sql + ";\n";
    if (write(to_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return "";
    std::string got;
    char c = 0;
    while (read(from_, &c, 1) == 1 && c != '\n') got += c;
    return got;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
};

// userdb-tool's reads keep their connection open (list, show, export, copy's source) while
// writers come and go. Such a reader takes part in the WAL index's rebuild: when another
// process holds -shm and the index needs rebuilding, as in the moment after a writer alone
// with the file has reset it, the reader's next statement rebuilds it (or waits for the
// one rebuilding it) and reads on. A reader that mapped -shm read-only, as the decision
// does, could only answer "attempt to write a readonly database" (SQLITE_READONLY_RECOVERY):
// ConcurrencyTest.ReaderKeptOpenNeverSeesAHalfWrittenAccount saw it once in a dozen runs.
TEST(SqliteStore, ReaderKeptOpenRebuildsTheIndex) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  { ASSERT_TRUE(must_create(path).add(make_account("a")).ok()); }
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  ASSERT_TRUE(ro->find("a").value().has_value());
  ShellHolder holder(path);
  ASSERT_EQ(holder.query("SELECT count(*) FROM accounts"), "1");
  for (int round = 0; round < 2; ++round) {
    // Both copies of the index header and the checkpoint information zeroed.
    test::RunOptions zero;
    zero.argv = {"/bin/dd", "if=/dev/zero", "of=" + path + "-shm", "bs=136",
                 "count=1", "conv=notrunc", "status=none"};
    ASSERT_EQ(test::run(zero).exit_code, 0);
    auto f = ro->find("a");
    ASSERT_TRUE(f.ok()) << "round " << round << ": " << f.error().message;
    EXPECT_TRUE(f->has_value());
  }
  EXPECT_EQ(holder.query("SELECT count(*) FROM accounts"), "1");
}

// A missing -shm cannot be mapped read-only; root's decision then opens the ordinary
// way, which creates it (a group member cannot: GroupMemberReadsWithAndWithoutAWriter).
TEST(SqliteStore, DecisionWithoutShmCreatesIt) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  { ASSERT_TRUE(must_create(path).add(make_account("a")).ok()); }
  ASSERT_EQ(unlink((path + "-shm").c_str()), 0);
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kLogin);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  auto f = ro->find("a");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_TRUE(f->has_value());
  EXPECT_EQ(file_mode(path + "-shm"), 0600u);
}

// A login reads in one snapshot: what it read first (settings) and what it reads last
// (the account) are from the same state of the file, whatever a writer commits between.
TEST(SqliteStore, DecisionReadsOneSnapshot) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto writer = must_create(path);
  auto ro = SqliteStore::open(path, SqliteStore::Mode::kLogin);
  ASSERT_TRUE(ro.ok()) << ro.error().message;
  ASSERT_TRUE(writer.add(make_account("late")).ok());
  auto f = ro->find("late");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_FALSE(f->has_value()) << "a commit after the open leaked into the decision";
  auto again = SqliteStore::open(path, SqliteStore::Mode::kLogin);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->find("late").value().has_value());
}

// A reader kept open while a writer changes accounts sees every account whole.
TEST(SqliteStore, ReaderNeverSeesAHalfWrittenAccount) {
  test::TempDir dir;
  const std::string path = dir.file("users.db");
  auto writer = must_create(path);
  Account first = make_account("a");
  first.uid = first.gid = 1;
  first.home = "/home/1";
  ASSERT_TRUE(writer.add(first).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread reader([&] {
    auto ro = SqliteStore::open(path, SqliteStore::Mode::kDecide);
    if (!ro) {
      bad = 1000;
      return;
    }
    while (!done) {
      auto f = ro->find("a");
      if (!f || !f->has_value()) {
        ++bad;
        continue;
      }
      const Account& a = **f;
      // The writer always sets uid, gid and home together.
      if (a.uid != a.gid || a.home != "/home/" + std::to_string(a.uid.value_or(0))) ++bad;
      ++reads;
    }
  });
  for (std::uint32_t i = 1; i <= 300; ++i) {
    AccountChanges c;
    c.uid = i;
    c.gid = i;
    c.home = "/home/" + std::to_string(i);
    ASSERT_TRUE(writer.change("a", c).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// The SQLite store runs the lockout rule as one UPDATE; it must agree with the rule in
// account.cc step by step (windows, locks, success).
TEST(SqliteStore, LockoutRuleAgreesWithTheAccountRule) {
  test::TempDir dir;
  auto u = must_create(dir.file("users.db"));
  ASSERT_TRUE(u.add(make_account("a")).ok());
  Account mirror = make_account("a");
  const Lockout policy{3, 10, 100};
  struct Step {
    std::int64_t now;
    bool failure;
  };
  for (const Step& step : {Step{0, true}, Step{5, true}, Step{12, true}, Step{13, true},
                           Step{14, true}, Step{15, true}, Step{20, false}, Step{21, true},
                           Step{40, true}, Step{41, true}, Step{42, true}}) {
    SCOPED_TRACE(step.now);
    if (step.failure) {
      ASSERT_TRUE(u.record_failure("a", step.now, policy).ok());
      account_count_failure(mirror, policy, step.now);
    } else {
      ASSERT_TRUE(u.record_success("a", step.now).ok());
      account_count_success(mirror, step.now);
    }
    const Account stored = u.find("a").value().value();
    EXPECT_EQ(stored.failures, mirror.failures);
    EXPECT_EQ(stored.total_failures, mirror.total_failures);
    EXPECT_EQ(stored.window_failures, mirror.window_failures);
    EXPECT_EQ(stored.window_start, mirror.window_start);
    EXPECT_EQ(stored.locked_until, mirror.locked_until);
  }
  EXPECT_TRUE(mirror.locked_until.has_value()) << "the sequence reaches a lock";
  ASSERT_TRUE(u.unlock("a").ok());
  EXPECT_FALSE(u.find("a").value()->locked_until.has_value());
}

}  // namespace
}  // namespace checkpw
