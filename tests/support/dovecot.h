// A private, real Dovecot 2.3 for integration tests, and curl as its client.
// DovecotInstance writes a complete dovecot.conf into a test's TempDir (sockets, state, logs
// and mail all inside it), listens on 127.0.0.1 only, on free ports chosen at start, and
// stops the master by the pid in its own master.pid. It must never touch the system's
// Dovecot, /etc/dovecot or any address but 127.0.0.1, and must never outlive the test.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/util.h"

namespace checkpw::test {

enum class DovecotUserdb {
  // `userdb { driver = prefetch }` takes the userdb_* fields the passdb answer carried, with
  // `driver = checkpassword` behind it for lookups without a login (doveadm, LMTP).
  kPrefetch,
  // Only `userdb { driver = checkpassword }`: every login also runs the program in lookup
  // mode (AUTHORIZED=1), which must then answer through checkpassword-reply with exit 2.
  kCheckpassword,
};

struct DovecotOptions {
  // passdb `args`: the program and its arguments, split by Dovecot on single spaces (no
  // quoting); Dovecot appends /usr/lib/dovecot/checkpassword-reply.
  std::string program;
  DovecotUserdb userdb = DovecotUserdb::kPrefetch;
  // NAME=VALUE pairs handed to the program through `import_environment` (Dovecot passes
  // nothing else from our environment). Values must not contain spaces.
  std::vector<std::string> environment;
  // The user the auth process (and so the program) runs as. Dovecot's default is its
  // internal user `dovecot`; root lets the program read a database in the 0700 TempDir.
  std::string auth_user = "root";
  // When set, the passdb and userdb blocks written instead of the checkpassword ones
  // (`program` is then unused): Dovecot's SQL passdb over our database, say.
  std::string auth_blocks;
};

struct CurlResult {
  int exit_code = -1;      // curl's: 0 success, 67 login denied, 7 cannot connect, 28 timeout
  std::string output;      // stdout: the mailbox list (IMAP) or message list (POP3)
  std::string transcript;  // stderr of `curl -v`: the protocol dialog, for diagnosis
};

// Logs in with `curl -v --login-options AUTH=<mech> -u user:password` and runs one command
// that needs authentication: IMAP LIST (imap://127.0.0.1:PORT/) or POP3 LIST
// (pop3://127.0.0.1:PORT/). proto is "imap" or "pop3"; mech "PLAIN", "LOGIN" or "CRAM-MD5".
CurlResult curl_login(std::string_view proto, int port, std::string_view user,
                      std::string_view password, std::string_view mech);

class DovecotInstance {
 public:
  // Nothing runs until start(). `dir` must outlive this object (declare it first).
  DovecotInstance(const TempDir& dir, DovecotOptions options);
  // Stops Dovecot if it still runs. If the current test has failed, prints the Dovecot
  // log first so a CI failure can be read from the test output alone.
  ~DovecotInstance();
  DovecotInstance(const DovecotInstance&) = delete;
  DovecotInstance& operator=(const DovecotInstance&) = delete;

  // Writes the configuration, starts `dovecot -F -c CONF` as a child and waits (at most
  // 10 s) until both ports accept connections. Fails, never skips, when dovecot or curl is
  // missing (`make deps` installs them).
  testing::AssertionResult start();
  // SIGTERM to the pid in master.pid, up to 10 s for it to exit, then SIGKILL; then kills
  // whatever is left of its process group. Fails if master.pid was missing or wrong, or
  // if SIGKILL was needed.
  testing::AssertionResult stop();

  // Logs in through curl_login against this instance's port for `proto`.
  CurlResult login(std::string_view proto, std::string_view user, std::string_view password,
                   std::string_view mech) const;

  bool running() const { return child_ > 0; }
  // The pid read from master.pid when start() succeeded (it stays readable after stop()).
  pid_t master_pid() const { return master_pid_; }
  int imap_port() const { return imap_port_; }
  int pop3_port() const { return pop3_port_; }
  int port(std::string_view proto) const { return proto == "pop3" ? pop3_port_ : imap_port_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& log_path() const { return log_path_; }
  // The Dovecot log so far (log_path, info_log_path and debug_log_path are one file).
  std::string log() const;
  // How often `text` occurs in the log.
  std::size_t log_count(std::string_view text) const;
  // Dovecot writes its log through a separate process, a moment after the client has its
  // answer: waits up to 3 s for `text` to occur at least `times` times.
  testing::AssertionResult log_contains(std::string_view text, std::size_t times = 1) const;
  // The configuration, the log and Dovecot's own stdout/stderr, for failure messages.
  std::string diagnostics() const;

 private:
  std::string render_config() const;
  testing::AssertionResult start_once();
  void reap_group();

  const TempDir& dir_;
  DovecotOptions options_;
  std::string config_path_;
  std::string log_path_;
  std::string output_path_;
  std::string base_dir_;
  std::string mail_dir_;
  int imap_port_ = 0;
  int pop3_port_ = 0;
  uid_t mail_uid_ = 65534;
  gid_t mail_gid_ = 65534;
  pid_t child_ = -1;
  pid_t master_pid_ = -1;
};

}  // namespace checkpw::test
