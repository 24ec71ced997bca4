// userdb-tool's internal interface: the parsed command line (args.cc), password input
// (prompt.cc), text and JSON rendering (output.cc) and the commands (commands.cc).
// Every failure is an Error whose verdict picks the exit code through exit_code() and
// whose message reads "unable to <verb> <object>: <reason>"; main prints it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checkpw/result.h"
#include "checkpw/secret_buffer.h"
#include "checkpw/userdb.h"

namespace checkpw::tool {

inline constexpr const char* kProg = "userdb-tool";
inline constexpr std::size_t kPasswordMax = 1024;  // bytes
// Room for the longest password, its newline, and one byte to notice a longer one.
using PasswordBuffer = SecretBuffer<kPasswordMax + 2>;

struct Invocation {
  std::string db_path;
  std::string command;  // empty: the tool's own --help
  bool help = false;
  std::vector<std::string> args;                            // positional
  std::map<std::string, std::vector<std::string>> options;  // "--uid" -> values, in order
  bool has(const std::string& opt) const { return options.count(opt) != 0; }
  const std::string* last(const std::string& opt) const;
};

Error failure(Verdict v, std::string_view what, std::string_view reason);
inline Error usage_error(std::string_view reason) {
  return failure(Verdict::kMisuse, "parse command line", reason);
}

// argv to Invocation; the database path from --db, CHECKPW_DB (ignored when `secure`),
// or the compiled-in default.
[[nodiscard]] Result<Invocation> parse_args(int argc, char** argv, bool secure);
// The help text of the tool ("" command) or of one command.
std::string help_text(std::string_view command);

// A password from standard input (one line, one trailing newline removed) or from the
// terminal with echo off, asked twice when `confirm`. Refuses empty passwords, NUL
// bytes and more than kPasswordMax bytes (kMisuse).
[[nodiscard]] Status read_password(PasswordBuffer& out, bool from_stdin, bool confirm,
                                   std::string_view user);

// Names and paths as they may be shown on a terminal: control bytes become \xHH.
std::string printable(std::string_view s);
std::string account_text(const Account& a);
std::string account_json(const Account& a);
std::string accounts_table(const std::vector<Account>& all);
std::string accounts_json(const std::vector<Account>& all);
std::string json_string(std::string_view s);

[[nodiscard]] Status run_command(const Invocation& inv);

}  // namespace checkpw::tool
