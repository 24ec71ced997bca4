#include "auth/password.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/resource.h>

#include <string>

#include "support/process.h"
#include "support/util.h"

namespace checkpw {
namespace {

using test::bytes_of;

constexpr PasswordCost kFast{crypto_pwhash_argon2id_OPSLIMIT_MIN,
                             crypto_pwhash_argon2id_MEMLIMIT_MIN};

std::string must_hash(std::string_view pw, const PasswordCost& cost = kFast) {
  auto h = password_hash(bytes_of(pw), cost);
  EXPECT_TRUE(h.ok());
  return h.ok() ? h.value() : std::string();
}

// libcrypt makes the legacy strings; the prefix picks the method.
std::string legacy(const char* prefix, std::string_view pw) {
  const char* setting = crypt_gensalt(prefix, 0, nullptr, 0);
  EXPECT_NE(setting, nullptr) << prefix;
  const std::string s(setting);
  const char* h = crypt(std::string(pw).c_str(), s.c_str());
  EXPECT_NE(h, nullptr);
  EXPECT_EQ(std::string(h).rfind(prefix, 0), 0u);
  return h;
}

TEST(Password, Argon2idMatchAndMismatch) {
  const std::string h = must_hash("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(password_verify(h, bytes_of("correct horse")), PasswordCheck::kMatch);
  EXPECT_EQ(password_verify(h, bytes_of("correct hors")), PasswordCheck::kMismatch);
  EXPECT_EQ(password_verify(h, bytes_of("")), PasswordCheck::kMismatch);
  EXPECT_STREQ(password_scheme(h), "argon2id");
}

TEST(Password, HashesAreSaltedAndHoldNoPassword) {
  const std::string a = must_hash("same password");
  const std::string b = must_hash("same password");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("same password"), std::string::npos);
}

TEST(Password, InvalidStoredHashes) {
  const std::string good = must_hash("pw");
  const std::string bad[] = {
      "", "*", "!", "plaintext", "$argon2id$",
      "$argon2id$v=19$m=8,t=1,p=1$",  // no salt, no hash
      // Truncated where it is invalid whatever the random salt: with the hash field
      // empty, and inside the salt. (Cutting into the hash's Base64 can leave a shorter
      // but well-formed hash, a mismatch rather than an invalid string.)
      good.substr(0, good.rfind('$') + 1), good.substr(0, good.rfind('$') - 3),
      "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",      // memory too small
      "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",  // not Argon2id
      "$1$",                                    // legacy prefix, nothing after it
      "$6$rounds=x$",                           // unusable setting
      "abJnggxhB/yWI",                          // DES crypt: not accepted
      std::string("$argon2id$v=19\0$m=8", 19),  // embedded NUL
  };
  for (const auto& h : bad) {
    EXPECT_EQ(password_verify(h, bytes_of("pw")), PasswordCheck::kInvalidHash) << h;
    // An Argon2id string that does not parse has no parameters to compare: never
    // "weaker". (Nothing verifies against any of these, so no login replaces them.)
    if (h.rfind("$argon2id$", 0) == 0) {
      EXPECT_FALSE(password_needs_rehash(h, kFast)) << h;
    }
  }
  EXPECT_STREQ(password_scheme("*"), "invalid");
}

TEST(Password, OutOfMemoryIsItsOwnClass) {
  // A well-formed string asking for 4 TiB: the allocation fails (ENOMEM), which must be
  // told apart from a mismatch. In a child with a 1 GiB address-space limit, so the test
  // holds even where the kernel overcommits without limit (not under ASan, whose shadow
  // memory needs the address space).
  const std::string huge =
      "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
      "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
  ASSERT_STREQ(password_scheme(huge), "argon2id");
  const int rc = test::run_forked([&] {
#ifndef __SANITIZE_ADDRESS__
    const rlimit lim{1ul << 30, 1ul << 30};
    setrlimit(RLIMIT_AS, &lim);
#endif
    return static_cast<int>(password_verify(huge, bytes_of("pw")));
  });
  EXPECT_EQ(rc, static_cast<int>(PasswordCheck::kOutOfMemory));
}

TEST(Password, OutOfMemoryWithARealHash) {
#ifdef __SANITIZE_ADDRESS__
  GTEST_SKIP() << "needs RLIMIT_AS, which AddressSanitizer cannot run under";
#else
  // A genuine 64 MiB hash verified under a 32 MiB limit: out of memory, never a mismatch,
  // even though libsodium's own str_verify would say "mismatch" here.
  const std::string h = must_hash("pw", PasswordCost{1, 64u << 20});
  const int rc = test::run_forked([&] {
    const rlimit lim{32ul << 20, 32ul << 20};
    setrlimit(RLIMIT_AS, &lim);
    return static_cast<int>(password_verify(h, bytes_of("pw")));
  });
  EXPECT_EQ(rc, static_cast<int>(PasswordCheck::kOutOfMemory));
  EXPECT_EQ(password_verify(h, bytes_of("pw")), PasswordCheck::kMatch);
#endif
}

TEST(Password, LegacyCryptStrings) {
  for (const char* prefix : {"$1$", "$5$", "$6$", "$y$", "$2b$"}) {
    const std::string h = legacy(prefix, "legacy secret");
    EXPECT_EQ(password_verify(h, bytes_of("legacy secret")), PasswordCheck::kMatch) << prefix;
    EXPECT_EQ(password_verify(h, bytes_of("legacy secreT")), PasswordCheck::kMismatch) << prefix;
    EXPECT_EQ(password_verify(h, bytes_of("")), PasswordCheck::kMismatch) << prefix;
    // A NUL cannot be part of a crypt(3) password, even when the rest matches.
    const std::string with_nul("legacy secret\0x", 15);
    EXPECT_EQ(password_verify(h, bytes_of(with_nul)), PasswordCheck::kMismatch) << prefix;
    EXPECT_TRUE(password_needs_rehash(h, kFast)) << prefix;
    EXPECT_STRNE(password_scheme(h), "invalid") << prefix;
  }
  EXPECT_STREQ(password_scheme(legacy("$6$", "x")), "sha512-crypt");
}

TEST(Password, NeedsRehashComparesParameters) {
  const std::string h = must_hash("pw");
  EXPECT_FALSE(password_needs_rehash(h, kFast));
  EXPECT_TRUE(password_needs_rehash(h, PasswordCost{2, kFast.memlimit}));
  EXPECT_TRUE(password_needs_rehash(h, PasswordCost{1, 16384}));
  const PasswordCost stronger{2, 19u << 20};
  const std::string strong = must_hash("pw", stronger);
  EXPECT_FALSE(password_needs_rehash(strong, stronger));
  // A stronger hash is never replaced by a weaker one: not when both parameters are
  // lower now (m=64M, t=4 against 19M, t=2), nor when only one is.
  EXPECT_FALSE(password_needs_rehash(strong, kFast));
  EXPECT_FALSE(password_needs_rehash(strong, PasswordCost{3, 8192}));
  EXPECT_FALSE(password_needs_rehash(strong, PasswordCost{1, 64u << 20}));
  // Weaker in one parameter and equal in the other: replaced.
  EXPECT_TRUE(password_needs_rehash(strong, PasswordCost{3, 19u << 20}));
  EXPECT_TRUE(password_needs_rehash(strong, PasswordCost{2, 20u << 20}));
}

TEST(Password, HashRefusesCostOutsideLimits) {
  auto r = password_hash(bytes_of("pw"), PasswordCost{0, kFast.memlimit});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().verdict, Verdict::kMisuse);
  r = password_hash(bytes_of("pw"), PasswordCost{1, 1024});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().verdict, Verdict::kMisuse);
}

}  // namespace
}  // namespace checkpw
