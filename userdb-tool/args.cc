// The command line: one table of commands with their options and help, and a parser
// that accepts options before or after the positional arguments ("--opt value" or
// "--opt=value"; "--" ends options). There is deliberately no option that takes a
// password.
#include <cstdlib>
#include <set>

#include "tool.h"

namespace checkpw::tool {
namespace {

struct CommandSpec {
  const char* name;
  std::size_t min_args, max_args;
  std::set<std::string> flags;   // options without a value
  std::set<std::string> valued;  // options with a value (may repeat)
  const char* help;
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> kCommands = {
      {"init",
       0,
       0,
       {},
       {"--group"},
       "usage: userdb-tool [--db PATH] init [--group NAME]\n"
       "\n"
       "Creates the database with mode 0600, or 0640 and group NAME with --group, in\n"
       "WAL mode with persistent -wal and -shm files of the same mode and group (so\n"
       "members of that group can read it without write access to the directory).\n"
       "On an existing database it runs any pending schema migrations, restores\n"
       "missing -wal and -shm files, and says which it did; it never changes the\n"
       "database's mode or group, and refuses (exit 1) when --group names a group\n"
       "other than the file's.\n"},
      {"add",
       1,
       1,
       {"--no-cram-md5", "--password-stdin"},
       {"--uid", "--gid", "--home", "--shell"},
       "usage: userdb-tool [--db PATH] add USER [--uid N] [--gid N] [--home DIR]\n"
       "         [--shell PATH] [--no-cram-md5] [--password-stdin]\n"
       "\n"
       "Adds an enabled account. The password is asked twice on the terminal with echo\n"
       "off, or read as one line from standard input with --password-stdin (one\n"
       "trailing newline removed). It is stored as an Argon2id hash at the configured\n"
       "cost, plus the CRAM-MD5 secret (Dovecot's {CRAM-MD5} form) unless\n"
       "--no-cram-md5. USER: 1 to 255 bytes of UTF-8 without control characters.\n"
       "--uid and --gid: 1 to 4294967294 (0 is refused). --home and --shell: absolute\n"
       "paths. Exit 1 if USER exists.\n"},
      {"passwd",
       1,
       1,
       {"--password-stdin"},
       {},
       "usage: userdb-tool [--db PATH] passwd USER [--password-stdin]\n"
       "\n"
       "Sets a new password (asked twice on the terminal, or one line from standard\n"
       "input with --password-stdin). The CRAM-MD5 secret is replaced too if the\n"
       "account has one. Exit 1 if USER does not exist.\n"},
      {"del",
       1,
       1,
       {},
       {},
       "usage: userdb-tool [--db PATH] del USER\n"
       "\n"
       "Deletes the account. Exit 1 if USER does not exist.\n"},
      {"enable",
       1,
       1,
       {},
       {},
       "usage: userdb-tool [--db PATH] enable USER\n"
       "\n"
       "Lets the account log in again. Exit 1 if USER does not exist.\n"},
      {"disable",
       1,
       1,
       {},
       {},
       "usage: userdb-tool [--db PATH] disable USER\n"
       "\n"
       "Refuses every login to the account (its password is kept). Exit 1 if USER does\n"
       "not exist.\n"},
      {"set",
       1,
       1,
       {},
       {"--uid", "--gid", "--home", "--shell", "--clear"},
       "usage: userdb-tool [--db PATH] set USER [--uid N] [--gid N] [--home DIR]\n"
       "         [--shell PATH] [--clear FIELD]...\n"
       "\n"
       "Changes the account's ids and paths; --clear removes one (FIELD: uid, gid, home\n"
       "or shell) and may be repeated. Same rules as for add. Exit 1 if USER does not\n"
       "exist, 2 if nothing is to change.\n"},
      {"show",
       1,
       1,
       {"--json"},
       {},
       "usage: userdb-tool [--db PATH] show USER [--json]\n"
       "\n"
       "Shows the account: enabled, mechanisms it can use (plain, cram-md5), hash\n"
       "scheme, uid, gid, home, shell, created/changed/last-login times and failure\n"
       "counters; never a hash or secret. --json prints one JSON object (times in unix\n"
       "seconds). Exit 1 if USER does not exist.\n"},
      {"list",
       0,
       0,
       {"--json"},
       {},
       "usage: userdb-tool [--db PATH] list [--json]\n"
       "\n"
       "Lists every account, one per line (tab-separated, with a header), or as a JSON\n"
       "array of the objects `show --json` prints. Never a hash or secret.\n"},
      {"verify",
       1,
       1,
       {"--password-stdin"},
       {},
       "usage: userdb-tool [--db PATH] verify USER [--password-stdin]\n"
       "\n"
       "Checks a password the way the checkpassword programs do (read-only; counters are\n"
       "not touched). The password is asked once on the terminal, or read as one line\n"
       "from standard input with --password-stdin. Exit 0 if it is right, 1 if it is\n"
       "wrong or the account is disabled or does not exist, 111 if the stored hash is\n"
       "unusable or memory runs out.\n"},
      {"config",
       0,
       2,
       {},
       {},
       "usage: userdb-tool [--db PATH] config [KEY [VALUE]]\n"
       "\n"
       "Without KEY prints every setting as KEY=VALUE; with KEY prints its value; with\n"
       "VALUE validates and stores it (exit 2 for an unknown key or invalid value).\n"
       "\n"
       "Settings:\n"},
      {"check",
       0,
       0,
       {},
       {},
       "usage: userdb-tool [--db PATH] check\n"
       "\n"
       "Runs PRAGMA integrity_check, reports the schema version and the number of\n"
       "accounts, and audits permissions: a warning for the database, its -wal or -shm\n"
       "file, or its directory when anyone beyond the owner and the file's group can\n"
       "read or write them, when the group can write them, and when -wal or -shm is\n"
       "missing or differs from the database's mode and group. Exit 0 when the check\n"
       "passes (warnings included), 111 when the database is corrupt, unreadable or\n"
       "of another schema version.\n"},
  };
  return kCommands;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

constexpr const char* kToolHelp =
    "usage: userdb-tool [--db PATH] COMMAND [ARGS...]\n"
    "       userdb-tool COMMAND --help\n"
    "\n"
    "Manages the checkpw user database. PATH: --db, else $CHECKPW_DB, else " CHECKPW_DBPATH
    ".\n"
    "\n"
    "Commands:\n"
    "  init [--group NAME]      create the database, or migrate an existing one\n"
    "  add USER [options]       add an account (password asked twice, or --password-stdin)\n"
    "  passwd USER              set a new password\n"
    "  del USER                 delete an account\n"
    "  enable USER              allow logins\n"
    "  disable USER             refuse logins\n"
    "  set USER [options]       change uid, gid, home, shell\n"
    "  show USER [--json]       show an account (never a hash or secret)\n"
    "  list [--json]            list accounts\n"
    "  verify USER              check a password the way the servers do\n"
    "  config [KEY [VALUE]]     show or change settings\n"
    "  check                    integrity, schema version and permission audit\n"
    "\n"
    "No option takes a password: passwords come from the terminal (echo off) or, with\n"
    "--password-stdin, as one line on standard input.\n"
    "\n"
    "Exit codes: 0 done; 1 refused (user exists, no such user, wrong password for\n"
    "verify); 2 usage or invalid input; 111 temporary failure (database busy past its\n"
    "timeout, I/O error, out of memory).\n";

}  // namespace

const std::string* Invocation::last(const std::string& opt) const {
  const auto it = options.find(opt);
  return it == options.end() || it->second.empty() ? nullptr : &it->second.back();
}

Error failure(Verdict v, std::string_view what, std::string_view reason) {
  return {v, "unable to " + std::string(what) + ": " + std::string(reason)};
}

std::string help_text(std::string_view command) {
  const CommandSpec* c = find_command(command);
  if (c == nullptr) return kToolHelp;
  std::string text = c->help;
  if (command == "config") {
    for (const SettingInfo& s : setting_keys()) {
      text += "  " + std::string(s.key) + "\n      " + s.help + "\n";
    }
  }
  return text;
}

Result<Invocation> parse_args(int argc, char** argv, bool secure) {
  Invocation inv;
  std::optional<std::string> db;
  const CommandSpec* spec = nullptr;
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
  } else if (const char* env = secure ? nullptr : std::getenv("CHECKPW_DB");
             env != nullptr && *env != '\0') {
    inv.db_path = env;
  } else {
    inv.db_path = CHECKPW_DBPATH;
  }
  if (inv.db_path.empty()) return usage_error("empty database path");
  return inv;
}

}  // namespace checkpw::tool
