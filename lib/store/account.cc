#include "store/account.h"

#include <sodium.h>

#include "base/text.h"
#include "store/settings.h"

namespace checkpw {
namespace {

Error misuse(std::string message) {
  return {Verdict::kMisuse, std::move(message)};
}

Status hash_check(std::string_view hash) {
  if (hash.empty()) return misuse("empty password hash");
  // Hashes are printable ASCII ($argon2id$..., crypt(3) strings); nothing else is ours.
  for (char c : hash) {
    if (c <= 0x20 || c >= 0x7f) return misuse("password hash is not printable ASCII");
  }
  return ok_status();
}

Status fields_check(const Account& a, bool allow_root_ids) {
  if (auto r = user_name_check(a.name); !r) return r;
  if (auto r = hash_check(a.hash); !r) return r;
  for (const auto* id : {&a.uid, &a.gid}) {
    if (!*id || (allow_root_ids && **id == 0)) continue;
    if (auto r = user_id_check(**id, id == &a.uid ? "uid" : "gid"); !r) return r;
  }
  if (a.home) {
    if (auto r = user_path_check(*a.home, "home"); !r) return r;
  }
  if (a.shell) {
    if (auto r = user_path_check(*a.shell, "shell"); !r) return r;
  }
  return ok_status();
}

}  // namespace

Account::~Account() {
  wipe_string(hash);
  sodium_memzero(cram_md5.data(), cram_md5.size());
}

void wipe_string(std::string& s) noexcept {
  s.resize(s.capacity());
  sodium_memzero(s.data(), s.size());
  s.clear();
}

bool account_locked(const Account& a, const Lockout& policy, std::int64_t now) noexcept {
  return policy.failures > 0 && a.locked_until.has_value() && now < *a.locked_until;
}

void account_count_failure(Account& a, const Lockout& policy, std::int64_t now) noexcept {
  ++a.failures;
  ++a.total_failures;
  if (!a.window_start || now - *a.window_start >= policy.window_s) {
    a.window_start = now;
    a.window_failures = 1;
  } else {
    ++a.window_failures;
  }
  if (policy.failures > 0 && a.window_failures >= policy.failures) {
    a.locked_until = now + policy.duration_s;
  }
}

void account_count_success(Account& a, std::int64_t now) noexcept {
  a.last_login = now;
  a.failures = 0;
  a.window_failures = 0;
  a.window_start.reset();
  a.locked_until.reset();
}

Status user_name_check(std::string_view name) {
  if (name.empty()) return misuse("user name is empty");
  if (name.size() > kUserNameMax) return misuse("user name is longer than 255 bytes");
  return text_check(name, "user name");
}

Status user_id_check(std::int64_t id, std::string_view what) {
  if (id == 0) return misuse(std::string(what) + " 0 (root) is not allowed");
  if (id < 1 || id > 4294967294) return misuse(std::string(what) + " must be from 1 to 4294967294");
  return ok_status();
}

Status user_path_check(std::string_view path, std::string_view what) {
  if (path.empty() || path[0] != '/')
    return misuse(std::string(what) + " must be an absolute path");
  if (path.size() > 4095) return misuse(std::string(what) + " is longer than 4095 bytes");
  return text_check(path, what);
}

Status account_write_check(const Account& a) {
  return fields_check(a, false);
}

Status account_read_check(const Account& a) {
  if (auto r = fields_check(a, true); !r) {
    return temp_error("the stored account is not one userdb-tool would write (" +
                      r.error().message + ")");
  }
  return ok_status();
}

}  // namespace checkpw
