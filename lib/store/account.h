// An account as every store holds it (doc/design.md section 7), and the checks that decide
// what a store may hold: on write, what userdb-tool accepts; on read, the same, except
// that a uid or gid of 0 is passed through for the decision to reject (doc/design.md
// section 3). A row that fails the read check is never used: the caller gets kTempFail.
// Never a plaintext password; the destructor wipes the hash and the CRAM-MD5 secret.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace checkpw {

struct Lockout;  // settings.h

inline constexpr std::size_t kUserNameMax = 255;   // bytes
using CramSecret = std::array<unsigned char, 32>;  // doc/design.md section 4 layout

struct Account {
  std::int64_t id = 0;
  std::string name;
  std::string hash;  // Argon2id or legacy crypt string; never logged or shown
  bool has_cram_md5 = false;
  CramSecret cram_md5{};
  bool enabled = true;
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  std::int64_t created = 0, changed = 0;  // unix seconds
  std::optional<std::int64_t> last_login;
  std::int64_t failures = 0;  // consecutive failures since the last success
  std::int64_t total_failures = 0;
  std::int64_t window_failures = 0;          // failures since window_start (lockout)
  std::optional<std::int64_t> window_start;  // unix seconds
  std::optional<std::int64_t> locked_until;  // unix seconds; a lock holds while now < it

  Account() = default;
  ~Account();
  Account(const Account&) = default;
  Account& operator=(const Account&) = default;
  Account(Account&&) = default;
  Account& operator=(Account&&) = default;
};

// An account name: 1..255 bytes of valid UTF-8 with no control character.
[[nodiscard]] Status user_name_check(std::string_view name);
// uid and gid: 1..4294967294 (0 is root; 4294967295 is (uid_t)-1).
[[nodiscard]] Status user_id_check(std::int64_t id, std::string_view what);
// home and shell: an absolute path of valid UTF-8, at most 4095 bytes, no control characters.
[[nodiscard]] Status user_path_check(std::string_view path, std::string_view what);

// Every field as userdb-tool writes it (kMisuse with the reason otherwise).
[[nodiscard]] Status account_write_check(const Account& a);
// A row read back from a store: the write check, but uid and gid 0 pass (the decision
// refuses them as a rejection). kTempFail naming the field when the row is not one
// userdb-tool would write (a hand-edited or planted row).
[[nodiscard]] Status account_read_check(const Account& a);

// Whether the account is locked at `now` under `policy` (lockout off: never).
bool account_locked(const Account& a, const Lockout& policy, std::int64_t now) noexcept;

// The lockout rule for one more failure at `now`, on an account in memory (the SQLite
// store runs the same rule as one UPDATE): a new window when none is open or it has
// passed, else one more in it; at `policy.failures` in the window, locked until
// now + duration_s.
void account_count_failure(Account& a, const Lockout& policy, std::int64_t now) noexcept;
// And for a success: every count and the lock cleared.
void account_count_success(Account& a, std::int64_t now) noexcept;

// Wipes a string's whole buffer, including bytes past size() left by short-string moves.
void wipe_string(std::string& s) noexcept;

}  // namespace checkpw
