// The steps of one checkpassword login, in the order checkpw/main.cc and
// cram-md5-checkpw/main.cc call them (doc/design.md sections 2-8). Each step takes the
// Decision so far: a step that fails sets its verdict and reason, and every later step
// sees that and does only what a failed login still needs (closing fd 3, the delay, the
// log line). Nothing here exits: main turns the last verdict into the exit status.
#pragma once

#include <time.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/decision.h"
#include "auth/identity.h"
#include "auth/request.h"
#include "store/store.h"

namespace checkpw {

inline constexpr int kRequestFd = 3;

// The whole login of `prog`, every step below in order, and the exit status (when the
// subprogram was not exec'd): the one body of checkpw's and cram-md5-checkpw's main.
// Anything unexpected is 111, never 0 or 1.
int login_main(const char* prog, Program program, int argc, char** argv) noexcept;

// Where this run's store is, worked out once, before anything else (doc/design.md
// section 7): CHECKPW_DB only when the run is not secure, else the location file's line,
// else DBPATH. Passed on as a value: the location file is read once per process.
struct Where {
  bool secure = true;         // as process_secure() said when it was worked out
  std::string location;       // may hold a password
  std::string error;          // why there is none (an unsafe location file): 111
  std::string handoff_error;  // why no PostgreSQL build could take over (step 0)
};
Where store_where(bool secure);

// One run of a program: who called, how, from where, and against which store.
struct Run {
  const char* prog = "checkpw";  // for log lines
  Program program = Program::kCheckpw;
  ProcessInfo proc;
  Caller caller;
  std::string remote;          // $TCPREMOTEIP, logged escaped, never trusted
  Where where;                 // the store
  struct timespec arrived {};  // CLOCK_MONOTONIC when the request was read
  long long started_ms = 0;    // deadline_now_ms() at run_start
};

// 0. In a build without the PostgreSQL client (store_has_postgres() false), a run whose
// location is a postgresql:// URI becomes the build with it: `program` in HELPERDIR
// (config.mk, compiled in), exec'd with the same arguments, environment and fd 3, before
// anything is read from fd 3 or any process state changes (so that the build it becomes
// is secure exactly when this run is: a setuid run stays euid 0 with the caller's real
// uid). Returns when there is nothing to hand over or the exec failed: the reason is
// kept in `where` for the login's 111 (store_read).
void pg_build_take_over(const char* program, char** argv, Where& where);

// Reads what the caller may steer (only when not secure) into a Run.
Run run_start(const char* prog, Program program, const ProcessInfo& proc, Where where);

// The deadline armed (start_deadline_ms() until the settings are read), libsodium
// initialized (its fast code paths are chosen here) and a subprogram named.
// On failure: kTempFail or kMisuse in `d`, and fd 3 closed unread.
[[nodiscard]] bool run_ready(Run& run, int argc, char** argv, Decision& d);

// Reads fd 3 (at most 512 bytes, then closed) and splits the fields.
[[nodiscard]] bool request_take(Run& run, Request& req, Decision& d);

// What the store says: settings and the account, read from a store opened read-only
// and closed again before this returns (SQLite: both from one snapshot).
// Once the settings are read, the deadline becomes deadline_ms plus failure_delay_ms.
struct Lookup {
  Settings settings;
  std::optional<Account> account;
};
[[nodiscard]] bool store_read(const Run& run, const Request& req, Lookup& found, Decision& d);

Login login_of(const Run& run, const Request& req);

// Best effort after the verdict, through a separate writable store that gives up on a
// busy writer quickly; a reader that may not write (group members) skips it.
void bookkeep(const Run& run, Decision& d);

// A rejection is answered failure_delay_ms after the request arrived (doc/design.md 4).
void answer_after_delay(const Run& run, const Decision& d);

// Acceptances: the environment (Dovecot's EXTRA, USER, HOME, SHELL), the identity the
// subprogram runs as (doc/design.md section 5), and a subprogram that can be executed.
void take_identity(const Run& run, char** argv, Decision& d);

// The one line per decision, where log_destination says (doc/design.md section 8).
void decision_log(const Run& run, const Decision& d);

// Wipes every secret and execs argv[1]. Returns only when there was nothing to exec or
// exec failed; the failure is then logged as a temporary failure.
[[nodiscard]] Verdict exec_subprogram(const Run& run, Decision& d, char** argv);

}  // namespace checkpw
