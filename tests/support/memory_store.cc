#include "support/memory_store.h"

namespace checkpw::test {

const Account* MemoryStore::get(std::string_view name) const {
  const auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : &it->second;
}

Account* MemoryStore::lookup(std::string_view name) {
  const auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : &it->second;
}

Result<std::optional<Account>> MemoryStore::find(std::string_view name) {
  finds_.emplace_back(name);
  if (find_error) return *find_error;
  const Account* a = get(name);
  if (a == nullptr) return std::optional<Account>();
  // As the SQLite store: a row userdb-tool would not write is never used.
  if (auto r = account_read_check(*a); !r) return temp_error(r.error().message);
  return std::optional<Account>(*a);
}

Status MemoryStore::written(Call call, std::string_view name, std::int64_t now, bool applied) {
  writes_.push_back({call, std::string(name), now, applied});
  if (!applied) return Error{Verdict::kReject, "no such user"};
  return ok_status();
}

Status MemoryStore::record_success(std::string_view name, std::int64_t now) {
  Account* a = lookup(name);
  if (a != nullptr) account_count_success(*a, now);
  return written(Call::kSuccess, name, now, a != nullptr);
}

Status MemoryStore::record_failure(std::string_view name, std::int64_t now, const Lockout& policy) {
  Account* a = lookup(name);
  if (a != nullptr) account_count_failure(*a, policy, now);
  return written(Call::kFailure, name, now, a != nullptr);
}

Status MemoryStore::unlock(std::string_view name) {
  Account* a = lookup(name);
  if (a == nullptr) return Error{Verdict::kReject, "no such user"};
  a->window_failures = 0;
  a->window_start.reset();
  a->locked_until.reset();
  return ok_status();
}

Status MemoryStore::replace_hash(std::string_view name, std::string_view verified,
                                 std::string_view fresh, const CramSecret* cram, std::int64_t now) {
  if (fresh.empty()) return Error{Verdict::kMisuse, "empty password hash"};
  Account* a = lookup(name);
  // Only while the stored hash is still the one verified: a password changed while the
  // login ran is never undone.
  const bool current = a != nullptr && a->hash == verified;
  if (current) {
    a->hash = std::string(fresh);
    a->has_cram_md5 = cram != nullptr;
    a->cram_md5 = cram != nullptr ? *cram : CramSecret{};
    a->changed = now;
  }
  return written(Call::kReplaceHash, name, now, current);
}

}  // namespace checkpw::test
