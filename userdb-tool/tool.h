// userdb-tool's internal interface: the command table (commands.cc), the parsed command
// line (args.cc), password input (prompt.cc), text and JSON rendering (output.cc), the
// helpers every command shares (common.cc) and the commands, one file per group
// (database_commands.cc, account_commands.cc, report_commands.cc).
// Every failure is an Error whose verdict picks the exit code through exit_code() and
// whose message reads "unable to <verb> <object>: <reason>"; main prints it.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret_buffer.h"
#include "store/admin_store.h"

namespace checkpw::tool {

inline constexpr const char* kProg = "userdb-tool";
inline constexpr std::size_t kPasswordMax = 1024;  // bytes
// Room for the longest password, its line end (CR LF), and one byte to notice a longer one.
using PasswordBuffer = SecretBuffer<kPasswordMax + 3>;

struct Invocation {
  std::string db_path;
  std::string db_shown;  // db_path for messages: a PostgreSQL URI without its password
  std::string command;   // empty: the tool's own --help
  bool help = false;
  std::vector<std::string> args;                            // positional
  std::map<std::string, std::vector<std::string>> options;  // "--uid" -> values, in order
  bool has(const std::string& opt) const { return options.count(opt) != 0; }
  const std::string* last(const std::string& opt) const;
};

// One row of the command table: everything the parser, the help and the dispatch know.
struct Command {
  const char* name;
  const char* synopsis;  // its arguments, for the tool's --help
  const char* summary;   // one line for the tool's --help
  std::size_t min_args, max_args;
  std::set<std::string> flags;   // options without a value
  std::set<std::string> valued;  // options with a value (may repeat only if named so)
  Status (*run)(const Invocation&);
  const char* help;  // starts with the usage line
};

std::span<const Command> commands();
const Command* find_command(std::string_view name);

// --- the commands ---
Status cmd_init(const Invocation&);
Status cmd_config(const Invocation&);
Status cmd_check(const Invocation&);
Status cmd_add(const Invocation&);
Status cmd_passwd(const Invocation&);
Status cmd_del(const Invocation&);
Status cmd_enable(const Invocation&);
Status cmd_disable(const Invocation&);
Status cmd_set(const Invocation&);
Status cmd_unlock(const Invocation&);
Status cmd_show(const Invocation&);
Status cmd_list(const Invocation&);
Status cmd_verify(const Invocation&);
Status cmd_tune(const Invocation&);
Status cmd_export(const Invocation&);
Status cmd_import(const Invocation&);
Status cmd_copy(const Invocation&);

// --- common.cc ---
Error failure(Verdict v, std::string_view what, std::string_view reason);
inline Error usage_error(std::string_view reason) {
  return failure(Verdict::kMisuse, "parse command line", reason);
}
// Re-labels a library error with what we were doing.
Error as(const Error& e, std::string_view what);
void out(const std::string& s);
void warn(const std::string& s);
// "<verb> user <name>", the name made printable.
std::string user_obj(std::string_view verb, std::string_view name);
[[nodiscard]] Status check_name(const std::string& name, std::string_view verb);
// The store for a write (current schema; older ones must be migrated by init first).
// A store the tool opened: SQLite or PostgreSQL, by the location (admin_store.h).
using StoreRef = std::unique_ptr<AdminStore>;
[[nodiscard]] Result<StoreRef> open_for_write(const Invocation& inv);
[[nodiscard]] Result<StoreRef> open_for_read(const Invocation& inv);
// A uid or gid: decimal, 1 to 4294967294 (`what` names it in the error).
[[nodiscard]] Result<std::uint32_t> parse_id(const std::string& s, std::string_view what);
// After a write: the persistent WAL files the group's readers need (best effort).
void keep_wal_files(AdminStore& s);

// argv to Invocation; the database path from --db, CHECKPW_DB, or the compiled-in default.
[[nodiscard]] Result<Invocation> parse_args(int argc, char** argv);
// The help text of the tool ("" command) or of one command.
std::string help_text(std::string_view command);

// A password from standard input (one line, its line end removed) or from the terminal
// with echo off, asked twice when `confirm`. Refuses empty passwords, NUL bytes and more
// than kPasswordMax bytes (kMisuse).
[[nodiscard]] Status read_password(PasswordBuffer& out, bool from_stdin, bool confirm,
                                   std::string_view user);

// Names and paths as they may be shown on a terminal: control bytes become \xHH.
std::string printable(std::string_view s);
std::string account_text(const Account& a);
std::string account_json(const Account& a);
std::string accounts_table(const std::vector<Account>& all);
// Accounts whose hash is a crypt(3) string still to be replaced at a plaintext login.
std::size_t legacy_hash_count(const std::vector<Account>& all);
std::string accounts_json(const std::vector<Account>& all);
std::string json_string(std::string_view s);

}  // namespace checkpw::tool
