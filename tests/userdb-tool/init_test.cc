#include <sys/stat.h>
#include <unistd.h>

#include "userdb-tool/fixture.h"

namespace checkpw::test {
namespace {

struct stat stat_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st;
}

// Most of init is about the SQLite file: its modes, its WAL files, what it adopts.
using InitTest = ToolTest;
// What holds for both stores.
using InitStoreTest = StoreToolTest;
INSTANTIATE_TEST_SUITE_P(Stores, InitStoreTest, all_stores(), store_test_name);

TEST_F(InitTest, CreatesPrivateDatabaseWithPersistentWal) {
  const auto r = tool({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("created"), std::string::npos);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(stat_of(db + suffix).st_mode & 07777, 0600u) << suffix;
  }
  auto u = SqliteStore::open(db, SqliteStore::Mode::kDecide);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->schema_version().value(), kSchemaVersion);
}

TEST_F(InitTest, GroupMakes0640WithThatGroup) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to set a group";
  const auto r = tool({"init", "--group", "nogroup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(stat_of(db + suffix).st_mode & 07777, 0640u) << suffix;
    EXPECT_EQ(stat_of(db + suffix).st_gid, kNobody.gid) << suffix;
  }
}

TEST_P(InitStoreTest, ExistingDatabaseIsLeftAsItIs) {
  init_fast();
  add("a", "pw");
  const std::string before = store.dump();
  const auto r = tool({"init"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("up to date"), std::string::npos) << r.out;
  EXPECT_EQ(store.dump(), before);
  if (!store.postgres()) {
    EXPECT_EQ(stat_of(db).st_mode & 07777, 0600u);
  }
}

TEST_F(InitTest, NeverWidensAnExistingFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to set a group";
  init_fast();
  // Asking for a group the file does not have is refused, and nothing changes.
  refused(1, {"init", "--group", "nogroup"});
  EXPECT_EQ(stat_of(db).st_mode & 07777, 0600u);
  EXPECT_EQ(stat_of(db).st_gid, 0u);
}

TEST_F(InitTest, UnknownGroupIsAUsageError) {
  const auto r = tool({"init", "--group", "no-such-group-here"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such group"), std::string::npos) << r.err;
  EXPECT_NE(access(db.c_str(), F_OK), 0);
}

// init never adopts a file it did not create: a touched file, an SQLite file without our
// schema, a file open to others or owned by someone else is refused (exit 1) and left
// exactly as it was, mode and owner included.
TEST_F(InitTest, RefusesAFileItDidNotCreate) {
  struct Case {
    const char* name;
    mode_t mode;
    bool sqlite;
    bool foreign_owner;
  };
  for (const Case& c :
       {Case{"touched-0644", 0644, false, false}, Case{"touched-0600", 0600, false, false},
        Case{"empty-sqlite-wal", 0600, true, false},
        Case{"world-writable-foreign", 0666, false, true}}) {
    SCOPED_TRACE(c.name);
    db = dir.file(std::string(c.name) + ".db");
    if (c.sqlite) {
      db_exec(db, "PRAGMA journal_mode = WAL");
    } else {
      test::write_file(db, "");
    }
    ASSERT_EQ(chmod(db.c_str(), c.mode), 0);
    if (c.foreign_owner) {
      if (geteuid() != 0) continue;  // only root can give a file away
      ASSERT_EQ(chown(db.c_str(), test::kNobody.uid, test::kNobody.gid), 0);
    }
    struct stat before {};
    ASSERT_EQ(stat(db.c_str(), &before), 0);
    const std::string dump_before = test::read_file(db);
    const auto r = tool({"init"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
    struct stat after {};
    ASSERT_EQ(stat(db.c_str(), &after), 0);
    EXPECT_EQ(after.st_mode, before.st_mode);
    EXPECT_EQ(after.st_uid, before.st_uid);
    EXPECT_EQ(after.st_size, before.st_size);
    EXPECT_EQ(test::read_file(db), dump_before);
    EXPECT_EQ(tool({"list"}).exit_code, 111) << "no command uses it either";
  }
}

TEST_P(InitStoreTest, NewerSchemaIsRefusedEverywhere) {
  init_fast();
  store.exec(store.postgres() ? "UPDATE checkpw_schema SET version = 99"
                              : "PRAGMA user_version = 99");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"init"}, {"list"}, {"show", "a"}, {"del", "a"}, {"config"}, {"check"}}) {
    const auto r = refused(111, args);
    EXPECT_NE(r.err.find("99"), std::string::npos) << r.err;
  }
  refused(111, {"add", "a", "--password-stdin"}, "pw\n");
}

TEST_F(InitTest, RestoresMissingWalFiles) {
  init_fast();
  ASSERT_EQ(unlink((db + "-wal").c_str()), 0);
  ASSERT_EQ(unlink((db + "-shm").c_str()), 0);
  const auto warn = tool({"check"});
  EXPECT_EQ(warn.exit_code, 0);
  EXPECT_NE(warn.err.find("-shm is missing"), std::string::npos) << warn.err;
  ASSERT_EQ(tool({"init"}).exit_code, 0);
  EXPECT_EQ(access((db + "-wal").c_str(), F_OK), 0);
  EXPECT_EQ(access((db + "-shm").c_str(), F_OK), 0);
}

TEST_F(InitTest, MissingDirectoryIsTemporary) {
  db = dir.file("no/such/dir/users.db");
  EXPECT_EQ(tool({"init"}).exit_code, 111);
}

}  // namespace
}  // namespace checkpw::test

namespace checkpw::test {
namespace {

// A database of schema version 1 (before lockout): the programs refuse it until init
// migrates it, which keeps every account and says so; check then finds nothing foreign.
TEST_F(InitTest, MigratesVersionOneAndSaysSo) {
  init_fast();
  add("a", "pw");
  db_exec(db,
          "ALTER TABLE accounts DROP COLUMN locked_until;"
          "ALTER TABLE accounts DROP COLUMN window_start;"
          "ALTER TABLE accounts DROP COLUMN window_failures;"
          "PRAGMA user_version = 1");
  const auto list = tool({"list"});
  EXPECT_EQ(list.exit_code, 111);
  EXPECT_NE(list.err.find("run userdb-tool init to migrate"), std::string::npos) << list.err;
  const auto r = tool({"init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("migrated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("from schema version 1 to 2"), std::string::npos) << r.out;
  EXPECT_EQ(tool({"verify", "a", "--password-stdin"}, "pw\n").exit_code, 0);
  const auto check = tool({"check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

}  // namespace
}  // namespace checkpw::test
