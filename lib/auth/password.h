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

#include "base/password_cost.h"
#include "base/result.h"

namespace checkpw {

// The stored hash of an account imported with nothing but a CRAM-MD5 secret (Dovecot's
// {CRAM-MD5} scheme): a plaintext password is verified against that secret by the
// decision, and the first success replaces this marker with Argon2id (a rehash).
// password_verify() cannot verify it alone (it has no secret) and calls it kInvalidHash.
inline constexpr std::string_view kCramMd5OnlyHash = "{CRAM-MD5}";

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
[[nodiscard]] PasswordCheck password_verify(std::string_view stored_hash,
                                            std::span<const unsigned char> password) noexcept;

// A fresh Argon2id string (crypto_pwhash_str_alg, random salt). Error kTempFail when
// out of memory, kMisuse when the cost is outside libsodium's limits.
[[nodiscard]] Result<std::string> password_hash(std::span<const unsigned char> password,
                                                const PasswordCost& cost);

// True when a successful login should replace the stored hash with one at `cost`: for
// legacy crypt strings, and for Argon2id strings that are weaker than `cost` (less
// memory or fewer passes) and stronger in neither. A hash that is stronger in memory or
// passes is kept, whatever the other parameter: a rehash never weakens an account.
// False for strings that are not valid hashes (they never verify).
bool password_needs_rehash(std::string_view stored_hash, const PasswordCost& cost) noexcept;

// "argon2id", "md5-crypt", "sha256-crypt", "sha512-crypt", "bcrypt", "yescrypt",
// "cram-md5" (kCramMd5OnlyHash) or "invalid": the scheme's name only, safe to show.
const char* password_scheme(std::string_view stored_hash) noexcept;

}  // namespace checkpw
