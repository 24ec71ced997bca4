// checkpw: D. J. Bernstein's checkpassword interface for plaintext passwords.
// Usage (by a server): checkpw subprogram [args...], with user\0password\0... on fd 3.
#include "checkpw/checkpassword.h"

int main(int argc, char** argv) {
  try {
    return checkpw::exit_code(checkpw::checkpassword_run(checkpw::Program::kCheckpw, argc, argv));
  } catch (...) {
    return 111;  // never 0 or 1 for a failure of our own
  }
}
