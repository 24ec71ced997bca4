// What every command shares: messages, output, names, and opening the store.
#include <charconv>
#include <cstdio>

#include "store/schema.h"
#include "tool.h"

namespace checkpw::tool {

const std::string* Invocation::last(const std::string& opt) const {
  const auto it = options.find(opt);
  return it == options.end() || it->second.empty() ? nullptr : &it->second.back();
}

Error failure(Verdict v, std::string_view what, std::string_view reason) {
  return {v, "unable to " + std::string(what) + ": " + std::string(reason)};
}

Error as(const Error& e, std::string_view what) {
  return failure(e.verdict, what, e.message);
}

void out(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void warn(const std::string& s) {
  std::fprintf(stderr, "%s: warning: %s\n", kProg, printable(s).c_str());
}

std::string user_obj(std::string_view verb, std::string_view name) {
  return std::string(verb) + " user " + printable(name);
}

Status check_name(const std::string& name, std::string_view verb) {
  if (auto r = user_name_check(name); !r) return as(r.error(), std::string(verb) + " user");
  return ok_status();
}

Result<SqliteStore> open_for_write(const Invocation& inv) {
  const std::string what = "open database " + printable(inv.db_path);
  auto s = SqliteStore::open(inv.db_path, SqliteStore::Mode::kAdmin);
  if (!s) return as(s.error(), what);
  auto v = s->schema_version();
  if (!v) return as(v.error(), what);
  if (auto r = schema_version_check(*v, SchemaUse::kCurrent); !r) return as(r.error(), what);
  return s;
}

Result<SqliteStore> open_for_read(const Invocation& inv) {
  auto s = SqliteStore::open(inv.db_path, SqliteStore::Mode::kDecide);
  if (!s) return as(s.error(), "open database " + printable(inv.db_path));
  return s;
}

Result<std::uint32_t> parse_id(const std::string& s, std::string_view what) {
  std::int64_t v = -1;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s[0] == '-' || s[0] == '+' || ec != std::errc() || p != s.data() + s.size()) {
    return Error{Verdict::kMisuse, std::string(what) + " must be a decimal number"};
  }
  if (auto r = user_id_check(v, what); !r) return r.error();
  return static_cast<std::uint32_t>(v);
}

void keep_wal_files(SqliteStore& s) {
  // No earlier version of what was changed may stay behind in the WAL (doc/design.md
  // section 7); the change itself is committed either way.
  if (auto r = s.wal_truncate(); !r) warn(r.error().message);
  if (auto r = s.ensure_wal_files(); !r) warn(r.error().message);
}

}  // namespace checkpw::tool
