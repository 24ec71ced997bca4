#include "support/json.h"

#include <stdexcept>

namespace checkpw::test {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Json document() {
    Json j = value();
    space();
    if (i_ != s_.size()) fail("trailing text");
    return j;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("json: ") + what + " at " + std::to_string(i_));
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r'))
      ++i_;
  }
  char peek() {
    space();
    if (i_ >= s_.size()) fail("unexpected end");
    return s_[i_];
  }
  void expect(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) fail("unexpected text");
    i_ += lit.size();
  }

  Json value() {
    const char c = peek();
    Json j;
    if (c == '{') {
      ++i_;
      auto obj = std::make_shared<Json::Object>();
      if (peek() == '}') {
        ++i_;
      } else {
        for (;;) {
          if (peek() != '"') fail("key expected");
          std::string key = string();
          if (peek() != ':') fail("colon expected");
          ++i_;
          if (!obj->emplace(key, value()).second) fail("duplicate key");
          const char d = peek();
          ++i_;
          if (d == '}') break;
          if (d != ',') fail("comma expected");
        }
      }
      j.v = obj;
    } else if (c == '[') {
      ++i_;
      auto arr = std::make_shared<Json::Array>();
      if (peek() == ']') {
        ++i_;
      } else {
        for (;;) {
          arr->push_back(value());
          const char d = peek();
          ++i_;
          if (d == ']') break;
          if (d != ',') fail("comma expected");
        }
      }
      j.v = arr;
    } else if (c == '"') {
      j.v = string();
    } else if (c == 't') {
      expect("true");
      j.v = true;
    } else if (c == 'f') {
      expect("false");
      j.v = false;
    } else if (c == 'n') {
      expect("null");
      j.v = nullptr;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t start = i_;
      if (s_[i_] == '-') ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') fail("digit expected");
      if (s_[i_] == '0' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
        fail("leading zero");
      }
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      j.v = static_cast<std::int64_t>(std::stoll(std::string(s_.substr(start, i_ - start))));
    } else {
      fail("value expected");
    }
    return j;
  }

  unsigned hex4() {
    if (i_ + 4 > s_.size()) fail("short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<unsigned>(h - 'A' + 10);
      else
        fail("bad hex digit");
    }
    return v;
  }

  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::string string() {
    ++i_;  // opening quote
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') break;
      if (c < 0x20) fail("raw control character in string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xd800 && cp < 0xdc00) {
            expect("\\u");
            const unsigned lo = hex4();
            if (lo < 0xdc00 || lo > 0xdfff) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            fail("lone low surrogate");
          }
          utf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
      }
    }
    return out;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

Json json_parse(std::string_view text) {
  return Parser(text).document();
}

}  // namespace checkpw::test
