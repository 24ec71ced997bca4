// Password hashes: Argon2id strings made and checked by libsodium, and the legacy
// crypt(3) strings ($1$ $5$ $6$ $2b$ $y$) of imported accounts, checked by libcrypt.
// Every verification is classified exactly once, here, into one PasswordCheck; callers
// never look at errno. Nothing here logs, and no password byte outlives a call: copies
// made for libcrypt are wiped.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "checkpw/result.h"
#include "checkpw/visibility.h"

namespace checkpw {

enum class PasswordCheck {
  kMatch,        // accept
  kMismatch,     // reject
  kOutOfMemory,  // tempfail: Argon2id could not get its memory
  kInvalidHash,  // tempfail, and log it loudly: the stored string is not a usable hash
};

// Classifies exactly once: Argon2id via crypto_pwhash_str_verify (mismatch, out of
// memory (errno ENOMEM) and not-a-valid-hash told apart), and legacy crypt(3) strings
// via libcrypt's crypt_rn with a constant-time compare of the result. Any other string
// (including $argon2i$, DES crypt, "*", "!") is kInvalidHash.
[[nodiscard]] CHECKPW_API PasswordCheck
password_verify(std::string_view stored_hash, std::span<const unsigned char> password) noexcept;

struct PasswordCost {
  unsigned long long opslimit;
  std::size_t memlimit;  // bytes
};

// A fresh Argon2id string (crypto_pwhash_str_alg, random salt). Error kTempFail when
// out of memory, kMisuse when the cost is outside libsodium's limits.
[[nodiscard]] CHECKPW_API Result<std::string> password_hash(std::span<const unsigned char> password,
                                                            const PasswordCost& cost);

// True for legacy crypt strings, for Argon2id strings made with parameters other than
// `cost` (crypto_pwhash_str_needs_rehash), and for strings that are not valid hashes.
CHECKPW_API bool password_needs_rehash(std::string_view stored_hash,
                                       const PasswordCost& cost) noexcept;

// "argon2id", "md5-crypt", "sha256-crypt", "sha512-crypt", "bcrypt", "yescrypt", or
// "invalid": the scheme's name only, safe to show to an administrator.
CHECKPW_API const char* password_scheme(std::string_view stored_hash) noexcept;

}  // namespace checkpw
