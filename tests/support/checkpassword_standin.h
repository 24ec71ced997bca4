// A shell-script stand-in for checkpw and cram-md5-checkpw as Dovecot calls them
// (doc/design.md section 6), so the Dovecot harness can be proven without the real programs,
// and so the tests can record exactly what Dovecot hands a checkpassword program.
// It is test scaffolding: it compares secrets as hex strings in a shell and must never be
// mistaken for, or installed as, the product.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/util.h"

namespace checkpw::test {

struct StandinAccount {
  StandinAccount(std::string user_name, std::string plain_password)
      : user(std::move(user_name)), password(std::move(plain_password)) {}
  std::string user;
  std::string password;
  std::string cram_md5;  // "{CRAM-MD5}<64 hex>", handed back on a CRAM-MD5 credentials lookup
  std::string home;      // reported as userdb_home through EXTRA on authentication
  int forced_exit = -1;  // >= 0: exit with this status in every mode, before checking anything
};

// What one run of the stand-in saw. The secret itself is never recorded, only its length.
struct StandinCall {
  std::string user;
  std::size_t fd3_bytes = 0;   // bytes read from fd 3 (at most 513 read)
  std::size_t fd3_nuls = 0;    // NUL bytes among them
  std::size_t secret_len = 0;  // length of the second field
  std::size_t third_len = 0;   // length of the third field
  std::map<std::string, std::string> env;
  std::set<int> open_fds;  // descriptors open on entry (as inherited by a child)
  std::string fd_listing;  // `ls -l /proc/self/fd` of that child, for the report
  bool has(const std::string& name) const { return env.count(name) != 0; }
  std::string get(const std::string& name) const {
    const auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  }
};

// Writes <dir>/standin/checkpw.sh (mode 0755) and returns its absolute path. Protocol:
// reads fd 3 (user\0secret\0third\0); without AUTHORIZED, a matching secret sets
// userdb_home (if any) through EXTRA and execs argv[1..], anything else exits 1; with
// AUTHORIZED=1, an unknown user exits 3, a known one gets AUTHORIZED=2 and, when
// CREDENTIALS_LOOKUP=1 and SCHEME=CRAM-MD5, `password={CRAM-MD5}...` through EXTRA.
std::string write_checkpassword_standin(const TempDir& dir,
                                        const std::vector<StandinAccount>& accounts);

// Every call recorded so far, oldest first; clear_standin_calls forgets them.
std::vector<StandinCall> standin_calls(const TempDir& dir);
void clear_standin_calls(const TempDir& dir);

}  // namespace checkpw::test
