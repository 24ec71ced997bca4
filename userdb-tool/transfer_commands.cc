// Moving accounts between stores (copy: SQLite to PostgreSQL, or back), and out of the
// database for Dovecot 2.4, which has no checkpassword driver (export). Dovecot's passwd-file
// (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/):
// user:{SCHEME}password:uid:gid:gecos:home:shell:extra_fields, one account a line, so that
// Dovecot's passdb passwd-file and `doveadm pw -t` take our hashes as they are.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "auth/password.h"
#include "core/hex.h"
#include "store/location.h"
#include "store/pg.h"
#include "store/schema.h"
#include "store/sqlite_store.h"
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

namespace {

// The copy's target, made when there is none: an SQLite file that does not exist yet, or
// a PostgreSQL database without the schema (an empty one: init refuses others).
Result<StoreRef> open_target(const std::string& to, const std::string& shown, bool& created) {
  const std::string what = "open target " + printable(shown);
  if (pg_location(to)) {
    auto probe = admin_store_open(to, AdminAccess::kInspect);
    if (!probe) return as(probe.error(), what);
    auto v = (*probe)->schema_version();
    if (!v) return as(v.error(), what);
    if (*v == 0) {
      auto others = (*probe)->unexpected_objects();
      if (!others) return as(others.error(), what);
      if (!others->empty()) {
        return failure(Verdict::kReject, what,
                       "the schema is not empty and not a checkpw schema; refusing it");
      }
    }
    if (auto m = (*probe)->migrate(); !m) return as(m.error(), what);
  } else {
    struct stat st {};
    if (lstat(to.c_str(), &st) != 0 && errno == ENOENT) {
      auto made = SqliteStore::create(to, std::nullopt);
      if (!made) return as(made.error(), what);
      created = true;
    }
  }
  auto s = admin_store_open(to, AdminAccess::kWrite);
  if (!s) return as(s.error(), what);
  auto v = (*s)->schema_version();
  if (!v) return as(v.error(), what);
  if (*v != kSchemaVersion) {
    return failure(Verdict::kTempFail, what,
                   "schema version " + std::to_string(*v) + ": run userdb-tool init on it first");
  }
  return s;
}

}  // namespace

Status cmd_copy(const Invocation& inv) {
  const std::string* from = inv.last("--from");
  const std::string* to = inv.last("--to");
  if (from == nullptr || to == nullptr) return usage_error("copy needs --from and --to");
  if (*from == *to) return usage_error("--from and --to name the same store");
  const std::string from_shown = location_shown(*from), to_shown = location_shown(*to);
  auto src = admin_store_open(*from, AdminAccess::kRead);
  if (!src) return as(src.error(), "open source " + printable(from_shown));
  auto all = (*src)->list();
  if (!all) return as(all.error(), "list the source's accounts");
  auto settings = (*src)->settings();
  if (!settings) return as(settings.error(), "read the source's settings");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const SettingKey& key : setting_keys()) pairs.emplace_back(key.name, key.format(*settings));
  bool created = false;
  Result<StoreRef> dst = open_target(*to, to_shown, created);
  // A copy that fails takes back the SQLite file it made (closed first), so that what
  // is left is what was there before: nothing.
  auto undo = [&](Error e) {
    if (!created) return e;
    dst = Error{};
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((*to + suffix).c_str());
    e.message += " (the new " + printable(to_shown) + " is removed again)";
    return e;
  };
  if (!dst) return undo(dst.error());
  if (auto r = (*dst)->restore_all(*all, pairs); !r) {
    return undo(as(r.error(), "copy into " + printable(to_shown)));
  }
  keep_wal_files(**dst);
  auto n = (*dst)->count();
  if (!n) return undo(as(n.error(), "count the copied accounts"));
  if (*n != static_cast<std::int64_t>(all->size())) {
    return undo(failure(Verdict::kTempFail, "copy",
                        "the target holds " + std::to_string(*n) + " accounts after copying " +
                            std::to_string(all->size())));
  }
  if (created) out("created " + printable(to_shown) + " (mode 0600)\n");
  out("copied " + std::to_string(all->size()) + " account(s) and " + std::to_string(pairs.size()) +
      " settings from " + printable(from_shown) + " to " + printable(to_shown) + "\n");
  return ok_status();
}

}  // namespace checkpw::tool
