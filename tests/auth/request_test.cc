#include "auth/request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace checkpw {
namespace {

// A pipe holding `data`, write end closed: what a server hands us on fd 3.
int pipe_with(const std::string& data) {
  int p[2];
  EXPECT_EQ(pipe(p), 0);
  EXPECT_EQ(write(p[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(p[1]);
  return p[0];
}

std::string text(std::span<const unsigned char> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

Verdict read_and_parse(const std::string& data, Request& req) {
  Verdict v = request_read(pipe_with(data), req);
  if (v != Verdict::kAccept) return v;
  return request_parse(req);
}

TEST(Request, SplitsThreeFields) {
  Request req;
  ASSERT_EQ(read_and_parse(std::string("alice\0pw\0<1.2@host>\0junk", 24), req), Verdict::kAccept);
  EXPECT_EQ(text(req.user), "alice");
  EXPECT_EQ(text(req.secret), "pw");
  EXPECT_EQ(text(req.third), "<1.2@host>");
}

TEST(Request, MissingOrUnterminatedThirdFieldIsAccepted) {
  Request a;
  ASSERT_EQ(read_and_parse(std::string("alice\0pw\0", 9), a), Verdict::kAccept);
  EXPECT_TRUE(a.third.empty());
  Request b;
  ASSERT_EQ(read_and_parse(std::string("alice\0pw\0stamp", 14), b), Verdict::kAccept);
  EXPECT_EQ(text(b.third), "stamp");
}

TEST(Request, UnterminatedUserOrSecretIsMisuse) {
  Request a, b, c;
  EXPECT_EQ(read_and_parse("", a), Verdict::kMisuse);
  EXPECT_EQ(read_and_parse("alice", b), Verdict::kMisuse);
  EXPECT_EQ(read_and_parse(std::string("alice\0pw", 8), c), Verdict::kMisuse);
}

TEST(Request, ExactlyFiveHundredTwelveBytesIsReadWhole) {
  std::string data = "u";
  data += '\0';
  data += std::string(512 - 3, 'p');
  data += '\0';
  data += '\0';
  ASSERT_EQ(data.size(), 513u);  // one too many: trim the last NUL
  data.pop_back();
  Request req;
  ASSERT_EQ(read_and_parse(data, req), Verdict::kAccept);
  EXPECT_EQ(req.secret.size(), 509u);
}

TEST(Request, OverFiveHundredTwelveBytesIsRejectedAndWiped) {
  Request req;
  EXPECT_EQ(request_read(pipe_with(std::string(513, 'x')), req), Verdict::kReject);
  EXPECT_EQ(req.buffer.size(), 0u);
  for (std::size_t i = 0; i < req.buffer.capacity(); ++i) ASSERT_EQ(req.buffer.data()[i], 0);
}

TEST(Request, ClosedOrWriteOnlyDescriptorIsMisuse) {
  Request a;
  EXPECT_EQ(request_read(987, a), Verdict::kMisuse);  // not open
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  close(p[0]);
  Request b;
  EXPECT_EQ(request_read(p[1], b), Verdict::kMisuse);  // write end only
}

TEST(Request, ClosesTheDescriptor) {
  const int fd = pipe_with(std::string("a\0b\0", 4));
  Request req;
  ASSERT_EQ(request_read(fd, req), Verdict::kAccept);
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);
}

CramFields classify(const std::string& data, Request& req) {
  EXPECT_EQ(read_and_parse(data, req), Verdict::kAccept);
  return classify_cram_fields(req.secret, req.third);
}

constexpr char kResponse[] = "b913a602c7eda7a495b4e6e7334d3890";
constexpr char kChallenge[] = "<1896.697170952@postoffice.reston.mci.net>";

TEST(CramFields, ResponseThenChallenge) {
  Request req;
  auto f = classify(std::string("u\0", 2) + kResponse + '\0' + kChallenge + '\0', req);
  EXPECT_EQ(f.mechanism, Mechanism::kCramMd5);
  EXPECT_EQ(text(f.response), kResponse);
  EXPECT_EQ(text(f.challenge), kChallenge);
  // The response stands where a password would: a 32-hex password is tried too.
  EXPECT_TRUE(f.also_plain);
  EXPECT_EQ(text(f.password), kResponse);
}

TEST(CramFields, ChallengeThenResponse) {
  Request req;
  auto f = classify(std::string("u\0", 2) + kChallenge + '\0' + kResponse + '\0', req);
  EXPECT_EQ(f.mechanism, Mechanism::kCramMd5);
  EXPECT_EQ(text(f.response), kResponse);
  EXPECT_EQ(text(f.challenge), kChallenge);
  EXPECT_FALSE(f.also_plain) << "a challenge is no password";
}

TEST(CramFields, BothLookLikeResponsesTakesTheFirstOrder) {
  Request req;
  const std::string other = "0123456789ABCDEF0123456789abcdef";
  auto f = classify(std::string("u\0", 2) + kResponse + '\0' + other + '\0', req);
  EXPECT_EQ(f.mechanism, Mechanism::kCramMd5);
  EXPECT_EQ(text(f.response), kResponse);
  EXPECT_EQ(text(f.challenge), other);
}

TEST(CramFields, PlaintextWhenThirdIsEmptyOrATimestamp) {
  Request a, b, c;
  auto f = classify(std::string("u\0secret\0\0", 10), a);
  EXPECT_EQ(f.mechanism, Mechanism::kPlain);
  EXPECT_EQ(text(f.password), "secret");
  f = classify(std::string("u\0secret\0<123.456@pop.example>\0", 31), b);
  EXPECT_EQ(f.mechanism, Mechanism::kPlain);
  EXPECT_EQ(text(f.password), "secret");
  // 31 hex digits is not a response: plaintext.
  f = classify(std::string("u\0", 2) + std::string(kResponse).substr(1) + '\0' + kChallenge + '\0',
               c);
  EXPECT_EQ(f.mechanism, Mechanism::kPlain);
}

TEST(CramFields, ResponseShape) {
  auto bytes = [](std::string_view s) {
    return std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(s.data()),
                                          s.size());
  };
  EXPECT_TRUE(looks_like_cram_response(bytes(kResponse)));
  EXPECT_TRUE(looks_like_cram_response(bytes("B913A602C7EDA7A495B4E6E7334D3890")));
  EXPECT_FALSE(looks_like_cram_response(bytes("b913a602c7eda7a495b4e6e7334d389")));
  EXPECT_FALSE(looks_like_cram_response(bytes("b913a602c7eda7a495b4e6e7334d38901")));
  EXPECT_FALSE(looks_like_cram_response(bytes("g913a602c7eda7a495b4e6e7334d3890")));
}

}  // namespace
}  // namespace checkpw
