#include "auth/decision.h"

#include <sodium.h>

#include <array>
#include <string_view>

#include "auth/password.h"
#include "auth/request.h"
#include "core/hex.h"

namespace checkpw {
namespace {

std::string_view as_text(std::span<const unsigned char> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// Plaintext verification. An unknown user costs a hash at the current parameters, the
// same work as a verify, so time does not tell them apart. Returns false after setting a
// temporary failure in `d` (out of memory, an unusable stored hash), for known and
// unknown users alike; otherwise sets `matched`.
bool verify_plain(const Settings& settings, const std::optional<Account>& account,
                  std::span<const unsigned char> password, Decision& d, bool& matched) {
  matched = false;
  if (!account) {
    Result<std::string> dummy = password_hash(password, settings.cost);
    if (!dummy) {
      d.set(Verdict::kTempFail,
            dummy.error().verdict == Verdict::kTempFail ? "out-of-memory" : "internal-error");
      return false;
    }
    wipe_string(dummy.value());
    return true;
  }
  if (account->hash == kCramMd5OnlyHash) {
    // Imported with only its CRAM-MD5 secret: the password's own secret must equal it.
    if (!account->has_cram_md5) {
      d.set(Verdict::kTempFail, "invalid-stored-hash");
      d.detail = "the account has neither a password hash nor a CRAM-MD5 secret";
      return false;
    }
    SecretBuffer<kCramMd5SecretSize> mine;
    cram_md5_secret(password, mine.storage());
    matched = sodium_memcmp(mine.data(), account->cram_md5.data(), kCramMd5SecretSize) == 0;
    return true;
  }
  switch (password_verify(account->hash, password)) {
    case PasswordCheck::kMatch:
      matched = true;
      return true;
    case PasswordCheck::kMismatch:
      return true;
    case PasswordCheck::kOutOfMemory:
      d.set(Verdict::kTempFail, "out-of-memory");
      return false;
    case PasswordCheck::kInvalidHash:
      d.set(Verdict::kTempFail, "invalid-stored-hash");
      d.detail = "the stored password hash of this account is not a valid hash string";
      return false;
  }
  return false;
}

// After a plaintext match: a fresh Argon2id hash when the stored one is legacy or weaker
// than the current cost (never when it is stronger), replacing exactly the verified one.
void plan_rehash(const Settings& settings, const Account& account,
                 std::span<const unsigned char> password, Bookkeeping& book) {
  if (!password_needs_rehash(account.hash, settings.cost)) return;
  Result<std::string> fresh = password_hash(password, settings.cost);
  if (!fresh) return;  // best effort: the login stands on the verified hash
  book.verified_hash = account.hash;
  book.fresh_hash = std::move(fresh.value());
  // Keep the account's CRAM-MD5 choice; a legacy import never had the chance to make it.
  book.fresh_has_cram =
      account.has_cram_md5 || std::string_view(password_scheme(account.hash)) != "argon2id";
  if (book.fresh_has_cram) cram_md5_secret(password, book.fresh_cram.storage());
}

// A success is written when it changes what matters: failures or a lock to clear, a hash
// to upgrade, or a last_login older than last_login_interval_s (or none, or in the future).
bool success_worth_writing(const Account& a, const Settings& settings, std::int64_t now,
                           const Bookkeeping& book) {
  if (!book.fresh_hash.empty() || a.failures != 0 || a.window_failures != 0 || a.window_start ||
      a.locked_until || !a.last_login) {
    return true;
  }
  const std::int64_t age = now - *a.last_login;
  return age < 0 || age >= settings.last_login_interval_s;
}

}  // namespace

Bookkeeping::~Bookkeeping() {
  wipe_string(verified_hash);
  wipe_string(fresh_hash);
}

Result<std::optional<Account>> account_lookup(Store& store, const Settings& settings,
                                              std::span<const unsigned char> user) {
  if (user.empty()) return std::optional<Account>();
  const std::string name(as_text(user));
  Result<std::optional<Account>> found = store.find(name);
  if (!found || found.value() || settings.default_domain.empty() ||
      name.find('@') != std::string::npos) {
    return found;
  }
  return store.find(name + "@" + settings.default_domain);
}

void decide(const Login& login, const Settings& settings, const std::optional<Account>& account,
            Decision& d) {
  d.failure_delay_ms = settings.failure_delay_ms;
  d.log_user_on_reject = settings.log_failed_names;
  d.lockout = settings.lockout;
  d.log_to = settings.log_destination;
  const CramFields f = login.program == Program::kCramMd5Checkpw
                           ? classify_cram_fields(login.secret, login.third)
                           : plain_fields(login.secret);
  const Caller& caller = login.caller;
  const bool cram = !caller.lookup && f.mechanism == Mechanism::kCramMd5;
  d.mech = caller.credentials ? "credentials"
           : caller.lookup    ? "lookup"
           : cram             ? "cram-md5"
                              : "plain";
  if (login.user.empty()) return d.set(Verdict::kReject, "empty-user");
  d.user = account ? account->name : std::string(as_text(login.user));

  if (caller.lookup) {
    // A lookup verifies nothing, so one that carries a secret is not a lookup.
    if (!login.secret.empty()) return d.set(Verdict::kReject, "lookup-with-secret");
    if (!account) return d.set(Verdict::kUnknownUser, "unknown-user");
    // Dovecot verifies what a credentials lookup hands back: not for a locked account.
    if (caller.credentials && account_locked(*account, settings.lockout, login.now)) {
      return d.set(Verdict::kReject, "locked");
    }
  } else {
    if (!cram && f.password.empty()) return d.set(Verdict::kReject, "empty-password");
    bool matched = false;
    if (cram) {
      static const std::array<unsigned char, kCramMd5SecretSize> kDummy{};
      const bool usable = account && account->has_cram_md5;
      const bool ok = cram_md5_verify(usable ? account->cram_md5 : kDummy, f.challenge, f.response);
      matched = usable && ok;
    }
    // The plaintext step: always for plaintext; for a request shaped like CRAM-MD5 whose
    // response sits in the password's place, when CRAM-MD5 did not match (doc/design.md
    // section 4). Unknown users take both steps, like everyone else who fails.
    if (!matched && (!cram || f.also_plain)) {
      if (!verify_plain(settings, account, f.password, d, matched)) return;
      if (matched) {
        d.mech = "plain";
        plan_rehash(settings, *account, f.password, d.book);
      }
    }
    if (!account) return d.set(Verdict::kReject, "unknown-user");
    // Locked: rejected whatever the secret, after the same work as any rejection, and
    // not counted (a guess during the lock neither extends it nor clears it).
    if (account_locked(*account, settings.lockout, login.now)) {
      return d.set(Verdict::kReject, "locked");
    }
    if (!matched) {
      d.book.kind = Book::kFailure;
      const bool no_secret = cram && !f.also_plain && !account->has_cram_md5;
      return d.set(Verdict::kReject, no_secret ? "no-cram-md5-secret" : "bad-password");
    }
  }
  if (!account->enabled) return d.set(Verdict::kReject, "disabled");
  if (account->uid && *account->uid == 0) return d.set(Verdict::kReject, "uid-zero");
  // userdb-tool refuses gid 0 too; a hand-edited row must not hand out the root group.
  if (account->gid && *account->gid == 0) return d.set(Verdict::kReject, "gid-zero");
  if (caller.credentials && account->has_cram_md5) {
    // Without a secret we answer with no password: Dovecot then rejects the login itself.
    hex_encode(std::span<char>(reinterpret_cast<char*>(d.credentials.data()), 64),
               account->cram_md5);
    d.credentials.set_size(64);
  }
  d.uid = account->uid;
  d.gid = account->gid;
  d.home = account->home;
  d.shell = account->shell;
  if (!caller.lookup && success_worth_writing(*account, settings, login.now, d.book)) {
    d.book.kind = Book::kSuccess;
  }
  d.set(Verdict::kAccept, caller.lookup ? "found" : "ok");
}

}  // namespace checkpw
