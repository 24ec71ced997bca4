// The login decision row by row (DESIGN.md sections 3, 4 and 6), without a process: the
// account comes from an in-memory store through account_lookup, as the programs get it,
// and decide() is asked what a request means. The rehash contract is checked against
// the in-memory store and the SQLite store.
#include "auth/decision.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/password.h"
#include "core/cram_md5.h"
#include "store/sqlite_store.h"
#include "support/memory_store.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::MemoryStore;

// The cheapest Argon2id libsodium allows: most rows are not about the cost.
constexpr PasswordCost kCheap{1, 8192};
constexpr std::int64_t kNow = 1700000000;

// RFC 2195 section 2.
constexpr std::string_view kTimPassword = "tanstaaftanstaaf";
constexpr std::string_view kChallenge = "<1896.697170952@postoffice.reston.mci.net>";
constexpr std::string_view kResponse = "b913a602c7eda7a495b4e6e7334d3890";
constexpr std::string_view kResponseUpper = "B913A602C7EDA7A495B4E6E7334D3890";
constexpr std::string_view kResponseWrong = "b913a602c7eda7a495b4e6e7334d3891";
// qmail-popup's timestamp, sent even for USER/PASS, and a password shaped like a response.
constexpr std::string_view kStamp = "<4711.1700000000@pop.example.org>";
constexpr std::string_view kHexPassword = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kHexWrong = "fedcba9876543210fedcba9876543210";

constexpr Program kPlain = Program::kCheckpw;
constexpr Program kCram = Program::kCramMd5Checkpw;
constexpr Caller kServer{};                         // qmail-smtpd, qmail-popup
constexpr Caller kDovecotAuth{true, false, false};  // Dovecot authenticating
constexpr Caller kLookup{true, true, false};        // AUTHORIZED=1
constexpr Caller kCredentials{true, true, true};    // and CREDENTIALS_LOOKUP=1, CRAM-MD5

std::span<const unsigned char> span_of(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

std::string hash_of(std::string_view password, PasswordCost cost = kCheap) {
  Result<std::string> h = password_hash(span_of(password), cost);
  if (!h) throw std::runtime_error("password_hash: " + h.error().message);
  return h.value();
}

CramSecret secret_of(std::string_view password) {
  CramSecret s{};
  cram_md5_secret(span_of(password), s);
  return s;
}

Account make_account(std::string name, std::string_view password, bool cram = true,
                     PasswordCost cost = kCheap) {
  Account a;
  a.name = std::move(name);
  a.hash = hash_of(password, cost);
  a.has_cram_md5 = cram;
  if (cram) a.cram_md5 = secret_of(password);
  return a;
}

// An imported sha512-crypt account (DESIGN.md section 4), without a CRAM-MD5 secret.
Account legacy_account(std::string name, std::string_view password) {
  const std::string pw(password);
  const char* h = crypt(pw.c_str(), "$6$saltsalt$");
  if (h == nullptr || h[0] == '*') throw std::runtime_error("crypt failed");
  Account a;
  a.name = std::move(name);
  a.hash = h;
  return a;
}

Settings cheap_settings() {
  Settings s;
  s.cost = kCheap;
  return s;
}

const char* book_name(Book b) {
  switch (b) {
    case Book::kNone:
      return "none";
    case Book::kSuccess:
      return "success";
    case Book::kFailure:
      return "failure";
  }
  return "?";
}

struct Ask {
  Program program = kPlain;
  Caller caller{};
  std::string_view user, secret, third;
};

// As the programs do it: the settings from the store, the account through
// account_lookup, then decide().
void run(Store& store, const Ask& ask, Decision& d) {
  Result<Settings> settings = store.settings();
  ASSERT_TRUE(settings.ok());
  Login login;
  login.program = ask.program;
  login.caller = ask.caller;
  login.user = span_of(ask.user);
  login.secret = span_of(ask.secret);
  login.third = span_of(ask.third);
  Result<std::optional<Account>> found = account_lookup(store, settings.value(), login.user);
  ASSERT_TRUE(found.ok()) << found.error().message;
  decide(login, settings.value(), found.value(), d);
}

// What login.cc's bookkeep() does with a Decision, against any Store. Returns the
// replace_hash status, or ok when there was no rehash to store.
Status apply_book(Store& store, Decision& d) {
  if (d.book.kind == Book::kFailure) return store.record_failure(d.user, kNow, d.lockout);
  if (d.book.kind != Book::kSuccess) return ok_status();
  if (auto r = store.record_success(d.user, kNow); !r) return r;
  if (d.book.fresh_hash.empty()) return ok_status();
  CramSecret cram{};
  std::memcpy(cram.data(), d.book.fresh_cram.data(), cram.size());
  return store.replace_hash(d.user, d.book.verified_hash, d.book.fresh_hash,
                            d.book.fresh_has_cram ? &cram : nullptr, kNow);
}

CramSecret fresh_cram_of(const Decision& d) {
  CramSecret s{};
  std::memcpy(s.data(), d.book.fresh_cram.data(), s.size());
  return s;
}

// --- the table ---------------------------------------------------------------------

void add_fixture_accounts(MemoryStore& store) {
  store.config() = cheap_settings();
  Account alice = make_account("alice", "secret");
  alice.uid = 1000;
  alice.gid = 100;
  alice.home = "/home/alice";
  alice.shell = "/bin/sh";
  store.put(alice);
  store.put(make_account("tim", kTimPassword));
  store.put(make_account("nocram", "secret", false));
  Account off = make_account("off", "secret");
  off.enabled = false;
  store.put(off);
  Account root = make_account("root0", "secret");
  root.uid = 0;
  root.gid = 100;
  store.put(root);
  Account wheel = make_account("wheel0", "secret");
  wheel.uid = 1002;
  wheel.gid = 0;
  store.put(wheel);
  store.put(make_account("hexpw", kHexPassword));
  store.put(make_account("hexnocram", kHexPassword, false));
  Account broken = make_account("broken", "secret", false);
  broken.hash = "not-a-hash";  // printable, so the store's read check passes it
  store.put(broken);
}

struct Row {
  const char* name;
  Program program;
  Caller caller;
  std::string_view user, secret, third;
  Verdict verdict;
  const char* reason;
  const char* mech;
  Book book;
};

void PrintTo(const Row& r, std::ostream* os) {
  *os << r.name;
}

constexpr Verdict kAccept = Verdict::kAccept;
constexpr Verdict kReject = Verdict::kReject;

const Row kRows[] = {
    // checkpw: the secret is a plaintext password.
    {"plain_right", kPlain, kServer, "alice", "secret", "", kAccept, "ok", "plain", Book::kSuccess},
    {"plain_wrong", kPlain, kServer, "alice", "wrong", "", kReject, "bad-password", "plain",
     Book::kFailure},
    {"plain_ignores_pop3_timestamp", kPlain, kServer, "alice", "secret", kStamp, kAccept, "ok",
     "plain", Book::kSuccess},
    {"plain_never_cram", kPlain, kServer, "tim", kResponse, kChallenge, kReject, "bad-password",
     "plain", Book::kFailure},
    {"plain_unknown_user", kPlain, kServer, "nobody", "secret", "", kReject, "unknown-user",
     "plain", Book::kNone},
    {"plain_empty_user", kPlain, kServer, "", "secret", "", kReject, "empty-user", "plain",
     Book::kNone},
    {"plain_empty_password", kPlain, kServer, "alice", "", "", kReject, "empty-password", "plain",
     Book::kNone},
    {"plain_disabled_right", kPlain, kServer, "off", "secret", "", kReject, "disabled", "plain",
     Book::kNone},
    {"plain_disabled_wrong", kPlain, kServer, "off", "wrong", "", kReject, "bad-password", "plain",
     Book::kFailure},
    {"plain_uid_zero", kPlain, kServer, "root0", "secret", "", kReject, "uid-zero", "plain",
     Book::kNone},
    {"plain_gid_zero", kPlain, kServer, "wheel0", "secret", "", kReject, "gid-zero", "plain",
     Book::kNone},
    {"plain_invalid_stored_hash", kPlain, kServer, "broken", "secret", "", Verdict::kTempFail,
     "invalid-stored-hash", "plain", Book::kNone},
    {"plain_dovecot_auth", kPlain, kDovecotAuth, "alice", "secret", "", kAccept, "ok", "plain",
     Book::kSuccess},
    {"plain_dovecot_auth_unknown", kPlain, kDovecotAuth, "nobody", "secret", "", kReject,
     "unknown-user", "plain", Book::kNone},

    // cram-md5-checkpw, RFC 2195's example in both field orders (DESIGN.md section 4).
    {"cram_response_first", kCram, kServer, "tim", kResponse, kChallenge, kAccept, "ok", "cram-md5",
     Book::kSuccess},
    {"cram_challenge_first", kCram, kServer, "tim", kChallenge, kResponse, kAccept, "ok",
     "cram-md5", Book::kSuccess},
    {"cram_upper_hex_response_first", kCram, kServer, "tim", kResponseUpper, kChallenge, kAccept,
     "ok", "cram-md5", Book::kSuccess},
    {"cram_upper_hex_challenge_first", kCram, kServer, "tim", kChallenge, kResponseUpper, kAccept,
     "ok", "cram-md5", Book::kSuccess},
    {"cram_wrong_response_first", kCram, kServer, "tim", kResponseWrong, kChallenge, kReject,
     "bad-password", "cram-md5", Book::kFailure},
    {"cram_wrong_challenge_first", kCram, kServer, "tim", kChallenge, kResponseWrong, kReject,
     "bad-password", "cram-md5", Book::kFailure},
    {"cram_other_challenge", kCram, kServer, "tim", kResponse, kStamp, kReject, "bad-password",
     "cram-md5", Book::kFailure},
    {"cram_unknown_user", kCram, kServer, "nobody", kChallenge, kResponse, kReject, "unknown-user",
     "cram-md5", Book::kNone},
    {"cram_no_secret_challenge_first", kCram, kServer, "nocram", kChallenge, kResponse, kReject,
     "no-cram-md5-secret", "cram-md5", Book::kFailure},
    // Response first is also tried as a 32-hex plaintext password, so it fails as one.
    {"cram_no_secret_response_first", kCram, kServer, "nocram", kResponse, kChallenge, kReject,
     "bad-password", "cram-md5", Book::kFailure},

    // cram-md5-checkpw with a plaintext password.
    {"cram_plain_empty_third", kCram, kServer, "tim", kTimPassword, "", kAccept, "ok", "plain",
     Book::kSuccess},
    {"cram_plain_empty_third_wrong", kCram, kServer, "tim", "wrong", "", kReject, "bad-password",
     "plain", Book::kFailure},
    {"cram_plain_empty_password", kCram, kServer, "tim", "", "", kReject, "empty-password", "plain",
     Book::kNone},
    {"cram_plain_pop3_timestamp", kCram, kServer, "alice", "secret", kStamp, kAccept, "ok", "plain",
     Book::kSuccess},
    {"cram_plain_pop3_timestamp_wrong", kCram, kServer, "alice", "wrong", kStamp, kReject,
     "bad-password", "plain", Book::kFailure},
    {"cram_plain_31_hex_is_plaintext", kCram, kServer, "tim", kResponse.substr(1), kChallenge,
     kReject, "bad-password", "plain", Book::kFailure},
    // POP3 USER/PASS whose password is 32 hex digits: CRAM-MD5 first, then plaintext.
    {"cram_hex_password_pop3", kCram, kServer, "hexpw", kHexPassword, kStamp, kAccept, "ok",
     "plain", Book::kSuccess},
    {"cram_hex_password_pop3_no_secret", kCram, kServer, "hexnocram", kHexPassword, kStamp, kAccept,
     "ok", "plain", Book::kSuccess},
    {"cram_hex_password_pop3_wrong", kCram, kServer, "hexpw", kHexWrong, kStamp, kReject,
     "bad-password", "cram-md5", Book::kFailure},
    {"cram_hex_password_pop3_unknown", kCram, kServer, "nobody", kHexPassword, kStamp, kReject,
     "unknown-user", "cram-md5", Book::kNone},

    // Dovecot lookups (DESIGN.md section 6): nothing verified, nothing bookkept.
    {"lookup_found", kPlain, kLookup, "alice", "", "", kAccept, "found", "lookup", Book::kNone},
    {"lookup_found_cram_program", kCram, kLookup, "tim", "", "", kAccept, "found", "lookup",
     Book::kNone},
    {"lookup_unknown", kPlain, kLookup, "nobody", "", "", Verdict::kUnknownUser, "unknown-user",
     "lookup", Book::kNone},
    {"lookup_with_secret", kPlain, kLookup, "alice", "secret", "", kReject, "lookup-with-secret",
     "lookup", Book::kNone},
    {"lookup_with_secret_unknown", kPlain, kLookup, "nobody", "secret", "", kReject,
     "lookup-with-secret", "lookup", Book::kNone},
    {"lookup_empty_user", kPlain, kLookup, "", "", "", kReject, "empty-user", "lookup",
     Book::kNone},
    {"lookup_disabled", kPlain, kLookup, "off", "", "", kReject, "disabled", "lookup", Book::kNone},
    {"lookup_uid_zero", kPlain, kLookup, "root0", "", "", kReject, "uid-zero", "lookup",
     Book::kNone},
    {"lookup_invalid_stored_hash", kPlain, kLookup, "broken", "", "", kAccept, "found", "lookup",
     Book::kNone},
    {"credentials_found", kPlain, kCredentials, "tim", "", "", kAccept, "found", "credentials",
     Book::kNone},
    {"credentials_no_secret", kPlain, kCredentials, "nocram", "", "", kAccept, "found",
     "credentials", Book::kNone},
    {"credentials_unknown", kPlain, kCredentials, "nobody", "", "", Verdict::kUnknownUser,
     "unknown-user", "credentials", Book::kNone},
    {"credentials_with_secret", kPlain, kCredentials, "tim", kTimPassword, "", kReject,
     "lookup-with-secret", "credentials", Book::kNone},
};

class DecisionRow : public testing::TestWithParam<Row> {};

TEST_P(DecisionRow, Decides) {
  const Row& r = GetParam();
  MemoryStore store;
  add_fixture_accounts(store);
  Decision d;
  run(store, {r.program, r.caller, r.user, r.secret, r.third}, d);
  EXPECT_STREQ(verdict_name(d.verdict), verdict_name(r.verdict));
  EXPECT_STREQ(d.reason, r.reason);
  EXPECT_STREQ(d.mech, r.mech);
  EXPECT_STREQ(book_name(d.book.kind), book_name(r.book));
  EXPECT_EQ(d.user, r.user);
  // Every fixture hash has the settings' cost: nothing is ever planned for a rehash.
  EXPECT_TRUE(d.book.fresh_hash.empty());
  EXPECT_TRUE(d.book.verified_hash.empty());
  // Only an accepted credentials lookup for an account with a secret hands one back.
  const bool hands_back = r.caller.credentials && r.verdict == kAccept && r.user == "tim";
  EXPECT_EQ(d.credentials.size(), hands_back ? 64u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Decision, DecisionRow, testing::ValuesIn(kRows),
                         [](const testing::TestParamInfo<Row>& row) {
                           return std::string(row.param.name);
                         });

// --- equal work for unknown users ---------------------------------------------------

// An unknown user's plaintext step hashes a dummy at the settings' cost (DESIGN.md
// section 4): with a cost libsodium refuses, that hash fails, so it visibly ran. A
// known user's wrong password is verified against the stored hash and never uses it.
TEST(Decision, UnknownUserHashesTheDummy) {
  MemoryStore store;
  add_fixture_accounts(store);
  store.config().cost = PasswordCost{0, 0};
  {
    Decision d;
    run(store, {kPlain, kServer, "nobody", "secret", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kTempFail);
    EXPECT_STREQ(d.reason, "internal-error");
    EXPECT_EQ(d.book.kind, Book::kNone);
  }
  {
    Decision d;  // cram-md5-checkpw, a response where the password goes: both steps
    run(store, {kCram, kServer, "nobody", kHexPassword, kStamp}, d);
    EXPECT_EQ(d.verdict, Verdict::kTempFail);
    EXPECT_STREQ(d.reason, "internal-error");
  }
  {
    Decision d;  // challenge first: CRAM-MD5 only, as for a known user
    run(store, {kCram, kServer, "nobody", kChallenge, kResponse}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "unknown-user");
  }
  {
    Decision d;
    run(store, {kPlain, kServer, "alice", "wrong", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "bad-password");
  }
  {
    Decision d;  // an empty password is refused before any hashing, for everyone
    run(store, {kPlain, kServer, "nobody", "", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "empty-password");
  }
}

TEST(Decision, InvalidStoredHashSaysSoWithoutTheHash) {
  MemoryStore store;
  add_fixture_accounts(store);
  Decision d;
  run(store, {kPlain, kServer, "broken", "secret", ""}, d);
  EXPECT_EQ(d.verdict, Verdict::kTempFail);
  EXPECT_STREQ(d.reason, "invalid-stored-hash");
  EXPECT_FALSE(d.detail.empty());
  EXPECT_EQ(d.detail.find("not-a-hash"), std::string::npos);
  EXPECT_EQ(d.detail.find("secret"), std::string::npos);
}

// An account imported from a Dovecot passwd-file with only {CRAM-MD5}: plaintext is
// checked against the secret, and a success plans the Argon2id hash that replaces it.
TEST(Decision, CramMd5OnlyAccountVerifiesPlaintextAgainstItsSecretThenUpgrades) {
  MemoryStore store;
  Account a;
  a.name = "imported";
  a.hash = std::string(kCramMd5OnlyHash);
  a.has_cram_md5 = true;
  a.cram_md5 = secret_of("imported-pw");
  store.put(a);
  Account broken;
  broken.name = "marker-only";
  broken.hash = std::string(kCramMd5OnlyHash);
  store.put(broken);
  store.config() = cheap_settings();

  Decision right;
  run(store, {kPlain, kServer, "imported", "imported-pw", ""}, right);
  EXPECT_EQ(right.verdict, Verdict::kAccept);
  EXPECT_EQ(right.book.kind, Book::kSuccess);
  EXPECT_EQ(right.book.verified_hash, kCramMd5OnlyHash);
  EXPECT_EQ(right.book.fresh_hash.rfind("$argon2id$", 0), 0u) << "the first success upgrades";
  EXPECT_TRUE(right.book.fresh_has_cram);
  EXPECT_EQ(fresh_cram_of(right), secret_of("imported-pw"));

  Decision wrong;
  run(store, {kPlain, kServer, "imported", "imported-pw-typo", ""}, wrong);
  EXPECT_EQ(wrong.verdict, Verdict::kReject);
  EXPECT_STREQ(wrong.reason, "bad-password");

  Decision none;  // the marker without a secret is no account we wrote
  run(store, {kPlain, kServer, "marker-only", "anything", ""}, none);
  EXPECT_EQ(none.verdict, Verdict::kTempFail);
  EXPECT_STREQ(none.reason, "invalid-stored-hash");
}

// --- credentials ---------------------------------------------------------------------

TEST(Decision, CredentialsLookupHandsBackTheCramSecretInLowerHex) {
  MemoryStore store;
  add_fixture_accounts(store);
  const CramSecret secret = secret_of(kTimPassword);
  const std::string want = test::to_hex(secret.data(), secret.size());
  ASSERT_EQ(want.size(), 64u);
  Decision d;
  run(store, {kPlain, kCredentials, "tim", "", ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  ASSERT_EQ(d.credentials.size(), 64u);
  const std::string got(reinterpret_cast<const char*>(d.credentials.data()), 64);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.find_first_not_of("0123456789abcdef"), std::string::npos);

  Decision none;  // no secret: no password for Dovecot, which then rejects by itself
  run(store, {kPlain, kCredentials, "nocram", "", ""}, none);
  EXPECT_EQ(none.verdict, Verdict::kAccept);
  EXPECT_EQ(none.credentials.size(), 0u);

  Decision plain_lookup;  // a lookup that did not ask for credentials gets none
  run(store, {kPlain, kLookup, "tim", "", ""}, plain_lookup);
  EXPECT_EQ(plain_lookup.verdict, Verdict::kAccept);
  EXPECT_EQ(plain_lookup.credentials.size(), 0u);
}

// --- the account's name and identity ------------------------------------------------

TEST(Decision, DefaultDomainOnlyWhenSet) {
  MemoryStore store;
  store.config() = cheap_settings();
  Account bob = make_account("bob@example.org", "bobpw");
  bob.uid = 1001;
  store.put(bob);
  {
    Decision d;
    run(store, {kPlain, kServer, "bob", "bobpw", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "unknown-user");
    EXPECT_EQ(d.user, "bob");
    EXPECT_EQ(store.finds(), std::vector<std::string>{"bob"});
  }
  store.config().default_domain = "example.org";
  {
    Decision d;
    run(store, {kPlain, kServer, "bob", "bobpw", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kAccept);
    EXPECT_EQ(d.user, "bob@example.org");  // the bookkeeping names the account's row
    EXPECT_EQ(d.uid, std::optional<std::uint32_t>(1001));
    EXPECT_EQ(store.finds(), (std::vector<std::string>{"bob", "bob", "bob@example.org"}));
  }
}

TEST(Decision, DefaultDomainLeavesNamesWithAnAtAlone) {
  MemoryStore store;
  store.config() = cheap_settings();
  store.config().default_domain = "example.org";
  store.put(make_account("bob@example.org", "bobpw"));
  {
    Decision d;
    run(store, {kPlain, kServer, "bob@example.org", "bobpw", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kAccept);
    EXPECT_EQ(d.user, "bob@example.org");
  }
  {
    Decision d;
    run(store, {kPlain, kServer, "bob@other.net", "bobpw", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "unknown-user");
  }
  EXPECT_EQ(store.finds(), (std::vector<std::string>{"bob@example.org", "bob@other.net"}));
}

TEST(Decision, DefaultDomainExactNameComesFirst) {
  MemoryStore store;
  store.config() = cheap_settings();
  store.config().default_domain = "example.org";
  store.put(make_account("carol", "bare"));
  store.put(make_account("carol@example.org", "domain"));
  {
    Decision d;
    run(store, {kPlain, kServer, "carol", "bare", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kAccept);
    EXPECT_EQ(d.user, "carol");
  }
  {
    Decision d;  // the domain account's password does not open the bare name
    run(store, {kPlain, kServer, "carol", "domain", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_STREQ(d.reason, "bad-password");
    EXPECT_EQ(d.user, "carol");
  }
  EXPECT_EQ(store.finds(), (std::vector<std::string>{"carol", "carol"}));
}

TEST(Decision, AccountLookupEmptyNameAndStoreFailure) {
  MemoryStore store;
  store.config() = cheap_settings();
  store.config().default_domain = "example.org";
  Result<std::optional<Account>> empty = account_lookup(store, store.config(), span_of(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty.value().has_value());
  EXPECT_TRUE(store.finds().empty());
  // A store that cannot answer is a temporary failure, never "unknown user".
  store.find_error = temp_error("database is locked");
  Result<std::optional<Account>> busy = account_lookup(store, store.config(), span_of("bob"));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().verdict, Verdict::kTempFail);
  EXPECT_EQ(store.finds(), std::vector<std::string>{"bob"});
}

TEST(Decision, IdentityIsCopiedOnAcceptance) {
  MemoryStore store;
  store.config() = cheap_settings();
  store.config().default_domain = "example.org";
  Account erin = make_account("erin@example.org", "erinpw");
  erin.uid = 2001;
  erin.gid = 2002;
  erin.home = "/var/mail/erin";
  erin.shell = "/bin/false";
  store.put(erin);
  store.put(make_account("frank", "frankpw"));
  for (const Caller caller : {kServer, kDovecotAuth, kLookup}) {
    Decision d;
    run(store, {kPlain, caller, "erin", caller.lookup ? "" : "erinpw", ""}, d);
    ASSERT_EQ(d.verdict, Verdict::kAccept) << d.reason;
    EXPECT_EQ(d.user, "erin@example.org");
    EXPECT_EQ(d.uid, std::optional<std::uint32_t>(2001));
    EXPECT_EQ(d.gid, std::optional<std::uint32_t>(2002));
    EXPECT_EQ(d.home, std::optional<std::string>("/var/mail/erin"));
    EXPECT_EQ(d.shell, std::optional<std::string>("/bin/false"));
  }
  Decision bare;
  run(store, {kPlain, kServer, "frank", "frankpw", ""}, bare);
  ASSERT_EQ(bare.verdict, Verdict::kAccept);
  EXPECT_FALSE(bare.uid || bare.gid || bare.home || bare.shell);
  Decision wrong;  // a rejection hands out no identity
  run(store, {kPlain, kServer, "erin", "wrong", ""}, wrong);
  EXPECT_EQ(wrong.verdict, Verdict::kReject);
  EXPECT_FALSE(wrong.uid || wrong.gid || wrong.home || wrong.shell);
}

TEST(Decision, SettingsCopiedIntoTheDecision) {
  MemoryStore store;
  add_fixture_accounts(store);
  store.config().failure_delay_ms = 1234;
  store.config().log_failed_names = true;
  for (const std::string_view user : {"alice", "nobody", ""}) {
    Decision d;
    run(store, {kPlain, kServer, user, "wrong", ""}, d);
    EXPECT_EQ(d.failure_delay_ms, 1234) << user;
    EXPECT_TRUE(d.log_user_on_reject) << user;
  }
  store.config().failure_delay_ms = 0;
  store.config().log_failed_names = false;
  Decision d;
  run(store, {kPlain, kLookup, "alice", "", ""}, d);
  EXPECT_EQ(d.failure_delay_ms, 0);
  EXPECT_FALSE(d.log_user_on_reject);
}

// --- rehash decisions (DESIGN.md section 4) ------------------------------------------

TEST(Decision, WeakerArgon2idIsPlannedForReplacement) {
  MemoryStore store;
  store.config().cost = PasswordCost{2, 16384};
  store.put(make_account("alice", "secret"));
  const std::string stored = store.get("alice")->hash;
  Decision d;
  run(store, {kPlain, kServer, "alice", "secret", ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  EXPECT_EQ(d.book.kind, Book::kSuccess);
  EXPECT_EQ(d.book.verified_hash, stored);
  ASSERT_FALSE(d.book.fresh_hash.empty());
  EXPECT_NE(d.book.fresh_hash, stored);
  EXPECT_NE(d.book.fresh_hash.find("m=16,t=2,"), std::string::npos);
  EXPECT_EQ(password_verify(d.book.fresh_hash, span_of("secret")), PasswordCheck::kMatch);
  EXPECT_FALSE(password_needs_rehash(d.book.fresh_hash, store.config().cost));
  EXPECT_TRUE(d.book.fresh_has_cram);
  EXPECT_EQ(fresh_cram_of(d), secret_of("secret"));

  // Stored, the next login verifies the fresh hash and plans nothing more.
  ASSERT_TRUE(apply_book(store, d).ok());
  EXPECT_EQ(store.get("alice")->hash, d.book.fresh_hash);
  Decision again;
  run(store, {kPlain, kServer, "alice", "secret", ""}, again);
  EXPECT_EQ(again.verdict, Verdict::kAccept);
  EXPECT_TRUE(again.book.fresh_hash.empty());
}

TEST(Decision, WeakerArgon2idKeepsTheAccountsCramChoice) {
  MemoryStore store;
  store.config().cost = PasswordCost{1, 16384};
  store.put(make_account("nocram", "secret", false));
  Decision d;
  run(store, {kPlain, kServer, "nocram", "secret", ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  ASSERT_FALSE(d.book.fresh_hash.empty());
  EXPECT_FALSE(d.book.fresh_has_cram);
  ASSERT_TRUE(apply_book(store, d).ok());
  EXPECT_FALSE(store.get("nocram")->has_cram_md5);
}

TEST(Decision, EqualOrStrongerArgon2idIsNotReplaced) {
  struct Case {
    PasswordCost stored, settings;
  };
  const Case cases[] = {
      {kCheap, kCheap},                                 // equal
      {PasswordCost{3, 16384}, kCheap},                 // stronger in both
      {PasswordCost{1, 16384}, PasswordCost{2, 8192}},  // stronger in memory, weaker in passes
      {PasswordCost{2, 8192}, PasswordCost{1, 16384}},  // stronger in passes, weaker in memory
  };
  for (const Case& c : cases) {
    MemoryStore store;
    store.config().cost = c.settings;
    store.put(make_account("alice", "secret", true, c.stored));
    Decision d;
    run(store, {kPlain, kServer, "alice", "secret", ""}, d);
    SCOPED_TRACE(store.get("alice")->hash.substr(0, 30));
    EXPECT_EQ(d.verdict, Verdict::kAccept);
    EXPECT_EQ(d.book.kind, Book::kSuccess);
    EXPECT_TRUE(d.book.fresh_hash.empty());
    EXPECT_TRUE(d.book.verified_hash.empty());
  }
}

TEST(Decision, LegacyCryptIsReplacedAndGetsACramSecret) {
  MemoryStore store;
  store.config() = cheap_settings();
  store.put(legacy_account("tim", kTimPassword));
  const std::string stored = store.get("tim")->hash;
  ASSERT_STREQ(password_scheme(stored), "sha512-crypt");

  Decision cram_first;  // imported without a CRAM-MD5 secret: CRAM-MD5 cannot work yet
  run(store, {kCram, kServer, "tim", kChallenge, kResponse}, cram_first);
  EXPECT_EQ(cram_first.verdict, Verdict::kReject);
  EXPECT_STREQ(cram_first.reason, "no-cram-md5-secret");

  Decision d;
  run(store, {kCram, kServer, "tim", kTimPassword, ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  EXPECT_STREQ(d.mech, "plain");
  EXPECT_EQ(d.book.kind, Book::kSuccess);
  EXPECT_EQ(d.book.verified_hash, stored);
  EXPECT_STREQ(password_scheme(d.book.fresh_hash), "argon2id");
  EXPECT_EQ(password_verify(d.book.fresh_hash, span_of(kTimPassword)), PasswordCheck::kMatch);
  EXPECT_TRUE(d.book.fresh_has_cram);
  EXPECT_EQ(fresh_cram_of(d), secret_of(kTimPassword));

  // Once stored, RFC 2195's exchange works for the imported account.
  ASSERT_TRUE(apply_book(store, d).ok());
  EXPECT_TRUE(store.get("tim")->has_cram_md5);
  Decision cram_after;
  run(store, {kCram, kServer, "tim", kChallenge, kResponse}, cram_after);
  EXPECT_EQ(cram_after.verdict, Verdict::kAccept);
  EXPECT_STREQ(cram_after.mech, "cram-md5");
}

TEST(Decision, OnlyASuccessfulPlaintextLoginRehashes) {
  MemoryStore store;
  store.config().cost = PasswordCost{2, 8192};
  store.put(make_account("tim", kTimPassword));  // weaker than the settings
  Account off = make_account("off", "secret");
  off.enabled = false;
  store.put(off);
  {
    Decision d;  // a wrong password
    run(store, {kPlain, kServer, "tim", "wrong", ""}, d);
    EXPECT_EQ(d.book.kind, Book::kFailure);
    EXPECT_TRUE(d.book.fresh_hash.empty());
  }
  {
    Decision d;  // CRAM-MD5 carries no password to hash
    run(store, {kCram, kServer, "tim", kChallenge, kResponse}, d);
    EXPECT_EQ(d.verdict, Verdict::kAccept);
    EXPECT_EQ(d.book.kind, Book::kSuccess);
    EXPECT_TRUE(d.book.fresh_hash.empty());
  }
  {
    Decision d;  // a lookup verifies nothing
    run(store, {kPlain, kLookup, "tim", "", ""}, d);
    EXPECT_EQ(d.book.kind, Book::kNone);
    EXPECT_TRUE(d.book.fresh_hash.empty());
  }
  {
    Decision d;  // a disabled account's right password is a rejection: nothing is stored
    run(store, {kPlain, kServer, "off", "secret", ""}, d);
    EXPECT_EQ(d.verdict, Verdict::kReject);
    EXPECT_EQ(d.book.kind, Book::kNone);
    const std::string before = store.get("off")->hash;
    ASSERT_TRUE(apply_book(store, d).ok());
    EXPECT_EQ(store.get("off")->hash, before);
    EXPECT_TRUE(store.writes().empty());
  }
}

// --- the memory store and the rehash contract ----------------------------------------

TEST(MemoryStore, RecordsSuccessAndFailure) {
  MemoryStore store;
  store.put(make_account("alice", "secret"));
  ASSERT_TRUE(store.record_failure("alice", 10, Lockout{}).ok());
  ASSERT_TRUE(store.record_failure("alice", 11, Lockout{}).ok());
  EXPECT_EQ(store.get("alice")->failures, 2);
  EXPECT_EQ(store.get("alice")->total_failures, 2);
  ASSERT_TRUE(store.record_success("alice", 12).ok());
  EXPECT_EQ(store.get("alice")->failures, 0);
  EXPECT_EQ(store.get("alice")->total_failures, 2);
  EXPECT_EQ(store.get("alice")->last_login, std::optional<std::int64_t>(12));
  const Status gone = store.record_failure("nobody", 13, Lockout{});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().verdict, Verdict::kReject);
  ASSERT_EQ(store.writes().size(), 4u);
  EXPECT_EQ(store.writes()[0].call, MemoryStore::Call::kFailure);
  EXPECT_EQ(store.writes()[2].call, MemoryStore::Call::kSuccess);
  EXPECT_FALSE(store.writes()[3].applied);
}

TEST(MemoryStore, FindRefusesRowsUserdbToolWouldNotWrite) {
  MemoryStore store;
  Account bad = make_account("bad", "secret");
  bad.home = "relative/home";
  store.put(bad);
  Result<std::optional<Account>> r = store.find("bad");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().verdict, Verdict::kTempFail);
  Account root = make_account("root0", "secret");
  root.uid = 0;  // passed through for the decision to refuse
  store.put(root);
  Result<std::optional<Account>> ok = store.find("root0");
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok.value().has_value());
  EXPECT_EQ(ok.value()->uid, std::optional<std::uint32_t>(0));
}

TEST(MemoryStore, ReplaceHashRefusesAStaleVerifiedHash) {
  MemoryStore store;
  store.put(make_account("alice", "old"));
  const std::string old_hash = store.get("alice")->hash;
  store.put(make_account("alice", "new"));  // an administrator changed the password
  const std::string new_hash = store.get("alice")->hash;
  const std::string fresh = hash_of("old");
  const CramSecret old_cram = secret_of("old");

  const Status stale = store.replace_hash("alice", old_hash, fresh, &old_cram, kNow);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().verdict, Verdict::kReject);
  EXPECT_EQ(store.get("alice")->hash, new_hash);
  EXPECT_EQ(store.get("alice")->cram_md5, secret_of("new"));

  const Status gone = store.replace_hash("nobody", old_hash, fresh, nullptr, kNow);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().verdict, Verdict::kReject);
  EXPECT_EQ(store.replace_hash("alice", new_hash, "", nullptr, kNow).error().verdict,
            Verdict::kMisuse);

  ASSERT_TRUE(store.replace_hash("alice", new_hash, fresh, nullptr, kNow).ok());
  EXPECT_EQ(store.get("alice")->hash, fresh);
  EXPECT_FALSE(store.get("alice")->has_cram_md5);
  EXPECT_EQ(store.get("alice")->changed, kNow);
}

// The whole race: a login verifies the old password, the administrator changes it, then
// the login's rehash arrives. The change stands.
TEST(MemoryStore, RehashCannotUndoAPasswordChange) {
  MemoryStore store;
  store.config().cost = PasswordCost{2, 8192};
  store.put(make_account("alice", "old"));
  Decision d;
  run(store, {kPlain, kServer, "alice", "old", ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  ASSERT_FALSE(d.book.fresh_hash.empty());

  store.put(make_account("alice", "new", true, PasswordCost{2, 8192}));
  const Status r = apply_book(store, d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().verdict, Verdict::kReject);

  Decision old_pw;
  run(store, {kPlain, kServer, "alice", "old", ""}, old_pw);
  EXPECT_EQ(old_pw.verdict, Verdict::kReject);
  Decision new_pw;
  run(store, {kPlain, kServer, "alice", "new", ""}, new_pw);
  EXPECT_EQ(new_pw.verdict, Verdict::kAccept);
  EXPECT_EQ(store.get("alice")->cram_md5, secret_of("new"));
}

// The SQLite store keeps the same contract, driven through the same decision.
TEST(DecisionSqlite, ReplaceHashOnlyWhileTheVerifiedHashIsStored) {
  test::TempDir dir;
  Result<SqliteStore> created = SqliteStore::create(dir.file("users.db"), std::nullopt);
  ASSERT_TRUE(created.ok()) << created.error().message;
  SqliteStore& db = created.value();
  ASSERT_TRUE(db.set_setting("argon2_opslimit", "1").ok());
  ASSERT_TRUE(db.set_setting("argon2_memlimit", "8192").ok());
  ASSERT_TRUE(db.add(legacy_account("tim", kTimPassword)).ok());
  ASSERT_TRUE(db.add(legacy_account("raced", "old")).ok());

  // A rehash planned by the decision is stored while nothing changed.
  Decision d;
  run(db, {kCram, kServer, "tim", kTimPassword, ""}, d);
  ASSERT_EQ(d.verdict, Verdict::kAccept);
  ASSERT_FALSE(d.book.fresh_hash.empty());
  ASSERT_TRUE(apply_book(db, d).ok());
  Result<std::optional<Account>> tim = db.find("tim");
  ASSERT_TRUE(tim.ok() && tim.value().has_value());
  EXPECT_EQ(tim.value()->hash, d.book.fresh_hash);
  EXPECT_TRUE(tim.value()->has_cram_md5);
  EXPECT_EQ(tim.value()->cram_md5, secret_of(kTimPassword));
  EXPECT_EQ(tim.value()->last_login, std::optional<std::int64_t>(kNow));

  // One planned before an administrator's change is refused, and the change stands.
  Decision stale;
  run(db, {kPlain, kServer, "raced", "old", ""}, stale);
  ASSERT_EQ(stale.verdict, Verdict::kAccept);
  ASSERT_FALSE(stale.book.fresh_hash.empty());
  const std::string changed = hash_of("new");
  const CramSecret changed_cram = secret_of("new");
  ASSERT_TRUE(db.set_password("raced", changed, &changed_cram).ok());
  const Status r = apply_book(db, stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().verdict, Verdict::kReject);
  Result<std::optional<Account>> raced = db.find("raced");
  ASSERT_TRUE(raced.ok() && raced.value().has_value());
  EXPECT_EQ(raced.value()->hash, changed);
  EXPECT_EQ(raced.value()->cram_md5, changed_cram);

  const Status gone = db.replace_hash("nobody", changed, d.book.fresh_hash, nullptr, kNow);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().verdict, Verdict::kReject);
}

}  // namespace
}  // namespace checkpw

namespace checkpw {
namespace {

// Lockout in the decision (doc/design.md section 7): a locked account is rejected whatever the
// secret, after the same verification, and the rejection is not counted; an expired lock or a
// policy that is off lets the right secret in.
TEST(DecisionLockout, LockedAccountRejectedWhateverTheSecret) {
  Settings settings;
  settings.cost = PasswordCost{1, 8192};
  settings.lockout = Lockout{3, 900, 900};
  Account tim = make_account("tim", kTimPassword);
  tim.window_failures = 3;
  tim.window_start = 1000;
  tim.locked_until = 1900;
  struct LockRow {
    std::int64_t now;
    int policy;
    std::string_view secret, third;
    Verdict verdict;
    const char* reason;
    Book book;
  };
  for (const LockRow& row : {
           LockRow{1500, 3, kTimPassword, "", Verdict::kReject, "locked", Book::kNone},
           LockRow{1500, 3, "wrong", "", Verdict::kReject, "locked", Book::kNone},
           LockRow{1500, 3, kResponse, kChallenge, Verdict::kReject, "locked", Book::kNone},
           LockRow{1900, 3, kTimPassword, "", Verdict::kAccept, "ok", Book::kSuccess},
           LockRow{1500, 0, kTimPassword, "", Verdict::kAccept, "ok", Book::kSuccess},
       }) {
    SCOPED_TRACE(testing::Message() << row.now << " " << row.policy << " " << row.secret);
    settings.lockout.failures = row.policy;
    Login login;
    login.program = Program::kCramMd5Checkpw;
    login.user = span_of("tim");
    login.secret = span_of(row.secret);
    login.third = span_of(row.third);
    login.now = row.now;
    Decision d;
    decide(login, settings, tim, d);
    EXPECT_EQ(d.verdict, row.verdict);
    EXPECT_STREQ(d.reason, row.reason);
    EXPECT_EQ(d.book.kind, row.book);
  }
  // Dovecot's credentials lookup hands out nothing for a locked account.
  settings.lockout.failures = 3;
  Login lookup;
  lookup.caller = Caller{true, true, true};
  lookup.user = span_of("tim");
  lookup.now = 1500;
  Decision d;
  decide(lookup, settings, tim, d);
  EXPECT_EQ(d.verdict, Verdict::kReject);
  EXPECT_STREQ(d.reason, "locked");
  EXPECT_EQ(d.credentials.size(), 0u);
}

TEST(DecisionLockout, FailureRuleCountsInAWindowAndLocks) {
  const Lockout policy{3, 10, 100};
  Account a = make_account("a", "pw");
  account_count_failure(a, policy, 0);
  account_count_failure(a, policy, 5);
  EXPECT_FALSE(account_locked(a, policy, 6));
  EXPECT_EQ(a.window_failures, 2);
  account_count_failure(a, policy, 12);  // the window of 0..9 has passed
  EXPECT_EQ(a.window_failures, 1);
  EXPECT_EQ(a.window_start, std::optional<std::int64_t>(12));
  account_count_failure(a, policy, 13);
  account_count_failure(a, policy, 14);
  EXPECT_TRUE(account_locked(a, policy, 14));
  EXPECT_EQ(a.locked_until, std::optional<std::int64_t>(114));
  EXPECT_FALSE(account_locked(a, Lockout{0, 10, 100}, 14)) << "policy off";
  EXPECT_FALSE(account_locked(a, policy, 114)) << "expired";
  EXPECT_EQ(a.failures, 5);
  account_count_success(a, 200);
  EXPECT_EQ(a.failures, 0);
  EXPECT_EQ(a.window_failures, 0);
  EXPECT_FALSE(a.locked_until.has_value());
}

}  // namespace
}  // namespace checkpw
