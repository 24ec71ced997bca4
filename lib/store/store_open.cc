// The stores' entry points: the location names the store. A postgresql:// (or
// postgres://) URI is PostgreSQL; anything else is the path of an SQLite file.
#include "store/location.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace checkpw {
namespace {

template <class Base, class S>
Result<std::unique_ptr<Base>> boxed(Result<S> s) {
  if (!s) return s.error();
  return std::unique_ptr<Base>(new S(std::move(s.value())));
}

}  // namespace

bool store_has_postgres() noexcept {
  return true;
}

Result<std::unique_ptr<Store>> store_open(const std::string& location, StoreAccess access) {
  const bool decide = access == StoreAccess::kDecide;
  if (pg_location(location)) {
    return boxed<Store>(
        PgStore::open(location, decide ? PgStore::Mode::kDecide : PgStore::Mode::kBookkeep));
  }
  return boxed<Store>(SqliteStore::open(
      location, decide ? SqliteStore::Mode::kLogin : SqliteStore::Mode::kBookkeep));
}

Result<std::unique_ptr<AdminStore>> admin_store_open(const std::string& location,
                                                     AdminAccess access) {
  if (pg_location(location)) {
    const PgStore::Mode m = access == AdminAccess::kRead    ? PgStore::Mode::kRead
                            : access == AdminAccess::kWrite ? PgStore::Mode::kAdmin
                                                            : PgStore::Mode::kInspect;
    return boxed<AdminStore>(PgStore::open(location, m));
  }
  const SqliteStore::Mode m = access == AdminAccess::kRead    ? SqliteStore::Mode::kDecide
                              : access == AdminAccess::kWrite ? SqliteStore::Mode::kAdmin
                                                              : SqliteStore::Mode::kInspect;
  return boxed<AdminStore>(SqliteStore::open(location, m));
}

}  // namespace checkpw
