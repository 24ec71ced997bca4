// Moving accounts out of the database: export (issue 12, item 2). Dovecot's passwd-file
// (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/):
// user:{SCHEME}password:uid:gid:gecos:home:shell:extra_fields, one account a line, so that
// Dovecot's passdb passwd-file and `doveadm pw -t` take our hashes as they are.
#include <string>
#include <vector>

#include "auth/password.h"
#include "core/hex.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

// Dovecot's name for the scheme of one of our stored strings; nullptr for none.
const char* dovecot_scheme(std::string_view hash) {
  const std::string_view s = password_scheme(hash);
  if (s == "argon2id") return "ARGON2ID";
  if (s == "sha512-crypt") return "SHA512-CRYPT";
  if (s == "sha256-crypt") return "SHA256-CRYPT";
  if (s == "md5-crypt") return "MD5-CRYPT";
  if (s == "bcrypt") return "BLF-CRYPT";
  if (s == "yescrypt") return "CRYPT";     // Dovecot 2.3 hands it to the system's crypt(3)
  if (s == "cram-md5") return "CRAM-MD5";  // only the secret: written below
  return nullptr;
}

// A field of a passwd-file line may hold neither its separator nor a line end.
bool field_ok(std::string_view f) {
  return f.find_first_of(":\n\r") == std::string_view::npos;
}

std::string id_text(const std::optional<std::uint32_t>& id) {
  return id ? std::to_string(*id) : std::string();
}

}  // namespace

Status cmd_export(const Invocation& inv) {
  const std::string* format = inv.last("--format");
  if (format == nullptr || *format != "passwd-file") {
    return usage_error("export needs --format passwd-file");
  }
  auto u = open_for_read(inv);
  if (!u) return u.error();
  auto all = (*u)->list();
  if (!all) return as(all.error(), "list users");
  std::string text;
  std::vector<std::string> refused;
  for (const Account& a : *all) {
    const char* scheme = dovecot_scheme(a.hash);
    const std::string home = a.home.value_or(""), shell = a.shell.value_or("");
    if (!account_read_check(a) || scheme == nullptr || !field_ok(a.name) || !field_ok(home) ||
        !field_ok(shell) || !field_ok(a.hash)) {
      refused.push_back(printable(a.name));
      continue;
    }
    // What the programs refuse, Dovecot must refuse too.
    const bool may_log_in = a.enabled && !(a.uid && *a.uid == 0) && !(a.gid && *a.gid == 0);
    std::string password = a.hash;
    if (a.hash == kCramMd5OnlyHash) {
      if (!a.has_cram_md5) {
        refused.push_back(printable(a.name));
        continue;
      }
      password.assign(64, '\0');
      hex_encode(password, a.cram_md5);
    }
    text += a.name + ":{" + scheme + "}" + password + ":" + id_text(a.uid) + ":" + id_text(a.gid) +
            "::" + home + ":" + shell + ":" + (may_log_in ? "" : "nologin=y") + "\n";
  }
  if (!refused.empty()) {
    std::string list;
    for (const std::string& n : refused) list += (list.empty() ? "" : ", ") + n;
    return failure(Verdict::kReject, "export",
                   std::to_string(refused.size()) +
                       " account(s) cannot be written as a passwd-file line (a ':' or line "
                       "end in a field, or a hash Dovecot has no scheme for); nothing was "
                       "written: " +
                       list);
  }
  out(text);
  return ok_status();
}

}  // namespace checkpw::tool
