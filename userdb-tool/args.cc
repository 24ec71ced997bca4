// The command line: a parser over the command table (commands.cc)
// that accepts options before or after the positional arguments ("--opt value" or
// "--opt=value"; "--" ends options). There is deliberately no option that takes a
// password.
#include <algorithm>
#include <cstdlib>

#include "store/location.h"
#include "tool.h"

namespace checkpw::tool {
namespace {

constexpr const char* kToolHead =
    "usage: userdb-tool [--db PATH] COMMAND [ARGS...]\n"
    "       userdb-tool COMMAND --help\n"
    "\n"
    "Manages the checkpw user database: an SQLite file or a postgresql:// URI.\n"
    "PATH: --db, else $CHECKPW_DB, else the line of " CHECKPW_LOCATION_FILE
    "\n"
    "when that file exists, else " CHECKPW_DBPATH
    ".\n"
    "\n"
    "Commands:\n";

constexpr const char* kToolTail =
    "\n"
    "No option takes a password: passwords come from the terminal (echo off) or, with\n"
    "--password-stdin, as one line on standard input.\n"
    "\n"
    "userdb-tool refuses to run setuid or setgid: give administrators access to the\n"
    "database file instead.\n"
    "\n"
    "Exit codes: 0 done; 1 refused (user exists, no such user, wrong password for\n"
    "verify); 2 usage or invalid input; 111 temporary failure (database busy past its\n"
    "timeout, I/O error, out of memory).\n"
    "\n"
    "Every command, option and setting, with examples: userdb-tool(8).\n";

}  // namespace

std::string help_text(std::string_view command) {
  const Command* c = find_command(command);
  if (c == nullptr) {
    std::string text = kToolHead;
    for (const Command& row : commands()) {
      std::string head = std::string(row.name) + " " + row.synopsis;
      // A synopsis too long for the column puts its summary on a line of its own.
      if (head.size() >= 25) {
        text += "  " + head + "\n" + std::string(27, ' ') + row.summary + "\n";
        continue;
      }
      head.resize(25, ' ');
      text += "  " + head + row.summary + "\n";
    }
    return text + kToolTail;
  }
  std::string text = c->help;
  if (command == "config") {
    for (const SettingKey& s : setting_keys()) {
      text += "  " + std::string(s.name) + "\n      " + s.help + "\n";
    }
  }
  return text;
}

Result<Invocation> parse_args(int argc, char** argv) {
  Invocation inv;
  std::optional<std::string> db;
  const Command* spec = nullptr;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    if (options_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (spec == nullptr) {
        spec = find_command(arg);
        if (spec == nullptr) return usage_error("unknown command " + printable(arg));
        inv.command = arg;
      } else {
        inv.args.push_back(arg);
      }
      continue;
    }
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    if (arg == "--help") {
      inv.help = true;
      continue;
    }
    const bool is_db = arg == "--db";
    const bool is_valued = is_db || (spec != nullptr && spec->valued.count(arg) != 0);
    const bool is_flag = spec != nullptr && spec->flags.count(arg) != 0;
    if (!is_valued && !is_flag) {
      return usage_error("unknown option " + printable(arg) +
                         (spec != nullptr ? " for " + inv.command : std::string()));
    }
    if (is_flag) {
      if (value) return usage_error(arg + " takes no value");
      inv.options[arg];
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) return usage_error(arg + " needs a value");
      value = argv[++i];
    }
    if (is_db) {
      db = *value;
    } else {
      inv.options[arg].push_back(*value);
    }
  }
  if (inv.help) return inv;
  if (spec == nullptr) return usage_error("no command given (see userdb-tool --help)");
  if (inv.args.size() < spec->min_args || inv.args.size() > spec->max_args) {
    return usage_error("wrong number of arguments for " + inv.command + " (see userdb-tool " +
                       inv.command + " --help)");
  }
  for (const auto& [opt, values] : inv.options) {
    if (opt != "--clear" && values.size() > 1) return usage_error(opt + " given twice");
  }
  if (db) {
    inv.db_path = *db;
  } else {
    auto location = store_location(std::getenv("CHECKPW_DB"));
    if (!location)
      return failure(Verdict::kTempFail, "find the database", location.error().message);
    inv.db_path = std::move(location.value());
  }
  if (inv.db_path.empty()) return usage_error("empty database path");
  inv.db_shown = location_shown(inv.db_path);
  return inv;
}

}  // namespace checkpw::tool
