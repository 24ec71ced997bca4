// checkpw: D. J. Bernstein's checkpassword interface for plaintext passwords.
// Usage (by a server): checkpw subprogram [args...], with user\0password\0... on fd 3.
// The login's steps (doc/design.md sections 2-8) are login_main() in lib/auth/login.cc,
// shared with cram-md5-checkpw; each is declared in lib/auth/login.h.
#include "auth/login.h"

int main(int argc, char** argv) {
  return checkpw::login_main("checkpw", checkpw::Program::kCheckpw, argc, argv);
}
