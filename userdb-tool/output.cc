// What `show` and `list` print. Built from an explicit list of fields, so a hash or a
// CRAM-MD5 secret cannot appear by accident: neither is ever read here.
#include <ctime>

#include "auth/password.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

std::string utc(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  char buf[32];
  if (gmtime_r(&tt, &tm) == nullptr ||
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(t);
  }
  return buf;
}

std::string mechanisms(const Account& a, const char* sep) {
  std::string m;
  if (std::string_view(password_scheme(a.hash)) != "invalid") m = "plain";
  if (a.has_cram_md5) m += m.empty() ? "cram-md5" : std::string(sep) + "cram-md5";
  return m.empty() ? "none" : m;
}

template <class T>
std::string or_dash(const std::optional<T>& v) {
  if (!v) return "-";
  if constexpr (std::is_same_v<T, std::string>) {
    return printable(*v);
  } else {
    return std::to_string(*v);
  }
}

template <class T>
std::string json_or_null(const std::optional<T>& v) {
  if (!v) return "null";
  if constexpr (std::is_same_v<T, std::string>) {
    return json_string(*v);
  } else {
    return std::to_string(*v);
  }
}

// Length of a valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80             ? 1
                  : (c & 0xe0) == 0xc0 ? 2
                  : (c & 0xf0) == 0xe0 ? 3
                  : (c & 0xf8) == 0xf0 ? 4
                                       : 0;
  if (n == 0 || i + n > s.size()) return 0;
  std::uint32_t cp = n == 1 ? c : c & (0x7fu >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3fu);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string printable(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '\\') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

// RFC 8259 section 7: quote, backslash and controls escaped; bytes that are not valid
// UTF-8 (possible only in rows written by something other than userdb-tool) become
// U+FFFD so the output always parses.
std::string json_string(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string account_text(const Account& a) {
  std::string s;
  s += "name: " + printable(a.name) + "\n";
  s += std::string("enabled: ") + (a.enabled ? "yes" : "no") + "\n";
  s += "mechanisms: " + mechanisms(a, " ") + "\n";
  s += std::string("scheme: ") + password_scheme(a.hash) + "\n";
  s += "uid: " + or_dash(a.uid) + "\n";
  s += "gid: " + or_dash(a.gid) + "\n";
  s += "home: " + or_dash(a.home) + "\n";
  s += "shell: " + or_dash(a.shell) + "\n";
  s += "created: " + utc(a.created) + "\n";
  s += "changed: " + utc(a.changed) + "\n";
  s += "last_login: " + (a.last_login ? utc(*a.last_login) : std::string("never")) + "\n";
  s += "failures: " + std::to_string(a.failures) + "\n";
  s += "total_failures: " + std::to_string(a.total_failures) + "\n";
  s += "locked_until: " + (a.locked_until ? utc(*a.locked_until) : std::string("-")) + "\n";
  return s;
}

std::string account_json(const Account& a) {
  std::string m = "[";
  if (std::string_view(password_scheme(a.hash)) != "invalid") m += "\"plain\"";
  if (a.has_cram_md5) m += m.size() > 1 ? ",\"cram-md5\"" : "\"cram-md5\"";
  m += "]";
  std::string s = "{";
  s += "\"name\":" + json_string(a.name);
  s += std::string(",\"enabled\":") + (a.enabled ? "true" : "false");
  s += ",\"mechanisms\":" + m;
  s += ",\"scheme\":" + json_string(password_scheme(a.hash));
  s += ",\"uid\":" + json_or_null(a.uid);
  s += ",\"gid\":" + json_or_null(a.gid);
  s += ",\"home\":" + json_or_null(a.home);
  s += ",\"shell\":" + json_or_null(a.shell);
  s += ",\"created\":" + std::to_string(a.created);
  s += ",\"changed\":" + std::to_string(a.changed);
  s += ",\"last_login\":" + json_or_null(a.last_login);
  s += ",\"failures\":" + std::to_string(a.failures);
  s += ",\"total_failures\":" + std::to_string(a.total_failures);
  s += ",\"window_failures\":" + std::to_string(a.window_failures);
  s += ",\"locked_until\":" + json_or_null(a.locked_until);
  return s + "}";
}

std::string accounts_table(const std::vector<Account>& all) {
  std::string s = "name\tenabled\tmechanisms\tuid\tgid\thome\tlast_login\tfailures\n";
  for (const Account& a : all) {
    s += printable(a.name) + "\t" + (a.enabled ? "yes" : "no") + "\t" + mechanisms(a, ",") + "\t" +
         or_dash(a.uid) + "\t" + or_dash(a.gid) + "\t" + or_dash(a.home) + "\t" +
         (a.last_login ? utc(*a.last_login) : std::string("never")) + "\t" +
         std::to_string(a.failures) + "\n";
  }
  const std::size_t legacy = legacy_hash_count(all);
  if (legacy > 0) {
    s += "# " + std::to_string(legacy) +
         " account(s) still have a crypt(3) hash, replaced by Argon2id at their next "
         "successful plaintext login\n";
  }
  return s;
}

std::size_t legacy_hash_count(const std::vector<Account>& all) {
  std::size_t n = 0;
  for (const Account& a : all) {
    const std::string_view s = password_scheme(a.hash);
    if (s != "argon2id" && s != "invalid") ++n;
  }
  return n;
}

std::string accounts_json(const std::vector<Account>& all) {
  std::string s = "[";
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i != 0) s += ",\n";
    s += account_json(all[i]);
  }
  return s + "]\n";
}

}  // namespace checkpw::tool
