// libFuzzer target (make fuzz): the decision itself, on random requests against one
// account. It never accepts without the right secret: an acceptance that verified
// something must carry the password, or a CRAM-MD5 response computed here, the long way,
// from the password (not from the stored secret the decision uses).
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "auth/decision.h"
#include "auth/password.h"
#include "core/cram_md5.h"

namespace {

constexpr std::string_view kPassword = "Fuzz-pw-1";

struct OneAccount final : checkpw::Store {
  checkpw::Account account;
  OneAccount() {
    account.name = "alice";
    const auto pw =
        std::span(reinterpret_cast<const unsigned char*>(kPassword.data()), kPassword.size());
    auto h = checkpw::password_hash(pw, checkpw::PasswordCost{1, 8192});
    if (!h) std::abort();
    account.hash = h.value();
    account.has_cram_md5 = true;
    checkpw::cram_md5_secret(pw, account.cram_md5);
  }
  checkpw::Result<checkpw::Settings> settings() override { return checkpw::Settings{}; }
  checkpw::Result<std::optional<checkpw::Account>> find(std::string_view n) override {
    if (n == account.name) return std::optional<checkpw::Account>(account);
    return std::optional<checkpw::Account>();
  }
  checkpw::Status record_success(std::string_view, std::int64_t) override {
    return checkpw::ok_status();
  }
  checkpw::Status record_failure(std::string_view, std::int64_t, const checkpw::Lockout&) override {
    return checkpw::ok_status();
  }
  checkpw::Status unlock(std::string_view) override { return checkpw::ok_status(); }
  checkpw::Status replace_hash(std::string_view, std::string_view, std::string_view,
                               const checkpw::CramSecret*, std::int64_t) override {
    return checkpw::ok_status();
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The hex HMAC-MD5 of `challenge` keyed by the password itself (RFC 2104 from scratch).
std::string expected_response(std::string_view challenge) {
  unsigned char digest[16];
  checkpw::hmac_md5(
      std::span(reinterpret_cast<const unsigned char*>(kPassword.data()), kPassword.size()),
      std::span(reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size()),
      digest);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static OneAccount store;
  if (size < 1) return 0;
  // Byte 0: program and caller; the rest: user \0 secret \0 third.
  const unsigned char mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view fields[3];
  for (int i = 0; i < 3; ++i) {
    const auto nul = rest.find('\0');
    fields[i] = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  }
  auto span = [](std::string_view s) {
    return std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  checkpw::Login login;
  login.program = (mode & 1) ? checkpw::Program::kCramMd5Checkpw : checkpw::Program::kCheckpw;
  login.caller.dovecot = (mode & 2) != 0;
  login.caller.lookup = (mode & 4) != 0;
  login.caller.credentials = login.caller.lookup && (mode & 8) != 0;
  login.user = span(fields[0]);
  login.secret = span(fields[1]);
  login.third = span(fields[2]);
  login.now = 1700000000;
  // The cheapest Argon2id (the account's own cost): unknown users verify a dummy at it, and
  // a verify at the default cost would hold the fuzzer to a few hundred runs a second.
  checkpw::Settings settings;
  settings.cost = checkpw::PasswordCost{1, 8192};
  auto found = checkpw::account_lookup(store, settings, login.user);
  if (!found) std::abort();
  checkpw::Decision d;
  checkpw::decide(login, settings, found.value(), d);
  if (d.verdict != checkpw::Verdict::kAccept) return 0;
  if (fields[0] != "alice") std::abort();  // only the one account exists
  if (login.caller.lookup) {
    if (!fields[1].empty()) std::abort();  // a lookup with a secret is rejected
    return 0;
  }
  const bool plain = fields[1] == kPassword;
  bool cram = false;
  if (login.program == checkpw::Program::kCramMd5Checkpw && !fields[2].empty()) {
    cram = lower(fields[1]) == expected_response(fields[2]) ||
           lower(fields[2]) == expected_response(fields[1]);
  }
  if (!plain && !cram) std::abort();  // accepted without the right secret
  return 0;
}
