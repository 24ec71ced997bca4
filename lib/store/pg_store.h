// The PostgreSQL store (doc/design.md section 7): the same accounts and settings as the
// SQLite file, in three tables of one PostgreSQL database, for sites where several mail
// hosts share one user base (a hot standby on each, or a pooler in front of one server).
// The location is a libpq URI (postgresql://...); nothing is taken from the environment.
// The programs connect as a role that may read the tables and update only the
// bookkeeping columns (grant_login_role); userdb-tool as the tables' owner. Every
// statement is bound; every row is checked on the way out as on the way in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/admin_store.h"
#include "store/pg.h"

namespace checkpw {

class PgStore final : public AdminStore {
 public:
  enum class Mode {
    kDecide,    // the location's session (a standby is fine), current schema
    kBookkeep,  // a read-write session (the primary), current schema, 2 s to connect
    kAdmin,     // read-write, any schema from 1 to ours (userdb-tool; migrate() first)
    kRead,      // userdb-tool's reads: as kDecide
    kInspect,   // any schema, settings not read (userdb-tool check and init)
  };
  // Unreachable, refused, not a checkpw database, of a schema the mode does not accept:
  // kTempFail saying which.
  [[nodiscard]] static Result<PgStore> open(const std::string& location, Mode mode);

  // --- the Store seam ---
  [[nodiscard]] Result<Settings> settings() override;
  [[nodiscard]] Result<std::optional<Account>> find(std::string_view name) override;
  // On a read-only session (a hot standby) the bookkeeping is skipped: ok, nothing written.
  [[nodiscard]] Status record_success(std::string_view name, std::int64_t now) override;
  [[nodiscard]] Status record_failure(std::string_view name, std::int64_t now,
                                      const Lockout& policy) override;
  [[nodiscard]] Status unlock(std::string_view name) override;
  [[nodiscard]] Status replace_hash(std::string_view name, std::string_view verified,
                                    std::string_view fresh, const CramSecret* cram,
                                    std::int64_t now) override;

  // --- administration (admin_store.h) ---
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
  std::vector<std::string> after_write() override { return {}; }
  // Constraint and privilege audit: "ok", or what is wrong (a grant to PUBLIC, a table
  // without its checks).
  [[nodiscard]] Result<std::string> integrity_check() override;
  // Triggers, rules, row-level policies on our tables and any other relation in the schema.
  [[nodiscard]] Result<std::vector<std::string>> unexpected_objects() override;

  // The least privilege the checkpassword programs need, granted to `role` (an existing
  // role; a plain identifier): SELECT on the three tables, UPDATE of the bookkeeping
  // columns and of hash, cram_md5 and changed (the upgrade of a legacy hash at a login).
  [[nodiscard]] Status grant_login_role(std::string_view role);

 private:
  explicit PgStore(PgConn c) : c_(std::move(c)) {}
  Status load(Mode mode);
  // One UPDATE or DELETE whose $1 is the name; kReject when no row matched.
  Status write_by_name(std::string_view sql, std::vector<PgParam> params);

  PgConn c_;
  Mode mode_ = Mode::kDecide;
  int version_ = 0;
  std::optional<Settings> settings_;  // read at open in one round trip with the version
};

}  // namespace checkpw
