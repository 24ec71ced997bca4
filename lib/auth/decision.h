// The login decision (doc/design.md sections 3, 4 and 6) as a pure function: the parsed
// request, how the caller asked, what the store said about the account and the settings
// go in; the verdict, its reason, the mechanism, the account's identity and the
// bookkeeping to do come out. No I/O happens inside decide(): it reads no descriptor,
// file, clock or environment, and writes nothing but its Decision. The only costly thing
// it does is compute (Argon2id, HMAC-MD5), with the same work for unknown users as for a
// wrong secret.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/secret_buffer.h"
#include "base/verdict.h"
#include "core/cram_md5.h"
#include "store/account.h"
#include "store/settings.h"
#include "store/store.h"

namespace checkpw {

enum class Program {
  kCheckpw,         // the secret field is a plaintext password
  kCramMd5Checkpw,  // CRAM-MD5 in either field order, else plaintext
};

// How the caller asked (Dovecot's environment, doc/design.md section 6). Only a process that
// is not secure reads it; under setuid every flag is false.
struct Caller {
  bool dovecot = false;      // Dovecot's checkpassword passdb: no identity switch
  bool lookup = false;       // AUTHORIZED=1: a userdb/passdb lookup, nothing verified
  bool credentials = false;  // and CREDENTIALS_LOOKUP=1, SCHEME=CRAM-MD5
};

// The request as decide() sees it: views into the wiped request buffer.
struct Login {
  Program program = Program::kCheckpw;
  Caller caller;
  std::span<const unsigned char> user, secret, third;
  std::int64_t now = 0;  // unix seconds, for the lockout rule
};

// The account a login names: `user` exactly, else, for a bare name and a configured
// default domain, `user@domain`. nullopt for an empty or unknown name.
[[nodiscard]] Result<std::optional<Account>> account_lookup(Store& store, const Settings& settings,
                                                            std::span<const unsigned char> user);

enum class Book { kNone, kSuccess, kFailure };

// What the store should record once the verdict stands (best effort, never changing it).
struct Bookkeeping {
  Book kind = Book::kNone;
  std::string verified_hash;  // a rehash replaces exactly this hash...
  std::string fresh_hash;     // ...with this one (empty: no rehash)
  bool fresh_has_cram = false;
  SecretBuffer<kCramMd5SecretSize> fresh_cram;
  ~Bookkeeping();
};

struct Decision {
  Verdict verdict = Verdict::kTempFail;
  const char* reason = "internal-error";  // a fixed word, logged
  const char* mech = "none";
  std::string detail;  // for a "warning:" line; never holds a secret
  std::string user;    // the account's name (domain included), else the name asked for
  bool log_user_on_reject = false;
  int failure_delay_ms = 0;
  Lockout lockout;  // the policy the failure is counted under
  LogDestination log_to = LogDestination::kStderr;
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::string> home, shell;
  SecretBuffer<2 * kCramMd5SecretSize> credentials;  // hex {CRAM-MD5} for a credentials lookup
  Bookkeeping book;

  void set(Verdict v, const char* why) noexcept {
    verdict = v;
    reason = why;
  }
};

// Decides `login` for `account` (nullopt: no such account) under `settings`. `d` must be
// fresh; its verdict is kTempFail unless decide() finds otherwise.
void decide(const Login& login, const Settings& settings, const std::optional<Account>& account,
            Decision& d);

}  // namespace checkpw
