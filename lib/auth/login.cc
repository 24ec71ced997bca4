#include "auth/login.h"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

#include "auth/deadline.h"
#include "auth/log.h"
#include "store/location.h"

namespace checkpw {
namespace {

bool env_is(const ProcessInfo& proc, const char* name, std::string_view value) {
  const char* v = trusted_env(proc, name);
  return v != nullptr && value == v;
}

Caller caller_of(const ProcessInfo& proc) {
  Caller c;
  c.lookup = env_is(proc, "AUTHORIZED", "1");
  c.credentials =
      c.lookup && env_is(proc, "CREDENTIALS_LOOKUP", "1") && env_is(proc, "SCHEME", "CRAM-MD5");
  // Dovecot always tells us the uid it expects the reply helper to keep.
  c.dovecot = c.lookup || trusted_env(proc, "ORIG_UID") != nullptr;
  return c;
}

void warn(const Run& run, const std::string& text) {
  const std::string line = std::string(run.prog) + ": warning: " + text + "\n";
  ssize_t ignored = write(2, line.data(), line.size());
  (void)ignored;
}

}  // namespace

Where store_where(bool secure) {
  Where where;
  where.secure = secure;
  // The one read of CHECKPW_DB outside trusted_env(): this runs before process_harden(),
  // which cannot come first (step 0 must exec the PostgreSQL build untouched).
  Result<std::string> location = store_location(secure ? nullptr : std::getenv("CHECKPW_DB"));
  if (location) {
    where.location = std::move(location.value());
  } else {
    where.error = location.error().message;
  }
  return where;
}

void pg_build_take_over(const char* program, char** argv, Where& where) {
  if (store_has_postgres() || !where.error.empty() || !pg_location(where.location)) return;
  const std::string build = std::string(program_helper_dir()) + "/" + program;
  execv(build.c_str(), argv);
  where.handoff_error = build + ": " + std::strerror(errno);
}

Run run_start(const char* prog, Program program, const ProcessInfo& proc, Where where) {
  Run run;
  run.prog = prog;
  run.program = program;
  run.proc = proc;
  run.caller = caller_of(proc);
  const char* remote = std::getenv("TCPREMOTEIP");  // logged escaped, never trusted
  run.remote = remote != nullptr ? remote : "";
  run.where = std::move(where);
  // The location was chosen by whether the run was secure: it must still be.
  if (run.where.secure != proc.secure) {
    wipe_string(run.where.location);
    run.where.error = "the process changed from secure to not secure, or back, while starting";
  }
  run.started_ms = deadline_now_ms();
  return run;
}

bool run_ready(Run& run, int argc, char** argv, Decision& d) {
  clock_gettime(CLOCK_MONOTONIC, &run.arrived);
  bool ok = true;
  if (!run.proc.hardened) {
    d.detail = "unable to take over the process state of a setuid run";
    d.set(Verdict::kTempFail, "harden-failed");
    ok = false;
  } else if (!deadline_arm(run.prog, run.remote, run.started_ms, start_deadline_ms())) {
    d.set(Verdict::kTempFail, "deadline-unavailable");
    ok = false;
  } else if (argc < 2 || argv[1] == nullptr || argv[1][0] == '\0') {
    d.set(Verdict::kMisuse, "no-subprogram");
    ok = false;
  }
  if (!ok) close(kRequestFd);
  return ok;
}

bool request_take(Run& run, Request& req, Decision& d) {
  const Verdict v = request_read(kRequestFd, req);
  clock_gettime(CLOCK_MONOTONIC, &run.arrived);
  if (v != Verdict::kAccept) {
    d.set(v, v == Verdict::kReject ? "request-too-long" : "fd3-unreadable");
    return false;
  }
  if (request_parse(req) != Verdict::kAccept) {
    d.set(Verdict::kMisuse, "malformed-request");
    return false;
  }
  return true;
}

bool store_read(const Run& run, const Request& req, Lookup& found, Decision& d) {
  auto fail = [&](const char* what, const Error& e) {
    d.detail = std::string("unable to ") + what + ": " + e.message;
    d.set(Verdict::kTempFail, "database-unavailable");
    return false;
  };
  if (!run.where.error.empty()) return fail("find the database", temp_error(run.where.error));
  Result<std::unique_ptr<Store>> store = store_open(run.where.location, StoreAccess::kDecide);
  if (!store && !run.where.handoff_error.empty()) {
    return fail("open database",
                temp_error(store.error().message + " (" + run.where.handoff_error + ")"));
  }
  if (!store) return fail("open database", store.error());
  // Closed on return: no handle (and no read transaction) stays open through the verify.
  const std::unique_ptr<Store> db = std::move(store.value());
  Result<Settings> settings = db->settings();
  if (!settings) return fail("read settings", settings.error());
  found.settings = std::move(settings.value());
  if (!deadline_arm(
          run.prog, run.remote, run.started_ms,
          static_cast<long long>(found.settings.deadline_ms) + found.settings.failure_delay_ms)) {
    d.set(Verdict::kTempFail, "deadline-unavailable");
    return false;
  }
  Result<std::optional<Account>> account = account_lookup(*db, found.settings, req.user);
  if (!account) return fail("look up user", account.error());
  found.account = std::move(account.value());
  return true;
}

Login login_of(const Run& run, const Request& req) {
  Login login;
  login.program = run.program;
  login.caller = run.caller;
  login.user = req.user;
  login.secret = req.secret;
  login.third = req.third;
  login.now = static_cast<std::int64_t>(std::time(nullptr));
  return login;
}

namespace {

// The writes themselves, in their own connection, closed on return; whether one was made.
bool record(const Run& run, Decision& d) {
  Result<std::unique_ptr<Store>> store = store_open(run.where.location, StoreAccess::kBookkeep);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  bool wrote = false;
  if (store && d.book.kind == Book::kFailure) {
    wrote = static_cast<bool>((*store)->record_failure(d.user, now, d.lockout));
  } else if (store) {
    wrote = static_cast<bool>((*store)->record_success(d.user, now));
    if (!d.book.fresh_hash.empty()) {
      CramSecret cram{};
      std::memcpy(cram.data(), d.book.fresh_cram.data(), cram.size());
      // Only while the stored hash is still the one verified: a password changed by an
      // administrator meanwhile is never undone.
      (void)(*store)->replace_hash(d.user, d.book.verified_hash, d.book.fresh_hash,
                                   d.book.fresh_has_cram ? &cram : nullptr, now);
      sodium_memzero(cram.data(), cram.size());
    }
  }
  d.book.fresh_cram.wipe();
  return wrote;
}

}  // namespace

void bookkeep(const Run& run, Decision& d) {
  if (d.book.kind == Book::kNone) return;
  // After record(): no store is open in this process now. A reader that could not write
  // (a group member) leaves the WAL to the writers.
  if (record(run, d)) store_tidy(run.where.location);
}

void answer_after_delay(const Run& run, const Decision& d) {
  if (d.verdict != Verdict::kReject || run.caller.lookup || d.failure_delay_ms <= 0) return;
  struct timespec until = run.arrived;
  until.tv_sec += d.failure_delay_ms / 1000;
  until.tv_nsec += static_cast<long>(d.failure_delay_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
}

void decision_log(const Run& run, const Decision& d) {
  LogEntry entry{run.prog, d.verdict, d.mech, run.remote, {}, d.reason};
  if (d.verdict == Verdict::kAccept || d.log_user_on_reject) {
    entry.user = {reinterpret_cast<const unsigned char*>(d.user.data()), d.user.size()};
  }
  if (!d.detail.empty()) warn(run, d.detail);
  // Accept and reject are the normal lines; temporary failures and misuse are errors,
  // which belong on stderr whatever the setting (Dovecot and qmail both log it).
  const bool normal = d.verdict == Verdict::kAccept || d.verdict == Verdict::kReject ||
                      d.verdict == Verdict::kUnknownUser;
  LogDestination to = d.log_to;
  // Dovecot logs every stderr line as an error: a normal decision goes to syslog there.
  if (run.caller.dovecot && to == LogDestination::kStderr) to = LogDestination::kSyslog;
  if (!normal) {
    log_line_stderr(entry);
    if (to == LogDestination::kSyslog) log_line_syslog(entry);
  } else if (to == LogDestination::kStderr) {
    log_line_stderr(entry);
  } else if (to == LogDestination::kSyslog) {
    log_line_syslog(entry);
  }
}

int login_main(const char* prog, Program program, int argc, char** argv) noexcept {
  try {
    // 0. Where the store is; a PostgreSQL location goes to the build with the PostgreSQL
    //    client, untouched.
    Where where = store_where(process_secure());
    pg_build_take_over(prog, argv, where);
    // 1. Harden before reading anything the caller controls.
    Run run = run_start(prog, program, process_harden(), std::move(where));
    Decision d;  // a temporary failure until the steps decide otherwise
    if (run_ready(run, argc, argv, d)) {
      Request req;   // wiped when this scope closes
      Lookup found;  // settings and account (the store is closed again)
      // 2. Read fd 3.  3. Look up the account.  4. Decide.
      if (request_take(run, req, d) && store_read(run, req, found, d)) {
        decide(login_of(run, req), found.settings, found.account, d);
      }
    }
    bookkeep(run, d);             // 5. Best effort; never changes the verdict.
    answer_after_delay(run, d);   // 6. Rejections: failure_delay_ms after the request.
    take_identity(run, argv, d);  // 7. Environment and identity (acceptances only).
    decision_log(run, d);         // 8. One line, never a secret.
    return exit_code(exec_subprogram(run, d, argv));  // 9. Returns only if exec failed.
  } catch (...) {
    return exit_code(Verdict::kTempFail);  // never 0 or 1 for a failure of our own
  }
}

}  // namespace checkpw
