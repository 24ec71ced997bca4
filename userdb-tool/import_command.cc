// import: accounts from the files administrators come from, each read
// as its project documents it. Without --apply nothing is written and a report says what
// would happen; with it, everything goes in one transaction or nothing does. A line is
// never echoed (it may hold a password): reports give line numbers, field names, user
// names and scheme names only.
//   passwd-file  Dovecot: user:{SCHEME}password:uid:gid:gecos:home:shell:extra_fields
//   vpasswd      vpopmail, one domain: name:crypted:flags:gid-flags:gecos:dir:quota[:clear]
//   shadow       /etc/shadow (name:hash:...) joined by name with --passwd (/etc/passwd)
//   poppasswd    cmd5checkpw: login:password in clear, one pair per line (Dabrowski's
//                /etc/poppasswd, Hoffmann's QMAILHOME/users/authuser: the same layout)
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <vector>

#include "auth/password.h"
#include "core/cram_md5.h"
#include "core/hex.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

constexpr std::size_t kMaxInputBytes = 64u << 20;

// One account the input asks for: its stored hash, or the plaintext to hash on --apply.
struct Candidate {
  std::size_t line = 0;
  Account account;
  std::string plaintext;  // wiped on destruction
  std::string scheme;     // for the report: "argon2id", "sha512-crypt", "plaintext", ...
  Candidate() = default;
  Candidate(const Candidate&) = delete;
  Candidate& operator=(const Candidate&) = delete;
  Candidate(Candidate&&) = default;
  Candidate& operator=(Candidate&&) = default;
  ~Candidate() { wipe_string(plaintext); }
};

struct Parsed {
  std::size_t lines = 0;
  std::vector<Candidate> accounts;
  std::vector<std::string> malformed;  // "line N: why"
  std::vector<std::string> skipped;    // "line N (name): why"
};

std::vector<std::string> split(std::string_view line, char sep) {
  std::vector<std::string> out;
  for (;;) {
    const auto at = line.find(sep);
    out.emplace_back(line.substr(0, at));
    if (at == std::string_view::npos) return out;
    line.remove_prefix(at + 1);
  }
}

std::string at_line(std::size_t n) {
  return "line " + std::to_string(n);
}

// The lines of `text` with their numbers, blank lines and # comments left out.
std::vector<std::pair<std::size_t, std::string>> content_lines(std::string& text) {
  std::vector<std::pair<std::size_t, std::string>> out;
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') {
      wipe_string(line);
      continue;
    }
    out.emplace_back(n, std::move(line));
  }
  wipe_string(text);
  return out;
}

// FILE or standard input, whole, but never more than kMaxInputBytes + 1 bytes read (a
// /dev/zero or an endless pipe is refused, not swallowed). It holds passwords: a buffer
// outgrown is wiped before it is freed, and so is everything read when it is refused.
Result<std::string> read_input(const std::string& path) {
  int fd = STDIN_FILENO;
  if (path != "-") {
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Error{Verdict::kMisuse, "cannot read " + printable(path)};
  }
  std::string text(std::size_t{64} << 10, '\0');
  std::size_t used = 0;
  std::optional<Error> failed;
  while (!failed) {
    if (used == text.size()) {
      std::string bigger(std::min(text.size() * 2, kMaxInputBytes + 1), '\0');
      std::memcpy(bigger.data(), text.data(), used);
      wipe_string(text);
      text.swap(bigger);
    }
    const ssize_t n = read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = Error{Verdict::kMisuse, "cannot read " + printable(path)};
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
    if (used > kMaxInputBytes) failed = Error{Verdict::kMisuse, "input larger than 64 MiB"};
  }
  if (fd != STDIN_FILENO) close(fd);
  if (failed) {
    wipe_string(text);
    return *failed;
  }
  text.resize(used);
  return text;
}

// A stored crypt(3) or Argon2id string we can verify, of the scheme `want` (empty: any
// crypt(3) scheme). Its scheme name, or "" when it is none of those.
std::string usable_hash(const std::string& h, std::string_view want) {
  const std::string scheme = password_scheme(h);
  if (scheme == "invalid" || scheme == "cram-md5") return "";
  if (want.empty()) return scheme == "argon2id" ? "" : scheme;
  return scheme == want ? scheme : "";
}

// Optional numeric id, path fields: "" is absent; anything else must be what add accepts.
Status id_field(const std::string& v, const char* what, std::optional<std::uint32_t>& out) {
  if (v.empty()) return ok_status();
  auto id = parse_id(v, what);
  if (!id) return id.error();
  out = *id;
  return ok_status();
}

Status path_field(const std::string& v, const char* what, std::optional<std::string>& out) {
  if (v.empty()) return ok_status();
  if (auto r = user_path_check(v, what); !r) return r;
  out = v;
  return ok_status();
}

// Dovecot's {SCHEME}: the schemes whose strings we keep as they are, and how we know them.
const std::map<std::string, std::string, std::less<>> kDovecotCrypt = {
    {"ARGON2ID", "argon2id"},   {"SHA512-CRYPT", "sha512-crypt"}, {"SHA256-CRYPT", "sha256-crypt"},
    {"MD5-CRYPT", "md5-crypt"}, {"BLF-CRYPT", "bcrypt"},          {"CRYPT", ""},
};

// The password field of a passwd-file line into `c`; an error names what is wrong.
Status passwd_file_password(std::string field, Candidate& c) {
  std::string scheme = "CRYPT";  // Dovecot's default_pass_scheme
  if (!field.empty() && field[0] == '{') {
    const auto close = field.find('}');
    if (close == std::string::npos) return Error{Verdict::kMisuse, "unterminated {SCHEME}"};
    scheme = field.substr(1, close - 1);
    for (char& ch : scheme) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    field.erase(0, close + 1);
  }
  if (scheme == "PLAIN" || scheme == "CLEAR" || scheme == "CLEARTEXT") {
    if (field.empty()) return Error{Verdict::kMisuse, "empty plaintext password"};
    c.plaintext = std::move(field);
    c.scheme = "plaintext";
    return ok_status();
  }
  if (scheme == "CRAM-MD5") {
    // Dovecot's 64 hex digits: the same 32-byte state we store. Plaintext logins are
    // verified against it until the first success stores an Argon2id hash.
    const auto digits =
        std::span(reinterpret_cast<const unsigned char*>(field.data()), field.size());
    if (!hex_decode(c.account.cram_md5, digits)) {
      wipe_string(field);
      return Error{Verdict::kMisuse, "a {CRAM-MD5} password is 64 hex digits"};
    }
    wipe_string(field);
    c.account.has_cram_md5 = true;
    c.account.hash = std::string(kCramMd5OnlyHash);
    c.scheme = "cram-md5";
    return ok_status();
  }
  const auto known = kDovecotCrypt.find(scheme);
  if (known == kDovecotCrypt.end()) {
    return Error{Verdict::kMisuse, "scheme {" + printable(scheme) + "} is not supported"};
  }
  const std::string got = usable_hash(field, known->second);
  if (got.empty()) {
    return Error{Verdict::kMisuse, "the password is not a {" + scheme +
                                       "} string we can verify (DES crypt is not supported)"};
  }
  c.account.hash = std::move(field);
  c.scheme = got;
  return ok_status();
}

void parse_passwd_file(std::string text, Parsed& p) {
  for (auto& [n, line] : content_lines(text)) {
    ++p.lines;
    std::vector<std::string> f = split(line, ':');
    wipe_string(line);
    Candidate c;
    c.line = n;
    auto bad = [&, n = n](const std::string& why) {
      p.malformed.push_back(at_line(n) + ": " + why);
    };
    if (f.size() < 2) {
      bad("fewer than 2 fields");
      continue;
    }
    c.account.name = f[0];
    Status ok = user_name_check(f[0]);
    if (ok) ok = passwd_file_password(f[1], c);
    if (ok && f.size() > 2) ok = id_field(f[2], "uid", c.account.uid);
    if (ok && f.size() > 3) ok = id_field(f[3], "gid", c.account.gid);
    if (ok && f.size() > 5) ok = path_field(f[5], "home", c.account.home);
    if (ok && f.size() > 6) ok = path_field(f[6], "shell", c.account.shell);
    wipe_string(f[1]);
    if (!ok) {
      bad(ok.error().message);
      continue;
    }
    // extra_fields: "nologin" (Dovecot refuses the login) imports a disabled account.
    for (std::size_t i = 7; i < f.size(); ++i) {
      std::istringstream words(f[i]);
      for (std::string w; words >> w;) {
        if (w == "nologin" || w.rfind("nologin=", 0) == 0) c.account.enabled = false;
      }
    }
    p.accounts.push_back(std::move(c));
  }
}

void parse_vpasswd(std::string text, const std::string& domain, Parsed& p) {
  for (auto& [n, line] : content_lines(text)) {
    ++p.lines;
    std::vector<std::string> f = split(line, ':');
    wipe_string(line);
    auto bad = [&, n = n](const std::string& why) {
      p.malformed.push_back(at_line(n) + ": " + why);
    };
    if (f.size() < 6) {
      bad("fewer than 6 fields");
      continue;
    }
    Candidate c;
    c.line = n;
    c.account.name = f[0] + "@" + domain;
    Status ok = user_name_check(c.account.name);
    // Fields 3 and 4 are vpopmail's flags, not ids; the mailbox is field 6.
    if (ok) ok = path_field(f[5], "dir", c.account.home);
    if (ok && f.size() > 7 && !f[7].empty()) {
      c.plaintext = f[7];
      c.scheme = "plaintext";
    } else if (ok) {
      c.scheme = usable_hash(f[1], "");
      if (c.scheme.empty()) {
        ok = Error{Verdict::kMisuse,
                   "the crypted password is not a crypt(3) string we can verify and there is "
                   "no clear one (DES crypt is not supported)"};
      }
      c.account.hash = f[1];
    }
    for (std::string& field : f) wipe_string(field);
    if (!ok) {
      bad(ok.error().message);
      continue;
    }
    p.accounts.push_back(std::move(c));
  }
}

void parse_shadow(std::string shadow, std::string passwd, Parsed& p) {
  struct PasswdEntry {
    std::optional<std::uint32_t> uid, gid;
    std::optional<std::string> home, shell;
    bool root = false;
  };
  std::map<std::string, PasswdEntry, std::less<>> users;
  for (auto& [n, line] : content_lines(passwd)) {
    const std::vector<std::string> f = split(line, ':');
    if (f.size() < 7) {
      p.malformed.push_back("passwd " + at_line(n) + ": fewer than 7 fields");
      continue;
    }
    PasswdEntry e;
    e.root = f[2] == "0";
    if (!e.root) {
      Status ok = id_field(f[2], "uid", e.uid);
      if (ok) ok = id_field(f[3], "gid", e.gid);
      if (ok) ok = path_field(f[5], "home", e.home);
      if (ok) ok = path_field(f[6], "shell", e.shell);
      if (!ok) {
        p.malformed.push_back("passwd " + at_line(n) + ": " + ok.error().message);
        continue;
      }
    }
    users[f[0]] = std::move(e);
  }
  for (auto& [n, line] : content_lines(shadow)) {
    ++p.lines;
    std::vector<std::string> f = split(line, ':');
    wipe_string(line);
    const std::string where = at_line(n) + " (" + printable(f[0]) + ")";
    if (f.size() < 2) {
      p.malformed.push_back(at_line(n) + ": fewer than 2 fields");
      continue;
    }
    const std::string& hash = f[1];
    if (hash.empty() || hash[0] == '!' || hash[0] == '*') {
      p.skipped.push_back(where + ": locked or no password");
      continue;
    }
    const auto u = users.find(f[0]);
    if (u == users.end()) {
      p.skipped.push_back(where + ": not in the passwd file");
      continue;
    }
    if (u->second.root) {
      p.skipped.push_back(where + ": uid 0 is never a mail account");
      continue;
    }
    Candidate c;
    c.line = n;
    c.account.name = f[0];
    Status ok = user_name_check(f[0]);
    c.scheme = usable_hash(hash, "");
    if (ok && c.scheme.empty()) {
      ok = Error{Verdict::kMisuse,
                 "the hash is not a crypt(3) string we can verify (DES crypt is not supported)"};
    }
    c.account.hash = hash;
    for (std::string& field : f) wipe_string(field);
    if (!ok) {
      p.malformed.push_back(at_line(n) + ": " + ok.error().message);
      continue;
    }
    c.account.uid = u->second.uid;
    c.account.gid = u->second.gid;
    c.account.home = u->second.home;
    c.account.shell = u->second.shell;
    p.accounts.push_back(std::move(c));
  }
}

// cmd5checkpw splits each line with strtok(":") and takes the login and the password
// up to the next ':'. A line with a third field therefore did not mean what it says (a
// password "a:b" logged in as "a"): it is malformed here, for the administrator to decide.
void parse_poppasswd(std::string text, Parsed& p) {
  for (auto& [n, line] : content_lines(text)) {
    ++p.lines;
    std::vector<std::string> f = split(line, ':');
    wipe_string(line);
    const std::string name = f[0];
    const std::size_t count = f.size();
    Candidate c;
    c.line = n;
    c.account.name = name;
    c.plaintext = count > 1 ? f[1] : "";
    c.scheme = "plaintext";
    for (std::string& field : f) wipe_string(field);
    if (count != 2) {
      p.malformed.push_back(at_line(n) + ": " + (count < 2 ? "no ':'" : "more than 2 fields") +
                            " (cmd5checkpw's file is login:password, a password without ':')");
      continue;
    }
    if (Status ok = user_name_check(name); !ok) {
      p.malformed.push_back(at_line(n) + ": " + ok.error().message);
      continue;
    }
    if (c.plaintext.empty()) {
      p.skipped.push_back(at_line(n) + " (" + printable(name) +
                          "): no password (cmd5checkpw refused it too)");
      continue;
    }
    p.accounts.push_back(std::move(c));
  }
}

void report_list(const char* title, const std::vector<std::string>& items) {
  out(std::string("  ") + title + ": " + std::to_string(items.size()) + "\n");
  for (const std::string& i : items) out("    " + i + "\n");
}

}  // namespace

Status cmd_import(const Invocation& inv) {
  const std::string* format = inv.last("--format");
  if (format == nullptr)
    return usage_error("import needs --format passwd-file, vpasswd, shadow or poppasswd");
  const std::string& path = inv.args[0];
  auto text = read_input(path);
  if (!text) return as(text.error(), "import");
  Parsed p;
  if (*format == "passwd-file") {
    parse_passwd_file(std::move(*text), p);
  } else if (*format == "vpasswd") {
    const std::string* domain = inv.last("--domain");
    Settings probe;
    if (domain == nullptr || domain->empty() || !setting_parse(probe, "default_domain", *domain)) {
      return usage_error("vpasswd needs --domain DOMAIN, a DNS name");
    }
    parse_vpasswd(std::move(*text), *domain, p);
  } else if (*format == "shadow") {
    const std::string* passwd = inv.last("--passwd");
    if (passwd == nullptr) return usage_error("shadow needs --passwd FILE (for uid, gid and home)");
    auto ptext = read_input(*passwd);
    if (!ptext) return as(ptext.error(), "import");
    parse_shadow(std::move(*text), std::move(*ptext), p);
  } else if (*format == "poppasswd") {
    parse_poppasswd(std::move(*text), p);
  } else {
    return usage_error("unknown format " + printable(*format) +
                       " (passwd-file, vpasswd, shadow or poppasswd)");
  }
  // Names twice in the input are malformed; names the database has already are refused.
  std::map<std::string, std::size_t, std::less<>> first_line;
  for (const Candidate& c : p.accounts) {
    const auto [it, fresh] = first_line.emplace(c.account.name, c.line);
    if (!fresh) {
      p.malformed.push_back(at_line(c.line) + ": " + printable(c.account.name) +
                            " already on line " + std::to_string(it->second));
    }
  }
  auto u = inv.has("--apply") ? open_for_write(inv) : open_for_read(inv);
  if (!u) return u.error();
  std::vector<std::string> existing;
  std::map<std::string, std::size_t> schemes;
  for (const Candidate& c : p.accounts) {
    auto found = (*u)->find(c.account.name);
    if (!found) return as(found.error(), "look up " + printable(c.account.name));
    if (found->has_value()) existing.push_back(printable(c.account.name));
    ++schemes[c.scheme];
  }
  std::string by_scheme;
  for (const auto& [s, n] : schemes) {
    by_scheme += (by_scheme.empty() ? " (" : ", ") + s + ": " + std::to_string(n);
  }
  if (!by_scheme.empty()) by_scheme += ")";
  out("import --format " + *format + " from " + printable(path) + "\n");
  out("  lines read: " + std::to_string(p.lines) + "\n");
  out("  accounts: " + std::to_string(p.accounts.size()) + by_scheme + "\n");
  report_list("skipped", p.skipped);
  report_list("cannot be imported", p.malformed);
  report_list("already in the database", existing);
  // Kept as given (a Dovecot passwd-file may leave the gid to mail_gid), but said: the
  // programs never guess the other half of an identity.
  std::vector<std::string> half;
  for (const Candidate& c : p.accounts) {
    if (c.account.uid.has_value() != c.account.gid.has_value()) {
      half.push_back(printable(c.account.name));
    }
  }
  if (!half.empty()) {
    report_list("a uid without a gid or a gid without a uid", half);
    out("  the programs run as root (qmail-popup) answer 111 for these until userdb-tool set "
        "gives them both ids\n");
  }
  const std::size_t legacy =
      schemes.size() - schemes.count("plaintext") - schemes.count("argon2id");
  if (legacy > 0) {
    out("  crypt(3) hashes are kept and replaced by Argon2id (with a CRAM-MD5 secret) at each "
        "account's next successful plaintext login\n");
  }
  if (!p.malformed.empty()) {
    return failure(Verdict::kMisuse, "import",
                   std::to_string(p.malformed.size()) +
                       " line(s) cannot be imported; nothing "
                       "was changed");
  }
  if (!existing.empty()) {
    return failure(Verdict::kReject, "import",
                   std::to_string(existing.size()) +
                       " account(s) exist already; nothing was "
                       "changed");
  }
  if (!inv.has("--apply")) {
    out("would import " + std::to_string(p.accounts.size()) +
        " account(s); nothing changed (run with --apply)\n");
    return ok_status();
  }
  auto settings = (*u)->settings();
  if (!settings) return as(settings.error(), "read settings");
  std::vector<Account> rows;
  rows.reserve(p.accounts.size());
  for (Candidate& c : p.accounts) {
    if (!c.plaintext.empty()) {
      const auto pw =
          std::span(reinterpret_cast<const unsigned char*>(c.plaintext.data()), c.plaintext.size());
      auto hash = password_hash(pw, settings->cost);
      if (!hash) return as(hash.error(), "hash the password of " + printable(c.account.name));
      c.account.hash = std::move(hash.value());
      cram_md5_secret(pw, c.account.cram_md5);
      c.account.has_cram_md5 = true;
      wipe_string(c.plaintext);
    }
    rows.push_back(std::move(c.account));
  }
  if (auto r = (*u)->add_all(rows); !r) return as(r.error(), "import");
  keep_wal_files(**u);
  out("imported " + std::to_string(rows.size()) + " account(s)\n");
  return ok_status();
}

}  // namespace checkpw::tool
