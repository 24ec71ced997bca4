// An in-memory Store for tests of the decision: a map of accounts and one Settings,
// with the Store seam's contracts kept (store.h): find() refuses a row that
// account_read_check refuses, writes to a missing account are kReject, and
// replace_hash() stores the fresh hash only while the stored hash is still the verified
// one. Every call is recorded, so a test can see what was looked up and written.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace checkpw::test {

class MemoryStore final : public Store {
 public:
  enum class Call { kSuccess, kFailure, kReplaceHash };
  struct Write {
    Call call;
    std::string name;
    std::int64_t now = 0;
    bool applied = false;  // false: the store refused (no such account, stale hash)
  };

  // Adds or replaces the account under its name.
  void put(const Account& account) { accounts_[account.name] = account; }
  // The account as stored (no read check), or nullptr.
  const Account* get(std::string_view name) const;

  Settings& config() noexcept { return settings_; }
  // When set, find() fails with it (a database that is busy past its timeout).
  std::optional<Error> find_error;

  const std::vector<std::string>& finds() const noexcept { return finds_; }
  const std::vector<Write>& writes() const noexcept { return writes_; }

  // --- the Store seam ---
  [[nodiscard]] Result<Settings> settings() override { return settings_; }
  [[nodiscard]] Result<std::optional<Account>> find(std::string_view name) override;
  [[nodiscard]] Status record_success(std::string_view name, std::int64_t now) override;
  [[nodiscard]] Status record_failure(std::string_view name, std::int64_t now,
                                      const Lockout& policy) override;
  [[nodiscard]] Status unlock(std::string_view name) override;
  [[nodiscard]] Status replace_hash(std::string_view name, std::string_view verified,
                                    std::string_view fresh, const CramSecret* cram,
                                    std::int64_t now) override;

 private:
  Account* lookup(std::string_view name);
  Status written(Call call, std::string_view name, std::int64_t now, bool applied);

  std::map<std::string, Account, std::less<>> accounts_;
  Settings settings_;
  std::vector<std::string> finds_;
  std::vector<Write> writes_;
};

}  // namespace checkpw::test
