// libsodium 1.0.18's crypto_pwhash_str_verify returns -1 with errno EINVAL for a
// mismatch and, since its argon2_verify folds every hashing error into "mismatch", also
// when the Argon2 memory could not be allocated: an out-of-memory server would reject
// the right password. So we parse first (crypto_pwhash_str_needs_rehash decodes and
// validates the whole string), then recompute the tag with crypto_pwhash_argon2id, whose
// failure leaves the allocator's ENOMEM in errno, and compare with sodium_memcmp. Strings
// that API cannot express (parallelism other than 1, a salt other than 16 bytes) go
// through crypto_pwhash_str_verify, where only ENOMEM reported by libsodium counts as
// out of memory.
#include "auth/password.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "base/secret_buffer.h"

namespace checkpw {
namespace {

constexpr std::string_view kArgon2idPrefix = crypto_pwhash_argon2id_STRPREFIX;

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

struct Legacy {
  std::string_view prefix;
  const char* name;
};
constexpr Legacy kLegacy[] = {
    {"$1$", "md5-crypt"}, {"$5$", "sha256-crypt"}, {"$6$", "sha512-crypt"},
    {"$2b$", "bcrypt"},   {"$2y$", "bcrypt"},      {"$y$", "yescrypt"},
};

const Legacy* legacy_scheme(std::string_view h) noexcept {
  for (const Legacy& l : kLegacy) {
    if (starts_with(h, l.prefix)) return &l;
  }
  return nullptr;
}

// libsodium declares its pointers nonnull, even for zero lengths; an empty span may hold
// a null pointer.
const char* chars(std::span<const unsigned char> s) noexcept {
  static const char empty = 0;
  return s.empty() ? &empty : reinterpret_cast<const char*>(s.data());
}

bool has_nul(std::string_view s) noexcept {
  return s.find('\0') != std::string_view::npos;
}

// A stored string libsodium can parse with an Argon2id prefix.
bool argon2id_parses(std::string_view h) noexcept {
  if (!starts_with(h, kArgon2idPrefix) || h.size() >= crypto_pwhash_STRBYTES || has_nul(h)) {
    return false;
  }
  char str[crypto_pwhash_STRBYTES] = {};
  std::memcpy(str, h.data(), h.size());
  // Any parameters will do: -1 means the string did not decode or validate.
  return crypto_pwhash_str_needs_rehash(str, crypto_pwhash_OPSLIMIT_MIN,
                                        crypto_pwhash_MEMLIMIT_MIN) != -1;
}

// The parts of "$argon2id$v=19$m=M,t=T,p=P$SALT$TAG" (unpadded standard Base64).
struct Argon2idParts {
  std::uint32_t m = 0, t = 0, p = 0;
  std::array<unsigned char, crypto_pwhash_argon2id_SALTBYTES> salt{};
  std::size_t salt_len = 0;
  std::array<unsigned char, 64> tag{};
  std::size_t tag_len = 0;
};

bool eat(std::string_view& s, std::string_view lit) noexcept {
  if (!starts_with(s, lit)) return false;
  s.remove_prefix(lit.size());
  return true;
}

bool eat_u32(std::string_view& s, std::uint32_t& out) noexcept {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || p == s.data() || (s[0] == '0' && p - s.data() > 1)) return false;
  s.remove_prefix(static_cast<std::size_t>(p - s.data()));
  return true;
}

bool eat_b64(std::string_view& s, std::span<unsigned char> out, std::size_t& len) noexcept {
  const std::size_t end = std::min(s.find('$'), s.size());
  const char* b64_end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), s.data(), end, nullptr, &len, &b64_end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      b64_end != s.data() + end) {
    return false;
  }
  s.remove_prefix(end);
  return true;
}

bool argon2id_split(std::string_view s, Argon2idParts& a) noexcept {
  std::size_t n = 0;
  return eat(s, "$argon2id$v=19$m=") && eat_u32(s, a.m) && eat(s, ",t=") && eat_u32(s, a.t) &&
         eat(s, ",p=") && eat_u32(s, a.p) && eat(s, "$") && eat_b64(s, a.salt, a.salt_len) &&
         eat(s, "$") && eat_b64(s, a.tag, n) && s.empty() && (a.tag_len = n) >= 16;
}

// libsodium chooses its fast Argon2 code in sodium_init(); every hash here comes after it.
// Only the hashing needs it, so a CRAM-MD5 login does not pay for its CPU probing.
bool sodium_ready() noexcept {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

PasswordCheck argon2id_verify(std::string_view h, std::span<const unsigned char> pw) noexcept {
  if (!argon2id_parses(h)) return PasswordCheck::kInvalidHash;
  if (!sodium_ready()) return PasswordCheck::kOutOfMemory;  // a temporary failure, as that
  Argon2idParts a;
  if (argon2id_split(h, a) && a.p == 1 && a.salt_len == a.salt.size()) {
    SecretBuffer<64> tag;
    errno = 0;
    if (crypto_pwhash_argon2id(tag.data(), a.tag_len, chars(pw), pw.size(), a.salt.data(), a.t,
                               std::size_t{a.m} * 1024u,
                               crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0) {
      return errno == ENOMEM ? PasswordCheck::kOutOfMemory : PasswordCheck::kInvalidHash;
    }
    return sodium_memcmp(tag.data(), a.tag.data(), a.tag_len) == 0 ? PasswordCheck::kMatch
                                                                   : PasswordCheck::kMismatch;
  }
  char str[crypto_pwhash_STRBYTES] = {};
  std::memcpy(str, h.data(), h.size());
  errno = 0;
  if (crypto_pwhash_str_verify(str, chars(pw), pw.size()) == 0) {
    return PasswordCheck::kMatch;
  }
  const int e = errno;
  if (e == ENOMEM) return PasswordCheck::kOutOfMemory;
  if (e == EINVAL) return PasswordCheck::kMismatch;
  return PasswordCheck::kInvalidHash;
}

// crypt_data holds the key schedule; it lives on the heap (32 KiB) and is wiped.
struct CryptScratch {
  crypt_data data;
  ~CryptScratch() { sodium_memzero(&data, sizeof data); }
};

PasswordCheck legacy_verify(std::string_view h, std::span<const unsigned char> pw) noexcept {
  if (has_nul(h) || h.size() >= CRYPT_OUTPUT_SIZE) return PasswordCheck::kInvalidHash;
  char setting[CRYPT_OUTPUT_SIZE] = {};
  std::memcpy(setting, h.data(), h.size());
  // crypt wants a C string: a password with a NUL cannot be the one that was hashed.
  SecretBuffer<1025> phrase;
  if (pw.size() >= phrase.capacity()) return PasswordCheck::kMismatch;
  if (!pw.empty()) std::memcpy(phrase.data(), pw.data(), pw.size());
  phrase.data()[pw.size()] = 0;
  std::unique_ptr<CryptScratch> scratch(new (std::nothrow) CryptScratch());
  if (!scratch) return PasswordCheck::kOutOfMemory;
  const char* out = crypt_rn(reinterpret_cast<const char*>(phrase.data()), setting, &scratch->data,
                             static_cast<int>(sizeof scratch->data));
  // NULL: libcrypt could not use the setting (unknown method, bad salt or rounds).
  if (out == nullptr || out[0] == '*') return PasswordCheck::kInvalidHash;
  const bool nul_inside = !pw.empty() && std::memchr(pw.data(), 0, pw.size()) != nullptr;
  // crypt(pw, stored) has the stored string's length whatever pw is; a different
  // length means the stored string is a bare setting ("$1$"), not a hash.
  const std::size_t n = std::strlen(out);
  if (n != h.size()) return PasswordCheck::kInvalidHash;
  const bool same = sodium_memcmp(out, h.data(), n) == 0;
  return same && !nul_inside ? PasswordCheck::kMatch : PasswordCheck::kMismatch;
}

}  // namespace

PasswordCheck password_verify(std::string_view stored_hash,
                              std::span<const unsigned char> password) noexcept {
  if (starts_with(stored_hash, kArgon2idPrefix)) return argon2id_verify(stored_hash, password);
  if (legacy_scheme(stored_hash) != nullptr) return legacy_verify(stored_hash, password);
  return PasswordCheck::kInvalidHash;
}

Result<std::string> password_hash(std::span<const unsigned char> password,
                                  const PasswordCost& cost) {
  if (cost.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
      cost.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      cost.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return Error{Verdict::kMisuse, "Argon2id cost outside libsodium's limits"};
  }
  if (!sodium_ready()) return temp_error("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES] = {};
  errno = 0;
  if (crypto_pwhash_str_alg(out, chars(password), password.size(), cost.opslimit, cost.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return temp_error(errno == ENOMEM ? "out of memory" : "Argon2id hashing failed");
  }
  std::string s(out);
  sodium_memzero(out, sizeof out);
  return s;
}

bool password_needs_rehash(std::string_view stored_hash, const PasswordCost& cost) noexcept {
  if (legacy_scheme(stored_hash) != nullptr || stored_hash == kCramMd5OnlyHash) return true;
  Argon2idParts a;
  if (!argon2id_parses(stored_hash) || !argon2id_split(stored_hash, a)) return false;
  const std::size_t memory = std::size_t{a.m} * 1024u;
  if (memory > cost.memlimit || a.t > cost.opslimit) return false;  // stronger somewhere
  return memory < cost.memlimit || a.t < cost.opslimit;
}

const char* password_scheme(std::string_view stored_hash) noexcept {
  if (argon2id_parses(stored_hash)) return "argon2id";
  if (const Legacy* l = legacy_scheme(stored_hash)) return l->name;
  if (stored_hash == kCramMd5OnlyHash) return "cram-md5";
  return "invalid";
}

}  // namespace checkpw
