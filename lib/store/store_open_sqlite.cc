// store_open() for the checkpassword programs in BINDIR, linked without the PostgreSQL
// client (store.h): SQLite only. Never in libcheckpw-internal.a, so that a program links
// either this or store_open.cc, never both. A PostgreSQL location reaches store_open()
// here only when the PostgreSQL build could not take over (auth/login.h): 111.
#include "store/location.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace checkpw {

bool store_has_postgres() noexcept {
  return false;
}

Result<std::unique_ptr<Store>> store_open(const std::string& location, StoreAccess access) {
  if (pg_location(location)) {
    return temp_error("this build has no PostgreSQL client and its PostgreSQL build in " +
                      std::string(program_helper_dir()) + " could not be run");
  }
  Result<SqliteStore> s =
      SqliteStore::open(location, access == StoreAccess::kDecide ? SqliteStore::Mode::kLogin
                                                                 : SqliteStore::Mode::kBookkeep);
  if (!s) return s.error();
  return std::unique_ptr<Store>(new SqliteStore(std::move(s.value())));
}

}  // namespace checkpw
