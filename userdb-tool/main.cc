// userdb-tool: the administrator's command for the user database, and its only writer
// of accounts. Commands are rows of the table in commands.cc; this file sets up the
// process, parses the command line, runs the command's row and maps the outcome to an
// exit code (0 done, 1 refused, 2 usage or invalid input, 111 temporary), with one
// catch-all for anything unexpected.
#include <sodium.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "tool.h"

using namespace checkpw;

int main(int argc, char** argv) {
  try {
    // Passwords pass through this process: no core dumps, private files only.
    prctl(PR_SET_DUMPABLE, 0);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    umask(077);
    if (sodium_init() < 0) {
      std::fprintf(stderr, "%s: fatal: unable to initialize libsodium\n", tool::kProg);
      return exit_code(Verdict::kTempFail);
    }
    // Installed setuid, the tool would write any database a caller names with --db, as
    // its owner. Administrators get access to the file instead; we never run so.
    if (getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid()) {
      std::fprintf(stderr, "%s: fatal: refusing to run setuid or setgid\n", tool::kProg);
      return exit_code(Verdict::kMisuse);
    }
    auto inv = tool::parse_args(argc, argv);
    if (!inv) {
      std::fprintf(stderr, "%s: fatal: %s\n", tool::kProg, inv.error().message.c_str());
      return exit_code(inv.error().verdict);
    }
    if (inv->help) {
      std::fputs(tool::help_text(inv->command).c_str(), stdout);
      return std::fflush(stdout) == 0 ? 0 : exit_code(Verdict::kTempFail);
    }
    const tool::Command* command = tool::find_command(inv->command);
    auto done = command != nullptr ? command->run(*inv) : Status(tool::usage_error("no command"));
    if (!done) {
      std::fprintf(stderr, "%s: fatal: %s\n", tool::kProg, done.error().message.c_str());
      return exit_code(done.error().verdict);
    }
    if (std::fflush(stdout) != 0) {
      std::fprintf(stderr, "%s: fatal: unable to write output\n", tool::kProg);
      return exit_code(Verdict::kTempFail);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: fatal: internal error: %s\n", tool::kProg, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: fatal: internal error\n", tool::kProg);
  }
  return exit_code(Verdict::kTempFail);
}
