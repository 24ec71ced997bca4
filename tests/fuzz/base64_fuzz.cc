// libFuzzer target (make fuzz): strict Base64 must round-trip. Any input it accepts
// re-encodes to exactly itself (one encoding per byte string), and any bytes encode to
// text it accepts and decodes back. Checks are abort()s, so the fuzzer reports them.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::span<const char> text(reinterpret_cast<const char*>(data), size);
  std::vector<unsigned char> out(checkpw::base64_decoded_max(size) + 1);
  std::size_t len = 99;
  if (checkpw::base64_decode(out, text, &len)) {
    std::vector<char> again(checkpw::base64_encoded_size(len) + 1);
    const std::size_t n = checkpw::base64_encode(again, std::span(out).first(len));
    if (n != size || std::memcmp(again.data(), data, size) != 0) std::abort();
  } else if (len != 0) {
    std::abort();
  }
  std::vector<char> enc(checkpw::base64_encoded_size(size) + 1);
  const std::size_t n = checkpw::base64_encode(enc, std::span(data, size));
  std::vector<unsigned char> back(size + 1);
  if (!checkpw::base64_decode(back, std::span(enc).first(n), &len) || len != size ||
      std::memcmp(back.data(), data, size) != 0) {
    std::abort();
  }
  return 0;
}
