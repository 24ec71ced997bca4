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

Result<StoreRef> open_for_write(const Invocation& inv) {
  const std::string what = "open database " + printable(inv.db_shown);
  auto s = admin_store_open(inv.db_path, AdminAccess::kWrite);
  if (!s) return as(s.error(), what);
  auto v = (*s)->schema_version();
  if (!v) return as(v.error(), what);
  if (auto r = schema_version_check(*v, SchemaUse::kCurrent); !r) return as(r.error(), what);
  return StoreRef(std::move(s.value()));
}

Result<StoreRef> open_for_read(const Invocation& inv) {
  auto s = admin_store_open(inv.db_path, AdminAccess::kRead);
  if (!s) return as(s.error(), "open database " + printable(inv.db_shown));
  return StoreRef(std::move(s.value()));
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

void keep_wal_files(AdminStore& s) {
  // No earlier version of what was changed may stay behind in the WAL (doc/design.md
  // section 7); the change itself is committed either way.
  for (const std::string& w : s.after_write()) warn(w);
}

}  // namespace checkpw::tool
