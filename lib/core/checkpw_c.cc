// The C ABI (checkpw.h): thin wrappers that turn C pointers into spans, refuse
// NULL-with-length, and call the C++ core.
#include <sodium.h>

#include <span>

#include "checkpw.h"
#include "core/base64.h"
#include "core/cram_md5.h"
#include "core/md5.h"
#include "core/visibility.h"

namespace {

// A NULL pointer is valid only with length 0.
bool valid(const void* p, size_t len) {
  return p != nullptr || len == 0;
}

std::span<const unsigned char> bytes(const void* p, size_t len) {
  if (len == 0) return {};
  return {static_cast<const unsigned char*>(p), len};
}

}  // namespace

extern "C" {

CHECKPW_API void checkpw_md5(const void* data, size_t len, unsigned char digest[16]) {
  if (digest == nullptr || !valid(data, len)) return;
  checkpw::md5(bytes(data, len), std::span<unsigned char, 16>(digest, 16));
}

CHECKPW_API void checkpw_hmac_md5(const void* key, size_t key_len, const void* msg, size_t msg_len,
                                  unsigned char digest[16]) {
  if (digest == nullptr || !valid(key, key_len) || !valid(msg, msg_len)) return;
  checkpw::hmac_md5(bytes(key, key_len), bytes(msg, msg_len),
                    std::span<unsigned char, 16>(digest, 16));
}

CHECKPW_API void checkpw_cram_md5_secret(const void* password, size_t len,
                                         unsigned char secret[32]) {
  if (secret == nullptr || !valid(password, len)) return;
  checkpw::cram_md5_secret(bytes(password, len), std::span<unsigned char, 32>(secret, 32));
}

CHECKPW_API int checkpw_cram_md5_verify(const unsigned char secret[32], const char* challenge,
                                        size_t challenge_len, const char* response,
                                        size_t response_len) {
  if (secret == nullptr || !valid(challenge, challenge_len) || !valid(response, response_len))
    return -1;
  return checkpw::cram_md5_verify(std::span<const unsigned char, 32>(secret, 32),
                                  bytes(challenge, challenge_len), bytes(response, response_len))
             ? 0
             : -1;
}

CHECKPW_API size_t checkpw_base64_encoded_size(size_t n) {
  return checkpw::base64_encoded_size(n);
}

CHECKPW_API size_t checkpw_base64_encode(char* out, const void* in, size_t n) {
  if (!valid(in, n)) return 0;
  size_t need = checkpw::base64_encoded_size(n);
  if (need == 0 || out == nullptr) return 0;
  return checkpw::base64_encode(std::span<char>(out, need), bytes(in, n));
}

CHECKPW_API int checkpw_base64_decode(void* out, size_t out_cap, size_t* out_len, const char* in,
                                      size_t n) {
  if (out_len != nullptr) *out_len = 0;
  if (out_len == nullptr || !valid(in, n) || !valid(out, out_cap)) return -1;
  std::span<unsigned char> dst;
  if (out_cap != 0) dst = {static_cast<unsigned char*>(out), out_cap};
  std::span<const char> src;
  if (n != 0) src = {in, n};
  return checkpw::base64_decode(dst, src, out_len) ? 0 : -1;
}

}  // extern "C"
