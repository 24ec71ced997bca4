#include "checkpw/checkpassword.h"

#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "checkpw/auth_log.h"
#include "checkpw/cram_md5.h"
#include "checkpw/hex.h"
#include "checkpw/password.h"
#include "checkpw/process.h"
#include "checkpw/request.h"
#include "checkpw/userdb.h"

namespace checkpw {
namespace {

constexpr int kRequestFd = 3;
constexpr int kBookkeepingBusyMs = 200;

// How we were called. Only an unprivileged (not AT_SECURE) process honours these.
struct Mode {
  bool dovecot = false;      // Dovecot's checkpassword passdb: no identity switch
  bool lookup = false;       // AUTHORIZED=1: a userdb/passdb lookup, nothing verified
  bool credentials = false;  // CREDENTIALS_LOOKUP=1 and SCHEME=CRAM-MD5
};

bool env_is(const ProcessInfo& proc, const char* name, std::string_view value) {
  const char* v = trusted_env(proc, name);
  return v != nullptr && value == v;
}

Mode mode_of(const ProcessInfo& proc) {
  Mode m;
  m.lookup = env_is(proc, "AUTHORIZED", "1");
  m.credentials =
      m.lookup && env_is(proc, "CREDENTIALS_LOOKUP", "1") && env_is(proc, "SCHEME", "CRAM-MD5");
  // Dovecot always tells us the uid it expects the reply helper to keep.
  m.dovecot = m.lookup || trusted_env(proc, "ORIG_UID") != nullptr;
  return m;
}

// What the decision leaves behind once the request buffer is gone: no password, no
// response, no challenge. The CRAM-MD5 credential (lookups only) stays in a wiped buffer.
struct Outcome {
  Verdict verdict = Verdict::kTempFail;
  const char* mech = "none";
  const char* reason = "internal-error";
  std::string detail;  // for a "warning:" line; never holds a secret
  std::string user;
  bool log_user_on_reject = false;
  int failure_delay_ms = 0;
  Identity identity;
  std::optional<std::string> shell;
  std::optional<std::uint32_t> uid, gid;
  SecretBuffer<2 * kCramMd5SecretSize> cram_hex;  // credentials lookup only
  // Best-effort bookkeeping once the read-only handle is closed.
  enum class Book { kNone, kSuccess, kFailure } book = Book::kNone;
  std::string rehash;  // a fresh Argon2id string to store, when non-empty
  bool rehash_cram = false;
  SecretBuffer<kCramMd5SecretSize> rehash_cram_secret;
};

void set(Outcome& out, Verdict v, const char* reason) {
  out.verdict = v;
  out.reason = reason;
}

std::string_view as_text(std::span<const unsigned char> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

// Verifies a plaintext password. Unknown users cost a hash at the current parameters,
// the same work as a verify, so time does not tell them apart.
void verify_plain(const Settings& settings, const std::optional<Account>& account,
                  std::span<const unsigned char> password, Outcome& out, bool& matched) {
  matched = false;
  if (!account) {
    Result<std::string> ignored = password_hash(password, settings.cost);
    (void)ignored;
    return;
  }
  switch (password_verify(account->hash, password)) {
    case PasswordCheck::kMatch:
      matched = true;
      if (password_needs_rehash(account->hash, settings.cost)) {
        Result<std::string> fresh = password_hash(password, settings.cost);
        if (fresh) {
          out.rehash = std::move(fresh.value());
          // Keep the account's CRAM-MD5 choice; a legacy import never had the chance.
          out.rehash_cram = account->has_cram_md5 ||
                            std::string_view(password_scheme(account->hash)) != "argon2id";
          if (out.rehash_cram) cram_md5_secret(password, out.rehash_cram_secret.storage());
        }
      }
      return;
    case PasswordCheck::kMismatch:
      return;
    case PasswordCheck::kOutOfMemory:
      set(out, Verdict::kTempFail, "out-of-memory");
      return;
    case PasswordCheck::kInvalidHash:
      set(out, Verdict::kTempFail, "invalid-stored-hash");
      out.detail = "the stored password hash of this account is not a valid hash string";
      return;
  }
}

// The account named `user`, else, for a bare name and a configured default domain,
// the account `user@domain` (so "alice" can log in to "alice@example.org").
Result<std::optional<Account>> find_account(Userdb& db, const Settings& settings,
                                            const std::string& user) {
  Result<std::optional<Account>> found = db.find(user);
  if (!found || found.value() || settings.default_domain.empty() ||
      user.find('@') != std::string::npos) {
    return found;
  }
  return db.find(user + "@" + settings.default_domain);
}

void decide(Program program, const Mode& mode, const std::string& db_path, Outcome& out) {
  Request req;
  if (Verdict v = request_read(kRequestFd, req); v != Verdict::kAccept) {
    set(out, v, v == Verdict::kReject ? "request-too-long" : "fd3-unreadable");
    return;
  }
  if (request_parse(req) != Verdict::kAccept) {
    set(out, Verdict::kMisuse, "malformed-request");
    return;
  }
  CramFields fields;
  fields.password = req.secret;
  if (program == Program::kCramMd5Checkpw) fields = classify_cram_fields(req);
  const bool cram = !mode.lookup && fields.mechanism == Mechanism::kCramMd5;
  out.mech = mode.credentials ? "credentials"
             : mode.lookup    ? "lookup"
             : cram           ? "cram-md5"
                              : "plain";
  if (req.user.empty()) return set(out, Verdict::kReject, "empty-user");
  out.user.assign(as_text(req.user));
  if (!mode.lookup && !cram && fields.password.empty()) {
    return set(out, Verdict::kReject, "empty-password");
  }

  Result<Userdb> db = Userdb::open_readonly(db_path);
  if (!db) {
    out.detail = "unable to open database: " + db.error().message;
    return set(out, Verdict::kTempFail, "database-unavailable");
  }
  Result<Settings> settings = db->settings();
  if (!settings) {
    out.detail = "unable to read settings: " + settings.error().message;
    return set(out, Verdict::kTempFail, "database-unavailable");
  }
  out.failure_delay_ms = settings->failure_delay_ms;
  out.log_user_on_reject = settings->log_failed_names;
  Result<std::optional<Account>> found = find_account(*db, settings.value(), out.user);
  if (!found) {
    out.detail = "unable to look up user: " + found.error().message;
    return set(out, Verdict::kTempFail, "database-unavailable");
  }
  const std::optional<Account>& account = found.value();
  if (account) out.user = account->name;  // the name the account has, domain included

  if (mode.lookup) {
    if (!account) return set(out, Verdict::kUnknownUser, "unknown-user");
  } else if (cram) {
    static const std::array<unsigned char, kCramMd5SecretSize> kDummy{};
    const bool usable = account && account->has_cram_md5;
    const bool ok =
        cram_md5_verify(usable ? account->cram_md5 : kDummy, fields.challenge, fields.response);
    if (!account) return set(out, Verdict::kReject, "unknown-user");
    if (!usable) return set(out, Verdict::kReject, "no-cram-md5-secret");
    if (!ok) {
      out.book = Outcome::Book::kFailure;
      return set(out, Verdict::kReject, "bad-password");
    }
  } else {
    bool matched = false;
    set(out, Verdict::kReject, "bad-password");
    verify_plain(settings.value(), account, fields.password, out, matched);
    if (out.verdict == Verdict::kTempFail) return;
    if (!account) return set(out, Verdict::kReject, "unknown-user");
    if (!matched) {
      out.book = Outcome::Book::kFailure;
      return;
    }
  }
  if (!account->enabled) return set(out, Verdict::kReject, "disabled");
  if (account->uid && *account->uid == 0) return set(out, Verdict::kReject, "uid-zero");
  // userdb-tool refuses gid 0 too; a hand-edited row must not hand out the root group.
  if (account->gid && *account->gid == 0) return set(out, Verdict::kReject, "gid-zero");
  if (mode.credentials && account->has_cram_md5) {
    // Without a secret we answer with no password: Dovecot then rejects the login itself.
    hex_encode(std::span<char>(reinterpret_cast<char*>(out.cram_hex.data()), 64),
               account->cram_md5);
    out.cram_hex.set_size(64);
  }
  out.uid = account->uid;
  out.gid = account->gid;
  if (account->uid) out.identity.uid = static_cast<uid_t>(*account->uid);
  if (account->gid) out.identity.gid = static_cast<gid_t>(*account->gid);
  out.identity.home = account->home;
  out.shell = account->shell;
  if (!mode.lookup) out.book = Outcome::Book::kSuccess;
  set(out, Verdict::kAccept, mode.lookup ? "found" : "ok");
}

// After the verdict, never changing it: last login, failure counter, rehash. A reader
// that may not write (group-member deployments) simply skips it.
void bookkeep(const std::string& db_path, Outcome& out) {
  if (out.book == Outcome::Book::kNone) return;
  Result<Userdb> db = Userdb::open_readwrite(db_path);  // fails at once when not writable
  if (!db) return;
  // A busy writer must not hold up a login for the whole busy timeout over a counter.
  sqlite3_busy_timeout(db->db().get(), kBookkeepingBusyMs);
  if (out.book == Outcome::Book::kFailure) {
    (void)db->record_failure(out.user);
    return;
  }
  (void)db->record_success(out.user);
  if (!out.rehash.empty()) {
    std::array<unsigned char, kCramMd5SecretSize> secret;
    std::memcpy(secret.data(), out.rehash_cram_secret.data(), secret.size());
    (void)db->update_password(out.user, out.rehash, out.rehash_cram ? &secret : nullptr);
    sodium_memzero(secret.data(), secret.size());
    out.rehash_cram_secret.wipe();
  }
}

// Sleeps until `ms` milliseconds after `start` (CLOCK_MONOTONIC). Counting the failure
// delay from the verdict absorbs the bookkeeping write that only known users cause, so
// a rejection takes the same time whether or not the user exists.
void sleep_until_ms_after(const struct timespec& start, int ms) {
  if (ms <= 0) return;
  struct timespec until = start;
  until.tv_sec += ms / 1000;
  until.tv_nsec += static_cast<long>(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

// Dovecot reads userdb fields back through checkpassword-reply: EXTRA names the
// variables it forwards (DESIGN.md section 6).
Status set_dovecot_env(const Mode& mode, Outcome& out) {
  std::string extra;
  auto put = [&](const char* name, const std::string& value) {
    if (setenv(name, value.c_str(), 1) != 0) return false;
    if (!extra.empty()) extra += ' ';
    extra += name;
    return true;
  };
  bool ok = true;
  if (out.uid) ok = ok && put("userdb_uid", std::to_string(*out.uid));
  if (out.gid) ok = ok && put("userdb_gid", std::to_string(*out.gid));
  if (out.identity.home) ok = ok && put("userdb_home", *out.identity.home);
  if (mode.credentials && out.cram_hex.size() != 0) {
    std::string value = "{CRAM-MD5}";
    value.append(reinterpret_cast<const char*>(out.cram_hex.data()), out.cram_hex.size());
    ok = ok && put("password", value);
    sodium_memzero(value.data(), value.size());
    out.cram_hex.wipe();
  }
  if (mode.lookup) ok = ok && setenv("AUTHORIZED", "2", 1) == 0;
  if (!extra.empty()) ok = ok && setenv("EXTRA", extra.c_str(), 1) == 0;
  return ok ? ok_status() : temp_error("unable to set the environment");
}

Status set_account_env(const Outcome& out) {
  bool ok = setenv("USER", out.user.c_str(), 1) == 0;
  if (out.identity.home) ok = ok && setenv("HOME", out.identity.home->c_str(), 1) == 0;
  if (out.shell) ok = ok && setenv("SHELL", out.shell->c_str(), 1) == 0;
  return ok ? ok_status() : temp_error("unable to set the environment");
}

void warn(const char* prog, const std::string& text) {
  const std::string line = std::string(prog) + ": warning: " + text + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace

Verdict checkpassword_run(Program program, int argc, char** argv) noexcept {
  const char* prog = program == Program::kCheckpw ? "checkpw" : "cram-md5-checkpw";
  try {
    const ProcessInfo proc = process_harden();
    const char* remote_env = std::getenv("TCPREMOTEIP");  // logged escaped, never trusted
    const std::string remote = remote_env != nullptr ? remote_env : "";
    LogEntry entry{prog, Verdict::kMisuse, "none", remote, {}, "no-subprogram"};
    if (argc < 2 || argv[1] == nullptr || argv[1][0] == '\0') {
      close(kRequestFd);
      log_decision(entry);
      return Verdict::kMisuse;
    }
    const Mode mode = mode_of(proc);
    const char* db_env = trusted_env(proc, "CHECKPW_DB");
    const std::string db_path = db_env != nullptr && *db_env != '\0' ? db_env : CHECKPW_DBPATH;

    Outcome out;
    decide(program, mode, db_path, out);  // the request buffer is wiped when this returns
    struct timespec decided {};
    clock_gettime(CLOCK_MONOTONIC, &decided);
    bookkeep(db_path, out);
    if (out.verdict == Verdict::kReject && !mode.lookup) {
      sleep_until_ms_after(decided, out.failure_delay_ms);
    }

    if (out.verdict == Verdict::kAccept) {
      Status s = mode.dovecot ? set_dovecot_env(mode, out) : ok_status();
      if (s) s = set_account_env(out);
      // Dovecot's reply helper refuses a changed uid, so Dovecot mode keeps ours.
      if (s) s = become_account(proc, out.identity, !mode.dovecot, !mode.dovecot);
      if (!s) {
        out.detail = s.error().message;
        set(out, Verdict::kTempFail, "identity-switch-failed");
      }
    }
    entry.verdict = out.verdict;
    entry.mech = out.mech;
    entry.reason = out.reason;
    const bool show_user = out.verdict == Verdict::kAccept || out.log_user_on_reject;
    if (show_user) {
      entry.user = {reinterpret_cast<const unsigned char*>(out.user.data()), out.user.size()};
    }
    if (!out.detail.empty()) warn(prog, out.detail);
    log_decision(entry);
    if (out.verdict != Verdict::kAccept) return out.verdict;

    // exec skips destructors: nothing secret may be left in our memory when it runs.
    out.cram_hex.wipe();
    out.rehash_cram_secret.wipe();
    execvp(argv[1], argv + 1);
    warn(prog, std::string("unable to run subprogram: ") + std::strerror(errno));
    return Verdict::kTempFail;
  } catch (...) {
    return Verdict::kTempFail;
  }
}

}  // namespace checkpw
