// cram-md5-checkpw: checkpassword for CRAM-MD5 (RFC 2195) responses in either field
// order, and plaintext passwords, so one program serves every mechanism a qmail-smtpd
// offers. Usage (by a server): cram-md5-checkpw subprogram [args...], request on fd 3.
#include "checkpw/checkpassword.h"

int main(int argc, char** argv) {
  try {
    return checkpw::exit_code(
        checkpw::checkpassword_run(checkpw::Program::kCramMd5Checkpw, argc, argv));
  } catch (...) {
    return 111;  // never 0 or 1 for a failure of our own
  }
}
