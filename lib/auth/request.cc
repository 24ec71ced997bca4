#include "auth/request.h"

#include <unistd.h>

#include <cerrno>

namespace checkpw {
namespace {

// The field starting at `pos` up to its NUL; false when no NUL comes before `end`.
bool take_field(const unsigned char* data, std::size_t end, std::size_t& pos,
                std::span<const unsigned char>& field) noexcept {
  for (std::size_t i = pos; i < end; ++i) {
    if (data[i] == 0) {
      field = {data + pos, i - pos};
      pos = i + 1;
      return true;
    }
  }
  return false;
}

}  // namespace

Verdict request_read(int fd, Request& req) noexcept {
  unsigned char* p = req.buffer.data();
  const std::size_t cap = req.buffer.capacity();
  std::size_t have = 0;
  Verdict verdict = Verdict::kAccept;
  for (;;) {
    if (have == cap) {  // a 513th byte: the request is over the limit
      verdict = Verdict::kReject;
      break;
    }
    const ssize_t r = read(fd, p + have, cap - have);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      verdict = Verdict::kMisuse;  // not open, write-only, or unreadable
      break;
    }
    have += static_cast<std::size_t>(r);
  }
  close(fd);
  if (verdict != Verdict::kAccept) {
    req.buffer.wipe();
    return verdict;
  }
  req.buffer.set_size(have);
  return Verdict::kAccept;
}

Verdict request_parse(Request& req) noexcept {
  const unsigned char* data = req.buffer.data();
  const std::size_t end = req.buffer.size();
  std::size_t pos = 0;
  if (!take_field(data, end, pos, req.user)) return Verdict::kMisuse;
  if (!take_field(data, end, pos, req.secret)) return Verdict::kMisuse;
  // The third field may be missing or unterminated (DJB's checkpassword reads it
  // the same way); anything after its NUL is ignored.
  if (!take_field(data, end, pos, req.third)) req.third = {data + pos, end - pos};
  return Verdict::kAccept;
}

bool looks_like_cram_response(std::span<const unsigned char> field) noexcept {
  if (field.size() != 32) return false;
  for (unsigned char c : field) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

CramFields plain_fields(std::span<const unsigned char> secret) noexcept {
  CramFields f;
  f.password = secret;
  return f;
}

CramFields classify_cram_fields(std::span<const unsigned char> secret,
                                std::span<const unsigned char> third) noexcept {
  CramFields f = plain_fields(secret);
  if (third.empty()) return f;  // plaintext (Dovecot, AUTH PLAIN/LOGIN)
  if (looks_like_cram_response(secret)) {
    // user\0response\0challenge (cmd5checkpw, s/qmail, vchkpw); preferred when both fit.
    f.mechanism = Mechanism::kCramMd5;
    f.response = secret;
    f.challenge = third;
    f.also_plain = true;
  } else if (looks_like_cram_response(third)) {
    // user\0challenge\0response (Dabrowski's patch, IndiMail).
    f.mechanism = Mechanism::kCramMd5;
    f.challenge = secret;
    f.response = third;
  }
  // Neither is a response: the third field is a POP3 timestamp; secret is plaintext.
  return f;
}

}  // namespace checkpw
