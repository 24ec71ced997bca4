// cram-md5-checkpw: checkpassword for CRAM-MD5 (RFC 2195) responses in either field
// order, and plaintext passwords, so one program serves every mechanism a qmail-smtpd
// offers. Usage (by a server): cram-md5-checkpw subprogram [args...], request on fd 3.
// The login in its steps (doc/design.md sections 2-8); each is in lib/auth/login.h.
#include "auth/login.h"

using namespace checkpw;

int main(int argc, char** argv) {
  try {
    // 0. A PostgreSQL location goes to the build with the PostgreSQL client, untouched.
    pg_build_take_over("cram-md5-checkpw", argv);
    // 1. Harden before reading anything the caller controls.
    Run run = run_start("cram-md5-checkpw", Program::kCramMd5Checkpw, process_harden());
    Decision d;  // a temporary failure until the steps decide otherwise
    if (run_ready(run, argc, argv, d)) {
      Request req;   // wiped when this scope closes
      Lookup found;  // settings and account (the store is closed again)
      // 2. Read fd 3.  3. Look up the account.  4. Decide.
      if (request_take(run, req, d) && account_look_up(run, req, found, d)) {
        decide(login_of(run, req), found.settings, found.account, d);
      }
    }
    bookkeep(run, d);             // 5. Best effort; never changes the verdict.
    answer_after_delay(run, d);   // 6. Rejections: failure_delay_ms after the request.
    take_identity(run, argv, d);  // 7. Environment and identity (acceptances only).
    log_decision(run, d);         // 8. One line, never a secret.
    return exit_code(exec_subprogram(run, d, argv));  // 9. Returns only if exec failed.
  } catch (...) {
    return exit_code(Verdict::kTempFail);  // never 0 or 1 for a failure of our own
  }
}
