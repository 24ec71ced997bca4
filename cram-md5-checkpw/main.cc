// cram-md5-checkpw: checkpassword for CRAM-MD5 (RFC 2195) responses in either field
// order, and plaintext passwords, so one program serves every mechanism a qmail-smtpd
// offers. Usage (by a server): cram-md5-checkpw subprogram [args...], request on fd 3.
// The login's steps (doc/design.md sections 2-8) are login_main() in lib/auth/login.cc,
// shared with checkpw; each is declared in lib/auth/login.h.
#include "auth/login.h"

int main(int argc, char** argv) {
  return checkpw::login_main("cram-md5-checkpw", checkpw::Program::kCramMd5Checkpw, argc, argv);
}
